/*
 * In session: meetings.start and meetings.close, the chair moving through
 * the agenda (meetings.item.open, meetings.item.close; the current item is
 * pushed live on meeting:<id>), attendance by organisation as intervals
 * (meetings.checkin, meetings.checkout: a person checking in for their
 * organisation, or the co-chairs and the secretariat recording an
 * organisation's arrival or departure by hand; live presence: a registered
 * delegate connected during the session), the live indicator of the
 * required organisations represented and missing and the meeting's quorum
 * rule (meetings.quorum; a rule that cannot be met is refused), the
 * speakers list by organisation (meetings.speakers.add, .next) and notes
 * per item (meetings.note; internal unless shared).
 */
#include "meetings.h"

static const char *const VISIBILITIES[] = {"internal", "shared", NULL};

static const char *quorum_check(const json_t *v)
{
	if (json_is_string(v) && !strcmp(json_string_value(v), "all_required"))
		return NULL;
	if (json_is_integer(v) && json_integer_value(v) >= 1)
		return NULL;
	return "expected \"all_required\" or a number of required organisations (at least 1)";
}

const accord_arg session__org_args[] = {
	{.name = "meeting", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "org", .type = ACCORD_ARG_STRING, .min = 1, .max = 16},
	{.name = "login", .type = ACCORD_ARG_STRING, .min = 1, .max = 64},
	{0}};

const accord_arg session__quorum_args[] = {
	{.name = "meeting", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "rule", .flags = ACCORD_ARG_REQUIRED, .check = quorum_check},
	{0}};

const accord_arg session__item_close_args[] = {
	{.name = "item", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "defer", .type = ACCORD_ARG_BOOL},
	{0}};

const accord_arg session__speaker_args[] = {
	{.name = "item", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "org", .type = ACCORD_ARG_STRING, .min = 1, .max = 16},
	{0}};

const accord_arg session__note_args[] = {
	{.name = "item", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "text", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 20000},
	{.name = "visibility", .type = ACCORD_ARG_STRING, .one_of = VISIBILITIES},
	{0}};

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int status_is(const json_t *m, const char *s) { return !strcmp(str(m, "status"), s); }

/* Adds an event to the reply's "_live" list (live.c publishes it):
 * partners 0 to members only, 1 to members and the invited partners, 2 to
 * the invited partners only. */
static void live(json_t *out, const char *event, json_t *data, int partners)
{
	json_t *l = json_object_get(out, "_live");
	if (!l) {
		l = json_array();
		json_object_set_new(out, "_live", l);
	}
	json_array_append_new(l, json_pack("{s:s,s:o,s:i}", "event", event, "data",
					   data ? data : json_null(), "partners", partners));
}

/* The indicator, pushed to members after every attendance change. */
static accord_status attendance_event(accord_txn *txn, const accord_job *j, json_t *out)
{
	json_t *m = store__meeting(txn, j->id), *p = NULL;
	accord_status st = m ? store__presence(txn, m, &p) : ACCORD_E_INTERNAL;
	json_decref(m);
	if (st == ACCORD_OK) {
		json_object_set_new(p, "meeting", json_integer(j->id));
		live(out, "meetings.attendance", p, 0);
	}
	return st;
}

/* ---------------- meetings.start / close ---------------- */

static accord_status presence_open(accord_txn *txn, const accord_job *j, int64_t id,
				   const char *org, const char *login, int *opened);

static accord_status start_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *m = NULL;
	accord_status st = access__meeting(txn, j, 1, &m, out);
	if (st != ACCORD_OK)
		return st;
	int convened = status_is(m, "convened");
	json_decref(m);
	if (!convened)
		return accord_job_fail(out, ACCORD_E_CONFLICT, "only a convened meeting starts");
	st = accord_exec(api, txn,
			 "UPDATE meetings_meetings SET status='in_session', started_at=? WHERE id=?",
			 json_pack("[I,I]", (json_int_t)j->now_ms, (json_int_t)j->id), NULL);
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, "start", NULL);
	/* the people connected when the session opens (live__online) */
	int any = 0;
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(j->in, "_online"), i, p) {
		int opened = 0;
		if (st == ACCORD_OK)
			st = presence_open(txn, j, j->id, str(p, "org"), str(p, "login"), &opened);
		any |= opened;
	}
	if (st == ACCORD_OK)
		st = store__full(txn, j, j->id, out);
	return st == ACCORD_OK && any ? attendance_event(txn, j, *out) : st;
}

