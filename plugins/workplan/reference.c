/*
 * The reference lists: the GCM's 23 objectives (number, title) and the SDG
 * goals and the targets that concern migration (code, title).  They are
 * data, shipped in config/reference/ (gcm_objectives.json,
 * sdg_targets.json), loaded into workplan_gcm and workplan_sdg by
 * `accord init` (the plugin's seed) or at the first start when the tables
 * are empty, and edited afterwards by the secretariat only
 * (workplan.reference.save), each edit logged.  Loading never overwrites
 * an entry that is there.
 */
#include "workplan.h"
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads <dir>/<name> as JSON (storage thread or CLI: it reads a file). */
static json_t *read_list(const char *name)
{
	char *data = NULL;
	size_t len = 0;
	if (accord_read_file(workplan__reference_dir, name, &data, &len))
		return NULL;
	json_t *j = json_loadb(data, len, 0, NULL);
	free(data);
	return j;
}

static accord_status put_gcm(accord_txn *txn, const json_t *o)
{
	const json_t *n = json_object_get(o, "number"), *t = json_object_get(o, "title");
	if (!json_is_integer(n) || !json_is_string(t))
		return ACCORD_E_BAD_REQUEST;
	return accord_exec(api, txn,
			   "INSERT INTO workplan_gcm(number, title) VALUES(?,?)"
			   " ON CONFLICT(number) DO NOTHING",
			   json_pack("[O,O]", n, t), NULL);
}

static accord_status put_sdg(accord_txn *txn, const json_t *o, int is_goal)
{
	const char *code = json_string_value(json_object_get(o, "code"));
	const json_t *t = json_object_get(o, "title");
	if (!code || !json_is_string(t))
		return ACCORD_E_BAD_REQUEST;
	return accord_exec(api, txn,
			   "INSERT INTO workplan_sdg(code, goal, is_goal, title) VALUES(?,?,?,?)"
			   " ON CONFLICT(code) DO NOTHING",
			   json_pack("[s,I,i,O]", code, (json_int_t)atoi(code), is_goal, t), NULL);
}

accord_status reference__load(accord_txn *txn, int logged)
{
	(void)logged;
	json_t *n = store__row(txn, "SELECT count(*) AS n FROM workplan_gcm", NULL);
	long long have = json_integer_value(json_object_get(n, "n"));
	json_decref(n);
	if (!n)
		return ACCORD_E_INTERNAL;
	if (have)
		return ACCORD_OK;
	json_t *gcm = read_list("gcm_objectives.json"), *sdg = read_list("sdg_targets.json");
	accord_status st = gcm && sdg ? ACCORD_OK : ACCORD_E_NOT_FOUND;
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(gcm, "objectives"), i, o) {
		if (st == ACCORD_OK)
			st = put_gcm(txn, o);
	}
	json_array_foreach(json_object_get(sdg, "goals"), i, o) {
		if (st == ACCORD_OK)
			st = put_sdg(txn, o, 1);
	}
	json_array_foreach(json_object_get(sdg, "targets"), i, o) {
		if (st == ACCORD_OK)
			st = put_sdg(txn, o, 0);
	}
	json_decref(gcm);
	json_decref(sdg);
	return st;
}

int reference__gcm_exists(accord_txn *txn, json_int_t number)
{
	json_t *rows = NULL;
	if (accord_exec(api, txn, "SELECT number FROM workplan_gcm WHERE number=?",
			json_pack("[I]", number), &rows) != ACCORD_OK)
		return -1;
	int found = json_array_size(rows) > 0;
	json_decref(rows);
	return found;
}

int reference__sdg_exists(accord_txn *txn, const char *code)
{
	json_t *rows = NULL;
	if (accord_exec(api, txn, "SELECT code FROM workplan_sdg WHERE code=?",
			json_pack("[s]", code), &rows) != ACCORD_OK)
		return -1;
	int found = json_array_size(rows) > 0;
	json_decref(rows);
	return found;
}

/* ---------------- requests ---------------- */

