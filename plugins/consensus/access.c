/*
 * Who may see and do what: members, co-chairs, the state counterpart, a
 * working group's people (asked of the core's group provider); the topic
 * checks of the bus.  What a caller sees of a proposal it may see is in
 * view.c.
 */
#include "consensus.h"

int access__member(const accord_principal *w) { return w && !api->principal_is_partner(w); }
int access__chair(const accord_principal *w)
{
	return access__member(w) && api->principal_has_role(w, "co_chair");
}
int access__may_create(const accord_principal *w)
{
	return access__member(w) && (api->principal_has_role(w, "co_chair") ||
				api->principal_has_role(w, "secretariat"));
}
int access__state_cp(const accord_principal *w)
{
	const char *cp = tally__state_counterpart();
	return w && cp[0] && !strcmp(api->principal_org(w), cp);
}

/* Members see every proposal; the state counterpart sees the state
 * matters it is consulted on once they are open; nobody else. */
static int visible(const proposal *p, const accord_principal *w)
{
	if (p->group) /* a working group's proposal: its people (partners once open) */
		return api->group_access(self, w, p->group, NULL) == ACCORD_OK &&
		       (access__member(w) || strcmp(p->status, "draft"));
	if (access__member(w))
		return 1;
	return p->state_matter && access__state_cp(w) && strcmp(p->status, "draft");
}

/* "proposals": the network's list of proposals changed (members only; the
 * events carry network proposals alone, which every member sees). */
accord_status access__check_list_topic(accord_plugin_ctx *pc, const accord_principal *w,
				      const char *topic, void *ud)
{
	(void)pc;
	(void)ud;
	return !strcmp(topic, "proposals") && access__member(w) ? ACCORD_OK : ACCORD_E_NOT_FOUND;
}

accord_status access__check_topic(accord_plugin_ctx *pc, const accord_principal *w,
				 const char *topic, void *ud)
{
	(void)pc;
	(void)ud;
	char *end;
	if (strncmp(topic, "proposal:", 9))
		return ACCORD_E_NOT_FOUND;
	long long id = strtoll(topic + 9, &end, 10);
	proposal *p = *end ? NULL : tally__find(id);
	return p && visible(p, w) ? ACCORD_OK : ACCORD_E_NOT_FOUND;
}

/* Finds the proposal named by data.proposal that the caller may see;
 * replies not_found (hidden = missing) and returns NULL otherwise. */
proposal *access__proposal(accord_req *req, const json_t *d)
{
	const json_t *v = json_object_get(d, "proposal");
	if (!json_is_integer(v)) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "proposal: required integer id");
		return NULL;
	}
	proposal *p = tally__find(json_integer_value(v));
	if (!p || !visible(p, api->req_principal(req))) {
		api->reply_error(req, ACCORD_E_NOT_FOUND, "no such proposal");
		return NULL;
	}
	return p;
}

/* The proposals w may see, from the loop's copy. */
json_t *access__visible_ids(const accord_principal *w)
{
	json_t *ids = json_array();
	for (size_t i = 0; ids && i < tally__count(); i++)
		if (visible(tally__at(i), w))
			json_array_append_new(ids, json_integer(tally__at(i)->id));
	return ids;
}

/* Co-chairs act on every proposal; on a working group's proposal, a lead of
 * the group may too (checked in the transaction: *need_lead). */
int access__chair_or_lead(accord_req *req, const proposal *p, int *need_lead)
{
	const accord_principal *w = api->req_principal(req);
	*need_lead = 0;
	if (access__chair(w))
		return 1;
	if (p->group && access__member(w)) {
		*need_lead = 1;
		return 1;
	}
	api->reply_error(req, ACCORD_E_FORBIDDEN, "only a co-chair can do this");
	return 0;
}
