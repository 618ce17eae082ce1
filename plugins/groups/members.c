/*
 * Groups: the organisations of a group.  groups.member.add and
 * .member.remove; add_member also serves groups.create.
 */
#include "groups.h"

accord_status members__add(accord_txn *txn, const accord_job *j, const char *org, const char *role,
			   json_t **out)
{
	json_t *o = NULL;
	accord_status st = members_svc->org(txn, org, &o);
	int found = st == ACCORD_OK && json_is_true(json_object_get(o, "active"));
	const char *standing = json_string_value(json_object_get(o, "standing"));
	int partner = found && standing && !strcmp(standing, "partner");
	json_decref(o);
	if (st != ACCORD_OK && st != ACCORD_E_NOT_FOUND)
		return st;
	if (!found) {
		char msg[96];
		snprintf(msg, sizeof(msg), "org: no active organisation %s", org);
		return accord_job_fail(out, ACCORD_E_BAD_REQUEST, msg);
	}
	if (partner && !strcmp(role, "lead"))
		return accord_job_fail(out, ACCORD_E_BAD_REQUEST,
				       "a partner organisation cannot lead a group");
	st = accord_exec(
		api, txn,
		"INSERT INTO groups_members(group_id, org, role, partner, added_by, added_at)"
		" VALUES(?,?,?,?,?,?) ON CONFLICT(group_id, org) DO UPDATE SET role=excluded.role",
		json_pack("[I,s,s,i,s,I]", (json_int_t)j->id, org, role, partner, j->actor,
			  (json_int_t)api->now_ms()),
		NULL);
	return st == ACCORD_OK ? request__log(txn, j, "member.add", org) : st;
}

/* ---------------- members ---------------- */

static accord_status member_add_work(accord_txn *txn, accord_job *j, json_t **out)
{
	accord_status st = members__add(txn, j, json_string_value(json_object_get(j->in, "org")),
					json_string_value(json_object_get(j->in, "role")), out);
	return st == ACCORD_OK ? groups__snapshot(txn, j->id, out) : st;
}

/* role: lead or member ("" is member, the default). */
static const char *check_role(const json_t *v)
{
	const char *r = json_string_value(v);
	return !*r || !strcmp(r, "lead") || !strcmp(r, "member") ? NULL : "expected lead or member";
}

static const accord_arg add_args[] = {
	{.name = "org", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 16},
	{.name = "role", .type = ACCORD_ARG_STRING, .max = 8, .check = check_role},
	{0}};

static void h_member_add(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	const char *role = json_string_value(json_object_get(d, "role"));
	request__run(req, request__group(d)->id,
		     json_pack("{s:O,s:s}", "org", json_object_get(d, "org"), "role",
			       role && *role ? role : "member"),
		     member_add_work, groups__changed);
}

static accord_status member_remove_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const char *org = json_string_value(json_object_get(j->in, "org"));
	accord_status st = accord_exec(api, txn,
				       "DELETE FROM groups_members WHERE group_id=? AND org=?",
				       json_pack("[I,s]", (json_int_t)j->id, org), NULL);
	if (st != ACCORD_OK)
		return st;
	if (!api->txn_changes(txn))
		return accord_job_fail(out, ACCORD_E_NOT_FOUND,
				       "that organisation is not in the group");
	st = request__log(txn, j, "member.remove", org);
	return st == ACCORD_OK ? groups__snapshot(txn, j->id, out) : st;
}

static const accord_arg remove_args[] = {
	{.name = "org", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 16},
	{0}};

static void h_member_remove(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	json_t *in = accord_args_in(api, req, remove_args, d);
	if (in)
		request__run(req, request__group(d)->id, in, member_remove_work, groups__changed);
}

static accord_handler handlers[] = {{.verb = "groups.member.add",
				     .fn = h_member_add,
				     .args = add_args,
				     .allow = request__allow_managing},
				    {.verb = "groups.member.remove",
				     .fn = h_member_remove,
				     .args = remove_args,
				     .allow = request__allow_managing},
				    {0}};

int members__init(accord_plugin_ctx *p) { return accord_handle_all(api, p, handlers); }
