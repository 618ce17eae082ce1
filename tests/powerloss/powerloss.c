/*
 * Power-loss durability of the storage layer (core/storage.c).
 *
 * A test SQLite VFS ("powercut") wraps the default unix VFS.  Every write
 * and truncate goes to the real file, but the bytes it replaced are kept
 * (per file, in memory) until the file's next xSync, which makes them
 * durable.  A simulated power cut takes the unsynced changes of every file
 * and, for each one, either undoes it, keeps it (it reached the disk
 * anyway) or, sometimes, leaves garbage in its place: the model of SQLite's
 * own crash tests (test6.c), with powersafe overwrite (bytes outside a
 * write are never damaged).  The process then dies at once (_exit), the way
 * a machine loses power: no close, no checkpoint.
 *
 * Each iteration forks a child that is the server side: it opens the
 * database with storage_open (WAL, synchronous=full), starts the storage
 * thread and submits a steady stream of inserts through txn_exec (the call
 * plugins use), in bursts so that group commits form, and reports on a pipe
 * every write it submits ("s") and every write acknowledged after COMMIT
 * ("a").  The power cut comes at a random VFS call.  The parent then opens
 * the database with the normal VFS, as a restart would, and checks:
 *   - PRAGMA integrity_check is ok;
 *   - every write ever acknowledged is there (across all earlier cuts too);
 *   - nothing is stored twice, nothing is stored that was never sent, and
 *     every stored payload is the one sent.
 *
 * The same run with synchronous=normal is then shown (printed, not
 * asserted): acknowledged writes lost to a power cut.
 *
 * A cut costs more as the database grows (the checks read all of it), and
 * several times more under AddressSanitizer, so a fixed number of cuts can
 * outlive the test's timeout on a slow or sanitized build.  --budget
 * SECONDS bounds the run: no cut starts unless it should end in time, the
 * synchronous=full series getting four fifths of the budget; the run then
 * asserts on what it did (at least --min-cuts cuts with full, none lost).
 * The seed is printed first and again with the verdict, so that any run
 * can be repeated.
 *
 * usage: powerloss [--budget SECONDS] [--min-cuts N] DIR [ITERATIONS_FULL
 *                  [ITERATIONS_NORMAL [SEED]]]
 */
#include "storage.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SEQ 4000000

/* ---------------- the power-cut VFS ---------------- */

struct change {
	struct change *prev;
	int64_t off;        /* where the write or truncate happened */
	int64_t len;        /* bytes written (write), 0 for a truncate */
	int64_t old_size;   /* file size before */
	unsigned char *old; /* the bytes it replaced, within old_size */
	int64_t old_len;
};

struct pfile_meta {
	struct pfile_meta *next;
	char *path;             /* NULL: a temporary file, not followed */
	struct change *changes; /* unsynced, newest first */
};

typedef struct pfile {
	sqlite3_file base;
	struct pfile_meta *m;
	sqlite3_file *real; /* follows this struct */
} pfile;

static sqlite3_vfs *unix_vfs;
static pthread_mutex_t vfs_mu = PTHREAD_MUTEX_INITIALIZER;
static struct pfile_meta *all_files; /* every file ever opened (kept: closing does not sync) */
static long op_count, cut_at = -1;   /* the power cut happens at VFS write/sync number cut_at */
static unsigned rng_state;
/* POWERLOSS_LYING_DISK=1: xSync makes nothing durable, to show that the
 * test fails when acknowledged writes are lost. */
static int lying_disk;

static unsigned rnd(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 8) & 0xffffff;
}

static void changes_free(struct change *c)
{
	while (c) {
		struct change *p = c->prev;
		free(c->old);
		free(c);
		c = p;
	}
}

/* The power cut: every unsynced change is undone, kept or garbled, then the
 * process is gone.  Runs with vfs_mu held, so no write is half done. */
