/*
 * Request envelope parsing and reply/event serialisation.
 *
 * A request is {"id": string|int, "type": "<ns>.<verb>", "data": {...}}.
 * Everything else is refused with bad_request and a message that names the
 * offending field, so a client author can fix the request from the error
 * alone.  jansson rejects invalid UTF-8 and duplicate keys for us; its parser
 * also caps nesting depth.
 */
#include "envelope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const code_names[ACCORD_E__COUNT] = {
	[ACCORD_OK] = "ok",
	[ACCORD_E_BAD_REQUEST] = "bad_request",
	[ACCORD_E_UNAUTHENTICATED] = "unauthenticated",
	[ACCORD_E_FORBIDDEN] = "forbidden",
	[ACCORD_E_NOT_FOUND] = "not_found",
	[ACCORD_E_CONFLICT] = "conflict",
	[ACCORD_E_TOO_LARGE] = "too_large",
	[ACCORD_E_RATE_LIMITED] = "rate_limited",
	[ACCORD_E_UNKNOWN_TYPE] = "unknown_type",
	[ACCORD_E_INTERNAL] = "internal",
	[ACCORD_E_UNAVAILABLE] = "unavailable",
};

const char *status_code_name(accord_status st)
{
	if ((int)st < 0 || st >= ACCORD_E__COUNT)
		return "internal";
	return code_names[st];
}

static int type_valid(const char *t, size_t n)
{
	/* <ns>.<verb>[.<more>], lower case letters, digits and '_' */
	if (n < 3 || n > ENVELOPE_MAX_TYPE || t[0] < 'a' || t[0] > 'z')
		return 0;
	int dots = 0;
	for (size_t i = 0; i < n; i++) {
		char c = t[i];
		if (c == '.') {
			if (i == n - 1 || t[i + 1] == '.')
				return 0;
			dots++;
		} else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return dots >= 1;
}

int topic_name_valid(const char *t)
{
	size_t n = strlen(t);
	if (n < 1 || n > 128 || !((t[0] >= 'a' && t[0] <= 'z') || (t[0] >= 'A' && t[0] <= 'Z')))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = t[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == ':' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

int idem_valid(const char *k, size_t n)
{
	if (!k || n < ENVELOPE_MIN_IDEM || n > ENVELOPE_MAX_IDEM)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = k[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static accord_status bad(char *msg, size_t msglen, const char *text)
{
	snprintf(msg, msglen, "%s", text);
	return ACCORD_E_BAD_REQUEST;
}

accord_status envelope_parse(const char *buf, size_t len, envelope *env, char *msg, size_t msglen)
{
	memset(env, 0, sizeof(*env));
	json_error_t je;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		snprintf(msg, msglen, "invalid JSON at position %d: %s", je.position, je.text);
		return ACCORD_E_BAD_REQUEST;
	}
	env->root = root;
	if (!json_is_object(root))
		return bad(msg, msglen, "a request must be a JSON object");

	json_t *id = json_object_get(root, "id");
	if (json_is_integer(id) || (json_is_string(id) && json_string_length(id) >= 1 &&
				    json_string_length(id) <= ENVELOPE_MAX_ID))
		env->id = id;

	const char *key;
	json_t *val;
	json_object_foreach(root, key, val) {
		if (strcmp(key, "id") && strcmp(key, "type") && strcmp(key, "data") &&
		    strcmp(key, "idem")) {
			snprintf(msg, msglen,
				 "unknown field \"%.40s\" (a request has id, type, data, idem)", key);
			return ACCORD_E_BAD_REQUEST;
		}
	}
	if (!id)
		return bad(msg, msglen, "id: required (a string of 1-64 bytes or an integer)");
	if (!env->id)
		return bad(msg, msglen, "id: expected a string of 1-64 bytes or an integer");

	json_t *type = json_object_get(root, "type");
	if (!type)
		return bad(msg, msglen, "type: required");
	if (!json_is_string(type) || !type_valid(json_string_value(type), json_string_length(type)))
		return bad(msg, msglen,
			   "type: expected \"<namespace>.<verb>\" of at most 64 [a-z0-9_.] characters");
	env->type = json_string_value(type);

	/* The idempotency key: the client makes one per intent (a random
	 * string) and sends it again, unchanged, only when it re-sends that
	 * same request.  Ids are no key: a reloaded page numbers from 1 again. */
	json_t *idem = json_object_get(root, "idem");
	if (idem) {
		if (!idem_valid(json_string_value(idem), json_string_length(idem)))
			return bad(msg, msglen,
				   "idem: expected a string of 8-64 characters [A-Za-z0-9_-]");
		env->idem = json_string_value(idem);
	}

	json_t *data = json_object_get(root, "data");
	if (data && !json_is_object(data))
		return bad(msg, msglen, "data: expected an object");
	if (!data) {
		data = json_object();
		env->data_owned = 1;
	}
	env->data = data;
	return ACCORD_OK;
}

void envelope_free(envelope *env)
{
	if (env->data_owned && env->data)
		json_decref(env->data);
	if (env->root)
		json_decref(env->root);
	memset(env, 0, sizeof(*env));
}

/* Frames are written into a buffer of the thread's first (json_dumpb, one
 * pass, no reallocation) and copied out at their size; json_dumps grows
 * its buffer from 16 bytes by doubling, five or six reallocations for a
 * tally. */
static char *dump(json_t *obj, size_t *len)
{
	static _Thread_local char buf[8192];
	char *s = NULL;
	size_t n = obj ? json_dumpb(obj, buf, sizeof(buf), JSON_COMPACT) : 0;
	if (n && n < sizeof(buf)) {
		s = malloc(n + 1);
		if (s) {
			memcpy(s, buf, n);
			s[n] = 0;
		}
	} else if (n) {
		s = json_dumps(obj, JSON_COMPACT);
		n = s ? strlen(s) : 0;
	}
	json_decref(obj);
	if (s && len)
		*len = n;
	return s;
}

char *reply_ok_json(const json_t *id, json_t *data, size_t *len)
{
	json_t *o = json_object();
	json_object_set(o, "re", id ? (json_t *)id : json_null());
	json_object_set_new(o, "ok", json_true());
	json_object_set_new(o, "data", data ? data : json_object());
	return dump(o, len);
}

char *reply_error_json(const json_t *id, accord_status code, const char *message, size_t *len)
{
	json_t *o = json_object();
	json_object_set(o, "re", id ? (json_t *)id : json_null());
	json_object_set_new(o, "ok", json_false());
	json_t *e = json_object();
	json_object_set_new(e, "code", json_string(status_code_name(code)));
	json_t *m = message ? json_string(message) : NULL;
	json_object_set_new(e, "message", m ? m : json_string(status_code_name(code)));
	json_object_set_new(o, "error", e);
	return dump(o, len);
}

char *event_json(const char *event, const char *topic, uint64_t seq, json_t *data, size_t *len)
{
	json_t *o = json_object();
	json_object_set_new(o, "event", json_string(event));
	json_object_set_new(o, "topic", json_string(topic));
	json_object_set_new(o, "seq", json_integer((json_int_t)seq));
	json_object_set_new(o, "data", data ? data : json_object());
	return dump(o, len);
}
