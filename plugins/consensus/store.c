/*
 * The plugin's tables (migrations) and the SQL the handlers share: the
 * proposal row, the snapshot the loop refreshes from, the log, the lead
 * check and the voters of a proposal.  Runs on the storage thread.
 */
#include "consensus.h"

const accord_migration store__migrations[] = {
	{1, "CREATE TABLE consensus_proposals("
	    " id INTEGER PRIMARY KEY, title TEXT NOT NULL, text TEXT NOT NULL,"
	    " scope TEXT NOT NULL DEFAULT 'network',"
	    " kind TEXT NOT NULL CHECK(kind IN ('decision','statement')),"
	    " state_matter INTEGER NOT NULL DEFAULT 0, hide_tally INTEGER NOT NULL DEFAULT 0,"
	    " status TEXT NOT NULL DEFAULT 'draft' CHECK(status IN ('draft','open','closed')),"
	    " closes_at INTEGER, voters TEXT NOT NULL DEFAULT '[]',"
	    " outcome TEXT, outcome_statement TEXT, close_reason TEXT, closed_by TEXT,"
	    " closed_at INTEGER, review_date TEXT,"
	    " created_by TEXT NOT NULL, created_at INTEGER NOT NULL, opened_at INTEGER);"
	    "CREATE TABLE consensus_positions("
	    " proposal_id INTEGER NOT NULL REFERENCES consensus_proposals(id), org TEXT NOT NULL,"
	    " position TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', cast_by TEXT NOT NULL,"
	    " cast_at INTEGER NOT NULL, PRIMARY KEY(proposal_id, org));"
	    "CREATE TABLE consensus_consults("
	    " proposal_id INTEGER PRIMARY KEY REFERENCES consensus_proposals(id),"
	    " org TEXT NOT NULL, view TEXT NOT NULL, given_by TEXT NOT NULL, at INTEGER NOT NULL);"
	    "CREATE TABLE consensus_log("
	    " id INTEGER PRIMARY KEY, proposal_id INTEGER NOT NULL, at INTEGER NOT NULL,"
	    " actor TEXT NOT NULL, org TEXT, action TEXT NOT NULL, position TEXT, reason TEXT,"
	    " request_key TEXT, UNIQUE(actor, request_key));"},
	{2, "CREATE TABLE consensus_comments(id INTEGER PRIMARY KEY, proposal_id INTEGER NOT NULL"
	    " REFERENCES consensus_proposals(id), author TEXT NOT NULL, org TEXT NOT NULL,"
	    " partner INTEGER NOT NULL, text TEXT NOT NULL, at INTEGER NOT NULL);"},
	/* What a close found missing, as data ({missing, objected,
	 * consultation_missing, closing_time}): clients say it in their own
	 * language.  Sentences the server used to write in English go. */
	{3,
	 "ALTER TABLE consensus_proposals ADD COLUMN close_facts TEXT;"
	 "UPDATE consensus_proposals SET close_facts='{\"closing_time\":true}', closed_by=NULL"
	 " WHERE closed_by='closing time';"
	 "UPDATE consensus_proposals SET close_reason=NULL WHERE close_reason IN ("
	 "'every member organisation responded and none objected', 'an organisation objected',"
	 " 'closed before every member organisation responded',"
	 " 'the state counterpart''s consultation was not given', 'the closing time was reached');"},
	{0, NULL}};

static const char *PROPOSAL_COLS =
	"id, title, text, scope, kind, state_matter, hide_tally, status, closes_at, voters,"
	" outcome, outcome_statement, close_reason, closed_by, closed_at, review_date,"
	" created_by, created_at, opened_at, close_facts";

accord_status store__row(accord_txn *txn, const char *sql, json_t *params, json_t **row)
{
	json_t *rows = NULL;
	accord_status st = accord_exec(api, txn, sql, params, &rows);
	*row = st == ACCORD_OK ? json_incref(json_array_get(rows, 0)) : NULL;
	json_decref(rows);
	return st;
}

json_t *store__proposal(accord_txn *txn, int64_t id)
{
	char sql[400];
	json_t *row;
	snprintf(sql, sizeof(sql), "SELECT %s FROM consensus_proposals WHERE id=?", PROPOSAL_COLS);
	store__row(txn, sql, json_pack("[I]", (json_int_t)id), &row);
	return row;
}

