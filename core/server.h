/*
 * Internal declarations shared by the core's modules.  Nothing here is
 * visible to plugins: they see include/accord/plugin.h only.
 */
#ifndef ACCORD_SERVER_H
#define ACCORD_SERVER_H

#include <libwebsockets.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>

#include "accord/plugin.h"
#include "config.h"
#include "envelope.h"
#include "storage.h"
#include "worker.h"

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

/* ---- principals ---- */
struct accord_principal {
	int64_t id;
	int partner;
	char login[64];
	char name[128];
	char org[32];
	char roles[128]; /* comma-separated */
	char lang[8];     /* interface language the person chose ("" : none) */
};

int principal_from_row(struct accord_principal *p, const json_t *row);
json_t *principal_to_json(const struct accord_principal *p);
int principal_role(const struct accord_principal *p, const char *role);

/* ---- audiences ---- */
/* Who may receive one event.  With no audience, or an audience that names
 * nobody, an event reaches members only: a partner receives an event only
 * when its audience admits partners explicitly (all partners, the partner's
 * organisation or login, or an item released to the partner).  The release
 * terms are looked up at each delivery and replay, so a withdrawal applies
 * to events already published. */
struct accord_audience {
	int members_only; /* hard filter: never a partner */
	int members;      /* every member */
	int partners;     /* every partner */
	size_t n_orgs, n_users, n_roles, n_items;
	char **orgs;
	int64_t *users;
	char **roles;
	char **items; /* "kind:id": partners it was released to */
	int failed;   /* a term could not be added (out of memory): matches nobody */
};
int audience_matches(const struct accord_audience *a, const struct accord_principal *p);
/* What an audience becomes when memory runs out: it matches nobody, is
 * never written to, and audience_destroy leaves it alone. */
extern struct accord_audience audience_none;
struct accord_audience *audience_copy(const struct accord_audience *a);
void audience_destroy(struct accord_audience *a);

/* ---- releases: items explicitly released to partners ---- */
/* Item kinds are registered by the plugins that own them at start-up (then
 * read-only, so the storage thread may look them up).  The release table
 * lives on the loop; it is what the release provider (the portal plugin)
 * last set for each item. */
int release_kind_register(struct accord_plugin_ctx *p, const char *kind,
			  accord_item_describe_fn fn, void *ud);
accord_status release_describe(accord_txn *txn, const char *kind, const char *id, json_t **out);
int release_kind_known(const char *kind);
/* to: JSON null (withdrawn), "partners", or an array of organisation codes. */
int release_set(const char *item, const json_t *to);
/* 1 if p may see item: members always, partners if it was released to them. */
int release_visible(const struct accord_principal *p, const char *item);
void release_reset(void);

/* ---- connections ---- */
typedef struct sub sub;
typedef struct server server;

