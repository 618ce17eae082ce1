/*
 * A connection's session: the principal it speaks for and until when, and
 * the authentication deadline of a connection that has not logged in.
 */
#ifndef ACCORD_SESSION_H
#define ACCORD_SESSION_H

#include <stdint.h>

#include "conn.h"
#include "principal.h"

/* Authenticates c until expires (seconds since the epoch, 0: none). */
int conn_set_principal(conn *c, const struct accord_principal *p, const char *token_hash,
		       int64_t expires);
/* Back to unauthenticated; the authentication deadline starts again. */
void conn_clear_principal(conn *c);
/* The connection's one timer: its authentication deadline, then the end
 * of its session. */
void conn_auth_timer(deadline *d);

#endif
