/*
 * Plugins installed, upgraded and removed while the server runs: the
 * loop's half (plugin_live.h says how the work is split with admin.c).
 *
 * A plugin's lifetime is reference-counted (plugin_host.h): being
 * registered holds one reference, and so does each request, storage job,
 * timer and HTTP request of it in flight.  An upgrade or a removal takes
 * everything the plugin registered out of the tables at once (between two
 * passes of the loop, so no request sees half of it) and retires it: what
 * it holds finishes on its own code, and the last unref calls its fini and
 * closes its shared object.  A replacement whose migrations or init fail is
 * retired instead, and the old version's registrations go back: the old
 * state keeps serving.
 *
 * Topic prefixes keep their entries in the bus while their plugin is away,
 * so subscriptions survive an upgrade: the new version registers the same
 * prefix and the same subscribers receive its events.
 */
#include "plugin_live.h"
#include "bus.h"
#include "context.h"
#include "loader.h"
#include "log.h"
#include "registry.h"
#include "storage.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t q_mu = PTHREAD_MUTEX_INITIALIZER;
static const accord_host_api *host_api; /* handed down by server.c */
static live_op *q_head;
static int q_closed;

/* Plugins installed live get an empty configuration section. */
static json_t *empty_config(void)
{
	static json_t *empty;
	if (!empty)
		empty = json_object();
	return empty;
}

void live_state_path(const accord_config *cfg, char *out, size_t len)
{
	snprintf(out, len, "%s/installed.json", cfg->installed_dir);
}

static void finish(live_op *op, int ok, const char *fmt, ...) ACCORD_PRINTF(3, 4);
static void finish(live_op *op, int ok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&op->mu);
	vsnprintf(op->msg, sizeof(op->msg), fmt, ap);
	op->ok = ok;
	op->finished = 1;
	pthread_cond_signal(&op->cv);
	pthread_mutex_unlock(&op->mu);
	va_end(ap);
}

void live_submit_and_wait(server *srv, live_op *op)
{
	pthread_mutex_lock(&q_mu);
	if (q_closed) {
		pthread_mutex_unlock(&q_mu);
		finish(op, 0, "the server is shutting down");
		return;
	}
	op->next = q_head;
	q_head = op;
	pthread_mutex_unlock(&q_mu);
	lws_cancel_service(srv->ctx);
	pthread_mutex_lock(&op->mu);
	while (!op->finished)
		pthread_cond_wait(&op->cv, &op->mu);
	pthread_mutex_unlock(&op->mu);
}

void live_close(server *srv)
{
	(void)srv;
	pthread_mutex_lock(&q_mu);
	q_closed = 1;
	live_op *op = q_head;
	q_head = NULL;
	pthread_mutex_unlock(&q_mu);
	while (op) {
		live_op *next = op->next;
		finish(op, 0, "the server is shutting down");
		op = next;
	}
}

/* ---- what the loop knows about plugins ---- */

static int find_index(plugin_host *h, const char *name)
{
	for (int i = 0; i < h->n; i++)
		if (!strcmp(h->plugins[i]->name, name))
			return i;
	return -1;
}

static struct accord_plugin_ctx *provider_among(plugin_host *h, const accord_plugin_ctx *skip,
						const char *name, uint32_t version)
{
	for (int i = 0; i < h->n; i++) {
		if (h->plugins[i] == skip)
			continue;
		for (const accord_service_ref *r = h->plugins[i]->provides; r && r->name; r++)
			if (!strcmp(r->name, name) && r->version == version)
				return h->plugins[i];
	}
	return NULL;
}

/* Another loaded plugin that uses (requires, optionally or not) a service
 * p provides: it holds p's table, so p may not go while it is there. */
static struct accord_plugin_ctx *dependent_of(plugin_host *h, const accord_plugin_ctx *p,
					      const char **svc)
{
	for (int i = 0; i < h->n; i++) {
		struct accord_plugin_ctx *q = h->plugins[i];
		if (q == p)
			continue;
		for (const accord_service_ref *r = q->requires; r && r->name; r++)
			for (const accord_service_ref *o = p->provides; o && o->name; o++)
				if (!strcmp(r->name, o->name) && r->version == o->version) {
					*svc = o->name;
					return q;
				}
	}
	return NULL;
}

/* Retires p: out of every table; it goes when the last thing it holds is
 * done.  A version that served keeps its timers (a request may wait on
 * one; they may not re-arm); one that never served (its migrations or
 * init failed) loses them. */
static void retire(plugin_host *h, struct accord_plugin_ctx *p, int served)
{
	registry_remove_all(h, p);
	if (!served)
		registry_cancel_timers_of(h, p);
	p->retired = 1;
	p->next_retired = h->retired;
	h->retired = p;
	plugin_unref(p);
}

