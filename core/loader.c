/*
 * Plugin loading.
 *
 * Loading follows Janus: dlopen each enabled plugin from the plugins
 * directory, look up the one entry symbol, and check the descriptor (ABI
 * major version, struct size, name, mandatory callbacks) before anything of
 * the plugin runs.  Any failure stops start-up with a message naming the
 * plugin and the reason.
 *
 * Plugins share things through services (named, versioned function
 * tables, as Redis modules share APIs): the loader checks every required
 * service against the others' provides and starts providers first.
 */
#include "loader.h"
#include "context.h"
#include "envelope.h"
#include "log.h"
#include "plugin_host.h"
#include "registry.h"
#include "release.h"
#include "signature.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

plugin_host *plugins_new(server *srv)
{
	plugin_host *h = calloc(1, sizeof(*h));
	if (h)
		h->srv = srv;
	return h;
}

/* ---- which plugins may be opened ---- */

void loader_trust(const accord_config *cfg, sig_trust *t)
{
	t->keys = cfg->trusted_keys;
	t->n_keys = cfg->n_trusted_keys;
	t->bundled = accord_bundled_plugins;
	t->n_bundled = accord_n_bundled_plugins;
}

static int check_as(const accord_config *cfg, const char *name, const char *so_path,
		    const char *so_bytes, char *signer, size_t signer_len, char *err, size_t errlen)
{
	sig_trust t;
	loader_trust(cfg, &t);
	sig_result *r = malloc(sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "plugin %s: out of memory", name);
		return -1;
	}
	signature_check_as(so_path, so_bytes, &t, r);
	int rc = 0;
	if (r->verdict == SIG_GOOD || r->verdict == SIG_BUILT_IN) {
		snprintf(signer, signer_len, "%s", r->signer);
	} else if (r->verdict != SIG_UNREADABLE && cfg->allow_unsigned) {
		log_warn("plugin %s: NOT VERIFIED, loaded only because plugins.allow_unsigned is "
			 "true: %s",
			 name, r->message);
		snprintf(signer, signer_len, "unverified");
	} else {
		snprintf(err, errlen, "plugin %s: refused: %s", name, r->message);
		rc = -1;
	}
	free(r);
	return rc;
}

int loader_check_plugin(const accord_config *cfg, const char *name, const char *so_path,
			char *signer, size_t signer_len, char *err, size_t errlen)
{
	return check_as(cfg, name, so_path, so_path, signer, signer_len, err, errlen);
}

static int open_as(const char *open_path, const char *path, const char *name, void **dlp,
		   const accord_plugin **descp, char *err, size_t errlen);

/* The bytes of path in a sealed memory file: what is checked and what is
 * opened are then the same bytes, whatever happens to path in between
 * (checking path and then dlopen(path) would load a file swapped in after
 * the check).  Returns the descriptor, or -1 with err. */
static int pin_file(const char *path, const char *name, char *err, size_t errlen)
{
	int in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		snprintf(err, errlen, "plugin %s: cannot load %s: %s", name, path, strerror(errno));
		return -1;
	}
	char label[64];
	snprintf(label, sizeof(label), "accord-plugin-%.32s.so", name);
	int fd = memfd_create(label, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		snprintf(err, errlen, "plugin %s: cannot load %s: no memory file (%s)", name, path,
			 strerror(errno));
		close(in);
		return -1;
	}
	char buf[65536];
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "plugin %s: cannot read %s: %s", name, path,
				 strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				snprintf(err, errlen, "plugin %s: cannot copy %s: %s", name, path,
					 strerror(errno));
				goto fail;
			}
			off += w;
		}
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)) {
		snprintf(err, errlen, "plugin %s: cannot seal the copy of %s: %s", name, path,
			 strerror(errno));
		goto fail;
	}
	close(in);
	return fd;
fail:
	close(in);
	close(fd);
	return -1;
}

int loader_check_open(const accord_config *cfg, const char *name, const char *so_path, char *signer,
		      size_t signer_len, void **dl, const accord_plugin **desc, char *err,
		      size_t errlen)
{
	int fd = pin_file(so_path, name, err, errlen);
	if (fd < 0)
		return -1;
	char pinned[48];
	snprintf(pinned, sizeof(pinned), "/proc/self/fd/%d", fd);
	if (check_as(cfg, name, so_path, pinned, signer, signer_len, err, errlen) ||
	    open_as(pinned, so_path, name, dl, desc, err, errlen)) {
		close(fd);
		return -1;
	}
	if (plugin_dl_pinned(*dl, fd)) {
		dlclose(*dl);
		close(fd);
		snprintf(err, errlen, "plugin %s: out of memory", name);
		return -1;
	}
	return 0;
}


