/*
 * Plugins installed, upgraded and removed while the server runs.
 *
 * The admin socket's thread (admin.c) does the slow part of a request off
 * the loop: it copies the shared object (and its web files) into the
 * managed folder, checks it and dlopens it.  It then hands the loop a
 * live_op and waits; the loop (plugin_live.c) checks it against the
 * plugins loaded, runs its migrations on the storage thread (a solo job,
 * outside the group transaction), and swaps the registrations in one go,
 * between two passes of the loop.  The admin thread records the result in
 * the state file (installed.json in the managed folder) and answers.
 */
#ifndef ACCORD_PLUGIN_LIVE_H
#define ACCORD_PLUGIN_LIVE_H

#include <limits.h>
#include <pthread.h>

#include "accord/plugin.h"
#include "config.h"
#include "plugin_host.h"

typedef enum live_kind { LIVE_INSTALL = 1, LIVE_UPGRADE, LIVE_REMOVE, LIVE_LIST } live_kind;

typedef struct live_op {
	live_kind kind;
	char name[33];
	char file[PATH_MAX]; /* the managed copy (install, upgrade) */
	char web[PATH_MAX];  /* its web files' managed copy, or "" */
	char digest[65];
	char signer[96]; /* who vouches for it (the signature check) */
	void *dl;        /* opened and checked by the admin thread; the loop owns it then */
	const accord_plugin *desc;

	/* the answer, set by the loop */
	int finished;
	int ok;
	char msg[512];
	json_t *result; /* list: plugins; others: the plugin's entry */
	json_t *state;  /* after a change: what installed.json holds now */

	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct live_op *next;
} live_op;

/* Admin thread: hands op to the loop and waits for its answer (or the
 * server's shutdown, which answers "unavailable"). */
void live_submit_and_wait(server *srv, live_op *op);
/* Loop (LWS_CALLBACK_EVENT_WAIT_CANCELLED): takes the ops handed over;
 * api is the host API table new plugins' init gets (hostapi.h, handed
 * down so that this module stays below it). */
void live_run_pending(server *srv, const accord_host_api *api);
/* Shut-down: answers every op still waiting; later ones are refused. */
void live_close(server *srv);

/* Start-up, after the configuration's plugins: loads the plugins the
 * state file lists (a plugin that cannot be loaded is skipped, loudly).
 * -1 only when out of memory. */
int plugins_load_installed(plugin_host *h, const accord_config *cfg);
/* The state file's path. */
void live_state_path(const accord_config *cfg, char *out, size_t len);

/* Every plugin as `accord plugins list` and sys.plugins show it: version,
 * signer, services, message types, topics, groups that enabled it. */
json_t *plugins_describe(plugin_host *h);

#endif
