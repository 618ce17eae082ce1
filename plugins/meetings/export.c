/*
 * What leaves a meeting: the exports over HTTP (members only, the meetings
 * they may see; partners get 403 from the core before this runs) and the
 * portal's item kinds.
 *
 *   GET /api/meetings/minutes?meeting=N&format=html|json&version=V
 *       the minutes (latest version by default): a printable page (its
 *       print stylesheet /plugins/meetings/print.css) or JSON
 *   GET /api/meetings/attendance.csv?meeting=N
 *       one row per organisation and interval (CSV, formulas neutralised)
 *   GET /api/meetings/ics?meeting=N
 *       the meeting as a calendar event (RFC 5545)
 *   GET /api/meetings/feed.ics?token=T
 *       a person's calendar feed: every meeting they may see, by the token
 *       of meetings.feed in the address (revocable: meetings.feed.revoke)
 *
 * Items for the portal: "meeting:<id>" (a convened meeting as announced,
 * with its shared items' titles) and "minutes:<id>" (the approved minutes:
 * attendance, apologies, the shared items with their text and outcome,
 * action points; never notes, internal items or positions).
 */
#include "meetings.h"

#include <accord/csv.h>
#include <time.h>

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* ---------------- a growing text ---------------- */

typedef struct text {
	char *s;
	size_t n, cap;
	int failed;
} text;

static void put(text *t, const char *s, size_t n)
{
	if (t->failed)
		return;
	if (t->n + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;
		while (cap < t->n + n + 1)
			cap *= 2;
		char *g = realloc(t->s, cap);
		if (!g) {
			t->failed = 1;
			return;
		}
		t->s = g;
		t->cap = cap;
	}
	memcpy(t->s + t->n, s, n);
	t->n += n;
	t->s[t->n] = 0;
}

static void puts_(text *t, const char *s) { put(t, s, strlen(s)); }

/* HTML text: < > & " ' escaped. */
static void esc(text *t, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': puts_(t, "&lt;"); break;
		case '>': puts_(t, "&gt;"); break;
		case '&': puts_(t, "&amp;"); break;
		case '"': puts_(t, "&quot;"); break;
		case '\'': puts_(t, "&#39;"); break;
		default: put(t, s, 1);
		}
	}
}

static void when(char *buf, size_t n, const json_t *ms, const char *fmt)
{
	if (!json_is_integer(ms)) {
		snprintf(buf, n, "-");
		return;
	}
	time_t t = (time_t)(json_integer_value(ms) / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, n, fmt, &tm);
}

/* ---------------- the HTTP jobs ---------------- */

static const char *const FORMATS[] = {"html", "json", NULL};
static const accord_arg minutes_args[] = {
	{.name = "meeting", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "format", .type = ACCORD_ARG_STRING, .one_of = FORMATS},
	{.name = "version", .type = ACCORD_ARG_ID},
	{0}};
static const accord_arg meeting_arg[] = {
	{.name = "meeting", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{0}};

static accord_status minutes_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *m = NULL;
	accord_status st = access__meeting(txn, j, 0, &m, out);
	if (st != ACCORD_OK)
		return st;
	st = minutes__view(txn, j, json_integer_value(json_object_get(j->in, "version")), out);
	if (st == ACCORD_OK)
		json_object_set_new(*out, "meeting", m);
	else
		json_decref(m);
	return st;
}

