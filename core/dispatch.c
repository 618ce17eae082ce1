/*
 * Request dispatch: rate limiting, envelope validation, the permission
 * gate (permit.c), routing by type, and the core's own sys.* and sub.*
 * handlers.  Every request gets exactly one reply (req.c).
 */
#include "dispatch.h"
#include "auth.h"
#include "bus.h"
#include "clock.h"
#include "conn.h"
#include "envelope.h"
#include "loader.h"
#include "log.h"
#include "metrics.h"
#include "permit.h"
#include "plugin_host.h"
#include "plugin_live.h"
#include "principal.h"
#include "registry.h"
#include "req.h"

#include <stdlib.h>
#include <string.h>

static void send_error(conn *c, const json_t *id, accord_status code, const char *message)
{
	metrics_error(c->srv->metrics, code);
	metrics_msg_out(c->srv->metrics, "reply", 1);
	size_t len;
	char *j = reply_error_json(id, code, message, &len);
	if (j)
		conn_send_text(c, j, len);
}

/* Token bucket: refills rate_per_sec per second up to rate_burst. */
static int rate_ok(conn *c)
{
	const accord_limits *l = &c->srv->cfg->limits;
	int64_t t = now_ms();
	if (!c->refill_ms) {
		c->refill_ms = t;
		c->tokens = (double)l->rate_burst;
	}
	c->tokens += (double)(t - c->refill_ms) * (double)l->rate_per_sec / 1000.0;
	if (c->tokens > (double)l->rate_burst)
		c->tokens = (double)l->rate_burst;
	c->refill_ms = t;
	if (c->tokens >= 1.0) {
		c->tokens -= 1.0;
		return 1;
	}
	return 0;
}

void dispatch_message(server *srv, conn *c, const char *buf, size_t len)
{
	if (c->closing)
		return;
	envelope env;
	char msg[200];
	accord_status st = envelope_parse(buf, len, &env, msg, sizeof(msg));
	/* Rate limiting comes after parsing so that even a rate_limited reply
	 * is addressed to its request; parsing is bounded by the size cap. */
	if (!rate_ok(c)) {
		/* Count rate_limited replies within a window, so a long-lived
		 * client that sometimes bursts is not closed for its history. */
		int64_t t = now_ms();
		if (t - c->last_limited_ms > 10000)
			c->limited = 0;
		c->last_limited_ms = t;
		c->limited++;
		if (c->limited >= srv->cfg->limits.flood_close_after) {
			log_warn("closing connection %llu (%s): request flood",
				 (unsigned long long)c->id, c->peer);
			conn_close_after_flush(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "request flood");
		} else
			send_error(c, env.id, ACCORD_E_RATE_LIMITED,
				   "too many requests: slow down or the connection will be closed");
		envelope_free(&env);
		return;
	}
	if (st != ACCORD_OK) {
		metrics_msg_in(srv->metrics, "other");
		send_error(c, env.id, st, msg);
		envelope_free(&env);
		return;
	}
	const handler *h = plugins_find_handler(srv->plugins, env.type);
	metrics_msg_in(srv->metrics, h ? env.type : "other");
	if (!h) {
		snprintf(msg, sizeof(msg), "unknown type \"%s\"", env.type);
		send_error(c, env.id, ACCORD_E_UNKNOWN_TYPE, msg);
		envelope_free(&env);
		return;
	}
	const char *why;
	if ((st = permit_request(c->who, h->flags, &why)) != ACCORD_OK) {
		send_error(c, env.id, st, why);
		envelope_free(&env);
		return;
	}
	if (srv->shutting_down) {
		send_error(c, env.id, ACCORD_E_UNAVAILABLE, "the server is shutting down");
		envelope_free(&env);
		return;
	}
	struct accord_req *r = req_new(c, env.id, env.type);
	if (!r) {
		send_error(c, env.id, ACCORD_E_INTERNAL, "out of memory");
		envelope_free(&env);
		return;
	}
	/* Scoped to the person, their standing (a reply kept for a member is
	 * never replayed to the same account as a partner) and the type.
	 * Core types (sub., sys.) keep nothing. */
	if (env.idem && c->who && !h->core_fn)
		snprintf(r->retry_key, sizeof(r->retry_key), "%lld:%c:%s:%s", (long long)c->who->id,
			 c->who->partner ? 'p' : 'm', env.type, env.idem);
	if ((st = permit_request_group(plugins_groups(srv->plugins), plugin_group_scoped(h->plugin),
				       plugin_name(h->plugin), c->who, env.data, &r->group, &why)) !=
	    ACCORD_OK) {
		req_reply_error(r, st, why);
		envelope_free(&env);
		return;
	}
	r->plugin = h->plugin; /* the version that answers, however long it takes */
	plugin_ref(r->plugin);
	if (h->core_fn)
		h->core_fn(srv, c, r, env.data);
	else
		h->fn(h->plugin, r, env.data, h->ud);
	envelope_free(&env);
}

