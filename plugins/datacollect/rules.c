/*
 * A form's fields, a submission's values, period names: the checks, pure.
 * See rules.h for the shapes and docs/protocol.md for the wire.
 */
#include "rules.h"

#include <math.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *const dc_sexes[] = {"female", "male", "other", NULL};
const char *const dc_ages[] = {"0-17", "18-59", "60+", NULL};
const char *const dc_period_kinds[] = {"month", "quarter", "year", NULL};
static const char *const TYPES[] = {"number", "choice", "text", "date", NULL};

/* "<where>: <problem>" into msg; returns -1 for "return fail(...)". */
static int fail(char *msg, size_t size, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *msg, size_t size, const char *where, const char *fmt, ...)
{
	char problem[DC_MSG];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
	snprintf(msg, size, "%s: %s", where, problem);
	return -1;
}

static int in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; s && list[i]; i++)
		if (!strcmp(list[i], s))
			return 1;
	return 0;
}

static int digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int dc_period_ok(const char *kind, const char *p)
{
	if (!kind || !p || strlen(p) < 4 || !digits(p, 4) || p[0] != '2')
		return 0;
	if (!strcmp(kind, "year"))
		return strlen(p) == 4;
	if (!strcmp(kind, "quarter"))
		return strlen(p) == 7 && p[4] == '-' && p[5] == 'Q' && p[6] >= '1' && p[6] <= '4';
	if (!strcmp(kind, "month"))
		return strlen(p) == 7 && p[4] == '-' && digits(p + 5, 2) &&
		       ((p[5] == '0' && p[6] >= '1') || (p[5] == '1' && p[6] <= '2'));
	return 0;
}

static int key_ok(const char *k)
{
	size_t n = k ? strlen(k) : 0;
	if (n < 1 || n > 32 || k[0] < 'a' || k[0] > 'z')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
			return 0;
	return 1;
}

/* A boolean member: absent is false; anything else but true/false fails. */
static int flag(json_t *f, const char *name, const char *where, char *msg, size_t size)
{
	json_t *v = json_object_get(f, name);
	if (!v) {
		json_object_set_new(f, name, json_false());
		return 0;
	}
	if (json_is_boolean(v))
		return 0;
	char at[96];
	snprintf(at, sizeof(at), "%s.%s", where, name);
	return fail(msg, size, at, "expected true or false");
}

static const char *const MEMBERS[] = {"key",    "label",    "type",    "unit",       "min",
				      "max",    "integer",  "options", "max_length", "by_sex",
				      "by_age", "required", NULL};

