/*
 * Service "accord.groups" version 1: working groups, their organisations
 * and their leads.  Provided by the groups plugin; consensus imports it
 * (optionally) for proposals of a working group: who votes (the group's
 * member organisations) and who may act besides the co-chairs (its leads).
 *
 * Functions taking an accord_txn run on the storage thread inside the
 * caller's work and return ACCORD_OK, ACCORD_E_NOT_FOUND (no such group) or
 * ACCORD_E_INTERNAL; *out is a new reference, NULL unless ACCORD_OK.
 * Whether a person may act in a group at all is decided by the core (the
 * group provider's access check) before any request reaches a plugin.
 */
#ifndef ACCORD_SERVICES_GROUPS_H
#define ACCORD_SERVICES_GROUPS_H

#include <accord/plugin.h>

#define ACCORD_SVC_GROUPS "accord.groups"
#define ACCORD_SVC_GROUPS_V 1u

typedef struct accord_groups_svc {
	size_t size; /* sizeof the provider's table */

	/* The organisations of group, ordered by code: an array of
	 * {org, role ("lead"|"member"), partner: bool}. */
	accord_status (*orgs)(accord_txn *txn, int64_t group, json_t **out);
	/* 1 when org is a lead of group (and not a partner there), 0 when
	 * not (or no such group), -1 on a database error. */
	int (*is_lead)(accord_txn *txn, int64_t group, const char *org);
} accord_groups_svc;

#endif
