/*
 * Request dispatch: rate limiting, envelope validation, the permission
 * gate, routing by type, and the core's own sys.* and sub.* handlers.
 */
#ifndef ACCORD_DISPATCH_H
#define ACCORD_DISPATCH_H

#include <stddef.h>

#include "context.h"

void dispatch_message(server *srv, conn *c, const char *buf, size_t len);
/* Registers sys.* and sub.* (auth.* are auth.c's: auth_register_handlers). */
void dispatch_register_core(server *srv);

#endif
