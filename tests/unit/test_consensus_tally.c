/* The live tally of the consensus plugin (plugins/consensus/tally.c and
 * view.c, compiled in): the loop's copy of proposals as commits update it,
 * the counts per position, when consensus is reached (objections, missing
 * organisations, withdrawn ones, state matters waiting for the state
 * counterpart's consultation), what a hidden tally keeps back, what each
 * caller's view of a proposal shows, and when a changed tally is pushed.
 * Each test builds proposals from rows shaped like the database's and
 * checks the JSON members would receive. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "tally.h"

/* A proposal row as store.c reads it (voters is the stored JSON text). */
static json_t *row(int64_t id, const char *status, int state_matter, int hide_tally,
		   const char *voters)
{
	return json_pack("{s:I,s:s,s:s,s:i,s:i,s:s,s:n,s:n}", "id", (json_int_t)id, "status",
			 status, "scope", "network", "state_matter", state_matter, "hide_tally",
			 hide_tally, "voters", voters, "outcome", "closes_at");
}

static json_t *members_abc(void) { return json_pack("[s,s,s]", "IOM", "UNDP", "UNHCR"); }

/* A proposal (id 1, network) voted on by IOM, UNDP and UNHCR, all active,
 * MOL the state counterpart; no positions yet. */
static proposal *three_voters(const char *status, int state_matter, int hide_tally)
{
	json_t *m = members_abc();
	tally__set_membership(m, "MOL");
	json_decref(m);
	json_t *r = row(1, status, state_matter, hide_tally, "[\"IOM\",\"UNDP\",\"UNHCR\"]");
	json_t *none = json_array();
	proposal *p = tally__sync(r, none, json_null());
	json_decref(r);
	json_decref(none);
	assert_non_null(p);
	return p;
}

static int teardown(void **s)
{
	(void)s;
	tally__reset();
	return 0;
}

static void say(proposal *p, const char *org, enum position pos, const char *reason)
{
	assert_int_equal(tally__set_vote(p, org, pos, reason, "someone", 1000), 0);
}

static json_int_t count(const json_t *t, const char *pos)
{
	const json_t *c = json_object_get(json_object_get(t, "counts"), pos);
	assert_true(json_is_integer(c));
	return json_integer_value(c);
}

