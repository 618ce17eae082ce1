/*
 * The host API table (include/accord/plugin.h): what a plugin may call,
 * and the thin wrappers between its opaque handles and the core's modules.
 * Registrations go to registry.c, services to loader.c; the rest is here.
 * The table only grows at its end.
 */
#include "hostapi.h"
#include "audience.h"
#include "auth.h"
#include "bus.h"
#include "clock.h"
#include "http.h"
#include "loader.h"
#include "log.h"
#include "metrics.h"
#include "permit.h"
#include "plugin_host.h"
#include "registry.h"
#include "release.h"
#include "req.h"
#include "token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int api_group_provider(accord_plugin_ctx *p,
			      accord_status (*access)(accord_plugin_ctx *, const accord_principal *,
						      int64_t, const char *, void *),
			      void *ud)
{
	if (p->live) {
		plugin_log(p, ACCORD_LOG_ERR,
			   "group_provider: not for a plugin installed live (enable it in the"
			   " configuration)");
		return -1;
	}
	if (!access || p->h->groups.access) {
		plugin_log(p, ACCORD_LOG_ERR,
			   "group_provider: invalid, or another plugin provides groups");
		return -1;
	}
	p->h->groups.provider = p;
	p->h->groups.access = access;
	p->h->groups.ud = ud;
	return 0;
}

static int api_group_scoped(accord_plugin_ctx *p)
{
	p->group_scoped = 1;
	return 0;
}

static int64_t api_req_group(const accord_req *r) { return r->group; }

static int api_group_provider_writable(accord_plugin_ctx *p,
				       int (*writable)(accord_plugin_ctx *, int64_t, void *),
				       void *ud)
{
	if (!writable || p->h->groups.provider != p)
		return -1;
	p->h->group_writable = writable;
	p->h->group_writable_ud = ud;
	return 0;
}

static int api_group_writable(accord_plugin_ctx *p, int64_t group)
{
	plugin_host *h = p->h;
	return h->group_writable ? h->group_writable(h->groups.provider, group, h->group_writable_ud)
				 : 1;
}

static int api_group_provider_orgs(accord_plugin_ctx *p,
				   json_t *(*orgs)(accord_plugin_ctx *, int64_t, void *), void *ud)
{
	if (!orgs || p->h->groups.provider != p)
		return -1;
	p->h->group_orgs = orgs;
	p->h->group_orgs_ud = ud;
	return 0;
}

static int api_group_provider_plugins(accord_plugin_ctx *p,
				      json_t *(*groups)(accord_plugin_ctx *, const char *,
							const char *, void *),
				      void *ud)
{
	if (!groups || p->h->groups.provider != p)
		return -1;
	p->h->group_plugins = groups;
	p->h->group_plugins_ud = ud;
	return 0;
}

static json_t *api_group_orgs(accord_plugin_ctx *p, int64_t group)
{
	plugin_host *h = p->h;
	return h->group_orgs ? h->group_orgs(h->groups.provider, group, h->group_orgs_ud) : NULL;
}

static accord_status api_group_access(accord_plugin_ctx *p, const accord_principal *who,
				      int64_t group, const char *plugin)
{
	return permit_group(&p->h->groups, who, group, plugin);
}

static int api_plugin_group_scoped(accord_plugin_ctx *p, const char *name)
{
	for (int i = 0; name && i < p->h->n; i++)
		if (!strcmp(p->h->plugins[i]->name, name))
			return p->h->plugins[i]->group_scoped;
	return 0;
}

static void api_txn_enter(accord_txn *txn, accord_plugin_ctx *p)
{
	txn_scope_enter(txn, p ? &p->scope : NULL);
}

static void api_txn_leave(accord_txn *txn)
{
	if (txn_scope_leave(txn))
		log_err("a plugin called txn_leave without txn_enter");
}

static void api_log(accord_plugin_ctx *p, accord_log_level lvl, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_msgv(lvl, plugin_name(p), fmt, ap);
	va_end(ap);
}

static void api_set_userdata(accord_plugin_ctx *p, void *ud) { p->userdata = ud; }
static void *api_userdata(accord_plugin_ctx *p) { return p->userdata; }

static void api_reply_ok(accord_req *r, json_t *data) { req_reply_ok(r, data); }
static void api_reply_error(accord_req *r, accord_status code, const char *message)
{
	req_reply_error(r, code, message);
}
static const accord_principal *api_req_principal(const accord_req *r)
{
	return r->has_who ? &r->who : NULL;
}
static const char *api_req_type(const accord_req *r) { return r->type; }
static const json_t *api_req_id(const accord_req *r) { return r->id; }
static const char *api_req_retry_key(const accord_req *r)
{
	return r->retry_key[0] ? r->retry_key : NULL;
}