/* ---- services: who provides what, and the order of start-up ---- */

static struct accord_plugin_ctx *provider_of(plugin_host *h, const char *name, uint32_t version)
{
	for (int i = 0; i < h->n; i++)
		for (const accord_service_ref *r = h->plugins[i]->provides; r && r->name; r++)
			if (!strcmp(r->name, name) && r->version == version)
				return h->plugins[i];
	return NULL;
}

/* Checks every plugin's requires against the others' provides and orders
 * the plugins so that each starts after its providers (a stable
 * topological order: otherwise the configuration's). */
static int plugins_order(plugin_host *h, char *err, size_t errlen)
{
	for (int i = 0; i < h->n; i++) {
		struct accord_plugin_ctx *p = h->plugins[i];
		for (const accord_service_ref *r = p->provides; r && r->name; r++) {
			struct accord_plugin_ctx *o = provider_of(h, r->name, r->version);
			if (o != p) {
				snprintf(err, errlen,
					 "plugins %s and %s both provide service %s version %u;"
					 " enable only one of them",
					 o->name, p->name, r->name, r->version);
				return -1;
			}
		}
		for (const accord_service_ref *r = p->requires; r && r->name; r++)
			if (!r->optional && !provider_of(h, r->name, r->version)) {
				snprintf(err, errlen,
					 "plugin %s requires service %s version %u, which no enabled"
					 " plugin provides; enable the plugin that provides it",
					 p->name, r->name, r->version);
				return -1;
			}
	}
	struct accord_plugin_ctx *ordered[MAX_PLUGINS] = {NULL};
	int placed[MAX_PLUGINS] = {0}, n = 0;
	while (n < h->n) {
		int progress = 0;
		for (int i = 0; i < h->n; i++) {
			if (placed[i])
				continue;
			int ready = 1;
			for (const accord_service_ref *r = h->plugins[i]->requires;
			     ready && r && r->name; r++) {
				struct accord_plugin_ctx *o = provider_of(h, r->name, r->version);
				for (int k = 0; o && o != h->plugins[i] && k < h->n; k++)
					if (h->plugins[k] == o && !placed[k])
						ready = 0;
			}
			if (ready) {
				placed[i] = 1;
				ordered[n++] = h->plugins[i];
				progress = 1;
				break; /* restart: keep the configuration's order */
			}
		}
		if (!progress) {
			char names[256] = "";
			for (int i = 0; i < h->n; i++)
				if (!placed[i] && strlen(names) + strlen(h->plugins[i]->name) + 3 <
							  sizeof(names)) {
					if (*names)
						strcat(names, ", ");
					strcat(names, h->plugins[i]->name);
				}
			snprintf(err, errlen,
				 "plugins %s require each other's services in a circle", names);
			return -1;
		}
	}
	memcpy(h->plugins, ordered, sizeof(ordered[0]) * (size_t)h->n);
	return 0;
}

static service *service_find(plugin_host *h, const char *name, uint32_t version)
{
	for (int i = 0; i < h->n_services; i++)
		if (!strcmp(h->services[i].name, name) && h->services[i].version == version)
			return &h->services[i];
	return NULL;
}

int loader_service_export(accord_plugin_ctx *p, const char *name, uint32_t version, const void *table)
{
	plugin_host *h = p->h;
	const accord_service_ref *r = p->provides;
	while (r && r->name && !(name && !strcmp(r->name, name) && r->version == version))
		r++;
	if (!table || !r || !r->name) {
		log_err("plugin %s: service_export(%s, %u) refused: not in its descriptor's provides",
			p->name, name ? name : "(null)", version);
		return -1;
	}
	if (p->retired || service_find(h, name, version) || h->n_services == MAX_SERVICES ||
	    strlen(name) > 64)
		return -1;
	service *s = &h->services[h->n_services++];
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->version = version;
	s->table = table;
	s->provider = p;
	return 0;
}

