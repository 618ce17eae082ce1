/*
 * Every permission decision of the core, in one place: what a principal
 * may ask (requests, HTTP routes, /metrics), see (topics, items) and
 * receive (events).  The functions are pure: they decide from their
 * arguments (and, for items, the release table) and touch nothing.  The
 * places that act on a decision (dispatch.c, bus.c, http.c, hostapi.c)
 * call them and answer with the message given.
 */
#ifndef ACCORD_PERMIT_H
#define ACCORD_PERMIT_H

#include <stdint.h>

#include "accord/plugin.h"
#include "audience.h"
#include "principal.h"
#include "release.h"

/* The group provider (the groups plugin), as it registered with the core:
 * it answers whether a person may act in a group with a plugin. */
typedef struct permit_groups {
	accord_plugin_ctx *provider;
	accord_status (*access)(accord_plugin_ctx *p, const accord_principal *who, int64_t group,
				const char *plugin, void *ud);
	void *ud;
} permit_groups;

/* The owner of a topic prefix: the plugin that registered it. */
typedef struct permit_topic_owner {
	accord_plugin_ctx *plugin;
	const char *name; /* the plugin's name, as the group provider knows it */
	int group_scoped; /* topics are "<prefix>:<group>[:...]" */
	accord_topic_check_fn check;
	void *ud;
} permit_topic_owner;

/* A request of a handler registered with flags (ACCORD_REQ_*), from who
 * (NULL: not logged in).  ACCORD_OK, or the error and *msg. */
accord_status permit_request(const struct accord_principal *who, unsigned flags, const char **msg);
/* The group of a request to a group-scoped plugin: data.group, which who
 * must reach with that plugin.  Not scoped: ACCORD_OK and *group 0. */
accord_status permit_request_group(const permit_groups *g, int group_scoped, const char *plugin,
				   const struct accord_principal *who, const json_t *data,
				   int64_t *group, const char **msg);
/* May who act in group with plugin?  ACCORD_OK or ACCORD_E_NOT_FOUND (no
 * provider, no such group or not allowed alike). */
accord_status permit_group(const permit_groups *g, const struct accord_principal *who,
			   int64_t group, const char *plugin);
/* May who see topic (owner: its prefix's, NULL if none)?  ACCORD_OK or
 * ACCORD_E_NOT_FOUND: a refusal looks like a missing topic. */
accord_status permit_topic(const permit_groups *g, const permit_topic_owner *owner,
			   const struct accord_principal *who, const char *topic);
/* May p receive an event for audience a (NULL: members only)?  Asked for
 * every recipient of every event, live and on replay. */
int audience_matches(const struct accord_audience *a, const struct accord_principal *p);
/* May p see an item released to r (NULL: not released)?  Members always. */
int permit_item_to(const struct accord_principal *p, const release_to *r);
/* The same for the item "<kind>:<id>", from the release table. */
int permit_item(const struct accord_principal *p, const char *item);
/* May who (NULL: no bearer token) use an HTTP route open to partners or
 * not?  ACCORD_OK or ACCORD_E_FORBIDDEN and *msg. */
accord_status permit_route(const struct accord_principal *who, int partners, const char **msg);

/* /metrics: with the metrics token configured (token_set), a client that
 * sent it (token_ok), or one from loopback when loopback clients need no
 * token (loopback_open, is_loopback).  ACCORD_OK, ACCORD_E_UNAUTHENTICATED
 * (ask for the token) or ACCORD_E_FORBIDDEN. */
accord_status permit_metrics(int token_set, int token_ok, int loopback_open, int is_loopback);

#endif
