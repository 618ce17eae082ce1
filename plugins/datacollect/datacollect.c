/*
 * datacollect: a working group collects figures from its member
 * organisations, period by period, and releases aggregates of them.  The
 * ToR asks the network to "support and facilitate the collection, analysis
 * and dissemination of accurate, up to date and disaggregated migration
 * related data": this is that, for one group at a time.
 *
 *  - A lead of the group (or a co-chair, or the secretariat) defines a form:
 *    a title, a period kind (month, quarter, year) and typed fields (number
 *    with unit and bounds, optionally disaggregated by sex and age group;
 *    choice; text; date).  A form is a draft, then open, then closed (and
 *    may be opened again).  Its fields are fixed once anything was
 *    submitted to it.
 *  - Each member organisation of the group submits once per period, and
 *    edits its submission while the form is open; a save names the
 *    revision it started from, and a stale one is refused (conflict).
 *  - Leads see completeness by organisation, aggregates, the organisations'
 *    own values, and export CSV or JSON.
 *  - An aggregate is an item, "aggregate:<form>-<period>", that the portal
 *    can release to partners: its description holds aggregate numbers only,
 *    with small cells suppressed (aggregate.c says why).
 *
 * Built like actions, from outside the tree: its own Makefile, only the
 * flags of `pkg-config accord-plugin`.  It is group-scoped: the core answers
 * not_found before this code runs unless the caller's organisation is in
 * the group and the group enabled "datacollect".  Organisations and leads
 * come from the accord.groups service, organisation names from
 * accord.members.  Its pure rules are rules.c and aggregate.c.
 *
 * DATACOLLECT_VERSION (the Makefile's VERSION, default 1) selects the
 * build: version 2 adds a migration (a note on each submission) and the
 * request field that fills it, so that an upgrade can be tested live.
 */
#include <accord/plugin.h>
#include <accord/helpers.h>
#include <accord/csv.h>
#include <accord/services/groups.h>
#include <accord/services/members.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

#ifndef DATACOLLECT_VERSION
#define DATACOLLECT_VERSION 1
#endif
#define STR_(x) #x
#define STR(x) STR_(x)

static const accord_host_api *api;
static accord_plugin_ctx *self;
static const accord_groups_svc *groups;
static const accord_members_svc *members; /* NULL: organisation names left out */

static const accord_migration migrations[] = {
	{1, "CREATE TABLE datacollect_forms(id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL,"
	    " title TEXT NOT NULL, period_kind TEXT NOT NULL"
	    " CHECK(period_kind IN ('month','quarter','year')),"
	    " state TEXT NOT NULL DEFAULT 'draft' CHECK(state IN ('draft','open','closed')),"
	    " fields TEXT NOT NULL, created_by TEXT NOT NULL, created_at INTEGER NOT NULL,"
	    " updated_at INTEGER NOT NULL);"
	    "CREATE INDEX datacollect_forms_group ON datacollect_forms(group_id);"
	    "CREATE TABLE datacollect_submissions(id INTEGER PRIMARY KEY,"
	    " form_id INTEGER NOT NULL REFERENCES datacollect_forms(id), org TEXT NOT NULL,"
	    " period TEXT NOT NULL, revision INTEGER NOT NULL, vals TEXT NOT NULL,"
	    " saved_by TEXT NOT NULL, saved_at INTEGER NOT NULL, UNIQUE(form_id, org, period));"},
#if DATACOLLECT_VERSION >= 2
	{2, "ALTER TABLE datacollect_submissions ADD COLUMN note TEXT"},
#endif
	{0, NULL}};

#if DATACOLLECT_VERSION >= 2
#define SUB_COLUMNS "org, period, revision, vals, saved_by, saved_at, note"
#else
#define SUB_COLUMNS "org, period, revision, vals, saved_by, saved_at"
#endif

#define fail accord_job_fail

/* ---------------- fields of each request ---------------- */

static const char *const STATES[] = {"draft", "open", "closed", NULL};

static const char *period_syntax(const json_t *v)
{
	const char *p = json_string_value(v);
	return dc_period_ok("month", p) || dc_period_ok("quarter", p) || dc_period_ok("year", p)
		       ? NULL
		       : "expected a period: 2026-07, 2026-Q3 or 2026";
}

#define FORM_ARG                                                                                   \
	{                                                                                          \
		.name = "form", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED                \
	}
#define PERIOD_ARG                                                                                 \
	{                                                                                          \
		.name = "period", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED,         \
		.check = period_syntax                                                             \
	}

static const accord_arg create_args[] = {
	{.name = "title", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 300},
	{.name = "period_kind",
	 .type = ACCORD_ARG_STRING,
	 .flags = ACCORD_ARG_REQUIRED,
	 .one_of = dc_period_kinds},
	{.name = "fields", .type = ACCORD_ARG_ARRAY, .flags = ACCORD_ARG_REQUIRED, .max = DC_MAX_FIELDS},
	{0}};

static const accord_arg update_args[] = {
	FORM_ARG,
	{.name = "title", .type = ACCORD_ARG_STRING, .min = 1, .max = 300},
	{.name = "period_kind", .type = ACCORD_ARG_STRING, .one_of = dc_period_kinds},
	{.name = "fields", .type = ACCORD_ARG_ARRAY, .max = DC_MAX_FIELDS},
	{0}};

static const accord_arg state_args[] = {
	FORM_ARG,
	{.name = "state", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .one_of = STATES},
	{0}};

static const accord_arg form_args[] = {FORM_ARG, {0}};
static const accord_arg period_args[] = {FORM_ARG, PERIOD_ARG, {0}};

static const accord_arg submission_args[] =
	{FORM_ARG, PERIOD_ARG, {.name = "org", .type = ACCORD_ARG_STRING, .min = 1, .max = 16}, {0}};

