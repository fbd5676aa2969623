/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench.c: `make bench`. Measures and prints; asserts nothing (machines are noisy: medians and ratios).
 *
 *   1. the context switch: racebed's fiber round trip vs glibc swapcontext, side by side in one run;
 *   2. decisions/s and executions/s of the herd with 2 and 5 threads, core and mutant;
 *   3. for every mutant: executions and seconds to the first violation, median (and max) over 20 seeds;
 *   4. the exhaustive search: naive vs DPOR vs state hashing, executions, states, time, memory and the distinct
 *      outcomes each finds (they must be equal); the time to exhaust the core with 3 threads; shortest
 *      counterexamples by iterative deepening;
 *   5. the model Redis: ns per command of the command table's model (sim/model/sim_redis.h) next to the fixed-op
 *      model store (sim/model/sim_store_model.h) on the same lock-shaped work, and per command family.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>

#include "sim/run/sim_arena.h"
#include "sim/search/sim_exhaust.h"
#include "sim/explore/sim_explore.h"
#include "sim/explore/sim_faults.h"
#include "sim/explore/sim_shrink.h"
#include "sim/model/sim_redis.h"
#include "sim/model/sim_store_model.h"
#include "tests/bench/bench_util.h"


/* ---- 1. switch cost --------------------------------------------------------------------------------------------- */

enum { SWITCHES = 2000000 };

typedef struct switch_ctx {
    sim_fiber_host host;
    sim_fiber fiber;
    ucontext_t main_uc, co_uc;
} switch_ctx;

static switch_ctx *g_sw; /* bench-only: the entry functions take no context otherwise */

static void bench_fiber_entry(void *arg) {
    switch_ctx *c = arg;
    sim_fiber_started(&c->host);
    for (;;) sim_fiber_suspend(&c->host, &c->fiber);
}

static void bench_uc_entry(void) {
    for (;;) swapcontext(&g_sw->co_uc, &g_sw->main_uc);
}

static void bench_switch(void) {
    switch_ctx *c = calloc(1, sizeof(*c));
    size_t size = 256 * 1024;
    void *stack1 = aligned_alloc(64, size), *stack2 = aligned_alloc(64, size);
    g_sw = c;
    sim_fiber_init(&c->fiber, stack1, size, bench_fiber_entry, c);
    getcontext(&c->co_uc);
    c->co_uc.uc_stack.ss_sp = stack2;
    c->co_uc.uc_stack.ss_size = size;
    makecontext(&c->co_uc, bench_uc_entry, 0);
    double fib[3], uc[3];
    for (int r = 0; r < 3; r++) {
        double t0 = bench_now();
        for (int i = 0; i < SWITCHES; i++) sim_fiber_resume(&c->host, &c->fiber);
        double t1 = bench_now();
        for (int i = 0; i < SWITCHES; i++) swapcontext(&c->main_uc, &c->co_uc);
        double t2 = bench_now();
        fib[r] = (t1 - t0) / SWITCHES * 1e9;
        uc[r] = (t2 - t1) / SWITCHES * 1e9;
    }
    qsort(fib, 3, sizeof(double), bench_cmp);
    qsort(uc, 3, sizeof(double), bench_cmp);
    printf("context switch round trip (median of 3 x %d)\n", SWITCHES);
    printf("  racebed fiber   %7.1f ns\n  glibc ucontext  %7.1f ns\n  ratio           %7.1fx cheaper\n\n", fib[1],
           uc[1], uc[1] / fib[1]);
    sim_fiber_fini(&c->fiber);
    free(stack1);
    free(stack2);
    free(c);
}

/* ---- 2. throughput ---------------------------------------------------------------------------------------------- */

static void bench_config(sim_config *cfg, const char *scen, const char *variant) {
    const sim_scenario *sc = sim_scenario_find(scen);
    sim_config_defaults(cfg, sc, sim_variant_find(sc, variant));
}

