/*
 * The registries: request handlers, HTTP routes, listeners of core events,
 * CLI commands and timers, and the namespaces plugins claim.
 *
 * Request handlers live in one hash table keyed by the full type
 * ("<plugin>.<verb>"); core handlers (auth.*, sub.*, sys.*) are in the same
 * table with plugin == NULL, so dispatch is one lookup.  Everything is
 * registered during start-up, on the loop, and looked up on the loop.
 */
#include "registry.h"
#include "context.h"
#include "log.h"
#include "plugin_host.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned hash_str(const char *s)
{
	unsigned h = 2166136261u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static int grow(void **arr, int *cap, int n, size_t elem)
{
	if (n < *cap)
		return 0;
	int ncap = *cap ? *cap * 2 : 8;
	void *a = realloc(*arr, (size_t)ncap * elem);
	if (!a)
		return -1;
	*arr = a;
	*cap = ncap;
	return 0;
}

static int add_handler(plugin_host *h, const char *type, const handler *hd)
{
	unsigned b = hash_str(type) % HANDLER_BUCKETS;
	for (hentry *e = h->handlers[b]; e; e = e->next)
		if (!strcmp(e->type, type))
			return -1;
	hentry *e = calloc(1, sizeof(*e));
	if (!e)
		return -1;
	snprintf(e->type, sizeof(e->type), "%s", type);
	e->h = *hd;
	e->next = h->handlers[b];
	h->handlers[b] = e;
	return 0;
}

const handler *plugins_find_handler(plugin_host *h, const char *type)
{
	unsigned b = hash_str(type) % HANDLER_BUCKETS;
	for (hentry *e = h->handlers[b]; e; e = e->next)
		if (!strcmp(e->type, type))
			return &e->h;
	return NULL;
}

int plugins_add_core_handler(plugin_host *h, const char *type,
			     void (*fn)(server *, conn *, struct accord_req *, const json_t *),
			     unsigned flags)
{
	handler hd = {.core_fn = fn, .flags = flags};
	return add_handler(h, type, &hd);
}

void plugins_cancel_timers(plugin_host *h)
{
	if (!h)
		return;
	h->timers_closed = 1;
	while (h->timers) {
		ptimer *t = h->timers;
		h->timers = t->next;
		lws_sul_cancel(&t->sul);
		accord_plugin_ctx *p = t->p;
		free(t);
		plugin_unref(p);
	}
}

void plugins_dispatch_event(plugin_host *h, accord_core_event ev, const char *name,
			    const json_t *data, const struct accord_principal *who)
{
	for (int i = 0; i < h->n_listeners; i++) {
		listener *l = &h->listeners[i];
		if (l->ev == ev)
			l->fn(l->p, ev, name, data, who, l->ud);
	}
}

int plugins_has_cli(plugin_host *h, const char *name)
{
	for (int i = 0; i < h->n_clis; i++)
		if (!strcmp(h->clis[i].name, name))
			return 1;
	return 0;
}

/* Each line says which plugin adds the command: it is there only while
 * the configuration enables that plugin. */
void plugins_print_cli_usage(plugin_host *h, FILE *out)
{
	for (int i = 0; i < h->n_clis; i++) {
		const cli_entry *c = &h->clis[i];
		fprintf(out, "  accord %s [--config FILE]%s%s\n      (from the %s plugin)\n",
			c->name, c->usage[0] ? " " : "", c->usage, c->p->name);
	}
}

int plugins_cli_help(plugin_host *h, const char *name, FILE *out)
{
	for (int i = 0; i < h->n_clis; i++) {
		const cli_entry *c = &h->clis[i];
		if (strcmp(c->name, name))
			continue;
		const char *what = c->p->desc->description;
		fprintf(out, "usage: accord %s [--config FILE]%s%s\n\n", c->name,
			c->usage[0] ? " " : "", c->usage);
		fprintf(out, "A command of the %s plugin%s%s.\n", c->p->name,
			what && *what ? ": " : "", what ? what : "");
		return 0;
	}
	return -2;
}

int plugins_http_find(plugin_host *h, const char *path, struct accord_plugin_ctx **p,
		      accord_http_fn *fn, void **ud, int *partners)
{
	for (int i = 0; i < h->n_routes; i++) {
		route *r = &h->routes[i];
		size_t n = strlen(r->path);
		int match = r->path[n - 1] == '/' ? !strncmp(path, r->path, n)
						  : !strcmp(path, r->path);
		if (match) {
			*p = r->p;
			*fn = r->fn;
			*ud = r->ud;
			if (partners)
				*partners = r->partners;
			return 0;
		}
	}
	return -1;
}

static int owns_namespace(const accord_plugin_ctx *p, const char *ns, size_t n)
{
	if (strlen(p->name) == n && !strncmp(p->name, ns, n))
		return 1;
	for (int i = 0; i < p->n_ns; i++)
		if (strlen(p->ns[i]) == n && !strncmp(p->ns[i], ns, n))
			return 1;
	return 0;
}

int registry_namespace_claim(accord_plugin_ctx *p, const char *ns)
{
	size_t n = ns ? strlen(ns) : 0;
	int ok = n > 0 && n <= 32 && p->n_ns < 4 && strcmp(ns, "auth") && strcmp(ns, "sub") &&
		 strcmp(ns, "sys") && strcmp(ns, "core");
	for (size_t i = 0; ok && i < n; i++)
		ok = (ns[i] >= 'a' && ns[i] <= 'z') || (ns[i] >= '0' && ns[i] <= '9') || ns[i] == '_';
	for (int i = 0; ok && i < p->h->n; i++)
		if (p->h->plugins[i] != p && owns_namespace(p->h->plugins[i], ns, n))
			ok = 0;
	if (!ok) {
		plugin_log(p, ACCORD_LOG_ERR, "namespace_claim(%s): invalid, reserved or taken",
			   ns ? ns : "");
		return -1;
	}
	snprintf(p->ns[p->n_ns++], sizeof(p->ns[0]), "%s", ns);
	return 0;
}

int registry_handle(accord_plugin_ctx *p, const char *verb, accord_request_fn fn, unsigned flags,
		    void *ud)
{
	char type[ENVELOPE_MAX_TYPE + 2];
	const char *dot = verb ? strchr(verb, '.') : NULL;
	if (dot && !owns_namespace(p, verb, (size_t)(dot - verb))) {
		plugin_log(p, ACCORD_LOG_ERR, "handle(%s): namespace not claimed", verb);
		return -1;
	}
	int n = dot ? snprintf(type, sizeof(type), "%s", verb)
		    : snprintf(type, sizeof(type), "%s.%s", p->name, verb);
	if (!fn || n <= 0 || n > ENVELOPE_MAX_TYPE) {
		plugin_log(p, ACCORD_LOG_ERR, "handle(%s): invalid type", verb);
		return -1;
	}
	handler hd = {.plugin = p, .fn = fn, .flags = flags, .ud = ud};
	if (p->retired || add_handler(p->h, type, &hd)) {
		plugin_log(p, ACCORD_LOG_ERR, "handle(%s): already registered", type);
		return -1;
	}
	return 0;
}

int registry_auth_extension(accord_plugin_ctx *p, const char *verb, accord_request_fn fn, void *ud)
{
	char type[ENVELOPE_MAX_TYPE + 2];
	int n = snprintf(type, sizeof(type), "auth.%s", verb ? verb : "");
	handler hd = {.plugin = p, .fn = fn, .flags = ACCORD_REQ_ANONYMOUS, .ud = ud};
	if (!fn || !verb || strchr(verb, '.') || n > ENVELOPE_MAX_TYPE ||
	    add_handler(p->h, type, &hd)) {
		plugin_log(p, ACCORD_LOG_ERR, "auth_extension(%s): invalid or taken", type);
		return -1;
	}
	return 0;
}

int registry_listen(accord_plugin_ctx *p, accord_core_event ev, accord_event_fn fn, void *ud)
{
	plugin_host *h = p->h;
	if (!fn || p->retired ||
	    grow((void **)&h->listeners, &h->cap_listeners, h->n_listeners, sizeof(listener)))
		return -1;
	h->listeners[h->n_listeners++] = (listener){p, ev, fn, ud};
	return 0;
}

void registry_emit(accord_plugin_ctx *p, const char *name, const json_t *data)
{
	char full[96];
	snprintf(full, sizeof(full), "%s.%s", p->name, name);
	plugins_dispatch_event(p->h, ACCORD_EV_PLUGIN, full, data, NULL);
}

int registry_http_route(accord_plugin_ctx *p, const char *subpath, accord_http_fn fn, void *ud)
{
	plugin_host *h = p->h;
	if (!fn || !subpath || p->retired || strlen(subpath) > 100 ||
	    grow((void **)&h->routes, &h->cap_routes, h->n_routes, sizeof(route)))
		return -1;
	route *r = &h->routes[h->n_routes++];
	snprintf(r->path, sizeof(r->path), "/api/%s/%s", p->name,
		 subpath[0] == '/' ? subpath + 1 : subpath);
	r->p = p;
	r->fn = fn;
	r->ud = ud;
	r->partners = 0;
	return 0;
}

int registry_http_route_partner(accord_plugin_ctx *p, const char *subpath, accord_http_fn fn, void *ud)
{
	if (registry_http_route(p, subpath, fn, ud))
		return -1;
	p->h->routes[p->h->n_routes - 1].partners = 1;
	return 0;
}

int registry_cli(accord_plugin_ctx *p, const char *name, const char *usage, accord_cli_fn fn)
{
	plugin_host *h = p->h;
	if (!fn || !name || strlen(name) > 32 ||
	    grow((void **)&h->clis, &h->cap_clis, h->n_clis, sizeof(cli_entry)))
		return -1;
	cli_entry *c = &h->clis[h->n_clis++];
	c->p = p;
	c->fn = fn;
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->usage, sizeof(c->usage), "%s", usage ? usage : "");
	return 0;
}

