/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_hash_search.c: exhaustive search over states (the SIM_REDUCE_HASH mode of sim_exhaust.h).
 *
 * Depth-first over the same options as the naive enumeration (sim_exhaust_options), but at each decision point the
 * state's fingerprint (sim_state.h) goes into a visited set first: a state seen before has had its whole subtree
 * explored already, so the path is cut there. A point with options left keeps a snapshot; the next option restores
 * it and goes on, so a transition costs one step, not a replay from the root.
 *
 * Counting: the visited set keeps, for each state, the number of paths below it (1 + that number, 0 while it is
 * still being explored), so the search also reports how many executions the naive enumeration would run. A
 * revisit of a state still being explored is a cycle: the scheduler could repeat it forever, which the naive search
 * reports as the step bound (a livelock); so does this one.
 *
 * Invariant (soundness): everything that decides a state's future is in its fingerprint: the arena state, which
 * includes the bounds consumed (advances, crashes, wall steps, pauses), plus the search's own state (the last-run
 * thread and the preemptions used, mixed in as 'extra' when preemptions are bounded). The one exception is the
 * number of decisions, which only the step bound reads: the visited set keeps the smallest depth each state was
 * reached at, and a state reached again with more of the bound left is explored again. Two paths reaching one
 * fingerprint therefore have the same subtree, and a cut loses no terminal outcome and no violation; the test in
 * tests/unit/test_sim_reduce.c checks exactly that against the naive enumeration.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/run/sim_verdict.h"
#include "sim/run/sim_arena.h"
#include "sim/search/sim_search_base.h"
#include "sim/search/sim_search_modes.h"

typedef struct hash_frame {
    int64_t snap;    /* offset of the point's snapshot */
    int next, count; /* next option to take, options at the point */
    int last, preemptions;
    sim_fp fp;       /* the point's fingerprint */
    uint64_t paths;  /* naive executions below the point explored so far */
} hash_frame;

enum { HASH_IN_PROGRESS = 0 }; /* a visited-set value: the state's subtree is being explored (it is on the path) */

/* a + b, saturating: the set keeps paths + 1, which must never wrap to 0, the in-progress mark */
static uint64_t hash_paths_add(uint64_t a, uint64_t b) {
    return a > UINT64_MAX - 1 - b ? UINT64_MAX - 1 : a + b;
}

enum { HASH_SNAPSHOT_LIMIT = 1 << 30 }; /* bytes of snapshots along one path */

static uint64_t hash_extra(int last, int preemptions) {
    return ((uint64_t)(uint32_t)(last + 1) << 32) | (uint32_t)preemptions;
}

