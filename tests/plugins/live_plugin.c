/*
 * The "livefix" plugin: the fixture of the live install, upgrade and remove
 * tests (tests/integration/live_plugins.test.js).  One source built in
 * several variants (tests/CMakeLists.txt):
 *   VERSION=1        the first version: table livefix_notes (migration 1)
 *   VERSION=2        adds a column (migration 2) and says "2" in its replies
 *   VERSION=3 + LIVEFIX_BAD_MIGRATION   v2's migration, then a migration 3
 *                    that fails half-way
 *   VERSION=4 + LIVEFIX_FAIL_INIT       registers things, then its init fails
 *   LIVEFIX_DEPENDENT  the plugin "livedep", which requires livefix's service
 *   LIVEFIX_GROUP      the plugin "livegroup", a group plugin (groups enable it)
 * Every reply names the version that made it, so the test can tell which
 * code answered.  Built in the tree, not part of the product.
 */
#include <accord/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef VERSION
#define VERSION 1
#endif
#define STR2(x) #x
#define STR(x) STR2(x)

static const accord_host_api *api;

typedef struct livefix_svc {
	size_t size;
	int (*version)(void);
} livefix_svc;

#if defined(LIVEFIX_GROUP)
#define NAME "livegroup"

static void h_hello(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)d;
	(void)ud;
	api->reply_ok(req, json_pack("{s:I}", "group", (json_int_t)api->req_group(req)));
}

static accord_status init(accord_plugin_ctx *p, const accord_host_api *host, const json_t *cfg)
{
	(void)cfg;
	api = host;
	return api->group_scoped(p) || api->handle(p, "hello", h_hello, 0, NULL) ? ACCORD_E_INTERNAL
										 : ACCORD_OK;
}

static const accord_plugin desc = {
	.abi_major = ACCORD_ABI_MAJOR,
	.struct_size = sizeof(accord_plugin),
	.name = NAME,
	.version = "1.0.0",
	.description = "live plugin tests: a group plugin",
	.init = init,
};

#elif defined(LIVEFIX_DEPENDENT)
#define NAME "livedep"

static const livefix_svc *fix;
static const accord_service_ref needs[] = {{.name = "livefix.version", .version = 1}, {0}};

static void h_ask(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)d;
	(void)ud;
	api->reply_ok(req, json_pack("{s:i}", "livefix", fix->version()));
}

static accord_status init(accord_plugin_ctx *p, const accord_host_api *host, const json_t *cfg)
{
	(void)cfg;
	api = host;
	fix = api->service_import(p, "livefix.version", 1);
	if (!fix)
		return ACCORD_E_INTERNAL;
	return api->handle(p, "ask", h_ask, 0, NULL) ? ACCORD_E_INTERNAL : ACCORD_OK;
}

static const accord_plugin desc = {
	.abi_major = ACCORD_ABI_MAJOR,
	.struct_size = sizeof(accord_plugin),
	.name = NAME,
	.version = "1.0.0",
	.description = "live plugin tests: uses livefix's service",
	.init = init,
	.requires = needs,
};

#else
#define NAME "livefix"

static const accord_migration migrations[] = {
	{1, "CREATE TABLE livefix_notes(id INTEGER PRIMARY KEY, text TEXT NOT NULL)"},
#if VERSION == 2 || defined(LIVEFIX_BAD_MIGRATION)
	{2, "ALTER TABLE livefix_notes ADD COLUMN made_by TEXT NOT NULL DEFAULT 'v1'"},
#endif
#ifdef LIVEFIX_BAD_MIGRATION
	/* half done when it fails: the first statement must be rolled back */
	{3, "CREATE TABLE livefix_extra(id INTEGER PRIMARY KEY);"
	    " INSERT INTO livefix_missing VALUES(1)"},
#endif
	{0, NULL}};

static int my_version(void) { return VERSION; }
static const livefix_svc svc = {sizeof(livefix_svc), my_version};
static const accord_service_ref offers[] = {{.name = "livefix.version", .version = 1}, {0}};

static json_t *says(void) { return json_pack("{s:s}", "version", STR(VERSION)); }

