/*
 * Minutes that write themselves: assembled by the server from the record
 * (meetings.minutes.assemble: attendance per organisation with its times,
 * apologies, each item with its notes and, for a decision, its outcome,
 * positions and reasons and the state counterpart's consultation), edited
 * by the managers (meetings.minutes.update: the prose of each section; every
 * edit is a new version, all kept), circulated for comments per section
 * until a date (meetings.minutes.circulate, meetings.minutes.comment), and
 * approved (meetings.minutes.approve): by a consensus decision of the
 * members (a proposal opened through accord.decisions, whose outcome comes
 * back by its watch), or by a co-chair where the meeting's rule
 * (minutes_approval) says so.
 *
 * A version is {meeting, version, status (draft|circulated|approved), body:
 * {sections: [{key, title, text, ...the record}]}, edited_by, edited_at,
 * circulated_at, comments_until, approved_by, approved_at,
 * approval_proposal, approval_outcome}.  Section keys: "attendance",
 * "apologies", "item:<id>" for each agenda item, "actions".
 */
#include "meetings.h"

#define DEFAULT_WINDOW_MS ((int64_t)7 * 24 * 3600 * 1000)

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static const accord_arg text_row = {.type = ACCORD_ARG_OBJECT};
const accord_arg minutes__update_args[] = {
	{.name = "meeting", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "sections",
	 .type = ACCORD_ARG_ARRAY,
	 .flags = ACCORD_ARG_REQUIRED,
	 .min = 1,
	 .max = 200,
	 .each = &text_row},
	{0}};

const accord_arg minutes__circulate_args[] = {
	{.name = "meeting", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "comments_until",
	 .flags = ACCORD_ARG_REQUIRED,
	 .check = rules__time,
	 .says = "expected a time in milliseconds since the epoch"},
	{0}};

const accord_arg minutes__comment_args[] = {
	{.name = "meeting", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "section", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 64},
	{.name = "text", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 8000},
	{0}};

const accord_arg minutes__get_args[] = {
	{.name = "meeting", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "version", .type = ACCORD_ARG_ID},
	{0}};

/* ---------------- the record ---------------- */

static json_t *rows_of(accord_txn *txn, const char *sql, json_t *params, accord_status *st)
{
	json_t *rows = NULL;
	if (*st == ACCORD_OK)
		*st = accord_exec(api, txn, sql, params, &rows);
	else
		json_decref(params);
	return rows;
}

static json_t *section(const char *key, const char *title)
{
	return json_pack("{s:s,s:s,s:s}", "key", key, "title", title, "text", "");
}

