/*
 * HTTP routes served by callback: /healthz, /metrics and plugin routes under
 * /api/<plugin>/.  Static files of the web client are served by an lws file
 * mount (see server.c); security headers come from the vhost's canned
 * header list, so they are on every response.
 *
 * A response may be produced later than the request (after a database round
 * trip or a token lookup).  The accord_http object is therefore separate
 * from lws's per-session memory and reference-counted: one reference for
 * the live wsi, one for the pending work.  Headers and body are written in
 * two HTTP_WRITEABLE callbacks, one lws_write each.
 *
 * POST bodies (plugin uploads) are decided on their headers: the route, the
 * Content-Length against limits.max_upload_bytes, the bearer token and
 * whether the route is open to partners are checked before a byte of the
 * body is read (input is paused while the token is looked up), and a
 * refusal is answered at once.  An upload also needs a place among
 * limits.max_concurrent_uploads and limits.max_upload_total_bytes, or it
 * is answered 503 with Retry-After.  An accepted body is written, as it
 * arrives, to an unlinked temporary file next to the database (no fsync:
 * the plugin makes its own copy durable), so a body never sits in memory;
 * the file goes, and its place is given back, when the response is ready.
 */
#include "http.h"
#include "auth.h"
#include "bus.h"
#include "log.h"
#include "metrics.h"
#include "origin.h"
#include "permit.h"
#include "plugin_host.h"
#include "registry.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

/* Seconds a refused upload's connection stays half-closed, so that the
 * answer reaches a client that is still sending before the socket closes
 * (closing with unread input would reset the connection and could drop
 * the answer).  Its input is not read meanwhile. */
#define HTTP_LINGER_S 2
/* Retry-After of a 503 for an upload over the caps. */
#define HTTP_UPLOAD_RETRY_S 2

struct accord_http {
	struct lws *wsi; /* NULL once the client has gone */
	server *srv;
	int refs;
	char path[256];
	json_t *args;
	int ready, headers_sent;
	int status;
	char ctype[64];
	char *body;
	size_t len;
	struct accord_plugin_ctx *plugin;
	accord_http_fn fn;
	void *ud;
	struct accord_principal who; /* copy: valid as long as h */
	int post;
	char auth[256];
	int partners; /* the route is open to partners */
	/* POST body: an unlinked temporary file, -1 when there is none */
	int body_fd;
	size_t rx_len, rx_expect; /* written so far; the Content-Length */
	int rx_errno;             /* a write to the file failed */
	int reserved;             /* holds a place among the upload caps */
	int rx_paused;
	int auth_pending; /* the bearer token is being looked up */
	int authed;       /* the token is good and the route open to its holder */
	int body_done;    /* the whole body has arrived (or there is none) */
	int routed;       /* handed to the route handler (or answered) */
	int retry_after;  /* seconds, for a 503 over the upload caps */
	int close_after;  /* answered before its body was read: no keep-alive */
	int linger;       /* 1: half-close after the answer; 2: half-closed */
	void *map;        /* http_body's read-only mapping of the file */
	int www_auth;     /* a 401 that asks for a bearer token */
};

struct http_pss {
	struct accord_http *h;
};

/* Drops the body's file and mapping and gives back its place among the
 * upload caps.  Called when the response is ready: the route has finished
 * with the body by then, and the next upload should not wait for the
 * answer to be written. */
static void body_release(struct accord_http *h)
{
	if (h->map) {
		munmap(h->map, h->rx_len);
		h->map = NULL;
	}
	if (h->body_fd >= 0) {
		close(h->body_fd);
		h->body_fd = -1;
	}
	if (h->reserved) {
		h->reserved = 0;
		h->srv->uploads_active--;
		h->srv->upload_bytes -= (long long)h->rx_expect;
	}
}

static void http_unref(struct accord_http *h)
{
	if (--h->refs)
		return;
	body_release(h);
	plugin_unref(h->plugin);
	json_decref(h->args);
	free(h->body);
	free(h);
}

const char *http_path(const accord_http *h) { return h->path; }
const char *http_method(const accord_http *h) { return h->post ? "POST" : "GET"; }

/* For plugins built before http_body_fd: the body mapped read-only from its
 * file (page cache, not heap), unmapped when the response is given. */
