/*
 * Live consensus polling: proposals, positions per organisation, the live
 * tally, the state counterpart's consultation, closing (by a co-chair or at
 * the closing time, enforced by the server) and the decision register.
 *
 * Authority is the database: every position and every state change is
 * checked and written on the storage thread, in order, so a position that
 * races a close is judged against the committed state, and the outcome of a
 * close is computed there from the committed positions.  The loop keeps a
 * copy of each proposal's positions for the live tally and for permission
 * checks, updated after each commit.
 *
 * Tally pushes are coalesced per proposal: at most tally_max_per_sec a
 * second (config; 0 = a tally per position), always the latest state, and
 * the final state at once on close.
 *
 * Who votes and who may speak for an organisation come from the service
 * accord.members (the membership plugin); the organisations and leads of a
 * working group from accord.groups (the groups plugin, optional: without
 * it there are no group proposals).  It offers accord.decisions: the
 * closed proposals, for plugins that follow decisions up.
 */
#include <accord/plugin.h>
#include <accord/csv.h>
#include <accord/helpers.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rule.h"

#include <accord/services/decisions.h>
#include <accord/services/groups.h>
#include <accord/services/members.h>

static const accord_host_api *api;
static accord_plugin_ctx *self;
static const accord_members_svc *members;
static const accord_groups_svc *groups; /* NULL without the groups plugin */

static long tally_interval_ms = 100; /* 1000 / tally_max_per_sec; 0: no coalescing */

static const accord_migration migrations[] = {
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
	{3, "ALTER TABLE consensus_proposals ADD COLUMN close_facts TEXT;"
	    "UPDATE consensus_proposals SET close_facts='{\"closing_time\":true}', closed_by=NULL"
	    " WHERE closed_by='closing time';"
	    "UPDATE consensus_proposals SET close_reason=NULL WHERE close_reason IN ("
	    "'every member organisation responded and none objected', 'an organisation objected',"
	    " 'closed before every member organisation responded',"
	    " 'the state counterpart''s consultation was not given', 'the closing time was reached');"},
	{0, NULL}};

/* ---------------- in-memory proposals ---------------- */

/* One organisation's position as the loop holds it: enough for the live
 * record of positions that members see in the tally. */
typedef struct vote {
	char org[17];
	enum position pos;
	char *reason;
	char cast_by[64];
	int64_t cast_at;
} vote;

typedef struct proposal {
	int64_t id;
	int64_t group; /* scope "group:<id>", 0 for the network */
	char status[8];
	int state_matter, hide_tally;
	char outcome[16];
	char **voters;
	size_t n_voters;
	vote *votes;
	size_t n_votes, cap_votes;
	int consulted;
	json_t *consultation; /* {org, view, given_by, at} or NULL */
	int64_t closes_at;
	uint64_t close_timer;
	uint64_t tally_timer;
	int64_t last_push_ms;
	int dirty;
} proposal;

static proposal **props;
static size_t n_props, cap_props;
static char **active_members; /* active member organisations now */
static size_t n_active;
static char state_cp[17];     /* the state counterpart's code */

static proposal *find(int64_t id)
{
	for (size_t i = 0; i < n_props; i++)
		if (props[i]->id == id)
			return props[i];
	return NULL;
}

