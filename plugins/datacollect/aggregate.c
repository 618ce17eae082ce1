/*
 * Aggregates of a period's submissions, and the view of them that may leave
 * the network: pure, see rules.h.
 *
 * Small cells are suppressed in what is released because a count from one
 * or two organisations is that organisation's own figure, recognisable by
 * anyone who knows who reports (the partners do): an aggregate released to
 * partners must not tell them what UNHCR alone counted.  Minimum and
 * maximum are never released for the same reason, and a figure that a
 * shown sum would give away is suppressed with its neighbour
 * (complementary suppression, below).
 */
#include "rules.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A number as JSON: an integer when it is one (sums of counts stay
 * integers on the wire), else a real. */
static json_t *num(double x)
{
	if (x == floor(x) && fabs(x) < 9e15)
		return json_integer((json_int_t)x);
	return json_real(x);
}

typedef struct stat {
	long n;
	double sum, min, max;
} stat;

static void stat_add(stat *s, double x)
{
	if (!s->n || x < s->min)
		s->min = x;
	if (!s->n || x > s->max)
		s->max = x;
	s->sum += x;
	s->n++;
}

/* {n, sum} and, with full, min, max and mean (null when nobody reported). */
static json_t *stat_json(const stat *s, int full)
{
	json_t *o = json_pack("{s:I}", "n", (json_int_t)s->n);
	if (!o)
		return NULL;
	json_object_set_new(o, "sum", s->n ? num(s->sum) : json_null());
	if (full) {
		json_object_set_new(o, "min", s->n ? num(s->min) : json_null());
		json_object_set_new(o, "max", s->n ? num(s->max) : json_null());
		json_object_set_new(o, "mean", s->n ? json_real(s->sum / (double)s->n) : json_null());
	}
	return o;
}

/* The marginal of one organisation: the sum of its reported cells whose
 * name has part (a sex, or an age group) in position pos (0 or 1). */
static int marginal(const json_t *v, const json_t *cells, const char *part, int pos, double *sum)
{
	int any = 0;
	*sum = 0;
	for (size_t c = 0; c < json_array_size(cells); c++) {
		const char *name = json_string_value(json_array_get(cells, c));
		const char *comma = strchr(name, ',');
		int match = pos == 0 ? comma && !strncmp(name, part, (size_t)(comma - name)) &&
					       strlen(part) == (size_t)(comma - name)
				     : comma && !strcmp(comma + 1, part);
		const json_t *x = json_object_get(v, name);
		if (match && json_is_number(x)) {
			*sum += json_number_value(x);
			any = 1;
		}
	}
	return any;
}

static json_t *number_field(const json_t *f, const json_t *subs)
{
	const char *key = json_string_value(json_object_get(f, "key"));
	json_t *cells = dc_cells(f);
	if (!cells)
		return NULL;
	stat total = {0};
	size_t nc = json_array_size(cells);
	json_t *out = json_object();
	json_t *per_cell = nc ? json_object() : NULL;
	for (size_t c = 0; c < nc; c++) {
		stat s = {0};
		for (size_t i = 0; i < json_array_size(subs); i++) {
			const json_t *v = json_object_get(
				json_object_get(json_array_get(subs, i), "values"), key);
			const json_t *x = json_object_get(v, json_string_value(
								     json_array_get(cells, c)));
			if (json_is_number(x))
				stat_add(&s, json_number_value(x));
		}
		json_object_set_new(per_cell, json_string_value(json_array_get(cells, c)),
				    stat_json(&s, 0));
	}
	for (size_t i = 0; i < json_array_size(subs); i++) {
		const json_t *v = json_object_get(json_object_get(json_array_get(subs, i), "values"),
						  key);
		if (!nc) {
			if (json_is_number(v))
				stat_add(&total, json_number_value(v));
			continue;
		}
		double sum = 0;
		int any = 0;
		for (size_t c = 0; c < nc; c++) {
			const json_t *x = json_object_get(v, json_string_value(
								     json_array_get(cells, c)));
			if (json_is_number(x)) {
				sum += json_number_value(x);
				any = 1;
			}
		}
		if (any)
			stat_add(&total, sum);
	}
	json_object_set_new(out, "type", json_string("number"));
	json_object_set_new(out, "total", stat_json(&total, 1));
	if (nc)
		json_object_set_new(out, "cells", per_cell);
	/* Both dimensions: the totals by sex and by age group as well. */
	if (json_is_true(json_object_get(f, "by_sex")) && json_is_true(json_object_get(f, "by_age"))) {
		const char *const *dims[2] = {dc_sexes, dc_ages};
		const char *names[2] = {"by_sex", "by_age"};
		for (int d = 0; d < 2; d++) {
			json_t *m = json_object();
			for (size_t k = 0; dims[d][k]; k++) {
				stat s = {0};
				for (size_t i = 0; i < json_array_size(subs); i++) {
					const json_t *v = json_object_get(
						json_object_get(json_array_get(subs, i), "values"),
						key);
					double sum;
					if (marginal(v, cells, dims[d][k], d, &sum))
						stat_add(&s, sum);
				}
				json_object_set_new(m, dims[d][k], stat_json(&s, 0));
			}
			json_object_set_new(out, names[d], m);
		}
	}
	json_decref(cells);
	return out;
}

