/* The life of a proposal (plugins/consensus/lifecycle.c, compiled in):
 * which request each status allows and with what message a refusal is
 * answered, the outcome and the facts a close records from the committed
 * positions, the reasons a close keeps, and the rules of the closing time
 * (extend, reopen, the closing timer). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "lifecycle.h"

/* ---- which request each status allows ---- */

static const char *const statuses[] = {"draft", "open", "closed"};

typedef struct transition {
	lc_action action;
	/* the refusal per status (draft, open, closed), NULL where allowed */
	const char *refusal[3];
} transition;

static const transition transitions[] = {
	{LC_EDIT, {NULL, "only a draft can be edited", "only a draft can be edited"}},
	{LC_OPEN, {NULL, "only a draft can be opened", "only a draft can be opened"}},
	{LC_EXTEND,
	 {"only an open proposal can be extended", NULL, "only an open proposal can be extended"}},
	{LC_CLOSE,
	 {"only an open proposal can be closed", NULL, "only an open proposal can be closed"}},
	{LC_REOPEN,
	 {"only a closed proposal can be reopened", "only a closed proposal can be reopened", NULL}},
	{LC_POSITION,
	 {"the proposal is not open for positions", NULL, "the proposal is not open for positions"}},
	{LC_COMMENT, {"comments open with the proposal", NULL, NULL}},
};

static void allowed_transitions(void **s)
{
	(void)s;
	for (size_t t = 0; t < sizeof(transitions) / sizeof(transitions[0]); t++)
		for (size_t k = 0; k < 3; k++)
			for (int sm = 0; sm < 2; sm++) { /* a state matter changes none of these */
				const char *want = transitions[t].refusal[k];
				const char *got = lifecycle__refusal(transitions[t].action,
								     statuses[k], sm);
				if (want ? !got || strcmp(got, want) : got != NULL)
					fail_msg("action %d in %s: got \"%s\", want \"%s\"",
						 (int)transitions[t].action, statuses[k],
						 got ? got : "(allowed)", want ? want : "(allowed)");
			}
}

/* The state counterpart's view is taken on open state matters only. */
static void consultation_on_open_state_matters(void **s)
{
	(void)s;
	const char *no = "consultation is taken on open state matters";
	assert_null(lifecycle__refusal(LC_CONSULT, "open", 1));
	assert_string_equal(lifecycle__refusal(LC_CONSULT, "open", 0), no);
	assert_string_equal(lifecycle__refusal(LC_CONSULT, "draft", 1), no);
	assert_string_equal(lifecycle__refusal(LC_CONSULT, "closed", 1), no);
}

/* A status that is none of the three allows nothing that needs one. */
static void unknown_status(void **s)
{
	(void)s;
	assert_non_null(lifecycle__refusal(LC_OPEN, NULL, 0));
	assert_non_null(lifecycle__refusal(LC_CLOSE, "opened", 0));
	assert_non_null(lifecycle__refusal(LC_REOPEN, "", 0));
	assert_non_null(lifecycle__refusal(LC__COUNT, "open", 0));
}

/* ---- what a close finds ---- */

typedef struct closing {
	const char *name;
	const char *members;   /* the active member organisations at the close */
	const char *positions; /* [{org, position}] as committed */
	int state_matter, consulted, by_timer;
	const char *outcome;
	const char *facts; /* as stored (keys sorted) */
} closing;

#define ABC "[\"IOM\",\"UNDP\",\"UNHCR\"]"
#define P(org, pos) "{\"org\":\"" org "\",\"position\":\"" pos "\"}"

