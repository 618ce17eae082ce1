/*
 * Authentication: accounts, password checks, session tokens.
 *
 * Passwords are stored as argon2id strings (libsodium crypto_pwhash_str) and
 * checked on the crypto worker thread, never on the loop.  A session token is
 * 32 random bytes sent to the client as 43 base64url characters; only its
 * BLAKE2b hash is stored, with an expiry and a revocation time.  A login
 * goes: storage read (account) -> worker (verify) -> storage write (session,
 * durable) -> reply.  An unknown login is verified against a dummy hash so
 * that both failures take the same time and answer the same words.
 */
#include "auth.h"
#include "bus.h"
#include "clock.h"
#include "conn.h"
#include "envelope.h"
#include "log.h"
#include "plugin_host.h"
#include "registry.h"
#include "req.h"
#include "session.h"
#include "token.h"

#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define BAD_LOGIN "wrong login or password"

_Static_assert(AUTH_HASH_BYTES == crypto_pwhash_STRBYTES, "AUTH_HASH_BYTES is libsodium's size");

const accord_migration core_migrations[] = {
	{1, "CREATE TABLE accounts("
	    " id INTEGER PRIMARY KEY,"
	    " login TEXT NOT NULL UNIQUE,"
	    " name TEXT NOT NULL,"
	    " org TEXT NOT NULL DEFAULT '',"
	    " standing TEXT NOT NULL DEFAULT 'member' CHECK(standing IN ('member','partner')),"
	    " roles TEXT NOT NULL DEFAULT '',"
	    " password_hash TEXT,"
	    " active INTEGER NOT NULL DEFAULT 1,"
	    " created_at INTEGER NOT NULL);"
	    "CREATE TABLE sessions("
	    " token_hash TEXT PRIMARY KEY,"
	    " account_id INTEGER NOT NULL REFERENCES accounts(id),"
	    " created_at INTEGER NOT NULL,"
	    " expires_at INTEGER NOT NULL,"
	    " revoked_at INTEGER);"
	    "CREATE INDEX sessions_account ON sessions(account_id);"},
	/* The interface language a person chose, kept for their account so
	 * that every browser and device opens in it (issue 15). */
	{2, "ALTER TABLE accounts ADD COLUMN lang TEXT NOT NULL DEFAULT ''"},
	{0, NULL}};

static char dummy_hash[crypto_pwhash_STRBYTES];

