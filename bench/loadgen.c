/*
 * Live consensus session load generator (issue 8).
 *
 * One lws_context, many client wsi, one thread.  Speaks accord.v1 envelopes
 * ({"type","id","data"} requests, {"re","ok","data"} replies, {"event",
 * "topic","seq","data"} events) to Accord or to a benchmark peer that answers
 * the same shapes.
 *
 *   1. V voter connections log in (one account per voting organisation,
 *      voter 1 is a co-chair), one observer connection logs in; voter 1
 *      creates and opens a proposal.
 *   2. The remaining N-V-1 observer connections are opened at a paced rate
 *      and each resumes the observer's token; all N subscribe to
 *      proposal:<id>.
 *   3. For D seconds the voters state positions at an offered rate R in
 *      total (open loop, round robin, each voter alternating agree/abstain).
 *   4. Drain, then print one JSON object with the figures on stdout.
 *
 * Which tally includes a position P of voter connection X: the voter
 * connections are subscribed too, and the server queues events and replies
 * to one connection in the order it produced them.  Without coalescing the
 * server publishes the tally in the same loop pass that acknowledges P,
 * just before the ack: the tally frame received on X immediately before
 * ack(P) includes P.  With coalescing, Accord's ack says which
 * (`tally_sent`): true, it went out just before the ack as above; false,
 * the first tally published after P was applied includes P: the first
 * tally frame received on X after ack(P).  (Acks without the field, the
 * peers', follow --coalesced.)  Its seq is seq(P); at every client the
 * arrival of seq(P) minus P's intended send time is one latency sample.
 *
 * usage: loadgen --port P [--host 127.0.0.1] --n N --voters V --rate R
 *                --duration D [--coalesced] [--server-pid PID] ...
 * password: env ACCORD_DEMO_PASSWORD; LOADGEN_TRACE=file: where each
 * position's time went (one line each).  See bench/README.md.
 */
#include <libwebsockets.h>
#include <jansson.h>

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* ---------------- options ---------------- */

static const char *o_host = "127.0.0.1";
static int o_port;
static int o_n = 1000;
static int o_voters = 10;
static double o_rate = 100;
static double o_duration = 10;
static double o_drain = 5;
static int o_connect_rate = 4000;
static int o_max_pending = 256;
static int o_coalesced;
static int o_server_pid;
static const char *o_voter_prefix = "v";
static const char *o_observer = "obs";
static double o_sample_budget = 4e7; /* stored per-client arrivals */
static int o_poll;                   /* --loop poll: lws's poll(2) loop instead of libuv */
static int o_poisson;                /* --arrivals poisson: random times at the same mean rate */
static uint64_t o_seed = 1;          /* --seed: the same arrivals for every server of a run */
static double o_setup_timeout = 120;

/* ---------------- time ---------------- */

static uint64_t t_origin;
static uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
/* µs since start, fits 71 minutes */
static uint32_t now32(void) { return (uint32_t)(mono_us() - t_origin); }

static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "loadgen %7.3f ", (double)now32() / 1e6);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---------------- histogram (log-linear, ~0.2% precision, µs) ---------------- */

#define H_SUB 512
#define H_BUCKETS (H_SUB * 2 + H_SUB * 40)
typedef struct hist {
	uint64_t b[H_BUCKETS];
	uint64_t n;
	double sum;
	uint64_t max;
} hist;

static unsigned h_index(uint64_t v)
{
	if (v < 2 * H_SUB)
		return (unsigned)v;
	unsigned e = 63u - (unsigned)__builtin_clzll(v); /* >= 10 */
	unsigned shift = e - 9;
	unsigned idx = shift * H_SUB + (unsigned)(v >> shift);
	return idx < H_BUCKETS ? idx : H_BUCKETS - 1;
}
static double h_value(unsigned idx)
{
	if (idx < 2 * H_SUB)
		return idx;
	unsigned shift = idx / H_SUB - 1;
	uint64_t mant = idx - (uint64_t)shift * H_SUB;
	return (double)(mant << shift) + (double)((1ull << shift) - 1) / 2.0;
}
static void h_add(hist *h, int64_t v, uint64_t count)
{
	if (v < 0)
		v = 0;
	h->b[h_index((uint64_t)v)] += count;
	h->n += count;
	h->sum += (double)v * (double)count;
	if ((uint64_t)v > h->max)
		h->max = (uint64_t)v;
}
/* percentile in ms, -1 when empty */
static double h_pct(const hist *h, double p)
{
	if (!h->n)
		return -1;
	uint64_t want = (uint64_t)ceil(p / 100.0 * (double)h->n);
	if (want < 1)
		want = 1;
	uint64_t acc = 0;
	for (unsigned i = 0; i < H_BUCKETS; i++) {
		acc += h->b[i];
		if (acc >= want)
			return h_value(i) / 1000.0;
	}
	return (double)h->max / 1000.0;
}

/* ---------------- state ---------------- */

typedef struct outmsg {
	size_t len;
	unsigned char *buf; /* LWS_PRE + len */
} outmsg;

enum cstate { C_IDLE, C_CONNECTING, C_OPEN, C_AUTHED, C_SUBSCRIBED, C_CLOSED, C_FAILED };

typedef struct client {
	struct lws *wsi;
	int idx;
	enum cstate st;
	int voter; /* 1-based voter number, 0 for observers */
	outmsg *q;
	size_t q_head, q_len, q_cap;
	unsigned char *frag;
	size_t frag_len, frag_cap;
	/* voter attribution */
	uint64_t last_tally_seq; /* last frame was this tally; 0 otherwise */
	uint32_t *waiting;       /* coalesced: acked positions waiting for the next tally */
	size_t n_waiting, cap_waiting;
	int position_flip;
	uint64_t last_seq_rx;
} client;

