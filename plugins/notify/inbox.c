/*
 * The in-app inbox: the same notices as the e-mail, one row per person in
 * notify_inbox, written by outbox.c in the caller's transaction (whatever
 * the person's e-mail preference or address).  notify.inbox.list shows a
 * person their own, each checked with the core's rule when it is read (a
 * partner sees an entry only while its item is released to it) and worded
 * in the language asked for; notify.inbox.read marks entries read.  The
 * unread count is pushed live on the person's topic "inbox:<login>"
 * (notify.inbox events), so every device of theirs sees a new entry and a
 * read one at once.
 */
#include "notify.h"

#include <stdatomic.h>

static atomic_int inbox_kick;
static int64_t published; /* the last entry announced */
static int announcing;

void inbox__kick(void) { atomic_store(&inbox_kick, 1); }

accord_status inbox__add(accord_txn *txn, const char *login, const char *org, int partner,
			 const char *category, const char *item, const json_t *params)
{
	char *ptxt = json_dumps(params, JSON_COMPACT);
	if (!ptxt)
		return ACCORD_E_INTERNAL;
	api->txn_enter(txn, self);
	accord_status st = accord_exec(
		api, txn,
		"INSERT INTO notify_inbox(login, org, partner, category, item, params, created_at)"
		" VALUES(?,?,?,?,?,?,?)",
		json_pack("[s,s,i,s,s?,s,I]", login, org, partner, category, item, ptxt,
			  (json_int_t)api->now_ms()),
		NULL);
	api->txn_leave(txn);
	free(ptxt);
	if (st == ACCORD_OK)
		inbox__kick();
	return st;
}

/* An entry as its reader sees it, or NULL when they may not see it now. */
static json_t *entry_view(const json_t *r, const char *lang)
{
	const char *category = json_string_value(json_object_get(r, "category"));
	const char *item = json_string_value(json_object_get(r, "item"));
	const char *org = json_string_value(json_object_get(r, "org"));
	int partner = json_integer_value(json_object_get(r, "partner")) != 0;
	if ((item && !api->item_visible_to(org, partner, item)) || (partner && !item))
		return NULL;
	json_t *params = json_loads(json_string_value(json_object_get(r, "params")), 0, NULL);
	if (params && !json_object_get(params, "network"))
		json_object_set_new(params, "network", json_string(notify__cfg.network_name));
	mime_texts t;
	json_t *v = NULL;
	if (params && !mime_render(category, lang, params, NULL, NULL, &t)) {
		char *link = pump__item_link(category, item, NULL,
					     json_string_value(json_object_get(params, "_link")), 0);
		v = json_pack("{s:O,s:s,s:s?,s:s,s:s?,s:O,s:b}", "id", json_object_get(r, "id"),
			      "category", category, "item", item, "subject", t.subject, "link",
			      link, "created_at", json_object_get(r, "created_at"), "read",
			      json_is_integer(json_object_get(r, "read_at")));
		free(link);
		mime_texts_free(&t);
	}
	json_decref(params);
	return v;
}

/* The unread entries' rows of a login (for the count: a partner's are
 * filtered on the loop). */
static accord_status unread_rows(accord_txn *txn, const char *login, json_t **rows)
{
	return accord_exec(api, txn,
			   "SELECT id, category, item, org, partner FROM notify_inbox"
			   " WHERE login=? AND read_at IS NULL ORDER BY id DESC LIMIT 1000",
			   json_pack("[s]", login), rows);
}

static int unread_count(const json_t *rows)
{
	int n = 0;
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		const char *item = json_string_value(json_object_get(r, "item"));
		int partner = json_integer_value(json_object_get(r, "partner")) != 0;
		if (item ? api->item_visible_to(json_string_value(json_object_get(r, "org")),
						partner, item)
			 : !partner)
			n++;
	}
	return n;
}

static void topic_of(const char *login, char *buf, size_t n)
{
	snprintf(buf, n, "inbox:%s", login);
}

/* Tells login's devices (data taken). */
static void announce_to(const char *login, const char *org, const char *event, json_t *data)
{
	char topic[96];
	topic_of(login, topic, sizeof(topic));
	accord_audience *a = api->audience_new();
	api->audience_add_org(a, org); /* the topic check admits only login */
	api->publish(self, topic, event, data, a);
	api->audience_free(a);
}

