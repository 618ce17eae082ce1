/*
 * actions: action items of a working group, with an owner organisation, a
 * due date, a status and progress notes, optionally linked to a decision of
 * the consensus plugin; overdue items are flagged.  This is how the
 * secretariat monitors the implementation of decisions.
 *
 * Built the way a working group outside the core team would build a plugin:
 * against the SDK's headers alone (<accord/plugin.h>, and the header-only
 * <accord/helpers.h>), with the flags of `pkg-config accord-plugin` (see
 * Makefile).  It is group-scoped: the core only lets a request through when
 * the caller is in the group and the group enabled "actions"; everywhere
 * else it answers not_found.  Its requests are declared in one table (who
 * may call, then the fields, checked by the SDK before each handler) and
 * each runs as one accord_job.
 *
 * It reaches other plugins only through services: a decision is looked up
 * with accord.decisions (the consensus plugin; optional: without it no
 * item can be linked to a decision), and the organisations of a group come
 * from the core's group provider (group_orgs).  When the notify plugin runs
 * (accord.notify, optional), the owner organisation is told of an item
 * assigned to it, in the transaction that assigns it, and of an item
 * overdue, by a scan every overdue_scan_s (configuration, default 3600)
 * whose notices carry a "once" key, so each goes once per due date.
 */
#include <accord/plugin.h>
#include <accord/helpers.h>
#include <accord/services/decisions.h>
#include <accord/services/notify.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const accord_host_api *api;
static accord_plugin_ctx *self;
static const accord_notify_svc *notify; /* NULL without the notify plugin */
static int64_t overdue_scan_ms = 3600 * 1000;

/* Storage thread: tells owner of item id (assigned or overdue), in the
 * caller's transaction; once: the key that makes it go once. */
static accord_status notice(accord_txn *txn, const char *category, int64_t id, int64_t group,
			    const char *owner, const char *title, const char *due, const char *once)
{
	if (!ACCORD_SERVICE_HAS(notify, enqueue) || !owner)
		return ACCORD_OK;
	char item[40], link[40];
	snprintf(item, sizeof(item), "action:%lld", (long long)id);
	snprintf(link, sizeof(link), "#/group/%lld", (long long)group);
	json_t *n = json_pack("{s:s,s:s,s:[s],s:s,s:s,s:{s:s,s:s}}", "category", category, "item",
			      item, "orgs", owner, "once", once, "link", link, "params", "title",
			      title ? title : "", "due", due ? due : "");
	accord_status st = n ? notify->enqueue(txn, n, NULL) : ACCORD_E_INTERNAL;
	json_decref(n);
	return st;
}
static const accord_decisions_svc *decisions; /* NULL without consensus */

static const accord_migration migrations[] = {
	{1, "CREATE TABLE actions_items(id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL,"
	    " title TEXT NOT NULL, owner_org TEXT NOT NULL, due_date TEXT NOT NULL,"
	    " status TEXT NOT NULL DEFAULT 'open' CHECK(status IN ('open','in_progress','done','dropped')),"
	    " decision INTEGER, created_by TEXT NOT NULL, created_at INTEGER NOT NULL,"
	    " updated_at INTEGER NOT NULL);"
	    "CREATE INDEX actions_items_group ON actions_items(group_id);"
	    "CREATE TABLE actions_notes(id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL"
	    " REFERENCES actions_items(id), author TEXT NOT NULL, text TEXT NOT NULL,"
	    " at INTEGER NOT NULL);"},
	{0, NULL}};

/* The fields of each request, checked by the SDK before the handler runs
 * (accord_handle_all): "<field>: <problem>" answers bad_request.  data.group
 * is the core's (group plugins), so it is not declared here. */
static const char *const STATUSES[] = {"open", "in_progress", "done", "dropped", NULL};

