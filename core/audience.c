/*
 * Audiences: built by plugins through the host API, copied into the bus's
 * replay ring with each kept event, destroyed with it.
 */
#include "audience.h"

#include <stdlib.h>
#include <string.h>

static char **copy_strv(char **v, size_t n)
{
	if (!n)
		return NULL;
	char **out = calloc(n, sizeof(*out));
	for (size_t i = 0; out && i < n; i++)
		out[i] = strdup(v[i]);
	return out;
}

struct accord_audience *audience_copy(const struct accord_audience *a)
{
	if (!a)
		return NULL;
	struct accord_audience *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->members_only = a->members_only;
	c->members = a->members;
	c->partners = a->partners;
	c->n_items = a->n_items;
	c->items = copy_strv(a->items, a->n_items);
	c->n_orgs = a->n_orgs;
	c->n_users = a->n_users;
	c->n_roles = a->n_roles;
	c->orgs = copy_strv(a->orgs, a->n_orgs);
	c->roles = copy_strv(a->roles, a->n_roles);
	if (a->n_users) {
		c->users = malloc(a->n_users * sizeof(int64_t));
		if (c->users)
			memcpy(c->users, a->users, a->n_users * sizeof(int64_t));
	}
	return c;
}

void audience_destroy(struct accord_audience *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n_orgs; i++)
		free(a->orgs[i]);
	for (size_t i = 0; i < a->n_roles; i++)
		free(a->roles[i]);
	for (size_t i = 0; i < a->n_items; i++)
		free(a->items[i]);
	free(a->items);
	free(a->orgs);
	free(a->roles);
	free(a->users);
	free(a);
}

accord_audience *audience_new(void) { return calloc(1, sizeof(accord_audience)); }

static void push_str(char ***arr, size_t *n, const char *s)
{
	char **a = realloc(*arr, (*n + 1) * sizeof(char *));
	if (!a)
		return;
	*arr = a;
	if ((a[*n] = strdup(s)))
		(*n)++;
}

void audience_add_org(accord_audience *a, const char *org)
{
	if (a && org)
		push_str(&a->orgs, &a->n_orgs, org);
}

void audience_add_role(accord_audience *a, const char *role)
{
	if (a && role)
		push_str(&a->roles, &a->n_roles, role);
}

void audience_add_user(accord_audience *a, int64_t user)
{
	if (!a)
		return;
	int64_t *u = realloc(a->users, (a->n_users + 1) * sizeof(int64_t));
	if (!u)
		return;
	a->users = u;
	a->users[a->n_users++] = user;
}

void audience_members_only(accord_audience *a)
{
	if (a)
		a->members_only = 1;
}

void audience_add_members(accord_audience *a)
{
	if (a)
		a->members = 1;
}

void audience_add_partners(accord_audience *a)
{
	if (a)
		a->partners = 1;
}

void audience_add_item(accord_audience *a, const char *item)
{
	if (a && item)
		push_str(&a->items, &a->n_items, item);
}
