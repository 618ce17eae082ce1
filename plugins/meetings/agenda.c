/*
 * The agenda: numbered items drafted by the managers of a meeting
 * (meetings.agenda.add, update, move, remove), members' requests for items
 * before the cut-off (meetings.agenda.request) accepted, merged into an
 * item or declined, visibly (meetings.agenda.decide), and circulation
 * (meetings.agenda.circulate): each circulation is a version of the agenda
 * as it stands, with its difference from the version before.
 *
 * An item's number is its place in the agenda (1, 2, ...), kept dense by
 * renumbering after every add, move and remove.  Items are internal unless
 * their visibility is "shared": a partner sees only shared items.  An
 * agenda takes changes while the meeting is a draft, convened or in
 * session, never once it is cancelled or closed.
 */
#include "meetings.h"

static const char *const ITEM_KINDS[] = {"information", "discussion", "decision", "statement",
					 "report",      "aob",        NULL};
static const char *const VISIBILITIES[] = {"internal", "shared", NULL};
static const char *const DECISIONS[] = {"accepted", "merged", "declined", NULL};

#define ITEM_FIELDS                                                                                \
	{.name = "body", .type = ACCORD_ARG_STRING, .max = 8000},                                  \
		{.name = "presenter_org",                                                          \
		 .type = ACCORD_ARG_STRING,                                                        \
		 .flags = ACCORD_ARG_NULL_OK,                                                      \
		 .min = 1,                                                                         \
		 .max = 16},                                                                       \
		{.name = "duration_min", .type = ACCORD_ARG_INT, .min = 1, .max = 600},            \
	{                                                                                          \
		.name = "visibility", .type = ACCORD_ARG_STRING, .one_of = VISIBILITIES            \
	}

/* A linked document: {title, url}, an http(s) link. */
static const char *document_check(const json_t *v)
{
	static const char *const says =
		"expected {title, url}: a title of 1-200 bytes and an http(s) link";
	const char *title = json_string_value(json_object_get(v, "title"));
	const json_t *url = json_object_get(v, "url");
	if (!title || !title[0] || strlen(title) > 200 || json_object_size(v) != 2 ||
	    json_string_length(url) > 1000 || rules__url(url))
		return says;
	return NULL;
}
static const accord_arg document = {.type = ACCORD_ARG_OBJECT, .check = document_check};
#define DOCUMENTS                                                                                  \
	{                                                                                          \
		.name = "documents", .type = ACCORD_ARG_ARRAY, .max = 20, .each = &document        \
	}

const accord_arg agenda__add_args[] = {
	{.name = "meeting", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "title", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 300},
	{.name = "kind", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .one_of = ITEM_KINDS},
	ITEM_FIELDS,
	DOCUMENTS,
	{.name = "position", .type = ACCORD_ARG_INT, .min = 1, .max = 500},
	{0}};

const accord_arg agenda__update_args[] = {
	{.name = "item", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "title", .type = ACCORD_ARG_STRING, .min = 1, .max = 300},
	{.name = "kind", .type = ACCORD_ARG_STRING, .one_of = ITEM_KINDS},
	ITEM_FIELDS,
	DOCUMENTS,
	{0}};

const accord_arg agenda__move_args[] = {
	{.name = "item", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "position", .type = ACCORD_ARG_INT, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 500},
	{0}};

