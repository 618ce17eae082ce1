/*
 * The groups plugin's internals, shared by its files.  Each file holds one
 * concern and names what it shares <file>__<verb> (as Mosquitto does), so a
 * call says where its callee lives:
 *
 *   plugin.c    migrations, init/fini, the descriptor
 *   provider.c  the loop's copy of every group; the core's group provider
 *               (access, writable, orgs), the topics, the load at start
 *   access.c    who may act in a group (pure, unit-tested)
 *   request.c   the events of a room, the job (the SDK's), the group
 *               log, who may call (allow hooks), the plugin's own fields
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

/* A job on the SDK's request path (helpers.h) about group (j->id, 0 for
 * none; create sets it), answering not_found "no such group" when its work
 * says not found without a message.  NULL when it answered itself. */
accord_job *request__job(accord_req *req, int64_t group, json_t *in, accord_job_work_fn work,
			 accord_job_after_fn after);
/* The same, submitted at once; in NULL (a copy that failed) is answered
 * "out of memory". */
void request__run(accord_req *req, int64_t group, json_t *in, accord_job_work_fn work,
		  accord_job_after_fn after);
/* Whether the job's caller sees the group's internal things: its group was
 * checked visible before the job (request__allow_*), so unless a partner. */
int request__internal_ok(const accord_job *j);
/* A row of the group's log, in the job's transaction. */
accord_status request__log(accord_txn *txn, const accord_job *j, const char *action,
			   const char *detail);

/* Allow hooks of the handler tables, in the order they answer: data.group
 * an integer (bad_request), a group the caller reaches (not_found), that
 * the caller manages (forbidden), not archived (conflict). */
int request__allow_reading(accord_req *req, const json_t *d);
int request__allow_writing(accord_req *req, const json_t *d);
int request__allow_managing(accord_req *req, const json_t *d);
/* In a handler behind one of them: the group of data.group. */
group *request__group(const json_t *d);

/* visibility: "", internal or shared (accord_arg .check). */
const char *request__check_visibility(const json_t *v);
/* After the table: what a post or item is, from data.visibility and the
 * caller's standing (the default; partners post shared things only:
 * forbidden).  0, or -1 replied. */
int request__shared(accord_req *req, const json_t *d, int *shared);

/* ---- groups.c ---- */

/* {group, members, plugins} of one group. */
accord_status groups__snapshot(accord_txn *txn, int64_t id, json_t **out);
/* The after of a change that answers a snapshot: the loop's copy, the
 * reply's view, the events (groups.changed, groups.listed). */
accord_status groups__changed(accord_job *j, json_t **out);
int groups__init(accord_plugin_ctx *p);

/* ---- members.c ---- */

/* Adds org to group j->id in the transaction; reads its standing. */
accord_status members__add(accord_txn *txn, const accord_job *j, const char *org, const char *role,
			   json_t **out);
int members__init(accord_plugin_ctx *p);

/* ---- posts.c, items.c, files.c ---- */

int posts__init(accord_plugin_ctx *p);
int items__init(accord_plugin_ctx *p);
/* Reads plugins.enabled.groups.files_dir and registers the route. */
accord_status files__init(accord_plugin_ctx *p, const json_t *cfg);

#endif