/* The sections of meeting m, from the record as committed now. */
static accord_status assemble(accord_txn *txn, const json_t *m, json_t **sections)
{
	json_int_t id = json_integer_value(json_object_get(m, "id"));
	accord_status st = ACCORD_OK;
	json_t *inv = NULL;
	st = store__invitees(txn, id, &inv);
	json_t *att = rows_of(txn,
			      "SELECT org, login, joined_at, left_at, source FROM meetings_attendance"
			      " WHERE meeting=? ORDER BY id",
			      json_pack("[I]", id), &st);
	json_t *apol = rows_of(
		txn, "SELECT org, reason FROM meetings_apologies WHERE meeting=? ORDER BY org",
		json_pack("[I]", id), &st);
	json_t *notes = rows_of(txn,
				"SELECT item, text, visibility, author, org, at FROM meetings_notes"
				" WHERE meeting=? ORDER BY id",
				json_pack("[I]", id), &st);
	json_t *items = NULL;
	if (st == ACCORD_OK)
		st = store__agenda(txn, id, 0, &items);
	*sections = NULL;
	if (st != ACCORD_OK) {
		json_decref(inv);
		json_decref(att);
		json_decref(apol);
		json_decref(notes);
		json_decref(items);
		return st;
	}
	json_t *out = json_array();
	/* attendance: every invited organisation, with its intervals */
	json_t *a = section("attendance", "Attendance"), *orgs = json_array();
	size_t i, k;
	json_t *r, *x;
	json_array_foreach(inv, i, r) {
		json_t *iv = json_array();
		json_array_foreach(att, k, x)
			if (json_equal(json_object_get(x, "org"), json_object_get(r, "org")))
				json_array_append(iv, x);
		int excused = 0;
		json_array_foreach(apol, k, x)
			excused |= json_equal(json_object_get(x, "org"), json_object_get(r, "org"));
		json_array_append_new(orgs, json_pack("{s:O,s:O,s:O,s:b,s:b,s:o}", "org",
						      json_object_get(r, "org"), "capacity",
						      json_object_get(r, "capacity"), "required",
						      json_object_get(r, "required"), "present",
						      json_array_size(iv) > 0, "apologies", excused,
						      "intervals", iv));
	}
	json_object_set_new(a, "orgs", orgs);
	json_array_append_new(out, a);
	json_t *ap = section("apologies", "Apologies");
	json_object_set(ap, "orgs", apol);
	json_array_append_new(out, ap);
	json_array_foreach(items, i, r) {
		char key[40], title[400];
		snprintf(key, sizeof(key), "item:%lld",
			 (long long)json_integer_value(json_object_get(r, "id")));
		snprintf(title, sizeof(title), "%lld. %s",
			 (long long)json_integer_value(json_object_get(r, "number")),
			 str(r, "title"));
		json_t *s = section(key, title), *n = json_array();
		json_array_foreach(notes, k, x)
			if (json_equal(json_object_get(x, "item"), json_object_get(r, "id")))
				json_array_append(n, x);
		json_object_set_new(s, "notes", n);
		const char *keep[] = {"id",       "kind",          "visibility",
				      "status",   "presenter_org", "started_at",
				      "ended_at", "proposal",      "outcome",
				      "decision", "body",          "documents",
				      NULL};
		for (const char **kk = keep; *kk; kk++)
			json_object_set(s, *kk, accord_or_null(r, *kk));
		json_array_append_new(out, s);
	}
	json_array_append_new(out, section("actions", "Action points"));
	json_decref(inv);
	json_decref(att);
	json_decref(apol);
	json_decref(notes);
	json_decref(items);
	*sections = out;
	return out ? ACCORD_OK : ACCORD_E_INTERNAL;
}

/* The latest version of meeting id (NULL when none), body decoded. */
static accord_status latest(accord_txn *txn, int64_t id, int64_t version, json_t **row)
{
	json_t *rows = NULL;
	accord_status st = accord_exec(
		api, txn,
		"SELECT meeting, version, status, body, edited_by, edited_at, circulated_at,"
		" comments_until, approved_by, approved_at, approval_proposal, approval_outcome"
		" FROM meetings_minutes WHERE meeting=? AND (? = 0 OR version=?)"
		" ORDER BY version DESC",
		json_pack("[I,I,I]", (json_int_t)id, (json_int_t)version, (json_int_t)version),
		&rows);
	*row = st == ACCORD_OK ? json_incref(json_array_get(rows, 0)) : NULL;
	json_decref(rows);
	if (*row) {
		json_t *b = json_loads(str(*row, "body"), 0, NULL);
		json_object_set_new(*row, "body", b ? b : json_object());
	}
	return st;
}

static accord_status save_version(accord_txn *txn, const accord_job *j, json_int_t version,
				  const json_t *sections)
{
	json_t *body = json_pack("{s:O}", "sections", sections);
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	accord_status st = text ? accord_exec(api, txn,
					      "INSERT INTO meetings_minutes(meeting, version, body,"
					      " edited_by, edited_at) VALUES(?,?,?,?,?)",
					      json_pack("[I,I,s,s,I]", (json_int_t)j->id, version,
							text, j->actor, (json_int_t)j->now_ms),
					      NULL)
				: ACCORD_E_INTERNAL;
	free(text);
	return st;
}

