/*
 * What a person chooses (notify.prefs.get / set: an address, a language,
 * each category immediate or off), the signed one-click link in every
 * message that turns its category off (GET /api/notify/pref), and what the
 * secretariat sees of the outbox (notify.outbox.list / stats / retry).
 */
#include "notify.h"

#include <sodium.h>

static unsigned char key[crypto_auth_hmacsha256_KEYBYTES];
static int key_loaded;

/* The categories a person may turn off (an invitation goes to someone who
 * has no account yet). */
static const char *const CATEGORIES[] = {
	"proposal_opened",   "reminder",           "outcome",
	"release",           "action_assigned",    "action_overdue",
	"meeting_convened",  "meeting_moved",      "meeting_cancelled",
	"agenda_circulated", "minutes_circulated", NULL};
static const char *const MODES[] = {"immediate", "digest", "off", NULL};
static const char *const LANGS[] = {"en", "ru", NULL};

int prefs__read(accord_txn *txn, const char *login, json_t **row)
{
	json_t *rows = NULL;
	*row = NULL;
	api->txn_enter(txn, self);
	accord_status st = accord_exec(
		api, txn, "SELECT email, lang, off, digest FROM notify_prefs WHERE login=?",
		json_pack("[s]", login), &rows);
	api->txn_leave(txn);
	if (st != ACCORD_OK)
		return -1;
	json_t *r = json_array_get(rows, 0);
	if (r)
		*row = json_incref(r);
	json_decref(rows);
	return r ? 0 : 1;
}

/* ---------------- the signed link ---------------- */

static void mac_hex(const char *login, const char *category, long long expires, char out[65])
{
	char msg[200];
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	int n = snprintf(msg, sizeof(msg), "accord-notify-pref v1\n%s\n%s\n%lld", login, category,
			 expires);
	crypto_auth_hmacsha256(mac, (const unsigned char *)msg, (unsigned long long)n, key);
	sodium_bin2hex(out, 65, mac, sizeof(mac));
}

static int url_safe(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("._-", *s)))
			return 0;
	return 1;
}

char *prefs__link(const char *login, const char *category)
{
	if (!key_loaded || !notify__cfg.public_url[0] || !url_safe(login) || strlen(login) > 64)
		return NULL;
	long long expires = (long long)((api->now_ms() + notify__cfg.pref_link_ttl_ms) / 1000);
	char mac[65], link[700];
	mac_hex(login, category, expires, mac);
	snprintf(link, sizeof(link), "%s/api/notify/pref?u=%s&c=%s&x=%lld&s=%s",
		 notify__cfg.public_url, login, category, expires, mac);
	return strdup(link);
}

static accord_status key_work(accord_txn *txn, void *ud, json_t **out)
{
	accord_status st = accord_exec(api, txn,
				       "INSERT INTO notify_keys(id, key) VALUES(1, ?)"
				       " ON CONFLICT(id) DO NOTHING",
				       json_pack("[s]", (const char *)ud), NULL);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn, "SELECT key FROM notify_keys WHERE id=1", NULL, out);
	return st;
}

static void key_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	char *fresh = ud;
	sodium_memzero(fresh, strlen(fresh));
	free(fresh);
	const char *hex = json_string_value(json_object_get(json_array_get(out, 0), "key"));
	size_t len = 0;
	if (st == ACCORD_OK && hex &&
	    !sodium_hex2bin(key, sizeof(key), hex, strlen(hex), NULL, &len, NULL) &&
	    len == sizeof(key))
		key_loaded = 1;
	else
		api->log(p, ACCORD_LOG_ERR, "no key for preference links: messages go without one");
	json_decref(out);
}

/* ---------------- GET /api/notify/pref ---------------- */

static const accord_arg link_args[] = {
	{.name = "u", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 64},
	{.name = "c", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .one_of = CATEGORIES},
	{.name = "x", .type = ACCORD_ARG_INT, .flags = ACCORD_ARG_REQUIRED},
	{.name = "s", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 64, .max = 64},
	{0}};

static void page(accord_http *h, int status, const char *en, const char *ru)
{
	char body[1024];
	int n = snprintf(body, sizeof(body),
			 "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Accord</title>"
			 "</head><body><p>%s</p><p lang=\"ru\">%s</p></body></html>\n",
			 en, ru);
	api->http_respond(h, status, "text/html; charset=utf-8", body, (size_t)n);
}

