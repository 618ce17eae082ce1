/*
 * A proposal's life: draft, open, closed.  consensus.open, extend, reopen,
 * close, and the closing timer (the server closes at the closing time).
 */
#include "consensus.h"

/* ---------------- open / extend / reopen / close ---------------- */

/* The committed proposal row for a state change: it must exist, the caller
 * must be allowed (lead_check), and its status must be `want`.  Returns the
 * row, or NULL with *st (and *out's message) set. */
static json_t *row_in_status(accord_txn *txn, job *j, const char *want, const char *conflict,
			     json_t **out, accord_status *st)
{
	json_t *row = proposal_row(txn, j->id);
	if (!row) {
		*st = ACCORD_E_NOT_FOUND;
		return NULL;
	}
	if ((*st = lead_check(txn, j, out)) != ACCORD_OK) {
		json_decref(row);
		return NULL;
	}
	if (strcmp(json_string_value(json_object_get(row, "status")), want)) {
		json_decref(row);
		*st = fail(out, ACCORD_E_CONFLICT, conflict);
		return NULL;
	}
	return row;
}

static accord_status open_work(accord_txn *txn, job *j, json_t **out)
{
	accord_status lst;
	json_t *row = row_in_status(txn, j, "draft", "only a draft can be opened", out, &lst);
	if (!row)
		return lst;
	json_decref(row);
	/* The voters: the network's member organisations, or, for a working
	 * group, the group's member organisations (its partners do not vote). */
	json_t *codes = NULL;
	if (voters_of(txn, j->group, &codes) != ACCORD_OK)
		return ACCORD_E_INTERNAL;
	char *voters = json_dumps(codes, JSON_COMPACT);
	json_decref(codes);
	const json_t *closes = json_object_get(j->in, "closes_at");
	accord_status st = accord_exec(
		api, txn,
		"UPDATE consensus_proposals SET status='open', voters=?, opened_at=?,"
		" closes_at=coalesce(?, closes_at) WHERE id=?",
		json_pack("[s,I,O,I]", voters, (json_int_t)api->now_ms(), closes ? closes : json_null(),
			  (json_int_t)j->id),
		NULL);
	free(voters);
	if (st == ACCORD_OK)
		st = log_action(txn, j, "open", NULL);
	return st == ACCORD_OK ? snapshot(txn, j->id, out) : st;
}


void h_open(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	proposal *p = arg_proposal(req, d);
	int nl = 0;
	int64_t closes;
	if (!p || !chair_or_lead(req, p, &nl) || closes_arg(req, d, 0, &closes))
		return;
	run_scoped(req, p->id, p->group, nl, json_pack("{s:o}", "closes_at", closes ? json_integer(closes) : json_null()),
	    open_work, after_change);
}

static accord_status extend_work(accord_txn *txn, job *j, json_t **out)
{
	accord_status lst;
	json_t *row = row_in_status(txn, j, "open", "only an open proposal can be extended", out, &lst);
	if (!row)
		return lst;
	json_decref(row);
	accord_status st = accord_exec(api, txn, "UPDATE consensus_proposals SET closes_at=? WHERE id=?",
					 json_pack("[O,I]", json_object_get(j->in, "closes_at"),
						   (json_int_t)j->id),
					 NULL);
	if (st == ACCORD_OK)
		st = log_action(txn, j, "extend", json_string_value(json_object_get(j->in, "reason")));
	return st == ACCORD_OK ? snapshot(txn, j->id, out) : st;
}

void h_extend(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	proposal *p = arg_proposal(req, d);
	int nl = 0;
	int64_t closes;
	const char *reason;
	if (!p || !chair_or_lead(req, p, &nl) || closes_arg(req, d, 1, &closes) ||
	    !(reason = str_arg(req, d, "reason", 2000, 0)))
		return;
	run_scoped(req, p->id, p->group, nl, json_pack("{s:I,s:s}", "closes_at", (json_int_t)closes, "reason", reason),
	    extend_work, after_change);
}