/* The frozen voter list of a proposal row (a JSON text column). */
static json_t *voters_json(const json_t *row)
{
	const char *txt = json_string_value(json_object_get(row, "voters"));
	json_t *v = json_loads(txt ? txt : "[]", 0, NULL);
	return v ? v : json_array();
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static char **strv_from_json(const json_t *a, size_t *n)
{
	*n = 0;
	char **v = calloc(json_array_size(a) + 1, sizeof(char *));
	size_t i;
	const json_t *x;
	json_array_foreach(a, i, x) if (json_is_string(x)) v[(*n)++] = strdup(json_string_value(x));
	return v;
}

static void set_vote(proposal *p, const char *org, enum position pos, const char *reason,
		     const char *cast_by, int64_t cast_at)
{
	vote *v = NULL;
	for (size_t i = 0; i < p->n_votes && !v; i++)
		if (!strcmp(p->votes[i].org, org))
			v = &p->votes[i];
	if (!v) {
		if (p->n_votes == p->cap_votes) {
			size_t nc = p->cap_votes ? p->cap_votes * 2 : 16;
			vote *nv = realloc(p->votes, nc * sizeof(*nv));
			if (!nv)
				return;
			p->votes = nv;
			p->cap_votes = nc;
		}
		v = &p->votes[p->n_votes++];
		memset(v, 0, sizeof(*v));
		snprintf(v->org, sizeof(v->org), "%s", org);
	}
	v->pos = pos;
	free(v->reason);
	v->reason = strdup(reason ? reason : "");
	snprintf(v->cast_by, sizeof(v->cast_by), "%s", cast_by ? cast_by : "");
	v->cast_at = cast_at;
}

static void clear_votes(proposal *p)
{
	for (size_t i = 0; i < p->n_votes; i++)
		free(p->votes[i].reason);
	p->n_votes = 0;
}

static int is_voter(const proposal *p, const char *org)
{
	for (size_t i = 0; i < p->n_voters; i++)
		if (!strcmp(p->voters[i], org))
			return 1;
	return 0;
}

static int is_active_member(const char *org)
{
	for (size_t i = 0; i < n_active; i++)
		if (!strcmp(active_members[i], org))
			return 1;
	return 0;
}

/* Updates (or adds) the loop's copy of a proposal from a database row
 * {id, status, state_matter, hide_tally, outcome, voters, closes_at} plus
 * positions [{org, position, reason, cast_by, cast_at}] and the
 * consultation (an object, or null). */
static void schedule_close(proposal *p);

static proposal *sync_proposal(const json_t *row, const json_t *positions, const json_t *consultation)
{
	int64_t id = json_integer_value(json_object_get(row, "id"));
	proposal *p = find(id);
	if (!p) {
		if (n_props == cap_props) {
			size_t nc = cap_props ? cap_props * 2 : 32;
			proposal **np = realloc(props, nc * sizeof(*np));
			if (!np)
				return NULL;
			props = np;
			cap_props = nc;
		}
		p = calloc(1, sizeof(*p));
		if (!p)
			return NULL;
		p->id = id;
		props[n_props++] = p;
	}
	snprintf(p->status, sizeof(p->status), "%s", json_string_value(json_object_get(row, "status")));
	p->state_matter = (int)json_integer_value(json_object_get(row, "state_matter"));
	p->hide_tally = (int)json_integer_value(json_object_get(row, "hide_tally"));
	const char *oc = json_string_value(json_object_get(row, "outcome"));
	snprintf(p->outcome, sizeof(p->outcome), "%s", oc ? oc : "");
	p->closes_at = json_integer_value(json_object_get(row, "closes_at"));
	const char *scope = json_string_value(json_object_get(row, "scope"));
	p->group = scope && !strncmp(scope, "group:", 6) ? strtoll(scope + 6, NULL, 10) : 0;
	json_t *voters = voters_json(row);
	strv_free(p->voters, p->n_voters);
	p->voters = strv_from_json(voters, &p->n_voters);
	json_decref(voters);
	if (positions) {
		clear_votes(p);
		size_t i;
		const json_t *x;
		json_array_foreach(positions, i, x)
			set_vote(p, json_string_value(json_object_get(x, "org")),
				 position_parse(json_string_value(json_object_get(x, "position"))),
				 json_string_value(json_object_get(x, "reason")),
				 json_string_value(json_object_get(x, "cast_by")),
				 json_integer_value(json_object_get(x, "cast_at")));
	}
	p->consulted = json_is_object(consultation);
	json_decref(p->consultation);
	p->consultation = p->consulted ? json_deep_copy(consultation) : NULL;
	schedule_close(p);
	return p;
}

static void evaluate(const proposal *p, rule_result *r)
{
	const char **withdrawn = calloc(p->n_voters + 1, sizeof(char *));
	size_t nw = 0;
	for (size_t i = 0; i < p->n_voters; i++)
		if (!is_active_member(p->voters[i]))
			withdrawn[nw++] = p->voters[i];
	rule_vote *v = calloc(p->n_votes + 1, sizeof(*v));
	for (size_t i = 0; i < p->n_votes; i++)
		v[i] = (rule_vote){p->votes[i].org, p->votes[i].pos};
	rule_evaluate((const char *const *)p->voters, p->n_voters, withdrawn, nw, v, p->n_votes,
		      p->state_matter, p->consulted, r);
	free(v);
	free(withdrawn);
}

static int vote_cmp(const void *a, const void *b)
{
	return strcmp(((const vote *)a)->org, ((const vote *)b)->org);
}

/* The record of positions as consensus.get shows it to members: with a
 * hidden tally, until the close, who responded and when, not what. */
static json_t *positions_json(const proposal *p, int hidden)
{
	vote *sorted = malloc((p->n_votes + 1) * sizeof(*sorted));
	json_t *a = json_array();
	if (!sorted)
		return a;
	if (p->n_votes) { /* votes is NULL before the first one: no memcpy(.., NULL, 0) */
		memcpy(sorted, p->votes, p->n_votes * sizeof(*sorted));
		qsort(sorted, p->n_votes, sizeof(*sorted), vote_cmp);
	}
	for (size_t i = 0; i < p->n_votes; i++) {
		const vote *v = &sorted[i];
		if (v->pos == POS_NONE)
			continue;
		json_t *x = json_pack("{s:s,s:s,s:I}", "org", v->org, "cast_by", v->cast_by, "cast_at",
				      (json_int_t)v->cast_at);
		if (!hidden) {
			json_object_set_new(x, "position", json_string(position_name(v->pos)));
			json_object_set_new(x, "reason", json_string(v->reason ? v->reason : ""));
		}
		json_array_append_new(a, x);
	}
	free(sorted);
	return a;
}

/* The tally as members see it.  With a hidden tally, until the close, only
 * who has responded is shown.  with_record: the live event also carries
 * the record of positions and the consultation, as consensus.get gives
 * them to members, so that co-chairs see who objects and why as it
 * happens (a get reply has them beside the tally already). */
static json_t *tally_json(const proposal *p, int with_record)
{
	rule_result r;
	evaluate(p, &r);
	json_t *responded = json_array(), *pending = json_array();
	for (size_t i = 0; i < p->n_voters; i++) {
		if (!is_active_member(p->voters[i]))
			continue;
		int has = 0;
		for (size_t k = 0; k < p->n_votes; k++)
			if (!strcmp(p->votes[k].org, p->voters[i]) && p->votes[k].pos != POS_NONE)
				has = 1;
		json_array_append_new(has ? responded : pending, json_string(p->voters[i]));
	}
	int hidden = p->hide_tally && strcmp(p->status, "closed");
	json_t *t = json_pack("{s:I,s:s,s:o,s:o,s:b,s:b,s:b,s:b}", "proposal", (json_int_t)p->id,
			      "status", p->status, "responded", responded, "pending", pending,
			      "state_matter", p->state_matter, "consultation_in", p->consulted,
			      "hidden", hidden, "consensus_possible", r.possible);
	if (!hidden) {
		json_t *counts = json_object();
		for (int k = 1; k < POS__COUNT; k++)
			json_object_set_new(counts, position_name((enum position)k), json_integer(r.counts[k]));
		json_object_set_new(t, "counts", counts);
		json_object_set_new(t, "consensus_reached", json_boolean(r.reached));
	}
	if (p->outcome[0])
		json_object_set_new(t, "outcome", json_string(p->outcome));
	if (with_record) {
		json_object_set_new(t, "positions", positions_json(p, hidden));
		json_object_set_new(t, "consultation",
				    p->consultation ? json_deep_copy(p->consultation) : json_null());
	}
	return t;
}

static void topic_of(const proposal *p, char *buf, size_t n)
{
	snprintf(buf, n, "proposal:%lld", (long long)p->id);
}

static void push_tally(proposal *p)
{
	char topic[40];
	topic_of(p, topic, sizeof(topic));
	p->dirty = 0;
	p->last_push_ms = api->now_ms();
	accord_audience *a = api->audience_new();
	api->audience_members_only(a);
	api->publish(self, topic, "consensus.tally", tally_json(p, 1), a);
	api->audience_free(a);
	if (p->state_matter && state_cp[0]) {
		/* The state counterpart follows the status and its own
		 * consultation, never the counts. */
		accord_audience *m = api->audience_new();
		api->audience_add_org(m, state_cp);
		api->publish(self, topic, "consensus.status",
			     json_pack("{s:I,s:s,s:b}", "proposal", (json_int_t)p->id, "status",
				       p->status, "consultation_in", p->consulted),
			     m);
		api->audience_free(m);
	}
	api->counter_add(self, "tally_pushes", 1);
}

static void tally_timer_fired(accord_plugin_ctx *pc, void *ud)
{
	(void)pc;
	proposal *p = find((int64_t)(intptr_t)ud);
	if (!p)
		return;
	p->tally_timer = 0;
	if (p->dirty)
		push_tally(p);
}

/* A position or state change: push now if allowed, else once the interval
 * since the last push has passed (latest state only).  Returns 1 if the
 * tally went out now, 0 if it waits for the timer. */
static int tally_changed(proposal *p, int final)
{
	int64_t now = api->now_ms();
	if (final || tally_interval_ms == 0 ||
	    (!p->tally_timer && now - p->last_push_ms >= tally_interval_ms)) {
		if (p->tally_timer)
			api->timer_cancel(self, p->tally_timer);
		p->tally_timer = 0;
		push_tally(p);
		return 1;
	}
	p->dirty = 1;
	if (!p->tally_timer) {
		int64_t wait = tally_interval_ms - (now - p->last_push_ms);
		p->tally_timer = api->timer_add(self, (uint64_t)(wait > 0 ? wait : 1), tally_timer_fired,
						(void *)(intptr_t)p->id);
	}
	return 0;
}

/* ---------------- who may see and do what ---------------- */

static int is_member(const accord_principal *w) { return w && !api->principal_is_partner(w); }
static int is_chair(const accord_principal *w)
{
	return is_member(w) && api->principal_has_role(w, "co_chair");
}
static int may_create(const accord_principal *w)
{
	return is_member(w) && (api->principal_has_role(w, "co_chair") ||
				api->principal_has_role(w, "secretariat"));
}
static int is_state_cp(const accord_principal *w)
{
	return w && state_cp[0] && !strcmp(api->principal_org(w), state_cp);
}

/* Members see every proposal; the state counterpart sees the state
 * matters it is consulted on once they are open; nobody else. */
static int visible(const proposal *p, const accord_principal *w)
{
	if (p->group) /* a working group's proposal: its people (partners once open) */
		return api->group_access(self, w, p->group, NULL) == ACCORD_OK &&
		       (is_member(w) || strcmp(p->status, "draft"));
	if (is_member(w))
		return 1;
	return p->state_matter && is_state_cp(w) && strcmp(p->status, "draft");
}

/* "proposals": the network's list of proposals changed (members only; the
 * events carry network proposals alone, which every member sees). */
static accord_status check_list_topic(accord_plugin_ctx *pc, const accord_principal *w,
				      const char *topic, void *ud)
{
	(void)pc;
	(void)ud;
	return !strcmp(topic, "proposals") && is_member(w) ? ACCORD_OK : ACCORD_E_NOT_FOUND;
}

/* Tells dashboards that a network proposal was created, opened, closed,
 * reopened or that an organisation responded for the first time, so lists
 * and "awaiting your organisation" badges follow without a reload.  A
 * working group's proposals are not announced here: not every member may
 * know of them. */
static void announce(const proposal *p, const char *org_responded)
{
	if (!p || p->group)
		return;
	accord_audience *a = api->audience_new();
	api->audience_members_only(a);
	api->publish(self, "proposals", "consensus.listed",
		     json_pack("{s:I,s:s,s:s?}", "proposal", (json_int_t)p->id, "status", p->status,
			       "responded", org_responded),
		     a);
	api->audience_free(a);
}

static accord_status check_topic(accord_plugin_ctx *pc, const accord_principal *w,
				 const char *topic, void *ud)
{
	(void)pc;
	(void)ud;
	char *end;
	if (strncmp(topic, "proposal:", 9))
		return ACCORD_E_NOT_FOUND;
	long long id = strtoll(topic + 9, &end, 10);
	proposal *p = *end ? NULL : find(id);
	return p && visible(p, w) ? ACCORD_OK : ACCORD_E_NOT_FOUND;
}

/* ---------------- request plumbing ---------------- */

typedef struct job {
	accord_req *req;
	int64_t id;
	char actor[64];
	char org[33];
	json_t *in;
	int is_partner;
	int need_lead; /* not a co-chair: must be a lead of the proposal's group */
	int64_t group;
	void (*after)(struct job *j, json_t *out);
	accord_status (*work)(accord_txn *txn, struct job *j, json_t **out);
	/* A retried request that was done before: may add the current state
	 * to the earlier reply in *out (a position: the one held now). */
	accord_status (*again)(accord_txn *txn, struct job *j, json_t **out);
	char retry_key[160];
	int duplicate;
} job;

static accord_status job_call(accord_txn *txn, void *ud, json_t **out)
{
	job *j = ud;
	return j->work(txn, j, out);
}

/* A retried request that was done before is answered from its record,
 * with what again() adds of the current state. */
static accord_status job_work(accord_txn *txn, void *ud, json_t **out)
{
	job *j = ud;
	accord_status st = accord_retry_work(api, txn, j->retry_key[0] ? j->retry_key : NULL, out,
					     &j->duplicate, job_call, j);
	return st == ACCORD_OK && j->duplicate && j->again ? j->again(txn, j, out) : st;
}

static void job_done(accord_plugin_ctx *pc, accord_status st, json_t *out, void *ud)
{
	(void)pc;
	job *j = ud;
	const char *msg = out ? json_string_value(json_object_get(out, "message")) : NULL;
	if (st == ACCORD_OK) {
		if (j->after && !j->duplicate)
			j->after(j, out);
		if (j->req)
			api->reply_ok(j->req, json_incref(out));
	} else if (j->req)
		api->reply_error(j->req, st, msg ? msg : st == ACCORD_E_NOT_FOUND ? "no such proposal"
							  : "could not save");
	json_decref(out);
	json_decref(j->in);
	free(j);
}

/* One job of a request (req NULL: the closing timer). */
static job *job_new(accord_req *req, int64_t id, json_t *in,
		    accord_status (*work)(accord_txn *, job *, json_t **),
		    void (*after)(job *, json_t *))
{
	job *j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	j->req = req;
	j->id = id;
	j->in = in;
	j->work = work;
	j->after = after;
	const accord_principal *w = req ? api->req_principal(req) : NULL;
	snprintf(j->actor, sizeof(j->actor), "%s", w ? api->principal_login(w) : "closing time");
	snprintf(j->org, sizeof(j->org), "%s", w ? api->principal_org(w) : "");
	j->is_partner = w ? api->principal_is_partner(w) : 0;
	accord_retry_key(api, req, j->retry_key, sizeof(j->retry_key));
	return j;
}

static void job_submit(job *j)
{
	if (api->db_run(self, job_work, job_done, j)) {
		accord_req *req = j->req;
		json_decref(j->in);
		free(j);
		if (req)
			api->reply_error(req, ACCORD_E_UNAVAILABLE, "the server is busy, try again");
	}
}

static void run(accord_req *req, int64_t id, json_t *in,
		accord_status (*work)(accord_txn *, job *, json_t **), void (*after)(job *, json_t *))
{
	job *j = job_new(req, id, in, work, after);
	if (!j) {
		json_decref(in);
		if (req)
			api->reply_error(req, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	job_submit(j);
}

/* run() for actions that a group's lead may take on its proposals. */
static void run_scoped(accord_req *req, int64_t id, int64_t group, int need_lead, json_t *in,
		       accord_status (*work)(accord_txn *, job *, json_t **),
		       void (*after)(job *, json_t *))
{
	job *j = job_new(req, id, in, work, after);
	if (!j) {
		json_decref(in);
		if (req)
			api->reply_error(req, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	j->group = group;
	j->need_lead = need_lead;
	job_submit(j);
}

static accord_status fail(json_t **out, accord_status st, const char *msg)
{
	*out = json_pack("{s:s}", "message", msg);
	return st;
}

/* Finds the proposal named by data.proposal that the caller may see;
 * replies not_found (hidden = missing) and returns NULL otherwise. */
static proposal *arg_proposal(accord_req *req, const json_t *d)
{
	const json_t *v = json_object_get(d, "proposal");
	if (!json_is_integer(v)) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "proposal: required integer id");
		return NULL;
	}
	proposal *p = find(json_integer_value(v));
	if (!p || !visible(p, api->req_principal(req))) {
		api->reply_error(req, ACCORD_E_NOT_FOUND, "no such proposal");
		return NULL;
	}
	return p;
}

static const char *str_arg(accord_req *req, const json_t *d, const char *key, size_t max,
			   int required)
{
	const json_t *v = json_object_get(d, key);
	char msg[128];
	if (!v && !required)
		return "";
	if (json_is_string(v) && json_string_length(v) <= max && (json_string_length(v) || !required))
		return json_string_value(v);
	snprintf(msg, sizeof(msg), "%s: %s string of at most %zu bytes", key,
		 required ? "required non-empty" : "a", max);
	api->reply_error(req, ACCORD_E_BAD_REQUEST, msg);
	return NULL;
}

/* closes_at: optional integer, ms since the epoch, in the future. */
static int closes_arg(accord_req *req, const json_t *d, int required, int64_t *out)
{
	const json_t *v = json_object_get(d, "closes_at");
	*out = 0;
	if (!v || json_is_null(v)) {
		if (!required)
			return 0;
	} else if (json_is_integer(v) && json_integer_value(v) > api->now_ms()) {
		*out = json_integer_value(v);
		return 0;
	}
	api->reply_error(req, ACCORD_E_BAD_REQUEST,
			 "closes_at: a time in the future, in milliseconds since the epoch");
	return -1;
}

static const char *PROPOSAL_COLS =
	"id, title, text, scope, kind, state_matter, hide_tally, status, closes_at, voters,"
	" outcome, outcome_statement, close_reason, closed_by, closed_at, review_date,"
	" created_by, created_at, opened_at, close_facts";

static json_t *q1(accord_txn *txn, const char *sql, json_t *params)
{
	json_t *rows = NULL;
	accord_status st = api->txn_exec(txn, sql, params, &rows);
	json_decref(params);
	json_t *r = st == ACCORD_OK ? json_incref(json_array_get(rows, 0)) : NULL;
	json_decref(rows);
	return r;
}

static json_t *proposal_row(accord_txn *txn, int64_t id)
{
	char sql[400];
	snprintf(sql, sizeof(sql), "SELECT %s FROM consensus_proposals WHERE id=?", PROPOSAL_COLS);
	return q1(txn, sql, json_pack("[I]", (json_int_t)id));
}

/* Adds {members, state_counterpart} to out: the active member
 * organisations and the state counterpart, as committed now. */
static void membership_view(accord_txn *txn, json_t *out)
{
	json_t *codes = NULL, *cp = NULL;
	members->voting_orgs(txn, &codes);
	members->state_counterpart(txn, &cp);
	json_object_set_new(out, "members", codes ? codes : json_array());
	json_object_set_new(out, "state_counterpart", cp ? cp : json_null());
}

/* Fills out {proposal, positions, consulted, members, state_counterpart}:
 * what the loop needs to refresh its copy after a change. */
static accord_status snapshot(accord_txn *txn, int64_t id, json_t **out)
{
	json_t *row = proposal_row(txn, id);
	if (!row)
		return ACCORD_E_NOT_FOUND;
	json_t *pos = NULL;
	accord_exec(api, txn,
		      "SELECT org, position, reason, cast_by, cast_at FROM consensus_positions"
		      " WHERE proposal_id=? ORDER BY org",
		      json_pack("[I]", (json_int_t)id), &pos);
	json_t *cons = q1(txn, "SELECT org, view, given_by, at FROM consensus_consults WHERE proposal_id=?",
			  json_pack("[I]", (json_int_t)id));
	*out = json_pack("{s:o,s:o,s:o}", "proposal", row, "positions", pos ? pos : json_array(),
			 "consultation", cons ? cons : json_null());
	membership_view(txn, *out);
	return ACCORD_OK;
}

static void apply_membership(const json_t *snap)
{
	const json_t *members = json_object_get(snap, "members");
	if (members) {
		strv_free(active_members, n_active);
		active_members = strv_from_json(members, &n_active);
	}
	const char *cp = json_string_value(json_object_get(snap, "state_counterpart"));
	snprintf(state_cp, sizeof(state_cp), "%s", cp ? cp : "");
}

static void apply_snapshot(const json_t *snap)
{
	apply_membership(snap);
	sync_proposal(json_object_get(snap, "proposal"), json_object_get(snap, "positions"),
		      json_object_get(snap, "consultation"));
}

/* The reply view of a snapshot for a caller of organisation org: the record
 * of positions is shown to members unless the tally is hidden and the
 * proposal open (then an organisation still sees its own position and
 * reason, to revise them); the state counterpart sees the proposal and its
 * own consultation only, never what the close found missing. */
static json_t *view_for(const json_t *snap, int partner, const char *org)
{
	json_t *row = json_deep_copy(json_object_get(snap, "proposal"));
	json_t *voters = voters_json(row);
	json_object_set_new(row, "voters", voters ? voters : json_array());
	json_object_set_new(row, "state_matter", json_boolean(json_integer_value(json_object_get(row, "state_matter"))));
	json_object_set_new(row, "hide_tally", json_boolean(json_integer_value(json_object_get(row, "hide_tally"))));
	const char *facts = json_string_value(json_object_get(row, "close_facts"));
	json_t *fj = facts ? json_loads(facts, 0, NULL) : NULL;
	json_object_set_new(row, "close_facts", fj ? fj : json_null());
	const json_t *cons = json_object_get(snap, "consultation");
	if (partner && json_is_object(cons) &&
	    strcmp(json_string_value(json_object_get(cons, "org")), org))
		cons = NULL; /* a group's other partners: not theirs to see */
	json_t *v = json_pack("{s:o,s:O}", "proposal", row, "consultation", cons ? (json_t *)cons : json_null());
	if (partner) {
		/* Partners (the state counterpart on a state matter, a group's
		 * partners) see that it closed, never how: an outcome reaches
		 * them by a release only (the portal). */
		static const char *const internal[] = {"voters", "outcome", "outcome_statement",
						       "close_reason", "close_facts", NULL};
		for (const char *const *f = internal; *f; f++)
			json_object_del(row, *f);
		return v;
	}
	int hidden = json_is_true(json_object_get(row, "hide_tally")) &&
		     strcmp(json_string_value(json_object_get(row, "status")), "closed");
	json_t *pos = json_deep_copy(json_object_get(snap, "positions"));
	if (hidden) { /* who responded, not what */
		size_t i;
		json_t *x;
		json_array_foreach(pos, i, x)
		{
			if (!strcmp(json_string_value(json_object_get(x, "org")), org))
				continue;
			json_object_del(x, "position");
			json_object_del(x, "reason");
		}
	}
	json_object_set_new(v, "positions", pos);
	proposal *p = find(json_integer_value(json_object_get(row, "id")));
	if (p)
		json_object_set_new(v, "tally", tally_json(p, 0));
	return v;
}

static void after_change(job *j, json_t *out)
{
	apply_snapshot(out);
	proposal *p = find(j->id);
	json_t *view = view_for(out, j->is_partner, j->org);
	accord_replace(out, view);
	if (p)
		tally_changed(p, !strcmp(p->status, "closed"));
	api->acl_changed(self); /* visibility may follow status (drafts) */
	announce(p, NULL);
}

static accord_status log_action(accord_txn *txn, job *j, const char *action, const char *reason)
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
static accord_status lead_check(accord_txn *txn, job *j, json_t **out)
{
	if (!j->need_lead)
		return ACCORD_OK;
	int lead = groups ? groups->is_lead(txn, j->group, j->org) : 0;
	if (lead < 0)
		return ACCORD_E_INTERNAL;
	return lead ? ACCORD_OK
		    : fail(out, ACCORD_E_FORBIDDEN, "only a co-chair or a lead of the working group can do this");
}

/* The voters of a proposal, in code order: the network's member
 * organisations or, for a working group, those of them in the group (its
 * partners do not vote). */
static accord_status voters_of(accord_txn *txn, int64_t group, json_t **out)
{
	*out = NULL;
	json_t *all = NULL, *in_group = NULL;
	accord_status st = members->voting_orgs(txn, &all);
	if (st != ACCORD_OK || !group) {
		*out = all;
		return st;
	}
	st = groups ? groups->orgs(txn, group, &in_group) : ACCORD_E_NOT_FOUND;
	if (st == ACCORD_E_NOT_FOUND)
		st = ACCORD_OK; /* no such group (any more): nobody votes */
	json_t *codes = json_array();
	size_t i, k;
	json_t *c, *g;
	json_array_foreach(all, i, c) json_array_foreach(in_group, k, g)
	{
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

/* ---------------- consensus.create ---------------- */

static accord_status create_work(accord_txn *txn, job *j, json_t **out)
{
	const json_t *in = j->in;
	accord_status st = lead_check(txn, j, out);
	if (st != ACCORD_OK)
		return st;
	st = accord_exec(
		api, txn,
		"INSERT INTO consensus_proposals(scope, title, text, kind, state_matter, hide_tally,"
		" closes_at, created_by, created_at) VALUES(?,?,?,?,?,?,?,?,?)",
		json_pack("[O,O,O,O,b,b,O,s,I]", json_object_get(in, "scope"), json_object_get(in, "title"),
			  json_object_get(in, "text"),
			  json_object_get(in, "kind"), json_is_true(json_object_get(in, "state_matter")),
			  json_is_true(json_object_get(in, "hide_tally")), json_object_get(in, "closes_at"),
			  j->actor, (json_int_t)api->now_ms()),
		NULL);
	if (st != ACCORD_OK)
		return st;
	j->id = api->txn_last_id(txn);
	if ((st = log_action(txn, j, "create", NULL)) != ACCORD_OK)
		return st;
	return snapshot(txn, j->id, out);
}

static void h_create(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	const accord_principal *w = api->req_principal(req);
	const json_t *scope = json_object_get(d, "scope");
	int64_t group = 0;
	if (scope && !(json_is_string(scope) && (!strcmp(json_string_value(scope), "network") ||
						 !strncmp(json_string_value(scope), "group:", 6)))) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "scope: \"network\" or \"group:<id>\"");
		return;
	}
	if (scope && !strncmp(json_string_value(scope), "group:", 6)) {
		char *end;
		group = strtoll(json_string_value(scope) + 6, &end, 10);
		if (*end || group <= 0 || api->group_access(self, w, group, NULL) != ACCORD_OK ||
		    !is_member(w)) {
			api->reply_error(req, ACCORD_E_NOT_FOUND, "no such group");
			return;
		}
	} else if (!may_create(w)) {
		api->reply_error(req, ACCORD_E_FORBIDDEN, "co-chairs and the secretariat create proposals");
		return;
	}
	const char *title = str_arg(req, d, "title", 300, 1);
	const char *text = title ? str_arg(req, d, "text", 20000, 1) : NULL;
	const char *kind = text ? str_arg(req, d, "kind", 16, 1) : NULL;
	if (!kind)
		return;
	if (strcmp(kind, "decision") && strcmp(kind, "statement")) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "kind: decision or statement");
		return;
	}
	const char *bools[] = {"state_matter", "hide_tally"};
	for (int i = 0; i < 2; i++) {
		const json_t *b = json_object_get(d, bools[i]);
		if (b && !json_is_boolean(b)) {
			char msg[64];
			snprintf(msg, sizeof(msg), "%s: true or false", bools[i]);
			api->reply_error(req, ACCORD_E_BAD_REQUEST, msg);
			return;
		}
	}
	int64_t closes;
	if (closes_arg(req, d, 0, &closes))
		return;
	json_t *in = json_pack("{s:s,s:s,s:s,s:b,s:b,s:o}", "title", title, "text", text, "kind", kind,
			       "state_matter", json_is_true(json_object_get(d, "state_matter")),
			       "hide_tally", json_is_true(json_object_get(d, "hide_tally")), "closes_at",
			       closes ? json_integer(closes) : json_null());
	char sc[40];
	if (group)
		snprintf(sc, sizeof(sc), "group:%lld", (long long)group);
	json_object_set_new(in, "scope", json_string(group ? sc : "network"));
	run_scoped(req, 0, group, !may_create(w) && group, in, create_work, after_change);
}

/* ---------------- consensus.edit ---------------- */

/* A draft is edited by whoever drafted it, a co-chair, or (a working
 * group's draft) a lead organisation's people; once open its text is what
 * the organisations respond to, so it stays as opened.  The creator is
 * read in the transaction, like the lead check. */
static accord_status edit_work(accord_txn *txn, job *j, json_t **out)
{
	json_t *row = proposal_row(txn, j->id);
	if (!row)
		return ACCORD_E_NOT_FOUND;
	int creator = !strcmp(json_string_value(json_object_get(row, "created_by")), j->actor);
	int draft = !strcmp(json_string_value(json_object_get(row, "status")), "draft");
	json_decref(row);
	if (!creator && j->need_lead > 0) {
		accord_status st = lead_check(txn, j, out);
		if (st != ACCORD_OK)
			return st;
	} else if (!creator && j->need_lead < 0)
		return fail(out, ACCORD_E_FORBIDDEN,
			    "only its author or a co-chair can edit a draft");
	if (!draft)
		return fail(out, ACCORD_E_CONFLICT, "only a draft can be edited");
	/* coalesce: a field left out keeps its value; closes_at null clears */
	const json_t *in = j->in;
	const json_t *sm = json_object_get(in, "state_matter"), *ht = json_object_get(in, "hide_tally");
	accord_status st = accord_exec(
		api, txn,
		"UPDATE consensus_proposals SET title=coalesce(?, title), text=coalesce(?, text),"
		" kind=coalesce(?, kind), state_matter=coalesce(?, state_matter),"
		" hide_tally=coalesce(?, hide_tally),"
		" closes_at=CASE WHEN ? THEN ? ELSE closes_at END WHERE id=?",
		json_pack("[O,O,O,o,o,b,O,I]", json_object_get(in, "title") ? json_object_get(in, "title") : json_null(),
			  json_object_get(in, "text") ? json_object_get(in, "text") : json_null(),
			  json_object_get(in, "kind") ? json_object_get(in, "kind") : json_null(),
			  sm ? json_integer(json_is_true(sm)) : json_null(),
			  ht ? json_integer(json_is_true(ht)) : json_null(),
			  json_object_get(in, "closes_at") != NULL,
			  json_object_get(in, "closes_at") ? json_object_get(in, "closes_at") : json_null(),
			  (json_int_t)j->id),
		NULL);
	if (st == ACCORD_OK)
		st = log_action(txn, j, "edit", NULL);
	return st == ACCORD_OK ? snapshot(txn, j->id, out) : st;
}

/* After an edit: the usual refresh, and the new text to everyone who has
 * the draft open (a draft is seen by members, or a group's people). */
static void edit_after(job *j, json_t *out)
{
	after_change(j, out);
	proposal *p = find(j->id);
	if (!p)
		return;
	char topic[40];
	topic_of(p, topic, sizeof(topic));
	accord_audience *a = api->audience_new();
	api->audience_members_only(a);
	api->publish(self, topic, "consensus.edited",
		     json_pack("{s:O}", "proposal", json_object_get(out, "proposal")), a);
	api->audience_free(a);
}

static void h_edit(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	proposal *p = arg_proposal(req, d);
	if (!p)
		return;
	const accord_principal *w = api->req_principal(req);
	json_t *in = json_object();
	static const struct {
		const char *key;
		size_t max;
	} strs[] = {{"title", 300}, {"text", 20000}, {"kind", 16}};
	for (size_t i = 0; i < 3; i++) {
		if (!json_object_get(d, strs[i].key))
			continue;
		const char *v = str_arg(req, d, strs[i].key, strs[i].max, 1);
		if (!v) {
			json_decref(in);
			return;
		}
		json_object_set_new(in, strs[i].key, json_string(v));
	}
	const char *kind = json_string_value(json_object_get(in, "kind"));
	if (kind && strcmp(kind, "decision") && strcmp(kind, "statement")) {
		json_decref(in);
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "kind: decision or statement");
		return;
	}
	const char *bools[] = {"state_matter", "hide_tally"};
	for (int i = 0; i < 2; i++) {
		const json_t *b = json_object_get(d, bools[i]);
		if (!b)
			continue;
		if (!json_is_boolean(b)) {
			char msg[64];
			snprintf(msg, sizeof(msg), "%s: true or false", bools[i]);
			json_decref(in);
			api->reply_error(req, ACCORD_E_BAD_REQUEST, msg);
			return;
		}
		json_object_set(in, bools[i], (json_t *)b);
	}
	if (json_object_get(d, "closes_at")) {
		int64_t closes;
		if (closes_arg(req, d, 0, &closes)) {
			json_decref(in);
			return;
		}
		json_object_set_new(in, "closes_at", closes ? json_integer(closes) : json_null());
	}
	/* need_lead: 0 a co-chair, 1 a group's draft (creator or lead),
	 * -1 a network draft (creator only) */
	int need = is_chair(w) ? 0 : p->group ? 1 : -1;
	run_scoped(req, p->id, p->group, need, in, edit_work, edit_after);
}

