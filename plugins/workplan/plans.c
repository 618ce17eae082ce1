/*
 * Plans, their areas and items, and the items' indicators.
 *
 * A plan covers a period; the secretariat drafts it (areas tagged with GCM
 * objectives, SDG targets and a UNSDCF outcome reference; items with lead
 * and contributing organisations, an optional working group, start and end
 * inside the plan's period, a status, a resources note and indicators), and
 * adopts it by naming a closed network proposal whose outcome is consensus
 * (accord.decisions).  Areas and items are added while the plan is a draft;
 * an item's status and resources note change at any time (the secretariat
 * or a lead organisation of the item).  Every change is logged in the same
 * transaction.  Members read everything here; partners reach a plan only
 * when the portal released it (the item kind "workplan", described by
 * plans__describe without internal notes and progress narratives).
 */
#include "workplan.h"
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define fail accord_job_fail

static const char *const ITEM_STATUSES[] = {"planned", "ongoing", "done",
					    "delayed", "dropped", NULL};
static const char *const VALUE_TYPES[] = {"integer", "number", "percent", NULL};
static const char *const VIEWS[] = {"gcm", "sdg", "org", "group", "status", NULL};
static const char *const AREA_JSON[] = {"gcm", "sdg", NULL};
static const char *const ITEM_JSON[] = {"lead_orgs", "contributing_orgs", NULL};

json_t *plans__plan(accord_txn *txn, json_int_t plan)
{
	return store__row(txn,
			  "SELECT id, title, period_start, period_end, status, unsdcf_ref, adopted_by,"
			  " adopted_at, created_by, created_at, updated_at FROM workplan_plans"
			  " WHERE id=?",
			  json_pack("[I]", plan));
}

/* How far an indicator went from its baseline to its target (rules.c). */
static double reached(const json_t *ind)
{
	return wp_reached(json_object_get(json_object_get(ind, "latest"), "value"),
			  json_object_get(ind, "baseline"), json_object_get(ind, "target"));
}

static void set_progress_pct(json_t *obj, double sum, int n)
{
	json_object_set_new(obj, "progress_pct",
			    n ? json_integer((json_int_t)(sum / n + 0.5)) : json_null());
}

json_t *plans__full(accord_txn *txn, json_int_t id, int for_partners)
{
	json_t *plan = plans__plan(txn, id);
	if (!plan)
		return NULL;
	json_t *areas = NULL, *items = NULL, *inds = NULL, *links = NULL, *prog = NULL;
	json_t *p = json_pack("[I]", id);
	int bad = accord_exec(api, txn,
			      "SELECT id, title, description, gcm, sdg, unsdcf_ref FROM workplan_areas"
			      " WHERE plan_id=? ORDER BY id",
			      json_incref(p), &areas) ||
		  accord_exec(api, txn,
			      "SELECT id, area_id AS area, title, description, lead_orgs,"
			      " contributing_orgs, group_id AS \"group\", start_date AS start,"
			      " end_date AS \"end\", status, resources_note, updated_at"
			      " FROM workplan_items WHERE plan_id=? ORDER BY area_id, id",
			      json_incref(p), &items) ||
		  accord_exec(api, txn,
			      "SELECT n.id, n.item_id AS item, n.name, n.unit, n.value_type AS type,"
			      " n.baseline, n.target, n.means FROM workplan_indicators n JOIN"
			      " workplan_items i ON i.id=n.item_id WHERE i.plan_id=? ORDER BY n.id",
			      json_incref(p), &inds) ||
		  accord_exec(api, txn,
			      "SELECT d.item_id AS item, d.decision, d.decision_title AS title,"
			      " d.group_id AS \"group\" FROM workplan_item_decisions d JOIN"
			      " workplan_items i ON i.id=d.item_id WHERE i.plan_id=?"
			      " ORDER BY d.decision",
			      json_incref(p), &links) ||
		  accord_exec(api, txn,
			      "SELECT g.id, g.item_id AS item, g.period, g.org, g.vals AS \"values\","
			      " g.narrative, g.revision, g.reported_by, g.reported_at FROM"
			      " workplan_progress g JOIN workplan_items i ON i.id=g.item_id"
			      " WHERE i.plan_id=? ORDER BY g.period, g.org, g.id",
			      json_incref(p), &prog);
	json_decref(p);
	if (bad) {
		json_decref(plan);
		json_decref(areas);
		json_decref(items);
		json_decref(inds);
		json_decref(links);
		json_decref(prog);
		return NULL;
	}
	/* Index the items by id, then hang indicators, decisions and
	 * progress on them. */
	json_t *by_id = json_object();
	size_t i, k;
	json_t *r;
	char key[24];
	json_array_foreach(items, i, r) {
		store__decode(r, ITEM_JSON);
		json_object_set_new(r, "indicators", json_array());
		json_object_set_new(r, "decisions", json_array());
		if (!for_partners)
			json_object_set_new(r, "progress", json_array());
		else
			json_object_del(r, "resources_note");
		snprintf(key, sizeof(key), "%lld",
			 (long long)json_integer_value(json_object_get(r, "id")));
		json_object_set(by_id, key, r);
	}
	json_array_foreach(links, i, r) {
		snprintf(key, sizeof(key), "%lld",
			 (long long)json_integer_value(json_object_get(r, "item")));
		json_object_del(r, "item");
		json_array_append(json_object_get(json_object_get(by_id, key), "decisions"), r);
	}
	/* The latest value of each indicator, from the reports in period
	 * order (a later quarter replaces an earlier one). */
	json_t *latest = json_object();
	json_array_foreach(prog, i, r) {
		store__decode(r, (const char *const[]){"values", NULL});
		json_t *v;
		json_array_foreach(json_object_get(r, "values"), k, v) {
			snprintf(key, sizeof(key), "%lld",
				 (long long)json_integer_value(json_object_get(v, "indicator")));
			json_object_set_new(latest, key,
					    json_pack("{s:O,s:O,s:O}", "value",
						      json_object_get(v, "value"), "period",
						      json_object_get(r, "period"), "org",
						      json_object_get(r, "org")));
		}
		if (!for_partners) {
			snprintf(key, sizeof(key), "%lld",
				 (long long)json_integer_value(json_object_get(r, "item")));
			json_array_append(json_object_get(json_object_get(by_id, key), "progress"),
					  r);
		}
	}
	json_array_foreach(inds, i, r) {
		snprintf(key, sizeof(key), "%lld",
			 (long long)json_integer_value(json_object_get(r, "id")));
		json_t *l = json_object_get(latest, key);
		json_object_set(r, "latest", l ? l : json_null());
		double pct = reached(r);
		json_object_set_new(r, "progress_pct",
				    pct < 0 ? json_null() : json_integer((json_int_t)(pct + 0.5)));
		snprintf(key, sizeof(key), "%lld",
			 (long long)json_integer_value(json_object_get(r, "item")));
		json_array_append(json_object_get(json_object_get(by_id, key), "indicators"), r);
	}
	json_array_foreach(items, i, r) {
		double sum = 0;
		int n = 0;
		json_t *ind;
		json_array_foreach(json_object_get(r, "indicators"), k, ind) {
			if (json_is_integer(json_object_get(ind, "progress_pct"))) {
				sum += (double)json_integer_value(
					json_object_get(ind, "progress_pct"));
				n++;
			}
		}
		set_progress_pct(r, sum, n);
	}
	json_array_foreach(areas, i, r) {
		store__decode(r, AREA_JSON);
	}
	json_decref(by_id);
	json_decref(latest);
	json_decref(links);
	json_decref(prog);
	json_decref(inds);
	json_object_set_new(plan, "areas", areas);
	json_object_set_new(plan, "items", items);
	return plan;
}

