/*
 * Service "accord.members" (include/accord/services/members.h): what other
 * plugins may know of the members list, read from this plugin's tables in
 * the caller's transaction.  Each function runs its statements as this
 * plugin (txn_enter/txn_leave): the storage layer lets a plugin's
 * statements touch only its own tables.
 */
#include "service.h"

#include <accord/helpers.h>
#include <accord/services/members.h>
#include <stdlib.h>
#include <string.h>

static const accord_host_api *api;
static accord_plugin_ctx *self;

typedef struct watcher {
	accord_plugin_ctx *who;
	accord_members_watch_fn fn;
	void *ud;
} watcher;
static watcher *watchers;
static int n_watchers, cap_watchers;

/* Runs sql as this plugin; *rows an array, NULL unless ACCORD_OK. */
static accord_status run(accord_txn *txn, const char *sql, json_t *params, json_t **rows)
{
	api->txn_enter(txn, self);
	accord_status st = api->txn_exec(txn, sql, params, rows);
	api->txn_leave(txn);
	json_decref(params);
	return st;
}

/* "a,b" -> ["a","b"] */
static json_t *roles_array(const char *csv)
{
	json_t *a = json_array();
	while (a && csv && *csv) {
		const char *e = strchr(csv, ',');
		size_t n = e ? (size_t)(e - csv) : strlen(csv);
		if (n)
			json_array_append_new(a, json_stringn(csv, n));
		csv = e ? e + 1 : NULL;
	}
	return a;
}

static accord_status codes_of(accord_status st, json_t *rows, json_t **out)
{
	if (st != ACCORD_OK)
		return st;
	json_t *codes = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
		json_array_append(codes, json_object_get(r, "code"));
	json_decref(rows);
	if (!codes)
		return ACCORD_E_INTERNAL;
	*out = codes;
	return ACCORD_OK;
}

static accord_status voting_orgs(accord_txn *txn, json_t **out)
{
	*out = NULL;
	json_t *rows = NULL;
	accord_status st = run(txn,
			       "SELECT code FROM members_orgs WHERE active=1 AND standing='member'"
			       " ORDER BY code",
			       NULL, &rows);
	return codes_of(st, rows, out);
}

static accord_status state_counterpart(accord_txn *txn, json_t **out)
{
	*out = NULL;
	json_t *rows = NULL;
	accord_status st = run(txn,
			       "SELECT code FROM members_orgs WHERE state_counterpart=1 AND active=1"
			       " ORDER BY code LIMIT 1",
			       NULL, &rows);
	if (st != ACCORD_OK)
		return st;
	json_t *code = json_object_get(json_array_get(rows, 0), "code");
	if (code)
		*out = json_incref(code);
	json_decref(rows);
	return code ? ACCORD_OK : ACCORD_E_NOT_FOUND;
}

#define ORG_COLS                                                                                   \
	"code, name, kind, standing, active = 1 AS active,"                                        \
	" state_counterpart = 1 AS state_counterpart"

/* an org row, or an array of them */
static void org_bools(json_t *o)
{
	accord_bool_field(o, "active");
	accord_bool_field(o, "state_counterpart");
}

static accord_status org(accord_txn *txn, const char *code, json_t **out)
{
	*out = NULL;
	if (!code)
		return ACCORD_E_NOT_FOUND;
	json_t *rows = NULL;
	accord_status st = run(txn, "SELECT " ORG_COLS " FROM members_orgs WHERE code=?",
			       json_pack("[s]", code), &rows);
	if (st != ACCORD_OK)
		return st;
	json_t *o = json_array_get(rows, 0);
	if (o) {
		org_bools(o);
		*out = json_incref(o);
	}
	json_decref(rows);
	return o ? ACCORD_OK : ACCORD_E_NOT_FOUND;
}

static accord_status orgs(accord_txn *txn, json_t **out)
{
	*out = NULL;
	json_t *rows = NULL;
	accord_status st = run(txn, "SELECT " ORG_COLS " FROM members_orgs ORDER BY code", NULL,
			       &rows);
	if (st != ACCORD_OK)
		return st;
	org_bools(rows);
	*out = rows;
	return ACCORD_OK;
}