const accord_arg agenda__item_args[] = {
	{.name = "item", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{0}};

const accord_arg agenda__request_args[] = {
	{.name = "meeting", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "title", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 300},
	{.name = "body", .type = ACCORD_ARG_STRING, .max = 8000},
	{.name = "kind", .type = ACCORD_ARG_STRING, .one_of = ITEM_KINDS},
	{0}};

const accord_arg agenda__decide_args[] = {
	{.name = "request", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "decision", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .one_of = DECISIONS},
	{.name = "item", .type = ACCORD_ARG_ID},
	{.name = "note", .type = ACCORD_ARG_STRING, .max = 2000},
	{0}};

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* ---------------- shared ---------------- */

/* The meeting takes agenda changes: a draft, convened or in session. */
static accord_status editable(const json_t *m, json_t **out)
{
	const char *s = str(m, "status");
	if (!strcmp(s, "draft") || !strcmp(s, "convened") || !strcmp(s, "in_session"))
		return ACCORD_OK;
	return accord_job_fail(out, ACCORD_E_CONFLICT,
			       !strcmp(s, "cancelled") ? "the meeting is cancelled"
						       : "the meeting is closed");
}

/* The item named by j->in.item: its row (with meeting), j->id set to its
 * meeting, the meeting visible (and managed when manage) and editable. */
static accord_status item_for(accord_txn *txn, accord_job *j, int manage, json_t **item, json_t **out)
{
	json_t *rows = NULL, *m = NULL;
	accord_status st = accord_exec(
		api, txn,
		"SELECT id, meeting, position, title, body, kind, presenter_org,"
		" duration_min, visibility, status, documents FROM meetings_items WHERE id=?",
		json_pack("[O]", json_object_get(j->in, "item")), &rows);
	if (st != ACCORD_OK)
		return st;
	*item = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	if (!*item)
		return accord_job_fail(out, ACCORD_E_NOT_FOUND, "no such agenda item");
	j->id = json_integer_value(json_object_get(*item, "meeting"));
	st = access__meeting(txn, j, manage, &m, out);
	if (st == ACCORD_E_NOT_FOUND) /* hidden: as missing */
		st = accord_job_fail(out, ACCORD_E_NOT_FOUND, "no such agenda item");
	if (st == ACCORD_OK && j->partner &&
	    strcmp(str(*item, "visibility"), "shared")) /* an internal item */
		st = accord_job_fail(out, ACCORD_E_NOT_FOUND, "no such agenda item");
	if (st == ACCORD_OK)
		st = editable(m, out);
	json_decref(m);
	if (st != ACCORD_OK) {
		json_decref(*item);
		*item = NULL;
	}
	return st;
}

/* A presenter must be an active organisation of the network. */
static accord_status presenter_ok(accord_txn *txn, const json_t *in, json_t **out)
{
	const char *code = str(in, "presenter_org");
	if (!code)
		return ACCORD_OK;
	json_t *org = NULL;
	accord_status st = members_svc->org(txn, code, &org);
	int active = st == ACCORD_OK && json_is_true(json_object_get(org, "active"));
	json_decref(org);
	if (st != ACCORD_OK && st != ACCORD_E_NOT_FOUND)
		return st;
	return active ? ACCORD_OK
		      : accord_job_fail(out, ACCORD_E_BAD_REQUEST,
					"presenter_org: no such active organisation");
}

/* Positions 1..n in the order given by ids (an array of item ids). */
static accord_status renumber(accord_txn *txn, const json_t *ids)
{
	size_t i;
	json_t *id;
	accord_status st = ACCORD_OK;
	json_array_foreach(ids, i, id)
		if (st == ACCORD_OK)
			st = accord_exec(api, txn, "UPDATE meetings_items SET position=? WHERE id=?",
					 json_pack("[I,O]", (json_int_t)(i + 1), id), NULL);
	return st;
}

/* The ids of the meeting's items in agenda order. */
static accord_status order(accord_txn *txn, int64_t meeting, json_t **ids)
{
	json_t *rows = NULL;
	*ids = NULL;
	accord_status st = accord_exec(api, txn,
				       "SELECT id FROM meetings_items WHERE meeting=?"
				       " ORDER BY position, id",
				       json_pack("[I]", (json_int_t)meeting), &rows);
	if (st != ACCORD_OK)
		return st;
	*ids = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
		json_array_append(*ids, json_object_get(r, "id"));
	json_decref(rows);
	return *ids ? ACCORD_OK : ACCORD_E_INTERNAL;
}

/* Puts item id at position (1-based; past the end: last) and renumbers. */
static accord_status place(accord_txn *txn, int64_t meeting, json_int_t id, json_int_t position)
{
	json_t *ids = NULL;
	accord_status st = order(txn, meeting, &ids);
	if (st != ACCORD_OK)
		return st;
	size_t i;
	json_t *v;
	json_array_foreach(ids, i, v)
		if (json_integer_value(v) == id) {
			json_array_remove(ids, i);
			break;
		}
	size_t at = position > 0 && (size_t)position <= json_array_size(ids) ? (size_t)position - 1
									     : json_array_size(ids);
	json_array_insert_new(ids, at, json_integer(id));
	st = renumber(txn, ids);
	json_decref(ids);
	return st;
}

/* Documents as stored: the JSON text of an array (given as an array, or
 * as stored text), or NULL for none. */
static char *documents_text(const json_t *v)
{
	if (json_is_array(v) && json_array_size(v))
		return json_dumps(v, JSON_COMPACT);
	if (json_is_string(v) && json_string_length(v))
		return strdup(json_string_value(v));
	return NULL;
}

static accord_status insert_item(accord_txn *txn, const accord_job *j, const json_t *in,
				 json_int_t from_request, json_int_t *id)
{
	char *docs = documents_text(json_object_get(in, "documents"));
	accord_status st = accord_exec(
		api, txn,
		"INSERT INTO meetings_items(meeting, position, title, body, kind, presenter_org,"
		" duration_min, visibility, from_request, created_by, created_at, documents)"
		" VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
		json_pack("[I,i,s,s,s,O,O,s,o,s,I,s?]", (json_int_t)j->id, 100000, str(in, "title"),
			  str(in, "body") ? str(in, "body") : "", str(in, "kind"),
			  accord_or_null(in, "presenter_org"), accord_or_null(in, "duration_min"),
			  str(in, "visibility") ? str(in, "visibility") : "internal",
			  from_request ? json_integer(from_request) : json_null(), j->actor,
			  (json_int_t)j->now_ms, docs),
		NULL);
	free(docs);
	*id = st == ACCORD_OK ? (json_int_t)api->txn_last_id(txn) : 0;
	return st;
}

/* ---------------- meetings.agenda.add / update / move / remove ---------------- */

static accord_status add_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *m = NULL;
	accord_status st = access__meeting(txn, j, 1, &m, out);
	if (st == ACCORD_OK)
		st = editable(m, out);
	json_decref(m);
	if (st == ACCORD_OK)
		st = presenter_ok(txn, j->in, out);
	json_int_t id = 0;
	if (st == ACCORD_OK)
		st = insert_item(txn, j, j->in, 0, &id);
	if (st == ACCORD_OK)
		st = place(txn, j->id, id, json_integer_value(json_object_get(j->in, "position")));
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, "agenda.add",
				json_pack("{s:I,s:O}", "item", id, "title",
					  json_object_get(j->in, "title")));
	return st == ACCORD_OK ? store__full(txn, j, j->id, out) : st;
}