static const accord_arg add_args[] = {
	{.name = "title", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 500},
	{.name = "owner_org",
	 .type = ACCORD_ARG_STRING,
	 .flags = ACCORD_ARG_REQUIRED,
	 .min = 2,
	 .max = 16,
	 .says = "expected an organisation code"},
	{.name = "due_date", .type = ACCORD_ARG_DATE, .flags = ACCORD_ARG_REQUIRED},
	{.name = "decision", .type = ACCORD_ARG_ID},
	{0}};

static const accord_arg update_args[] = {
	{.name = "item", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "status", .type = ACCORD_ARG_STRING, .one_of = STATUSES},
	{.name = "due_date", .type = ACCORD_ARG_DATE},
	{.name = "owner_org",
	 .type = ACCORD_ARG_STRING,
	 .min = 2,
	 .max = 16,
	 .says = "expected an organisation code"},
	{.name = "note", .type = ACCORD_ARG_STRING, .max = 8000},
	{0}};

static const accord_arg notes_args[] = {
	{.name = "item", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{0}};

/* One request, one storage job, one reply: the SDK's accord_job. */
typedef accord_job job;

/* After a committed change: the group's action list changed. */
static accord_status announce(accord_job *j, json_t **out)
{
	char topic[48];
	snprintf(topic, sizeof(topic), "actions:%lld", (long long)j->group);
	api->publish(self, topic, "actions.changed", json_deep_copy(*out), NULL);
	return ACCORD_OK;
}

static void run(accord_req *req, json_t *in, accord_job_work_fn work, int changes)
{
	accord_job_run(api, self, req, in, work, changes ? announce : NULL);
}

#define fail accord_job_fail

static const char *ITEM_SQL =
	"SELECT i.id, i.title, i.owner_org, i.due_date, i.status, i.decision, i.created_by,"
	" i.created_at, i.updated_at, (SELECT count(*) FROM actions_notes n WHERE n.item_id=i.id) AS notes,"
	" (i.due_date < ? AND i.status IN ('open','in_progress')) AS overdue"
	" FROM actions_items i WHERE i.group_id=?";

static void bools(json_t *item) { accord_bool_field(item, "overdue"); }

static json_t *one(accord_txn *txn, job *j, int64_t id)
{
	char sql[600];
	snprintf(sql, sizeof(sql), "%s AND i.id=?", ITEM_SQL);
	json_t *rows = NULL;
	accord_exec(api, txn, sql,
		    json_pack("[s,I,I]", j->today, (json_int_t)j->group, (json_int_t)id), &rows);
	json_t *r = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	if (r)
		bools(r);
	return r;
}

/* Who may call (the "allow" of the handler table, run before the fields
 * are checked): partners do not see a group's action items, they are
 * internal; and an archived group is read-only, its action items too. */
static int members_only(accord_req *req, const json_t *d)
{
	(void)d;
	if (!api->principal_is_partner(api->req_principal(req)))
		return 1;
	api->reply_error(req, ACCORD_E_FORBIDDEN, "action items are internal to the network");
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

/* The owner of an action item is one of the group's member organisations:
 * the ones that do the group's work and see its action items (partners of
 * the group do not see them).  A code that is not there ("ILO", a typo) is
 * refused with the codes that are, rather than stored as an owner nobody
 * will ever answer for. */
static int owner_in_group(accord_req *req, const json_t *owner)
{
	const char *code = json_string_value(owner);
	json_t *orgs = api->group_orgs(self, api->req_group(req));
	char allowed[600] = "";
	int found = 0, partner = 0;
	size_t i;
	const json_t *o;
	json_array_foreach(orgs, i, o) {
		const char *org = json_string_value(json_object_get(o, "org"));
		int is_partner = json_is_true(json_object_get(o, "partner"));
		if (!org)
			continue;
		if (!strcmp(org, code)) {
			found = !is_partner;
			partner = is_partner;
		}
		if (is_partner || strlen(allowed) + strlen(org) + 3 >= sizeof(allowed))
			continue;
		if (*allowed)
			strcat(allowed, ", ");
		strcat(allowed, org);
	}
	json_decref(orgs);
	if (found)
		return 1;
	char msg[800];
	snprintf(msg, sizeof(msg),
		 "owner_org: \"%.16s\" is %s; choose one of the group's organisations: %s", code,
		 partner ? "a partner of this group, and partners do not see its action items"
			 : "not an organisation of this group",
		 *allowed ? allowed : "(none)");
	api->reply_error(req, ACCORD_E_BAD_REQUEST, msg);
	return 0;
}

static accord_status add_work(accord_txn *txn, job *j, json_t **out)
{
	const json_t *dec = json_object_get(j->in, "decision");
	if (dec) {
		json_t *d = NULL;
		accord_status st = decisions ? decisions->decision(txn, json_integer_value(dec), &d)
					     : ACCORD_E_NOT_FOUND;
		json_decref(d);
		if (st == ACCORD_E_INTERNAL)
			return st;
		if (st != ACCORD_OK)
			return fail(out, ACCORD_E_BAD_REQUEST, "decision: no such closed proposal");
	}
	int64_t now = api->now_ms();
	accord_status st = accord_exec(
		api, txn,
		"INSERT INTO actions_items(group_id, title, owner_org, due_date, decision,"
		" created_by, created_at, updated_at) VALUES(?,?,?,?,?,?,?,?)",
		json_pack("[I,O,O,O,O,s,I,I]", (json_int_t)j->group, json_object_get(j->in, "title"),
			  json_object_get(j->in, "owner_org"), json_object_get(j->in, "due_date"),
			  dec ? dec : json_null(), j->actor, (json_int_t)now, (json_int_t)now),
		NULL);
	if (st != ACCORD_OK)
		return st;
	int64_t id = api->txn_last_id(txn);
	char once[80];
	snprintf(once, sizeof(once), "action_assigned:%lld:%s", (long long)id,
		 json_string_value(json_object_get(j->in, "owner_org")));
	st = notice(txn, "action_assigned", id, j->group,
		    json_string_value(json_object_get(j->in, "owner_org")),
		    json_string_value(json_object_get(j->in, "title")),
		    json_string_value(json_object_get(j->in, "due_date")), once);
	if (st != ACCORD_OK)
		return st;
	json_t *item = one(txn, j, id);
	*out = json_pack("{s:o}", "item", item ? item : json_null());
	return ACCORD_OK;
}

static void h_add(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	if (!owner_in_group(req, json_object_get(d, "owner_org")))
		return;
	json_t *in = accord_args_in(api, req, add_args, d);
	if (in)
		run(req, in, add_work, 1);
}

static accord_status update_work(accord_txn *txn, job *j, json_t **out)
{
	const json_t *in = j->in;
	accord_status st = accord_exec(
		api, txn,
		"UPDATE actions_items SET status=coalesce(?, status), due_date=coalesce(?, due_date),"
		" owner_org=coalesce(?, owner_org), updated_at=? WHERE id=? AND group_id=?",
		json_pack("[O,O,O,I,O,I]", accord_or_null(in, "status"),
			  accord_or_null(in, "due_date"), accord_or_null(in, "owner_org"),
			  (json_int_t)api->now_ms(), json_object_get(in, "item"),
			  (json_int_t)j->group),
		NULL);
	if (st != ACCORD_OK)
		return st;
	if (!api->txn_changes(txn))
		return fail(out, ACCORD_E_NOT_FOUND, "no such action item in this group");
	const json_t *note = json_object_get(in, "note");
	if (json_is_string(note) && json_string_length(note))
		st = accord_exec(api, txn,
				 "INSERT INTO actions_notes(item_id, author, text, at) VALUES(?,?,?,?)",
				 json_pack("[O,s,O,I]", json_object_get(in, "item"), j->actor, note,
					   (json_int_t)api->now_ms()),
				 NULL);
	json_t *item = one(txn, j, json_integer_value(json_object_get(in, "item")));
	/* a new owner is told, once per organisation */
	if (st == ACCORD_OK && item && json_is_string(json_object_get(in, "owner_org"))) {
		char once[80];
		snprintf(once, sizeof(once), "action_assigned:%lld:%s",
			 (long long)json_integer_value(json_object_get(in, "item")),
			 json_string_value(json_object_get(in, "owner_org")));
		st = notice(txn, "action_assigned", json_integer_value(json_object_get(in, "item")),
			    j->group, json_string_value(json_object_get(in, "owner_org")),
			    json_string_value(json_object_get(item, "title")),
			    json_string_value(json_object_get(item, "due_date")), once);
	}
	*out = json_pack("{s:o}", "item", item ? item : json_null());
	return st;
}

static void h_update(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	const json_t *owner = json_object_get(d, "owner_org");
	if (owner && !owner_in_group(req, owner))
		return;
	json_t *in = accord_args_in(api, req, update_args, d);
	if (in)
		run(req, in, update_work, 1);
}

static accord_status list_work(accord_txn *txn, job *j, json_t **out)
{
	char sql[600];
	snprintf(sql, sizeof(sql), "%s ORDER BY i.status IN ('done','dropped'), i.due_date, i.id",
		 ITEM_SQL);
	json_t *rows = NULL;
	accord_status st = accord_exec(api, txn, sql,
				       json_pack("[s,I]", j->today, (json_int_t)j->group), &rows);
	if (st != ACCORD_OK)
		return st;
	size_t i;
	json_t *r;
	json_int_t overdue = 0;
	json_array_foreach(rows, i, r) {
		bools(r);
		overdue += json_is_true(json_object_get(r, "overdue"));
	}
	*out = json_pack("{s:o,s:I}", "items", rows, "overdue", overdue);
	return ACCORD_OK;
}

static void h_list(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)d;
	(void)ud;
	run(req, NULL, list_work, 0);
}

static accord_status notes_work(accord_txn *txn, job *j, json_t **out)
{
	json_t *rows = NULL;
	json_t *item = one(txn, j, json_integer_value(json_object_get(j->in, "item")));
	if (!item)
		return fail(out, ACCORD_E_NOT_FOUND, "no such action item in this group");
	json_decref(item);
	accord_status st = accord_exec(
		api, txn,
		"SELECT n.id, n.author, n.text, n.at FROM actions_notes n JOIN actions_items i"
		" ON i.id = n.item_id WHERE n.item_id=? AND i.group_id=? ORDER BY n.id",
		json_pack("[O,I]", json_object_get(j->in, "item"), (json_int_t)j->group), &rows);
	if (st == ACCORD_OK)
		*out = json_pack("{s:o}", "notes", rows);
	return st;
}

static void h_notes(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	json_t *in = accord_args_in(api, req, notes_args, d);
	if (in)
		run(req, in, notes_work, 0);
}

static accord_handler handlers[] = {
	{.verb = "add", .fn = h_add, .args = add_args, .allow = members_writing},
	{.verb = "update", .fn = h_update, .args = update_args, .allow = members_writing},
	{.verb = "list", .fn = h_list, .allow = members_only},
	{.verb = "notes", .fn = h_notes, .args = notes_args, .allow = members_only},
	{0}};

/* Topic "actions:<group>": the core has already checked the group. */
static accord_status check_topic(accord_plugin_ctx *p, const accord_principal *who,
				 const char *topic, void *ud)
{
	(void)p;
	(void)topic;
	(void)ud;
	return api->principal_is_partner(who) ? ACCORD_E_NOT_FOUND : ACCORD_OK;
}

/* What partners see of a released action item. */
static accord_status describe_action(accord_txn *txn, const char *id, json_t **out, void *ud)
{
	(void)ud;
	return accord_describe_row(
		api, txn,
		"SELECT id, title, owner_org, due_date, status FROM actions_items WHERE id=?", id,
		1, out);
}

/* ---------------- overdue items, told once per due date ---------------- */

static accord_status overdue_work(accord_txn *txn, void *ud, json_t **out)
{
	(void)ud;
	(void)out;
	char today[11];
	accord_today(api, today);
	json_t *rows = NULL;
	accord_status st = accord_exec(api, txn,
				       "SELECT id, group_id, title, owner_org, due_date FROM actions_items"
				       " WHERE due_date < ? AND status IN ('open','in_progress')",
				       json_pack("[s]", today), &rows);
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		if (st != ACCORD_OK)
			break;
		char once[80];
		long long id = (long long)json_integer_value(json_object_get(r, "id"));
		const char *due = json_string_value(json_object_get(r, "due_date"));
		snprintf(once, sizeof(once), "action_overdue:%lld:%s", id, due ? due : "");
		st = notice(txn, "action_overdue", id,
			    json_integer_value(json_object_get(r, "group_id")),
			    json_string_value(json_object_get(r, "owner_org")),
			    json_string_value(json_object_get(r, "title")), due, once);
	}
	json_decref(rows);
	return st;
}

