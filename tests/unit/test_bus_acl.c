/* Topic permission decisions as the bus takes them: its prefix registry
 * finds the owner, permit.c decides (the decision tables themselves, and
 * audience matching, are in test_permit.c). */
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
		{&undp, "room:UNDP", ACCORD_OK},          {&undp, "room:UNHCR", ACCORD_E_NOT_FOUND},
		{&iom, "room:UNHCR", ACCORD_OK},          {&mol, "room:MOL", ACCORD_OK},
		{&mol, "room:UNDP", ACCORD_E_NOT_FOUND},  {&undp, "nothing:1", ACCORD_E_NOT_FOUND},
		{&undp, "bad topic", ACCORD_E_NOT_FOUND}, {NULL, "room:UNDP", ACCORD_E_NOT_FOUND},
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (bus_check(b, table[i].who, table[i].topic) != table[i].want)
			fail_msg("row %zu (%s)", i, table[i].topic);
	bus_free(b);
}

/* A plugin upgraded or removed live (plugin_live.c): its prefixes are
 * nobody's while it is away, the same entry goes to its new version, and a
 * failed replacement gives them back. */
static void prefixes_come_and_go(void **s)
{
	(void)s;
	server srv;
	memset(&srv, 0, sizeof(srv));
	srv.boot_ms = 1000;
	bus *b = bus_new(&srv);
	struct accord_plugin_ctx v1, v2, other;
	memset(&v1, 0, sizeof(v1));
	memset(&v2, 0, sizeof(v2));
	memset(&other, 0, sizeof(other));
	snprintf(v1.name, sizeof(v1.name), "rooms");
	snprintf(v2.name, sizeof(v2.name), "rooms");
	snprintf(other.name, sizeof(other.name), "other");
	struct accord_principal undp = person(2, "UNDP", 0, "");
	assert_int_equal(bus_register_prefix(b, "room", &v1, room_check, NULL), 0);
	assert_int_equal(bus_check(b, &undp, "room:UNDP"), ACCORD_OK);

	bus_prefix_saved saved[BUS_MAX_SAVED];
	int n = 0;
	bus_prefixes_detach(b, &v1, saved, &n);
	assert_int_equal(n, 1);
	assert_int_equal(bus_check(b, &undp, "room:UNDP"), ACCORD_E_NOT_FOUND);
	json_t *a = bus_prefixes_of(b, &v1);
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);

	/* the new version takes the same prefix; nobody else may then */
	assert_int_equal(bus_register_prefix(b, "room", &v2, room_check, NULL), 0);
	assert_int_equal(bus_check(b, &undp, "room:UNDP"), ACCORD_OK);
	assert_int_equal(bus_register_prefix(b, "room", &other, room_check, NULL), -1);

	/* its init failed: out again, and the old version's back */
	bus_prefixes_release(b, &v2);
	assert_int_equal(bus_check(b, &undp, "room:UNDP"), ACCORD_E_NOT_FOUND);
	bus_prefixes_reattach(b, saved, n);
	assert_int_equal(bus_check(b, &undp, "room:UNDP"), ACCORD_OK);
	a = bus_prefixes_of(b, &v1);
	assert_int_equal(json_array_size(a), 1);
	assert_string_equal(json_string_value(json_array_get(a, 0)), "room");
	json_decref(a);
	bus_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(topic_decisions),
					   cmocka_unit_test(prefixes_come_and_go)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
