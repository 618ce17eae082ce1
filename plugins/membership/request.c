/*
 * Membership: the request plumbing every handler shares: who the caller is
 * (request__roles_of, request__may), argument checks, the "write then reply" job, and the
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
			 a == MA_AUDIT ? "only the secretariat reads the audit log"
			 : a >= MA_SAVE_ORG ? "only the secretariat changes the members list"
					    : "the members list is for network members");
	return 0;
}

const char *request__str(accord_req *req, const json_t *d, const char *key, size_t max,
			 int required, int (*valid)(const char *))
{
	const json_t *v = json_object_get(d, key);
	char msg[160];
	if (!v || json_is_null(v)) {
		if (!required)
			return "";
		snprintf(msg, sizeof(msg), "%s: required", key);
	} else if (!json_is_string(v) || json_string_length(v) > max ||
		   (required && json_string_length(v) == 0)) {
		snprintf(msg, sizeof(msg), "%s: expected a string of %s1-%zu bytes", key,
			 required ? "" : "0 or ", max);
	} else if (valid && !valid(json_string_value(v))) {
		snprintf(msg, sizeof(msg), "%s: \"%.40s\" is not a valid value", key,
			 json_string_value(v));
	} else
		return json_string_value(v);
	api->reply_error(req, ACCORD_E_BAD_REQUEST, msg);
	return NULL;
}

int request__roles(accord_req *req, const json_t *d, char *buf, size_t cap)
{
	const json_t *v = json_object_get(d, "roles");
	buf[0] = 0;
	if (!v)
		return 0;
	size_t i;
	const json_t *r;
	if (!json_is_array(v) || json_array_size(v) > 3)
		goto bad;
	json_array_foreach(v, i, r)
	{
		if (!json_is_string(r) || !members_valid_role(json_string_value(r)))
			goto bad;
		if (strstr(buf, json_string_value(r)))
			continue;
		if (*buf)
			strncat(buf, ",", cap - strlen(buf) - 1);
		strncat(buf, json_string_value(r), cap - strlen(buf) - 1);
	}
	return 0;
bad:
	api->reply_error(req, ACCORD_E_BAD_REQUEST,
			 "roles: expected an array of co_chair, secretariat, admin");
	return -1;
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

const char *request__actor(accord_req *req)
{
	return api->principal_login(api->req_principal(req));
}

json_t *request__row0(accord_txn *txn, const char *sql, json_t *params)
{
	json_t *rows = NULL;
	accord_status st = api->txn_exec(txn, sql, params, &rows);
	json_decref(params);
	if (st != ACCORD_OK) {
		json_decref(rows);
		return NULL;
	}
	json_t *r = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	return r; /* NULL when no row */
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

/* ---------------- a generic "write then reply" job ---------------- */

static accord_status wjob_work_call(accord_txn *txn, void *ud, json_t **out)
{
	wjob *j = ud;
	return j->work(txn, j, out);
}

/* A retried request that was done before is answered from its record. */
static accord_status wjob_work(accord_txn *txn, void *ud, json_t **out)
{
	wjob *j = ud;
	return accord_retry_work(api, txn, j->retry_key[0] ? j->retry_key : NULL, out, &j->duplicate,
				 wjob_work_call, j);
}

static void wjob_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)p;
	wjob *j = ud;
	if (st == ACCORD_OK) {
		if (j->after && !j->duplicate)
			j->after(j, out);
		if (j->req) /* after() may have taken the reply over */
			api->reply_ok(j->req, out ? json_incref(out) : NULL);
	} else if (st == ACCORD_E_CONFLICT)
		api->reply_error(j->req, st, out && json_is_string(json_object_get(out, "message"))
						     ? json_string_value(json_object_get(out, "message"))
						     : j->conflict_msg ? j->conflict_msg
								       : "conflicts with the current list");
	else if (st == ACCORD_E_NOT_FOUND)
		api->reply_error(j->req, st, j->not_found_msg ? j->not_found_msg : "not found");
	else if (st == ACCORD_E_BAD_REQUEST)
		api->reply_error(j->req, st, out && json_is_string(json_object_get(out, "message"))
						     ? json_string_value(json_object_get(out, "message"))
						     : "invalid request");
	else
		api->reply_error(j->req, st, "could not save the change");
	json_decref(out);
	json_decref(j->in);
	free(j);
}

void request__run(accord_req *req, json_t *in,
		  accord_status (*work)(accord_txn *, wjob *, json_t **),
		  void (*after)(wjob *, json_t *))
{
	wjob *j = calloc(1, sizeof(*j));
	if (!j) {
		json_decref(in);
		api->reply_error(req, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	j->req = req;
	j->in = in;
	j->work = work;
	j->after = after;
	const accord_principal *who = api->req_principal(req);
	snprintf(j->actor, sizeof(j->actor), "%s", who ? api->principal_login(who) : "");
	accord_retry_key(api, req, j->retry_key, sizeof(j->retry_key));
	if (api->db_run(self, wjob_work, wjob_done, j)) {
		json_decref(in);
		free(j);
		api->reply_error(req, ACCORD_E_UNAVAILABLE, "the server is busy, try again");
	}
}

accord_status request__fail(json_t **out, accord_status st, const char *msg)
{
	*out = json_pack("{s:s}", "message", msg);
	return st;
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

void request__announce(wjob *j, json_t *reply, const char *what, const char *id,
		       const char *action)
{
	announce *a = calloc(1, sizeof(*a));
	if (!a) { /* out of memory: announce and answer now, without waiting */
		request__publish_changed(what, id ? id : "", action);
		if (j && j->req)
			api->reply_ok(j->req, json_incref(reply));
		if (j)
			j->req = NULL;
		return;
	}
	a->req = j ? j->req : NULL;
	a->reply = json_incref(reply);
	snprintf(a->what, sizeof(a->what), "%s", what);
	snprintf(a->id, sizeof(a->id), "%s", id ? id : "");
	snprintf(a->action, sizeof(a->action), "%s", action);
	if (j)
		j->req = NULL; /* answered by announce_done */
	if (api->db_run(self, announce_work, announce_done, a))
		announce_done(self, ACCORD_OK, NULL, a);
}
