/*
 * Connections: shared outbound frames and the bounded per-connection
 * queue (the principal a connection speaks for is session.c's).
 *
 * A conn outlives its wsi while requests are in flight (each holds a
 * reference), so a reply that completes after the client left is dropped
 * instead of touching freed memory.  The outbound queue is a ring of
 * pointers to shared frames; when it is full the client is dropped at once
 * (lws kills the socket asynchronously), counted in /metrics, and nothing
 * more is buffered for it: memory per client stays bounded.
 */
#include "conn.h"
#include "log.h"
#include "metrics.h"

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
	uint32_t hi = (uint32_t)(l->outbound_queue_max / 2),
		 lo = (uint32_t)(l->outbound_queue_max / 4);
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

static void close_linger_done(deadline *d)
{
	conn *c = lws_container_of(d, conn, close_dl);
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
	if (c->srv->ctx && !c->srv->shutting_down &&
	    !deadline_arm(c->srv->timers, &c->close_dl, close_linger_done, 250 * LWS_US_PER_MS))
		;
	else
		c->close_ready = 1;
	lws_callback_on_writable(c->wsi);
}
