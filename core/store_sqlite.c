/*
 * The SQLite storage backend (storage_backend.h): one database file in WAL
 * mode, one connection, used by the storage thread.
 *
 * With synchronous=FULL in WAL mode a COMMIT is durable when it returns,
 * which is what group commit in storage.c relies on: a reply sent after
 * COMMIT acknowledges a durable write, and one fsync is shared by the
 * whole batch.  The group transaction is BEGIN IMMEDIATE ... COMMIT; each
 * job runs within SAVEPOINT job ... RELEASE job.
 *
 * Statements are prepared once (SQLITE_PREPARE_PERSISTENT) and cached by
 * their SQL text and the scope they were authorized for.  SQLite's
 * authorizer restricts a plugin's statements to its own tables.
 *
 * Checkpoints run on a thread of their own, with a connection of their
 * own.  SQLite's automatic checkpoint runs inside the COMMIT that grows the
 * WAL past 1,000 pages: it copies the pages into the database file and
 * fsyncs it, and every reply of that batch (and of the batches queued
 * behind it) waited for that.  Here the writer's automatic checkpoint is
 * off; its WAL hook wakes the checkpointer, whose PASSIVE checkpoint
 * runs beside the writer's next commits (WAL mode lets one checkpoint and
 * one writer run at once).  Should the checkpointer fall far behind, the
 * writer checkpoints itself, so the WAL stays bounded.
 */
#include "storage_backend.h"
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
/* WAL pages (4 KiB) after which the checkpointer is woken (SQLite's own
 * automatic checkpoint size), and after which the writer finishes the
 * checkpoint itself (see on_wal) */
#define CKPT_WAKE_PAGES 1000
#define CKPT_SELF_PAGES 2000

/* The checkpointer: its thread, its connection, and when to work. */
typedef struct checkpointer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *path;
	int wake, stop, running, started;
} checkpointer;

struct stmt_entry {
	struct stmt_entry *next;
	const storage_scope *scope; /* the statement was authorized for it */
	char *sql;
	sqlite3_stmt *stmt;
};

struct store_db {
	sqlite3 *db;
	struct stmt_entry *stmts[STMT_BUCKETS];
	/* Whose statements run now (NULL: the core, unrestricted). */
	const storage_scope *scope;
	/* why the last failed call failed (a static string, see
	 * failure_reason), or NULL */
	const char *fail;
	/* why the authorizer refused the last statement */
	char refused[256];
	checkpointer ckpt;
};

static unsigned hash_str(const char *s)
{
	unsigned h = 2166136261u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
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

/* A transaction statement whose failure is the database's when SQLite's
 * code says so (BEGIN, COMMIT). */
static int exec_txn(store_db *d, const char *sql)
{
	if (!exec_simple(d->db, sql))
		return 0;
	d->fail = failure_reason(d->db, sqlite3_extended_errcode(d->db));
	return -1;
}

static sqlite3_stmt *stmt_get(store_db *d, const char *sql);

/* The per-job statements (SAVEPOINT, RELEASE, ROLLBACK TO) run prepared
 * from the statement cache: parsing them again for every job cost ~6% of
 * the server's CPU at 10,000 positions/s. */
static int exec_cached(store_db *d, const char *sql)
{
	sqlite3_stmt *st = stmt_get(d, sql);
	if (!st) {
		d->fail = NULL;
		return exec_simple(d->db, sql);
	}
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_err("sqlite: %s: %s", sql, sqlite3_errstr(rc));
		d->fail = failure_reason(d->db, rc);
		return -1;
	}
	return 0;
}

/* ---- table access per plugin (SQLite's authorizer) ----
 * Called while a statement is prepared (and prepared again after a schema
 * change), with the tables it would touch.  The core's statements (no
 * scope) may touch anything.  A plugin's may read and write only tables
 * named with one of its prefixes, may read SQLite's own catalogue, and may
 * not run PRAGMA, ATTACH, or transaction control (the core owns the
 * transaction).  Views and triggers a plugin creates are named with its
 * prefix too, and what they touch is checked when they are created and
 * each time a statement using them is prepared. */
static int scope_owns(const storage_scope *sc, const char *table)
{
	if (!table)
		return 0;
	for (int i = 0; i < STORAGE_SCOPE_PREFIXES && sc->prefixes[i]; i++) {
		size_t n = strlen(sc->prefixes[i]);
		if (!strncmp(table, sc->prefixes[i], n) && table[n] == '_' && table[n + 1])
			return 1;
	}
	return 0;
}

