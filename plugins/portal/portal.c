/*
 * The external-stakeholder portal (Terms of Reference: "all information
 * exchanged within the network is for internal use only, unless explicitly
 * stated and agreed otherwise").
 *
 * Nothing is visible to partners until a co-chair or the secretariat
 * releases it: an item that another plugin holds ("proposal:12", "item:7",
 * "org:MOL"...) to every partner or to named partner organisations,
 * optionally on the basis of a proposal that reached consensus.  The
 * release keeps what the owning plugin describes as fit to leave the
 * network (its describe function, through the core), is recorded in an
 * append-only log with who, when, what, to whom and on what basis, and is
 * handed to the core, which then decides per recipient on every read
 * (item_visible) and every event (audience_add_item).  Withdrawing is
 * recorded the same way and takes effect at once: the core stops events
 * already published and their replays too.
 *
 * Partners send input back (comments, documents), which members see marked
 * with the partner's organisation; a partner sees only its own.
 *
 * This plugin is the core's release provider.
 */
#include <accord/plugin.h>
#include <accord/helpers.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const accord_host_api *api;
static accord_plugin_ctx *self;
static int require_basis;            /* config: a release needs an agreed proposal */
static char files_dir[512] = "var/files/portal";
static int loaded;                   /* the release table is in the core */

#define TOPIC "portal"
#define MAX_TO 64
#define MAX_LIST 500

static const accord_migration migrations[] = {
	{1, "CREATE TABLE portal_releases(id INTEGER PRIMARY KEY, item TEXT NOT NULL,"
	    " kind TEXT NOT NULL, audience TEXT NOT NULL, basis INTEGER, note TEXT NOT NULL DEFAULT '',"
	    " content TEXT NOT NULL, released_by TEXT NOT NULL, released_at INTEGER NOT NULL,"
	    " withdrawn_by TEXT, withdrawn_at INTEGER, withdraw_reason TEXT);"
	    "CREATE UNIQUE INDEX portal_releases_active ON portal_releases(item)"
	    " WHERE withdrawn_at IS NULL;"
	    "CREATE TABLE portal_log(id INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL,"
	    " org TEXT NOT NULL, action TEXT NOT NULL CHECK(action IN ('release','withdraw')),"
	    " release_id INTEGER NOT NULL, item TEXT NOT NULL, audience TEXT, basis INTEGER,"
	    " reason TEXT);"
	    "CREATE TRIGGER portal_log_append_only_u BEFORE UPDATE ON portal_log"
	    " BEGIN SELECT RAISE(ABORT, 'portal_log is append-only'); END;"
	    "CREATE TRIGGER portal_log_append_only_d BEFORE DELETE ON portal_log"
	    " BEGIN SELECT RAISE(ABORT, 'portal_log is append-only'); END;"
	    "CREATE TABLE portal_inputs(id INTEGER PRIMARY KEY, at INTEGER NOT NULL,"
	    " author TEXT NOT NULL, org TEXT NOT NULL, release_id INTEGER,"
	    " text TEXT NOT NULL DEFAULT '', file_name TEXT, file_size INTEGER);"},
	{0, NULL}};

static const char *RELEASE_COLS =
	"SELECT id, item, kind, audience, basis, note, content, released_by, released_at,"
	" withdrawn_by, withdrawn_at, withdraw_reason FROM portal_releases";

/* ---------------- views ---------------- */

/* A stored row made JSON: audience and content back to values. */
static void decode_row(json_t *r)
{
	const char *aud = json_string_value(json_object_get(r, "audience"));
	json_t *a = aud && aud[0] == '[' ? json_loads(aud, 0, NULL) : NULL;
	if (a)
		json_object_set_new(r, "audience", a);
	const char *c = json_string_value(json_object_get(r, "content"));
	json_t *cj = c ? json_loads(c, 0, NULL) : NULL;
	json_object_set_new(r, "content", cj ? cj : json_object());
}

/* What a partner sees of a release: the item as released, nothing about
 * who released it or to whom else. */
static json_t *partner_view(const json_t *r)
{
	return json_pack("{s:O,s:O,s:O,s:O,s:O}", "id", json_object_get(r, "id"), "item",
			 json_object_get(r, "item"), "kind", json_object_get(r, "kind"), "content",
			 json_object_get(r, "content"), "released_at", json_object_get(r, "released_at"));
}

static int chair_or_secretariat(const accord_principal *w)
{
	return w && !api->principal_is_partner(w) &&
	       (api->principal_has_role(w, "co_chair") || api->principal_has_role(w, "secretariat"));
}

/* The audience of a release for partner-facing events: the item itself
 * (the core looks the release up at each delivery). */
static void publish_partner(const char *event, json_t *data, const char *item)
{
	accord_audience *a = api->audience_new();
	api->audience_add_item(a, item);
	api->publish(self, TOPIC, event, data, a);
	api->audience_free(a);
}