typedef struct pos {
	uint32_t intended_us;
	uint32_t ack_us; /* 0: not acknowledged */
	uint32_t sent_us;
	uint64_t seq; /* tally including it; 0: unknown */
	int voter;
	int nok;
} pos;

typedef struct tally {
	uint32_t first_us, last_us;
	uint32_t count;
	uint32_t n_arr, cap_arr;
	uint32_t *arr;
} tally;

static struct lws_context *ctx;
static client *cl;
static int n_target;
static int opened, established, subscribed, authed_voters, conn_failed, dropped;
static int pending_connects;
static char token[128];
static int64_t proposal_id;
static int phase;
enum { P_VOTERS, P_CREATE, P_CONNECT, P_SETTLE, P_RUN, P_DRAIN, P_DONE };
static uint32_t phase_t0;
static uint64_t seq_base;
static int seq_base_set;
static tally *tallies;
static size_t n_tallies_cap;
static uint64_t max_seq_seen;
static pos *positions;
static size_t n_pos, cap_pos;
static uint32_t run_t0, run_t1;
static uint64_t acks_in_window, deliveries_in_window, deliveries_total;
static uint64_t acks_total, acks_failed;
static int sample_stride = 1;
static char limit_hit[256];
static char first_error[256];
static long rss_idle_kib, rss_n_kib;
static double cpu_start_s, cpu_end_s;
static uint32_t connect_t0, connect_t1;
static int connected_in_phase;
static long clk_tck;
static int fatal;
static char fatal_msg[256];
static int create_sent, open_sent;
static int interrupted;

/* ---------------- /proc ---------------- */

static long proc_rss_kib(int pid)
{
	if (pid <= 0)
		return -1;
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	long v = -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			v = strtol(line + 6, NULL, 10);
	fclose(f);
	return v;
}

