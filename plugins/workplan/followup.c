/*
 * Follow-up of decisions, network-wide: any closed proposal (a decision or
 * a joint statement, of the network or of a working group; looked up with
 * accord.decisions) can carry follow-up actions, each with an owner
 * organisation, a due date, a status, dated notes and optionally the
 * workplan item it feeds.  The secretariat and the co-chairs add them; the
 * secretariat or the owner organisation updates them.  One board for the
 * secretariat counts open, overdue and done actions by organisation and by
 * decision.  workplan.links answers both ways: a decision's follow-ups and
 * workplan items, an item's decisions and follow-ups.
 *
 * A follow-up of a working group's decision is seen only by those who may
 * enter the group (the core's group provider) and its owner organisation:
 * for everyone else it does not exist (not_found, and left out of lists).
 */
#include "workplan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define fail accord_job_fail

static const char *const STATUSES[] = {"open", "in_progress", "done", "dropped", NULL};

static const char *FOLLOWUP_SQL =
	"SELECT f.id, f.decision, f.decision_title, f.group_id AS \"group\", f.title, f.owner_org,"
	" f.due_date, f.status, f.notes, f.item_id AS item, f.created_by, f.created_at, f.updated_at,"
	" (f.due_date < ? AND f.status IN ('open','in_progress')) AS overdue"
	" FROM workplan_followups f";

static void decode(json_t *rows)
{
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		store__decode(r, (const char *const[]){"notes", NULL});
		accord_bool_field(r, "overdue");
	}
}

accord_status followup__all(accord_txn *txn, const char *today, json_t **out)
{
	char sql[800];
	snprintf(sql, sizeof(sql), "%s ORDER BY f.due_date, f.id", FOLLOWUP_SQL);
	accord_status st = accord_exec(api, txn, sql, json_pack("[s]", today), out);
	if (st == ACCORD_OK)
		decode(*out);
	return st;
}

static json_t *one(accord_txn *txn, const char *today, json_int_t id)
{
	char sql[800];
	snprintf(sql, sizeof(sql), "%s WHERE f.id=?", FOLLOWUP_SQL);
	json_t *rows = NULL;
	accord_exec(api, txn, sql, json_pack("[s,I]", today, id), &rows);
	decode(rows);
	json_t *r = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	return r;
}

int followup__visible(const accord_principal *who, json_int_t group)
{
	return group == 0 || store__is_secretariat(who) ||
	       api->group_access(self, who, group, NULL) == ACCORD_OK;
}

static int may_see(const accord_principal *who, const json_t *f)
{
	const char *owner = json_string_value(json_object_get(f, "owner_org"));
	return followup__visible(who, json_integer_value(json_object_get(f, "group"))) ||
	       (owner && !strcmp(owner, api->principal_org(who)));
}

/* Keeps in arr only what who may see. */
static void filter(const accord_principal *who, json_t *arr)
{
	for (size_t i = json_array_size(arr); i-- > 0;)
		if (!may_see(who, json_array_get(arr, i)))
			json_array_remove(arr, i);
}

static int chair_or_secretariat(accord_req *req, const json_t *d)
{
	(void)d;
	const accord_principal *who = api->req_principal(req);
	if (store__is_secretariat(who) || api->principal_has_role(who, "co_chair"))
		return 1;
	api->reply_error(req, ACCORD_E_FORBIDDEN,
			 "only the co-chairs and the secretariat add follow-up actions");
	return 0;
}

static const accord_arg add_args[] = {
	{.name = "decision", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "title", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 500},
	{.name = "owner_org",
	 .type = ACCORD_ARG_STRING,
	 .flags = ACCORD_ARG_REQUIRED,
	 .min = 2,
	 .max = 16,
	 .says = "expected an organisation code"},
	{.name = "due_date", .type = ACCORD_ARG_DATE, .flags = ACCORD_ARG_REQUIRED},
	{.name = "item", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_NULL_OK},
	{.name = "note", .type = ACCORD_ARG_STRING, .max = 8000},
	{0}};

static json_t *note_list(const accord_job *j, const json_t *old, const json_t *text)
{
	json_t *notes = old ? json_deep_copy(old) : json_array();
	if (json_is_string(text) && json_string_length(text))
		json_array_append_new(notes,
				      json_pack("{s:s,s:s,s:I,s:O}", "by", j->actor, "org", j->org,
						"at", (json_int_t)j->now_ms, "text", text));
	return notes;
}