static json_t *state_of(plugin_host *h)
{
	json_t *a = json_array();
	for (int i = 0; a && i < h->n; i++) {
		const struct accord_plugin_ctx *p = h->plugins[i];
		if (p->live)
			json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "name",
							   p->name, "version", p->desc->version,
							   "file", p->file, "web", p->web, "digest",
							   p->digest, "signer", p->signer));
	}
	return json_pack("{s:o}", "plugins", a ? a : json_array());
}

static json_t *types_of(plugin_host *h, const accord_plugin_ctx *p)
{
	json_t *a = json_array();
	for (int b = 0; a && b < HANDLER_BUCKETS; b++)
		for (const hentry *e = h->handlers[b]; e; e = e->next)
			if (e->h.plugin == p)
				json_array_append_new(a, json_string(e->type));
	return a;
}

json_t *plugins_describe(plugin_host *h)
{
	json_t *a = json_array();
	for (int i = 0; a && i < h->n; i++) {
		const struct accord_plugin_ctx *p = h->plugins[i];
		const accord_plugin *d = p->desc;
		json_t *prov = json_array(), *req = json_array();
		for (const accord_service_ref *r = p->provides; r && r->name; r++)
			json_array_append_new(prov, json_pack("{s:s,s:i}", "name", r->name,
							      "version", (int)r->version));
		for (const accord_service_ref *r = p->requires; r && r->name; r++)
			json_array_append_new(req, json_pack("{s:s,s:i,s:b}", "name", r->name,
							     "version", (int)r->version, "optional",
							     r->optional != 0));
		json_t *groups = h->group_plugins ? h->group_plugins(h->groups.provider, p->name,
								     NULL, h->group_plugins_ud)
						  : NULL;
		json_array_append_new(
			a, json_pack("{s:s,s:s,s:s,s:b,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o}",
				     "name", p->name, "version", d->version, "description",
				     d->description ? d->description : "", "group", p->group_scoped,
				     "source", p->live ? "installed" : "configuration", "signer",
				     p->signer, "digest", p->digest, "provides", prov, "requires",
				     req, "types", types_of(h, p), "topics",
				     bus_prefixes_of(p->srv->bus, p), "groups",
				     groups ? groups : json_array(), "web", plugin_web_base(p)));
	}
	return a;
}

/* ---- start-up ---- */

int plugins_load_installed(plugin_host *h, const accord_config *cfg)
{
	char path[PATH_MAX + 32];
	live_state_path(cfg, path, sizeof(path));
	json_error_t jerr;
	json_t *st = json_load_file(path, 0, &jerr);
	if (!st)
		return 0; /* nothing installed yet (or unreadable: said below) */
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(st, "plugins"), i, x) {
		const char *name = json_string_value(json_object_get(x, "name"));
		const char *file = json_string_value(json_object_get(x, "file"));
		const char *web = json_string_value(json_object_get(x, "web"));
		const char *digest = json_string_value(json_object_get(x, "digest"));
		char err[512];
		void *dl;
		const accord_plugin *d;
		if (!name || !file || strlen(name) > 32) {
			log_err("%s: entry %zu is malformed; skipped", path, i);
			continue;
		}
		if (find_index(h, name) >= 0) {
			log_err("plugin %s is enabled by the configuration and also installed live;"
				" the configuration's is kept (remove the installed one)",
				name);
			continue;
		}
		/* checked again at every start: a key no longer trusted, or a
		 * file changed in the managed folder, is refused */
		char signer[sizeof(((struct accord_plugin_ctx *)0)->signer)] = "";
		if (h->n == MAX_PLUGINS || loader_check_open(cfg, name, file, signer, sizeof(signer),
							     &dl, &d, err, sizeof(err))) {
			log_err("installed plugin %s not loaded: %s", name,
				h->n == MAX_PLUGINS ? "too many plugins" : err);
			continue;
		}
		struct accord_plugin_ctx *p = loader_ctx_new(h, name, dl, d, empty_config());
		if (!p) {
			plugin_dl_close(dl);
			json_decref(st);
			return -1;
		}
		p->live = 1;
		snprintf(p->file, sizeof(p->file), "%s", file);
		snprintf(p->web, sizeof(p->web), "%s", web ? web : "");
		snprintf(p->digest, sizeof(p->digest), "%s", digest ? digest : "");
		snprintf(p->signer, sizeof(p->signer), "%s", signer);
		h->plugins[h->n++] = p;
		log_info("loaded installed plugin %s %s (%s)", name, d->version, file);
	}
	json_decref(st);
	return 0;
}

/* ---- install and upgrade ---- */

typedef struct pending {
	server *srv;
	live_op *op;
	struct accord_plugin_ctx *np; /* the new version, not yet registered */
	char err[512];
} pending;

