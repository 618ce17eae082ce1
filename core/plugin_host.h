/*
 * The plugin host's state: one context per loaded plugin and the
 * registries their init fills.  Shared by the three files of the plugin
 * machinery only (loader.c, registry.c, hostapi.c); the rest of the core
 * sees plugin_host and accord_plugin_ctx as opaque and goes through
 * loader.h and registry.h.
 */
#ifndef ACCORD_PLUGIN_HOST_H
#define ACCORD_PLUGIN_HOST_H

#include <libwebsockets.h>

#include "accord/plugin.h"
#include "envelope.h"
#include "permit.h"
#include "registry.h"
#include "storage.h"

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
};

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
};

#endif
