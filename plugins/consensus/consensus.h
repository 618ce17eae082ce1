/*
 * Live consensus polling: proposals, positions per organisation, the live
 * tally, the state counterpart's consultation, closing (by a co-chair or at
 * the closing time, enforced by the server) and the decision register.
 *
 * Authority is the database: every position and every state change is
 * checked and written on the storage thread, in order, so a position that
 * races a close is judged against the committed state, and the outcome of a
 * close is computed there from the committed positions.  The loop keeps a
 * copy of each proposal's positions for the live tally and for permission
 * checks, updated after each commit.
 *
 * Tally pushes are coalesced per proposal: at most tally_max_per_sec a
 * second (config; 0 = a tally per position), always the latest state, and
 * the final state at once on close.
 *
 * Who votes and who may speak for an organisation come from the service
 * accord.members (the membership plugin); the organisations and leads of a
 * working group from accord.groups (the groups plugin, optional: without
 * it there are no group proposals).  It offers accord.decisions: the
 * closed proposals, for plugins that follow decisions up.  It reaches other
 * plugins only through these services.
 *
 * The plugin's files, one concern each:
 *   rule.c       the consensus rule                                   (pure)
 *   tally.c      the loop's copy of each proposal, the tally from it  (pure)
 *   view.c       what a caller sees of a proposal                     (pure)
 *   lifecycle.c  which request each status allows, what a close finds (pure)
 *   live.c       the copy kept in step with commits; tally pushes, announcements
 *   access.c     who may see and do what
 *   job.c        what a consensus job adds to the SDK's (accord_job)
 *   store.c      the tables (migrations) and the SQL the handlers share
 *   proposals.c  consensus.create, edit, get, list
 *   status.c     consensus.open, extend, reopen, close; the closing timer
 *   positions.c  consensus.position, consult, comment, comments
 *   record.c     the decision register, the record export, items for the portal
 *   service.c    the service accord.decisions
 *   plugin.c     the handler table, init, fini, the descriptor
 *   web/         its web component (pages, EN/RU/KK strings), served at /plugins/consensus/
 * The pure files have their own headers (rule.h, tally.h, lifecycle.h) and
 * are unit-tested without the host; this header is for the rest.  Shared
 * names start with their file's name and two underscores (tally__find,
 * store__snapshot, status__close), so a name says where it lives.
 */
#ifndef CONSENSUS_H
#define CONSENSUS_H

#include <accord/plugin.h>
#include <accord/helpers.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accord/services/decisions.h>
#include <accord/services/groups.h>
#include <accord/services/members.h>

#include "lifecycle.h"
#include "rule.h"
#include "tally.h"

/* plugin.c */
extern const accord_host_api *api;
extern accord_plugin_ctx *self;
extern const accord_members_svc *members_svc;
extern const accord_groups_svc *groups_svc; /* NULL without the groups plugin */
extern int64_t plugin__tally_interval_ms;   /* 1000 / tally_max_per_sec; 0: no coalescing */

/* ---- job.c: the SDK's one request path, with what consensus adds ---- */

/* A consensus job is the SDK's accord_job about proposal j->id; its state
 * says, for an action on a working group's proposal (j->group), whether
 * the caller must be a lead of the group. */
typedef struct job_scope {
	/* 1: the caller is no co-chair and must be a lead of the group
	 * (store__lead_check); 0: no check; -1 (edit): only its creator or a
	 * co-chair. */
	int need_lead;
} job_scope;

/* A job of req (NULL: the closing timer's) about proposal id (0: none
 * yet), taking in; an error without a message answers not_found "no such
 * proposal", as a hidden proposal does.  NULL when memory ran out (req
 * answered). */
accord_job *job__new(accord_req *req, int64_t id, int64_t group, int need_lead, json_t *in,
		     accord_job_work_fn work, accord_job_after_fn after);
/* job__new, then submitted. */
void job__run(accord_req *req, int64_t id, int64_t group, int need_lead, json_t *in,
	      accord_job_work_fn work, accord_job_after_fn after);
int job__need_lead(const accord_job *j);

/* The field check (accord_arg.check) of closes_at: null (no closing time)
 * or a time in the future; and the wording of its refusal. */
const char *job__closes_at(const json_t *v);
#define JOB_CLOSES_AT_SAYS "a time in the future, in milliseconds since the epoch"

/* ---- access.c ---- */

int access__member(const accord_principal *w);
int access__chair(const accord_principal *w);
int access__may_create(const accord_principal *w);
int access__state_cp(const accord_principal *w);
accord_status access__check_topic(accord_plugin_ctx *pc, const accord_principal *w,
				  const char *topic, void *ud);
accord_status access__check_list_topic(accord_plugin_ctx *pc, const accord_principal *w,
				       const char *topic, void *ud);
