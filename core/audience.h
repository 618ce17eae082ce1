/*
 * Audiences: who may receive one event.  With no audience, or an audience
 * that names nobody, an event reaches members only: a partner receives an
 * event only when its audience admits partners explicitly (all partners,
 * the partner's organisation or login, or an item released to the
 * partner).  The release terms are looked up at each delivery and replay,
 * so a withdrawal applies to events already published.  Matching an
 * audience against a principal is a permission decision (permit.h).
 */
#ifndef ACCORD_AUDIENCE_H
#define ACCORD_AUDIENCE_H

#include <stddef.h>
#include <stdint.h>

#include "accord/plugin.h"

struct accord_audience {
	int members_only; /* hard filter: never a partner */
	int members;      /* every member */
	int partners;     /* every partner */
	size_t n_orgs, n_users, n_roles, n_items;
	char **orgs;
	int64_t *users;
	char **roles;
	char **items; /* "kind:id": partners it was released to */
};

struct accord_audience *audience_copy(const struct accord_audience *a);
void audience_destroy(struct accord_audience *a);

/* Building one (the host API's audience_* functions). */
accord_audience *audience_new(void);
void audience_add_org(accord_audience *a, const char *org);
void audience_add_role(accord_audience *a, const char *role);
void audience_add_user(accord_audience *a, int64_t user);
void audience_members_only(accord_audience *a);
void audience_add_members(accord_audience *a);
void audience_add_partners(accord_audience *a);
void audience_add_item(accord_audience *a, const char *item);

#endif
