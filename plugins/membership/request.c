/*
 * Membership: what every request shares: who the caller is and what it may
 * do (request__may and the allow hooks of the handler tables), the fields
 * the tables check with the plugin's own rules (codes, logins, roles), the
 * job on the SDK's request path with this plugin's messages, and the
 * announcement of a change on topic "network" once the accounts it touched
 * are refreshed.
 */
#include "membership.h"
#include "service.h"

unsigned request__roles_of(const accord_principal *who)
{
	if (!who)
		return 0;
	if (api->principal_is_partner(who))
		return MR_PARTNER;
	unsigned r = MR_MEMBER;
	if (api->principal_has_role(who, "co_chair"))
		r |= MR_CO_CHAIR;
	if (api->principal_has_role(who, "secretariat"))
		r |= MR_SECRETARIAT;
	if (api->principal_has_role(who, "admin"))
		r |= MR_ADMIN;
	return r;
}

int request__may(accord_req *req, enum maction a)
{
	if (members_allowed(request__roles_of(api->req_principal(req)), a))
		return 1;
	api->reply_error(req, ACCORD_E_FORBIDDEN,
			 a == MA_AUDIT      ? "only the secretariat reads the audit log"
			 : a >= MA_SAVE_ORG ? "only the secretariat changes the members list"
					    : "the members list is for network members");
	return 0;
}

/* The allow hooks of the handler tables: one per action of rules.h. */
#define MAY(name, action)                                                                          \
	int request__may_##name(accord_req *req, const json_t *d)                                  \
	{                                                                                          \
		(void)d;                                                                           \
		return request__may(req, action);                                                  \
	}
MAY(read_orgs, MA_READ_ORGS)
MAY(read_people, MA_READ_PEOPLE)
MAY(presence, MA_PRESENCE)
MAY(save_org, MA_SAVE_ORG)
MAY(save_person, MA_SAVE_PERSON)
MAY(deactivate, MA_DEACTIVATE)
MAY(invite, MA_INVITE)
MAY(audit, MA_AUDIT)
MAY(reset_password, MA_RESET_PASSWORD)
#undef MAY

/* ---------------- fields ---------------- */

const char *request__check_code(const json_t *v)
{
	return members_valid_code(json_string_value(v))
		       ? NULL
		       : "expected an organisation code, 2-16 of A-Z, 0-9 and _";
}

const char *request__check_login(const json_t *v)
{
	return members_valid_login(json_string_value(v))
		       ? NULL
		       : "expected a login, 2-32 of a-z, 0-9, _ . and -, starting with a letter";
}

const accord_arg request__role = {.type = ACCORD_ARG_STRING, .one_of = members_roles};

void request__roles_csv(const json_t *d, char *buf, size_t cap)
{
	size_t i;
	const json_t *r;
	buf[0] = 0;
	json_array_foreach(json_object_get(d, "roles"), i, r) {
		if (strstr(buf, json_string_value(r)))
			continue; /* no role is a part of another's name */
		if (*buf)
			strncat(buf, ",", cap - strlen(buf) - 1);
		strncat(buf, json_string_value(r), cap - strlen(buf) - 1);
	}
}

json_t *request__roles_json(const char *csv)
{
	json_t *a = json_array();
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", csv ? csv : "");
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		json_array_append_new(a, json_string(t));
	return a;
}

accord_status request__row(accord_txn *txn, const char *sql, json_t *params, json_t **row)
{
	json_t *rows = NULL;
	accord_status st = api->txn_exec(txn, sql, params, &rows);
	json_decref(params);
	*row = st == ACCORD_OK ? json_incref(json_array_get(rows, 0)) : NULL;
	json_decref(rows);
	return st;
}

void request__publish_changed(const char *what, const char *id, const char *action)
{
	accord_audience *a = api->audience_new();
	api->audience_members_only(a);
	api->publish(self, "network", "members.changed",
		     json_pack("{s:s,s:s,s:s}", "what", what, "id", id, "action", action), a);
	api->audience_free(a);
	members_service_changed(what, id, action);
}

/* ---------------- the job ---------------- */

accord_job *request__job(accord_req *req, json_t *in, accord_job_work_fn work,
			 accord_job_after_fn after)
{
	accord_job *j = accord_job_new(api, self, req, in, work, after, 0);
	if (j) {
		j->conflict_msg = "conflicts with the current list";
		j->not_found_msg = "not found";
		j->error_msg = "could not save the change";
	}
	return j;
}

void request__run(accord_req *req, json_t *in, accord_job_work_fn work, accord_job_after_fn after)
{
	if (!in) {
		api->reply_error(req, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	accord_job *j = request__job(req, in, work, after);
	if (j)
		accord_job_submit(j);
}

/* Announces a change, and answers the request that made it, once the
 * accounts it touched are refreshed: the storage queue runs jobs in order,
 * so this job's completion comes after the refreshes queued before it.  So
 * a person who just lost access to the network topic does not get the
 * announcement, and the secretariat's next request already sees the new
 * roles in force. */
typedef struct announce {
	accord_req *req; /* NULL: nothing to answer */
	json_t *reply;
	char what[16], id[64], action[16];
} announce;

static accord_status announce_work(accord_txn *txn, void *ud, json_t **out)
{
	(void)txn;
	(void)ud;
	(void)out;
	return ACCORD_OK;
}

static void announce_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)p;
	(void)st;
	announce *a = ud;
	request__publish_changed(a->what, a->id, a->action);
	if (a->req)
		api->reply_ok(a->req, a->reply);
	else
		json_decref(a->reply);
	json_decref(out);
	free(a);
}

void request__announce(accord_job *j, json_t *reply, const char *what, const char *id,
		       const char *action)
{
	accord_req *req = j && !j->answered ? j->req : NULL;
	if (j)
		accord_job_answered(j); /* answered by announce_done */
	announce *a = calloc(1, sizeof(*a));
	if (!a) { /* out of memory: announce and answer now, without waiting */
		request__publish_changed(what, id ? id : "", action);
		if (req)
			api->reply_ok(req, json_incref(reply));
		return;
	}
	a->req = req;
	a->reply = json_incref(reply);
	snprintf(a->what, sizeof(a->what), "%s", what);
	snprintf(a->id, sizeof(a->id), "%s", id ? id : "");
	snprintf(a->action, sizeof(a->action), "%s", action);
	if (api->db_run(self, announce_work, announce_done, a))
		announce_done(self, ACCORD_OK, NULL, a);
}