static void power_cut(void)
{
	int mode = (int)(rnd() % 3); /* 0: drop all, 1: random subset, 2: subset + garbage */
	for (struct pfile_meta *m = all_files; m; m = m->next) {
		if (!m->path || !m->changes)
			continue;
		int fd = open(m->path, O_RDWR);
		if (fd < 0)
			continue;
		int64_t truncate_to = -1;
		int all = 1;
		for (struct change *c = m->changes; c; c = c->prev) { /* newest first */
			if (mode != 0 && rnd() % 2) {
				all = 0;
				continue; /* this one reached the disk */
			}
			if (c->old_len && pwrite(fd, c->old, (size_t)c->old_len, c->off) != c->old_len)
				_exit(90);
			if (c->len > c->old_len) {
				/* past the old end: zeros, or garbage */
				int64_t n = c->len - c->old_len;
				unsigned char *z = calloc(1, (size_t)n);
				if (mode == 2 && rnd() % 4 == 0)
					for (int64_t i = 0; i < n; i++)
						z[i] = (unsigned char)rnd();
				if (pwrite(fd, z, (size_t)n, c->off + c->old_len) != n)
					_exit(91);
				free(z);
			}
			if (mode == 2 && c->old_len && rnd() % 4 == 0) {
				/* a torn write: part old, part garbage */
				int64_t n = c->old_len / 2;
				unsigned char *g = malloc((size_t)n + 1);
				for (int64_t i = 0; i < n; i++)
					g[i] = (unsigned char)rnd();
				if (pwrite(fd, g, (size_t)n, c->off + c->old_len - n) != n)
					_exit(92);
				free(g);
			}
			truncate_to = c->old_size;
		}
		/* All undone: the file has its last synced size again. */
		if (all && truncate_to >= 0 && ftruncate(fd, truncate_to))
			_exit(93);
		close(fd);
	}
	_exit(0);
}

static int count_op(void)
{
	op_count++;
	if (cut_at >= 0 && op_count >= cut_at)
		power_cut(); /* does not return */
	return 0;
}

static int64_t real_size(sqlite3_file *f)
{
	sqlite3_int64 sz = 0;
	if (f->pMethods->xFileSize(f, &sz) != SQLITE_OK)
		return -1;
	return sz;
}

static void remember(pfile *p, int64_t off, int64_t len, int64_t new_size_if_trunc)
{
	if (!p->m->path)
		return;
	struct change *c = calloc(1, sizeof(*c));
	c->off = off;
	c->len = len;
	c->old_size = real_size(p->real);
	int64_t end = new_size_if_trunc >= 0 ? c->old_size : off + len;
	int64_t start = new_size_if_trunc >= 0 ? new_size_if_trunc : off;
	if (new_size_if_trunc >= 0) {
		c->off = start;
		c->len = 0;
	}
	int64_t lim = end < c->old_size ? end : c->old_size;
	if (lim > start) {
		c->old_len = lim - start;
		c->old = malloc((size_t)c->old_len);
		if (p->real->pMethods->xRead(p->real, c->old, (int)c->old_len, start) != SQLITE_OK)
			memset(c->old, 0, (size_t)c->old_len);
	}
	c->prev = p->m->changes;
	p->m->changes = c;
}

