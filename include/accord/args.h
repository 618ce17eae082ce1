/*
 * Declarative checks of a request's fields: header-only, jansson and the C
 * library only (no host API), included by helpers.h.
 *
 * A handler's fields are described once, in a table, the way core/config.c
 * describes the configuration and Janus plugins their parameters:
 *
 *     static const accord_arg add_args[] = {
 *             {.name = "title", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED,
 *              .min = 1, .max = 500},
 *             {.name = "status", .type = ACCORD_ARG_STRING, .one_of = STATUSES},
 *             {.name = "due_date", .type = ACCORD_ARG_DATE, .flags = ACCORD_ARG_REQUIRED},
 *             {.name = "decision", .type = ACCORD_ARG_ID},
 *             {0}};
 *
 * accord_args_check() walks a request's data against the table and stops
 * at the first field that fails, with one message shape for every failure,
 * "<field>: <problem>":
 *
 *     title: required                       absent (or null with ACCORD_ARG_NULL_OK)
 *     title: expected a string              wrong JSON type (see each type below)
 *     title: must not be empty              shorter than .min = 1
 *     title: at least 2 bytes               shorter than .min
 *     title: at most 500 bytes              longer than .max
 *     status: expected one of open, done    not in .one_of
 *     ttl_hours: expected an integer from 1 to 720
 *     to: at most 64 entries                an array longer than .max
 *     to[2]: at most 16 bytes               an element failing .each
 *     to: "MOL" is listed twice             ACCORD_ARG_DISTINCT
 *     item: <what .check returned>          a further check of the plugin's own
 *     color: unknown field                  a field the table does not name (strict)
 *
 * .says replaces the problem of every failure of that field with a fixed
 * text ("item: required \"<kind>:<id>\", e.g. \"proposal:12\""): for a
 * wording that clients already show, or a field whose rule is easier said
 * whole.  Lengths are counted in bytes of UTF-8, as SQLite and the
 * protocol's limits count them.
 *
 * What a table cannot say (one field or another, a check against the
 * plugin's memory or the configuration) stays in the handler, after the
 * table's checks: see accord_arg_message() for the same message shape.
 */
#ifndef ACCORD_ARGS_H
#define ACCORD_ARGS_H

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a field must be.  ANY takes every JSON value (give .check). */
typedef enum accord_arg_type {
	ACCORD_ARG_ANY = 0,
	ACCORD_ARG_STRING, /* "expected a string"; .min/.max: length in bytes; .one_of */
	ACCORD_ARG_INT,    /* "expected an integer"; from .min to .max when .max > .min */
	ACCORD_ARG_BOOL,   /* "expected true or false" */
	ACCORD_ARG_ID,     /* "expected a positive integer id": an integer >= 1 */
	ACCORD_ARG_DATE,   /* "expected a date, YYYY-MM-DD": a real day of the calendar */
	ACCORD_ARG_ARRAY,  /* "expected an array"; .min/.max: entries; .each; DISTINCT */
	ACCORD_ARG_OBJECT  /* "expected an object" */
} accord_arg_type;

/* .flags */
#define ACCORD_ARG_REQUIRED 1u /* absent answers "<field>: required" */
#define ACCORD_ARG_NULL_OK 2u  /* null is taken as absent (else it is a wrong type) */
#define ACCORD_ARG_DISTINCT 4u /* ARRAY: no two equal entries */

typedef struct accord_arg {
	const char *name; /* NULL ends the table */
	accord_arg_type type;
	unsigned flags;
	/* STRING: length in bytes, .max 0 = no limit; ARRAY: entries, the same;
	 * INT: the range, when .max > .min. */
	int64_t min, max;
	const char *const *one_of; /* STRING: the allowed values, NULL-terminated */
	/* After the type and bounds passed: NULL when the value is good, else
	 * what was expected ("a \"<kind>:<id>\""), said after "<field>: ". */
	const char *(*check)(const json_t *value);
	const struct accord_arg *each; /* ARRAY: the check of every entry (.name unused) */
	const char *says;              /* the fixed problem of every failure, or NULL */
} accord_arg;

/* Room for any message accord_args_check writes. */
#define ACCORD_ARGS_MSG 256

