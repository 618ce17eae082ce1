/*
 * The meetings plugin's entry: the handler table, init, the descriptor.
 * See meetings.h for what the plugin does and where each part lives.
 */
#include "meetings.h"

#include <accord/services/notify.h>

const accord_host_api *api;
accord_plugin_ctx *self;
const accord_members_svc *members_svc;
const accord_groups_svc *groups_svc;
const accord_decisions_svc *decisions_svc;

static const accord_service_ref requires[] = {{ACCORD_SVC_MEMBERS, ACCORD_SVC_MEMBERS_V, 0},
					      {ACCORD_SVC_GROUPS, ACCORD_SVC_GROUPS_V, 1},
					      {ACCORD_SVC_DECISIONS, ACCORD_SVC_DECISIONS_V, 1},
					      {ACCORD_SVC_NOTIFY, ACCORD_SVC_NOTIFY_V, 1},
					      {NULL, 0, 0}};
static const accord_service_ref provides[] = {{ACCORD_SVC_MEETINGS, ACCORD_SVC_MEETINGS_V, 0},
					      {NULL, 0, 0}};

/* A retried request done before is answered from its record, without the
 * after: what only the loop may see is taken out here. */
static accord_status strip_internal(accord_txn *txn, accord_job *j, json_t **out)
{
	(void)txn;
	(void)j;
	json_object_del(*out, "_acl");
	json_object_del(*out, "_live");
	json_object_del(*out, "_opened");
	return ACCORD_OK;
}

accord_job *plugin__job(accord_req *req, int64_t id, json_t *in, accord_job_work_fn work,
			accord_job_after_fn after)
{
	accord_job *j = accord_job_new(api, self, req, in, work, after ? after : live__after,
				       sizeof(job_who));
	if (!j)
		return NULL;
	const accord_principal *w = api->req_principal(req);
	((job_who *)j->state)->chair = !api->principal_is_partner(w) &&
				       (api->principal_has_role(w, "co_chair") ||
					api->principal_has_role(w, "secretariat"));
	((job_who *)j->state)->cochair = !api->principal_is_partner(w) &&
					 api->principal_has_role(w, "co_chair");
	j->id = id;
	j->again = strip_internal;
	j->not_found_msg = "no such meeting";
	return j;
}

int plugin__chair(const accord_job *j) { return ((const job_who *)j->state)->chair; }

/* Every request: who may make it at all (allow), its fields (checked by
 * the SDK), then the handler; who may see or manage the meeting named is
 * decided in the transaction (access.c).  Partners reach list, get,
 * register and apologies, which show them only the meetings they are
 * invited to. */
