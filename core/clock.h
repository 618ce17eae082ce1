/*
 * The clocks the core reads: wall-clock milliseconds (what is stored and
 * shown) and monotonic microseconds (what measures durations).
 */
#ifndef ACCORD_CLOCK_H
#define ACCORD_CLOCK_H

#include <stdint.h>

/* Milliseconds since the epoch (CLOCK_REALTIME), plus the offset
 * clock_init read. */
int64_t now_ms(void);
/* For tests only: reads ACCORD_CLOCK_OFFSET_MS (an integer, may be
 * negative) from the environment, which now_ms adds from then on, so that
 * a test can start the server "tomorrow" (the daily digest of the notify
 * plugin).  Call once before any thread starts; returns the offset. */
int64_t clock_init(void);
/* Microseconds of CLOCK_MONOTONIC: for differences only. */
int64_t now_us(void);

#endif
