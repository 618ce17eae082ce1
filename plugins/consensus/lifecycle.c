/*
 * The rules of a proposal's life (see lifecycle.h).  The status is checked
 * on the storage thread against what is committed, so a request that races
 * a close is judged by the committed status; the outcome of a close is
 * computed there too, from the committed positions, so nothing committed
 * before the close can be missed.
 */
#include "lifecycle.h"

#include <stdlib.h>
#include <string.h>

#include "rule.h"

const char *lifecycle__refusal(lc_action a, const char *status, int state_matter)
{
	int draft = status && !strcmp(status, "draft"), open = status && !strcmp(status, "open"),
	    closed = status && !strcmp(status, "closed");
	switch (a) {
	case LC_EDIT: return draft ? NULL : "only a draft can be edited";
	case LC_OPEN: return draft ? NULL : "only a draft can be opened";
	case LC_EXTEND: return open ? NULL : "only an open proposal can be extended";
	case LC_CLOSE: return open ? NULL : "only an open proposal can be closed";
	case LC_REOPEN: return closed ? NULL : "only a closed proposal can be reopened";
	case LC_POSITION: return open ? NULL : "the proposal is not open for positions";
	case LC_CONSULT:
		return open && state_matter ? NULL : "consultation is taken on open state matters";
	case LC_COMMENT: return !draft ? NULL : "comments open with the proposal";
	case LC__COUNT: break;
	}
	return "not allowed";
}

static int in_array(const json_t *a, const char *s)
{
	size_t i;
	const json_t *x;
	json_array_foreach(a, i, x) {
		if (json_is_string(x) && !strcmp(json_string_value(x), s))
			return 1;
	}
	return 0;
}

/* The position an organisation holds: its last one in positions. */
static enum position held_by(const json_t *positions, const char *org)
{
	enum position held = POS_NONE;
	size_t i;
	const json_t *x;
	json_array_foreach(positions, i, x) {
		const char *o = json_string_value(json_object_get(x, "org"));
		if (o && !strcmp(o, org))
			held = position_parse(json_string_value(json_object_get(x, "position")));
	}
	return held;
}

int lifecycle__close(const json_t *voters, const json_t *members, const json_t *positions,
		     int state_matter, int consulted, int by_timer, const char **outcome,
		     json_t **facts)
{
	*outcome = "no_consensus";
	*facts = NULL;
	size_t nv = json_array_size(voters), np = json_array_size(positions);
	const char **codes = calloc(nv + 1, sizeof(char *));
	const char **withdrawn = calloc(nv + 1, sizeof(char *));
	rule_vote *votes = calloc(np + 1, sizeof(*votes));
	json_t *missing = json_array(), *objected = json_array();
	int ok = codes && withdrawn && votes && missing && objected;
	size_t n = 0, nw = 0;
	for (size_t i = 0; ok && i < nv; i++) {
		const char *c = json_string_value(json_array_get(voters, i));
		if (!c)
			continue;
		codes[n++] = c;
		if (!in_array(members, c))
			withdrawn[nw++] = c;
	}
	for (size_t i = 0; ok && i < np; i++) {
		const json_t *x = json_array_get(positions, i);
		const char *pos = json_string_value(json_object_get(x, "position"));
		votes[i] = (rule_vote){json_string_value(json_object_get(x, "org")),
				       position_parse(pos)};
	}
	if (ok) {
		rule_result r;
		rule_evaluate(codes, n, withdrawn, nw, votes, np, state_matter, consulted, &r);
		*outcome = r.reached ? "consensus" : "no_consensus";
		/* what the close found: the voters still active that had not
		 * responded, and those that object */
		for (size_t i = 0; i < n; i++) {
			if (!in_array(members, codes[i]))
				continue;
			enum position held = held_by(positions, codes[i]);
			if (held == POS_NONE)
				json_array_append_new(missing, json_string(codes[i]));
			else if (held == POS_OBJECT)
				json_array_append_new(objected, json_string(codes[i]));
		}
		/* json_pack takes missing and objected, even when it fails */
		*facts = json_pack("{s:o,s:o,s:b,s:b}", "missing", missing, "objected", objected,
				   "consultation_missing", state_matter && !consulted,
				   "closing_time", by_timer);
		missing = objected = NULL;
	}
	json_decref(missing);
	json_decref(objected);
	free(codes);
	free(withdrawn);
	free(votes);
	return *facts ? 0 : -1;
}

const char *lifecycle__reason(const char *written) { return written && *written ? written : NULL; }

int lifecycle__timer(const char *status, int64_t closes_at, int64_t now_ms, int64_t *wait_ms)
{
	*wait_ms = 0;
	if (!status || strcmp(status, "open") || !closes_at)
		return 0;
	*wait_ms = closes_at > now_ms ? closes_at - now_ms : 0;
	return 1;
}

int lifecycle__due(int64_t closes_at, int64_t now_ms) { return closes_at && closes_at <= now_ms; }

int lifecycle__closes_at(const json_t *v, int required, int64_t now_ms, int64_t *out)
{
	*out = 0;
	if (!v || json_is_null(v))
		return required ? -1 : 0;
	if (!json_is_integer(v) || json_integer_value(v) <= now_ms)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

int lifecycle__review_date_ok(const char *s)
{
	return s && (!*s || (strlen(s) == 10 && s[4] == '-' && s[7] == '-'));
}
