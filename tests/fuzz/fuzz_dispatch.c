/*
 * libFuzzer target: the request dispatcher with the real plugins.
 *
 * Set-up (once per process): a temporary database seeded by the real
 * `accord init --demo`, the real core (storage thread, crypto worker, bus,
 * plugin loader) and the plugins of config/accord.json, a real lws context
 * that listens nowhere (for timers).  Connections are conn structs whose wsi
 * is a fake pointer: the only lws calls the core makes on a connection's wsi
 * (lws_callback_on_writable, lws_set_timeout) are wrapped at link time
 * (-Wl,--wrap), and the frames queued to a connection are read straight
 * from its outbound ring.  storage_submit and worker_submit are wrapped too,
 * to count work in flight: a message is handled when nothing is in flight.
 *
 * Through the dispatcher itself, as the co-chairs and secretariat, the
 * set-up plants a marker string in things partners must never see: a
 * person's contact details, an internal post and an internal item of a
 * working group that has a partner (CSO), a network proposal, and members'
 * comments on a group proposal that the group's partner can see.
 *
 * Each input: the first byte picks who speaks (anonymous, member, co-chair,
 * secretariat, partner in the group, state counterpart, other partner,
 * deactivated account resuming an old session); the rest is split on '\n'
 * into messages, dispatched one at a time on a fresh connection (logged in
 * with auth.resume and a session token taken at set-up).  After every
 * message, three partner connections (MOL, MFA, CSO) try to subscribe to
 * every topic, and the checks are:
 *   - no frame sent to any partner connection contains the marker;
 *   - every consensus.tally event sent during the message agrees with the
 *     positions stored in the database (read through a separate SQLite
 *     connection): `responded` is exactly the voting, still active member
 *     organisations with a stored position, and `counts` count them;
 *   - every request gets exactly one reply.
 *
 * Messages that would carry the marker themselves, releases (portal) of the
 * planted items (a release is an explicit decision to show them), and
 * password checks (auth.login, auth.accept_invite: argon2id would make each
 * run take seconds) are skipped.
 */
#include "server.h"
#include "log.h"

#include <stdarg.h>

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MARKER "ZQ-INTERNAL-7f3a-ZQ"
#define PASSWORD "fuzz-demo-pass-123"

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		fprintf(stderr, "fuzz_dispatch: " __VA_ARGS__);                                    \
		fprintf(stderr, "\n");                                                             \
		abort();                                                                           \
	} while (0)

/* ---------------- link-time wraps ---------------- */

static char fake_wsi_mem[64];
#define FAKE_WSI ((struct lws *)(void *)fake_wsi_mem)

int __real_lws_callback_on_writable(struct lws *wsi);
int __wrap_lws_callback_on_writable(struct lws *wsi)
{
	if (wsi == FAKE_WSI)
		return 0;
	return __real_lws_callback_on_writable(wsi);
}

void __real_lws_set_timeout(struct lws *wsi, enum pending_timeout reason, int secs);
void __wrap_lws_set_timeout(struct lws *wsi, enum pending_timeout reason, int secs)
{
	if (wsi == FAKE_WSI)
		return; /* a dropped connection: conn->dropped says so */
	__real_lws_set_timeout(wsi, reason, secs);
}

static pthread_mutex_t wake_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cv = PTHREAD_COND_INITIALIZER;
static int wake_flag;
static long inflight; /* storage jobs + password checks not yet completed (loop only) */

static void notify(void *ud)
{
	(void)ud;
	pthread_mutex_lock(&wake_mu);
	wake_flag = 1;
	pthread_cond_signal(&wake_cv);
	pthread_mutex_unlock(&wake_mu);
}