static accord_status update_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *item = NULL;
	accord_status st = item_for(txn, j, 1, &item, out);
	if (st != ACCORD_OK)
		return st;
	st = presenter_ok(txn, j->in, out);
	json_t *changes = json_deep_copy(j->in);
	json_object_del(changes, "item");
	json_object_update(item, changes);
	char *docs = documents_text(json_object_get(item, "documents"));
	if (st == ACCORD_OK)
		st = accord_exec(
			api, txn,
			"UPDATE meetings_items SET title=?, body=?, kind=?, presenter_org=?,"
			" duration_min=?, visibility=?, documents=? WHERE id=?",
			json_pack("[s,s,s,O,O,s,s?,O]", str(item, "title"), str(item, "body"),
				  str(item, "kind"), accord_or_null(item, "presenter_org"),
				  accord_or_null(item, "duration_min"), str(item, "visibility"),
				  docs, json_object_get(item, "id")),
			NULL);
	free(docs);
	json_decref(item);
	if (st == ACCORD_OK) {
		json_object_set(changes, "item", json_object_get(j->in, "item"));
		st = store__log(txn, j, j->id, "agenda.update", changes);
	} else
		json_decref(changes);
	return st == ACCORD_OK ? store__full(txn, j, j->id, out) : st;
}

static accord_status move_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *item = NULL;
	accord_status st = item_for(txn, j, 1, &item, out);
	if (st != ACCORD_OK)
		return st;
	json_int_t id = json_integer_value(json_object_get(item, "id"));
	json_int_t pos = json_integer_value(json_object_get(j->in, "position"));
	json_decref(item);
	st = place(txn, j->id, id, pos);
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, "agenda.move",
				json_pack("{s:I,s:I}", "item", id, "position", pos));
	return st == ACCORD_OK ? store__full(txn, j, j->id, out) : st;
}

