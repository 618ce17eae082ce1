/*
 * Members' requests for an extraordinary meeting (Terms of Reference:
 * meetings "upon request of its members"): meetings.request records one,
 * meetings.requests lists them, and a co-chair or the secretariat answers
 * each once (meetings.answer: accepted, naming the extraordinary meeting
 * convened for it when there is one, or declined), all logged.
 */
#include "meetings.h"

static const char *const ANSWERS[] = {"accepted", "declined", NULL};

const accord_arg requests__request_args[] = {{.name = "reason",
					      .type = ACCORD_ARG_STRING,
					      .flags = ACCORD_ARG_REQUIRED,
					      .min = 1,
					      .max = 4000},
					     {0}};

const accord_arg requests__answer_args[] = {
	{.name = "request", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "answer", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .one_of = ANSWERS},
	{.name = "note", .type = ACCORD_ARG_STRING, .max = 2000},
	{.name = "meeting", .type = ACCORD_ARG_ID},
	{0}};

#define REQUEST_COLS                                                                               \
	"SELECT id, org, login, reason, at, status, answer, answered_by, answered_at, meeting"     \
	" FROM meetings_requests"

static accord_status one(accord_txn *txn, int64_t id, json_t **row)
{
	json_t *rows = NULL;
	accord_status st = accord_exec(api, txn, REQUEST_COLS " WHERE id=?",
				       json_pack("[I]", (json_int_t)id), &rows);
	*row = st == ACCORD_OK ? json_incref(json_array_get(rows, 0)) : NULL;
	json_decref(rows);
	return st;
}

static accord_status request_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const char *reason = json_string_value(json_object_get(j->in, "reason"));
	accord_status st = accord_exec(
		api, txn,
		"INSERT INTO meetings_requests(org, login, reason, at)"
		" VALUES(?,?,?,?)",
		json_pack("[s,s,s,I]", j->org, j->actor, reason, (json_int_t)j->now_ms), NULL);
	if (st != ACCORD_OK)
		return st;
	int64_t id = api->txn_last_id(txn);
	st = store__log(txn, j, 0, "request",
			json_pack("{s:I,s:s}", "request", (json_int_t)id, "reason", reason));
	json_t *row = NULL;
	if (st == ACCORD_OK)
		st = one(txn, id, &row);
	if (st == ACCORD_OK && !(*out = json_pack("{s:o}", "request", row)))
		st = ACCORD_E_INTERNAL;
	return st;
}

void requests__request(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	json_t *in = accord_args_in(api, req, requests__request_args, d);
	accord_job *j = in ? plugin__job(req, 0, in, request_work, NULL) : NULL;
	if (j)
		accord_job_submit(j);
}

static accord_status requests_work(accord_txn *txn, accord_job *j, json_t **out)
{
	(void)j;
	json_t *rows = NULL;
	accord_status st = accord_exec(api, txn, REQUEST_COLS " ORDER BY id DESC LIMIT 500", NULL,
				       &rows);
	if (st == ACCORD_OK && !(*out = json_pack("{s:o}", "requests", rows)))
		st = ACCORD_E_INTERNAL;
	return st;
}

void requests__requests(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)d;
	(void)ud;
	accord_job *j = plugin__job(req, 0, NULL, requests_work, NULL);
	if (j)
		accord_job_submit(j);
}

int requests__may_answer(accord_req *req, const json_t *d)
{
	(void)d;
	const accord_principal *w = api->req_principal(req);
	if (!api->principal_is_partner(w) &&
	    (api->principal_has_role(w, "co_chair") || api->principal_has_role(w, "secretariat")))
		return 1;
	api->reply_error(req, ACCORD_E_FORBIDDEN,
			 "only the co-chairs and the secretariat answer requests");
	return 0;
}

static accord_status answer_work(accord_txn *txn, accord_job *j, json_t **out)
{
	int64_t id = json_integer_value(json_object_get(j->in, "request"));
	const json_t *meeting = json_object_get(j->in, "meeting");
	const char *answer = json_string_value(json_object_get(j->in, "answer"));
	const char *note = json_string_value(json_object_get(j->in, "note"));
	json_t *row = NULL;
	accord_status st = one(txn, id, &row);
	if (st != ACCORD_OK)
		return st;
	if (!row)
		return accord_job_fail(out, ACCORD_E_NOT_FOUND, "no such request");
	int pending = !strcmp(json_string_value(json_object_get(row, "status")), "pending");
	json_decref(row);
	if (!pending)
		return accord_job_fail(out, ACCORD_E_CONFLICT, "the request was already answered");
	if (meeting) {
		if (strcmp(answer, "accepted"))
			return accord_job_fail(out, ACCORD_E_BAD_REQUEST,
					       "meeting: only an accepted request names a meeting");
		json_t *m = store__meeting(txn, json_integer_value(meeting));
		const char *kind = m ? json_string_value(json_object_get(m, "kind")) : NULL;
		int extraordinary = kind && !strcmp(kind, "extraordinary");
		json_decref(m);
		if (!extraordinary)
			return accord_job_fail(out, ACCORD_E_BAD_REQUEST,
					       "meeting: no such extraordinary meeting");
		st = accord_exec(api, txn, "UPDATE meetings_meetings SET request=? WHERE id=?",
				 json_pack("[I,O]", (json_int_t)id, meeting), NULL);
	}
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "UPDATE meetings_requests SET status=?, answer=?, answered_by=?,"
				 " answered_at=?, meeting=? WHERE id=?",
				 json_pack("[s,s,s,I,O,I]", answer, note ? note : "", j->actor,
					   (json_int_t)j->now_ms, meeting ? meeting : json_null(),
					   (json_int_t)id),
				 NULL);
	if (st == ACCORD_OK)
		st = store__log(txn, j, meeting ? json_integer_value(meeting) : 0, "answer",
				json_pack("{s:I,s:s,s:s}", "request", (json_int_t)id, "answer",
					  answer, "note", note ? note : ""));
	if (st == ACCORD_OK)
		st = one(txn, id, &row);
	if (st == ACCORD_OK && !(*out = json_pack("{s:o}", "request", row)))
		st = ACCORD_E_INTERNAL;
	return st;
}

void requests__answer(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	json_t *in = accord_args_in(api, req, requests__answer_args, d);
	accord_job *j = in ? plugin__job(req, 0, in, answer_work, NULL) : NULL;
	if (j)
		accord_job_submit(j);
}
