/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_replay.h: replay of a schedule file, strict or lenient (design.md §5). Each decision is checked against the run:
 * the thread must exist and be enabled, its next op and object must match the line. Strict replay stops at the first
 * mismatch; lenient replay notes it and continues with the seeded default (the named thread if it can run, else a
 * seeded random one), which is also what the shrinker uses.
 *
 * Invariant: a strict replay of a schedule a run wrote executes exactly that run (same decision-stream and trace
 * hashes).
 */
#ifndef RACEBED_SIM_EXPLORE_SIM_REPLAY_H
#define RACEBED_SIM_EXPLORE_SIM_REPLAY_H

#include "sim/explore/sim_config.h"
#include "sim/explore/sim_trace.h"

typedef struct sim_replay_opts {
    int lenient;    /* 1: an invalid decision falls back to the seeded default, the run goes on */
    int until_step; /* stop after this step (0 = run to the end) */
    /* Called with each trace line (no newline), or NULL for none. */
    void (*trace)(void *ctx, const char *line);
    void *trace_ctx;
    sim_schedule *capture; /* if set: the decisions actually executed are appended here (a strict schedule) */
    /* Called with each step as data (sim_trace.h), or NULL for none; the event is valid during the call. */
    void (*event)(void *ctx, const sim_trace_event *ev);
    void *event_ctx;
} sim_replay_opts;

typedef struct sim_replay_result {
    sim_end end;      /* PASS, VIOLATION, ABORTED (diverged or stopped by until_step), SETUP */
    int diverged;     /* 1 if a decision did not match the run */
    int diverge_line; /* line of the first divergence */
    char diverge_msg[SIM_MSG_MAX];
    int steps;            /* decisions executed */
    uint64_t stream_hash; /* hash of the decisions, as sim_explore_random computes it for one execution */
    uint64_t trace_hash;  /* hash of the trace lines, likewise */
    sim_outcome outcome;  /* what the execution reports (its end, violation, notes, errors) */
} sim_replay_result;

/* Replays 's' on 'cfg'. */
void sim_replay(sim_run *run, const sim_config *cfg, const sim_schedule *s, const sim_replay_opts *o,
                sim_replay_result *res);

#endif
