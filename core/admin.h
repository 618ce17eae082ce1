/*
 * The admin socket: a Unix socket (admin.socket, mode 0600) through which
 * `accord plugins install|upgrade|remove|list` (admin_client.c) asks the
 * running server to change its plugins.  Only the server's own account and
 * root are answered (SO_PEERCRED).  One JSON object a line each way; the
 * protocol is in docs/operations.md.
 *
 * The socket has its own thread, so that nothing it does blocks the event
 * loop: it reads requests, copies and checks plugin files and dlopens them,
 * then hands the loop a live_op (plugin_live.h) and waits for its answer.
 */
#ifndef ACCORD_ADMIN_H
#define ACCORD_ADMIN_H

#include <stddef.h>

#include "config.h"
#include "context.h"

typedef struct admin admin;

/* Largest shared object accepted for install (64 MiB), and the largest
 * web folder. */
#define ADMIN_MAX_PLUGIN_BYTES (64L << 20)
#define ADMIN_MAX_WEB_BYTES (64L << 20)

/* Binds the socket and starts its thread; NULL (logged) when it cannot:
 * the server then runs without it. */
admin *admin_start(server *srv);
/* Stops the thread (after live_close) and removes the socket. */
void admin_stop(admin *a);

/* The client side: `accord plugins ...` with argv after "plugins".
 * Returns the process exit code. */
int admin_client(const accord_config *cfg, int argc, char **argv);

#endif
