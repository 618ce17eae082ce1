/*
 * The consensus plugin's entry: init (configuration, services, handlers,
 * topics, the start-up load), fini, and the descriptor.  See consensus.h
 * for what the plugin does and where each part lives.
 */
#include "consensus.h"

#include <accord/services/notify.h>

const accord_host_api *api;
accord_plugin_ctx *self;
const accord_members_svc *members_svc;
const accord_groups_svc *groups_svc; /* NULL without the groups plugin */

int64_t plugin__tally_interval_ms = 100; /* 1000 / tally_max_per_sec; 0: no coalescing */

static const accord_service_ref provides[] = {{ACCORD_SVC_DECISIONS, ACCORD_SVC_DECISIONS_V, 0},
					      {NULL, 0, 0}};
static const accord_service_ref requires[] = {{ACCORD_SVC_MEMBERS, ACCORD_SVC_MEMBERS_V, 0},
					      {ACCORD_SVC_GROUPS, ACCORD_SVC_GROUPS_V, 1},
					      {ACCORD_SVC_NOTIFY, ACCORD_SVC_NOTIFY_V, 1},
					      {NULL, 0, 0}};

/* Every request: who may make it at all (allow, answered before the
 * fields), its fields (checked by the SDK: "<field>: <problem>"), then the
 * handler.  Partners reach get, list, consult, decisions and comments. */
static accord_handler handlers[] = {
	{.verb = "create",
	 .fn = proposals__create,
	 .allow = access__creates,
	 .args = proposals__create_args},
	{.verb = "edit", .fn = proposals__edit, .allow = access__sees, .args = proposals__edit_args},
	{.verb = "get", .fn = proposals__get, .flags = ACCORD_REQ_PARTNER, .allow = access__sees},
	{.verb = "list", .fn = proposals__list, .flags = ACCORD_REQ_PARTNER, .args = proposals__list_args},
	{.verb = "open", .fn = status__open, .allow = access__manages, .args = status__open_args},
	{.verb = "extend", .fn = status__extend, .allow = access__manages, .args = status__extend_args},
	{.verb = "reopen", .fn = status__reopen, .allow = access__manages, .args = status__reopen_args},
	{.verb = "close", .fn = status__close, .allow = access__manages, .args = status__close_args},
	{.verb = "position",
	 .fn = positions__position,
	 .allow = access__votes,
	 .args = positions__position_args},
	{.verb = "consult",
	 .fn = positions__consult,
	 .flags = ACCORD_REQ_PARTNER,
	 .allow = access__consults,
	 .args = positions__consult_args},
	{.verb = "comment",
	 .fn = positions__comment,
	 .flags = ACCORD_REQ_PARTNER,
	 .allow = access__sees,
	 .args = positions__comment_args},
	{.verb = "comments",
	 .fn = positions__comments,
	 .flags = ACCORD_REQ_PARTNER,
	 .allow = access__sees},
	{.verb = "decisions", .fn = record__decisions, .flags = ACCORD_REQ_PARTNER},
	{0}};

static accord_status init(accord_plugin_ctx *p, const accord_host_api *host, const json_t *cfg)
{
	api = host;
	self = p;
	if (ACCORD_API_HAS(api, item_kind) && api->item_kind(p, "proposal", record__describe, NULL))
		return ACCORD_E_INTERNAL;
	if (!ACCORD_API_HAS(api, service_import))
		return ACCORD_E_INTERNAL;
	members_svc = api->service_import(p, ACCORD_SVC_MEMBERS, ACCORD_SVC_MEMBERS_V);
	groups_svc = api->service_import(p, ACCORD_SVC_GROUPS, ACCORD_SVC_GROUPS_V);
	notices__init();
	if (!members_svc || api->service_export(p, ACCORD_SVC_DECISIONS, ACCORD_SVC_DECISIONS_V,
						&service__decisions))
		return ACCORD_E_INTERNAL;
	const json_t *rate = json_object_get(cfg, "tally_max_per_sec");
	if (rate) {
		if (!json_is_integer(rate) || json_integer_value(rate) < 0 ||
		    json_integer_value(rate) > 1000) {
			api->log(p, ACCORD_LOG_ERR,
				 "plugins.enabled.consensus.tally_max_per_sec: expected an integer from 0 "
				 "(no coalescing) to 1000");
			return ACCORD_E_BAD_REQUEST;
		}
		plugin__tally_interval_ms = json_integer_value(rate)
						    ? 1000 / json_integer_value(rate)
						    : 0;
	}
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)cfg, key, v)
		if (strcmp(key, "tally_max_per_sec")) {
			api->log(p, ACCORD_LOG_ERR, "plugins.enabled.consensus.%s: unknown key", key);
			return ACCORD_E_BAD_REQUEST;
		}
	if (accord_handle_all(api, p, handlers) ||
	    api->topic_register(p, "proposal", access__check_topic, NULL) ||
	    api->topic_register(p, "proposals", access__check_list_topic, NULL) ||
	    api->http_route(p, "record", record__http, NULL))
		return ACCORD_E_INTERNAL;
	/* who votes and who is the state counterpart follow the members list */
	if (!ACCORD_SERVICE_HAS(members_svc, watch) ||
	    members_svc->watch(p, live__members_changed, NULL))
		return ACCORD_E_INTERNAL;
	live__load();
	return ACCORD_OK;
}

static void fini(accord_plugin_ctx *p)
{
	(void)p;
	tally__reset();
	service__reset();
	notices__fini();
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
