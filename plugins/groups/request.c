/*
 * Groups: what every request shares: the events of a room, the job (the
 * SDK's) about one group, the group log, who may call (the handler tables'
 * allow hooks: the group named by data.group, seen, writable, managed) and
 * the fields the tables check with the plugin's own rules.
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

/* ---------------- the job ---------------- */

accord_job *request__job(accord_req *req, int64_t group, json_t *in, accord_job_work_fn work,
			 accord_job_after_fn after)
{
	accord_job *j = accord_job_new(api, self, req, in, work, after, 0);
	if (j) {
		j->id = group;
		j->not_found_msg = "no such group";
	}
	return j;
}

void request__run(accord_req *req, int64_t group, json_t *in, accord_job_work_fn work,
		  accord_job_after_fn after)
{
	if (!in) {
		api->reply_error(req, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	accord_job *j = request__job(req, group, in, work, after);
	if (j)
		accord_job_submit(j);
}

int request__internal_ok(const accord_job *j) { return !j->partner; }

accord_status request__log(accord_txn *txn, const accord_job *j, const char *action,
			   const char *detail)
{
	return accord_exec(
		api, txn,
		"INSERT INTO groups_log(group_id, at, actor, action, detail) VALUES(?,?,?,?,?)",
		json_pack("[I,I,s,s,s?]", (json_int_t)j->id, (json_int_t)api->now_ms(), j->actor,
			  action, detail),
		NULL);
}

/* ---------------- who may call: the tables' allow hooks ---------------- */

/* The group named by data.group, visible to the caller; else replies
 * (bad_request, not_found) and returns NULL. */
static group *visible_group(accord_req *req, const json_t *d)
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

static int writable(accord_req *req, const group *g)
{
	if (!provider__archived(g))
		return 1;
	api->reply_error(req, ACCORD_E_CONFLICT, "the group is archived: read-only");
	return 0;
}

static int manager(accord_req *req, const group *g)
{
	if (provider__manages(g, api->req_principal(req)))
		return 1;
	api->reply_error(req, ACCORD_E_FORBIDDEN,
			 "co-chairs, the secretariat and the group's lead organisation manage it");
	return 0;
}

int request__allow_reading(accord_req *req, const json_t *d)
{
	return visible_group(req, d) != NULL;
}

int request__allow_writing(accord_req *req, const json_t *d)
{
	group *g = visible_group(req, d);
	return g && writable(req, g);
}

int request__allow_managing(accord_req *req, const json_t *d)
{
	group *g = visible_group(req, d);
	return g && manager(req, g) && writable(req, g);
}

group *request__group(const json_t *d)
{
	return provider__find(json_integer_value(json_object_get(d, "group")));
}

/* ---------------- fields ---------------- */

const char *request__check_visibility(const json_t *v)
{
	int shared, forbidden;
	return access__visibility(json_string_value(v), 0, &shared, &forbidden)
		       ? "expected internal or shared"
		       : NULL;
}

int request__shared(accord_req *req, const json_t *d, int *shared)
{
	int forbidden;
	const char *why = access__visibility(json_string_value(json_object_get(d, "visibility")),
					     api->principal_is_partner(api->req_principal(req)),
					     shared, &forbidden);
	if (!why)
		return 0;
	api->reply_error(req, forbidden ? ACCORD_E_FORBIDDEN : ACCORD_E_BAD_REQUEST, why);
	return -1;
}
