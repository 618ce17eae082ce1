/*
 * The outbox: the service accord.notify and the invitations hook of
 * accord.members.  Both run on the storage thread inside the caller's
 * transaction and write one row per recipient into notify_outbox, so a
 * notice commits or rolls back with the change that causes it.  Recipients
 * are resolved here, as the members list stands in that transaction: the
 * active focal points and alternates of each organisation concerned, each
 * with their address, language and preference for the category.  The
 * message itself is built later, on the loop, just before it is sent
 * (pump.c): the permission check is made then, against the releases in
 * force at that moment.
 */
#include "notify.h"

#include <stdatomic.h>

static atomic_uint_fast64_t queued_count;
static atomic_int kick;
static int64_t last_id; /* the row insert made last (storage thread only) */

uint64_t outbox__take_queued(void) { return atomic_exchange(&queued_count, 0); }
int outbox__take_kick(void) { return atomic_exchange(&kick, 0); }

/* Runs sql as this plugin (the caller's work runs as the caller). */
static accord_status run(accord_txn *txn, const char *sql, json_t *params, json_t **rows)
{
	api->txn_enter(txn, self);
	accord_status st = api->txn_exec(txn, sql, params, rows);
	api->txn_leave(txn);
	json_decref(params);
	return st;
}

/* One row of the outbox, queued now.  params is the notice's (kept as
 * JSON text); secret (may be NULL) a one-time token for the link, wiped
 * once the message is sent. */
static accord_status insert(accord_txn *txn, const char *category, const char *item,
			    const char *org, int partner, const char *login, const char *address,
			    const char *name, const char *lang, const json_t *params,
			    const char *secret, const char *status)
{
	char *ptxt = json_dumps(params ? params : json_object(), JSON_COMPACT);
	if (!ptxt)
		return ACCORD_E_INTERNAL;
	int64_t now = api->now_ms();
	json_t *p = json_pack("[s,s?,s?,i,s?,s,s?,s,s,s?,s,I,I,I]", category, item, org, partner,
			      login, address, name, lang, ptxt, secret, status, (json_int_t)now,
			      (json_int_t)now, (json_int_t)(now + notify__cfg.dead_after_ms));
	free(ptxt);
	if (!p)
		return ACCORD_E_INTERNAL;
	accord_status st = run(
		txn,
		"INSERT INTO notify_outbox(category, item, org, partner, login, address, name, lang,"
		" params, secret, status, attempts, created_at, next_at, give_up_at, message_id)"
		" VALUES(?,?,?,?,?,?,?,?,?,?,?,0,?,?,?,'')",
		p, NULL);
	if (st != ACCORD_OK)
		return st;
	/* The Message-ID is fixed now, with the row: every attempt, a retry
	 * after a crash included, carries the same one. */
	int64_t id = last_id = api->txn_last_id(txn);
	char mid[300];
	snprintf(mid, sizeof(mid), "<notify.%lld.%lld@%s>", (long long)id, (long long)now,
		 notify__cfg.msgid_domain);
	st = run(txn, "UPDATE notify_outbox SET message_id=? WHERE id=?",
		 json_pack("[s,I]", mid, (json_int_t)id), NULL);
	if (st == ACCORD_OK) {
		atomic_fetch_add(&queued_count, 1);
		atomic_store(&kick, 1);
	}
	return st;
}

accord_status outbox__insert(accord_txn *txn, const char *category, const char *org, int partner,
			     const char *login, const char *address, const char *name,
			     const char *lang, const json_t *params, int64_t *id)
{
	accord_status st = insert(txn, category, NULL, org, partner, login, address, name, lang,
				  params, NULL, "queued");
	*id = st == ACCORD_OK ? last_id : 0;
	return st;
}

/* 1 if the comma list csv holds word. */
int outbox__csv_has(const char *csv, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = csv; p && *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && !strncmp(p, word, n))
			return 1;
		p = e ? e + 1 : NULL;
	}
	return 0;
}

