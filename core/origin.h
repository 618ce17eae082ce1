/*
 * Which pages and host names the server talks to at all: the Origin of a
 * WebSocket upgrade and the Host of an HTTP request, against the
 * configuration (DNS rebinding and cross-site WebSockets stop here, before
 * anyone is authenticated).
 */
#ifndef ACCORD_ORIGIN_H
#define ACCORD_ORIGIN_H

#include <libwebsockets.h>

#include "context.h"

/* Why a WebSocket upgrade must be refused (bad Origin, too many
 * connections, shutting down), or NULL to accept it. */
const char *server_upgrade_refusal(server *srv, struct lws *wsi);
/* 1 if a Host header value names this server: a configured server name, the
 * host of a configured origin, localhost or an IP address (never rebound). */
int server_serves_host(server *srv, const char *host);

#endif
