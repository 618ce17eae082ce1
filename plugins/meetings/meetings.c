/*
 * A meeting's set-up: meetings.create, update, list, get, convene, cancel.
 *
 * A meeting is drafted (status "draft"), convened ("convened": the
 * invitees are frozen, as consensus.open freezes a proposal's voters) or
 * cancelled ("cancelled", with a reason).  Its time is checked against the
 * clock at every change: a meeting is never created, moved or convened
 * into the past.
 */
#include "meetings.h"

static const char *const KINDS[] = {"regular", "extraordinary", "annual", "group", NULL};
static const char *const MODES[] = {"in_person", "online", "hybrid", NULL};
static const char *const STATUSES[] = {"draft",  "convened",  "in_session",
				       "closed", "cancelled", NULL};
static const char *const APPROVALS[] = {"consensus", "co_chair", NULL};

#define TIME_SAYS "expected a time in milliseconds since the epoch"

const accord_arg meetings__create_args[] = {
	{.name = "kind", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .one_of = KINDS},
	{.name = "title", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 300},
	{.name = "purpose", .type = ACCORD_ARG_STRING, .max = 8000},
	{.name = "starts_at", .flags = ACCORD_ARG_REQUIRED, .check = rules__time, .says = TIME_SAYS},
	{.name = "ends_at", .flags = ACCORD_ARG_NULL_OK, .check = rules__time, .says = TIME_SAYS},
	{.name = "tz", .type = ACCORD_ARG_STRING, .check = rules__tz},
	{.name = "mode", .type = ACCORD_ARG_STRING, .one_of = MODES},
	{.name = "location", .type = ACCORD_ARG_STRING, .max = 500},
	{.name = "online_url",
	 .type = ACCORD_ARG_STRING,
	 .flags = ACCORD_ARG_NULL_OK,
	 .max = 1000,
	 .check = rules__url},
	{.name = "with_unct", .type = ACCORD_ARG_BOOL},
	{.name = "agenda_cutoff_at", .flags = ACCORD_ARG_NULL_OK, .check = rules__time, .says = TIME_SAYS},
	{.name = "minutes_approval", .type = ACCORD_ARG_STRING, .one_of = APPROVALS},
	{.name = "group", .type = ACCORD_ARG_ID},
	{0}};

/* The fields of create that may change; kind and group stay. */
const accord_arg meetings__update_args[] = {
	{.name = "meeting", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "title", .type = ACCORD_ARG_STRING, .min = 1, .max = 300},
	{.name = "purpose", .type = ACCORD_ARG_STRING, .max = 8000},
	{.name = "starts_at", .check = rules__time, .says = TIME_SAYS},
	{.name = "ends_at", .flags = ACCORD_ARG_NULL_OK, .check = rules__time, .says = TIME_SAYS},
	{.name = "tz", .type = ACCORD_ARG_STRING, .check = rules__tz},
	{.name = "mode", .type = ACCORD_ARG_STRING, .one_of = MODES},
	{.name = "location", .type = ACCORD_ARG_STRING, .max = 500},
	{.name = "online_url",
	 .type = ACCORD_ARG_STRING,
	 .flags = ACCORD_ARG_NULL_OK,
	 .max = 1000,
	 .check = rules__url},
	{.name = "with_unct", .type = ACCORD_ARG_BOOL},
	{.name = "agenda_cutoff_at", .flags = ACCORD_ARG_NULL_OK, .check = rules__time, .says = TIME_SAYS},
	{.name = "minutes_approval", .type = ACCORD_ARG_STRING, .one_of = APPROVALS},
	{0}};

const accord_arg meetings__list_args[] = {
	{.name = "status", .type = ACCORD_ARG_STRING, .one_of = STATUSES},
	{.name = "from", .check = rules__time, .says = TIME_SAYS},
	{.name = "to", .check = rules__time, .says = TIME_SAYS},
	{0}};

