/*
 * What the core asks about a loaded plugin (plugin_host.h).
 */
#include "plugin_host.h"
#include "log.h"

#include <stdarg.h>

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
