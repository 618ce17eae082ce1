/*
 * The portal's tables and every statement that reads or writes them, all on
 * the storage thread, inside the job of the request they serve.
 *
 * portal_releases holds each release (the content as the owning plugin
 * described it when it was released); at most one per item is in force
 * (withdrawn_at NULL).  portal_log is the append-only record of every
 * release and withdrawal: triggers refuse updates and deletes.
 * portal_inputs holds what partners sent, with a document's name and size
 * (the document itself is a file, input-<id>, in files_dir).
 */
#include "portal.h"

#include <stdio.h>
#include <stdlib.h>

const accord_migration store__migrations[] = {
	{1, "CREATE TABLE portal_releases(id INTEGER PRIMARY KEY, item TEXT NOT NULL,"
	    " kind TEXT NOT NULL, audience TEXT NOT NULL, basis INTEGER, note TEXT NOT NULL DEFAULT '',"
	    " content TEXT NOT NULL, released_by TEXT NOT NULL, released_at INTEGER NOT NULL,"
	    " withdrawn_by TEXT, withdrawn_at INTEGER, withdraw_reason TEXT);"
	    "CREATE UNIQUE INDEX portal_releases_active ON portal_releases(item)"
	    " WHERE withdrawn_at IS NULL;"
	    "CREATE TABLE portal_log(id INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL,"
	    " org TEXT NOT NULL, action TEXT NOT NULL CHECK(action IN ('release','withdraw')),"
	    " release_id INTEGER NOT NULL, item TEXT NOT NULL, audience TEXT, basis INTEGER,"
	    " reason TEXT);"
	    "CREATE TRIGGER portal_log_append_only_u BEFORE UPDATE ON portal_log"
	    " BEGIN SELECT RAISE(ABORT, 'portal_log is append-only'); END;"
	    "CREATE TRIGGER portal_log_append_only_d BEFORE DELETE ON portal_log"
	    " BEGIN SELECT RAISE(ABORT, 'portal_log is append-only'); END;"
	    "CREATE TABLE portal_inputs(id INTEGER PRIMARY KEY, at INTEGER NOT NULL,"
	    " author TEXT NOT NULL, org TEXT NOT NULL, release_id INTEGER,"
	    " text TEXT NOT NULL DEFAULT '', file_name TEXT, file_size INTEGER);"},
	{0, NULL}};

static const char *RELEASE_COLS =
	"SELECT id, item, kind, audience, basis, note, content, released_by, released_at,"
	" withdrawn_by, withdrawn_at, withdraw_reason FROM portal_releases";

static const char *INPUT_COLS =
	"SELECT i.id, i.at, i.author, i.org, i.release_id, r.item AS about, i.text, i.file_name,"
	" i.file_size FROM portal_inputs i LEFT JOIN portal_releases r ON r.id=i.release_id";

/* A stored release made JSON: audience (a list of codes, or "partners")
 * and content back to values. */
static void decode_row(json_t *r)
{
	const char *aud = json_string_value(json_object_get(r, "audience"));
	json_t *a = aud && aud[0] == '[' ? json_loads(aud, 0, NULL) : NULL;
	if (a)
		json_object_set_new(r, "audience", a);
	const char *c = json_string_value(json_object_get(r, "content"));
	json_t *cj = c ? json_loads(c, 0, NULL) : NULL;
	json_object_set_new(r, "content", cj ? cj : json_object());
}

accord_status store__release(accord_txn *txn, const char *where, json_t *params, json_t **row)
{
	char sql[400];
	snprintf(sql, sizeof(sql), "%s WHERE %s", RELEASE_COLS, where);
	json_t *rows = NULL;
	accord_status st = accord_exec(api, txn, sql, params, &rows);
	*row = NULL;
	if (st == ACCORD_OK && json_array_size(rows) == 1) {
		*row = json_incref(json_array_get(rows, 0));
		decode_row(*row);
	}
	json_decref(rows);
	return st;
}

accord_status store__release_in_force(accord_txn *txn, const char *item, json_t **row)
{
	return store__release(txn, "item=? AND withdrawn_at IS NULL", json_pack("[s]", item), row);
}

accord_status store__release_by_id(accord_txn *txn, json_int_t id, json_t **row)
{
	return store__release(txn, "id=?", json_pack("[I]", id), row);
}

accord_status store__releases(accord_txn *txn, const char *item, int all, json_t **rows)
{
	char sql[500];
	snprintf(sql, sizeof(sql),
		 "%s WHERE (? OR withdrawn_at IS NULL) AND (CAST(? AS TEXT) IS NULL OR item=?)"
		 " ORDER BY id DESC LIMIT %d",
		 RELEASE_COLS, PORTAL_MAX_LIST);
	*rows = NULL;
	accord_status st = accord_exec(api, txn, sql, json_pack("[b,s?,s?]", all, item, item), rows);
	size_t i;
	json_t *r;
	json_array_foreach(*rows, i, r)
		decode_row(r);
	return st;
}