/* Decisions/s of one configuration: median of 3 runs of 'execs' executions. */
static double bench_rate(sim_run *run, const sim_config *cfg, unsigned faults, int64_t execs) {
    double dps[3];
    for (int r = 0; r < 3; r++) {
        sim_random_opts o = {.seed = 7 + (uint64_t)r * 1000000, .execs_max = execs, .advance_permille = 50,
                             .faults = faults, .fault_permille = 30, .keep_going = 1};
        sim_random_result res;
        sim_explore_random(run, cfg, &o, &res);
        dps[r] = (double)res.steps / res.seconds;
    }
    qsort(dps, 3, sizeof(double), bench_cmp);
    return dps[1];
}

/* The step loop with every fault kind on vs none, side by side (goal: within 1.5x). */
static void bench_faults(sim_run *run) {
    printf("decisions/s with every fault kind on vs none (core, median of 3; goal: ratio <= 1.5)\n");
    printf("  %-18s %14s %14s %8s\n", "scenario", "no faults", "all faults", "ratio");
    const char *scens[] = {"thundering_herd", "stale_token", "ttl_expiry", "clear_vs_holders"};
    unsigned all = (1u << SIM_FAULT_BIT_COUNT_) - 1;
    for (int i = 0; i < 4; i++) {
        sim_config cfg;
        bench_config(&cfg, scens[i], "core");
        double none = bench_rate(run, &cfg, 0, 20000), with = bench_rate(run, &cfg, all, 20000);
        printf("  %-18s %14.0f %14.0f %7.2fx\n", scens[i], none, with, none / with);
    }
    printf("\n");
}

static void bench_throughput(sim_run *run) {
    printf("throughput of the step loop (seeded random strategy, 3 repeats, median)\n");
    printf("  %-16s %-7s %-22s %12s %12s %10s\n", "scenario", "threads", "variant", "decisions/s", "execs/s",
           "dec/exec");
    const char *variants[] = {"core", "mutant:check_then_set"};
    int threads[] = {2, 5};
    for (int ti = 0; ti < 2; ti++)
        for (int vi = 0; vi < 2; vi++) {
            sim_config cfg;
            char err[256];
            bench_config(&cfg, "thundering_herd", variants[vi]);
            sim_config_set(&cfg, "threads", threads[ti], err, sizeof(err));
            double dps[3], eps[3], per = 0;
            for (int r = 0; r < 3; r++) {
                sim_random_opts o = {.seed = 1 + (uint64_t)r * 1000000, .execs_max = 100000,
                                     .advance_permille = 50, .keep_going = 1};
                sim_random_result res;
                sim_explore_random(run, &cfg, &o, &res);
                dps[r] = (double)res.steps / res.seconds;
                eps[r] = (double)res.execs / res.seconds;
                per = (double)res.steps / (double)res.execs;
            }
            qsort(dps, 3, sizeof(double), bench_cmp);
            qsort(eps, 3, sizeof(double), bench_cmp);
            printf("  %-16s %-7d %-22s %12.0f %12.0f %10.1f\n", "thundering_herd", threads[ti], variants[vi], dps[1],
                   eps[1], per);
        }
    sim_config cfg;
    bench_config(&cfg, "rapid_sequential", "core");
    sim_random_opts o = {.seed = 1, .execs_max = 20000, .advance_permille = 50};
    sim_random_result res;
    sim_explore_random(run, &cfg, &o, &res);
    printf("  %-16s %-7d %-22s %12.0f %12.0f %10.1f\n\n", "rapid_sequential", 10, "core",
           (double)res.steps / res.seconds, (double)res.execs / res.seconds, (double)res.steps / (double)res.execs);
}

/* ---- 3. time to find each mutant -------------------------------------------------------------------------------- */

enum { SEEDS = 20 };

