/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_explore.c: the random strategy, schedule recording and schedule replay (contract in sim_explore.h).
 *
 * The random strategy, at each decision: with probability advance_permille/1000, and while the execution has taken
 * fewer than advances_max advances, it advances time to one of the instants that matter (sim_advance_targets);
 * otherwise it runs an enabled thread chosen uniformly. Its generator is seeded from the execution's seed, apart
 * from the threads' entropy streams.
 * Replay feeds a schedule's decisions one by one and checks each against the run: the thread must exist and be
 * enabled, its next op and object must match the line. Strict replay stops at the first mismatch; lenient replay
 * notes it and continues with the seeded default (the named thread if it can run, else a seeded random one).
 * Real time is read here only for the --budget limit and the progress line, never inside an execution.
 */
#define _GNU_SOURCE
#include "sim/engine/sim_pending.h"
#include "sim/run/sim_rng.h"
#include "sim/explore/sim_explore.h"

#include "sim/explore/sim_faults.h"
#include "sim/explore/sim_progress.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- config ----------------------------------------------------------------------------------------------------- */

void sim_config_defaults(sim_config *cfg, const sim_scenario *sc, int variant) {
    memset(cfg, 0, sizeof(*cfg));
    cfg->scenario = sc;
    cfg->variant = variant;
    for (int i = 0; i < sim_param_count(sc); i++)
        cfg->param[i] = sim_param_def_at(sc, i)->def;
    for (int i = 0; i < sc->override_count; i++) {
        int p = sim_param_index(sc, sc->overrides[i].name);
        if (p >= 0) cfg->param[p] = sc->overrides[i].value;
    }
}

int sim_config_set(sim_config *cfg, const char *name, int64_t value, char *err, size_t cap) {
    int i = sim_param_index(cfg->scenario, name);
    if (i < 0) {
        int n = snprintf(err, cap, "unknown parameter '%s' for scenario %s (it has:", name, cfg->scenario->name);
        for (int j = 0; j < sim_param_count(cfg->scenario) && n > 0 && (size_t)n < cap; j++)
            n += snprintf(err + n, cap - (size_t)n, " %s", sim_param_def_at(cfg->scenario, j)->name);
        if (n > 0 && (size_t)n < cap) snprintf(err + n, cap - (size_t)n, ")");
        return -1;
    }
    const sim_param_def *d = sim_param_def_at(cfg->scenario, i);
    if (value < d->min || value > d->max) {
        snprintf(err, cap, "parameter %s=%lld is out of range [%lld, %lld]", name, (long long)value, (long long)d->min,
                 (long long)d->max);
        return -1;
    }
    cfg->param[i] = value;
    return 0;
}

int sim_config_set_text(sim_config *cfg, const char *name_value, char *err, size_t cap) {
    const char *eq = strchr(name_value, '=');
    char name[SIM_NAME_MAX];
    if (eq == NULL || eq == name_value || (size_t)(eq - name_value) >= sizeof(name)) {
        snprintf(err, cap, "a parameter is NAME=VALUE, got '%.80s'", name_value);
        return -1;
    }
    memcpy(name, name_value, (size_t)(eq - name_value));
    name[eq - name_value] = '\0';
    char *end = NULL;
    errno = 0;
    long long v = strtoll(eq + 1, &end, 10);
    if (eq[1] == '\0' || errno != 0 || *end != '\0') {
        snprintf(err, cap, "parameter %s needs an integer, got '%.40s'", name, eq + 1);
        return -1;
    }
    return sim_config_set(cfg, name, v, err, cap);
}

const sim_scenario *sim_scenario_find(const char *name) {
    for (int i = 0; sim_scenarios[i]; i++)
        if (strcmp(sim_scenarios[i]->name, name) == 0) return sim_scenarios[i];
    return NULL;
}

int sim_variant_find(const sim_scenario *sc, const char *name) {
    for (int i = 0; i < sc->variant_count; i++)
        if (strcmp(sc->variants[i].name, name) == 0) return i;
    return -1;
}

