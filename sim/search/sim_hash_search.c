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

#include "sim/engine/sim_guard.h"
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

/* The search's state: the current path, a frame and a snapshot per decision point on it, the visited set. */
typedef struct hash_search {
    sim_run *run;
    const sim_exhaust_opts *o;
    sim_exhaust_result *res;
    int steps_max, depth_max;
    hash_frame *frame;    /* one per depth of the current path */
    int32_t *path;        /* option taken at each depth (for the progress estimate) */
    int32_t *count;       /* options at each depth */
    int32_t *first_path;  /* the first counting violation's path, 'first_len' long (-1: none) */
    int first_len;
    int first_cycle;      /* when that violation is a cycle: the depth its repeated state was first reached at */
    sim_snapshots snaps;
    sim_visited seen;     /* fingerprint -> 1 + naive paths below it, or HASH_IN_PROGRESS */
    uint64_t root_paths;  /* naive paths below the root */
    size_t snap_peak;     /* snapshot bytes at their peak */
    int depth, last, preemptions;
    int enabled[SIM_THREADS_MAX];
    sim_option opt[SIM_OPTIONS_MAX];
} hash_search;

enum { HASH_STOP = -1, HASH_BACKTRACK = 0, HASH_DESCEND = 1 };

/* The search's first counting violation: remembers it and its path (recorded by a replay once the search is over). */
static void hash_violation_found(hash_search *h) {
    h->res->first = h->run->violation;
    memcpy(h->first_path, h->path, sizeof(int32_t) * (size_t)h->depth);
    h->first_len = h->depth;
}

/* A terminal state (no thread enabled, 'n' 0) or the depth limit: one naive execution ends here. */
static int hash_leaf(hash_search *h, int n) {
    sim_run *run = h->run;
    sim_exhaust_result *res = h->res;
    res->execs++;
    res->steps += run->step;
    if (n == 0) {
        sim_end end = sim_exec_finish(run);
        if (h->o->outcomes && sim_visited_add(h->o->outcomes, sim_state_outcome(run), 0) > 0) res->outcomes++;
        if (end == SIM_END_VIOLATION && sim__exhaust_violated(res, h->o, run->violation.oracle)) {
            if (res->violations++ == 0) hash_violation_found(h);
            if (!h->o->keep_going) return HASH_STOP;
        }
    } else {
        res->cut_by_depth = 1;
    }
    if (h->depth > 0)
        h->frame[h->depth - 1].paths = hash_paths_add(h->frame[h->depth - 1].paths, 1);
    else
        h->root_paths = 1; /* the run needs no decision at all */
    return HASH_BACKTRACK;
}

/* A state seen before: its subtree is explored (or it is on the path: a cycle, a livelock). */
static int hash_revisit(hash_search *h, sim_fp fp) {
    sim_exhaust_result *res = h->res;
    res->revisits++;
    uint64_t below = *sim_visited_value(&h->seen, fp);
    if (below == HASH_IN_PROGRESS) { /* a cycle: a livelock, as the naive search's step bound finds it */
        int start = 0;
        while (start < h->depth && !(h->frame[start].fp.lo == fp.lo && h->frame[start].fp.hi == fp.hi))
            start++;
        sim__violation(h->run, "step_bound",
                       "livelock: the state after %d decisions repeats the state after %d (the scheduler can "
                       "repeat the cycle forever)",
                       h->depth, start);
        res->execs++;
        if (sim__exhaust_violated(res, h->o, "step_bound") && res->violations++ == 0) {
            hash_violation_found(h);
            h->first_cycle = start;
        }
        if (res->violations && !h->o->keep_going) return HASH_STOP;
        below = 1;
    }
    if (h->depth > 0) h->frame[h->depth - 1].paths = hash_paths_add(h->frame[h->depth - 1].paths, below - 1);
    return HASH_BACKTRACK;
}

/* A decision point with 'n' enabled threads: a new state is explored (snapshot if it has options left, then the
 * first option); a known one is cut. */
