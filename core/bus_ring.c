/*
 * The bus log of one process (bus_log.h): per topic, an in-memory ring of
 * the last `keep` frames for sub.add {since}, and the topic's seq.
 *
 * Sequence numbers are readings of a clock, not counts.  A topic's events
 * reach different audiences (a group room's internal posts reach members,
 * its shared posts also the partners), and a counter shared by all of them
 * would let a partner count the internal posts by the jump between two
 * shared ones.  So an event's seq is the time of its publication in
 * microseconds since the epoch (the wall clock at start plus the monotonic
 * clock since, so it never goes back), bumped by one only when two events
 * of a topic fall in the same microsecond.  The gap between two events a
 * subscriber sees then tells the time between them, which it knows anyway,
 * and nothing about what it did not see.  The same clock keeps the numbers
 * increasing across restarts.  Each topic remembers a floor: the newest seq
 * it can no longer replay (its creation, or the newest frame dropped from
 * its ring); a "since" below the floor, from before this process began
 * included, answers resync.
 *
 * Appending delivers at once: in one process, the order of append is the
 * log's order.
 */
#include "bus_log.h"

#include <stdlib.h>

typedef struct kept {
	uint64_t seq;
	msgbuf *m;
	struct accord_audience *aud;
} kept;

struct bus_log_topic {
	void *topic_ud;
	uint64_t seq;
	uint64_t floor; /* newest seq that cannot be replayed */
	kept *ring;
	uint32_t ring_head, ring_len, ring_cap;
};

struct bus_log {
	long keep;
	uint64_t seq_base; /* wall clock at start, in us */
	int64_t mono_base; /* monotonic clock at start, in us */
	bus_log_deliver_fn deliver;
	void *deliver_ud;
};

static bus_log *ring_open(const bus_log_params *p)
{
	bus_log *log = calloc(1, sizeof(*log));
	if (!log)
		return NULL;
	log->keep = p->keep;
	log->seq_base = p->clock_base_us;
	log->mono_base = now_us();
	log->deliver = p->deliver;
	log->deliver_ud = p->deliver_ud;
	return log;
}

static void ring_close(bus_log *log) { free(log); }

/* The clock in microseconds since the epoch: the wall clock read at
 * start, advanced by the monotonic clock, so that setting the system clock
 * back while serving cannot make a topic count events instead. */
static uint64_t ring_clock(const bus_log *log)
{
	return log->seq_base + (uint64_t)(now_us() - log->mono_base);
}

/* A topic's current position: above every event published so far and below
 * every later one.  Raising lt->seq to it makes the next event's seq larger
 * even within the same microsecond. */
static uint64_t ring_position(bus_log *log, bus_log_topic *lt)
{
	uint64_t c = ring_clock(log);
	if (lt->seq < c)
		lt->seq = c;
	return lt->seq;
}

/* The seq of a new event: the clock, or one above the last event when two
 * fall in the same microsecond. */
static uint64_t next_seq(const bus_log *log, bus_log_topic *lt)
{
	uint64_t c = ring_clock(log);
	lt->seq = lt->seq + 1 > c ? lt->seq + 1 : c;
	return lt->seq;
}

static bus_log_topic *ring_topic_open(bus_log *log, const char *topic, void *topic_ud)
{
	(void)topic;
	bus_log_topic *lt = calloc(1, sizeof(*lt));
	if (!lt)
		return NULL;
	lt->topic_ud = topic_ud;
	/* Events of this name from before (an earlier process, or a topic
	 * swept while idle) are gone: a since below this answers resync. */
	lt->floor = ring_position(log, lt);
	return lt;
}

static void ring_clear(bus_log_topic *lt)
{
	for (uint32_t i = 0; i < lt->ring_len; i++) {
		kept *k = &lt->ring[(lt->ring_head + i) % lt->ring_cap];
		msgbuf_unref(k->m);
		audience_destroy(k->aud);
	}
	lt->ring_len = 0;
}

static void ring_topic_close(bus_log *log, bus_log_topic *lt)
{
	(void)log;
	if (!lt)
		return;
	ring_clear(lt);
	free(lt->ring);
	free(lt);
}

/* Keeps m for since, dropping the oldest frame (and raising the floor to
 * it) when the ring is full. */
static void keep_frame(bus_log *log, bus_log_topic *lt, uint64_t seq, msgbuf *m,
		       const struct accord_audience *aud)
{
	if (log->keep <= 0)
		return;
	if (!lt->ring) {
		lt->ring_cap = (uint32_t)log->keep;
		lt->ring = calloc(lt->ring_cap, sizeof(kept));
	}
	if (!lt->ring)
		return;
	if (lt->ring_len == lt->ring_cap) {
		kept *old = &lt->ring[lt->ring_head];
		if (old->seq > lt->floor)
			lt->floor = old->seq;
		msgbuf_unref(old->m);
		audience_destroy(old->aud);
		lt->ring_head = (lt->ring_head + 1) % lt->ring_cap;
		lt->ring_len--;
	}
	kept *k = &lt->ring[(lt->ring_head + lt->ring_len) % lt->ring_cap];
	k->seq = seq;
	k->m = msgbuf_ref(m);
	k->aud = audience_copy(aud);
	lt->ring_len++;
}

static int ring_append(bus_log *log, bus_log_topic *lt, const char *topic, const char *event,
		       json_t *data, const struct accord_audience *aud)
{
	uint64_t seq = next_seq(log, lt);
	size_t len;
	char *j = event_json(event, topic, seq, data, &len);
	msgbuf *m = msgbuf_take(j, len);
	if (!m)
		return -1;
	keep_frame(log, lt, seq, m, aud);
	if (log->deliver)
		log->deliver(log->deliver_ud, lt->topic_ud, event, m, aud);
	else
		msgbuf_unref(m);
	return 0;
}

static int ring_read_since(bus_log *log, bus_log_topic *lt, uint64_t since, uint64_t upto,
			   bus_log_read_fn fn, void *ud)
{
	(void)log;
	/* Below the floor, an event after since may be gone; above the
	 * position, since is not one of ours (another clock, or made up). */
	if (since < lt->floor || since > upto)
		return BUS_LOG_RESYNC;
	for (uint32_t i = 0; i < lt->ring_len; i++) {
		kept *k = &lt->ring[(lt->ring_head + i) % lt->ring_cap];
		if (k->seq <= since || k->seq > upto)
			continue;
		fn(ud, k->seq, k->m, k->aud);
	}
	return BUS_LOG_OK;
}

const bus_log_ops bus_ring_ops = {
	.version = BUS_LOG_VERSION,
	.struct_size = sizeof(bus_log_ops),
	.name = "ring",
	.open = ring_open,
	.close = ring_close,
	.topic_open = ring_topic_open,
	.topic_close = ring_topic_close,
	.append = ring_append,
	.position = ring_position,
	.read_since = ring_read_since,
};