static int64_t api_principal_id(const accord_principal *w) { return w ? w->id : 0; }
static const char *api_principal_login(const accord_principal *w) { return w ? w->login : ""; }
static const char *api_principal_org(const accord_principal *w) { return w ? w->org : ""; }
static int api_principal_is_partner(const accord_principal *w) { return w ? w->partner : 1; }
static int api_principal_has_role(const accord_principal *w, const char *role)
{
	return w && role && principal_role(w, role);
}

static int api_topic_register(accord_plugin_ctx *p, const char *prefix, accord_topic_check_fn check,
			      void *ud)
{
	if (p->retired || bus_register_prefix(p->srv->bus, prefix, p, check, ud)) {
		plugin_log(p, ACCORD_LOG_ERR, "topic_register(%s): invalid or taken", prefix);
		return -1;
	}
	return 0;
}

static int api_publish(accord_plugin_ctx *p, const char *topic, const char *event, json_t *data,
		       const accord_audience *aud)
{
	(void)p;
	return bus_publish(p->srv->bus, topic, event, data, aud);
}

static void api_acl_changed(accord_plugin_ctx *p) { bus_acl_changed(p->srv->bus); }

/* ---- releases ---- */
static int api_item_kind(accord_plugin_ctx *p, const char *kind, accord_item_describe_fn fn, void *ud)
{
	if (p->initialised) {
		plugin_log(p, ACCORD_LOG_ERR, "item_kind(%s): only during init", kind ? kind : "");
		return -1;
	}
	if (release_kind_register(&p->scope, kind, fn, ud)) {
		plugin_log(p, ACCORD_LOG_ERR, "item_kind(%s): invalid or taken", kind ? kind : "");
		return -1;
	}
	return 0;
}

static int api_release_set(accord_plugin_ctx *p, const char *item, const json_t *to)
{
	plugin_host *h = p->h;
	if (!h->release_provider && p->live) {
		plugin_log(p, ACCORD_LOG_ERR, "release_set: not for a plugin installed live");
		return -1;
	}
	if (!h->release_provider)
		h->release_provider = p;
	if (h->release_provider != p) {
		plugin_log(p, ACCORD_LOG_ERR, "release_set: %s is the release provider",
			   h->release_provider->name);
		return -1;
	}
	if (release_set(item, to))
		return -1;
	bus_acl_changed(p->srv->bus);
	return 0;
}

struct pjob {
	accord_plugin_ctx *p;
	accord_db_work_fn work;
	accord_db_done_fn done;
	void *ud;
};

static accord_status pjob_work(accord_txn *txn, void *ud, json_t **out)
{
	struct pjob *j = ud;
	if (!j->work)
		return ACCORD_OK;
	txn_scope_enter(txn, &j->p->scope);
	accord_status st = j->work(txn, j->ud, out);
	txn_scope_leave(txn);
	return st;
}

static void pjob_done(accord_status st, json_t *out, void *ud)
{
	struct pjob *j = ud;
	if (j->done)
		j->done(j->p, st, out, j->ud);
	else
		json_decref(out);
	plugin_unref(j->p);
	free(j);
}

static int api_db_run(accord_plugin_ctx *p, accord_db_work_fn work, accord_db_done_fn done, void *ud)
{
	struct pjob *j = malloc(sizeof(*j));
	if (!j)
		return -1;
	*j = (struct pjob){p, work, done, ud};
	if (!p->srv->st || storage_submit(p->srv->st, pjob_work, pjob_done, j)) {
		free(j);
		return -1;
	}
	plugin_ref(p); /* its done callback runs its code */
	return 0;
}

static const json_t *api_config(accord_plugin_ctx *p) { return p->config; }

static int64_t api_now_ms(void) { return now_ms(); }

static void api_counter_add(accord_plugin_ctx *p, const char *name, uint64_t delta)
{
	metrics_plugin_counter(p->srv->metrics, p->name, name, delta);
}

static void api_gauge_set(accord_plugin_ctx *p, const char *name, uint64_t value)
{
	metrics_plugin_gauge(p->srv->metrics, p->name, name, value);
}

/* permit_item for a person of org who is not connected (a recipient of a
 * notification): the same decision, from a principal made of what it
 * looks at. */
