/*
 * Progress: each lead organisation of an item reports per quarter
 * ("2027-Q1") a value for some or all of the item's indicators, each of the
 * indicator's type, and a narrative.  A report for a quarter outside the
 * plan's period, or one that has not begun, is refused; reporting again
 * for the same quarter replaces the report (its revision grows), and both
 * are logged.  A report is late when its quarter ended more than
 * report_due_days ago and a lead organisation of an item still open has
 * not sent it: the secretariat sees the list (workplan.late).
 */
#include "workplan.h"
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define fail accord_job_fail

static const char *quarter_check(const json_t *v)
{
	char s[11], e[11];
	return store__quarter(json_string_value(v), s, e)
		       ? "expected a quarter, YYYY-Qn (e.g. 2027-Q1)"
		       : NULL;
}

static const accord_arg value_entry = {.type = ACCORD_ARG_OBJECT};

static const accord_arg report_args[] = {
	{.name = "item", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "period",
	 .type = ACCORD_ARG_STRING,
	 .flags = ACCORD_ARG_REQUIRED,
	 .check = quarter_check},
	{.name = "values", .type = ACCORD_ARG_ARRAY, .max = 20, .each = &value_entry},
	{.name = "narrative",
	 .type = ACCORD_ARG_STRING,
	 .flags = ACCORD_ARG_REQUIRED,
	 .min = 1,
	 .max = 20000},
	{0}};

static const accord_arg value_args[] = {
	{.name = "indicator", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "value", .type = ACCORD_ARG_ANY, .flags = ACCORD_ARG_REQUIRED},
	{0}};

static int in_list(const char *json_list, const char *code)
{
	json_t *l = json_loads(json_list ? json_list : "[]", 0, NULL);
	size_t i;
	json_t *c;
	int found = 0;
	json_array_foreach(l, i, c) {
		found |= !strcmp(json_string_value(c), code);
	}
	json_decref(l);
	return found;
}

