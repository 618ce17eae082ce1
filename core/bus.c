/*
 * The event bus: topics, subscriptions, per-topic sequence numbers, replay,
 * and a permission decision (permit.c) for every recipient of every event.
 *
 * A topic is "<prefix>:<rest>"; the plugin that registered the prefix
 * decides who may see it (from memory, synchronously).  The decision is
 * taken when subscribing and again before any delivery that follows a
 * permission change anywhere (plugins call acl_changed(), which bumps a
 * generation number), so a withdrawn permission takes effect on the very
 * next event.  Each event may also carry an audience; it is matched per
 * recipient, on live delivery and on replay alike.
 *
 * An event is serialised once into a shared frame and queued by pointer to
 * every recipient.  Its seq, the order of delivery and the history kept
 * for sub.add {since} are the bus log's (bus_log.h): today the in-memory
 * ring of this process (bus_ring.c, which also explains why seq numbers
 * are readings of a clock), tomorrow possibly a log shared by several
 * nodes.
 *
 * This interface (register/check/publish/subscribe) is what a multi-node
 * bus would implement too; plugins only see it through the host API.
 */
#include "bus.h"
#include "bus_log.h"
#include "clock.h"
#include "conn.h"
#include "envelope.h"
#include "log.h"
#include "metrics.h"
#include "permit.h"
#include "plugin_host.h"

#include <stdlib.h>
#include <string.h>

#define TOPIC_BUCKETS 4096
#define MAX_PREFIXES 64
#define MAX_SUBS_PER_CONN 256

typedef struct prefix_entry {
	char name[33];
	struct accord_plugin_ctx *plugin;
	accord_topic_check_fn check;
	void *ud;
} prefix_entry;

typedef struct topic {
	struct topic *hnext;
	char *name;
	bus_log_topic *lt; /* its seq and history, in the bus log */
	const prefix_entry *pfx;
	sub **subs;
	uint32_t n_subs, subs_cap;
	int64_t last_used_ms;
} topic;

struct sub {
	topic *t;
	conn *c;
	uint32_t t_idx, c_idx;
	uint64_t acl_gen;
};

struct bus {
	server *srv;
	topic *buckets[TOPIC_BUCKETS];
	size_t n_topics;
	prefix_entry prefixes[MAX_PREFIXES];
	int n_prefixes;
	uint64_t acl_gen;
	const bus_log_ops *log_ops;
	bus_log *log;
	lws_sorted_usec_list_t sweep;
	int sweeping;
};

/* Topics nobody subscribes to and nobody published to for this long are
 * freed with their replay ring (a later sub.add {since} answers resync). */
#define TOPIC_IDLE_MS (10 * 60 * 1000)
#define SWEEP_US (60 * LWS_US_PER_SEC)

