/* The pure rules of the datacollect plugin (plugins/datacollect/rules.c
 * and aggregate.c, compiled in): periods, a form's fields, a submission's
 * values with the message naming the field and the cell, the aggregates
 * (sums per cell, per sex and age group, totals over organisations) and
 * what a release keeps of them (no text, no min or max, cells of fewer
 * than three organisations suppressed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);
	if (!v)
		fail_msg("bad JSON in the test: %s: %s", e.text, text);
	return v;
}

static const char *FIELDS =
	"[{\"key\":\"arrivals\",\"label\":\"Arrivals\",\"type\":\"number\",\"unit\":\"persons\","
	"\"min\":0,\"integer\":true,\"by_sex\":true,\"by_age\":true},"
	"{\"key\":\"budget\",\"label\":\"Budget\",\"type\":\"number\",\"min\":0,\"max\":1000000,"
	"\"required\":true},"
	"{\"key\":\"route\",\"label\":\"Route\",\"type\":\"choice\",\"options\":[\"land\",\"air\"]},"
	"{\"key\":\"comment\",\"label\":\"Comment\",\"type\":\"text\",\"max_length\":5},"
	"{\"key\":\"as_of\",\"label\":\"As of\",\"type\":\"date\"}]";

static json_t *fields(void)
{
	json_t *f = parse(FIELDS);
	char msg[DC_MSG];
	assert_int_equal(dc_fields_check(f, msg, sizeof(msg)), 0);
	return f;
}

static void periods(void **state)
{
	(void)state;
	assert_true(dc_period_ok("quarter", "2026-Q3"));
	assert_false(dc_period_ok("quarter", "2026-Q5"));
	assert_false(dc_period_ok("quarter", "2026-07"));
	assert_true(dc_period_ok("month", "2026-07"));
	assert_true(dc_period_ok("month", "2026-12"));
	assert_false(dc_period_ok("month", "2026-13"));
	assert_false(dc_period_ok("month", "2026-00"));
	assert_true(dc_period_ok("year", "2026"));
	assert_false(dc_period_ok("year", "26"));
	assert_false(dc_period_ok("week", "2026"));
}

static void expect_fields_error(const char *text, const char *want)
{
	json_t *f = parse(text);
	char msg[DC_MSG] = "";
	assert_int_equal(dc_fields_check(f, msg, sizeof(msg)), -1);
	assert_string_equal(msg, want);
	json_decref(f);
}

static void fields_are_checked(void **state)
{
	(void)state;
	json_t *f = fields();
	/* defaults filled in */
	assert_true(json_is_false(json_object_get(json_array_get(f, 1), "by_sex")));
	json_decref(f);
	expect_fields_error("{}", "fields: expected an array");
	expect_fields_error("[{\"key\":\"A\",\"label\":\"x\",\"type\":\"number\"}]",
			    "fields[0].key: expected 1-32 of a-z, 0-9 and _, starting with a letter");
	expect_fields_error("[{\"key\":\"a\",\"label\":\"x\",\"type\":\"number\"},"
			    "{\"key\":\"a\",\"label\":\"y\",\"type\":\"text\"}]",
			    "fields[1].key: \"a\" is used by another field");
	expect_fields_error("[{\"key\":\"a\",\"label\":\"\",\"type\":\"number\"}]",
			    "fields[0].label: expected a string of 1-200 bytes");
	expect_fields_error("[{\"key\":\"a\",\"label\":\"x\",\"type\":\"blob\"}]",
			    "fields[0].type: expected one of number, choice, text, date");
	expect_fields_error("[{\"key\":\"a\",\"label\":\"x\",\"type\":\"text\",\"by_sex\":true}]",
			    "fields[0].by_sex: only number fields have one");
	expect_fields_error("[{\"key\":\"a\",\"label\":\"x\",\"type\":\"number\",\"min\":5,"
			    "\"max\":1}]",
			    "fields[0].max: less than min");
	expect_fields_error("[{\"key\":\"a\",\"label\":\"x\",\"type\":\"choice\",\"options\":"
			    "[\"p\",\"p\"]}]",
			    "fields[0].options: \"p\" is listed twice");
	expect_fields_error("[{\"key\":\"a\",\"label\":\"x\",\"type\":\"number\",\"colour\":1}]",
			    "fields[0].colour: unknown member");
	expect_fields_error("[{\"key\":\"a\",\"label\":\"x\",\"type\":\"number\",\"integer\":1}]",
			    "fields[0].integer: expected true or false");
}

