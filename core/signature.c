/*
 * Signed plugins (signature.h): the manifest digest, key and signature
 * files, and the check made before a plugin's shared object is opened.
 *
 * Nothing here touches the server or a global: the live installer calls
 * signature_check from a worker thread, the server at start before the
 * event loop runs, and the command line's keygen, sign and verify use the
 * same functions.
 */
#include "signature.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define B64 sodium_base64_VARIANT_ORIGINAL
#define SIG_MAGIC "accord-plugin-signature v1"
#define KEY_MAGIC "accord-plugin-secret-key v1"

/* strerror is not safe on every thread; this runs on worker threads too.
 * (GNU strerror_r, which returns the message: the build has _GNU_SOURCE.) */
#define ERRSTR(e) strerror_r((e), (char[128]){0}, 128)

int signature_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > SIG_NAME_MAX || s[0] == ' ' || s[n - 1] == ' ')
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < ' ' || s[i] == 127)
			return 0;
	return 1;
}

int signature_paths(const char *so_path, char *name, size_t name_len, char *web_dir, size_t web_len,
		    char *sig_path, size_t sig_len)
{
	size_t n = strlen(so_path);
	if (n < 4 || strcmp(so_path + n - 3, ".so"))
		return -1;
	const char *slash = strrchr(so_path, '/');
	const char *base = slash ? slash + 1 : so_path;
	size_t dir_len = slash ? (size_t)(slash - so_path) : 0;
	size_t base_len = (size_t)(so_path + n - 3 - base);
	if (base_len == 0 || base_len >= name_len || base_len > 64)
		return -1;
	memcpy(name, base, base_len);
	name[base_len] = 0;
	const char *dir = slash ? so_path : ".";
	int dl = slash ? (int)dir_len : 1;
	if (slash && dir_len == 0) { /* "/x.so" */
		dir = "/";
		dl = 0;
	}
	if ((size_t)snprintf(web_dir, web_len, "%.*s/web/%s", dl, dir, name) >= web_len ||
	    (size_t)snprintf(sig_path, sig_len, "%.*s/%s.sig", dl, dir, name) >= sig_len)
		return -1;
	return 0;
}

/* ---- the manifest digest ---- */

/* Hashes one file's header and bytes, as many as fstat gives: a file that
 * shrinks meanwhile fails, one that grows is hashed up to that size.  (No
 * check can stop a writer racing the server between the check and dlopen:
 * plugins.dir must be writable by its administrator only.)  A symbolic
 * link to the shared object is followed, as dlopen follows it; the web
 * folder's links were refused by list_dir. */
static int hash_file(crypto_generichash_state *st, const char *path, const char *rel, char *err,
		     size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "cannot read %s: %s", path,
			 fd < 0 ? ERRSTR(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	char head[PATH_MAX + 64];
	int hl = snprintf(head, sizeof(head), "file %zu:%s %lld\n", strlen(rel), rel,
			  (long long)sb.st_size);
	crypto_generichash_update(st, (const unsigned char *)head, (unsigned long long)hl);
	unsigned char buf[65536];
	long long left = (long long)sb.st_size;
	while (left > 0) {
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen, "cannot read %s: %s", path,
				 r < 0 ? ERRSTR(errno) : "it became shorter while being read");
			close(fd);
			return -1;
		}
		if (r > left)
			r = (ssize_t)left;
		crypto_generichash_update(st, buf, (unsigned long long)r);
		left -= r;
	}
	close(fd);
	return 0;
}

typedef struct file_list {
	char **rel;
	size_t n, cap;
} file_list;

static int list_add(file_list *l, const char *rel)
{
	if (l->n == SIG_MAX_WEB_FILES)
		return -1;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		char **r = realloc(l->rel, cap * sizeof(*r));
		if (!r)
			return -1;
		l->rel = r;
		l->cap = cap;
	}
	l->rel[l->n] = strdup(rel);
	if (!l->rel[l->n])
		return -1;
	l->n++;
	return 0;
}

static void list_free(file_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->rel[i]);
	free(l->rel);
}

/* Collects the regular files under root/rel, recursively; a symbolic
 * link or any other kind of file is refused (the server would serve what
 * it points to, which the signature would not cover). */
