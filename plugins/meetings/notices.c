/*
 * Notices of a meeting's life (issue 22, "What is sent"), through the
 * optional service accord.notify: queued in the transaction of the change
 * that causes them, so the mail goes if and only if the change commits.
 * Without the notify plugin these do nothing.
 *
 * A convened meeting sends every invitee a calendar invitation (iTIP
 * REQUEST, UID meeting-<id>@accord, SEQUENCE 0, times in UTC); a convened
 * meeting moved in time or place sends a REQUEST again with the next
 * SEQUENCE; a convened meeting cancelled sends CANCEL with the next
 * SEQUENCE (kept per meeting in meetings_ical).  An agenda circulated goes
 * to the invitees (a partner's notice lists only the shared items); minutes
 * circulated go to the member organisations only.  A partner's notice is
 * about the item meeting:<id>: the notify plugin delivers it only while the
 * meeting is released to the partner's organisation (the core's rule), and
 * it never carries an internal item's title.
 */
#include "meetings.h"

#include <accord/services/notify.h>
#include <time.h>

static const accord_notify_svc *notify_svc;

void notices__init(accord_plugin_ctx *p)
{
	notify_svc = api->service_import(p, ACCORD_SVC_NOTIFY, ACCORD_SVC_NOTIFY_V);
}

static const char *sv(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The invitees of meeting id split by standing: members (capacity
 * "member") and the others (state counterpart, partners). */
static accord_status invitees(accord_txn *txn, int64_t id, json_t **members, json_t **others)
{
	json_t *rows = NULL;
	accord_status st = store__invitees(txn, id, &rows);
	*members = json_array();
	*others = json_array();
	if (st == ACCORD_OK && (!*members || !*others))
		st = ACCORD_E_INTERNAL;
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		if (st != ACCORD_OK)
			break;
		const char *cap = sv(r, "capacity");
		if (json_array_append(cap && !strcmp(cap, "member") ? *members : *others,
				      json_object_get(r, "org")))
			st = ACCORD_E_INTERNAL;
	}
	json_decref(rows);
	return st;
}

static void utc(int64_t ms, char *out, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M UTC", &tm);
}

/* One notice (taken) queued, when orgs is not empty. */
static accord_status send(accord_txn *txn, json_t *n)
{
	if (!n)
		return ACCORD_E_INTERNAL;
	accord_status st = json_array_size(json_object_get(n, "orgs"))
				   ? notify_svc->enqueue(txn, n, NULL)
				   : ACCORD_OK;
	json_decref(n);
	return st;
}

/* The notice of category about meeting row m to orgs, with its params
 * (taken) and calendar (taken, may be NULL). */
static json_t *notice(const char *category, const json_t *m, const json_t *orgs, json_t *params,
		      json_t *calendar)
{
	char item[40], link[48];
	json_int_t id = json_integer_value(json_object_get(m, "id"));
	snprintf(item, sizeof(item), "meeting:%lld", (long long)id);
	snprintf(link, sizeof(link), "#/meeting/%lld", (long long)id);
	json_t *n = json_pack("{s:s,s:s,s:s,s:O,s:o}", "category", category, "item", item, "link",
			      link, "orgs", orgs, "params", params);
	if (n && calendar && json_object_set_new(n, "calendar", calendar)) {
		json_decref(n);
		return NULL;
	}
	if (!n)
		json_decref(calendar);
	return n;
}

/* The params every meeting notice shows: title, when, where. */
static json_t *meeting_params(const json_t *m)
{
	char when[40];
	utc(json_integer_value(json_object_get(m, "starts_at")), when, sizeof(when));
	const char *loc = sv(m, "location"), *url = sv(m, "online_url");
	char where[700];
	snprintf(where, sizeof(where), "%s%s%s", loc ? loc : "", loc && *loc && url ? ", " : "",
		 url ? url : "");
	return json_pack("{s:s,s:s,s:s}", "title", sv(m, "title") ? sv(m, "title") : "", "when",
			 when, "where", *where ? where : "-");
}

/* The calendar of meeting row m: method, sequence. */
static json_t *calendar(const json_t *m, const char *method, json_int_t seq)
{
	char uid[64];
	json_int_t id = json_integer_value(json_object_get(m, "id"));
	snprintf(uid, sizeof(uid), "meeting-%lld@accord", (long long)id);
	json_int_t start = json_integer_value(json_object_get(m, "starts_at"));
	json_int_t end = json_is_integer(json_object_get(m, "ends_at"))
				 ? json_integer_value(json_object_get(m, "ends_at"))
				 : start + 3600000;
	if (end <= start)
		end = start + 3600000;
	const char *loc = sv(m, "location"), *url = sv(m, "online_url");
	json_t *c = json_pack("{s:s,s:I,s:s,s:I,s:I,s:s}", "uid", uid, "sequence", seq, "method",
			      method, "start", start, "end", end, "summary",
			      sv(m, "title") ? sv(m, "title") : "");
	if (c && loc && *loc)
		json_object_set_new(c, "location", json_string(loc));
	else if (c && url && *url)
		json_object_set_new(c, "location", json_string(url));
	if (c && url && *url)
		json_object_set_new(c, "description", json_string(url));
	return c;
}

