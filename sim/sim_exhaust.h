/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_exhaust.h: exhaustive search of the decision stream within bounds (stateless model checking by replay from
 * the root, design.md §9): every interleaving of the enabled threads, with at most 'preemptions_max' preemptions
 * (running another thread while the last one could go on) and at most advances_max time advances (to the instants
 * of sim_advance_targets) per execution. Entropy (tokens, jitter) is seeded, never branched. Depth-first, so the
 * first violation found is reported with its schedule; "complete" means the whole bounded space was explored.
 *
 * Shards: a path belongs to shard hash(its first SIM_SHARD_DEPTH choices, or all of them if it is shorter) mod N,
 * so the shards' union is the whole search and no path is in two. A shard cuts every other subtree at that depth.
 *
 * This is the naive enumeration: the reference the reductions (DPOR, state hashing) must agree with.
 */
#ifndef RACEBED_SIM_SIM_EXHAUST_H
#define RACEBED_SIM_SIM_EXHAUST_H

#include "sim_explore.h"

enum { SIM_SHARD_DEPTH = 4 };

typedef struct sim_exhaust_opts {
    uint64_t seed;       /* entropy seed of every execution */
    int preemptions_max; /* bound on preemptions per execution */
    int64_t execs_max;   /* budget */
    int keep_going;      /* 1: count every violating execution; 0: stop at the first */
    int shard;           /* this shard, 0..shards-1 */
    int shards;          /* 0 or 1: the whole search; N: every path belongs to exactly one of N shards */
} sim_exhaust_opts;

typedef struct sim_exhaust_result {
    int64_t execs;      /* executions explored */
    int64_t steps;      /* decisions over all of them */
    int complete;       /* 1 if the bounded space was exhausted */
    int64_t violations; /* violating executions */
    sim_verdict first;  /* the first one's violation */
    int setup_failed;
} sim_exhaust_result;

/* Explores; on the first violation (if any) fills 'first' (caller-initialized; may be NULL) with its schedule. */
void sim_exhaust(sim_run *run, const sim_config *cfg, const sim_exhaust_opts *o, sim_exhaust_result *res,
                 sim_schedule *first);

#endif
