/*
 * Membership: one-time links.  The secretariat issues them (members.invite,
 * members.person.reset): a token made here, of which only the hash is
 * stored, answered once.  Their holder uses them before logging in
 * (auth.accept_invite, auth.reset_password), along one path: read the link,
 * check it, hash the password off the loop, write (checking the link again
 * in the write's transaction).
 */
#include "membership.h"
#include "service.h"

#define INVITE_TTL_H_DEFAULT 168
#define RESET_TTL_H_DEFAULT 48

/* ---------------- issuing a link ---------------- */

/* The secret of a new link, kept in its job's state and wiped with it. */
typedef struct secret {
	char token[44]; /* answered once, never stored */
	char th[65];    /* its hash, stored */
} secret;

static void secret_wipe(accord_job *j) { explicit_bzero(j->state, sizeof(secret)); }

/* On the loop after the commit: the reply, with the token. */
static accord_status issued(accord_job *j, json_t **out)
{
	const secret *s = j->state;
	json_decref(*out);
	*out = json_pack("{s:s,s:O}", "token", s->token, "expires",
			 json_object_get(j->in, "expires"));
	if (*out && json_object_get(j->in, "mailed")) /* an invitation */
		json_object_set(*out, "mailed", json_object_get(j->in, "mailed"));
	return *out ? ACCORD_OK : accord_job_fail(out, ACCORD_E_INTERNAL, "out of memory");
}

/* Runs work, which stores a new link described by in (taken).  The reply
 * carries a secret, so it is never kept for a retried request: a link's
 * job runs without the request's retry key, and a request sent again makes
 * a new link (the reset voids the earlier one; an invitation not used
 * expires). */
