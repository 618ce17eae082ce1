/*
 * The bare libwebsockets peer of bench/live_session.mjs: the ceiling of the
 * library on this machine.  No JSON library, no authentication, no storage.
 *
 * It answers every accord.v1 request with {"re":<id>,"ok":true,"data":...}
 * (a token for auth.login, proposal 1 for consensus.create, seq 0 for
 * sub.add, {} otherwise).  For "consensus.position" it first queues a small
 * tally event {"event":"consensus.tally","topic":"proposal:1","seq":n,...}
 * to every connection (one shared frame, by reference), then the ack to the
 * sender: the order Accord uses without coalescing.
 *
 * usage: peer_lws [PORT]   (0 or none: a free port; prints "port N")
 */
#include <libwebsockets.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

typedef struct frame {
	int refs;
	size_t len;
	unsigned char buf[]; /* LWS_PRE + len */
} frame;

typedef struct pss {
	struct lws *wsi;
	int slot;
	frame **q;
	unsigned head, len, cap;
	char *rx;
	size_t rx_len, rx_cap;
} pss;

static pss **conns;
static int n_conns, cap_conns;
static unsigned long long seq;
static long counts[2];
static volatile int stop;

static frame *frame_new(const char *s, size_t len)
{
	frame *f = malloc(sizeof(*f) + LWS_PRE + len);
	f->refs = 0;
	f->len = len;
	memcpy(f->buf + LWS_PRE, s, len);
	return f;
}
static void frame_unref(frame *f)
{
	if (--f->refs <= 0)
		free(f);
}

static void push(pss *p, frame *f)
{
	if (p->len == p->cap) {
		unsigned nc = p->cap ? p->cap * 2 : 8;
		frame **nq = malloc(nc * sizeof(*nq));
		for (unsigned i = 0; i < p->len; i++)
			nq[i] = p->q[(p->head + i) % p->cap];
		free(p->q);
		p->q = nq;
		p->cap = nc;
		p->head = 0;
	}
	f->refs++;
	p->q[(p->head + p->len) % p->cap] = f;
	p->len++;
	lws_callback_on_writable(p->wsi);
}

/* The raw text of the value of "key" (a string's contents, or a number). */
static int field(const char *m, size_t n, const char *key, const char **v, size_t *vl)
{
	char pat[32];
	int pl = snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *k = memmem(m, n, pat, (size_t)pl);
	if (!k)
		return -1;
	const char *s = k + pl, *end = m + n;
	if (s < end && *s == '"') {
		const char *e = memchr(s + 1, '"', (size_t)(end - s - 1));
		if (!e)
			return -1;
		*v = s;
		*vl = (size_t)(e - s + 1); /* with the quotes */
		return 0;
	}
	const char *e = s;
	while (e < end && *e != ',' && *e != '}')
		e++;
	*v = s;
	*vl = (size_t)(e - s);
	return 0;
}