/* The minutes of j->id as a member sees them: {minutes, versions,
 * comments}. */
static accord_status view(accord_txn *txn, const accord_job *j, int64_t version, json_t **out)
{
	json_t *row = NULL;
	accord_status st = latest(txn, j->id, version, &row);
	if (st != ACCORD_OK)
		return st;
	if (!row)
		return accord_job_fail(out, ACCORD_E_NOT_FOUND, "no minutes yet");
	json_t *versions = rows_of(txn,
				   "SELECT version, status, edited_by, edited_at FROM meetings_minutes"
				   " WHERE meeting=? ORDER BY version",
				   json_pack("[I]", (json_int_t)j->id), &st);
	json_t *comments = rows_of(
		txn,
		"SELECT id, version, section, org, login, text, at FROM"
		" meetings_minutes_comments WHERE meeting=? AND version=? ORDER BY id",
		json_pack("[I,O]", (json_int_t)j->id, json_object_get(row, "version")), &st);
	if (st != ACCORD_OK) {
		json_decref(row);
		json_decref(versions);
		json_decref(comments);
		return st;
	}
	json_decref(*out);
	*out = json_pack("{s:o,s:o,s:o}", "minutes", row, "versions", versions, "comments", comments);
	return *out ? ACCORD_OK : ACCORD_E_INTERNAL;
}

static void minutes_event(json_t *out, const accord_job *j)
{
	json_t *m = json_object_get(out, "minutes");
	json_object_set_new(out, "_live",
			    json_pack("[{s:s,s:{s:I,s:O,s:O},s:i}]", "event", "meetings.minutes",
				      "data", "meeting", (json_int_t)j->id, "version",
				      json_object_get(m, "version"), "status",
				      json_object_get(m, "status"), "partners", 0));
}

/* ---------------- the requests ---------------- */

static accord_status assemble_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *m = NULL, *prev = NULL, *sections = NULL;
	accord_status st = access__meeting(txn, j, 1, &m, out);
	if (st != ACCORD_OK)
		return st;
	if (strcmp(str(m, "status"), "closed")) {
		json_decref(m);
		return accord_job_fail(out, ACCORD_E_CONFLICT,
				       "minutes are assembled once the meeting is closed");
	}
	st = latest(txn, j->id, 0, &prev);
	if (st == ACCORD_OK && prev && !strcmp(str(prev, "status"), "approved"))
		st = accord_job_fail(out, ACCORD_E_CONFLICT, "the minutes are approved");
	if (st == ACCORD_OK)
		st = assemble(txn, m, &sections);
	json_decref(m);
	/* the record refreshed (a late outcome), the prose kept */
	size_t i, k;
	json_t *s, *p;
	json_array_foreach(sections, i, s)
		json_array_foreach(json_object_get(json_object_get(prev, "body"), "sections"), k, p)
			if (json_equal(json_object_get(s, "key"), json_object_get(p, "key")))
				json_object_set(s, "text", json_object_get(p, "text"));
	json_int_t version = prev ? json_integer_value(json_object_get(prev, "version")) + 1 : 1;
	json_decref(prev);
	if (st == ACCORD_OK)
		st = save_version(txn, j, version, sections);
	json_decref(sections);
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, "minutes.assemble",
				json_pack("{s:I}", "version", version));
	if (st == ACCORD_OK)
		st = view(txn, j, 0, out);
	if (st == ACCORD_OK)
		minutes_event(*out, j);
	return st;
}

