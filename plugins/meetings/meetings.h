/*
 * The meetings plugin (issue 20): the network's meetings, by organisation.
 * The Terms of Reference run the network through meetings (quarterly, on
 * request of its members, an annual meeting, working groups' meetings);
 * the co-chairs convene them, the secretariat prepares them, and "each
 * member shall be represented".
 *
 * The whole cycle, by organisation: a meeting's set-up (create, update,
 * list, get, convene, cancel; members' requests for an extraordinary
 * meeting, answered); registration (delegates, apologies, a focal point
 * designating a delegate); the agenda (numbered items, members' requests
 * before a cut-off, circulated versions with their difference, items not
 * reached carried over); the session (the current item live, attendance as
 * intervals per organisation, the required organisations represented and
 * missing, a quorum rule, speakers, notes; decision and statement items
 * opening consensus proposals whose outcome returns to the item); minutes
 * assembled from the record, edited in versions, circulated for comments,
 * approved; exports, a personal calendar feed and the portal's items.
 * Convening freezes the invitees: every active member organisation (a
 * working group's organisations for a group meeting), required; the state
 * counterpart and named partners (every active partner for the annual
 * meeting) invited as such.
 *
 * Who may see what is decided in the transaction, from the committed rows:
 * members see the network's meetings, a group meeting is seen by the
 * group's organisations and the co-chairs and secretariat, a partner sees a
 * meeting only once it is convened and its organisation is invited; a
 * meeting the caller may not see answers not_found, exactly as a missing
 * one.  Every change is written to the append-only meetings_log in the same
 * transaction.
 *
 * Files, one concern each; shared names start with their file's name and
 * two underscores:
 *   plugin.c    the handler table, init, the descriptor
 *   live.c      the loop's copy for the topic checks of meeting:<id>, events;
 *               live presence (who is connected, from the core's events)
 *   store.c     the tables (migrations), the log, the rows and their JSON
 *   access.c    who may see and manage a meeting (storage thread)
 *   meetings.c  meetings.create, update, list, get, convene, cancel
 *   requests.c  meetings.request, requests, answer (extraordinary meetings)
 *   register.c  meetings.register, apologies
 *   session.c   in session: start, close, items opened and closed, attendance
 *               by organisation, the quorum, speakers, notes
 *   decisions.c meetings.item.poll: a decision item's proposal (accord.decisions),
 *               its outcome brought back to the item
 *   minutes.c   meetings.minutes.*: assembled from the record, edited in
 *               versions, circulated for comments, approved
 *   export.c    /api/meetings/minutes (HTML, JSON), attendance.csv, ics, the
 *               personal feed.ics (meetings.feed); the portal's item kinds
 *               meeting:<id> and minutes:<id>
 *   agenda.c    meetings.agenda.*: items, requests before the cut-off,
 *               circulated versions with their difference, carry-over
 *   rules.c     the pure checks (rules.h): times, time zones, links
 *   service.c   the service accord.meetings (the meetings held in a period,
 *               with their attendance: the workplan's annual report)
 *   notices.c   the notices of accord.notify (optional): a meeting convened,
 *               moved, cancelled (calendar invitations), agenda and minutes
 *               circulated
 */
#ifndef MEETINGS_H
#define MEETINGS_H

#include <accord/plugin.h>
#include <accord/helpers.h>
#include <accord/services/decisions.h>
#include <accord/services/groups.h>
#include <accord/services/members.h>
#include <accord/services/meetings.h>

#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* plugin.c */
extern const accord_host_api *api;
extern accord_plugin_ctx *self;
extern const accord_members_svc *members_svc;
extern const accord_groups_svc *groups_svc;       /* NULL without the groups plugin */
extern const accord_decisions_svc *decisions_svc; /* NULL without consensus */

#define MEETINGS_MAX_LIST 500
#define MEETINGS_DEFAULT_TZ "Asia/Almaty"

/* The state of every meetings job: what the loop knew of the caller. */
typedef struct job_who {
	int chair;   /* a co-chair or the secretariat (and not a partner) */
	int logged;  /* the work logged a change (set by store__log) */
	int cochair; /* a co-chair (approves minutes where the meeting's rule says so) */
} job_who;

/* A job of req about meeting id (0: none), with the caller's standing. */
accord_job *plugin__job(accord_req *req, int64_t id, json_t *in, accord_job_work_fn work,
			accord_job_after_fn after);
int plugin__chair(const accord_job *j);

/* ---- live.c (the loop) ---- */
/* Loads the copy the topic checks read, at start. */
void live__load(void);
void live__reset(void);
accord_status live__check_topic(accord_plugin_ctx *p, const accord_principal *w, const char *topic,
				void *ud);
/* Publishes event (data taken) on meeting:<id>: to_partners 0 to members
 * only, 1 to members and the invited partners, 2 to the partners only. */
void live__publish(int64_t id, const char *event, json_t *data, int to_partners);
/* The after of every job (plugin__job): the copy refreshed from the
 * reply's "_acl", the reply's "_live" event published, meetings.changed. */
accord_status live__after(accord_job *j, json_t **out);
/* Live presence: listens to the core's login, logout and disconnect
 * events (from init; non-zero on failure); live__online() the people
 * connected now, [{login, org}]. */
int live__listen(void);
json_t *live__online(void);

/* ---- rules.c (pure): rules.h ---- */

