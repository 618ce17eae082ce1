/*
 * The meetings plugin's pure checks: field checks the SDK's tables call
 * (accord_arg.check) and the rule of a meeting's times.  jansson and the
 * C library only.
 */
#include "rules.h"

#include <string.h>

const char *rules__tz(const json_t *v)
{
	static const char *const says = "expected a time zone name, e.g. \"Asia/Almaty\"";
	const char *s = json_string_value(v);
	size_t n = s ? strlen(s) : 0;
	if (n < 1 || n > 64)
		return says;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '/' || c == '_' || c == '-' || c == '+';
		if (!ok)
			return says;
	}
	return s[0] == '/' || s[n - 1] == '/' || strstr(s, "..") ? says : NULL;
}

const char *rules__time(const json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) > 0
		       ? NULL
		       : "expected a time in milliseconds since the epoch";
}

const char *rules__times(int64_t starts_at, int64_t ends_at, int64_t now_ms)
{
	if (starts_at <= now_ms)
		return "starts_at: must be in the future";
	if (ends_at && ends_at <= starts_at)
		return "ends_at: must be after starts_at";
	if (ends_at && ends_at - starts_at > (int64_t)7 * 24 * 3600 * 1000)
		return "ends_at: a meeting lasts at most 7 days";
	return NULL;
}

const char *rules__url(const json_t *v)
{
	const char *s = json_string_value(v);
	if (s && (!strncmp(s, "https://", 8) || !strncmp(s, "http://", 7)) && !strpbrk(s, " \t\r\n"))
		return NULL;
	return "expected an http:// or https:// link";
}

const char *rules__meeting(const json_t *m, int64_t now_ms)
{
	const char *msg = rules__times(json_integer_value(json_object_get(m, "starts_at")),
				       json_integer_value(json_object_get(m, "ends_at")), now_ms);
	if (msg)
		return msg;
	const json_t *cutoff = json_object_get(m, "agenda_cutoff_at");
	if (json_is_integer(cutoff) &&
	    json_integer_value(cutoff) >= json_integer_value(json_object_get(m, "starts_at")))
		return "agenda_cutoff_at: must be before starts_at";
	const char *mode = json_string_value(json_object_get(m, "mode"));
	const char *loc = json_string_value(json_object_get(m, "location"));
	const json_t *url = json_object_get(m, "online_url");
	if (mode && strcmp(mode, "in_person") && !json_is_string(url))
		return "online_url: required for an online or hybrid meeting";
	if (mode && strcmp(mode, "online") && (!loc || !loc[0]))
		return "location: required for a meeting held in person or hybrid";
	return NULL;
}

static int has_code(const json_t *codes, const char *code)
{
	size_t i;
	json_t *c;
	json_array_foreach(codes, i, c)
		if (json_is_string(c) && code && !strcmp(json_string_value(c), code))
			return 1;
	return 0;
}

json_t *rules__quorum(const json_t *invitees, const json_t *present, const json_t *rule)
{
	json_t *required = json_array(), *missing = json_array();
	json_int_t present_required = 0;
	size_t i;
	json_t *r;
	json_array_foreach(invitees, i, r) {
		if (!json_is_true(json_object_get(r, "required")))
			continue;
		json_t *org = json_object_get(r, "org");
		json_array_append(required, org);
		if (has_code(present, json_string_value(org)))
			present_required++;
		else
			json_array_append(missing, org);
	}
	int met = json_is_integer(rule) ? present_required >= json_integer_value(rule)
					: json_array_size(missing) == 0;
	return json_pack("{s:o,s:o,s:{s:O,s:b,s:I,s:I}}", "required", required, "missing_required",
			 missing, "quorum", "rule", rule ? rule : json_null(), "met", met,
			 "present_required", present_required, "required",
			 (json_int_t)json_array_size(required));
}
