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

static accord_status position_work(accord_txn *txn, accord_job *j, json_t **out)
{
	/* Only what a position needs of the proposal, the voters looked up by
	 * SQLite (the whole row and its voters parsed here were a tenth of
	 * the storage thread's work per position) */
	json_t *row = NULL;
	accord_status st = store__row(
		txn,
		"SELECT status, EXISTS(SELECT 1 FROM json_each(p.voters) WHERE value=?) AS voter"
		" FROM consensus_proposals p WHERE id=?",
		json_pack("[s,I]", j->org, (json_int_t)j->id), &row);
	if (st != ACCORD_OK)
		return st;
	if (!row)
		return ACCORD_E_NOT_FOUND;
	const char *status = json_string_value(json_object_get(row, "status"));
	const char *refusal = lifecycle__refusal(LC_POSITION, status, 0);
	int voter = json_integer_value(json_object_get(row, "voter")) == 1;
	json_decref(row);
	if (refusal)
		return accord_job_fail(out, ACCORD_E_CONFLICT, refusal);
	if (!voter)
		return accord_job_fail(out, ACCORD_E_FORBIDDEN,
				       "your organisation does not vote on this proposal");
	if (!speaks_for_org(txn, j->actor))
		return accord_job_fail(
			out, ACCORD_E_FORBIDDEN,
			"only focal points and alternates state their organisation's position");
	const char *position = json_string_value(json_object_get(j->in, "position"));
	const char *reason = json_string_value(json_object_get(j->in, "reason"));
	/* A re-sent request never gets here (the SDK's job answers it from its
	 * retry key, and position_again); request ids are no key, so the log's
	 * request_key stays NULL. */
	int64_t at = api->now_ms();
	st = accord_exec(api, txn,
			 "INSERT INTO consensus_log(proposal_id, at, actor, org, action, position, reason)"
			 " VALUES(?,?,?,?,'position',?,?)",
			 json_pack("[I,I,s,s,s,s]", (json_int_t)j->id, (json_int_t)at, j->actor,
				   j->org, position, reason),
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
	 * CPU at 10,000 positions/s).  Membership is not re-read either (it
	 * was two queries per position): the loop's copy follows the
	 * accord.members watch, and pushes the tallies again when it
	 * changes (live__members_changed). */
	if (st != ACCORD_OK)
		return st;
	json_decref(*out);
	return (*out = json_pack("{s:I}", "cast_at", (json_int_t)at)) ? ACCORD_OK : ACCORD_E_INTERNAL;
}

/* A retried position that was counted before: the reply says so and
 * shows the position the organisation holds now (a colleague may have
 * changed it since), never a new "recorded". */
static accord_status position_again(accord_txn *txn, accord_job *j, json_t **out)
{
	/* The same checks as a first position: a person who no longer speaks
	 * for the organisation learns nothing from a replayed key. */
	if (!speaks_for_org(txn, j->actor))
		return accord_job_fail(
			out, ACCORD_E_FORBIDDEN,
			"only focal points and alternates state their organisation's position");
	json_t *held = NULL;
	accord_status st = store__row(txn,
				      "SELECT position, reason, cast_by, cast_at FROM consensus_positions"
				      " WHERE proposal_id=? AND org=?",
				      json_pack("[I,s]", (json_int_t)j->id, j->org), &held);
	if (st != ACCORD_OK)
		return st;
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

static accord_status position_after(accord_job *j, json_t **out)
{
	proposal *p = tally__find(j->id);
	if (p) {
		int first = !tally__has_responded(p, j->org);
		const char *pos = json_string_value(json_object_get(j->in, "position"));
		if (tally__set_vote(p, j->org, position_parse(pos),
				    json_string_value(json_object_get(j->in, "reason")), j->actor,
				    json_integer_value(json_object_get(*out, "cast_at")))) {
			/* committed, but not in the live tally: a retry (same idem)
			 * is answered with the position held */
			api->log(self, ACCORD_LOG_ERR,
				 "proposal %lld: out of memory, %s's position not in the live tally",
				 (long long)j->id, j->org);
			return accord_job_fail(out, ACCORD_E_INTERNAL, "out of memory");
		}
		if (first)
			live__announce(p, j->org);
	}
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
				  (json_int_t)json_integer_value(json_object_get(*out, "cast_at")),
				  "recorded", recorded, "duplicate", 0, "tally_sent", sent);
	api->counter_add(self, "positions", 1);
	if (!reply) /* counted, but the reply could not be made */
		return accord_job_fail(out, ACCORD_E_INTERNAL, "out of memory");
	json_decref(*out);
	*out = reply;
	return ACCORD_OK;
}

static const char *const POSITIONS[] = {"agree", "reservations", "abstain", "object", NULL};

const accord_arg positions__position_args[] = {
	{.name = "position", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .one_of = POSITIONS},
	{.name = "reason", .type = ACCORD_ARG_STRING, .max = 4000},
	{0}};

