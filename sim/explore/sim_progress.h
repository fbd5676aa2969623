/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_progress.h: the progress line of a long run on a terminal ("[progress] ... executions, ... exec/s"), redrawn
 * at most once a second on stderr, and the real clock that budgets in seconds read.
 *
 * This is the one module outside cli/ that prints (layout.md), and with the budgets, the one place a search reads
 * real time: never inside an execution, so nothing here reaches a simulated run.
 * Invariant: with 'on' 0 (not asked for, or stderr is not a terminal) nothing is ever printed.
 */
#ifndef RACEBED_SIM_EXPLORE_SIM_PROGRESS_H
#define RACEBED_SIM_EXPLORE_SIM_PROGRESS_H

typedef struct sim_progress {
    int on;       /* 1: lines are drawn (asked for, and stderr is a terminal) */
    double t0_s;  /* real monotonic time at init, s */
    double last_s; /* elapsed time of the last line, s (0: none yet) */
    int shown;    /* 1 once a line was drawn */
} sim_progress;

/* Real monotonic seconds, for budgets and rates (never for a simulated run). */
double sim_real_clock_s(void);
/* Starts the clock; the line is on if 'wanted' and stderr is a terminal. */
void sim_progress_init(sim_progress *p, int wanted);
/* Real seconds since init. */
double sim_progress_elapsed(const sim_progress *p);
/* 1 if the line is on and a second passed since the last one (the caller then draws it with sim_progress_show). */
int sim_progress_due(sim_progress *p);
/* Redraws the line with the text 'fmt'. */
void sim_progress_show(sim_progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Ends the line with a newline if one was drawn. */
void sim_progress_done(sim_progress *p);

#endif
