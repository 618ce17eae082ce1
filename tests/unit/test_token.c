/* Session token handling: format, hashing, and refusal of malformed text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <string.h>

#include "token.h"

static void new_tokens_round_trip(void **s)
{
	(void)s;
	char a[TOKEN_CHARS + 1], b[TOKEN_CHARS + 1], ha[TOKEN_HASH_HEX], hb[TOKEN_HASH_HEX],
		again[TOKEN_HASH_HEX];
	token_new(a, ha);
	token_new(b, hb);
	assert_int_equal(strlen(a), 43);
	assert_int_equal(strlen(ha), 64);
	assert_string_not_equal(a, b);
	assert_string_not_equal(ha, hb);
	/* the stored hash is not the token itself */
	assert_null(strstr(ha, a));
	assert_int_equal(token_hash(a, again), 0);
	assert_string_equal(again, ha);
	for (const char *p = a; *p; p++)
		assert_true((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_');
}

static void malformed_tokens_refused(void **s)
{
	(void)s;
	char t[TOKEN_CHARS + 1], h[TOKEN_HASH_HEX], out[TOKEN_HASH_HEX];
	token_new(t, h);
	char bad[64];
	assert_int_equal(token_hash(NULL, out), -1);
	assert_int_equal(token_hash("", out), -1);
	snprintf(bad, sizeof(bad), "%.42s", t); /* too short */
	assert_int_equal(token_hash(bad, out), -1);
	snprintf(bad, sizeof(bad), "%sA", t); /* too long */
	assert_int_equal(token_hash(bad, out), -1);
	snprintf(bad, sizeof(bad), "%s", t);
	bad[10] = '+'; /* not base64url */
	assert_int_equal(token_hash(bad, out), -1);
	snprintf(bad, sizeof(bad), "%s", t);
	bad[20] = '=';
	assert_int_equal(token_hash(bad, out), -1);
	/* Non-canonical last character (low bits set) is refused. */
	snprintf(bad, sizeof(bad), "%s", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB");
	assert_int_equal(token_hash(bad, out), -1);
	snprintf(bad, sizeof(bad), "%s", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	assert_int_equal(token_hash(bad, out), 0);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {cmocka_unit_test(new_tokens_round_trip),
					   cmocka_unit_test(malformed_tokens_refused)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
