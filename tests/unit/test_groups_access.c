/* Who may act in a working group (plugins/groups/access.c): a table of
 * callers x decisions on one group, archived by hand and by end date, the
 * plugins the core asks about, and the visibility of posts and items.  The
 * expected answer of every cell is written here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "access.h"

/* Group 7: UNHCR leads, IOM is a member, NGO_X a partner organisation;
 * "actions" is enabled. */
static gmember members7[] = {
	{"UNHCR", 1, 0},
	{"IOM", 0, 0},
	{"NGO_X", 0, 1},
};
static char plugins7[][33] = {"actions"};
static group g7 = {7, 0, 0, "", members7, 3, plugins7, 1};

enum {
	SEES,
	SEES_INTERNAL,
	MANAGES,
	THING_SHARED,
	THING_INTERNAL,
	ALLOWS,
	ALLOWS_ACTIONS,
	ALLOWS_OTHER,
	N_DECISIONS
};

static int decide(const group *g, const gwho *w, int d)
{
	switch (d) {
	case SEES: return access__sees(g, w);
	case SEES_INTERNAL: return access__sees_internal(g, w);
	case MANAGES: return access__manages(g, w);
	case THING_SHARED: return access__sees_thing(g, w, 1);
	case THING_INTERNAL: return access__sees_thing(g, w, 0);
	case ALLOWS: return access__allows(g, w, NULL);
	case ALLOWS_ACTIONS: return access__allows(g, w, "actions");
	default: return access__allows(g, w, "polls");
	}
}

static void caller_decision_table(void **s)
{
	(void)s;
	const gwho callers[] = {
		{"UNHCR", 0, 0}, /* a person of the lead organisation */
		{"IOM", 0, 0},   /* a person of a member organisation */
		{"NGO_X", 1, 0}, /* a person of the group's partner organisation */
		{"WFP", 0, 0},   /* a member of the network outside the group */
		{"WFP", 0, 1},   /* a co-chair or the secretariat, outside the group */
		{"NGO_Y", 1, 0}, /* a partner outside the group */
		{"", 0, 0},      /* no organisation */
	};
	/* columns: SEES SEES_INTERNAL MANAGES THING_SHARED THING_INTERNAL ALLOWS ALLOWS_ACTIONS ALLOWS_OTHER */
	const int want[][N_DECISIONS] = {
		{1, 1, 1, 1, 1, 1, 1, 0}, {1, 1, 0, 1, 1, 1, 1, 0}, {1, 0, 0, 1, 0, 1, 1, 0},
		{0, 0, 0, 0, 0, 0, 0, 0}, {1, 1, 1, 1, 1, 1, 1, 0}, {0, 0, 0, 0, 0, 0, 0, 0},
		{0, 0, 0, 0, 0, 0, 0, 0},
	};
	for (size_t c = 0; c < sizeof(callers) / sizeof(callers[0]); c++)
		for (int d = 0; d < N_DECISIONS; d++)
			if (decide(&g7, &callers[c], d) != want[c][d])
				fail_msg("caller %zu decision %d: got %d", c, d,
					 decide(&g7, &callers[c], d));
}

/* Nobody reaches a group that is not there, and nobody is nobody. */
static void missing_group_or_caller(void **s)
{
	(void)s;
	const gwho chair = {"WFP", 0, 1};
	for (int d = 0; d < N_DECISIONS; d++) {
		assert_int_equal(decide(NULL, &chair, d), 0);
		assert_int_equal(decide(&g7, NULL, d), 0);
	}
	assert_null(access__member(NULL, "UNHCR"));
	assert_null(access__member(&g7, NULL));
	assert_null(access__member(&g7, "UNHC")); /* whole codes only */
	assert_ptr_equal(access__member(&g7, "IOM"), &members7[1]);
}

/* A lead organisation whose standing is partner does not manage (the
 * plugin refuses to make one, but the copy says what the table says). */
static void partner_lead_does_not_manage(void **s)
{
	(void)s;
	gmember m[] = {{"NGO_X", 1, 1}};
	group g = {8, 0, 0, "", m, 1, NULL, 0};
	const gwho ngo = {"NGO_X", 1, 0};
	assert_true(access__sees(&g, &ngo));
	assert_false(access__manages(&g, &ngo));
	assert_false(access__allows(&g, &ngo, "actions")); /* no plugin enabled */
}

static void archived_by_hand_and_by_end_date(void **s)
{
	(void)s;
	group g = g7;
	assert_false(access__archived(&g, "2026-06-01"));
	g.archived = 1;
	assert_true(access__archived(&g, "2026-06-01"));

	group adhoc = g7;
	adhoc.ad_hoc = 1;
	strcpy(adhoc.end_date, "2026-06-30");
	assert_false(access__archived(&adhoc, "2026-06-29"));
	assert_false(access__archived(&adhoc, "2026-06-30")); /* the end date is a working day */
	assert_true(access__archived(&adhoc, "2026-07-01"));
	assert_true(access__archived(&adhoc, "2027-01-01"));
	adhoc.end_date[0] = 0; /* an ad-hoc group without an end date stays open */
	assert_false(access__archived(&adhoc, "2099-12-31"));

	group permanent = g7; /* an end date means nothing to a permanent group */
	strcpy(permanent.end_date, "2020-01-01");
	assert_false(access__archived(&permanent, "2026-06-01"));
}

static void visibility(void **s)
{
	(void)s;
	int shared = -1, forbidden = -1;
	assert_null(access__visibility(NULL, 0, &shared, &forbidden));
	assert_int_equal(shared, 0); /* a member's default: internal */
	assert_null(access__visibility("", 1, &shared, &forbidden));
	assert_int_equal(shared, 1); /* a partner's default: shared */
	assert_null(access__visibility("shared", 0, &shared, &forbidden));
	assert_int_equal(shared, 1);
	assert_null(access__visibility("internal", 0, &shared, &forbidden));
	assert_int_equal(shared, 0);

	assert_string_equal(access__visibility("public", 0, &shared, &forbidden),
			    "visibility: internal or shared");
	assert_int_equal(forbidden, 0);
	assert_string_equal(access__visibility("Shared", 1, &shared, &forbidden),
			    "visibility: internal or shared");
	assert_int_equal(forbidden, 0);
	assert_string_equal(access__visibility("internal", 1, &shared, &forbidden),
			    "partners post shared items only");
	assert_int_equal(forbidden, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(caller_decision_table),
		cmocka_unit_test(missing_group_or_caller),
		cmocka_unit_test(partner_lead_does_not_manage),
		cmocka_unit_test(archived_by_hand_and_by_end_date),
		cmocka_unit_test(visibility),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
