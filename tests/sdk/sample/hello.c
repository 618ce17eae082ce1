/*
 * A minimal plugin built outside the Accord tree, against the installed SDK
 * only (pkg-config accord-plugin).  It answers hello.greet with a greeting
 * for the caller's organisation.
 */
#include <accord/plugin.h>
#include <stdio.h>

static const accord_host_api *api;

static void greet(accord_plugin_ctx *p, accord_req *req, const json_t *data, void *ud)
{
	(void)p;
	(void)data;
	(void)ud;
	char text[128];
	snprintf(text, sizeof(text), "hello, %s", api->principal_org(api->req_principal(req)));
	api->reply_ok(req, json_pack("{s:s}", "greeting", text));
}

static accord_status init(accord_plugin_ctx *p, const accord_host_api *host, const json_t *cfg)
{
	(void)cfg;
	api = host;
	return api->handle(p, "greet", greet, 0, NULL) ? ACCORD_E_INTERNAL : ACCORD_OK;
}

static const accord_plugin desc = {
	.abi_major = ACCORD_ABI_MAJOR,
	.struct_size = sizeof(accord_plugin),
	.name = "hello",
	.version = "1.0.0",
	.description = "sample out-of-tree plugin",
	.init = init,
};

ACCORD_EXPORT const accord_plugin *accord_plugin_entry(void) { return &desc; }
