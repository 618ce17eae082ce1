/* The storage backend table (core/storage_backend.h) through its first
 * implementation, core/store_sqlite.c, on a real database file: the job
 * savepoint that rolls back one job and keeps the others (in the backend
 * and in a batch of the storage thread), the scope that keeps a plugin to
 * its own tables, migrations applied in order and once, and the core's
 * statements written in portable SQL (health probe, retry keys). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "storage.h"
#include "storage_backend.h"

static char dir[64];
static int n_db;

static void db_path(char *out, size_t len) { snprintf(out, len, "%s/t%d.db", dir, ++n_db); }

static int setup(void **st)
{
	(void)st;
	snprintf(dir, sizeof(dir), "/tmp/accord-unit-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **st)
{
	(void)st;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const storage_backend *B = &store_sqlite_backend;

static accord_status exec(store_db *db, const char *sql, json_t *params, json_t **rows)
{
	int changes = -1;
	int64_t last_id = -1;
	accord_status s = B->exec(db, sql, params, rows, &changes, &last_id);
	json_decref(params);
	return s;
}

/* The ids in t_x, as "1,3". */
static void ids(store_db *db, char *out, size_t len)
{
	json_t *rows = NULL;
	assert_int_equal(exec(db, "SELECT id FROM t_x ORDER BY id", NULL, &rows), ACCORD_OK);
	out[0] = 0;
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		snprintf(out + strlen(out), len - strlen(out), "%s%lld", i ? "," : "",
			 (long long)json_integer_value(json_object_get(r, "id")));
	}
	json_decref(rows);
}

static void table_and_names(void **st)
{
	(void)st;
	assert_int_equal(B->version, STORAGE_BACKEND_VERSION);
	assert_int_equal(B->struct_size, sizeof(storage_backend));
	assert_string_equal(B->name, "sqlite");
	assert_true(storage_backend_known("sqlite"));
	assert_false(storage_backend_known("postgres"));
	assert_false(storage_backend_known(""));
	assert_string_equal(storage_backend_names(), "sqlite");
	char path[128], err[256];
	db_path(path, sizeof(path));
	assert_null(storage_open_backend("postgres", path, "full", err, sizeof(err)));
	assert_string_equal(err, "unknown storage backend \"postgres\" (this build has: sqlite)");
	assert_int_equal(access(path, F_OK), -1); /* nothing was created */
	long n = 0;
	assert_int_equal(storage_peek_count("nosuch", path, "SELECT 1", NULL, &n, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "unknown storage backend \"nosuch\""));
}

/* The backend's primitives as storage.c drives them for one batch: the
 * job whose savepoint is rolled back loses its writes only. */
static void savepoint_rollback_keeps_other_jobs(void **st)
{
	(void)st;
	char path[128], err[256], got[64];
	db_path(path, sizeof(path));
	store_db *db = B->open(path, "full", err, sizeof(err));
	assert_non_null(db);
	assert_int_equal(exec(db, "CREATE TABLE t_x(id INTEGER PRIMARY KEY, v TEXT)", NULL, NULL),
			 ACCORD_OK);
	assert_false(B->in_txn(db));
	assert_int_equal(B->begin(db), 0);
	assert_true(B->in_txn(db));
	int64_t c0 = B->total_changes(db);

	/* job 1 */
	assert_int_equal(B->savepoint(db), 0);
	int changes = 0;
	int64_t last_id = 0;
	json_t *p = json_pack("[i,s]", 1, "one");
	assert_int_equal(B->exec(db, "INSERT INTO t_x(id, v) VALUES(?,?)", p, NULL, &changes,
				 &last_id),
			 ACCORD_OK);
	json_decref(p);
	assert_int_equal(changes, 1);
	assert_int_equal(last_id, 1);
	assert_int_equal(B->release(db), 0);

	/* job 2 writes, then fails on a constraint: rolled back */
	assert_int_equal(B->savepoint(db), 0);
	assert_int_equal(exec(db, "INSERT INTO t_x(id, v) VALUES(?,?)",
			      json_pack("[i,s]", 2, "two"), NULL),
			 ACCORD_OK);
	assert_int_equal(exec(db, "INSERT INTO t_x(id, v) VALUES(?,?)",
			      json_pack("[i,s]", 1, "dup"), NULL),
			 ACCORD_E_CONFLICT);
	assert_null(B->failure(db)); /* a constraint is the request's business */
	assert_int_equal(B->rollback_to(db), 0);
	assert_int_equal(B->release(db), 0);
	assert_true(B->in_txn(db));

	/* job 3 */
	assert_int_equal(B->savepoint(db), 0);
	assert_int_equal(exec(db, "INSERT INTO t_x(id, v) VALUES(?,?)",
			      json_pack("[i,s]", 3, "three"), NULL),
			 ACCORD_OK);
	assert_int_equal(B->release(db), 0);
	assert_true(B->total_changes(db) > c0);
	assert_int_equal(B->commit(db), 0);
	assert_false(B->in_txn(db));
	ids(db, got, sizeof(got));
	assert_string_equal(got, "1,3");

	/* a statement with the wrong number of values is refused, not run */
	assert_int_equal(exec(db, "INSERT INTO t_x(id, v) VALUES(?,?)", json_pack("[i]", 4), NULL),
			 ACCORD_E_INTERNAL);
	assert_int_equal(exec(db, "SELECT id FROM t_x WHERE id=?", NULL, NULL), ACCORD_E_INTERNAL);
	ids(db, got, sizeof(got));
	assert_string_equal(got, "1,3");
	B->close(db);

	/* what was committed is on disk */
	db = B->open(path, "full", err, sizeof(err));
	assert_non_null(db);
	ids(db, got, sizeof(got));
	assert_string_equal(got, "1,3");
	B->close(db);
}

