/*
 * The meetings plugin's tables and the statements its requests share, on
 * the storage thread inside the job of the request they serve.
 *
 * meetings_meetings holds each meeting; meetings_invitees the organisations
 * invited, frozen when it is convened; meetings_registrations each
 * organisation's delegates and apologies; meetings_requests members'
 * requests for an extraordinary meeting and their answers.  meetings_log
 * is the append-only record of every change, written in the same
 * transaction as the change (triggers refuse updates and deletes, as
 * portal_log's do).
 */
#include "meetings.h"

const accord_migration store__migrations[] = {
	{1,
	 "CREATE TABLE meetings_meetings(id INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
	 " grp INTEGER NOT NULL DEFAULT 0, title TEXT NOT NULL, purpose TEXT NOT NULL DEFAULT '',"
	 " starts_at INTEGER NOT NULL, ends_at INTEGER, tz TEXT NOT NULL,"
	 " mode TEXT NOT NULL, location TEXT NOT NULL DEFAULT '', online_url TEXT,"
	 " with_unct INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL DEFAULT 'draft',"
	 " request INTEGER, created_by TEXT NOT NULL, created_at INTEGER NOT NULL,"
	 " convened_by TEXT, convened_at INTEGER, cancelled_by TEXT, cancelled_at INTEGER,"
	 " cancel_reason TEXT, agenda_cutoff_at INTEGER, agenda_version INTEGER NOT NULL DEFAULT 0,"
	 " quorum TEXT NOT NULL DEFAULT '\"all_required\"', started_at INTEGER, closed_at INTEGER,"
	 " current_item INTEGER, minutes_approval TEXT NOT NULL DEFAULT 'consensus');"
	 "CREATE TABLE meetings_minutes(meeting INTEGER NOT NULL, version INTEGER NOT NULL,"
	 " status TEXT NOT NULL DEFAULT 'draft', body TEXT NOT NULL, edited_by TEXT NOT NULL,"
	 " edited_at INTEGER NOT NULL, circulated_at INTEGER, comments_until INTEGER,"
	 " approved_by TEXT, approved_at INTEGER, approval_proposal INTEGER, approval_outcome TEXT,"
	 " PRIMARY KEY(meeting, version));"
	 "CREATE TABLE meetings_minutes_comments(id INTEGER PRIMARY KEY, meeting INTEGER NOT NULL,"
	 " version INTEGER NOT NULL, section TEXT NOT NULL, org TEXT NOT NULL, login TEXT NOT NULL,"
	 " text TEXT NOT NULL, at INTEGER NOT NULL);"
	 "CREATE TABLE meetings_attendance(id INTEGER PRIMARY KEY, meeting INTEGER NOT NULL,"
	 " org TEXT NOT NULL, login TEXT NOT NULL DEFAULT '', joined_at INTEGER NOT NULL,"
	 " left_at INTEGER, source TEXT NOT NULL, recorded_by TEXT NOT NULL);"
	 "CREATE INDEX meetings_attendance_meeting ON meetings_attendance(meeting, org);"
	 "CREATE TABLE meetings_speakers(id INTEGER PRIMARY KEY, meeting INTEGER NOT NULL,"
	 " item INTEGER NOT NULL, org TEXT NOT NULL, login TEXT NOT NULL,"
	 " status TEXT NOT NULL DEFAULT 'waiting', requested_at INTEGER NOT NULL,"
	 " started_at INTEGER, ended_at INTEGER);"
	 "CREATE TABLE meetings_notes(id INTEGER PRIMARY KEY, meeting INTEGER NOT NULL,"
	 " item INTEGER NOT NULL, author TEXT NOT NULL, org TEXT NOT NULL, text TEXT NOT NULL,"
	 " visibility TEXT NOT NULL DEFAULT 'internal', at INTEGER NOT NULL);"
	 "CREATE TABLE meetings_items(id INTEGER PRIMARY KEY, meeting INTEGER NOT NULL,"
	 " position INTEGER NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL DEFAULT '',"
	 " kind TEXT NOT NULL, presenter_org TEXT, duration_min INTEGER,"
	 " visibility TEXT NOT NULL DEFAULT 'internal', status TEXT NOT NULL DEFAULT 'pending',"
	 " from_request INTEGER, created_by TEXT NOT NULL, created_at INTEGER NOT NULL,"
	 " proposal INTEGER, outcome TEXT, decision TEXT, carried_from INTEGER, documents TEXT,"
	 " started_at INTEGER, ended_at INTEGER);"
	 "CREATE INDEX meetings_items_meeting ON meetings_items(meeting, position);"
	 "CREATE TABLE meetings_agenda_requests(id INTEGER PRIMARY KEY, meeting INTEGER NOT NULL,"
	 " org TEXT NOT NULL, login TEXT NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL DEFAULT '',"
	 " kind TEXT NOT NULL, at INTEGER NOT NULL, decision TEXT NOT NULL DEFAULT 'pending',"
	 " decided_by TEXT, decided_at INTEGER, note TEXT, item INTEGER);"
	 "CREATE TABLE meetings_agenda_versions(meeting INTEGER NOT NULL, version INTEGER NOT NULL,"
	 " items TEXT NOT NULL, diff TEXT, circulated_by TEXT NOT NULL,"
	 " circulated_at INTEGER NOT NULL, PRIMARY KEY(meeting, version));"
	 "CREATE TABLE meetings_invitees(meeting INTEGER NOT NULL, org TEXT NOT NULL,"
	 " capacity TEXT NOT NULL, required INTEGER NOT NULL DEFAULT 0,"
	 " PRIMARY KEY(meeting, org));"
	 "CREATE TABLE meetings_registrations(meeting INTEGER NOT NULL, org TEXT NOT NULL,"
	 " login TEXT NOT NULL, role TEXT NOT NULL, designated_by TEXT, at INTEGER NOT NULL,"
	 " PRIMARY KEY(meeting, org, login));"
	 "CREATE TABLE meetings_apologies(meeting INTEGER NOT NULL, org TEXT NOT NULL,"
	 " reason TEXT NOT NULL DEFAULT '', by_login TEXT NOT NULL, at INTEGER NOT NULL,"
	 " PRIMARY KEY(meeting, org));"
	 "CREATE TABLE meetings_requests(id INTEGER PRIMARY KEY, org TEXT NOT NULL,"
	 " login TEXT NOT NULL, reason TEXT NOT NULL, at INTEGER NOT NULL,"
	 " status TEXT NOT NULL DEFAULT 'pending', answer TEXT, answered_by TEXT,"
	 " answered_at INTEGER, meeting INTEGER);"
	 "CREATE TABLE meetings_feeds(login TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE,"
	 " created_at INTEGER NOT NULL);"
	 "CREATE TABLE meetings_log(id INTEGER PRIMARY KEY, at INTEGER NOT NULL,"
	 " actor TEXT NOT NULL, org TEXT NOT NULL, meeting INTEGER, action TEXT NOT NULL,"
	 " detail TEXT);"
	 "CREATE TRIGGER meetings_log_append_only_u BEFORE UPDATE ON meetings_log"
	 " BEGIN SELECT RAISE(ABORT, 'meetings_log is append-only'); END;"
	 "CREATE TRIGGER meetings_log_append_only_d BEFORE DELETE ON meetings_log"
	 " BEGIN SELECT RAISE(ABORT, 'meetings_log is append-only'); END;"},
	/* The calendar invitation's SEQUENCE per meeting (notices.c). */
	{2, "CREATE TABLE meetings_ical(meeting INTEGER PRIMARY KEY, sequence INTEGER NOT NULL);"},
	{0, NULL}};

