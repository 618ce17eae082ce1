/*
 * Connections: shared outbound frames, the bounded per-connection queue,
 * principals and audiences.
 *
 * A conn outlives its wsi while requests are in flight (each holds a
 * reference), so a reply that completes after the client left is dropped
 * instead of touching freed memory.  The outbound queue is a ring of
 * pointers to shared frames; when it is full the client is dropped at once
 * (lws kills the socket asynchronously), counted in /metrics, and nothing
 * more is buffered for it: memory per client stays bounded.
 */
#include "server.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

msgbuf *msgbuf_new(const char *s, size_t len)
{
	msgbuf *m = malloc(sizeof(*m) + LWS_PRE + len + 1);
	if (!m)
		return NULL;
	m->refs = 1;
	m->len = len;
	memcpy(m->data + LWS_PRE, s, len);
	m->data[LWS_PRE + len] = 0;
	return m;
}

msgbuf *msgbuf_take(char *s, size_t len)
{
	if (!s)
		return NULL;
	msgbuf *m = msgbuf_new(s, len);
	free(s);
	return m;
}

void msgbuf_unref(msgbuf *m)
{
	if (m && --m->refs == 0)
		free(m);
}

void conn_ref(conn *c) { c->refs++; }

void conn_unref(conn *c)
{
	if (--c->refs)
		return;
	while (c->q_len) {
		msgbuf_unref(c->q[c->q_head]);
		c->q_head = (c->q_head + 1) % c->q_cap;
		c->q_len--;
	}
	free(c->q);
	free(c->subs);
	free(c->rx);
	free(c->who);
	free(c);
}

