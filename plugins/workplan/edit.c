/*
 * Changing a plan after the fact: closing it (workplan.plan.close), and
 * the areas and indicators of a draft edited and deleted
 * (workplan.area.update, workplan.area.delete, workplan.indicator.add,
 * workplan.indicator.update, workplan.indicator.delete).  All of them are
 * the secretariat's.
 *
 * A closed plan is the record of what was planned and done: every change
 * of it (the plan, its areas, items, indicators, links, progress) answers
 * conflict PLANS_CLOSED; it stays readable and its report can still be
 * assembled.  Areas and indicators change while the plan is a draft, as
 * its items do (an adopted plan is what the members agreed).
 *
 * Deleting keeps what was reported: an indicator with values reported
 * against it is not deleted (conflict), nor is its type changed.  An area
 * with items is deleted only when asked with cascade: true (the web client
 * asks for a confirmation naming how many items go), and then only when
 * none of its items has progress reports or follow-up actions naming it:
 * the items go with their indicators and decision links.  Every change is
 * in workplan_log in its transaction; a refusal writes nothing.
 */
#include "workplan.h"
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define fail accord_job_fail

static const char *const VALUE_TYPES[] = {"integer", "number", "percent", NULL};
static const char *const AREA_JSON[] = {"gcm", "sdg", NULL};

static accord_status logged(accord_txn *txn, accord_job *j, const char *action, const char *kind,
			    json_int_t id)
{
	char object[40];
	snprintf(object, sizeof(object), "%s:%lld", kind, (long long)id);
	return store__log(txn, j, action, object, j->in);
}

/* ---------------- plan.close ---------------- */

static const accord_arg plan_args[] = {
	{.name = "plan", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{0}};

static accord_status close_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_int_t id = json_integer_value(json_object_get(j->in, "plan"));
	json_t *plan = plans__plan(txn, id);
	if (!plan)
		return fail(out, ACCORD_E_NOT_FOUND, "no such plan");
	const char *status = json_string_value(json_object_get(plan, "status"));
	int draft = !strcmp(status, "draft"), closed = !strcmp(status, "closed");
	json_decref(plan);
	if (closed)
		return fail(out, ACCORD_E_CONFLICT, "the plan is closed already");
	if (draft)
		return fail(out, ACCORD_E_CONFLICT,
			    "only an adopted plan is closed (this one is a draft: adopt it first)");
	accord_status st = accord_exec(api, txn,
				       "UPDATE workplan_plans SET status='closed', updated_at=?"
				       " WHERE id=? AND status='adopted'",
				       json_pack("[I,I]", (json_int_t)j->now_ms, id), NULL);
	if (st == ACCORD_OK)
		st = logged(txn, j, "plan.close", "plan", id);
	if (st != ACCORD_OK)
		return st;
	plan = plans__plan(txn, id);
	*out = json_pack("{s:o}", "plan", plan ? plan : json_null());
	return *out ? ACCORD_OK : ACCORD_E_INTERNAL;
}

/* ---------------- areas ---------------- */

static const accord_arg gcm_entry = {.type = ACCORD_ARG_INT, .min = 1, .max = 99};
static const accord_arg sdg_entry = {.type = ACCORD_ARG_STRING, .min = 1, .max = 8};

