/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_visited.h: 128-bit state fingerprints and the visited set a search over states keeps them in.
 *
 * Invariant: a fingerprint is never all zeroes (the empty slot); the set never holds one fingerprint twice.
 * A shared set (sim_visited_new_shared) lives in memory that processes forked after its creation share: every call
 * takes its lock, so workers of one search see one set; a private one is this process's alone and takes no lock.
 */
#ifndef RACEBED_SIM_SEARCH_SIM_VISITED_H
#define RACEBED_SIM_SEARCH_SIM_VISITED_H

#include <stddef.h>
#include <stdint.h>

typedef struct sim_fp {
    uint64_t lo, hi; /* never both 0 */
} sim_fp;

/* A compact visited set of fingerprints with the depth each was reached at (16 bytes a slot: 108 bits of the
 * fingerprint and 20 of depth, 8 more with_values; open addressing, doubling at 3/4 full). A state reached again
 * at a smaller depth (more of a depth bound left) counts as new, so a bounded search stays complete; a fingerprint
 * leaves out the decision count for that reason. */
enum { SIM_VISITED_DEPTH_MAX = (1 << 20) - 1, SIM_VISITED_FP_BITS = 108 };
typedef struct sim_visited {
    sim_fp *slot;
    uint64_t *value; /* with_values: one number per slot (a search's own use) */
    size_t cap, count;
    size_t max;      /* states it may hold */
    int with_values; /* set before the first add: keep 'value' (8 more bytes a slot) */
    /* a shared set only: its lock, and the reserved region whose two halves the table moves between as it grows
     * (memory mapped before a fork cannot be replaced by a new mapping the other workers would see) */
    int shared, lock, half;
    int half_zero[2]; /* half h is known to hold zeroes only (never used, or its pages were given back) */
    unsigned char *region;
    size_t half_bytes;
} sim_visited;

void sim_visited_init(sim_visited *v, size_t max);
void sim_visited_free(sim_visited *v);
/* A shared set holding up to 'max' states (with values if 'with_values'), or NULL with the reason in 'err'. Address
 * space for the largest table is reserved (twice), memory is used as it grows. Free with sim_visited_free_shared. */
sim_visited *sim_visited_new_shared(size_t max, int with_values, char *err, size_t cap);
void sim_visited_free_shared(sim_visited *v);
/* 1 if 'fp' was new or only seen at a greater depth (now recorded at 'depth', its value reset to 0), 0 if seen at a
 * depth <= 'depth', -1 if the set is full (at 'max' or out of memory). Depths above SIM_VISITED_DEPTH_MAX count as
 * that. */
int sim_visited_add(sim_visited *v, sim_fp fp, int depth);
/* with_values: 1 with the number kept with 'fp' in '*value', 0 if 'fp' is not in the set. */
int sim_visited_get(sim_visited *v, sim_fp fp, uint64_t *value);
/* with_values: keeps 'value' with 'fp' if it is recorded at 'depth' (not re-recorded shallower since); returns 1 if
 * it was kept. */
int sim_visited_set(sim_visited *v, sim_fp fp, int depth, uint64_t value);
/* Bytes it holds; the number of states in it. */
size_t sim_visited_bytes(const sim_visited *v);
size_t sim_visited_count(sim_visited *v);

#endif
