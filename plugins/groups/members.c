/*
 * Groups: the organisations of a group.  groups.member.add and
 * .member.remove; add_member also serves groups.create.
 */
#include "groups.h"

accord_status members__add(accord_txn *txn, job *j, const char *org, const char *role,
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
		return request__fail(out, ACCORD_E_BAD_REQUEST, msg);
	}
	if (partner && !strcmp(role, "lead"))
		return request__fail(out, ACCORD_E_BAD_REQUEST,
				     "a partner organisation cannot lead a group");
	st = accord_exec(api, txn,
		  "INSERT INTO groups_members(group_id, org, role, partner, added_by, added_at)"
		  " VALUES(?,?,?,?,?,?) ON CONFLICT(group_id, org) DO UPDATE SET role=excluded.role",
		  json_pack("[I,s,s,i,s,I]", (json_int_t)j->id, org, role, partner, j->actor,
			    (json_int_t)api->now_ms()),
		  NULL);
	return st == ACCORD_OK ? request__log(txn, j, "member.add", org) : st;
}

/* ---------------- members ---------------- */

static accord_status member_add_work(accord_txn *txn, job *j, json_t **out)
{
	accord_status st = members__add(txn, j, json_string_value(json_object_get(j->in, "org")),
					json_string_value(json_object_get(j->in, "role")), out);
	return st == ACCORD_OK ? groups__snapshot(txn, j->id, out) : st;
}

static void h_member_add(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	group *g = request__group(req, d);
	const char *org, *role;
	if (!g || !request__manager(req, g) || !request__writable(req, g) ||
	    !(org = request__str(req, d, "org", 16, 1)) || !(role = request__str(req, d, "role", 8, 0)))
		return;
	if (*role && strcmp(role, "lead") && strcmp(role, "member")) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "role: lead or member");
		return;
	}
	request__run(req, g->id, json_pack("{s:s,s:s}", "org", org, "role", *role ? role : "member"),
		     member_add_work, groups__changed);
}

static accord_status member_remove_work(accord_txn *txn, job *j, json_t **out)
{
	const char *org = json_string_value(json_object_get(j->in, "org"));
	accord_status st = accord_exec(api, txn, "DELETE FROM groups_members WHERE group_id=? AND org=?",
				json_pack("[I,s]", (json_int_t)j->id, org), NULL);
	if (st != ACCORD_OK)
		return st;
	if (!api->txn_changes(txn))
		return request__fail(out, ACCORD_E_NOT_FOUND, "that organisation is not in the group");
	st = request__log(txn, j, "member.remove", org);
	return st == ACCORD_OK ? groups__snapshot(txn, j->id, out) : st;
}

static void h_member_remove(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	group *g = request__group(req, d);
	const char *org;
	if (!g || !request__manager(req, g) || !request__writable(req, g) ||
	    !(org = request__str(req, d, "org", 16, 1)))
		return;
	request__run(req, g->id, json_pack("{s:s}", "org", org), member_remove_work,
		     groups__changed);
}

int members__init(accord_plugin_ctx *p)
{
	return api->handle(p, "groups.member.add", h_member_add, 0, NULL) ||
	       api->handle(p, "groups.member.remove", h_member_remove, 0, NULL);
}
