/*
 * Proposals: consensus.create, consensus.edit (drafts), consensus.get,
 * consensus.list.
 */
#include "consensus.h"

/* ---------------- consensus.create ---------------- */

static accord_status create_work(accord_txn *txn, job *j, json_t **out)
{
	const json_t *in = j->in;
	accord_status st = store__lead_check(txn, j, out);
	if (st != ACCORD_OK)
		return st;
	st = accord_exec(
		api, txn,
		"INSERT INTO consensus_proposals(scope, title, text, kind, state_matter, hide_tally,"
		" closes_at, created_by, created_at) VALUES(?,?,?,?,?,?,?,?,?)",
		json_pack("[O,O,O,O,b,b,O,s,I]", json_object_get(in, "scope"), json_object_get(in, "title"),
			  json_object_get(in, "text"),
			  json_object_get(in, "kind"), json_is_true(json_object_get(in, "state_matter")),
			  json_is_true(json_object_get(in, "hide_tally")), json_object_get(in, "closes_at"),
			  j->actor, (json_int_t)api->now_ms()),
		NULL);
	if (st != ACCORD_OK)
		return st;
	j->id = api->txn_last_id(txn);
	if ((st = store__log(txn, j, "create", NULL)) != ACCORD_OK)
		return st;
	return store__snapshot(txn, j->id, out);
}

void proposals__create(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	const accord_principal *w = api->req_principal(req);
	const json_t *scope = json_object_get(d, "scope");
	int64_t group = 0;
	if (scope && !(json_is_string(scope) && (!strcmp(json_string_value(scope), "network") ||
						 !strncmp(json_string_value(scope), "group:", 6)))) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "scope: \"network\" or \"group:<id>\"");
		return;
	}
	if (scope && !strncmp(json_string_value(scope), "group:", 6)) {
		char *end;
		group = strtoll(json_string_value(scope) + 6, &end, 10);
		if (*end || group <= 0 || api->group_access(self, w, group, NULL) != ACCORD_OK ||
		    !access__member(w)) {
			api->reply_error(req, ACCORD_E_NOT_FOUND, "no such group");
			return;
		}
	} else if (!access__may_create(w)) {
		api->reply_error(req, ACCORD_E_FORBIDDEN, "co-chairs and the secretariat create proposals");
		return;
	}
	const char *title = arg_str(req, d, "title", 300, 1);
	const char *text = title ? arg_str(req, d, "text", 20000, 1) : NULL;
	const char *kind = text ? arg_str(req, d, "kind", 16, 1) : NULL;
	if (!kind)
		return;
	if (strcmp(kind, "decision") && strcmp(kind, "statement")) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "kind: decision or statement");
		return;
	}
	const char *bools[] = {"state_matter", "hide_tally"};
	for (int i = 0; i < 2; i++) {
		const json_t *b = json_object_get(d, bools[i]);
		if (b && !json_is_boolean(b)) {
			char msg[64];
			snprintf(msg, sizeof(msg), "%s: true or false", bools[i]);
			api->reply_error(req, ACCORD_E_BAD_REQUEST, msg);
			return;
		}
	}
	int64_t closes;
	if (arg_closes_at(req, d, 0, &closes))
		return;
	json_t *in = json_pack("{s:s,s:s,s:s,s:b,s:b,s:o}", "title", title, "text", text, "kind", kind,
			       "state_matter", json_is_true(json_object_get(d, "state_matter")),
			       "hide_tally", json_is_true(json_object_get(d, "hide_tally")), "closes_at",
			       closes ? json_integer(closes) : json_null());
	char sc[40];
	if (group)
		snprintf(sc, sizeof(sc), "group:%lld", (long long)group);
	json_object_set_new(in, "scope", json_string(group ? sc : "network"));
	job_run_scoped(req, 0, group, !access__may_create(w) && group, in, create_work, live__after_change);
}

/* ---------------- consensus.edit ---------------- */

/* A draft is edited by whoever drafted it, a co-chair, or (a working
 * group's draft) a lead organisation's people; once open its text is what
 * the organisations respond to, so it stays as opened.  The creator is
 * read in the transaction, like the lead check. */
