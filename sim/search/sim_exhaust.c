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
#define _GNU_SOURCE
#include "sim/search/sim_exhaust.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
    int cut;           /* 1 once a path was cut by the depth limit */
} exhaust_ctx;

/* The shard of a path: FNV-1a over its first 'len' choices, mod the shard count. */
static int exhaust_shard_of(const exhaust_ctx *x, int len) {
    uint64_t h = UINT64_C(14695981039346656037);
    for (int i = 0; i < len; i++) h = (h ^ (uint64_t)(uint32_t)x->choice[i]) * UINT64_C(1099511628211);
    return (int)(h % (uint64_t)x->shards);
}

static int exhaust_decide(void *ctx, sim_run *run, const int *enabled, int n, sim_choice *out) {
    exhaust_ctx *x = ctx;
    sim_option opt[SIM_OPTIONS_MAX];
    int k = sim_exhaust_options(run, enabled, n, x->last, x->preemptions, x->preemptions_max, opt);
    int d = run->step;
    if (d >= x->depth_max) {
        x->cut = 1;
        return -1;
    }
    if (x->shards > 1 && d == SIM_SHARD_DEPTH && exhaust_shard_of(x, d) != x->shard) return -1; /* not ours */
    if (d >= x->len) {
        x->choice[d] = 0;
        x->count[d] = k;
        x->len = d + 1;
    }
    if (x->choice[d] >= k) return -1; /* cannot happen: the run is a pure function of the path */
    sim_option_choice(&opt[x->choice[d]], enabled, n, &x->last, &x->preemptions, out);
    if (x->capture) sim_schedule_capture(x->capture, run, out);
    return 0;
}

int sim_exhaust_options(const sim_run *run, const int *enabled, int n, int last, int preemptions,
                        int preemptions_max, sim_option *opt) {
    int k = 0, last_enabled = 0;
    for (int i = 0; i < n; i++)
        last_enabled |= enabled[i] == last;
    for (int i = 0; i < n; i++)
        if (!(last_enabled && preemptions_max >= 0 && preemptions >= preemptions_max && enabled[i] != last))
            opt[k++] = (sim_option){SIM_DEC_RUN, enabled[i], 0};
    if (run->advances < sim__builtin(run, SIM_PARAM_ADVANCES_MAX)) {
        int64_t targets[SIM_ADVANCE_TARGETS_MAX];
        int t = sim_advance_targets(run, targets, SIM_ADVANCE_TARGETS_MAX);
        for (int i = 0; i < t; i++)
            opt[k++] = (sim_option){SIM_DEC_ADVANCE, -1, targets[i]};
    }
    if (run->wall_steps < sim__builtin(run, SIM_PARAM_WALL_STEPS_MAX))
        opt[k++] = (sim_option){SIM_DEC_WALL, -1, sim__builtin(run, SIM_PARAM_WALL_STEP_MS) * 1000000};
    if (run->restarts < sim__builtin(run, SIM_PARAM_RESTARTS_MAX)) opt[k++] = (sim_option){SIM_DEC_RESTART, -1, 0};
    for (int kind = 0; kind < 2; kind++) { /* crashes, then pauses, of each live scenario thread */
        int room = kind == 0 ? run->crashes < sim__builtin(run, SIM_PARAM_CRASHES_MAX)
                             : run->pauses < sim__builtin(run, SIM_PARAM_PAUSES_MAX);
        for (int i = 0; room && i < run->thread_count; i++) {
            const sim_thread *t = &run->thread[i];
            if (t->parent < 0 && t->state != SIM_T_DONE && t->state != SIM_T_CRASHED && t->state != SIM_T_FREE)
                opt[k++] = kind == 0 ? (sim_option){SIM_DEC_CRASH, i, 0}
                                     : (sim_option){SIM_DEC_PAUSE, i, sim__builtin(run, SIM_PARAM_PAUSE_MS) * 1000000};
        }
    }
    return k;
}