static accord_status add_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *in = j->in;
	json_t *d = NULL;
	accord_status st = decisions ? decisions->decision(txn,
							   json_integer_value(
								   json_object_get(in, "decision")),
							   &d)
				     : ACCORD_E_NOT_FOUND;
	if (st == ACCORD_E_INTERNAL)
		return st;
	if (st != ACCORD_OK)
		return fail(out, ACCORD_E_BAD_REQUEST, "decision: no such closed proposal");
	json_t *owner = json_pack("[O]", json_object_get(in, "owner_org"));
	st = store__check_orgs(txn, "owner_org", owner, out);
	json_decref(owner);
	if (st == ACCORD_OK && json_object_get(in, "item")) {
		json_t *item = store__row(txn, "SELECT id FROM workplan_items WHERE id=?",
					  json_pack("[O]", json_object_get(in, "item")));
		if (!item)
			st = fail(out, ACCORD_E_BAD_REQUEST, "item: no such workplan item");
		json_decref(item);
	}
	if (st != ACCORD_OK) {
		json_decref(d);
		return st;
	}
	json_t *notes = note_list(j, NULL, json_object_get(in, "note"));
	char *n = json_dumps(notes, JSON_COMPACT);
	json_decref(notes);
	st = n ? accord_exec(
			 api, txn,
			 "INSERT INTO workplan_followups(decision, decision_title, group_id, title,"
			 " owner_org, due_date, notes, item_id, created_by, created_at, updated_at)"
			 " VALUES(?,?,?,?,?,?,?,?,?,?,?)",
			 json_pack("[O,O,O,O,O,O,s,O,s,I,I]", json_object_get(in, "decision"),
				   json_object_get(d, "title"), json_object_get(d, "group"),
				   json_object_get(in, "title"), json_object_get(in, "owner_org"),
				   json_object_get(in, "due_date"), n, accord_or_null(in, "item"),
				   j->actor, (json_int_t)j->now_ms, (json_int_t)j->now_ms),
			 NULL)
	       : ACCORD_E_INTERNAL;
	free(n);
	json_decref(d);
	if (st != ACCORD_OK)
		return st;
	json_int_t id = api->txn_last_id(txn);
	char object[32];
	snprintf(object, sizeof(object), "followup:%lld", (long long)id);
	if ((st = store__log(txn, j, "followup.add", object, in)) != ACCORD_OK)
		return st;
	json_t *f = one(txn, j->today, id);
	*out = json_pack("{s:o}", "followup", f ? f : json_null());
	return ACCORD_OK;
}

static const accord_arg update_args[] = {
	{.name = "followup", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "status", .type = ACCORD_ARG_STRING, .one_of = STATUSES},
	{.name = "due_date", .type = ACCORD_ARG_DATE},
	{.name = "note", .type = ACCORD_ARG_STRING, .max = 8000},
	{0}};

/* j->id: 1 when the caller is the secretariat. */
static accord_status update_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *in = j->in;
	json_int_t id = json_integer_value(json_object_get(in, "followup"));
	json_t *f = one(txn, j->today, id);
	if (!f)
		return fail(out, ACCORD_E_NOT_FOUND, "no such follow-up action");
	int owner = !strcmp(json_string_value(json_object_get(f, "owner_org")), j->org);
	json_int_t group = json_integer_value(json_object_get(f, "group"));
	if (!j->id && !owner) {
		json_decref(f);
		/* A group's follow-up is hidden from members outside the
		 * group, and nobody but the secretariat and the owner may
		 * change it: not_found, as for a missing one. */
		return group ? fail(out, ACCORD_E_NOT_FOUND, "no such follow-up action")
			     : fail(out, ACCORD_E_FORBIDDEN,
				    "only the secretariat and the owner organisation update a"
				    " follow-up action");
	}
	json_t *notes = note_list(j, json_object_get(f, "notes"), json_object_get(in, "note"));
	json_decref(f);
	char *n = json_dumps(notes, JSON_COMPACT);
	json_decref(notes);
	accord_status st =
		n ? accord_exec(api, txn,
				"UPDATE workplan_followups SET status=coalesce(?, status),"
				" due_date=coalesce(?, due_date), notes=?, updated_at=? WHERE id=?",
				json_pack("[O,O,s,I,I]", accord_or_null(in, "status"),
					  accord_or_null(in, "due_date"), n, (json_int_t)j->now_ms,
					  id),
				NULL)
		  : ACCORD_E_INTERNAL;
	free(n);
	char object[32];
	snprintf(object, sizeof(object), "followup:%lld", (long long)id);
	if (st == ACCORD_OK)
		st = store__log(txn, j, "followup.update", object, in);
	if (st != ACCORD_OK)
		return st;
	f = one(txn, j->today, id);
	*out = json_pack("{s:o}", "followup", f ? f : json_null());
	return ACCORD_OK;
}