static accord_status close_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *m = NULL;
	accord_status st = access__meeting(txn, j, 1, &m, out);
	if (st != ACCORD_OK)
		return st;
	int in_session = status_is(m, "in_session");
	json_decref(m);
	if (!in_session)
		return accord_job_fail(out, ACCORD_E_CONFLICT, "the meeting is not in session");
	json_t *now = json_integer(j->now_ms);
	st = accord_exec(api, txn,
			 "UPDATE meetings_attendance SET left_at=? WHERE meeting=? AND left_at IS NULL",
			 json_pack("[O,I]", now, (json_int_t)j->id), NULL);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "UPDATE meetings_items SET status='done', ended_at=? WHERE meeting=?"
				 " AND status='current'",
				 json_pack("[O,I]", now, (json_int_t)j->id), NULL);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "UPDATE meetings_speakers SET status='done', ended_at=? WHERE meeting=?"
				 " AND status IN ('waiting', 'speaking')",
				 json_pack("[O,I]", now, (json_int_t)j->id), NULL);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "UPDATE meetings_meetings SET status='closed', closed_at=?,"
				 " current_item=NULL WHERE id=?",
				 json_pack("[O,I]", now, (json_int_t)j->id), NULL);
	json_decref(now);
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, "close", NULL);
	if (st == ACCORD_OK)
		st = store__full(txn, j, j->id, out);
	if (st == ACCORD_OK)
		live(*out, "meetings.current_item",
		     json_pack("{s:I,s:n}", "meeting", (json_int_t)j->id, "item"), 1);
	return st;
}

/* ---------------- meetings.item.open / close ---------------- */

/* The item j->in.item, on a meeting in session that j's caller manages;
 * j->id its meeting. */
static accord_status session_item(accord_txn *txn, accord_job *j, int manage, json_t **item,
				  json_t **out)
{
	json_t *rows = NULL, *m = NULL;
	accord_status st = accord_exec(api, txn,
				       "SELECT id, meeting, position AS number, title, kind,"
				       " visibility, status, proposal FROM meetings_items WHERE id=?",
				       json_pack("[O]", json_object_get(j->in, "item")), &rows);
	if (st != ACCORD_OK)
		return st;
	*item = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	if (!*item)
		return accord_job_fail(out, ACCORD_E_NOT_FOUND, "no such agenda item");
	j->id = json_integer_value(json_object_get(*item, "meeting"));
	st = access__meeting(txn, j, manage, &m, out);
	if (st == ACCORD_E_NOT_FOUND ||
	    (st == ACCORD_OK && j->partner && strcmp(str(*item, "visibility"), "shared")))
		st = accord_job_fail(out, ACCORD_E_NOT_FOUND, "no such agenda item");
	if (st == ACCORD_OK && !status_is(m, "in_session"))
		st = accord_job_fail(out, ACCORD_E_CONFLICT, "the meeting is not in session");
	json_decref(m);
	if (st != ACCORD_OK) {
		json_decref(*item);
		*item = NULL;
	}
	return st;
}

/* The current item as the page shows it; partners get it only when it is
 * shared (else null: an internal item is being discussed). */
static void current_events(json_t *out, int64_t meeting, const json_t *item, int64_t at)
{
	int shared = item && !strcmp(str(item, "visibility"), "shared");
	json_t *brief = item ? json_pack("{s:O,s:O,s:O,s:O,s:O,s:I}", "id",
					 json_object_get(item, "id"), "number",
					 json_object_get(item, "number"), "title",
					 json_object_get(item, "title"), "kind",
					 json_object_get(item, "kind"), "visibility",
					 json_object_get(item, "visibility"), "started_at",
					 (json_int_t)at)
			     : NULL;
	live(out, "meetings.current_item",
	     json_pack("{s:I,s:o}", "meeting", (json_int_t)meeting, "item",
		       brief ? brief : json_null()),
	     shared || !item);
	if (item && !shared) /* partners learn only that an internal item is on */
		live(out, "meetings.current_item",
		     json_pack("{s:I,s:n,s:b}", "meeting", (json_int_t)meeting, "item", "internal", 1),
		     2);
}