/* ---- store.c (storage thread) ---- */
extern const accord_migration store__migrations[];
/* The meeting's row, decoded (booleans), or NULL when there is none. */
json_t *store__meeting(accord_txn *txn, int64_t id);
/* The invitees of meeting id: [{org, capacity, required}] by org. */
accord_status store__invitees(accord_txn *txn, int64_t id, json_t **out);
/* The registrations of meeting id: [{org, login, role, status, ...}]. */
accord_status store__registrations(accord_txn *txn, int64_t id, json_t **out);
/* The agenda of meeting id in order, each item with its number (1, 2,
 * ...); only the shared items when shared_only. */
accord_status store__agenda(accord_txn *txn, int64_t id, int shared_only, json_t **out);
/* The live indicator of meeting row m: {intervals: [{org, login,
 * joined_at, left_at, source}], present: [orgs], required: [orgs],
 * missing_required: [orgs], quorum: {rule, met, present_required,
 * required}}. */
accord_status store__presence(accord_txn *txn, const json_t *m, json_t **out);
/* Appends to meetings_log: j's caller, action, meeting (0: none), detail
 * (taken, may be NULL). */
accord_status store__log(accord_txn *txn, const accord_job *j, int64_t meeting, const char *action,
			 json_t *detail);
/* {meeting, invitees, registration, agenda, agenda_requests} of id, as the caller may see it;
 * ACCORD_E_NOT_FOUND when it may not (or there is none). */
accord_status store__full(accord_txn *txn, const accord_job *j, int64_t id, json_t **out);

/* ---- access.c (storage thread) ---- */
/* 1 when j's caller may see meeting row m, 0 when not, -1 on an error. */
int access__sees(accord_txn *txn, const accord_job *j, const json_t *m);
/* 1 when j's caller may manage meeting row m (or, m NULL, a meeting of
 * group: 0 the network): the co-chairs and the secretariat, a group's
 * leads for its meetings; 0 when not, -1 on an error. */
int access__manages(accord_txn *txn, const accord_job *j, int64_t group);
/* The meeting j->id, visible to j's caller, in *m; else fails *out with
 * not_found (hidden = missing), or with forbidden when manage is asked
 * and the caller may not manage it. */
accord_status access__meeting(accord_txn *txn, const accord_job *j, int manage, json_t **m,
			      json_t **out);

/* ---- the requests ---- */
extern const accord_arg meetings__create_args[], meetings__update_args[], meetings__list_args[],
	meetings__id_args[], meetings__convene_args[], meetings__cancel_args[];
void meetings__create(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void meetings__update(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void meetings__list(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void meetings__get(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void meetings__convene(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void meetings__cancel(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);

extern const accord_arg requests__request_args[], requests__answer_args[];
void requests__request(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void requests__requests(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void requests__answer(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
int requests__may_answer(accord_req *req, const json_t *d);

extern const accord_arg agenda__add_args[], agenda__update_args[], agenda__move_args[],
	agenda__item_args[], agenda__request_args[], agenda__decide_args[];
void agenda__add(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void agenda__update(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void agenda__move(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void agenda__remove(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void agenda__request(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void agenda__decide(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void agenda__circulate(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void agenda__versions(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
extern const accord_arg agenda__carry_args[];
void agenda__carry_over(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);

extern const accord_arg session__org_args[], session__quorum_args[], session__item_close_args[],
	session__speaker_args[], session__note_args[];
void session__start(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void session__close(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void session__item_open(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void session__item_close(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void session__checkin(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void session__checkout(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void session__attendance(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void session__quorum(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void session__speaker_add(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void session__speaker_next(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void session__note(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
/* A presence job (live.c): j->in {login, org, online}; opens (online) or
 * closes the person's presence interval on every meeting in session that
 * invites the organisation; out {changed: [{meeting, attendance}]}. */
accord_status session__presence_work(accord_txn *txn, accord_job *j, json_t **out);

extern const accord_arg decisions__poll_args[];
void decisions__poll(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
/* In init: the outcomes of proposals come back to their items. */
int decisions__watch(void);

extern const accord_arg minutes__update_args[], minutes__circulate_args[], minutes__comment_args[],
	minutes__get_args[];
void minutes__assemble(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void minutes__update(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void minutes__circulate(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void minutes__comment(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void minutes__approve(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void minutes__get(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
/* The outcome d (accord.decisions' watch) of a minutes approval: the
 * version approved on consensus; ACCORD_E_NOT_FOUND when d is not one. */
accord_status minutes__outcome(accord_txn *txn, accord_job *j, const json_t *d, json_t **out);
/* {minutes, versions, comments} of j->id (version 0: the latest). */
accord_status minutes__view(accord_txn *txn, const accord_job *j, int64_t version, json_t **out);

/* notices.c: in init, the optional accord.notify; then, on the storage
 * thread in the change's transaction, after its writes (ACCORD_OK and
 * nothing queued without the notify plugin): meeting id convened ("convene"),
 * moved ("move") or cancelled ("cancel") to its invitees with a calendar
 * invitation; its agenda circulated (a partner's notice names only the
 * shared items); its minutes circulated (member organisations only). */
void notices__init(accord_plugin_ctx *p);
accord_status notices__meeting(accord_txn *txn, int64_t id, const char *what);
accord_status notices__agenda(accord_txn *txn, int64_t id);
accord_status notices__minutes(accord_txn *txn, int64_t id, int64_t until_ms);

/* service.c: the table of accord.meetings, exported from init */
extern const accord_meetings_svc service__meetings;

/* export.c: the HTTP exports and the portal's item kinds, from init */
int export__init(accord_plugin_ctx *p);
void export__feed(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void export__feed_revoke(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);

extern const accord_arg register__register_args[], register__apologies_args[];
void register__register(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);
void register__apologies(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud);

#endif
