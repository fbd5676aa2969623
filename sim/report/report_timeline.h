/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * report_timeline.h: the steps of one replayed execution, kept as data for the report writers (report_html.h). Fed
 * by sim_replay's event callback (sim_trace.h); owns copies of everything it keeps.
 *
 * Invariant: steps are kept in the order they ran, at most REPORT_STEPS_MAX of them; a step past that is counted in
 * 'dropped' (the report says so), never silently lost. Nothing here reads the run: only the events.
 */
#ifndef RACEBED_SIM_REPORT_REPORT_TIMELINE_H
#define RACEBED_SIM_REPORT_REPORT_TIMELINE_H

#include "sim/explore/sim_trace.h"

enum {
    REPORT_STEPS_MAX = 20000,   /* steps a timeline keeps (a report of more would not be read) */
    REPORT_LEASES_MAX = 400000, /* lease rows over all kept steps */
};

typedef struct report_step {
    sim_trace_kind kind;
    int step;                /* the decision's number (0: a time jump) */
    int line;                /* its schedule line, 0 when unknown */
    int64_t time_ns;         /* virtual time since the run's start */
    int64_t server_ms;       /* the server's clock, ms since the run's epoch */
    int thread;              /* the acting or victim thread, -1 none */
    char who[SIM_NAME_MAX];  /* its name (or a crashed process's), "" none */
    char op[SIM_NAME_MAX];   /* op label, or the decision's keyword, or "jump" */
    char object[LK_KEY_MAX]; /* the op's key or object */
    int store;               /* 1: a store op */
    char fault[16];          /* "reply-lost", "conn-error", "late-timeout" or "" */
    char *args;              /* store op's arguments (owned), "" none */
    char *result;            /* the result as the trace words it (owned) */
    char *decision;          /* a decision's schedule text (owned), "" none */
    char *text;              /* the trace line (owned) */
    int lease_first;         /* its leases: timeline->lease[lease_first .. + lease_count) */
    int lease_count;
} report_step;

typedef struct report_timeline {
    report_step *step; /* the kept steps */
    int count;
    int cap;
    sim_trace_lease *lease; /* every kept step's leases after it */
    int lease_count;
    int lease_cap;
    int dropped; /* steps not kept (past REPORT_STEPS_MAX or REPORT_LEASES_MAX) */
    int failed;  /* 1: out of memory (the timeline is incomplete; writers must not pretend otherwise) */
} report_timeline;

/* The sim_replay_opts.event callback: 'ctx' is a zero-initialised report_timeline. */
void report_timeline_add(void *ctx, const sim_trace_event *ev);
/* Frees what the timeline owns; it is empty again. */
void report_timeline_free(report_timeline *t);

#endif