/* ---------------- notify.inbox.list ---------------- */

static const char *const LANGS[] = {"en", "ru", "kk", NULL};
static const accord_arg list_args[] = {{.name = "lang", .type = ACCORD_ARG_STRING, .one_of = LANGS},
				       {.name = "limit", .type = ACCORD_ARG_INT, .min = 1, .max = 200},
				       {.name = "before", .type = ACCORD_ARG_ID},
				       {0}};

static accord_status list_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *limit = json_object_get(j->in, "limit");
	const json_t *before = json_object_get(j->in, "before");
	json_t *rows = NULL, *unread = NULL;
	accord_status st = accord_exec(
		api, txn,
		"SELECT id, category, item, org, partner, params, created_at, read_at FROM notify_inbox"
		" WHERE login=? AND id < ? ORDER BY id DESC LIMIT ?",
		json_pack("[s,I,I]", j->actor,
			  (json_int_t)(before ? json_integer_value(before) : INT64_MAX),
			  (json_int_t)(limit ? json_integer_value(limit) : 50)),
		&rows);
	if (st == ACCORD_OK)
		st = unread_rows(txn, j->actor, &unread);
	if (st == ACCORD_OK)
		*out = json_pack("{s:o,s:o}", "rows", rows, "unread_rows", unread);
	else {
		json_decref(rows);
		json_decref(unread);
	}
	return st;
}

static accord_status list_after(accord_job *j, json_t **out)
{
	const char *lang = json_string_value(json_object_get(j->in, "lang"));
	json_t *msgs = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(*out, "rows"), i, r) {
		json_t *v = entry_view(r, lang);
		if (v)
			json_array_append_new(msgs, v);
	}
	int unread = unread_count(json_object_get(*out, "unread_rows"));
	accord_replace(*out, json_pack("{s:o,s:i}", "messages", msgs, "unread", unread));
	return ACCORD_OK;
}

static void h_list(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)ud;
	json_t *in = accord_args_in(api, req, list_args, d);
	if (in)
		accord_job_run(api, p, req, in, list_work, list_after);
}

/* ---------------- notify.inbox.read ---------------- */

static const accord_arg id_arg = {.name = "id", .type = ACCORD_ARG_ID};
static const accord_arg read_args[] = {
	{.name = "ids", .type = ACCORD_ARG_ARRAY, .max = 200, .each = &id_arg},
	{.name = "all", .type = ACCORD_ARG_BOOL},
	{0}};

static accord_status read_work(accord_txn *txn, accord_job *j, json_t **out)
{
	accord_status st = ACCORD_OK;
	if (json_is_true(json_object_get(j->in, "all")))
		st = accord_exec(api, txn,
				 "UPDATE notify_inbox SET read_at=? WHERE login=? AND read_at IS NULL",
				 json_pack("[I,s]", (json_int_t)j->now_ms, j->actor), NULL);
	size_t i;
	json_t *id;
	json_array_foreach(json_object_get(j->in, "ids"), i, id) {
		if (st != ACCORD_OK)
			break;
		st = accord_exec(api, txn,
				 "UPDATE notify_inbox SET read_at=? WHERE id=? AND login=?"
				 " AND read_at IS NULL",
				 json_pack("[I,O,s]", (json_int_t)j->now_ms, id, j->actor), NULL);
	}
	json_t *unread = NULL;
	if (st == ACCORD_OK)
		st = unread_rows(txn, j->actor, &unread);
	if (st == ACCORD_OK)
		*out = json_pack("{s:o}", "unread_rows", unread);
	return st;
}

static accord_status read_after(accord_job *j, json_t **out)
{
	int unread = unread_count(json_object_get(*out, "unread_rows"));
	const json_t *ids = json_object_get(j->in, "ids");
	json_t *read = json_is_true(json_object_get(j->in, "all")) ? json_string("all")
		       : ids                                       ? json_deep_copy(ids)
								   : json_array();
	announce_to(j->actor, j->org, "notify.inbox.read",
		    json_pack("{s:i,s:O}", "unread", unread, "read", read));
	accord_replace(*out, json_pack("{s:i,s:o}", "unread", unread, "read", read));
	return ACCORD_OK;
}

