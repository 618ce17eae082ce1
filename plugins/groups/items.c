/*
 * Groups: shared items (updates, documents, links, data).  groups.item.add,
 * groups.items, and what partners see of a released item.
 */
#include "groups.h"

static accord_status item_work(accord_txn *txn, job *j, json_t **out)
{
	int64_t now = api->now_ms();
	const json_t *in = j->in;
	accord_status st = accord_exec(api, txn,
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

static void item_after(job *j, json_t *out)
{
	group *g = provider__find(j->id);
	const json_t *item = json_object_get(out, "item");
	if (g)
		request__room_event(
			g, "groups.item", json_deep_copy(item),
			!strcmp(json_string_value(json_object_get(item, "visibility")), "shared"));
}

static void h_item_add(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	group *g = request__group(req, d);
	const char *kind, *title, *body, *url;
	int shared;
	if (!g || !request__writable(req, g) || !(kind = request__str(req, d, "kind", 10, 1)) ||
	    !(title = request__str(req, d, "title", 300, 1)) ||
	    !(body = request__str(req, d, "body", 20000, 0)) ||
	    !(url = request__str(req, d, "url", 2000, 0)) || request__visibility(req, d, &shared))
		return;
	if (strcmp(kind, "update") && strcmp(kind, "document") && strcmp(kind, "link") && strcmp(kind, "data")) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "kind: update, document, link or data");
		return;
	}
	if (*url && strncmp(url, "https://", 8) && strncmp(url, "http://", 7)) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "url: an http(s) address");
		return;
	}
	request__run(req, g->id,
		     json_pack("{s:s,s:s,s:s,s:s,s:s}", "kind", kind, "title", title, "body", body,
			       "url", url, "visibility", shared ? "shared" : "internal"),
		     item_work, item_after);
}

static accord_status items_work(accord_txn *txn, job *j, json_t **out)
{
	json_t *rows = NULL;
	accord_status st = accord_exec(api, txn,
				"SELECT id, kind, title, body, url, visibility, author, org, created_at,"
				" file_name, file_size FROM groups_items WHERE group_id=? AND (? OR visibility='shared')"
				" ORDER BY id DESC LIMIT 500",
				json_pack("[I,i]", (json_int_t)j->id, j->internal_ok), &rows);
	if (st == ACCORD_OK)
		*out = json_pack("{s:o}", "items", rows);
	return st;
}

static void h_items(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	group *g = request__group(req, d);
	if (g)
		request__run(req, g->id, NULL, items_work, NULL);
}

static accord_status describe_item(accord_txn *txn, const char *id, json_t **out, void *ud)
{
	(void)ud;
	return accord_describe_row(api, txn,
				   "SELECT i.id, g.name AS group_name, i.org, i.kind, i.title, i.body, i.url,"
				   " i.file_name, i.file_size, i.created_at"
				   " FROM groups_items i JOIN groups_groups g ON g.id=i.group_id WHERE i.id=?",
				   id, 1, out);
}

/* Partners of a group may add and read (shared things only). */
int items__init(accord_plugin_ctx *p)
{
	if (ACCORD_API_HAS(api, item_kind) && api->item_kind(p, "item", describe_item, NULL))
		return -1;
	return api->handle(p, "groups.item.add", h_item_add, ACCORD_REQ_PARTNER, NULL) ||
	       api->handle(p, "groups.items", h_items, ACCORD_REQ_PARTNER, NULL);
}