static accord_status item_open_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *item = NULL;
	accord_status st = session_item(txn, j, 1, &item, out);
	if (st != ACCORD_OK)
		return st;
	const char *status = str(item, "status");
	if (strcmp(status, "pending") && strcmp(status, "deferred")) {
		const char *msg = !strcmp(status, "current") ? "the item is already open"
							     : "the item was already taken up";
		json_decref(item);
		return accord_job_fail(out, ACCORD_E_CONFLICT, msg);
	}
	json_t *now = json_integer(j->now_ms);
	st = accord_exec(api, txn,
			 "UPDATE meetings_items SET status='done', ended_at=? WHERE meeting=? AND"
			 " status='current'",
			 json_pack("[O,I]", now, (json_int_t)j->id), NULL);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "UPDATE meetings_items SET status='current', started_at=? WHERE id=?",
				 json_pack("[O,O]", now, json_object_get(item, "id")), NULL);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn, "UPDATE meetings_meetings SET current_item=? WHERE id=?",
				 json_pack("[O,I]", json_object_get(item, "id"), (json_int_t)j->id),
				 NULL);
	json_decref(now);
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, "item.open",
				json_pack("{s:O}", "item", json_object_get(item, "id")));
	if (st == ACCORD_OK)
		st = store__full(txn, j, j->id, out);
	if (st == ACCORD_OK)
		current_events(*out, j->id, item, j->now_ms);
	json_decref(item);
	return st;
}

static accord_status item_close_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *item = NULL;
	accord_status st = session_item(txn, j, 1, &item, out);
	if (st != ACCORD_OK)
		return st;
	int current = !strcmp(str(item, "status"), "current");
	json_t *id = json_incref(json_object_get(item, "id"));
	json_decref(item);
	if (!current) {
		json_decref(id);
		return accord_job_fail(out, ACCORD_E_CONFLICT, "the item is not open");
	}
	int defer = json_is_true(json_object_get(j->in, "defer"));
	st = accord_exec(api, txn, "UPDATE meetings_items SET status=?, ended_at=? WHERE id=?",
			 json_pack("[s,I,O]", defer ? "deferred" : "done", (json_int_t)j->now_ms, id),
			 NULL);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "UPDATE meetings_speakers SET status='done', ended_at=? WHERE item=?"
				 " AND status IN ('waiting', 'speaking')",
				 json_pack("[I,O]", (json_int_t)j->now_ms, id), NULL);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "UPDATE meetings_meetings SET current_item=NULL WHERE id=?",
				 json_pack("[I]", (json_int_t)j->id), NULL);
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, "item.close",
				json_pack("{s:O,s:b}", "item", id, "deferred", defer));
	json_decref(id);
	if (st == ACCORD_OK)
		st = store__full(txn, j, j->id, out);
	if (st == ACCORD_OK)
		current_events(*out, j->id, NULL, j->now_ms);
	return st;
}

/* ---------------- attendance ---------------- */

static int invited(accord_txn *txn, int64_t meeting, const char *org)
{
	json_t *inv = NULL;
	if (store__invitees(txn, meeting, &inv) != ACCORD_OK)
		return -1;
	int found = 0;
	size_t i;
	json_t *r;
	json_array_foreach(inv, i, r)
		found |= !strcmp(str(r, "org"), org);
	json_decref(inv);
	return found;
}

/* Who is checked in or out: org and login from the fields, else the
 * caller's; another organisation or person is recorded by hand, by the
 * managers only, and must be invited. */