/* A withdrawal is told to the partners who had the item (decided from the
 * old audience: after the withdrawal the item admits nobody). */
static void publish_withdrawn_to(const json_t *audience, json_t *data)
{
	accord_audience *a = api->audience_new();
	if (json_is_string(audience))
		api->audience_add_partners(a);
	size_t i;
	json_t *o;
	json_array_foreach(audience, i, o)
		api->audience_add_org(a, json_string_value(o));
	api->publish(self, TOPIC, "portal.withdrawn", data, a);
	api->audience_free(a);
}

static void publish_members(const char *event, json_t *data)
{
	accord_audience *a = api->audience_new();
	api->audience_members_only(a);
	api->publish(self, TOPIC, event, data, a);
	api->audience_free(a);
}

/* ---------------- argument checks (on the loop) ---------------- */

static int item_ok(const char *s)
{
	const char *colon = s ? strchr(s, ':') : NULL;
	if (!colon || colon == s || !colon[1] || strlen(s) > 100)
		return 0;
	for (const char *p = s; p < colon; p++)
		if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
			return 0;
	return 1;
}

static const char *item_arg(accord_req *req, const json_t *d)
{
	const char *s = json_string_value(json_object_get(d, "item"));
	if (!item_ok(s)) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST,
				 "item: required \"<kind>:<id>\", e.g. \"proposal:12\"");
		return NULL;
	}
	return s;
}

static int64_t id_arg(accord_req *req, const json_t *d, const char *key)
{
	const json_t *v = json_object_get(d, key);
	if (!json_is_integer(v) || json_integer_value(v) <= 0) {
		char msg[80];
		snprintf(msg, sizeof(msg), "%s: required positive integer", key);
		api->reply_error(req, ACCORD_E_BAD_REQUEST, msg);
		return 0;
	}
	return json_integer_value(v);
}

/* ---------------- release ---------------- */

static accord_status log_action(accord_txn *txn, accord_job *j, const char *action, int64_t rel,
				const char *item, const char *audience, const json_t *basis,
				const char *reason)
{
	return accord_exec(api, txn,
			   "INSERT INTO portal_log(at, actor, org, action, release_id, item, audience,"
			   " basis, reason) VALUES(?,?,?,?,?,?,?,?,?)",
			   json_pack("[I,s,s,s,I,s,s?,O,s?]", (json_int_t)j->now_ms, j->actor, j->org,
				     action, (json_int_t)rel, item, audience, basis ? basis : json_null(),
				     reason),
			   NULL);
}

static accord_status load_release(accord_txn *txn, const char *where, json_t *params, json_t **row)
{
	char sql[400];
	snprintf(sql, sizeof(sql), "%s WHERE %s", RELEASE_COLS, where);
	json_t *rows = NULL;
	accord_status st = accord_exec(api, txn, sql, params, &rows);
	*row = NULL;
	if (st == ACCORD_OK && json_array_size(rows) == 1) {
		*row = json_incref(json_array_get(rows, 0));
		decode_row(*row);
	}
	json_decref(rows);
	return st;
}