static accord_status remove_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *item = NULL;
	accord_status st = item_for(txn, j, 1, &item, out);
	if (st != ACCORD_OK)
		return st;
	int pending = !strcmp(str(item, "status"), "pending");
	json_int_t id = json_integer_value(json_object_get(item, "id"));
	json_t *title = json_incref(json_object_get(item, "title"));
	json_decref(item);
	if (!pending) {
		json_decref(title);
		return accord_job_fail(out, ACCORD_E_CONFLICT,
				       "the item was taken up in session: it stays on the record");
	}
	st = accord_exec(api, txn, "DELETE FROM meetings_items WHERE id=?", json_pack("[I]", id),
			 NULL);
	json_t *ids = NULL;
	if (st == ACCORD_OK)
		st = order(txn, j->id, &ids);
	if (st == ACCORD_OK)
		st = renumber(txn, ids);
	json_decref(ids);
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, "agenda.remove",
				json_pack("{s:I,s:o}", "item", id, "title", title));
	else
		json_decref(title);
	return st == ACCORD_OK ? store__full(txn, j, j->id, out) : st;
}

/* ---------------- meetings.agenda.request / decide ---------------- */

static accord_status request_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *m = NULL, *inv = NULL;
	accord_status st = access__meeting(txn, j, 0, &m, out);
	if (st != ACCORD_OK)
		return st;
	int convened = !strcmp(str(m, "status"), "convened");
	json_int_t cutoff = json_is_integer(json_object_get(m, "agenda_cutoff_at"))
				    ? json_integer_value(json_object_get(m, "agenda_cutoff_at"))
				    : json_integer_value(json_object_get(m, "starts_at"));
	json_decref(m);
	if (!convened)
		return accord_job_fail(out, ACCORD_E_CONFLICT,
				       "items are requested while the meeting is convened");
	if (j->now_ms >= cutoff)
		return accord_job_fail(out, ACCORD_E_CONFLICT, "the agenda's cut-off has passed");
	if ((st = store__invitees(txn, j->id, &inv)) != ACCORD_OK)
		return st;
	int invited = 0;
	size_t i;
	json_t *r;
	json_array_foreach(inv, i, r)
		invited |= !strcmp(str(r, "org"), j->org);
	json_decref(inv);
	if (!invited)
		return accord_job_fail(out, ACCORD_E_FORBIDDEN,
				       "your organisation is not invited to this meeting");
	const json_t *in = j->in;
	st = accord_exec(api, txn,
			 "INSERT INTO meetings_agenda_requests(meeting, org, login, title, body, kind,"
			 " at) VALUES(?,?,?,?,?,?,?)",
			 json_pack("[I,s,s,s,s,s,I]", (json_int_t)j->id, j->org, j->actor,
				   str(in, "title"), str(in, "body") ? str(in, "body") : "",
				   str(in, "kind") ? str(in, "kind") : "discussion",
				   (json_int_t)j->now_ms),
			 NULL);
	json_int_t id = st == ACCORD_OK ? (json_int_t)api->txn_last_id(txn) : 0;
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, "agenda.request",
				json_pack("{s:I,s:O}", "request", id, "title",
					  json_object_get(in, "title")));
	return st == ACCORD_OK ? store__full(txn, j, j->id, out) : st;
}