static const accord_arg area_update_args[] = {
	{.name = "area", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "title", .type = ACCORD_ARG_STRING, .min = 1, .max = 300},
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

/* The area of the job's "area" field, its plan a draft: its plan id. */
static accord_status draft_area(accord_txn *txn, const json_t *area, json_int_t *plan_id, json_t **out)
{
	json_t *row = store__row(txn, "SELECT plan_id FROM workplan_areas WHERE id=?",
				 json_pack("[O]", area));
	if (!row)
		return fail(out, ACCORD_E_NOT_FOUND, "no such area");
	*plan_id = json_integer_value(json_object_get(row, "plan_id"));
	json_decref(row);
	json_t *plan = NULL;
	accord_status st = plans__draft(txn, *plan_id, &plan, out);
	json_decref(plan);
	return st;
}

static accord_status area_update_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *in = j->in;
	json_int_t plan_id = 0, id = json_integer_value(json_object_get(in, "area"));
	accord_status st = draft_area(txn, json_object_get(in, "area"), &plan_id, out);
	const json_t *gcm = json_object_get(in, "gcm"), *sdg = json_object_get(in, "sdg");
	if (st == ACCORD_OK)
		st = plans__check_tags(txn, gcm, sdg, out);
	if (st != ACCORD_OK)
		return st;
	char *g = gcm ? json_dumps(gcm, JSON_COMPACT) : NULL;
	char *s = sdg ? json_dumps(sdg, JSON_COMPACT) : NULL;
	if ((gcm && !g) || (sdg && !s))
		st = ACCORD_E_INTERNAL;
	else
		st = accord_exec(api, txn,
				 "UPDATE workplan_areas SET title=coalesce(?, title),"
				 " description=coalesce(?, description), gcm=coalesce(?, gcm),"
				 " sdg=coalesce(?, sdg), unsdcf_ref=coalesce(?, unsdcf_ref) WHERE id=?",
				 json_pack("[O,O,s?,s?,O,I]", accord_or_null(in, "title"),
					   accord_or_null(in, "description"), g, s,
					   accord_or_null(in, "unsdcf_ref"), id),
				 NULL);
	free(g);
	free(s);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn, "UPDATE workplan_plans SET updated_at=? WHERE id=?",
				 json_pack("[I,I]", (json_int_t)j->now_ms, plan_id), NULL);
	if (st == ACCORD_OK)
		st = logged(txn, j, "area.update", "area", id);
	if (st != ACCORD_OK)
		return st;
	json_t *row = store__row(txn,
				 "SELECT id, plan_id AS plan, title, description, gcm, sdg, unsdcf_ref"
				 " FROM workplan_areas WHERE id=?",
				 json_pack("[I]", id));
	if (row)
		store__decode(row, AREA_JSON);
	*out = json_pack("{s:o}", "area", row ? row : json_null());
	return *out ? ACCORD_OK : ACCORD_E_INTERNAL;
}

static const accord_arg area_delete_args[] = {
	{.name = "area", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "cascade", .type = ACCORD_ARG_BOOL},
	{0}};

static accord_status area_delete_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *in = j->in;
	json_int_t plan_id = 0, id = json_integer_value(json_object_get(in, "area"));
	accord_status st = draft_area(txn, json_object_get(in, "area"), &plan_id, out);
	if (st != ACCORD_OK)
		return st;
	json_t *n = store__row(txn,
			       "SELECT count(*) AS items,"
			       " (SELECT min(item_id) FROM workplan_progress WHERE item_id IN"
			       "  (SELECT id FROM workplan_items WHERE area_id=?1)) AS reported,"
			       " (SELECT min(item_id) FROM workplan_followups WHERE item_id IN"
			       "  (SELECT id FROM workplan_items WHERE area_id=?1)) AS followed"
			       " FROM workplan_items WHERE area_id=?1",
			       json_pack("[I]", id));
	if (!n)
		return ACCORD_E_INTERNAL;
	json_int_t items = json_integer_value(json_object_get(n, "items"));
	json_int_t reported = json_integer_value(json_object_get(n, "reported"));
	json_int_t followed = json_integer_value(json_object_get(n, "followed"));
	json_decref(n);
	char msg[300];
	if (items && !json_is_true(json_object_get(in, "cascade"))) {
		snprintf(msg, sizeof(msg),
			 "the area has %lld item%s: send cascade: true to delete %s with it (and"
			 " %s indicators and decision links)",
			 (long long)items, items == 1 ? "" : "s", items == 1 ? "it" : "them",
			 items == 1 ? "its" : "their");
		return fail(out, ACCORD_E_CONFLICT, msg);
	}
	if (reported || followed) {
		snprintf(msg, sizeof(msg),
			 "item %lld has %s: an area whose items were reported on or followed up is"
			 " not deleted",
			 (long long)(reported ? reported : followed),
			 reported ? "progress reports" : "follow-up actions");
		return fail(out, ACCORD_E_CONFLICT, msg);
	}
	static const char *const SQL[] = {
		"DELETE FROM workplan_indicators WHERE item_id IN (SELECT id FROM workplan_items"
		" WHERE area_id=?)",
		"DELETE FROM workplan_item_decisions WHERE item_id IN (SELECT id FROM workplan_items"
		" WHERE area_id=?)",
		"DELETE FROM workplan_items WHERE area_id=?",
		"DELETE FROM workplan_areas WHERE id=?", NULL};
	for (const char *const *q = SQL; *q && st == ACCORD_OK; q++)
		st = accord_exec(api, txn, *q, json_pack("[I]", id), NULL);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn, "UPDATE workplan_plans SET updated_at=? WHERE id=?",
				 json_pack("[I,I]", (json_int_t)j->now_ms, plan_id), NULL);
	if (st == ACCORD_OK)
		st = logged(txn, j, "area.delete", "area", id);
	if (st == ACCORD_OK &&
	    !(*out = json_pack("{s:I,s:I,s:I}", "area", id, "plan", plan_id, "items_deleted", items)))
		st = ACCORD_E_INTERNAL;
	return st;
}

