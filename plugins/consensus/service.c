/*
 * The service accord.decisions: closed proposals, for plugins that follow
 * decisions up (actions); and proposals opened by another plugin inside
 * its own change, followed to their outcome (meetings: a decision item).
 */
#include "consensus.h"

/* ---------------- service accord.decisions ---------------- */

static accord_status svc_decision(accord_txn *txn, int64_t id, json_t **out)
{
	*out = NULL;
	json_t *rows = NULL;
	api->txn_enter(txn, self);
	accord_status st = accord_exec(api, txn,
				       "SELECT id, title, kind, outcome, outcome_statement, scope, closed_at"
				       " FROM consensus_proposals WHERE id=? AND status='closed'",
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

/* The network's proposals closed in [from_ms, to_ms). */
static accord_status svc_list(accord_txn *txn, int64_t from_ms, int64_t to_ms, json_t **out)
{
	*out = NULL;
	if (to_ms < from_ms)
		return ACCORD_E_BAD_REQUEST;
	json_t *rows = NULL;
	api->txn_enter(txn, self);
	accord_status st = accord_exec(
		api, txn,
		"SELECT id, title, kind, outcome, outcome_statement, 0 AS \"group\","
		" closed_at FROM consensus_proposals WHERE status='closed' AND"
		" scope='network' AND closed_at >= ? AND closed_at < ?"
		" ORDER BY closed_at, id",
		json_pack("[I,I]", (json_int_t)from_ms, (json_int_t)to_ms), &rows);
	api->txn_leave(txn);
	if (st == ACCORD_OK)
		*out = rows;
	return st;
}

/* ---- open: a proposal opened inside another plugin's transaction ---- */

static int spec_ok(const json_t *spec, int64_t now)
{
	const char *title = json_string_value(json_object_get(spec, "title"));
	const char *text = json_string_value(json_object_get(spec, "text"));
	const char *kind = json_string_value(json_object_get(spec, "kind"));
	const char *by = json_string_value(json_object_get(spec, "by"));
	const char *org = json_string_value(json_object_get(spec, "org"));
	const json_t *closes = json_object_get(spec, "closes_at");
	const json_t *sm = json_object_get(spec, "state_matter");
	return title && title[0] && strlen(title) <= 300 && text && text[0] &&
	       strlen(text) <= 20000 && kind &&
	       (!strcmp(kind, "decision") || !strcmp(kind, "statement")) && by && by[0] && org &&
	       (!closes || json_is_null(closes) ||
		(json_is_integer(closes) && json_integer_value(closes) > now)) &&
	       (!sm || json_is_boolean(sm));
}

static accord_status log_step(accord_txn *txn, int64_t id, int64_t now, const json_t *spec,
			      const char *action)
{
	return accord_exec(api, txn,
			   "INSERT INTO consensus_log(proposal_id, at, actor, org, action)"
			   " VALUES(?,?,?,?,?)",
			   json_pack("[I,I,O,O,s]", (json_int_t)id, (json_int_t)now,
				     json_object_get(spec, "by"), json_object_get(spec, "org"),
				     action),
			   NULL);
}

static accord_status svc_open(accord_txn *txn, const json_t *spec, json_t **out)
{
	*out = NULL;
	int64_t now = api->now_ms();
	if (!spec_ok(spec, now))
		return ACCORD_E_BAD_REQUEST;
	json_t *codes = NULL;
	accord_status st = store__voters(txn, 0, &codes); /* members_svc: its own scope */
	char *voters = st == ACCORD_OK ? json_dumps(codes, JSON_COMPACT) : NULL;
	json_decref(codes);
	if (!voters)
		return st != ACCORD_OK ? st : ACCORD_E_INTERNAL;
	api->txn_enter(txn, self);
	st = accord_exec(api, txn,
			 "INSERT INTO consensus_proposals(scope, title, text, kind, state_matter,"
			 " status, closes_at, voters, created_by, created_at, opened_at)"
			 " VALUES('network',?,?,?,?,'open',?,?,?,?,?)",
			 json_pack("[O,O,O,b,O,s,O,I,I]", json_object_get(spec, "title"),
				   json_object_get(spec, "text"), json_object_get(spec, "kind"),
				   json_is_true(json_object_get(spec, "state_matter")),
				   accord_or_null(spec, "closes_at"), voters,
				   json_object_get(spec, "by"), (json_int_t)now, (json_int_t)now),
			 NULL);
	int64_t id = st == ACCORD_OK ? api->txn_last_id(txn) : 0;
	if (st == ACCORD_OK)
		st = log_step(txn, id, now, spec, "create");
	if (st == ACCORD_OK)
		st = log_step(txn, id, now, spec, "open");
	/* what the loop's copy needs, taken now: opened applies it after the
	 * caller's commit without another trip to the storage thread */
	json_t *snap = NULL;
	if (st == ACCORD_OK)
		st = store__snapshot(txn, id, &snap);
	api->txn_leave(txn);
	free(voters);
	if (st == ACCORD_OK &&
	    !(*out = json_pack("{s:I,s:o}", "id", (json_int_t)id, "snapshot", snap)))
		st = ACCORD_E_INTERNAL;
	return st;
}

static void svc_opened(accord_plugin_ctx *who, const json_t *opened)
{
	(void)who;
	const json_t *snap = json_object_get(opened, "snapshot");
	if (!json_is_object(snap))
		return;
	live__apply_snapshot(snap);
	proposal *p = tally__find(json_integer_value(json_object_get(opened, "id")));
	if (p)
		live__tally_changed(p, 0);
	api->acl_changed(self);
	live__announce(p, NULL);
}

/* ---- watch: the closes, told to the plugins that follow them ---- */

typedef struct watcher {
	accord_plugin_ctx *who;
	accord_decisions_watch_fn fn;
	void *ud;
} watcher;
static watcher *watchers;
static size_t n_watchers, cap_watchers;

static int svc_watch(accord_plugin_ctx *who, accord_decisions_watch_fn fn, void *ud)
{
	if (!fn)
		return -1;
	if (n_watchers == cap_watchers) {
		size_t cap = cap_watchers ? cap_watchers * 2 : 4;
		watcher *w = realloc(watchers, cap * sizeof(*w));
		if (!w)
			return -1;
		watchers = w;
		cap_watchers = cap;
	}
	watchers[n_watchers++] = (watcher){who, fn, ud};
	return 0;
}

static accord_status closed_work(accord_txn *txn, void *ud, json_t **out)
{
	int64_t id = (int64_t)(intptr_t)ud;
	json_t *row = NULL, *pos = NULL, *cons = NULL;
	accord_status st = store__row(txn,
				      "SELECT id, title, kind, outcome, outcome_statement, scope,"
				      " closed_at FROM consensus_proposals WHERE id=? AND"
				      " status='closed'",
				      json_pack("[I]", (json_int_t)id), &row);
	if (st == ACCORD_OK && !row)
		return ACCORD_E_NOT_FOUND; /* reopened since */
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "SELECT org, position, reason FROM consensus_positions"
				 " WHERE proposal_id=? ORDER BY org",
				 json_pack("[I]", (json_int_t)id), &pos);
	if (st == ACCORD_OK)
		st = store__row(txn, "SELECT org, view FROM consensus_consults WHERE proposal_id=?",
				json_pack("[I]", (json_int_t)id), &cons);
	if (st != ACCORD_OK) {
		json_decref(row);
		json_decref(pos);
		return st;
	}
	const char *scope = json_string_value(json_object_get(row, "scope"));
	json_object_set_new(row, "group",
			    json_integer(scope && !strncmp(scope, "group:", 6)
						 ? strtoll(scope + 6, NULL, 10)
						 : 0));
	json_object_del(row, "scope");
	json_object_set_new(row, "positions", pos);
	json_object_set_new(row, "consultation", cons ? cons : json_null());
	*out = row;
	return ACCORD_OK;
}

static void closed_done(accord_plugin_ctx *pc, accord_status st, json_t *out, void *ud)
{
	(void)pc;
	if (st == ACCORD_OK)
		for (size_t i = 0; i < n_watchers; i++)
			watchers[i].fn(watchers[i].who, out, watchers[i].ud);
	else if (st != ACCORD_E_NOT_FOUND)
		api->log(self, ACCORD_LOG_ERR, "proposal %lld closed: could not tell its watchers",
			 (long long)(intptr_t)ud);
	json_decref(out);
}

void service__closed(int64_t id)
{
	if (n_watchers && api->db_run(self, closed_work, closed_done, (void *)(intptr_t)id))
		api->log(self, ACCORD_LOG_ERR,
			 "proposal %lld closed: could not tell its watchers:"
			 " queue full",
			 (long long)id);
}

void service__reset(void)
{
	free(watchers);
	watchers = NULL;
	n_watchers = cap_watchers = 0;
}

const accord_decisions_svc service__decisions = {
	.size = sizeof(accord_decisions_svc),
	.decision = svc_decision,
	.open = svc_open,
	.opened = svc_opened,
	.watch = svc_watch,
	.list = svc_list,
};
