/*
 * The "test" plugin: a small plugin that exercises the host API for the
 * integration tests (topics with permission checks, audiences, durable
 * writes, conflicts, forbidden and internal errors, a CLI command and an
 * HTTP route).  It is built in the tree but is not part of the product.
 */
#include <accord/plugin.h>
#include <accord/services/members.h>
#include <accord/services/notify.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const accord_host_api *api;
static const accord_members_svc *members; /* optional */
static const accord_notify_svc *notify;   /* optional */

static const accord_migration migrations[] = {
	{1, "CREATE TABLE test_kv(key TEXT PRIMARY KEY, value TEXT NOT NULL)"},
	{0, NULL}};

static accord_status check_topic(accord_plugin_ctx *p, const accord_principal *who,
				 const char *topic, void *ud)
{
	(void)p;
	(void)ud;
	if (!strcmp(topic, "test:open"))
		return ACCORD_OK;
	if (!strcmp(topic, "test:members"))
		return api->principal_is_partner(who) ? ACCORD_E_NOT_FOUND : ACCORD_OK;
	if (!strncmp(topic, "test:org:", 9))
		return strcmp(topic + 9, api->principal_org(who)) ? ACCORD_E_NOT_FOUND : ACCORD_OK;
	return ACCORD_E_NOT_FOUND;
}

static void h_publish(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)ud;
	const char *topic = json_string_value(json_object_get(d, "topic"));
	const char *event = json_string_value(json_object_get(d, "event"));
	if (!topic || !event) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "topic and event: required strings");
		return;
	}
	accord_audience *aud = NULL;
	const json_t *a = json_object_get(d, "audience");
	if (json_is_object(a)) {
		aud = api->audience_new();
		size_t i;
		const json_t *v;
		json_array_foreach(json_object_get(a, "orgs"), i, v)
			api->audience_add_org(aud, json_string_value(v));
		json_array_foreach(json_object_get(a, "roles"), i, v)
			api->audience_add_role(aud, json_string_value(v));
		json_array_foreach(json_object_get(a, "users"), i, v)
			api->audience_add_user(aud, json_integer_value(v));
		if (json_is_true(json_object_get(a, "members_only")))
			api->audience_members_only(aud);
		if (json_is_true(json_object_get(a, "members")))
			api->audience_add_members(aud);
		if (json_is_true(json_object_get(a, "partners")))
			api->audience_add_partners(aud);
	}
	char name[80];
	snprintf(name, sizeof(name), "test.%s", event);
	json_t *data = json_object_get(d, "data");
	int rc = api->publish(p, topic, name, data ? json_incref(data) : json_object(), aud);
	api->audience_free(aud);
	if (rc)
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "topic: invalid name");
	else
		api->reply_ok(req, NULL);
	api->counter_add(p, "published", 1);
}

struct put {
	accord_req *req;
	json_t *params;
};

static accord_status put_work(accord_txn *txn, void *ud, json_t **out)
{
	(void)out;
	struct put *w = ud;
	return api->txn_exec(txn, "INSERT INTO test_kv(key, value) VALUES(?, ?)", w->params, NULL);
}

static void put_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)p;
	(void)out;
	struct put *w = ud;
	if (st == ACCORD_E_CONFLICT)
		api->reply_error(w->req, st, "key already exists");
	else if (st != ACCORD_OK)
		api->reply_error(w->req, st, "write failed");
	else
		api->reply_ok(w->req, json_pack("{s:O}", "key", json_array_get(w->params, 0)));
	json_decref(w->params);
	free(w);
}

static void h_put(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)ud;
	const json_t *k = json_object_get(d, "key"), *v = json_object_get(d, "value");
	if (!json_is_string(k) || !json_is_string(v)) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "key, value: required strings");
		return;
	}
	struct put *w = malloc(sizeof(*w));
	w->req = req;
	w->params = json_pack("[O,O]", k, v);
	if (api->db_run(p, put_work, put_done, w)) {
		json_decref(w->params);
		free(w);
		api->reply_error(req, ACCORD_E_UNAVAILABLE, "busy");
	}
}

