/* Config validation: defaults, and an error naming the key path for every
 * kind of mistake. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "config.h"

static void embedded_default_is_valid(void **state)
{
	(void)state;
	accord_config c;
	char err[512];
	assert_int_equal(config_load_string(accord_default_config, &c, err, sizeof(err)), 0);
	assert_int_equal(c.port, 8080);
	assert_string_equal(c.synchronous, "full");
	assert_string_equal(c.db_path, "var/accord.db");
	assert_string_equal(c.db_backend, "sqlite");
	assert_int_equal(c.limits.max_message_bytes, 65536);
	config_free(&c);
}

static void defaults_fill_missing_keys(void **state)
{
	(void)state;
	accord_config c;
	char err[512];
	assert_int_equal(
		config_load_string("{\"limits\":{\"rate_per_sec\":7}}", &c, err, sizeof(err)), 0);
	assert_int_equal(c.limits.rate_per_sec, 7);
	assert_int_equal(c.limits.replay_keep, 256);
	assert_string_equal(c.listen_address, "127.0.0.1");
	config_free(&c);
	assert_int_equal(config_load_string("{\"database\":{\"backend\":\"sqlite\"}}", &c, err,
					    sizeof(err)),
			 0);
	assert_string_equal(c.db_backend, "sqlite");
	config_free(&c);
}

static void errors_name_the_key(void **state)
{
	(void)state;
	static const struct {
		const char *in, *needle;
	} cases[] = {
		{"{\"nope\":1}", "nope: unknown key"},
		{"{\"listen\":{\"port\":\"80\"}}",
		 "listen.port: expected an integer from 0 to 65535, got a string"},
		{"{\"listen\":{\"port\":70000}}", "listen.port: expected an integer from 0 to 65535"},
		{"{\"listen\":{\"address\":\"localhost\"}}",
		 "listen.address: expected an IPv4 address"},
		{"{\"listen\":{\"address\":\"[::1]\"}}", "got \"[::1]\""},
		{"{\"limits\":{\"rate_per_sec\":0}}",
		 "limits.rate_per_sec: expected an integer from 1"},
		{"{\"limits\":{\"bogus\":1}}", "limits.bogus: unknown key"},
		{"{\"limits\":{\"max_url_bytes\":9000}}",
		 "limits.max_url_bytes: must be below limits.max_header_bytes"},
		{"{\"database\":{\"synchronous\":\"off\"}}",
		 "database.synchronous: expected one of full|normal|extra, got off"},
		{"{\"database\":[]}", "database: expected an object, got an array"},
		{"{\"database\":{\"backend\":\"postgres\"}}",
		 "database.backend: expected a storage backend this build has (sqlite), got \"postgres\""},
		{"{\"database\":{\"backend\":\"\"}}", "database.backend: expected a non-empty string"},
		{"{\"origins\":[\"http://a\", 3]}", "origins[1]: expected a non-empty string"},
		{"{\"server_names\":[\"a.example\", \"a.example:443\"]}",
		 "server_names[1]: expected a host name or IP address without scheme or port"},
		{"{\"plugins\":{\"enabled\":{\"Bad-Name\":{}}}}",
		 "plugins.enabled.Bad-Name: plugin names"},
		{"{\"plugins\":{\"enabled\":{\"x\":true}}}",
		 "plugins.enabled.x: expected the plugin's config object"},
		{"{\"log_level\":\"loud\"}", "log_level: expected one of err|warn|info|debug"},
		{"{\"web_root\":\"\"}", "web_root: expected a non-empty string"},
		{"[]", "must be a JSON object"},
		{"{\"a\":", "line 1"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		accord_config c;
		char err[512] = "";
		int rc = config_load_string(cases[i].in, &c, err, sizeof(err));
		if (rc != -1 || !strstr(err, cases[i].needle))
			fail_msg("case %zu %s: rc %d err \"%s\"", i, cases[i].in, rc, err);
	}
}

/* The admin socket and the managed folder of plugins installed live sit
 * beside the database unless the configuration says where. */
static void admin_paths_beside_the_database(void **state)
{
	(void)state;
	static const struct {
		const char *in, *sock, *dir;
	} cases[] = {
		{"{}", "var/accord.sock", "var/plugins"},
		{"{\"database\":{\"path\":\"/srv/accord/net.db\"}}", "/srv/accord/accord.sock",
		 "/srv/accord/plugins"},
		{"{\"database\":{\"path\":\"net.db\"}}", "./accord.sock", "./plugins"},
		{"{\"database\":{\"path\":\"/net.db\"}}", "/accord.sock", "/plugins"},
		{"{\"admin\":{\"socket\":\"/run/a.sock\",\"installed_dir\":\"/opt/p\"}}",
		 "/run/a.sock", "/opt/p"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		accord_config c;
		char err[512];
		assert_int_equal(config_load_string(cases[i].in, &c, err, sizeof(err)), 0);
		assert_string_equal(c.admin_socket, cases[i].sock);
		assert_string_equal(c.installed_dir, cases[i].dir);
		config_free(&c);
	}
	accord_config c;
	char err[512];
	assert_int_equal(config_load_string("{\"admin\":{\"sockets\":\"x\"}}", &c, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "admin.sockets"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(embedded_default_is_valid),
		cmocka_unit_test(defaults_fill_missing_keys),
		cmocka_unit_test(errors_name_the_key),
		cmocka_unit_test(admin_paths_beside_the_database),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
