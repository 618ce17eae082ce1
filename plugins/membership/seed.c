/*
 * Membership: the demo network and the first account (accord init --demo,
 * accord init --admin).
 */
#include "membership.h"

accord_status seed__network(accord_plugin_ctx *p, accord_txn *txn, const json_t *demo)
{
	(void)p;
	const char *cp = json_string_value(
		json_object_get(json_object_get(demo, "network"), "state_counterpart"));
	size_t i, k;
	const json_t *o, *person;
	int64_t now = api->now_ms();
	json_array_foreach(json_object_get(demo, "organisations"), i, o) {
		const char *code = json_string_value(json_object_get(o, "code"));
		json_t *prm = json_pack("[s,O,O,O,i,I,I]", code, json_object_get(o, "name"),
					json_object_get(o, "kind"), json_object_get(o, "standing"),
					cp && code && !strcmp(cp, code), (json_int_t)now,
					(json_int_t)now);
		accord_status st = api->txn_exec(
			txn,
			"INSERT INTO members_orgs(code, name, kind, standing, active, state_counterpart,"
			" created_at, updated_at) VALUES(?,?,?,?,1,?,?,?) ON CONFLICT(code) DO UPDATE SET"
			" name=excluded.name, kind=excluded.kind, standing=excluded.standing,"
			" state_counterpart=excluded.state_counterpart",
			prm, NULL);
		json_decref(prm);
		if (st != ACCORD_OK)
			return st;
		json_array_foreach(json_object_get(o, "people"), k, person) {
			char roles[128] = "";
			size_t r;
			const json_t *role;
			json_array_foreach(json_object_get(person, "roles"), r, role) {
				if (*roles)
					strcat(roles, ",");
				strncat(roles, json_string_value(role),
					sizeof(roles) - strlen(roles) - 2);
			}
			json_t *in = json_pack("{s:O,s:O,s:s,s:O,s:s,s:s,s:b}", "login",
					       json_object_get(person, "login"), "name",
					       json_object_get(person, "name"), "org", code,
					       "function", json_object_get(person, "function"),
					       "contact", "", "roles", roles, "active", 1);
			st = people__write(txn, in, NULL, NULL);
			json_decref(in);
			if (st != ACCORD_OK)
				return st;
		}
	}
	/* The network says who seeded it (accord init --admin: the first
	 * account); the demo file says nothing. */
	const json_t *by = json_object_get(demo, "seed");
	const char *actor = json_string_value(json_object_get(by, "by"));
	const char *what = json_string_value(json_object_get(by, "what"));
	return audit__add(txn, actor ? actor : "accord init --demo", "seed",
			  what ? what : "demo network", NULL, NULL);
}
