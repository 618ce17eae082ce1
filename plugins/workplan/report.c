/*
 * The annual report: assembled by the secretariat for a plan and a period
 * from the plan (areas, items, indicators with their latest values),
 * the progress reports of the quarters in the period, the decisions the
 * workplan refers to (its adoption, item links and follow-ups, each looked
 * up with accord.decisions), the follow-up state of the network's
 * decisions, the late reports, and a dated snapshot of the members list
 * (accord.members).  The assembled content is stored, so the report says
 * what was true when it was made; the secretariat edits its title,
 * introduction and conclusions, and assembles it again when it wants the
 * state of today.  Exports over HTTP (members only; GET
 * /api/workplan/report?report=<id>&format=html|json|csv|members): a
 * printable HTML page with a print stylesheet, JSON, CSV of the
 * indicators, and the members list snapshot as CSV.  Partners see a report
 * only when the portal released it (kind "report").
 */
#include "workplan.h"
#include "rules.h"

#include <accord/csv.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define fail accord_job_fail

static const char *const REPORT_JSON[] = {"content", "members", NULL};

/* The quarters' periods "YYYY-Qn" that overlap [start, end]. */
static int quarter_in(const char *period, const char *start, const char *end)
{
	char qs[11], qe[11];
	if (store__quarter(period, qs, qe))
		return 0;
	return strcmp(qe, start) >= 0 && strcmp(qs, end) <= 0;
}

#define WHY_PERIOD "closed in the period"

/* Adds decision id (once) to the list, as the service describes it (or as
 * given, already described: the period's list). */
static accord_status add_decision(accord_txn *txn, json_t *seen, json_t *list, json_int_t id,
				  const char *why, json_t *given)
{
	char key[24];
	snprintf(key, sizeof(key), "%lld", (long long)id);
	json_t *have = json_object_get(seen, key);
	if (have) { /* each reason once */
		json_t *list = json_object_get(have, "why"), *w;
		size_t i;
		json_array_foreach(list, i, w) {
			if (!strcmp(json_string_value(w), why))
				return ACCORD_OK;
		}
		json_array_append_new(list, json_string(why));
		return ACCORD_OK;
	}
	json_t *d = given ? json_incref(given) : NULL;
	accord_status st = given       ? ACCORD_OK
			   : decisions ? decisions->decision(txn, id, &d)
				       : ACCORD_E_NOT_FOUND;
	if (st == ACCORD_E_INTERNAL)
		return st;
	if (st != ACCORD_OK)
		d = json_pack("{s:I,s:s}", "id", id, "title", "(not found)");
	if (!d)
		return ACCORD_E_INTERNAL;
	json_object_set_new(d, "why", json_pack("[s]", why));
	json_object_set(seen, key, d);
	json_array_append_new(list, d);
	return ACCORD_OK;
}

/* Every decision and statement of the network closed in [start, end] (the
 * days, UTC), first in the list; the linked ones join them (or follow). */
static accord_status period_decisions(accord_txn *txn, json_t *seen, json_t *list,
				      const char *start, const char *end)
{
	if (!ACCORD_SERVICE_HAS(decisions, list))
		return ACCORD_OK;
	json_t *rows = NULL, *r, *internal = NULL, *x;
	size_t i, k;
	accord_status st = decisions->list(txn, (int64_t)wp_days(start) * 86400000,
					   ((int64_t)wp_days(end) + 1) * 86400000, &rows);
	/* a proposal opened from a meeting's internal item bears that item's
	 * title: not in the report (unless the plan refers to it) */
	if (st == ACCORD_OK && ACCORD_SERVICE_HAS(meetings, internal_proposals))
		st = meetings->internal_proposals(txn, &internal);
	json_array_foreach(rows, i, r) {
		int skip = 0;
		json_array_foreach(internal, k, x)
			skip |= json_equal(x, json_object_get(r, "id"));
		if (st == ACCORD_OK && !skip)
			st = add_decision(txn, seen, list,
					  json_integer_value(json_object_get(r, "id")), WHY_PERIOD,
					  r);
	}
	json_decref(rows);
	json_decref(internal);
	return st;
}

/* Each decision marked: linked to the plan (a reason besides its period). */
static void mark_linked(json_t *list)
{
	size_t i, k;
	json_t *d, *w;
	json_array_foreach(list, i, d) {
		int linked = 0;
		json_array_foreach(json_object_get(d, "why"), k, w)
			linked |= strcmp(json_string_value(w), WHY_PERIOD) != 0;
		json_object_set_new(d, "linked", json_boolean(linked));
	}
}

