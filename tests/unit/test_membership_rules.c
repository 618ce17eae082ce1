/* The membership permission rules as a role x action table, and the field
 * validators.  The expected answer of every cell is written here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rules.h"

static void role_action_table(void **s)
{
	(void)s;
	const unsigned roles[] = {
		0,                           /* nobody (no roles at all) */
		MR_MEMBER,                   /* a focal point of a member org */
		MR_MEMBER | MR_CO_CHAIR,     /* co-chair */
		MR_MEMBER | MR_SECRETARIAT,  /* secretariat */
		MR_MEMBER | MR_ADMIN,        /* admin */
		MR_PARTNER,                  /* partner */
		MR_PARTNER | MR_SECRETARIAT, /* a partner can never be promoted into the directory */
	};
	/* columns: READ_ORGS READ_PEOPLE PRESENCE EXPORT SAVE_ORG SAVE_PERSON DEACTIVATE INVITE AUDIT RESET_PASSWORD */
	const int want[7][MA__COUNT] = {
		{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, {1, 1, 1, 1, 0, 0, 0, 0, 0, 0},
		{1, 1, 1, 1, 0, 0, 0, 0, 0, 0}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
		{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		{0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
	};
	for (int r = 0; r < 7; r++)
		for (int a = 0; a < MA__COUNT; a++)
			if (members_allowed(roles[r], (enum maction)a) != want[r][a])
				fail_msg("roles row %d action %d: got %d", r, a,
					 members_allowed(roles[r], (enum maction)a));
	assert_false(members_allowed(MR_SECRETARIAT, MA__COUNT));
}

static void validators(void **s)
{
	(void)s;
	assert_true(members_valid_code("UNHCR"));
	assert_true(members_valid_code("DGC_UNIC"));
	assert_false(members_valid_code("unhcr"));
	assert_false(members_valid_code("A"));
	assert_false(members_valid_code("BAD CODE"));
	assert_false(members_valid_code(NULL));
	assert_true(members_valid_login("j.smith-2"));
	assert_false(members_valid_login("2smith"));
	assert_false(members_valid_login("Smith"));
	assert_false(members_valid_login("a"));
	assert_true(members_valid_kind("un_agency"));
	assert_false(members_valid_kind("agency"));
	assert_true(members_valid_standing("partner"));
	assert_false(members_valid_standing("observer"));
	assert_true(members_valid_function("alternate"));
	assert_false(members_valid_function("boss"));
	assert_true(members_valid_role("co_chair"));
	assert_false(members_valid_role("owner"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(role_action_table),
					   cmocka_unit_test(validators)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
