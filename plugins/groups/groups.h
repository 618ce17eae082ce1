/*
 * The groups plugin's internals, shared by its files (one per concern:
 * provider.c, request.c, groups.c, members.c, posts.c, items.c, files.c,
 * plugin.c; service.c, the service "accord.groups" other plugins use).
 * Nothing here leaves the plugin.
 */
#ifndef GROUPS_H
#define GROUPS_H

#include <accord/plugin.h>
#include <accord/helpers.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accord/services/members.h>

/* plugin.c: the host API, this plugin and the members service, set by init. */
extern const accord_host_api *api;
extern accord_plugin_ctx *self;
extern const accord_members_svc *members;

/* ---- provider.c: the loop's copy of every group ---- */

typedef struct gmember {
	char org[17];
	int lead, partner;
} gmember;

typedef struct group {
	int64_t id;
	int archived, ad_hoc;
	char end_date[11];
	gmember *m;
	size_t n_m;
	char (*plugins)[33];
	size_t n_plugins;
} group;

extern group **groups;
extern size_t n_groups;

group *gfind(int64_t id);
/* Replaces (or adds) the copy of a group from a snapshot. */
void gsync(const json_t *snap);
const gmember *member_of(const group *g, const char *org);
/* An ad-hoc group past its end date is archived, read-only. */
int archived(const group *g);
int is_chair_or_secretariat(const accord_principal *w);
/* Who reaches the group: its organisations' people, co-chairs, secretariat. */
int can_see(const group *g, const accord_principal *w);
int can_manage(const group *g, const accord_principal *w);
/* Partners of the group see shared things only. */
int sees_internal(const group *g, const accord_principal *w);
int provider_init(accord_plugin_ctx *p);
/* Loads every group into the loop's copy. */
void provider_load(void);
void provider_fini(void);

/* ---- request.c ---- */

void room_event(const group *g, const char *event, json_t *data, int shared);

typedef struct job {
	accord_req *req;
	int64_t id;
	char actor[64], org[17];
	int internal_ok; /* the caller sees internal things */
	json_t *in;
	accord_status (*work)(accord_txn *, struct job *, json_t **);
	void (*after)(struct job *, json_t *);
	char retry_key[160];
	int duplicate; /* done before: out is the earlier reply */
} job;

/* Takes in. */
void run(accord_req *req, int64_t id, json_t *in, accord_status (*work)(accord_txn *, job *, json_t **),
	 void (*after)(job *, json_t *));
accord_status fail(json_t **out, accord_status st, const char *msg);
const char *str_arg(accord_req *req, const json_t *d, const char *key, size_t max, int required);
/* The group named by data.group, visible to the caller; else not_found. */
group *arg_group(accord_req *req, const json_t *d);
int writable(accord_req *req, const group *g);
int manager(accord_req *req, const group *g);
int valid_date(const char *s);
accord_status log_action(accord_txn *txn, job *j, const char *action, const char *detail);
int visibility_arg(accord_req *req, const json_t *d, int *shared);

/* ---- groups.c ---- */

/* {group, members, plugins} of one group. */
accord_status snapshot(accord_txn *txn, int64_t id, json_t **out);
/* After a change: the loop's copy, the reply view and the events. */
void after_snapshot(job *j, json_t *out);
int groups_init(accord_plugin_ctx *p);

/* ---- members.c ---- */

/* Adds org to group j->id in the transaction; reads its standing. */
accord_status add_member(accord_txn *txn, job *j, const char *org, const char *role, json_t **out);
int members_init(accord_plugin_ctx *p);

/* ---- posts.c, items.c, files.c ---- */

int posts_init(accord_plugin_ctx *p);
int items_init(accord_plugin_ctx *p);
/* Reads plugins.enabled.groups.files_dir and registers the route. */
accord_status files_init(accord_plugin_ctx *p, const json_t *cfg);

#endif
