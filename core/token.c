/*
 * Session tokens.  The client holds the random token; the database holds
 * only its hash, so a copy of the database cannot be used to log in.  A
 * malformed token (wrong length, not base64url, trailing bits) is refused
 * before any database look-up.
 */
#include "token.h"

#include <sodium.h>
#include <string.h>

static void hash_raw(const unsigned char *raw, char hex[TOKEN_HASH_HEX])
{
	unsigned char h[32];
	crypto_generichash(h, sizeof(h), raw, TOKEN_BYTES, NULL, 0);
	sodium_bin2hex(hex, TOKEN_HASH_HEX, h, sizeof(h));
}

int token_new(char text[TOKEN_CHARS + 1], char hash_hex[TOKEN_HASH_HEX])
{
	unsigned char raw[TOKEN_BYTES];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(text, TOKEN_CHARS + 1, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	hash_raw(raw, hash_hex);
	sodium_memzero(raw, sizeof(raw));
	return 0;
}

int token_hash(const char *text, char hash_hex[TOKEN_HASH_HEX])
{
	unsigned char raw[TOKEN_BYTES];
	size_t n = 0;
	const char *end = NULL;
	if (!text || strlen(text) != TOKEN_CHARS ||
	    sodium_base642bin(raw, sizeof(raw), text, TOKEN_CHARS, NULL, &n, &end,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) ||
	    n != TOKEN_BYTES || end != text + TOKEN_CHARS)
		return -1;
	/* Canonical encoding only: re-encode and compare, so the unused low
	 * bits of the last character cannot make two texts of one token. */
	char again[TOKEN_CHARS + 1];
	sodium_bin2base64(again, sizeof(again), raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (strcmp(again, text))
		return -1;
	hash_raw(raw, hash_hex);
	return 0;
}