/* Adds category to the person's "off" list (the row is made if need be). */
static accord_status off_work(accord_txn *txn, accord_job *j, json_t **out)
{
	(void)out;
	const char *login = json_string_value(json_object_get(j->in, "u"));
	const char *category = json_string_value(json_object_get(j->in, "c"));
	json_t *row = NULL;
	if (prefs__read(txn, login, &row) < 0)
		return ACCORD_E_INTERNAL;
	const char *off = json_string_value(json_object_get(row, "off"));
	char list[200];
	int has = 0;
	for (const char *p = off; p && *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == strlen(category) && !strncmp(p, category, len))
			has = 1;
		p = e ? e + 1 : NULL;
	}
	snprintf(list, sizeof(list), "%s%s%s", off && *off ? off : "", off && *off ? "," : "",
		 category);
	accord_status st = has ? ACCORD_OK
			       : accord_exec(api, txn,
					     "INSERT INTO notify_prefs(login, off, updated_at)"
					     " VALUES(?,?,?) ON CONFLICT(login) DO UPDATE SET"
					     " off=excluded.off, updated_at=excluded.updated_at",
					     json_pack("[s,s,I]", login, list, (json_int_t)j->now_ms),
					     NULL);
	json_decref(row);
	return st;
}

static accord_status off_after(accord_job *j, json_t **out)
{
	(void)out;
	page(j->http, 200, "Done: you will no longer receive messages of this kind by e-mail.",
	     "Готово: вы больше не будете получать такие сообщения по электронной почте.");
	accord_job_answered(j);
	return ACCORD_OK;
}

static void h_link(accord_plugin_ctx *p, accord_http *h, const accord_principal *who, void *ud)
{
	(void)ud;
	json_t *d = accord_http_args(api, h, link_args);
	char why[ACCORD_ARGS_MSG];
	if (!d || accord_args_check(link_args, d, 1, why, sizeof(why))) {
		json_decref(d);
		page(h, 404, "This link is not valid.", "Эта ссылка недействительна.");
		return;
	}
	const char *login = json_string_value(json_object_get(d, "u"));
	const char *category = json_string_value(json_object_get(d, "c"));
	long long expires = (long long)json_integer_value(json_object_get(d, "x"));
	char mac[65];
	if (key_loaded)
		mac_hex(login, category, expires, mac);
	if (!key_loaded || sodium_memcmp(mac, json_string_value(json_object_get(d, "s")), 64) != 0) {
		json_decref(d);
		page(h, 404, "This link is not valid.", "Эта ссылка недействительна.");
		return;
	}
	if (expires * 1000 < api->now_ms()) {
		json_decref(d);
		page(h, 410, "This link has expired: change your notifications on the settings page.",
		     "Срок действия ссылки истёк: измените уведомления на странице настроек.");
		return;
	}
	accord_job *j = accord_job_new_http(api, p, h, who, d, off_work, off_after, 0);
	if (j)
		accord_job_submit(j);
}

/* ---------------- notify.prefs.get / set ---------------- */

static json_t *prefs_view(const json_t *row)
{
	const char *off = json_string_value(json_object_get(row, "off"));
	const char *digest = json_string_value(json_object_get(row, "digest"));
	const char *email = json_string_value(json_object_get(row, "email"));
	const char *lang = json_string_value(json_object_get(row, "lang"));
	json_t *cats = json_object();
	for (const char *const *c = CATEGORIES; *c; c++)
		json_object_set_new(cats, *c,
				    json_string(outbox__csv_has(off, *c)      ? "off"
						: outbox__csv_has(digest, *c) ? "digest"
									      : "immediate"));
	return json_pack("{s:s?,s:s,s:o}", "email", email && *email ? email : NULL, "lang",
			 mime_lang(lang ? lang : notify__cfg.default_lang), "categories", cats);
}

static accord_status get_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *row = NULL;
	if (prefs__read(txn, j->actor, &row) < 0)
		return ACCORD_E_INTERNAL;
	*out = prefs_view(row);
	json_decref(row);
	return *out ? ACCORD_OK : ACCORD_E_INTERNAL;
}

static void h_get(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)d;
	(void)ud;
	accord_job_run(api, p, req, json_object(), get_work, NULL);
}

static const char *email_check(const json_t *v)
{
	const char *s = json_string_value(v);
	return !*s || mime_address_ok(s) ? NULL : "an e-mail address, e.g. name@example.org";
}

