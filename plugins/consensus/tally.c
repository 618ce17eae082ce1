/*
 * The loop's copy of each proposal (status, voters, positions, consultation)
 * and the live tally computed from it.  Pure code (see tally.h): the loop
 * answers permission checks and tallies from here without a storage round
 * trip, and live.c brings it up to date after each commit.
 */
#include "tally.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static proposal **props;
static size_t n_props, cap_props;
static char **active_members; /* active member organisations now */
static size_t n_active;
static char state_cp[17]; /* the state counterpart's code */

proposal *tally__find(int64_t id)
{
	for (size_t i = 0; i < n_props; i++)
		if (props[i]->id == id)
			return props[i];
	return NULL;
}

size_t tally__count(void) { return n_props; }

proposal *tally__at(size_t i) { return i < n_props ? props[i] : NULL; }

json_t *tally__row_voters(const json_t *row)
{
	const char *txt = json_string_value(json_object_get(row, "voters"));
	json_t *v = json_loads(txt ? txt : "[]", 0, NULL);
	return json_is_array(v) ? v : (json_decref(v), json_array());
}

void tally__strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

char **tally__strv_from_json(const json_t *a, size_t *n)
{
	*n = 0;
	char **v = calloc(json_array_size(a) + 1, sizeof(char *));
	if (!v)
		return NULL;
	size_t i;
	const json_t *x;
	json_array_foreach(a, i, x) {
		if (!json_is_string(x))
			continue;
		if (!(v[*n] = strdup(json_string_value(x)))) {
			tally__strv_free(v, *n);
			*n = 0;
			return NULL;
		}
		(*n)++;
	}
	return v;
}

int tally__set_vote(proposal *p, const char *org, enum position pos, const char *reason,
		    const char *cast_by, int64_t cast_at)
{
	char *r = strdup(reason ? reason : "");
	if (!r || !org)
		return free(r), -1;
	vote *v = NULL;
	for (size_t i = 0; i < p->n_votes && !v; i++)
		if (!strcmp(p->votes[i].org, org))
			v = &p->votes[i];
	if (!v) {
		if (p->n_votes == p->cap_votes) {
			size_t nc = p->cap_votes ? p->cap_votes * 2 : 16;
			vote *nv = realloc(p->votes, nc * sizeof(*nv));
			if (!nv)
				return free(r), -1;
			p->votes = nv;
			p->cap_votes = nc;
		}
		v = &p->votes[p->n_votes++];
		memset(v, 0, sizeof(*v));
		snprintf(v->org, sizeof(v->org), "%s", org);
	}
	v->pos = pos;
	free(v->reason);
	v->reason = r;
	snprintf(v->cast_by, sizeof(v->cast_by), "%s", cast_by ? cast_by : "");
	v->cast_at = cast_at;
	v->changed = 1;
	return 0;
}

static void clear_votes(proposal *p)
{
	for (size_t i = 0; i < p->n_votes; i++)
		free(p->votes[i].reason);
	p->n_votes = 0;
}

int tally__is_voter(const proposal *p, const char *org)
{
	for (size_t i = 0; i < p->n_voters; i++)
		if (!strcmp(p->voters[i], org))
			return 1;
	return 0;
}

int tally__has_responded(const proposal *p, const char *org)
{
	for (size_t k = 0; k < p->n_votes; k++)
		if (!strcmp(p->votes[k].org, org) && p->votes[k].pos != POS_NONE)
			return 1;
	return 0;
}

static int is_active_member(const char *org)
{
	for (size_t i = 0; i < n_active; i++)
		if (!strcmp(active_members[i], org))
			return 1;
	return 0;
}

void tally__set_membership(const json_t *members, const char *state_counterpart)
{
	if (members) {
		size_t n;
		char **v = tally__strv_from_json(members, &n);
		if (v || !json_array_size(members)) { /* out of memory: keep the last known */
			tally__strv_free(active_members, n_active);
			active_members = v;
			n_active = n;
		}
	}
	snprintf(state_cp, sizeof(state_cp), "%s", state_counterpart ? state_counterpart : "");
}

const char *tally__state_counterpart(void) { return state_cp; }

