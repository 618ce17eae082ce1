/*
 * Storage on a dedicated thread, with group commit: the part every
 * backend shares (the database itself is a backend, storage_backend.h;
 * store_sqlite.c is the first).
 *
 * The loop never touches the database.  It queues jobs; the storage thread
 * takes every job pending when it wakes, runs them all inside one
 * transaction, each within its own savepoint so a failing job rolls back
 * only its own writes, and hands the finished jobs back to the loop only
 * after the commit has returned.  The backend makes a returned commit
 * durable (SQLite: synchronous=FULL in WAL mode), so a reply sent from a
 * done callback acknowledges a durable write, and one fsync is shared by
 * the whole batch (the idea of Mosquitto's persistence plugin and of every
 * database's group commit).
 *
 * The thread also records whether writes succeed (storage_health): a batch
 * whose commit, begin or one of whose statements fails for a reason of the
 * database or its disk (full, I/O error, read-only, locked, damaged: the
 * backend's failure() names it) marks the database failing with that
 * reason; the next batch that writes and commits marks it healthy again.
 * Batches that only read say nothing either way: on a full disk they still
 * succeed.  The jobs such a failure hit finish with ACCORD_E_UNAVAILABLE,
 * and while their done callbacks run, storage_current_failure() names the
 * reason, so that the reply a client gets says why ("the database cannot
 * be written: disk full") instead of "internal".
 */
#include "storage.h"
#include "storage_backend.h"
#include "log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Bounded so that the completions of one batch, run in one loop turn, cannot
 * queue more events to a connection than limits.outbound_queue_max allows
 * (a tally and an ack per position when tallies are not coalesced): a big
 * batch would drop healthy clients in a burst.  At a few ms per fsync, 256
 * jobs a commit is still far above 10,000 durable writes a second. */
#define MAX_BATCH 256

/* The backends this build has, by database.backend. */
static const storage_backend *const backends[] = {&store_sqlite_backend};
#define N_BACKENDS (sizeof(backends) / sizeof(backends[0]))

struct accord_txn {
	storage *s;
	int64_t last_id;
	int changes;
	int64_t changes_mark; /* the backend's total_changes at txn_changes_mark */
	/* Whose statements run now (NULL: the core, unrestricted); the top
	 * of the stack is current, and the backend is told at each change. */
	const storage_scope *scopes[STORAGE_SCOPE_DEPTH];
	int depth;
};

struct job {
	struct job *next;
	storage_work_fn work;
	storage_done_fn done;
	void *ud;
	accord_status st;
	json_t *out;
	const char *fail; /* why the database failed this job, or NULL */
	int solo;         /* runs alone, outside the group transaction */
};

struct storage {
	const storage_backend *be;
	store_db *db;
	accord_txn txn;

	pthread_t thread;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *q_head, *q_tail;
	long q_len, q_max;
	int stopping;
	struct job *done_head, *done_tail;
	storage_notify_fn notify;
	void *notify_ud;

	storage_stats stats;   /* guarded by mu */
	storage_health health; /* guarded by mu */

	/* storage thread only: the first database failure of the current job
	 * and batch (a static string, see the backend's failure()) */
	const char *job_fail, *batch_fail;
	/* loop only: the failure of the job whose done callback is running */
	const char *current_fail;
};

/* A probe writes when the last write attempt is older than this, so that an
 * idle server still notices a disk that filled (or was freed) meanwhile. */
#define PROBE_WRITE_AFTER_MS 10000

const double storage_latency_bounds[12] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
					   0.05,   0.1,   0.25,   0.5,   1.0,  1e300};

