/*
 * Membership plugin: organisations, people, roles, invitations, the members
 * list, presence and the audit log.
 *
 * Data lives in the plugin's own tables (members_*); the login identity of a
 * person (login, name, organisation, standing, roles, active) is kept in step
 * with the core's accounts through api->account_save in the same
 * transaction, so that the core's permission decisions always see what the
 * members list says.  Every change writes an audit row in that transaction
 * too, and is acknowledged only after the commit.
 *
 * Request namespace "members" (claimed), plus "auth.accept_invite"; topic
 * "network" (members of the network only) carries members.changed and
 * members.presence events.
 */
#include <accord/plugin.h>
#include <accord/helpers.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "rules.h"
#include "service.h"

#include <accord/services/members.h>

static const accord_host_api *api;
static accord_plugin_ctx *self;

#define INVITE_TTL_H_DEFAULT 168
#define RESET_TTL_H_DEFAULT 48
#define RESET_TTL_H_MAX 168
#define MIN_PASSWORD 10

static const accord_migration migrations[] = {
	{1, "CREATE TABLE members_orgs("
	    " code TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL,"
	    " standing TEXT NOT NULL CHECK(standing IN ('member','partner')),"
	    " active INTEGER NOT NULL DEFAULT 1, state_counterpart INTEGER NOT NULL DEFAULT 0,"
	    " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	    "CREATE TABLE members_people("
	    " login TEXT PRIMARY KEY, account_id INTEGER NOT NULL UNIQUE, name TEXT NOT NULL,"
	    " org_code TEXT NOT NULL REFERENCES members_orgs(code),"
	    " function TEXT NOT NULL, contact TEXT NOT NULL DEFAULT '',"
	    " roles TEXT NOT NULL DEFAULT '', active INTEGER NOT NULL DEFAULT 1,"
	    " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	    "CREATE TABLE members_invites("
	    " token_hash TEXT PRIMARY KEY, org_code TEXT NOT NULL, name TEXT NOT NULL,"
	    " function TEXT NOT NULL, contact TEXT NOT NULL DEFAULT '', roles TEXT NOT NULL DEFAULT '',"
	    " created_by TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
	    " used_at INTEGER, used_by TEXT);"
	    "CREATE TABLE members_audit("
	    " id INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL,"
	    " action TEXT NOT NULL, object TEXT NOT NULL, before TEXT, after TEXT);"},
	/* One-time password reset links the secretariat hands over: only the
	 * token's hash is kept, as for invitations. */
	{2, "CREATE TABLE members_resets("
	    " token_hash TEXT PRIMARY KEY, login TEXT NOT NULL, created_by TEXT NOT NULL,"
	    " created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER);"
	    "CREATE INDEX members_resets_login ON members_resets(login);"},
	{0, NULL}};

/* ---------------- small helpers ---------------- */

static unsigned roles_of(const accord_principal *who)
{
	if (!who)
		return 0;
	if (api->principal_is_partner(who))
		return MR_PARTNER;
	unsigned r = MR_MEMBER;
	if (api->principal_has_role(who, "co_chair"))
		r |= MR_CO_CHAIR;
	if (api->principal_has_role(who, "secretariat"))
		r |= MR_SECRETARIAT;
	if (api->principal_has_role(who, "admin"))
		r |= MR_ADMIN;
	return r;
}

static int may(accord_req *req, enum maction a)
{
	if (members_allowed(roles_of(api->req_principal(req)), a))
		return 1;
	api->reply_error(req, ACCORD_E_FORBIDDEN,
			 a == MA_AUDIT ? "only the secretariat reads the audit log"
			 : a >= MA_SAVE_ORG ? "only the secretariat changes the members list"
					    : "the members list is for network members");
	return 0;
}

/* Reads a string field; replies bad_request and returns NULL when invalid. */
static const char *str_arg(accord_req *req, const json_t *d, const char *key, size_t max,
			   int required, int (*valid)(const char *))
{
	const json_t *v = json_object_get(d, key);
	char msg[160];
	if (!v || json_is_null(v)) {
		if (!required)
			return "";
		snprintf(msg, sizeof(msg), "%s: required", key);
	} else if (!json_is_string(v) || json_string_length(v) > max ||
		   (required && json_string_length(v) == 0)) {
		snprintf(msg, sizeof(msg), "%s: expected a string of %s1-%zu bytes", key,
			 required ? "" : "0 or ", max);
	} else if (valid && !valid(json_string_value(v))) {
		snprintf(msg, sizeof(msg), "%s: \"%.40s\" is not a valid value", key,
			 json_string_value(v));
	} else
		return json_string_value(v);
	api->reply_error(req, ACCORD_E_BAD_REQUEST, msg);
	return NULL;
}

/* roles: optional array of role names -> "a,b" (in buf). 0 ok, -1 replied. */
static int roles_arg(accord_req *req, const json_t *d, char *buf, size_t cap)
{
	const json_t *v = json_object_get(d, "roles");
	buf[0] = 0;
	if (!v)
		return 0;
	size_t i;
	const json_t *r;
	if (!json_is_array(v) || json_array_size(v) > 3)
		goto bad;
	json_array_foreach(v, i, r)
	{
		if (!json_is_string(r) || !members_valid_role(json_string_value(r)))
			goto bad;
		if (strstr(buf, json_string_value(r)))
			continue;
		if (*buf)
			strncat(buf, ",", cap - strlen(buf) - 1);
		strncat(buf, json_string_value(r), cap - strlen(buf) - 1);
	}
	return 0;
bad:
	api->reply_error(req, ACCORD_E_BAD_REQUEST,
			 "roles: expected an array of co_chair, secretariat, admin");
	return -1;
}

static json_t *roles_json(const char *csv)
{
	json_t *a = json_array();
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", csv ? csv : "");
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		json_array_append_new(a, json_string(t));
	return a;
}

static const char *actor_login(accord_req *req)
{
	return api->principal_login(api->req_principal(req));
}

static accord_status audit(accord_txn *txn, const char *actor, const char *action,
			   const char *object, const json_t *before, const json_t *after)
{
	char *b = before ? json_dumps(before, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	char *a = after ? json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_t *p = json_pack("[I,s,s,s,s?,s?]", (json_int_t)api->now_ms(), actor, action, object,
			      b, a);
	accord_status st = api->txn_exec(
		txn, "INSERT INTO members_audit(at, actor, action, object, before, after)"
		     " VALUES(?,?,?,?,?,?)",
		p, NULL);
	json_decref(p);
	free(b);
	free(a);
	return st;
}

static json_t *row0(accord_txn *txn, const char *sql, json_t *params)
{
	json_t *rows = NULL;
	accord_status st = api->txn_exec(txn, sql, params, &rows);
	json_decref(params);
	if (st != ACCORD_OK) {
		json_decref(rows);
		return NULL;
	}
	json_t *r = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	return r; /* NULL when no row */
}

/* The organisations cache: what presence needs on the loop. */
typedef struct org_entry {
	char code[17];
	int member; /* standing member and active */
} org_entry;
static org_entry *orgs;
static size_t n_orgs;

static void orgs_cache_set(const json_t *rows)
{
	free(orgs);
	n_orgs = 0;
	orgs = calloc(json_array_size(rows) + 1, sizeof(*orgs));
	size_t i;
	const json_t *r;
	json_array_foreach(rows, i, r)
	{
		snprintf(orgs[n_orgs].code, sizeof(orgs[0].code), "%s",
			 json_string_value(json_object_get(r, "code")));
		orgs[n_orgs].member =
			!strcmp(json_string_value(json_object_get(r, "standing")), "member") &&
			json_integer_value(json_object_get(r, "active")) == 1;
		n_orgs++;
	}
}

static accord_status orgs_load_work(accord_txn *txn, void *ud, json_t **out)
{
	(void)ud;
	return api->txn_exec(txn, "SELECT code, standing, active FROM members_orgs ORDER BY code",
			     NULL, out);
}

static void orgs_load_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)p;
	(void)ud;
	if (st == ACCORD_OK)
		orgs_cache_set(out);
	json_decref(out);
}

static void publish_changed(const char *what, const char *id, const char *action)
{
	accord_audience *a = api->audience_new();
	api->audience_members_only(a);
	api->publish(self, "network", "members.changed",
		     json_pack("{s:s,s:s,s:s}", "what", what, "id", id, "action", action), a);
	api->audience_free(a);
	members_service_changed(what, id, action);
}

/* ---------------- a generic "write then reply" job ---------------- */

typedef struct wjob {
	accord_req *req;
	json_t *in;    /* validated arguments */
	char actor[64];
	int64_t account_id;
	accord_status (*work)(accord_txn *txn, struct wjob *j, json_t **out);
	void (*after)(struct wjob *j, json_t *out); /* on the loop, after commit */
	const char *conflict_msg;
	const char *not_found_msg;
	char hash[160]; /* password hash for accept_invite */
	char retry_key[160];
	int duplicate; /* done before: out is the earlier reply */
} wjob;

static accord_status wjob_work_call(accord_txn *txn, void *ud, json_t **out)
{
	wjob *j = ud;
	return j->work(txn, j, out);
}

/* A retried request that was done before is answered from its record. */
static accord_status wjob_work(accord_txn *txn, void *ud, json_t **out)
{
	wjob *j = ud;
	return accord_retry_work(api, txn, j->retry_key[0] ? j->retry_key : NULL, out, &j->duplicate,
				 wjob_work_call, j);
}

static void wjob_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)p;
	wjob *j = ud;
	if (st == ACCORD_OK) {
		if (j->after && !j->duplicate)
			j->after(j, out);
		if (j->req) /* after() may have taken the reply over */
			api->reply_ok(j->req, out ? json_incref(out) : NULL);
	} else if (st == ACCORD_E_CONFLICT)
		api->reply_error(j->req, st, out && json_is_string(json_object_get(out, "message"))
						     ? json_string_value(json_object_get(out, "message"))
						     : j->conflict_msg ? j->conflict_msg
								       : "conflicts with the current list");
	else if (st == ACCORD_E_NOT_FOUND)
		api->reply_error(j->req, st, j->not_found_msg ? j->not_found_msg : "not found");
	else if (st == ACCORD_E_BAD_REQUEST)
		api->reply_error(j->req, st, out && json_is_string(json_object_get(out, "message"))
						     ? json_string_value(json_object_get(out, "message"))
						     : "invalid request");
	else
		api->reply_error(j->req, st, "could not save the change");
	json_decref(out);
	json_decref(j->in);
	free(j);
}

