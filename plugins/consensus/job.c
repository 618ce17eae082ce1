/*
 * Request plumbing: one storage job per request (retries answered from
 * their record), and the checks of request fields.
 */
#include "consensus.h"

static accord_status job_call(accord_txn *txn, void *ud, json_t **out)
{
	job *j = ud;
	return j->work(txn, j, out);
}

/* A retried request that was done before is answered from its record,
 * with what again() adds of the current state. */
static accord_status job_work(accord_txn *txn, void *ud, json_t **out)
{
	job *j = ud;
	accord_status st = accord_retry_work(api, txn, j->retry_key[0] ? j->retry_key : NULL, out,
					     &j->duplicate, job_call, j);
	return st == ACCORD_OK && j->duplicate && j->again ? j->again(txn, j, out) : st;
}

static void job_done(accord_plugin_ctx *pc, accord_status st, json_t *out, void *ud)
{
	(void)pc;
	job *j = ud;
	const char *msg = out ? json_string_value(json_object_get(out, "message")) : NULL;
	if (st == ACCORD_OK) {
		if (j->after && !j->duplicate)
			j->after(j, out);
		if (j->req)
			api->reply_ok(j->req, json_incref(out));
	} else if (j->req)
		api->reply_error(j->req, st, msg ? msg : st == ACCORD_E_NOT_FOUND ? "no such proposal"
							  : "could not save");
	json_decref(out);
	json_decref(j->in);
	free(j);
}

job *job_new(accord_req *req, int64_t id, json_t *in, job_work_fn work, job_after_fn after)
{
	job *j = calloc(1, sizeof(*j));
	if (!j) {
		json_decref(in);
		return NULL;
	}
	j->req = req;
	j->id = id;
	j->in = in;
	j->work = work;
	j->after = after;
	const accord_principal *w = req ? api->req_principal(req) : NULL;
	snprintf(j->actor, sizeof(j->actor), "%s", w ? api->principal_login(w) : "closing time");
	snprintf(j->org, sizeof(j->org), "%s", w ? api->principal_org(w) : "");
	j->is_partner = w ? api->principal_is_partner(w) : 0;
	accord_retry_key(api, req, j->retry_key, sizeof(j->retry_key));
	return j;
}

void job_submit(job *j)
{
	if (api->db_run(self, job_work, job_done, j)) {
		accord_req *req = j->req;
		json_decref(j->in);
		free(j);
		if (req)
			api->reply_error(req, ACCORD_E_UNAVAILABLE, "the server is busy, try again");
	}
}

void job_run_scoped(accord_req *req, int64_t id, int64_t group, int need_lead, json_t *in,
		    job_work_fn work, job_after_fn after)
{
	job *j = job_new(req, id, in, work, after);
	if (!j) {
		if (req)
			api->reply_error(req, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	j->group = group;
	j->need_lead = need_lead;
	job_submit(j);
}

void job_run(accord_req *req, int64_t id, json_t *in, job_work_fn work, job_after_fn after)
{
	job_run_scoped(req, id, 0, 0, in, work, after);
}

accord_status job_fail(json_t **out, accord_status st, const char *msg)
{
	json_decref(*out);
	*out = json_pack("{s:s}", "message", msg);
	return st;
}

const char *arg_str(accord_req *req, const json_t *d, const char *key, size_t max, int required)
{
	const json_t *v = json_object_get(d, key);
	char msg[128];
	if (!v && !required)
		return "";
	if (json_is_string(v) && json_string_length(v) <= max && (json_string_length(v) || !required))
		return json_string_value(v);
	snprintf(msg, sizeof(msg), "%s: %s string of at most %zu bytes", key,
		 required ? "required non-empty" : "a", max);
	api->reply_error(req, ACCORD_E_BAD_REQUEST, msg);
	return NULL;
}

/* closes_at: a time in the future (lifecycle__closes_at). */
int arg_closes_at(accord_req *req, const json_t *d, int required, int64_t *out)
{
	if (!lifecycle__closes_at(json_object_get(d, "closes_at"), required, api->now_ms(), out))
		return 0;
	api->reply_error(req, ACCORD_E_BAD_REQUEST,
			 "closes_at: a time in the future, in milliseconds since the epoch");
	return -1;
}
