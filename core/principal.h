/*
 * Principals: the person a connection or a request speaks for, as the
 * accounts table describes it (standing, organisation, roles).
 */
#ifndef ACCORD_PRINCIPAL_H
#define ACCORD_PRINCIPAL_H

#include <stdint.h>

#include "accord/plugin.h"

struct accord_principal {
	int64_t id;
	int partner;
	char login[64];
	char name[128];
	char org[32];
	char roles[128]; /* comma-separated */
	char lang[8];    /* interface language the person chose ("" : none) */
};

int principal_from_row(struct accord_principal *p, const json_t *row);
json_t *principal_to_json(const struct accord_principal *p);
int principal_role(const struct accord_principal *p, const char *role);

#endif