accord_status store__membership(accord_txn *txn, json_t *out)
{
	json_t *codes = NULL, *cp = NULL;
	accord_status st = members_svc->voting_orgs(txn, &codes);
	if (st == ACCORD_OK) {
		st = members_svc->state_counterpart(txn, &cp);
		if (st == ACCORD_E_NOT_FOUND) /* a network without a state counterpart */
			st = ACCORD_OK;
	}
	if (st != ACCORD_OK) {
		json_decref(codes);
		json_decref(cp);
		return st;
	}
	int bad = json_object_set_new(out, "members", codes ? codes : json_array());
	bad |= json_object_set_new(out, "state_counterpart", cp ? cp : json_null());
	return bad ? ACCORD_E_INTERNAL : ACCORD_OK;
}

accord_status store__snapshot(accord_txn *txn, int64_t id, json_t **out)
{
	json_t *row = store__proposal(txn, id);
	if (!row)
		return ACCORD_E_NOT_FOUND;
	json_t *pos = NULL, *cons = NULL;
	accord_status st = accord_exec(
		api, txn,
		"SELECT org, position, reason, cast_by, cast_at FROM consensus_positions"
		" WHERE proposal_id=? ORDER BY org",
		json_pack("[I]", (json_int_t)id), &pos);
	if (st == ACCORD_OK)
		st = store__row(
			txn,
			"SELECT org, view, given_by, at FROM consensus_consults WHERE proposal_id=?",
			json_pack("[I]", (json_int_t)id), &cons);
	if (st != ACCORD_OK) {
		json_decref(row);
		json_decref(pos);
		return st;
	}
	json_t *snap = json_pack("{s:o,s:o,s:o}", "proposal", row, "positions",
				 pos ? pos : json_array(), "consultation", cons ? cons : json_null());
	if (!snap)
		return ACCORD_E_INTERNAL;
	if ((st = store__membership(txn, snap)) != ACCORD_OK) {
		json_decref(snap);
		return st;
	}
	json_decref(*out);
	*out = snap;
	return ACCORD_OK;
}

accord_status store__log(accord_txn *txn, const accord_job *j, const char *action, const char *reason)
{
	return accord_exec(api, txn,
			   "INSERT INTO consensus_log(proposal_id, at, actor, org, action, reason)"
			   " VALUES(?,?,?,?,?,?)",
			   json_pack("[I,I,s,s,s,s?]", (json_int_t)j->id, (json_int_t)api->now_ms(),
				     j->actor, j->org, action, reason),
			   NULL);
}

/* For a working group's proposal acted on by someone who is not a co-chair:
 * is the caller's organisation a lead of the group?  (Asked in the
 * transaction of the groups plugin's service.) */
accord_status store__lead_check(accord_txn *txn, const accord_job *j, json_t **out)
{
	if (!job__need_lead(j))
		return ACCORD_OK;
	int lead = groups_svc ? groups_svc->is_lead(txn, j->group, j->org) : 0;
	if (lead < 0)
		return ACCORD_E_INTERNAL;
	return lead ? ACCORD_OK
		    : accord_job_fail(out, ACCORD_E_FORBIDDEN,
				      "only a co-chair or a lead of the working group can do this");
}

/* The voters of a proposal, in code order: the network's member
 * organisations or, for a working group, those of them in the group (its
 * partners do not vote). */
accord_status store__voters(accord_txn *txn, int64_t group, json_t **out)
{
	*out = NULL;
	json_t *all = NULL, *in_group = NULL;
	accord_status st = members_svc->voting_orgs(txn, &all);
	if (st != ACCORD_OK || !group) {
		*out = all;
		return st;
	}
	st = groups_svc ? groups_svc->orgs(txn, group, &in_group) : ACCORD_E_NOT_FOUND;
	if (st == ACCORD_E_NOT_FOUND)
		st = ACCORD_OK; /* no such group (any more): nobody votes */
	json_t *codes = json_array();
	size_t i, k;
	json_t *c, *g;
	json_array_foreach(all, i, c)
		json_array_foreach(in_group, k, g) {
			if (!json_is_true(json_object_get(g, "partner")) &&
			    json_equal(json_object_get(g, "org"), c)) {
				json_array_append(codes, c);
				break;
			}
		}
	json_decref(all);
	json_decref(in_group);
	if (st != ACCORD_OK || !codes) {
		json_decref(codes);
		return st != ACCORD_OK ? st : ACCORD_E_INTERNAL;
	}
	*out = codes;
	return ACCORD_OK;
}
