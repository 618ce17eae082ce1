/* Audiences short of memory: a copy that cannot be made whole matches
 * nobody, never more people than the original (a lost term would otherwise
 * widen it to every member), and is destroyed without a crash or a leak.
 *
 * The test is linked with -Wl,--wrap for calloc, malloc and strdup, so the
 * core's allocations go through the wrappers below; the n-th one fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

void *__real_calloc(size_t n, size_t size);
void *__real_malloc(size_t size);
char *__real_strdup(const char *s);

static int fail_at = -1; /* index of the allocation that fails; -1: none */
static int seen;

static int fails(void) { return fail_at >= 0 && seen++ == fail_at; }

void *__wrap_calloc(size_t n, size_t size) { return fails() ? NULL : __real_calloc(n, size); }
void *__wrap_malloc(size_t size) { return fails() ? NULL : __real_malloc(size); }
char *__wrap_strdup(const char *s) { return fails() ? NULL : __real_strdup(s); }

static struct accord_principal person(int64_t id, const char *org, int partner, const char *roles)
{
	struct accord_principal p;
	memset(&p, 0, sizeof(p));
	p.id = id;
	p.partner = partner;
	snprintf(p.org, sizeof(p.org), "%s", org);
	snprintf(p.roles, sizeof(p.roles), "%s", roles);
	return p;
}

static void failed_matches_nobody(void **s)
{
	(void)s;
	struct accord_principal undp = person(2, "UNDP", 0, "");
	struct accord_principal mol = person(3, "MOL", 1, "");
	assert_false(audience_matches(&audience_none, &undp));
	assert_false(audience_matches(&audience_none, &mol));
	struct accord_audience wide = {.members = 1, .partners = 1, .failed = 1};
	assert_false(audience_matches(&wide, &undp));
	assert_false(audience_matches(&wide, &mol));
	audience_destroy(&audience_none); /* a no-op, not a free */
}

/* Each allocation of audience_copy fails in turn: the copy is the original
 * or matches nobody. */
static void copy_never_wider(void **s)
{
	(void)s;
	char *orgs[] = {"MOL", "UNHCR"};
	char *roles[] = {"secretariat"};
	char *items[] = {"proposal:7"};
	int64_t users[] = {2};
	struct accord_audience a = {.n_orgs = 2,
				    .orgs = orgs,
				    .n_roles = 1,
				    .roles = roles,
				    .n_items = 1,
				    .items = items,
				    .n_users = 1,
				    .users = users};
	struct accord_principal people[] = {
		person(1, "IOM", 0, "secretariat"),
		person(2, "UNDP", 0, ""),
		person(3, "MOL", 1, ""),
		person(4, "UNHCR", 0, ""),
		person(5, "UNICEF", 0, ""),
	};
	int saw_failure = 0, saw_whole = 0;
	for (int n = 0; n < 20; n++) {
		fail_at = n;
		seen = 0;
		struct accord_audience *c = audience_copy(&a);
		int failed_now = seen > n;
		fail_at = -1;
		assert_non_null(c);
		for (size_t i = 0; i < sizeof(people) / sizeof(people[0]); i++) {
			int orig = audience_matches(&a, &people[i]);
			int copy = audience_matches(c, &people[i]);
			if (failed_now)
				assert_false(copy);
			else
				assert_int_equal(copy, orig);
		}
		saw_failure |= failed_now;
		saw_whole |= !failed_now;
		audience_destroy(c);
	}
	assert_true(saw_failure);
	assert_true(saw_whole); /* past its allocations the copy is whole */
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(failed_matches_nobody),
					   cmocka_unit_test(copy_never_wider)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
