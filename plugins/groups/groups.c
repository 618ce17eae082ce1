/*
 * Working groups (Terms of Reference: permanent or ad-hoc groups on
 * specific issues, drawn from the network's members and possibly external
 * partners).  Each group has a room, topic "group:<id>", with posts and
 * threads and shared items, each either internal (the group's member
 * organisations) or shared (also its partners).
 *
 * This plugin is also the core's group provider: it answers, from memory,
 * whether a person may act in a group and whether a plugin is enabled
 * there, which is how custom plugins (such as "actions") are confined to the
 * groups that enabled them.
 *
 * Co-chairs and the secretariat see and manage every group; the people of a
 * lead organisation manage their group's membership and plugins.
 */
#include <accord/plugin.h>
#include <accord/helpers.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <errno.h>

#include <accord/services/groups.h>
#include <accord/services/members.h>

#include "service.h"

static const accord_host_api *api;
static accord_plugin_ctx *self;
static const accord_members_svc *members;

static const accord_migration migrations[] = {
	{1, "CREATE TABLE groups_groups(id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
	    " mandate TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL CHECK(kind IN ('permanent','ad_hoc')),"
	    " end_date TEXT, archived INTEGER NOT NULL DEFAULT 0, created_by TEXT NOT NULL,"
	    " created_at INTEGER NOT NULL);"
	    "CREATE TABLE groups_members(group_id INTEGER NOT NULL REFERENCES groups_groups(id),"
	    " org TEXT NOT NULL, role TEXT NOT NULL CHECK(role IN ('lead','member')),"
	    " partner INTEGER NOT NULL DEFAULT 0, added_by TEXT NOT NULL, added_at INTEGER NOT NULL,"
	    " PRIMARY KEY(group_id, org));"
	    "CREATE TABLE groups_posts(id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL,"
	    " parent_id INTEGER, author TEXT NOT NULL, org TEXT NOT NULL, text TEXT NOT NULL,"
	    " visibility TEXT NOT NULL CHECK(visibility IN ('internal','shared')),"
	    " created_at INTEGER NOT NULL);"
	    "CREATE INDEX groups_posts_group ON groups_posts(group_id, id);"
	    "CREATE TABLE groups_items(id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL,"
	    " kind TEXT NOT NULL CHECK(kind IN ('update','document','link','data')),"
	    " title TEXT NOT NULL, body TEXT NOT NULL DEFAULT '', url TEXT NOT NULL DEFAULT '',"
	    " visibility TEXT NOT NULL CHECK(visibility IN ('internal','shared')),"
	    " author TEXT NOT NULL, org TEXT NOT NULL, created_at INTEGER NOT NULL);"
	    "CREATE TABLE groups_plugins(group_id INTEGER NOT NULL, plugin TEXT NOT NULL,"
	    " enabled_by TEXT NOT NULL, enabled_at INTEGER NOT NULL, PRIMARY KEY(group_id, plugin));"
	    "CREATE TABLE groups_log(id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL,"
	    " at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, detail TEXT);"},
	{2, "ALTER TABLE groups_items ADD COLUMN file_name TEXT;"
	    "ALTER TABLE groups_items ADD COLUMN file_size INTEGER;"},
	{0, NULL}};

static char files_dir[512] = "var/files"; /* uploaded documents, one file per item */

/* ---------------- the loop's copy of every group ---------------- */

typedef struct gmember {
	char org[17];
	int lead, partner;
} gmember;

typedef struct group {
	int64_t id;
	int archived, ad_hoc;
	char end_date[11];
	gmember *m;
	size_t n_m;
	char (*plugins)[33];
	size_t n_plugins;
} group;

static group **groups;
static size_t n_groups, cap_groups;

static group *gfind(int64_t id)
{
	for (size_t i = 0; i < n_groups; i++)
		if (groups[i]->id == id)
			return groups[i];
	return NULL;
}

static void gfree(group *g)
{
	free(g->m);
	free(g->plugins);
	free(g);
}

/* Replaces (or adds) the copy of a group from a snapshot
 * {group: row, members: [{org, role, partner}], plugins: [{plugin}]}. */
static void gsync(const json_t *snap)
{
	const json_t *row = json_object_get(snap, "group");
	int64_t id = json_integer_value(json_object_get(row, "id"));
	group *g = gfind(id);
	if (!g) {
		if (n_groups == cap_groups) {
			size_t nc = cap_groups ? cap_groups * 2 : 16;
			group **ng = realloc(groups, nc * sizeof(*ng));
			if (!ng)
				return;
			groups = ng;
			cap_groups = nc;
		}
		g = calloc(1, sizeof(*g));
		g->id = id;
		groups[n_groups++] = g;
	}
	g->archived = (int)json_integer_value(json_object_get(row, "archived"));
	g->ad_hoc = !strcmp(json_string_value(json_object_get(row, "kind")), "ad_hoc");
	const char *ed = json_string_value(json_object_get(row, "end_date"));
	snprintf(g->end_date, sizeof(g->end_date), "%s", ed ? ed : "");
	const json_t *mem = json_object_get(snap, "members"), *pl = json_object_get(snap, "plugins");
	free(g->m);
	g->m = calloc(json_array_size(mem) + 1, sizeof(gmember));
	g->n_m = 0;
	size_t i;
	const json_t *x;
	json_array_foreach(mem, i, x)
	{
		gmember *m = &g->m[g->n_m++];
		snprintf(m->org, sizeof(m->org), "%s", json_string_value(json_object_get(x, "org")));
		m->lead = !strcmp(json_string_value(json_object_get(x, "role")), "lead");
		m->partner = (int)json_integer_value(json_object_get(x, "partner"));
	}
	free(g->plugins);
	g->plugins = calloc(json_array_size(pl) + 1, 33);
	g->n_plugins = 0;
	json_array_foreach(pl, i, x)
		snprintf(g->plugins[g->n_plugins++], 33, "%s", json_string_value(json_object_get(x, "plugin")));
}

static const gmember *member_of(const group *g, const char *org)
{
	for (size_t i = 0; i < g->n_m; i++)
		if (!strcmp(g->m[i].org, org))
			return &g->m[i];
	return NULL;
}

/* An ad-hoc group past its end date is archived, read-only. */
static int archived(const group *g)
{
	if (g->archived)
		return 1;
	char d[11];
	accord_today(api, d);
	return g->ad_hoc && g->end_date[0] && strcmp(d, g->end_date) > 0;
}

