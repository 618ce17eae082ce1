/*
 * Plugin loading and the host API table.
 *
 * Loading follows Janus: dlopen each enabled plugin from the plugins
 * directory, look up the one entry symbol, and check the descriptor (ABI
 * major version, struct size, name, mandatory callbacks) before anything of
 * the plugin runs.  Any failure stops start-up with a message naming the
 * plugin and the reason.
 *
 * Request handlers live in one hash table keyed by the full type
 * ("<plugin>.<verb>"); core handlers (auth.*, sub.*, sys.*) are in the same
 * table with plugin == NULL, so dispatch is one lookup.
 */
#include "server.h"
#include "envelope.h"
#include "log.h"
#include "token.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PLUGINS 64
#define HANDLER_BUCKETS 512

struct accord_plugin_ctx {
	plugin_host *h;
	server *srv;
	void *dl;
	const accord_plugin *desc;
	char name[33];
	const json_t *config;
	void *userdata;
	int initialised;
	char ns[4][33]; /* namespaces claimed besides the plugin's name */
	int n_ns;
	int group_scoped;
};

typedef struct hentry {
	struct hentry *next;
	char type[ENVELOPE_MAX_TYPE + 1];
	handler h;
} hentry;

typedef struct listener {
	struct accord_plugin_ctx *p;
	accord_core_event ev;
	accord_event_fn fn;
	void *ud;
} listener;

typedef struct cli_entry {
	struct accord_plugin_ctx *p;
	char name[33];
	char usage[160];
	accord_cli_fn fn;
} cli_entry;

typedef struct route {
	struct accord_plugin_ctx *p;
	char path[160]; /* "/api/<plugin>/<subpath>" */
	accord_http_fn fn;
	void *ud;
	int partners; /* partners may call it */
} route;

typedef struct ptimer {
	lws_sorted_usec_list_t sul; /* first: container_of by cast */
	struct ptimer *prev, *next;
	uint64_t id;
	struct accord_plugin_ctx *p;
	accord_timer_fn fn;
	void *ud;
} ptimer;

struct plugin_host {
	server *srv;
	struct accord_plugin_ctx *plugins[MAX_PLUGINS];
	int n;
	hentry *handlers[HANDLER_BUCKETS];
	listener *listeners;
	int n_listeners, cap_listeners;
	cli_entry *clis;
	int n_clis, cap_clis;
	route *routes;
	int n_routes, cap_routes;
	ptimer *timers;
	uint64_t next_timer_id;
	int timers_closed;
	struct accord_plugin_ctx *group_provider;
	accord_status (*group_access)(accord_plugin_ctx *p, const accord_principal *who,
				      int64_t group, const char *plugin, void *ud);
	void *group_ud;
	int (*group_writable)(accord_plugin_ctx *p, int64_t group, void *ud);
	void *group_writable_ud;
	json_t *(*group_orgs)(accord_plugin_ctx *p, int64_t group, void *ud);
	void *group_orgs_ud;
	struct accord_plugin_ctx *release_provider;
};

