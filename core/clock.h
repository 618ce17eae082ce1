/*
 * The clocks the core reads: wall-clock milliseconds (what is stored and
 * shown) and monotonic microseconds (what measures durations).
 */
#ifndef ACCORD_CLOCK_H
#define ACCORD_CLOCK_H

#include <stdint.h>

/* Milliseconds since the epoch (CLOCK_REALTIME). */
int64_t now_ms(void);
/* Microseconds of CLOCK_MONOTONIC: for differences only. */
int64_t now_us(void);

#endif