static accord_status edit_work(accord_txn *txn, job *j, json_t **out)
{
	json_t *row = store__proposal(txn, j->id);
	if (!row)
		return ACCORD_E_NOT_FOUND;
	const char *by = json_string_value(json_object_get(row, "created_by"));
	int creator = by && !strcmp(by, j->actor);
	const char *status = json_string_value(json_object_get(row, "status"));
	const char *refusal = lifecycle__refusal(LC_EDIT, status, 0);
	json_decref(row);
	if (!creator && j->need_lead > 0) {
		accord_status st = store__lead_check(txn, j, out);
		if (st != ACCORD_OK)
			return st;
	} else if (!creator && j->need_lead < 0)
		return job_fail(out, ACCORD_E_FORBIDDEN,
			    "only its author or a co-chair can edit a draft");
	if (refusal)
		return job_fail(out, ACCORD_E_CONFLICT, refusal);
	/* coalesce: a field left out keeps its value; closes_at null clears */
	const json_t *in = j->in;
	const json_t *sm = json_object_get(in, "state_matter"), *ht = json_object_get(in, "hide_tally");
	accord_status st = accord_exec(
		api, txn,
		"UPDATE consensus_proposals SET title=coalesce(?, title), text=coalesce(?, text),"
		" kind=coalesce(?, kind), state_matter=coalesce(?, state_matter),"
		" hide_tally=coalesce(?, hide_tally),"
		" closes_at=CASE WHEN ? THEN ? ELSE closes_at END WHERE id=?",
		json_pack("[O,O,O,o,o,b,O,I]", json_object_get(in, "title") ? json_object_get(in, "title") : json_null(),
			  json_object_get(in, "text") ? json_object_get(in, "text") : json_null(),
			  json_object_get(in, "kind") ? json_object_get(in, "kind") : json_null(),
			  sm ? json_integer(json_is_true(sm)) : json_null(),
			  ht ? json_integer(json_is_true(ht)) : json_null(),
			  json_object_get(in, "closes_at") != NULL,
			  json_object_get(in, "closes_at") ? json_object_get(in, "closes_at") : json_null(),
			  (json_int_t)j->id),
		NULL);
	if (st == ACCORD_OK)
		st = store__log(txn, j, "edit", NULL);
	return st == ACCORD_OK ? store__snapshot(txn, j->id, out) : st;
}

/* After an edit: the usual refresh, and the new text to everyone who has
 * the draft open (a draft is seen by members, or a group's people). */
static void edit_after(job *j, json_t *out)
{
	live__after_change(j, out);
	proposal *p = tally__find(j->id);
	if (!p)
		return;
	char topic[40];
	live__topic(p, topic, sizeof(topic));
	accord_audience *a = api->audience_new();
	api->audience_members_only(a);
	api->publish(self, topic, "consensus.edited",
		     json_pack("{s:O}", "proposal", json_object_get(out, "proposal")), a);
	api->audience_free(a);
}

void proposals__edit(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	proposal *p = access__proposal(req, d);
	if (!p)
		return;
	const accord_principal *w = api->req_principal(req);
	json_t *in = json_object();
	static const struct {
		const char *key;
		size_t max;
	} strs[] = {{"title", 300}, {"text", 20000}, {"kind", 16}};
	for (size_t i = 0; i < 3; i++) {
		if (!json_object_get(d, strs[i].key))
			continue;
		const char *v = arg_str(req, d, strs[i].key, strs[i].max, 1);
		if (!v) {
			json_decref(in);
			return;
		}
		json_object_set_new(in, strs[i].key, json_string(v));
	}
	const char *kind = json_string_value(json_object_get(in, "kind"));
	if (kind && strcmp(kind, "decision") && strcmp(kind, "statement")) {
		json_decref(in);
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "kind: decision or statement");
		return;
	}
	const char *bools[] = {"state_matter", "hide_tally"};
	for (int i = 0; i < 2; i++) {
		const json_t *b = json_object_get(d, bools[i]);
		if (!b)
			continue;
		if (!json_is_boolean(b)) {
			char msg[64];
			snprintf(msg, sizeof(msg), "%s: true or false", bools[i]);
			json_decref(in);
			api->reply_error(req, ACCORD_E_BAD_REQUEST, msg);
			return;
		}
		json_object_set(in, bools[i], (json_t *)b);
	}
	if (json_object_get(d, "closes_at")) {
		int64_t closes;
		if (arg_closes_at(req, d, 0, &closes)) {
			json_decref(in);
			return;
		}
		json_object_set_new(in, "closes_at", closes ? json_integer(closes) : json_null());
	}
	/* need_lead: 0 a co-chair, 1 a group's draft (creator or lead),
	 * -1 a network draft (creator only) */
	int need = access__chair(w) ? 0 : p->group ? 1 : -1;
	job_run_scoped(req, p->id, p->group, need, in, edit_work, edit_after);
}