static unsigned hash_str(const char *s)
{
	unsigned h = 2166136261u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static int grow(void **arr, int *cap, int n, size_t elem)
{
	if (n < *cap)
		return 0;
	int ncap = *cap ? *cap * 2 : 8;
	void *a = realloc(*arr, (size_t)ncap * elem);
	if (!a)
		return -1;
	*arr = a;
	*cap = ncap;
	return 0;
}

const char *plugin_name(const struct accord_plugin_ctx *p) { return p ? p->name : "core"; }
server *plugin_server(const struct accord_plugin_ctx *p) { return p->srv; }
int plugin_group_scoped(const struct accord_plugin_ctx *p) { return p && p->group_scoped; }

accord_status plugins_group_access(plugin_host *h, const struct accord_principal *who,
				   int64_t group, const char *plugin)
{
	if (!h->group_access || !who || group <= 0)
		return ACCORD_E_NOT_FOUND;
	return h->group_access(h->group_provider, who, group, plugin, h->group_ud) == ACCORD_OK
		       ? ACCORD_OK
		       : ACCORD_E_NOT_FOUND;
}

static int api_group_provider(accord_plugin_ctx *p,
			      accord_status (*access)(accord_plugin_ctx *, const accord_principal *,
						      int64_t, const char *, void *),
			      void *ud)
{
	if (!access || p->h->group_access) {
		plugin_log(p, ACCORD_LOG_ERR, "group_provider: invalid, or another plugin provides groups");
		return -1;
	}
	p->h->group_provider = p;
	p->h->group_access = access;
	p->h->group_ud = ud;
	return 0;
}

static int api_group_scoped(accord_plugin_ctx *p)
{
	p->group_scoped = 1;
	return 0;
}

static int64_t api_req_group(const accord_req *r) { return r->group; }

static int api_group_provider_writable(accord_plugin_ctx *p,
				       int (*writable)(accord_plugin_ctx *, int64_t, void *), void *ud)
{
	if (!writable || p->h->group_provider != p)
		return -1;
	p->h->group_writable = writable;
	p->h->group_writable_ud = ud;
	return 0;
}

static int api_group_writable(accord_plugin_ctx *p, int64_t group)
{
	plugin_host *h = p->h;
	return h->group_writable ? h->group_writable(h->group_provider, group, h->group_writable_ud) : 1;
}

static int api_group_provider_orgs(accord_plugin_ctx *p,
				   json_t *(*orgs)(accord_plugin_ctx *, int64_t, void *), void *ud)
{
	if (!orgs || p->h->group_provider != p)
		return -1;
	p->h->group_orgs = orgs;
	p->h->group_orgs_ud = ud;
	return 0;
}

static json_t *api_group_orgs(accord_plugin_ctx *p, int64_t group)
{
	plugin_host *h = p->h;
	return h->group_orgs ? h->group_orgs(h->group_provider, group, h->group_orgs_ud) : NULL;
}

static accord_status api_group_access(accord_plugin_ctx *p, const accord_principal *who,
				      int64_t group, const char *plugin)
{
	return plugins_group_access(p->h, who, group, plugin);
}

static int api_plugin_group_scoped(accord_plugin_ctx *p, const char *name)
{
	for (int i = 0; name && i < p->h->n; i++)
		if (!strcmp(p->h->plugins[i]->name, name))
			return p->h->plugins[i]->group_scoped;
	return 0;
}

void plugin_log(const struct accord_plugin_ctx *p, accord_log_level lvl, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_msgv(lvl, plugin_name(p), fmt, ap);
	va_end(ap);
}

plugin_host *plugins_new(server *srv)
{
	plugin_host *h = calloc(1, sizeof(*h));
	if (h)
		h->srv = srv;
	return h;
}

static int add_handler(plugin_host *h, const char *type, const handler *hd)
{
	unsigned b = hash_str(type) % HANDLER_BUCKETS;
	for (hentry *e = h->handlers[b]; e; e = e->next)
		if (!strcmp(e->type, type))
			return -1;
	hentry *e = calloc(1, sizeof(*e));
	if (!e)
		return -1;
	snprintf(e->type, sizeof(e->type), "%s", type);
	e->h = *hd;
	e->next = h->handlers[b];
	h->handlers[b] = e;
	return 0;
}

const handler *plugins_find_handler(plugin_host *h, const char *type)
{
	unsigned b = hash_str(type) % HANDLER_BUCKETS;
	for (hentry *e = h->handlers[b]; e; e = e->next)
		if (!strcmp(e->type, type))
			return &e->h;
	return NULL;
}

int plugins_add_core_handler(plugin_host *h, const char *type,
			     void (*fn)(server *, conn *, struct accord_req *, const json_t *),
			     unsigned flags)
{
	handler hd = {.core_fn = fn, .flags = flags};
	return add_handler(h, type, &hd);
}

int plugins_load(plugin_host *h, const accord_config *cfg, char *err, size_t errlen)
{
	if (!cfg->plugins_enabled)
		return 0;
	const char *name;
	const json_t *pcfg;
	json_object_foreach((json_t *)cfg->plugins_enabled, name, pcfg)
	{
		if (h->n == MAX_PLUGINS) {
			snprintf(err, errlen, "plugin %s: at most %d plugins", name, MAX_PLUGINS);
			return -1;
		}
		if (!strcmp(name, "auth") || !strcmp(name, "sub") || !strcmp(name, "sys") ||
		    !strcmp(name, "core")) {
			snprintf(err, errlen, "plugin %s: the name is reserved for the core", name);
			return -1;
		}
		char path[PATH_MAX + 64];
		snprintf(path, sizeof(path), "%s/%s.so", cfg->plugin_dir, name);
		void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		if (!dl) {
			snprintf(err, errlen, "plugin %s: cannot load %s: %s", name, path, dlerror());
			return -1;
		}
		accord_plugin_entry_fn entry;
		*(void **)&entry = dlsym(dl, ACCORD_ENTRY_SYMBOL);
		if (!entry) {
			snprintf(err, errlen, "plugin %s: %s does not export %s()", name, path,
				 ACCORD_ENTRY_SYMBOL);
			dlclose(dl);
			return -1;
		}
		const accord_plugin *d = entry();
		const char *why = NULL;
		char whybuf[160];
		if (!d)
			why = "its entry returned no descriptor";
		else if (d->abi_major != ACCORD_ABI_MAJOR) {
			snprintf(whybuf, sizeof(whybuf),
				 "built for plugin ABI %u, this server speaks ABI %d; rebuild it",
				 d->abi_major, ACCORD_ABI_MAJOR);
			why = whybuf;
		} else if (d->struct_size < offsetof(accord_plugin, future))
			why = "its descriptor is smaller than ABI 1 requires (struct_size)";
		else if (!d->name || strcmp(d->name, name))
			why = "its descriptor names another plugin than its file";
		else if (!d->version || !d->init)
			why = "its descriptor lacks a version or an init callback";
		if (why) {
			snprintf(err, errlen, "plugin %s: %s", name, why);
			dlclose(dl);
			return -1;
		}
		struct accord_plugin_ctx *p = calloc(1, sizeof(*p));
		if (!p) {
			dlclose(dl);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		p->h = h;
		p->srv = h->srv;
		p->dl = dl;
		p->desc = d;
		p->config = pcfg;
		snprintf(p->name, sizeof(p->name), "%s", name);
		h->plugins[h->n++] = p;
		log_info("loaded plugin %s %s", name, d->version);
	}
	return 0;
}

int plugins_init(plugin_host *h, char *err, size_t errlen)
{
	for (int i = 0; i < h->n; i++) {
		struct accord_plugin_ctx *p = h->plugins[i];
		accord_status st = p->desc->init(p, &accord_host_api_v1, p->config);
		if (st != ACCORD_OK) {
			snprintf(err, errlen, "plugin %s: init failed (%s)", p->name,
				 status_code_name(st));
			return -1;
		}
		p->initialised = 1;
	}
	return 0;
}

int plugins_migrate(plugin_host *h, storage *st, char *err, size_t errlen)
{
	for (int i = 0; i < h->n; i++)
		if (storage_migrate(st, h->plugins[i]->name, h->plugins[i]->desc->migrations, err,
				    errlen))
			return -1;
	return 0;
}

int plugins_seed(plugin_host *h, storage *st, const json_t *demo, char *err, size_t errlen)
{
	for (int i = 0; i < h->n; i++) {
		struct accord_plugin_ctx *p = h->plugins[i];
		if (!p->desc->seed)
			continue;
		accord_txn *txn = storage_begin_sync(st);
		if (!txn) {
			snprintf(err, errlen, "plugin %s: cannot begin a transaction", p->name);
			return -1;
		}
		accord_status s = p->desc->seed(p, txn, demo);
		if (s != ACCORD_OK || storage_end_sync(st, txn, 1)) {
			if (s != ACCORD_OK)
				storage_end_sync(st, txn, 0);
			snprintf(err, errlen, "plugin %s: seeding the demo network failed (%s)",
				 p->name, status_code_name(s));
			return -1;
		}
	}
	return 0;
}

void plugins_cancel_timers(plugin_host *h)
{
	if (!h)
		return;
	h->timers_closed = 1;
	while (h->timers) {
		ptimer *t = h->timers;
		h->timers = t->next;
		lws_sul_cancel(&t->sul);
		free(t);
	}
}

void plugins_unload(plugin_host *h)
{
	if (!h)
		return;
	plugins_cancel_timers(h);
	for (int i = h->n - 1; i >= 0; i--) {
		struct accord_plugin_ctx *p = h->plugins[i];
		if (p->initialised && p->desc->fini)
			p->desc->fini(p);
	}
	release_reset();
	for (int i = 0; i < HANDLER_BUCKETS; i++) {
		hentry *e = h->handlers[i];
		while (e) {
			hentry *n = e->next;
			free(e);
			e = n;
		}
	}
	/* dlclose last: descriptors and callbacks point into the objects.
	 * ACCORD_KEEP_PLUGINS_LOADED keeps them mapped so that leak reports of
	 * sanitizers and valgrind can name plugin functions. */
	int keep = getenv("ACCORD_KEEP_PLUGINS_LOADED") != NULL;
	for (int i = h->n - 1; i >= 0; i--) {
		if (!keep)
			dlclose(h->plugins[i]->dl);
		free(h->plugins[i]);
	}
	free(h->listeners);
	free(h->clis);
	free(h->routes);
	free(h);
}

json_t *plugins_info(plugin_host *h)
{
	json_t *a = json_array();
	for (int i = 0; i < h->n; i++) {
		const accord_plugin *d = h->plugins[i]->desc;
		/* "group": a plugin that groups enable one by one (the web
		 * client offers these in a group's settings). */
		json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:b}", "name", d->name, "version",
						   d->version, "description",
						   d->description ? d->description : "", "group",
						   h->plugins[i]->group_scoped));
	}
	return a;
}

