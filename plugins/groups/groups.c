/*
 * Groups: the groups themselves.  groups.create, .update, .archive, .get,
 * .list, and the plugins enabled per group; the snapshot of a group that
 * replies and the loop's copy are made from.
 */
#include "groups.h"

/* {group, members, plugins} of one group. */
accord_status groups__snapshot(accord_txn *txn, int64_t id, json_t **out)
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
	group *mem = provider__find(json_integer_value(json_object_get(g, "id")));
	json_object_set_new(g, "archived", json_boolean(mem ? provider__archived(mem) : 0));
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

void groups__changed(job *j, json_t *out)
{
	/* "groups": the lists of groups follow without a reload.  Its
	 * audience is the group's organisations before and after the change
	 * (one removed learns its list changed too), co-chairs and the
	 * secretariat. */
	accord_audience *list = api->audience_new();
	api->audience_add_role(list, "co_chair");
	api->audience_add_role(list, "secretariat");
	const group *before = j->id ? provider__find(j->id) : NULL;
	for (size_t i = 0; before && i < before->n_m; i++)
		api->audience_add_org(list, before->m[i].org);
	provider__sync(out);
	group *g = provider__find(
		j->id ? j->id
		      : json_integer_value(json_object_get(json_object_get(out, "group"), "id")));
	json_t *v = view(out);
	accord_replace(out, v);
	api->acl_changed(self);
	if (g) {
		request__room_event(g, "groups.changed",
				    json_pack("{s:I}", "group", (json_int_t)g->id), 1);
		for (size_t i = 0; i < g->n_m; i++)
			api->audience_add_org(list, g->m[i].org);
		api->publish(self, "groups", "groups.listed", json_pack("{s:I}", "group", (json_int_t)g->id), list);
	}
	api->audience_free(list);
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
		if ((st = members__add(txn, j, json_string_value(v), "lead", out)) != ACCORD_OK)
			return st;
	json_array_foreach(json_object_get(in, "members"), i, v)
		if ((st = members__add(txn, j, json_string_value(v), "member", out)) != ACCORD_OK)
			return st;
	if ((st = request__log(txn, j, "create", NULL)) != ACCORD_OK)
		return st;
	return groups__snapshot(txn, j->id, out);
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
	gwho who;
	const gwho *w = provider__who(api->req_principal(req), &who);
	if (!w || !w->chair_or_secretariat) {
		api->reply_error(req, ACCORD_E_FORBIDDEN, "co-chairs and the secretariat create working groups");
		return;
	}
	const char *name = request__str(req, d, "name", 200, 1);
	const char *mandate = name ? request__str(req, d, "mandate", 8000, 0) : NULL;
	const char *kind = mandate ? request__str(req, d, "kind", 16, 1) : NULL;
	const char *end = kind ? request__str(req, d, "end_date", 10, 0) : NULL;
	if (!end || org_list(req, d, "leads", 1) || org_list(req, d, "members", 0))
		return;
	if (strcmp(kind, "permanent") && strcmp(kind, "ad_hoc")) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "kind: permanent or ad_hoc");
		return;
	}
	if (!strcmp(kind, "ad_hoc") != (*end != 0) || (*end && !request__valid_date(end))) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST,
				 "end_date: YYYY-MM-DD, required for an ad_hoc group and only for it");
		return;
	}
	json_t *in = json_pack("{s:s,s:s,s:s,s:o,s:O}", "name", name, "mandate", mandate, "kind", kind,
			       "end_date", *end ? json_string(end) : json_null(), "leads",
			       json_object_get(d, "leads"));
	const json_t *members = json_object_get(d, "members");
	json_object_set_new(in, "members", members ? json_incref((json_t *)members) : json_array());
	request__run(req, 0, in, create_work, groups__changed);
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
		st = request__log(txn, j,
				  json_is_true(json_object_get(j->in, "archive")) ? "archive" : "update",
				  NULL);
	return st == ACCORD_OK ? groups__snapshot(txn, j->id, out) : st;
}

static void h_update(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	group *g = request__group(req, d);
	if (!g || !request__manager(req, g) || !request__writable(req, g))
		return;
	json_t *in = json_object();
	const char *keys[] = {"name", "mandate", "end_date"};
	const size_t max[] = {200, 8000, 10};
	for (int i = 0; i < 3; i++) {
		const json_t *v = json_object_get(d, keys[i]);
		if (!v)
			continue;
		const char *s = request__str(req, d, keys[i], max[i], 1);
		if (!s || (i == 2 && (!g->ad_hoc || !request__valid_date(s)))) {
			if (s)
				api->reply_error(req, ACCORD_E_BAD_REQUEST, "end_date: YYYY-MM-DD, ad_hoc groups only");
			json_decref(in);
			return;
		}
		json_object_set_new(in, keys[i], json_string(s));
	}
	request__run(req, g->id, in, update_work, groups__changed);
}

static void h_archive(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	group *g = request__group(req, d);
	if (!g || !request__manager(req, g) || !request__writable(req, g))
		return;
	request__run(req, g->id, json_pack("{s:b}", "archive", 1), update_work, groups__changed);
}

static accord_status get_work(accord_txn *txn, job *j, json_t **out)
{
	return groups__snapshot(txn, j->id, out);
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
	group *g = request__group(req, d);
	if (g)
		request__run(req, g->id, NULL, get_work, get_after);
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
		group *g = provider__find(json_integer_value(json_object_get(r, "id")));
		json_object_set_new(r, "archived", json_boolean(g && provider__archived(g)));
	}
}

static void h_list(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)d;
	(void)ud;
	/* From memory: the ids the caller may see; names come from get. */
	json_t *ids = provider__visible_ids(api->req_principal(req));
	json_t *in = ids ? json_pack("{s:o}", "ids", ids) : NULL;
	if (!in) {
		api->reply_error(req, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	request__run(req, 0, in, list_work, list_after);
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
		st = request__log(txn, j, enable ? "plugin.enable" : "plugin.disable", name);
	return st == ACCORD_OK ? groups__snapshot(txn, j->id, out) : st;
}

static void plugins_toggle(accord_req *req, const json_t *d, int enable)
{
	group *g = request__group(req, d);
	const char *name;
	if (!g || !request__manager(req, g) || !request__writable(req, g) ||
	    !(name = request__str(req, d, "plugin", 32, 1)))
		return;
	if (!api->plugin_group_scoped(self, name)) {
		api->reply_error(req, ACCORD_E_NOT_FOUND, "no such group plugin installed");
		return;
	}
	request__run(req, g->id, json_pack("{s:s,s:b}", "plugin", name, "enable", enable),
		     plugin_work, groups__changed);
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

int groups__init(accord_plugin_ctx *p)
{
	return api->handle(p, "groups.create", h_create, 0, NULL) ||
	       api->handle(p, "groups.update", h_update, 0, NULL) ||
	       api->handle(p, "groups.archive", h_archive, 0, NULL) ||
	       api->handle(p, "groups.list", h_list, ACCORD_REQ_PARTNER, NULL) ||
	       api->handle(p, "groups.get", h_get, ACCORD_REQ_PARTNER, NULL) ||
	       api->handle(p, "groups.plugins.enable", h_plugins_enable, 0, NULL) ||
	       api->handle(p, "groups.plugins.disable", h_plugins_disable, 0, NULL);
}
