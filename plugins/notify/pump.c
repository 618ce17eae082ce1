/*
 * The pump, on the loop: moves messages from the outbox to the sender
 * thread and their results back into the outbox, each step a storage job.
 *
 *   claim   (storage) the due rows "queued" become "sending", attempts+1;
 *   build   (loop)    each one is checked with the core's rule (a partner
 *                     gets it only while the item is released to its
 *                     organisation; otherwise "suppressed") and rendered
 *                     (mime.c), then handed to the sender thread;
 *   record  (storage) each result: "sent" (the relay said 250), or back to
 *                     "queued" after a back-off, or "dead" once its time
 *                     is up (the secretariat sees it and may retry it).
 *
 * A message is sent again only when the server stops between the relay's
 * 250 and the commit of "sent": rows still "sending" at start-up go back
 * to "queued".  That window is one tick of the pump while messages are
 * out (TICK_BUSY_MS) plus one commit.
 */
#include "notify.h"

#include <time.h>

#define TICK_MS 100
/* While the sender holds messages: the sooner its results are recorded,
 * the shorter the window in which a crash sends a message twice. */
#define TICK_BUSY_MS 10

static uint64_t timer;
static void tick(accord_plugin_ctx *p, void *ud);
static int claiming, recording, in_flight;
static int64_t next_claim_ms;
static sender_result *pending; /* results not yet recorded */

int64_t pump__backoff_ms(int attempts)
{
	int64_t d = notify__cfg.retry_initial_ms;
	for (int i = 1; i < attempts && d < notify__cfg.retry_max_ms; i++)
		d *= 2;
	return d < notify__cfg.retry_max_ms ? d : notify__cfg.retry_max_ms;
}

/* ---------------- build ---------------- */

char *pump__item_link(const char *category, const char *item, const char *secret, const char *route,
		      int absolute)
{
	const char *base = absolute ? notify__cfg.public_url : "";
	char link[600];
	if (route) /* the notice's own page ("#/group/3"), checked when queued */
		snprintf(link, sizeof(link), "%s/%s", base, route);
	else if (!strcmp(category, "invitation"))
		snprintf(link, sizeof(link), "%s/#/invite/%s", base, secret ? secret : "");
	else if (!strcmp(category, "release"))
		snprintf(link, sizeof(link), "%s/#/portal", base);
	else if (item && !strncmp(item, "proposal:", 9))
		snprintf(link, sizeof(link), "%s/#/proposal/%s", base, item + 9);
	else
		snprintf(link, sizeof(link), "%s/#/", base);
	return !absolute || base[0] ? strdup(absolute ? link : link + 1) : NULL;
}

/* The link to what the message is about, for an e-mail. */
static char *item_link(const char *category, const char *item, const char *secret,
		       const json_t *params)
{
	return pump__item_link(category, item, secret,
			       json_string_value(json_object_get(params, "_link")), 1);
}

/* The texts of a digest row (params {items: [{category, item, params}]}):
 * each entry the recipient may see now, by the core's rule, listed with
 * the subject its own message would have had.  0, 1 when none is left,
 * -1 on failure. */
static int digest_texts(const json_t *params, const char *lang, int partner, const char *org,
			mime_texts *out)
{
	const json_t *items = json_object_get(params, "items");
	size_t n = json_array_size(items), k = 0;
	mime_digest_entry *e = calloc(n ? n : 1, sizeof(*e));
	char **links = calloc(n ? n : 1, sizeof(char *));
	mime_texts *sub = calloc(n ? n : 1, sizeof(*sub));
	int rc = e && links && sub ? 0 : -1;
	for (size_t i = 0; !rc && i < n; i++) {
		const json_t *it = json_array_get(items, i);
		const char *cat = json_string_value(json_object_get(it, "category"));
		const char *item = json_string_value(json_object_get(it, "item"));
		if (!cat || (item && !api->item_visible_to(org, partner, item)) || (partner && !item))
			continue;
		json_t *p = json_deep_copy(json_object_get(it, "params"));
		if (p && !json_object_get(p, "network"))
			json_object_set_new(p, "network", json_string(notify__cfg.network_name));
		if (!p || mime_render(cat, lang, p, NULL, NULL, &sub[k])) {
			json_decref(p);
			rc = -1;
			break;
		}
		json_decref(p);
		links[k] = item_link(cat, item, NULL, json_object_get(it, "params"));
		e[k].subject = sub[k].subject;
		e[k].link = links[k];
		k++;
	}
	if (!rc && !k)
		rc = 1;
	if (!rc)
		rc = mime_render_digest(lang, notify__cfg.network_name, e, k, out);
	for (size_t i = 0; sub && links && i < k; i++) {
		mime_texts_free(&sub[i]);
		free(links[i]);
	}
	free(e);
	free(links);
	free(sub);
	return rc;
}

