/*
 * The membership plugin's internals, shared by its files.  Each file holds
 * one concern and names what it shares <file>__<verb> (as Mosquitto does),
 * so a call says where its callee lives:
 *
 *   plugin.c    migrations, init/fini, the descriptor, topic "network"
 *   request.c   the caller's roles, argument checks, the write-then-reply
 *               job, announcing a change once the accounts are refreshed
 *   orgs.c      organisations, and the loop's cache of them
 *   people.c    people, and the one path that writes a person
 *   invites.c   one-time links: invitations and password resets
 *   presence.c  who is online, per organisation
 *   audit.c     the audit log
 *   export.c    the members list export (HTTP and CLI)
 *   seed.c      the demo network and the first account
 *   rules.c     who may do what, field validators (pure, unit-tested)
 *   csv.c       the export's formats (pure, unit-tested)
 *   service.c   the service "accord.members" other plugins use
 *
 * Nothing here leaves the plugin (symbols are hidden).
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

/* The caller's roles as rules.c counts them (0 for nobody). */
unsigned request__roles_of(const accord_principal *who);
/* 1 if the caller may; else replies forbidden and returns 0. */
int request__may(accord_req *req, enum maction a);
/* Reads a string field ("" when absent and not required); replies
 * bad_request and returns NULL when invalid. */
const char *request__str(accord_req *req, const json_t *d, const char *key, size_t max,
			 int required, int (*valid)(const char *));
/* roles: optional array of role names -> "a,b" (in buf). 0 ok, -1 replied. */
int request__roles(accord_req *req, const json_t *d, char *buf, size_t cap);
/* "a,b" -> ["a","b"] */
json_t *request__roles_json(const char *csv);
const char *request__actor(accord_req *req);
/* The first row of a query (params released), or NULL: none, or it failed. */
json_t *request__row0(accord_txn *txn, const char *sql, json_t *params);
/* members.changed on topic "network", and the service's watchers. */
void request__publish_changed(const char *what, const char *id, const char *action);

/* A "write then reply" job: work runs in the storage transaction, after on
 * the loop once it committed (not for a retried request done before). */
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

/* Runs a wjob for req; takes in.  Answers itself when it cannot. */
void request__run(accord_req *req, json_t *in,
		  accord_status (*work)(accord_txn *, wjob *, json_t **),
		  void (*after)(wjob *, json_t *));
/* In a work function: fails with this code and message. */
accord_status request__fail(json_t **out, accord_status st, const char *msg);
/* From an after function: answers j's request with reply and announces
 * the change once the accounts it touched are refreshed (it takes the
 * reply over: j's own reply is not sent).  j may be NULL. */
void request__announce(wjob *j, json_t *reply, const char *what, const char *id,
		       const char *action);

/* ---- audit.c ---- */

/* Writes an audit row in the change's transaction. */
accord_status audit__add(accord_txn *txn, const char *actor, const char *action,
			 const char *object, const json_t *before, const json_t *after);
int audit__init(accord_plugin_ctx *p);

/* ---- orgs.c ---- */

/* The loop's cache of organisations: what presence needs. */
typedef struct org_entry {
	char code[17];
	int member; /* standing member and active */
} org_entry;

const org_entry *orgs__cached(size_t *n);
/* Reloads the cache from the database (after a change, and at start). */
void orgs__reload(void);
int orgs__init(accord_plugin_ctx *p);
void orgs__fini(void);

/* ---- people.c ---- */

#define PERSON_SELECT                                                                     \
	"SELECT login, account_id, name, org_code AS org, function, contact, roles, active" \
	" FROM members_people WHERE login=?"

/* Writes the person and the account; shared by save, invite acceptance,
 * password reset and the seed.  in: {login, name, org, function, contact,
 * roles: "a,b", active, create_only?}; hash may be NULL.  NOT_FOUND when
 * the organisation is not there. */
accord_status people__write(accord_txn *txn, const json_t *in, const char *hash,
			    int64_t *account_id);
int people__init(accord_plugin_ctx *p);

/* ---- invites.c ---- */

int invites__init(accord_plugin_ctx *p);

/* ---- presence.c ---- */

/* 1 if the login has a connection open now. */
int presence__online(const char *login);
int presence__init(accord_plugin_ctx *p);
void presence__fini(void);

/* ---- export.c ---- */

int export__init(accord_plugin_ctx *p);

/* ---- seed.c ---- */

/* The descriptor's .seed: accord init --demo and --admin. */
accord_status seed__network(accord_plugin_ctx *p, accord_txn *txn, const json_t *demo);

#endif