struct sjob {
	storage_work_fn work;
	storage_done_fn done;
	void *ud;
};
static accord_status sjob_work(accord_txn *txn, void *ud, json_t **out)
{
	struct sjob *j = ud; /* on the storage thread: reads only what submit wrote */
	return j->work ? j->work(txn, j->ud, out) : ACCORD_OK;
}
static void sjob_done(accord_status st, json_t *out, void *ud)
{
	struct sjob *j = ud;
	inflight--;
	if (j->done)
		j->done(st, out, j->ud);
	else
		json_decref(out);
	free(j);
}
int __real_storage_submit(storage *s, storage_work_fn work, storage_done_fn done, void *ud);
int __wrap_storage_submit(storage *s, storage_work_fn work, storage_done_fn done, void *ud)
{
	struct sjob *j = malloc(sizeof(*j));
	j->work = work;
	j->done = done;
	j->ud = ud;
	inflight++;
	int rc = __real_storage_submit(s, sjob_work, sjob_done, j);
	if (rc) {
		inflight--;
		free(j);
	}
	return rc;
}

struct wjob {
	worker_run_fn run;
	worker_done_fn done;
	void *ud;
};
static void wjob_run(void *ud)
{
	struct wjob *j = ud;
	j->run(j->ud);
}
static void wjob_done(void *ud)
{
	struct wjob *j = ud;
	inflight--;
	if (j->done)
		j->done(j->ud);
	free(j);
}
int __real_worker_submit(worker *w, worker_run_fn run, worker_done_fn done, void *ud);
int __wrap_worker_submit(worker *w, worker_run_fn run, worker_done_fn done, void *ud)
{
	struct wjob *j = malloc(sizeof(*j));
	j->run = run;
	j->done = done;
	j->ud = ud;
	inflight++;
	int rc = __real_worker_submit(w, wjob_run, wjob_done, j);
	if (rc) {
		inflight--;
		free(j);
	}
	return rc;
}
int __real_worker_submit_urgent(worker *w, worker_run_fn run, worker_done_fn done, void *ud);
int __wrap_worker_submit_urgent(worker *w, worker_run_fn run, worker_done_fn done, void *ud)
{
	struct wjob *j = malloc(sizeof(*j));
	j->run = run;
	j->done = done;
	j->ud = ud;
	inflight++;
	int rc = __real_worker_submit_urgent(w, wjob_run, wjob_done, j);
	if (rc) {
		inflight--;
		free(j);
	}
	return rc;
}

/* ---------------- the server ---------------- */

static server srv_mem, *srv = &srv_mem;
static accord_config cfg;
static sqlite3 *ro; /* read-only view of the database for the checks */
static char tmpdir[256];
static int trace; /* FUZZ_TRACE=1: print every frame */

static void settle(void)
{
	for (int spins = 0;; spins++) {
		storage_run_completions(srv->st);
		worker_run_completions(srv->crypto);
		if (inflight == 0)
			break;
		pthread_mutex_lock(&wake_mu);
		if (!wake_flag) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 20 * 1000 * 1000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&wake_cv, &wake_mu, &ts);
		}
		wake_flag = 0;
		pthread_mutex_unlock(&wake_mu);
		if (spins > 3000) /* a minute: the libFuzzer -timeout catches it first */
			FAIL("work still in flight after a minute (%ld jobs)", inflight);
	}
}

/* A connection as ws_callback's ESTABLISHED makes it. */
static conn *conn_open(void)
{
	conn *c = calloc(1, sizeof(*c));
	c->srv = srv;
	c->wsi = FAKE_WSI;
	c->refs = 1;
	c->id = ++srv->next_conn_id;
	snprintf(c->peer, sizeof(c->peer), "127.0.0.%u", (unsigned)(c->id % 250) + 1);
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	srv->n_conns++;
	json_t *ev = json_pack("{s:I}", "conn", (json_int_t)c->id);
	plugins_dispatch_event(srv->plugins, ACCORD_EV_CONNECT, "connect", ev, NULL);
	json_decref(ev);
	return c;
}