static accord_status decide_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *rows = NULL, *m = NULL;
	accord_status st = accord_exec(api, txn,
				       "SELECT id, meeting, org, title, body, kind, decision FROM"
				       " meetings_agenda_requests WHERE id=?",
				       json_pack("[O]", json_object_get(j->in, "request")), &rows);
	if (st != ACCORD_OK)
		return st;
	json_t *rq = json_array_get(rows, 0);
	if (!rq) {
		json_decref(rows);
		return accord_job_fail(out, ACCORD_E_NOT_FOUND, "no such agenda request");
	}
	j->id = json_integer_value(json_object_get(rq, "meeting"));
	st = access__meeting(txn, j, 1, &m, out);
	if (st == ACCORD_E_NOT_FOUND)
		st = accord_job_fail(out, st, "no such agenda request");
	if (st == ACCORD_OK)
		st = editable(m, out);
	json_decref(m);
	if (st == ACCORD_OK && strcmp(str(rq, "decision"), "pending"))
		st = accord_job_fail(out, ACCORD_E_CONFLICT, "the request was already decided");
	const char *decision = str(j->in, "decision");
	const json_t *into = json_object_get(j->in, "item");
	json_int_t item = 0;
	if (st == ACCORD_OK && !strcmp(decision, "merged")) {
		json_t *found = NULL;
		if (!into)
			st = accord_job_fail(out, ACCORD_E_BAD_REQUEST,
					     "item: required to merge a request into an item");
		else if ((st = accord_exec(api, txn,
					   "SELECT id FROM meetings_items WHERE id=? AND meeting=?",
					   json_pack("[O,I]", into, (json_int_t)j->id), &found)) ==
				 ACCORD_OK &&
			 !json_array_size(found))
			st = accord_job_fail(out, ACCORD_E_BAD_REQUEST,
					     "item: no such item on this meeting's agenda");
		json_decref(found);
		item = json_integer_value(into);
	} else if (st == ACCORD_OK && into)
		st = accord_job_fail(out, ACCORD_E_BAD_REQUEST,
				     "item: only a merged request names an item");
	if (st == ACCORD_OK && !strcmp(decision, "accepted")) {
		json_t *fields = json_pack("{s:O,s:O,s:O,s:O}", "title", json_object_get(rq, "title"),
					   "body", json_object_get(rq, "body"), "kind",
					   json_object_get(rq, "kind"), "presenter_org",
					   json_object_get(rq, "org"));
		st = fields ? insert_item(txn, j, fields,
					  json_integer_value(json_object_get(rq, "id")), &item)
			    : ACCORD_E_INTERNAL;
		json_decref(fields);
		if (st == ACCORD_OK)
			st = place(txn, j->id, item, 0);
	}
	const char *note = str(j->in, "note");
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "UPDATE meetings_agenda_requests SET decision=?, decided_by=?,"
				 " decided_at=?, note=?, item=? WHERE id=?",
				 json_pack("[s,s,I,s,o,O]", decision, j->actor, (json_int_t)j->now_ms,
					   note ? note : "", item ? json_integer(item) : json_null(),
					   json_object_get(rq, "id")),
				 NULL);
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, "agenda.decide",
				json_pack("{s:O,s:s,s:o}", "request", json_object_get(rq, "id"),
					  "decision", decision, "item",
					  item ? json_integer(item) : json_null()));
	json_decref(rows);
	return st == ACCORD_OK ? store__full(txn, j, j->id, out) : st;
}