static int hash_point(hash_search *h, int n) {
    sim_run *run = h->run;
    sim_exhaust_result *res = h->res;
    /* without a preemption bound, the last thread and the preemptions used change no future; past the depths the
     * visited set can hold, the depth itself goes into the fingerprint */
    uint64_t extra = h->o->preemptions_max < 0 ? 0 : hash_extra(h->last, h->preemptions);
    if (h->steps_max > SIM_VISITED_DEPTH_MAX) extra ^= (uint64_t)h->depth << 40;
    sim_fp fp = sim_state_fingerprint(run, extra);
    int added = sim_visited_add(&h->seen, fp, h->depth);
    if (added < 0) {
        res->stopped = "the visited-state table is full (raise --states-max)";
        return HASH_STOP;
    }
    if (added == 0) return hash_revisit(h, fp);
    *sim_visited_value(&h->seen, fp) = HASH_IN_PROGRESS;
    res->states++;
    int k = sim_exhaust_options(run, h->enabled, n, h->last, h->preemptions, &h->res->bounds, h->opt);
    res->points++;
    res->options_sum += k;
    if (k > res->options_max) res->options_max = k;
    hash_frame *f = &h->frame[h->depth];
    f->snap = k > 1 ? sim_state_save(run, &h->snaps) : -1;
    if (k > 1 && f->snap < 0) {
        res->stopped = "snapshot memory limit reached (1 GiB along one path)";
        return HASH_STOP;
    }
    if (h->snaps.len > h->snap_peak) h->snap_peak = h->snaps.len;
    f->next = 1;
    f->count = k;
    f->last = h->last;
    f->preemptions = h->preemptions;
    f->fp = fp;
    f->paths = 0;
    h->path[h->depth] = 0;
    h->count[h->depth] = k;
    sim_choice c;
    sim_option_choice(&h->opt[0], h->enabled, n, &h->last, &h->preemptions, &c);
    h->depth++;
    sim_exec_apply(run, &c);
    return HASH_DESCEND;
}

/* Goes back to the deepest point with an option left, restores it and takes that option. Returns HASH_STOP when the
 * space is exhausted (res->complete) or the restore failed, else HASH_DESCEND. */
static int hash_next_option(hash_search *h) {
    sim_run *run = h->run;
    sim_exhaust_result *res = h->res;
    while (h->depth > 0 && h->frame[h->depth - 1].next >= h->frame[h->depth - 1].count) {
        h->depth--;
        hash_frame *f = &h->frame[h->depth];
        if (f->snap >= 0) sim_snapshots_truncate(&h->snaps, f->snap);
        *sim_visited_value(&h->seen, f->fp) = hash_paths_add(f->paths, 1);
        if (h->depth > 0)
            h->frame[h->depth - 1].paths = hash_paths_add(h->frame[h->depth - 1].paths, f->paths);
        else
            h->root_paths = h->frame[0].paths;
    }
    if (h->depth == 0) {
        res->complete = 1;
        res->naive_execs = (int64_t)(h->root_paths > INT64_MAX ? INT64_MAX : h->root_paths);
        return HASH_STOP;
    }
    hash_frame *f = &h->frame[h->depth - 1];
    sim_state_restore(run, &h->snaps, f->snap);
    h->last = f->last;
    h->preemptions = f->preemptions;
    const sim_chooser no_chooser = {NULL, NULL, NULL, NULL};
    int n = sim_exec_until_decision(run, &no_chooser, h->enabled); /* at a decision point: only 'enabled' */
    int k = sim_exhaust_options(run, h->enabled, n, h->last, h->preemptions, &h->res->bounds, h->opt);
    if (k != f->count) { /* cannot happen: a restored state offers what it offered */
        res->stopped = "internal error: a restored state differs from its snapshot";
        return HASH_STOP;
    }
    h->path[h->depth - 1] = f->next;
    sim_choice c;
    sim_option_choice(&h->opt[f->next++], h->enabled, n, &h->last, &h->preemptions, &c);
    sim_exec_apply(run, &c);
    return HASH_DESCEND;
}