void plugins_dispatch_event(plugin_host *h, accord_core_event ev, const char *name,
			    const json_t *data, const struct accord_principal *who)
{
	for (int i = 0; i < h->n_listeners; i++) {
		listener *l = &h->listeners[i];
		if (l->ev == ev)
			l->fn(l->p, ev, name, data, who, l->ud);
	}
}

int plugins_run_cli(plugin_host *h, storage *st, const char *name, int argc, char **argv)
{
	for (int i = 0; i < h->n_clis; i++) {
		if (strcmp(h->clis[i].name, name))
			continue;
		accord_txn *txn = storage_begin_sync(st);
		if (!txn)
			return 1;
		int rc = h->clis[i].fn(h->clis[i].p, txn, argc, argv);
		if (storage_end_sync(st, txn, rc == 0))
			return 1;
		return rc;
	}
	return -2;
}

int plugins_has_cli(plugin_host *h, const char *name)
{
	for (int i = 0; i < h->n_clis; i++)
		if (!strcmp(h->clis[i].name, name))
			return 1;
	return 0;
}

/* Each line says which plugin adds the command: it is there only while
 * the configuration enables that plugin. */
void plugins_print_cli_usage(plugin_host *h, FILE *out)
{
	for (int i = 0; i < h->n_clis; i++) {
		const cli_entry *c = &h->clis[i];
		fprintf(out, "  accord %s [--config FILE]%s%s\n      (from the %s plugin)\n", c->name,
			c->usage[0] ? " " : "", c->usage, c->p->name);
	}
}

