/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_search_base.h: the bottom of the exhaustive search, shared by every mode (sim_search_modes.h): the options at a
 * decision point and the order every mode uses, the path chooser (replay a path of option indices, extend it, cut
 * it at a shard boundary, backtrack), recording a path as a schedule, the bookkeeping of violations and probes, and
 * the progress line. The modes call down into this; nothing here knows a mode.
 *
 * Invariant: every mode sees the same options in the same order at the same state, so their verdicts and outcome
 * sets can be compared (tests/unit/test_sim_reduce.c).
 */
#ifndef RACEBED_SIM_SEARCH_SIM_SEARCH_BASE_H
#define RACEBED_SIM_SEARCH_SIM_SEARCH_BASE_H

#include "sim/explore/sim_progress.h"
#include "sim/search/sim_exhaust.h"

/* Every option at a point fits: an advance target is the next wake-up or a live key's deadline (one per key the
 * store can hold), so no target is ever dropped; a run, crash and pause per thread; two wall steps per clock; a
 * restart; a crash per process; two store faults per thread. */
enum {
    SIM_SHARD_DEPTH = 4,
    SIM_ADVANCE_TARGETS_MAX = 1 + SIM_STORE_SLOTS,
    SIM_OPTIONS_MAX = (1 + SIM_FAULT_KIND_LAST) * SIM_THREADS_MAX + SIM_ADVANCE_TARGETS_MAX + 2 * (1 + SIM_PROCS_MAX) +
                      1 + SIM_PROCS_MAX + 2 * SIM_THREADS_MAX,
};

/* One option at a decision point of an exhaustive search. */
typedef struct sim_option {
    sim_decision_kind kind; /* RUN, ADVANCE, WALL, RESTART (lose-all), CRASH, PAUSE or FAULT */
    int thread;             /* RUN, CRASH of a thread, PAUSE, FAULT: the thread; else -1 */
    int64_t duration_ns;    /* ADVANCE, PAUSE; WALL: signed */
    int proc;               /* WALL: the process whose clock steps, -1 the server's; CRASH: the process, or -1 */
    int variant;            /* FAULT: sim_fault_kind */
} sim_option;

/* The options at the current point within bounds 'b', in the order every exhaustive mode uses: the enabled
 * threads in index order (only 'last' once 'preemptions' reached the bound, if it can go on), the time-advance
 * targets while advances last, wall steps while they last (the server's clock, then each live process's, as
 * wall_step_clocks names them; +wall_step_ms, then -wall_step_ms, as wall_step_signs names them), a lose-all store
 * restart while restarts last, a crash of each live scenario thread and then of each live process with several
 * while crashes last, a pause of each live scenario thread while pauses last, and last the store faults of each
 * thread about to send a store op that may run (reply-lost, then conn-error, then late-timeout where the op is a blocking
 * pop with a timeout), as b->store_fault_kinds names them, while its own store faults last. Returns how
 * many were written to 'opt' (SIM_OPTIONS_MAX room). */
int sim_exhaust_options(const sim_run *run, const int *enabled, int n, int last, int preemptions, const sim_bounds *b,
                        sim_option *opt);
/* Turns option 'o' into a decision, updating the last-run thread and the preemption count. */
void sim_option_choice(const sim_option *o, const int *enabled, int n, int *last, int *preemptions, sim_choice *out);

/* A path of option indices and the chooser state that follows it (the naive mode, and recording a path). */
typedef struct sim_path {
    int32_t *choice;          /* index chosen at each depth */
    int32_t *count;           /* options at each depth */
    int depth_max;            /* the arrays' length: steps_max + 1 */
    int len;                  /* path length known before this execution */
    const sim_bounds *bounds; /* the search's bounds */
    int last;                 /* thread that ran last, -1 none */
    int preemptions;          /* used in this execution */
    sim_schedule *capture;
    int shard, shards;           /* see sim_exhaust_opts */
    int cut;                     /* 1 once a path was cut by the depth limit */
    int64_t points, options_sum; /* new points met, and their options summed (the branching, for the summary) */
    int options_max;
} sim_path;

/* The shard of a path of option indices: FNV-1a over its first 'len' choices, mod 'shards'. */
int sim__choices_shard(const int32_t *choice, int len, int shards);
/* The shard of a path: sim__choices_shard of its first 'len' choices, mod x->shards. */
int sim__path_shard_of(const sim_path *x, int len);
/* Advances the path to the next unexplored leaf, given that the last execution took 'executed' decisions; returns 0
 * when the space is exhausted. */
int sim__path_backtrack(sim_path *x, int executed);
/* Runs one execution along the path (extending it with option 0 past its end) with entropy seed 'seed'. */
sim_end sim__path_run(sim_run *run, const sim_config *cfg, uint64_t seed, sim_path *x);

/* Replays the path of option indices 'choice' (len long) and records it as a schedule into 'out' (initialized). */
void sim_exhaust_record(sim_run *run, const sim_config *cfg, uint64_t seed, const sim_bounds *b, const int32_t *choice,
                        int len, sim_schedule *out);
/* Notes a violated oracle in 'res' (distinct names, up to 8); returns 1 if the violation counts (opts.oracle). */
int sim__exhaust_violated(sim_exhaust_result *res, const sim_exhaust_opts *o, const char *oracle);
/* 1 if the search must stop now, with why in res->stopped: SIGINT, or the real-time budget (opts.deadline_s) spent
 * (read every 64 executions). A stopped search is incomplete: its verdict says INCOMPLETE. */
int sim__exhaust_must_stop(const sim_exhaust_opts *o, sim_exhaust_result *res);
/* Counts the probes the current execution (or path) reached into 'res'. */
void sim__exhaust_probes(sim_exhaust_result *res, const sim_run *run);
/* Draws the progress line if it is due ('states' < 0: not shown; 'fraction' < 0: no estimate of what is left). */
void sim__exhaust_progress(sim_progress *pr, int64_t execs, int64_t states, double fraction, int depth,
                           int64_t violations);
/* The share of a depth-first tree explored, given the path (choice i of count i at each depth): an estimate that
 * assumes equal subtrees, for the progress line. */
double sim_exhaust_fraction(const int32_t *choice, const int32_t *count, int len);

/* Saves the search's state (its next path 'choice'/'count', 'len' long; none over states) to o->checkpoint by a
 * temporary file and a rename, and its size into res->checkpoint_bytes. Returns 0, or -1 with the reason in
 * res->checkpoint_error (the previous file is left in place). */
int sim__exhaust_save(const sim_run *run, const sim_exhaust_opts *o, const sim_config *cfg, sim_exhaust_result *res,
                      int32_t *choice, int32_t *count, int len);
/* 1 with 'st' filled (free it) if o->checkpoint holds this very search (scenario, variant, seed, parameters, bounds,
 * shard, mode), else 0. */
int sim__exhaust_load(const sim_exhaust_opts *o, const sim_config *cfg, const sim_exhaust_result *res,
                      sim_exhaust_state *st);
/* Takes the counts, verdict and threads of a loaded search into 'res' (resumed). */
void sim__exhaust_resumed(const sim_exhaust_state *st, sim_exhaust_result *res);

/* The scenario's own threads of the run's last execution among 'first' .. 'first' + 'count' - 1 (tasks left out), as
 * "c1, c2", into 'buf' ('cap' bytes). */
void sim__exhaust_thread_names(const sim_run *run, int first, int count, char *buf, size_t cap);

#endif