/* "[\"A\",\"B\"]" of a JSON array of strings, for comparisons. */
static void assert_codes(const json_t *a, const char *want)
{
	char *got = json_dumps(a, JSON_COMPACT);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void counts_per_position(void **s)
{
	(void)s;
	proposal *p = three_voters("open", 0, 0);
	say(p, "IOM", POS_AGREE, "");
	say(p, "UNDP", POS_RESERVATIONS, "costs");
	say(p, "UNHCR", POS_ABSTAIN, "");
	json_t *t = tally__json(p, 0);
	assert_int_equal(count(t, "agree"), 1);
	assert_int_equal(count(t, "reservations"), 1);
	assert_int_equal(count(t, "abstain"), 1);
	assert_int_equal(count(t, "object"), 0);
	assert_codes(json_object_get(t, "responded"), "[\"IOM\",\"UNDP\",\"UNHCR\"]");
	assert_codes(json_object_get(t, "pending"), "[]");
	/* reservations and abstentions do not block */
	assert_true(json_is_true(json_object_get(t, "consensus_reached")));
	assert_true(json_is_true(json_object_get(t, "consensus_possible")));
	assert_false(json_is_true(json_object_get(t, "hidden")));
	assert_int_equal(json_integer_value(json_object_get(t, "proposal")), 1);
	assert_string_equal(json_string_value(json_object_get(t, "status")), "open");
	assert_null(json_object_get(t, "positions")); /* only with_record */
	json_decref(t);
}

static void an_objection_blocks(void **s)
{
	(void)s;
	proposal *p = three_voters("open", 0, 0);
	say(p, "IOM", POS_AGREE, "");
	say(p, "UNDP", POS_OBJECT, "not ours to decide");
	say(p, "UNHCR", POS_AGREE, "");
	json_t *t = tally__json(p, 0);
	assert_int_equal(count(t, "object"), 1);
	assert_false(json_is_true(json_object_get(t, "consensus_reached")));
	assert_false(json_is_true(json_object_get(t, "consensus_possible")));
	json_decref(t);
	/* the objection withdrawn: a later position replaces the earlier one */
	say(p, "UNDP", POS_AGREE, "");
	t = tally__json(p, 0);
	assert_int_equal(count(t, "object"), 0);
	assert_int_equal(count(t, "agree"), 3);
	assert_true(json_is_true(json_object_get(t, "consensus_reached")));
	json_decref(t);
}

static void a_missing_organisation_prevents_consensus(void **s)
{
	(void)s;
	proposal *p = three_voters("open", 0, 0);
	say(p, "IOM", POS_AGREE, "");
	say(p, "UNHCR", POS_AGREE, "");
	json_t *t = tally__json(p, 0);
	assert_codes(json_object_get(t, "responded"), "[\"IOM\",\"UNHCR\"]");
	assert_codes(json_object_get(t, "pending"), "[\"UNDP\"]");
	assert_false(json_is_true(json_object_get(t, "consensus_reached")));
	assert_true(json_is_true(json_object_get(t, "consensus_possible")));
	json_decref(t);
	assert_true(tally__has_responded(p, "IOM"));
	assert_false(tally__has_responded(p, "UNDP"));
	say(p, "UNDP", POS_AGREE, "");
	t = tally__json(p, 0);
	assert_true(json_is_true(json_object_get(t, "consensus_reached")));
	json_decref(t);
}

static void withdrawn_organisations_neither_vote_nor_block(void **s)
{
	(void)s;
	proposal *p = three_voters("open", 0, 0);
	say(p, "IOM", POS_AGREE, "");
	say(p, "UNDP", POS_AGREE, "");
	say(p, "UNHCR", POS_OBJECT, "no");
	json_t *two = json_pack("[s,s]", "IOM", "UNDP"); /* UNHCR withdrew since the open */
	tally__set_membership(two, "MOL");
	json_decref(two);
	json_t *t = tally__json(p, 0);
	assert_codes(json_object_get(t, "responded"), "[\"IOM\",\"UNDP\"]");
	assert_codes(json_object_get(t, "pending"), "[]");
	assert_int_equal(count(t, "object"), 0);
	assert_true(json_is_true(json_object_get(t, "consensus_reached")));
	json_decref(t);
	/* still a voter of the proposal (frozen at the open) */
	assert_true(tally__is_voter(p, "UNHCR"));
	assert_false(tally__is_voter(p, "MOL"));
}

static void positions_of_non_voters_do_not_count(void **s)
{
	(void)s;
	proposal *p = three_voters("open", 0, 0);
	say(p, "IOM", POS_AGREE, "");
	say(p, "UNDP", POS_AGREE, "");
	say(p, "UNHCR", POS_AGREE, "");
	say(p, "ILO", POS_OBJECT, "not a voter");
	json_t *t = tally__json(p, 0);
	assert_int_equal(count(t, "object"), 0);
	assert_true(json_is_true(json_object_get(t, "consensus_reached")));
	json_decref(t);
}

/* A state matter needs the state counterpart's (MOL's) consultation: all
 * agreeing is not consensus until its view is in. */
static void state_matter_needs_the_consultation(void **s)
{
	(void)s;
	proposal *p = three_voters("open", 1, 0);
	assert_string_equal(tally__state_counterpart(), "MOL");
	say(p, "IOM", POS_AGREE, "");
	say(p, "UNDP", POS_AGREE, "");
	say(p, "UNHCR", POS_AGREE, "");
	json_t *t = tally__json(p, 1);
	assert_true(json_is_true(json_object_get(t, "state_matter")));
	assert_false(json_is_true(json_object_get(t, "consultation_in")));
	assert_false(json_is_true(json_object_get(t, "consensus_reached")));
	assert_true(json_is_true(json_object_get(t, "consensus_possible")));
	assert_true(json_is_null(json_object_get(t, "consultation")));
	json_decref(t);
	/* MOL gives its view: the commit's snapshot brings it */
	json_t *r = row(1, "open", 1, 0, "[\"IOM\",\"UNDP\",\"UNHCR\"]");
	json_t *cons = json_pack("{s:s,s:s,s:s,s:i}", "org", "MOL", "view", "supported", "given_by",
				 "mol.fp", "at", 5);
	assert_ptr_equal(tally__sync(r, NULL, cons), p); /* NULL: positions kept */
	t = tally__json(p, 1);
	assert_true(json_is_true(json_object_get(t, "consultation_in")));
	assert_true(json_is_true(json_object_get(t, "consensus_reached")));
	assert_int_equal(count(t, "agree"), 3);
	assert_string_equal(json_string_value(
				    json_object_get(json_object_get(t, "consultation"), "view")),
			    "supported");
	json_decref(t);
	json_decref(r);
	json_decref(cons);
}

/* A hidden tally, until the close: who responded, never what (no counts,
 * no consensus_reached, no position or reason in the record). */
static void a_hidden_tally_reveals_no_counts(void **s)
{
	(void)s;
	proposal *p = three_voters("open", 0, 1);
	say(p, "IOM", POS_OBJECT, "a secret reason");
	say(p, "UNDP", POS_AGREE, "");
	json_t *t = tally__json(p, 1);
	assert_true(json_is_true(json_object_get(t, "hidden")));
	assert_null(json_object_get(t, "counts"));
	assert_null(json_object_get(t, "consensus_reached"));
	assert_codes(json_object_get(t, "responded"), "[\"IOM\",\"UNDP\"]");
	const json_t *rec = json_object_get(t, "positions");
	assert_int_equal(json_array_size(rec), 2);
	for (size_t i = 0; i < 2; i++) {
		const json_t *x = json_array_get(rec, i);
		assert_non_null(json_object_get(x, "org"));
		assert_non_null(json_object_get(x, "cast_at"));
		assert_null(json_object_get(x, "position"));
		assert_null(json_object_get(x, "reason"));
	}
	char *all = json_dumps(t, 0);
	assert_null(strstr(all, "secret"));
	assert_null(strstr(all, "object\""));
	free(all);
	json_decref(t);
	/* closed: everything shows */
	json_t *r = row(1, "closed", 0, 1, "[\"IOM\",\"UNDP\",\"UNHCR\"]");
	json_object_set_new(r, "outcome", json_string("no_consensus"));
	tally__sync(r, NULL, json_null());
	json_decref(r);
	t = tally__json(p, 1);
	assert_false(json_is_true(json_object_get(t, "hidden")));
	assert_int_equal(count(t, "object"), 1);
	assert_string_equal(json_string_value(json_object_get(t, "outcome")), "no_consensus");
	rec = json_object_get(t, "positions");
	assert_string_equal(json_string_value(json_object_get(json_array_get(rec, 0), "org")), "IOM");
	assert_string_equal(json_string_value(json_object_get(json_array_get(rec, 0), "reason")),
			    "a secret reason");
	json_decref(t);
}

/* The record in a tally event is in organisation order, whatever order the
 * positions came in. */
static void the_record_is_sorted_by_organisation(void **s)
{
	(void)s;
	proposal *p = three_voters("open", 0, 0);
	say(p, "UNHCR", POS_AGREE, "");
	say(p, "IOM", POS_RESERVATIONS, "r");
	json_t *t = tally__json(p, 1);
	const json_t *rec = json_object_get(t, "positions");
	assert_string_equal(json_string_value(json_object_get(json_array_get(rec, 0), "org")), "IOM");
	assert_string_equal(json_string_value(json_object_get(json_array_get(rec, 0), "position")),
			    "reservations");
	assert_string_equal(json_string_value(json_object_get(json_array_get(rec, 1), "org")),
			    "UNHCR");
	json_decref(t);
}

/* The loop's copy follows the rows of the commits: a snapshot's positions
 * replace those held, a new id adds a proposal, reset empties it. */
static void the_copy_follows_the_commits(void **s)
{
	(void)s;
	proposal *p = three_voters("open", 0, 0);
	say(p, "IOM", POS_AGREE, "");
	json_t *r = row(1, "open", 0, 0, "[\"IOM\",\"UNDP\",\"UNHCR\"]");
	json_t *pos = json_pack("[{s:s,s:s,s:s,s:s,s:i}]", "org", "UNDP", "position", "object",
				"reason", "why", "cast_by", "undp.fp", "cast_at", 7);
	assert_ptr_equal(tally__sync(r, pos, json_null()), p);
	assert_false(tally__has_responded(p, "IOM"));
	assert_true(tally__has_responded(p, "UNDP"));
	json_decref(r);
	json_decref(pos);
	json_t *g = row(2, "draft", 0, 0, "[]");
	json_object_set_new(g, "scope", json_string("group:12"));
	proposal *q = tally__sync(g, NULL, json_null());
	json_decref(g);
	assert_non_null(q);
	assert_int_equal(q->group, 12);
	assert_int_equal(q->n_voters, 0);
	assert_int_equal(tally__count(), 2);
	assert_ptr_equal(tally__find(2), q);
	assert_ptr_equal(tally__at(0), p);
	assert_null(tally__find(3));
	/* what is not a proposal row adds nothing */
	assert_null(tally__sync(NULL, NULL, json_null()));
	json_t *not_a_row = json_array();
	assert_null(tally__sync(not_a_row, NULL, json_null()));
	json_decref(not_a_row);
	assert_int_equal(tally__count(), 2);
	tally__reset();
	assert_int_equal(tally__count(), 0);
	assert_null(tally__find(1));
	assert_string_equal(tally__state_counterpart(), "");
}

/* ---- what each caller sees (view.c) ---- */

static json_t *snapshot(const char *status, int hide_tally)
{
	json_t *r = row(1, status, 0, hide_tally, "[\"IOM\",\"UNDP\",\"UNHCR\"]");
	json_object_set_new(r, "close_facts",
			    json_string("{\"missing\":[\"UNHCR\"],\"objected\":[],"
					"\"consultation_missing\":false,\"closing_time\":false}"));
	json_object_set_new(r, "outcome_statement", json_string("text"));
	json_object_set_new(r, "close_reason", json_string("why"));
	return json_pack("{s:o,s:[{s:s,s:s,s:s},{s:s,s:s,s:s}],s:{s:s,s:s}}", "proposal", r,
			 "positions", "org", "IOM", "position", "object", "reason", "iom's reason",
			 "org", "UNDP", "position", "agree", "reason", "", "consultation", "org",
			 "MOL", "view", "fine");
}

static void a_member_sees_its_own_position_under_a_hidden_tally(void **s)
{
	(void)s;
	proposal *p = three_voters("open", 0, 1);
	say(p, "IOM", POS_OBJECT, "iom's reason");
	json_t *snap = snapshot("open", 1);
	json_t *v = view__for_caller(snap, 0, "UNDP");
	const json_t *pos = json_object_get(v, "positions");
	assert_int_equal(json_array_size(pos), 2);
	assert_null(json_object_get(json_array_get(pos, 0), "position")); /* IOM's */
	assert_null(json_object_get(json_array_get(pos, 0), "reason"));
	assert_string_equal(json_string_value(json_object_get(json_array_get(pos, 1), "position")),
			    "agree"); /* UNDP's own */
	assert_null(json_object_get(json_object_get(v, "tally"), "counts"));
	/* stored text as JSON, flags as booleans */
	const json_t *pr = json_object_get(v, "proposal");
	assert_true(json_is_array(json_object_get(pr, "voters")));
	assert_true(json_is_true(json_object_get(pr, "hide_tally")));
	assert_true(json_is_object(json_object_get(pr, "close_facts")));
	json_decref(v);
	json_decref(snap);
	snap = snapshot("closed", 1);
	v = view__for_caller(snap, 0, "UNDP");
	pos = json_object_get(v, "positions");
	assert_string_equal(json_string_value(json_object_get(json_array_get(pos, 0), "reason")),
			    "iom's reason");
	json_decref(v);
	json_decref(snap);
}

static void partners_never_see_how_it_closed(void **s)
{
	(void)s;
	three_voters("closed", 1, 0);
	json_t *snap = snapshot("closed", 0);
	json_t *v = view__for_caller(snap, 1, "MOL");
	const json_t *pr = json_object_get(v, "proposal");
	static const char *const hidden[] = {"voters", "outcome", "outcome_statement",
					     "close_reason", "close_facts"};
	for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
		assert_null(json_object_get(pr, hidden[i]));
	assert_null(json_object_get(v, "positions"));
	assert_null(json_object_get(v, "tally"));
	assert_string_equal(json_string_value(
				    json_object_get(json_object_get(v, "consultation"), "view")),
			    "fine"); /* its own */
	json_decref(v);
	/* another partner (a working group's) does not see MOL's view */
	v = view__for_caller(snap, 1, "ILO");
	assert_true(json_is_null(json_object_get(v, "consultation")));
	json_decref(v);
	json_decref(snap);
}

/* ---- when a changed tally goes out ---- */

static void pushes_are_coalesced(void **s)
{
	(void)s;
	proposal p = {.id = 1};
	int64_t wait = -1;
	/* the first change goes out at once, and so do the next two of a
	 * burst (TALLY_BURST 3) */
	for (int k = 0; k < TALLY_BURST; k++) {
		assert_int_equal(tally__coalesce(&p, 0, 100, 5000, &wait), TALLY_PUSH_NOW);
		tally__pushed(&p, 100, 5000);
	}
	/* ahead of ten a second: later, when the rate allows */
	assert_int_equal(tally__coalesce(&p, 0, 100, 5030, &wait), TALLY_PUSH_LATER);
	assert_int_equal(wait, 70);
	assert_int_equal(tally__coalesce(&p, 0, 100, 5000, &wait), TALLY_PUSH_LATER);
	assert_int_equal(wait, 100);
	/* a timer armed: it will push the latest state */
	p.tally_timer = 9;
	assert_int_equal(tally__coalesce(&p, 0, 100, 5050, &wait), TALLY_PUSH_ARMED);
	assert_int_equal(tally__coalesce(&p, 0, 100, 6000, &wait), TALLY_PUSH_ARMED);
	/* the final state (a close) at once, timer or not */
	assert_int_equal(tally__coalesce(&p, 1, 100, 5050, &wait), TALLY_PUSH_NOW);
	/* no coalescing configured: every change */
	assert_int_equal(tally__coalesce(&p, 0, 0, 5001, &wait), TALLY_PUSH_NOW);
	p.tally_timer = 0;
	assert_int_equal(tally__coalesce(&p, 0, 100, 5100, &wait), TALLY_PUSH_NOW);
	assert_int_equal(tally__coalesce(&p, 0, 100, 5099, &wait), TALLY_PUSH_LATER);
	assert_int_equal(wait, 1);

	/* positions at about the rate, with jitter, never wait */
	proposal q = {.id = 2};
	int64_t t = 10000;
	for (int k = 0; k < 100; k++) {
		t += 100 + (k % 2 ? 30 : -30); /* 70 and 130 ms apart */
		assert_int_equal(tally__coalesce(&q, 0, 100, t, &wait), TALLY_PUSH_NOW);
		tally__pushed(&q, 100, t);
	}
	/* a burst of 50 in one millisecond: 3 at once, then one per 100 ms */
	proposal r = {.id = 3};
	int now_pushes = 0;
	for (int k = 0; k < 50; k++)
		if (tally__coalesce(&r, 0, 100, 20000, &wait) == TALLY_PUSH_NOW) {
			tally__pushed(&r, 100, 20000);
			now_pushes++;
		}
	assert_int_equal(now_pushes, TALLY_BURST);
	assert_int_equal(tally__coalesce(&r, 0, 100, 20000, &wait), TALLY_PUSH_LATER);
	assert_int_equal(wait, 100);
}

/* The live event: the whole record after a snapshot, then only the
 * positions stated since the last event, in the record's form (hidden
 * while the tally is); a position stated twice between two events is
 * sent once, as it is now. */
static void live_events_carry_what_changed(void **s)
{
	(void)s;
	proposal *p = three_voters("open", 0, 0);
	say(p, "IOM", POS_AGREE, "fine");
	json_t *e = tally__event(p); /* after the snapshot: everything */
	assert_non_null(e);
	assert_non_null(json_object_get(e, "positions"));
	assert_true(json_object_get(e, "consultation") != NULL);
	assert_null(json_object_get(e, "changed"));
	assert_int_equal(json_array_size(json_object_get(e, "positions")), 1);
	json_decref(e);

	e = tally__event(p); /* nothing stated since */
	assert_null(json_object_get(e, "positions"));
	assert_int_equal(json_array_size(json_object_get(e, "changed")), 0);
	json_decref(e);

	say(p, "UNDP", POS_AGREE, "first");
	say(p, "UNDP", POS_OBJECT, "second thoughts");
	say(p, "UNHCR", POS_ABSTAIN, "");
	e = tally__event(p);
	const json_t *ch = json_object_get(e, "changed");
	assert_int_equal(json_array_size(ch), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ch, 0), "org")), "UNDP");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ch, 0), "position")),
			    "object");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ch, 0), "reason")),
			    "second thoughts");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ch, 1), "org")),
			    "UNHCR");
	assert_null(json_object_get(e, "positions"));
	assert_int_equal(count(e, "object"), 1);
	assert_codes(json_object_get(e, "responded"), "[\"IOM\",\"UNDP\",\"UNHCR\"]");
	json_decref(e);

	/* a hidden tally: who and when, never what */
	tally__reset();
	p = three_voters("open", 0, 1);
	json_decref(tally__event(p));
	say(p, "IOM", POS_OBJECT, "secret");
	e = tally__event(p);
	ch = json_object_get(e, "changed");
	assert_int_equal(json_array_size(ch), 1);
	assert_null(json_object_get(json_array_get(ch, 0), "position"));
	assert_null(json_object_get(json_array_get(ch, 0), "reason"));
	assert_null(json_object_get(e, "counts"));
	json_decref(e);

	/* reloaded from a snapshot (closed): the whole record again, shown */
	json_t *r = row(1, "closed", 0, 1, "[\"IOM\",\"UNDP\",\"UNHCR\"]");
	json_t *pos = json_pack("[{s:s,s:s,s:s,s:s,s:i}]", "org", "IOM", "position", "object",
				"reason", "secret", "cast_by", "iom", "cast_at", 5);
	assert_non_null(tally__sync(r, pos, json_null()));
	json_decref(r);
	json_decref(pos);
	e = tally__event(p);
	assert_null(json_object_get(e, "changed"));
	const json_t *rec = json_object_get(e, "positions");
	assert_int_equal(json_array_size(rec), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(rec, 0), "reason")),
			    "secret");
	json_decref(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(counts_per_position, teardown),
		cmocka_unit_test_teardown(an_objection_blocks, teardown),
		cmocka_unit_test_teardown(a_missing_organisation_prevents_consensus, teardown),
		cmocka_unit_test_teardown(withdrawn_organisations_neither_vote_nor_block, teardown),
		cmocka_unit_test_teardown(positions_of_non_voters_do_not_count, teardown),
		cmocka_unit_test_teardown(state_matter_needs_the_consultation, teardown),
		cmocka_unit_test_teardown(a_hidden_tally_reveals_no_counts, teardown),
		cmocka_unit_test_teardown(the_record_is_sorted_by_organisation, teardown),
		cmocka_unit_test_teardown(the_copy_follows_the_commits, teardown),
		cmocka_unit_test_teardown(a_member_sees_its_own_position_under_a_hidden_tally,
					  teardown),
		cmocka_unit_test_teardown(partners_never_see_how_it_closed, teardown),
		cmocka_unit_test(pushes_are_coalesced),
		cmocka_unit_test_teardown(live_events_carry_what_changed, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
