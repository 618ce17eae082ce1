/*
 * Membership: the members list export, over HTTP (GET
 * /api/membership/export?format=csv|json) and the CLI (accord members
 * export).  The formats are in csv.c.
 */
#include "membership.h"
#include "csv.h"

static accord_status export_work(accord_txn *txn, accord_job *j, json_t **out)
{
	(void)j;
	return api->txn_exec(txn, MEMBERS_EXPORT_SQL, NULL, out);
}

/* On the loop: the rows read, answered as the format asked. */
static accord_status export_after(accord_job *j, json_t **out)
{
	const char *fmt = json_string_value(json_object_get(j->in, "format"));
	int csv = !fmt || !strcmp(fmt, "csv");
	char *body = csv ? members_export_csv(*out) : members_export_json(*out);
	if (!body)
		return ACCORD_E_INTERNAL; /* 500, never a partial list */
	api->http_respond(j->http, 200, csv ? "text/csv; charset=utf-8" : "application/json", body,
			  strlen(body));
	free(body);
	accord_job_answered(j);
	return ACCORD_OK;
}

static const char *const FORMATS[] = {"csv", "json", NULL};
static const accord_arg export_args[] = {
	{.name = "format", .type = ACCORD_ARG_STRING, .one_of = FORMATS},
	{0}};

/* GET /api/membership/export?format=csv|json (csv by default). */
static void http_export(accord_plugin_ctx *p, accord_http *h, const accord_principal *who, void *ud)
{
	(void)ud;
	if (!who) {
		accord_http_error(api, h, ACCORD_E_UNAUTHENTICATED, NULL);
		return;
	}
	if (!members_allowed(request__roles_of(who), MA_EXPORT)) {
		accord_http_error(api, h, ACCORD_E_FORBIDDEN, NULL);
		return;
	}
	json_t *in = accord_http_args(api, h, export_args);
	char msg[ACCORD_ARGS_MSG];
	if (!in) {
		accord_http_error(api, h, ACCORD_E_INTERNAL, NULL);
		return;
	}
	if (accord_args_check(export_args, in, 0, msg, sizeof(msg))) {
		json_decref(in);
		accord_http_error(api, h, ACCORD_E_BAD_REQUEST, msg);
		return;
	}
	accord_job *j = accord_job_new_http(api, p, h, who, in, export_work, export_after, 0);
	if (j)
		accord_job_submit(j);
}

static int cli_members(accord_plugin_ctx *p, accord_txn *txn, int argc, char **argv)
{
	(void)p;
	int csv = 1;
	if (argc < 2 || strcmp(argv[1], "export"))
		goto usage;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--format") && i + 1 < argc) {
			i++;
			if (!strcmp(argv[i], "json"))
				csv = 0;
			else if (strcmp(argv[i], "csv"))
				goto usage;
		} else
			goto usage;
	}
	json_t *rows = NULL;
	if (api->txn_exec(txn, MEMBERS_EXPORT_SQL, NULL, &rows) != ACCORD_OK)
		return 1;
	char *body = csv ? members_export_csv(rows) : members_export_json(rows);
	json_decref(rows);
	if (!body)
		return 1;
	fputs(body, stdout);
	if (!csv)
		fputs("\n", stdout);
	free(body);
	return 0;
usage:
	fprintf(stderr, "usage: accord members export [--config FILE] [--format csv|json]\n");
	return 2;
}

int export__init(accord_plugin_ctx *p)
{
	return api->http_route(p, "export", http_export, NULL) ||
	       api->cli(p, "members", "export [--format csv|json]", cli_members);
}
