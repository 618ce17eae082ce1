/*
 * Membership: people.  members.people, members.person.save and
 * .deactivate, and people__write, which every path that writes a person
 * (save, invitation accepted, password reset, seed) goes through.
 */
#include "membership.h"

/* ---------------- members.people ---------------- */

static accord_status people_work(accord_txn *txn, accord_job *j, json_t **out)
{
	json_t *rows = NULL;
	const char *org = json_string_value(json_object_get(j->in, "org"));
	int all = json_is_true(json_object_get(j->in, "include_inactive"));
	json_t *params = json_pack("[s,s,i]", org ? org : "", org ? org : "", all);
	accord_status st = api->txn_exec(
		txn,
		"SELECT login, name, org_code AS org, function, contact, roles, active"
		" FROM members_people WHERE (? = '' OR org_code = ?) AND (active = 1 OR ?)"
		" ORDER BY org_code, login",
		params, &rows);
	json_decref(params);
	if (st != ACCORD_OK)
		return st;
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		json_object_set_new(r, "roles",
				    request__roles_json(
					    json_string_value(json_object_get(r, "roles"))));
		accord_bool_field(r, "active");
		json_object_set_new(r, "online", json_integer(0)); /* filled on the loop */
	}
	*out = json_pack("{s:o}", "people", rows);
	return ACCORD_OK;
}

/* On the loop: who is online now. */
static accord_status people_after(accord_job *j, json_t **out)
{
	(void)j;
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(*out, "people"), i, r)
		json_object_set_new(r, "online",
				    json_boolean(presence__online(
					    json_string_value(json_object_get(r, "login")))));
	return ACCORD_OK;
}

static const accord_arg people_args[] = {
	{.name = "org", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_NULL_OK, .max = 16},
	{0}};

static void h_people(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	request__run(req, json_deep_copy(d), people_work, people_after);
}

/* ---------------- members.person.save / deactivate ---------------- */

/* See membership.h. */
accord_status people__write(accord_txn *txn, const json_t *in, const char *hash, int64_t *account_id)
{
	const char *org = json_string_value(json_object_get(in, "org"));
	json_t *o = NULL;
	accord_status st = request__row(txn, "SELECT standing, active FROM members_orgs WHERE code=?",
					json_pack("[s]", org), &o);
	if (st != ACCORD_OK || !o)
		return st != ACCORD_OK ? st : ACCORD_E_NOT_FOUND;
	const char *roles = json_string_value(json_object_get(in, "roles"));
	int active = json_is_true(json_object_get(in, "active"));
	json_t *acct = json_pack("{s:O,s:O,s:s,s:O,s:o,s:b}", "login", json_object_get(in, "login"),
				 "name", json_object_get(in, "name"), "org", org, "standing",
				 json_object_get(o, "standing"), "roles",
				 request__roles_json(roles), "active", active);
	if (hash)
		json_object_set_new(acct, "password_hash", json_string(hash));
	if (json_is_true(json_object_get(in, "create_only")))
		json_object_set_new(acct, "create_only", json_true());
	int64_t id = 0;
	st = api->account_save(txn, acct, &id);
	json_decref(acct);
	json_decref(o);
	if (st != ACCORD_OK)
		return st;
	int64_t now = api->now_ms();
	json_t *p = json_pack("[O,I,O,s,O,O,s,i,I,I]", json_object_get(in, "login"), (json_int_t)id,
			      json_object_get(in, "name"), org, json_object_get(in, "function"),
			      json_object_get(in, "contact"), roles ? roles : "", active,
			      (json_int_t)now, (json_int_t)now);
	st = api->txn_exec(txn,
			   "INSERT INTO members_people(login, account_id, name, org_code, function,"
			   " contact, roles, active, created_at, updated_at) VALUES(?,?,?,?,?,?,?,?,?,?)"
			   " ON CONFLICT(login) DO UPDATE SET name=excluded.name,"
			   " org_code=excluded.org_code, function=excluded.function,"
			   " contact=excluded.contact, roles=excluded.roles, active=excluded.active,"
			   " updated_at=excluded.updated_at",
			   p, NULL);
	json_decref(p);
	if (account_id)
		*account_id = id;
	return st;
}

static accord_status person_save_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const char *login = json_string_value(json_object_get(j->in, "login"));
	json_t *before = NULL, *after = NULL;
	accord_status st = request__row(txn, PERSON_SELECT, json_pack("[s]", login), &before);
	if (st != ACCORD_OK)
		return st;
	if (!json_object_get(j->in, "active"))
		json_object_set_new(j->in, "active",
				    json_boolean(!before || json_integer_value(json_object_get(
								    before, "active"))));
	if (!json_object_get(j->in, "roles_given") && before)
		json_object_set(j->in, "roles", json_object_get(before, "roles"));
	st = people__write(txn, j->in, NULL, &j->id);
	if (st == ACCORD_E_NOT_FOUND) {
		json_decref(before);
		return accord_job_fail(out, ACCORD_E_BAD_REQUEST, "org: no such organisation");
	}
	if (st == ACCORD_OK)
		st = request__row(txn, PERSON_SELECT, json_pack("[s]", login), &after);
	if (st == ACCORD_OK)
		st = audit__add(txn, j->actor, before ? "person.update" : "person.create", login,
				before, after);
	json_decref(before);
	if (st != ACCORD_OK) {
		json_decref(after);
		return st;
	}
	json_object_del(after, "account_id");
	json_object_set_new(after, "roles",
			    request__roles_json(json_string_value(json_object_get(after, "roles"))));
	accord_bool_field(after, "active");
	*out = json_pack("{s:o}", "person", after);
	return ACCORD_OK;
}