typedef struct conn {
	server *srv;
	struct lws *wsi; /* NULL once closed */
	uint64_t id;
	unsigned refs;   /* the wsi holds one; each request in flight holds one */
	int closing;     /* no more input is processed */
	int dropped;     /* killed for falling behind */
	int close_code;  /* send this close code once the queue is flushed */
	char close_reason[64];
	char peer[64];

	struct accord_principal *who; /* NULL until authenticated */
	char token_hash[65]; /* hex BLAKE2b of the session token */
	int has_token;
	int auth_busy; /* a login/resume is in flight */
	char auth_login[65]; /* the login whose password check is in flight */
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

	lws_sorted_usec_list_t auth_sul; /* auth deadline, then session expiry */
	int auth_grace;
	int64_t expires_ms;
	int64_t last_limited_ms;
	size_t q_bytes;
	lws_sorted_usec_list_t close_sul; /* lingers before a server-side close */
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
/* Authenticates c until expires (seconds since the epoch, 0: none).
 * Returns 0, or -1 (out of memory) with c left as it was. */
int conn_set_principal(conn *c, const struct accord_principal *p, const char *token_hash,
			int64_t expires);
/* Back to unauthenticated; the authentication deadline starts again. */
void conn_clear_principal(conn *c);
void conn_auth_timer(lws_sorted_usec_list_t *sul);

/* ---- requests ---- */
struct accord_plugin_ctx;
struct accord_req {
	conn *c;
	struct accord_principal who; /* the caller when the request arrived */
	int has_who;
	int64_t group; /* for group-scoped plugins */
	json_t *id;
	char type[ENVELOPE_MAX_TYPE + 1];
	int64_t started_us;
	char retry_key[160]; /* "<account>:<type>:<idem>", or "" */
};

struct accord_req *req_new(conn *c, json_t *id, const char *type);
void req_reply_ok(struct accord_req *r, json_t *data);
void req_reply_error(struct accord_req *r, accord_status code, const char *message);

/* ---- the event bus ---- */
typedef struct bus bus;
bus *bus_new(server *srv);
void bus_free(bus *b);
int bus_register_prefix(bus *b, const char *prefix, struct accord_plugin_ctx *p,
			accord_topic_check_fn check, void *ud);
/* Checks whether who may see topic: ACCORD_OK or ACCORD_E_NOT_FOUND. */
accord_status bus_check(bus *b, const struct accord_principal *who, const char *topic);
int bus_publish(bus *b, const char *topic, const char *event, json_t *data,
		const struct accord_audience *aud);
void bus_acl_changed(bus *b);
/* Re-checks c's subscriptions now, revoking those no longer allowed. */
void bus_recheck_conn(bus *b, conn *c);
/* Starts the sweep that frees idle topics (needs the lws context). */
void bus_start(bus *b);
void bus_stop(bus *b);
/* sub.add: replays into c and fills reply. */
accord_status bus_subscribe(bus *b, conn *c, const char *topic, const json_t *since,
			    json_t *reply, char *msg, size_t msglen);
accord_status bus_unsubscribe(bus *b, conn *c, const char *topic);
void bus_unsubscribe_all(bus *b, conn *c);
size_t bus_topic_count(bus *b);

/* ---- metrics ---- */
typedef struct metrics metrics;
metrics *metrics_new(void);
void metrics_free(metrics *m);
void metrics_msg_in(metrics *m, const char *type);
void metrics_msg_out(metrics *m, const char *type, uint64_t n);
void metrics_error(metrics *m, accord_status code);
void metrics_drop(metrics *m);
void metrics_rx_paused(metrics *m);
void metrics_request(metrics *m, double seconds);
void metrics_plugin_counter(metrics *m, const char *plugin, const char *name, uint64_t d);
char *metrics_render(server *srv, size_t *len);

/* ---- plugins ---- */
typedef struct plugin_host plugin_host;
typedef struct handler {
	struct accord_plugin_ctx *plugin; /* NULL for core handlers */
	accord_request_fn fn;
	void (*core_fn)(server *srv, conn *c, struct accord_req *r, const json_t *data);
	unsigned flags;
	void *ud;
} handler;

plugin_host *plugins_new(server *srv);
/* Loads the enabled plugins and checks their ABI.  Returns 0 or -1 with err
 * naming the plugin and the reason. */
int plugins_load(plugin_host *h, const accord_config *cfg, char *err, size_t errlen);
/* Calls every plugin's init, in config order. */
int plugins_init(plugin_host *h, char *err, size_t errlen);
int plugins_migrate(plugin_host *h, storage *st, char *err, size_t errlen);
int plugins_seed(plugin_host *h, storage *st, const json_t *demo, char *err, size_t errlen);
void plugins_unload(plugin_host *h);
/* Cancels every plugin timer; later timer_add calls fail. */
void plugins_cancel_timers(plugin_host *h);
const handler *plugins_find_handler(plugin_host *h, const char *type);
int plugins_add_core_handler(plugin_host *h, const char *type,
			     void (*fn)(server *, conn *, struct accord_req *, const json_t *),
			     unsigned flags);
json_t *plugins_info(plugin_host *h);
void plugins_dispatch_event(plugin_host *h, accord_core_event ev, const char *name,
			    const json_t *data, const struct accord_principal *who);
/* Runs "accord <name> ..." if a plugin registered it: returns -2 if none. */
int plugins_run_cli(plugin_host *h, storage *st, const char *name, int argc, char **argv);
/* 1 if a plugin registered the command "accord <name>". */
int plugins_has_cli(plugin_host *h, const char *name);
/* Every plugin command's usage line, for `accord --help`. */
void plugins_print_cli_usage(plugin_host *h, FILE *out);
/* `accord <name> --help`: prints the command's usage and returns 0, or -2
 * when no plugin registered it. */
int plugins_cli_help(plugin_host *h, const char *name, FILE *out);
/* HTTP: finds the route for /api/<plugin>/<sub>. */
int plugins_http_find(plugin_host *h, const char *path, struct accord_plugin_ctx **p,
		      accord_http_fn *fn, void **ud, int *partners);
const char *plugin_name(const struct accord_plugin_ctx *p);
/* Group scoping: 1 if p is group-scoped; the provider's decision. */
int plugin_group_scoped(const struct accord_plugin_ctx *p);
accord_status plugins_group_access(plugin_host *h, const struct accord_principal *who,
				   int64_t group, const char *plugin);
server *plugin_server(const struct accord_plugin_ctx *p);
void plugin_log(const struct accord_plugin_ctx *p, accord_log_level lvl, const char *fmt, ...)
	ACCORD_PRINTF(3, 4);
extern const accord_host_api accord_host_api_v1;

/* ---- auth ---- */
int auth_init(server *srv);
void auth_register_handlers(server *srv);
/* The connection closed: a password check it still waits for is skipped. */
void auth_conn_gone(conn *c);
/* Looks a bearer token up; calls back on the loop with the principal or NULL. */
typedef void (*auth_resolve_fn)(server *srv, const struct accord_principal *who,
				int64_t expires, void *ud);
int auth_resolve_token(server *srv, const char *token, auth_resolve_fn cb, void *ud);
/* Accounts (blocking, for init / CLI): creates or updates a login. */
int accounts_upsert(accord_txn *txn, const char *login, const char *name, const char *org,
		    const char *standing, const char *roles, const char *password_hash);
/* argon2id with the server's parameters; 0, or -1 when out of memory. */
#define AUTH_HASH_BYTES 128 /* crypto_pwhash_STRBYTES */
int auth_hash_password(const char *password, char hash[AUTH_HASH_BYTES]);
/* Sets the hash and revokes the account's sessions: the count revoked, or
 * -1 when there is no such login. */
int accounts_set_password(accord_txn *txn, const char *login, const char *password_hash);
extern const accord_migration core_migrations[];
/* host API: accounts */
int auth_password_hash(struct accord_plugin_ctx *p, const char *password,
		       void (*done)(struct accord_plugin_ctx *p, const char *hash, void *ud),
		       void *ud);
accord_status account_save(accord_txn *txn, const json_t *account, int64_t *id);
void auth_account_changed(struct accord_plugin_ctx *p, int64_t account_id);
int auth_account_online(struct accord_plugin_ctx *p, int64_t account_id);

/* ---- HTTP ---- */
int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		  size_t len);
/* lws just gave up on a request head too large for its buffer: answers it
 * 414 or 431 (called from the lws log bridge, inside lws's parser). */