#define MEETING_COLS                                                                               \
	"SELECT id, kind, grp AS \"group\", title, purpose, starts_at, ends_at, tz, mode,"         \
	" location, online_url, with_unct, status, request, created_by, created_at,"               \
	" convened_by, convened_at, cancelled_by, cancelled_at, cancel_reason,"                    \
	" agenda_cutoff_at, agenda_version, quorum, started_at, closed_at, current_item,"          \
	" minutes_approval"                                                                        \
	" FROM meetings_meetings"

json_t *store__meeting(accord_txn *txn, int64_t id)
{
	json_t *rows = NULL;
	if (accord_exec(api, txn, MEETING_COLS " WHERE id=?", json_pack("[I]", (json_int_t)id),
			&rows) != ACCORD_OK)
		return NULL;
	json_t *m = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	if (m) {
		accord_bool_field(m, "with_unct");
		const char *q = json_string_value(json_object_get(m, "quorum"));
		json_t *rule = q ? json_loads(q, JSON_DECODE_ANY, NULL) : NULL;
		json_object_set_new(m, "quorum", rule ? rule : json_string("all_required"));
	}
	return m;
}

accord_status store__invitees(accord_txn *txn, int64_t id, json_t **out)
{
	*out = NULL;
	accord_status st = accord_exec(api, txn,
				       "SELECT org, capacity, required FROM meetings_invitees"
				       " WHERE meeting=? ORDER BY org",
				       json_pack("[I]", (json_int_t)id), out);
	if (st == ACCORD_OK)
		accord_bool_field(*out, "required");
	return st;
}

