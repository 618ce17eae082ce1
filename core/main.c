/*
 * accord: the command line.
 *
 *   accord serve   [--config FILE] [--port N]
 *   accord init    [--config FILE] [--demo | --admin LOGIN ...]
 *   accord passwd  [--config FILE] LOGIN
 *   accord backup  [--config FILE] DEST
 *   accord restore [--config FILE] SRC
 *   accord plugins keygen|sign|verify ...
 *   accord version
 *   accord <plugin command> [--config FILE] ...
 *   accord <command> --help, accord --help
 *
 * Without --config the embedded default (config/accord.json) is used.
 */
#include "server.h"
#include "log.h"

#include <assert.h>
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#define MIN_PASSWORD 10 /* as the membership plugin asks of invited people */
#define MAX_PASSWORD 1024

/* The core's commands: what `accord --help` lists and `accord <name>
 * --help` explains.  Plugins add theirs through api->cli. */
typedef struct command {
	const char *name;
	const char *args;
	const char *brief;
	const char *help;
} command;

static const command commands[] = {
	{"serve", "[--config FILE] [--port N]", "run the server",
	 "Runs the server on the database of the configuration, applying schema\n"
	 "migrations first.  --port overrides listen.port (0: any free port; the URL\n"
	 "is printed).  The database must exist and hold at least one account:\n"
	 "create it first with `accord init --admin LOGIN` (or `accord init --demo`\n"
	 "for the demo network).  One server per database: a second one refuses.\n"
	 "SIGTERM or SIGINT stop it after pending commits.\n"},
	{"init", "[--config FILE] [--demo | --admin LOGIN [OPTIONS]]",
	 "create or migrate the database; create the first account or the demo network",
	 "Creates the database if needed and applies every schema migration of the\n"
	 "core and the enabled plugins (safe to run at each start).\n"
	 "\n"
	 "  --admin LOGIN     also creates the first account: a person of the\n"
	 "                    secretariat, who then adds organisations and people\n"
	 "                    from the web client.  Refused when the database\n"
	 "                    already has accounts (use `accord passwd LOGIN`).\n"
	 "    --name NAME       the person's name (default: \"<ORG> secretariat\")\n"
	 "    --org CODE        their organisation (default: IOM, the network's\n"
	 "                      secretariat in its Terms of Reference)\n"
	 "    --org-name NAME   the organisation's name (default for IOM: International\n"
	 "                      Organization for Migration; otherwise the code)\n"
	 "    --co-chair        the person is also a co-chair\n"
	 "    --password PW     the password (visible to other users of the machine\n"
	 "                      while the command runs; prefer the other ways)\n"
	 "                    Without --password: $ACCORD_PASSWORD, else asked twice on\n"
	 "                    the terminal (not echoed), else the first line of stdin.\n"
	 "                    At least 10 characters, not the login.\n"
	 "  --demo            seeds the demo network of the Terms of Reference (every\n"
	 "                    login shares one password: $ACCORD_DEMO_PASSWORD, or a\n"
	 "                    generated one printed last).\n"},
	{"passwd", "[--config FILE] LOGIN", "set a person's password from the shell",
	 "Sets the password of LOGIN and revokes every session of that account (they\n"
	 "must log in again with the new password).  The password is asked twice on\n"
	 "the terminal (not echoed); when stdin is not a terminal its first line is\n"
	 "the password (`echo \"$PW\" | accord passwd iom`); $ACCORD_PASSWORD, when set,\n"
	 "comes first.  At least 10 characters, not the login.  Hashed with the\n"
	 "server's argon2id parameters.  Works while the server runs; connections\n"
	 "already open stay until they reconnect (restart the server to cut them).\n"},
	{"backup", "[--config FILE] DEST", "online backup of the database to DEST",
	 "Copies the database to DEST with SQLite's online backup API, also while the\n"
	 "server runs: a consistent snapshot holding every write acknowledged before\n"
	 "the command started.\n"},
	{"restore", "[--config FILE] SRC", "replace the database with a backup (server stopped)",
	 "Checks that SRC is a sound Accord database (integrity check, schema) and\n"
	 "copies it over the configured database.  Refused while a server runs on it.\n"},
	{"plugins", "install|upgrade|remove|list|keygen|sign|verify ...",
	 "plugins of the running server, signing keys and signatures",
	 "  accord plugins install PATH/NAME.so [--web DIR]\n"
	 "  accord plugins upgrade PATH/NAME.so [--web DIR]\n"
	 "  accord plugins remove NAME\n"
	 "  accord plugins list [--json]\n"
	 "      Change the running server's plugins without a restart, over its admin\n"
	 "      socket (admin.socket; by default accord.sock beside the database), as\n"
	 "      the server's account or root.  install copies the plugin (and its web\n"
	 "      folder) into the managed folder, checks it (its signature too), runs\n"
	 "      its migrations and starts it; upgrade replaces the running version\n"
	 "      (requests in flight finish on the old one; subscriptions stay); remove\n"
	 "      stops it (refused while another plugin uses a service it provides; its\n"
	 "      tables and data are kept).  What is installed is loaded again at the\n"
	 "      next start, after the configuration's plugins.  Without a running\n"
	 "      server they say so.\n"
	 "  accord plugins keygen --out FILE [--name SIGNER]\n"
	 "      Creates an Ed25519 key pair: the secret key file (mode 0600, never\n"
	 "      overwritten; keep it off the server) and prints the public key to list\n"
	 "      in the servers' plugins.trusted_keys.  SIGNER defaults to FILE's name.\n"
	 "  accord plugins sign --key FILE PLUGIN.so\n"
	 "      Signs PLUGIN.so (<dir>/<name>.so) and every file of its web folder\n"
	 "      <dir>/web/<name>/: writes <dir>/<name>.sig.  Sign again after any change.\n"
	 "  accord [--config FILE] plugins verify PLUGIN.so\n"
	 "      Says whether the server of the configuration would load PLUGIN.so:\n"
	 "      built with this server, or signed by which trusted key; else why not\n"
	 "      (no signature, a key not trusted, files changed since signing, a\n"
	 "      malformed signature file).  Exit status 0 if it would, 1 if not.\n"
	 "See docs/plugins.md, \"Signing your plugin\" and \"Installing your plugin live\".\n"},
	{"version", "", "print the version and the plugin ABI",
	 "Prints the version of accord and the plugin ABI it speaks.\n"},
	{"help", "[COMMAND]", "this list, or what COMMAND does",
	 "Without COMMAND: every command, the plugins' too.  With it: as\n"
	 "`accord COMMAND --help`.\n"},
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const command *core_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void usage_core(FILE *out)
{
	fprintf(out, "usage: accord <command> [--config FILE] [arguments]\n\ncommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  accord %s%s%s\n      %s\n", commands[i].name,
			*commands[i].args ? " " : "", commands[i].args, commands[i].brief);
}

static void usage_tail(FILE *out)
{
	fprintf(out, "\n`accord <command> --help` tells more about a command.  Without --config\n"
		     "the embedded default configuration (config/accord.json) is used.\n");
}

static void command_help(const command *c, FILE *out)
{
	assert(c); /* called with names from the table */
	fprintf(out, "usage: accord %s%s%s\n\n%s", c->name, *c->args ? " " : "", c->args, c->help);
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

/* The plugins alone, without a database: enough to list and explain
 * their commands (their init's db_run fails harmlessly without one). */
static int offline_plugins(offline *o, accord_config *cfg, char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	o->srv.cfg = cfg;
	o->srv.boot_ms = now_ms();
	o->srv.metrics = metrics_new();
	o->srv.bus = bus_new(&o->srv);
	o->srv.plugins = plugins_new(&o->srv);
	if (!o->srv.metrics || !o->srv.bus || !o->srv.plugins) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return plugins_load(o->srv.plugins, cfg, err, errlen) ||
			       plugins_init(o->srv.plugins, &accord_host_api_v1, err, errlen)
		       ? -1
		       : 0;
}

static int offline_open(offline *o, accord_config *cfg, int init_plugins)
{
	char err[512];
	memset(o, 0, sizeof(*o));
	o->srv.cfg = cfg;
	o->srv.boot_ms = now_ms();
	o->srv.metrics = metrics_new();
	o->srv.bus = bus_new(&o->srv);
	o->srv.plugins = plugins_new(&o->srv);
	if (!o->srv.metrics || !o->srv.bus || !o->srv.plugins) {
		fprintf(stderr, "accord: out of memory\n");
		return -1;
	}
	if (ensure_parent_dir(cfg->db_path)) {
		fprintf(stderr, "accord: cannot create the directory of %s: %s\n", cfg->db_path,
			strerror(errno));
		return -1;
	}
	o->st = storage_open_backend(cfg->db_backend, cfg->db_path, cfg->synchronous, err,
				     sizeof(err));
	if (!o->st) {
		fprintf(stderr, "accord: %s\n", err);
		return -1;
	}
	if (storage_migrate(o->st, "core", NULL, core_migrations, err, sizeof(err)) ||
	    storage_migrate(o->st, "core.requests", NULL, retry_migrations, err, sizeof(err)) ||
	    plugins_load(o->srv.plugins, cfg, err, sizeof(err)) ||
	    plugins_migrate(o->srv.plugins, o->st, err, sizeof(err)) ||
	    (init_plugins && plugins_init(o->srv.plugins, &accord_host_api_v1, err, sizeof(err)))) {
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

/* `accord --help`: the core's commands, then those of the plugins the
 * configuration enables (loaded, without touching the database). */
static int help_all(const char *cfg_file)
{
	usage_core(stdout);
	accord_config cfg;
	char err[512];
	int rc = cfg_file ? config_load_file(cfg_file, &cfg, err, sizeof(err))
			  : config_load_string(accord_default_config, &cfg, err, sizeof(err));
	if (rc) {
		printf("\nplugin commands: unknown (configuration error in %s: %s)\n",
		       cfg_file ? cfg_file : "the embedded default", err);
		usage_tail(stdout);
		return 0;
	}
	log_set_level(ACCORD_LOG_WARN); /* no "loaded plugin" lines in the help */
	offline o;
	if (offline_plugins(&o, &cfg, err, sizeof(err)))
		printf("\nplugin commands: unknown (%s)\n", err);
	else {
		printf("\nplugin commands (of the plugins enabled in %s):\n",
		       cfg_file ? cfg_file : "the embedded default configuration");
		plugins_print_cli_usage(o.srv.plugins, stdout);
	}
	offline_close(&o);
	config_free(&cfg);
	usage_tail(stdout);
	return 0;
}

/* `accord <name> --help` for a plugin's command: 0, or 2 when nobody has
 * that command. */
static int help_plugin(accord_config *cfg, const char *name)
{
	char err[512];
	offline o;
	int rc = 2;
	log_set_level(ACCORD_LOG_WARN); /* no "loaded plugin" lines in the help */
	if (offline_plugins(&o, cfg, err, sizeof(err)))
		fprintf(stderr, "accord: %s\n", err);
	else if (plugins_cli_help(o.srv.plugins, name, stdout) == 0)
		rc = 0;
	else {
		fprintf(stderr, "accord: unknown command \"%s\"\n", name);
		usage_core(stderr);
		fprintf(stderr, "\nplugin commands:\n");
		plugins_print_cli_usage(o.srv.plugins, stderr);
	}
	offline_close(&o);
	return rc;
}

/* ---------------- passwords from the shell ---------------- */

static struct termios tty_saved;
static volatile sig_atomic_t tty_echo_off;

/* Ctrl-C at a hidden prompt must not leave the terminal without echo. */
static void tty_restore_and_die(int sig)
{
	if (tty_echo_off)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &tty_saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* One line of stdin without its line end: 0; 1 at the end of input;
 * -1 when longer than the buffer holds. */
static int read_line(char *buf, size_t len)
{
	if (!fgets(buf, (int)len, stdin))
		return 1;
	size_t n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	else if (n == len - 1 && !feof(stdin))
		return -1;
	if (n && buf[n - 1] == '\r')
		buf[--n] = 0;
	return 0;
}

/* Echo goes off before the prompt shows: what is typed once it shows is
 * neither echoed nor flushed away by the switch. */
static int prompt_hidden(const char *prompt, char *buf, size_t len)
{
	int hidden = tcgetattr(STDIN_FILENO, &tty_saved) == 0;
	if (hidden) {
		struct termios t = tty_saved;
		t.c_lflag &= ~(tcflag_t)ECHO;
		signal(SIGINT, tty_restore_and_die);
		signal(SIGTERM, tty_restore_and_die);
		signal(SIGHUP, tty_restore_and_die);
		tty_echo_off = 1;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
	}
	fputs(prompt, stderr);
	fflush(stderr);
	int rc = read_line(buf, len);
	if (hidden) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &tty_saved);
		tty_echo_off = 0;
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
	}
	fputc('\n', stderr);
	return rc;
}

/* Why pw is refused for login, or NULL.  A network's first account holds
 * its members list and every secretariat action: a guessable password
 * there is the easiest way in. */
static const char *weak_password(const char *pw, const char *login)
{
	static const char *const common[] = {
		"password",    "1234567890",   "0123456789", "qwertyuiop",
		"1q2w3e4r5t",  "password123",  "iloveyou12", "administrator",
		"secretariat", "accordaccord", NULL};
	size_t n = strlen(pw);
	if (!n)
		return "the password is empty";
	if (n < MIN_PASSWORD)
		return "the password is too short: at least 10 characters";
	if (n > MAX_PASSWORD)
		return "the password is too long: at most 1024 characters";
	if (login && !strcasecmp(pw, login))
		return "the password must not be the login";
	size_t same = 1;
	while (same < n && pw[same] == pw[0])
		same++;
	if (same == n)
		return "the password is one character repeated";
	for (int i = 0; common[i]; i++)
		if (!strcasecmp(pw, common[i]))
			return "the password is one of the most common ones";
	return NULL;
}

/* The new password of login into out (MAX_PASSWORD + 2 bytes): given
 * (--password), else $ACCORD_PASSWORD, else asked twice on the terminal,
 * else the first line of stdin.  Then checked.  0, or -1 after saying
 * why. */
static int get_password(const char *given, const char *login, char *out, size_t len)
{
	const char *env = getenv("ACCORD_PASSWORD");
	if (env && !*env)
		env = NULL; /* set empty is unset, as for ACCORD_DEMO_PASSWORD */
	int rc = 0;
	if (given || env) {
		if (given == out)
			; /* already there */
		else if (strlen(given ? given : env) >= len)
			rc = -1;
		else
			snprintf(out, len, "%s", given ? given : env);
	} else if (isatty(STDIN_FILENO)) {
		char prompt[96], again[MAX_PASSWORD + 2];
		snprintf(prompt, sizeof(prompt), "New password for %s: ", login);
		rc = prompt_hidden(prompt, out, len);
		if (!rc)
			rc = prompt_hidden("The same password again: ", again, sizeof(again));
		if (!rc && strcmp(out, again)) {
			fprintf(stderr, "accord: the two passwords differ; nothing was changed\n");
			sodium_memzero(again, sizeof(again));
			return -1;
		}
		sodium_memzero(again, sizeof(again));
		if (rc == 1) {
			out[0] = 0;
			rc = 0;
		}
	} else {
		rc = read_line(out, len);
		if (rc == 1) {
			out[0] = 0;
			rc = 0;
		}
	}
	if (rc) {
		fprintf(stderr,
			"accord: the password is too long: at most %d characters; nothing "
			"was changed\n",
			MAX_PASSWORD);
		return -1;
	}
	const char *why = weak_password(out, login);
	if (why) {
		fprintf(stderr, "accord: password refused: %s; nothing was changed\n", why);
		sodium_memzero(out, len);
		return -1;
	}
	return 0;
}

/* Hides a password given as an argument from `ps` as soon as it is read. */
static void wipe_arg(char *arg) { sodium_memzero(arg, strlen(arg)); }

/* ---------------- database checks ---------------- */

/* How to create a database, for serve and passwd on an empty one. */
static void how_to_create(FILE *out, const char *cfg_file, int db_exists)
{
	char cfg[PATH_MAX + 16] = "";
	if (cfg_file)
		snprintf(cfg, sizeof(cfg), " --config %s", cfg_file);
	fprintf(out,
		"To create %s first account, a person of the secretariat (the password is\n"
		"asked for):\n"
		"    accord init%s --admin LOGIN\n"
		"or with the demo network of the Terms of Reference instead:\n"
		"    accord init%s --demo\n"
		"(`accord init --help` tells more.)\n",
		db_exists ? "its" : "the database with its", cfg, cfg);
}

/* 0 when the configured database exists and has accounts; otherwise says
 * what is missing and how to create it, having created nothing. */
static int database_ready(const accord_config *cfg, const char *cfg_file)
{
	char err[512];
	long n = 0;
	int rc = storage_peek_count(cfg->db_backend, cfg->db_path, "SELECT count(*) FROM accounts",
				    NULL, &n, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "accord: %s\n", err);
		return -1;
	}
	if (rc == 1)
		fprintf(stderr, "accord: there is no database at %s yet.\n", cfg->db_path);
	else if (n < 0)
		fprintf(stderr, "accord: the database %s is empty (no Accord schema).\n",
			cfg->db_path);
	else if (n == 0)
		fprintf(stderr, "accord: the database %s has no account yet: nobody could log in.\n",
			cfg->db_path);
	else
		return 0;
	how_to_create(stderr, cfg_file, rc != 1);
	return -1;
}

/* ---------------- seeding: the demo network, the first account ---------------- */

/* Creates the accounts of a network ({organisations: [{code, name, kind,
 * standing, people: [{login, name, function, roles}]}]}), all with one
 * password hash, then lets each plugin seed its part (membership: the
 * organisations and people).  With first_only, refused when the database
 * already has an account (checked in the transaction that writes). */
static int seed_network(offline *o, const json_t *net, const char *hash, int first_only,
			json_t *logins)
{
	accord_txn *txn = storage_begin_sync(o->st);
	int bad = !txn;
	if (txn && first_only) {
		json_t *rows = NULL;
		if (txn_exec(txn, "SELECT count(*) AS n FROM accounts", NULL, &rows) != ACCORD_OK)
			bad = 1;
		else if (json_integer_value(json_object_get(json_array_get(rows, 0), "n")) > 0) {
			fprintf(stderr,
				"accord: the database %s already has accounts: add people from "
				"the web client (Members), or set a password with `accord passwd "
				"LOGIN`; nothing was changed\n",
				o->srv.cfg->db_path);
			bad = 1;
		}
		json_decref(rows);
	}
	size_t i, k;
	json_t *org, *person;
	json_array_foreach(json_object_get(net, "organisations"), i, org) {
		const char *code = json_string_value(json_object_get(org, "code"));
		const char *standing = json_string_value(json_object_get(org, "standing"));
		json_array_foreach(json_object_get(org, "people"), k, person) {
			const char *login = json_string_value(json_object_get(person, "login"));
			const char *name = json_string_value(json_object_get(person, "name"));
			char roles[128] = "";
			size_t r;
			json_t *role;
			json_array_foreach(json_object_get(person, "roles"), r, role) {
				if (!json_is_string(role))
					continue;
				if (*roles)
					strncat(roles, ",", sizeof(roles) - strlen(roles) - 1);
				strncat(roles, json_string_value(role),
					sizeof(roles) - strlen(roles) - 1);
			}
			if (!code || !standing || !login || !name) {
				fprintf(stderr,
					"accord: network: organisation %zu person %zu lacks "
					"code, standing, login or name\n",
					i, k);
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
	if (!bad && plugins_seed(o->srv.plugins, o->st, net, err, sizeof(err))) {
		fprintf(stderr, "accord: %s\n", err);
		bad = 1;
	}
	return bad ? -1 : 0;
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
	char hash[AUTH_HASH_BYTES];
	if (auth_hash_password(pw, hash)) {
		fprintf(stderr, "accord: out of memory hashing the demo password\n");
		json_decref(demo);
		return -1;
	}
	json_t *logins = json_array();
	int bad = seed_network(o, demo, hash, 0, logins);
	if (!bad) {
		printf("demo network seeded: %zu logins:", json_array_size(logins));
		size_t i;
		json_t *l;
		json_array_foreach(logins, i, l)
			printf(" %s", json_string_value(l));
		printf("\nevery demo login has the same password.\n");
		/* Last, alone on its line: the one thing a person needs from this
		 * output, and the easiest to copy. */
		if (pw == generated)
			printf("demo password (generated; set ACCORD_DEMO_PASSWORD to choose it):\n\n"
			       "%s\n",
			       pw);
		else
			printf("demo password: the value of ACCORD_DEMO_PASSWORD\n");
	}
	json_decref(logins);
	json_decref(demo);
	sodium_memzero(hash, sizeof(hash));
	sodium_memzero(generated, sizeof(generated));
	return bad;
}

/* Organisation codes and logins as the membership plugin accepts them, so
 * that the first account can be edited from the web client. */
static int valid_login(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > 32 || s[0] < 'a' || s[0] > 'z')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '.' || s[i] == '-'))
			return 0;
	return 1;
}

static int valid_org(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > 16)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

typedef struct admin_args {
	const char *login, *name, *org, *org_name;
	char *password; /* argv's copy, wiped once read */
	int co_chair;
} admin_args;

/* The first account, as a one-organisation network seeded like the demo:
 * the account in the core, the organisation and person in the plugins. */
static int seed_admin(offline *o, const admin_args *a, const char *hash)
{
	char name[160];
	snprintf(name, sizeof(name), "%s secretariat", a->org);
	const char *org_name = a->org_name              ? a->org_name
			       : !strcmp(a->org, "IOM") ? "International Organization for Migration"
							: a->org;
	json_t *roles = json_pack("[s]", "secretariat");
	if (a->co_chair)
		json_array_append_new(roles, json_string("co_chair"));
	json_t *net = json_pack("{s:{s:s,s:s},s:[{s:s,s:s,s:s,s:s,s:[{s:s,s:s,s:s,s:o}]}]}", "seed",
				"by", "accord init --admin", "what", "first account", "organisations",
				"code", a->org, "name", org_name, "kind", "un_agency", "standing",
				"member", "people", "login", a->login, "name",
				a->name ? a->name : name, "function", "focal_point", "roles", roles);
	json_t *logins = json_array();
	int rc = net ? seed_network(o, net, hash, 1, logins) : -1;
	json_decref(logins);
	json_decref(net);
	if (!rc)
		printf("first account created: %s (%s, %s; roles: secretariat%s). Log in with it in "
		       "the web client to add organisations and people.\n",
		       a->login, a->name ? a->name : name, a->org, a->co_chair ? ", co_chair" : "");
	return rc;
}

static int cmd_init(accord_config *cfg, const char *cfg_file, int argc, char **argv)
{
	int demo = 0;
	admin_args a = {.org = "IOM"};
	int has_admin_opts = 0;
	for (int i = 2; i < argc; i++) {
		const char *opt = argv[i];
		int takes = !strcmp(opt, "--admin") || !strcmp(opt, "--name") ||
			    !strcmp(opt, "--org") || !strcmp(opt, "--org-name") ||
			    !strcmp(opt, "--password");
		if (takes && i + 1 >= argc) {
			fprintf(stderr, "accord init: %s needs a value\n", opt);
			return 2;
		}
		if (!strcmp(opt, "--demo"))
			demo = 1;
		else if (!strcmp(opt, "--admin"))
			a.login = argv[++i];
		else if (!strcmp(opt, "--name"))
			a.name = argv[++i], has_admin_opts = 1;
		else if (!strcmp(opt, "--org"))
			a.org = argv[++i], has_admin_opts = 1;
		else if (!strcmp(opt, "--org-name"))
			a.org_name = argv[++i], has_admin_opts = 1;
		else if (!strcmp(opt, "--password"))
			a.password = argv[++i], has_admin_opts = 1;
		else if (!strcmp(opt, "--co-chair"))
			a.co_chair = 1, has_admin_opts = 1;
		else {
			fprintf(stderr, "accord init: unknown argument %s\n", opt);
			command_help(core_command("init"), stderr);
			return 2;
		}
	}
	char pw[MAX_PASSWORD + 2];
	if (a.password) {
		snprintf(pw, sizeof(pw), "%s", a.password);
		wipe_arg(a.password);
	}
	if (demo && a.login) {
		fprintf(stderr, "accord init: --demo or --admin, not both\n");
		return 2;
	}
	if (has_admin_opts && !a.login) {
		fprintf(stderr, "accord init: --name, --org, --org-name, --co-chair and --password "
				"go with --admin LOGIN\n");
		return 2;
	}
	/* Everything is checked, and the password got, before the database is
	 * touched: a refused init leaves no half-made database behind. */
	char hash[AUTH_HASH_BYTES];
	if (a.login) {
		if (!valid_login(a.login)) {
			fprintf(stderr,
				"accord init: --admin %s: a login is 2 to 32 of a-z 0-9 _ . - "
				"starting with a letter\n",
				a.login);
			return 2;
		}
		if (!valid_org(a.org)) {
			fprintf(stderr,
				"accord init: --org %s: an organisation code is 2 to 16 of "
				"A-Z 0-9 _\n",
				a.org);
			return 2;
		}
		if ((a.name && (!*a.name || strlen(a.name) > 120)) ||
		    (a.org_name && (!*a.org_name || strlen(a.org_name) > 200))) {
			fprintf(stderr, "accord init: --name and --org-name: not empty, at most "
					"120 and 200 characters\n");
			return 2;
		}
		char err[512];
		long n = 0;
		if (storage_peek_count(cfg->db_backend, cfg->db_path, "SELECT count(*) FROM accounts",
				       NULL, &n, err, sizeof(err)) == 0 &&
		    n > 0) {
			fprintf(stderr,
				"accord: the database %s already has accounts: add people "
				"from the web client (Members), or set a password with "
				"`accord passwd LOGIN`; nothing was changed\n",
				cfg->db_path);
			return 1;
		}
		if (get_password(a.password ? pw : NULL, a.login, pw, sizeof(pw)))
			return 1;
		int hr = auth_hash_password(pw, hash);
		sodium_memzero(pw, sizeof(pw));
		if (hr) {
			fprintf(stderr, "accord: out of memory hashing the password\n");
			return 1;
		}
	}
	offline o;
	int rc = 0;
	if (offline_open(&o, cfg, 1)) {
		rc = 1;
	} else {
		printf("database %s is ready\n", cfg->db_path);
		if (demo)
			rc = seed_demo(&o, cfg) ? 1 : 0;
		else if (a.login)
			rc = seed_admin(&o, &a, hash) ? 1 : 0;
		else {
			char err[512];
			long n = 0;
			if (storage_peek_count(cfg->db_backend, cfg->db_path,
					       "SELECT count(*) FROM accounts", NULL, &n, err,
					       sizeof(err)) == 0 &&
			    n == 0) {
				printf("It has no account yet.\n");
				how_to_create(stdout, cfg_file, 1);
			}
		}
	}
	offline_close(&o);
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

static int cmd_passwd(accord_config *cfg, const char *cfg_file, int argc, char **argv)
{
	if (argc != 3) {
		command_help(core_command("passwd"), stderr);
		return 2;
	}
	const char *login = argv[2];
	if (database_ready(cfg, cfg_file))
		return 1;
	char err[512];
	long n = 0;
	if (storage_peek_count(cfg->db_backend, cfg->db_path,
			       "SELECT count(*) FROM accounts WHERE login=?", login, &n, err,
			       sizeof(err)) ||
	    n != 1) {
		fprintf(stderr, "accord: there is no account \"%s\" in %s\n", login, cfg->db_path);
		return 1;
	}
	char pw[MAX_PASSWORD + 2];
	if (get_password(NULL, login, pw, sizeof(pw)))
		return 1;
	char hash[AUTH_HASH_BYTES];
	int hr = auth_hash_password(pw, hash);
	sodium_memzero(pw, sizeof(pw));
	if (hr) {
		fprintf(stderr, "accord: out of memory hashing the password\n");
		return 1;
	}
	storage *st = storage_open_backend(cfg->db_backend, cfg->db_path, cfg->synchronous, err,
					   sizeof(err));
	if (!st) {
		fprintf(stderr, "accord: %s\n", err);
		return 1;
	}
	accord_txn *txn = storage_begin_sync(st);
	int revoked = txn ? accounts_set_password(txn, login, hash) : -1;
	int rc = !txn || storage_end_sync(st, txn, revoked >= 0) || revoked < 0;
	storage_close(st);
	sodium_memzero(hash, sizeof(hash));
	if (rc) {
		fprintf(stderr, "accord: the password of %s was not changed (database error)\n",
			login);
		return 1;
	}
	printf("password of %s changed; %d session%s revoked\n", login, revoked,
	       revoked == 1 ? "" : "s");
	return 0;
}

static int wants_help(int argc, char **argv)
{
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage_core(stderr);
		usage_tail(stderr);
		return 2;
	}
	const char *cfg_file = take_config(&argc, argv);
	const char *cmd = argv[1];
	int64_t clock_offset = clock_init();
	if (clock_offset)
		log_warn("ACCORD_CLOCK_OFFSET_MS is set: the server's clock is moved by %lld ms"
			 " (for tests only)",
			 (long long)clock_offset);
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		if (argc < 3)
			return help_all(cfg_file);
		/* `accord help serve` is `accord serve --help`; `accord help
		 * --help` explains help itself. */
		if (strcmp(argv[2], "--help") && strcmp(argv[2], "-h"))
			cmd = argv[2];
		else
			cmd = "help";
		argv[2] = "--help";
	}
	const command *core = core_command(cmd);
	if (core && wants_help(argc, argv)) {
		command_help(core, stdout);
		return 0;
	}
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("accord %s (plugin ABI %d)\n", ACCORD_VERSION, ACCORD_ABI_MAJOR);
		return 0;
	}
	accord_config cfg;
	if (load_config(cfg_file, &cfg))
		return 2;
	if (sodium_init() < 0) {
		fprintf(stderr, "accord: libsodium failed to initialise\n");
		return 1;
	}
	int rc = 0;
	if (!core && wants_help(argc, argv)) {
		rc = help_plugin(&cfg, cmd);
		goto done;
	}

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
				command_help(core, stderr);
				rc = 2;
				goto done;
			}
		}
		/* Before anything is created (directory, lock file, schema): a
		 * server on an empty database could never be logged into. */
		if (database_ready(&cfg, cfg_file)) {
			rc = 1;
			goto done;
		}
		if (ensure_parent_dir(cfg.db_path)) {
			fprintf(stderr, "accord: cannot create the directory of %s: %s\n",
				cfg.db_path, strerror(errno));
			rc = 1;
			goto done;
		}
		int lock = db_lock(cfg.db_path);
		if (lock < 0) {
			fprintf(stderr, "accord: %s is in use by another running server\n",
				cfg.db_path);
			rc = 1;
			goto done;
		}
		rc = server_run(&cfg, port);
		close(lock);
		goto done;
	}

	if (!strcmp(cmd, "init")) {
		rc = cmd_init(&cfg, cfg_file, argc, argv);
		goto done;
	}

	if (!strcmp(cmd, "plugins")) {
		/* keygen, sign, verify: offline (plugin_sign.c); install, upgrade,
		 * remove, list: the running server's admin socket (admin_client.c) */
		rc = plugin_sign_cli(&cfg, argc - 2, argv + 2);
		if (rc == -2 && argc > 2)
			rc = admin_client(&cfg, argc - 2, argv + 2);
		if (rc == -2) {
			command_help(core, stderr);
			rc = 2;
		}
		goto done;
	}

	if (!strcmp(cmd, "passwd")) {
		rc = cmd_passwd(&cfg, cfg_file, argc, argv);
		goto done;
	}

	if (!strcmp(cmd, "restore")) {
		if (argc != 3) {
			command_help(core, stderr);
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
		if (storage_check_backup(cfg.db_backend, argv[2], err, sizeof(err)) ||
		    storage_backup(cfg.db_backend, argv[2], cfg.db_path, err, sizeof(err))) {
			fprintf(stderr, "accord: %s\n", err);
			rc = 1;
		} else
			printf("restored %s from %s\n", cfg.db_path, argv[2]);
		close(lock);
		goto done;
	}

	if (!strcmp(cmd, "backup")) {
		if (argc != 3) {
			command_help(core, stderr);
			rc = 2;
			goto done;
		}
		char err[512];
		if (storage_backup(cfg.db_backend, cfg.db_path, argv[2], err, sizeof(err))) {
			fprintf(stderr, "accord: %s\n", err);
			rc = 1;
		} else
			printf("backed up %s to %s\n", cfg.db_path, argv[2]);
		goto done;
	}

	{
		/* A plugin's command, or nobody's: loading the plugins without a
		 * database first, so that a typo creates no database. */
		char err[512];
		offline o;
		int known = 0;
		log_set_level(ACCORD_LOG_WARN); /* loaded twice: say it once */
		int lr = offline_plugins(&o, &cfg, err, sizeof(err));
		log_set_level((accord_log_level)cfg.log_level);
		if (lr)
			fprintf(stderr, "accord: %s\n", err);
		else
			known = plugins_has_cli(o.srv.plugins, cmd);
		if (!known) {
			fprintf(stderr, "accord: unknown command \"%s\"\n", cmd);
			usage_core(stderr);
			fprintf(stderr, "\nplugin commands:\n");
			plugins_print_cli_usage(o.srv.plugins, stderr);
			usage_tail(stderr);
			offline_close(&o);
			rc = 2;
			goto done;
		}
		offline_close(&o);
		if (offline_open(&o, &cfg, 1)) {
			offline_close(&o);
			rc = 1;
			goto done;
		}
		rc = plugins_run_cli(o.srv.plugins, o.st, cmd, argc - 1, argv + 1);
		offline_close(&o);
	}
done:
	config_free(&cfg);
	return rc;
}
