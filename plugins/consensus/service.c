/*
 * The service accord.decisions: closed proposals, for plugins that follow
 * decisions up (actions).
 */
#include "consensus.h"

/* ---------------- service accord.decisions ---------------- */

static accord_status svc_decision(accord_txn *txn, int64_t id, json_t **out)
{
	*out = NULL;
	json_t *rows = NULL;
	api->txn_enter(txn, self);
	accord_status st = accord_exec(api, txn,
				       "SELECT id, title, outcome, scope, closed_at FROM consensus_proposals"
				       " WHERE id=? AND status='closed'",
				       json_pack("[I]", (json_int_t)id), &rows);
	api->txn_leave(txn);
	if (st != ACCORD_OK)
		return st;
	json_t *r = json_array_get(rows, 0);
	if (r) {
		const char *scope = json_string_value(json_object_get(r, "scope"));
		int64_t group = scope && !strncmp(scope, "group:", 6) ? strtoll(scope + 6, NULL, 10)
								      : 0;
		json_object_del(r, "scope");
		json_object_set_new(r, "group", json_integer(group));
		*out = json_incref(r);
	}
	json_decref(rows);
	return r ? ACCORD_OK : ACCORD_E_NOT_FOUND;
}

const accord_decisions_svc service__decisions = {
	.size = sizeof(accord_decisions_svc),
	.decision = svc_decision,
};
