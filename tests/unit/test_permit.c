/* The core's permission decisions (core/permit.c) as tables: principals
 * (member, co-chair, partner, anonymous) against requests, group-scoped
 * requests, topics, audiences, released items, HTTP routes and /metrics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "permit.h"

static struct accord_principal person(int64_t id, const char *org, int partner, const char *roles)
{
	struct accord_principal p;
	memset(&p, 0, sizeof(p));
	p.id = id;
	p.partner = partner;
	snprintf(p.login, sizeof(p.login), "u%lld", (long long)id);
	snprintf(p.org, sizeof(p.org), "%s", org);
	snprintf(p.roles, sizeof(p.roles), "%s", roles);
	return p;
}

/* The cast of every table: a member, a co-chair (a member with roles), two
 * partners of different organisations, and nobody (not logged in). */
static struct accord_principal undp, iom, mol, mfa;
#define ANON ((const struct accord_principal *)NULL)

static int setup(void **s)
{
	(void)s;
	undp = person(2, "UNDP", 0, "");
	iom = person(1, "IOM", 0, "co_chair,secretariat");
	mol = person(3, "MOL", 1, "");
	mfa = person(5, "MFA", 1, "");
	return 0;
}

static void requests(void **s)
{
	(void)s;
	const unsigned ANY = 0, PARTNER = ACCORD_REQ_PARTNER, OPEN = ACCORD_REQ_ANONYMOUS;
	const struct {
		const struct accord_principal *who;
		unsigned flags;
		accord_status want;
		const char *msg;
	} table[] = {
		{ANON, ANY, ACCORD_E_UNAUTHENTICATED, "log in first (auth.login)"},
		{ANON, PARTNER, ACCORD_E_UNAUTHENTICATED, "log in first (auth.login)"},
		{ANON, OPEN, ACCORD_OK, NULL},
		{&undp, ANY, ACCORD_OK, NULL},
		{&undp, PARTNER, ACCORD_OK, NULL},
		{&undp, OPEN, ACCORD_OK, NULL},
		{&iom, ANY, ACCORD_OK, NULL},
		{&mol, ANY, ACCORD_E_FORBIDDEN, "not open to partners"},
		{&mol, PARTNER, ACCORD_OK, NULL},
		{&mol, OPEN, ACCORD_OK, NULL},
		{&mfa, PARTNER | OPEN, ACCORD_OK, NULL},
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const char *msg = NULL;
		accord_status st = permit_request(table[i].who, table[i].flags, &msg);
		if (st != table[i].want)
			fail_msg("row %zu: status %d, want %d", i, st, table[i].want);
		if (table[i].msg && (!msg || strcmp(msg, table[i].msg)))
			fail_msg("row %zu: message \"%s\"", i, msg ? msg : "(none)");
	}
}

/* A group provider: group 5 has IOM and UNDP as members and MOL as a
 * partner organisation, and enables the plugin "actions" only; group 6
 * has nobody.  Refusals come in several codes: the core must answer
 * not_found for every one. */
static int provider_calls;
static accord_plugin_ctx *const PROVIDER = (accord_plugin_ctx *)&provider_calls;
static accord_status provider(accord_plugin_ctx *p, const accord_principal *who, int64_t group,
			      const char *plugin, void *ud)
{
	assert_ptr_equal(p, PROVIDER);
	assert_ptr_equal(ud, &provider_calls);
	provider_calls++;
	if (strcmp(plugin, "actions"))
		return ACCORD_E_FORBIDDEN;
	if (group != 5)
		return ACCORD_E_NOT_FOUND;
	if (!strcmp(who->org, "IOM") || !strcmp(who->org, "UNDP") || !strcmp(who->org, "MOL"))
		return ACCORD_OK;
	return ACCORD_E_FORBIDDEN;
}
static const permit_groups groups = {PROVIDER, provider, &provider_calls};

