/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_sha1.h: SHA-1 (FIPS 180-4), for Lua script names as Redis gives them (SCRIPT LOAD, EVALSHA, redis.sha1hex).
 * Not for security: only to name scripts exactly as Redis does.
 */
#ifndef RACEBED_SIM_MODEL_SIM_SHA1_H
#define RACEBED_SIM_MODEL_SIM_SHA1_H

#include <stddef.h>

/* Writes the SHA-1 of 'p' ('n' bytes) as 40 lower-case hex digits and a NUL into 'hex' (41 bytes). */
void sim_sha1_hex(const void *p, size_t n, char hex[41]);

/* A script name as Redis reads EVALSHA's and SCRIPT EXISTS's argument: 40 bytes, lower-cased into 'sha' (41 bytes,
 * NUL-terminated). Returns 1, or 0 when 'n' is not 40 (no script has that name). */
int sim_sha1_name(const char *p, size_t n, char sha[41]);

#endif
