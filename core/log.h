/* Logging: one line per message on stderr, with level and origin. */
#ifndef ACCORD_LOG_H
#define ACCORD_LOG_H

#include "accord/plugin.h"

void log_set_level(accord_log_level lvl);
accord_log_level log_level(void);
int log_parse_level(const char *name, accord_log_level *out);
void log_msgv(accord_log_level lvl, const char *origin, const char *fmt, va_list ap);
void log_msg(accord_log_level lvl, const char *origin, const char *fmt, ...) ACCORD_PRINTF(3, 4);

#define log_err(...) log_msg(ACCORD_LOG_ERR, "core", __VA_ARGS__)
#define log_warn(...) log_msg(ACCORD_LOG_WARN, "core", __VA_ARGS__)
#define log_info(...) log_msg(ACCORD_LOG_INFO, "core", __VA_ARGS__)
#define log_debug(...) log_msg(ACCORD_LOG_DEBUG, "core", __VA_ARGS__)

#endif
