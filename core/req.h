/*
 * Requests: one object per request in flight, holding a reference to its
 * connection so that it can be answered after a storage round trip (if
 * the client left by then, the reply is dropped).  Every request gets
 * exactly one reply.
 */
#ifndef ACCORD_REQ_H
#define ACCORD_REQ_H

#include <stdint.h>

#include "accord/plugin.h"
#include "conn.h"
#include "envelope.h"
#include "principal.h"

struct accord_req {
	conn *c;
	struct accord_principal who; /* the caller when the request arrived */
	int has_who;
	int64_t group; /* for group-scoped plugins */
	json_t *id;
	char type[ENVELOPE_MAX_TYPE + 1];
	int64_t started_us;
	char retry_key[160];              /* "<account>:<type>:<idem>", or "" */
	struct accord_plugin_ctx *plugin; /* whose handler it reached: held until the reply */
};

struct accord_req *req_new(conn *c, json_t *id, const char *type);
void req_reply_ok(struct accord_req *r, json_t *data);
void req_reply_error(struct accord_req *r, accord_status code, const char *message);

#endif
