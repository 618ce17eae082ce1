/*
 * Accord plugin SDK — the whole public surface a plugin may use.
 *
 * A plugin is a shared object that exports one symbol, accord_plugin_entry(),
 * returning a pointer to a constant accord_plugin descriptor.  The core checks
 * the descriptor's ABI major version and struct size, then calls init() with a
 * pointer to the host API table.  Plugins reach the core only through that
 * table and through the opaque handles it hands out.
 *
 * Compatibility rules (the same ones Mosquitto and Redis modules keep):
 *  - ACCORD_ABI_MAJOR changes only when an existing member changes meaning or
 *    layout; the core refuses a plugin built for another major version.
 *  - accord_host_api only ever grows at its end.  A plugin that needs a member
 *    added later checks ACCORD_API_HAS(api, member) before calling it.
 *  - accord_plugin may also grow at its end; the core reads only the members
 *    that the plugin's struct_size covers.
 *
 * Threads: every callback runs on the event loop thread, except an
 * accord_db_work_fn, which runs on the storage thread and may only use the
 * accord_txn it is given.  Nothing a plugin does on the loop may block.
 */
#ifndef ACCORD_PLUGIN_H
#define ACCORD_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ACCORD_ABI_MAJOR 1
#define ACCORD_ENTRY_SYMBOL "accord_plugin_entry"

#if defined(__GNUC__)
#define ACCORD_EXPORT __attribute__((visibility("default")))
#define ACCORD_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define ACCORD_EXPORT
#define ACCORD_PRINTF(a, b)
#endif

/* Result and error codes.  The protocol's error "code" strings map 1:1. */
typedef enum accord_status {
	ACCORD_OK = 0,
	ACCORD_E_BAD_REQUEST,     /* "bad_request" */
	ACCORD_E_UNAUTHENTICATED, /* "unauthenticated" */
	ACCORD_E_FORBIDDEN,       /* "forbidden" */
	ACCORD_E_NOT_FOUND,       /* "not_found" */
	ACCORD_E_CONFLICT,        /* "conflict" */
	ACCORD_E_TOO_LARGE,       /* "too_large" */
	ACCORD_E_RATE_LIMITED,    /* "rate_limited" */
	ACCORD_E_UNKNOWN_TYPE,    /* "unknown_type" */
	ACCORD_E_INTERNAL,        /* "internal" */
	ACCORD_E_UNAVAILABLE,     /* "unavailable": shutting down or overloaded */
	ACCORD_E__COUNT
} accord_status;

typedef enum accord_log_level {
	ACCORD_LOG_ERR = 0,
	ACCORD_LOG_WARN,
	ACCORD_LOG_INFO,
	ACCORD_LOG_DEBUG
} accord_log_level;

/* Opaque handles.  Their layout is private to the core. */
typedef struct accord_plugin_ctx accord_plugin_ctx; /* one per loaded plugin */
typedef struct accord_principal accord_principal;   /* an authenticated person */
typedef struct accord_req accord_req;               /* one request in flight */
typedef struct accord_txn accord_txn;               /* storage transaction */
typedef struct accord_http accord_http;             /* one HTTP request */
typedef struct accord_audience accord_audience;     /* who may see an event */
typedef struct accord_host_api accord_host_api;     /* the core's function table */

/* ---- callbacks a plugin provides ---- */

/* Handles one request of the plugin's namespace.  Answer it, now or later,
 * with exactly one of api->reply_ok / api->reply_error. */
typedef void (*accord_request_fn)(accord_plugin_ctx *p, accord_req *req, const json_t *data,
				  void *ud);

/* Decides whether principal may subscribe to / receive events of topic
 * "<prefix>:<rest>".  Must answer from memory (it runs for recipients of
 * events).  Return ACCORD_OK to allow; anything else is answered to the
 * client as not_found, so a hidden topic looks exactly like a missing one. */
typedef accord_status (*accord_topic_check_fn)(accord_plugin_ctx *p, const accord_principal *who,
					       const char *topic, void *ud);

/* Runs on the storage thread inside the group-commit transaction (within
 * its own savepoint).  Return ACCORD_OK to keep its writes; anything else
 * rolls back this job's writes only.  *out may be set to a JSON value that
 * is handed to the done callback. */