static void conn_kill(conn *c)
{
	if (!c->wsi || c->dropped)
		return;
	c->dropped = 1;
	c->closing = 1;
	metrics_drop(c->srv->metrics);
	log_info("dropping connection %llu (%s): %u frames queued, client not reading",
		 (unsigned long long)c->id, c->peer, c->q_len);
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

/* Backpressure (the way an MQTT broker's receive maximum or HTTP/2's
 * concurrent-stream limit works): a connection with limits.inflight_per_conn
 * requests unanswered, or with half of limits.outbound_queue_max frames
 * waiting, is not read until it has fallen back (fewer unanswered requests
 * and a quarter of the queue).  A client that pipelines faster than the
 * server answers is slowed down, not dropped; what it sent waits in its own
 * socket buffer.  Dropping stays for clients that do not read. */
void conn_flow(conn *c)
{
	if (!c->wsi || c->dropped)
		return;
	const accord_limits *l = &c->srv->cfg->limits;
	uint32_t hi = (uint32_t)(l->outbound_queue_max / 2), lo = (uint32_t)(l->outbound_queue_max / 4);
	if (!c->rx_paused) {
		if (!c->closing && (c->inflight >= (uint32_t)l->inflight_per_conn || c->q_len >= hi)) {
			lws_rx_flow_control(c->wsi, 0);
			c->rx_paused = 1;
			metrics_rx_paused(c->srv->metrics);
		}
	} else if (c->closing || (c->inflight < (uint32_t)l->inflight_per_conn && c->q_len <= lo)) {
		/* a closing connection is read again: its input is discarded
		 * during the linger before the close frame */
		lws_rx_flow_control(c->wsi, 1);
		c->rx_paused = 0;
	}
}

void conn_send(conn *c, msgbuf *m)
{
	if (!c->wsi || c->dropped || !m)
		return;
	if (c->q_len >= (uint32_t)c->srv->cfg->limits.outbound_queue_max ||
	    c->q_bytes + m->len > (size_t)c->srv->cfg->limits.outbound_queue_bytes) {
		conn_kill(c);
		return;
	}
	if (c->q_len == c->q_cap) {
		/* Grow geometrically up to the configured cap; idle clients keep
		 * a tiny ring. */
		uint32_t ncap = c->q_cap ? c->q_cap * 2 : 4;
		if (ncap > (uint32_t)c->srv->cfg->limits.outbound_queue_max)
			ncap = (uint32_t)c->srv->cfg->limits.outbound_queue_max;
		msgbuf **nq = malloc(ncap * sizeof(*nq));
		if (!nq) {
			conn_kill(c);
			return;
		}
		for (uint32_t i = 0; i < c->q_len; i++)
			nq[i] = c->q[(c->q_head + i) % c->q_cap];
		free(c->q);
		c->q = nq;
		c->q_head = 0;
		c->q_cap = ncap;
	}
	c->q[(c->q_head + c->q_len) % c->q_cap] = msgbuf_ref(m);
	c->q_len++;
	c->q_bytes += m->len;
	lws_callback_on_writable(c->wsi);
	if (!c->rx_paused && c->q_len >= (uint32_t)(c->srv->cfg->limits.outbound_queue_max / 2))
		conn_flow(c);
}

void conn_send_text(conn *c, char *json, size_t len)
{
	msgbuf *m = msgbuf_take(json, len);
	if (!m)
		return;
	conn_send(c, m);
	msgbuf_unref(m);
}

static void close_linger_done(lws_sorted_usec_list_t *sul)
{
	conn *c = lws_container_of(sul, conn, close_sul);
	c->close_ready = 1;
	if (c->wsi)
		lws_callback_on_writable(c->wsi);
}

/* Closing a socket that still has unread input makes the kernel send a
 * reset, and the client then loses the replies it has not read yet (the
 * rate_limited errors that explain the close, say).  So input is ignored
 * from now on, and the close frame goes out after a short linger during
 * which lws keeps reading and discarding what the client already sent. */
void conn_close_after_flush(conn *c, int code, const char *reason)
{
	if (!c->wsi || c->close_code)
		return;
	c->closing = 1;
	conn_flow(c);
	c->close_code = code;
	snprintf(c->close_reason, sizeof(c->close_reason), "%s", reason);
	if (c->srv->ctx && !c->srv->shutting_down)
		lws_sul_schedule(c->srv->ctx, 0, &c->close_sul, close_linger_done,
				 250 * LWS_US_PER_MS);
	else
		c->close_ready = 1;
	lws_callback_on_writable(c->wsi);
}

int conn_set_principal(conn *c, const struct accord_principal *p, const char *token_hash,
		       int64_t expires)
{
	if (!c->who)
		c->who = malloc(sizeof(*c->who));
	if (!c->who)
		return -1;
	*c->who = *p;
	if (token_hash) {
		snprintf(c->token_hash, sizeof(c->token_hash), "%s", token_hash);
		c->has_token = 1;
	}
	lws_sul_cancel(&c->auth_sul);
	c->expires_ms = expires * 1000;
	if (expires && c->srv->ctx) {
		int64_t left = c->expires_ms - now_ms();
		lws_sul_schedule(c->srv->ctx, 0, &c->auth_sul, conn_auth_timer,
				 (lws_usec_t)(left > 0 ? left : 0) * LWS_US_PER_MS + 1000);
	}
	return 0;
}

void conn_clear_principal(conn *c)
{
	free(c->who);
	c->who = NULL;
	c->has_token = 0;
	c->expires_ms = 0;
	c->auth_grace = 0;
	if (c->wsi && c->srv->ctx)
		lws_sul_schedule(c->srv->ctx, 0, &c->auth_sul, conn_auth_timer,
				 (lws_usec_t)c->srv->cfg->limits.auth_timeout_s * LWS_US_PER_SEC);
}

/* ---- principals ---- */

static void copy_str(char *dst, size_t cap, const json_t *v)
{
	snprintf(dst, cap, "%s", json_is_string(v) ? json_string_value(v) : "");
}

int principal_from_row(struct accord_principal *p, const json_t *row)
{
	memset(p, 0, sizeof(*p));
	const json_t *id = json_object_get(row, "id");
	if (!json_is_integer(id))
		return -1;
	p->id = json_integer_value(id);
	copy_str(p->login, sizeof(p->login), json_object_get(row, "login"));
	copy_str(p->name, sizeof(p->name), json_object_get(row, "name"));
	copy_str(p->org, sizeof(p->org), json_object_get(row, "org"));
	copy_str(p->roles, sizeof(p->roles), json_object_get(row, "roles"));
	copy_str(p->lang, sizeof(p->lang), json_object_get(row, "lang"));
	const json_t *st = json_object_get(row, "standing");
	p->partner = json_is_string(st) && !strcmp(json_string_value(st), "partner");
	return 0;
}

int principal_role(const struct accord_principal *p, const char *role)
{
	size_t n = strlen(role);
	const char *s = p->roles;
	while (*s) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		if (len == n && !strncmp(s, role, n))
			return 1;
		if (!comma)
			break;
		s = comma + 1;
	}
	return 0;
}