static void run(accord_req *req, json_t *in, accord_status (*work)(accord_txn *, wjob *, json_t **),
		void (*after)(wjob *, json_t *))
{
	wjob *j = calloc(1, sizeof(*j));
	if (!j) {
		json_decref(in);
		api->reply_error(req, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	j->req = req;
	j->in = in;
	j->work = work;
	j->after = after;
	const accord_principal *who = api->req_principal(req);
	snprintf(j->actor, sizeof(j->actor), "%s", who ? api->principal_login(who) : "");
	accord_retry_key(api, req, j->retry_key, sizeof(j->retry_key));
	if (api->db_run(self, wjob_work, wjob_done, j)) {
		json_decref(in);
		free(j);
		api->reply_error(req, ACCORD_E_UNAVAILABLE, "the server is busy, try again");
	}
}

static accord_status fail_with(json_t **out, accord_status st, const char *msg)
{
	*out = json_pack("{s:s}", "message", msg);
	return st;
}

/* ---------------- members.orgs / members.people ---------------- */

static accord_status orgs_work(accord_txn *txn, wjob *j, json_t **out)
{
	json_t *rows = NULL;
	int all = json_is_true(json_object_get(j->in, "include_withdrawn"));
	accord_status st = api->txn_exec(
		txn,
		all ? "SELECT code, name, kind, standing, active, state_counterpart FROM members_orgs"
		      " ORDER BY standing, code"
		    : "SELECT code, name, kind, standing, active, state_counterpart FROM members_orgs"
		      " WHERE active = 1 ORDER BY standing, code",
		NULL, &rows);
	if (st != ACCORD_OK)
		return st;
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
	{
		json_object_set_new(r, "active", json_boolean(json_integer_value(json_object_get(r, "active"))));
		json_object_set_new(r, "state_counterpart",
				    json_boolean(json_integer_value(json_object_get(r, "state_counterpart"))));
	}
	*out = json_pack("{s:o}", "orgs", rows);
	return ACCORD_OK;
}

static void h_orgs(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	if (!may(req, MA_READ_ORGS))
		return;
	run(req, json_deep_copy(d), orgs_work, NULL);
}

static accord_status people_work(accord_txn *txn, wjob *j, json_t **out)
{
	json_t *rows = NULL;
	const char *org = json_string_value(json_object_get(j->in, "org"));
	int all = json_is_true(json_object_get(j->in, "include_inactive"));
	json_t *params = json_pack("[s,s,i]", org ? org : "", org ? org : "", all);
	accord_status st = api->txn_exec(
		txn,
		"SELECT login, name, org_code AS org, function, contact, roles, active"
		" FROM members_people WHERE (? = '' OR org_code = ?) AND (active = 1 OR ?)"
		" ORDER BY org_code, login",
		params, &rows);
	json_decref(params);
	if (st != ACCORD_OK)
		return st;
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
	{
		json_object_set_new(r, "roles", roles_json(json_string_value(json_object_get(r, "roles"))));
		json_object_set_new(r, "active", json_boolean(json_integer_value(json_object_get(r, "active"))));
		json_object_set_new(r, "online",
				    json_integer(0)); /* filled on the loop */
	}
	*out = json_pack("{s:o}", "people", rows);
	return ACCORD_OK;
}

/* Presence: accounts online now (login -> connections). */
typedef struct online {
	int64_t id;
	char login[64];
	char org[33];
	int conns;
} online;
static online *on;
static size_t n_on, cap_on;

static online *online_find(int64_t id)
{
	for (size_t i = 0; i < n_on; i++)
		if (on[i].id == id)
			return &on[i];
	return NULL;
}

static int login_online(const char *login)
{
	for (size_t i = 0; i < n_on; i++)
		if (!strcmp(on[i].login, login))
			return on[i].conns > 0;
	return 0;
}

static void people_after(wjob *j, json_t *out)
{
	(void)j;
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(out, "people"), i, r)
		json_object_set_new(r, "online",
				    json_boolean(login_online(json_string_value(json_object_get(r, "login")))));
}

static void h_people(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	if (!may(req, MA_READ_PEOPLE))
		return;
	if (!str_arg(req, d, "org", 16, 0, NULL))
		return;
	run(req, json_deep_copy(d), people_work, people_after);
}

/* ---------------- members.org.save ---------------- */

static const char *ORG_SELECT =
	"SELECT code, name, kind, standing, active, state_counterpart FROM members_orgs WHERE code=?";

static accord_status org_save_work(accord_txn *txn, wjob *j, json_t **out)
{
	const json_t *in = j->in;
	const char *code = json_string_value(json_object_get(in, "code"));
	json_t *before = row0(txn, ORG_SELECT, json_pack("[s]", code));
	int64_t now = api->now_ms();
	const json_t *sc = json_object_get(in, "state_counterpart");
	const json_t *ac = json_object_get(in, "active");
	int state_cp = sc ? json_is_true(sc)
			  : before ? (int)json_integer_value(json_object_get(before, "state_counterpart"))
				   : 0;
	int active = ac ? json_is_true(ac)
			: before ? (int)json_integer_value(json_object_get(before, "active")) : 1;
	accord_status st;
	if (state_cp) /* there is one state counterpart at most */
		accord_exec(api, txn, "UPDATE members_orgs SET state_counterpart = 0 WHERE code <> ?",
			      json_pack("[s]", code), NULL);
	json_t *p = json_pack("[s,s,s,s,i,i,I,I]", code,
			      json_string_value(json_object_get(in, "name")),
			      json_string_value(json_object_get(in, "kind")),
			      json_string_value(json_object_get(in, "standing")), active, state_cp,
			      (json_int_t)now, (json_int_t)now);
	st = api->txn_exec(txn,
			   "INSERT INTO members_orgs(code, name, kind, standing, active, state_counterpart,"
			   " created_at, updated_at) VALUES(?,?,?,?,?,?,?,?) ON CONFLICT(code) DO UPDATE"
			   " SET name=excluded.name, kind=excluded.kind, standing=excluded.standing,"
			   " active=excluded.active, state_counterpart=excluded.state_counterpart,"
			   " updated_at=excluded.updated_at",
			   p, NULL);
	json_decref(p);
	if (st != ACCORD_OK) {
		json_decref(before);
		return st;
	}
	json_t *after = row0(txn, ORG_SELECT, json_pack("[s]", code));
	/* Keep the accounts' standing in step with the organisation's. */
	json_t *people = NULL;
	accord_exec(api, txn,
		      "SELECT login, account_id, name, roles, active FROM members_people WHERE org_code=?",
		      json_pack("[s]", code), &people);
	size_t i;
	json_t *r;
	json_array_foreach(people, i, r)
	{
		json_t *acct = json_pack("{s:O,s:O,s:s,s:O,s:o,s:b}", "login", json_object_get(r, "login"),
					 "name", json_object_get(r, "name"), "org", code, "standing",
					 json_object_get(in, "standing"), "roles",
					 roles_json(json_string_value(json_object_get(r, "roles"))),
					 "active", (int)json_integer_value(json_object_get(r, "active")));
		api->account_save(txn, acct, NULL);
		json_decref(acct);
	}
	st = audit(txn, j->actor, before ? "org.update" : "org.create", code, before, after);
	json_decref(before);
	json_t *ids = json_array();
	json_array_foreach(people, i, r) json_array_append(ids, json_object_get(r, "account_id"));
	json_decref(people);
	if (st != ACCORD_OK) {
		json_decref(after);
		json_decref(ids);
		return st;
	}
	json_object_set_new(after, "active", json_boolean(json_integer_value(json_object_get(after, "active"))));
	json_object_set_new(after, "state_counterpart",
			    json_boolean(json_integer_value(json_object_get(after, "state_counterpart"))));
	*out = json_pack("{s:o,s:o}", "org", after, "_accounts", ids);
	return ACCORD_OK;
}

/* Announces a change, and answers the request that made it, once the
 * accounts it touched are refreshed: the storage queue runs jobs in order,
 * so this job's completion comes after the refreshes queued before it.  So
 * a person who just lost access to the network topic does not get the
 * announcement, and the secretariat's next request already sees the new
 * roles in force. */
typedef struct announce {
	accord_req *req; /* NULL: nothing to answer */
	json_t *reply;
	char what[16], id[64], action[16];
} announce;

static accord_status announce_work(accord_txn *txn, void *ud, json_t **out)
{
	(void)txn;
	(void)ud;
	(void)out;
	return ACCORD_OK;
}

static void announce_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)p;
	(void)st;
	announce *a = ud;
	publish_changed(a->what, a->id, a->action);
	if (a->req)
		api->reply_ok(a->req, a->reply);
	else
		json_decref(a->reply);
	json_decref(out);
	free(a);
}

