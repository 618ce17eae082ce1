/*
 * The host API table handed to every plugin's init: the only way a plugin
 * reaches the core (include/accord/plugin.h).  It only grows at its end.
 */
#ifndef ACCORD_HOSTAPI_H
#define ACCORD_HOSTAPI_H

#include "accord/plugin.h"

extern const accord_host_api accord_host_api_v1;

#endif
