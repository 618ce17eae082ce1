/*
 * The server: one lws context, one vhost, one port.  HTTP (web client,
 * /healthz, /metrics, /api/...) and the accord.v1 WebSocket protocol share
 * it.  Everything here runs on the one event loop thread; the storage and
 * crypto threads hand results back through lws_cancel_service(), which lws
 * turns into LWS_CALLBACK_EVENT_WAIT_CANCELLED on this thread (the pattern of
 * the lws minimal-ws-server-threads example and Janus).
 *
 * Writes happen only in LWS_CALLBACK_SERVER_WRITEABLE, one lws_write each.
 */
#include "server.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/ssl.h>

static server *the_server;
static volatile sig_atomic_t interrupted;

server *server_current(void) { return the_server; }

struct ws_pss {
	conn *c;
};


static void drain_completions(server *srv)
{
	atomic_store_explicit(&srv->completions_ready, 0, memory_order_relaxed);
	if (srv->st)
		storage_run_completions(srv->st);
	if (srv->crypto)
		worker_run_completions(srv->crypto);
}

static void on_rx(server *srv, conn *c, struct lws *wsi, const char *in, size_t len)
{
	const accord_limits *l = &srv->cfg->limits;
	int first = lws_is_first_fragment(wsi), final = lws_is_final_fragment(wsi);
	if (first) {
		c->rx_len = 0;
		c->rx_oversize = 0;
		c->rx_binary = lws_frame_is_binary(wsi);
	}
	if (c->closing)
		return;
	if (!c->rx_oversize && c->rx_len + len > (size_t)l->max_message_bytes) {
		c->rx_oversize = 1;
		metrics_error(srv->metrics, ACCORD_E_TOO_LARGE);
		char msg[96];
		snprintf(msg, sizeof(msg), "message larger than %ld bytes", l->max_message_bytes);
		size_t n;
		char *j = reply_error_json(NULL, ACCORD_E_TOO_LARGE, msg, &n);
		if (j)
			conn_send_text(c, j, n);
		conn_close_after_flush(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message too large");
		return;
	}
	if (c->rx_oversize)
		return;
	if (c->rx_len + len > c->rx_cap) {
		size_t ncap = c->rx_cap ? c->rx_cap : 256;
		while (ncap < c->rx_len + len)
			ncap *= 2;
		char *n = realloc(c->rx, ncap);
		if (!n) {
			conn_close_after_flush(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "no memory");
			return;
		}
		c->rx = n;
		c->rx_cap = ncap;
	}
	/* An empty frame (first or not) may leave c->rx NULL: memcpy with a
	 * NULL pointer is undefined even for zero bytes, and the sanitized
	 * server aborts on it. */
	if (len) {
		memcpy(c->rx + c->rx_len, in, len);
		c->rx_len += len;
	}
	if (!final || lws_remaining_packet_payload(wsi))
		return;
	if (c->rx_binary) {
		metrics_error(srv->metrics, ACCORD_E_BAD_REQUEST);
		size_t n;
		char *j = reply_error_json(NULL, ACCORD_E_BAD_REQUEST,
					   "binary frames are not accepted: send JSON text", &n);
		if (j)
			conn_send_text(c, j, n);
	} else
		dispatch_message(srv, c, c->rx ? c->rx : "", c->rx_len);
	c->rx_len = 0;
	/* Give back large buffers once a big message is done. */
	if (c->rx_cap > 4096) {
		free(c->rx);
		c->rx = NULL;
		c->rx_cap = 0;
	}
}

/* Frames written in one send when several wait: a connection that
 * fell behind (a voter receiving a tally per position) catches up with
 * one system call for many frames rather than one each, which is most of
 * what a frame costs on the server (perf: 45-60 % of the CPU in send()
 * at 10,000 positions/s).  lws writes one WebSocket frame per lws_write,
 * so the frames' headers are made here (server to client: unmasked,
 * FIN, text; no extension is negotiated on accord.v1) and the batch goes
 * out as bytes (LWS_WRITE_RAW), lws keeping what the socket did not take
 * and writing it before the next callback. */
#define WRITE_BATCH_BYTES (16 * 1024)

static size_t ws_header(unsigned char *h, size_t len)
{
	h[0] = 0x81; /* FIN, text */
	if (len < 126) {
		h[1] = (unsigned char)len;
		return 2;
	}
	if (len <= 0xffff) {
		h[1] = 126;
		h[2] = (unsigned char)(len >> 8);
		h[3] = (unsigned char)len;
		return 4;
	}
	h[1] = 127;
	for (int i = 0; i < 8; i++)
		h[2 + i] = (unsigned char)((uint64_t)len >> (8 * (7 - i)));
	return 10;
}

static void queue_pop(conn *c)
{
	msgbuf *m = c->q[c->q_head];
	c->q_head = (c->q_head + 1) % c->q_cap;
	c->q_len--;
	c->q_bytes -= m->len;
	msgbuf_unref(m);
}

/* Writes the first queued frame, and the frames behind it as long as
 * they fit in one batch.  -1 when the connection failed. */
static int write_queued(conn *c, struct lws *wsi)
{
	static unsigned char batch[LWS_PRE + WRITE_BATCH_BYTES];
	msgbuf *m = c->q[c->q_head];
	if (c->q_len == 1 || m->len + 10 > WRITE_BATCH_BYTES) {
		int n = lws_write(wsi, m->data + LWS_PRE, m->len, LWS_WRITE_TEXT);
		queue_pop(c);
		return n < 0 ? -1 : 0;
	}
	size_t used = 0;
	while (c->q_len) {
		m = c->q[c->q_head];
		if (used + m->len + 10 > WRITE_BATCH_BYTES)
			break;
		used += ws_header(batch + LWS_PRE + used, m->len);
		memcpy(batch + LWS_PRE + used, m->data + LWS_PRE, m->len);
		used += m->len;
		queue_pop(c);
	}
	return lws_write(wsi, batch + LWS_PRE, used, LWS_WRITE_RAW) < 0 ? -1 : 0;
}

static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		       size_t len)
{
	struct ws_pss *pss = user;
	server *srv = lws_context_user(lws_get_context(wsi));

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		/* Normally refused earlier with a 403 (HTTP_CONFIRM_UPGRADE);
		 * this is the last line of defence. */
		if (server_upgrade_refusal(srv, wsi))
			return -1;
		break;

	case LWS_CALLBACK_ESTABLISHED: {
		conn *c = calloc(1, sizeof(*c));
		if (!c)
			return -1;
		c->srv = srv;
		c->wsi = wsi;
		c->refs = 1;
		c->id = ++srv->next_conn_id;
		lws_get_peer_simple(wsi, c->peer, sizeof(c->peer));
		c->next = srv->conns;
		if (srv->conns)
			srv->conns->prev = c;
		srv->conns = c;
		srv->n_conns++;
		pss->c = c;
		if (deadline_arm(srv->timers, &c->auth_dl, conn_auth_timer,
				 (lws_usec_t)srv->cfg->limits.auth_timeout_s * LWS_US_PER_SEC)) {
			free(c);
			return -1;
		}
		json_t *ev = json_pack("{s:I}", "conn", (json_int_t)c->id);
		plugins_dispatch_event(srv->plugins, ACCORD_EV_CONNECT, "connect", ev, NULL);
		json_decref(ev);
		break;
	}

	case LWS_CALLBACK_RECEIVE:
		if (pss->c)
			on_rx(srv, pss->c, wsi, in, len);
		break;

	case LWS_CALLBACK_SERVER_WRITEABLE: {
		/* A poll pass that writes a broadcast to 10,000 connections takes
		 * tens of ms.  Completions (durable commits, password hashes)
		 * that finish during it would wait for the next pass to be
		 * published, and their frames for the pass after that: one whole
		 * pass more than a server that publishes as it reads.  So the
		 * write pass takes them as soon as they are ready (one relaxed
		 * load per write when there are none); a completion that
		 * closes or drops this connection is seen just below. */
		if (atomic_load_explicit(&srv->completions_ready, memory_order_acquire))
			drain_completions(srv);
		conn *c = pss->c;
		if (!c || c->dropped)
			return -1;
		if (c->q_len) {
			if (write_queued(c, wsi) < 0)
				return -1;
			if (c->rx_paused)
				conn_flow(c);
			if (c->q_len || c->close_ready)
				lws_callback_on_writable(wsi);
			break;
		}
		if (c->close_code && c->close_ready) {
			lws_close_reason(wsi, (enum lws_close_status)c->close_code,
					 (unsigned char *)c->close_reason, strlen(c->close_reason));
			return -1;
		}
		break;
	}

	case LWS_CALLBACK_CLOSED: {
		conn *c = pss->c;
		if (!c)
			break;
		pss->c = NULL;
		deadline_cancel(srv->timers, &c->auth_dl);
		deadline_cancel(srv->timers, &c->close_dl);
		auth_conn_gone(c);
		json_t *ev = json_pack("{s:I,s:o}", "conn", (json_int_t)c->id, "user",
				       c->who ? json_integer((json_int_t)c->who->id) : json_null());
		plugins_dispatch_event(srv->plugins, ACCORD_EV_DISCONNECT, "disconnect", ev, c->who);
		json_decref(ev);
		bus_unsubscribe_all(srv->bus, c);
		if (c->prev)
			c->prev->next = c->next;
		else
			srv->conns = c->next;
		if (c->next)
			c->next->prev = c->prev;
		srv->n_conns--;
		c->wsi = NULL;
		c->closing = 1;
		conn_unref(c);
		break;
	}

	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		drain_completions(srv);
		live_run_pending(srv, &accord_host_api_v1); /* plugins installed live: between two passes */
		break;

	default: break;
	}
	return 0;
}

