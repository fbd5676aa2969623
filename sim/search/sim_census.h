/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_census.h: what tells a search's states apart. For every state the search over states stores, the census keeps
 * one fingerprint per class of the state (sim_snapshot.h, SIM_STATE_CLASSES) with that class left out: the states
 * left when class k is ignored are those that differ elsewhere too. A class whose removal merges many states is what
 * splits them (a clock value, a dead local on a stack, a token), and the next reduction to try.
 *
 * For the stacks, which split states most, it also samples where: a group of states equal but for their stacks gets
 * one of SIM_CENSUS_SAMPLES slots (by its fingerprint; a slot another group holds is not shared), whose first state
 * keeps a copy of its stacks, and each later new state of the group is compared with it word by word; the words that differed are counted by thread and by distance from the stack's top (the
 * same frame of the same call chain sits at the same distance), with one pair of the values seen.
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

enum {
    SIM_CENSUS_SAMPLES = 4096,          /* states whose stacks are kept for comparison */
    SIM_CENSUS_SAMPLE_BYTES = 64 << 20, /* at most this many bytes of them */
    SIM_CENSUS_WORDS = 16384,           /* (thread, distance) places counted; more are counted as one "elsewhere" */
    SIM_CENSUS_TOP = 12,                /* places reported */
};

/* A stack word that told two states apart: thread, distance of the word from the stack's top (bytes), how often,
 * and one pair of its values. */
typedef struct sim_census_word {
    int thread;
    uint32_t from_top;
    int64_t count;
    uint64_t a, b;
    uint64_t code; /* the nearest code address above it on the stack, as an offset into the executable (its frame's
                    * function: addr2line -f -e racebed 0xCODE), 0 if none */
} sim_census_word;

struct sim_census_sample;

typedef struct sim_census {
    sim_visited without[SIM_STATE_CLASS_COUNT]; /* the stored states' fingerprints with class k left out */
    sim_visited all;                            /* and with every class: the distinct states counted */
    int64_t states;                             /* states counted (a state the search explores again, met at a
                                                 * shallower depth, once) */
    int full;                                   /* 1 once a set could not take one more (the census stopped) */
    /* the stack sampling */
    struct sim_census_sample *sample; /* SIM_CENSUS_SAMPLES slots by the fingerprint without stacks */
    size_t sample_bytes;
    sim_census_word *word;   /* SIM_CENSUS_WORDS slots by (thread, distance) */
    int64_t pairs;           /* states compared with a sample */
    int64_t depth_differs;   /* of those, with a thread whose stack depth differed (not compared further) */
    int64_t words_elsewhere; /* differing words whose place found no free slot */
    char thread_name[SIM_THREADS_MAX][SIM_NAME_MAX]; /* the threads' names, as the samples met them */
} sim_census;

/* A census of at most 'states_max' states. */
void sim_census_init(sim_census *c, size_t states_max);
void sim_census_free(sim_census *c);
/* Counts a state the search has just stored ('extra' as the search mixed into its fingerprint); after the census
 * is full, counts nothing more. */
void sim_census_add(sim_census *c, const sim_run *run, uint64_t extra);
/* States left when class 'cls' is ignored. */
int64_t sim_census_without(sim_census *c, int cls);
/* The places that differed most often, at most 'n' of them, most often first; returns how many. */
int sim_census_top_words(const sim_census *c, sim_census_word *out, int n);
/* Bytes its sets use. */
size_t sim_census_bytes(const sim_census *c);

#endif