/* Queues the notice for the speaking people of organisation code. */
static accord_status for_org(accord_txn *txn, const json_t *notice, const char *code, json_t *seen,
			     int *queued)
{
	const char *category = json_string_value(json_object_get(notice, "category"));
	const char *item = json_string_value(json_object_get(notice, "item"));
	json_t *org = NULL, *people = NULL;
	accord_status st = members_svc->org(txn, code, &org);
	if (st == ACCORD_E_NOT_FOUND)
		return ACCORD_OK;
	if (st != ACCORD_OK)
		return st;
	int active = json_is_true(json_object_get(org, "active"));
	const char *standing = json_string_value(json_object_get(org, "standing"));
	int partner = !standing || strcmp(standing, "member");
	/* {org} in the texts: the recipient's own organisation, by name */
	json_t *params = json_deep_copy(json_object_get(notice, "params"));
	if (!params)
		params = json_object();
	if (params && !json_object_get(params, "org"))
		json_object_set(params, "org", json_object_get(org, "name"));
	if (params && json_is_string(json_object_get(notice, "link")))
		json_object_set(params, "_link", json_object_get(notice, "link"));
	if (params && json_is_object(json_object_get(notice, "calendar")))
		json_object_set(params, "_calendar", json_object_get(notice, "calendar"));
	json_decref(org);
	if (!params)
		return ACCORD_E_INTERNAL;
	if (!active) {
		json_decref(params);
		return ACCORD_OK;
	}
	st = members_svc->org_people(txn, code, &people);
	size_t i;
	json_t *person;
	json_array_foreach(people, i, person) {
		if (st != ACCORD_OK)
			break;
		const char *fn = json_string_value(json_object_get(person, "function"));
		const char *login = json_string_value(json_object_get(person, "login"));
		if (!json_is_true(json_object_get(person, "active")) || !fn || !login ||
		    (strcmp(fn, "focal_point") && strcmp(fn, "alternate")))
			continue;
		json_t *pref = NULL;
		if (prefs__read(txn, login, &pref) < 0) {
			st = ACCORD_E_INTERNAL;
			break;
		}
		/* the inbox: everyone concerned, whatever their e-mail */
		st = inbox__add(txn, login, code, partner, category,
				json_string_value(json_object_get(notice, "item")), params);
		if (st != ACCORD_OK) {
			json_decref(pref);
			break;
		}
		const char *off = json_string_value(json_object_get(pref, "off"));
		const char *digest = json_string_value(json_object_get(pref, "digest"));
		const char *email = json_string_value(json_object_get(pref, "email"));
		const char *contact = json_string_value(json_object_get(person, "contact"));
		const char *address = email && *email ? email : contact;
		const char *lang = json_string_value(json_object_get(pref, "lang"));
		if (!outbox__csv_has(off, category) && mime_address_ok(address) &&
		    !json_object_get(seen, address)) {
			json_object_set_new(seen, address, json_true());
			st = insert(txn, category, item, code, partner, login, address,
				    json_string_value(json_object_get(person, "name")),
				    mime_lang(lang), params, NULL,
				    /* a calendar goes at once: it updates the meeting */
				    outbox__csv_has(digest, category) &&
						    !json_object_get(notice, "calendar")
					    ? "digest"
					    : "queued");
			if (st == ACCORD_OK && queued)
				(*queued)++;
		}
		json_decref(pref);
	}
	json_decref(people);
	json_decref(params);
	return st;
}

/* "partners": the codes of every active partner organisation. */
static accord_status partner_codes(accord_txn *txn, json_t **out)
{
	json_t *all = NULL;
	accord_status st = members_svc->orgs(txn, &all);
	if (st != ACCORD_OK)
		return st;
	*out = json_array();
	size_t i;
	json_t *o;
	json_array_foreach(all, i, o) {
		const char *standing = json_string_value(json_object_get(o, "standing"));
		if (json_is_true(json_object_get(o, "active")) && standing &&
		    strcmp(standing, "member"))
			json_array_append(*out, json_object_get(o, "code"));
	}
	json_decref(all);
	return ACCORD_OK;
}

/* A notice's calendar: {uid, sequence, method, start, end, summary,
 * location?, description?}, checked as mime_ics will use it. */
static int calendar_ok(const json_t *c)
{
	const char *method = json_string_value(json_object_get(c, "method"));
	const char *uid = json_string_value(json_object_get(c, "uid"));
	const json_t *seq = json_object_get(c, "sequence");
	const json_t *start = json_object_get(c, "start"), *end = json_object_get(c, "end");
	const json_t *loc = json_object_get(c, "location"), *desc = json_object_get(c, "description");
	return json_is_object(c) && method &&
	       (!strcmp(method, "REQUEST") || !strcmp(method, "CANCEL")) && uid && *uid &&
	       strlen(uid) <= 200 && !strpbrk(uid, "\r\n") && json_is_integer(seq) &&
	       json_integer_value(seq) >= 0 && json_is_integer(start) && json_is_integer(end) &&
	       json_integer_value(end) > json_integer_value(start) &&
	       json_is_string(json_object_get(c, "summary")) && (!loc || json_is_string(loc)) &&
	       (!desc || json_is_string(desc));
}