/* ---------------- consensus.get / list / decisions ---------------- */

static accord_status get_work(accord_txn *txn, job *j, json_t **out)
{
	return snapshot(txn, j->id, out);
}

static void get_after(job *j, json_t *out)
{
	json_t *view = view_for(out, j->is_partner, j->org);
	accord_replace(out, view);
}

static void h_get(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	proposal *p = arg_proposal(req, d);
	if (p)
		run(req, p->id, NULL, get_work, get_after);
}

/* The ids come from the loop (what the caller may see, decided there);
 * partners' decision register also holds the network's adopted joint
 * statements. */
static accord_status list_work(accord_txn *txn, job *j, json_t **out)
{
	const char *status = json_string_value(json_object_get(j->in, "status"));
	int decisions = json_is_true(json_object_get(j->in, "decisions"));
	json_t *rows = NULL;
	accord_status st = accord_exec(
		api, txn,
		"SELECT id, title, kind, scope, state_matter, hide_tally, status, closes_at, outcome,"
		" outcome_statement, closed_at, review_date, created_by, created_at, opened_at"
		" FROM consensus_proposals WHERE (? = '' OR status = ?) AND (id IN (SELECT value FROM"
		" json_each(?)) OR (? AND kind = 'statement' AND outcome = 'consensus' AND"
		" status = 'closed' AND scope = 'network')) ORDER BY id DESC LIMIT 500",
		json_pack("[s,s,O,b]", status ? status : "", status ? status : "",
			  json_object_get(j->in, "ids"), decisions && j->is_partner),
		&rows);
	if (st != ACCORD_OK)
		return st;
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
	{
		json_object_set_new(r, "state_matter",
				    json_boolean(json_integer_value(json_object_get(r, "state_matter"))));
		json_object_set_new(r, "hide_tally",
				    json_boolean(json_integer_value(json_object_get(r, "hide_tally"))));
	}
	*out = json_pack("{s:o}", decisions ? "decisions" : "proposals", rows);
	return ACCORD_OK;
}

