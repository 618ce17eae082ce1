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

/* Loads the plugins named (one, or "a\":{},\"b" for several, in that
 * order of the configuration); with init, starts them.  When order is
 * not NULL it gets the names in the order they start, comma-separated. */
static int load_many(const char *name, char *err, size_t errlen, int init, char *order,
		     size_t orderlen)
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
		rc = plugins_init(srv.plugins, &accord_host_api_v1, err, errlen);
	if (!rc && init && !strcmp(name, "test")) /* the good plugin registered its handlers */
		assert_non_null(plugins_find_handler(srv.plugins, "test.put"));
	if (!rc && order) {
		json_t *info = plugins_info(srv.plugins);
		size_t i;
		json_t *pl;
		order[0] = 0;
		json_array_foreach(info, i, pl) {
			size_t n = strlen(order);
			snprintf(order + n, orderlen - n, "%s%s", n ? "," : "",
				 json_string_value(json_object_get(pl, "name")));
		}
		json_decref(info);
	}
	plugins_unload(srv.plugins);
	bus_free(srv.bus);
	metrics_free(srv.metrics);
	config_free(&cfg);
	return rc;
}

static int load_one(const char *name, char *err, size_t errlen, int init)
{
	return load_many(name, err, errlen, init, NULL, 0);
}

static void expect_refusal(const char *name, const char *needle, int init)
{
	char err[512] = "";
	int rc = load_one(name, err, sizeof(err), init);
	if (rc != -1 || !strstr(err, needle) || strncmp(err, "plugin ", 7) || !strstr(err, name))
		fail_msg("%s: rc %d, err \"%s\" (wanted \"%s\")", name, rc, err, needle);
}

static void good_plugin_loads(void **s)
{
	(void)s;
	char err[512] = "";
	assert_int_equal(load_one("test", err, sizeof(err), 1), 0);
}

static void bad_abi(void **s)
{
	(void)s;
	expect_refusal("bad_abi", "built for plugin ABI 2", 0);
}
static void no_entry(void **s)
{
	(void)s;
	expect_refusal("no_entry", "does not export accord_plugin_entry", 0);
}
static void init_fails(void **s)
{
	(void)s;
	expect_refusal("init_fails", "init failed", 1);
}
static void wrong_name(void **s)
{
	(void)s;
	expect_refusal("wrong_name", "names another plugin", 0);
}
static void small_struct(void **s)
{
	(void)s;
	expect_refusal("small_struct", "struct_size", 0);
}
static void missing_file(void **s)
{
	(void)s;
	expect_refusal("absent_plugin", "cannot load", 0);
}
static void reserved_name(void **s)
{
	(void)s;
	expect_refusal("auth", "reserved", 0);
}

/* Services between plugins: a missing provider stops start-up naming the
 * service; so does a declared service the plugin does not export, and a
 * circle. */
static void needs_missing(void **s)
{
	(void)s;
	expect_refusal("needs_missing",
		       "requires service svc.nobody version 1, which no enabled plugin provides", 0);
}
static void exports_nothing(void **s)
{
	(void)s;
	expect_refusal("exports_nothing",
		       "declares service svc.unkept version 1 but its init did not export it", 1);
}
static void circle(void **s)
{
	(void)s;
	char err[512] = "";
	assert_int_equal(load_many("circle_a\":{},\"circle_b", err, sizeof(err), 0, NULL, 0), -1);
	if (!strstr(err, "circle_a, circle_b require each other's services in a circle"))
		fail_msg("err \"%s\"", err);
}
/* The user is listed first, yet its provider starts first; the user
 * imports the service in its init and calls it (its init fails
 * otherwise, and also when it is handed an import it did not declare, a
 * wrong version, or an optional service nobody provides). */
static void provider_starts_first(void **s)
{
	(void)s;
	char err[512] = "", order[256] = "";
	int rc = load_many("svc_user\":{},\"test\":{},\"svc_provider", err, sizeof(err), 1, order,
			   sizeof(order));
	if (rc)
		fail_msg("rc %d: %s", rc, err);
	assert_string_equal(order, "test,svc_provider,svc_user");
	/* without the provider, the user does not start */
	assert_int_equal(load_one("svc_user", err, sizeof(err), 0), -1);
	assert_non_null(strstr(err, "plugin svc_user requires service svc.echo version 1"));
}

int main(void)
{
	if (!getenv("ACCORD_PLUGIN_DIR")) {
		fprintf(stderr, "ACCORD_PLUGIN_DIR is not set\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_plugin_loads),
		cmocka_unit_test(bad_abi),
		cmocka_unit_test(no_entry),
		cmocka_unit_test(init_fails),
		cmocka_unit_test(wrong_name),
		cmocka_unit_test(small_struct),
		cmocka_unit_test(missing_file),
		cmocka_unit_test(reserved_name),
		cmocka_unit_test(needs_missing),
		cmocka_unit_test(exports_nothing),
		cmocka_unit_test(circle),
		cmocka_unit_test(provider_starts_first),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