static void group_scoped_requests(void **s)
{
	(void)s;
	const permit_groups none = {0};
	const struct {
		const permit_groups *g;
		int scoped;
		const char *plugin;
		const struct accord_principal *who;
		const char *data;
		accord_status want;
		int64_t group;
		const char *msg;
	} table[] = {
		/* not group-scoped: no group needed, none asked */
		{&groups, 0, "actions", &undp, "{}", ACCORD_OK, 0, NULL},
		{&groups, 0, "actions", &mol, "{\"group\":6}", ACCORD_OK, 0, NULL},
		/* data.group is required, an integer */
		{&groups, 1, "actions", &undp, "{}", ACCORD_E_BAD_REQUEST, 0,
		 "group: required integer id"},
		{&groups, 1, "actions", &undp, "{\"group\":\"5\"}", ACCORD_E_BAD_REQUEST, 0,
		 "group: required integer id"},
		{&groups, 1, "actions", &undp, "{\"group\":5.0}", ACCORD_E_BAD_REQUEST, 0,
		 "group: required integer id"},
		/* the provider's answer; every refusal looks like a missing group */
		{&groups, 1, "actions", &undp, "{\"group\":5}", ACCORD_OK, 5, NULL},
		{&groups, 1, "actions", &iom, "{\"group\":5}", ACCORD_OK, 5, NULL},
		{&groups, 1, "actions", &mol, "{\"group\":5}", ACCORD_OK, 5, NULL},
		{&groups, 1, "actions", &mfa, "{\"group\":5}", ACCORD_E_NOT_FOUND, 0, "no such group"},
		{&groups, 1, "actions", &undp, "{\"group\":6}", ACCORD_E_NOT_FOUND, 0,
		 "no such group"},
		{&groups, 1, "minutes", &undp, "{\"group\":5}", ACCORD_E_NOT_FOUND, 0,
		 "no such group"},
		{&groups, 1, "actions", &undp, "{\"group\":0}", ACCORD_E_NOT_FOUND, 0,
		 "no such group"},
		{&groups, 1, "actions", &undp, "{\"group\":-5}", ACCORD_E_NOT_FOUND, 0,
		 "no such group"},
		/* no group provider: no group exists */
		{&none, 1, "actions", &undp, "{\"group\":5}", ACCORD_E_NOT_FOUND, 0, "no such group"},
		{NULL, 1, "actions", &undp, "{\"group\":5}", ACCORD_E_NOT_FOUND, 0, "no such group"},
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		json_t *data = json_loads(table[i].data, 0, NULL);
		assert_non_null(data);
		const char *msg = NULL;
		int64_t group = -1;
		accord_status st = permit_request_group(table[i].g, table[i].scoped, table[i].plugin,
							table[i].who, data, &group, &msg);
		json_decref(data);
		if (st != table[i].want || group != table[i].group)
			fail_msg("row %zu: status %d group %lld", i, st, (long long)group);
		if (table[i].msg && (!msg || strcmp(msg, table[i].msg)))
			fail_msg("row %zu: message \"%s\"", i, msg ? msg : "(none)");
	}
	/* the provider is never asked for a group that cannot exist */
	provider_calls = 0;
	assert_int_equal(permit_group(&groups, &undp, 0, "actions"), ACCORD_E_NOT_FOUND);
	assert_int_equal(permit_group(&groups, ANON, 5, "actions"), ACCORD_E_NOT_FOUND);
	assert_int_equal(provider_calls, 0);
	assert_int_equal(permit_group(&groups, &undp, 5, "actions"), ACCORD_OK);
	assert_int_equal(provider_calls, 1);
}

/* "room:<ORG>" is visible to that organisation and to co-chairs only. */
static int check_calls;
static accord_status room_check(accord_plugin_ctx *p, const accord_principal *who,
				const char *topic, void *ud)
{
	(void)p;
	(void)ud;
	check_calls++;
	if (principal_role(who, "co_chair") || !strcmp(strchr(topic, ':') + 1, who->org))
		return ACCORD_OK;
	return ACCORD_E_FORBIDDEN; /* the core must still answer not_found */
}