const char *http_body(const accord_http *h, size_t *len)
{
	accord_http *m = (accord_http *)h;
	if (len)
		*len = 0;
	if (h->body_fd < 0 || !h->rx_len)
		return "";
	if (!m->map) {
		void *p = mmap(NULL, h->rx_len, PROT_READ, MAP_PRIVATE, h->body_fd, 0);
		if (p == MAP_FAILED)
			return "";
		m->map = p;
	}
	if (len)
		*len = h->rx_len;
	return m->map;
}

/* The body's file, for plugins that copy it off the loop; the descriptor
 * stays the core's and valid until the response is given. */
int http_body_fd(const accord_http *h, size_t *len)
{
	if (len)
		*len = h->body_fd >= 0 ? h->rx_len : 0;
	return h->body_fd;
}

const char *http_query(const accord_http *h, const char *name)
{
	const json_t *v = json_object_get(h->args, name);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

void http_respond(accord_http *h, int status, const char *ctype, const char *body, size_t len)
{
	if (h->ready)
		return;
	/* A route answering 500 after a job the database failed: say why, as
	 * for WebSocket replies (see storage_current_failure). */
	const char *why = status == 500 ? storage_current_failure(h->srv->st) : NULL;
	char failed[256];
	if (why) {
		status = 503;
		ctype = "application/json";
		len = (size_t)snprintf(failed, sizeof(failed),
				       "{\"error\":\"unavailable\",\"message\":\"%s\"}", why);
		body = failed;
	}
	h->ready = 1;
	h->routed = 1;
	h->status = status;
	snprintf(h->ctype, sizeof(h->ctype), "%s", ctype ? ctype : "text/plain");
	h->body = malloc(len + 1);
	if (h->body && len) { /* body may be NULL when len is 0 */
		memcpy(h->body, body, len);
		h->len = len;
	}
	body_release(h); /* after the copy: body may point into the mapping */
	if (h->wsi)
		lws_callback_on_writable(h->wsi);
	http_unref(h); /* the pending-work reference */
}

static void respond_json(accord_http *h, int status, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	http_respond(h, status, "application/json", s ? s : "{}", s ? strlen(s) : 2);
	free(s);
}

static accord_status health_probe(accord_txn *txn, void *ud, json_t **out)
{
	(void)ud;
	(void)out;
	return storage_probe(txn);
}

/* Healthy means commits succeed: the probe's own round trip, and the
 * storage thread's record of the last batch that wrote (a failed commit of
 * any client's write makes this 503 until a write commits again). */
static void health_done(accord_status st, json_t *out, void *ud)
{
	json_decref(out);
	accord_http *h = ud;
	storage_health hs;
	storage_get_health(h->srv->st, &hs);
	if (st == ACCORD_OK && !hs.failing) {
		json_t *o = json_pack("{s:s,s:s}", "status", "ok", "db", "ok");
		/* the development switch shows wherever someone looks */
		if (o && h->srv->cfg->allow_unsigned)
			json_object_set_new(o, "unsigned_plugins_allowed", json_true());
		respond_json(h, 200, o);
		return;
	}
	const char *why = hs.failing && hs.reason[0] ? hs.reason : "the database probe failed";
	json_t *o = json_pack("{s:s,s:s,s:s}", "status", "unavailable", "db", "error", "reason", why);
	if (hs.failing)
		json_object_set_new(o, "since", json_integer((json_int_t)hs.since_ms));
	respond_json(h, 503, o);
}

/* Is the peer on the loopback interface (IPv4 127/8, ::1, or IPv4-mapped)? */
static int peer_is_loopback(struct lws *wsi)
{
	char peer[64] = "";
	lws_get_peer_simple(wsi, peer, sizeof(peer));
	return !strncmp(peer, "127.", 4) || !strcmp(peer, "::1") || !strncmp(peer, "::ffff:127.", 11);
}

/* /metrics answers only as configured: with the bearer token of
 * metrics.token, or without it to loopback clients when metrics.anonymous
 * is "loopback"; nobody else.  Its counters say how many requests of each
 * type the server answers, which is nobody's business but the operator's.
 * The token is compared in constant time. */
static void metrics_route(struct lws *wsi, accord_http *h, server *srv)
{
	const accord_config *cfg = srv->cfg;
	char auth[300] = "";
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION) > 0)
		lws_hdr_copy(wsi, auth, sizeof(auth), WSI_TOKEN_HTTP_AUTHORIZATION);
	size_t tl = strlen(cfg->metrics_token);
	int token_ok = tl && !strncmp(auth, "Bearer ", 7) && strlen(auth + 7) == tl &&
		       !sodium_memcmp(auth + 7, cfg->metrics_token, tl);
	int loopback_open = !strcmp(cfg->metrics_anonymous, "loopback");
	accord_status st = permit_metrics(tl > 0, token_ok, loopback_open,
					  loopback_open && peer_is_loopback(wsi));
	if (st == ACCORD_E_UNAUTHENTICATED) {
		h->www_auth = 1;
		respond_json(h, 401,
			     json_pack("{s:s,s:s}", "error", "unauthenticated", "message",
				       "/metrics needs the metrics bearer token"));
		return;
	}
	if (st != ACCORD_OK) {
		respond_json(h, 403,
			     json_pack("{s:s,s:s}", "error", "forbidden", "message",
				       "/metrics is not open to this client: configure "
				       "metrics.token (or metrics.anonymous: loopback)"));
		return;
	}
	metrics_gauges g = {.connections = srv->n_conns,
			    .uploads_active = srv->uploads_active,
			    .upload_bytes = srv->upload_bytes,
			    .topics = bus_topic_count(srv->bus)};
	storage_get_stats(srv->st, &g.storage);
	size_t len = 0;
	char *txt = metrics_render(srv->metrics, &g, &len);
	http_respond(h, 200, "text/plain; version=0.0.4", txt ? txt : "", txt ? len : 0);
	free(txt);
}