static accord_status report_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *in = j->in;
	json_t *item = store__row(
		txn,
		"SELECT i.id, i.title, i.lead_orgs, p.period_start, p.period_end, p.status FROM"
		" workplan_items i JOIN workplan_plans p ON p.id=i.plan_id WHERE i.id=?",
		json_pack("[O]", json_object_get(in, "item")));
	if (!item)
		return fail(out, ACCORD_E_NOT_FOUND, "no such workplan item");
	char msg[400];
	msg[0] = 0;
	const char *period = json_string_value(json_object_get(in, "period"));
	char qs[11], qe[11];
	store__quarter(period, qs, qe);
	const char *ps = json_string_value(json_object_get(item, "period_start"));
	const char *pe = json_string_value(json_object_get(item, "period_end"));
	int lead = in_list(json_string_value(json_object_get(item, "lead_orgs")), j->org);
	if (!lead) {
		json_decref(item);
		return fail(out, ACCORD_E_FORBIDDEN,
			    "only the item's lead organisations report its progress");
	}
	if (!strcmp(json_string_value(json_object_get(item, "status")), "closed")) {
		json_decref(item);
		return fail(out, ACCORD_E_CONFLICT, PLANS_CLOSED);
	}
	if (strcmp(qe, ps) < 0 || strcmp(qs, pe) > 0)
		snprintf(msg, sizeof(msg), "period: %s is outside the plan's period, %s to %s",
			 period, ps, pe);
	else if (strcmp(qs, j->today) > 0)
		snprintf(msg, sizeof(msg), "period: %s has not begun", period);
	json_decref(item);
	if (msg[0])
		return fail(out, ACCORD_E_BAD_REQUEST, msg);
	json_t *inds = NULL;
	accord_status st = accord_exec(
		api, txn,
		"SELECT id, name, unit, value_type FROM workplan_indicators WHERE item_id=?",
		json_pack("[O]", json_object_get(in, "item")), &inds);
	if (st != ACCORD_OK)
		return st;
	json_t *vals = json_array();
	size_t i, k;
	const json_t *v, *ind;
	json_array_foreach(json_object_get(in, "values"), i, v) {
		json_int_t id = json_integer_value(json_object_get(v, "indicator"));
		const json_t *found = NULL;
		json_array_foreach(inds, k, ind) {
			if (json_integer_value(json_object_get(ind, "id")) == id)
				found = ind;
		}
		const json_t *value = json_object_get(v, "value");
		const char *type = json_string_value(json_object_get(found, "value_type"));
		const char *why = NULL;
		if (!found)
			snprintf(msg, sizeof(msg),
				 "values[%zu].indicator: not an indicator of this item", i);
		else
			why = wp_value_problem(type, value);
		if (why)
			snprintf(msg, sizeof(msg),
				 "values[%zu].value: %s (indicator \"%.100s\", %.40s)", i, why,
				 json_string_value(json_object_get(found, "name")),
				 json_string_value(json_object_get(found, "unit")));
		for (k = 0; !msg[0] && k < i; k++)
			if (json_integer_value(
				    json_object_get(json_array_get(json_object_get(in, "values"), k),
						    "indicator")) == id)
				snprintf(msg, sizeof(msg), "values[%zu].indicator: given twice", i);
		if (msg[0])
			break;
		json_array_append_new(vals, json_pack("{s:I,s:O}", "indicator", id, "value", value));
	}
	json_decref(inds);
	if (msg[0]) {
		json_decref(vals);
		return fail(out, ACCORD_E_BAD_REQUEST, msg);
	}
	char *text = json_dumps(vals, JSON_COMPACT);
	json_decref(vals);
	st = text ? accord_exec(api, txn,
				"INSERT INTO workplan_progress(item_id, period, org, vals, narrative,"
				" reported_by, reported_at) VALUES(?,?,?,?,?,?,?)"
				" ON CONFLICT(item_id, period, org) DO UPDATE SET vals=excluded.vals,"
				" narrative=excluded.narrative, revision=workplan_progress.revision+1,"
				" reported_by=excluded.reported_by, reported_at=excluded.reported_at",
				json_pack("[O,s,s,s,O,s,I]", json_object_get(in, "item"), period,
					  j->org, text, json_object_get(in, "narrative"), j->actor,
					  (json_int_t)j->now_ms),
				NULL)
		  : ACCORD_E_INTERNAL;
	free(text);
	char object[40];
	snprintf(object, sizeof(object), "item:%lld",
		 (long long)json_integer_value(json_object_get(in, "item")));
	if (st == ACCORD_OK)
		st = store__log(txn, j, "progress.report", object, in);
	if (st != ACCORD_OK)
		return st;
	json_t *row = store__row(txn,
				 "SELECT id, item_id AS item, period, org, vals AS \"values\", narrative,"
				 " revision, reported_by, reported_at FROM workplan_progress WHERE"
				 " item_id=? AND period=? AND org=?",
				 json_pack("[O,s,s]", json_object_get(in, "item"), period, j->org));
	if (row)
		store__decode(row, (const char *const[]){"values", NULL});
	*out = json_pack("{s:o}", "report", row ? row : json_null());
	return ACCORD_OK;
}

static void h_report(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	size_t i;
	const json_t *v;
	json_array_foreach(json_object_get(d, "values"), i, v) {
		char inner[ACCORD_ARGS_MSG], msg[ACCORD_ARGS_MSG + 32];
		if (accord_args_check(value_args, v, 1, inner, sizeof(inner))) {
			snprintf(msg, sizeof(msg), "values[%zu].%s", i, inner);
			api->reply_error(req, ACCORD_E_BAD_REQUEST, msg);
			return;
		}
	}
	json_t *in = accord_args_in(api, req, report_args, d);
	if (in)
		accord_job_run(api, self, req, in, report_work, store__announce);
}

static const char *quarter_or_null(const json_t *v) { return quarter_check(v); }

static const accord_arg list_args[] = {
	{.name = "plan", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "period", .type = ACCORD_ARG_STRING, .check = quarter_or_null},
	{0}};

static accord_status list_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *plan = plans__plan(txn, json_integer_value(json_object_get(j->in, "plan")));
	if (!plan)
		return fail(out, ACCORD_E_NOT_FOUND, "no such plan");
	json_decref(plan);
	const json_t *period = json_object_get(j->in, "period");
	json_t *rows = NULL;
	accord_status st = accord_exec(
		api, txn,
		"SELECT g.id, g.item_id AS item, i.title AS item_title, g.period, g.org,"
		" g.vals AS \"values\", g.narrative, g.revision, g.reported_by, g.reported_at"
		" FROM workplan_progress g JOIN workplan_items i ON i.id=g.item_id"
		" WHERE i.plan_id=? AND (CAST(? AS TEXT) IS NULL OR g.period=?)"
		" ORDER BY g.period, g.item_id, g.org",
		json_pack("[O,O,O]", json_object_get(j->in, "plan"), period ? period : json_null(),
			  period ? period : json_null()),
		&rows);
	if (st != ACCORD_OK)
		return st;
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		store__decode(r, (const char *const[]){"values", NULL});
	}
	*out = json_pack("{s:o}", "reports", rows);
	return ACCORD_OK;
}