static double proc_cpu_s(int pid)
{
	if (pid <= 0)
		return -1;
	char path[64], buf[2048];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* fields after ")": 3 state ... 14 utime 15 stime */
	unsigned long ut = 0, stt = 0;
	int field = 2;
	char *save = NULL;
	for (char *tok = strtok_r(p + 1, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		field++;
		if (field == 14)
			ut = strtoul(tok, NULL, 10);
		if (field == 15) {
			stt = strtoul(tok, NULL, 10);
			break;
		}
	}
	return (double)(ut + stt) / (double)clk_tck;
}

/* ---------------- sending ---------------- */

static void enqueue(client *c, const char *s, size_t len)
{
	if (c->q_len == c->q_cap) {
		size_t nc = c->q_cap ? c->q_cap * 2 : 4;
		outmsg *nq = malloc(nc * sizeof(*nq));
		for (size_t i = 0; i < c->q_len; i++)
			nq[i] = c->q[(c->q_head + i) % c->q_cap];
		free(c->q);
		c->q = nq;
		c->q_cap = nc;
		c->q_head = 0;
	}
	outmsg *m = &c->q[(c->q_head + c->q_len) % c->q_cap];
	m->buf = malloc(LWS_PRE + len);
	memcpy(m->buf + LWS_PRE, s, len);
	m->len = len;
	c->q_len++;
	if (c->wsi)
		lws_callback_on_writable(c->wsi);
}

static void sendf(client *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	enqueue(c, buf, (size_t)n);
}

static void q_free(client *c)
{
	while (c->q_len) {
		free(c->q[c->q_head].buf);
		c->q_head = (c->q_head + 1) % c->q_cap;
		c->q_len--;
	}
}

/* ---------------- connecting ---------------- */

static const struct lws_protocols protocols[];

static int start_connect(client *c)
{
	struct lws_client_connect_info i;
	char origin[64], hostport[64];
	memset(&i, 0, sizeof(i));
	snprintf(origin, sizeof(origin), "%s:%d", o_host, o_port); /* lws prepends http:// */
	snprintf(hostport, sizeof(hostport), "%s:%d", o_host, o_port);
	i.context = ctx;
	i.address = o_host;
	i.port = o_port;
	i.path = "/ws";
	i.host = hostport;
	i.origin = origin;
	i.protocol = "accord.v1";
	i.local_protocol_name = protocols[0].name;
	i.opaque_user_data = c;
	i.pwsi = &c->wsi;
	c->st = C_CONNECTING;
	opened++;
	pending_connects++;
	errno = 0;
	if (!lws_client_connect_via_info(&i)) {
		int e = errno;
		c->st = C_FAILED;
		c->wsi = NULL;
		conn_failed++;
		pending_connects--;
		if (e == EMFILE || e == ENFILE) {
			snprintf(limit_hit, sizeof(limit_hit),
				 "EMFILE: the open-file limit was reached at connection %d",
				 c->idx + 1);
		} else if (e == EADDRNOTAVAIL) {
			snprintf(limit_hit, sizeof(limit_hit),
				 "EADDRNOTAVAIL: out of client ports for %s:%d at connection %d",
				 o_host, o_port, c->idx + 1);
		}
		if (!*first_error)
			snprintf(first_error, sizeof(first_error), "connect: %s", strerror(e));
		return -1;
	}
	return 0;
}

static void report(void);

static void set_phase(int p)
{
	phase = p;
	phase_t0 = now32();
	if (p == P_CONNECT)
		/* the server with V voters and one observer: "idle" */
		rss_idle_kib = proc_rss_kib(o_server_pid);
	if (p == P_DONE && !o_poll) {
		/* libuv's loop runs inside lws_service() until it is stopped;
		 * the generator's work is over, so report and leave. */
		report();
		fflush(stdout);
		_exit(fatal ? 1 : 0);
	}
}

/* ---------------- receiving ---------------- */

/* Tallies by seq in a hash table (open addressing).  A server's seq may
 * be sparse: Accord's is the bus clock in microseconds, so a dense array
 * indexed by seq - seq_base grew by hundreds of MB during a run, and its
 * reallocations and memsets stalled the generator for 0.4-0.9 s at a time
 * (every late ack of the issue 17 figures at small fan-out was that). */
static uint64_t *tally_keys; /* 0: empty */
static size_t tally_used;

static tally *tally_slot(uint64_t seq, int create)
{
	if (create && (tally_used + 1) * 2 > n_tallies_cap) {
		size_t nc = n_tallies_cap ? n_tallies_cap * 2 : 4096;
		uint64_t *nk = calloc(nc, sizeof(*nk));
		tally *nt = calloc(nc, sizeof(*nt));
		if (!nk || !nt) {
			free(nk);
			free(nt);
			return NULL;
		}
		for (size_t i = 0; i < n_tallies_cap; i++) {
			if (!tally_keys[i])
				continue;
			size_t h = (size_t)(tally_keys[i] * 0x9E3779B97F4A7C15ull) & (nc - 1);
			while (nk[h])
				h = (h + 1) & (nc - 1);
			nk[h] = tally_keys[i];
			nt[h] = tallies[i];
		}
		free(tally_keys);
		free(tallies);
		tally_keys = nk;
		tallies = nt;
		n_tallies_cap = nc;
	}
	if (!n_tallies_cap)
		return NULL;
	size_t h = (size_t)(seq * 0x9E3779B97F4A7C15ull) & (n_tallies_cap - 1);
	while (tally_keys[h] && tally_keys[h] != seq)
		h = (h + 1) & (n_tallies_cap - 1);
	if (!tally_keys[h]) {
		if (!create)
			return NULL;
		tally_keys[h] = seq;
		tally_used++;
	}
	return &tallies[h];
}

static tally *tally_for(uint64_t seq)
{
	if (!seq_base_set || seq <= seq_base)
		return NULL;
	if (seq > max_seq_seen)
		max_seq_seen = seq;
	return tally_slot(seq, 1);
}

static void on_tally(client *c, uint64_t seq, uint32_t t)
{
	deliveries_total++;
	if (phase == P_RUN && t < run_t1)
		deliveries_in_window++;
	c->last_seq_rx = seq;
	tally *ty = tally_for(seq);
	if (ty) {
		if (!ty->count || t < ty->first_us)
			ty->first_us = t;
		if (t > ty->last_us)
			ty->last_us = t;
		ty->count++;
		if (c->idx % sample_stride == 0) {
			if (ty->n_arr == ty->cap_arr) {
				uint32_t nc = ty->cap_arr ? ty->cap_arr * 2 : 64;
				uint32_t *na = realloc(ty->arr, nc * sizeof(*na));
				if (na) {
					ty->arr = na;
					ty->cap_arr = nc;
				}
			}
			if (ty->n_arr < ty->cap_arr)
				ty->arr[ty->n_arr++] = t;
		}
	}
	if (c->voter) {
		c->last_tally_seq = seq;
		for (size_t i = 0; i < c->n_waiting; i++)
			positions[c->waiting[i]].seq = seq;
		c->n_waiting = 0;
	}
}

/* sent: the ack's tally_sent (1 true, 0 false, -1 absent) */
static void on_position_ack(client *c, uint64_t id, int ok, int sent, uint32_t t)
{
	if (id < 1 || id > n_pos) {
		c->last_tally_seq = 0;
		return;
	}
	pos *p = &positions[id - 1];
	if (p->ack_us) {
		c->last_tally_seq = 0;
		return;
	}
	p->ack_us = t ? t : 1;
	p->nok = !ok;
	if (!ok) {
		acks_failed++;
		if (!*first_error)
			snprintf(first_error, sizeof(first_error), "a position was refused");
	} else {
		acks_total++;
		if (phase == P_RUN && t < run_t1)
			acks_in_window++;
		if (sent < 0)
			sent = !o_coalesced;
		if (sent) {
			if (c->last_tally_seq)
				p->seq = c->last_tally_seq;
		} else {
			if (c->n_waiting == c->cap_waiting) {
				size_t nc = c->cap_waiting ? c->cap_waiting * 2 : 64;
				c->waiting = realloc(c->waiting, nc * sizeof(*c->waiting));
				c->cap_waiting = nc;
			}
			c->waiting[c->n_waiting++] = (uint32_t)(id - 1);
		}
	}
	c->last_tally_seq = 0;
}

static void after_setup_reply(client *c, const char *re, json_t *root);

static void handle_frame(client *c, const char *buf, size_t len)
{
	uint32_t t = now32();
	if (len > 9 && !memcmp(buf, "{\"event\":", 9)) {
		const char *s = memmem(buf, len < 256 ? len : 256, "\"seq\":", 6);
		if (!s) {
			c->last_tally_seq = 0;
			return;
		}
		uint64_t seq = strtoull(s + 6, NULL, 10);
		if (memmem(buf, len < 64 ? len : 64, "consensus.tally", 15))
			on_tally(c, seq, t);
		else
			c->last_tally_seq = 0;
		return;
	}
	const char *r = memmem(buf, len < 64 ? len : 64, "\"re\":", 5);
	if (r && r[5] >= '0' && r[5] <= '9') {
		uint64_t id = strtoull(r + 5, NULL, 10);
		int ok = memmem(buf, len < 96 ? len : 96, "\"ok\":true", 9) != NULL;
		const char *ts = memmem(buf, len, "\"tally_sent\":", 13);
		int sent = !ts ? -1 : (size_t)(ts + 13 - buf) < len && ts[13] == 't';
		on_position_ack(c, id, ok, sent, t);
		return;
	}
	c->last_tally_seq = 0;
	json_error_t je;
	json_t *root = json_loadb(buf, len, 0, &je);
	if (!root)
		return;
	const char *re = json_string_value(json_object_get(root, "re"));
	if (re)
		after_setup_reply(c, re, root);
	json_decref(root);
}

static void fail_setup(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(fatal_msg, sizeof(fatal_msg), fmt, ap);
	va_end(ap);
	fatal = 1;
	say("FATAL: %s", fatal_msg);
}

static void subscribe(client *c)
{
	sendf(c,
	      "{\"type\":\"sub.add\",\"id\":\"sub\",\"data\":{\"topic\":\"proposal:%" PRId64 "\"}}",
	      proposal_id);
}

static void after_setup_reply(client *c, const char *re, json_t *root)
{
	int ok = json_is_true(json_object_get(root, "ok"));
	json_t *data = json_object_get(root, "data");
	if (!ok) {
		json_t *err = json_object_get(root, "error");
		fail_setup("%s refused on connection %d: %s: %s", re, c->idx,
			   json_string_value(json_object_get(err, "code")),
			   json_string_value(json_object_get(err, "message")));
		return;
	}
	if (!strcmp(re, "login")) {
		c->st = C_AUTHED;
		if (c->voter)
			authed_voters++;
		else {
			const char *tk = json_string_value(json_object_get(data, "token"));
			snprintf(token, sizeof(token), "%s", tk ? tk : "");
		}
	} else if (!strcmp(re, "create")) {
		proposal_id = json_integer_value(
			json_object_get(json_object_get(data, "proposal"), "id"));
		open_sent = 1;
		sendf(c,
		      "{\"type\":\"consensus.open\",\"id\":\"open\",\"data\":{\"proposal\":%" PRId64
		      "}}",
		      proposal_id);
	} else if (!strcmp(re, "open")) {
		say("proposal %" PRId64 " open; connecting %d observers", proposal_id,
		    n_target - o_voters - 1);
		for (int i = 0; i <= o_voters; i++)
			if (cl[i].st == C_AUTHED)
				subscribe(&cl[i]);
		connect_t0 = now32();
		set_phase(P_CONNECT);
	} else if (!strcmp(re, "resume")) {
		c->st = C_AUTHED;
		subscribe(c);
	} else if (!strcmp(re, "sub")) {
		c->st = C_SUBSCRIBED;
		subscribed++;
		uint64_t s = (uint64_t)json_integer_value(json_object_get(data, "seq"));
		if (!seq_base_set || s > seq_base) {
			seq_base = s;
			seq_base_set = 1;
		}
	}
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		    size_t len)
{
	(void)user;
	client *c = lws_get_opaque_user_data(wsi);
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
		if (!c)
			break;
		int e = errno;
		const char *msg = in ? (const char *)in : "(none)";
		if (c->st == C_CONNECTING)
			pending_connects--;
		c->st = C_FAILED;
		c->wsi = NULL;
		conn_failed++;
		if (e == EMFILE || e == ENFILE || strstr(msg, "EMFILE"))
			snprintf(limit_hit, sizeof(limit_hit),
				 "EMFILE: the open-file limit was reached at connection %d",
				 c->idx + 1);
		else if (e == EADDRNOTAVAIL || strstr(msg, "ADDRNOTAVAIL"))
			snprintf(limit_hit, sizeof(limit_hit),
				 "EADDRNOTAVAIL: out of client ports for %s:%d at connection %d",
				 o_host, o_port, c->idx + 1);
		if (!*first_error)
			snprintf(first_error, sizeof(first_error),
				 "connection %d: %s (errno %d %s)", c->idx + 1, msg, e, strerror(e));
		break;
	}
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (!c)
			break;
		pending_connects--;
		established++;
		c->st = C_OPEN;
		if (phase == P_CONNECT)
			connected_in_phase++;
		if (c->idx <= o_voters) {
			char lg[64];
			if (c->voter)
				snprintf(lg, sizeof(lg), "%s%d", o_voter_prefix, c->voter);
			else
				snprintf(lg, sizeof(lg), "%s", o_observer);
			const char *pw = getenv("ACCORD_DEMO_PASSWORD");
			sendf(c,
			      "{\"type\":\"auth.login\",\"id\":\"login\",\"data\":{\"login\":\"%s\","
			      "\"password\":\"%s\"}}",
			      lg, pw ? pw : "");
		} else
			sendf(c,
			      "{\"type\":\"auth.resume\",\"id\":\"resume\",\"data\":{\"token\":\"%s\"}}",
			      token);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE: {
		if (!c)
			break;
		int first = lws_is_first_fragment(wsi), fin = lws_is_final_fragment(wsi);
		if (first && fin && !c->frag_len) {
			handle_frame(c, in, len);
			break;
		}
		if (c->frag_len + len > c->frag_cap) {
			size_t nc = (c->frag_len + len) * 2;
			c->frag = realloc(c->frag, nc);
			c->frag_cap = nc;
		}
		memcpy(c->frag + c->frag_len, in, len);
		c->frag_len += len;
		if (fin) {
			handle_frame(c, (const char *)c->frag, c->frag_len);
			c->frag_len = 0;
		}
		break;
	}
	case LWS_CALLBACK_CLIENT_WRITEABLE: {
		if (!c || !c->q_len)
			break;
		outmsg *m = &c->q[c->q_head];
		int w = lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT);
		free(m->buf);
		c->q_head = (c->q_head + 1) % c->q_cap;
		c->q_len--;
		if (w < (int)0)
			return -1;
		if (c->q_len)
			lws_callback_on_writable(wsi);
		break;
	}
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (!c)
			break;
		if (c->st == C_CONNECTING)
			pending_connects--;
		if (c->st == C_SUBSCRIBED || c->st == C_AUTHED || c->st == C_OPEN) {
			dropped++;
			if (!*first_error)
				snprintf(first_error, sizeof(first_error),
					 "connection %d closed by the server", c->idx + 1);
		}
		c->st = C_CLOSED;
		c->wsi = NULL;
		q_free(c);
		break;
	default: break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {{"accord-loadgen", callback, 0, 65536, 0, NULL, 0},
						 {NULL, NULL, 0, 0, 0, NULL, 0}};