static accord_status update_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *m = NULL, *prev = NULL;
	accord_status st = access__meeting(txn, j, 1, &m, out);
	json_decref(m);
	if (st == ACCORD_OK)
		st = latest(txn, j->id, 0, &prev);
	if (st == ACCORD_OK && !prev)
		st = accord_job_fail(out, ACCORD_E_CONFLICT, "the minutes are not assembled yet");
	if (st == ACCORD_OK && !strcmp(str(prev, "status"), "approved"))
		st = accord_job_fail(out, ACCORD_E_CONFLICT, "the minutes are approved");
	json_t *sections = st == ACCORD_OK
				   ? json_deep_copy(json_object_get(json_object_get(prev, "body"),
								    "sections"))
				   : NULL;
	json_int_t version = prev ? json_integer_value(json_object_get(prev, "version")) + 1 : 0;
	json_decref(prev);
	size_t i, k;
	json_t *e, *s;
	json_array_foreach(json_object_get(j->in, "sections"), i, e) {
		if (st != ACCORD_OK)
			break;
		const char *key = str(e, "key"), *text = str(e, "text");
		char msg[120];
		if (!key || !text || strlen(text) > 50000) {
			snprintf(msg, sizeof(msg),
				 "sections[%zu]: expected {key, text} (text at most"
				 " 50000 bytes)",
				 i);
			st = accord_job_fail(out, ACCORD_E_BAD_REQUEST, msg);
			break;
		}
		int found = 0;
		json_array_foreach(sections, k, s)
			if (!strcmp(str(s, "key"), key)) {
				json_object_set_new(s, "text", json_string(text));
				found = 1;
			}
		if (!found) {
			snprintf(msg, sizeof(msg), "sections[%zu].key: no such section", i);
			st = accord_job_fail(out, ACCORD_E_BAD_REQUEST, msg);
		}
	}
	if (st == ACCORD_OK)
		st = save_version(txn, j, version, sections);
	json_decref(sections);
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, "minutes.update",
				json_pack("{s:I}", "version", version));
	if (st == ACCORD_OK)
		st = view(txn, j, 0, out);
	if (st == ACCORD_OK)
		minutes_event(*out, j);
	return st;
}

static accord_status circulate_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *m = NULL, *prev = NULL;
	accord_status st = access__meeting(txn, j, 1, &m, out);
	json_decref(m);
	json_int_t until = json_integer_value(json_object_get(j->in, "comments_until"));
	if (st == ACCORD_OK && until <= j->now_ms)
		st = accord_job_fail(out, ACCORD_E_BAD_REQUEST,
				     "comments_until: must be in the future");
	if (st == ACCORD_OK)
		st = latest(txn, j->id, 0, &prev);
	if (st == ACCORD_OK && !prev)
		st = accord_job_fail(out, ACCORD_E_CONFLICT, "the minutes are not assembled yet");
	if (st == ACCORD_OK && strcmp(str(prev, "status"), "draft"))
		st = accord_job_fail(out, ACCORD_E_CONFLICT,
				     "this version was circulated already: edit it to make a new one");
	json_int_t version = json_integer_value(json_object_get(prev, "version"));
	json_decref(prev);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "UPDATE meetings_minutes SET status='circulated', circulated_at=?,"
				 " comments_until=? WHERE meeting=? AND version=?",
				 json_pack("[I,I,I,I]", (json_int_t)j->now_ms, until,
					   (json_int_t)j->id, version),
				 NULL);
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, "minutes.circulate",
				json_pack("{s:I,s:I}", "version", version, "comments_until", until));
	if (st == ACCORD_OK)
		st = notices__minutes(txn, j->id, until);
	if (st == ACCORD_OK)
		st = view(txn, j, 0, out);
	if (st == ACCORD_OK)
		minutes_event(*out, j);
	return st;
}

