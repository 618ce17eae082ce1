/*
 * What a caller sees of a proposal: the reply view of a snapshot (pure
 * code, see tally.h).  Members see the record of positions, except what
 * other organisations said while a hidden tally is open; partners (the
 * state counterpart on a state matter, a working group's partners) see the
 * proposal and their own consultation, never the outcome or what the
 * close found missing: an outcome reaches them by a release only (the
 * portal).
 */
#include "tally.h"

#include <string.h>

/* Fields of a proposal row that partners never see. */
static const char *const internal[] = {"voters",       "outcome",     "outcome_statement",
				       "close_reason", "close_facts", NULL};

/* A copy of the row for a reply: voters and close_facts as JSON (they are
 * stored as text), the flags as booleans. */
static json_t *row_for_reply(const json_t *stored)
{
	json_t *row = json_deep_copy(stored);
	if (!row)
		return NULL;
	json_object_set_new(row, "voters", tally__row_voters(row));
	json_object_set_new(row, "state_matter",
			    json_boolean(json_integer_value(json_object_get(row, "state_matter"))));
	json_object_set_new(row, "hide_tally",
			    json_boolean(json_integer_value(json_object_get(row, "hide_tally"))));
	const char *facts = json_string_value(json_object_get(row, "close_facts"));
	json_t *fj = facts ? json_loads(facts, 0, NULL) : NULL;
	json_object_set_new(row, "close_facts", fj ? fj : json_null());
	return row;
}

json_t *view__for_caller(const json_t *snap, int partner, const char *org)
{
	json_t *row = row_for_reply(json_object_get(snap, "proposal"));
	const json_t *cons = json_object_get(snap, "consultation");
	const char *by = json_string_value(json_object_get(cons, "org"));
	if (partner && json_is_object(cons) && (!by || strcmp(by, org)))
		cons = NULL; /* a group's other partners: not theirs to see */
	json_t *v = json_pack("{s:o,s:O}", "proposal", row, "consultation",
			      cons ? (json_t *)cons : json_null());
	if (!v)
		return NULL;
	if (partner) {
		for (const char *const *f = internal; *f; f++)
			json_object_del(row, *f);
		return v;
	}
	/* An open proposal with a hidden tally: who responded, not what; an
	 * organisation still sees its own position and reason, to revise them. */
	const char *status = json_string_value(json_object_get(row, "status"));
	int hidden = json_is_true(json_object_get(row, "hide_tally")) &&
		     (!status || strcmp(status, "closed"));
	json_t *pos = json_deep_copy(json_object_get(snap, "positions"));
	if (hidden) {
		size_t i;
		json_t *x;
		json_array_foreach(pos, i, x) {
			const char *o = json_string_value(json_object_get(x, "org"));
			if (o && !strcmp(o, org))
				continue;
			json_object_del(x, "position");
			json_object_del(x, "reason");
		}
	}
	json_object_set_new(v, "positions", pos);
	proposal *p = tally__find(json_integer_value(json_object_get(row, "id")));
	if (p)
		json_object_set_new(v, "tally", tally__json(p, 0));
	return v;
}