/* The network's meetings held in [start, end], or null without the
 * meetings plugin (the report says so). */
static accord_status held_meetings(accord_txn *txn, const char *start, const char *end, json_t **out)
{
	*out = NULL;
	if (!ACCORD_SERVICE_HAS(meetings, held)) {
		*out = json_null();
		return ACCORD_OK;
	}
	return meetings->held(txn, (int64_t)wp_days(start) * 86400000,
			      ((int64_t)wp_days(end) + 1) * 86400000, out);
}

/* The report's content and its members list snapshot. */
static accord_status assemble(accord_txn *txn, accord_job *j, json_int_t plan_id, const char *start,
			      const char *end, json_t **content, json_t **members_out)
{
	json_t *plan = plans__full(txn, plan_id, 0);
	if (!plan)
		return ACCORD_E_NOT_FOUND;
	size_t i, k;
	json_t *r, *g;
	/* Progress: only the quarters of the report's period. */
	json_array_foreach(json_object_get(plan, "items"), i, r) {
		json_t *prog = json_object_get(r, "progress");
		for (k = json_array_size(prog); k-- > 0;) {
			g = json_array_get(prog, k);
			if (!quarter_in(json_string_value(json_object_get(g, "period")), start, end))
				json_array_remove(prog, k);
		}
		json_object_del(r, "resources_note");
	}
	json_t *seen = json_object(), *decs = json_array();
	accord_status st = period_decisions(txn, seen, decs, start, end);
	if (st == ACCORD_OK && json_is_integer(json_object_get(plan, "adopted_by")))
		st = add_decision(txn, seen, decs,
				  json_integer_value(json_object_get(plan, "adopted_by")),
				  "adopted the plan", NULL);
	json_array_foreach(json_object_get(plan, "items"), i, r) {
		json_array_foreach(json_object_get(r, "decisions"), k, g) {
			if (st == ACCORD_OK && !json_integer_value(json_object_get(g, "group")))
				st = add_decision(txn, seen, decs,
						  json_integer_value(json_object_get(g, "decision")),
						  "linked to a workplan item", NULL);
		}
	}
	json_t *all = NULL, *late = NULL, *orgs = NULL, *held = NULL;
	if (st == ACCORD_OK)
		st = followup__all(txn, j->today, &all);
	/* The network's follow-ups (a working group's stay in the group). */
	json_t *fups = json_array();
	json_t *counts = json_pack("{s:i,s:i,s:i,s:i}", "open", 0, "overdue", 0, "done", 0,
				   "dropped", 0);
	json_array_foreach(all, i, r) {
		if (json_integer_value(json_object_get(r, "group")))
			continue;
		json_object_del(r, "notes");
		const char *s = json_string_value(json_object_get(r, "status"));
		const char *key = json_is_true(json_object_get(r, "overdue")) ? "overdue"
				  : !strcmp(s, "done")                        ? "done"
				  : !strcmp(s, "dropped")                     ? "dropped"
									      : "open";
		json_object_set_new(counts, key,
				    json_integer(json_integer_value(json_object_get(counts, key)) +
						 1));
		json_array_append(fups, r);
		if (st == ACCORD_OK)
			st = add_decision(txn, seen, decs,
					  json_integer_value(json_object_get(r, "decision")),
					  "has follow-up actions", NULL);
	}
	if (st == ACCORD_OK)
		st = progress__late(txn, plan_id, j->today, &late);
	if (st == ACCORD_OK)
		st = members->orgs(txn, &orgs);
	if (st == ACCORD_OK)
		st = held_meetings(txn, start, end, &held);
	mark_linked(decs);
	json_decref(all);
	json_decref(seen);
	if (st != ACCORD_OK) {
		json_decref(plan);
		json_decref(decs);
		json_decref(fups);
		json_decref(counts);
		json_decref(late);
		json_decref(orgs);
		json_decref(held);
		return st;
	}
	/* The members list as it stands today: the active organisations. */
	json_t *list = json_array();
	json_array_foreach(orgs, i, r) {
		if (json_is_true(json_object_get(r, "active")))
			json_array_append_new(list, json_pack("{s:O,s:O,s:O,s:O}", "code",
							      json_object_get(r, "code"), "name",
							      json_object_get(r, "name"), "kind",
							      json_object_get(r, "kind"), "standing",
							      json_object_get(r, "standing")));
	}
	json_decref(orgs);
	*members_out = json_pack("{s:s,s:o}", "at", j->today, "orgs", list);
	*content = json_pack("{s:o,s:o,s:o,s:{s:o,s:o},s:o,s:s}", "plan", plan, "decisions", decs,
			     "meetings", held, "followups", "counts", counts, "actions", fups,
			     "late", late, "assembled_at", j->today);
	return *content && *members_out ? ACCORD_OK : ACCORD_E_INTERNAL;
}

