/*
 * Connections: one per WebSocket, with its bounded queue of shared
 * outbound frames, its reassembly buffer, its rate limit and its
 * subscriptions (owned by the bus).
 */
#ifndef ACCORD_CONN_H
#define ACCORD_CONN_H

#include <libwebsockets.h>
#include <stdint.h>

#include "context.h"
#include "deadline.h"
#include "principal.h"

/* ---- shared, reference-counted outbound frames ---- */

/* One serialised frame with LWS_PRE bytes of headroom, shared by every
 * recipient of a broadcast: serialised once, queued by pointer. */
typedef struct msgbuf {
	unsigned refs;
	size_t len;
	unsigned char data[]; /* LWS_PRE + len + 1 */
} msgbuf;

msgbuf *msgbuf_new(const char *s, size_t len);
/* Takes ownership of a malloc'd JSON text. */
msgbuf *msgbuf_take(char *s, size_t len);
static inline msgbuf *msgbuf_ref(msgbuf *m)
{
	m->refs++;
	return m;
}
void msgbuf_unref(msgbuf *m);
static inline const char *msgbuf_text(const msgbuf *m) { return (const char *)m->data + LWS_PRE; }

/* ---- connections ---- */
typedef struct sub sub;

typedef struct conn {
	server *srv;
	struct lws *wsi; /* NULL once closed */
	uint64_t id;
	unsigned refs;  /* the wsi holds one; each request in flight holds one */
	int closing;    /* no more input is processed */
	int dropped;    /* killed for falling behind */
	int close_code; /* send this close code once the queue is flushed */
	char close_reason[64];
	char peer[64];

	struct accord_principal *who; /* NULL until authenticated */
	char token_hash[65];          /* hex BLAKE2b of the session token */
	int has_token;
	int auth_busy;              /* a login/resume is in flight */
	char auth_login[65];        /* the login whose password check is in flight */
	struct login_job *auth_job; /* that check, told when the connection goes */

	/* inbound reassembly */
	char *rx;
	size_t rx_len, rx_cap;
	int rx_oversize, rx_binary;

	/* outbound queue: a ring of shared frames */
	msgbuf **q;
	uint32_t q_head, q_len, q_cap;

	/* token bucket */
	double tokens;
	int64_t refill_ms;
	long limited;

	/* subscriptions */
	sub **subs;
	uint32_t n_subs, subs_cap;

	deadline auth_dl; /* auth deadline, then session expiry */
	int auth_grace;
	int64_t expires_ms;
	int64_t last_limited_ms;
	size_t q_bytes;
	deadline close_dl; /* lingers before a server-side close */
	int close_ready;
	/* backpressure: input is not read while too many of this connection's
	 * requests are unanswered or too many frames wait to be written */
	uint32_t inflight;
	int rx_paused;
	struct conn *prev, *next;
} conn;

void conn_flow(conn *c);
void conn_ref(conn *c);
void conn_unref(conn *c);
/* Queues a frame; drops the client if its queue is full. */
void conn_send(conn *c, msgbuf *m);
void conn_send_text(conn *c, char *json, size_t len); /* takes json */
/* Flushes the queue, then closes with code/reason. */
void conn_close_after_flush(conn *c, int code, const char *reason);

#endif
