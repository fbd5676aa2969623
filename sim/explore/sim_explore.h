/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_explore.h: drivers over sim_execute: the seeded random strategy, replay of a schedule file (strict or
 * lenient), and turning a failing execution into a labelled schedule.
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
#include "sim/explore/sim_trace.h"

#define RACEBED_VERSION "0.1.0"

enum { SIM_PCT_DEPTH_MAX = 16 };

/* What a run is a function of, besides its seed and decisions. */
typedef struct sim_config {
    const sim_scenario *scenario;
    int variant;
    int64_t param[SIM_PARAMS_MAX]; /* sim_param_count(scenario) values */
    const sim_backend *backend;    /* a real store in lockstep with the model, or NULL */
} sim_config;

/* Fills cfg->param with the defaults. */
void sim_config_defaults(sim_config *cfg, const sim_scenario *sc, int variant);
/* Sets a parameter by name with bounds checking; 0, or -1 with a message naming the parameter and its range. */
int sim_config_set(sim_config *cfg, const char *name, int64_t value, char *err, size_t cap);
/* The same from text "NAME=VALUE" (VALUE a decimal integer). Returns 0, or -1 with the reason in 'err'. */
int sim_config_set_text(sim_config *cfg, const char *name_value, char *err, size_t cap);

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
    int64_t execs;        /* executions run */
    int64_t steps;        /* decisions over all executions */
    int64_t violations;   /* executions that violated */
    int64_t first_exec;   /* index of the first violating execution, -1 if none */
    sim_verdict first;    /* its violation */
    int64_t first_steps;  /* its number of decisions */
    int64_t setup_failed; /* executions whose setup failed (the message is in run->setup_error) */
    int backend_failed;   /* the real store failed or disagreed with the model (an environment error) */
    int64_t probe_execs[SIM_PROBE_COUNT_]; /* executions that reached each coverage probe */
    char backend_error[SIM_MSG_MAX];
    uint64_t stream_hash; /* over every decision of every execution (opts.hash) */
    uint64_t trace_hash;  /* over every trace line (opts.hash) */
    double seconds;       /* wall time (a timing figure, not part of the result) */
} sim_random_result;

/* Runs the random strategy. Returns 0, or -1 if a chooser buffer could not be allocated. */
int sim_explore_random(sim_run *run, const sim_config *cfg, const sim_random_opts *o, sim_random_result *res);

/* Re-runs execution 'exec_seed' under the random strategy 'o' and writes it as a schedule into 's' (header,
 * labelled decisions, expect line; model-only if it restarted the store losing a window). 'strategy' is the text
 * for the header. Returns the execution's end. */
sim_end sim_explore_record(sim_run *run, const sim_config *cfg, uint64_t exec_seed, const sim_random_opts *o,
                           const char *strategy, sim_schedule *s);

typedef struct sim_sweep_result {
    int points;        /* crash points tried: N = 1 .. points */
    int violations;    /* of those, executions that violated */
    int first_at;      /* the first violating crash point, 0 if none */
    sim_verdict first; /* its violation */
    int64_t steps;     /* decisions over all executions */
} sim_sweep_result;

/* The crash sweep (SQLite's crash tests): for N = 1, 2, ... run execution 'o->seed' with a crash at visible
 * operation N (of the thread, or with o->crash_process of its process), until an execution ends before N or
 * 'points_max' is reached; the oracles are checked in every execution. 'o' gives the strategy otherwise. */
void sim_explore_sweep(sim_run *run, const sim_config *cfg, const sim_random_opts *o, int points_max,
                       sim_sweep_result *res);

typedef struct sim_replay_opts {
    int lenient;           /* 1: an invalid decision falls back to the seeded default, the run goes on */
    int until_step;        /* stop after this step (0 = run to the end) */
    FILE *trace;           /* where trace lines go, or NULL */
    sim_schedule *capture; /* if set: the decisions actually executed are appended here (a strict schedule) */
} sim_replay_opts;

typedef struct sim_replay_result {
    sim_end end;      /* PASS, VIOLATION, ABORTED (diverged or stopped by until_step), SETUP */
    int diverged;     /* 1 if a decision did not match the run */
    int diverge_line; /* line of the first divergence */
    char diverge_msg[SIM_MSG_MAX];
    int steps;            /* decisions executed */
    uint64_t stream_hash; /* hash of the decisions, as sim_explore_random computes it for one execution */
    uint64_t trace_hash;  /* hash of the trace lines, likewise */
} sim_replay_result;

/* Appends the labelled form of choice 'c', made in the current state of 'run', to 'cap' (sets model-only for a
 * lose-last restart). */
void sim_schedule_capture(sim_schedule *cap, const sim_run *run, const sim_choice *c);

/* Fills the header lines of 's' (version, tool, scenario, variant, every param, seed, strategy) from 'cfg'. */
void sim_schedule_header(sim_schedule *s, const sim_config *cfg, uint64_t seed, const char *strategy);

/* Resolves a parsed schedule's header to a config: scenario, variant and params. 0, or -1 with a message. */
int sim_config_from_schedule(sim_config *cfg, const sim_schedule *s, char *err, size_t cap);
/* Replays 's' on 'cfg'. */
void sim_replay(sim_run *run, const sim_config *cfg, const sim_schedule *s, const sim_replay_opts *o,
                sim_replay_result *res);

/* The scenario catalog (generated at build time from the scenario files). */
extern const sim_scenario *const sim_scenarios[];
const sim_scenario *sim_scenario_find(const char *name);
/* Index of variant 'name' in 'sc', or -1. */
int sim_variant_find(const sim_scenario *sc, const char *name);

#endif