static int pf_close(sqlite3_file *f)
{
	pfile *p = (pfile *)f;
	pthread_mutex_lock(&vfs_mu);
	int rc = p->real->pMethods->xClose(p->real);
	pthread_mutex_unlock(&vfs_mu);
	return rc; /* the meta (and its unsynced changes) stays */
}
static int pf_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
	pfile *p = (pfile *)f;
	return p->real->pMethods->xRead(p->real, buf, amt, off);
}
static int pf_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
	pfile *p = (pfile *)f;
	pthread_mutex_lock(&vfs_mu);
	count_op();
	remember(p, off, amt, -1);
	int rc = p->real->pMethods->xWrite(p->real, buf, amt, off);
	pthread_mutex_unlock(&vfs_mu);
	return rc;
}
static int pf_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	pfile *p = (pfile *)f;
	pthread_mutex_lock(&vfs_mu);
	count_op();
	remember(p, size, 0, size);
	int rc = p->real->pMethods->xTruncate(p->real, size);
	pthread_mutex_unlock(&vfs_mu);
	return rc;
}
static int pf_sync(sqlite3_file *f, int flags)
{
	pfile *p = (pfile *)f;
	(void)flags;
	pthread_mutex_lock(&vfs_mu);
	count_op();
	/* Durable from here.  (No real fsync: the model decides durability,
	 * which keeps the test fast.) */
	if (!lying_disk) {
		changes_free(p->m->changes);
		p->m->changes = NULL;
	}
	pthread_mutex_unlock(&vfs_mu);
	return SQLITE_OK;
}
static int pf_size(sqlite3_file *f, sqlite3_int64 *s)
{
	pfile *p = (pfile *)f;
	return p->real->pMethods->xFileSize(p->real, s);
}
static int pf_lock(sqlite3_file *f, int l)
{
	pfile *p = (pfile *)f;
	return p->real->pMethods->xLock(p->real, l);
}
static int pf_unlock(sqlite3_file *f, int l)
{
	pfile *p = (pfile *)f;
	return p->real->pMethods->xUnlock(p->real, l);
}
static int pf_check_lock(sqlite3_file *f, int *r)
{
	pfile *p = (pfile *)f;
	return p->real->pMethods->xCheckReservedLock(p->real, r);
}
static int pf_fcntl(sqlite3_file *f, int op, void *arg)
{
	pfile *p = (pfile *)f;
	return p->real->pMethods->xFileControl(p->real, op, arg);
}
static int pf_sector(sqlite3_file *f)
{
	pfile *p = (pfile *)f;
	return p->real->pMethods->xSectorSize(p->real);
}
static int pf_devchar(sqlite3_file *f)
{
	pfile *p = (pfile *)f;
	return p->real->pMethods->xDeviceCharacteristics(p->real);
}
static int pf_shm_map(sqlite3_file *f, int pg, int sz, int ext, void volatile **pp)
{
	pfile *p = (pfile *)f;
	return p->real->pMethods->xShmMap(p->real, pg, sz, ext, pp);
}
static int pf_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
	pfile *p = (pfile *)f;
	return p->real->pMethods->xShmLock(p->real, off, n, flags);
}
static void pf_shm_barrier(sqlite3_file *f)
{
	pfile *p = (pfile *)f;
	p->real->pMethods->xShmBarrier(p->real);
}
static int pf_shm_unmap(sqlite3_file *f, int del)
{
	pfile *p = (pfile *)f;
	return p->real->pMethods->xShmUnmap(p->real, del);
}

static const sqlite3_io_methods pf_methods = {
	2,           pf_close,       pf_read,       pf_write, pf_truncate, pf_sync,    pf_size,
	pf_lock,     pf_unlock,      pf_check_lock, pf_fcntl, pf_sector,   pf_devchar, pf_shm_map,
	pf_shm_lock, pf_shm_barrier, pf_shm_unmap,  NULL,     NULL};