static accord_status comment_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *m = NULL, *prev = NULL;
	accord_status st = access__meeting(txn, j, 0, &m, out);
	json_decref(m);
	if (st == ACCORD_OK)
		st = latest(txn, j->id, 0, &prev);
	if (st == ACCORD_OK && (!prev || strcmp(str(prev, "status"), "circulated")))
		st = accord_job_fail(out, ACCORD_E_CONFLICT,
				     "the minutes are not circulated for comments");
	if (st == ACCORD_OK &&
	    j->now_ms >= json_integer_value(json_object_get(prev, "comments_until")))
		st = accord_job_fail(out, ACCORD_E_CONFLICT, "the comment period has ended");
	const char *key = str(j->in, "section");
	int found = 0;
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(json_object_get(prev, "body"), "sections"), i, s)
		found |= !strcmp(str(s, "key"), key);
	if (st == ACCORD_OK && !found)
		st = accord_job_fail(out, ACCORD_E_BAD_REQUEST, "section: no such section");
	json_int_t version = json_integer_value(json_object_get(prev, "version"));
	json_decref(prev);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "INSERT INTO meetings_minutes_comments(meeting, version, section, org,"
				 " login, text, at) VALUES(?,?,?,?,?,?,?)",
				 json_pack("[I,I,s,s,s,O,I]", (json_int_t)j->id, version, key,
					   j->org, j->actor, json_object_get(j->in, "text"),
					   (json_int_t)j->now_ms),
				 NULL);
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, "minutes.comment",
				json_pack("{s:I,s:s}", "version", version, "section", key));
	if (st == ACCORD_OK)
		st = view(txn, j, 0, out);
	if (st == ACCORD_OK)
		minutes_event(*out, j);
	return st;
}

static accord_status approve_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *m = NULL, *prev = NULL;
	accord_status st = access__meeting(txn, j, 1, &m, out);
	if (st != ACCORD_OK)
		return st;
	int by_cochair = !strcmp(str(m, "minutes_approval"), "co_chair");
	char title[400];
	snprintf(title, sizeof(title), "Approval of the minutes: %s", str(m, "title"));
	json_decref(m);
	st = latest(txn, j->id, 0, &prev);
	if (st == ACCORD_OK && (!prev || strcmp(str(prev, "status"), "circulated")))
		st = accord_job_fail(out, ACCORD_E_CONFLICT, "only circulated minutes are approved");
	if (st == ACCORD_OK && json_is_integer(json_object_get(prev, "approval_proposal")) &&
	    !json_is_string(json_object_get(prev, "approval_outcome")))
		st = accord_job_fail(out, ACCORD_E_CONFLICT, "their approval is before the members");
	json_int_t version = json_integer_value(json_object_get(prev, "version"));
	json_decref(prev);
	json_t *opened = NULL;
	if (st == ACCORD_OK && by_cochair) {
		if (!((job_who *)j->state)->cochair)
			st = accord_job_fail(out, ACCORD_E_FORBIDDEN,
					     "this meeting's minutes are approved by a co-chair");
		else
			st = accord_exec(api, txn,
					 "UPDATE meetings_minutes SET status='approved', approved_by=?,"
					 " approved_at=? WHERE meeting=? AND version=?",
					 json_pack("[s,I,I,I]", j->actor, (json_int_t)j->now_ms,
						   (json_int_t)j->id, version),
					 NULL);
	} else if (st == ACCORD_OK) {
		if (!decisions_svc || !ACCORD_SERVICE_HAS(decisions_svc, open))
			st = accord_job_fail(out, ACCORD_E_CONFLICT,
					     "approval by consensus needs the consensus plugin");
		char text[200];
		snprintf(text, sizeof(text),
			 "The members approve version %lld of these minutes, as circulated.",
			 (long long)version);
		json_t *spec = json_pack("{s:s,s:s,s:s,s:I,s:s,s:s}", "title", title, "text", text,
					 "kind", "decision", "closes_at",
					 (json_int_t)(j->now_ms + DEFAULT_WINDOW_MS), "by",
					 j->actor, "org", j->org);
		if (st == ACCORD_OK)
			st = spec ? decisions_svc->open(txn, spec, &opened) : ACCORD_E_INTERNAL;
		json_decref(spec);
		if (st == ACCORD_OK)
			st = accord_exec(api, txn,
					 "UPDATE meetings_minutes SET approval_proposal=?,"
					 " approval_outcome=NULL WHERE meeting=? AND version=?",
					 json_pack("[O,I,I]", json_object_get(opened, "id"),
						   (json_int_t)j->id, version),
					 NULL);
	}
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, by_cochair ? "minutes.approve" : "minutes.approval",
				json_pack("{s:I,s:O}", "version", version, "proposal",
					  opened ? json_object_get(opened, "id") : json_null()));
	if (st == ACCORD_OK)
		st = view(txn, j, 0, out);
	if (st == ACCORD_OK) {
		minutes_event(*out, j);
		if (opened)
			json_object_set(*out, "_opened", opened);
	}
	json_decref(opened);
	return st;
}

