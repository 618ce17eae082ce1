/*
 * The sender thread: the only code of the plugin that blocks.  It takes
 * built messages from a queue the loop fills, speaks SMTP to the relay
 * with libcurl (STARTTLS or TLS required unless the configuration
 * explicitly says plain, which it allows on loopback only), and puts each
 * result on a list the loop's pump collects.  A message is "sent" when
 * the relay answered 250 to its data; the pump then records that durably.
 * The credentials are read here, from the environment or a file, never
 * from the JSON configuration, and never logged.
 */
#include "notify.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>

static pthread_t thread;
static int running;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static sender_msg *q_head, *q_tail;
static sender_result *r_head, *r_tail;
static atomic_int stopping;
static char user[256], password[256];

void sender_msg_free(sender_msg *m)
{
	if (!m)
		return;
	free(m->rcpt);
	free(m->data);
	free(m);
}

void sender__push(sender_msg *m)
{
	pthread_mutex_lock(&mu);
	m->next = NULL;
	if (q_tail)
		q_tail->next = m;
	else
		q_head = m;
	q_tail = m;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
}

sender_result *sender__take(void)
{
	pthread_mutex_lock(&mu);
	sender_result *r = r_head;
	r_head = r_tail = NULL;
	pthread_mutex_unlock(&mu);
	return r;
}

static void result_add(int64_t id, int outcome, long code, const char *detail)
{
	sender_result *r = calloc(1, sizeof(*r));
	if (!r)
		return; /* the row stays "sending": it is sent again after a restart */
	r->id = id;
	r->outcome = outcome;
	r->smtp_code = code;
	/* a longer detail (an SMTP server's whole reply) is cut, on purpose */
	size_t n = detail ? strnlen(detail, sizeof(r->detail) - 1) : 0;
	memcpy(r->detail, detail ? detail : "", n);
	r->detail[n] = '\0';
	pthread_mutex_lock(&mu);
	if (r_tail)
		r_tail->next = r;
	else
		r_head = r;
	r_tail = r;
	pthread_mutex_unlock(&mu);
}

/* user and password: ACCORD_SMTP_USER / ACCORD_SMTP_PASSWORD, else the
 * first two lines of smtp.credentials_file; none: no AUTH. */
static void credentials_load(void)
{
	const char *u = getenv("ACCORD_SMTP_USER"), *pw = getenv("ACCORD_SMTP_PASSWORD");
	if (u && pw) {
		snprintf(user, sizeof(user), "%s", u);
		snprintf(password, sizeof(password), "%s", pw);
		return;
	}
	if (!notify__cfg.smtp_credentials_file[0])
		return;
	FILE *f = fopen(notify__cfg.smtp_credentials_file, "r");
	if (!f) {
		api->log(self, ACCORD_LOG_ERR, "smtp.credentials_file %s cannot be read",
			 notify__cfg.smtp_credentials_file);
		return;
	}
	if (!fgets(user, sizeof(user), f) || !fgets(password, sizeof(password), f)) {
		api->log(self, ACCORD_LOG_ERR,
			 "smtp.credentials_file %s: expected two lines, the user and the password",
			 notify__cfg.smtp_credentials_file);
		user[0] = password[0] = 0;
	}
	fclose(f);
	user[strcspn(user, "\r\n")] = 0;
	password[strcspn(password, "\r\n")] = 0;
}

typedef struct reader {
	const char *data;
	size_t len, off;
} reader;

static size_t read_cb(char *ptr, size_t size, size_t n, void *ud)
{
	reader *r = ud;
	size_t want = size * n, left = r->len - r->off;
	if (want > left)
		want = left;
	memcpy(ptr, r->data + r->off, want);
	r->off += want;
	return want;
}

/* A stop does not wait for a slow relay: the socket of the transfer is
 * shut down under it (curl waits for the relay's last answer without
 * calling any callback of ours), so the transfer fails at once and the
 * message stays "sending", to go again at the next start.  The socket is
 * made and closed here, under the lock, so that a stop never shuts down a
 * descriptor that was closed and reused. */
static int sock_fd = -1;