/* The depth-first loop from the initial state (set up, at its first decision point or end). */
static void hash_explore(hash_search *h) {
    const sim_chooser no_chooser = {NULL, NULL, NULL, NULL};
    sim_progress pr;
    sim_progress_init(&pr, h->o->progress); /* real time for the progress line only */
    h->last = -1;
    for (;;) {
        int n = sim_exec_until_decision(h->run, &no_chooser, h->enabled);
        int step = n == 0 || h->depth >= h->depth_max ? hash_leaf(h, n) : hash_point(h, n);
        if (step == HASH_STOP) break;
        if (step == HASH_DESCEND) continue;
        sim__exhaust_probes(h->res, h->run); /* a terminal or a cut path: what it reached on the way */
        if (h->res->execs >= h->o->execs_max) break;
        if (sim__exhaust_must_stop(h->o, h->res)) break;
        if (pr.on && (h->res->execs & 63) == 0)
            sim__exhaust_progress(&pr, h->res->execs, h->res->states, sim_exhaust_fraction(h->path, h->count, h->depth),
                                  h->depth, h->res->violations);
        if (hash_next_option(h) == HASH_STOP) break;
    }
    sim_progress_done(&pr);
}

void sim__exhaust_hash(sim_run *run, const sim_config *cfg, const sim_exhaust_opts *o, sim_exhaust_result *res,
                       sim_schedule *first) {
    hash_search h;
    memset(&h, 0, sizeof(h));
    h.run = run;
    h.o = o;
    h.res = res;
    h.steps_max = (int)cfg->param[sim_param_index(cfg->scenario, "steps_max")];
    h.depth_max = o->depth_limit > 0 && o->depth_limit < h.steps_max ? o->depth_limit : h.steps_max;
    h.frame = calloc((size_t)h.steps_max + 1, sizeof(hash_frame));
    h.path = calloc((size_t)h.steps_max + 1, sizeof(int32_t));
    h.count = calloc((size_t)h.steps_max + 1, sizeof(int32_t));
    h.first_path = calloc((size_t)h.steps_max + 1, sizeof(int32_t));
    h.first_len = -1;
    h.first_cycle = -1;
    sim_snapshots_init(&h.snaps, HASH_SNAPSHOT_LIMIT);
    sim_visited_init(&h.seen, o->states_max ? o->states_max : (size_t)64 << 20);
    h.seen.with_values = 1;
    if (h.frame == NULL || h.path == NULL || h.count == NULL || h.first_path == NULL) {
        res->stopped = "out of memory";
        goto done;
    }
    sim_exec_args a = {cfg->scenario, cfg->variant, cfg->param, o->seed, 0, 0, NULL, cfg->ignore_oracles};
    sim_arena_zero_stacks(run); /* stack bytes earlier runs left must not split this search's states */
    if (sim_exec_begin(run, &a) != SIM_END_PASS) {
        res->setup_failed = 1;
        goto done;
    }
    if (!sim_state_supported(run)) {
        res->stopped = "state snapshots need the x86-64 fiber switch and the model store";
        sim_exec_teardown(run);
        goto done;
    }
    hash_explore(&h);
    sim_exec_teardown(run);
    if (first && h.first_len >= 0) {
        sim_exhaust_record(run, cfg, o->seed, &res->bounds, h.first_path, h.first_len, first);
        if (h.first_cycle >= 0 && h.first_cycle < h.first_len) { /* the prefix, then the cycle forever */
            first->repeat = h.first_len - h.first_cycle;
            first->expect = SIM_EXPECT_VIOLATION;
            lk_copy_str(first->expect_oracle, sizeof(first->expect_oracle), "step_bound");
        }
    }
done:
    res->memory_bytes = sim_visited_bytes(&h.seen) + h.snap_peak;
    sim_visited_free(&h.seen);
    sim_snapshots_free(&h.snaps);
    free(h.frame);
    free(h.path);
    free(h.count);
    free(h.first_path);
}