static int pv_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
	(void)vfs;
	pfile *p = (pfile *)f;
	memset(p, 0, sizeof(*p));
	p->real = (sqlite3_file *)(p + 1);
	int rc = unix_vfs->xOpen(unix_vfs, name, p->real, flags, out);
	if (rc != SQLITE_OK) {
		p->base.pMethods = NULL;
		return rc;
	}
	pthread_mutex_lock(&vfs_mu);
	p->m = calloc(1, sizeof(*p->m));
	p->m->path = name ? strdup(name) : NULL;
	p->m->next = all_files;
	all_files = p->m;
	pthread_mutex_unlock(&vfs_mu);
	p->base.pMethods = &pf_methods;
	return SQLITE_OK;
}
static int pv_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	(void)vfs;
	return unix_vfs->xDelete(unix_vfs, name, sync_dir);
}
static int pv_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return unix_vfs->xAccess(unix_vfs, name, flags, out);
}
static int pv_fullpath(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return unix_vfs->xFullPathname(unix_vfs, name, n, out);
}
static void *pv_dlopen(sqlite3_vfs *v, const char *f)
{
	(void)v;
	return unix_vfs->xDlOpen(unix_vfs, f);
}
static void pv_dlerror(sqlite3_vfs *v, int n, char *e)
{
	(void)v;
	unix_vfs->xDlError(unix_vfs, n, e);
}
static void (*pv_dlsym(sqlite3_vfs *v, void *h, const char *s))(void)
{
	(void)v;
	return unix_vfs->xDlSym(unix_vfs, h, s);
}
static void pv_dlclose(sqlite3_vfs *v, void *h)
{
	(void)v;
	unix_vfs->xDlClose(unix_vfs, h);
}
static int pv_random(sqlite3_vfs *v, int n, char *o)
{
	(void)v;
	return unix_vfs->xRandomness(unix_vfs, n, o);
}
static int pv_sleep(sqlite3_vfs *v, int us)
{
	(void)v;
	return unix_vfs->xSleep(unix_vfs, us);
}
static int pv_time(sqlite3_vfs *v, double *t)
{
	(void)v;
	return unix_vfs->xCurrentTime(unix_vfs, t);
}
static int pv_lasterr(sqlite3_vfs *v, int n, char *e)
{
	(void)v;
	return unix_vfs->xGetLastError(unix_vfs, n, e);
}
static int pv_time64(sqlite3_vfs *v, sqlite3_int64 *t)
{
	(void)v;
	return unix_vfs->xCurrentTimeInt64(unix_vfs, t);
}

static sqlite3_vfs powercut_vfs = {2,         0,          1024,       NULL,       "powercut",
				   NULL,      pv_open,    pv_delete,  pv_access,  pv_fullpath,
				   pv_dlopen, pv_dlerror, pv_dlsym,   pv_dlclose, pv_random,
				   pv_sleep,  pv_time,    pv_lasterr, pv_time64,  NULL,
				   NULL,      NULL};

/* ---------------- the server side (child) ---------------- */

static const accord_migration migrations[] = {
	{1,
	 "CREATE TABLE pl_writes(id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, payload TEXT NOT NULL)"},
	{0, NULL}};

/* The payload of write seq: deterministic, 40-1540 bytes, so that WAL
 * frames span pages and checkpoints happen. */
static char *payload_of(long long seq)
{
	unsigned x = (unsigned)(seq * 2654435761u);
	size_t n = 40 + (x % 1500);
	char *s = malloc(n + 1);
	for (size_t i = 0; i < n; i++) {
		x = x * 1664525u + 1013904223u;
		s[i] = (char)('a' + (x >> 24) % 26);
	}
	s[n] = 0;
	return s;
}

static int report_fd;
static pthread_mutex_t wake_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cv = PTHREAD_COND_INITIALIZER;
static int wake;
static long in_flight;

static void notify(void *ud)
{
	(void)ud;
	pthread_mutex_lock(&wake_mu);
	wake = 1;
	pthread_cond_signal(&wake_cv);
	pthread_mutex_unlock(&wake_mu);
}

static void report(char kind, long long seq)
{
	char line[40];
	int n = snprintf(line, sizeof(line), "%c%lld\n", kind, seq);
	if (write(report_fd, line, (size_t)n) != n)
		_exit(80);
}

static accord_status insert_work(accord_txn *txn, void *ud, json_t **out)
{
	long long seq = (long long)(intptr_t)ud;
	char *p = payload_of(seq);
	json_t *params = json_pack("[I,s]", (json_int_t)seq, p);
	free(p);
	accord_status st = txn_exec(txn, "INSERT INTO pl_writes(seq, payload) VALUES(?, ?)", params,
				    NULL);
	json_decref(params);
	*out = NULL;
	return st;
}