const void *loader_service_import(accord_plugin_ctx *p, const char *name, uint32_t version)
{
	const accord_service_ref *r = p->requires;
	while (r && r->name && !(name && !strcmp(r->name, name) && r->version == version))
		r++;
	if (!r || !r->name) {
		log_err("plugin %s: service_import(%s, %u) refused: not in its descriptor's requires",
			p->name, name ? name : "(null)", version);
		return NULL;
	}
	service *s = service_find(p->h, name, version);
	return s ? s->table : NULL;
}

int loader_open(const char *path, const char *name, void **dlp, const accord_plugin **descp,
		char *err, size_t errlen)
{
	return open_as(path, path, name, dlp, descp, err, errlen);
}

/* dlopen the file at open_path, named path in messages. */
static int open_as(const char *open_path, const char *path, const char *name, void **dlp,
		   const accord_plugin **descp, char *err, size_t errlen)
{
	void *dl = dlopen(open_path, RTLD_NOW | RTLD_LOCAL);
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
	} else if (d->struct_size < offsetof(accord_plugin, provides))
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
	*dlp = dl;
	*descp = d;
	return 0;
}

int loader_name_reserved(const char *name)
{
	return !strcmp(name, "auth") || !strcmp(name, "sub") || !strcmp(name, "sys") ||
	       !strcmp(name, "core");
}

struct accord_plugin_ctx *loader_ctx_new(plugin_host *h, const char *name, void *dl,
					 const accord_plugin *d, const json_t *pcfg)
{
	struct accord_plugin_ctx *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->h = h;
	p->srv = h->srv;
	p->dl = dl;
	p->desc = d;
	p->config = pcfg;
	p->refs = 1; /* registered */
	snprintf(p->name, sizeof(p->name), "%s", name);
#define DESC_HAS(d, m) ((d)->struct_size >= offsetof(accord_plugin, m) + sizeof((d)->m))
	if (DESC_HAS(d, provides))
		p->provides = d->provides;
	if (DESC_HAS(d, requires))
	p->requires = d->requires;
	const char *tp = DESC_HAS(d, table_prefix) ? d->table_prefix : NULL;
	snprintf(p->table_prefix, sizeof(p->table_prefix), "%s", tp ? tp : name);
	p->scope.name = p->name;
	p->scope.prefixes[0] = p->name;
	if (strcmp(p->table_prefix, p->name))
		p->scope.prefixes[1] = p->table_prefix;
	return p;
}

