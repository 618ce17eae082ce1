/*
 * The consensus plugin's entry: init (configuration, services, handlers,
 * topics, the start-up load), fini, and the descriptor.  See consensus.h
 * for what the plugin does and where each part lives.
 */
#include "consensus.h"

const accord_host_api *api;
accord_plugin_ctx *self;
const accord_members_svc *members_svc;
const accord_groups_svc *groups_svc; /* NULL without the groups plugin */

int64_t plugin__tally_interval_ms = 100; /* 1000 / tally_max_per_sec; 0: no coalescing */

static const accord_service_ref provides[] = {
	{ACCORD_SVC_DECISIONS, ACCORD_SVC_DECISIONS_V, 0}, {NULL, 0, 0}};
static const accord_service_ref requires[] = {{ACCORD_SVC_MEMBERS, ACCORD_SVC_MEMBERS_V, 0},
					      {ACCORD_SVC_GROUPS, ACCORD_SVC_GROUPS_V, 1},
					      {NULL, 0, 0}};

static accord_status init(accord_plugin_ctx *p, const accord_host_api *host, const json_t *cfg)
{
	api = host;
	self = p;
	if (ACCORD_API_HAS(api, item_kind) &&
	    api->item_kind(p, "proposal", record__describe, NULL))
		return ACCORD_E_INTERNAL;
	if (!ACCORD_API_HAS(api, service_import))
		return ACCORD_E_INTERNAL;
	members_svc = api->service_import(p, ACCORD_SVC_MEMBERS, ACCORD_SVC_MEMBERS_V);
	groups_svc = api->service_import(p, ACCORD_SVC_GROUPS, ACCORD_SVC_GROUPS_V);
	if (!members_svc || api->service_export(p, ACCORD_SVC_DECISIONS, ACCORD_SVC_DECISIONS_V,
					    &service__decisions))
		return ACCORD_E_INTERNAL;
	const json_t *rate = json_object_get(cfg, "tally_max_per_sec");
	if (rate) {
		if (!json_is_integer(rate) || json_integer_value(rate) < 0 || json_integer_value(rate) > 1000) {
			api->log(p, ACCORD_LOG_ERR,
				 "plugins.enabled.consensus.tally_max_per_sec: expected an integer from 0 "
				 "(no coalescing) to 1000");
			return ACCORD_E_BAD_REQUEST;
		}
		plugin__tally_interval_ms = json_integer_value(rate) ? 1000 / json_integer_value(rate) : 0;
	}
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)cfg, key, v) if (strcmp(key, "tally_max_per_sec"))
	{
		api->log(p, ACCORD_LOG_ERR, "plugins.enabled.consensus.%s: unknown key", key);
		return ACCORD_E_BAD_REQUEST;
	}
	if (api->handle(p, "create", proposals__create, 0, NULL) || api->handle(p, "get", proposals__get, ACCORD_REQ_PARTNER, NULL) ||
	    api->handle(p, "list", proposals__list, ACCORD_REQ_PARTNER, NULL) || api->handle(p, "open", status__open, 0, NULL) ||
	    api->handle(p, "position", positions__position, 0, NULL) ||
	    api->handle(p, "consult", positions__consult, ACCORD_REQ_PARTNER, NULL) || api->handle(p, "close", status__close, 0, NULL) ||
	    api->handle(p, "extend", status__extend, 0, NULL) || api->handle(p, "reopen", status__reopen, 0, NULL) ||
	    api->handle(p, "decisions", record__decisions, ACCORD_REQ_PARTNER, NULL) ||
	    api->handle(p, "comment", positions__comment, ACCORD_REQ_PARTNER, NULL) ||
	    api->handle(p, "comments", positions__comments, ACCORD_REQ_PARTNER, NULL) ||
	    api->handle(p, "edit", proposals__edit, 0, NULL) ||
	    api->topic_register(p, "proposal", access__check_topic, NULL) ||
	    api->topic_register(p, "proposals", access__check_list_topic, NULL) ||
	    api->http_route(p, "record", record__http, NULL))
		return ACCORD_E_INTERNAL;
	live__load();
	return ACCORD_OK;
}

static void fini(accord_plugin_ctx *p)
{
	(void)p;
	tally__reset();
}

static const accord_plugin desc = {
	.abi_major = ACCORD_ABI_MAJOR,
	.struct_size = sizeof(accord_plugin),
	.name = "consensus",
	.version = "1.0.0",
	.description = "live consensus polling: proposals, positions per organisation, decisions",
	.init = init,
	.fini = fini,
	.migrations = store__migrations,
	.provides = provides,
	.requires = requires,
};

ACCORD_EXPORT const accord_plugin *accord_plugin_entry(void) { return &desc; }
