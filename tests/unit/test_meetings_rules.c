/* The meetings plugin's pure checks (plugins/meetings/rules.c, compiled
 * in): time zone names, times, links, and the rules of a meeting's times,
 * place and link, each with the message a refusal answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "rules.h"

#define NOW ((int64_t)1800000000000)
#define HOUR ((int64_t)3600 * 1000)

static void time_zones(void **s)
{
	(void)s;
	const char *good[] = {"Asia/Almaty", "UTC", "America/Argentina/Buenos_Aires", "Etc/GMT+5",
			      "America/Port-au-Prince"};
	const char *bad[] = {"",
			     "/Asia",
			     "Asia/",
			     "Asia/Almaty; DROP",
			     "Asia/../etc",
			     "Asia Almaty",
			     "A234567890123456789012345678901234567890123456789012345678901234567"};
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		json_t *v = json_string(good[i]);
		assert_null(rules__tz(v));
		json_decref(v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		json_t *v = json_string(bad[i]);
		assert_string_equal(rules__tz(v), "expected a time zone name, e.g. \"Asia/Almaty\"");
		json_decref(v);
	}
	json_t *n = json_integer(5);
	assert_non_null(rules__tz(n));
	json_decref(n);
}

static void times_and_links(void **s)
{
	(void)s;
	json_t *t = json_integer(NOW), *z = json_integer(0), *str = json_string("tomorrow");
	assert_null(rules__time(t));
	assert_non_null(rules__time(z));
	assert_non_null(rules__time(str));
	json_decref(t);
	json_decref(z);
	json_decref(str);
	const char *good[] = {"https://meet.example.org/q2", "http://10.0.0.1/room"};
	const char *bad[] = {"javascript:alert(1)", "ftp://x", "https://a b", "meet.example.org"};
	for (size_t i = 0; i < 2; i++) {
		json_t *v = json_string(good[i]);
		assert_null(rules__url(v));
		json_decref(v);
	}
	for (size_t i = 0; i < 4; i++) {
		json_t *v = json_string(bad[i]);
		assert_string_equal(rules__url(v), "expected an http:// or https:// link");
		json_decref(v);
	}
}

static void meeting_rules(void **s)
{
	(void)s;
	struct {
		int64_t starts, ends, cutoff;
		const char *mode, *location, *url, *says;
	} cases[] = {
		{NOW + HOUR, 0, 0, "in_person", "Astana", NULL, NULL},
		{NOW + HOUR, NOW + 3 * HOUR, NOW, "hybrid", "Astana", "https://x", NULL},
		{NOW + HOUR, 0, 0, "online", "", "https://x", NULL},
		{NOW, 0, 0, "in_person", "Astana", NULL, "starts_at: must be in the future"},
		{NOW - HOUR, 0, 0, "in_person", "Astana", NULL, "starts_at: must be in the future"},
		{NOW + HOUR, NOW + HOUR, 0, "in_person", "Astana", NULL,
		 "ends_at: must be after starts_at"},
		{NOW + HOUR, NOW + 8 * 24 * HOUR, 0, "in_person", "Astana", NULL,
		 "ends_at: a meeting lasts at most 7 days"},
		{NOW + HOUR, 0, NOW + HOUR, "in_person", "Astana", NULL,
		 "agenda_cutoff_at: must be before starts_at"},
		{NOW + HOUR, 0, 0, "online", "", NULL,
		 "online_url: required for an online or hybrid meeting"},
		{NOW + HOUR, 0, 0, "hybrid", "Astana", NULL,
		 "online_url: required for an online or hybrid meeting"},
		{NOW + HOUR, 0, 0, "in_person", "", NULL,
		 "location: required for a meeting held in person or hybrid"},
		{NOW + HOUR, 0, 0, "hybrid", "", "https://x",
		 "location: required for a meeting held in person or hybrid"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		json_t *m = json_pack("{s:I,s:s,s:s}", "starts_at", (json_int_t)cases[i].starts,
				      "mode", cases[i].mode, "location", cases[i].location);
		if (cases[i].ends)
			json_object_set_new(m, "ends_at", json_integer(cases[i].ends));
		if (cases[i].cutoff)
			json_object_set_new(m, "agenda_cutoff_at", json_integer(cases[i].cutoff));
		if (cases[i].url)
			json_object_set_new(m, "online_url", json_string(cases[i].url));
		const char *got = rules__meeting(m, NOW);
		if (cases[i].says)
			assert_string_equal(got, cases[i].says);
		else
			assert_null(got);
		json_decref(m);
	}
}

/* The rule of representation shared by the live indicator and the
 * meetings held (accord.meetings). */
static void quorum_rule(void **s)
{
	(void)s;
	json_t *inv = json_loads("[{\"org\":\"IOM\",\"required\":true},"
				 "{\"org\":\"MOL\",\"required\":false},"
				 "{\"org\":\"UNDP\",\"required\":true},"
				 "{\"org\":\"UNHCR\",\"required\":true}]",
				 0, NULL);
	json_t *present = json_loads("[\"IOM\",\"MOL\",\"UNDP\"]", 0, NULL);
	json_t *all = json_string("all_required"), *two = json_integer(2), *four = json_integer(4);
	json_t *q = rules__quorum(inv, present, all);
	assert_non_null(q);
	json_t *want = json_loads("{\"required\":[\"IOM\",\"UNDP\",\"UNHCR\"],"
				  "\"missing_required\":[\"UNHCR\"],\"quorum\":{\"rule\":"
				  "\"all_required\",\"met\":false,\"present_required\":2,"
				  "\"required\":3}}",
				  0, NULL);
	assert_true(json_equal(q, want));
	json_decref(q);
	json_decref(want);
	q = rules__quorum(inv, present, two); /* two required present: met */
	assert_true(json_is_true(json_object_get(json_object_get(q, "quorum"), "met")));
	json_decref(q);
	q = rules__quorum(inv, present, four);
	assert_true(json_is_false(json_object_get(json_object_get(q, "quorum"), "met")));
	json_decref(q);
	json_t *none = json_array(); /* nobody: all missing; no invitee: met */
	q = rules__quorum(inv, none, all);
	assert_int_equal(json_array_size(json_object_get(q, "missing_required")), 3);
	json_decref(q);
	q = rules__quorum(none, none, all);
	assert_true(json_is_true(json_object_get(json_object_get(q, "quorum"), "met")));
	json_decref(q);
	json_decref(none);
	json_decref(inv);
	json_decref(present);
	json_decref(all);
	json_decref(two);
	json_decref(four);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(time_zones),
		cmocka_unit_test(times_and_links),
		cmocka_unit_test(meeting_rules),
		cmocka_unit_test(quorum_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
