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
#include "sim/run/sim_hash.h"

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
