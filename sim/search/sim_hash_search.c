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
 *
 * Shards (--shard i/N): a path belongs to the shard of its first SIM_SHARD_DEPTH options, as in the naive search.
 * Above that depth a sharded search stores no state (a state cut there would take the other shards' paths below
 * it along); from there down, each of its prefixes gets a search over states of its own shard's visited set. The
 * shards' union is the whole space; their states overlap, which their sum over one search's count measures.
 * Workers (--jobs, sim_hash_search.h) share one visited set.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/sim_guard.h"
#include "sim/run/sim_verdict.h"
#include "sim/run/sim_arena.h"
#include "sim/search/sim_census.h"
#include "sim/search/sim_hash_search.h"
#include "sim/search/sim_search_base.h"
#include "sim/search/sim_search_modes.h"
#include "sim/search/sim_symmetry.h"

_Static_assert(SIM_SYM_FALLBACK_COUNT_ <= 16, "sim_exhaust_result.sym_states holds 16 counts");

typedef struct hash_frame {
    int64_t snap;    /* offset of the point's snapshot */
    int next, count; /* options taken so far, options at the point */
    int rot;         /* the option taken n-th is (rot + n) mod count (a worker's own order) */
    int stored;      /* 1: the point's state is in the visited set (not above a shard's depth) */
    int last, preemptions;
    sim_fp fp;      /* the point's fingerprint */
    unsigned char perm[SIM_THREADS_MAX]; /* with symmetry: the renaming its fingerprint was taken under */
    uint64_t paths; /* naive executions below the point explored so far */
} hash_frame;

enum { HASH_IN_PROGRESS = 0 }; /* a visited-set value: the state's subtree is being explored (it is on the path) */

/* a + b, saturating: the set keeps paths + 1, which must never wrap to 0, the in-progress mark */
static uint64_t hash_paths_add(uint64_t a, uint64_t b) {
    return a > UINT64_MAX - 1 - b ? UINT64_MAX - 1 : a + b;
}

enum {
    HASH_SNAPSHOT_LIMIT = 1 << 30, /* bytes of snapshots along one path */
    HASH_CLEAR_BELOW_SP = 4096,    /* dead stack bytes zeroed below a suspended thread's sp (16384 and 65536 merge
                                    * no more states than this in any scenario measured) */
    HASH_SAVE_EVERY = 100,         /* a checkpoint every this many times o->checkpoint_every executions (each is
                                    * far cheaper than the naive search's replay) */
};

static uint64_t hash_extra(int last, int preemptions) {
    return ((uint64_t)(uint32_t)(last + 1) << 32) | (uint32_t)preemptions;
}

/* The search's state: the current path, a frame and a snapshot per decision point on it, the visited set. */
typedef struct hash_search {
    sim_run *run;
    const sim_config *cfg;
    const sim_exhaust_opts *o;
    sim_exhaust_result *res;
    int steps_max, depth_max;
    hash_frame *frame;   /* one per depth of the current path */
    int32_t *path;       /* option taken at each depth (for the progress estimate) */
    int32_t *count;      /* options at each depth */
    int32_t *first_path; /* the first counting violation's path, 'first_len' long (-1: none) */
    int first_len;
    int first_cycle; /* when that violation is a cycle: the depth its repeated state was first reached at */
    sim_snapshots snaps;
    sim_visited own;          /* the visited set of a search alone */
    sim_visited *seen;        /* fingerprint -> 1 + naive paths below it, or HASH_IN_PROGRESS (own, or shared) */
    sim_fp_cache *fp_cache;   /* the parts' bytes and fingerprints, to hash again only what changed */
    sim_fp_cache *end_cache;  /* the same for the outcomes of executions' ends */
    sim_sym_cache *sym, *sym_end; /* with symmetry: the same, up to it (sim_symmetry.h) */
    int perm[SIM_THREADS_MAX];    /* the renaming of the last fingerprint */
    const sim_hash_worker *w; /* NULL: alone */
    uint64_t root_paths;      /* naive paths below the root */
    size_t snap_peak;         /* snapshot bytes at their peak */
    int depth, last, preemptions;
    int shortest; /* --shortest: branch and bound on the depth (below) */
    int enabled[SIM_THREADS_MAX];
    sim_option opt[SIM_OPTIONS_MAX];
} hash_search;