static int is_chair_or_secretariat(const accord_principal *w)
{
	return w && !api->principal_is_partner(w) &&
	       (api->principal_has_role(w, "co_chair") || api->principal_has_role(w, "secretariat"));
}

/* Who reaches the group: its organisations' people, co-chairs, secretariat. */
static int can_see(const group *g, const accord_principal *w)
{
	return g && w && (is_chair_or_secretariat(w) || member_of(g, api->principal_org(w)));
}

static int can_manage(const group *g, const accord_principal *w)
{
	if (!g || !w)
		return 0;
	if (is_chair_or_secretariat(w))
		return 1;
	const gmember *m = member_of(g, api->principal_org(w));
	return m && m->lead && !m->partner;
}

/* Partners of the group see shared things only. */
static int sees_internal(const group *g, const accord_principal *w)
{
	if (api->principal_is_partner(w))
		return 0;
	return can_see(g, w);
}

static accord_status provider(accord_plugin_ctx *p, const accord_principal *w, int64_t id,
			      const char *plugin, void *ud)
{
	(void)p;
	(void)ud;
	group *g = gfind(id);
	if (!can_see(g, w))
		return ACCORD_E_NOT_FOUND;
	if (!plugin)
		return ACCORD_OK;
	for (size_t i = 0; i < g->n_plugins; i++)
		if (!strcmp(g->plugins[i], plugin))
			return ACCORD_OK;
	return ACCORD_E_NOT_FOUND;
}

static int provider_writable(accord_plugin_ctx *p, int64_t id, void *ud)
{
	(void)p;
	(void)ud;
	group *g = gfind(id);
	return g && !archived(g);
}

/* The organisations of a group, for plugins that name one of them (the
 * owner of an action item). */
static json_t *provider_orgs(accord_plugin_ctx *p, int64_t id, void *ud)
{
	(void)p;
	(void)ud;
	group *g = gfind(id);
	if (!g)
		return NULL;
	json_t *a = json_array();
	for (size_t i = 0; i < g->n_m; i++)
		json_array_append_new(a, json_pack("{s:s,s:b,s:b}", "org", g->m[i].org, "lead",
						   g->m[i].lead, "partner", g->m[i].partner));
	return a;
}

static accord_status check_topic(accord_plugin_ctx *p, const accord_principal *w, const char *topic,
				 void *ud)
{
	(void)p;
	(void)ud;
	char *end;
	if (strncmp(topic, "group:", 6))
		return ACCORD_E_NOT_FOUND;
	long long id = strtoll(topic + 6, &end, 10);
	return !*end && can_see(gfind(id), w) ? ACCORD_OK : ACCORD_E_NOT_FOUND;
}

/* The audience of a room event: internal things reach the group's member
 * organisations (and co-chairs, secretariat), shared ones its partners too. */
static accord_audience *audience_for(const group *g, int shared)
{
	accord_audience *a = api->audience_new();
	if (!shared)
		api->audience_members_only(a);
	for (size_t i = 0; i < g->n_m; i++)
		if (shared || !g->m[i].partner)
			api->audience_add_org(a, g->m[i].org);
	api->audience_add_role(a, "co_chair");
	api->audience_add_role(a, "secretariat");
	return a;
}

static void room_event(const group *g, const char *event, json_t *data, int shared)
{
	char topic[40];
	snprintf(topic, sizeof(topic), "group:%lld", (long long)g->id);
	accord_audience *a = audience_for(g, shared);
	api->publish(self, topic, event, data, a);
	api->audience_free(a);
}

/* ---------------- request plumbing ---------------- */

typedef struct job {
	accord_req *req;
	int64_t id;
	char actor[64], org[17];
	int internal_ok; /* the caller sees internal things */
	json_t *in;
	accord_status (*work)(accord_txn *, struct job *, json_t **);
	void (*after)(struct job *, json_t *);
	char retry_key[160];
	int duplicate; /* done before: out is the earlier reply */
} job;

static accord_status job_work_call(accord_txn *txn, void *ud, json_t **out)
{
	job *j = ud;
	return j->work(txn, j, out);
}

/* A retried request that was done before is answered from its record. */
static accord_status job_work(accord_txn *txn, void *ud, json_t **out)
{
	job *j = ud;
	return accord_retry_work(api, txn, j->retry_key[0] ? j->retry_key : NULL, out, &j->duplicate,
				 job_work_call, j);
}

static void job_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)p;
	job *j = ud;
	const char *msg = out ? json_string_value(json_object_get(out, "message")) : NULL;
	if (st == ACCORD_OK) {
		if (j->after && !j->duplicate)
			j->after(j, out);
		api->reply_ok(j->req, json_incref(out));
	} else
		api->reply_error(j->req, st, msg ? msg : st == ACCORD_E_NOT_FOUND ? "no such group"
							: "could not save");
	json_decref(out);
	json_decref(j->in);
	free(j);
}

static void run(accord_req *req, int64_t id, json_t *in, accord_status (*work)(accord_txn *, job *, json_t **),
		void (*after)(job *, json_t *))
{
	job *j = calloc(1, sizeof(*j));
	const accord_principal *w = api->req_principal(req);
	j->req = req;
	j->id = id;
	j->in = in;
	j->work = work;
	j->after = after;
	snprintf(j->actor, sizeof(j->actor), "%s", api->principal_login(w));
	snprintf(j->org, sizeof(j->org), "%s", api->principal_org(w));
	j->internal_ok = sees_internal(gfind(id), w);
	accord_retry_key(api, req, j->retry_key, sizeof(j->retry_key));
	if (api->db_run(self, job_work, job_done, j)) {
		json_decref(in);
		free(j);
		api->reply_error(req, ACCORD_E_UNAVAILABLE, "the server is busy, try again");
	}
}

static accord_status fail(json_t **out, accord_status st, const char *msg)
{
	*out = json_pack("{s:s}", "message", msg);
	return st;
}

static const char *str_arg(accord_req *req, const json_t *d, const char *key, size_t max, int required)
{
	const json_t *v = json_object_get(d, key);
	if (!v && !required)
		return "";
	if (json_is_string(v) && json_string_length(v) <= max && (json_string_length(v) || !required))
		return json_string_value(v);
	char msg[128];
	snprintf(msg, sizeof(msg), "%s: %s string of at most %zu bytes", key,
		 required ? "a required non-empty" : "a", max);
	api->reply_error(req, ACCORD_E_BAD_REQUEST, msg);
	return NULL;
}

