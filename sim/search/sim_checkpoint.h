/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_checkpoint.h: the saved state of an exhaustive search (a checkpoint file, also a shard's result for
 * `racebed merge`): its text format, a pure parser, and saving and loading a file.
 *
 * Format, one item a line: "racebed-checkpoint 1", "scenario S variant V", "seed N config H", "preemptions P shard
 * I/N", "execs E steps S violations V complete C", optionally "first ORACLE: message", and "path L c/n c/n ..." (the
 * next path to explore, L entries of choice/count). A search over states adds "search hash states S naive N" (its
 * states stored, and the naive executions it stands for when complete) and saves no path: it cannot resume.
 * Invariant: a save replaces the file whole (written beside it, then renamed), so a kill never leaves half of one.
 */
#ifndef RACEBED_SIM_SEARCH_SIM_CHECKPOINT_H
#define RACEBED_SIM_SEARCH_SIM_CHECKPOINT_H

#include "sim/explore/sim_explore.h"

/* The bounds of an exhaustive search, resolved from the run's parameters and the fault kinds explored: a bound
 * parameter of -1 (auto) is 1 when the kinds explored (the scenario's declared faults, or --faults) name its kind,
 * else 0; a bound set to N >= 0 is N. Lose-last restarts, drift and late wake-ups are never decisions of the search. */
typedef struct sim_bounds {
    int preemptions_max;        /* -1: none */
    int64_t advances;           /* time advances (to wake-ups and key deadlines + 1 ms) */
    int64_t store_faults;       /* store ops with a fault per thread, of the kinds in 'store_fault_kinds' */
    unsigned store_fault_kinds; /* bit SIM_FAULT_REPLY_LOST, bit SIM_FAULT_CONN_ERROR (1 << kind) */
    int64_t timeout_ms;         /* a lost reply surfaces this long after the send */
    int64_t wall_steps;         /* wall-clock steps of the clocks in 'wall_clocks' by +-wall_step_ms per 'wall_signs' */
    int wall_clocks;            /* SIM_WALL_CLOCKS_* */
    int wall_signs;             /* SIM_WALL_SIGNS_* */
    int64_t wall_step_ms;
    int64_t restarts; /* lose-all restarts */
    int64_t crashes;  /* of a scenario thread, or of a process with several scenario threads */
    int64_t pauses;   /* of a scenario thread, pause_ms long */
    int64_t pause_ms;
} sim_bounds;

/* The saved state of a search (a checkpoint file, also a shard's result for `racebed merge`). */
typedef struct sim_exhaust_state {
    char scenario[SIM_NAME_MAX], variant[SIM_NAME_MAX];
    uint64_t seed, config; /* config: a hash of every parameter and bound (sim_exhaust_config_hash) */
    int preemptions_max, shard, shards, complete, len;
    int64_t execs, steps, violations;
    char first[SIM_NAME_MAX + SIM_MSG_MAX]; /* "ORACLE: message" of the first violation, "" if none */
    int32_t *choice, *count;                /* the next path to explore, 'len' long (malloc'd) */
    int has_bounds;                         /* 1 when the file named its bounds (files before they were saved do not) */
    sim_bounds bounds;                      /* the resolved bounds of the search (for a merged verdict) */
    char threads[SIM_MSG_MAX];              /* the scenario's threads, "c1, c2" ("" when not saved) */
    char symmetric[SIM_MSG_MAX];            /* a search up to symmetry: the threads renamed ("" without) */
    int hash;                               /* 1: a search over states (the "search hash" line) */
    int64_t states, naive;                  /* with hash: states stored; the naive executions (complete only, else 0) */
} sim_exhaust_state;

/* Parses a checkpoint text (pure). Returns 0, or -1 with "line N: ..." in 'err'. Free with sim_exhaust_state_free. */
int sim_exhaust_state_parse(const char *text, sim_exhaust_state *st, char *err, size_t cap);
void sim_exhaust_state_free(sim_exhaust_state *st);
/* A hash of what decides a search's space and what it counts, to refuse resuming or merging different searches:
 * 'cfg''s parameters and ignored oracles, the resolved bounds 'b' (so the fault kinds explored), and the one oracle
 * that counts ('oracle', NULL for all). */
uint64_t sim_exhaust_config_hash(const sim_config *cfg, const sim_bounds *b, const char *oracle);

/* The checkpoint text of 'st' (malloc'd, NUL-terminated; the caller frees it), or NULL when out of memory. */
char *sim_exhaust_state_text(const sim_exhaust_state *st);
/* Writes 'st' to 'path' (through 'path'.tmp and a rename). Returns 0, or -1 with errno set. */
int sim_exhaust_state_save(const char *path, const sim_exhaust_state *st);
/* Reads and parses 'path'. Returns 1 with 'st' filled (free it), 0 when the file does not exist, -1 when it cannot be
 * read or parsed (the reason in 'err'). */
int sim_exhaust_state_load(const char *path, sim_exhaust_state *st, char *err, size_t cap);

#endif
