/*
 * CSV for exports that people open in a spreadsheet: header-only, needs
 * nothing but the C library (no ABI, no host API), so every plugin that
 * exports CSV writes it the same way and a fix here reaches all of them.
 *
 * Fields are quoted per RFC 4180 when they hold a comma, a double quote, a
 * CR or an LF, with double quotes doubled.  A field that a spreadsheet
 * could run as a formula (OWASP, "CSV Injection") is prefixed with a single
 * quote, which makes the cell text: one starting with = + - @ TAB or CR,
 * and one whose first character after leading blanks (space, TAB, CR, LF)
 * is one of = + - @, since spreadsheets skip those blanks before they look
 * for a formula.  Such a field is also quoted, so that the prefix and the
 * value stay one field whatever the reader's separator.
 *
 *	accord_csv c = {0};
 *	accord_csv_field(&c, "org");
 *	accord_csv_field(&c, reason);      NULL is an empty field
 *	accord_csv_end_row(&c);            CRLF
 *	size_t len;
 *	char *text = accord_csv_finish(&c, &len);  malloc'd; NULL if out of memory
 */
#ifndef ACCORD_CSV_H
#define ACCORD_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct accord_csv {
	char *buf;
	size_t len, cap;
	int in_row; /* a field is already on the current row: the next needs a comma */
	int failed; /* out of memory: the text is incomplete and finish says so */
} accord_csv;

/* Whether a spreadsheet could read v as a formula (or a DDE call): the
 * triggers of the OWASP guidance, also after leading blanks, because
 * LibreOffice and Excel drop those blanks when they parse a cell. */
static inline int accord_csv_is_formula(const char *v)
{
	if (!v)
		return 0;
	if (v[0] == '\t' || v[0] == '\r')
		return 1;
	while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
		v++;
	return *v == '=' || *v == '+' || *v == '-' || *v == '@';
}

/* Appends n bytes; on a failed allocation, or a size that would overflow,
 * marks the writer failed and drops this and every later append, so that
 * a truncated export is never sent as if it were whole. */
static inline void accord_csv_put_(accord_csv *c, const char *s, size_t n)
{
	if (c->failed)
		return;
	if (n > SIZE_MAX / 4 - c->len) {
		c->failed = 1;
		return;
	}
	if (c->len + n + 1 > c->cap) {
		size_t cap = (c->cap ? c->cap * 2 : 1024) + n;
		char *nb = (char *)realloc(c->buf, cap);
		if (!nb) {
			c->failed = 1;
			return;
		}
		c->buf = nb;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, s, n);
	c->len += n;
	c->buf[c->len] = 0;
}

/* Appends one field to the current row (NULL is an empty field). */
static inline void accord_csv_field(accord_csv *c, const char *v)
{
	if (!v)
		v = "";
	if (c->in_row)
		accord_csv_put_(c, ",", 1);
	c->in_row = 1;
	int formula = accord_csv_is_formula(v);
	if (!formula && !strpbrk(v, ",\"\r\n")) {
		accord_csv_put_(c, v, strlen(v));
		return;
	}
	accord_csv_put_(c, formula ? "\"'" : "\"", formula ? 2 : 1);
	for (const char *run = v;;) {
		const char *q = strchr(run, '"');
		if (!q) {
			accord_csv_put_(c, run, strlen(run));
			break;
		}
		accord_csv_put_(c, run, (size_t)(q - run) + 1);
		accord_csv_put_(c, "\"", 1);
		run = q + 1;
	}
	accord_csv_put_(c, "\"", 1);
}

/* Ends the current row with CRLF (RFC 4180). */
static inline void accord_csv_end_row(accord_csv *c)
{
	accord_csv_put_(c, "\r\n", 2);
	c->in_row = 0;
}

/* Hands over the text (malloc'd, NUL-terminated; an empty export is "")
 * and its length, and resets the writer.  NULL when an allocation failed
 * on the way: answer an error rather than a partial file. */
static inline char *accord_csv_finish(accord_csv *c, size_t *len)
{
	char *out = c->buf;
	if (!c->failed && !out)
		out = (char *)calloc(1, 1);
	if (c->failed || !out) {
		free(c->buf);
		out = NULL;
	}
	if (len)
		*len = out ? c->len : 0;
	memset(c, 0, sizeof(*c));
	return out;
}

#endif