/* ... and as CLOSED ends it. */
static void conn_gone(conn *c)
{
	deadline_cancel(srv->timers, &c->auth_dl);
	deadline_cancel(srv->timers, &c->close_dl);
	json_t *ev = json_pack("{s:I,s:o}", "conn", (json_int_t)c->id, "user",
			       c->who ? json_integer((json_int_t)c->who->id) : json_null());
	plugins_dispatch_event(srv->plugins, ACCORD_EV_DISCONNECT, "disconnect", ev, c->who);
	json_decref(ev);
	bus_unsubscribe_all(srv->bus, c);
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv->n_conns--;
	c->wsi = NULL;
	c->closing = 1;
	conn_unref(c);
}

/* Takes the frames queued to c (as the writeable callback would). */
typedef void (*frame_fn)(conn *c, const char *text, size_t len, void *ud);
static void drain(conn *c, frame_fn fn, void *ud)
{
	while (c->q_len) {
		msgbuf *m = c->q[c->q_head];
		c->q_head = (c->q_head + 1) % c->q_cap;
		c->q_len--;
		c->q_bytes -= m->len;
		if (fn)
			fn(c, msgbuf_text(m), m->len, ud);
		msgbuf_unref(m);
	}
}

/* ---------------- set-up helpers ---------------- */

static void last_frame(conn *c, const char *text, size_t len, void *ud)
{
	(void)c;
	json_t **out = ud;
	json_t *j = json_loadb(text, len, 0, NULL);
	if (j && json_object_get(j, "re")) {
		json_decref(*out);
		*out = j;
	} else
		json_decref(j);
}

/* Sends one request and returns its reply (owned). */
static json_t *call(conn *c, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	dispatch_message(srv, c, buf, strlen(buf));
	settle();
	json_t *reply = NULL;
	drain(c, last_frame, &reply);
	if (!reply)
		FAIL("set-up: no reply to %s", buf);
	return reply;
}

static json_t *call_ok(conn *c, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_t *r = call(c, "%s", buf);
	if (!json_is_true(json_object_get(r, "ok"))) {
		char *s = json_dumps(r, 0);
		FAIL("set-up: %s answered %s", buf, s);
	}
	json_t *d = json_incref(json_object_get(r, "data"));
	json_decref(r);
	return d;
}

static int64_t int_at(json_t *d, const char *a, const char *b)
{
	json_t *x = json_object_get(d, a);
	if (b)
		x = json_object_get(x, b);
	if (!json_is_integer(x))
		FAIL("set-up: no integer %s.%s", a, b ? b : "");
	return json_integer_value(x);
}

enum {
	R_ANON,
	R_MEMBER,
	R_CHAIR,
	R_SECRETARIAT,
	R_PARTNER_GROUP,
	R_STATE_CP,
	R_PARTNER,
	R_DEACTIVATED,
	R__COUNT
};
static const char *const role_login[R__COUNT] = {NULL,  "undp", "rco", "iom",
						 "cso", "mol",  "mfa", "unesco"};
static char tokens[R__COUNT][64];

#define N_OBS 3
static conn *observers[N_OBS]; /* partners MOL, MFA, CSO */
static const char *const obs_login[N_OBS] = {"mol", "mfa", "cso"};
static conn *chair_obs; /* a co-chair following every proposal */
static char protected_items[8][32];
static int n_protected;

static void login(conn *c, const char *who, char *token_out)
{
	json_t *d = call_ok(c,
			    "{\"id\":\"login\",\"type\":\"auth.login\",\"data\":{\"login\":\"%s\","
			    "\"password\":\"" PASSWORD "\"}}",
			    who);
	if (token_out)
		snprintf(token_out, 64, "%s", json_string_value(json_object_get(d, "token")));
	json_decref(d);
}

static void run_cmd(const char *cmd)
{
	int rc = system(cmd);
	if (rc != 0)
		FAIL("set-up: `%s` failed (%d)", cmd, rc);
}

