/* The wire envelope: parsing and validating requests, building replies and
 * events.  Pure functions, no I/O: unit-tested and fuzzed on their own. */
#ifndef ACCORD_ENVELOPE_H
#define ACCORD_ENVELOPE_H

#include "accord/plugin.h"
#include <jansson.h>

#define ENVELOPE_MAX_TYPE 64
#define ENVELOPE_MAX_ID 64
#define ENVELOPE_MIN_IDEM 8
#define ENVELOPE_MAX_IDEM 64

typedef struct envelope {
	json_t *root;     /* owned */
	json_t *id;       /* borrowed from root; NULL when unreadable */
	const char *type; /* borrowed from root */
	const char *idem; /* borrowed from root; NULL when absent */
	json_t *data;     /* borrowed from root, or an owned empty object */
	int data_owned;
} envelope;

/* Parses one text frame.  On failure returns ACCORD_E_BAD_REQUEST with a
 * message in msg; env->id is still set when the id itself was readable, so
 * the error can be addressed. */
accord_status envelope_parse(const char *buf, size_t len, envelope *env, char *msg, size_t msglen);
void envelope_free(envelope *env);

/* "bad_request", "not_found", ... */
const char *status_code_name(accord_status st);

/* Serialisers return malloc'd compact JSON (caller frees) or NULL. */
char *reply_ok_json(const json_t *id, json_t *data /* stolen, may be NULL */, size_t *len);
char *reply_error_json(const json_t *id, accord_status code, const char *message, size_t *len);
char *event_json(const char *event, const char *topic, uint64_t seq, json_t *data /* stolen */,
		 size_t *len);

/* Idempotency keys: 8-64 bytes of [A-Za-z0-9_-]. */
int idem_valid(const char *key, size_t len);

/* Topic names: 1-128 bytes of [A-Za-z0-9_:.-], starting with a letter. */
int topic_name_valid(const char *topic);

#endif
