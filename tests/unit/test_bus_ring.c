/* The bus log of one process (core/bus_ring.c), through the bus_log
 * interface only: delivery order and seq numbers, history for since,
 * eviction from a full ring, and the bounds that answer resync. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "bus_log.h"

#define MAX_SEEN 64

/* What deliver and read_since handed over, in order. */
typedef struct seen {
	int n;
	uint64_t seq[MAX_SEEN]; /* read from the frame itself */
	long val[MAX_SEEN];     /* its data.n */
	char event[MAX_SEEN][32];
	void *topic_ud[MAX_SEEN];
	int members_only[MAX_SEEN]; /* of the audience handed over, -1: none */
} seen;

static void record(seen *s, void *topic_ud, const char *event, uint64_t seq_arg, msgbuf *m,
		   const struct accord_audience *aud)
{
	assert_true(s->n < MAX_SEEN);
	json_t *f = json_loads(msgbuf_text(m), 0, NULL);
	assert_non_null(f);
	s->seq[s->n] = (uint64_t)json_integer_value(json_object_get(f, "seq"));
	if (seq_arg)
		assert_int_equal(s->seq[s->n], seq_arg);
	s->val[s->n] = (long)json_integer_value(json_object_get(json_object_get(f, "data"), "n"));
	snprintf(s->event[s->n], sizeof(s->event[0]), "%s",
		 event ? event : json_string_value(json_object_get(f, "event")));
	s->topic_ud[s->n] = topic_ud;
	s->members_only[s->n] = aud ? aud->members_only : -1;
	s->n++;
	json_decref(f);
}

static void on_deliver(void *ud, void *topic_ud, const char *event, msgbuf *m,
		       const struct accord_audience *aud)
{
	record(ud, topic_ud, event, 0, m, aud);
	msgbuf_unref(m); /* deliver takes the reference */
}

static void on_read(void *ud, uint64_t seq, msgbuf *m, const struct accord_audience *aud)
{
	record(ud, NULL, NULL, seq, m, aud);
}

static const bus_log_ops *L = &bus_ring_ops;

static bus_log *open_log(long keep, seen *delivered)
{
	bus_log_params p = {.keep = keep,
			    .clock_base_us = 1700000000000000ull,
			    .deliver = on_deliver,
			    .deliver_ud = delivered};
	bus_log *log = L->open(&p);
	assert_non_null(log);
	return log;
}

static void append_n(bus_log *log, bus_log_topic *lt, const char *topic, long n,
		     const struct accord_audience *aud)
{
	assert_int_equal(L->append(log, lt, topic, "test.ev", json_pack("{s:i}", "n", (int)n), aud),
			 0);
}

static int read_since(bus_log *log, bus_log_topic *lt, uint64_t since, seen *out)
{
	memset(out, 0, sizeof(*out));
	return L->read_since(log, lt, since, L->position(log, lt), on_read, out);
}

static void table_version(void **st)
{
	(void)st;
	assert_int_equal(L->version, BUS_LOG_VERSION);
	assert_int_equal(L->struct_size, sizeof(bus_log_ops));
	assert_string_equal(L->name, "ring");
}

/* Events are delivered at once, in order, each with a seq above the
 * position read before it and the clock's (microseconds since the epoch
 * from the base given); seqs rise even within one microsecond. */
static void order(void **st)
{
	(void)st;
	seen d = {0};
	bus_log *log = open_log(8, &d);
	int ud_a, ud_b;
	bus_log_topic *a = L->topic_open(log, "room:a", &ud_a);
	bus_log_topic *b = L->topic_open(log, "room:b", &ud_b);
	assert_non_null(a);
	assert_non_null(b);
	uint64_t before = L->position(log, a);
	assert_true(before >= 1700000000000000ull);
	for (long i = 1; i <= 6; i++)
		append_n(log, i % 2 ? a : b, i % 2 ? "room:a" : "room:b", i, NULL);
	assert_int_equal(d.n, 6);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(d.val[i], i + 1);
		assert_string_equal(d.event[i], "test.ev");
		assert_ptr_equal(d.topic_ud[i], i % 2 ? (void *)&ud_b : (void *)&ud_a);
		assert_int_equal(d.members_only[i], -1);
	}
	/* per topic, strictly rising and above the position before */
	assert_true(d.seq[0] > before);
	assert_true(d.seq[2] > d.seq[0] && d.seq[4] > d.seq[2]);
	assert_true(d.seq[3] > d.seq[1] && d.seq[5] > d.seq[3]);
	/* the position is at or above the last event, and the next is above it */
	uint64_t pos = L->position(log, a);
	assert_true(pos >= d.seq[4]);
	append_n(log, a, "room:a", 7, NULL);
	assert_true(d.seq[6] > pos);
	L->topic_close(log, a);
	L->topic_close(log, b);
	L->close(log);
}