static void html_section(text *t, const json_t *s)
{
	const char *key = str(s, "key");
	puts_(t, "<section><h2>");
	esc(t, str(s, "title"));
	puts_(t, "</h2>\n");
	char a[40], b[40];
	size_t i, k;
	json_t *r, *x;
	if (!strcmp(key, "attendance")) {
		puts_(t, "<table><thead><tr><th>Organisation</th><th>Capacity</th><th>Present"
			 " (UTC)</th></tr></thead><tbody>\n");
		json_array_foreach(json_object_get(s, "orgs"), i, r) {
			puts_(t, "<tr><td>");
			esc(t, str(r, "org"));
			puts_(t, json_is_true(json_object_get(r, "required")) ? " *" : "");
			puts_(t, "</td><td>");
			esc(t, str(r, "capacity"));
			puts_(t, "</td><td>");
			if (!json_array_size(json_object_get(r, "intervals")))
				puts_(t, json_is_true(json_object_get(r, "apologies")) ? "apologies"
										       : "absent");
			json_array_foreach(json_object_get(r, "intervals"), k, x) {
				when(a, sizeof(a), json_object_get(x, "joined_at"), "%H:%M");
				when(b, sizeof(b), json_object_get(x, "left_at"), "%H:%M");
				puts_(t, k ? ", " : "");
				esc(t, a);
				puts_(t, "–");
				esc(t, b);
			}
			puts_(t, "</td></tr>\n");
		}
		puts_(t,
		      "</tbody></table><p class=\"note\">* required (a member organisation)</p>\n");
	} else if (!strcmp(key, "apologies")) {
		puts_(t, "<ul>");
		json_array_foreach(json_object_get(s, "orgs"), i, r) {
			puts_(t, "<li>");
			esc(t, str(r, "org"));
			if (str(r, "reason") && str(r, "reason")[0]) {
				puts_(t, ": ");
				esc(t, str(r, "reason"));
			}
			puts_(t, "</li>");
		}
		puts_(t, "</ul>\n");
	} else if (!strncmp(key, "item:", 5)) {
		puts_(t, "<p class=\"meta\">");
		esc(t, str(s, "kind"));
		puts_(t, !strcmp(str(s, "visibility") ? str(s, "visibility") : "", "shared")
				 ? ", shared"
				 : ", internal");
		puts_(t, "</p>\n");
		json_array_foreach(json_object_get(s, "notes"), i, r) {
			puts_(t, "<p class=\"notes\">");
			esc(t, str(r, "text"));
			puts_(t, "</p>\n");
		}
		const json_t *d = json_object_get(s, "decision");
		if (json_is_object(d)) {
			puts_(t, "<p class=\"outcome\">Outcome: ");
			esc(t, str(d, "outcome"));
			puts_(t, "</p><ul class=\"positions\">");
			json_array_foreach(json_object_get(d, "positions"), i, r) {
				puts_(t, "<li>");
				esc(t, str(r, "org"));
				puts_(t, ": ");
				esc(t, str(r, "position"));
				if (str(r, "reason") && str(r, "reason")[0]) {
					puts_(t, " (");
					esc(t, str(r, "reason"));
					puts_(t, ")");
				}
				puts_(t, "</li>");
			}
			puts_(t, "</ul>\n");
			const json_t *c = json_object_get(d, "consultation");
			if (json_is_object(c)) {
				puts_(t, "<p class=\"consultation\">State counterpart (");
				esc(t, str(c, "org"));
				puts_(t, "): ");
				esc(t, str(c, "view"));
				puts_(t, "</p>\n");
			}
		} else if (json_is_integer(json_object_get(s, "proposal")))
			puts_(t, "<p class=\"outcome\">Outcome: pending</p>\n");
	}
	if (str(s, "text") && str(s, "text")[0]) {
		puts_(t, "<div class=\"text\">");
		esc(t, str(s, "text"));
		puts_(t, "</div>\n");
	}
	puts_(t, "</section>\n");
}

