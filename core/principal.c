/*
 * Principals: read from an accounts row, written for auth replies, and
 * their roles (a comma-separated list, matched by whole entries).
 */
#include "principal.h"

#include <stdio.h>
#include <string.h>

static void copy_str(char *dst, size_t cap, const json_t *v)
{
	snprintf(dst, cap, "%s", json_is_string(v) ? json_string_value(v) : "");
}

int principal_from_row(struct accord_principal *p, const json_t *row)
{
	memset(p, 0, sizeof(*p));
	const json_t *id = json_object_get(row, "id");
	if (!json_is_integer(id))
		return -1;
	p->id = json_integer_value(id);
	copy_str(p->login, sizeof(p->login), json_object_get(row, "login"));
	copy_str(p->name, sizeof(p->name), json_object_get(row, "name"));
	copy_str(p->org, sizeof(p->org), json_object_get(row, "org"));
	copy_str(p->roles, sizeof(p->roles), json_object_get(row, "roles"));
	copy_str(p->lang, sizeof(p->lang), json_object_get(row, "lang"));
	const json_t *st = json_object_get(row, "standing");
	p->partner = json_is_string(st) && !strcmp(json_string_value(st), "partner");
	return 0;
}

int principal_role(const struct accord_principal *p, const char *role)
{
	size_t n = strlen(role);
	const char *s = p->roles;
	while (*s) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		if (len == n && !strncmp(s, role, n))
			return 1;
		if (!comma)
			break;
		s = comma + 1;
	}
	return 0;
}

json_t *principal_to_json(const struct accord_principal *p)
{
	json_t *roles = json_array();
	const char *s = p->roles;
	while (*s) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		if (len)
			json_array_append_new(roles, json_stringn(s, len));
		if (!comma)
			break;
		s = comma + 1;
	}
	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:o,s:s?}", "id", (json_int_t)p->id, "login",
			 p->login, "name", p->name, "org", p->org, "standing",
			 p->partner ? "partner" : "member", "roles", roles, "lang",
			 p->lang[0] ? p->lang : NULL);
}
