/*
 * What partners send back: portal.input (a comment, optionally about an
 * item released to them), documents through /api/portal/input, and
 * portal.inputs to read them.  Members see every input, marked with the
 * sending organisation; a partner sees only its own organisation's.
 *
 * An input about an item points at the release in force, resolved in the
 * transaction, so it names what the partner saw.  A document is written
 * durably (temporary file, fsync, rename) on the storage thread before its
 * input row commits; it is read there too, never on the loop.
 */
#include "portal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const accord_arg inputs__input_args[] = {
	{.name = "text", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 8000},
	{.name = "about",
	 .type = ACCORD_ARG_STRING,
	 .flags = ACCORD_ARG_NULL_OK,
	 .max = PORTAL_MAX_ITEM,
	 .check = access__item_syntax},
	{0}};

/* A document's query: POST ?name=FILE&text=T&about=ITEM. */
static const char *file_name_check(const json_t *v)
{
	return strchr(json_string_value(v), '/') ? "expected a file name, without '/'" : NULL;
}

static const accord_arg document_args[] = {{.name = "name",
					    .type = ACCORD_ARG_STRING,
					    .flags = ACCORD_ARG_REQUIRED,
					    .min = 1,
					    .max = 200,
					    .check = file_name_check},
					   {.name = "text", .type = ACCORD_ARG_STRING, .max = 2000},
					   {.name = "about",
					    .type = ACCORD_ARG_STRING,
					    .max = PORTAL_MAX_ITEM,
					    .check = access__item_syntax},
					   {0}};

/* GET ?id=N */
static const accord_arg download_args[] = {
	{.name = "id", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{0}};

int inputs__partners_only(accord_req *req, const json_t *d)
{
	(void)d;
	if (api->principal_is_partner(api->req_principal(req)))
		return 1;
	api->reply_error(req, ACCORD_E_FORBIDDEN,
			 "portal input is for partners; members use the network's own rooms");
	return 0;
}

/* The state of a job with a document: the upload's body (the core's
 * file, http_body_fd), or the download's bytes. */
typedef struct document {
	int body_fd;
	size_t len;
	char *data;
} document;

static void document_free(accord_job *j)
{
	document *doc = j->state;
	free(doc->data);
}

/* Records j's input (with the document of j->state, when it has one) and
 * answers it in *out. */
static accord_status input_record(accord_txn *txn, accord_job *j, json_t **out)
{
	const document *doc = j->state;
	const char *about = json_string_value(json_object_get(j->in, "about"));
	const char *name = json_string_value(json_object_get(j->in, "name"));
	const char *text = json_string_value(json_object_get(j->in, "text"));
	json_t *rel = NULL, *row = NULL;
	if (about) {
		accord_status st = store__release_in_force(txn, about, &row);
		if (st != ACCORD_OK || !row) {
			json_decref(row);
			return accord_job_fail(out, ACCORD_E_NOT_FOUND, "no such item");
		}
		rel = json_incref(json_object_get(row, "id"));
		json_decref(row);
		row = NULL;
	}
	json_int_t id = 0;
	accord_status st = store__input_add(txn, j, rel, text ? text : "", name,
					    doc ? (int64_t)doc->len : 0, &id);
	json_decref(rel);
	if (st == ACCORD_OK && doc) {
		char file[40];
		snprintf(file, sizeof(file), "input-%lld", (long long)id);
		if (accord_write_file_fd(portal__files_dir, file, doc->body_fd, doc->len)) {
			api->log(self, ACCORD_LOG_ERR, "cannot store %s/%s: %s", portal__files_dir,
				 file, strerror(errno));
			return ACCORD_E_INTERNAL; /* the input row rolls back with the job */
		}
	}
	if (st == ACCORD_OK)
		st = store__input(txn, id, &row);
	if (st != ACCORD_OK || !row)
		return accord_job_fail(out, ACCORD_E_INTERNAL, "could not record the input");
	*out = json_pack("{s:o}", "input", row);
	return ACCORD_OK;
}

static accord_status input_after(accord_job *j, json_t **out)
{
	access__publish_input(j->org, json_deep_copy(json_object_get(*out, "input")));
	api->counter_add(self, "inputs", 1);
	return ACCORD_OK;
}

/* The item an input is about must be one released to the partner: the
 * core says so on the loop; the release in force is found in the job. */
void inputs__input(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)ud;
	json_t *in = accord_args_in(api, req, inputs__input_args, d);
	if (!in)
		return;
	const char *about = json_string_value(json_object_get(in, "about"));
	if (about && !api->item_visible(api->req_principal(req), about)) {
		json_decref(in);
		api->reply_error(req, ACCORD_E_NOT_FOUND, "no such item");
		return;
	}
	accord_job_run(api, p, req, in, input_record, input_after);
}

