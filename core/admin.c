/*
 * The admin socket's thread (admin.h).  Requests are served one at a time:
 * installing plugins is rare, and one at a time keeps the state file and
 * the managed folder simple.  A client that stalls is cut after a timeout.
 *
 * Install and upgrade copy the shared object into the managed folder
 * (admin.installed_dir) under a name made of the plugin's name and the
 * start of its SHA-256, so that a later edit of the source file changes
 * nothing, and what is opened is exactly what was checked.  The state file
 * (installed.json beside them) is replaced (write, fsync, rename) only
 * after the loop has the new plugin serving: a server killed before that
 * restarts on the old state.
 */
#include "admin.h"
#include "loader.h"
#include "log.h"
#include "plugin_live.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define ADMIN_LINE_MAX 16384
#define ADMIN_IO_TIMEOUT_S 10

struct admin {
	server *srv;
	int lfd;
	int stop[2];
	pthread_t thread;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/* ---- files ---- */

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Writes len bytes to dest durably: a temporary file, fsync, rename. */
static int write_file_atomic(const char *dir, const char *dest, const void *buf, size_t len,
			     mode_t mode, char *err, size_t errlen)
{
	char tmp[PATH_MAX + 32];
	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", dest, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || write_all(fd, buf, len) || fsync(fd)) {
		snprintf(err, errlen, "cannot write %.300s: %.300s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, dest)) {
		snprintf(err, errlen, "cannot rename %.200s to %.200s: %.100s", tmp, dest,
			 strerror(errno));
		unlink(tmp);
		return -1;
	}
	fsync_dir(dir);
	return 0;
}

/* Reads a whole regular file of at most max bytes. */
static char *read_file(const char *path, long max, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb)) {
		snprintf(err, errlen, "cannot read %.300s: %.300s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size <= 0 || sb.st_size > max) {
		snprintf(err, errlen,
			 !S_ISREG(sb.st_mode) ? "%.300s is not a regular file"
			 : sb.st_size <= 0    ? "%.300s is empty"
					      : "%.300s is larger than the limit of %ld bytes",
			 path, max);
		close(fd);
		return NULL;
	}
	char *buf = malloc((size_t)sb.st_size);
	size_t got = 0;
	while (buf && got < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (!buf || got != (size_t)sb.st_size) {
		snprintf(err, errlen, "cannot read %.300s", path);
		free(buf);
		return NULL;
	}
	*len = got;
	return buf;
}

/* Copies the web folder src into dest (regular files and folders only,
 * symbolic links skipped, at most 8 deep and ADMIN_MAX_WEB_BYTES). */
static int copy_tree(const char *src, const char *dest, int depth, long *budget, char *err,
		     size_t errlen)
{
	if (depth > 8) {
		snprintf(err, errlen, "%.300s: folders nested too deep", src);
		return -1;
	}
	if (mkdir(dest, 0755) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %.300s: %.300s", dest, strerror(errno));
		return -1;
	}
	DIR *d = opendir(src);
	if (!d) {
		snprintf(err, errlen, "cannot read the web folder %.300s: %.300s", src,
			 strerror(errno));
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	// cppcheck-suppress readdirCalled -- glibc's readdir is safe on a stream of one thread (readdir_r is deprecated)
	while (!rc && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char s[PATH_MAX], t[PATH_MAX];
		if (snprintf(s, sizeof(s), "%s/%s", src, e->d_name) >= (int)sizeof(s) ||
		    snprintf(t, sizeof(t), "%s/%s", dest, e->d_name) >= (int)sizeof(t)) {
			snprintf(err, errlen, "%.300s: path too long", src);
			rc = -1;
			break;
		}
		struct stat sb;
		if (lstat(s, &sb))
			continue;
		if (S_ISDIR(sb.st_mode))
			rc = copy_tree(s, t, depth + 1, budget, err, errlen);
		else if (S_ISREG(sb.st_mode)) {
			size_t len;
			char *buf = read_file(s, *budget, &len, err, errlen);
			if (!buf && sb.st_size == 0) {
				buf = strdup("");
				len = 0;
			}
			if (!buf) {
				rc = -1;
				break;
			}
			*budget -= (long)len;
			rc = write_file_atomic(dest, t, buf, len, 0644, err, errlen);
			free(buf);
		}
	}
	closedir(d);
	return rc;
}

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	if (d) {
		struct dirent *e;
		// cppcheck-suppress readdirCalled -- glibc's readdir is safe on a stream of one thread (readdir_r is deprecated)
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char s[PATH_MAX];
			snprintf(s, sizeof(s), "%s/%s", path, e->d_name);
			struct stat sb;
			if (!lstat(s, &sb) && S_ISDIR(sb.st_mode))
				rm_tree(s);
			else
				unlink(s);
		}
		closedir(d);
	}
	rmdir(path);
}