static int list_dir(const char *root, const char *rel, file_list *l, int depth, char *err,
		    size_t errlen)
{
	char path[PATH_MAX];
	if ((size_t)snprintf(path, sizeof(path), "%s%s%s", root, *rel ? "/" : "", rel) >=
	    sizeof(path)) {
		snprintf(err, errlen, "a path under %s is too long", root);
		return -1;
	}
	DIR *d = opendir(path);
	if (!d) {
		snprintf(err, errlen, "cannot read the folder %s: %s", path, ERRSTR(errno));
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	/* readdir_r is deprecated (glibc 2.24): readdir is safe on a stream
	 * that one thread alone reads, as here. */
	// cppcheck-suppress readdirCalled -- a DIR stream of this call alone
	while (!rc && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char r[PATH_MAX], p[PATH_MAX];
		struct stat sb;
		if ((size_t)snprintf(r, sizeof(r), "%s%s%s", rel, *rel ? "/" : "", e->d_name) >=
			    sizeof(r) ||
		    (size_t)snprintf(p, sizeof(p), "%s/%s", root, r) >= sizeof(p)) {
			snprintf(err, errlen, "a path under %s is too long", root);
			rc = -1;
		} else if (lstat(p, &sb)) {
			snprintf(err, errlen, "cannot read %s: %s", p, ERRSTR(errno));
			rc = -1;
		} else if (S_ISDIR(sb.st_mode)) {
			if (depth >= 16) {
				snprintf(err, errlen, "%s: folders nested too deep", p);
				rc = -1;
			} else
				rc = list_dir(root, r, l, depth + 1, err, errlen);
		} else if (!S_ISREG(sb.st_mode)) {
			snprintf(err, errlen,
				 "%s is not a regular file (a symbolic link?): a plugin's web "
				 "folder may hold files and folders only",
				 p);
			rc = -1;
		} else if (list_add(l, r)) {
			snprintf(err, errlen, "%s: more than %d files, or out of memory", root,
				 SIG_MAX_WEB_FILES);
			rc = -1;
		}
	}
	closedir(d);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int signature_digest(const char *so_path, const char *name, const char *web_dir,
		     unsigned char out[SIG_DIGEST_BYTES], char *err, size_t errlen)
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, SIG_DIGEST_BYTES);
	char head[128];
	int hl = snprintf(head, sizeof(head), "accord-plugin-manifest v1\nplugin %s\n", name);
	if (hl < 0 || (size_t)hl >= sizeof(head)) {
		snprintf(err, errlen, "the plugin name is too long");
		return -1;
	}
	crypto_generichash_update(&st, (const unsigned char *)head, (unsigned long long)hl);
	char so_rel[96];
	snprintf(so_rel, sizeof(so_rel), "%s.so", name);
	if (hash_file(&st, so_path, so_rel, err, errlen))
		return -1;
	file_list l = {NULL, 0, 0};
	struct stat sb;
	int rc = 0;
	if (lstat(web_dir, &sb) == 0) {
		if (!S_ISDIR(sb.st_mode)) {
			snprintf(err, errlen, "%s is not a folder", web_dir);
			return -1;
		}
		rc = list_dir(web_dir, "", &l, 0, err, errlen);
	} else if (errno != ENOENT) {
		snprintf(err, errlen, "cannot read %s: %s", web_dir, ERRSTR(errno));
		return -1;
	}
	if (!rc && l.n)
		qsort(l.rel, l.n, sizeof(l.rel[0]), cmp_str);
	for (size_t i = 0; !rc && i < l.n; i++) {
		char path[PATH_MAX], rel[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s", web_dir, l.rel[i]);
		snprintf(rel, sizeof(rel), "web/%s", l.rel[i]);
		rc = hash_file(&st, path, rel, err, errlen);
	}
	list_free(&l);
	if (rc)
		return -1;
	crypto_generichash_final(&st, out, SIG_DIGEST_BYTES);
	return 0;
}

/* ---- keys ---- */

int signature_key_parse(const char *b64, unsigned char pk[SIG_PUBLIC_BYTES])
{
	size_t len = 0;
	if (sodium_base642bin(pk, SIG_PUBLIC_BYTES, b64, strlen(b64), NULL, &len, NULL, B64) ||
	    len != SIG_PUBLIC_BYTES)
		return -1;
	return 0;
}

void signature_key_id(const unsigned char pk[SIG_PUBLIC_BYTES], char id[SIG_KEY_ID_CHARS + 1])
{
	unsigned char h[32];
	crypto_generichash(h, sizeof(h), pk, SIG_PUBLIC_BYTES, NULL, 0);
	sodium_bin2hex(id, SIG_KEY_ID_CHARS + 1, h, SIG_KEY_ID_CHARS / 2);
}

/* Reads a small text file (at most cap - 1 bytes) into buf. */
static int read_small(const char *path, char *buf, size_t cap, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot read %s: %s", path, ERRSTR(errno));
		return -1;
	}
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "cannot read %s: %s", path, ERRSTR(errno));
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == cap - 1) {
			char extra;
			if (read(fd, &extra, 1) > 0) {
				snprintf(err, errlen, "%s is too long", path);
				close(fd);
				return -1;
			}
			break;
		}
	}
	close(fd);
	buf[n] = 0;
	return 0;
}