static const accord_arg submit_args[] = {
	FORM_ARG,
	PERIOD_ARG,
	{.name = "values", .type = ACCORD_ARG_OBJECT, .flags = ACCORD_ARG_REQUIRED},
	{.name = "revision",
	 .type = ACCORD_ARG_INT,
	 .flags = ACCORD_ARG_REQUIRED,
	 .min = 0,
	 .max = 1000000000,
	 .says = "required: the revision the values were read at (0 for a first submission)"},
#if DATACOLLECT_VERSION >= 2
	{.name = "note", .type = ACCORD_ARG_STRING, .max = 2000},
#endif
	{0}};

/* ---------------- who may call ---------------- */

/* Everything here is internal to the group's members: a partner of the
 * group gets the answer of a group it cannot reach. */
static int members_only(accord_req *req, const json_t *d)
{
	(void)d;
	if (!api->principal_is_partner(api->req_principal(req)))
		return 1;
	api->reply_error(req, ACCORD_E_NOT_FOUND, "no such group");
	return 0;
}

static int members_writing(accord_req *req, const json_t *d)
{
	if (!members_only(req, d))
		return 0;
	if (api->group_writable(self, api->req_group(req)))
		return 1;
	api->reply_error(req, ACCORD_E_CONFLICT, "the group is archived: read-only");
	return 0;
}

/* What a datacollect job carries besides the SDK's: whether the caller
 * manages every group (a co-chair or the secretariat). */
typedef struct dc_state {
	int manager;
} dc_state;

static int manager(const accord_principal *w)
{
	return w && !api->principal_is_partner(w) &&
	       (api->principal_has_role(w, "co_chair") || api->principal_has_role(w, "secretariat"));
}

static void run(accord_req *req, json_t *in, accord_job_work_fn work, accord_job_after_fn after)
{
	accord_job *j = accord_job_new(api, self, req, in, work, after, sizeof(dc_state));
	if (!j)
		return;
	((dc_state *)j->state)->manager = manager(api->req_principal(req));
	j->not_found_msg = "no such form";
	accord_job_submit(j);
}

/* On the storage thread: 1 when the caller leads the group (or manages
 * every group), 0 when not, -1 when it could not be read. */
static int leads(accord_txn *txn, accord_job *j)
{
	if (((dc_state *)j->state)->manager)
		return 1;
	return groups->is_lead(txn, j->group, j->org);
}

static accord_status need_lead(accord_txn *txn, accord_job *j, json_t **out)
{
	int l = leads(txn, j);
	if (l < 0)
		return fail(out, ACCORD_E_INTERNAL, "could not read the group");
	if (!l)
		return fail(out, ACCORD_E_FORBIDDEN,
			    "only the group's leads, the co-chairs and the secretariat may do this");
	return ACCORD_OK;
}

/* ---------------- the tables ---------------- */

/* A form row with its fields parsed; *form NULL when there is none in
 * group (any group when group is 0). */
static accord_status form_get(accord_txn *txn, int64_t group, json_int_t id, json_t **form)
{
	json_t *rows = NULL;
	*form = NULL;
	accord_status st = accord_exec(
		api, txn,
		"SELECT id, group_id, title, period_kind, state, fields, created_by, created_at,"
		" updated_at, (SELECT count(*) FROM datacollect_submissions s WHERE s.form_id=f.id)"
		" AS submissions FROM datacollect_forms f WHERE id=? AND (group_id=? OR ?=0)",
		json_pack("[I,I,I]", id, (json_int_t)group, (json_int_t)group), &rows);
	json_t *f = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	if (st != ACCORD_OK || !f)
		return st;
	json_t *fields = json_loads(json_string_value(json_object_get(f, "fields")), 0, NULL);
	json_object_set_new(f, "fields", fields ? fields : json_array());
	json_object_set_new(f, "locked",
			    json_boolean(json_integer_value(json_object_get(f, "submissions")) > 0));
	*form = f;
	return ACCORD_OK;
}

/* The form the request names, as the caller may see it: a draft only by
 * those who may edit it.  ACCORD_E_NOT_FOUND (answered) otherwise. */
static accord_status form_for(accord_txn *txn, accord_job *j, json_t **form, json_t **out)
{
	accord_status st = form_get(txn, j->group,
				    json_integer_value(json_object_get(j->in, "form")), form);
	if (st != ACCORD_OK)
		return fail(out, st, "could not read the form");
	if (!*form)
		return fail(out, ACCORD_E_NOT_FOUND, "no such form");
	if (!strcmp(json_string_value(json_object_get(*form, "state")), "draft")) {
		int l = leads(txn, j);
		if (l != 1) {
			json_decref(*form);
			*form = NULL;
			return l < 0 ? fail(out, ACCORD_E_INTERNAL, "could not read the group")
				     : fail(out, ACCORD_E_NOT_FOUND, "no such form");
		}
	}
	return ACCORD_OK;
}

static void sub_decode(json_t *row)
{
	json_t *v = json_loads(json_string_value(json_object_get(row, "vals")), 0, NULL);
	json_object_del(row, "vals");
	json_object_set_new(row, "values", v ? v : json_object());
}

/* The submissions of a form for a period ({org, values, ...}), by org. */
static accord_status subs_get(accord_txn *txn, json_int_t form, const char *period, json_t **rows)
{
	accord_status st = accord_exec(api, txn,
				       "SELECT " SUB_COLUMNS " FROM datacollect_submissions"
				       " WHERE form_id=? AND period=? ORDER BY org",
				       json_pack("[I,s]", form, period), rows);
	size_t i;
	json_t *r;
	json_array_foreach(*rows, i, r)
		sub_decode(r);
	return st;
}