static accord_status reopen_work(accord_txn *txn, job *j, json_t **out)
{
	accord_status lst;
	json_t *row = row_in_status(txn, j, "closed", "only a closed proposal can be reopened", out, &lst);
	if (!row)
		return lst;
	json_decref(row);
	accord_status st = accord_exec(
		api, txn,
		"UPDATE consensus_proposals SET status='open', outcome=NULL, outcome_statement=NULL,"
		" close_reason=NULL, closed_by=NULL, closed_at=NULL, close_facts=NULL, closes_at=? WHERE id=?",
		json_pack("[O,I]", json_object_get(j->in, "closes_at"), (json_int_t)j->id), NULL);
	if (st == ACCORD_OK)
		st = log_action(txn, j, "reopen", json_string_value(json_object_get(j->in, "reason")));
	return st == ACCORD_OK ? snapshot(txn, j->id, out) : st;
}

void h_reopen(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	proposal *p = arg_proposal(req, d);
	int nl = 0;
	int64_t closes;
	const char *reason;
	if (!p || !chair_or_lead(req, p, &nl) || !(reason = str_arg(req, d, "reason", 2000, 1)) ||
	    closes_arg(req, d, 0, &closes))
		return;
	run_scoped(req, p->id, p->group, nl,
	    json_pack("{s:s,s:o}", "reason", reason, "closes_at", closes ? json_integer(closes) : json_null()),
	    reopen_work, after_change);
}

/* Computes the outcome from the committed positions, on the storage
 * thread, so nothing committed before the close can be missed. */
static accord_status close_work(accord_txn *txn, job *j, json_t **out)
{
	accord_status lst;
	json_t *row = row_in_status(txn, j, "open", "only an open proposal can be closed", out, &lst);
	if (!row)
		return lst;
	int64_t closes_at = json_integer_value(json_object_get(row, "closes_at"));
	if (!j->req && (!closes_at || closes_at > api->now_ms())) { /* timer raced an extend */
		json_decref(row);
		return fail(out, ACCORD_E_CONFLICT, "not due");
	}
	json_t *snap = NULL;
	accord_status st = snapshot(txn, j->id, &snap);
	if (st != ACCORD_OK) {
		json_decref(row);
		return st;
	}
	size_t nv, nm;
	json_t *vj = voters_json(row);
	char **voters = strv_from_json(vj, &nv);
	char **members = strv_from_json(json_object_get(snap, "members"), &nm);
	const char **withdrawn = calloc(nv + 1, sizeof(char *));
	size_t nw = 0;
	for (size_t i = 0; i < nv; i++) {
		int act = 0;
		for (size_t k = 0; k < nm; k++)
			act |= !strcmp(voters[i], members[k]);
		if (!act)
			withdrawn[nw++] = voters[i];
	}
	json_t *pos = json_object_get(snap, "positions");
	rule_vote *votes = calloc(json_array_size(pos) + 1, sizeof(*votes));
	size_t i;
	json_t *x;
	json_array_foreach(pos, i, x) votes[i] = (rule_vote){
		json_string_value(json_object_get(x, "org")),
		position_parse(json_string_value(json_object_get(x, "position")))};
	rule_result r;
	int state_matter = (int)json_integer_value(json_object_get(row, "state_matter"));
	int consulted = json_is_object(json_object_get(snap, "consultation"));
	rule_evaluate((const char *const *)voters, nv, withdrawn, nw, votes, json_array_size(pos),
		      state_matter, consulted, &r);
	/* What the close found, as data: the voting organisations (still
	 * active) that had not responded, those that objected, and whether
	 * the state counterpart's view was missing.  No sentence: each
	 * client says it in its reader's language. */
	json_t *missing = json_array(), *objected = json_array();
	for (size_t k = 0; k < nv; k++) {
		int gone = 0;
		for (size_t w = 0; w < nw; w++)
			gone |= !strcmp(voters[k], withdrawn[w]);
		if (gone)
			continue;
		enum position held = POS_NONE;
		json_array_foreach(pos, i, x) if (!strcmp(json_string_value(json_object_get(x, "org")), voters[k]))
			held = position_parse(json_string_value(json_object_get(x, "position")));
		if (held == POS_NONE)
			json_array_append_new(missing, json_string(voters[k]));
		else if (held == POS_OBJECT)
			json_array_append_new(objected, json_string(voters[k]));
	}
	json_t *facts = json_pack("{s:o,s:o,s:b,s:b}", "missing", missing, "objected", objected,
				  "consultation_missing", state_matter && !consulted, "closing_time",
				  j->req == NULL);
	char *facts_txt = json_dumps(facts, JSON_COMPACT);
	json_decref(facts);
	free(votes);
	free(withdrawn);
	strv_free(voters, nv);
	strv_free(members, nm);
	json_decref(vj);
	json_decref(snap);
	json_decref(row);

	/* close_reason: only what the person who closed wrote. */
	const char *reason = json_string_value(json_object_get(j->in, "reason"));
	if (reason && !*reason)
		reason = NULL;
	st = accord_exec(
		api, txn,
		"UPDATE consensus_proposals SET status='closed', outcome=?, outcome_statement=?,"
		" close_reason=?, closed_by=?, closed_at=?, review_date=?, close_facts=? WHERE id=?",
		json_pack("[s,O,s?,s?,I,O,s,I]", r.reached ? "consensus" : "no_consensus",
			  json_object_get(j->in, "outcome") ? json_object_get(j->in, "outcome") : json_null(), reason,
			  j->req ? j->actor : NULL, (json_int_t)api->now_ms(),
			  json_object_get(j->in, "review_date") ? json_object_get(j->in, "review_date") : json_null(),
			  facts_txt ? facts_txt : "{}", (json_int_t)j->id),
		NULL);
	free(facts_txt);
	if (st == ACCORD_OK)
		st = log_action(txn, j, "close", reason);
	return st == ACCORD_OK ? snapshot(txn, j->id, out) : st;
}