/* ---------------- meetings.agenda.circulate / versions ---------------- */

/* What a circulated version keeps of each item. */
static json_t *snapshot_item(const json_t *it)
{
	return json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:O}", "item", json_object_get(it, "id"),
			 "number", json_object_get(it, "number"), "title",
			 json_object_get(it, "title"), "kind", json_object_get(it, "kind"),
			 "presenter_org", accord_or_null(it, "presenter_org"), "duration_min",
			 accord_or_null(it, "duration_min"), "visibility",
			 json_object_get(it, "visibility"));
}

static const json_t *find_item(const json_t *items, const json_t *id)
{
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
		if (json_equal(json_object_get(it, "item"), id))
			return it;
	return NULL;
}

/* The difference between two versions' items: added and removed items, and
 * for each item in both, the fields that changed ([before, after]). */
static json_t *difference(const json_t *before, const json_t *now)
{
	json_t *added = json_array(), *removed = json_array(), *changed = json_array();
	size_t i;
	json_t *it;
	json_array_foreach(now, i, it) {
		const json_t *was = find_item(before, json_object_get(it, "item"));
		if (!was) {
			json_array_append(added, it);
			continue;
		}
		json_t *fields = json_object();
		const char *k;
		json_t *v;
		json_object_foreach(it, k, v)
			if (!json_equal(v, json_object_get(was, k)))
				json_object_set_new(fields, k,
						    json_pack("[O,O]", json_object_get(was, k), v));
		if (json_object_size(fields))
			json_array_append_new(changed, json_pack("{s:O,s:o}", "item",
								 json_object_get(it, "item"),
								 "fields", fields));
		else
			json_decref(fields);
	}
	json_array_foreach(before, i, it)
		if (!find_item(now, json_object_get(it, "item")))
			json_array_append(removed, it);
	return json_pack("{s:o,s:o,s:o}", "added", added, "removed", removed, "changed", changed);
}

static accord_status circulate_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *m = NULL, *items = NULL, *prev = NULL;
	accord_status st = access__meeting(txn, j, 1, &m, out);
	if (st == ACCORD_OK)
		st = editable(m, out);
	json_int_t version = json_integer_value(json_object_get(m, "agenda_version")) + 1;
	json_decref(m);
	if (st == ACCORD_OK)
		st = store__agenda(txn, j->id, 0, &items);
	if (st == ACCORD_OK && !json_array_size(items))
		st = accord_job_fail(out, ACCORD_E_CONFLICT, "the agenda has no items");
	if (st == ACCORD_OK && version > 1)
		st = accord_exec(api, txn,
				 "SELECT items FROM meetings_agenda_versions WHERE meeting=? AND"
				 " version=?",
				 json_pack("[I,I]", (json_int_t)j->id, version - 1), &prev);
	json_t *snap = json_array(), *before = NULL, *diff = NULL;
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
		json_array_append_new(snap, snapshot_item(it));
	json_decref(items);
	if (st == ACCORD_OK && version > 1) {
		before = json_loads(str(json_array_get(prev, 0), "items")
					    ? str(json_array_get(prev, 0), "items")
					    : "[]",
				    0, NULL);
		diff = difference(before, snap);
		if (!diff)
			st = ACCORD_E_INTERNAL;
		else if (!json_array_size(json_object_get(diff, "added")) &&
			 !json_array_size(json_object_get(diff, "removed")) &&
			 !json_array_size(json_object_get(diff, "changed")))
			st = accord_job_fail(out, ACCORD_E_CONFLICT,
					     "the agenda has not changed since it was last circulated");
	}
	json_decref(prev);
	json_decref(before);
	char *snap_s = st == ACCORD_OK ? json_dumps(snap, JSON_COMPACT) : NULL;
	char *diff_s = st == ACCORD_OK && diff ? json_dumps(diff, JSON_COMPACT) : NULL;
	if (st == ACCORD_OK && !snap_s)
		st = ACCORD_E_INTERNAL;
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "INSERT INTO meetings_agenda_versions(meeting, version, items, diff,"
				 " circulated_by, circulated_at) VALUES(?,?,?,?,?,?)",
				 json_pack("[I,I,s,s?,s,I]", (json_int_t)j->id, version, snap_s,
					   diff_s, j->actor, (json_int_t)j->now_ms),
				 NULL);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn, "UPDATE meetings_meetings SET agenda_version=? WHERE id=?",
				 json_pack("[I,I]", version, (json_int_t)j->id), NULL);
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, "agenda.circulate",
				json_pack("{s:I,s:O?}", "version", version, "diff", diff));
	if (st == ACCORD_OK)
		st = notices__agenda(txn, j->id);
	free(snap_s);
	free(diff_s);
	json_decref(snap);
	json_decref(diff);
	return st == ACCORD_OK ? store__full(txn, j, j->id, out) : st;
}

