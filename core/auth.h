/*
 * Authentication: auth.login / resume / logout, bearer tokens for HTTP,
 * the core's accounts and sessions, password hashing.
 */
#ifndef ACCORD_AUTH_H
#define ACCORD_AUTH_H

#include <stdint.h>

#include "accord/plugin.h"
#include "context.h"
#include "principal.h"
#include "storage.h"

int auth_init(server *srv);
void auth_register_handlers(server *srv);
/* The connection closed: a password check it still waits for is skipped. */
void auth_conn_gone(conn *c);
/* Looks a bearer token up; calls back on the loop with the principal or NULL. */
typedef void (*auth_resolve_fn)(server *srv, const struct accord_principal *who, int64_t expires,
				void *ud);
int auth_resolve_token(server *srv, const char *token, auth_resolve_fn cb, void *ud);
/* Accounts (blocking, for init / CLI): creates or updates a login. */
int accounts_upsert(accord_txn *txn, const char *login, const char *name, const char *org,
		    const char *standing, const char *roles, const char *password_hash);
/* argon2id with the server's parameters; 0, or -1 when out of memory. */
#define AUTH_HASH_BYTES 128 /* crypto_pwhash_STRBYTES */
int auth_hash_password(const char *password, char hash[AUTH_HASH_BYTES]);
/* Sets the hash and revokes the account's sessions: the count revoked, or
 * -1 when there is no such login. */
int accounts_set_password(accord_txn *txn, const char *login, const char *password_hash);
extern const accord_migration core_migrations[];
/* host API: accounts */
int auth_password_hash(struct accord_plugin_ctx *p, const char *password,
		       void (*done)(struct accord_plugin_ctx *p, const char *hash, void *ud),
		       void *ud);
accord_status account_save(accord_txn *txn, const json_t *account, int64_t *id);
void auth_account_changed(struct accord_plugin_ctx *p, int64_t account_id);
int auth_account_online(struct accord_plugin_ctx *p, int64_t account_id);

#endif
