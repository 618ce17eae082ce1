/* Membership permission rules: who may do what to the members list.
 * Pure functions, unit-tested as a role x action table. */
#ifndef MEMBERSHIP_RULES_H
#define MEMBERSHIP_RULES_H

enum mrole {
	MR_PARTNER = 1 << 0, /* standing "partner" */
	MR_MEMBER = 1 << 1,  /* any person of a member organisation */
	MR_CO_CHAIR = 1 << 2,
	MR_SECRETARIAT = 1 << 3,
	MR_ADMIN = 1 << 4,
};

enum maction {
	MA_READ_ORGS,
	MA_READ_PEOPLE,
	MA_PRESENCE,
	MA_EXPORT,
	MA_SAVE_ORG,
	MA_SAVE_PERSON,
	MA_DEACTIVATE,
	MA_INVITE,
	MA_AUDIT,
	MA_RESET_PASSWORD, /* a one-time reset link for a person */
	MA__COUNT
};

/* 1 if a person with these roles may perform the action. */
int members_allowed(unsigned roles, enum maction action);

/* The values a field takes (NULL-terminated), for the handler tables. */
extern const char *const members_kinds[];
extern const char *const members_standings[];
extern const char *const members_functions[];
extern const char *const members_roles[];

/* Field validators: 1 if valid. */
int members_valid_code(const char *s);  /* org code: 2-16 of [A-Z0-9_] */
int members_valid_login(const char *s); /* 2-32 of [a-z0-9_.-], starting with a letter */
int members_valid_kind(const char *s);
int members_valid_standing(const char *s);
int members_valid_function(const char *s);
int members_valid_role(const char *s);

#endif
