/* The workplan's pure rules: see rules.h. */
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wp_quarter(const char *period, char start[11], char end[11])
{
	static const char *const starts[] = {"01-01", "04-01", "07-01", "10-01"};
	static const char *const ends[] = {"03-31", "06-30", "09-30", "12-31"};
	if (!period || strlen(period) != 7 || period[4] != '-' || period[5] != 'Q' ||
	    period[6] < '1' || period[6] > '4')
		return -1;
	for (int i = 0; i < 4; i++)
		if (period[i] < '0' || period[i] > '9')
			return -1;
	int q = period[6] - '1';
	memcpy(start, period, 4);
	memcpy(end, period, 4);
	start[4] = end[4] = '-';
	memcpy(start + 5, starts[q], 6);
	memcpy(end + 5, ends[q], 6);
	return 0;
}

/* The civil calendar's day numbers (H. Hinnant's days_from_civil). */
long wp_days(const char *date)
{
	long y = atol(date), m = atol(date + 5), d = atol(date + 8);
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void wp_date(long z, char out[11])
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long y = yoe + era * 400;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	long d = doy - (153 * mp + 2) / 5 + 1;
	long m = mp + (mp < 10 ? 3 : -9);
	char buf[80];
	snprintf(buf, sizeof(buf), "%04ld-%02ld-%02ld", y + (m <= 2), m, d);
	memcpy(out, buf, 10);
	out[10] = 0;
}

const char *wp_value_problem(const char *type, const json_t *v)
{
	if (!strcmp(type, "integer"))
		return json_is_integer(v) ? NULL : "expected an integer";
	if (!json_is_number(v))
		return "expected a number";
	if (!strcmp(type, "percent") && (json_number_value(v) < 0 || json_number_value(v) > 100))
		return "expected a percentage from 0 to 100";
	return NULL;
}

const char *wp_stored_problem(const char *type, const json_t *v)
{
	if (!v || json_is_null(v))
		return NULL;
	if (!strcmp(type, "integer") && json_is_real(v)) {
		double d = json_real_value(v);
		return d == (double)(long long)d && d > -9.2e18 && d < 9.2e18
			       ? NULL
			       : "expected an integer";
	}
	return wp_value_problem(type, v);
}

int wp_reached(const json_t *latest, const json_t *baseline, const json_t *target)
{
	if (!json_is_number(latest) || !json_is_number(target))
		return -1;
	double base = json_is_number(baseline) ? json_number_value(baseline) : 0;
	double value = json_number_value(latest), goal = json_number_value(target);
	double span = goal - base;
	if (span < 1e-12 && span > -1e-12)
		return value == goal ? 100 : -1;
	double pct = 100 * (value - base) / span;
	pct = pct < 0 ? 0 : pct > 100 ? 100 : pct;
	return (int)(pct + 0.5);
}

const char *wp_sdg_code_problem(const char *s)
{
	static const char *const says = "expected an SDG goal (\"10\") or target (\"10.7\", \"10.c\")";
	char *end = NULL;
	long goal = s ? strtol(s, &end, 10) : 0;
	if (!s || goal < 1 || goal > 17 || end == s || *s == '0' || *s == '+' || *s == '-' ||
	    *s == ' ')
		return says;
	if (!*end)
		return NULL;
	if (*end != '.' || !end[1] || strlen(end) > 3)
		return says;
	for (const char *c = end + 1; *c; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z')))
			return says;
	return NULL;
}
