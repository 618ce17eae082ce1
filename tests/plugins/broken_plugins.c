/*
 * Deliberately broken plugins for the loader's tests.  One source, built
 * several times with a different BROKEN_KIND each:
 *   1 bad_abi      - descriptor claims another ABI major version
 *   2 no_entry     - does not export accord_plugin_entry
 *   3 init_fails   - init returns an error
 *   4 wrong_name   - descriptor names another plugin than its file
 *   5 small_struct - struct_size smaller than ABI 1 requires
 */
#include <accord/plugin.h>

static accord_status init(accord_plugin_ctx *p, const accord_host_api *api, const json_t *c)
{
	(void)p;
	(void)api;
	(void)c;
#if BROKEN_KIND == 3
	return ACCORD_E_INTERNAL;
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
};

#if BROKEN_KIND == 2
ACCORD_EXPORT const accord_plugin *not_the_entry(void) { return &desc; }
#else
ACCORD_EXPORT const accord_plugin *accord_plugin_entry(void) { return &desc; }
#endif
