/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_hash.c: FNV-1a 64 (contract in sim_hash.h).
 */
#include "sim/run/sim_hash.h"

uint64_t sim_hash_bytes(uint64_t h, const void *data, size_t len) {
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * UINT64_C(1099511628211);
    return h;
}
