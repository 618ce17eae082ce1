/*
 * What organisations say: consensus.position, the state counterpart's
 * consensus.consult, and comments (consensus.comment, consensus.comments).
 */
#include "consensus.h"

/* ---------------- positions and consultation ---------------- */

/* Who may speak for an organisation: its active focal points and
 * alternates (membership's people), checked in the transaction. */
static int speaks_for_org(accord_txn *txn, const char *login)
{
	return members_svc->speaks_for_org(txn, login) == 1;
}

static accord_status position_work(accord_txn *txn, job *j, json_t **out)
{
	json_t *row = store__proposal(txn, j->id);
	if (!row)
		return ACCORD_E_NOT_FOUND;
	const char *status = json_string_value(json_object_get(row, "status"));
	const char *refusal = lifecycle__refusal(LC_POSITION, status, 0);
	json_t *voters = tally__row_voters(row);
	int voter = 0;
	size_t i;
	json_t *v;
	json_array_foreach(voters, i, v) voter |= json_is_string(v) && !strcmp(json_string_value(v), j->org);
	json_decref(voters);
	json_decref(row);
	if (refusal)
		return job_fail(out, ACCORD_E_CONFLICT, refusal);
	if (!voter)
		return job_fail(out, ACCORD_E_FORBIDDEN, "your organisation does not vote on this proposal");
	if (!speaks_for_org(txn, j->actor))
		return job_fail(out, ACCORD_E_FORBIDDEN,
			    "only focal points and alternates state their organisation's position");
	const char *position = json_string_value(json_object_get(j->in, "position"));
	const char *reason = json_string_value(json_object_get(j->in, "reason"));
	/* A re-sent request never gets here (job_work answers it from its
	 * retry key, position_again); request ids are no key, so the log's
	 * request_key stays NULL. */
	int64_t at = api->now_ms();
	accord_status st = accord_exec(
		api, txn,
		"INSERT INTO consensus_log(proposal_id, at, actor, org, action, position, reason)"
		" VALUES(?,?,?,?,'position',?,?)",
		json_pack("[I,I,s,s,s,s]", (json_int_t)j->id, (json_int_t)at, j->actor, j->org,
			  position, reason),
		NULL);
	if (st != ACCORD_OK)
		return st;
	st = accord_exec(api, txn,
			   "INSERT INTO consensus_positions(proposal_id, org, position, reason, cast_by,"
			   " cast_at) VALUES(?,?,?,?,?,?) ON CONFLICT(proposal_id, org) DO UPDATE SET"
			   " position=excluded.position, reason=excluded.reason,"
			   " cast_by=excluded.cast_by, cast_at=excluded.cast_at",
			   json_pack("[I,s,s,s,s,I]", (json_int_t)j->id, j->org, position, reason,
				     j->actor, (json_int_t)at),
			   NULL);
	/* A position changes one organisation's row and nothing else: the
	 * loop applies just that (position_after), in commit order like every
	 * other change, instead of re-reading the whole proposal (a full
	 * snapshot was 6 more queries per position, a quarter of the server's
	 * CPU at 10,000 positions/s).  Membership is re-read (two small
	 * queries): an organisation withdrawn since the open neither votes
	 * nor blocks, and the tally must know at once. */
	if (st == ACCORD_OK && !*out) {
		*out = json_object();
		store__membership(txn, *out);
		json_object_set_new(*out, "cast_at", json_integer((json_int_t)at));
	}
	return st;
}

/* A retried position that was counted before: the reply says so and
 * shows the position the organisation holds now (a colleague may have
 * changed it since), never a new "recorded". */
static accord_status position_again(accord_txn *txn, job *j, json_t **out)
{
	/* The same checks as a first position: a person who no longer speaks
	 * for the organisation learns nothing from a replayed key. */
	if (!speaks_for_org(txn, j->actor))
		return job_fail(out, ACCORD_E_FORBIDDEN,
			    "only focal points and alternates state their organisation's position");
	json_t *held = store__row(txn,
			  "SELECT position, reason, cast_by, cast_at FROM consensus_positions"
			  " WHERE proposal_id=? AND org=?",
			  json_pack("[I,s]", (json_int_t)j->id, j->org));
	json_t *reply = json_pack("{s:I,s:s,s:O?,s:O?,s:O?,s:O?,s:b,s:b}", "proposal",
				  (json_int_t)j->id, "org", j->org, "position",
				  json_object_get(held, "position"), "reason",
				  json_object_get(held, "reason"), "cast_by",
				  json_object_get(held, "cast_by"), "cast_at",
				  json_object_get(held, "cast_at"), "duplicate", 1, "tally_sent", 1);
	json_decref(held);
	json_decref(*out);
	*out = reply;
	return reply ? ACCORD_OK : ACCORD_E_INTERNAL;
}