static accord_status whom(accord_txn *txn, accord_job *j, const char **org, const char **login,
			  int *manual, json_t **out)
{
	json_t *m = NULL;
	accord_status st = access__meeting(txn, j, 0, &m, out);
	if (st != ACCORD_OK)
		return st;
	int open = status_is(m, "convened") || status_is(m, "in_session");
	json_int_t group = json_integer_value(json_object_get(m, "group"));
	json_decref(m);
	if (!open)
		return accord_job_fail(out, ACCORD_E_CONFLICT,
				       "attendance is recorded while the meeting is convened or in"
				       " session");
	const char *o = str(j->in, "org"), *l = str(j->in, "login");
	*manual = (o && strcmp(o, j->org)) || (l && strcmp(l, j->actor));
	*org = o ? o : j->org;
	*login = l ? l : o ? "" : j->actor;
	if (*manual) {
		int may = access__manages(txn, j, group);
		if (may < 0)
			return ACCORD_E_INTERNAL;
		if (!may)
			return accord_job_fail(out, ACCORD_E_FORBIDDEN,
					       "only the co-chairs and the secretariat record another"
					       " organisation's attendance");
	}
	int in = invited(txn, j->id, *org);
	if (in < 0)
		return ACCORD_E_INTERNAL;
	if (!in) {
		if (!*manual)
			return accord_job_fail(out, ACCORD_E_FORBIDDEN,
					       "your organisation is not invited to this meeting");
		char msg[120];
		snprintf(msg, sizeof(msg), "org: %s is not invited to this meeting", *org);
		return accord_job_fail(out, ACCORD_E_BAD_REQUEST, msg);
	}
	return ACCORD_OK;
}

static accord_status checkin_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const char *org, *login;
	int manual;
	accord_status st = whom(txn, j, &org, &login, &manual, out);
	if (st != ACCORD_OK)
		return st;
	json_t *rows = NULL;
	st = accord_exec(api, txn,
			 "SELECT id FROM meetings_attendance WHERE meeting=? AND org=? AND login=?"
			 " AND left_at IS NULL AND source <> 'presence'",
			 json_pack("[I,s,s]", (json_int_t)j->id, org, login), &rows);
	int already = json_array_size(rows) > 0;
	json_decref(rows);
	if (st != ACCORD_OK)
		return st;
	if (already)
		return accord_job_fail(out, ACCORD_E_CONFLICT, "already checked in");
	st = accord_exec(api, txn,
			 "INSERT INTO meetings_attendance(meeting, org, login, joined_at, source,"
			 " recorded_by) VALUES(?,?,?,?,?,?)",
			 json_pack("[I,s,s,I,s,s]", (json_int_t)j->id, org, login,
				   (json_int_t)j->now_ms, manual ? "manual" : "check_in", j->actor),
			 NULL);
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, "checkin",
				json_pack("{s:s,s:s,s:b}", "org", org, "login", login, "manual",
					  manual));
	if (st == ACCORD_OK)
		st = store__full(txn, j, j->id, out);
	return st == ACCORD_OK ? attendance_event(txn, j, *out) : st;
}

static accord_status checkout_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const char *org, *login;
	int manual;
	accord_status st = whom(txn, j, &org, &login, &manual, out);
	if (st != ACCORD_OK)
		return st;
	/* by hand for an organisation (no login): all of it leaves */
	int whole_org = manual && !str(j->in, "login");
	st = accord_exec(api, txn,
			 "UPDATE meetings_attendance SET left_at=? WHERE meeting=? AND org=? AND"
			 " (? OR login=?) AND left_at IS NULL AND source <> 'presence'",
			 json_pack("[I,I,s,b,s]", (json_int_t)j->now_ms, (json_int_t)j->id, org,
				   whole_org, login),
			 NULL);
	if (st != ACCORD_OK)
		return st;
	if (!api->txn_changes(txn))
		return accord_job_fail(out, ACCORD_E_CONFLICT, "not checked in");
	st = store__log(txn, j, j->id, "checkout",
			json_pack("{s:s,s:s,s:b}", "org", org, "login", login, "manual", manual));
	if (st == ACCORD_OK)
		st = store__full(txn, j, j->id, out);
	return st == ACCORD_OK ? attendance_event(txn, j, *out) : st;
}

/* Live presence (live.c): a delegate registered for their organisation
 * (meetings.register), connected while the meeting is in session, has an
 * interval with source "presence", opened at their first connection (or
 * when the session opens) and closed when their last connection goes (or
 * the meeting closes).  Check-ins and the managers' records are separate
 * intervals, untouched by presence. */
