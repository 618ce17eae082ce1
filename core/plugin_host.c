/*
 * What the core asks about a loaded plugin (plugin_host.h).
 */
#include "plugin_host.h"
#include "log.h"

#include <assert.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *plugin_name(const struct accord_plugin_ctx *p) { return p ? p->name : "core"; }
server *plugin_server(const struct accord_plugin_ctx *p) { return p->srv; }
int plugin_group_scoped(const struct accord_plugin_ctx *p) { return p && p->group_scoped; }
const storage_scope *plugin_scope(const struct accord_plugin_ctx *p)
{
	return p ? &p->scope : NULL;
}

/* The memory file of each plugin object opened from a sealed copy
 * (loader_check_open) stays open until plugin_dl_close: dlopen knows an
 * object by its path string, and a /proc/self/fd/N reused by a later plugin
 * while the first is loaded would hand back the first.  The admin thread
 * opens, the loop closes. */
struct pinned {
	void *dl;
	int fd;
	struct pinned *next;
};
static struct pinned *pins;
static pthread_mutex_t pins_mu = PTHREAD_MUTEX_INITIALIZER;

int plugin_dl_pinned(void *dl, int fd)
{
	struct pinned *pn = malloc(sizeof(*pn));
	if (!pn)
		return -1;
	pn->dl = dl;
	pn->fd = fd;
	pthread_mutex_lock(&pins_mu);
	pn->next = pins;
	pins = pn;
	pthread_mutex_unlock(&pins_mu);
	return 0;
}

void plugin_dl_close(void *dl)
{
	if (!dl)
		return;
	dlclose(dl);
	pthread_mutex_lock(&pins_mu);
	struct pinned **pp = &pins;
	while (*pp && (*pp)->dl != dl)
		pp = &(*pp)->next;
	struct pinned *pn = *pp;
	if (pn)
		*pp = pn->next;
	pthread_mutex_unlock(&pins_mu);
	if (pn) {
		close(pn->fd);
		free(pn);
	}
}

const permit_groups *plugins_groups(const plugin_host *h) { return h ? &h->groups : NULL; }

void plugin_log(const struct accord_plugin_ctx *p, accord_log_level lvl, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_msgv(lvl, plugin_name(p), fmt, ap);
	va_end(ap);
}

json_t *plugin_web_base(const struct accord_plugin_ctx *p)
{
	if (!p->web[0])
		return json_null();
	if (!p->live)
		return json_sprintf("/plugins/%s", p->name);
	const char *base = strrchr(p->web, '/');
	return json_sprintf("/plugins-live/%s", base ? base + 1 : p->web);
}

int plugins_web_served(const plugin_host *h, const char *uri, size_t len)
{
	const char *rest;
	int live;
	if (len >= 9 && !strncmp(uri, "/plugins/", 9)) {
		rest = uri + 9;
		live = 0;
	} else if (len >= 14 && !strncmp(uri, "/plugins-live/", 14)) {
		rest = uri + 14;
		live = 1;
	} else if ((len == 8 && !strncmp(uri, "/plugins", 8)) ||
		   (len == 13 && !strncmp(uri, "/plugins-live", 13)))
		return 0;
	else
		return 1; /* not a plugin's web path */
	size_t n = 0, max = len - (size_t)(rest - uri);
	while (n < max && rest[n] != '/')
		n++;
	for (int i = 0; i < h->n; i++) {
		const struct accord_plugin_ctx *p = h->plugins[i];
		if (!!p->live != live || (live && !p->web[0]))
			continue;
		const char *seg = p->name;
		if (live) {
			seg = strrchr(p->web, '/');
			seg = seg ? seg + 1 : p->web;
		}
		if (strlen(seg) == n && !strncmp(seg, rest, n))
			return 1;
	}
	return 0;
}

void plugin_ref(struct accord_plugin_ctx *p)
{
	if (p)
		p->refs++;
}

/* Runs on the loop, like everything that holds a plugin. */
void plugin_unref(struct accord_plugin_ctx *p)
{
	if (!p)
		return;
	assert(p->refs > 0);
	if (--p->refs || !p->retired)
		return;
	plugin_host *h = p->h;
	for (struct accord_plugin_ctx **pp = &h->retired; *pp; pp = &(*pp)->next_retired)
		if (*pp == p) {
			*pp = p->next_retired;
			break;
		}
	log_info("plugin %s %s: nothing of it is in flight any more; closing %s", p->name,
		 p->desc->version, p->file);
	if (p->initialised && p->desc->fini)
		p->desc->fini(p);
	if (!getenv("ACCORD_KEEP_PLUGINS_LOADED"))
		plugin_dl_close(p->dl);
	free(p);
}