/* The message of outbox row r, or NULL with *why: suppressed (may not
 * see it) or failed (could not build it). */
static sender_msg *build(const json_t *r, int *why, const char **detail)
{
	const char *category = json_string_value(json_object_get(r, "category"));
	const char *item = json_string_value(json_object_get(r, "item"));
	const char *org = json_string_value(json_object_get(r, "org"));
	const char *login = json_string_value(json_object_get(r, "login"));
	const char *secret = json_string_value(json_object_get(r, "secret"));
	int partner = json_integer_value(json_object_get(r, "partner")) != 0;
	*why = SENDER_FAILED;
	/* The core's rule, as it stands now: nobody gets what they may not
	 * see (a partner: only what is released to its organisation). */
	if (item && !api->item_visible_to(org, partner, item)) {
		*why = SENDER_SUPPRESSED;
		*detail = "the recipient may not see the item";
		return NULL;
	}
	if (partner && !item) {
		*why = SENDER_SUPPRESSED;
		*detail = "a partner gets only what is released to it";
		return NULL;
	}
	json_t *params = json_loads(json_string_value(json_object_get(r, "params")), 0, NULL);
	if (params && !json_object_get(params, "network"))
		json_object_set_new(params, "network", json_string(notify__cfg.network_name));
	const char *lang = json_string_value(json_object_get(r, "lang"));
	int digest = !strcmp(category, "digest");
	char *link = digest ? NULL : item_link(category, item, secret, params);
	char *pref = login && !digest ? prefs__link(login, category) : NULL;
	mime_texts t;
	sender_msg *m = NULL;
	*detail = "the message could not be built";
	int built = -1;
	if (params && digest) {
		built = digest_texts(params, lang, partner, org, &t);
		if (built == 1) {
			*why = SENDER_SUPPRESSED;
			*detail = "nothing in the digest the recipient may see";
		}
	} else if (params) {
		built = mime_render(category, lang, params, link, pref, &t);
	}
	if (built < 0)
		*detail = params ? "the message's texts could not be made"
				 : "the message's parameters could not be read";
	if (!built) {
		mime_msg mm = {
			.from_addr = notify__cfg.from_addr,
			.from_name = notify__cfg.from_name,
			.to_addr = json_string_value(json_object_get(r, "address")),
			.to_name = json_string_value(json_object_get(r, "name")),
			.message_id = json_string_value(json_object_get(r, "message_id")),
			.date_ms = api->now_ms(),
			.list_unsubscribe = pref,
			.texts = &t,
		};
		const json_t *cal = json_object_get(params, "_calendar");
		char *ics = NULL;
		if (cal) {
			mime_calendar mc = {
				.method = json_string_value(json_object_get(cal, "method")),
				.uid = json_string_value(json_object_get(cal, "uid")),
				.sequence = json_integer_value(json_object_get(cal, "sequence")),
				.start_ms = json_integer_value(json_object_get(cal, "start")),
				.end_ms = json_integer_value(json_object_get(cal, "end")),
				.stamp_ms = api->now_ms(),
				.summary = json_string_value(json_object_get(cal, "summary")),
				.location = json_string_value(json_object_get(cal, "location")),
				.description = json_string_value(json_object_get(cal, "description")),
				.organizer_addr = notify__cfg.from_addr,
				.organizer_name = notify__cfg.from_name,
				.attendee_addr = mm.to_addr,
				.attendee_name = mm.to_name,
			};
			ics = mime_ics(&mc);
			mm.calendar = ics;
			mm.calendar_method = mc.method;
		}
		char *data = cal && !ics ? NULL : mime_message(&mm);
		free(ics);
		if (!data)
			*detail = "the message could not be put together (an address, the"
				  " Message-ID or a link is not fit for a header)";
		m = data ? calloc(1, sizeof(*m)) : NULL;
		if (m) {
			m->id = json_integer_value(json_object_get(r, "id"));
			m->data = data;
			m->len = strlen(data);
			m->rcpt = strdup(mm.to_addr);
			if (!m->rcpt) {
				sender_msg_free(m);
				m = NULL;
			}
		} else {
			free(data);
		}
		mime_texts_free(&t);
	}
	json_decref(params);
	free(link);
	free(pref);
	return m;
}

