/*
 * Who may act in a working group: the decisions the groups plugin answers
 * from memory (its own requests, the core's group provider, the topics,
 * downloads), as pure functions of the loop's copy of a group and of the
 * caller.  No host API, no JSON: unit-tested in
 * tests/unit/test_groups_access.c.
 */
#ifndef GROUPS_ACCESS_H
#define GROUPS_ACCESS_H

#include <stddef.h>
#include <stdint.h>

/* An organisation of a group. */
typedef struct gmember {
	char org[17];
	int lead, partner; /* partner: the organisation's standing is "partner" */
} gmember;

/* The loop's copy of a group (provider.c keeps one per group). */
typedef struct group {
	int64_t id;
	int archived, ad_hoc;
	char end_date[11]; /* YYYY-MM-DD, "" when none */
	gmember *m;
	size_t n_m;
	char (*plugins)[33]; /* the group plugins enabled here */
	size_t n_plugins;
} group;

/* The caller, as the decisions need it. */
typedef struct gwho {
	const char *org;
	int partner;              /* standing "partner" */
	int chair_or_secretariat; /* a member with the role co_chair or secretariat */
} gwho;

/* The organisation's entry in the group, or NULL. */
const gmember *access__member(const group *g, const char *org);
/* Archived, so read-only: archived by hand, or an ad-hoc group the day
 * after its end date (today: YYYY-MM-DD). */
int access__archived(const group *g, const char *today);
/* Reaches the group: its organisations' people (partners included),
 * co-chairs and the secretariat.  0 for a NULL group or caller. */
int access__sees(const group *g, const gwho *w);
/* Sees the group's internal things too: reaches it and is no partner. */
int access__sees_internal(const group *g, const gwho *w);
/* Manages it (membership, plugins, name): co-chairs, the secretariat, and
 * the people of a lead organisation that is no partner. */
int access__manages(const group *g, const gwho *w);
/* The core's question for group plugins: reaches the group, and, when
 * plugin is not NULL, the group enabled that plugin. */
int access__allows(const group *g, const gwho *w, const char *plugin);
/* Sees one thing of the group, internal (shared 0) or shared. */
int access__sees_thing(const group *g, const gwho *w, int shared);

/* What a post or item is, from the visibility asked ("" or NULL: the
 * default, internal for members and shared for partners).  NULL with
 * *shared set, or the problem, with *forbidden set when it is the caller's
 * standing rather than the value. */
const char *access__visibility(const char *asked, int partner, int *shared, int *forbidden);

#endif
