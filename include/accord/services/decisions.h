/*
 * Service "accord.decisions" version 1: the network's decisions (closed
 * consensus proposals).  Provided by the consensus plugin; a plugin that
 * links its objects to a decision (an action item of a working group
 * following up a decision) imports it instead of reading consensus's
 * tables.
 *
 * Functions taking an accord_txn run on the storage thread inside the
 * caller's work; *out is a new reference, NULL unless ACCORD_OK.
 *
 * Version 1 grew at its end (the size convention: check
 * ACCORD_SERVICE_HAS(tbl, open) before calling the members added later):
 * open, opened and watch let a plugin open a proposal as part of its own
 * change (the meetings plugin: a decision item of a meeting) and follow it
 * to its outcome.  A plugin built against the first table still works.
 * Later still (check ACCORD_SERVICE_HAS(tbl, list)): list, the network's
 * decisions and statements closed in a period (the workplan's annual
 * report).
 */
#ifndef ACCORD_SERVICES_DECISIONS_H
#define ACCORD_SERVICES_DECISIONS_H

#include <accord/plugin.h>

#define ACCORD_SVC_DECISIONS "accord.decisions"
#define ACCORD_SVC_DECISIONS_V 1u

/* Called on the loop after a proposal's close committed (by a person or
 * at its closing time): decision is {id, title, kind, outcome,
 * outcome_statement, group, closed_at, positions: [{org, position,
 * reason}], consultation: {org, view} or null}. */
typedef void (*accord_decisions_watch_fn)(accord_plugin_ctx *who, const json_t *decision, void *ud);

typedef struct accord_decisions_svc {
	size_t size; /* sizeof the provider's table */

	/* A closed proposal: {id, title, kind ("decision"|"statement"),
	 * outcome, outcome_statement (null when none), group (0: the
	 * network), closed_at} (kind and outcome_statement were added with
	 * list; a caller built against an older provider may find them
	 * missing).  ACCORD_E_NOT_FOUND when there is no proposal id or it
	 * is not closed yet; ACCORD_E_INTERNAL when the database failed. */
	accord_status (*decision)(accord_txn *txn, int64_t id, json_t **out);

	/* Added later in version 1. */

	/* Creates and opens a proposal of the network in the caller's
	 * transaction: spec {title (1-300 bytes), text (1-20000), kind
	 * ("decision"|"statement"), state_matter?: bool, closes_at?: ms in the
	 * future or null, by: the login it is recorded as created and opened
	 * by, org: that login's organisation}.  Its voters are every active
	 * member organisation, frozen now, as consensus.open does; both steps
	 * go to consensus_log.  *out = {id, ...}: keep it whole for opened.
	 * ACCORD_E_BAD_REQUEST for a spec that breaks these rules (nothing
	 * written).  After the caller's commit, call opened. */
	accord_status (*open)(accord_txn *txn, const json_t *spec, json_t **out);
	/* On the loop, once the transaction that opened a proposal committed,
	 * with what open gave: the provider takes the proposal up at once
	 * (requests about it are answered from then on), its live tally and
	 * closing timer start, lists follow.  Until then the proposal exists
	 * in the database only. */
	void (*opened)(accord_plugin_ctx *who, const json_t *opened);
	/* On the loop: fn runs after every committed close, in order.  0, or
	 * -1 when it cannot. */
	int (*watch)(accord_plugin_ctx *who, accord_decisions_watch_fn fn, void *ud);

	/* Added later still in version 1 (ACCORD_SERVICE_HAS(tbl, list)). */

	/* The network's closed proposals (group 0 only: a working group's
	 * decisions stay in the group and are not the network's record)
	 * closed in [from_ms, to_ms), by closed_at then id: *out = [{id,
	 * title, kind ("decision"|"statement"), outcome, outcome_statement
	 * (null when none), group: 0, closed_at}].  Nothing else of a
	 * proposal (no text, no positions, no reasons).  ACCORD_E_BAD_REQUEST
	 * when to_ms < from_ms; ACCORD_E_INTERNAL when the database failed. */
	accord_status (*list)(accord_txn *txn, int64_t from_ms, int64_t to_ms, json_t **out);
} accord_decisions_svc;

#endif