static void position_after(job *j, json_t *out)
{
	proposal *p = tally__find(j->id);
	if (!p)
		live__apply_snapshot(out);
	else {
		live__apply_membership(out);
		int first = !tally__has_responded(p, j->org);
		tally__set_vote(p, j->org, position_parse(json_string_value(json_object_get(j->in, "position"))),
			 json_string_value(json_object_get(j->in, "reason")), j->actor,
			 json_integer_value(json_object_get(out, "cast_at")));
		if (first)
			live__announce(p, j->org);
	}
	p = tally__find(j->id);
	/* tally_sent: the tally that counts this position was published before
	 * this reply (a subscriber already has it); otherwise it comes with
	 * the next coalesced push. */
	int sent = p && live__tally_changed(p, 0);
	char recorded[160];
	snprintf(recorded, sizeof(recorded), "cast by %s on behalf of %s", j->actor, j->org);
	json_t *reply = json_pack("{s:I,s:s,s:O,s:O,s:s,s:I,s:s,s:b,s:b}", "proposal",
				  (json_int_t)j->id, "org", j->org, "position",
				  json_object_get(j->in, "position"), "reason",
				  json_object_get(j->in, "reason"), "cast_by", j->actor, "cast_at",
				  (json_int_t)json_integer_value(json_object_get(out, "cast_at")),
				  "recorded", recorded, "duplicate", 0,
				  "tally_sent", sent);
	accord_replace(out, reply);
	api->counter_add(self, "positions", 1);
}

