/*
 * Configuration loading and validation.
 *
 * The accepted keys are described once, declaratively, in the tables below
 * (the way nginx modules declare their directives).  Validation walks the
 * document against the tables: an unknown key, a wrong type or a value out of
 * range stops with a message that names the full key path and what was
 * expected, e.g. "limits.rate_per_sec: expected an integer from 1 to 100000".
 * Missing keys take the defaults written in the tables.
 */
#include "config.h"
#include "log.h"
#include "signature.h"
#include "storage.h"

#include <arpa/inet.h>
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef ACCORD_DEFAULT_PLUGIN_DIR
#define ACCORD_DEFAULT_PLUGIN_DIR "plugins"
#endif
#ifndef ACCORD_DEFAULT_WEB_ROOT
#define ACCORD_DEFAULT_WEB_ROOT "web"
#endif
#ifndef ACCORD_DEFAULT_DEMO_FILE
#define ACCORD_DEFAULT_DEMO_FILE "config/demo-network.json"
#endif

enum ftype { F_OBJ, F_INT, F_STR, F_ENUM, F_STR_ARRAY, F_PLUGINS, F_BOOL, F_KEYS };

struct field {
	const char *key;
	enum ftype type;
	const struct field *children; /* F_OBJ */
	long min, max;                /* F_INT range; F_STR max length */
	const char *choices;          /* F_ENUM: '|'-separated */
	size_t offset;                /* into accord_config; (size_t)-1: none */
	long idef;                    /* default for F_INT */
	const char *sdef;             /* default for F_STR / F_ENUM */
};

#define OFF(m) offsetof(accord_config, m)
#define LIM(m) (offsetof(accord_config, limits) + offsetof(accord_limits, m))
#define NONE ((size_t)-1)

/* The listen address must say exactly which addresses are bound: an IPv4
 * literal binds that IPv4 address only, an IPv6 literal that IPv6 address
 * only (IPV6_V6ONLY), and "*" every address of both families.  Interface
 * and host names are refused rather than guessed at, since a name that
 * resolves differently tomorrow, or an address lws cannot match, used to
 * end as a wildcard socket open to every network. */
static const char *check_listen_address(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];
	if (!strcmp(s, "*") || inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1)
		return NULL;
	return "expected an IPv4 address (127.0.0.1, 0.0.0.0), an IPv6 address (::1, ::) "
	       "or \"*\" (every IPv4 and IPv6 address)";
}

static const struct field listen_fields[] = {
	{"address", F_STR, NULL, 1, 63, NULL, OFF(listen_address), 0, "127.0.0.1"},
	{"port", F_INT, NULL, 0, 65535, NULL, OFF(port), 8080, NULL},
	{NULL, 0, NULL, 0, 0, NULL, 0, 0, NULL}};

/* A server name is what a browser puts in the Host header for this server,
 * without the port: a DNS name or an IP address.  A scheme, a port or a
 * path here would never match, so they are refused instead of ignored. */
static const char *check_server_name(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];
	if (inet_pton(AF_INET6, s, buf) == 1)
		return NULL;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			return "expected a host name or IP address without scheme or port "
			       "(e.g. accord.example.org)";
	return NULL;
}

/* database.backend names one of the storage backends this build has. */
static const char *check_backend(const char *s)
{
	static char want[192];
	if (storage_backend_known(s))
		return NULL;
	snprintf(want, sizeof(want), "expected a storage backend this build has (%s)",
		 storage_backend_names());
	return want;
}

/* Further checks of string values (and of each string of an array), by
 * the field they fill: each returns what was expected, or NULL when the
 * value is good. */
static const struct str_check {
	size_t offset;
	const char *(*check)(const char *value);
} str_checks[] = {
	{OFF(listen_address), check_listen_address},
	{OFF(server_names), check_server_name},
	{OFF(db_backend), check_backend},
};

static const char *str_check(size_t offset, const char *value)
{
	for (size_t i = 0; i < sizeof(str_checks) / sizeof(str_checks[0]); i++)
		if (str_checks[i].offset == offset)
			return str_checks[i].check(value);
	return NULL;
}

static const struct field db_fields[] = {
	{"backend", F_STR, NULL, 1, 31, NULL, OFF(db_backend), 0, STORAGE_DEFAULT_BACKEND},
	{"path", F_STR, NULL, 1, PATH_MAX - 1, NULL, OFF(db_path), 0, "var/accord.db"},
	{"synchronous", F_ENUM, NULL, 0, 0, "full|normal|extra", OFF(synchronous), 0, "full"},
	{NULL, 0, NULL, 0, 0, NULL, 0, 0, NULL}};