static curl_socket_t open_cb(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
	(void)ud;
	(void)purpose;
	pthread_mutex_lock(&mu);
	int fd = atomic_load(&stopping) ? -1
					: socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	sock_fd = fd;
	pthread_mutex_unlock(&mu);
	return fd < 0 ? CURL_SOCKET_BAD : fd;
}

static int close_cb(void *ud, curl_socket_t fd)
{
	(void)ud;
	pthread_mutex_lock(&mu);
	if (sock_fd == fd)
		sock_fd = -1;
	close(fd);
	pthread_mutex_unlock(&mu);
	return 0;
}

static void send_one(CURL *c, const sender_msg *m)
{
	char url[320];
	snprintf(url, sizeof(url), "%s://%s:%d",
		 notify__cfg.smtp_security == NOTIFY_TLS ? "smtps" : "smtp", notify__cfg.smtp_host,
		 notify__cfg.smtp_port);
	char from[270];
	snprintf(from, sizeof(from), "<%s>", notify__cfg.from_addr);
	char to[270];
	snprintf(to, sizeof(to), "<%s>", m->rcpt);
	struct curl_slist *rcpt = curl_slist_append(NULL, to);
	reader rd = {m->data, m->len, 0};
	char err[CURL_ERROR_SIZE] = "";
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &rd);
	curl_easy_setopt(c, CURLOPT_INFILESIZE, (long)m->len);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)notify__cfg.smtp_timeout_s);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_cb);
	curl_easy_setopt(c, CURLOPT_CLOSESOCKETFUNCTION, close_cb);
	if (notify__cfg.smtp_security != NOTIFY_PLAIN) {
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
		if (notify__cfg.smtp_ca_file[0])
			curl_easy_setopt(c, CURLOPT_CAINFO, notify__cfg.smtp_ca_file);
	}
	if (user[0]) {
		curl_easy_setopt(c, CURLOPT_USERNAME, user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, password);
	}
	CURLcode rc = rcpt ? curl_easy_perform(c) : CURLE_OUT_OF_MEMORY;
	long code = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(rcpt);
	if (rc == CURLE_OK) {
		result_add(m->id, SENDER_SENT, code, "accepted");
	} else {
		char detail[600];
		snprintf(detail, sizeof(detail), "%s%s%s (SMTP %ld)", curl_easy_strerror(rc),
			 err[0] ? ": " : "", err, code);
		result_add(m->id, SENDER_FAILED, code, detail);
	}
}

static void *run(void *arg)
{
	(void)arg;
	credentials_load();
	CURL *c = curl_easy_init();
	pthread_mutex_lock(&mu);
	while (!stopping) {
		if (!q_head) {
			pthread_cond_wait(&cv, &mu);
			continue;
		}
		sender_msg *m = q_head;
		q_head = m->next;
		if (!q_head)
			q_tail = NULL;
		pthread_mutex_unlock(&mu);
		if (c)
			send_one(c, m);
		else
			result_add(m->id, SENDER_FAILED, 0, "libcurl could not start");
		sender_msg_free(m);
		pthread_mutex_lock(&mu);
	}
	pthread_mutex_unlock(&mu);
	if (c)
		curl_easy_cleanup(c);
	explicit_bzero(password, sizeof(password));
	return NULL;
}

int sender__start(void)
{
	if (running)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return -1;
	stopping = 0;
	if (pthread_create(&thread, NULL, run, NULL))
		return -1;
	running = 1;
	return 0;
}

/* Stops the thread, abandoning the message it is sending (its socket shut
 * down).  Messages not recorded
 * sent stay "sending" in the outbox and go out again at the next start. */
void sender__stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&mu);
	stopping = 1;
	if (sock_fd >= 0)
		shutdown(sock_fd, SHUT_RDWR);
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(thread, NULL);
	running = 0;
	sender_msg *m;
	while ((m = q_head)) {
		q_head = m->next;
		sender_msg_free(m);
	}
	q_tail = NULL;
	sender_result *r;
	while ((r = r_head)) {
		r_head = r->next;
		free(r);
	}
	r_tail = NULL;
}