static accord_status enqueue(accord_txn *txn, const json_t *notice, int *queued)
{
	if (queued)
		*queued = 0;
	const char *category = json_string_value(json_object_get(notice, "category"));
	const json_t *orgs = json_object_get(notice, "orgs");
	const json_t *item = json_object_get(notice, "item");
	if (!mime_category_known(category) || !strcmp(category, "invitation") ||
	    (item && (!json_is_string(item) || !strchr(json_string_value(item), ':'))) ||
	    !(json_is_array(orgs) ||
	      (json_is_string(orgs) && !strcmp(json_string_value(orgs), "partners"))))
		return ACCORD_E_BAD_REQUEST;
	const json_t *link = json_object_get(notice, "link");
	if (link && !(json_is_string(link) && !strncmp(json_string_value(link), "#/", 2) &&
		      !strpbrk(json_string_value(link), " \r\n\"<>")))
		return ACCORD_E_BAD_REQUEST;
	const json_t *once = json_object_get(notice, "once");
	if (once && !json_is_string(once))
		return ACCORD_E_BAD_REQUEST;
	const json_t *cal = json_object_get(notice, "calendar");
	if (cal && !calendar_ok(cal))
		return ACCORD_E_BAD_REQUEST;
	if (once) { /* a notice given before with this key is not given again */
		accord_status ost = run(txn,
					"INSERT INTO notify_once(key, at) VALUES(?,?)"
					" ON CONFLICT(key) DO NOTHING",
					json_pack("[O,I]", once, (json_int_t)api->now_ms()), NULL);
		if (ost != ACCORD_OK)
			return ost;
		if (!api->txn_changes(txn))
			return ACCORD_OK;
	}
	json_t *codes = NULL, *seen = json_object();
	accord_status st = json_is_array(orgs) ? (codes = json_incref((json_t *)orgs), ACCORD_OK)
					       : partner_codes(txn, &codes);
	size_t i;
	json_t *code;
	json_array_foreach(codes, i, code) {
		if (st != ACCORD_OK || !seen)
			break;
		if (json_is_string(code))
			st = for_org(txn, notice, json_string_value(code), seen, queued);
	}
	if (!seen)
		st = ACCORD_E_INTERNAL;
	json_decref(codes);
	json_decref(seen);
	return st;
}

/* "2026-12-07 09:30 UTC" */
void outbox__time_text(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%d %H:%M UTC", &tm);
}

/* accord.members' invitation hook, in the transaction that stores the
 * invitation: the link goes by mail to the invitation's contact when it
 * is an e-mail address (*mailed 1), else nothing is queued (*mailed 0). */
accord_status outbox__invite(accord_txn *txn, const json_t *inv, int *mailed, void *ud)
{
	(void)ud;
	*mailed = 0;
	const char *contact = json_string_value(json_object_get(inv, "contact"));
	const char *code = json_string_value(json_object_get(inv, "org"));
	const char *token = json_string_value(json_object_get(inv, "token"));
	if (!mime_address_ok(contact) || !code || !token)
		return ACCORD_OK;
	json_t *org = NULL;
	accord_status st = members_svc->org(txn, code, &org);
	if (st != ACCORD_OK && st != ACCORD_E_NOT_FOUND)
		return st;
	const char *org_name = json_string_value(json_object_get(org, "name"));
	char expires[32];
	outbox__time_text(json_integer_value(json_object_get(inv, "expires")), expires);
	const char *name = json_string_value(json_object_get(inv, "name"));
	json_t *params = json_pack("{s:s,s:s,s:s}", "name", name ? name : "", "org",
				   org_name ? org_name : code, "expires", expires);
	json_decref(org);
	if (!params)
		return ACCORD_E_INTERNAL;
	st = insert(txn, "invitation", NULL, code, 0, NULL, contact, name, notify__cfg.default_lang,
		    params, token, "queued");
	json_decref(params);
	if (st == ACCORD_OK)
		*mailed = 1;
	return st;
}

static int64_t reminder_before_ms(void) { return notify__cfg.reminder_before_ms; }

const accord_notify_svc outbox__svc = {
	.size = sizeof(accord_notify_svc),
	.enqueue = enqueue,
	.reminder_before_ms = reminder_before_ms,
};