static accord_status open_check(accord_plugin_ctx *p, const accord_principal *who,
				const char *topic, void *ud)
{
	(void)p;
	(void)who;
	(void)topic;
	(void)ud;
	check_calls++;
	return ACCORD_OK;
}

static void topics(void **s)
{
	(void)s;
	const permit_topic_owner room = {NULL, "room", 0, room_check, NULL};
	const permit_topic_owner actions = {NULL, "actions", 1, open_check, NULL};
	const permit_topic_owner minutes = {NULL, "minutes", 1, open_check, NULL};
	const struct {
		const permit_topic_owner *owner;
		const struct accord_principal *who;
		const char *topic;
		accord_status want;
	} table[] = {
		{&room, &undp, "room:UNDP", ACCORD_OK},
		{&room, &undp, "room:UNHCR", ACCORD_E_NOT_FOUND},
		{&room, &iom, "room:UNHCR", ACCORD_OK}, /* the owner's check lets co-chairs in */
		{&room, &mol, "room:MOL", ACCORD_OK},
		{&room, &mol, "room:UNDP", ACCORD_E_NOT_FOUND},
		{&room, ANON, "room:UNDP", ACCORD_E_NOT_FOUND},
		{&room, &undp, "bad topic", ACCORD_E_NOT_FOUND},
		{&room, &undp, "", ACCORD_E_NOT_FOUND},
		{NULL, &undp, "nothing:1", ACCORD_E_NOT_FOUND}, /* no owner: no topic */
		/* group-scoped: "<prefix>:<group>[:...]", the provider first */
		{&actions, &undp, "actions:5", ACCORD_OK},
		{&actions, &undp, "actions:5:items", ACCORD_OK},
		{&actions, &mol, "actions:5", ACCORD_OK},
		{&actions, &mfa, "actions:5", ACCORD_E_NOT_FOUND},
		{&actions, &undp, "actions:6", ACCORD_E_NOT_FOUND},
		{&actions, &undp, "actions:0", ACCORD_E_NOT_FOUND},
		{&actions, &undp, "actions:5x", ACCORD_E_NOT_FOUND},
		{&actions, &undp, "actions:x", ACCORD_E_NOT_FOUND},
		{&actions, &undp, "actions:", ACCORD_E_NOT_FOUND},
		{&actions, &undp, "actions", ACCORD_E_NOT_FOUND},
		{&minutes, &iom, "minutes:5", ACCORD_E_NOT_FOUND}, /* not enabled in the group */
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (permit_topic(&groups, table[i].owner, table[i].who, table[i].topic) !=
		    table[i].want)
			fail_msg("row %zu (%s)", i, table[i].topic);

	/* a group refused: the owner's check is not asked */
	check_calls = 0;
	assert_int_equal(permit_topic(&groups, &actions, &undp, "actions:6"), ACCORD_E_NOT_FOUND);
	assert_int_equal(check_calls, 0);
	/* no group provider: a group-scoped topic does not exist */
	assert_int_equal(permit_topic(NULL, &actions, &undp, "actions:5"), ACCORD_E_NOT_FOUND);
	assert_int_equal(check_calls, 0);
}

/* Who receives an event, audience by audience: the members (UNDP, and IOM
 * with roles co_chair, secretariat) and the partners (MOL, MFA). */
static void events(void **s)
{
	(void)s;
	char *org_mol[] = {"MOL"}, *org_undp[] = {"UNDP"}, *role_cc[] = {"co_chair"};
	char *role_part[] = {"co_chai"}; /* roles match whole entries only */
	char *item[] = {"proposal:7"};
	int64_t user_undp[] = {2}, user_mol[] = {3};
	struct accord_audience nobody = {0};
	struct accord_audience members_only = {.members_only = 1};
	struct accord_audience members = {.members = 1};
	struct accord_audience partners = {.partners = 1};
	struct accord_audience everyone = {.members = 1, .partners = 1};
	struct accord_audience everyone_mo = {.members = 1, .partners = 1, .members_only = 1};
	struct accord_audience to_mol = {.n_orgs = 1, .orgs = org_mol};
	struct accord_audience to_undp = {.n_orgs = 1, .orgs = org_undp};
	struct accord_audience to_mol_mo = {.n_orgs = 1, .orgs = org_mol, .members_only = 1};
	struct accord_audience u_undp_mo = {.n_users = 1, .users = user_undp, .members_only = 1};
	struct accord_audience u_mol = {.n_users = 1, .users = user_mol};
	struct accord_audience co_chairs = {.n_roles = 1, .roles = role_cc};
	struct accord_audience co_chai = {.n_roles = 1, .roles = role_part};
	struct accord_audience released = {.n_items = 1, .items = item};
	struct accord_audience released_mo = {.n_items = 1, .items = item, .members_only = 1};
	struct accord_audience released_cc = {
		.n_items = 1, .items = item, .n_roles = 1, .roles = role_cc};
	const struct {
		const char *name;
		const struct accord_audience *a;
		int undp, iom, mol, mfa;
	} table[] = {
		{"none (NULL)", NULL, 1, 1, 0, 0},
		{"naming nobody", &nobody, 1, 1, 0, 0},
		{"members_only", &members_only, 1, 1, 0, 0},
		{"members", &members, 1, 1, 0, 0},
		{"partners", &partners, 0, 0, 1, 1},
		{"members and partners", &everyone, 1, 1, 1, 1},
		{"everyone, members_only", &everyone_mo, 1, 1, 0, 0},
		{"org MOL", &to_mol, 0, 0, 1, 0},
		{"org UNDP", &to_undp, 1, 0, 0, 0},
		{"org MOL, members_only", &to_mol_mo, 0, 0, 0, 0},
		{"account UNDP, members_only", &u_undp_mo, 1, 0, 0, 0},
		{"account MOL", &u_mol, 0, 0, 1, 0},
		{"role co_chair", &co_chairs, 0, 1, 0, 0},
		{"role co_chai", &co_chai, 0, 0, 0, 0},
		/* proposal:7 not released: members come by other terms only */
		{"item, unreleased", &released, 0, 0, 0, 0},
		{"item, unreleased, co-chairs", &released_cc, 0, 1, 0, 0},
	};
	static const struct accord_principal *cast[] = {&undp, &iom, &mol, &mfa};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		int want[] = {table[i].undp, table[i].iom, table[i].mol, table[i].mfa};
		for (int k = 0; k < 4; k++)
			if (audience_matches(table[i].a, cast[k]) != want[k])
				fail_msg("audience %s, principal %s: want %d", table[i].name,
					 cast[k]->org, want[k]);
		assert_false(audience_matches(table[i].a, ANON));
	}

	/* Released to MOL, then to every partner, then withdrawn: looked up
	 * at each match, so kept audiences follow. */
	json_t *to = json_pack("[s]", "MOL");
	assert_int_equal(release_set("proposal:7", to), 0);
	json_decref(to);
	assert_true(audience_matches(&released, &mol));
	assert_false(audience_matches(&released, &mfa));
	assert_false(audience_matches(&released, &undp));
	assert_false(audience_matches(&released_mo, &mol)); /* members_only wins */
	json_t *all = json_string("partners");
	assert_int_equal(release_set("proposal:7", all), 0);
	json_decref(all);
	assert_true(audience_matches(&released, &mol));
	assert_true(audience_matches(&released, &mfa));
	assert_false(audience_matches(&released, &iom));
	assert_int_equal(release_set("proposal:7", json_null()), 0);
	assert_false(audience_matches(&released, &mol));
	assert_false(audience_matches(&released, &mfa));
	release_reset();

	/* a copy kept for replay decides alike */
	struct accord_audience *copy = audience_copy(&to_mol);
	assert_true(audience_matches(copy, &mol));
	assert_false(audience_matches(copy, &iom));
	audience_destroy(copy);
}