int storage_latency_bucket(double seconds)
{
	int b = 0;
	while (b < 11 && seconds > storage_latency_bounds[b])
		b++;
	return b;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- backends by name ---- */

/* A backend is usable when it was written for this table's version and is
 * at least as large as this build's table (every member present). */
static int backend_usable(const storage_backend *be)
{
	return be->version == STORAGE_BACKEND_VERSION && be->struct_size >= sizeof(storage_backend) &&
	       be->name && be->open && be->close && be->begin && be->commit && be->rollback &&
	       be->in_txn && be->savepoint && be->release && be->rollback_to && be->exec &&
	       be->total_changes && be->scope && be->migrate && be->failure;
}

static const storage_backend *backend_find(const char *name)
{
	for (size_t i = 0; i < N_BACKENDS; i++)
		if (name && !strcmp(backends[i]->name, name) && backend_usable(backends[i]))
			return backends[i];
	return NULL;
}

int storage_backend_known(const char *name) { return backend_find(name) != NULL; }

const char *storage_backend_names(void)
{
	/* Built once, at the first configuration load (single-threaded). */
	static char names[128];
	if (!names[0])
		for (size_t i = 0; i < N_BACKENDS; i++)
			if (backend_usable(backends[i])) {
				if (names[0])
					strncat(names, ", ", sizeof(names) - strlen(names) - 1);
				strncat(names, backends[i]->name, sizeof(names) - strlen(names) - 1);
			}
	return names;
}

/* The backend named, or NULL with err. */
static const storage_backend *backend_or_err(const char *name, char *err, size_t errlen)
{
	const storage_backend *be = backend_find(name);
	if (!be)
		snprintf(err, errlen, "unknown storage backend \"%s\" (this build has: %s)",
			 name ? name : "", storage_backend_names());
	return be;
}

/* On the storage thread: remember the first database failure of the
 * current job and batch, as the backend names the last one. */
static void note_failure(storage *s)
{
	const char *why = s->be->failure(s->db);
	if (!why)
		return;
	if (!s->job_fail)
		s->job_fail = why;
	if (!s->batch_fail)
		s->batch_fail = why;
}

/* ---- whose statements run (the backend enforces it) ---- */

static const storage_scope *scope_top(const accord_txn *txn)
{
	int d = txn->depth > STORAGE_SCOPE_DEPTH ? STORAGE_SCOPE_DEPTH : txn->depth;
	return d ? txn->scopes[d - 1] : NULL;
}

void txn_scope_enter(accord_txn *txn, const storage_scope *scope)
{
	if (txn->depth < STORAGE_SCOPE_DEPTH)
		txn->scopes[txn->depth] = scope;
	else
		log_err("storage: services nested more than %d deep; %s runs with its caller's"
			" tables",
			STORAGE_SCOPE_DEPTH, scope ? scope->name : "the core");
	txn->depth++;
	txn->s->be->scope(txn->s->db, scope_top(txn));
}

int txn_scope_leave(accord_txn *txn)
{
	if (txn->depth <= 0)
		return -1;
	txn->depth--;
	txn->s->be->scope(txn->s->db, scope_top(txn));
	return 0;
}

/* Back to the core's scope; returns how many levels were still open.  At
 * depth 0 the backend already runs as the core. */
static int txn_scope_reset(accord_txn *txn)
{
	int open = txn->depth;
	txn->depth = 0;
	if (open)
		txn->s->be->scope(txn->s->db, NULL);
	return open;
}

int txn_scope_depth(const accord_txn *txn) { return txn->depth; }

/* ---- opening ---- */

storage *storage_open_backend(const char *backend, const char *location, const char *synchronous,
			      char *err, size_t errlen)
{
	const storage_backend *be = backend_or_err(backend, err, errlen);
	if (!be)
		return NULL;
	storage *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->be = be;
	s->db = be->open(location, synchronous, err, errlen);
	if (!s->db) {
		free(s);
		return NULL;
	}
	s->txn.s = s;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	return s;
}

storage *storage_open(const char *path, const char *synchronous, char *err, size_t errlen)
{
	return storage_open_backend(STORAGE_DEFAULT_BACKEND, path, synchronous, err, errlen);
}

/* ---- statements ---- */

accord_status txn_exec(accord_txn *txn, const char *sql, const json_t *params, json_t **rows)
{
	storage *s = txn->s;
	accord_status st = s->be->exec(s->db, sql, params, rows, &txn->changes, &txn->last_id);
	if (st == ACCORD_E_INTERNAL)
		note_failure(s);
	return st;
}

int64_t txn_last_id(accord_txn *txn) { return txn->last_id; }
int txn_changes(accord_txn *txn) { return txn->changes; }

void txn_changes_mark(accord_txn *txn)
{
	txn->changes_mark = txn->s->be->total_changes(txn->s->db);
}

int txn_changed_since_mark(accord_txn *txn)
{
	return txn->s->be->total_changes(txn->s->db) != txn->changes_mark;
}

int storage_migrate(storage *s, const char *owner, const storage_scope *scope,
		    const accord_migration *m, char *err, size_t errlen)
{
	if (!m)
		return 0;
	int last = 0;
	for (; m->sql; m++) {
		if (m->version <= last) {
			snprintf(err, errlen, "%s: migrations must be numbered 1, 2, 3... in order",
				 owner);
			return -1;
		}
		last = m->version;
		txn_scope_reset(&s->txn);
		int rc = s->be->migrate(s->db, owner, scope, m, err, errlen);
		if (rc < 0)
			return -1;
		if (rc > 0)
			log_info("%s: applied schema migration %d", owner, m->version);
	}
	return 0;
}

accord_txn *storage_begin_sync(storage *s)
{
	txn_scope_reset(&s->txn);
	if (s->be->begin(s->db))
		return NULL;
	return &s->txn;
}

int storage_end_sync(storage *s, accord_txn *txn, int commit)
{
	/* COMMIT is the core's, whatever a plugin's CLI command left open */
	if (txn_scope_reset(txn))
		log_err("storage: a command left a service call's txn_enter without txn_leave");
	if (commit && !s->be->commit(s->db))
		return 0;
	s->be->rollback(s->db);
	return commit ? -1 : 0;
}

/* Runs one batch: all jobs in one transaction, each in its own savepoint. */
static void run_batch(storage *s, struct job *batch)
{
	double t0 = now_s();
	s->batch_fail = NULL;
	int kept_writes = 0; /* a job that changed rows was not rolled back */
	int began = s->be->begin(s->db) == 0;
	/* BEGIN or COMMIT failing is the database's failure even when the
	 * backend does not say which (a statement that ended the transaction, a
	 * trigger's RAISE(ROLLBACK) say, is not, unless the backend says so). */
	int db_failed = !began;
	if (!began)
		note_failure(s);
	long n = 0;
	for (struct job *j = batch; j; j = j->next) {
		n++;
		j->out = NULL;
		j->fail = NULL;
		if (!began) {
			j->st = ACCORD_E_INTERNAL;
			continue;
		}
		if (!s->be->in_txn(s->db)) {
			/* An earlier job's statement ended the transaction (I/O
			 * error, RAISE(ROLLBACK)...): run nothing outside it. */
			began = 0;
			j->st = ACCORD_E_INTERNAL;
			continue;
		}
		s->job_fail = NULL;
		int64_t changes0 = s->be->total_changes(s->db);
		if (s->be->savepoint(s->db))
			note_failure(s);
		s->txn.changes = 0;
		txn_scope_reset(&s->txn);
		j->st = j->work ? j->work(&s->txn, j->ud, &j->out) : ACCORD_OK;
		if (txn_scope_reset(&s->txn))
			log_err("storage: a job left a service call's txn_enter without txn_leave");
		if (j->st != ACCORD_OK && s->job_fail) {
			/* Not the request's fault: the database could not do it. */
			j->st = ACCORD_E_UNAVAILABLE;
			j->fail = s->job_fail;
		}
		if (j->st != ACCORD_OK) {
			if (s->be->rollback_to(s->db))
				note_failure(s);
			if (j->out && (j->st == ACCORD_E_INTERNAL || j->fail)) {
				json_decref(j->out);
				j->out = NULL;
			}
		} else if (s->be->total_changes(s->db) > changes0)
			kept_writes = 1;
		if (s->be->release(s->db))
			note_failure(s);
	}
	if (began && !s->be->in_txn(s->db))
		began = 0; /* the last job's statement ended it */
	int committed = began && s->be->commit(s->db) == 0;
	if (began && !committed) {
		db_failed = 1;
		note_failure(s);
	}
	if (!committed) {
		if (s->be->in_txn(s->db))
			s->be->rollback(s->db);
		for (struct job *j = batch; j; j = j->next) {
			j->st = s->batch_fail ? ACCORD_E_UNAVAILABLE : ACCORD_E_INTERNAL;
			j->fail = s->batch_fail;
			json_decref(j->out);
			j->out = NULL;
		}
	}
	double dt = now_s() - t0;
	int wrote = committed && kept_writes;

	pthread_mutex_lock(&s->mu);
	s->stats.jobs += (uint64_t)n;
	if (committed) {
		s->stats.commits++;
		s->stats.latency_sum_s += dt;
		s->stats.latency_buckets[storage_latency_bucket(dt)]++;
	} else
		s->stats.failed_commits++;
	if (s->batch_fail || db_failed) {
		if (!s->health.failing)
			s->health.since_ms = wall_ms();
		s->health.failing = 1;
		snprintf(s->health.reason, sizeof(s->health.reason), "%s",
			 s->batch_fail ? s->batch_fail : "the database cannot be written");
		s->health.last_attempt_ms = wall_ms();
	} else if (wrote) {
		s->health.failing = 0;
		s->health.reason[0] = 0;
		s->health.last_write_ms = s->health.last_attempt_ms = wall_ms();
	}
	struct job *tail = batch;
	while (tail->next)
		tail = tail->next;
	if (s->done_tail)
		s->done_tail->next = batch;
	else
		s->done_head = batch;
	s->done_tail = tail;
	pthread_mutex_unlock(&s->mu);
	if (s->notify)
		s->notify(s->notify_ud);
}

/* A solo job (storage_submit_solo): no group transaction around it; its
 * work opens and ends its own (a live plugin's migrations). */
static void run_solo(storage *s, struct job *j)
{
	j->out = NULL;
	j->fail = NULL;
	txn_scope_reset(&s->txn);
	j->st = j->work ? j->work(&s->txn, j->ud, &j->out) : ACCORD_OK;
	txn_scope_reset(&s->txn);
	pthread_mutex_lock(&s->mu);
	s->stats.jobs++;
	if (s->done_tail)
		s->done_tail->next = j;
	else
		s->done_head = j;
	s->done_tail = j;
	pthread_mutex_unlock(&s->mu);
	if (s->notify)
		s->notify(s->notify_ud);
}

static void *storage_thread(void *arg)
{
	storage *s = arg;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->q_head && !s->stopping)
			pthread_cond_wait(&s->cv, &s->mu);
		if (!s->q_head && s->stopping)
			break;
		/* Take up to MAX_BATCH jobs: everything pending now, up to a
		 * solo job, which runs on its own. */
		struct job *batch = s->q_head, *last = batch;
		long n = 1;
		while (!batch->solo && last->next && !last->next->solo && n < MAX_BATCH) {
			last = last->next;
			n++;
		}
		s->q_head = last->next;
		if (!s->q_head)
			s->q_tail = NULL;
		last->next = NULL;
		s->q_len -= n;
		pthread_mutex_unlock(&s->mu);
		if (batch->solo)
			run_solo(s, batch);
		else
			run_batch(s, batch);
		pthread_mutex_lock(&s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int storage_start(storage *s, long queue_max, storage_notify_fn notify, void *notify_ud)
{
	s->q_max = queue_max;
	s->notify = notify;
	s->notify_ud = notify_ud;
	if (pthread_create(&s->thread, NULL, storage_thread, s))
		return -1;
	s->started = 1;
	return 0;
}

static int submit(storage *s, storage_work_fn work, storage_done_fn done, void *ud, int solo)
{
	struct job *j = calloc(1, sizeof(*j));
	if (!j)
		return -1;
	j->work = work;
	j->done = done;
	j->ud = ud;
	j->solo = solo;
	pthread_mutex_lock(&s->mu);
	if (s->stopping || !s->started || s->q_len >= s->q_max) {
		pthread_mutex_unlock(&s->mu);
		free(j);
		return -1;
	}
	if (s->q_tail)
		s->q_tail->next = j;
	else
		s->q_head = j;
	s->q_tail = j;
	s->q_len++;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

int storage_submit(storage *s, storage_work_fn work, storage_done_fn done, void *ud)
{
	return submit(s, work, done, ud, 0);
}

int storage_submit_solo(storage *s, storage_work_fn work, storage_done_fn done, void *ud)
{
	return submit(s, work, done, ud, 1);
}

int storage_migrate_live(accord_txn *txn, const char *owner, const storage_scope *scope,
			 const accord_migration *m, char *err, size_t errlen)
{
	return storage_migrate(txn->s, owner, scope, m, err, errlen);
}

void storage_run_completions(storage *s)
{
	pthread_mutex_lock(&s->mu);
	struct job *j = s->done_head;
	s->done_head = s->done_tail = NULL;
	pthread_mutex_unlock(&s->mu);
	while (j) {
		struct job *next = j->next;
		s->current_fail = j->fail;
		if (j->done)
			j->done(j->st, j->out, j->ud);
		else
			json_decref(j->out);
		s->current_fail = NULL;
		free(j);
		j = next;
	}
}

const char *storage_current_failure(const storage *s) { return s ? s->current_fail : NULL; }

void storage_get_health(storage *s, storage_health *out)
{
	pthread_mutex_lock(&s->mu);
	*out = s->health;
	pthread_mutex_unlock(&s->mu);
}

/* The /healthz job.  It writes (one row, rewritten) when the database is
 * failing, to see whether it recovered, or when nothing was written for a
 * while, to notice a disk that filled while the server was idle; otherwise
 * the last batch's result stands and a read suffices. */
accord_status storage_probe(accord_txn *txn)
{
	storage *s = txn->s;
	pthread_mutex_lock(&s->mu);
	int write = s->health.failing ||
		    wall_ms() - s->health.last_attempt_ms >= PROBE_WRITE_AFTER_MS;
	pthread_mutex_unlock(&s->mu);
	json_t *p = json_pack("[I]", (json_int_t)wall_ms());
	accord_status st = write ? txn_exec(txn,
					    "INSERT INTO accord_health(id, at) VALUES(1, ?)"
					    " ON CONFLICT(id) DO UPDATE SET at=excluded.at",
					    p, NULL)
				 : txn_exec(txn, "SELECT 1", NULL, NULL);
	json_decref(p);
	return st;
}

void storage_stop(storage *s)
{
	if (!s->started)
		return;
	pthread_mutex_lock(&s->mu);
	s->stopping = 1;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	s->started = 0;
	storage_run_completions(s);
}

void storage_close(storage *s)
{
	if (!s)
		return;
	s->be->close(s->db);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
}

void storage_get_stats(storage *s, storage_stats *out)
{
	pthread_mutex_lock(&s->mu);
	*out = s->stats;
	out->queue_len = s->q_len;
	pthread_mutex_unlock(&s->mu);
}


/* ---- location-based, through the named backend ---- */

int storage_backup(const char *backend, const char *location, const char *dest, char *err,
		   size_t errlen)
{
	const storage_backend *be = backend_or_err(backend, err, errlen);
	if (be && !be->backup)
		snprintf(err, errlen, "the %s storage backend cannot make backups", be->name);
	return be && be->backup ? be->backup(location, dest, err, errlen) : -1;
}

int storage_check_backup(const char *backend, const char *location, char *err, size_t errlen)
{
	const storage_backend *be = backend_or_err(backend, err, errlen);
	if (be && !be->check_backup)
		snprintf(err, errlen, "the %s storage backend cannot check backups", be->name);
	return be && be->check_backup ? be->check_backup(location, err, errlen) : -1;
}

int storage_peek_count(const char *backend, const char *location, const char *sql,
		       const char *param, long *n, char *err, size_t errlen)
{
	const storage_backend *be = backend_or_err(backend, err, errlen);
	if (be && !be->peek_count)
		snprintf(err, errlen, "the %s storage backend cannot look into a database", be->name);
	return be && be->peek_count ? be->peek_count(location, sql, param, n, err, errlen) : -1;
}