static const accord_arg set_args[] = {{.name = "email",
				       .type = ACCORD_ARG_STRING,
				       .flags = ACCORD_ARG_NULL_OK,
				       .max = 254,
				       .check = email_check},
				      {.name = "lang", .type = ACCORD_ARG_STRING, .one_of = LANGS},
				      {.name = "categories", .type = ACCORD_ARG_OBJECT},
				      {0}};

static accord_status set_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *row = NULL;
	if (prefs__read(txn, j->actor, &row) < 0)
		return ACCORD_E_INTERNAL;
	json_t *cur = prefs_view(row);
	json_decref(row);
	if (!cur)
		return ACCORD_E_INTERNAL;
	const json_t *email = json_object_get(j->in, "email");
	if (email)
		json_object_set_new(cur, "email", json_deep_copy(email));
	if (json_object_get(j->in, "lang"))
		json_object_set(cur, "lang", json_object_get(j->in, "lang"));
	json_object_update(json_object_get(cur, "categories"), json_object_get(j->in, "categories"));
	char off[200] = "", digest[200] = "";
	const char *c;
	json_t *v;
	json_object_foreach(json_object_get(cur, "categories"), c, v) {
		char *list = !strcmp(json_string_value(v), "off")      ? off
			     : !strcmp(json_string_value(v), "digest") ? digest
								       : NULL;
		if (list)
			snprintf(list + strlen(list), sizeof(off) - strlen(list), "%s%s",
				 *list ? "," : "", c);
	}
	const char *em = json_string_value(json_object_get(cur, "email"));
	accord_status st = accord_exec(
		api, txn,
		"INSERT INTO notify_prefs(login, email, lang, off, digest, updated_at)"
		" VALUES(?,?,?,?,?,?) ON CONFLICT(login) DO UPDATE SET email=excluded.email,"
		" lang=excluded.lang, off=excluded.off, digest=excluded.digest,"
		" updated_at=excluded.updated_at",
		json_pack("[s,s?,s,s,s,I]", j->actor, em && *em ? em : NULL,
			  json_string_value(json_object_get(cur, "lang")), off, digest,
			  (json_int_t)j->now_ms),
		NULL);
	if (st == ACCORD_OK && em && !*em)
		json_object_set_new(cur, "email", json_null());
	*out = cur;
	return st;
}

static void h_set(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)ud;
	const char *c;
	json_t *v;
	json_object_foreach((json_t *)json_object_get(d, "categories"), c, v) {
		int known = 0, mode = 0;
		for (const char *const *k = CATEGORIES; *k; k++)
			known |= !strcmp(*k, c);
		for (const char *const *m = MODES; json_is_string(v) && *m; m++)
			mode |= !strcmp(*m, json_string_value(v));
		char msg[160];
		if (!known || !mode) {
			snprintf(msg, sizeof(msg), "categories.%.40s: %s", c,
				 !known ? "unknown category (proposal_opened, reminder, outcome,"
					  " release, action_assigned, action_overdue)"
					: "expected one of immediate, digest, off");
			api->reply_error(req, ACCORD_E_BAD_REQUEST, msg);
			return;
		}
	}
	json_t *in = accord_args_in(api, req, set_args, d);
	if (in)
		accord_job_run(api, p, req, in, set_work, NULL);
}

/* ---------------- the outbox, for the secretariat ---------------- */

static int secretariat(accord_req *req, const json_t *d)
{
	(void)d;
	const accord_principal *w = api->req_principal(req);
	if (api->principal_has_role(w, "secretariat") || api->principal_has_role(w, "co_chair"))
		return 1;
	api->reply_error(req, ACCORD_E_FORBIDDEN, "only the secretariat and the co-chairs");
	return 0;
}

static const char *const STATUSES[] = {"queued",     "sending", "sent",     "dead",
				       "suppressed", "digest",  "digested", NULL};
static const accord_arg list_args[] = {
	{.name = "status", .type = ACCORD_ARG_STRING, .one_of = STATUSES},
	{.name = "limit", .type = ACCORD_ARG_INT, .min = 1, .max = 500},
	{0}};

static accord_status list_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const char *status = json_string_value(json_object_get(j->in, "status"));
	const json_t *limit = json_object_get(j->in, "limit");
	json_t *rows = NULL;
	accord_status st = accord_exec(
		api, txn,
		"SELECT id, category, item, org, login, address, status, attempts, created_at, next_at,"
		" give_up_at, last_try_at, sent_at, last_error, message_id FROM notify_outbox"
		" WHERE (? = '' OR status = ?) ORDER BY id DESC LIMIT ?",
		json_pack("[s,s,I]", status ? status : "", status ? status : "",
			  (json_int_t)(limit ? json_integer_value(limit) : 100)),
		&rows);
	if (st == ACCORD_OK)
		*out = json_pack("{s:o}", "messages", rows);
	return st;
}

