/*
 * Origin and Host checks: which pages may open a WebSocket (the Origin
 * allow-list, or the same origin under a Host this server serves) and
 * which Host names the server answers to at all.  Decided before anyone
 * is authenticated; DNS rebinding and cross-site WebSockets stop here.
 */
#include "origin.h"
#include "log.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Copies the host name of a Host header value or of an origin's authority
 * ("name", "name:port", "[v6]", "[v6]:port") into out, without brackets
 * and port.  Returns 0, or -1 if it does not fit or is malformed. */
static int host_name_of(const char *authority, size_t n, char *out, size_t outlen)
{
	const char *end = authority + n;
	const char *b = authority, *e;
	if (n && *b == '[') {
		e = memchr(b, ']', n);
		if (!e || (e + 1 < end && e[1] != ':'))
			return -1;
		b++;
	} else {
		e = memchr(b, ':', n);
		if (!e)
			e = end;
	}
	if (e == b || (size_t)(e - b) >= outlen)
		return -1;
	/* After the name only a port may follow: ":" and 1-5 digits. */
	const char *port = *authority == '[' ? e + 1 : e;
	if (port < end) {
		size_t digits = (size_t)(end - port) - 1;
		if (*port != ':' || digits < 1 || digits > 5 ||
		    strspn(port + 1, "0123456789") < digits)
			return -1;
	}
	memcpy(out, b, (size_t)(e - b));
	out[e - b] = 0;
	return 0;
}

/* Whether a Host header names this server.  A DNS rebinding page keeps its
 * own DNS name in Host while that name points at us, so a name is trusted
 * only if the operator listed it (server_names, or the host of an entry of
 * origins) or it cannot be rebound: "localhost", which browsers resolve
 * themselves, and IP addresses, which involve no DNS at all. */
int server_serves_host(server *srv, const char *host)
{
	char name[256], other[256];
	unsigned char ip[sizeof(struct in6_addr)];
	if (host_name_of(host, strlen(host), name, sizeof(name)))
		return 0;
	if (!strcasecmp(name, "localhost") || inet_pton(AF_INET, name, ip) == 1 ||
	    inet_pton(AF_INET6, name, ip) == 1)
		return 1;
	size_t i;
	const json_t *v;
	json_array_foreach(srv->cfg->server_names, i, v) {
		if (!strcasecmp(json_string_value(v), name))
			return 1;
	}
	json_array_foreach(srv->cfg->origins, i, v) {
		const char *o = json_string_value(v), *sep = strstr(o, "://");
		if (!sep)
			continue;
		sep += 3;
		if (!host_name_of(sep, strcspn(sep, "/"), other, sizeof(other)) &&
		    !strcasecmp(other, name))
			return 1;
	}
	return 0;
}

/* Origin allow-list: an origin listed in the configuration, or the same
 * origin as the request when the Host header names this server (see
 * server_serves_host: Host alone proves nothing under DNS rebinding). */
static int origin_allowed(server *srv, struct lws *wsi)
{
	char origin[256], host[256], same[300];
	if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) <= 0 ||
	    lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) <= 0)
		return 0;
	size_t i;
	const json_t *v;
	json_array_foreach(srv->cfg->origins, i, v) {
		if (!strcmp(json_string_value(v), origin))
			return 1;
	}
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HOST) > 0 &&
	    lws_hdr_copy(wsi, host, sizeof(host), WSI_TOKEN_HOST) > 0 &&
	    server_serves_host(srv, host)) {
		snprintf(same, sizeof(same), "http://%s", host);
		if (!strcmp(same, origin))
			return 1;
		snprintf(same, sizeof(same), "https://%s", host);
		if (!strcmp(same, origin))
			return 1;
	}
	return 0;
}

const char *server_upgrade_refusal(server *srv, struct lws *wsi)
{
	if (srv->shutting_down)
		return "the server is shutting down";
	if (!origin_allowed(srv, wsi)) {
		char peer[64] = "";
		lws_get_peer_simple(wsi, peer, sizeof(peer));
		log_info("refused WebSocket from %s: Origin not allowed", peer);
		return "Origin not allowed";
	}
	if (srv->n_conns >= srv->cfg->limits.max_connections) {
		log_warn("refused WebSocket: %ld connections open (limits.max_connections)",
			 srv->n_conns);
		return "too many connections";
	}
	return NULL;
}
