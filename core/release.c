/*
 * Releases: the core's record of which items partners may see.
 *
 * Everything a plugin holds is internal.  An item ("<kind>:<id>") becomes
 * visible to partners only once the release provider (the portal plugin)
 * records a release and tells the core, after its commit, whom it reached:
 * every partner or named partner organisations.  permit.c answers from
 * this table (release_find) on every read that asks and on every delivery
 * and replay of an event whose audience names the item, so a withdrawal
 * takes effect on the next frame, queued replays included.
 *
 * Item kinds (which plugin owns "proposal", "post"...) are registered during
 * plugin init and never change afterwards, so the storage thread may look
 * them up without a lock; the release table itself is touched on the loop
 * only.
 */
#include "release.h"
#include "log.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KINDS 32
#define REL_BUCKETS 1024

typedef release_kind kind_entry;

typedef struct rel {
	struct rel *next;
	char *item;
	release_to to;
} rel;

static kind_entry kinds[MAX_KINDS];
static int n_kinds;
/* writers: the loop (register, take, put); readers: the storage thread's
 * describes (the loop's own reads need no lock) */
static pthread_rwlock_t kinds_lock = PTHREAD_RWLOCK_INITIALIZER;
static rel *buckets[REL_BUCKETS];

static unsigned hash_item(const char *s)
{
	unsigned h = 2166136261u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % REL_BUCKETS;
}

static int kind_valid(const char *k)
{
	size_t n = k ? strlen(k) : 0;
	if (!n || n > 32)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || k[i] == '_'))
			return 0;
	return 1;
}

static const kind_entry *kind_find(const char *kind)
{
	for (int i = 0; i < n_kinds; i++)
		if (!strcmp(kinds[i].name, kind))
			return &kinds[i];
	return NULL;
}

int release_kind_register(const storage_scope *owner, const char *kind, accord_item_describe_fn fn,
			  void *ud)
{
	if (!kind_valid(kind) || !fn || kind_find(kind) || n_kinds == MAX_KINDS)
		return -1;
	pthread_rwlock_wrlock(&kinds_lock);
	kind_entry *k = &kinds[n_kinds];
	snprintf(k->name, sizeof(k->name), "%s", kind);
	k->owner = owner;
	k->fn = fn;
	k->ud = ud;
	n_kinds++;
	pthread_rwlock_unlock(&kinds_lock);
	return 0;
}

int release_kinds_take(const storage_scope *owner, release_kind *out, int max)
{
	int n = 0, k = 0;
	pthread_rwlock_wrlock(&kinds_lock);
	for (int i = 0; i < n_kinds; i++) {
		if (kinds[i].owner == owner && n < max)
			out[n++] = kinds[i];
		else if (kinds[i].owner != owner)
			kinds[k++] = kinds[i];
	}
	n_kinds = k;
	pthread_rwlock_unlock(&kinds_lock);
	return n;
}

void release_kinds_put(const release_kind *in, int n)
{
	pthread_rwlock_wrlock(&kinds_lock);
	for (int i = 0; i < n && n_kinds < MAX_KINDS; i++)
		kinds[n_kinds++] = in[i];
	pthread_rwlock_unlock(&kinds_lock);
}

int release_kind_known(const char *kind) { return kind && kind_find(kind) != NULL; }

accord_status release_describe(accord_txn *txn, const char *kind, const char *id, json_t **out)
{
	*out = NULL;
	pthread_rwlock_rdlock(&kinds_lock);
	const kind_entry *k = kind ? kind_find(kind) : NULL;
	if (!k || !id || !*id || strlen(id) > 64) {
		pthread_rwlock_unlock(&kinds_lock);
		return !k ? ACCORD_E_BAD_REQUEST : ACCORD_E_NOT_FOUND;
	}
	/* The owner describes its item with its own tables. */
	txn_scope_enter(txn, k->owner);
	accord_status st = k->fn(txn, id, out, k->ud);
	txn_scope_leave(txn);
	pthread_rwlock_unlock(&kinds_lock);
	if (st != ACCORD_OK) {
		json_decref(*out);
		*out = NULL;
	} else if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return ACCORD_E_INTERNAL;
	}
	return st;
}

static rel **rel_slot(const char *item)
{
	rel **pp = &buckets[hash_item(item)];
	while (*pp && strcmp((*pp)->item, item))
		pp = &(*pp)->next;
	return pp;
}

static void rel_free(rel *r)
{
	for (size_t i = 0; i < r->to.n_orgs; i++)
		free(r->to.orgs[i]);
	free(r->to.orgs);
	free(r->item);
	free(r);
}

int release_set(const char *item, const json_t *to)
{
	if (!item || !strchr(item, ':'))
		return -1;
	rel **pp = rel_slot(item);
	if (*pp) {
		rel *old = *pp;
		*pp = old->next;
		rel_free(old);
	}
	if (!to || json_is_null(to))
		return 0; /* withdrawn */
	rel *r = calloc(1, sizeof(*r));
	if (!r || !(r->item = strdup(item))) {
		free(r);
		return -1;
	}
	if (json_is_string(to) && !strcmp(json_string_value(to), "partners")) {
		r->to.all = 1;
	} else if (json_is_array(to)) {
		size_t n = json_array_size(to);
		r->to.orgs = calloc(n ? n : 1, sizeof(char *));
		for (size_t i = 0; r->to.orgs && i < n; i++) {
			const char *o = json_string_value(json_array_get(to, i));
			if (o && (r->to.orgs[r->to.n_orgs] = strdup(o)))
				r->to.n_orgs++;
		}
	} else {
		rel_free(r);
		return -1;
	}
	r->next = buckets[hash_item(item)];
	buckets[hash_item(item)] = r;
	return 0;
}

const release_to *release_find(const char *item)
{
	const rel *r = item ? *rel_slot(item) : NULL;
	return r ? &r->to : NULL;
}

void release_reset(void)
{
	for (int i = 0; i < REL_BUCKETS; i++) {
		while (buckets[i]) {
			rel *r = buckets[i];
			buckets[i] = r->next;
			rel_free(r);
		}
	}
	n_kinds = 0;
}
