/*
 * The portal plugin's rooms and what they share.  Each file holds one
 * concern, and its shared names start with the file's name (store__,
 * access__...), so a name says where it lives:
 *
 *   portal.c    start-up: configuration, the request table, loading the
 *               releases in force into the core
 *   store.c     the tables and every SQL statement
 *   access.c    who may see what: the partner view, the audiences of
 *               events, the "<kind>:<id>" syntax of items
 *   releases.c  portal.release and portal.withdraw (the writes)
 *   read.c      portal.releases, portal.feed and portal.item
 *   inputs.c    partners' input: portal.input, portal.inputs and the
 *               documents of /api/portal/input
 *
 * Every request goes the SDK's one path (helpers.h): its fields are
 * declared in a table checked before the handler runs, and its storage
 * work is an accord_job.
 */
#ifndef PORTAL_H
#define PORTAL_H

#include <accord/plugin.h>
#include <accord/helpers.h>

/* portal.c: the host, and the settings read once by init */
extern const accord_host_api *api;
extern accord_plugin_ctx *self;
extern int portal__require_basis; /* a release needs an agreed proposal */
extern char portal__files_dir[512];
extern int portal__loaded; /* the releases in force are in the core */
/* The service accord.notify, or NULL without the notify plugin. */
extern const struct accord_notify_svc *portal__notify;

#define PORTAL_TOPIC "portal"
#define PORTAL_MAX_TO 64    /* named recipients of one release */
#define PORTAL_MAX_LIST 500 /* rows of one list */
#define PORTAL_MAX_ITEM 100 /* bytes of "<kind>:<id>" */

/* store.c: the tables and every statement, on the storage thread */
extern const accord_migration store__migrations[];
/* The one release WHERE where (with params, taken), decoded; *row NULL
 * when there is none. */
accord_status store__release(accord_txn *txn, const char *where, json_t *params, json_t **row);
accord_status store__release_in_force(accord_txn *txn, const char *item, json_t **row);
accord_status store__release_by_id(accord_txn *txn, json_int_t id, json_t **row);
/* Newest first: in force (all: withdrawn too), of item when not NULL. */
accord_status store__releases(accord_txn *txn, const char *item, int all, json_t **rows);
/* Items released now and to whom, for the core at start-up. */
accord_status store__releases_in_force(accord_txn *txn, json_t **rows);
/* A new release, logged, by j's caller; *id gets its id. */
accord_status store__release_add(accord_txn *txn, const accord_job *j, const char *item,
				 const char *kind, const json_t *to, const json_t *basis,
				 const char *note, const json_t *content, json_int_t *id);
/* Ends release id of item (withdrawn or superseded), logged. */
accord_status store__release_end(accord_txn *txn, const accord_job *j, json_int_t id,
				 const char *item, const char *reason);
/* A partner's input (about: a release id, or NULL), by j's caller. */
accord_status store__input_add(accord_txn *txn, const accord_job *j, const json_t *about,
			       const char *text, const char *file_name, int64_t file_size,
			       json_int_t *id);
accord_status store__input(accord_txn *txn, json_int_t id, json_t **row);
/* Every input (only org's when partner), newest first. */
accord_status store__inputs(accord_txn *txn, int partner, const char *org, json_t **rows);
/* ACCORD_OK when input id has a document that org may have (a member's
 * org any), else ACCORD_E_NOT_FOUND. */
accord_status store__input_document(accord_txn *txn, json_int_t id, int partner, const char *org);

/* access.c: who may see what */
int access__chair_or_secretariat(const accord_principal *w);
/* A field check (accord_arg.check) for "<kind>:<id>". */
const char *access__item_syntax(const json_t *v);
/* What a partner sees of a release: the item as released, nothing about
 * who released it or to whom else. */
json_t *access__partner_view(const json_t *release);
/* Events (data is taken): to the partners item is released to; to the
 * partners of a release's old audience; to members; to members and org. */
void access__publish_to_item(const char *event, json_t *data, const char *item);
void access__publish_withdrawn(const json_t *audience, json_t *data);
void access__publish_to_members(const char *event, json_t *data);
void access__publish_input(const char *org, json_t *input);

/* releases.c */
extern const accord_arg releases__release_args[], releases__withdraw_args[];
int releases__may_release(accord_req *req, const json_t *d);
int releases__may_withdraw(accord_req *req, const json_t *d);
void releases__release(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud);
void releases__withdraw(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud);

/* read.c */
extern const accord_arg read__releases_args[], read__item_args[];
int read__when_loaded(accord_req *req, const json_t *d);
void read__releases(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud);
void read__feed(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud);
void read__item(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud);

/* inputs.c */
extern const accord_arg inputs__input_args[];
int inputs__partners_only(accord_req *req, const json_t *d);
void inputs__input(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud);
void inputs__inputs(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud);
void inputs__http(accord_plugin_ctx *p, accord_http *h, const accord_principal *w, void *ud);

#endif