int plugins_cli_help(plugin_host *h, const char *name, FILE *out)
{
	for (int i = 0; i < h->n_clis; i++) {
		const cli_entry *c = &h->clis[i];
		if (strcmp(c->name, name))
			continue;
		const char *what = c->p->desc->description;
		fprintf(out, "usage: accord %s [--config FILE]%s%s\n\n", c->name, c->usage[0] ? " " : "",
			c->usage);
		fprintf(out, "A command of the %s plugin%s%s.\n", c->p->name, what && *what ? ": " : "",
			what ? what : "");
		return 0;
	}
	return -2;
}

int plugins_http_find(plugin_host *h, const char *path, struct accord_plugin_ctx **p,
		      accord_http_fn *fn, void **ud, int *partners)
{
	for (int i = 0; i < h->n_routes; i++) {
		route *r = &h->routes[i];
		size_t n = strlen(r->path);
		int match = r->path[n - 1] == '/' ? !strncmp(path, r->path, n) : !strcmp(path, r->path);
		if (match) {
			*p = r->p;
			*fn = r->fn;
			*ud = r->ud;
			if (partners)
				*partners = r->partners;
			return 0;
		}
	}
	return -1;
}

/* ======================= the host API table ======================= */

static void api_log(accord_plugin_ctx *p, accord_log_level lvl, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_msgv(lvl, plugin_name(p), fmt, ap);
	va_end(ap);
}