static accord_status migrate_work(accord_txn *txn, void *ud, json_t **out)
{
	(void)out;
	pending *pd = ud;
	return storage_migrate_live(txn, pd->np->name, &pd->np->scope, pd->np->desc->migrations,
				    pd->err, sizeof(pd->err))
		       ? ACCORD_E_INTERNAL
		       : ACCORD_OK;
}

/* The new version's init, with its registrations counted as its own; on
 * failure everything it registered is out again.  0 or -1 with msg. */
static int start(struct accord_plugin_ctx *np, char *msg, size_t len)
{
	accord_status st = np->desc->init(np, host_api, np->config);
	if (st != ACCORD_OK) {
		snprintf(msg, len, "plugin %.64s %.64s: init failed (%.64s)", np->name,
			 np->desc->version, status_code_name(st));
		return -1;
	}
	np->initialised = 1;
	return loader_check_exports(np, msg, len);
}

/* The migrations ran (or failed): now the swap, in this one pass. */
static void migrate_done(accord_status st, json_t *out, void *ud)
{
	json_decref(out);
	pending *pd = ud;
	server *srv = pd->srv;
	plugin_host *h = srv->plugins;
	live_op *op = pd->op;
	struct accord_plugin_ctx *np = pd->np;
	char err[512];
	snprintf(err, sizeof(err), "%.500s", pd->err);
	free(pd);
	int upgrade = op->kind == LIVE_UPGRADE;
	int idx = find_index(h, np->name);
	if (st != ACCORD_OK || srv->shutting_down || (upgrade ? idx < 0 : idx >= 0)) {
		retire(h, np, 0);
		finish(op, 0, "%s%s",
		       st != ACCORD_OK      ? err
		       : srv->shutting_down ? "the server is shutting down"
					    : "the plugin was installed or removed meanwhile",
		       upgrade ? "; nothing changed: the old version keeps serving"
			       : "; nothing changed");
		return;
	}
	char msg[512];
	if (!upgrade) {
		if (h->n == MAX_PLUGINS) {
			retire(h, np, 0);
			finish(op, 0, "at most %d plugins", MAX_PLUGINS);
			return;
		}
		h->plugins[h->n++] = np;
		if (start(np, msg, sizeof(msg))) {
			h->n--;
			retire(h, np, 0);
			finish(op, 0,
			       "%s; nothing changed (everything it registered is gone again)", msg);
			return;
		}
		log_info("installed plugin %s %s live from %s", np->name, np->desc->version,
			 np->file);
		op->state = state_of(h);
		finish(op, 1, "installed %s %s", np->name, np->desc->version);
	} else {
		struct accord_plugin_ctx *old = h->plugins[idx];
		registry_saved saved;
		if (registry_detach(h, old, &saved)) {
			retire(h, np, 0);
			finish(op, 0, "out of memory; the old version keeps serving");
			return;
		}
		h->plugins[idx] = np;
		if (start(np, msg, sizeof(msg))) {
			registry_remove_all(h, np);
			h->plugins[idx] = old;
			registry_reattach(h, &saved);
			retire(h, np, 0);
			finish(op, 0, "%s; the old version %s keeps serving", msg,
			       old->desc->version);
			return;
		}
		registry_saved_free(&saved);
		char oldv[64];
		snprintf(oldv, sizeof(oldv), "%s", old->desc->version);
		/* In-flight requests, jobs and HTTP requests of the old version
		 * finish on its code; it is closed after the last. */
		retire(h, old, 1);
		bus_acl_changed(srv->bus);
		log_info("upgraded plugin %s from %s to %s live (%s)", np->name, oldv,
			 np->desc->version, np->file);
		op->state = state_of(h);
		finish(op, 1, "upgraded %s from %s to %s", np->name, oldv, np->desc->version);
	}
}