static void h_read(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)ud;
	json_t *in = accord_args_in(api, req, read_args, d);
	if (in)
		accord_job_run(api, p, req, in, read_work, read_after);
}

/* ---------------- the topic, and new entries announced ---------------- */

static accord_status check_topic(accord_plugin_ctx *p, const accord_principal *who,
				 const char *topic, void *ud)
{
	(void)p;
	(void)ud;
	char mine[96];
	topic_of(api->principal_login(who), mine, sizeof(mine));
	return strcmp(topic, mine) ? ACCORD_E_NOT_FOUND : ACCORD_OK;
}

/* The entries committed since the last announcement, with each login's
 * unread rows.  Its done runs after the commit of the transaction it ran
 * in, so everything it read is durable by then. */
static accord_status new_work(accord_txn *txn, void *ud, json_t **out)
{
	(void)ud;
	json_t *rows = NULL;
	accord_status st = accord_exec(api, txn,
				       "SELECT id, login, org, partner, category, item FROM notify_inbox"
				       " WHERE id > ? ORDER BY id LIMIT 500",
				       json_pack("[I]", (json_int_t)published), &rows);
	json_t *unread = json_object();
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		const char *login = json_string_value(json_object_get(r, "login"));
		json_t *u = NULL;
		if (st != ACCORD_OK || json_object_get(unread, login))
			continue;
		st = unread_rows(txn, login, &u);
		if (st == ACCORD_OK)
			json_object_set_new(unread, login, u);
	}
	if (st == ACCORD_OK)
		*out = json_pack("{s:o,s:o}", "rows", rows, "unread", unread);
	else {
		json_decref(rows);
		json_decref(unread);
	}
	return st;
}

static void new_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)p;
	(void)ud;
	announcing = 0;
	if (st != ACCORD_OK) {
		inbox__kick(); /* try again at the next tick */
		json_decref(out);
		return;
	}
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(out, "rows"), i, r) {
		int64_t id = json_integer_value(json_object_get(r, "id"));
		if (id > published)
			published = id;
		const char *item = json_string_value(json_object_get(r, "item"));
		const char *org = json_string_value(json_object_get(r, "org"));
		int partner = json_integer_value(json_object_get(r, "partner")) != 0;
		if ((item && !api->item_visible_to(org, partner, item)) || (partner && !item))
			continue;
		const char *login = json_string_value(json_object_get(r, "login"));
		int unread = unread_count(json_object_get(json_object_get(out, "unread"), login));
		announce_to(login, org, "notify.inbox.new",
			    json_pack("{s:I,s:O,s:i}", "id", (json_int_t)id, "category",
				      json_object_get(r, "category"), "unread", unread));
	}
	if (json_array_size(json_object_get(out, "rows")) == 500)
		inbox__kick();
	json_decref(out);
}

void inbox__tick(void)
{
	if (!announcing && published >= 0 && atomic_exchange(&inbox_kick, 0)) {
		if (!api->db_run(self, new_work, new_done, NULL))
			announcing = 1;
		else
			inbox__kick();
	}
}

/* At start: what is in the inbox already is not announced again. */
static accord_status start_work(accord_txn *txn, void *ud, json_t **out)
{
	(void)ud;
	return accord_exec(api, txn, "SELECT max(id) AS last FROM notify_inbox", NULL, out);
}

static void start_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)p;
	(void)ud;
	if (st == ACCORD_OK)
		published = json_integer_value(
			json_object_get(json_array_get(out, 0), "last")); /* 0 when empty */
	json_decref(out);
}

#define P ACCORD_REQ_PARTNER
static accord_handler handlers[] = {
	{.verb = "notify.inbox.list", .fn = h_list, .flags = P, .args = list_args, .strict = 1},
	{.verb = "notify.inbox.read", .fn = h_read, .flags = P, .args = read_args, .strict = 1},
	{0}};
#undef P

int inbox__init(accord_plugin_ctx *p)
{
	published = -1; /* nothing announced before start_done */
	if (accord_handle_all(api, p, handlers) || api->topic_register(p, "inbox", check_topic, NULL))
		return -1;
	api->db_run(p, start_work, start_done, NULL); /* none in the CLI */
	return 0;
}
