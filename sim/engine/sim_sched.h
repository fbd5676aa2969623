/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_sched.h: one execution of a scenario under a chooser (a strategy, a replay, a recorder).
 *
 * The step loop: resume every thread whose wait is over until it stops at its next visible op; if no thread is
 * enabled, jump virtual time to the earliest wake-up (or end the run, or report a deadlock); otherwise ask the
 * chooser for one decision (run an enabled thread's op, or advance time) and execute it. A store op sent at t is
 * applied at t + RTT/2 on the server's clock and its reply arrives at t + RTT.
 *
 * Invariant: the run is a pure function of (scenario, variant, params, seed, the chooser's decisions). Nothing here
 * reads real time, calls rand(), or depends on addresses outside the arena.
 */
#ifndef RACEBED_SIM_SIM_SCHED_H
#define RACEBED_SIM_SIM_SCHED_H

#include "sim/engine/sim_backend.h"
#include "sim/run/sim_params.h"
#include "sim/run/sim_run.h"

/* 1 if store fault 'variant' (a sim_fault_kind) can hit the op 'p' is stopped at: reply-lost and conn-error, an op
 * that sends (sim__pending_sends); late-timeout, a blocking command (BLPOP, BRPOP) with a timeout other than 0, on
 * the model store alone (a real server checks timeouts on its own timer, so lockstep cannot follow it). */
int sim_store_fault_applies(const sim_run *run, const sim_pending *p, int variant);
/* 1 if 'c' can be executed in the current state; otherwise 0 with the reason in 'why' (for replay). */
int sim_choice_valid(const sim_run *run, const sim_choice *c, char *why, size_t cap);

typedef struct sim_chooser {
    void *ctx;
    /* Picks the next decision. 'enabled' lists the enabled threads in index order ('n' >= 1). Returns 0, or -1 to
     * abort the execution (a replay that diverged). */
    int (*decide)(void *ctx, sim_run *run, const int *enabled, int n, sim_choice *out);
    /* After a decision was executed; 'done' is the op (reply filled) for RUN, NULL for ADVANCE. May be NULL. */
    void (*after)(void *ctx, sim_run *run, const sim_choice *c, const sim_pending *done);
    /* When time jumps because every thread waits ('to_ns' the new time). May be NULL. */
    void (*jump)(void *ctx, sim_run *run, int64_t to_ns);
} sim_chooser;

typedef enum sim_end {
    SIM_END_PASS = 0,      /* every thread ended, no oracle fired */
    SIM_END_VIOLATION = 1, /* run->violation says which oracle */
    SIM_END_ABORTED = 2,   /* the chooser aborted */
    SIM_END_SETUP = 3,     /* the scenario's setup failed: run->setup_error */
    SIM_END_BACKEND = 4,   /* the real store failed or answered otherwise than the model: run->backend_error */
} sim_end;

typedef struct sim_exec_args {
    const sim_scenario *scenario;
    int variant;                /* index into scenario->variants */
    const int64_t *param;       /* sim_param_count(scenario) values */
    uint64_t seed;              /* the execution's seed: entropy streams */
    int64_t alloc_fail_at;      /* fail the Nth arena allocation, 0 = never (tests) */
    int log_ops;                /* 1: keep the op log a lose-last restart needs */
    const sim_backend *backend; /* NULL: the model alone */
    const char *ignore_oracles; /* a comma list of oracles whose violations become notes (--ignore-oracle), or NULL */
} sim_exec_args;

/* Runs one execution on 'run' (reset first). Returns how it ended. It is these five steps, which a search that
 * snapshots and restores the run (sim_state.h) calls one by one: */
sim_end sim_execute(sim_run *run, const sim_exec_args *a, const sim_chooser *ch);
/* Resets 'run' and runs the scenario's setup: SIM_END_PASS to go on, or SIM_END_SETUP / SIM_END_BACKEND (then the
 * run is torn down already). */
sim_end sim_exec_begin(sim_run *run, const sim_exec_args *a);
/* Runs every thread that is due and jumps time until a decision is needed: returns the number of enabled threads
 * (written to 'enabled' in index order), or 0 when the run is over (all ended, a violation, a deadlock, the step
 * bound, a backend failure). 'ch' supplies only the jump callback (may have jump NULL). */
int sim_exec_until_decision(sim_run *run, const sim_chooser *ch, int *enabled);
/* Executes one valid decision; returns the op performed (RUN, FAULT) or NULL. */
const sim_pending *sim_exec_apply(sim_run *run, const sim_choice *c);
/* After sim_exec_until_decision returned 0: the end-of-run oracles and the scenario's finish; how the run ended. */
sim_end sim_exec_finish(sim_run *run);
/* Releases what the threads hold outside the arena (valgrind stack registrations). */
void sim_exec_teardown(sim_run *run);

/* Instants that matter for a time advance, as durations from now (> 0, ascending, unique): the next wake-up of a
 * waiting thread and, for each live key with a TTL, the instant its deadline + 1 ms passes on the server. Returns
 * how many were written to 'out' (at most 'max'). */
int sim_advance_targets(const sim_run *run, int64_t *out, int max);

/* 1 if thread 'i' is stopped at an op it can perform now. */
int sim_thread_enabled(const sim_run *run, int i);

/* Creates scenario thread 'name' running fn(arg) (sim_thread_new without the scenario's start_yield). */
int sim__thread_new(sim_run *run, int proc, const char *name, int64_t start_ns, sim_thread_fn fn, void *arg);
/* Creates a thread for a task started by thread 'parent' (env_task_start). Returns its index or -1. */
int sim__task_thread_new(sim_run *run, int parent, const char *name, void (*fn)(void *), void *arg);

#endif