static accord_status presence_open(accord_txn *txn, const accord_job *j, int64_t id,
				   const char *org, const char *login, int *opened)
{
	*opened = 0;
	if (!org || !login)
		return ACCORD_OK;
	/* a registered delegate (registration is for invited organisations
	 * only), without a presence interval open */
	json_t *rows = NULL;
	accord_status st = accord_exec(api, txn,
				       "SELECT (SELECT count(*) FROM meetings_registrations WHERE meeting=?1"
				       " AND org=?2 AND login=?3) AS delegate, (SELECT count(*) FROM"
				       " meetings_attendance WHERE meeting=?1 AND login=?3 AND"
				       " source='presence' AND left_at IS NULL) AS open",
				       json_pack("[I,s,s]", (json_int_t)id, org, login), &rows);
	json_t *r = json_array_get(rows, 0);
	int go = r && json_integer_value(json_object_get(r, "delegate")) > 0 &&
		 json_integer_value(json_object_get(r, "open")) == 0;
	json_decref(rows);
	if (st != ACCORD_OK || !go)
		return st;
	st = accord_exec(api, txn,
			 "INSERT INTO meetings_attendance(meeting, org, login, joined_at, source,"
			 " recorded_by) VALUES(?,?,?,?,'presence',?)",
			 json_pack("[I,s,s,I,s]", (json_int_t)id, org, login, (json_int_t)j->now_ms,
				   login),
			 NULL);
	if (st == ACCORD_OK)
		st = store__log(txn, j, id, "presence.in",
				json_pack("{s:s,s:s}", "org", org, "login", login));
	*opened = st == ACCORD_OK;
	return st;
}

accord_status session__presence_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const char *org = str(j->in, "org"), *login = str(j->in, "login");
	int online = json_is_true(json_object_get(j->in, "online"));
	json_t *rows = NULL, *changed = json_array();
	if (!changed || !org || !login) {
		json_decref(changed);
		return ACCORD_E_INTERNAL;
	}
	*out = json_pack("{s:o}", "changed", changed);
	if (!*out)
		return ACCORD_E_INTERNAL;
	accord_status st = accord_exec(api, txn,
				       "SELECT id FROM meetings_meetings WHERE status='in_session'",
				       NULL, &rows);
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		int64_t id = json_integer_value(json_object_get(r, "id"));
		int did = 0;
		if (st != ACCORD_OK)
			break;
		if (online)
			st = presence_open(txn, j, id, org, login, &did);
		else {
			st = accord_exec(
				api, txn,
				"UPDATE meetings_attendance SET left_at=? WHERE meeting=? AND"
				" login=? AND source='presence' AND left_at IS NULL",
				json_pack("[I,I,s]", (json_int_t)j->now_ms, (json_int_t)id, login),
				NULL);
			did = st == ACCORD_OK && api->txn_changes(txn) > 0;
			if (did)
				st = store__log(txn, j, id, "presence.out",
						json_pack("{s:s,s:s}", "org", org, "login", login));
		}
		if (st != ACCORD_OK || !did)
			continue;
		json_t *m = store__meeting(txn, id), *p = NULL;
		st = m ? store__presence(txn, m, &p) : ACCORD_E_INTERNAL;
		json_decref(m);
		if (st == ACCORD_OK &&
		    json_array_append_new(changed, json_pack("{s:I,s:o}", "meeting", (json_int_t)id,
							     "attendance", p)))
			st = ACCORD_E_INTERNAL;
	}
	json_decref(rows);
	return st;
}

static accord_status attendance_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *m = NULL;
	accord_status st = access__meeting(txn, j, 0, &m, out);
	if (st != ACCORD_OK)
		return st;
	json_t *p = NULL;
	st = store__presence(txn, m, &p);
	json_decref(m);
	if (st == ACCORD_OK &&
	    !(*out = json_pack("{s:I,s:o}", "meeting", (json_int_t)j->id, "attendance", p)))
		st = ACCORD_E_INTERNAL;
	return st;
}

