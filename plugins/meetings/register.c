/*
 * Registration by organisation: each invited organisation registers its
 * delegates (meetings.register) or sends its apologies
 * (meetings.apologies), once the meeting is convened and until it is
 * cancelled.  A person registers themself; a focal point or an alternate
 * (accord.members' speaks_for_org) may designate another person of their
 * organisation.  Apologies replace the organisation's registrations, and a
 * registration withdraws its apologies: an organisation is either coming
 * or excused.
 */
#include "meetings.h"

static const char *const ROLES[] = {"delegate", "alternate", "observer", NULL};

const accord_arg register__register_args[] = {
	{.name = "meeting", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "login", .type = ACCORD_ARG_STRING, .min = 1, .max = 64},
	{.name = "role", .type = ACCORD_ARG_STRING, .one_of = ROLES},
	{0}};

const accord_arg register__apologies_args[] = {
	{.name = "meeting", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "reason", .type = ACCORD_ARG_STRING, .max = 2000},
	{0}};

/* The meeting j->id is visible, convened, and j's organisation is invited. */
static accord_status open_for_org(accord_txn *txn, const accord_job *j, json_t **out)
{
	json_t *m = NULL, *inv = NULL;
	accord_status st = access__meeting(txn, j, 0, &m, out);
	if (st != ACCORD_OK)
		return st;
	const char *status = json_string_value(json_object_get(m, "status"));
	const char *refusal = !strcmp(status, "draft")     ? "the meeting is not convened yet"
			      : strcmp(status, "convened") ? "the meeting is cancelled"
							   : NULL;
	json_decref(m);
	if (refusal)
		return accord_job_fail(out, ACCORD_E_CONFLICT, refusal);
	if ((st = store__invitees(txn, j->id, &inv)) != ACCORD_OK)
		return st;
	int invited = 0;
	size_t i;
	json_t *r;
	json_array_foreach(inv, i, r)
		invited |= !strcmp(json_string_value(json_object_get(r, "org")), j->org);
	json_decref(inv);
	if (!invited)
		return accord_job_fail(out, ACCORD_E_FORBIDDEN,
				       "your organisation is not invited to this meeting");
	return ACCORD_OK;
}

static accord_status register_work(accord_txn *txn, accord_job *j, json_t **out)
{
	accord_status st = open_for_org(txn, j, out);
	if (st != ACCORD_OK)
		return st;
	const char *login = json_string_value(json_object_get(j->in, "login"));
	const char *role = json_string_value(json_object_get(j->in, "role"));
	if (!login)
		login = j->actor;
	if (!role)
		role = "delegate";
	int designated = strcmp(login, j->actor) != 0;
	if (designated) {
		int speaks = members_svc->speaks_for_org(txn, j->actor);
		if (speaks < 0)
			return ACCORD_E_INTERNAL;
		if (!speaks)
			return accord_job_fail(out, ACCORD_E_FORBIDDEN,
					       "only your organisation's focal point or alternate"
					       " designates a delegate");
		json_t *person = NULL;
		st = members_svc->person(txn, login, &person);
		int ours = st == ACCORD_OK && json_is_true(json_object_get(person, "active")) &&
			   !strcmp(json_string_value(json_object_get(person, "org")), j->org);
		json_decref(person);
		if (st != ACCORD_OK && st != ACCORD_E_NOT_FOUND)
			return st;
		if (!ours)
			return accord_job_fail(out, ACCORD_E_BAD_REQUEST,
					       "login: no active person of your organisation");
	}
	st = accord_exec(api, txn,
			 "INSERT INTO meetings_registrations(meeting, org, login, role, designated_by,"
			 " at) VALUES(?,?,?,?,?,?) ON CONFLICT(meeting, org, login) DO UPDATE SET"
			 " role=excluded.role, designated_by=excluded.designated_by, at=excluded.at",
			 json_pack("[I,s,s,s,s?,I]", (json_int_t)j->id, j->org, login, role,
				   designated ? j->actor : NULL, (json_int_t)j->now_ms),
			 NULL);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn, "DELETE FROM meetings_apologies WHERE meeting=? AND org=?",
				 json_pack("[I,s]", (json_int_t)j->id, j->org), NULL);
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, "register",
				json_pack("{s:s,s:s,s:s}", "org", j->org, "login", login, "role",
					  role));
	return st == ACCORD_OK ? store__full(txn, j, j->id, out) : st;
}

void register__register(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	json_t *in = accord_args_in(api, req, register__register_args, d);
	accord_job *j = in ? plugin__job(req, json_integer_value(json_object_get(in, "meeting")),
					 in, register_work, NULL)
			   : NULL;
	if (j)
		accord_job_submit(j);
}

static accord_status apologies_work(accord_txn *txn, accord_job *j, json_t **out)
{
	accord_status st = open_for_org(txn, j, out);
	if (st != ACCORD_OK)
		return st;
	const char *reason = json_string_value(json_object_get(j->in, "reason"));
	st = accord_exec(api, txn,
			 "INSERT INTO meetings_apologies(meeting, org, reason, by_login, at)"
			 " VALUES(?,?,?,?,?) ON CONFLICT(meeting, org) DO UPDATE SET"
			 " reason=excluded.reason, by_login=excluded.by_login, at=excluded.at",
			 json_pack("[I,s,s,s,I]", (json_int_t)j->id, j->org, reason ? reason : "",
				   j->actor, (json_int_t)j->now_ms),
			 NULL);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "DELETE FROM meetings_registrations WHERE meeting=? AND org=?",
				 json_pack("[I,s]", (json_int_t)j->id, j->org), NULL);
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, "apologies",
				json_pack("{s:s,s:s}", "org", j->org, "reason", reason ? reason : ""));
	return st == ACCORD_OK ? store__full(txn, j, j->id, out) : st;
}

void register__apologies(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	json_t *in = accord_args_in(api, req, register__apologies_args, d);
	accord_job *j = in ? plugin__job(req, json_integer_value(json_object_get(in, "meeting")),
					 in, apologies_work, NULL)
			   : NULL;
	if (j)
		accord_job_submit(j);
}
