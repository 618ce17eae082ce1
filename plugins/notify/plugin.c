/*
 * The notify plugin: notifications by e-mail from a durable outbox.
 * notify.h says which file holds what; docs/plugins.md ("Notifications")
 * and docs/operations.md ("E-mail notifications") say how to use and run
 * it.
 */
#include "notify.h"

#include <arpa/inet.h>

const accord_host_api *api;
accord_plugin_ctx *self;
const accord_members_svc *members_svc;
notify_cfg notify__cfg;

static const accord_migration migrations[] = {
	{1, "CREATE TABLE notify_outbox("
	    " id INTEGER PRIMARY KEY, category TEXT NOT NULL, item TEXT, org TEXT,"
	    " partner INTEGER NOT NULL DEFAULT 0, login TEXT, address TEXT NOT NULL, name TEXT,"
	    " lang TEXT NOT NULL, params TEXT NOT NULL, secret TEXT,"
	    " status TEXT NOT NULL CHECK(status IN"
	    " ('queued','sending','sent','dead','suppressed','digest','digested')),"
	    " attempts INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,"
	    " next_at INTEGER NOT NULL, give_up_at INTEGER NOT NULL, last_try_at INTEGER,"
	    " sent_at INTEGER, last_error TEXT, message_id TEXT NOT NULL, digest_id INTEGER);"
	    "CREATE INDEX notify_outbox_due ON notify_outbox(status, next_at);"
	    "CREATE TABLE notify_prefs("
	    " login TEXT PRIMARY KEY, email TEXT, lang TEXT, off TEXT NOT NULL DEFAULT '',"
	    " digest TEXT NOT NULL DEFAULT '', updated_at INTEGER NOT NULL);"
	    "CREATE TABLE notify_keys(id INTEGER PRIMARY KEY, key TEXT NOT NULL);"
	    /* notices given a "once" key: a second one with the key is dropped */
	    "CREATE TABLE notify_once(key TEXT PRIMARY KEY, at INTEGER NOT NULL);"
	    /* the plugin's own settings kept across restarts: digest_day */
	    "CREATE TABLE notify_state(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	    /* the in-app inbox: every notice, one row per person */
	    "CREATE TABLE notify_inbox("
	    " id INTEGER PRIMARY KEY, login TEXT NOT NULL, org TEXT NOT NULL,"
	    " partner INTEGER NOT NULL DEFAULT 0, category TEXT NOT NULL, item TEXT,"
	    " params TEXT NOT NULL, created_at INTEGER NOT NULL, read_at INTEGER);"
	    "CREATE INDEX notify_inbox_login ON notify_inbox(login, read_at);"},
	{0, NULL}};

/* ---------------- configuration ---------------- */

static int cfg_str(const json_t *obj, const char *key, char *out, size_t size, const char *dflt)
{
	const json_t *v = json_object_get(obj, key);
	if (v && !json_is_string(v))
		return -1;
	const char *s = v ? json_string_value(v) : dflt;
	if (strlen(s) >= size || strpbrk(s, "\r\n"))
		return -1;
	snprintf(out, size, "%s", s);
	return 0;
}

static int cfg_int(const json_t *obj, const char *key, int64_t *out, int64_t dflt, int64_t min,
		   int64_t max)
{
	const json_t *v = json_object_get(obj, key);
	if (v && !json_is_integer(v))
		return -1;
	*out = v ? json_integer_value(v) : dflt;
	return *out < min || *out > max ? -1 : 0;
}

