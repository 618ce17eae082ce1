/* A binary min-heap of deadlines behind one lws timer (see deadline.h). */
#include "deadline.h"

#include <assert.h>
#include <stdlib.h>

struct deadlines {
	struct lws_context *ctx;
	lws_sorted_usec_list_t sul; /* armed for heap[0] */
	lws_usec_t sul_at;          /* when sul fires; 0 when not armed */
	deadline **heap;
	size_t n, cap;
	int stopped, firing;
};

static void fire(lws_sorted_usec_list_t *sul);

static void place(deadlines *h, size_t i, deadline *d)
{
	h->heap[i] = d;
	d->slot = i + 1;
}

static void sift_up(deadlines *h, size_t i)
{
	deadline *d = h->heap[i];
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (h->heap[parent]->at <= d->at)
			break;
		place(h, i, h->heap[parent]);
		i = parent;
	}
	place(h, i, d);
}

static void sift_down(deadlines *h, size_t i)
{
	deadline *d = h->heap[i];
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		lws_usec_t at = d->at;
		if (l < h->n && h->heap[l]->at < at) {
			m = l;
			at = h->heap[l]->at;
		}
		if (l + 1 < h->n && h->heap[l + 1]->at < at)
			m = l + 1;
		if (m == i)
			break;
		place(h, i, h->heap[m]);
		i = m;
	}
	place(h, i, d);
}

/* The lws timer is moved only when the heap's top became earlier than it:
 * deadlines armed in the order they fall due (every connection's
 * authentication deadline, say) never touch lws's list, and a top that
 * moved later (cancelled, re-armed) lets the timer fire once for nothing
 * and follow then. */
static void reschedule(deadlines *h)
{
	if (h->stopped || h->firing || !h->ctx || !h->n)
		return;
	lws_usec_t top = h->heap[0]->at;
	if (h->sul_at && h->sul_at <= top)
		return;
	lws_usec_t now = lws_now_usecs();
	if (h->sul_at)
		lws_sul_cancel(&h->sul);
	h->sul_at = top;
	lws_sul_schedule(h->ctx, 0, &h->sul, fire, top > now ? top - now : 0);
}

static void remove_at(deadlines *h, size_t i)
{
	deadline *d = h->heap[i];
	d->slot = 0;
	h->n--;
	if (i == h->n)
		return;
	place(h, i, h->heap[h->n]);
	if (i > 0 && h->heap[(i - 1) / 2]->at > h->heap[i]->at)
		sift_up(h, i);
	else
		sift_down(h, i);
}

size_t deadlines_run_due(deadlines *h, lws_usec_t now)
{
	size_t ran = 0;
	h->firing = 1;
	/* what a callback arms for now or earlier waits for the next pass */
	while (h->n && h->heap[0]->at <= now && !h->stopped) {
		deadline *d = h->heap[0];
		remove_at(h, 0);
		d->fn(d);
		ran++;
	}
	h->firing = 0;
	reschedule(h);
	return ran;
}

static void fire(lws_sorted_usec_list_t *sul)
{
	deadlines *h = lws_container_of(sul, deadlines, sul);
	h->sul_at = 0;
	deadlines_run_due(h, lws_now_usecs());
}

deadlines *deadlines_new(struct lws_context *ctx, size_t cap)
{
	deadlines *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->ctx = ctx;
	h->cap = cap ? cap : 16;
	h->heap = calloc(h->cap, sizeof(*h->heap));
	if (!h->heap) {
		free(h);
		return NULL;
	}
	return h;
}

int deadline_arm(deadlines *h, deadline *d, deadline_fn fn, lws_usec_t us)
{
	if (!h)
		return -1;
	if (us < 0)
		us = 0;
	d->fn = fn;
	d->at = lws_now_usecs() + us;
	if (d->slot) {
		size_t i = d->slot - 1;
		assert(h->heap[i] == d);
		if (i > 0 && h->heap[(i - 1) / 2]->at > d->at)
			sift_up(h, i);
		else
			sift_down(h, i);
		reschedule(h);
		return 0;
	}
	if (h->n == h->cap) {
		size_t cap = h->cap * 2;
		deadline **grown = realloc(h->heap, cap * sizeof(*grown));
		if (!grown)
			return -1;
		h->heap = grown;
		h->cap = cap;
	}
	place(h, h->n, d);
	h->n++;
	sift_up(h, h->n - 1);
	reschedule(h);
	return 0;
}

void deadline_cancel(deadlines *h, deadline *d)
{
	if (!h || !d->slot)
		return;
	assert(h->heap[d->slot - 1] == d);
	remove_at(h, d->slot - 1);
	reschedule(h);
}

void deadlines_stop(deadlines *h)
{
	if (!h)
		return;
	h->stopped = 1;
	if (h->sul_at)
		lws_sul_cancel(&h->sul);
	h->sul_at = 0;
}

size_t deadlines_count(const deadlines *h) { return h ? h->n : 0; }

void deadlines_free(deadlines *h)
{
	if (!h)
		return;
	deadlines_stop(h);
	for (size_t i = 0; i < h->n; i++)
		h->heap[i]->slot = 0;
	free(h->heap);
	free(h);
}