static void api_authed(server *srv, const struct accord_principal *who, int64_t expires, void *ud)
{
	(void)srv;
	(void)expires;
	accord_http *h = ud;
	if (!h->wsi) { /* gone: answer nobody, release */
		http_respond(h, 500, "text/plain", "", 0);
		return;
	}
	if (who)
		h->who = *who;
	const char *why;
	if (permit_route(who, h->partners, &why) != ACCORD_OK) {
		respond_json(h, 403, json_pack("{s:s,s:s}", "error", "forbidden", "message", why));
		return;
	}
	h->fn(h->plugin, h, who ? &h->who : NULL, h->ud);
}

static void collect_args(struct lws *wsi, accord_http *h)
{
	h->args = json_object();
	char buf[512];
	for (int i = 0; i < 32; i++) {
		int n = lws_hdr_copy_fragment(wsi, buf, sizeof(buf), WSI_TOKEN_HTTP_URI_ARGS, i);
		if (n <= 0)
			break;
		char *eq = strchr(buf, '=');
		if (eq) {
			*eq = 0;
			json_object_set_new(h->args, buf, json_string(eq + 1));
		} else
			json_object_set_new(h->args, buf, json_string(""));
	}
}

static void rx_pause(accord_http *h, int pause)
{
	if (h->wsi && h->rx_paused != pause && !lws_rx_flow_control(h->wsi, !pause))
		h->rx_paused = pause;
}

/* Answers a POST before its body has been read.  Input must flow for lws
 * to call us back writeable (with a request's input paused in its body
 * state, lws 4.1.6 did not, in our tests), so a paused request is resumed;
 * what arrives until the answer is out is dropped, and then the connection
 * is half-closed and its input paused again (see linger()). */
static void refuse(accord_http *h, int status, const char *error, const char *message)
{
	rx_pause(h, 0);
	respond_json(h, status,
		     message ? json_pack("{s:s,s:s}", "error", error, "message", message)
			     : json_pack("{s:s}", "error", error));
}

/* Hands a POST to its route once it is both authorised and complete. */
static void post_route(accord_http *h)
{
	if (h->ready || h->routed || !h->authed || !h->body_done)
		return;
	h->routed = 1;
	if (h->rx_errno) {
		char m[160];
		snprintf(m, sizeof(m), "cannot keep the upload: %s", strerror(h->rx_errno));
		respond_json(h, 503, json_pack("{s:s,s:s}", "error", "unavailable", "message", m));
		return;
	}
	if (h->rx_len != h->rx_expect) { /* lws ends a body at its Content-Length */
		respond_json(h, 400,
			     json_pack("{s:s,s:s}", "error", "bad_request", "message",
				       "the body is shorter than its Content-Length"));
		return;
	}
	h->fn(h->plugin, h, &h->who, h->ud);
}