static accord_status person_after(accord_job *j, json_t **out)
{
	api->account_changed(self, j->id);
	request__announce(j, *out, "person",
			  json_string_value(json_object_get(json_object_get(*out, "person"), "login")),
			  "saved");
	return ACCORD_OK;
}

#define REQ (ACCORD_ARG_REQUIRED | ACCORD_ARG_NULL_OK)
static const accord_arg person_save_args[] = {
	{.name = "login",
	 .type = ACCORD_ARG_STRING,
	 .flags = REQ,
	 .min = 1,
	 .max = 32,
	 .check = request__check_login},
	{.name = "name", .type = ACCORD_ARG_STRING, .flags = REQ, .min = 1, .max = 200},
	{.name = "org",
	 .type = ACCORD_ARG_STRING,
	 .flags = REQ,
	 .min = 1,
	 .max = 16,
	 .check = request__check_code},
	{.name = "function",
	 .type = ACCORD_ARG_STRING,
	 .flags = REQ,
	 .min = 1,
	 .max = 16,
	 .one_of = members_functions},
	{.name = "contact", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_NULL_OK, .max = 300},
	REQUEST__ROLES_ARG,
	{0}};

static const accord_arg deactivate_args[] = {
	{.name = "login", .type = ACCORD_ARG_STRING, .flags = REQ, .min = 1, .max = 32},
	{0}};
#undef REQ

static void h_person_save(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	char roles[128];
	request__roles_csv(d, roles, sizeof(roles));
	const char *contact = json_string_value(json_object_get(d, "contact"));
	json_t *in = json_pack("{s:O,s:O,s:O,s:O,s:s,s:s}", "login", json_object_get(d, "login"),
			       "name", json_object_get(d, "name"), "org", json_object_get(d, "org"),
			       "function", json_object_get(d, "function"), "contact",
			       contact ? contact : "", "roles", roles);
	if (in && json_object_get(d, "roles") && json_object_set_new(in, "roles_given", json_true())) {
		json_decref(in);
		in = NULL;
	}
	if (!in) {
		api->reply_error(req, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	request__run(req, in, person_save_work, person_after);
}

static accord_status deactivate_work(accord_txn *txn, accord_job *j, json_t **out)
{
	(void)out;
	const char *login = json_string_value(json_object_get(j->in, "login"));
	json_t *before = NULL, *after = NULL;
	accord_status st = request__row(txn, PERSON_SELECT, json_pack("[s]", login), &before);
	if (st != ACCORD_OK || !before)
		return st != ACCORD_OK ? st : ACCORD_E_NOT_FOUND;
	json_t *in = json_pack(
		"{s:O,s:O,s:O,s:O,s:O,s:O,s:b}", "login", json_object_get(before, "login"), "name",
		json_object_get(before, "name"), "org", json_object_get(before, "org"), "function",
		json_object_get(before, "function"), "contact", json_object_get(before, "contact"),
		"roles", json_object_get(before, "roles"), "active", 0);
	st = people__write(txn, in, NULL, &j->id);
	json_decref(in);
	if (st == ACCORD_OK)
		st = request__row(txn, PERSON_SELECT, json_pack("[s]", login), &after);
	if (st == ACCORD_OK)
		st = audit__add(txn, j->actor, "person.deactivate", login, before, after);
	json_decref(before);
	json_decref(after);
	return st;
}

static accord_status deactivate_after(accord_job *j, json_t **out)
{
	api->account_changed(self, j->id); /* closes their connections */
	request__announce(j, *out, "person", json_string_value(json_object_get(j->in, "login")),
			  "deactivated");
	return ACCORD_OK;
}

static void h_deactivate(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	json_t *in = accord_args_in(api, req, deactivate_args, d);
	if (in)
		request__run(req, in, deactivate_work, deactivate_after);
}

static accord_handler handlers[] = {{.verb = "members.people",
				     .fn = h_people,
				     .args = people_args,
				     .allow = request__may_read_people},
				    {.verb = "members.person.save",
				     .fn = h_person_save,
				     .args = person_save_args,
				     .allow = request__may_save_person},
				    {.verb = "members.person.deactivate",
				     .fn = h_deactivate,
				     .args = deactivate_args,
				     .allow = request__may_deactivate},
				    {0}};

int people__init(accord_plugin_ctx *p) { return accord_handle_all(api, p, handlers); }
