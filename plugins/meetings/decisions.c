/*
 * Items that decide: a decision or joint-statement item opens a consensus
 * proposal bound to it (meetings.item.poll), through the service
 * accord.decisions of the consensus plugin, in the same transaction as the
 * item's change, so there is never an item pointing at no proposal nor a
 * proposal without its item.  The voters are every active member
 * organisation (the consensus rule), not only those in the room: an absent
 * organisation keeps its written window until the proposal's closing time,
 * after the item closed.  When the proposal closes, the service's watch
 * brings the outcome back to the item (with the positions and reasons and
 * the state counterpart's consultation, for the minutes), logged.
 */
#include "meetings.h"

#define DEFAULT_WINDOW_MS ((int64_t)7 * 24 * 3600 * 1000)

const accord_arg decisions__poll_args[] = {
	{.name = "item", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "text", .type = ACCORD_ARG_STRING, .min = 1, .max = 20000},
	{.name = "closes_at",
	 .check = rules__time,
	 .says = "expected a time in milliseconds since the epoch"},
	{.name = "state_matter", .type = ACCORD_ARG_BOOL},
	{0}};

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static accord_status poll_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *rows = NULL, *m = NULL;
	accord_status st = accord_exec(api, txn,
				       "SELECT id, meeting, title, body, kind, status, proposal FROM"
				       " meetings_items WHERE id=?",
				       json_pack("[O]", json_object_get(j->in, "item")), &rows);
	if (st != ACCORD_OK)
		return st;
	json_t *item = json_array_get(rows, 0);
	if (!item) {
		json_decref(rows);
		return accord_job_fail(out, ACCORD_E_NOT_FOUND, "no such agenda item");
	}
	j->id = json_integer_value(json_object_get(item, "meeting"));
	st = access__meeting(txn, j, 1, &m, out);
	if (st == ACCORD_E_NOT_FOUND)
		st = accord_job_fail(out, st, "no such agenda item");
	const char *refusal = NULL;
	if (st == ACCORD_OK && strcmp(str(m, "status"), "in_session"))
		refusal = "the meeting is not in session";
	else if (st == ACCORD_OK && strcmp(str(item, "kind"), "decision") &&
		 strcmp(str(item, "kind"), "statement"))
		refusal = "only a decision or statement item opens a proposal";
	else if (st == ACCORD_OK && strcmp(str(item, "status"), "current"))
		refusal = "the item is not open";
	else if (st == ACCORD_OK && json_is_integer(json_object_get(item, "proposal")))
		refusal = "the item already has its proposal";
	else if (st == ACCORD_OK && (!decisions_svc || !ACCORD_SERVICE_HAS(decisions_svc, open)))
		refusal = "decisions in session need the consensus plugin";
	json_decref(m);
	if (refusal)
		st = accord_job_fail(out, ACCORD_E_CONFLICT, refusal);
	const char *text = str(j->in, "text") ? str(j->in, "text") : str(item, "body");
	if (st == ACCORD_OK && (!text || !text[0]))
		st = accord_job_fail(out, ACCORD_E_BAD_REQUEST,
				     "text: required (the item has no text to decide on)");
	const json_t *closes = json_object_get(j->in, "closes_at");
	if (st == ACCORD_OK && closes && json_integer_value(closes) <= j->now_ms)
		st = accord_job_fail(out, ACCORD_E_BAD_REQUEST, "closes_at: must be in the future");
	json_t *spec = NULL, *opened = NULL;
	if (st == ACCORD_OK) {
		spec = json_pack("{s:O,s:s,s:O,s:b,s:I,s:s,s:s}", "title",
				 json_object_get(item, "title"), "text", text, "kind",
				 json_object_get(item, "kind"), "state_matter",
				 json_is_true(json_object_get(j->in, "state_matter")), "closes_at",
				 closes ? json_integer_value(closes)
					: (json_int_t)(j->now_ms + DEFAULT_WINDOW_MS),
				 "by", j->actor, "org", j->org);
		st = spec ? decisions_svc->open(txn, spec, &opened) : ACCORD_E_INTERNAL;
		json_decref(spec);
		if (st == ACCORD_E_BAD_REQUEST)
			st = accord_job_fail(out, st,
					     "the proposal could not be made from this item");
	}
	json_int_t proposal = json_integer_value(json_object_get(opened, "id"));
	if (st == ACCORD_OK)
		st = accord_exec(api, txn, "UPDATE meetings_items SET proposal=? WHERE id=?",
				 json_pack("[I,O]", proposal, json_object_get(item, "id")), NULL);
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, "item.poll",
				json_pack("{s:O,s:I}", "item", json_object_get(item, "id"),
					  "proposal", proposal));
	json_t *item_id = json_incref(json_object_get(item, "id"));
	json_decref(rows);
	if (st == ACCORD_OK)
		st = store__full(txn, j, j->id, out);
	if (st == ACCORD_OK) {
		json_object_set(*out, "_opened", opened);
		json_object_set_new(*out, "proposal", json_integer(proposal));
		json_t *l = json_object_get(*out, "_live");
		if (!l)
			json_object_set_new(*out, "_live", l = json_array());
		json_array_append_new(l, json_pack("{s:s,s:{s:I,s:O,s:I},s:i}", "event",
						   "meetings.poll", "data", "meeting",
						   (json_int_t)j->id, "item", item_id, "proposal",
						   proposal, "partners", 0));
	}
	json_decref(item_id);
	json_decref(opened);
	return st;
}