/* Marks, from the loop's copy, the open proposals on which the caller's
 * organisation votes and has not responded yet ("awaiting_you"). */
static void list_after(job *j, json_t *out)
{
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(out, "proposals"), i, r)
	{
		proposal *p = find(json_integer_value(json_object_get(r, "id")));
		int awaiting = p && !j->is_partner && !strcmp(p->status, "open") && is_voter(p, j->org);
		for (size_t k = 0; awaiting && k < p->n_votes; k++)
			awaiting = strcmp(p->votes[k].org, j->org) != 0;
		json_object_set_new(r, "awaiting_you", json_boolean(awaiting));
		if (j->is_partner) { /* an outcome reaches partners by a release only */
			json_object_del(r, "outcome");
			json_object_del(r, "outcome_statement");
		}
	}
}

/* The proposals w may see, from the loop's copy. */
static json_t *visible_ids(const accord_principal *w)
{
	json_t *ids = json_array();
	for (size_t i = 0; i < n_props; i++)
		if (visible(props[i], w))
			json_array_append_new(ids, json_integer(props[i]->id));
	return ids;
}

static void h_list(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	const json_t *s = json_object_get(d, "status");
	if (s && !(json_is_string(s) && (!strcmp(json_string_value(s), "draft") ||
					 !strcmp(json_string_value(s), "open") ||
					 !strcmp(json_string_value(s), "closed")))) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "status: draft, open or closed");
		return;
	}
	json_t *in = json_object();
	if (s)
		json_object_set(in, "status", (json_t *)s);
	json_object_set_new(in, "ids", visible_ids(api->req_principal(req)));
	run(req, 0, in, list_work, list_after);
}