static void issue(accord_req *req, json_t *in, accord_job_work_fn work, const char *failed)
{
	if (!in) {
		api->reply_error(req, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	accord_job *j = accord_job_new(api, self, req, in, work, issued, sizeof(secret));
	if (!j)
		return;
	j->retry_key[0] = 0;
	j->cleanup = secret_wipe;
	j->not_found_msg = j->conflict_msg = j->error_msg = failed;
	secret *s = j->state;
	api->token_new(s->token, s->th);
	accord_job_submit(j);
}

/* members.invite {org, name, function, contact?, roles?, ttl_hours?} ->
 * {token, expires}. */
static accord_status invite_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const secret *s = j->state;
	json_t *o = NULL;
	accord_status st = request__row(txn, "SELECT active FROM members_orgs WHERE code=?",
					json_pack("[O]", json_object_get(j->in, "org")), &o);
	int ok = o && json_integer_value(json_object_get(o, "active")) == 1;
	json_decref(o);
	if (st != ACCORD_OK)
		return st;
	if (!ok)
		return accord_job_fail(out, ACCORD_E_BAD_REQUEST, "org: no such active organisation");
	json_t *p = json_pack("[s,O,O,O,O,O,s,I,O]", s->th, json_object_get(j->in, "org"),
			      json_object_get(j->in, "name"), json_object_get(j->in, "function"),
			      json_object_get(j->in, "contact"), json_object_get(j->in, "roles"),
			      j->actor, (json_int_t)api->now_ms(), json_object_get(j->in, "expires"));
	st = api->txn_exec(txn,
			   "INSERT INTO members_invites(token_hash, org_code, name, function, contact, roles,"
			   " created_by, created_at, expires_at) VALUES(?,?,?,?,?,?,?,?,?)",
			   p, NULL);
	json_decref(p);
	if (st == ACCORD_OK) /* the audit records the invitation, never its token */
		st = audit__add(txn, j->actor, "invite",
				json_string_value(json_object_get(j->in, "org")), NULL, j->in);
	/* The link goes by mail when a plugin mails invitations (notify), in
	 * this transaction: stored and queued together, or neither. */
	int mailed = 0;
	json_t *inv = st == ACCORD_OK ? json_deep_copy(j->in) : NULL;
	if (inv && !json_object_set_new(inv, "token", json_string(s->token)))
		st = members_service_invited(txn, inv, &mailed);
	else if (st == ACCORD_OK)
		st = ACCORD_E_INTERNAL;
	if (inv) {
		const char *t = json_string_value(json_object_get(inv, "token"));
		if (t)
			explicit_bzero((char *)t, strlen(t));
		json_decref(inv);
	}
	if (st == ACCORD_OK)
		json_object_set_new(j->in, "mailed", json_boolean(mailed));
	return st;
}

#define REQ (ACCORD_ARG_REQUIRED | ACCORD_ARG_NULL_OK)
static const accord_arg invite_args[] = {
	{.name = "org",
	 .type = ACCORD_ARG_STRING,
	 .flags = REQ,
	 .min = 1,
	 .max = 16,
	 .check = request__check_code},
	{.name = "name", .type = ACCORD_ARG_STRING, .flags = REQ, .min = 1, .max = 200},
	{.name = "function",
	 .type = ACCORD_ARG_STRING,
	 .flags = REQ,
	 .min = 1,
	 .max = 16,
	 .one_of = members_functions},
	{.name = "contact", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_NULL_OK, .max = 300},
	REQUEST__ROLES_ARG,
	{.name = "ttl_hours", .type = ACCORD_ARG_INT, .min = 1, .max = 720},
	{0}};

static void h_invite(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	char roles[128];
	request__roles_csv(d, roles, sizeof(roles));
	const char *contact = json_string_value(json_object_get(d, "contact"));
	const json_t *ttl = json_object_get(d, "ttl_hours");
	int64_t hours = ttl ? json_integer_value(ttl) : INVITE_TTL_H_DEFAULT;
	issue(req,
	      json_pack("{s:O,s:O,s:O,s:s,s:s,s:I}", "org", json_object_get(d, "org"), "name",
			json_object_get(d, "name"), "function", json_object_get(d, "function"),
			"contact", contact ? contact : "", "roles", roles, "expires",
			(json_int_t)(api->now_ms() + hours * 3600 * 1000)),
	      invite_work, "could not store the invitation");
}

/* members.person.reset {login, ttl_hours?} -> {token, expires}: the
 * secretariat makes a one-time link for a person who lost their password,
 * rather than choosing a password itself (so nobody but the person ever
 * knows it).  A new link voids the person's earlier unused ones.  The old
 * password keeps working until the link is used: issuing a link locks
 * nobody out. */
static accord_status reset_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const secret *s = j->state;
	const char *login = json_string_value(json_object_get(j->in, "login"));
	json_t *person = NULL;
	accord_status st = request__row(txn, PERSON_SELECT, json_pack("[s]", login), &person);
	int active = person && json_integer_value(json_object_get(person, "active")) == 1;
	int found = person != NULL;
	json_decref(person);
	if (st != ACCORD_OK)
		return st;
	if (!found)
		return accord_job_fail(out, ACCORD_E_NOT_FOUND, "login: no such person");
	if (!active)
		return accord_job_fail(
			out, ACCORD_E_CONFLICT,
			"this person is deactivated: a new password would not let them in");
	int64_t now = api->now_ms();
	st = accord_exec(api, txn, "DELETE FROM members_resets WHERE login=? AND used_at IS NULL",
			 json_pack("[s]", login), NULL);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "INSERT INTO members_resets(token_hash, login, created_by, created_at,"
				 " expires_at) VALUES(?,?,?,?,?)",
				 json_pack("[s,s,s,I,O]", s->th, login, j->actor, (json_int_t)now,
					   json_object_get(j->in, "expires")),
				 NULL);
	if (st == ACCORD_OK) /* the audit records the reset link, never its token */
		st = audit__add(txn, j->actor, "person.reset", login, NULL, j->in);
	return st;
}