typedef accord_status (*accord_db_work_fn)(accord_txn *txn, void *ud, json_t **out);

/* Runs on the loop after the transaction that held the work has committed
 * (or failed: status != ACCORD_OK).  Takes ownership of out (may be NULL). */
typedef void (*accord_db_done_fn)(accord_plugin_ctx *p, accord_status status, json_t *out, void *ud);

typedef void (*accord_timer_fn)(accord_plugin_ctx *p, void *ud);

/* Runs on the storage thread: describes item <kind>:<id> of this plugin as
 * it may be shown to partners once released (only the fields fit to leave
 * the network: no internal notes, no tallies), in *out.  Return
 * ACCORD_E_NOT_FOUND when there is no such item. */
typedef accord_status (*accord_item_describe_fn)(accord_txn *txn, const char *id, json_t **out,
						 void *ud);

/* Core events a plugin may listen to.  Ids are append-only. */
typedef enum accord_core_event {
	ACCORD_EV_CONNECT = 1,    /* data: {"conn": n} */
	ACCORD_EV_DISCONNECT = 2, /* data: {"conn": n, "user": id|null} */
	ACCORD_EV_LOGIN = 3,      /* data: {"conn": n, "user": id} */
	ACCORD_EV_LOGOUT = 4,     /* data: {"conn": n, "user": id} */
	ACCORD_EV_PLUGIN = 5      /* data: whatever api->emit() was given */
} accord_core_event;

typedef void (*accord_event_fn)(accord_plugin_ctx *p, accord_core_event ev, const char *name,
				const json_t *data, const accord_principal *who, void *ud);

/* HTTP route handler: answer with api->http_respond (now or later).
 * who is NULL when the request carried no valid bearer token. */
typedef void (*accord_http_fn)(accord_plugin_ctx *p, accord_http *h, const accord_principal *who,
			       void *ud);

/* CLI subcommand: "accord <name> args...".  Runs without the event loop,
 * with a transaction open on the database; return a process exit code. */
typedef int (*accord_cli_fn)(accord_plugin_ctx *p, accord_txn *txn, int argc, char **argv);

/* A schema migration: applied once, in order of version, in a transaction. */
typedef struct accord_migration {
	int version; /* 1, 2, 3 ... */
	const char *sql;
} accord_migration;

/* A service: a named, versioned table of functions that one plugin offers
 * and others use (the way Redis modules share APIs by name).  The table's
 * type lives in a header of include/accord/services/; its first member is
 * its size, and it only grows at its end within one version, so a user
 * checks ACCORD_SERVICE_HAS before calling a member added later.  A new
 * version number means an incompatible table. */
typedef struct accord_service_ref {
	const char *name;  /* "accord.members" */
	uint32_t version;  /* 1, 2, ... */
	uint32_t optional; /* requires only: start without it; import gives NULL */
} accord_service_ref;

#define ACCORD_SERVICE_HAS(tbl, m)                                                                 \
	((tbl) != NULL && (tbl)->size >= offsetof(__typeof__(*(tbl)), m) + sizeof((tbl)->m) &&     \
	 (tbl)->m != NULL)

/* ---- the plugin descriptor ---- */
typedef struct accord_plugin {
	uint32_t abi_major;   /* ACCORD_ABI_MAJOR */
	uint32_t struct_size; /* sizeof(accord_plugin) */
	const char *name;     /* also the request namespace and HTTP prefix */
	const char *version;
	const char *description;

	/* Called once at start; return ACCORD_OK or start-up stops. */
	accord_status (*init)(accord_plugin_ctx *p, const accord_host_api *api, const json_t *config);
	void (*fini)(accord_plugin_ctx *p);

	const accord_migration *migrations; /* terminated by {0, NULL}; may be NULL */

	/* Called by "accord init --demo" inside a transaction with the demo
	 * network file, and by "accord init --admin LOGIN" with a network of
	 * one organisation and its first person (same shape); may be NULL. */
	accord_status (*seed)(accord_plugin_ctx *p, accord_txn *txn, const json_t *demo);

	/* ---- services between plugins (added for issue 17) ----
	 * The services this plugin offers and those it needs, each list
	 * ended by {NULL}.  The core starts a plugin only after the plugins
	 * providing what it requires, and refuses to start (naming the
	 * service) when a required one has no provider.  May be NULL. */
	const struct accord_service_ref *provides;
	const struct accord_service_ref *requires;
	/* The prefix of this plugin's tables ("members" for members_orgs,
	 * members_people...); NULL means its name.  Its statements may touch
	 * only tables named "<name>_..." or "<table_prefix>_...": the storage
	 * layer refuses any other (see txn_enter). */
	const char *table_prefix;

	void *future[5]; /* reserved, keep NULL */
} accord_plugin;