static accord_status minutes_after(accord_job *j, json_t **out)
{
	const char *fmt = str(j->in, "format");
	json_object_del(*out, "_live");
	json_object_del(*out, "_acl");
	if (!fmt || !strcmp(fmt, "json")) {
		accord_http_json(api, j->http, 200, json_incref(*out));
		accord_job_answered(j);
		return ACCORD_OK;
	}
	const json_t *m = json_object_get(*out, "meeting");
	const json_t *min = json_object_get(*out, "minutes");
	text t = {0};
	char day[40], ver[80];
	when(day, sizeof(day), json_object_get(m, "starts_at"), "%Y-%m-%d %H:%M UTC");
	snprintf(ver, sizeof(ver), "version %lld, %s",
		 (long long)json_integer_value(json_object_get(min, "version")), str(min, "status"));
	puts_(&t, "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Minutes: ");
	esc(&t, str(m, "title"));
	puts_(&t, "</title><link rel=\"stylesheet\" href=\"/plugins/meetings/print.css\"></head>\n"
		  "<body class=\"minutes\"><header><h1>Minutes: ");
	esc(&t, str(m, "title"));
	puts_(&t, "</h1><p class=\"meta\">");
	esc(&t, day);
	puts_(&t, " (");
	esc(&t, str(m, "tz"));
	puts_(&t, "), ");
	esc(&t, str(m, "location"));
	puts_(&t, "</p><p class=\"meta\">");
	esc(&t, ver);
	puts_(&t, "</p></header>\n");
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(json_object_get(min, "body"), "sections"), i, s)
		html_section(&t, s);
	puts_(&t, "</body></html>\n");
	if (t.failed) {
		free(t.s);
		return ACCORD_E_INTERNAL;
	}
	api->http_respond(j->http, 200, "text/html; charset=utf-8", t.s, t.n);
	free(t.s);
	accord_job_answered(j);
	return ACCORD_OK;
}

static accord_status attendance_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *m = NULL, *inv = NULL, *rows = NULL;
	accord_status st = access__meeting(txn, j, 0, &m, out);
	json_decref(m);
	if (st == ACCORD_OK)
		st = store__invitees(txn, j->id, &inv);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "SELECT org, login, joined_at, left_at, source FROM meetings_attendance"
				 " WHERE meeting=? ORDER BY org, id",
				 json_pack("[I]", (json_int_t)j->id), &rows);
	if (st == ACCORD_OK && !(*out = json_pack("{s:o,s:o}", "invitees", inv, "intervals", rows)))
		st = ACCORD_E_INTERNAL;
	if (st != ACCORD_OK) {
		json_decref(inv);
		json_decref(rows);
	}
	return st;
}

static accord_status attendance_after(accord_job *j, json_t **out)
{
	accord_csv c = {0};
	const char *head[] = {"org",       "capacity", "required", "login",
			      "joined_at", "left_at",  "source",   NULL};
	for (const char **h = head; *h; h++)
		accord_csv_field(&c, *h);
	accord_csv_end_row(&c);
	size_t i, k;
	json_t *r, *x;
	char a[40], b[40];
	json_array_foreach(json_object_get(*out, "invitees"), i, r) {
		int any = 0;
		json_array_foreach(json_object_get(*out, "intervals"), k, x) {
			if (!json_equal(json_object_get(x, "org"), json_object_get(r, "org")))
				continue;
			any = 1;
			when(a, sizeof(a), json_object_get(x, "joined_at"), "%Y-%m-%dT%H:%M:%SZ");
			when(b, sizeof(b), json_object_get(x, "left_at"), "%Y-%m-%dT%H:%M:%SZ");
			accord_csv_field(&c, str(r, "org"));
			accord_csv_field(&c, str(r, "capacity"));
			accord_csv_field(&c, json_is_true(json_object_get(r, "required")) ? "yes"
											  : "no");
			accord_csv_field(&c, str(x, "login"));
			accord_csv_field(&c, a);
			accord_csv_field(&c, json_is_integer(json_object_get(x, "left_at")) ? b : "");
			accord_csv_field(&c, str(x, "source"));
			accord_csv_end_row(&c);
		}
		if (!any) { /* an organisation never present: one row saying so */
			accord_csv_field(&c, str(r, "org"));
			accord_csv_field(&c, str(r, "capacity"));
			accord_csv_field(&c, json_is_true(json_object_get(r, "required")) ? "yes"
											  : "no");
			for (int f = 0; f < 4; f++)
				accord_csv_field(&c, "");
			accord_csv_end_row(&c);
		}
	}
	size_t len;
	char *body = accord_csv_finish(&c, &len);
	if (!body)
		return ACCORD_E_INTERNAL;
	api->http_respond(j->http, 200, "text/csv; charset=utf-8", body, len);
	free(body);
	accord_job_answered(j);
	return ACCORD_OK;
}

