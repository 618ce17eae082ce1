/*
 * Membership: organisations.  members.orgs, members.org.save, the
 * released description of an organisation, and the loop's cache of
 * organisations (what presence needs).
 */
#include "membership.h"

/* ---------------- the cache ---------------- */

static org_entry *cache;
static size_t n_cache;

/* Replaces the cache with the rows read; keeps the old one when memory
 * runs out (presence then lags one change behind, nothing worse). */
static void orgs_cache_set(const json_t *rows)
{
	org_entry *fresh = calloc(json_array_size(rows) + 1, sizeof(*fresh));
	if (!fresh) {
		api->log(self, ACCORD_LOG_ERR,
			 "out of memory: the organisations cache is not refreshed");
		return;
	}
	size_t n = 0, i;
	const json_t *r;
	json_array_foreach(rows, i, r) {
		const char *standing = json_string_value(json_object_get(r, "standing"));
		snprintf(fresh[n].code, sizeof(fresh[n].code), "%s",
			 json_string_value(json_object_get(r, "code")));
		fresh[n].member = standing && !strcmp(standing, "member") &&
				  json_integer_value(json_object_get(r, "active")) == 1;
		n++;
	}
	free(cache);
	cache = fresh;
	n_cache = n;
}

const org_entry *orgs__cached(size_t *n)
{
	*n = n_cache;
	return cache;
}

static accord_status orgs_load_work(accord_txn *txn, void *ud, json_t **out)
{
	(void)ud;
	return api->txn_exec(txn, "SELECT code, standing, active FROM members_orgs ORDER BY code",
			     NULL, out);
}

static void orgs_load_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)p;
	(void)ud;
	if (st == ACCORD_OK)
		orgs_cache_set(out);
	json_decref(out);
}

void orgs__reload(void)
{
	api->db_run(self, orgs_load_work, orgs_load_done, NULL); /* fails harmlessly in CLI mode */
}

void orgs__fini(void)
{
	free(cache);
	cache = NULL;
	n_cache = 0;
}

/* ---------------- members.orgs ---------------- */

static accord_status orgs_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *rows = NULL;
	int all = json_is_true(json_object_get(j->in, "include_withdrawn"));
	accord_status st = api->txn_exec(
		txn,
		all ? "SELECT code, name, kind, standing, active, state_counterpart FROM members_orgs"
		      " ORDER BY standing, code"
		    : "SELECT code, name, kind, standing, active, state_counterpart FROM members_orgs"
		      " WHERE active = 1 ORDER BY standing, code",
		NULL, &rows);
	if (st != ACCORD_OK)
		return st;
	accord_bool_field(rows, "active");
	accord_bool_field(rows, "state_counterpart");
	*out = json_pack("{s:o}", "orgs", rows);
	return ACCORD_OK;
}

static void h_orgs(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	request__run(req, json_deep_copy(d), orgs_work, NULL);
}

/* ---------------- members.org.save ---------------- */

static const char *ORG_SELECT =
	"SELECT code, name, kind, standing, active, state_counterpart FROM members_orgs WHERE code=?";

