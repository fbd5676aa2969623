/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_search_base.c: the bottom every exhaustive mode calls down into (contract in sim_search_base.h): the options
 * at a decision point, the path chooser that replays and extends a path of option indices, the shard cut, the
 * bookkeeping of violations and probes, and the progress line.
 *
 * A path is the index chosen at each decision point, with the number of options there. An execution follows the
 * current path, extends it with option 0 past its end, and records the option counts; then the deepest point with
 * an untried option is advanced and everything below it dropped.
 * Invariant: a point's options depend only on the path above it (the run is a pure function of the path).
 */
#include "sim/search/sim_search_base.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/engine/sim_guard.h"
#include "sim/explore/sim_explore.h"
#include "sim/explore/sim_progress.h"

int sim__choices_shard(const int32_t *choice, int len, int shards) {
    uint64_t h = UINT64_C(14695981039346656037);
    for (int i = 0; i < len; i++)
        h = (h ^ (uint64_t)(uint32_t)choice[i]) * UINT64_C(1099511628211);
    return (int)(h % (uint64_t)shards);
}

int sim__path_shard_of(const sim_path *x, int len) {
    return sim__choices_shard(x->choice, len, x->shards);
}

static int path_decide(void *ctx, sim_run *run, const int *enabled, int n, sim_choice *out) {
    sim_path *x = ctx;
    sim_option opt[SIM_OPTIONS_MAX];
    int k = sim_exhaust_options(run, enabled, n, x->last, x->preemptions, x->bounds, opt);
    int d = run->step;
    if (d >= x->depth_max) {
        x->cut = 1;
        return -1;
    }
    if (x->shards > 1 && d == SIM_SHARD_DEPTH && sim__path_shard_of(x, d) != x->shard) return -1; /* not ours */
    if (d >= x->len) {
        x->choice[d] = 0;
        x->count[d] = k;
        x->len = d + 1;
        x->points++;
        x->options_sum += k;
        if (k > x->options_max) x->options_max = k;
    }
    if (x->choice[d] >= k) return -1; /* cannot happen: the run is a pure function of the path */
    sim_option_choice(&opt[x->choice[d]], enabled, n, &x->last, &x->preemptions, out);
    if (x->capture) sim_schedule_capture(x->capture, run, out);
    return 0;
}

/* 1 if thread 'i' may act now: not a preemption past the bound. */
static int options_may_run(int i, int last, int last_enabled, int preemptions, const sim_bounds *b) {
    return !(last_enabled && b->preemptions_max >= 0 && preemptions >= b->preemptions_max && i != last);
}

static int options_live_scenario_thread(const sim_thread *t) {
    return t->parent < 0 && t->state != SIM_T_DONE && t->state != SIM_T_CRASHED && t->state != SIM_T_FREE;
}

/* The wall-step options: each clock of b->wall_clocks, each sign of b->wall_signs. */
static int options_wall(const sim_run *run, const sim_bounds *b, sim_option *opt) {
    int k = 0;
    int64_t step_ns = b->wall_step_ms * 1000000;
    for (int p = -1; p < run->proc_count; p++) {
        if (p < 0 ? !(b->wall_clocks & SIM_WALL_CLOCKS_SERVER)
                  : !(b->wall_clocks & SIM_WALL_CLOCKS_CLIENTS) || run->proc[p].crashed)
            continue;
        if (b->wall_signs & SIM_WALL_SIGNS_FORWARD) opt[k++] = (sim_option){SIM_DEC_WALL, -1, step_ns, p, 0};
        if (b->wall_signs & SIM_WALL_SIGNS_BACKWARD) opt[k++] = (sim_option){SIM_DEC_WALL, -1, -step_ns, p, 0};
    }
    return k;
}

/* The crash options: each live scenario thread, then each live process with two or more of them (a process crash
 * of a process with one is that thread's crash). */
static int options_crash(const sim_run *run, sim_option *opt) {
    int k = 0, live[SIM_PROCS_MAX] = {0};
    for (int i = 0; i < run->thread_count; i++)
        if (options_live_scenario_thread(&run->thread[i])) {
            opt[k++] = (sim_option){SIM_DEC_CRASH, i, 0, -1, 0};
            live[run->thread[i].proc]++;
        }
    for (int p = 0; p < run->proc_count; p++)
        if (live[p] >= 2 && !run->proc[p].crashed) opt[k++] = (sim_option){SIM_DEC_CRASH, -1, 0, p, 0};
    return k;
}

