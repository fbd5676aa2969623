/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_visited.h: 128-bit state fingerprints and the visited set a search over states keeps them in.
 *
 * Invariant: a fingerprint is never all zeroes (the empty slot); the set never holds one fingerprint twice.
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
enum { SIM_VISITED_DEPTH_MAX = (1 << 20) - 1 };
typedef struct sim_visited {
    sim_fp *slot;
    uint64_t *value; /* with_values: one number per slot (a search's own use) */
    size_t cap, count;
    size_t max;      /* states it may hold */
    int with_values; /* set before the first add: keep 'value' (8 more bytes a slot) */
} sim_visited;

void sim_visited_init(sim_visited *v, size_t max);
void sim_visited_free(sim_visited *v);
/* 1 if 'fp' was new or only seen at a greater depth (now recorded at 'depth'), 0 if seen at a depth <= 'depth', -1
 * if the set is full (at 'max' or out of memory). Depths above SIM_VISITED_DEPTH_MAX count as that. */
int sim_visited_add(sim_visited *v, sim_fp fp, int depth);
/* The number kept with 'fp' (with_values), or NULL if 'fp' is not in the set. Valid until the next add. */
uint64_t *sim_visited_value(sim_visited *v, sim_fp fp);
/* Bytes it holds. */
size_t sim_visited_bytes(const sim_visited *v);

#endif
