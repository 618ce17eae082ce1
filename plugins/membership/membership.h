/*
 * The membership plugin's internals, shared by its files.  Each file holds
 * one concern and names what it shares <file>__<verb> (as Mosquitto does),
 * so a call says where its callee lives:
 *
 *   plugin.c    migrations, init/fini, the descriptor, topic "network"
 *   request.c   who may do what (the tables' allow hooks), the plugin's
 *               own field checks, the job (the SDK's), announcing a change
 *               once the accounts are refreshed
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
/* The same as allow hooks of the handler tables (helpers.h). */
int request__may_read_orgs(accord_req *req, const json_t *d);
int request__may_read_people(accord_req *req, const json_t *d);
int request__may_presence(accord_req *req, const json_t *d);
int request__may_save_org(accord_req *req, const json_t *d);
int request__may_save_person(accord_req *req, const json_t *d);
int request__may_deactivate(accord_req *req, const json_t *d);
int request__may_invite(accord_req *req, const json_t *d);
int request__may_audit(accord_req *req, const json_t *d);
int request__may_reset_password(accord_req *req, const json_t *d);

/* Field checks of the tables (accord_arg .check): an organisation code, a
 * login (rules.h). */
const char *request__check_code(const json_t *v);
const char *request__check_login(const json_t *v);
/* The table row of "roles": up to 3 of co_chair, secretariat, admin. */
extern const accord_arg request__role;
#define REQUEST__ROLES_ARG                                                                         \
	{                                                                                          \
		.name = "roles", .type = ACCORD_ARG_ARRAY, .max = 3, .each = &request__role,       \
		.says = "expected an array of co_chair, secretariat, admin"                        \
	}
/* The checked roles of d as "a,b" (in buf, "" without any). */
void request__roles_csv(const json_t *d, char *buf, size_t cap);
/* "a,b" -> ["a","b"] */
json_t *request__roles_json(const char *csv);
/* The first row of a query (params released) in *row, NULL when there is
 * none; the query's status (a failed statement ends the job). */
accord_status request__row(accord_txn *txn, const char *sql, json_t *params, json_t **row);
/* members.changed on topic "network", and the service's watchers. */
void request__publish_changed(const char *what, const char *id, const char *action);

/* A job on the SDK's request path (helpers.h) with this plugin's messages
 * for errors that carry none; j->id is free for the account a work touched.
 * NULL when it answered "out of memory" itself. */
accord_job *request__job(accord_req *req, json_t *in, accord_job_work_fn work,
			 accord_job_after_fn after);
/* The same, submitted at once; in NULL (a copy that failed) is answered
 * "out of memory". */
void request__run(accord_req *req, json_t *in, accord_job_work_fn work, accord_job_after_fn after);
/* From an after: answers j's request with reply, and announces the change,
 * once the accounts it touched are refreshed (the job's own reply is not
 * sent).  j may be NULL. */
void request__announce(accord_job *j, json_t *reply, const char *what, const char *id,
		       const char *action);

/* ---- audit.c ---- */

/* Writes an audit row in the change's transaction. */
accord_status audit__add(accord_txn *txn, const char *actor, const char *action, const char *object,
			 const json_t *before, const json_t *after);
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

#define PERSON_SELECT                                                                              \
	"SELECT login, account_id, name, org_code AS org, function, contact, roles, active"        \
	" FROM members_people WHERE login=?"

/* Writes the person and the account; shared by save, invite acceptance,
 * password reset and the seed.  in: {login, name, org, function, contact,
 * roles: "a,b", active, create_only?}; hash may be NULL.  NOT_FOUND when
 * the organisation is not there. */
accord_status people__write(accord_txn *txn, const json_t *in, const char *hash, int64_t *account_id);
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
