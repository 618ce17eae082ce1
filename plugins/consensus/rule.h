/*
 * The consensus rule (Terms of Reference: decisions by consensus of all
 * member organisations; on state matters, after consulting the Ministry of
 * Labour).  Pure code: the plugin and the table-driven unit test call it.
 */
#ifndef CONSENSUS_RULE_H
#define CONSENSUS_RULE_H

#include <stddef.h>

enum position { POS_NONE = 0, POS_AGREE, POS_RESERVATIONS, POS_ABSTAIN, POS_OBJECT, POS__COUNT };

/* "agree" -> POS_AGREE ...; POS_NONE for anything else. */
enum position position_parse(const char *s);
const char *position_name(enum position p);
/* reservations and object need a reason */
int position_needs_reason(enum position p);

typedef struct rule_vote {
	const char *org;
	enum position pos;
} rule_vote;

typedef struct rule_result {
	int counts[POS__COUNT];  /* per position, voters only */
	size_t responded;        /* voters who stated a position */
	size_t pending;          /* voters still to respond */
	int consultation_needed; /* state matter */
	int consultation_in;     /* the state counterpart gave its view */
	int objected;            /* some voter objects */
	int reached;             /* consensus now */
	int possible;            /* consensus can still be reached */
} rule_result;

/*
 * voters: the organisations that vote (active members of the scope);
 * withdrawn: organisations withdrawn since (they neither vote nor block);
 * votes: positions in the order they were cast; a later vote of the same
 * organisation replaces its earlier one; votes of non-voters are ignored.
 */
void rule_evaluate(const char *const *voters, size_t n_voters, const char *const *withdrawn,
		   size_t n_withdrawn, const rule_vote *votes, size_t n_votes, int state_matter,
		   int consulted, rule_result *out);

#endif