static accord_status versions_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *m = NULL, *rows = NULL;
	accord_status st = access__meeting(txn, j, 0, &m, out);
	json_decref(m);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "SELECT version, items, diff, circulated_by, circulated_at FROM"
				 " meetings_agenda_versions WHERE meeting=? ORDER BY version",
				 json_pack("[I]", (json_int_t)j->id), &rows);
	if (st != ACCORD_OK)
		return st;
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		const char *keys[] = {"items", "diff"};
		for (int k = 0; k < 2; k++) {
			const char *s = str(r, keys[k]);
			json_object_set_new(r, keys[k], s ? json_loads(s, 0, NULL) : json_null());
		}
	}
	*out = json_pack("{s:I,s:o}", "meeting", (json_int_t)j->id, "versions", rows);
	return *out ? ACCORD_OK : ACCORD_E_INTERNAL;
}

/* ---------------- handlers ---------------- */

static void run(accord_req *req, const accord_arg *args, const json_t *d, const char *id_field,
		accord_job_work_fn work)
{
	json_t *in = accord_args_in(api, req, args, d);
	if (!in)
		return;
	accord_job *j = plugin__job(req,
				    id_field ? json_integer_value(json_object_get(in, id_field)) : 0,
				    in, work, NULL);
	if (j)
		accord_job_submit(j);
}

void agenda__add(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	run(req, agenda__add_args, d, "meeting", add_work);
}

void agenda__update(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	run(req, agenda__update_args, d, NULL, update_work);
}

void agenda__move(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	run(req, agenda__move_args, d, NULL, move_work);
}

void agenda__remove(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	run(req, agenda__item_args, d, NULL, remove_work);
}

void agenda__request(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	run(req, agenda__request_args, d, "meeting", request_work);
}

void agenda__decide(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	run(req, agenda__decide_args, d, NULL, decide_work);
}

void agenda__circulate(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	run(req, meetings__id_args, d, "meeting", circulate_work);
}

void agenda__versions(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	run(req, meetings__id_args, d, "meeting", versions_work);
}

/* ---------------- meetings.agenda.carry_over ---------------- */

