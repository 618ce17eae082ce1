/*
 * Every request of the plugin takes the SDK's one path (helpers.h): its
 * fields are declared in the handler table (plugin.c) and checked before
 * the handler runs, and its storage work is an accord_job, which answers
 * a retried request from its record.  What a consensus job adds: the
 * proposal it is about, the message of a missing one, and for a working
 * group's proposal whether the caller must be a lead of the group.
 */
#include "consensus.h"

accord_job *job__new(accord_req *req, int64_t id, int64_t group, int need_lead, json_t *in,
		     accord_job_work_fn work, accord_job_after_fn after)
{
	accord_job *j = accord_job_new(api, self, req, in, work, after, sizeof(job_scope));
	if (!j)
		return NULL;
	j->id = id;
	j->group = group;
	j->not_found_msg = "no such proposal";
	((job_scope *)j->state)->need_lead = need_lead;
	if (!req) { /* the closing timer: the server itself, seeing what members see */
		snprintf(j->actor, sizeof(j->actor), "closing time");
		j->partner = 0;
	}
	return j;
}

void job__run(accord_req *req, int64_t id, int64_t group, int need_lead, json_t *in,
	      accord_job_work_fn work, accord_job_after_fn after)
{
	accord_job *j = job__new(req, id, group, need_lead, in, work, after);
	if (j)
		accord_job_submit(j);
}

int job__need_lead(const accord_job *j) { return ((const job_scope *)j->state)->need_lead; }

const char *job__closes_at(const json_t *v)
{
	int64_t at;
	return lifecycle__closes_at(v, 0, api->now_ms(), &at) ? JOB_CLOSES_AT_SAYS : NULL;
}