static json_t *report_row(accord_txn *txn, json_int_t id)
{
	json_t *r = store__row(txn,
			       "SELECT id, plan_id AS plan, title, period_start, period_end, intro,"
			       " conclusions, content, members_at, members, created_by, created_at,"
			       " updated_by, updated_at FROM workplan_reports WHERE id=?",
			       json_pack("[I]", id));
	if (r)
		store__decode(r, REPORT_JSON);
	return r;
}

static accord_status save_assembled(accord_txn *txn, accord_job *j, json_int_t report,
				    json_int_t plan, const char *start, const char *end, json_t **out)
{
	json_t *content = NULL, *mem = NULL;
	accord_status st = assemble(txn, j, plan, start, end, &content, &mem);
	if (st == ACCORD_E_NOT_FOUND)
		return fail(out, st, "no such plan");
	if (st != ACCORD_OK)
		return st;
	char *c = json_dumps(content, JSON_COMPACT), *m = json_dumps(mem, JSON_COMPACT);
	json_decref(content);
	json_decref(mem);
	if (!c || !m)
		st = ACCORD_E_INTERNAL;
	else if (report)
		st = accord_exec(api, txn,
				 "UPDATE workplan_reports SET content=?, members=?, members_at=?,"
				 " updated_by=?, updated_at=? WHERE id=?",
				 json_pack("[s,s,s,s,I,I]", c, m, j->today, j->actor,
					   (json_int_t)j->now_ms, report),
				 NULL);
	else
		st = accord_exec(
			api, txn,
			"INSERT INTO workplan_reports(plan_id, title, period_start, period_end,"
			" content, members_at, members, created_by, created_at, updated_by,"
			" updated_at) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
			json_pack("[I,O,s,s,s,s,s,s,I,s,I]", plan, json_object_get(j->in, "title"),
				  start, end, c, j->today, m, j->actor, (json_int_t)j->now_ms,
				  j->actor, (json_int_t)j->now_ms),
			NULL);
	free(c);
	free(m);
	if (st != ACCORD_OK)
		return st;
	json_int_t id = report ? report : api->txn_last_id(txn);
	char object[32];
	snprintf(object, sizeof(object), "report:%lld", (long long)id);
	if ((st = store__log(txn, j, report ? "report.assemble" : "report.create", object, j->in)))
		return st;
	json_t *row = report_row(txn, id);
	*out = json_pack("{s:o}", "report", row ? row : json_null());
	return ACCORD_OK;
}

static const accord_arg create_args[] = {
	{.name = "plan", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "title", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 300},
	{.name = "period_start", .type = ACCORD_ARG_DATE, .flags = ACCORD_ARG_REQUIRED},
	{.name = "period_end", .type = ACCORD_ARG_DATE, .flags = ACCORD_ARG_REQUIRED},
	{0}};

static accord_status create_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *in = j->in;
	return save_assembled(txn, j, 0, json_integer_value(json_object_get(in, "plan")),
			      json_string_value(json_object_get(in, "period_start")),
			      json_string_value(json_object_get(in, "period_end")), out);
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

static const accord_arg id_args[] = {
	{.name = "report", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{0}};

static accord_status assemble_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_int_t id = json_integer_value(json_object_get(j->in, "report"));
	json_t *r = store__row(
		txn, "SELECT plan_id, period_start, period_end FROM workplan_reports WHERE id=?",
		json_pack("[I]", id));
	if (!r)
		return fail(out, ACCORD_E_NOT_FOUND, "no such report");
	accord_status st = save_assembled(txn, j, id,
					  json_integer_value(json_object_get(r, "plan_id")),
					  json_string_value(json_object_get(r, "period_start")),
					  json_string_value(json_object_get(r, "period_end")), out);
	json_decref(r);
	return st;
}

static const accord_arg update_args[] = {
	{.name = "report", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "title", .type = ACCORD_ARG_STRING, .min = 1, .max = 300},
	{.name = "intro", .type = ACCORD_ARG_STRING, .max = 50000},
	{.name = "conclusions", .type = ACCORD_ARG_STRING, .max = 50000},
	{0}};