/* Takes over the reply of j (see wjob_done). */
static void announce_after_refresh(wjob *j, json_t *reply, const char *what, const char *id,
				   const char *action)
{
	announce *a = calloc(1, sizeof(*a));
	a->req = j ? j->req : NULL;
	a->reply = json_incref(reply);
	snprintf(a->what, sizeof(a->what), "%s", what);
	snprintf(a->id, sizeof(a->id), "%s", id ? id : "");
	snprintf(a->action, sizeof(a->action), "%s", action);
	if (j)
		j->req = NULL; /* answered by announce_done */
	if (api->db_run(self, announce_work, announce_done, a))
		announce_done(self, ACCORD_OK, NULL, a);
}

static void org_save_after(wjob *j, json_t *out)
{
	size_t i;
	json_t *id;
	json_array_foreach(json_object_get(out, "_accounts"), i, id)
		api->account_changed(self, json_integer_value(id));
	json_object_del(out, "_accounts");
	api->db_run(self, orgs_load_work, orgs_load_done, NULL);
	announce_after_refresh(j, out, "org",
			       json_string_value(json_object_get(json_object_get(out, "org"), "code")),
			       "saved");
}

static void h_org_save(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	if (!may(req, MA_SAVE_ORG))
		return;
	if (!str_arg(req, d, "code", 16, 1, members_valid_code) ||
	    !str_arg(req, d, "name", 200, 1, NULL) ||
	    !str_arg(req, d, "kind", 32, 1, members_valid_kind) ||
	    !str_arg(req, d, "standing", 16, 1, members_valid_standing))
		return;
	const char *bools[] = {"active", "state_counterpart"};
	for (int i = 0; i < 2; i++) {
		const json_t *v = json_object_get(d, bools[i]);
		if (v && !json_is_boolean(v)) {
			char msg[64];
			snprintf(msg, sizeof(msg), "%s: expected true or false", bools[i]);
			api->reply_error(req, ACCORD_E_BAD_REQUEST, msg);
			return;
		}
	}
	run(req, json_deep_copy(d), org_save_work, org_save_after);
}

/* ---------------- members.person.save / deactivate ---------------- */

static const char *PERSON_SELECT =
	"SELECT login, account_id, name, org_code AS org, function, contact, roles, active"
	" FROM members_people WHERE login=?";

/* Writes the person and the account; shared by save, invite acceptance and
 * the demo seed.  in: {login, name, org, function, contact, roles: "a,b",
 * active}; hash may be NULL. */
