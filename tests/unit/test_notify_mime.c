/* The pure part of the notify plugin (plugins/notify/mime.c, compiled
 * in): which addresses are sent to, the texts of each category in English
 * and Russian, and the MIME message: names and subjects as encoded words
 * (so CR/LF in them cannot add a header), base64 bodies, the alternative
 * parts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"

static void addresses(void **state)
{
	(void)state;
	static const char *const good[] = {"a@b.org", "first.last+tag@sub.example.org",
					   "x_y-z@a-b.c", "o'brien@example.ie", NULL};
	static const char *const bad[] = {"",
					  "a",
					  "a@b",
					  "@b.org",
					  "a@.org",
					  "a@b..org",
					  ".a@b.org",
					  "a.@b.org",
					  "a..b@c.org",
					  "a b@c.org",
					  "a@b.org\r\nBcc: x@y.org",
					  "a@b.org\n",
					  "<a@b.org>",
					  "\"a\"@b.org",
					  "a@-b.org",
					  "a@b-.org",
					  "a@b_c.org",
					  "a@b.org>",
					  NULL};
	for (const char *const *a = good; *a; a++)
		assert_true(mime_address_ok(*a));
	for (const char *const *a = bad; *a; a++)
		if (mime_address_ok(*a))
			fail_msg("accepted %s", *a);
	char long_local[80];
	memset(long_local, 'a', 65);
	strcpy(long_local + 65, "@b.org");
	assert_false(mime_address_ok(long_local));
	assert_false(mime_address_ok(NULL));
}

static void texts(void **state)
{
	(void)state;
	json_t *params = json_pack("{s:s,s:s,s:s}", "title", "Budget <2027> & \"more\"", "org",
				   "UNICEF", "closes", "2027-01-02 10:00 UTC");
	mime_texts t;
	assert_int_equal(mime_render("proposal_opened", "en", params, "https://x.test/#/proposal/5",
				     "https://x.test/api/notify/pref?u=a", &t),
			 0);
	assert_string_equal(t.subject,
			    "Your organisation's position is awaited: Budget <2027> & \"more\"");
	assert_non_null(strstr(t.text, "awaits the position of UNICEF"));
	assert_non_null(strstr(t.text, "https://x.test/#/proposal/5"));
	assert_non_null(strstr(t.text, "https://x.test/api/notify/pref?u=a"));
	assert_non_null(strstr(t.html, "Budget &lt;2027&gt; &amp; &quot;more&quot;"));
	assert_null(strstr(t.html, "<2027>"));
	assert_non_null(
		strstr(t.html, "<a href=\"https://x.test/#/proposal/5\">Open the proposal</a>"));
	mime_texts_free(&t);
	assert_int_equal(mime_render("outcome", "ru", params, NULL, NULL, &t), 0);
	assert_string_equal(t.subject, "Итог: Budget <2027> & \"more\"");
	assert_null(strstr(t.text, "http"));
	mime_texts_free(&t);
	/* an unknown language is English; an unknown category nothing */
	assert_string_equal(mime_lang("kk"), "en");
	assert_string_equal(mime_lang("ru"), "ru");
	assert_int_equal(mime_render("nonsense", "en", params, NULL, NULL, &t), -1);
	assert_true(mime_category_known("release"));
	assert_false(mime_category_known("meeting_rescheduled"));
	/* the meetings plugin's categories, in both languages */
	static const char *const meeting_cats[] = {"meeting_convened",   "meeting_moved",
						   "meeting_cancelled",  "agenda_circulated",
						   "minutes_circulated", NULL};
	for (const char *const *c = meeting_cats; *c; c++) {
		assert_true(mime_category_known(*c));
		assert_int_equal(mime_render(*c, "ru", params, NULL, NULL, &t), 0);
		assert_non_null(strstr(t.subject, "Budget <2027>"));
		mime_texts_free(&t);
	}
	/* a line break in a value becomes a space in the subject */
	json_object_set_new(params, "title", json_string("A\r\nBcc: evil@x.org"));
	assert_int_equal(mime_render("outcome", "en", params, NULL, NULL, &t), 0);
	assert_string_equal(t.subject, "Outcome: A  Bcc: evil@x.org");
	mime_texts_free(&t);
	json_decref(params);
}

/* The headers of msg (up to the blank line): no line of them may start
 * with name. */
static int header_line(const char *msg, const char *name)
{
	const char *end = strstr(msg, "\r\n\r\n");
	size_t n = strlen(name);
	for (const char *p = msg; p && p < end; p = strstr(p, "\r\n"), p = p ? p + 2 : NULL)
		if (!strncmp(p, name, n))
			return 1;
	return 0;
}

