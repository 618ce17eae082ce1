/* The plugin loader's ABI checks, with deliberately broken plugins built
 * from tests/plugins/broken_plugins.c, and a good plugin for contrast. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

static int load_one(const char *name, char *err, size_t errlen, int init)
{
	char text[1024];
	snprintf(text, sizeof(text), "{\"plugins\":{\"dir\":\"%s\",\"enabled\":{\"%s\":{}}}}",
		 getenv("ACCORD_PLUGIN_DIR"), name);
	accord_config cfg;
	assert_int_equal(config_load_string(text, &cfg, err, errlen), 0);
	server srv;
	memset(&srv, 0, sizeof(srv));
	srv.cfg = &cfg;
	srv.metrics = metrics_new();
	srv.bus = bus_new(&srv);
	srv.plugins = plugins_new(&srv);
	int rc = plugins_load(srv.plugins, &cfg, err, errlen);
	if (!rc && init)
		rc = plugins_init(srv.plugins, err, errlen);
	if (!rc && init) /* the good plugin registered its handlers */
		assert_non_null(plugins_find_handler(srv.plugins, "test.put"));
	plugins_unload(srv.plugins);
	bus_free(srv.bus);
	metrics_free(srv.metrics);
	config_free(&cfg);
	return rc;
}

static void expect_refusal(const char *name, const char *needle, int init)
{
	char err[512] = "";
	int rc = load_one(name, err, sizeof(err), init);
	if (rc != -1 || !strstr(err, needle) || strncmp(err, "plugin ", 7) ||
	    !strstr(err, name))
		fail_msg("%s: rc %d, err \"%s\" (wanted \"%s\")", name, rc, err, needle);
}

static void good_plugin_loads(void **s)
{
	(void)s;
	char err[512] = "";
	assert_int_equal(load_one("test", err, sizeof(err), 1), 0);
}

static void bad_abi(void **s) { (void)s; expect_refusal("bad_abi", "built for plugin ABI 2", 0); }
static void no_entry(void **s) { (void)s; expect_refusal("no_entry", "does not export accord_plugin_entry", 0); }
static void init_fails(void **s) { (void)s; expect_refusal("init_fails", "init failed", 1); }
static void wrong_name(void **s) { (void)s; expect_refusal("wrong_name", "names another plugin", 0); }
static void small_struct(void **s) { (void)s; expect_refusal("small_struct", "struct_size", 0); }
static void missing_file(void **s) { (void)s; expect_refusal("absent_plugin", "cannot load", 0); }
static void reserved_name(void **s) { (void)s; expect_refusal("auth", "reserved", 0); }

int main(void)
{
	if (!getenv("ACCORD_PLUGIN_DIR")) {
		fprintf(stderr, "ACCORD_PLUGIN_DIR is not set\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_plugin_loads), cmocka_unit_test(bad_abi),
		cmocka_unit_test(no_entry),          cmocka_unit_test(init_fails),
		cmocka_unit_test(wrong_name),        cmocka_unit_test(small_struct),
		cmocka_unit_test(missing_file),      cmocka_unit_test(reserved_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