static accord_status person_write(accord_txn *txn, const json_t *in, const char *hash,
				  int64_t *account_id, json_t **org_row)
{
	const char *org = json_string_value(json_object_get(in, "org"));
	json_t *o = row0(txn, "SELECT standing, active FROM members_orgs WHERE code=?",
			 json_pack("[s]", org));
	if (!o)
		return ACCORD_E_NOT_FOUND;
	const char *roles = json_string_value(json_object_get(in, "roles"));
	int active = json_is_true(json_object_get(in, "active"));
	json_t *acct = json_pack("{s:O,s:O,s:s,s:O,s:o,s:b}", "login", json_object_get(in, "login"),
				 "name", json_object_get(in, "name"), "org", org, "standing",
				 json_object_get(o, "standing"), "roles", roles_json(roles), "active",
				 active);
	if (hash)
		json_object_set_new(acct, "password_hash", json_string(hash));
	if (json_is_true(json_object_get(in, "create_only")))
		json_object_set_new(acct, "create_only", json_true());
	int64_t id = 0;
	accord_status st = api->account_save(txn, acct, &id);
	json_decref(acct);
	if (org_row)
		*org_row = o;
	else
		json_decref(o);
	if (st != ACCORD_OK)
		return st;
	int64_t now = api->now_ms();
	json_t *p = json_pack("[O,I,O,s,O,O,s,i,I,I]", json_object_get(in, "login"), (json_int_t)id,
			      json_object_get(in, "name"), org, json_object_get(in, "function"),
			      json_object_get(in, "contact"), roles ? roles : "", active,
			      (json_int_t)now, (json_int_t)now);
	st = api->txn_exec(txn,
			   "INSERT INTO members_people(login, account_id, name, org_code, function,"
			   " contact, roles, active, created_at, updated_at) VALUES(?,?,?,?,?,?,?,?,?,?)"
			   " ON CONFLICT(login) DO UPDATE SET name=excluded.name,"
			   " org_code=excluded.org_code, function=excluded.function,"
			   " contact=excluded.contact, roles=excluded.roles, active=excluded.active,"
			   " updated_at=excluded.updated_at",
			   p, NULL);
	json_decref(p);
	if (account_id)
		*account_id = id;
	return st;
}

static accord_status person_save_work(accord_txn *txn, wjob *j, json_t **out)
{
	const char *login = json_string_value(json_object_get(j->in, "login"));
	json_t *before = row0(txn, PERSON_SELECT, json_pack("[s]", login));
	if (!json_object_get(j->in, "active"))
		json_object_set_new(j->in, "active",
				    json_boolean(!before || json_integer_value(json_object_get(before, "active"))));
	if (!json_object_get(j->in, "roles_given") && before)
		json_object_set(j->in, "roles", json_object_get(before, "roles"));
	accord_status st = person_write(txn, j->in, NULL, &j->account_id, NULL);
	if (st == ACCORD_E_NOT_FOUND) {
		json_decref(before);
		return fail_with(out, ACCORD_E_BAD_REQUEST, "org: no such organisation");
	}
	json_t *after = st == ACCORD_OK ? row0(txn, PERSON_SELECT, json_pack("[s]", login)) : NULL;
	if (st == ACCORD_OK)
		st = audit(txn, j->actor, before ? "person.update" : "person.create", login, before,
			   after);
	json_decref(before);
	if (st != ACCORD_OK) {
		json_decref(after);
		return st;
	}
	json_object_del(after, "account_id");
	json_object_set_new(after, "roles", roles_json(json_string_value(json_object_get(after, "roles"))));
	json_object_set_new(after, "active", json_boolean(json_integer_value(json_object_get(after, "active"))));
	*out = json_pack("{s:o}", "person", after);
	return ACCORD_OK;
}

static void person_after(wjob *j, json_t *out)
{
	api->account_changed(self, j->account_id);
	announce_after_refresh(j, out, "person",
			json_string_value(json_object_get(json_object_get(out, "person"), "login")),
			"saved");
}

static void h_person_save(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	if (!may(req, MA_SAVE_PERSON))
		return;
	char roles[128];
	const char *contact;
	if (!str_arg(req, d, "login", 32, 1, members_valid_login) ||
	    !str_arg(req, d, "name", 200, 1, NULL) || !str_arg(req, d, "org", 16, 1, members_valid_code) ||
	    !str_arg(req, d, "function", 16, 1, members_valid_function) ||
	    !(contact = str_arg(req, d, "contact", 300, 0, NULL)) || roles_arg(req, d, roles, sizeof(roles)))
		return;
	json_t *in = json_pack("{s:O,s:O,s:O,s:O,s:s,s:s}", "login", json_object_get(d, "login"),
			       "name", json_object_get(d, "name"), "org", json_object_get(d, "org"),
			       "function", json_object_get(d, "function"), "contact", contact,
			       "roles", roles);
	if (json_object_get(d, "roles"))
		json_object_set_new(in, "roles_given", json_true());
	run(req, in, person_save_work, person_after);
}

static accord_status deactivate_work(accord_txn *txn, wjob *j, json_t **out)
{
	(void)out;
	const char *login = json_string_value(json_object_get(j->in, "login"));
	json_t *before = row0(txn, PERSON_SELECT, json_pack("[s]", login));
	if (!before)
		return ACCORD_E_NOT_FOUND;
	json_t *in = json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:b}", "login", json_object_get(before, "login"),
			       "name", json_object_get(before, "name"), "org",
			       json_object_get(before, "org"), "function",
			       json_object_get(before, "function"), "contact",
			       json_object_get(before, "contact"), "roles",
			       json_object_get(before, "roles"), "active", 0);
	accord_status st = person_write(txn, in, NULL, &j->account_id, NULL);
	json_decref(in);
	json_t *after = st == ACCORD_OK ? row0(txn, PERSON_SELECT, json_pack("[s]", login)) : NULL;
	if (st == ACCORD_OK)
		st = audit(txn, j->actor, "person.deactivate", login, before, after);
	json_decref(before);
	json_decref(after);
	return st;
}

static void deactivate_after(wjob *j, json_t *out)
{
	(void)out;
	api->account_changed(self, j->account_id); /* closes their connections */
	announce_after_refresh(j, out, "person", json_string_value(json_object_get(j->in, "login")),
			       "deactivated");
}

static void h_deactivate(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	if (!may(req, MA_DEACTIVATE) || !str_arg(req, d, "login", 32, 1, NULL))
		return;
	run(req, json_deep_copy(d), deactivate_work, deactivate_after);
}

/* ---------------- invitations ---------------- */

typedef struct invite_job {
	accord_req *req;
	char th[65];
	char token[44];
	char login[40];
	char hash[200];
	char actor[64];
	json_t *in;
	json_t *invite; /* the invitation row */
	int64_t account_id;
	/* a one-time link used (invitation, password reset): read the link,
	 * check it, hash the password off the loop, write (see link_read_done) */
	const char *(*problem)(const json_t *row, accord_status *st);
	accord_db_work_fn write;
	accord_db_done_fn written;
	const char *read_failed, *busy;
} invite_job;

static void invite_free(invite_job *j)
{
	json_decref(j->in);
	json_decref(j->invite);
	free(j);
}

static accord_status invite_work(accord_txn *txn, void *ud, json_t **out)
{
	invite_job *j = ud;
	json_t *o = row0(txn, "SELECT active FROM members_orgs WHERE code=?",
			 json_pack("[O]", json_object_get(j->in, "org")));
	int ok = o && json_integer_value(json_object_get(o, "active")) == 1;
	json_decref(o);
	if (!ok)
		return fail_with(out, ACCORD_E_BAD_REQUEST, "org: no such active organisation");
	json_t *p = json_pack("[s,O,O,O,O,O,s,I,O]", j->th, json_object_get(j->in, "org"),
			      json_object_get(j->in, "name"), json_object_get(j->in, "function"),
			      json_object_get(j->in, "contact"), json_object_get(j->in, "roles"),
			      j->actor, (json_int_t)api->now_ms(), json_object_get(j->in, "expires"));
	accord_status st = api->txn_exec(
		txn, "INSERT INTO members_invites(token_hash, org_code, name, function, contact, roles,"
		     " created_by, created_at, expires_at) VALUES(?,?,?,?,?,?,?,?,?)",
		p, NULL);
	json_decref(p);
	if (st == ACCORD_OK) {
		/* The audit records the invitation, never its token. */
		json_t *after = json_deep_copy(j->in);
		st = audit(txn, j->actor, "invite", json_string_value(json_object_get(j->in, "org")),
			   NULL, after);
		json_decref(after);
	}
	return st;
}

