/*
 * The record: the decision register (consensus.decisions), the export of a
 * closed proposal's record (HTTP, JSON or CSV) and the description of a
 * proposal for the portal's releases.
 */
#include "consensus.h"

#include <accord/csv.h>

void record__decisions(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)d;
	(void)ud;
	job_run(req, 0,
	    json_pack("{s:s,s:b,s:o}", "status", "closed", "decisions", 1, "ids",
		      /* partners' register: adopted joint statements only */
		      access__member(api->req_principal(req)) ? access__visible_ids(api->req_principal(req))
							 : json_array()),
	    proposals__list_work, NULL);
}

/* ---------------- export of a closed proposal's record ---------------- */

typedef struct xjob {
	accord_http *h;
	int64_t id;
	int csv;
} xjob;

static accord_status export_work(accord_txn *txn, void *ud, json_t **out)
{
	xjob *x = ud;
	accord_status st = store__snapshot(txn, x->id, out);
	if (st != ACCORD_OK)
		return st;
	json_t *log = NULL;
	accord_exec(api, txn,
		      "SELECT at, actor, org, action, position, reason FROM consensus_log"
		      " WHERE proposal_id=? ORDER BY id",
		      json_pack("[I]", (json_int_t)x->id), &log);
	json_object_set_new(*out, "log", log ? log : json_array());
	return ACCORD_OK;
}

static void export_done(accord_plugin_ctx *pc, accord_status st, json_t *snap, void *ud)
{
	(void)pc;
	xjob *x = ud;
	const json_t *row = json_object_get(snap, "proposal");
	if (st != ACCORD_OK || !row) {
		api->http_respond(x->h, 404, "application/json", "{\"error\":\"not_found\"}", 21);
	} else if (!json_string_value(json_object_get(row, "status")) ||
		   strcmp(json_string_value(json_object_get(row, "status")), "closed")) {
		const char *m = "{\"error\":\"conflict\",\"message\":\"the record is exported once the proposal is closed\"}";
		api->http_respond(x->h, 409, "application/json", m, strlen(m));
	} else if (!x->csv) {
		json_t *r = json_object_get(snap, "proposal");
		const char *facts = json_string_value(json_object_get(r, "close_facts"));
		json_t *fj = facts ? json_loads(facts, 0, NULL) : NULL;
		json_object_set_new(r, "close_facts", fj ? fj : json_null());
		char *s = json_dumps(snap, JSON_INDENT(2) | JSON_SORT_KEYS);
		if (s)
			api->http_respond(x->h, 200, "application/json", s, strlen(s));
		else
			api->http_respond(x->h, 500, "application/json", "{\"error\":\"internal\"}", 20);
		free(s);
	} else {
		/* <accord/csv.h>: the one CSV writer (quoting, formula prefix). */
		accord_csv c = {0};
		const char *hdr[] = {"org", "position", "reason", "cast_by", "cast_at"};
		for (int i = 0; i < 5; i++)
			accord_csv_field(&c, hdr[i]);
		accord_csv_end_row(&c);
		size_t i;
		const json_t *p;
		json_array_foreach(json_object_get(snap, "positions"), i, p)
		{
			char at[32];
			snprintf(at, sizeof(at), "%lld", (long long)json_integer_value(json_object_get(p, "cast_at")));
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
			api->http_respond(x->h, 200, "text/csv; charset=utf-8", buf, len);
		else
			api->http_respond(x->h, 500, "application/json", "{\"error\":\"internal\"}", 20);
		free(buf);
	}
	json_decref(snap);
	free(x);
}

void record__http(accord_plugin_ctx *pc, accord_http *h, const accord_principal *w, void *ud)
{
	(void)ud;
	const char *id = api->http_query(h, "proposal"), *fmt = api->http_query(h, "format");
	if (!w) {
		api->http_respond(h, 401, "application/json", "{\"error\":\"unauthenticated\"}", 27);
		return;
	}
	char *end = NULL;
	long long pid = id ? strtoll(id, &end, 10) : 0;
	proposal *p = id && end && !*end ? tally__find(pid) : NULL;
	if (!p || !access__member(w)) { /* the record is internal */
		api->http_respond(h, 404, "application/json", "{\"error\":\"not_found\"}", 21);
		return;
	}
	xjob *x = calloc(1, sizeof(*x));
	if (!x) {
		api->http_respond(h, 500, "application/json", "{\"error\":\"internal\"}", 20);
		return;
	}
	x->h = h;
	x->id = p->id;
	x->csv = fmt && !strcmp(fmt, "csv");
	if (api->db_run(pc, export_work, export_done, x)) {
		free(x);
		api->http_respond(h, 503, "application/json", "{\"error\":\"unavailable\"}", 23);
	}
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

