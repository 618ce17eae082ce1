/*
 * Sessions: a connection speaks for a principal from its login (or resume)
 * until its logout or the session's expiry; until it logs in, it has
 * limits.auth_timeout_s to do so.  One deadline per connection (deadline.h)
 * serves both.
 */
#include "session.h"
#include "bus.h"
#include "clock.h"

#include <stdio.h>
#include <stdlib.h>

int conn_set_principal(conn *c, const struct accord_principal *p, const char *token_hash,
		       int64_t expires)
{
	if (!c->who)
		c->who = malloc(sizeof(*c->who));
	if (!c->who)
		return -1;
	*c->who = *p;
	if (token_hash) {
		snprintf(c->token_hash, sizeof(c->token_hash), "%s", token_hash);
		c->has_token = 1;
	}
	deadline_cancel(c->srv->timers, &c->auth_dl);
	c->expires_ms = expires * 1000;
	if (expires && c->srv->timers) {
		int64_t left = c->expires_ms - now_ms();
		/* a session whose expiry cannot be watched is not kept */
		if (deadline_arm(c->srv->timers, &c->auth_dl, conn_auth_timer,
				 (lws_usec_t)(left > 0 ? left : 0) * LWS_US_PER_MS + 1000)) {
			free(c->who);
			c->who = NULL;
			c->has_token = 0;
			conn_close_after_flush(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
					       "out of memory");
			return -1;
		}
	}
	return 0;
}

void conn_clear_principal(conn *c)
{
	free(c->who);
	c->who = NULL;
	c->has_token = 0;
	c->expires_ms = 0;
	c->auth_grace = 0;
	if (c->wsi && c->srv->timers &&
	    deadline_arm(c->srv->timers, &c->auth_dl, conn_auth_timer,
			 (lws_usec_t)c->srv->cfg->limits.auth_timeout_s * LWS_US_PER_SEC))
		conn_close_after_flush(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
}

/* One timer per connection: while unauthenticated it is the authentication
 * deadline (one grace period is allowed for a password check in flight,
 * no more); once authenticated it fires when the session expires. */
void conn_auth_timer(deadline *d)
{
	conn *c = lws_container_of(d, conn, auth_dl);
	if (!c->wsi || c->closing)
		return;
	if (c->who) {
		if (c->expires_ms && now_ms() >= c->expires_ms) {
			bus_unsubscribe_all(c->srv->bus, c);
			conn_clear_principal(c);
			conn_close_after_flush(c, LWS_CLOSE_STATUS_POLICY_VIOLATION,
					       "session expired");
		}
		return;
	}
	if (c->auth_busy && !c->auth_grace) {
		c->auth_grace = 1;
		if (deadline_arm(c->srv->timers, &c->auth_dl, conn_auth_timer, 2 * LWS_US_PER_SEC))
			conn_close_after_flush(c, LWS_CLOSE_STATUS_POLICY_VIOLATION,
					       "authentication timeout");
		return;
	}
	conn_close_after_flush(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "authentication timeout");
}