static void api_set_userdata(accord_plugin_ctx *p, void *ud) { p->userdata = ud; }
static void *api_userdata(accord_plugin_ctx *p) { return p->userdata; }

static int owns_namespace(const accord_plugin_ctx *p, const char *ns, size_t n)
{
	if (strlen(p->name) == n && !strncmp(p->name, ns, n))
		return 1;
	for (int i = 0; i < p->n_ns; i++)
		if (strlen(p->ns[i]) == n && !strncmp(p->ns[i], ns, n))
			return 1;
	return 0;
}

static int api_namespace_claim(accord_plugin_ctx *p, const char *ns)
{
	size_t n = ns ? strlen(ns) : 0;
	int ok = n > 0 && n <= 32 && p->n_ns < 4 && strcmp(ns, "auth") && strcmp(ns, "sub") &&
		 strcmp(ns, "sys") && strcmp(ns, "core");
	for (size_t i = 0; ok && i < n; i++)
		ok = (ns[i] >= 'a' && ns[i] <= 'z') || (ns[i] >= '0' && ns[i] <= '9') || ns[i] == '_';
	for (int i = 0; ok && i < p->h->n; i++)
		if (p->h->plugins[i] != p && owns_namespace(p->h->plugins[i], ns, n))
			ok = 0;
	if (!ok) {
		plugin_log(p, ACCORD_LOG_ERR, "namespace_claim(%s): invalid, reserved or taken",
			   ns ? ns : "");
		return -1;
	}
	snprintf(p->ns[p->n_ns++], sizeof(p->ns[0]), "%s", ns);
	return 0;
}

static int api_handle(accord_plugin_ctx *p, const char *verb, accord_request_fn fn,
		      unsigned flags, void *ud)
{
	char type[ENVELOPE_MAX_TYPE + 2];
	const char *dot = verb ? strchr(verb, '.') : NULL;
	if (dot && !owns_namespace(p, verb, (size_t)(dot - verb))) {
		plugin_log(p, ACCORD_LOG_ERR, "handle(%s): namespace not claimed", verb);
		return -1;
	}
	int n = dot ? snprintf(type, sizeof(type), "%s", verb)
		    : snprintf(type, sizeof(type), "%s.%s", p->name, verb);
	if (!fn || n <= 0 || n > ENVELOPE_MAX_TYPE) {
		plugin_log(p, ACCORD_LOG_ERR, "handle(%s): invalid type", verb);
		return -1;
	}
	handler hd = {.plugin = p, .fn = fn, .flags = flags, .ud = ud};
	if (add_handler(p->h, type, &hd)) {
		plugin_log(p, ACCORD_LOG_ERR, "handle(%s): already registered", type);
		return -1;
	}
	return 0;
}

static int api_auth_extension(accord_plugin_ctx *p, const char *verb, accord_request_fn fn,
			      void *ud)
{
	char type[ENVELOPE_MAX_TYPE + 2];
	int n = snprintf(type, sizeof(type), "auth.%s", verb ? verb : "");
	handler hd = {.plugin = p, .fn = fn, .flags = ACCORD_REQ_ANONYMOUS, .ud = ud};
	if (!fn || !verb || strchr(verb, '.') || n > ENVELOPE_MAX_TYPE ||
	    add_handler(p->h, type, &hd)) {
		plugin_log(p, ACCORD_LOG_ERR, "auth_extension(%s): invalid or taken", type);
		return -1;
	}
	return 0;
}

static void api_reply_ok(accord_req *r, json_t *data) { req_reply_ok(r, data); }
static void api_reply_error(accord_req *r, accord_status code, const char *message)
{
	req_reply_error(r, code, message);
}
static const accord_principal *api_req_principal(const accord_req *r)
{
	return r->has_who ? &r->who : NULL;
}
static const char *api_req_type(const accord_req *r) { return r->type; }
static const json_t *api_req_id(const accord_req *r) { return r->id; }
static const char *api_req_retry_key(const accord_req *r)
{
	return r->retry_key[0] ? r->retry_key : NULL;
}

