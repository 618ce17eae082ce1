/*
 * Groups: shared items (updates, documents, links, data).  groups.item.add,
 * groups.items, and what partners see of a released item.
 */
#include "groups.h"

static accord_status item_work(accord_txn *txn, accord_job *j, json_t **out)
{
	int64_t now = api->now_ms();
	const json_t *in = j->in;
	accord_status st = accord_exec(
		api, txn,
		"INSERT INTO groups_items(group_id, kind, title, body, url, visibility, author,"
		" org, created_at) VALUES(?,?,?,?,?,?,?,?,?)",
		json_pack("[I,O,O,O,O,O,s,s,I]", (json_int_t)j->id, json_object_get(in, "kind"),
			  json_object_get(in, "title"), json_object_get(in, "body"),
			  json_object_get(in, "url"), json_object_get(in, "visibility"), j->actor,
			  j->org, (json_int_t)now),
		NULL);
	if (st != ACCORD_OK)
		return st;
	json_t *item = json_deep_copy(in);
	json_object_set_new(item, "id", json_integer(api->txn_last_id(txn)));
	json_object_set_new(item, "group", json_integer(j->id));
	json_object_set_new(item, "author", json_string(j->actor));
	json_object_set_new(item, "org", json_string(j->org));
	json_object_set_new(item, "created_at", json_integer(now));
	*out = json_pack("{s:o}", "item", item);
	return ACCORD_OK;
}

static accord_status item_after(accord_job *j, json_t **out)
{
	group *g = provider__find(j->id);
	const json_t *item = json_object_get(*out, "item");
	if (g)
		request__room_event(g, "groups.item", json_deep_copy(item),
				    !strcmp(json_string_value(json_object_get(item, "visibility")),
					    "shared"));
	return ACCORD_OK;
}

static const char *const KINDS[] = {"update", "document", "link", "data", NULL};

/* url: empty, or an http(s) address (never javascript: or the like). */
static const char *check_url(const json_t *v)
{
	const char *u = json_string_value(v);
	return !*u || !strncmp(u, "https://", 8) || !strncmp(u, "http://", 7)
		       ? NULL
		       : "expected an http(s) address";
}

static const accord_arg item_args[] = {
	{.name = "kind", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .one_of = KINDS},
	{.name = "title", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 300},
	{.name = "body", .type = ACCORD_ARG_STRING, .max = 20000},
	{.name = "url", .type = ACCORD_ARG_STRING, .max = 2000, .check = check_url},
	{.name = "visibility", .type = ACCORD_ARG_STRING, .max = 10, .check = request__check_visibility},
	{0}};

static void h_item_add(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	int shared;
	if (request__shared(req, d, &shared))
		return;
	const char *body = json_string_value(json_object_get(d, "body"));
	const char *url = json_string_value(json_object_get(d, "url"));
	request__run(req, request__group(d)->id,
		     json_pack("{s:O,s:O,s:s,s:s,s:s}", "kind", json_object_get(d, "kind"), "title",
			       json_object_get(d, "title"), "body", body ? body : "", "url",
			       url ? url : "", "visibility", shared ? "shared" : "internal"),
		     item_work, item_after);
}

static accord_status items_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *rows = NULL;
	accord_status st = accord_exec(
		api, txn,
		"SELECT id, kind, title, body, url, visibility, author, org, created_at,"
		" file_name, file_size FROM groups_items WHERE group_id=? AND (? OR visibility='shared')"
		" ORDER BY id DESC LIMIT 500",
		json_pack("[I,i]", (json_int_t)j->id, request__internal_ok(j)), &rows);
	if (st == ACCORD_OK)
		*out = json_pack("{s:o}", "items", rows);
	return st;
}

static void h_items(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	request__run(req, request__group(d)->id, json_object(), items_work, NULL);
}

static accord_status describe_item(accord_txn *txn, const char *id, json_t **out, void *ud)
{
	(void)ud;
	return accord_describe_row(
		api, txn,
		"SELECT i.id, g.name AS group_name, i.org, i.kind, i.title, i.body, i.url,"
		" i.file_name, i.file_size, i.created_at"
		" FROM groups_items i JOIN groups_groups g ON g.id=i.group_id WHERE i.id=?",
		id, 1, out);
}

/* Partners of a group may add and read (shared things only). */
static accord_handler handlers[] = {{.verb = "groups.item.add",
				     .fn = h_item_add,
				     .flags = ACCORD_REQ_PARTNER,
				     .args = item_args,
				     .allow = request__allow_writing},
				    {.verb = "groups.items",
				     .fn = h_items,
				     .flags = ACCORD_REQ_PARTNER,
				     .allow = request__allow_reading},
				    {0}};

int items__init(accord_plugin_ctx *p)
{
	if (ACCORD_API_HAS(api, item_kind) && api->item_kind(p, "item", describe_item, NULL))
		return -1;
	return accord_handle_all(api, p, handlers);
}