/* ---------------- plans ---------------- */

static const accord_arg create_args[] = {
	{.name = "title", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 300},
	{.name = "period_start", .type = ACCORD_ARG_DATE, .flags = ACCORD_ARG_REQUIRED},
	{.name = "period_end", .type = ACCORD_ARG_DATE, .flags = ACCORD_ARG_REQUIRED},
	{.name = "unsdcf_ref", .type = ACCORD_ARG_STRING, .max = 300},
	{0}};

static accord_status create_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *in = j->in;
	json_t *u = json_object_get(in, "unsdcf_ref");
	accord_status st = accord_exec(
		api, txn,
		"INSERT INTO workplan_plans(title, period_start, period_end, unsdcf_ref, created_by,"
		" created_at, updated_at) VALUES(?,?,?,?,?,?,?)",
		json_pack("[O,O,O,s,s,I,I]", json_object_get(in, "title"),
			  json_object_get(in, "period_start"), json_object_get(in, "period_end"),
			  u ? json_string_value(u) : "", j->actor, (json_int_t)j->now_ms,
			  (json_int_t)j->now_ms),
		NULL);
	if (st != ACCORD_OK)
		return st;
	json_int_t id = api->txn_last_id(txn);
	char object[32];
	snprintf(object, sizeof(object), "plan:%lld", (long long)id);
	if ((st = store__log(txn, j, "plan.create", object, in)) != ACCORD_OK)
		return st;
	json_t *plan = plans__plan(txn, id);
	*out = json_pack("{s:o}", "plan", plan ? plan : json_null());
	return ACCORD_OK;
}

static void h_create(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	if (strcmp(json_string_value(json_object_get(d, "period_end")),
		   json_string_value(json_object_get(d, "period_start"))) < 0) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "period_end: before period_start");
		return;
	}
	json_t *in = accord_args_in(api, req, create_args, d);
	if (in)
		accord_job_run(api, self, req, in, create_work, store__announce);
}

static accord_status list_work(accord_txn *txn, accord_job *j, json_t **out)
{
	(void)j;
	json_t *rows = NULL;
	accord_status st = accord_exec(
		api, txn,
		"SELECT p.id, p.title, p.period_start, p.period_end, p.status, p.unsdcf_ref,"
		" p.adopted_by, p.adopted_at, (SELECT count(*) FROM workplan_items i WHERE"
		" i.plan_id=p.id) AS items FROM workplan_plans p ORDER BY p.period_start DESC, p.id",
		NULL, &rows);
	if (st == ACCORD_OK)
		*out = json_pack("{s:o}", "plans", rows);
	return st;
}

static void h_list(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)d;
	(void)ud;
	accord_job_run(api, self, req, NULL, list_work, NULL);
}

static const accord_arg plan_update_args[] = {
	{.name = "plan", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "title", .type = ACCORD_ARG_STRING, .min = 1, .max = 300},
	{.name = "period_start", .type = ACCORD_ARG_DATE},
	{.name = "period_end", .type = ACCORD_ARG_DATE},
	{.name = "unsdcf_ref", .type = ACCORD_ARG_STRING, .max = 300},
	{0}};


/* A draft's title, period and UNSDCF reference; the period still holds
 * every item. */
