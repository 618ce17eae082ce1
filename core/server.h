/*
 * The server (server.c): one lws context, one vhost, one port, and the
 * start-up and shut-down of everything else.
 *
 * This header also includes every module's header, for main.c and the
 * tests, which drive the whole core.  No other file of core/ includes it:
 * each includes the headers of the modules it uses, so that the modules
 * form layers (docs/architecture.md; tests/style/check_includes.sh fails
 * on a circle).
 */
#ifndef ACCORD_SERVER_H
#define ACCORD_SERVER_H

#include "accord/plugin.h"
#include "admin.h"
#include "audience.h"
#include "auth.h"
#include "bus.h"
#include "clock.h"
#include "config.h"
#include "conn.h"
#include "context.h"
#include "deadline.h"
#include "dispatch.h"
#include "envelope.h"
#include "hostapi.h"
#include "http.h"
#include "loader.h"
#include "metrics.h"
#include "origin.h"
#include "permit.h"
#include "plugin_live.h"
#include "plugin_sign.h"
#include "principal.h"
#include "registry.h"
#include "release.h"
#include "req.h"
#include "session.h"
#include "signature.h"
#include "storage.h"
#include "worker.h"

server *server_current(void); /* the one server of this process */

int server_run(accord_config *cfg, int port_override);

#endif
