/* The connections' deadlines (core/deadline.c): a heap under one lws
 * timer.  Without an lws context nothing is scheduled, and
 * deadlines_run_due stands in for the timer with a made-up now: every
 * deadline fires once, in order, not before it is due; a cancelled or
 * re-armed one fires never or at its new time; callbacks may arm and
 * cancel others while the heap runs them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "deadline.h"

#define N 2000

typedef struct item {
	deadline d;
	int id;
	int fired;
	lws_usec_t fired_at; /* the made-up now when it fired */
} item;

static item items[N];
static lws_usec_t run_now;
static lws_usec_t last_at;
static int order_ok;

static void on_fire(deadline *d)
{
	item *it = (item *)((char *)d - offsetof(item, d));
	it->fired++;
	it->fired_at = run_now;
	if (d->at < last_at)
		order_ok = 0;
	last_at = d->at;
	assert_false(deadline_armed(d));
}

static void test_fires_in_order_once(void **state)
{
	(void)state;
	deadlines *h = deadlines_new(NULL, 4); /* small: the heap must grow */
	assert_non_null(h);
	memset(items, 0, sizeof(items));
	srand(17);
	lws_usec_t base = lws_now_usecs();
	for (int i = 0; i < N; i++) {
		items[i].id = i;
		assert_int_equal(
			deadline_arm(h, &items[i].d, on_fire, (lws_usec_t)(rand() % 1000000)), 0);
	}
	/* a third cancelled, a third re-armed later */
	for (int i = 0; i < N; i += 3)
		deadline_cancel(h, &items[i].d);
	for (int i = 1; i < N; i += 3)
		assert_int_equal(deadline_arm(h, &items[i].d, on_fire, 2000000), 0);
	assert_int_equal(deadlines_count(h), N - (N + 2) / 3);

	order_ok = 1;
	last_at = 0;
	/* in steps of 100 ms: nothing fires before it is due */
	for (lws_usec_t t = 0; t <= 3000000; t += 100000) {
		run_now = base + t;
		deadlines_run_due(h, run_now);
		for (int i = 0; i < N; i++)
			if (items[i].fired)
				assert_true(items[i].d.at <= items[i].fired_at);
	}
	assert_true(order_ok);
	for (int i = 0; i < N; i++) {
		if (i % 3 == 0)
			assert_int_equal(items[i].fired, 0);
		else
			assert_int_equal(items[i].fired, 1);
		/* fired no later than one step after it was due */
		if (items[i].fired)
			assert_true(items[i].fired_at - items[i].d.at <= 100000 + 1000000);
	}
	assert_int_equal(deadlines_count(h), 0);
	deadlines_free(h);
}

/* A callback that cancels a deadline due at the same time, and re-arms
 * itself: the cancelled one never fires, the re-armed one fires later. */
static deadlines *chain_h;
static void cancel_other(deadline *d)
{
	item *it = (item *)((char *)d - offsetof(item, d));
	it->fired++;
	deadline_cancel(chain_h, &items[1].d);
	if (it->fired == 1)
		assert_int_equal(deadline_arm(chain_h, d, cancel_other, 500), 0);
}

static void test_callbacks_arm_and_cancel(void **state)
{
	(void)state;
	chain_h = deadlines_new(NULL, 2);
	memset(items, 0, sizeof(items));
	assert_int_equal(deadline_arm(chain_h, &items[0].d, cancel_other, 0), 0);
	assert_int_equal(deadline_arm(chain_h, &items[1].d, on_fire, 10), 0);
	assert_int_equal(deadline_arm(chain_h, &items[2].d, on_fire, 20), 0);
	/* items[1] is due by now too, but items[0] (earlier) cancels it */
	lws_usec_t now = lws_now_usecs() + 100;
	assert_int_equal(deadlines_run_due(chain_h, now), 2); /* items 0 and 2 */
	assert_int_equal(items[0].fired, 1);
	assert_int_equal(items[1].fired, 0);
	assert_int_equal(items[2].fired, 1);
	assert_true(deadline_armed(&items[0].d));
	assert_int_equal(deadlines_run_due(chain_h, now + 10000), 1);
	assert_int_equal(items[0].fired, 2);
	assert_int_equal(deadlines_count(chain_h), 0);
	/* freeing with deadlines armed leaves them unarmed */
	assert_int_equal(deadline_arm(chain_h, &items[3].d, on_fire, 1000000), 0);
	deadlines_free(chain_h);
	assert_false(deadline_armed(&items[3].d));
}

static void test_no_heap(void **state)
{
	(void)state;
	deadline d = {0};
	assert_int_equal(deadline_arm(NULL, &d, on_fire, 1), -1);
	assert_false(deadline_armed(&d));
	deadline_cancel(NULL, &d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fires_in_order_once),
		cmocka_unit_test(test_callbacks_arm_and_cancel),
		cmocka_unit_test(test_no_heap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
