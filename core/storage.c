/*
 * SQLite storage on a dedicated thread, with group commit.
 *
 * The loop never touches the database.  It queues jobs; the storage thread
 * takes every job pending when it wakes, runs them all inside one
 * BEGIN IMMEDIATE ... COMMIT, each within its own SAVEPOINT so a failing job
 * rolls back only its own writes, and hands the finished jobs back to the
 * loop only after COMMIT has returned.  With synchronous=FULL in WAL mode the
 * commit is durable when COMMIT returns, so a reply sent from a done callback
 * acknowledges a durable write, and one fsync is shared by the whole batch
 * (the idea of Mosquitto's persistence plugin and of every database's group
 * commit).
 *
 * Statements are prepared once (SQLITE_PREPARE_PERSISTENT) and cached by
 * their SQL text.
 *
 * The thread also records whether writes succeed (storage_health): a batch
 * whose COMMIT, BEGIN or one of whose statements fails for a reason of the
 * database or its disk (full, I/O error, read-only, locked, damaged) marks
 * the database failing with that reason; the next batch that writes and
 * commits marks it healthy again.  Batches that only read say nothing
 * either way: on a full disk they still succeed.  The jobs such a failure
 * hit finish with ACCORD_E_UNAVAILABLE, and while their done callbacks run,
 * storage_current_failure() names the reason, so that the reply a client
 * gets says why ("the database cannot be written: disk full") instead of
 * "internal".
 */
#include "storage.h"
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define STMT_BUCKETS 256
/* Bounded so that the completions of one batch, run in one loop turn, cannot
 * queue more events to a connection than limits.outbound_queue_max allows
 * (a tally and an ack per position when tallies are not coalesced): a big
 * batch would drop healthy clients in a burst.  At a few ms per fsync, 256
 * jobs a commit is still far above 10,000 durable writes a second. */
#define MAX_BATCH 256

struct stmt_entry {
	struct stmt_entry *next;
	char *sql;
	sqlite3_stmt *stmt;
};

struct accord_txn {
	storage *s;
	int64_t last_id;
	int changes;
	int64_t changes_mark; /* sqlite3_total_changes64 at txn_changes_mark */
};

struct job {
	struct job *next;
	storage_work_fn work;
	storage_done_fn done;
	void *ud;
	accord_status st;
	json_t *out;
	const char *fail; /* why the database failed this job, or NULL */
};

struct storage {
	sqlite3 *db;
	struct stmt_entry *stmts[STMT_BUCKETS];
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

	storage_stats stats; /* guarded by mu */
	storage_health health; /* guarded by mu */

	/* storage thread only: the first database failure of the current job
	 * and batch (a static string, see failure_reason) */
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

/* Why a statement failed, when the fault is the database's or its disk's
 * rather than the request's: a sentence for the client and /healthz, or
 * NULL (a constraint, a bad statement: the request's own business).  The
 * system errno tells a full disk from other write errors, as SQLite reports
 * some of those as I/O errors. */
static const char *failure_reason(sqlite3 *db, int rc)
{
	int sys = sqlite3_system_errno(db);
	switch (rc & 0xff) {
	case SQLITE_FULL: return "the database cannot be written: disk full";
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
		if (sys == ENOSPC)
			return "the database cannot be written: disk full";
		if (sys == EDQUOT)
			return "the database cannot be written: disk quota exceeded";
		if (sys == EROFS)
			return "the database cannot be written: read-only file system";
		return "the database cannot be written: I/O error";
	case SQLITE_READONLY: return "the database cannot be written: it is read-only";
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return "the database cannot be written: locked by another process";
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB: return "the database cannot be written: the file is damaged";
	case SQLITE_NOMEM: return "the database cannot be written: out of memory";
	default: return NULL;
	}
}

/* On the storage thread: remember the first database failure of the
 * current job and batch. */
static void note_failure(storage *s, int rc)
{
	const char *why = failure_reason(s->db, rc);
	if (!why)
		return;
	if (!s->job_fail)
		s->job_fail = why;
	if (!s->batch_fail)
		s->batch_fail = why;
}

static int exec_simple(sqlite3 *db, const char *sql)
{
	char *e = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &e);
	if (rc != SQLITE_OK) {
		log_err("sqlite: %s: %s", sql, e ? e : sqlite3_errstr(rc));
		sqlite3_free(e);
		return -1;
	}
	return 0;
}

