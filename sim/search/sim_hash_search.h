/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_hash_search.h: the search over states (sim_hash_search.c) as one worker of a parallel search
 * (sim_hash_jobs.c), which forks the workers, shares one visited set between them and combines their results.
 *
 * A parallel search is sound by one rule: a worker cuts a path only at a state whose subtree some worker has
 * finished (or at a state on its own path: a cycle). A state another worker is still exploring is explored again,
 * because a cycle through both workers' paths would otherwise be cut on both sides and never found. A worker that
 * finishes the root has therefore seen, itself or through finished subtrees, the whole space.
 */
#ifndef RACEBED_SIM_SEARCH_SIM_HASH_SEARCH_H
#define RACEBED_SIM_SEARCH_SIM_HASH_SEARCH_H

#include "sim/search/sim_exhaust.h"

/* What the workers of one search share (in memory mapped before they fork). */
typedef struct sim_hash_control {
    int stop;      /* 1: every worker stops (one finished the space, or found a violation that ends the search) */
    int winner;    /* the worker whose violation is reported, -1 none yet */
    int64_t execs; /* executions over all workers, against the budget */
} sim_hash_control;

/* One worker: its index (worker 0 takes the options in the order of a search in one process, the others in an
 * order rotated by the state's fingerprint and their index, so they part at once), the shared set and control. */
typedef struct sim_hash_worker {
    int index, jobs;
    sim_visited *seen;
    sim_hash_control *control;
} sim_hash_worker;

/* The path of the search's first counting violation. */
typedef struct sim_hash_found {
    int32_t *path; /* option indices, 'len' long (malloc'd; NULL: none) */
    int len;
    int cycle; /* a livelock: the depth its repeated state was first reached at, else -1 */
} sim_hash_found;

/* Searches as worker 'w' (NULL: alone, with a visited set of its own) into 'res' (zeroed, bounds resolved);
 * 'found' gets the first counting violation's path. The run is set up and torn down here. */
void sim__hash_search(sim_run *run, const sim_config *cfg, const sim_exhaust_opts *o, sim_exhaust_result *res,
                      const sim_hash_worker *w, sim_hash_found *found);
/* Records 'found' as a schedule into 'first' (a replay). */
void sim__hash_found_record(sim_run *run, const sim_config *cfg, const sim_exhaust_opts *o,
                            const sim_exhaust_result *res, const sim_hash_found *found, sim_schedule *first);

#endif