static int field_check(json_t *f, size_t i, json_t *keys, char *msg, size_t size)
{
	char where[32], at[128];
	snprintf(where, sizeof(where), "fields[%zu]", i);
	if (!json_is_object(f))
		return fail(msg, size, where, "expected an object");
	const char *name;
	json_t *v;
	json_object_foreach(f, name, v) {
		if (!in_list(MEMBERS, name)) {
			snprintf(at, sizeof(at), "%s.%.40s", where, name);
			return fail(msg, size, at, "unknown member");
		}
	}
	const char *key = json_string_value(json_object_get(f, "key"));
	snprintf(at, sizeof(at), "%s.key", where);
	if (!key_ok(key))
		return fail(msg, size, at, "expected 1-32 of a-z, 0-9 and _, starting with a letter");
	if (json_object_get(keys, key))
		return fail(msg, size, at, "\"%s\" is used by another field", key);
	json_object_set_new(keys, key, json_true());
	json_t *label = json_object_get(f, "label");
	snprintf(at, sizeof(at), "%s.label", where);
	if (!json_is_string(label) || json_string_length(label) < 1 || json_string_length(label) > 200)
		return fail(msg, size, at, "expected a string of 1-200 bytes");
	const char *type = json_string_value(json_object_get(f, "type"));
	snprintf(at, sizeof(at), "%s.type", where);
	if (!in_list(TYPES, type))
		return fail(msg, size, at, "expected one of number, choice, text, date");
	if (flag(f, "required", where, msg, size) || flag(f, "integer", where, msg, size) ||
	    flag(f, "by_sex", where, msg, size) || flag(f, "by_age", where, msg, size))
		return -1;
	int number = !strcmp(type, "number");
	/* Members that belong to another type are refused, not ignored: a
	 * "unit" on a text field is a mistake the form's author should see. */
	static const char *const number_only[] = {"unit", "min", "max", NULL};
	for (size_t k = 0; !number && number_only[k]; k++)
		if (json_object_get(f, number_only[k])) {
			snprintf(at, sizeof(at), "%s.%s", where, number_only[k]);
			return fail(msg, size, at, "only number fields have one");
		}
	static const char *const number_flags[] = {"integer", "by_sex", "by_age", NULL};
	for (size_t k = 0; !number && number_flags[k]; k++)
		if (json_is_true(json_object_get(f, number_flags[k]))) {
			snprintf(at, sizeof(at), "%s.%s", where, number_flags[k]);
			return fail(msg, size, at, "only number fields have one");
		}
	if (number) {
		json_t *unit = json_object_get(f, "unit");
		snprintf(at, sizeof(at), "%s.unit", where);
		if (unit && (!json_is_string(unit) || json_string_length(unit) > 32))
			return fail(msg, size, at, "expected a string of at most 32 bytes");
		json_t *lo = json_object_get(f, "min"), *hi = json_object_get(f, "max");
		snprintf(at, sizeof(at), "%s.min", where);
		if (lo && !json_is_number(lo))
			return fail(msg, size, at, "expected a number");
		snprintf(at, sizeof(at), "%s.max", where);
		if (hi && !json_is_number(hi))
			return fail(msg, size, at, "expected a number");
		if (lo && hi && json_number_value(lo) > json_number_value(hi))
			return fail(msg, size, at, "less than min");
	}
	json_t *opts = json_object_get(f, "options");
	snprintf(at, sizeof(at), "%s.options", where);
	if (!strcmp(type, "choice")) {
		if (!json_is_array(opts) || json_array_size(opts) < 1 ||
		    json_array_size(opts) > DC_MAX_OPTIONS)
			return fail(msg, size, at, "expected 1-%d options", DC_MAX_OPTIONS);
		for (size_t k = 0; k < json_array_size(opts); k++) {
			json_t *o = json_array_get(opts, k);
			if (!json_is_string(o) || json_string_length(o) < 1 ||
			    json_string_length(o) > 100)
				return fail(msg, size, at,
					    "option %zu: expected a string of 1-100 bytes", k);
			for (size_t m = 0; m < k; m++)
				if (json_equal(o, json_array_get(opts, m)))
					return fail(msg, size, at, "\"%s\" is listed twice",
						    json_string_value(o));
		}
	} else if (opts) {
		return fail(msg, size, at, "only choice fields have them");
	}
	json_t *ml = json_object_get(f, "max_length");
	snprintf(at, sizeof(at), "%s.max_length", where);
	if (!strcmp(type, "text")) {
		if (!ml)
			json_object_set_new(f, "max_length", json_integer(DC_DEFAULT_TEXT));
		else if (!json_is_integer(ml) || json_integer_value(ml) < 1 ||
			 json_integer_value(ml) > DC_MAX_TEXT)
			return fail(msg, size, at, "expected an integer from 1 to %d", DC_MAX_TEXT);
	} else if (ml) {
		return fail(msg, size, at, "only text fields have one");
	}
	return 0;
}

int dc_fields_check(json_t *fields, char *msg, size_t size)
{
	if (!json_is_array(fields))
		return fail(msg, size, "fields", "expected an array");
	if (json_array_size(fields) > DC_MAX_FIELDS)
		return fail(msg, size, "fields", "at most %d fields", DC_MAX_FIELDS);
	json_t *keys = json_object();
	if (!keys)
		return fail(msg, size, "fields", "out of memory");
	int rc = 0;
	for (size_t i = 0; !rc && i < json_array_size(fields); i++)
		rc = field_check(json_array_get(fields, i), i, keys, msg, size);
	json_decref(keys);
	return rc;
}

json_t *dc_cells(const json_t *f)
{
	json_t *cells = json_array();
	int sex = json_is_true(json_object_get(f, "by_sex"));
	int age = json_is_true(json_object_get(f, "by_age"));
	char name[32];
	for (size_t s = 0; cells && sex && dc_sexes[s]; s++)
		for (size_t a = 0; age ? dc_ages[a] != NULL : a == 0; a++) {
			snprintf(name, sizeof(name), age ? "%s,%s" : "%s", dc_sexes[s],
				 age ? dc_ages[a] : "");
			json_array_append_new(cells, json_string(name));
		}
	for (size_t a = 0; cells && !sex && age && dc_ages[a]; a++)
		json_array_append_new(cells, json_string(dc_ages[a]));
	return cells;
}

/* What a number must be, said whole: "a whole number from 0 to 100",
 * "a number ≥ 0", "a number". */
static void number_rule(const json_t *f, char *out, size_t size)
{
	const json_t *lo = json_object_get(f, "min"), *hi = json_object_get(f, "max");
	const char *kind = json_is_true(json_object_get(f, "integer")) ? "a whole number"
								       : "a number";
	if (lo && hi)
		snprintf(out, size, "%s from %g to %g", kind, json_number_value(lo),
			 json_number_value(hi));
	else if (lo)
		snprintf(out, size, "%s \xe2\x89\xa5 %g", kind, json_number_value(lo));
	else if (hi)
		snprintf(out, size, "%s \xe2\x89\xa4 %g", kind, json_number_value(hi));
	else
		snprintf(out, size, "%s", kind);
}

