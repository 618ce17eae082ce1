/*
 * Groups: posts and threads in a room.  groups.post, groups.posts, and
 * what partners see of a released post.
 */
#include "groups.h"

static accord_status post_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *parent = json_object_get(j->in, "parent");
	if (parent) {
		/* A parent that cannot be read is no parent: nothing is written. */
		json_t *rows = NULL;
		accord_status st = accord_exec(
			api, txn, "SELECT visibility FROM groups_posts WHERE id=? AND group_id=?",
			json_pack("[O,I]", parent, (json_int_t)j->id), &rows);
		const char *vis = json_string_value(
			json_object_get(json_array_get(rows, 0), "visibility"));
		int ok = st == ACCORD_OK && vis &&
			 (request__internal_ok(j) || !strcmp(vis, "shared"));
		json_decref(rows);
		if (!ok)
			return accord_job_fail(out, ACCORD_E_NOT_FOUND,
					       "parent: no such post in this group");
	}
	int64_t now = api->now_ms();
	accord_status st = accord_exec(
		api, txn,
		"INSERT INTO groups_posts(group_id, parent_id, author, org, text, visibility,"
		" created_at) VALUES(?,?,?,?,?,?,?)",
		json_pack("[I,O,s,s,O,O,I]", (json_int_t)j->id, parent ? parent : json_null(),
			  j->actor, j->org, json_object_get(j->in, "text"),
			  json_object_get(j->in, "visibility"), (json_int_t)now),
		NULL);
	if (st != ACCORD_OK)
		return st;
	*out = json_pack("{s:{s:I,s:I,s:O,s:s,s:s,s:O,s:O,s:I}}", "post", "id",
			 (json_int_t)api->txn_last_id(txn), "group", (json_int_t)j->id, "parent",
			 parent ? parent : json_null(), "author", j->actor, "org", j->org, "text",
			 json_object_get(j->in, "text"), "visibility",
			 json_object_get(j->in, "visibility"), "created_at", (json_int_t)now);
	return ACCORD_OK;
}

static accord_status post_after(accord_job *j, json_t **out)
{
	group *g = provider__find(j->id);
	const json_t *post = json_object_get(*out, "post");
	if (g)
		request__room_event(g, "groups.post", json_deep_copy(post),
				    !strcmp(json_string_value(json_object_get(post, "visibility")),
					    "shared"));
	return ACCORD_OK;
}

/* parent: the post answered, in the same group (checked by the work). */
static const accord_arg post_args[] = {
	{.name = "text", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 20000},
	{.name = "visibility", .type = ACCORD_ARG_STRING, .max = 10, .check = request__check_visibility},
	{.name = "parent", .type = ACCORD_ARG_INT},
	{0}};

static void h_post(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	int shared;
	if (request__shared(req, d, &shared))
		return;
	json_t *in = json_pack("{s:O,s:s,s:O}", "text", json_object_get(d, "text"), "visibility",
			       shared ? "shared" : "internal", "parent", accord_or_null(d, "parent"));
	if (in && json_is_null(json_object_get(in, "parent")))
		json_object_del(in, "parent");
	request__run(req, request__group(d)->id, in, post_work, post_after);
}

static accord_status posts_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *rows = NULL;
	const json_t *before = json_object_get(j->in, "before");
	accord_status st = accord_exec(
		api, txn,
		"SELECT id, parent_id AS parent, author, org, text, visibility, created_at"
		" FROM groups_posts WHERE group_id=? AND (? OR visibility='shared') AND id < ?"
		" ORDER BY id DESC LIMIT 200",
		json_pack("[I,i,I]", (json_int_t)j->id, request__internal_ok(j),
			  (json_int_t)(json_is_integer(before) ? json_integer_value(before)
							       : INT64_MAX)),
		&rows);
	if (st == ACCORD_OK)
		*out = json_pack("{s:o}", "posts", rows);
	return st;
}

/* before: posts older than this id (anything else: the newest). */
static void h_posts(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	request__run(req, request__group(d)->id, json_deep_copy(d), posts_work, NULL);
}

/* What partners see of a released post or item: its text and the group's
 * name, never the group's other contents. */
static accord_status describe_post(accord_txn *txn, const char *id, json_t **out, void *ud)
{
	(void)ud;
	return accord_describe_row(
		api, txn,
		"SELECT p.id, g.name AS group_name, p.org, p.text, p.created_at"
		" FROM groups_posts p JOIN groups_groups g ON g.id=p.group_id WHERE p.id=?",
		id, 1, out);
}

/* Partners of a group may post and read (shared things only). */
static accord_handler handlers[] = {{.verb = "groups.post",
				     .fn = h_post,
				     .flags = ACCORD_REQ_PARTNER,
				     .args = post_args,
				     .allow = request__allow_writing},
				    {.verb = "groups.posts",
				     .fn = h_posts,
				     .flags = ACCORD_REQ_PARTNER,
				     .allow = request__allow_reading},
				    {0}};

int posts__init(accord_plugin_ctx *p)
{
	if (ACCORD_API_HAS(api, item_kind) && api->item_kind(p, "post", describe_post, NULL))
		return -1;
	return accord_handle_all(api, p, handlers);
}
