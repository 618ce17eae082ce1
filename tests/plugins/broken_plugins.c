/*
 * Deliberately broken plugins for the loader's tests.  One source, built
 * several times with a different BROKEN_KIND each:
 *   1 bad_abi      - descriptor claims another ABI major version
 *   2 no_entry     - does not export accord_plugin_entry
 *   3 init_fails   - init returns an error
 *   4 wrong_name   - descriptor names another plugin than its file
 *   5 small_struct - struct_size smaller than ABI 1 requires
 * and plugins for the services between plugins:
 *   6 needs_missing - requires a service nobody provides
 *   7 exports_nothing - declares a service it does not export
 *   8 circle_a, 9 circle_b - each requires the other's service
 *  10 svc_user - requires svc.echo (and, optionally, svc.absent); imports
 *                it in init and calls it; refuses to start if an import
 *                it did not declare is given to it
 *  11 svc_provider - provides svc.echo
 */
#include <accord/plugin.h>
#include <string.h>

typedef struct echo_svc {
	size_t size;
	int (*twice)(int x);
} echo_svc;

#if BROKEN_KIND == 8 || BROKEN_KIND == 9 || BROKEN_KIND == 11
static int twice(int x) { return 2 * x; }
static const echo_svc echo = {sizeof(echo_svc), twice};
#endif

static const accord_service_ref none[] __attribute__((unused)) = {{NULL, 0, 0}};
#if BROKEN_KIND == 6
static const accord_service_ref needs[] = {{"svc.nobody", 1, 0}, {NULL, 0, 0}};
#define offers none
#elif BROKEN_KIND == 7
#define needs none
static const accord_service_ref offers[] = {{"svc.unkept", 1, 0}, {NULL, 0, 0}};
#elif BROKEN_KIND == 8
static const accord_service_ref needs[] = {{"svc.b", 1, 0}, {NULL, 0, 0}};
static const accord_service_ref offers[] = {{"svc.a", 1, 0}, {NULL, 0, 0}};
#elif BROKEN_KIND == 9
static const accord_service_ref needs[] = {{"svc.a", 1, 0}, {NULL, 0, 0}};
static const accord_service_ref offers[] = {{"svc.b", 1, 0}, {NULL, 0, 0}};
#elif BROKEN_KIND == 10
static const accord_service_ref needs[] = {{"svc.echo", 1, 0}, {"svc.absent", 1, 1}, {NULL, 0, 0}};
#define offers none
#elif BROKEN_KIND == 11
#define needs none
static const accord_service_ref offers[] = {{"svc.echo", 1, 0}, {NULL, 0, 0}};
#else
#define needs none
#define offers none
#endif

static accord_status init(accord_plugin_ctx *p, const accord_host_api *api, const json_t *c)
{
	(void)p;
	(void)api;
	(void)c;
#if BROKEN_KIND == 3
	return ACCORD_E_INTERNAL;
#elif BROKEN_KIND == 8 || BROKEN_KIND == 9 || BROKEN_KIND == 11
	return api->service_export(p, offers[0].name, 1, &echo) ? ACCORD_E_INTERNAL : ACCORD_OK;
#elif BROKEN_KIND == 10
	const echo_svc *e = api->service_import(p, "svc.echo", 1);
	if (!e || !ACCORD_SERVICE_HAS(e, twice) || e->twice(21) != 42)
		return ACCORD_E_INTERNAL;
	if (api->service_import(p, "svc.absent", 1) ||
	    api->service_import(p, "svc.undeclared", 1) || api->service_import(p, "svc.echo", 2))
		return ACCORD_E_INTERNAL;
	return ACCORD_OK;
#else
	return ACCORD_OK;
#endif
}

static const accord_plugin desc = {
#if BROKEN_KIND == 1
	.abi_major = ACCORD_ABI_MAJOR + 1,
#else
	.abi_major = ACCORD_ABI_MAJOR,
#endif
#if BROKEN_KIND == 5
	.struct_size = 8,
#else
	.struct_size = sizeof(accord_plugin),
#endif
#if BROKEN_KIND == 4
	.name = "somebody_else",
#else
	.name = BROKEN_NAME,
#endif
	.version = "0.0.1",
	.init = init,
	.provides = offers,
	.requires = needs,
};

#if BROKEN_KIND == 2
ACCORD_EXPORT const accord_plugin *not_the_entry(void) { return &desc; }
#else
ACCORD_EXPORT const accord_plugin *accord_plugin_entry(void) { return &desc; }
#endif
