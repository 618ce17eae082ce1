/*
 * Members list export.  CSV fields are quoted when they hold a comma, a
 * quote, or a line break, with quotes doubled (RFC 4180); a field starting
 * with = + - @ is prefixed with a quote mark so that spreadsheets do not run
 * it as a formula.
 */
#include "csv.h"

#include <stdlib.h>
#include <string.h>

static const char *const cols[] = {"org_code", "org_name", "org_kind", "org_standing",
				   "org_active", "login", "name", "function",
				   "contact", "roles", "person_active", NULL};

struct out {
	char *s;
	size_t len, cap;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		size_t cap = (o->cap ? o->cap * 2 : 1024) + n;
		char *ns = realloc(o->s, cap);
		if (!ns)
			return;
		o->s = ns;
		o->cap = cap;
	}
	memcpy(o->s + o->len, s, n);
	o->len += n;
	o->s[o->len] = 0;
}

static void put_field(struct out *o, const char *v)
{
	int formula = v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@';
	int quote = formula || strpbrk(v, ",\"\r\n") != NULL;
	if (!quote) {
		put(o, v, strlen(v));
		return;
	}
	put(o, "\"", 1);
	if (formula)
		put(o, "'", 1);
	for (const char *p = v; *p; p++) {
		if (*p == '"')
			put(o, "\"\"", 2);
		else
			put(o, p, 1);
	}
	put(o, "\"", 1);
}

char *members_export_csv(const json_t *rows)
{
	struct out o = {0};
	for (int c = 0; cols[c]; c++) {
		if (c)
			put(&o, ",", 1);
		put(&o, cols[c], strlen(cols[c]));
	}
	put(&o, "\r\n", 2);
	size_t i;
	const json_t *row;
	json_array_foreach(rows, i, row)
	{
		for (int c = 0; cols[c]; c++) {
			if (c)
				put(&o, ",", 1);
			const json_t *v = json_object_get(row, cols[c]);
			char num[32];
			if (json_is_integer(v)) {
				snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
				put_field(&o, num);
			} else
				put_field(&o, json_is_string(v) ? json_string_value(v) : "");
		}
		put(&o, "\r\n", 2);
	}
	return o.s;
}

char *members_export_json(const json_t *rows)
{
	json_t *orgs = json_array();
	json_t *cur = NULL;
	const char *cur_code = "";
	size_t i;
	const json_t *r;
	json_array_foreach(rows, i, r)
	{
		const char *code = json_string_value(json_object_get(r, "org_code"));
		if (!code)
			continue;
		if (!cur || strcmp(code, cur_code)) {
			cur = json_pack("{s:s,s:O,s:O,s:O,s:b,s:[]}", "code", code, "name",
					json_object_get(r, "org_name"), "kind",
					json_object_get(r, "org_kind"), "standing",
					json_object_get(r, "org_standing"), "active",
					(int)json_integer_value(json_object_get(r, "org_active")),
					"people");
			json_array_append_new(orgs, cur);
			cur_code = code;
		}
		const char *login = json_string_value(json_object_get(r, "login"));
		if (!login || !*login)
			continue;
		json_array_append_new(
			json_object_get(cur, "people"),
			json_pack("{s:s,s:O,s:O,s:O,s:O,s:b}", "login", login, "name",
				  json_object_get(r, "name"), "function", json_object_get(r, "function"),
				  "contact", json_object_get(r, "contact"), "roles",
				  json_object_get(r, "roles"), "active",
				  (int)json_integer_value(json_object_get(r, "person_active"))));
	}
	json_t *doc = json_pack("{s:o}", "organisations", orgs);
	char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	return s;
}
