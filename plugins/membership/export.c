/*
 * Membership: the members list export, over HTTP (GET
 * /api/membership/export?format=csv|json) and the CLI (accord members
 * export).  The formats are in csv.c.
 */
#include "membership.h"
#include "csv.h"

typedef struct xjob {
	accord_http *h;
	int csv;
} xjob;

static accord_status export_work(accord_txn *txn, void *ud, json_t **out)
{
	(void)ud;
	return api->txn_exec(txn, MEMBERS_EXPORT_SQL, NULL, out);
}

static void export_done(accord_plugin_ctx *p, accord_status st, json_t *rows, void *ud)
{
	(void)p;
	xjob *x = ud;
	char *body = st == ACCORD_OK ? (x->csv ? members_export_csv(rows) : members_export_json(rows))
				     : NULL;
	if (body)
		api->http_respond(x->h, 200, x->csv ? "text/csv; charset=utf-8" : "application/json",
				  body, strlen(body));
	else
		api->http_respond(x->h, 500, "application/json", "{\"error\":\"internal\"}", 20);
	free(body);
	json_decref(rows);
	free(x);
}

static void http_export(accord_plugin_ctx *p, accord_http *h, const accord_principal *who, void *ud)
{
	(void)ud;
	const char *fmt = api->http_query(h, "format");
	if (!who) {
		api->http_respond(h, 401, "application/json", "{\"error\":\"unauthenticated\"}", 27);
		return;
	}
	if (!members_allowed(request__roles_of(who), MA_EXPORT)) {
		api->http_respond(h, 403, "application/json", "{\"error\":\"forbidden\"}", 21);
		return;
	}
	if (fmt && strcmp(fmt, "csv") && strcmp(fmt, "json")) {
		const char *m = "{\"error\":\"bad_request\",\"message\":\"format: csv or json\"}";
		api->http_respond(h, 400, "application/json", m, strlen(m));
		return;
	}
	xjob *x = calloc(1, sizeof(*x));
	if (!x) {
		api->http_respond(h, 500, "application/json", "{\"error\":\"internal\"}", 20);
		return;
	}
	x->h = h;
	x->csv = !fmt || !strcmp(fmt, "csv");
	if (api->db_run(p, export_work, export_done, x)) {
		free(x);
		api->http_respond(h, 503, "application/json", "{\"error\":\"unavailable\"}", 23);
	}
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