static void cells_of_a_field(void **state)
{
	(void)state;
	json_t *f = fields();
	json_t *c = dc_cells(json_array_get(f, 0));
	assert_int_equal(json_array_size(c), 9);
	assert_string_equal(json_string_value(json_array_get(c, 0)), "female,0-17");
	assert_string_equal(json_string_value(json_array_get(c, 8)), "other,60+");
	json_decref(c);
	c = dc_cells(json_array_get(f, 1));
	assert_int_equal(json_array_size(c), 0);
	json_decref(c);
	json_t *age = parse("{\"key\":\"a\",\"type\":\"number\",\"by_age\":true}");
	c = dc_cells(age);
	assert_int_equal(json_array_size(c), 3);
	assert_string_equal(json_string_value(json_array_get(c, 2)), "60+");
	json_decref(c);
	json_decref(age);
	json_decref(f);
}

static void expect_values(const char *values, const char *want)
{
	json_t *f = fields();
	json_t *v = parse(values);
	char msg[DC_MSG] = "";
	int rc = dc_values_check(f, v, msg, sizeof(msg));
	if (want) {
		assert_int_equal(rc, -1);
		assert_string_equal(msg, want);
	} else {
		if (rc)
			fail_msg("%s refused: %s", values, msg);
	}
	json_decref(v);
	json_decref(f);
}

static void values_name_the_field_and_the_cell(void **state)
{
	(void)state;
	expect_values("{\"budget\":10,\"arrivals\":{\"female,18-59\":3},\"route\":\"air\","
		      "\"comment\":\"ok\",\"as_of\":\"2024-02-29\"}",
		      NULL);
	expect_values("{\"budget\":10,\"arrivals\":{\"female,18-59\":-1}}",
		      "fields.arrivals[female,18-59]: must be a whole number \xe2\x89\xa5 0");
	expect_values("{\"budget\":10,\"arrivals\":{\"female,18-59\":2.5}}",
		      "fields.arrivals[female,18-59]: must be a whole number \xe2\x89\xa5 0");
	expect_values("{\"budget\":10,\"arrivals\":{\"girls\":2}}",
		      "fields.arrivals[girls]: not a cell of this field");
	expect_values("{}", "fields.budget: required");
	expect_values("{\"budget\":2000000}", "fields.budget: must be a number from 0 to 1e+06");
	expect_values("{\"budget\":\"5\"}", "fields.budget: must be a number from 0 to 1e+06");
	expect_values("{\"budget\":1,\"route\":\"sea\"}", "fields.route: expected one of land, air");
	expect_values("{\"budget\":1,\"comment\":\"toolong\"}", "fields.comment: at most 5 bytes");
	expect_values("{\"budget\":1,\"as_of\":\"2023-02-29\"}",
		      "fields.as_of: expected a date, YYYY-MM-DD");
	expect_values("{\"budget\":1,\"extra\":1}", "fields.extra: not a field of this form");
	expect_values("[]", "values: expected an object keyed by field");
}

/* Three organisations: A and B report every cell, C only female,18-59. */
static json_t *three_subs(void)
{
	return parse(
		"[{\"org\":\"A\",\"values\":{\"arrivals\":{\"female,0-17\":1,\"female,18-59\":2,"
		"\"male,18-59\":4},\"budget\":10,\"route\":\"land\",\"comment\":\"hi\"}},"
		"{\"org\":\"B\",\"values\":{\"arrivals\":{\"female,0-17\":10,\"female,18-59\":20,"
		"\"male,18-59\":40},\"budget\":30.5,\"route\":\"land\"}},"
		"{\"org\":\"C\",\"values\":{\"arrivals\":{\"female,18-59\":5},\"route\":\"air\"}}]");
}

