/*
 * The record: the decision register (consensus.decisions), the export of a
 * closed proposal's record (HTTP, JSON or CSV) and the description of a
 * proposal for the portal's releases.
 */
#include "consensus.h"

#include <accord/csv.h>

/* The decision register: the closed proposals the caller may see;
 * partners' register holds the network's adopted joint statements only. */
void record__decisions(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)d;
	(void)ud;
	const accord_principal *w = api->req_principal(req);
	json_t *in = json_pack("{s:s,s:b,s:o}", "status", "closed", "decisions", 1, "ids",
			       access__member(w) ? access__visible_ids(w) : json_array());
	if (!in) {
		api->reply_error(req, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	job__run(req, 0, 0, 0, in, proposals__list_work, NULL);
}

/* ---------------- export of a closed proposal's record ---------------- */

static accord_status export_work(accord_txn *txn, accord_job *j, json_t **out)
{
	accord_status st = store__snapshot(txn, j->id, out);
	if (st != ACCORD_OK)
		return st;
	const char *status = json_string_value(
		json_object_get(json_object_get(*out, "proposal"), "status"));
	if (!status || strcmp(status, "closed"))
		return accord_job_fail(out, ACCORD_E_CONFLICT,
				       "the record is exported once the proposal is closed");
	json_t *log = NULL;
	st = accord_exec(api, txn,
			 "SELECT at, actor, org, action, position, reason FROM consensus_log"
			 " WHERE proposal_id=? ORDER BY id",
			 json_pack("[I]", (json_int_t)j->id), &log);
	if (st != ACCORD_OK)
		return st;
	return json_object_set_new(*out, "log", log ? log : json_array()) ? ACCORD_E_INTERNAL
									  : ACCORD_OK;
}

static void respond_json(accord_http *h, json_t *snap)
{
	json_t *r = json_object_get(snap, "proposal");
	const char *facts = json_string_value(json_object_get(r, "close_facts"));
	json_t *fj = facts ? json_loads(facts, 0, NULL) : NULL;
	json_object_set_new(r, "close_facts", fj ? fj : json_null());
	char *s = json_dumps(snap, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (s)
		api->http_respond(h, 200, "application/json", s, strlen(s));
	else
		accord_http_error(api, h, ACCORD_E_INTERNAL, NULL);
	free(s);
}

static void respond_csv(accord_http *h, const json_t *snap)
{
	/* <accord/csv.h>: the one CSV writer (quoting, formula prefix). */
	accord_csv c = {0};
	const char *hdr[] = {"org", "position", "reason", "cast_by", "cast_at"};
	for (int i = 0; i < 5; i++)
		accord_csv_field(&c, hdr[i]);
	accord_csv_end_row(&c);
	size_t i;
	const json_t *p;
	json_array_foreach(json_object_get(snap, "positions"), i, p) {
		char at[32];
		snprintf(at, sizeof(at), "%lld",
			 (long long)json_integer_value(json_object_get(p, "cast_at")));
		accord_csv_field(&c, json_string_value(json_object_get(p, "org")));
		accord_csv_field(&c, json_string_value(json_object_get(p, "position")));
		accord_csv_field(&c, json_string_value(json_object_get(p, "reason")));
		accord_csv_field(&c, json_string_value(json_object_get(p, "cast_by")));
		accord_csv_field(&c, at);
		accord_csv_end_row(&c);
	}
	size_t len;
	char *buf = accord_csv_finish(&c, &len);
	if (buf)
		api->http_respond(h, 200, "text/csv; charset=utf-8", buf, len);
	else
		accord_http_error(api, h, ACCORD_E_INTERNAL, NULL);
	free(buf);
}

/* The record as a file, answered here rather than as the job's JSON reply. */
static accord_status export_after(accord_job *j, json_t **out)
{
	if (json_is_true(json_object_get(j->in, "csv")))
		respond_csv(j->http, *out);
	else
		respond_json(j->http, *out);
	accord_job_answered(j);
	return ACCORD_OK;
}

/* GET /api/consensus/record?proposal=<id>[&format=csv]: the record of a
 * closed proposal, for members only (a partner, or a proposal not there,
 * is not_found). */
void record__http(accord_plugin_ctx *pc, accord_http *h, const accord_principal *w, void *ud)
{
	(void)ud;
	const char *id = api->http_query(h, "proposal"), *fmt = api->http_query(h, "format");
	if (!w) {
		accord_http_error(api, h, ACCORD_E_UNAUTHENTICATED, NULL);
		return;
	}
	char *end = NULL;
	long long pid = id ? strtoll(id, &end, 10) : 0;
	proposal *p = id && end && !*end ? tally__find(pid) : NULL;
	if (!p || !access__member(w)) { /* the record is internal */
		accord_http_error(api, h, ACCORD_E_NOT_FOUND, NULL);
		return;
	}
	accord_job *j = accord_job_new_http(api, pc, h, w,
					    json_pack("{s:b}", "csv", fmt && !strcmp(fmt, "csv")),
					    export_work, export_after, 0);
	if (!j)
		return;
	j->id = p->id;
	accord_job_submit(j);
}

/* What partners see of a released proposal: its text and outcome, never
 * its positions or tally. */
accord_status record__describe(accord_txn *txn, const char *id, json_t **out, void *ud)
{
	(void)ud;
	return accord_describe_row(api, txn,
				   "SELECT id, title, text, kind, scope, status, outcome, outcome_statement,"
				   " closed_at, review_date FROM consensus_proposals WHERE id=?",
				   id, 1, out);
}