/* ---- the signature check ----
 * The managed copy, before it is ever opened: the loader's check
 * (signature.c: built with this server, or signed by a trusted key; or
 * plugins.allow_unsigned).  0 with signer, or -1 with msg saying why (and
 * which key was expected). */
static int verify_candidate(const accord_config *cfg, const char *name, const char *so,
			    char *signer, size_t signer_len, char *msg, size_t msglen)
{
	return loader_check_plugin(cfg, name, so, signer, signer_len, msg, msglen);
}

static int name_valid(const char *n, size_t len)
{
	if (!len || len > 32 || !(n[0] >= 'a' && n[0] <= 'z'))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= '0' && n[i] <= '9') || n[i] == '_'))
			return 0;
	return 1;
}

/* Off the loop: the copy into the managed folder, the checks, dlopen.
 * 0 with op filled, or -1 with err. */
static int prepare(admin *a, live_op *op, const char *path, const char *web, char *err, size_t errlen)
{
	const accord_config *cfg = a->srv->cfg;
	if (!path || path[0] != '/') {
		snprintf(err, errlen, "path: the shared object's absolute path is required");
		return -1;
	}
	const char *base = strrchr(path, '/') + 1;
	size_t bl = strlen(base);
	if (bl < 4 || strcmp(base + bl - 3, ".so") || !name_valid(base, bl - 3)) {
		snprintf(err, errlen,
			 "%.300s: the file must be named <plugin>.so, the name in lower-case letters,"
			 " digits and _ (at most 32), starting with a letter",
			 base);
		return -1;
	}
	snprintf(op->name, sizeof(op->name), "%.*s", (int)(bl - 3), base);
	if (loader_name_reserved(op->name)) {
		snprintf(err, errlen, "plugin %.300s: the name is reserved for the core", op->name);
		return -1;
	}
	size_t len;
	char *buf = read_file(path, ADMIN_MAX_PLUGIN_BYTES, &len, err, errlen);
	if (!buf)
		return -1;
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)buf, len);
	sodium_bin2hex(op->digest, sizeof(op->digest), h, sizeof(h));
	/* The version's folder, laid out as a plugins folder is (what the
	 * signature check reads): <name>.so, <name>.sig, web/<name>/. */
	char vdir[PATH_MAX], tmp[PATH_MAX + 16], webdir[PATH_MAX + 8], srcdir[PATH_MAX],
		f[PATH_MAX + 64];
	snprintf(srcdir, sizeof(srcdir), "%.*s", (int)(base - 1 - path), path);
	snprintf(webdir, sizeof(webdir), "%s/web", cfg->installed_dir);
	if (snprintf(vdir, sizeof(vdir), "%s/%s-%.16s", cfg->installed_dir, op->name, op->digest) >=
	    (int)sizeof(vdir) - 80) {
		snprintf(err, errlen, "admin.installed_dir is too long");
		free(buf);
		return -1;
	}
	if ((mkdir(cfg->installed_dir, 0700) && errno != EEXIST) ||
	    (mkdir(webdir, 0755) && errno != EEXIST)) {
		snprintf(err, errlen, "cannot create %.300s: %.300s", webdir, strerror(errno));
		free(buf);
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", vdir);
	rm_tree(tmp);
	snprintf(f, sizeof(f), "%s/%s.so", tmp, op->name);
	int rc = mkdir(tmp, 0700) ? -1 : write_file_atomic(tmp, f, buf, len, 0600, err, errlen);
	free(buf);
	if (rc) {
		if (!*err)
			snprintf(err, errlen, "cannot create %.300s: %.300s", tmp, strerror(errno));
		rm_tree(tmp);
		return -1;
	}
	/* its signature, when there is one beside it */
	char sig[PATH_MAX + 64];
	snprintf(sig, sizeof(sig), "%s/%s.sig", srcdir, op->name);
	struct stat sb;
	if (!stat(sig, &sb)) {
		char *sbuf = read_file(sig, 1L << 20, &len, err, errlen);
		snprintf(f, sizeof(f), "%s/%s.sig", tmp, op->name);
		if (!sbuf || write_file_atomic(tmp, f, sbuf, len, 0600, err, errlen)) {
			free(sbuf);
			rm_tree(tmp);
			return -1;
		}
		free(sbuf);
	}
	/* its web folder: --web DIR, else <dir>/web/<name>/ beside it */
	char srcweb[PATH_MAX + 64] = "";
	if (web && *web) {
		if (web[0] != '/' || stat(web, &sb) || !S_ISDIR(sb.st_mode)) {
			snprintf(err, errlen,
				 "web: %.300s is not a folder (an absolute path is needed)", web);
			rm_tree(tmp);
			return -1;
		}
		snprintf(srcweb, sizeof(srcweb), "%s", web);
	} else {
		snprintf(srcweb, sizeof(srcweb), "%s/web/%s", srcdir, op->name);
		if (stat(srcweb, &sb) || !S_ISDIR(sb.st_mode))
			srcweb[0] = 0;
	}
	long budget = ADMIN_MAX_WEB_BYTES;
	char vweb[PATH_MAX + 64];
	snprintf(f, sizeof(f), "%s/web", tmp);
	snprintf(vweb, sizeof(vweb), "%s/web/%s", tmp, op->name);
	if (srcweb[0] && ((mkdir(f, 0755) && errno != EEXIST) ||
			  copy_tree(srcweb, vweb, 0, &budget, err, errlen))) {
		if (!*err)
			snprintf(err, errlen, "cannot create %.300s: %.300s", f, strerror(errno));
		rm_tree(tmp);
		return -1;
	}
	rm_tree(vdir);
	if (rename(tmp, vdir)) {
		snprintf(err, errlen, "cannot rename %.300s: %.300s", tmp, strerror(errno));
		rm_tree(tmp);
		return -1;
	}
	fsync_dir(cfg->installed_dir);
	snprintf(op->file, sizeof(op->file), "%.4000s/%.32s.so", vdir, op->name);
	/* ---- the signature check, on the copy that will be opened ---- */
	char msg[512];
	if (verify_candidate(cfg, op->name, op->file, op->signer, sizeof(op->signer), msg,
			     sizeof(msg))) {
		snprintf(err, errlen, "%.700s", msg);
		return -1;
	}
	/* The web files served (/plugins-live/<name>-<digest>/), copied from
	 * the checked copy. */
	op->web[0] = 0;
	if (srcweb[0]) {
		snprintf(vweb, sizeof(vweb), "%s/web/%s", vdir, op->name);
		snprintf(op->web, sizeof(op->web), "%.4000s/%.32s-%.16s", webdir, op->name,
			 op->digest);
		snprintf(tmp, sizeof(tmp), "%s.tmp", op->web);
		rm_tree(tmp);
		budget = ADMIN_MAX_WEB_BYTES;
		if (copy_tree(vweb, tmp, 0, &budget, err, errlen)) {
			rm_tree(tmp);
			return -1;
		}
		rm_tree(op->web);
		if (rename(tmp, op->web)) {
			snprintf(err, errlen, "cannot rename %.300s: %.300s", tmp, strerror(errno));
			rm_tree(tmp);
			return -1;
		}
		fsync_dir(webdir);
	}
	/* Checked again as it is opened: the bytes opened are the bytes
	 * checked (loader_check_open). */
	return loader_check_open(cfg, op->name, op->file, op->signer, sizeof(op->signer), &op->dl,
				 &op->desc, err, errlen);
}

