/*
 * HTTP routes served by callback: /healthz, /metrics and the plugins'
 * routes under /api/<plugin>/ (uploads included).
 */
#ifndef ACCORD_HTTP_H
#define ACCORD_HTTP_H

#include <libwebsockets.h>

#include "accord/plugin.h"
#include "context.h"

int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		  size_t len);
/* lws just gave up on a request head too large for its buffer: answers it
 * 414 or 431 (called from the lws log bridge, inside lws's parser). */
void http_head_overflow(server *srv);

/* accord_http accessors (the host API's http_*) */
const char *http_path(const accord_http *h);
const char *http_method(const accord_http *h);
const char *http_body(const accord_http *h, size_t *len);
int http_body_fd(const accord_http *h, size_t *len);
const char *http_query(const accord_http *h, const char *name);
void http_respond(accord_http *h, int status, const char *ctype, const char *body, size_t len);

#endif
