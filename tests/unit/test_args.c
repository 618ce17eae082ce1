/*
 * The declarative argument checks of the plugin SDK (include/accord/args.h):
 * every type, the bounds, missing, null and unknown fields, array entries,
 * the plugin's own checks, and the exact message of each failure, which is
 * what a client reads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <accord/args.h>

/* Checks data (JSON text) against spec; returns the message, or "" when
 * it passed. */
static const char *run(const accord_arg *spec, const char *data, int strict)
{
	static char msg[ACCORD_ARGS_MSG];
	json_error_t e;
	json_t *d = data ? json_loads(data, JSON_DECODE_ANY, &e) : NULL;
	assert_true(!data || d);
	msg[0] = 0;
	int rc = accord_args_check(spec, d, strict, msg, sizeof(msg));
	json_decref(d);
	assert_int_equal(rc, msg[0] ? -1 : 0);
	return msg;
}

static const char *const STATUSES[] = {"open", "in_progress", "done", NULL};

static const accord_arg strings[] = {
	{.name = "title", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 10},
	{.name = "code", .type = ACCORD_ARG_STRING, .min = 2, .max = 4},
	{.name = "note", .type = ACCORD_ARG_STRING},
	{.name = "status", .type = ACCORD_ARG_STRING, .one_of = STATUSES},
	{0}};

static void test_string(void **s)
{
	(void)s;
	assert_string_equal(run(strings, "{\"title\": \"ok\"}", 0), "");
	assert_string_equal(run(strings, "{}", 0), "title: required");
	assert_string_equal(run(strings, NULL, 0), "title: required");
	assert_string_equal(run(strings, "{\"title\": null}", 0), "title: expected a string");
	assert_string_equal(run(strings, "{\"title\": 5}", 0), "title: expected a string");
	assert_string_equal(run(strings, "{\"title\": \"\"}", 0), "title: must not be empty");
	assert_string_equal(run(strings, "{\"title\": \"0123456789\"}", 0), "");
	assert_string_equal(run(strings, "{\"title\": \"0123456789x\"}", 0),
			    "title: at most 10 bytes");
	/* bytes, not characters: five two-byte letters fill ten bytes */
	assert_string_equal(
		run(strings, "{\"title\": \"\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\"}", 0), "");
	assert_string_equal(run(strings,
				"{\"title\": \"\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0x\"}", 0),
			    "title: at most 10 bytes");
	assert_string_equal(run(strings, "{\"title\": \"t\", \"code\": \"A\"}", 0),
			    "code: at least 2 bytes");
	assert_string_equal(run(strings, "{\"title\": \"t\", \"code\": \"ABCDE\"}", 0),
			    "code: at most 4 bytes");
	assert_string_equal(run(strings, "{\"title\": \"t\", \"code\": \"ABCD\"}", 0), "");
	/* no bounds: any length, empty too */
	assert_string_equal(run(strings, "{\"title\": \"t\", \"note\": \"\"}", 0), "");
	assert_string_equal(run(strings, "{\"title\": \"t\", \"note\": [\"x\"]}", 0),
			    "note: expected a string");
	assert_string_equal(run(strings, "{\"title\": \"t\", \"status\": \"done\"}", 0), "");
	assert_string_equal(run(strings, "{\"title\": \"t\", \"status\": \"finished\"}", 0),
			    "status: expected one of open, in_progress, done");
}

static const accord_arg numbers[] = {{.name = "ttl", .type = ACCORD_ARG_INT, .min = 1, .max = 720},
				     {.name = "any", .type = ACCORD_ARG_INT},
				     {.name = "id", .type = ACCORD_ARG_ID},
				     {.name = "flag", .type = ACCORD_ARG_BOOL},
				     {0}};