static int write_state(admin *a, const json_t *state, char *err, size_t errlen)
{
	char path[PATH_MAX + 32];
	live_state_path(a->srv->cfg, path, sizeof(path));
	char *text = json_dumps(state, JSON_INDENT(2));
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = write_file_atomic(a->srv->cfg->installed_dir, path, text, strlen(text), 0600, err,
				   errlen);
	free(text);
	return rc;
}

/* ---- one request ---- */

static json_t *serve(admin *a, const json_t *req)
{
	const char *opname = json_string_value(json_object_get(req, "op"));
	live_op *op = calloc(1, sizeof(*op));
	if (!op)
		return json_pack("{s:b,s:s}", "ok", 0, "error", "out of memory");
	pthread_mutex_init(&op->mu, NULL);
	pthread_cond_init(&op->cv, NULL);
	char err[768] = "";
	json_t *reply = NULL;
	if (!opname) {
		snprintf(err, sizeof(err),
			 "op: expected \"install\", \"upgrade\", \"remove\" or \"list\"");
	} else if (!strcmp(opname, "list")) {
		op->kind = LIVE_LIST;
	} else if (!strcmp(opname, "remove")) {
		op->kind = LIVE_REMOVE;
		const char *name = json_string_value(json_object_get(req, "name"));
		if (!name || !name_valid(name, strlen(name)))
			snprintf(err, sizeof(err), "name: the plugin's name is required");
		else
			snprintf(op->name, sizeof(op->name), "%s", name);
	} else if (!strcmp(opname, "install") || !strcmp(opname, "upgrade")) {
		op->kind = !strcmp(opname, "install") ? LIVE_INSTALL : LIVE_UPGRADE;
		prepare(a, op, json_string_value(json_object_get(req, "path")),
			json_string_value(json_object_get(req, "web")), err, sizeof(err));
	} else
		snprintf(err, sizeof(err), "op: unknown operation \"%.300s\"", opname);
	if (!err[0]) {
		live_submit_and_wait(a->srv, op);
		if (op->dl) /* not taken by the loop */
			plugin_dl_close(op->dl);
		if (!op->ok)
			snprintf(err, sizeof(err), "%.300s", op->msg);
		else if (op->state && write_state(a, op->state, err, sizeof(err))) {
			char e2[sizeof(err)];
			memcpy(e2, err, sizeof(e2));
			snprintf(err, sizeof(err),
				 "%.200s now, but not recorded for the next start: %.500s", op->msg,
				 e2);
		}
	} else if (op->dl)
		plugin_dl_close(op->dl);
	if (err[0]) {
		log_warn("admin socket: %s %s: %s", opname ? opname : "?", op->name, err);
		reply = json_pack("{s:b,s:s}", "ok", 0, "error", err);
	} else if (op->kind == LIVE_LIST)
		reply = json_pack("{s:b,s:O}", "ok", 1, "plugins", op->result);
	else
		reply = json_pack("{s:b,s:s}", "ok", 1, "message", op->msg);
	json_decref(op->result);
	json_decref(op->state);
	pthread_mutex_destroy(&op->mu);
	pthread_cond_destroy(&op->cv);
	free(op);
	return reply;
}