/* ---- the host API table ---- */
struct accord_host_api {
	uint32_t abi_major;
	uint32_t api_size; /* sizeof the table the core was built with */

	/* logging */
	void (*log)(accord_plugin_ctx *p, accord_log_level lvl, const char *fmt, ...)
		ACCORD_PRINTF(3, 4);

	/* private per-plugin pointer */
	void (*set_userdata)(accord_plugin_ctx *p, void *ud);
	void *(*userdata)(accord_plugin_ctx *p);

	/* Requests.  verb is the part after "<plugin name>.".  Handlers other
	 * than those registered with ACCORD_REQ_ANONYMOUS run only for
	 * authenticated connections. */
	int (*handle)(accord_plugin_ctx *p, const char *verb, accord_request_fn fn, unsigned flags,
		      void *ud);
	/* A request stays valid after its handler returns, until exactly one
	 * reply_ok or reply_error (e.g. from a db_run done callback). */
	void (*reply_ok)(accord_req *req, json_t *data /* stolen, may be NULL */);
	void (*reply_error)(accord_req *req, accord_status code, const char *message);
	const accord_principal *(*req_principal)(const accord_req *req);
	/* The request's full type, "<namespace>.<verb>". */
	const char *(*req_type)(const accord_req *req);

	/* Principals */
	int64_t (*principal_id)(const accord_principal *who);
	const char *(*principal_login)(const accord_principal *who);
	const char *(*principal_org)(const accord_principal *who);
	int (*principal_is_partner)(const accord_principal *who);
	int (*principal_has_role)(const accord_principal *who, const char *role);

	/* Topics and events */
	int (*topic_register)(accord_plugin_ctx *p, const char *prefix, accord_topic_check_fn check,
			      void *ud);
	/* Publishes an event to subscribers of topic; data is stolen.
	 * audience NULL: the members the topic check allows.  Partners receive
	 * an event only when its audience admits them explicitly. */
	int (*publish)(accord_plugin_ctx *p, const char *topic, const char *event, json_t *data,
		       const accord_audience *audience);
	/* Tells the core that permissions changed: every subscription is
	 * re-checked before its next delivery. */
	void (*acl_changed)(accord_plugin_ctx *p);

	/* Audiences: an event reaches a recipient only if it matches. */
	accord_audience *(*audience_new)(void);
	void (*audience_add_org)(accord_audience *a, const char *org);
	void (*audience_add_user)(accord_audience *a, int64_t user);
	void (*audience_add_role)(accord_audience *a, const char *role);
	void (*audience_members_only)(accord_audience *a); /* no partners */
	void (*audience_free)(accord_audience *a);

	/* Core and plugin-to-plugin events */
	int (*listen)(accord_plugin_ctx *p, accord_core_event ev, accord_event_fn fn, void *ud);
	void (*emit)(accord_plugin_ctx *p, const char *name, const json_t *data);

	/* Storage */
	int (*db_run)(accord_plugin_ctx *p, accord_db_work_fn work, accord_db_done_fn done, void *ud);
	/* On the storage thread (or in a CLI/seed callback): runs one statement
	 * with positional parameters (a JSON array, may be NULL).  On success
	 * *rows (if rows != NULL) is an array of row objects.  Returns
	 * ACCORD_OK, ACCORD_E_CONFLICT on a constraint violation, or
	 * ACCORD_E_INTERNAL. */
	accord_status (*txn_exec)(accord_txn *txn, const char *sql, const json_t *params,
				  json_t **rows);
	int64_t (*txn_last_id)(accord_txn *txn);
	int (*txn_changes)(accord_txn *txn);