/* ---------------- the clock: pacing, phases ---------------- */

static lws_sorted_usec_list_t tick_sul;
static long fd_limit;

static int count_alive(void)
{
	int n = 0;
	for (int i = 0; i < n_target; i++)
		n += cl[i].st == C_SUBSCRIBED;
	return n;
}

/* --arrivals poisson: position k is due at the k-th arrival of a Poisson
 * process of the offered rate (exponential gaps, mean 1/rate, the first at
 * 0), from a fixed seed, so that every server of a run is offered the same
 * times.  Evenly spaced positions (the default) let a server whose work per
 * position fits just inside the gap between two never queue, and one just
 * over it always queue: at the machine's limit that says more about the
 * phase than the server (bench/README.md, issue 18). */
static double *arrivals;

static double arrival_s(size_t k)
{
	if (!arrivals) {
		size_t total = (size_t)(o_duration * o_rate) + 1;
		arrivals = malloc(total * sizeof(*arrivals));
		if (!arrivals) {
			fprintf(stderr, "loadgen: out of memory\n");
			exit(1);
		}
		uint64_t x = o_seed ? o_seed : 1;
		double at = 0;
		for (size_t i = 0; i < total; i++) {
			arrivals[i] = at;
			/* xorshift64*, then a uniform in (0, 1] */
			x ^= x >> 12;
			x ^= x << 25;
			x ^= x >> 27;
			double u = (double)((x * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
			at += -log(1.0 - u) / o_rate;
		}
	}
	return arrivals[k];
}

static void send_due_positions(uint32_t t)
{
	/* position k is due at k / rate (position 0 at the start): the count due
	 * by now is floor(elapsed * rate) + 1, never more than duration * rate.
	 * (Counting floor(elapsed * rate) sent each position one interval after
	 * its intended time, which added 1/rate to every latency.) */
	double elapsed = (double)(t - run_t0) / 1e6;
	size_t total = (size_t)(o_duration * o_rate);
	size_t due = (size_t)(elapsed * o_rate) + 1;
	if (o_poisson)
		for (due = n_pos; due < total && arrival_s(due) <= elapsed;)
			due++;
	if (due > total)
		due = total;
	while (n_pos < due) {
		if (n_pos == cap_pos) {
			size_t nc = cap_pos ? cap_pos * 2 : 4096;
			positions = realloc(positions, nc * sizeof(*positions));
			cap_pos = nc;
		}
		int v = (int)(n_pos % (size_t)o_voters);
		client *c = &cl[v];
		pos *p = &positions[n_pos];
		memset(p, 0, sizeof(*p));
		p->intended_us = run_t0 +
				 (uint32_t)((o_poisson ? arrival_s(n_pos) : (double)n_pos / o_rate) *
					    1e6);
		p->voter = v + 1;
		n_pos++;
		if (c->st != C_SUBSCRIBED)
			continue;
		c->position_flip ^= 1;
		p->sent_us = now32();
		sendf(c,
		      "{\"type\":\"consensus.position\",\"id\":%zu,\"data\":{\"proposal\":%" PRId64
		      ",\"position\":\"%s\"}}",
		      n_pos, proposal_id, c->position_flip ? "agree" : "abstain");
	}
}

static int all_delivered(void)
{
	if (n_pos == 0)
		return 1;
	for (size_t i = 0; i < n_pos; i++)
		if (!positions[i].ack_us && cl[positions[i].voter - 1].st == C_SUBSCRIBED)
			return 0;
	if (!max_seq_seen)
		return 1;
	tally *ty = tally_for(max_seq_seen);
	return ty && ty->count >= (uint32_t)count_alive();
}

static void tick(lws_sorted_usec_list_t *sul)
{
	(void)sul;
	uint32_t t = now32();
	double in_phase = (double)(t - phase_t0) / 1e6;
	if (interrupted)
		fail_setup("interrupted");
	if (fatal) {
		set_phase(P_DONE);
		lws_cancel_service(ctx);
		return;
	}
	switch (phase) {
	case P_VOTERS:
		if (authed_voters == o_voters && *token) {
			say("%d voters and the observer logged in", o_voters);
			create_sent = 1;
			sendf(&cl[0],
			      "{\"type\":\"consensus.create\",\"id\":\"create\",\"data\":{\"title\":"
			      "\"Benchmark proposal\",\"text\":\"live session load\",\"kind\":\"decision\"}}");
			set_phase(P_CREATE);
		} else if (in_phase > o_setup_timeout)
			fail_setup("logins did not finish in %.0f s (%d of %d voters)",
				   o_setup_timeout, authed_voters, o_voters);
		else if (conn_failed)
			fail_setup("a voter connection failed: %s", first_error);
		break;
	case P_CREATE:
		if (in_phase > 30)
			fail_setup("consensus.create/open did not answer");
		break;
	case P_CONNECT: {
		/* paced opening */
		double ce = (double)(t - connect_t0) / 1e6;
		int want = o_voters + 1 + (int)(ce * o_connect_rate);
		if (want > n_target)
			want = n_target;
		while (!*limit_hit && opened < want && pending_connects < o_max_pending) {
			if (opened + 32 >= fd_limit) {
				snprintf(limit_hit, sizeof(limit_hit),
					 "EMFILE: the open-file limit (%ld) allows about %d connections in "
					 "this process; stopped at %d of %d",
					 fd_limit, opened, opened, n_target);
				break;
			}
			start_connect(&cl[opened]);
		}
		if (*limit_hit && !pending_connects) {
			say("LIMIT: %s", limit_hit);
			n_target = opened;
		}
		int done = 0;
		for (int i = 0; i < opened; i++)
			done += cl[i].st == C_SUBSCRIBED || cl[i].st == C_FAILED ||
				cl[i].st == C_CLOSED;
		if (opened == n_target && done == n_target) {
			connect_t1 = t;
			say("%d connections subscribed (%d failed) in %.2f s: %.0f connections/s",
			    subscribed, conn_failed, (double)(connect_t1 - connect_t0) / 1e6,
			    (double)(n_target - o_voters - 1) /
				    ((double)(connect_t1 - connect_t0) / 1e6 + 1e-9));
			set_phase(P_SETTLE);
		} else if (in_phase > o_setup_timeout + (double)n_target / o_connect_rate) {
			fail_setup("connections did not finish: %d opened, %d subscribed, %d failed; %s",
				   opened, subscribed, conn_failed, first_error);
		} else if ((int)(in_phase * 10) % 20 == 0 && (t / 1000) % 2000 == 0)
			say("connecting: %d opened, %d subscribed, %d failed", opened, subscribed,
			    conn_failed);
		break;
	}
	case P_SETTLE:
		if (in_phase > 2.0) {
			rss_n_kib = proc_rss_kib(o_server_pid);
			double expected = o_coalesced ? fmin(o_rate, 10) : o_rate;
			double stored = expected * (o_duration + o_drain) * subscribed;
			sample_stride = stored > o_sample_budget
						? (int)ceil(stored / o_sample_budget)
						: 1;
			cpu_start_s = proc_cpu_s(o_server_pid);
			run_t0 = now32();
			run_t1 = run_t0 + (uint32_t)(o_duration * 1e6);
			say("running: %d voters, %.0f positions/s for %.0f s, %d subscribed, sampling "
			    "every %d client(s)",
			    o_voters, o_rate, o_duration, subscribed, sample_stride);
			set_phase(P_RUN);
		}
		break;
	case P_RUN:
		send_due_positions(t);
		if (t >= run_t1) {
			send_due_positions(t);
			set_phase(P_DRAIN);
		}
		break;
	case P_DRAIN:
		if (all_delivered() || in_phase > o_drain) {
			cpu_end_s = proc_cpu_s(o_server_pid);
			say("drained in %.2f s", in_phase);
			set_phase(P_DONE);
			lws_cancel_service(ctx);
			return;
		}
		break;
	default: return;
	}
	lws_sul_schedule(ctx, 0, &tick_sul, tick, phase == P_RUN ? 500 : 2000);
}

/* ---------------- report ---------------- */

static void report(void)
{
	json_t *o = json_object();
	json_object_set_new(o, "n_target", json_integer(n_target));
	json_object_set_new(o, "n_subscribed", json_integer(subscribed));
	json_object_set_new(o, "voters", json_integer(o_voters));
	json_object_set_new(o, "rate_offered", json_real(o_rate));
	json_object_set_new(o, "duration_s", json_real(o_duration));
	json_object_set_new(o, "coalesced", json_boolean(o_coalesced));
	json_object_set_new(o, "arrivals", json_string(o_poisson ? "poisson" : "even"));
	json_object_set_new(o, "connect_failures", json_integer(conn_failed));
	json_object_set_new(o, "connect_rate_per_s",
			    json_real(connect_t1 > connect_t0
					      ? (double)(subscribed - o_voters - 1) /
							((double)(connect_t1 - connect_t0) / 1e6)
					      : 0));
	json_object_set_new(o, "dropped", json_integer(dropped));
	json_object_set_new(o, "limit_hit", json_string(limit_hit));
	json_object_set_new(o, "first_error", json_string(first_error));
	json_object_set_new(o, "fatal", json_string(fatal ? fatal_msg : ""));
	if (fatal) {
		char *s = json_dumps(o, JSON_COMPACT);
		printf("%s\n", s);
		free(s);
		json_decref(o);
		return;
	}

	hist *ack = calloc(1, sizeof(hist)), *every = calloc(1, sizeof(hist)),
	     *last = calloc(1, sizeof(hist));
	uint64_t not_acked = 0, no_tally = 0;
	for (size_t i = 0; i < n_pos; i++) {
		pos *p = &positions[i];
		if (!p->ack_us) {
			not_acked++;
			continue;
		}
		if (p->nok)
			continue;
		h_add(ack, (int64_t)p->ack_us - (int64_t)p->intended_us, 1);
		/* LOADGEN_SLOW=ms: the late acks, to see whether they cluster */
		if (getenv("LOADGEN_SLOW") && (int64_t)p->ack_us - (int64_t)p->intended_us >
						      atoi(getenv("LOADGEN_SLOW")) * 1000)
			fprintf(stderr, "slow ack: position %zu voter %d intended %.3f s, %.1f ms\n",
				i, p->voter, p->intended_us / 1e6,
				((int64_t)p->ack_us - (int64_t)p->intended_us) / 1e3);
		if (!p->seq || !tally_for(p->seq) || !tally_for(p->seq)->count) {
			no_tally++;
			continue;
		}
		h_add(last, (int64_t)tally_for(p->seq)->last_us - (int64_t)p->intended_us, 1);
	}
	/* LOADGEN_TRACE=file: one line per position, to see where its time
	 * went: its intended send time (CLOCK_MONOTONIC, ms, to set beside a
	 * server's own timestamps), then, after it, when the generator
	 * actually sent it, its ack, and its tally's first, median and last
	 * arrival (-1: none) */
	const char *trace = getenv("LOADGEN_TRACE");
	FILE *tf = trace ? fopen(trace, "w") : NULL;
	for (size_t i = 0; tf && i < n_pos; i++) {
		const pos *p = &positions[i];
		const tally *ty = p->seq ? tally_for(p->seq) : NULL;
		double at = (double)p->intended_us / 1e3;
#define AFTER(us) ((us) ? (double)(us) / 1e3 - at : -1.0)
		fprintf(tf,
			"%zu intended %.3f sent +%.1f ack +%.1f tally first +%.1f median +%.1f "
			"last +%.1f\n",
			i + 1, (double)t_origin / 1e3 + at, AFTER(p->sent_us), AFTER(p->ack_us),
			ty && ty->count ? AFTER(ty->first_us) : -1.0,
			ty && ty->n_arr ? AFTER(ty->arr[ty->n_arr / 2]) : -1.0,
			ty && ty->count ? AFTER(ty->last_us) : -1.0);
#undef AFTER
	}
	if (tf)
		fclose(tf);
	/* every client: each position against each stored arrival of its tally */
	double total = 0;
	for (size_t i = 0; i < n_pos; i++)
		if (positions[i].seq && tally_for(positions[i].seq))
			total += tally_for(positions[i].seq)->n_arr;
	size_t pstride = total > 3e8 ? (size_t)ceil(total / 3e8) : 1;
	for (size_t i = 0; i < n_pos; i += pstride) {
		pos *p = &positions[i];
		tally *ty = p->seq ? tally_for(p->seq) : NULL;
		if (!ty)
			continue;
		for (uint32_t k = 0; k < ty->n_arr; k++)
			h_add(every, (int64_t)ty->arr[k] - (int64_t)p->intended_us, 1);
	}
	/* never delivered: every tally seen by anyone, at every live client.
	 * A server's seq need not be contiguous on one topic (Accord's is a
	 * clock): a number nobody saw is no tally. */
	uint64_t missing = 0, n_tallies = 0;
	int alive = count_alive();
	for (size_t i = 0; i < n_tallies_cap; i++) {
		tally *ty = &tallies[i];
		if (!tally_keys[i] || !ty->count)
			continue;
		n_tallies++;
		if (ty->count < (uint32_t)alive)
			missing += (uint64_t)alive - ty->count;
	}
	double win = o_duration;
	json_object_set_new(o, "positions_sent", json_integer((json_int_t)n_pos));
	json_object_set_new(o, "positions_acked", json_integer((json_int_t)acks_total));
	json_object_set_new(o, "positions_refused", json_integer((json_int_t)acks_failed));
	json_object_set_new(o, "positions_not_acked", json_integer((json_int_t)not_acked));
	json_object_set_new(o, "positions_without_tally", json_integer((json_int_t)no_tally));
	json_object_set_new(o, "acks_per_s", json_real((double)acks_in_window / win));
	json_object_set_new(o, "ack_p50_ms", json_real(h_pct(ack, 50)));
	json_object_set_new(o, "ack_p99_ms", json_real(h_pct(ack, 99)));
	json_object_set_new(o, "ack_p999_ms", json_real(h_pct(ack, 99.9)));
	json_object_set_new(o, "tallies_published", json_integer((json_int_t)n_tallies));
	json_object_set_new(o, "deliveries_total", json_integer((json_int_t)deliveries_total));
	json_object_set_new(o, "deliveries_per_s", json_real((double)deliveries_in_window / win));
	json_object_set_new(o, "deliveries_missing", json_integer((json_int_t)missing));
	json_object_set_new(o, "tally_p50_ms", json_real(h_pct(every, 50)));
	json_object_set_new(o, "tally_p99_ms", json_real(h_pct(every, 99)));
	json_object_set_new(o, "tally_p999_ms", json_real(h_pct(every, 99.9)));
	json_object_set_new(o, "tally_samples", json_integer((json_int_t)every->n));
	json_object_set_new(o, "tally_client_stride", json_integer(sample_stride));
	json_object_set_new(o, "tally_position_stride", json_integer((json_int_t)pstride));
	json_object_set_new(o, "tally_last_p50_ms", json_real(h_pct(last, 50)));
	json_object_set_new(o, "tally_last_p99_ms", json_real(h_pct(last, 99)));
	json_object_set_new(o, "tally_last_p999_ms", json_real(h_pct(last, 99.9)));
	json_object_set_new(o, "server_rss_idle_kib", json_integer(rss_idle_kib));
	json_object_set_new(o, "server_rss_n_kib", json_integer(rss_n_kib));
	int extra = subscribed - o_voters -
		    1; /* voters and one observer were open at the idle reading */
	json_object_set_new(o, "server_kib_per_conn",
			    json_real(rss_idle_kib > 0 && extra > 0
					      ? (double)(rss_n_kib - rss_idle_kib) / (double)extra
					      : -1));
	double cpu = cpu_end_s - cpu_start_s;
	json_object_set_new(o, "server_cpu_s", json_real(o_server_pid ? cpu : -1));
	json_object_set_new(o, "server_cpu_s_per_1k_deliveries",
			    json_real(o_server_pid && deliveries_total
					      ? cpu / ((double)deliveries_total / 1000.0)
					      : -1));
	json_object_set_new(
		o, "server_cpu_s_per_1k_positions",
		json_real(o_server_pid && acks_total ? cpu / ((double)acks_total / 1000.0) : -1));
	char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6));
	printf("%s\n", s);
	free(s);
	json_decref(o);
	say("acked %" PRIu64 "/%zu positions (%.0f/s), ack p50/p99/p99.9 %.2f/%.2f/%.2f ms; %" PRIu64
	    " tallies, %.0f deliveries/s, tally p50/p99/p99.9 %.2f/%.2f/%.2f ms, to last p99 %.2f ms;"
	    " missing %" PRIu64 ", dropped %d",
	    acks_total, n_pos, (double)acks_in_window / win, h_pct(ack, 50), h_pct(ack, 99),
	    h_pct(ack, 99.9), n_tallies, (double)deliveries_in_window / win, h_pct(every, 50),
	    h_pct(every, 99), h_pct(every, 99.9), h_pct(last, 99), missing, dropped);
	free(ack);
	free(every);
	free(last);
}

