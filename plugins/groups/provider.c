/*
 * Groups: the loop's copy of every group, and what is answered from it:
 * the core's group provider (access, writable, orgs), the topics
 * "group:<id>" and "groups", and the load at start-up.
 */
#include "groups.h"

/* ---------------- the loop's copy of every group ---------------- */

static group **groups;
static size_t n_groups, cap_groups;

group *provider__find(int64_t id)
{
	for (size_t i = 0; i < n_groups; i++)
		if (groups[i]->id == id)
			return groups[i];
	return NULL;
}

static void gfree(group *g)
{
	if (!g)
		return;
	free(g->m);
	free(g->plugins);
	free(g);
}

/* Takes the group out of the copy: nobody reaches it until it is synced
 * again (the way to fail when memory runs out: closed). */
static void gdrop(int64_t id)
{
	for (size_t i = 0; i < n_groups; i++)
		if (groups[i]->id == id) {
			gfree(groups[i]);
			groups[i] = groups[--n_groups];
			return;
		}
}

/* A new copy of one group from its snapshot, or NULL (out of memory). */
static group *gnew(const json_t *snap)
{
	const json_t *row = json_object_get(snap, "group");
	const json_t *mem = json_object_get(snap, "members"), *pl = json_object_get(snap, "plugins");
	group *g = calloc(1, sizeof(*g));
	if (!g || !(g->m = calloc(json_array_size(mem) + 1, sizeof(gmember))) ||
	    !(g->plugins = calloc(json_array_size(pl) + 1, sizeof(*g->plugins)))) {
		gfree(g);
		return NULL;
	}
	g->id = json_integer_value(json_object_get(row, "id"));
	g->archived = (int)json_integer_value(json_object_get(row, "archived"));
	const char *kind = json_string_value(json_object_get(row, "kind"));
	g->ad_hoc = kind && !strcmp(kind, "ad_hoc");
	const char *ed = json_string_value(json_object_get(row, "end_date"));
	snprintf(g->end_date, sizeof(g->end_date), "%s", ed ? ed : "");
	size_t i;
	const json_t *x;
	json_array_foreach(mem, i, x) {
		gmember *m = &g->m[g->n_m++];
		const char *org = json_string_value(json_object_get(x, "org"));
		const char *role = json_string_value(json_object_get(x, "role"));
		snprintf(m->org, sizeof(m->org), "%s", org ? org : "");
		m->lead = role && !strcmp(role, "lead");
		m->partner = (int)json_integer_value(json_object_get(x, "partner"));
	}
	json_array_foreach(pl, i, x) {
		const char *name = json_string_value(json_object_get(x, "plugin"));
		snprintf(g->plugins[g->n_plugins++], sizeof(*g->plugins), "%s", name ? name : "");
	}
	return g;
}

int provider__sync(const json_t *snap)
{
	int64_t id = json_integer_value(json_object_get(json_object_get(snap, "group"), "id"));
	group *fresh = gnew(snap);
	if (fresh && n_groups == cap_groups && !provider__find(id)) {
		size_t nc = cap_groups ? cap_groups * 2 : 16;
		group **ng = realloc(groups, nc * sizeof(*ng));
		if (ng) {
			groups = ng;
			cap_groups = nc;
		} else {
			gfree(fresh);
			fresh = NULL;
		}
	}
	if (!fresh) {
		gdrop(id);
		api->log(self, ACCORD_LOG_ERR,
			 "out of memory: working group %lld is closed until its next change",
			 (long long)id);
		return -1;
	}
	for (size_t i = 0; i < n_groups; i++)
		if (groups[i]->id == id) {
			gfree(groups[i]);
			groups[i] = fresh;
			return 0;
		}
	groups[n_groups++] = fresh;
	return 0;
}

int provider__archived(const group *g)
{
	char today[11];
	accord_today(api, today);
	return access__archived(g, today);
}

const gwho *provider__who(const accord_principal *w, gwho *buf)
{
	if (!w)
		return NULL;
	buf->org = api->principal_org(w);
	buf->partner = api->principal_is_partner(w);
	buf->chair_or_secretariat = !buf->partner && (api->principal_has_role(w, "co_chair") ||
						      api->principal_has_role(w, "secretariat"));
	return buf;
}

int provider__sees(const group *g, const accord_principal *w)
{
	gwho x;
	return access__sees(g, provider__who(w, &x));
}

int provider__manages(const group *g, const accord_principal *w)
{
	gwho x;
	return access__manages(g, provider__who(w, &x));
}

int provider__sees_internal(const group *g, const accord_principal *w)
{
	gwho x;
	return access__sees_internal(g, provider__who(w, &x));
}