static accord_status get_work(accord_txn *txn, void *ud, json_t **out)
{
	struct put *w = ud;
	return api->txn_exec(txn, "SELECT key, value FROM test_kv WHERE key = ?", w->params, out);
}

static void get_done(accord_plugin_ctx *p, accord_status st, json_t *rows, void *ud)
{
	(void)p;
	struct put *w = ud;
	json_t *row = json_array_get(rows, 0);
	if (st != ACCORD_OK)
		api->reply_error(w->req, st, "read failed");
	else if (!row)
		api->reply_error(w->req, ACCORD_E_NOT_FOUND, "no such key");
	else
		api->reply_ok(w->req, json_incref(row));
	json_decref(rows);
	json_decref(w->params);
	free(w);
}

static void h_get(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)ud;
	const json_t *k = json_object_get(d, "key");
	if (!json_is_string(k)) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "key: required string");
		return;
	}
	struct put *w = malloc(sizeof(*w));
	w->req = req;
	w->params = json_pack("[O]", k);
	if (api->db_run(p, get_work, get_done, w)) {
		json_decref(w->params);
		free(w);
		api->reply_error(req, ACCORD_E_UNAVAILABLE, "busy");
	}
}

/* test.sql {sql}: runs one statement as this plugin, to show which tables
 * the storage layer lets a plugin touch (only test_*). */
static accord_status sql_work(accord_txn *txn, void *ud, json_t **out)
{
	struct put *w = ud;
	return api->txn_exec(txn, json_string_value(json_array_get(w->params, 0)), NULL, out);
}

/* test.members: the network's voting organisations through the service
 * accord.members, which reads membership's tables as membership. */
static accord_status members_work(accord_txn *txn, void *ud, json_t **out)
{
	(void)ud;
	json_t *codes = NULL;
	accord_status st = members->voting_orgs(txn, &codes);
	if (st == ACCORD_OK)
		*out = json_pack("{s:o}", "orgs", codes);
	return st;
}

static void rows_done(accord_plugin_ctx *p, accord_status st, json_t *rows, void *ud)
{
	(void)p;
	struct put *w = ud;
	if (st != ACCORD_OK)
		api->reply_error(w->req, st, "statement failed");
	else
		api->reply_ok(w->req, json_is_array(rows) ? json_pack("{s:O}", "rows", rows)
							  : json_incref(rows));
	json_decref(rows);
	json_decref(w->params);
	free(w);
}

static void h_sql(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	const json_t *sql = json_object_get(d, "sql");
	if (ud == NULL && !json_is_string(sql)) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "sql: required string");
		return;
	}
	if (ud != NULL && !members) {
		api->reply_error(req, ACCORD_E_NOT_FOUND, "no membership service");
		return;
	}
	struct put *w = malloc(sizeof(*w));
	if (!w) {
		api->reply_error(req, ACCORD_E_UNAVAILABLE, "busy");
		return;
	}
	w->req = req;
	w->params = ud ? NULL : json_pack("[O]", sql);
	if (api->db_run(p, ud ? members_work : sql_work, rows_done, w)) {
		json_decref(w->params);
		free(w);
		api->reply_error(req, ACCORD_E_UNAVAILABLE, "busy");
	}
}

/* test.notify {notice}: queues the notice through accord.notify in a job
 * of its own, as another plugin would in its work; {queued}. */
static accord_status notify_work(accord_txn *txn, void *ud, json_t **out)
{
	struct put *w = ud;
	int queued = 0;
	accord_status st = notify->enqueue(txn, w->params, &queued);
	if (st == ACCORD_OK)
		*out = json_pack("{s:i}", "queued", queued);
	return st;
}

static void notify_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)p;
	struct put *w = ud;
	if (st != ACCORD_OK)
		api->reply_error(w->req, st, "the notice was refused");
	else
		api->reply_ok(w->req, json_incref(out));
	json_decref(out);
	json_decref(w->params);
	free(w);
}