static void install_or_upgrade(server *srv, live_op *op)
{
	plugin_host *h = srv->plugins;
	const accord_plugin *d = op->desc;
	int idx = find_index(h, op->name);
	struct accord_plugin_ctx *old = idx >= 0 ? h->plugins[idx] : NULL;
	char msg[512] = "";
	if (op->kind == LIVE_INSTALL && old)
		snprintf(msg, sizeof(msg),
			 "plugin %.64s is already loaded (version %.64s); use `accord plugins upgrade`",
			 op->name, old->desc->version);
	else if (op->kind == LIVE_UPGRADE && !old)
		snprintf(msg, sizeof(msg),
			 "plugin %.64s is not loaded; use `accord plugins install` first", op->name);
	else if (old && !old->live)
		snprintf(msg, sizeof(msg),
			 "plugin %.64s is enabled by the configuration file: upgrade its file in the"
			 " plugins folder and restart (only plugins installed live change live)",
			 op->name);
	else if (old && !strcmp(old->digest, op->digest))
		snprintf(msg, sizeof(msg), "plugin %.64s: this very file (%.64s) is already serving",
			 op->name, d->version);
	if (!msg[0]) {
		/* Its needs met by the others; its offers new, or still there
		 * for whoever uses them. */
		struct accord_plugin_ctx *np_probe = loader_ctx_new(h, op->name, NULL, d, NULL);
		if (!np_probe) {
			snprintf(msg, sizeof(msg), "out of memory");
		} else {
			for (const accord_service_ref *r = np_probe->requires;
			     !msg[0] && r && r->name; r++)
				if (!r->optional && !provider_among(h, old, r->name, r->version))
					snprintf(msg, sizeof(msg),
						 "plugin %.64s requires service %.64s version %u, which no"
						 " loaded plugin provides; install the plugin that"
						 " provides it first",
						 op->name, r->name, r->version);
			for (const accord_service_ref *r = np_probe->provides;
			     !msg[0] && r && r->name; r++) {
				struct accord_plugin_ctx *o = provider_among(h, old, r->name,
									     r->version);
				if (o)
					snprintf(msg, sizeof(msg),
						 "plugin %.64s provides service %.64s version %u, which"
						 " plugin %.64s already provides",
						 op->name, r->name, r->version, o->name);
			}
			const char *svc = NULL;
			struct accord_plugin_ctx *dep = old ? dependent_of(h, old, &svc) : NULL;
			if (!msg[0] && dep)
				snprintf(msg, sizeof(msg),
					 "plugin %.64s provides service %.64s, which plugin %.64s uses: remove"
					 " %.64s first, then upgrade %.64s",
					 op->name, svc, dep->name, dep->name, op->name);
			free(np_probe);
		}
	}
	if (msg[0]) {
		finish(op, 0, "%s", msg);
		return;
	}
	struct accord_plugin_ctx *np = loader_ctx_new(h, op->name, op->dl, d, empty_config());
	pending *pd = np ? calloc(1, sizeof(*pd)) : NULL;
	if (!pd) {
		free(np);
		finish(op, 0, "out of memory");
		return;
	}
	op->dl = NULL; /* np's now */
	np->live = 1;
	snprintf(np->file, sizeof(np->file), "%s", op->file);
	snprintf(np->web, sizeof(np->web), "%s", op->web);
	snprintf(np->digest, sizeof(np->digest), "%s", op->digest);
	snprintf(np->signer, sizeof(np->signer), "%s", op->signer);
	pd->srv = srv;
	pd->op = op;
	pd->np = np;
	if (storage_submit_solo(srv->st, migrate_work, migrate_done, pd)) {
		free(pd);
		retire(h, np, 0);
		finish(op, 0, "the storage queue is full or stopping; nothing changed");
	}
}

static void remove_plugin(server *srv, live_op *op)
{
	plugin_host *h = srv->plugins;
	int idx = find_index(h, op->name);
	if (idx < 0) {
		finish(op, 0, "plugin %s is not loaded", op->name);
		return;
	}
	struct accord_plugin_ctx *p = h->plugins[idx];
	const char *svc = NULL;
	struct accord_plugin_ctx *dep = dependent_of(h, p, &svc);
	if (!p->live) {
		finish(op, 0,
		       "plugin %s is enabled by the configuration file: take it out there and"
		       " restart (only plugins installed live are removed live)",
		       op->name);
		return;
	}
	if (dep) {
		finish(op, 0,
		       "plugin %s provides service %s, which plugin %s requires: remove %s first",
		       op->name, svc, dep->name, dep->name);
		return;
	}
	char version[64];
	snprintf(version, sizeof(version), "%s", p->desc->version);
	memmove(&h->plugins[idx], &h->plugins[idx + 1],
		(size_t)(h->n - idx - 1) * sizeof(h->plugins[0]));
	h->n--;
	retire(h, p, 1);
	bus_acl_changed(srv->bus);
	log_info("removed plugin %s %s live (its tables and data are kept)", op->name, version);
	op->state = state_of(h);
	finish(op, 1, "removed %s %s (its tables and data are kept)", op->name, version);
}

void live_run_pending(server *srv, const accord_host_api *api)
{
	host_api = api;
	pthread_mutex_lock(&q_mu);
	live_op *op = q_head;
	q_head = NULL;
	pthread_mutex_unlock(&q_mu);
	/* oldest first */
	live_op *rev = NULL;
	while (op) {
		live_op *next = op->next;
		op->next = rev;
		rev = op;
		op = next;
	}
	for (op = rev; op;) {
		live_op *next = op->next;
		switch (op->kind) {
		case LIVE_INSTALL:
		case LIVE_UPGRADE: install_or_upgrade(srv, op); break;
		case LIVE_REMOVE: remove_plugin(srv, op); break;
		case LIVE_LIST:
			op->result = plugins_describe(srv->plugins);
			finish(op, 1, "ok");
			break;
		}
		op = next;
	}
}