static void h_update(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	json_t *in = accord_args_in(api, req, update_args, d);
	if (!in)
		return;
	accord_job *j = accord_job_new(api, self, req, in, update_work, store__announce, 0);
	if (!j)
		return;
	j->id = store__is_secretariat(api->req_principal(req));
	accord_job_submit(j);
}

/* ---------------- reading ---------------- */

static const accord_arg list_args[] = {{.name = "decision", .type = ACCORD_ARG_ID},
				       {.name = "item", .type = ACCORD_ARG_ID},
				       {.name = "org", .type = ACCORD_ARG_STRING, .min = 2, .max = 16},
				       {0}};

static accord_status list_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *all = NULL;
	accord_status st = followup__all(txn, j->today, &all);
	if (st != ACCORD_OK)
		return st;
	const json_t *dec = json_object_get(j->in, "decision"),
		     *item = json_object_get(j->in, "item");
	const char *org = json_string_value(json_object_get(j->in, "org"));
	for (size_t i = json_array_size(all); i-- > 0;) {
		const json_t *f = json_array_get(all, i);
		if ((dec && json_integer_value(json_object_get(f, "decision")) !=
				    json_integer_value(dec)) ||
		    (item &&
		     json_integer_value(json_object_get(f, "item")) != json_integer_value(item)) ||
		    (org && strcmp(json_string_value(json_object_get(f, "owner_org")), org)))
			json_array_remove(all, i);
	}
	*out = json_pack("{s:o}", "followups", all);
	return ACCORD_OK;
}

/* After: the follow-ups this caller may not see are left out. */
static accord_status visible_only(accord_job *j, json_t **out)
{
	filter(api->req_principal(j->req), json_object_get(*out, "followups"));
	return ACCORD_OK;
}

static void counts_add(json_t *counts, const json_t *f)
{
	const char *status = json_string_value(json_object_get(f, "status"));
	const char *key = json_is_true(json_object_get(f, "overdue")) ? "overdue"
			  : !strcmp(status, "done")                   ? "done"
			  : !strcmp(status, "dropped")                ? "dropped"
								      : "open";
	json_object_set_new(counts, key,
			    json_integer(json_integer_value(json_object_get(counts, key)) + 1));
}

static json_t *counts_new(void)
{
	return json_pack("{s:i,s:i,s:i,s:i}", "open", 0, "overdue", 0, "done", 0, "dropped", 0);
}

static accord_status board_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *all = NULL;
	accord_status st = followup__all(txn, j->today, &all);
	if (st != ACCORD_OK)
		return st;
	json_t *total = counts_new(), *by_org = json_object(), *by_dec = json_object();
	json_t *overdue = json_array(), *open = json_array();
	size_t i;
	json_t *f;
	char key[24];
	json_array_foreach(all, i, f) {
		counts_add(total, f);
		const char *org = json_string_value(json_object_get(f, "owner_org"));
		if (!json_object_get(by_org, org))
			json_object_set_new(by_org, org, counts_new());
		counts_add(json_object_get(by_org, org), f);
		snprintf(key, sizeof(key), "%lld",
			 (long long)json_integer_value(json_object_get(f, "decision")));
		json_t *d = json_object_get(by_dec, key);
		if (!d) {
			d = json_pack("{s:O,s:O,s:O,s:o}", "decision", json_object_get(f, "decision"),
				      "title", json_object_get(f, "decision_title"), "group",
				      json_object_get(f, "group"), "counts", counts_new());
			json_object_set_new(by_dec, key, d);
		}
		counts_add(json_object_get(d, "counts"), f);
		if (json_is_true(json_object_get(f, "overdue")))
			json_array_append(overdue, f);
		else if (!strcmp(json_string_value(json_object_get(f, "status")), "open") ||
			 !strcmp(json_string_value(json_object_get(f, "status")), "in_progress"))
			json_array_append(open, f);
	}
	json_t *decs = json_array();
	const char *k;
	json_object_foreach(by_dec, k, f) {
		json_array_append(decs, f);
	}
	json_decref(by_dec);
	json_decref(all);
	*out = json_pack("{s:s,s:o,s:o,s:o,s:o,s:o}", "today", j->today, "counts", total, "by_org",
			 by_org, "by_decision", decs, "overdue", overdue, "open", open);
	return ACCORD_OK;
}

static void h_board(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)d;
	(void)ud;
	accord_job_run(api, self, req, NULL, board_work, NULL);
}

static const accord_arg links_args[] = {{.name = "decision", .type = ACCORD_ARG_ID},
					{.name = "item", .type = ACCORD_ARG_ID},
					{0}};