const accord_arg meetings__id_args[] = {
	{.name = "meeting", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{0}};

static const accord_arg partner_code = {.type = ACCORD_ARG_STRING, .min = 1, .max = 16};
const accord_arg meetings__convene_args[] = {
	{.name = "meeting", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "partners",
	 .type = ACCORD_ARG_ARRAY,
	 .flags = ACCORD_ARG_DISTINCT,
	 .max = 64,
	 .each = &partner_code},
	{0}};

const accord_arg meetings__cancel_args[] = {
	{.name = "meeting", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "reason", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 2000},
	{0}};

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* ---------------- meetings.create ---------------- */

/* A group meeting's group must exist and be seen by the caller (its
 * organisations, the co-chairs and the secretariat): not_found otherwise,
 * the same for a group that does not exist (or no groups plugin). */
static accord_status group_seen(accord_txn *txn, const accord_job *j, int64_t group, json_t **out)
{
	json_t *orgs = NULL;
	accord_status st = groups_svc ? groups_svc->orgs(txn, group, &orgs) : ACCORD_E_NOT_FOUND;
	int in = plugin__chair(j);
	size_t i;
	json_t *r;
	json_array_foreach(orgs, i, r)
		in |= !strcmp(json_string_value(json_object_get(r, "org")), j->org);
	json_decref(orgs);
	if (st == ACCORD_E_NOT_FOUND || (st == ACCORD_OK && !in))
		return accord_job_fail(out, ACCORD_E_NOT_FOUND, "no such group");
	return st;
}

static accord_status create_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *in = j->in;
	int64_t group = json_integer_value(json_object_get(in, "group"));
	accord_status st = group ? group_seen(txn, j, group, out) : ACCORD_OK;
	if (st != ACCORD_OK)
		return st;
	int may = access__manages(txn, j, group);
	if (may < 0)
		return ACCORD_E_INTERNAL;
	if (!may)
		return accord_job_fail(
			out, ACCORD_E_FORBIDDEN,
			group ? "only the co-chairs, the secretariat and the group's"
				" leads create its meetings"
			      : "only the co-chairs and the secretariat create meetings");
	st = accord_exec(
		api, txn,
		"INSERT INTO meetings_meetings(kind, grp, title, purpose, starts_at, ends_at, tz,"
		" mode, location, online_url, with_unct, agenda_cutoff_at, minutes_approval,"
		" created_by, created_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
		json_pack("[s,I,s,s,I,O,s,s,s,O,b,O,s,s,I]", str(in, "kind"), (json_int_t)group,
			  str(in, "title"), str(in, "purpose") ? str(in, "purpose") : "",
			  json_integer_value(json_object_get(in, "starts_at")),
			  accord_or_null(in, "ends_at"), str(in, "tz"), str(in, "mode"),
			  str(in, "location") ? str(in, "location") : "",
			  accord_or_null(in, "online_url"),
			  json_is_true(json_object_get(in, "with_unct")),
			  accord_or_null(in, "agenda_cutoff_at"),
			  str(in, "minutes_approval") ? str(in, "minutes_approval") : "consensus",
			  j->actor, (json_int_t)j->now_ms),
		NULL);
	if (st != ACCORD_OK)
		return st;
	j->id = api->txn_last_id(txn);
	st = store__log(txn, j, j->id, "create", json_deep_copy(in));
	return st == ACCORD_OK ? store__full(txn, j, j->id, out) : st;
}

void meetings__create(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	json_t *in = accord_args_in(api, req, meetings__create_args, d);
	if (!in)
		return;
	const char *kind = str(in, "kind");
	int group = json_object_get(in, "group") != NULL;
	const char *msg = !strcmp(kind, "group") && !group ? "group: required for a group meeting"
			  : strcmp(kind, "group") && group ? "group: only a group meeting has a group"
							   : NULL;
	if (!str(in, "tz"))
		json_object_set_new(in, "tz", json_string(MEETINGS_DEFAULT_TZ));
	if (!str(in, "mode"))
		json_object_set_new(in, "mode", json_string("in_person"));
	if (!msg)
		msg = rules__meeting(in, api->now_ms());
	if (msg) {
		json_decref(in);
		api->reply_error(req, ACCORD_E_BAD_REQUEST, msg);
		return;
	}
	accord_job *j = plugin__job(req, 0, in, create_work, NULL);
	if (j)
		accord_job_submit(j);
}

/* ---------------- meetings.update ---------------- */

