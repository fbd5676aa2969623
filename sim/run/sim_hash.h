/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_hash.h: the one non-cryptographic hash of bytes the simulator's reports use (decision-stream and trace
 * hashes, shard assignment, parameter digests): FNV-1a, 64 bits.
 *
 * Invariant: a pure function of the bytes; never of addresses or time.
 */
#ifndef RACEBED_SIM_RUN_SIM_HASH_H
#define RACEBED_SIM_RUN_SIM_HASH_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a 64 over 'len' bytes, continuing from 'h' (start with SIM_HASH_INIT). */
#define SIM_HASH_INIT UINT64_C(14695981039346656037)
uint64_t sim_hash_bytes(uint64_t h, const void *data, size_t len);

#endif