static void reply_line(int fd, json_t *reply)
{
	char *text = reply ? json_dumps(reply, JSON_COMPACT) : NULL;
	if (text) {
		write_all(fd, text, strlen(text));
		write_all(fd, "\n", 1);
	}
	free(text);
	json_decref(reply);
}

static void client(admin *a, int fd)
{
	struct ucred cr = {.pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};
	socklen_t cl = sizeof(cr);
	struct timeval tv = {ADMIN_IO_TIMEOUT_S, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) ||
	    (cr.uid != geteuid() && cr.uid != 0)) {
		char msg[200];
		snprintf(msg, sizeof(msg),
			 "refused: the admin socket answers only the server's account (uid %ld)"
			 " and root, not uid %ld",
			 (long)geteuid(), (long)cr.uid);
		log_warn("admin socket: %s", msg);
		reply_line(fd, json_pack("{s:b,s:s}", "ok", 0, "error", msg));
		return;
	}
	char *line = malloc(ADMIN_LINE_MAX + 1);
	size_t len = 0;
	while (line && len < ADMIN_LINE_MAX) {
		ssize_t n = read(fd, line + len, ADMIN_LINE_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (memchr(line, '\n', len))
			break;
	}
	json_error_t jerr;
	json_t *req = line ? json_loadb(line, len, JSON_DISABLE_EOF_CHECK, &jerr) : NULL;
	free(line);
	if (!json_is_object(req))
		reply_line(fd, json_pack("{s:b,s:s}", "ok", 0, "error",
					 "expected one JSON object on one line"));
	else
		reply_line(fd, serve(a, req));
	json_decref(req);
}