const accord_arg agenda__carry_args[] = {
	{.name = "meeting", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{.name = "from", .type = ACCORD_ARG_ID, .flags = ACCORD_ARG_REQUIRED},
	{0}};

/* The items a closed meeting did not reach (pending or deferred) join the
 * agenda of meeting j->id, each with carried_from; first comes "Review of
 * action points" with the action points of the earlier meeting's latest
 * minutes, when it has any.  Once per pair of meetings. */
static accord_status carry_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *m = NULL, *rows = NULL;
	accord_status st = access__meeting(txn, j, 1, &m, out);
	if (st == ACCORD_OK)
		st = editable(m, out);
	int group = st == ACCORD_OK ? (int)json_integer_value(json_object_get(m, "group")) : 0;
	json_decref(m);
	m = NULL;
	if (st != ACCORD_OK)
		return st;
	int64_t target = j->id;
	j->id = json_integer_value(json_object_get(j->in, "from"));
	st = access__meeting(txn, j, 0, &m, out);
	j->id = target;
	const char *refusal = NULL;
	if (st == ACCORD_OK && strcmp(str(m, "status"), "closed"))
		refusal = "items carry over from a closed meeting";
	else if (st == ACCORD_OK && json_integer_value(json_object_get(m, "group")) != group)
		refusal = "items carry over between meetings of the same body";
	json_decref(m);
	if (st == ACCORD_OK && refusal)
		st = accord_job_fail(out, ACCORD_E_CONFLICT, refusal);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "SELECT count(*) AS n FROM meetings_items t JOIN meetings_items f ON"
				 " t.carried_from=f.id WHERE t.meeting=? AND f.meeting=?",
				 json_pack("[I,O]", (json_int_t)target,
					   json_object_get(j->in, "from")),
				 &rows);
	if (st == ACCORD_OK && json_integer_value(json_object_get(json_array_get(rows, 0), "n")) > 0)
		st = accord_job_fail(out, ACCORD_E_CONFLICT,
				     "the items of that meeting were carried over already");
	json_decref(rows);
	rows = NULL;
	if (st == ACCORD_OK)
		st = accord_exec(
			api, txn,
			"SELECT id, title, body, kind, presenter_org, duration_min, visibility FROM"
			" meetings_items WHERE meeting=? AND status IN ('pending', 'deferred')"
			" ORDER BY position, id",
			json_pack("[O]", json_object_get(j->in, "from")), &rows);
	json_t *mins = NULL;
	if (st == ACCORD_OK)
		st = accord_exec(
			api, txn,
			"SELECT body FROM meetings_minutes WHERE meeting=? ORDER BY version DESC",
			json_pack("[O]", json_object_get(j->in, "from")), &mins);
	/* the action points of the earlier minutes */
	json_t *body = st == ACCORD_OK && json_array_size(mins)
			       ? json_loads(str(json_array_get(mins, 0), "body"), 0, NULL)
			       : NULL;
	json_decref(mins);
	const char *actions = NULL;
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(body, "sections"), i, s)
		if (!strcmp(str(s, "key"), "actions") && str(s, "text") && str(s, "text")[0])
			actions = str(s, "text");
	json_int_t id = 0, carried = 0, review = 0;
	json_array_foreach(rows, i, s) {
		if (st != ACCORD_OK)
			break;
		st = insert_item(txn, j, s, 0, &id);
		if (st == ACCORD_OK)
			st = accord_exec(api, txn,
					 "UPDATE meetings_items SET carried_from=? WHERE id=?",
					 json_pack("[O,I]", json_object_get(s, "id"), id), NULL);
		if (st == ACCORD_OK)
			st = place(txn, j->id, id, 0);
		carried++;
	}
	if (st == ACCORD_OK && actions) {
		json_t *item = json_pack("{s:s,s:s,s:s}", "title", "Review of action points",
					 "body", actions, "kind", "report");
		st = item ? insert_item(txn, j, item, 0, &review) : ACCORD_E_INTERNAL;
		json_decref(item);
		if (st == ACCORD_OK)
			st = place(txn, j->id, review, 1);
	}
	json_decref(body);
	json_decref(rows);
	if (st == ACCORD_OK)
		st = store__log(txn, j, j->id, "agenda.carry_over",
				json_pack("{s:O,s:I,s:b}", "from", json_object_get(j->in, "from"),
					  "items", carried, "review", review != 0));
	return st == ACCORD_OK ? store__full(txn, j, j->id, out) : st;
}

void agenda__carry_over(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	run(req, agenda__carry_args, d, "meeting", carry_work);
}
