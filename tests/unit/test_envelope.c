/* Envelope parsing and validation, and reply/event serialisation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"

static accord_status parse(const char *s, envelope *e, char *msg)
{
	return envelope_parse(s, strlen(s), e, msg, 200);
}

static void valid_request(void **state)
{
	(void)state;
	envelope e;
	char msg[200];
	assert_int_equal(parse("{\"id\":\"r1\",\"type\":\"auth.login\",\"data\":{\"a\":1}}", &e, msg),
			 ACCORD_OK);
	assert_string_equal(e.type, "auth.login");
	assert_string_equal(json_string_value(e.id), "r1");
	assert_int_equal(json_integer_value(json_object_get(e.data, "a")), 1);
	envelope_free(&e);

	assert_int_equal(parse("{\"id\":1,\"type\":\"a.b\",\"idem\":\"Zq-_09azAZ\"}", &e, msg),
			 ACCORD_OK);
	assert_string_equal(e.idem, "Zq-_09azAZ");
	envelope_free(&e);

	assert_int_equal(parse("{\"id\":7,\"type\":\"sys.ping\"}", &e, msg), ACCORD_OK);
	assert_null(e.idem);
	assert_int_equal(json_integer_value(e.id), 7);
	assert_true(json_is_object(e.data));
	assert_int_equal(json_object_size(e.data), 0);
	envelope_free(&e);
}

static void invalid_requests(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		const char *needle; /* expected in the message */
		int id_kept;
	} cases[] = {
		{"not json", "invalid JSON", 0},
		{"[1,2]", "JSON object", 0},
		{"{\"type\":\"sys.ping\"}", "id: required", 0},
		{"{\"id\":true,\"type\":\"sys.ping\"}", "id: expected", 0},
		{"{\"id\":\"\",\"type\":\"sys.ping\"}", "id: expected", 0},
		{"{\"id\":1}", "type: required", 1},
		{"{\"id\":1,\"type\":5}", "type: expected", 1},
		{"{\"id\":1,\"type\":\"nodot\"}", "type: expected", 1},
		{"{\"id\":1,\"type\":\"Bad.Case\"}", "type: expected", 1},
		{"{\"id\":1,\"type\":\"a..b\"}", "type: expected", 1},
		{"{\"id\":1,\"type\":\"a.b.\"}", "type: expected", 1},
		{"{\"id\":1,\"type\":\"sys.ping\",\"data\":[]}", "data: expected an object", 1},
		{"{\"id\":1,\"type\":\"sys.ping\",\"extra\":1}", "unknown field \"extra\"", 1},
		{"{\"id\":1,\"type\":\"a.b\",\"idem\":\"short\"}", "idem: expected", 1},
		{"{\"id\":1,\"type\":\"a.b\",\"idem\":\"0123456789012345678901234567890123456789"
		 "0123456789012345678901234\"}",
		 "idem: expected", 1},
		{"{\"id\":1,\"type\":\"a.b\",\"idem\":\"has space in it\"}", "idem: expected", 1},
		{"{\"id\":1,\"type\":\"a.b\",\"idem\":12345678}", "idem: expected", 1},
		{"{\"id\":1,\"id\":2,\"type\":\"sys.ping\"}", "invalid JSON", 0},
		{"{\"id\":1,\"type\":\"sys.ping\",\"data\":{\"s\":\"\xff\"}}", "invalid JSON", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		envelope e;
		char msg[200] = "";
		accord_status st = parse(cases[i].in, &e, msg);
		if (st != ACCORD_E_BAD_REQUEST || !strstr(msg, cases[i].needle))
			fail_msg("case %zu (%s): status %d message \"%s\"", i, cases[i].in, st, msg);
		assert_int_equal(e.id != NULL, cases[i].id_kept);
		envelope_free(&e);
	}
}

static void long_type_and_id(void **state)
{
	(void)state;
	char buf[400];
	char longtype[70];
	memset(longtype, 'a', sizeof(longtype));
	longtype[2] = '.';
	longtype[69] = 0;
	snprintf(buf, sizeof(buf), "{\"id\":1,\"type\":\"%s\"}", longtype);
	envelope e;
	char msg[200];
	assert_int_equal(parse(buf, &e, msg), ACCORD_E_BAD_REQUEST);
	envelope_free(&e);
	char longid[70];
	memset(longid, 'x', sizeof(longid));
	longid[69] = 0;
	snprintf(buf, sizeof(buf), "{\"id\":\"%s\",\"type\":\"sys.ping\"}", longid);
	assert_int_equal(parse(buf, &e, msg), ACCORD_E_BAD_REQUEST);
	assert_null(e.id);
	envelope_free(&e);
}

static void replies_and_events(void **state)
{
	(void)state;
	json_t *id = json_string("x");
	size_t len;
	char *s = reply_ok_json(id, json_pack("{s:i}", "n", 3), &len);
	assert_string_equal(s, "{\"re\":\"x\",\"ok\":true,\"data\":{\"n\":3}}");
	assert_int_equal(len, strlen(s));
	free(s);
	s = reply_error_json(NULL, ACCORD_E_NOT_FOUND, "no such topic", &len);
	assert_string_equal(
		s,
		"{\"re\":null,\"ok\":false,\"error\":{\"code\":\"not_found\",\"message\":\"no such topic\"}}");
	free(s);
	s = event_json("a.b", "t:1", 42, NULL, &len);
	assert_string_equal(s, "{\"event\":\"a.b\",\"topic\":\"t:1\",\"seq\":42,\"data\":{}}");
	free(s);
	json_decref(id);
	for (int c = 1; c < ACCORD_E__COUNT; c++)
		assert_string_not_equal(status_code_name((accord_status)c), "ok");
	assert_string_equal(status_code_name(ACCORD_E_RATE_LIMITED), "rate_limited");
	assert_string_equal(status_code_name((accord_status)999), "internal");
}

static void topic_names(void **state)
{
	(void)state;
	assert_true(topic_name_valid("proposal:12"));
	assert_true(topic_name_valid("group:3.room-a_b"));
	assert_false(topic_name_valid(""));
	assert_false(topic_name_valid(":x"));
	assert_false(topic_name_valid("a b"));
	assert_false(topic_name_valid("a/b"));
	char big[200];
	memset(big, 'a', sizeof(big));
	big[199] = 0;
	assert_false(topic_name_valid(big));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_request),    cmocka_unit_test(invalid_requests),
		cmocka_unit_test(long_type_and_id), cmocka_unit_test(replies_and_events),
		cmocka_unit_test(topic_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
