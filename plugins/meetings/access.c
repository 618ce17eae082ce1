/*
 * Who may see and manage a meeting, decided on the storage thread from the
 * committed rows, in the transaction of the request (so a check and the
 * write it allows see the same state).
 *
 *   a network meeting: every member organisation sees it; the co-chairs
 *     and the secretariat manage it;
 *   a group meeting: the group's organisations (accord.groups) and the
 *     co-chairs and the secretariat see it; they and the group's leads
 *     manage it;
 *   a partner (the state counterpart, other partners): a meeting it is
 *     invited to, once convened; it never manages one.
 *
 * A meeting the caller may not see is answered exactly as a missing one.
 */
#include "meetings.h"

static int org_in(const json_t *rows, const char *org)
{
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		const char *o = json_string_value(json_object_get(r, "org"));
		if (o && !strcmp(o, org))
			return 1;
	}
	return 0;
}

int access__sees(accord_txn *txn, const accord_job *j, const json_t *m)
{
	int64_t id = json_integer_value(json_object_get(m, "id"));
	int64_t group = json_integer_value(json_object_get(m, "group"));
	const char *status = json_string_value(json_object_get(m, "status"));
	json_t *rows = NULL;
	int in = 0;
	if (j->partner) {
		if (!status || !strcmp(status, "draft"))
			return 0;
		if (store__invitees(txn, id, &rows) != ACCORD_OK)
			return -1;
		in = org_in(rows, j->org);
		json_decref(rows);
		return in;
	}
	if (!group || plugin__chair(j))
		return 1;
	if (!groups_svc)
		return 0;
	accord_status st = groups_svc->orgs(txn, group, &rows);
	if (st == ACCORD_E_NOT_FOUND)
		return 0;
	if (st != ACCORD_OK)
		return -1;
	in = org_in(rows, j->org);
	json_decref(rows);
	return in;
}

int access__manages(accord_txn *txn, const accord_job *j, int64_t group)
{
	if (j->partner)
		return 0;
	if (plugin__chair(j))
		return 1;
	if (!group || !groups_svc)
		return 0;
	return groups_svc->is_lead(txn, group, j->org);
}

accord_status access__meeting(accord_txn *txn, const accord_job *j, int manage, json_t **m,
			      json_t **out)
{
	*m = store__meeting(txn, j->id);
	int ok = *m ? access__sees(txn, j, *m) : 0;
	if (ok > 0 && manage) {
		ok = access__manages(txn, j, json_integer_value(json_object_get(*m, "group")));
		if (ok == 0) {
			json_decref(*m);
			*m = NULL;
			return accord_job_fail(out, ACCORD_E_FORBIDDEN,
					       "only the co-chairs and the secretariat (a group's"
					       " leads for its meetings) manage a meeting");
		}
	}
	if (ok > 0)
		return ACCORD_OK;
	json_decref(*m);
	*m = NULL;
	return accord_job_fail(out, ok < 0 ? ACCORD_E_INTERNAL : ACCORD_E_NOT_FOUND,
			       ok < 0 ? "could not read the meeting" : "no such meeting");
}
