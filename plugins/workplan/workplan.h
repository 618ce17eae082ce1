/*
 * The workplan plugin: the network's workplan tied to the GCM's 23
 * objectives and the SDG targets, progress reports of the lead
 * organisations, the follow-up of every decision, and the annual report.
 *
 * Where things live (each file keeps the handler table of its requests and
 * registers it from its <file>__init, which plugin.c calls):
 *   plugin.c     start-up: configuration, descriptor, topic, item kinds
 *   store.c      the tables, the append-only log, shared SQL and checks
 *                run on the storage thread (organisations, groups, periods)
 *   reference.c  the GCM objectives and SDG targets: loaded from
 *                config/reference/ when the tables are empty, edited by the
 *                secretariat
 *   plans.c      plans, areas, items and their indicators; adoption by a
 *                consensus decision; the views
 *   edit.c       closing a plan; areas and indicators edited and deleted
 *   progress.c   quarterly progress reports; late reports
 *   followup.c   follow-up actions on decisions, the board, links
 *   report.c     the annual report: assembly, edits, exports over HTTP,
 *                and what partners see of a released plan or report
 *   rules.c      the pure rules (rules.h), unit-tested by unit_workplan
 */
#ifndef WORKPLAN_H
#define WORKPLAN_H

#include <accord/plugin.h>
#include <accord/helpers.h>
#include <accord/services/decisions.h>
#include <accord/services/groups.h>
#include <accord/services/meetings.h>
#include <accord/services/members.h>

#define WORKPLAN_TOPIC "workplan"

extern const accord_host_api *api;
extern accord_plugin_ctx *self;
extern const accord_members_svc *members;     /* required */
extern const accord_groups_svc *groups;       /* NULL without the groups plugin */
extern const accord_decisions_svc *decisions; /* NULL without consensus */
extern const accord_meetings_svc *meetings;   /* NULL without the meetings plugin */
extern char workplan__reference_dir[512];
extern int workplan__report_due_days; /* a quarter's report is late this many days after it */

/* ---- store.c ---- */
extern const accord_migration store__migrations[];
/* Appends to workplan_log, in the job's transaction: what was done
 * ("plan.create"...), to which object ("plan:3"), and the request's data. */
accord_status store__log(accord_txn *txn, const accord_job *j, const char *action,
			 const char *object, const json_t *detail);
/* The first row of sql (with params, stolen), or NULL. */
json_t *store__row(accord_txn *txn, const char *sql, json_t *params);
/* Columns stored as JSON text made values again. */
void store__decode(json_t *row, const char *const *cols);
/* An array of organisation codes, each an active member organisation (not
 * a partner: partners do not see the workplan).  ACCORD_OK, or a failure
 * put in *out as "<field>[i]: ..." (bad_request). */
accord_status store__check_orgs(accord_txn *txn, const char *field, const json_t *codes,
				json_t **out);
/* "2027-Q1": its first and last day; -1 when it is not such a quarter. */
int store__quarter(const char *period, char start[11], char end[11]);
/* Reply helpers for the allow hooks. */
int store__is_secretariat(const accord_principal *who);
int store__secretariat_only(accord_req *req, const json_t *d);
/* Registers workplan.log (the secretariat reads the log). */
int store__init(accord_plugin_ctx *p);
/* After a committed change: the event workplan.changed on the topic. */
accord_status store__announce(accord_job *j, json_t **out);

/* ---- reference.c ---- */
int reference__init(accord_plugin_ctx *p);
accord_status reference__load(accord_txn *txn, int logged);
/* 1 when the GCM objective exists, 0 when not, -1 on a database error. */
int reference__gcm_exists(accord_txn *txn, json_int_t number);
int reference__sdg_exists(accord_txn *txn, const char *code);

/* ---- plans.c ---- */
int plans__init(accord_plugin_ctx *p);
/* A plan with its areas, items, indicators and links, or NULL. */
json_t *plans__full(accord_txn *txn, json_int_t plan, int for_partners);
json_t *plans__plan(accord_txn *txn, json_int_t plan);
/* What a closed plan answers any change (conflict). */
#define PLANS_CLOSED                                                                               \
	"the plan is closed: it no longer changes (it stays readable, and its report can still be" \
	" assembled)"
/* The plan id, which must be a draft: *plan its row; else fails *out
 * (not_found, or conflict: adopted, closed). */
accord_status plans__draft(accord_txn *txn, json_int_t id, json_t **plan, json_t **out);
/* ACCORD_OK when plan exists and is not closed; else fails *out. */
accord_status plans__not_closed(accord_txn *txn, json_int_t plan, json_t **out);
/* GCM objective numbers and SDG codes of the reference lists (either may
 * be NULL); else fails *out with bad_request "gcm[1]: ...". */
accord_status plans__check_tags(accord_txn *txn, const json_t *gcm, const json_t *sdg, json_t **out);

/* ---- edit.c ---- */
/* workplan.plan.close, workplan.area.update/delete,
 * workplan.indicator.add/update/delete. */
int edit__init(accord_plugin_ctx *p);

/* ---- progress.c ---- */
int progress__init(accord_plugin_ctx *p);
/* The late reports of a plan as of today. */
accord_status progress__late(accord_txn *txn, json_int_t plan, const char *today, json_t **out);

/* ---- followup.c ---- */
int followup__init(accord_plugin_ctx *p);
/* Follow-up actions with overdue flags (all of them; the caller filters). */
accord_status followup__all(accord_txn *txn, const char *today, json_t **out);
/* Whether who may see a follow-up of a decision of group (0: the network). */
int followup__visible(const accord_principal *who, json_int_t group);

/* ---- report.c ---- */
int report__init(accord_plugin_ctx *p);
accord_status report__describe(accord_txn *txn, const char *id, json_t **out, void *ud);
accord_status plans__describe(accord_txn *txn, const char *id, json_t **out, void *ud);

#endif
