/*
 * The workplan's pure rules (jansson and the C library only), compiled
 * straight into the cmocka test unit_workplan: quarters, calendar days,
 * indicator values of a type, how far a value went towards its target,
 * SDG codes.
 */
#ifndef WORKPLAN_RULES_H
#define WORKPLAN_RULES_H

#include <jansson.h>

/* "2027-Q1": its first and last day (YYYY-MM-DD); -1 when it is not such
 * a quarter. */
int wp_quarter(const char *period, char start[11], char end[11]);
/* Days since 1970-01-01 of a YYYY-MM-DD date, and back. */
long wp_days(const char *date);
void wp_date(long days, char out[11]);
/* A value of an indicator's type ("integer", "number", "percent"): NULL,
 * or what was expected ("expected an integer"...). */
const char *wp_value_problem(const char *type, const json_t *v);
/* A value as stored (a REAL column gives 4.0 for 4): NULL when it fits
 * the type ("integer": a whole number; null always fits), else what was
 * expected, as wp_value_problem says it. */
const char *wp_stored_problem(const char *type, const json_t *v);
/* How far latest went from baseline (null: 0) to target: 0..100, rounded;
 * -1 when it cannot be said (no value, no target, target = baseline with
 * another value). */
int wp_reached(const json_t *latest, const json_t *baseline, const json_t *target);
/* An SDG goal ("10") or target ("10.7", "10.c"): NULL, or what was
 * expected. */
const char *wp_sdg_code_problem(const char *code);

#endif