json_t *principal_to_json(const struct accord_principal *p)
{
	json_t *roles = json_array();
	const char *s = p->roles;
	while (*s) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		if (len)
			json_array_append_new(roles, json_stringn(s, len));
		if (!comma)
			break;
		s = comma + 1;
	}
	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:o,s:s?}", "id", (json_int_t)p->id, "login",
			 p->login, "name", p->name, "org", p->org, "standing",
			 p->partner ? "partner" : "member", "roles", roles, "lang",
			 p->lang[0] ? p->lang : NULL);
}

/* ---- audiences ---- */

int audience_matches(const struct accord_audience *a, const struct accord_principal *p)
{
	if (!a)
		return !p->partner;
	if (a->failed)
		return 0;
	if (a->members_only && p->partner)
		return 0;
	if (!a->members && !a->partners && !a->n_orgs && !a->n_users && !a->n_roles && !a->n_items)
		return !p->partner;
	if (p->partner ? a->partners : a->members)
		return 1;
	for (size_t i = 0; i < a->n_users; i++)
		if (a->users[i] == p->id)
			return 1;
	for (size_t i = 0; i < a->n_orgs; i++)
		if (!strcmp(a->orgs[i], p->org))
			return 1;
	for (size_t i = 0; i < a->n_roles; i++)
		if (principal_role(p, a->roles[i]))
			return 1;
	/* A released item admits the partners it was released to; members
	 * are admitted by the other terms (or a->members), not by this. */
	if (p->partner)
		for (size_t i = 0; i < a->n_items; i++)
			if (release_visible(p, a->items[i]))
				return 1;
	return 0;
}

/* NULL when n is 0 or memory ran out. */
static char **copy_strv(char **v, size_t n)
{
	if (!n)
		return NULL;
	char **out = calloc(n, sizeof(*out));
	for (size_t i = 0; out && i < n; i++)
		if (!(out[i] = strdup(v[i]))) {
			while (i--)
				free(out[i]);
			free(out);
			return NULL;
		}
	return out;
}

struct accord_audience audience_none = {.failed = 1};

struct accord_audience *audience_copy(const struct accord_audience *a)
{
	if (!a)
		return NULL;
	struct accord_audience *c = calloc(1, sizeof(*c));
	if (!c)
		return &audience_none;
	c->members_only = a->members_only;
	c->members = a->members;
	c->partners = a->partners;
	/* Each count is set only with its copy, so that a copy short of
	 * memory can be destroyed; it is then marked failed (matches nobody)
	 * rather than left wider than the original. */
	if ((c->items = copy_strv(a->items, a->n_items)))
		c->n_items = a->n_items;
	if ((c->orgs = copy_strv(a->orgs, a->n_orgs)))
		c->n_orgs = a->n_orgs;
	if ((c->roles = copy_strv(a->roles, a->n_roles)))
		c->n_roles = a->n_roles;
	if (a->n_users && (c->users = malloc(a->n_users * sizeof(int64_t)))) {
		memcpy(c->users, a->users, a->n_users * sizeof(int64_t));
		c->n_users = a->n_users;
	}
	c->failed = a->failed || c->n_items != a->n_items || c->n_orgs != a->n_orgs ||
		    c->n_roles != a->n_roles || c->n_users != a->n_users;
	return c;
}

void audience_destroy(struct accord_audience *a)
{
	if (!a || a == &audience_none)
		return;
	for (size_t i = 0; i < a->n_orgs; i++)
		free(a->orgs[i]);
	for (size_t i = 0; i < a->n_roles; i++)
		free(a->roles[i]);
	for (size_t i = 0; i < a->n_items; i++)
		free(a->items[i]);
	free(a->items);
	free(a->orgs);
	free(a->roles);
	free(a->users);
	free(a);
}
