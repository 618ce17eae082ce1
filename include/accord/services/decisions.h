/*
 * Service "accord.decisions" version 1: the network's decisions (closed
 * consensus proposals).  Provided by the consensus plugin; a plugin that
 * links its objects to a decision (an action item of a working group
 * following up a decision) imports it instead of reading consensus's
 * tables.
 *
 * Functions taking an accord_txn run on the storage thread inside the
 * caller's work; *out is a new reference, NULL unless ACCORD_OK.
 */
#ifndef ACCORD_SERVICES_DECISIONS_H
#define ACCORD_SERVICES_DECISIONS_H

#include <accord/plugin.h>

#define ACCORD_SVC_DECISIONS "accord.decisions"
#define ACCORD_SVC_DECISIONS_V 1u

typedef struct accord_decisions_svc {
	size_t size; /* sizeof the provider's table */

	/* A closed proposal: {id, title, outcome, group (0: the network),
	 * closed_at}.  ACCORD_E_NOT_FOUND when there is no proposal id or it
	 * is not closed yet; ACCORD_E_INTERNAL when the database failed. */
	accord_status (*decision)(accord_txn *txn, int64_t id, json_t **out);
} accord_decisions_svc;

#endif