void sim_option_choice(const sim_option *o, const int *enabled, int n, int *last, int *preemptions,
                       sim_choice *out) {
    memset(out, 0, sizeof(*out));
    out->kind = o->kind;
    out->thread = o->thread;
    out->proc = -1;
    out->duration_ns = o->duration_ns;
    out->variant = o->kind == SIM_DEC_RESTART ? SIM_RESTART_LOSE_ALL : 0;
    if (o->kind == SIM_DEC_RUN) {
        int last_enabled = 0;
        for (int i = 0; i < n; i++)
            last_enabled |= enabled[i] == *last;
        if (last_enabled && o->thread != *last) ++*preemptions;
        *last = o->thread;
    }
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

/* ---- checkpoints ----------------------------------------------------------------------------------------------- */

uint64_t sim_exhaust_config_hash(const sim_config *cfg) {
    uint64_t h = UINT64_C(14695981039346656037);
    for (int i = 0; i < sim_param_count(cfg->scenario); i++) {
        const unsigned char *p = (const unsigned char *)&cfg->param[i];
        for (size_t b = 0; b < sizeof(int64_t); b++) h = (h ^ p[b]) * UINT64_C(1099511628211);
    }
    return h;
}

void sim_exhaust_state_free(sim_exhaust_state *st) {
    if (st == NULL) return;
    free(st->choice);
    free(st->count);
    st->choice = st->count = NULL;
}

int sim_exhaust_state_parse(const char *text, sim_exhaust_state *st, char *err, size_t cap) {
    memset(st, 0, sizeof(*st));
    int line = 0, have_path = 0;
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        char buf[SIM_MSG_MAX + 64];
        snprintf(buf, sizeof(buf), "%.*s", (int)(n < sizeof(buf) - 1 ? n : sizeof(buf) - 1), p);
        line++;
        unsigned long long u1 = 0, u2 = 0;
        long long l1 = 0, l2 = 0, l3 = 0;
        int i1 = 0, i2 = 0, off = 0;
        if (line == 1 && strcmp(buf, "racebed-checkpoint 1") != 0) {
            snprintf(err, cap, "line 1: not a racebed checkpoint (expected 'racebed-checkpoint 1')");
            return -1;
        } else if (line == 1) {
        } else if (sscanf(buf, "scenario %63s variant %63s", st->scenario, st->variant) == 2) {
        } else if (sscanf(buf, "seed %llu config %llu", &u1, &u2) == 2) {
            st->seed = u1;
            st->config = u2;
        } else if (sscanf(buf, "preemptions %d shard %d/%d", &st->preemptions_max, &i1, &i2) == 3) {
            st->shard = i1;
            st->shards = i2;
        } else if (sscanf(buf, "execs %lld steps %lld violations %lld complete %d", &l1, &l2, &l3, &i1) == 4) {
            st->execs = l1;
            st->steps = l2;
            st->violations = l3;
            st->complete = i1;
        } else if (strncmp(buf, "first ", 6) == 0) {
            snprintf(st->first, sizeof(st->first), "%s", buf + 6);
        } else if (sscanf(buf, "path %d%n", &i1, &off) == 1 && i1 >= 0 && i1 <= 100000000) {
            st->len = i1;
            st->choice = calloc((size_t)i1 + 1, sizeof(int32_t));
            st->count = calloc((size_t)i1 + 1, sizeof(int32_t));
            if (!st->choice || !st->count) {
                snprintf(err, cap, "line %d: out of memory", line);
                return -1;
            }
            const char *q = p + off;
            for (int k = 0; k < i1; k++) {
                int c = 0, m = 0, used = 0;
                if (sscanf(q, " %d/%d%n", &c, &m, &used) != 2 || c < 0 || m < 1 || c >= m) {
                    snprintf(err, cap, "line %d: bad path entry %d (want CHOICE/COUNT)", line, k + 1);
                    sim_exhaust_state_free(st);
                    return -1;
                }
                st->choice[k] = c;
                st->count[k] = m;
                q += used;
            }
            have_path = 1;
        } else if (buf[0] != '\0' && buf[0] != '#') {
            snprintf(err, cap, "line %d: unknown line '%.60s'", line, buf);
            sim_exhaust_state_free(st);
            return -1;
        }
        p += n + (p[n] == '\n');
    }
    if (line == 0 || !have_path || st->scenario[0] == '\0') {
        snprintf(err, cap, "end of file: incomplete checkpoint (needs racebed-checkpoint, scenario, path)");
        sim_exhaust_state_free(st);
        return -1;
    }
    return 0;
}

