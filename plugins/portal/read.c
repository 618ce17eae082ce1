/*
 * The reads: portal.releases (members: every release, withdrawn ones too
 * when asked), portal.feed (what the caller may see in force) and
 * portal.item (one release in force).
 *
 * The storage thread reads; what a partner may see is decided on the loop
 * afterwards, by the core (item_visible), since the release table it
 * decides from lives there.  A release a partner may not see answers
 * exactly like a missing one.
 */
#include "portal.h"

const accord_arg read__releases_args[] = {{.name = "item",
					   .type = ACCORD_ARG_STRING,
					   .max = PORTAL_MAX_ITEM,
					   .check = access__item_syntax},
					  {.name = "include_withdrawn", .type = ACCORD_ARG_BOOL},
					  {0}};

/* {release: id} or {item: "<kind>:<id>"}; release first when both. */
const accord_arg read__item_args[] = {{.name = "release", .type = ACCORD_ARG_ID},
				      {.name = "item",
				       .type = ACCORD_ARG_STRING,
				       .max = PORTAL_MAX_ITEM,
				       .check = access__item_syntax},
				      {0}};

/* The feed answers from the core's table of releases: until it is loaded
 * a partner would see nothing, so the feed waits for it. */
int read__when_loaded(accord_req *req, const json_t *d)
{
	(void)d;
	if (portal__loaded)
		return 1;
	api->reply_error(req, ACCORD_E_UNAVAILABLE, "the portal is starting, try again");
	return 0;
}

static accord_status list_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *rows = NULL;
	accord_status st = store__releases(txn, json_string_value(json_object_get(j->in, "item")),
					   json_is_true(json_object_get(j->in, "include_withdrawn")),
					   &rows);
	if (st != ACCORD_OK) {
		json_decref(rows);
		return accord_job_fail(out, st, "could not read releases");
	}
	*out = json_pack("{s:o}", "releases", rows);
	return ACCORD_OK;
}

void read__releases(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)ud;
	json_t *in = accord_args_in(api, req, read__releases_args, d);
	if (in)
		accord_job_run(api, p, req, in, list_work, NULL);
}

/* Partners: the core decides, per release, whether this partner may see it. */
static accord_status feed_after(accord_job *j, json_t **out)
{
	if (!j->partner)
		return ACCORD_OK;
	const accord_principal *w = api->req_principal(j->req);
	json_t *feed = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(*out, "releases"), i, r)
		if (api->item_visible(w, json_string_value(json_object_get(r, "item"))))
			json_array_append_new(feed, access__partner_view(r));
	json_object_set_new(*out, "releases", feed);
	return ACCORD_OK;
}

void read__feed(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)d;
	(void)ud;
	accord_job_run(api, p, req, NULL, list_work, feed_after);
}

static accord_status item_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *row = NULL;
	const json_t *id = json_object_get(j->in, "release");
	accord_status st =
		id ? store__release(txn, "id=? AND withdrawn_at IS NULL", json_pack("[O]", id), &row)
		   : store__release_in_force(txn, json_string_value(json_object_get(j->in, "item")),
					     &row);
	if (st != ACCORD_OK)
		return accord_job_fail(out, st, "could not read the release");
	if (!row)
		return accord_job_fail(out, ACCORD_E_NOT_FOUND, "no such item");
	*out = json_pack("{s:o}", "release", row);
	return ACCORD_OK;
}

/* Found: a partner gets it only when the core says the item is released to
 * it, and then only the partner view. */
static accord_status item_after(accord_job *j, json_t **out)
{
	if (!j->partner)
		return ACCORD_OK;
	json_t *row = json_object_get(*out, "release");
	if (!api->item_visible(api->req_principal(j->req),
			       json_string_value(json_object_get(row, "item"))))
		return accord_job_fail(out, ACCORD_E_NOT_FOUND, "no such item");
	json_object_set_new(*out, "release", access__partner_view(row));
	return ACCORD_OK;
}

void read__item(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)ud;
	if (!json_object_get(d, "release") && !json_object_get(d, "item")) {
		char msg[ACCORD_ARGS_MSG];
		accord_arg_message(msg, sizeof(msg), "item", NULL, "required, or release");
		api->reply_error(req, ACCORD_E_BAD_REQUEST, msg);
		return;
	}
	json_t *in = accord_args_in(api, req, read__item_args, d);
	if (in)
		accord_job_run(api, p, req, in, item_work, item_after);
}