static sqlite3_stmt *stmt_get(storage *s, const char *sql);

/* The per-job statements (SAVEPOINT, RELEASE, ROLLBACK TO) run prepared
 * from the statement cache: parsing them again for every job cost ~6% of
 * the server's CPU at 10,000 positions/s. */
static int exec_cached(storage *s, const char *sql)
{
	sqlite3_stmt *st = stmt_get(s, sql);
	if (!st)
		return exec_simple(s->db, sql);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_err("sqlite: %s: %s", sql, sqlite3_errstr(rc));
		note_failure(s, rc);
		return -1;
	}
	return 0;
}

storage *storage_open(const char *path, const char *synchronous, char *err, size_t errlen)
{
	storage *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	int rc = sqlite3_open_v2(path, &s->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
				 NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open database %s: %s", path,
			 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		sqlite3_close(s->db);
		free(s);
		return NULL;
	}
	sqlite3_busy_timeout(s->db, 5000);
	char sync_sql[64];
	snprintf(sync_sql, sizeof(sync_sql), "PRAGMA synchronous=%s", synchronous);
	sqlite3_stmt *st = NULL;
	const char *mode = NULL;
	if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		mode = (const char *)sqlite3_column_text(st, 0);
	if (!mode || strcmp(mode, "wal")) {
		snprintf(err, errlen, "cannot put database %s in WAL mode: %s", path,
			 sqlite3_errmsg(s->db));
		sqlite3_finalize(st);
		sqlite3_close(s->db);
		free(s);
		return NULL;
	}
	sqlite3_finalize(st);
	if (exec_simple(s->db, sync_sql) || exec_simple(s->db, "PRAGMA foreign_keys=ON") ||
	    exec_simple(s->db, "CREATE TABLE IF NOT EXISTS accord_schema("
			       "owner TEXT NOT NULL, version INTEGER NOT NULL,"
			       "applied_at INTEGER NOT NULL, PRIMARY KEY(owner, version))") ||
	    exec_simple(s->db, "CREATE TABLE IF NOT EXISTS accord_health("
			       "id INTEGER PRIMARY KEY CHECK(id = 1), at INTEGER NOT NULL)")) {
		snprintf(err, errlen, "cannot configure database %s: %s", path,
			 sqlite3_errmsg(s->db));
		sqlite3_close(s->db);
		free(s);
		return NULL;
	}
	s->txn.s = s;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	return s;
}

static unsigned hash_str(const char *s)
{
	unsigned h = 2166136261u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static sqlite3_stmt *stmt_get(storage *s, const char *sql)
{
	unsigned b = hash_str(sql) % STMT_BUCKETS;
	for (struct stmt_entry *e = s->stmts[b]; e; e = e->next)
		if (!strcmp(e->sql, sql))
			return e->stmt;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		log_err("sqlite: cannot prepare \"%.200s\": %s", sql, sqlite3_errmsg(s->db));
		return NULL;
	}
	struct stmt_entry *e = malloc(sizeof(*e));
	if (!e || !(e->sql = strdup(sql))) {
		free(e);
		sqlite3_finalize(st);
		return NULL;
	}
	e->stmt = st;
	e->next = s->stmts[b];
	s->stmts[b] = e;
	return st;
}

static int bind_params(sqlite3_stmt *st, const json_t *params)
{
	if (!params)
		return 0;
	if (!json_is_array(params))
		return -1;
	size_t i;
	const json_t *v;
	json_array_foreach(params, i, v)
	{
		int idx = (int)i + 1, rc;
		switch (json_typeof(v)) {
		case JSON_INTEGER: rc = sqlite3_bind_int64(st, idx, json_integer_value(v)); break;
		case JSON_REAL: rc = sqlite3_bind_double(st, idx, json_real_value(v)); break;
		case JSON_STRING:
			rc = sqlite3_bind_text(st, idx, json_string_value(v),
					       (int)json_string_length(v), SQLITE_TRANSIENT);
			break;
		case JSON_TRUE: rc = sqlite3_bind_int(st, idx, 1); break;
		case JSON_FALSE: rc = sqlite3_bind_int(st, idx, 0); break;
		case JSON_NULL: rc = sqlite3_bind_null(st, idx); break;
		default: {
			char *txt = json_dumps(v, JSON_COMPACT);
			rc = txt ? sqlite3_bind_text(st, idx, txt, -1, free) : SQLITE_NOMEM;
			break;
		}
		}
		if (rc != SQLITE_OK)
			return -1;
	}
	return 0;
}

