/*
 * Proposals: consensus.create, consensus.edit (drafts), consensus.get,
 * consensus.list.
 */
#include "consensus.h"

/* ---------------- consensus.create ---------------- */

static accord_status create_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *in = j->in;
	accord_status st = store__lead_check(txn, j, out);
	if (st != ACCORD_OK)
		return st;
	st = accord_exec(
		api, txn,
		"INSERT INTO consensus_proposals(scope, title, text, kind, state_matter, hide_tally,"
		" closes_at, created_by, created_at) VALUES(?,?,?,?,?,?,?,?,?)",
		json_pack("[O,O,O,O,b,b,O,s,I]", json_object_get(in, "scope"),
			  json_object_get(in, "title"), json_object_get(in, "text"),
			  json_object_get(in, "kind"),
			  json_is_true(json_object_get(in, "state_matter")),
			  json_is_true(json_object_get(in, "hide_tally")),
			  json_object_get(in, "closes_at"), j->actor, (json_int_t)api->now_ms()),
		NULL);
	if (st != ACCORD_OK)
		return st;
	j->id = api->txn_last_id(txn);
	if ((st = store__log(txn, j, "create", NULL)) != ACCORD_OK)
		return st;
	return store__snapshot(txn, j->id, out);
}

static const char *const KINDS[] = {"decision", "statement", NULL};

const accord_arg proposals__create_args[] = {
	{.name = "title", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 300},
	{.name = "text", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 20000},
	{.name = "kind", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .one_of = KINDS},
	{.name = "state_matter", .type = ACCORD_ARG_BOOL},
	{.name = "hide_tally", .type = ACCORD_ARG_BOOL},
	{.name = "closes_at", .check = job__closes_at, .says = JOB_CLOSES_AT_SAYS},
	{0}};

/* Who may create where: access__creates (a group's proposal by a member
 * organisation that is not a co-chair's: a lead of the group, checked in
 * the transaction). */