static accord_status quorum_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *m = NULL, *inv = NULL;
	accord_status st = access__meeting(txn, j, 1, &m, out);
	if (st != ACCORD_OK)
		return st;
	int open = status_is(m, "convened") || status_is(m, "in_session");
	json_decref(m);
	if (!open)
		return accord_job_fail(out, ACCORD_E_CONFLICT,
				       "the quorum is set once the meeting is convened, until it"
				       " closes");
	const json_t *rule = json_object_get(j->in, "rule");
	if ((st = store__invitees(txn, j->id, &inv)) != ACCORD_OK)
		return st;
	json_int_t required = 0;
	size_t i;
	json_t *r;
	json_array_foreach(inv, i, r)
		required += json_is_true(json_object_get(r, "required"));
	json_decref(inv);
	if (json_is_integer(rule) && json_integer_value(rule) > required) {
		char msg[160];
		snprintf(msg, sizeof(msg),
			 "rule: cannot be met: %lld required organisations are invited",
			 (long long)required);
		return accord_job_fail(out, ACCORD_E_BAD_REQUEST, msg);
	}
	char *text = json_dumps(rule, JSON_ENCODE_ANY | JSON_COMPACT);
	st = text ? accord_exec(api, txn, "UPDATE meetings_meetings SET quorum=? WHERE id=?",
				json_pack("[s,I]", text, (json_int_t)j->id), NULL)
		  : ACCORD_E_INTERNAL;
	free(text);
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, "quorum", json_pack("{s:O}", "rule", rule));
	if (st == ACCORD_OK)
		st = store__full(txn, j, j->id, out);
	return st == ACCORD_OK ? attendance_event(txn, j, *out) : st;
}

/* ---------------- speakers ---------------- */

static accord_status speakers_event(accord_txn *txn, const accord_job *j, json_int_t item, json_t *out)
{
	json_t *rows = NULL;
	accord_status st = accord_exec(api, txn,
				       "SELECT id, org, login, status, requested_at, started_at,"
				       " ended_at FROM meetings_speakers WHERE item=? ORDER BY id",
				       json_pack("[I]", item), &rows);
	if (st == ACCORD_OK)
		live(out, "meetings.speakers",
		     json_pack("{s:I,s:I,s:o}", "meeting", (json_int_t)j->id, "item", item,
			       "speakers", rows),
		     0);
	return st;
}

static accord_status speaker_add_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *item = NULL;
	accord_status st = session_item(txn, j, 0, &item, out);
	if (st != ACCORD_OK)
		return st;
	int current = !strcmp(str(item, "status"), "current");
	json_int_t id = json_integer_value(json_object_get(item, "id"));
	json_decref(item);
	if (!current)
		return accord_job_fail(out, ACCORD_E_CONFLICT,
				       "speakers are listed for the current item");
	const char *org = str(j->in, "org") ? str(j->in, "org") : j->org;
	if (strcmp(org, j->org)) {
		json_t *m = store__meeting(txn, j->id);
		int may = m ? access__manages(txn, j, json_integer_value(json_object_get(m, "group")))
			    : -1;
		json_decref(m);
		if (may < 0)
			return ACCORD_E_INTERNAL;
		if (!may)
			return accord_job_fail(out, ACCORD_E_FORBIDDEN,
					       "only the co-chairs and the secretariat list another"
					       " organisation");
	}
	int in = invited(txn, j->id, org);
	if (in <= 0)
		return in < 0 ? ACCORD_E_INTERNAL
			      : accord_job_fail(out, ACCORD_E_BAD_REQUEST,
						"org: not invited to this meeting");
	json_t *rows = NULL;
	st = accord_exec(api, txn,
			 "SELECT id FROM meetings_speakers WHERE item=? AND org=? AND status IN"
			 " ('waiting', 'speaking')",
			 json_pack("[I,s]", id, org), &rows);
	int listed = json_array_size(rows) > 0;
	json_decref(rows);
	if (st != ACCORD_OK)
		return st;
	if (listed)
		return accord_job_fail(out, ACCORD_E_CONFLICT,
				       "the organisation is already on the list");
	st = accord_exec(api, txn,
			 "INSERT INTO meetings_speakers(meeting, item, org, login, requested_at)"
			 " VALUES(?,?,?,?,?)",
			 json_pack("[I,I,s,s,I]", (json_int_t)j->id, id, org, j->actor,
				   (json_int_t)j->now_ms),
			 NULL);
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, "speakers.add",
				json_pack("{s:I,s:s}", "item", id, "org", org));
	if (st == ACCORD_OK)
		st = store__full(txn, j, j->id, out);
	return st == ACCORD_OK ? speakers_event(txn, j, id, *out) : st;
}

