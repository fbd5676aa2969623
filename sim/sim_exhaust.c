/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_exhaust.c: bounded depth-first enumeration by replay (contract in sim_exhaust.h).
 *
 * A path is the index chosen at each decision point, with the number of options there. An execution follows the
 * current path, extends it with option 0 past its end, and records the option counts; then the deepest point with
 * an untried option is advanced and everything below it dropped. The options at a point are, in order: the enabled
 * threads in index order (only the last-run thread once the preemption budget is spent, if it can go on), then the
 * time-advance targets while the advance budget lasts.
 * Invariant: a point's options depend only on the path above it (the run is a pure function of the path).
 */
#include "sim_exhaust.h"

#include <stdlib.h>
#include <string.h>

typedef struct exhaust_ctx {
    int32_t *choice; /* index chosen at each depth */
    int32_t *count;  /* options at each depth */
    int depth_max;   /* the arrays' length: steps_max + 1 */
    int len;         /* path length known before this execution */
    int preemptions_max;
    int64_t advances_max;
    int last;        /* thread that ran last, -1 none */
    int preemptions; /* used in this execution */
    sim_schedule *capture;
    int shard, shards; /* see sim_exhaust_opts */
} exhaust_ctx;

/* The shard of a path: FNV-1a over its first 'len' choices, mod the shard count. */
static int exhaust_shard_of(const exhaust_ctx *x, int len) {
    uint64_t h = UINT64_C(14695981039346656037);
    for (int i = 0; i < len; i++) h = (h ^ (uint64_t)(uint32_t)x->choice[i]) * UINT64_C(1099511628211);
    return (int)(h % (uint64_t)x->shards);
}

/* Builds the options at the current point: threads, then advance durations (encoded as -1 - k). */
static int exhaust_options(exhaust_ctx *x, const sim_run *run, const int *enabled, int n, int *opt, int64_t *targets) {
    int k = 0, last_enabled = 0;
    for (int i = 0; i < n; i++)
        last_enabled |= enabled[i] == x->last;
    for (int i = 0; i < n; i++)
        if (!(last_enabled && x->preemptions >= x->preemptions_max && enabled[i] != x->last)) opt[k++] = enabled[i];
    if (run->advances < x->advances_max) {
        int t = sim_advance_targets(run, targets, 8);
        for (int i = 0; i < t; i++)
            opt[k++] = -1 - i;
    }
    return k;
}

static int exhaust_decide(void *ctx, sim_run *run, const int *enabled, int n, sim_choice *out) {
    exhaust_ctx *x = ctx;
    int opt[SIM_THREADS_MAX + 8];
    int64_t targets[8];
    int k = exhaust_options(x, run, enabled, n, opt, targets);
    int d = run->step;
    if (d >= x->depth_max) return -1;
    if (x->shards > 1 && d == SIM_SHARD_DEPTH && exhaust_shard_of(x, d) != x->shard) return -1; /* not ours */
    if (d >= x->len) {
        x->choice[d] = 0;
        x->count[d] = k;
        x->len = d + 1;
    }
    if (x->choice[d] >= k) return -1; /* cannot happen: the run is a pure function of the path */
    int o = opt[x->choice[d]];
    memset(out, 0, sizeof(*out));
    out->proc = -1;
    if (o >= 0) {
        out->kind = SIM_DEC_RUN;
        out->thread = o;
        int last_enabled = 0;
        for (int i = 0; i < n; i++)
            last_enabled |= enabled[i] == x->last;
        if (last_enabled && o != x->last) x->preemptions++;
        x->last = o;
    } else {
        out->kind = SIM_DEC_ADVANCE;
        out->duration_ns = targets[-1 - o];
        out->thread = -1;
    }
    if (x->capture) sim_schedule_capture(x->capture, run, out);
    return 0;
}

/* Advances the path to the next unexplored leaf; returns 0 when the space is exhausted. */
static int exhaust_backtrack(exhaust_ctx *x, int executed) {
    for (int d = (executed < x->len ? executed : x->len) - 1; d >= 0; d--)
        if (x->choice[d] + 1 < x->count[d]) {
            x->choice[d]++;
            x->len = d + 1;
            return 1;
        }
    return 0;
}

static sim_end exhaust_run(sim_run *run, const sim_config *cfg, const sim_exhaust_opts *o, exhaust_ctx *x) {
    x->last = -1;
    x->preemptions = 0;
    sim_chooser ch = {x, exhaust_decide, NULL, NULL};
    sim_exec_args a = {cfg->scenario, cfg->variant, cfg->param, o->seed, 0, 0, cfg->backend};
    return sim_execute(run, &a, &ch);
}

void sim_exhaust(sim_run *run, const sim_config *cfg, const sim_exhaust_opts *o, sim_exhaust_result *res,
                 sim_schedule *first) {
    memset(res, 0, sizeof(*res));
    exhaust_ctx x;
    memset(&x, 0, sizeof(x));
    x.depth_max = (int)cfg->param[sim_param_index(cfg->scenario, "steps_max")] + 1;
    x.choice = calloc((size_t)x.depth_max, sizeof(int32_t));
    x.count = calloc((size_t)x.depth_max, sizeof(int32_t));
    x.preemptions_max = o->preemptions_max;
    x.shard = o->shard;
    x.shards = o->shards;
    x.advances_max = cfg->param[sim_param_index(cfg->scenario, "advances_max")];
    if (x.choice == NULL || x.count == NULL) goto done;
    for (;;) {
        if (res->execs >= o->execs_max) break;
        sim_end end = exhaust_run(run, cfg, o, &x);
        /* another shard's path: cut at the shard depth, or a short path whose whole hash is not ours */
        int foreign = x.shards > 1 && ((end == SIM_END_ABORTED && run->step == SIM_SHARD_DEPTH) ||
                                       (run->step < SIM_SHARD_DEPTH && exhaust_shard_of(&x, run->step) != x.shard));
        if (foreign) {
            if (!exhaust_backtrack(&x, run->step)) {
                res->complete = 1;
                break;
            }
            continue;
        }
        res->execs++;
        res->steps += run->step;
        if (end == SIM_END_SETUP || end == SIM_END_BACKEND) {
            res->setup_failed = 1;
            break;
        }
        if (end == SIM_END_VIOLATION && res->violations++ == 0) {
            res->first = run->violation;
            if (first) { /* the same path again, recorded */
                int32_t *keep = malloc(sizeof(int32_t) * (size_t)x.depth_max);
                if (keep) memcpy(keep, x.choice, sizeof(int32_t) * (size_t)x.depth_max);
                int len = x.len;
                sim_schedule_header(first, cfg, o->seed, "exhaustive");
                x.capture = first;
                exhaust_run(run, cfg, o, &x);
                x.capture = NULL;
                first->expect = SIM_EXPECT_VIOLATION;
                lk__copy_str(first->expect_oracle, sizeof(first->expect_oracle), run->violation.oracle);
                if (keep) memcpy(x.choice, keep, sizeof(int32_t) * (size_t)x.depth_max);
                x.len = len;
                free(keep);
            }
        }
        if (res->violations && !o->keep_going) break;
        if (!exhaust_backtrack(&x, run->step)) {
            res->complete = 1;
            break;
        }
    }
done:
    free(x.choice);
    free(x.count);
}
