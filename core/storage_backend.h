/*
 * Storage backends: the database under storage.c, behind a versioned table
 * of functions (as SQLite's own sqlite3_io_methods is a versioned table of a
 * file's functions).
 *
 * storage.c is the part every backend shares: the job queue, the storage
 * thread, group commit (one transaction per batch, a savepoint per job),
 * completions on the loop, statistics and health.  A backend is the
 * database itself: it opens one, runs the group transaction and the job
 * savepoints it is told to, executes statements (SQL text with positional
 * `?` parameters as a JSON array, rows back as JSON objects), keeps its
 * prepared statements, enforces whose tables a statement may touch (the
 * scope), applies migrations and says why a call failed.
 *
 * Every function but the path-based ones (backup, check_backup,
 * peek_count) is called on one thread at a time: the storage thread while
 * it runs, the caller before storage_start and after storage_stop.
 *
 * A second backend (PostgreSQL, say) is one more file like store_sqlite.c
 * filling this table, and one more line in storage.c's list of backends;
 * database.backend in the configuration names it.  What such a backend
 * must translate (the `?` placeholders, a few DDL idioms) is in
 * docs/plugins.md, "SQL a plugin may write".
 */
#ifndef ACCORD_STORAGE_BACKEND_H
#define ACCORD_STORAGE_BACKEND_H

#include "accord/plugin.h"
#include "storage_scope.h"

/* The table's version: changes when an existing member changes meaning.
 * New members are added at the end only (struct_size tells which a
 * backend has). */
#define STORAGE_BACKEND_VERSION 1

typedef struct store_db store_db; /* one open database of a backend */

typedef struct storage_backend {
	uint32_t version;     /* STORAGE_BACKEND_VERSION it was written for */
	uint32_t struct_size; /* sizeof(storage_backend) it was built with */
	const char *name;     /* what database.backend says, e.g. "sqlite" */

	/* Opens (creating if needed) and configures the database at location
	 * (a file for SQLite), with synchronous "full", "normal" or "extra";
	 * also creates the core's two tables accord_schema(owner, version,
	 * applied_at) and accord_health(id, at).  NULL with err on failure. */
	store_db *(*open)(const char *location, const char *synchronous, char *err, size_t errlen);
	void (*close)(store_db *db);

	/* The group transaction: 0, or -1 (then failure() says whether the
	 * database or its disk is at fault).  rollback may be called when
	 * nothing is open.  in_txn: whether a transaction is open (a
	 * statement that failed may have ended it). */
	int (*begin)(store_db *db);
	int (*commit)(store_db *db);
	int (*rollback)(store_db *db);
	int (*in_txn)(store_db *db);

	/* One job's savepoint inside the group transaction (not nested):
	 * rollback_to undoes the job's writes, release ends the savepoint
	 * (after rollback_to too).  0, or -1 (see failure()). */
	int (*savepoint)(store_db *db);
	int (*release)(store_db *db);
	int (*rollback_to)(store_db *db);

	/* Runs one statement: one JSON value per `?` (params a JSON array, or
	 * NULL when there is none), every row as an object into *rows when
	 * rows is not NULL.  ACCORD_OK with *changes (rows the statement
	 * wrote) and *last_id (the id of the last row inserted); or
	 * ACCORD_E_CONFLICT for a constraint; or ACCORD_E_INTERNAL (then
	 * failure() says whether the database or its disk is at fault).
	 * Statements are prepared once per scope and text (cache). */
	accord_status (*exec)(store_db *db, const char *sql, const json_t *params, json_t **rows,
			      int *changes, int64_t *last_id);
	/* Rows written on this connection since it opened: a job compares
	 * two readings to tell whether it wrote. */
	int64_t (*total_changes)(store_db *db);

	/* Whose statements run from now on: a plugin's touch only its own
	 * tables ("<prefix>_..."), and may not control the transaction or the
	 * connection; NULL is the core, unrestricted. */
	void (*scope)(store_db *db, const storage_scope *scope);

	/* Applies one migration of owner, as scope, in its own transaction,
	 * and records it in accord_schema, unless it was recorded before.
	 * The bookkeeping runs as the core; the scope is the core's again
	 * after.  1 applied, 0 already there, -1 with err. */
	int (*migrate)(store_db *db, const char *owner, const storage_scope *scope,
		       const accord_migration *m, char *err, size_t errlen);

	/* Why the last call that failed did, when the fault is the
	 * database's or its disk's (full, I/O error, read-only, locked,
	 * damaged, out of memory): a static sentence for the client and
	 * /healthz ("the database cannot be written: disk full"); NULL when
	 * it was the request's own business (a constraint, a bad statement). */
	const char *(*failure)(store_db *db);

	/* Location-based, any thread that holds no transaction, blocking
	 * (see storage.h: storage_backup, storage_check_backup,
	 * storage_peek_count).  NULL when the backend cannot. */
	int (*backup)(const char *location, const char *dest, char *err, size_t errlen);
	int (*check_backup)(const char *location, char *err, size_t errlen);
	int (*peek_count)(const char *location, const char *sql, const char *param, long *n,
			  char *err, size_t errlen);
} storage_backend;

/* The backends this build has (store_sqlite.c, ...). */
extern const storage_backend store_sqlite_backend;

#endif