static void post_authed(server *srv, const struct accord_principal *who, int64_t expires, void *ud)
{
	(void)srv;
	(void)expires;
	accord_http *h = ud;
	h->auth_pending = 0;
	if (!h->wsi) { /* gone: answer nobody, release */
		http_respond(h, 500, "text/plain", "", 0);
		return;
	}
	if (!who) {
		refuse(h, 401, "unauthenticated", "unknown, expired or revoked token");
		return;
	}
	const char *why;
	if (permit_route(who, h->partners, &why) != ACCORD_OK) {
		refuse(h, 403, "forbidden", why);
		return;
	}
	h->who = *who;
	h->authed = 1;
	rx_pause(h, 0);
	post_route(h);
}

/* Creates the unlinked file a body is written to, in the database's
 * directory (the server's data directory), readable by the server only. */
static int body_file(const server *srv)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", srv->cfg->db_path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = 0;
	else
		*slash = 0;
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR))
		return fd;
	/* Filesystems without O_TMPFILE: a named file, unlinked at once. */
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/.accord-upload-XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	return fd;
}

/* A POST's headers are in: decide on them, before reading the body. */
static int post_start(struct lws *wsi, accord_http *h, server *srv)
{
	const accord_limits *lim = &srv->cfg->limits;
	h->post = 1;
	lws_hdr_copy(wsi, h->path, sizeof(h->path), WSI_TOKEN_POST_URI);
	collect_args(wsi, h);
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION) > 0)
		lws_hdr_copy(wsi, h->auth, sizeof(h->auth), WSI_TOKEN_HTTP_AUTHORIZATION);
	char cl[32] = "";
	int cl_len = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH);
	if (cl_len > 0)
		lws_hdr_copy(wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH);
	char *end = NULL;
	errno = 0;
	unsigned long long n = strtoull(cl, &end, 10);
	int cl_bad = cl_len >= (int)sizeof(cl) ||
		     (cl[0] && (cl[0] < '0' || cl[0] > '9' || *end || errno));
	char host[256];
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HOST) > 0 &&
	    (lws_hdr_copy(wsi, host, sizeof(host), WSI_TOKEN_HOST) <= 0 ||
	     !server_serves_host(srv, host))) { /* see host_misdirected */
		refuse(h, 421, "misdirected",
		       "this server does not answer to that Host name (see server_names)");
		return 0;
	}
	if (plugins_http_find(srv->plugins, h->path, &h->plugin, &h->fn, &h->ud, &h->partners)) {
		refuse(h, 404, "not_found", NULL);
		return 0;
	}
	plugin_ref(h->plugin); /* its code answers, even if it is upgraded meanwhile */
	/* lws hands chunked bodies over still chunked: refuse them rather
	 * than store transfer framing as the document. */
	if (!cl[0] && lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0) {
		refuse(h, 411, "bad_request",
		       "send the body with a Content-Length (no chunked uploads)");
		return 0;
	}
	if (cl_bad) {
		refuse(h, 400, "bad_request", "Content-Length: expected a number of bytes");
		return 0;
	}
	if (n > (unsigned long long)lim->max_upload_bytes) {
		char m[64];
		snprintf(m, sizeof(m), "at most %ld bytes", lim->max_upload_bytes);
		refuse(h, 413, "too_large", m);
		return 0;
	}
	h->rx_expect = (size_t)n;
	h->body_done = n == 0;
	if (strncmp(h->auth, "Bearer ", 7)) {
		refuse(h, 401, "unauthenticated",
		       "send a bearer token (Authorization: Bearer <token>)");
		return 0;
	}
	if (n) {
		if (srv->uploads_active >= lim->max_concurrent_uploads ||
		    srv->upload_bytes + (long long)n > (long long)lim->max_upload_total_bytes) {
			h->retry_after = HTTP_UPLOAD_RETRY_S;
			refuse(h, 503, "unavailable",
			       srv->uploads_active >= lim->max_concurrent_uploads
				       ? "too many uploads in progress (limits.max_concurrent_uploads): retry later"
				       : "too many bytes being uploaded (limits.max_upload_total_bytes): retry later");
			return 0;
		}
		h->body_fd = body_file(srv);
		if (h->body_fd < 0) {
			char m[160];
			snprintf(m, sizeof(m), "cannot keep the upload: %s", strerror(errno));
			log_err("uploads: %s", m);
			refuse(h, 503, "unavailable", m);
			return 0;
		}
		h->reserved = 1;
		srv->uploads_active++;
		srv->upload_bytes += (long long)n;
		rx_pause(h, 1); /* nothing of the body is read before the token is good */
	}
	h->auth_pending = 1;
	if (auth_resolve_token(srv, h->auth + 7, post_authed, h)) {
		h->auth_pending = 0;
		refuse(h, 503, "unavailable", "the server is busy: retry later");
	}
	return 0;
}

