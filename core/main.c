/*
 * accord: the command line.
 *
 *   accord serve   [--config FILE] [--port N]
 *   accord init    [--config FILE] [--demo]
 *   accord backup  [--config FILE] DEST
 *   accord version
 *   accord <plugin command> [--config FILE] ...
 *
 * Without --config the embedded default (config/accord.json) is used.
 */
#include "server.h"
#include "log.h"

#include <errno.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>

static void usage(void)
{
	fprintf(stderr, "usage:\n"
			"  accord serve [--config FILE] [--port N]   run the server (port 0: any free port)\n"
			"  accord init [--config FILE] [--demo]      create or migrate the database;\n"
			"                                             --demo seeds the demo network\n"
			"  accord backup [--config FILE] DEST        online backup of the database to DEST\n"
			"  accord restore [--config FILE] SRC        replace the database with a backup\n"
			"                                             (the server must be stopped)\n"
			"  accord version\n"
			"plugin commands (with the enabled plugins of the config):\n");
}

/* Removes "--config FILE" from argv; returns the file or NULL. */
static const char *take_config(int *argc, char **argv)
{
	for (int i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--config"))
			continue;
		if (i + 1 >= *argc) {
			fprintf(stderr, "accord: --config needs a file\n");
			exit(2);
		}
		const char *f = argv[i + 1];
		memmove(&argv[i], &argv[i + 2], (size_t)(*argc - i - 2) * sizeof(char *));
		*argc -= 2;
		return f;
	}
	return NULL;
}

static int load_config(const char *file, accord_config *cfg)
{
	char err[512];
	int rc = file ? config_load_file(file, cfg, err, sizeof(err))
		      : config_load_string(accord_default_config, cfg, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "accord: configuration error in %s: %s\n",
			file ? file : "the embedded default", err);
		return -1;
	}
	log_set_level((accord_log_level)cfg->log_level);
	return 0;
}

/* mkdir -p of the directory that will hold path. */
static int ensure_parent_dir(const char *path)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s", path);
	char *dir = dirname(tmp);
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0750) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0750) && errno != EEXIST)
		return -1;
	return 0;
}

/* One server per database: an advisory lock on "<db>.lock", held while
 * serving; restore takes it too, so it cannot run under a live server. */