accord_status progress__late(accord_txn *txn, json_int_t plan_id, const char *today, json_t **out)
{
	json_t *plan = plans__plan(txn, plan_id);
	if (!plan)
		return ACCORD_E_NOT_FOUND;
	json_t *items = NULL, *reports = NULL;
	accord_status st = accord_exec(
		api, txn,
		"SELECT id, title, lead_orgs, start_date, end_date, status FROM workplan_items"
		" WHERE plan_id=? AND status NOT IN ('done','dropped') ORDER BY id",
		json_pack("[I]", plan_id), &items);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "SELECT g.item_id AS item, g.period, g.org FROM workplan_progress g"
				 " JOIN workplan_items i ON i.id=g.item_id WHERE i.plan_id=?",
				 json_pack("[I]", plan_id), &reports);
	if (st != ACCORD_OK) {
		json_decref(plan);
		json_decref(items);
		return st;
	}
	json_t *have = json_object();
	size_t i, k;
	json_t *r, *org;
	char key[80];
	json_array_foreach(reports, i, r) {
		snprintf(key, sizeof(key), "%lld/%s/%s",
			 (long long)json_integer_value(json_object_get(r, "item")),
			 json_string_value(json_object_get(r, "period")),
			 json_string_value(json_object_get(r, "org")));
		json_object_set_new(have, key, json_true());
	}
	const char *ps = json_string_value(json_object_get(plan, "period_start"));
	const char *pe = json_string_value(json_object_get(plan, "period_end"));
	long now = wp_days(today);
	json_t *late = json_array();
	json_array_foreach(items, i, r) {
		const char *s = json_string_value(json_object_get(r, "start_date"));
		const char *e = json_string_value(json_object_get(r, "end_date"));
		const char *from = strcmp(s, ps) > 0 ? s : ps, *to = strcmp(e, pe) < 0 ? e : pe;
		json_t *leads = json_loads(json_string_value(json_object_get(r, "lead_orgs")), 0,
					   NULL);
		int y = atoi(from), q = (atoi(from + 5) - 1) / 3;
		/* every quarter from the one holding "from" to the one holding
		 * "to" whose report is due before today (at most 40 quarters) */
		for (int n = 0; n < 40; n++, q = (q + 1) % 4, y += q == 0) {
			char period[16], qs[11], qe[11], due[11];
			snprintf(period, sizeof(period), "%04d-Q%d", y % 10000, q % 4 + 1);
			store__quarter(period, qs, qe);
			if (strcmp(qs, to) > 0)
				break;
			long due_day = wp_days(qe) + workplan__report_due_days;
			if (due_day >= now)
				break;
			wp_date(due_day, due);
			json_array_foreach(leads, k, org) {
				snprintf(key, sizeof(key), "%lld/%s/%s",
					 (long long)json_integer_value(json_object_get(r, "id")),
					 period, json_string_value(org));
				if (!json_object_get(have, key))
					json_array_append_new(
						late, json_pack("{s:O,s:O,s:O,s:s,s:s}", "item",
								json_object_get(r, "id"), "title",
								json_object_get(r, "title"), "org",
								org, "period", period, "due", due));
			}
		}
		json_decref(leads);
	}
	json_decref(have);
	json_decref(items);
	json_decref(reports);
	json_decref(plan);
	*out = late;
	return ACCORD_OK;
}

static const accord_arg late_args[] = {
	{.name = "plan", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{0}};

static accord_status late_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *late = NULL;
	accord_status st = progress__late(txn, json_integer_value(json_object_get(j->in, "plan")),
					  j->today, &late);
	if (st == ACCORD_E_NOT_FOUND)
		return fail(out, st, "no such plan");
	if (st == ACCORD_OK)
		*out = json_pack("{s:O,s:s,s:i,s:o}", "plan", json_object_get(j->in, "plan"), "today",
				 j->today, "due_days", workplan__report_due_days, "late", late);
	return st;
}

static accord_handler handlers[] = {
	{.verb = "workplan.progress.report", .fn = h_report, .args = report_args},
	{.verb = "progress", .work = list_work, .args = list_args},
	{.verb = "late", .work = late_work, .args = late_args, .allow = store__secretariat_only},
	{0}};

int progress__init(accord_plugin_ctx *p) { return accord_handle_all(api, p, handlers); }
