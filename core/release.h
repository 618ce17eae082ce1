/*
 * Releases: items explicitly released to partners.
 *
 * Item kinds are registered by the plugins that own them in their init.
 * The storage thread looks them up under a read lock; a plugin upgraded or
 * removed live takes its kinds out under the write lock, so no describe
 * function of it runs once they are out.  The release table
 * lives on the loop; it is what the release provider (the portal plugin)
 * last set for each item.  Who may see an item is decided in permit.c
 * from what release_find() answers.
 */
#ifndef ACCORD_RELEASE_H
#define ACCORD_RELEASE_H

#include <stddef.h>

#include "accord/plugin.h"
#include "storage.h"

/* owner: the tables of the plugin that owns the kind (its describe
 * function runs as that plugin). */
int release_kind_register(const storage_scope *owner, const char *kind, accord_item_describe_fn fn,
			  void *ud);
accord_status release_describe(accord_txn *txn, const char *kind, const char *id, json_t **out);
/* A kind and its owner, as a plugin leaving live takes them out
 * (registry_detach) and puts them back when its replacement fails. */
typedef struct release_kind {
	char name[33];
	const storage_scope *owner;
	accord_item_describe_fn fn;
	void *ud;
} release_kind;
#define RELEASE_MAX_SAVED 8
/* Loop: takes out every kind of owner (at most max into out). */
int release_kinds_take(const storage_scope *owner, release_kind *out, int max);
void release_kinds_put(const release_kind *kinds, int n);
int release_kind_known(const char *kind);
/* to: JSON null (withdrawn), "partners", or an array of organisation codes. */
int release_set(const char *item, const json_t *to);

/* Whom an item is released to. */
typedef struct release_to {
	int all;     /* every partner */
	char **orgs; /* or these organisations */
	size_t n_orgs;
} release_to;
/* The item's release in force, or NULL when it is not released. */
const release_to *release_find(const char *item);
void release_reset(void);

#endif
