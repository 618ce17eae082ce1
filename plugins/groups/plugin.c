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
 *
 * This file: the schema, init/fini and the descriptor.  groups.h says which
 * file holds what.
 */
#include "groups.h"
#include "service.h"

#include <accord/services/groups.h>

const accord_host_api *api;
accord_plugin_ctx *self;
const accord_members_svc *members_svc;

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

static accord_status init(accord_plugin_ctx *p, const accord_host_api *host, const json_t *cfg)
{
	api = host;
	self = p;
	if (!ACCORD_API_HAS(api, http_route_partner) || !ACCORD_API_HAS(api, http_body_fd) ||
	    !ACCORD_API_HAS(api, service_import))
		return ACCORD_E_INTERNAL;
	members_svc = api->service_import(p, ACCORD_SVC_MEMBERS, ACCORD_SVC_MEMBERS_V);
	if (!members_svc || groups_service_init(api, p))
		return ACCORD_E_INTERNAL;
	/* Partners of a group may call list, get, post, posts, item.add and
	 * items (they see and add shared things only); the core refuses
	 * partners everything else. */
	if (groups__init(p) || members__init(p) || posts__init(p) || items__init(p) ||
	    provider__init(p))
		return ACCORD_E_INTERNAL;
	accord_status st = files__init(p, cfg);
	if (st != ACCORD_OK)
		return st;
	provider__load();
	return ACCORD_OK;
}

static void fini(accord_plugin_ctx *p)
{
	(void)p;
	provider__fini();
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
