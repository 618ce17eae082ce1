/*
 * Consensus is reached when every voting organisation has stated a
 * position, none objects, and, for a state matter, the state counterpart
 * has given its consultation view.  Reservations and abstentions do not
 * block.  Consensus stays possible while nobody objects.
 */
#include "rule.h"

#include <string.h>

static const char *const names[POS__COUNT] = {"none", "agree", "reservations", "abstain", "object"};

enum position position_parse(const char *s)
{
	for (int i = 1; s && i < POS__COUNT; i++)
		if (!strcmp(s, names[i]))
			return (enum position)i;
	return POS_NONE;
}

const char *position_name(enum position p)
{
	return (int)p >= 0 && p < POS__COUNT ? names[p] : "none";
}

int position_needs_reason(enum position p) { return p == POS_RESERVATIONS || p == POS_OBJECT; }

static int in(const char *org, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(set[i], org))
			return 1;
	return 0;
}

void rule_evaluate(const char *const *voters, size_t n_voters, const char *const *withdrawn,
		   size_t n_withdrawn, const rule_vote *votes, size_t n_votes, int state_matter,
		   int consulted, rule_result *out)
{
	memset(out, 0, sizeof(*out));
	size_t active = 0;
	for (size_t v = 0; v < n_voters; v++) {
		if (in(voters[v], withdrawn, n_withdrawn))
			continue;
		active++;
		/* the last vote of this organisation counts */
		enum position pos = POS_NONE;
		for (size_t k = 0; k < n_votes; k++)
			if (votes[k].org && !strcmp(votes[k].org, voters[v]) &&
			    votes[k].pos != POS_NONE)
				pos = votes[k].pos;
		if (pos == POS_NONE)
			continue;
		out->responded++;
		out->counts[pos]++;
	}
	out->pending = active - out->responded;
	out->objected = out->counts[POS_OBJECT] > 0;
	out->consultation_needed = state_matter != 0;
	out->consultation_in = state_matter && consulted;
	out->possible = !out->objected && active > 0;
	out->reached = out->possible && out->pending == 0 && (!state_matter || consulted);
}