/* access__votes let the request through: a member who sees the proposal. */
void positions__position(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	proposal *p = access__proposal(d);
	enum position e = position_parse(json_string_value(json_object_get(d, "position")));
	const char *reason = json_string_value(json_object_get(d, "reason"));
	if (!reason)
		reason = "";
	if (position_needs_reason(e) && !*reason) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST,
				 e == POS_OBJECT ? "reason: required with an objection"
						 : "reason: required with reservations");
		return;
	}
	accord_job *j = job__new(req, p->id, 0, 0,
				 json_pack("{s:s,s:s}", "position", position_name(e), "reason",
					   reason),
				 position_work, position_after);
	if (!j)
		return;
	j->again = position_again;
	/* A retried request goes to the storage thread even when the proposal
	 * has closed since: it was counted before the close, and its answer
	 * says so.  position_work checks state and voter again in any case. */
	if (!j->retry_key[0]) {
		const char *refusal = lifecycle__refusal(LC_POSITION, p->status, p->state_matter);
		if (refusal) {
			accord_job_cancel(j, ACCORD_E_CONFLICT, refusal);
			return;
		}
		if (!tally__is_voter(p, j->org)) {
			accord_job_cancel(j, ACCORD_E_FORBIDDEN,
					  "your organisation does not vote on this proposal");
			return;
		}
	}
	accord_job_submit(j);
}

static accord_status consult_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *row = store__proposal(txn, j->id);
	if (!row)
		return ACCORD_E_NOT_FOUND;
	const char *refusal = lifecycle__refusal(
		LC_CONSULT, json_string_value(json_object_get(row, "status")),
		(int)json_integer_value(json_object_get(row, "state_matter")));
	json_decref(row);
	if (refusal)
		return accord_job_fail(out, ACCORD_E_CONFLICT, refusal);
	if (!speaks_for_org(txn, j->actor))
		return accord_job_fail(out, ACCORD_E_FORBIDDEN,
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

static accord_status consult_after(accord_job *j, json_t **out)
{
	live__apply_snapshot(*out);
	proposal *p = tally__find(j->id);
	if (p)
		live__tally_changed(p, 0);
	json_t *reply = json_pack("{s:I,s:s,s:b}", "proposal", (json_int_t)j->id, "org", j->org,
				  "consultation_in", 1);
	if (!reply)
		return accord_job_fail(out, ACCORD_E_INTERNAL, "out of memory");
	json_decref(*out);
	*out = reply;
	return ACCORD_OK;
}

const accord_arg positions__consult_args[] = {
	{.name = "view", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 8000},
	{0}};

/* access__consults let the request through: the state counterpart. */
void positions__consult(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	json_t *in = accord_args_in(api, req, positions__consult_args, d);
	if (in)
		job__run(req, access__proposal(d)->id, 0, 0, in, consult_work, consult_after);
}

/* ---------------- comments ---------------- */

/* Anyone who sees a proposal may comment on it (partners of a working
 * group comment but do not vote); comments are part of the record. */
static accord_status comment_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *row = store__proposal(txn, j->id);
	if (!row)
		return ACCORD_E_NOT_FOUND;
	const char *status = json_string_value(json_object_get(row, "status"));
	const char *refusal = lifecycle__refusal(LC_COMMENT, status, 0);
	json_decref(row);
	if (refusal)
		return accord_job_fail(out, ACCORD_E_CONFLICT, refusal);
	int64_t now = api->now_ms();
	accord_status st = accord_exec(
		api, txn,
		"INSERT INTO consensus_comments(proposal_id, author, org, partner, text, at)"
		" VALUES(?,?,?,?,?,?)",
		json_pack("[I,s,s,b,O,I]", (json_int_t)j->id, j->actor, j->org, j->partner,
			  json_object_get(j->in, "text"), (json_int_t)now),
		NULL);
	if (st != ACCORD_OK)
		return st;
	*out = json_pack("{s:{s:I,s:I,s:s,s:s,s:b,s:O,s:I}}", "comment", "id",
			 (json_int_t)api->txn_last_id(txn), "proposal", (json_int_t)j->id, "author",
			 j->actor, "org", j->org, "partner", j->partner, "text",
			 json_object_get(j->in, "text"), "at", (json_int_t)now);
	return ACCORD_OK;
}

static accord_status comment_after(accord_job *j, json_t **out)
{
	proposal *p = tally__find(j->id);
	if (!p)
		return ACCORD_OK;
	char topic[40];
	live__topic(p, topic, sizeof(topic));
	/* Internal by default: members' comments reach members; a partner's
	 * comment reaches members and its own organisation, never another
	 * partner. */
	accord_audience *a = api->audience_new();
	api->audience_add_members(a);
	if (j->partner)
		api->audience_add_org(a, j->org);
	api->publish(self, topic, "consensus.comment",
		     json_deep_copy(json_object_get(*out, "comment")), a);
	api->audience_free(a);
	return ACCORD_OK;
}

const accord_arg positions__comment_args[] = {
	{.name = "text", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 8000},
	{0}};

void positions__comment(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	json_t *in = accord_args_in(api, req, positions__comment_args, d);
	if (in)
		job__run(req, access__proposal(d)->id, 0, 0, in, comment_work, comment_after);
}

static accord_status comments_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *rows = NULL;
	accord_status st = accord_exec(
		api, txn,
		"SELECT id, author, org, partner, text, at FROM consensus_comments"
		" WHERE proposal_id=? AND (NOT ? OR (partner <> 0 AND org=?)) ORDER BY id",
		json_pack("[I,b,s]", (json_int_t)j->id, j->partner, j->org), &rows);
	if (st != ACCORD_OK)
		return st;
	accord_bool_field(rows, "partner");
	*out = json_pack("{s:o}", "comments", rows);
	return ACCORD_OK;
}

void positions__comments(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	job__run(req, access__proposal(d)->id, 0, 0, NULL, comments_work, NULL);
}
