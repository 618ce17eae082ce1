/*
 * Small conveniences for plugin authors, header-only and built on the host
 * API alone (nothing here is part of the ABI).  Include after plugin.h.
 */
#ifndef ACCORD_HELPERS_H
#define ACCORD_HELPERS_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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
static inline int accord_write_file(const char *dir, const char *name, const void *data,
				    size_t len)
{
	return accord__write_file(dir, name, data ? data : "", -1, len);
}

/* The same, copying len bytes from the file open as src_fd (read with
 * pread from offset 0): how a plugin keeps an upload (http_body_fd). */
static inline int accord_write_file_fd(const char *dir, const char *name, int src_fd,
				       size_t len)
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
static inline int accord_retry_begin(const accord_host_api *api, accord_txn *txn,
				     const char *key, json_t **out)
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
static inline accord_status accord_retry_work(const accord_host_api *api, accord_txn *txn,
					      const char *key, json_t **out, int *duplicate,
					      accord_status (*work)(accord_txn *txn, void *job,
								    json_t **out),
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

/* ---- one request, one storage job, one reply ----
 *
 * The shape nearly every handler has: copy what the work needs from the
 * request, run work on the storage thread, then on the loop either run
 * after (publish events; it may edit out) and reply out, or reply the
 * error that work set with accord_job_fail. */
typedef struct accord_job accord_job;
typedef accord_status (*accord_job_work_fn)(accord_txn *txn, accord_job *j, json_t **out);
/* On the loop after the commit: may edit out, or refuse (a check that needs
 * the loop's state, e.g. item_visible) by returning an error code and
 * setting out's "message" with accord_job_fail. */
typedef accord_status (*accord_job_after_fn)(accord_job *j, json_t **out);
struct accord_job {
	const accord_host_api *api;
	accord_req *req;
	json_t *in; /* owned */
	accord_job_work_fn work;
	accord_job_after_fn after;
	char actor[64];
	char org[33];
	int partner;
	int64_t now_ms;
	int64_t group;  /* the checked group of a group plugin's request, else 0 */
	char today[11]; /* YYYY-MM-DD, UTC */
	char retry_key[160]; /* the request's retry key, or "" */
	int duplicate;       /* the request was done before: out is its reply */
};

static inline accord_status accord_job_fail(json_t **out, accord_status st, const char *msg)
{
	json_decref(*out);
	*out = json_pack("{s:s}", "message", msg);
	return st;
}

static inline accord_status accord_job_call_(accord_txn *txn, void *ud, json_t **out)
{
	accord_job *j = (accord_job *)ud;
	return j->work(txn, j, out);
}

static inline accord_status accord_job_work_(accord_txn *txn, void *ud, json_t **out)
{
	accord_job *j = (accord_job *)ud;
	return accord_retry_work(j->api, txn, j->retry_key[0] ? j->retry_key : NULL, out,
				 &j->duplicate, accord_job_call_, j);
}

static inline void accord_job_done_(accord_plugin_ctx *p, accord_status st, json_t *out, void *ud)
{
	(void)p;
	accord_job *j = (accord_job *)ud;
	if (st == ACCORD_OK && j->after && !j->duplicate)
		st = j->after(j, &out);
	if (st == ACCORD_OK) {
		j->api->reply_ok(j->req, json_incref(out));
	} else {
		const char *msg = out ? json_string_value(json_object_get(out, "message")) : NULL;
		j->api->reply_error(j->req, st, msg ? msg : "could not save");
	}
	json_decref(out);
	json_decref(j->in);
	free(j);
}

/* Takes in (may be NULL).  Answers "unavailable" itself if the storage
 * queue is full. */
static inline void accord_job_run(const accord_host_api *api, accord_plugin_ctx *self,
				  accord_req *req, json_t *in, accord_job_work_fn work,
				  accord_job_after_fn after)
{
	accord_job *j = (accord_job *)calloc(1, sizeof(*j));
	if (!j) {
		json_decref(in);
		api->reply_error(req, ACCORD_E_INTERNAL, "out of memory");
		return;
	}
	const accord_principal *w = api->req_principal(req);
	j->api = api;
	j->req = req;
	j->in = in ? in : json_object();
	j->work = work;
	j->after = after;
	j->now_ms = api->now_ms();
	j->group = ACCORD_API_HAS(api, req_group) ? api->req_group(req) : 0;
	accord_today(api, j->today);
	accord_retry_key(api, req, j->retry_key, sizeof(j->retry_key));
	if (w) {
		snprintf(j->actor, sizeof(j->actor), "%s", api->principal_login(w));
		snprintf(j->org, sizeof(j->org), "%s", api->principal_org(w));
		j->partner = api->principal_is_partner(w);
	}
	if (api->db_run(self, accord_job_work_, accord_job_done_, j)) {
		json_decref(j->in);
		free(j);
		api->reply_error(req, ACCORD_E_UNAVAILABLE, "the server is busy, try again");
	}
}

#endif
