/*
 * Who may change and read the members list (Terms of Reference: IOM as
 * secretariat maintains the list and shares it; co-chairs and members read
 * it; external partners are not members and never see the directory).
 */
#include "rules.h"

#include <string.h>

int members_allowed(unsigned roles, enum maction a)
{
	if (roles & MR_PARTNER)
		return 0; /* partners never see or change the directory */
	if (roles & (MR_SECRETARIAT | MR_ADMIN))
		return a >= 0 && a < MA__COUNT;
	switch (a) {
	case MA_READ_ORGS:
	case MA_READ_PEOPLE:
	case MA_PRESENCE:
	case MA_EXPORT: return (roles & (MR_MEMBER | MR_CO_CHAIR)) != 0;
	default: return 0;
	}
}

static int one_of(const char *s, const char *const *set)
{
	for (; s && *set; set++)
		if (!strcmp(s, *set))
			return 1;
	return 0;
}

const char *const members_kinds[] = {"un_agency", "government",     "civil_society", "academia",
				     "donor",     "private_sector", "other",         NULL};
const char *const members_standings[] = {"member", "partner", NULL};
const char *const members_functions[] = {"focal_point", "alternate", "staff", NULL};
const char *const members_roles[] = {"co_chair", "secretariat", "admin", NULL};

int members_valid_kind(const char *s) { return one_of(s, members_kinds); }

int members_valid_standing(const char *s) { return one_of(s, members_standings); }

int members_valid_function(const char *s) { return one_of(s, members_functions); }

int members_valid_role(const char *s) { return one_of(s, members_roles); }

int members_valid_code(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 2 || n > 16)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

int members_valid_login(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 2 || n > 32 || s[0] < 'a' || s[0] > 'z')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '.' || s[i] == '-'))
			return 0;
	return 1;
}
