/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_verdict.c: violations, notes, setup errors and probe names of an execution (contract in sim_verdict.h; the
 * public halves, sim_violation and sim_setup_error, are declared in sim_scenario.h).
 */
#include "sim/run/sim_verdict.h"

#include <stdarg.h>
#include <stdio.h>

static const char *const probe_names[] = {
#define X(name, label, doc) label,
    SIM_PROBE_MAP(X)
#undef X
};
static const char *const probe_docs[] = {
#define X(name, label, doc) doc,
    SIM_PROBE_MAP(X)
#undef X
};

const char *sim_probe_name(int p) {
    return p >= 0 && p < SIM_PROBE_COUNT_ ? probe_names[p] : "?";
}

const char *sim_probe_doc(int p) {
    return p >= 0 && p < SIM_PROBE_COUNT_ ? probe_docs[p] : "?";
}

void sim_setup_error(sim_run *run, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(run->setup_error, sizeof(run->setup_error), fmt, ap);
    va_end(ap);
}


void sim__note(sim_run *run, const char *oracle, const char *fmt, ...) {
    if (run->oracle_silent) return;
    if (run->note_count == SIM_NOTES_MAX) {
        run->notes_dropped++;
        return;
    }
    sim_note *n = &run->note[run->note_count++];
    n->step = run->step;
    lk_copy_str(n->oracle, sizeof(n->oracle), oracle);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(n->msg, sizeof(n->msg), fmt, ap);
    va_end(ap);
}

void sim__violation(sim_run *run, const char *oracle, const char *fmt, ...) {
    if (run->violation.set || run->oracle_silent) return;
    run->violation.set = 1;
    run->violation.step = run->step;
    lk_copy_str(run->violation.oracle, sizeof(run->violation.oracle), oracle);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(run->violation.msg, sizeof(run->violation.msg), fmt, ap);
    va_end(ap);
}

void sim_violation(sim_run *run, const char *oracle, const char *fmt, ...) {
    if (run->violation.set) return;
    char msg[SIM_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    sim__violation(run, oracle, "%s", msg);
}