/* The member organisations of the group (partners of it do not submit):
 * an array of {org, lead}. */
static accord_status member_orgs(accord_txn *txn, int64_t group, json_t **out)
{
	json_t *all = NULL;
	accord_status st = groups->orgs(txn, group, &all);
	if (st != ACCORD_OK)
		return st;
	json_t *orgs = json_array();
	size_t i;
	json_t *o;
	json_array_foreach(all, i, o) {
		if (json_is_true(json_object_get(o, "partner")))
			continue;
		const char *role = json_string_value(json_object_get(o, "role"));
		json_array_append_new(orgs, json_pack("{s:O,s:b}", "org", json_object_get(o, "org"),
						      "lead", role && !strcmp(role, "lead")));
	}
	json_decref(all);
	*out = orgs;
	return ACCORD_OK;
}

/* ---------------- after a commit: events ---------------- */

static void publish(accord_job *j, const char *event, json_t *data)
{
	char topic[48];
	snprintf(topic, sizeof(topic), "datacollect:%lld", (long long)j->group);
	api->publish(self, topic, event, data, NULL);
}

static accord_status form_changed(accord_job *j, json_t **out)
{
	publish(j, "datacollect.form", json_pack("{s:O}", "form", json_object_get(*out, "form")));
	return ACCORD_OK;
}

/* ---------------- forms ---------------- */

static accord_status forms_work(accord_txn *txn, accord_job *j, json_t **out)
{
	int l = leads(txn, j);
	if (l < 0)
		return fail(out, ACCORD_E_INTERNAL, "could not read the group");
	json_t *rows = NULL;
	accord_status st = accord_exec(
		api, txn,
		"SELECT id, title, period_kind, state, fields, created_by, created_at, updated_at,"
		" (SELECT count(*) FROM datacollect_submissions s WHERE s.form_id=f.id) AS submissions"
		" FROM datacollect_forms f WHERE group_id=? AND (state <> 'draft' OR ?=1)"
		" ORDER BY state='closed', id DESC",
		json_pack("[I,i]", (json_int_t)j->group, l), &rows);
	if (st != ACCORD_OK)
		return st;
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		json_t *fields = json_loads(json_string_value(json_object_get(r, "fields")), 0, NULL);
		json_object_set_new(r, "fields", fields ? fields : json_array());
		json_object_set_new(
			r, "locked",
			json_boolean(json_integer_value(json_object_get(r, "submissions")) > 0));
	}
	*out = json_pack("{s:o,s:b}", "forms", rows, "lead", l);
	return ACCORD_OK;
}

static void h_forms(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)d;
	(void)ud;
	run(req, NULL, forms_work, NULL);
}

static accord_status form_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *form = NULL;
	accord_status st = form_for(txn, j, &form, out);
	if (st == ACCORD_OK)
		*out = json_pack("{s:o}", "form", form);
	return st;
}

static void h_form(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	json_t *in = accord_args_in(api, req, form_args, d);
	if (in)
		run(req, in, form_work, NULL);
}

/* The fields of a create or update, checked and completed; 0 or -1 with
 * the request answered. */
static int fields_ok(accord_req *req, json_t *in)
{
	json_t *fields = json_object_get(in, "fields");
	char msg[DC_MSG];
	if (!fields || !dc_fields_check(fields, msg, sizeof(msg)))
		return 0;
	api->reply_error(req, ACCORD_E_BAD_REQUEST, msg);
	json_decref(in);
	return -1;
}

static accord_status create_work(accord_txn *txn, accord_job *j, json_t **out)
{
	accord_status st = need_lead(txn, j, out);
	if (st != ACCORD_OK)
		return st;
	char *fields = json_dumps(json_object_get(j->in, "fields"), JSON_COMPACT);
	if (!fields)
		return fail(out, ACCORD_E_INTERNAL, "out of memory");
	st = accord_exec(api, txn,
			 "INSERT INTO datacollect_forms(group_id, title, period_kind, state, fields,"
			 " created_by, created_at, updated_at) VALUES(?,?,?,'draft',?,?,?,?)",
			 json_pack("[I,O,O,s,s,I,I]", (json_int_t)j->group,
				   json_object_get(j->in, "title"),
				   json_object_get(j->in, "period_kind"), fields, j->actor,
				   (json_int_t)j->now_ms, (json_int_t)j->now_ms),
			 NULL);
	free(fields);
	if (st != ACCORD_OK)
		return st;
	json_t *form = NULL;
	st = form_get(txn, j->group, (json_int_t)api->txn_last_id(txn), &form);
	if (st == ACCORD_OK && form)
		*out = json_pack("{s:o}", "form", form);
	return st == ACCORD_OK && !form ? ACCORD_E_INTERNAL : st;
}

static void h_create(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	json_t *in = accord_args_in(api, req, create_args, d);
	if (in && !fields_ok(req, in))
		run(req, in, create_work, form_changed);
}