static accord_status release_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const char *item = json_string_value(json_object_get(j->in, "item"));
	const json_t *to = json_object_get(j->in, "to");
	const json_t *basis = json_object_get(j->in, "basis");
	const char *note = json_string_value(json_object_get(j->in, "note"));
	char kind[40];
	snprintf(kind, sizeof(kind), "%.*s", (int)(strchr(item, ':') - item), item);

	/* Named recipients must be partner organisations. */
	size_t i;
	json_t *o;
	json_array_foreach(to, i, o) {
		json_t *org = NULL;
		accord_status st = api->item_describe(txn, "org", json_string_value(o), &org);
		int partner = st == ACCORD_OK &&
			      json_is_string(json_object_get(org, "standing")) &&
			      !strcmp(json_string_value(json_object_get(org, "standing")), "partner") &&
			      json_is_true(json_object_get(org, "active"));
		json_decref(org);
		if (!partner) {
			char msg[120];
			snprintf(msg, sizeof(msg), "to: %s is not an active partner organisation",
				 json_string_value(o));
			return accord_job_fail(out, ACCORD_E_BAD_REQUEST, msg);
		}
	}
	if (basis) {
		json_t *p = NULL;
		char id[24];
		snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(basis));
		accord_status st = api->item_describe(txn, "proposal", id, &p);
		const char *outcome = json_string_value(json_object_get(p, "outcome"));
		int agreed = st == ACCORD_OK && outcome && !strcmp(outcome, "consensus");
		json_decref(p);
		if (st == ACCORD_E_NOT_FOUND || st == ACCORD_E_BAD_REQUEST)
			return accord_job_fail(out, ACCORD_E_BAD_REQUEST, "basis: no such proposal");
		if (st != ACCORD_OK)
			return accord_job_fail(out, st, "basis: could not be read");
		if (!agreed)
			return accord_job_fail(out, ACCORD_E_CONFLICT,
					       "basis: that proposal has not reached consensus");
	}
	json_t *content = NULL;
	accord_status st = api->item_describe(txn, kind, strchr(item, ':') + 1, &content);
	if (st == ACCORD_E_BAD_REQUEST)
		return accord_job_fail(out, st, "item: no plugin holds items of that kind");
	if (st == ACCORD_E_NOT_FOUND)
		return accord_job_fail(out, st, "no such item");
	if (st != ACCORD_OK)
		return accord_job_fail(out, st, "the item could not be read");
	/* A proposal that did not reach consensus leaves only when the person
	 * releasing it says so, and the release says so to its readers. */
	if (!strcmp(kind, "proposal")) {
		const char *outcome = json_string_value(json_object_get(content, "outcome"));
		if (!outcome || strcmp(outcome, "consensus")) {
			if (!json_is_true(json_object_get(j->in, "confirm_no_consensus"))) {
				json_decref(content);
				return accord_job_fail(
					out, ACCORD_E_CONFLICT,
					"this proposal did not reach consensus: release it with"
					" confirm_no_consensus: true, and it is marked so");
			}
			json_object_set_new(content, "without_consensus", json_true());
		}
	}

	/* A new release of an item supersedes the one in force. */
	json_t *old = NULL;
	st = load_release(txn, "item=? AND withdrawn_at IS NULL", json_pack("[s]", item), &old);
	if (st == ACCORD_OK && old) {
		st = accord_exec(api, txn,
				 "UPDATE portal_releases SET withdrawn_by=?, withdrawn_at=?,"
				 " withdraw_reason='superseded' WHERE id=?",
				 json_pack("[s,I,O]", j->actor, (json_int_t)j->now_ms, json_object_get(old, "id")),
				 NULL);
		if (st == ACCORD_OK)
			st = log_action(txn, j, "withdraw", json_integer_value(json_object_get(old, "id")),
					item, NULL, NULL, "superseded");
	}
	char *aud = json_dumps(to, JSON_COMPACT | JSON_ENCODE_ANY);
	char *cont = json_dumps(content, JSON_COMPACT);
	json_decref(content);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "INSERT INTO portal_releases(item, kind, audience, basis, note, content,"
				 " released_by, released_at) VALUES(?,?,?,?,?,?,?,?)",
				 json_pack("[s,s,s,O,s,s,s,I]", item, kind,
					   json_is_string(to) ? "partners" : aud,
					   basis ? basis : json_null(), note ? note : "", cont, j->actor,
					   (json_int_t)j->now_ms),
				 NULL);
	int64_t rel = st == ACCORD_OK ? api->txn_last_id(txn) : 0;
	if (st == ACCORD_OK)
		st = log_action(txn, j, "release", rel, item,
				json_is_string(to) ? "partners" : aud, basis, note);
	free(aud);
	free(cont);
	json_t *row = NULL;
	if (st == ACCORD_OK)
		st = load_release(txn, "id=?", json_pack("[I]", (json_int_t)rel), &row);
	if (st != ACCORD_OK || !row) {
		json_decref(old);
		json_decref(row);
		return accord_job_fail(out, ACCORD_E_INTERNAL, "could not record the release");
	}
	*out = json_pack("{s:o,s:o}", "release", row, "superseded", old ? old : json_null());
	return ACCORD_OK;
}

static accord_status release_after(accord_job *j, json_t **outp)
{
	json_t *out = *outp;
	(void)j;
	json_t *row = json_object_get(out, "release");
	json_t *old = json_object_get(out, "superseded");
	const char *item = json_string_value(json_object_get(row, "item"));
	/* The core first, then the events: the partner view goes out with the
	 * item as its audience, so exactly its recipients get it. */
	api->release_set(self, item, json_object_get(row, "audience"));
	if (json_is_object(old))
		publish_withdrawn_to(json_object_get(old, "audience"),
				     json_pack("{s:O,s:s}", "id", json_object_get(old, "id"), "item", item));
	publish_partner("portal.released", partner_view(row), item);
	publish_members("portal.release", json_pack("{s:O}", "release", row));
	json_object_del(out, "superseded");
	api->counter_add(self, "releases", 1);
	return ACCORD_OK;
}