accord_status store__registrations(accord_txn *txn, int64_t id, json_t **out)
{
	*out = NULL;
	json_t *regs = NULL, *apol = NULL;
	accord_status st = accord_exec(api, txn,
				       "SELECT org, login, role, designated_by, at FROM"
				       " meetings_registrations WHERE meeting=? ORDER BY org, login",
				       json_pack("[I]", (json_int_t)id), &regs);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "SELECT org, reason, by_login AS \"by\", at FROM meetings_apologies"
				 " WHERE meeting=? ORDER BY org",
				 json_pack("[I]", (json_int_t)id), &apol);
	if (st == ACCORD_OK && !(*out = json_pack("{s:o,s:o}", "delegates", regs, "apologies", apol)))
		st = ACCORD_E_INTERNAL;
	if (st != ACCORD_OK) {
		json_decref(regs);
		json_decref(apol);
	}
	return st;
}

accord_status store__agenda(accord_txn *txn, int64_t id, int shared_only, json_t **out)
{
	*out = NULL;
	accord_status st = accord_exec(
		api, txn,
		"SELECT id, position AS number, title, body, kind, presenter_org,"
		" duration_min, visibility, status, from_request, started_at,"
		" ended_at, proposal, outcome, decision, carried_from, documents FROM meetings_items WHERE meeting=? AND"
		" (visibility='shared' OR NOT ?) ORDER BY position, id",
		json_pack("[I,b]", (json_int_t)id, shared_only), out);
	size_t i;
	json_t *r;
	json_array_foreach(*out, i, r) {
		if (shared_only) { /* an outcome reaches partners by a release only */
			json_object_del(r, "proposal");
			json_object_del(r, "outcome");
			json_object_del(r, "decision");
		}
		const char *docs = json_string_value(json_object_get(r, "documents"));
		json_t *dv = docs ? json_loads(docs, 0, NULL) : NULL;
		json_object_set_new(r, "documents", dv ? dv : json_array());
		if (shared_only)
			continue;
		const char *d = json_string_value(json_object_get(r, "decision"));
		json_t *v = d ? json_loads(d, 0, NULL) : NULL;
		json_object_set_new(r, "decision", v ? v : json_null());
	}
	return st;
}

static int has(const json_t *codes, const char *code)
{
	size_t i;
	json_t *c;
	json_array_foreach(codes, i, c)
		if (!strcmp(json_string_value(c), code))
			return 1;
	return 0;
}

accord_status store__presence(accord_txn *txn, const json_t *m, json_t **out)
{
	json_int_t id = json_integer_value(json_object_get(m, "id"));
	json_t *intervals = NULL, *inv = NULL;
	*out = NULL;
	accord_status st = accord_exec(api, txn,
				       "SELECT org, login, joined_at, left_at, source FROM"
				       " meetings_attendance WHERE meeting=? ORDER BY id",
				       json_pack("[I]", id), &intervals);
	if (st == ACCORD_OK)
		st = store__invitees(txn, id, &inv);
	if (st != ACCORD_OK) {
		json_decref(intervals);
		return st;
	}
	json_t *present = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(intervals, i, r)
		if (!json_is_integer(json_object_get(r, "left_at")) &&
		    !has(present, json_string_value(json_object_get(r, "org"))))
			json_array_append(present, json_object_get(r, "org"));
	json_t *q = rules__quorum(inv, present, json_object_get(m, "quorum"));
	json_decref(inv);
	if (!q) {
		json_decref(intervals);
		json_decref(present);
		return ACCORD_E_INTERNAL;
	}
	/* the keys in the order they always had */
	*out = json_pack("{s:o,s:o}", "intervals", intervals, "present", present);
	if (!*out || json_object_update(*out, q)) {
		json_decref(q);
		json_decref(*out);
		*out = NULL;
		return ACCORD_E_INTERNAL;
	}
	json_decref(q);
	return ACCORD_OK;
}

accord_status store__log(accord_txn *txn, const accord_job *j, int64_t meeting, const char *action,
			 json_t *detail)
{
	char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
	json_decref(detail);
	accord_status st = accord_exec(
		api, txn,
		"INSERT INTO meetings_log(at, actor, org, meeting, action, detail)"
		" VALUES(?,?,?,?,?,?)",
		json_pack("[I,s,s,o,s,s?]", (json_int_t)j->now_ms, j->actor, j->org,
			  meeting ? json_integer(meeting) : json_null(), action, text),
		NULL);
	free(text);
	return st;
}

