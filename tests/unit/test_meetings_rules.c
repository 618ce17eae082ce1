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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(time_zones),
		cmocka_unit_test(times_and_links),
		cmocka_unit_test(meeting_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