/* The group named by data.group, visible to the caller; else not_found. */
static group *arg_group(accord_req *req, const json_t *d)
{
	const json_t *v = json_object_get(d, "group");
	if (!json_is_integer(v)) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "group: required integer id");
		return NULL;
	}
	group *g = gfind(json_integer_value(v));
	if (!can_see(g, api->req_principal(req))) {
		api->reply_error(req, ACCORD_E_NOT_FOUND, "no such group");
		return NULL;
	}
	return g;
}

static int writable(accord_req *req, const group *g)
{
	if (!archived(g))
		return 1;
	api->reply_error(req, ACCORD_E_CONFLICT, "the group is archived: read-only");
	return 0;
}

static int manager(accord_req *req, const group *g)
{
	if (can_manage(g, api->req_principal(req)))
		return 1;
	api->reply_error(req, ACCORD_E_FORBIDDEN,
			 "co-chairs, the secretariat and the group's lead organisation manage it");
	return 0;
}

static int valid_date(const char *s)
{
	return strlen(s) == 10 && s[4] == '-' && s[7] == '-';
}

static accord_status log_action(accord_txn *txn, job *j, const char *action, const char *detail)
{
	return accord_exec(api, txn, "INSERT INTO groups_log(group_id, at, actor, action, detail) VALUES(?,?,?,?,?)",
		    json_pack("[I,I,s,s,s?]", (json_int_t)j->id, (json_int_t)api->now_ms(), j->actor,
			      action, detail),
		    NULL);
}

/* {group, members, plugins} of one group. */
static accord_status snapshot(accord_txn *txn, int64_t id, json_t **out)
{
	json_t *rows = NULL, *mem = NULL, *pl = NULL;
	accord_status st = accord_exec(api, txn,
				"SELECT id, name, mandate, kind, end_date, archived, created_by, created_at"
				" FROM groups_groups WHERE id=?",
				json_pack("[I]", (json_int_t)id), &rows);
	if (st != ACCORD_OK || !json_array_size(rows)) {
		json_decref(rows);
		return st != ACCORD_OK ? st : ACCORD_E_NOT_FOUND;
	}
	accord_exec(api, txn, "SELECT org, role, partner FROM groups_members WHERE group_id=? ORDER BY role, org",
	     json_pack("[I]", (json_int_t)id), &mem);
	accord_exec(api, txn, "SELECT plugin FROM groups_plugins WHERE group_id=? ORDER BY plugin",
	     json_pack("[I]", (json_int_t)id), &pl);
	*out = json_pack("{s:O,s:o,s:o}", "group", json_array_get(rows, 0), "members",
			 mem ? mem : json_array(), "plugins", pl ? pl : json_array());
	json_decref(rows);
	return ACCORD_OK;
}

/* The reply view of a snapshot. */
static json_t *view(const json_t *snap)
{
	json_t *g = json_deep_copy(json_object_get(snap, "group"));
	group *mem = gfind(json_integer_value(json_object_get(g, "id")));
	json_object_set_new(g, "archived", json_boolean(mem ? archived(mem) : 0));
	json_t *members = json_array(), *plugins = json_array();
	size_t i;
	const json_t *x;
	json_array_foreach(json_object_get(snap, "members"), i, x)
		json_array_append_new(members, json_pack("{s:O,s:O,s:b}", "org", json_object_get(x, "org"), "role",
							 json_object_get(x, "role"), "partner",
							 (int)json_integer_value(json_object_get(x, "partner"))));
	json_array_foreach(json_object_get(snap, "plugins"), i, x)
		json_array_append(plugins, json_object_get(x, "plugin"));
	json_object_set_new(g, "members", members);
	json_object_set_new(g, "plugins", plugins);
	return json_pack("{s:o}", "group", g);
}

static void after_snapshot(job *j, json_t *out)
{
	/* "groups": the lists of groups follow without a reload.  Its
	 * audience is the group's organisations before and after the change
	 * (one removed learns its list changed too), co-chairs and the
	 * secretariat. */
	accord_audience *list = api->audience_new();
	api->audience_add_role(list, "co_chair");
	api->audience_add_role(list, "secretariat");
	const group *before = j->id ? gfind(j->id) : NULL;
	for (size_t i = 0; before && i < before->n_m; i++)
		api->audience_add_org(list, before->m[i].org);
	gsync(out);
	group *g = gfind(j->id ? j->id : json_integer_value(json_object_get(json_object_get(out, "group"), "id")));
	json_t *v = view(out);
	accord_replace(out, v);
	api->acl_changed(self);
	if (g) {
		room_event(g, "groups.changed", json_pack("{s:I}", "group", (json_int_t)g->id), 1);
		for (size_t i = 0; i < g->n_m; i++)
			api->audience_add_org(list, g->m[i].org);
		api->publish(self, "groups", "groups.listed", json_pack("{s:I}", "group", (json_int_t)g->id), list);
	}
	api->audience_free(list);
}

/* "groups": anyone logged in may follow it; each event's audience says who
 * gets it. */
static accord_status check_list_topic(accord_plugin_ctx *p, const accord_principal *w, const char *topic,
				      void *ud)
{
	(void)p;
	(void)ud;
	return w && !strcmp(topic, "groups") ? ACCORD_OK : ACCORD_E_NOT_FOUND;
}

/* Adds org to group j->id in the transaction; reads its standing. */
static accord_status add_member(accord_txn *txn, job *j, const char *org, const char *role, json_t **out)
{
	json_t *o = NULL;
	accord_status st = members->org(txn, org, &o);
	int found = st == ACCORD_OK && json_is_true(json_object_get(o, "active"));
	const char *standing = json_string_value(json_object_get(o, "standing"));
	int partner = found && standing && !strcmp(standing, "partner");
	json_decref(o);
	if (st != ACCORD_OK && st != ACCORD_E_NOT_FOUND)
		return st;
	if (!found) {
		char msg[96];
		snprintf(msg, sizeof(msg), "org: no active organisation %s", org);
		return fail(out, ACCORD_E_BAD_REQUEST, msg);
	}
	if (partner && !strcmp(role, "lead"))
		return fail(out, ACCORD_E_BAD_REQUEST, "a partner organisation cannot lead a group");
	st = accord_exec(api, txn,
		  "INSERT INTO groups_members(group_id, org, role, partner, added_by, added_at)"
		  " VALUES(?,?,?,?,?,?) ON CONFLICT(group_id, org) DO UPDATE SET role=excluded.role",
		  json_pack("[I,s,s,i,s,I]", (json_int_t)j->id, org, role, partner, j->actor,
			    (json_int_t)api->now_ms()),
		  NULL);
	return st == ACCORD_OK ? log_action(txn, j, "member.add", org) : st;
}

