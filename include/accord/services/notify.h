/*
 * Service "accord.notify" version 1: notifications by e-mail.  Provided by
 * the notify plugin; a plugin whose change concerns organisations (a
 * proposal opened, an outcome, a release to a partner, a meeting convened)
 * imports it, optionally, and queues a notice in the same work function
 * that writes the change:
 *
 *   static const accord_service_ref needs[] = {
 *           {ACCORD_SVC_NOTIFY, ACCORD_SVC_NOTIFY_V, 1}, {NULL, 0, 0}};
 *   ...in init:  notify = api->service_import(p, ACCORD_SVC_NOTIFY,
 *                                             ACCORD_SVC_NOTIFY_V);
 *   ...in a work function, on the storage thread:
 *           if (notify && notify->enqueue(txn, notice) != ACCORD_OK) fail the job
 *
 * The notice is written into the notify plugin's outbox inside the
 * caller's transaction: it commits with the change that causes it, or
 * rolls back with it (a crash between the two loses nothing and invents
 * nothing).  A sender thread delivers it later; nothing here blocks.
 */
#ifndef ACCORD_SERVICES_NOTIFY_H
#define ACCORD_SERVICES_NOTIFY_H

#include <accord/plugin.h>

#define ACCORD_SVC_NOTIFY "accord.notify"
#define ACCORD_SVC_NOTIFY_V 1u

typedef struct accord_notify_svc {
	size_t size; /* sizeof the provider's table */

	/* On the storage thread, in the caller's transaction: queues one
	 * notice, a JSON object
	 *   {"category": "proposal_opened" | "outcome" | "release" | ...
	 *                (docs/plugins.md lists them; an unknown one is
	 *                ACCORD_E_BAD_REQUEST),
	 *    "item":     "<kind>:<id>" the notice is about (the link, and the
	 *                core's permission check when the mail is built:
	 *                a partner gets it only while the item is released
	 *                to its organisation),
	 *    "orgs":     ["UNICEF", ...]  the organisations concerned: their
	 *                active focal points and alternates receive it, each
	 *                by their preference for the category and language,
	 *    "params":   {"title": ..., ...}  the text the category's
	 *                template shows (strings; CR/LF never reach a header),
	 *    "link":     optional page of the web client, "#/group/3" (else
	 *                it follows from the item),
	 *    "calendar": optional invitation, {uid, sequence, method: "REQUEST"
	 *                | "CANCEL", start, end (ms), summary, location?,
	 *                description?}: each message carries it as a
	 *                text/calendar part (iTIP); send the same uid with a
	 *                higher sequence when the event moves, CANCEL when it
	 *                is called off; it is never held for a digest,
	 *    "once":     optional key: a notice with a key already given is
	 *                dropped (ACCORD_OK, nothing queued), so a reminder
	 *                re-run after a restart is not sent twice}
	 * *queued (may be NULL) gets the number of messages queued (people
	 * without an address or who turned the category off get none).
	 * ACCORD_OK, ACCORD_E_BAD_REQUEST (a malformed notice), or
	 * ACCORD_E_INTERNAL (the database failed: fail the caller's job, so
	 * that the change and its notice go together or not at all). */
	accord_status (*enqueue)(accord_txn *txn, const json_t *notice, int *queued);
	/* On the loop: how long before a closing time the organisations that
	 * have not responded are reminded (the operator's reminder_before_h);
	 * 0: no reminders. */
	int64_t (*reminder_before_ms)(void);
} accord_notify_svc;

#endif