static void on_message(pss *p, const char *m, size_t n)
{
	const char *type, *id;
	size_t tl, il;
	char out[512];
	if (field(m, n, "type", &type, &tl) || field(m, n, "id", &id, &il) || il > 80)
		return;
	const char *data = "{}";
	if (tl == 20 && !memcmp(type, "\"consensus.position\"", 20)) {
		counts[memmem(m, n, "\"agree\"", 7) ? 0 : 1]++;
		int len = snprintf(
			out, sizeof(out),
			"{\"event\":\"consensus.tally\",\"topic\":\"proposal:1\",\"seq\":%llu,"
			"\"data\":{\"proposal\":1,\"counts\":{\"agree\":%ld,\"abstain\":%ld}}}",
			++seq, counts[0], counts[1]);
		frame *f = frame_new(out, (size_t)len);
		f->refs = 1;
		for (int i = 0; i < n_conns; i++)
			push(conns[i], f);
		frame_unref(f);
		data = "{\"proposal\":1}";
	} else if (tl == 12 && !memcmp(type, "\"auth.login\"", 12))
		data = "{\"token\":\"peer\",\"expires\":0}";
	else if (tl == 18 && !memcmp(type, "\"consensus.create\"", 18))
		data = "{\"proposal\":{\"id\":1}}";
	else if (tl == 9 && !memcmp(type, "\"sub.add\"", 9))
		data = "{\"topic\":\"proposal:1\",\"seq\":0}";
	int len = snprintf(out, sizeof(out), "{\"re\":%.*s,\"ok\":true,\"data\":%s}", (int)il, id,
			   data);
	frame *f = frame_new(out, (size_t)len);
	push(p, f);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		    size_t len)
{
	pss *p = user;
	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		memset(p, 0, sizeof(*p));
		p->wsi = wsi;
		if (n_conns == cap_conns) {
			cap_conns = cap_conns ? cap_conns * 2 : 1024;
			conns = realloc(conns, (size_t)cap_conns * sizeof(*conns));
		}
		p->slot = n_conns;
		conns[n_conns++] = p;
		break;
	case LWS_CALLBACK_CLOSED:
		if (p->wsi) {
			conns[p->slot] = conns[--n_conns];
			conns[p->slot]->slot = p->slot;
			while (p->len) {
				frame_unref(p->q[p->head]);
				p->head = (p->head + 1) % p->cap;
				p->len--;
			}
			free(p->q);
			free(p->rx);
			p->wsi = NULL;
		}
		break;
	case LWS_CALLBACK_RECEIVE: {
		int first = lws_is_first_fragment(wsi), fin = lws_is_final_fragment(wsi);
		if (first && fin && !p->rx_len) {
			on_message(p, in, len);
			break;
		}
		if (p->rx_len + len > p->rx_cap) {
			p->rx_cap = (p->rx_len + len) * 2;
			p->rx = realloc(p->rx, p->rx_cap);
		}
		memcpy(p->rx + p->rx_len, in, len);
		p->rx_len += len;
		if (fin) {
			on_message(p, p->rx, p->rx_len);
			p->rx_len = 0;
		}
		break;
	}
	case LWS_CALLBACK_SERVER_WRITEABLE: {
		if (!p->len)
			break;
		frame *f = p->q[p->head];
		int w = lws_write(wsi, f->buf + LWS_PRE, f->len, LWS_WRITE_TEXT);
		p->head = (p->head + 1) % p->cap;
		p->len--;
		frame_unref(f);
		if (w < 0)
			return -1;
		if (p->len)
			lws_callback_on_writable(wsi);
		break;
	}
	default: break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {{"accord.v1", callback, sizeof(pss), 4096, 0, NULL,
						  0},
						 {NULL, NULL, 0, 0, 0, NULL, 0}};

static void on_signal(int s)
{
	(void)s;
	stop = 1;
}

/* Under libuv, lws watches SIGTERM/SIGINT itself and calls this. */
static void on_uv_signal(void *loop, int s)
{
	(void)loop;
	(void)s;
	_exit(0);
}

int main(int argc, char **argv)
{
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	lws_set_log_level(LLL_ERR, NULL);

	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.port = argc > 1 ? atoi(argv[1]) : 0;
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	info.fd_limit_per_thread = (unsigned)rl.rlim_cur;
	/* argv[2] "uv": libuv (epoll), the event-library plugin Debian's lws
	 * ships, instead of lws's default poll(2) loop.  Measured at 10,000
	 * connections it delivers 2.4x less: every writable request is an
	 * epoll_ctl.  Accord serves on the poll loop too. */
	if (argc > 2 && !strcmp(argv[2], "uv")) {
		info.options |= LWS_SERVER_OPTION_LIBUV;
		info.signal_cb = on_uv_signal;
	}
	struct lws_context *ctx = lws_create_context(&info);
	if (!ctx) {
		fprintf(stderr, "peer_lws: cannot create the context\n");
		return 1;
	}
	struct lws_vhost *vh = lws_get_vhost_by_name(ctx, "default");
	printf("port %d\n", vh ? lws_get_vhost_listen_port(vh) : info.port);
	fflush(stdout);
	while (!stop && lws_service(ctx, 0) >= 0)
		;
	lws_context_destroy(ctx);
	return 0;
}
