/*
 * portal.release and portal.withdraw: the writes, by co-chairs and the
 * secretariat only.
 *
 * A release keeps what the owning plugin describes as fit to leave the
 * network (item_describe, in the same transaction), is logged with who,
 * when, what, to whom and on what basis, and supersedes the release of the
 * same item in force.  After the commit the core learns the new audience
 * (release_set) before any event goes out, so exactly the recipients get
 * portal.released.  A withdrawal is recorded the same way and takes effect
 * at once, for live connections and replays alike.
 */
#include "portal.h"

#include <accord/services/notify.h>

#include <stdio.h>
#include <string.h>

/* to: "partners", or a list of 1-64 distinct organisation codes (that they
 * are active partner organisations is checked in the transaction). */
static const char *to_check(const json_t *to)
{
	static const char *const bad =
		"\"partners\" or a list of 1-64 distinct partner organisation codes";
	static const accord_arg code = {.type = ACCORD_ARG_STRING, .min = 1, .max = 16};
	static const accord_arg list = {.name = "to",
					.type = ACCORD_ARG_ARRAY,
					.flags = ACCORD_ARG_DISTINCT,
					.min = 1,
					.max = PORTAL_MAX_TO,
					.each = &code};
	char msg[ACCORD_ARGS_MSG];
	if (json_is_string(to))
		return strcmp(json_string_value(to), "partners") ? bad : NULL;
	return accord_arg_value(&list, to, msg, sizeof(msg)) ? bad : NULL;
}

const accord_arg releases__release_args[] = {
	{.name = "item",
	 .type = ACCORD_ARG_STRING,
	 .flags = ACCORD_ARG_REQUIRED,
	 .max = PORTAL_MAX_ITEM,
	 .check = access__item_syntax},
	{.name = "to", .type = ACCORD_ARG_ANY, .flags = ACCORD_ARG_REQUIRED, .check = to_check},
	{.name = "basis", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_NULL_OK},
	{.name = "note", .type = ACCORD_ARG_STRING, .max = 2000},
	{.name = "confirm_no_consensus", .type = ACCORD_ARG_BOOL},
	{0}};

const accord_arg releases__withdraw_args[] = {
	{.name = "release", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "reason", .type = ACCORD_ARG_STRING, .max = 2000},
	{0}};

static int chair_or_secretariat(accord_req *req, const char *msg)
{
	if (access__chair_or_secretariat(api->req_principal(req)))
		return 1;
	api->reply_error(req, ACCORD_E_FORBIDDEN, msg);
	return 0;
}

int releases__may_release(accord_req *req, const json_t *d)
{
	(void)d;
	return chair_or_secretariat(req, "only co-chairs and the secretariat release items");
}

int releases__may_withdraw(accord_req *req, const json_t *d)
{
	(void)d;
	return chair_or_secretariat(req, "only co-chairs and the secretariat withdraw releases");
}

/* ---------------- portal.release ---------------- */

/* Named recipients must be active partner organisations; a basis must be a
 * proposal that reached consensus.  NULL when both hold, else the error. */
static accord_status check_to_and_basis(accord_txn *txn, const json_t *to, const json_t *basis,
					json_t **out)
{
	size_t i;
	json_t *o;
	json_array_foreach(to, i, o) {
		json_t *org = NULL;
		accord_status st = api->item_describe(txn, "org", json_string_value(o), &org);
		const char *standing = json_string_value(json_object_get(org, "standing"));
		int partner = st == ACCORD_OK && standing && !strcmp(standing, "partner") &&
			      json_is_true(json_object_get(org, "active"));
		json_decref(org);
		if (!partner) {
			char msg[120];
			snprintf(msg, sizeof(msg), "to: %s is not an active partner organisation",
				 json_string_value(o));
			return accord_job_fail(out, ACCORD_E_BAD_REQUEST, msg);
		}
	}
	if (!basis)
		return ACCORD_OK;
	json_t *p = NULL;
	char id[24];
	snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(basis));
	accord_status st = api->item_describe(txn, "proposal", id, &p);
	const char *outcome = json_string_value(json_object_get(p, "outcome"));
	int agreed = st == ACCORD_OK && outcome && !strcmp(outcome, "consensus");
	json_decref(p);
	if (st == ACCORD_E_NOT_FOUND || st == ACCORD_E_BAD_REQUEST)
		return accord_job_fail(out, ACCORD_E_BAD_REQUEST, "basis: no such proposal");
	if (st != ACCORD_OK)
		return accord_job_fail(out, st, "basis: could not be read");
	if (!agreed)
		return accord_job_fail(out, ACCORD_E_CONFLICT,
				       "basis: that proposal has not reached consensus");
	return ACCORD_OK;
}