static unsigned hash_str(const char *s)
{
	unsigned h = 2166136261u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static void deliver(void *ud, void *topic_ud, const char *event, msgbuf *m,
		    const struct accord_audience *aud);

bus *bus_new(server *srv)
{
	bus *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->srv = srv;
	b->acl_gen = 1;
	bus_log_params lp = {
		.keep = srv->cfg ? srv->cfg->limits.replay_keep : 0,
		.clock_base_us = (uint64_t)srv->boot_ms * 1000u,
		.deliver = deliver,
		.deliver_ud = b,
	};
	b->log_ops = &bus_ring_ops;
	b->log = b->log_ops->open(&lp);
	if (!b->log) {
		free(b);
		return NULL;
	}
	return b;
}

/* A topic's current position in the log: above every event published so
 * far and below every later one. */
static uint64_t topic_position(const bus *b, topic *t)
{
	return b->log_ops->position(b->log, t->lt);
}

static void topic_free(bus *b, topic *t);

void bus_free(bus *b)
{
	if (!b)
		return;
	for (int i = 0; i < TOPIC_BUCKETS; i++) {
		topic *t = b->buckets[i];
		while (t) {
			topic *n = t->hnext;
			for (uint32_t k = 0; k < t->n_subs; k++)
				free(t->subs[k]);
			topic_free(b, t);
			t = n;
		}
	}
	b->log_ops->close(b->log);
	free(b);
}

size_t bus_topic_count(bus *b) { return b->n_topics; }

static void topic_free(bus *b, topic *t)
{
	b->log_ops->topic_close(b->log, t->lt);
	free(t->subs);
	free(t->name);
	free(t);
}

static void sweep(lws_sorted_usec_list_t *sul)
{
	bus *b = lws_container_of(sul, bus, sweep);
	int64_t now = now_ms();
	for (int i = 0; i < TOPIC_BUCKETS; i++) {
		topic **pp = &b->buckets[i];
		while (*pp) {
			topic *t = *pp;
			if (!t->n_subs && now - t->last_used_ms > TOPIC_IDLE_MS) {
				*pp = t->hnext;
				topic_free(b, t);
				b->n_topics--;
			} else
				pp = &t->hnext;
		}
	}
	if (b->sweeping && b->srv->ctx)
		lws_sul_schedule(b->srv->ctx, 0, &b->sweep, sweep, SWEEP_US);
}

void bus_start(bus *b)
{
	b->sweeping = 1;
	lws_sul_schedule(b->srv->ctx, 0, &b->sweep, sweep, SWEEP_US);
}

void bus_stop(bus *b)
{
	if (b && b->sweeping) {
		b->sweeping = 0;
		lws_sul_cancel(&b->sweep);
	}
}

int bus_register_prefix(bus *b, const char *prefix, struct accord_plugin_ctx *p,
			accord_topic_check_fn check, void *ud)
{
	if (!prefix || !check || strlen(prefix) == 0 || strlen(prefix) > 32 ||
	    strchr(prefix, ':') || !topic_name_valid(prefix))
		return -1;
	prefix_entry *e = NULL;
	for (int i = 0; i < b->n_prefixes; i++)
		if (!strcmp(b->prefixes[i].name, prefix)) {
			if (b->prefixes[i].check)
				return -1;
			/* A prefix a plugin left (upgrade, removal): the
			 * same entry, so that the topics and subscriptions
			 * that point at it carry on with the new owner. */
			e = &b->prefixes[i];
		}
	if (!e && b->n_prefixes == MAX_PREFIXES)
		return -1;
	if (!e)
		e = &b->prefixes[b->n_prefixes++];
	snprintf(e->name, sizeof(e->name), "%s", prefix);
	e->plugin = p;
	e->check = check;
	e->ud = ud;
	return 0;
}

/* A plugin leaves (plugin_live.c): its prefixes stay, with nobody to
 * decide, so their topics are nobody's (not_found) until a new version
 * registers them again; its subscribers stay subscribed meanwhile. */
void bus_prefixes_detach(bus *b, const struct accord_plugin_ctx *p, bus_prefix_saved *saved,
			 int *n_saved)
{
	*n_saved = 0;
	for (int i = 0; i < b->n_prefixes; i++) {
		prefix_entry *e = &b->prefixes[i];
		if (e->plugin != p || !e->check)
			continue;
		if (*n_saved < BUS_MAX_SAVED)
			saved[(*n_saved)++] = (bus_prefix_saved){i, e->plugin, e->check, e->ud};
		e->plugin = NULL;
		e->check = NULL;
		e->ud = NULL;
	}
	bus_acl_changed(b);
}

/* The detach undone (a failed upgrade): the old version decides again. */
void bus_prefixes_reattach(bus *b, const bus_prefix_saved *saved, int n_saved)
{
	for (int i = 0; i < n_saved; i++) {
		prefix_entry *e = &b->prefixes[saved[i].index];
		e->plugin = saved[i].plugin;
		e->check = saved[i].check;
		e->ud = saved[i].ud;
	}
	bus_acl_changed(b);
}

/* Releases every prefix of p (an init that failed). */
void bus_prefixes_release(bus *b, const struct accord_plugin_ctx *p)
{
	int n;
	bus_prefix_saved tmp[BUS_MAX_SAVED];
	bus_prefixes_detach(b, p, tmp, &n);
}

json_t *bus_prefixes_of(bus *b, const struct accord_plugin_ctx *p)
{
	json_t *a = json_array();
	for (int i = 0; a && i < b->n_prefixes; i++)
		if (b->prefixes[i].plugin == p && b->prefixes[i].check)
			json_array_append_new(a, json_string(b->prefixes[i].name));
	return a;
}

static const prefix_entry *find_prefix(bus *b, const char *topic_name)
{
	const char *colon = strchr(topic_name, ':');
	size_t n = colon ? (size_t)(colon - topic_name) : strlen(topic_name);
	for (int i = 0; i < b->n_prefixes; i++)
		if (strlen(b->prefixes[i].name) == n && !strncmp(b->prefixes[i].name, topic_name, n))
			return &b->prefixes[i];
	return NULL;
}

/* May who see topic_name, whose prefix is e's (NULL: nobody's)?  The
 * decision is permit_topic's; this gathers what it needs. */
static accord_status topic_permit(bus *b, const prefix_entry *e, const struct accord_principal *who,
				  const char *topic_name)
{
	permit_topic_owner o;
	if (e && !e->check)
		e = NULL; /* its plugin left */
	if (e)
		o = (permit_topic_owner){e->plugin, plugin_name(e->plugin),
					 plugin_group_scoped(e->plugin), e->check, e->ud};
	return permit_topic(plugins_groups(b->srv->plugins), e ? &o : NULL, who, topic_name);
}

accord_status bus_check(bus *b, const struct accord_principal *who, const char *topic_name)
{
	return topic_permit(b, topic_name ? find_prefix(b, topic_name) : NULL, who, topic_name);
}

static topic *topic_find(bus *b, const char *name, int create)
{
	unsigned h = hash_str(name) % TOPIC_BUCKETS;
	for (topic *t = b->buckets[h]; t; t = t->hnext)
		if (!strcmp(t->name, name))
			return t;
	if (!create)
		return NULL;
	topic *t = calloc(1, sizeof(*t));
	if (!t || !(t->name = strdup(name)) || !(t->lt = b->log_ops->topic_open(b->log, name, t))) {
		if (t)
			free(t->name);
		free(t);
		return NULL;
	}
	t->last_used_ms = now_ms();
	t->pfx = find_prefix(b, name);
	t->hnext = b->buckets[h];
	b->buckets[h] = t;
	b->n_topics++;
	return t;
}

static void sub_remove(sub *s)
{
	topic *t = s->t;
	conn *c = s->c;
	/* swap-remove from the topic */
	sub *last = t->subs[--t->n_subs];
	t->subs[s->t_idx] = last;
	last->t_idx = s->t_idx;
	/* and from the connection */
	sub *clast = c->subs[--c->n_subs];
	c->subs[s->c_idx] = clast;
	clast->c_idx = s->c_idx;
	free(s);
}

static sub *sub_find(conn *c, const char *name)
{
	for (uint32_t i = 0; i < c->n_subs; i++)
		if (!strcmp(c->subs[i]->t->name, name))
			return c->subs[i];
	return NULL;
}

static int grow(void **arr, uint32_t *cap, size_t elem)
{
	uint32_t ncap = *cap ? *cap * 2 : 4;
	void *n = realloc(*arr, ncap * elem);
	if (!n)
		return -1;
	*arr = n;
	*cap = ncap;
	return 0;
}

static void send_revoked(bus *b, conn *c, topic *t)
{
	size_t len;
	char *j = event_json("sub.revoked", t->name, topic_position(b, t),
			     json_pack("{s:s}", "topic", t->name), &len);
	if (j)
		conn_send_text(c, j, len);
}

/* Is s still allowed?  Re-asks the plugin after any permission change. */
static int sub_allowed(bus *b, sub *s)
{
	if (s->acl_gen == b->acl_gen)
		return 1;
	if (topic_permit(b, s->t->pfx, s->c->who, s->t->name) != ACCORD_OK)
		return 0;
	s->acl_gen = b->acl_gen;
	return 1;
}

int bus_publish(bus *b, const char *topic_name, const char *event, json_t *data,
		const struct accord_audience *aud)
{
	if (!topic_name_valid(topic_name) || !event) {
		json_decref(data);
		return -1;
	}
	topic *t = topic_find(b, topic_name, 1);
	if (!t) {
		json_decref(data);
		return -1;
	}
	t->last_used_ms = now_ms();
	/* The log gives the event its seq, keeps it for since, and hands it
	 * to deliver in the log's order. */
	return b->log_ops->append(b->log, t->lt, topic_name, event, data, aud);
}

/* The log's delivery of one event of the topic t to this node's
 * subscribers: each one still allowed whom the audience admits gets the
 * shared frame. */
static void deliver(void *ud, void *topic_ud, const char *event, msgbuf *m,
		    const struct accord_audience *aud)
{
	bus *b = ud;
	topic *t = topic_ud;
	uint64_t delivered = 0;
	/* Backwards, so removing a revoked subscription is safe. */
	for (uint32_t i = t->n_subs; i-- > 0;) {
		sub *s = t->subs[i];
		if (!sub_allowed(b, s)) {
			conn *c = s->c;
			sub_remove(s);
			send_revoked(b, c, t);
			continue;
		}
		if (!audience_matches(aud, s->c->who))
			continue;
		conn_send(s->c, m);
		delivered++;
	}
	metrics_msg_out(b->srv->metrics, event, delivered);
	msgbuf_unref(m);
}

void bus_acl_changed(bus *b) { b->acl_gen++; }

void bus_recheck_conn(bus *b, conn *c)
{
	for (uint32_t i = c->n_subs; i-- > 0;) {
		sub *s = c->subs[i];
		if (sub_allowed(b, s))
			continue;
		topic *t = s->t;
		sub_remove(s);
		send_revoked(b, c, t);
	}
}

/* sub.add {since}: the events kept after since that c may see, again. */
struct replay {
	conn *c;
	json_int_t replayed;
};

static void replay_one(void *ud, uint64_t seq, msgbuf *m, const struct accord_audience *aud)
{
	struct replay *r = ud;
	(void)seq;
	if (!audience_matches(aud, r->c->who))
		return;
	conn_send(r->c, m);
	r->replayed++;
}

accord_status bus_subscribe(bus *b, conn *c, const char *topic_name, const json_t *since,
			    json_t *reply, char *msg, size_t msglen)
{
	if (bus_check(b, c->who, topic_name) != ACCORD_OK) {
		snprintf(msg, msglen, "no such topic");
		return ACCORD_E_NOT_FOUND;
	}
	topic *t = topic_find(b, topic_name, 1);
	if (!t) {
		snprintf(msg, msglen, "out of memory");
		return ACCORD_E_INTERNAL;
	}
	sub *s = sub_find(c, topic_name);
	if (!s) {
		if (c->n_subs >= MAX_SUBS_PER_CONN) {
			snprintf(msg, msglen, "at most %d subscriptions per connection",
				 MAX_SUBS_PER_CONN);
			return ACCORD_E_CONFLICT;
		}
		if ((t->n_subs == t->subs_cap && grow((void **)&t->subs, &t->subs_cap, sizeof(sub *))) ||
		    (c->n_subs == c->subs_cap && grow((void **)&c->subs, &c->subs_cap, sizeof(sub *))) ||
		    !(s = calloc(1, sizeof(*s)))) {
			snprintf(msg, msglen, "out of memory");
			return ACCORD_E_INTERNAL;
		}
		s->t = t;
		s->c = c;
		s->t_idx = t->n_subs;
		s->c_idx = c->n_subs;
		t->subs[t->n_subs++] = s;
		c->subs[c->n_subs++] = s;
	}
	s->acl_gen = b->acl_gen;

	json_object_set_new(reply, "topic", json_string(topic_name));
	/* The position, not the last event's seq: the last event may be one
	 * this subscriber does not see, and its seq would date it. */
	uint64_t pos = topic_position(b, t);
	json_object_set_new(reply, "seq", json_integer((json_int_t)pos));
	if (!since || json_is_null(since)) {
		json_object_set_new(reply, "replayed", json_integer(0));
		return ACCORD_OK;
	}
	uint64_t sv = (uint64_t)json_integer_value(since);
	/* Resync when an event after since may be gone from the log, or since
	 * is above the position (not one of ours: another clock, or made up). */
	struct replay r = {c, 0};
	if (b->log_ops->read_since(b->log, t->lt, sv, pos, replay_one, &r) == BUS_LOG_RESYNC) {
		json_object_set_new(reply, "resync", json_true());
		return ACCORD_OK;
	}
	json_object_set_new(reply, "replayed", json_integer(r.replayed));
	return ACCORD_OK;
}

accord_status bus_unsubscribe(bus *b, conn *c, const char *topic_name)
{
	(void)b;
	sub *s = sub_find(c, topic_name);
	if (!s)
		return ACCORD_E_NOT_FOUND;
	sub_remove(s);
	return ACCORD_OK;
}

void bus_unsubscribe_all(bus *b, conn *c)
{
	(void)b;
	while (c->n_subs)
		sub_remove(c->subs[c->n_subs - 1]);
}