static int64_t api_principal_id(const accord_principal *w) { return w ? w->id : 0; }
static const char *api_principal_login(const accord_principal *w) { return w ? w->login : ""; }
static const char *api_principal_org(const accord_principal *w) { return w ? w->org : ""; }
static int api_principal_is_partner(const accord_principal *w) { return w ? w->partner : 1; }
static int api_principal_has_role(const accord_principal *w, const char *role)
{
	return w && role && principal_role(w, role);
}

static int api_topic_register(accord_plugin_ctx *p, const char *prefix,
			      accord_topic_check_fn check, void *ud)
{
	if (bus_register_prefix(p->srv->bus, prefix, p, check, ud)) {
		plugin_log(p, ACCORD_LOG_ERR, "topic_register(%s): invalid or taken", prefix);
		return -1;
	}
	return 0;
}

static int api_publish(accord_plugin_ctx *p, const char *topic, const char *event, json_t *data,
		       const accord_audience *aud)
{
	(void)p;
	return bus_publish(p->srv->bus, topic, event, data, aud);
}

static void api_acl_changed(accord_plugin_ctx *p) { bus_acl_changed(p->srv->bus); }

/* Short of memory, an audience matches nobody (audience_none, or marked
 * failed) instead of losing a term and reaching more people than meant. */
static accord_audience *api_audience_new(void)
{
	accord_audience *a = calloc(1, sizeof(accord_audience));
	if (!a)
		return &audience_none;
	return a;
}

static void push_str(accord_audience *au, char ***arr, size_t *n, const char *s)
{
	char **a = realloc(*arr, (*n + 1) * sizeof(char *));
	if (!a) {
		au->failed = 1;
		return;
	}
	*arr = a;
	if ((a[*n] = strdup(s)))
		(*n)++;
	else
		au->failed = 1;
}

static void api_audience_add_org(accord_audience *a, const char *org)
{
	if (a && !a->failed && org)
		push_str(a, &a->orgs, &a->n_orgs, org);
}
static void api_audience_add_role(accord_audience *a, const char *role)
{
	if (a && !a->failed && role)
		push_str(a, &a->roles, &a->n_roles, role);
}
static void api_audience_add_user(accord_audience *a, int64_t user)
{
	if (!a || a->failed)
		return;
	int64_t *u = realloc(a->users, (a->n_users + 1) * sizeof(int64_t));
	if (!u) {
		a->failed = 1;
		return;
	}
	a->users = u;
	a->users[a->n_users++] = user;
}
static void api_audience_members_only(accord_audience *a)
{
	if (a && !a->failed)
		a->members_only = 1;
}
static void api_audience_free(accord_audience *a) { audience_destroy(a); }
static void api_audience_add_members(accord_audience *a)
{
	if (a && !a->failed)
		a->members = 1;
}
static void api_audience_add_partners(accord_audience *a)
{
	if (a && !a->failed)
		a->partners = 1;
}
static void api_audience_add_item(accord_audience *a, const char *item)
{
	if (a && !a->failed && item)
		push_str(a, &a->items, &a->n_items, item);
}

/* ---- releases ---- */
static int api_item_kind(accord_plugin_ctx *p, const char *kind, accord_item_describe_fn fn,
			 void *ud)
{
	if (p->initialised) {
		plugin_log(p, ACCORD_LOG_ERR, "item_kind(%s): only during init", kind ? kind : "");
		return -1;
	}
	if (release_kind_register(p, kind, fn, ud)) {
		plugin_log(p, ACCORD_LOG_ERR, "item_kind(%s): invalid or taken", kind ? kind : "");
		return -1;
	}
	return 0;
}

static int api_release_set(accord_plugin_ctx *p, const char *item, const json_t *to)
{
	plugin_host *h = p->h;
	if (!h->release_provider)
		h->release_provider = p;
	if (h->release_provider != p) {
		plugin_log(p, ACCORD_LOG_ERR, "release_set: %s is the release provider",
			   h->release_provider->name);
		return -1;
	}
	if (release_set(item, to))
		return -1;
	bus_acl_changed(p->srv->bus);
	return 0;
}