static accord_status ics_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *m = NULL;
	accord_status st = access__meeting(txn, j, 0, &m, out);
	if (st == ACCORD_OK)
		*out = json_pack("{s:o}", "meeting", m);
	return st;
}

/* RFC 5545 TEXT: backslash, ';', ',' and newlines escaped. */
static void ics_text(text *t, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == ';' || *s == ',')
			put(t, "\\", 1);
		if (*s == '\n')
			puts_(t, "\\n");
		else if (*s != '\r')
			put(t, s, 1);
	}
}

/* One VEVENT of meeting m (RFC 5545), at now_ms. */
static void ics_event(text *t, const json_t *m, int64_t now_ms)
{
	const json_t *ends = json_object_get(m, "ends_at");
	json_t *end = json_is_integer(ends)
			      ? json_incref((json_t *)ends)
			      : json_integer(json_integer_value(json_object_get(m, "starts_at")) +
					     3600 * 1000);
	char a[40], b[40], stamp[40], uid[80];
	when(a, sizeof(a), json_object_get(m, "starts_at"), "%Y%m%dT%H%M%SZ");
	when(b, sizeof(b), end, "%Y%m%dT%H%M%SZ");
	json_t *now = json_integer(now_ms);
	when(stamp, sizeof(stamp), now, "%Y%m%dT%H%M%SZ");
	json_decref(now);
	json_decref(end);
	snprintf(uid, sizeof(uid), "meeting-%lld@accord",
		 (long long)json_integer_value(json_object_get(m, "id")));
	puts_(t, "BEGIN:VEVENT\r\nUID:");
	puts_(t, uid);
	puts_(t, "\r\nDTSTAMP:");
	puts_(t, stamp);
	puts_(t, "\r\nDTSTART:");
	puts_(t, a);
	puts_(t, "\r\nDTEND:");
	puts_(t, b);
	puts_(t, "\r\nSUMMARY:");
	ics_text(t, str(m, "title"));
	if (str(m, "location") && str(m, "location")[0]) {
		puts_(t, "\r\nLOCATION:");
		ics_text(t, str(m, "location"));
	}
	if (str(m, "online_url")) {
		puts_(t, "\r\nURL:");
		ics_text(t, str(m, "online_url"));
	}
	puts_(t, "\r\nSTATUS:");
	puts_(t, !strcmp(str(m, "status"), "cancelled") ? "CANCELLED"
		 : !strcmp(str(m, "status"), "draft")   ? "TENTATIVE"
							: "CONFIRMED");
	puts_(t, "\r\nEND:VEVENT\r\n");
}

/* The calendar of the meetings in out ({meeting} or {meetings: [...]}). */
static accord_status ics_after(accord_job *j, json_t **out)
{
	text t = {0};
	puts_(&t, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Accord//meetings//EN\r\n");
	const json_t *one = json_object_get(*out, "meeting");
	if (one)
		ics_event(&t, one, j->now_ms);
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(*out, "meetings"), i, m)
		ics_event(&t, m, j->now_ms);
	puts_(&t, "END:VCALENDAR\r\n");
	if (t.failed) {
		free(t.s);
		return ACCORD_E_INTERNAL;
	}
	api->http_respond(j->http, 200, "text/calendar; charset=utf-8", t.s, t.n);
	free(t.s);
	accord_job_answered(j);
	return ACCORD_OK;
}

/* ---------------- the personal calendar feed ---------------- */

/* The feed's person, as the storage thread sees them now: j takes their
 * login, organisation and standing, so the meetings listed are those they
 * may see today (a person deactivated since has no feed). */