/* accord.v1's tx_packet_size: lws sends at most this much in one send()
 * and keeps the rest for the next writable callback.  Left at 0 it would
 * be rx_buffer_size (512): every frame over 512 bytes took two or three
 * system calls and poll passes (a tally of ten positions was three), and
 * a batch of frames one per 532 bytes (strace, issue 18). */
#define WS_TX_PACKET (WRITE_BATCH_BYTES + 64)

static const struct lws_protocols protocols[] = {
	{"http", http_callback, sizeof(void *), 0, 0, NULL, 0},
	{"accord.v1", ws_callback, sizeof(struct ws_pss), 512, 0, NULL, WS_TX_PACKET},
	{NULL, NULL, 0, 0, 0, NULL, 0}};

static void notify_loop(void *ud)
{
	server *srv = ud;
	atomic_store_explicit(&srv->completions_ready, 1, memory_order_release);
	if (srv->ctx)
		lws_cancel_service(srv->ctx);
}

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
	if (the_server && the_server->ctx)
		lws_cancel_service(the_server->ctx);
}

/* lws 4.1.6 closes a connection whose request head overflows its header
 * buffer without a word, and tells only its log: these are the lines it
 * writes then, on the loop thread, from inside that connection's parser. */
static int note_head_overflow(const char *line)
{
	if (!strstr(line, "Ran out of header data space") &&
	    !strstr(line, "More hdr frags than we can deal with"))
		return 0;
	if (the_server && the_server->ctx)
		http_head_overflow(the_server);
	return 1;
}

