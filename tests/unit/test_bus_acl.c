/* Topic permission decisions and audience matching, as the bus applies them
 * to every recipient. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

static int calls;

/* "room:<ORG>" is visible to that organisation and to co-chairs only. */
static accord_status room_check(accord_plugin_ctx *p, const accord_principal *who,
				const char *topic, void *ud)
{
	(void)p;
	(void)ud;
	calls++;
	if (principal_role(who, "co_chair") || !strcmp(topic + 5, who->org))
		return ACCORD_OK;
	return ACCORD_E_FORBIDDEN; /* the bus must still answer not_found */
}

static struct accord_principal person(int64_t id, const char *org, int partner, const char *roles)
{
	struct accord_principal p;
	memset(&p, 0, sizeof(p));
	p.id = id;
	p.partner = partner;
	snprintf(p.org, sizeof(p.org), "%s", org);
	snprintf(p.roles, sizeof(p.roles), "%s", roles);
	return p;
}

static void topic_decisions(void **s)
{
	(void)s;
	server srv;
	memset(&srv, 0, sizeof(srv));
	srv.boot_ms = 1000;
	bus *b = bus_new(&srv);
	assert_int_equal(bus_register_prefix(b, "room", NULL, room_check, NULL), 0);
	assert_int_equal(bus_register_prefix(b, "room", NULL, room_check, NULL), -1);
	assert_int_equal(bus_register_prefix(b, "bad:prefix", NULL, room_check, NULL), -1);

	struct accord_principal iom = person(1, "IOM", 0, "co_chair,secretariat");
	struct accord_principal undp = person(2, "UNDP", 0, "");
	struct accord_principal mol = person(3, "MOL", 1, "");
	const struct {
		const struct accord_principal *who;
		const char *topic;
		accord_status want;
	} table[] = {
		{&undp, "room:UNDP", ACCORD_OK},
		{&undp, "room:UNHCR", ACCORD_E_NOT_FOUND},
		{&iom, "room:UNHCR", ACCORD_OK},
		{&mol, "room:MOL", ACCORD_OK},
		{&mol, "room:UNDP", ACCORD_E_NOT_FOUND},
		{&undp, "nothing:1", ACCORD_E_NOT_FOUND},
		{&undp, "bad topic", ACCORD_E_NOT_FOUND},
		{NULL, "room:UNDP", ACCORD_E_NOT_FOUND},
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (bus_check(b, table[i].who, table[i].topic) != table[i].want)
			fail_msg("row %zu (%s)", i, table[i].topic);
	bus_free(b);
}

static void audiences(void **s)
{
	(void)s;
	struct accord_principal iom = person(1, "IOM", 0, "co_chair,secretariat");
	struct accord_principal undp = person(2, "UNDP", 0, "");
	struct accord_principal mol = person(3, "MOL", 1, "");
	/* No audience, or one naming nobody: members only (partners are
	 * denied unless admitted explicitly). */
	struct accord_audience nobody = {0};
	assert_false(audience_matches(NULL, &mol));
	assert_true(audience_matches(NULL, &undp));
	assert_false(audience_matches(&nobody, &mol));
	assert_true(audience_matches(&nobody, &undp));
	struct accord_audience partners = {.partners = 1};
	assert_true(audience_matches(&partners, &mol));
	assert_false(audience_matches(&partners, &undp));
	struct accord_audience all = {.partners = 1, .members = 1};
	assert_true(audience_matches(&all, &mol));
	assert_true(audience_matches(&all, &undp));

	struct accord_audience members = {.members_only = 1};
	assert_true(audience_matches(&members, &undp));
	assert_false(audience_matches(&members, &mol));

	char *orgs[] = {"MOL"};
	struct accord_audience to_mol = {.n_orgs = 1, .orgs = orgs};
	assert_true(audience_matches(&to_mol, &mol));
	assert_false(audience_matches(&to_mol, &undp));

	char *roles[] = {"secretariat"};
	struct accord_audience secretariat = {.n_roles = 1, .roles = roles};
	assert_true(audience_matches(&secretariat, &iom));
	assert_false(audience_matches(&secretariat, &undp));

	int64_t users[] = {2};
	struct accord_audience one = {.n_users = 1, .users = users, .members_only = 1};
	assert_true(audience_matches(&one, &undp));
	assert_false(audience_matches(&one, &iom));

	struct accord_audience *copy = audience_copy(&to_mol);
	assert_true(audience_matches(copy, &mol));
	assert_false(audience_matches(copy, &iom));
	audience_destroy(copy);

	/* Released items admit the partners they are released to, looked up
	 * at each match: a withdrawal applies to kept audiences too. */
	struct accord_principal mfa = person(5, "MFA", 1, "");
	char *items[] = {"proposal:7"};
	struct accord_audience rel = {.n_items = 1, .items = items};
	assert_false(audience_matches(&rel, &mol));
	json_t *to = json_pack("[s]", "MOL");
	assert_int_equal(release_set("proposal:7", to), 0);
	json_decref(to);
	assert_true(audience_matches(&rel, &mol));
	assert_false(audience_matches(&rel, &mfa));
	assert_false(audience_matches(&rel, &undp)); /* members come by other terms */
	assert_true(permit_item(&undp, "proposal:7"));
	json_t *everyone = json_string("partners");
	assert_int_equal(release_set("proposal:7", everyone), 0);
	json_decref(everyone);
	assert_true(audience_matches(&rel, &mfa));
	assert_int_equal(release_set("proposal:7", json_null()), 0);
	assert_false(audience_matches(&rel, &mol));
	assert_false(audience_matches(&rel, &mfa));
	assert_false(permit_item(&mol, "proposal:7"));
	release_reset();

	/* role names match whole entries only */
	struct accord_principal chairish = person(4, "X", 0, "co_chairman");
	assert_false(principal_role(&chairish, "co_chair"));
	assert_true(principal_role(&iom, "secretariat"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(topic_decisions),
					   cmocka_unit_test(audiences)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