static accord_status person(accord_txn *txn, const char *login, json_t **out)
{
	*out = NULL;
	if (!login)
		return ACCORD_E_NOT_FOUND;
	json_t *rows = NULL;
	accord_status st = run(txn,
			       "SELECT login, name, org_code AS org, function, roles, active = 1 AS active"
			       " FROM members_people WHERE login=?",
			       json_pack("[s]", login), &rows);
	if (st != ACCORD_OK)
		return st;
	json_t *p = json_array_get(rows, 0);
	if (p) {
		json_object_set_new(p, "roles",
				    roles_array(json_string_value(json_object_get(p, "roles"))));
		accord_bool_field(p, "active");
		*out = json_incref(p);
	}
	json_decref(rows);
	return p ? ACCORD_OK : ACCORD_E_NOT_FOUND;
}

static int speaks_for_org(accord_txn *txn, const char *login)
{
	json_t *rows = NULL;
	if (!login)
		return 0;
	if (run(txn,
		"SELECT 1 AS yes FROM members_people WHERE login=? AND active=1"
		" AND function IN ('focal_point', 'alternate')",
		json_pack("[s]", login), &rows) != ACCORD_OK)
		return -1;
	int yes = json_array_size(rows) > 0;
	json_decref(rows);
	return yes;
}

static int watch(accord_plugin_ctx *who, accord_members_watch_fn fn, void *ud)
{
	if (!fn)
		return -1;
	if (n_watchers == cap_watchers) {
		int cap = cap_watchers ? cap_watchers * 2 : 4;
		watcher *w = realloc(watchers, (size_t)cap * sizeof(*w));
		if (!w)
			return -1;
		watchers = w;
		cap_watchers = cap;
	}
	watchers[n_watchers++] = (watcher){who, fn, ud};
	return 0;
}

static accord_status org_people(accord_txn *txn, const char *code, json_t **out)
{
	*out = NULL;
	if (!code)
		return ACCORD_E_NOT_FOUND;
	json_t *rows = NULL;
	accord_status st = run(txn,
			       "SELECT login, name, function, contact, active = 1 AS active"
			       " FROM members_people WHERE org_code=? ORDER BY login",
			       json_pack("[s]", code), &rows);
	if (st != ACCORD_OK)
		return st;
	accord_bool_field(rows, "active");
	*out = rows;
	return ACCORD_OK;
}

/* The invitation hook (one: the notify plugin's). */
static members_invite_fn invite_hook;
static void *invite_hook_ud;

static int on_invite(accord_plugin_ctx *who, members_invite_fn fn, void *ud)
{
	(void)who;
	invite_hook = fn;
	invite_hook_ud = ud;
	return 0;
}

accord_status members_service_invited(accord_txn *txn, const json_t *invite, int *mailed)
{
	*mailed = 0;
	return invite_hook ? invite_hook(txn, invite, mailed, invite_hook_ud) : ACCORD_OK;
}

static const accord_members_svc table = {
	.size = sizeof(accord_members_svc),
	.voting_orgs = voting_orgs,
	.state_counterpart = state_counterpart,
	.org = org,
	.orgs = orgs,
	.person = person,
	.speaks_for_org = speaks_for_org,
	.watch = watch,
	.org_people = org_people,
	.on_invite = on_invite,
};

int members_service_init(const accord_host_api *a, accord_plugin_ctx *p)
{
	api = a;
	self = p;
	return api->service_export(p, ACCORD_SVC_MEMBERS, ACCORD_SVC_MEMBERS_V, &table);
}

void members_service_changed(const char *what, const char *id, const char *action)
{
	if (!n_watchers)
		return;
	json_t *change = json_pack("{s:s,s:s,s:s}", "what", what, "id", id, "action", action);
	if (!change)
		return;
	for (int i = 0; i < n_watchers; i++)
		watchers[i].fn(watchers[i].who, change, watchers[i].ud);
	json_decref(change);
}

void members_service_fini(void)
{
	free(watchers);
	watchers = NULL;
	n_watchers = cap_watchers = 0;
}