int sim_exhaust_options(const sim_run *run, const int *enabled, int n, int last, int preemptions, const sim_bounds *b,
                        sim_option *opt) {
    int k = 0, last_enabled = 0;
    for (int i = 0; i < n; i++)
        last_enabled |= enabled[i] == last;
    for (int i = 0; i < n; i++)
        if (options_may_run(enabled[i], last, last_enabled, preemptions, b))
            opt[k++] = (sim_option){SIM_DEC_RUN, enabled[i], 0, -1, 0};
    if (run->advances < b->advances) {
        int64_t targets[SIM_ADVANCE_TARGETS_MAX];
        int t = sim_advance_targets(run, targets, SIM_ADVANCE_TARGETS_MAX);
        for (int i = 0; i < t; i++)
            opt[k++] = (sim_option){SIM_DEC_ADVANCE, -1, targets[i], -1, 0};
    }
    if (run->wall_steps < b->wall_steps) k += options_wall(run, b, &opt[k]);
    if (run->restarts < b->restarts) opt[k++] = (sim_option){SIM_DEC_RESTART, -1, 0, -1, 0};
    if (run->crashes < b->crashes) k += options_crash(run, &opt[k]);
    for (int i = 0; run->pauses < b->pauses && i < run->thread_count; i++)
        if (options_live_scenario_thread(&run->thread[i]))
            opt[k++] = (sim_option){SIM_DEC_PAUSE, i, b->pause_ms * 1000000, -1, 0};
    for (int e = 0; e < n; e++) {
        int i = enabled[e];
        if (run->thread[i].store_faults >= b->store_faults || !sim__pending_sends(&run->thread[i].pend) ||
            !options_may_run(i, last, last_enabled, preemptions, b))
            continue;
        for (int kind = SIM_FAULT_REPLY_LOST; kind <= SIM_FAULT_KIND_LAST; kind++)
            if ((b->store_fault_kinds >> kind & 1u) && sim_store_fault_applies(run, &run->thread[i].pend, kind))
                opt[k++] = (sim_option){SIM_DEC_FAULT, i, 0, -1, kind};
    }
    assert(k <= SIM_OPTIONS_MAX);
    return k;
}

void sim_option_choice(const sim_option *o, const int *enabled, int n, int *last, int *preemptions, sim_choice *out) {
    memset(out, 0, sizeof(*out));
    out->kind = o->kind;
    out->thread = o->thread;
    out->proc = o->proc;
    out->duration_ns = o->duration_ns;
    out->variant = o->kind == SIM_DEC_RESTART ? SIM_RESTART_LOSE_ALL : o->variant;
    if (o->kind == SIM_DEC_RUN || o->kind == SIM_DEC_FAULT) { /* a faulted op is the thread's step too */
        int last_enabled = 0;
        for (int i = 0; i < n; i++)
            last_enabled |= enabled[i] == *last;
        if (last_enabled && o->thread != *last) ++*preemptions;
        *last = o->thread;
    }
}

/* Advances the path to the next unexplored leaf; returns 0 when the space is exhausted. */
int sim__path_backtrack(sim_path *x, int executed) {
    for (int d = (executed < x->len ? executed : x->len) - 1; d >= 0; d--)
        if (x->choice[d] + 1 < x->count[d]) {
            x->choice[d]++;
            x->len = d + 1;
            return 1;
        }
    return 0;
}

sim_end sim__path_run(sim_run *run, const sim_config *cfg, uint64_t seed, sim_path *x) {
    x->last = -1;
    x->preemptions = 0;
    sim_chooser ch = {x, path_decide, NULL, NULL};
    sim_exec_args a = {cfg->scenario, cfg->variant, cfg->param, seed, 0, 0, cfg->backend, cfg->ignore_oracles};
    return sim_execute(run, &a, &ch);
}