/* ---------------- groups.create / update / archive / list / get ---------------- */

static accord_status create_work(accord_txn *txn, job *j, json_t **out)
{
	const json_t *in = j->in;
	accord_status st = accord_exec(api, txn,
				"INSERT INTO groups_groups(name, mandate, kind, end_date, created_by, created_at)"
				" VALUES(?,?,?,?,?,?)",
				json_pack("[O,O,O,O,s,I]", json_object_get(in, "name"),
					  json_object_get(in, "mandate"), json_object_get(in, "kind"),
					  json_object_get(in, "end_date"), j->actor, (json_int_t)api->now_ms()),
				NULL);
	if (st != ACCORD_OK)
		return st;
	j->id = api->txn_last_id(txn);
	size_t i;
	const json_t *v;
	json_array_foreach(json_object_get(in, "leads"), i, v)
		if ((st = add_member(txn, j, json_string_value(v), "lead", out)) != ACCORD_OK)
			return st;
	json_array_foreach(json_object_get(in, "members"), i, v)
		if ((st = add_member(txn, j, json_string_value(v), "member", out)) != ACCORD_OK)
			return st;
	if ((st = log_action(txn, j, "create", NULL)) != ACCORD_OK)
		return st;
	return snapshot(txn, j->id, out);
}

static int org_list(accord_req *req, const json_t *d, const char *key, int required)
{
	const json_t *v = json_object_get(d, key);
	size_t i;
	const json_t *x;
	if (!v && !required)
		return 0;
	if (!json_is_array(v) || (required && !json_array_size(v)) || json_array_size(v) > 100)
		goto bad;
	json_array_foreach(v, i, x) if (!json_is_string(x) || json_string_length(x) < 2 ||
					 json_string_length(x) > 16) goto bad;
	return 0;
bad: {
	char msg[96];
	snprintf(msg, sizeof(msg), "%s: %san array of organisation codes", key, required ? "a non-empty " : "");
	api->reply_error(req, ACCORD_E_BAD_REQUEST, msg);
	return -1;
}
}

static void h_create(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	if (!is_chair_or_secretariat(api->req_principal(req))) {
		api->reply_error(req, ACCORD_E_FORBIDDEN, "co-chairs and the secretariat create working groups");
		return;
	}
	const char *name = str_arg(req, d, "name", 200, 1);
	const char *mandate = name ? str_arg(req, d, "mandate", 8000, 0) : NULL;
	const char *kind = mandate ? str_arg(req, d, "kind", 16, 1) : NULL;
	const char *end = kind ? str_arg(req, d, "end_date", 10, 0) : NULL;
	if (!end || org_list(req, d, "leads", 1) || org_list(req, d, "members", 0))
		return;
	if (strcmp(kind, "permanent") && strcmp(kind, "ad_hoc")) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "kind: permanent or ad_hoc");
		return;
	}
	if (!strcmp(kind, "ad_hoc") != (*end != 0) || (*end && !valid_date(end))) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST,
				 "end_date: YYYY-MM-DD, required for an ad_hoc group and only for it");
		return;
	}
	json_t *in = json_pack("{s:s,s:s,s:s,s:o,s:O}", "name", name, "mandate", mandate, "kind", kind,
			       "end_date", *end ? json_string(end) : json_null(), "leads",
			       json_object_get(d, "leads"));
	const json_t *members = json_object_get(d, "members");
	json_object_set_new(in, "members", members ? json_incref((json_t *)members) : json_array());
	run(req, 0, in, create_work, after_snapshot);
}

static accord_status update_work(accord_txn *txn, job *j, json_t **out)
{
	accord_status st = accord_exec(api, txn,
				"UPDATE groups_groups SET name=coalesce(?, name), mandate=coalesce(?, mandate),"
				" end_date=coalesce(?, end_date), archived=max(archived, ?) WHERE id=?",
				json_pack("[O,O,O,i,I]", accord_or_null(j->in, "name"), accord_or_null(j->in, "mandate"),
					  accord_or_null(j->in, "end_date"),
					  json_is_true(json_object_get(j->in, "archive")), (json_int_t)j->id),
				NULL);
	if (st == ACCORD_OK)
		st = log_action(txn, j, json_is_true(json_object_get(j->in, "archive")) ? "archive" : "update",
				NULL);
	return st == ACCORD_OK ? snapshot(txn, j->id, out) : st;
}

static void h_update(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	group *g = arg_group(req, d);
	if (!g || !manager(req, g) || !writable(req, g))
		return;
	json_t *in = json_object();
	const char *keys[] = {"name", "mandate", "end_date"};
	const size_t max[] = {200, 8000, 10};
	for (int i = 0; i < 3; i++) {
		const json_t *v = json_object_get(d, keys[i]);
		if (!v)
			continue;
		const char *s = str_arg(req, d, keys[i], max[i], 1);
		if (!s || (i == 2 && (!g->ad_hoc || !valid_date(s)))) {
			if (s)
				api->reply_error(req, ACCORD_E_BAD_REQUEST, "end_date: YYYY-MM-DD, ad_hoc groups only");
			json_decref(in);
			return;
		}
		json_object_set_new(in, keys[i], json_string(s));
	}
	run(req, g->id, in, update_work, after_snapshot);
}

static void h_archive(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	group *g = arg_group(req, d);
	if (!g || !manager(req, g) || !writable(req, g))
		return;
	run(req, g->id, json_pack("{s:b}", "archive", 1), update_work, after_snapshot);
}

static accord_status get_work(accord_txn *txn, job *j, json_t **out)
{
	return snapshot(txn, j->id, out);
}

static void get_after(job *j, json_t *out)
{
	(void)j;
	json_t *v = view(out);
	accord_replace(out, v);
}

static void h_get(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	group *g = arg_group(req, d);
	if (g)
		run(req, g->id, NULL, get_work, get_after);
}

