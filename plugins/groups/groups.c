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
	accord_status st = accord_exec(
		api, txn,
		"SELECT id, name, mandate, kind, end_date, archived, created_by, created_at"
		" FROM groups_groups WHERE id=?",
		json_pack("[I]", (json_int_t)id), &rows);
	if (st != ACCORD_OK || !json_array_size(rows)) {
		json_decref(rows);
		return st != ACCORD_OK ? st : ACCORD_E_NOT_FOUND;
	}
	st = accord_exec(
		api, txn,
		"SELECT org, role, partner FROM groups_members WHERE group_id=? ORDER BY role, org",
		json_pack("[I]", (json_int_t)id), &mem);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "SELECT plugin FROM groups_plugins WHERE group_id=? ORDER BY plugin",
				 json_pack("[I]", (json_int_t)id), &pl);
	if (st != ACCORD_OK) { /* never a copy with members or plugins missing */
		json_decref(rows);
		json_decref(mem);
		json_decref(pl);
		return st;
	}
	*out = json_pack("{s:O,s:o,s:o}", "group", json_array_get(rows, 0), "members",
			 mem ? mem : json_array(), "plugins", pl ? pl : json_array());
	json_decref(rows);
	return *out ? ACCORD_OK : ACCORD_E_INTERNAL;
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
		json_array_append_new(
			members, json_pack("{s:O,s:O,s:b}", "org", json_object_get(x, "org"),
					   "role", json_object_get(x, "role"), "partner",
					   (int)json_integer_value(json_object_get(x, "partner"))));
	/* A plugin removed (live) is disabled for its groups: not shown, and
	 * the core refuses its requests; its row stays, so installing it
	 * again enables it again where it was. */
	json_array_foreach(json_object_get(snap, "plugins"), i, x) {
		const char *name = json_string_value(json_object_get(x, "plugin"));
		if (name && api->plugin_group_scoped(self, name))
			json_array_append(plugins, json_object_get(x, "plugin"));
	}
	json_object_set_new(g, "members", members);
	json_object_set_new(g, "plugins", plugins);
	return json_pack("{s:o}", "group", g);
}

accord_status groups__changed(accord_job *j, json_t **out)
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
	provider__sync(*out);
	group *g = provider__find(
		j->id ? j->id
		      : json_integer_value(json_object_get(json_object_get(*out, "group"), "id")));
	json_t *v = view(*out);
	accord_replace(*out, v);
	api->acl_changed(self);
	if (g) {
		request__room_event(g, "groups.changed",
				    json_pack("{s:I}", "group", (json_int_t)g->id), 1);
		for (size_t i = 0; i < g->n_m; i++)
			api->audience_add_org(list, g->m[i].org);
		api->publish(self, "groups", "groups.listed",
			     json_pack("{s:I}", "group", (json_int_t)g->id), list);
	}
	api->audience_free(list);
	return ACCORD_OK;
}

/* ---------------- groups.create / update / archive / list / get ---------------- */

