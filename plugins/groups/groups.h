/*
 * The groups plugin's internals, shared by its files.  Each file holds one
 * concern and names what it shares <file>__<verb> (as Mosquitto does), so a
 * call says where its callee lives:
 *
 *   plugin.c    migrations, init/fini, the descriptor
 *   provider.c  the loop's copy of every group; the core's group provider
 *               (access, writable, orgs), the topics, the load at start
 *   access.c    who may act in a group (pure, unit-tested)
 *   request.c   the job, argument checks, the group of a request, the
 *               group log, the events of a room
 *   groups.c    create, update, archive, get, list; plugins per group; the
 *               snapshot of a group
 *   members.c   the organisations of a group
 *   posts.c     posts and threads
 *   items.c     shared items
 *   files.c     documents, uploaded and downloaded over HTTP
 *   service.c   the service "accord.groups" other plugins use
 *
 * Nothing here leaves the plugin (symbols are hidden).
 */
#ifndef GROUPS_H
#define GROUPS_H

#include <accord/plugin.h>
#include <accord/helpers.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accord/services/members.h>

#include "access.h"

/* plugin.c: the host API, this plugin and the members service, set by init. */
extern const accord_host_api *api;
extern accord_plugin_ctx *self;
extern const accord_members_svc *members_svc;

/* ---- provider.c: the loop's copy of every group ---- */

group *provider__find(int64_t id);
/* Replaces (or adds) the copy of a group from a snapshot (groups__snapshot).
 * -1 when memory ran out: the group is then out of the copy, so nobody
 * reaches it until its next change (closed, not stale). */
int provider__sync(const json_t *snap);
/* Archived by hand, or an ad-hoc group past its end date: read-only. */
int provider__archived(const group *g);
/* The caller as access.c takes it (buf filled), or NULL for nobody. */
const gwho *provider__who(const accord_principal *w, gwho *buf);
/* access.c's decisions for a principal. */
int provider__sees(const group *g, const accord_principal *w);
int provider__manages(const group *g, const accord_principal *w);
int provider__sees_internal(const group *g, const accord_principal *w);
/* The ids of the groups the caller reaches (NULL: out of memory). */
json_t *provider__visible_ids(const accord_principal *w);
int provider__init(accord_plugin_ctx *p);
/* Loads every group into the loop's copy (at start). */
void provider__load(void);
void provider__fini(void);

/* ---- request.c ---- */

/* Publishes a room event on "group:<id>": internal things reach the
 * group's member organisations (and co-chairs, secretariat), shared ones
 * its partners too.  Takes data. */
void request__room_event(const group *g, const char *event, json_t *data, int shared);

/* One request, one storage job, one reply: work runs in the storage
 * transaction, after on the loop once it committed (not for a retried
 * request done before). */
typedef struct job {
	accord_req *req;
	int64_t id; /* the group, 0 for none (yet: create sets it) */
	char actor[64], org[17];
	int internal_ok; /* the caller sees internal things */
	json_t *in;
	accord_status (*work)(accord_txn *, struct job *, json_t **);
	void (*after)(struct job *, json_t *);
	char retry_key[160];
	int duplicate; /* done before: out is the earlier reply */
} job;

/* Runs a job for req about group id; takes in.  Answers itself when it
 * cannot. */
void request__run(accord_req *req, int64_t id, json_t *in,
		  accord_status (*work)(accord_txn *, job *, json_t **),
		  void (*after)(job *, json_t *));
/* In a work function: fails with this code and message. */
accord_status request__fail(json_t **out, accord_status st, const char *msg);
/* A string field ("" when absent and not required); replies bad_request
 * and returns NULL when invalid. */
const char *request__str(accord_req *req, const json_t *d, const char *key, size_t max,
			 int required);
/* The group named by data.group, visible to the caller; else replies
 * (bad_request, not_found) and returns NULL. */
group *request__group(accord_req *req, const json_t *d);
/* 1, or replies conflict (archived: read-only) and returns 0. */
int request__writable(accord_req *req, const group *g);
/* 1, or replies forbidden and returns 0. */
int request__manager(accord_req *req, const group *g);
int request__valid_date(const char *s);
/* A row of the group's log, in the job's transaction. */
accord_status request__log(accord_txn *txn, job *j, const char *action, const char *detail);
/* data.visibility of a post or item -> *shared; -1 replied. */
int request__visibility(accord_req *req, const json_t *d, int *shared);

/* ---- groups.c ---- */

/* {group, members, plugins} of one group. */
accord_status groups__snapshot(accord_txn *txn, int64_t id, json_t **out);
/* The after of a change that answers a snapshot: the loop's copy, the
 * reply's view, the events (groups.changed, groups.listed). */
void groups__changed(job *j, json_t *out);
int groups__init(accord_plugin_ctx *p);

/* ---- members.c ---- */

/* Adds org to group j->id in the transaction; reads its standing. */
accord_status members__add(accord_txn *txn, job *j, const char *org, const char *role,
			   json_t **out);
int members__init(accord_plugin_ctx *p);

/* ---- posts.c, items.c, files.c ---- */

int posts__init(accord_plugin_ctx *p);
int items__init(accord_plugin_ctx *p);
/* Reads plugins.enabled.groups.files_dir and registers the route. */
accord_status files__init(accord_plugin_ctx *p, const json_t *cfg);

#endif