static accord_status feed_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *rows = NULL, *person = NULL, *org = NULL, *ids = NULL;
	accord_status st = accord_exec(api, txn,
				       "SELECT login FROM meetings_feeds WHERE token_hash=?",
				       json_pack("[O]", json_object_get(j->in, "hash")), &rows);
	const char *login = str(json_array_get(rows, 0), "login");
	if (st == ACCORD_OK && !login)
		st = ACCORD_E_NOT_FOUND;
	if (st == ACCORD_OK)
		st = members_svc->person(txn, login, &person);
	if (st == ACCORD_OK && !json_is_true(json_object_get(person, "active")))
		st = ACCORD_E_NOT_FOUND;
	if (st == ACCORD_OK)
		st = members_svc->org(txn, str(person, "org"), &org);
	if (st == ACCORD_OK) {
		snprintf(j->actor, sizeof(j->actor), "%s", login);
		snprintf(j->org, sizeof(j->org), "%s", str(person, "org"));
		j->partner = !strcmp(str(org, "standing") ? str(org, "standing") : "", "partner");
		int chair = 0;
		size_t i;
		json_t *r;
		json_array_foreach(json_object_get(person, "roles"), i, r)
			chair |= !strcmp(json_string_value(r), "co_chair") ||
				 !strcmp(json_string_value(r), "secretariat");
		((job_who *)j->state)->chair = chair && !j->partner;
		st = accord_exec(api, txn,
				 "SELECT id FROM meetings_meetings ORDER BY starts_at, id LIMIT 500",
				 NULL, &ids);
	}
	json_t *list = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(ids, i, r) {
		json_t *m = st == ACCORD_OK
				    ? store__meeting(txn,
						     json_integer_value(json_object_get(r, "id")))
				    : NULL;
		if (m && access__sees(txn, j, m) > 0)
			json_array_append(list, m);
		json_decref(m);
	}
	json_decref(rows);
	json_decref(person);
	json_decref(org);
	json_decref(ids);
	if (st != ACCORD_OK) {
		json_decref(list);
		return st == ACCORD_E_NOT_FOUND ? accord_job_fail(out, st, "no such feed") : st;
	}
	*out = json_pack("{s:o}", "meetings", list);
	return *out ? ACCORD_OK : ACCORD_E_INTERNAL;
}

static const accord_arg feed_args[] = {
	{.name = "token", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 43, .max = 43},
	{0}};

/* GET /api/meetings/feed.ics?token=T: the token in the address, since a
 * calendar program sends no bearer token; answered 404 for a token
 * unknown, revoked or malformed alike. */
static void http_feed(accord_plugin_ctx *p, accord_http *h, const accord_principal *who, void *ud)
{
	(void)ud;
	(void)who;
	json_t *in = accord_http_args(api, h, feed_args);
	char msg[ACCORD_ARGS_MSG], hash[65];
	if (!in || accord_args_check(feed_args, in, 0, msg, sizeof(msg)) ||
	    api->token_hash(str(in, "token"), hash)) {
		json_decref(in);
		accord_http_error(api, h, ACCORD_E_NOT_FOUND, "no such feed");
		return;
	}
	json_object_del(in, "token");
	json_object_set_new(in, "hash", json_string(hash));
	accord_job *j = accord_job_new_http(api, p, h, NULL, in, feed_work, ics_after,
					    sizeof(job_who));
	if (j)
		accord_job_submit(j);
}

static accord_status feed_new_work(accord_txn *txn, accord_job *j, json_t **out)
{
	accord_status st = accord_exec(
		api, txn,
		"INSERT INTO meetings_feeds(login, token_hash, created_at)"
		" VALUES(?,?,?) ON CONFLICT(login) DO UPDATE SET"
		" token_hash=excluded.token_hash, created_at=excluded.created_at",
		json_pack("[s,O,I]", j->actor, json_object_get(j->in, "hash"), (json_int_t)j->now_ms),
		NULL);
	if (st == ACCORD_OK)
		st = store__log(txn, j, 0, "feed.new", NULL);
	char path[120];
	snprintf(path, sizeof(path), "/api/meetings/feed.ics?token=%s", str(j->in, "token"));
	if (st == ACCORD_OK &&
	    !(*out = json_pack("{s:O,s:s}", "token", json_object_get(j->in, "token"), "path", path)))
		st = ACCORD_E_INTERNAL;
	return st;
}