void http_head_overflow(server *srv);

/* accord_http accessors (http.c) */
const char *http_path(const accord_http *h);
const char *http_method(const accord_http *h);
const char *http_body(const accord_http *h, size_t *len);
int http_body_fd(const accord_http *h, size_t *len);
const char *http_query(const accord_http *h, const char *name);
void http_respond(accord_http *h, int status, const char *ctype, const char *body, size_t len);

/* ---- dispatch ---- */
void dispatch_message(server *srv, conn *c, const char *buf, size_t len);
void dispatch_register_core(server *srv);

/* ---- the server ---- */
struct server {
	accord_config *cfg;
	struct lws_context *ctx;
	struct lws_vhost *vh;
	storage *st;
	worker *crypto;
	bus *bus;
	metrics *metrics;
	plugin_host *plugins;
	int port;
	int shutting_down;
	uint64_t next_conn_id;
	long n_conns;
	conn *conns;
	int64_t boot_ms;
	struct lws_http_mount mounts[5];
	char plugin_web[PATH_MAX + 8];
	struct lws_protocol_vhost_options headers[4];
	/* set by the storage and crypto threads when they finish a job, next
	 * to lws_cancel_service(); the write pass checks it (see
	 * LWS_CALLBACK_SERVER_WRITEABLE) */
	atomic_int completions_ready;
	/* connections still sending their first request head (http.c) */
	struct lws **heads;
	size_t n_heads, heads_cap;
	/* HTTP uploads in progress and the sum of their Content-Lengths,
	 * against limits.max_concurrent_uploads and max_upload_total_bytes */
	long uploads_active;
	long long upload_bytes;
};

int64_t now_ms(void);
int64_t now_us(void);
server *server_current(void); /* the one server of this process */

int server_run(accord_config *cfg, int port_override);
/* Why a WebSocket upgrade must be refused (bad Origin, too many
 * connections, shutting down), or NULL to accept it. */
const char *server_upgrade_refusal(server *srv, struct lws *wsi);
/* 1 if a Host header value names this server: a configured server name, the
 * host of a configured origin, localhost or an IP address (never rebound). */
int server_serves_host(server *srv, const char *host);

#endif
