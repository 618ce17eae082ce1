/*
 * Service "accord.members" version 1: the network's organisations and
 * people.  Provided by the membership plugin; the plugins that need to know
 * who the members are (consensus: who votes, who speaks for an
 * organisation; groups: an organisation's standing) import it instead of
 * reading membership's tables, so that another membership provider (a
 * directory, another store) can take its place.
 *
 *   static const accord_service_ref needs[] = {
 *           {ACCORD_SVC_MEMBERS, ACCORD_SVC_MEMBERS_V, 0}, {NULL, 0, 0}};
 *   ...in init:  members = api->service_import(p, ACCORD_SVC_MEMBERS,
 *                                              ACCORD_SVC_MEMBERS_V);
 *
 * Functions taking an accord_txn run on the storage thread, inside the
 * caller's work, and see what that transaction sees (the caller's own
 * writes included).  They return ACCORD_OK, ACCORD_E_NOT_FOUND (no such
 * organisation or person, or an inactive one where said), or
 * ACCORD_E_INTERNAL (the database failed); *out is a new reference the
 * caller frees, NULL unless ACCORD_OK.
 */
#ifndef ACCORD_SERVICES_MEMBERS_H
#define ACCORD_SERVICES_MEMBERS_H

#include <accord/plugin.h>

#define ACCORD_SVC_MEMBERS "accord.members"
#define ACCORD_SVC_MEMBERS_V 1u

/* Called on the loop after a change of an organisation or a person
 * committed: change is {"what": "org"|"person", "id": code|login,
 * "action": "saved"|"deactivated"|"joined"|...}. */
typedef void (*accord_members_watch_fn)(accord_plugin_ctx *who, const json_t *change, void *ud);

typedef struct accord_members_svc {
	size_t size; /* sizeof the provider's table */

	/* The codes of the active organisations of standing "member" (the
	 * network's voters), in code order: an array of strings. */
	accord_status (*voting_orgs)(accord_txn *txn, json_t **out);
	/* The code of the active state counterpart (MOL in the demo network)
	 * as a JSON string, or ACCORD_E_NOT_FOUND when there is none. */
	accord_status (*state_counterpart)(accord_txn *txn, json_t **out);
	/* An organisation, active or not: {code, name, kind, standing
	 * ("member"|"partner"), active, state_counterpart}. */
	accord_status (*org)(accord_txn *txn, const char *code, json_t **out);
	/* Every organisation, in code order: an array of org objects. */
	accord_status (*orgs)(accord_txn *txn, json_t **out);
	/* A person by login: {login, name, org, function ("focal_point",
	 * "alternate", "staff"...), roles: [..], active}. */
	accord_status (*person)(accord_txn *txn, const char *login, json_t **out);
	/* Whether the active person login speaks for their organisation
	 * (a focal point or an alternate): 1, 0, or -1 on a database error. */
	int (*speaks_for_org)(accord_txn *txn, const char *login);
	/* On the loop: fn runs after every committed change of the members
	 * list, in the order of the changes.  0, or -1 when it cannot. */
	int (*watch)(accord_plugin_ctx *who, accord_members_watch_fn fn, void *ud);

	/* ---- added for notifications (issue 22); check with
	 * ACCORD_SERVICE_HAS ---- */
	/* The people of organisation code, active or not, in login order:
	 * an array of {login, name, function, contact, active}. */
	accord_status (*org_people)(accord_txn *txn, const char *code, json_t **out);
	/* On the loop (init): fn runs on the storage thread inside the
	 * transaction that stores each new invitation, with {org, name,
	 * function, contact, token, expires}: token is the one-time secret
	 * of the invitation's link, which the provider keeps only hashed, so
	 * this is the one moment it can be mailed.  fn sets *mailed to 1 when
	 * it queued a message with the link; a status other than ACCORD_OK
	 * fails the invitation (it is not stored).  One hook (the notify
	 * plugin's); fn NULL removes it.  0, or -1. */
	int (*on_invite)(accord_plugin_ctx *who,
			 accord_status (*fn)(accord_txn *txn, const json_t *invite, int *mailed,
					     void *ud),
			 void *ud);
} accord_members_svc;

#endif