static int loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (!strcmp(host, "localhost"))
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* Reads the plugin's section; NULL, or what is wrong with it. */
static const char *configure(const json_t *c)
{
	notify_cfg *n = &notify__cfg;
	memset(n, 0, sizeof(*n));
	const json_t *smtp = json_object_get(c, "smtp");
	int64_t v;
	char security[16];
	if (smtp && !json_is_object(smtp))
		return "smtp: expected an object";
	if (json_object_get(smtp, "password") || json_object_get(smtp, "user") ||
	    json_object_get(c, "password"))
		return "smtp: credentials never go in the configuration: use"
		       " ACCORD_SMTP_USER and ACCORD_SMTP_PASSWORD, or smtp.credentials_file";
	if (cfg_str(c, "public_url", n->public_url, sizeof(n->public_url), ""))
		return "public_url: expected a URL such as https://accord.example.org";
	size_t pl = strlen(n->public_url);
	while (pl && n->public_url[pl - 1] == '/')
		n->public_url[--pl] = 0;
	if (pl && strncmp(n->public_url, "https://", 8) && strncmp(n->public_url, "http://", 7))
		return "public_url: expected a URL such as https://accord.example.org";
	if (cfg_str(c, "network_name", n->network_name, sizeof(n->network_name), "Accord"))
		return "network_name: expected a string";
	if (cfg_str(c, "from", n->from_addr, sizeof(n->from_addr), "accord@localhost.localdomain") ||
	    !mime_address_ok(n->from_addr))
		return "from: expected an e-mail address";
	if (cfg_str(c, "from_name", n->from_name, sizeof(n->from_name), n->network_name))
		return "from_name: expected a string";
	if (cfg_str(c, "default_lang", n->default_lang, sizeof(n->default_lang), "en") ||
	    (strcmp(n->default_lang, "en") && strcmp(n->default_lang, "ru")))
		return "default_lang: expected en or ru";
	snprintf(n->msgid_domain, sizeof(n->msgid_domain), "%s", strrchr(n->from_addr, '@') + 1);
	if (cfg_str(smtp, "host", n->smtp_host, sizeof(n->smtp_host), ""))
		return "smtp.host: expected a host name";
	if (cfg_str(smtp, "security", security, sizeof(security), "starttls"))
		return "smtp.security: expected starttls, tls or plain";
	if (!strcmp(security, "starttls"))
		n->smtp_security = NOTIFY_STARTTLS;
	else if (!strcmp(security, "tls"))
		n->smtp_security = NOTIFY_TLS;
	else if (!strcmp(security, "plain"))
		n->smtp_security = NOTIFY_PLAIN;
	else
		return "smtp.security: expected starttls, tls or plain";
	if (n->smtp_security == NOTIFY_PLAIN && n->smtp_host[0] && !loopback(n->smtp_host))
		return "smtp.security: plain (no TLS) is allowed only to a relay on this machine"
		       " (127.0.0.1, ::1, localhost); use starttls or tls";
	if (cfg_int(smtp, "port", &v, n->smtp_security == NOTIFY_TLS ? 465 : 587, 1, 65535))
		return "smtp.port: expected a port number";
	n->smtp_port = (int)v;
	if (cfg_int(smtp, "timeout_s", &v, 30, 1, 600))
		return "smtp.timeout_s: expected seconds from 1 to 600";
	n->smtp_timeout_s = (int)v;
	if (cfg_str(smtp, "ca_file", n->smtp_ca_file, sizeof(n->smtp_ca_file), "") ||
	    cfg_str(smtp, "credentials_file", n->smtp_credentials_file,
		    sizeof(n->smtp_credentials_file), ""))
		return "smtp.ca_file, smtp.credentials_file: expected a path";
	if (cfg_int(c, "retry_initial_s", &v, 30, 1, 86400))
		return "retry_initial_s: expected seconds from 1 to 86400";
	n->retry_initial_ms = v * 1000;
	if (cfg_int(c, "retry_max_s", &v, 3600, 1, 86400) || v * 1000 < n->retry_initial_ms)
		return "retry_max_s: expected seconds from retry_initial_s to 86400";
	n->retry_max_ms = v * 1000;
	if (cfg_int(c, "dead_after_s", &v, 172800, 1, 30 * 86400))
		return "dead_after_s: expected seconds from 1 to 2592000";
	n->dead_after_ms = v * 1000;
	if (cfg_int(c, "poll_ms", &v, 1000, 100, 60000))
		return "poll_ms: expected milliseconds from 100 to 60000";
	n->poll_ms = v;
	if (cfg_int(c, "batch", &v, 20, 1, 500))
		return "batch: expected 1 to 500";
	n->batch = (int)v;
	if (cfg_int(c, "pref_link_ttl_days", &v, 30, 1, 365))
		return "pref_link_ttl_days: expected days from 1 to 365";
	n->pref_link_ttl_ms = v * 86400 * 1000;
	if (cfg_int(c, "reminder_before_h", &v, 24, 0, 24 * 30))
		return "reminder_before_h: expected hours from 0 (no reminders) to 720";
	n->reminder_before_ms = v * 3600 * 1000;
	if (cfg_int(c, "digest_hour_utc", &v, 7, 0, 23))
		return "digest_hour_utc: expected an hour from 0 to 23";
	n->digest_hour = (int)v;
	n->enabled = n->smtp_host[0] != 0;
	return NULL;
}

/* ---------------- plugin entry ---------------- */

static accord_status init(accord_plugin_ctx *p, const accord_host_api *host, const json_t *cfg)
{
	api = host;
	self = p;
	if (!ACCORD_API_HAS(api, gauge_set) || !ACCORD_API_HAS(api, item_visible_to))
		return ACCORD_E_INTERNAL;
	const char *bad = configure(cfg);
	if (bad) {
		api->log(p, ACCORD_LOG_ERR, "configuration: %s", bad);
		return ACCORD_E_INTERNAL;
	}
	members_svc = api->service_import(p, ACCORD_SVC_MEMBERS, ACCORD_SVC_MEMBERS_V);
	if (!ACCORD_SERVICE_HAS(members_svc, org_people) ||
	    !ACCORD_SERVICE_HAS(members_svc, on_invite)) {
		api->log(p, ACCORD_LOG_ERR, "accord.members does not list an organisation's people");
		return ACCORD_E_INTERNAL;
	}
	if (api->service_export(p, ACCORD_SVC_NOTIFY, ACCORD_SVC_NOTIFY_V, &outbox__svc) ||
	    members_svc->on_invite(p, outbox__invite, NULL) || prefs__init(p) || inbox__init(p))
		return ACCORD_E_INTERNAL;
	pump__start();
	if (!notify__cfg.enabled)
		api->log(p, ACCORD_LOG_WARN, "no smtp.host: messages wait in the outbox");
	if (!notify__cfg.public_url[0])
		api->log(p, ACCORD_LOG_WARN, "no public_url: messages carry no links");
	return ACCORD_OK;
}

static void fini(accord_plugin_ctx *p)
{
	(void)p;
	if (members_svc)
		members_svc->on_invite(p, NULL, NULL);
	pump__stop();
}

static const accord_service_ref provides[] = {{ACCORD_SVC_NOTIFY, ACCORD_SVC_NOTIFY_V, 0},
					      {NULL, 0, 0}};
static const accord_service_ref requires[] = {{ACCORD_SVC_MEMBERS, ACCORD_SVC_MEMBERS_V, 0},
					      {NULL, 0, 0}};

static const accord_plugin desc = {
	.abi_major = ACCORD_ABI_MAJOR,
	.struct_size = sizeof(accord_plugin),
	.name = "notify",
	.version = "1.0.0",
	.description = "notifications by e-mail: a durable outbox, an SMTP sender thread",
	.init = init,
	.fini = fini,
	.migrations = migrations,
	.provides = provides,
	.requires = requires,
};

ACCORD_EXPORT const accord_plugin *accord_plugin_entry(void) { return &desc; }