/* "YYYY-MM-DD", a day that exists (2024-02-29 yes, 2023-02-29 no). */
static inline int accord_date_ok(const char *s)
{
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
	static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12 || d < 1 || d > days[m - 1])
		return 0;
	return m != 2 || d < 29 || (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
}

/* Writes "<field>: <problem>" into msg (the one message shape), or
 * "<field>: <says>" when says is not NULL.  Returns -1, for
 * "return accord_arg_message(...)" in a checker. */
static inline int accord_arg_message(char *msg, size_t size, const char *field, const char *says,
				     const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 5, 6)))
#endif
	;
static inline int accord_arg_message(char *msg, size_t size, const char *field, const char *says,
				     const char *fmt, ...)
{
	char problem[ACCORD_ARGS_MSG];
	if (says) {
		snprintf(problem, sizeof(problem), "%s", says);
	} else {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(problem, sizeof(problem), fmt, ap);
		va_end(ap);
	}
	/* "<field>: <problem>", the field cut at 60 bytes, all cut to fit */
	size_t n = 0, flen = strlen(field) < 60 ? strlen(field) : 60;
	const char *parts[] = {field, ": ", problem};
	const size_t lens[] = {flen, 2, strlen(problem)};
	for (int i = 0; i < 3 && size; i++)
		for (size_t k = 0; k < lens[i] && n + 1 < size; k++)
			msg[n++] = parts[i][k];
	if (size)
		msg[n] = 0;
	return -1;
}

/* "a, b, c" of a NULL-terminated list, cut to fit. */
static inline void accord__arg_choices(const char *const *one_of, char *out, size_t size)
{
	size_t n = 0;
	out[0] = 0;
	for (size_t i = 0; one_of[i] && n + 1 < size; i++) {
		int w = snprintf(out + n, size - n, "%s%s", i ? ", " : "", one_of[i]);
		if (w < 0)
			break;
		n += (size_t)w < size - n ? (size_t)w : size - n - 1;
	}
}

/* A value already known to be there (not absent, not a null taken as
 * absent) against its row of the table; field is its name in messages. */
static inline int accord__arg_value(const accord_arg *a, const char *field, const json_t *v,
				    char *msg, size_t size)
{
	const char *says = a->says;
	switch (a->type) {
	case ACCORD_ARG_ANY: break;
	case ACCORD_ARG_STRING: {
		if (!json_is_string(v))
			return accord_arg_message(msg, size, field, says, "expected a string");
		int64_t len = (int64_t)json_string_length(v);
		if (len < a->min)
			return a->min == 1 ? accord_arg_message(msg, size, field, says,
								"must not be empty")
					   : accord_arg_message(msg, size, field, says,
								"at least %lld bytes",
								(long long)a->min);
		if (a->max > 0 && len > a->max)
			return accord_arg_message(msg, size, field, says, "at most %lld bytes",
						  (long long)a->max);
		if (a->one_of) {
			size_t i = 0;
			while (a->one_of[i] && strcmp(a->one_of[i], json_string_value(v)))
				i++;
			if (!a->one_of[i]) {
				char list[160];
				accord__arg_choices(a->one_of, list, sizeof(list));
				return accord_arg_message(msg, size, field, says,
							  "expected one of %s", list);
			}
		}
		break;
	}
	case ACCORD_ARG_INT:
		if (!json_is_integer(v))
			return accord_arg_message(msg, size, field, says, "expected an integer");
		if (a->max > a->min &&
		    (json_integer_value(v) < a->min || json_integer_value(v) > a->max))
			return accord_arg_message(msg, size, field, says,
						  "expected an integer from %lld to %lld",
						  (long long)a->min, (long long)a->max);
		break;
	case ACCORD_ARG_BOOL:
		if (!json_is_boolean(v))
			return accord_arg_message(msg, size, field, says, "expected true or false");
		break;
	case ACCORD_ARG_ID:
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			return accord_arg_message(msg, size, field, says,
						  "expected a positive integer id");
		break;
	case ACCORD_ARG_DATE:
		if (!json_is_string(v) || !accord_date_ok(json_string_value(v)))
			return accord_arg_message(msg, size, field, says,
						  "expected a date, YYYY-MM-DD");
		break;
	case ACCORD_ARG_ARRAY: {
		if (!json_is_array(v))
			return accord_arg_message(msg, size, field, says, "expected an array");
		int64_t n = (int64_t)json_array_size(v);
		if (n < a->min)
			return a->min == 1 ? accord_arg_message(msg, size, field, says,
								"must not be empty")
					   : accord_arg_message(msg, size, field, says,
								"at least %lld entries",
								(long long)a->min);
		if (a->max > 0 && n > a->max)
			return accord_arg_message(msg, size, field, says, "at most %lld entries",
						  (long long)a->max);
		for (size_t i = 0; i < (size_t)n; i++) {
			const json_t *e = json_array_get(v, i);
			if (a->each) {
				char at[96];
				snprintf(at, sizeof(at), "%.60s[%zu]", field, i);
				if (accord__arg_value(a->each, at, e, msg, size))
					return says ? accord_arg_message(msg, size, field, says, "-")
						    : -1;
			}
			for (size_t k = 0; (a->flags & ACCORD_ARG_DISTINCT) && k < i; k++) {
				if (!json_equal((json_t *)e, json_array_get(v, k)))
					continue;
				if (json_is_string(e))
					return accord_arg_message(msg, size, field, says,
								  "\"%.40s\" is listed twice",
								  json_string_value(e));
				if (json_is_integer(e))
					return accord_arg_message(msg, size, field, says,
								  "%lld is listed twice",
								  (long long)json_integer_value(e));
				return accord_arg_message(msg, size, field, says,
							  "entry %zu repeats entry %zu", i, k);
			}
		}
		break;
	}
	case ACCORD_ARG_OBJECT:
		if (!json_is_object(v))
			return accord_arg_message(msg, size, field, says, "expected an object");
		break;
	}
	const char *why = a->check ? a->check(v) : NULL;
	if (why)
		return accord_arg_message(msg, size, field, says, "%s", why);
	return 0;
}

