/*
 * The clocks (clock.h).
 */
#include "clock.h"

#include <stdlib.h>
#include <time.h>

/* Set once, before any thread starts (clock_init), then only read. */
static int64_t offset_ms;

int64_t clock_init(void)
{
	const char *s = getenv("ACCORD_CLOCK_OFFSET_MS");
	char *end = NULL;
	long long v = s && *s ? strtoll(s, &end, 10) : 0;
	offset_ms = end && !*end ? (int64_t)v : 0;
	return offset_ms;
}

int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + offset_ms;
}

int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