static void h_decisions(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)d;
	(void)ud;
	run(req, 0,
	    json_pack("{s:s,s:b,s:o}", "status", "closed", "decisions", 1, "ids",
		      /* partners' register: adopted joint statements only */
		      is_member(api->req_principal(req)) ? visible_ids(api->req_principal(req))
							 : json_array()),
	    list_work, NULL);
}

/* ---------------- open / extend / reopen / close ---------------- */

/* The committed proposal row for a state change: it must exist, the caller
 * must be allowed (lead_check), and its status must be `want`.  Returns the
 * row, or NULL with *st (and *out's message) set. */
static json_t *row_in_status(accord_txn *txn, job *j, const char *want, const char *conflict,
			     json_t **out, accord_status *st)
{
	json_t *row = proposal_row(txn, j->id);
	if (!row) {
		*st = ACCORD_E_NOT_FOUND;
		return NULL;
	}
	if ((*st = lead_check(txn, j, out)) != ACCORD_OK) {
		json_decref(row);
		return NULL;
	}
	if (strcmp(json_string_value(json_object_get(row, "status")), want)) {
		json_decref(row);
		*st = fail(out, ACCORD_E_CONFLICT, conflict);
		return NULL;
	}
	return row;
}

static accord_status open_work(accord_txn *txn, job *j, json_t **out)
{
	accord_status lst;
	json_t *row = row_in_status(txn, j, "draft", "only a draft can be opened", out, &lst);
	if (!row)
		return lst;
	json_decref(row);
	/* The voters: the network's member organisations, or, for a working
	 * group, the group's member organisations (its partners do not vote). */
	json_t *codes = NULL;
	if (voters_of(txn, j->group, &codes) != ACCORD_OK)
		return ACCORD_E_INTERNAL;
	char *voters = json_dumps(codes, JSON_COMPACT);
	json_decref(codes);
	const json_t *closes = json_object_get(j->in, "closes_at");
	accord_status st = accord_exec(
		api, txn,
		"UPDATE consensus_proposals SET status='open', voters=?, opened_at=?,"
		" closes_at=coalesce(?, closes_at) WHERE id=?",
		json_pack("[s,I,O,I]", voters, (json_int_t)api->now_ms(), closes ? closes : json_null(),
			  (json_int_t)j->id),
		NULL);
	free(voters);
	if (st == ACCORD_OK)
		st = log_action(txn, j, "open", NULL);
	return st == ACCORD_OK ? snapshot(txn, j->id, out) : st;
}

/* Co-chairs act on every proposal; on a working group's proposal, a lead of
 * the group may too (checked in the transaction: *need_lead). */
static int chair_or_lead(accord_req *req, const proposal *p, int *need_lead)
{
	const accord_principal *w = api->req_principal(req);
	*need_lead = 0;
	if (is_chair(w))
		return 1;
	if (p->group && is_member(w)) {
		*need_lead = 1;
		return 1;
	}
	api->reply_error(req, ACCORD_E_FORBIDDEN, "only a co-chair can do this");
	return 0;
}

static void h_open(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	proposal *p = arg_proposal(req, d);
	int nl = 0;
	int64_t closes;
	if (!p || !chair_or_lead(req, p, &nl) || closes_arg(req, d, 0, &closes))
		return;
	run_scoped(req, p->id, p->group, nl, json_pack("{s:o}", "closes_at", closes ? json_integer(closes) : json_null()),
	    open_work, after_change);
}

static accord_status extend_work(accord_txn *txn, job *j, json_t **out)
{
	accord_status lst;
	json_t *row = row_in_status(txn, j, "open", "only an open proposal can be extended", out, &lst);
	if (!row)
		return lst;
	json_decref(row);
	accord_status st = accord_exec(api, txn, "UPDATE consensus_proposals SET closes_at=? WHERE id=?",
					 json_pack("[O,I]", json_object_get(j->in, "closes_at"),
						   (json_int_t)j->id),
					 NULL);
	if (st == ACCORD_OK)
		st = log_action(txn, j, "extend", json_string_value(json_object_get(j->in, "reason")));
	return st == ACCORD_OK ? snapshot(txn, j->id, out) : st;
}

static void h_extend(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	proposal *p = arg_proposal(req, d);
	int nl = 0;
	int64_t closes;
	const char *reason;
	if (!p || !chair_or_lead(req, p, &nl) || closes_arg(req, d, 1, &closes) ||
	    !(reason = str_arg(req, d, "reason", 2000, 0)))
		return;
	run_scoped(req, p->id, p->group, nl, json_pack("{s:I,s:s}", "closes_at", (json_int_t)closes, "reason", reason),
	    extend_work, after_change);
}

static accord_status reopen_work(accord_txn *txn, job *j, json_t **out)
{
	accord_status lst;
	json_t *row = row_in_status(txn, j, "closed", "only a closed proposal can be reopened", out, &lst);
	if (!row)
		return lst;
	json_decref(row);
	accord_status st = accord_exec(
		api, txn,
		"UPDATE consensus_proposals SET status='open', outcome=NULL, outcome_statement=NULL,"
		" close_reason=NULL, closed_by=NULL, closed_at=NULL, close_facts=NULL, closes_at=? WHERE id=?",
		json_pack("[O,I]", json_object_get(j->in, "closes_at"), (json_int_t)j->id), NULL);
	if (st == ACCORD_OK)
		st = log_action(txn, j, "reopen", json_string_value(json_object_get(j->in, "reason")));
	return st == ACCORD_OK ? snapshot(txn, j->id, out) : st;
}

static void h_reopen(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	proposal *p = arg_proposal(req, d);
	int nl = 0;
	int64_t closes;
	const char *reason;
	if (!p || !chair_or_lead(req, p, &nl) || !(reason = str_arg(req, d, "reason", 2000, 1)) ||
	    closes_arg(req, d, 0, &closes))
		return;
	run_scoped(req, p->id, p->group, nl,
	    json_pack("{s:s,s:o}", "reason", reason, "closes_at", closes ? json_integer(closes) : json_null()),
	    reopen_work, after_change);
}

/* Computes the outcome from the committed positions, on the storage
 * thread, so nothing committed before the close can be missed. */
