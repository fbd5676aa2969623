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
 * The modes (sim_search_modes.h): the naive enumeration by replay, the reference the reductions (DPOR, state
 * hashing) must agree with; each calls down into sim_search_base.h. This file is the entry and iterative deepening.
 */
#ifndef RACEBED_SIM_SEARCH_SIM_EXHAUST_H
#define RACEBED_SIM_SEARCH_SIM_EXHAUST_H

#include "sim/explore/sim_explore.h"
#include "sim/search/sim_checkpoint.h"
#include "sim/search/sim_snapshot.h"

/* How the bounded space is searched. Each reduction is a separate mode: combining them naively is unsound. */
typedef enum sim_reduce {
    SIM_REDUCE_NONE = 0, /* naive: every path, replayed from the root (shards and checkpoints work here) */
    SIM_REDUCE_DPOR,     /* source-DPOR with sleep sets over the ops' footprints (sim_dpor.c), by replay */
    SIM_REDUCE_HASH,     /* depth-first over states: fingerprints, a visited set, snapshot and restore */
} sim_reduce;

/* Resolves the bounds of a search of 'cfg' exploring the fault kinds 'faults' (sim_faults.h bits). */
void sim_bounds_resolve(const sim_config *cfg, unsigned faults, int preemptions_max, sim_bounds *b);

typedef struct sim_exhaust_opts {
    uint64_t seed;            /* entropy seed of every execution */
    int preemptions_max;      /* bound on preemptions per execution */
    unsigned faults;          /* the fault kinds explored (sim_faults.h bits): they decide the auto (-1) bounds */
    int64_t execs_max;        /* budget */
    double deadline_s;        /* real-time budget: stop at this sim_real_clock_s() instant (0: none); interactive use */
    int keep_going;           /* 1: count every violating execution; 0: stop at the first */
    int shard;                /* this shard, 0..shards-1 */
    int shards;               /* 0 or 1: the whole search; N: every path belongs to exactly one of N shards */
    const char *checkpoint;   /* a file to resume from (if it exists) and to save progress to, or NULL */
    int64_t checkpoint_every; /* save after this many executions (and at the end) */
    int progress;             /* 1: a progress line on stderr once a second, if it is a terminal */
    sim_reduce reduce;
    int depth_limit;           /* > 0: paths are cut after this many decisions (with shortest: the deepest round);
                               * 0: steps_max */
    int shortest;              /* 1: a shortest violation: HASH alone, one search over states that lowers its depth
                               * bound below each violation it finds; otherwise iterative deepening, depth 1, 2, ...:
                               * the first violation found is a shortest */
    size_t states_max;         /* HASH: visited-set capacity (0: 64 M states) */
    int jobs;                  /* HASH: worker processes sharing one visited set (0 or 1: this process alone) */
    int symmetry;              /* HASH: 1: states up to the scenario's declared symmetry (sim_symmetry.h) */
    int outcomes_sym;          /* NONE, HASH: outcomes fingerprinted up to symmetry, to compare with a search that
                                  has it (tests/unit/test_sim_symmetry.c), of passing executions only: a violation
                                  ends a run where threads due at one instant resumed in index order, which a
                                  renaming does not follow (sim_symmetric's contract) */
    struct sim_census *census; /* HASH alone: if not NULL, every state stored is counted in it (sim_census.h) */
    sim_visited *outcomes;     /* if not NULL: every distinct terminal outcome's fingerprint is added here */
    const char *oracle;        /* if not NULL: only violations of this oracle count (and stop the search); others
                               * end their paths as outcomes (a shortest counterexample for one race) */
} sim_exhaust_opts;

/* The visited-set capacity a search over states uses (and a census beside it): states_max, or 64 M states. */
static inline size_t sim_exhaust_states_max(const sim_exhaust_opts *o) {
    return o->states_max ? o->states_max : (size_t)64 << 20;
}

typedef struct sim_exhaust_result {
    int64_t execs;      /* executions explored */
    int64_t steps;      /* decisions over all of them */
    int complete;       /* 1 if the bounded space was exhausted */
    int64_t violations; /* violating executions */
    sim_verdict first;  /* the first one's violation */
    int setup_failed;
    char setup_error[2 * SIM_MSG_MAX]; /* with setup_failed: the setup's or the real store's error */
    int resumed;                       /* 1 if it continued from a checkpoint */
    int64_t states;                    /* HASH: distinct states stored (the visited set's size) */
    int64_t revisits;                  /* HASH: transitions into a state already stored (subtrees cut) */
    int64_t duplicated;    /* HASH with jobs: states a worker explored while another was exploring them too */
    int jobs;              /* HASH: the workers that searched (1: this process alone) */
    int64_t naive_execs;   /* HASH, complete: the executions the naive enumeration runs in the same bounds */
    int64_t sleep_blocked; /* DPOR: executions cut because every enabled thread was asleep */
    int64_t outcomes;      /* distinct terminal outcomes (when opts.outcomes is set) */
    size_t memory_bytes;   /* HASH: visited set + snapshots at their peak; DPOR: its per-depth tables */
    int depth_reached;     /* with shortest: the depth limit of the last iteration (branch and bound: the depth of
                              the shortest violation found) */
    int branch_and_bound;  /* with shortest: 1 if it was one search over states bounding its depth (sim_hash_search.c),
                              0 if iterative deepening */
    int64_t states_round_max; /* with shortest, HASH: the most states one iteration stored ('states' sums them
                                 all; each iteration starts a new visited set) */
    int cut_by_depth;      /* 1 if some path was cut by depth_limit */
    const char *stopped;   /* why a search ended incomplete without a violation ("state table full"), or NULL */
    int64_t probe_execs[SIM_PROBES_MAX]; /* executions (HASH: paths, cut ones included) that reached each probe */
    int64_t unchecked_execs[SIM_EXPECTATIONS_MAX]; /* the same, that left each expectation unchecked */
    char threads[SIM_MSG_MAX];                     /* the scenario's threads, "c1, c2, admin" (for the verdict) */
    char symmetric[SIM_MSG_MAX];                   /* HASH with symmetry: the threads renamed, "c1, c2, c3" */
    int64_t sym_states[16]; /* HASH with symmetry: states fingerprinted up to it [0], and plainly by reason
                              [SIM_SYM_FALLBACK_*, from 1] (sim_symmetry.h) */
    sim_bounds bounds;                             /* the bounds it searched within */
    int64_t points;             /* decision points it met first (HASH: new states; naive, DPOR: new path points) */
    int64_t options_sum;        /* the options at those points, summed */
    int options_max;            /* and the most at one */
    char checkpoint_error[256]; /* why a checkpoint could not be saved ('stopped' then points here) */
    int64_t checkpoint_bytes;   /* the size of the checkpoint last saved, 0 if none */
    char why[160];              /* 'stopped' when it is not a fixed text (a worker that died) */
    int restarted;              /* HASH: the checkpoint held this search incomplete; it started over */
    int violated_count;         /* distinct violated oracles, in the order first found */
    char violated[8][SIM_NAME_MAX];
} sim_exhaust_result;

/* Explores; on the first violation (if any) fills 'first' (caller-initialized; may be NULL) with its schedule. */
void sim_exhaust(sim_run *run, const sim_config *cfg, const sim_exhaust_opts *o, sim_exhaust_result *res,
                 sim_schedule *first);

#endif
