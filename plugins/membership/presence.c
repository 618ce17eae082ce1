/*
 * Membership: presence.  Who is online now, per organisation, from the
 * core's login/logout/disconnect events; members.presence and the
 * members.presence event.
 */
#include "membership.h"

/* Presence: accounts online now (login -> connections). */
typedef struct online {
	int64_t id;
	char login[64];
	char org[33];
	int conns;
} online;
static online *on;
static size_t n_on, cap_on;

static online *online_find(int64_t id)
{
	for (size_t i = 0; i < n_on; i++)
		if (on[i].id == id)
			return &on[i];
	return NULL;
}

int presence__online(const char *login)
{
	for (size_t i = 0; i < n_on; i++)
		if (!strcmp(on[i].login, login))
			return on[i].conns > 0;
	return 0;
}

/* ---------------- members.presence ---------------- */

static json_t *presence_json(void)
{
	json_t *orgs_on = json_object();
	for (size_t i = 0; i < n_on; i++) {
		if (on[i].conns <= 0)
			continue;
		json_t *a = json_object_get(orgs_on, on[i].org);
		if (!a) {
			a = json_array();
			json_object_set_new(orgs_on, on[i].org, a);
		}
		json_array_append_new(a, json_string(on[i].login));
	}
	json_t *missing = json_array();
	size_t n_orgs;
	const org_entry *orgs = orgs__cached(&n_orgs);
	for (size_t i = 0; i < n_orgs; i++)
		if (orgs[i].member && !json_object_get(orgs_on, orgs[i].code))
			json_array_append_new(missing, json_string(orgs[i].code));
	return json_pack("{s:o,s:o,s:b}", "online", orgs_on, "members_missing", missing,
			 "all_members_represented", json_array_size(missing) == 0);
}

static void h_presence(accord_plugin_ctx *p, accord_req *req, const json_t *d, void *ud)
{
	(void)p;
	(void)d;
	(void)ud;
	api->reply_ok(req, presence_json());
}

static void presence_event(const online *o, int now_online)
{
	accord_audience *a = api->audience_new();
	api->audience_members_only(a);
	json_t *data = presence_json();
	json_object_set_new(data, "changed",
			    json_pack("{s:s,s:s,s:b}", "login", o->login, "org", o->org, "online",
				      now_online));
	api->publish(self, "network", "members.presence", data, a);
	api->audience_free(a);
}

static void on_core_event(accord_plugin_ctx *p, accord_core_event ev, const char *name,
			  const json_t *data, const accord_principal *who, void *ud)
{
	(void)p;
	(void)name;
	(void)data;
	(void)ud;
	if (!who)
		return;
	int64_t id = api->principal_id(who);
	online *o = online_find(id);
	if (ev == ACCORD_EV_LOGIN) {
		if (!o) {
			if (n_on == cap_on) {
				size_t nc = cap_on ? cap_on * 2 : 16;
				online *n = realloc(on, nc * sizeof(*on));
				if (!n)
					return;
				on = n;
				cap_on = nc;
			}
			o = &on[n_on++];
			memset(o, 0, sizeof(*o));
			o->id = id;
		}
		snprintf(o->login, sizeof(o->login), "%s", api->principal_login(who));
		snprintf(o->org, sizeof(o->org), "%s", api->principal_org(who));
		if (o->conns++ == 0)
			presence_event(o, 1);
	} else if ((ev == ACCORD_EV_LOGOUT || ev == ACCORD_EV_DISCONNECT) && o && o->conns > 0) {
		if (--o->conns == 0) {
			online gone = *o;
			*o = on[--n_on];
			presence_event(&gone, 0);
		}
	}
}

static accord_handler handlers[] = {
	{.verb = "members.presence", .fn = h_presence, .allow = request__may_presence},
	{0}};

int presence__init(accord_plugin_ctx *p)
{
	if (accord_handle_all(api, p, handlers))
		return -1;
	api->listen(p, ACCORD_EV_LOGIN, on_core_event, NULL);
	api->listen(p, ACCORD_EV_LOGOUT, on_core_event, NULL);
	api->listen(p, ACCORD_EV_DISCONNECT, on_core_event, NULL);
	return 0;
}

void presence__fini(void)
{
	free(on);
	on = NULL;
	n_on = cap_on = 0;
}