/* Plugin routes answer only to the names this server serves: a page of a
 * DNS-rebound name (Host: evil.example, resolving to this server) is sent
 * away with 421 before any plugin sees the request.  A request without a
 * Host header is no browser's and goes on. */
static int host_misdirected(struct lws *wsi, server *srv, accord_http *h)
{
	char host[256];
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HOST) <= 0)
		return 0;
	if (lws_hdr_copy(wsi, host, sizeof(host), WSI_TOKEN_HOST) > 0 && server_serves_host(srv, host))
		return 0;
	respond_json(h, 421,
		     json_pack("{s:s,s:s}", "error", "misdirected", "message",
			       "this server does not answer to that Host name "
			       "(see server_names)"));
	return 1;
}

static int start(struct lws *wsi, struct http_pss *pss, server *srv)
{
	accord_http *h = calloc(1, sizeof(*h));
	if (!h)
		return -1;
	h->wsi = wsi;
	h->srv = srv;
	h->refs = 2; /* wsi + pending response */
	h->body_fd = -1;
	pss->h = h;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0)
		return post_start(wsi, h, srv);
	h->routed = 1; /* a GET is answered or handed on below */
	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0) {
		http_respond(h, 405, "text/plain", "method not allowed\n", 19);
		return 0;
	}
	lws_hdr_copy(wsi, h->path, sizeof(h->path), WSI_TOKEN_GET_URI);
	collect_args(wsi, h);

	if (!strcmp(h->path, "/healthz")) {
		if (storage_submit(srv->st, health_probe, health_done, h))
			respond_json(h, 503,
				     json_pack("{s:s,s:s}", "status", "unavailable", "db",
					       "queue full"));
		return 0;
	}
	if (!strcmp(h->path, "/metrics")) {
		metrics_route(wsi, h, srv);
		return 0;
	}
	if (host_misdirected(wsi, srv, h))
		return 0;
	if (plugins_http_find(srv->plugins, h->path, &h->plugin, &h->fn, &h->ud, &h->partners)) {
		respond_json(h, 404, json_pack("{s:s}", "error", "not_found"));
		return 0;
	}
	plugin_ref(h->plugin);
	char auth[256] = "";
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION) > 0)
		lws_hdr_copy(wsi, auth, sizeof(auth), WSI_TOKEN_HTTP_AUTHORIZATION);
	if (!strncmp(auth, "Bearer ", 7)) {
		if (auth_resolve_token(srv, auth + 7, api_authed, h))
			respond_json(h, 503, json_pack("{s:s}", "error", "unavailable"));
	} else
		h->fn(h->plugin, h, NULL, h->ud);
	return 0;
}

/* Connections whose first request head is being read (from accept to
 * FILTER_HTTP_CONNECTION), so that a head too large can be answered.
 * lws 4.1.6 gives up on a head larger than its header buffer
 * (limits.max_header_bytes) with a bare close, says so only in its log,
 * from inside the parser of that connection, and shuts the socket down
 * before any callback.  So the log bridge calls http_head_overflow() right
 * then, which answers one of these.  A later request of a kept-alive
 * connection is not tracked: its overflow still ends in a bare close.
 * Each tracked wsi keeps its slot + 1 in lws's opaque user pointer (unused
 * otherwise), so adding and removing cost O(1). */