/* What a step of the search does next: stop, go back (a path ended), go on down, or go back from a path of another
 * shard (not counted). */
enum { HASH_STOP = -1, HASH_BACKTRACK = 0, HASH_DESCEND = 1, HASH_NOT_OURS = 2 };

/* A 64-bit mix (a worker's rotation of the options at a state). */
static uint64_t hash_mix(uint64_t k) {
    k ^= k >> 33;
    k *= UINT64_C(0xFF51AFD7ED558CCD);
    k ^= k >> 33;
    return k;
}

/* The search's first counting violation: remembers it and its path (recorded by a replay once the search is over). */
static void hash_violation_found(hash_search *h) {
    h->res->first = h->run->violation;
    memcpy(h->first_path, h->path, sizeof(int32_t) * (size_t)h->depth);
    h->first_len = h->depth;
    if (h->w == NULL) return;
    int none = -1; /* the first worker to find one is the one reported */
    __atomic_compare_exchange_n(&h->w->control->winner, &none, h->w->index, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

/* With --shortest, one search over states bounds the depth by the shortest violation found so far: each one found
 * (a shorter one, since every path from then on is cut below it) becomes the one reported, and the search goes on
 * with its depth bound one less. A state is cut only where it was reached before at a depth no greater, and from
 * there every path within the bound then (never a smaller one) was searched: a violation below it at depth D was
 * found from there at depth D or less. So when the search ends complete, no violation is shorter than the last one
 * found. Unlike iterative deepening (sim_exhaust.c) it searches a state again only where a shorter path to it turns
 * up, not once per depth. */
static void hash_shorter_found(hash_search *h, int cycle) {
    h->res->violations++;
    hash_violation_found(h); /* alone (no workers): only the violation and its path */
    h->first_cycle = cycle;
    h->res->depth_reached = h->depth;
    h->depth_max = h->depth - 1;
}

/* 1 if the path of a sharded search belongs to another shard (decided by its first SIM_SHARD_DEPTH options). */
static int hash_other_shard(const hash_search *h) {
    return h->o->shards > 1 && sim__choices_shard(h->path, h->depth, h->o->shards) != h->o->shard;
}

/* A terminal state (no thread enabled, 'n' 0) or the depth limit: one naive execution ends here. */
static int hash_leaf(hash_search *h, int n) {
    sim_run *run = h->run;
    sim_exhaust_result *res = h->res;
    if (h->depth <= SIM_SHARD_DEPTH && hash_other_shard(h)) return HASH_NOT_OURS; /* a short path of another shard */
    res->execs++;
    res->steps += run->step;
    if (n == 0) {
        sim_end end = sim_exec_finish(run);
        if (h->o->outcomes && !(h->o->outcomes_sym && end == SIM_END_VIOLATION) &&
            sim_visited_add(h->o->outcomes,
                            h->sym_end ? sim_state_outcome_sym(run, h->sym_end)
                                       : sim_state_outcome_cached(run, h->end_cache),
                            0) > 0)
            res->outcomes++;
        if (end == SIM_END_VIOLATION && sim__exhaust_violated(res, h->o, run->violation.oracle)) {
            if (h->shortest) {
                hash_shorter_found(h, -1);
            } else {
                if (res->violations++ == 0) hash_violation_found(h);
                if (!h->o->keep_going) return HASH_STOP;
            }
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

/* The depth at which the current path passed through state 'fp', or -1. */
static int hash_on_path(const hash_search *h, sim_fp fp) {
    for (int d = 0; d < h->depth; d++)
        if (h->frame[d].stored && h->frame[d].fp.lo == fp.lo && h->frame[d].fp.hi == fp.hi) return d;
    return -1;
}

/* 1 if the state on the path at depth 'd' was fingerprinted under the renaming of the current state: then the two
 * are equal (R_sigma is one-to-one), not just renamings of each other. */
static int hash_same_perm(const hash_search *h, int d) {
    for (int t = 0; t < SIM_THREADS_MAX; t++)
        if (h->frame[d].perm[t] != (unsigned char)h->perm[t]) return 0;
    return 1;
}

/* A state seen before: its subtree is explored (or it is on the path at depth 'start': a cycle, a livelock). */
static int hash_revisit(hash_search *h, uint64_t below, int start) {
    sim_exhaust_result *res = h->res;
    res->revisits++;
    if (start >= 0) { /* a cycle: a livelock, as the naive search's step bound finds it */
        sim__violation(h->run, "step_bound",
                       "livelock: the state after %d decisions repeats the state after %d (the scheduler can "
                       "repeat the cycle forever)",
                       h->depth, start);
        res->execs++;
        if (sim__exhaust_violated(res, h->o, "step_bound")) {
            if (h->shortest) {
                hash_shorter_found(h, start);
            } else if (res->violations++ == 0) {
                hash_violation_found(h);
                h->first_cycle = start;
            }
        }
        if (res->violations && !h->o->keep_going && !h->shortest) return HASH_STOP;
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
    int stored = h->o->shards <= 1 || h->depth >= SIM_SHARD_DEPTH;
    if (h->o->shards > 1 && h->depth == SIM_SHARD_DEPTH && hash_other_shard(h)) return HASH_NOT_OURS;
    sim_fp fp = {0, 0};
    if (stored) {
        fp = h->o->symmetry ? sim_state_fingerprint_sym(run, extra, h->sym, h->perm)
                            : sim_state_fingerprint_cached(run, extra, h->fp_cache);
        int added = sim_visited_add(h->seen, fp, h->depth);
        if (added < 0) {
            res->stopped = "the visited-state table is full (raise --states-max)";
            return HASH_STOP;
        }
        if (added == 0) {
            uint64_t below = 0;
            sim_visited_get(h->seen, fp, &below);
            int start = below == HASH_IN_PROGRESS ? hash_on_path(h, fp) : -1;
            if (start >= 0 && h->o->symmetry && !hash_same_perm(h, start)) { /* a cycle up to a renaming */
                res->stopped = "a cycle up to a renaming of the symmetric clients: a livelock, whose schedule this "
                               "search cannot write (run again with --symmetry off)";
                return HASH_STOP;
            }
            if (below != HASH_IN_PROGRESS || start >= 0) return hash_revisit(h, below, start);
            res->duplicated++; /* another worker is exploring it: explore it too (sim_hash_search.h) */
        } else if (h->o->census) {
            sim_census_add(h->o->census, run, extra);
        }
    }
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
    f->rot = h->w && h->w->index > 0 && k > 1 ? (int)(hash_mix(fp.lo + (uint64_t)h->w->index) % (uint64_t)k) : 0;
    f->stored = stored;
    f->last = h->last;
    f->preemptions = h->preemptions;
    f->fp = fp;
    for (int t = 0; t < SIM_THREADS_MAX; t++)
        f->perm[t] = (unsigned char)h->perm[t];
    f->paths = 0;
    h->path[h->depth] = f->rot;
    h->count[h->depth] = k;
    sim_choice c;
    sim_option_choice(&h->opt[f->rot], h->enabled, n, &h->last, &h->preemptions, &c);
    h->depth++;
    sim_exec_apply(run, &c);
    return HASH_DESCEND;
}

/* Goes back to the deepest point with an option left, restores it and takes that option. Returns HASH_STOP when the
 * space is exhausted (res->complete) or the restore failed, else HASH_DESCEND. */
static int hash_next_option(hash_search *h) {
    sim_run *run = h->run;
    sim_exhaust_result *res = h->res;
    /* a point at depth depth_max or deeper has nothing within the bound left (a shortest search lowered it) */
    while (h->depth > 0 &&
           (h->frame[h->depth - 1].next >= h->frame[h->depth - 1].count || h->depth - 1 >= h->depth_max)) {
        h->depth--;
        hash_frame *f = &h->frame[h->depth];
        if (f->snap >= 0) sim_snapshots_truncate(&h->snaps, f->snap);
        if (f->stored) sim_visited_set(h->seen, f->fp, h->depth, hash_paths_add(f->paths, 1));
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
    int at = (f->rot + f->next++) % f->count;
    h->path[h->depth - 1] = at;
    sim_choice c;
    sim_option_choice(&h->opt[at], h->enabled, n, &h->last, &h->preemptions, &c);
    sim_exec_apply(run, &c);
    return HASH_DESCEND;
}

/* 1 if a worker must stop because another ended the search, or the budget over all workers is spent. */
static int hash_worker_stop(hash_search *h, int64_t execs_before) {
    sim_hash_control *ctl = h->w->control;
    int64_t all = __atomic_add_fetch(&ctl->execs, h->res->execs - execs_before, __ATOMIC_RELAXED);
    if (__atomic_load_n(&ctl->stop, __ATOMIC_RELAXED)) {
        h->res->stopped = "another worker ended the search";
        return 1;
    }
    return all >= h->o->execs_max;
}

/* The depth-first loop from the initial state (set up, at its first decision point or end). */
static void hash_explore(hash_search *h) {
    const sim_chooser no_chooser = {NULL, NULL, NULL, NULL};
    sim_progress pr;
    sim_progress_init(&pr, h->o->progress && (h->w == NULL || h->w->index == 0)); /* real time: the line only */
    h->last = -1;
    int64_t save_every = HASH_SAVE_EVERY * h->o->checkpoint_every, next_save = save_every;
    for (;;) {
        int64_t execs_before = h->res->execs;
        int n = sim_exec_until_decision(h->run, &no_chooser, h->enabled);
        int step = n == 0 || h->depth >= h->depth_max ? hash_leaf(h, n) : hash_point(h, n);
        if (step == HASH_STOP) break;
        if (step == HASH_DESCEND) continue;
        if (step == HASH_BACKTRACK) sim__exhaust_probes(h->res, h->run); /* a path ended: what it reached */
        if (h->w ? hash_worker_stop(h, execs_before) : h->res->execs >= h->o->execs_max) break;
        if (sim__exhaust_must_stop(h->o, h->res)) break;
        if (h->o->checkpoint && h->w == NULL && save_every > 0 && h->res->execs >= next_save) {
            next_save = h->res->execs + save_every;
            if (sim__exhaust_save(h->run, h->o, h->cfg, h->res, NULL, NULL, 0) != 0) { /* progress cannot be kept */
                h->res->stopped = h->res->checkpoint_error;
                break;
            }
        }
        if (pr.on && (h->res->execs & 63) == 0) /* pruning leaves the rest's size unknown: no estimate */
            sim__exhaust_progress(&pr, h->res->execs, (int64_t)sim_visited_count(h->seen), -1, h->depth,
                                  h->res->violations);
        if (hash_next_option(h) == HASH_STOP) break;
    }
    sim_progress_done(&pr);
}

void sim__hash_search(sim_run *run, const sim_config *cfg, const sim_exhaust_opts *o, sim_exhaust_result *res,
                      const sim_hash_worker *w, sim_hash_found *found) {
    hash_search h;
    memset(&h, 0, sizeof(h));
    h.run = run;
    h.cfg = cfg;
    h.o = o;
    h.res = res;
    h.w = w;
    h.steps_max = (int)cfg->param[sim_param_index(cfg->scenario, "steps_max")];
    h.depth_max = o->depth_limit > 0 && o->depth_limit < h.steps_max ? o->depth_limit : h.steps_max;
    h.shortest = o->shortest;
    res->branch_and_bound = o->shortest;
    h.frame = calloc((size_t)h.steps_max + 1, sizeof(hash_frame));
    h.path = calloc((size_t)h.steps_max + 1, sizeof(int32_t));
    h.count = calloc((size_t)h.steps_max + 1, sizeof(int32_t));
    h.first_path = calloc((size_t)h.steps_max + 1, sizeof(int32_t));
    h.first_len = -1;
    h.first_cycle = -1;
    sim_snapshots_init(&h.snaps, HASH_SNAPSHOT_LIMIT);
    sim_visited_init(&h.own, sim_exhaust_states_max(o));
    h.own.with_values = 1;
    h.seen = w ? w->seen : &h.own;
    h.fp_cache = sim_fp_cache_new(); /* NULL: every part hashed each time */
    h.end_cache = sim_fp_cache_new();
    for (int t = 0; t < SIM_THREADS_MAX; t++)
        h.perm[t] = t;
    if (o->symmetry || o->outcomes_sym) { /* states up to symmetry; outcomes up to it either way */
        h.sym = o->symmetry ? sim_sym_cache_new() : NULL;
        h.sym_end = sim_sym_cache_new();
        if ((o->symmetry && h.sym == NULL) || h.sym_end == NULL) {
            res->stopped = "out of memory";
            goto done;
        }
    }
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
    char no_symmetry[320] = "";
    if ((o->symmetry || o->outcomes_sym) && sim_sym_unsupported(run, no_symmetry, sizeof(no_symmetry)) == 0) {
        if (o->symmetry && o->preemptions_max >= 0) /* the bound's state names the last thread */
            snprintf(no_symmetry, sizeof(no_symmetry), "symmetry needs unbounded preemptions");
        if (o->symmetry && o->oracle) /* the first violation wins, and which is first follows the thread order */
            snprintf(no_symmetry, sizeof(no_symmetry), "symmetry cannot look for one oracle alone: drop --oracle");
    }
    if (no_symmetry[0] != '\0') {
        sim_exec_teardown(run);
        res->setup_failed = 1; /* sim_exhaust reports the run's setup error */
        sim_setup_error(run, "--symmetry on: %s: %s", run->scenario->name, no_symmetry);
        goto done;
    }
    if (o->symmetry) /* "c1, c2, c3" */
        sim__exhaust_thread_names(run, run->symmetry.first, run->symmetry.count, res->symmetric,
                                  sizeof(res->symmetric));
    /* Bytes a step's calls left below a thread's sp are dead, but a later frame's unset slots would carry them into
     * the fingerprint: equal states would differ by what the paths to them left there (fair_queue: 136529 states
     * without this, 115363 with it, the same naive count and outcomes). */
    run->host.clear_below = HASH_CLEAR_BELOW_SP;
    hash_explore(&h);
    run->host.clear_below = 0;
    sim_exec_teardown(run);
    res->states = (int64_t)sim_visited_count(h.seen); /* with workers: the shared set's, combined once */
    if (o->symmetry) {
        sim_sym_stats st = sim_sym_cache_stats(h.sym);
        res->sym_states[0] += st.canonical;
        for (int r = 1; r < SIM_SYM_FALLBACK_COUNT_; r++)
            res->sym_states[r] += st.plain[r];
    }
    if (h.first_len >= 0) {
        found->path = h.first_path;
        found->len = h.first_len;
        found->cycle = h.first_cycle;
        h.first_path = NULL;
    }
    if (w && (res->complete || (res->violations && !o->keep_going)))
        __atomic_store_n(&w->control->stop, 1, __ATOMIC_SEQ_CST);
done:
    res->memory_bytes = (w ? 0 : sim_visited_bytes(&h.own)) + h.snap_peak;
    sim_visited_free(&h.own);
    sim_snapshots_free(&h.snaps);
    sim_fp_cache_free(h.fp_cache);
    sim_fp_cache_free(h.end_cache);
    sim_sym_cache_free(h.sym);
    sim_sym_cache_free(h.sym_end);
    free(h.frame);
    free(h.path);
    free(h.count);
    free(h.first_path);
}

void sim__hash_found_record(sim_run *run, const sim_config *cfg, const sim_exhaust_opts *o,
                            const sim_exhaust_result *res, const sim_hash_found *found, sim_schedule *first) {
    if (first == NULL || found->path == NULL) return;
    sim_exhaust_record(run, cfg, o->seed, &res->bounds, found->path, found->len, first);
    if (found->cycle >= 0 && found->cycle < found->len) { /* the prefix, then the cycle forever */
        first->repeat = found->len - found->cycle;
        first->expect = SIM_EXPECT_VIOLATION;
        lk_copy_str(first->expect_oracle, sizeof(first->expect_oracle), "step_bound");
    }
}