static int authorize(void *ud, int action, const char *a1, const char *a2, const char *db,
		     const char *inner)
{
	(void)inner;
	store_db *d = ud;
	const storage_scope *sc = d->scope;
	if (!sc)
		return SQLITE_OK;
	const char *table = NULL, *what = NULL;
	int catalogue_ok = 0; /* sqlite_master and friends */
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_FUNCTION:
	case SQLITE_RECURSIVE:
	case SQLITE_REINDEX: /* asked while an index is created (checked by its table) */
		return SQLITE_OK;
	case SQLITE_READ: table = a1, what = "read", catalogue_ok = 1; break;
	case SQLITE_INSERT:
	case SQLITE_UPDATE:
	case SQLITE_DELETE:
		/* CREATE/DROP write the catalogue; they are checked by name. */
		table = a1, what = "write", catalogue_ok = 1;
		break;
	case SQLITE_CREATE_TABLE:
	case SQLITE_DROP_TABLE:
	case SQLITE_CREATE_VIEW:
	case SQLITE_DROP_VIEW: table = a1, what = "create or drop"; break;
	case SQLITE_CREATE_INDEX:
	case SQLITE_DROP_INDEX:
	case SQLITE_CREATE_TRIGGER:
	case SQLITE_DROP_TRIGGER:
	case SQLITE_ALTER_TABLE: table = a2, what = "alter"; break;
	default:
		snprintf(d->refused, sizeof(d->refused),
			 "plugin %s: statement refused: action %d (PRAGMA, ATTACH, transaction"
			 " control, temporary objects...) is the core's",
			 sc->name, action);
		return SQLITE_DENY;
	}
	if (db && strcmp(db, "main")) {
		snprintf(d->refused, sizeof(d->refused),
			 "plugin %s: statement refused: database \"%s\" is not its own", sc->name,
			 db);
		return SQLITE_DENY;
	}
	if (catalogue_ok && table && !strncmp(table, "sqlite_", 7))
		return SQLITE_OK;
	/* table-valued functions, read like tables */
	if (action == SQLITE_READ && table &&
	    (!strcmp(table, "json_each") || !strcmp(table, "json_tree")))
		return SQLITE_OK;
	if (scope_owns(sc, table))
		return SQLITE_OK;
	snprintf(d->refused, sizeof(d->refused),
		 "plugin %s: statement refused: it would %s table %s, which is not one of its"
		 " own (%s_*); use the service of the plugin that owns it",
		 sc->name, what, table ? table : "?", sc->prefixes[0]);
	return SQLITE_DENY;
}

static void sq_scope(store_db *d, const storage_scope *scope) { d->scope = scope; }

static void *checkpoint_thread(void *arg)
{
	checkpointer *c = arg;
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(c->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		log_err("sqlite: the checkpointer cannot open %s: %s; the writer checkpoints",
			c->path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		pthread_mutex_lock(&c->mu);
		c->running = 0;
		pthread_mutex_unlock(&c->mu);
		return NULL;
	}
	sqlite3_busy_timeout(db, 1000);
	pthread_mutex_lock(&c->mu);
	while (!c->stop) {
		while (!c->wake && !c->stop)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->stop)
			break;
		c->wake = 0;
		pthread_mutex_unlock(&c->mu);
		int log_pages = 0, done_pages = 0;
		int rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log_pages,
						   &done_pages);
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			log_warn("sqlite: checkpoint: %s", sqlite3_errmsg(db));
		pthread_mutex_lock(&c->mu);
	}
	pthread_mutex_unlock(&c->mu);
	sqlite3_close(db);
	return NULL;
}

/* After each commit of the writer: how many pages the WAL holds.
 *
 * The WAL starts again from its beginning only when a write begins after
 * a checkpoint copied every frame; under a steady stream of commits the
 * checkpointer, which copies what was there when it began, never quite
 * gets there, and the WAL would grow without end.  So once the WAL is
 * twice the wake size the writer runs a PASSIVE checkpoint of its own:
 * the checkpointer has copied most frames by then, the writer copies the
 * few written since (and fsyncs the file once), and its next write
 * restarts the WAL.  Should the checkpointer be busy at that moment,
 * the writer's attempt returns at once and the next commit tries again. */
