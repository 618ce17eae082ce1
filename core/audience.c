/*
 * Audiences: built by plugins through the host API, copied into the bus's
 * replay ring with each kept event, destroyed with it.
 */
#include "audience.h"

#include <stdlib.h>
#include <string.h>

/* NULL when n is 0 or memory ran out. */
static char **copy_strv(char **v, size_t n)
{
	if (!n)
		return NULL;
	char **out = calloc(n, sizeof(*out));
	for (size_t i = 0; out && i < n; i++)
		if (!(out[i] = strdup(v[i]))) {
			while (i--)
				free(out[i]);
			free(out);
			return NULL;
		}
	return out;
}

struct accord_audience audience_none = {.failed = 1};

struct accord_audience *audience_copy(const struct accord_audience *a)
{
	if (!a)
		return NULL;
	struct accord_audience *c = calloc(1, sizeof(*c));
	if (!c)
		return &audience_none;
	c->members_only = a->members_only;
	c->members = a->members;
	c->partners = a->partners;
	/* Each count is set only with its copy, so that a copy short of
	 * memory can be destroyed; it is then marked failed (matches nobody)
	 * rather than left wider than the original. */
	if ((c->items = copy_strv(a->items, a->n_items)))
		c->n_items = a->n_items;
	if ((c->orgs = copy_strv(a->orgs, a->n_orgs)))
		c->n_orgs = a->n_orgs;
	if ((c->roles = copy_strv(a->roles, a->n_roles)))
		c->n_roles = a->n_roles;
	if (a->n_users && (c->users = malloc(a->n_users * sizeof(int64_t)))) {
		memcpy(c->users, a->users, a->n_users * sizeof(int64_t));
		c->n_users = a->n_users;
	}
	c->failed = a->failed || c->n_items != a->n_items || c->n_orgs != a->n_orgs ||
		    c->n_roles != a->n_roles || c->n_users != a->n_users;
	return c;
}

void audience_destroy(struct accord_audience *a)
{
	if (!a || a == &audience_none)
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

/* Short of memory, an audience matches nobody (audience_none, or marked
 * failed) instead of losing a term and reaching more people than meant. */
accord_audience *audience_new(void)
{
	accord_audience *a = calloc(1, sizeof(accord_audience));
	if (!a)
		return &audience_none;
	return a;
}

static void push_str(accord_audience *au, char ***arr, size_t *n, const char *s)
{
	char **a = realloc(*arr, (*n + 1) * sizeof(char *));
	if (!a) {
		au->failed = 1;
		return;
	}
	*arr = a;
	if ((a[*n] = strdup(s)))
		(*n)++;
	else
		au->failed = 1;
}

void audience_add_org(accord_audience *a, const char *org)
{
	if (a && !a->failed && org)
		push_str(a, &a->orgs, &a->n_orgs, org);
}

void audience_add_role(accord_audience *a, const char *role)
{
	if (a && !a->failed && role)
		push_str(a, &a->roles, &a->n_roles, role);
}

void audience_add_user(accord_audience *a, int64_t user)
{
	if (!a || a->failed)
		return;
	int64_t *u = realloc(a->users, (a->n_users + 1) * sizeof(int64_t));
	if (!u) {
		a->failed = 1;
		return;
	}
	a->users = u;
	a->users[a->n_users++] = user;
}

void audience_members_only(accord_audience *a)
{
	if (a && !a->failed)
		a->members_only = 1;
}

void audience_add_members(accord_audience *a)
{
	if (a && !a->failed)
		a->members = 1;
}

void audience_add_partners(accord_audience *a)
{
	if (a && !a->failed)
		a->partners = 1;
}

void audience_add_item(accord_audience *a, const char *item)
{
	if (a && !a->failed && item)
		push_str(a, &a->items, &a->n_items, item);
}
