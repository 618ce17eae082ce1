/*
 * Notifications of a proposal's life, through the optional service
 * accord.notify (the notify plugin): queued in the transaction of the
 * open or the close, so the mail goes if and only if the change commits;
 * and the reminder before the closing time to the voting organisations
 * that have not responded, from a timer on the loop that looks at the
 * loop's copy of the proposals once a second and runs a storage job for
 * each one due (the job decides from the committed positions).  Without
 * the notify plugin these do nothing.
 */
#include "consensus.h"

#include <accord/services/notify.h>
#include <time.h>

static const accord_notify_svc *notify_svc;

#define SCAN_MS 1000

/* The reminders asked for since the start: (proposal, closing time). */
typedef struct reminded {
	int64_t id, closes_at;
} reminded;
static reminded *done;
static size_t n_done, cap_done;

static int was_reminded(int64_t id, int64_t closes_at)
{
	for (size_t i = 0; i < n_done; i++)
		if (done[i].id == id && done[i].closes_at == closes_at)
			return 1;
	return 0;
}

/* The reminder's work: the committed proposal still open with that
 * closing time, and the voters without a position now.  The notice's
 * "once" key makes a second run (after a restart) queue nothing. */
static accord_status remind_work(accord_txn *txn, accord_job *j, json_t **out)
{
	(void)out;
	json_int_t closes_at = json_integer_value(json_object_get(j->in, "closes_at"));
	json_t *snap = NULL;
	accord_status st = store__snapshot(txn, j->id, &snap);
	const json_t *row = json_object_get(snap, "proposal");
	const char *status = json_string_value(json_object_get(row, "status"));
	if (st != ACCORD_OK || !status || strcmp(status, "open") ||
	    json_integer_value(json_object_get(row, "closes_at")) != closes_at) {
		json_decref(snap);
		return st;
	}
	json_t *voters = json_loads(json_string_value(json_object_get(row, "voters")), 0, NULL);
	json_t *missing = json_array();
	size_t i, k;
	json_t *v, *pos;
	json_array_foreach(voters, i, v) {
		int responded = 0;
		json_array_foreach(json_object_get(snap, "positions"), k, pos)
			responded |= json_equal(json_object_get(pos, "org"), v);
		if (!responded)
			json_array_append(missing, v);
	}
	char item[40], once[80], closes[40];
	snprintf(item, sizeof(item), "proposal:%lld", (long long)j->id);
	snprintf(once, sizeof(once), "reminder:%s:%lld", item, (long long)closes_at);
	time_t t = (time_t)(closes_at / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(closes, sizeof(closes), "%Y-%m-%d %H:%M UTC", &tm);
	json_t *n = json_array_size(missing)
			    ? json_pack("{s:s,s:s,s:O,s:s,s:{s:O,s:s}}", "category", "reminder",
					"item", item, "orgs", missing, "once", once, "params",
					"title", json_object_get(row, "title"), "closes", closes)
			    : NULL;
	if (n)
		st = notify_svc->enqueue(txn, n, NULL);
	json_decref(n);
	json_decref(missing);
	json_decref(voters);
	json_decref(snap);
	return st;
}

static void scan(accord_plugin_ctx *pc, void *ud)
{
	(void)ud;
	api->timer_add(pc, SCAN_MS, scan, NULL);
	int64_t lead = ACCORD_SERVICE_HAS(notify_svc, reminder_before_ms)
			       ? notify_svc->reminder_before_ms()
			       : 0;
	int64_t now = api->now_ms();
	for (size_t i = 0; lead > 0 && i < tally__count(); i++) {
		proposal *p = tally__at(i);
		if (strcmp(p->status, "open") || !p->closes_at || now < p->closes_at - lead ||
		    now >= p->closes_at || was_reminded(p->id, p->closes_at))
			continue;
		if (n_done == cap_done) {
			size_t cap = cap_done ? cap_done * 2 : 16;
			reminded *d = realloc(done, cap * sizeof(*d));
			if (!d)
				return;
			done = d;
			cap_done = cap;
		}
		done[n_done++] = (reminded){p->id, p->closes_at};
		accord_job *j = accord_job_new(
			api, self, NULL, json_pack("{s:I}", "closes_at", (json_int_t)p->closes_at),
			remind_work, NULL, 0);
		if (!j)
			continue;
		j->id = p->id;
		j->partner = 0;
		snprintf(j->actor, sizeof(j->actor), "%s", "(reminder)");
		accord_job_submit(j);
	}
}

void notices__init(void)
{
	notify_svc = api->service_import(self, ACCORD_SVC_NOTIFY, ACCORD_SVC_NOTIFY_V);
	if (ACCORD_SERVICE_HAS(notify_svc, reminder_before_ms))
		api->timer_add(self, SCAN_MS, scan, NULL);
}

void notices__fini(void)
{
	free(done);
	done = NULL;
	n_done = cap_done = 0;
}

/* The notice of category about proposal id to its voters. */
static accord_status notice(accord_txn *txn, int64_t id, const char *category)
{
	if (!ACCORD_SERVICE_HAS(notify_svc, enqueue))
		return ACCORD_OK;
	json_t *row = store__proposal(txn, id);
	if (!row)
		return ACCORD_E_INTERNAL;
	json_t *voters = json_loads(json_string_value(json_object_get(row, "voters")), 0, NULL);
	char item[40], closes[40] = "";
	snprintf(item, sizeof(item), "proposal:%lld", (long long)id);
	json_int_t at = json_integer_value(json_object_get(row, "closes_at"));
	if (at) {
		time_t t = (time_t)(at / 1000);
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(closes, sizeof(closes), "%Y-%m-%d %H:%M UTC", &tm);
	}
	const char *statement = json_string_value(json_object_get(row, "outcome_statement"));
	json_t *n = json_pack("{s:s,s:s,s:o,s:{s:O,s:s,s:O,s:s}}", "category", category, "item",
			      item, "orgs", voters ? voters : json_array(), "params", "title",
			      json_object_get(row, "title"), "closes", closes, "outcome",
			      accord_or_null(row, "outcome"), "statement",
			      statement ? statement : "");
	json_decref(row);
	if (!n)
		return ACCORD_E_INTERNAL;
	if (json_is_null(json_object_get(json_object_get(n, "params"), "outcome")))
		json_object_del(json_object_get(n, "params"), "outcome");
	accord_status st = notify_svc->enqueue(txn, n, NULL);
	json_decref(n);
	return st;
}

accord_status notices__opened(accord_txn *txn, int64_t id)
{
	return notice(txn, id, "proposal_opened");
}

accord_status notices__closed(accord_txn *txn, int64_t id) { return notice(txn, id, "outcome"); }