static void h_release(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)ud;
	if (!chair_or_secretariat(api->req_principal(req))) {
		api->reply_error(req, ACCORD_E_FORBIDDEN, "only co-chairs and the secretariat release items");
		return;
	}
	const char *item = item_arg(req, d);
	if (!item)
		return;
	const json_t *to = json_object_get(d, "to");
	int ok = json_is_string(to) && !strcmp(json_string_value(to), "partners");
	if (json_is_array(to) && json_array_size(to) >= 1 && json_array_size(to) <= MAX_TO) {
		ok = 1;
		for (size_t i = 0; i < json_array_size(to) && ok; i++) {
			const char *o = json_string_value(json_array_get(to, i));
			ok = o && *o && strlen(o) <= 16;
			for (size_t k = 0; ok && k < i; k++)
				ok = strcmp(o, json_string_value(json_array_get(to, k))) != 0;
		}
	}
	if (!ok) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST,
				 "to: \"partners\" or a list of 1-64 distinct partner organisation codes");
		return;
	}
	const json_t *basis = json_object_get(d, "basis");
	if (basis && !json_is_null(basis) && !id_arg(req, d, "basis"))
		return;
	if ((!basis || json_is_null(basis)) && require_basis) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST,
				 "basis: this network releases only on the basis of a proposal that reached consensus");
		return;
	}
	const json_t *note = json_object_get(d, "note");
	if (note && (!json_is_string(note) || json_string_length(note) > 2000)) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "note: optional text of at most 2000 bytes");
		return;
	}
	const json_t *confirm = json_object_get(d, "confirm_no_consensus");
	if (confirm && !json_is_boolean(confirm)) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "confirm_no_consensus: optional boolean");
		return;
	}
	json_t *in = json_pack("{s:s,s:O,s:b}", "item", item, "to", to, "confirm_no_consensus",
			       json_is_true(confirm));
	if (basis && !json_is_null(basis))
		json_object_set_new(in, "basis", json_deep_copy(basis));
	if (note)
		json_object_set_new(in, "note", json_deep_copy(note));
	accord_job_run(api, p, req, in, release_work, release_after);
}

/* ---------------- withdraw ---------------- */

static accord_status withdraw_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *row = NULL;
	accord_status st = load_release(txn, "id=?", json_pack("[O]", json_object_get(j->in, "id")), &row);
	if (st != ACCORD_OK)
		return accord_job_fail(out, st, "could not read the release");
	if (!row)
		return accord_job_fail(out, ACCORD_E_NOT_FOUND, "no such release");
	if (!json_is_null(json_object_get(row, "withdrawn_at"))) {
		json_decref(row);
		return accord_job_fail(out, ACCORD_E_CONFLICT, "that release was already withdrawn");
	}
	const char *reason = json_string_value(json_object_get(j->in, "reason"));
	st = accord_exec(api, txn,
			 "UPDATE portal_releases SET withdrawn_by=?, withdrawn_at=?, withdraw_reason=?"
			 " WHERE id=?",
			 json_pack("[s,I,s,O]", j->actor, (json_int_t)j->now_ms, reason ? reason : "",
				   json_object_get(row, "id")),
			 NULL);
	if (st == ACCORD_OK)
		st = log_action(txn, j, "withdraw", json_integer_value(json_object_get(row, "id")),
				json_string_value(json_object_get(row, "item")), NULL, NULL,
				reason ? reason : "");
	json_decref(row);
	if (st == ACCORD_OK)
		st = load_release(txn, "id=?", json_pack("[O]", json_object_get(j->in, "id")), &row);
	if (st != ACCORD_OK || !row)
		return accord_job_fail(out, ACCORD_E_INTERNAL, "could not record the withdrawal");
	*out = json_pack("{s:o}", "release", row);
	return ACCORD_OK;
}

static accord_status withdraw_after(accord_job *j, json_t **outp)
{
	json_t *out = *outp;
	(void)j;
	json_t *row = json_object_get(out, "release");
	const char *item = json_string_value(json_object_get(row, "item"));
	api->release_set(self, item, NULL);
	publish_withdrawn_to(json_object_get(row, "audience"),
			     json_pack("{s:O,s:s}", "id", json_object_get(row, "id"), "item", item));
	publish_members("portal.release", json_pack("{s:O}", "release", row));
	api->counter_add(self, "withdrawals", 1);
	return ACCORD_OK;
}

static void h_withdraw(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)ud;
	if (!chair_or_secretariat(api->req_principal(req))) {
		api->reply_error(req, ACCORD_E_FORBIDDEN,
				 "only co-chairs and the secretariat withdraw releases");
		return;
	}
	int64_t id = id_arg(req, d, "release");
	if (!id)
		return;
	const json_t *reason = json_object_get(d, "reason");
	if (reason && (!json_is_string(reason) || json_string_length(reason) > 2000)) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "reason: optional text of at most 2000 bytes");
		return;
	}
	json_t *in = json_pack("{s:I}", "id", (json_int_t)id);
	if (reason)
		json_object_set_new(in, "reason", json_deep_copy(reason));
	accord_job_run(api, p, req, in, withdraw_work, withdraw_after);
}

/* ---------------- reads ---------------- */