static accord_status list_work(accord_txn *txn, job *j, json_t **out)
{
	json_t *rows = NULL;
	accord_status st = accord_exec(api, txn,
				"SELECT id, name, mandate, kind, end_date, archived FROM groups_groups"
				" WHERE id IN (SELECT value FROM json_each(?)) ORDER BY name",
				json_pack("[O]", json_object_get(j->in, "ids")), &rows);
	if (st != ACCORD_OK)
		return st;
	*out = json_pack("{s:o}", "groups", rows);
	return ACCORD_OK;
}

/* On the loop: the archived state (the loop's copy is not for threads). */
static void list_after(job *j, json_t *out)
{
	(void)j;
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(out, "groups"), i, r)
	{
		group *g = gfind(json_integer_value(json_object_get(r, "id")));
		json_object_set_new(r, "archived", json_boolean(g && archived(g)));
	}
}

static void h_list(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)d;
	(void)ud;
	/* From memory: the ids the caller may see; names come from get. */
	const accord_principal *w = api->req_principal(req);
	json_t *ids = json_array();
	for (size_t i = 0; i < n_groups; i++)
		if (can_see(groups[i], w))
			json_array_append_new(ids, json_integer(groups[i]->id));
	run(req, 0, json_pack("{s:o}", "ids", ids), list_work, list_after);
}

/* ---------------- members ---------------- */

static accord_status member_add_work(accord_txn *txn, job *j, json_t **out)
{
	accord_status st = add_member(txn, j, json_string_value(json_object_get(j->in, "org")),
				      json_string_value(json_object_get(j->in, "role")), out);
	return st == ACCORD_OK ? snapshot(txn, j->id, out) : st;
}

static void h_member_add(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	group *g = arg_group(req, d);
	const char *org, *role;
	if (!g || !manager(req, g) || !writable(req, g) || !(org = str_arg(req, d, "org", 16, 1)) ||
	    !(role = str_arg(req, d, "role", 8, 0)))
		return;
	if (*role && strcmp(role, "lead") && strcmp(role, "member")) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "role: lead or member");
		return;
	}
	run(req, g->id, json_pack("{s:s,s:s}", "org", org, "role", *role ? role : "member"), member_add_work,
	    after_snapshot);
}

static accord_status member_remove_work(accord_txn *txn, job *j, json_t **out)
{
	const char *org = json_string_value(json_object_get(j->in, "org"));
	accord_status st = accord_exec(api, txn, "DELETE FROM groups_members WHERE group_id=? AND org=?",
				json_pack("[I,s]", (json_int_t)j->id, org), NULL);
	if (st != ACCORD_OK)
		return st;
	if (!api->txn_changes(txn))
		return fail(out, ACCORD_E_NOT_FOUND, "that organisation is not in the group");
	st = log_action(txn, j, "member.remove", org);
	return st == ACCORD_OK ? snapshot(txn, j->id, out) : st;
}

static void h_member_remove(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	group *g = arg_group(req, d);
	const char *org;
	if (!g || !manager(req, g) || !writable(req, g) || !(org = str_arg(req, d, "org", 16, 1)))
		return;
	run(req, g->id, json_pack("{s:s}", "org", org), member_remove_work, after_snapshot);
}

/* ---------------- posts and items ---------------- */

static int visibility_arg(accord_req *req, const json_t *d, int *shared)
{
	const char *v = str_arg(req, d, "visibility", 10, 0);
	if (!v)
		return -1;
	int partner = api->principal_is_partner(api->req_principal(req));
	if (!*v)
		v = partner ? "shared" : "internal"; /* internal is the default */
	if (strcmp(v, "internal") && strcmp(v, "shared")) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "visibility: internal or shared");
		return -1;
	}
	*shared = !strcmp(v, "shared");
	if (partner && !*shared) {
		api->reply_error(req, ACCORD_E_FORBIDDEN, "partners post shared items only");
		return -1;
	}
	return 0;
}

static accord_status post_work(accord_txn *txn, job *j, json_t **out)
{
	const json_t *parent = json_object_get(j->in, "parent");
	if (parent) {
		json_t *rows = NULL;
		accord_exec(api, txn, "SELECT visibility FROM groups_posts WHERE id=? AND group_id=?",
		     json_pack("[O,I]", parent, (json_int_t)j->id), &rows);
		const char *vis = json_string_value(json_object_get(json_array_get(rows, 0), "visibility"));
		int ok = vis && (j->internal_ok || !strcmp(vis, "shared"));
		json_decref(rows);
		if (!ok)
			return fail(out, ACCORD_E_NOT_FOUND, "parent: no such post in this group");
	}
	int64_t now = api->now_ms();
	accord_status st = accord_exec(api, txn,
				"INSERT INTO groups_posts(group_id, parent_id, author, org, text, visibility,"
				" created_at) VALUES(?,?,?,?,?,?,?)",
				json_pack("[I,O,s,s,O,O,I]", (json_int_t)j->id, parent ? parent : json_null(),
					  j->actor, j->org, json_object_get(j->in, "text"),
					  json_object_get(j->in, "visibility"), (json_int_t)now),
				NULL);
	if (st != ACCORD_OK)
		return st;
	*out = json_pack("{s:{s:I,s:I,s:O,s:s,s:s,s:O,s:O,s:I}}", "post", "id", (json_int_t)api->txn_last_id(txn),
			 "group", (json_int_t)j->id, "parent", parent ? parent : json_null(), "author", j->actor,
			 "org", j->org, "text", json_object_get(j->in, "text"), "visibility",
			 json_object_get(j->in, "visibility"), "created_at", (json_int_t)now);
	return ACCORD_OK;
}

static void post_after(job *j, json_t *out)
{
	group *g = gfind(j->id);
	const json_t *post = json_object_get(out, "post");
	if (g)
		room_event(g, "groups.post", json_deep_copy(post),
			   !strcmp(json_string_value(json_object_get(post, "visibility")), "shared"));
}

static void h_post(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	group *g = arg_group(req, d);
	const char *text;
	int shared;
	if (!g || !writable(req, g) || !(text = str_arg(req, d, "text", 20000, 1)) ||
	    visibility_arg(req, d, &shared))
		return;
	const json_t *parent = json_object_get(d, "parent");
	if (parent && !json_is_integer(parent)) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "parent: a post id");
		return;
	}
	json_t *in = json_pack("{s:s,s:s}", "text", text, "visibility", shared ? "shared" : "internal");
	if (parent)
		json_object_set(in, "parent", (json_t *)parent);
	run(req, g->id, in, post_work, post_after);
}