static accord_status list_work(accord_txn *txn, accord_job *j, json_t **out)
{
	(void)j;
	json_t *gcm = NULL, *sdg = NULL;
	accord_status st = accord_exec(api, txn,
				       "SELECT number, title FROM workplan_gcm ORDER BY number",
				       NULL, &gcm);
	if (st == ACCORD_OK)
		st = accord_exec(api, txn,
				 "SELECT code, goal, is_goal = 1 AS is_goal, title FROM workplan_sdg"
				 " ORDER BY goal, is_goal DESC, code",
				 NULL, &sdg);
	if (st != ACCORD_OK) {
		json_decref(gcm);
		return st;
	}
	accord_bool_field(sdg, "is_goal");
	*out = json_pack("{s:o,s:o}", "gcm", gcm, "sdg", sdg);
	return ACCORD_OK;
}

static void h_list(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)d;
	(void)ud;
	accord_job_run(api, self, req, NULL, list_work, NULL);
}

static const char *const LISTS[] = {"gcm", "sdg", NULL};

/* An SDG code: a goal "1".."17" or a target "<goal>.<number or letter>". */
static const char *sdg_code(const json_t *v) { return wp_sdg_code_problem(json_string_value(v)); }

static const accord_arg save_args[] = {
	{.name = "list", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .one_of = LISTS},
	{.name = "number", .type = ACCORD_ARG_INT, .min = 1, .max = 99},
	{.name = "code", .type = ACCORD_ARG_STRING, .min = 1, .max = 8, .check = sdg_code},
	{.name = "title", .type = ACCORD_ARG_STRING, .flags = ACCORD_ARG_REQUIRED, .min = 1, .max = 1000},
	{0}};

static accord_status save_work(accord_txn *txn, accord_job *j, json_t **out)
{
	const json_t *in = j->in;
	int gcm = !strcmp(json_string_value(json_object_get(in, "list")), "gcm");
	char object[32];
	accord_status st;
	if (gcm) {
		json_int_t n = json_integer_value(json_object_get(in, "number"));
		snprintf(object, sizeof(object), "gcm:%lld", (long long)n);
		st = accord_exec(api, txn,
				 "INSERT INTO workplan_gcm(number, title, updated_by, updated_at)"
				 " VALUES(?,?,?,?) ON CONFLICT(number) DO UPDATE SET"
				 " title=excluded.title, updated_by=excluded.updated_by,"
				 " updated_at=excluded.updated_at",
				 json_pack("[I,O,s,I]", n, json_object_get(in, "title"), j->actor,
					   (json_int_t)j->now_ms),
				 NULL);
	} else {
		const char *code = json_string_value(json_object_get(in, "code"));
		snprintf(object, sizeof(object), "sdg:%s", code);
		st = accord_exec(api, txn,
				 "INSERT INTO workplan_sdg(code, goal, is_goal, title, updated_by,"
				 " updated_at) VALUES(?,?,?,?,?,?) ON CONFLICT(code) DO UPDATE SET"
				 " title=excluded.title, updated_by=excluded.updated_by,"
				 " updated_at=excluded.updated_at",
				 json_pack("[s,I,i,O,s,I]", code, (json_int_t)atoi(code),
					   strchr(code, '.') == NULL, json_object_get(in, "title"),
					   j->actor, (json_int_t)j->now_ms),
				 NULL);
	}
	if (st == ACCORD_OK)
		st = store__log(txn, j, "reference.save", object, in);
	if (st == ACCORD_OK)
		*out = json_pack("{s:O,s:s}", "entry", in, "object", object);
	return st;
}

static void h_save(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)ud;
	char msg[ACCORD_ARGS_MSG];
	int gcm = !strcmp(json_string_value(json_object_get(d, "list")), "gcm");
	const char *need = gcm ? "number" : "code";
	if (!json_object_get(d, need)) {
		accord_arg_message(msg, sizeof(msg), need, NULL, "required");
		api->reply_error(req, ACCORD_E_BAD_REQUEST, msg);
		return;
	}
	json_t *in = accord_args_in(api, req, save_args, d);
	if (in)
		accord_job_run(api, self, req, in, save_work, store__announce);
}

static accord_handler handlers[] = {{.verb = "reference", .fn = h_list},
				    {.verb = "workplan.reference.save",
				     .fn = h_save,
				     .args = save_args,
				     .allow = store__secretariat_only,
				     .strict = 1},
				    {0}};

int reference__init(accord_plugin_ctx *p) { return accord_handle_all(api, p, handlers); }