static accord_status update_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *m = NULL;
	accord_status st = access__meeting(txn, j, 1, &m, out);
	if (st != ACCORD_OK)
		return st;
	if (!strcmp(str(m, "status"), "cancelled")) {
		json_decref(m);
		return accord_job_fail(out, ACCORD_E_CONFLICT, "the meeting is cancelled");
	}
	if (strcmp(str(m, "status"), "draft") && strcmp(str(m, "status"), "convened")) {
		json_decref(m);
		return accord_job_fail(out, ACCORD_E_CONFLICT,
				       "the meeting has started: its set-up stays as it was");
	}
	/* The meeting as it would be: the stored row with the fields given. */
	json_t *changes = json_deep_copy(j->in);
	json_object_del(changes, "meeting");
	json_t *before = json_deep_copy(m);
	json_object_update(m, changes);
	/* A convened meeting moved in time or place: its invitation again. */
	int moved = 0;
	static const char *const WHERE_WHEN[] = {"starts_at", "ends_at", "location", "online_url",
						 NULL};
	for (const char *const *k = WHERE_WHEN; *k; k++) {
		const json_t *was = json_object_get(before, *k), *now = json_object_get(m, *k);
		moved |= !json_equal(was ? was : json_null(), now ? now : json_null());
	}
	moved = moved && !strcmp(str(m, "status"), "convened");
	json_decref(before);
	const char *msg = rules__meeting(m, j->now_ms);
	if (msg) {
		json_decref(m);
		json_decref(changes);
		return accord_job_fail(out, ACCORD_E_BAD_REQUEST, msg);
	}
	st = accord_exec(api, txn,
			 "UPDATE meetings_meetings SET title=?, purpose=?, starts_at=?, ends_at=?,"
			 " tz=?, mode=?, location=?, online_url=?, with_unct=?, agenda_cutoff_at=?,"
			 " minutes_approval=? WHERE id=?",
			 json_pack("[s,s,I,O,s,s,s,O,b,O,s,I]", str(m, "title"), str(m, "purpose"),
				   json_integer_value(json_object_get(m, "starts_at")),
				   accord_or_null(m, "ends_at"), str(m, "tz"), str(m, "mode"),
				   str(m, "location"), accord_or_null(m, "online_url"),
				   json_is_true(json_object_get(m, "with_unct")),
				   accord_or_null(m, "agenda_cutoff_at"),
				   str(m, "minutes_approval"), (json_int_t)j->id),
			 NULL);
	json_decref(m);
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, "update", changes);
	else
		json_decref(changes);
	if (st == ACCORD_OK && moved)
		st = notices__meeting(txn, j->id, "move");
	return st == ACCORD_OK ? store__full(txn, j, j->id, out) : st;
}

void meetings__update(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	json_t *in = accord_args_in(api, req, meetings__update_args, d);
	if (!in)
		return;
	accord_job *j = plugin__job(req, json_integer_value(json_object_get(in, "meeting")), in,
				    update_work, NULL);
	if (j)
		accord_job_submit(j);
}

/* ---------------- meetings.get / list ---------------- */

static accord_status get_work(accord_txn *txn, accord_job *j, json_t **out)
{
	return store__full(txn, j, j->id, out);
}

void meetings__get(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	accord_job *j = plugin__job(req, json_integer_value(json_object_get(d, "meeting")), NULL,
				    get_work, NULL);
	if (j)
		accord_job_submit(j);
}

/* The meetings the caller may see, soonest first, with the caller's
 * organisation's standing in each (invited, required). */
