/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_census.h: what tells a search's states apart. For every state the search over states stores, the census keeps
 * one fingerprint per class of the state (sim_snapshot.h, SIM_STATE_CLASSES) with that class left out: the states
 * left when class k is ignored are those that differ elsewhere too. A class whose removal merges many states is what
 * splits them (a clock value, a dead local on a stack, a token), and the next reduction to try.
 *
 * A measurement, never a reduction: the search itself is unchanged and sound. The counts are of the states this
 * search stored, not of the (smaller) space a search ignoring the class would reach. Each class costs one visited
 * set (24 bytes a state) and a walk of the whole state per stored state: a few times slower than the search alone.
 */
#ifndef RACEBED_SIM_SEARCH_SIM_CENSUS_H
#define RACEBED_SIM_SEARCH_SIM_CENSUS_H

#include <stdint.h>

#include "sim/run/sim_run.h"
#include "sim/search/sim_snapshot.h"

typedef struct sim_census {
    sim_visited without[SIM_STATE_CLASS_COUNT]; /* the stored states' fingerprints with class k left out */
    sim_visited all;                            /* and with every class: the distinct states counted */
    int64_t states;                             /* states counted (a state the search explores again, met at a
                                                 * shallower depth, once) */
    int full;                                   /* 1 once a set could not take one more (the census stopped) */
} sim_census;

/* A census of at most 'states_max' states. */
void sim_census_init(sim_census *c, size_t states_max);
void sim_census_free(sim_census *c);
/* Counts a state the search has just stored ('extra' as the search mixed into its fingerprint); after the census
 * is full, counts nothing more. */
void sim_census_add(sim_census *c, const sim_run *run, uint64_t extra);
/* States left when class 'cls' is ignored. */
int64_t sim_census_without(sim_census *c, int cls);
/* Bytes its sets use. */
size_t sim_census_bytes(const sim_census *c);

#endif
