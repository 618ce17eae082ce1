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
	return access__member(w) &&
	       (api->principal_has_role(w, "co_chair") || api->principal_has_role(w, "secretariat"));
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

/* The proposals w may see, from the loop's copy. */
json_t *access__visible_ids(const accord_principal *w)
{
	json_t *ids = json_array();
	for (size_t i = 0; ids && i < tally__count(); i++)
		if (visible(tally__at(i), w))
			json_array_append_new(ids, json_integer(tally__at(i)->id));
	return ids;
}

/* ---- the checks that come first (the handler table's "allow") ---- */

static const accord_arg proposal_arg[] = {
	{.name = "proposal", .type = ACCORD_ARG_INT, .flags = ACCORD_ARG_REQUIRED},
	{0}};

int access__sees(accord_req *req, const json_t *d)
{
	char msg[ACCORD_ARGS_MSG];
	if (accord_args_check(proposal_arg, d, 0, msg, sizeof(msg))) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, msg);
		return 0;
	}
	proposal *p = access__proposal(d);
	if (!p || !visible(p, api->req_principal(req))) {
		api->reply_error(req, ACCORD_E_NOT_FOUND, "no such proposal");
		return 0;
	}
	return 1;
}

proposal *access__proposal(const json_t *d)
{
	return tally__find(json_integer_value(json_object_get(d, "proposal")));
}

/* Co-chairs act on every proposal; on a working group's proposal, a lead of
 * the group may too (checked in the transaction: access__need_lead). */
int access__manages(accord_req *req, const json_t *d)
{
	if (!access__sees(req, d))
		return 0;
	const accord_principal *w = api->req_principal(req);
	if (access__chair(w) || (access__proposal(d)->group && access__member(w)))
		return 1;
	api->reply_error(req, ACCORD_E_FORBIDDEN, "only a co-chair can do this");
	return 0;
}

int access__need_lead(accord_req *req) { return !access__chair(api->req_principal(req)); }

int access__votes(accord_req *req, const json_t *d)
{
	if (!access__sees(req, d))
		return 0;
	if (access__member(api->req_principal(req)))
		return 1;
	api->reply_error(req, ACCORD_E_FORBIDDEN, "partners do not vote");
	return 0;
}

int access__consults(accord_req *req, const json_t *d)
{
	if (!access__sees(req, d))
		return 0;
	if (access__state_cp(api->req_principal(req)))
		return 1;
	api->reply_error(req, ACCORD_E_FORBIDDEN,
			 "only the state counterpart gives the consultation view");
	return 0;
}

/* "network" or "group:<id>" (whether the group exists, and is the
 * caller's, access__creates asks the core). */
static const char *scope_syntax(const json_t *v)
{
	const char *s = json_string_value(v);
	return !strcmp(s, "network") || !strncmp(s, "group:", 6)
		       ? NULL
		       : "expected \"network\" or \"group:<id>\"";
}

static const accord_arg scope_arg[] = {
	{.name = "scope", .type = ACCORD_ARG_STRING, .check = scope_syntax},
	{0}};

int access__creates(accord_req *req, const json_t *d)
{
	char msg[ACCORD_ARGS_MSG];
	if (accord_args_check(scope_arg, d, 0, msg, sizeof(msg))) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, msg);
		return 0;
	}
	const accord_principal *w = api->req_principal(req);
	const char *scope = json_string_value(json_object_get(d, "scope"));
	if (scope && !strncmp(scope, "group:", 6)) {
		char *end;
		long long group = strtoll(scope + 6, &end, 10);
		if (*end || group <= 0 || api->group_access(self, w, group, NULL) != ACCORD_OK ||
		    !access__member(w)) {
			api->reply_error(req, ACCORD_E_NOT_FOUND, "no such group");
			return 0;
		}
		return 1;
	}
	if (access__may_create(w))
		return 1;
	api->reply_error(req, ACCORD_E_FORBIDDEN, "co-chairs and the secretariat create proposals");
	return 0;
}