static void timer_fire(lws_sorted_usec_list_t *sul)
{
	ptimer *t = (ptimer *)sul;
	plugin_host *h = t->p->h;
	if (t->prev)
		t->prev->next = t->next;
	else
		h->timers = t->next;
	if (t->next)
		t->next->prev = t->prev;
	accord_plugin_ctx *p = t->p;
	accord_timer_fn fn = t->fn;
	void *ud = t->ud;
	free(t);
	fn(p, ud);
	plugin_unref(p);
}

uint64_t registry_timer_add(accord_plugin_ctx *p, uint64_t delay_ms, accord_timer_fn fn, void *ud)
{
	if (!fn || !p->srv->ctx || p->h->timers_closed || p->retired)
		return 0;
	ptimer *t = calloc(1, sizeof(*t));
	if (!t)
		return 0;
	plugin_host *h = p->h;
	t->id = ++h->next_timer_id;
	t->p = p;
	t->fn = fn;
	t->ud = ud;
	t->next = h->timers;
	if (h->timers)
		h->timers->prev = t;
	h->timers = t;
	plugin_ref(p);
	/* lws_sul below 1 ms makes the poll loop spin: round up. */
	lws_sul_schedule(p->srv->ctx, 0, &t->sul, timer_fire,
			 (lws_usec_t)(delay_ms ? delay_ms : 1) * LWS_US_PER_MS);
	return t->id;
}

