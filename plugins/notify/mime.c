/*
 * Notification e-mails, the pure part (mime.h): nothing here touches the
 * host, the network or the clock, so the unit test runs it as tables.
 */
#include "mime.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------- a growing buffer ---------------- */

typedef struct buf {
	char *s;
	size_t len, cap;
	int failed;
} buf;

static void buf_add(buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (!b->s || b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (!p) {
			b->failed = 1;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

static void buf_str(buf *b, const char *s) { buf_add(b, s, strlen(s)); }

static void buf_fmt(buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		b->failed = 1;
	else
		buf_add(b, tmp, (size_t)n);
}

/* The buffer's string (never NULL on success), or NULL when it failed. */
static char *buf_take(buf *b)
{
	if (!b->failed && !b->s)
		buf_add(b, "", 0);
	if (b->failed) {
		free(b->s);
		return NULL;
	}
	return b->s;
}

/* ---------------- addresses ---------------- */

static int atom_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+/=?^_`{|}~-", c));
}

int mime_address_ok(const char *addr)
{
	if (!addr)
		return 0;
	size_t n = strlen(addr);
	const char *at = strrchr(addr, '@');
	if (n > 254 || !at || at == addr || at - addr > 64 || !at[1])
		return 0;
	/* local part: dot-atom */
	for (const char *p = addr; p < at; p++)
		if (*p == '.' ? (p == addr || p + 1 == at || p[1] == '.')
			      : !atom_char((unsigned char)*p))
			return 0;
	/* domain: labels of letters, digits and inner hyphens, two at least */
	int labels = 0;
	const char *label = at + 1;
	for (const char *p = at + 1;; p++) {
		if (*p == '.' || !*p) {
			size_t len = (size_t)(p - label);
			if (!len || len > 63 || label[0] == '-' || p[-1] == '-')
				return 0;
			labels++;
			if (!*p)
				break;
			label = p + 1;
		} else if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			     (*p >= '0' && *p <= '9') || *p == '-')) {
			return 0;
		}
	}
	return labels >= 2;
}

/* ---------------- base64 and encoded words ---------------- */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void b64_add(buf *b, const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		char q[4] = {B64[(v >> 18) & 63], B64[(v >> 12) & 63],
			     i + 1 < n ? B64[(v >> 6) & 63] : '=', i + 2 < n ? B64[v & 63] : '='};
		buf_add(b, q, 4);
	}
}

/* A body part: base64 in lines of 76. */
static void b64_body(buf *b, const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i += 57) {
		b64_add(b, (const unsigned char *)s + i, n - i < 57 ? n - i : 57);
		buf_str(b, "\r\n");
	}
}

/* Text for a header as RFC 2047 encoded words "=?UTF-8?B?...?=", each at
 * most 75 bytes and cut between UTF-8 characters, folded with CRLF SP.
 * Every byte of s is inside base64, so nothing in it can end the header.
 * Control characters (CR and LF included) become spaces first. */
static void header_words(buf *b, const char *s)
{
	size_t n = strlen(s);
	char *clean = malloc(n + 1);
	if (!clean) {
		b->failed = 1;
		return;
	}
	for (size_t i = 0; i <= n; i++)
		clean[i] = i < n && (unsigned char)s[i] < 0x20 ? ' ' : s[i];
	size_t i = 0;
	int first = 1;
	if (!n)
		buf_str(b, "=?UTF-8?B?"
			   "?="); /* split: no trigraph */
	while (i < n) {
		/* 39 bytes of text make 52 of base64: a word of 64, a line of at
		 * most 73 after "Subject: " (RFC 5322: 78) */
		size_t take = n - i < 39 ? n - i : 39;
		while (take < n - i && take > 0 && ((unsigned char)clean[i + take] & 0xC0) == 0x80)
			take--;
		if (!take)
			take = n - i < 39 ? n - i : 39;
		if (!first)
			buf_str(b, "\r\n ");
		buf_str(b, "=?UTF-8?B?");
		b64_add(b, (const unsigned char *)clean + i, take);
		buf_str(b, "?=");
		i += take;
		first = 0;
	}
	free(clean);
}

/* ---------------- texts ---------------- */

typedef struct tmpl {
	const char *category, *lang;
	const char *subject; /* placeholders {name} */
	const char *body;    /* paragraphs separated by "\n\n" */
	const char *action;  /* the link's words */
} tmpl;

static const tmpl TEMPLATES[] = {
	{"invitation", "en", "Invitation to join {network}",
	 "Hello {name},\n\nYou are invited to join {network} for {org}. Open the link below to "
	 "accept the invitation and choose your password. The link can be used once, until "
	 "{expires}.",
	 "Accept the invitation"},
	{"invitation", "ru", "Приглашение присоединиться к {network}",
	 "Здравствуйте, {name}!\n\nВас приглашают присоединиться к {network} от организации "
	 "{org}. Откройте ссылку ниже, чтобы принять приглашение и выбрать пароль. Ссылка "
	 "действует один раз, до {expires}.",
	 "Принять приглашение"},
	{"proposal_opened", "en", "Your organisation's position is awaited: {title}",
	 "A proposal is open and awaits the position of {org}:\n\n{title}\n\nIt closes {closes}.",
	 "Open the proposal"},
	{"proposal_opened", "ru", "Ожидается позиция вашей организации: {title}",
	 "Открыто предложение, по которому ожидается позиция {org}:\n\n{title}\n\nЗакрытие: "
	 "{closes}.",
	 "Открыть предложение"},
	{"outcome", "en", "Outcome: {title}",
	 "The proposal is closed:\n\n{title}\n\nOutcome: {outcome}. {statement}", "Read the decision"},
	{"outcome", "ru", "Итог: {title}",
	 "Предложение закрыто:\n\n{title}\n\nИтог: {outcome}. {statement}", "Прочитать решение"},
	{"reminder", "en", "Reminder: your organisation's position is awaited: {title}",
	 "The proposal below closes {closes}, and {org} has not stated its position yet:\n\n"
	 "{title}",
	 "State your position"},
	{"reminder", "ru", "Напоминание: ожидается позиция вашей организации: {title}",
	 "Предложение ниже закрывается {closes}, а {org} ещё не высказала свою позицию:\n\n"
	 "{title}",
	 "Высказать позицию"},
	{"action_assigned", "en", "Action item for {org}: {title}",
	 "An action item of a working group is assigned to {org}:\n\n{title}\n\nDue {due}.",
	 "Open the group"},
	{"action_assigned", "ru", "Задача для {org}: {title}",
	 "Организации {org} поручена задача рабочей группы:\n\n{title}\n\nСрок: {due}.",
	 "Открыть группу"},
	{"action_overdue", "en", "Overdue action item of {org}: {title}",
	 "This action item of {org} was due {due} and is not done yet:\n\n{title}", "Open the group"},
	{"action_overdue", "ru", "Просроченная задача {org}: {title}",
	 "Срок этой задачи организации {org} истёк {due}, а она ещё не выполнена:\n\n{title}",
	 "Открыть группу"},
	{"release", "en", "Shared with {org}: {title}",
	 "The network has shared an item with {org}:\n\n{title}", "Open the portal"},
	{"release", "ru", "Передано {org}: {title}",
	 "Сеть передала материал организации {org}:\n\n{title}", "Открыть портал"},
	/* the meetings plugin (plugins/meetings/notices.c) */
	{"meeting_convened", "en", "Meeting convened: {title}",
	 "{org} is invited to a meeting of the network:\n\n{title}\n\nWhen: {when}\nWhere: "
	 "{where}\n\nThe calendar invitation is attached.",
	 "Open the meeting"},
	{"meeting_convened", "ru", "Созвано заседание: {title}",
	 "Организация {org} приглашается на заседание сети:\n\n{title}\n\nКогда: {when}\nГде: "
	 "{where}\n\nПриглашение в календарь приложено.",
	 "Открыть заседание"},
	{"meeting_moved", "en", "Meeting moved: {title}",
	 "The meeting below has a new time or place:\n\n{title}\n\nWhen: {when}\nWhere: {where}"
	 "\n\nThe attached invitation updates your calendar.",
	 "Open the meeting"},
	{"meeting_moved", "ru", "Заседание перенесено: {title}",
	 "У заседания ниже новое время или место:\n\n{title}\n\nКогда: {when}\nГде: {where}"
	 "\n\nПриложенное приглашение обновит ваш календарь.",
	 "Открыть заседание"},
	{"meeting_cancelled", "en", "Meeting cancelled: {title}",
	 "The meeting below is cancelled:\n\n{title}\n\nIt was to be held {when}.",
	 "Open the meeting"},
	{"meeting_cancelled", "ru", "Заседание отменено: {title}",
	 "Заседание ниже отменено:\n\n{title}\n\nОно должно было состояться {when}.",
	 "Открыть заседание"},
	{"agenda_circulated", "en", "Agenda circulated: {title}",
	 "The agenda of the meeting below is circulated:\n\n{title}\n\nWhen: {when}\n\n{items}",
	 "Open the agenda"},
	{"agenda_circulated", "ru", "Разослана повестка: {title}",
	 "Разослана повестка заседания:\n\n{title}\n\nКогда: {when}\n\n{items}", "Открыть повестку"},
	{"minutes_circulated", "en", "Minutes circulated for comments: {title}",
	 "The draft minutes of the meeting below are circulated for comments until {until}:\n\n"
	 "{title}",
	 "Read the minutes"},
	{"minutes_circulated", "ru", "Проект протокола разослан для замечаний: {title}",
	 "Проект протокола заседания ниже разослан для замечаний до {until}:\n\n{title}",
	 "Прочитать протокол"},
	{NULL, NULL, NULL, NULL, NULL}};

static const char *FOOTER_EN = "To stop receiving messages of this kind, open:";
static const char *FOOTER_RU = "Чтобы больше не получать такие сообщения, откройте:";
static const char *DIGEST_SUBJECT_EN = "Your daily summary from {network}: {count} updates";
static const char *DIGEST_SUBJECT_RU = "Ежедневная сводка {network}: обновлений: {count}";
static const char *DIGEST_INTRO_EN = "Here is what happened since the last summary:";
static const char *DIGEST_INTRO_RU = "Что произошло со времени прошлой сводки:";
static const char *DIGEST_FOOTER_EN =
	"You receive these as a daily summary; change it on your notification settings page.";
static const char *DIGEST_FOOTER_RU =
	"Вы получаете эти сообщения ежедневной сводкой; это можно изменить в настройках уведомлений.";

int mime_category_known(const char *category)
{
	for (const tmpl *t = TEMPLATES; category && t->category; t++)
		if (!strcmp(t->category, category))
			return 1;
	return 0;
}

const char *mime_lang(const char *lang) { return lang && !strcmp(lang, "ru") ? "ru" : "en"; }

char *mime_html_escape(const char *s)
{
	buf b = {0};
	for (; s && *s; s++) {
		switch (*s) {
		case '&': buf_str(&b, "&amp;"); break;
		case '<': buf_str(&b, "&lt;"); break;
		case '>': buf_str(&b, "&gt;"); break;
		case '"': buf_str(&b, "&quot;"); break;
		case '\'': buf_str(&b, "&#39;"); break;
		default: buf_add(&b, s, 1);
		}
	}
	return buf_take(&b);
}

/* Puts params' strings (integers too) into template s; for html each
 * value is escaped and a blank line starts a new paragraph.  A missing
 * parameter is "". */
static void fill(buf *b, const char *s, const json_t *params, int html, int one_line)
{
	while (*s) {
		const char *open = strchr(s, '{');
		const char *close = open ? strchr(open, '}') : NULL;
		size_t upto = close ? (size_t)(open - s) : strlen(s);
		for (size_t i = 0; i < upto; i++) {
			if (html && s[i] == '\n' && s[i + 1] == '\n') {
				buf_str(b, "</p>\n<p>");
				i++;
			} else {
				buf_add(b, s + i, 1);
			}
		}
		if (!close)
			break;
		char key[32];
		snprintf(key, sizeof(key), "%.*s", (int)(close - open - 1), open + 1);
		const json_t *v = json_object_get(params, key);
		char num[32];
		const char *val = json_string_value(v);
		if (json_is_integer(v)) {
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
			val = num;
		}
		val = val ? val : "";
		if (one_line) { /* a subject: control characters become spaces */
			for (const char *p = val; *p; p++)
				buf_add(b, (unsigned char)*p < 0x20 ? " " : p, 1);
		} else if (html) {
			char *e = mime_html_escape(val);
			if (!e)
				b->failed = 1;
			else
				buf_str(b, e);
			free(e);
		} else {
			buf_str(b, val);
		}
		s = close + 1;
	}
}

int mime_render(const char *category, const char *lang, const json_t *params, const char *link,
		const char *pref_link, mime_texts *out)
{
	memset(out, 0, sizeof(*out));
	lang = mime_lang(lang);
	const tmpl *t = TEMPLATES;
	while (t->category && !(!strcmp(t->category, category) && !strcmp(t->lang, lang)))
		t++;
	if (!t->category)
		return -1;
	buf sb = {0}, tb = {0}, hb = {0};
	fill(&sb, t->subject, params, 0, 1);
	fill(&tb, t->body, params, 0, 0);
	buf_str(&hb, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n<p>");
	fill(&hb, t->body, params, 1, 0);
	buf_str(&hb, "</p>\n");
	if (link) {
		char *el = mime_html_escape(link);
		buf_fmt(&tb, "\n\n%s:\n", t->action);
		buf_str(&tb, link);
		buf_str(&hb, "<p><a href=\"");
		buf_str(&hb, el ? el : "");
		buf_str(&hb, "\">");
		buf_str(&hb, t->action);
		buf_str(&hb, "</a></p>\n");
		if (!el)
			hb.failed = 1;
		free(el);
	}
	if (pref_link) {
		const char *footer = !strcmp(lang, "ru") ? FOOTER_RU : FOOTER_EN;
		char *el = mime_html_escape(pref_link);
		buf_str(&tb, "\n\n-- \n");
		buf_str(&tb, footer);
		buf_str(&tb, "\n");
		buf_str(&tb, pref_link);
		buf_str(&hb, "<hr><p><small>");
		buf_str(&hb, footer);
		buf_str(&hb, " <a href=\"");
		buf_str(&hb, el ? el : "");
		buf_str(&hb, "\">");
		buf_str(&hb, el ? el : "");
		buf_str(&hb, "</a></small></p>\n");
		if (!el)
			hb.failed = 1;
		free(el);
	}
	buf_str(&tb, "\n");
	buf_str(&hb, "</body></html>\n");
	out->subject = buf_take(&sb);
	out->text = buf_take(&tb);
	out->html = buf_take(&hb);
	if (!out->subject || !out->text || !out->html) {
		mime_texts_free(out);
		return -1;
	}
	return 0;
}

int mime_render_digest(const char *lang, const char *network, const mime_digest_entry *e, size_t n,
		       mime_texts *out)
{
	memset(out, 0, sizeof(*out));
	int ru = !strcmp(mime_lang(lang), "ru");
	json_t *params = json_pack("{s:s,s:I}", "network", network ? network : "", "count",
				   (json_int_t)n);
	if (!params)
		return -1;
	buf sb = {0}, tb = {0}, hb = {0};
	fill(&sb, ru ? DIGEST_SUBJECT_RU : DIGEST_SUBJECT_EN, params, 0, 1);
	json_decref(params);
	buf_str(&tb, ru ? DIGEST_INTRO_RU : DIGEST_INTRO_EN);
	buf_str(&tb, "\n");
	buf_str(&hb, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n<p>");
	buf_str(&hb, ru ? DIGEST_INTRO_RU : DIGEST_INTRO_EN);
	buf_str(&hb, "</p>\n<ul>\n");
	for (size_t i = 0; i < n; i++) {
		char *es = mime_html_escape(e[i].subject), *el = mime_html_escape(e[i].link);
		buf_str(&tb, "\n- ");
		buf_str(&tb, e[i].subject);
		if (e[i].link) {
			buf_str(&tb, "\n  ");
			buf_str(&tb, e[i].link);
		}
		buf_str(&hb, "<li>");
		if (e[i].link) {
			buf_str(&hb, "<a href=\"");
			buf_str(&hb, el ? el : "");
			buf_str(&hb, "\">");
		}
		buf_str(&hb, es ? es : "");
		if (e[i].link)
			buf_str(&hb, "</a>");
		buf_str(&hb, "</li>\n");
		if (!es || (e[i].link && !el))
			hb.failed = 1;
		free(es);
		free(el);
	}
	buf_str(&tb, "\n\n-- \n");
	buf_str(&tb, ru ? DIGEST_FOOTER_RU : DIGEST_FOOTER_EN);
	buf_str(&tb, "\n");
	buf_str(&hb, "</ul>\n<hr><p><small>");
	buf_str(&hb, ru ? DIGEST_FOOTER_RU : DIGEST_FOOTER_EN);
	buf_str(&hb, "</small></p>\n</body></html>\n");
	out->subject = buf_take(&sb);
	out->text = buf_take(&tb);
	out->html = buf_take(&hb);
	if (!out->subject || !out->text || !out->html) {
		mime_texts_free(out);
		return -1;
	}
	return 0;
}

void mime_texts_free(mime_texts *t)
{
	free(t->subject);
	free(t->text);
	free(t->html);
	memset(t, 0, sizeof(*t));
}

/* ---------------- a calendar invitation ---------------- */

/* One content line, folded at 75 octets (between UTF-8 characters) with
 * CRLF SP, per RFC 5545 3.1. */
static void ics_line(buf *b, const char *line)
{
	size_t n = strlen(line), col = 0;
	for (size_t i = 0; i < n;) {
		size_t len = 1;
		while (i + len < n && ((unsigned char)line[i + len] & 0xC0) == 0x80)
			len++;
		if (col + len > 75) {
			buf_str(b, "\r\n ");
			col = 1;
		}
		buf_add(b, line + i, len);
		col += len;
		i += len;
	}
	buf_str(b, "\r\n");
}

/* name:value with value escaped as TEXT (RFC 5545 3.3.11); control
 * characters other than line breaks dropped. */
static void ics_text(buf *b, const char *name, const char *value)
{
	buf l = {0};
	buf_str(&l, name);
	buf_str(&l, ":");
	for (const char *p = value; p && *p; p++) {
		if (*p == '\\' || *p == ';' || *p == ',') {
			buf_add(&l, "\\", 1);
			buf_add(&l, p, 1);
		} else if (*p == '\n') {
			buf_str(&l, "\\n");
		} else if ((unsigned char)*p >= 0x20) {
			buf_add(&l, p, 1);
		}
	}
	char *line = buf_take(&l);
	if (!line)
		b->failed = 1;
	else
		ics_line(b, line);
	free(line);
}

static void ics_time(buf *b, const char *name, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char v[32];
	gmtime_r(&t, &tm);
	strftime(v, sizeof(v), "%Y%m%dT%H%M%SZ", &tm);
	buf_fmt(b, "%s:%s\r\n", name, v);
}

/* ORGANIZER/ATTENDEE: a CN parameter value quoted (no quote or control
 * character in it), then mailto:. */
static void ics_person(buf *b, const char *prefix, const char *name, const char *addr)
{
	buf l = {0};
	buf_str(&l, prefix);
	if (name && *name) {
		buf_str(&l, ";CN=\"");
		for (const char *p = name; *p; p++)
			if ((unsigned char)*p >= 0x20 && *p != '"')
				buf_add(&l, p, 1);
		buf_str(&l, "\"");
	}
	if (!strncmp(prefix, "ATTENDEE", 8))
		buf_str(&l, ";ROLE=REQ-PARTICIPANT;RSVP=TRUE");
	buf_str(&l, ":mailto:");
	buf_str(&l, addr);
	char *line = buf_take(&l);
	if (!line)
		b->failed = 1;
	else
		ics_line(b, line);
	free(line);
}

char *mime_ics(const mime_calendar *c)
{
	int cancel = c->method && !strcmp(c->method, "CANCEL");
	if (!c->method || (!cancel && strcmp(c->method, "REQUEST")) || !c->uid || !*c->uid ||
	    strlen(c->uid) > 200 || strpbrk(c->uid, "\r\n") || !c->summary ||
	    c->end_ms <= c->start_ms || c->sequence < 0 || !mime_address_ok(c->organizer_addr) ||
	    !mime_address_ok(c->attendee_addr))
		return NULL;
	buf b = {0};
	buf_str(&b, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Accord//notify//EN\r\n"
		    "CALSCALE:GREGORIAN\r\n");
	buf_fmt(&b, "METHOD:%s\r\nBEGIN:VEVENT\r\n", c->method);
	ics_text(&b, "UID", c->uid);
	buf_fmt(&b, "SEQUENCE:%lld\r\n", (long long)c->sequence);
	ics_time(&b, "DTSTAMP", c->stamp_ms);
	ics_time(&b, "DTSTART", c->start_ms);
	ics_time(&b, "DTEND", c->end_ms);
	ics_text(&b, "SUMMARY", c->summary);
	if (c->location && *c->location)
		ics_text(&b, "LOCATION", c->location);
	if (c->description && *c->description)
		ics_text(&b, "DESCRIPTION", c->description);
	ics_person(&b, "ORGANIZER", c->organizer_name, c->organizer_addr);
	ics_person(&b, "ATTENDEE", c->attendee_name, c->attendee_addr);
	buf_fmt(&b, "STATUS:%s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		cancel ? "CANCELLED" : "CONFIRMED");
	return buf_take(&b);
}

/* ---------------- the message ---------------- */

/* "Name <addr>" with the name as encoded words; addr was checked. */
static void mailbox(buf *b, const char *name, const char *addr)
{
	if (name && *name) { /* folded before the address: lines stay short */
		header_words(b, name);
		buf_str(b, "\r\n ");
	}
	buf_str(b, "<");
	buf_str(b, addr);
	buf_str(b, ">");
}

char *mime_message(const mime_msg *m)
{
	if (!mime_address_ok(m->to_addr) || !mime_address_ok(m->from_addr) || !m->texts ||
	    !m->message_id || strpbrk(m->message_id, "\r\n") ||
	    (m->list_unsubscribe && strpbrk(m->list_unsubscribe, "\r\n<>")) ||
	    (m->calendar && (!m->calendar_method || (strcmp(m->calendar_method, "REQUEST") &&
						     strcmp(m->calendar_method, "CANCEL")))))
		return NULL;
	buf b = {0};
	time_t t = (time_t)(m->date_ms / 1000);
	struct tm tm;
	char date[64];
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	/* the boundary cannot occur in base64 text ("=_" is not base64) */
	char boundary[64];
	snprintf(boundary, sizeof(boundary), "=_accord_%lld", (long long)m->date_ms);
	buf_fmt(&b, "Date: %s\r\n", date);
	buf_str(&b, "From: ");
	mailbox(&b, m->from_name, m->from_addr);
	buf_str(&b, "\r\nTo: ");
	mailbox(&b, m->to_name, m->to_addr);
	buf_str(&b, "\r\nSubject: ");
	header_words(&b, m->texts->subject);
	buf_str(&b, "\r\nMessage-ID: ");
	buf_str(&b, m->message_id);
	buf_str(&b, "\r\nMIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n");
	if (m->list_unsubscribe) {
		buf_str(&b, "List-Unsubscribe: <");
		buf_str(&b, m->list_unsubscribe);
		buf_str(&b, ">\r\n");
	}
	buf_fmt(&b, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary);
	buf_fmt(&b,
		"--%s\r\nContent-Type: text/plain; charset=UTF-8\r\n"
		"Content-Transfer-Encoding: base64\r\n\r\n",
		boundary);
	b64_body(&b, m->texts->text);
	buf_fmt(&b,
		"--%s\r\nContent-Type: text/html; charset=UTF-8\r\n"
		"Content-Transfer-Encoding: base64\r\n\r\n",
		boundary);
	b64_body(&b, m->texts->html);
	if (m->calendar) { /* the invitation, as mail clients expect it */
		buf_fmt(&b,
			"--%s\r\nContent-Type: text/calendar; charset=UTF-8; method=%s\r\n"
			"Content-Transfer-Encoding: base64\r\n\r\n",
			boundary, m->calendar_method);
		b64_body(&b, m->calendar);
	}
	buf_fmt(&b, "--%s--\r\n", boundary);
	return buf_take(&b);
}