static int on_wal(void *ud, sqlite3 *db, const char *name, int pages)
{
	store_db *d = ud;
	checkpointer *c = &d->ckpt;
	if (pages < CKPT_WAKE_PAGES)
		return SQLITE_OK;
	pthread_mutex_lock(&c->mu);
	int running = c->running;
	if (running) {
		c->wake = 1;
		pthread_cond_signal(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
	if (!running || pages >= CKPT_SELF_PAGES)
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return SQLITE_OK;
}

static void checkpointer_start(store_db *d, const char *path)
{
	checkpointer *c = &d->ckpt;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	sqlite3_wal_autocheckpoint(d->db, 0);
	sqlite3_wal_hook(d->db, on_wal, d);
	c->path = strdup(path);
	c->running = c->started = c->path && !pthread_create(&c->thread, NULL, checkpoint_thread, c);
	if (!c->running)
		log_warn("sqlite: no checkpointer thread; the writer checkpoints");
}

static void checkpointer_stop(store_db *d)
{
	checkpointer *c = &d->ckpt;
	pthread_mutex_lock(&c->mu);
	int had = c->started;
	c->stop = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	if (had)
		pthread_join(c->thread, NULL);
	free(c->path);
	c->path = NULL;
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
}

static store_db *sq_open(const char *path, const char *synchronous, char *err, size_t errlen)
{
	store_db *d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	int rc = sqlite3_open_v2(path, &d->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
				 NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open database %s: %s", path,
			 d->db ? sqlite3_errmsg(d->db) : sqlite3_errstr(rc));
		sqlite3_close(d->db);
		free(d);
		return NULL;
	}
	sqlite3_busy_timeout(d->db, 5000);
	char sync_sql[64];
	snprintf(sync_sql, sizeof(sync_sql), "PRAGMA synchronous=%s", synchronous);
	sqlite3_stmt *st = NULL;
	const char *mode = NULL;
	if (sqlite3_prepare_v2(d->db, "PRAGMA journal_mode=WAL", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		mode = (const char *)sqlite3_column_text(st, 0);
	if (!mode || strcmp(mode, "wal")) {
		snprintf(err, errlen, "cannot put database %s in WAL mode: %s", path,
			 sqlite3_errmsg(d->db));
		sqlite3_finalize(st);
		sqlite3_close(d->db);
		free(d);
		return NULL;
	}
	sqlite3_finalize(st);
	if (exec_simple(d->db, sync_sql) || exec_simple(d->db, "PRAGMA foreign_keys=ON") ||
	    exec_simple(d->db, "CREATE TABLE IF NOT EXISTS accord_schema("
			       "owner TEXT NOT NULL, version INTEGER NOT NULL,"
			       "applied_at INTEGER NOT NULL, PRIMARY KEY(owner, version))") ||
	    exec_simple(d->db, "CREATE TABLE IF NOT EXISTS accord_health("
			       "id INTEGER PRIMARY KEY CHECK(id = 1), at INTEGER NOT NULL)")) {
		snprintf(err, errlen, "cannot configure database %s: %s", path,
			 sqlite3_errmsg(d->db));
		sqlite3_close(d->db);
		free(d);
		return NULL;
	}
	sqlite3_set_authorizer(d->db, authorize, d);
	checkpointer_start(d, path);
	return d;
}

static void sq_close(store_db *d)
{
	if (!d)
		return;
	for (int b = 0; b < STMT_BUCKETS; b++) {
		struct stmt_entry *e = d->stmts[b];
		while (e) {
			struct stmt_entry *n = e->next;
			sqlite3_finalize(e->stmt);
			free(e->sql);
			free(e);
			e = n;
		}
	}
	checkpointer_stop(d);
	/* A clean close checkpoints the WAL into the main file. */
	if (sqlite3_close(d->db) != SQLITE_OK)
		log_err("sqlite: close: %s", sqlite3_errmsg(d->db));
	free(d);
}

/* Statements are cached per scope: one authorized for a plugin is never
 * handed to another that sends the same text. */
static sqlite3_stmt *stmt_get(store_db *d, const char *sql)
{
	const storage_scope *scope = d->scope;
	unsigned b = hash_str(sql) % STMT_BUCKETS;
	for (struct stmt_entry *e = d->stmts[b]; e; e = e->next)
		if (e->scope == scope && !strcmp(e->sql, sql))
			return e->stmt;
	sqlite3_stmt *st = NULL;
	d->refused[0] = 0;
	if (sqlite3_prepare_v3(d->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		if (d->refused[0])
			log_err("%s", d->refused);
		else
			log_err("sqlite: cannot prepare \"%.200s\": %s", sql, sqlite3_errmsg(d->db));
		return NULL;
	}
	struct stmt_entry *e = malloc(sizeof(*e));
	if (!e || !(e->sql = strdup(sql))) {
		free(e);
		sqlite3_finalize(st);
		return NULL;
	}
	e->stmt = st;
	e->scope = scope;
	e->next = d->stmts[b];
	d->stmts[b] = e;
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
	json_array_foreach(params, i, v) {
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

static accord_status sq_exec(store_db *d, const char *sql, const json_t *params, json_t **rows,
			     int *changes, int64_t *last_id)
{
	if (rows)
		*rows = NULL;
	d->fail = NULL;
	sqlite3_stmt *st = stmt_get(d, sql);
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
			log_err("sqlite: \"%.200s\": %s", sql, sqlite3_errmsg(d->db));
			d->fail = failure_reason(d->db, rc);
			res = ACCORD_E_INTERNAL;
		}
		json_decref(out);
		out = NULL;
	} else {
		*changes = sqlite3_changes(d->db);
		*last_id = sqlite3_last_insert_rowid(d->db);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rows)
		*rows = out;
	return res;
}

static int64_t sq_total_changes(store_db *d) { return sqlite3_total_changes64(d->db); }

static int sq_begin(store_db *d) { return exec_txn(d, "BEGIN IMMEDIATE"); }
static int sq_commit(store_db *d) { return exec_txn(d, "COMMIT"); }
static int sq_rollback(store_db *d) { return exec_simple(d->db, "ROLLBACK"); }
static int sq_in_txn(store_db *d) { return !sqlite3_get_autocommit(d->db); }
static int sq_savepoint(store_db *d) { return exec_cached(d, "SAVEPOINT job"); }
static int sq_release(store_db *d) { return exec_cached(d, "RELEASE job"); }
static int sq_rollback_to(store_db *d) { return exec_cached(d, "ROLLBACK TO job"); }
static const char *sq_failure(store_db *d) { return d->fail; }

static int sq_migrate(store_db *d, const char *owner, const storage_scope *scope,
		      const accord_migration *m, char *err, size_t errlen)
{
	d->scope = NULL;
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(d->db, "SELECT 1 FROM accord_schema WHERE owner=? AND version=?", -1,
			   &st, NULL);
	sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, m->version);
	int have = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (have)
		return 0;
	char *e = NULL;
	if (exec_simple(d->db, "BEGIN IMMEDIATE"))
		goto fail_db;
	d->refused[0] = 0;
	d->scope = scope;
	int mrc = sqlite3_exec(d->db, m->sql, NULL, NULL, &e);
	d->scope = NULL;
	if (mrc != SQLITE_OK) {
		snprintf(err, errlen, "%s: migration %d failed: %s", owner, m->version,
			 d->refused[0] ? d->refused
			 : e           ? e
				       : sqlite3_errmsg(d->db));
		sqlite3_free(e);
		exec_simple(d->db, "ROLLBACK");
		return -1;
	}
	sqlite3_prepare_v2(d->db, "INSERT INTO accord_schema VALUES(?,?,?)", -1, &st, NULL);
	sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, m->version);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE || exec_simple(d->db, "COMMIT")) {
		exec_simple(d->db, "ROLLBACK");
		goto fail_db;
	}
	return 1;
fail_db:
	snprintf(err, errlen, "%s: migration failed: %s", owner, sqlite3_errmsg(d->db));
	return -1;
}

static int sq_backup(const char *db_path, const char *dest, char *err, size_t errlen)
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

static int sq_check_backup(const char *path, char *err, size_t errlen)
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
		ok = sqlite3_prepare_v2(db, "SELECT count(*) FROM accord_schema WHERE owner='core'",
					-1, &st, NULL) == SQLITE_OK &&
		     sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (!ok)
		snprintf(err, errlen, "%s is not a sound Accord database backup", path);
	return ok ? 0 : -1;
}

static int sq_peek_count(const char *path, const char *sql, const char *param, long *n, char *err,
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

const storage_backend store_sqlite_backend = {
	.version = STORAGE_BACKEND_VERSION,
	.struct_size = sizeof(storage_backend),
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.in_txn = sq_in_txn,
	.savepoint = sq_savepoint,
	.release = sq_release,
	.rollback_to = sq_rollback_to,
	.exec = sq_exec,
	.total_changes = sq_total_changes,
	.scope = sq_scope,
	.migrate = sq_migrate,
	.failure = sq_failure,
	.backup = sq_backup,
	.check_backup = sq_check_backup,
	.peek_count = sq_peek_count,
};
