/*
 * Permission decisions: who may do what, decided in one place.
 *
 * "Everything is internal unless explicitly agreed otherwise":
 *
 *   principal  requests              topics, groups        events (audience terms)
 *   anonymous  ACCORD_REQ_ANONYMOUS  none                  none
 *   member     every handler         the owner's check,    none named, members, its
 *                                    and for a group-      organisation, account or a
 *                                    scoped plugin the     role of its
 *                                    group provider's too
 *   partner    ACCORD_REQ_PARTNER    the same              partners, its organisation,
 *              or _ANONYMOUS                               account or role, an item
 *                                                          released to it; never
 *                                                          members_only
 *
 * Items: members see every item, a partner only one released to every
 * partner or to its organisation.  HTTP routes: a partner only those
 * registered with http_route_partner.
 *
 * Roles (co-chair, secretariat) widen nothing here: they count only where
 * an audience names them or an owner's check asks for them.  A refusal to
 * see a topic or a group answers like a missing one (not_found), so that
 * a refusal tells nothing about what exists.
 */
#include "permit.h"
#include "envelope.h"

#include <stdlib.h>
#include <string.h>

accord_status permit_request(const struct accord_principal *who, unsigned flags, const char **msg)
{
	if (!(flags & ACCORD_REQ_ANONYMOUS) && !who) {
		*msg = "log in first (auth.login)";
		return ACCORD_E_UNAUTHENTICATED;
	}
	if (who && who->partner && !(flags & (ACCORD_REQ_PARTNER | ACCORD_REQ_ANONYMOUS))) {
		/* Deny by default: a partner reaches only what was opened to
		 * partners.  The answer does not depend on any object. */
		*msg = "not open to partners";
		return ACCORD_E_FORBIDDEN;
	}
	return ACCORD_OK;
}

accord_status permit_group(const permit_groups *g, const struct accord_principal *who,
			   int64_t group, const char *plugin)
{
	if (!g || !g->access || !who || group <= 0)
		return ACCORD_E_NOT_FOUND;
	return g->access(g->provider, who, group, plugin, g->ud) == ACCORD_OK ? ACCORD_OK
									      : ACCORD_E_NOT_FOUND;
}

/* A working group's plugin: the core checks the group first, and a group
 * the caller cannot reach answers like a missing one. */
accord_status permit_request_group(const permit_groups *g, int group_scoped, const char *plugin,
				   const struct accord_principal *who, const json_t *data,
				   int64_t *group, const char **msg)
{
	*group = 0;
	if (!group_scoped)
		return ACCORD_OK;
	const json_t *id = json_object_get(data, "group");
	if (!json_is_integer(id)) {
		*msg = "group: required integer id";
		return ACCORD_E_BAD_REQUEST;
	}
	if (permit_group(g, who, json_integer_value(id), plugin) != ACCORD_OK) {
		*msg = "no such group";
		return ACCORD_E_NOT_FOUND;
	}
	*group = json_integer_value(id);
	return ACCORD_OK;
}

/* For a group-scoped plugin's topic "<prefix>:<group>[:...]": may who
 * reach that group with that plugin? */
static accord_status topic_group(const permit_groups *g, const permit_topic_owner *o,
				 const struct accord_principal *who, const char *topic)
{
	if (!o->group_scoped)
		return ACCORD_OK;
	const char *colon = strchr(topic, ':');
	char *end = NULL;
	long long id = colon ? strtoll(colon + 1, &end, 10) : 0;
	if (!colon || end == colon + 1 || (*end && *end != ':') || id <= 0)
		return ACCORD_E_NOT_FOUND;
	return permit_group(g, who, id, o->name);
}

accord_status permit_topic(const permit_groups *g, const permit_topic_owner *owner,
			   const struct accord_principal *who, const char *topic)
{
	if (!who || !topic || !topic_name_valid(topic) || !owner ||
	    topic_group(g, owner, who, topic) != ACCORD_OK)
		return ACCORD_E_NOT_FOUND;
	return owner->check(owner->plugin, who, topic, owner->ud) == ACCORD_OK ? ACCORD_OK
									       : ACCORD_E_NOT_FOUND;
}

int audience_matches(const struct accord_audience *a, const struct accord_principal *p)
{
	if (!p) /* nobody logged in: subscriptions need a principal anyway */
		return 0;
	if (!a)
		return !p->partner;
	if (a->failed) /* short of memory when it was built: nobody */
		return 0;
	if (a->members_only && p->partner)
		return 0;
	if (!a->members && !a->partners && !a->n_orgs && !a->n_users && !a->n_roles && !a->n_items)
		return !p->partner;
	if (p->partner ? a->partners : a->members)
		return 1;
	for (size_t i = 0; i < a->n_users; i++)
		if (a->users[i] == p->id)
			return 1;
	for (size_t i = 0; i < a->n_orgs; i++)
		if (!strcmp(a->orgs[i], p->org))
			return 1;
	for (size_t i = 0; i < a->n_roles; i++)
		if (principal_role(p, a->roles[i]))
			return 1;
	/* A released item admits the partners it was released to; members
	 * are admitted by the other terms (or a->members), not by this. */
	if (p->partner)
		for (size_t i = 0; i < a->n_items; i++)
			if (permit_item(p, a->items[i]))
				return 1;
	return 0;
}

int permit_item_to(const struct accord_principal *p, const release_to *r)
{
	if (!p)
		return 0;
	if (!p->partner)
		return 1;
	if (!r)
		return 0;
	if (r->all)
		return 1;
	for (size_t i = 0; i < r->n_orgs; i++)
		if (!strcmp(r->orgs[i], p->org))
			return 1;
	return 0;
}

int permit_item(const struct accord_principal *p, const char *item)
{
	if (!p || !item)
		return 0;
	return permit_item_to(p, p->partner ? release_find(item) : NULL);
}

accord_status permit_route(const struct accord_principal *who, int partners, const char **msg)
{
	if (who && who->partner && !partners) {
		/* Deny by default, as for requests: before the plugin runs. */
		*msg = "not open to partners";
		return ACCORD_E_FORBIDDEN;
	}
	return ACCORD_OK;
}

/* Its counters say how many requests of each type the server answers,
 * which is nobody's business but the operator's. */
accord_status permit_metrics(int token_set, int token_ok, int loopback_open, int is_loopback)
{
	if (token_ok || (loopback_open && is_loopback))
		return ACCORD_OK;
	return token_set ? ACCORD_E_UNAUTHENTICATED : ACCORD_E_FORBIDDEN;
}
