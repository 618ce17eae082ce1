/*
 * `accord plugins keygen | sign | verify`: the signing side of signed
 * plugins, for the developer of a plugin (keygen, sign) and for the
 * operator who wants to know before a start whether the server will load
 * a plugin (verify, with the configuration's trusted keys).
 */
#include "plugin_sign.h"
#include "loader.h"
#include "signature.h"

#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *opt(int argc, char **argv, const char *name)
{
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return NULL;
}

/* The one argument that is not an option or an option's value. */
static const char *positional(int argc, char **argv)
{
	const char *found = NULL;
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1] == '-') {
			i++;
			continue;
		}
		if (found)
			return NULL;
		found = argv[i];
	}
	return found;
}

static int keygen(int argc, char **argv)
{
	const char *out = opt(argc, argv, "--out");
	const char *signer = opt(argc, argv, "--name");
	if (!out || positional(argc, argv)) {
		fprintf(stderr, "usage: accord plugins keygen --out FILE [--name SIGNER]\n");
		return 2;
	}
	char dflt[SIG_NAME_MAX + 1];
	if (!signer) { /* the file's name without its folder and extension */
		const char *b = strrchr(out, '/');
		snprintf(dflt, sizeof(dflt), "%s", b ? b + 1 : out);
		char *dot = strrchr(dflt, '.');
		if (dot && dot != dflt)
			*dot = 0;
		signer = dflt;
	}
	char pk[64], err[PATH_MAX + 128];
	if (signature_keygen(out, signer, pk, sizeof(pk), err, sizeof(err))) {
		fprintf(stderr, "accord: %s\n", err);
		return 1;
	}
	unsigned char raw[SIG_PUBLIC_BYTES];
	char id[SIG_KEY_ID_CHARS + 1];
	signature_key_parse(pk, raw);
	signature_key_id(raw, id);
	printf("secret key of \"%s\" written to %s (mode 0600): keep it secret, off the server\n"
	       "public key: %s (key %s)\n"
	       "the servers that trust this signer list it in their configuration:\n"
	       "  \"plugins\": {\"trusted_keys\": [{\"name\": \"%s\", \"key\": \"%s\"}]}\n",
	       signer, out, pk, id, signer, pk);
	return 0;
}

static int sign(int argc, char **argv)
{
	const char *key = opt(argc, argv, "--key");
	const char *so = positional(argc, argv);
	if (!key || !so) {
		fprintf(stderr, "usage: accord plugins sign --key FILE PLUGIN.so\n");
		return 2;
	}
	char sig[PATH_MAX + 80], pk[64], err[PATH_MAX + 128];
	if (signature_sign(key, so, sig, sizeof(sig), pk, sizeof(pk), err, sizeof(err))) {
		fprintf(stderr, "accord: %s\n", err);
		return 1;
	}
	unsigned char raw[SIG_PUBLIC_BYTES];
	char id[SIG_KEY_ID_CHARS + 1];
	signature_key_parse(pk, raw);
	signature_key_id(raw, id);
	printf("signed %s and its web folder with key %s: wrote %s\n"
	       "ship %s beside the shared object; servers trust it when their "
	       "plugins.trusted_keys lists %s\n",
	       so, id, sig, sig, pk);
	return 0;
}

static int verify(const accord_config *cfg, int argc, char **argv)
{
	const char *so = positional(argc, argv);
	if (!so) {
		fprintf(stderr, "usage: accord plugins verify [--config FILE] PLUGIN.so\n");
		return 2;
	}
	sig_trust t;
	loader_trust(cfg, &t);
	sig_result *r = malloc(sizeof(*r));
	if (!r) {
		fprintf(stderr, "accord: out of memory\n");
		return 1;
	}
	signature_check(so, &t, r);
	int good = r->verdict == SIG_GOOD || r->verdict == SIG_BUILT_IN;
	printf("%s: %s: %s\n", so, good ? "good" : "refused", r->message);
	if (r->have_digest) {
		char hex[SIG_DIGEST_BYTES * 2 + 1];
		sodium_bin2hex(hex, sizeof(hex), r->digest, SIG_DIGEST_BYTES);
		printf("manifest digest (BLAKE2b-512): %s\n", hex);
	}
	if (!good && r->verdict != SIG_UNREADABLE && cfg->allow_unsigned)
		printf("the server would load it anyway: plugins.allow_unsigned is true "
		       "(development only)\n");
	free(r);
	return good ? 0 : 1;
}

int plugin_sign_cli(const accord_config *cfg, int argc, char **argv)
{
	if (argc < 1)
		return -2;
	if (!strcmp(argv[0], "keygen"))
		return keygen(argc, argv);
	if (!strcmp(argv[0], "sign"))
		return sign(argc, argv);
	if (!strcmp(argv[0], "verify"))
		return verify(cfg, argc, argv);
	return -2;
}