/* What a partner sees of its invitation: the meeting as announced, its own
 * organisation's invitation and registrations, nobody else's. */
static void partner_view(json_t *out, const char *org)
{
	json_t *m = json_object_get(out, "meeting");
	static const char *const internal[] = {"request", "created_by", "convened_by",
					       "cancelled_by", NULL};
	for (const char *const *k = internal; *k; k++)
		json_object_del(m, *k);
	const char *lists[] = {"invitees", NULL};
	for (const char **l = lists; *l; l++) {
		json_t *kept = json_array(), *r;
		size_t i;
		json_array_foreach(json_object_get(out, *l), i, r) {
			const char *o = json_string_value(json_object_get(r, "org"));
			if (o && !strcmp(o, org))
				json_array_append(kept, r);
		}
		json_object_set_new(out, *l, kept);
	}
	json_t *reg = json_object_get(out, "registration");
	const char *sub[] = {"delegates", "apologies", NULL};
	for (const char **l = sub; *l; l++) {
		json_t *kept = json_array(), *r;
		size_t i;
		json_array_foreach(json_object_get(reg, *l), i, r) {
			const char *o = json_string_value(json_object_get(r, "org"));
			if (o && !strcmp(o, org))
				json_array_append(kept, r);
		}
		json_object_set_new(reg, *l, kept);
	}
}

accord_status store__full(accord_txn *txn, const accord_job *j, int64_t id, json_t **out)
{
	json_t *m = store__meeting(txn, id);
	int sees = m ? access__sees(txn, j, m) : 0;
	if (sees <= 0) {
		json_decref(m);
		return accord_job_fail(out, sees < 0 ? ACCORD_E_INTERNAL : ACCORD_E_NOT_FOUND,
				       "no such meeting");
	}
	json_t *inv = NULL, *reg = NULL, *agenda = NULL, *requests = NULL;
	accord_status st = store__invitees(txn, id, &inv);
	if (st == ACCORD_OK)
		st = store__registrations(txn, id, &reg);
	if (st == ACCORD_OK)
		st = store__agenda(txn, id, j->partner, &agenda);
	if (st == ACCORD_OK && !j->partner)
		st = accord_exec(api, txn,
				 "SELECT id, org, login, title, body, kind, at, decision, decided_by,"
				 " decided_at, note, item FROM meetings_agenda_requests WHERE meeting=?"
				 " ORDER BY id",
				 json_pack("[I]", (json_int_t)id), &requests);
	json_t *presence = NULL, *speakers = NULL, *notes = NULL;
	if (st == ACCORD_OK && !j->partner)
		st = store__presence(txn, m, &presence);
	if (st == ACCORD_OK && !j->partner)
		st = accord_exec(api, txn,
				 "SELECT id, item, org, login, status, requested_at, started_at,"
				 " ended_at FROM meetings_speakers WHERE meeting=? ORDER BY id",
				 json_pack("[I]", (json_int_t)id), &speakers);
	if (st == ACCORD_OK && !j->partner)
		st = accord_exec(api, txn,
				 "SELECT id, item, author, org, text, visibility, at FROM"
				 " meetings_notes WHERE meeting=? ORDER BY id",
				 json_pack("[I]", (json_int_t)id), &notes);
	if (st != ACCORD_OK) {
		json_decref(m);
		json_decref(inv);
		json_decref(reg);
		json_decref(agenda);
		json_decref(requests);
		json_decref(presence);
		json_decref(speakers);
		json_decref(notes);
		return st;
	}
	json_decref(*out);
	*out = json_pack("{s:o,s:o,s:o,s:o,s:o}", "meeting", m, "invitees", inv, "registration", reg,
			 "agenda", agenda, "agenda_requests", requests ? requests : json_array());
	if (*out && !j->partner) {
		json_object_set_new(*out, "attendance", presence);
		json_object_set_new(*out, "speakers", speakers);
		json_object_set_new(*out, "notes", notes);
	}
	if (!*out)
		return ACCORD_E_INTERNAL;
	/* what the loop's copy needs (live.c), taken out before the reply */
	json_t *partners = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(inv, i, r)
		if (strcmp(json_string_value(json_object_get(r, "capacity")), "member"))
			json_array_append(partners, json_object_get(r, "org"));
	json_object_set_new(*out, "_acl",
			    json_pack("{s:I,s:O,s:O,s:o}", "id", (json_int_t)id, "group",
				      json_object_get(m, "group"), "status",
				      json_object_get(m, "status"), "partners", partners));
	if (j->partner)
		partner_view(*out, j->org);
	return ACCORD_OK;
}
