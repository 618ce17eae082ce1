/*
 * Requests: one object per request in flight, one reply each.  A request
 * holds a reference to its connection, so a handler may answer later
 * (after a storage commit); if the client has gone by then, the reply is
 * dropped.  A reply is kept with the request's retry key when the job's
 * work marked it (retry.c).
 */
#include "req.h"
#include "clock.h"
#include "metrics.h"
#include "plugin_host.h"
#include "storage.h"

#include <stdio.h>
#include <stdlib.h>

struct accord_req *req_new(conn *c, json_t *id, const char *type)
{
	struct accord_req *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->c = c;
	conn_ref(c);
	c->inflight++;
	conn_flow(c);
	if (c->who) {
		r->who = *c->who;
		r->has_who = 1;
	}
	r->id = id ? json_incref(id) : NULL;
	snprintf(r->type, sizeof(r->type), "%s", type ? type : "");
	r->started_us = now_us();
	return r;
}

static void req_free(struct accord_req *r)
{
	metrics_request(r->c->srv->metrics, (double)(now_us() - r->started_us) / 1e6);
	json_decref(r->id);
	r->c->inflight--;
	conn_flow(r->c);
	conn_unref(r->c);
	plugin_unref(r->plugin);
	free(r);
}

void req_reply_ok(struct accord_req *r, json_t *data)
{
	if (!r)
		return;
	size_t len;
	char *j = reply_ok_json(r->id, data, &len);
	if (j && r->retry_key[0] && retry_marked_take(r->retry_key))
		retry_keep_reply(r->c->srv->st, r->retry_key, j, len);
	if (j)
		conn_send_text(r->c, j, len);
	metrics_msg_out(r->c->srv->metrics, "reply", 1);
	req_free(r);
}

/* An error reply made while the done callback of a job the database failed
 * runs says "unavailable" and why (disk full...), whatever the handler
 * chose: the request was fine, the server could not store it. */
void req_reply_error(struct accord_req *r, accord_status code, const char *message)
{
	if (!r)
		return;
	if (r->retry_key[0]) /* a write refused after its work: nothing to keep */
		retry_marked_take(r->retry_key);
	const char *why = storage_current_failure(r->c->srv->st);
	if (why && (code == ACCORD_E_INTERNAL || code == ACCORD_E_UNAVAILABLE)) {
		code = ACCORD_E_UNAVAILABLE;
		message = why;
	}
	metrics_error(r->c->srv->metrics, code);
	metrics_msg_out(r->c->srv->metrics, "reply", 1);
	size_t len;
	char *j = reply_error_json(r->id, code, message, &len);
	if (j)
		conn_send_text(r->c, j, len);
	req_free(r);
}
