/*
 * Notifications of a proposal's life, through the optional service
 * accord.notify (the notify plugin): queued in the transaction of the
 * open or the close, so the mail goes if and only if the change commits.
 * Without the notify plugin these do nothing.
 */
#include "consensus.h"

#include <accord/services/notify.h>
#include <time.h>

static const accord_notify_svc *notify_svc;

void notices__init(void)
{
	notify_svc = api->service_import(self, ACCORD_SVC_NOTIFY, ACCORD_SVC_NOTIFY_V);
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