static accord_status feed_revoke_work(accord_txn *txn, accord_job *j, json_t **out)
{
	accord_status st = accord_exec(api, txn, "DELETE FROM meetings_feeds WHERE login=?",
				       json_pack("[s]", j->actor), NULL);
	int had = st == ACCORD_OK && api->txn_changes(txn) > 0;
	if (st == ACCORD_OK && had)
		st = store__log(txn, j, 0, "feed.revoke", NULL);
	if (st == ACCORD_OK && !(*out = json_pack("{s:b}", "revoked", had)))
		st = ACCORD_E_INTERNAL;
	return st;
}

/* meetings.feed: a new personal feed address (any earlier one stops
 * working).  The reply carries the secret: it is not kept for retries. */
void export__feed(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)d;
	(void)ud;
	char token[44], hash[65];
	if (api->token_new(token, hash)) {
		api->reply_error(req, ACCORD_E_INTERNAL, "could not make a token");
		return;
	}
	accord_job *j = plugin__job(req, 0, json_pack("{s:s,s:s}", "token", token, "hash", hash),
				    feed_new_work, NULL);
	if (!j)
		return;
	j->retry_key[0] = 0;
	accord_job_submit(j);
}

void export__feed_revoke(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)d;
	(void)ud;
	accord_job *j = plugin__job(req, 0, NULL, feed_revoke_work, NULL);
	if (j)
		accord_job_submit(j);
}

static void http_job(accord_plugin_ctx *p, accord_http *h, const accord_principal *who,
		     const accord_arg *spec, accord_job_work_fn work, accord_job_after_fn after)
{
	if (!who) {
		accord_http_error(api, h, ACCORD_E_UNAUTHENTICATED, NULL);
		return;
	}
	json_t *in = accord_http_args(api, h, spec);
	char msg[ACCORD_ARGS_MSG];
	if (!in) {
		accord_http_error(api, h, ACCORD_E_INTERNAL, NULL);
		return;
	}
	if (accord_args_check(spec, in, 0, msg, sizeof(msg))) {
		json_decref(in);
		accord_http_error(api, h, ACCORD_E_BAD_REQUEST, msg);
		return;
	}
	accord_job *j = accord_job_new_http(api, p, h, who, in, work, after, sizeof(job_who));
	if (!j)
		return;
	job_who *s = j->state;
	s->chair = !api->principal_is_partner(who) && (api->principal_has_role(who, "co_chair") ||
						       api->principal_has_role(who, "secretariat"));
	s->cochair = !api->principal_is_partner(who) && api->principal_has_role(who, "co_chair");
	j->id = json_integer_value(json_object_get(in, "meeting"));
	j->not_found_msg = "no such meeting";
	accord_job_submit(j);
}

static void http_minutes(accord_plugin_ctx *p, accord_http *h, const accord_principal *w, void *ud)
{
	(void)ud;
	http_job(p, h, w, minutes_args, minutes_work, minutes_after);
}

static void http_attendance(accord_plugin_ctx *p, accord_http *h, const accord_principal *w, void *ud)
{
	(void)ud;
	http_job(p, h, w, meeting_arg, attendance_work, attendance_after);
}

static void http_ics(accord_plugin_ctx *p, accord_http *h, const accord_principal *w, void *ud)
{
	(void)ud;
	http_job(p, h, w, meeting_arg, ics_work, ics_after);
}

/* ---------------- items for the portal ---------------- */

static int64_t id_of(const char *id)
{
	char *end = NULL;
	long long v = id ? strtoll(id, &end, 10) : 0;
	return v > 0 && end && !*end ? v : 0;
}

