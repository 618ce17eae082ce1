/*
 * Groups: documents, uploaded and downloaded over HTTP (/api/groups/files).
 */
#include "groups.h"

#include <errno.h>

static char files_dir[512] = "var/files"; /* uploaded documents, one file per item */

/* POST /api/groups/files?group=G&title=T&name=FILE&visibility=V (bearer)
 * stores the body as a document item; GET /api/groups/files?item=ID
 * returns it to whoever may see the item.  Files are written and read on
 * the storage thread (never the loop), fsynced before the item commits.
 * Both are jobs on the SDK's request path (accord_job_new_http). */

/* The stored file of a document item, in files_dir. */
static void file_name(char *out, size_t n, int64_t item)
{
	snprintf(out, n, "item-%lld", (long long)item);
}

/* ---------------- upload ---------------- */

typedef struct upload {
	int64_t group;
	char title[301], name[201], vis[10];
	int body_fd; /* the body's file, the core's (http_body_fd) */
	size_t len;
} upload;

static accord_status upload_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const upload *u = j->state;
	int64_t now = api->now_ms();
	accord_status st = accord_exec(
		api, txn,
		"INSERT INTO groups_items(group_id, kind, title, visibility, author, org, created_at,"
		" file_name, file_size) VALUES(?,'document',?,?,?,?,?,?,?)",
		json_pack("[I,s,s,s,s,I,s,I]", (json_int_t)u->group, u->title, u->vis, j->actor,
			  j->org, (json_int_t)now, u->name, (json_int_t)u->len),
		NULL);
	if (st != ACCORD_OK)
		return st;
	int64_t item = api->txn_last_id(txn);
	char name[40];
	file_name(name, sizeof(name), item);
	if (accord_write_file_fd(files_dir, name, u->body_fd, u->len)) {
		api->log(self, ACCORD_LOG_ERR, "cannot store %s/%s: %s", files_dir, name,
			 strerror(errno));
		return ACCORD_E_INTERNAL; /* the item row rolls back with the job */
	}
	*out = json_pack("{s:{s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:I}}", "item", "id",
			 (json_int_t)item, "group", (json_int_t)u->group, "kind", "document",
			 "title", u->title, "body", "", "url", "", "visibility", u->vis, "author",
			 j->actor, "org", j->org, "created_at", (json_int_t)now, "file_name",
			 u->name, "file_size", (json_int_t)u->len);
	return ACCORD_OK;
}

/* After the commit: the room hears of it; the reply is the item. */
static accord_status upload_after(accord_job *j, json_t **out)
{
	const upload *u = j->state;
	group *g = provider__find(u->group);
	if (g)
		request__room_event(g, "groups.item", json_deep_copy(json_object_get(*out, "item")),
				    !strcmp(u->vis, "shared"));
	return ACCORD_OK;
}

static const accord_arg upload_args[] = {
	{.name = "title", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 300},
	{.name = "name",
	 .type = ACCORD_ARG_STRING,
	 .flags = ACCORD_ARG_REQUIRED,
	 .min = 1,
	 .max = 200,
	 .says = "a file name"},
	{0}};

static void http_upload(accord_plugin_ctx *p, accord_http *h, const accord_principal *w,
			const gwho *who)
{
	const char *gs = api->http_query(h, "group");
	group *g = gs ? provider__find(strtoll(gs, NULL, 10)) : NULL;
	if (!g || !access__sees(g, who)) {
		accord_http_error(api, h, ACCORD_E_NOT_FOUND, NULL);
		return;
	}
	if (provider__archived(g)) { /* 409, with the body the route always gave */
		accord_http_json(api, h, 409,
				 json_pack("{s:s,s:s}", "error", "bad_request", "message",
					   "the group is archived: read-only"));
		return;
	}
	json_t *q = accord_http_args(api, h, upload_args);
	char msg[ACCORD_ARGS_MSG];
	const char *name = json_string_value(json_object_get(q, "name"));
	int shared = 0, forbidden;
	const char *why = !q                                                       ? NULL
			  : accord_args_check(upload_args, q, 0, msg, sizeof(msg)) ? msg
			  : strchr(name, '/')
				  ? "name: a file name"
				  : access__visibility(api->http_query(h, "visibility"),
						       who->partner, &shared, &forbidden);
	if (!q || why) {
		json_decref(q);
		accord_http_error(api, h, q ? ACCORD_E_BAD_REQUEST : ACCORD_E_INTERNAL, why);
		return;
	}
	accord_job *j = accord_job_new_http(api, p, h, w, NULL, upload_work, upload_after,
					    sizeof(upload));
	if (!j) {
		json_decref(q);
		return;
	}
	upload *u = j->state;
	u->group = g->id;
	snprintf(u->title, sizeof(u->title), "%s", json_string_value(json_object_get(q, "title")));
	snprintf(u->name, sizeof(u->name), "%s", name);
	snprintf(u->vis, sizeof(u->vis), "%s", shared ? "shared" : "internal");
	json_decref(q);
	/* The body stays in the core's file until the response: the storage
	 * thread copies it into files_dir, so no copy is held in memory. */
	u->body_fd = api->http_body_fd(h, &u->len);
	accord_job_submit(j);
}

