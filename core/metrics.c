/*
 * Counters for /metrics, in Prometheus text format.  Everything here is
 * touched on the loop only; the gauges (connections, uploads, topics, the
 * storage thread's figures, copied under its lock) are read by the caller
 * at the moment of the scrape.
 */
#include "metrics.h"
#include "envelope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TYPES 256
#define MAX_PCOUNTERS 256

struct named {
	char name[96];
	uint64_t v;
};

struct metrics {
	struct named in[MAX_TYPES];
	int n_in;
	uint64_t in_other;
	struct named out[MAX_TYPES];
	int n_out;
	uint64_t out_other;
	uint64_t errors[ACCORD_E__COUNT];
	uint64_t drops;
	uint64_t rx_pauses;
	struct named pc[MAX_PCOUNTERS];
	int n_pc;
	struct named pg[MAX_PCOUNTERS]; /* plugins' gauges */
	int n_pg;
	/* request latency, same bounds as the commit histogram */
	uint64_t req_buckets[12];
	uint64_t reqs;
	double req_sum_s;
};

metrics *metrics_new(void) { return calloc(1, sizeof(metrics)); }
void metrics_free(metrics *m) { free(m); }

static uint64_t *slot(struct named *arr, int *n, int max, const char *name)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp(arr[i].name, name))
			return &arr[i].v;
	if (*n == max)
		return NULL;
	snprintf(arr[*n].name, sizeof(arr[*n].name), "%s", name);
	return &arr[(*n)++].v;
}

/* A request answered: arrival of its last frame to its reply queued. */
void metrics_request(metrics *m, double seconds)
{
	m->reqs++;
	m->req_sum_s += seconds;
	m->req_buckets[storage_latency_bucket(seconds)]++;
}

/* Only registered types get their own series, so a client sending random
 * types cannot grow the table: callers pass "other" for unknown ones. */
void metrics_msg_in(metrics *m, const char *type)
{
	uint64_t *v = slot(m->in, &m->n_in, MAX_TYPES, type);
	if (v)
		(*v)++;
	else
		m->in_other++;
}

/* Frames queued to clients, by event name ("reply" for replies). */
void metrics_msg_out(metrics *m, const char *type, uint64_t n)
{
	uint64_t *v = slot(m->out, &m->n_out, MAX_TYPES, type);
	if (v)
		*v += n;
	else
		m->out_other += n;
}
void metrics_error(metrics *m, accord_status code)
{
	if ((int)code > 0 && code < ACCORD_E__COUNT)
		m->errors[code]++;
}
void metrics_drop(metrics *m) { m->drops++; }
void metrics_rx_paused(metrics *m) { m->rx_pauses++; }

/* "accord_plugin_<plugin>_<name>", with anything but [a-z0-9_] as _. */
static void plugin_metric_name(char full[96], const char *plugin, const char *name)
{
	snprintf(full, 96, "accord_plugin_%s_%s", plugin, name);
	for (char *p = full; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			*p = '_';
}

void metrics_plugin_counter(metrics *m, const char *plugin, const char *name, uint64_t d)
{
	char full[96];
	plugin_metric_name(full, plugin, name);
	uint64_t *v = slot(m->pc, &m->n_pc, MAX_PCOUNTERS, full);
	if (v)
		*v += d;
}

void metrics_plugin_gauge(metrics *m, const char *plugin, const char *name, uint64_t value)
{
	char full[96];
	plugin_metric_name(full, plugin, name);
	uint64_t *v = slot(m->pg, &m->n_pg, MAX_PCOUNTERS, full);
	if (v)
		*v = value;
}

struct sb {
	char *s;
	size_t len, cap;
};

static void sbf(struct sb *b, const char *fmt, ...) ACCORD_PRINTF(2, 3);
static void sbf(struct sb *b, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t ncap = (b->cap ? b->cap * 2 : 4096) + (size_t)n;
		char *ns = realloc(b->s, ncap);
		if (!ns)
			return;
		b->s = ns;
		b->cap = ncap;
	}
}

/* A histogram over storage_latency_bounds, in Prometheus text format. */
static void histogram(struct sb *b, const char *name, const char *help, const uint64_t *buckets,
		      double sum_s, uint64_t count)
{
	sbf(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
	uint64_t cum = 0;
	for (int i = 0; i < 12; i++) {
		cum += buckets[i];
		if (i < 11)
			sbf(b, "%s_bucket{le=\"%g\"} %llu\n", name, storage_latency_bounds[i],
			    (unsigned long long)cum);
		else
			sbf(b, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)cum);
	}
	sbf(b, "%s_sum %.6f\n%s_count %llu\n", name, sum_s, name, (unsigned long long)count);
}