static accord_status update_work(accord_txn *txn, accord_job *j, json_t **out)
{
	accord_status st = need_lead(txn, j, out);
	json_t *form = NULL;
	if (st == ACCORD_OK)
		st = form_for(txn, j, &form, out);
	if (st != ACCORD_OK)
		return st;
	const json_t *fields = json_object_get(j->in, "fields");
	const json_t *kind = json_object_get(j->in, "period_kind");
	json_int_t subs = json_integer_value(json_object_get(form, "submissions"));
	int reshapes = (fields && !json_equal((json_t *)fields, json_object_get(form, "fields"))) ||
		       (kind && !json_equal((json_t *)kind, json_object_get(form, "period_kind")));
	json_decref(form);
	if (reshapes && subs > 0) {
		char msg[200];
		snprintf(msg, sizeof(msg),
			 "the fields and period kind of this form cannot change: %lld submission%s"
			 " were made against them; make a new form instead",
			 (long long)subs, subs == 1 ? "" : "s");
		return fail(out, ACCORD_E_CONFLICT, msg);
	}
	char *text = fields ? json_dumps(fields, JSON_COMPACT) : NULL;
	if (fields && !text)
		return fail(out, ACCORD_E_INTERNAL, "out of memory");
	st = accord_exec(api, txn,
			 "UPDATE datacollect_forms SET title=coalesce(?, title),"
			 " period_kind=coalesce(?, period_kind), fields=coalesce(?, fields),"
			 " updated_at=? WHERE id=? AND group_id=?",
			 json_pack("[O,O,s?,I,O,I]", accord_or_null(j->in, "title"),
				   accord_or_null(j->in, "period_kind"), text, (json_int_t)j->now_ms,
				   json_object_get(j->in, "form"), (json_int_t)j->group),
			 NULL);
	free(text);
	if (st == ACCORD_OK)
		st = form_work(txn, j, out);
	return st;
}

static void h_update(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	json_t *in = accord_args_in(api, req, update_args, d);
	if (in && !fields_ok(req, in))
		run(req, in, update_work, form_changed);
}

static accord_status state_work(accord_txn *txn, accord_job *j, json_t **out)
{
	accord_status st = need_lead(txn, j, out);
	json_t *form = NULL;
	if (st == ACCORD_OK)
		st = form_for(txn, j, &form, out);
	if (st != ACCORD_OK)
		return st;
	const char *from = json_string_value(json_object_get(form, "state"));
	const char *to = json_string_value(json_object_get(j->in, "state"));
	size_t nfields = json_array_size(json_object_get(form, "fields"));
	char msg[160] = "";
	/* draft -> open -> closed -> open; never back to draft */
	if (!strcmp(to, "draft") && strcmp(from, "draft"))
		snprintf(msg, sizeof(msg), "a form that was opened cannot become a draft again");
	else if (!strcmp(to, "open") && !nfields)
		snprintf(msg, sizeof(msg), "a form needs at least one field before it opens");
	else if (!strcmp(to, "closed") && strcmp(from, "open"))
		snprintf(msg, sizeof(msg), "only an open form can be closed (this one is %s)", from);
	json_decref(form);
	if (*msg)
		return fail(out, ACCORD_E_CONFLICT, msg);
	st = accord_exec(api, txn,
			 "UPDATE datacollect_forms SET state=?, updated_at=? WHERE id=? AND group_id=?",
			 json_pack("[s,I,O,I]", to, (json_int_t)j->now_ms,
				   json_object_get(j->in, "form"), (json_int_t)j->group),
			 NULL);
	return st == ACCORD_OK ? form_work(txn, j, out) : st;
}

static void h_state(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	json_t *in = accord_args_in(api, req, state_args, d);
	if (in)
		run(req, in, state_work, form_changed);
}

/* ---------------- submissions ---------------- */

/* The period must be of the form's kind. */
static accord_status period_fits(const json_t *form, const accord_job *j, json_t **out)
{
	const char *kind = json_string_value(json_object_get(form, "period_kind"));
	if (dc_period_ok(kind, json_string_value(json_object_get(j->in, "period"))))
		return ACCORD_OK;
	char msg[120];
	snprintf(msg, sizeof(msg), "period: this form is collected by %s, e.g. %s", kind,
		 !strcmp(kind, "month")     ? "2026-07"
		 : !strcmp(kind, "quarter") ? "2026-Q3"
					    : "2026");
	return fail(out, ACCORD_E_BAD_REQUEST, msg);
}

static accord_status one_sub(accord_txn *txn, json_int_t form, const char *org, const char *period,
			     json_t **row)
{
	json_t *rows = NULL;
	accord_status st = accord_exec(api, txn,
				       "SELECT " SUB_COLUMNS " FROM datacollect_submissions"
				       " WHERE form_id=? AND org=? AND period=?",
				       json_pack("[I,s,s]", form, org, period), &rows);
	*row = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	if (*row)
		sub_decode(*row);
	return st;
}

static accord_status submission_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const char *org = json_string_value(json_object_get(j->in, "org"));
	const char *period = json_string_value(json_object_get(j->in, "period"));
	/* Another organisation's submission: leads only; for anyone else it
	 * answers exactly as a missing one. */
	if (org && strcmp(org, j->org)) {
		int l = leads(txn, j);
		if (l < 0)
			return fail(out, ACCORD_E_INTERNAL, "could not read the group");
		if (!l)
			return fail(out, ACCORD_E_NOT_FOUND, "no such submission");
	}
	json_t *form = NULL, *row = NULL;
	accord_status st = form_for(txn, j, &form, out);
	if (st == ACCORD_OK)
		st = period_fits(form, j, out);
	if (st == ACCORD_OK)
		st = one_sub(txn, json_integer_value(json_object_get(form, "id")),
			     org ? org : j->org, period, &row);
	json_decref(form);
	if (st != ACCORD_OK)
		return st;
	if (!row && org && strcmp(org, j->org))
		return fail(out, ACCORD_E_NOT_FOUND, "no such submission");
	if (!row) /* nothing yet: revision 0, the one a first save names */
		row = json_pack("{s:s,s:s,s:i,s:{},s:n,s:n}", "org", j->org, "period", period,
				"revision", 0, "values", "saved_by", "saved_at");
	*out = json_pack("{s:o}", "submission", row);
	return ACCORD_OK;
}

static void h_submission(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	json_t *in = accord_args_in(api, req, submission_args, d);
	if (in)
		run(req, in, submission_work, NULL);
}