/* ---------------- download ---------------- */

typedef struct download {
	int64_t item, group;
	int chair_or_secretariat;
	char vis[10];
	char *data;
	size_t len;
} download;

static void download_free(accord_job *j)
{
	download *d = j->state;
	free(d->data);
}

/* Any failure is not_found: a hidden item answers exactly like a missing
 * one, and who may see it is known only on the loop. */
static accord_status download_work(accord_txn *txn, accord_job *j, json_t **out)
{
	(void)out;
	download *d = j->state;
	json_t *rows = NULL;
	accord_status st = accord_exec(api, txn,
				       "SELECT group_id, visibility, file_name, file_size FROM groups_items"
				       " WHERE id=? AND file_name IS NOT NULL",
				       json_pack("[I]", (json_int_t)d->item), &rows);
	json_t *r = json_array_get(rows, 0);
	if (st != ACCORD_OK || !r) {
		json_decref(rows);
		return ACCORD_E_NOT_FOUND;
	}
	d->group = json_integer_value(json_object_get(r, "group_id"));
	snprintf(d->vis, sizeof(d->vis), "%s", json_string_value(json_object_get(r, "visibility")));
	json_decref(rows);
	char name[40];
	file_name(name, sizeof(name), d->item);
	if (accord_read_file(files_dir, name, &d->data, &d->len)) {
		api->log(self, ACCORD_LOG_ERR, "cannot read %s/%s: %s", files_dir, name,
			 strerror(errno));
		return ACCORD_E_NOT_FOUND;
	}
	return ACCORD_OK;
}

/* Decided on the loop, where the group copy lives. */
static accord_status download_after(accord_job *j, json_t **out)
{
	(void)out;
	const download *d = j->state;
	gwho who = {j->org, j->partner, d->chair_or_secretariat};
	if (!access__sees_thing(provider__find(d->group), &who, !strcmp(d->vis, "shared")))
		return ACCORD_E_NOT_FOUND;
	api->http_respond(j->http, 200, "application/octet-stream", d->data, d->len);
	accord_job_answered(j);
	return ACCORD_OK;
}

static void http_download(accord_plugin_ctx *p, accord_http *h, const accord_principal *w,
			  const gwho *who)
{
	const char *item = api->http_query(h, "item");
	int64_t id = item ? strtoll(item, NULL, 10) : 0;
	if (id <= 0) {
		accord_http_error(api, h, ACCORD_E_NOT_FOUND, NULL);
		return;
	}
	accord_job *j = accord_job_new_http(api, p, h, w, NULL, download_work, download_after,
					    sizeof(download));
	if (!j)
		return;
	download *d = j->state;
	d->item = id;
	d->chair_or_secretariat = who->chair_or_secretariat;
	j->cleanup = download_free;
	accord_job_submit(j);
}

static void http_files(accord_plugin_ctx *p, accord_http *h, const accord_principal *w, void *ud)
{
	(void)ud;
	gwho who;
	if (!provider__who(w, &who)) {
		accord_http_error(api, h, ACCORD_E_UNAUTHENTICATED, NULL);
		return;
	}
	if (!strcmp(api->http_method(h), "GET"))
		http_download(p, h, w, &who);
	else
		http_upload(p, h, w, &who);
}

accord_status files__init(accord_plugin_ctx *p, const json_t *cfg)
{
	const json_t *fd = json_object_get(cfg, "files_dir");
	if (fd && (!json_is_string(fd) || !json_string_length(fd) ||
		   json_string_length(fd) >= sizeof(files_dir))) {
		api->log(p, ACCORD_LOG_ERR,
			 "plugins.enabled.groups.files_dir: expected a directory path");
		return ACCORD_E_BAD_REQUEST;
	}
	if (fd)
		snprintf(files_dir, sizeof(files_dir), "%s", json_string_value(fd));
	return api->http_route_partner(p, "files", http_files, NULL) ? ACCORD_E_INTERNAL : ACCORD_OK;
}