static void overdue_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)ud;
	json_decref(out);
	if (st != ACCORD_OK)
		api->log(p, ACCORD_LOG_WARN, "the overdue scan failed; it runs again later");
}

static void overdue_scan(accord_plugin_ctx *p, void *ud)
{
	(void)ud;
	api->timer_add(p, (uint64_t)overdue_scan_ms, overdue_scan, NULL);
	api->db_run(p, overdue_work, overdue_done, NULL);
}

static accord_status init(accord_plugin_ctx *p, const accord_host_api *host, const json_t *cfg)
{
	api = host;
	self = p;
	if (ACCORD_API_HAS(api, item_kind) && api->item_kind(p, "action", describe_action, NULL))
		return ACCORD_E_INTERNAL;
	if (host->abi_major != ACCORD_ABI_MAJOR || !ACCORD_API_HAS(host, group_writable) ||
	    !ACCORD_API_HAS(host, group_orgs) || !ACCORD_API_HAS(host, service_import))
		return ACCORD_E_INTERNAL;
	decisions = api->service_import(p, ACCORD_SVC_DECISIONS, ACCORD_SVC_DECISIONS_V);
	notify = api->service_import(p, ACCORD_SVC_NOTIFY, ACCORD_SVC_NOTIFY_V);
	const json_t *scan = json_object_get(cfg, "overdue_scan_s");
	if (scan && (!json_is_integer(scan) || json_integer_value(scan) < 1 ||
		     json_integer_value(scan) > 86400)) {
		api->log(p, ACCORD_LOG_ERR,
			 "plugins.enabled.actions.overdue_scan_s: expected seconds from 1 to 86400");
		return ACCORD_E_BAD_REQUEST;
	}
	if (scan)
		overdue_scan_ms = json_integer_value(scan) * 1000;
	if (notify) /* the first scan soon after the start */
		api->timer_add(p, 1000, overdue_scan, NULL);
	if (api->group_scoped(p) || accord_handle_all(api, p, handlers) ||
	    api->topic_register(p, "actions", check_topic, NULL))
		return ACCORD_E_INTERNAL;
	return ACCORD_OK;
}

static const accord_service_ref requires[] = {
	{ACCORD_SVC_DECISIONS, ACCORD_SVC_DECISIONS_V, 1 /* optional */},
	{ACCORD_SVC_NOTIFY, ACCORD_SVC_NOTIFY_V, 1 /* optional */},
	{NULL, 0, 0}};

static const accord_plugin desc = {
	.abi_major = ACCORD_ABI_MAJOR,
	.struct_size = sizeof(accord_plugin),
	.name = "actions",
	.version = "1.0.0",
	.description = "action items of a working group, linked to decisions, with overdue flags",
	.init = init,
	.migrations = migrations,
	.requires = requires,
};

ACCORD_EXPORT const accord_plugin *accord_plugin_entry(void) { return &desc; }