static accord_status plan_update_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *in = j->in;
	json_int_t id = json_integer_value(json_object_get(in, "plan"));
	json_t *plan = NULL;
	accord_status st = plans__draft(txn, id, &plan, out);
	if (st != ACCORD_OK)
		return st;
	const json_t *ps = json_object_get(in, "period_start"),
		     *pe = json_object_get(in, "period_end");
	const char *start = ps ? json_string_value(ps)
			       : json_string_value(json_object_get(plan, "period_start"));
	const char *end = pe ? json_string_value(pe)
			     : json_string_value(json_object_get(plan, "period_end"));
	char msg[300];
	msg[0] = 0;
	if (strcmp(end, start) < 0)
		snprintf(msg, sizeof(msg), "period_end: before period_start");
	json_t *outside = NULL;
	if (!msg[0]) {
		st = accord_exec(api, txn,
				 "SELECT id, start_date, end_date FROM workplan_items WHERE plan_id=? AND"
				 " (start_date < ? OR end_date > ?) ORDER BY id LIMIT 1",
				 json_pack("[I,s,s]", id, start, end), &outside);
		json_t *o = json_array_get(outside, 0);
		if (st == ACCORD_OK && o)
			snprintf(msg, sizeof(msg),
				 "%s: item %lld runs from %s to %s, outside %s to %s",
				 strcmp(json_string_value(json_object_get(o, "start_date")), start) < 0
					 ? "period_start"
					 : "period_end",
				 (long long)json_integer_value(json_object_get(o, "id")),
				 json_string_value(json_object_get(o, "start_date")),
				 json_string_value(json_object_get(o, "end_date")), start, end);
		json_decref(outside);
	}
	json_decref(plan);
	if (st != ACCORD_OK)
		return st;
	if (msg[0])
		return fail(out, ACCORD_E_BAD_REQUEST, msg);
	st = accord_exec(api, txn,
			 "UPDATE workplan_plans SET title=coalesce(?, title),"
			 " period_start=coalesce(?, period_start), period_end=coalesce(?, period_end),"
			 " unsdcf_ref=coalesce(?, unsdcf_ref), updated_at=? WHERE id=?",
			 json_pack("[O,O,O,O,I,I]", accord_or_null(in, "title"),
				   accord_or_null(in, "period_start"),
				   accord_or_null(in, "period_end"),
				   accord_or_null(in, "unsdcf_ref"), (json_int_t)j->now_ms, id),
			 NULL);
	char object[32];
	snprintf(object, sizeof(object), "plan:%lld", (long long)id);
	if (st == ACCORD_OK)
		st = store__log(txn, j, "plan.update", object, in);
	if (st != ACCORD_OK)
		return st;
	plan = plans__plan(txn, id);
	*out = json_pack("{s:o}", "plan", plan ? plan : json_null());
	return ACCORD_OK;
}

static const accord_arg get_args[] = {
	{.name = "plan", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{0}};

static accord_status get_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *plan = plans__full(txn, json_integer_value(json_object_get(j->in, "plan")), 0);
	if (!plan)
		return fail(out, ACCORD_E_NOT_FOUND, "no such plan");
	*out = json_pack("{s:o}", "plan", plan);
	return ACCORD_OK;
}

static const accord_arg adopt_args[] = {
	{.name = "plan", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "proposal", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{0}};

accord_status plans__draft(accord_txn *txn, json_int_t id, json_t **plan, json_t **out)
{
	*plan = plans__plan(txn, id);
	if (!*plan)
		return fail(out, ACCORD_E_NOT_FOUND, "no such plan");
	if (!strcmp(json_string_value(json_object_get(*plan, "status")), "closed")) {
		json_decref(*plan);
		*plan = NULL;
		return fail(out, ACCORD_E_CONFLICT, PLANS_CLOSED);
	}
	if (strcmp(json_string_value(json_object_get(*plan, "status")), "draft")) {
		json_decref(*plan);
		*plan = NULL;
		return fail(out, ACCORD_E_CONFLICT,
			    "the plan is adopted: its areas and items are fixed (change an item's"
			    " status with workplan.item.update)");
	}
	return ACCORD_OK;
}

static accord_status adopt_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_int_t id = json_integer_value(json_object_get(j->in, "plan"));
	json_int_t prop = json_integer_value(json_object_get(j->in, "proposal"));
	json_t *plan = NULL;
	accord_status st = plans__draft(txn, id, &plan, out);
	if (st != ACCORD_OK)
		return st;
	json_decref(plan);
	json_t *d = NULL;
	st = decisions ? decisions->decision(txn, prop, &d) : ACCORD_E_NOT_FOUND;
	if (st == ACCORD_E_INTERNAL)
		return st;
	if (st != ACCORD_OK)
		return fail(out, ACCORD_E_BAD_REQUEST,
			    "proposal: no such closed proposal (the proposal must be closed, with"
			    " consensus)");
	const char *outcome = json_string_value(json_object_get(d, "outcome"));
	int agreed = outcome && !strcmp(outcome, "consensus");
	json_int_t group = json_integer_value(json_object_get(d, "group"));
	json_decref(d);
	if (group)
		return fail(out, ACCORD_E_BAD_REQUEST,
			    "proposal: a working group's decision cannot adopt the network's plan");
	if (!agreed)
		return fail(out, ACCORD_E_CONFLICT,
			    "proposal: the proposal closed without consensus; the plan is adopted"
			    " only by a consensus decision");
	st = accord_exec(api, txn,
			 "UPDATE workplan_plans SET status='adopted', adopted_by=?, adopted_at=?,"
			 " updated_at=? WHERE id=? AND status='draft'",
			 json_pack("[I,I,I,I]", prop, (json_int_t)j->now_ms, (json_int_t)j->now_ms,
				   id),
			 NULL);
	char object[32];
	snprintf(object, sizeof(object), "plan:%lld", (long long)id);
	if (st == ACCORD_OK)
		st = store__log(txn, j, "plan.adopt", object, j->in);
	if (st != ACCORD_OK)
		return st;
	plan = plans__plan(txn, id);
	*out = json_pack("{s:o}", "plan", plan ? plan : json_null());
	return ACCORD_OK;
}

/* ---------------- areas ---------------- */

static const accord_arg gcm_entry = {.type = ACCORD_ARG_INT, .min = 1, .max = 99};
static const accord_arg sdg_entry = {.type = ACCORD_ARG_STRING, .min = 1, .max = 8};

