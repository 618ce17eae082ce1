/* Members list export: CSV quoting (RFC 4180), formula neutralising (also a
 * leading TAB, and blanks before a trigger), and the JSON grouping by
 * organisation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

static json_t *row(const char *org, const char *login, const char *name, const char *contact)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:i,s:s,s:s,s:s,s:s,s:s,s:i}", "org_code", org, "org_name",
			 "Org, \"quoted\"", "org_kind", "un_agency", "org_standing", "member",
			 "org_active", 1, "login", login, "name", name, "function", "focal_point",
			 "contact", contact, "roles", "co_chair,secretariat", "person_active", 1);
}

static void csv_quoting(void **s)
{
	(void)s;
	json_t *rows = json_array();
	json_array_append_new(rows, row("IOM", "iom", "Line\nbreak", "=HYPERLINK(1)"));
	json_array_append_new(rows, row("IOM", "iom2", "\t=cmd", "  =cmd"));
	char *csv = members_export_csv(rows);
	const char *want =
		"org_code,org_name,org_kind,org_standing,org_active,login,name,function,contact,roles,person_active\r\n"
		"IOM,\"Org, \"\"quoted\"\"\",un_agency,member,1,iom,\"Line\nbreak\",focal_point,"
		"\"'=HYPERLINK(1)\",\"co_chair,secretariat\",1\r\n"
		"IOM,\"Org, \"\"quoted\"\"\",un_agency,member,1,iom2,\"'\t=cmd\",focal_point,"
		"\"'  =cmd\",\"co_chair,secretariat\",1\r\n";
	assert_string_equal(csv, want);
	free(csv);
	json_decref(rows);
}

static void json_groups_people(void **s)
{
	(void)s;
	json_t *rows = json_array();
	json_array_append_new(rows, row("IOM", "iom", "A", ""));
	json_array_append_new(rows, row("IOM", "iom2", "B", ""));
	json_array_append_new(rows, row("UNDP", "", "", "")); /* org without people */
	char *txt = members_export_json(rows);
	json_t *doc = json_loads(txt, 0, NULL);
	json_t *orgs = json_object_get(doc, "organisations");
	assert_int_equal(json_array_size(orgs), 2);
	assert_int_equal(json_array_size(json_object_get(json_array_get(orgs, 0), "people")), 2);
	assert_int_equal(json_array_size(json_object_get(json_array_get(orgs, 1), "people")), 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(orgs, 1), "code")),
			    "UNDP");
	json_decref(doc);
	free(txt);
	json_decref(rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(csv_quoting),
					   cmocka_unit_test(json_groups_people)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