	/* Config */
	const json_t *(*config)(accord_plugin_ctx *p);

	/* HTTP routes under /api/<plugin>/<subpath> */
	int (*http_route)(accord_plugin_ctx *p, const char *subpath, accord_http_fn fn, void *ud);
	const char *(*http_path)(const accord_http *h);
	const char *(*http_query)(const accord_http *h, const char *name);
	void (*http_respond)(accord_http *h, int status, const char *content_type, const char *body,
			     size_t len);

	/* CLI subcommands */
	int (*cli)(accord_plugin_ctx *p, const char *name, const char *usage, accord_cli_fn fn);

	/* Timers (one-shot; re-arm from the callback for periodic ones) */
	uint64_t (*timer_add)(accord_plugin_ctx *p, uint64_t delay_ms, accord_timer_fn fn, void *ud);
	void (*timer_cancel)(accord_plugin_ctx *p, uint64_t timer_id);
	int64_t (*now_ms)(void);

	/* Metrics: adds delta to the counter accord_plugin_<plugin>_<name>. */
	void (*counter_add)(accord_plugin_ctx *p, const char *name, uint64_t delta);

	/* ---- accounts (added for the membership plugin) ---- */

	/* Claims another request namespace for this plugin ("members" for the
	 * membership plugin); handle() then also accepts "<ns>.<verb>". */
	int (*namespace_claim)(accord_plugin_ctx *p, const char *ns);
	/* Registers an anonymous "auth.<verb>" request (e.g. accept_invite). */
	int (*auth_extension)(accord_plugin_ctx *p, const char *verb, accord_request_fn fn, void *ud);
	/* Hashes a password (argon2id) off the loop; done gets the hash string,
	 * or NULL when the worker queue is full.  Returns -1 if not queued. */
	int (*password_hash)(accord_plugin_ctx *p, const char *password,
			     void (*done)(accord_plugin_ctx *p, const char *hash, void *ud),
			     void *ud);
	/* On the storage thread: creates or updates the login account described
	 * by {login, name, org, standing, roles: [..], active, password_hash?}
	 * (login is the key; password_hash kept when absent; with
	 * "create_only": true an existing login answers ACCORD_E_CONFLICT).
	 * *id gets its id.
	 * Deactivating also revokes every session of the account. */
	accord_status (*account_save)(accord_txn *txn, const json_t *account, int64_t *id);
	/* On the loop, after the commit: makes live connections of the account
	 * see its new org/roles (or closes them, 1008, if it is inactive) and
	 * re-checks every subscription. */
	void (*account_changed)(accord_plugin_ctx *p, int64_t account_id);
	/* Connections open now for an account (for presence). */
	int (*account_online)(accord_plugin_ctx *p, int64_t account_id);
	/* One-time secrets (invitations...): a new random token (43 base64url
	 * characters) and the hex hash to store; and the hash of a token a
	 * client sent (-1 if malformed).  Store only hashes. */
	int (*token_new)(char text[44], char hash_hex[65]);
	int (*token_hash)(const char *text, char hash_hex[65]);
	/* The client's id of a request (string or integer), for idempotency:
	 * a client that re-sends a request after a reconnect reuses its id. */
	const json_t *(*req_id)(const accord_req *req);

	/* ---- working groups (added for the groups plugin) ---- */

	/* The plugin that keeps working groups answers, from memory, whether
	 * who may act in group (and, when plugin is not NULL, whether that
	 * plugin is enabled there): ACCORD_OK or ACCORD_E_NOT_FOUND. */
	int (*group_provider)(accord_plugin_ctx *p,
			      accord_status (*access)(accord_plugin_ctx *p,
						      const accord_principal *who, int64_t group,
						      const char *plugin, void *ud),
			      void *ud);
	/* Makes this plugin group-scoped: every request must carry an integer
	 * data.group, and its topics are "<prefix>:<group>[:...]".  The core
	 * answers not_found, before the plugin sees anything, when the group
	 * does not exist, has not enabled the plugin, or the caller is not in
	 * it. */
	int (*group_scoped)(accord_plugin_ctx *p);
	/* The group of a request to a group-scoped plugin (0 otherwise). */
	int64_t (*req_group)(const accord_req *req);
	/* 1 if a plugin of that name is loaded and group-scoped. */
	int (*plugin_group_scoped)(accord_plugin_ctx *p, const char *name);