static void lws_log_bridge(int level, const char *line)
{
	/* A client's oversized request is no server error: logged at info,
	 * so that a stream of them cannot fill the log at err. */
	if (note_head_overflow(line)) {
		log_info("refused a request head larger than limits.max_header_bytes");
		return;
	}
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	log_msg(level == LLL_ERR ? ACCORD_LOG_ERR : ACCORD_LOG_WARN, "lws", "%.*s", (int)n, line);
}

static void setup_mounts(server *srv)
{
	struct lws_http_mount *m = srv->mounts;
	memset(srv->mounts, 0, sizeof(srv->mounts));
	const char *dyn[3] = {"/healthz", "/metrics", "/api"};
	for (int i = 0; i < 3; i++) {
		m[i].mountpoint = dyn[i];
		m[i].mountpoint_len = (unsigned char)strlen(dyn[i]);
		m[i].origin = "http";
		m[i].origin_protocol = LWSMPRO_CALLBACK;
		m[i].mount_next = &m[i + 1];
	}
	/* Web components of plugins: <plugins.dir>/web/<plugin>/, and those of
	 * plugins installed live: <admin.installed_dir>/web/<plugin>-<digest>/
	 * (a new path for each version, so no browser keeps an old one). */
	snprintf(srv->installed_web, sizeof(srv->installed_web), "%s/web", srv->cfg->installed_dir);
	m[3].mountpoint = "/plugins-live";
	m[3].mountpoint_len = 13;
	m[3].origin = srv->installed_web;
	m[3].origin_protocol = LWSMPRO_FILE;
	m[3].mount_next = &m[4];
	snprintf(srv->plugin_web, sizeof(srv->plugin_web), "%s/web", srv->cfg->plugin_dir);
	m[4].mountpoint = "/plugins";
	m[4].mountpoint_len = 8;
	m[4].origin = srv->plugin_web;
	m[4].origin_protocol = LWSMPRO_FILE;
	m[4].mount_next = &m[5];
	m[5].mountpoint = "/";
	m[5].mountpoint_len = 1;
	m[5].origin = srv->cfg->web_root;
	m[5].def = "index.html";
	m[5].origin_protocol = LWSMPRO_FILE;

	struct lws_protocol_vhost_options *h = srv->headers;
	memset(srv->headers, 0, sizeof(srv->headers));
	h[0].name = "content-security-policy:";
	h[0].value = "default-src 'self'; frame-ancestors 'none'";
	h[1].name = "x-content-type-options:";
	h[1].value = "nosniff";
	h[2].name = "referrer-policy:";
	h[2].value = "no-referrer";
	h[3].name = "x-frame-options:";
	h[3].value = "DENY";
	h[0].next = &h[1];
	h[1].next = &h[2];
	h[2].next = &h[3];
}