static void test_int_id_bool(void **s)
{
	(void)s;
	assert_string_equal(run(numbers, "{}", 0), "");
	assert_string_equal(run(numbers, "{\"ttl\": 1, \"any\": -5, \"id\": 1, \"flag\": false}", 0),
			    "");
	assert_string_equal(run(numbers, "{\"ttl\": 720}", 0), "");
	assert_string_equal(run(numbers, "{\"ttl\": 0}", 0),
			    "ttl: expected an integer from 1 to 720");
	assert_string_equal(run(numbers, "{\"ttl\": 721}", 0),
			    "ttl: expected an integer from 1 to 720");
	assert_string_equal(run(numbers, "{\"ttl\": 1.5}", 0), "ttl: expected an integer");
	assert_string_equal(run(numbers, "{\"ttl\": \"5\"}", 0), "ttl: expected an integer");
	assert_string_equal(run(numbers, "{\"any\": -9000000000}", 0), "");
	assert_string_equal(run(numbers, "{\"id\": 0}", 0), "id: expected a positive integer id");
	assert_string_equal(run(numbers, "{\"id\": -3}", 0), "id: expected a positive integer id");
	assert_string_equal(run(numbers, "{\"id\": \"12\"}", 0),
			    "id: expected a positive integer id");
	assert_string_equal(run(numbers, "{\"flag\": 1}", 0), "flag: expected true or false");
	assert_string_equal(run(numbers, "{\"flag\": \"true\"}", 0), "flag: expected true or false");
	assert_string_equal(run(numbers, "{\"flag\": true}", 0), "");
}

static const accord_arg dates[] = {
	{.name = "due", .type = ACCORD_ARG_DATE, .flags = ACCORD_ARG_REQUIRED},
	{0}};

static void test_date(void **s)
{
	(void)s;
	assert_string_equal(run(dates, "{\"due\": \"2030-01-31\"}", 0), "");
	assert_string_equal(run(dates, "{\"due\": \"2024-02-29\"}", 0), ""); /* leap year */
	assert_string_equal(run(dates, "{\"due\": \"2000-02-29\"}", 0), ""); /* 400 */
	assert_string_equal(run(dates, "{\"due\": \"2023-02-29\"}", 0),
			    "due: expected a date, YYYY-MM-DD");
	assert_string_equal(run(dates, "{\"due\": \"1900-02-29\"}", 0),
			    "due: expected a date, YYYY-MM-DD");
	assert_string_equal(run(dates, "{\"due\": \"2030-04-31\"}", 0),
			    "due: expected a date, YYYY-MM-DD");
	assert_string_equal(run(dates, "{\"due\": \"2030-13-01\"}", 0),
			    "due: expected a date, YYYY-MM-DD");
	assert_string_equal(run(dates, "{\"due\": \"2030-00-10\"}", 0),
			    "due: expected a date, YYYY-MM-DD");
	assert_string_equal(run(dates, "{\"due\": \"31/12/2030\"}", 0),
			    "due: expected a date, YYYY-MM-DD");
	assert_string_equal(run(dates, "{\"due\": \"2030-1-01\"}", 0),
			    "due: expected a date, YYYY-MM-DD");
	assert_string_equal(run(dates, "{\"due\": 20300101}", 0), "due: expected a date, YYYY-MM-DD");
	assert_string_equal(run(dates, "{}", 0), "due: required");
}

static const accord_arg code_each = {.type = ACCORD_ARG_STRING, .min = 2, .max = 4};
static const accord_arg arrays[] = {
	{.name = "to",
	 .type = ACCORD_ARG_ARRAY,
	 .flags = ACCORD_ARG_REQUIRED | ACCORD_ARG_DISTINCT,
	 .min = 1,
	 .max = 3,
	 .each = &code_each},
	{.name = "ids", .type = ACCORD_ARG_ARRAY, .flags = ACCORD_ARG_DISTINCT, .min = 2},
	{.name = "meta", .type = ACCORD_ARG_OBJECT},
	{0}};