static void pending_add(int64_t id, int outcome, const char *detail)
{
	sender_result *r = calloc(1, sizeof(*r));
	if (!r)
		return; /* stays "sending" until the next start */
	r->id = id;
	r->outcome = outcome;
	snprintf(r->detail, sizeof(r->detail), "%s", detail);
	r->next = pending;
	pending = r;
}

/* ---------------- claim ---------------- */

static accord_status claim_work(accord_txn *txn, void *ud, json_t **out)
{
	(void)ud;
	int64_t now = api->now_ms();
	json_t *rows = NULL, *oldest = NULL;
	accord_status st = accord_exec(
		api, txn,
		"SELECT id, category, item, org, partner, login, address, name, lang, params, secret,"
		" message_id FROM notify_outbox WHERE status='queued' AND next_at <= ?"
		" ORDER BY next_at, id LIMIT ?",
		json_pack("[I,i]", (json_int_t)now, notify__cfg.batch), &rows);
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		if (st != ACCORD_OK)
			break;
		st = accord_exec(api, txn,
				 "UPDATE notify_outbox SET status='sending', attempts=attempts+1,"
				 " last_try_at=? WHERE id=?",
				 json_pack("[I,O]", (json_int_t)now, json_object_get(r, "id")), NULL);
	}
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "SELECT min(created_at) AS oldest FROM notify_outbox"
				 " WHERE status IN ('queued', 'sending')",
				 NULL, &oldest);
	if (st == ACCORD_OK) {
		json_t *o = json_object_get(json_array_get(oldest, 0), "oldest");
		*out = json_pack("{s:o,s:I}", "rows", rows, "oldest",
				 (json_int_t)(json_is_integer(o) ? json_integer_value(o) : 0));
		rows = NULL;
	}
	json_decref(rows);
	json_decref(oldest);
	return st;
}

static void claim_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)p;
	(void)ud;
	claiming = 0;
	if (st == ACCORD_OK) {
		int64_t oldest = json_integer_value(json_object_get(out, "oldest"));
		int64_t now = api->now_ms();
		api->gauge_set(self, "oldest_queued_age_seconds",
			       oldest && now > oldest ? (uint64_t)((now - oldest) / 1000) : 0);
		size_t i;
		json_t *r;
		json_array_foreach(json_object_get(out, "rows"), i, r) {
			int why;
			const char *detail;
			sender_msg *m = build(r, &why, &detail);
			in_flight++;
			if (m)
				sender__push(m);
			else
				pending_add(json_integer_value(json_object_get(r, "id")), why,
					    detail);
		}
		if (in_flight && timer) { /* look for the results soon */
			api->timer_cancel(self, timer);
			timer = api->timer_add(self, TICK_BUSY_MS, tick, NULL);
		}
	}
	json_decref(out);
}

/* ---------------- record ---------------- */

