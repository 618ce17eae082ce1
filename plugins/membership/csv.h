/* The members list as CSV (RFC 4180) or JSON, from the rows of the export
 * query.  Pure functions, shared by the HTTP route and the CLI command. */
#ifndef MEMBERSHIP_CSV_H
#define MEMBERSHIP_CSV_H

#include <jansson.h>

#define MEMBERS_EXPORT_SQL                                                                         \
	"SELECT o.code AS org_code, o.name AS org_name, o.kind AS org_kind,"                       \
	" o.standing AS org_standing, o.active AS org_active,"                                     \
	" coalesce(p.login, '') AS login, coalesce(p.name, '') AS name,"                           \
	" coalesce(p.function, '') AS function, coalesce(p.contact, '') AS contact,"               \
	" coalesce(p.roles, '') AS roles,"                                                         \
	" CASE WHEN p.login IS NULL THEN '' ELSE p.active END AS person_active"                    \
	" FROM members_orgs o LEFT JOIN members_people p ON p.org_code = o.code"                   \
	" ORDER BY o.standing, o.code, p.login"

/* malloc'd text; caller frees.  NULL when out of memory. */
char *members_export_csv(const json_t *rows);
char *members_export_json(const json_t *rows);

#endif