static accord_status create_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *in = j->in;
	accord_status st = accord_exec(
		api, txn,
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

static const char *const KINDS[] = {"permanent", "ad_hoc", NULL};
static const accord_arg org_code = {.type = ACCORD_ARG_STRING, .min = 2, .max = 16};

static const accord_arg create_args[] = {
	{.name = "name", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 200},
	{.name = "mandate", .type = ACCORD_ARG_STRING, .max = 8000},
	{.name = "kind", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .one_of = KINDS},
	{.name = "end_date", .type = ACCORD_ARG_DATE},
	{.name = "leads",
	 .type = ACCORD_ARG_ARRAY,
	 .flags = ACCORD_ARG_REQUIRED,
	 .min = 1,
	 .max = 100,
	 .each = &org_code,
	 .says = "expected a non-empty array of organisation codes"},
	{.name = "members",
	 .type = ACCORD_ARG_ARRAY,
	 .max = 100,
	 .each = &org_code,
	 .says = "expected an array of organisation codes"},
	{0}};

/* Co-chairs and the secretariat create working groups. */
static int may_create(accord_req *req, const json_t *d)
{
	(void)d;
	gwho who;
	const gwho *w = provider__who(api->req_principal(req), &who);
	if (w && w->chair_or_secretariat)
		return 1;
	api->reply_error(req, ACCORD_E_FORBIDDEN,
			 "co-chairs and the secretariat create working groups");
	return 0;
}

static void h_create(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	const char *kind = json_string_value(json_object_get(d, "kind"));
	const json_t *end = json_object_get(d, "end_date");
	if (!strcmp(kind, "ad_hoc") != (end != NULL)) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST,
				 "end_date: YYYY-MM-DD, required for an ad_hoc group and only for it");
		return;
	}
	const json_t *mandate = json_object_get(d, "mandate"),
		     *members = json_object_get(d, "members");
	json_t *in = json_pack("{s:O,s:o,s:s,s:O,s:O,s:o}", "name", json_object_get(d, "name"),
			       "mandate", mandate ? json_incref((json_t *)mandate) : json_string(""),
			       "kind", kind, "end_date", accord_or_null(d, "end_date"), "leads",
			       json_object_get(d, "leads"), "members",
			       members ? json_incref((json_t *)members) : json_array());
	request__run(req, 0, in, create_work, groups__changed);
}

static accord_status update_work(accord_txn *txn, accord_job *j, json_t **out)
{
	accord_status st = accord_exec(
		api, txn,
		"UPDATE groups_groups SET name=coalesce(?, name), mandate=coalesce(?, mandate),"
		" end_date=coalesce(?, end_date), archived=CASE WHEN ? = 1 THEN 1 ELSE archived END"
		" WHERE id=?",
		json_pack("[O,O,O,i,I]", accord_or_null(j->in, "name"),
			  accord_or_null(j->in, "mandate"), accord_or_null(j->in, "end_date"),
			  json_is_true(json_object_get(j->in, "archive")), (json_int_t)j->id),
		NULL);
	if (st == ACCORD_OK)
		st = request__log(txn, j,
				  json_is_true(json_object_get(j->in, "archive")) ? "archive"
										  : "update",
				  NULL);
	return st == ACCORD_OK ? groups__snapshot(txn, j->id, out) : st;
}

static const accord_arg update_args[] = {
	{.name = "name", .type = ACCORD_ARG_STRING, .min = 1, .max = 200},
	{.name = "mandate", .type = ACCORD_ARG_STRING, .min = 1, .max = 8000},
	{.name = "end_date", .type = ACCORD_ARG_DATE},
	{0}};

static void h_update(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	group *g = request__group(d);
	if (json_object_get(d, "end_date") && !g->ad_hoc) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST,
				 "end_date: YYYY-MM-DD, ad_hoc groups only");
		return;
	}
	json_t *in = accord_args_in(api, req, update_args, d);
	if (in)
		request__run(req, g->id, in, update_work, groups__changed);
}

static void h_archive(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	request__run(req, request__group(d)->id, json_pack("{s:b}", "archive", 1), update_work,
		     groups__changed);
}

static accord_status get_work(accord_txn *txn, accord_job *j, json_t **out)
{
	return groups__snapshot(txn, j->id, out);
}

static accord_status get_after(accord_job *j, json_t **out)
{
	(void)j;
	json_t *v = view(*out);
	accord_replace(*out, v);
	return ACCORD_OK;
}