/* ---- the same through the storage thread: one batch, a failing job ---- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int gate_open, gate_entered;

static accord_status gate_work(accord_txn *txn, void *ud, json_t **out)
{
	(void)txn, (void)ud, (void)out;
	pthread_mutex_lock(&mu);
	gate_entered = 1;
	pthread_cond_broadcast(&cv);
	while (!gate_open)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	return ACCORD_OK;
}

static accord_status insert_work(accord_txn *txn, void *ud, json_t **out)
{
	(void)out;
	long id = (long)(intptr_t)ud;
	json_t *p = json_pack("[i]", (int)(id < 0 ? -id : id));
	accord_status s = txn_exec(txn, "INSERT INTO t_x(id) VALUES(?)", p, NULL);
	json_decref(p);
	/* a negative id writes, then fails as a refused request would */
	return s == ACCORD_OK && id < 0 ? ACCORD_E_FORBIDDEN : s;
}

static accord_status done_st[4];
static int n_done;

static void on_done(accord_status s, json_t *out, void *ud)
{
	json_decref(out);
	intptr_t i = (intptr_t)ud;
	done_st[i < 0 ? -i : i] = s;
	n_done++;
}

static void batch_keeps_other_jobs(void **st)
{
	(void)st;
	static const accord_migration m[] = {{1, "CREATE TABLE t_x(id INTEGER PRIMARY KEY, v TEXT)"},
					     {0, NULL}};
	char path[128], err[256];
	db_path(path, sizeof(path));
	storage *s = storage_open(path, "full", err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(storage_migrate(s, "test", NULL, m, err, sizeof(err)), 0);
	assert_int_equal(storage_start(s, 100, NULL, NULL), 0);
	/* The gate holds the thread in a first batch, so the next three jobs
	 * are pending together when it wakes: one batch. */
	assert_int_equal(storage_submit(s, gate_work, on_done, (void *)0), 0);
	pthread_mutex_lock(&mu);
	while (!gate_entered)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	assert_int_equal(storage_submit(s, insert_work, on_done, (void *)(intptr_t)1), 0);
	assert_int_equal(storage_submit(s, insert_work, on_done, (void *)(intptr_t)-2), 0);
	assert_int_equal(storage_submit(s, insert_work, on_done, (void *)(intptr_t)3), 0);
	storage_stats stats;
	storage_get_stats(s, &stats);
	assert_int_equal(stats.queue_len, 3);
	pthread_mutex_lock(&mu);
	gate_open = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	storage_stop(s); /* finishes every job, runs the completions */
	assert_int_equal(n_done, 4);
	assert_int_equal(done_st[1], ACCORD_OK);
	assert_int_equal(done_st[2], ACCORD_E_FORBIDDEN);
	assert_int_equal(done_st[3], ACCORD_OK);
	storage_get_stats(s, &stats);
	assert_int_equal(stats.commits, 2); /* the gate's batch and the three's */
	assert_int_equal(stats.jobs, 4);
	assert_int_equal(stats.failed_commits, 0);
	storage_health h;
	storage_get_health(s, &h);
	assert_false(h.failing);
	accord_txn *txn = storage_begin_sync(s);
	assert_non_null(txn);
	json_t *rows = NULL;
	assert_int_equal(txn_exec(txn, "SELECT group_concat(id) AS ids FROM t_x", NULL, &rows),
			 ACCORD_OK);
	assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 0), "ids")),
			    "1,3");
	json_decref(rows);
	assert_int_equal(storage_end_sync(s, txn, 0), 0);
	storage_close(s);
}

