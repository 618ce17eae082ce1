/*
 * Groups: documents, uploaded and downloaded over HTTP (/api/groups/files).
 */
#include "groups.h"

#include <errno.h>

static char files_dir[512] = "var/files"; /* uploaded documents, one file per item */

/* POST /api/groups/files?group=G&title=T&name=FILE&visibility=V (bearer)
 * stores the body as a document item; GET /api/groups/files?item=ID
 * returns it to whoever may see the item.  Files are written and read on
 * the storage thread (never the loop), fsynced before the item commits. */
typedef struct fjob {
	accord_http *h;
	int64_t group, item;
	int partner, chair_or_secretariat;
	char actor[64], org[17], title[301], name[201], vis[10];
	char *data;    /* a download */
	size_t len;
	int body_fd;   /* an upload: the body's file, the core's (http_body_fd) */
} fjob;

/* The stored file of a document item, in files_dir. */
static void file_name(char *out, size_t n, int64_t item)
{
	snprintf(out, n, "item-%lld", (long long)item);
}

static accord_status upload_work(accord_txn *txn, void *ud, json_t **out)
{
	fjob *f = ud;
	int64_t now = api->now_ms();
	accord_status st = accord_exec(api, txn,
				"INSERT INTO groups_items(group_id, kind, title, visibility, author, org, created_at,"
				" file_name, file_size) VALUES(?,'document',?,?,?,?,?,?,?)",
				json_pack("[I,s,s,s,s,I,s,I]", (json_int_t)f->group, f->title, f->vis, f->actor,
					  f->org, (json_int_t)now, f->name, (json_int_t)f->len),
				NULL);
	if (st != ACCORD_OK)
		return st;
	f->item = api->txn_last_id(txn);
	char name[40];
	file_name(name, sizeof(name), f->item);
	if (accord_write_file_fd(files_dir, name, f->body_fd, f->len)) {
		api->log(self, ACCORD_LOG_ERR, "cannot store %s/%s: %s", files_dir, name, strerror(errno));
		return ACCORD_E_INTERNAL; /* the item row rolls back with the job */
	}
	*out = json_pack("{s:{s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:I}}", "item", "id",
			 (json_int_t)f->item, "group", (json_int_t)f->group, "kind", "document", "title",
			 f->title, "body", "", "url", "", "visibility", f->vis, "author", f->actor, "org",
			 f->org, "created_at", (json_int_t)now, "file_name", f->name, "file_size",
			 (json_int_t)f->len);
	return ACCORD_OK;
}

static void upload_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)p;
	fjob *f = ud;
	group *g = provider__find(f->group);
	if (st == ACCORD_OK) {
		if (g)
			request__room_event(g, "groups.item",
					    json_deep_copy(json_object_get(out, "item")),
					    !strcmp(f->vis, "shared"));
		accord_http_json(api, f->h, 200, json_incref(out));
	} else
		accord_http_json(api, f->h, 500, json_pack("{s:s}", "error", "internal"));
	json_decref(out);
	free(f->data);
	free(f);
}

static accord_status download_work(accord_txn *txn, void *ud, json_t **out)
{
	fjob *f = ud;
	json_t *rows = NULL;
	accord_status st = accord_exec(api, txn,
				"SELECT group_id, visibility, file_name, file_size FROM groups_items"
				" WHERE id=? AND file_name IS NOT NULL",
				json_pack("[I]", (json_int_t)f->item), &rows);
	json_t *r = json_array_get(rows, 0);
	if (st != ACCORD_OK || !r) {
		json_decref(rows);
		return ACCORD_E_NOT_FOUND;
	}
	f->group = json_integer_value(json_object_get(r, "group_id"));
	snprintf(f->vis, sizeof(f->vis), "%s", json_string_value(json_object_get(r, "visibility")));
	json_decref(rows);
	(void)out;
	char name[40];
	file_name(name, sizeof(name), f->item);
	return accord_read_file(files_dir, name, &f->data, &f->len) ? ACCORD_E_INTERNAL : ACCORD_OK;
}

