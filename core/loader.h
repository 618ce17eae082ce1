/*
 * The plugin loader: dlopen, descriptor checks, services between plugins
 * and the start order they imply, and each plugin's init, migrations, seed
 * and fini.
 */
#ifndef ACCORD_LOADER_H
#define ACCORD_LOADER_H

#include "accord/plugin.h"
#include "config.h"
#include "plugin_host.h"
#include "signature.h"
#include "storage.h"

typedef struct plugin_host plugin_host;
typedef struct server server;

plugin_host *plugins_new(server *srv);
/* What a plugin's files are checked against before it is opened: the
 * configuration's trusted keys and the plugins built with this server
 * (their digests compiled in, bundled_plugins.c).  t points into cfg. */
void loader_trust(const accord_config *cfg, sig_trust *t);
/* Checks the plugin at so_path (signature_check) and decides: returns 0 if
 * it may be loaded (signer gets who vouches for it: a trusted key's name,
 * "built with this server", or "unverified" under plugins.allow_unsigned,
 * which also logs a warning), else -1 with err naming the plugin, the key
 * expected and why.  Reads files: call it at start or from a worker
 * thread, never on the loop. */
int loader_check_plugin(const accord_config *cfg, const char *name, const char *so_path,
			char *signer, size_t signer_len, char *err, size_t errlen);
/* Checks the plugin at so_path as loader_check_plugin does and opens it
 * as loader_open does, both from one sealed in-memory copy of the .so, so
 * that a file swapped in after the check is never loaded.  0 with signer,
 * *dl and *desc (closed with plugin_dl_close), or -1 with err.  Reads
 * files: never on the loop. */
int loader_check_open(const accord_config *cfg, const char *name, const char *so_path, char *signer,
		      size_t signer_len, void **dl, const accord_plugin **desc, char *err,
		      size_t errlen);
/* After p's init: every service its descriptor provides was exported by
 * p.  0, or -1 with err naming the service. */
int loader_check_exports(const struct accord_plugin_ctx *p, char *err, size_t errlen);
/* Loads the enabled plugins and checks their ABI.  Returns 0 or -1 with err
 * naming the plugin and the reason. */
int plugins_load(plugin_host *h, const accord_config *cfg, char *err, size_t errlen);
/* Checks services and orders the plugins again (after plugins installed
 * live were added, plugin_live.c). */
int plugins_reorder(plugin_host *h, char *err, size_t errlen);
/* dlopens path and checks the descriptor (ABI, size, name = name, version,
 * init): 0 with *dl and *desc, or -1 with err.  Any thread. */
int loader_open(const char *path, const char *name, void **dl, const accord_plugin **desc,
		char *err, size_t errlen);
/* 1 for the names the core keeps (auth, sub, sys, core). */
int loader_name_reserved(const char *name);
/* A context for a plugin loader_open opened, holding one reference (it is
 * registered). */
struct accord_plugin_ctx *loader_ctx_new(plugin_host *h, const char *name, void *dl,
					 const accord_plugin *d, const json_t *pcfg);

/* Calls every plugin's init, providers before their users, handing each
 * the host API table api (hostapi.h: &accord_host_api_v1). */
int plugins_init(plugin_host *h, const accord_host_api *api, char *err, size_t errlen);
int plugins_migrate(plugin_host *h, storage *st, char *err, size_t errlen);
int plugins_seed(plugin_host *h, storage *st, const json_t *demo, char *err, size_t errlen);
void plugins_unload(plugin_host *h);
json_t *plugins_info(plugin_host *h);
/* Runs "accord <name> ..." if a plugin registered it: returns -2 if none. */
int plugins_run_cli(plugin_host *h, storage *st, const char *name, int argc, char **argv);

/* The host API's services (include/accord/plugin.h). */
int loader_service_export(accord_plugin_ctx *p, const char *name, uint32_t version,
			  const void *table);
const void *loader_service_import(accord_plugin_ctx *p, const char *name, uint32_t version);

#endif