int sim_config_from_schedule(sim_config *cfg, const sim_schedule *s, char *err, size_t cap) {
    const sim_scenario *sc = sim_scenario_find(s->scenario);
    if (sc == NULL) {
        snprintf(err, cap, "unknown scenario '%s' (see `racebed list`)", s->scenario);
        return -1;
    }
    int v = sim_variant_find(sc, s->variant);
    if (v < 0) {
        snprintf(err, cap, "scenario %s has no variant '%s' (see `racebed list`)", sc->name, s->variant);
        return -1;
    }
    sim_config_defaults(cfg, sc, v);
    for (int i = 0; i < s->param_count; i++)
        if (sim_config_set(cfg, s->param_key[i], s->param_value[i], err, cap) != 0) return -1;
    return 0;
}

static sim_exec_args explore_args(const sim_config *cfg, uint64_t seed, int log_ops) {
    /* a real store cannot lose its last writes on demand: no op log, so no lose-last restart is picked */
    sim_exec_args a = {cfg->scenario, cfg->variant, cfg->param, seed, 0, cfg->backend ? 0 : log_ops, cfg->backend};
    return a;
}

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

void sim_schedule_capture(sim_schedule *cap, const sim_run *run, const sim_choice *c) {
    sim_decision d;
    sim_choice_to_decision(run, c, &d);
    if (d.kind == SIM_DEC_RESTART && d.variant == SIM_RESTART_LOSE_LAST) cap->model_only = 1;
    sim_schedule_append(cap, &d);
}

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

/* The decision-stream and trace hashes of one execution, computed the same way by the strategy and by replay, so
 * a run and the replay of its schedule can be compared. */
static void explore_hash_step(uint64_t *stream, uint64_t *trace, const sim_run *run, const sim_choice *c,
                              const sim_pending *done, char *line, size_t cap) {
    int64_t rec[3] = {c->kind, c->kind == SIM_DEC_RUN ? c->thread : -1, c->duration_ns};
    *stream = sim_hash_bytes(*stream, rec, sizeof(rec));
    if (sim_trace_step(run, c, done, line, cap) > 0) *trace = sim_hash_bytes(*trace, line, strlen(line));
}

static void explore_hash_jump(uint64_t *trace, const sim_run *run, int64_t to_ns, char *line, size_t cap) {
    if (sim_trace_jump(run, to_ns, line, cap) > 0) *trace = sim_hash_bytes(*trace, line, strlen(line));
}

static void random_after(void *ctx, sim_run *run, const sim_choice *c, const sim_pending *done) {
    random_ctx *r = ctx;
    char line[512];
    if (r->hash) explore_hash_step(&r->stream_hash, &r->trace_hash, run, c, done, line, sizeof(line));
}