static accord_status update_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *in = j->in;
	json_int_t id = json_integer_value(json_object_get(in, "report"));
	accord_status st = accord_exec(
		api, txn,
		"UPDATE workplan_reports SET title=coalesce(?, title), intro=coalesce(?, intro),"
		" conclusions=coalesce(?, conclusions), updated_by=?, updated_at=? WHERE id=?",
		json_pack("[O,O,O,s,I,I]", accord_or_null(in, "title"), accord_or_null(in, "intro"),
			  accord_or_null(in, "conclusions"), j->actor, (json_int_t)j->now_ms, id),
		NULL);
	if (st != ACCORD_OK)
		return st;
	if (!api->txn_changes(txn))
		return fail(out, ACCORD_E_NOT_FOUND, "no such report");
	char object[32];
	snprintf(object, sizeof(object), "report:%lld", (long long)id);
	if ((st = store__log(txn, j, "report.update", object, in)) != ACCORD_OK)
		return st;
	json_t *row = report_row(txn, id);
	*out = json_pack("{s:o}", "report", row ? row : json_null());
	return ACCORD_OK;
}

static accord_status get_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *row = report_row(txn, json_integer_value(json_object_get(j->in, "report")));
	if (!row)
		return fail(out, ACCORD_E_NOT_FOUND, "no such report");
	*out = json_pack("{s:o}", "report", row);
	return ACCORD_OK;
}

static accord_status list_work(accord_txn *txn, accord_job *j, json_t **out)
{
	(void)j;
	json_t *rows = NULL;
	accord_status st = accord_exec(api, txn,
				       "SELECT id, plan_id AS plan, title, period_start, period_end,"
				       " members_at, created_by, created_at, updated_at FROM"
				       " workplan_reports ORDER BY id",
				       NULL, &rows);
	if (st == ACCORD_OK)
		*out = json_pack("{s:o}", "reports", rows);
	return st;
}

static void h_list(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)d;
	(void)ud;
	accord_job_run(api, self, req, NULL, list_work, NULL);
}

/* What partners see of a released report: no follow-up notes, no
 * resources notes (assemble leaves both out), no late list (internal). */
accord_status report__describe(accord_txn *txn, const char *id, json_t **out, void *ud)
{
	(void)ud;
	char *end = NULL;
	long long n = strtoll(id, &end, 10);
	if (!*id || *end || n <= 0)
		return ACCORD_E_NOT_FOUND;
	json_t *r = report_row(txn, n);
	if (!r)
		return ACCORD_E_NOT_FOUND;
	json_object_del(json_object_get(r, "content"), "late");
	json_object_del(r, "created_by");
	json_object_del(r, "updated_by");
	*out = r;
	return ACCORD_OK;
}

/* ---------------- exports ---------------- */

static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* A number of a JSON value as text ("" for null). */
static void num(char *buf, size_t n, const json_t *v)
{
	if (json_is_integer(v))
		snprintf(buf, n, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, n, "%g", json_real_value(v));
	else
		buf[0] = 0;
}

static void codes(FILE *f, const json_t *arr)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		char b[32];
		if (i)
			fputs(", ", f);
		num(b, sizeof(b), v);
		esc(f, json_is_string(v) ? json_string_value(v) : b);
	}
}

/* A horizontal bar, 0..100, as inline SVG (presentation attributes only:
 * the Content-Security-Policy allows no inline style). */
static void bar(FILE *f, const json_t *pct)
{
	if (!json_is_integer(pct)) {
		fputs("—", f);
		return;
	}
	long long p = json_integer_value(pct);
	fprintf(f,
		"<svg class=\"bar\" width=\"120\" height=\"14\" viewBox=\"0 0 100 10\""
		" role=\"img\" aria-label=\"%lld%%\"><rect width=\"100\" height=\"10\""
		" fill=\"#e4e7eb\"/><rect width=\"%lld\" height=\"10\" fill=\"#1f6f8b\"/></svg> %lld%%",
		p, p, p);
}

