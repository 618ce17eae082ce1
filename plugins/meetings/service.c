/*
 * The service accord.meetings: the network's meetings held in a period,
 * with their attendance (include/accord/services/meetings.h).  The rule of
 * representation and quorum is rules__quorum, the one the live indicator
 * (store__presence) uses; an organisation is represented when it attended
 * at some time of the session (the minutes' attendance says the same).
 * internal_proposals names the proposals opened from internal items, so
 * that a list meant to leave the network can leave them out.
 */
#include "meetings.h"

#include <accord/services/meetings.h>

static int has(const json_t *codes, const json_t *code)
{
	size_t i;
	json_t *c;
	json_array_foreach(codes, i, c)
		if (json_equal(c, code))
			return 1;
	return 0;
}

/* The attendance of meeting row m, held: {attendance, represented,
 * required, missing_required, quorum} set on m. */
static accord_status held_attendance(accord_txn *txn, json_t *m)
{
	json_int_t id = json_integer_value(json_object_get(m, "id"));
	json_t *orgs = NULL, *inv = NULL;
	accord_status st = accord_exec(api, txn,
				       "SELECT DISTINCT org FROM meetings_attendance WHERE meeting=?"
				       " ORDER BY org",
				       json_pack("[I]", id), &orgs);
	if (st == ACCORD_OK)
		st = store__invitees(txn, id, &inv);
	json_t *represented = json_array(), *att = json_array(), *q = NULL;
	size_t i;
	json_t *r;
	if (st == ACCORD_OK) {
		json_array_foreach(orgs, i, r)
			json_array_append(represented, json_object_get(r, "org"));
		json_array_foreach(inv, i, r)
			json_array_append_new(att,
					      json_pack("{s:O,s:b,s:b}", "org",
							json_object_get(r, "org"), "required",
							json_is_true(json_object_get(r, "required")),
							"represented",
							has(represented, json_object_get(r, "org"))));
		q = rules__quorum(inv, represented, json_object_get(m, "quorum"));
	}
	json_decref(orgs);
	json_decref(inv);
	if (st == ACCORD_OK && (!q || !represented || !att))
		st = ACCORD_E_INTERNAL;
	if (st == ACCORD_OK) {
		json_object_set_new(m, "attendance", att);
		json_object_set_new(m, "represented", represented);
		json_object_update(m, q);
		att = represented = NULL;
	}
	json_decref(q);
	json_decref(att);
	json_decref(represented);
	return st;
}

static accord_status svc_held(accord_txn *txn, int64_t from_ms, int64_t to_ms, json_t **out)
{
	*out = NULL;
	if (to_ms < from_ms)
		return ACCORD_E_BAD_REQUEST;
	json_t *rows = NULL;
	api->txn_enter(txn, self);
	accord_status st = accord_exec(
		api, txn,
		"SELECT m.id, m.kind, m.title, m.starts_at, m.ends_at, m.started_at, m.closed_at,"
		" m.status, m.quorum, coalesce((SELECT n.status FROM meetings_minutes n WHERE"
		" n.meeting=m.id ORDER BY n.version DESC LIMIT 1), 'none') AS minutes_status,"
		" EXISTS(SELECT 1 FROM meetings_minutes n WHERE n.meeting=m.id AND"
		" n.status='approved') AS approved"
		" FROM meetings_meetings m WHERE m.grp=0 AND m.status IN ('in_session', 'closed')"
		" AND m.started_at IS NOT NULL AND m.started_at >= ? AND m.started_at < ?"
		" ORDER BY m.started_at, m.id",
		json_pack("[I,I]", (json_int_t)from_ms, (json_int_t)to_ms), &rows);
	size_t i;
	json_t *m;
	json_array_foreach(rows, i, m) {
		if (st != ACCORD_OK)
			break;
		/* the quorum rule as stored (JSON text), made a value again */
		const char *q = json_string_value(json_object_get(m, "quorum"));
		json_t *rule = q ? json_loads(q, JSON_DECODE_ANY, NULL) : NULL;
		json_object_set_new(m, "quorum", rule ? rule : json_string("all_required"));
		/* approved once: a later draft of the minutes does not undo it */
		if (json_is_true(json_object_get(m, "approved")) ||
		    json_integer_value(json_object_get(m, "approved")))
			json_object_set_new(m, "minutes_status", json_string("approved"));
		json_object_del(m, "approved");
		st = held_attendance(txn, m);
	}
	api->txn_leave(txn);
	if (st == ACCORD_OK)
		*out = rows;
	else
		json_decref(rows);
	return st;
}

static accord_status svc_internal_proposals(accord_txn *txn, json_t **out)
{
	*out = NULL;
	json_t *rows = NULL;
	api->txn_enter(txn, self);
	accord_status st = accord_exec(api, txn,
				       "SELECT DISTINCT proposal FROM meetings_items WHERE proposal IS NOT"
				       " NULL AND visibility <> 'shared' ORDER BY proposal",
				       NULL, &rows);
	api->txn_leave(txn);
	if (st != ACCORD_OK)
		return st;
	json_t *ids = json_array(), *r;
	size_t i;
	json_array_foreach(rows, i, r)
		json_array_append(ids, json_object_get(r, "proposal"));
	json_decref(rows);
	*out = ids;
	return ids ? ACCORD_OK : ACCORD_E_INTERNAL;
}

const accord_meetings_svc service__meetings = {
	.size = sizeof(accord_meetings_svc),
	.held = svc_held,
	.internal_proposals = svc_internal_proposals,
};