static accord_status list_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const char *item = json_string_value(json_object_get(j->in, "item"));
	int all = json_is_true(json_object_get(j->in, "include_withdrawn"));
	char sql[500];
	snprintf(sql, sizeof(sql), "%s WHERE (? OR withdrawn_at IS NULL) AND (? IS NULL OR item=?)"
		 " ORDER BY id DESC LIMIT %d", RELEASE_COLS, MAX_LIST);
	json_t *rows = NULL;
	accord_status st = accord_exec(api, txn, sql, json_pack("[b,s?,s?]", all, item, item), &rows);
	if (st != ACCORD_OK)
		return accord_job_fail(out, st, "could not read releases");
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
		decode_row(r);
	*out = json_pack("{s:o}", "releases", rows);
	return ACCORD_OK;
}

/* Partners: the core decides, per release, whether this partner may see it. */
static accord_status feed_after(accord_job *j, json_t **outp)
{
	json_t *out = *outp;
	if (!j->partner)
		return ACCORD_OK;
	const accord_principal *w = api->req_principal(j->req);
	json_t *rows = json_object_get(out, "releases");
	json_t *feed = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
		if (api->item_visible(w, json_string_value(json_object_get(r, "item"))))
			json_array_append_new(feed, partner_view(r));
	json_object_set_new(out, "releases", feed);
	return ACCORD_OK;
}

static void h_releases(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)ud;
	const json_t *item = json_object_get(d, "item");
	if (item && !item_arg(req, d))
		return;
	const json_t *iw = json_object_get(d, "include_withdrawn");
	if (iw && !json_is_boolean(iw)) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "include_withdrawn: optional boolean");
		return;
	}
	accord_job_run(api, p, req, json_pack("{s:O?,s:b}", "item", item, "include_withdrawn", json_is_true(iw)),
		       list_work, NULL);
}

static void h_feed(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)d;
	(void)ud;
	if (!loaded) {
		api->reply_error(req, ACCORD_E_UNAVAILABLE, "the portal is starting, try again");
		return;
	}
	accord_job_run(api, p, req, NULL, list_work, feed_after);
}

static accord_status item_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *row = NULL;
	const json_t *id = json_object_get(j->in, "release");
	accord_status st = id ? load_release(txn, "id=? AND withdrawn_at IS NULL", json_pack("[O]", id), &row)
			      : load_release(txn, "item=? AND withdrawn_at IS NULL",
					     json_pack("[O]", json_object_get(j->in, "item")), &row);
	if (st != ACCORD_OK)
		return accord_job_fail(out, st, "could not read the release");
	if (!row)
		return accord_job_fail(out, ACCORD_E_NOT_FOUND, "no such item");
	*out = json_pack("{s:o}", "release", row);
	return ACCORD_OK;
}

/* A release a partner may not see answers exactly like a missing one: the
 * core decides, on the loop, after item_work found it. */
static accord_status item_after(accord_job *j, json_t **out)
{
	if (!j->partner)
		return ACCORD_OK;
	json_t *row = json_object_get(*out, "release");
	if (!api->item_visible(api->req_principal(j->req),
			       json_string_value(json_object_get(row, "item"))))
		return accord_job_fail(out, ACCORD_E_NOT_FOUND, "no such item");
	json_object_set_new(*out, "release", partner_view(row));
	return ACCORD_OK;
}

static void h_item(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)ud;
	json_t *in;
	if (json_object_get(d, "release")) {
		int64_t id = id_arg(req, d, "release");
		if (!id)
			return;
		in = json_pack("{s:I}", "release", (json_int_t)id);
	} else {
		const char *item = item_arg(req, d);
		if (!item)
			return;
		in = json_pack("{s:s}", "item", item);
	}
	accord_job_run(api, p, req, in, item_work, item_after);
}

/* ---------------- input from partners ---------------- */

static accord_status input_insert(accord_txn *txn, accord_job *j, const json_t *about,
				  const char *text, const char *file_name, int64_t file_size,
				  int64_t *id)
{
	accord_status st = accord_exec(api, txn,
				       "INSERT INTO portal_inputs(at, author, org, release_id, text, file_name,"
				       " file_size) VALUES(?,?,?,?,?,?,?)",
				       json_pack("[I,s,s,O,s,s?,o]", (json_int_t)j->now_ms, j->actor, j->org,
						 about ? about : json_null(), text, file_name,
						 file_name ? json_integer(file_size) : json_null()),
				       NULL);
	*id = api->txn_last_id(txn);
	return st;
}

static const char *INPUT_COLS =
	"SELECT i.id, i.at, i.author, i.org, i.release_id, r.item AS about, i.text, i.file_name,"
	" i.file_size FROM portal_inputs i LEFT JOIN portal_releases r ON r.id=i.release_id";

static accord_status input_work(accord_txn *txn, accord_job *j, json_t **out)
{
	int64_t id;
	accord_status st = input_insert(txn, j, json_object_get(j->in, "release"),
					json_string_value(json_object_get(j->in, "text")), NULL, 0, &id);
	json_t *rows = NULL;
	char sql[400];
	snprintf(sql, sizeof(sql), "%s WHERE i.id=?", INPUT_COLS);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn, sql, json_pack("[I]", (json_int_t)id), &rows);
	if (st != ACCORD_OK || json_array_size(rows) != 1) {
		json_decref(rows);
		return accord_job_fail(out, ACCORD_E_INTERNAL, "could not record the input");
	}
	*out = json_pack("{s:O}", "input", json_array_get(rows, 0));
	json_decref(rows);
	return ACCORD_OK;
}