static const struct field plugin_fields[] = {
	{"dir", F_STR, NULL, 1, PATH_MAX - 1, NULL, OFF(plugin_dir), 0, ACCORD_DEFAULT_PLUGIN_DIR},
	{"enabled", F_PLUGINS, NULL, 0, 0, NULL, NONE, 0, NULL},
	{"trusted_keys", F_KEYS, NULL, 0, 0, NULL, NONE, 0, NULL},
	{"allow_unsigned", F_BOOL, NULL, 0, 0, NULL, OFF(allow_unsigned), 0, NULL},
	{NULL, 0, NULL, 0, 0, NULL, 0, 0, NULL}};

static const struct field admin_fields[] = {
	{"socket", F_STR, NULL, 1, PATH_MAX - 1, NULL, OFF(admin_socket), 0, ""},
	{"installed_dir", F_STR, NULL, 1, PATH_MAX - 1, NULL, OFF(installed_dir), 0, ""},
	{NULL, 0, NULL, 0, 0, NULL, 0, 0, NULL}};

static const struct field tls_fields[] = {
	{"cert", F_STR, NULL, 1, PATH_MAX - 1, NULL, OFF(tls_cert), 0, ""},
	{"key", F_STR, NULL, 1, PATH_MAX - 1, NULL, OFF(tls_key), 0, ""},
	{NULL, 0, NULL, 0, 0, NULL, 0, 0, NULL}};

/* Who may read /metrics: with the bearer token (given inline or in a file
 * readable only by the service), and without it nobody, or loopback clients
 * when the operator says so (a reverse proxy on the same machine makes every
 * client look like loopback, hence not the default). */
static const struct field metrics_fields[] = {
	{"token", F_STR, NULL, 16, 255, NULL, OFF(metrics_token), 0, ""},
	{"token_file", F_STR, NULL, 1, PATH_MAX - 1, NULL, OFF(metrics_token_file), 0, ""},
	{"anonymous", F_ENUM, NULL, 0, 0, "none|loopback", OFF(metrics_anonymous), 0, "none"},
	{NULL, 0, NULL, 0, 0, NULL, 0, 0, NULL}};

static const struct field limit_fields[] = {
	{"max_message_bytes", F_INT, NULL, 256, 16 << 20, NULL, LIM(max_message_bytes), 65536, NULL},
	{"rate_per_sec", F_INT, NULL, 1, 100000, NULL, LIM(rate_per_sec), 50, NULL},
	{"rate_burst", F_INT, NULL, 1, 100000, NULL, LIM(rate_burst), 200, NULL},
	{"flood_close_after", F_INT, NULL, 1, 1000000, NULL, LIM(flood_close_after), 100, NULL},
	{"outbound_queue_max", F_INT, NULL, 4, 100000, NULL, LIM(outbound_queue_max), 1024, NULL},
	{"inflight_per_conn", F_INT, NULL, 1, 100000, NULL, LIM(inflight_per_conn), 32, NULL},
	{"outbound_queue_bytes", F_INT, NULL, 65536, 1L << 30, NULL, LIM(outbound_queue_bytes),
	 8L << 20, NULL},
	{"max_logins_per_address", F_INT, NULL, 1, 10000, NULL, LIM(max_logins_per_address), 4, NULL},
	{"login_failures_max", F_INT, NULL, 1, 100000, NULL, LIM(login_failures_max), 5, NULL},
	{"login_lockout_s", F_INT, NULL, 1, 86400, NULL, LIM(login_lockout_s), 900, NULL},
	{"login_account_failures_max", F_INT, NULL, 1, 1000000, NULL,
	 LIM(login_account_failures_max), 20, NULL},
	{"login_account_delay_max_s", F_INT, NULL, 1, 3600, NULL, LIM(login_account_delay_max_s),
	 30, NULL},
	{"auth_timeout_s", F_INT, NULL, 1, 3600, NULL, LIM(auth_timeout_s), 15, NULL},
	{"session_ttl_s", F_INT, NULL, 60, 31536000, NULL, LIM(session_ttl_s), 604800, NULL},
	{"replay_keep", F_INT, NULL, 0, 100000, NULL, LIM(replay_keep), 256, NULL},
	{"storage_queue_max", F_INT, NULL, 16, 10000000, NULL, LIM(storage_queue_max), 100000, NULL},
	{"login_queue_max", F_INT, NULL, 1, 100000, NULL, LIM(login_queue_max), 64, NULL},
	{"max_upload_bytes", F_INT, NULL, 1024, 1L << 30, NULL, LIM(max_upload_bytes), 20L << 20,
	 NULL},
	{"max_concurrent_uploads", F_INT, NULL, 1, 10000, NULL, LIM(max_concurrent_uploads), 8, NULL},
	{"max_upload_total_bytes", F_INT, NULL, 1024, 1L << 40, NULL, LIM(max_upload_total_bytes),
	 256L << 20, NULL},
	{"max_connections", F_INT, NULL, 1, 1000000, NULL, LIM(max_connections), 19000, NULL},
	{"max_url_bytes", F_INT, NULL, 256, 65535, NULL, LIM(max_url_bytes), 4096, NULL},
	{"max_header_bytes", F_INT, NULL, 1024, 65535, NULL, LIM(max_header_bytes), 8192, NULL},
	{NULL, 0, NULL, 0, 0, NULL, 0, 0, NULL}};