void decisions__poll(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	json_t *in = accord_args_in(api, req, decisions__poll_args, d);
	accord_job *j = in ? plugin__job(req, 0, in, poll_work, NULL) : NULL;
	if (j)
		accord_job_submit(j);
}

/* ---- the outcome, back to the item ---- */

static accord_status outcome_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *d = j->in;
	json_t *rows = NULL;
	accord_status st = accord_exec(api, txn,
				       "SELECT id, meeting FROM meetings_items WHERE proposal=?",
				       json_pack("[O]", json_object_get(d, "id")), &rows);
	json_t *item = json_array_get(rows, 0);
	if (st == ACCORD_OK && !item) { /* not an item's: a minutes approval, or none */
		json_decref(rows);
		return minutes__outcome(txn, j, d, out);
	}
	if (st != ACCORD_OK) {
		json_decref(rows);
		return st;
	}
	j->id = json_integer_value(json_object_get(item, "meeting"));
	char *text = json_dumps(d, JSON_COMPACT);
	st = text ? accord_exec(api, txn,
				"UPDATE meetings_items SET outcome=?, decision=? WHERE id=?",
				json_pack("[O,s,O]", accord_or_null(d, "outcome"), text,
					  json_object_get(item, "id")),
				NULL)
		  : ACCORD_E_INTERNAL;
	free(text);
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, "item.outcome",
				json_pack("{s:O,s:O,s:O}", "item", json_object_get(item, "id"),
					  "proposal", json_object_get(d, "id"), "outcome",
					  accord_or_null(d, "outcome")));
	if (st == ACCORD_OK)
		*out = json_pack("{s:[{s:s,s:{s:I,s:O,s:O,s:O},s:i}]}", "_live", "event",
				 "meetings.outcome", "data", "meeting", (json_int_t)j->id, "item",
				 json_object_get(item, "id"), "proposal", json_object_get(d, "id"),
				 "outcome", accord_or_null(d, "outcome"), "partners", 0);
	json_decref(rows);
	return st;
}

static void outcome_seen(accord_plugin_ctx *who, const json_t *decision, void *ud)
{
	(void)who;
	(void)ud;
	accord_job *j = accord_job_new(api, self, NULL, json_deep_copy(decision), outcome_work,
				       live__after, sizeof(job_who));
	if (!j) {
		api->log(self, ACCORD_LOG_ERR, "a decision's outcome could not reach its item");
		return;
	}
	snprintf(j->actor, sizeof(j->actor), "consensus");
	j->partner = 0;
	accord_job_submit(j);
}

int decisions__watch(void)
{
	if (!decisions_svc || !ACCORD_SERVICE_HAS(decisions_svc, watch))
		return 0;
	return decisions_svc->watch(self, outcome_seen, NULL);
}