static int api_item_visible(const accord_principal *who, const char *item)
{
	return release_visible(who, item);
}

static int api_listen(accord_plugin_ctx *p, accord_core_event ev, accord_event_fn fn, void *ud)
{
	plugin_host *h = p->h;
	if (!fn || grow((void **)&h->listeners, &h->cap_listeners, h->n_listeners, sizeof(listener)))
		return -1;
	h->listeners[h->n_listeners++] = (listener){p, ev, fn, ud};
	return 0;
}

static void api_emit(accord_plugin_ctx *p, const char *name, const json_t *data)
{
	char full[96];
	snprintf(full, sizeof(full), "%s.%s", p->name, name);
	plugins_dispatch_event(p->h, ACCORD_EV_PLUGIN, full, data, NULL);
}

struct pjob {
	accord_plugin_ctx *p;
	accord_db_work_fn work;
	accord_db_done_fn done;
	void *ud;
};

static accord_status pjob_work(accord_txn *txn, void *ud, json_t **out)
{
	struct pjob *j = ud;
	return j->work ? j->work(txn, j->ud, out) : ACCORD_OK;
}

static void pjob_done(accord_status st, json_t *out, void *ud)
{
	struct pjob *j = ud;
	if (j->done)
		j->done(j->p, st, out, j->ud);
	else
		json_decref(out);
	free(j);
}

static int api_db_run(accord_plugin_ctx *p, accord_db_work_fn work, accord_db_done_fn done,
		      void *ud)
{
	struct pjob *j = malloc(sizeof(*j));
	if (!j)
		return -1;
	*j = (struct pjob){p, work, done, ud};
	if (!p->srv->st || storage_submit(p->srv->st, pjob_work, pjob_done, j)) {
		free(j);
		return -1;
	}
	return 0;
}

static const json_t *api_config(accord_plugin_ctx *p) { return p->config; }

static int api_http_route(accord_plugin_ctx *p, const char *subpath, accord_http_fn fn, void *ud)
{
	plugin_host *h = p->h;
	if (!fn || !subpath || strlen(subpath) > 100 ||
	    grow((void **)&h->routes, &h->cap_routes, h->n_routes, sizeof(route)))
		return -1;
	route *r = &h->routes[h->n_routes++];
	snprintf(r->path, sizeof(r->path), "/api/%s/%s", p->name,
		 subpath[0] == '/' ? subpath + 1 : subpath);
	r->p = p;
	r->fn = fn;
	r->ud = ud;
	r->partners = 0;
	return 0;
}

static int api_http_route_partner(accord_plugin_ctx *p, const char *subpath, accord_http_fn fn,
				  void *ud)
{
	if (api_http_route(p, subpath, fn, ud))
		return -1;
	p->h->routes[p->h->n_routes - 1].partners = 1;
	return 0;
}

static int api_cli(accord_plugin_ctx *p, const char *name, const char *usage, accord_cli_fn fn)
{
	plugin_host *h = p->h;
	if (!fn || !name || strlen(name) > 32 ||
	    grow((void **)&h->clis, &h->cap_clis, h->n_clis, sizeof(cli_entry)))
		return -1;
	cli_entry *c = &h->clis[h->n_clis++];
	c->p = p;
	c->fn = fn;
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->usage, sizeof(c->usage), "%s", usage ? usage : "");
	return 0;
}

static void timer_fire(lws_sorted_usec_list_t *sul)
{
	ptimer *t = (ptimer *)sul;
	plugin_host *h = t->p->h;
	if (t->prev)
		t->prev->next = t->next;
	else
		h->timers = t->next;
	if (t->next)
		t->next->prev = t->prev;
	accord_plugin_ctx *p = t->p;
	accord_timer_fn fn = t->fn;
	void *ud = t->ud;
	free(t);
	fn(p, ud);
}

