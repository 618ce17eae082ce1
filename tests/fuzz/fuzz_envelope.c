/* libFuzzer target: request envelope parsing and validation (core/envelope.c).
 *
 * Besides crashes and sanitizer reports it checks the envelope's contract:
 * an accepted request has a valid type, an id of the allowed shapes and an
 * object as data; every reply built from the parsed id is valid JSON that
 * echoes the id (or null); a rejected request has a message. */
#include "envelope.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "fuzz_envelope: check failed: %s (%s:%d)\n", #c, __FILE__, \
				__LINE__);                                                         \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static int type_ok(const char *t)
{
	size_t n = strlen(t);
	if (n < 3 || n > ENVELOPE_MAX_TYPE || t[0] < 'a' || t[0] > 'z' || !strchr(t, '.'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9') || t[i] == '_' ||
		      t[i] == '.'))
			return 0;
	return !strstr(t, "..") && t[n - 1] != '.';
}

static void check_reply(char *s, size_t len, const json_t *id)
{
	CHECK(s);
	CHECK(strlen(s) == len);
	json_error_t je;
	json_t *r = json_loads(s, JSON_REJECT_DUPLICATES, &je);
	CHECK(r);
	json_t *re = json_object_get(r, "re");
	CHECK(re);
	if (id)
		CHECK(json_equal(re, (json_t *)id));
	else
		CHECK(json_is_null(re));
	json_decref(r);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	envelope env;
	char msg[200];
	memset(msg, 0x5a, sizeof(msg));
	accord_status st = envelope_parse((const char *)data, size, &env, msg, sizeof(msg));
	if (st == ACCORD_OK) {
		CHECK(env.root && json_is_object(env.root));
		CHECK(env.type && type_ok(env.type));
		CHECK(env.id);
		CHECK(json_is_integer(env.id) ||
		      (json_is_string(env.id) && json_string_length(env.id) >= 1 &&
		       json_string_length(env.id) <= ENVELOPE_MAX_ID));
		CHECK(env.data && json_is_object(env.data));
		CHECK(json_object_size(env.root) <= 3);
	} else {
		CHECK(st == ACCORD_E_BAD_REQUEST);
		CHECK(memchr(msg, 0, sizeof(msg)) && msg[0]);
	}
	size_t len = 0;
	check_reply(reply_ok_json(env.id, json_pack("{s:s}", "k", "v"), &len), len, env.id);
	check_reply(reply_error_json(env.id, st == ACCORD_OK ? ACCORD_E_NOT_FOUND : st,
				     st == ACCORD_OK ? "no such thing" : msg, &len),
		    len, env.id);
	/* Error codes outside the table still serialise as "internal". */
	CHECK(!strcmp(status_code_name((accord_status)(size % 40)),
		      (size % 40) < ACCORD_E__COUNT ? status_code_name((accord_status)(size % 40))
						    : "internal"));
	envelope_free(&env);

	/* Topic names: the same bytes as a C string. */
	char *t = malloc(size + 1);
	memcpy(t, data, size);
	t[size] = 0;
	if (topic_name_valid(t)) {
		size_t n = strlen(t);
		CHECK(n >= 1 && n <= 128);
		for (size_t i = 0; i < n; i++)
			CHECK(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:.-",
				     t[i]));
		/* and an event on it serialises and parses back */
		size_t elen;
		char *ev = event_json("x.y", t, 1, json_object(), &elen);
		CHECK(ev);
		json_t *e = json_loads(ev, 0, NULL);
		CHECK(e && !strcmp(json_string_value(json_object_get(e, "topic")), t));
		json_decref(e);
		free(ev);
	}
	free(t);
	return 0;
}