static void invite_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)p;
	invite_job *j = ud;
	if (st == ACCORD_OK)
		api->reply_ok(j->req, json_pack("{s:s,s:O}", "token", j->token,
						"expires", json_object_get(j->in, "expires")));
	else if (out && json_object_get(out, "message"))
		api->reply_error(j->req, st, json_string_value(json_object_get(out, "message")));
	else
		api->reply_error(j->req, st, "could not store the invitation");
	json_decref(out);
	memset(j->token, 0, sizeof(j->token));
	invite_free(j);
}

static void h_invite(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	if (!may(req, MA_INVITE))
		return;
	char roles[128];
	const char *contact;
	if (!str_arg(req, d, "org", 16, 1, members_valid_code) || !str_arg(req, d, "name", 200, 1, NULL) ||
	    !str_arg(req, d, "function", 16, 1, members_valid_function) ||
	    !(contact = str_arg(req, d, "contact", 300, 0, NULL)) || roles_arg(req, d, roles, sizeof(roles)))
		return;
	const json_t *ttl = json_object_get(d, "ttl_hours");
	if (ttl && (!json_is_integer(ttl) || json_integer_value(ttl) < 1 || json_integer_value(ttl) > 720)) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "ttl_hours: an integer from 1 to 720");
		return;
	}
	int64_t hours = ttl ? json_integer_value(ttl) : INVITE_TTL_H_DEFAULT;
	invite_job *j = calloc(1, sizeof(*j));
	j->req = req;
	snprintf(j->actor, sizeof(j->actor), "%s", actor_login(req));
	api->token_new(j->token, j->th);
	j->in = json_pack("{s:O,s:O,s:O,s:s,s:s,s:I}", "org", json_object_get(d, "org"), "name",
			  json_object_get(d, "name"), "function", json_object_get(d, "function"),
			  "contact", contact, "roles", roles, "expires",
			  (json_int_t)(api->now_ms() + hours * 3600 * 1000));
	if (api->db_run(self, invite_work, invite_done, j)) {
		invite_free(j);
		api->reply_error(req, ACCORD_E_UNAVAILABLE, "the server is busy, try again");
	}
}

/* auth.accept_invite {token, login, password}: check the invitation, hash
 * the password off the loop, then create the person and the account and
 * use up the invitation in one transaction. */
static const char *INVITE_SELECT =
	"SELECT org_code, name, function, contact, roles, expires_at, used_at"
	" FROM members_invites WHERE token_hash=?";

/* NULL if usable, else the error (code in *st). */
static const char *invite_problem(const json_t *inv, accord_status *st)
{
	if (!inv) {
		*st = ACCORD_E_NOT_FOUND;
		return "unknown invitation: check the link, or ask the secretariat for a new one";
	}
	if (!json_is_null(json_object_get(inv, "used_at"))) {
		*st = ACCORD_E_CONFLICT;
		return "this invitation was already used: log in with the account it created";
	}
	if (json_integer_value(json_object_get(inv, "expires_at")) <= api->now_ms()) {
		*st = ACCORD_E_CONFLICT;
		return "this invitation has expired: ask the secretariat for a new one";
	}
	return NULL;
}

static accord_status accept_read(accord_txn *txn, void *ud, json_t **out)
{
	invite_job *j = ud;
	*out = row0(txn, INVITE_SELECT, json_pack("[s]", j->th));
	return ACCORD_OK;
}

static accord_status accept_write(accord_txn *txn, void *ud, json_t **out)
{
	invite_job *j = ud;
	json_t *inv = row0(txn, INVITE_SELECT, json_pack("[s]", j->th));
	accord_status st;
	const char *why = invite_problem(inv, &st);
	if (why) { /* used or expired meanwhile */
		json_decref(inv);
		return fail_with(out, st, why);
	}
	json_t *in = json_pack("{s:s,s:O,s:O,s:O,s:O,s:O,s:b,s:b}", "login", j->login, "name",
			       json_object_get(inv, "name"), "org", json_object_get(inv, "org_code"),
			       "function", json_object_get(inv, "function"), "contact",
			       json_object_get(inv, "contact"), "roles", json_object_get(inv, "roles"),
			       "active", 1, "create_only", 1);
	json_decref(inv);
	st = person_write(txn, in, j->hash, &j->account_id, NULL);
	if (st == ACCORD_E_CONFLICT) {
		json_decref(in);
		return fail_with(out, st, "login already taken: choose another");
	}
	if (st == ACCORD_E_NOT_FOUND) {
		json_decref(in);
		return fail_with(out, ACCORD_E_CONFLICT, "the organisation of this invitation is gone");
	}
	if (st == ACCORD_OK)
		st = accord_exec(api, txn, "UPDATE members_invites SET used_at=?, used_by=? WHERE token_hash=?",
				   json_pack("[I,s,s]", (json_int_t)api->now_ms(), j->login, j->th), NULL);
	if (st == ACCORD_OK) {
		json_object_del(in, "create_only");
		st = audit(txn, j->login, "invite.accept", j->login, NULL, in);
	}
	if (st == ACCORD_OK)
		*out = json_pack("{s:s,s:O}", "login", j->login, "org", json_object_get(in, "org"));
	json_decref(in);
	return st;
}

static void accept_write_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)p;
	invite_job *j = ud;
	if (st == ACCORD_OK) {
		publish_changed("person", j->login, "joined");
		api->reply_ok(j->req, json_incref(out));
	} else if (out && json_object_get(out, "message"))
		api->reply_error(j->req, st, json_string_value(json_object_get(out, "message")));
	else
		api->reply_error(j->req, ACCORD_E_INTERNAL, "could not create the account");
	json_decref(out);
	invite_free(j);
}

/* The one path of a one-time link (an invitation accepted, a password
 * reset): the link was read; if j->problem finds nothing wrong with it, the
 * password is hashed on the worker, then j->write stores it and j->written
 * answers. */
static void link_hashed(accord_plugin_ctx *p, const char *hash, void *ud)
{
	invite_job *j = ud;
	if (!hash) {
		api->reply_error(j->req, ACCORD_E_RATE_LIMITED, "too busy, try again");
		invite_free(j);
		return;
	}
	snprintf(j->hash, sizeof(j->hash), "%s", hash);
	if (api->db_run(p, j->write, j->written, j)) {
		api->reply_error(j->req, ACCORD_E_UNAVAILABLE, "the server is busy, try again");
		invite_free(j);
	}
}

static void link_read_done(accord_plugin_ctx *p, accord_status st, json_t *row, void *ud)
{
	invite_job *j = ud;
	const char *why = st == ACCORD_OK ? j->problem(row, &st) : j->read_failed;
	json_decref(row);
	if (why) {
		api->reply_error(j->req, st, why);
		invite_free(j);
		return;
	}
	if (api->password_hash(p, json_string_value(json_object_get(j->in, "password")), link_hashed,
			       j)) {
		api->reply_error(j->req, ACCORD_E_RATE_LIMITED, j->busy);
		invite_free(j);
		return;
	}
	json_object_del(j->in, "password"); /* the worker has its own copy */
}

