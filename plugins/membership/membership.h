/*
 * The membership plugin's internals, shared by its files (one per concern:
 * request.c, orgs.c, people.c, invites.c, presence.c, audit.c, export.c,
 * seed.c, plugin.c; the pure rules.c and csv.c; service.c, the service
 * "accord.members" other plugins use).  Nothing here leaves the plugin.
 */
#ifndef MEMBERSHIP_H
#define MEMBERSHIP_H

#include <accord/plugin.h>
#include <accord/helpers.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

/* plugin.c: the host API and this plugin, set by init. */
extern const accord_host_api *api;
extern accord_plugin_ctx *self;

/* ---- request.c ---- */

unsigned roles_of(const accord_principal *who);
/* 1 if the caller may; else replies forbidden and returns 0. */
int may(accord_req *req, enum maction a);
/* Reads a string field; replies bad_request and returns NULL when invalid. */
const char *str_arg(accord_req *req, const json_t *d, const char *key, size_t max, int required,
		    int (*valid)(const char *));
/* roles: optional array of role names -> "a,b" (in buf). 0 ok, -1 replied. */
int roles_arg(accord_req *req, const json_t *d, char *buf, size_t cap);
json_t *roles_json(const char *csv);
const char *actor_login(accord_req *req);
/* The first row of a query (params released), or NULL. */
json_t *row0(accord_txn *txn, const char *sql, json_t *params);
/* members.changed on topic "network", and the service's watchers. */
void publish_changed(const char *what, const char *id, const char *action);

/* A generic "write then reply" job. */
typedef struct wjob {
	accord_req *req;
	json_t *in;    /* validated arguments */
	char actor[64];
	int64_t account_id;
	accord_status (*work)(accord_txn *txn, struct wjob *j, json_t **out);
	void (*after)(struct wjob *j, json_t *out); /* on the loop, after commit */
	const char *conflict_msg;
	const char *not_found_msg;
	char hash[160]; /* password hash for accept_invite */
	char retry_key[160];
	int duplicate; /* done before: out is the earlier reply */
} wjob;

/* Takes in. */
void run(accord_req *req, json_t *in, accord_status (*work)(accord_txn *, wjob *, json_t **),
	 void (*after)(wjob *, json_t *));
accord_status fail_with(json_t **out, accord_status st, const char *msg);
/* Takes over the reply of j (see wjob_done). */
void announce_after_refresh(wjob *j, json_t *reply, const char *what, const char *id,
			    const char *action);

/* ---- audit.c ---- */

accord_status audit(accord_txn *txn, const char *actor, const char *action, const char *object,
		    const json_t *before, const json_t *after);
int audit_init(accord_plugin_ctx *p);

/* ---- orgs.c ---- */

/* The organisations cache: what presence needs on the loop. */
typedef struct org_entry {
	char code[17];
	int member; /* standing member and active */
} org_entry;
extern org_entry *orgs;
extern size_t n_orgs;

int orgs_init(accord_plugin_ctx *p);
/* Reloads the cache from the database. */
void orgs_reload(void);
void orgs_fini(void);

/* ---- people.c ---- */

extern const char *PERSON_SELECT;
/* Writes the person and the account; shared by save, invite acceptance and
 * the demo seed. */
accord_status person_write(accord_txn *txn, const json_t *in, const char *hash,
			   int64_t *account_id, json_t **org_row);
int people_init(accord_plugin_ctx *p);

/* ---- invites.c ---- */

int invites_init(accord_plugin_ctx *p);

/* ---- presence.c ---- */

int login_online(const char *login);
int presence_init(accord_plugin_ctx *p);
void presence_fini(void);

/* ---- export.c ---- */

int export_init(accord_plugin_ctx *p);

/* ---- seed.c ---- */

accord_status seed(accord_plugin_ctx *p, accord_txn *txn, const json_t *demo);

#endif
