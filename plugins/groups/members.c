/*
 * Groups: the organisations of a group.  groups.member.add and
 * .member.remove; add_member also serves groups.create.
 */
#include "groups.h"

accord_status add_member(accord_txn *txn, job *j, const char *org, const char *role, json_t **out)
{
	json_t *o = NULL;
	accord_status st = members->org(txn, org, &o);
	int found = st == ACCORD_OK && json_is_true(json_object_get(o, "active"));
	const char *standing = json_string_value(json_object_get(o, "standing"));
	int partner = found && standing && !strcmp(standing, "partner");
	json_decref(o);
	if (st != ACCORD_OK && st != ACCORD_E_NOT_FOUND)
		return st;
	if (!found) {
		char msg[96];
		snprintf(msg, sizeof(msg), "org: no active organisation %s", org);
		return fail(out, ACCORD_E_BAD_REQUEST, msg);
	}
	if (partner && !strcmp(role, "lead"))
		return fail(out, ACCORD_E_BAD_REQUEST, "a partner organisation cannot lead a group");
	st = accord_exec(api, txn,
		  "INSERT INTO groups_members(group_id, org, role, partner, added_by, added_at)"
		  " VALUES(?,?,?,?,?,?) ON CONFLICT(group_id, org) DO UPDATE SET role=excluded.role",
		  json_pack("[I,s,s,i,s,I]", (json_int_t)j->id, org, role, partner, j->actor,
			    (json_int_t)api->now_ms()),
		  NULL);
	return st == ACCORD_OK ? log_action(txn, j, "member.add", org) : st;
}

/* ---------------- members ---------------- */

static accord_status member_add_work(accord_txn *txn, job *j, json_t **out)
{
	accord_status st = add_member(txn, j, json_string_value(json_object_get(j->in, "org")),
				      json_string_value(json_object_get(j->in, "role")), out);
	return st == ACCORD_OK ? snapshot(txn, j->id, out) : st;
}

static void h_member_add(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	group *g = arg_group(req, d);
	const char *org, *role;
	if (!g || !manager(req, g) || !writable(req, g) || !(org = str_arg(req, d, "org", 16, 1)) ||
	    !(role = str_arg(req, d, "role", 8, 0)))
		return;
	if (*role && strcmp(role, "lead") && strcmp(role, "member")) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "role: lead or member");
		return;
	}
	run(req, g->id, json_pack("{s:s,s:s}", "org", org, "role", *role ? role : "member"), member_add_work,
	    after_snapshot);
}

static accord_status member_remove_work(accord_txn *txn, job *j, json_t **out)
{
	const char *org = json_string_value(json_object_get(j->in, "org"));
	accord_status st = accord_exec(api, txn, "DELETE FROM groups_members WHERE group_id=? AND org=?",
				json_pack("[I,s]", (json_int_t)j->id, org), NULL);
	if (st != ACCORD_OK)
		return st;
	if (!api->txn_changes(txn))
		return fail(out, ACCORD_E_NOT_FOUND, "that organisation is not in the group");
	st = log_action(txn, j, "member.remove", org);
	return st == ACCORD_OK ? snapshot(txn, j->id, out) : st;
}

static void h_member_remove(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	group *g = arg_group(req, d);
	const char *org;
	if (!g || !manager(req, g) || !writable(req, g) || !(org = str_arg(req, d, "org", 16, 1)))
		return;
	run(req, g->id, json_pack("{s:s}", "org", org), member_remove_work, after_snapshot);
}

int members_init(accord_plugin_ctx *p)
{
	return api->handle(p, "groups.member.add", h_member_add, 0, NULL) ||
	       api->handle(p, "groups.member.remove", h_member_remove, 0, NULL);
}