static void announce_input(const char *org, json_t *input)
{
	accord_audience *a = api->audience_new();
	api->audience_add_members(a);
	api->audience_add_org(a, org);
	api->publish(self, TOPIC, "portal.input", input, a);
	api->audience_free(a);
}

static accord_status input_after(accord_job *j, json_t **outp)
{
	json_t *out = *outp;
	announce_input(j->org, json_deep_copy(json_object_get(out, "input")));
	api->counter_add(self, "inputs", 1);
	return ACCORD_OK;
}

/* Resolves "about" (an item released to the partner) to the release in
 * force, inside the job, so the input points at what the partner saw. */
static accord_status input_resolve_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *about = json_object_get(j->in, "about");
	if (about) {
		json_t *row = NULL;
		accord_status st = load_release(txn, "item=? AND withdrawn_at IS NULL",
						json_pack("[O]", about), &row);
		if (st != ACCORD_OK || !row) {
			json_decref(row);
			return accord_job_fail(out, ACCORD_E_NOT_FOUND, "no such item");
		}
		json_object_set(j->in, "release", json_object_get(row, "id"));
		json_decref(row);
	}
	return input_work(txn, j, out);
}

/* The item a partner's input is about must be one released to it; the
 * release id is resolved on the loop against the core's table. */
static void h_input(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)ud;
	const accord_principal *w = api->req_principal(req);
	if (!api->principal_is_partner(w)) {
		api->reply_error(req, ACCORD_E_FORBIDDEN,
				 "portal input is for partners; members use the network's own rooms");
		return;
	}
	const json_t *text = json_object_get(d, "text");
	if (!json_is_string(text) || !json_string_length(text) || json_string_length(text) > 8000) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "text: required, 1-8000 bytes");
		return;
	}
	const json_t *about = json_object_get(d, "about");
	if (about && !json_is_null(about)) {
		if (!json_is_string(about) || !item_ok(json_string_value(about))) {
			api->reply_error(req, ACCORD_E_BAD_REQUEST, "about: optional \"<kind>:<id>\" of a released item");
			return;
		}
		if (!api->item_visible(w, json_string_value(about))) {
			api->reply_error(req, ACCORD_E_NOT_FOUND, "no such item");
			return;
		}
	}
	json_t *in = json_pack("{s:O}", "text", text);
	if (about && !json_is_null(about))
		json_object_set_new(in, "about", json_deep_copy(about));
	accord_job_run(api, p, req, in, input_resolve_work, input_after);
}

static accord_status inputs_work(accord_txn *txn, accord_job *j, json_t **out)
{
	char sql[500];
	snprintf(sql, sizeof(sql), "%s WHERE (NOT ? OR i.org=?) ORDER BY i.id DESC LIMIT %d",
		 INPUT_COLS, MAX_LIST);
	json_t *rows = NULL;
	accord_status st = accord_exec(api, txn, sql, json_pack("[b,s]", j->partner, j->org), &rows);
	if (st != ACCORD_OK)
		return accord_job_fail(out, st, "could not read inputs");
	*out = json_pack("{s:o}", "inputs", rows);
	return ACCORD_OK;
}

static void h_inputs(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)d;
	(void)ud;
	accord_job_run(api, p, req, NULL, inputs_work, NULL);
}

/* POST /api/portal/input?name=FILE&about=ITEM&text=T (bearer, partners):
 * a document sent to the network, stored durably on the storage thread
 * before the input commits.  GET /api/portal/input?id=N: the document, to
 * members and to the partner organisation that sent it. */
typedef struct djob {
	accord_job j; /* first: the job's fields for input_insert */
	accord_http *h;
	int get;
	int64_t id;
	char name[201];
	char text[2001];
	char about[101];
	char *data;  /* a download */
	size_t len;
	int body_fd; /* an upload: the body's file, the core's (http_body_fd) */
} djob;