static accord_status posts_work(accord_txn *txn, job *j, json_t **out)
{
	json_t *rows = NULL;
	const json_t *before = json_object_get(j->in, "before");
	accord_status st = accord_exec(api, txn,
				"SELECT id, parent_id AS parent, author, org, text, visibility, created_at"
				" FROM groups_posts WHERE group_id=? AND (? OR visibility='shared') AND id < ?"
				" ORDER BY id DESC LIMIT 200",
				json_pack("[I,i,I]", (json_int_t)j->id, j->internal_ok,
					  (json_int_t)(json_is_integer(before) ? json_integer_value(before) : INT64_MAX)),
				&rows);
	if (st == ACCORD_OK)
		*out = json_pack("{s:o}", "posts", rows);
	return st;
}

static void h_posts(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	group *g = arg_group(req, d);
	if (g)
		run(req, g->id, json_deep_copy(d), posts_work, NULL);
}

static accord_status item_work(accord_txn *txn, job *j, json_t **out)
{
	int64_t now = api->now_ms();
	const json_t *in = j->in;
	accord_status st = accord_exec(api, txn,
				"INSERT INTO groups_items(group_id, kind, title, body, url, visibility, author,"
				" org, created_at) VALUES(?,?,?,?,?,?,?,?,?)",
				json_pack("[I,O,O,O,O,O,s,s,I]", (json_int_t)j->id, json_object_get(in, "kind"),
					  json_object_get(in, "title"), json_object_get(in, "body"),
					  json_object_get(in, "url"), json_object_get(in, "visibility"), j->actor,
					  j->org, (json_int_t)now),
				NULL);
	if (st != ACCORD_OK)
		return st;
	json_t *item = json_deep_copy(in);
	json_object_set_new(item, "id", json_integer(api->txn_last_id(txn)));
	json_object_set_new(item, "group", json_integer(j->id));
	json_object_set_new(item, "author", json_string(j->actor));
	json_object_set_new(item, "org", json_string(j->org));
	json_object_set_new(item, "created_at", json_integer(now));
	*out = json_pack("{s:o}", "item", item);
	return ACCORD_OK;
}

static void item_after(job *j, json_t *out)
{
	group *g = gfind(j->id);
	const json_t *item = json_object_get(out, "item");
	if (g)
		room_event(g, "groups.item", json_deep_copy(item),
			   !strcmp(json_string_value(json_object_get(item, "visibility")), "shared"));
}

static void h_item_add(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	group *g = arg_group(req, d);
	const char *kind, *title, *body, *url;
	int shared;
	if (!g || !writable(req, g) || !(kind = str_arg(req, d, "kind", 10, 1)) ||
	    !(title = str_arg(req, d, "title", 300, 1)) || !(body = str_arg(req, d, "body", 20000, 0)) ||
	    !(url = str_arg(req, d, "url", 2000, 0)) || visibility_arg(req, d, &shared))
		return;
	if (strcmp(kind, "update") && strcmp(kind, "document") && strcmp(kind, "link") && strcmp(kind, "data")) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "kind: update, document, link or data");
		return;
	}
	if (*url && strncmp(url, "https://", 8) && strncmp(url, "http://", 7)) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "url: an http(s) address");
		return;
	}
	run(req, g->id,
	    json_pack("{s:s,s:s,s:s,s:s,s:s}", "kind", kind, "title", title, "body", body, "url", url,
		      "visibility", shared ? "shared" : "internal"),
	    item_work, item_after);
}

static accord_status items_work(accord_txn *txn, job *j, json_t **out)
{
	json_t *rows = NULL;
	accord_status st = accord_exec(api, txn,
				"SELECT id, kind, title, body, url, visibility, author, org, created_at,"
				" file_name, file_size FROM groups_items WHERE group_id=? AND (? OR visibility='shared')"
				" ORDER BY id DESC LIMIT 500",
				json_pack("[I,i]", (json_int_t)j->id, j->internal_ok), &rows);
	if (st == ACCORD_OK)
		*out = json_pack("{s:o}", "items", rows);
	return st;
}

static void h_items(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	group *g = arg_group(req, d);
	if (g)
		run(req, g->id, NULL, items_work, NULL);
}

/* ---------------- plugins per group ---------------- */

static accord_status plugin_work(accord_txn *txn, job *j, json_t **out)
{
	const char *name = json_string_value(json_object_get(j->in, "plugin"));
	int enable = json_is_true(json_object_get(j->in, "enable"));
	accord_status st = enable ? accord_exec(api, txn,
					 "INSERT OR IGNORE INTO groups_plugins(group_id, plugin, enabled_by,"
					 " enabled_at) VALUES(?,?,?,?)",
					 json_pack("[I,s,s,I]", (json_int_t)j->id, name, j->actor,
						   (json_int_t)api->now_ms()),
					 NULL)
				  : accord_exec(api, txn, "DELETE FROM groups_plugins WHERE group_id=? AND plugin=?",
					 json_pack("[I,s]", (json_int_t)j->id, name), NULL);
	if (st == ACCORD_OK)
		st = log_action(txn, j, enable ? "plugin.enable" : "plugin.disable", name);
	return st == ACCORD_OK ? snapshot(txn, j->id, out) : st;
}

static void plugins_toggle(accord_req *req, const json_t *d, int enable)
{
	group *g = arg_group(req, d);
	const char *name;
	if (!g || !manager(req, g) || !writable(req, g) || !(name = str_arg(req, d, "plugin", 32, 1)))
		return;
	if (!api->plugin_group_scoped(self, name)) {
		api->reply_error(req, ACCORD_E_NOT_FOUND, "no such group plugin installed");
		return;
	}
	run(req, g->id, json_pack("{s:s,s:b}", "plugin", name, "enable", enable), plugin_work, after_snapshot);
}

static void h_plugins_enable(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	plugins_toggle(req, d, 1);
}

static void h_plugins_disable(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	plugins_toggle(req, d, 0);
}

/* ---------------- documents: upload and download ---------------- */

/* POST /api/groups/files?group=G&title=T&name=FILE&visibility=V (bearer)
 * stores the body as a document item; GET /api/groups/files?item=ID
 * returns it to whoever may see the item.  Files are written and read on
 * the storage thread (never the loop), fsynced before the item commits. */
