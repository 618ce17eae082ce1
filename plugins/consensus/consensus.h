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
 * closed proposals, for plugins that follow decisions up.
 *
 * The plugin's files, one concern each, share this header:
 *   tally.c      the loop's copy of each proposal and the tally computed from it
 *   live.c       keeping that copy in step with commits; tally pushes, announcements
 *   access.c     who may see and do what; the reply view for a caller
 *   job.c        request plumbing: one storage job per request; argument checks
 *   store.c      the tables (migrations) and the SQL shared by the handlers
 *   proposals.c  consensus.create, edit, get, list
 *   lifecycle.c  consensus.open, extend, reopen, close; the closing timer
 *   positions.c  consensus.position, consult, comment, comments
 *   record.c     the decision register, the record export, items for the portal
 *   service.c    the service accord.decisions
 *   plugin.c     init, fini, the descriptor
 *   rule.c       the consensus rule (pure)
 */
#ifndef CONSENSUS_H
#define CONSENSUS_H

#include <accord/plugin.h>
#include <accord/helpers.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rule.h"

#include <accord/services/decisions.h>
#include <accord/services/groups.h>
#include <accord/services/members.h>

/* plugin.c */
extern const accord_host_api *api;
extern accord_plugin_ctx *self;
extern const accord_members_svc *members;
extern const accord_groups_svc *groups; /* NULL without the groups plugin */
extern long tally_interval_ms; /* 1000 / tally_max_per_sec; 0: no coalescing */

/* One organisation's position as the loop holds it: enough for the live
 * record of positions that members see in the tally. */
typedef struct vote {
	char org[17];
	enum position pos;
	char *reason;
	char cast_by[64];
	int64_t cast_at;
} vote;

typedef struct proposal {
	int64_t id;
	int64_t group; /* scope "group:<id>", 0 for the network */
	char status[8];
	int state_matter, hide_tally;
	char outcome[16];
	char **voters;
	size_t n_voters;
	vote *votes;
	size_t n_votes, cap_votes;
	int consulted;
	json_t *consultation; /* {org, view, given_by, at} or NULL */
	int64_t closes_at;
	uint64_t close_timer;
	uint64_t tally_timer;
	int64_t last_push_ms;
	int dirty;
} proposal;

typedef struct job {
	accord_req *req;
	int64_t id;
	char actor[64];
	char org[33];
	json_t *in;
	int is_partner;
	int need_lead; /* not a co-chair: must be a lead of the proposal's group */
	int64_t group;
	void (*after)(struct job *j, json_t *out);
	accord_status (*work)(accord_txn *txn, struct job *j, json_t **out);
	/* A retried request that was done before: may add the current state
	 * to the earlier reply in *out (a position: the one held now). */
	accord_status (*again)(accord_txn *txn, struct job *j, json_t **out);
	char retry_key[160];
	int duplicate;
} job;

/* tally.c: the loop's copies */
extern proposal **props;
extern size_t n_props, cap_props;
extern char **active_members; /* active member organisations now */
extern size_t n_active;
extern char state_cp[17];     /* the state counterpart's code */

/* tally.c */
proposal *find(int64_t id);
json_t *voters_json(const json_t *row);
void strv_free(char **v, size_t n);
char **strv_from_json(const json_t *a, size_t *n);
void set_vote(proposal *p, const char *org, enum position pos, const char *reason, const char *cast_by, int64_t cast_at);
void clear_votes(proposal *p);
int is_voter(const proposal *p, const char *org);
proposal *sync_proposal(const json_t *row, const json_t *positions, const json_t *consultation);
json_t *tally_json(const proposal *p, int with_record);

/* live.c */
void topic_of(const proposal *p, char *buf, size_t n);
int tally_changed(proposal *p, int final);
void announce(const proposal *p, const char *org_responded);
void apply_membership(const json_t *snap);
void apply_snapshot(const json_t *snap);
void after_change(job *j, json_t *out);
accord_status load_work(accord_txn *txn, void *ud, json_t **out);
void load_done(accord_plugin_ctx *pc, accord_status st, json_t *out, void *ud);

/* access.c */
int is_member(const accord_principal *w);
int is_chair(const accord_principal *w);
int may_create(const accord_principal *w);
int is_state_cp(const accord_principal *w);
accord_status check_list_topic(accord_plugin_ctx *pc, const accord_principal *w, const char *topic, void *ud);
accord_status check_topic(accord_plugin_ctx *pc, const accord_principal *w, const char *topic, void *ud);
proposal *arg_proposal(accord_req *req, const json_t *d);
json_t *view_for(const json_t *snap, int partner, const char *org);
json_t *visible_ids(const accord_principal *w);
int chair_or_lead(accord_req *req, const proposal *p, int *need_lead);

/* job.c */
accord_status job_work(accord_txn *txn, void *ud, json_t **out);
job *job_new(accord_req *req, int64_t id, json_t *in, accord_status (*work)(accord_txn *, job *, json_t **), void (*after)(job *, json_t *));
void job_submit(job *j);
void run(accord_req *req, int64_t id, json_t *in, accord_status (*work)(accord_txn *, job *, json_t **), void (*after)(job *, json_t *));
void run_scoped(accord_req *req, int64_t id, int64_t group, int need_lead, json_t *in, accord_status (*work)(accord_txn *, job *, json_t **), void (*after)(job *, json_t *));
accord_status fail(json_t **out, accord_status st, const char *msg);
const char *str_arg(accord_req *req, const json_t *d, const char *key, size_t max, int required);
int closes_arg(accord_req *req, const json_t *d, int required, int64_t *out);

/* store.c */
json_t *q1(accord_txn *txn, const char *sql, json_t *params);
json_t *proposal_row(accord_txn *txn, int64_t id);
void membership_view(accord_txn *txn, json_t *out);
accord_status snapshot(accord_txn *txn, int64_t id, json_t **out);
accord_status log_action(accord_txn *txn, job *j, const char *action, const char *reason);
accord_status lead_check(accord_txn *txn, job *j, json_t **out);
accord_status voters_of(accord_txn *txn, int64_t group, json_t **out);

/* proposals.c */
void h_create(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void h_edit(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void h_get(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
accord_status list_work(accord_txn *txn, job *j, json_t **out);
void h_list(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);

/* lifecycle.c */
void h_open(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void h_extend(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void h_reopen(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void h_close(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void schedule_close(proposal *p);

/* positions.c */
void h_position(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void h_consult(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void h_comment(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void h_comments(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);

/* record.c */
void h_decisions(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void http_record(accord_plugin_ctx *pc, accord_http *h, const accord_principal *w, void *ud);
accord_status describe_proposal(accord_txn *txn, const char *id, json_t **out, void *ud);

/* service.c */
extern const accord_decisions_svc decisions_table;

/* store.c */
extern const accord_migration migrations[];

#endif
