/*
 * What the core asks about a loaded plugin (plugin_host.h).
 */
#include "plugin_host.h"
#include "log.h"

#include <assert.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdlib.h>

const char *plugin_name(const struct accord_plugin_ctx *p) { return p ? p->name : "core"; }
server *plugin_server(const struct accord_plugin_ctx *p) { return p->srv; }
int plugin_group_scoped(const struct accord_plugin_ctx *p) { return p && p->group_scoped; }
const storage_scope *plugin_scope(const struct accord_plugin_ctx *p)
{
	return p ? &p->scope : NULL;
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
	if (!p->live)
		return json_sprintf("/plugins/%s", p->name);
	if (!p->web[0])
		return json_null();
	const char *base = strrchr(p->web, '/');
	return json_sprintf("/plugins-live/%s", base ? base + 1 : p->web);
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
		dlclose(p->dl);
	free(p);
}