typedef struct fjob {
	accord_http *h;
	int64_t group, item;
	int partner, chair_or_secretariat;
	char actor[64], org[17], title[301], name[201], vis[10];
	char *data;    /* a download */
	size_t len;
	int body_fd;   /* an upload: the body's file, the core's (http_body_fd) */
} fjob;

/* The stored file of a document item, in files_dir. */
static void file_name(char *out, size_t n, int64_t item)
{
	snprintf(out, n, "item-%lld", (long long)item);
}


static accord_status upload_work(accord_txn *txn, void *ud, json_t **out)
{
	fjob *f = ud;
	int64_t now = api->now_ms();
	accord_status st = accord_exec(api, txn,
				"INSERT INTO groups_items(group_id, kind, title, visibility, author, org, created_at,"
				" file_name, file_size) VALUES(?,'document',?,?,?,?,?,?,?)",
				json_pack("[I,s,s,s,s,I,s,I]", (json_int_t)f->group, f->title, f->vis, f->actor,
					  f->org, (json_int_t)now, f->name, (json_int_t)f->len),
				NULL);
	if (st != ACCORD_OK)
		return st;
	f->item = api->txn_last_id(txn);
	char name[40];
	file_name(name, sizeof(name), f->item);
	if (accord_write_file_fd(files_dir, name, f->body_fd, f->len)) {
		api->log(self, ACCORD_LOG_ERR, "cannot store %s/%s: %s", files_dir, name, strerror(errno));
		return ACCORD_E_INTERNAL; /* the item row rolls back with the job */
	}
	*out = json_pack("{s:{s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:I}}", "item", "id",
			 (json_int_t)f->item, "group", (json_int_t)f->group, "kind", "document", "title",
			 f->title, "body", "", "url", "", "visibility", f->vis, "author", f->actor, "org",
			 f->org, "created_at", (json_int_t)now, "file_name", f->name, "file_size",
			 (json_int_t)f->len);
	return ACCORD_OK;
}


static void upload_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)p;
	fjob *f = ud;
	group *g = gfind(f->group);
	if (st == ACCORD_OK && g) {
		room_event(g, "groups.item", json_deep_copy(json_object_get(out, "item")),
			   !strcmp(f->vis, "shared"));
		accord_http_json(api, f->h, 200, json_incref(out));
	} else
		accord_http_json(api, f->h, 500, json_pack("{s:s}", "error", "internal"));
	json_decref(out);
	free(f->data);
	free(f);
}

static accord_status download_work(accord_txn *txn, void *ud, json_t **out)
{
	fjob *f = ud;
	json_t *rows = NULL;
	accord_status st = accord_exec(api, txn,
				"SELECT group_id, visibility, file_name, file_size FROM groups_items"
				" WHERE id=? AND file_name IS NOT NULL",
				json_pack("[I]", (json_int_t)f->item), &rows);
	json_t *r = json_array_get(rows, 0);
	if (st != ACCORD_OK || !r) {
		json_decref(rows);
		return ACCORD_E_NOT_FOUND;
	}
	f->group = json_integer_value(json_object_get(r, "group_id"));
	snprintf(f->vis, sizeof(f->vis), "%s", json_string_value(json_object_get(r, "visibility")));
	json_decref(rows);
	(void)out;
	char name[40];
	file_name(name, sizeof(name), f->item);
	return accord_read_file(files_dir, name, &f->data, &f->len) ? ACCORD_E_INTERNAL : ACCORD_OK;
}

static void download_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)p;
	json_decref(out);
	fjob *f = ud;
	/* Decided on the loop, where the group copy lives; a hidden item
	 * answers exactly like a missing one. */
	group *g = gfind(f->group);
	int in_group = g && (f->chair_or_secretariat || member_of(g, f->org));
	int visible = st == ACCORD_OK && in_group && (!f->partner || !strcmp(f->vis, "shared"));
	if (visible)
		api->http_respond(f->h, 200, "application/octet-stream", f->data, f->len);
	else
		accord_http_json(api, f->h, 404, json_pack("{s:s}", "error", "not_found"));
	free(f->data);
	free(f);
}

static void http_files(accord_plugin_ctx *p, accord_http *h, const accord_principal *w, void *ud)
{
	(void)ud;
	if (!w) {
		accord_http_json(api, h, 401, json_pack("{s:s}", "error", "unauthenticated"));
		return;
	}
	fjob *f = calloc(1, sizeof(*f));
	f->h = h;
	snprintf(f->actor, sizeof(f->actor), "%s", api->principal_login(w));
	snprintf(f->org, sizeof(f->org), "%s", api->principal_org(w));
	f->partner = api->principal_is_partner(w);
	f->chair_or_secretariat = is_chair_or_secretariat(w);
	if (!strcmp(api->http_method(h), "GET")) {
		const char *item = api->http_query(h, "item");
		f->item = item ? strtoll(item, NULL, 10) : 0;
		/* who may see it is decided after the read, on the loop */
		if (f->item <= 0 || api->db_run(p, download_work, download_done, f)) {
			free(f);
			accord_http_json(api, h, 404, json_pack("{s:s}", "error", "not_found"));
		}
		return;
	}
	const char *gs = api->http_query(h, "group"), *title = api->http_query(h, "title"),
		   *name = api->http_query(h, "name"), *vis = api->http_query(h, "visibility");
	group *g = gs ? gfind(strtoll(gs, NULL, 10)) : NULL;
	if (!can_see(g, w)) {
		free(f);
		accord_http_json(api, h, 404, json_pack("{s:s}", "error", "not_found"));
		return;
	}
	int partner = api->principal_is_partner(w);
	if (!vis || !*vis)
		vis = partner ? "shared" : "internal";
	const char *why = archived(g) ? "the group is archived: read-only"
			  : !title || !*title || strlen(title) > 300 ? "title: required, at most 300 bytes"
			  : !name || !*name || strlen(name) > 200 || strchr(name, '/') ? "name: a file name"
			  : strcmp(vis, "internal") && strcmp(vis, "shared") ? "visibility: internal or shared"
			  : partner && strcmp(vis, "shared") ? "partners post shared items only"
							      : NULL;
	if (why) {
		free(f);
		accord_http_json(api, h, archived(g) ? 409 : 400, json_pack("{s:s,s:s}", "error", "bad_request", "message", why));
		return;
	}
	/* The body stays in the core's file until the response: the storage
	 * thread copies it into files_dir, so no copy is held in memory. */
	f->body_fd = api->http_body_fd(h, &f->len);
	f->group = g->id;
	snprintf(f->title, sizeof(f->title), "%s", title);
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->vis, sizeof(f->vis), "%s", vis);
	if (api->db_run(p, upload_work, upload_done, f)) {
		free(f);
		accord_http_json(api, h, 503, json_pack("{s:s}", "error", "unavailable"));
	}
}