/* ---- whose tables ---- */

static const storage_scope alpha = {"alpha", {"alpha", NULL}};
static const storage_scope beta = {"beta", {"beta", "shared", NULL}};

static void scope_refusal(void **st)
{
	(void)st;
	static const accord_migration core_m[] = {
		{1, "CREATE TABLE beta_t(x INTEGER); INSERT INTO beta_t VALUES(7)"}, {0, NULL}};
	static const accord_migration alpha_m[] = {{1, "CREATE TABLE alpha_t(x INTEGER)"}, {0, NULL}};
	char path[128], err[256];
	db_path(path, sizeof(path));
	storage *s = storage_open(path, "full", err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(storage_migrate(s, "core.test", NULL, core_m, err, sizeof(err)), 0);
	assert_int_equal(storage_migrate(s, "alpha", &alpha, alpha_m, err, sizeof(err)), 0);
	accord_txn *txn = storage_begin_sync(s);
	assert_non_null(txn);

	/* the core reads anything; that statement is cached for the core */
	assert_int_equal(txn_exec(txn, "SELECT x FROM beta_t", NULL, NULL), ACCORD_OK);
	txn_scope_enter(txn, &alpha);
	assert_int_equal(txn_scope_depth(txn), 1);
	/* the same text as alpha: refused, not taken from the core's cache */
	assert_int_equal(txn_exec(txn, "SELECT x FROM beta_t", NULL, NULL), ACCORD_E_INTERNAL);
	assert_int_equal(txn_exec(txn, "INSERT INTO beta_t VALUES(1)", NULL, NULL),
			 ACCORD_E_INTERNAL);
	assert_int_equal(txn_exec(txn, "SELECT count(*) FROM accord_schema", NULL, NULL),
			 ACCORD_E_INTERNAL);
	assert_int_equal(txn_exec(txn, "PRAGMA foreign_keys=OFF", NULL, NULL), ACCORD_E_INTERNAL);
	assert_int_equal(txn_exec(txn, "CREATE TEMP TABLE alpha_tmp(x)", NULL, NULL),
			 ACCORD_E_INTERNAL);
	/* its own tables, and SQLite's catalogue, it may */
	assert_int_equal(txn_exec(txn, "INSERT INTO alpha_t VALUES(1)", NULL, NULL), ACCORD_OK);
	assert_int_equal(txn_exec(txn, "SELECT count(*) FROM sqlite_master", NULL, NULL), ACCORD_OK);

	/* nested: a service of beta called from alpha's work runs as beta,
	 * and the core's functions as the core */
	txn_scope_enter(txn, &beta);
	assert_int_equal(txn_exec(txn, "SELECT x FROM beta_t", NULL, NULL), ACCORD_OK);
	assert_int_equal(txn_exec(txn, "SELECT x FROM alpha_t", NULL, NULL), ACCORD_E_INTERNAL);
	txn_scope_enter(txn, NULL);
	assert_int_equal(txn_exec(txn, "SELECT x FROM alpha_t", NULL, NULL), ACCORD_OK);
	assert_int_equal(txn_scope_leave(txn), 0);
	assert_int_equal(txn_scope_leave(txn), 0);
	assert_int_equal(txn_exec(txn, "SELECT x FROM beta_t", NULL, NULL), ACCORD_E_INTERNAL);
	assert_int_equal(txn_scope_leave(txn), 0);
	assert_int_equal(txn_scope_leave(txn), -1); /* nothing left to leave */
	assert_int_equal(txn_exec(txn, "SELECT x FROM alpha_t", NULL, NULL), ACCORD_OK);
	assert_int_equal(storage_end_sync(s, txn, 1), 0);

	/* leaving brings back the scope entered before; the next transaction
	 * starts as the core */
	txn = storage_begin_sync(s);
	txn_scope_enter(txn, &alpha);
	txn_scope_enter(txn, &beta);
	assert_int_equal(txn_scope_leave(txn), 0);
	assert_int_equal(txn_scope_depth(txn), 1);
	assert_int_equal(txn_exec(txn, "SELECT x FROM beta_t", NULL, NULL), ACCORD_E_INTERNAL);
	assert_int_equal(txn_scope_leave(txn), 0);
	assert_int_equal(storage_end_sync(s, txn, 0), 0);
	txn = storage_begin_sync(s);
	assert_non_null(txn);
	assert_int_equal(txn_scope_depth(txn), 0);
	assert_int_equal(txn_exec(txn, "SELECT x FROM beta_t", NULL, NULL), ACCORD_OK);
	assert_int_equal(storage_end_sync(s, txn, 0), 0);
	storage_close(s);
}

/* ---- migrations ---- */

static long schema_rows(storage *s, const char *owner)
{
	accord_txn *txn = storage_begin_sync(s);
	assert_non_null(txn);
	json_t *rows = NULL;
	json_t *p = json_pack("[s]", owner);
	assert_int_equal(txn_exec(txn,
				  "SELECT count(*) AS n, min(applied_at) AS at FROM accord_schema"
				  " WHERE owner=?",
				  p, &rows),
			 ACCORD_OK);
	json_decref(p);
	json_t *r = json_array_get(rows, 0);
	long n = (long)json_integer_value(json_object_get(r, "n"));
	if (n) /* seconds since the epoch, as an integer */
		assert_true(json_integer_value(json_object_get(r, "at")) > 1600000000);
	json_decref(rows);
	storage_end_sync(s, txn, 0);
	return n;
}

static void migrate_order(void **st)
{
	(void)st;
	static const accord_migration two[] = {{1, "CREATE TABLE alpha_m(a INTEGER)"},
					       {2, "ALTER TABLE alpha_m ADD COLUMN b TEXT"},
					       {0, NULL}};
	/* the same, and a third that needs the second's column */
	static const accord_migration three[] = {{1, "CREATE TABLE alpha_m(a INTEGER)"},
						 {2, "ALTER TABLE alpha_m ADD COLUMN b TEXT"},
						 {3, "CREATE INDEX alpha_m_b ON alpha_m(b)"},
						 {0, NULL}};
	static const accord_migration unordered[] = {{1, "CREATE TABLE alpha_u(a INTEGER)"},
						     {1, "CREATE TABLE alpha_v(a INTEGER)"},
						     {0, NULL}};
	static const accord_migration foreign[] = {
		{1, "CREATE TABLE alpha_f(a INTEGER); CREATE TABLE beta_f(a INTEGER)"}, {0, NULL}};
	char path[128], err[256];
	db_path(path, sizeof(path));
	storage *s = storage_open(path, "full", err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(storage_migrate(s, "alpha", &alpha, two, err, sizeof(err)), 0);
	assert_int_equal(schema_rows(s, "alpha"), 2);
	/* again: nothing to do (an applied CREATE TABLE would fail) */
	assert_int_equal(storage_migrate(s, "alpha", &alpha, two, err, sizeof(err)), 0);
	assert_int_equal(storage_migrate(s, "alpha", &alpha, three, err, sizeof(err)), 0);
	assert_int_equal(schema_rows(s, "alpha"), 3);

	/* numbered out of order: refused after the good ones before it */
	assert_int_equal(storage_migrate(s, "alpha.u", &alpha, unordered, err, sizeof(err)), -1);
	assert_string_equal(err, "alpha.u: migrations must be numbered 1, 2, 3... in order");
	assert_int_equal(schema_rows(s, "alpha.u"), 1);

	/* a plugin's migration touching another's table: refused, rolled
	 * back entirely (its own table is not created either), not recorded */
	assert_int_equal(storage_migrate(s, "alpha.f", &alpha, foreign, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "alpha.f: migration 1 failed: plugin alpha: statement refused"));
	assert_non_null(strstr(err, "beta_f"));
	assert_int_equal(schema_rows(s, "alpha.f"), 0);
	accord_txn *txn = storage_begin_sync(s);
	json_t *rows = NULL;
	assert_int_equal(txn_exec(txn,
				  "SELECT count(*) AS n FROM sqlite_master WHERE name IN"
				  " ('alpha_f', 'beta_f')",
				  NULL, &rows),
			 ACCORD_OK);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(rows, 0), "n")), 0);
	json_decref(rows);
	/* the bookkeeping ran as the core, and the core is current again */
	assert_int_equal(txn_exec(txn, "SELECT count(*) FROM accord_schema", NULL, NULL), ACCORD_OK);
	storage_end_sync(s, txn, 0);
	storage_close(s);
}