static const accord_arg area_args[] = {
	{.name = "plan", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "title", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 300},
	{.name = "description", .type = ACCORD_ARG_STRING, .max = 8000},
	{.name = "gcm",
	 .type = ACCORD_ARG_ARRAY,
	 .flags = ACCORD_ARG_DISTINCT,
	 .max = 23,
	 .each = &gcm_entry},
	{.name = "sdg",
	 .type = ACCORD_ARG_ARRAY,
	 .flags = ACCORD_ARG_DISTINCT,
	 .max = 64,
	 .each = &sdg_entry},
	{.name = "unsdcf_ref", .type = ACCORD_ARG_STRING, .max = 300},
	{0}};

accord_status plans__check_tags(accord_txn *txn, const json_t *gcm, const json_t *sdg, json_t **out)
{
	size_t i;
	const json_t *v;
	char msg[200];
	json_array_foreach(gcm, i, v) {
		int e = reference__gcm_exists(txn, json_integer_value(v));
		if (e < 0)
			return ACCORD_E_INTERNAL;
		if (!e) {
			snprintf(msg, sizeof(msg),
				 "gcm[%zu]: the GCM has no objective %lld (its objectives are 1 to 23)",
				 i, (long long)json_integer_value(v));
			return fail(out, ACCORD_E_BAD_REQUEST, msg);
		}
	}
	json_array_foreach(sdg, i, v) {
		int e = reference__sdg_exists(txn, json_string_value(v));
		if (e < 0)
			return ACCORD_E_INTERNAL;
		if (!e) {
			snprintf(msg, sizeof(msg),
				 "sdg[%zu]: \"%.8s\" is not an SDG goal or target of the reference"
				 " list (workplan.reference)",
				 i, json_string_value(v));
			return fail(out, ACCORD_E_BAD_REQUEST, msg);
		}
	}
	return ACCORD_OK;
}

accord_status plans__not_closed(accord_txn *txn, json_int_t plan, json_t **out)
{
	json_t *p = plans__plan(txn, plan);
	if (!p)
		return fail(out, ACCORD_E_NOT_FOUND, "no such plan");
	int closed = !strcmp(json_string_value(json_object_get(p, "status")), "closed");
	json_decref(p);
	return closed ? fail(out, ACCORD_E_CONFLICT, PLANS_CLOSED) : ACCORD_OK;
}

static accord_status area_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *in = j->in;
	json_int_t id = json_integer_value(json_object_get(in, "plan"));
	json_t *plan = NULL;
	accord_status st = plans__draft(txn, id, &plan, out);
	if (st != ACCORD_OK)
		return st;
	json_decref(plan);
	const json_t *gcm = json_object_get(in, "gcm"), *sdg = json_object_get(in, "sdg");
	if ((st = plans__check_tags(txn, gcm, sdg, out)) != ACCORD_OK)
		return st;
	char *g = gcm ? json_dumps(gcm, JSON_COMPACT) : strdup("[]");
	char *s = sdg ? json_dumps(sdg, JSON_COMPACT) : strdup("[]");
	const json_t *desc = json_object_get(in, "description"),
		     *u = json_object_get(in, "unsdcf_ref");
	st = g && s ? accord_exec(api, txn,
				  "INSERT INTO workplan_areas(plan_id, title, description, gcm, sdg,"
				  " unsdcf_ref, created_at) VALUES(?,?,?,?,?,?,?)",
				  json_pack("[I,O,s,s,s,s,I]", id, json_object_get(in, "title"),
					    desc ? json_string_value(desc) : "", g, s,
					    u ? json_string_value(u) : "", (json_int_t)j->now_ms),
				  NULL)
		    : ACCORD_E_INTERNAL;
	free(g);
	free(s);
	if (st != ACCORD_OK)
		return st;
	json_int_t area = api->txn_last_id(txn);
	char object[32];
	snprintf(object, sizeof(object), "area:%lld", (long long)area);
	if ((st = store__log(txn, j, "area.add", object, in)) != ACCORD_OK)
		return st;
	json_t *row = store__row(txn,
				 "SELECT id, plan_id AS plan, title, description, gcm, sdg, unsdcf_ref"
				 " FROM workplan_areas WHERE id=?",
				 json_pack("[I]", area));
	if (row)
		store__decode(row, AREA_JSON);
	*out = json_pack("{s:o}", "area", row ? row : json_null());
	return ACCORD_OK;
}

/* ---------------- items ---------------- */

static const accord_arg org_entry = {.type = ACCORD_ARG_STRING,
				     .min = 2,
				     .max = 16,
				     .says = "expected an organisation code"};
static const accord_arg indicator_entry = {.type = ACCORD_ARG_OBJECT};

static const accord_arg indicator_args[] = {
	{.name = "name", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 300},
	{.name = "unit", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 60},
	{.name = "type", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .one_of = VALUE_TYPES},
	{.name = "baseline", .type = ACCORD_ARG_ANY, .flags = ACCORD_ARG_NULL_OK},
	{.name = "target", .type = ACCORD_ARG_ANY, .flags = ACCORD_ARG_REQUIRED},
	{.name = "means", .type = ACCORD_ARG_STRING, .max = 1000},
	{0}};

static const accord_arg item_args[] = {
	{.name = "area", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "title", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 300},
	{.name = "description", .type = ACCORD_ARG_STRING, .max = 8000},
	{.name = "lead_orgs",
	 .type = ACCORD_ARG_ARRAY,
	 .flags = ACCORD_ARG_REQUIRED | ACCORD_ARG_DISTINCT,
	 .min = 1,
	 .max = 16,
	 .each = &org_entry},
	{.name = "contributing_orgs",
	 .type = ACCORD_ARG_ARRAY,
	 .flags = ACCORD_ARG_DISTINCT,
	 .max = 32,
	 .each = &org_entry},
	{.name = "group", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_NULL_OK},
	{.name = "start", .type = ACCORD_ARG_DATE, .flags = ACCORD_ARG_REQUIRED},
	{.name = "end", .type = ACCORD_ARG_DATE, .flags = ACCORD_ARG_REQUIRED},
	{.name = "status", .type = ACCORD_ARG_STRING, .one_of = ITEM_STATUSES},
	{.name = "resources_note", .type = ACCORD_ARG_STRING, .max = 4000},
	{.name = "indicators", .type = ACCORD_ARG_ARRAY, .max = 20, .each = &indicator_entry},
	{0}};

