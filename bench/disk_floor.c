/*
 * disk_floor: how long a durable commit takes on this disk, measured the way
 * SQLite's WAL commits with synchronous=FULL (append to the log, then
 * fdatasync), one after another, for a few seconds.  No acknowledgement of a
 * durable write can come back faster than this, so the live-session
 * benchmark runs it next to Accord's small fan-out cell as the "disk" peer.
 *
 * usage: disk_floor DIR [SECONDS] [BYTES]
 * prints one JSON line: {"syncs":..,"syncs_per_s":..,"p50_ms":..,"p99_ms":..,
 *                        "p999_ms":..,"max_ms":..}
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double pct(const double *v, size_t n, double p)
{
	if (!n)
		return -1;
	size_t i = (size_t)((p / 100.0) * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: disk_floor DIR [SECONDS] [BYTES]\n");
		return 2;
	}
	double secs = argc > 2 ? atof(argv[2]) : 3.0;
	size_t bytes = argc > 3 ? (size_t)atol(argv[3]) : 4096;
	if (secs <= 0 || bytes < 1 || bytes > (1u << 24)) {
		fprintf(stderr, "disk_floor: SECONDS must be > 0 and BYTES 1..16777216\n");
		return 2;
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/disk_floor.%ld", argv[1], (long)getpid());
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	char *buf = malloc(bytes);
	size_t cap = 1 << 16, n = 0;
	double *lat = malloc(cap * sizeof(*lat));
	if (!buf || !lat) {
		fprintf(stderr, "disk_floor: out of memory\n");
		return 1;
	}
	memset(buf, 'w', bytes);
	off_t off = 0;
	double t0 = now_s(), t = t0;
	while (t - t0 < secs) {
		if (pwrite(fd, buf, bytes, off) != (ssize_t)bytes || fdatasync(fd) != 0) {
			perror("disk_floor: write/fdatasync");
			unlink(path);
			return 1;
		}
		off += (off_t)bytes;
		if (off > (64 << 20))
			off = 0; /* a WAL is reset after a checkpoint, too */
		double t1 = now_s();
		if (n == cap) {
			double *nl = realloc(lat, (cap *= 2) * sizeof(*lat));
			if (!nl)
				break;
			lat = nl;
		}
		lat[n++] = (t1 - t) * 1e3;
		t = t1;
	}
	close(fd);
	unlink(path);
	qsort(lat, n, sizeof(*lat), cmp);
	printf("{\"syncs\":%zu,\"syncs_per_s\":%.0f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
	       "\"p999_ms\":%.3f,\"max_ms\":%.3f}\n",
	       n, (double)n / (t - t0), pct(lat, n, 50), pct(lat, n, 99), pct(lat, n, 99.9),
	       n ? lat[n - 1] : -1.0);
	free(lat);
	free(buf);
	return 0;
}
