/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_random.c: the random strategy, PCT, and recording one of its executions (contract in sim_explore.h).
 *
 * The random strategy, at each decision: with probability advance_permille/1000, and while the execution has taken
 * fewer than advances_max advances, it advances time to one of the instants that matter (sim_advance_targets);
 * otherwise it runs an enabled thread chosen uniformly. Its generator is seeded from the execution's seed, apart
 * from the threads' entropy streams.
 * Real time is read here only for the --budget limit and the progress line, never inside an execution.
 */
#define _GNU_SOURCE
#include "sim/engine/sim_guard.h"
#include "sim/engine/sim_pending.h"
#include "sim/run/sim_rng.h"
#include "sim/explore/sim_explore.h"

#include "sim/explore/sim_record.h"
#include "sim/explore/sim_trace.h"

#include "sim/explore/sim_faults.h"
#include "sim/explore/sim_progress.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- the random strategy ---------------------------------------------------------------------------------------- */

typedef struct random_ctx {
    uint64_t rng[4];
    int advance_permille;
    int64_t advances_max;
    unsigned fault_mask;                   /* sim_fault_bit set */
    int pct_depth;                         /* PCT depth d, 0 = uniform random thread choice */
    int64_t pct_change[SIM_PCT_DEPTH_MAX]; /* the d-1 change points: decisions at which the runner is demoted */
    int pct_seen[SIM_THREADS_MAX];         /* 1 once a thread got its priority */
    int64_t pct_prio[SIM_THREADS_MAX];     /* its priority; the highest enabled one runs */
    int pct_next_low;                      /* the next demoted priority (0, 1, ... below every initial one) */
    int crash_at;                          /* crash sweep point, 0 = none */
    int crash_process;
    int fault_permille;
    int64_t faults_max;
    int hash; /* compute hashes */
    uint64_t stream_hash;
    uint64_t trace_hash;
    sim_schedule *capture; /* when recording: append labelled decisions here */
} random_ctx;

/* PCT (Burckhardt et al., ASPLOS 2010): every thread gets a random priority above d when first seen; the highest
 * enabled one runs; at each of the d-1 change points the thread about to run is demoted to a priority below all
 * initial ones (the i-th change point to i). */
static int pct_pick(random_ctx *r, const sim_run *run, const int *enabled, int n) {
    for (int i = 0; i < run->thread_count; i++)
        if (!r->pct_seen[i]) {
            r->pct_seen[i] = 1;
            r->pct_prio[i] = SIM_PCT_DEPTH_MAX + (int64_t)(sim__rng_next(r->rng) % 1000000000);
        }
    int best = enabled[0];
    for (int i = 1; i < n; i++)
        if (r->pct_prio[enabled[i]] > r->pct_prio[best]) best = enabled[i];
    for (int c = 0; c < r->pct_depth - 1; c++)
        if (r->pct_change[c] == run->step + 1) {
            r->pct_prio[best] = r->pct_next_low++;
            best = enabled[0];
            for (int i = 1; i < n; i++)
                if (r->pct_prio[enabled[i]] > r->pct_prio[best]) best = enabled[i];
        }
    return best;
}

static int random_decide(void *ctx, sim_run *run, const int *enabled, int n, sim_choice *out) {
    random_ctx *r = ctx;
    memset(out, 0, sizeof(*out));
    out->kind = SIM_DEC_RUN;
    out->proc = -1;
    if (r->fault_mask && run->faults < r->faults_max && (int)(sim__rng_next(r->rng) % 1000) < r->fault_permille &&
        sim_faults_pick(run, r->fault_mask, r->rng, enabled, n, out))
        goto chosen;
    if (r->advance_permille > 0 && run->advances < r->advances_max &&
        (int)(sim__rng_next(r->rng) % 1000) < r->advance_permille) {
        int64_t targets[8];
        int k = sim_advance_targets(run, targets, 8);
        if (k > 0) {
            out->kind = SIM_DEC_ADVANCE;
            out->duration_ns = targets[sim__rng_next(r->rng) % (uint64_t)k];
            goto chosen;
        }
    }
    out->kind = SIM_DEC_RUN;
    out->thread =
        r->pct_depth ? pct_pick(r, run, enabled, n) : enabled[n == 1 ? 0 : (int)(sim__rng_next(r->rng) % (uint64_t)n)];
    if (r->crash_at && run->step + 1 == r->crash_at) { /* the sweep's crash point: the op does not happen */
        out->kind = SIM_DEC_CRASH;
        if (r->crash_process) {
            out->proc = run->thread[out->thread].proc;
            out->thread = -1;
        }
    }
chosen:
    if (r->capture) sim_schedule_capture(r->capture, run, out);
    return 0;
}

static void random_after(void *ctx, sim_run *run, const sim_choice *c, const sim_pending *done) {
    random_ctx *r = ctx;
    char line[512];
    if (r->hash) sim_trace_hash_step(&r->stream_hash, &r->trace_hash, run, c, done, line, sizeof(line));
}

static void random_jump(void *ctx, sim_run *run, int64_t to_ns) {
    random_ctx *r = ctx;
    char line[512];
    if (r->hash) sim_trace_hash_jump(&r->trace_hash, run, to_ns, line, sizeof(line));
}

