/* The groups plugin's service "accord.groups" (service.c). */
#ifndef GROUPS_SERVICE_H
#define GROUPS_SERVICE_H

#include <accord/plugin.h>

/* From init: exports the service.  0 or -1. */
int groups_service_init(const accord_host_api *api, accord_plugin_ctx *self);

#endif
