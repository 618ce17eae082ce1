/*
 * The plugin host: one context per loaded plugin and the registries their
 * init fills.  The structures are the plugin machinery's (loader.c,
 * registry.c, hostapi.c); the rest of the core asks about a plugin through
 * the functions at the end.
 */
#ifndef ACCORD_PLUGIN_HOST_H
#define ACCORD_PLUGIN_HOST_H

#include <libwebsockets.h>
#include <limits.h>

#include "accord/plugin.h"
#include "envelope.h"
#include "permit.h"
#include "storage.h"

typedef struct plugin_host plugin_host;
typedef struct server server;
typedef struct conn conn;

#define MAX_PLUGINS 64
#define HANDLER_BUCKETS 512
#define MAX_SERVICES 64

struct accord_plugin_ctx {
	plugin_host *h;
	server *srv;
	void *dl;
	const accord_plugin *desc;
	char name[33];
	const json_t *config;
	void *userdata;
	int initialised;
	char ns[4][33]; /* namespaces claimed besides the plugin's name */
	int n_ns;
	int group_scoped;
	/* from the descriptor, NULL when its struct_size does not cover them */
	const accord_service_ref *provides, *requires;
	char table_prefix[33];
	storage_scope scope; /* its tables: "<name>_*", "<table_prefix>_*" */
	/* who vouches for its files: a trusted key's name, "built with this
	 * server", or "unverified" (loaded under plugins.allow_unsigned) */
	char signer[96];
	/* Lifetime (plugin_live.c).  refs: one for being registered (the
	 * plugin serves), one per request, job, timer and HTTP request of it
	 * in flight.  A plugin replaced by an upgrade or removed is retired:
	 * out of the registries, it finishes what it holds on its own code;
	 * the last unref calls its fini and closes its shared object. */
	int refs;
	int retired;
	int live;            /* installed live (var/plugins), not by the configuration */
	char file[PATH_MAX]; /* the shared object it was loaded from */
	char web[PATH_MAX];  /* its web files ("" when it has none) */
	char digest[65];     /* SHA-256 of the shared object, hex */
	struct accord_plugin_ctx *next_retired;
};

/* A request handler: a plugin's, or a core one (plugin NULL, core_fn). */
typedef struct handler {
	struct accord_plugin_ctx *plugin; /* NULL for core handlers */
	accord_request_fn fn;
	void (*core_fn)(server *srv, conn *c, struct accord_req *r, const json_t *data);
	unsigned flags;
	void *ud;
} handler;

typedef struct service {
	char name[65];
	uint32_t version;
	const void *table;
	struct accord_plugin_ctx *provider;
} service;

typedef struct hentry {
	struct hentry *next;
	char type[ENVELOPE_MAX_TYPE + 1];
	handler h;
} hentry;

typedef struct listener {
	struct accord_plugin_ctx *p;
	accord_core_event ev;
	accord_event_fn fn;
	void *ud;
} listener;

typedef struct cli_entry {
	struct accord_plugin_ctx *p;
	char name[33];
	char usage[160];
	accord_cli_fn fn;
} cli_entry;

typedef struct route {
	struct accord_plugin_ctx *p;
	char path[160]; /* "/api/<plugin>/<subpath>" */
	accord_http_fn fn;
	void *ud;
	int partners; /* partners may call it */
} route;

typedef struct ptimer {
	lws_sorted_usec_list_t sul; /* first: container_of by cast */
	struct ptimer *prev, *next;
	uint64_t id;
	struct accord_plugin_ctx *p;
	accord_timer_fn fn;
	void *ud;
} ptimer;

struct plugin_host {
	server *srv;
	struct accord_plugin_ctx *plugins[MAX_PLUGINS];
	int n;
	hentry *handlers[HANDLER_BUCKETS];
	listener *listeners;
	int n_listeners, cap_listeners;
	cli_entry *clis;
	int n_clis, cap_clis;
	route *routes;
	int n_routes, cap_routes;
	ptimer *timers;
	uint64_t next_timer_id;
	int timers_closed;
	permit_groups groups; /* the group provider and its access decision */
	int (*group_writable)(accord_plugin_ctx *p, int64_t group, void *ud);
	void *group_writable_ud;
	json_t *(*group_orgs)(accord_plugin_ctx *p, int64_t group, void *ud);
	void *group_orgs_ud;
	struct accord_plugin_ctx *release_provider;
	service services[MAX_SERVICES];
	int n_services;
	/* retired plugins still referenced (plugin_live.c) */
	struct accord_plugin_ctx *retired;
	/* the group provider's list of groups by plugin enabled and lead */
	json_t *(*group_plugins)(accord_plugin_ctx *p, const char *plugin, const char *lead_org,
				 void *ud);
	void *group_plugins_ud;
};

const char *plugin_name(const struct accord_plugin_ctx *p);
server *plugin_server(const struct accord_plugin_ctx *p);
/* Group scoping: 1 if p is group-scoped; the provider's decision. */
int plugin_group_scoped(const struct accord_plugin_ctx *p);
/* The tables the plugin's statements may touch (storage.h); NULL for the core. */
const storage_scope *plugin_scope(const struct accord_plugin_ctx *p);
/* The group provider, for permit.c's group decisions (NULL without a host). */
const permit_groups *plugins_groups(const plugin_host *h);
void plugin_log(const struct accord_plugin_ctx *p, accord_log_level lvl, const char *fmt, ...)
	ACCORD_PRINTF(3, 4);
/* Where its web component is served: "/plugins/<name>" (the
 * configuration's), "/plugins-live/<name>-<digest>" (installed live with
 * web files), or null. */
json_t *plugin_web_base(const struct accord_plugin_ctx *p);
/* A request, job, timer or HTTP request of p holds it while in flight
 * (NULL: the core, nothing to hold).  The last unref of a retired plugin
 * calls its fini and closes its shared object. */
/* Whether the web path uri (len bytes, as lws decoded it) may be served:
 * 1 for any path outside /plugins/ and /plugins-live/, and for a path of
 * a plugin loaded now (/plugins/<name>/..., /plugins-live/<name>-<digest>/
 * of the version loaded); 0 for the web folder of a plugin that is not
 * enabled, was removed or upgraded since: it is answered as missing. */
int plugins_web_served(const plugin_host *h, const char *uri, size_t len);
/* A plugin object's sealed memory file (loader_check_open), kept open
 * until plugin_dl_close: 0, or -1 out of memory.  Any thread. */
int plugin_dl_pinned(void *dl, int fd);
/* dlclose of a plugin object, and the release of its memory file. */
void plugin_dl_close(void *dl);
void plugin_ref(struct accord_plugin_ctx *p);
void plugin_unref(struct accord_plugin_ctx *p);

#endif