/* ---------------- consensus.get / list ---------------- */

static accord_status get_work(accord_txn *txn, job *j, json_t **out)
{
	return store__snapshot(txn, j->id, out);
}

static void get_after(job *j, json_t *out)
{
	json_t *view = view__for_caller(out, j->is_partner, j->org);
	accord_replace(out, view);
}

void proposals__get(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	proposal *p = access__proposal(req, d);
	if (p)
		job_run(req, p->id, NULL, get_work, get_after);
}

/* The ids come from the loop (what the caller may see, decided there);
 * partners' decision register also holds the network's adopted joint
 * statements. */
accord_status proposals__list_work(accord_txn *txn, job *j, json_t **out)
{
	const char *status = json_string_value(json_object_get(j->in, "status"));
	int decisions = json_is_true(json_object_get(j->in, "decisions"));
	json_t *rows = NULL;
	accord_status st = accord_exec(
		api, txn,
		"SELECT id, title, kind, scope, state_matter, hide_tally, status, closes_at, outcome,"
		" outcome_statement, closed_at, review_date, created_by, created_at, opened_at"
		" FROM consensus_proposals WHERE (? = '' OR status = ?) AND (id IN (SELECT value FROM"
		" json_each(?)) OR (? AND kind = 'statement' AND outcome = 'consensus' AND"
		" status = 'closed' AND scope = 'network')) ORDER BY id DESC LIMIT 500",
		json_pack("[s,s,O,b]", status ? status : "", status ? status : "",
			  json_object_get(j->in, "ids"), decisions && j->is_partner),
		&rows);
	if (st != ACCORD_OK)
		return st;
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
	{
		json_object_set_new(r, "state_matter",
				    json_boolean(json_integer_value(json_object_get(r, "state_matter"))));
		json_object_set_new(r, "hide_tally",
				    json_boolean(json_integer_value(json_object_get(r, "hide_tally"))));
	}
	*out = json_pack("{s:o}", decisions ? "decisions" : "proposals", rows);
	return ACCORD_OK;
}

/* Marks, from the loop's copy, the open proposals on which the caller's
 * organisation votes and has not responded yet ("awaiting_you"). */
static void list_after(job *j, json_t *out)
{
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(out, "proposals"), i, r)
	{
		proposal *p = tally__find(json_integer_value(json_object_get(r, "id")));
		int awaiting = p && !j->is_partner && !strcmp(p->status, "open") &&
			       tally__is_voter(p, j->org) && !tally__has_responded(p, j->org);
		json_object_set_new(r, "awaiting_you", json_boolean(awaiting));
		if (j->is_partner) { /* an outcome reaches partners by a release only */
			json_object_del(r, "outcome");
			json_object_del(r, "outcome_statement");
		}
	}
}

void proposals__list(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	const json_t *s = json_object_get(d, "status");
	if (s && !(json_is_string(s) && (!strcmp(json_string_value(s), "draft") ||
					 !strcmp(json_string_value(s), "open") ||
					 !strcmp(json_string_value(s), "closed")))) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "status: draft, open or closed");
		return;
	}
	json_t *in = json_object();
	if (s)
		json_object_set(in, "status", (json_t *)s);
	json_object_set_new(in, "ids", access__visible_ids(api->req_principal(req)));
	job_run(req, 0, in, proposals__list_work, list_after);
}

