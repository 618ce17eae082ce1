/*
 * The command line's `accord plugins keygen | sign | verify`: key pairs,
 * signatures and their check (core/signature.h), printed for a person.
 */
#ifndef ACCORD_PLUGIN_SIGN_H
#define ACCORD_PLUGIN_SIGN_H

#include "config.h"

/* argv[0] is the subcommand.  Returns the exit status, or -2 when the
 * subcommand is none of these three. */
int plugin_sign_cli(const accord_config *cfg, int argc, char **argv);

#endif
