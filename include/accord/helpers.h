/*
 * Small conveniences for plugin authors, header-only and built on the host
 * API alone (nothing here is part of the ABI: each plugin compiles its own
 * copy, so it may change without breaking a plugin already built).
 * Include after plugin.h; it needs POSIX (gmtime_r, pread, fsync): compile
 * with -D_DEFAULT_SOURCE (or _POSIX_C_SOURCE=200809L) under -std=c11.
 *
 * What is here, in order:
 *  - storage: accord_exec, accord_or_null, accord_describe_row;
 *  - files (storage thread only): accord_write_file(_fd), accord_read_file;
 *  - retried requests: accord_retry_work and its pieces;
 *  - accord_status_name, accord_http_status, accord_http_json/_error;
 *  - handlers with declared arguments: accord_handler, accord_handle_all,
 *    with the field checks of <accord/args.h> (accord_arg);
 *  - the one request path: accord_job (new, submit, fail, run).
 * docs/plugins.md shows them at work; plugins/portal/ uses every one.
 */
#ifndef ACCORD_HELPERS_H
#define ACCORD_HELPERS_H

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "accord/args.h"
#include "accord/plugin.h"

/* txn_exec that takes ownership of params, so an inline json_pack(...)
 * cannot leak.  Use on the storage thread. */
static inline accord_status accord_exec(const accord_host_api *api, accord_txn *txn,
					const char *sql, json_t *params, json_t **rows)
{
	accord_status st = api->txn_exec(txn, sql, params, rows);
	json_decref(params);
	return st;
}

/* json_pack's "O" fails on NULL: an absent optional field as JSON null. */
/* A 0/1 integer column read from the database, as a JSON boolean: sets
 * key of obj (a row object, or every row of an array of them) to true or
 * false.  Rows come back with integers; replies speak booleans. */
static inline void accord_bool_field(json_t *obj, const char *key)
{
	if (json_is_array(obj)) {
		size_t i;
		json_t *row;
		json_array_foreach(obj, i, row)
			accord_bool_field(row, key);
	} else if (json_is_object(obj))
		json_object_set_new(obj, key,
				    json_boolean(json_integer_value(json_object_get(obj, key))));
}

static inline json_t *accord_or_null(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return v ? v : json_null();
}