void h_close(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	proposal *p = arg_proposal(req, d);
	int nl = 0;
	const char *outcome, *reason, *review;
	if (!p || !chair_or_lead(req, p, &nl) || !(outcome = str_arg(req, d, "outcome", 20000, 0)) ||
	    !(reason = str_arg(req, d, "reason", 2000, 0)) ||
	    !(review = str_arg(req, d, "review_date", 10, 0)))
		return;
	if (*review && (strlen(review) != 10 || review[4] != '-' || review[7] != '-')) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "review_date: YYYY-MM-DD");
		return;
	}
	json_t *in = json_pack("{s:s,s:s}", "outcome", outcome, "reason", reason);
	if (*review)
		json_object_set_new(in, "review_date", json_string(review));
	run_scoped(req, p->id, p->group, nl, in, close_work, after_change);
}

static void close_timer_fired(accord_plugin_ctx *pc, void *ud)
{
	(void)pc;
	proposal *p = find((int64_t)(intptr_t)ud);
	if (!p)
		return;
	p->close_timer = 0;
	if (strcmp(p->status, "open"))
		return;
	/* the closing time: closed by the server itself (closed_by null,
	 * close_facts.closing_time) */
	run(NULL, p->id, json_object(), close_work, after_change);
}

void schedule_close(proposal *p)
{
	if (p->close_timer)
		api->timer_cancel(self, p->close_timer);
	p->close_timer = 0;
	if (strcmp(p->status, "open") || !p->closes_at)
		return;
	int64_t wait = p->closes_at - api->now_ms();
	p->close_timer = api->timer_add(self, (uint64_t)(wait > 0 ? wait : 0), close_timer_fired,
					(void *)(intptr_t)p->id);
}