static void h_list(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)ud;
	json_t *in = accord_args_in(api, req, list_args, d);
	if (in)
		accord_job_run(api, p, req, in, list_work, NULL);
}

static accord_status stats_work(accord_txn *txn, accord_job *j, json_t **out)
{
	(void)j;
	json_t *rows = NULL, *oldest = NULL;
	accord_status st = accord_exec(
		api, txn, "SELECT status, count(*) AS n FROM notify_outbox GROUP BY status", NULL,
		&rows);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "SELECT min(created_at) AS oldest FROM notify_outbox"
				 " WHERE status IN ('queued', 'sending')",
				 NULL, &oldest);
	if (st == ACCORD_OK) {
		*out = json_object();
		for (const char *const *s = STATUSES; *s; s++)
			json_object_set_new(*out, *s, json_integer(0));
		size_t i;
		json_t *r;
		json_array_foreach(rows, i, r)
			json_object_set(*out, json_string_value(json_object_get(r, "status")),
					json_object_get(r, "n"));
		json_t *o = json_object_get(json_array_get(oldest, 0), "oldest");
		json_object_set_new(*out, "oldest_queued_at",
				    json_is_integer(o) ? json_incref(o) : json_null());
	}
	json_decref(rows);
	json_decref(oldest);
	return st;
}

static void h_stats(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)d;
	(void)ud;
	accord_job_run(api, p, req, json_object(), stats_work, NULL);
}

static const accord_arg retry_args[] = {
	{.name = "id", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{0}};

static accord_status retry_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *rows = NULL;
	const json_t *id = json_object_get(j->in, "id");
	accord_status st = accord_exec(api, txn, "SELECT status FROM notify_outbox WHERE id=?",
				       json_pack("[O]", id), &rows);
	const char *status = json_string_value(json_object_get(json_array_get(rows, 0), "status"));
	int dead = status && !strcmp(status, "dead");
	int found = status != NULL;
	json_decref(rows);
	if (st != ACCORD_OK)
		return st;
	if (!found)
		return accord_job_fail(out, ACCORD_E_NOT_FOUND, "no such message");
	if (!dead)
		return accord_job_fail(out, ACCORD_E_CONFLICT,
				       "only a message that was given up (dead) can be retried");
	st = accord_exec(api, txn,
			 "UPDATE notify_outbox SET status='queued', next_at=?, give_up_at=? WHERE id=?",
			 json_pack("[I,I,O]", (json_int_t)j->now_ms,
				   (json_int_t)(j->now_ms + notify__cfg.dead_after_ms), id),
			 NULL);
	if (st == ACCORD_OK)
		*out = json_pack("{s:O,s:s}", "id", id, "status", "queued");
	return st;
}

static void h_retry(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)ud;
	json_t *in = accord_args_in(api, req, retry_args, d);
	if (in)
		accord_job_run(api, p, req, in, retry_work, NULL);
}

#define P ACCORD_REQ_PARTNER
static accord_handler handlers[] = {
	{.verb = "notify.prefs.get", .fn = h_get, .flags = P},
	{.verb = "notify.prefs.set", .fn = h_set, .flags = P, .args = set_args, .strict = 1},
	{.verb = "notify.outbox.list", .fn = h_list, .args = list_args, .allow = secretariat},
	{.verb = "notify.outbox.stats", .fn = h_stats, .allow = secretariat},
	{.verb = "notify.outbox.retry", .fn = h_retry, .args = retry_args, .allow = secretariat},
	{0}};
#undef P

int prefs__init(accord_plugin_ctx *p)
{
	if (sodium_init() < 0 || accord_handle_all(api, p, handlers) ||
	    api->http_route_partner(p, "pref", h_link, NULL))
		return -1;
	unsigned char fresh[crypto_auth_hmacsha256_KEYBYTES];
	char *hex = malloc(sizeof(fresh) * 2 + 1);
	if (!hex)
		return -1;
	randombytes_buf(fresh, sizeof(fresh));
	sodium_bin2hex(hex, sizeof(fresh) * 2 + 1, fresh, sizeof(fresh));
	sodium_memzero(fresh, sizeof(fresh));
	if (api->db_run(p, key_work, key_done, hex)) /* the CLI: no loop, no links */
		free(hex);
	return 0;
}