/* ---------------- indicators ---------------- */

static const accord_arg indicator_add_args[] = {
	{.name = "item", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "name", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 300},
	{.name = "unit", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 60},
	{.name = "type", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .one_of = VALUE_TYPES},
	{.name = "baseline", .type = ACCORD_ARG_ANY, .flags = ACCORD_ARG_NULL_OK},
	{.name = "target", .type = ACCORD_ARG_ANY, .flags = ACCORD_ARG_REQUIRED},
	{.name = "means", .type = ACCORD_ARG_STRING, .max = 1000},
	{0}};

static const accord_arg indicator_update_args[] = {
	{.name = "indicator", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "name", .type = ACCORD_ARG_STRING, .min = 1, .max = 300},
	{.name = "unit", .type = ACCORD_ARG_STRING, .min = 1, .max = 60},
	{.name = "type", .type = ACCORD_ARG_STRING, .one_of = VALUE_TYPES},
	{.name = "baseline", .type = ACCORD_ARG_ANY, .flags = ACCORD_ARG_NULL_OK},
	{.name = "target", .type = ACCORD_ARG_ANY},
	{.name = "means", .type = ACCORD_ARG_STRING, .max = 1000},
	{0}};

static const accord_arg indicator_args[] = {
	{.name = "indicator", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{0}};

/* The plan of item (which must be a draft). */
static accord_status draft_item(accord_txn *txn, const json_t *item, json_t **out)
{
	json_t *row = store__row(txn, "SELECT plan_id FROM workplan_items WHERE id=?",
				 json_pack("[O]", item));
	if (!row)
		return fail(out, ACCORD_E_NOT_FOUND, "no such workplan item");
	json_t *plan = NULL;
	accord_status st = plans__draft(txn, json_integer_value(json_object_get(row, "plan_id")),
					&plan, out);
	json_decref(row);
	json_decref(plan);
	return st;
}

/* The indicator row (item, type, baseline, target) and how many progress
 * reports carry a value for it. */
static json_t *indicator_row(accord_txn *txn, json_int_t id)
{
	return store__row(txn,
			  "SELECT n.id, n.item_id AS item, n.value_type AS type, n.baseline,"
			  " n.target, (SELECT count(*) FROM workplan_progress g, json_each(g.vals) v"
			  " WHERE g.item_id=n.item_id AND json_extract(v.value, '$.indicator')=n.id)"
			  " AS reported FROM workplan_indicators n WHERE n.id=?",
			  json_pack("[I]", id));
}

/* baseline and target of in, against type: NULL or the message in msg. */
static int values_problem(const json_t *in, const char *type, const json_t *old, char *msg,
			  size_t size)
{
	const char *names[] = {"baseline", "target"};
	for (int k = 0; k < 2; k++) {
		const json_t *v = json_object_get(in, names[k]);
		const char *why = v ? (json_is_null(v) ? NULL : wp_value_problem(type, v))
				    : wp_stored_problem(type, json_object_get(old, names[k]));
		if (!v && why) {
			snprintf(msg, size,
				 "type: the %s stored is not of the type %s (send a new %s with it)",
				 names[k], type, names[k]);
			return 1;
		}
		if (why) {
			snprintf(msg, size, "%s: %s (the indicator's type is %s)", names[k], why,
				 type);
			return 1;
		}
	}
	return 0;
}

static json_t *indicator_out(accord_txn *txn, json_int_t id)
{
	return store__row(txn,
			  "SELECT id, item_id AS item, name, unit, value_type AS type, baseline,"
			  " target, means FROM workplan_indicators WHERE id=?",
			  json_pack("[I]", id));
}

static accord_status indicator_add_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *in = j->in;
	accord_status st = draft_item(txn, json_object_get(in, "item"), out);
	if (st != ACCORD_OK)
		return st;
	char msg[200];
	if (values_problem(in, json_string_value(json_object_get(in, "type")), NULL, msg, sizeof(msg)))
		return fail(out, ACCORD_E_BAD_REQUEST, msg);
	const json_t *means = json_object_get(in, "means");
	st = accord_exec(api, txn,
			 "INSERT INTO workplan_indicators(item_id, name, unit, value_type, baseline,"
			 " target, means) VALUES(?,?,?,?,?,?,?)",
			 json_pack("[O,O,O,O,O,O,s]", json_object_get(in, "item"),
				   json_object_get(in, "name"), json_object_get(in, "unit"),
				   json_object_get(in, "type"), accord_or_null(in, "baseline"),
				   json_object_get(in, "target"),
				   means ? json_string_value(means) : ""),
			 NULL);
	json_int_t id = st == ACCORD_OK ? api->txn_last_id(txn) : 0;
	if (st == ACCORD_OK)
		st = logged(txn, j, "indicator.add", "indicator", id);
	if (st != ACCORD_OK)
		return st;
	json_t *row = indicator_out(txn, id);
	*out = json_pack("{s:o}", "indicator", row ? row : json_null());
	return *out ? ACCORD_OK : ACCORD_E_INTERNAL;
}