static void test_array_object(void **s)
{
	(void)s;
	assert_string_equal(run(arrays, "{\"to\": [\"MOL\", \"CSO\"]}", 0), "");
	assert_string_equal(run(arrays, "{\"to\": \"MOL\"}", 0), "to: expected an array");
	assert_string_equal(run(arrays, "{\"to\": []}", 0), "to: must not be empty");
	assert_string_equal(run(arrays, "{\"to\": [\"AA\", \"BB\", \"CC\", \"DD\"]}", 0),
			    "to: at most 3 entries");
	assert_string_equal(run(arrays, "{\"to\": [\"AA\", \"BBBBB\"]}", 0),
			    "to[1]: at most 4 bytes");
	assert_string_equal(run(arrays, "{\"to\": [\"AA\", 7]}", 0), "to[1]: expected a string");
	assert_string_equal(run(arrays, "{\"to\": [\"MOL\", \"MOL\"]}", 0),
			    "to: \"MOL\" is listed twice");
	assert_string_equal(run(arrays, "{\"to\": [\"AA\"], \"ids\": [1]}", 0),
			    "ids: at least 2 entries");
	assert_string_equal(run(arrays, "{\"to\": [\"AA\"], \"ids\": [4, 4]}", 0),
			    "ids: 4 is listed twice");
	assert_string_equal(run(arrays, "{\"to\": [\"AA\"], \"ids\": [[1], [1]]}", 0),
			    "ids: entry 1 repeats entry 0");
	/* no .each: entries of any type */
	assert_string_equal(run(arrays, "{\"to\": [\"AA\"], \"ids\": [1, \"x\", null]}", 0), "");
	assert_string_equal(run(arrays, "{\"to\": [\"AA\"], \"meta\": {}}", 0), "");
	assert_string_equal(run(arrays, "{\"to\": [\"AA\"], \"meta\": []}", 0),
			    "meta: expected an object");
}

static const char *item_check(const json_t *v)
{
	const char *s = json_string_value(v);
	return s && strchr(s, ':') ? NULL : "a \"<kind>:<id>\"";
}

static const char *partners_or_list(const json_t *v)
{
	return (json_is_string(v) && !strcmp(json_string_value(v), "partners")) || json_is_array(v)
		       ? NULL
		       : "\"partners\" or a list";
}

static const accord_arg checks[] = {
	{.name = "item",
	 .type = ACCORD_ARG_STRING,
	 .flags = ACCORD_ARG_REQUIRED,
	 .max = 20,
	 .check = item_check},
	{.name = "to", .type = ACCORD_ARG_ANY, .check = partners_or_list},
	{.name = "about",
	 .type = ACCORD_ARG_STRING,
	 .flags = ACCORD_ARG_NULL_OK,
	 .check = item_check,
	 .says = "optional \"<kind>:<id>\" of a released item"},
	{.name = "basis", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_NULL_OK},
	{0}};

static void test_check_says_null(void **s)
{
	(void)s;
	assert_string_equal(run(checks, "{\"item\": \"post:1\"}", 0), "");
	/* the plugin's check runs after the type and bounds */
	assert_string_equal(run(checks, "{\"item\": \"post\"}", 0), "item: a \"<kind>:<id>\"");
	assert_string_equal(run(checks, "{\"item\": \"post:123456789012345678\"}", 0),
			    "item: at most 20 bytes");
	assert_string_equal(run(checks, "{\"item\": \"p:1\", \"to\": \"partners\"}", 0), "");
	assert_string_equal(run(checks, "{\"item\": \"p:1\", \"to\": [\"MOL\"]}", 0), "");
	assert_string_equal(run(checks, "{\"item\": \"p:1\", \"to\": 4}", 0),
			    "to: \"partners\" or a list");
	/* says: every failure of the field has the one wording */
	const char *says = "about: optional \"<kind>:<id>\" of a released item";
	assert_string_equal(run(checks, "{\"item\": \"p:1\", \"about\": 4}", 0), says);
	assert_string_equal(run(checks, "{\"item\": \"p:1\", \"about\": \"nonsense\"}", 0), says);
	/* NULL_OK: null is absent; without it null is a wrong type */
	assert_string_equal(run(checks, "{\"item\": \"p:1\", \"about\": null, \"basis\": null}", 0),
			    "");
	assert_string_equal(run(checks, "{\"item\": \"p:1\", \"basis\": 0}", 0),
			    "basis: expected a positive integer id");
	assert_string_equal(run(checks, "{\"item\": null}", 0), "item: expected a string");
}

