/*
 * Who may see what, on the loop.  Members see every release and every
 * input; a partner sees an item only while it is released to it (the core
 * decides, from the table this plugin gives it with release_set), and of a
 * release only what partner_view keeps.  Each event goes out with its own
 * audience, so one topic, "portal", serves everyone.
 */
#include "portal.h"

#include <string.h>

int access__chair_or_secretariat(const accord_principal *w)
{
	return w && !api->principal_is_partner(w) &&
	       (api->principal_has_role(w, "co_chair") || api->principal_has_role(w, "secretariat"));
}

/* "<kind>:<id>": a kind of lower-case letters and '_', then a non-empty id
 * (the owning plugin decides whether that id exists). */
const char *access__item_syntax(const json_t *v)
{
	const char *s = json_string_value(v);
	const char *colon = s ? strchr(s, ':') : NULL;
	int ok = colon && colon != s && colon[1];
	for (const char *p = s; ok && p < colon; p++)
		ok = (*p >= 'a' && *p <= 'z') || *p == '_';
	return ok ? NULL : "expected \"<kind>:<id>\", e.g. \"proposal:12\"";
}

json_t *access__partner_view(const json_t *r)
{
	return json_pack("{s:O,s:O,s:O,s:O,s:O}", "id", json_object_get(r, "id"), "item",
			 json_object_get(r, "item"), "kind", json_object_get(r, "kind"), "content",
			 json_object_get(r, "content"), "released_at",
			 json_object_get(r, "released_at"));
}

/* The audience is the item itself: the core looks its release up at each
 * delivery, so exactly its recipients get the event, and a withdrawal
 * also stops the event's replays. */
void access__publish_to_item(const char *event, json_t *data, const char *item)
{
	accord_audience *a = api->audience_new();
	api->audience_add_item(a, item);
	api->publish(self, PORTAL_TOPIC, event, data, a);
	api->audience_free(a);
}

/* A withdrawal is told to the partners who had the item, decided from the
 * old audience: after the withdrawal the item admits nobody. */
void access__publish_withdrawn(const json_t *audience, json_t *data)
{
	accord_audience *a = api->audience_new();
	if (json_is_string(audience))
		api->audience_add_partners(a);
	size_t i;
	json_t *o;
	json_array_foreach(audience, i, o)
		api->audience_add_org(a, json_string_value(o));
	api->publish(self, PORTAL_TOPIC, "portal.withdrawn", data, a);
	api->audience_free(a);
}

void access__publish_to_members(const char *event, json_t *data)
{
	accord_audience *a = api->audience_new();
	api->audience_members_only(a);
	api->publish(self, PORTAL_TOPIC, event, data, a);
	api->audience_free(a);
}

/* An input reaches the members and the organisation that sent it. */
void access__publish_input(const char *org, json_t *input)
{
	accord_audience *a = api->audience_new();
	api->audience_add_members(a);
	api->audience_add_org(a, org);
	api->publish(self, PORTAL_TOPIC, "portal.input", input, a);
	api->audience_free(a);
}