void positions__position(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	proposal *p = access__proposal(req, d);
	if (!p)
		return;
	const accord_principal *w = api->req_principal(req);
	if (!access__member(w)) {
		api->reply_error(req, ACCORD_E_FORBIDDEN, "partners do not vote");
		return;
	}
	const char *pos = arg_str(req, d, "position", 16, 1);
	const char *reason = pos ? arg_str(req, d, "reason", 4000, 0) : NULL;
	if (!reason)
		return;
	enum position e = position_parse(pos);
	if (e == POS_NONE) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST,
				 "position: agree, reservations, abstain or object");
		return;
	}
	if (position_needs_reason(e) && !*reason) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST,
				 e == POS_OBJECT ? "reason: required with an objection"
						 : "reason: required with reservations");
		return;
	}
	job *j = job_new(req, p->id, json_pack("{s:s,s:s}", "position", position_name(e), "reason", reason),
			 position_work, position_after);
	if (!j) {
		api->reply_error(req, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	j->again = position_again;
	/* A retried request goes to the storage thread even when the proposal
	 * has closed since: it was counted before the close, and its answer
	 * says so.  position_work checks state and voter again in any case. */
	if (!j->retry_key[0]) {
		accord_status st = ACCORD_OK;
		const char *msg = NULL;
		if ((msg = lifecycle__refusal(LC_POSITION, p->status, p->state_matter))) {
			st = ACCORD_E_CONFLICT;
		} else if (!tally__is_voter(p, api->principal_org(w))) {
			st = ACCORD_E_FORBIDDEN;
			msg = "your organisation does not vote on this proposal";
		}
		if (st != ACCORD_OK) {
			json_decref(j->in);
			free(j);
			api->reply_error(req, st, msg);
			return;
		}
	}
	job_submit(j);
}

static accord_status consult_work(accord_txn *txn, job *j, json_t **out)
{
	json_t *row = store__proposal(txn, j->id);
	if (!row)
		return ACCORD_E_NOT_FOUND;
	const char *refusal =
		lifecycle__refusal(LC_CONSULT, json_string_value(json_object_get(row, "status")),
				  (int)json_integer_value(json_object_get(row, "state_matter")));
	json_decref(row);
	if (refusal)
		return job_fail(out, ACCORD_E_CONFLICT, refusal);
	if (!speaks_for_org(txn, j->actor))
		return job_fail(out, ACCORD_E_FORBIDDEN,
			    "only focal points and alternates give the consultation view");
	accord_status st = accord_exec(
		api, txn,
		"INSERT INTO consensus_consults(proposal_id, org, view, given_by, at) VALUES(?,?,?,?,?)"
		" ON CONFLICT(proposal_id) DO UPDATE SET view=excluded.view,"
		" given_by=excluded.given_by, at=excluded.at",
		json_pack("[I,s,O,s,I]", (json_int_t)j->id, j->org, json_object_get(j->in, "view"),
			  j->actor, (json_int_t)api->now_ms()),
		NULL);
	if (st == ACCORD_OK)
		st = store__log(txn, j, "consult", json_string_value(json_object_get(j->in, "view")));
	return st == ACCORD_OK ? store__snapshot(txn, j->id, out) : st;
}

static void consult_after(job *j, json_t *out)
{
	live__apply_snapshot(out);
	proposal *p = tally__find(j->id);
	if (p)
		live__tally_changed(p, 0);
	json_t *reply = json_pack("{s:I,s:s,s:b}", "proposal", (json_int_t)j->id, "org", j->org,
				  "consultation_in", 1);
	accord_replace(out, reply);
}

void positions__consult(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	proposal *p = access__proposal(req, d);
	if (!p)
		return;
	if (!access__state_cp(api->req_principal(req))) {
		api->reply_error(req, ACCORD_E_FORBIDDEN, "only the state counterpart gives the consultation view");
		return;
	}
	const char *view = arg_str(req, d, "view", 8000, 1);
	if (view)
		job_run(req, p->id, json_pack("{s:s}", "view", view), consult_work, consult_after);
}

/* ---------------- comments ---------------- */

/* Anyone who sees a proposal may comment on it (partners of a working
 * group comment but do not vote); comments are part of the record. */
static accord_status comment_work(accord_txn *txn, job *j, json_t **out)
{
	json_t *row = store__proposal(txn, j->id);
	if (!row)
		return ACCORD_E_NOT_FOUND;
	const char *status = json_string_value(json_object_get(row, "status"));
	const char *refusal = lifecycle__refusal(LC_COMMENT, status, 0);
	json_decref(row);
	if (refusal)
		return job_fail(out, ACCORD_E_CONFLICT, refusal);
	int64_t now = api->now_ms();
	accord_status st = accord_exec(api, txn,
				"INSERT INTO consensus_comments(proposal_id, author, org, partner, text, at)"
				" VALUES(?,?,?,?,?,?)",
				json_pack("[I,s,s,b,O,I]", (json_int_t)j->id, j->actor, j->org, j->is_partner,
					  json_object_get(j->in, "text"), (json_int_t)now),
				NULL);
	if (st != ACCORD_OK)
		return st;
	*out = json_pack("{s:{s:I,s:I,s:s,s:s,s:b,s:O,s:I}}", "comment", "id",
			 (json_int_t)api->txn_last_id(txn), "proposal", (json_int_t)j->id, "author", j->actor,
			 "org", j->org, "partner", j->is_partner, "text", json_object_get(j->in, "text"),
			 "at", (json_int_t)now);
	return ACCORD_OK;
}

static void comment_after(job *j, json_t *out)
{
	proposal *p = tally__find(j->id);
	if (!p)
		return;
	char topic[40];
	live__topic(p, topic, sizeof(topic));
	/* Internal by default: members' comments reach members; a partner's
	 * comment reaches members and its own organisation, never another
	 * partner. */
	accord_audience *a = api->audience_new();
	api->audience_add_members(a);
	if (j->is_partner)
		api->audience_add_org(a, j->org);
	api->publish(self, topic, "consensus.comment", json_deep_copy(json_object_get(out, "comment")), a);
	api->audience_free(a);
}

void positions__comment(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	proposal *p = access__proposal(req, d);
	const char *text = p ? arg_str(req, d, "text", 8000, 1) : NULL;
	if (text)
		job_run(req, p->id, json_pack("{s:s}", "text", text), comment_work, comment_after);
}

static accord_status comments_work(accord_txn *txn, job *j, json_t **out)
{
	json_t *rows = NULL;
	accord_status st = accord_exec(api, txn,
				"SELECT id, author, org, partner, text, at FROM consensus_comments"
				" WHERE proposal_id=? AND (NOT ? OR (partner AND org=?)) ORDER BY id",
				json_pack("[I,b,s]", (json_int_t)j->id, j->is_partner, j->org), &rows);
	if (st != ACCORD_OK)
		return st;
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
		json_object_set_new(r, "partner", json_boolean(json_integer_value(json_object_get(r, "partner"))));
	*out = json_pack("{s:o}", "comments", rows);
	return ACCORD_OK;
}

void positions__comments(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	proposal *p = access__proposal(req, d);
	if (p)
		job_run(req, p->id, NULL, comments_work, NULL);
}