static accord_status indicator_update_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *in = j->in;
	json_int_t id = json_integer_value(json_object_get(in, "indicator"));
	json_t *old = indicator_row(txn, id);
	if (!old)
		return fail(out, ACCORD_E_NOT_FOUND, "no such indicator");
	accord_status st = draft_item(txn, json_object_get(old, "item"), out);
	const json_t *type = json_object_get(in, "type");
	const char *t = type ? json_string_value(type)
			     : json_string_value(json_object_get(old, "type"));
	char msg[200];
	msg[0] = 0;
	int conflict = 0;
	if (st == ACCORD_OK && type && strcmp(t, json_string_value(json_object_get(old, "type"))) &&
	    json_integer_value(json_object_get(old, "reported")))
		conflict = snprintf(
			msg, sizeof(msg),
			"type: values were reported against this indicator: its type stays %s",
			json_string_value(json_object_get(old, "type")));
	else if (st == ACCORD_OK)
		values_problem(in, t, old, msg, sizeof(msg));
	json_decref(old);
	if (st != ACCORD_OK)
		return st;
	if (msg[0])
		return fail(out, conflict ? ACCORD_E_CONFLICT : ACCORD_E_BAD_REQUEST, msg);
	const json_t *b = json_object_get(in, "baseline");
	st = accord_exec(api, txn,
			 "UPDATE workplan_indicators SET name=coalesce(?, name), unit=coalesce(?, unit),"
			 " value_type=coalesce(?, value_type), baseline=CASE WHEN ? THEN ? ELSE"
			 " baseline END, target=coalesce(?, target), means=coalesce(?, means)"
			 " WHERE id=?",
			 json_pack("[O,O,O,b,O,O,O,I]", accord_or_null(in, "name"),
				   accord_or_null(in, "unit"), accord_or_null(in, "type"),
				   b != NULL, b ? b : json_null(), accord_or_null(in, "target"),
				   accord_or_null(in, "means"), id),
			 NULL);
	if (st == ACCORD_OK)
		st = logged(txn, j, "indicator.update", "indicator", id);
	if (st != ACCORD_OK)
		return st;
	json_t *row = indicator_out(txn, id);
	*out = json_pack("{s:o}", "indicator", row ? row : json_null());
	return *out ? ACCORD_OK : ACCORD_E_INTERNAL;
}

static accord_status indicator_delete_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_int_t id = json_integer_value(json_object_get(j->in, "indicator"));
	json_t *old = indicator_row(txn, id);
	if (!old)
		return fail(out, ACCORD_E_NOT_FOUND, "no such indicator");
	accord_status st = draft_item(txn, json_object_get(old, "item"), out);
	json_int_t reported = json_integer_value(json_object_get(old, "reported"));
	json_int_t item = json_integer_value(json_object_get(old, "item"));
	json_decref(old);
	if (st != ACCORD_OK)
		return st;
	if (reported) {
		char msg[200];
		snprintf(msg, sizeof(msg),
			 "values were reported against this indicator (%lld progress report%s): it"
			 " is not deleted",
			 (long long)reported, reported == 1 ? "" : "s");
		return fail(out, ACCORD_E_CONFLICT, msg);
	}
	st = accord_exec(api, txn, "DELETE FROM workplan_indicators WHERE id=?",
			 json_pack("[I]", id), NULL);
	if (st == ACCORD_OK)
		st = logged(txn, j, "indicator.delete", "indicator", id);
	if (st == ACCORD_OK && !(*out = json_pack("{s:I,s:I}", "indicator", id, "item", item)))
		st = ACCORD_E_INTERNAL;
	return st;
}