static accord_status record_work(accord_txn *txn, void *ud, json_t **out)
{
	int64_t now = api->now_ms();
	int sent = 0, retried = 0, dead = 0, suppressed = 0;
	accord_status st = ACCORD_OK;
	for (sender_result *r = ud; r && st == ACCORD_OK; r = r->next) {
		if (r->outcome == SENDER_SENT) {
			st = accord_exec(api, txn,
					 "UPDATE notify_outbox SET status='sent', sent_at=?, secret=NULL,"
					 " last_error=NULL WHERE id=?",
					 json_pack("[I,I]", (json_int_t)now, (json_int_t)r->id),
					 NULL);
			sent++;
		} else if (r->outcome == SENDER_SUPPRESSED) {
			st = accord_exec(api, txn,
					 "UPDATE notify_outbox SET status='suppressed', secret=NULL,"
					 " last_error=? WHERE id=?",
					 json_pack("[s,I]", r->detail, (json_int_t)r->id), NULL);
			suppressed++;
		} else {
			json_t *rows = NULL;
			st = accord_exec(api, txn,
					 "SELECT attempts, give_up_at FROM notify_outbox WHERE id=?",
					 json_pack("[I]", (json_int_t)r->id), &rows);
			json_t *row = json_array_get(rows, 0);
			int attempts = (int)json_integer_value(json_object_get(row, "attempts"));
			int64_t next = now + pump__backoff_ms(attempts > 0 ? attempts : 1);
			int give_up = next > json_integer_value(json_object_get(row, "give_up_at"));
			if (st == ACCORD_OK && row)
				st = accord_exec(
					api, txn,
					"UPDATE notify_outbox SET status=?, next_at=?, last_error=?"
					" WHERE id=?",
					json_pack("[s,I,s,I]", give_up ? "dead" : "queued",
						  (json_int_t)next, r->detail, (json_int_t)r->id),
					NULL);
			json_decref(rows);
			if (give_up)
				dead++;
			else
				retried++;
		}
	}
	if (st == ACCORD_OK)
		*out = json_pack("{s:i,s:i,s:i,s:i}", "sent", sent, "retried", retried, "failed",
				 dead, "suppressed", suppressed);
	return st;
}

static void results_free(sender_result *r)
{
	while (r) {
		sender_result *n = r->next;
		free(r);
		r = n;
	}
}

static void record_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)p;
	sender_result *list = ud;
	recording = 0;
	if (st != ACCORD_OK) { /* not recorded: keep them for the next tick */
		sender_result *last = list;
		while (last && last->next)
			last = last->next;
		if (last) {
			last->next = pending;
			pending = list;
		}
		json_decref(out);
		return;
	}
	int n = 0;
	for (sender_result *r = list; r; r = r->next)
		n++;
	in_flight -= n;
	if (in_flight < 0)
		in_flight = 0;
	const char *keys[] = {"sent", "retried", "failed", "suppressed"};
	for (size_t i = 0; i < 4; i++) {
		json_int_t v = json_integer_value(json_object_get(out, keys[i]));
		if (v > 0)
			api->counter_add(self, keys[i], (uint64_t)v);
	}
	json_decref(out);
	results_free(list);
}

/* ---------------- the daily digest ---------------- */

static int digesting;
static int64_t next_digest_check_ms;

/* Once a day, from digest_hour_utc: the messages kept for the digest
 * ("digest") become one message per address ("digest" category, queued),
 * each of them "digested" with the digest's id.  The day done is kept in
 * notify_state, so a restart the same day makes no second digest. */
static accord_status digest_work(accord_txn *txn, void *ud, json_t **out)
{
	(void)ud;
	int64_t now = api->now_ms();
	time_t t = (time_t)(now / 1000);
	struct tm tm;
	char day[16];
	gmtime_r(&t, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	*out = json_pack("{s:i}", "made", 0);
	if (tm.tm_hour < notify__cfg.digest_hour)
		return ACCORD_OK;
	json_t *state = NULL, *rows = NULL;
	accord_status st = accord_exec(api, txn,
				       "SELECT value FROM notify_state WHERE key='digest_day'",
				       NULL, &state);
	const char *done = json_string_value(json_object_get(json_array_get(state, 0), "value"));
	int already = done && !strcmp(done, day);
	json_decref(state);
	if (st != ACCORD_OK || already)
		return st;
	st = accord_exec(api, txn,
			 "SELECT id, category, item, org, partner, login, address, name, lang, params"
			 " FROM notify_outbox WHERE status='digest' ORDER BY address, id",
			 NULL, &rows);
	int made = 0;
	size_t i = 0, n = json_array_size(rows);
	while (st == ACCORD_OK && i < n) {
		const json_t *first = json_array_get(rows, i);
		const char *address = json_string_value(json_object_get(first, "address"));
		json_t *items = json_array();
		size_t k = i;
		for (; k < n; k++) {
			const json_t *r = json_array_get(rows, k);
			if (strcmp(json_string_value(json_object_get(r, "address")), address))
				break;
			json_t *p = json_loads(json_string_value(json_object_get(r, "params")), 0,
					       NULL);
			json_array_append_new(items, json_pack("{s:O,s:O,s:o}", "category",
							       json_object_get(r, "category"),
							       "item", accord_or_null(r, "item"),
							       "params", p ? p : json_object()));
		}
		json_t *params = json_pack("{s:o}", "items", items);
		int64_t id = 0;
		st = params ? outbox__insert(
				      txn, "digest", json_string_value(json_object_get(first, "org")),
				      (int)json_integer_value(json_object_get(first, "partner")),
				      json_string_value(json_object_get(first, "login")), address,
				      json_string_value(json_object_get(first, "name")),
				      json_string_value(json_object_get(first, "lang")), params, &id)
			    : ACCORD_E_INTERNAL;
		json_decref(params);
		for (size_t j = i; st == ACCORD_OK && j < k; j++)
			st = accord_exec(
				api, txn,
				"UPDATE notify_outbox SET status='digested', digest_id=? WHERE id=?",
				json_pack("[I,O]", (json_int_t)id,
					  json_object_get(json_array_get(rows, j), "id")),
				NULL);
		made++;
		i = k;
	}
	json_decref(rows);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "INSERT INTO notify_state(key, value) VALUES('digest_day', ?)"
				 " ON CONFLICT(key) DO UPDATE SET value=excluded.value",
				 json_pack("[s]", day), NULL);
	if (st == ACCORD_OK)
		json_object_set_new(*out, "made", json_integer(made));
	return st;
}