static void heads_add(server *srv, struct lws *wsi)
{
	if (srv->n_heads == srv->heads_cap) {
		size_t nc = srv->heads_cap ? srv->heads_cap * 2 : 64;
		struct lws **n = realloc(srv->heads, nc * sizeof(*n));
		if (!n)
			return; /* untracked: an overflow gets the bare close */
		srv->heads = n;
		srv->heads_cap = nc;
	}
	srv->heads[srv->n_heads++] = wsi;
	lws_set_opaque_user_data(wsi, (void *)(uintptr_t)srv->n_heads);
}

static void heads_remove(server *srv, struct lws *wsi)
{
	uintptr_t slot = (uintptr_t)lws_get_opaque_user_data(wsi);
	if (!slot || slot > srv->n_heads || srv->heads[slot - 1] != wsi)
		return;
	struct lws *last = srv->heads[--srv->n_heads];
	srv->heads[slot - 1] = last;
	lws_set_opaque_user_data(last, (void *)slot);
	lws_set_opaque_user_data(wsi, NULL);
}

/* Milliseconds since the connection last received data (TCP_INFO), or
 * UINT32_MAX if unknown. */
static uint32_t ms_since_data(struct lws *wsi)
{
	struct tcp_info ti;
	socklen_t tl = sizeof(ti);
	lws_sockfd_type fd = lws_get_socket_fd(wsi);
	if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tl))
		return UINT32_MAX;
	return ti.tcpi_last_data_recv;
}

static size_t url_bytes(struct lws *wsi)
{
	static const enum lws_token_indexes uris[] = {
		WSI_TOKEN_GET_URI,  WSI_TOKEN_POST_URI,     WSI_TOKEN_OPTIONS_URI,
		WSI_TOKEN_PUT_URI,  WSI_TOKEN_PATCH_URI,    WSI_TOKEN_DELETE_URI,
		WSI_TOKEN_HEAD_URI, WSI_TOKEN_HTTP_URI_ARGS};
	size_t n = 0;
	for (size_t i = 0; i < sizeof(uris) / sizeof(uris[0]); i++) {
		int l = lws_hdr_total_length(wsi, uris[i]);
		if (l > 0)
			n += (size_t)l;
	}
	return n;
}

/* Answers the connection whose head overflowed: 414 if its URL alone is
 * over limits.max_url_bytes, else 431.  The one write outside
 * HTTP_WRITEABLE, as lws closes the connection as soon as this returns:
 * a few hundred bytes into an idle non-blocking socket (if they do not fit,
 * the client gets the bare close as before; a TLS client always does, as
 * lws exports no TLS write for it). */
void http_head_overflow(server *srv)
{
	/* The connection being parsed has just received data.  With several
	 * heads in progress, the one that received last is it, if it alone
	 * did; otherwise a guess could put a status line into another
	 * client's stream, so nobody is answered. */
	struct lws *wsi = NULL;
	uint32_t best = UINT32_MAX;
	int tie = 0;
	for (size_t i = 0; i < srv->n_heads; i++) {
		uint32_t ms = srv->n_heads == 1 ? 0 : ms_since_data(srv->heads[i]);
		if (ms < best) {
			best = ms;
			wsi = srv->heads[i];
			tie = 0;
		} else if (ms == best)
			tie = 1;
	}
	if (!wsi || tie)
		return;
	heads_remove(srv, wsi);
	if (lws_is_ssl(wsi))
		return;
	const accord_limits *l = &srv->cfg->limits;
	int uri = url_bytes(wsi) > (size_t)l->max_url_bytes;
	char body[160], resp[512];
	int bn = uri ? snprintf(body, sizeof(body),
				"{\"error\":\"too_large\",\"message\":\"URL longer than %ld bytes\"}",
				l->max_url_bytes)
		     : snprintf(body, sizeof(body),
				"{\"error\":\"too_large\",\"message\":\"request line and headers "
				"larger than %ld bytes\"}",
				l->max_header_bytes);
	int n = snprintf(resp, sizeof(resp),
			 "HTTP/1.1 %s\r\n"
			 "content-type: application/json\r\n"
			 "x-content-type-options: nosniff\r\n"
			 "cache-control: no-store\r\n"
			 "connection: close\r\n"
			 "content-length: %d\r\n\r\n%s",
			 uri ? "414 URI Too Long" : "431 Request Header Fields Too Large", bn, body);
	lws_sockfd_type fd = lws_get_socket_fd(wsi);
	if (n > 0 && n < (int)sizeof(resp) && fd >= 0 && write(fd, resp, (size_t)n) < 0)
		return; /* the client has gone: nothing to tell */
}