/* The ids of the proposals w may see. */
json_t *access__visible_ids(const accord_principal *w);

/* The checks that come first (a handler table's "allow", run before the
 * fields are checked): each answers the request itself and returns 0 to
 * stop, or returns 1.  data.proposal names a proposal the caller may see
 * (else bad_request, or not_found: hidden is missing): */
int access__sees(accord_req *req, const json_t *d);
/* ... and may act on it: a co-chair, or on a working group's proposal one
 * of the group's member organisations (that it leads is checked in the
 * transaction, access__need_lead); else forbidden. */
int access__manages(accord_req *req, const json_t *d);
/* ... and votes: not a partner. */
int access__votes(accord_req *req, const json_t *d);
/* ... and gives the consultation view: the state counterpart. */
int access__consults(accord_req *req, const json_t *d);
/* data.scope ("network" or "group:<id>") and whether the caller may create
 * proposals there (co-chairs and the secretariat; in a group, its member
 * organisations' people). */
int access__creates(accord_req *req, const json_t *d);
/* The proposal data.proposal names, once access__sees let the request
 * through (in the same turn of the loop: it is there). */
proposal *access__proposal(const json_t *d);
/* After access__manages: 1 when the caller must be a lead of the group. */
int access__need_lead(accord_req *req);

/* ---- live.c ---- */

void live__topic(const proposal *p, char *buf, size_t n);
/* A position or state change: push the tally now if allowed, else once
 * the interval since the last push has passed.  1 if it went out now. */
int live__tally_changed(proposal *p, int final);
void live__announce(const proposal *p, const char *org_responded);
void live__apply_membership(const json_t *snap);
void live__apply_snapshot(const json_t *snap);
/* After a change (an accord_job's after): refresh the copy, push,
 * announce, and reply the caller's view. */
accord_status live__after_change(accord_job *j, json_t **out);
/* Starts the start-up load of every proposal. */
void live__load(void);
/* accord.members watch: reloads who votes and the state counterpart after
 * a committed change of the members list, and has subscriptions re-checked */
void live__members_changed(accord_plugin_ctx *who, const json_t *change, void *ud);

/* ---- store.c (storage thread) ---- */

extern const accord_migration store__migrations[];
/* The first row of a query (params taken): *row, NULL when there is none. */
accord_status store__row(accord_txn *txn, const char *sql, json_t *params, json_t **row);
/* The proposal's row; NULL when there is none (or the read failed: the
 * storage layer then answers unavailable, whatever the job says). */
json_t *store__proposal(accord_txn *txn, int64_t id);
/* Adds {members, state_counterpart} to out: the active member
 * organisations and the state counterpart, as committed now. */
accord_status store__membership(accord_txn *txn, json_t *out);
/* *out = {proposal, positions, consultation, members, state_counterpart}:
 * what the loop needs to refresh its copy after a change. */
accord_status store__snapshot(accord_txn *txn, int64_t id, json_t **out);
accord_status store__log(accord_txn *txn, const accord_job *j, const char *action,
			 const char *reason);
accord_status store__lead_check(accord_txn *txn, const accord_job *j, json_t **out);
accord_status store__voters(accord_txn *txn, int64_t group, json_t **out);

/* ---- the requests: fields declared for the handler table (plugin.c) ---- */

/* proposals.c */
extern const accord_arg proposals__create_args[], proposals__edit_args[], proposals__list_args[];
void proposals__create(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void proposals__edit(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void proposals__get(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void proposals__list(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
/* The list of proposals (in: {status, ids, decisions}), for the register too. */
accord_status proposals__list_work(accord_txn *txn, accord_job *j, json_t **out);

/* status.c */
extern const accord_arg status__open_args[], status__extend_args[], status__reopen_args[],
	status__close_args[];
void status__open(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void status__extend(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void status__reopen(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void status__close(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
/* (Re)arms the closing timer of p as its status and closing time say. */
void status__schedule_close(proposal *p);

/* positions.c */
extern const accord_arg positions__position_args[], positions__consult_args[],
	positions__comment_args[];
void positions__position(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void positions__consult(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void positions__comment(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void positions__comments(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);

/* notices.c: notifications through accord.notify (optional) */
void notices__init(void);
void notices__fini(void);
/* Storage thread, in the open's / the close's work: the voters' notice. */
accord_status notices__opened(accord_txn *txn, int64_t id);
accord_status notices__closed(accord_txn *txn, int64_t id);

/* record.c */
void record__decisions(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void record__http(accord_plugin_ctx *pc, accord_http *h, const accord_principal *w, void *ud);
accord_status record__describe(accord_txn *txn, const char *id, json_t **out, void *ud);

/* service.c */
extern const accord_decisions_svc service__decisions;
/* After a close committed (status.c): the service's watchers are told. */
void service__closed(int64_t id);
void service__reset(void);

#endif