static json_t *column_value(sqlite3_stmt *st, int c)
{
	switch (sqlite3_column_type(st, c)) {
	case SQLITE_INTEGER: return json_integer(sqlite3_column_int64(st, c));
	case SQLITE_FLOAT: return json_real(sqlite3_column_double(st, c));
	case SQLITE_TEXT: {
		json_t *v = json_stringn((const char *)sqlite3_column_text(st, c),
					 (size_t)sqlite3_column_bytes(st, c));
		return v ? v : json_null(); /* not UTF-8: never produced by us */
	}
	case SQLITE_BLOB: {
		/* Blobs are exposed as lower-case hex. */
		const unsigned char *p = sqlite3_column_blob(st, c);
		int n = sqlite3_column_bytes(st, c);
		char *hex = malloc((size_t)n * 2 + 1);
		if (!hex)
			return NULL; /* txn_exec fails the statement */
		for (int i = 0; i < n; i++)
			sprintf(hex + 2 * i, "%02x", p[i]);
		hex[2 * n] = 0;
		json_t *v = json_string(hex);
		free(hex);
		return v;
	}
	default: return json_null();
	}
}

accord_status txn_exec(accord_txn *txn, const char *sql, const json_t *params, json_t **rows)
{
	storage *s = txn->s;
	if (rows)
		*rows = NULL;
	sqlite3_stmt *st = stmt_get(s, sql);
	if (!st)
		return ACCORD_E_INTERNAL;
	/* A statement with placeholders gets exactly one value per placeholder:
	 * a NULL array (a json_pack that failed, say) is an error, not NULLs. */
	int want = sqlite3_bind_parameter_count(st);
	size_t have = json_is_array(params) ? json_array_size(params) : 0;
	if ((size_t)want != have) {
		log_err("sqlite: \"%.200s\" takes %d parameters, %zu given", sql, want, have);
		return ACCORD_E_INTERNAL;
	}
	if (bind_params(st, params)) {
		log_err("sqlite: bad parameters for \"%.200s\"", sql);
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return ACCORD_E_INTERNAL;
	}
	json_t *out = rows ? json_array() : NULL;
	int oom = rows && !out; /* rows short of a value are an error, not fewer rows */
	int rc, ncol = sqlite3_column_count(st);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!out)
			continue;
		json_t *row = json_object();
		for (int c = 0; c < ncol; c++)
			if (json_object_set_new(row, sqlite3_column_name(st, c), column_value(st, c)))
				oom = 1;
		if (json_array_append_new(out, row))
			oom = 1;
	}
	accord_status res = ACCORD_OK;
	if (rc == SQLITE_DONE && oom) {
		log_err("sqlite: \"%.200s\": out of memory reading its rows", sql);
		res = ACCORD_E_INTERNAL;
		json_decref(out);
		out = NULL;
	} else if (rc != SQLITE_DONE) {
		int prim = rc & 0xff;
		if (prim == SQLITE_CONSTRAINT)
			res = ACCORD_E_CONFLICT;
		else {
			log_err("sqlite: \"%.200s\": %s", sql, sqlite3_errmsg(s->db));
			note_failure(s, rc);
			res = ACCORD_E_INTERNAL;
		}
		json_decref(out);
		out = NULL;
	} else {
		txn->changes = sqlite3_changes(s->db);
		txn->last_id = sqlite3_last_insert_rowid(s->db);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rows)
		*rows = out;
	return res;
}