static accord_status close_work(accord_txn *txn, job *j, json_t **out)
{
	accord_status lst;
	json_t *row = row_in_status(txn, j, "open", "only an open proposal can be closed", out, &lst);
	if (!row)
		return lst;
	int64_t closes_at = json_integer_value(json_object_get(row, "closes_at"));
	if (!j->req && (!closes_at || closes_at > api->now_ms())) { /* timer raced an extend */
		json_decref(row);
		return fail(out, ACCORD_E_CONFLICT, "not due");
	}
	json_t *snap = NULL;
	accord_status st = snapshot(txn, j->id, &snap);
	if (st != ACCORD_OK) {
		json_decref(row);
		return st;
	}
	size_t nv, nm;
	json_t *vj = voters_json(row);
	char **voters = strv_from_json(vj, &nv);
	char **members = strv_from_json(json_object_get(snap, "members"), &nm);
	const char **withdrawn = calloc(nv + 1, sizeof(char *));
	size_t nw = 0;
	for (size_t i = 0; i < nv; i++) {
		int act = 0;
		for (size_t k = 0; k < nm; k++)
			act |= !strcmp(voters[i], members[k]);
		if (!act)
			withdrawn[nw++] = voters[i];
	}
	json_t *pos = json_object_get(snap, "positions");
	rule_vote *votes = calloc(json_array_size(pos) + 1, sizeof(*votes));
	size_t i;
	json_t *x;
	json_array_foreach(pos, i, x) votes[i] = (rule_vote){
		json_string_value(json_object_get(x, "org")),
		position_parse(json_string_value(json_object_get(x, "position")))};
	rule_result r;
	int state_matter = (int)json_integer_value(json_object_get(row, "state_matter"));
	int consulted = json_is_object(json_object_get(snap, "consultation"));
	rule_evaluate((const char *const *)voters, nv, withdrawn, nw, votes, json_array_size(pos),
		      state_matter, consulted, &r);
	/* What the close found, as data: the voting organisations (still
	 * active) that had not responded, those that objected, and whether
	 * the state counterpart's view was missing.  No sentence: each
	 * client says it in its reader's language. */
	json_t *missing = json_array(), *objected = json_array();
	for (size_t k = 0; k < nv; k++) {
		int gone = 0;
		for (size_t w = 0; w < nw; w++)
			gone |= !strcmp(voters[k], withdrawn[w]);
		if (gone)
			continue;
		enum position held = POS_NONE;
		json_array_foreach(pos, i, x) if (!strcmp(json_string_value(json_object_get(x, "org")), voters[k]))
			held = position_parse(json_string_value(json_object_get(x, "position")));
		if (held == POS_NONE)
			json_array_append_new(missing, json_string(voters[k]));
		else if (held == POS_OBJECT)
			json_array_append_new(objected, json_string(voters[k]));
	}
	json_t *facts = json_pack("{s:o,s:o,s:b,s:b}", "missing", missing, "objected", objected,
				  "consultation_missing", state_matter && !consulted, "closing_time",
				  j->req == NULL);
	char *facts_txt = json_dumps(facts, JSON_COMPACT);
	json_decref(facts);
	free(votes);
	free(withdrawn);
	strv_free(voters, nv);
	strv_free(members, nm);
	json_decref(vj);
	json_decref(snap);
	json_decref(row);

	/* close_reason: only what the person who closed wrote. */
	const char *reason = json_string_value(json_object_get(j->in, "reason"));
	if (reason && !*reason)
		reason = NULL;
	st = accord_exec(
		api, txn,
		"UPDATE consensus_proposals SET status='closed', outcome=?, outcome_statement=?,"
		" close_reason=?, closed_by=?, closed_at=?, review_date=?, close_facts=? WHERE id=?",
		json_pack("[s,O,s?,s?,I,O,s,I]", r.reached ? "consensus" : "no_consensus",
			  json_object_get(j->in, "outcome") ? json_object_get(j->in, "outcome") : json_null(), reason,
			  j->req ? j->actor : NULL, (json_int_t)api->now_ms(),
			  json_object_get(j->in, "review_date") ? json_object_get(j->in, "review_date") : json_null(),
			  facts_txt ? facts_txt : "{}", (json_int_t)j->id),
		NULL);
	free(facts_txt);
	if (st == ACCORD_OK)
		st = log_action(txn, j, "close", reason);
	return st == ACCORD_OK ? snapshot(txn, j->id, out) : st;
}

static void h_close(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	proposal *p = arg_proposal(req, d);
	int nl = 0;
	const char *outcome, *reason, *review;
	if (!p || !chair_or_lead(req, p, &nl) || !(outcome = str_arg(req, d, "outcome", 20000, 0)) ||
	    !(reason = str_arg(req, d, "reason", 2000, 0)) ||
	    !(review = str_arg(req, d, "review_date", 10, 0)))
		return;
	if (*review && (strlen(review) != 10 || review[4] != '-' || review[7] != '-')) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST, "review_date: YYYY-MM-DD");
		return;
	}
	json_t *in = json_pack("{s:s,s:s}", "outcome", outcome, "reason", reason);
	if (*review)
		json_object_set_new(in, "review_date", json_string(review));
	run_scoped(req, p->id, p->group, nl, in, close_work, after_change);
}

static void close_timer_fired(accord_plugin_ctx *pc, void *ud)
{
	(void)pc;
	proposal *p = find((int64_t)(intptr_t)ud);
	if (!p)
		return;
	p->close_timer = 0;
	if (strcmp(p->status, "open"))
		return;
	/* the closing time: closed by the server itself (closed_by null,
	 * close_facts.closing_time) */
	run(NULL, p->id, json_object(), close_work, after_change);
}

static void schedule_close(proposal *p)
{
	if (p->close_timer)
		api->timer_cancel(self, p->close_timer);
	p->close_timer = 0;
	if (strcmp(p->status, "open") || !p->closes_at)
		return;
	int64_t wait = p->closes_at - api->now_ms();
	p->close_timer = api->timer_add(self, (uint64_t)(wait > 0 ? wait : 0), close_timer_fired,
					(void *)(intptr_t)p->id);
}

/* ---------------- positions and consultation ---------------- */

/* Who may speak for an organisation: its active focal points and
 * alternates (membership's people), checked in the transaction. */
static int speaks_for_org(accord_txn *txn, const char *login)
{
	return members->speaks_for_org(txn, login) == 1;
}

static accord_status position_work(accord_txn *txn, job *j, json_t **out)
{
	json_t *row = proposal_row(txn, j->id);
	if (!row)
		return ACCORD_E_NOT_FOUND;
	int open = !strcmp(json_string_value(json_object_get(row, "status")), "open");
	json_t *voters = voters_json(row);
	int voter = 0;
	size_t i;
	json_t *v;
	json_array_foreach(voters, i, v) voter |= !strcmp(json_string_value(v), j->org);
	json_decref(voters);
	json_decref(row);
	if (!open)
		return fail(out, ACCORD_E_CONFLICT, "the proposal is not open for positions");
	if (!voter)
		return fail(out, ACCORD_E_FORBIDDEN, "your organisation does not vote on this proposal");
	if (!speaks_for_org(txn, j->actor))
		return fail(out, ACCORD_E_FORBIDDEN,
			    "only focal points and alternates state their organisation's position");
	const char *position = json_string_value(json_object_get(j->in, "position"));
	const char *reason = json_string_value(json_object_get(j->in, "reason"));
	/* A re-sent request never gets here (job_work answers it from its
	 * retry key, position_again); request ids are no key, so the log's
	 * request_key stays NULL. */
	int64_t at = api->now_ms();
	accord_status st = accord_exec(
		api, txn,
		"INSERT INTO consensus_log(proposal_id, at, actor, org, action, position, reason)"
		" VALUES(?,?,?,?,'position',?,?)",
		json_pack("[I,I,s,s,s,s]", (json_int_t)j->id, (json_int_t)at, j->actor, j->org,
			  position, reason),
		NULL);
	if (st != ACCORD_OK)
		return st;
	st = accord_exec(api, txn,
			   "INSERT INTO consensus_positions(proposal_id, org, position, reason, cast_by,"
			   " cast_at) VALUES(?,?,?,?,?,?) ON CONFLICT(proposal_id, org) DO UPDATE SET"
			   " position=excluded.position, reason=excluded.reason,"
			   " cast_by=excluded.cast_by, cast_at=excluded.cast_at",
			   json_pack("[I,s,s,s,s,I]", (json_int_t)j->id, j->org, position, reason,
				     j->actor, (json_int_t)at),
			   NULL);
	/* A position changes one organisation's row and nothing else: the
	 * loop applies just that (position_after), in commit order like every
	 * other change, instead of re-reading the whole proposal (a full
	 * snapshot was 6 more queries per position, a quarter of the server's
	 * CPU at 10,000 positions/s).  Membership is re-read (two small
	 * queries): an organisation withdrawn since the open neither votes
	 * nor blocks, and the tally must know at once. */
	if (st == ACCORD_OK && !*out) {
		*out = json_object();
		membership_view(txn, *out);
		json_object_set_new(*out, "cast_at", json_integer((json_int_t)at));
	}
	return st;
}

/* A retried position that was counted before: the reply says so and
 * shows the position the organisation holds now (a colleague may have
 * changed it since), never a new "recorded". */
static accord_status position_again(accord_txn *txn, job *j, json_t **out)
{
	/* The same checks as a first position: a person who no longer speaks
	 * for the organisation learns nothing from a replayed key. */
	if (!speaks_for_org(txn, j->actor)) {
		json_decref(*out);
		return fail(out, ACCORD_E_FORBIDDEN,
			    "only focal points and alternates state their organisation's position");
	}
	json_t *held = q1(txn,
			  "SELECT position, reason, cast_by, cast_at FROM consensus_positions"
			  " WHERE proposal_id=? AND org=?",
			  json_pack("[I,s]", (json_int_t)j->id, j->org));
	json_t *reply = json_pack("{s:I,s:s,s:O?,s:O?,s:O?,s:O?,s:b,s:b}", "proposal",
				  (json_int_t)j->id, "org", j->org, "position",
				  json_object_get(held, "position"), "reason",
				  json_object_get(held, "reason"), "cast_by",
				  json_object_get(held, "cast_by"), "cast_at",
				  json_object_get(held, "cast_at"), "duplicate", 1, "tally_sent", 1);
	json_decref(held);
	json_decref(*out);
	*out = reply;
	return reply ? ACCORD_OK : ACCORD_E_INTERNAL;
}