static accord_status org_save_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *in = j->in;
	const char *code = json_string_value(json_object_get(in, "code"));
	json_t *before = NULL;
	accord_status st = request__row(txn, ORG_SELECT, json_pack("[s]", code), &before);
	if (st != ACCORD_OK)
		return st;
	int64_t now = api->now_ms();
	const json_t *sc = json_object_get(in, "state_counterpart");
	const json_t *ac = json_object_get(in, "active");
	int state_cp = sc ? json_is_true(sc)
		       : before
			       ? (int)json_integer_value(json_object_get(before, "state_counterpart"))
			       : 0;
	int active = ac       ? json_is_true(ac)
		     : before ? (int)json_integer_value(json_object_get(before, "active"))
			      : 1;
	if (state_cp) /* there is one state counterpart at most */
		st = accord_exec(api, txn,
				 "UPDATE members_orgs SET state_counterpart = 0 WHERE code <> ?",
				 json_pack("[s]", code), NULL);
	if (st != ACCORD_OK) {
		json_decref(before);
		return st;
	}
	json_t *p = json_pack("[s,s,s,s,i,i,I,I]", code,
			      json_string_value(json_object_get(in, "name")),
			      json_string_value(json_object_get(in, "kind")),
			      json_string_value(json_object_get(in, "standing")), active, state_cp,
			      (json_int_t)now, (json_int_t)now);
	st = api->txn_exec(
		txn,
		"INSERT INTO members_orgs(code, name, kind, standing, active, state_counterpart,"
		" created_at, updated_at) VALUES(?,?,?,?,?,?,?,?) ON CONFLICT(code) DO UPDATE"
		" SET name=excluded.name, kind=excluded.kind, standing=excluded.standing,"
		" active=excluded.active, state_counterpart=excluded.state_counterpart,"
		" updated_at=excluded.updated_at",
		p, NULL);
	json_decref(p);
	if (st != ACCORD_OK) {
		json_decref(before);
		return st;
	}
	json_t *after = NULL, *people = NULL;
	st = request__row(txn, ORG_SELECT, json_pack("[s]", code), &after);
	/* Keep the accounts' standing in step with the organisation's. */
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "SELECT login, account_id, name, roles, active FROM members_people"
				 " WHERE org_code=?",
				 json_pack("[s]", code), &people);
	size_t i;
	json_t *r;
	json_array_foreach(people, i, r) {
		if (st != ACCORD_OK)
			break;
		json_t *acct = json_pack(
			"{s:O,s:O,s:s,s:O,s:o,s:b}", "login", json_object_get(r, "login"), "name",
			json_object_get(r, "name"), "org", code, "standing",
			json_object_get(in, "standing"), "roles",
			request__roles_json(json_string_value(json_object_get(r, "roles"))),
			"active", (int)json_integer_value(json_object_get(r, "active")));
		st = acct ? api->account_save(txn, acct, NULL) : ACCORD_E_INTERNAL;
		json_decref(acct);
	}
	if (st == ACCORD_OK)
		st = audit__add(txn, j->actor, before ? "org.update" : "org.create", code, before,
				after);
	json_decref(before);
	json_t *ids = json_array();
	json_array_foreach(people, i, r)
		json_array_append(ids, json_object_get(r, "account_id"));
	json_decref(people);
	if (st != ACCORD_OK) {
		json_decref(after);
		json_decref(ids);
		return st;
	}
	accord_bool_field(after, "active");
	accord_bool_field(after, "state_counterpart");
	*out = json_pack("{s:o,s:o}", "org", after, "_accounts", ids);
	return ACCORD_OK;
}

static accord_status org_save_after(accord_job *j, json_t **out)
{
	size_t i;
	json_t *id;
	json_array_foreach(json_object_get(*out, "_accounts"), i, id)
		api->account_changed(self, json_integer_value(id));
	json_object_del(*out, "_accounts");
	orgs__reload();
	request__announce(j, *out, "org",
			  json_string_value(json_object_get(json_object_get(*out, "org"), "code")),
			  "saved");
	return ACCORD_OK;
}

#define REQ (ACCORD_ARG_REQUIRED | ACCORD_ARG_NULL_OK)
static const accord_arg org_save_args[] = {
	{.name = "code",
	 .type = ACCORD_ARG_STRING,
	 .flags = REQ,
	 .min = 1,
	 .max = 16,
	 .check = request__check_code},
	{.name = "name", .type = ACCORD_ARG_STRING, .flags = REQ, .min = 1, .max = 200},
	{.name = "kind",
	 .type = ACCORD_ARG_STRING,
	 .flags = REQ,
	 .min = 1,
	 .max = 32,
	 .one_of = members_kinds},
	{.name = "standing",
	 .type = ACCORD_ARG_STRING,
	 .flags = REQ,
	 .min = 1,
	 .max = 16,
	 .one_of = members_standings},
	{.name = "active", .type = ACCORD_ARG_BOOL},
	{.name = "state_counterpart", .type = ACCORD_ARG_BOOL},
	{0}};
#undef REQ

static void h_org_save(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	json_t *in = accord_args_in(api, req, org_save_args, d);
	if (in)
		request__run(req, in, org_save_work, org_save_after);
}

/* What partners see of a released organisation: its name and kind and
 * its people's names and functions (no contacts, no roles). */
static accord_status describe_org(accord_txn *txn, const char *id, json_t **out, void *ud)
{
	(void)ud;
	accord_status st = accord_describe_row(
		api, txn, "SELECT code, name, kind, standing, active FROM members_orgs WHERE code=?",
		id, 0, out);
	json_t *people = NULL;
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "SELECT name, function FROM members_people WHERE org_code=? AND active = 1"
				 " ORDER BY name",
				 json_pack("[s]", id), &people);
	if (st == ACCORD_OK) {
		accord_bool_field(*out, "active");
		json_object_set_new(*out, "people", people);
	}
	return st;
}

static accord_handler handlers[] = {
	{.verb = "members.orgs", .fn = h_orgs, .allow = request__may_read_orgs},
	{.verb = "members.org.save",
	 .fn = h_org_save,
	 .args = org_save_args,
	 .allow = request__may_save_org},
	{0}};

int orgs__init(accord_plugin_ctx *p)
{
	if (ACCORD_API_HAS(api, item_kind) && api->item_kind(p, "org", describe_org, NULL))
		return -1;
	return accord_handle_all(api, p, handlers);
}