int64_t txn_last_id(accord_txn *txn) { return txn->last_id; }
int txn_changes(accord_txn *txn) { return txn->changes; }

void txn_changes_mark(accord_txn *txn) { txn->changes_mark = sqlite3_total_changes64(txn->s->db); }

int txn_changed_since_mark(accord_txn *txn)
{
	return sqlite3_total_changes64(txn->s->db) != txn->changes_mark;
}

int storage_migrate(storage *s, const char *owner, const accord_migration *m, char *err,
		    size_t errlen)
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
		sqlite3_stmt *st = NULL;
		sqlite3_prepare_v2(s->db,
				   "SELECT 1 FROM accord_schema WHERE owner=? AND version=?", -1,
				   &st, NULL);
		sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, m->version);
		int have = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
		if (have)
			continue;
		char *e = NULL;
		if (exec_simple(s->db, "BEGIN IMMEDIATE"))
			goto fail_db;
		if (sqlite3_exec(s->db, m->sql, NULL, NULL, &e) != SQLITE_OK) {
			snprintf(err, errlen, "%s: migration %d failed: %s", owner, m->version,
				 e ? e : sqlite3_errmsg(s->db));
			sqlite3_free(e);
			exec_simple(s->db, "ROLLBACK");
			return -1;
		}
		sqlite3_prepare_v2(s->db, "INSERT INTO accord_schema VALUES(?,?,strftime('%s','now'))",
				   -1, &st, NULL);
		sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, m->version);
		int rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE || exec_simple(s->db, "COMMIT")) {
			exec_simple(s->db, "ROLLBACK");
			goto fail_db;
		}
		log_info("%s: applied schema migration %d", owner, m->version);
	}
	return 0;
fail_db:
	snprintf(err, errlen, "%s: migration failed: %s", owner, sqlite3_errmsg(s->db));
	return -1;
}

accord_txn *storage_begin_sync(storage *s)
{
	if (exec_simple(s->db, "BEGIN IMMEDIATE"))
		return NULL;
	return &s->txn;
}

int storage_end_sync(storage *s, accord_txn *txn, int commit)
{
	(void)txn;
	if (commit && !exec_simple(s->db, "COMMIT"))
		return 0;
	exec_simple(s->db, "ROLLBACK");
	return commit ? -1 : 0;
}

