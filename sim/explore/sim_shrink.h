/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_shrink.h: shrinking a failing schedule (design.md §9): fewer decisions, fewer time and fault decisions, the
 * same violated oracle and the same thread names.
 *
 * Candidates are made by deleting decisions from the schedule (fault and time decisions one by one first, then runs
 * of 'run' decisions in halving chunks, as in delta debugging) and replayed leniently (a decision that no longer
 * fits falls back to the seeded default). A candidate is kept when it violates the same oracle; its execution, as
 * actually run, is re-recorded as a strict schedule, which must be shorter (or as long with fewer time and fault
 * decisions). So the result replays strictly, never grows, and keeps the verdict.
 */
#ifndef RACEBED_SIM_SIM_SHRINK_H
#define RACEBED_SIM_SIM_SHRINK_H

#include "sim/explore/sim_explore.h"

typedef struct sim_shrink_result {
    int before;  /* decisions in the input */
    int after;   /* decisions in the result */
    int replays; /* candidate replays tried */
} sim_shrink_result;

/* Shrinks 'in' (which must violate 'oracle' on 'cfg') into 'out' (initialized by the caller; gets header,
 * decisions and the expect line). At most 'replays_max' replays. Returns 0, or -1 if 'in' does not reproduce its
 * violation (then 'out' is a copy of what the input does, if anything). */
int sim_shrink(sim_run *run, const sim_config *cfg, const sim_schedule *in, const char *oracle, int replays_max,
               sim_schedule *out, sim_shrink_result *res);

#endif