/* ---------------- items ---------------- */

static const accord_arg item_args[] = {
	{.name = "item", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{0}};

/* An item of a draft, with its indicators and decision links; never one
 * that was reported on or followed up (its history stays). */
static accord_status item_delete_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_int_t id = json_integer_value(json_object_get(j->in, "item"));
	json_t *row = store__row(
		txn,
		"SELECT plan_id,"
		" (SELECT count(*) FROM workplan_progress WHERE item_id=?1) AS reported,"
		" (SELECT count(*) FROM workplan_followups WHERE item_id=?1) AS followed"
		" FROM workplan_items WHERE id=?1",
		json_pack("[I]", id));
	if (!row)
		return fail(out, ACCORD_E_NOT_FOUND, "no such workplan item");
	json_int_t plan_id = json_integer_value(json_object_get(row, "plan_id"));
	json_int_t reported = json_integer_value(json_object_get(row, "reported"));
	json_int_t followed = json_integer_value(json_object_get(row, "followed"));
	json_decref(row);
	json_t *plan = NULL;
	accord_status st = plans__draft(txn, plan_id, &plan, out);
	json_decref(plan);
	if (st != ACCORD_OK)
		return st;
	if (reported || followed) {
		char msg[200];
		snprintf(msg, sizeof(msg), "the item has %s: it is not deleted",
			 reported ? "progress reports" : "follow-up actions");
		return fail(out, ACCORD_E_CONFLICT, msg);
	}
	static const char *const SQL[] = {"DELETE FROM workplan_indicators WHERE item_id=?",
					  "DELETE FROM workplan_item_decisions WHERE item_id=?",
					  "DELETE FROM workplan_items WHERE id=?", NULL};
	for (const char *const *q = SQL; *q && st == ACCORD_OK; q++)
		st = accord_exec(api, txn, *q, json_pack("[I]", id), NULL);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn, "UPDATE workplan_plans SET updated_at=? WHERE id=?",
				 json_pack("[I,I]", (json_int_t)j->now_ms, plan_id), NULL);
	if (st == ACCORD_OK)
		st = logged(txn, j, "item.delete", "item", id);
	if (st == ACCORD_OK && !(*out = json_pack("{s:I,s:I}", "item", id, "plan", plan_id)))
		st = ACCORD_E_INTERNAL;
	return st;
}

static accord_handler handlers[] = {{.verb = "workplan.plan.close",
				     .work = close_work,
				     .after = store__announce,
				     .args = plan_args,
				     .allow = store__secretariat_only},
				    {.verb = "workplan.area.update",
				     .work = area_update_work,
				     .after = store__announce,
				     .args = area_update_args,
				     .allow = store__secretariat_only},
				    {.verb = "workplan.area.delete",
				     .work = area_delete_work,
				     .after = store__announce,
				     .args = area_delete_args,
				     .allow = store__secretariat_only},
				    {.verb = "workplan.indicator.add",
				     .work = indicator_add_work,
				     .after = store__announce,
				     .args = indicator_add_args,
				     .allow = store__secretariat_only},
				    {.verb = "workplan.indicator.update",
				     .work = indicator_update_work,
				     .after = store__announce,
				     .args = indicator_update_args,
				     .allow = store__secretariat_only},
				    {.verb = "workplan.indicator.delete",
				     .work = indicator_delete_work,
				     .after = store__announce,
				     .args = indicator_args,
				     .allow = store__secretariat_only},
				    {.verb = "workplan.item.delete",
				     .work = item_delete_work,
				     .after = store__announce,
				     .args = item_args,
				     .allow = store__secretariat_only},
				    {0}};

int edit__init(accord_plugin_ctx *p) { return accord_handle_all(api, p, handlers); }
