/*
 * The loop's side: a copy of what the topic checks need of each meeting
 * (its group, its status, its partner invitees), kept in step with commits,
 * and the events of topic "meeting:<id>".
 *
 * Who may subscribe to meeting:<id> is who may see the meeting (access.c
 * decides the same in the transaction): members for a network meeting; a
 * group's organisations (the core's group provider), the co-chairs and the
 * secretariat for a group meeting; a partner once the meeting is convened
 * and only when invited.  Events are internal (members only) unless said
 * otherwise: the current item reaches the invited partners when the item is
 * shared.
 */
#include "meetings.h"

typedef struct acl {
	int64_t id, group;
	int draft;
	int open;         /* convened or in session: live presence may count */
	json_t *partners; /* codes of the partner organisations invited */
} acl;

static acl *acls;
static size_t n_acls, cap_acls;

/* A person connected now, with their number of connections (live presence,
 * below). */
typedef struct online {
	int64_t id;
	char login[64];
	char org[33];
	int conns;
} online;
static online *ons;
static size_t n_ons, cap_ons;

static acl *find(int64_t id)
{
	for (size_t i = 0; i < n_acls; i++)
		if (acls[i].id == id)
			return &acls[i];
	return NULL;
}

/* a = {id, group, status, partners: [codes]} */
static void set(const json_t *a)
{
	int64_t id = json_integer_value(json_object_get(a, "id"));
	if (!id)
		return;
	acl *e = find(id);
	if (!e) {
		if (n_acls == cap_acls) {
			size_t cap = cap_acls ? cap_acls * 2 : 64;
			acl *n = realloc(acls, cap * sizeof(*n));
			if (!n)
				return; /* the meeting stays unsubscribable: deny by default */
			acls = n;
			cap_acls = cap;
		}
		e = &acls[n_acls++];
		memset(e, 0, sizeof(*e));
		e->id = id;
	}
	e->group = json_integer_value(json_object_get(a, "group"));
	const char *status = json_string_value(json_object_get(a, "status"));
	e->draft = !status || !strcmp(status, "draft");
	e->open = status && (!strcmp(status, "convened") || !strcmp(status, "in_session"));
	json_decref(e->partners);
	e->partners = json_incref(json_object_get(a, "partners"));
}

void live__reset(void)
{
	for (size_t i = 0; i < n_acls; i++)
		json_decref(acls[i].partners);
	free(acls);
	acls = NULL;
	n_acls = cap_acls = 0;
	free(ons);
	ons = NULL;
	n_ons = cap_ons = 0;
}

static int partner_invited(const acl *e, const char *org)
{
	size_t i;
	json_t *c;
	json_array_foreach(e->partners, i, c)
		if (!strcmp(json_string_value(c), org))
			return 1;
	return 0;
}

accord_status live__check_topic(accord_plugin_ctx *p, const accord_principal *w, const char *topic,
				void *ud)
{
	(void)ud;
	char *end = NULL;
	if (strncmp(topic, "meeting:", 8))
		return ACCORD_E_NOT_FOUND;
	long long id = strtoll(topic + 8, &end, 10);
	const acl *e = id > 0 && end && !*end ? find(id) : NULL;
	if (!e)
		return ACCORD_E_NOT_FOUND;
	if (api->principal_is_partner(w))
		return !e->draft && partner_invited(e, api->principal_org(w)) ? ACCORD_OK
									      : ACCORD_E_NOT_FOUND;
	if (!e->group || api->principal_has_role(w, "co_chair") ||
	    api->principal_has_role(w, "secretariat"))
		return ACCORD_OK;
	return api->group_access(p, w, e->group, NULL) == ACCORD_OK ? ACCORD_OK : ACCORD_E_NOT_FOUND;
}

static void topic_of(int64_t id, char *buf, size_t n)
{
	snprintf(buf, n, "meeting:%lld", (long long)id);
}

void live__publish(int64_t id, const char *event, json_t *data, int to_partners)
{
	char topic[40];
	topic_of(id, topic, sizeof(topic));
	accord_audience *a = api->audience_new();
	const acl *e = find(id);
	if (to_partners && e) {
		if (to_partners == 1)
			api->audience_add_members(a);
		size_t i;
		json_t *c;
		json_array_foreach(e->partners, i, c)
			api->audience_add_org(a, json_string_value(c));
	} else
		api->audience_members_only(a);
	api->publish(self, topic, event, data, a);
	api->audience_free(a);
}

/* Every job's after: takes the copy's refresh (_acl) and the live event
 * (_live: {event, data, partners}) out of the reply, applies and publishes
 * them, then, when the job logged a change, a meetings.changed for open
 * pages to reload. */
accord_status live__after(accord_job *j, json_t **out)
{
	json_t *a = json_object_get(*out, "_acl");
	if (a) {
		int was_draft = find(j->id) ? find(j->id)->draft : 1;
		set(a);
		const acl *e = find(j->id);
		if (e && was_draft != e->draft)
			api->acl_changed(self);
	}
	/* a proposal opened in this job's transaction (decisions.c) */
	const json_t *opened = json_object_get(*out, "_opened");
	if (opened && decisions_svc && ACCORD_SERVICE_HAS(decisions_svc, opened))
		decisions_svc->opened(self, opened);
	json_object_del(*out, "_opened");
	json_t *evs = json_incref(json_object_get(*out, "_live"));
	int write = ((const job_who *)j->state)->logged;
	json_object_del(*out, "_acl");
	json_object_del(*out, "_live");
	size_t i;
	json_t *ev;
	json_array_foreach(evs, i, ev)
		live__publish(j->id, json_string_value(json_object_get(ev, "event")),
			      json_incref(json_object_get(ev, "data")),
			      (int)json_integer_value(json_object_get(ev, "partners")));
	json_decref(evs);
	if (write && j->id)
		live__publish(j->id, "meetings.changed",
			      json_pack("{s:I,s:s}", "meeting", (json_int_t)j->id, "by", j->actor),
			      0);
	return ACCORD_OK;
}