static accord_status submit_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *form = NULL, *orgs = NULL, *row = NULL;
	accord_status st = form_for(txn, j, &form, out);
	if (st != ACCORD_OK)
		return st;
	json_int_t fid = json_integer_value(json_object_get(form, "id"));
	const char *period = json_string_value(json_object_get(j->in, "period"));
	char msg[DC_MSG];
	st = period_fits(form, j, out);
	if (st == ACCORD_OK && strcmp(json_string_value(json_object_get(form, "state")), "open")) {
		snprintf(msg, sizeof(msg), "the form is %s: it takes no submissions",
			 json_string_value(json_object_get(form, "state")));
		st = fail(out, ACCORD_E_CONFLICT, msg);
	}
	if (st == ACCORD_OK && dc_values_check(json_object_get(form, "fields"),
					       json_object_get(j->in, "values"), msg, sizeof(msg)))
		st = fail(out, ACCORD_E_BAD_REQUEST, msg);
	json_decref(form);
	if (st != ACCORD_OK)
		return st;
	/* Only the group's member organisations report (not its partners, not
	 * a co-chair whose organisation is not in the group). */
	st = member_orgs(txn, j->group, &orgs);
	if (st != ACCORD_OK)
		return fail(out, ACCORD_E_INTERNAL, "could not read the group");
	int member = 0;
	size_t i;
	json_t *o;
	json_array_foreach(orgs, i, o)
		member |= !strcmp(json_string_value(json_object_get(o, "org")), j->org);
	json_decref(orgs);
	if (!member)
		return fail(out, ACCORD_E_FORBIDDEN,
			    "your organisation is not a member organisation of this group:"
			    " only they submit");
	/* The revision the values were read at must be the one stored: two
	 * people of one organisation editing at once do not overwrite each
	 * other unknowingly. */
	st = one_sub(txn, fid, j->org, period, &row);
	if (st != ACCORD_OK)
		return st;
	json_int_t have = row ? json_integer_value(json_object_get(row, "revision")) : 0;
	json_int_t given = json_integer_value(json_object_get(j->in, "revision"));
	if (given != have) {
		snprintf(msg, sizeof(msg),
			 "revision %lld is not the latest: %s's submission for %s is at revision"
			 " %lld, saved by %s; reload it and apply your changes to it",
			 (long long)given, j->org, period, (long long)have,
			 row ? json_string_value(json_object_get(row, "saved_by")) : "nobody");
		json_decref(row);
		return fail(out, ACCORD_E_CONFLICT, msg);
	}
	json_decref(row);
	char *vals = json_dumps(json_object_get(j->in, "values"), JSON_COMPACT | JSON_SORT_KEYS);
	if (!vals)
		return fail(out, ACCORD_E_INTERNAL, "out of memory");
	st = accord_exec(
		api, txn,
		"INSERT INTO datacollect_submissions(form_id, org, period, revision, vals, saved_by,"
		" saved_at) VALUES(?,?,?,1,?,?,?) ON CONFLICT(form_id, org, period) DO UPDATE SET"
		" revision=datacollect_submissions.revision+1, vals=excluded.vals,"
		" saved_by=excluded.saved_by, saved_at=excluded.saved_at",
		json_pack("[I,s,s,s,s,I]", fid, j->org, period, vals, j->actor, (json_int_t)j->now_ms),
		NULL);
	free(vals);
#if DATACOLLECT_VERSION >= 2
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "UPDATE datacollect_submissions SET note=? WHERE form_id=? AND org=?"
				 " AND period=?",
				 json_pack("[O,I,s,s]", accord_or_null(j->in, "note"), fid, j->org,
					   period),
				 NULL);
#endif
	if (st == ACCORD_OK)
		st = one_sub(txn, fid, j->org, period, &row);
	if (st != ACCORD_OK || !row)
		return st != ACCORD_OK ? st : ACCORD_E_INTERNAL;
	json_object_set_new(row, "form", json_integer(fid));
	*out = json_pack("{s:o}", "submission", row);
	return ACCORD_OK;
}

/* Told to the group's members: who submitted for which period (never the
 * values), so that a lead's completeness view updates live. */
static accord_status submitted(accord_job *j, json_t **out)
{
	const json_t *s = json_object_get(*out, "submission");
	publish(j, "datacollect.submitted",
		json_pack("{s:O,s:O,s:O,s:O,s:O,s:O}", "form", json_object_get(s, "form"), "period",
			  json_object_get(s, "period"), "org", json_object_get(s, "org"), "revision",
			  json_object_get(s, "revision"), "saved_by", json_object_get(s, "saved_by"),
			  "saved_at", json_object_get(s, "saved_at")));
	api->counter_add(self, "submissions", 1);
	return ACCORD_OK;
}

static void h_submit(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	json_t *in = accord_args_in(api, req, submit_args, d);
	if (in)
		run(req, in, submit_work, submitted);
}

/* ---------------- what leads see ---------------- */

/* The form (lead only), the period checked, and its submissions. */
static accord_status lead_view(accord_txn *txn, accord_job *j, json_t **form, json_t **subs,
			       json_t **out)
{
	*form = *subs = NULL;
	accord_status st = need_lead(txn, j, out);
	if (st == ACCORD_OK)
		st = form_for(txn, j, form, out);
	if (st == ACCORD_OK)
		st = period_fits(*form, j, out);
	if (st == ACCORD_OK)
		st = subs_get(txn, json_integer_value(json_object_get(*form, "id")),
			      json_string_value(json_object_get(j->in, "period")), subs);
	if (st != ACCORD_OK) {
		json_decref(*form);
		json_decref(*subs);
		*form = *subs = NULL;
	}
	return st;
}

