/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_shorter.h: the shrinker's second pass. Deleting decisions (explore/sim_shrink.h) keeps a failing run's shape:
 * its retry rounds, its time advances where they fell. This pass searches for a shorter schedule of the same race
 * outright: a search over states, shortest first, in which only the same oracle counts, seeded with the failing
 * run's seed, and bounded by a budget of executions.
 *
 * Invariant: a schedule it returns is strictly shorter than the one it was given, replays strictly (it is recorded
 * from the search's own path) and violates the same oracle. It never returns anything else; a budget that runs out
 * only means no shorter one was found.
 */
#ifndef RACEBED_SIM_SEARCH_SIM_SHORTER_H
#define RACEBED_SIM_SEARCH_SIM_SHORTER_H

#include "sim/search/sim_exhaust.h"

/* Looks for a schedule of fewer than s->decision_count decisions that violates 'oracle' on 'cfg' with s->seed,
 * exploring the fault kinds 'faults' (sim_faults.h bits, as the run that failed) within at most 'execs_max'
 * executions. With the model store only (a real store's state cannot be snapshot): otherwise it finds nothing.
 * Returns 1 when it found one, which then replaces '*s' (the old one is freed); 0 leaves '*s' as it was. */
int sim_search_shorter(sim_run *run, const sim_config *cfg, sim_schedule *s, const char *oracle, unsigned faults,
                       int64_t execs_max);

#endif