int sim__exhaust_violated(sim_exhaust_result *res, const sim_exhaust_opts *o, const char *oracle) {
    int seen = 0;
    for (int i = 0; i < res->violated_count && !seen; i++)
        seen = strcmp(res->violated[i], oracle) == 0;
    if (!seen && res->violated_count < 8) lk_copy_str(res->violated[res->violated_count++], SIM_NAME_MAX, oracle);
    return o->oracle == NULL || strcmp(o->oracle, oracle) == 0;
}

int sim__exhaust_must_stop(const sim_exhaust_opts *o, sim_exhaust_result *res) {
    if (sim_guard_interrupted()) {
        res->stopped = "interrupted (SIGINT)";
        return 1;
    }
    if (o->deadline_s > 0 && (res->execs & 63) == 0 && sim_real_clock_s() >= o->deadline_s) {
        res->stopped = "its time budget (--budget) was spent";
        return 1;
    }
    return 0;
}

void sim__exhaust_probes(sim_exhaust_result *res, const sim_run *run) {
    for (int e = 0; e < SIM_EXPECTATIONS_MAX; e++)
        res->unchecked_execs[e] += run->unchecked >> e & 1u;
    for (int p = 0; p < SIM_PROBES_MAX; p++)
        res->probe_execs[p] += run->probe[p];
}

double sim_exhaust_fraction(const int32_t *choice, const int32_t *count, int len) {
    double done = 0, width = 1;
    for (int d = 0; d < len && width > 1e-300; d++) {
        if (count[d] <= 0) break;
        done += width * (double)choice[d] / (double)count[d];
        width /= (double)count[d];
    }
    return done;
}

void sim_exhaust_record(sim_run *run, const sim_config *cfg, uint64_t seed, const sim_bounds *b, const int32_t *choice,
                        int len, sim_schedule *out) {
    sim_path x;
    memset(&x, 0, sizeof(x));
    x.depth_max = len + 1;
    x.choice = calloc((size_t)len + 1, sizeof(int32_t));
    x.count = calloc((size_t)len + 1, sizeof(int32_t));
    if (x.choice == NULL || x.count == NULL) goto done;
    memcpy(x.choice, choice, sizeof(int32_t) * (size_t)len);
    for (int i = 0; i < len; i++)
        x.count[i] = choice[i] + 1;
    x.len = len;
    x.bounds = b;
    x.capture = out;
    sim_schedule_header(out, cfg, seed, "exhaustive");
    sim__path_run(run, cfg, seed, &x);
    sim_schedule_scripts(out, run);
    out->expect = run->violation.set ? SIM_EXPECT_VIOLATION : SIM_EXPECT_PASS;
    if (run->violation.set) lk_copy_str(out->expect_oracle, sizeof(out->expect_oracle), run->violation.oracle);
done:
    free(x.choice);
    free(x.count);
}

/* The progress line: what was explored, the rate, and an estimate of what remains. */
void sim__exhaust_progress(sim_progress *pr, int64_t execs, int64_t states, double fraction, int depth,
                           int64_t violations) {
    if (!sim_progress_due(pr)) return;
    double s = pr->last_s;
    char left[64] = "?", stored[48] = "", done[96] = "";
    if (fraction > 1e-9 && fraction < 1) snprintf(left, sizeof(left), "~%.0f s", s * (1 - fraction) / fraction);
    if (fraction >= 0) snprintf(done, sizeof(done), ", ~%.1f%% done, %s left", 100 * fraction, left);
    if (states >= 0)
        snprintf(stored, sizeof(stored), ", %lld states (%.0f/s)", (long long)states, s > 0 ? (double)states / s : 0.0);
    sim_progress_show(pr, "[progress] %lld executions%s, %.0f exec/s%s, depth %d, %lld violation(s)   ",
                      (long long)execs, stored, s > 0 ? (double)execs / s : 0.0, done, depth, (long long)violations);
}

/* The scenario's own threads of the last execution (its setup made them; tasks are left out), as "c1, c2". */
void sim__exhaust_thread_names(const sim_run *run, int first, int count, char *buf, size_t cap) {
    size_t n = 0;
    buf[0] = '\0';
    for (int i = first; i < first + count && i < run->thread_count && n < cap; i++) {
        if (run->thread[i].parent >= 0) continue;
        int w = snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", run->thread[i].name);
        if (w < 0) break;
        n += (size_t)w;
    }
}