static accord_status completeness_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *form = NULL, *subs = NULL, *orgs = NULL;
	accord_status st = lead_view(txn, j, &form, &subs, out);
	if (st == ACCORD_OK && member_orgs(txn, j->group, &orgs) != ACCORD_OK)
		st = fail(out, ACCORD_E_INTERNAL, "could not read the group");
	json_decref(form);
	if (st != ACCORD_OK) {
		json_decref(subs);
		return st;
	}
	json_int_t done = 0;
	size_t i, k;
	json_t *o, *s;
	json_array_foreach(orgs, i, o) {
		const char *code = json_string_value(json_object_get(o, "org"));
		json_t *found = NULL;
		json_array_foreach(subs, k, s)
			if (!strcmp(json_string_value(json_object_get(s, "org")), code))
				found = s;
		json_object_set_new(o, "submitted", json_boolean(found != NULL));
		json_object_set_new(o, "revision",
				    found ? json_incref(json_object_get(found, "revision"))
					  : json_integer(0));
		json_object_set_new(o, "saved_by",
				    found ? json_incref(json_object_get(found, "saved_by"))
					  : json_null());
		json_object_set_new(o, "saved_at",
				    found ? json_incref(json_object_get(found, "saved_at"))
					  : json_null());
		done += found != NULL;
		json_t *org = NULL;
		if (members && members->org(txn, code, &org) == ACCORD_OK)
			json_object_set(o, "name", json_object_get(org, "name"));
		json_decref(org);
	}
	json_decref(subs);
	*out = json_pack("{s:O,s:O,s:o,s:I,s:I}", "form", json_object_get(j->in, "form"), "period",
			 json_object_get(j->in, "period"), "orgs", orgs, "submitted", done,
			 "expected", (json_int_t)json_array_size(orgs));
	return ACCORD_OK;
}

static void h_completeness(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	json_t *in = accord_args_in(api, req, period_args, d);
	if (in)
		run(req, in, completeness_work, NULL);
}

static accord_status aggregate_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *form = NULL, *subs = NULL;
	accord_status st = lead_view(txn, j, &form, &subs, out);
	if (st != ACCORD_OK)
		return st;
	const json_t *fields = json_object_get(form, "fields");
	json_t *agg = dc_aggregate(fields, subs);
	json_t *rel = agg ? dc_release_view(fields, agg, DC_MIN_CELL) : NULL;
	char item[80];
	snprintf(item, sizeof(item), "aggregate:%lld-%s",
		 (long long)json_integer_value(json_object_get(form, "id")),
		 json_string_value(json_object_get(j->in, "period")));
	json_decref(subs);
	json_decref(form);
	if (!agg || !rel) {
		json_decref(agg);
		json_decref(rel);
		return fail(out, ACCORD_E_INTERNAL, "out of memory");
	}
	*out = json_pack("{s:O,s:O,s:o,s:o,s:s}", "form", json_object_get(j->in, "form"), "period",
			 json_object_get(j->in, "period"), "aggregate", agg, "release_view", rel,
			 "item", item);
	return ACCORD_OK;
}

static void h_aggregate(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	json_t *in = accord_args_in(api, req, period_args, d);
	if (in)
		run(req, in, aggregate_work, NULL);
}

static accord_status submissions_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *form = NULL, *subs = NULL;
	accord_status st = lead_view(txn, j, &form, &subs, out);
	json_decref(form);
	if (st == ACCORD_OK)
		*out = json_pack("{s:o}", "submissions", subs);
	return st;
}

static void h_submissions(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	json_t *in = accord_args_in(api, req, period_args, d);
	if (in)
		run(req, in, submissions_work, NULL);
}

/* ---------------- exports: /api/datacollect/export ---------------- */

static const char *const FORMATS[] = {"csv", "json", NULL};
static const char *const WHATS[] = {"aggregate", "submissions", NULL};
static const accord_arg export_args[] = {
	{.name = "group", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	FORM_ARG,
	PERIOD_ARG,
	{.name = "format", .type = ACCORD_ARG_STRING, .one_of = FORMATS},
	{.name = "what", .type = ACCORD_ARG_STRING, .one_of = WHATS},
	{0}};

static void csv_num(accord_csv *c, const json_t *v)
{
	char buf[40] = "";
	if (json_is_integer(v))
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, sizeof(buf), "%.15g", json_real_value(v));
	accord_csv_field(c, buf);
}

static void csv_value(accord_csv *c, const json_t *v)
{
	if (json_is_string(v))
		accord_csv_field(c, json_string_value(v));
	else
		csv_num(c, v);
}

static void csv_row(accord_csv *c, const json_t *f, const char *cell, const json_t *s)
{
	accord_csv_field(c, json_string_value(json_object_get(f, "key")));
	accord_csv_field(c, json_string_value(json_object_get(f, "label")));
	accord_csv_field(c, json_string_value(json_object_get(f, "unit")));
	accord_csv_field(c, cell);
	static const char *const cols[] = {"n", "sum", "min", "max", "mean", NULL};
	for (size_t k = 0; cols[k]; k++)
		csv_num(c, json_object_get(s, cols[k]));
	accord_csv_end_row(c);
}

/* One row per field and cell: n, sum, min, max, mean (empty where they do
 * not apply); a choice field gives one row per option with its count. */
