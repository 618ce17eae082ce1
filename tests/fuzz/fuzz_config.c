/* libFuzzer target: configuration parsing and validation (core/config.c).
 *
 * An accepted configuration must have every value inside the ranges the
 * documentation gives (docs/operations.md); a refused one must say why. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "fuzz_config: check failed: %s (%s:%d)\n", #c, __FILE__,   \
				__LINE__);                                                         \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define IN(v, lo, hi) ((v) >= (lo) && (v) <= (hi))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = 0;
	accord_config c;
	char err[512];
	memset(err, 0x5a, sizeof(err));
	int rc = config_load_string(text, &c, err, sizeof(err));
	if (rc == 0) {
		const accord_limits *l = &c.limits;
		CHECK(c.root && json_is_object(c.root));
		CHECK(IN(c.port, 0, 65535));
		CHECK(!strcmp(c.synchronous, "full") || !strcmp(c.synchronous, "normal") ||
		      !strcmp(c.synchronous, "extra"));
		CHECK(c.listen_address[0] && c.db_path[0] && c.web_root[0] && c.plugin_dir[0]);
		CHECK(!c.tls_cert[0] == !c.tls_key[0]);
		CHECK(IN(l->max_message_bytes, 256, 16 << 20));
		CHECK(IN(l->rate_per_sec, 1, 100000) && IN(l->rate_burst, 1, 100000));
		CHECK(IN(l->flood_close_after, 1, 1000000));
		CHECK(IN(l->outbound_queue_max, 4, 100000));
		CHECK(IN(l->outbound_queue_bytes, 65536, 1L << 30));
		CHECK(IN(l->auth_timeout_s, 1, 3600) && IN(l->session_ttl_s, 60, 31536000));
		CHECK(IN(l->replay_keep, 0, 100000) && l->replay_keep < l->outbound_queue_max);
		CHECK(IN(l->storage_queue_max, 16, 10000000) && IN(l->login_queue_max, 1, 100000));
		CHECK(IN(l->max_upload_bytes, 1024, 1L << 30));
		CHECK(l->max_connections >= 1);
		CHECK(IN(c.log_level, 0, 3));
		if (c.origins) {
			size_t i;
			const json_t *v;
			CHECK(json_is_array(c.origins));
			json_array_foreach(c.origins, i, v)
				CHECK(json_is_string(v) && json_string_length(v) > 0);
		}
		if (c.plugins_enabled) {
			const char *k;
			const json_t *v;
			json_object_foreach((json_t *)c.plugins_enabled, k, v) {
				CHECK(json_is_object(v) && strlen(k) >= 1 && strlen(k) <= 32);
				for (const char *p = k; *p; p++)
					CHECK((*p >= 'a' && *p <= 'z') ||
					      (*p >= '0' && *p <= '9') || *p == '_');
			}
		}
		config_free(&c);
	} else {
		CHECK(rc == -1);
		CHECK(memchr(err, 0, sizeof(err)) && err[0]);
	}
	free(text);
	return 0;
}