/* Median executions to the first violation of one mutant over SEEDS seeds, under 'o' (its seed is varied). */
static double bench_find(sim_run *run, const sim_config *cfg, sim_random_opts o, double *median_s, int *found) {
    double execs[SEEDS], secs[SEEDS];
    *found = 0;
    for (int s = 0; s < SEEDS; s++) {
        o.seed = 1 + (uint64_t)s * 1000003;
        if (o.pct_depth) o.pct_steps = sim_explore_pct_steps(run, cfg, &o);
        sim_random_result res;
        sim_explore_random(run, cfg, &o, &res);
        *found += res.violations > 0;
        execs[s] = (double)res.execs;
        secs[s] = res.seconds;
    }
    qsort(execs, SEEDS, sizeof(double), bench_cmp);
    qsort(secs, SEEDS, sizeof(double), bench_cmp);
    *median_s = (secs[SEEDS / 2 - 1] + secs[SEEDS / 2]) / 2;
    return (execs[SEEDS / 2 - 1] + execs[SEEDS / 2]) / 2;
}

/* Decisions in the schedule of seed 1's first violation, as found and shrunk. */
static void bench_shrink(sim_run *run, const sim_config *cfg, const sim_random_opts *o, int *found_len,
                         int *shrunk_len) {
    sim_random_opts one = *o;
    one.seed = 1;
    sim_random_result res;
    sim_explore_random(run, cfg, &one, &res);
    *found_len = *shrunk_len = 0;
    if (res.violations == 0) return;
    sim_schedule s, out;
    sim_schedule_init(&s);
    sim_schedule_init(&out);
    sim_explore_record(run, cfg, one.seed + (uint64_t)res.first_exec, &one, "random", &s, NULL);
    sim_shrink_result sr;
    if (sim_shrink(run, cfg, &s, res.first.oracle, 300, &out, &sr) == 0) {
        *found_len = sr.before;
        *shrunk_len = sr.after;
    }
    sim_schedule_free(&s);
    sim_schedule_free(&out);
}

static void bench_mutants(sim_run *run) {
    printf("executions to the first violation per mutant, median of %d seeds (goal: median < 0.1 s), random vs "
           "PCT depth 3; and the schedule as found vs shrunk (seed 1)\n", SEEDS);
    printf("  %-18s %-26s %12s %12s %8s %12s %9s %9s\n", "scenario", "variant", "random execs", "random s",
           "found", "pct:3 execs", "found len", "shrunk");
    for (int i = 0; sim_scenarios[i]; i++) {
        const sim_scenario *sc = sim_scenarios[i];
        for (int v = 1; v < sc->variant_count; v++) {
            sim_config cfg;
            sim_config_defaults(&cfg, sc, v);
            unsigned faults = 0;
            char err[256];
            if (sc->faults) sim_faults_parse(sc->faults, &faults, err, sizeof(err)); /* its default faults */
            sim_random_opts o = {.execs_max = 1000000, .advance_permille = 50, .faults = faults,
                                 .fault_permille = 30};
            double rs, ps;
            int rf, pf, found_len, shrunk_len;
            double re = bench_find(run, &cfg, o, &rs, &rf);
            o.pct_depth = 3;
            double pe = bench_find(run, &cfg, o, &ps, &pf);
            o.pct_depth = 0;
            bench_shrink(run, &cfg, &o, &found_len, &shrunk_len);
            printf("  %-18s %-26s %12.0f %12.6f %5d/%d %9.0f%s %9d %9d\n", sc->name, sc->variants[v].name, re, rs,
                   rf, SEEDS, pe, pf == SEEDS ? "   " : " (!)", found_len, shrunk_len);
        }
    }
}

/* ---- 4. exhaustive search ---------------------------------------------------------------------------------------- */

typedef struct exh_row {
    const char *scen, *variant;
    const char *params[2]; /* "name=value" */
} exh_row;

static void exh_config(sim_config *cfg, const exh_row *r) {
    bench_config(cfg, r->scen, r->variant);
    char err[256];
    for (int i = 0; i < 2 && r->params[i]; i++)
        if (sim_config_set_text(cfg, r->params[i], err, sizeof(err)) != 0) fprintf(stderr, "bench: %s\n", err);
}