static char *html_of(const json_t *r, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	if (!f)
		return NULL;
	const json_t *c = json_object_get(r, "content"), *plan = json_object_get(c, "plan");
	const json_t *mem = json_object_get(r, "members");
	size_t i, k;
	json_t *a, *it, *v;
	char b1[32], b2[32], b3[32];
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>", f);
	esc(f, str(r, "title"));
	fputs("</title><link rel=\"stylesheet\" href=\"/plugins/workplan/report.css\"></head><body>\n",
	      f);
	fputs("<header><h1>", f);
	esc(f, str(r, "title"));
	fprintf(f, "</h1><p class=\"period\">%s – %s</p><p class=\"plan\">", str(r, "period_start"),
		str(r, "period_end"));
	esc(f, str(plan, "title"));
	fprintf(f, " (%s – %s, %s)</p></header>\n", str(plan, "period_start"),
		str(plan, "period_end"), str(plan, "status"));
	fputs("<section id=\"introduction\"><h2>Introduction</h2><p>", f);
	esc(f, str(r, "intro"));
	fputs("</p></section>\n<section id=\"plan\"><h2>Workplan</h2>\n", f);
	json_array_foreach(json_object_get(plan, "areas"), i, a) {
		fputs("<h3>", f);
		esc(f, str(a, "title"));
		fputs("</h3><p class=\"tags\">GCM: ", f);
		codes(f, json_object_get(a, "gcm"));
		fputs(" · SDG: ", f);
		codes(f, json_object_get(a, "sdg"));
		if (*str(a, "unsdcf_ref")) {
			fputs(" · UNSDCF: ", f);
			esc(f, str(a, "unsdcf_ref"));
		}
		fputs("</p>\n<table><thead><tr><th>Item</th><th>Lead</th><th>Contributing</th>"
		      "<th>Dates</th><th>Status</th><th>Progress</th></tr></thead><tbody>\n",
		      f);
		json_array_foreach(json_object_get(plan, "items"), k, it) {
			if (json_integer_value(json_object_get(it, "area")) !=
			    json_integer_value(json_object_get(a, "id")))
				continue;
			fputs("<tr><td>", f);
			esc(f, str(it, "title"));
			fputs("</td><td>", f);
			codes(f, json_object_get(it, "lead_orgs"));
			fputs("</td><td>", f);
			codes(f, json_object_get(it, "contributing_orgs"));
			fprintf(f, "</td><td>%s – %s</td><td>%s</td><td>", str(it, "start"),
				str(it, "end"), str(it, "status"));
			bar(f, json_object_get(it, "progress_pct"));
			fputs("</td></tr>\n", f);
		}
		fputs("</tbody></table>\n", f);
	}
	fputs("</section>\n<section id=\"indicators\"><h2>Indicators</h2><table><thead><tr>"
	      "<th>Item</th><th>Indicator</th><th>Unit</th><th>Baseline</th><th>Target</th>"
	      "<th>Latest</th><th>Quarter</th><th>Reached</th><th>Means of verification</th>"
	      "</tr></thead><tbody>\n",
	      f);
	json_array_foreach(json_object_get(plan, "items"), i, it) {
		json_array_foreach(json_object_get(it, "indicators"), k, v) {
			const json_t *l = json_object_get(v, "latest");
			num(b1, sizeof(b1), json_object_get(v, "baseline"));
			num(b2, sizeof(b2), json_object_get(v, "target"));
			num(b3, sizeof(b3), json_object_get(l, "value"));
			fputs("<tr><td>", f);
			esc(f, str(it, "title"));
			fputs("</td><td>", f);
			esc(f, str(v, "name"));
			fputs("</td><td>", f);
			esc(f, str(v, "unit"));
			fprintf(f, "</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>", b1, b2,
				b3, str(l, "period"));
			bar(f, json_object_get(v, "progress_pct"));
			fputs("</td><td>", f);
			esc(f, str(v, "means"));
			fputs("</td></tr>\n", f);
		}
	}
	fputs("</tbody></table></section>\n<section id=\"progress\"><h2>Progress reports</h2>\n", f);
	json_array_foreach(json_object_get(plan, "items"), i, it) {
		json_array_foreach(json_object_get(it, "progress"), k, v) {
			fputs("<article><h3>", f);
			esc(f, str(it, "title"));
			fputs(" — ", f);
			esc(f, str(v, "period"));
			fputs(", ", f);
			esc(f, str(v, "org"));
			fputs("</h3><p>", f);
			esc(f, str(v, "narrative"));
			fputs("</p></article>\n", f);
		}
	}
	fputs("</section>\n<section id=\"decisions\"><h2>Decisions and statements</h2><table>"
	      "<thead><tr><th>#</th><th>Kind</th><th>Title</th><th>Closed</th><th>Outcome</th>"
	      "<th>Linked to the plan</th><th>Why here</th></tr></thead><tbody>\n",
	      f);
	json_array_foreach(json_object_get(c, "decisions"), i, v) {
		char day[11] = "";
		num(b1, sizeof(b1), json_object_get(v, "id"));
		if (json_is_integer(json_object_get(v, "closed_at")))
			wp_date((long)(json_integer_value(json_object_get(v, "closed_at")) / 86400000),
				day);
		fprintf(f, "<tr><td>%s</td><td>", b1);
		esc(f, str(v, "kind"));
		fputs("</td><td>", f);
		esc(f, str(v, "title"));
		fprintf(f, "</td><td>%s</td><td>", day);
		esc(f, str(v, "outcome"));
		if (*str(v, "outcome_statement")) {
			fputs(": ", f);
			esc(f, str(v, "outcome_statement"));
		}
		fprintf(f, "</td><td>%s</td><td>",
			json_is_true(json_object_get(v, "linked")) ? "linked" : "—");
		codes(f, json_object_get(v, "why"));
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table></section>\n<section id=\"meetings\"><h2>Meetings held</h2>\n", f);
	const json_t *held = json_object_get(c, "meetings");
	if (!json_is_array(held))
		fputs("<p class=\"none\">Meetings are not recorded on this server (the meetings"
		      " plugin is not enabled).</p>\n",
		      f);
	else {
		fputs("<table><thead><tr><th>Date</th><th>Kind</th><th>Title</th>"
		      "<th>Represented / required</th><th>Missing</th><th>Quorum</th>"
		      "<th>Minutes approved</th></tr></thead><tbody>\n",
		      f);
		json_array_foreach(held, i, v) {
			char day[11] = "";
			const json_t *q = json_object_get(v, "quorum");
			wp_date((long)(json_integer_value(json_object_get(v, "started_at")) /
				       86400000),
				day);
			fprintf(f, "<tr><td>%s</td><td>", day);
			esc(f, str(v, "kind"));
			fputs("</td><td>", f);
			esc(f, str(v, "title"));
			fprintf(f, "</td><td>%lld / %lld: ",
				(long long)json_integer_value(json_object_get(q, "present_required")),
				(long long)json_integer_value(json_object_get(q, "required")));
			codes(f, json_object_get(v, "represented"));
			fputs("</td><td>", f);
			codes(f, json_object_get(v, "missing_required"));
			fprintf(f, "</td><td>%s</td><td>%s</td></tr>\n",
				json_is_true(json_object_get(q, "met")) ? "met" : "not met",
				strcmp(str(v, "minutes_status"), "approved") ? "no" : "yes");
		}
		fputs("</tbody></table>\n", f);
	}
	const json_t *fu = json_object_get(c, "followups"), *cnt = json_object_get(fu, "counts");
	fprintf(f,
		"</section>\n<section id=\"followup\"><h2>Follow-up of decisions</h2>"
		"<p class=\"counts\">open %lld · overdue %lld · done %lld · dropped %lld</p><table>"
		"<thead><tr><th>Decision</th><th>Action</th><th>Owner</th><th>Due</th>"
		"<th>Status</th></tr></thead><tbody>\n",
		(long long)json_integer_value(json_object_get(cnt, "open")),
		(long long)json_integer_value(json_object_get(cnt, "overdue")),
		(long long)json_integer_value(json_object_get(cnt, "done")),
		(long long)json_integer_value(json_object_get(cnt, "dropped")));
	json_array_foreach(json_object_get(fu, "actions"), i, v) {
		fputs("<tr><td>", f);
		esc(f, str(v, "decision_title"));
		fputs("</td><td>", f);
		esc(f, str(v, "title"));
		fputs("</td><td>", f);
		esc(f, str(v, "owner_org"));
		fprintf(f, "</td><td>%s</td><td>%s%s</td></tr>\n", str(v, "due_date"),
			str(v, "status"),
			json_is_true(json_object_get(v, "overdue")) ? " (overdue)" : "");
	}
	fprintf(f,
		"</tbody></table></section>\n<section id=\"members\"><h2>Members of the network</h2>"
		"<p>As of %s.</p><table><thead><tr><th>Code</th><th>Name</th><th>Kind</th>"
		"<th>Standing</th></tr></thead><tbody>\n",
		str(mem, "at"));
	json_array_foreach(json_object_get(mem, "orgs"), i, v) {
		fputs("<tr><td>", f);
		esc(f, str(v, "code"));
		fputs("</td><td>", f);
		esc(f, str(v, "name"));
		fputs("</td><td>", f);
		esc(f, str(v, "kind"));
		fputs("</td><td>", f);
		esc(f, str(v, "standing"));
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table></section>\n<section id=\"conclusions\"><h2>Conclusions</h2><p>", f);
	esc(f, str(r, "conclusions"));
	fputs("</p></section>\n</body></html>\n", f);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The decisions and statements, one a row. */
static void csv_decisions(accord_csv *c, const json_t *content)
{
	const char *head[] = {"id",     "kind", "title", "closed", "outcome", "outcome_statement",
			      "linked", "why"};
	size_t i, k;
	json_t *v, *w;
	for (i = 0; i < 8; i++)
		accord_csv_field(c, head[i]);
	accord_csv_end_row(c);
	json_array_foreach(json_object_get(content, "decisions"), i, v) {
		char id[32], day[11] = "", why[400] = "";
		num(id, sizeof(id), json_object_get(v, "id"));
		if (json_is_integer(json_object_get(v, "closed_at")))
			wp_date((long)(json_integer_value(json_object_get(v, "closed_at")) / 86400000),
				day);
		json_array_foreach(json_object_get(v, "why"), k, w) {
			size_t n = strlen(why);
			snprintf(why + n, sizeof(why) - n, "%s%s", k ? "; " : "",
				 json_string_value(w));
		}
		accord_csv_field(c, id);
		accord_csv_field(c, str(v, "kind"));
		accord_csv_field(c, str(v, "title"));
		accord_csv_field(c, day);
		accord_csv_field(c, str(v, "outcome"));
		accord_csv_field(c, str(v, "outcome_statement"));
		accord_csv_field(c, json_is_true(json_object_get(v, "linked")) ? "yes" : "no");
		accord_csv_field(c, why);
		accord_csv_end_row(c);
	}
}

/* The meetings held, one a row (no row without the meetings plugin). */
static void csv_meetings(accord_csv *c, const json_t *content)
{
	const char *head[] = {"id",       "date",    "kind",   "title",           "represented",
			      "required", "missing", "quorum", "minutes_approved"};
	size_t i;
	json_t *v;
	for (i = 0; i < 9; i++)
		accord_csv_field(c, head[i]);
	accord_csv_end_row(c);
	json_array_foreach(json_object_get(content, "meetings"), i, v) {
		char id[32], day[11] = "", list[3][400];
		const char *keys[] = {"represented", "required", "missing_required"};
		num(id, sizeof(id), json_object_get(v, "id"));
		wp_date((long)(json_integer_value(json_object_get(v, "started_at")) / 86400000), day);
		for (int x = 0; x < 3; x++) {
			size_t k;
			json_t *o;
			list[x][0] = 0;
			json_array_foreach(json_object_get(v, keys[x]), k, o) {
				size_t n = strlen(list[x]);
				snprintf(list[x] + n, sizeof(list[x]) - n, "%s%s", k ? " " : "",
					 json_string_value(o));
			}
		}
		accord_csv_field(c, id);
		accord_csv_field(c, day);
		accord_csv_field(c, str(v, "kind"));
		accord_csv_field(c, str(v, "title"));
		accord_csv_field(c, list[0]);
		accord_csv_field(c, list[1]);
		accord_csv_field(c, list[2]);
		accord_csv_field(c, json_is_true(json_object_get(json_object_get(v, "quorum"), "met"))
					    ? "met"
					    : "not met");
		accord_csv_field(c, strcmp(str(v, "minutes_status"), "approved") ? "no" : "yes");
		accord_csv_end_row(c);
	}
}

static char *csv_of(const json_t *r, const char *format, size_t *len)
{
	accord_csv c = {0};
	size_t i, k;
	json_t *it, *v;
	char b[4][32];
	if (!strcmp(format, "decisions") || !strcmp(format, "meetings")) {
		(format[0] == 'd' ? csv_decisions : csv_meetings)(&c, json_object_get(r, "content"));
		return accord_csv_finish(&c, len);
	}
	if (!strcmp(format, "members")) {
		const json_t *mem = json_object_get(r, "members");
		const char *head[] = {"code", "name", "kind", "standing", "as_of"};
		for (i = 0; i < 5; i++)
			accord_csv_field(&c, head[i]);
		accord_csv_end_row(&c);
		json_array_foreach(json_object_get(mem, "orgs"), i, v) {
			accord_csv_field(&c, str(v, "code"));
			accord_csv_field(&c, str(v, "name"));
			accord_csv_field(&c, str(v, "kind"));
			accord_csv_field(&c, str(v, "standing"));
			accord_csv_field(&c, str(mem, "at"));
			accord_csv_end_row(&c);
		}
		return accord_csv_finish(&c, len);
	}
	const char *head[] = {"item",     "item_title", "status", "lead_orgs", "indicator",  "unit",
			      "baseline", "target",     "latest", "quarter",   "reached_pct"};
	for (i = 0; i < 11; i++)
		accord_csv_field(&c, head[i]);
	accord_csv_end_row(&c);
	const json_t *plan = json_object_get(json_object_get(r, "content"), "plan");
	json_array_foreach(json_object_get(plan, "items"), i, it) {
		json_array_foreach(json_object_get(it, "indicators"), k, v) {
			char leads[200] = "";
			size_t x;
			json_t *o;
			json_array_foreach(json_object_get(it, "lead_orgs"), x, o) {
				size_t n = strlen(leads);
				snprintf(leads + n, sizeof(leads) - n, "%s%s", x ? " " : "",
					 json_string_value(o));
			}
			num(b[0], 32, json_object_get(it, "id"));
			num(b[1], 32, json_object_get(v, "baseline"));
			num(b[2], 32, json_object_get(v, "target"));
			num(b[3], 32, json_object_get(json_object_get(v, "latest"), "value"));
			char pct[32];
			num(pct, sizeof(pct), json_object_get(v, "progress_pct"));
			accord_csv_field(&c, b[0]);
			accord_csv_field(&c, str(it, "title"));
			accord_csv_field(&c, str(it, "status"));
			accord_csv_field(&c, leads);
			accord_csv_field(&c, str(v, "name"));
			accord_csv_field(&c, str(v, "unit"));
			accord_csv_field(&c, b[1]);
			accord_csv_field(&c, b[2]);
			accord_csv_field(&c, b[3]);
			accord_csv_field(&c, str(json_object_get(v, "latest"), "period"));
			accord_csv_field(&c, pct);
			accord_csv_end_row(&c);
		}
	}
	return accord_csv_finish(&c, len);
}

static const char *const FORMATS[] = {"html",      "json",     "csv", "members",
				      "decisions", "meetings", NULL};

static const accord_arg export_args[] = {
	{.name = "report", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "format", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .one_of = FORMATS},
	{0}};

static accord_status export_work(accord_txn *txn, accord_job *j, json_t **out)
{
	return get_work(txn, j, out);
}

static accord_status export_after(accord_job *j, json_t **out)
{
	const char *format = json_string_value(json_object_get(j->in, "format"));
	if (!strcmp(format, "json"))
		return ACCORD_OK;
	const json_t *r = json_object_get(*out, "report");
	size_t len = 0;
	char *text = !strcmp(format, "html") ? html_of(r, &len) : csv_of(r, format, &len);
	if (!text)
		return fail(out, ACCORD_E_INTERNAL, "out of memory");
	api->http_respond(j->http, 200,
			  !strcmp(format, "html") ? "text/html; charset=utf-8"
						  : "text/csv; charset=utf-8",
			  text, len);
	free(text);
	accord_job_answered(j);
	return ACCORD_OK;
}

static void http_report(accord_plugin_ctx *p, accord_http *h, const accord_principal *who, void *ud)
{
	(void)ud;
	if (!who) {
		accord_http_error(api, h, ACCORD_E_UNAUTHENTICATED, NULL);
		return;
	}
	json_t *d = accord_http_args(api, h, export_args);
	char msg[ACCORD_ARGS_MSG];
	if (!d) {
		accord_http_error(api, h, ACCORD_E_INTERNAL, NULL);
		return;
	}
	if (accord_args_check(export_args, d, 1, msg, sizeof(msg))) {
		json_decref(d);
		accord_http_error(api, h, ACCORD_E_BAD_REQUEST, msg);
		return;
	}
	accord_job *j = accord_job_new_http(api, p, h, who, d, export_work, export_after, 0);
	if (j)
		accord_job_submit(j);
}

static accord_handler handlers[] = {{.verb = "reports", .fn = h_list},
				    {.verb = "workplan.report.get", .work = get_work, .args = id_args},
				    {.verb = "workplan.report.create",
				     .fn = h_create,
				     .args = create_args,
				     .allow = store__secretariat_only},
				    {.verb = "workplan.report.assemble",
				     .work = assemble_work,
				     .after = store__announce,
				     .args = id_args,
				     .allow = store__secretariat_only},
				    {.verb = "workplan.report.update",
				     .work = update_work,
				     .after = store__announce,
				     .args = update_args,
				     .allow = store__secretariat_only},
				    {0}};

int report__init(accord_plugin_ctx *p)
{
	return accord_handle_all(api, p, handlers) || api->http_route(p, "report", http_report, NULL);
}