/* Writes the state (to a temporary file, then renamed, so a kill never leaves half a checkpoint). */
static void exhaust_save(const sim_exhaust_opts *o, const sim_config *cfg, const exhaust_ctx *x,
                         const sim_exhaust_result *res) {
    char tmp[1100];
    snprintf(tmp, sizeof(tmp), "%s.tmp", o->checkpoint);
    FILE *f = fopen(tmp, "w");
    if (f == NULL) return;
    fprintf(f, "racebed-checkpoint 1\nscenario %s variant %s\nseed %llu config %llu\npreemptions %d shard %d/%d\n"
            "execs %lld steps %lld violations %lld complete %d\n",
            cfg->scenario->name, cfg->scenario->variants[cfg->variant].name, (unsigned long long)o->seed,
            (unsigned long long)sim_exhaust_config_hash(cfg), o->preemptions_max, o->shards > 1 ? o->shard : 0,
            o->shards > 1 ? o->shards : 1, (long long)res->execs, (long long)res->steps, (long long)res->violations,
            res->complete);
    if (res->violations) fprintf(f, "first %s: %s\n", res->first.oracle, res->first.msg);
    fprintf(f, "path %d", res->complete ? 0 : x->len);
    for (int i = 0; !res->complete && i < x->len; i++) fprintf(f, " %d/%d", x->choice[i], x->count[i]);
    fprintf(f, "\n");
    if (fclose(f) == 0) rename(tmp, o->checkpoint);
}

/* Resumes from o->checkpoint if it exists and describes this search; returns 1 if the search is already complete. */
static int exhaust_resume(const sim_exhaust_opts *o, const sim_config *cfg, exhaust_ctx *x, sim_exhaust_result *res) {
    enum { CHECKPOINT_MAX = 16 << 20 };
    FILE *f = fopen(o->checkpoint, "r");
    if (f == NULL) return 0;
    char *text = malloc(CHECKPOINT_MAX);
    size_t n = text ? fread(text, 1, CHECKPOINT_MAX - 1, f) : 0;
    fclose(f);
    if (text == NULL) return 0;
    text[n] = '\0';
    sim_exhaust_state st;
    char err[256];
    int parsed = sim_exhaust_state_parse(text, &st, err, sizeof(err));
    free(text);
    if (parsed != 0) return 0;
    int same = strcmp(st.scenario, cfg->scenario->name) == 0 &&
               strcmp(st.variant, cfg->scenario->variants[cfg->variant].name) == 0 && st.seed == o->seed &&
               st.config == sim_exhaust_config_hash(cfg) && st.preemptions_max == o->preemptions_max &&
               st.shard == (o->shards > 1 ? o->shard : 0) && st.shards == (o->shards > 1 ? o->shards : 1) &&
               st.len < x->depth_max;
    if (same) {
        memcpy(x->choice, st.choice, sizeof(int32_t) * (size_t)st.len);
        memcpy(x->count, st.count, sizeof(int32_t) * (size_t)st.len);
        x->len = st.len;
        res->execs = st.execs;
        res->steps = st.steps;
        res->violations = st.violations;
        res->complete = st.complete;
        res->resumed = 1;
        if (st.first[0]) {
            const char *colon = strchr(st.first, ':');
            snprintf(res->first.oracle, sizeof(res->first.oracle), "%.*s", (int)(colon ? colon - st.first : 0),
                     st.first);
            snprintf(res->first.msg, sizeof(res->first.msg), "%s", colon ? colon + 2 : st.first);
        }
    }
    sim_exhaust_state_free(&st);
    return same && res->complete;
}