static accord_status list_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *in = j->in;
	json_t *rows = NULL;
	accord_status st = accord_exec(
		api, txn,
		"SELECT id FROM meetings_meetings WHERE (? = '' OR status = ?) AND starts_at >= ?"
		" AND (? = 0 OR starts_at < ?) ORDER BY starts_at, id",
		json_pack("[s,s,I,I,I]", str(in, "status") ? str(in, "status") : "",
			  str(in, "status") ? str(in, "status") : "",
			  json_integer_value(json_object_get(in, "from")),
			  json_integer_value(json_object_get(in, "to")),
			  json_integer_value(json_object_get(in, "to"))),
		&rows);
	if (st != ACCORD_OK)
		return st;
	json_t *kept = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		if (!kept || json_array_size(kept) == MEETINGS_MAX_LIST)
			break;
		json_t *m = store__meeting(txn, json_integer_value(json_object_get(r, "id")));
		int sees = m ? access__sees(txn, j, m) : -1;
		if (sees < 0) {
			json_decref(m);
			st = ACCORD_E_INTERNAL;
			break;
		}
		if (sees && j->partner) {
			json_object_del(m, "request");
			json_object_del(m, "created_by");
			json_object_del(m, "convened_by");
			json_object_del(m, "cancelled_by");
		}
		if (sees)
			json_array_append(kept, m);
		json_decref(m);
	}
	json_decref(rows);
	if (st != ACCORD_OK || !kept) {
		json_decref(kept);
		return st != ACCORD_OK ? st : ACCORD_E_INTERNAL;
	}
	*out = json_pack("{s:o}", "meetings", kept);
	return *out ? ACCORD_OK : ACCORD_E_INTERNAL;
}

void meetings__list(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	json_t *in = accord_args_in(api, req, meetings__list_args, d);
	if (!in)
		return;
	accord_job *j = plugin__job(req, 0, in, list_work, NULL);
	if (j)
		accord_job_submit(j);
}

/* ---------------- meetings.convene ---------------- */

static accord_status invite(accord_txn *txn, int64_t id, const char *org, const char *capacity,
			    int required)
{
	return accord_exec(api, txn,
			   "INSERT INTO meetings_invitees(meeting, org, capacity, required)"
			   " VALUES(?,?,?,?) ON CONFLICT(meeting, org) DO NOTHING",
			   json_pack("[I,s,s,b]", (json_int_t)id, org, capacity, required), NULL);
}

static int has_code(const json_t *codes, const char *code)
{
	size_t i;
	json_t *c;
	json_array_foreach(codes, i, c)
		if (!strcmp(json_string_value(c), code))
			return 1;
	return 0;
}

/* The organisations of the meeting, frozen now: for the network's
 * meetings every active member organisation (required) and the state
 * counterpart; for a group meeting the group's organisations (its active
 * member organisations required); then the partners named, and for the
 * annual meeting every active partner. */
static accord_status freeze_invitees(accord_txn *txn, const accord_job *j, const json_t *m,
				     json_t **out)
{
	int64_t id = json_integer_value(json_object_get(m, "id"));
	int64_t group = json_integer_value(json_object_get(m, "group"));
	json_t *voters = NULL, *cp = NULL, *rows = NULL;
	accord_status st = members_svc->voting_orgs(txn, &voters);
	if (st != ACCORD_OK)
		return st;
	st = members_svc->state_counterpart(txn, &cp);
	if (st == ACCORD_E_NOT_FOUND)
		st = ACCORD_OK;
	if (st == ACCORD_OK && !group) {
		size_t i;
		json_t *c;
		json_array_foreach(voters, i, c)
			if (st == ACCORD_OK)
				st = invite(txn, id, json_string_value(c), "member", 1);
		if (st == ACCORD_OK && json_is_string(cp))
			st = invite(txn, id, json_string_value(cp), "state_counterpart", 0);
	} else if (st == ACCORD_OK) {
		st = groups_svc ? groups_svc->orgs(txn, group, &rows) : ACCORD_E_NOT_FOUND;
		size_t i;
		json_t *r;
		json_array_foreach(rows, i, r) {
			const char *o = str(r, "org");
			int partner = json_is_true(json_object_get(r, "partner"));
			const char *cap = partner ? (json_is_string(cp) &&
								     !strcmp(json_string_value(cp), o)
							     ? "state_counterpart"
							     : "partner")
						  : "member";
			if (st == ACCORD_OK)
				st = invite(txn, id, o, cap, !partner && has_code(voters, o));
		}
	}
	json_decref(rows);
	rows = NULL;
	/* the annual meeting invites every other stakeholder */
	if (st == ACCORD_OK && !strcmp(str(m, "kind"), "annual")) {
		st = members_svc->orgs(txn, &rows);
		size_t i;
		json_t *o;
		json_array_foreach(rows, i, o)
			if (st == ACCORD_OK && json_is_true(json_object_get(o, "active")) &&
			    !strcmp(str(o, "standing"), "partner"))
				st = invite(txn, id, str(o, "code"), "partner", 0);
		json_decref(rows);
	}
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(j->in, "partners"), i, c) {
		json_t *org = NULL;
		if (st != ACCORD_OK)
			break;
		accord_status ost = members_svc->org(txn, json_string_value(c), &org);
		int ok = ost == ACCORD_OK && json_is_true(json_object_get(org, "active")) &&
			 !strcmp(str(org, "standing"), "partner");
		json_decref(org);
		if (ost != ACCORD_OK && ost != ACCORD_E_NOT_FOUND) {
			st = ost;
			break;
		}
		if (!ok) {
			char msg[120];
			snprintf(msg, sizeof(msg),
				 "partners: %s is not an active partner organisation",
				 json_string_value(c));
			st = accord_job_fail(out, ACCORD_E_BAD_REQUEST, msg);
			break;
		}
		st = invite(txn, id, json_string_value(c),
			    cp && !strcmp(json_string_value(cp), json_string_value(c))
				    ? "state_counterpart"
				    : "partner",
			    0);
	}
	json_decref(voters);
	json_decref(cp);
	return st;
}