static const closing closings[] = {
	{"all agree", ABC, "[" P("IOM", "agree") "," P("UNDP", "agree") "," P("UNHCR", "agree") "]",
	 0, 0, 0, "consensus",
	 "{\"closing_time\":false,\"consultation_missing\":false,\"missing\":[],\"objected\":[]}"},
	{"reservations and abstention do not block", ABC,
	 "[" P("IOM", "reservations") "," P("UNDP", "abstain") "," P("UNHCR", "agree") "]", 0, 0, 0,
	 "consensus",
	 "{\"closing_time\":false,\"consultation_missing\":false,\"missing\":[],\"objected\":[]}"},
	{"an objection", ABC,
	 "[" P("IOM", "agree") "," P("UNDP", "object") "," P("UNHCR", "agree") "]", 0, 0, 0,
	 "no_consensus",
	 "{\"closing_time\":false,\"consultation_missing\":false,\"missing\":[],\"objected\":[\"UNDP\"]}"},
	{"one did not respond, in voter order", ABC, "[" P("UNDP", "agree") "]", 0, 0, 0,
	 "no_consensus",
	 "{\"closing_time\":false,\"consultation_missing\":false,\"missing\":[\"IOM\",\"UNHCR\"],"
	 "\"objected\":[]}"},
	{"nobody responded, closed at the closing time", ABC, "[]", 0, 0, 1, "no_consensus",
	 "{\"closing_time\":true,\"consultation_missing\":false,\"missing\":[\"IOM\",\"UNDP\",\"UNHCR\"],"
	 "\"objected\":[]}"},
	{"a withdrawn organisation does not block by absence", "[\"IOM\",\"UNDP\"]",
	 "[" P("IOM", "agree") "," P("UNDP", "agree") "]", 0, 0, 0, "consensus",
	 "{\"closing_time\":false,\"consultation_missing\":false,\"missing\":[],\"objected\":[]}"},
	{"a withdrawn organisation's objection does not count", "[\"IOM\",\"UNDP\"]",
	 "[" P("IOM", "agree") "," P("UNDP", "agree") "," P("UNHCR", "object") "]", 0, 0, 0,
	 "consensus",
	 "{\"closing_time\":false,\"consultation_missing\":false,\"missing\":[],\"objected\":[]}"},
	{"a new member since the open does not vote", "[\"IOM\",\"UNDP\",\"UNHCR\",\"ILO\"]",
	 "[" P("IOM", "agree") "," P("UNDP", "agree") "," P("UNHCR", "agree") "]", 0, 0, 0,
	 "consensus",
	 "{\"closing_time\":false,\"consultation_missing\":false,\"missing\":[],\"objected\":[]}"},
	{"a state matter without MOL's view", ABC,
	 "[" P("IOM", "agree") "," P("UNDP", "agree") "," P("UNHCR", "agree") "]", 1, 0, 0,
	 "no_consensus",
	 "{\"closing_time\":false,\"consultation_missing\":true,\"missing\":[],\"objected\":[]}"},
	{"a state matter with MOL's view", ABC,
	 "[" P("IOM", "agree") "," P("UNDP", "agree") "," P("UNHCR", "agree") "]", 1, 1, 0,
	 "consensus",
	 "{\"closing_time\":false,\"consultation_missing\":false,\"missing\":[],\"objected\":[]}"},
	{"everyone withdrew", "[]", "[]", 0, 0, 1, "no_consensus",
	 "{\"closing_time\":true,\"consultation_missing\":false,\"missing\":[],\"objected\":[]}"},
};

static void outcome_from_the_positions(void **s)
{
	(void)s;
	json_t *voters = json_loads(ABC, 0, NULL);
	assert_non_null(voters);
	for (size_t i = 0; i < sizeof(closings) / sizeof(closings[0]); i++) {
		const closing *c = &closings[i];
		json_t *members = json_loads(c->members, 0, NULL);
		json_t *positions = json_loads(c->positions, 0, NULL);
		assert_non_null(members);
		assert_non_null(positions);
		const char *outcome = NULL;
		json_t *facts = NULL;
		if (lifecycle__close(voters, members, positions, c->state_matter, c->consulted,
				     c->by_timer, &outcome, &facts))
			fail_msg("%s: failed", c->name);
		char *got = json_dumps(facts, JSON_COMPACT | JSON_SORT_KEYS);
		if (strcmp(outcome, c->outcome) || strcmp(got, c->facts))
			fail_msg("%s: outcome %s, facts %s", c->name, outcome, got);
		free(got);
		json_decref(facts);
		json_decref(members);
		json_decref(positions);
	}
	json_decref(voters);
}

/* A working group's proposal with no voters (the group had no member
 * organisations at the open) can never reach consensus. */
static void no_voters_no_consensus(void **s)
{
	(void)s;
	json_t *none = json_array(), *members = json_loads(ABC, 0, NULL);
	const char *outcome = NULL;
	json_t *facts = NULL;
	assert_int_equal(lifecycle__close(none, members, none, 0, 0, 0, &outcome, &facts), 0);
	assert_string_equal(outcome, "no_consensus");
	assert_int_equal(json_array_size(json_object_get(facts, "missing")), 0);
	json_decref(facts);
	json_decref(none);
	json_decref(members);
}

