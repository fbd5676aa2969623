/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_explore.h: one execution at a time: the seeded random strategy (uniform or PCT), the crash sweep, and
 * turning one of its executions into a labelled schedule. Replay is sim_replay.h, configs sim_config.h.
 *
 * Seeds: execution i (0-based) of a run with seed S uses seed S + i, for its entropy streams and its random
 * decisions, so `racebed run --seed S+i --budget-execs 1` repeats it alone.
 * Invariant: the same inputs give the same decisions, trace and schedule file in any process.
 */
#ifndef RACEBED_SIM_SIM_EXPLORE_H
#define RACEBED_SIM_SIM_EXPLORE_H

#include <stdio.h>

#include "sim/engine/sim_sched.h"
#include "sim/sim_schedule.h"
#include "sim/explore/sim_config.h"
#include "sim/explore/sim_record.h"
#include "sim/explore/sim_replay.h"
#include "sim/explore/sim_trace.h"

enum { SIM_PCT_DEPTH_MAX = 16 };

typedef struct sim_random_opts {
    uint64_t seed;        /* execution i uses seed + i */
    int64_t execs_max;    /* executions to try */
    double seconds_max;   /* wall-clock budget, 0 = none (interactive use only) */
    int advance_permille; /* chance of a time advance at a decision, per mille */
    unsigned faults;      /* fault kinds to inject (sim_faults.h bits), 0 = none */
    int fault_permille;   /* chance of a fault at a decision, per mille (up to faults_max per execution) */
    int crash_at;         /* crash sweep: at decision N (1-based) crash the thread about to run, 0 = never */
    int pct_depth;        /* PCT depth d (1..SIM_PCT_DEPTH_MAX), 0 = uniform random */
    int64_t pct_steps;    /* PCT: k, the decisions an execution takes (change points are drawn in 1..k) */
    int crash_process;    /* with crash_at: crash its whole process instead */
    int keep_going;       /* 1: run all executions, count violations; 0: stop at the first */
    int hash;             /* 1: compute the decision-stream and trace hashes (slower) */
    int progress;         /* 1: a progress line on stderr (only if it is a terminal) */
} sim_random_opts;

/* PCT's k for 'cfg': twice the decisions of the seed's execution under the uniform random strategy (a pilot run),
 * at least 8. Deterministic, so a recorded schedule is drawn from the same k. */
int64_t sim_explore_pct_steps(sim_run *run, const sim_config *cfg, const sim_random_opts *o);

typedef struct sim_random_result {
    int64_t execs;                       /* executions run */
    int64_t steps;                       /* decisions over all executions */
    int64_t violations;                  /* executions that violated */
    int64_t first_exec;                  /* index of the first violating execution, -1 if none */
    sim_verdict first;                   /* its violation */
    int64_t first_steps;                 /* its number of decisions */
    int64_t setup_failed;                /* executions whose setup failed (the message is in run->setup_error) */
    int backend_failed;                  /* the real store failed or disagreed with the model (an environment error) */
    int64_t probe_execs[SIM_PROBES_MAX]; /* executions that reached each coverage probe */
    int64_t unchecked_execs[SIM_EXPECTATIONS_MAX]; /* executions that left each expectation unchecked */
    char backend_error[SIM_MSG_MAX];
    char setup_error[SIM_MSG_MAX]; /* why setup failed (with setup_failed) */
    int threads;                   /* virtual threads of the last execution */
    int interrupted;               /* 1: SIGINT stopped it before its budget */
    uint64_t stream_hash;          /* over every decision of every execution (opts.hash) */
    uint64_t trace_hash;           /* over every trace line (opts.hash) */
    double seconds;                /* wall time (a timing figure, not part of the result) */
} sim_random_result;

/* Runs the random strategy. Returns 0, or -1 if a chooser buffer could not be allocated. */
int sim_explore_random(sim_run *run, const sim_config *cfg, const sim_random_opts *o, sim_random_result *res);

/* Re-runs execution 'exec_seed' under the random strategy 'o' and writes it as a schedule into 's' (header,
 * labelled decisions, expect line; model-only if it restarted the store losing a window). 'strategy' is the text
 * for the header. Returns the execution's end, and what it reports in 'out' (may be NULL). */
sim_end sim_explore_record(sim_run *run, const sim_config *cfg, uint64_t exec_seed, const sim_random_opts *o,
                           const char *strategy, sim_schedule *s, sim_outcome *out);

typedef struct sim_sweep_result {
    int points;        /* crash points tried: N = 1 .. points */
    int violations;    /* of those, executions that violated */
    int first_at;      /* the first violating crash point, 0 if none */
    int before_crash;  /* 1: the execution at first_at violated before its crash point (no crash needed) */
    sim_verdict first; /* its violation */
    int64_t steps;     /* decisions over all executions */
    int setup_failed;  /* an execution's setup failed: nothing was swept (the message in setup_error) */
    char setup_error[SIM_MSG_MAX];
} sim_sweep_result;

/* The crash sweep (SQLite's crash tests): for N = 1, 2, ... run execution 'o->seed' with a crash at visible
 * operation N (of the thread, or with o->crash_process of its process), until an execution ends before N or
 * 'points_max' is reached; the oracles are checked in every execution. 'o' gives the strategy otherwise. */
void sim_explore_sweep(sim_run *run, const sim_config *cfg, const sim_random_opts *o, int points_max,
                       sim_sweep_result *res);

#endif