static accord_status inputs_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *rows = NULL;
	accord_status st = store__inputs(txn, j->partner, j->org, &rows);
	if (st != ACCORD_OK) {
		json_decref(rows);
		return accord_job_fail(out, st, "could not read inputs");
	}
	*out = json_pack("{s:o}", "inputs", rows);
	return ACCORD_OK;
}

void inputs__inputs(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)d;
	(void)ud;
	accord_job_run(api, p, req, NULL, inputs_work, NULL);
}

/* ---------------- documents over HTTP ---------------- */

static accord_status download_work(accord_txn *txn, accord_job *j, json_t **out)
{
	(void)out;
	document *doc = j->state;
	accord_status st = store__input_document(txn, j->id, j->partner, j->org);
	if (st != ACCORD_OK)
		return st;
	char file[40];
	snprintf(file, sizeof(file), "input-%lld", (long long)j->id);
	return accord_read_file(portal__files_dir, file, &doc->data, &doc->len) ? ACCORD_E_INTERNAL
										: ACCORD_OK;
}

static accord_status download_after(accord_job *j, json_t **out)
{
	(void)out;
	document *doc = j->state;
	api->http_respond(j->http, 200, "application/octet-stream", doc->data, doc->len);
	accord_job_answered(j);
	return ACCORD_OK;
}

/* GET /api/portal/input?id=N: the document, to members and to the partner
 * organisation that sent it (404 otherwise, as for a missing one).
 * POST /api/portal/input?name=FILE&about=ITEM&text=T (partners): a
 * document sent to the network, kept before the input commits. */
void inputs__http(accord_plugin_ctx *p, accord_http *h, const accord_principal *w, void *ud)
{
	(void)ud;
	if (!w) {
		accord_http_error(api, h, ACCORD_E_UNAUTHENTICATED, NULL);
		return;
	}
	char msg[ACCORD_ARGS_MSG];
	int get = !strcmp(api->http_method(h), "GET");
	json_t *in = accord_http_args(api, h, get ? download_args : document_args);
	if (!in) {
		accord_http_error(api, h, ACCORD_E_INTERNAL, NULL);
		return;
	}
	accord_job *j;
	if (get) {
		if (accord_args_check(download_args, in, 0, msg, sizeof(msg))) {
			json_decref(in);
			accord_http_error(api, h, ACCORD_E_NOT_FOUND, NULL);
			return;
		}
		j = accord_job_new_http(api, p, h, w, in, download_work, download_after,
					sizeof(document));
		if (!j)
			return;
		j->id = json_integer_value(json_object_get(in, "id"));
		j->cleanup = document_free;
		accord_job_submit(j);
		return;
	}
	size_t len = 0;
	int body_fd = api->http_body_fd(h, &len);
	accord_status st = ACCORD_OK;
	const char *why = NULL;
	if (!api->principal_is_partner(w))
		st = ACCORD_E_FORBIDDEN, why = "documents are sent by partners";
	else if (accord_args_check(document_args, in, 0, msg, sizeof(msg)))
		st = ACCORD_E_BAD_REQUEST, why = msg;
	else if (body_fd < 0 || !len)
		st = ACCORD_E_BAD_REQUEST, why = "the request body (the document) is empty";
	else if (json_object_get(in, "about") &&
		 !api->item_visible(w, json_string_value(json_object_get(in, "about"))))
		st = ACCORD_E_NOT_FOUND;
	if (st != ACCORD_OK) {
		json_decref(in);
		accord_http_error(api, h, st, why);
		return;
	}
	j = accord_job_new_http(api, p, h, w, in, input_record, input_after, sizeof(document));
	if (!j)
		return;
	/* The body stays in the core's file until the response: the storage
	 * thread copies it into files_dir, so no copy is held in memory. */
	document *doc = j->state;
	doc->body_fd = body_fd;
	doc->len = len;
	j->cleanup = document_free;
	accord_job_submit(j);
}
