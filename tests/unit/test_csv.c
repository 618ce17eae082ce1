/* The CSV writer every export uses (include/accord/csv.h), table-driven:
 * each formula trigger of the OWASP guidance (= + - @ TAB CR), the same
 * after leading blanks, values that only look close to a trigger, and RFC
 * 4180 quoting.  Each row gives the field exactly as it must appear in the
 * file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accord/csv.h>

typedef struct row {
	const char *name;
	const char *in;  /* NULL: a missing value */
	const char *out; /* the field as written */
} row;

static const row rows[] = {
	/* each trigger at the start */
	{"equals", "=1+2", "\"'=1+2\""},
	{"plus", "+1", "\"'+1\""},
	{"minus", "-1", "\"'-1\""},
	{"at", "@SUM(A1)", "\"'@SUM(A1)\""},
	{"tab then formula", "\t=cmd", "\"'\t=cmd\""},
	{"tab alone starts the field", "\tplain", "\"'\tplain\""},
	{"cr then formula", "\r=cmd", "\"'\r=cmd\""},
	{"cr alone starts the field", "\rplain", "\"'\rplain\""},
	{"DDE call", "=cmd|' /C calc'!A0", "\"'=cmd|' /C calc'!A0\""},
	/* triggers after leading blanks */
	{"spaces then equals", "  =cmd", "\"'  =cmd\""},
	{"space then plus", " +1", "\"' +1\""},
	{"space then minus", " -1", "\"' -1\""},
	{"space then at", " @x", "\"' @x\""},
	{"space, tab, space then equals", " \t =cmd", "\"' \t =cmd\""},
	{"space, cr then equals", " \r=cmd", "\"' \r=cmd\""},
	{"lf then equals", "\n=cmd", "\"'\n=cmd\""},
	{"space, lf then equals", " \n=cmd", "\"' \n=cmd\""},
	/* close to a trigger, but not one */
	{"plain", "plain", "plain"},
	{"empty", "", ""},
	{"missing", NULL, ""},
	{"equals inside", "a=b", "a=b"},
	{"leading spaces, no trigger", "  plain", "  plain"},
	{"only spaces", "   ", "   "},
	{"lf before text is quoted only", "\nplain", "\"\nplain\""},
	{"already a quote mark", "'=x", "'=x"},
	{"number", "42", "42"},
	/* RFC 4180 quoting */
	{"comma", "a,b", "\"a,b\""},
	{"quote", "say \"hi\"", "\"say \"\"hi\"\"\""},
	{"only a quote", "\"", "\"\"\"\""},
	{"crlf inside", "a\r\nb", "\"a\r\nb\""},
	{"lf inside", "a\nb", "\"a\nb\""},
	{"formula with quotes", "=\"x\",1", "\"'=\"\"x\"\",1\""},
	{"spaces, formula with a quote", "  =\"x\"", "\"'  =\"\"x\"\"\""},
};

static void each_row(void **s)
{
	(void)s;
	int bad = 0;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		accord_csv c = {0};
		accord_csv_field(&c, rows[i].in);
		size_t len = 99;
		char *out = accord_csv_finish(&c, &len);
		assert_non_null(out);
		if (strcmp(out, rows[i].out) || len != strlen(rows[i].out)) {
			fprintf(stderr, "row \"%s\": wrote [%s], want [%s]\n", rows[i].name, out,
				rows[i].out);
			bad++;
		}
		free(out);
	}
	assert_int_equal(bad, 0);
}

/* The predicate agrees with the rows: a row is neutralised exactly when its
 * output starts with the quote and prefix. */
static void is_formula_matches_rows(void **s)
{
	(void)s;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int want = !strncmp(rows[i].out, "\"'", 2);
		if (accord_csv_is_formula(rows[i].in) != want)
			fail_msg("row \"%s\": is_formula %d, want %d", rows[i].name, !want, want);
	}
}

static void rows_and_separators(void **s)
{
	(void)s;
	accord_csv c = {0};
	accord_csv_field(&c, "org");
	accord_csv_field(&c, "reason");
	accord_csv_end_row(&c);
	accord_csv_field(&c, "IOM");
	accord_csv_field(&c, "\t=cmd");
	accord_csv_field(&c, NULL);
	accord_csv_end_row(&c);
	size_t len;
	char *out = accord_csv_finish(&c, &len);
	assert_string_equal(out, "org,reason\r\nIOM,\"'\t=cmd\",\r\n");
	assert_int_equal(len, strlen(out));
	free(out);
	/* the writer is reset and reusable */
	assert_null(c.buf);
	assert_int_equal(c.in_row, 0);
}

static void empty_export_is_empty_text(void **s)
{
	(void)s;
	accord_csv c = {0};
	size_t len = 99;
	char *out = accord_csv_finish(&c, &len);
	assert_non_null(out);
	assert_string_equal(out, "");
	assert_int_equal(len, 0);
	free(out);
}

/* A field longer than the first buffer grows it without losing bytes. */
static void long_field(void **s)
{
	(void)s;
	size_t n = 100000;
	char *v = malloc(n + 1);
	memset(v, '"', n);
	v[n] = 0;
	accord_csv c = {0};
	accord_csv_field(&c, v);
	size_t len;
	char *out = accord_csv_finish(&c, &len);
	assert_int_equal(len, 2 * n + 2);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(out[i], '"');
	free(out);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(each_row),
					   cmocka_unit_test(is_formula_matches_rows),
					   cmocka_unit_test(rows_and_separators),
					   cmocka_unit_test(empty_export_is_empty_text),
					   cmocka_unit_test(long_field)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