/* The indicators of an item, each checked as its own table, its baseline
 * and target of its type: 0, or -1 with msg "indicators[i].<field>: ...". */
static int check_indicators(const json_t *inds, char *msg, size_t size)
{
	size_t i;
	const json_t *o;
	json_array_foreach(inds, i, o) {
		char inner[ACCORD_ARGS_MSG], field[40];
		snprintf(field, sizeof(field), "indicators[%zu]", i);
		if (accord_args_check(indicator_args, o, 1, inner, sizeof(inner))) {
			snprintf(msg, size, "%s.%s", field, inner);
			return -1;
		}
		const char *type = json_string_value(json_object_get(o, "type"));
		const char *names[] = {"baseline", "target"};
		for (int k = 0; k < 2; k++) {
			const json_t *v = json_object_get(o, names[k]);
			const char *why = v && !json_is_null(v) ? wp_value_problem(type, v) : NULL;
			if (why) {
				snprintf(msg, size, "%s.%s: %s (the indicator's type is %s)", field,
					 names[k], why, type);
				return -1;
			}
		}
	}
	return 0;
}

static accord_status item_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *in = j->in;
	json_t *area = store__row(txn, "SELECT id, plan_id FROM workplan_areas WHERE id=?",
				  json_pack("[O]", json_object_get(in, "area")));
	if (!area)
		return fail(out, ACCORD_E_NOT_FOUND, "no such area");
	json_int_t plan_id = json_integer_value(json_object_get(area, "plan_id"));
	json_decref(area);
	json_t *plan = NULL;
	accord_status st = plans__draft(txn, plan_id, &plan, out);
	if (st != ACCORD_OK)
		return st;
	const char *ps = json_string_value(json_object_get(plan, "period_start"));
	const char *pe = json_string_value(json_object_get(plan, "period_end"));
	const char *s = json_string_value(json_object_get(in, "start"));
	const char *e = json_string_value(json_object_get(in, "end"));
	char msg[300];
	msg[0] = 0;
	if (strcmp(s, ps) < 0 || strcmp(s, pe) > 0)
		snprintf(msg, sizeof(msg), "start: %s is outside the plan's period, %s to %s", s,
			 ps, pe);
	else if (strcmp(e, ps) < 0 || strcmp(e, pe) > 0)
		snprintf(msg, sizeof(msg), "end: %s is outside the plan's period, %s to %s", e, ps,
			 pe);
	json_decref(plan);
	if (msg[0])
		return fail(out, ACCORD_E_BAD_REQUEST, msg);
	if ((st = store__check_orgs(txn, "lead_orgs", json_object_get(in, "lead_orgs"), out)) ||
	    (st = store__check_orgs(txn, "contributing_orgs",
				    json_object_get(in, "contributing_orgs"), out)))
		return st;
	const json_t *group = json_object_get(in, "group");
	if (group) {
		json_t *orgs = NULL;
		st = groups ? groups->orgs(txn, json_integer_value(group), &orgs)
			    : ACCORD_E_NOT_FOUND;
		json_decref(orgs);
		if (st == ACCORD_E_INTERNAL)
			return st;
		if (st != ACCORD_OK)
			return fail(out, ACCORD_E_BAD_REQUEST, "group: no such working group");
	}
	char *lead = json_dumps(json_object_get(in, "lead_orgs"), JSON_COMPACT);
	const json_t *c = json_object_get(in, "contributing_orgs");
	char *contrib = c ? json_dumps(c, JSON_COMPACT) : strdup("[]");
	const json_t *status = json_object_get(in, "status"),
		     *desc = json_object_get(in, "description"),
		     *res = json_object_get(in, "resources_note");
	st = lead && contrib
		     ? accord_exec(
			       api, txn,
			       "INSERT INTO workplan_items(plan_id, area_id, title, description,"
			       " lead_orgs, contributing_orgs, group_id, start_date, end_date, status,"
			       " resources_note, created_by, created_at, updated_at)"
			       " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
			       json_pack("[I,O,O,s,s,s,O,s,s,s,s,s,I,I]", plan_id,
					 json_object_get(in, "area"), json_object_get(in, "title"),
					 desc ? json_string_value(desc) : "", lead, contrib,
					 group ? group : json_null(), s, e,
					 status ? json_string_value(status) : "planned",
					 res ? json_string_value(res) : "", j->actor,
					 (json_int_t)j->now_ms, (json_int_t)j->now_ms),
			       NULL)
		     : ACCORD_E_INTERNAL;
	free(lead);
	free(contrib);
	if (st != ACCORD_OK)
		return st;
	json_int_t item = api->txn_last_id(txn);
	size_t i;
	const json_t *o;
	json_array_foreach(json_object_get(in, "indicators"), i, o) {
		const json_t *means = json_object_get(o, "means");
		const json_t *b = json_object_get(o, "baseline");
		st = accord_exec(api, txn,
				 "INSERT INTO workplan_indicators(item_id, name, unit, value_type,"
				 " baseline, target, means) VALUES(?,?,?,?,?,?,?)",
				 json_pack("[I,O,O,O,O,O,s]", item, json_object_get(o, "name"),
					   json_object_get(o, "unit"), json_object_get(o, "type"),
					   b ? b : json_null(), json_object_get(o, "target"),
					   means ? json_string_value(means) : ""),
				 NULL);
		if (st != ACCORD_OK)
			return st;
	}
	char object[32];
	snprintf(object, sizeof(object), "item:%lld", (long long)item);
	if ((st = store__log(txn, j, "item.add", object, in)) != ACCORD_OK)
		return st;
	json_t *full = plans__full(txn, plan_id, 0);
	json_t *found = NULL;
	json_array_foreach(json_object_get(full, "items"), i, o) {
		if (json_integer_value(json_object_get(o, "id")) == item)
			found = json_incref((json_t *)o);
	}
	json_decref(full);
	*out = json_pack("{s:o}", "item", found ? found : json_null());
	return ACCORD_OK;
}

