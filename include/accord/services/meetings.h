/*
 * Service "accord.meetings" version 1: the network's meetings held, with
 * their attendance by organisation.  Provided by the meetings plugin; the
 * workplan imports it (optionally) for the annual report's "Meetings held".
 *
 * Functions taking an accord_txn run on the storage thread inside the
 * caller's work; *out is a new reference, NULL unless ACCORD_OK.  Tables
 * grow at their end only (the size convention of plugin.h): a caller
 * checks ACCORD_SERVICE_HAS(tbl, m) before calling a member added later.
 *
 * What the service gives is what the portal's kinds "meeting:<id>" and
 * "minutes:<id>" may show: titles, times, status, which organisations were
 * represented.  Never notes, agenda items, apologies' reasons, minutes'
 * text or who spoke.
 */
#ifndef ACCORD_SERVICES_MEETINGS_H
#define ACCORD_SERVICES_MEETINGS_H

#include <accord/plugin.h>

#define ACCORD_SVC_MEETINGS "accord.meetings"
#define ACCORD_SVC_MEETINGS_V 1u

typedef struct accord_meetings_svc {
	size_t size; /* sizeof the provider's table */

	/* The network's meetings (group 0 only: a working group's meetings
	 * stay in the group) held in [from_ms, to_ms): their session started
	 * in the period (started_at), in session or closed, not cancelled;
	 * by started_at then id.  *out = [{id, kind, title, starts_at,
	 * ends_at, started_at, closed_at, status, minutes_status ("none",
	 * "draft", "circulated", "approved": the latest version's),
	 * attendance: [{org, required, represented}] (every invited
	 * organisation; represented: it attended at some time of the
	 * session), represented: [orgs], required: [orgs], missing_required:
	 * [orgs], quorum: {rule, met, present_required, required}}] (the
	 * quorum rule of the meeting, applied to the organisations
	 * represented, as the live indicator applies it to those present).
	 * ACCORD_E_BAD_REQUEST when to_ms < from_ms; ACCORD_E_INTERNAL when
	 * the database failed. */
	accord_status (*held)(accord_txn *txn, int64_t from_ms, int64_t to_ms, json_t **out);
	/* The consensus proposals opened from agenda items that are not shared
	 * (meetings.item.poll on an internal item): *out = [ids], ascending.
	 * Their titles are the internal items' titles: what the portal's
	 * "minutes:<id>" kind leaves out, a list of the network's decisions
	 * meant to leave the network (the annual report) leaves out too.
	 * ACCORD_E_INTERNAL when the database failed. */
	accord_status (*internal_proposals)(accord_txn *txn, json_t **out);
} accord_meetings_svc;

#endif