proposal *tally__sync(const json_t *row, const json_t *positions, const json_t *consultation)
{
	if (!json_is_object(row))
		return NULL;
	int64_t id = json_integer_value(json_object_get(row, "id"));
	/* the voters first: a copy that cannot hold them is not updated */
	json_t *vj = tally__row_voters(row);
	size_t nv;
	char **voters = tally__strv_from_json(vj, &nv);
	int no_voters = !json_array_size(vj);
	json_decref(vj);
	if (!voters && !no_voters)
		return NULL;
	proposal *p = tally__find(id);
	if (!p) {
		if (n_props == cap_props) {
			size_t nc = cap_props ? cap_props * 2 : 32;
			proposal **np = realloc(props, nc * sizeof(*np));
			if (!np)
				return tally__strv_free(voters, nv), NULL;
			props = np;
			cap_props = nc;
		}
		p = calloc(1, sizeof(*p));
		if (!p)
			return tally__strv_free(voters, nv), NULL;
		p->id = id;
		props[n_props++] = p;
	}
	tally__strv_free(p->voters, p->n_voters);
	p->voters = voters;
	p->n_voters = nv;
	const char *status = json_string_value(json_object_get(row, "status"));
	snprintf(p->status, sizeof(p->status), "%s", status ? status : "draft");
	p->state_matter = (int)json_integer_value(json_object_get(row, "state_matter"));
	p->hide_tally = (int)json_integer_value(json_object_get(row, "hide_tally"));
	const char *oc = json_string_value(json_object_get(row, "outcome"));
	snprintf(p->outcome, sizeof(p->outcome), "%s", oc ? oc : "");
	p->closes_at = json_integer_value(json_object_get(row, "closes_at"));
	const char *scope = json_string_value(json_object_get(row, "scope"));
	p->group = scope && !strncmp(scope, "group:", 6) ? strtoll(scope + 6, NULL, 10) : 0;
	int complete = 1;
	if (positions) {
		clear_votes(p);
		size_t i;
		const json_t *x;
		json_array_foreach(positions, i, x) {
			const char *pos = json_string_value(json_object_get(x, "position"));
			if (tally__set_vote(p, json_string_value(json_object_get(x, "org")),
					    position_parse(pos),
					    json_string_value(json_object_get(x, "reason")),
					    json_string_value(json_object_get(x, "cast_by")),
					    json_integer_value(json_object_get(x, "cast_at"))))
				complete = 0;
		}
	}
	json_decref(p->consultation);
	p->consultation = json_is_object(consultation) ? json_deep_copy(consultation) : NULL;
	p->consulted = json_is_object(consultation);
	if (p->consulted && !p->consultation)
		complete = 0;
	p->record_changed = 1;
	return complete ? p : NULL;
}

void tally__reset(void)
{
	for (size_t i = 0; i < n_props; i++) {
		tally__strv_free(props[i]->voters, props[i]->n_voters);
		clear_votes(props[i]);
		free(props[i]->votes);
		json_decref(props[i]->consultation);
		free(props[i]);
	}
	free(props);
	props = NULL;
	n_props = cap_props = 0;
	tally__strv_free(active_members, n_active);
	active_members = NULL;
	n_active = 0;
	state_cp[0] = 0;
}

int tally__evaluate(const proposal *p, rule_result *r)
{
	const char **withdrawn = calloc(p->n_voters + 1, sizeof(char *));
	rule_vote *v = calloc(p->n_votes + 1, sizeof(*v));
	if (!withdrawn || !v) {
		free(withdrawn);
		free(v);
		memset(r, 0, sizeof(*r));
		return -1;
	}
	size_t nw = 0;
	for (size_t i = 0; i < p->n_voters; i++)
		if (!is_active_member(p->voters[i]))
			withdrawn[nw++] = p->voters[i];
	for (size_t i = 0; i < p->n_votes; i++)
		v[i] = (rule_vote){p->votes[i].org, p->votes[i].pos};
	rule_evaluate((const char *const *)p->voters, p->n_voters, withdrawn, nw, v, p->n_votes,
		      p->state_matter, p->consulted, r);
	free(v);
	free(withdrawn);
	return 0;
}

static int vote_cmp(const void *a, const void *b)
{
	return strcmp(((const vote *)a)->org, ((const vote *)b)->org);
}

static json_t *vote_json(const vote *v, int hidden)
{
	json_t *x = json_pack("{s:s,s:s,s:I}", "org", v->org, "cast_by", v->cast_by, "cast_at",
			      (json_int_t)v->cast_at);
	if (x && !hidden) {
		json_object_set_new(x, "position", json_string(position_name(v->pos)));
		json_object_set_new(x, "reason", json_string(v->reason ? v->reason : ""));
	}
	return x;
}

/* The record of positions as consensus.get shows it to members: with a
 * hidden tally, until the close, who responded and when, not what. */