static json_t *choice_field(const json_t *f, const json_t *subs)
{
	const char *key = json_string_value(json_object_get(f, "key"));
	const json_t *opts = json_object_get(f, "options");
	json_t *counts = json_object();
	json_int_t n = 0;
	for (size_t o = 0; o < json_array_size(opts); o++)
		json_object_set_new(counts, json_string_value(json_array_get(opts, o)),
				    json_integer(0));
	for (size_t i = 0; i < json_array_size(subs); i++) {
		const json_t *v = json_object_get(json_object_get(json_array_get(subs, i), "values"),
						  key);
		json_t *c = json_is_string(v) ? json_object_get(counts, json_string_value(v)) : NULL;
		if (!c)
			continue;
		json_integer_set(c, json_integer_value(c) + 1);
		n++;
	}
	return json_pack("{s:s,s:I,s:o}", "type", "choice", "n", n, "counts", counts);
}

static json_t *other_field(const json_t *f, const json_t *subs)
{
	const char *key = json_string_value(json_object_get(f, "key"));
	json_int_t n = 0;
	for (size_t i = 0; i < json_array_size(subs); i++) {
		const json_t *v = json_object_get(json_object_get(json_array_get(subs, i), "values"),
						  key);
		n += v && !json_is_null(v);
	}
	return json_pack("{s:O,s:I}", "type", json_object_get(f, "type"), "n", n);
}

json_t *dc_aggregate(const json_t *fields, const json_t *subs)
{
	json_t *by = json_object();
	for (size_t i = 0; by && i < json_array_size(fields); i++) {
		const json_t *f = json_array_get(fields, i);
		const char *type = json_string_value(json_object_get(f, "type"));
		json_t *a = !strcmp(type, "number")   ? number_field(f, subs)
			    : !strcmp(type, "choice") ? choice_field(f, subs)
						      : other_field(f, subs);
		if (!a || json_object_set_new(by, json_string_value(json_object_get(f, "key")), a)) {
			json_decref(by);
			return NULL;
		}
	}
	return by ? json_pack("{s:I,s:o}", "orgs", (json_int_t)json_array_size(subs), "fields", by)
		  : NULL;
}

/* {n, sum} (and mean, for a total) when enough organisations contributed,
 * else {"suppressed": true}. */
static json_t *released(const json_t *s, int min_cell, int with_mean)
{
	json_int_t n = json_integer_value(json_object_get(s, "n"));
	if (n < min_cell)
		return json_pack("{s:b}", "suppressed", 1);
	json_t *o = json_pack("{s:I,s:O}", "n", n, "sum", json_object_get(s, "sum"));
	if (o && with_mean)
		json_object_set(o, "mean", json_object_get(s, "mean"));
	return o;
}

static json_t *released_map(const json_t *m, int min_cell)
{
	json_t *o = json_object();
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)m, k, v)
		json_object_set_new(o, k, released(v, min_cell, 0));
	return o;
}

/* ---- complementary suppression ----
 * A released total is the sum of its cells (and of its marginals by sex or
 * by age group, each the sum of its row or column).  When exactly one
 * member of such a sum is suppressed and the sum is shown, the suppressed
 * figure is the sum minus the others: so the smallest member still shown is
 * suppressed too, and the sums are checked again until none gives one away.
 * A group is a shown figure and the members that add up to it. */

static int suppressed(const json_t *o) { return json_is_true(json_object_get(o, "suppressed")); }

static int protect(json_t *figure, json_t **members, size_t n, const char *key)
{
	if (!figure || suppressed(figure) || n < 2)
		return 0;
	size_t hidden = 0;
	json_t *smallest = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!members[i])
			continue;
		if (suppressed(members[i])) {
			hidden++;
			continue;
		}
		double v = json_number_value(json_object_get(members[i], key));
		if (!smallest || v < json_number_value(json_object_get(smallest, key)))
			smallest = members[i];
	}
	if (hidden != 1 || !smallest)
		return 0;
	json_object_clear(smallest);
	json_object_set_new(smallest, "suppressed", json_true());
	return 1;
}