static void items(void **s)
{
	(void)s;
	char *orgs[] = {"MOL"};
	const release_to to_all = {.all = 1}, to_mol = {.n_orgs = 1, .orgs = orgs};
	const struct {
		const char *name;
		const release_to *r;
		int undp, iom, mol, mfa;
	} table[] = {
		{"unreleased", NULL, 1, 1, 0, 0},
		{"to every partner", &to_all, 1, 1, 1, 1},
		{"to MOL", &to_mol, 1, 1, 1, 0},
	};
	static const struct accord_principal *cast[] = {&undp, &iom, &mol, &mfa};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		int want[] = {table[i].undp, table[i].iom, table[i].mol, table[i].mfa};
		for (int k = 0; k < 4; k++)
			if (permit_item_to(cast[k], table[i].r) != want[k])
				fail_msg("item %s, principal %s: want %d", table[i].name,
					 cast[k]->org, want[k]);
		assert_false(permit_item_to(ANON, table[i].r));
	}

	/* The same through the release table. */
	assert_true(permit_item(&undp, "post:1"));
	assert_false(permit_item(&mol, "post:1"));
	assert_false(permit_item(ANON, "post:1"));
	assert_false(permit_item(&undp, NULL));
	json_t *to = json_pack("[s,s]", "MFA", "MOL");
	assert_int_equal(release_set("post:1", to), 0);
	json_decref(to);
	assert_true(permit_item(&mol, "post:1"));
	assert_true(permit_item(&mfa, "post:1"));
	assert_false(permit_item(&mol, "post:2"));
	assert_int_equal(release_set("post:1", json_null()), 0);
	assert_false(permit_item(&mol, "post:1"));
	assert_true(permit_item(&iom, "post:1"));
	release_reset();
}