static json_int_t ival(const json_t *o, const char *path1, const char *path2, const char *k)
{
	const json_t *x = json_object_get(o, path1);
	if (path2)
		x = json_object_get(x, path2);
	return json_integer_value(json_object_get(x, k));
}

static void aggregates_sum_cells_and_totals(void **state)
{
	(void)state;
	json_t *f = fields(), *subs = three_subs();
	json_t *agg = dc_aggregate(f, subs);
	assert_non_null(agg);
	assert_int_equal(json_integer_value(json_object_get(agg, "orgs")), 3);
	const json_t *arr = json_object_get(json_object_get(agg, "fields"), "arrivals");
	/* totals over organisations: A 7, B 70, C 5 */
	assert_int_equal(ival(arr, "total", NULL, "n"), 3);
	assert_int_equal(ival(arr, "total", NULL, "sum"), 82);
	assert_int_equal(ival(arr, "total", NULL, "min"), 5);
	assert_int_equal(ival(arr, "total", NULL, "max"), 70);
	assert_float_equal(json_real_value(json_object_get(json_object_get(arr, "total"), "mean")),
			   82.0 / 3, 1e-9);
	assert_int_equal(ival(arr, "cells", "female,18-59", "sum"), 27);
	assert_int_equal(ival(arr, "cells", "female,18-59", "n"), 3);
	assert_int_equal(ival(arr, "cells", "female,0-17", "n"), 2);
	assert_int_equal(ival(arr, "cells", "other,60+", "n"), 0);
	assert_true(json_is_null(
		json_object_get(json_object_get(json_object_get(arr, "cells"), "other,60+"), "sum")));
	assert_int_equal(ival(arr, "by_sex", "female", "sum"), 38);
	assert_int_equal(ival(arr, "by_sex", "female", "n"), 3);
	assert_int_equal(ival(arr, "by_sex", "male", "n"), 2);
	assert_int_equal(ival(arr, "by_age", "18-59", "sum"), 71);
	const json_t *budget = json_object_get(json_object_get(agg, "fields"), "budget");
	assert_float_equal(json_number_value(json_object_get(json_object_get(budget, "total"), "sum")),
			   40.5, 1e-9);
	assert_int_equal(ival(budget, "total", NULL, "n"), 2);
	const json_t *route = json_object_get(json_object_get(agg, "fields"), "route");
	assert_int_equal(ival(route, "counts", NULL, "land"), 2);
	assert_int_equal(ival(route, "counts", NULL, "air"), 1);
	assert_int_equal(ival(json_object_get(agg, "fields"), "comment", NULL, "n"), 1);
	json_decref(agg);
	json_decref(subs);
	json_decref(f);
}