static void h_item(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	char msg[ACCORD_ARGS_MSG + 80];
	if (strcmp(json_string_value(json_object_get(d, "end")),
		   json_string_value(json_object_get(d, "start"))) < 0) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "end: before start");
		return;
	}
	if (check_indicators(json_object_get(d, "indicators"), msg, sizeof(msg))) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, msg);
		return;
	}
	json_t *in = accord_args_in(api, req, item_args, d);
	if (in)
		accord_job_run(api, self, req, in, item_work, store__announce);
}

static const accord_arg update_args[] = {
	{.name = "item", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "status", .type = ACCORD_ARG_STRING, .one_of = ITEM_STATUSES},
	{.name = "resources_note", .type = ACCORD_ARG_STRING, .max = 4000},
	/* what the plan says of the item: the secretariat, while a draft */
	{.name = "title", .type = ACCORD_ARG_STRING, .min = 1, .max = 300},
	{.name = "description", .type = ACCORD_ARG_STRING, .max = 8000},
	{.name = "start", .type = ACCORD_ARG_DATE},
	{.name = "end", .type = ACCORD_ARG_DATE},
	{.name = "lead_orgs",
	 .type = ACCORD_ARG_ARRAY,
	 .flags = ACCORD_ARG_DISTINCT,
	 .min = 1,
	 .max = 16,
	 .each = &org_entry},
	{.name = "contributing_orgs",
	 .type = ACCORD_ARG_ARRAY,
	 .flags = ACCORD_ARG_DISTINCT,
	 .max = 32,
	 .each = &org_entry},
	{0}};

static const char *const PLAN_FIELDS[] = {"title",     "description",       "start", "end",
					  "lead_orgs", "contributing_orgs", NULL};

/* A draft item's plan fields (title, description, dates, organisations):
 * checked as item.add checks them, then written.  ACCORD_OK or a failure
 * in *out. */
static accord_status edit_plan_fields(accord_txn *txn, accord_job *j, const json_t *item, json_t **out)
{
	const json_t *in = j->in;
	json_t *plan = NULL;
	accord_status st = plans__draft(txn, json_integer_value(json_object_get(item, "plan_id")),
					&plan, out);
	if (st != ACCORD_OK)
		return st;
	const char *ps = json_string_value(json_object_get(plan, "period_start"));
	const char *pe = json_string_value(json_object_get(plan, "period_end"));
	const json_t *sv = json_object_get(in, "start"), *ev = json_object_get(in, "end");
	const char *s = sv ? json_string_value(sv)
			   : json_string_value(json_object_get(item, "start_date"));
	const char *e = ev ? json_string_value(ev)
			   : json_string_value(json_object_get(item, "end_date"));
	char msg[300];
	msg[0] = 0;
	if (strcmp(e, s) < 0)
		snprintf(msg, sizeof(msg), "end: before start");
	else if (strcmp(s, ps) < 0 || strcmp(s, pe) > 0)
		snprintf(msg, sizeof(msg), "start: %s is outside the plan's period, %s to %s", s,
			 ps, pe);
	else if (strcmp(e, ps) < 0 || strcmp(e, pe) > 0)
		snprintf(msg, sizeof(msg), "end: %s is outside the plan's period, %s to %s", e, ps,
			 pe);
	json_decref(plan);
	if (msg[0])
		return fail(out, ACCORD_E_BAD_REQUEST, msg);
	const json_t *lead = json_object_get(in, "lead_orgs"),
		     *contrib = json_object_get(in, "contributing_orgs");
	if ((st = store__check_orgs(txn, "lead_orgs", lead, out)) ||
	    (st = store__check_orgs(txn, "contributing_orgs", contrib, out)))
		return st;
	char *l = lead ? json_dumps(lead, JSON_COMPACT) : NULL;
	char *c = contrib ? json_dumps(contrib, JSON_COMPACT) : NULL;
	st = accord_exec(api, txn,
			 "UPDATE workplan_items SET title=coalesce(?, title),"
			 " description=coalesce(?, description), start_date=?, end_date=?,"
			 " lead_orgs=coalesce(CAST(? AS TEXT), lead_orgs),"
			 " contributing_orgs=coalesce(CAST(? AS TEXT), contributing_orgs) WHERE id=?",
			 json_pack("[O,O,s,s,s?,s?,O]", accord_or_null(in, "title"),
				   accord_or_null(in, "description"), s, e, l, c,
				   json_object_get(item, "id")),
			 NULL);
	free(l);
	free(c);
	return st;
}

/* Whether org is one of the item row's lead organisations. */
static int leads(const json_t *item, const char *org)
{
	json_t *l = json_loads(json_string_value(json_object_get(item, "lead_orgs")), 0, NULL);
	size_t i;
	json_t *c;
	int found = 0;
	json_array_foreach(l, i, c) {
		found |= !strcmp(json_string_value(c), org);
	}
	json_decref(l);
	return found;
}

