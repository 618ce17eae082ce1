/*
 * Keeping the loop's copy in step with the database (start-up load,
 * snapshots after each change) and what goes out live: the tally, coalesced
 * per proposal, and the announcements of the list of proposals.
 */
#include "consensus.h"

void live__topic(const proposal *p, char *buf, size_t n)
{
	snprintf(buf, n, "proposal:%lld", (long long)p->id);
}

static void push_tally(proposal *p)
{
	char topic[40];
	live__topic(p, topic, sizeof(topic));
	p->dirty = 0;
	tally__pushed(p, plugin__tally_interval_ms, api->now_ms());
	accord_audience *a = api->audience_new();
	api->audience_members_only(a);
	json_t *tally = tally__event(p);
	if (tally)
		api->publish(self, topic, "consensus.tally", tally, a);
	api->audience_free(a);
	const char *state_cp = tally__state_counterpart();
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
	proposal *p = tally__find((int64_t)(intptr_t)ud);
	if (!p)
		return;
	p->tally_timer = 0;
	if (p->dirty)
		push_tally(p);
}

int live__tally_changed(proposal *p, int final)
{
	int64_t wait;
	switch (tally__coalesce(p, final, plugin__tally_interval_ms, api->now_ms(), &wait)) {
	case TALLY_PUSH_NOW:
		if (p->tally_timer)
			api->timer_cancel(self, p->tally_timer);
		p->tally_timer = 0;
		push_tally(p);
		return 1;
	case TALLY_PUSH_LATER:
		p->tally_timer = api->timer_add(self, (uint64_t)wait, tally_timer_fired,
						(void *)(intptr_t)p->id);
		break;
	case TALLY_PUSH_ARMED: break;
	}
	p->dirty = 1;
	return 0;
}

/* Tells dashboards that a network proposal was created, opened, closed,
 * reopened or that an organisation responded for the first time, so lists
 * and "awaiting your organisation" badges follow without a reload.  A
 * working group's proposals are not announced here: not every member may
 * know of them. */
void live__announce(const proposal *p, const char *org_responded)
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

void live__apply_membership(const json_t *snap)
{
	tally__set_membership(json_object_get(snap, "members"),
			      json_string_value(json_object_get(snap, "state_counterpart")));
}

void live__apply_snapshot(const json_t *snap)
{
	live__apply_membership(snap);
	const json_t *row = json_object_get(snap, "proposal");
	proposal *p = tally__sync(row, json_object_get(snap, "positions"),
				  json_object_get(snap, "consultation"));
	if (!p) {
		api->log(self, ACCORD_LOG_ERR,
			 "proposal %lld: out of memory, the live tally may be stale",
			 (long long)json_integer_value(json_object_get(row, "id")));
		p = tally__find(json_integer_value(json_object_get(row, "id")));
	}
	if (p)
		status__schedule_close(p);
}

accord_status live__after_change(accord_job *j, json_t **out)
{
	live__apply_snapshot(*out);
	proposal *p = tally__find(j->id);
	json_t *view = view__for_caller(*out, j->partner, j->org);
	if (p)
		live__tally_changed(p, !strcmp(p->status, "closed"));
	api->acl_changed(self); /* visibility may follow status (drafts) */
	live__announce(p, NULL);
	if (!view) /* committed, but the caller's view could not be made */
		return accord_job_fail(out, ACCORD_E_INTERNAL, "out of memory");
	json_decref(*out);
	*out = view;
	return ACCORD_OK;
}

/* ---- start-up: the loop's copy of every proposal ---- */

static accord_status load_work(accord_txn *txn, void *ud, json_t **out)
{
	(void)ud;
	json_t *ids = NULL;
	accord_status st = api->txn_exec(txn, "SELECT id FROM consensus_proposals ORDER BY id",
					 NULL, &ids);
	if (st != ACCORD_OK)
		return st;
	json_t *snaps = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(ids, i, r) {
		json_t *s = NULL;
		st = store__snapshot(txn, json_integer_value(json_object_get(r, "id")), &s);
		if (st != ACCORD_OK || json_array_append_new(snaps, s))
			break;
	}
	json_decref(ids);
	if (st != ACCORD_OK) {
		json_decref(snaps);
		return st;
	}
	/* members and the state counterpart, even with no proposal yet */
	*out = json_pack("{s:o}", "snapshots", snaps);
	if (!*out)
		return ACCORD_E_INTERNAL;
	return store__membership(txn, *out);
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
	live__apply_membership(out);
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(out, "snapshots"), i, s)
		live__apply_snapshot(s);
	api->log(self, ACCORD_LOG_INFO, "%zu proposals loaded", tally__count());
	json_decref(out);
}

/* When the storage thread does not take jobs (accord init, which only
 * migrates), there is nothing to load: init goes on without. */
void live__load(void) { api->db_run(self, load_work, load_done, NULL); }

/* ---- changes of the members list (accord.members watch) ----
 * A new state counterpart, an organisation withdrawn or admitted: the
 * loop's copy follows at once, so that who sees a state matter and who
 * is counted as a member is decided from what is committed now, not from
 * the last proposal change. */

static accord_status members_work(accord_txn *txn, void *ud, json_t **out)
{
	(void)ud;
	*out = json_object();
	return *out ? store__membership(txn, *out) : ACCORD_E_INTERNAL;
}

static void members_done(accord_plugin_ctx *pc, accord_status st, json_t *out, void *ud)
{
	(void)pc;
	(void)ud;
	if (st == ACCORD_OK) {
		live__apply_membership(out);
		api->acl_changed(self);
		/* who is counted, pending or withdrawn may have changed: every
		 * open proposal's subscribers get the tally as it is now */
		for (size_t i = 0; i < tally__count(); i++) {
			proposal *p = tally__at(i);
			if (!strcmp(p->status, "open"))
				live__tally_changed(p, 0);
		}
	} else
		api->log(self, ACCORD_LOG_ERR, "could not reload the members list after a change");
	json_decref(out);
}

void live__members_changed(accord_plugin_ctx *who, const json_t *change, void *ud)
{
	(void)who;
	(void)change;
	(void)ud;
	if (api->db_run(self, members_work, members_done, NULL))
		api->log(self, ACCORD_LOG_ERR,
			 "could not reload the members list after a change: queue full");
}