static const struct field top_fields[] = {
	{"listen", F_OBJ, listen_fields, 0, 0, NULL, NONE, 0, NULL},
	{"database", F_OBJ, db_fields, 0, 0, NULL, NONE, 0, NULL},
	{"web_root", F_STR, NULL, 1, PATH_MAX - 1, NULL, OFF(web_root), 0, ACCORD_DEFAULT_WEB_ROOT},
	{"demo_file", F_STR, NULL, 1, PATH_MAX - 1, NULL, OFF(demo_file), 0, ACCORD_DEFAULT_DEMO_FILE},
	{"plugins", F_OBJ, plugin_fields, 0, 0, NULL, NONE, 0, NULL},
	{"admin", F_OBJ, admin_fields, 0, 0, NULL, NONE, 0, NULL},
	{"origins", F_STR_ARRAY, NULL, 0, 0, NULL, OFF(origins), 0, NULL},
	{"server_names", F_STR_ARRAY, NULL, 0, 0, NULL, OFF(server_names), 0, NULL},
	{"tls", F_OBJ, tls_fields, 0, 0, NULL, NONE, 0, NULL},
	{"limits", F_OBJ, limit_fields, 0, 0, NULL, NONE, 0, NULL},
	{"metrics", F_OBJ, metrics_fields, 0, 0, NULL, NONE, 0, NULL},
	{"log_level", F_ENUM, NULL, 0, 0, "err|warn|info|debug", NONE, 0, "info"},
	{NULL, 0, NULL, 0, 0, NULL, 0, 0, NULL}};

static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

static int enum_has(const char *choices, const char *s)
{
	size_t n = strlen(s);
	const char *p = choices;
	while (*p) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (len == n && !strncmp(p, s, n))
			return 1;
		if (!bar)
			break;
		p = bar + 1;
	}
	return 0;
}

static size_t str_cap(size_t offset, const accord_config *cfg);

static void set_defaults(const struct field *f, accord_config *cfg)
{
	for (; f->key; f++) {
		if (f->type == F_OBJ)
			set_defaults(f->children, cfg);
		if (f->offset == NONE)
			continue;
		char *base = (char *)cfg + f->offset;
		if (f->type == F_BOOL) {
			*(int *)base = (int)f->idef;
		} else if (f->type == F_INT) {
			if (f->offset == OFF(port))
				*(int *)base = (int)f->idef;
			else
				*(long *)base = f->idef;
		} else if (f->sdef) {
			snprintf(base, str_cap(f->offset, cfg), "%s", f->sdef);
		}
	}
}

static size_t str_cap(size_t offset, const accord_config *cfg)
{
	if (offset == OFF(listen_address))
		return sizeof(cfg->listen_address);
	if (offset == OFF(synchronous))
		return sizeof(cfg->synchronous);
	if (offset == OFF(db_backend))
		return sizeof(cfg->db_backend);
	if (offset == OFF(metrics_token))
		return sizeof(cfg->metrics_token);
	if (offset == OFF(metrics_anonymous))
		return sizeof(cfg->metrics_anonymous);
	return PATH_MAX;
}