static void h_accept(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)ud;
	const json_t *tok = json_object_get(d, "token"), *pw = json_object_get(d, "password");
	if (!json_is_string(tok)) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "token: required string");
		return;
	}
	if (!str_arg(req, d, "login", 32, 1, members_valid_login))
		return;
	if (!json_is_string(pw) || json_string_length(pw) < MIN_PASSWORD || json_string_length(pw) > 1024) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "password: 10 to 1024 characters");
		return;
	}
	invite_job *j = calloc(1, sizeof(*j));
	j->req = req;
	snprintf(j->login, sizeof(j->login), "%s", json_string_value(json_object_get(d, "login")));
	if (api->token_hash(json_string_value(tok), j->th)) {
		api->reply_error(req, ACCORD_E_NOT_FOUND,
				 "unknown invitation: check the link, or ask the secretariat for a new one");
		free(j);
		return;
	}
	j->in = json_pack("{s:O}", "password", pw);
	j->problem = invite_problem;
	j->write = accept_write;
	j->written = accept_write_done;
	j->read_failed = "could not read the invitation";
	j->busy = "too many sign-ups in progress, try again";
	if (api->db_run(p, accept_read, link_read_done, j)) {
		api->reply_error(req, ACCORD_E_UNAVAILABLE, "the server is busy, try again");
		invite_free(j);
	}
}

/* ---------------- password reset ---------------- */

/* members.person.reset {login, ttl_hours?} -> {token, expires}: the
 * secretariat makes a one-time link for a person who lost their password,
 * rather than choosing a password itself (so nobody but the person ever
 * knows it).  Only the token's hash is stored; a new link voids the
 * person's earlier unused ones.  The old password keeps working until the
 * link is used: issuing a link locks nobody out. */
static accord_status reset_work(accord_txn *txn, void *ud, json_t **out)
{
	invite_job *j = ud;
	const char *login = json_string_value(json_object_get(j->in, "login"));
	json_t *person = row0(txn, PERSON_SELECT, json_pack("[s]", login));
	int active = person && json_integer_value(json_object_get(person, "active")) == 1;
	int found = person != NULL;
	json_decref(person);
	if (!found)
		return fail_with(out, ACCORD_E_NOT_FOUND, "login: no such person");
	if (!active)
		return fail_with(out, ACCORD_E_CONFLICT,
				 "this person is deactivated: a new password would not let them in");
	int64_t now = api->now_ms();
	accord_status st = accord_exec(api, txn, "DELETE FROM members_resets WHERE login=? AND used_at IS NULL",
				       json_pack("[s]", login), NULL);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "INSERT INTO members_resets(token_hash, login, created_by, created_at,"
				 " expires_at) VALUES(?,?,?,?,?)",
				 json_pack("[s,s,s,I,O]", j->th, login, j->actor, (json_int_t)now,
					   json_object_get(j->in, "expires")),
				 NULL);
	if (st == ACCORD_OK) /* the audit records the reset link, never its token */
		st = audit(txn, j->actor, "person.reset", login, NULL, j->in);
	return st;
}

static void reset_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)p;
	invite_job *j = ud;
	if (st == ACCORD_OK)
		api->reply_ok(j->req, json_pack("{s:s,s:O}", "token", j->token,
						"expires", json_object_get(j->in, "expires")));
	else if (out && json_object_get(out, "message"))
		api->reply_error(j->req, st, json_string_value(json_object_get(out, "message")));
	else
		api->reply_error(j->req, st, "could not store the reset link");
	json_decref(out);
	memset(j->token, 0, sizeof(j->token));
	invite_free(j);
}

static void h_reset(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	if (!may(req, MA_RESET_PASSWORD) || !str_arg(req, d, "login", 32, 1, members_valid_login))
		return;
	const json_t *ttl = json_object_get(d, "ttl_hours");
	if (ttl && (!json_is_integer(ttl) || json_integer_value(ttl) < 1 ||
		    json_integer_value(ttl) > RESET_TTL_H_MAX)) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "ttl_hours: an integer from 1 to 168");
		return;
	}
	int64_t hours = ttl ? json_integer_value(ttl) : RESET_TTL_H_DEFAULT;
	invite_job *j = calloc(1, sizeof(*j));
	if (!j) {
		api->reply_error(req, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	j->req = req;
	snprintf(j->actor, sizeof(j->actor), "%s", actor_login(req));
	api->token_new(j->token, j->th);
	j->in = json_pack("{s:O,s:I}", "login", json_object_get(d, "login"), "expires",
			  (json_int_t)(api->now_ms() + hours * 3600 * 1000));
	if (api->db_run(self, reset_work, reset_done, j)) {
		invite_free(j);
		api->reply_error(req, ACCORD_E_UNAVAILABLE, "the server is busy, try again");
	}
}

/* auth.reset_password {token, password} -> {login} (before login): check
 * the link, hash the password off the loop, then set it and use up the
 * link in one transaction (checked again there: used or expired meanwhile,
 * or the person deactivated). */
static const char *RESET_SELECT =
	"SELECT r.login, r.expires_at, r.used_at, p.active FROM members_resets r"
	" JOIN members_people p ON p.login = r.login WHERE r.token_hash=?";

/* NULL if usable, else the error (code in *st). */
static const char *reset_problem(const json_t *r, accord_status *st)
{
	*st = ACCORD_E_CONFLICT;
	if (!r) {
		*st = ACCORD_E_NOT_FOUND;
		return "unknown reset link: check the link, or ask the secretariat for a new one";
	}
	if (!json_is_null(json_object_get(r, "used_at")))
		return "this reset link was already used (or replaced by a newer one): ask the secretariat for a new one";
	if (json_integer_value(json_object_get(r, "expires_at")) <= api->now_ms())
		return "this reset link has expired: ask the secretariat for a new one";
	if (json_integer_value(json_object_get(r, "active")) != 1)
		return "this account is deactivated";
	return NULL;
}

static accord_status reset_read(accord_txn *txn, void *ud, json_t **out)
{
	invite_job *j = ud;
	*out = row0(txn, RESET_SELECT, json_pack("[s]", j->th));
	return ACCORD_OK;
}

static accord_status reset_write(accord_txn *txn, void *ud, json_t **out)
{
	invite_job *j = ud;
	json_t *r = row0(txn, RESET_SELECT, json_pack("[s]", j->th));
	accord_status st;
	const char *why = reset_problem(r, &st);
	if (why) {
		json_decref(r);
		return fail_with(out, st, why);
	}
	snprintf(j->login, sizeof(j->login), "%s", json_string_value(json_object_get(r, "login")));
	json_decref(r);
	json_t *person = row0(txn, PERSON_SELECT, json_pack("[s]", j->login));
	if (!person)
		return ACCORD_E_INTERNAL;
	json_t *in = json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:b}", "login", json_object_get(person, "login"),
			       "name", json_object_get(person, "name"), "org", json_object_get(person, "org"),
			       "function", json_object_get(person, "function"), "contact",
			       json_object_get(person, "contact"), "roles", json_object_get(person, "roles"),
			       "active", 1);
	json_decref(person);
	st = person_write(txn, in, j->hash, &j->account_id, NULL);
	json_decref(in);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn, "UPDATE members_resets SET used_at=? WHERE token_hash=?",
				 json_pack("[I,s]", (json_int_t)api->now_ms(), j->th), NULL);
	if (st == ACCORD_OK)
		st = audit(txn, j->login, "person.password_reset", j->login, NULL, NULL);
	if (st == ACCORD_OK)
		*out = json_pack("{s:s}", "login", j->login);
	return st;
}

static void reset_write_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)p;
	invite_job *j = ud;
	if (st == ACCORD_OK)
		api->reply_ok(j->req, json_incref(out));
	else if (out && json_object_get(out, "message"))
		api->reply_error(j->req, st, json_string_value(json_object_get(out, "message")));
	else
		api->reply_error(j->req, ACCORD_E_INTERNAL, "could not set the password");
	json_decref(out);
	invite_free(j);
}