static void insert_done(accord_status st, json_t *out, void *ud)
{
	json_decref(out);
	in_flight--;
	if (st == ACCORD_OK)
		report('a', (long long)(intptr_t)ud); /* acknowledged: committed */
}

static void child(const char *db, const char *sync, long long base, unsigned seed)
{
	rng_state = seed;
	lying_disk = getenv("POWERLOSS_LYING_DISK") != NULL;
	unix_vfs = sqlite3_vfs_find(NULL);
	powercut_vfs.szOsFile = (int)sizeof(pfile) + unix_vfs->szOsFile;
	powercut_vfs.mxPathname = unix_vfs->mxPathname;
	if (sqlite3_vfs_register(&powercut_vfs, 1) != SQLITE_OK)
		_exit(70);
	char err[256];
	storage *s = storage_open(db, sync, err, sizeof(err));
	if (!s || storage_migrate(s, "powerloss", NULL, migrations, err, sizeof(err))) {
		fprintf(stderr, "powerloss child: %s\n", err);
		_exit(71);
	}
	if (storage_start(s, 1000000, notify, NULL))
		_exit(72);
	pthread_mutex_lock(&vfs_mu);
	op_count = 0;
	cut_at = 20 + (long)(rnd() % 1500);
	pthread_mutex_unlock(&vfs_mu);
	long long seq = base;
	for (;;) {
		long burst = 1 + (long)(rnd() % 64);
		for (long i = 0; i < burst && in_flight < 2000; i++) {
			if (++seq > MAX_SEQ)
				_exit(74);
			report('s', seq); /* sent */
			in_flight++;
			if (storage_submit(s, insert_work, insert_done, (void *)(intptr_t)seq))
				_exit(73);
		}
		pthread_mutex_lock(&wake_mu);
		if (!wake) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 2 * 1000 * 1000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&wake_cv, &wake_mu, &ts);
		}
		wake = 0;
		pthread_mutex_unlock(&wake_mu);
		storage_run_completions(s);
	}
}

/* ---------------- the checks (parent) ---------------- */

static unsigned char *sent, *acked; /* per seq */

static int check_db(const char *db, long long max_seq, int assert_acked, long *lost_out,
		    long *rows_out)
{
	sqlite3 *h = NULL;
	int bad = 0;
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, "unix") != SQLITE_OK) {
		printf("cannot open %s after the cut: %s\n", db, sqlite3_errmsg(h));
		sqlite3_close(h);
		return 1;
	}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW || strcmp((const char *)sqlite3_column_text(st, 0), "ok")) {
		printf("integrity_check: %s\n",
		       st ? (const char *)sqlite3_column_text(st, 0) : sqlite3_errmsg(h));
		bad = 1;
	}
	sqlite3_finalize(st);
	unsigned char *seen = calloc(MAX_SEQ + 1, 1);
	long rows = 0;
	if (sqlite3_prepare_v2(h, "SELECT seq, payload FROM pl_writes", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			long long seq = sqlite3_column_int64(st, 0);
			const char *p = (const char *)sqlite3_column_text(st, 1);
			rows++;
			if (seq < 1 || seq > max_seq || !sent[seq]) {
				printf("stored write %lld was never sent\n", seq);
				bad = 1;
				continue;
			}
			if (seen[seq]++) {
				printf("write %lld stored twice\n", seq);
				bad = 1;
			}
			char *want = payload_of(seq);
			if (!p || strcmp(p, want)) {
				printf("write %lld stored with another payload\n", seq);
				bad = 1;
			}
			free(want);
		}
	} else if (max_seq > 0) {
		printf("no pl_writes table: %s\n", sqlite3_errmsg(h));
		bad = 1;
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	long lost = 0;
	for (long long q = 1; q <= max_seq; q++)
		if (acked[q] && !seen[q]) {
			if (assert_acked && lost < 10)
				printf("acknowledged write %lld is missing\n", q);
			lost++;
		}
	free(seen);
	if (assert_acked && lost)
		bad = 1;
	*lost_out = lost;
	*rows_out = rows;
	return bad;
}