static int number_ok(const json_t *f, const json_t *v)
{
	if (!json_is_number(v))
		return 0;
	double x = json_number_value(v);
	if (!isfinite(x))
		return 0;
	if (json_is_true(json_object_get(f, "integer")) && (x != floor(x) || fabs(x) > 9e15))
		return 0;
	const json_t *lo = json_object_get(f, "min"), *hi = json_object_get(f, "max");
	return !(lo && x < json_number_value(lo)) && !(hi && x > json_number_value(hi));
}

static int value_check(const json_t *f, const char *where, const json_t *v, char *msg, size_t size)
{
	const char *type = json_string_value(json_object_get(f, "type"));
	if (!strcmp(type, "number")) {
		if (number_ok(f, v))
			return 0;
		char rule[96];
		number_rule(f, rule, sizeof(rule));
		return fail(msg, size, where, "must be %s", rule);
	}
	if (!strcmp(type, "choice")) {
		const json_t *opts = json_object_get(f, "options");
		for (size_t i = 0; json_is_string(v) && i < json_array_size(opts); i++)
			if (json_equal((json_t *)v, json_array_get(opts, i)))
				return 0;
		char list[160] = "";
		for (size_t i = 0; i < json_array_size(opts); i++) {
			size_t n = strlen(list);
			snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "",
				 json_string_value(json_array_get(opts, i)));
		}
		return fail(msg, size, where, "expected one of %s", list);
	}
	if (!strcmp(type, "text")) {
		json_int_t max = json_integer_value(json_object_get(f, "max_length"));
		if (!json_is_string(v))
			return fail(msg, size, where, "expected a string");
		if ((json_int_t)json_string_length(v) > max)
			return fail(msg, size, where, "at most %lld bytes", (long long)max);
		return 0;
	}
	/* date */
	const char *s = json_string_value(v);
	static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int ok = s && strlen(s) == 10 && s[4] == '-' && s[7] == '-' && digits(s, 4) &&
		 digits(s + 5, 2) && digits(s + 8, 2);
	if (ok) {
		int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
		ok = m >= 1 && m <= 12 && d >= 1 && d <= days[m - 1] &&
		     (m != 2 || d < 29 || (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));
	}
	return ok ? 0 : fail(msg, size, where, "expected a date, YYYY-MM-DD");
}

static const json_t *field_by_key(const json_t *fields, const char *key)
{
	for (size_t i = 0; i < json_array_size(fields); i++) {
		const json_t *f = json_array_get(fields, i);
		if (!strcmp(json_string_value(json_object_get(f, "key")), key))
			return f;
	}
	return NULL;
}

int dc_values_check(const json_t *fields, const json_t *values, char *msg, size_t size)
{
	if (!json_is_object(values))
		return fail(msg, size, "values", "expected an object keyed by field");
	const char *key;
	json_t *v;
	char where[128];
	json_object_foreach((json_t *)values, key, v) {
		if (!field_by_key(fields, key)) {
			snprintf(where, sizeof(where), "fields.%.40s", key);
			return fail(msg, size, where, "not a field of this form");
		}
	}
	for (size_t i = 0; i < json_array_size(fields); i++) {
		const json_t *f = json_array_get(fields, i);
		const char *k = json_string_value(json_object_get(f, "key"));
		int required = json_is_true(json_object_get(f, "required"));
		v = json_object_get(values, k);
		json_t *cells = dc_cells(f);
		if (!cells)
			return fail(msg, size, "values", "out of memory");
		snprintf(where, sizeof(where), "fields.%s", k);
		if (!json_array_size(cells)) {
			json_decref(cells);
			if (!v || json_is_null(v)) {
				if (required)
					return fail(msg, size, where, "required");
				continue;
			}
			if (value_check(f, where, v, msg, size))
				return -1;
			continue;
		}
		/* Disaggregated: an object of cells, each a number or null. */
		int rc = 0;
		if (v && !json_is_null(v) && !json_is_object(v)) {
			rc = fail(msg, size, where, "expected an object of cells, e.g. {\"%s\": 0}",
				  json_string_value(json_array_get(cells, 0)));
		}
		json_t *cv;
		const char *cell;
		json_object_foreach(json_is_object(v) ? v : NULL, cell, cv) {
			size_t c = 0;
			while (c < json_array_size(cells) &&
			       strcmp(json_string_value(json_array_get(cells, c)), cell))
				c++;
			if (!rc && c == json_array_size(cells)) {
				snprintf(where, sizeof(where), "fields.%s[%.30s]", k, cell);
				rc = fail(msg, size, where, "not a cell of this field");
			}
		}
		for (size_t c = 0; !rc && c < json_array_size(cells); c++) {
			const char *name = json_string_value(json_array_get(cells, c));
			cv = json_object_get(v, name);
			snprintf(where, sizeof(where), "fields.%s[%s]", k, name);
			if (!cv || json_is_null(cv))
				rc = required ? fail(msg, size, where, "required") : 0;
			else
				rc = value_check(f, where, cv, msg, size);
		}
		json_decref(cells);
		if (rc)
			return -1;
	}
	return 0;
}