accord_status store__releases_in_force(accord_txn *txn, json_t **rows)
{
	return accord_exec(api, txn,
			   "SELECT item, audience FROM portal_releases WHERE withdrawn_at IS NULL",
			   NULL, rows);
}

static accord_status log_action(accord_txn *txn, const accord_job *j, const char *action,
				json_int_t rel, const char *item, const char *audience,
				const json_t *basis, const char *reason)
{
	return accord_exec(api, txn,
			   "INSERT INTO portal_log(at, actor, org, action, release_id, item, audience,"
			   " basis, reason) VALUES(?,?,?,?,?,?,?,?,?)",
			   json_pack("[I,s,s,s,I,s,s?,O,s?]", (json_int_t)j->now_ms, j->actor,
				     j->org, action, rel, item, audience,
				     basis ? basis : json_null(), reason),
			   NULL);
}

accord_status store__release_add(accord_txn *txn, const accord_job *j, const char *item,
				 const char *kind, const json_t *to, const json_t *basis,
				 const char *note, const json_t *content, json_int_t *id)
{
	char *aud = json_is_string(to) ? NULL : json_dumps(to, JSON_COMPACT | JSON_ENCODE_ANY);
	char *cont = json_dumps(content, JSON_COMPACT);
	const char *audience = json_is_string(to) ? "partners" : aud;
	accord_status st = audience && cont ? ACCORD_OK : ACCORD_E_INTERNAL;
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "INSERT INTO portal_releases(item, kind, audience, basis, note, content,"
				 " released_by, released_at) VALUES(?,?,?,?,?,?,?,?)",
				 json_pack("[s,s,s,O,s,s,s,I]", item, kind, audience,
					   basis ? basis : json_null(), note ? note : "", cont,
					   j->actor, (json_int_t)j->now_ms),
				 NULL);
	*id = st == ACCORD_OK ? (json_int_t)api->txn_last_id(txn) : 0;
	if (st == ACCORD_OK)
		st = log_action(txn, j, "release", *id, item, audience, basis, note);
	free(aud);
	free(cont);
	return st;
}

accord_status store__release_end(accord_txn *txn, const accord_job *j, json_int_t id,
				 const char *item, const char *reason)
{
	accord_status st = accord_exec(
		api, txn,
		"UPDATE portal_releases SET withdrawn_by=?, withdrawn_at=?,"
		" withdraw_reason=? WHERE id=?",
		json_pack("[s,I,s,I]", j->actor, (json_int_t)j->now_ms, reason, id), NULL);
	return st == ACCORD_OK ? log_action(txn, j, "withdraw", id, item, NULL, NULL, reason) : st;
}

accord_status store__input_add(accord_txn *txn, const accord_job *j, const json_t *about,
			       const char *text, const char *file_name, int64_t file_size,
			       json_int_t *id)
{
	accord_status st = accord_exec(api, txn,
				       "INSERT INTO portal_inputs(at, author, org, release_id, text,"
				       " file_name, file_size) VALUES(?,?,?,?,?,?,?)",
				       json_pack("[I,s,s,O,s,s?,o]", (json_int_t)j->now_ms, j->actor,
						 j->org, about ? about : json_null(), text, file_name,
						 file_name ? json_integer(file_size) : json_null()),
				       NULL);
	*id = st == ACCORD_OK ? (json_int_t)api->txn_last_id(txn) : 0;
	return st;
}

accord_status store__input(accord_txn *txn, json_int_t id, json_t **row)
{
	char sql[400];
	snprintf(sql, sizeof(sql), "%s WHERE i.id=?", INPUT_COLS);
	json_t *rows = NULL;
	accord_status st = accord_exec(api, txn, sql, json_pack("[I]", id), &rows);
	*row = st == ACCORD_OK ? json_incref(json_array_get(rows, 0)) : NULL;
	json_decref(rows);
	return st;
}

accord_status store__inputs(accord_txn *txn, int partner, const char *org, json_t **rows)
{
	char sql[500];
	snprintf(sql, sizeof(sql), "%s WHERE (NOT ? OR i.org=?) ORDER BY i.id DESC LIMIT %d",
		 INPUT_COLS, PORTAL_MAX_LIST);
	*rows = NULL;
	return accord_exec(api, txn, sql, json_pack("[b,s]", partner, org), rows);
}

accord_status store__input_document(accord_txn *txn, json_int_t id, int partner, const char *org)
{
	json_t *rows = NULL;
	accord_status st = accord_exec(api, txn,
				       "SELECT org, file_name FROM portal_inputs WHERE id=? AND"
				       " file_name IS NOT NULL AND (NOT ? OR org=?)",
				       json_pack("[I,b,s]", id, partner, org), &rows);
	int found = st == ACCORD_OK && json_array_size(rows) == 1;
	json_decref(rows);
	return st != ACCORD_OK ? st : found ? ACCORD_OK : ACCORD_E_NOT_FOUND;
}