static int fail(char *err, size_t errlen, const char *path, const char *fmt, const char *a,
		const char *b)
{
	char msg[256];
	snprintf(msg, sizeof(msg), fmt, a, b);
	snprintf(err, errlen, "%s%s%s", path, *path ? ": " : "", msg);
	return -1;
}

/* plugins.trusted_keys: [{"name": "...", "key": "<base64 Ed25519 public
 * key>"}, ...], names and keys each listed once. */
static int parse_keys(const json_t *val, const char *kp, accord_config *cfg, char *err, size_t errlen)
{
	if (!json_is_array(val))
		return fail(err, errlen, kp,
			    "expected an array of {\"name\": ..., \"key\": ...}, got %s%s",
			    json_kind(val), "");
	if (json_array_size(val) > SIG_MAX_KEYS) {
		char n[16];
		snprintf(n, sizeof(n), "%d", SIG_MAX_KEYS);
		return fail(err, errlen, kp, "at most %s keys%s", n, "");
	}
	size_t i;
	const json_t *it;
	json_array_foreach(val, i, it) {
		char ip[300];
		snprintf(ip, sizeof(ip), "%s[%zu]", kp, i);
		const json_t *name = json_object_get(it, "name"), *key = json_object_get(it, "key");
		if (!json_is_object(it) || json_object_size(it) != 2 || !json_is_string(name) ||
		    !json_is_string(key))
			return fail(err, errlen, ip,
				    "expected {\"name\": \"<who signs>\", \"key\": \"<base64 "
				    "public key from `accord plugins keygen`>\"}%s%s",
				    "", "");
		if (!signature_name_ok(json_string_value(name)))
			return fail(err, errlen, ip,
				    "name: 1 to 64 printable characters, no space at either end%s%s",
				    "", "");
		sig_key *k = &cfg->trusted_keys[i];
		snprintf(k->name, sizeof(k->name), "%s", json_string_value(name));
		if (signature_key_parse(json_string_value(key), k->pk))
			return fail(err, errlen, ip,
				    "key: expected a base64 Ed25519 public key (32 bytes, 44 "
				    "characters), got \"%.60s\"%s",
				    json_string_value(key), "");
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(cfg->trusted_keys[j].name, k->name))
				return fail(err, errlen, ip, "name: \"%s\" is listed twice%s",
					    k->name, "");
			if (!memcmp(cfg->trusted_keys[j].pk, k->pk, sizeof(k->pk)))
				return fail(err, errlen, ip,
					    "key: the same key is listed as \"%s\" already%s",
					    cfg->trusted_keys[j].name, "");
		}
	}
	cfg->n_trusted_keys = (int)json_array_size(val);
	return 0;
}

