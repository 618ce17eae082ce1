/*
 * Storage: the narrow interface the rest of the core (and, through the host
 * API, plugins) uses to reach the database: jobs run on one dedicated thread
 * with group commit (storage.c), against a backend chosen by name
 * (database.backend; storage_backend.h: the table a backend fills,
 * store_sqlite.c the first).
 */
#ifndef ACCORD_STORAGE_H
#define ACCORD_STORAGE_H

#include "accord/plugin.h"
#include "storage_scope.h"
#include <stdint.h>

typedef struct storage storage;

/* Work runs on the storage thread inside a savepoint of the current group
 * transaction; done runs on the loop after COMMIT (or with an error status). */
typedef accord_status (*storage_work_fn)(accord_txn *txn, void *ud, json_t **out);
typedef void (*storage_done_fn)(accord_status st, json_t *out, void *ud);

/* Called from the storage thread when completions are ready (wakes the loop). */
typedef void (*storage_notify_fn)(void *ud);

/* The backend database.backend names when it says nothing. */
#define STORAGE_DEFAULT_BACKEND "sqlite"

/* Whether this build has a backend of that name, and their names
 * ("sqlite, ..."), for the configuration's check and messages. */
int storage_backend_known(const char *name);
const char *storage_backend_names(void);

/* Opens (creating if needed) and configures the database at location (a
 * file for SQLite) with the named backend; an unknown name fails with err
 * naming the backends this build has.  Blocking: for start-up and CLI use
 * only.  storage_open uses the default backend. */
storage *storage_open_backend(const char *backend, const char *location, const char *synchronous,
			      char *err, size_t errlen);
storage *storage_open(const char *path, const char *synchronous, char *err, size_t errlen);

/* Whose statements run (a plugin's: only its tables; storage_scope.h).
 * The backend enforces it (SQLite: with its authorizer, store_sqlite.c);
 * NULL is the core. */
/* On the thread that owns txn: statements from here on run as scope, until
 * the matching leave (calls nest: a plugin's work calling another's service).
 * Each job and each synchronous transaction starts as the core. */
void txn_scope_enter(accord_txn *txn, const storage_scope *scope);
int txn_scope_leave(accord_txn *txn);
int txn_scope_depth(const accord_txn *txn);

/* Applies owner's migrations that are not yet recorded, in order, each in
 * its own transaction, as scope (NULL: the core).  Blocking, before the
 * thread starts. */
int storage_migrate(storage *s, const char *owner, const storage_scope *scope,
		    const accord_migration *m, char *err, size_t errlen);

/* Synchronous transaction for CLI commands, migrations and seeding. */
accord_txn *storage_begin_sync(storage *s);
int storage_end_sync(storage *s, accord_txn *txn, int commit);

int storage_start(storage *s, long queue_max, storage_notify_fn notify, void *notify_ud);

/* Queues a job.  Returns 0, or -1 when the queue is full or stopping. */
int storage_submit(storage *s, storage_work_fn work, storage_done_fn done, void *ud);

/* Queues a job that the storage thread runs alone, between two batches,
 * outside any transaction: its work opens and ends its own (through
 * storage_migrate_live).  For a plugin installed live. */
int storage_submit_solo(storage *s, storage_work_fn work, storage_done_fn done, void *ud);
/* In a solo job's work: storage_migrate on the storage thread (each
 * migration not yet recorded in its own transaction, rolled back when it
 * fails). */
int storage_migrate_live(accord_txn *txn, const char *owner, const storage_scope *scope,
			 const accord_migration *m, char *err, size_t errlen);

/* On the loop: runs the done callbacks of committed jobs. */
void storage_run_completions(storage *s);

/* Finishes every queued job, stops the thread, runs remaining completions. */
void storage_stop(storage *s);
void storage_close(storage *s);

/* These three work on a database by location, without storage_open, with
 * the named backend (the command line's backup, restore and checks).
 *
 * Online backup into dest (SQLite: a new file, with its backup API);
 * blocking, any thread that owns no transaction.  Returns 0 or -1 with
 * err. */
int storage_backup(const char *backend, const char *location, const char *dest, char *err,
		   size_t errlen);

/* Checks that location is a sound Accord database (SQLite:
 * integrity_check ok; has the schema table).  0, or -1 with err. */
int storage_check_backup(const char *backend, const char *location, char *err, size_t errlen);

/* A look into a database that may not exist, creating nothing (no file, no
 * schema): for the command line's checks before it writes.  1 when there
 * is no database at location; 0 with *n the integer the query (with one
 * optional text parameter) returns, or *n = -1 when it fails (no such
 * table: an empty or foreign file); -1 with err when it cannot be opened. */
int storage_peek_count(const char *backend, const char *location, const char *sql,
		       const char *param, long *n, char *err, size_t errlen);

/* Statistics for /metrics (read on the loop; updated by the storage thread). */
typedef struct storage_stats {
	uint64_t commits;
	uint64_t jobs;
	uint64_t failed_commits;
	uint64_t latency_buckets[12]; /* commit latency histogram, see storage.c */
	double latency_sum_s;
	long queue_len;
} storage_stats;
void storage_get_stats(storage *s, storage_stats *out);
extern const double storage_latency_bounds[12];
/* The bucket of storage_latency_bounds a duration falls in (the last is +Inf);
 * the request histogram in metrics.c uses the same bounds. */
int storage_latency_bucket(double seconds);

/* Whether writes succeed, as the storage thread last saw it: failing after a
 * batch that could not write (reason says why, e.g. "the database cannot be
 * written: disk full"), healthy again after a batch that wrote and committed. */
typedef struct storage_health {
	int failing;
	char reason[128];
	int64_t since_ms;        /* failing since (ms since the epoch) */
	int64_t last_write_ms;   /* last batch that wrote and committed */
	int64_t last_attempt_ms; /* last batch that wrote or failed */
} storage_health;
void storage_get_health(storage *s, storage_health *out);

/* On the loop, inside a done callback: why the database failed that job
 * (the failure storage_health reports), or NULL.  Replies made there say
 * "unavailable" with this reason rather than "internal". */
const char *storage_current_failure(const storage *s);

/* The work of a /healthz probe (see storage.c). */
accord_status storage_probe(accord_txn *txn);

/* accord_txn helpers used by the host API table */
accord_status txn_exec(accord_txn *txn, const char *sql, const json_t *params, json_t **rows);
int64_t txn_last_id(accord_txn *txn);
int txn_changes(accord_txn *txn);
/* Whether any row was written between txn_changes_mark and now (a job that
 * only read, or was refused, wrote none). */
void txn_changes_mark(accord_txn *txn);
int txn_changed_since_mark(accord_txn *txn);

/* ---- retried requests (retry.c) ---- */
#define RETRY_KEY_MAX 160
extern const accord_migration retry_migrations[];
/* Storage thread: ACCORD_OK when key was marked by a committed (or this)
 * transaction, with *reply the data of the reply kept for it (or NULL);
 * ACCORD_E_NOT_FOUND when not.  Also marks the changes counter. */
accord_status retry_get(accord_txn *txn, const char *key, json_t **reply);
/* Storage thread: marks key done when the job wrote something since
 * retry_get. */
accord_status retry_put(accord_txn *txn, const char *key);
/* Loop: 1 if a job marked key since its request came (and forgets it). */
int retry_marked_take(const char *key);
/* Loop: keeps the reply frame sent for a marked key (best effort). */
void retry_keep_reply(storage *st, const char *key, const char *frame, size_t len);

#endif
