/*
 * Releases: items explicitly released to partners.
 *
 * Item kinds are registered by the plugins that own them at start-up (then
 * read-only, so the storage thread may look them up).  The release table
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