static void download_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)p;
	json_decref(out);
	fjob *f = ud;
	/* Decided on the loop, where the group copy lives; a hidden item
	 * answers exactly like a missing one. */
	gwho who = {f->org, f->partner, f->chair_or_secretariat};
	if (st == ACCORD_OK &&
	    access__sees_thing(provider__find(f->group), &who, !strcmp(f->vis, "shared")))
		api->http_respond(f->h, 200, "application/octet-stream", f->data, f->len);
	else
		accord_http_json(api, f->h, 404, json_pack("{s:s}", "error", "not_found"));
	free(f->data);
	free(f);
}

static void http_files(accord_plugin_ctx *p, accord_http *h, const accord_principal *w, void *ud)
{
	(void)ud;
	if (!w) {
		accord_http_json(api, h, 401, json_pack("{s:s}", "error", "unauthenticated"));
		return;
	}
	fjob *f = calloc(1, sizeof(*f));
	if (!f) {
		accord_http_json(api, h, 500, json_pack("{s:s}", "error", "internal"));
		return;
	}
	gwho who;
	provider__who(w, &who);
	f->h = h;
	snprintf(f->actor, sizeof(f->actor), "%s", api->principal_login(w));
	snprintf(f->org, sizeof(f->org), "%s", who.org);
	f->partner = who.partner;
	f->chair_or_secretariat = who.chair_or_secretariat;
	if (!strcmp(api->http_method(h), "GET")) {
		const char *item = api->http_query(h, "item");
		f->item = item ? strtoll(item, NULL, 10) : 0;
		/* who may see it is decided after the read, on the loop */
		if (f->item <= 0 || api->db_run(p, download_work, download_done, f)) {
			free(f);
			accord_http_json(api, h, 404, json_pack("{s:s}", "error", "not_found"));
		}
		return;
	}
	const char *gs = api->http_query(h, "group"), *title = api->http_query(h, "title"),
		   *name = api->http_query(h, "name"), *vis = api->http_query(h, "visibility");
	group *g = gs ? provider__find(strtoll(gs, NULL, 10)) : NULL;
	if (!g || !access__sees(g, &who)) {
		free(f);
		accord_http_json(api, h, 404, json_pack("{s:s}", "error", "not_found"));
		return;
	}
	int shared = 0, forbidden;
	int archived = provider__archived(g);
	const char *why = archived ? "the group is archived: read-only"
			  : !title || !*title || strlen(title) > 300 ? "title: required, at most 300 bytes"
			  : !name || !*name || strlen(name) > 200 || strchr(name, '/') ? "name: a file name"
			  : access__visibility(vis, who.partner, &shared, &forbidden);
	if (why) {
		free(f);
		accord_http_json(api, h, archived ? 409 : 400,
				 json_pack("{s:s,s:s}", "error", "bad_request", "message", why));
		return;
	}
	/* The body stays in the core's file until the response: the storage
	 * thread copies it into files_dir, so no copy is held in memory. */
	f->body_fd = api->http_body_fd(h, &f->len);
	f->group = g->id;
	snprintf(f->title, sizeof(f->title), "%s", title);
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->vis, sizeof(f->vis), "%s", shared ? "shared" : "internal");
	if (api->db_run(p, upload_work, upload_done, f)) {
		free(f);
		accord_http_json(api, h, 503, json_pack("{s:s}", "error", "unavailable"));
	}
}

accord_status files__init(accord_plugin_ctx *p, const json_t *cfg)
{
	const json_t *fd = json_object_get(cfg, "files_dir");
	if (fd && (!json_is_string(fd) || !json_string_length(fd) || json_string_length(fd) >= sizeof(files_dir))) {
		api->log(p, ACCORD_LOG_ERR, "plugins.enabled.groups.files_dir: expected a directory path");
		return ACCORD_E_BAD_REQUEST;
	}
	if (fd)
		snprintf(files_dir, sizeof(files_dir), "%s", json_string_value(fd));
	return api->http_route_partner(p, "files", http_files, NULL) ? ACCORD_E_INTERNAL : ACCORD_OK;
}
