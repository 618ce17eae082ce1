/*
 * Who may see and do what: members, co-chairs, the state counterpart,
 * a working group's people; topic checks; the reply view for a caller.
 */
#include "consensus.h"

/* ---------------- who may see and do what ---------------- */

int is_member(const accord_principal *w) { return w && !api->principal_is_partner(w); }
int is_chair(const accord_principal *w)
{
	return is_member(w) && api->principal_has_role(w, "co_chair");
}
int may_create(const accord_principal *w)
{
	return is_member(w) && (api->principal_has_role(w, "co_chair") ||
				api->principal_has_role(w, "secretariat"));
}
int is_state_cp(const accord_principal *w)
{
	return w && state_cp[0] && !strcmp(api->principal_org(w), state_cp);
}

/* Members see every proposal; the state counterpart sees the state
 * matters it is consulted on once they are open; nobody else. */
static int visible(const proposal *p, const accord_principal *w)
{
	if (p->group) /* a working group's proposal: its people (partners once open) */
		return api->group_access(self, w, p->group, NULL) == ACCORD_OK &&
		       (is_member(w) || strcmp(p->status, "draft"));
	if (is_member(w))
		return 1;
	return p->state_matter && is_state_cp(w) && strcmp(p->status, "draft");
}

/* "proposals": the network's list of proposals changed (members only; the
 * events carry network proposals alone, which every member sees). */
accord_status check_list_topic(accord_plugin_ctx *pc, const accord_principal *w,
				      const char *topic, void *ud)
{
	(void)pc;
	(void)ud;
	return !strcmp(topic, "proposals") && is_member(w) ? ACCORD_OK : ACCORD_E_NOT_FOUND;
}

accord_status check_topic(accord_plugin_ctx *pc, const accord_principal *w,
				 const char *topic, void *ud)
{
	(void)pc;
	(void)ud;
	char *end;
	if (strncmp(topic, "proposal:", 9))
		return ACCORD_E_NOT_FOUND;
	long long id = strtoll(topic + 9, &end, 10);
	proposal *p = *end ? NULL : find(id);
	return p && visible(p, w) ? ACCORD_OK : ACCORD_E_NOT_FOUND;
}

/* Finds the proposal named by data.proposal that the caller may see;
 * replies not_found (hidden = missing) and returns NULL otherwise. */
proposal *arg_proposal(accord_req *req, const json_t *d)
{
	const json_t *v = json_object_get(d, "proposal");
	if (!json_is_integer(v)) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "proposal: required integer id");
		return NULL;
	}
	proposal *p = find(json_integer_value(v));
	if (!p || !visible(p, api->req_principal(req))) {
		api->reply_error(req, ACCORD_E_NOT_FOUND, "no such proposal");
		return NULL;
	}
	return p;
}

/* The reply view of a snapshot for a caller of organisation org: the record
 * of positions is shown to members unless the tally is hidden and the
 * proposal open (then an organisation still sees its own position and
 * reason, to revise them); the state counterpart sees the proposal and its
 * own consultation only, never what the close found missing. */
json_t *view_for(const json_t *snap, int partner, const char *org)
{
	json_t *row = json_deep_copy(json_object_get(snap, "proposal"));
	json_t *voters = voters_json(row);
	json_object_set_new(row, "voters", voters ? voters : json_array());
	json_object_set_new(row, "state_matter", json_boolean(json_integer_value(json_object_get(row, "state_matter"))));
	json_object_set_new(row, "hide_tally", json_boolean(json_integer_value(json_object_get(row, "hide_tally"))));
	const char *facts = json_string_value(json_object_get(row, "close_facts"));
	json_t *fj = facts ? json_loads(facts, 0, NULL) : NULL;
	json_object_set_new(row, "close_facts", fj ? fj : json_null());
	const json_t *cons = json_object_get(snap, "consultation");
	if (partner && json_is_object(cons) &&
	    strcmp(json_string_value(json_object_get(cons, "org")), org))
		cons = NULL; /* a group's other partners: not theirs to see */
	json_t *v = json_pack("{s:o,s:O}", "proposal", row, "consultation", cons ? (json_t *)cons : json_null());
	if (partner) {
		/* Partners (the state counterpart on a state matter, a group's
		 * partners) see that it closed, never how: an outcome reaches
		 * them by a release only (the portal). */
		static const char *const internal[] = {"voters", "outcome", "outcome_statement",
						       "close_reason", "close_facts", NULL};
		for (const char *const *f = internal; *f; f++)
			json_object_del(row, *f);
		return v;
	}
	int hidden = json_is_true(json_object_get(row, "hide_tally")) &&
		     strcmp(json_string_value(json_object_get(row, "status")), "closed");
	json_t *pos = json_deep_copy(json_object_get(snap, "positions"));
	if (hidden) { /* who responded, not what */
		size_t i;
		json_t *x;
		json_array_foreach(pos, i, x)
		{
			if (!strcmp(json_string_value(json_object_get(x, "org")), org))
				continue;
			json_object_del(x, "position");
			json_object_del(x, "reason");
		}
	}
	json_object_set_new(v, "positions", pos);
	proposal *p = find(json_integer_value(json_object_get(row, "id")));
	if (p)
		json_object_set_new(v, "tally", tally_json(p, 0));
	return v;
}
/* The proposals w may see, from the loop's copy. */
json_t *visible_ids(const accord_principal *w)
{
	json_t *ids = json_array();
	for (size_t i = 0; i < n_props; i++)
		if (visible(props[i], w))
			json_array_append_new(ids, json_integer(props[i]->id));
	return ids;
}

/* Co-chairs act on every proposal; on a working group's proposal, a lead of
 * the group may too (checked in the transaction: *need_lead). */
int chair_or_lead(accord_req *req, const proposal *p, int *need_lead)
{
	const accord_principal *w = api->req_principal(req);
	*need_lead = 0;
	if (is_chair(w))
		return 1;
	if (p->group && is_member(w)) {
		*need_lead = 1;
		return 1;
	}
	api->reply_error(req, ACCORD_E_FORBIDDEN, "only a co-chair can do this");
	return 0;
}
