/* Signed plugins (core/signature.c): the manifest digest against one built
 * here byte by byte, what changes it (content, a moved, added or renamed
 * file, the plugin's name), what it refuses (a symbolic link), the paths
 * derived from a .so, and every verdict of signature_check with keys made
 * in the test.  Files live in a fresh temporary folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server.h"

static char root[256];

static void put(const char *rel, const char *text)
{
	char p[PATH_MAX + 64];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	/* mkdir -p of its folder */
	for (char *s = strchr(p + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		mkdir(p, 0755);
		*s = '/';
	}
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void path_of(char *out, size_t n, const char *rel) { snprintf(out, n, "%s/%s", root, rel); }

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/accord-unit-sig-XXXXXX");
	assert_non_null(mkdtemp(root));
	put("p.so", "ELF pretend");
	put("web/p/component.js", "export default 1;\n");
	put("web/p/i18n/en.json", "{}\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void digest_of(unsigned char d[SIG_DIGEST_BYTES])
{
	char so[PATH_MAX], web[PATH_MAX], err[256] = "";
	path_of(so, sizeof(so), "p.so");
	path_of(web, sizeof(web), "web/p");
	if (signature_digest(so, "p", web, d, err, sizeof(err)))
		fail_msg("digest: %s", err);
}

/* The manifest, written out by hand, hashed in one piece. */
static void test_digest_is_the_documented_manifest(void **state)
{
	(void)state;
	const char *m = "accord-plugin-manifest v1\nplugin p\n"
			"file 4:p.so 11\nELF pretend"
			"file 16:web/component.js 18\nexport default 1;\n"
			"file 16:web/i18n/en.json 3\n{}\n";
	unsigned char want[SIG_DIGEST_BYTES], got[SIG_DIGEST_BYTES];
	crypto_generichash(want, sizeof(want), (const unsigned char *)m, strlen(m), NULL, 0);
	digest_of(got);
	assert_memory_equal(want, got, SIG_DIGEST_BYTES);
}

static void test_digest_changes(void **state)
{
	(void)state;
	unsigned char a[SIG_DIGEST_BYTES], b[SIG_DIGEST_BYTES];
	char from[PATH_MAX], to[PATH_MAX];
	digest_of(a);
	/* moved into another folder, same bytes */
	path_of(from, sizeof(from), "web/p/i18n/en.json");
	path_of(to, sizeof(to), "web/p/en.json");
	assert_int_equal(rename(from, to), 0);
	digest_of(b);
	assert_memory_not_equal(a, b, SIG_DIGEST_BYTES);
	assert_int_equal(rename(to, from), 0);
	digest_of(b);
	assert_memory_equal(a, b, SIG_DIGEST_BYTES);
	/* an empty file added */
	put("web/p/extra.js", "");
	digest_of(b);
	assert_memory_not_equal(a, b, SIG_DIGEST_BYTES);
	path_of(from, sizeof(from), "web/p/extra.js");
	unlink(from);
	/* one byte moved from one file to the next: the lengths differ */
	put("web/p/component.js", "export default 1;");
	put("web/p/i18n/en.json", "\n{}\n");
	digest_of(b);
	assert_memory_not_equal(a, b, SIG_DIGEST_BYTES);
	put("web/p/component.js", "export default 1;\n");
	put("web/p/i18n/en.json", "{}\n");
	digest_of(b);
	assert_memory_equal(a, b, SIG_DIGEST_BYTES);
	/* a symbolic link is refused */
	char link[PATH_MAX], err[PATH_MAX + 128] = "";
	path_of(link, sizeof(link), "web/p/link.js");
	assert_int_equal(symlink("component.js", link), 0);
	char so[PATH_MAX], web[PATH_MAX];
	path_of(so, sizeof(so), "p.so");
	path_of(web, sizeof(web), "web/p");
	assert_int_equal(signature_digest(so, "p", web, b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is not a regular file"));
	unlink(link);
}

static void test_paths(void **state)
{
	(void)state;
	char name[72], web[PATH_MAX], sig[PATH_MAX];
	assert_int_equal(signature_paths("/a/b/hello.so", name, sizeof(name), web, sizeof(web), sig,
					 sizeof(sig)),
			 0);
	assert_string_equal(name, "hello");
	assert_string_equal(web, "/a/b/web/hello");
	assert_string_equal(sig, "/a/b/hello.sig");
	assert_int_equal(signature_paths("hello.so", name, sizeof(name), web, sizeof(web), sig,
					 sizeof(sig)),
			 0);
	assert_string_equal(web, "./web/hello");
	assert_int_equal(signature_paths("/a/.so", name, sizeof(name), web, sizeof(web), sig,
					 sizeof(sig)),
			 -1);
	assert_int_equal(signature_paths("/a/hello.sig", name, sizeof(name), web, sizeof(web), sig,
					 sizeof(sig)),
			 -1);
}

static void keygen(const char *rel, const char *signer, sig_key *k)
{
	char file[PATH_MAX], pk[64], err[PATH_MAX + 128] = "";
	path_of(file, sizeof(file), rel);
	if (signature_keygen(file, signer, pk, sizeof(pk), err, sizeof(err)))
		fail_msg("keygen: %s", err);
	struct stat sb;
	assert_int_equal(stat(file, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	snprintf(k->name, sizeof(k->name), "%s", signer);
	assert_int_equal(signature_key_parse(pk, k->pk), 0);
	/* never overwritten */
	assert_int_equal(signature_keygen(file, signer, pk, sizeof(pk), err, sizeof(err)), -1);
}

static sig_verdict check(const sig_trust *t, sig_result *r)
{
	char so[PATH_MAX];
	path_of(so, sizeof(so), "p.so");
	signature_check(so, t, r);
	return r->verdict;
}

static void sign_with(const char *key_rel)
{
	char key[PATH_MAX], so[PATH_MAX], sig[PATH_MAX + 80], pk[64], err[PATH_MAX + 128] = "";
	path_of(key, sizeof(key), key_rel);
	path_of(so, sizeof(so), "p.so");
	if (signature_sign(key, so, sig, sizeof(sig), pk, sizeof(pk), err, sizeof(err)))
		fail_msg("sign: %s", err);
}

static void test_verdicts(void **state)
{
	(void)state;
	sig_key keys[2];
	keygen("a.key", "Signer A", &keys[0]);
	keygen("b.key", "Signer B", &keys[1]);
	sig_trust t = {keys, 1, NULL, 0};
	sig_result r;
	char sig[PATH_MAX];
	path_of(sig, sizeof(sig), "p.sig");

	assert_int_equal(check(&t, &r), SIG_NO_SIGNATURE);
	assert_non_null(strstr(r.message, "trusted keys: \"Signer A\""));

	sign_with("a.key");
	assert_int_equal(check(&t, &r), SIG_GOOD);
	assert_string_equal(r.signer, "Signer A");

	sign_with("b.key");
	assert_int_equal(check(&t, &r), SIG_UNTRUSTED);
	assert_non_null(strstr(r.message, "signer \"Signer B\""));
	t.n_keys = 2; /* B trusted too */
	assert_int_equal(check(&t, &r), SIG_GOOD);
	assert_string_equal(r.signer, "Signer B");

	put("web/p/component.js", "export default 2;\n");
	assert_int_equal(check(&t, &r), SIG_MISMATCH);
	put("web/p/component.js", "export default 1;\n");
	assert_int_equal(check(&t, &r), SIG_GOOD);

	put("p.sig", "accord-plugin-signature v1\nplugin: other\n");
	assert_int_equal(check(&t, &r), SIG_MALFORMED);
	assert_non_null(strstr(r.message, "it signs plugin \"other\", not p"));

	/* built with the server: trusted by digest, whatever the .sig says */
	sig_bundled b = {"p", {0}};
	digest_of(b.digest);
	sig_trust tb = {keys, 0, &b, 1};
	assert_int_equal(check(&tb, &r), SIG_BUILT_IN);
	put("p.so", "ELF pretenD");
	assert_int_equal(check(&tb, &r), SIG_MALFORMED);
	assert_non_null(strstr(r.message, "not those built with this server"));
	put("p.so", "ELF pretend");
	unlink(sig);
}

/* plugins.trusted_keys and plugins.allow_unsigned in the configuration. */
static void expect_config(const char *plugins, const char *needle)
{
	char text[1024], err[512] = "";
	accord_config cfg;
	snprintf(text, sizeof(text), "{\"plugins\": %s}", plugins);
	int rc = config_load_string(text, &cfg, err, sizeof(err));
	if (!needle) {
		if (rc)
			fail_msg("%s: refused: %s", plugins, err);
		config_free(&cfg);
		return;
	}
	if (rc == 0 || !strstr(err, needle))
		fail_msg("%s: rc %d, err \"%s\" (wanted \"%s\")", plugins, rc, err, needle);
}

static void test_config(void **state)
{
	(void)state;
	const char *k1 = "aXLmBg9jY9fkGxn6ysxonLysjwjkVVKGBXxtgMN6NZ8=";
	const char *k2 = "3NqJ0r8c5yJx4h1m3Qy3P2bV0m4e9wXk7uG2a1sT6Zc=";
	char t[512];
	accord_config cfg;
	char err[512] = "";
	snprintf(t, sizeof(t),
		 "{\"plugins\": {\"trusted_keys\": [{\"name\": \"A\", \"key\": \"%s\"}, "
		 "{\"name\": \"B b\", \"key\": \"%s\"}], \"allow_unsigned\": true}}",
		 k1, k2);
	if (config_load_string(t, &cfg, err, sizeof(err)))
		fail_msg("refused: %s", err);
	assert_int_equal(cfg.n_trusted_keys, 2);
	assert_string_equal(cfg.trusted_keys[1].name, "B b");
	assert_int_equal(cfg.allow_unsigned, 1);
	unsigned char pk[SIG_PUBLIC_BYTES];
	assert_int_equal(signature_key_parse(k1, pk), 0);
	assert_memory_equal(pk, cfg.trusted_keys[0].pk, SIG_PUBLIC_BYTES);
	config_free(&cfg);
	expect_config("{}", NULL);
	assert_int_equal(config_load_string("{}", &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.n_trusted_keys, 0);
	assert_int_equal(cfg.allow_unsigned, 0);
	config_free(&cfg);

	expect_config("{\"allow_unsigned\": 1}", "plugins.allow_unsigned: expected true or false");
	expect_config("{\"trusted_keys\": {}}", "plugins.trusted_keys: expected an array");
	expect_config("{\"trusted_keys\": [{\"name\": \"A\"}]}", "plugins.trusted_keys[0]: expected");
	expect_config("{\"trusted_keys\": [{\"name\": \"A\", \"key\": \"c2hvcnQ=\"}]}",
		      "plugins.trusted_keys[0]: key: expected a base64 Ed25519 public key");
	expect_config("{\"trusted_keys\": [{\"name\": \"\", \"key\": \"x\"}]}",
		      "plugins.trusted_keys[0]: name: 1 to 64 printable characters");
	snprintf(t, sizeof(t),
		 "{\"trusted_keys\": [{\"name\": \"A\", \"key\": \"%s\"}, {\"name\": \"A\", "
		 "\"key\": \"%s\"}]}",
		 k1, k2);
	expect_config(t, "plugins.trusted_keys[1]: name: \"A\" is listed twice");
	snprintf(t, sizeof(t),
		 "{\"trusted_keys\": [{\"name\": \"A\", \"key\": \"%s\"}, {\"name\": \"B\", "
		 "\"key\": \"%s\"}]}",
		 k1, k1);
	expect_config(t, "plugins.trusted_keys[1]: key: the same key is listed as \"A\" already");
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest_is_the_documented_manifest),
		cmocka_unit_test(test_digest_changes),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_config),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
