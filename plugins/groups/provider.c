/*
 * Groups: the loop's copy of every group, and what is answered from it:
 * the core's group provider (access, writable, orgs), the topics
 * "group:<id>" and "groups", and the load at start-up.
 */
#include "groups.h"

/* ---------------- the loop's copy of every group ---------------- */

group **groups;
size_t n_groups;
static size_t cap_groups;

group *gfind(int64_t id)
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
void gsync(const json_t *snap)
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

const gmember *member_of(const group *g, const char *org)
{
	for (size_t i = 0; i < g->n_m; i++)
		if (!strcmp(g->m[i].org, org))
			return &g->m[i];
	return NULL;
}

/* An ad-hoc group past its end date is archived, read-only. */
int archived(const group *g)
{
	if (g->archived)
		return 1;
	char d[11];
	accord_today(api, d);
	return g->ad_hoc && g->end_date[0] && strcmp(d, g->end_date) > 0;
}

int is_chair_or_secretariat(const accord_principal *w)
{
	return w && !api->principal_is_partner(w) &&
	       (api->principal_has_role(w, "co_chair") || api->principal_has_role(w, "secretariat"));
}

/* Who reaches the group: its organisations' people, co-chairs, secretariat. */
int can_see(const group *g, const accord_principal *w)
{
	return g && w && (is_chair_or_secretariat(w) || member_of(g, api->principal_org(w)));
}

int can_manage(const group *g, const accord_principal *w)
{
	if (!g || !w)
		return 0;
	if (is_chair_or_secretariat(w))
		return 1;
	const gmember *m = member_of(g, api->principal_org(w));
	return m && m->lead && !m->partner;
}

/* Partners of the group see shared things only. */
int sees_internal(const group *g, const accord_principal *w)
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

/* "groups": anyone logged in may follow it; each event's audience says who
 * gets it. */
static accord_status check_list_topic(accord_plugin_ctx *p, const accord_principal *w, const char *topic,
				      void *ud)
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

void provider_load(void)
{
	api->db_run(self, load_work, load_done, NULL);
}

void provider_fini(void)
{
	for (size_t i = 0; i < n_groups; i++)
		gfree(groups[i]);
	free(groups);
	groups = NULL;
	n_groups = cap_groups = 0;
}

int provider_init(accord_plugin_ctx *p)
{
	return api->topic_register(p, "group", check_topic, NULL) ||
	       api->topic_register(p, "groups", check_list_topic, NULL) ||
	       api->group_provider(p, provider, NULL) ||
	       api->group_provider_writable(p, provider_writable, NULL) ||
	       (ACCORD_API_HAS(api, group_provider_orgs) &&
		api->group_provider_orgs(p, provider_orgs, NULL));
}