static void message(void **state)
{
	(void)state;
	mime_texts t = {strdup("Subject\r\nBcc: evil@x.org with a long tail of Ünïcödé text"
			       " that must be folded over several encoded words"),
			strdup("plain\n"), strdup("<p>html</p>\n")};
	mime_msg m = {.from_addr = "accord@x.test",
		      .from_name = "Accord\r\nX-Injected: 1",
		      .to_addr = "fp@unicef.test",
		      .to_name = "Name, \"quoted\" \r\nCc: evil@x.org",
		      .message_id = "<notify.1.2@x.test>",
		      .date_ms = 1790000000000LL,
		      .list_unsubscribe = "https://x.test/api/notify/pref?u=a",
		      .texts = &t};
	char *s = mime_message(&m);
	assert_non_null(s);
	assert_true(header_line(s, "Subject: =?UTF-8?B?"));
	assert_true(header_line(s, "Message-ID: <notify.1.2@x.test>\r\n"));
	assert_true(header_line(s, "MIME-Version: 1.0\r\n"));
	assert_true(header_line(s, "Content-Type: multipart/alternative;"));
	assert_true(header_line(s, "List-Unsubscribe: <https://x.test/api/notify/pref?u=a>\r\n"));
	assert_false(header_line(s, "Bcc"));
	assert_false(header_line(s, "Cc"));
	assert_false(header_line(s, "X-Injected"));
	/* every header line is short: encoded words are folded */
	const char *end = strstr(s, "\r\n\r\n");
	for (const char *p = s; p < end;) {
		const char *e = strstr(p, "\r\n");
		assert_true(e - p <= 78);
		p = e + 2;
	}
	assert_non_null(strstr(s, "Content-Type: text/plain; charset=UTF-8\r\n"
				  "Content-Transfer-Encoding: base64\r\n\r\ncGxhaW4K\r\n"));
	assert_non_null(strstr(s, "Content-Type: text/html; charset=UTF-8"));
	free(s);
	/* a bad address or a broken Message-ID builds nothing */
	m.to_addr = "fp@unicef.test\r\nBcc: x@y.org";
	assert_null(mime_message(&m));
	m.to_addr = "fp@unicef.test";
	m.message_id = "<a@b>\r\nBcc: x@y.org";
	assert_null(mime_message(&m));
	mime_texts_free(&t);
}

static void digest(void **state)
{
	(void)state;
	mime_digest_entry e[] = {{"Outcome: A <b>", "https://x.test/#/proposal/1"},
				 {"Shared with MOL: B", NULL}};
	mime_texts t;
	assert_int_equal(mime_render_digest("en", "Net", e, 2, &t), 0);
	assert_string_equal(t.subject, "Your daily summary from Net: 2 updates");
	assert_non_null(strstr(t.text, "- Outcome: A <b>\n  https://x.test/#/proposal/1\n"));
	assert_non_null(strstr(t.text, "- Shared with MOL: B\n"));
	assert_non_null(strstr(
		t.html, "<li><a href=\"https://x.test/#/proposal/1\">Outcome: A &lt;b&gt;</a></li>"));
	assert_non_null(strstr(t.html, "<li>Shared with MOL: B</li>"));
	mime_texts_free(&t);
	assert_int_equal(mime_render_digest("ru", "Сеть", e, 1, &t), 0);
	assert_string_equal(t.subject, "Ежедневная сводка Сеть: обновлений: 1");
	mime_texts_free(&t);
	/* the reminder's texts */
	json_t *p = json_pack("{s:s,s:s,s:s}", "title", "T", "org", "UNDP", "closes",
			      "2027-01-01 10:00 UTC");
	assert_int_equal(mime_render("reminder", "en", p, NULL, NULL, &t), 0);
	assert_string_equal(t.subject, "Reminder: your organisation's position is awaited: T");
	assert_non_null(strstr(t.text, "closes 2027-01-01 10:00 UTC, and UNDP has not stated"));
	mime_texts_free(&t);
	json_decref(p);
}

static void calendar(void **state)
{
	(void)state;
	mime_calendar c = {.method = "REQUEST",
			   .uid = "m-1@x.test",
			   .sequence = 3,
			   .start_ms = 1931936400000LL, /* 2031-03-22 09:00:00 UTC */
			   .end_ms = 1931943600000LL,
			   .stamp_ms = 1931936400000LL,
			   .summary = "Agenda; items, and \\ more\nsecond line\r",
			   .location = "UN House",
			   .organizer_addr = "accord@x.test",
			   .organizer_name = "Accord \"Net\"",
			   .attendee_addr = "fp@undp.test",
			   .attendee_name = "UNDP focal point"};
	char *ics = mime_ics(&c);
	assert_non_null(ics);
	assert_non_null(strstr(ics, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
	assert_non_null(strstr(ics, "METHOD:REQUEST\r\n"));
	assert_non_null(strstr(ics, "UID:m-1@x.test\r\nSEQUENCE:3\r\n"));
	assert_non_null(strstr(ics, "DTSTART:20310322T090000Z\r\nDTEND:20310322T110000Z\r\n"));
	assert_non_null(strstr(ics, "SUMMARY:Agenda\\; items\\, and \\\\ more\\nsecond line\r\n"));
	assert_non_null(strstr(ics, "ORGANIZER;CN=\"Accord Net\":mailto:accord@x.test\r\n"));
	assert_non_null(strstr(ics, "STATUS:CONFIRMED\r\n"));
	for (const char *p = ics; *p;) { /* folded at 75 octets */
		const char *e = strstr(p, "\r\n");
		assert_non_null(e);
		assert_true(e - p <= 75);
		p = e + 2;
	}
	free(ics);
	c.method = "CANCEL";
	ics = mime_ics(&c);
	assert_non_null(strstr(ics, "STATUS:CANCELLED\r\n"));
	free(ics);
	c.method = "PUBLISH";
	assert_null(mime_ics(&c));
	c.method = "REQUEST";
	c.uid = "a\r\nX: y";
	assert_null(mime_ics(&c));
	c.uid = "ok";
	c.end_ms = c.start_ms;
	assert_null(mime_ics(&c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(addresses), cmocka_unit_test(texts),    cmocka_unit_test(message),
		cmocka_unit_test(digest),    cmocka_unit_test(calendar),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
