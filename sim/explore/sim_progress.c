/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_progress.c: the progress line and the real clock of budgets (contract in sim_progress.h).
 */
#define _GNU_SOURCE
#include "sim/explore/sim_progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

double sim_real_clock_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sim_progress_init(sim_progress *p, int wanted) {
    p->on = wanted && isatty(2);
    p->t0_s = sim_real_clock_s();
    p->last_s = 0;
    p->shown = 0;
}

double sim_progress_elapsed(const sim_progress *p) {
    return sim_real_clock_s() - p->t0_s;
}

int sim_progress_due(sim_progress *p) {
    if (!p->on) return 0;
    double s = sim_progress_elapsed(p);
    if (s - p->last_s < 1.0) return 0;
    p->last_s = s;
    return 1;
}

void sim_progress_show(sim_progress *p, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputc('\r', stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    p->shown = 1;
}

void sim_progress_done(sim_progress *p) {
    if (p->shown) fputc('\n', stderr);
    p->shown = 0;
}
