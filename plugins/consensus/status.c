/*
 * The requests that change a proposal's status: consensus.open, extend,
 * reopen, close, and the closing timer (the server closes at the closing
 * time).  The rules they apply are lifecycle.c's; the checks and the
 * writes happen on the storage thread against the committed state.
 */
#include "consensus.h"

/* The committed proposal row for a state change: it must exist, the caller
 * must be allowed (store__lead_check), and its status must allow action.
 * Returns the row, or NULL with *st (and *out's message) set. */
static json_t *row_for(accord_txn *txn, accord_job *j, lc_action action, json_t **out,
		       accord_status *st)
{
	json_t *row = store__proposal(txn, j->id);
	if (!row) {
		*st = ACCORD_E_NOT_FOUND;
		return NULL;
	}
	if ((*st = store__lead_check(txn, j, out)) != ACCORD_OK) {
		json_decref(row);
		return NULL;
	}
	const char *refusal = lifecycle__refusal(
		action, json_string_value(json_object_get(row, "status")),
		(int)json_integer_value(json_object_get(row, "state_matter")));
	if (refusal) {
		json_decref(row);
		*st = accord_job_fail(out, ACCORD_E_CONFLICT, refusal);
		return NULL;
	}
	return row;
}

static accord_status open_work(accord_txn *txn, accord_job *j, json_t **out)
{
	accord_status lst;
	json_t *row = row_for(txn, j, LC_OPEN, out, &lst);
	if (!row)
		return lst;
	json_decref(row);
	/* The voters: the network's member organisations, or, for a working
	 * group, the group's member organisations (its partners do not vote). */
	json_t *codes = NULL;
	if (store__voters(txn, j->group, &codes) != ACCORD_OK)
		return ACCORD_E_INTERNAL;
	char *voters = json_dumps(codes, JSON_COMPACT);
	json_decref(codes);
	if (!voters)
		return ACCORD_E_INTERNAL;
	const json_t *closes = json_object_get(j->in, "closes_at");
	accord_status st = accord_exec(api, txn,
				       "UPDATE consensus_proposals SET status='open', voters=?, opened_at=?,"
				       " closes_at=coalesce(?, closes_at) WHERE id=?",
				       json_pack("[s,I,O,I]", voters, (json_int_t)api->now_ms(),
						 closes ? closes : json_null(), (json_int_t)j->id),
				       NULL);
	free(voters);
	if (st == ACCORD_OK)
		st = store__log(txn, j, "open", NULL);
	if (st == ACCORD_OK)
		st = notices__opened(txn, j->id);
	return st == ACCORD_OK ? store__snapshot(txn, j->id, out) : st;
}

const accord_arg status__open_args[] = {
	{.name = "closes_at", .check = job__closes_at, .says = JOB_CLOSES_AT_SAYS},
	{0}};

/* The string field key of d, or "" when absent. */
static const char *str(const json_t *d, const char *key)
{
	const char *s = json_string_value(json_object_get(d, key));
	return s ? s : "";
}

/* The job of a request of this file, on the proposal data names, by a
 * co-chair or a lead of its group (access__manages let it through). */