/* One child run until its power cut; reads its report. */
static int run_once(const char *db, const char *sync, long long base, unsigned seed,
		    long long *max_sent, long *n_acked)
{
	int fds[2];
	if (pipe(fds))
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(fds[0]);
		report_fd = fds[1];
		child(db, sync, base, seed);
		_exit(0);
	}
	close(fds[1]);
	FILE *in = fdopen(fds[0], "r");
	char line[64];
	*n_acked = 0;
	while (fgets(line, sizeof(line), in)) {
		long long seq = atoll(line + 1);
		if (seq < 1 || seq > MAX_SEQ)
			continue;
		if (line[0] == 's') {
			sent[seq] = 1;
			if (seq > *max_sent)
				*max_sent = seq;
		} else if (line[0] == 'a') {
			acked[seq] = 1;
			(*n_acked)++;
		}
	}
	fclose(in);
	int status;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		printf("child exited abnormally (status 0x%x)\n", status);
		return -1;
	}
	return 0;
}

static void rm_db(const char *db)
{
	char p[600];
	unlink(db);
	snprintf(p, sizeof(p), "%s-wal", db);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", db);
	unlink(p);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Whether one more cut fits before deadline (0: no deadline).  A cut costs
 * more the larger the database, so the next one is taken to last up to
 * twice the longest so far: the run ends inside its budget instead of
 * starting a cut that the test's timeout would kill halfway. */
static int cut_fits(double deadline, double longest)
{
	return deadline <= 0 || now_s() + 2 * longest < deadline;
}

/* The synchronous=full series: iters cuts, or as many as fit before
 * deadline but at least min_cuts; fails if an acknowledged write is lost,
 * the database is damaged, or too few cuts ran to mean anything. */
static int series(const char *dir, const char *sync, int iters, unsigned seed, double deadline,
		  int min_cuts)
{
	char db[512];
	snprintf(db, sizeof(db), "%s/powerloss-%s.db", dir, sync);
	rm_db(db);
	memset(sent, 0, MAX_SEQ + 1);
	memset(acked, 0, MAX_SEQ + 1);
	long long max_sent = 0;
	long total_acked = 0, lost = 0, rows = 0;
	int failed = 0, done = 0;
	double longest = 0;
	for (int i = 0; i < iters && !failed; i++, done++) {
		if (i > 0 && !cut_fits(deadline, longest))
			break;
		double t0 = now_s();
		long n_acked = 0;
		unsigned s = seed + (unsigned)i * 7919u;
		if (run_once(db, sync, max_sent, s, &max_sent, &n_acked)) {
			failed = 1;
			break;
		}
		total_acked += n_acked;
		/* The shared-memory index does not survive a power cut. */
		char shm[600];
		snprintf(shm, sizeof(shm), "%s-shm", db);
		unlink(shm);
		if (check_db(db, max_sent, 1, &lost, &rows)) {
			printf("synchronous=%s: power cut %d (child seed %u) FAILED\n", sync, i, s);
			failed = 1;
		}
		if (now_s() - t0 > longest)
			longest = now_s() - t0;
	}
	printf("synchronous=%s: %d power cuts%s, %ld writes acknowledged, %ld rows stored at the end, "
	       "acknowledged writes lost: %ld\n",
	       sync, done, done < iters && !failed ? " (the time budget allowed no more)" : "",
	       total_acked, rows, lost);
	if (!failed && done < min_cuts) {
		printf("synchronous=%s: only %d of the %d power cuts required ran within the time "
		       "budget: too few to rely on (a slower machine needs a larger --budget or fewer "
		       "--min-cuts)\n",
		       sync, done, min_cuts);
		failed = 1;
	}
	if (!failed)
		rm_db(db);
	return failed;
}

int main(int argc, char **argv)
{
	double budget = 0;
	int min_cuts = 0, a = 1;
	for (; a + 1 < argc && !strncmp(argv[a], "--", 2); a += 2) {
		if (!strcmp(argv[a], "--budget"))
			budget = atof(argv[a + 1]);
		else if (!strcmp(argv[a], "--min-cuts"))
			min_cuts = atoi(argv[a + 1]);
		else
			break;
	}
	if (a >= argc || !strncmp(argv[a], "--", 2) || budget < 0 || min_cuts < 0) {
		fprintf(stderr, "usage: powerloss [--budget SECONDS] [--min-cuts N] DIR "
				"[ITERATIONS_FULL [ITERATIONS_NORMAL [SEED]]]\n");
		return 2;
	}
	const char *dir = argv[a];
	int it_full = argc > a + 1 ? atoi(argv[a + 1]) : 60;
	int it_normal = argc > a + 2 ? atoi(argv[a + 2]) : 20;
	unsigned seed = argc > a + 3 ? (unsigned)strtoul(argv[a + 3], NULL, 10)
				     : (unsigned)time(NULL);
	if (min_cuts > it_full)
		min_cuts = it_full;
	char rerun[700], flags[80] = "";
	if (budget > 0)
		snprintf(flags, sizeof(flags), "--budget %g --min-cuts %d ", budget, min_cuts);
	snprintf(rerun, sizeof(rerun), "powerloss %s%s %d %d %u", flags, dir, it_full, it_normal,
		 seed);
	mkdir(dir, 0755);
	log_set_level(ACCORD_LOG_ERR);
	sent = malloc(MAX_SEQ + 1);
	acked = malloc(MAX_SEQ + 1);
	printf("powerloss: seed %u (rerun: %s)\n", seed, rerun);
	fflush(stdout);
	double start = now_s();
	double full_deadline = budget > 0 ? start + budget * (it_normal > 0 ? 0.8 : 1.0) : 0;
	double normal_deadline = budget > 0 ? start + budget : 0;
	int bad = series(dir, "full", it_full, seed, full_deadline, min_cuts);
	fflush(stdout);
	if (it_normal > 0) {
		/* What synchronous=normal would lose: the losses of each cut. */
		char db[512];
		snprintf(db, sizeof(db), "%s/powerloss-normal.db", dir);
		rm_db(db);
		memset(sent, 0, MAX_SEQ + 1);
		memset(acked, 0, MAX_SEQ + 1);
		long long max_sent = 0;
		long acked_total = 0, lost_total = 0, rows = 0;
		int cuts_losing = 0, done = 0;
		double longest = 0;
		for (int i = 0; i < it_normal && cut_fits(normal_deadline, longest); i++, done++) {
			double t0 = now_s();
			long n_acked = 0, lost = 0;
			if (run_once(db, "normal", max_sent, seed + 104729u * (unsigned)i,
				     &max_sent, &n_acked))
				break;
			char shm[600];
			snprintf(shm, sizeof(shm), "%s-shm", db);
			unlink(shm);
			if (check_db(db, max_sent, 0, &lost, &rows))
				printf("synchronous=normal: after cut %d the database lacks acknowledged "
				       "writes or is damaged (see above)\n",
				       i);
			acked_total += n_acked;
			lost_total += lost;
			cuts_losing += lost > 0;
			memset(acked, 0, MAX_SEQ + 1); /* count each cut's losses once */
			if (now_s() - t0 > longest)
				longest = now_s() - t0;
		}
		printf("synchronous=normal (shown, not asserted): %d power cuts, %ld writes acknowledged, "
		       "%ld of them lost, in %d of the cuts\n",
		       done, acked_total, lost_total, cuts_losing);
	}
	free(sent);
	free(acked);
	char ndb[512];
	snprintf(ndb, sizeof(ndb), "%s/powerloss-normal.db", dir);
	rm_db(ndb);
	if (bad) {
		printf("powerloss: FAILED, seed %u (rerun: %s)\n", seed, rerun);
		return 1;
	}
	printf("powerloss: ok in %.0f s, seed %u\n", now_s() - start, seed);
	return 0;
}
