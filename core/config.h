/* Configuration: parsed with jansson and validated against a table of known
 * keys; the first problem found is reported with its key path. */
#ifndef ACCORD_CONFIG_H
#define ACCORD_CONFIG_H

#include <jansson.h>
#include <limits.h>
#include <stddef.h>

#include "signature.h"

typedef struct accord_limits {
	long max_message_bytes;      /* largest reassembled WebSocket message */
	long rate_per_sec;           /* sustained requests per second per connection */
	long rate_burst;             /* bucket size */
	long flood_close_after;      /* rate_limited replies before closing (1008) */
	long outbound_queue_max;     /* queued frames before a slow client is dropped */
	long outbound_queue_bytes;   /* queued bytes before a slow client is dropped */
	long inflight_per_conn;      /* unanswered requests before its input is paused */
	long max_logins_per_address; /* password checks in flight per client address */
	long login_failures_max;     /* failures of one login from one address before it waits */
	long login_lockout_s;        /* the longest such wait, in seconds */
	long login_account_failures_max; /* failures of one login, all addresses, before new addresses wait */
	long login_account_delay_max_s; /* the longest such wait, in seconds */
	long auth_timeout_s;            /* unauthenticated connections are closed after */
	long session_ttl_s;             /* token lifetime */
	long replay_keep;               /* events kept per topic for sub.add since */
	long storage_queue_max;         /* pending storage jobs before "unavailable" */
	long login_queue_max;           /* pending password checks before "rate_limited" */
	long max_connections;           /* WebSocket connections accepted at once */
	long max_upload_bytes;          /* largest HTTP POST body (plugin uploads) */
	long max_url_bytes;             /* longest request target (path and query): 414 above */
	long max_header_bytes;          /* request line and headers together: 431 above */
	long max_concurrent_uploads;    /* POST bodies being received at once */
	long max_upload_total_bytes;    /* sum of their Content-Lengths */
} accord_limits;

typedef struct accord_config {
	json_t *root;
	char listen_address[64];
	int port;
	char db_backend[32]; /* storage backend by name: "sqlite" */
	char db_path[PATH_MAX];
	char synchronous[8]; /* "full", "normal" or "extra" */
	char web_root[PATH_MAX];
	char plugin_dir[PATH_MAX];
	/* Plugins installed live (plugin_live.c): the admin socket the
	 * `accord plugins` commands talk to, and the managed folder their
	 * files are copied into.  Empty in the file: beside the database
	 * (<db dir>/accord.sock, <db dir>/plugins). */
	char admin_socket[PATH_MAX];
	char installed_dir[PATH_MAX];
	char demo_file[PATH_MAX];
	char tls_cert[PATH_MAX]; /* empty: plain HTTP */
	char tls_key[PATH_MAX];
	char metrics_token[256];            /* bearer token of /metrics; empty: none */
	char metrics_token_file[PATH_MAX];  /* read into metrics_token at start */
	char metrics_anonymous[16];         /* "none" or "loopback" */
	const json_t *plugins_enabled;      /* object: name -> config section */
	sig_key trusted_keys[SIG_MAX_KEYS]; /* plugins.trusted_keys */
	int n_trusted_keys;
	int allow_unsigned;         /* plugins.allow_unsigned: load plugins that fail the check */
	const json_t *origins;      /* array of strings */
	const json_t *server_names; /* array of host names this server answers to */
	accord_limits limits;
	int log_level;
} accord_config;

/* Both return 0, or -1 with a message naming the key path in err.  A
 * metrics.token_file is read into metrics_token here (at start, before the
 * loop runs). */
int config_load_file(const char *path, accord_config *out, char *err, size_t errlen);
int config_load_string(const char *text, accord_config *out, char *err, size_t errlen);
void config_free(accord_config *cfg);

/* The embedded default (config/accord.json compiled in). */
extern const char accord_default_config[];

#endif