/* The meeting's sequence: the stored one plus step (stored when step). */
static accord_status sequence(accord_txn *txn, int64_t id, int step, json_int_t *seq)
{
	json_t *rows = NULL;
	accord_status st = accord_exec(api, txn, "SELECT sequence FROM meetings_ical WHERE meeting=?",
				       json_pack("[I]", (json_int_t)id), &rows);
	*seq = json_integer_value(json_object_get(json_array_get(rows, 0), "sequence")) + step;
	json_decref(rows);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "INSERT INTO meetings_ical(meeting, sequence) VALUES(?, ?)"
				 " ON CONFLICT(meeting) DO UPDATE SET sequence=excluded.sequence",
				 json_pack("[I,I]", (json_int_t)id, *seq), NULL);
	return st;
}

accord_status notices__meeting(accord_txn *txn, int64_t id, const char *what)
{
	if (!notify_svc || !ACCORD_SERVICE_HAS(notify_svc, enqueue))
		return ACCORD_OK;
	json_t *m = store__meeting(txn, id), *mem = NULL, *oth = NULL;
	if (!m)
		return ACCORD_E_INTERNAL;
	int convene = !strcmp(what, "convene"), cancel = !strcmp(what, "cancel");
	json_int_t seq = 0;
	accord_status st = sequence(txn, id, convene ? 0 : 1, &seq);
	if (st == ACCORD_OK)
		st = invitees(txn, id, &mem, &oth);
	const char *cat = convene  ? "meeting_convened"
			  : cancel ? "meeting_cancelled"
				   : "meeting_moved";
	const char *method = cancel ? "CANCEL" : "REQUEST";
	/* The same texts for members and the others: the meeting's
	 * announcement only (title, time, place), never its agenda. */
	if (st == ACCORD_OK)
		st = send(txn, notice(cat, m, mem, meeting_params(m), calendar(m, method, seq)));
	if (st == ACCORD_OK)
		st = send(txn, notice(cat, m, oth, meeting_params(m), calendar(m, method, seq)));
	json_decref(mem);
	json_decref(oth);
	json_decref(m);
	return st;
}

/* The titles of meeting id's agenda (only the shared items when
 * shared_only), one a line, numbered. */
static char *agenda_titles(accord_txn *txn, int64_t id, int shared_only, accord_status *st)
{
	json_t *items = NULL;
	*st = store__agenda(txn, id, shared_only, &items);
	size_t i, len = 1;
	json_t *it;
	json_array_foreach(items, i, it)
		len += strlen(sv(it, "title") ? sv(it, "title") : "") + 24;
	char *s = *st == ACCORD_OK ? malloc(len) : NULL;
	if (s) {
		size_t at = 0;
		s[0] = '\0';
		json_array_foreach(items, i, it)
			at += (size_t)snprintf(s + at, len - at, "%s%lld. %s", at ? "\n" : "",
					       (long long)json_integer_value(
						       json_object_get(it, "number")),
					       sv(it, "title") ? sv(it, "title") : "");
	} else if (*st == ACCORD_OK)
		*st = ACCORD_E_INTERNAL;
	json_decref(items);
	return s;
}

accord_status notices__agenda(accord_txn *txn, int64_t id)
{
	if (!notify_svc || !ACCORD_SERVICE_HAS(notify_svc, enqueue))
		return ACCORD_OK;
	json_t *m = store__meeting(txn, id), *mem = NULL, *oth = NULL;
	if (!m)
		return ACCORD_E_INTERNAL;
	accord_status st = invitees(txn, id, &mem, &oth);
	for (int shared = 0; st == ACCORD_OK && shared < 2; shared++) {
		char *items = agenda_titles(txn, id, shared, &st);
		json_t *p = items ? meeting_params(m) : NULL;
		if (p)
			json_object_set_new(p, "items", json_string(items));
		if (items)
			st = send(txn, notice("agenda_circulated", m, shared ? oth : mem, p, NULL));
		free(items);
	}
	json_decref(mem);
	json_decref(oth);
	json_decref(m);
	return st;
}

accord_status notices__minutes(accord_txn *txn, int64_t id, int64_t until_ms)
{
	if (!notify_svc || !ACCORD_SERVICE_HAS(notify_svc, enqueue))
		return ACCORD_OK;
	json_t *m = store__meeting(txn, id), *mem = NULL, *oth = NULL;
	if (!m)
		return ACCORD_E_INTERNAL;
	accord_status st = invitees(txn, id, &mem, &oth);
	char until[40];
	utc(until_ms, until, sizeof(until));
	json_t *p = st == ACCORD_OK ? meeting_params(m) : NULL;
	if (p)
		json_object_set_new(p, "until", json_string(until));
	if (st == ACCORD_OK) /* internal until released through the portal */
		st = send(txn, notice("minutes_circulated", m, mem, p, NULL));
	json_decref(mem);
	json_decref(oth);
	json_decref(m);
	return st;
}
