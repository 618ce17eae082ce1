/*
 * The pure rules of the datacollect plugin: what a form's fields may be,
 * whether a submission's values fit them, the period names, and the
 * aggregates (with small-cell suppression for what leaves the network).
 * jansson and the C library only, no host API: tests/unit/test_datacollect.c
 * compiles these files straight in.
 *
 *   rules.c      fields, values, periods, the cells of a field
 *   aggregate.c  sums per field and per cell; the release view
 *
 * Every check writes its failure as "<where>: <problem>", the SDK's one
 * message shape (accord_arg_message), where <where> names the field and the
 * cell: "fields.arrivals[female,18-59]: must be a number ≥ 0".
 */
#ifndef DATACOLLECT_RULES_H
#define DATACOLLECT_RULES_H

#include <jansson.h>
#include <stddef.h>

#define DC_MAX_FIELDS 50
#define DC_MAX_OPTIONS 50
#define DC_MAX_TEXT 10000
#define DC_DEFAULT_TEXT 1000
/* A cell (or a total) of a released aggregate needs at least this many
 * contributing organisations, or it is shown as suppressed. */
#define DC_MIN_CELL 3
#define DC_MSG 256

/* The disaggregation cells: sex, then age group. */
extern const char *const dc_sexes[];        /* female, male, other; NULL-ended */
extern const char *const dc_ages[];         /* 0-17, 18-59, 60+; NULL-ended */
extern const char *const dc_period_kinds[]; /* month, quarter, year */

/* 1 when period names one of kind's periods: month "2026-07", quarter
 * "2026-Q3", year "2026" (years 2000-2999). */
int dc_period_ok(const char *kind, const char *period);

/* Checks a form's field list (an array of field objects, see
 * docs/protocol.md) and fills in the defaults (max_length, integer,
 * required, by_sex, by_age: false).  0, or -1 with msg "fields[2].key: ...". */
int dc_fields_check(json_t *fields, char *msg, size_t size);

/* The names of a number field's cells ("female,18-59", "female", "0-17")
 * as a new array; an empty array when it is not disaggregated. */
json_t *dc_cells(const json_t *field);

/* Checks a submission's values (an object keyed by field key) against
 * fields.  0, or -1 with msg "fields.<key>[<cell>]: <problem>". */
int dc_values_check(const json_t *fields, const json_t *values, char *msg, size_t size);

/* The aggregates of subs (an array of {org, values}) over fields: for each
 * field key {type, n, ...}: a number field's sum, min, max and mean over
 * the organisations that reported it (a disaggregated one's value for an
 * organisation is the sum of its cells), and per cell and per sex and age
 * group {n, sum}; a choice field's count per option; for text and date
 * only n.  Returns {orgs: <number of submissions>, fields: {...}}. */
json_t *dc_aggregate(const json_t *fields, const json_t *subs);

/* What may leave the network of an aggregate: number and choice fields
 * only (text and dates could name a person or an organisation), no min
 * and max (each is one organisation's value), and every total or cell
 * with fewer than min_cell contributing organisations replaced by
 * {"suppressed": true}, and then, wherever a shown sum has exactly one
 * suppressed member, its smallest shown member as well (so the sum does
 * not give the suppressed one away).  A new object. */
json_t *dc_release_view(const json_t *fields, const json_t *agg, int min_cell);

#endif