#define P ACCORD_REQ_PARTNER
static accord_handler handlers[] = {
	{.verb = "create", .fn = meetings__create, .args = meetings__create_args, .strict = 1},
	{.verb = "update", .fn = meetings__update, .args = meetings__update_args, .strict = 1},
	{.verb = "list", .fn = meetings__list, .flags = P, .args = meetings__list_args},
	{.verb = "get", .fn = meetings__get, .flags = P, .args = meetings__id_args},
	{.verb = "convene", .fn = meetings__convene, .args = meetings__convene_args},
	{.verb = "cancel", .fn = meetings__cancel, .args = meetings__cancel_args},
	{.verb = "request", .fn = requests__request, .args = requests__request_args},
	{.verb = "requests", .fn = requests__requests},
	{.verb = "answer",
	 .fn = requests__answer,
	 .args = requests__answer_args,
	 .allow = requests__may_answer},
	{.verb = "meetings.agenda.add", .fn = agenda__add, .args = agenda__add_args, .strict = 1},
	{.verb = "meetings.agenda.update",
	 .fn = agenda__update,
	 .args = agenda__update_args,
	 .strict = 1},
	{.verb = "meetings.agenda.move", .fn = agenda__move, .args = agenda__move_args},
	{.verb = "meetings.agenda.remove", .fn = agenda__remove, .args = agenda__item_args},
	{.verb = "meetings.agenda.request", .fn = agenda__request, .args = agenda__request_args},
	{.verb = "meetings.agenda.decide", .fn = agenda__decide, .args = agenda__decide_args},
	{.verb = "meetings.agenda.circulate", .fn = agenda__circulate, .args = meetings__id_args},
	{.verb = "meetings.agenda.versions", .fn = agenda__versions, .args = meetings__id_args},
	{.verb = "start", .fn = session__start, .args = meetings__id_args},
	{.verb = "close", .fn = session__close, .args = meetings__id_args},
	{.verb = "meetings.item.open", .fn = session__item_open, .args = agenda__item_args},
	{.verb = "meetings.item.close", .fn = session__item_close, .args = session__item_close_args},
	{.verb = "checkin", .fn = session__checkin, .flags = P, .args = session__org_args},
	{.verb = "checkout", .fn = session__checkout, .flags = P, .args = session__org_args},
	{.verb = "attendance", .fn = session__attendance, .args = meetings__id_args},
	{.verb = "quorum", .fn = session__quorum, .args = session__quorum_args},
	{.verb = "meetings.speakers.add",
	 .fn = session__speaker_add,
	 .flags = P,
	 .args = session__speaker_args},
	{.verb = "meetings.speakers.next", .fn = session__speaker_next, .args = agenda__item_args},
	{.verb = "meetings.item.poll", .fn = decisions__poll, .args = decisions__poll_args},
	{.verb = "meetings.minutes.assemble", .fn = minutes__assemble, .args = meetings__id_args},
	{.verb = "meetings.minutes.update", .fn = minutes__update, .args = minutes__update_args},
	{.verb = "meetings.minutes.circulate",
	 .fn = minutes__circulate,
	 .args = minutes__circulate_args},
	{.verb = "meetings.minutes.comment", .fn = minutes__comment, .args = minutes__comment_args},
	{.verb = "meetings.minutes.approve", .fn = minutes__approve, .args = meetings__id_args},
	{.verb = "minutes", .fn = minutes__get, .args = minutes__get_args},
	{.verb = "note", .fn = session__note, .args = session__note_args},
	{.verb = "meetings.agenda.carry_over", .fn = agenda__carry_over, .args = agenda__carry_args},
	{.verb = "feed", .fn = export__feed, .flags = P},
	{.verb = "meetings.feed.revoke", .fn = export__feed_revoke, .flags = P},
	{.verb = "register", .fn = register__register, .flags = P, .args = register__register_args},
	{.verb = "apologies", .fn = register__apologies, .flags = P, .args = register__apologies_args},
	{0}};
#undef P

static accord_status init(accord_plugin_ctx *p, const accord_host_api *host, const json_t *cfg)
{
	api = host;
	self = p;
	if (!ACCORD_API_HAS(api, service_import))
		return ACCORD_E_INTERNAL;
	members_svc = api->service_import(p, ACCORD_SVC_MEMBERS, ACCORD_SVC_MEMBERS_V);
	groups_svc = api->service_import(p, ACCORD_SVC_GROUPS, ACCORD_SVC_GROUPS_V);
	decisions_svc = api->service_import(p, ACCORD_SVC_DECISIONS, ACCORD_SVC_DECISIONS_V);
	notices__init(p);
	if (!members_svc ||
	    api->service_export(p, ACCORD_SVC_MEETINGS, ACCORD_SVC_MEETINGS_V, &service__meetings))
		return ACCORD_E_INTERNAL;
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)cfg, key, v) {
		(void)v;
		api->log(p, ACCORD_LOG_ERR, "plugins.enabled.meetings.%s: unknown key", key);
		return ACCORD_E_BAD_REQUEST;
	}
	if (accord_handle_all(api, p, handlers) ||
	    api->topic_register(p, "meeting", live__check_topic, NULL) || decisions__watch() ||
	    export__init(p) || live__listen())
		return ACCORD_E_INTERNAL;
	live__load();
	return ACCORD_OK;
}

static void fini(accord_plugin_ctx *p)
{
	(void)p;
	live__reset();
}

static const accord_plugin desc = {
	.abi_major = ACCORD_ABI_MAJOR,
	.struct_size = sizeof(accord_plugin),
	.name = "meetings",
	.version = "1.0.0",
	.description = "meetings by organisation: convene, register, extraordinary requests",
	.init = init,
	.fini = fini,
	.migrations = store__migrations,
	.provides = provides,
	.requires = requires,
};

ACCORD_EXPORT const accord_plugin *accord_plugin_entry(void) { return &desc; }
