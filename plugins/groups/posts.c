/*
 * Groups: posts and threads in a room.  groups.post, groups.posts, and
 * what partners see of a released post.
 */
#include "groups.h"

static accord_status post_work(accord_txn *txn, job *j, json_t **out)
{
	const json_t *parent = json_object_get(j->in, "parent");
	if (parent) {
		json_t *rows = NULL;
		accord_exec(api, txn, "SELECT visibility FROM groups_posts WHERE id=? AND group_id=?",
		     json_pack("[O,I]", parent, (json_int_t)j->id), &rows);
		const char *vis = json_string_value(json_object_get(json_array_get(rows, 0), "visibility"));
		int ok = vis && (j->internal_ok || !strcmp(vis, "shared"));
		json_decref(rows);
		if (!ok)
			return request__fail(out, ACCORD_E_NOT_FOUND,
					     "parent: no such post in this group");
	}
	int64_t now = api->now_ms();
	accord_status st = accord_exec(api, txn,
				"INSERT INTO groups_posts(group_id, parent_id, author, org, text, visibility,"
				" created_at) VALUES(?,?,?,?,?,?,?)",
				json_pack("[I,O,s,s,O,O,I]", (json_int_t)j->id, parent ? parent : json_null(),
					  j->actor, j->org, json_object_get(j->in, "text"),
					  json_object_get(j->in, "visibility"), (json_int_t)now),
				NULL);
	if (st != ACCORD_OK)
		return st;
	*out = json_pack("{s:{s:I,s:I,s:O,s:s,s:s,s:O,s:O,s:I}}", "post", "id", (json_int_t)api->txn_last_id(txn),
			 "group", (json_int_t)j->id, "parent", parent ? parent : json_null(), "author", j->actor,
			 "org", j->org, "text", json_object_get(j->in, "text"), "visibility",
			 json_object_get(j->in, "visibility"), "created_at", (json_int_t)now);
	return ACCORD_OK;
}

static void post_after(job *j, json_t *out)
{
	group *g = provider__find(j->id);
	const json_t *post = json_object_get(out, "post");
	if (g)
		request__room_event(
			g, "groups.post", json_deep_copy(post),
			!strcmp(json_string_value(json_object_get(post, "visibility")), "shared"));
}

static void h_post(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	group *g = request__group(req, d);
	const char *text;
	int shared;
	if (!g || !request__writable(req, g) || !(text = request__str(req, d, "text", 20000, 1)) ||
	    request__visibility(req, d, &shared))
		return;
	const json_t *parent = json_object_get(d, "parent");
	if (parent && !json_is_integer(parent)) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "parent: a post id");
		return;
	}
	json_t *in = json_pack("{s:s,s:s}", "text", text, "visibility", shared ? "shared" : "internal");
	if (parent)
		json_object_set(in, "parent", (json_t *)parent);
	request__run(req, g->id, in, post_work, post_after);
}

static accord_status posts_work(accord_txn *txn, job *j, json_t **out)
{
	json_t *rows = NULL;
	const json_t *before = json_object_get(j->in, "before");
	accord_status st = accord_exec(api, txn,
				"SELECT id, parent_id AS parent, author, org, text, visibility, created_at"
				" FROM groups_posts WHERE group_id=? AND (? OR visibility='shared') AND id < ?"
				" ORDER BY id DESC LIMIT 200",
				json_pack("[I,i,I]", (json_int_t)j->id, j->internal_ok,
					  (json_int_t)(json_is_integer(before) ? json_integer_value(before) : INT64_MAX)),
				&rows);
	if (st == ACCORD_OK)
		*out = json_pack("{s:o}", "posts", rows);
	return st;
}

static void h_posts(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	group *g = request__group(req, d);
	if (g)
		request__run(req, g->id, json_deep_copy(d), posts_work, NULL);
}

/* What partners see of a released post or item: its text and the group's
 * name, never the group's other contents. */
static accord_status describe_post(accord_txn *txn, const char *id, json_t **out, void *ud)
{
	(void)ud;
	return accord_describe_row(api, txn,
				   "SELECT p.id, g.name AS group_name, p.org, p.text, p.created_at"
				   " FROM groups_posts p JOIN groups_groups g ON g.id=p.group_id WHERE p.id=?",
				   id, 1, out);
}

/* Partners of a group may post and read (shared things only). */
int posts__init(accord_plugin_ctx *p)
{
	if (ACCORD_API_HAS(api, item_kind) && api->item_kind(p, "post", describe_post, NULL))
		return -1;
	return api->handle(p, "groups.post", h_post, ACCORD_REQ_PARTNER, NULL) ||
	       api->handle(p, "groups.posts", h_posts, ACCORD_REQ_PARTNER, NULL);
}