/* The members of map whose names are listed (NULL where absent). */
static size_t pick(json_t *map, const char *const *names, json_t **out)
{
	size_t n = 0;
	for (; names[n]; n++)
		out[n] = json_object_get(map, names[n]);
	return n;
}

static void complementary_number(json_t *r)
{
	json_t *total = json_object_get(r, "total"), *cells = json_object_get(r, "cells");
	json_t *by_sex = json_object_get(r, "by_sex"), *by_age = json_object_get(r, "by_age");
	json_t *m[16] = {0};
	int changed = 1;
	while (changed && cells) {
		changed = 0;
		size_t n = 0;
		const char *k;
		json_t *v;
		json_object_foreach(cells, k, v)
			if (n < 16)
				m[n++] = v;
		changed |= protect(total, m, n, "sum");
		if (!by_sex || !by_age)
			continue;
		changed |= protect(total, m, pick(by_sex, dc_sexes, m), "sum");
		changed |= protect(total, m, pick(by_age, dc_ages, m), "sum");
		char name[32];
		for (size_t s = 0; dc_sexes[s]; s++) {
			for (size_t a = 0; dc_ages[a]; a++) {
				snprintf(name, sizeof(name), "%s,%s", dc_sexes[s], dc_ages[a]);
				m[a] = json_object_get(cells, name);
			}
			changed |= protect(json_object_get(by_sex, dc_sexes[s]), m, 3, "sum");
		}
		for (size_t a = 0; dc_ages[a]; a++) {
			for (size_t s = 0; dc_sexes[s]; s++) {
				snprintf(name, sizeof(name), "%s,%s", dc_sexes[s], dc_ages[a]);
				m[s] = json_object_get(cells, name);
			}
			changed |= protect(json_object_get(by_age, dc_ages[a]), m, 3, "sum");
		}
	}
}

static void complementary_choice(json_t *r)
{
	json_t *counts = json_object_get(r, "counts");
	json_t *m[DC_MAX_OPTIONS] = {0};
	size_t n = 0;
	const char *k;
	json_t *v;
	json_object_foreach(counts, k, v)
		if (n < DC_MAX_OPTIONS)
			m[n++] = v;
	while (protect(json_object_get(r, "total"), m, n, "n"))
		;
}

json_t *dc_release_view(const json_t *fields, const json_t *agg, int min_cell)
{
	json_t *out = json_object();
	const json_t *by = json_object_get(agg, "fields");
	for (size_t i = 0; out && i < json_array_size(fields); i++) {
		const json_t *f = json_array_get(fields, i);
		const char *key = json_string_value(json_object_get(f, "key"));
		const char *type = json_string_value(json_object_get(f, "type"));
		const json_t *a = json_object_get(by, key);
		json_t *r = NULL;
		if (!a)
			continue;
		if (!strcmp(type, "number")) {
			r = json_pack("{s:s,s:O,s:o}", "type", "number", "label",
				      json_object_get(f, "label"), "total",
				      released(json_object_get(a, "total"), min_cell, 1));
			if (r && json_object_get(f, "unit"))
				json_object_set(r, "unit", json_object_get(f, "unit"));
			static const char *const maps[] = {"cells", "by_sex", "by_age", NULL};
			for (size_t m = 0; r && maps[m]; m++)
				if (json_object_get(a, maps[m]))
					json_object_set_new(r, maps[m],
							    released_map(json_object_get(a, maps[m]),
									 min_cell));
		} else if (!strcmp(type, "choice")) {
			json_int_t n = json_integer_value(json_object_get(a, "n"));
			json_t *counts = json_object();
			const char *opt;
			json_t *c;
			json_object_foreach(json_object_get(a, "counts"), opt, c) {
				json_int_t k = json_integer_value(c);
				json_object_set_new(counts, opt,
						    k > 0 && k < min_cell
							    ? json_pack("{s:b}", "suppressed", 1)
							    : json_pack("{s:I}", "n", k));
			}
			r = json_pack("{s:s,s:O,s:o,s:o}", "type", "choice", "label",
				      json_object_get(f, "label"), "total",
				      n < min_cell ? json_pack("{s:b}", "suppressed", 1)
						   : json_pack("{s:I}", "n", n),
				      "counts", counts);
			complementary_choice(r);
		} else {
			continue; /* text and dates never leave */
		}
		if (r && !strcmp(type, "number"))
			complementary_number(r);
		if (!r || json_object_set_new(out, key, r)) {
			json_decref(out);
			return NULL;
		}
	}
	return out ? json_pack("{s:O,s:o,s:i}", "orgs", json_object_get(agg, "orgs"), "fields", out,
			       "min_cell", min_cell)
		   : NULL;
}
