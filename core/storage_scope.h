/* Whose statements run in a transaction: the core (NULL) or a plugin,
 * which may touch only its own tables.  Shared by storage.c and the
 * backends (storage_backend.h) that enforce it. */
#ifndef ACCORD_STORAGE_SCOPE_H
#define ACCORD_STORAGE_SCOPE_H

#define STORAGE_SCOPE_PREFIXES 4
#define STORAGE_SCOPE_DEPTH 16
typedef struct storage_scope {
	const char *name;                             /* for messages: the plugin */
	const char *prefixes[STORAGE_SCOPE_PREFIXES]; /* tables "<prefix>_...", NULL-ended */
} storage_scope;

#endif