static accord_status describe_meeting(accord_txn *txn, const char *id, json_t **out, void *ud)
{
	(void)ud;
	int64_t n = id_of(id);
	json_t *m = n ? store__meeting(txn, n) : NULL, *items = NULL;
	if (!m || !strcmp(str(m, "status"), "draft")) {
		json_decref(m);
		return ACCORD_E_NOT_FOUND;
	}
	accord_status st = store__agenda(txn, n, 1, &items);
	json_t *agenda = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(items, i, r)
		json_array_append_new(agenda, json_pack("{s:O,s:O,s:O}", "number",
							json_object_get(r, "number"), "title",
							json_object_get(r, "title"), "kind",
							json_object_get(r, "kind")));
	json_decref(items);
	*out = st == ACCORD_OK
		       ? json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:o}", "id",
				   json_object_get(m, "id"), "kind", json_object_get(m, "kind"),
				   "title", json_object_get(m, "title"), "starts_at",
				   json_object_get(m, "starts_at"), "ends_at",
				   accord_or_null(m, "ends_at"), "tz", json_object_get(m, "tz"),
				   "mode", json_object_get(m, "mode"), "location",
				   json_object_get(m, "location"), "status",
				   json_object_get(m, "status"), "agenda", agenda)
		       : NULL;
	if (!*out)
		json_decref(agenda);
	json_decref(m);
	return st != ACCORD_OK ? st : *out ? ACCORD_OK : ACCORD_E_INTERNAL;
}

/* The approved minutes as they may leave the network. */
static accord_status describe_minutes(accord_txn *txn, const char *id, json_t **out, void *ud)
{
	(void)ud;
	int64_t n = id_of(id);
	json_t *m = n ? store__meeting(txn, n) : NULL, *rows = NULL;
	if (!m)
		return ACCORD_E_NOT_FOUND;
	accord_status st = accord_exec(api, txn,
				       "SELECT version, body, approved_at FROM meetings_minutes WHERE"
				       " meeting=? AND status='approved' ORDER BY version DESC",
				       json_pack("[I]", (json_int_t)n), &rows);
	json_t *r = json_array_get(rows, 0);
	if (st != ACCORD_OK || !r) {
		json_decref(m);
		json_decref(rows);
		return st != ACCORD_OK ? st : ACCORD_E_NOT_FOUND;
	}
	json_t *body = json_loads(str(r, "body"), 0, NULL), *kept = json_array();
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(body, "sections"), i, s) {
		const char *key = str(s, "key");
		if (!strncmp(key, "item:", 5)) {
			if (strcmp(str(s, "visibility") ? str(s, "visibility") : "", "shared"))
				continue;
			const json_t *d = json_object_get(s, "decision");
			json_array_append_new(
				kept, json_pack("{s:s,s:O,s:O,s:O,s:O}", "key", key, "title",
						json_object_get(s, "title"), "kind",
						json_object_get(s, "kind"), "text",
						json_object_get(s, "text"), "outcome",
						json_is_object(d) ? json_object_get(d, "outcome")
								  : json_null()));
		} else if (!strcmp(key, "attendance")) {
			json_t *orgs = json_array(), *o;
			size_t k;
			json_array_foreach(json_object_get(s, "orgs"), k, o)
				json_array_append_new(orgs,
						      json_pack("{s:O,s:O}", "org",
								json_object_get(o, "org"), "present",
								json_object_get(o, "present")));
			json_array_append_new(kept,
					      json_pack("{s:s,s:O,s:O,s:o}", "key", key, "title",
							json_object_get(s, "title"), "text",
							json_object_get(s, "text"), "orgs", orgs));
		} else
			json_array_append(kept, s);
	}
	*out = json_pack("{s:O,s:O,s:O,s:O,s:O,s:o}", "meeting", json_object_get(m, "id"), "title",
			 json_object_get(m, "title"), "starts_at", json_object_get(m, "starts_at"),
			 "version", json_object_get(r, "version"), "approved_at",
			 json_object_get(r, "approved_at"), "sections", kept);
	json_decref(body);
	json_decref(rows);
	json_decref(m);
	return *out ? ACCORD_OK : ACCORD_E_INTERNAL;
}

int export__init(accord_plugin_ctx *p)
{
	return api->http_route(p, "minutes", http_minutes, NULL) ||
	       api->http_route(p, "attendance.csv", http_attendance, NULL) ||
	       api->http_route(p, "ics", http_ics, NULL) ||
	       api->http_route(p, "feed.ics", http_feed, NULL) ||
	       (ACCORD_API_HAS(api, item_kind) &&
		(api->item_kind(p, "meeting", describe_meeting, NULL) ||
		 api->item_kind(p, "minutes", describe_minutes, NULL)));
}