/* One search; returns its wall time. */
static double exh_run(sim_run *run, const sim_config *cfg, sim_reduce reduce, int preemptions_max, int64_t execs_max,
                      int shortest, sim_exhaust_result *res) {
    sim_visited outcomes;
    sim_visited_init(&outcomes, (size_t)1 << 26);
    sim_exhaust_opts o;
    memset(&o, 0, sizeof(o));
    o.seed = 1;
    o.preemptions_max = preemptions_max;
    o.execs_max = execs_max;
    o.keep_going = !shortest;
    o.reduce = reduce;
    o.shortest = shortest;
    o.outcomes = &outcomes;
    double t0 = bench_now();
    sim_exhaust(run, cfg, &o, res, NULL);
    double t = bench_now() - t0;
    sim_visited_free(&outcomes);
    return t;
}

static void exh_cell(const sim_exhaust_result *r, double s) {
    if (r->complete)
        printf(" %9lld %7.2fs", (long long)r->execs, s);
    else
        printf(" %8lld+ %7.2fs", (long long)r->execs, s);
}

static void bench_exhaustive(sim_run *run) {
    enum { EXEC_CAP = 300000 };
    static const exh_row rows[] = {
        {"thundering_herd", "core", {"threads=3"}},   {"thundering_herd", "mutant:check_then_set", {"threads=3"}},
        {"stale_token", "core", {NULL}},               {"stale_token", "mutant:get_compare_del", {NULL}},
        {"store_restart", "core", {NULL}},             {"store_restart", "mutant:no_fencing", {NULL}},
        {"per_key_timeout", "core", {NULL}},           {"singleton", "core", {NULL}},
        {"sleep_mitigation", "core", {NULL}},          {"spin_anchor", "core", {NULL}},
        {"rapid_sequential", "core", {"requests=3"}},  {"clear_vs_holders", "core", {NULL}},
        {"ttl_expiry", "core", {NULL}},
    };
    printf("exhaustive search, every preemption, each scenario's own bounds: executions (+: stopped at %d) and time;\n"
           "state hashing: the naive executions it counted, states stored, time, memory; 'outcomes' is the distinct\n"
           "terminal outcomes each found\n",
           EXEC_CAP);
    printf("  %-17s %-22s %9s %8s %9s %8s %9s %9s %8s %8s %s\n", "scenario", "variant", "naive", "s", "dpor", "s",
           "hash", "states", "s", "MiB", "outcomes naive/dpor/hash");
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        sim_config cfg;
        exh_config(&cfg, &rows[i]);
        sim_exhaust_result rn, rd, rh;
        double sn = exh_run(run, &cfg, SIM_REDUCE_NONE, -1, EXEC_CAP, 0, &rn);
        double sd = exh_run(run, &cfg, SIM_REDUCE_DPOR, -1, EXEC_CAP, 0, &rd);
        double sh = exh_run(run, &cfg, SIM_REDUCE_HASH, -1, INT64_MAX, 0, &rh);
        printf("  %-17s %-22s", rows[i].scen, rows[i].variant);
        exh_cell(&rn, sn);
        exh_cell(&rd, sd);
        printf(" %9lld %9lld %7.2fs %8.1f %lld/%lld/%lld%s\n", (long long)rh.naive_execs, (long long)rh.states, sh,
               (double)rh.memory_bytes / 1048576.0, (long long)rn.outcomes, (long long)rd.outcomes,
               (long long)rh.outcomes,
               !rn.complete || !rd.complete               ? " (naive or dpor stopped early)"
               : rn.outcomes == rd.outcomes && rd.outcomes == rh.outcomes ? " equal"
                                                                           : " DIFFERENT");
    }
    printf("\ntime to exhaust the core with 3 threads on one core (goal < 60 s): state hashing, every preemption,\n"
           "each scenario's bounds\n");
    static const exh_row three[] = {
        {"thundering_herd", "core", {"threads=3"}}, {"rapid_sequential", "core", {"requests=3"}},
        {"spin_anchor", "core", {"n=3"}},            {"ttl_expiry", "core", {NULL}},
        {"clear_vs_holders", "core", {"threads=3"}},
    };
    for (size_t i = 0; i < sizeof(three) / sizeof(three[0]); i++) {
        sim_config cfg;
        exh_config(&cfg, &three[i]);
        sim_exhaust_result r;
        double s = exh_run(run, &cfg, SIM_REDUCE_HASH, -1, INT64_MAX, 0, &r);
        printf("  %-17s %-12s %10lld states %10lld executions %8.2f s %8.1f MiB %s (the naive search: %lld)\n",
               three[i].scen, three[i].params[0] ? three[i].params[0] : "", (long long)r.states, (long long)r.execs, s,
               (double)r.memory_bytes / 1048576.0, r.complete ? "complete" : r.stopped ? r.stopped : "incomplete",
               (long long)r.naive_execs);
    }
    printf("\nshortest counterexample per mutant (iterative deepening over states) vs the first one depth-first, "
           "decisions\n");
    for (int i = 0; sim_scenarios[i]; i++) {
        const sim_scenario *sc = sim_scenarios[i];
        for (int v = 1; v < sc->variant_count; v++) {
            sim_config cfg;
            sim_config_defaults(&cfg, sc, v);
            char err[256];
            if (strcmp(sc->name, "thundering_herd") == 0) sim_config_set(&cfg, "threads", 3, err, sizeof(err));
            if (strcmp(sc->name, "rapid_sequential") == 0) sim_config_set(&cfg, "requests", 3, err, sizeof(err));
            sim_exhaust_result rf, rs;
            sim_schedule first;
            sim_schedule_init(&first);
            sim_exhaust_opts o;
            memset(&o, 0, sizeof(o));
            o.seed = 1;
            o.preemptions_max = 2;
            o.execs_max = 300000; /* per deepening step: a liveness bug hundreds of decisions deep is left to DFS */
            o.reduce = SIM_REDUCE_HASH;
            sim_exhaust(run, &cfg, &o, &rf, &first);
            int dfs_len = rf.violations ? first.decision_count : -1;
            sim_schedule_free(&first);
            sim_schedule_init(&first);
            o.shortest = 1;
            double t0 = bench_now();
            sim_exhaust(run, &cfg, &o, &rs, &first);
            double t = bench_now() - t0;
            printf("  %-17s %-26s depth-first %4d, shortest %4d (%.2f s)%s\n", sc->name, sc->variants[v].name, dfs_len,
                   rs.violations ? first.decision_count : -1, t, rs.violations ? "" : "  not found in the bounds");
            sim_schedule_free(&first);
        }
    }
}

