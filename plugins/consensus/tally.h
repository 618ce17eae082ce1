/*
 * The loop's copy of each proposal, the live tally computed from it, and
 * what a caller sees of a proposal (tally.c, view.c).  Pure code: jansson
 * and the consensus rule, no host API.  The plugin keeps the copy in step
 * with each commit (live.c); the unit test drives it directly.
 */
#ifndef CONSENSUS_TALLY_H
#define CONSENSUS_TALLY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "rule.h"

/* One organisation's position as the loop holds it: enough for the live
 * record of positions that members see in the tally. */
typedef struct vote {
	char org[17];
	enum position pos;
	char *reason;
	char cast_by[64];
	int64_t cast_at;
	int changed; /* since the last live tally (tally__event) */
} vote;

typedef struct proposal {
	int64_t id;
	int64_t group; /* scope "group:<id>", 0 for the network */
	char status[8];
	int state_matter, hide_tally;
	char outcome[16];
	char **voters; /* frozen at the open */
	size_t n_voters;
	vote *votes;
	size_t n_votes, cap_votes;
	int consulted;
	json_t *consultation; /* {org, view, given_by, at} or NULL */
	int64_t closes_at;
	/* kept for live.c and status.c: */
	uint64_t close_timer;
	uint64_t tally_timer;
	int64_t push_tat;   /* the pushes' theoretical arrival time (tally__pushed) */
	int dirty;          /* a change not pushed yet */
	int record_changed; /* reloaded from a snapshot: the next event carries the whole record */
} proposal;

/* ---- the copies ---- */

proposal *tally__find(int64_t id);
size_t tally__count(void);
proposal *tally__at(size_t i);

/* Updates (or adds) the copy of a proposal from a database row {id, status,
 * scope, state_matter, hide_tally, outcome, voters, closes_at}, its
 * positions [{org, position, reason, cast_by, cast_at}] (NULL: keep those
 * held) and its consultation (an object, or null).  NULL when memory runs
 * out: the copy could not be added, or misses some of it. */
proposal *tally__sync(const json_t *row, const json_t *positions, const json_t *consultation);

/* One organisation's position, replacing its earlier one.  0, or -1 when
 * memory runs out (the copy keeps what it had). */
int tally__set_vote(proposal *p, const char *org, enum position pos, const char *reason,
		    const char *cast_by, int64_t cast_at);

/* Who votes now: members, the active member organisations (an array of
 * codes; NULL leaves them as they are), and the state counterpart's code
 * (NULL or "": none).  A voter of a proposal who is no longer a member has
 * withdrawn: it neither votes nor blocks. */
void tally__set_membership(const json_t *members, const char *state_counterpart);
const char *tally__state_counterpart(void); /* "" when there is none */

int tally__is_voter(const proposal *p, const char *org);
int tally__has_responded(const proposal *p, const char *org);

/* Frees every copy and the membership (the plugin's fini, the tests). */
void tally__reset(void);

/* ---- the tally ---- */

/* The consensus rule over the copy, as things stand.  0, or -1 when memory
 * ran out (then *r says nothing is reached and nothing possible). */
int tally__evaluate(const proposal *p, rule_result *r);

/* The tally as members see it: {proposal, status, responded, pending,
 * state_matter, consultation_in, hidden, consensus_possible}, and, unless
 * the tally is hidden (hide_tally, until the close), counts per position
 * and consensus_reached; outcome once closed.  with_record: also the
 * record of positions (only who responded and when while hidden) and the
 * consultation.  NULL when memory runs out. */
json_t *tally__json(const proposal *p, int with_record);

/* The live consensus.tally event: the tally of tally__json, and either
 * the whole record (positions and consultation, after the proposal was
 * reloaded from a snapshot: opened, edited, closed, consulted) or
 * "changed": the positions stated since the last event, in the record's
 * form.  Subscribers keep the record they read with consensus.get and
 * apply the changes; the frame stays the size of one position however
 * many organisations there are.  Marks what it sent as sent; NULL when
 * memory runs out (the next event then carries the whole record). */
json_t *tally__event(proposal *p);

/* Tally pushes are coalesced per proposal: one per interval_ms on
 * average (0: one per change), up to TALLY_BURST at once, always the
 * latest state, and the final state at once.  A change goes out at once
 * unless the pushes are ahead of that rate: so positions stated at about
 * the rate (ten a second, a plenary's pace) never wait for a timer, and
 * only a burst beyond it is coalesced (the generic cell rate algorithm,
 * as network shapers do it).  What to do about a change at now_ms: */
#define TALLY_BURST 3
typedef enum tally_when {
	TALLY_PUSH_NOW,   /* push now (cancel a timer that is armed) */
	TALLY_PUSH_LATER, /* arm a timer for *wait_ms and push then */
	TALLY_PUSH_ARMED  /* a timer is armed already: it will push the latest */
} tally_when;
tally_when tally__coalesce(const proposal *p, int final, int64_t interval_ms, int64_t now_ms,
			   int64_t *wait_ms);
/* Records a push at now_ms. */
void tally__pushed(proposal *p, int64_t interval_ms, int64_t now_ms);

/* ---- what callers see (view.c) ---- */

/* The reply view of a snapshot {proposal, positions, consultation} for a
 * caller of organisation org (partner: not a member organisation).  The
 * tally comes from the loop's copy, when it holds the proposal. */
json_t *view__for_caller(const json_t *snap, int partner, const char *org);

/* ---- small helpers ---- */

/* The frozen voter list of a proposal row (a JSON text column), as an
 * array; an empty one when it cannot be read. */
json_t *tally__row_voters(const json_t *row);
/* The strings of a JSON array, copied (*n of them); NULL (with *n 0) when
 * memory runs out. */
char **tally__strv_from_json(const json_t *a, size_t *n);
void tally__strv_free(char **v, size_t n);

#endif