static const accord_arg reset_args[] = {
	{.name = "login",
	 .type = ACCORD_ARG_STRING,
	 .flags = REQ,
	 .min = 1,
	 .max = 32,
	 .check = request__check_login},
	{.name = "ttl_hours", .type = ACCORD_ARG_INT, .min = 1, .max = 168},
	{0}};
#undef REQ

static void h_reset(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	const json_t *ttl = json_object_get(d, "ttl_hours");
	int64_t hours = ttl ? json_integer_value(ttl) : RESET_TTL_H_DEFAULT;
	issue(req,
	      json_pack("{s:O,s:I}", "login", json_object_get(d, "login"), "expires",
			(json_int_t)(api->now_ms() + hours * 3600 * 1000)),
	      reset_work, "could not store the reset link");
}

/* ---------------- using a link ---------------- */

/* What differs between the two kinds of link. */
typedef struct link_kind {
	const char *select; /* the link by its token's hash */
	/* NULL if the link's row (NULL: none) is usable, else the error (code
	 * in *st). */
	const char *(*problem)(const json_t *row, accord_status *st);
	accord_job_work_fn write;    /* stores the password, uses up the link */
	accord_job_after_fn written; /* on the loop after the commit, or NULL */
	const char *unknown, *read_failed, *busy, *write_failed;
} link_kind;

/* One use of a link, from its request to the write.  It outlives the read
 * job (the password is hashed in between), so it is allocated apart. */
typedef struct link_use {
	const link_kind *kind;
	accord_req *req;
	char th[65];
	char login[40]; /* accept: the login chosen; reset: the link's */
	char *password; /* until handed to the worker */
	char hash[200];
} link_use;

static void link_free(link_use *l)
{
	if (!l)
		return;
	if (l->password) {
		explicit_bzero(l->password, strlen(l->password));
		free(l->password);
	}
	explicit_bzero(l->hash, sizeof(l->hash));
	free(l);
}

/* A job's cleanup: the link, when the job still holds it. */
static void link_release(accord_job *j)
{
	link_free(j->state);
	j->state = NULL;
}

static accord_status link_read(accord_txn *txn, accord_job *j, json_t **out)
{
	const link_use *l = j->state;
	return request__row(txn, l->kind->select, json_pack("[s]", l->th), out);
}

/* The write's work: the kind's, and an error it gave no message is
 * answered internal with the kind's message. */
static accord_status link_write(accord_txn *txn, accord_job *j, json_t **out)
{
	const link_use *l = j->state;
	accord_status st = l->kind->write(txn, j, out);
	if (st != ACCORD_OK && !json_string_value(json_object_get(*out, "message")))
		return accord_job_fail(out, ACCORD_E_INTERNAL, l->kind->write_failed);
	return st;
}

static void link_hashed(accord_plugin_ctx *p, const char *hash, void *ud)
{
	(void)p;
	link_use *l = ud;
	if (!hash) {
		api->reply_error(l->req, ACCORD_E_RATE_LIMITED, "too busy, try again");
		link_free(l);
		return;
	}
	snprintf(l->hash, sizeof(l->hash), "%s", hash);
	accord_job *j = accord_job_new(api, self, l->req, NULL, link_write, l->kind->written, 0);
	if (!j) { /* it answered "out of memory" */
		link_free(l);
		return;
	}
	j->state = l;
	j->cleanup = link_release;
	accord_job_submit(j);
}

/* On the loop, the link read: if nothing is wrong with it, the password
 * goes to the worker and the link to link_hashed, which answers. */
static accord_status link_checked(accord_job *j, json_t **out)
{
	link_use *l = j->state;
	accord_status st;
	const char *why = l->kind->problem(*out, &st);
	if (why)
		return accord_job_fail(out, st, why);
	if (api->password_hash(self, l->password, link_hashed, l))
		return accord_job_fail(out, ACCORD_E_RATE_LIMITED, l->kind->busy);
	explicit_bzero(l->password, strlen(l->password)); /* the worker has its own copy */
	free(l->password);
	l->password = NULL;
	j->state = NULL; /* link_hashed has it now */
	accord_job_answered(j);
	return ACCORD_OK;
}