/* ---- the core's own statements, as rewritten in portable SQL ---- */

static void core_statements(void **st)
{
	(void)st;
	char path[128], err[256];
	db_path(path, sizeof(path));
	storage *s = storage_open(path, "full", err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(
		storage_migrate(s, "core.requests", NULL, retry_migrations, err, sizeof(err)), 0);
	accord_txn *txn = storage_begin_sync(s);
	assert_non_null(txn);
	/* the health probe writes its one row, then rewrites it */
	assert_int_equal(storage_probe(txn), ACCORD_OK);
	assert_int_equal(txn_changes(txn), 1);
	assert_int_equal(storage_probe(txn), ACCORD_OK);
	assert_int_equal(txn_changes(txn), 1);
	json_t *rows = NULL;
	assert_int_equal(txn_exec(txn, "SELECT count(*) AS n FROM accord_health", NULL, &rows),
			 ACCORD_OK);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(rows, 0), "n")), 1);
	json_decref(rows);

	/* a retry key is marked once: the second put changes nothing */
	txn_changes_mark(txn);
	assert_false(txn_changed_since_mark(txn));
	assert_int_equal(storage_probe(txn), ACCORD_OK); /* a job that wrote */
	assert_true(txn_changed_since_mark(txn));
	assert_int_equal(retry_put(txn, "1:x:k1"), ACCORD_OK);
	assert_int_equal(txn_changes(txn), 1);
	assert_true(retry_marked_take("1:x:k1"));
	assert_false(retry_marked_take("1:x:k1"));
	txn_changes_mark(txn);
	assert_int_equal(storage_probe(txn), ACCORD_OK);
	assert_int_equal(retry_put(txn, "1:x:k1"), ACCORD_OK);
	assert_int_equal(txn_changes(txn), 0);
	assert_false(retry_marked_take("1:x:k1"));
	json_t *reply = NULL;
	assert_int_equal(retry_get(txn, "1:x:k1", &reply), ACCORD_OK);
	assert_null(reply);
	assert_int_equal(retry_get(txn, "1:x:other", &reply), ACCORD_E_NOT_FOUND);
	assert_int_equal(storage_end_sync(s, txn, 1), 0);
	storage_close(s);
}

