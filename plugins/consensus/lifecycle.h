/*
 * A proposal's life as rules: a draft is edited and opened; an open
 * proposal takes positions, the state counterpart's consultation (on a
 * state matter) and comments, and is extended or closed; a closed one is
 * reopened.  Which request each status allows, what a close finds (the
 * outcome and the facts it records), and when the closing timer is due.
 * Pure code (jansson and the consensus rule, no host API): status.c,
 * proposals.c and positions.c apply it, the unit test checks it.
 */
#ifndef CONSENSUS_LIFECYCLE_H
#define CONSENSUS_LIFECYCLE_H

#include <jansson.h>
#include <stdint.h>

typedef enum lc_action {
	LC_EDIT,     /* a draft's text and settings */
	LC_OPEN,     /* draft -> open */
	LC_EXTEND,   /* a new closing time for an open proposal */
	LC_CLOSE,    /* open -> closed, by a person or at the closing time */
	LC_REOPEN,   /* closed -> open, its outcome cleared */
	LC_POSITION, /* an organisation's position */
	LC_CONSULT,  /* the state counterpart's view on a state matter */
	LC_COMMENT,
	LC__COUNT
} lc_action;

/* NULL when the action is allowed on a proposal in status ("draft", "open"
 * or "closed"; state_matter for LC_CONSULT), else why not: the message of
 * the conflict the request is answered with. */
const char *lifecycle__refusal(lc_action a, const char *status, int state_matter);

/* What a close finds, from what is committed: voters, the proposal's
 * voting organisations (frozen at the open); members, the active member
 * organisations now (a voter no longer among them has withdrawn: it
 * neither votes nor blocks); positions [{org, position}]; whether it is a
 * state matter and the state counterpart's view is in; by_timer, closed by
 * the server at the closing time.  *outcome: "consensus" or
 * "no_consensus"; *facts (new): {missing, objected, consultation_missing,
 * closing_time}, the organisations (in voter order) that had not responded
 * and those that object, as data for clients to say in their reader's
 * language.  0, or -1 when memory runs out. */
int lifecycle__close(const json_t *voters, const json_t *members, const json_t *positions,
		     int state_matter, int consulted, int by_timer, const char **outcome,
		     json_t **facts);

/* The reason a close or reopen records: only what the person wrote; NULL
 * for nothing written. */
const char *lifecycle__reason(const char *written);

/* Whether a proposal needs a closing timer (open, with a closing time),
 * and when it fires: *wait_ms from now_ms, 0 when already due. */
int lifecycle__timer(const char *status, int64_t closes_at, int64_t now_ms, int64_t *wait_ms);

/* A timer's close goes ahead only when the closing time (0: none) has come:
 * an extend may have moved it since the timer was armed. */
int lifecycle__due(int64_t closes_at, int64_t now_ms);

/* closes_at as a request gives it (v NULL: absent): absent or null is no
 * closing time (*out 0), allowed unless required; else an integer, ms since
 * the epoch, after now_ms.  0, or -1 when refused. */
int lifecycle__closes_at(const json_t *v, int required, int64_t now_ms, int64_t *out);

/* review_date: "" (none) or of the shape YYYY-MM-DD. */
int lifecycle__review_date_ok(const char *s);

#endif