static accord_status links_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *dec = json_object_get(j->in, "decision"),
		     *item = json_object_get(j->in, "item");
	json_t *fs = NULL, *items = NULL, *decs = NULL;
	accord_status st = followup__all(txn, j->today, &fs);
	if (st != ACCORD_OK)
		return st;
	for (size_t i = json_array_size(fs); i-- > 0;) {
		const json_t *f = json_array_get(fs, i);
		if (dec ? json_integer_value(json_object_get(f, "decision")) != json_integer_value(dec)
			: json_integer_value(json_object_get(f, "item")) != json_integer_value(item))
			json_array_remove(fs, i);
	}
	if (dec) {
		/* Whose decision it is: the loop hides a working group's from
		 * those who cannot enter the group (links_after). */
		json_t *d = NULL;
		json_int_t group = 0;
		if (decisions && decisions->decision(txn, json_integer_value(dec), &d) == ACCORD_OK)
			group = json_integer_value(json_object_get(d, "group"));
		json_decref(d);
		j->id = group;
		/* The items linked to the decision, directly or by a follow-up. */
		st = accord_exec(api, txn,
				 "SELECT i.id, i.plan_id AS plan, i.title, i.status FROM workplan_items i"
				 " WHERE i.id IN (SELECT item_id FROM workplan_item_decisions WHERE"
				 " decision=?) OR i.id IN (SELECT item_id FROM workplan_followups WHERE"
				 " decision=? AND item_id IS NOT NULL) ORDER BY i.id",
				 json_pack("[O,O]", dec, dec), &items);
		if (st == ACCORD_OK) {
			json_t *plans = NULL;
			st = accord_exec(
				api, txn,
				"SELECT id AS plan, title FROM workplan_plans WHERE adopted_by=?",
				json_pack("[O]", dec), &plans);
			if (st == ACCORD_OK)
				*out = json_pack("{s:O,s:o,s:o,s:o}", "decision", dec, "followups",
						 fs, "items", items, "adopted_plans", plans);
		}
	} else {
		json_t *row = store__row(txn, "SELECT id FROM workplan_items WHERE id=?",
					 json_pack("[O]", item));
		if (!row) {
			json_decref(fs);
			return fail(out, ACCORD_E_NOT_FOUND, "no such workplan item");
		}
		json_decref(row);
		st = accord_exec(api, txn,
				 "SELECT decision, decision_title AS title, group_id AS \"group\" FROM"
				 " workplan_item_decisions WHERE item_id=? ORDER BY decision",
				 json_pack("[O]", item), &decs);
		if (st == ACCORD_OK)
			*out = json_pack("{s:O,s:o,s:o}", "item", item, "followups", fs,
					 "decisions", decs);
	}
	if (st != ACCORD_OK) {
		json_decref(fs);
		json_decref(items);
	}
	return st;
}

static accord_status links_after(accord_job *j, json_t **out)
{
	const accord_principal *who = api->req_principal(j->req);
	filter(who, json_object_get(*out, "followups"));
	/* A working group's decision the caller cannot see: as a decision
	 * nothing refers to (its own follow-ups, if any, are the caller's). */
	if (json_object_get(*out, "items") && j->id && !followup__visible(who, j->id)) {
		json_object_set_new(*out, "items", json_array());
		json_object_set_new(*out, "adopted_plans", json_array());
	}
	json_t *decs = json_object_get(*out, "decisions");
	for (size_t i = json_array_size(decs); i-- > 0;)
		if (!followup__visible(who, json_integer_value(json_object_get(
						    json_array_get(decs, i), "group"))))
			json_array_remove(decs, i);
	return ACCORD_OK;
}

static void h_links(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	if (!json_object_get(d, "decision") == !json_object_get(d, "item")) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "decision: give a decision or an item");
		return;
	}
	json_t *in = accord_args_in(api, req, links_args, d);
	if (in)
		accord_job_run(api, self, req, in, links_work, links_after);
}

static accord_handler handlers[] = {
	{.verb = "workplan.followup.add",
	 .work = add_work,
	 .after = store__announce,
	 .args = add_args,
	 .allow = chair_or_secretariat},
	{.verb = "workplan.followup.update", .fn = h_update, .args = update_args},
	{.verb = "followups", .work = list_work, .after = visible_only, .args = list_args},
	{.verb = "board", .fn = h_board, .allow = store__secretariat_only},
	{.verb = "links", .fn = h_links, .args = links_args},
	{0}};

int followup__init(accord_plugin_ctx *p) { return accord_handle_all(api, p, handlers); }