void proposals__create(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	const char *scope = json_string_value(json_object_get(d, "scope"));
	int64_t group = scope && !strncmp(scope, "group:", 6) ? strtoll(scope + 6, NULL, 10) : 0;
	char sc[40];
	snprintf(sc, sizeof(sc), "group:%lld", (long long)group);
	json_t *in = json_pack("{s:O,s:O,s:O,s:b,s:b,s:O,s:s}", "title",
			       json_object_get(d, "title"), "text", json_object_get(d, "text"),
			       "kind", json_object_get(d, "kind"), "state_matter",
			       json_is_true(json_object_get(d, "state_matter")), "hide_tally",
			       json_is_true(json_object_get(d, "hide_tally")), "closes_at",
			       accord_or_null(d, "closes_at"), "scope", group ? sc : "network");
	if (!in) {
		api->reply_error(req, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	int need_lead = group && !access__may_create(api->req_principal(req));
	job__run(req, 0, group, need_lead, in, create_work, live__after_change);
}

/* ---------------- consensus.edit ---------------- */

/* A draft is edited by whoever drafted it, a co-chair, or (a working
 * group's draft) a lead organisation's people; once open its text is what
 * the organisations respond to, so it stays as opened.  The creator is
 * read in the transaction, like the lead check. */
static accord_status edit_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *row = store__proposal(txn, j->id);
	if (!row)
		return ACCORD_E_NOT_FOUND;
	const char *by = json_string_value(json_object_get(row, "created_by"));
	int creator = by && !strcmp(by, j->actor);
	const char *status = json_string_value(json_object_get(row, "status"));
	const char *refusal = lifecycle__refusal(LC_EDIT, status, 0);
	json_decref(row);
	if (!creator && job__need_lead(j) > 0) {
		accord_status st = store__lead_check(txn, j, out);
		if (st != ACCORD_OK)
			return st;
	} else if (!creator && job__need_lead(j) < 0)
		return accord_job_fail(out, ACCORD_E_FORBIDDEN,
				       "only its author or a co-chair can edit a draft");
	if (refusal)
		return accord_job_fail(out, ACCORD_E_CONFLICT, refusal);
	/* coalesce: a field left out keeps its value; closes_at null clears */
	const json_t *in = j->in;
	const json_t *sm = json_object_get(in, "state_matter"),
		     *ht = json_object_get(in, "hide_tally");
	accord_status st = accord_exec(
		api, txn,
		"UPDATE consensus_proposals SET title=coalesce(?, title), text=coalesce(?, text),"
		" kind=coalesce(?, kind), state_matter=coalesce(?, state_matter),"
		" hide_tally=coalesce(?, hide_tally),"
		" closes_at=CASE WHEN ? THEN ? ELSE closes_at END WHERE id=?",
		json_pack("[O,O,O,o,o,b,O,I]",
			  json_object_get(in, "title") ? json_object_get(in, "title") : json_null(),
			  json_object_get(in, "text") ? json_object_get(in, "text") : json_null(),
			  json_object_get(in, "kind") ? json_object_get(in, "kind") : json_null(),
			  sm ? json_integer(json_is_true(sm)) : json_null(),
			  ht ? json_integer(json_is_true(ht)) : json_null(),
			  json_object_get(in, "closes_at") != NULL,
			  json_object_get(in, "closes_at") ? json_object_get(in, "closes_at")
							   : json_null(),
			  (json_int_t)j->id),
		NULL);
	if (st == ACCORD_OK)
		st = store__log(txn, j, "edit", NULL);
	return st == ACCORD_OK ? store__snapshot(txn, j->id, out) : st;
}

/* After an edit: the usual refresh, and the new text to everyone who has
 * the draft open (a draft is seen by members, or a group's people). */
static accord_status edit_after(accord_job *j, json_t **out)
{
	accord_status st = live__after_change(j, out);
	proposal *p = tally__find(j->id);
	if (st != ACCORD_OK || !p)
		return st;
	char topic[40];
	live__topic(p, topic, sizeof(topic));
	accord_audience *a = api->audience_new();
	api->audience_members_only(a);
	api->publish(self, topic, "consensus.edited",
		     json_pack("{s:O}", "proposal", json_object_get(*out, "proposal")), a);
	api->audience_free(a);
	return ACCORD_OK;
}

/* A field left out keeps its value; closes_at null clears it. */
const accord_arg proposals__edit_args[] = {
	{.name = "title", .type = ACCORD_ARG_STRING, .min = 1, .max = 300},
	{.name = "text", .type = ACCORD_ARG_STRING, .min = 1, .max = 20000},
	{.name = "kind", .type = ACCORD_ARG_STRING, .one_of = KINDS},
	{.name = "state_matter", .type = ACCORD_ARG_BOOL},
	{.name = "hide_tally", .type = ACCORD_ARG_BOOL},
	{.name = "closes_at", .check = job__closes_at, .says = JOB_CLOSES_AT_SAYS},
	{0}};

void proposals__edit(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	proposal *p = access__proposal(d);
	json_t *in = accord_args_in(api, req, proposals__edit_args, d);
	if (!in)
		return;
	/* need_lead: 0 a co-chair, 1 a group's draft (creator or lead),
	 * -1 a network draft (creator only) */
	int need = access__chair(api->req_principal(req)) ? 0 : p->group ? 1 : -1;
	job__run(req, p->id, p->group, need, in, edit_work, edit_after);
}

/* ---------------- consensus.get / list ---------------- */

static accord_status get_work(accord_txn *txn, accord_job *j, json_t **out)
{
	return store__snapshot(txn, j->id, out);
}

static accord_status get_after(accord_job *j, json_t **out)
{
	json_t *view = view__for_caller(*out, j->partner, j->org);
	if (!view)
		return accord_job_fail(out, ACCORD_E_INTERNAL, "out of memory");
	json_decref(*out);
	*out = view;
	return ACCORD_OK;
}

void proposals__get(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	job__run(req, access__proposal(d)->id, 0, 0, NULL, get_work, get_after);
}

static int id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int field_is(const json_t *row, const char *key, const char *value)
{
	const char *s = json_string_value(json_object_get(row, key));
	return s && !strcmp(s, value);
}

/* The network's adopted joint statements: partners' decision register. */
static int joint_statement(const json_t *row)
{
	return field_is(row, "kind", "statement") && field_is(row, "outcome", "consensus") &&
	       field_is(row, "status", "closed") && field_is(row, "scope", "network");
}

/* The ids come from the loop (what the caller may see, decided there), and
 * the rows are kept here rather than by the SQL: a list parameter has no
 * portable spelling (docs/plugins.md, "SQL a plugin may write").  Newest
 * first, at most 500. */
accord_status proposals__list_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const char *status = json_string_value(json_object_get(j->in, "status"));
	int decisions = json_is_true(json_object_get(j->in, "decisions"));
	int partners_register = decisions && j->partner;
	const json_t *ids = json_object_get(j->in, "ids");
	size_t n = json_array_size(ids);
	int64_t *visible = malloc((n + 1) * sizeof(*visible));
	if (!visible)
		return ACCORD_E_INTERNAL;
	for (size_t i = 0; i < n; i++)
		visible[i] = json_integer_value(json_array_get(ids, i));
	qsort(visible, n, sizeof(*visible), id_cmp);
	json_t *rows = NULL, *kept = json_array();
	accord_status st = accord_exec(
		api, txn,
		"SELECT id, title, kind, scope, state_matter, hide_tally, status, closes_at, outcome,"
		" outcome_statement, closed_at, review_date, created_by, created_at, opened_at"
		" FROM consensus_proposals WHERE (? = '' OR status = ?) ORDER BY id DESC",
		json_pack("[s,s]", status ? status : "", status ? status : ""), &rows);
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		if (st != ACCORD_OK || !kept || json_array_size(kept) == 500)
			break;
		int64_t id = json_integer_value(json_object_get(r, "id"));
		if (!bsearch(&id, visible, n, sizeof(*visible), id_cmp) &&
		    !(partners_register && joint_statement(r)))
			continue;
		json_object_set_new(r, "state_matter",
				    json_boolean(
					    json_integer_value(json_object_get(r, "state_matter"))));
		json_object_set_new(r, "hide_tally",
				    json_boolean(
					    json_integer_value(json_object_get(r, "hide_tally"))));
		json_array_append(kept, r);
	}
	free(visible);
	json_decref(rows);
	if (st != ACCORD_OK || !kept) {
		json_decref(kept);
		return st != ACCORD_OK ? st : ACCORD_E_INTERNAL;
	}
	*out = json_pack("{s:o}", decisions ? "decisions" : "proposals", kept);
	return *out ? ACCORD_OK : ACCORD_E_INTERNAL;
}

