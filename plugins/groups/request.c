/*
 * Groups: the request plumbing every handler shares: the job (one request,
 * one storage job, one reply), argument checks, the group of a request,
 * the group log, and the events of a room.
 */
#include "groups.h"

/* The audience of a room event (see request__room_event). */
static accord_audience *audience_for(const group *g, int shared)
{
	accord_audience *a = api->audience_new();
	if (!shared)
		api->audience_members_only(a);
	for (size_t i = 0; i < g->n_m; i++)
		if (shared || !g->m[i].partner)
			api->audience_add_org(a, g->m[i].org);
	api->audience_add_role(a, "co_chair");
	api->audience_add_role(a, "secretariat");
	return a;
}

void request__room_event(const group *g, const char *event, json_t *data, int shared)
{
	char topic[40];
	snprintf(topic, sizeof(topic), "group:%lld", (long long)g->id);
	accord_audience *a = audience_for(g, shared);
	api->publish(self, topic, event, data, a);
	api->audience_free(a);
}

/* ---------------- request plumbing ---------------- */

static accord_status job_work_call(accord_txn *txn, void *ud, json_t **out)
{
	job *j = ud;
	return j->work(txn, j, out);
}

/* A retried request that was done before is answered from its record. */
static accord_status job_work(accord_txn *txn, void *ud, json_t **out)
{
	job *j = ud;
	return accord_retry_work(api, txn, j->retry_key[0] ? j->retry_key : NULL, out, &j->duplicate,
				 job_work_call, j);
}

static void job_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)p;
	job *j = ud;
	const char *msg = out ? json_string_value(json_object_get(out, "message")) : NULL;
	if (st == ACCORD_OK) {
		if (j->after && !j->duplicate)
			j->after(j, out);
		api->reply_ok(j->req, json_incref(out));
	} else
		api->reply_error(j->req, st, msg ? msg : st == ACCORD_E_NOT_FOUND ? "no such group"
							: "could not save");
	json_decref(out);
	json_decref(j->in);
	free(j);
}

void request__run(accord_req *req, int64_t id, json_t *in,
		  accord_status (*work)(accord_txn *, job *, json_t **),
		  void (*after)(job *, json_t *))
{
	job *j = calloc(1, sizeof(*j));
	if (!j) {
		json_decref(in);
		api->reply_error(req, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	const accord_principal *w = api->req_principal(req);
	j->req = req;
	j->id = id;
	j->in = in;
	j->work = work;
	j->after = after;
	snprintf(j->actor, sizeof(j->actor), "%s", api->principal_login(w));
	snprintf(j->org, sizeof(j->org), "%s", api->principal_org(w));
	j->internal_ok = provider__sees_internal(provider__find(id), w);
	accord_retry_key(api, req, j->retry_key, sizeof(j->retry_key));
	if (api->db_run(self, job_work, job_done, j)) {
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

const char *request__str(accord_req *req, const json_t *d, const char *key, size_t max,
			 int required)
{
	const json_t *v = json_object_get(d, key);
	if (!v && !required)
		return "";
	if (json_is_string(v) && json_string_length(v) <= max && (json_string_length(v) || !required))
		return json_string_value(v);
	char msg[128];
	snprintf(msg, sizeof(msg), "%s: %s string of at most %zu bytes", key,
		 required ? "a required non-empty" : "a", max);
	api->reply_error(req, ACCORD_E_BAD_REQUEST, msg);
	return NULL;
}

group *request__group(accord_req *req, const json_t *d)
{
	const json_t *v = json_object_get(d, "group");
	if (!json_is_integer(v)) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "group: required integer id");
		return NULL;
	}
	group *g = provider__find(json_integer_value(v));
	if (!provider__sees(g, api->req_principal(req))) {
		api->reply_error(req, ACCORD_E_NOT_FOUND, "no such group");
		return NULL;
	}
	return g;
}

int request__writable(accord_req *req, const group *g)
{
	if (!provider__archived(g))
		return 1;
	api->reply_error(req, ACCORD_E_CONFLICT, "the group is archived: read-only");
	return 0;
}

int request__manager(accord_req *req, const group *g)
{
	if (provider__manages(g, api->req_principal(req)))
		return 1;
	api->reply_error(req, ACCORD_E_FORBIDDEN,
			 "co-chairs, the secretariat and the group's lead organisation manage it");
	return 0;
}

int request__valid_date(const char *s)
{
	return strlen(s) == 10 && s[4] == '-' && s[7] == '-';
}

accord_status request__log(accord_txn *txn, job *j, const char *action, const char *detail)
{
	return accord_exec(api, txn,
			   "INSERT INTO groups_log(group_id, at, actor, action, detail) VALUES(?,?,?,?,?)",
			   json_pack("[I,I,s,s,s?]", (json_int_t)j->id, (json_int_t)api->now_ms(),
				     j->actor, action, detail),
			   NULL);
}

int request__visibility(accord_req *req, const json_t *d, int *shared)
{
	const char *v = request__str(req, d, "visibility", 10, 0);
	if (!v)
		return -1;
	int forbidden;
	const char *why = access__visibility(v, api->principal_is_partner(api->req_principal(req)),
					     shared, &forbidden);
	if (why) {
		api->reply_error(req, forbidden ? ACCORD_E_FORBIDDEN : ACCORD_E_BAD_REQUEST, why);
		return -1;
	}
	return 0;
}