int auth_init(server *srv)
{
	(void)srv;
	if (sodium_init() < 0)
		return -1;
	/* A real hash of a random password, for unknown logins. */
	char pw[32];
	randombytes_buf(pw, sizeof(pw));
	if (crypto_pwhash_str(dummy_hash, pw, sizeof(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE))
		return -1;
	return 0;
}

#define ACCOUNT_COLS "a.id, a.login, a.name, a.org, a.standing, a.roles, a.lang"

/* ---------------- auth.login ---------------- */

typedef struct login_job {
	server *srv;
	atomic_int gone; /* set by the loop: the connection closed meanwhile */
	int skipped;     /* so the password was not checked */
	struct accord_req *req;
	char login[65];
	char peer[64];
	char password[1025];
	char hash[crypto_pwhash_STRBYTES];
	int found;
	int verified;
	struct accord_principal who;
	char token[TOKEN_CHARS + 1];
	char th[TOKEN_HASH_HEX];
	int64_t expires;
	char new_hash[crypto_pwhash_STRBYTES]; /* set when the parameters changed */
} login_job;

/* Failed logins are throttled, never locked: a hard lock per account is a
 * switch that any anonymous client can hold down for the owner.  Two tables,
 * both on the loop and in memory only (see docs/operations.md, "Failed
 * logins", for why they do not persist):
 *
 * - per (login, client address): after limits.login_failures_max failures,
 *   that address waits before its next attempt for that login, 1 s, then 2,
 *   4, ... up to limits.login_lockout_s.  One address hammering one account
 *   only slows itself.
 * - per login, over all addresses: each address adds at most
 *   login_failures_max failures to the account's score; beyond
 *   limits.login_account_failures_max, addresses that have never logged in
 *   to the account wait one second more per failure, up to
 *   limits.login_account_delay_max_s.  A distributed attack slows down; an
 *   address the account logged in from before is not slowed by others, and
 *   the wait stays short, so the owner is never locked out.
 *
 * Unknown logins are counted exactly like known ones, so the answers reveal
 * nothing.  Failures are forgotten after twice login_lockout_s without one.
 * Both tables are bounded: when full, the least recently used entry makes
 * room. */
#define PAIR_SLOTS 4096
#define ACCT_SLOTS 4096
static struct pair_slot {
	char login[65];
	char peer[64];
	int64_t used_ms; /* last failure or success */
	int64_t fail_ms; /* last failure */
	long fails;
	int known; /* the account logged in from this address */
} pairs[PAIR_SLOTS];
static struct acct_slot {
	char login[65];
	int64_t fail_ms;
	long score;
} accts[ACCT_SLOTS];

static int64_t forget_ms(server *srv) { return srv->cfg->limits.login_lockout_s * 2000; }

static struct pair_slot *pair_find(server *srv, const char *login, const char *peer, int create)
{
	struct pair_slot *lru = &pairs[0];
	for (int i = 0; i < PAIR_SLOTS; i++) {
		struct pair_slot *p = &pairs[i];
		if (p->login[0] && !strcmp(p->login, login) && !strcmp(p->peer, peer)) {
			if (p->fails && now_ms() - p->fail_ms > forget_ms(srv))
				p->fails = 0;
			return p;
		}
		if (p->used_ms < lru->used_ms)
			lru = p;
	}
	if (!create)
		return NULL;
	memset(lru, 0, sizeof(*lru));
	snprintf(lru->login, sizeof(lru->login), "%s", login);
	snprintf(lru->peer, sizeof(lru->peer), "%s", peer);
	lru->used_ms = now_ms();
	return lru;
}

static struct acct_slot *acct_find(server *srv, const char *login, int create)
{
	struct acct_slot *lru = &accts[0];
	for (int i = 0; i < ACCT_SLOTS; i++) {
		struct acct_slot *a = &accts[i];
		if (a->login[0] && !strcmp(a->login, login)) {
			if (a->score && now_ms() - a->fail_ms > forget_ms(srv))
				a->score = 0;
			return a;
		}
		if (a->fail_ms < lru->fail_ms)
			lru = a;
	}
	if (!create)
		return NULL;
	memset(lru, 0, sizeof(*lru));
	snprintf(lru->login, sizeof(lru->login), "%s", login);
	return lru;
}

/* The wait, in ms, before this address may try this login again, and in
 * *account_wide whether the account's score (not the address's own
 * failures) imposes it. */
static int64_t login_wait_ms(server *srv, const char *login, const char *peer, int *account_wide)
{
	const accord_limits *lim = &srv->cfg->limits;
	int64_t wait = 0;
	*account_wide = 0;
	struct pair_slot *p = pair_find(srv, login, peer, 0);
	if (p && p->fails >= lim->login_failures_max) {
		long over = p->fails - lim->login_failures_max;
		int64_t d = over >= 20 ? lim->login_lockout_s * 1000 : (int64_t)1000 << over;
		if (d > lim->login_lockout_s * 1000)
			d = lim->login_lockout_s * 1000;
		wait = p->fail_ms + d - now_ms();
	}
	struct acct_slot *a = acct_find(srv, login, 0);
	if (a && !(p && p->known) && a->score >= lim->login_account_failures_max) {
		int64_t d = (a->score - lim->login_account_failures_max + 1) * 1000;
		if (d > lim->login_account_delay_max_s * 1000)
			d = lim->login_account_delay_max_s * 1000;
		int64_t w = a->fail_ms + d - now_ms();
		if (w > wait) {
			wait = w;
			*account_wide = 1;
		}
	}
	return wait > 0 ? wait : 0;
}

static void login_failed(server *srv, const char *login, const char *peer)
{
	struct pair_slot *p = pair_find(srv, login, peer, 1);
	struct acct_slot *a = acct_find(srv, login, 1);
	if (p->fails < srv->cfg->limits.login_failures_max) {
		a->score++;
		a->fail_ms = now_ms();
	}
	p->fails++;
	p->fail_ms = p->used_ms = now_ms();
}

/* The owner logged in: this address starts afresh for this account and is
 * no longer slowed by failures from other addresses.  The account's score
 * stays, so that one success in the middle of a distributed attack does not
 * give the attacker a fresh set of tries. */
static void login_succeeded(server *srv, const char *login, const char *peer)
{
	struct pair_slot *p = pair_find(srv, login, peer, 1);
	p->fails = 0;
	p->known = 1;
	p->used_ms = now_ms();
}

static void login_free(login_job *j)
{
	sodium_memzero(j->password, sizeof(j->password));
	sodium_memzero(j->token, sizeof(j->token));
	free(j);
}

static void login_fail(login_job *j, accord_status st, const char *msg)
{
	conn *c = j->req->c;
	c->auth_busy = 0;
	c->auth_login[0] = 0;
	c->auth_job = NULL;
	req_reply_error(j->req, st, msg);
	login_free(j);
}

static accord_status login_store_session(accord_txn *txn, void *ud, json_t **out)
{
	(void)out;
	login_job *j = ud;
	json_t *p = json_pack("[s,I,I,I]", j->th, (json_int_t)j->who.id,
			      (json_int_t)(now_ms() / 1000), (json_int_t)j->expires);
	accord_status st = txn_exec(txn,
				    "INSERT INTO sessions(token_hash, account_id, created_at, expires_at)"
				    " VALUES(?,?,?,?)",
				    p, NULL);
	json_decref(p);
	if (st == ACCORD_OK && j->new_hash[0]) {
		p = json_pack("[s,I]", j->new_hash, (json_int_t)j->who.id);
		st = txn_exec(txn, "UPDATE accounts SET password_hash=? WHERE id=?", p, NULL);
		json_decref(p);
	}
	return st;
}

static void login_session_done(accord_status st, json_t *out, void *ud)
{
	json_decref(out);
	login_job *j = ud;
	conn *c = j->req->c;
	if (st != ACCORD_OK) {
		login_fail(j, ACCORD_E_INTERNAL, "could not store the session");
		return;
	}
	c->auth_busy = 0;
	c->auth_login[0] = 0;
	c->auth_job = NULL;
	if (!c->wsi) { /* client left meanwhile */
		req_reply_error(j->req, ACCORD_E_UNAVAILABLE, "connection closed");
		login_free(j);
		return;
	}
	if (conn_set_principal(c, &j->who, j->th, j->expires)) {
		req_reply_error(j->req, ACCORD_E_INTERNAL, "out of memory");
		login_free(j);
		return;
	}
	json_t *ev = json_pack("{s:I,s:I}", "conn", (json_int_t)c->id, "user", (json_int_t)j->who.id);
	plugins_dispatch_event(c->srv->plugins, ACCORD_EV_LOGIN, "login", ev, c->who);
	json_decref(ev);
	req_reply_ok(j->req, json_pack("{s:s,s:I,s:o}", "token", j->token, "expires",
				       (json_int_t)j->expires, "user", principal_to_json(&j->who)));
	login_free(j);
}

/* Runs on the worker thread.  A check whose connection has closed while it
 * waited is skipped: under a login flood most waiting checks belong to
 * clients that gave up or were closed by the authentication deadline, and
 * hashing for them would only delay the living (bench/login_flood.mjs). */
static void login_verify_run(void *ud)
{
	login_job *j = ud;
	if (atomic_load(&j->gone)) {
		j->skipped = 1;
		return;
	}
	const char *h = j->found ? j->hash : dummy_hash;
	int ok = crypto_pwhash_str_verify(h, j->password, strlen(j->password)) == 0;
	j->verified = ok && j->found;
	/* Stored with older (weaker) parameters: store it again with today's. */
	if (j->verified &&
	    crypto_pwhash_str_needs_rehash(j->hash, crypto_pwhash_OPSLIMIT_INTERACTIVE,
					   crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0 &&
	    auth_hash_password(j->password, j->new_hash))
		j->new_hash[0] = 0;
}

static void login_verify_done(void *ud)
{
	login_job *j = ud;
	server *srv = j->srv;
	if (j->skipped) { /* nothing was checked: nothing to count */
		login_fail(j, ACCORD_E_UNAVAILABLE, "connection closed");
		return;
	}
	if (!j->verified) {
		char safe[65];
		size_t k = 0;
		for (const char *q = j->login; *q && k < sizeof(safe) - 1; q++)
			safe[k++] = (*q >= 0x20 && *q < 0x7f && *q != '"') ? *q : '?';
		safe[k] = 0;
		log_info("failed login for \"%s\" from %s", safe, j->peer);
		login_failed(srv, j->login, j->peer);
		login_fail(j, ACCORD_E_UNAUTHENTICATED, BAD_LOGIN);
		return;
	}
	login_succeeded(srv, j->login, j->peer);
	token_new(j->token, j->th);
	j->expires = now_ms() / 1000 + srv->cfg->limits.session_ttl_s;
	if (storage_submit(srv->st, login_store_session, login_session_done, j))
		login_fail(j, ACCORD_E_UNAVAILABLE, "the server is busy, try again");
}

static accord_status login_lookup(accord_txn *txn, void *ud, json_t **out)
{
	login_job *j = ud;
	json_t *p = json_pack("[s]", j->login);
	accord_status st = txn_exec(txn,
				    "SELECT " ACCOUNT_COLS ", a.password_hash FROM accounts a"
				    " WHERE a.login=? AND a.active=1",
				    p, out);
	json_decref(p);
	return st;
}

static void login_lookup_done(accord_status st, json_t *rows, void *ud)
{
	login_job *j = ud;
	if (st != ACCORD_OK) {
		json_decref(rows);
		login_fail(j, ACCORD_E_INTERNAL, "could not read the account");
		return;
	}
	json_t *row = json_array_get(rows, 0);
	const json_t *h = json_object_get(row, "password_hash");
	if (row && json_is_string(h) && !principal_from_row(&j->who, row)) {
		snprintf(j->hash, sizeof(j->hash), "%s", json_string_value(h));
		j->found = 1;
	}
	json_decref(rows);
	/* A login of an account from an address it logged in from before goes
	 * first: a flood of password checks from strangers queues behind it
	 * (bench/login_flood.mjs measures the difference). */
	struct pair_slot *known = pair_find(j->srv, j->login, j->peer, 0);
	int rc = known && known->known
			 ? worker_submit_urgent(j->srv->crypto, login_verify_run, login_verify_done, j)
			 : worker_submit(j->srv->crypto, login_verify_run, login_verify_done, j);
	if (rc)
		login_fail(j, ACCORD_E_RATE_LIMITED, "too many logins in progress, try again");
	else
		j->req->c->auth_job = j;
}

typedef struct logout_job {
	struct accord_req *req; /* NULL: revoke without replying */
	char hex[65];
} logout_job;
static accord_status logout_store(accord_txn *txn, void *ud, json_t **out);
static void logout_done(accord_status st, json_t *out, void *ud);

/* Revocations the loop has sent to storage, numbered.  A resume remembers
 * the number when its look-up is queued; when the look-up comes back, a
 * revocation of its token queued meanwhile may have run after the read (the
 * read saw the session still valid), so the resume must not use the answer.
 * Revocations queued before the look-up ran before it (one storage thread,
 * first in first out), and those queued after the resume succeeded find the
 * connection by its token and end it.  So the three cases together mean a
 * revoked token never authenticates, whatever the order of the jobs.  The
 * log is a ring: when more revocations happened meanwhile than it holds, the
 * resume reads again instead of guessing. */
#define REVOKE_LOG 64
static uint64_t revoke_gen;
static char revoke_log[REVOKE_LOG][TOKEN_HASH_HEX];

static void revocation_queued(const char *th)
{
	revoke_gen++;
	snprintf(revoke_log[revoke_gen % REVOKE_LOG], TOKEN_HASH_HEX, "%s", th);
}

/* 1: th was revoked after generation since; 0: it was not; -1: unknown (the
 * ring wrapped meanwhile). */
static int revoked_since(uint64_t since, const char *th)
{
	if (revoke_gen - since >= REVOKE_LOG)
		return -1;
	for (uint64_t g = since + 1; g <= revoke_gen; g++)
		if (!strcmp(revoke_log[g % REVOKE_LOG], th))
			return 1;
	return 0;
}

/* Ends the connection's session: the token is revoked durably in the
 * background (a new login or resume replaces it) and subscriptions end. */
static void replace_session(conn *c)
{
	if (c->has_token) {
		logout_job *j = calloc(1, sizeof(*j));
		if (j) {
			snprintf(j->hex, sizeof(j->hex), "%s", c->token_hash);
			if (storage_submit(c->srv->st, logout_store, logout_done, j))
				free(j);
			else
				revocation_queued(j->hex);
		}
	}
}

static void logout_local(conn *c)
{
	if (!c->who)
		return;
	json_t *ev = json_pack("{s:I,s:I}", "conn", (json_int_t)c->id, "user",
			       (json_int_t)c->who->id);
	plugins_dispatch_event(c->srv->plugins, ACCORD_EV_LOGOUT, "logout", ev, c->who);
	json_decref(ev);
	bus_unsubscribe_all(c->srv->bus, c);
	conn_clear_principal(c);
}

static void auth_login(server *srv, conn *c, struct accord_req *r, const json_t *d)
{
	const json_t *l = json_object_get(d, "login"), *p = json_object_get(d, "password");
	if (!json_is_string(l) || json_string_length(l) < 1 || json_string_length(l) > 64) {
		req_reply_error(r, ACCORD_E_BAD_REQUEST, "login: expected a string of 1-64 bytes");
		return;
	}
	if (!json_is_string(p) || json_string_length(p) < 1 || json_string_length(p) > 1024) {
		req_reply_error(r, ACCORD_E_BAD_REQUEST,
				"password: expected a string of 1-1024 bytes");
		return;
	}
	if (c->auth_busy) {
		req_reply_error(r, ACCORD_E_CONFLICT, "a login is already in progress");
		return;
	}
	int account_wide;
	int64_t wait = login_wait_ms(srv, json_string_value(l), c->peer, &account_wide);
	if (wait) {
		char msg[160];
		snprintf(msg, sizeof(msg),
			 "too many failed logins for this account%s: try again in %lld seconds",
			 account_wide ? "" : " from your address", (long long)((wait + 999) / 1000));
		req_reply_error(r, ACCORD_E_RATE_LIMITED, msg);
		return;
	}
	/* Password checks are expensive: one address may not hold more than
	 * a few at once, so others can still log in under a login flood.  And
	 * one address tries one login at a time, or parallel guesses would all
	 * pass the wait above before the first failure is counted. */
	long same = 0;
	for (conn *o = srv->conns; o; o = o->next) {
		if (!o->auth_busy || strcmp(o->peer, c->peer))
			continue;
		same++;
		if (!strcmp(o->auth_login, json_string_value(l))) {
			req_reply_error(r, ACCORD_E_RATE_LIMITED,
					"a login for this account from your address is in progress,"
					" try again");
			return;
		}
	}
	if (same >= srv->cfg->limits.max_logins_per_address) {
		req_reply_error(r, ACCORD_E_RATE_LIMITED,
				"too many logins in progress from your address, try again");
		return;
	}
	login_job *j = calloc(1, sizeof(*j));
	if (!j) {
		req_reply_error(r, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	j->srv = srv;
	j->req = r;
	snprintf(j->login, sizeof(j->login), "%s", json_string_value(l));
	snprintf(j->peer, sizeof(j->peer), "%s", c->peer);
	snprintf(j->password, sizeof(j->password), "%s", json_string_value(p));
	replace_session(c);
	logout_local(c);
	c->auth_busy = 1;
	snprintf(c->auth_login, sizeof(c->auth_login), "%s", j->login);
	if (storage_submit(srv->st, login_lookup, login_lookup_done, j))
		login_fail(j, ACCORD_E_UNAVAILABLE, "the server is busy, try again");
}

void auth_conn_gone(conn *c)
{
	if (c->auth_job)
		atomic_store(&c->auth_job->gone, 1);
}

/* ---------------- token lookup (auth.resume, HTTP bearer) ---------------- */

typedef struct resolve_job {
	server *srv;
	char th[TOKEN_HASH_HEX];
	auth_resolve_fn cb;
	void *ud;
} resolve_job;

static accord_status resolve_lookup(accord_txn *txn, void *ud, json_t **out)
{
	resolve_job *j = ud;
	json_t *p = json_pack("[s,I]", j->th, (json_int_t)(now_ms() / 1000));
	accord_status st = txn_exec(
		txn,
		"SELECT " ACCOUNT_COLS ", s.expires_at FROM sessions s JOIN accounts a"
		" ON a.id = s.account_id WHERE s.token_hash=? AND s.revoked_at IS NULL"
		" AND s.expires_at > ? AND a.active = 1",
		p, out);
	json_decref(p);
	return st;
}

static void resolve_done(accord_status st, json_t *rows, void *ud)
{
	resolve_job *j = ud;
	struct accord_principal who;
	json_t *row = st == ACCORD_OK ? json_array_get(rows, 0) : NULL;
	int ok = row && !principal_from_row(&who, row);
	j->cb(j->srv, ok ? &who : NULL,
	      ok ? (int64_t)json_integer_value(json_object_get(row, "expires_at")) : 0, j->ud);
	json_decref(rows);
	free(j);
}

static int resolve_hash(server *srv, const char *th, auth_resolve_fn cb, void *ud)
{
	resolve_job *j = calloc(1, sizeof(*j));
	if (!j)
		return -1;
	j->srv = srv;
	snprintf(j->th, sizeof(j->th), "%s", th);
	j->cb = cb;
	j->ud = ud;
	if (storage_submit(srv->st, resolve_lookup, resolve_done, j)) {
		free(j);
		return -1;
	}
	return 0;
}

int auth_resolve_token(server *srv, const char *token, auth_resolve_fn cb, void *ud)
{
	char th[TOKEN_HASH_HEX];
	if (token_hash(token, th)) {
		cb(srv, NULL, 0, ud);
		return 0;
	}
	return resolve_hash(srv, th, cb, ud);
}

typedef struct resume_ctx {
	struct accord_req *req;
	char th[TOKEN_HASH_HEX];
	uint64_t gen; /* revoke_gen when the look-up was queued */
	int rereads;  /* look-ups queued again because the revocation log wrapped */
} resume_ctx;

#define RESUME_REREADS_MAX 3

static void resume_done(server *srv, const struct accord_principal *who, int64_t expires, void *ud);

/* Queues the session look-up of a resume and notes which revocations it
 * will see. */
static int resume_lookup(server *srv, resume_ctx *rc)
{
	rc->gen = revoke_gen;
	return resolve_hash(srv, rc->th, resume_done, rc);
}

/* The session look-up of auth.resume came back.  Before the connection acts
 * for the person, revocations queued while the look-up was under way are
 * checked (see revocation_queued): one of this token means refused, and an
 * unknown answer means reading again, after them. */
static void resume_done(server *srv, const struct accord_principal *who, int64_t expires, void *ud)
{
	resume_ctx *rc = ud;
	conn *c = rc->req->c;
	int revoked = who ? revoked_since(rc->gen, rc->th) : 0;
	if (revoked < 0 && rc->rereads < RESUME_REREADS_MAX && c->wsi) {
		rc->rereads++;
		if (!resume_lookup(srv, rc))
			return;
	}
	c->auth_busy = 0;
	if (revoked < 0) {
		req_reply_error(rc->req, ACCORD_E_UNAVAILABLE,
				"sessions are being revoked, try again");
	} else if (!who || revoked) {
		req_reply_error(rc->req, ACCORD_E_UNAUTHENTICATED,
				"unknown, expired or revoked token: log in again");
	} else if (!c->wsi) {
		req_reply_error(rc->req, ACCORD_E_UNAVAILABLE, "connection closed");
	} else if (conn_set_principal(c, who, rc->th, expires)) {
		req_reply_error(rc->req, ACCORD_E_INTERNAL, "out of memory");
	} else {
		json_t *ev = json_pack("{s:I,s:I}", "conn", (json_int_t)c->id, "user",
				       (json_int_t)who->id);
		plugins_dispatch_event(c->srv->plugins, ACCORD_EV_LOGIN, "login", ev, c->who);
		json_decref(ev);
		req_reply_ok(rc->req, json_pack("{s:I,s:o}", "expires", (json_int_t)expires, "user",
						principal_to_json(who)));
	}
	free(rc);
}

static void auth_resume(server *srv, conn *c, struct accord_req *r, const json_t *d)
{
	const json_t *t = json_object_get(d, "token");
	if (!json_is_string(t)) {
		req_reply_error(r, ACCORD_E_BAD_REQUEST, "token: required string");
		return;
	}
	if (c->auth_busy) {
		req_reply_error(r, ACCORD_E_CONFLICT, "a login is already in progress");
		return;
	}
	resume_ctx *rc = calloc(1, sizeof(*rc));
	if (!rc) {
		req_reply_error(r, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	rc->req = r;
	if (token_hash(json_string_value(t), rc->th)) {
		free(rc);
		req_reply_error(r, ACCORD_E_UNAUTHENTICATED,
				"unknown, expired or revoked token: log in again");
		return;
	}
	replace_session(c);
	logout_local(c);
	c->auth_busy = 1;
	if (resume_lookup(srv, rc)) {
		c->auth_busy = 0;
		free(rc);
		req_reply_error(r, ACCORD_E_UNAVAILABLE, "the server is busy, try again");
	}
}

/* ---------------- auth.logout ---------------- */

static accord_status logout_store(accord_txn *txn, void *ud, json_t **out)
{
	(void)out;
	logout_job *j = ud;
	json_t *p = json_pack("[I,s]", (json_int_t)(now_ms() / 1000), j->hex);
	accord_status st = txn_exec(
		txn, "UPDATE sessions SET revoked_at=? WHERE token_hash=? AND revoked_at IS NULL",
		p, NULL);
	json_decref(p);
	return st;
}

static void logout_done(accord_status st, json_t *out, void *ud)
{
	json_decref(out);
	logout_job *j = ud;
	if (j->req && st != ACCORD_OK)
		req_reply_error(j->req, ACCORD_E_INTERNAL, "could not revoke the session");
	else if (j->req)
		req_reply_ok(j->req, NULL);
	else if (st != ACCORD_OK)
		log_err("could not revoke a replaced session");
	free(j);
}

static void auth_logout(server *srv, conn *c, struct accord_req *r, const json_t *d)
{
	(void)d;
	logout_job *j = calloc(1, sizeof(*j));
	if (!j) {
		req_reply_error(r, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	j->req = r;
	int had = c->has_token;
	snprintf(j->hex, sizeof(j->hex), "%s", c->token_hash);
	/* Every other connection of this session ends now too. */
	for (conn *o = srv->conns; had && o; o = o->next) {
		if (o == c || !o->has_token || strcmp(o->token_hash, c->token_hash))
			continue;
		logout_local(o);
		conn_close_after_flush(o, LWS_CLOSE_STATUS_POLICY_VIOLATION, "session revoked");
	}
	/* The connection stops acting for the person at once; the reply waits
	 * for the revocation to be durable. */
	logout_local(c);
	if (!had) {
		free(j);
		req_reply_ok(r, NULL);
		return;
	}
	if (storage_submit(srv->st, logout_store, logout_done, j)) {
		free(j);
		req_reply_error(r, ACCORD_E_UNAVAILABLE, "the server is busy, try again");
		return;
	}
	revocation_queued(j->hex);
}

static void sys_prefs(server *srv, conn *c, struct accord_req *r, const json_t *d);

void auth_register_handlers(server *srv)
{
	plugins_add_core_handler(srv->plugins, "sys.prefs", sys_prefs, ACCORD_REQ_PARTNER);
	plugins_add_core_handler(srv->plugins, "auth.login", auth_login, ACCORD_REQ_ANONYMOUS);
	plugins_add_core_handler(srv->plugins, "auth.resume", auth_resume, ACCORD_REQ_ANONYMOUS);
	plugins_add_core_handler(srv->plugins, "auth.logout", auth_logout, ACCORD_REQ_PARTNER);
}

/* ---------------- accounts (CLI / init) ---------------- */

/* The one place that chooses the argon2id parameters: the server (logins,
 * invitations) and the command line (init, passwd) hash alike, so a
 * password set from the shell is never rehashed or weaker. */
int auth_hash_password(const char *password, char hash[AUTH_HASH_BYTES])
{
	return crypto_pwhash_str(hash, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
				 crypto_pwhash_MEMLIMIT_INTERACTIVE)
		       ? -1
		       : 0;
}

/* Sets login's password hash and revokes every session of the account, in
 * txn: whoever held the old password (or a token got with it) must log in
 * again.  Returns the number of sessions revoked, or -1 when there is no
 * such login (or on a database error). */
int accounts_set_password(accord_txn *txn, const char *login, const char *password_hash)
{
	json_t *p = json_pack("[s,s]", password_hash, login);
	accord_status st = txn_exec(txn, "UPDATE accounts SET password_hash=? WHERE login=?", p,
				    NULL);
	json_decref(p);
	if (st != ACCORD_OK || txn_changes(txn) != 1)
		return -1;
	p = json_pack("[I,s]", (json_int_t)(now_ms() / 1000), login);
	st = txn_exec(txn,
		      "UPDATE sessions SET revoked_at=? WHERE revoked_at IS NULL AND"
		      " account_id=(SELECT id FROM accounts WHERE login=?)",
		      p, NULL);
	json_decref(p);
	return st == ACCORD_OK ? txn_changes(txn) : -1;
}

int accounts_upsert(accord_txn *txn, const char *login, const char *name, const char *org,
		    const char *standing, const char *roles, const char *password_hash)
{
	json_t *p = json_pack("[s,s,s,s,s,s,I]", login, name, org, standing, roles, password_hash,
			      (json_int_t)(now_ms() / 1000));
	accord_status st = txn_exec(
		txn,
		"INSERT INTO accounts(login, name, org, standing, roles, password_hash, created_at)"
		" VALUES(?,?,?,?,?,?,?) ON CONFLICT(login) DO UPDATE SET name=excluded.name,"
		" org=excluded.org, standing=excluded.standing, roles=excluded.roles,"
		" password_hash=excluded.password_hash, active=1",
		p, NULL);
	json_decref(p);
	return st == ACCORD_OK ? 0 : -1;
}

/* ---------------- host API: accounts ---------------- */

typedef struct pwhash_job {
	struct accord_plugin_ctx *p;
	char password[1025];
	char hash[crypto_pwhash_STRBYTES];
	int ok;
	void (*done)(struct accord_plugin_ctx *p, const char *hash, void *ud);
	void *ud;
} pwhash_job;

static void pwhash_run(void *ud)
{
	pwhash_job *j = ud;
	j->ok = auth_hash_password(j->password, j->hash) == 0;
	sodium_memzero(j->password, sizeof(j->password));
}

static void pwhash_done(void *ud)
{
	pwhash_job *j = ud;
	j->done(j->p, j->ok ? j->hash : NULL, j->ud);
	sodium_memzero(j->hash, sizeof(j->hash));
	free(j);
}

int auth_password_hash(struct accord_plugin_ctx *p, const char *password,
		       void (*done)(struct accord_plugin_ctx *p, const char *hash, void *ud),
		       void *ud)
{
	server *srv = plugin_server(p);
	if (!password || !done || strlen(password) > 1024 || !srv->crypto)
		return -1;
	pwhash_job *j = calloc(1, sizeof(*j));
	if (!j)
		return -1;
	j->p = p;
	j->done = done;
	j->ud = ud;
	snprintf(j->password, sizeof(j->password), "%s", password);
	if (worker_submit(srv->crypto, pwhash_run, pwhash_done, j)) {
		sodium_memzero(j->password, sizeof(j->password));
		free(j);
		return -1;
	}
	return 0;
}

accord_status account_save(accord_txn *txn, const json_t *a, int64_t *id)
{
	const char *login = json_string_value(json_object_get(a, "login"));
	const char *name = json_string_value(json_object_get(a, "name"));
	const char *org = json_string_value(json_object_get(a, "org"));
	const char *standing = json_string_value(json_object_get(a, "standing"));
	const json_t *roles = json_object_get(a, "roles");
	const json_t *active = json_object_get(a, "active");
	const json_t *hash = json_object_get(a, "password_hash");
	if (!login || !name || !org || !standing || (roles && !json_is_array(roles)))
		return ACCORD_E_BAD_REQUEST;
	char r[128] = "";
	size_t i;
	const json_t *v;
	json_array_foreach(roles, i, v) {
		if (!json_is_string(v))
			return ACCORD_E_BAD_REQUEST;
		if (*r)
			strncat(r, ",", sizeof(r) - strlen(r) - 1);
		strncat(r, json_string_value(v), sizeof(r) - strlen(r) - 1);
	}
	int act = !active || json_is_true(active);
	if (json_is_true(json_object_get(a, "create_only"))) {
		json_t *rows = NULL;
		json_t *q = json_pack("[s]", login);
		accord_status s0 = txn_exec(txn, "SELECT id FROM accounts WHERE login=?", q, &rows);
		json_decref(q);
		size_t n = json_array_size(rows);
		json_decref(rows);
		if (s0 != ACCORD_OK)
			return s0;
		if (n)
			return ACCORD_E_CONFLICT;
	}
	json_t *p = json_pack("[s,s,s,s,s,o,i,I]", login, name, org, standing, r,
			      json_is_string(hash) ? json_incref((json_t *)hash) : json_null(), act,
			      (json_int_t)(now_ms() / 1000));
	accord_status st = txn_exec(
		txn,
		"INSERT INTO accounts(login, name, org, standing, roles, password_hash, active,"
		" created_at) VALUES(?,?,?,?,?,?,?,?) ON CONFLICT(login) DO UPDATE SET"
		" name=excluded.name, org=excluded.org, standing=excluded.standing,"
		" roles=excluded.roles, active=excluded.active,"
		" password_hash=coalesce(excluded.password_hash, accounts.password_hash)",
		p, NULL);
	json_decref(p);
	if (st != ACCORD_OK)
		return st;
	json_t *rows = NULL;
	p = json_pack("[s]", login);
	st = txn_exec(txn, "SELECT id FROM accounts WHERE login=?", p, &rows);
	json_decref(p);
	int64_t aid = (int64_t)json_integer_value(json_object_get(json_array_get(rows, 0), "id"));
	json_decref(rows);
	if (st != ACCORD_OK || !aid)
		return ACCORD_E_INTERNAL;
	if (id)
		*id = aid;
	if (!act) {
		p = json_pack("[I,I]", (json_int_t)(now_ms() / 1000), (json_int_t)aid);
		st = txn_exec(
			txn,
			"UPDATE sessions SET revoked_at=? WHERE account_id=? AND revoked_at IS NULL",
			p, NULL);
		json_decref(p);
	}
	return st;
}

typedef struct refresh_job {
	server *srv;
	int64_t id;
} refresh_job;

static accord_status refresh_lookup(accord_txn *txn, void *ud, json_t **out)
{
	refresh_job *j = ud;
	json_t *p = json_pack("[I]", (json_int_t)j->id);
	accord_status st = txn_exec(
		txn, "SELECT " ACCOUNT_COLS ", a.active FROM accounts a WHERE a.id=?", p, out);
	json_decref(p);
	return st;
}

static void refresh_done(accord_status st, json_t *rows, void *ud)
{
	refresh_job *j = ud;
	server *srv = j->srv;
	json_t *row = st == ACCORD_OK ? json_array_get(rows, 0) : NULL;
	struct accord_principal who;
	int active = row && json_integer_value(json_object_get(row, "active")) == 1 &&
		     !principal_from_row(&who, row);
	if (st == ACCORD_OK) {
		bus_acl_changed(srv->bus);
		for (conn *c = srv->conns; c; c = c->next) {
			if (!c->who || c->who->id != j->id)
				continue;
			if (active) {
				*c->who = who;
				bus_recheck_conn(srv->bus, c); /* at once, not at the next event */
				continue;
			}
			logout_local(c);
			conn_close_after_flush(c, LWS_CLOSE_STATUS_POLICY_VIOLATION,
					       "account deactivated");
		}
	}
	json_decref(rows);
	free(j);
}

void auth_account_changed(struct accord_plugin_ctx *p, int64_t account_id)
{
	server *srv = plugin_server(p);
	refresh_job *j = calloc(1, sizeof(*j));
	if (!j)
		return;
	j->srv = srv;
	j->id = account_id;
	if (storage_submit(srv->st, refresh_lookup, refresh_done, j))
		free(j);
}

/* ---------------- sys.prefs: a person's own settings ---------------- */

/* The interface languages the web client has (web/i18n/<lang>.json). */
static const char *const LANGS[] = {"en", "ru", "kk", NULL};

typedef struct prefs_job {
	server *srv;
	struct accord_req *req;
	int64_t id;
	char lang[8];
} prefs_job;

static accord_status prefs_work(accord_txn *txn, void *ud, json_t **out)
{
	(void)out;
	prefs_job *j = ud;
	json_t *p = json_pack("[s,I]", j->lang, (json_int_t)j->id);
	accord_status st = txn_exec(txn, "UPDATE accounts SET lang=? WHERE id=?", p, NULL);
	json_decref(p);
	return st;
}

static void prefs_done(accord_status st, json_t *out, void *ud)
{
	prefs_job *j = ud;
	json_decref(out);
	if (st == ACCORD_OK) {
		/* Every open connection of the person: the next resume or
		 * login answers the new language too. */
		for (conn *c = j->srv->conns; c; c = c->next)
			if (c->who && c->who->id == j->id)
				snprintf(c->who->lang, sizeof(c->who->lang), "%s", j->lang);
		req_reply_ok(j->req, json_pack("{s:s}", "lang", j->lang));
	} else
		req_reply_error(j->req, st, "could not save the setting");
	free(j);
}

static void sys_prefs(server *srv, conn *c, struct accord_req *r, const json_t *d)
{
	const json_t *lang = json_object_get(d, "lang");
	int ok = 0;
	for (const char *const *l = LANGS; json_is_string(lang) && *l && !ok; l++)
		ok = !strcmp(*l, json_string_value(lang));
	if (!ok) {
		req_reply_error(r, ACCORD_E_BAD_REQUEST, "lang: en, ru or kk");
		return;
	}
	prefs_job *j = calloc(1, sizeof(*j));
	if (!j) {
		req_reply_error(r, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	j->srv = srv;
	j->req = r;
	j->id = c->who->id;
	snprintf(j->lang, sizeof(j->lang), "%s", json_string_value(lang));
	if (storage_submit(srv->st, prefs_work, prefs_done, j)) {
		free(j);
		req_reply_error(r, ACCORD_E_UNAVAILABLE, "the server is busy, try again");
	}
}

int auth_account_online(struct accord_plugin_ctx *p, int64_t account_id)
{
	int n = 0;
	for (conn *c = plugin_server(p)->conns; c; c = c->next)
		if (c->who && c->who->id == account_id && !c->closing)
			n++;
	return n;
}