/* Checks one value against one row of a table, the row's .name naming it
 * in the message: for a field whose check needs a table of its own (one
 * that is either a word or a list).  0, or -1 with msg set. */
static inline int accord_arg_value(const accord_arg *a, const json_t *v, char *msg, size_t size)
{
	return accord__arg_value(a, a->name ? a->name : "value", v, msg, size);
}

/* Whether a field counts as given: present, and not a null the table
 * takes as absent. */
static inline const json_t *accord__arg_given(const accord_arg *a, const json_t *data)
{
	const json_t *v = json_is_object(data) ? json_object_get(data, a->name) : NULL;
	return v && json_is_null(v) && (a->flags & ACCORD_ARG_NULL_OK) ? NULL : v;
}

/* Checks data (a request's data object; NULL counts as {}) against spec,
 * in the order of the table.  strict: a field spec does not name is
 * refused ("<field>: unknown field"), else it is let through untouched.
 * Returns 0, or -1 with msg set to "<field>: <problem>". */
static inline int accord_args_check(const accord_arg *spec, const json_t *data, int strict,
				    char *msg, size_t size)
{
	if (data && !json_is_object(data)) {
		snprintf(msg, size, "data: expected an object");
		return -1;
	}
	for (const accord_arg *a = spec; a && a->name; a++) {
		const json_t *v = accord__arg_given(a, data);
		if (!v) {
			if (a->flags & ACCORD_ARG_REQUIRED)
				return accord_arg_message(msg, size, a->name, a->says, "required");
			continue;
		}
		if (accord__arg_value(a, a->name, v, msg, size))
			return -1;
	}
	if (strict && data) {
		const char *key;
		json_t *v;
		json_object_foreach((json_t *)data, key, v) {
			const accord_arg *a = spec;
			while (a && a->name && strcmp(a->name, key))
				a++;
			if (!a || !a->name)
				return accord_arg_message(msg, size, key, NULL, "unknown field");
		}
	}
	return 0;
}

/* A new object with a copy of each field of spec that data gives (nulls
 * taken as absent are left out): what a handler hands its storage job
 * after accord_args_check passed.  NULL when memory runs out. */
static inline json_t *accord_args_pick(const accord_arg *spec, const json_t *data)
{
	json_t *in = json_object();
	for (const accord_arg *a = spec; in && a && a->name; a++) {
		const json_t *v = accord__arg_given(a, data);
		if (v && json_object_set_new(in, a->name, json_deep_copy(v))) {
			json_decref(in);
			in = NULL;
		}
	}
	return in;
}

#ifdef __cplusplus
}
#endif
#endif