static void h_notify(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)ud;
	struct put *w = notify ? malloc(sizeof(*w)) : NULL;
	if (!w) {
		api->reply_error(req, ACCORD_E_NOT_FOUND, "no notify service");
		return;
	}
	w->req = req;
	w->params = json_deep_copy(json_object_get(d, "notice"));
	if (api->db_run(p, notify_work, notify_done, w)) {
		json_decref(w->params);
		free(w);
		api->reply_error(req, ACCORD_E_UNAVAILABLE, "busy");
	}
}

static void h_chair_only(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)d;
	(void)ud;
	if (!api->principal_has_role(api->req_principal(req), "co_chair"))
		api->reply_error(req, ACCORD_E_FORBIDDEN, "co-chairs only");
	else
		api->reply_ok(req, NULL);
}

static void h_fail(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)d;
	(void)ud;
	api->reply_error(req, ACCORD_E_INTERNAL, "deliberate failure for tests");
}

static int cli_count(accord_plugin_ctx *p, accord_txn *txn, int argc, char **argv)
{
	(void)p;
	(void)argc;
	(void)argv;
	json_t *rows = NULL;
	if (api->txn_exec(txn, "SELECT count(*) AS n FROM test_kv", NULL, &rows) != ACCORD_OK)
		return 1;
	printf("count: %lld\n",
	       (long long)json_integer_value(json_object_get(json_array_get(rows, 0), "n")));
	json_decref(rows);
	return 0;
}

static void http_whoami(accord_plugin_ctx *p, accord_http *h, const accord_principal *who, void *ud)
{
	(void)p;
	(void)ud;
	if (!who) {
		const char *b = "{\"error\":\"unauthenticated\"}";
		api->http_respond(h, 401, "application/json", b, strlen(b));
		return;
	}
	char body[128];
	int n = snprintf(body, sizeof(body), "{\"login\":\"%s\"}", api->principal_login(who));
	api->http_respond(h, 200, "application/json", body, (size_t)n);
}

static accord_status init(accord_plugin_ctx *p, const accord_host_api *host, const json_t *cfg)
{
	(void)cfg;
	api = host;
	if (api->abi_major != ACCORD_ABI_MAJOR)
		return ACCORD_E_INTERNAL;
	api->handle(p, "publish", h_publish, 0, NULL);
	api->handle(p, "put", h_put, 0, NULL);
	api->handle(p, "get", h_get, 0, NULL);
	api->handle(p, "chair_only", h_chair_only, 0, NULL);
	api->handle(p, "fail", h_fail, 0, NULL);
	api->handle(p, "sql", h_sql, 0, NULL);
	api->handle(p, "members", h_sql, 0, (void *)1);
	members = api->service_import(p, ACCORD_SVC_MEMBERS, ACCORD_SVC_MEMBERS_V);
	notify = api->service_import(p, ACCORD_SVC_NOTIFY, ACCORD_SVC_NOTIFY_V);
	api->handle(p, "notify", h_notify, 0, NULL);
	api->topic_register(p, "test", check_topic, NULL);
	api->cli(p, "test-kv-count", "", cli_count);
	api->http_route(p, "whoami", http_whoami, NULL);
	return ACCORD_OK;
}

static const accord_plugin desc = {
	.abi_major = ACCORD_ABI_MAJOR,
	.struct_size = sizeof(accord_plugin),
	.name = "test",
	.version = "1.0.0",
	.description = "host API exerciser for the integration tests",
	.init = init,
	.migrations = migrations,
	.requires = (const accord_service_ref[]){{ACCORD_SVC_MEMBERS, ACCORD_SVC_MEMBERS_V, 1},
						 {ACCORD_SVC_NOTIFY, ACCORD_SVC_NOTIFY_V, 1},
						 {NULL, 0, 0}},
};

ACCORD_EXPORT const accord_plugin *accord_plugin_entry(void) { return &desc; }