void sim__exhaust_hash(sim_run *run, const sim_config *cfg, const sim_exhaust_opts *o, sim_exhaust_result *res,
                       sim_schedule *first) {
    int steps_max = (int)cfg->param[sim_param_index(cfg->scenario, "steps_max")];
    int depth_max = o->depth_limit > 0 && o->depth_limit < steps_max ? o->depth_limit : steps_max;
    hash_frame *frame = calloc((size_t)steps_max + 1, sizeof(hash_frame));
    int32_t *path = calloc((size_t)steps_max + 1, sizeof(int32_t));
    int32_t *count = calloc((size_t)steps_max + 1, sizeof(int32_t));
    int32_t *first_path = calloc((size_t)steps_max + 1, sizeof(int32_t));
    int first_len = -1;
    sim_snapshots snaps;
    sim_snapshots_init(&snaps, HASH_SNAPSHOT_LIMIT);
    sim_visited seen;
    sim_visited_init(&seen, o->states_max ? o->states_max : (size_t)64 << 20);
    seen.with_values = 1;
    uint64_t root_paths = 0;
    size_t snap_peak = 0;
    if (frame == NULL || path == NULL || count == NULL || first_path == NULL) {
        res->stopped = "out of memory";
        goto done;
    }
    sim_exec_args a = {cfg->scenario, cfg->variant, cfg->param, o->seed, 0, 0, NULL};
    sim_arena_zero_stacks(run); /* stack bytes earlier runs left must not split this search's states */
    sim_end end = sim_exec_begin(run, &a);
    if (end != SIM_END_PASS) {
        res->setup_failed = 1;
        goto done;
    }
    if (!sim_state_supported(run)) {
        res->stopped = "state snapshots need the x86-64 fiber switch and the model store";
        sim_exec_teardown(run);
        goto done;
    }
    const sim_chooser no_chooser = {NULL, NULL, NULL, NULL};
    int enabled[SIM_THREADS_MAX];
    sim_option opt[SIM_OPTIONS_MAX];
    int depth = 0, last = -1, preemptions = 0;
    sim_progress pr;
    sim_progress_init(&pr, o->progress); /* real time for the progress line only */
    for (;;) {
        int n = sim_exec_until_decision(run, &no_chooser, enabled);
        int backtrack = 0;
        if (n == 0 || depth >= depth_max) { /* a terminal state, or the depth limit */
            if (n == 0) {
                end = sim_exec_finish(run);
                res->execs++;
                res->steps += run->step;
                if (o->outcomes && sim_visited_add(o->outcomes, sim_state_outcome(run), 0) > 0) res->outcomes++;
                if (end == SIM_END_VIOLATION && sim__exhaust_violated(res, o, run->violation.oracle)) {
                    if (res->violations++ == 0) { /* recorded by a replay once the search is over */
                        res->first = run->violation;
                        memcpy(first_path, path, sizeof(int32_t) * (size_t)depth);
                        first_len = depth;
                    }
                    if (!o->keep_going) break;
                }
            } else {
                res->cut_by_depth = 1;
                res->execs++;
                res->steps += run->step;
            }
            if (depth > 0)
                frame[depth - 1].paths = hash_paths_add(frame[depth - 1].paths, 1);
            else
                root_paths = 1; /* the run needs no decision at all */
            backtrack = 1;
        } else {
            /* without a preemption bound, the last thread and the preemptions used change no future; past the
             * depths the visited set can hold, the depth itself goes into the fingerprint */
            uint64_t extra = o->preemptions_max < 0 ? 0 : hash_extra(last, preemptions);
            if (steps_max > SIM_VISITED_DEPTH_MAX) extra ^= (uint64_t)depth << 40;
            sim_fp fp = sim_state_fingerprint(run, extra);
            int added = sim_visited_add(&seen, fp, depth);
            if (added < 0) {
                res->stopped = "the visited-state table is full (raise --states-max)";
                break;
            }
            if (added == 0) {
                res->revisits++;
                uint64_t below = *sim_visited_value(&seen, fp);
                if (below == HASH_IN_PROGRESS) { /* a cycle: a livelock, as the naive search's step bound finds it */
                    sim__violation(run, "step_bound",
                                   "livelock: the state after %d decisions repeats a state of this path (the "
                                   "scheduler can repeat the cycle forever)",
                                   depth);
                    res->execs++;
                    if (sim__exhaust_violated(res, o, "step_bound") && res->violations++ == 0) {
                        res->first = run->violation;
                        memcpy(first_path, path, sizeof(int32_t) * (size_t)depth);
                        first_len = depth;
                    }
                    if (res->violations && !o->keep_going) break;
                    below = 1;
                }
                if (depth > 0) frame[depth - 1].paths = hash_paths_add(frame[depth - 1].paths, below - 1);
                backtrack = 1;
            } else {
                *sim_visited_value(&seen, fp) = HASH_IN_PROGRESS;
                res->states++;
                int k = sim_exhaust_options(run, enabled, n, last, preemptions, o->preemptions_max, opt);
                hash_frame *f = &frame[depth];
                f->snap = k > 1 ? sim_state_save(run, &snaps) : -1;
                if (k > 1 && f->snap < 0) {
                    res->stopped = "snapshot memory limit reached (1 GiB along one path)";
                    break;
                }
                if (snaps.len > snap_peak) snap_peak = snaps.len;
                f->next = 1;
                f->count = k;
                f->last = last;
                f->preemptions = preemptions;
                f->fp = fp;
                f->paths = 0;
                path[depth] = 0;
                count[depth] = k;
                sim_choice c;
                sim_option_choice(&opt[0], enabled, n, &last, &preemptions, &c);
                depth++;
                sim_exec_apply(run, &c);
            }
        }
        if (!backtrack) continue;
        sim__exhaust_probes(res, run); /* a terminal or a cut path: what it reached on the way */
        if (res->execs >= o->execs_max) break;
        if (pr.on && (res->execs & 63) == 0)
            sim__exhaust_progress(&pr, res->execs, res->states, sim_exhaust_fraction(path, count, depth), depth,
                                  res->violations);
        /* the deepest point with an option left: restore it and take that option */
        while (depth > 0 && frame[depth - 1].next >= frame[depth - 1].count) {
            depth--;
            if (frame[depth].snap >= 0) sim_snapshots_truncate(&snaps, frame[depth].snap);
            *sim_visited_value(&seen, frame[depth].fp) = hash_paths_add(frame[depth].paths, 1);
            if (depth > 0)
                frame[depth - 1].paths = hash_paths_add(frame[depth - 1].paths, frame[depth].paths);
            else
                root_paths = frame[0].paths;
        }
        if (depth == 0) {
            res->complete = 1;
            res->naive_execs = (int64_t)(root_paths > INT64_MAX ? INT64_MAX : root_paths);
            break;
        }
        hash_frame *f = &frame[depth - 1];
        sim_state_restore(run, &snaps, f->snap);
        last = f->last;
        preemptions = f->preemptions;
        n = sim_exec_until_decision(run, &no_chooser, enabled); /* at a decision point: only recomputes 'enabled' */
        int k = sim_exhaust_options(run, enabled, n, last, preemptions, o->preemptions_max, opt);
        if (k != f->count) { /* cannot happen: a restored state offers what it offered */
            res->stopped = "internal error: a restored state differs from its snapshot";
            break;
        }
        path[depth - 1] = f->next;
        sim_choice c;
        sim_option_choice(&opt[f->next++], enabled, n, &last, &preemptions, &c);
        sim_exec_apply(run, &c);
    }
    sim_exec_teardown(run);
    sim_progress_done(&pr);
    if (first && first_len >= 0) sim_exhaust_record(run, cfg, o->seed, o->preemptions_max, first_path, first_len, first);
done:
    res->memory_bytes = sim_visited_bytes(&seen) + snap_peak;
    sim_visited_free(&seen);
    sim_snapshots_free(&snaps);
    free(frame);
    free(path);
    free(count);
    free(first_path);
}