/* Takes the next line of *p into line (newline removed); returns -1 when
 * none is left or it is too long. */
static int next_line(char **p, char *line, size_t cap)
{
	if (!**p)
		return -1;
	char *nl = strchr(*p, '\n');
	size_t n = nl ? (size_t)(nl - *p) : strlen(*p);
	if (n >= cap)
		return -1;
	memcpy(line, *p, n);
	line[n] = 0;
	if (n && line[n - 1] == '\r')
		line[n - 1] = 0;
	*p += n + (nl ? 1 : 0);
	return 0;
}

/* "label: value" -> value, or NULL. */
static const char *field(const char *line, const char *label)
{
	size_t n = strlen(label);
	if (strncmp(line, label, n) || line[n] != ':' || line[n + 1] != ' ')
		return NULL;
	return line + n + 2;
}

static int write_new(const char *path, const char *text, mode_t mode, int exclusive, char *err,
		     size_t errlen)
{
	char tmp[PATH_MAX + 16];
	const char *target = path;
	if (!exclusive) { /* replace atomically: write beside, then rename */
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		target = tmp;
		unlink(tmp);
	}
	int fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", path,
			 errno == EEXIST ? "it exists already (not overwritten)" : ERRSTR(errno));
		return -1;
	}
	size_t n = strlen(text), off = 0;
	while (off < n) {
		ssize_t w = write(fd, text + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	int bad = off < n || fsync(fd);
	bad |= close(fd);
	if (!bad && !exclusive && rename(tmp, path))
		bad = 1;
	if (bad) {
		snprintf(err, errlen, "cannot write %s: %s", path, ERRSTR(errno));
		unlink(target);
		return -1;
	}
	return 0;
}

/* Secret key file: three lines, "accord-plugin-secret-key v1", "signer:
 * <name>", "secret: <base64 of libsodium's 64-byte Ed25519 secret key>". */
typedef struct secret {
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	char text[512];
	char line[256];
} secret;

int signature_keygen(const char *path, const char *signer, char *pk_b64, size_t pk_len, char *err,
		     size_t errlen)
{
	if (!signature_name_ok(signer)) {
		snprintf(err, errlen,
			 "the signer's name must be 1 to %d printable characters, "
			 "no space at either end",
			 SIG_NAME_MAX);
		return -1;
	}
	if (pk_len < sodium_base64_ENCODED_LEN(SIG_PUBLIC_BYTES, B64)) {
		snprintf(err, errlen, "internal: public key buffer too small");
		return -1;
	}
	secret *s = sodium_malloc(sizeof(*s)); /* guarded, locked, zeroed on free */
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	unsigned char pk[SIG_PUBLIC_BYTES];
	crypto_sign_keypair(pk, s->sk);
	char b64[sodium_base64_ENCODED_LEN(crypto_sign_SECRETKEYBYTES, B64)];
	sodium_mlock(b64, sizeof(b64));
	sodium_bin2base64(b64, sizeof(b64), s->sk, sizeof(s->sk), B64);
	snprintf(s->text, sizeof(s->text), "%s\nsigner: %s\nsecret: %s\n", KEY_MAGIC, signer, b64);
	sodium_munlock(b64, sizeof(b64)); /* also zeroes it */
	int rc = write_new(path, s->text, 0600, 1, err, errlen);
	sodium_free(s);
	if (rc == 0)
		sodium_bin2base64(pk_b64, pk_len, pk, sizeof(pk), B64);
	return rc;
}

/* Reads a secret key file into s->sk and signer. */
static int read_secret(const char *path, secret *s, char *signer, size_t signer_len, char *err,
		       size_t errlen)
{
	if (read_small(path, s->text, sizeof(s->text), err, errlen))
		return -1;
	char *p = s->text;
	const char *v;
	size_t len = 0;
	if (next_line(&p, s->line, sizeof(s->line)) || strcmp(s->line, KEY_MAGIC))
		goto bad;
	if (next_line(&p, s->line, sizeof(s->line)) || !(v = field(s->line, "signer")) ||
	    !signature_name_ok(v))
		goto bad;
	snprintf(signer, signer_len, "%s", v);
	if (next_line(&p, s->line, sizeof(s->line)) || !(v = field(s->line, "secret")) ||
	    sodium_base642bin(s->sk, sizeof(s->sk), v, strlen(v), NULL, &len, NULL, B64) ||
	    len != sizeof(s->sk))
		goto bad;
	return 0;
bad:
	snprintf(err, errlen,
		 "%s is not an Accord plugin secret key file (`accord plugins keygen`)", path);
	return -1;
}

int signature_sign(const char *key_path, const char *so_path, char *sig_path, size_t sig_len,
		   char *pk_b64, size_t pk_len, char *err, size_t errlen)
{
	char name[72], web[PATH_MAX];
	if (signature_paths(so_path, name, sizeof(name), web, sizeof(web), sig_path, sig_len)) {
		snprintf(err, errlen, "%s: expected the path of a plugin's <name>.so", so_path);
		return -1;
	}
	unsigned char digest[SIG_DIGEST_BYTES];
	if (signature_digest(so_path, name, web, digest, err, errlen))
		return -1;
	secret *s = sodium_malloc(sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	char signer[SIG_NAME_MAX + 1];
	if (read_secret(key_path, s, signer, sizeof(signer), err, errlen)) {
		sodium_free(s);
		return -1;
	}
	unsigned char sig[crypto_sign_BYTES], pk[SIG_PUBLIC_BYTES];
	crypto_sign_ed25519_sk_to_pk(pk, s->sk);
	crypto_sign_detached(sig, NULL, digest, sizeof(digest), s->sk);
	sodium_free(s); /* zeroes the secret key */
	char pkb[sodium_base64_ENCODED_LEN(SIG_PUBLIC_BYTES, B64)];
	char sigb[sodium_base64_ENCODED_LEN(crypto_sign_BYTES, B64)];
	sodium_bin2base64(pkb, sizeof(pkb), pk, sizeof(pk), B64);
	sodium_bin2base64(sigb, sizeof(sigb), sig, sizeof(sig), B64);
	char text[1024];
	snprintf(text, sizeof(text), "%s\nplugin: %s\nsigner: %s\nkey: %s\nsignature: %s\n",
		 SIG_MAGIC, name, signer, pkb, sigb);
	if (write_new(sig_path, text, 0644, 0, err, errlen))
		return -1;
	snprintf(pk_b64, pk_len, "%s", pkb);
	return 0;
}

/* ---- the check ---- */

typedef struct sig_file {
	char signer[SIG_NAME_MAX + 1];
	unsigned char pk[SIG_PUBLIC_BYTES];
	unsigned char sig[crypto_sign_BYTES];
} sig_file;

/* Parses a signature file; on failure why says what is wrong. */
static int parse_sig(const char *text, const char *name, sig_file *f, char *why, size_t whylen)
{
	char buf[2048], line[512];
	snprintf(buf, sizeof(buf), "%s", text);
	char *p = buf;
	const char *v;
	size_t len = 0;
	if (next_line(&p, line, sizeof(line)) || strcmp(line, SIG_MAGIC)) {
		snprintf(why, whylen, "line 1 is not \"%s\"", SIG_MAGIC);
		return -1;
	}
	if (next_line(&p, line, sizeof(line)) || !(v = field(line, "plugin"))) {
		snprintf(why, whylen, "line 2 is not \"plugin: <name>\"");
		return -1;
	}
	if (strcmp(v, name)) {
		snprintf(why, whylen, "it signs plugin \"%.64s\", not %s", v, name);
		return -1;
	}
	if (next_line(&p, line, sizeof(line)) || !(v = field(line, "signer")) ||
	    !signature_name_ok(v)) {
		snprintf(why, whylen, "line 3 is not \"signer: <name>\"");
		return -1;
	}
	snprintf(f->signer, sizeof(f->signer), "%s", v);
	if (next_line(&p, line, sizeof(line)) || !(v = field(line, "key")) ||
	    signature_key_parse(v, f->pk)) {
		snprintf(why, whylen, "line 4 is not \"key: <base64 Ed25519 public key>\"");
		return -1;
	}
	if (next_line(&p, line, sizeof(line)) || !(v = field(line, "signature")) ||
	    sodium_base642bin(f->sig, sizeof(f->sig), v, strlen(v), NULL, &len, NULL, B64) ||
	    len != sizeof(f->sig)) {
		snprintf(why, whylen, "line 5 is not \"signature: <base64 Ed25519 signature>\"");
		return -1;
	}
	while (!next_line(&p, line, sizeof(line)))
		if (*line) {
			snprintf(why, whylen, "text after the signature line");
			return -1;
		}
	return 0;
}

/* "trusted keys: "A" (key 0123...), "B" (key ...)" or that there are none. */
static void trusted_list(const sig_trust *t, char *out, size_t cap)
{
	if (!t->n_keys) {
		snprintf(out, cap, "plugins.trusted_keys is empty");
		return;
	}
	size_t n = (size_t)snprintf(out, cap, "trusted keys: ");
	for (int i = 0; i < t->n_keys && n < cap; i++) {
		char id[SIG_KEY_ID_CHARS + 1];
		signature_key_id(t->keys[i].pk, id);
		n += (size_t)snprintf(out + n, cap - n, "%s\"%s\" (key %s)", i ? ", " : "",
				      t->keys[i].name, id);
	}
}

/* The result's message (cut at its size: the paths in it can be long). */
__attribute__((format(printf, 2, 3))) static void say(sig_result *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out->message, sizeof(out->message), fmt, ap);
	va_end(ap);
}

void signature_check(const char *so_path, const sig_trust *t, sig_result *out)
{
	signature_check_as(so_path, so_path, t, out);
}

void signature_check_as(const char *so_path, const char *so_bytes, const sig_trust *t, sig_result *out)
{
	memset(out, 0, sizeof(*out));
	char name[72], web[PATH_MAX], sig_path[PATH_MAX], err[PATH_MAX + 128];
	char trusted[600];
	trusted_list(t, trusted, sizeof(trusted));
	if (signature_paths(so_path, name, sizeof(name), web, sizeof(web), sig_path,
			    sizeof(sig_path))) {
		out->verdict = SIG_UNREADABLE;
		say(out, "%s is not the path of a <name>.so", so_path);
		return;
	}
	if (signature_digest(so_bytes, name, web, out->digest, err, sizeof(err))) {
		out->verdict = SIG_UNREADABLE;
		say(out, "%s", err);
		return;
	}
	out->have_digest = 1;
	const sig_bundled *b = NULL;
	for (int i = 0; i < t->n_bundled; i++)
		if (!strcmp(t->bundled[i].name, name))
			b = &t->bundled[i];
	if (b && !sodium_memcmp(b->digest, out->digest, SIG_DIGEST_BYTES)) {
		out->verdict = SIG_BUILT_IN;
		snprintf(out->signer, sizeof(out->signer), "built with this server");
		say(out, "%s.so and its web files are those built with this server", name);
		return;
	}
	/* A plugin of the same name as one built with the server, whose
	 * files differ: say so, it is the likeliest question. */
	char swapped[160] = "";
	if (b)
		snprintf(swapped, sizeof(swapped),
			 "%s.so or its web files are not those built with this server, and ", name);
	char text[2048];
	struct stat sb;
	if (stat(sig_path, &sb) && errno == ENOENT) {
		out->verdict = SIG_NO_SIGNATURE;
		say(out,
		    "%sit has no signature (%s not found); sign it with `accord plugins sign "
		    "--key KEYFILE %s` using a key listed in plugins.trusted_keys (%s)",
		    swapped, sig_path, so_path, trusted);
		return;
	}
	sig_file f;
	char why[160];
	if (read_small(sig_path, text, sizeof(text), why, sizeof(why)) ||
	    parse_sig(text, name, &f, why, sizeof(why))) {
		out->verdict = SIG_MALFORMED;
		say(out,
		    "%sits signature file %s is malformed: %s; sign it again with `accord "
		    "plugins sign`",
		    swapped, sig_path, why);
		return;
	}
	signature_key_id(f.pk, out->key_id);
	const sig_key *k = NULL;
	for (int i = 0; i < t->n_keys && !k; i++)
		if (!sodium_memcmp(t->keys[i].pk, f.pk, SIG_PUBLIC_BYTES))
			k = &t->keys[i];
	if (!k) {
		out->verdict = SIG_UNTRUSTED;
		say(out,
		    "%sit is signed by key %s (signer \"%s\" by its signature file), which "
		    "is not in plugins.trusted_keys (%s)",
		    swapped, out->key_id, f.signer, trusted);
		return;
	}
	if (crypto_sign_verify_detached(f.sig, out->digest, SIG_DIGEST_BYTES, f.pk)) {
		out->verdict = SIG_MISMATCH;
		say(out,
		    "%sthe files do not match its signature by \"%s\" (key %s): %s.so or a "
		    "file of %s changed after it was signed (tampered with, or rebuilt "
		    "without signing again)",
		    swapped, k->name, out->key_id, name, web);
		return;
	}
	out->verdict = SIG_GOOD;
	snprintf(out->signer, sizeof(out->signer), "%s", k->name);
	say(out, "signed by \"%s\" (key %s)", k->name, out->key_id);
}
