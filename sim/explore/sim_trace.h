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

/* Formats the step just executed ('c', and 'done' for RUN) as one line without newline. Returns its length. */
int sim_trace_step(const sim_run *run, const sim_choice *c, const sim_pending *done, char *buf, size_t cap);
/* Formats an automatic time jump. */
int sim_trace_jump(const sim_run *run, int64_t to_ns, char *buf, size_t cap);
/* Formats virtual time 'ns' as seconds with 6 decimals ("1.500000s"). */
void sim_trace_time(int64_t ns, char *buf, size_t cap);
/* FNV-1a 64 over 'len' bytes, continuing from 'h' (start with SIM_HASH_INIT). */
#define SIM_HASH_INIT UINT64_C(14695981039346656037)
uint64_t sim_hash_bytes(uint64_t h, const void *data, size_t len);

#endif