static uint64_t api_timer_add(accord_plugin_ctx *p, uint64_t delay_ms, accord_timer_fn fn,
			      void *ud)
{
	if (!fn || !p->srv->ctx || p->h->timers_closed)
		return 0;
	ptimer *t = calloc(1, sizeof(*t));
	if (!t)
		return 0;
	plugin_host *h = p->h;
	t->id = ++h->next_timer_id;
	t->p = p;
	t->fn = fn;
	t->ud = ud;
	t->next = h->timers;
	if (h->timers)
		h->timers->prev = t;
	h->timers = t;
	/* lws_sul below 1 ms makes the poll loop spin: round up. */
	lws_sul_schedule(p->srv->ctx, 0, &t->sul, timer_fire,
			 (lws_usec_t)(delay_ms ? delay_ms : 1) * LWS_US_PER_MS);
	return t->id;
}

static void api_timer_cancel(accord_plugin_ctx *p, uint64_t id)
{
	plugin_host *h = p->h;
	for (ptimer *t = h->timers; t; t = t->next) {
		if (t->id != id || t->p != p)
			continue;
		lws_sul_cancel(&t->sul);
		if (t->prev)
			t->prev->next = t->next;
		else
			h->timers = t->next;
		if (t->next)
			t->next->prev = t->prev;
		free(t);
		return;
	}
}

static int64_t api_now_ms(void) { return now_ms(); }

static void api_counter_add(accord_plugin_ctx *p, const char *name, uint64_t delta)
{
	metrics_plugin_counter(p->srv->metrics, p->name, name, delta);
}

static accord_status api_txn_exec(accord_txn *txn, const char *sql, const json_t *params,
				  json_t **rows)
{
	return txn_exec(txn, sql, params, rows);
}

const accord_host_api accord_host_api_v1 = {
	.abi_major = ACCORD_ABI_MAJOR,
	.api_size = sizeof(accord_host_api),
	.log = api_log,
	.set_userdata = api_set_userdata,
	.userdata = api_userdata,
	.handle = api_handle,
	.reply_ok = api_reply_ok,
	.reply_error = api_reply_error,
	.req_principal = api_req_principal,
	.req_type = api_req_type,
	.principal_id = api_principal_id,
	.principal_login = api_principal_login,
	.principal_org = api_principal_org,
	.principal_is_partner = api_principal_is_partner,
	.principal_has_role = api_principal_has_role,
	.topic_register = api_topic_register,
	.publish = api_publish,
	.acl_changed = api_acl_changed,
	.audience_new = api_audience_new,
	.audience_add_org = api_audience_add_org,
	.audience_add_user = api_audience_add_user,
	.audience_add_role = api_audience_add_role,
	.audience_members_only = api_audience_members_only,
	.audience_free = api_audience_free,
	.listen = api_listen,
	.emit = api_emit,
	.db_run = api_db_run,
	.txn_exec = api_txn_exec,
	.txn_last_id = txn_last_id,
	.txn_changes = txn_changes,
	.config = api_config,
	.http_route = api_http_route,
	.http_path = http_path,
	.http_query = http_query,
	.http_respond = http_respond,
	.cli = api_cli,
	.timer_add = api_timer_add,
	.timer_cancel = api_timer_cancel,
	.now_ms = api_now_ms,
	.counter_add = api_counter_add,
	.namespace_claim = api_namespace_claim,
	.auth_extension = api_auth_extension,
	.password_hash = auth_password_hash,
	.account_save = account_save,
	.account_changed = auth_account_changed,
	.account_online = auth_account_online,
	.token_new = token_new,
	.token_hash = token_hash,
	.req_id = api_req_id,
	.group_provider = api_group_provider,
	.group_scoped = api_group_scoped,
	.req_group = api_req_group,
	.plugin_group_scoped = api_plugin_group_scoped,
	.http_method = http_method,
	.http_body = http_body,
	.group_access = api_group_access,
	.group_provider_writable = api_group_provider_writable,
	.group_writable = api_group_writable,
	.item_kind = api_item_kind,
	.item_describe = release_describe,
	.release_set = api_release_set,
	.item_visible = api_item_visible,
	.audience_add_members = api_audience_add_members,
	.audience_add_partners = api_audience_add_partners,
	.audience_add_item = api_audience_add_item,
	.http_route_partner = api_http_route_partner,
	.req_retry_key = api_req_retry_key,
	.txn_retry_get = retry_get,
	.txn_retry_put = retry_put,
	.http_body_fd = http_body_fd,
	.group_provider_orgs = api_group_provider_orgs,
	.group_orgs = api_group_orgs,
};
