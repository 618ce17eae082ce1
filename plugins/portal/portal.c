/*
 * The external-stakeholder portal (Terms of Reference: "all information
 * exchanged within the network is for internal use only, unless explicitly
 * stated and agreed otherwise").
 *
 * Nothing is visible to partners until a co-chair or the secretariat
 * releases it: an item that another plugin holds ("proposal:12", "item:7",
 * "org:MOL"...) to every partner or to named partner organisations,
 * optionally on the basis of a proposal that reached consensus.  The
 * release keeps what the owning plugin describes as fit to leave the
 * network (its describe function, through the core), is recorded in an
 * append-only log with who, when, what, to whom and on what basis, and is
 * handed to the core, which then decides per recipient on every read
 * (item_visible) and every event (audience_add_item).  Withdrawing is
 * recorded the same way and takes effect at once: the core stops events
 * already published and their replays too.
 *
 * Partners send input back (comments, documents), which members see marked
 * with the partner's organisation; a partner sees only its own.
 *
 * This plugin is the core's release provider.  This file starts it: its
 * configuration, its requests (the table below: who may call each, and the
 * fields each takes, checked before its handler runs), and the releases in
 * force, loaded into the core.  portal.h says where the rest lives.
 */
#include "portal.h"

#include <accord/services/notify.h>
#include <stdio.h>
#include <string.h>

const accord_host_api *api;
accord_plugin_ctx *self;
int portal__require_basis;
char portal__files_dir[512] = "var/files/portal";
int portal__loaded;
const accord_notify_svc *portal__notify;

#define P ACCORD_REQ_PARTNER
static accord_handler handlers[] = {
	{.verb = "release",
	 .fn = releases__release,
	 .args = releases__release_args,
	 .allow = releases__may_release},
	{.verb = "withdraw",
	 .fn = releases__withdraw,
	 .args = releases__withdraw_args,
	 .allow = releases__may_withdraw},
	{.verb = "releases", .fn = read__releases, .args = read__releases_args},
	{.verb = "feed", .fn = read__feed, .flags = P, .allow = read__when_loaded},
	{.verb = "item", .fn = read__item, .flags = P, .args = read__item_args},
	{.verb = "input",
	 .fn = inputs__input,
	 .flags = P,
	 .args = inputs__input_args,
	 .allow = inputs__partners_only},
	{.verb = "inputs", .fn = inputs__inputs, .flags = P},
	{0}};
#undef P

/* ---------------- start-up ---------------- */

static accord_status load_work(accord_txn *txn, void *ud, json_t **out)
{
	(void)ud;
	return store__releases_in_force(txn, out);
}

static void load_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)ud;
	if (st != ACCORD_OK) {
		api->log(p, ACCORD_LOG_ERR, "cannot load releases: nothing is released to partners");
		json_decref(out);
		return;
	}
	size_t i;
	json_t *r;
	json_array_foreach(out, i, r) {
		const char *aud = json_string_value(json_object_get(r, "audience"));
		json_t *to = aud && aud[0] == '[' ? json_loads(aud, 0, NULL)
						  : json_string("partners");
		api->release_set(p, json_string_value(json_object_get(r, "item")), to);
		json_decref(to);
	}
	portal__loaded = 1;
	api->log(p, ACCORD_LOG_INFO, "%zu items released to partners", json_array_size(out));
	json_decref(out);
}

/* Topic "portal": every release, withdrawal and input goes there, each
 * with its own audience, so anyone may subscribe. */
static accord_status check_topic(accord_plugin_ctx *p, const accord_principal *who,
				 const char *topic, void *ud)
{
	(void)p;
	(void)who;
	(void)ud;
	return strcmp(topic, PORTAL_TOPIC) ? ACCORD_E_NOT_FOUND : ACCORD_OK;
}

static accord_status configure(accord_plugin_ctx *p, const json_t *cfg)
{
	const json_t *rb = json_object_get(cfg, "require_basis");
	if (rb && !json_is_boolean(rb)) {
		api->log(p, ACCORD_LOG_ERR,
			 "plugins.enabled.portal.require_basis: expected true or false");
		return ACCORD_E_BAD_REQUEST;
	}
	portal__require_basis = json_is_true(rb);
	const json_t *fd = json_object_get(cfg, "files_dir");
	if (fd && (!json_is_string(fd) || !json_string_length(fd) ||
		   json_string_length(fd) >= sizeof(portal__files_dir))) {
		api->log(p, ACCORD_LOG_ERR,
			 "plugins.enabled.portal.files_dir: expected a directory path");
		return ACCORD_E_BAD_REQUEST;
	}
	if (fd)
		snprintf(portal__files_dir, sizeof(portal__files_dir), "%s", json_string_value(fd));
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)cfg, key, v) {
		if (strcmp(key, "require_basis") && strcmp(key, "files_dir")) {
			api->log(p, ACCORD_LOG_ERR, "plugins.enabled.portal.%s: unknown key", key);
			return ACCORD_E_BAD_REQUEST;
		}
	}
	return ACCORD_OK;
}

static accord_status init(accord_plugin_ctx *p, const accord_host_api *host, const json_t *cfg)
{
	api = host;
	self = p;
	portal__loaded = 0;
	if (!ACCORD_API_HAS(api, http_route_partner) || !ACCORD_API_HAS(api, http_body_fd))
		return ACCORD_E_INTERNAL;
	accord_status st = configure(p, cfg);
	if (st != ACCORD_OK)
		return st;
	if (accord_handle_all(api, p, handlers) ||
	    api->topic_register(p, PORTAL_TOPIC, check_topic, NULL) ||
	    api->http_route_partner(p, "input", inputs__http, NULL))
		return ACCORD_E_INTERNAL;
	/* Claim the provider role now, so no other plugin can; then load. */
	api->release_set(p, "portal:none", NULL);
	portal__notify = api->service_import(p, ACCORD_SVC_NOTIFY, ACCORD_SVC_NOTIFY_V);
	api->db_run(p, load_work, load_done, NULL); /* none when offline (CLI) */
	return ACCORD_OK;
}

/* Partners are told of a release by mail when the notify plugin runs. */
static const accord_service_ref requires[] = {{ACCORD_SVC_NOTIFY, ACCORD_SVC_NOTIFY_V, 1},
					      {NULL, 0, 0}};

static const accord_plugin desc = {
	.abi_major = ACCORD_ABI_MAJOR,
	.struct_size = sizeof(accord_plugin),
	.name = "portal",
	.version = "1.0.0",
	.description = "External-stakeholder portal: explicit releases to partners and their input",
	.init = init,
	.migrations = store__migrations,
	.requires = requires,
};

ACCORD_EXPORT const accord_plugin *accord_plugin_entry(void) { return &desc; }