static json_t *positions_json(const proposal *p, int hidden)
{
	vote *sorted = malloc((p->n_votes + 1) * sizeof(*sorted));
	json_t *a = json_array();
	if (!sorted || !a) {
		free(sorted);
		json_decref(a);
		return NULL;
	}
	if (p->n_votes) { /* votes is NULL before the first one: no memcpy(.., NULL, 0) */
		memcpy(sorted, p->votes, p->n_votes * sizeof(*sorted));
		qsort(sorted, p->n_votes, sizeof(*sorted), vote_cmp);
	}
	for (size_t i = 0; i < p->n_votes; i++) {
		const vote *v = &sorted[i];
		if (v->pos == POS_NONE)
			continue;
		json_array_append_new(a, vote_json(v, hidden));
	}
	free(sorted);
	return a;
}

/* With a hidden tally, until the close, only who has responded is shown.
 * The live event carries the record of positions and the consultation
 * (with_record), as consensus.get gives them to members, so that co-chairs
 * see who objects and why as it happens (a get reply has them beside the
 * tally already). */
json_t *tally__json(const proposal *p, int with_record)
{
	rule_result r;
	tally__evaluate(p, &r);
	json_t *responded = json_array(), *pending = json_array();
	for (size_t i = 0; responded && pending && i < p->n_voters; i++) {
		if (!is_active_member(p->voters[i]))
			continue;
		json_array_append_new(tally__has_responded(p, p->voters[i]) ? responded : pending,
				      json_string(p->voters[i]));
	}
	int hidden = p->hide_tally && strcmp(p->status, "closed");
	/* json_pack releases what "o" took even when it fails (an array NULL) */
	json_t *t = json_pack("{s:I,s:s,s:o,s:o,s:b,s:b,s:b,s:b}", "proposal", (json_int_t)p->id,
			      "status", p->status, "responded", responded, "pending", pending,
			      "state_matter", p->state_matter, "consultation_in", p->consulted,
			      "hidden", hidden, "consensus_possible", r.possible);
	if (!t)
		return NULL;
	if (!hidden) {
		json_t *counts = json_object();
		for (int k = 1; counts && k < POS__COUNT; k++)
			json_object_set_new(counts, position_name((enum position)k),
					    json_integer(r.counts[k]));
		json_object_set_new(t, "counts", counts);
		json_object_set_new(t, "consensus_reached", json_boolean(r.reached));
	}
	if (p->outcome[0])
		json_object_set_new(t, "outcome", json_string(p->outcome));
	if (with_record) {
		json_object_set_new(t, "positions", positions_json(p, hidden));
		json_object_set_new(t, "consultation",
				    p->consultation ? json_deep_copy(p->consultation) : json_null());
	}
	return t;
}

json_t *tally__event(proposal *p)
{
	int hidden = p->hide_tally && strcmp(p->status, "closed");
	json_t *t = tally__json(p, p->record_changed);
	if (!t)
		return NULL;
	if (!p->record_changed) {
		json_t *changed = json_array();
		for (size_t i = 0; changed && i < p->n_votes; i++)
			if (p->votes[i].changed && p->votes[i].pos != POS_NONE &&
			    json_array_append_new(changed, vote_json(&p->votes[i], hidden))) {
				json_decref(changed);
				changed = NULL;
			}
		/* no list, no event: the next one carries the whole record */
		if (!changed || json_object_set_new(t, "changed", changed)) {
			json_decref(t);
			p->record_changed = 1;
			return NULL;
		}
	}
	p->record_changed = 0;
	for (size_t i = 0; i < p->n_votes; i++)
		p->votes[i].changed = 0;
	return t;
}

tally_when tally__coalesce(const proposal *p, int final, int64_t interval_ms, int64_t now_ms,
			   int64_t *wait_ms)
{
	*wait_ms = 0;
	if (final || interval_ms == 0)
		return TALLY_PUSH_NOW;
	if (p->tally_timer)
		return TALLY_PUSH_ARMED;
	int64_t earliest = p->push_tat - (TALLY_BURST - 1) * interval_ms;
	if (now_ms >= earliest)
		return TALLY_PUSH_NOW;
	*wait_ms = earliest - now_ms;
	return TALLY_PUSH_LATER;
}

void tally__pushed(proposal *p, int64_t interval_ms, int64_t now_ms)
{
	p->push_tat = (p->push_tat > now_ms ? p->push_tat : now_ms) + interval_ms;
}