/* ---- 5. the model Redis ---------------------------------------------------------------------------------------- */

enum { MODEL_ROUNDS = 20000 };

typedef struct model_line {
    const char *what;       /* the row's label */
    const char *cmds[4][8]; /* up to 4 commands run in turn each round; NULL ends a command and the list */
} model_line;

/* Runs the line's commands MODEL_ROUNDS times on 'ks' at a fixed server time; ns per command. */
static double model_line_ns(sim_keyspace *ks, const model_line *l) {
    lk_reply_node nodes[64];
    char bytes[1024];
    lk_reply r;
    lk_reply_init(&r, nodes, 64, bytes, sizeof(bytes));
    int argc[4] = {0}, ncmd = 0;
    size_t len[4][8];
    for (; ncmd < 4 && l->cmds[ncmd][0]; ncmd++)
        for (argc[ncmd] = 0; argc[ncmd] < 8 && l->cmds[ncmd][argc[ncmd]]; argc[ncmd]++)
            len[ncmd][argc[ncmd]] = strlen(l->cmds[ncmd][argc[ncmd]]);
    sim_ks_reset(ks);
    double t0 = bench_now();
    for (int i = 0; i < MODEL_ROUNDS; i++)
        for (int c = 0; c < ncmd; c++)
            if (sim_redis_exec(ks, 1700000000000, argc[c], l->cmds[c], len[c], &r) != LK_OK) return -1;
    return (bench_now() - t0) * 1e9 / ((double)MODEL_ROUNDS * ncmd);
}