static accord_status doc_work(accord_txn *txn, void *ud, json_t **out)
{
	djob *f = ud;
	char fname[40];
	if (f->get) {
		json_t *rows = NULL;
		accord_status st = accord_exec(api, txn,
					       "SELECT org, file_name FROM portal_inputs WHERE id=? AND"
					       " file_name IS NOT NULL AND (NOT ? OR org=?)",
					       json_pack("[I,b,s]", (json_int_t)f->id, f->j.partner, f->j.org), &rows);
		int found = st == ACCORD_OK && json_array_size(rows) == 1;
		json_decref(rows);
		if (!found)
			return ACCORD_E_NOT_FOUND;
		snprintf(fname, sizeof(fname), "input-%lld", (long long)f->id);
		return accord_read_file(files_dir, fname, &f->data, &f->len) ? ACCORD_E_INTERNAL : ACCORD_OK;
	}
	json_t *rel = NULL;
	if (f->about[0]) {
		json_t *row = NULL;
		accord_status st = load_release(txn, "item=? AND withdrawn_at IS NULL",
						json_pack("[s]", f->about), &row);
		if (st != ACCORD_OK || !row) {
			json_decref(row);
			return ACCORD_E_NOT_FOUND;
		}
		rel = json_incref(json_object_get(row, "id"));
		json_decref(row);
	}
	int64_t id;
	accord_status st = input_insert(txn, &f->j, rel, f->text, f->name, (int64_t)f->len, &id);
	json_decref(rel);
	if (st != ACCORD_OK)
		return st;
	snprintf(fname, sizeof(fname), "input-%lld", (long long)id);
	if (accord_write_file_fd(files_dir, fname, f->body_fd, f->len)) {
		api->log(self, ACCORD_LOG_ERR, "cannot store %s/%s: %s", files_dir, fname, strerror(errno));
		return ACCORD_E_INTERNAL; /* the input row rolls back with the job */
	}
	json_t *rows = NULL;
	char sql[400];
	snprintf(sql, sizeof(sql), "%s WHERE i.id=?", INPUT_COLS);
	st = accord_exec(api, txn, sql, json_pack("[I]", (json_int_t)id), &rows);
	if (st == ACCORD_OK)
		*out = json_pack("{s:O}", "input", json_array_get(rows, 0));
	json_decref(rows);
	return st;
}

static void doc_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)p;
	djob *f = ud;
	if (f->get) {
		if (st == ACCORD_OK)
			api->http_respond(f->h, 200, "application/octet-stream", f->data, f->len);
		else
			accord_http_json(api, f->h, st == ACCORD_E_NOT_FOUND ? 404 : 500,
				     json_pack("{s:s}", "error", st == ACCORD_E_NOT_FOUND ? "not_found" : "internal"));
	} else if (st == ACCORD_OK && out) {
		announce_input(f->j.org, json_deep_copy(json_object_get(out, "input")));
		api->counter_add(self, "inputs", 1);
		accord_http_json(api, f->h, 200, json_incref(out));
	} else {
		accord_http_json(api, f->h, st == ACCORD_E_NOT_FOUND ? 404 : 500,
			     json_pack("{s:s}", "error", st == ACCORD_E_NOT_FOUND ? "not_found" : "internal"));
	}
	json_decref(out);
	free(f->data);
	free(f);
}

static void http_input(accord_plugin_ctx *p, accord_http *h, const accord_principal *w, void *ud)
{
	(void)ud;
	if (!w) {
		accord_http_json(api, h, 401, json_pack("{s:s}", "error", "unauthenticated"));
		return;
	}
	djob *f = calloc(1, sizeof(*f));
	if (!f) {
		accord_http_json(api, h, 500, json_pack("{s:s}", "error", "internal"));
		return;
	}
	f->h = h;
	f->j.api = api;
	f->j.now_ms = api->now_ms();
	f->j.partner = api->principal_is_partner(w);
	snprintf(f->j.actor, sizeof(f->j.actor), "%s", api->principal_login(w));
	snprintf(f->j.org, sizeof(f->j.org), "%s", api->principal_org(w));
	if (!strcmp(api->http_method(h), "GET")) {
		const char *id = api->http_query(h, "id");
		f->get = 1;
		f->id = id ? strtoll(id, NULL, 10) : 0;
		if (f->id <= 0 || api->db_run(p, doc_work, doc_done, f)) {
			free(f);
			accord_http_json(api, h, 404, json_pack("{s:s}", "error", "not_found"));
		}
		return;
	}
	const char *name = api->http_query(h, "name"), *about = api->http_query(h, "about"),
		   *text = api->http_query(h, "text");
	size_t len = 0;
	int body_fd = api->http_body_fd(h, &len);
	const char *err = NULL;
	if (!f->j.partner)
		err = "documents are sent by partners";
	else if (!name || !*name || strlen(name) >= sizeof(f->name) || strchr(name, '/'))
		err = "name: required file name (1-200 bytes, no '/')";
	else if (text && strlen(text) >= sizeof(f->text))
		err = "text: at most 2000 bytes";
	else if (about && (!item_ok(about) || strlen(about) >= sizeof(f->about)))
		err = "about: optional \"<kind>:<id>\" of a released item";
	else if (body_fd < 0 || !len)
		err = "the request body (the document) is empty";
	if (err) {
		int status = f->j.partner ? 400 : 403;
		free(f);
		accord_http_json(api, h, status, json_pack("{s:s,s:s}", "error",
						  status == 400 ? "bad_request" : "forbidden", "message", err));
		return;
	}
	if (about && !api->item_visible(w, about)) {
		free(f);
		accord_http_json(api, h, 404, json_pack("{s:s}", "error", "not_found"));
		return;
	}
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->text, sizeof(f->text), "%s", text ? text : "");
	snprintf(f->about, sizeof(f->about), "%s", about ? about : "");
	/* The body stays in the core's file until the response: the storage
	 * thread copies it into files_dir, so no copy is held in memory. */
	f->body_fd = body_fd;
	f->len = len;
	if (api->db_run(p, doc_work, doc_done, f)) {
		free(f);
		accord_http_json(api, h, 503, json_pack("{s:s}", "error", "unavailable"));
	}
}

