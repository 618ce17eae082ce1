/*
 * Who may act in a working group: pure decisions (see access.h).
 */
#include "access.h"

#include <string.h>

const gmember *access__member(const group *g, const char *org)
{
	if (!g || !org)
		return NULL;
	for (size_t i = 0; i < g->n_m; i++)
		if (!strcmp(g->m[i].org, org))
			return &g->m[i];
	return NULL;
}

/* Dates compare as strings (YYYY-MM-DD): the end date itself is still a
 * working day. */
int access__archived(const group *g, const char *today)
{
	if (g->archived)
		return 1;
	return g->ad_hoc && g->end_date[0] && strcmp(today, g->end_date) > 0;
}

int access__sees(const group *g, const gwho *w)
{
	return g && w && (w->chair_or_secretariat || access__member(g, w->org));
}

int access__sees_internal(const group *g, const gwho *w)
{
	return w && !w->partner && access__sees(g, w);
}

int access__manages(const group *g, const gwho *w)
{
	if (!g || !w)
		return 0;
	if (w->chair_or_secretariat)
		return 1;
	const gmember *m = access__member(g, w->org);
	return m && m->lead && !m->partner;
}

int access__allows(const group *g, const gwho *w, const char *plugin)
{
	if (!access__sees(g, w))
		return 0;
	if (!plugin)
		return 1;
	for (size_t i = 0; i < g->n_plugins; i++)
		if (!strcmp(g->plugins[i], plugin))
			return 1;
	return 0;
}

int access__sees_thing(const group *g, const gwho *w, int shared)
{
	return access__sees(g, w) && (shared || !w->partner);
}

const char *access__visibility(const char *asked, int partner, int *shared, int *forbidden)
{
	*forbidden = 0;
	if (!asked || !*asked)
		asked = partner ? "shared" : "internal";
	if (strcmp(asked, "internal") && strcmp(asked, "shared"))
		return "visibility: internal or shared";
	*shared = !strcmp(asked, "shared");
	if (partner && !*shared) {
		*forbidden = 1;
		return "partners post shared items only";
	}
	return NULL;
}