static int api_item_visible_to(const char *org, int partner, const char *item)
{
	struct accord_principal who = {.partner = partner != 0};
	if (!org || strlen(org) >= sizeof(who.org))
		return 0;
	snprintf(who.org, sizeof(who.org), "%s", org);
	return permit_item(&who, item);
}

static accord_status api_txn_exec(accord_txn *txn, const char *sql, const json_t *params,
				  json_t **rows)
{
	return txn_exec(txn, sql, params, rows);
}

/* Core functions a plugin calls inside its work touch the core's tables:
 * they run as the core. */
static accord_status api_account_save(accord_txn *txn, const json_t *a, int64_t *id)
{
	txn_scope_enter(txn, NULL);
	accord_status st = account_save(txn, a, id);
	txn_scope_leave(txn);
	return st;
}

static accord_status api_txn_retry_get(accord_txn *txn, const char *key, json_t **reply)
{
	txn_scope_enter(txn, NULL);
	accord_status st = retry_get(txn, key, reply);
	txn_scope_leave(txn);
	return st;
}

static accord_status api_txn_retry_put(accord_txn *txn, const char *key)
{
	txn_scope_enter(txn, NULL);
	accord_status st = retry_put(txn, key);
	txn_scope_leave(txn);
	return st;
}

const accord_host_api accord_host_api_v1 = {
	.abi_major = ACCORD_ABI_MAJOR,
	.api_size = sizeof(accord_host_api),
	.log = api_log,
	.set_userdata = api_set_userdata,
	.userdata = api_userdata,
	.handle = registry_handle,
	.reply_ok = api_reply_ok,
	.reply_error = api_reply_error,
	.req_principal = api_req_principal,
	.req_type = api_req_type,
	.principal_id = api_principal_id,
	.principal_login = api_principal_login,
	.principal_org = api_principal_org,
	.principal_is_partner = api_principal_is_partner,
	.principal_has_role = api_principal_has_role,
	.topic_register = api_topic_register,
	.publish = api_publish,
	.acl_changed = api_acl_changed,
	.audience_new = audience_new,
	.audience_add_org = audience_add_org,
	.audience_add_user = audience_add_user,
	.audience_add_role = audience_add_role,
	.audience_members_only = audience_members_only,
	.audience_free = audience_destroy,
	.listen = registry_listen,
	.emit = registry_emit,
	.db_run = api_db_run,
	.txn_exec = api_txn_exec,
	.txn_last_id = txn_last_id,
	.txn_changes = txn_changes,
	.config = api_config,
	.http_route = registry_http_route,
	.http_path = http_path,
	.http_query = http_query,
	.http_respond = http_respond,
	.cli = registry_cli,
	.timer_add = registry_timer_add,
	.timer_cancel = registry_timer_cancel,
	.now_ms = api_now_ms,
	.counter_add = api_counter_add,
	.namespace_claim = registry_namespace_claim,
	.auth_extension = registry_auth_extension,
	.password_hash = auth_password_hash,
	.account_save = api_account_save,
	.account_changed = auth_account_changed,
	.account_online = auth_account_online,
	.token_new = token_new,
	.token_hash = token_hash,
	.req_id = api_req_id,
	.group_provider = api_group_provider,
	.group_scoped = api_group_scoped,
	.req_group = api_req_group,
	.plugin_group_scoped = api_plugin_group_scoped,
	.http_method = http_method,
	.http_body = http_body,
	.group_access = api_group_access,
	.group_provider_writable = api_group_provider_writable,
	.group_writable = api_group_writable,
	.item_kind = api_item_kind,
	.item_describe = release_describe,
	.release_set = api_release_set,
	.item_visible = permit_item,
	.audience_add_members = audience_add_members,
	.audience_add_partners = audience_add_partners,
	.audience_add_item = audience_add_item,
	.http_route_partner = registry_http_route_partner,
	.req_retry_key = api_req_retry_key,
	.txn_retry_get = api_txn_retry_get,
	.txn_retry_put = api_txn_retry_put,
	.http_body_fd = http_body_fd,
	.group_provider_orgs = api_group_provider_orgs,
	.group_orgs = api_group_orgs,
	.service_export = loader_service_export,
	.service_import = loader_service_import,
	.txn_enter = api_txn_enter,
	.txn_leave = api_txn_leave,
	.group_provider_plugins = api_group_provider_plugins,
	.item_visible_to = api_item_visible_to,
	.gauge_set = api_gauge_set,
};