void registry_timer_cancel(accord_plugin_ctx *p, uint64_t id)
{
	plugin_host *h = p->h;
	for (ptimer *t = h->timers; t; t = t->next) {
		if (t->id != id || t->p != p)
			continue;
		lws_sul_cancel(&t->sul);
		if (t->prev)
			t->prev->next = t->next;
		else
			h->timers = t->next;
		if (t->next)
			t->next->prev = t->prev;
		free(t);
		plugin_unref(p);
		return;
	}
}

void registry_free(plugin_host *h)
{
	for (int i = 0; i < HANDLER_BUCKETS; i++) {
		hentry *e = h->handlers[i];
		while (e) {
			hentry *n = e->next;
			free(e);
			e = n;
		}
	}
	free(h->listeners);
	free(h->clis);
	free(h->routes);
}

/* ---- plugins that come and go (plugin_live.c) ----
 * Everything p registered is taken out of the tables into saved (its
 * order kept), so that the tables hold no pointer into p's code; put back
 * when its replacement failed, dropped when p retires. */

static int take_array(void *arr, int *n, size_t elem, size_t off_p, const accord_plugin_ctx *p,
		      void **out, int *n_out)
{
	char *a = arr;
	int k = 0, m = 0;
	char *taken = NULL;
	for (int i = 0; i < *n; i++)
		if (*(accord_plugin_ctx **)(void *)(a + (size_t)i * elem + off_p) == p)
			m++;
	if (m && !(taken = malloc((size_t)m * elem)))
		return -1;
	m = 0;
	for (int i = 0; i < *n; i++) {
		char *e = a + (size_t)i * elem;
		if (*(accord_plugin_ctx **)(void *)(e + off_p) == p) {
			assert(taken); /* counted in the first pass */
			memcpy(taken + (size_t)m++ * elem, e, elem);
		} else
			memmove(a + (size_t)k++ * elem, e, elem);
	}
	*n = k;
	*out = taken;
	*n_out = m;
	return 0;
}