/* The fixed-op store on acquire + release of one lock: ns per op. */
static double model_fixed_ns(sim_store_model *s) {
    lk_store_op acq = {.kind = LK_OP_ACQUIRE, .key = "lk:a", .aux_key = "lk:a:fence", .value = "tok1", .ttl_ms = 1000};
    lk_store_op rel = {.kind = LK_OP_RELEASE, .key = "lk:a", .value = "tok1"};
    lk_store_reply r;
    sim_store_model_init(s);
    double t0 = bench_now();
    for (int i = 0; i < MODEL_ROUNDS; i++) {
        sim_store_model_exec(s, 1700000000000, &acq, &r);
        sim_store_model_exec(s, 1700000000000, &rel, &r);
    }
    return (bench_now() - t0) * 1e9 / (2.0 * MODEL_ROUNDS);
}

static lk_reply *bench_wake_reply(void *arg, int i) {
    return &((lk_reply *)arg)[i];
}

static void bench_wake_served(void *arg, int i, lk_rc rc) {
    (void)arg;
    (void)i;
    (void)rc;
}

/* One blocking wake-up as the simulator runs it: client 0's BLPOP blocks, client 1's RPUSH, then the serving of
 * the blocked client from the final state. ns per cycle. */
static double model_wake_ns(sim_keyspace *ks) {
    sim_redis_client *cl = calloc(2, sizeof(*cl));
    lk_reply_node nodes[2][8];
    char bytes[2][128];
    lk_reply r[2];
    if (cl == NULL) return 0;
    for (int i = 0; i < 2; i++) {
        sim_redis_client_init(&cl[i], (uint32_t)i);
        lk_reply_init(&r[i], nodes[i], 8, bytes[i], sizeof(bytes[i]));
    }
    const char *bl[] = {"BLPOP", "sig:a", "0"}, *push[] = {"RPUSH", "sig:a", "1"};
    size_t bl_len[] = {5, 5, 1}, push_len[] = {5, 5, 1};
    sim_redis_waker w = {r, bench_wake_reply, bench_wake_served};
    double t0 = bench_now();
    for (int i = 0; i < MODEL_ROUNDS; i++) {
        sim_redis_exec_client(ks, &cl[0], 1700000000000, 3, bl, bl_len, &r[0]);
        sim_redis_block_order(cl, 2, 0);
        sim_redis_exec_client(ks, &cl[1], 1700000000000, 3, push, push_len, &r[1]);
        sim_redis_serve_blocked(ks, cl, 2, 1700000000000, &w);
    }
    double ns = (bench_now() - t0) * 1e9 / MODEL_ROUNDS;
    free(cl);
    return ns;
}

/* One pub/sub message as the simulator runs it: PUBLISH to a channel client 0 subscribed, the delivery into its
 * inbox and the read that takes it. ns per message. */
static double model_publish_ns(sim_keyspace *ks) {
    sim_redis_client *cl = calloc(2, sizeof(*cl));
    lk_reply_node nodes[8];
    char bytes[128];
    lk_reply r;
    if (cl == NULL) return 0;
    lk_reply_init(&r, nodes, 8, bytes, sizeof(bytes));
    for (int i = 0; i < 2; i++)
        sim_redis_client_init(&cl[i], (uint32_t)i);
    const char *sub[] = {"SUBSCRIBE", "ch:a"}, *pub[] = {"PUBLISH", "ch:a", "unlocked"};
    size_t sub_len[] = {9, 4}, pub_len[] = {7, 4, 8};
    uint64_t got;
    sim_redis_exec_client(ks, &cl[0], 1700000000000, 2, sub, sub_len, &r);
    double t0 = bench_now();
    for (int i = 0; i < MODEL_ROUNDS; i++) {
        sim_redis_exec_client(ks, &cl[1], 1700000000000, 3, pub, pub_len, &r);
        sim_redis_deliver(ks, cl, 2, 1, i + 1, &got);
        sim_redis_inbox_take(&cl[0], &r);
    }
    double ns = (bench_now() - t0) * 1e9 / MODEL_ROUNDS;
    sim_redis_client_reset(ks, &cl[0]);
    free(cl);
    return ns;
}