static void setup(void)
{
	const char *bin = getenv("FUZZ_ACCORD_BIN");
	if (!bin)
		bin = FUZZ_ACCORD_BIN;
	snprintf(tmpdir, sizeof(tmpdir), "%s/accord-fuzz-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir))
		FAIL("mkdtemp: %s", strerror(errno));
	char cfg_text[4096], cfg_path[300];
	snprintf(cfg_text, sizeof(cfg_text),
		 "{\"listen\":{\"address\":\"127.0.0.1\",\"port\":0},"
		 "\"database\":{\"path\":\"%s/accord.db\",\"synchronous\":\"normal\"},"
		 "\"web_root\":\"" FUZZ_WEB_ROOT "\",\"demo_file\":\"" FUZZ_DEMO_FILE "\","
		 "\"plugins\":{\"dir\":\"" FUZZ_PLUGIN_DIR "\",\"enabled\":{\"membership\":{},"
		 "\"consensus\":{\"tally_max_per_sec\":0},\"groups\":{\"files_dir\":\"%s/files\"},"
		 "\"actions\":{},\"portal\":{\"files_dir\":\"%s/portal\"}}},"
		 "\"limits\":{\"rate_per_sec\":100000,\"rate_burst\":100000,"
		 "\"outbound_queue_max\":100000,\"outbound_queue_bytes\":1073741824,"
		 "\"max_logins_per_address\":10000,\"login_failures_max\":100000},"
		 "\"log_level\":\"err\"}",
		 tmpdir, tmpdir, tmpdir);
	snprintf(cfg_path, sizeof(cfg_path), "%s/accord.json", tmpdir);
	FILE *f = fopen(cfg_path, "w");
	if (!f)
		FAIL("cannot write %s", cfg_path);
	fputs(cfg_text, f);
	fclose(f);
	char cmd[1200];
	snprintf(cmd, sizeof(cmd),
		 "ACCORD_DEMO_PASSWORD=" PASSWORD
		 " ASAN_OPTIONS=detect_leaks=0 '%s' init --config '%s' --demo >/dev/null",
		 bin, cfg_path);
	run_cmd(cmd);

	char err[512];
	if (config_load_string(cfg_text, &cfg, err, sizeof(err)))
		FAIL("config: %s", err);
	log_set_level(ACCORD_LOG_ERR);
	srv->cfg = &cfg;
	srv->boot_ms = now_ms();
	srv->metrics = metrics_new();
	srv->bus = bus_new(srv);
	srv->plugins = plugins_new(srv);
	if (auth_init(srv))
		FAIL("auth_init");
	srv->st = storage_open(cfg.db_path, cfg.synchronous, err, sizeof(err));
	if (!srv->st || storage_migrate(srv->st, "core", NULL, core_migrations, err, sizeof(err)) ||
	    plugins_load(srv->plugins, &cfg, err, sizeof(err)) ||
	    plugins_migrate(srv->plugins, srv->st, err, sizeof(err)))
		FAIL("open: %s", err);
	dispatch_register_core(srv);
	lws_set_log_level(LLL_ERR, NULL);
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.user = srv;
	srv->ctx = lws_create_context(&info);
	if (!srv->ctx)
		FAIL("lws_create_context");
	srv->timers = deadlines_new(srv->ctx, 64);
	if (!srv->timers)
		FAIL("deadlines_new");
	srv->crypto = worker_new(1, cfg.limits.login_queue_max, notify, srv);
	if (!srv->crypto || storage_start(srv->st, cfg.limits.storage_queue_max, notify, srv))
		FAIL("threads");
	bus_start(srv->bus);
	if (plugins_init(srv->plugins, &accord_host_api_v1, err, sizeof(err)))
		FAIL("plugins_init: %s", err);
	settle();

	/* Sessions for every role (one password check each, here only). */
	for (int r = 1; r < R__COUNT; r++) {
		conn *c = conn_open();
		login(c, role_login[r], tokens[r]);
		conn_gone(c);
		settle();
	}

	/* The fixture, planted through the dispatcher. */
	conn *iom = conn_open();
	login(iom, "iom", NULL);
	json_decref(call_ok(
		iom, "{\"id\":1,\"type\":\"members.person.save\",\"data\":{\"login\":\"undp\","
		     "\"name\":\"UNDP focal point\",\"org\":\"UNDP\",\"function\":\"focal_point\","
		     "\"contact\":\"phone " MARKER "\"}}"));
	json_t *g = call_ok(
		iom,
		"{\"id\":2,\"type\":\"groups.create\",\"data\":{\"name\":\"Returns\","
		"\"kind\":\"permanent\",\"leads\":[\"IOM\"],\"members\":[\"UNDP\",\"UNHCR\",\"CSO\"]}}");
	int64_t gid = int_at(g, "group", "id");
	json_decref(g);
	json_t *p = call_ok(iom,
			    "{\"id\":3,\"type\":\"groups.post\",\"data\":{\"group\":%lld,"
			    "\"text\":\"internal: " MARKER "\",\"visibility\":\"internal\"}}",
			    (long long)gid);
	snprintf(protected_items[n_protected++], 32, "post:%lld", (long long)int_at(p, "post", "id"));
	json_decref(p);
	json_decref(call_ok(iom,
			    "{\"id\":4,\"type\":\"groups.post\",\"data\":{\"group\":%lld,"
			    "\"text\":\"shared hello\",\"visibility\":\"shared\"}}",
			    (long long)gid));
	json_t *it = call_ok(iom,
			     "{\"id\":5,\"type\":\"groups.item.add\",\"data\":{\"group\":%lld,"
			     "\"kind\":\"update\",\"title\":\"t " MARKER "\",\"body\":\"b " MARKER "\","
			     "\"visibility\":\"internal\"}}",
			     (long long)gid);
	snprintf(protected_items[n_protected++], 32, "item:%lld",
		 (long long)int_at(it, "item", "id"));
	json_decref(it);
	json_t *np = call_ok(iom,
			     "{\"id\":6,\"type\":\"consensus.create\",\"data\":{\"title\":\"n " MARKER
			     "\","
			     "\"text\":\"network text " MARKER "\",\"kind\":\"decision\"}}");
	int64_t npid = int_at(np, "proposal", "id");
	json_decref(np);
	snprintf(protected_items[n_protected++], 32, "proposal:%lld", (long long)npid);
	json_decref(call_ok(iom, "{\"id\":7,\"type\":\"consensus.open\",\"data\":{\"proposal\":%lld}}",
			    (long long)npid));
	json_t *gp = call_ok(
		iom,
		"{\"id\":8,\"type\":\"consensus.create\",\"data\":{\"title\":\"group matter\","
		"\"text\":\"visible to the group\",\"kind\":\"decision\",\"scope\":\"group:%lld\"}}",
		(long long)gid);
	int64_t gpid = int_at(gp, "proposal", "id");
	json_decref(gp);
	snprintf(protected_items[n_protected++], 32, "proposal:%lld", (long long)gpid);
	json_decref(call_ok(iom, "{\"id\":9,\"type\":\"consensus.open\",\"data\":{\"proposal\":%lld}}",
			    (long long)gpid));
	json_decref(call_ok(iom,
			    "{\"id\":10,\"type\":\"consensus.comment\",\"data\":{\"proposal\":%lld,"
			    "\"text\":\"members only " MARKER "\"}}",
			    (long long)gpid));
	json_decref(call_ok(iom,
			    "{\"id\":11,\"type\":\"consensus.comment\",\"data\":{\"proposal\":%lld,"
			    "\"text\":\"members only " MARKER "\"}}",
			    (long long)npid));
	json_decref(call_ok(
		iom,
		"{\"id\":12,\"type\":\"members.person.deactivate\",\"data\":{\"login\":\"unesco\"}}"));
	conn_gone(iom);
	settle();

	/* Observers have sessions of their own: the speaker's auth.logout
	 * must not end them. */
	for (int i = 0; i < N_OBS; i++) {
		observers[i] = conn_open();
		login(observers[i], obs_login[i], NULL);
		if (!observers[i]->who || !observers[i]->who->partner)
			FAIL("set-up: observer %s not authenticated as a partner", obs_login[i]);
	}
	chair_obs = conn_open();
	login(chair_obs, "rco", NULL);

	char dbp[300];
	snprintf(dbp, sizeof(dbp), "%s/accord.db", tmpdir);
	if (sqlite3_open_v2(dbp, &ro, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		FAIL("read-only open of %s", dbp);
	sqlite3_busy_timeout(ro, 5000);
}

static void cleanup_tmp(void)
{
	if (tmpdir[0] && !getenv("FUZZ_KEEP_TMP")) {
		char rm[400];
		snprintf(rm, sizeof(rm), "rm -rf '%s'", tmpdir);
		if (system(rm)) {
		}
	}
}

/* ---------------- checks ---------------- */

static void partner_frame(conn *c, const char *text, size_t len, void *ud)
{
	const char *who = ud;
	if (trace)
		fprintf(stderr, "  -> %s %s: %.*s\n", who, c->who ? c->who->login : "-", (int)len,
			text);
	if (c->who && c->who->partner && memmem(text, len, MARKER, strlen(MARKER)))
		FAIL("internal content reached partner %s (%s): %.*s", c->who ? c->who->login : "?",
		     who, (int)(len > 2000 ? 2000 : len), text);
}

/* Stored truth for a proposal: voters, active member orgs, positions. */
static void check_tally(const json_t *t)
{
	json_int_t pid = json_integer_value(json_object_get(t, "proposal"));
	sqlite3_stmt *st;
	const char *sql = "SELECT p.org, p.position FROM consensus_positions p, consensus_proposals q,"
			  " json_each(q.voters) v, members_orgs o"
			  " WHERE p.proposal_id=?1 AND q.id=?1 AND v.value=p.org AND o.code=p.org"
			  " AND o.active AND o.standing='member' ORDER BY p.org";
	if (sqlite3_prepare_v2(ro, sql, -1, &st, NULL) != SQLITE_OK)
		FAIL("check query: %s", sqlite3_errmsg(ro));
	sqlite3_bind_int64(st, 1, pid);
	json_t *stored = json_object(); /* org -> position */
	long counts[5] = {0};
	static const char *const names[5] = {"", "agree", "reservations", "abstain", "object"};
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *org = (const char *)sqlite3_column_text(st, 0);
		const char *pos = (const char *)sqlite3_column_text(st, 1);
		json_object_set_new(stored, org, json_string(pos));
		for (int k = 1; k < 5; k++)
			if (!strcmp(pos, names[k]))
				counts[k]++;
	}
	sqlite3_finalize(st);
	char *tj = json_dumps(t, JSON_COMPACT);
	char *sj = json_dumps(stored, JSON_COMPACT);
	const json_t *responded = json_object_get(t, "responded");
	if (json_array_size(responded) != json_object_size(stored))
		FAIL("tally of proposal %lld says responded %zu, the database has %zu voting positions\n"
		     "tally: %s\nstored: %s",
		     (long long)pid, json_array_size(responded), json_object_size(stored), tj, sj);
	size_t i;
	const json_t *o;
	json_array_foreach(responded, i, o)
		if (!json_object_get(stored, json_string_value(o)))
			FAIL("tally of proposal %lld lists %s as responded; not in the database\ntally: %s\nstored: %s",
			     (long long)pid, json_string_value(o), tj, sj);
	const json_t *c = json_object_get(t, "counts");
	if (c)
		for (int k = 1; k < 5; k++)
			if (json_integer_value(json_object_get(c, names[k])) != counts[k])
				FAIL("tally of proposal %lld counts %lld %s, the database has %ld\ntally: %s\nstored: %s",
				     (long long)pid,
				     (long long)json_integer_value(json_object_get(c, names[k])),
				     names[k], counts[k], tj, sj);
	if (trace)
		fprintf(stderr, "  tally check ok: %s = %s\n", tj, sj);
	free(tj);
	free(sj);
	json_decref(stored);
}

struct actor_log {
	json_t *tallies; /* consensus.tally events seen by the co-chair observer */
	long replies;
};

static void chair_frame(conn *c, const char *text, size_t len, void *ud)
{
	(void)c;
	struct actor_log *l = ud;
	json_t *j = json_loadb(text, len, 0, NULL);
	const char *ev = json_string_value(json_object_get(j, "event"));
	if (ev && !strcmp(ev, "consensus.tally"))
		json_array_append(l->tallies, json_object_get(j, "data"));
	json_decref(j);
}

static void actor_frame(conn *c, const char *text, size_t len, void *ud)
{
	struct actor_log *l = ud;
	if (trace && !(c->who && c->who->partner))
		fprintf(stderr, "  -> speaker %s: %.*s\n", c->who ? c->who->login : "-", (int)len,
			text);
	if (c->who && c->who->partner)
		partner_frame(c, text, len, "speaker");
	json_t *j = json_loadb(text, len, 0, NULL);
	if (!j)
		FAIL("a frame that is not JSON: %.*s", (int)len, text);
	if (json_object_get(j, "re"))
		l->replies++;
	json_decref(j);
}

/* Partners try every topic after each message (refusals are fine). */
static void observers_probe(int64_t max_id)
{
	char buf[200];
	for (int i = 0; i < N_OBS; i++) {
		conn *c = observers[i];
		if (!c->who || c->closing)
			continue;
		static const char *const fixed[] = {"network", "portal"};
		for (int k = 0; k < 2; k++) {
			snprintf(buf, sizeof(buf),
				 "{\"id\":\"p\",\"type\":\"sub.add\",\"data\":{\"topic\":\"%s\"}}",
				 fixed[k]);
			dispatch_message(srv, c, buf, strlen(buf));
		}
		for (int64_t id = 1; id <= max_id; id++) {
			static const char *const pre[] = {"proposal", "group", "actions"};
			for (int k = 0; k < 3; k++) {
				snprintf(buf, sizeof(buf),
					 "{\"id\":\"p\",\"type\":\"sub.add\",\"data\":{\"topic\":\"%s:%lld\"}}",
					 pre[k], (long long)id);
				dispatch_message(srv, c, buf, strlen(buf));
			}
		}
	}
	for (int64_t id = 1; id <= max_id; id++) {
		snprintf(buf, sizeof(buf),
			 "{\"id\":\"p\",\"type\":\"sub.add\",\"data\":{\"topic\":\"proposal:%lld\"}}",
			 (long long)id);
		dispatch_message(srv, chair_obs, buf, strlen(buf));
	}
}

static void collect(conn *actor, struct actor_log *l)
{
	for (int i = 0; i < N_OBS; i++)
		drain(observers[i], partner_frame, (void *)"observer");
	drain(chair_obs, chair_frame, l);
	if (actor)
		drain(actor, actor_frame, l);
}

static int64_t max_object_id(void)
{
	sqlite3_stmt *st;
	int64_t m = 4;
	if (sqlite3_prepare_v2(ro,
			       "SELECT max((SELECT coalesce(max(id),0) FROM consensus_proposals),"
			       "(SELECT coalesce(max(id),0) FROM groups_groups))",
			       -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		m = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return m > 12 ? 12 : m;
}

/* A message the harness must not send (see the header). */
static int skip_message(const char *line, size_t len)
{
	if (getenv("FUZZ_SELFTEST_NO_SKIP")) /* shows that the checks can fail */
		return 0;
	json_t *j = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	if (!j)
		return 0;
	int skip = 0;
	char *dump = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	if (dump && strstr(dump, "ZQ-")) /* anything like the marker */
		skip = 1;
	free(dump);
	const char *type = json_string_value(json_object_get(j, "type"));
	/* The observers stay partners with live sessions. */
	if (type && (!strcmp(type, "members.person.deactivate") ||
		     !strcmp(type, "members.person.save") || !strcmp(type, "members.org.save"))) {
		const json_t *d = json_object_get(j, "data");
		const char *who = json_string_value(json_object_get(d, "login"));
		if (!who)
			who = json_string_value(json_object_get(d, "code"));
		for (int i = 0; who && i < N_OBS; i++)
			if (!strcasecmp(who, obs_login[i]) || !strcasecmp(who, "rco"))
				skip = 1;
	}
	if (type && (!strcmp(type, "auth.login") || !strcmp(type, "auth.accept_invite")))
		skip = 1;
	if (type && !strcmp(type, "portal.release")) {
		const char *item = json_string_value(
			json_object_get(json_object_get(j, "data"), "item"));
		for (int i = 0; item && i < n_protected; i++) {
			/* "proposal:12" and "proposal:012" name the same thing */
			const char *colon = strchr(item, ':');
			const char *pc = strchr(protected_items[i], ':');
			if (colon && (size_t)(colon - item) == (size_t)(pc - protected_items[i]) &&
			    !strncmp(item, protected_items[i], (size_t)(pc - protected_items[i])) &&
			    strtoll(colon + 1, NULL, 10) == strtoll(pc + 1, NULL, 10))
				skip = 1;
		}
	}
	json_decref(j);
	return skip;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	trace = getenv("FUZZ_TRACE") != NULL;
	setup();
	atexit(cleanup_tmp);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int role = data[0] % R__COUNT;
	const char *in = (const char *)data + 1;
	size_t n = size - 1;

	conn *c = conn_open();
	struct actor_log log = {json_array(), 0};
	long sent = 0;
	if (role != R_ANON) {
		char buf[200];
		snprintf(buf, sizeof(buf),
			 "{\"id\":\"resume\",\"type\":\"auth.resume\",\"data\":{\"token\":\"%s\"}}",
			 tokens[role]);
		dispatch_message(srv, c, buf, strlen(buf));
		sent++;
		settle();
		if (role == R_DEACTIVATED && c->who)
			FAIL("auth.resume accepted the session of a deactivated account (%s)",
			     role_login[role]);
		if (role != R_DEACTIVATED && !c->who) {
			/* an earlier input logged this session out: a new one */
			collect(c, &log);
			login(c, role_login[role], tokens[role]);
		}
		/* (standing may have changed: an earlier input can move an
		 * organisation between member and partner) */
	}
	collect(c, &log);
	int64_t max_id = max_object_id();
	while (n > 0) {
		const char *nl = memchr(in, '\n', n);
		size_t len = nl ? (size_t)(nl - in) : n;
		if (trace)
			fprintf(stderr, "<- role %d: %.*s%s\n", role, (int)len, in,
				len && skip_message(in, len) ? "  (skipped)" : "");
		if (len && !skip_message(in, len)) {
			json_array_clear(log.tallies);
			int was_closing = c->closing;
			dispatch_message(srv, c, in, len);
			/* one reply per request, unless the connection is closing */
			if (!was_closing)
				sent++;
			settle();
			observers_probe(max_id);
			settle();
			lws_service(srv->ctx, -1); /* due timers */
			settle();
			collect(c, &log);
			size_t i;
			const json_t *t;
			json_array_foreach(log.tallies, i, t)
				check_tally(t);
			max_id = max_object_id();
		}
		if (!nl)
			break;
		in = nl + 1;
		n -= len + 1;
	}
	if (!c->closing && !c->dropped && log.replies != sent)
		FAIL("%ld requests, %ld replies", sent, log.replies);
	conn_gone(c);
	settle();
	collect(NULL, &log);
	json_decref(log.tallies);
	return 0;
}
