/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_verdict.h: where every layer records what it found in an execution: a violation (the first one wins), an
 * allowed-by-design note, a setup error, and the names of the coverage probes (SIM_PROBE_MAP in sim_run.h).
 *
 * Invariant: the first violation of an execution is never overwritten; while the store is rebuilt from its log
 * (run->oracle_silent) nothing is recorded. Messages are truncated to their fixed buffers, never allocated.
 */
#ifndef RACEBED_SIM_RUN_SIM_VERDICT_H
#define RACEBED_SIM_RUN_SIM_VERDICT_H

#include "sim/run/sim_run.h"

/* Records an allowed-by-design note (kept up to SIM_NOTES_MAX, then counted). */
void sim__note(sim_run *run, const char *oracle, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Records a violation unless one is already set. */
void sim__violation(sim_run *run, const char *oracle, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The probe's name and description: static; "?" for an unknown index. */
const char *sim_probe_name(int p);
const char *sim_probe_doc(int p);

#endif