static int db_lock(const char *db_path)
{
	char path[PATH_MAX + 8];
	snprintf(path, sizeof(path), "%s.lock", db_path);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A server-less context for init and plugin commands: plugins register
 * their CLI commands, migrations and seeds through the same API. */
typedef struct offline {
	server srv;
	storage *st;
} offline;

static int offline_open(offline *o, accord_config *cfg, int init_plugins)
{
	char err[512];
	memset(o, 0, sizeof(*o));
	o->srv.cfg = cfg;
	o->srv.boot_ms = now_ms();
	o->srv.metrics = metrics_new();
	o->srv.bus = bus_new(&o->srv);
	o->srv.plugins = plugins_new(&o->srv);
	if (ensure_parent_dir(cfg->db_path)) {
		fprintf(stderr, "accord: cannot create the directory of %s: %s\n", cfg->db_path,
			strerror(errno));
		return -1;
	}
	o->st = storage_open(cfg->db_path, cfg->synchronous, err, sizeof(err));
	if (!o->st) {
		fprintf(stderr, "accord: %s\n", err);
		return -1;
	}
	if (storage_migrate(o->st, "core", core_migrations, err, sizeof(err)) ||
	    storage_migrate(o->st, "core.requests", retry_migrations, err, sizeof(err)) ||
	    plugins_load(o->srv.plugins, cfg, err, sizeof(err)) ||
	    plugins_migrate(o->srv.plugins, o->st, err, sizeof(err)) ||
	    (init_plugins && plugins_init(o->srv.plugins, err, sizeof(err)))) {
		fprintf(stderr, "accord: %s\n", err);
		return -1;
	}
	return 0;
}

static void offline_close(offline *o)
{
	plugins_unload(o->srv.plugins);
	storage_close(o->st);
	bus_free(o->srv.bus);
	metrics_free(o->srv.metrics);
}

static int seed_demo(offline *o, accord_config *cfg)
{
	json_error_t je;
	json_t *demo = json_load_file(cfg->demo_file, JSON_REJECT_DUPLICATES, &je);
	if (!demo) {
		fprintf(stderr, "accord: demo network %s: line %d: %s\n", cfg->demo_file, je.line,
			je.text);
		return -1;
	}
	const char *pw = getenv("ACCORD_DEMO_PASSWORD");
	char generated[24];
	if (!pw || !*pw) {
		unsigned char raw[12];
		randombytes_buf(raw, sizeof(raw));
		sodium_bin2base64(generated, sizeof(generated), raw, sizeof(raw),
				  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		pw = generated;
	}
	/* One argon2id hash serves every demo login: they share the password. */
	char hash[crypto_pwhash_STRBYTES];
	if (crypto_pwhash_str(hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE)) {
		fprintf(stderr, "accord: out of memory hashing the demo password\n");
		json_decref(demo);
		return -1;
	}
	accord_txn *txn = storage_begin_sync(o->st);
	int bad = !txn;
	size_t i, k;
	json_t *org, *person;
	json_t *logins = json_array();
	json_array_foreach(json_object_get(demo, "organisations"), i, org)
	{
		const char *code = json_string_value(json_object_get(org, "code"));
		const char *standing = json_string_value(json_object_get(org, "standing"));
		json_array_foreach(json_object_get(org, "people"), k, person)
		{
			const char *login = json_string_value(json_object_get(person, "login"));
			const char *name = json_string_value(json_object_get(person, "name"));
			char roles[128] = "";
			size_t r;
			json_t *role;
			json_array_foreach(json_object_get(person, "roles"), r, role)
			{
				if (!json_is_string(role))
					continue;
				if (*roles)
					strncat(roles, ",", sizeof(roles) - strlen(roles) - 1);
				strncat(roles, json_string_value(role), sizeof(roles) - strlen(roles) - 1);
			}
			if (!code || !standing || !login || !name) {
				fprintf(stderr, "accord: demo network: organisation %zu person %zu lacks "
						"code, standing, login or name\n", i, k);
				bad = 1;
				continue;
			}
			if (!bad && accounts_upsert(txn, login, name, code, standing, roles, hash))
				bad = 1;
			json_array_append_new(logins, json_string(login));
		}
	}
	if (txn && storage_end_sync(o->st, txn, !bad))
		bad = 1;
	char err[512];
	if (!bad && plugins_seed(o->srv.plugins, o->st, demo, err, sizeof(err))) {
		fprintf(stderr, "accord: %s\n", err);
		bad = 1;
	}
	if (!bad) {
		printf("demo network seeded: %zu logins:", json_array_size(logins));
		json_t *l;
		json_array_foreach(logins, i, l) printf(" %s", json_string_value(l));
		printf("\n");
		if (pw == generated)
			printf("demo password (generated; set ACCORD_DEMO_PASSWORD to choose): %s\n",
			       pw);
		else
			printf("demo password: from ACCORD_DEMO_PASSWORD\n");
	}
	json_decref(logins);
	json_decref(demo);
	sodium_memzero(hash, sizeof(hash));
	return bad ? -1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage();
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("accord %s (plugin ABI %d)\n", ACCORD_VERSION, ACCORD_ABI_MAJOR);
		return 0;
	}
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage();
		return 0;
	}
	const char *cfg_file = take_config(&argc, argv);
	accord_config cfg;
	if (load_config(cfg_file, &cfg))
		return 2;
	if (sodium_init() < 0) {
		fprintf(stderr, "accord: libsodium failed to initialise\n");
		return 1;
	}
	int rc = 0;

	if (!strcmp(cmd, "serve")) {
		int port = -1;
		for (int i = 2; i < argc; i++) {
			if (!strcmp(argv[i], "--port") && i + 1 < argc) {
				char *end;
				long v = strtol(argv[++i], &end, 10);
				if (*end || v < 0 || v > 65535) {
					fprintf(stderr, "accord: --port: expected 0-65535\n");
					rc = 2;
					goto done;
				}
				port = (int)v;
			} else {
				fprintf(stderr, "accord serve: unknown argument %s\n", argv[i]);
				rc = 2;
				goto done;
			}
		}
		if (ensure_parent_dir(cfg.db_path)) {
			fprintf(stderr, "accord: cannot create the directory of %s: %s\n",
				cfg.db_path, strerror(errno));
			rc = 1;
			goto done;
		}
		int lock = db_lock(cfg.db_path);
		if (lock < 0) {
			fprintf(stderr, "accord: %s is in use by another running server\n", cfg.db_path);
			rc = 1;
			goto done;
		}
		rc = server_run(&cfg, port);
		close(lock);
		goto done;
	}

	if (!strcmp(cmd, "init")) {
		int demo = 0;
		for (int i = 2; i < argc; i++) {
			if (!strcmp(argv[i], "--demo"))
				demo = 1;
			else {
				fprintf(stderr, "accord init: unknown argument %s\n", argv[i]);
				rc = 2;
				goto done;
			}
		}
		offline o;
		if (offline_open(&o, &cfg, 1)) {
			rc = 1;
		} else {
			printf("database %s is ready\n", cfg.db_path);
			if (demo && seed_demo(&o, &cfg))
				rc = 1;
		}
		offline_close(&o);
		goto done;
	}

	if (!strcmp(cmd, "restore")) {
		if (argc != 3) {
			fprintf(stderr, "usage: accord restore [--config FILE] SRC\n");
			rc = 2;
			goto done;
		}
		char err[512];
		int lock = db_lock(cfg.db_path);
		if (lock < 0) {
			fprintf(stderr, "accord: %s is in use by a running server: stop it first\n",
				cfg.db_path);
			rc = 1;
			goto done;
		}
		if (storage_check_backup(argv[2], err, sizeof(err)) ||
		    storage_backup(argv[2], cfg.db_path, err, sizeof(err))) {
			fprintf(stderr, "accord: %s\n", err);
			rc = 1;
		} else
			printf("restored %s from %s\n", cfg.db_path, argv[2]);
		close(lock);
		goto done;
	}

	if (!strcmp(cmd, "backup")) {
		if (argc != 3) {
			fprintf(stderr, "usage: accord backup [--config FILE] DEST\n");
			rc = 2;
			goto done;
		}
		char err[512];
		if (storage_backup(cfg.db_path, argv[2], err, sizeof(err))) {
			fprintf(stderr, "accord: %s\n", err);
			rc = 1;
		} else
			printf("backed up %s to %s\n", cfg.db_path, argv[2]);
		goto done;
	}

	{
		offline o;
		if (offline_open(&o, &cfg, 1)) {
			offline_close(&o);
			rc = 1;
			goto done;
		}
		rc = plugins_run_cli(o.srv.plugins, o.st, cmd, argc - 1, argv + 1);
		if (rc == -2) {
			fprintf(stderr, "accord: unknown command \"%s\"\n", cmd);
			usage();
			plugins_print_cli_usage(o.srv.plugins);
			rc = 2;
		}
		offline_close(&o);
	}
done:
	config_free(&cfg);
	return rc;
}
