/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_trace.h: the readable step trace of an execution (what `racebed replay` prints) and its hash.
 *
 * Invariant: a trace line is a pure function of the run state: no addresses, no real time. The same execution in
 * any process, build or machine gives the same lines and so the same hash.
 */
#ifndef RACEBED_SIM_SIM_TRACE_H
#define RACEBED_SIM_SIM_TRACE_H

#include <stdio.h>

#include "sim/engine/sim_sched.h"
#include "sim/oracles/sim_oracle.h"
#include "sim/run/sim_hash.h"

/* ---- the same step as data (what a report draws) --------------------------------------------------------------
 * A trace event carries what its trace line shows, unabridged, plus what a line leaves out: a store op's arguments
 * (SET values too), the schedule line of the decision, and every lease after the step (the lease oracle's watched
 * keys and the scripted locks' lease schemas). Built only when asked (sim_replay_opts.event): never on the hot path.
 */
enum {
    SIM_TRACE_LEASES_MAX = SIM_LOCK_KEYS_MAX + SIM_SCHEMAS_MAX * (1 + 2 * SIM_SCHEMA_SHARED_MAX), /* a queue: as many */
    SIM_TRACE_ARGS_MAX = 512,   /* a store op's arguments, bytes with the NUL ("..." ends a cut list) */
    SIM_TRACE_RESULT_MAX = 256, /* a result, bytes with the NUL */
};

typedef enum sim_trace_kind {
    SIM_TRACE_OP,       /* a thread performed its pending op (a RUN or FAULT decision) */
    SIM_TRACE_DECISION, /* a decision that is no op: advance, wall step, pause, crash, restart */
    SIM_TRACE_JUMP,     /* every thread waited: virtual time jumped */
} sim_trace_kind;

typedef struct sim_trace_lease {
    char key[LK_KEY_MAX];               /* the lock key (a lease schema's exclusive key or sorted set) */
    char holder[SIM_SCHEMA_MEMBER_MAX]; /* watched key: the holder thread's name; schema: the stored token */
    int64_t deadline_ms;                /* its end by the server's clock, ms since the run's epoch; -1: no TTL */
    int shared;                         /* 1: a shared holder (a reader) */
    int scripted;                       /* 1: read from a lease schema (holder is a token) */
    int queued;                         /* k > 0: not a holder but the k-th waiter in the schema's queue */
} sim_trace_lease;

typedef struct sim_trace_event {
    sim_trace_kind kind;
    int step;                      /* the decision's number (0 for a jump) */
    int line;                      /* its schedule-file line, 0 when unknown */
    int64_t time_ns;               /* virtual time, since the run's start (a jump: where it lands) */
    int64_t server_ms;             /* the server's clock, ms since the run's epoch (a store op: its apply instant) */
    int thread;                    /* OP: the thread; PAUSE/CRASH/FAULT: the victim thread; else -1 */
    char who[SIM_NAME_MAX];        /* its name (a crashed process's name), "" when none */
    char op[SIM_NAME_MAX];         /* OP: the op's label ("acquire", "command"); DECISION: its keyword */
    char object[LK_KEY_MAX];       /* OP: its key or object */
    int store;                     /* 1: a store op */
    char args[SIM_TRACE_ARGS_MAX]; /* store op: its arguments ("SET k v PX 1000"-like), else "" */
    char result[SIM_TRACE_RESULT_MAX]; /* OP: the result as the trace line words it */
    char fault[64];                    /* OP: "reply-lost", "conn-error", "late-timeout" or "" */
    char decision[160];                /* DECISION, FAULT: the schedule line's text */
    int lease_count;
    sim_trace_lease lease[SIM_TRACE_LEASES_MAX]; /* every live lease after the step */
    const char *text;                            /* the trace line (borrowed for the callback) */
} sim_trace_event;

/* Fills 'ev' for the step just executed (arguments as sim_trace_step); 'line' is its schedule line or 0. */
void sim_trace_event_step(const sim_run *run, const sim_choice *c, const sim_pending *done, int line,
                          sim_trace_event *ev);
/* Fills 'ev' for an automatic time jump to 'to_ns'. */
void sim_trace_event_jump(const sim_run *run, int64_t to_ns, sim_trace_event *ev);

/* Formats the step just executed ('c', and 'done' for RUN) as one line without newline. Returns its length. */
int sim_trace_step(const sim_run *run, const sim_choice *c, const sim_pending *done, char *buf, size_t cap);
/* Formats an automatic time jump. */
int sim_trace_jump(const sim_run *run, int64_t to_ns, char *buf, size_t cap);
/* Formats virtual time 'ns' as seconds with 6 decimals ("1.500000s"). */
void sim_trace_time(int64_t ns, char *buf, size_t cap);
/* Folds the step just executed into an execution's decision-stream hash and (with its trace line, written to
 * 'line') its trace hash: computed the same way by a strategy and by replay, so a run and the replay of its
 * schedule can be compared. */
void sim_trace_hash_step(uint64_t *stream, uint64_t *trace, const sim_run *run, const sim_choice *c,
                         const sim_pending *done, char *line, size_t cap);
/* The same for an automatic time jump (trace hash only). */
void sim_trace_hash_jump(uint64_t *trace, const sim_run *run, int64_t to_ns, char *line, size_t cap);

#endif
