/* The membership plugin's service "accord.members" (service.c). */
#ifndef MEMBERSHIP_SERVICE_H
#define MEMBERSHIP_SERVICE_H

#include <accord/plugin.h>

/* From init: exports the service.  0 or -1. */
int members_service_init(const accord_host_api *api, accord_plugin_ctx *self);
/* On the loop, after a change committed: tells the watchers. */
void members_service_changed(const char *what, const char *id, const char *action);
void members_service_fini(void);
/* The hook that mails invitations (accord.members' on_invite). */
typedef accord_status (*members_invite_fn)(accord_txn *txn, const json_t *invite, int *mailed,
					   void *ud);
/* Storage thread, in the transaction storing invitation invite ({org,
 * name, function, contact, token, expires}): hands it to the hook, if any;
 * *mailed 1 when the link was queued for mailing. */
accord_status members_service_invited(accord_txn *txn, const json_t *invite, int *mailed);

#endif