	/* HTTP uploads: routes also receive POST requests, once the core has
	 * accepted their headers (a valid bearer token: who is never NULL for
	 * a POST; at most limits.max_upload_bytes) and the whole body has
	 * arrived.  http_body maps the body's file into memory until the
	 * response: prefer http_body_fd (at the end of this table). */
	const char *(*http_method)(const accord_http *h);
	const char *(*http_body)(const accord_http *h, size_t *len);
	/* The group provider's answer, for plugins that scope their own objects
	 * to a group (consensus proposals of a working group). */
	accord_status (*group_access)(accord_plugin_ctx *p, const accord_principal *who,
				      int64_t group, const char *plugin);
	/* The group provider also says whether a group takes writes (an
	 * archived group is read-only); group plugins ask before writing and
	 * answer ACCORD_E_CONFLICT when it does not. */
	int (*group_provider_writable)(accord_plugin_ctx *p,
				       int (*writable)(accord_plugin_ctx *p, int64_t group, void *ud),
				       void *ud);
	int (*group_writable)(accord_plugin_ctx *p, int64_t group);

	/* ---- releases to partners (added for the portal plugin) ----
	 * Everything is internal unless released.  A plugin declares the kinds
	 * of item it holds ("proposal", "post"...) with a describe function;
	 * an item is named "<kind>:<id>".  The release provider (the first
	 * plugin to call release_set: the portal) tells the core to whom each
	 * item is released; the core then applies it on every read that asks
	 * item_visible and on every event whose audience names the item. */
	int (*item_kind)(accord_plugin_ctx *p, const char *kind, accord_item_describe_fn fn,
			 void *ud);
	/* On the storage thread: asks the owning plugin to describe an item.
	 * ACCORD_E_BAD_REQUEST for an unknown kind, ACCORD_E_NOT_FOUND for a
	 * missing item. */
	accord_status (*item_describe)(accord_txn *txn, const char *kind, const char *id,
				       json_t **out);
	/* On the loop, after the commit that recorded it: to is "partners",
	 * an array of organisation codes, or null (withdrawn: at once, for
	 * live connections and replays too).  -1 if p is not the provider. */
	int (*release_set)(accord_plugin_ctx *p, const char *item, const json_t *to);
	/* 1 if who may see item: members always, partners when it is released
	 * to them. */
	int (*item_visible)(const accord_principal *who, const char *item);
	/* More audience terms: every member; every partner; the partners an
	 * item is released to (looked up at delivery, so a withdrawal also
	 * stops events already published). */
	void (*audience_add_members)(accord_audience *a);
	void (*audience_add_partners)(accord_audience *a);
	void (*audience_add_item)(accord_audience *a, const char *item);
	/* http_route, open to partners too.  A route registered with
	 * http_route answers a partner's request 403 before the plugin runs. */
	int (*http_route_partner)(accord_plugin_ctx *p, const char *subpath, accord_http_fn fn,
				  void *ud);

	/* ---- retried requests (added for issue 15) ----
	 * A client sends the same request again, with the same "idem" key,
	 * when it does not know whether the first one was done (a dropped
	 * connection).  A write is done once per key: its work asks
	 * txn_retry_get first and, when the key was done, answers from what
	 * it gets instead of writing again; otherwise it writes and calls
	 * txn_retry_put in the same work, so the mark commits with the
	 * change.  accord_job_run (helpers.h) does all of this itself. */
	/* The request's key scoped by the core to the caller and the type
	 * ("<account>:<type>:<idem>"), or NULL when the client sent none. */
	const char *(*req_retry_key)(const accord_req *req);
	/* Storage thread: ACCORD_OK when key was done, with *reply the data
	 * of the reply the first request got (NULL if it was not kept, e.g.
	 * after a restart); ACCORD_E_NOT_FOUND when not.  Call it first. */
	accord_status (*txn_retry_get)(accord_txn *txn, const char *key, json_t **reply);
	/* Storage thread: marks key done if the work wrote anything since
	 * txn_retry_get (a read is not remembered).  key may be NULL. */
	accord_status (*txn_retry_put)(accord_txn *txn, const char *key);

