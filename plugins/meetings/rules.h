/*
 * The meetings plugin's pure checks (rules.c): field checks for the SDK's
 * tables (accord_arg.check: NULL, or what was expected) and the rules of a
 * meeting's times, place and link.  jansson and the C library only, so the
 * unit test unit_meetings_rules compiles rules.c straight in.
 */
#ifndef MEETINGS_RULES_H
#define MEETINGS_RULES_H

#include <jansson.h>
#include <stdint.h>

/* A time zone name: "Area/City" letters, digits, '/', '_', '-', '+'. */
const char *rules__tz(const json_t *v);
/* A time in milliseconds since the epoch (an integer > 0). */
const char *rules__time(const json_t *v);
/* starts_at in the future, ends_at after it: NULL, or the message. */
const char *rules__times(int64_t starts_at, int64_t ends_at, int64_t now_ms);
/* An http(s) URL for online_url. */
const char *rules__url(const json_t *v);
/* A meeting's row as it would be stored (starts_at, ends_at, mode,
 * location, online_url): NULL when it holds, else the message. */
const char *rules__meeting(const json_t *m, int64_t now_ms);
/* The rule of representation, for the live indicator and for a meeting
 * held alike: invitees [{org, required, ...}], present [org codes] (the
 * organisations represented), the meeting's quorum rule ("all_required",
 * or an integer: that many required organisations).  A new object
 * {required: [orgs], missing_required: [orgs], quorum: {rule, met,
 * present_required, required}}, or NULL when out of memory. */
json_t *rules__quorum(const json_t *invitees, const json_t *present, const json_t *rule);

#endif