static void releases_suppress_small_cells(void **state)
{
	(void)state;
	json_t *f = fields(), *subs = three_subs();
	json_t *agg = dc_aggregate(f, subs);
	json_t *rel = dc_release_view(f, agg, DC_MIN_CELL);
	const json_t *rf = json_object_get(rel, "fields");
	const json_t *arr = json_object_get(rf, "arrivals");
	/* three organisations: shown, without min and max */
	const json_t *total = json_object_get(arr, "total");
	assert_int_equal(json_integer_value(json_object_get(total, "sum")), 82);
	assert_null(json_object_get(total, "min"));
	assert_null(json_object_get(total, "max"));
	assert_non_null(json_object_get(total, "mean"));
	const json_t *cells = json_object_get(arr, "cells");
	assert_int_equal(json_integer_value(
				 json_object_get(json_object_get(cells, "female,18-59"), "sum")),
			 27);
	/* two organisations, or none: suppressed, no number at all */
	json_t *want = json_pack("{s:b}", "suppressed", 1);
	assert_true(json_equal(json_object_get(cells, "female,0-17"), want));
	assert_true(json_equal(json_object_get(cells, "other,60+"), want));
	assert_true(json_equal(json_object_get(json_object_get(arr, "by_sex"), "male"), want));
	assert_true(json_equal(json_object_get(json_object_get(rf, "budget"), "total"), want));
	/* choice: a count of one or two organisations is suppressed */
	const json_t *counts = json_object_get(json_object_get(rf, "route"), "counts");
	assert_true(json_equal(json_object_get(counts, "land"), want));
	assert_true(json_equal(json_object_get(counts, "air"), want));
	/* text and dates never leave */
	assert_null(json_object_get(rf, "comment"));
	assert_null(json_object_get(rf, "as_of"));
	assert_int_equal(json_integer_value(json_object_get(rel, "min_cell")), 3);
	/* the threshold is the parameter: with 2, female,0-17 shows */
	json_t *rel2 = dc_release_view(f, agg, 2);
	assert_int_equal(ival(json_object_get(json_object_get(rel2, "fields"), "arrivals"), "cells",
			      "female,0-17", "sum"),
			 11);
	json_decref(rel2);
	json_decref(want);
	json_decref(rel);
	json_decref(agg);
	json_decref(subs);
	json_decref(f);
}

/* One suppressed cell of a shown total could be worked out as the total
 * minus the other cells: the smallest other one is suppressed too. */
static void one_suppressed_cell_takes_another_with_it(void **state)
{
	(void)state;
	json_t *f = parse("[{\"key\":\"returns\",\"label\":\"Returns\",\"type\":\"number\","
			  "\"by_sex\":true},{\"key\":\"route\",\"label\":\"Route\","
			  "\"type\":\"choice\",\"options\":[\"land\",\"air\",\"sea\"]}]");
	char msg[DC_MSG];
	assert_int_equal(dc_fields_check(f, msg, sizeof(msg)), 0);
	/* four organisations: female and male from all, other from one */
	json_t *subs = parse(
		"[{\"org\":\"A\",\"values\":{\"returns\":{\"female\":5,\"male\":50,\"other\":2},"
		"\"route\":\"land\"}},"
		"{\"org\":\"B\",\"values\":{\"returns\":{\"female\":5,\"male\":50},\"route\":\"land\"}},"
		"{\"org\":\"C\",\"values\":{\"returns\":{\"female\":5,\"male\":50},\"route\":\"land\"}},"
		"{\"org\":\"D\",\"values\":{\"returns\":{\"female\":5,\"male\":50},\"route\":\"air\"}}]");
	json_t *agg = dc_aggregate(f, subs);
	json_t *rel = dc_release_view(f, agg, DC_MIN_CELL);
	const json_t *r = json_object_get(json_object_get(rel, "fields"), "returns");
	const json_t *cells = json_object_get(r, "cells");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "total"), "sum")),
			 222);
	assert_true(json_is_true(json_object_get(json_object_get(cells, "other"), "suppressed")));
	/* female (20) is smaller than male (200): suppressed with it */
	assert_true(json_is_true(json_object_get(json_object_get(cells, "female"), "suppressed")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(cells, "male"), "sum")),
			 200);
	/* choice: air (1) suppressed, so sea (0, the smallest shown) too; land stays */
	const json_t *counts = json_object_get(
		json_object_get(json_object_get(rel, "fields"), "route"), "counts");
	assert_true(json_is_true(json_object_get(json_object_get(counts, "air"), "suppressed")));
	assert_true(json_is_true(json_object_get(json_object_get(counts, "sea"), "suppressed")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(counts, "land"), "n")),
			 3);
	json_decref(rel);
	json_decref(agg);
	json_decref(subs);
	json_decref(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(periods),
		cmocka_unit_test(fields_are_checked),
		cmocka_unit_test(cells_of_a_field),
		cmocka_unit_test(values_name_the_field_and_the_cell),
		cmocka_unit_test(aggregates_sum_cells_and_totals),
		cmocka_unit_test(releases_suppress_small_cells),
		cmocka_unit_test(one_suppressed_cell_takes_another_with_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
