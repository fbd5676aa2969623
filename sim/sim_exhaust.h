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
    const char *checkpoint; /* a file to resume from (if it exists) and to save progress to, or NULL */
    int64_t checkpoint_every; /* save after this many executions (and at the end) */
    int progress;             /* 1: a progress line on stderr once a second, if it is a terminal */
} sim_exhaust_opts;

typedef struct sim_exhaust_result {
    int64_t execs;      /* executions explored */
    int64_t steps;      /* decisions over all of them */
    int complete;       /* 1 if the bounded space was exhausted */
    int64_t violations; /* violating executions */
    sim_verdict first;  /* the first one's violation */
    int setup_failed;
    int resumed;             /* 1 if it continued from a checkpoint */
} sim_exhaust_result;

/* The saved state of a search (a checkpoint file, also a shard's result for `racebed merge`). */
typedef struct sim_exhaust_state {
    char scenario[SIM_NAME_MAX], variant[SIM_NAME_MAX];
    uint64_t seed, config;     /* config: a hash of every parameter */
    int preemptions_max, shard, shards, complete, len;
    int64_t execs, steps, violations;
    char first[SIM_MSG_MAX];   /* "ORACLE: message" of the first violation, "" if none */
    int32_t *choice, *count;   /* the next path to explore, 'len' long (malloc'd) */
} sim_exhaust_state;

/* Parses a checkpoint text (pure). Returns 0, or -1 with "line N: ..." in 'err'. Free with sim_exhaust_state_free. */
int sim_exhaust_state_parse(const char *text, sim_exhaust_state *st, char *err, size_t cap);
void sim_exhaust_state_free(sim_exhaust_state *st);
/* A hash of 'cfg''s parameters, to refuse resuming or merging different searches. */
uint64_t sim_exhaust_config_hash(const sim_config *cfg);

/* Explores; on the first violation (if any) fills 'first' (caller-initialized; may be NULL) with its schedule. */
void sim_exhaust(sim_run *run, const sim_config *cfg, const sim_exhaust_opts *o, sim_exhaust_result *res,
                 sim_schedule *first);

#endif