/* since: exactly the kept events after it, oldest first, with their
 * audiences; nothing after the position; a since at the position reads
 * nothing and is no resync. */
static void since(void **st)
{
	(void)st;
	seen d = {0}, r;
	bus_log *log = open_log(8, &d);
	bus_log_topic *t = L->topic_open(log, "room:a", NULL);
	uint64_t created = L->position(log, t);
	struct accord_audience aud = {.members_only = 1};
	for (long i = 1; i <= 4; i++)
		append_n(log, t, "room:a", i, i == 3 ? &aud : NULL);
	assert_int_equal(read_since(log, t, created, &r), BUS_LOG_OK);
	assert_int_equal(r.n, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(r.val[i], i + 1);
		assert_int_equal(r.seq[i], d.seq[i]);
	}
	assert_int_equal(r.members_only[2], 1); /* a copy of the audience is kept */
	assert_int_equal(r.members_only[1], -1);

	assert_int_equal(read_since(log, t, d.seq[1], &r), BUS_LOG_OK);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.val[0], 3);
	assert_int_equal(r.val[1], 4);

	assert_int_equal(read_since(log, t, d.seq[3], &r), BUS_LOG_OK);
	assert_int_equal(r.n, 0);
	assert_int_equal(read_since(log, t, L->position(log, t), &r), BUS_LOG_OK);
	assert_int_equal(r.n, 0);

	/* upto bounds what is read (events after the reply's position come live) */
	memset(&r, 0, sizeof(r));
	assert_int_equal(L->read_since(log, t, created, d.seq[2], on_read, &r), BUS_LOG_OK);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.val[2], 3);
	L->topic_close(log, t);
	L->close(log);
}

/* A full ring drops its oldest event and raises the floor to it: a since
 * from before the dropped event answers resync, one from it or after
 * reads the rest. */
static void eviction(void **st)
{
	(void)st;
	seen d = {0}, r;
	bus_log *log = open_log(3, &d);
	bus_log_topic *t = L->topic_open(log, "room:a", NULL);
	uint64_t created = L->position(log, t);
	struct accord_audience aud = {.members_only = 1};
	for (long i = 1; i <= 5; i++)
		append_n(log, t, "room:a", i, &aud); /* the audiences dropped are freed */
	assert_int_equal(d.n, 5);                    /* every event was delivered */
	assert_int_equal(read_since(log, t, created, &r), BUS_LOG_RESYNC);
	assert_int_equal(r.n, 0);
	assert_int_equal(read_since(log, t, d.seq[0], &r), BUS_LOG_RESYNC);
	assert_int_equal(read_since(log, t, d.seq[1], &r), BUS_LOG_OK);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.val[0], 3);
	assert_int_equal(r.val[2], 5);
	assert_int_equal(read_since(log, t, d.seq[3], &r), BUS_LOG_OK);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.val[0], 5);
	/* a long run wraps the ring many times and keeps the last three */
	for (long i = 6; i <= 40; i++)
		append_n(log, t, "room:a", i, NULL);
	assert_int_equal(read_since(log, t, d.seq[d.n - 4], &r), BUS_LOG_OK);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.val[0], 38);
	assert_int_equal(r.val[2], 40);
	assert_int_equal(read_since(log, t, d.seq[d.n - 5], &r), BUS_LOG_RESYNC);
	L->topic_close(log, t);
	L->close(log);
}

/* A since above the position is not one of ours; a topic opened again
 * (forgotten while idle, or another process) cannot replay what came
 * before: both answer resync. */
static void bounds(void **st)
{
	(void)st;
	seen d = {0}, r;
	bus_log *log = open_log(8, &d);
	bus_log_topic *t = L->topic_open(log, "room:a", NULL);
	append_n(log, t, "room:a", 1, NULL);
	uint64_t pos = L->position(log, t);
	memset(&r, 0, sizeof(r));
	assert_int_equal(L->read_since(log, t, pos + 1, pos, on_read, &r), BUS_LOG_RESYNC);
	assert_int_equal(r.n, 0);
	assert_int_equal(read_since(log, t, UINT64_MAX, &r), BUS_LOG_RESYNC);
	assert_int_equal(read_since(log, t, 0, &r), BUS_LOG_RESYNC);
	uint64_t first = d.seq[0];
	L->topic_close(log, t);

	t = L->topic_open(log, "room:a", NULL);
	assert_true(L->position(log, t) >= first);
	assert_int_equal(read_since(log, t, first - 1, &r), BUS_LOG_RESYNC);
	append_n(log, t, "room:a", 2, NULL);
	assert_true(d.seq[1] > first); /* still rising across the reopening */
	L->topic_close(log, t);
	L->close(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_version), cmocka_unit_test(order),  cmocka_unit_test(since),
		cmocka_unit_test(eviction),      cmocka_unit_test(bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