/* Starts the use of a link: {token, password} checked by the table. */
static void use_link(accord_req *req, const json_t *d, const link_kind *kind, const char *login)
{
	link_use *l = calloc(1, sizeof(*l));
	if (!l || !(l->password = strdup(json_string_value(json_object_get(d, "password"))))) {
		free(l);
		api->reply_error(req, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	l->kind = kind;
	l->req = req;
	snprintf(l->login, sizeof(l->login), "%s", login ? login : "");
	if (api->token_hash(json_string_value(json_object_get(d, "token")), l->th)) {
		api->reply_error(req, ACCORD_E_NOT_FOUND, kind->unknown);
		link_free(l);
		return;
	}
	accord_job *j = accord_job_new(api, self, req, NULL, link_read, link_checked, 0);
	if (!j) {
		link_free(l);
		return;
	}
	j->state = l;
	j->cleanup = link_release;
	j->not_found_msg = j->conflict_msg = j->error_msg = kind->read_failed;
	accord_job_submit(j);
}

/* auth.accept_invite {token, login, password} -> {login, org}: creates the
 * person and the account and uses up the invitation in one transaction. */
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

static accord_status accept_write(accord_txn *txn, accord_job *j, json_t **out)
{
	const link_use *l = j->state;
	json_t *inv = NULL;
	accord_status st = request__row(txn, l->kind->select, json_pack("[s]", l->th), &inv);
	if (st != ACCORD_OK)
		return st;
	const char *why = invite_problem(inv, &st);
	if (why) { /* used or expired meanwhile */
		json_decref(inv);
		return accord_job_fail(out, st, why);
	}
	json_t *in = json_pack("{s:s,s:O,s:O,s:O,s:O,s:O,s:b,s:b}", "login", l->login, "name",
			       json_object_get(inv, "name"), "org", json_object_get(inv, "org_code"),
			       "function", json_object_get(inv, "function"), "contact",
			       json_object_get(inv, "contact"), "roles",
			       json_object_get(inv, "roles"), "active", 1, "create_only", 1);
	json_decref(inv);
	st = people__write(txn, in, l->hash, NULL);
	if (st == ACCORD_E_CONFLICT) {
		json_decref(in);
		return accord_job_fail(out, st, "login already taken: choose another");
	}
	if (st == ACCORD_E_NOT_FOUND) {
		json_decref(in);
		return accord_job_fail(out, ACCORD_E_CONFLICT,
				       "the organisation of this invitation is gone");
	}
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "UPDATE members_invites SET used_at=?, used_by=? WHERE token_hash=?",
				 json_pack("[I,s,s]", (json_int_t)api->now_ms(), l->login, l->th),
				 NULL);
	if (st == ACCORD_OK) {
		json_object_del(in, "create_only");
		st = audit__add(txn, l->login, "invite.accept", l->login, NULL, in);
	}
	if (st == ACCORD_OK)
		*out = json_pack("{s:s,s:O}", "login", l->login, "org", json_object_get(in, "org"));
	json_decref(in);
	return st;
}

static accord_status accept_written(accord_job *j, json_t **out)
{
	(void)out;
	const link_use *l = j->state;
	request__publish_changed("person", l->login, "joined");
	return ACCORD_OK;
}

static const link_kind invitation = {
	.select = "SELECT org_code, name, function, contact, roles, expires_at, used_at"
		  " FROM members_invites WHERE token_hash=?",
	.problem = invite_problem,
	.write = accept_write,
	.written = accept_written,
	.unknown = "unknown invitation: check the link, or ask the secretariat for a new one",
	.read_failed = "could not read the invitation",
	.busy = "too many sign-ups in progress, try again",
	.write_failed = "could not create the account",
};

/* auth.reset_password {token, password} -> {login}: sets the password and
 * uses up the link in one transaction (checked again there: used or
 * expired meanwhile, or the person deactivated). */
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

static accord_status reset_write(accord_txn *txn, accord_job *j, json_t **out)
{
	link_use *l = j->state;
	json_t *r = NULL;
	accord_status st = request__row(txn, l->kind->select, json_pack("[s]", l->th), &r);
	if (st != ACCORD_OK)
		return st;
	const char *why = reset_problem(r, &st);
	if (why) {
		json_decref(r);
		return accord_job_fail(out, st, why);
	}
	snprintf(l->login, sizeof(l->login), "%s", json_string_value(json_object_get(r, "login")));
	json_decref(r);
	json_t *person = NULL;
	st = request__row(txn, PERSON_SELECT, json_pack("[s]", l->login), &person);
	if (st != ACCORD_OK || !person)
		return st != ACCORD_OK ? st : ACCORD_E_INTERNAL;
	json_t *in = json_pack(
		"{s:O,s:O,s:O,s:O,s:O,s:O,s:b}", "login", json_object_get(person, "login"), "name",
		json_object_get(person, "name"), "org", json_object_get(person, "org"), "function",
		json_object_get(person, "function"), "contact", json_object_get(person, "contact"),
		"roles", json_object_get(person, "roles"), "active", 1);
	json_decref(person);
	st = people__write(txn, in, l->hash, NULL);
	json_decref(in);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn, "UPDATE members_resets SET used_at=? WHERE token_hash=?",
				 json_pack("[I,s]", (json_int_t)api->now_ms(), l->th), NULL);
	if (st == ACCORD_OK)
		st = audit__add(txn, l->login, "person.password_reset", l->login, NULL, NULL);
	if (st == ACCORD_OK)
		*out = json_pack("{s:s}", "login", l->login);
	return st;
}