static const accord_arg says_required[] = {
	{.name = "item",
	 .type = ACCORD_ARG_STRING,
	 .flags = ACCORD_ARG_REQUIRED | ACCORD_ARG_NULL_OK,
	 .check = item_check,
	 .says = "required \"<kind>:<id>\""},
	{.name = "to", .type = ACCORD_ARG_ARRAY, .each = &code_each, .says = "a list of codes"},
	{0}};

static void test_says_required_and_entries(void **s)
{
	(void)s;
	assert_string_equal(run(says_required, "{}", 0), "item: required \"<kind>:<id>\"");
	assert_string_equal(run(says_required, "{\"item\": null}", 0),
			    "item: required \"<kind>:<id>\"");
	/* an entry's failure says the field's wording, under the field's name */
	assert_string_equal(run(says_required, "{\"item\": \"a:1\", \"to\": [\"A\"]}", 0),
			    "to: a list of codes");
}

static void test_order_unknown_and_shape(void **s)
{
	(void)s;
	/* the table's order decides which failure is told */
	assert_string_equal(run(strings, "{\"code\": \"A\"}", 0), "title: required");
	/* unknown fields: let through, unless strict */
	assert_string_equal(run(strings, "{\"title\": \"t\", \"colour\": 1}", 0), "");
	assert_string_equal(run(strings, "{\"title\": \"t\", \"colour\": 1}", 1),
			    "colour: unknown field");
	assert_string_equal(run(strings, "{\"title\": \"t\", \"note\": \"n\"}", 1), "");
	/* an empty table takes everything, and refuses everything when strict */
	static const accord_arg none[] = {{0}};
	assert_string_equal(run(none, "{\"x\": 1}", 0), "");
	assert_string_equal(run(none, "{\"x\": 1}", 1), "x: unknown field");
	assert_string_equal(run(none, NULL, 1), "");
	/* data that is not an object */
	assert_string_equal(run(strings, "[1]", 0), "data: expected an object");
	/* a long field name is cut, the message still fits */
	char msg[40];
	assert_int_equal(accord_arg_message(msg, sizeof(msg), "a_very_long_field_name_indeed", NULL,
					    "at most %d bytes", 5),
			 -1);
	assert_string_equal(msg, "a_very_long_field_name_indeed: at most ");
}

static void test_pick(void **s)
{
	(void)s;
	json_t *d = json_loads("{\"item\": \"p:1\", \"about\": null, \"basis\": 3, \"extra\": true,"
			       " \"to\": [\"MOL\"]}",
			       0, NULL);
	json_t *in = accord_args_pick(checks, d);
	assert_non_null(in);
	/* the named fields it has, a null taken as absent left out, no extra */
	assert_int_equal(json_object_size(in), 3);
	assert_string_equal(json_string_value(json_object_get(in, "item")), "p:1");
	assert_int_equal(json_integer_value(json_object_get(in, "basis")), 3);
	assert_null(json_object_get(in, "about"));
	assert_null(json_object_get(in, "extra"));
	/* copies, not the request's own values */
	assert_ptr_not_equal(json_object_get(in, "to"), json_object_get(d, "to"));
	assert_true(json_equal(json_object_get(in, "to"), json_object_get(d, "to")));
	json_decref(in);
	json_decref(d);
	in = accord_args_pick(checks, NULL);
	assert_int_equal(json_object_size(in), 0);
	json_decref(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_string),
		cmocka_unit_test(test_int_id_bool),
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_array_object),
		cmocka_unit_test(test_check_says_null),
		cmocka_unit_test(test_says_required_and_entries),
		cmocka_unit_test(test_order_unknown_and_shape),
		cmocka_unit_test(test_pick),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