static void position_after(job *j, json_t *out)
{
	proposal *p = find(j->id);
	if (!p)
		apply_snapshot(out);
	else {
		apply_membership(out);
		int first = 1;
		for (size_t i = 0; i < p->n_votes; i++)
			first &= strcmp(p->votes[i].org, j->org) != 0;
		set_vote(p, j->org, position_parse(json_string_value(json_object_get(j->in, "position"))),
			 json_string_value(json_object_get(j->in, "reason")), j->actor,
			 json_integer_value(json_object_get(out, "cast_at")));
		if (first)
			announce(p, j->org);
	}
	p = find(j->id);
	/* tally_sent: the tally that counts this position was published before
	 * this reply (a subscriber already has it); otherwise it comes with
	 * the next coalesced push. */
	int sent = p && tally_changed(p, 0);
	char recorded[160];
	snprintf(recorded, sizeof(recorded), "cast by %s on behalf of %s", j->actor, j->org);
	json_t *reply = json_pack("{s:I,s:s,s:O,s:O,s:s,s:I,s:s,s:b,s:b}", "proposal",
				  (json_int_t)j->id, "org", j->org, "position",
				  json_object_get(j->in, "position"), "reason",
				  json_object_get(j->in, "reason"), "cast_by", j->actor, "cast_at",
				  (json_int_t)json_integer_value(json_object_get(out, "cast_at")),
				  "recorded", recorded, "duplicate", 0,
				  "tally_sent", sent);
	accord_replace(out, reply);
	api->counter_add(self, "positions", 1);
}

static void h_position(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	proposal *p = arg_proposal(req, d);
	if (!p)
		return;
	const accord_principal *w = api->req_principal(req);
	if (!is_member(w)) {
		api->reply_error(req, ACCORD_E_FORBIDDEN, "partners do not vote");
		return;
	}
	const char *pos = str_arg(req, d, "position", 16, 1);
	const char *reason = pos ? str_arg(req, d, "reason", 4000, 0) : NULL;
	if (!reason)
		return;
	enum position e = position_parse(pos);
	if (e == POS_NONE) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST,
				 "position: agree, reservations, abstain or object");
		return;
	}
	if (position_needs_reason(e) && !*reason) {
		api->reply_error(req, ACCORD_E_BAD_REQUEST,
				 e == POS_OBJECT ? "reason: required with an objection"
						 : "reason: required with reservations");
		return;
	}
	job *j = job_new(req, p->id,
			 json_pack("{s:s,s:s}", "position", position_name(e), "reason", reason),
			 position_work, position_after);
	if (!j) {
		api->reply_error(req, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	j->again = position_again;
	/* A retried request goes to the storage thread even when the proposal
	 * has closed since: it was counted before the close, and its answer
	 * says so.  position_work checks state and voter again in any case. */
	if (!j->retry_key[0]) {
		accord_status st = ACCORD_OK;
		const char *msg = NULL;
		if (strcmp(p->status, "open")) {
			st = ACCORD_E_CONFLICT;
			msg = "the proposal is not open for positions";
		} else if (!is_voter(p, api->principal_org(w))) {
			st = ACCORD_E_FORBIDDEN;
			msg = "your organisation does not vote on this proposal";
		}
		if (st != ACCORD_OK) {
			json_decref(j->in);
			free(j);
			api->reply_error(req, st, msg);
			return;
		}
	}
	job_submit(j);
}

static accord_status consult_work(accord_txn *txn, job *j, json_t **out)
{
	json_t *row = proposal_row(txn, j->id);
	if (!row)
		return ACCORD_E_NOT_FOUND;
	int ok = !strcmp(json_string_value(json_object_get(row, "status")), "open") &&
		 json_integer_value(json_object_get(row, "state_matter"));
	json_decref(row);
	if (!ok)
		return fail(out, ACCORD_E_CONFLICT, "consultation is taken on open state matters");
	if (!speaks_for_org(txn, j->actor))
		return fail(out, ACCORD_E_FORBIDDEN,
			    "only focal points and alternates give the consultation view");
	accord_status st = accord_exec(
		api, txn,
		"INSERT INTO consensus_consults(proposal_id, org, view, given_by, at) VALUES(?,?,?,?,?)"
		" ON CONFLICT(proposal_id) DO UPDATE SET view=excluded.view,"
		" given_by=excluded.given_by, at=excluded.at",
		json_pack("[I,s,O,s,I]", (json_int_t)j->id, j->org, json_object_get(j->in, "view"),
			  j->actor, (json_int_t)api->now_ms()),
		NULL);
	if (st == ACCORD_OK)
		st = log_action(txn, j, "consult", json_string_value(json_object_get(j->in, "view")));
	return st == ACCORD_OK ? snapshot(txn, j->id, out) : st;
}

static void consult_after(job *j, json_t *out)
{
	apply_snapshot(out);
	proposal *p = find(j->id);
	if (p)
		tally_changed(p, 0);
	json_t *reply = json_pack("{s:I,s:s,s:b}", "proposal", (json_int_t)j->id, "org", j->org,
				  "consultation_in", 1);
	accord_replace(out, reply);
}

static void h_consult(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	proposal *p = arg_proposal(req, d);
	if (!p)
		return;
	if (!is_state_cp(api->req_principal(req))) {
		api->reply_error(req, ACCORD_E_FORBIDDEN, "only the state counterpart gives the consultation view");
		return;
	}
	const char *view = str_arg(req, d, "view", 8000, 1);
	if (view)
		run(req, p->id, json_pack("{s:s}", "view", view), consult_work, consult_after);
}

/* ---------------- comments ---------------- */

/* Anyone who sees a proposal may comment on it (partners of a working
 * group comment but do not vote); comments are part of the record. */
static accord_status comment_work(accord_txn *txn, job *j, json_t **out)
{
	json_t *row = proposal_row(txn, j->id);
	int draft = row && !strcmp(json_string_value(json_object_get(row, "status")), "draft");
	json_decref(row);
	if (!row)
		return ACCORD_E_NOT_FOUND;
	if (draft)
		return fail(out, ACCORD_E_CONFLICT, "comments open with the proposal");
	int64_t now = api->now_ms();
	accord_status st = accord_exec(api, txn,
				"INSERT INTO consensus_comments(proposal_id, author, org, partner, text, at)"
				" VALUES(?,?,?,?,?,?)",
				json_pack("[I,s,s,b,O,I]", (json_int_t)j->id, j->actor, j->org, j->is_partner,
					  json_object_get(j->in, "text"), (json_int_t)now),
				NULL);
	if (st != ACCORD_OK)
		return st;
	*out = json_pack("{s:{s:I,s:I,s:s,s:s,s:b,s:O,s:I}}", "comment", "id",
			 (json_int_t)api->txn_last_id(txn), "proposal", (json_int_t)j->id, "author", j->actor,
			 "org", j->org, "partner", j->is_partner, "text", json_object_get(j->in, "text"),
			 "at", (json_int_t)now);
	return ACCORD_OK;
}

static void comment_after(job *j, json_t *out)
{
	proposal *p = find(j->id);
	if (!p)
		return;
	char topic[40];
	topic_of(p, topic, sizeof(topic));
	/* Internal by default: members' comments reach members; a partner's
	 * comment reaches members and its own organisation, never another
	 * partner. */
	accord_audience *a = api->audience_new();
	api->audience_add_members(a);
	if (j->is_partner)
		api->audience_add_org(a, j->org);
	api->publish(self, topic, "consensus.comment", json_deep_copy(json_object_get(out, "comment")), a);
	api->audience_free(a);
}

static void h_comment(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	proposal *p = arg_proposal(req, d);
	const char *text = p ? str_arg(req, d, "text", 8000, 1) : NULL;
	if (text)
		run(req, p->id, json_pack("{s:s}", "text", text), comment_work, comment_after);
}

static accord_status comments_work(accord_txn *txn, job *j, json_t **out)
{
	json_t *rows = NULL;
	accord_status st = accord_exec(api, txn,
				"SELECT id, author, org, partner, text, at FROM consensus_comments"
				" WHERE proposal_id=? AND (NOT ? OR (partner AND org=?)) ORDER BY id",
				json_pack("[I,b,s]", (json_int_t)j->id, j->is_partner, j->org), &rows);
	if (st != ACCORD_OK)
		return st;
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
		json_object_set_new(r, "partner", json_boolean(json_integer_value(json_object_get(r, "partner"))));
	*out = json_pack("{s:o}", "comments", rows);
	return ACCORD_OK;
}

static void h_comments(accord_plugin_ctx *pc, accord_req *req, const json_t *d, void *ud)
{
	(void)pc;
	(void)ud;
	proposal *p = arg_proposal(req, d);
	if (p)
		run(req, p->id, NULL, comments_work, NULL);
}

/* ---------------- export of a closed proposal's record ---------------- */

typedef struct xjob {
	accord_http *h;
	int64_t id;
	int csv;
} xjob;

static accord_status export_work(accord_txn *txn, void *ud, json_t **out)
{
	xjob *x = ud;
	accord_status st = snapshot(txn, x->id, out);
	if (st != ACCORD_OK)
		return st;
	json_t *log = NULL;
	accord_exec(api, txn,
		      "SELECT at, actor, org, action, position, reason FROM consensus_log"
		      " WHERE proposal_id=? ORDER BY id",
		      json_pack("[I]", (json_int_t)x->id), &log);
	json_object_set_new(*out, "log", log ? log : json_array());
	return ACCORD_OK;
}

static void export_done(accord_plugin_ctx *pc, accord_status st, json_t *snap, void *ud)
{
	(void)pc;
	xjob *x = ud;
	const json_t *row = json_object_get(snap, "proposal");
	if (st != ACCORD_OK || !row) {
		api->http_respond(x->h, 404, "application/json", "{\"error\":\"not_found\"}", 21);
	} else if (strcmp(json_string_value(json_object_get(row, "status")), "closed")) {
		const char *m = "{\"error\":\"conflict\",\"message\":\"the record is exported once the proposal is closed\"}";
		api->http_respond(x->h, 409, "application/json", m, strlen(m));
	} else if (!x->csv) {
		json_t *r = json_object_get(snap, "proposal");
		const char *facts = json_string_value(json_object_get(r, "close_facts"));
		json_t *fj = facts ? json_loads(facts, 0, NULL) : NULL;
		json_object_set_new(r, "close_facts", fj ? fj : json_null());
		char *s = json_dumps(snap, JSON_INDENT(2) | JSON_SORT_KEYS);
		api->http_respond(x->h, 200, "application/json", s, strlen(s));
		free(s);
	} else {
		/* <accord/csv.h>: the one CSV writer (quoting, formula prefix). */
		accord_csv c = {0};
		const char *hdr[] = {"org", "position", "reason", "cast_by", "cast_at"};
		for (int i = 0; i < 5; i++)
			accord_csv_field(&c, hdr[i]);
		accord_csv_end_row(&c);
		size_t i;
		const json_t *p;
		json_array_foreach(json_object_get(snap, "positions"), i, p)
		{
			char at[32];
			snprintf(at, sizeof(at), "%lld", (long long)json_integer_value(json_object_get(p, "cast_at")));
			accord_csv_field(&c, json_string_value(json_object_get(p, "org")));
			accord_csv_field(&c, json_string_value(json_object_get(p, "position")));
			accord_csv_field(&c, json_string_value(json_object_get(p, "reason")));
			accord_csv_field(&c, json_string_value(json_object_get(p, "cast_by")));
			accord_csv_field(&c, at);
			accord_csv_end_row(&c);
		}
		size_t len;
		char *buf = accord_csv_finish(&c, &len);
		if (buf)
			api->http_respond(x->h, 200, "text/csv; charset=utf-8", buf, len);
		else
			api->http_respond(x->h, 500, "application/json", "{\"error\":\"internal\"}", 20);
		free(buf);
	}
	json_decref(snap);
	free(x);
}

static void http_record(accord_plugin_ctx *pc, accord_http *h, const accord_principal *w, void *ud)
{
	(void)ud;
	const char *id = api->http_query(h, "proposal"), *fmt = api->http_query(h, "format");
	if (!w) {
		api->http_respond(h, 401, "application/json", "{\"error\":\"unauthenticated\"}", 27);
		return;
	}
	char *end = NULL;
	long long pid = id ? strtoll(id, &end, 10) : 0;
	proposal *p = id && end && !*end ? find(pid) : NULL;
	if (!p || !is_member(w)) { /* the record is internal */
		api->http_respond(h, 404, "application/json", "{\"error\":\"not_found\"}", 21);
		return;
	}
	xjob *x = calloc(1, sizeof(*x));
	x->h = h;
	x->id = p->id;
	x->csv = fmt && !strcmp(fmt, "csv");
	if (api->db_run(pc, export_work, export_done, x)) {
		free(x);
		api->http_respond(h, 503, "application/json", "{\"error\":\"unavailable\"}", 23);
	}
}

/* ---------------- start-up ---------------- */

static accord_status load_work(accord_txn *txn, void *ud, json_t **out)
{
	(void)ud;
	json_t *ids = NULL;
	accord_status st = api->txn_exec(txn, "SELECT id FROM consensus_proposals ORDER BY id", NULL, &ids);
	if (st != ACCORD_OK)
		return st;
	json_t *snaps = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(ids, i, r)
	{
		json_t *s = NULL;
		if (snapshot(txn, json_integer_value(json_object_get(r, "id")), &s) == ACCORD_OK)
			json_array_append_new(snaps, s);
	}
	json_decref(ids);
	/* members and the state counterpart, even with no proposal yet */
	*out = json_pack("{s:o}", "snapshots", snaps);
	membership_view(txn, *out);
	return ACCORD_OK;
}

static void load_done(accord_plugin_ctx *pc, accord_status st, json_t *out, void *ud)
{
	(void)pc;
	(void)ud;
	if (st != ACCORD_OK) {
		api->log(self, ACCORD_LOG_ERR, "could not load proposals");
		json_decref(out);
		return;
	}
	strv_free(active_members, n_active);
	active_members = strv_from_json(json_object_get(out, "members"), &n_active);
	const char *cp = json_string_value(json_object_get(out, "state_counterpart"));
	snprintf(state_cp, sizeof(state_cp), "%s", cp ? cp : "");
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(out, "snapshots"), i, s) apply_snapshot(s);
	api->log(self, ACCORD_LOG_INFO, "%zu proposals loaded", n_props);
	json_decref(out);
}

