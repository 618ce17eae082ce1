/*
 * The pure parts of a notification e-mail: address checks, the texts of
 * each category in each language, and the MIME message itself.  C library
 * and jansson only, so that tests/unit/test_notify_mime.c compiles them
 * straight in.
 */
#ifndef NOTIFY_MIME_H
#define NOTIFY_MIME_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* 1 if addr is an address we send to: local@domain, printable ASCII of
 * the dot-atom form (no spaces, quotes, brackets, CR or LF), a domain of
 * at least two labels, at most 254 bytes.  0 otherwise. */
int mime_address_ok(const char *addr);

/* 1 if category has texts (invitation, proposal_opened, reminder, outcome,
 * release). */
int mime_category_known(const char *category);
/* "en" or "ru" for a language asked for (anything else: "en"). */
const char *mime_lang(const char *lang);

/* The texts of one notification: subject, plain text and HTML (all
 * malloc'd, UTF-8), from the category's template in lang with params'
 * strings put in ({title}, {org}, {name}...), a link to the item (link,
 * may be NULL) and, when pref_link is not NULL, a last line with the
 * one-click link that turns the category off.  0, or -1 (out of memory,
 * unknown category). */
typedef struct mime_texts {
	char *subject, *text, *html;
} mime_texts;
int mime_render(const char *category, const char *lang, const json_t *params, const char *link,
		const char *pref_link, mime_texts *out);
void mime_texts_free(mime_texts *t);

/* The daily digest: one message listing entries (each the subject its
 * own message would have had, and its link or NULL), in lang.  0 or -1. */
typedef struct mime_digest_entry {
	const char *subject, *link;
} mime_digest_entry;
int mime_render_digest(const char *lang, const char *network, const mime_digest_entry *e, size_t n,
		       mime_texts *out);

/* A calendar invitation (RFC 5545, iTIP RFC 5546): one VEVENT, for a
 * notice that carries one (a meeting convened: REQUEST; moved: REQUEST
 * with a higher sequence; cancelled: CANCEL).  Text values are escaped
 * (\\ ; , and line breaks), lines folded at 75 octets, CRLF.  NULL when
 * a field is missing or not fit (uid, an address). */
typedef struct mime_calendar {
	const char *method; /* "REQUEST" or "CANCEL" */
	const char *uid;
	int64_t sequence;
	int64_t start_ms, end_ms, stamp_ms;
	const char *summary, *location, *description; /* location, description may be NULL */
	const char *organizer_addr, *organizer_name;
	const char *attendee_addr, *attendee_name;
} mime_calendar;
char *mime_ics(const mime_calendar *c);

/* A whole message, CRLF line ends, ready for SMTP DATA.  Every header
 * that carries text (names, subject) is RFC 2047 base64 encoded words, so
 * no character of a name or title can end a header or start another; the
 * bodies are base64.  Returns a malloc'd string, or NULL. */
typedef struct mime_msg {
	const char *from_addr, *from_name;
	const char *to_addr, *to_name; /* to_name may be NULL */
	const char *message_id;        /* "<...@...>" */
	int64_t date_ms;
	const char *list_unsubscribe; /* URL or NULL */
	const mime_texts *texts;
	/* A calendar (mime_ics) as a third alternative, text/calendar with
	 * its method, or NULL. */
	const char *calendar, *calendar_method;
} mime_msg;
char *mime_message(const mime_msg *m);

/* HTML-escapes s (& < > " '): malloc'd. */
char *mime_html_escape(const char *s);

#endif