/* ---------------- start-up ---------------- */

static accord_status load_work(accord_txn *txn, void *ud, json_t **out)
{
	(void)ud;
	json_t *ids = NULL;
	accord_status st = accord_exec(api, txn, "SELECT id FROM groups_groups ORDER BY id", NULL, &ids);
	if (st != ACCORD_OK)
		return st;
	json_t *snaps = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(ids, i, r)
	{
		json_t *s = NULL;
		if (snapshot(txn, json_integer_value(json_object_get(r, "id")), &s) == ACCORD_OK)
			json_array_append_new(snaps, s);
	}
	json_decref(ids);
	*out = snaps;
	return ACCORD_OK;
}

static void load_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)p;
	(void)ud;
	size_t i;
	json_t *s;
	if (st == ACCORD_OK)
		json_array_foreach(out, i, s) gsync(s);
	api->log(self, ACCORD_LOG_INFO, "%zu working groups loaded", n_groups);
	json_decref(out);
}

/* What partners see of a released post or item: its text and the group's
 * name, never the group's other contents. */
static accord_status describe_post(accord_txn *txn, const char *id, json_t **out, void *ud)
{
	(void)ud;
	return accord_describe_row(api, txn,
				   "SELECT p.id, g.name AS group_name, p.org, p.text, p.created_at"
				   " FROM groups_posts p JOIN groups_groups g ON g.id=p.group_id WHERE p.id=?",
				   id, 1, out);
}

static accord_status describe_item(accord_txn *txn, const char *id, json_t **out, void *ud)
{
	(void)ud;
	return accord_describe_row(api, txn,
				   "SELECT i.id, g.name AS group_name, i.org, i.kind, i.title, i.body, i.url,"
				   " i.file_name, i.file_size, i.created_at"
				   " FROM groups_items i JOIN groups_groups g ON g.id=i.group_id WHERE i.id=?",
				   id, 1, out);
}

static accord_status init(accord_plugin_ctx *p, const accord_host_api *host, const json_t *cfg)
{
	api = host;
	self = p;
	if (ACCORD_API_HAS(api, item_kind) &&
	    (api->item_kind(p, "post", describe_post, NULL) ||
	     api->item_kind(p, "item", describe_item, NULL)))
		return ACCORD_E_INTERNAL;
	if (!ACCORD_API_HAS(api, http_route_partner) || !ACCORD_API_HAS(api, http_body_fd) ||
	    !ACCORD_API_HAS(api, service_import))
		return ACCORD_E_INTERNAL;
	members = api->service_import(p, ACCORD_SVC_MEMBERS, ACCORD_SVC_MEMBERS_V);
	if (!members || groups_service_init(api, p))
		return ACCORD_E_INTERNAL;
	/* partner: 1 where partners of a group may call it (they see and add
	 * shared things only); the core refuses partners everything else. */
	struct {
		const char *verb;
		accord_request_fn fn;
		int partner;
	} hs[] = {{"create", h_create, 0},         {"update", h_update, 0},
		  {"archive", h_archive, 0},       {"list", h_list, 1},
		  {"get", h_get, 1},               {"member.add", h_member_add, 0},
		  {"member.remove", h_member_remove, 0}, {"post", h_post, 1},
		  {"posts", h_posts, 1},           {"item.add", h_item_add, 1},
		  {"items", h_items, 1},           {"plugins.enable", h_plugins_enable, 0},
		  {"plugins.disable", h_plugins_disable, 0}};
	for (size_t i = 0; i < sizeof(hs) / sizeof(hs[0]); i++) {
		char type[64];
		snprintf(type, sizeof(type), "groups.%s", hs[i].verb);
		if (api->handle(p, type, hs[i].fn, hs[i].partner ? ACCORD_REQ_PARTNER : 0, NULL))
			return ACCORD_E_INTERNAL;
	}
	const json_t *fd = json_object_get(cfg, "files_dir");
	if (fd && (!json_is_string(fd) || !json_string_length(fd) || json_string_length(fd) >= sizeof(files_dir))) {
		api->log(p, ACCORD_LOG_ERR, "plugins.enabled.groups.files_dir: expected a directory path");
		return ACCORD_E_BAD_REQUEST;
	}
	if (fd)
		snprintf(files_dir, sizeof(files_dir), "%s", json_string_value(fd));
	if (api->topic_register(p, "group", check_topic, NULL) ||
	    api->topic_register(p, "groups", check_list_topic, NULL) || api->group_provider(p, provider, NULL) ||
	    api->group_provider_writable(p, provider_writable, NULL) ||
	    (ACCORD_API_HAS(api, group_provider_orgs) &&
	     api->group_provider_orgs(p, provider_orgs, NULL)) ||
	    api->http_route_partner(p, "files", http_files, NULL))
		return ACCORD_E_INTERNAL;
	api->db_run(p, load_work, load_done, NULL);
	return ACCORD_OK;
}

static void fini(accord_plugin_ctx *p)
{
	(void)p;
	for (size_t i = 0; i < n_groups; i++)
		gfree(groups[i]);
	free(groups);
	groups = NULL;
	n_groups = cap_groups = 0;
}

static const accord_service_ref provides[] = {{ACCORD_SVC_GROUPS, ACCORD_SVC_GROUPS_V, 0},
					      {NULL, 0, 0}};
static const accord_service_ref requires[] = {{ACCORD_SVC_MEMBERS, ACCORD_SVC_MEMBERS_V, 0},
					      {NULL, 0, 0}};

static const accord_plugin desc = {
	.abi_major = ACCORD_ABI_MAJOR,
	.struct_size = sizeof(accord_plugin),
	.name = "groups",
	.version = "1.0.0",
	.description = "working groups: rooms, posts, shared items, plugins per group",
	.init = init,
	.fini = fini,
	.migrations = migrations,
	.provides = provides,
	.requires = requires,
};

ACCORD_EXPORT const accord_plugin *accord_plugin_entry(void) { return &desc; }