/* Binds exactly the configured address (checked by config.c): lws with
 * IPv6 support otherwise opens an IPv6 socket for an IPv4 address, fails to
 * match it and binds the dual-stack wildcard, which puts a server meant for
 * a reverse proxy on every network.  So an IPv4 address gets an IPv4-only
 * socket, an IPv6 address an IPv6 socket with IPV6_V6ONLY, and only "*"
 * a dual-stack wildcard.  Sets info's iface and options; url gets the
 * address as written in a URL (IPv6 in brackets). */
static void listen_setup(const char *address, struct lws_context_creation_info *info, char *url,
			 size_t urllen)
{
	unsigned char buf[sizeof(struct in6_addr)];
	if (!strcmp(address, "*")) {
		info->iface = NULL;
		info->options |= LWS_SERVER_OPTION_IPV6_V6ONLY_MODIFY;
		snprintf(url, urllen, "[::]");
	} else if (inet_pton(AF_INET6, address, buf) == 1) {
		/* lws binds a NULL iface to the IPv6 wildcard; "::" given as an
		 * iface would be looked up as an interface name. */
		static const unsigned char any6[sizeof(struct in6_addr)];
		info->iface = memcmp(buf, any6, sizeof(buf)) ? address : NULL;
		info->options |= LWS_SERVER_OPTION_IPV6_V6ONLY_MODIFY |
				 LWS_SERVER_OPTION_IPV6_V6ONLY_VALUE;
		snprintf(url, urllen, "[%s]", address);
	} else {
		info->iface = strcmp(address, "0.0.0.0") ? address : NULL;
		info->options |= LWS_SERVER_OPTION_DISABLE_IPV6;
		snprintf(url, urllen, "%s", address);
	}
}