/* close_reason keeps only what the person who closed wrote. */
static void close_reasons(void **s)
{
	(void)s;
	assert_null(lifecycle__reason(NULL));
	assert_null(lifecycle__reason(""));
	assert_string_equal(lifecycle__reason("the meeting decided"), "the meeting decided");
}

/* ---- the closing time: extend, reopen, the timer ---- */

static void closing_time_in_requests(void **s)
{
	(void)s;
	const int64_t now = 1700000000000;
	int64_t out = -1;
	json_t *future = json_integer(now + 60000), *past = json_integer(now - 1),
	       *at_now = json_integer(now), *text = json_string("tomorrow"), *null = json_null();
	/* open, reopen, create, edit: optional, null is none */
	assert_int_equal(lifecycle__closes_at(NULL, 0, now, &out), 0);
	assert_int_equal(out, 0);
	assert_int_equal(lifecycle__closes_at(null, 0, now, &out), 0);
	assert_int_equal(out, 0);
	assert_int_equal(lifecycle__closes_at(future, 0, now, &out), 0);
	assert_int_equal(out, now + 60000);
	/* extend: required */
	assert_int_equal(lifecycle__closes_at(NULL, 1, now, &out), -1);
	assert_int_equal(lifecycle__closes_at(null, 1, now, &out), -1);
	assert_int_equal(lifecycle__closes_at(future, 1, now, &out), 0);
	assert_int_equal(out, now + 60000);
	/* always in the future, in milliseconds */
	assert_int_equal(lifecycle__closes_at(past, 0, now, &out), -1);
	assert_int_equal(lifecycle__closes_at(at_now, 1, now, &out), -1);
	assert_int_equal(lifecycle__closes_at(text, 0, now, &out), -1);
	json_decref(future);
	json_decref(past);
	json_decref(at_now);
	json_decref(text);
}

/* Extend moves the closing time of an open proposal only; reopen takes a
 * closed one back to open (with a new closing time or none). */
static void extend_and_reopen(void **s)
{
	(void)s;
	assert_null(lifecycle__refusal(LC_EXTEND, "open", 0));
	assert_non_null(lifecycle__refusal(LC_EXTEND, "closed", 0));
	assert_null(lifecycle__refusal(LC_REOPEN, "closed", 0));
	assert_non_null(lifecycle__refusal(LC_REOPEN, "open", 0));
	/* reopened, it takes positions and closes again */
	assert_null(lifecycle__refusal(LC_POSITION, "open", 0));
	assert_null(lifecycle__refusal(LC_CLOSE, "open", 0));
	/* a reopened proposal without a closing time has no timer */
	int64_t wait = -1;
	assert_int_equal(lifecycle__timer("open", 0, 1000, &wait), 0);
}

static void the_closing_timer(void **s)
{
	(void)s;
	int64_t wait = -1;
	assert_int_equal(lifecycle__timer("open", 5000, 1000, &wait), 1);
	assert_int_equal(wait, 4000);
	/* overdue (the server was down at the closing time): at once */
	assert_int_equal(lifecycle__timer("open", 5000, 9000, &wait), 1);
	assert_int_equal(wait, 0);
	/* only an open proposal closes at its closing time */
	assert_int_equal(lifecycle__timer("draft", 5000, 1000, &wait), 0);
	assert_int_equal(lifecycle__timer("closed", 5000, 1000, &wait), 0);
	/* a timer armed before an extend finds the closing time moved */
	assert_true(lifecycle__due(5000, 5000));
	assert_true(lifecycle__due(5000, 6000));
	assert_false(lifecycle__due(7000, 6000));
	assert_false(lifecycle__due(0, 6000)); /* the closing time was cleared */
}

static void review_dates(void **s)
{
	(void)s;
	assert_true(lifecycle__review_date_ok(""));
	assert_true(lifecycle__review_date_ok("2026-03-31"));
	assert_false(lifecycle__review_date_ok("2026-3-31"));
	assert_false(lifecycle__review_date_ok("31.03.2026"));
	assert_false(lifecycle__review_date_ok(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(allowed_transitions),
		cmocka_unit_test(consultation_on_open_state_matters),
		cmocka_unit_test(unknown_status),
		cmocka_unit_test(outcome_from_the_positions),
		cmocka_unit_test(no_voters_no_consensus),
		cmocka_unit_test(close_reasons),
		cmocka_unit_test(closing_time_in_requests),
		cmocka_unit_test(extend_and_reopen),
		cmocka_unit_test(the_closing_timer),
		cmocka_unit_test(review_dates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