/* Runs one batch: all jobs in one transaction, each in its own savepoint. */
static void run_batch(storage *s, struct job *batch)
{
	double t0 = now_s();
	s->batch_fail = NULL;
	int kept_writes = 0; /* a job that changed rows was not rolled back */
	int began = exec_simple(s->db, "BEGIN IMMEDIATE") == 0;
	/* BEGIN or COMMIT failing is the database's failure even when SQLite's
	 * code does not say which (a statement that ended the transaction, a
	 * trigger's RAISE(ROLLBACK) say, is not, unless its code says so). */
	int db_failed = !began;
	if (!began)
		note_failure(s, sqlite3_extended_errcode(s->db));
	long n = 0;
	for (struct job *j = batch; j; j = j->next) {
		n++;
		j->out = NULL;
		j->fail = NULL;
		if (!began) {
			j->st = ACCORD_E_INTERNAL;
			continue;
		}
		if (sqlite3_get_autocommit(s->db)) {
			/* An earlier job's statement ended the transaction (I/O
			 * error, RAISE(ROLLBACK)...): run nothing outside it. */
			began = 0;
			j->st = ACCORD_E_INTERNAL;
			continue;
		}
		s->job_fail = NULL;
		int64_t changes0 = sqlite3_total_changes64(s->db);
		exec_cached(s, "SAVEPOINT job");
		s->txn.changes = 0;
		j->st = j->work ? j->work(&s->txn, j->ud, &j->out) : ACCORD_OK;
		if (j->st != ACCORD_OK && s->job_fail) {
			/* Not the request's fault: the database could not do it. */
			j->st = ACCORD_E_UNAVAILABLE;
			j->fail = s->job_fail;
		}
		if (j->st != ACCORD_OK) {
			exec_cached(s, "ROLLBACK TO job");
			if (j->out && (j->st == ACCORD_E_INTERNAL || j->fail)) {
				json_decref(j->out);
				j->out = NULL;
			}
		} else if (sqlite3_total_changes64(s->db) > changes0)
			kept_writes = 1;
		exec_cached(s, "RELEASE job");
	}
	if (began && sqlite3_get_autocommit(s->db))
		began = 0; /* the last job's statement ended it */
	int committed = began && exec_simple(s->db, "COMMIT") == 0;
	if (began && !committed) {
		db_failed = 1;
		note_failure(s, sqlite3_extended_errcode(s->db));
	}
	if (!committed) {
		if (!sqlite3_get_autocommit(s->db))
			exec_simple(s->db, "ROLLBACK");
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

static void *storage_thread(void *arg)
{
	storage *s = arg;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->q_head && !s->stopping)
			pthread_cond_wait(&s->cv, &s->mu);
		if (!s->q_head && s->stopping)
			break;
		/* Take up to MAX_BATCH jobs: everything pending now. */
		struct job *batch = s->q_head, *last = batch;
		long n = 1;
		while (last->next && n < MAX_BATCH) {
			last = last->next;
			n++;
		}
		s->q_head = last->next;
		if (!s->q_head)
			s->q_tail = NULL;
		last->next = NULL;
		s->q_len -= n;
		pthread_mutex_unlock(&s->mu);
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

int storage_submit(storage *s, storage_work_fn work, storage_done_fn done, void *ud)
{
	struct job *j = calloc(1, sizeof(*j));
	if (!j)
		return -1;
	j->work = work;
	j->done = done;
	j->ud = ud;
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
	accord_status st =
		write ? txn_exec(txn, "INSERT OR REPLACE INTO accord_health(id, at) VALUES(1, ?)", p,
				 NULL)
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
	for (int b = 0; b < STMT_BUCKETS; b++) {
		struct stmt_entry *e = s->stmts[b];
		while (e) {
			struct stmt_entry *n = e->next;
			sqlite3_finalize(e->stmt);
			free(e->sql);
			free(e);
			e = n;
		}
	}
	/* A clean close checkpoints the WAL into the main file. */
	if (sqlite3_close(s->db) != SQLITE_OK)
		log_err("sqlite: close: %s", sqlite3_errmsg(s->db));
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

int storage_backup(const char *db_path, const char *dest, char *err, size_t errlen)
{
	sqlite3 *src = NULL, *dst = NULL;
	int rc = sqlite3_open_v2(db_path, &src, SQLITE_OPEN_READONLY, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_open_v2(dest, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(src, 5000);
		sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
		if (!b)
			rc = sqlite3_errcode(dst);
		else {
			do {
				rc = sqlite3_backup_step(b, 256);
				if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
					sqlite3_sleep(20);
			} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
			rc = sqlite3_backup_finish(b);
		}
	}
	if (rc != SQLITE_OK)
		snprintf(err, errlen, "backup of %s to %s failed: %s", db_path, dest,
			 dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
	sqlite3_close(dst);
	sqlite3_close(src);
	return rc == SQLITE_OK ? 0 : -1;
}

int storage_check_backup(const char *path, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int ok = 0;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		ok = !strcmp((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	st = NULL;
	if (ok)
		ok = sqlite3_prepare_v2(db, "SELECT count(*) FROM accord_schema WHERE owner='core'", -1,
					&st, NULL) == SQLITE_OK &&
		     sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (!ok)
		snprintf(err, errlen, "%s is not a sound Accord database backup", path);
	return ok ? 0 : -1;
}

int storage_peek_count(const char *path, const char *sql, const char *param, long *n, char *err,
		       size_t errlen)
{
	struct stat sb;
	if (stat(path, &sb) && errno == ENOENT)
		return 1;
	/* Read-write without CREATE: a WAL database needs its -shm, and the
	 * file is never created; only a SELECT runs. */
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open database %s: %s", path,
			 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, 5000);
	sqlite3_stmt *st = NULL;
	*n = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    (!param || sqlite3_bind_text(st, 1, param, -1, SQLITE_TRANSIENT) == SQLITE_OK) &&
	    sqlite3_step(st) == SQLITE_ROW)
		*n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return 0;
}