static const link_kind reset_link = {
	.select = "SELECT r.login, r.expires_at, r.used_at, p.active FROM members_resets r"
		  " JOIN members_people p ON p.login = r.login WHERE r.token_hash=?",
	.problem = reset_problem,
	.write = reset_write,
	.written = NULL,
	.unknown = "unknown reset link: check the link, or ask the secretariat for a new one",
	.read_failed = "could not read the reset link",
	.busy = "too many password changes in progress, try again",
	.write_failed = "could not set the password",
};

/* token: any string (one that is no token is unknown, not malformed). */
#define TOKEN_ARG                                                                                  \
	{                                                                                          \
		.name = "token", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED,          \
		.says = "required string"                                                          \
	}
#define PASSWORD_ARG                                                                               \
	{                                                                                          \
		.name = "password", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED,       \
		.min = 10, .max = 1024, .says = "10 to 1024 characters"                            \
	}

static const accord_arg accept_args[] = {TOKEN_ARG,
					 {.name = "login",
					  .type = ACCORD_ARG_STRING,
					  .flags = ACCORD_ARG_REQUIRED | ACCORD_ARG_NULL_OK,
					  .min = 1,
					  .max = 32,
					  .check = request__check_login},
					 PASSWORD_ARG,
					 {0}};

static const accord_arg reset_accept_args[] = {TOKEN_ARG, PASSWORD_ARG, {0}};

static void h_accept(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	use_link(req, d, &invitation, json_string_value(json_object_get(d, "login")));
}

static void h_reset_accept(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	use_link(req, d, &reset_link, NULL);
}

static accord_handler handlers[] = {
	{.verb = "members.invite", .fn = h_invite, .args = invite_args, .allow = request__may_invite},
	{.verb = "members.person.reset",
	 .fn = h_reset,
	 .args = reset_args,
	 .allow = request__may_reset_password},
	{.verb = "accept_invite", .fn = h_accept, .flags = ACCORD_HANDLE_AUTH, .args = accept_args},
	{.verb = "reset_password",
	 .fn = h_reset_accept,
	 .flags = ACCORD_HANDLE_AUTH,
	 .args = reset_accept_args},
	{0}};

int invites__init(accord_plugin_ctx *p) { return accord_handle_all(api, p, handlers); }
