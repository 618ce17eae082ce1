/*
 * What the core and the plugins register: request handlers (one hash table
 * keyed by the full type, core handlers included), HTTP routes under
 * /api/<plugin>/, listeners of core events, CLI commands and timers.
 * Plugins register through the host API (hostapi.c points its table at
 * the registry_* functions below); the core looks things up here.
 */
#ifndef ACCORD_REGISTRY_H
#define ACCORD_REGISTRY_H

#include <stdio.h>

#include "accord/plugin.h"
#include "plugin_host.h"

const handler *plugins_find_handler(plugin_host *h, const char *type);
int plugins_add_core_handler(plugin_host *h, const char *type,
			     void (*fn)(server *, conn *, struct accord_req *, const json_t *),
			     unsigned flags);
void plugins_dispatch_event(plugin_host *h, accord_core_event ev, const char *name,
			    const json_t *data, const struct accord_principal *who);
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
/* Cancels every plugin timer; later timer_add calls fail. */
void plugins_cancel_timers(plugin_host *h);
/* Frees every registration (at unload, after the plugins' fini). */
void registry_free(plugin_host *h);

/* Plugins installed, upgraded and removed while the server runs
 * (plugin_live.c).  registry_detach takes everything p registered
 * (handlers, listeners, routes, commands, services, topic prefixes) out of
 * the tables into s; registry_reattach puts it back (a replacement that
 * failed) and frees s; registry_saved_free drops it (p retires).  Timers
 * are not detached: a retired plugin's timers still fire (each holds it),
 * but it cannot add new ones. */
#include "bus.h"
#include "release.h"
typedef struct registry_saved {
	hentry *handlers;
	listener *listeners;
	int n_listeners;
	route *routes;
	int n_routes;
	cli_entry *clis;
	int n_clis;
	service *services;
	int n_services;
	bus_prefix_saved prefixes[BUS_MAX_SAVED];
	int n_prefixes;
	release_kind kinds[RELEASE_MAX_SAVED];
	int n_kinds;
} registry_saved;
int registry_detach(plugin_host *h, accord_plugin_ctx *p, registry_saved *s);
void registry_reattach(plugin_host *h, registry_saved *s);
void registry_saved_free(registry_saved *s);
void registry_cancel_timers_of(plugin_host *h, accord_plugin_ctx *p);
/* Everything of p out of the tables (its timers stay: see
 * registry_cancel_timers_of). */
void registry_remove_all(plugin_host *h, accord_plugin_ctx *p);

/* The host API's registration functions (include/accord/plugin.h). */
int registry_namespace_claim(accord_plugin_ctx *p, const char *ns);
int registry_handle(accord_plugin_ctx *p, const char *verb, accord_request_fn fn, unsigned flags,
		    void *ud);
int registry_auth_extension(accord_plugin_ctx *p, const char *verb, accord_request_fn fn, void *ud);
int registry_listen(accord_plugin_ctx *p, accord_core_event ev, accord_event_fn fn, void *ud);
void registry_emit(accord_plugin_ctx *p, const char *name, const json_t *data);
int registry_http_route(accord_plugin_ctx *p, const char *subpath, accord_http_fn fn, void *ud);
int registry_http_route_partner(accord_plugin_ctx *p, const char *subpath, accord_http_fn fn,
				void *ud);
int registry_cli(accord_plugin_ctx *p, const char *name, const char *usage, accord_cli_fn fn);
uint64_t registry_timer_add(accord_plugin_ctx *p, uint64_t delay_ms, accord_timer_fn fn, void *ud);
void registry_timer_cancel(accord_plugin_ctx *p, uint64_t id);

#endif