/* The writer's automatic checkpoint is off and a thread of the backend
 * checkpoints beside it: 40 MiB written in 400 commits leave a WAL far
 * smaller than what was written (without a checkpoint it would hold it
 * all; the writer's own fallback starts only at 64 MiB), and every row is
 * in the database file after the close. */
static void wal_is_checkpointed_beside_the_writer(void **st)
{
	(void)st;
	char path[128], wal[160], err[256];
	db_path(path, sizeof(path));
	store_db *db = B->open(path, "full", err, sizeof(err));
	assert_non_null(db);
	assert_int_equal(exec(db, "CREATE TABLE t_blob(id INTEGER PRIMARY KEY, b BLOB)", NULL, NULL),
			 ACCORD_OK);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	off_t biggest = 0;
	for (int k = 0; k < 4000; k++) {
		assert_int_equal(B->begin(db), 0);
		assert_int_equal(exec(db, "INSERT INTO t_blob(b) VALUES(zeroblob(10000))", NULL, NULL),
				 ACCORD_OK);
		assert_int_equal(B->commit(db), 0);
		struct stat s;
		if (stat(wal, &s) == 0 && s.st_size > biggest)
			biggest = s.st_size;
	}
	assert_true(biggest < 20 * 1024 * 1024);
	B->close(db);
	long n = 0;
	assert_int_equal(storage_peek_count("sqlite", path, "SELECT count(*) FROM t_blob", NULL, &n,
					    err, sizeof(err)),
			 0);
	assert_int_equal(n, 4000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_and_names),
		cmocka_unit_test(savepoint_rollback_keeps_other_jobs),
		cmocka_unit_test(batch_keeps_other_jobs),
		cmocka_unit_test(scope_refusal),
		cmocka_unit_test(migrate_order),
		cmocka_unit_test(core_statements),
		cmocka_unit_test(wal_is_checkpointed_beside_the_writer),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
