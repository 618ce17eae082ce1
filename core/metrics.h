/*
 * Counters for /metrics, in Prometheus text format.
 */
#ifndef ACCORD_METRICS_H
#define ACCORD_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "accord/plugin.h"
#include "storage.h"

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
/* Sets the gauge accord_plugin_<plugin>_<name> to value. */
void metrics_plugin_gauge(metrics *m, const char *plugin, const char *name, uint64_t value);

/* What the rest of the server reports at the moment of a scrape. */
typedef struct metrics_gauges {
	long connections;
	long uploads_active;
	long long upload_bytes;
	size_t topics;
	storage_stats storage;
} metrics_gauges;
/* The text of /metrics (malloc'd; *len its length). */
char *metrics_render(const metrics *m, const metrics_gauges *g, size_t *len);

#endif