static int put_array(void **arr, int *cap, int *n, size_t elem, const void *items, int n_items)
{
	for (int i = 0; i < n_items; i++) {
		if (grow(arr, cap, *n, elem))
			return -1;
		memcpy((char *)*arr + (size_t)(*n)++ * elem, (const char *)items + (size_t)i * elem,
		       elem);
	}
	return 0;
}

int registry_detach(plugin_host *h, accord_plugin_ctx *p, registry_saved *s)
{
	memset(s, 0, sizeof(*s));
	if (take_array(h->listeners, &h->n_listeners, sizeof(listener), offsetof(listener, p), p,
		       (void **)&s->listeners, &s->n_listeners) ||
	    take_array(h->routes, &h->n_routes, sizeof(route), offsetof(route, p), p,
		       (void **)&s->routes, &s->n_routes) ||
	    take_array(h->clis, &h->n_clis, sizeof(cli_entry), offsetof(cli_entry, p), p,
		       (void **)&s->clis, &s->n_clis) ||
	    take_array(h->services, &h->n_services, sizeof(service), offsetof(service, provider), p,
		       (void **)&s->services, &s->n_services)) {
		registry_reattach(h, s);
		return -1;
	}
	for (int b = 0; b < HANDLER_BUCKETS; b++)
		for (hentry **pe = &h->handlers[b]; *pe;) {
			hentry *e = *pe;
			if (e->h.plugin == p) {
				*pe = e->next;
				e->next = s->handlers;
				s->handlers = e;
			} else
				pe = &e->next;
		}
	bus_prefixes_detach(p->srv->bus, p, s->prefixes, &s->n_prefixes);
	s->n_kinds = release_kinds_take(&p->scope, s->kinds, RELEASE_MAX_SAVED);
	return 0;
}

void registry_reattach(plugin_host *h, registry_saved *s)
{
	/* Room was there before the detach; the arrays did not shrink. */
	put_array((void **)&h->listeners, &h->cap_listeners, &h->n_listeners, sizeof(listener),
		  s->listeners, s->n_listeners);
	put_array((void **)&h->routes, &h->cap_routes, &h->n_routes, sizeof(route), s->routes,
		  s->n_routes);
	put_array((void **)&h->clis, &h->cap_clis, &h->n_clis, sizeof(cli_entry), s->clis, s->n_clis);
	for (int i = 0; i < s->n_services && h->n_services < MAX_SERVICES; i++)
		h->services[h->n_services++] = s->services[i];
	while (s->handlers) {
		hentry *e = s->handlers;
		s->handlers = e->next;
		unsigned b = hash_str(e->type) % HANDLER_BUCKETS;
		e->next = h->handlers[b];
		h->handlers[b] = e;
	}
	if (s->n_prefixes && h->srv && h->srv->bus)
		bus_prefixes_reattach(h->srv->bus, s->prefixes, s->n_prefixes);
	release_kinds_put(s->kinds, s->n_kinds);
	registry_saved_free(s);
}

void registry_saved_free(registry_saved *s)
{
	while (s->handlers) {
		hentry *e = s->handlers;
		s->handlers = e->next;
		free(e);
	}
	free(s->listeners);
	free(s->routes);
	free(s->clis);
	free(s->services);
	memset(s, 0, sizeof(*s));
}

void registry_cancel_timers_of(plugin_host *h, accord_plugin_ctx *p)
{
	ptimer *t = h->timers;
	while (t) {
		ptimer *next = t->next;
		if (t->p == p)
			registry_timer_cancel(p, t->id);
		t = next;
	}
}

void registry_remove_all(plugin_host *h, accord_plugin_ctx *p)
{
	registry_saved s;
	if (!registry_detach(h, p, &s))
		registry_saved_free(&s);
}
