/*
 * Members list export.  The CSV is written by <accord/csv.h>, the one CSV
 * writer every export uses (RFC 4180 quoting, spreadsheet formula prefix).
 */
#include "csv.h"

#include <accord/csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const cols[] = {"org_code",   "org_name", "org_kind",      "org_standing",
				   "org_active", "login",    "name",          "function",
				   "contact",    "roles",    "person_active", NULL};

char *members_export_csv(const json_t *rows)
{
	accord_csv c = {0};
	for (int k = 0; cols[k]; k++)
		accord_csv_field(&c, cols[k]);
	accord_csv_end_row(&c);
	size_t i;
	const json_t *row;
	json_array_foreach(rows, i, row) {
		for (int k = 0; cols[k]; k++) {
			const json_t *v = json_object_get(row, cols[k]);
			char num[32];
			if (json_is_integer(v)) {
				snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
				accord_csv_field(&c, num);
			} else
				accord_csv_field(&c, json_string_value(v));
		}
		accord_csv_end_row(&c);
	}
	return accord_csv_finish(&c, NULL);
}

char *members_export_json(const json_t *rows)
{
	json_t *orgs = json_array();
	json_t *cur = NULL;
	const char *cur_code = "";
	size_t i;
	const json_t *r;
	json_array_foreach(rows, i, r) {
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
				  json_object_get(r, "name"), "function",
				  json_object_get(r, "function"), "contact",
				  json_object_get(r, "contact"), "roles",
				  json_object_get(r, "roles"), "active",
				  (int)json_integer_value(json_object_get(r, "person_active"))));
	}
	json_t *doc = json_pack("{s:o}", "organisations", orgs);
	char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	return s;
}
