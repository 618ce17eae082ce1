/*
 * `accord plugins install|upgrade|remove|list`: the client of the admin
 * socket (admin.c).  It sends one JSON line, prints the answer and exits 0
 * when the server did it, 1 when it refused or is not running, 2 on bad
 * usage.
 */
#include "admin.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void usage(FILE *out)
{
	fprintf(out, "usage: accord plugins install [--config FILE] PATH/NAME.so [--web DIR]\n"
		     "       accord plugins upgrade [--config FILE] PATH/NAME.so [--web DIR]\n"
		     "       accord plugins remove  [--config FILE] NAME\n"
		     "       accord plugins list    [--config FILE] [--json]\n\n"
		     "Changes the plugins of the running server without a restart, through its\n"
		     "admin socket (admin.socket; by default accord.sock beside the database).\n"
		     "install copies NAME.so (and the web folder DIR) into the managed folder,\n"
		     "checks it, runs its migrations and starts it; upgrade replaces the running\n"
		     "version (requests in flight finish on the old one); remove stops it (its\n"
		     "tables and data are kept).  Run it as the server's account or root.\n");
}

static void print_list(const json_t *plugins)
{
	size_t i;
	const json_t *p;
	json_array_foreach(plugins, i, p) {
		printf("%s %s (%s)%s%s\n", json_string_value(json_object_get(p, "name")),
		       json_string_value(json_object_get(p, "version")),
		       json_string_value(json_object_get(p, "source")),
		       json_is_true(json_object_get(p, "group")) ? ", group plugin" : "",
		       *json_string_value(json_object_get(p, "signer")) ? "" : ", unsigned");
		const char *sig = json_string_value(json_object_get(p, "signer"));
		if (sig && *sig)
			printf("  signer:   %s\n", sig);
		const char *keys[] = {"provides", "requires"};
		for (int k = 0; k < 2; k++) {
			const json_t *a = json_object_get(p, keys[k]);
			if (!json_array_size(a))
				continue;
			printf("  %s:", keys[k]);
			size_t j;
			const json_t *s;
			json_array_foreach(a, j, s)
				printf(" %s v%d%s", json_string_value(json_object_get(s, "name")),
				       (int)json_integer_value(json_object_get(s, "version")),
				       json_is_true(json_object_get(s, "optional")) ? " (optional)"
										    : "");
			printf("\n");
		}
		const char *lists[] = {"types", "topics", "groups"};
		for (int k = 0; k < 3; k++) {
			const json_t *a = json_object_get(p, lists[k]);
			if (!json_array_size(a))
				continue;
			printf("  %s:", lists[k]);
			size_t j;
			const json_t *s;
			json_array_foreach(a, j, s) {
				if (json_is_string(s))
					printf(" %s", json_string_value(s));
				else
					printf(" %lld", (long long)json_integer_value(s));
			}
			printf("\n");
		}
	}
}

int admin_client(const accord_config *cfg, int argc, char **argv)
{
	if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
		usage(argc < 1 ? stderr : stdout);
		return argc < 1 ? 2 : 0;
	}
	const char *op = argv[0], *arg = NULL, *web = NULL;
	int as_json = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--web") && i + 1 < argc)
			web = argv[++i];
		else if (!strcmp(argv[i], "--json"))
			as_json = 1;
		else if (!arg && argv[i][0] != '-')
			arg = argv[i];
		else {
			fprintf(stderr, "accord plugins %s: unexpected argument %s\n", op, argv[i]);
			usage(stderr);
			return 2;
		}
	}
	json_t *req = NULL;
	char path[PATH_MAX], webpath[PATH_MAX];
	if (!strcmp(op, "list") && !arg)
		req = json_pack("{s:s}", "op", "list");
	else if (!strcmp(op, "remove") && arg && !web)
		req = json_pack("{s:s,s:s}", "op", "remove", "name", arg);
	else if ((!strcmp(op, "install") || !strcmp(op, "upgrade")) && arg) {
		/* The server runs elsewhere (its own working directory): it
		 * gets absolute paths. */
		if (!realpath(arg, path)) {
			fprintf(stderr, "accord plugins %s: %s: %s\n", op, arg, strerror(errno));
			return 1;
		}
		if (web && !realpath(web, webpath)) {
			fprintf(stderr, "accord plugins %s: --web %s: %s\n", op, web,
				strerror(errno));
			return 1;
		}
		req = json_pack("{s:s,s:s,s:s}", "op", op, "path", path, "web", web ? webpath : "");
	} else {
		usage(stderr);
		return 2;
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(cfg->admin_socket) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "accord plugins %s: admin.socket %s is too long for a Unix socket\n",
			op, cfg->admin_socket);
		json_decref(req);
		return 1;
	}
	memcpy(sa.sun_path, cfg->admin_socket, strlen(cfg->admin_socket) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;
		if (e == ENOENT || e == ECONNREFUSED)
			fprintf(stderr,
				"accord plugins %s: no server is running on %s (no admin socket at"
				" %s): start it with `accord serve`\n",
				op, cfg->db_path, cfg->admin_socket);
		else if (e == EACCES || e == EPERM)
			fprintf(stderr,
				"accord plugins %s: refused: %s is for the server's account and"
				" root only (%s)\n",
				op, cfg->admin_socket, strerror(e));
		else
			fprintf(stderr, "accord plugins %s: cannot reach %s: %s\n", op,
				cfg->admin_socket, strerror(e));
		if (fd >= 0)
			close(fd);
		json_decref(req);
		return 1;
	}
	char *line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	int wrote = line && write(fd, line, strlen(line)) == (ssize_t)strlen(line) &&
		    write(fd, "\n", 1) == 1;
	free(line);
	shutdown(fd, SHUT_WR);
	/* Migrations may take a while: read until the server closes. */
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	if (!buf) {
		fprintf(stderr, "accord plugins %s: out of memory\n", op);
		close(fd);
		return 1;
	}
	while (wrote) {
		if (len == cap) {
			char *n = realloc(buf, cap * 2);
			if (!n)
				break;
			buf = n;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	json_error_t jerr;
	json_t *rep = len ? json_loadb(buf, len, JSON_DISABLE_EOF_CHECK, &jerr) : NULL;
	free(buf);
	if (!json_is_object(rep)) {
		fprintf(stderr, "accord plugins %s: the server closed without an answer\n", op);
		json_decref(rep);
		return 1;
	}
	int ok = json_is_true(json_object_get(rep, "ok"));
	if (!ok)
		fprintf(stderr, "accord plugins %s: %s\n", op,
			json_string_value(json_object_get(rep, "error")));
	else if (!strcmp(op, "list")) {
		if (as_json) {
			char *t = json_dumps(json_object_get(rep, "plugins"), JSON_INDENT(2));
			if (t)
				printf("%s\n", t);
			free(t);
		} else
			print_list(json_object_get(rep, "plugins"));
	} else
		printf("%s\n", json_string_value(json_object_get(rep, "message")));
	json_decref(rep);
	return ok ? 0 : 1;
}
