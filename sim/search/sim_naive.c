/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_naive.c: the naive exhaustive mode: every path of option indices, each replayed from the root (the reference
 * the reductions must agree with). The one mode that shards and checkpoints.
 * Invariant: a path is explored at most once; the shards' union is the whole search.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/sim_guard.h"
#include "sim/search/sim_checkpoint.h"
#include "sim/search/sim_search_base.h"
#include "sim/search/sim_search_modes.h"
#include "sim/search/sim_symmetry.h"

/* Resumes from o->checkpoint if it exists and describes this search; returns 1 if the search is already complete. */
static int naive_resume(const sim_exhaust_opts *o, const sim_config *cfg, sim_path *x, sim_exhaust_result *res) {
    sim_exhaust_state st;
    if (!sim__exhaust_load(o, cfg, res, &st)) return 0;
    int fits = st.len < x->depth_max;
    if (fits) {
        memcpy(x->choice, st.choice, sizeof(int32_t) * (size_t)st.len);
        memcpy(x->count, st.count, sizeof(int32_t) * (size_t)st.len);
        x->len = st.len;
        sim__exhaust_resumed(&st, res);
    }
    sim_exhaust_state_free(&st);
    return fits && res->complete;
}

void sim__exhaust_naive(sim_run *run, const sim_config *cfg, const sim_exhaust_opts *o, sim_exhaust_result *res,
                        sim_schedule *first) {
    sim_path x;
    memset(&x, 0, sizeof(x));
    x.depth_max = (int)cfg->param[sim_param_index(cfg->scenario, "steps_max")] + 1;
    if (o->depth_limit > 0 && o->depth_limit < x.depth_max) x.depth_max = o->depth_limit;
    x.choice = calloc((size_t)x.depth_max + 1, sizeof(int32_t));
    x.count = calloc((size_t)x.depth_max + 1, sizeof(int32_t));
    x.bounds = &res->bounds;
    x.shard = o->shard;
    x.shards = o->shards;
    if (x.choice == NULL || x.count == NULL) goto done;
    if (o->checkpoint && naive_resume(o, cfg, &x, res)) { /* complete already: one execution names its threads */
        x.len = 0;
        sim__path_run(run, cfg, o->seed, &x);
        goto done;
    }
    int64_t budget_end = res->execs + o->execs_max; /* a resumed search gets the whole budget again */
    sim_progress pr;
    sim_progress_init(&pr, o->progress); /* real time for the progress line only, never inside an execution */
    for (;;) {
        if (res->execs >= budget_end) break;
        if (sim__exhaust_must_stop(o, res)) break; /* SIGINT or --budget: the verdict says INCOMPLETE */
        if (pr.on && (res->execs & 255) == 0)
            sim__exhaust_progress(&pr, res->execs, -1, sim_exhaust_fraction(x.choice, x.count, x.len), x.len,
                                  res->violations);
        if (o->checkpoint && res->execs > 0 && o->checkpoint_every > 0 && res->execs % o->checkpoint_every == 0)
            if (sim__exhaust_save(run, o, cfg, res, x.choice, x.count, x.len) !=
                0) { /* a search whose progress cannot be kept stops */
                res->stopped = res->checkpoint_error;
                break;
            }
        sim_end end = sim__path_run(run, cfg, o->seed, &x);
        /* another shard's path: cut at the shard depth, or a path no longer than that whose whole hash is not ours
         * (a path that ends at exactly the shard depth is one shard's, like a shorter one) */
        int foreign = x.shards > 1 && run->step <= SIM_SHARD_DEPTH && sim__path_shard_of(&x, run->step) != x.shard;
        if (foreign) {
            if (!sim__path_backtrack(&x, run->step)) {
                res->complete = 1;
                break;
            }
            continue;
        }
        res->execs++;
        res->steps += run->step;
        sim__exhaust_probes(res, run);
        if (end == SIM_END_SETUP || end == SIM_END_BACKEND) {
            res->setup_failed = 1;
            break;
        }
        if (o->outcomes && end != SIM_END_ABORTED && !(o->outcomes_sym && end == SIM_END_VIOLATION) &&
            sim_visited_add(o->outcomes, o->outcomes_sym ? sim_state_outcome_sym(run, NULL) : sim_state_outcome(run),
                            0) > 0)
            res->outcomes++;
        if (end == SIM_END_VIOLATION && sim__exhaust_violated(res, o, run->violation.oracle) &&
            res->violations++ == 0) {
            res->first = run->violation;
            if (first) sim_exhaust_record(run, cfg, o->seed, &res->bounds, x.choice, run->step, first);
        }
        if (!sim__path_backtrack(&x, run->step)) {
            res->complete = 1;
            break;
        }
        if (res->violations && !o->keep_going) break;
    }
    res->cut_by_depth = x.cut;
    res->points = x.points;
    res->options_sum = x.options_sum;
    res->options_max = x.options_max;
    if (o->checkpoint)
        sim__exhaust_save(run, o, cfg, res, x.choice, x.count, x.len); /* a failure is in res->checkpoint_error */
    sim_progress_done(&pr);
done:
    free(x.choice);
    free(x.count);
}
