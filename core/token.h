/* Session tokens: 32 random bytes, sent as 43 base64url characters; only
 * their BLAKE2b-256 hash (hex) is stored.  Pure functions, unit-tested. */
#ifndef ACCORD_TOKEN_H
#define ACCORD_TOKEN_H

#define TOKEN_BYTES 32
#define TOKEN_CHARS 43
#define TOKEN_HASH_HEX 65

/* Makes a new token: its text for the client and the hex hash to store. */
int token_new(char text[TOKEN_CHARS + 1], char hash_hex[TOKEN_HASH_HEX]);
/* Hashes a token received from a client; -1 if it is malformed. */
int token_hash(const char *text, char hash_hex[TOKEN_HASH_HEX]);

#endif