json_t *provider__visible_ids(const accord_principal *w)
{
	gwho x;
	const gwho *who = provider__who(w, &x);
	json_t *ids = json_array();
	for (size_t i = 0; ids && i < n_groups; i++)
		if (access__sees(groups[i], who) &&
		    json_array_append_new(ids, json_integer(groups[i]->id))) {
			json_decref(ids);
			return NULL;
		}
	return ids;
}

/* ---------------- the core's group provider ---------------- */

static accord_status provider(accord_plugin_ctx *p, const accord_principal *w, int64_t id,
			      const char *plugin, void *ud)
{
	(void)p;
	(void)ud;
	gwho x;
	return access__allows(provider__find(id), provider__who(w, &x), plugin) ? ACCORD_OK
										: ACCORD_E_NOT_FOUND;
}

static int provider_writable(accord_plugin_ctx *p, int64_t id, void *ud)
{
	(void)p;
	(void)ud;
	group *g = provider__find(id);
	return g && !provider__archived(g);
}

/* The organisations of a group, for plugins that name one of them (the
 * owner of an action item). */
static json_t *provider_orgs(accord_plugin_ctx *p, int64_t id, void *ud)
{
	(void)p;
	(void)ud;
	group *g = provider__find(id);
	if (!g)
		return NULL;
	json_t *a = json_array();
	for (size_t i = 0; i < g->n_m; i++)
		json_array_append_new(a, json_pack("{s:s,s:b,s:b}", "org", g->m[i].org, "lead",
						   g->m[i].lead, "partner", g->m[i].partner));
	return a;
}

/* The groups that enabled plugin (NULL: every group), only those lead_org
 * leads when it is given: for the core's list of plugins (sys.plugins)
 * and its question whether a caller leads a group. */
static json_t *provider_plugins(accord_plugin_ctx *p, const char *plugin, const char *lead_org,
				void *ud)
{
	(void)p;
	(void)ud;
	json_t *a = json_array();
	for (size_t i = 0; a && i < n_groups; i++) {
		const group *g = groups[i];
		int enabled = !plugin;
		for (size_t k = 0; !enabled && k < g->n_plugins; k++)
			enabled = !strcmp(g->plugins[k], plugin);
		const gmember *m = lead_org ? access__member(g, lead_org) : NULL;
		if (enabled && (!lead_org || (m && m->lead && !m->partner)))
			json_array_append_new(a, json_integer(g->id));
	}
	return a;
}

/* ---------------- topics ---------------- */

/* "group:<id>": the people who reach the group; each event's audience
 * says which of them get it (request__room_event). */
static accord_status check_topic(accord_plugin_ctx *p, const accord_principal *w, const char *topic,
				 void *ud)
{
	(void)p;
	(void)ud;
	char *end;
	if (strncmp(topic, "group:", 6))
		return ACCORD_E_NOT_FOUND;
	long long id = strtoll(topic + 6, &end, 10);
	return !*end && provider__sees(provider__find(id), w) ? ACCORD_OK : ACCORD_E_NOT_FOUND;
}

/* "groups": anyone logged in may follow it; each event's audience says who
 * gets it. */
static accord_status check_list_topic(accord_plugin_ctx *p, const accord_principal *w,
				      const char *topic, void *ud)
{
	(void)p;
	(void)ud;
	return w && !strcmp(topic, "groups") ? ACCORD_OK : ACCORD_E_NOT_FOUND;
}

/* ---------------- start-up ---------------- */

static accord_status load_work(accord_txn *txn, void *ud, json_t **out)
{
	(void)ud;
	json_t *ids = NULL;
	accord_status st = accord_exec(api, txn, "SELECT id FROM groups_groups ORDER BY id", NULL,
				       &ids);
	if (st != ACCORD_OK)
		return st;
	json_t *snaps = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(ids, i, r) {
		json_t *s = NULL;
		if (groups__snapshot(txn, json_integer_value(json_object_get(r, "id")), &s) ==
		    ACCORD_OK)
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
		json_array_foreach(out, i, s)
			provider__sync(s);
	api->log(self, ACCORD_LOG_INFO, "%zu working groups loaded", n_groups);
	json_decref(out);
}

void provider__load(void) { api->db_run(self, load_work, load_done, NULL); }

void provider__fini(void)
{
	for (size_t i = 0; i < n_groups; i++)
		gfree(groups[i]);
	free(groups);
	groups = NULL;
	n_groups = cap_groups = 0;
}

int provider__init(accord_plugin_ctx *p)
{
	return api->topic_register(p, "group", check_topic, NULL) ||
	       api->topic_register(p, "groups", check_list_topic, NULL) ||
	       api->group_provider(p, provider, NULL) ||
	       api->group_provider_writable(p, provider_writable, NULL) ||
	       (ACCORD_API_HAS(api, group_provider_orgs) &&
		api->group_provider_orgs(p, provider_orgs, NULL)) ||
	       (ACCORD_API_HAS(api, group_provider_plugins) &&
		api->group_provider_plugins(p, provider_plugins, NULL));
}