int plugins_load(plugin_host *h, const accord_config *cfg, char *err, size_t errlen)
{
	if (cfg->allow_unsigned)
		log_warn("plugins.allow_unsigned is true: plugins that no trusted key signed are "
			 "loaded; for development only, never in production");
	if (cfg->plugins_enabled) {
		const char *name;
		const json_t *pcfg;
		json_object_foreach((json_t *)cfg->plugins_enabled, name, pcfg) {
			if (h->n == MAX_PLUGINS) {
				snprintf(err, errlen, "plugin %s: at most %d plugins", name,
					 MAX_PLUGINS);
				return -1;
			}
			if (loader_name_reserved(name)) {
				snprintf(err, errlen,
					 "plugin %s: the name is reserved for the core", name);
				return -1;
			}
			char path[PATH_MAX + 64];
			snprintf(path, sizeof(path), "%s/%s.so", cfg->plugin_dir, name);
			char signer[sizeof(((struct accord_plugin_ctx *)0)->signer)] = "";
			void *dl;
			const accord_plugin *d;
			if (loader_check_open(cfg, name, path, signer, sizeof(signer), &dl, &d, err,
					      errlen))
				return -1;
			struct accord_plugin_ctx *p = loader_ctx_new(h, name, dl, d, pcfg);
			if (!p) {
				plugin_dl_close(dl);
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			snprintf(p->file, sizeof(p->file), "%.4000s", path);
			snprintf(p->signer, sizeof(p->signer), "%s", signer);
			/* Its web component, if it has one (<plugins.dir>/web/<name>/,
			 * served at /plugins/<name>): sys.info says so, and the web
			 * client asks for no file of a plugin without one.  Looked at
			 * once, at start-up, before the loop runs. */
			char comp[PATH_MAX + 96];
			snprintf(comp, sizeof(comp), "%.4000s/web/%s/component.js", cfg->plugin_dir,
				 name);
			if (!access(comp, R_OK))
				snprintf(p->web, sizeof(p->web), "%.4000s/web/%s", cfg->plugin_dir,
					 name);
			h->plugins[h->n++] = p;
			log_info("loaded plugin %s %s (%s)", name, d->version, signer);
		}
	}
	return plugins_order(h, err, errlen);
}

int plugins_reorder(plugin_host *h, char *err, size_t errlen)
{
	return plugins_order(h, err, errlen);
}

int plugins_init(plugin_host *h, const accord_host_api *api, char *err, size_t errlen)
{
	for (int i = 0; i < h->n; i++) {
		struct accord_plugin_ctx *p = h->plugins[i];
		accord_status st = p->desc->init(p, api, p->config);
		if (st != ACCORD_OK) {
			snprintf(err, errlen, "plugin %s: init failed (%s)", p->name,
				 status_code_name(st));
			return -1;
		}
		p->initialised = 1;
		if (loader_check_exports(p, err, errlen))
			return -1;
	}
	return 0;
}

int loader_check_exports(const struct accord_plugin_ctx *p, char *err, size_t errlen)
{
	for (const accord_service_ref *r = p->provides; r && r->name; r++) {
		service *s = service_find(p->h, r->name, r->version);
		if (!s || s->provider != p) {
			snprintf(err, errlen,
				 "plugin %.64s: declares service %.64s version %u but its init did"
				 " not export it",
				 p->name, r->name, r->version);
			return -1;
		}
	}
	return 0;
}

int plugins_migrate(plugin_host *h, storage *st, char *err, size_t errlen)
{
	for (int i = 0; i < h->n; i++)
		if (storage_migrate(st, h->plugins[i]->name, &h->plugins[i]->scope,
				    h->plugins[i]->desc->migrations, err, errlen))
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
		txn_scope_enter(txn, &p->scope);
		accord_status s = p->desc->seed(p, txn, demo);
		txn_scope_leave(txn);
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
	registry_free(h);
	/* dlclose last: descriptors and callbacks point into the objects.
	 * ACCORD_KEEP_PLUGINS_LOADED keeps them mapped so that leak reports of
	 * sanitizers and valgrind can name plugin functions. */
	int keep = getenv("ACCORD_KEEP_PLUGINS_LOADED") != NULL;
	for (int i = h->n - 1; i >= 0; i--) {
		if (!keep)
			plugin_dl_close(h->plugins[i]->dl);
		free(h->plugins[i]);
	}
	/* Retired versions still held at exit (nothing should be: the
	 * storage thread finished its jobs before this). */
	while (h->retired) {
		struct accord_plugin_ctx *p = h->retired;
		h->retired = p->next_retired;
		if (p->initialised && p->desc->fini)
			p->desc->fini(p);
		if (!keep)
			plugin_dl_close(p->dl);
		free(p);
	}
	free(h);
}

json_t *plugins_info(plugin_host *h)
{
	json_t *a = json_array();
	for (int i = 0; i < h->n; i++) {
		const accord_plugin *d = h->plugins[i]->desc;
		/* "group": a plugin that groups enable one by one (the web
		 * client offers these in a group's settings). */
		json_t *prov = json_array(), *req = json_array();
		for (const accord_service_ref *r = h->plugins[i]->provides; r && r->name; r++)
			json_array_append_new(prov, json_pack("{s:s,s:i}", "name", r->name,
							      "version", (int)r->version));
		for (const accord_service_ref *r = h->plugins[i]->requires; r && r->name; r++)
			json_array_append_new(req, json_pack("{s:s,s:i,s:b}", "name", r->name,
							     "version", (int)r->version, "optional",
							     r->optional != 0));
		json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:b,s:o,s:o,s:s,s:o}", "name",
						   d->name, "version", d->version, "description",
						   d->description ? d->description : "", "group",
						   h->plugins[i]->group_scoped, "provides", prov,
						   "requires", req, "signer", h->plugins[i]->signer,
						   "web", plugin_web_base(h->plugins[i])));
	}
	return a;
}

int plugins_run_cli(plugin_host *h, storage *st, const char *name, int argc, char **argv)
{
	for (int i = 0; i < h->n_clis; i++) {
		if (strcmp(h->clis[i].name, name))
			continue;
		accord_txn *txn = storage_begin_sync(st);
		if (!txn)
			return 1;
		txn_scope_enter(txn, &h->clis[i].p->scope);
		int rc = h->clis[i].fn(h->clis[i].p, txn, argc, argv);
		txn_scope_leave(txn);
		if (storage_end_sync(st, txn, rc == 0))
			return 1;
		return rc;
	}
	return -2;
}
