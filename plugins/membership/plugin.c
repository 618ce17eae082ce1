/*
 * Membership plugin: organisations, people, roles, invitations, the members
 * list, presence and the audit log.
 *
 * Data lives in the plugin's own tables (members_*); the login identity of a
 * person (login, name, organisation, standing, roles, active) is kept in step
 * with the core's accounts through api->account_save in the same
 * transaction, so that the core's permission decisions always see what the
 * members list says.  Every change writes an audit row in that transaction
 * too, and is acknowledged only after the commit.
 *
 * Request namespace "members" (claimed), plus "auth.accept_invite" and
 * "auth.reset_password"; topic "network" (members of the network only)
 * carries members.changed and members.presence events.
 *
 * This file: the schema, init/fini and the descriptor.  membership.h says
 * which file holds what.
 */
#include "membership.h"
#include "service.h"

#include <accord/services/members.h>

const accord_host_api *api;
accord_plugin_ctx *self;

static const accord_migration migrations[] = {
	{1, "CREATE TABLE members_orgs("
	    " code TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL,"
	    " standing TEXT NOT NULL CHECK(standing IN ('member','partner')),"
	    " active INTEGER NOT NULL DEFAULT 1, state_counterpart INTEGER NOT NULL DEFAULT 0,"
	    " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	    "CREATE TABLE members_people("
	    " login TEXT PRIMARY KEY, account_id INTEGER NOT NULL UNIQUE, name TEXT NOT NULL,"
	    " org_code TEXT NOT NULL REFERENCES members_orgs(code),"
	    " function TEXT NOT NULL, contact TEXT NOT NULL DEFAULT '',"
	    " roles TEXT NOT NULL DEFAULT '', active INTEGER NOT NULL DEFAULT 1,"
	    " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	    "CREATE TABLE members_invites("
	    " token_hash TEXT PRIMARY KEY, org_code TEXT NOT NULL, name TEXT NOT NULL,"
	    " function TEXT NOT NULL, contact TEXT NOT NULL DEFAULT '', roles TEXT NOT NULL DEFAULT '',"
	    " created_by TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
	    " used_at INTEGER, used_by TEXT);"
	    "CREATE TABLE members_audit("
	    " id INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL,"
	    " action TEXT NOT NULL, object TEXT NOT NULL, before TEXT, after TEXT);"},
	/* One-time password reset links the secretariat hands over: only the
	 * token's hash is kept, as for invitations. */
	{2, "CREATE TABLE members_resets("
	    " token_hash TEXT PRIMARY KEY, login TEXT NOT NULL, created_by TEXT NOT NULL,"
	    " created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER);"
	    "CREATE INDEX members_resets_login ON members_resets(login);"},
	{0, NULL}};

/* ---------------- topic "network" ---------------- */

static accord_status check_network(accord_plugin_ctx *p, const accord_principal *who,
				   const char *topic, void *ud)
{
	(void)p;
	(void)ud;
	if (strcmp(topic, "network"))
		return ACCORD_E_NOT_FOUND;
	return api->principal_is_partner(who) ? ACCORD_E_NOT_FOUND : ACCORD_OK;
}

/* ---------------- plugin entry ---------------- */

static accord_status init(accord_plugin_ctx *p, const accord_host_api *host, const json_t *cfg)
{
	(void)cfg;
	api = host;
	self = p;
	if (!ACCORD_API_HAS(api, service_export))
		return ACCORD_E_INTERNAL;
	if (members_service_init(api, p))
		return ACCORD_E_INTERNAL;
	if (api->namespace_claim(p, "members") || orgs__init(p) || people__init(p) ||
	    invites__init(p) || presence__init(p) || audit__init(p) || export__init(p) ||
	    api->topic_register(p, "network", check_network, NULL))
		return ACCORD_E_INTERNAL;
	orgs__reload();
	return ACCORD_OK;
}

static void fini(accord_plugin_ctx *p)
{
	(void)p;
	orgs__fini();
	presence__fini();
	members_service_fini();
}

static const accord_service_ref provides[] = {{ACCORD_SVC_MEMBERS, ACCORD_SVC_MEMBERS_V, 0},
					      {NULL, 0, 0}};

static const accord_plugin desc = {
	.abi_major = ACCORD_ABI_MAJOR,
	.struct_size = sizeof(accord_plugin),
	.name = "membership",
	.version = "1.0.0",
	.description = "organisations, people, roles, invitations, the members list, presence",
	.init = init,
	.fini = fini,
	.migrations = migrations,
	.seed = seed__network,
	.provides = provides,
	.table_prefix = "members",
};

ACCORD_EXPORT const accord_plugin *accord_plugin_entry(void) { return &desc; }
