/*
 * Service "accord.groups" (include/accord/services/groups.h): the
 * organisations and leads of a working group, read from this plugin's
 * tables in the caller's transaction, as this plugin (txn_enter/leave).
 */
#include "service.h"

#include <accord/helpers.h>
#include <accord/services/groups.h>

static const accord_host_api *api;
static accord_plugin_ctx *self;

static accord_status orgs(accord_txn *txn, int64_t group, json_t **out)
{
	*out = NULL;
	json_t *g = NULL, *rows = NULL;
	api->txn_enter(txn, self);
	accord_status st = accord_exec(api, txn, "SELECT id FROM groups_groups WHERE id=?",
				       json_pack("[I]", (json_int_t)group), &g);
	if (st == ACCORD_OK && json_array_size(g))
		st = accord_exec(api, txn,
				 "SELECT org, role, partner <> 0 AS partner FROM groups_members"
				 " WHERE group_id=? ORDER BY org",
				 json_pack("[I]", (json_int_t)group), &rows);
	else if (st == ACCORD_OK)
		st = ACCORD_E_NOT_FOUND;
	api->txn_leave(txn);
	json_decref(g);
	if (st != ACCORD_OK)
		return st;
	accord_bool_field(rows, "partner");
	*out = rows;
	return ACCORD_OK;
}

static int is_lead(accord_txn *txn, int64_t group, const char *org)
{
	if (!org)
		return 0;
	json_t *rows = NULL;
	api->txn_enter(txn, self);
	accord_status st = accord_exec(api, txn,
				       "SELECT 1 AS lead FROM groups_members WHERE group_id=? AND org=?"
				       " AND role='lead' AND partner=0",
				       json_pack("[I,s]", (json_int_t)group, org), &rows);
	api->txn_leave(txn);
	int lead = json_array_size(rows) > 0;
	json_decref(rows);
	return st != ACCORD_OK ? -1 : lead;
}

static const accord_groups_svc table = {
	.size = sizeof(accord_groups_svc),
	.orgs = orgs,
	.is_lead = is_lead,
};

int groups_service_init(const accord_host_api *a, accord_plugin_ctx *p)
{
	api = a;
	self = p;
	return api->service_export(p, ACCORD_SVC_GROUPS, ACCORD_SVC_GROUPS_V, &table);
}