static accord_status update_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *in = j->in;
	json_t *item = store__row(txn,
				  "SELECT id, plan_id, lead_orgs, start_date, end_date FROM workplan_items"
				  " WHERE id=?",
				  json_pack("[O]", json_object_get(in, "item")));
	if (!item)
		return fail(out, ACCORD_E_NOT_FOUND, "no such workplan item");
	int may = j->id /* the caller is the secretariat */ || leads(item, j->org);
	int plan_fields = 0;
	for (const char *const *f = PLAN_FIELDS; *f; f++)
		plan_fields |= json_object_get(in, *f) != NULL;
	accord_status st = ACCORD_OK;
	if (!may)
		st = fail(out, ACCORD_E_FORBIDDEN,
			  "only the secretariat and the item's lead organisations update it");
	else if ((st = plans__not_closed(txn, json_integer_value(json_object_get(item, "plan_id")),
					 out)) != ACCORD_OK)
		;
	else if (plan_fields && !j->id)
		st = fail(out, ACCORD_E_FORBIDDEN,
			  "only the secretariat changes what the plan says of an item (title,"
			  " description, dates, organisations)");
	else if (plan_fields)
		st = edit_plan_fields(txn, j, item, out);
	json_decref(item);
	if (st != ACCORD_OK)
		return st;
	st = accord_exec(api, txn,
			 "UPDATE workplan_items SET status=coalesce(?, status),"
			 " resources_note=coalesce(?, resources_note), updated_at=? WHERE id=?",
			 json_pack("[O,O,I,O]", accord_or_null(in, "status"),
				   accord_or_null(in, "resources_note"), (json_int_t)j->now_ms,
				   json_object_get(in, "item")),
			 NULL);
	char object[32];
	snprintf(object, sizeof(object), "item:%lld",
		 (long long)json_integer_value(json_object_get(in, "item")));
	if (st == ACCORD_OK)
		st = store__log(txn, j, "item.update", object, in);
	if (st != ACCORD_OK)
		return st;
	*out = json_pack("{s:O}", "item", in);
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

static const accord_arg link_args[] = {
	{.name = "item", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "decision", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{0}};

static accord_status link_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *in = j->in;
	json_t *item = store__row(txn, "SELECT id, plan_id FROM workplan_items WHERE id=?",
				  json_pack("[O]", json_object_get(in, "item")));
	if (!item)
		return fail(out, ACCORD_E_NOT_FOUND, "no such workplan item");
	accord_status st = plans__not_closed(txn,
					     json_integer_value(json_object_get(item, "plan_id")),
					     out);
	json_decref(item);
	if (st != ACCORD_OK)
		return st;
	json_t *d = NULL;
	st = decisions ? decisions->decision(txn,
					     json_integer_value(json_object_get(in, "decision")), &d)
		       : ACCORD_E_NOT_FOUND;
	if (st == ACCORD_E_INTERNAL)
		return st;
	if (st != ACCORD_OK)
		return fail(out, ACCORD_E_BAD_REQUEST, "decision: no such closed proposal");
	/* The plan is the network's and every member reads it (partners too,
	 * once released): a working group's decision, internal to the group,
	 * is followed up with follow-up actions, which keep to the group. */
	if (json_integer_value(json_object_get(d, "group"))) {
		json_decref(d);
		return fail(out, ACCORD_E_BAD_REQUEST,
			    "decision: a working group's decision is not linked to the network's plan;"
			    " follow it up with workplan.followup.add");
	}
	st = accord_exec(api, txn,
			 "INSERT INTO workplan_item_decisions(item_id, decision, decision_title,"
			 " group_id) VALUES(?,?,?,?) ON CONFLICT(item_id, decision) DO NOTHING",
			 json_pack("[O,O,O,O]", json_object_get(in, "item"),
				   json_object_get(in, "decision"), json_object_get(d, "title"),
				   json_object_get(d, "group")),
			 NULL);
	json_decref(d);
	char object[32];
	snprintf(object, sizeof(object), "item:%lld",
		 (long long)json_integer_value(json_object_get(in, "item")));
	if (st == ACCORD_OK)
		st = store__log(txn, j, "item.link", object, in);
	if (st == ACCORD_OK)
		*out = json_pack("{s:O,s:O}", "item", json_object_get(in, "item"), "decision",
				 json_object_get(in, "decision"));
	return st;
}

/* ---------------- views ---------------- */

static const accord_arg view_args[] = {
	{.name = "plan", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "by", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .one_of = VIEWS},
	{0}};

/* Adds item to the bucket key of view (made on first use). */
static void bucket_add(json_t *buckets, json_t *order, const char *key, const char *role,
		       const json_t *item)
{
	json_t *b = json_object_get(buckets, key);
	if (!b) {
		b = json_pack("{s:s,s:[],s:i,s:i}", "key", key, "items", "sum", 0, "n", 0);
		json_object_set_new(buckets, key, b);
		json_array_append_new(order, json_string(key));
	}
	json_t *summary = json_pack("{s:O,s:O,s:O,s:O}", "id", json_object_get(item, "id"), "title",
				    json_object_get(item, "title"), "status",
				    json_object_get(item, "status"), "progress_pct",
				    json_object_get(item, "progress_pct"));
	if (role)
		json_object_set_new(summary, "role", json_string(role));
	json_array_append_new(json_object_get(b, "items"), summary);
	const json_t *pct = json_object_get(item, "progress_pct");
	if (json_is_integer(pct)) {
		json_object_set_new(b, "sum",
				    json_integer(json_integer_value(json_object_get(b, "sum")) +
						 json_integer_value(pct)));
		json_object_set_new(b, "n",
				    json_integer(json_integer_value(json_object_get(b, "n")) + 1));
	}
}

