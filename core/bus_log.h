/*
 * The event bus's log: where a published event gets its seq, in what order
 * it is delivered, and what a subscriber that comes back with a "since"
 * gets again.  bus.c keeps topics, subscriptions and permission decisions;
 * everything about the order and the history of events is behind this
 * versioned table of functions, so that a log shared by several nodes
 * (NATS JetStream, Redis streams, PostgreSQL) can replace the in-memory
 * ring of one process (bus_ring.c, the first implementation).
 *
 * All functions run on the event loop thread.
 *
 * Publishing is append: the log assigns the event its seq, makes the one
 * frame every recipient shares (event_json, with that seq), keeps it for
 * history, and hands it to deliver in the log's order.  The ring does all
 * of that before append returns.  A shared log would write the event to
 * the shared log in append and call deliver later, from its cursor on that
 * log, for this node's events and every other node's alike, so that every
 * node delivers a topic's events in the same order; deliver is the bus's
 * fan-out to this node's subscribers.
 *
 * Seq numbers must tell a subscriber nothing about events it does not
 * see: the ring uses readings of a clock (see bus_ring.c), and a shared
 * log whose own sequence is a counter would have to do the same (its
 * append time, made unique per topic) rather than expose the counter.
 */
#ifndef ACCORD_BUS_LOG_H
#define ACCORD_BUS_LOG_H

#include "audience.h"
#include "clock.h"
#include "conn.h"
#include "envelope.h"

/* Changes when an existing member changes meaning; members are only ever
 * added at the end (struct_size says which an implementation has). */
#define BUS_LOG_VERSION 1

typedef struct bus_log bus_log;             /* one implementation's state */
typedef struct bus_log_topic bus_log_topic; /* its state for one topic */

/* The bus's fan-out of one event to this node's subscribers of the topic
 * (topic_ud is what topic_open was given).  It takes over the reference to
 * m it is given. */
typedef void (*bus_log_deliver_fn)(void *ud, void *topic_ud, const char *event, msgbuf *m,
				   const struct accord_audience *aud);

/* One kept event, for read_since, oldest first; m and aud stay the log's. */
typedef void (*bus_log_read_fn)(void *ud, uint64_t seq, msgbuf *m, const struct accord_audience *aud);

typedef struct bus_log_params {
	long keep;              /* events kept per topic for since (0: none) */
	uint64_t clock_base_us; /* the wall clock at start, microseconds since the epoch */
	bus_log_deliver_fn deliver;
	void *deliver_ud;
} bus_log_params;

/* read_since's answers */
#define BUS_LOG_OK 0
#define BUS_LOG_RESYNC 1 /* events after since may be gone, or since is not ours */

typedef struct bus_log_ops {
	uint32_t version;     /* BUS_LOG_VERSION it was written for */
	uint32_t struct_size; /* sizeof(bus_log_ops) it was built with */
	const char *name;

	bus_log *(*open)(const bus_log_params *p);
	void (*close)(bus_log *log);

	/* A topic's state, from its first use until the bus forgets it (idle
	 * and without subscribers).  Events from before topic_open, of an
	 * earlier process or of a topic forgotten meanwhile, cannot be read
	 * again: a since below this point answers resync.  NULL when out of
	 * memory. */
	bus_log_topic *(*topic_open)(bus_log *log, const char *topic, void *topic_ud);
	void (*topic_close)(bus_log *log, bus_log_topic *lt);

	/* Publishes one event (data is taken, aud copied if kept): assigns
	 * its seq, keeps it, and delivers it (see above).  0, or -1 when the
	 * frame could not be made (out of memory). */
	int (*append)(bus_log *log, bus_log_topic *lt, const char *topic, const char *event,
		      json_t *data, const struct accord_audience *aud);

	/* The topic's position: above every event appended so far and below
	 * every later one (what sub.add answers as "seq"). */
	uint64_t (*position)(bus_log *log, bus_log_topic *lt);

	/* Calls fn for every kept event with since < seq <= upto, in order,
	 * and answers BUS_LOG_OK; or answers BUS_LOG_RESYNC, calling nothing,
	 * when an event after since may be gone (since below what the topic
	 * still holds) or since is above upto (not a position of this log). */
	int (*read_since)(bus_log *log, bus_log_topic *lt, uint64_t since, uint64_t upto,
			  bus_log_read_fn fn, void *ud);
} bus_log_ops;

/* The implementations this build has. */
extern const bus_log_ops bus_ring_ops;

#endif