	/* ---- uploads kept out of memory (added for issue 16) ----
	 * A POST body is kept in an unlinked temporary file, not in memory.
	 * This is that file's descriptor (-1 when the request has no body),
	 * with the body's length in *len.  It belongs to the core and stays
	 * valid until the response is given: read it with pread (from any
	 * thread, e.g. in a db_run work function), never close it.  Prefer it
	 * to http_body, which maps the file into memory. */
	int (*http_body_fd)(const accord_http *h, size_t *len);

	/* ---- the organisations of a group (added for issue 15) ----
	 * The group provider also lists, from memory, the organisations of a
	 * group, so that a plugin naming one (the owner of an action item)
	 * can refuse a code that is not there: orgs returns a new array of
	 * {org, lead: bool, partner: bool}, or NULL when there is no such
	 * group.  group_orgs asks it (on the loop); NULL also when no
	 * provider lists organisations. */
	int (*group_provider_orgs)(accord_plugin_ctx *p,
				   json_t *(*orgs)(accord_plugin_ctx *p, int64_t group, void *ud),
				   void *ud);
	json_t *(*group_orgs)(accord_plugin_ctx *p, int64_t group);

	/* ---- services between plugins (added for issue 17) ----
	 * service_export, from init: offers table as service name, version
	 * (it must be listed in the descriptor's provides; the table must
	 * outlive the plugin).  service_import, from init or later: the table
	 * of a service listed in the descriptor's requires, or NULL (an
	 * optional service nobody provides; a name not declared is refused).
	 * Providers start before their users, so importing in init works. */
	int (*service_export)(accord_plugin_ctx *p, const char *name, uint32_t version,
			      const void *table);
	const void *(*service_import)(accord_plugin_ctx *p, const char *name, uint32_t version);
	/* On the storage thread: a plugin's statements may touch only its own
	 * tables.  A work function of plugin A that calls a service of plugin B
	 * runs B's function on A's transaction; B's function brackets its
	 * statements with txn_enter(txn, B's ctx) ... txn_leave(txn) so that
	 * they run as B.  Calls nest; each enter needs its leave before the
	 * function returns. */
	void (*txn_enter)(accord_txn *txn, accord_plugin_ctx *p);
	void (*txn_leave)(accord_txn *txn);

	/* ---- plugins installed live (added for issue 19) ----
	 * The group provider also answers, from memory, which groups enabled
	 * a plugin (plugin NULL: every group) and, when lead_org is not NULL,
	 * only those that organisation leads: a new array of group ids.  The
	 * core shows it in sys.plugins and asks it whether a caller leads a
	 * group. */
	int (*group_provider_plugins)(accord_plugin_ctx *p,
				      json_t *(*groups)(accord_plugin_ctx *p, const char *plugin,
							const char *lead_org, void *ud),
				      void *ud);

	/* ---- notifications (added for issue 22) ----
	 * On the loop: item_visible for someone who is not connected, a
	 * person of organisation org of standing partner (1) or member (0),
	 * from the releases in force now (the notify plugin asks it for each
	 * e-mail it builds).  1 or 0. */
	int (*item_visible_to)(const char *org, int partner, const char *item);
	/* Sets the gauge accord_plugin_<plugin>_<name> of /metrics. */
	void (*gauge_set)(accord_plugin_ctx *p, const char *name, uint64_t value);
};

/* Request handler flags.  A partner's request reaches only handlers
 * registered with ACCORD_REQ_PARTNER (or ACCORD_REQ_ANONYMOUS); any other
 * type answers a partner "forbidden" before the plugin sees it. */
#define ACCORD_REQ_ANONYMOUS 1u /* may run before authentication */
#define ACCORD_REQ_PARTNER 2u   /* partners may call it too */

/* True when the running core's table has member m. */
#define ACCORD_API_HAS(api, m)                                                                     \
	((api)->api_size >= offsetof(accord_host_api, m) + sizeof((api)->m) && (api)->m != NULL)

/* The one symbol every plugin exports. */
typedef const accord_plugin *(*accord_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif
#endif