static int validate(const struct field *fields, const json_t *obj, const char *path,
		    accord_config *cfg, char *err, size_t errlen)
{
	const char *key;
	const json_t *val;

	json_object_foreach((json_t *)obj, key, val) {
		char kp[256];
		snprintf(kp, sizeof(kp), "%s%s%s", path, *path ? "." : "", key);
		const struct field *f = fields;
		while (f->key && strcmp(f->key, key))
			f++;
		if (!f->key) {
			char known[256] = "";
			for (const struct field *g = fields; g->key; g++) {
				strncat(known, g->key, sizeof(known) - strlen(known) - 1);
				if (g[1].key)
					strncat(known, ", ", sizeof(known) - strlen(known) - 1);
			}
			return fail(err, errlen, kp, "unknown key (known keys here: %s)%s", known,
				    "");
		}
		char *dst = f->offset == NONE ? NULL : (char *)cfg + f->offset;
		switch (f->type) {
		case F_OBJ:
			if (!json_is_object(val))
				return fail(err, errlen, kp, "expected an object, got %s%s",
					    json_kind(val), "");
			if (validate(f->children, val, kp, cfg, err, errlen))
				return -1;
			break;
		case F_INT: {
			json_int_t v = json_is_integer(val) ? json_integer_value(val) : 0;
			if (!json_is_integer(val) || v < f->min || v > f->max) {
				char range[96];
				snprintf(range, sizeof(range), "%ld to %ld", f->min, f->max);
				if (!json_is_integer(val))
					return fail(err, errlen, kp,
						    "expected an integer from %s, got %s", range,
						    json_kind(val));
				return fail(err, errlen, kp, "expected an integer from %s, got %s",
					    range, "a value out of range");
			}
			assert(dst); /* every F_INT field has an offset */
			if (f->offset == OFF(port))
				*(int *)dst = (int)v;
			else
				*(long *)dst = (long)v;
			break;
		}
		case F_STR:
			if (!json_is_string(val))
				return fail(err, errlen, kp, "expected a string, got %s%s",
					    json_kind(val), "");
			if ((long)json_string_length(val) < f->min ||
			    (long)json_string_length(val) > f->max)
				return fail(err, errlen, kp, "expected a non-empty string%s%s",
					    " of reasonable length", "");
			const char *want = str_check(f->offset, json_string_value(val));
			if (want)
				return fail(err, errlen, kp, "%s, got \"%s\"", want,
					    json_string_value(val));
			snprintf(dst, str_cap(f->offset, cfg), "%s", json_string_value(val));
			break;
		case F_ENUM:
			if (!json_is_string(val) || !enum_has(f->choices, json_string_value(val)))
				return fail(err, errlen, kp, "expected one of %s, got %s", f->choices,
					    json_is_string(val) ? json_string_value(val)
								: json_kind(val));
			if (f->offset != NONE)
				snprintf(dst, str_cap(f->offset, cfg), "%s", json_string_value(val));
			else if (!strcmp(key, "log_level")) {
				accord_log_level l;
				log_parse_level(json_string_value(val), &l);
				cfg->log_level = (int)l;
			}
			break;
		case F_STR_ARRAY: {
			if (!json_is_array(val))
				return fail(err, errlen, kp, "expected an array of strings, got %s%s",
					    json_kind(val), "");
			size_t i;
			const json_t *it;
			json_array_foreach(val, i, it) {
				if (!json_is_string(it) || json_string_length(it) == 0 ||
				    json_string_length(it) > 255) {
					char ip[300];
					snprintf(ip, sizeof(ip), "%s[%zu]", kp, i);
					return fail(err, errlen, ip,
						    "expected a non-empty string, got %s%s",
						    json_kind(it), "");
				}
				const char *want = str_check(f->offset, json_string_value(it));
				if (want) {
					char ip[300];
					snprintf(ip, sizeof(ip), "%s[%zu]", kp, i);
					return fail(err, errlen, ip, "%s, got \"%s\"", want,
						    json_string_value(it));
				}
			}
			assert(dst); /* every F_STR_ARRAY field has an offset */
			*(const json_t **)dst = val;
			break;
		}
		case F_BOOL:
			if (!json_is_boolean(val))
				return fail(err, errlen, kp, "expected true or false, got %s%s",
					    json_kind(val), "");
			assert(dst); /* every F_BOOL field has an offset */
			*(int *)dst = json_is_true(val);
			break;
		case F_KEYS:
			if (parse_keys(val, kp, cfg, err, errlen))
				return -1;
			break;
		case F_PLUGINS: {
			if (!json_is_object(val))
				return fail(err, errlen, kp,
					    "expected an object of plugin name -> config object, got %s%s",
					    json_kind(val), "");
			const char *pn;
			const json_t *pv;
			json_object_foreach((json_t *)val, pn, pv) {
				char pp[300];
				snprintf(pp, sizeof(pp), "%s.%s", kp, pn);
				size_t n = strlen(pn);
				int ok = n > 0 && n <= 32;
				for (size_t k = 0; ok && k < n; k++)
					ok = (pn[k] >= 'a' && pn[k] <= 'z') ||
					     (pn[k] >= '0' && pn[k] <= '9') || pn[k] == '_';
				if (!ok)
					return fail(err, errlen, pp,
						    "plugin names are 1-32 characters of [a-z0-9_]%s%s",
						    "", "");
				if (!json_is_object(pv))
					return fail(err, errlen, pp,
						    "expected the plugin's config object, got %s%s",
						    json_kind(pv), "");
			}
			cfg->plugins_enabled = val;
			break;
		}
		}
	}
	return 0;
}

/* Reads a bearer token from a file: its first line, surrounding white space
 * removed, 16 to 255 printable characters.  At start only (blocking). */
