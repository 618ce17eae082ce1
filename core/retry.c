/*
 * Retried requests: one record of each idempotency key that changed
 * something, written in the same transaction as the change.
 *
 * A client that did not get the reply to a write (the connection dropped,
 * the page went away) sends the same request again with the same "idem"
 * key.  The request's work looks the key up first (retry_get) and, when
 * it was already done, answers from the record instead of doing it again;
 * otherwise it does the work and marks the key (retry_put) inside the same
 * savepoint, so the mark and the change commit together or not at all.
 * Request ids are no key: a reloaded page, a second tab or a second device
 * numbers its requests from 1 again (issue 15: positions acknowledged and
 * never counted).
 *
 * The key the plugins see is scoped by the core: "<account>:<type>:<idem>",
 * so two people, or two kinds of request, never share one.  The reply the
 * caller was shown is kept afterwards (retry_keep_reply, a second small
 * job after the reply frame went out, for marked keys only: a read or a
 * refused write keeps nothing), so a retry is answered with what the
 * first request was answered; if the server stopped in between, the
 * retry gets {"duplicate": true} and what the plugin adds of its current
 * state.
 *
 * Records are kept RETRY_KEEP_MS; older ones are deleted in small slices
 * by the storage thread itself every RETRY_PRUNE_EVERY marks.
 */
#include "clock.h"
#include "log.h"
#include "storage.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define RETRY_KEEP_MS (7LL * 24 * 3600 * 1000)
#define RETRY_PRUNE_EVERY 256
#define RETRY_REPLY_MAX (64 * 1024)

const accord_migration retry_migrations[] = {{1, "CREATE TABLE request_keys("
						 " key TEXT PRIMARY KEY,"
						 " at INTEGER NOT NULL,"
						 " reply TEXT) WITHOUT ROWID;"
						 "CREATE INDEX request_keys_at ON request_keys(at);"},
					     {0, NULL}};

/* Storage thread only. */
static unsigned marks_since_prune;

/* Keys marked by a job whose reply has not gone out yet: only their replies
 * are kept (a read, or a refused write, leaves nothing to keep).  Added on
 * the storage thread, taken on the loop; as many as requests in flight. */
#define MARKED_BUCKETS 1024
struct marked {
	struct marked *next;
	char key[RETRY_KEY_MAX];
};
static struct marked *marked[MARKED_BUCKETS];
static pthread_mutex_t marked_mu = PTHREAD_MUTEX_INITIALIZER;

static unsigned key_bucket(const char *k)
{
	unsigned h = 2166136261u;
	while (*k)
		h = (h ^ (unsigned char)*k++) * 16777619u;
	return h % MARKED_BUCKETS;
}

static void marked_add(const char *key)
{
	struct marked *m = malloc(sizeof(*m));
	if (!m)
		return; /* its reply is not kept: a retry gets {"duplicate": true} */
	snprintf(m->key, sizeof(m->key), "%s", key);
	unsigned b = key_bucket(key);
	pthread_mutex_lock(&marked_mu);
	m->next = marked[b];
	marked[b] = m;
	pthread_mutex_unlock(&marked_mu);
}

int retry_marked_take(const char *key)
{
	unsigned b = key_bucket(key);
	struct marked *found = NULL;
	pthread_mutex_lock(&marked_mu);
	for (struct marked **p = &marked[b]; *p; p = &(*p)->next)
		if (!strcmp((*p)->key, key)) {
			found = *p;
			*p = found->next;
			break;
		}
	pthread_mutex_unlock(&marked_mu);
	free(found);
	return found != NULL;
}

accord_status retry_get(accord_txn *txn, const char *key, json_t **reply)
{
	if (reply)
		*reply = NULL;
	/* What the job changes from here on decides whether retry_put marks. */
	txn_changes_mark(txn);
	if (!key || !*key)
		return ACCORD_E_NOT_FOUND;
	json_t *rows = NULL;
	json_t *params = json_pack("[s]", key);
	accord_status st = txn_exec(txn, "SELECT reply FROM request_keys WHERE key=?", params, &rows);
	json_decref(params);
	if (st != ACCORD_OK) {
		json_decref(rows);
		return st;
	}
	if (json_array_size(rows) != 1) {
		json_decref(rows);
		return ACCORD_E_NOT_FOUND;
	}
	/* The reply is kept as the frame that went out: its "data". */
	const char *text = json_string_value(json_object_get(json_array_get(rows, 0), "reply"));
	json_t *frame = reply && text ? json_loads(text, 0, NULL) : NULL;
	if (json_is_object(json_object_get(frame, "data")))
		*reply = json_incref(json_object_get(frame, "data"));
	json_decref(frame);
	json_decref(rows);
	return ACCORD_OK;
}

accord_status retry_put(accord_txn *txn, const char *key)
{
	if (!key || !*key || !txn_changed_since_mark(txn))
		return ACCORD_OK; /* a read, or nothing to remember */
	json_t *params = json_pack("[s,I]", key, (json_int_t)now_ms());
	accord_status st = txn_exec(txn,
				    "INSERT INTO request_keys(key, at) VALUES(?,?)"
				    " ON CONFLICT(key) DO NOTHING",
				    params, NULL);
	json_decref(params);
	if (st == ACCORD_OK && txn_changes(txn) > 0)
		marked_add(key);
	if (st == ACCORD_OK && ++marks_since_prune >= RETRY_PRUNE_EVERY) {
		marks_since_prune = 0;
		params = json_pack("[I]", (json_int_t)(now_ms() - RETRY_KEEP_MS));
		st = txn_exec(txn,
			      "DELETE FROM request_keys WHERE key IN (SELECT key FROM request_keys"
			      " WHERE at < ? ORDER BY at LIMIT 1024)",
			      params, NULL);
		json_decref(params);
	}
	return st;
}

typedef struct keep_job {
	char key[RETRY_KEY_MAX];
	char *reply;
} keep_job;

static accord_status keep_work(accord_txn *txn, void *ud, json_t **out)
{
	(void)out;
	keep_job *k = ud;
	json_t *params = json_pack("[s,s]", k->reply, k->key);
	accord_status st = txn_exec(txn,
				    "UPDATE request_keys SET reply=? WHERE key=? AND reply IS NULL",
				    params, NULL);
	json_decref(params);
	return st;
}

static void keep_done(accord_status st, json_t *out, void *ud)
{
	(void)st;
	json_decref(out);
	keep_job *k = ud;
	free(k->reply);
	free(k);
}

void retry_keep_reply(storage *st, const char *key, const char *frame, size_t len)
{
	if (len > RETRY_REPLY_MAX)
		return; /* too large to keep: a retry gets {"duplicate": true} */
	keep_job *k = calloc(1, sizeof(*k));
	char *text = k ? malloc(len + 1) : NULL;
	if (!text) {
		free(k);
		return;
	}
	memcpy(text, frame, len);
	text[len] = 0;
	snprintf(k->key, sizeof(k->key), "%s", key);
	k->reply = text;
	/* Best effort: a full queue only means a retry gets the short answer. */
	if (storage_submit(st, keep_work, keep_done, k)) {
		free(k->reply);
		free(k);
	}
}