static accord_status speaker_next_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *item = NULL;
	accord_status st = session_item(txn, j, 1, &item, out);
	if (st != ACCORD_OK)
		return st;
	json_int_t id = json_integer_value(json_object_get(item, "id"));
	json_decref(item);
	st = accord_exec(api, txn,
			 "UPDATE meetings_speakers SET status='done', ended_at=? WHERE item=? AND"
			 " status='speaking'",
			 json_pack("[I,I]", (json_int_t)j->now_ms, id), NULL);
	json_t *rows = NULL;
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "SELECT id, org FROM meetings_speakers WHERE item=? AND"
				 " status='waiting' ORDER BY id",
				 json_pack("[I]", id), &rows);
	json_t *next = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	if (st == ACCORD_OK && !next)
		st = accord_job_fail(out, ACCORD_E_CONFLICT, "nobody is waiting to speak");
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "UPDATE meetings_speakers SET status='speaking', started_at=? WHERE"
				 " id=?",
				 json_pack("[I,O]", (json_int_t)j->now_ms,
					   json_object_get(next, "id")),
				 NULL);
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, "speakers.next",
				json_pack("{s:I,s:O}", "item", id, "org",
					  json_object_get(next, "org")));
	json_decref(next);
	if (st == ACCORD_OK)
		st = store__full(txn, j, j->id, out);
	return st == ACCORD_OK ? speakers_event(txn, j, id, *out) : st;
}

/* ---------------- notes ---------------- */

static accord_status note_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *item = NULL;
	accord_status st = session_item(txn, j, 1, &item, out);
	if (st != ACCORD_OK)
		return st;
	json_int_t id = json_integer_value(json_object_get(item, "id"));
	json_decref(item);
	const char *vis = str(j->in, "visibility") ? str(j->in, "visibility") : "internal";
	st = accord_exec(api, txn,
			 "INSERT INTO meetings_notes(meeting, item, author, org, text, visibility, at)"
			 " VALUES(?,?,?,?,?,?,?)",
			 json_pack("[I,I,s,s,O,s,I]", (json_int_t)j->id, id, j->actor, j->org,
				   json_object_get(j->in, "text"), vis, (json_int_t)j->now_ms),
			 NULL);
	json_int_t note = st == ACCORD_OK ? (json_int_t)api->txn_last_id(txn) : 0;
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, "note",
				json_pack("{s:I,s:I,s:s}", "item", id, "note", note, "visibility",
					  vis));
	if (st == ACCORD_OK)
		st = store__full(txn, j, j->id, out);
	if (st == ACCORD_OK)
		live(*out, "meetings.note",
		     json_pack("{s:I,s:I,s:I,s:O,s:s,s:s}", "meeting", (json_int_t)j->id, "item",
			       id, "id", note, "text", json_object_get(j->in, "text"), "visibility",
			       vis, "author", j->actor),
		     0);
	return st;
}

/* ---------------- handlers ---------------- */

static void run(accord_req *req, const accord_arg *args, const json_t *d, const char *id_field,
		accord_job_work_fn work)
{
	json_t *in = accord_args_in(api, req, args, d);
	if (!in)
		return;
	accord_job *j = plugin__job(req,
				    id_field ? json_integer_value(json_object_get(in, id_field)) : 0,
				    in, work, NULL);
	if (j)
		accord_job_submit(j);
}

#define HANDLER(name, args, field, work)                                                           \
	void session__##name(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)    \
	{                                                                                          \
		(void)pc;                                                                          \
		(void)ud;                                                                          \
		run(req, args, d, field, work);                                                    \
	}

/* meetings.start: the job takes the people connected now (live presence). */
void session__start(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	json_t *in = accord_args_in(api, req, meetings__id_args, d);
	if (!in)
		return;
	json_object_set_new(in, "_online", live__online());
	accord_job *j = plugin__job(req, json_integer_value(json_object_get(in, "meeting")), in,
				    start_work, NULL);
	if (j)
		accord_job_submit(j);
}

HANDLER(close, meetings__id_args, "meeting", close_work)
HANDLER(item_open, agenda__item_args, NULL, item_open_work)
HANDLER(item_close, session__item_close_args, NULL, item_close_work)
HANDLER(checkin, session__org_args, "meeting", checkin_work)
HANDLER(checkout, session__org_args, "meeting", checkout_work)
HANDLER(attendance, meetings__id_args, "meeting", attendance_work)
HANDLER(quorum, session__quorum_args, "meeting", quorum_work)
HANDLER(speaker_add, session__speaker_args, NULL, speaker_add_work)
HANDLER(speaker_next, agenda__item_args, NULL, speaker_next_work)
HANDLER(note, session__note_args, NULL, note_work)