/* Today's date, UTC, as YYYY-MM-DD (for due and end dates). */
static inline void accord_today(const accord_host_api *api, char out[11])
{
	time_t t = (time_t)(api->now_ms() / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* Replaces the contents of obj with those of with (which is released). */
static inline void accord_replace(json_t *obj, json_t *with)
{
	json_object_clear(obj);
	json_object_update(obj, with);
	json_decref(with);
}

/* Describes one item for an accord_item_describe_fn: runs sql (one "?"
 * bound to the item's integer id, or its text id when the kind has text
 * ids) and hands back the single row, or ACCORD_E_NOT_FOUND. */
static inline accord_status accord_describe_row(const accord_host_api *api, accord_txn *txn,
						const char *sql, const char *id, int int_id,
						json_t **out)
{
	json_t *param;
	if (int_id) {
		char *end = NULL;
		long long v = strtoll(id, &end, 10);
		if (!*id || *end || v <= 0)
			return ACCORD_E_NOT_FOUND;
		param = json_integer((json_int_t)v);
	} else {
		param = json_string(id);
	}
	json_t *rows = NULL;
	accord_status st = accord_exec(api, txn, sql, json_pack("[o]", param), &rows);
	if (st == ACCORD_OK && json_array_size(rows) != 1)
		st = ACCORD_E_NOT_FOUND;
	if (st == ACCORD_OK)
		*out = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	return st;
}

/* ---- files, on the storage thread only (they block) ---- */

/* mkdir -p with mode 0750. */
static inline int accord_mkdirs(const char *dir)
{
	char tmp[600];
	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			if (mkdir(tmp, 0750) && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(tmp, 0750) && errno != EEXIST ? -1 : 0;
}

/* Writes len bytes to dir/name durably (a temporary file, fsync, rename),
 * taken from data, or when data is NULL read from src_fd at offset 0 (an
 * upload's body file, see http_body_fd) through a small buffer so that no
 * copy of the whole file is held in memory.  Returns 0, or -1 with errno
 * set and nothing left behind. */
static inline int accord__write_file(const char *dir, const char *name, const void *data,
				     int src_fd, size_t len)
{
	char path[700], tmp[720];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = accord_mkdirs(dir) ? -1 : open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	enum { CHUNK = 65536 };
	char *buf = !data && fd >= 0 ? malloc(CHUNK) : NULL;
	size_t done = 0;
	while (fd >= 0 && done < len && (data || buf)) {
		const char *from = data ? (const char *)data + done : NULL;
		size_t want = len - done;
		if (!data) {
			ssize_t r = pread(src_fd, buf, want < CHUNK ? want : CHUNK, (off_t)done);
			if (r <= 0) {
				if (!r)
					errno = EIO; /* shorter than it said */
				break;
			}
			from = buf;
			want = (size_t)r;
		}
		size_t off = 0;
		while (off < want) {
			ssize_t w = write(fd, from + off, want - off);
			if (w <= 0)
				break;
			off += (size_t)w;
		}
		done += off;
		if (off < want)
			break;
	}
	free(buf);
	int ok = fd >= 0 && done == len && fsync(fd) == 0;
	if (fd >= 0)
		close(fd);
	if (!ok || rename(tmp, path)) {
		int e = errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	return 0;
}

/* Writes data to dir/name durably: a temporary file, fsync, rename.
 * Returns 0, or -1 with errno set and nothing left behind. */
static inline int accord_write_file(const char *dir, const char *name, const void *data, size_t len)
{
	return accord__write_file(dir, name, data ? data : "", -1, len);
}

/* The same, copying len bytes from the file open as src_fd (read with
 * pread from offset 0): how a plugin keeps an upload (http_body_fd). */
static inline int accord_write_file_fd(const char *dir, const char *name, int src_fd, size_t len)
{
	return accord__write_file(dir, name, NULL, src_fd, len);
}

/* Reads a whole file into *data (malloc'd, NUL-terminated).  0 or -1. */
static inline int accord_read_file(const char *dir, const char *name, char **data, size_t *len)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	*data = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	char *buf = malloc((size_t)sb.st_size + 1);
	size_t done = 0;
	while (buf && done < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + done, (size_t)sb.st_size - done);
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	close(fd);
	if (!buf || done != (size_t)sb.st_size) {
		free(buf);
		return -1;
	}
	buf[done] = 0;
	*data = buf;
	*len = done;
	return 0;
}

/* Answers an HTTP request with a JSON body (o is released). */
static inline void accord_http_json(const accord_host_api *api, accord_http *h, int status, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	api->http_respond(h, status, "application/json", s ? s : "{}", s ? strlen(s) : 2);
	free(s);
}

/* ---- retried requests: the one place every job plumbing goes through ----
 *
 * In a job's work, before anything else: when the request's retry key was
 * already done, *out becomes the reply the first request got (or {} when
 * it was not kept) with "duplicate": true, and it returns 1: answer that,
 * write nothing, publish nothing.  -1: the look-up failed (*out has the
 * message): fail the job with ACCORD_E_UNAVAILABLE rather than risk doing
 * it twice.  Otherwise 0: do the work, then pass its status through
 * accord_retry_end, which marks the key in the same savepoint when the
 * work wrote something. */
static inline int accord_retry_begin(const accord_host_api *api, accord_txn *txn, const char *key,
				     json_t **out)
{
	json_t *prior = NULL;
	if (!key || !ACCORD_API_HAS(api, txn_retry_get))
		return 0;
	accord_status st = api->txn_retry_get(txn, key, &prior);
	if (st == ACCORD_E_NOT_FOUND)
		return 0;
	if (st != ACCORD_OK) { /* not known whether it was done: do nothing */
		json_decref(*out);
		*out = json_pack("{s:s}", "message", "could not check whether this was done before");
		return -1;
	}
	json_decref(*out);
	*out = json_is_object(prior) ? prior : json_object();
	if (*out != prior)
		json_decref(prior);
	json_object_set_new(*out, "duplicate", json_true());
	return 1;
}

static inline accord_status accord_retry_end(const accord_host_api *api, accord_txn *txn,
					     const char *key, accord_status st)
{
	if (st == ACCORD_OK && key && ACCORD_API_HAS(api, txn_retry_put))
		st = api->txn_retry_put(txn, key);
	return st;
}

/* The whole of it around one job's work (work(txn, job, out) does the
 * job): ACCORD_E_UNAVAILABLE when the look-up failed; ACCORD_OK with
 * *duplicate set and *out the earlier reply when it was done before;
 * otherwise the work's status, the key marked with its writes. */
static inline accord_status
accord_retry_work(const accord_host_api *api, accord_txn *txn, const char *key, json_t **out,
		  int *duplicate, accord_status (*work)(accord_txn *txn, void *job, json_t **out),
		  void *job)
{
	int done = accord_retry_begin(api, txn, key, out);
	if (done < 0)
		return ACCORD_E_UNAVAILABLE;
	if (done) {
		*duplicate = 1;
		return ACCORD_OK;
	}
	return accord_retry_end(api, txn, key, work(txn, job, out));
}

/* Copies the request's retry key into buf (size 160), or "" without one. */
static inline void accord_retry_key(const accord_host_api *api, const accord_req *req, char *buf,
				    size_t size)
{
	const char *k = req && ACCORD_API_HAS(api, req_retry_key) ? api->req_retry_key(req) : NULL;
	snprintf(buf, size, "%s", k ? k : "");
}

/* ---- status codes, as the protocol and HTTP say them ---- */

/* The protocol's error code of a status ("not_found"). */
static inline const char *accord_status_name(accord_status st)
{
	static const char *const names[] = {"ok",        "bad_request",  "unauthenticated",
					    "forbidden", "not_found",    "conflict",
					    "too_large", "rate_limited", "unknown_type",
					    "internal",  "unavailable"};
	return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st] : "internal";
}

/* The HTTP status that answers a status (404 for ACCORD_E_NOT_FOUND). */
static inline int accord_http_status(accord_status st)
{
	static const int codes[] = {200, 400, 401, 403, 404, 409, 413, 429, 404, 500, 503};
	return (unsigned)st < sizeof(codes) / sizeof(codes[0]) ? codes[st] : 500;
}

/* Answers an HTTP request with an error: the status's HTTP code and
 * {"error": "<code>", "message": msg} (no "message" when msg is NULL). */
static inline void accord_http_error(const accord_host_api *api, accord_http *h, accord_status st,
				     const char *msg)
{
	json_t *o = json_pack("{s:s}", "error", accord_status_name(st));
	if (o && msg)
		json_object_set_new(o, "message", json_string(msg));
	accord_http_json(api, h, accord_http_status(st), o);
}

/* The query parameters of an HTTP request that spec names, as a data
 * object for accord_args_check: each a string, except that an INT or ID
 * parameter written as a decimal integer ("12") becomes that integer, and
 * a BOOL one "true" or "false" that boolean (anything else stays a string
 * and fails its type; a value that is not UTF-8 fails every type but ANY
 * and BOOL).  NULL when memory runs out. */
static inline json_t *accord_http_args(const accord_host_api *api, const accord_http *h,
				       const accord_arg *spec)
{
	json_t *d = json_object();
	for (const accord_arg *a = spec; d && a->name; a++) {
		const char *q = api->http_query(h, a->name);
		if (!q)
			continue;
		json_t *v = NULL;
		char *end = NULL;
		if ((a->type == ACCORD_ARG_INT || a->type == ACCORD_ARG_ID) && *q) {
			errno = 0;
			long long n = strtoll(q, &end, 10);
			if (!*end && !errno && (*q == '-' || (*q >= '0' && *q <= '9')))
				v = json_integer((json_int_t)n);
		} else if (a->type == ACCORD_ARG_BOOL && (!strcmp(q, "true") || !strcmp(q, "false"))) {
			v = json_boolean(!strcmp(q, "true"));
		}
		/* Not UTF-8: a value of no type a field takes, so it fails. */
		if (!v && !(v = json_string(q)))
			v = json_false();
		if (json_object_set_new(d, a->name, v)) {
			json_decref(d);
			d = NULL;
		}
	}
	return d;
}

/* ---- handlers with declared arguments ----
 *
 * A plugin describes its request types in one table and registers them all
 * with accord_handle_all.  Before fn runs, for every request:
 *   1. allow(req, data), when given: the checks that come first (who may
 *      call it at all: "forbidden"; the object it names: "not_found").  It
 *      answers the request itself and returns 0 to stop, or returns 1;
 *   2. the fields, against args (<accord/args.h>): a failure is answered
 *      bad_request "<field>: <problem>" and fn does not run.
 * So fn starts with data known to be well formed:
 *
 *     static accord_handler handlers[] = {
 *             {.verb = "add", .fn = h_add, .args = add_args, .allow = members_only},
 *             {.verb = "list", .fn = h_list, .flags = ACCORD_REQ_PARTNER},
 *             {.verb = "get", .args = id_args, .work = get_work},
 *             {0}};
 *     ...in init: if (accord_handle_all(api, p, handlers)) return ACCORD_E_INTERNAL;
 *
 * A request that is nothing but one storage job needs no fn: with .work
 * (and .after, optional) instead, the request becomes the job of the fields
 * args names (accord_args_in, then accord_job_run below): the one request
 * path without a handler written out each time.
 *
 * The table is not const: registration keeps api in it. */

/* .flags: registered with auth_extension, as the anonymous "auth.<verb>"
 * (a bit the core's ACCORD_REQ_* flags leave free). */
#define ACCORD_HANDLE_AUTH 0x100u

/* The one request path's types (defined with it, below). */
typedef struct accord_job accord_job;
typedef accord_status (*accord_job_work_fn)(accord_txn *txn, accord_job *j, json_t **out);
typedef accord_status (*accord_job_after_fn)(accord_job *j, json_t **out);
static inline void accord_job_run(const accord_host_api *api, accord_plugin_ctx *self,
				  accord_req *req, json_t *in, accord_job_work_fn work,
				  accord_job_after_fn after);

typedef struct accord_handler {
	const char *verb;       /* NULL ends the table */
	accord_request_fn fn;   /* NULL: .work below */
	unsigned flags;         /* ACCORD_REQ_ANONYMOUS, ACCORD_REQ_PARTNER, ACCORD_HANDLE_AUTH */
	const accord_arg *args; /* NULL: no fields checked */
	int (*allow)(accord_req *req, const json_t *data); /* NULL: everyone the flags admit */
	int strict;                  /* refuse fields that args does not name (all, without args) */
	void *ud;                    /* handed to fn */
	const accord_host_api *api_; /* set by accord_handle_all */
	/* Without fn: the request is one job, work then after (NULL: none),
	 * of the fields args names. */
	accord_job_work_fn work;
	accord_job_after_fn after;
} accord_handler;

static inline void accord__handler_call(accord_plugin_ctx *p, accord_req *req, const json_t *data,
					void *ud)
{
	const accord_handler *h = (const accord_handler *)ud;
	if (h->allow && !h->allow(req, data))
		return;
	char msg[ACCORD_ARGS_MSG];
	if ((h->args || h->strict) && accord_args_check(h->args, data, h->strict, msg, sizeof(msg))) {
		h->api_->reply_error(req, ACCORD_E_BAD_REQUEST, msg);
		return;
	}
	if (h->fn) {
		h->fn(p, req, data, h->ud);
		return;
	}
	json_t *in = accord_args_pick(h->args, data);
	if (!in) {
		h->api_->reply_error(req, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	accord_job_run(h->api_, p, req, in, h->work, h->after);
}

/* What a handler hands its job: the fields of spec that data gives
 * (accord_args_pick).  When memory runs out it answers req itself and
 * returns NULL: the handler just returns. */
static inline json_t *accord_args_in(const accord_host_api *api, accord_req *req,
				     const accord_arg *spec, const json_t *data)
{
	json_t *in = accord_args_pick(spec, data);
	if (!in)
		api->reply_error(req, ACCORD_E_INTERNAL, "out of memory");
	return in;
}

/* Registers every handler of the table; 0, or -1 when one could not be. */
static inline int accord_handle_all(const accord_host_api *api, accord_plugin_ctx *p,
				    accord_handler *table)
{
	for (accord_handler *h = table; h->verb; h++) {
		if (!h->fn && !h->work)
			return -1; /* neither a handler nor a job: a mistake of the table */
		h->api_ = api;
		int rc = !(h->flags & ACCORD_HANDLE_AUTH)
				 ? api->handle(p, h->verb, accord__handler_call,
					       h->flags & ~ACCORD_HANDLE_AUTH, h)
			 : ACCORD_API_HAS(api, auth_extension)
				 ? api->auth_extension(p, h->verb, accord__handler_call, h)
				 : -1;
		if (rc)
			return -1;
	}
	return 0;
}

/* ---- one request, one storage job, one reply ----
 *
 * The one path of every request that touches storage, WebSocket or HTTP:
 *
 *   on the loop     the handler makes a job (accord_job_new, or
 *                   accord_job_new_http for an HTTP route) with what the
 *                   work needs: j->in (a JSON object it owns), and, for
 *                   what JSON does not hold well, state_size bytes of its
 *                   own state at j->state (zeroed; free what it points to
 *                   in j->cleanup), then accord_job_submit(j);
 *   storage thread  work(txn, j, &out) runs in the group transaction; it
 *                   returns ACCORD_OK with out the reply's data, or fails
 *                   with accord_job_fail(out, code, "message"), which also
 *                   rolls its writes back.  A request sent again with the
 *                   same "idem" key that was done before does not run work:
 *                   out is the earlier reply with "duplicate": true (and
 *                   j->again, when set, may add the state of now to it);
 *   on the loop,    after(j, &out), when given and not a duplicate: publish
 *   after commit    events, bring the plugin's memory up to date, and shape
 *                   out for the caller (it may refuse still, with
 *                   accord_job_fail: a check only the loop can make, like
 *                   item_visible);
 *   then            the reply: reply_ok(out), or reply_error(code, message)
 *                   with out's "message" (else j->not_found_msg,
 *                   j->conflict_msg or j->error_msg, else "could not save");
 *                   for HTTP, 200 and out as JSON, or the error's HTTP
 *                   status and {"error", "message"}.  An after that answered
 *                   itself (a download's bytes) calls accord_job_answered.
 *
 * The request stays valid until that one answer (the core keeps it, and
 * drops the answer when the client has gone).  accord_job_run is the short
 * form: a job with no state of its own, submitted at once. */
struct accord_job {
	const accord_host_api *api;
	accord_plugin_ctx *self;
	accord_req *req;   /* the request answered, or NULL (HTTP, or a timer's job) */
	accord_http *http; /* the HTTP request answered, or NULL */
	json_t *in;        /* owned; {} when none was given */
	void *state;       /* the plugin's own state (state_size bytes, zeroed), or NULL */
	void (*cleanup)(accord_job *j); /* frees what state points to, before the job goes */
	accord_job_work_fn work;
	accord_job_after_fn after;
	accord_job_work_fn again; /* storage thread, a duplicate: may add to the earlier reply */
	/* The message of an error whose out has none (default "could not save"). */
	const char *not_found_msg, *conflict_msg, *error_msg;
	int64_t id;     /* the object the request is about, the plugin's to use */
	char actor[64]; /* the caller's login ("" without one: set it for a timer's job) */
	char org[33];
	int partner; /* the caller is a partner; 1 without a caller (deny by default) */
	int64_t now_ms;
	int64_t group;       /* the checked group of a group plugin's request, else 0 */
	char today[11];      /* YYYY-MM-DD, UTC */
	char retry_key[160]; /* the request's retry key, or "" */
	int duplicate;       /* the request was done before: out is its reply */
	int answered;        /* after answered the request itself */
};

static inline accord_status accord_job_fail(json_t **out, accord_status st, const char *msg)
{
	json_decref(*out);
	*out = json_pack("{s:s}", "message", msg);
	return st;
}

/* after has answered the request itself: no reply is made for it. */
static inline void accord_job_answered(accord_job *j) { j->answered = 1; }

static inline void accord__job_free(accord_job *j)
{
	if (j->cleanup)
		j->cleanup(j);
	json_decref(j->in);
	free(j);
}

static inline void accord__job_answer(accord_job *j, accord_status st, json_t *out)
{
	const accord_host_api *api = j->api;
	if (j->answered || (!j->req && !j->http))
		return;
	if (st == ACCORD_OK) {
		if (j->req)
			api->reply_ok(j->req, json_incref(out));
		else
			accord_http_json(api, j->http, 200, out ? json_incref(out) : json_object());
		return;
	}
	const char *msg = out ? json_string_value(json_object_get(out, "message")) : NULL;
	if (!msg)
		msg = st == ACCORD_E_NOT_FOUND  ? j->not_found_msg
		      : st == ACCORD_E_CONFLICT ? j->conflict_msg
						: j->error_msg;
	if (j->req)
		api->reply_error(j->req, st, msg ? msg : "could not save");
	else
		accord_http_error(api, j->http, st, msg);
}

static inline accord_status accord__job_call(accord_txn *txn, void *ud, json_t **out)
{
	accord_job *j = (accord_job *)ud;
	return j->work(txn, j, out);
}

static inline accord_status accord__job_work(accord_txn *txn, void *ud, json_t **out)
{
	accord_job *j = (accord_job *)ud;
	accord_status st = accord_retry_work(j->api, txn, j->retry_key[0] ? j->retry_key : NULL,
					     out, &j->duplicate, accord__job_call, j);
	return st == ACCORD_OK && j->duplicate && j->again ? j->again(txn, j, out) : st;
}

static inline void accord__job_done(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)p;
	accord_job *j = (accord_job *)ud;
	if (st == ACCORD_OK && j->after && !j->duplicate)
		st = j->after(j, &out);
	accord__job_answer(j, st, out);
	json_decref(out);
	accord__job_free(j);
}

static inline accord_job *accord__job_alloc(const accord_host_api *api, accord_plugin_ctx *self,
					    const accord_principal *who, json_t *in,
					    accord_job_work_fn work, accord_job_after_fn after,
					    size_t state_size)
{
	/* One allocation: the job, then its state at an aligned offset. */
	size_t at = (sizeof(accord_job) + _Alignof(max_align_t) - 1) & ~(_Alignof(max_align_t) - 1);
	accord_job *j = (accord_job *)calloc(1, at + state_size);
	if (!j || !(in = in ? in : json_object())) {
		json_decref(in);
		free(j);
		return NULL;
	}
	j->api = api;
	j->self = self;
	j->in = in;
	j->state = state_size ? (char *)j + at : NULL;
	j->work = work;
	j->after = after;
	j->now_ms = api->now_ms();
	accord_today(api, j->today);
	j->partner = 1;
	if (who) {
		snprintf(j->actor, sizeof(j->actor), "%s", api->principal_login(who));
		snprintf(j->org, sizeof(j->org), "%s", api->principal_org(who));
		j->partner = api->principal_is_partner(who);
	}
	return j;
}

/* A job for req (NULL: a job of the plugin's own, e.g. a timer's, that
 * answers nobody: set its actor, and partner = 0 when it may see what
 * members see), taking in (may be NULL).  When memory runs out it
 * answers req itself and returns NULL: the handler just returns. */
static inline accord_job *accord_job_new(const accord_host_api *api, accord_plugin_ctx *self,
					 accord_req *req, json_t *in, accord_job_work_fn work,
					 accord_job_after_fn after, size_t state_size)
{
	accord_job *j = accord__job_alloc(api, self, req ? api->req_principal(req) : NULL, in, work,
					  after, state_size);
	if (!j) {
		if (req)
			api->reply_error(req, ACCORD_E_INTERNAL, "out of memory");
		return NULL;
	}
	j->req = req;
	j->group = req && ACCORD_API_HAS(api, req_group) ? api->req_group(req) : 0;
	accord_retry_key(api, req, j->retry_key, sizeof(j->retry_key));
	return j;
}

/* The same for an HTTP route's request h, of who (may be NULL).  HTTP has
 * no retry keys: every request runs its work. */
static inline accord_job *accord_job_new_http(const accord_host_api *api, accord_plugin_ctx *self,
					      accord_http *h, const accord_principal *who,
					      json_t *in, accord_job_work_fn work,
					      accord_job_after_fn after, size_t state_size)
{
	accord_job *j = accord__job_alloc(api, self, who, in, work, after, state_size);
	if (!j) {
		accord_http_error(api, h, ACCORD_E_INTERNAL, NULL);
		return NULL;
	}
	j->http = h;
	return j;
}

/* Queues the job.  When the storage queue is full it answers "unavailable"
 * itself, frees the job and returns -1; the job is no longer the caller's
 * in either case. */
static inline int accord_job_submit(accord_job *j)
{
	if (!j->api->db_run(j->self, accord__job_work, accord__job_done, j))
		return 0;
	if (j->req)
		j->api->reply_error(j->req, ACCORD_E_UNAVAILABLE, "the server is busy, try again");
	else if (j->http)
		accord_http_error(j->api, j->http, ACCORD_E_UNAVAILABLE, NULL);
	accord__job_free(j);
	return -1;
}

/* Answers a job's request with an error without running it (a check the
 * handler makes once the job exists, e.g. on j->retry_key), and frees it. */
static inline void accord_job_cancel(accord_job *j, accord_status st, const char *msg)
{
	json_t *out = msg ? json_pack("{s:s}", "message", msg) : NULL;
	accord__job_answer(j, st, out);
	json_decref(out);
	accord__job_free(j);
}

/* One request, one job with no state of its own, submitted at once.
 * Takes in (may be NULL); answers the request itself on any failure. */
static inline void accord_job_run(const accord_host_api *api, accord_plugin_ctx *self,
				  accord_req *req, json_t *in, accord_job_work_fn work,
				  accord_job_after_fn after)
{
	accord_job *j = accord_job_new(api, self, req, in, work, after, 0);
	if (j)
		accord_job_submit(j);
}

#endif