/* ---------------- main ---------------- */

static void on_sigint(int s)
{
	(void)s;
	interrupted = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: loadgen --port P [--host ADDR] [--n N] [--voters V] [--rate R]\n"
			"               [--duration D] [--drain S] [--coalesced] [--server-pid PID]\n"
			"               [--connect-rate C] [--voter-prefix v] [--observer obs]\n"
			"               [--loop uv|poll] [--arrivals even|poisson] [--seed S]\n"
			"password for the voters and the observer: env ACCORD_DEMO_PASSWORD\n");
	exit(2);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(name) (!strcmp(a, name) && v && ++i)
		if (OPT("--host"))
			o_host = v;
		else if (OPT("--port"))
			o_port = atoi(v);
		else if (OPT("--n"))
			o_n = atoi(v);
		else if (OPT("--voters"))
			o_voters = atoi(v);
		else if (OPT("--rate"))
			o_rate = atof(v);
		else if (OPT("--duration"))
			o_duration = atof(v);
		else if (OPT("--drain"))
			o_drain = atof(v);
		else if (OPT("--connect-rate"))
			o_connect_rate = atoi(v);
		else if (OPT("--server-pid"))
			o_server_pid = atoi(v);
		else if (OPT("--voter-prefix"))
			o_voter_prefix = v;
		else if (OPT("--observer"))
			o_observer = v;
		else if (OPT("--arrivals"))
			o_poisson = !strcmp(v, "poisson");
		else if (OPT("--seed"))
			o_seed = strtoull(v, NULL, 10);
		else if (OPT("--sample-budget"))
			o_sample_budget = atof(v);
		else if (!strcmp(a, "--coalesced"))
			o_coalesced = 1;
		else if (OPT("--loop"))
			o_poll = !strcmp(v, "poll");
		else
			usage();
	}
	if (!o_port || o_voters < 1 || o_n < o_voters + 1 || o_rate <= 0 || o_duration <= 0)
		usage();
	clk_tck = sysconf(_SC_CLK_TCK);
	t_origin = mono_us() - 1000;
	signal(SIGINT, on_sigint);
	signal(SIGPIPE, SIG_IGN);

	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	getrlimit(RLIMIT_NOFILE, &rl);
	fd_limit = (long)rl.rlim_cur;
	say("open-file limit %ld; client ports per address pair: see "
	    "/proc/sys/net/ipv4/ip_local_port_range",
	    fd_limit);

	lws_set_log_level(LLL_ERR, NULL);
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.fd_limit_per_thread = (unsigned)fd_limit;
	info.timeout_secs = 30;
	/* lws's default loop calls poll(2) over every socket on each turn:
	 * at 10,000 connections perf put a third of the generator's CPU in
	 * sock_poll/tcp_poll.  libuv (epoll) is what Debian's lws ships as an
	 * event-library plugin. */
	if (!o_poll)
		info.options |= LWS_SERVER_OPTION_LIBUV;
	ctx = lws_create_context(&info);
	if (!ctx) {
		fprintf(stderr, "loadgen: lws_create_context failed\n");
		return 1;
	}
	n_target = o_n;
	cl = calloc((size_t)o_n, sizeof(*cl));
	for (int i = 0; i < o_n; i++) {
		cl[i].idx = i;
		cl[i].voter = i < o_voters ? i + 1 : 0;
	}
	rss_idle_kib = -1;
	set_phase(P_VOTERS);
	for (int i = 0; i <= o_voters; i++)
		start_connect(&cl[i]);
	lws_sul_schedule(ctx, 0, &tick_sul, tick, 1000);

	while (phase != P_DONE)
		if (lws_service(ctx, 0) < 0)
			break;
	report();
	fflush(stdout);
	lws_context_destroy(ctx);
	return fatal ? 1 : 0;
}