static accord_status view_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const char *by = json_string_value(json_object_get(j->in, "by"));
	json_t *plan = plans__full(txn, json_integer_value(json_object_get(j->in, "plan")), 0);
	if (!plan)
		return fail(out, ACCORD_E_NOT_FOUND, "no such plan");
	json_t *titles = NULL;
	if (!strcmp(by, "gcm"))
		accord_exec(api, txn, "SELECT CAST(number AS TEXT) AS k, title FROM workplan_gcm",
			    NULL, &titles);
	else if (!strcmp(by, "sdg"))
		accord_exec(api, txn, "SELECT code AS k, title FROM workplan_sdg", NULL, &titles);
	json_t *areas = json_object();
	size_t i, k;
	json_t *r, *v;
	char key[32];
	json_array_foreach(json_object_get(plan, "areas"), i, r) {
		snprintf(key, sizeof(key), "%lld",
			 (long long)json_integer_value(json_object_get(r, "id")));
		json_object_set(areas, key, r);
	}
	json_t *buckets = json_object(), *order = json_array();
	json_array_foreach(json_object_get(plan, "items"), i, r) {
		snprintf(key, sizeof(key), "%lld",
			 (long long)json_integer_value(json_object_get(r, "area")));
		json_t *area = json_object_get(areas, key);
		if (!strcmp(by, "gcm") || !strcmp(by, "sdg")) {
			json_array_foreach(json_object_get(area, by), k, v) {
				if (json_is_integer(v))
					snprintf(key, sizeof(key), "%lld",
						 (long long)json_integer_value(v));
				else
					snprintf(key, sizeof(key), "%s", json_string_value(v));
				bucket_add(buckets, order, key, NULL, r);
			}
		} else if (!strcmp(by, "org")) {
			json_array_foreach(json_object_get(r, "lead_orgs"), k, v) {
				bucket_add(buckets, order, json_string_value(v), "lead", r);
			}
			json_array_foreach(json_object_get(r, "contributing_orgs"), k, v) {
				bucket_add(buckets, order, json_string_value(v), "contributing", r);
			}
		} else if (!strcmp(by, "group")) {
			const json_t *g = json_object_get(r, "group");
			if (json_is_integer(g))
				snprintf(key, sizeof(key), "%lld", (long long)json_integer_value(g));
			else
				snprintf(key, sizeof(key), "none");
			bucket_add(buckets, order, key, NULL, r);
		} else {
			bucket_add(buckets, order, json_string_value(json_object_get(r, "status")),
				   NULL, r);
		}
	}
	/* In a stable order: numbers as numbers, the rest as text. */
	json_t *list = json_array();
	json_array_foreach(order, i, v) {
		json_t *b = json_object_get(buckets, json_string_value(v));
		json_int_t n = json_integer_value(json_object_get(b, "n"));
		double sum = (double)json_integer_value(json_object_get(b, "sum"));
		json_object_del(b, "n");
		json_object_del(b, "sum");
		set_progress_pct(b, sum, (int)n);
		json_array_foreach(titles, k, r) {
			if (!strcmp(json_string_value(json_object_get(r, "k")), json_string_value(v)))
				json_object_set(b, "title", json_object_get(r, "title"));
		}
		json_array_append(list, b);
	}
	json_t *sorted = json_array();
	/* A small insertion sort: by numeric key first, then by text. */
	json_array_foreach(list, i, r) {
		const char *a = json_string_value(json_object_get(r, "key"));
		size_t at = json_array_size(sorted);
		for (k = 0; k < json_array_size(sorted); k++) {
			const char *b = json_string_value(
				json_object_get(json_array_get(sorted, k), "key"));
			double da = atof(a), db = atof(b);
			if (da < db || (da == db && strcmp(a, b) < 0)) {
				at = k;
				break;
			}
		}
		json_array_insert(sorted, at, r);
	}
	*out = json_pack("{s:O,s:s,s:o}", "plan", json_object_get(plan, "id"), "by", by, "groups",
			 sorted);
	json_decref(list);
	json_decref(order);
	json_decref(buckets);
	json_decref(areas);
	json_decref(titles);
	json_decref(plan);
	return ACCORD_OK;
}

/* What partners see of a released plan: the plan, its areas and items with
 * their indicators and latest values, not the resources notes nor the
 * progress narratives. */
accord_status plans__describe(accord_txn *txn, const char *id, json_t **out, void *ud)
{
	(void)ud;
	char *end = NULL;
	long long n = strtoll(id, &end, 10);
	if (!*id || *end || n <= 0)
		return ACCORD_E_NOT_FOUND;
	json_t *plan = plans__full(txn, n, 1);
	if (!plan)
		return ACCORD_E_NOT_FOUND;
	json_object_del(plan, "created_by");
	*out = plan;
	return ACCORD_OK;
}

static accord_handler handlers[] = {
	{.verb = "plans", .fn = h_list},
	{.verb = "workplan.plan.get", .work = get_work, .args = get_args},
	{.verb = "workplan.plan.create",
	 .fn = h_create,
	 .args = create_args,
	 .allow = store__secretariat_only},
	{.verb = "workplan.plan.update",
	 .work = plan_update_work,
	 .after = store__announce,
	 .args = plan_update_args,
	 .allow = store__secretariat_only},
	{.verb = "workplan.plan.adopt",
	 .work = adopt_work,
	 .after = store__announce,
	 .args = adopt_args,
	 .allow = store__secretariat_only},
	{.verb = "workplan.area.add",
	 .work = area_work,
	 .after = store__announce,
	 .args = area_args,
	 .allow = store__secretariat_only},
	{.verb = "workplan.item.add", .fn = h_item, .args = item_args, .allow = store__secretariat_only},
	{.verb = "workplan.item.update", .fn = h_update, .args = update_args},
	{.verb = "workplan.item.link",
	 .work = link_work,
	 .after = store__announce,
	 .args = link_args,
	 .allow = store__secretariat_only},
	{.verb = "view", .work = view_work, .args = view_args},
	{0}};

int plans__init(accord_plugin_ctx *p) { return accord_handle_all(api, p, handlers); }
