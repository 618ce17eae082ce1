/*
 * The workplan's tables, its append-only log, and the checks that need the
 * storage thread (organisations through accord.members, quarters).
 *
 * Lists (GCM objectives and SDG targets of an area, lead and contributing
 * organisations of an item, the values of a progress report, a report's
 * assembled content) are stored as JSON text and decoded in C: there is no
 * portable SQL for them.  workplan_log records every change, in the
 * transaction of the change; triggers refuse updates and deletes, as the
 * portal's log does.
 */
#include "workplan.h"
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const accord_migration store__migrations[] = {
	{1,
	 "CREATE TABLE workplan_gcm(number INTEGER PRIMARY KEY, title TEXT NOT NULL,"
	 " updated_by TEXT, updated_at INTEGER);"
	 "CREATE TABLE workplan_sdg(code TEXT PRIMARY KEY, goal INTEGER NOT NULL,"
	 " is_goal INTEGER NOT NULL DEFAULT 0, title TEXT NOT NULL, updated_by TEXT,"
	 " updated_at INTEGER);"
	 "CREATE TABLE workplan_plans(id INTEGER PRIMARY KEY, title TEXT NOT NULL,"
	 " period_start TEXT NOT NULL, period_end TEXT NOT NULL,"
	 " status TEXT NOT NULL DEFAULT 'draft' CHECK(status IN ('draft','adopted','closed')),"
	 " unsdcf_ref TEXT NOT NULL DEFAULT '', adopted_by INTEGER, adopted_at INTEGER,"
	 " created_by TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	 "CREATE TABLE workplan_areas(id INTEGER PRIMARY KEY, plan_id INTEGER NOT NULL"
	 " REFERENCES workplan_plans(id), title TEXT NOT NULL, description TEXT NOT NULL"
	 " DEFAULT '', gcm TEXT NOT NULL DEFAULT '[]', sdg TEXT NOT NULL DEFAULT '[]',"
	 " unsdcf_ref TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL);"
	 "CREATE TABLE workplan_items(id INTEGER PRIMARY KEY, plan_id INTEGER NOT NULL"
	 " REFERENCES workplan_plans(id), area_id INTEGER NOT NULL REFERENCES workplan_areas(id),"
	 " title TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',"
	 " lead_orgs TEXT NOT NULL, contributing_orgs TEXT NOT NULL DEFAULT '[]',"
	 " group_id INTEGER, start_date TEXT NOT NULL, end_date TEXT NOT NULL,"
	 " status TEXT NOT NULL DEFAULT 'planned'"
	 " CHECK(status IN ('planned','ongoing','done','delayed','dropped')),"
	 " resources_note TEXT NOT NULL DEFAULT '', created_by TEXT NOT NULL,"
	 " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	 "CREATE INDEX workplan_items_plan ON workplan_items(plan_id);"
	 "CREATE TABLE workplan_indicators(id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL"
	 " REFERENCES workplan_items(id), name TEXT NOT NULL, unit TEXT NOT NULL,"
	 " value_type TEXT NOT NULL CHECK(value_type IN ('integer','number','percent')),"
	 " baseline REAL, target REAL, means TEXT NOT NULL DEFAULT '');"
	 "CREATE TABLE workplan_progress(id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL"
	 " REFERENCES workplan_items(id), period TEXT NOT NULL, org TEXT NOT NULL,"
	 " vals TEXT NOT NULL DEFAULT '[]', narrative TEXT NOT NULL, revision INTEGER NOT NULL"
	 " DEFAULT 1, reported_by TEXT NOT NULL, reported_at INTEGER NOT NULL,"
	 " UNIQUE(item_id, period, org));"
	 "CREATE TABLE workplan_followups(id INTEGER PRIMARY KEY, decision INTEGER NOT NULL,"
	 " decision_title TEXT NOT NULL, group_id INTEGER NOT NULL DEFAULT 0,"
	 " title TEXT NOT NULL, owner_org TEXT NOT NULL, due_date TEXT NOT NULL,"
	 " status TEXT NOT NULL DEFAULT 'open' CHECK(status IN ('open','in_progress','done','dropped')),"
	 " notes TEXT NOT NULL DEFAULT '', item_id INTEGER REFERENCES workplan_items(id),"
	 " created_by TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	 "CREATE INDEX workplan_followups_decision ON workplan_followups(decision);"
	 "CREATE TABLE workplan_item_decisions(item_id INTEGER NOT NULL REFERENCES"
	 " workplan_items(id), decision INTEGER NOT NULL, decision_title TEXT NOT NULL,"
	 " group_id INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(item_id, decision));"
	 "CREATE TABLE workplan_reports(id INTEGER PRIMARY KEY, plan_id INTEGER NOT NULL"
	 " REFERENCES workplan_plans(id), title TEXT NOT NULL, period_start TEXT NOT NULL,"
	 " period_end TEXT NOT NULL, intro TEXT NOT NULL DEFAULT '', conclusions TEXT NOT NULL"
	 " DEFAULT '', content TEXT NOT NULL, members_at TEXT NOT NULL, members TEXT NOT NULL,"
	 " created_by TEXT NOT NULL, created_at INTEGER NOT NULL, updated_by TEXT NOT NULL,"
	 " updated_at INTEGER NOT NULL);"
	 "CREATE TABLE workplan_log(id INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL,"
	 " org TEXT NOT NULL, action TEXT NOT NULL, object TEXT NOT NULL, detail TEXT NOT NULL);"
	 "CREATE TRIGGER workplan_log_append_only_u BEFORE UPDATE ON workplan_log"
	 " BEGIN SELECT RAISE(ABORT, 'workplan_log is append-only'); END;"
	 "CREATE TRIGGER workplan_log_append_only_d BEFORE DELETE ON workplan_log"
	 " BEGIN SELECT RAISE(ABORT, 'workplan_log is append-only'); END;"},
	{0, NULL}};

accord_status store__log(accord_txn *txn, const accord_job *j, const char *action,
			 const char *object, const json_t *detail)
{
	char *d = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : strdup("{}");
	if (!d)
		return ACCORD_E_INTERNAL;
	accord_status st = accord_exec(
		api, txn,
		"INSERT INTO workplan_log(at, actor, org, action, object, detail) VALUES(?,?,?,?,?,?)",
		json_pack("[I,s,s,s,s,s]", (json_int_t)j->now_ms, j->actor[0] ? j->actor : "system",
			  j->org, action, object, d),
		NULL);
	free(d);
	return st;
}

json_t *store__row(accord_txn *txn, const char *sql, json_t *params)
{
	json_t *rows = NULL;
	if (accord_exec(api, txn, sql, params, &rows) != ACCORD_OK)
		return NULL;
	json_t *r = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	return r;
}

void store__decode(json_t *row, const char *const *cols)
{
	for (; *cols; cols++) {
		const char *s = json_string_value(json_object_get(row, *cols));
		json_t *v = s ? json_loads(s, JSON_DECODE_ANY, NULL) : NULL;
		if (v)
			json_object_set_new(row, *cols, v);
	}
}

accord_status store__check_orgs(accord_txn *txn, const char *field, const json_t *codes, json_t **out)
{
	size_t i;
	const json_t *c;
	json_array_foreach(codes, i, c) {
		json_t *org = NULL;
		accord_status st = members->org(txn, json_string_value(c), &org);
		if (st == ACCORD_E_INTERNAL)
			return st;
		const char *why = st != ACCORD_OK ? "is not an organisation of the network"
				  : !json_is_true(json_object_get(org, "active")) ? "is not active"
				  : strcmp(json_string_value(json_object_get(org, "standing")),
					   "member")
					  ? "is a partner; partners do not see the workplan"
					  : NULL;
		json_decref(org);
		if (why) {
			char msg[200];
			snprintf(msg, sizeof(msg), "%s[%zu]: \"%.16s\" %s", field, i,
				 json_string_value(c), why);
			return accord_job_fail(out, ACCORD_E_BAD_REQUEST, msg);
		}
	}
	return ACCORD_OK;
}

int store__quarter(const char *period, char start[11], char end[11])
{
	return wp_quarter(period, start, end);
}

int store__is_secretariat(const accord_principal *who)
{
	return !api->principal_is_partner(who) && api->principal_has_role(who, "secretariat");
}

int store__secretariat_only(accord_req *req, const json_t *d)
{
	(void)d;
	if (store__is_secretariat(api->req_principal(req)))
		return 1;
	api->reply_error(req, ACCORD_E_FORBIDDEN, "only the secretariat does this");
	return 0;
}

/* The event says only who changed something and when: follow-ups of a
 * working group's decision are hidden from members outside the group, so
 * what changed is read again with the requests, which filter. */
accord_status store__announce(accord_job *j, json_t **out)
{
	(void)out;
	api->publish(self, WORKPLAN_TOPIC, "workplan.changed",
		     json_pack("{s:s,s:I}", "by", j->actor, "at", (json_int_t)j->now_ms), NULL);
	return ACCORD_OK;
}

/* ---------------- the log, for the secretariat ---------------- */

static const accord_arg log_args[] = {
	{.name = "object", .type = ACCORD_ARG_STRING, .min = 1, .max = 40},
	{.name = "limit", .type = ACCORD_ARG_INT, .min = 1, .max = 1000},
	{0}};

static accord_status log_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *object = json_object_get(j->in, "object"),
		     *limit = json_object_get(j->in, "limit");
	json_t *rows = NULL;
	accord_status st = accord_exec(
		api, txn,
		"SELECT id, at, actor, org, action, object, detail FROM workplan_log"
		" WHERE CAST(? AS TEXT) IS NULL OR object=? ORDER BY id DESC LIMIT ?",
		json_pack("[O,O,I]", object ? object : json_null(), object ? object : json_null(),
			  limit ? json_integer_value(limit) : (json_int_t)200),
		&rows);
	if (st != ACCORD_OK)
		return st;
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		store__decode(r, (const char *const[]){"detail", NULL});
	}
	*out = json_pack("{s:o}", "entries", rows);
	return ACCORD_OK;
}

static accord_handler handlers[] = {
	{.verb = "log", .work = log_work, .args = log_args, .allow = store__secretariat_only},
	{0}};

int store__init(accord_plugin_ctx *p) { return accord_handle_all(api, p, handlers); }