static void *admin_thread(void *arg)
{
	admin *a = arg;
	for (;;) {
		struct pollfd pf[2] = {{a->lfd, POLLIN, 0}, {a->stop[0], POLLIN, 0}};
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[1].revents)
			break;
		if (!(pf[0].revents & POLLIN))
			continue;
		struct sockaddr_un peer;
		socklen_t pl = sizeof(peer);
		int fd = accept4(a->lfd, (struct sockaddr *)&peer, &pl, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		client(a, fd);
		close(fd);
	}
	return NULL;
}

admin *admin_start(server *srv)
{
	const char *path = srv->cfg->admin_socket;
	admin *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->srv = srv;
	a->lfd = a->stop[0] = a->stop[1] = -1;
	if (strlen(path) >= sizeof(a->path)) {
		log_err("admin socket: %s is longer than a Unix socket path may be (%zu bytes);"
			" give a shorter admin.socket.  Plugins cannot be changed live.",
			path, sizeof(a->path) - 1);
		free(a);
		return NULL;
	}
	memcpy(a->path, path, strlen(path) + 1);
	struct stat sb;
	if (!lstat(path, &sb)) {
		if (!S_ISSOCK(sb.st_mode)) {
			log_err("admin socket: %s exists and is not a socket; not touching it."
				"  Plugins cannot be changed live.",
				path);
			free(a);
			return NULL;
		}
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	memcpy(sa.sun_path, a->path, strlen(a->path) + 1);
	if (!lstat(path, &sb)) {
		/* A socket a previous server left, unless one still answers
		 * there (another server, on another database). */
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int live = probe >= 0 && !connect(probe, (struct sockaddr *)&sa, sizeof(sa));
		if (probe >= 0)
			close(probe);
		if (live) {
			log_err("admin socket: another server answers on %s; give this one its own"
				" admin.socket.  Plugins cannot be changed live.",
				path);
			free(a);
			return NULL;
		}
		unlink(path);
	}
	a->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (a->lfd < 0 || bind(a->lfd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(path, 0600) ||
	    listen(a->lfd, 8) || pipe2(a->stop, O_CLOEXEC) ||
	    pthread_create(&a->thread, NULL, admin_thread, a)) {
		log_err("admin socket: cannot listen on %s: %s.  Plugins cannot be changed live.",
			path, strerror(errno));
		if (a->lfd >= 0)
			close(a->lfd);
		if (a->stop[0] >= 0) {
			close(a->stop[0]);
			close(a->stop[1]);
		}
		unlink(path);
		free(a);
		return NULL;
	}
	log_info("admin socket on %s (mode 0600)", path);
	return a;
}

void admin_stop(admin *a)
{
	if (!a)
		return;
	write_all(a->stop[1], "x", 1);
	pthread_join(a->thread, NULL);
	close(a->lfd);
	close(a->stop[0]);
	close(a->stop[1]);
	unlink(a->path);
	free(a);
}
