/*
 * Signed plugins: the digest of a plugin's files, detached Ed25519
 * signatures over it (libsodium), key and signature files, and the check
 * the loader makes before a plugin's shared object is opened.
 *
 * The digest is BLAKE2b-512 over a canonical manifest of the plugin: the
 * shared object <dir>/<name>.so and every regular file under its web
 * folder <dir>/web/<name>/ (what the server serves at /plugins/<name>/),
 * in sorted relative-path order, each preceded by a header giving its
 * path and length, so that no file can be moved, renamed, merged or split
 * without changing the digest:
 *
 *   "accord-plugin-manifest v1\n" "plugin <name>\n"
 *   "file <path length>:<path> <size>\n" <the file's bytes>   -- per file
 *
 * where the first path is "<name>.so" and the others "web/<relative path>".
 *
 * A signature file <dir>/<name>.sig is five lines of text:
 *
 *   accord-plugin-signature v1
 *   plugin: <name>
 *   signer: <the signer's name, as the key file gives it>
 *   key: <base64 Ed25519 public key, 32 bytes>
 *   signature: <base64 Ed25519 signature of the 64-byte digest>
 *
 * Everything here is a function of its arguments and the files it reads:
 * no globals, no logging, safe on any thread (the live installer calls
 * signature_check from a worker thread; the server calls it at start,
 * before the loop runs).  It reads files, so never call it on the loop.
 */
#ifndef ACCORD_SIGNATURE_H
#define ACCORD_SIGNATURE_H

#include <stddef.h>

#define SIG_DIGEST_BYTES 64 /* BLAKE2b-512 */
#define SIG_PUBLIC_BYTES 32 /* crypto_sign_PUBLICKEYBYTES */
#define SIG_NAME_MAX 64     /* a signer's or a trusted key's name */
#define SIG_KEY_ID_CHARS 16 /* hex of the first 8 bytes of BLAKE2b-256(public key) */
#define SIG_MAX_KEYS 32     /* plugins.trusted_keys */
#define SIG_MAX_WEB_FILES 10000

/* A public key the operator trusts (plugins.trusted_keys). */
typedef struct sig_key {
	char name[SIG_NAME_MAX + 1];
	unsigned char pk[SIG_PUBLIC_BYTES];
} sig_key;

/* A plugin built together with this server, trusted by its digest. */
typedef struct sig_bundled {
	const char *name;
	unsigned char digest[SIG_DIGEST_BYTES];
} sig_bundled;

/* What a plugin is checked against. */
typedef struct sig_trust {
	const sig_key *keys;
	int n_keys;
	const sig_bundled *bundled;
	int n_bundled;
} sig_trust;

typedef enum sig_verdict {
	SIG_BUILT_IN,     /* the files are those built with this server */
	SIG_GOOD,         /* signed by a trusted key, and the files match */
	SIG_NO_SIGNATURE, /* no <name>.sig beside the shared object */
	SIG_UNTRUSTED,    /* signed by a key that is not in trusted_keys */
	SIG_MISMATCH,     /* a trusted key's signature that the files do not match */
	SIG_MALFORMED,    /* <name>.sig is not a signature file */
	SIG_UNREADABLE,   /* the shared object or a web file cannot be read */
} sig_verdict;

typedef struct sig_result {
	sig_verdict verdict;
	/* SIG_GOOD: the trusted key's name (from the configuration);
	 * SIG_BUILT_IN: "built with this server"; else empty. */
	char signer[SIG_NAME_MAX + 32];
	char key_id[SIG_KEY_ID_CHARS + 1]; /* the signature's key, when there is one */
	unsigned char digest[SIG_DIGEST_BYTES];
	int have_digest;
	/* One sentence (no plugin name in front): which plugin file, which
	 * key was expected, and why not; for SIG_GOOD and SIG_BUILT_IN what
	 * was found. */
	char message[768];
} sig_result;

/* The plugins built together with this server (bundled_plugins.c, made
 * by the build from their files: cmake/plugin_digest.c). */
extern const sig_bundled accord_bundled_plugins[];
extern const int accord_n_bundled_plugins;

/* Name "n" of a plugin path "<dir>/<n>.so", its web folder "<dir>/web/<n>"
 * and its signature file "<dir>/<n>.sig".  Returns -1 if so_path does not
 * end in ".so" or the name is empty or too long. */
int signature_paths(const char *so_path, char *name, size_t name_len, char *web_dir, size_t web_len,
		    char *sig_path, size_t sig_len);

/* The manifest digest of a plugin (above).  Returns 0, or -1 with err. */
int signature_digest(const char *so_path, const char *name, const char *web_dir,
		     unsigned char out[SIG_DIGEST_BYTES], char *err, size_t errlen);

/* Checks a plugin: built with this server (digest in t->bundled under its
 * name), else its signature file against t->keys.  Always fills out. */
void signature_check(const char *so_path, const sig_trust *t, sig_result *out);
/* The same, with the .so's bytes read from so_bytes (the loader's sealed
 * copy, /proc/self/fd/N) while its name, web folder and signature file are
 * those of so_path. */
void signature_check_as(const char *so_path, const char *so_bytes, const sig_trust *t,
			sig_result *out);

/* A base64 Ed25519 public key (44 characters) into pk: 0 or -1. */
int signature_key_parse(const char *b64, unsigned char pk[SIG_PUBLIC_BYTES]);
void signature_key_id(const unsigned char pk[SIG_PUBLIC_BYTES], char id[SIG_KEY_ID_CHARS + 1]);
/* A name a key may have: 1 to SIG_NAME_MAX printable characters. */
int signature_name_ok(const char *s);

/* Writes a new key pair's secret key file (mode 0600, refused if path
 * exists) and gives the public key in base64 (pk_b64, 45 bytes or more). */
int signature_keygen(const char *path, const char *signer, char *pk_b64, size_t pk_len, char *err,
		     size_t errlen);
/* Signs a plugin with a secret key file: writes <dir>/<name>.sig. */
int signature_sign(const char *key_path, const char *so_path, char *sig_path, size_t sig_len,
		   char *pk_b64, size_t pk_len, char *err, size_t errlen);

#endif