int sim__exhaust_violated(sim_exhaust_result *res, const sim_exhaust_opts *o, const char *oracle) {
    int seen = 0;
    for (int i = 0; i < res->violated_count && !seen; i++)
        seen = strcmp(res->violated[i], oracle) == 0;
    if (!seen && res->violated_count < 8) lk_copy_str(res->violated[res->violated_count++], SIM_NAME_MAX, oracle);
    return o->oracle == NULL || strcmp(o->oracle, oracle) == 0;
}

void sim__exhaust_probes(sim_exhaust_result *res, const sim_run *run) {
    for (int p = 0; p < SIM_PROBE_COUNT_; p++)
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

void sim_exhaust_record(sim_run *run, const sim_config *cfg, uint64_t seed, int preemptions_max, const int32_t *choice,
                        int len, sim_schedule *out) {
    exhaust_ctx x;
    memset(&x, 0, sizeof(x));
    x.depth_max = len + 1;
    x.choice = calloc((size_t)len + 1, sizeof(int32_t));
    x.count = calloc((size_t)len + 1, sizeof(int32_t));
    if (x.choice == NULL || x.count == NULL) goto done;
    memcpy(x.choice, choice, sizeof(int32_t) * (size_t)len);
    for (int i = 0; i < len; i++)
        x.count[i] = choice[i] + 1;
    x.len = len;
    x.preemptions_max = preemptions_max;
    x.capture = out;
    sim_schedule_header(out, cfg, seed, "exhaustive");
    sim_exhaust_opts o;
    memset(&o, 0, sizeof(o));
    o.seed = seed;
    exhaust_run(run, cfg, &o, &x);
    out->expect = run->violation.set ? SIM_EXPECT_VIOLATION : SIM_EXPECT_PASS;
    if (run->violation.set) lk_copy_str(out->expect_oracle, sizeof(out->expect_oracle), run->violation.oracle);
done:
    free(x.choice);
    free(x.count);
}

/* The progress line (a terminal only): what was explored, the rate, and an estimate of what remains. */
void sim__exhaust_progress(const struct timespec *t0, double *last, int64_t execs, int64_t states, double fraction,
                           int depth, int64_t violations) {
    struct timespec tn;
    clock_gettime(CLOCK_MONOTONIC, &tn);
    double s = (double)(tn.tv_sec - t0->tv_sec) + (double)(tn.tv_nsec - t0->tv_nsec) / 1e9;
    if (s - *last < 1.0) return;
    *last = s;
    char left[64] = "?";
    if (fraction > 1e-9 && fraction < 1) snprintf(left, sizeof(left), "~%.0f s", s * (1 - fraction) / fraction);
    fprintf(stderr, "\r[progress] %lld executions", (long long)execs);
    if (states >= 0) fprintf(stderr, ", %lld states", (long long)states);
    fprintf(stderr, ", %.0f exec/s, ~%.1f%% done, %s left, depth %d, %lld violation(s)   ",
            s > 0 ? (double)execs / s : 0.0, 100 * fraction, left, depth, (long long)violations);
}

static void exhaust_naive(sim_run *run, const sim_config *cfg, const sim_exhaust_opts *o, sim_exhaust_result *res,
                          sim_schedule *first) {
    exhaust_ctx x;
    memset(&x, 0, sizeof(x));
    x.depth_max = (int)cfg->param[sim_param_index(cfg->scenario, "steps_max")] + 1;
    if (o->depth_limit > 0 && o->depth_limit < x.depth_max) x.depth_max = o->depth_limit;
    x.choice = calloc((size_t)x.depth_max + 1, sizeof(int32_t));
    x.count = calloc((size_t)x.depth_max + 1, sizeof(int32_t));
    x.preemptions_max = o->preemptions_max;
    x.shard = o->shard;
    x.shards = o->shards;
    if (x.choice == NULL || x.count == NULL) goto done;
    if (o->checkpoint && exhaust_resume(o, cfg, &x, res)) goto done;
    int64_t budget_end = res->execs + o->execs_max; /* a resumed search gets the whole budget again */
    int tty = o->progress && isatty(2);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0); /* real time for the progress line only, never inside an execution */
    double last = 0;
    for (;;) {
        if (res->execs >= budget_end) break;
        if (tty && (res->execs & 255) == 0)
            sim__exhaust_progress(&t0, &last, res->execs, -1, sim_exhaust_fraction(x.choice, x.count, x.len), x.len,
                                  res->violations);
        if (o->checkpoint && res->execs > 0 && o->checkpoint_every > 0 && res->execs % o->checkpoint_every == 0)
            exhaust_save(o, cfg, &x, res);
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
        sim__exhaust_probes(res, run);
        if (end == SIM_END_SETUP || end == SIM_END_BACKEND) {
            res->setup_failed = 1;
            break;
        }
        if (o->outcomes && end != SIM_END_ABORTED && sim_visited_add(o->outcomes, sim_state_outcome(run), 0) > 0)
            res->outcomes++;
        if (end == SIM_END_VIOLATION && sim__exhaust_violated(res, o, run->violation.oracle) &&
            res->violations++ == 0) {
            res->first = run->violation;
            if (first) sim_exhaust_record(run, cfg, o->seed, o->preemptions_max, x.choice, run->step, first);
        }
        if (!exhaust_backtrack(&x, run->step)) {
            res->complete = 1;
            break;
        }
        if (res->violations && !o->keep_going) break;
    }
    res->cut_by_depth = x.cut;
    if (o->checkpoint) exhaust_save(o, cfg, &x, res);
    if (tty && last > 0) fprintf(stderr, "\n");
done:
    free(x.choice);
    free(x.count);
}