static void routes(void **s)
{
	(void)s;
	const struct {
		const struct accord_principal *who;
		int partners;
		accord_status want;
	} table[] = {
		{ANON, 0, ACCORD_OK}, /* no token: the route decides what it shows */
		{ANON, 1, ACCORD_OK},          {&undp, 0, ACCORD_OK}, {&iom, 1, ACCORD_OK},
		{&mol, 0, ACCORD_E_FORBIDDEN}, {&mol, 1, ACCORD_OK},
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const char *msg = NULL;
		if (permit_route(table[i].who, table[i].partners, &msg) != table[i].want)
			fail_msg("row %zu", i);
		if (table[i].want != ACCORD_OK)
			assert_string_equal(msg, "not open to partners");
	}
}

static void metrics(void **s)
{
	(void)s;
	const struct {
		int token_set, token_ok, loopback_open, is_loopback;
		accord_status want;
	} table[] = {
		{1, 1, 0, 0, ACCORD_OK},
		{1, 0, 0, 0, ACCORD_E_UNAUTHENTICATED}, /* asks for the token */
		{1, 0, 0, 1, ACCORD_E_UNAUTHENTICATED}, /* loopback alone is not enough */
		{1, 0, 1, 1, ACCORD_OK},
		{1, 0, 1, 0, ACCORD_E_UNAUTHENTICATED},
		{0, 0, 0, 0, ACCORD_E_FORBIDDEN}, /* nothing configured: closed */
		{0, 0, 0, 1, ACCORD_E_FORBIDDEN},
		{0, 0, 1, 1, ACCORD_OK},
		{0, 0, 1, 0, ACCORD_E_FORBIDDEN},
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (permit_metrics(table[i].token_set, table[i].token_ok, table[i].loopback_open,
				   table[i].is_loopback) != table[i].want)
			fail_msg("row %zu", i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(requests), cmocka_unit_test(group_scoped_requests),
		cmocka_unit_test(topics),   cmocka_unit_test(events),
		cmocka_unit_test(items),    cmocka_unit_test(routes),
		cmocka_unit_test(metrics),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