int sim__exhaust_save(const sim_run *run, const sim_exhaust_opts *o, const sim_config *cfg, sim_exhaust_result *res,
                      int32_t *choice, int32_t *count, int len) {
    sim_exhaust_state st;
    memset(&st, 0, sizeof(st));
    lk_copy_str(st.scenario, sizeof(st.scenario), cfg->scenario->name);
    lk_copy_str(st.variant, sizeof(st.variant), cfg->scenario->variants[cfg->variant].name);
    st.seed = o->seed;
    st.config = sim_exhaust_config_hash(cfg, &res->bounds, o->oracle);
    st.has_bounds = 1;
    st.bounds = res->bounds;
    if (res->threads[0])
        lk_copy_str(st.threads, sizeof(st.threads), res->threads);
    else
        sim__exhaust_thread_names(run, 0, run->thread_count, st.threads, sizeof(st.threads));
    if (o->symmetry) lk_copy_str(st.symmetric, sizeof(st.symmetric), res->symmetric[0] ? res->symmetric : "?");
    st.preemptions_max = o->preemptions_max;
    st.shard = o->shards > 1 ? o->shard : 0;
    st.shards = o->shards > 1 ? o->shards : 1;
    st.execs = res->execs;
    st.steps = res->steps;
    st.violations = res->violations;
    st.complete = res->complete;
    st.hash = o->reduce == SIM_REDUCE_HASH;
    st.states = res->states;
    st.naive = res->complete ? res->naive_execs : 0;
    if (res->violations) snprintf(st.first, sizeof(st.first), "%s: %s", res->first.oracle, res->first.msg);
    st.len = res->complete || st.hash ? 0 : len;
    st.choice = choice;
    st.count = count;
    if (sim_exhaust_state_save(o->checkpoint, &st) == 0) {
        struct stat sb;
        res->checkpoint_bytes = stat(o->checkpoint, &sb) == 0 ? (int64_t)sb.st_size : 0;
        return 0;
    }
    snprintf(res->checkpoint_error, sizeof(res->checkpoint_error), "cannot save the checkpoint %.180s: %s",
             o->checkpoint, strerror(errno));
    return -1;
}

int sim__exhaust_load(const sim_exhaust_opts *o, const sim_config *cfg, const sim_exhaust_result *res,
                      sim_exhaust_state *st) {
    char err[256];
    if (sim_exhaust_state_load(o->checkpoint, st, err, sizeof(err)) != 1) return 0;
    int same = strcmp(st->scenario, cfg->scenario->name) == 0 &&
               strcmp(st->variant, cfg->scenario->variants[cfg->variant].name) == 0 && st->seed == o->seed &&
               st->config == sim_exhaust_config_hash(cfg, &res->bounds, o->oracle) &&
               st->preemptions_max == o->preemptions_max && st->shard == (o->shards > 1 ? o->shard : 0) &&
               st->shards == (o->shards > 1 ? o->shards : 1) && st->hash == (o->reduce == SIM_REDUCE_HASH) &&
               (st->symmetric[0] != '\0') == (o->symmetry != 0);
    if (same) return 1;
    sim_exhaust_state_free(st);
    return 0;
}

void sim__exhaust_resumed(const sim_exhaust_state *st, sim_exhaust_result *res) {
    res->execs = st->execs;
    res->steps = st->steps;
    res->violations = st->violations;
    res->complete = st->complete;
    res->states = st->states;
    res->naive_execs = st->naive;
    res->resumed = 1;
    lk_copy_str(res->threads, sizeof(res->threads), st->threads);
    if (st->first[0]) {
        const char *colon = strchr(st->first, ':');
        snprintf(res->first.oracle, sizeof(res->first.oracle), "%.*s", (int)(colon ? colon - st->first : 0), st->first);
        snprintf(res->first.msg, sizeof(res->first.msg), "%s", colon ? colon + 2 : st->first);
        sim__exhaust_violated(res, &(sim_exhaust_opts){0}, res->first.oracle);
    }
}