char *metrics_render(const metrics *m, const metrics_gauges *g, size_t *len)
{
	struct sb b = {0};
	sbf(&b,
	    "# HELP accord_connections Open WebSocket connections.\n"
	    "# TYPE accord_connections gauge\naccord_connections %ld\n",
	    g->connections);
	sbf(&b,
	    "# HELP accord_http_uploads_active HTTP uploads being received "
	    "(limits.max_concurrent_uploads).\n"
	    "# TYPE accord_http_uploads_active gauge\naccord_http_uploads_active %ld\n",
	    g->uploads_active);
	sbf(&b,
	    "# HELP accord_http_upload_bytes Sum of the Content-Lengths of the uploads being "
	    "received (limits.max_upload_total_bytes).\n"
	    "# TYPE accord_http_upload_bytes gauge\naccord_http_upload_bytes %lld\n",
	    g->upload_bytes);
	sbf(&b,
	    "# HELP accord_topics Topics known to the event bus.\n"
	    "# TYPE accord_topics gauge\naccord_topics %zu\n",
	    g->topics);
	sbf(&b, "# HELP accord_messages_in_total Requests received, by type.\n"
		"# TYPE accord_messages_in_total counter\n");
	for (int i = 0; i < m->n_in; i++)
		sbf(&b, "accord_messages_in_total{type=\"%s\"} %llu\n", m->in[i].name,
		    (unsigned long long)m->in[i].v);
	sbf(&b, "accord_messages_in_total{type=\"other\"} %llu\n", (unsigned long long)m->in_other);
	sbf(&b, "# HELP accord_messages_out_total Frames queued to clients, by event type.\n"
		"# TYPE accord_messages_out_total counter\n");
	for (int i = 0; i < m->n_out; i++)
		sbf(&b, "accord_messages_out_total{type=\"%s\"} %llu\n", m->out[i].name,
		    (unsigned long long)m->out[i].v);
	sbf(&b, "accord_messages_out_total{type=\"other\"} %llu\n", (unsigned long long)m->out_other);
	sbf(&b, "# HELP accord_errors_total Error replies, by code.\n"
		"# TYPE accord_errors_total counter\n");
	for (int c = 1; c < ACCORD_E__COUNT; c++)
		sbf(&b, "accord_errors_total{code=\"%s\"} %llu\n",
		    status_code_name((accord_status)c), (unsigned long long)m->errors[c]);
	sbf(&b,
	    "# HELP accord_queue_drops_total Clients dropped for falling behind.\n"
	    "# TYPE accord_queue_drops_total counter\naccord_queue_drops_total %llu\n",
	    (unsigned long long)m->drops);
	sbf(&b,
	    "# HELP accord_rx_paused_total Times a connection's input was paused "
	    "(limits.inflight_per_conn requests unanswered or half its outbound queue full).\n"
	    "# TYPE accord_rx_paused_total counter\naccord_rx_paused_total %llu\n",
	    (unsigned long long)m->rx_pauses);

	const storage_stats *st = &g->storage;
	sbf(&b,
	    "# HELP accord_storage_queue Storage jobs waiting.\n"
	    "# TYPE accord_storage_queue gauge\naccord_storage_queue %ld\n",
	    st->queue_len);
	sbf(&b,
	    "# HELP accord_storage_jobs_total Storage jobs run.\n"
	    "# TYPE accord_storage_jobs_total counter\naccord_storage_jobs_total %llu\n",
	    (unsigned long long)st->jobs);
	sbf(&b,
	    "# HELP accord_commit_failures_total Group commits that failed.\n"
	    "# TYPE accord_commit_failures_total counter\naccord_commit_failures_total %llu\n",
	    (unsigned long long)st->failed_commits);
	histogram(&b, "accord_commit_seconds", "Group commit latency (BEGIN to durable COMMIT).",
		  st->latency_buckets, st->latency_sum_s, st->commits);
	histogram(&b, "accord_request_seconds",
		  "Request latency: from its arrival to its reply queued (writes include their "
		  "durable commit).",
		  m->req_buckets, m->req_sum_s, m->reqs);
	for (int i = 0; i < m->n_pc; i++)
		sbf(&b, "# TYPE %s counter\n%s %llu\n", m->pc[i].name, m->pc[i].name,
		    (unsigned long long)m->pc[i].v);
	for (int i = 0; i < m->n_pg; i++)
		sbf(&b, "# TYPE %s gauge\n%s %llu\n", m->pg[i].name, m->pg[i].name,
		    (unsigned long long)m->pg[i].v);
	if (len)
		*len = b.len;
	return b.s;
}
