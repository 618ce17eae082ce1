/*
 * The event bus: topics, subscriptions, sequence numbers, replay, and the
 * delivery of each event to the recipients permit.c admits.
 */
#ifndef ACCORD_BUS_H
#define ACCORD_BUS_H

#include <stddef.h>

#include "accord/plugin.h"
#include "audience.h"
#include "context.h"
#include "principal.h"

bus *bus_new(server *srv);
void bus_free(bus *b);
int bus_register_prefix(bus *b, const char *prefix, struct accord_plugin_ctx *p,
			accord_topic_check_fn check, void *ud);
/* Plugins that come and go while the server runs (plugin_live.c): a
 * plugin's prefixes are detached (their topics answer nobody, their
 * subscribers stay), then registered again by its new version, or given
 * back to it when that fails. */
#define BUS_MAX_SAVED 16
typedef struct bus_prefix_saved {
	int index;
	struct accord_plugin_ctx *plugin;
	accord_topic_check_fn check;
	void *ud;
} bus_prefix_saved;
void bus_prefixes_detach(bus *b, const struct accord_plugin_ctx *p, bus_prefix_saved *saved,
			 int *n_saved);
void bus_prefixes_reattach(bus *b, const bus_prefix_saved *saved, int n_saved);
void bus_prefixes_release(bus *b, const struct accord_plugin_ctx *p);
/* The prefixes p registered, as a JSON array of strings. */
json_t *bus_prefixes_of(bus *b, const struct accord_plugin_ctx *p);
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
accord_status bus_subscribe(bus *b, conn *c, const char *topic, const json_t *since, json_t *reply,
			    char *msg, size_t msglen);
accord_status bus_unsubscribe(bus *b, conn *c, const char *topic);
void bus_unsubscribe_all(bus *b, conn *c);
size_t bus_topic_count(bus *b);

#endif