/* ---------------- start-up ---------------- */

static accord_status load_work(accord_txn *txn, void *ud, json_t **out)
{
	(void)ud;
	return accord_exec(api, txn,
			   "SELECT item, audience FROM portal_releases WHERE withdrawn_at IS NULL",
			   NULL, out);
}

static void load_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)ud;
	if (st != ACCORD_OK) {
		api->log(p, ACCORD_LOG_ERR, "cannot load releases: nothing is released to partners");
		json_decref(out);
		return;
	}
	size_t i;
	json_t *r;
	json_array_foreach(out, i, r) {
		const char *aud = json_string_value(json_object_get(r, "audience"));
		json_t *to = aud && aud[0] == '[' ? json_loads(aud, 0, NULL) : json_string("partners");
		api->release_set(p, json_string_value(json_object_get(r, "item")), to);
		json_decref(to);
	}
	loaded = 1;
	api->log(p, ACCORD_LOG_INFO, "%zu items released to partners", json_array_size(out));
	json_decref(out);
}

/* Topic "portal": every release, withdrawal and input goes there, each
 * with its own audience, so anyone may subscribe. */
static accord_status check_topic(accord_plugin_ctx *p, const accord_principal *who,
				 const char *topic, void *ud)
{
	(void)p;
	(void)who;
	(void)ud;
	return strcmp(topic, TOPIC) ? ACCORD_E_NOT_FOUND : ACCORD_OK;
}

static accord_status init(accord_plugin_ctx *p, const accord_host_api *host, const json_t *cfg)
{
	api = host;
	self = p;
	loaded = 0;
	if (!ACCORD_API_HAS(api, http_route_partner) || !ACCORD_API_HAS(api, http_body_fd))
		return ACCORD_E_INTERNAL;
	const json_t *rb = json_object_get(cfg, "require_basis");
	if (rb && !json_is_boolean(rb)) {
		api->log(p, ACCORD_LOG_ERR, "plugins.enabled.portal.require_basis: expected true or false");
		return ACCORD_E_BAD_REQUEST;
	}
	require_basis = json_is_true(rb);
	const json_t *fd = json_object_get(cfg, "files_dir");
	if (fd && (!json_is_string(fd) || !json_string_length(fd) ||
		   json_string_length(fd) >= sizeof(files_dir))) {
		api->log(p, ACCORD_LOG_ERR, "plugins.enabled.portal.files_dir: expected a directory path");
		return ACCORD_E_BAD_REQUEST;
	}
	if (fd)
		snprintf(files_dir, sizeof(files_dir), "%s", json_string_value(fd));
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)cfg, key, v) {
		if (strcmp(key, "require_basis") && strcmp(key, "files_dir")) {
			api->log(p, ACCORD_LOG_ERR, "plugins.enabled.portal.%s: unknown key", key);
			return ACCORD_E_BAD_REQUEST;
		}
	}
	const unsigned P = ACCORD_REQ_PARTNER;
	if (api->handle(p, "release", h_release, 0, NULL) ||
	    api->handle(p, "withdraw", h_withdraw, 0, NULL) ||
	    api->handle(p, "releases", h_releases, 0, NULL) ||
	    api->handle(p, "feed", h_feed, P, NULL) || api->handle(p, "item", h_item, P, NULL) ||
	    api->handle(p, "input", h_input, P, NULL) || api->handle(p, "inputs", h_inputs, P, NULL) ||
	    api->topic_register(p, TOPIC, check_topic, NULL) ||
	    api->http_route_partner(p, "input", http_input, NULL))
		return ACCORD_E_INTERNAL;
	/* Claim the provider role now, so no other plugin can; then load. */
	api->release_set(p, "portal:none", NULL);
	api->db_run(p, load_work, load_done, NULL); /* none when offline (CLI) */
	return ACCORD_OK;
}

static const accord_plugin desc = {
	.abi_major = ACCORD_ABI_MAJOR,
	.struct_size = sizeof(accord_plugin),
	.name = "portal",
	.version = "1.0.0",
	.description = "External-stakeholder portal: explicit releases to partners and their input",
	.init = init,
	.migrations = migrations,
};

ACCORD_EXPORT const accord_plugin *accord_plugin_entry(void) { return &desc; }
