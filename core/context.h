/*
 * The server context: the state every module of the core reaches through
 * its server pointer (the configuration, the lws context, the
 * subsystems).  The subsystems are opaque here; each module's own header
 * says what they do, so including this one makes no module depend on
 * another.
 */
#ifndef ACCORD_CONTEXT_H
#define ACCORD_CONTEXT_H

#include <libwebsockets.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>

#include "config.h"
#include "storage.h"
#include "worker.h"

typedef struct server server;
typedef struct bus bus;
typedef struct metrics metrics;
typedef struct plugin_host plugin_host;
typedef struct conn conn;
typedef struct deadlines deadlines;

struct server {
	accord_config *cfg;
	struct lws_context *ctx;
	struct lws_vhost *vh;
	storage *st;
	worker *crypto;
	bus *bus;
	metrics *metrics;
	plugin_host *plugins;
	struct admin *admin; /* the admin socket (admin.h), or NULL */
	int port;
	int shutting_down;
	uint64_t next_conn_id;
	long n_conns;
	conn *conns;
	deadlines *timers; /* every connection's deadlines, one lws timer */
	int64_t boot_ms;
	struct lws_http_mount mounts[6];
	char plugin_web[PATH_MAX + 8];
	char installed_web[PATH_MAX + 8]; /* web files of plugins installed live */
	struct lws_protocol_vhost_options headers[4];
	/* set by the storage and crypto threads when they finish a job, next
	 * to lws_cancel_service(); the write pass checks it (see
	 * LWS_CALLBACK_SERVER_WRITEABLE) */
	atomic_int completions_ready;
	/* connections still sending their first request head (http.c) */
	struct lws **heads;
	size_t n_heads, heads_cap;
	/* HTTP uploads in progress and the sum of their Content-Lengths,
	 * against limits.max_concurrent_uploads and max_upload_total_bytes */
	long uploads_active;
	long long upload_bytes;
};

#endif