static char *aggregate_csv(const json_t *fields, const json_t *agg, size_t *len)
{
	accord_csv c = {0};
	static const char *const head[] = {"field", "label", "unit", "cell", "n",
					   "sum",   "min",   "max",  "mean", NULL};
	for (size_t k = 0; head[k]; k++)
		accord_csv_field(&c, head[k]);
	accord_csv_end_row(&c);
	for (size_t i = 0; i < json_array_size(fields); i++) {
		const json_t *f = json_array_get(fields, i);
		const json_t *a = json_object_get(json_object_get(agg, "fields"),
						  json_string_value(json_object_get(f, "key")));
		const char *type = json_string_value(json_object_get(f, "type"));
		if (!strcmp(type, "number")) {
			csv_row(&c, f, "total", json_object_get(a, "total"));
			static const char *const maps[] = {"by_sex", "by_age", "cells", NULL};
			for (size_t m = 0; maps[m]; m++) {
				const char *cell;
				json_t *s;
				json_object_foreach(json_object_get(a, maps[m]), cell, s)
					csv_row(&c, f, cell, s);
			}
		} else if (!strcmp(type, "choice")) {
			const char *opt;
			json_t *n;
			json_object_foreach(json_object_get(a, "counts"), opt, n) {
				json_t *s = json_pack("{s:O}", "n", n);
				csv_row(&c, f, opt, s);
				json_decref(s);
			}
		} else {
			csv_row(&c, f, "total", a);
		}
	}
	return accord_csv_finish(&c, len);
}

/* One row per organisation, field and cell: the values as submitted. */
static char *submissions_csv(const json_t *fields, const json_t *subs, size_t *len)
{
	accord_csv c = {0};
	static const char *const head[] = {"org",  "period",   "field",    "cell", "value",
					   "unit", "revision", "saved_by", NULL};
	for (size_t k = 0; head[k]; k++)
		accord_csv_field(&c, head[k]);
	accord_csv_end_row(&c);
	size_t i, k;
	json_t *s;
	json_array_foreach(subs, i, s) {
		for (k = 0; k < json_array_size(fields); k++) {
			const json_t *f = json_array_get(fields, k);
			const char *key = json_string_value(json_object_get(f, "key"));
			const json_t *v = json_object_get(json_object_get(s, "values"), key);
			json_t *cells = dc_cells(f);
			for (size_t n = 0;
			     n < (json_array_size(cells) ? json_array_size(cells) : 1); n++) {
				const char *cell = json_string_value(json_array_get(cells, n));
				accord_csv_field(&c, json_string_value(json_object_get(s, "org")));
				accord_csv_field(&c, json_string_value(json_object_get(s, "period")));
				accord_csv_field(&c, key);
				accord_csv_field(&c, cell ? cell : "");
				csv_value(&c, cell ? json_object_get(v, cell) : v);
				accord_csv_field(&c, json_string_value(json_object_get(f, "unit")));
				csv_num(&c, json_object_get(s, "revision"));
				accord_csv_field(&c,
						 json_string_value(json_object_get(s, "saved_by")));
				accord_csv_end_row(&c);
			}
			json_decref(cells);
		}
	}
	return accord_csv_finish(&c, len);
}

static accord_status export_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *form = NULL, *subs = NULL;
	accord_status st = lead_view(txn, j, &form, &subs, out);
	if (st != ACCORD_OK)
		return st;
	const json_t *fields = json_object_get(form, "fields");
	const char *what = json_string_value(json_object_get(j->in, "what"));
	int raw = what && !strcmp(what, "submissions");
	json_t *agg = dc_aggregate(fields, subs);
	const char *format = json_string_value(json_object_get(j->in, "format"));
	if (format && !strcmp(format, "json")) {
		json_object_del(form, "submissions");
		*out = json_pack("{s:o,s:O,s:o}", "form", form, "period",
				 json_object_get(j->in, "period"),
				 raw ? "submissions" : "aggregate", raw ? subs : agg);
		json_decref(raw ? agg : subs);
		return *out ? ACCORD_OK : fail(out, ACCORD_E_INTERNAL, "out of memory");
	}
	size_t len = 0;
	char *text = raw ? submissions_csv(fields, subs, &len) : aggregate_csv(fields, agg, &len);
	json_decref(form);
	json_decref(subs);
	json_decref(agg);
	if (!text)
		return fail(out, ACCORD_E_INTERNAL, "out of memory");
	*out = json_pack("{s:s%}", "csv", text, len);
	free(text);
	return *out ? ACCORD_OK : fail(out, ACCORD_E_INTERNAL, "out of memory");
}

/* A CSV answers its bytes; JSON goes out as the job's reply. */
static accord_status export_after(accord_job *j, json_t **out)
{
	const json_t *csv = json_object_get(*out, "csv");
	if (!csv)
		return ACCORD_OK;
	api->http_respond(j->http, 200, "text/csv; charset=utf-8", json_string_value(csv),
			  json_string_length(csv));
	accord_job_answered(j);
	return ACCORD_OK;
}

static void http_export(accord_plugin_ctx *p, accord_http *h, const accord_principal *who, void *ud)
{
	(void)ud;
	json_t *d = accord_http_args(api, h, export_args);
	char msg[ACCORD_ARGS_MSG];
	if (!d) {
		accord_http_error(api, h, ACCORD_E_INTERNAL, NULL);
		return;
	}
	if (!who) {
		json_decref(d);
		accord_http_error(api, h, ACCORD_E_UNAUTHENTICATED, NULL);
		return;
	}
	if (accord_args_check(export_args, d, 1, msg, sizeof(msg))) {
		json_decref(d);
		accord_http_error(api, h, ACCORD_E_BAD_REQUEST, msg);
		return;
	}
	int64_t group = json_integer_value(json_object_get(d, "group"));
	if (api->group_access(p, who, group, "datacollect") != ACCORD_OK) {
		json_decref(d);
		accord_http_error(api, h, ACCORD_E_NOT_FOUND, "no such group");
		return;
	}
	accord_job *j = accord_job_new_http(api, p, h, who, d, export_work, export_after,
					    sizeof(dc_state));
	if (!j)
		return;
	j->group = group;
	((dc_state *)j->state)->manager = manager(who);
	j->not_found_msg = "no such form";
	accord_job_submit(j);
}