static void shutdown_gracefully(server *srv)
{
	log_info("shutting down: closing %ld connections, finishing pending commits", srv->n_conns);
	srv->shutting_down = 1;
	/* Plugin changes waiting for the loop are refused; one waiting for
	 * its migrations is answered when storage_stop runs its completion. */
	live_close(srv);
	/* Finish the writes already accepted; their replies are queued. */
	storage_stop(srv->st);
	admin_stop(srv->admin);
	srv->admin = NULL;
	worker_free(srv->crypto);
	srv->crypto = NULL;
	storage_run_completions(srv->st);
	for (conn *c = srv->conns; c; c = c->next) {
		c->close_code = 0; /* shutting down overrides a pending close */
		conn_close_after_flush(c, LWS_CLOSE_STATUS_GOINGAWAY, "server shutting down");
	}
	/* Give queued frames and close frames a moment to go out. */
	int64_t deadline = now_ms() + 2000;
	while (srv->n_conns && now_ms() < deadline)
		lws_service(srv->ctx, 0);
}

int server_run(accord_config *cfg, int port_override)
{
	char err[512];
	server *srv = calloc(1, sizeof(*srv));
	if (!srv)
		return 1;
	the_server = srv;
	srv->cfg = cfg;
	srv->boot_ms = now_ms();
	srv->metrics = metrics_new();
	srv->bus = bus_new(srv);
	srv->plugins = plugins_new(srv);
	int rc = 1;

	if (!srv->metrics || !srv->bus || !srv->plugins) {
		log_err("out of memory");
		goto out;
	}
	if (auth_init(srv)) {
		log_err("libsodium failed to initialise");
		goto out;
	}
	srv->st = storage_open_backend(cfg->db_backend, cfg->db_path, cfg->synchronous, err,
				       sizeof(err));
	if (!srv->st) {
		log_err("%s", err);
		goto out;
	}
	if (storage_migrate(srv->st, "core", NULL, core_migrations, err, sizeof(err)) ||
	    storage_migrate(srv->st, "core.requests", NULL, retry_migrations, err, sizeof(err)) ||
	    plugins_load(srv->plugins, cfg, err, sizeof(err)) ||
	    plugins_load_installed(srv->plugins, cfg) ||
	    plugins_reorder(srv->plugins, err, sizeof(err)) ||
	    plugins_migrate(srv->plugins, srv->st, err, sizeof(err))) {
		log_err("%s", err);
		goto out;
	}
	dispatch_register_core(srv);

	lws_set_log_level(getenv("ACCORD_LWS_DEBUG") ? (LLL_ERR | LLL_WARN | LLL_NOTICE | LLL_INFO)
						     : (LLL_ERR | LLL_WARN),
			  lws_log_bridge);
	setup_mounts(srv);
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.port = port_override >= 0 ? port_override : cfg->port;
	info.protocols = protocols;
	info.mounts = srv->mounts;
	info.headers = srv->headers;
	info.user = srv;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
	char url_host[80];
	listen_setup(cfg->listen_address, &info, url_host, sizeof(url_host));
	if (cfg->tls_cert[0]) {
		/* TLS 1.2 and later only, forward-secret AEAD suites for 1.2. */
		if (access(cfg->tls_cert, R_OK) || access(cfg->tls_key, R_OK)) {
			log_err("tls: cannot read %s or %s", cfg->tls_cert, cfg->tls_key);
			goto out;
		}
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = cfg->tls_cert;
		info.ssl_private_key_filepath = cfg->tls_key;
		info.ssl_options_set = (long)(SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 |
					      SSL_OP_NO_TLSv1_1 | SSL_OP_NO_COMPRESSION);
		info.ssl_cipher_list = "ECDHE+AESGCM:ECDHE+CHACHA20";
	}
	info.timeout_secs = 30;
	info.ka_time = 0;
	/* lws's socket table is the whole open-file limit, not just room for
	 * max_connections WebSockets: slow or idle HTTP sockets (slowloris)
	 * must not fill the table and lock everyone out while WebSockets
	 * beyond max_connections are refused with 503 at the upgrade. */
	struct rlimit rl;
	unsigned fds = (unsigned)(cfg->limits.max_connections + 64);
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
			getrlimit(RLIMIT_NOFILE, &rl);
		}
		if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur > fds)
			fds = rl.rlim_cur > 1000000 ? 1000000 : (unsigned)rl.rlim_cur;
		if ((rlim_t)cfg->limits.max_connections + 64 > rl.rlim_cur)
			log_warn("limits.max_connections (%ld) is above the open-file limit (%llu): "
				 "connections beyond it will fail",
				 cfg->limits.max_connections, (unsigned long long)rl.rlim_cur);
	}
	info.fd_limit_per_thread = fds;
	info.pt_serv_buf_size = 32 * 1024;
	/* lws's buffer for a request head; beyond it lws gives up on the
	 * request (answered 431 from http.c). */
	info.max_http_header_data = (unsigned short)cfg->limits.max_header_bytes;
	srv->ctx = lws_create_context(&info);
	if (!srv->ctx) {
		log_err("cannot listen on %s:%d (in use, or not permitted)", cfg->listen_address,
			info.port);
		goto out;
	}
	srv->timers = deadlines_new(srv->ctx, (size_t)cfg->limits.max_connections * 2 + 64);
	if (!srv->timers) {
		log_err("out of memory");
		goto out;
	}
	srv->vh = lws_get_vhost_by_name(srv->ctx, "default");
	srv->port = srv->vh ? lws_get_vhost_listen_port(srv->vh) : info.port;

	srv->crypto = worker_new(1, cfg->limits.login_queue_max, notify_loop, srv);
	if (!srv->crypto || storage_start(srv->st, cfg->limits.storage_queue_max, notify_loop, srv)) {
		log_err("cannot start worker threads");
		goto out;
	}
	bus_start(srv->bus);
	if (plugins_init(srv->plugins, &accord_host_api_v1, err, sizeof(err))) {
		log_err("%s", err);
		goto out;
	}

	srv->admin = admin_start(srv);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	printf("accord: listening on %s://%s:%d/\n", cfg->tls_cert[0] ? "https" : "http", url_host,
	       srv->port);
	fflush(stdout);
	log_info("accord %s serving %s, database %s (synchronous=%s)", ACCORD_VERSION,
		 cfg->web_root, cfg->db_path, cfg->synchronous);

	while (!interrupted)
		if (lws_service(srv->ctx, 0) < 0)
			break;
	shutdown_gracefully(srv);
	rc = 0;
out:
	/* Order matters: the helper threads wake the loop through the context,
	 * and plugin timers live in it, so both go before the context does;
	 * plugins stay loaded until after it, as closing connections still
	 * tell them about disconnects. */
	live_close(srv);
	if (srv->st)
		storage_stop(srv->st);
	admin_stop(srv->admin);
	srv->admin = NULL;
	worker_free(srv->crypto);
	srv->crypto = NULL;
	plugins_cancel_timers(srv->plugins);
	deadlines_stop(srv->timers);
	bus_stop(srv->bus);
	if (srv->ctx)
		lws_context_destroy(srv->ctx);
	srv->ctx = NULL;
	plugins_unload(srv->plugins);
	if (srv->st)
		storage_close(srv->st);
	bus_free(srv->bus);
	metrics_free(srv->metrics);
	deadlines_free(srv->timers);
	free(srv->heads);
	the_server = NULL;
	free(srv);
	if (rc == 0)
		log_info("stopped cleanly");
	return rc;
}
