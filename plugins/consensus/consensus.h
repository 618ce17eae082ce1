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
 *   job.c        request plumbing: one storage job per request; field checks
 *   store.c      the tables (migrations) and the SQL the handlers share
 *   proposals.c  consensus.create, edit, get, list
 *   status.c     consensus.open, extend, reopen, close; the closing timer
 *   positions.c  consensus.position, consult, comment, comments
 *   record.c     the decision register, the record export, items for the portal
 *   service.c    the service accord.decisions
 *   plugin.c     init, fini, the descriptor
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
extern int64_t plugin__tally_interval_ms; /* 1000 / tally_max_per_sec; 0: no coalescing */

/* ---- job.c: one storage job per request ---- */

typedef struct job {
	accord_req *req; /* NULL: the closing timer's */
	int64_t id;      /* the proposal */
	char actor[64];
	char org[33];
	json_t *in; /* what the work needs, owned */
	int is_partner;
	/* On a working group's proposal: 1, the caller is no co-chair and must
	 * be a lead of the group (store__lead_check); 0 no check; -1 (edit) only
	 * its creator or a co-chair. */
	int need_lead;
	int64_t group;
	void (*after)(struct job *j, json_t *out);
	accord_status (*work)(accord_txn *txn, struct job *j, json_t **out);
	/* A retried request that was done before: may add the current state
	 * to the earlier reply in *out (a position: the one held now). */
	accord_status (*again)(accord_txn *txn, struct job *j, json_t **out);
	char retry_key[160];
	int duplicate;
} job;

typedef accord_status (*job_work_fn)(accord_txn *, job *, json_t **);
typedef void (*job_after_fn)(job *, json_t *);

/* A job for req (NULL: the closing timer's), taking in; NULL when memory
 * runs out (in is released). */
job *job_new(accord_req *req, int64_t id, json_t *in, job_work_fn work, job_after_fn after);
/* Runs j on the storage thread; answers "unavailable" if the queue is full. */
void job_submit(job *j);
void job_run(accord_req *req, int64_t id, json_t *in, job_work_fn work, job_after_fn after);
/* job_run for actions a working group's lead may take on its proposals. */
void job_run_scoped(accord_req *req, int64_t id, int64_t group, int need_lead, json_t *in,
		    job_work_fn work, job_after_fn after);
/* In a work: fails the job with st and msg as the reply's message. */
accord_status job_fail(json_t **out, accord_status st, const char *msg);

/* Field checks: each answers bad_request itself and returns NULL / -1. */
const char *arg_str(accord_req *req, const json_t *d, const char *key, size_t max, int required);
int arg_closes_at(accord_req *req, const json_t *d, int required, int64_t *out);

/* ---- access.c ---- */

int access__member(const accord_principal *w);
int access__chair(const accord_principal *w);
int access__may_create(const accord_principal *w);
int access__state_cp(const accord_principal *w);
accord_status access__check_topic(accord_plugin_ctx *pc, const accord_principal *w,
				 const char *topic, void *ud);
accord_status access__check_list_topic(accord_plugin_ctx *pc, const accord_principal *w,
				      const char *topic, void *ud);
/* The proposal named by data.proposal that the caller may see; else
 * answers (bad_request, or not_found: hidden is missing) and NULL. */
proposal *access__proposal(accord_req *req, const json_t *d);
/* The ids of the proposals w may see. */
json_t *access__visible_ids(const accord_principal *w);
/* Co-chairs act on every proposal; on a working group's proposal a lead of
 * the group may too (*need_lead: checked in the transaction).  Else
 * answers forbidden and 0. */
int access__chair_or_lead(accord_req *req, const proposal *p, int *need_lead);

/* ---- live.c ---- */

void live__topic(const proposal *p, char *buf, size_t n);
/* A position or state change: push the tally now if allowed, else once
 * the interval since the last push has passed.  1 if it went out now. */
int live__tally_changed(proposal *p, int final);
void live__announce(const proposal *p, const char *org_responded);
void live__apply_membership(const json_t *snap);
void live__apply_snapshot(const json_t *snap);
/* After a change: refresh the copy, reply the caller's view, push, announce. */
void live__after_change(job *j, json_t *out);
/* Starts the start-up load of every proposal. */
void live__load(void);

/* ---- store.c (storage thread) ---- */

extern const accord_migration store__migrations[];
/* The first row of a query (params taken), or NULL. */
json_t *store__row(accord_txn *txn, const char *sql, json_t *params);
json_t *store__proposal(accord_txn *txn, int64_t id);
/* Adds {members, state_counterpart} to out, as committed now. */
void store__membership(accord_txn *txn, json_t *out);
/* *out = {proposal, positions, consultation, members, state_counterpart}. */
accord_status store__snapshot(accord_txn *txn, int64_t id, json_t **out);
accord_status store__log(accord_txn *txn, job *j, const char *action, const char *reason);
accord_status store__lead_check(accord_txn *txn, job *j, json_t **out);
accord_status store__voters(accord_txn *txn, int64_t group, json_t **out);

/* ---- the requests ---- */

/* proposals.c */
void proposals__create(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void proposals__edit(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void proposals__get(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void proposals__list(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
/* The list of proposals (in: {status, ids, decisions}), for record__decisions too. */
accord_status proposals__list_work(accord_txn *txn, job *j, json_t **out);

/* status.c */
void status__open(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void status__extend(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void status__reopen(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void status__close(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
/* (Re)arms the closing timer of p as its status and closing time say. */
void status__schedule_close(proposal *p);

/* positions.c */
void positions__position(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void positions__consult(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void positions__comment(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void positions__comments(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);

/* record.c */
void record__decisions(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void record__http(accord_plugin_ctx *pc, accord_http *h, const accord_principal *w, void *ud);
accord_status record__describe(accord_txn *txn, const char *id, json_t **out, void *ud);

/* service.c */
extern const accord_decisions_svc service__decisions;

#endif
