/*
 * The workplan plugin's start: its configuration, the services it uses,
 * the topic "workplan", the item kinds the portal may release
 * ("workplan:<plan>", "report:<report>"), the reference lists loaded when
 * their tables are empty, and the descriptor.  workplan.h says where the
 * rest lives.
 *
 * Everything here is internal to the network's members: no request, route
 * or event is opened to partners, who reach a plan or a report only when
 * the portal released it to them.
 */
#include "workplan.h"

#include <stdio.h>
#include <string.h>

const accord_host_api *api;
accord_plugin_ctx *self;
const accord_members_svc *members;
const accord_groups_svc *groups;
const accord_decisions_svc *decisions;
const accord_meetings_svc *meetings;
char workplan__reference_dir[512] = "config/reference";
int workplan__report_due_days = 30;

/* Topic "workplan": members only (partners are denied by default). */
static accord_status check_topic(accord_plugin_ctx *p, const accord_principal *who,
				 const char *topic, void *ud)
{
	(void)p;
	(void)ud;
	return strcmp(topic, WORKPLAN_TOPIC) || api->principal_is_partner(who) ? ACCORD_E_NOT_FOUND
									       : ACCORD_OK;
}

static accord_status configure(accord_plugin_ctx *p, const json_t *cfg)
{
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)cfg, key, v) {
		if (!strcmp(key, "reference_dir")) {
			if (!json_is_string(v) || !json_string_length(v) ||
			    json_string_length(v) >= sizeof(workplan__reference_dir)) {
				api->log(p, ACCORD_LOG_ERR,
					 "plugins.enabled.workplan.reference_dir: expected a directory path");
				return ACCORD_E_BAD_REQUEST;
			}
			snprintf(workplan__reference_dir, sizeof(workplan__reference_dir), "%s",
				 json_string_value(v));
		} else if (!strcmp(key, "report_due_days")) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > 365) {
				api->log(p, ACCORD_LOG_ERR,
					 "plugins.enabled.workplan.report_due_days: expected an integer"
					 " from 0 to 365");
				return ACCORD_E_BAD_REQUEST;
			}
			workplan__report_due_days = (int)json_integer_value(v);
		} else {
			api->log(p, ACCORD_LOG_ERR, "plugins.enabled.workplan.%s: unknown key", key);
			return ACCORD_E_BAD_REQUEST;
		}
	}
	return ACCORD_OK;
}

/* At start: the reference lists, when their tables are still empty (a
 * database made before this plugin was enabled). */
static accord_status load_work(accord_txn *txn, void *ud, json_t **out)
{
	(void)ud;
	(void)out;
	return reference__load(txn, 0);
}

static void load_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)ud;
	json_decref(out);
	if (st != ACCORD_OK)
		api->log(p, ACCORD_LOG_ERR,
			 "cannot load the reference lists from %s (gcm_objectives.json,"
			 " sdg_targets.json): areas cannot be tagged until they are there",
			 workplan__reference_dir);
}

/* accord init --demo / --admin: the reference lists go in with the rest. */
static accord_status seed(accord_plugin_ctx *p, accord_txn *txn, const json_t *demo)
{
	(void)demo;
	accord_status st = reference__load(txn, 0);
	if (st == ACCORD_E_NOT_FOUND) { /* the server tries again at each start */
		api->log(p, ACCORD_LOG_WARN,
			 "the reference lists are not in %s (gcm_objectives.json,"
			 " sdg_targets.json); set plugins.enabled.workplan.reference_dir",
			 workplan__reference_dir);
		return ACCORD_OK;
	}
	if (st != ACCORD_OK)
		api->log(p, ACCORD_LOG_ERR, "the reference lists in %s are malformed",
			 workplan__reference_dir);
	return st;
}

static accord_status init(accord_plugin_ctx *p, const accord_host_api *host, const json_t *cfg)
{
	api = host;
	self = p;
	if (!ACCORD_API_HAS(api, service_import) || !ACCORD_API_HAS(api, item_kind) ||
	    !ACCORD_API_HAS(api, group_access))
		return ACCORD_E_INTERNAL;
	accord_status st = configure(p, cfg);
	if (st != ACCORD_OK)
		return st;
	members = api->service_import(p, ACCORD_SVC_MEMBERS, ACCORD_SVC_MEMBERS_V);
	groups = api->service_import(p, ACCORD_SVC_GROUPS, ACCORD_SVC_GROUPS_V);
	decisions = api->service_import(p, ACCORD_SVC_DECISIONS, ACCORD_SVC_DECISIONS_V);
	meetings = api->service_import(p, ACCORD_SVC_MEETINGS, ACCORD_SVC_MEETINGS_V);
	if (!members)
		return ACCORD_E_INTERNAL;
	if (store__init(p) || reference__init(p) || plans__init(p) || progress__init(p) ||
	    followup__init(p) || report__init(p) || edit__init(p) ||
	    api->topic_register(p, WORKPLAN_TOPIC, check_topic, NULL) ||
	    api->item_kind(p, "workplan", plans__describe, NULL) ||
	    api->item_kind(p, "report", report__describe, NULL))
		return ACCORD_E_INTERNAL;
	api->db_run(p, load_work, load_done, NULL); /* none when offline (CLI) */
	return ACCORD_OK;
}

static const accord_service_ref requires[] = {
	{ACCORD_SVC_MEMBERS, ACCORD_SVC_MEMBERS_V, 0},
	{ACCORD_SVC_GROUPS, ACCORD_SVC_GROUPS_V, 1 /* optional: items' working groups */},
	{ACCORD_SVC_DECISIONS, ACCORD_SVC_DECISIONS_V, 1 /* optional: adoption, follow-up */},
	{ACCORD_SVC_MEETINGS, ACCORD_SVC_MEETINGS_V, 1 /* optional: the report's meetings held */},
	{NULL, 0, 0}};

static const accord_plugin desc = {
	.abi_major = ACCORD_ABI_MAJOR,
	.struct_size = sizeof(accord_plugin),
	.name = "workplan",
	.version = "1.0.0",
	.description = "the network's workplan (GCM objectives, SDG targets), progress, follow-up of"
		       " decisions, the annual report",
	.init = init,
	.migrations = store__migrations,
	.seed = seed,
	.requires = requires,
};

ACCORD_EXPORT const accord_plugin *accord_plugin_entry(void) { return &desc; }