static void random_jump(void *ctx, sim_run *run, int64_t to_ns) {
    random_ctx *r = ctx;
    char line[512];
    if (r->hash) explore_hash_jump(&r->trace_hash, run, to_ns, line, sizeof(line));
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
    for (int64_t i = 0; i < o->execs_max; i++) {
        random_ctx r;
        random_init(&r, cfg, o->seed + (uint64_t)i, o);
        r.hash = o->hash;
        sim_chooser ch = {&r, random_decide, random_after, random_jump};
        sim_exec_args a = explore_args(cfg, o->seed + (uint64_t)i, (o->faults >> SIM_FAULT_BIT_RESTART) & 1);
        sim_end end = sim_execute(run, &a, &ch);
        res->execs++;
        res->steps += run->step;
        for (int p = 0; p < SIM_PROBE_COUNT_; p++)
            res->probe_execs[p] += run->probe[p];
        if (o->hash) {
            res->stream_hash = sim_hash_bytes(res->stream_hash, &r.stream_hash, sizeof(r.stream_hash));
            res->trace_hash = sim_hash_bytes(res->trace_hash, &r.trace_hash, sizeof(r.trace_hash));
        }
        if (end == SIM_END_SETUP) {
            res->setup_failed++;
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

void sim_explore_sweep(sim_run *run, const sim_config *cfg, const sim_random_opts *o, int points_max,
                       sim_sweep_result *res) {
    memset(res, 0, sizeof(*res));
    sim_random_opts so = *o;
    so.execs_max = 1;
    so.keep_going = 0;
    for (int n = 1; n <= points_max; n++) {
        so.crash_at = n;
        sim_random_result one;
        sim_explore_random(run, cfg, &so, &one);
        res->steps += one.steps;
        if (one.violations > 0 && one.first_steps < n) { /* the run fails before any crash: report it once */
            res->violations++;
            res->first_at = n;
            res->first = one.first;
            break;
        }
        if (one.steps < n) break; /* the execution ended before operation n: the sweep is complete */
        res->points = n;
        if (one.violations > 0) {
            if (res->violations++ == 0) {
                res->first_at = n;
                res->first = one.first;
            }
        }
    }
}

void sim_schedule_header(sim_schedule *s, const sim_config *cfg, uint64_t seed, const char *strategy) {
    s->version = SIM_SCHEDULE_VERSION;
    lk_copy_str(s->tool, sizeof(s->tool), "racebed " RACEBED_VERSION);
    lk_copy_str(s->scenario, sizeof(s->scenario), cfg->scenario->name);
    lk_copy_str(s->variant, sizeof(s->variant), cfg->scenario->variants[cfg->variant].name);
    for (int i = 0; i < sim_param_count(cfg->scenario); i++)
        sim_schedule_set_param(s, sim_param_def_at(cfg->scenario, i)->name, cfg->param[i]);
    s->has_seed = 1;
    s->seed = seed;
    if (strategy) lk_copy_str(s->strategy, sizeof(s->strategy), strategy);
}

sim_end sim_explore_record(sim_run *run, const sim_config *cfg, uint64_t exec_seed, const sim_random_opts *o,
                           const char *strategy, sim_schedule *s) {
    sim_schedule_header(s, cfg, exec_seed, strategy);
    random_ctx r;
    random_init(&r, cfg, exec_seed, o);
    r.capture = s;
    sim_chooser ch = {&r, random_decide, NULL, NULL};
    sim_exec_args a = explore_args(cfg, exec_seed, (o->faults >> SIM_FAULT_BIT_RESTART) & 1);
    sim_end end = sim_execute(run, &a, &ch);
    if (end == SIM_END_VIOLATION) {
        s->expect = SIM_EXPECT_VIOLATION;
        lk_copy_str(s->expect_oracle, sizeof(s->expect_oracle), run->violation.oracle);
    } else if (end == SIM_END_PASS) {
        s->expect = SIM_EXPECT_PASS;
    }
    return end;
}

/* ---- replay ----------------------------------------------------------------------------------------------------- */

typedef struct replay_ctx {
    const sim_schedule *s;
    const sim_replay_opts *o;
    sim_replay_result *res;
    int pos;              /* next decision in s */
    uint64_t rng[4];      /* the lenient default */
    uint64_t stream_hash; /* this execution's decision stream */
    uint64_t trace_hash;  /* and trace */
} replay_ctx;

static void replay_diverge(replay_ctx *r, int line, const char *fmt, const char *a, const char *b) {
    if (r->res->diverged) return;
    r->res->diverged = 1;
    r->res->diverge_line = line;
    snprintf(r->res->diverge_msg, sizeof(r->res->diverge_msg), fmt, line, a, b);
}

static int replay_decide_file(replay_ctx *r, sim_run *run, const int *enabled, int n, sim_choice *out);

/* The replay chooser: the file's next decision (or the lenient default), captured if asked. */
static int replay_decide(void *ctx, sim_run *run, const int *enabled, int n, sim_choice *out) {
    replay_ctx *r = ctx;
    int rc = replay_decide_file(r, run, enabled, n, out);
    if (rc == 0 && r->o->capture) sim_schedule_capture(r->o->capture, run, out);
    return rc;
}

static int replay_decide_file(replay_ctx *r, sim_run *run, const int *enabled, int n, sim_choice *out) {
    if (r->o->until_step > 0 && run->step >= r->o->until_step) return -1;
    char why[SIM_MSG_MAX - 96], text[160];
    while (r->pos < r->s->decision_count) {
        const sim_decision *d = &r->s->decisions[r->pos++];
        if (sim_decision_to_choice(run, d, out, why, sizeof(why))) return 0;
        sim_decision_format(d, text, sizeof(text));
        replay_diverge(r, d->line, "line %d: expected '%s', but %s", text, why);
        if (!r->o->lenient) return -1;
        if (d->kind == SIM_DEC_RUN) { /* the named thread if it can run, else a seeded one */
            memset(out, 0, sizeof(*out));
            out->kind = SIM_DEC_RUN;
            out->proc = -1;
            out->thread = out->thread >= 0 && sim_thread_enabled(run, out->thread)
                              ? out->thread
                              : enabled[sim__rng_next(r->rng) % (uint64_t)n];
            for (int i = 0; i < run->thread_count; i++)
                if (strcmp(run->thread[i].name, d->name) == 0 && sim_thread_enabled(run, i)) out->thread = i;
            return 0;
        }
        /* any other decision that does not fit is skipped */
    }
    if (!r->o->lenient) {
        snprintf(text, sizeof(text), "%s is at '%s'", run->thread[enabled[0]].name,
                 sim__pending_label(&run->thread[enabled[0]].pend));
        replay_diverge(r, r->s->decision_count ? r->s->decisions[r->s->decision_count - 1].line : 0,
                       "line %d: the schedule ends here but the run goes on (%s)%s", text, "");
        return -1;
    }
    memset(out, 0, sizeof(*out));
    out->kind = SIM_DEC_RUN;
    out->proc = -1;
    out->thread = enabled[sim__rng_next(r->rng) % (uint64_t)n];
    return 0;
}

static void replay_after(void *ctx, sim_run *run, const sim_choice *c, const sim_pending *done) {
    replay_ctx *r = ctx;
    char line[512];
    explore_hash_step(&r->stream_hash, &r->trace_hash, run, c, done, line, sizeof(line));
    if (r->o->trace) fprintf(r->o->trace, "%s\n", line);
}

static void replay_jump(void *ctx, sim_run *run, int64_t to_ns) {
    replay_ctx *r = ctx;
    char line[512];
    explore_hash_jump(&r->trace_hash, run, to_ns, line, sizeof(line));
    if (r->o->trace) fprintf(r->o->trace, "%s\n", line);
}

void sim_replay(sim_run *run, const sim_config *cfg, const sim_schedule *s, const sim_replay_opts *o,
                sim_replay_result *res) {
    memset(res, 0, sizeof(*res));
    replay_ctx r = {s, o, res, 0, {0}, SIM_HASH_INIT, SIM_HASH_INIT};
    sim__rng_seed(r.rng, s->seed ^ 0x1EAD1E47ull);
    sim_chooser ch = {&r, replay_decide, replay_after, replay_jump};
    int log_ops = 0;
    for (int i = 0; i < s->decision_count; i++)
        log_ops |= s->decisions[i].kind == SIM_DEC_RESTART && s->decisions[i].variant == SIM_RESTART_LOSE_LAST;
    sim_exec_args a = explore_args(cfg, s->seed, log_ops);
    res->end = sim_execute(run, &a, &ch);
    res->steps = run->step;
    /* folded once more, as sim_explore_random folds each execution's hashes into its totals */
    res->stream_hash = sim_hash_bytes(SIM_HASH_INIT, &r.stream_hash, sizeof(r.stream_hash));
    res->trace_hash = sim_hash_bytes(SIM_HASH_INIT, &r.trace_hash, sizeof(r.trace_hash));
    if (res->end != SIM_END_ABORTED && !o->lenient && r.pos < s->decision_count) {
        char text[160], more[32];
        sim_decision_format(&s->decisions[r.pos], text, sizeof(text));
        snprintf(more, sizeof(more), "%d", s->decision_count - r.pos);
        replay_diverge(&r, s->decisions[r.pos].line, "line %d: the run ended before '%s' (%s decision(s) left)", text,
                       more);
    }
}