/* The request target (path and query) is checked before any route or file
 * mount sees it: above limits.max_url_bytes it is answered 414. */
static int url_too_long(struct lws *wsi, server *srv, size_t path_len)
{
	int args = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS);
	size_t total = path_len + (args > 0 ? (size_t)args + 1 : 0);
	if (total <= (size_t)srv->cfg->limits.max_url_bytes)
		return 0;
	char msg[96];
	snprintf(msg, sizeof(msg), "URL longer than %ld bytes", srv->cfg->limits.max_url_bytes);
	if (lws_return_http_status(wsi, HTTP_STATUS_REQ_URI_TOO_LONG, msg))
		return -1;
	return 1;
}

/* The answer to a refused POST is out: half-close, read nothing more of
 * the body, and let lws close the socket HTTP_LINGER_S later. */
static void linger(struct lws *wsi, accord_http *h)
{
	shutdown(lws_get_socket_fd(wsi), SHUT_WR);
	rx_pause(h, 1);
	h->linger = 2;
	lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, HTTP_LINGER_S);
}

/* A 404 written at once, as the answer to a missing file is (status,
 * headers, body), from LWS_CALLBACK_FILTER_HTTP_CONNECTION, where lws has
 * not chosen a mount yet; the connection then closes (1). */
static int not_found_now(struct lws *wsi)
{
	static const char body[] = "{\"error\":\"not_found\"}";
	unsigned char buf[LWS_PRE + 1024], *start = &buf[LWS_PRE], *p = start,
					   *end = &buf[sizeof(buf) - 1];
	if (lws_add_http_common_headers(wsi, HTTP_STATUS_NOT_FOUND, "application/json",
					(lws_filepos_t)(sizeof(body) - 1), &p, end) ||
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
					 (const unsigned char *)"no-store", 8, &p, end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	unsigned char out[LWS_PRE + sizeof(body)];
	memcpy(out + LWS_PRE, body, sizeof(body) - 1);
	if (lws_write(wsi, out + LWS_PRE, sizeof(body) - 1, LWS_WRITE_HTTP_FINAL) <
	    (int)sizeof(body) - 1)
		return -1;
	return 1;
}

int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct http_pss *pss = user;
	server *srv = lws_context_user(lws_get_context(wsi));

	switch (reason) {
	case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED: heads_add(srv, wsi); break;

	case LWS_CALLBACK_FILTER_HTTP_CONNECTION:
		heads_remove(srv, wsi);
		if (url_too_long(wsi, srv, len))
			return 1;
		/* The web folder of a plugin not loaded now is missing, as
		 * any other file that is not there. */
		if (in && srv->plugins && !plugins_web_served(srv->plugins, in, len))
			return not_found_now(wsi);
		break;

	case LWS_CALLBACK_WSI_DESTROY:
		if (srv)
			heads_remove(srv, wsi);
		break;

	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: {
		/* lws 4.1.6 upgrades without FILTER_HTTP_CONNECTION: the head is
		 * read, so the connection leaves the heads being read (a live
		 * WebSocket must never be taken for the one that overflowed). */
		heads_remove(srv, wsi);
		const char *why = server_upgrade_refusal(srv, wsi);
		if (!why)
			return 0;
		int code = strcmp(why, "Origin not allowed") ? HTTP_STATUS_SERVICE_UNAVAILABLE
							     : HTTP_STATUS_FORBIDDEN;
		if (lws_return_http_status(wsi, (unsigned)code, why))
			return -1;
		return 1;
	}

	case LWS_CALLBACK_HTTP:
		if (pss->h) /* keep-alive: a new transaction */
			return -1;
		return start(wsi, pss, srv);

	case LWS_CALLBACK_HTTP_BODY: {
		/* Written to the body's file as it arrives; bytes after an
		 * answer (or with no file) are not kept. */
		accord_http *h = pss ? pss->h : NULL;
		if (!h || !h->post || h->ready || h->body_fd < 0)
			return 0;
		const char *p = in;
		size_t left = len;
		if (h->rx_len + left > h->rx_expect) /* lws stops at Content-Length */
			left = h->rx_expect - h->rx_len;
		h->rx_len += left;
		while (left && !h->rx_errno) {
			ssize_t w = write(h->body_fd, p, left);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				h->rx_errno = w < 0 ? errno : EIO;
				break;
			}
			p += w;
			left -= (size_t)w;
		}
		return 0;
	}

	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (pss && pss->h && pss->h->post) {
			pss->h->body_done = 1;
			post_route(pss->h);
		}
		return 0;

	case LWS_CALLBACK_HTTP_WRITEABLE: {
		accord_http *h = pss ? pss->h : NULL;
		if (!h || !h->ready)
			return 0;
		if (h->linger == 1 && !lws_send_pipe_choked(wsi)) {
			linger(wsi, h);
			return 0;
		}
		if (h->linger) {
			if (h->linger == 1)
				lws_callback_on_writable(wsi);
			return 0;
		}
		if (!h->headers_sent) {
			/* A POST answered before its body was read cannot keep
			 * the connection: the rest would be read as requests. */
			h->close_after = h->post && !h->body_done;
			unsigned char buf[LWS_PRE + 1024], *start = &buf[LWS_PRE], *p = start,
							   *end = &buf[sizeof(buf) - 1];
			char ra[16];
			int n = snprintf(ra, sizeof(ra), "%d", h->retry_after);
			if (lws_add_http_common_headers(wsi, (unsigned)h->status, h->ctype,
							(lws_filepos_t)h->len, &p, end) ||
			    lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
							 (const unsigned char *)"no-store", 8, &p,
							 end) ||
			    (h->www_auth &&
			     lws_add_http_header_by_token(
				     wsi, WSI_TOKEN_HTTP_WWW_AUTHENTICATE,
				     (const unsigned char *)"Bearer realm=\"accord-metrics\"", 29,
				     &p, end)) ||
			    (h->retry_after &&
			     lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_RETRY_AFTER,
							  (const unsigned char *)ra, n, &p, end)) ||
			    (h->close_after &&
			     lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION,
							  (const unsigned char *)"close", 5, &p, end)) ||
			    lws_finalize_write_http_header(wsi, start, &p, end))
				return -1;
			h->headers_sent = 1;
			lws_callback_on_writable(wsi);
			return 0;
		}
		unsigned char *out = malloc(LWS_PRE + h->len + 1);
		if (!out)
			return -1;
		memcpy(out + LWS_PRE, h->body ? h->body : "", h->len);
		int n = lws_write(wsi, out + LWS_PRE, h->len, LWS_WRITE_HTTP_FINAL);
		free(out);
		if (n < (int)h->len)
			return -1;
		if (h->close_after) {
			/* Half-close once lws has sent whatever it could not
			 * write at once. */
			h->linger = 1;
			if (lws_send_pipe_choked(wsi))
				lws_callback_on_writable(wsi);
			else
				linger(wsi, h);
			return 0;
		}
		int resume = h->rx_paused;
		pss->h = NULL;
		h->wsi = NULL;
		http_unref(h);
		if (resume) /* the next request's headers */
			lws_rx_flow_control(wsi, 1);
		if (lws_http_transaction_completed(wsi))
			return -1;
		return 0;
	}

	case LWS_CALLBACK_CLOSED_HTTP:
		heads_remove(srv, wsi);
		if (pss && pss->h) {
			accord_http *h = pss->h;
			pss->h = NULL;
			h->wsi = NULL;
			/* A POST whose body never came in full has nobody else
			 * to answer it: release its pending-work reference too. */
			if (!h->ready && !h->routed && !h->auth_pending) {
				assert(h->refs > 1); /* the pending work's and ours */
				http_unref(h);       /* ours first: the answer drops the last */
				http_respond(h, 500, "text/plain", "", 0);
			} else
				http_unref(h);
		}
		break;

	default: break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}