/* What partners see of a released proposal: its text and outcome, never
 * its positions or tally. */
static accord_status describe_proposal(accord_txn *txn, const char *id, json_t **out, void *ud)
{
	(void)ud;
	return accord_describe_row(api, txn,
				   "SELECT id, title, text, kind, scope, status, outcome, outcome_statement,"
				   " closed_at, review_date FROM consensus_proposals WHERE id=?",
				   id, 1, out);
}

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
		int64_t group = scope && !strncmp(scope, "group:", 6) ? strtoll(scope + 6, NULL, 10) : 0;
		json_object_del(r, "scope");
		json_object_set_new(r, "group", json_integer(group));
		*out = json_incref(r);
	}
	json_decref(rows);
	return r ? ACCORD_OK : ACCORD_E_NOT_FOUND;
}

static const accord_decisions_svc decisions_table = {
	.size = sizeof(accord_decisions_svc),
	.decision = svc_decision,
};

static const accord_service_ref provides[] = {
	{ACCORD_SVC_DECISIONS, ACCORD_SVC_DECISIONS_V, 0}, {NULL, 0, 0}};
static const accord_service_ref requires[] = {{ACCORD_SVC_MEMBERS, ACCORD_SVC_MEMBERS_V, 0},
					      {ACCORD_SVC_GROUPS, ACCORD_SVC_GROUPS_V, 1},
					      {NULL, 0, 0}};

static accord_status init(accord_plugin_ctx *p, const accord_host_api *host, const json_t *cfg)
{
	api = host;
	self = p;
	if (ACCORD_API_HAS(api, item_kind) &&
	    api->item_kind(p, "proposal", describe_proposal, NULL))
		return ACCORD_E_INTERNAL;
	if (!ACCORD_API_HAS(api, service_import))
		return ACCORD_E_INTERNAL;
	members = api->service_import(p, ACCORD_SVC_MEMBERS, ACCORD_SVC_MEMBERS_V);
	groups = api->service_import(p, ACCORD_SVC_GROUPS, ACCORD_SVC_GROUPS_V);
	if (!members || api->service_export(p, ACCORD_SVC_DECISIONS, ACCORD_SVC_DECISIONS_V,
					    &decisions_table))
		return ACCORD_E_INTERNAL;
	const json_t *rate = json_object_get(cfg, "tally_max_per_sec");
	if (rate) {
		if (!json_is_integer(rate) || json_integer_value(rate) < 0 || json_integer_value(rate) > 1000) {
			api->log(p, ACCORD_LOG_ERR,
				 "plugins.enabled.consensus.tally_max_per_sec: expected an integer from 0 "
				 "(no coalescing) to 1000");
			return ACCORD_E_BAD_REQUEST;
		}
		tally_interval_ms = json_integer_value(rate) ? 1000 / json_integer_value(rate) : 0;
	}
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)cfg, key, v) if (strcmp(key, "tally_max_per_sec"))
	{
		api->log(p, ACCORD_LOG_ERR, "plugins.enabled.consensus.%s: unknown key", key);
		return ACCORD_E_BAD_REQUEST;
	}
	if (api->handle(p, "create", h_create, 0, NULL) || api->handle(p, "get", h_get, ACCORD_REQ_PARTNER, NULL) ||
	    api->handle(p, "list", h_list, ACCORD_REQ_PARTNER, NULL) || api->handle(p, "open", h_open, 0, NULL) ||
	    api->handle(p, "position", h_position, 0, NULL) ||
	    api->handle(p, "consult", h_consult, ACCORD_REQ_PARTNER, NULL) || api->handle(p, "close", h_close, 0, NULL) ||
	    api->handle(p, "extend", h_extend, 0, NULL) || api->handle(p, "reopen", h_reopen, 0, NULL) ||
	    api->handle(p, "decisions", h_decisions, ACCORD_REQ_PARTNER, NULL) ||
	    api->handle(p, "comment", h_comment, ACCORD_REQ_PARTNER, NULL) ||
	    api->handle(p, "comments", h_comments, ACCORD_REQ_PARTNER, NULL) ||
	    api->handle(p, "edit", h_edit, 0, NULL) ||
	    api->topic_register(p, "proposal", check_topic, NULL) ||
	    api->topic_register(p, "proposals", check_list_topic, NULL) ||
	    api->http_route(p, "record", http_record, NULL))
		return ACCORD_E_INTERNAL;
	api->db_run(p, load_work, load_done, NULL);
	return ACCORD_OK;
}

static void fini(accord_plugin_ctx *p)
{
	(void)p;
	for (size_t i = 0; i < n_props; i++) {
		strv_free(props[i]->voters, props[i]->n_voters);
		clear_votes(props[i]);
		free(props[i]->votes);
		json_decref(props[i]->consultation);
		free(props[i]);
	}
	free(props);
	props = NULL;
	n_props = cap_props = 0;
	strv_free(active_members, n_active);
	active_members = NULL;
	n_active = 0;
}

static const accord_plugin desc = {
	.abi_major = ACCORD_ABI_MAJOR,
	.struct_size = sizeof(accord_plugin),
	.name = "consensus",
	.version = "1.0.0",
	.description = "live consensus polling: proposals, positions per organisation, decisions",
	.init = init,
	.fini = fini,
	.migrations = migrations,
	.provides = provides,
	.requires = requires,
};

ACCORD_EXPORT const accord_plugin *accord_plugin_entry(void) { return &desc; }
