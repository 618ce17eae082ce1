/*
 * Small conveniences for plugin authors, header-only and built on the host
 * API alone (nothing here is part of the ABI).  Include after plugin.h.
 */
#ifndef ACCORD_HELPERS_H
#define ACCORD_HELPERS_H

#include <string.h>
#include <time.h>

#include "accord/plugin.h"

/* txn_exec that takes ownership of params, so an inline json_pack(...)
 * cannot leak.  Use on the storage thread. */
static inline accord_status accord_exec(const accord_host_api *api, accord_txn *txn,
					const char *sql, json_t *params, json_t **rows)
{
	accord_status st = api->txn_exec(txn, sql, params, rows);
	json_decref(params);
	return st;
}

/* json_pack's "O" fails on NULL: an absent optional field as JSON null. */
static inline json_t *accord_or_null(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return v ? v : json_null();
}

/* Today's date, UTC, as YYYY-MM-DD (for due and end dates). */
static inline void accord_today(const accord_host_api *api, char out[11])
{
	time_t t = (time_t)(api->now_ms() / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* Replaces the contents of obj with those of with (which is released). */
static inline void accord_replace(json_t *obj, json_t *with)
{
	json_object_clear(obj);
	json_object_update(obj, with);
	json_decref(with);
}

#endif