static void h_reset_accept(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)ud;
	const json_t *tok = json_object_get(d, "token"), *pw = json_object_get(d, "password");
	if (!json_is_string(tok)) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "token: required string");
		return;
	}
	if (!json_is_string(pw) || json_string_length(pw) < MIN_PASSWORD || json_string_length(pw) > 1024) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "password: 10 to 1024 characters");
		return;
	}
	invite_job *j = calloc(1, sizeof(*j));
	if (!j) {
		api->reply_error(req, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	j->req = req;
	if (api->token_hash(json_string_value(tok), j->th)) {
		api->reply_error(req, ACCORD_E_NOT_FOUND,
				 "unknown reset link: check the link, or ask the secretariat for a new one");
		free(j);
		return;
	}
	j->in = json_pack("{s:O}", "password", pw);
	j->problem = reset_problem;
	j->write = reset_write;
	j->written = reset_write_done;
	j->read_failed = "could not read the reset link";
	j->busy = "too many password changes in progress, try again";
	if (api->db_run(p, reset_read, link_read_done, j)) {
		api->reply_error(req, ACCORD_E_UNAVAILABLE, "the server is busy, try again");
		invite_free(j);
	}
}

/* ---------------- members.presence ---------------- */

static json_t *presence_json(void)
{
	json_t *orgs_on = json_object();
	for (size_t i = 0; i < n_on; i++) {
		if (on[i].conns <= 0)
			continue;
		json_t *a = json_object_get(orgs_on, on[i].org);
		if (!a) {
			a = json_array();
			json_object_set_new(orgs_on, on[i].org, a);
		}
		json_array_append_new(a, json_string(on[i].login));
	}
	json_t *missing = json_array();
	for (size_t i = 0; i < n_orgs; i++)
		if (orgs[i].member && !json_object_get(orgs_on, orgs[i].code))
			json_array_append_new(missing, json_string(orgs[i].code));
	return json_pack("{s:o,s:o,s:b}", "online", orgs_on, "members_missing", missing,
			 "all_members_represented", json_array_size(missing) == 0);
}

static void h_presence(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)d;
	(void)ud;
	if (!may(req, MA_PRESENCE))
		return;
	api->reply_ok(req, presence_json());
}

static void presence_event(const online *o, int now_online)
{
	accord_audience *a = api->audience_new();
	api->audience_members_only(a);
	json_t *data = presence_json();
	json_object_set_new(data, "changed",
			    json_pack("{s:s,s:s,s:b}", "login", o->login, "org", o->org, "online",
				      now_online));
	api->publish(self, "network", "members.presence", data, a);
	api->audience_free(a);
}

static void on_core_event(accord_plugin_ctx *p, accord_core_event ev, const char *name,
			  const json_t *data, const accord_principal *who, void *ud)
{
	(void)p;
	(void)name;
	(void)data;
	(void)ud;
	if (!who)
		return;
	int64_t id = api->principal_id(who);
	online *o = online_find(id);
	if (ev == ACCORD_EV_LOGIN) {
		if (!o) {
			if (n_on == cap_on) {
				size_t nc = cap_on ? cap_on * 2 : 16;
				online *n = realloc(on, nc * sizeof(*on));
				if (!n)
					return;
				on = n;
				cap_on = nc;
			}
			o = &on[n_on++];
			memset(o, 0, sizeof(*o));
			o->id = id;
		}
		snprintf(o->login, sizeof(o->login), "%s", api->principal_login(who));
		snprintf(o->org, sizeof(o->org), "%s", api->principal_org(who));
		if (o->conns++ == 0)
			presence_event(o, 1);
	} else if ((ev == ACCORD_EV_LOGOUT || ev == ACCORD_EV_DISCONNECT) && o && o->conns > 0) {
		if (--o->conns == 0) {
			online gone = *o;
			*o = on[--n_on];
			presence_event(&gone, 0);
		}
	}
}

/* ---------------- members.audit ---------------- */

static accord_status audit_work(accord_txn *txn, wjob *j, json_t **out)
{
	const json_t *lim = json_object_get(j->in, "limit");
	const json_t *before = json_object_get(j->in, "before");
	json_t *rows = NULL;
	json_t *p = json_pack("[I,I]", (json_int_t)(json_is_integer(before) ? json_integer_value(before) : INT64_MAX),
			      (json_int_t)(json_is_integer(lim) ? json_integer_value(lim) : 100));
	accord_status st = api->txn_exec(txn,
					 "SELECT id, at, actor, action, object, before, after FROM members_audit"
					 " WHERE id < ? ORDER BY id DESC LIMIT ?",
					 p, &rows);
	json_decref(p);
	if (st != ACCORD_OK)
		return st;
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
	{
		const char *keys[] = {"before", "after"};
		for (int k = 0; k < 2; k++) {
			const char *txt = json_string_value(json_object_get(r, keys[k]));
			json_object_set_new(r, keys[k], txt ? json_loads(txt, 0, NULL) : json_null());
		}
	}
	*out = json_pack("{s:o}", "entries", rows);
	return ACCORD_OK;
}

static void h_audit(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	if (!may(req, MA_AUDIT))
		return;
	const json_t *lim = json_object_get(d, "limit"), *before = json_object_get(d, "before");
	if ((lim && (!json_is_integer(lim) || json_integer_value(lim) < 1 || json_integer_value(lim) > 1000)) ||
	    (before && !json_is_integer(before))) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST,
				 "limit: 1-1000; before: an entry id (integers)");
		return;
	}
	run(req, json_deep_copy(d), audit_work, NULL);
}

/* ---------------- export: HTTP and CLI ---------------- */

typedef struct xjob {
	accord_http *h;
	int csv;
} xjob;

static accord_status export_work(accord_txn *txn, void *ud, json_t **out)
{
	(void)ud;
	return api->txn_exec(txn, MEMBERS_EXPORT_SQL, NULL, out);
}

static void export_done(accord_plugin_ctx *p, accord_status st, json_t *rows, void *ud)
{
	(void)p;
	xjob *x = ud;
	char *body = st == ACCORD_OK ? (x->csv ? members_export_csv(rows) : members_export_json(rows))
				     : NULL;
	if (body)
		api->http_respond(x->h, 200, x->csv ? "text/csv; charset=utf-8" : "application/json",
				  body, strlen(body));
	else
		api->http_respond(x->h, 500, "application/json", "{\"error\":\"internal\"}", 20);
	free(body);
	json_decref(rows);
	free(x);
}

static void http_export(accord_plugin_ctx *p, accord_http *h, const accord_principal *who, void *ud)
{
	(void)ud;
	const char *fmt = api->http_query(h, "format");
	if (!who) {
		api->http_respond(h, 401, "application/json", "{\"error\":\"unauthenticated\"}", 27);
		return;
	}
	if (!members_allowed(roles_of(who), MA_EXPORT)) {
		api->http_respond(h, 403, "application/json", "{\"error\":\"forbidden\"}", 21);
		return;
	}
	if (fmt && strcmp(fmt, "csv") && strcmp(fmt, "json")) {
		const char *m = "{\"error\":\"bad_request\",\"message\":\"format: csv or json\"}";
		api->http_respond(h, 400, "application/json", m, strlen(m));
		return;
	}
	xjob *x = calloc(1, sizeof(*x));
	x->h = h;
	x->csv = !fmt || !strcmp(fmt, "csv");
	if (api->db_run(p, export_work, export_done, x)) {
		free(x);
		api->http_respond(h, 503, "application/json", "{\"error\":\"unavailable\"}", 23);
	}
}

