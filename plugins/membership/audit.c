/*
 * Membership: the audit log.  Every change writes a row in its own
 * transaction (audit); the secretariat reads them with members.audit.
 */
#include "membership.h"

accord_status audit__add(accord_txn *txn, const char *actor, const char *action, const char *object,
			 const json_t *before, const json_t *after)
{
	char *b = before ? json_dumps(before, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	char *a = after ? json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_t *p = json_pack("[I,s,s,s,s?,s?]", (json_int_t)api->now_ms(), actor, action, object,
			      b, a);
	accord_status st = api->txn_exec(txn,
					 "INSERT INTO members_audit(at, actor, action, object, before, after)"
					 " VALUES(?,?,?,?,?,?)",
					 p, NULL);
	json_decref(p);
	free(b);
	free(a);
	return st;
}

/* ---------------- members.audit ---------------- */

static accord_status audit_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *lim = json_object_get(j->in, "limit");
	const json_t *before = json_object_get(j->in, "before");
	json_t *rows = NULL;
	json_t *p = json_pack("[I,I]",
			      (json_int_t)(json_is_integer(before) ? json_integer_value(before)
								   : INT64_MAX),
			      (json_int_t)(json_is_integer(lim) ? json_integer_value(lim) : 100));
	accord_status st = api->txn_exec(
		txn,
		"SELECT id, at, actor, action, object, before, after FROM members_audit"
		" WHERE id < ? ORDER BY id DESC LIMIT ?",
		p, &rows);
	json_decref(p);
	if (st != ACCORD_OK)
		return st;
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		const char *keys[] = {"before", "after"};
		for (int k = 0; k < 2; k++) {
			const char *txt = json_string_value(json_object_get(r, keys[k]));
			json_object_set_new(r, keys[k], txt ? json_loads(txt, 0, NULL) : json_null());
		}
	}
	*out = json_pack("{s:o}", "entries", rows);
	return ACCORD_OK;
}

/* limit: entries (default 100); before: entries older than this id. */
static const accord_arg audit_args[] = {
	{.name = "limit", .type = ACCORD_ARG_INT, .min = 1, .max = 1000},
	{.name = "before", .type = ACCORD_ARG_INT},
	{0}};

static void h_audit(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	json_t *in = accord_args_in(api, req, audit_args, d);
	if (in)
		request__run(req, in, audit_work, NULL);
}

static accord_handler handlers[] = {
	{.verb = "members.audit", .fn = h_audit, .args = audit_args, .allow = request__may_audit},
	{0}};

int audit__init(accord_plugin_ctx *p) { return accord_handle_all(api, p, handlers); }