static accord_status check_topic(accord_plugin_ctx *p, const accord_principal *who,
				 const char *topic, void *ud)
{
	(void)p;
	(void)topic;
	(void)ud;
	return api->principal_is_partner(who) ? ACCORD_E_NOT_FOUND : ACCORD_OK;
}

static void h_echo(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	json_t *r = says();
	json_object_set(r, "n", json_object_get(d, "n"));
	api->reply_ok(req, r);
}

/* A durable write: the reply comes after the commit. */
struct note {
	accord_req *req;
	json_t *params; /* [text] */
};

static accord_status note_work(accord_txn *txn, void *ud, json_t **out)
{
	struct note *n = ud;
#if VERSION == 2
	accord_status st = api->txn_exec(txn,
					 "INSERT INTO livefix_notes(text, made_by) VALUES(?, 'v2')",
					 n->params, NULL);
#else
	accord_status st = api->txn_exec(txn, "INSERT INTO livefix_notes(text) VALUES(?)",
					 n->params, NULL);
#endif
	if (st == ACCORD_OK)
		*out = json_pack("{s:I}", "id", (json_int_t)api->txn_last_id(txn));
	return st;
}

static void note_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)p;
	struct note *n = ud;
	accord_req *req = n->req;
	json_decref(n->params);
	free(n);
	if (st != ACCORD_OK) {
		json_decref(out);
		api->reply_error(req, st, "the note was not stored");
		return;
	}
	json_t *reply = says();
	json_object_update(reply, out);
	json_decref(out);
	api->reply_ok(req, reply);
}

static void h_note(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)ud;
	const char *text = json_string_value(json_object_get(d, "text"));
	if (!text) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "text: required string");
		return;
	}
	struct note *n = malloc(sizeof(*n));
	if (!n || !(n->params = json_pack("[s]", text))) {
		free(n);
		api->reply_error(req, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	n->req = req;
	if (api->db_run(p, note_work, note_done, n)) {
		json_decref(n->params);
		free(n);
		api->reply_error(req, ACCORD_E_UNAVAILABLE, "storage busy");
	}
}

struct slow {
	accord_req *req;
};

static void slow_fire(accord_plugin_ctx *p, void *ud)
{
	(void)p;
	struct slow *s = ud;
	api->reply_ok(s->req, says());
	free(s);
}

/* Answers after a delay: a request in flight across an upgrade. */
static void h_slow(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)ud;
	json_int_t ms = json_integer_value(json_object_get(d, "ms"));
	struct slow *s = malloc(sizeof(*s));
	if (!s) {
		api->reply_error(req, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	s->req = req;
	if (!api->timer_add(p, (uint64_t)(ms > 0 && ms < 60000 ? ms : 500), slow_fire, s)) {
		free(s);
		api->reply_error(req, ACCORD_E_UNAVAILABLE, "no timer");
	}
}

static void h_poke(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)ud;
	json_t *ev = says();
	json_object_set(ev, "n", json_object_get(d, "n"));
	api->publish(p, "livefix:news", "poke", ev, NULL);
	api->reply_ok(req, says());
}

static accord_status init(accord_plugin_ctx *p, const accord_host_api *host, const json_t *cfg)
{
	(void)cfg;
	api = host;
	if (api->handle(p, "echo", h_echo, 0, NULL) || api->handle(p, "note", h_note, 0, NULL) ||
	    api->handle(p, "slow", h_slow, 0, NULL) || api->handle(p, "poke", h_poke, 0, NULL) ||
	    api->topic_register(p, "livefix", check_topic, NULL) ||
	    api->service_export(p, "livefix.version", 1, &svc))
		return ACCORD_E_INTERNAL;
#ifdef LIVEFIX_FAIL_INIT
	api->log(p, ACCORD_LOG_ERR, "failing my init on purpose (test fixture)");
	return ACCORD_E_INTERNAL;
#else
	return ACCORD_OK;
#endif
}

static const accord_plugin desc = {
	.abi_major = ACCORD_ABI_MAJOR,
	.struct_size = sizeof(accord_plugin),
	.name = NAME,
	.version = STR(VERSION) ".0.0",
	.description = "live plugin tests: replies name their version",
	.init = init,
	.migrations = migrations,
	.provides = offers,
};
#endif

ACCORD_EXPORT const accord_plugin *accord_plugin_entry(void) { return &desc; }