static void exhaust_mode(sim_run *run, const sim_config *cfg, const sim_exhaust_opts *o, sim_exhaust_result *res,
                         sim_schedule *first) {
    if (o->reduce == SIM_REDUCE_HASH)
        sim__exhaust_hash(run, cfg, o, res, first);
    else if (o->reduce == SIM_REDUCE_DPOR)
        sim__exhaust_dpor(run, cfg, o, res, first);
    else
        exhaust_naive(run, cfg, o, res, first);
}

void sim_exhaust(sim_run *run, const sim_config *cfg, const sim_exhaust_opts *o, sim_exhaust_result *res,
                 sim_schedule *first) {
    memset(res, 0, sizeof(*res));
    if (!o->shortest) {
        exhaust_mode(run, cfg, o, res, first);
        return;
    }
    /* Iterative deepening: a complete search to depth D finds no violation before the one at depth D + 1 does, so
     * the first violation found is a shortest one. Counts add up over the iterations. */
    int steps_max = (int)cfg->param[sim_param_index(cfg->scenario, "steps_max")];
    sim_exhaust_opts od = *o;
    od.shortest = 0;
    od.keep_going = 0;
    sim_exhaust_result total = *res;
    for (int d = 1; d <= steps_max; d++) {
        od.depth_limit = d;
        sim_exhaust_result r;
        memset(&r, 0, sizeof(r));
        exhaust_mode(run, cfg, &od, &r, first);
        total.execs += r.execs;
        total.steps += r.steps;
        total.states += r.states;
        total.revisits += r.revisits;
        total.sleep_blocked += r.sleep_blocked;
        total.outcomes += r.outcomes; /* new to the shared set in this iteration */
        total.memory_bytes = r.memory_bytes > total.memory_bytes ? r.memory_bytes : total.memory_bytes;
        total.depth_reached = d;
        for (int p = 0; p < SIM_PROBE_COUNT_; p++)
            total.probe_execs[p] += r.probe_execs[p];
        total.setup_failed = r.setup_failed;
        total.stopped = r.stopped;
        if (r.violations || r.setup_failed || r.stopped || total.execs >= o->execs_max) {
            total.violations = r.violations;
            total.first = r.first;
            total.violated_count = r.violated_count;
            memcpy(total.violated, r.violated, sizeof(r.violated));
            total.complete = r.complete && r.violations == 0;
            break;
        }
        if (r.complete && !r.cut_by_depth) {
            total.complete = 1; /* the whole space is shallower than d: nothing deeper exists */
            break;
        }
    }
    *res = total;
}
