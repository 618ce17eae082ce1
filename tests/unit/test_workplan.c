/* The pure rules of the workplan plugin (plugins/workplan/rules.c,
 * compiled in): quarters, calendar days, indicator values of a type, how
 * far a value went towards its target, SDG codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "rules.h"

static void quarters(void **state)
{
	(void)state;
	char s[11], e[11];
	assert_int_equal(wp_quarter("2027-Q1", s, e), 0);
	assert_string_equal(s, "2027-01-01");
	assert_string_equal(e, "2027-03-31");
	assert_int_equal(wp_quarter("2027-Q4", s, e), 0);
	assert_string_equal(s, "2027-10-01");
	assert_string_equal(e, "2027-12-31");
	const char *bad[] = {"2027-Q5",  "2027-Q0", "2027Q1", "27-Q1", "2027-q1",
			     "2027-Q12", "abcd-Q1", "",       NULL};
	for (int i = 0; bad[i]; i++)
		assert_int_equal(wp_quarter(bad[i], s, e), -1);
	assert_int_equal(wp_quarter(NULL, s, e), -1);
}

static void days(void **state)
{
	(void)state;
	assert_int_equal(wp_days("1970-01-01"), 0);
	assert_int_equal(wp_days("2000-03-01") - wp_days("2000-02-28"), 2); /* 2000 is a leap year */
	assert_int_equal(wp_days("2100-03-01") - wp_days("2100-02-28"), 1); /* 2100 is not */
	assert_int_equal(wp_days("2028-01-30") - wp_days("2027-12-31"), 30);
	char out[11];
	wp_date(wp_days("2027-03-31") + 30, out);
	assert_string_equal(out, "2027-04-30");
	wp_date(wp_days("2028-02-28") + 1, out);
	assert_string_equal(out, "2028-02-29");
	wp_date(0, out);
	assert_string_equal(out, "1970-01-01");
}

static void values_of_a_type(void **state)
{
	(void)state;
	json_t *i = json_integer(3), *r = json_real(2.5), *s = json_string("3"),
	       *big = json_real(120);
	assert_null(wp_value_problem("integer", i));
	assert_string_equal(wp_value_problem("integer", r), "expected an integer");
	assert_string_equal(wp_value_problem("integer", s), "expected an integer");
	assert_null(wp_value_problem("number", i));
	assert_null(wp_value_problem("number", r));
	assert_string_equal(wp_value_problem("number", s), "expected a number");
	assert_null(wp_value_problem("percent", r));
	assert_string_equal(wp_value_problem("percent", big), "expected a percentage from 0 to 100");
	assert_string_equal(wp_value_problem("percent", json_null()), "expected a number");
	json_decref(i);
	json_decref(r);
	json_decref(s);
	json_decref(big);
}

static void reached(void **state)
{
	(void)state;
	json_t *v4 = json_integer(4), *t10 = json_integer(10), *b0 = json_integer(0),
	       *b2 = json_integer(2);
	json_t *v20 = json_integer(20), *v1 = json_integer(1), *t2 = json_integer(2);
	assert_int_equal(wp_reached(v4, b0, t10), 40);
	assert_int_equal(wp_reached(v4, NULL, t10), 40); /* no baseline: from 0 */
	assert_int_equal(wp_reached(v4, b2, t10), 25);   /* (4-2)/(10-2) */
	assert_int_equal(wp_reached(v20, b0, t10), 100); /* beyond the target */
	assert_int_equal(wp_reached(v1, b2, t10), 0);    /* below the baseline */
	assert_int_equal(wp_reached(NULL, b0, t10), -1); /* no value yet */
	assert_int_equal(wp_reached(v4, b0, NULL), -1);  /* no target */
	assert_int_equal(wp_reached(t2, b2, t2), 100);   /* target = baseline, reached */
	assert_int_equal(wp_reached(v4, b2, t2), -1);    /* target = baseline, not that */
	/* a decreasing target: from 10 down to 2, now 4 */
	assert_int_equal(wp_reached(v4, t10, t2), 75);
	json_decref(v4);
	json_decref(t10);
	json_decref(b0);
	json_decref(b2);
	json_decref(v20);
	json_decref(v1);
	json_decref(t2);
}

static void sdg_codes(void **state)
{
	(void)state;
	const char *good[] = {"1", "10", "17", "10.7", "10.c", "17.18", "5.2", NULL};
	for (int i = 0; good[i]; i++)
		assert_null(wp_sdg_code_problem(good[i]));
	const char *bad[] = {"0", "18", "99.1", "10.", "10.7.1", "10.C", "10.123",
			     "x", "",   "+5",   "05",  " 5",     "10-7", NULL};
	for (int i = 0; bad[i]; i++)
		assert_non_null(wp_sdg_code_problem(bad[i]));
	assert_non_null(wp_sdg_code_problem(NULL));
}

/* Values as a REAL column gives them back, against a (new) type. */
static void stored_values(void **state)
{
	(void)state;
	json_t *four = json_real(4.0), *half = json_real(2.5), *big = json_real(150.0);
	json_t *i = json_integer(7), *null = json_null();
	assert_null(wp_stored_problem("integer", four));
	assert_string_equal(wp_stored_problem("integer", half), "expected an integer");
	assert_null(wp_stored_problem("integer", i));
	assert_null(wp_stored_problem("number", half));
	assert_null(wp_stored_problem("percent", four));
	assert_string_equal(wp_stored_problem("percent", big), "expected a percentage from 0 to 100");
	assert_null(wp_stored_problem("integer", null));
	assert_null(wp_stored_problem("integer", NULL));
	json_decref(four);
	json_decref(half);
	json_decref(big);
	json_decref(i);
	json_decref(null);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(quarters),         cmocka_unit_test(days),
		cmocka_unit_test(values_of_a_type), cmocka_unit_test(reached),
		cmocka_unit_test(sdg_codes),        cmocka_unit_test(stored_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