/* Marks, from the loop's copy, the open proposals on which the caller's
 * organisation votes and has not responded yet ("awaiting_you"). */
static accord_status list_after(accord_job *j, json_t **out)
{
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(*out, "proposals"), i, r) {
		proposal *p = tally__find(json_integer_value(json_object_get(r, "id")));
		int awaiting = p && !j->partner && !strcmp(p->status, "open") &&
			       tally__is_voter(p, j->org) && !tally__has_responded(p, j->org);
		json_object_set_new(r, "awaiting_you", json_boolean(awaiting));
		if (j->partner) { /* an outcome reaches partners by a release only */
			json_object_del(r, "outcome");
			json_object_del(r, "outcome_statement");
		}
	}
	return ACCORD_OK;
}

static const char *const STATUSES[] = {"draft", "open", "closed", NULL};

const accord_arg proposals__list_args[] = {
	{.name = "status", .type = ACCORD_ARG_STRING, .one_of = STATUSES},
	{0}};

void proposals__list(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	json_t *in = json_pack("{s:o,s:O?}", "ids", access__visible_ids(api->req_principal(req)),
			       "status", json_object_get(d, "status"));
	if (!in) {
		api->reply_error(req, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	job__run(req, 0, 0, 0, in, proposals__list_work, list_after);
}