static void h_get(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	request__run(req, request__group(d)->id, json_object(), get_work, get_after);
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Every group, kept when its id is one the caller may see (j->in.ids, from
 * the loop's copy): SQL has no portable way to take a list parameter, and
 * every group is in memory anyway. */
static accord_status list_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *ids = json_object_get(j->in, "ids");
	size_t n = json_array_size(ids), i;
	int64_t *want = malloc((n + 1) * sizeof(*want));
	json_t *rows = NULL, *kept = json_array();
	if (!want || !kept) {
		free(want);
		json_decref(kept);
		return ACCORD_E_INTERNAL;
	}
	for (i = 0; i < n; i++)
		want[i] = json_integer_value(json_array_get(ids, i));
	qsort(want, n, sizeof(*want), cmp_id);
	accord_status st = accord_exec(api, txn,
				       "SELECT id, name, mandate, kind, end_date, archived FROM groups_groups"
				       " ORDER BY name",
				       NULL, &rows);
	json_t *r;
	json_array_foreach(rows, i, r) {
		int64_t id = json_integer_value(json_object_get(r, "id"));
		if (st == ACCORD_OK && bsearch(&id, want, n, sizeof(*want), cmp_id) &&
		    json_array_append(kept, r))
			st = ACCORD_E_INTERNAL;
	}
	free(want);
	json_decref(rows);
	if (st == ACCORD_OK && !(*out = json_pack("{s:o}", "groups", kept)))
		return ACCORD_E_INTERNAL;
	if (st != ACCORD_OK)
		json_decref(kept);
	return st;
}

/* On the loop: the archived state (the loop's copy is not for threads). */
static accord_status list_after(accord_job *j, json_t **out)
{
	(void)j;
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(*out, "groups"), i, r) {
		group *g = provider__find(json_integer_value(json_object_get(r, "id")));
		json_object_set_new(r, "archived", json_boolean(g && provider__archived(g)));
	}
	return ACCORD_OK;
}

static void h_list(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)d;
	(void)ud;
	/* From memory: the ids the caller may see; names come from get. */
	json_t *ids = provider__visible_ids(api->req_principal(req));
	request__run(req, 0, ids ? json_pack("{s:o}", "ids", ids) : NULL, list_work, list_after);
}

/* ---------------- plugins per group ---------------- */

static accord_status plugin_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const char *name = json_string_value(json_object_get(j->in, "plugin"));
	int enable = json_is_true(json_object_get(j->in, "enable"));
	accord_status st =
		enable ? accord_exec(api, txn,
				     "INSERT INTO groups_plugins(group_id, plugin, enabled_by, enabled_at)"
				     " VALUES(?,?,?,?) ON CONFLICT(group_id, plugin) DO NOTHING",
				     json_pack("[I,s,s,I]", (json_int_t)j->id, name, j->actor,
					       (json_int_t)api->now_ms()),
				     NULL)
		       : accord_exec(api, txn,
				     "DELETE FROM groups_plugins WHERE group_id=? AND plugin=?",
				     json_pack("[I,s]", (json_int_t)j->id, name), NULL);
	if (st == ACCORD_OK)
		st = request__log(txn, j, enable ? "plugin.enable" : "plugin.disable", name);
	return st == ACCORD_OK ? groups__snapshot(txn, j->id, out) : st;
}

static const accord_arg plugin_args[] = {
	{.name = "plugin", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 32},
	{0}};

static void plugins_toggle(accord_req *req, const json_t *d, int enable)
{
	group *g = request__group(d);
	const char *name = json_string_value(json_object_get(d, "plugin"));
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

/* Partners of a group may list and get it (they see its shared things). */
static accord_handler handlers[] = {
	{.verb = "groups.create", .fn = h_create, .args = create_args, .allow = may_create},
	{.verb = "groups.update", .fn = h_update, .args = update_args, .allow = request__allow_managing},
	{.verb = "groups.archive", .fn = h_archive, .allow = request__allow_managing},
	{.verb = "groups.list", .fn = h_list, .flags = ACCORD_REQ_PARTNER},
	{.verb = "groups.get", .fn = h_get, .flags = ACCORD_REQ_PARTNER, .allow = request__allow_reading},
	{.verb = "groups.plugins.enable",
	 .fn = h_plugins_enable,
	 .args = plugin_args,
	 .allow = request__allow_managing},
	{.verb = "groups.plugins.disable",
	 .fn = h_plugins_disable,
	 .args = plugin_args,
	 .allow = request__allow_managing},
	{0}};

int groups__init(accord_plugin_ctx *p) { return accord_handle_all(api, p, handlers); }