static void random_init(random_ctx *r, const sim_config *cfg, uint64_t exec_seed, const sim_random_opts *o) {
    memset(r, 0, sizeof(*r));
    sim__rng_seed(r->rng, exec_seed ^ 0x5DEECE66Dull);
    r->advance_permille = o->advance_permille;
    r->advances_max = cfg->param[sim_param_index(cfg->scenario, "advances_max")];
    r->fault_mask = o->faults;
    r->crash_at = o->crash_at;
    r->crash_process = o->crash_process;
    r->fault_permille = o->fault_permille;
    r->faults_max = cfg->param[sim_param_index(cfg->scenario, "faults_max")];
    r->stream_hash = SIM_HASH_INIT;
    r->trace_hash = SIM_HASH_INIT;
    r->pct_depth = o->pct_depth;
    for (int c = 0; c + 1 < o->pct_depth; c++)
        r->pct_change[c] = 1 + (int64_t)(sim__rng_next(r->rng) % (uint64_t)(o->pct_steps > 0 ? o->pct_steps : 1));
}

static void explore_progress(sim_progress *pr, const sim_random_opts *o, const sim_random_result *res) {
    double dt = sim_progress_elapsed(pr);
    sim_progress_show(pr, "[progress] %lld/%lld executions, %.0f exec/s, %lld violation(s)   ", (long long)res->execs,
                      (long long)o->execs_max, dt > 0 ? (double)res->execs / dt : 0.0, (long long)res->violations);
}

int sim_explore_random(sim_run *run, const sim_config *cfg, const sim_random_opts *o, sim_random_result *res) {
    memset(res, 0, sizeof(*res));
    res->first_exec = -1;
    res->stream_hash = SIM_HASH_INIT;
    res->trace_hash = SIM_HASH_INIT;
    sim_progress pr;
    sim_progress_init(&pr, o->progress);
    for (int64_t i = 0; i < o->execs_max && !(res->interrupted = sim_guard_interrupted()); i++) {
        random_ctx r;
        random_init(&r, cfg, o->seed + (uint64_t)i, o);
        r.hash = o->hash;
        sim_chooser ch = {&r, random_decide, random_after, random_jump};
        sim_exec_args a = sim_config_args(cfg, o->seed + (uint64_t)i, (o->faults >> SIM_FAULT_BIT_RESTART) & 1);
        sim_end end = sim_execute(run, &a, &ch);
        res->execs++;
        res->steps += run->step;
        res->threads = run->thread_count;
        for (int e = 0; e < SIM_EXPECTATIONS_MAX; e++)
            res->unchecked_execs[e] += run->unchecked >> e & 1u;
        for (int p = 0; p < SIM_PROBES_MAX; p++)
            res->probe_execs[p] += run->probe[p];
        if (o->hash) {
            res->stream_hash = sim_hash_bytes(res->stream_hash, &r.stream_hash, sizeof(r.stream_hash));
            res->trace_hash = sim_hash_bytes(res->trace_hash, &r.trace_hash, sizeof(r.trace_hash));
        }
        if (end == SIM_END_SETUP) {
            res->setup_failed++;
            lk_copy_str(res->setup_error, sizeof(res->setup_error), run->setup_error);
            break;
        }
        if (end == SIM_END_BACKEND) {
            res->backend_failed = 1;
            res->first_exec = i;
            lk_copy_str(res->backend_error, sizeof(res->backend_error), run->backend_error);
            break;
        }
        if (end == SIM_END_VIOLATION) {
            if (res->violations++ == 0) {
                res->first_exec = i;
                res->first = run->violation;
                res->first_steps = run->step;
            }
            if (!o->keep_going) break;
        }
        if ((i & 63) == 63 && (o->seconds_max > 0 || pr.on)) {
            if (o->seconds_max > 0 && sim_progress_elapsed(&pr) >= o->seconds_max) break;
            if (sim_progress_due(&pr)) explore_progress(&pr, o, res);
        }
    }
    sim_progress_done(&pr);
    res->seconds = sim_progress_elapsed(&pr);
    return 0;
}

int64_t sim_explore_pct_steps(sim_run *run, const sim_config *cfg, const sim_random_opts *o) {
    sim_random_opts pilot = *o;
    pilot.pct_depth = 0;
    pilot.execs_max = 1;
    pilot.keep_going = 0;
    pilot.hash = 0;
    pilot.progress = 0;
    sim_random_result res;
    sim_explore_random(run, cfg, &pilot, &res);
    return res.steps * 2 > 8 ? res.steps * 2 : 8;
}

sim_end sim_explore_record(sim_run *run, const sim_config *cfg, uint64_t exec_seed, const sim_random_opts *o,
                           const char *strategy, sim_schedule *s, sim_outcome *out) {
    sim_schedule_header(s, cfg, exec_seed, strategy);
    random_ctx r;
    random_init(&r, cfg, exec_seed, o);
    r.capture = s;
    sim_chooser ch = {&r, random_decide, NULL, NULL};
    sim_exec_args a = sim_config_args(cfg, exec_seed, (o->faults >> SIM_FAULT_BIT_RESTART) & 1);
    sim_end end = sim_execute(run, &a, &ch);
    sim_schedule_scripts(s, run);
    if (end == SIM_END_VIOLATION) {
        s->expect = SIM_EXPECT_VIOLATION;
        lk_copy_str(s->expect_oracle, sizeof(s->expect_oracle), run->violation.oracle);
    } else if (end == SIM_END_PASS) {
        s->expect = SIM_EXPECT_PASS;
    }
    if (out) sim_outcome_take(out, run, end);
    return end;
}
