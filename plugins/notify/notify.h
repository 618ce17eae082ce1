/*
 * The notify plugin: a durable outbox of e-mail notifications, delivered
 * over SMTP by a thread of its own.
 *
 *   plugin.c   the schema, the configuration, init/fini, the request table
 *   outbox.c   the service accord.notify: a notice queued in the caller's
 *              transaction, one row per recipient (storage thread)
 *   pump.c     on the loop: claims due messages, builds them (the core's
 *              permission check, then mime.c), hands them to the sender,
 *              records each result; the metrics
 *   sender.c   the sender thread: SMTP with libcurl, the only code that
 *              blocks, and never on the loop
 *   inbox.c    the in-app inbox: notify.inbox.*, topic "inbox:<login>"
 *   prefs.c    notify.prefs.*, the signed one-click preference link and
 *              its HTTP route, notify.outbox.* for the secretariat
 *   mime.c     the pure part: addresses, texts EN/RU, the MIME message
 *
 * Shared names start with their file's name and two underscores.
 */
#ifndef NOTIFY_H
#define NOTIFY_H

#include <accord/plugin.h>
#include <accord/helpers.h>
#include <accord/services/members.h>
#include <accord/services/notify.h>

#include "mime.h"

/* plugin.c */
extern const accord_host_api *api;
extern accord_plugin_ctx *self;
extern const accord_members_svc *members_svc;

typedef struct notify_cfg {
	char public_url[256];   /* links in messages: <public_url>/#/proposal/5 */
	char network_name[128]; /* {network} in the texts */
	char from_addr[256], from_name[128];
	char msgid_domain[128]; /* right of the @ of every Message-ID */
	/* SMTP */
	char smtp_host[256];
	int smtp_port;
	int smtp_security; /* NOTIFY_STARTTLS, NOTIFY_TLS, NOTIFY_PLAIN */
	char smtp_ca_file[256];
	char smtp_credentials_file[256];
	int smtp_timeout_s;
	/* the outbox */
	int64_t retry_initial_ms, retry_max_ms, dead_after_ms, poll_ms, pref_link_ttl_ms;
	int batch;
	char default_lang[4];
	int64_t reminder_before_ms; /* 0: no reminders */
	int digest_hour;            /* UTC hour of the daily digest */
	int enabled;                /* smtp.host set: otherwise messages wait in the outbox */
} notify_cfg;
enum { NOTIFY_STARTTLS = 0, NOTIFY_TLS = 1, NOTIFY_PLAIN = 2 };
extern notify_cfg notify__cfg;

/* outbox.c */
extern const accord_notify_svc outbox__svc;
/* Notices queued since the last call (any thread): for the metrics. */
uint64_t outbox__take_queued(void);
/* Set by a commit that may have queued something: the pump looks soon. */
int outbox__take_kick(void);
/* Storage thread: a message queued now of category (the digest), *id its
 * row. */
accord_status outbox__insert(accord_txn *txn, const char *category, const char *org, int partner,
			     const char *login, const char *address, const char *name,
			     const char *lang, const json_t *params, int64_t *id);
/* 1 if the comma list csv holds word. */
int outbox__csv_has(const char *csv, const char *word);
/* accord.members' invitation hook (see members.h, on_invite). */
accord_status outbox__invite(accord_txn *txn, const json_t *invite, int *mailed, void *ud);
/* A time as "2026-12-07 09:30 UTC". */
void outbox__time_text(int64_t ms, char out[32]);

/* pump.c (the loop) */
void pump__start(void);
void pump__stop(void);
/* The back-off before attempt n+1 after n failed attempts (n >= 1). */
int64_t pump__backoff_ms(int attempts);

/* sender.c: the thread */
typedef struct sender_msg {
	struct sender_msg *next;
	int64_t id;
	char *rcpt;
	char *data; /* the whole message, CRLF */
	size_t len;
} sender_msg;
typedef struct sender_result {
	struct sender_result *next;
	int64_t id;
	int outcome; /* SENDER_SENT, SENDER_FAILED, SENDER_SUPPRESSED */
	long smtp_code;
	char detail[256];
} sender_result;
enum { SENDER_SENT = 1, SENDER_FAILED = 2, SENDER_SUPPRESSED = 3 };
int sender__start(void);
void sender__stop(void);
/* On the loop: hands m to the thread (taken). */
void sender__push(sender_msg *m);
/* On the loop: the results since the last call, oldest first. */
sender_result *sender__take(void);
void sender_msg_free(sender_msg *m);

/* inbox.c */
int inbox__init(accord_plugin_ctx *p);
/* Storage thread, in the caller's transaction: an entry in login's inbox. */
accord_status inbox__add(accord_txn *txn, const char *login, const char *org, int partner,
			 const char *category, const char *item, const json_t *params);
/* On the loop, each tick: announces the entries committed since the last. */
void inbox__tick(void);

/* pump.c: the link of a message of category about item (route: the
 * notice's own page, or NULL) (malloc'd), or NULL without public_url;
 * relative ("#/proposal/5") when not absolute. */
char *pump__item_link(const char *category, const char *item, const char *secret, const char *route,
		      int absolute);

/* prefs.c */
int prefs__init(accord_plugin_ctx *p);
/* The signed one-click link that turns category off for login (malloc'd),
 * or NULL when no key is loaded yet or there is no public_url. */
char *prefs__link(const char *login, const char *category);
/* Storage thread: login's row {email, lang, off, digest} (off and digest:
 * comma lists of categories); 0 found, 1 none, -1 error. */
int prefs__read(accord_txn *txn, const char *login, json_t **row);

#endif