static int read_token_file(const char *path, char *out, size_t cap, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "metrics.token_file: cannot read %s", path);
		return -1;
	}
	char line[512] = "";
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	char *p = line, *e;
	while (*p == ' ' || *p == '\t')
		p++;
	e = p + strlen(p);
	while (e > p && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
		*--e = 0;
	size_t n = strlen(p);
	int ok = n >= 16 && n < cap;
	for (size_t i = 0; ok && i < n; i++)
		ok = p[i] > ' ' && p[i] < 127;
	if (!ok) {
		snprintf(err, errlen,
			 "metrics.token_file: %s must hold one token of 16 to %zu "
			 "printable characters without spaces",
			 path, cap - 1);
		return -1;
	}
	snprintf(out, cap, "%s", p);
	return 0;
}

static int load(json_t *root, accord_config *cfg, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->log_level = ACCORD_LOG_INFO;
	set_defaults(top_fields, cfg);
	if (!json_is_object(root)) {
		snprintf(err, errlen, "the configuration must be a JSON object");
		json_decref(root);
		return -1;
	}
	cfg->root = root;
	if (validate(top_fields, root, "", cfg, err, errlen)) {
		json_decref(root);
		cfg->root = NULL;
		return -1;
	}
	if (!cfg->tls_cert[0] != !cfg->tls_key[0]) {
		snprintf(err, errlen, "tls: both cert and key are needed (PEM file paths)");
		json_decref(root);
		cfg->root = NULL;
		return -1;
	}
	/* Beside the database unless said: <db dir>/accord.sock, <db dir>/plugins. */
	if (!cfg->admin_socket[0] || !cfg->installed_dir[0]) {
		const char *slash = strrchr(cfg->db_path, '/');
		int dl = slash ? (int)(slash - cfg->db_path) : 1;
		const char *dir = slash ? cfg->db_path : ".";
		if (slash == cfg->db_path) /* "/accord.db" */
			dl = 0;
		if (!cfg->admin_socket[0])
			snprintf(cfg->admin_socket, sizeof(cfg->admin_socket), "%.*s/accord.sock",
				 dl, dir);
		if (!cfg->installed_dir[0])
			snprintf(cfg->installed_dir, sizeof(cfg->installed_dir), "%.*s/plugins", dl,
				 dir);
	}
	if (cfg->metrics_token[0] && cfg->metrics_token_file[0]) {
		snprintf(err, errlen, "metrics: give token or token_file, not both");
		json_decref(root);
		cfg->root = NULL;
		return -1;
	}
	if (cfg->limits.max_upload_total_bytes < cfg->limits.max_upload_bytes) {
		snprintf(err, errlen,
			 "limits.max_upload_total_bytes: must be at least "
			 "limits.max_upload_bytes (%ld), or the largest upload could never start",
			 cfg->limits.max_upload_bytes);
		json_decref(root);
		cfg->root = NULL;
		return -1;
	}
	if (cfg->limits.max_url_bytes >= cfg->limits.max_header_bytes) {
		snprintf(err, errlen,
			 "limits.max_url_bytes: must be below limits.max_header_bytes "
			 "(%ld), which holds the URL too",
			 cfg->limits.max_header_bytes);
		json_decref(root);
		cfg->root = NULL;
		return -1;
	}
	if (cfg->metrics_token_file[0] && read_token_file(cfg->metrics_token_file, cfg->metrics_token,
							  sizeof(cfg->metrics_token), err, errlen)) {
		json_decref(root);
		cfg->root = NULL;
		return -1;
	}
	for (const char *t = cfg->metrics_token; *t; t++)
		if (*t <= ' ' || *t >= 127) {
			snprintf(err, errlen,
				 "metrics.token: printable characters without spaces only");
			json_decref(root);
			cfg->root = NULL;
			return -1;
		}
	if (cfg->limits.replay_keep >= cfg->limits.outbound_queue_max) {
		snprintf(err, errlen,
			 "limits.replay_keep: must be below limits.outbound_queue_max "
			 "(%ld), or a replay would drop the client",
			 cfg->limits.outbound_queue_max);
		json_decref(root);
		cfg->root = NULL;
		return -1;
	}
	return 0;
}

int config_load_string(const char *text, accord_config *cfg, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		snprintf(err, errlen, "line %d column %d: %s", je.line, je.column, je.text);
		return -1;
	}
	return load(root, cfg, err, errlen);
}

int config_load_file(const char *path, accord_config *cfg, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		snprintf(err, errlen, "%s: line %d column %d: %s", path, je.line, je.column, je.text);
		return -1;
	}
	return load(root, cfg, err, errlen);
}

void config_free(accord_config *cfg)
{
	if (cfg->root)
		json_decref(cfg->root);
	cfg->root = NULL;
}