static accord_status convene_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *m = NULL;
	accord_status st = access__meeting(txn, j, 1, &m, out);
	if (st != ACCORD_OK)
		return st;
	const char *msg = strcmp(str(m, "status"), "draft") ? "the meeting is not a draft" : NULL;
	if (msg) {
		json_decref(m);
		return accord_job_fail(out, ACCORD_E_CONFLICT, msg);
	}
	if ((msg = rules__meeting(m, j->now_ms))) {
		json_decref(m);
		return accord_job_fail(out, ACCORD_E_CONFLICT, msg);
	}
	st = freeze_invitees(txn, j, m, out);
	json_decref(m);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "UPDATE meetings_meetings SET status='convened', convened_by=?,"
				 " convened_at=? WHERE id=?",
				 json_pack("[s,I,I]", j->actor, (json_int_t)j->now_ms,
					   (json_int_t)j->id),
				 NULL);
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, "convene",
				json_pack("{s:O?}", "partners", json_object_get(j->in, "partners")));
	if (st == ACCORD_OK)
		st = notices__meeting(txn, j->id, "convene");
	return st == ACCORD_OK ? store__full(txn, j, j->id, out) : st;
}

void meetings__convene(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	json_t *in = accord_args_in(api, req, meetings__convene_args, d);
	if (!in)
		return;
	accord_job *j = plugin__job(req, json_integer_value(json_object_get(in, "meeting")), in,
				    convene_work, NULL);
	if (j)
		accord_job_submit(j);
}

/* ---------------- meetings.cancel ---------------- */

static accord_status cancel_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *m = NULL;
	accord_status st = access__meeting(txn, j, 1, &m, out);
	if (st != ACCORD_OK)
		return st;
	int cancelled = !strcmp(str(m, "status"), "cancelled");
	int invited = strcmp(str(m, "status"), "draft") != 0; /* invitations went out */
	json_decref(m);
	if (cancelled)
		return accord_job_fail(out, ACCORD_E_CONFLICT, "the meeting is already cancelled");
	const char *reason = str(j->in, "reason");
	st = accord_exec(api, txn,
			 "UPDATE meetings_meetings SET status='cancelled', cancelled_by=?,"
			 " cancelled_at=?, cancel_reason=? WHERE id=?",
			 json_pack("[s,I,s,I]", j->actor, (json_int_t)j->now_ms, reason,
				   (json_int_t)j->id),
			 NULL);
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, "cancel", json_pack("{s:s}", "reason", reason));
	if (st == ACCORD_OK && invited)
		st = notices__meeting(txn, j->id, "cancel");
	return st == ACCORD_OK ? store__full(txn, j, j->id, out) : st;
}

void meetings__cancel(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	json_t *in = accord_args_in(api, req, meetings__cancel_args, d);
	if (!in)
		return;
	accord_job *j = plugin__job(req, json_integer_value(json_object_get(in, "meeting")), in,
				    cancel_work, NULL);
	if (j)
		accord_job_submit(j);
}
