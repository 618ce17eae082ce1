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
 * to "queued".  That window is one tick of the pump (TICK_MS) plus one
 * commit.
 */
#include "notify.h"

#define TICK_MS 100

static uint64_t timer;
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

/* The link to what the message is about. */
static char *item_link(const char *category, const char *item, const char *secret)
{
	const char *base = notify__cfg.public_url;
	char link[600];
	if (!strcmp(category, "invitation"))
		snprintf(link, sizeof(link), "%s/#/invite/%s", base, secret ? secret : "");
	else if (!strcmp(category, "release"))
		snprintf(link, sizeof(link), "%s/#/portal", base);
	else if (item && !strncmp(item, "proposal:", 9))
		snprintf(link, sizeof(link), "%s/#/proposal/%s", base, item + 9);
	else
		snprintf(link, sizeof(link), "%s/#/", base);
	return base[0] ? strdup(link) : NULL;
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
	char *link = item_link(category, item, secret);
	char *pref = login ? prefs__link(login, category) : NULL;
	mime_texts t;
	sender_msg *m = NULL;
	*detail = "the message could not be built";
	if (params && !mime_render(category, json_string_value(json_object_get(r, "lang")), params,
				   link, pref, &t)) {
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
		char *data = mime_message(&mm);
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

/* ---------------- the tick ---------------- */

static void tick(accord_plugin_ctx *p, void *ud)
{
	(void)ud;
	timer = api->timer_add(p, TICK_MS, tick, NULL);
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
	int64_t now = api->now_ms();
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