/* ---------------- releases: the item "aggregate:<form>-<period>" ---------------- */

/* What partners see once the portal released it: the form's title, the
 * period, how many organisations reported, and per number or choice field
 * the aggregate with small cells suppressed.  Never a submission, never
 * an organisation's own value.  A draft form has no aggregate. */
static accord_status describe_aggregate(accord_txn *txn, const char *id, json_t **out, void *ud)
{
	(void)ud;
	char *end = NULL;
	long long fid = strtoll(id, &end, 10);
	if (fid <= 0 || end == id || *end != '-')
		return ACCORD_E_NOT_FOUND;
	const char *period = end + 1;
	json_t *form = NULL, *subs = NULL;
	accord_status st = form_get(txn, 0, (json_int_t)fid, &form);
	if (st != ACCORD_OK)
		return st;
	if (!form || !strcmp(json_string_value(json_object_get(form, "state")), "draft") ||
	    !dc_period_ok(json_string_value(json_object_get(form, "period_kind")), period)) {
		json_decref(form);
		return ACCORD_E_NOT_FOUND;
	}
	st = subs_get(txn, (json_int_t)fid, period, &subs);
	const json_t *fields = json_object_get(form, "fields");
	json_t *agg = st == ACCORD_OK ? dc_aggregate(fields, subs) : NULL;
	json_t *view = agg ? dc_release_view(fields, agg, DC_MIN_CELL) : NULL;
	json_decref(agg);
	json_decref(subs);
	if (view) {
		json_object_set(view, "title", json_object_get(form, "title"));
		json_object_set_new(view, "period", json_string(period));
		json_object_set(view, "period_kind", json_object_get(form, "period_kind"));
	}
	json_decref(form);
	if (!view)
		return st != ACCORD_OK ? st : ACCORD_E_INTERNAL;
	*out = view;
	return ACCORD_OK;
}

/* ---------------- start ---------------- */

static accord_handler handlers[] = {
#define P ACCORD_REQ_PARTNER /* let partners reach members_only: not_found */
	{.verb = "forms", .fn = h_forms, .flags = P, .allow = members_only},
	{.verb = "form", .fn = h_form, .flags = P, .args = form_args, .allow = members_only},
	{.verb = "create", .fn = h_create, .flags = P, .args = create_args, .allow = members_writing},
	{.verb = "update", .fn = h_update, .flags = P, .args = update_args, .allow = members_writing},
	{.verb = "state", .fn = h_state, .flags = P, .args = state_args, .allow = members_writing},
	{.verb = "submission",
	 .fn = h_submission,
	 .flags = P,
	 .args = submission_args,
	 .allow = members_only},
	{.verb = "submit", .fn = h_submit, .flags = P, .args = submit_args, .allow = members_writing},
	{.verb = "completeness",
	 .fn = h_completeness,
	 .flags = P,
	 .args = period_args,
	 .allow = members_only},
	{.verb = "aggregate", .fn = h_aggregate, .flags = P, .args = period_args, .allow = members_only},
	{.verb = "submissions", .fn = h_submissions, .flags = P, .args = period_args, .allow = members_only},
#undef P
	{0}};

/* Topic "datacollect:<group>": the core has checked the group. */
static accord_status check_topic(accord_plugin_ctx *p, const accord_principal *who,
				 const char *topic, void *ud)
{
	(void)p;
	(void)topic;
	(void)ud;
	return api->principal_is_partner(who) ? ACCORD_E_NOT_FOUND : ACCORD_OK;
}

static accord_status init(accord_plugin_ctx *p, const accord_host_api *host, const json_t *cfg)
{
	(void)cfg;
	api = host;
	self = p;
	if (host->abi_major != ACCORD_ABI_MAJOR || !ACCORD_API_HAS(host, service_import) ||
	    !ACCORD_API_HAS(host, group_access) || !ACCORD_API_HAS(host, item_kind))
		return ACCORD_E_INTERNAL;
	groups = api->service_import(p, ACCORD_SVC_GROUPS, ACCORD_SVC_GROUPS_V);
	members = api->service_import(p, ACCORD_SVC_MEMBERS, ACCORD_SVC_MEMBERS_V);
	if (!ACCORD_SERVICE_HAS(groups, is_lead) || !ACCORD_SERVICE_HAS(groups, orgs))
		return ACCORD_E_INTERNAL;
	if (!ACCORD_SERVICE_HAS(members, org))
		members = NULL;
	if (api->group_scoped(p) || accord_handle_all(api, p, handlers) ||
	    api->topic_register(p, "datacollect", check_topic, NULL) ||
	    api->item_kind(p, "aggregate", describe_aggregate, NULL) ||
	    api->http_route(p, "export", http_export, NULL))
		return ACCORD_E_INTERNAL;
	api->log(p, ACCORD_LOG_INFO, "datacollect version %d", DATACOLLECT_VERSION);
	return ACCORD_OK;
}

static const accord_service_ref requires[] = {{ACCORD_SVC_GROUPS, ACCORD_SVC_GROUPS_V, 0},
					      {ACCORD_SVC_MEMBERS, ACCORD_SVC_MEMBERS_V, 1},
					      {NULL, 0, 0}};

static const accord_plugin desc = {
	.abi_major = ACCORD_ABI_MAJOR,
	.struct_size = sizeof(accord_plugin),
	.name = "datacollect",
	.version = STR(DATACOLLECT_VERSION) ".0.0",
	.description = "data collection of a working group: forms, submissions by organisation"
		       " and period, completeness, aggregates, releases with small cells"
		       " suppressed",
	.init = init,
	.migrations = migrations,
	.requires = requires,
};

ACCORD_EXPORT const accord_plugin *accord_plugin_entry(void) { return &desc; }