static accord_status load_work(accord_txn *txn, void *ud, json_t **out)
{
	(void)ud;
	json_t *rows = NULL, *inv = NULL;
	accord_status st = accord_exec(api, txn,
				       "SELECT id, grp AS \"group\", status FROM"
				       " meetings_meetings",
				       NULL, &rows);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "SELECT meeting, org FROM meetings_invitees WHERE capacity <> 'member'",
				 NULL, &inv);
	if (st != ACCORD_OK) {
		json_decref(rows);
		json_decref(inv);
		return st;
	}
	size_t i, k;
	json_t *r, *v;
	json_array_foreach(rows, i, r) {
		json_t *partners = json_array();
		json_array_foreach(inv, k, v)
			if (json_equal(json_object_get(v, "meeting"), json_object_get(r, "id")))
				json_array_append(partners, json_object_get(v, "org"));
		json_object_set_new(r, "partners", partners);
	}
	json_decref(inv);
	*out = rows;
	return ACCORD_OK;
}

static void load_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)ud;
	if (st != ACCORD_OK)
		api->log(p, ACCORD_LOG_ERR, "cannot load the meetings: their topics stay closed");
	size_t i;
	json_t *r;
	json_array_foreach(out, i, r)
		set(r);
	json_decref(out);
	api->acl_changed(p);
}

void live__load(void) { api->db_run(self, load_work, load_done, NULL); }

/* ---------------- live presence ----------------
 * Who is connected now (a person's connections, from the core's login,
 * logout and disconnect events, as the membership plugin's presence): a
 * person's first connection opens, their last one going closes, an
 * attendance interval with source "presence" on every meeting in session
 * that invites their organisation (session.c decides it in the
 * transaction, in the order of the events).  meetings.start takes the
 * people connected at that moment (live__online). */

json_t *live__online(void)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n_ons; i++)
		json_array_append_new(a, json_pack("{s:s,s:s}", "login", ons[i].login, "org",
						   ons[i].org));
	return a;
}

/* The after of a presence job: each meeting whose attendance changed gets
 * its indicator and a meetings.changed. */
static accord_status presence_after(accord_job *j, json_t **out)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(*out, "changed"), i, c) {
		int64_t id = json_integer_value(json_object_get(c, "meeting"));
		json_t *a = json_object_get(c, "attendance");
		json_object_set_new(a, "meeting", json_integer(id));
		live__publish(id, "meetings.attendance", json_incref(a), 0);
		live__publish(id, "meetings.changed",
			      json_pack("{s:I,s:s}", "meeting", (json_int_t)id, "by", j->actor), 0);
	}
	return ACCORD_OK;
}

/* Whether a presence change can matter: a meeting in session, or one
 * convened that may start (its start takes the people connected then from
 * live__online, so a login before it needs no job).  With none, a login or
 * a last disconnect costs no storage job. */
static int any_open(void)
{
	for (size_t i = 0; i < n_acls; i++)
		if (acls[i].open)
			return 1;
	return 0;
}

static void presence_job(const online *o, int now_online)
{
	if (!any_open())
		return;
	accord_job *j = accord_job_new(api, self, NULL,
				       json_pack("{s:s,s:s,s:b}", "login", o->login, "org", o->org,
						 "online", now_online),
				       session__presence_work, presence_after, sizeof(job_who));
	if (!j) {
		api->log(self, ACCORD_LOG_ERR, "%s's presence could not reach the meetings",
			 o->login);
		return;
	}
	snprintf(j->actor, sizeof(j->actor), "%s", o->login);
	snprintf(j->org, sizeof(j->org), "%s", o->org);
	accord_job_submit(j);
}

static void on_core_event(accord_plugin_ctx *p, accord_core_event ev, const char *name,
			  const json_t *data, const accord_principal *who, void *ud)
{
	(void)p;
	(void)name;
	(void)data;
	(void)ud;
	if (!who)
		return;
	int64_t id = api->principal_id(who);
	online *o = NULL;
	for (size_t i = 0; i < n_ons && !o; i++)
		if (ons[i].id == id)
			o = &ons[i];
	if (ev == ACCORD_EV_LOGIN) {
		if (!o) {
			if (n_ons == cap_ons) {
				size_t cap = cap_ons ? cap_ons * 2 : 16;
				online *n = realloc(ons, cap * sizeof(*n));
				if (!n) {
					api->log(self, ACCORD_LOG_ERR,
						 "out of memory: presence not kept");
					return;
				}
				ons = n;
				cap_ons = cap;
			}
			o = &ons[n_ons++];
			memset(o, 0, sizeof(*o));
			o->id = id;
			snprintf(o->login, sizeof(o->login), "%s", api->principal_login(who));
			snprintf(o->org, sizeof(o->org), "%s", api->principal_org(who));
		}
		if (o->conns++ == 0)
			presence_job(o, 1);
	} else if ((ev == ACCORD_EV_LOGOUT || ev == ACCORD_EV_DISCONNECT) && o && o->conns > 0) {
		if (--o->conns == 0) {
			online gone = *o;
			*o = ons[--n_ons];
			presence_job(&gone, 0);
		}
	}
}

int live__listen(void)
{
	return api->listen(self, ACCORD_EV_LOGIN, on_core_event, NULL) ||
	       api->listen(self, ACCORD_EV_LOGOUT, on_core_event, NULL) ||
	       api->listen(self, ACCORD_EV_DISCONNECT, on_core_event, NULL);
}