static accord_status release_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const char *item = json_string_value(json_object_get(j->in, "item"));
	const json_t *to = json_object_get(j->in, "to");
	const json_t *basis = json_object_get(j->in, "basis");
	char kind[40];
	snprintf(kind, sizeof(kind), "%.*s", (int)(strchr(item, ':') - item), item);
	accord_status st = check_to_and_basis(txn, to, basis, out);
	if (st != ACCORD_OK)
		return st;
	json_t *content = NULL;
	st = api->item_describe(txn, kind, strchr(item, ':') + 1, &content);
	if (st == ACCORD_E_BAD_REQUEST)
		return accord_job_fail(out, st, "item: no plugin holds items of that kind");
	if (st == ACCORD_E_NOT_FOUND)
		return accord_job_fail(out, st, "no such item");
	if (st != ACCORD_OK)
		return accord_job_fail(out, st, "the item could not be read");
	/* A proposal that did not reach consensus leaves only when the person
	 * releasing it says so, and the release says so to its readers. */
	if (!strcmp(kind, "proposal")) {
		const char *outcome = json_string_value(json_object_get(content, "outcome"));
		if (!outcome || strcmp(outcome, "consensus")) {
			if (!json_is_true(json_object_get(j->in, "confirm_no_consensus"))) {
				json_decref(content);
				return accord_job_fail(
					out, ACCORD_E_CONFLICT,
					"this proposal did not reach consensus: release it with"
					" confirm_no_consensus: true, and it is marked so");
			}
			json_object_set_new(content, "without_consensus", json_true());
		}
	}
	/* A new release of an item supersedes the one in force. */
	json_t *old = NULL, *row = NULL;
	json_int_t rel = 0;
	st = store__release_in_force(txn, item, &old);
	if (st == ACCORD_OK && old)
		st = store__release_end(txn, j, json_integer_value(json_object_get(old, "id")),
					item, "superseded");
	if (st == ACCORD_OK)
		st = store__release_add(txn, j, item, kind, to, basis,
					json_string_value(json_object_get(j->in, "note")), content,
					&rel);
	/* The partners it goes to are told by mail, in this transaction: the
	 * title as released (what the item's plugin says may leave), nothing
	 * else. */
	if (st == ACCORD_OK && ACCORD_SERVICE_HAS(portal__notify, enqueue)) {
		json_t *n = json_pack("{s:s,s:s,s:O,s:{s:s}}", "category", "release", "item", item,
				      "orgs", to, "params", "title",
				      json_string_value(json_object_get(content, "title"))
					      ? json_string_value(json_object_get(content, "title"))
					      : item);
		st = n ? portal__notify->enqueue(txn, n, NULL) : ACCORD_E_INTERNAL;
		json_decref(n);
	}
	json_decref(content);
	if (st == ACCORD_OK)
		st = store__release_by_id(txn, rel, &row);
	if (st != ACCORD_OK || !row) {
		json_decref(old);
		json_decref(row);
		return accord_job_fail(out, ACCORD_E_INTERNAL, "could not record the release");
	}
	*out = json_pack("{s:o,s:o}", "release", row, "superseded", old ? old : json_null());
	return ACCORD_OK;
}

/* The core first, then the events: the partner view goes out with the item
 * as its audience, so exactly its recipients get it. */
static accord_status release_after(accord_job *j, json_t **out)
{
	(void)j;
	json_t *row = json_object_get(*out, "release");
	json_t *old = json_object_get(*out, "superseded");
	const char *item = json_string_value(json_object_get(row, "item"));
	api->release_set(self, item, json_object_get(row, "audience"));
	if (json_is_object(old))
		access__publish_withdrawn(json_object_get(old, "audience"),
					  json_pack("{s:O,s:s}", "id", json_object_get(old, "id"),
						    "item", item));
	access__publish_to_item("portal.released", access__partner_view(row), item);
	access__publish_to_members("portal.release", json_pack("{s:O}", "release", row));
	json_object_del(*out, "superseded");
	api->counter_add(self, "releases", 1);
	return ACCORD_OK;
}

void releases__release(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)ud;
	json_t *in = accord_args_in(api, req, releases__release_args, d);
	if (!in)
		return;
	if (!json_object_get(in, "basis") && portal__require_basis) {
		json_decref(in);
		api->reply_error(req, ACCORD_E_BAD_REQUEST,
				 "basis: this network releases only on the basis of a proposal that"
				 " reached consensus");
		return;
	}
	accord_job_run(api, p, req, in, release_work, release_after);
}

/* ---------------- portal.withdraw ---------------- */

static accord_status withdraw_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_int_t id = json_integer_value(json_object_get(j->in, "release"));
	const char *reason = json_string_value(json_object_get(j->in, "reason"));
	json_t *row = NULL;
	accord_status st = store__release_by_id(txn, id, &row);
	if (st != ACCORD_OK)
		return accord_job_fail(out, st, "could not read the release");
	if (!row)
		return accord_job_fail(out, ACCORD_E_NOT_FOUND, "no such release");
	if (!json_is_null(json_object_get(row, "withdrawn_at"))) {
		json_decref(row);
		return accord_job_fail(out, ACCORD_E_CONFLICT, "that release was already withdrawn");
	}
	st = store__release_end(txn, j, id, json_string_value(json_object_get(row, "item")),
				reason ? reason : "");
	json_decref(row);
	row = NULL;
	if (st == ACCORD_OK)
		st = store__release_by_id(txn, id, &row);
	if (st != ACCORD_OK || !row)
		return accord_job_fail(out, ACCORD_E_INTERNAL, "could not record the withdrawal");
	*out = json_pack("{s:o}", "release", row);
	return ACCORD_OK;
}

static accord_status withdraw_after(accord_job *j, json_t **out)
{
	(void)j;
	json_t *row = json_object_get(*out, "release");
	const char *item = json_string_value(json_object_get(row, "item"));
	api->release_set(self, item, NULL);
	access__publish_withdrawn(json_object_get(row, "audience"),
				  json_pack("{s:O,s:s}", "id", json_object_get(row, "id"), "item",
					    item));
	access__publish_to_members("portal.release", json_pack("{s:O}", "release", row));
	api->counter_add(self, "withdrawals", 1);
	return ACCORD_OK;
}

void releases__withdraw(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)ud;
	json_t *in = accord_args_in(api, req, releases__withdraw_args, d);
	if (in)
		accord_job_run(api, p, req, in, withdraw_work, withdraw_after);
}
