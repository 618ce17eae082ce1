/*
 * Logging.  Messages go to stderr, one line each, prefixed with a UTC
 * timestamp, the level and the origin (core or a plugin name).  stderr is
 * unbuffered, so a line is written with one write(2) when it fits the local
 * buffer; that keeps lines from the storage thread and the loop apart.
 */
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static accord_log_level current = ACCORD_LOG_INFO;
static const char *const names[] = {"err", "warn", "info", "debug"};

void log_set_level(accord_log_level lvl) { current = lvl; }
accord_log_level log_level(void) { return current; }

int log_parse_level(const char *name, accord_log_level *out)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(name, names[i])) {
			*out = (accord_log_level)i;
			return 0;
		}
	return -1;
}

void log_msgv(accord_log_level lvl, const char *origin, const char *fmt, va_list ap)
{
	if (lvl > current)
		return;
	char line[1024];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s [%s] ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, ts.tv_nsec / 1000000, names[lvl], origin);
	if (n < 0)
		return;
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		return;
	size_t len = (size_t)n + (size_t)m;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}

void log_msg(accord_log_level lvl, const char *origin, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_msgv(lvl, origin, fmt, ap);
	va_end(ap);
}