/* ---- core handlers ---- */

static void sys_ping(server *srv, conn *c, struct accord_req *r, const json_t *d)
{
	(void)srv;
	(void)c;
	(void)d;
	req_reply_ok(r, json_pack("{s:I}", "time", (json_int_t)now_ms()));
}

static void sys_info(server *srv, conn *c, struct accord_req *r, const json_t *d)
{
	(void)c;
	(void)d;
	/* unsigned_plugins_allowed: plugins.allow_unsigned, a development
	 * switch that must be visible wherever the plugins are shown. */
	req_reply_ok(r, json_pack("{s:s,s:i,s:o,s:b}", "version", ACCORD_VERSION, "abi",
				  ACCORD_ABI_MAJOR, "plugins", plugins_info(srv->plugins),
				  "unsigned_plugins_allowed", srv->cfg->allow_unsigned));
}

/* Every plugin and what it may do (plugin_live.c: plugins_describe), for
 * the people who decide what a working group runs: co-chairs, the
 * secretariat and the leads of a group. */
static void sys_plugins(server *srv, conn *c, struct accord_req *r, const json_t *d)
{
	(void)c;
	(void)d;
	plugin_host *h = srv->plugins;
	const struct accord_principal *w = r->has_who ? &r->who : NULL;
	/* sys.* is open to partners (docs/protocol.md): they are answered here,
	 * like any member who is none of these. */
	int may = w && !w->partner &&
		  (principal_role(w, "co_chair") || principal_role(w, "secretariat"));
	if (!may && w && !w->partner && h->group_plugins) {
		json_t *led = h->group_plugins(h->groups.provider, NULL, w->org, h->group_plugins_ud);
		may = json_array_size(led) > 0;
		json_decref(led);
	}
	if (!may) {
		req_reply_error(r, ACCORD_E_FORBIDDEN,
				"only co-chairs, the secretariat and group leads see the plugins");
		return;
	}
	req_reply_ok(r, json_pack("{s:o}", "plugins", plugins_describe(h)));
}

static const char *topic_arg(struct accord_req *r, const json_t *d)
{
	const json_t *t = json_object_get(d, "topic");
	if (!json_is_string(t)) {
		req_reply_error(r, ACCORD_E_BAD_REQUEST, "topic: required string");
		return NULL;
	}
	return json_string_value(t);
}

static void sub_add(server *srv, conn *c, struct accord_req *r, const json_t *d)
{
	const char *topic = topic_arg(r, d);
	if (!topic)
		return;
	const json_t *since = json_object_get(d, "since");
	if (since && !json_is_null(since) &&
	    !(json_is_integer(since) && json_integer_value(since) >= 0)) {
		req_reply_error(r, ACCORD_E_BAD_REQUEST, "since: expected a non-negative integer");
		return;
	}
	char msg[128];
	json_t *reply = json_object();
	accord_status st = bus_subscribe(srv->bus, c, topic, since, reply, msg, sizeof(msg));
	if (st != ACCORD_OK) {
		json_decref(reply);
		req_reply_error(r, st, msg);
		return;
	}
	req_reply_ok(r, reply);
}

static void sub_remove(server *srv, conn *c, struct accord_req *r, const json_t *d)
{
	const char *topic = topic_arg(r, d);
	if (!topic)
		return;
	if (bus_unsubscribe(srv->bus, c, topic) != ACCORD_OK) {
		req_reply_error(r, ACCORD_E_NOT_FOUND, "not subscribed to that topic");
		return;
	}
	req_reply_ok(r, json_pack("{s:s}", "topic", topic));
}

void dispatch_register_core(server *srv)
{
	plugins_add_core_handler(srv->plugins, "sys.ping", sys_ping, ACCORD_REQ_ANONYMOUS);
	plugins_add_core_handler(srv->plugins, "sys.info", sys_info, ACCORD_REQ_PARTNER);
	plugins_add_core_handler(srv->plugins, "sys.plugins", sys_plugins, ACCORD_REQ_PARTNER);
	plugins_add_core_handler(srv->plugins, "sub.add", sub_add, ACCORD_REQ_PARTNER);
	plugins_add_core_handler(srv->plugins, "sub.remove", sub_remove, ACCORD_REQ_PARTNER);
	auth_register_handlers(srv);
}