static void digest_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)ud;
	digesting = 0;
	if (st != ACCORD_OK)
		api->log(p, ACCORD_LOG_ERR, "the daily digest could not be made; trying again");
	else if (json_integer_value(json_object_get(out, "made")) > 0)
		api->counter_add(p, "digests",
				 (uint64_t)json_integer_value(json_object_get(out, "made")));
	json_decref(out);
}

/* ---------------- the tick ---------------- */

static void tick(accord_plugin_ctx *p, void *ud)
{
	(void)ud;
	timer = api->timer_add(p, in_flight ? TICK_BUSY_MS : TICK_MS, tick, NULL);
	uint64_t q = outbox__take_queued();
	if (q)
		api->counter_add(self, "queued", q);
	/* results first: the sooner "sent" commits, the smaller the window
	 * in which a crash sends a message twice */
	sender_result *got = sender__take();
	if (got) {
		sender_result *last = got;
		while (last->next)
			last = last->next;
		last->next = pending;
		pending = got;
	}
	if (pending && !recording) {
		sender_result *list = pending;
		pending = NULL;
		if (api->db_run(self, record_work, record_done, list)) {
			pending = list;
		} else {
			recording = 1;
		}
	}
	inbox__tick();
	int64_t now = api->now_ms();
	if (!digesting && now >= next_digest_check_ms) {
		next_digest_check_ms = now + 60 * 1000;
		if (!api->db_run(self, digest_work, digest_done, NULL))
			digesting = 1;
	}
	if (outbox__take_kick())
		next_claim_ms = now;
	if (notify__cfg.enabled && !claiming && !in_flight && !recording && !pending &&
	    now >= next_claim_ms) {
		next_claim_ms = now + notify__cfg.poll_ms;
		if (!api->db_run(self, claim_work, claim_done, NULL))
			claiming = 1;
	}
}

/* At start-up: what was being sent when the server stopped goes again
 * (the relay may have accepted it: the one case of a duplicate). */
static accord_status requeue_work(accord_txn *txn, void *ud, json_t **out)
{
	(void)ud;
	(void)out;
	return accord_exec(api, txn,
			   "UPDATE notify_outbox SET status='queued', next_at=? WHERE status='sending'",
			   json_pack("[I]", (json_int_t)api->now_ms()), NULL);
}

static void requeue_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)ud;
	json_decref(out);
	if (st != ACCORD_OK)
		api->log(p, ACCORD_LOG_ERR,
			 "could not requeue the messages being sent at the last stop");
	if (notify__cfg.enabled && sender__start())
		api->log(p, ACCORD_LOG_ERR, "the sender thread could not start: messages wait");
	timer = api->timer_add(p, TICK_MS, tick, NULL);
}

/* Serving: the requeue, then the sender thread and the tick.  A command
 * of the CLI (no loop: db_run refuses) starts nothing. */
void pump__start(void) { api->db_run(self, requeue_work, requeue_done, NULL); }

void pump__stop(void)
{
	if (timer)
		api->timer_cancel(self, timer);
	timer = 0;
	sender__stop();
	results_free(pending);
	pending = NULL;
}
