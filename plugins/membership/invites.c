/*
 * Membership: one-time links.  Invitations (members.invite,
 * auth.accept_invite) and password resets (members.person.reset,
 * auth.reset_password) share one path: read the link, check it, hash the
 * password off the loop, write.
 */
#include "membership.h"

#define INVITE_TTL_H_DEFAULT 168
#define RESET_TTL_H_DEFAULT 48
#define RESET_TTL_H_MAX 168
#define MIN_PASSWORD 10

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

/* Queues the job's first step, or answers why it cannot (and frees it). */
static void submit(invite_job *j, accord_db_work_fn work, accord_db_done_fn done)
{
	if (!j->in) {
		api->reply_error(j->req, ACCORD_E_INTERNAL, "out of memory");
		invite_free(j);
	} else if (api->db_run(self, work, done, j)) {
		api->reply_error(j->req, ACCORD_E_UNAVAILABLE, "the server is busy, try again");
		invite_free(j);
	}
}

static accord_status invite_work(accord_txn *txn, void *ud, json_t **out)
{
	invite_job *j = ud;
	json_t *o = request__row0(txn, "SELECT active FROM members_orgs WHERE code=?",
				  json_pack("[O]", json_object_get(j->in, "org")));
	int ok = o && json_integer_value(json_object_get(o, "active")) == 1;
	json_decref(o);
	if (!ok)
		return request__fail(out, ACCORD_E_BAD_REQUEST, "org: no such active organisation");
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
		st = audit__add(txn, j->actor, "invite", json_string_value(json_object_get(j->in, "org")),
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
	if (!request__may(req, MA_INVITE))
		return;
	char roles[128];
	const char *contact;
	if (!request__str(req, d, "org", 16, 1, members_valid_code) ||
	    !request__str(req, d, "name", 200, 1, NULL) ||
	    !request__str(req, d, "function", 16, 1, members_valid_function) ||
	    !(contact = request__str(req, d, "contact", 300, 0, NULL)) ||
	    request__roles(req, d, roles, sizeof(roles)))
		return;
	const json_t *ttl = json_object_get(d, "ttl_hours");
	if (ttl && (!json_is_integer(ttl) || json_integer_value(ttl) < 1 || json_integer_value(ttl) > 720)) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "ttl_hours: an integer from 1 to 720");
		return;
	}
	int64_t hours = ttl ? json_integer_value(ttl) : INVITE_TTL_H_DEFAULT;
	invite_job *j = calloc(1, sizeof(*j));
	if (!j) {
		api->reply_error(req, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	j->req = req;
	snprintf(j->actor, sizeof(j->actor), "%s", request__actor(req));
	api->token_new(j->token, j->th);
	j->in = json_pack("{s:O,s:O,s:O,s:s,s:s,s:I}", "org", json_object_get(d, "org"), "name",
			  json_object_get(d, "name"), "function", json_object_get(d, "function"),
			  "contact", contact, "roles", roles, "expires",
			  (json_int_t)(api->now_ms() + hours * 3600 * 1000));
	submit(j, invite_work, invite_done);
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
	*out = request__row0(txn, INVITE_SELECT, json_pack("[s]", j->th));
	return ACCORD_OK;
}

static accord_status accept_write(accord_txn *txn, void *ud, json_t **out)
{
	invite_job *j = ud;
	json_t *inv = request__row0(txn, INVITE_SELECT, json_pack("[s]", j->th));
	accord_status st;
	const char *why = invite_problem(inv, &st);
	if (why) { /* used or expired meanwhile */
		json_decref(inv);
		return request__fail(out, st, why);
	}
	json_t *in = json_pack("{s:s,s:O,s:O,s:O,s:O,s:O,s:b,s:b}", "login", j->login, "name",
			       json_object_get(inv, "name"), "org", json_object_get(inv, "org_code"),
			       "function", json_object_get(inv, "function"), "contact",
			       json_object_get(inv, "contact"), "roles", json_object_get(inv, "roles"),
			       "active", 1, "create_only", 1);
	json_decref(inv);
	st = people__write(txn, in, j->hash, &j->account_id);
	if (st == ACCORD_E_CONFLICT) {
		json_decref(in);
		return request__fail(out, st, "login already taken: choose another");
	}
	if (st == ACCORD_E_NOT_FOUND) {
		json_decref(in);
		return request__fail(out, ACCORD_E_CONFLICT, "the organisation of this invitation is gone");
	}
	if (st == ACCORD_OK)
		st = accord_exec(api, txn, "UPDATE members_invites SET used_at=?, used_by=? WHERE token_hash=?",
				   json_pack("[I,s,s]", (json_int_t)api->now_ms(), j->login, j->th), NULL);
	if (st == ACCORD_OK) {
		json_object_del(in, "create_only");
		st = audit__add(txn, j->login, "invite.accept", j->login, NULL, in);
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
		request__publish_changed("person", j->login, "joined");
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
	(void)p;
	(void)ud;
	const json_t *tok = json_object_get(d, "token"), *pw = json_object_get(d, "password");
	if (!json_is_string(tok)) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "token: required string");
		return;
	}
	if (!request__str(req, d, "login", 32, 1, members_valid_login))
		return;
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
	submit(j, accept_read, link_read_done);
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
	json_t *person = request__row0(txn, PERSON_SELECT, json_pack("[s]", login));
	int active = person && json_integer_value(json_object_get(person, "active")) == 1;
	int found = person != NULL;
	json_decref(person);
	if (!found)
		return request__fail(out, ACCORD_E_NOT_FOUND, "login: no such person");
	if (!active)
		return request__fail(out, ACCORD_E_CONFLICT,
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
		st = audit__add(txn, j->actor, "person.reset", login, NULL, j->in);
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
	if (!request__may(req, MA_RESET_PASSWORD) || !request__str(req, d, "login", 32, 1, members_valid_login))
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
	snprintf(j->actor, sizeof(j->actor), "%s", request__actor(req));
	api->token_new(j->token, j->th);
	j->in = json_pack("{s:O,s:I}", "login", json_object_get(d, "login"), "expires",
			  (json_int_t)(api->now_ms() + hours * 3600 * 1000));
	submit(j, reset_work, reset_done);
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
	*out = request__row0(txn, RESET_SELECT, json_pack("[s]", j->th));
	return ACCORD_OK;
}

static accord_status reset_write(accord_txn *txn, void *ud, json_t **out)
{
	invite_job *j = ud;
	json_t *r = request__row0(txn, RESET_SELECT, json_pack("[s]", j->th));
	accord_status st;
	const char *why = reset_problem(r, &st);
	if (why) {
		json_decref(r);
		return request__fail(out, st, why);
	}
	snprintf(j->login, sizeof(j->login), "%s", json_string_value(json_object_get(r, "login")));
	json_decref(r);
	json_t *person = request__row0(txn, PERSON_SELECT, json_pack("[s]", j->login));
	if (!person)
		return ACCORD_E_INTERNAL;
	json_t *in = json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:b}", "login", json_object_get(person, "login"),
			       "name", json_object_get(person, "name"), "org", json_object_get(person, "org"),
			       "function", json_object_get(person, "function"), "contact",
			       json_object_get(person, "contact"), "roles", json_object_get(person, "roles"),
			       "active", 1);
	json_decref(person);
	st = people__write(txn, in, j->hash, &j->account_id);
	json_decref(in);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn, "UPDATE members_resets SET used_at=? WHERE token_hash=?",
				 json_pack("[I,s]", (json_int_t)api->now_ms(), j->th), NULL);
	if (st == ACCORD_OK)
		st = audit__add(txn, j->login, "person.password_reset", j->login, NULL, NULL);
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
	(void)p;
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
	submit(j, reset_read, link_read_done);
}

int invites__init(accord_plugin_ctx *p)
{
	return api->handle(p, "members.invite", h_invite, 0, NULL) ||
	       api->handle(p, "members.person.reset", h_reset, 0, NULL) ||
	       api->auth_extension(p, "accept_invite", h_accept, NULL) ||
	       api->auth_extension(p, "reset_password", h_reset_accept, NULL);
}
