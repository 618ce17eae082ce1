/*
 * Deadlines for many connections under one lws timer.
 *
 * lws 4.1 keeps its timers (lws_sorted_usec_list_t) in one sorted linked
 * list, so scheduling one walks the list: with a timer per connection,
 * 10,000 connections made every connect, login and resume walk 10,000
 * entries (81 % of the server's CPU while a live session's voters
 * connected, measured with perf for issue 18).  Here each connection's
 * deadlines sit in a binary heap (O(log n) to arm or cancel) and only the
 * earliest is an lws timer.
 */
#ifndef ACCORD_DEADLINE_H
#define ACCORD_DEADLINE_H

#include <libwebsockets.h>
#include <stddef.h>

typedef struct deadline deadline;
typedef void (*deadline_fn)(deadline *d);

struct deadline {
	lws_usec_t at; /* lws_now_usecs() when it fires */
	size_t slot;   /* index in the heap + 1; 0 when not armed */
	deadline_fn fn;
};

typedef struct deadlines deadlines;

/* cap: entries reserved at once (the heap grows beyond it if it must) */
deadlines *deadlines_new(struct lws_context *ctx, size_t cap);
/* Arms d to call fn in us microseconds (re-arms it if armed).  -1 when
 * the heap could not grow, or h is NULL (no lws context: the command
 * line, unit tests); d is then not armed. */
int deadline_arm(deadlines *h, deadline *d, deadline_fn fn, lws_usec_t us);
void deadline_cancel(deadlines *h, deadline *d);
static inline int deadline_armed(const deadline *d) { return d->slot != 0; }
/* Stops the lws timer (before the context goes); arming and cancelling
 * still work, nothing fires. */
void deadlines_stop(deadlines *h);
void deadlines_free(deadlines *h);
size_t deadlines_count(const deadlines *h);
/* Calls, earliest first, every deadline due at now; what they arm for
 * now or earlier waits for the next time.  The lws timer calls it; the
 * unit test too, with a made-up now. */
size_t deadlines_run_due(deadlines *h, lws_usec_t now);

#endif