static accord_status get_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *m = NULL;
	accord_status st = access__meeting(txn, j, 0, &m, out);
	json_decref(m);
	return st == ACCORD_OK
		       ? view(txn, j, json_integer_value(json_object_get(j->in, "version")), out)
		       : st;
}

/* An approval's outcome (decisions.c's watch): approved on consensus. */
accord_status minutes__outcome(accord_txn *txn, accord_job *j, const json_t *d, json_t **out)
{
	json_t *rows = NULL;
	accord_status st = accord_exec(api, txn,
				       "SELECT meeting, version FROM meetings_minutes WHERE"
				       " approval_proposal=?",
				       json_pack("[O]", json_object_get(d, "id")), &rows);
	json_t *r = json_array_get(rows, 0);
	if (st != ACCORD_OK || !r) {
		json_decref(rows);
		return st == ACCORD_OK ? ACCORD_E_NOT_FOUND : st;
	}
	j->id = json_integer_value(json_object_get(r, "meeting"));
	const char *outcome = str(d, "outcome") ? str(d, "outcome") : "";
	int agreed = !strcmp(outcome, "consensus");
	st = accord_exec(api, txn,
			 "UPDATE meetings_minutes SET approval_outcome=?, status=CASE WHEN ? THEN"
			 " 'approved' ELSE status END, approved_by=CASE WHEN ? THEN 'consensus' ELSE"
			 " approved_by END, approved_at=CASE WHEN ? THEN ? ELSE approved_at END"
			 " WHERE meeting=? AND version=?",
			 json_pack("[s,b,b,b,I,I,O]", outcome, agreed, agreed, agreed,
				   (json_int_t)j->now_ms, (json_int_t)j->id,
				   json_object_get(r, "version")),
			 NULL);
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, "minutes.outcome",
				json_pack("{s:O,s:O,s:s}", "version", json_object_get(r, "version"),
					  "proposal", json_object_get(d, "id"), "outcome", outcome));
	json_decref(rows);
	if (st == ACCORD_OK)
		st = view(txn, j, 0, out);
	if (st == ACCORD_OK)
		minutes_event(*out, j);
	return st;
}

/* ---------------- handlers ---------------- */

static void run(accord_req *req, const accord_arg *args, const json_t *d, accord_job_work_fn work)
{
	json_t *in = accord_args_in(api, req, args, d);
	if (!in)
		return;
	accord_job *j = plugin__job(req, json_integer_value(json_object_get(in, "meeting")), in,
				    work, NULL);
	if (j)
		accord_job_submit(j);
}

void minutes__assemble(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	run(req, meetings__id_args, d, assemble_work);
}

void minutes__update(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	run(req, minutes__update_args, d, update_work);
}

void minutes__circulate(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	run(req, minutes__circulate_args, d, circulate_work);
}

void minutes__comment(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	run(req, minutes__comment_args, d, comment_work);
}

void minutes__approve(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	run(req, meetings__id_args, d, approve_work);
}

void minutes__get(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	run(req, minutes__get_args, d, get_work);
}

/* For the exports (export.c): the latest version, or version. */
accord_status minutes__view(accord_txn *txn, const accord_job *j, int64_t version, json_t **out)
{
	return view(txn, j, version, out);
}