static void bench_model(void) {
    static const model_line lines[] = {
        {"SET NX PX + DEL (lock shape)", {{"SET", "lk:a", "tok1:1", "NX", "PX", "1000"}, {"DEL", "lk:a"}}},
        {"GET (absent)", {{"GET", "lk:a"}}},
        {"INCR", {{"INCR", "lk:a:fence"}}},
        {"HSET + HDEL", {{"HSET", "rw:a", "mode", "read"}, {"HDEL", "rw:a", "mode"}}},
        {"HINCRBY + HGET", {{"HINCRBY", "rw:a", "readers", "1"}, {"HGET", "rw:a", "readers"}}},
        {"RPUSH + LPOP", {{"RPUSH", "q:a", "w1"}, {"LPOP", "q:a"}}},
        {"ZADD + ZREM", {{"ZADD", "t:a", "1000", "w1"}, {"ZREM", "t:a", "w1"}}},
        {"PTTL (absent)", {{"PTTL", "lk:a"}}},
        {"EVAL acquire + release (Lua)",
         {{"EVAL", "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', 1000) then return 1 end return 0", "1", "lk:a",
           "t1"},
          {"EVAL", "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
           "1", "lk:a", "t1"}}},
    };
    sim_keyspace *ks = malloc(sizeof(*ks));
    sim_store_model *fixed = malloc(sizeof(*fixed));
    if (ks == NULL || fixed == NULL) return;
    sim_ks_init(ks);
    printf("\nthe model Redis: ns per command (median of 3 x %d rounds)\n", MODEL_ROUNDS);
    double f[3];
    for (int k = 0; k < 3; k++)
        f[k] = model_fixed_ns(fixed);
    qsort(f, 3, sizeof(double), bench_cmp);
    printf("  %-34s %8.1f ns  (the fixed-op store, for reference)\n", "ACQUIRE + RELEASE composites", f[1]);
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        double t[3];
        for (int k = 0; k < 3; k++)
            t[k] = model_line_ns(ks, &lines[i]);
        qsort(t, 3, sizeof(double), bench_cmp);
        printf("  %-34s %8.1f ns  (%.2fx the composite)\n", lines[i].what, t[1], t[1] / f[1]);
    }
    double (*const waits[])(sim_keyspace *) = {model_wake_ns, model_publish_ns};
    static const char *const wait_names[] = {"BLPOP blocked, RPUSH, wake-up", "PUBLISH, delivery, read"};
    for (int k = 0; k < 2; k++) {
        double t[3];
        for (int j = 0; j < 3; j++)
            t[j] = waits[k](ks);
        qsort(t, 3, sizeof(double), bench_cmp);
        printf("  %-34s %8.1f ns  (%.2fx the composite)\n", wait_names[k], t[1], t[1] / f[1]);
    }
    free(ks);
    free(fixed);
}

int main(int argc, char **argv) {
    char err[256];
    if (argc == 2 && strcmp(argv[1], "--model") == 0) {
        bench_model();
        return 0;
    }
    sim_run *run = sim_arena_map(err, sizeof(err));
    if (run == NULL) {
        fprintf(stderr, "bench: %s\n", err);
        return 4;
    }
    printf("racebed bench (-O2 build; one core; figures are medians)\n\n");
    bench_switch();
    bench_throughput(run);
    bench_faults(run);
    bench_mutants(run);
    printf("\n");
    bench_exhaustive(run);
    bench_model();
    sim_arena_unmap(run);
    return 0;
}