static int cli_members(accord_plugin_ctx *p, accord_txn *txn, int argc, char **argv)
{
	(void)p;
	int csv = 1;
	if (argc < 2 || strcmp(argv[1], "export"))
		goto usage;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--format") && i + 1 < argc) {
			i++;
			if (!strcmp(argv[i], "json"))
				csv = 0;
			else if (strcmp(argv[i], "csv"))
				goto usage;
		} else
			goto usage;
	}
	json_t *rows = NULL;
	if (api->txn_exec(txn, MEMBERS_EXPORT_SQL, NULL, &rows) != ACCORD_OK)
		return 1;
	char *body = csv ? members_export_csv(rows) : members_export_json(rows);
	json_decref(rows);
	if (!body)
		return 1;
	fputs(body, stdout);
	if (!csv)
		fputs("\n", stdout);
	free(body);
	return 0;
usage:
	fprintf(stderr, "usage: accord members export [--config FILE] [--format csv|json]\n");
	return 2;
}

/* ---------------- topic "network" ---------------- */

static accord_status check_network(accord_plugin_ctx *p, const accord_principal *who,
				   const char *topic, void *ud)
{
	(void)p;
	(void)ud;
	if (strcmp(topic, "network"))
		return ACCORD_E_NOT_FOUND;
	return api->principal_is_partner(who) ? ACCORD_E_NOT_FOUND : ACCORD_OK;
}

/* ---------------- demo seed ---------------- */

static accord_status seed(accord_plugin_ctx *p, accord_txn *txn, const json_t *demo)
{
	(void)p;
	const char *cp = json_string_value(json_object_get(json_object_get(demo, "network"),
							   "state_counterpart"));
	size_t i, k;
	const json_t *o, *person;
	int64_t now = api->now_ms();
	json_array_foreach(json_object_get(demo, "organisations"), i, o)
	{
		const char *code = json_string_value(json_object_get(o, "code"));
		json_t *prm = json_pack("[s,O,O,O,i,I,I]", code, json_object_get(o, "name"),
					json_object_get(o, "kind"), json_object_get(o, "standing"),
					cp && code && !strcmp(cp, code), (json_int_t)now, (json_int_t)now);
		accord_status st = api->txn_exec(
			txn,
			"INSERT INTO members_orgs(code, name, kind, standing, active, state_counterpart,"
			" created_at, updated_at) VALUES(?,?,?,?,1,?,?,?) ON CONFLICT(code) DO UPDATE SET"
			" name=excluded.name, kind=excluded.kind, standing=excluded.standing,"
			" state_counterpart=excluded.state_counterpart",
			prm, NULL);
		json_decref(prm);
		if (st != ACCORD_OK)
			return st;
		json_array_foreach(json_object_get(o, "people"), k, person)
		{
			char roles[128] = "";
			size_t r;
			const json_t *role;
			json_array_foreach(json_object_get(person, "roles"), r, role)
			{
				if (*roles)
					strcat(roles, ",");
				strncat(roles, json_string_value(role), sizeof(roles) - strlen(roles) - 2);
			}
			json_t *in = json_pack("{s:O,s:O,s:s,s:O,s:s,s:s,s:b}", "login",
					       json_object_get(person, "login"), "name",
					       json_object_get(person, "name"), "org", code, "function",
					       json_object_get(person, "function"), "contact", "",
					       "roles", roles, "active", 1);
			st = person_write(txn, in, NULL, NULL, NULL);
			json_decref(in);
			if (st != ACCORD_OK)
				return st;
		}
	}
	/* The network says who seeded it (accord init --admin: the first
	 * account); the demo file says nothing. */
	const json_t *by = json_object_get(demo, "seed");
	const char *actor = json_string_value(json_object_get(by, "by"));
	const char *what = json_string_value(json_object_get(by, "what"));
	return audit(txn, actor ? actor : "accord init --demo", "seed", what ? what : "demo network",
		     NULL, NULL);
}

/* ---------------- plugin entry ---------------- */

/* What partners see of a released organisation: its name and kind and
 * its people's names and functions (no contacts, no roles). */
static accord_status describe_org(accord_txn *txn, const char *id, json_t **out, void *ud)
{
	(void)ud;
	accord_status st = accord_describe_row(api, txn,
				   "SELECT code, name, kind, standing, active FROM members_orgs WHERE code=?",
				   id, 0, out);
	json_t *people = NULL;
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "SELECT name, function FROM members_people WHERE org_code=? AND active"
				 " ORDER BY name", json_pack("[s]", id), &people);
	if (st == ACCORD_OK) {
		json_object_set_new(*out, "active", json_boolean(json_integer_value(json_object_get(*out, "active"))));
		json_object_set_new(*out, "people", people);
	}
	return st;
}

static accord_status init(accord_plugin_ctx *p, const accord_host_api *host, const json_t *cfg)
{
	(void)cfg;
	api = host;
	self = p;
	if (ACCORD_API_HAS(api, item_kind) && api->item_kind(p, "org", describe_org, NULL))
		return ACCORD_E_INTERNAL;
	if (!ACCORD_API_HAS(api, service_export))
		return ACCORD_E_INTERNAL;
	if (members_service_init(api, p))
		return ACCORD_E_INTERNAL;
	if (api->namespace_claim(p, "members") ||
	    api->handle(p, "members.orgs", h_orgs, 0, NULL) ||
	    api->handle(p, "members.people", h_people, 0, NULL) ||
	    api->handle(p, "members.org.save", h_org_save, 0, NULL) ||
	    api->handle(p, "members.person.save", h_person_save, 0, NULL) ||
	    api->handle(p, "members.person.deactivate", h_deactivate, 0, NULL) ||
	    api->handle(p, "members.invite", h_invite, 0, NULL) ||
	    api->handle(p, "members.person.reset", h_reset, 0, NULL) ||
	    api->handle(p, "members.presence", h_presence, 0, NULL) ||
	    api->handle(p, "members.audit", h_audit, 0, NULL) ||
	    api->auth_extension(p, "accept_invite", h_accept, NULL) ||
	    api->auth_extension(p, "reset_password", h_reset_accept, NULL) ||
	    api->topic_register(p, "network", check_network, NULL) ||
	    api->http_route(p, "export", http_export, NULL) ||
	    api->cli(p, "members", "export [--format csv|json]", cli_members))
		return ACCORD_E_INTERNAL;
	api->listen(p, ACCORD_EV_LOGIN, on_core_event, NULL);
	api->listen(p, ACCORD_EV_LOGOUT, on_core_event, NULL);
	api->listen(p, ACCORD_EV_DISCONNECT, on_core_event, NULL);
	api->db_run(p, orgs_load_work, orgs_load_done, NULL); /* fails harmlessly in CLI mode */
	return ACCORD_OK;
}

static void fini(accord_plugin_ctx *p)
{
	(void)p;
	free(orgs);
	free(on);
	orgs = NULL;
	on = NULL;
	n_orgs = n_on = cap_on = 0;
	members_service_fini();
}

static const accord_service_ref provides[] = {{ACCORD_SVC_MEMBERS, ACCORD_SVC_MEMBERS_V, 0},
					      {NULL, 0, 0}};

static const accord_plugin desc = {
	.abi_major = ACCORD_ABI_MAJOR,
	.struct_size = sizeof(accord_plugin),
	.name = "membership",
	.version = "1.0.0",
	.description = "organisations, people, roles, invitations, the members list, presence",
	.init = init,
	.fini = fini,
	.migrations = migrations,
	.seed = seed,
	.provides = provides,
	.table_prefix = "members",
};

ACCORD_EXPORT const accord_plugin *accord_plugin_entry(void) { return &desc; }