static void run(accord_req *req, const json_t *d, json_t *in, accord_job_work_fn work)
{
	proposal *p = access__proposal(d);
	if (!in) {
		api->reply_error(req, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	job__run(req, p->id, p->group, access__need_lead(req), in, work, live__after_change);
}

void status__open(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	run(req, d, json_pack("{s:O}", "closes_at", accord_or_null(d, "closes_at")), open_work);
}

static accord_status extend_work(accord_txn *txn, accord_job *j, json_t **out)
{
	accord_status lst;
	json_t *row = row_for(txn, j, LC_EXTEND, out, &lst);
	if (!row)
		return lst;
	json_decref(row);
	accord_status st = accord_exec(
		api, txn, "UPDATE consensus_proposals SET closes_at=? WHERE id=?",
		json_pack("[O,I]", json_object_get(j->in, "closes_at"), (json_int_t)j->id), NULL);
	if (st == ACCORD_OK)
		st = store__log(txn, j, "extend",
				json_string_value(json_object_get(j->in, "reason")));
	return st == ACCORD_OK ? store__snapshot(txn, j->id, out) : st;
}

const accord_arg status__extend_args[] = {{.name = "closes_at",
					   .flags = ACCORD_ARG_REQUIRED | ACCORD_ARG_NULL_OK,
					   .check = job__closes_at,
					   .says = JOB_CLOSES_AT_SAYS},
					  {.name = "reason", .type = ACCORD_ARG_STRING, .max = 2000},
					  {0}};

void status__extend(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	run(req, d,
	    json_pack("{s:O,s:s}", "closes_at", json_object_get(d, "closes_at"), "reason",
		      str(d, "reason")),
	    extend_work);
}

static accord_status reopen_work(accord_txn *txn, accord_job *j, json_t **out)
{
	accord_status lst;
	json_t *row = row_for(txn, j, LC_REOPEN, out, &lst);
	if (!row)
		return lst;
	json_decref(row);
	accord_status st = accord_exec(
		api, txn,
		"UPDATE consensus_proposals SET status='open', outcome=NULL, outcome_statement=NULL,"
		" close_reason=NULL, closed_by=NULL, closed_at=NULL, close_facts=NULL, closes_at=? WHERE id=?",
		json_pack("[O,I]", json_object_get(j->in, "closes_at"), (json_int_t)j->id), NULL);
	if (st == ACCORD_OK)
		st = store__log(txn, j, "reopen",
				json_string_value(json_object_get(j->in, "reason")));
	return st == ACCORD_OK ? store__snapshot(txn, j->id, out) : st;
}

const accord_arg status__reopen_args[] = {
	{.name = "reason", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 2000},
	{.name = "closes_at", .check = job__closes_at, .says = JOB_CLOSES_AT_SAYS},
	{0}};

void status__reopen(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	run(req, d,
	    json_pack("{s:O,s:O}", "reason", json_object_get(d, "reason"), "closes_at",
		      accord_or_null(d, "closes_at")),
	    reopen_work);
}

/* Computes the outcome from the committed positions, on the storage
 * thread, so nothing committed before the close can be missed.  req NULL:
 * the closing timer's, which goes ahead only if the closing time has come
 * (an extend may have moved it since the timer was armed). */
static accord_status close_work(accord_txn *txn, accord_job *j, json_t **out)
{
	accord_status st;
	json_t *row = row_for(txn, j, LC_CLOSE, out, &st);
	if (!row)
		return st;
	if (!j->req &&
	    !lifecycle__due(json_integer_value(json_object_get(row, "closes_at")), api->now_ms())) {
		json_decref(row);
		return accord_job_fail(out, ACCORD_E_CONFLICT, "not due");
	}
	json_t *snap = NULL, *facts = NULL, *voters = tally__row_voters(row);
	const char *outcome = NULL;
	st = store__snapshot(txn, j->id, &snap);
	if (st == ACCORD_OK &&
	    lifecycle__close(voters, json_object_get(snap, "members"),
			     json_object_get(snap, "positions"),
			     (int)json_integer_value(json_object_get(row, "state_matter")),
			     json_is_object(json_object_get(snap, "consultation")), j->req == NULL,
			     &outcome, &facts))
		st = ACCORD_E_INTERNAL;
	char *facts_txt = facts ? json_dumps(facts, JSON_COMPACT) : NULL;
	json_decref(facts);
	json_decref(voters);
	json_decref(snap);
	json_decref(row);
	if (st == ACCORD_OK && !facts_txt)
		st = ACCORD_E_INTERNAL;
	if (st != ACCORD_OK)
		return st;
	const char *reason = lifecycle__reason(json_string_value(json_object_get(j->in, "reason")));
	st = accord_exec(
		api, txn,
		"UPDATE consensus_proposals SET status='closed', outcome=?, outcome_statement=?,"
		" close_reason=?, closed_by=?, closed_at=?, review_date=?, close_facts=? WHERE id=?",
		json_pack("[s,O,s?,s?,I,O,s,I]", outcome, accord_or_null(j->in, "outcome"), reason,
			  j->req ? j->actor : NULL, (json_int_t)api->now_ms(),
			  accord_or_null(j->in, "review_date"), facts_txt, (json_int_t)j->id),
		NULL);
	free(facts_txt);
	if (st == ACCORD_OK)
		st = store__log(txn, j, "close", reason);
	if (st == ACCORD_OK)
		st = notices__closed(txn, j->id);
	return st == ACCORD_OK ? store__snapshot(txn, j->id, out) : st;
}

static const char *review_date(const json_t *v)
{
	return lifecycle__review_date_ok(json_string_value(v)) ? NULL : "YYYY-MM-DD";
}

const accord_arg status__close_args[] = {
	{.name = "outcome", .type = ACCORD_ARG_STRING, .max = 20000},
	{.name = "reason", .type = ACCORD_ARG_STRING, .max = 2000},
	{.name = "review_date", .type = ACCORD_ARG_STRING, .check = review_date},
	{0}};

/* After a close: the usual refresh, then accord.decisions' watchers. */
static accord_status close_after(accord_job *j, json_t **out)
{
	accord_status st = live__after_change(j, out);
	service__closed(j->id);
	return st;
}

/* outcome: the statement of the outcome, as the person who closed words it
 * ("" when none); review_date: "" is none. */
void status__close(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	json_t *in = json_pack("{s:s,s:s}", "outcome", str(d, "outcome"), "reason", str(d, "reason"));
	if (in && *str(d, "review_date"))
		json_object_set(in, "review_date", json_object_get(d, "review_date"));
	proposal *p = access__proposal(d);
	if (!in) {
		api->reply_error(req, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	job__run(req, p->id, p->group, access__need_lead(req), in, close_work, close_after);
}

static void close_timer_fired(accord_plugin_ctx *pc, void *ud)
{
	(void)pc;
	proposal *p = tally__find((int64_t)(intptr_t)ud);
	if (!p)
		return;
	p->close_timer = 0;
	if (lifecycle__refusal(LC_CLOSE, p->status, p->state_matter))
		return;
	/* the closing time: closed by the server itself (closed_by null,
	 * close_facts.closing_time) */
	job__run(NULL, p->id, 0, 0, NULL, close_work, close_after);
}

void status__schedule_close(proposal *p)
{
	if (p->close_timer)
		api->timer_cancel(self, p->close_timer);
	p->close_timer = 0;
	int64_t wait;
	if (lifecycle__timer(p->status, p->closes_at, api->now_ms(), &wait))
		p->close_timer = api->timer_add(self, (uint64_t)wait, close_timer_fired,
						(void *)(intptr_t)p->id);
}
