/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sim_reduce.c: each reduction of the exhaustive search (DPOR, state hashing) finds exactly the same set of
 * distinct terminal outcomes and the same violated oracles as the naive enumeration, on small scenarios with and
 * without mutants, with environment decisions (advances, a wall step, a crash) and with a preemption bound; and the
 * snapshot/restore and iterative deepening they rest on.
 *
 * Outcomes are compared as sets of fingerprints taken in this one process (fingerprints hold code addresses, so
 * they are only comparable within a process).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/run/sim_fiber.h"
#include "sim/search/sim_census.h"
#include "sim/search/sim_exhaust.h"
#include "sim/engine/sim_guard.h"
#include "sim/engine/sim_sched.h"
#include "sim/run/sim_verdict.h"
#include "sim_test_modes.h"

typedef struct reduce_case {
    const char *scenario, *variant;
    const char *params[6]; /* "name=value", NULL-terminated */
    int preemptions_max;   /* -1: unbounded (all three modes); else naive and hash only */
    int expect_violation;
} reduce_case;

static const reduce_case cases[] = {
    {"thundering_herd", "core", {"threads=3"}, -1, 0},
    {"thundering_herd", "mutant:check_then_set", {"threads=3"}, -1, 1},
    {"stale_token", "mutant:plain_del", {NULL}, -1, 1},
    {"stale_token", "mutant:get_compare_del", {NULL}, -1, 1},
    {"thundering_herd", "core", {"threads=2", "crashes_max=1", "wall_steps_max=1"}, -1, 0},
    {"thundering_herd", "core", {"threads=2", "crashes_max=0", "pauses_max=1"}, -1, 0},
    {"store_restart", "mutant:no_fencing", {"restarts_max=0", "wall_step_clocks=server", "wall_step_signs=+"}, -1, 1},
    {"thundering_herd", "core", {"threads=2", "crashes_max=0", "restarts_max=1"}, -1, 0},
    {"stale_token", "core", {NULL}, -1, 0},
    {"singleton", "core", {"threads=3"}, -1, 0}, /* env mutex and once, one process, a crash */
    {"stale_token", "mutant:get_compare_del", {NULL}, 1, 1},
    /* every fault kind is a decision: store faults (DPOR: the faulted thread's own events), wall steps of the
     * processes' clocks and backwards, a process crash */
    {"thundering_herd", "core", {"threads=2", "crashes_max=0", "store_faults_max=1"}, -1, 0},
    {"stale_token", "mutant:plain_del", {"store_faults_max=1", "advances_max=1"}, -1, 1},
    {"stale_token", "core", {"store_faults_max=1", "advances_max=1"}, -1, 0},
    {"thundering_herd", "core", {"threads=2", "crashes_max=0", "wall_steps_max=1", "wall_step_clocks=clients"}, -1, 0},
    {"store_restart",
     "core",
     {"restarts_max=0", "wall_steps_max=1", "wall_step_clocks=server", "wall_step_signs=-"},
     -1,
     0},
    {"singleton", "core", {"threads=3", "crashes_max=1"}, 1, 0}, /* a process crash, preemption-bounded */
    {"thundering_herd", "mutant:check_then_set", {"threads=3", "crashes_max=1"}, 2, 1},
};

static void case_config(const reduce_case *c, sim_config *cfg) {
    const sim_scenario *sc = sim_scenario_find(c->scenario);
    assert_non_null(sc);
    int v = sim_variant_find(sc, c->variant);
    assert_true(v >= 0);
    sim_config_defaults(cfg, sc, v);
    char err[256];
    for (int i = 0; i < 6 && c->params[i]; i++)
        assert_int_equal(sim_config_set_text(cfg, c->params[i], err, sizeof(err)), 0);
}

/* Search options: seed 1, every preemption, 'execs_max' executions, mode 'reduce'. */
static sim_exhaust_opts opts_of(sim_reduce reduce, int64_t execs_max) {
    sim_exhaust_opts o;
    memset(&o, 0, sizeof(o));
    o.seed = 1;
    o.preemptions_max = -1;
    o.execs_max = execs_max;
    o.reduce = reduce;
    return o;
}

static void assert_same(const reduce_case *c, const char *mode, const mode_result *naive, const mode_result *other) {
    if (naive->n != other->n || memcmp(naive->outcome, other->outcome, sizeof(sim_fp) * naive->n) != 0)
        fail_msg("%s %s: %s finds %zu distinct outcomes, naive %zu (or other ones)", c->scenario, c->variant, mode,
                 other->n, naive->n);
    assert_int_equal(naive->res.violated_count, other->res.violated_count);
    for (int i = 0; i < naive->res.violated_count; i++)
        assert_string_equal(naive->res.violated[i], other->res.violated[i]);
}

static void test_reductions_agree_with_naive(void **state) {
    (void)state;
    int64_t dpor_execs = 0, naive_execs = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const reduce_case *c = &cases[i];
        sim_config cfg;
        case_config(c, &cfg);
        mode_result naive, hash, dpor;
        run_mode(&cfg, SIM_REDUCE_NONE, c->preemptions_max, 50000000, &naive);
        assert_int_equal(naive.res.violations > 0, c->expect_violation);
        assert_true(naive.n > 1);
        run_mode(&cfg, SIM_REDUCE_HASH, c->preemptions_max, 50000000, &hash);
        assert_same(c, "hash", &naive, &hash);
        assert_true(hash.res.states > 0);
        assert_true(hash.res.steps < naive.res.steps);           /* it prunes */
        assert_int_equal(hash.res.naive_execs, naive.res.execs); /* and counts the paths it did not run */
        if (c->preemptions_max < 0) {
            run_mode(&cfg, SIM_REDUCE_DPOR, -1, 50000000, &dpor);
            assert_same(c, "dpor", &naive, &dpor);
            assert_true(dpor.res.execs <= naive.res.execs);
            dpor_execs += dpor.res.execs;
            naive_execs += naive.res.execs;
            free(dpor.outcome);
        }
        free(naive.outcome);
        free(hash.outcome);
    }
    assert_true(dpor_execs * 2 < naive_execs); /* it reduces (not for one process's threads: they share memory) */
}

/* Workers sharing one visited set (--jobs) find the same outcomes, violated oracles and naive count as one search
 * alone; so does the union of shards (--shard) of the search over states, whose naive counts add up. */
static void test_workers_and_shards_agree(void **state) {
    (void)state;
    /* every third configuration (a third of the time under the sanitizers), mutants, faults and a bound among them */
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i += 3) {
        const reduce_case *c = &cases[i];
        sim_config cfg;
        case_config(c, &cfg);
        sim_exhaust_opts o = opts_of(SIM_REDUCE_HASH, 50000000);
        o.preemptions_max = c->preemptions_max;
        mode_result alone, workers;
        run_search(&cfg, &o, &alone);
        for (int jobs = 2; jobs <= (i % 2 ? 2 : 3); jobs++) {
            o.jobs = jobs;
            run_search(&cfg, &o, &workers);
            assert_same(c, "hash --jobs", &alone, &workers);
            assert_int_equal(workers.res.jobs, jobs);
            /* the same states up to those that differ in dead stack bytes only (how many of them are met depends on
             * the order states are met in, which workers change: sim_snapshot.h), never one stored twice */
            assert_true(workers.res.states < 2 * alone.res.states); /* up to +23% measured, never a copy each */
            assert_int_equal(workers.res.naive_execs, alone.res.naive_execs);
            free(workers.outcome);
        }
        o.jobs = i % 2 ? 2 : 1; /* shards, alone and with workers */
        enum { SHARDS = 3 };
        sim_fp *all = malloc(sizeof(sim_fp) * (alone.n + 1));
        assert_non_null(all);
        size_t n = 0;
        int64_t naive = 0, states = 0;
        for (int k = 0; k < SHARDS; k++) {
            o.shard = k;
            o.shards = SHARDS;
            mode_result part;
            run_search(&cfg, &o, &part);
            naive += part.res.naive_execs;
            states += part.res.states;
            for (size_t j = 0; j < part.n; j++) { /* the union, as a sorted set */
                size_t at = 0;
                while (at < n && fp_cmp(&all[at], &part.outcome[j]) < 0)
                    at++;
                if (at < n && fp_cmp(&all[at], &part.outcome[j]) == 0) continue;
                assert_true(n < alone.n); /* no outcome a search alone does not find */
                memmove(&all[at + 1], &all[at], sizeof(sim_fp) * (n - at));
                all[at] = part.outcome[j];
                n++;
            }
            free(part.outcome);
        }
        if (n != alone.n || memcmp(all, alone.outcome, sizeof(sim_fp) * n) != 0)
            fail_msg("%s %s: the shards find %zu distinct outcomes, one search %zu", c->scenario, c->variant, n,
                     alone.n);
        assert_int_equal(naive, alone.res.naive_execs);
        assert_true(states >= alone.res.states); /* shards overlap, never miss */
        free(all);
        free(alone.outcome);
    }
}

/* A restored snapshot is the state it saved: same fingerprint, and the same decisions lead to the same end. */
static void test_snapshot_restore_roundtrip(void **state) {
    (void)state;
    sim_config cfg;
    case_config(&cases[0], &cfg); /* thundering_herd, 3 threads */
    sim_exec_args a = {cfg.scenario, cfg.variant, cfg.param, 1, 0, 0, NULL, NULL};
    assert_int_equal(sim_exec_begin(g_run, &a), SIM_END_PASS);
    assert_true(sim_state_supported(g_run));
    const sim_chooser none = {NULL, NULL, NULL, NULL};
    int enabled[SIM_THREADS_MAX];
    int n = sim_exec_until_decision(g_run, &none, enabled);
    for (int i = 0; i < 1 || n < 2; i++) { /* a decision in, so a thread has live frames, to a choice */
        sim_choice c = {SIM_DEC_RUN, enabled[0], -1, 0, 0};
        sim_exec_apply(g_run, &c);
        n = sim_exec_until_decision(g_run, &none, enabled);
        assert_true(n > 0);
    }
    sim_fp before = sim_state_fingerprint(g_run, 7);
    sim_snapshots snaps;
    sim_snapshots_init(&snaps, (size_t)64 << 20);
    int64_t off = sim_state_save(g_run, &snaps);
    assert_true(off >= 0);
    sim_fp ends[2];
    for (int round = 0; round < 2; round++) { /* the last enabled thread first, then index order to the end */
        sim_choice c = {SIM_DEC_RUN, enabled[n - 1], -1, 0, 0};
        sim_exec_apply(g_run, &c);
        while (sim_exec_until_decision(g_run, &none, enabled) > 0) {
            sim_choice d = {SIM_DEC_RUN, enabled[0], -1, 0, 0};
            sim_exec_apply(g_run, &d);
        }
        sim_exec_finish(g_run);
        ends[round] = sim_state_outcome(g_run);
        assert_false(fp_cmp(&before, &ends[round]) == 0);
        sim_state_restore(g_run, &snaps, off);
        sim_fp after = sim_state_fingerprint(g_run, 7);
        assert_int_equal(fp_cmp(&before, &after), 0);
        assert_int_equal(sim_exec_until_decision(g_run, &none, enabled), n);
        sim_fp other = sim_state_fingerprint(g_run, 8); /* the search's own state is part of it */
        assert_false(fp_cmp(&before, &other) == 0);
    }
    assert_int_equal(fp_cmp(&ends[0], &ends[1]), 0);
    sim_exec_teardown(g_run);
    sim_snapshots_free(&snaps);
}

/* A restore brings back every table a step may write, byte for byte: at each point of one path of 'sc', another
 * branch runs to the end, the state is restored, and the oracles' tables, the resources and the mutexes must equal
 * what they were at the save (the scripted locks' schema owners change mid-run: rw_memory's writer, fair_queue's). */
static void assert_restore_brings_back_tables(const reduce_case *rc) {
    sim_config cfg;
    case_config(rc, &cfg);
    sim_exec_args a = {cfg.scenario, cfg.variant, cfg.param, 1, 0, 0, NULL, NULL};
    assert_int_equal(sim_exec_begin(g_run, &a), SIM_END_PASS);
    const sim_chooser none = {NULL, NULL, NULL, NULL};
    sim_snapshots snaps;
    sim_snapshots_init(&snaps, (size_t)64 << 20);
    sim_oracle_state *kept = malloc(sizeof(*kept));
    sim_resource kept_res[SIM_RESOURCES_MAX];
    sim_mutex kept_mutex[SIM_MUTEXES_MAX];
    assert_non_null(kept);
    int enabled[SIM_THREADS_MAX], n, points = 0, owners_seen = 0;
    while ((n = sim_exec_until_decision(g_run, &none, enabled)) > 0 && points < 200) {
        memcpy(kept, &g_run->oracle, sizeof(*kept));
        memcpy(kept_res, g_run->resource, sizeof(kept_res));
        memcpy(kept_mutex, g_run->mutex, sizeof(kept_mutex));
        int64_t mark = sim_state_save(g_run, &snaps);
        assert_true(mark >= 0);
        for (int m; (m = sim_exec_until_decision(g_run, &none, enabled)) > 0;) { /* another branch, to the end */
            sim_choice c = {SIM_DEC_RUN, enabled[m - 1], -1, 0, 0};
            sim_exec_apply(g_run, &c);
            for (int i = 0; i < g_run->oracle.schema_count; i++)
                owners_seen += g_run->oracle.schema[i].owner != 0;
        }
        sim_state_restore(g_run, &snaps, mark);
        sim_snapshots_truncate(&snaps, mark);
        if (memcmp(kept, &g_run->oracle, sizeof(*kept)) != 0)
            fail_msg("%s: the oracles' tables differ after a restore at point %d", rc->scenario, points);
        if (memcmp(kept_res, g_run->resource, sizeof(kept_res)) != 0 ||
            memcmp(kept_mutex, g_run->mutex, sizeof(kept_mutex)) != 0)
            fail_msg("%s: the resources or mutexes differ after a restore at point %d", rc->scenario, points);
        assert_int_equal(sim_exec_until_decision(g_run, &none, enabled), n);
        sim_choice c = {SIM_DEC_RUN, enabled[0], -1, 0, 0};
        sim_exec_apply(g_run, &c);
        points++;
    }
    assert_true(points > 5);
    assert_true(owners_seen > 0); /* a branch set a schema's owner: the restore had something to bring back */
    sim_exec_teardown(g_run);
    sim_snapshots_free(&snaps);
    free(kept);
}

static void test_restore_brings_back_tables(void **state) {
    (void)state;
    static const reduce_case rw = {"rw_memory", "core", {"readers=1", "writers=1", "rounds=1"}, -1, 0};
    static const reduce_case fq = {"fair_queue", "core", {NULL}, -1, 0};
    assert_restore_brings_back_tables(&rw);
    assert_restore_brings_back_tables(&fq);
}

static void test_visited_set(void **state) {
    (void)state;
    sim_visited v;
    sim_visited_init(&v, 5000);
    for (uint64_t i = 1; i <= 5000; i++)
        assert_int_equal(sim_visited_add(&v, (sim_fp){i * 0x9E3779B97F4A7C15ull, i << 20}, 10), 1);
    for (uint64_t i = 1; i <= 5000; i++) /* the same states, as deep or deeper: seen */
        assert_int_equal(sim_visited_add(&v, (sim_fp){i * 0x9E3779B97F4A7C15ull, i << 20}, 10 + (int)(i % 3)), 0);
    /* reached with more of the depth bound left: explore again, once */
    assert_int_equal(sim_visited_add(&v, (sim_fp){0x9E3779B97F4A7C15ull, 1 << 20}, 4), 1);
    assert_int_equal(sim_visited_add(&v, (sim_fp){0x9E3779B97F4A7C15ull, 1 << 20}, 4), 0);
    assert_int_equal(sim_visited_add(&v, (sim_fp){0x9E3779B97F4A7C15ull, 1 << 20}, 9), 0);
    assert_int_equal(sim_visited_add(&v, (sim_fp){1, 1 << 20}, 0), -1); /* full */
    assert_int_equal(v.count, 5000);
    sim_visited_free(&v);
}

/* Fills 'v' (with values) with 'n' states through several doublings, then finds each with its value: a large table
 * grows into a mapping of its own and gives the old one's pages back chunk by chunk as it empties them. */
static void visited_fill_and_find(sim_visited *v, uint64_t n) {
    for (uint64_t i = 1; i <= n; i++) {
        sim_fp fp = {i * 0x9E3779B97F4A7C15ull, (i * 0xC2B2AE3D27D4EB4Full) << 20};
        assert_int_equal(sim_visited_add(v, fp, (int)(i % 7)), 1);
        assert_int_equal(sim_visited_set(v, fp, (int)(i % 7), i), 1);
    }
    assert_int_equal(sim_visited_count(v), n);
    assert_true(sim_visited_bytes(v) >= ((size_t)1 << 20) * 24); /* grew past the chunk size (2^18 slots) */
    size_t occupied = 0; /* no entry left behind: a reused half held zeroes only */
    for (size_t i = 0; i < v->cap; i++)
        occupied += (v->slot[i].lo | v->slot[i].hi) != 0;
    assert_int_equal(occupied, n);
    for (uint64_t i = 1; i <= n; i++) {
        sim_fp fp = {i * 0x9E3779B97F4A7C15ull, (i * 0xC2B2AE3D27D4EB4Full) << 20};
        uint64_t value = 0;
        assert_int_equal(sim_visited_get(v, fp, &value), 1);
        assert_int_equal(value, i);
        assert_int_equal(sim_visited_add(v, fp, 7), 0);
    }
}

static void test_visited_set_grows_large(void **state) {
    (void)state;
    sim_visited v;
    sim_visited_init(&v, 1000000);
    v.with_values = 1;
    visited_fill_and_find(&v, 600000);
    sim_visited_free(&v);
    char err[256];
    sim_visited *shared = sim_visited_new_shared(1000000, 1, err, sizeof(err));
    assert_non_null(shared);
    visited_fill_and_find(shared, 600000);
    sim_visited_free_shared(shared);
}

/* --shortest finds a violation no longer than any a depth-first search finds, and none is shorter: iterative
 * deepening (naive) and the search over states that lowers its depth bound below each violation it finds (hash)
 * agree on its length. */
static void test_shortest_counterexample(void **state) {
    (void)state;
    const reduce_case *list[] = {&cases[1], &cases[2], &cases[3], &cases[6]}; /* herd, stale token x2, restart */
    for (size_t k = 0; k < 4; k++) {
        sim_config cfg;
        case_config(list[k], &cfg);
        int depth[SIM_REDUCE_HASH + 1] = {0};
        for (int reduce = SIM_REDUCE_NONE; reduce <= SIM_REDUCE_HASH; reduce += SIM_REDUCE_HASH) {
            sim_exhaust_opts o = opts_of((sim_reduce)reduce, 50000000);
            sim_schedule dfs, sh;
            sim_schedule_init(&dfs);
            sim_schedule_init(&sh);
            sim_exhaust_result r1, r2;
            sim_exhaust(g_run, &cfg, &o, &r1, &dfs);
            o.shortest = 1;
            sim_exhaust(g_run, &cfg, &o, &r2, &sh);
            assert_true(r1.violations > 0 && r2.violations > 0);
            assert_true(sh.decision_count <= dfs.decision_count);
            assert_int_equal(sh.decision_count, r2.depth_reached);
            assert_int_equal(r2.branch_and_bound, reduce == SIM_REDUCE_HASH);
            depth[reduce] = r2.depth_reached;
            /* nothing shorter: the whole space to one decision less has no violation */
            o.shortest = 0;
            o.depth_limit = r2.depth_reached - 1;
            o.keep_going = 1;
            sim_exhaust_result r3;
            sim_exhaust(g_run, &cfg, &o, &r3, NULL);
            assert_int_equal(r3.violations, 0);
            sim_schedule_free(&dfs);
            sim_schedule_free(&sh);
        }
        assert_int_equal(depth[SIM_REDUCE_NONE], depth[SIM_REDUCE_HASH]);
    }
}

/* The search over states finds the same states whatever the process ran before (stacks start from zero pages). */
static void test_hash_counts_do_not_depend_on_history(void **state) {
    (void)state;
    sim_config cfg, other;
    static const reduce_case ttl = {"ttl_expiry", "core", {NULL}, -1, 0};
    case_config(&ttl, &cfg);
    case_config(&cases[3], &other); /* stale_token get_compare_del, to leave other bytes in the stacks */
    mode_result a, b, c;
    run_mode(&cfg, SIM_REDUCE_HASH, -1, 50000000, &a);
    run_mode(&other, SIM_REDUCE_DPOR, -1, 50000000, &c);
    run_mode(&cfg, SIM_REDUCE_HASH, -1, 50000000, &b);
    assert_int_equal(a.res.states, b.res.states);
    assert_int_equal(a.res.revisits, b.res.revisits);
    free(a.outcome);
    free(b.outcome);
    free(c.outcome);
}

/* ---- a cycle: a thread that yields forever without changing anything ---------------------------------------- */

static void spin_forever(sim_thread *self, void *arg) {
    (void)arg;
    for (;;)
        lk_env_yield(sim_env(self), "spin");
}

static int cycle_setup(sim_run *run) {
    int p = sim_process_new(run, "p1");
    return p < 0 ? -1 : sim_thread_new(run, p, "spinner", 0, spin_forever, NULL) < 0 ? -1 : 0;
}

static const sim_variant_def cycle_variants[] = {{"core", "one thread yielding forever"}};
static const sim_scenario cycle_scenario = {
    .name = "cycle",
    .description = "a livelock",
    .variants = cycle_variants,
    .variant_count = 1,
    .setup = cycle_setup,
};

/* ---- incremental fingerprints: a fingerprint that rehashed only changed parts is the fingerprint of every part -- */

/* Two threads of one process; 'writer' writes through a pointer into 'owner''s frame between its visible ops, as
 * the renewal task writes into its holder's frame: the owner's stack changes while it does not run. */
typedef struct cross_state {
    volatile int64_t *slot; /* a local of the owner's frame, once it published it */
} cross_state;

static void cross_owner(sim_thread *self, void *arg) {
    cross_state *st = arg;
    volatile int64_t local = 0;
    st->slot = &local;
    for (int i = 0; i < 10; i++)
        lk_env_yield(sim_env(self), "own");
    if (local > 300) sim_violation(sim_thread_run(self), "cross_frame_seen", "the owner saw %lld", (long long)local);
    st->slot = NULL; /* its frame ends here */
}

static void cross_writer(sim_thread *self, void *arg) {
    cross_state *st = arg;
    for (int i = 0; i < 10; i++) {
        if (st->slot) *st->slot += 37;
        lk_env_yield(sim_env(self), "write");
    }
}

static int cross_setup(sim_run *run) {
    cross_state *st = sim_state_alloc(run, sizeof(*st));
    int p = st == NULL ? -1 : sim_process_new(run, "p1");
    if (p < 0 || sim_thread_new(run, p, "owner", 0, cross_owner, st) < 0) return -1;
    return sim_thread_new(run, p, "writer", 0, cross_writer, st) < 0 ? -1 : 0;
}

static const sim_variant_def cross_variants[] = {{"core", "a thread writes into another's frame"}};
static const sim_scenario cross_scenario = {
    .name = "cross",
    .description = "writes into another thread's frame",
    .variants = cross_variants,
    .variant_count = 1,
    .setup = cross_setup,
    .expectations = "cross_frame_seen",
};

/* "faultread": two clients that share nothing. c1 sets k1 (a store fault can hit it); c2 yields, reads the
 * reply-lost count into the shared state, and yields again (no time passes). Only the count ties them: after c2's
 * first event, c1 (explored first at the root) must not stay asleep, or c1's fault after c2's read (seen 0, one
 * fault) is never reached, where the naive search reaches it. */
typedef struct faultread_state {
    int seen; /* the reply-lost count c2 read */
} faultread_state;

static void faultread_c1(sim_thread *self, void *arg) {
    (void)arg;
    lk_store_op op = {.kind = LK_OP_SET, .key = "k1", .value = "a"};
    lk_store_reply reply;
    lk_env_store_exec(sim_env(self), &op, &reply);
}

static void faultread_c2(sim_thread *self, void *arg) {
    faultread_state *st = arg;
    lk_env_yield(sim_env(self), "g2");
    st->seen = sim_fault_count(sim_thread_run(self), "reply-lost");
    lk_env_yield(sim_env(self), "g2");
}

static int faultread_setup(sim_run *run) {
    faultread_state *st = sim_state_alloc(run, sizeof(*st));
    int p1 = sim_process_new(run, "p1"), p2 = sim_process_new(run, "p2");
    if (st == NULL || p1 < 0 || p2 < 0 || sim_thread_new(run, p1, "c1", 0, faultread_c1, NULL) < 0) return -1;
    return sim_thread_new(run, p2, "c2", 0, faultread_c2, st) < 0 ? -1 : 0;
}

static const sim_variant_def faultread_variants[] = {{"core", "a thread reads the fault counts"}};
static const sim_scenario faultread_scenario = {
    .name = "faultread",
    .description = "a thread reads the fault counts",
    .variants = faultread_variants,
    .variant_count = 1,
    .setup = faultread_setup,
};

/* A store fault is an event of the faulted thread for DPOR, and a read of the fault counts is dependent on every
 * event: the read is ordered both ways against c1's faults (both values of k3 found, as the naive search finds). */
static void test_dpor_orders_fault_count_reads(void **state) {
    (void)state;
    sim_config cfg;
    sim_config_defaults(&cfg, &faultread_scenario, 0);
    char err[256];
    assert_int_equal(sim_config_set_text(&cfg, "store_faults_max=1", err, sizeof(err)), 0);
    assert_int_equal(sim_config_set_text(&cfg, "advances_max=0", err, sizeof(err)), 0); /* no global option */
    reduce_case c = {"faultread", "core", {NULL}, -1, 0};
    mode_result naive, dpor;
    run_mode(&cfg, SIM_REDUCE_NONE, -1, 1000000, &naive);
    run_mode(&cfg, SIM_REDUCE_DPOR, -1, 1000000, &dpor);
    assert_same(&c, "dpor", &naive, &dpor);
    assert_true(naive.n >= 4);
    assert_true(dpor.res.execs < naive.res.execs);
    free(naive.outcome);
    free(dpor.outcome);
}

/* Walks one execution of 'cfg' (the option taken at each point varies with the step), checking at every decision
 * point, after a restore too, that the fingerprint equals one taken with the parts' cache forgotten. */
static void assert_incremental_is_fresh(const sim_config *cfg, int pick) {
    sim_exec_args a = {cfg->scenario, cfg->variant, cfg->param, 1, 0, 0, NULL, NULL};
    assert_int_equal(sim_exec_begin(g_run, &a), SIM_END_PASS);
    const sim_chooser none = {NULL, NULL, NULL, NULL};
    sim_snapshots snaps;
    sim_snapshots_init(&snaps, (size_t)64 << 20);
    sim_fp_cache *cache = sim_fp_cache_new();
    assert_non_null(cache);
    int64_t mark = -1;
    int enabled[SIM_THREADS_MAX], n, points = 0;
    while ((n = sim_exec_until_decision(g_run, &none, enabled)) > 0 && points < 400) {
        sim_fp cached = sim_state_fingerprint_cached(g_run, 3, cache);
        sim_fp fresh = sim_state_fingerprint(g_run, 3);
        if (fp_cmp(&cached, &fresh) != 0)
            fail_msg("%s: the fingerprint at point %d is stale", cfg->scenario->name, points);
        if (points == 3) mark = sim_state_save(g_run, &snaps);
        if (points == 12 && mark >= 0) { /* back to an earlier state: every changed part must be seen */
            sim_state_restore(g_run, &snaps, mark);
            mark = -1;
            points++;
            continue;
        }
        sim_choice c = {SIM_DEC_RUN, enabled[(points * pick) % n], -1, 0, 0};
        sim_exec_apply(g_run, &c);
        points++;
    }
    if (points <= 10) fail_msg("%s: only %d decision points", cfg->scenario->name, points);
    sim_exec_teardown(g_run);
    sim_snapshots_free(&snaps);
    sim_fp_cache_free(cache);
}

static void test_incremental_fingerprints(void **state) {
    (void)state;
    sim_config cfg;
    static const reduce_case ttl = {"ttl_expiry", "core", {NULL}, -1, 0};
    case_config(&ttl, &cfg); /* the renewal task writes into its holder's frame */
    for (int pick = 1; pick <= 3; pick++)
        assert_incremental_is_fresh(&cfg, pick);
    sim_config_defaults(&cfg, &cross_scenario, 0);
    for (int pick = 1; pick <= 3; pick++)
        assert_incremental_is_fresh(&cfg, pick);
    /* and the search over states finds what one without the cache finds: the writer's writes reach the owner */
    mode_result m;
    run_mode(&cfg, SIM_REDUCE_HASH, -1, 1000000, &m);
    assert_int_equal(m.res.violated_count, 1);
    assert_string_equal(m.res.violated[0], "cross_frame_seen");
    mode_result naive;
    run_mode(&cfg, SIM_REDUCE_NONE, -1, 1000000, &naive);
    assert_same(&(reduce_case){"cross", "core", {NULL}, -1, 1}, "hash", &naive, &m);
    free(m.outcome);
    free(naive.outcome);
}

/* Which classes' fingerprints differ between 'a' and 'b', as a bit set. */
static unsigned class_diff(const sim_fp *a, const sim_fp *b) {
    unsigned d = 0;
    for (int k = 0; k < SIM_STATE_CLASS_COUNT; k++)
        if (fp_cmp(&a[k], &b[k]) != 0) d |= 1u << k;
    return d;
}

/* A change of one field moves its class's fingerprint and no other, and the state's fingerprint too; undone, every
 * class is back. Then a census over a search counts each stored state once and never more states without a class. */
static void assert_one_class_moves(unsigned char *p, size_t n, int cls, const sim_fp *before) {
    sim_fp fp0 = sim_state_fingerprint(g_run, 0), after[SIM_STATE_CLASS_COUNT];
    for (size_t i = 0; i < n; i++)
        p[i] ^= 0x5a;
    sim_state_class_fps(g_run, 0, after);
    sim_fp fp1 = sim_state_fingerprint(g_run, 0);
    for (size_t i = 0; i < n; i++)
        p[i] ^= 0x5a;
    if (class_diff(before, after) != 1u << cls)
        fail_msg("changing a field of class %s moved classes 0x%x", sim_state_class_name(cls),
                 class_diff(before, after));
    assert_true(fp_cmp(&fp0, &fp1) != 0);
    sim_state_class_fps(g_run, 0, after);
    assert_int_equal(class_diff(before, after), 0);
}

static void test_census_classes(void **state) {
    (void)state;
    sim_config cfg;
    static const reduce_case ttl = {"ttl_expiry", "core", {NULL}, -1, 0};
    case_config(&ttl, &cfg);
    sim_exec_args a = {cfg.scenario, cfg.variant, cfg.param, 1, 0, 0, NULL, NULL};
    assert_int_equal(sim_exec_begin(g_run, &a), SIM_END_PASS);
    const sim_chooser none = {NULL, NULL, NULL, NULL};
    int enabled[SIM_THREADS_MAX], n, points = 0;
    while ((n = sim_exec_until_decision(g_run, &none, enabled)) > 0 && points < 6) {
        sim_choice c = {SIM_DEC_RUN, enabled[points % n], -1, 0, 0};
        sim_exec_apply(g_run, &c);
        points++;
    }
    assert_true(n > 0);
    sim_fp before[SIM_STATE_CLASS_COUNT];
    sim_state_class_fps(g_run, 0, before);
    sim_thread *t = &g_run->thread[0];
    assert_true(t->state != SIM_T_DONE && t->state != SIM_T_FREE);
    assert_one_class_moves((unsigned char *)&g_run->now_ns, sizeof(g_run->now_ns), SIM_STATE_CLASS_TIME, before);
    assert_one_class_moves((unsigned char *)&g_run->advances, sizeof(g_run->advances), SIM_STATE_CLASS_BOUNDS, before);
    assert_one_class_moves((unsigned char *)t->rng, sizeof(t->rng), SIM_STATE_CLASS_ENTROPY, before);
    assert_one_class_moves((unsigned char *)&t->parent, sizeof(t->parent), SIM_STATE_CLASS_THREADS, before);
    assert_one_class_moves((unsigned char *)&t->pend, 1, SIM_STATE_CLASS_PENDING, before);
    assert_one_class_moves(g_run->heap, 1, SIM_STATE_CLASS_HEAP, before);
    unsigned char *top = (unsigned char *)t->fiber.stack + t->fiber.stack_size;
    assert_one_class_moves(top - 8, 1, SIM_STATE_CLASS_STACKS, before);
    sim_exec_teardown(g_run);

    sim_config_defaults(&cfg, &cross_scenario, 0);
    sim_census census;
    sim_census_init(&census, 1 << 20);
    sim_exhaust_opts o = opts_of(SIM_REDUCE_HASH, 1000000);
    o.census = &census;
    o.keep_going = 1; /* past its violations: the whole space */
    sim_exhaust_result r;
    sim_schedule first;
    sim_schedule_init(&first);
    sim_exhaust(g_run, &cfg, &o, &r, &first);
    sim_schedule_free(&first);
    assert_true(r.complete);
    assert_int_equal(census.states, r.states);
    assert_false(census.full);
    int64_t fewer = 0;
    for (int k = 0; k < SIM_STATE_CLASS_COUNT; k++) {
        int64_t m = sim_census_without(&census, k);
        assert_true(m >= 1 && m <= census.states);
        fewer += census.states - m;
    }
    assert_true(fewer > 0); /* the states differ in something: at least the writer's and the owner's stacks */
    sim_census_free(&census);
}

/* With clear_below (the search over states sets it), a thread that suspends leaves no bytes below its sp for a
 * later frame to carry into a fingerprint; without it, the Lua-running scenarios leave some. */
#ifdef RACEBED_HAVE_LUA
static int dead_bytes_after_steps(const sim_config *cfg, size_t clear_below) {
    sim_exec_args a = {cfg->scenario, cfg->variant, cfg->param, 1, 0, 0, NULL, NULL};
    assert_int_equal(sim_exec_begin(g_run, &a), SIM_END_PASS);
    g_run->host.clear_below = clear_below;
    const sim_chooser none = {NULL, NULL, NULL, NULL};
    int enabled[SIM_THREADS_MAX], n, points = 0, dirty = 0;
    while ((n = sim_exec_until_decision(g_run, &none, enabled)) > 0 && points < 60) {
        sim_choice c = {SIM_DEC_RUN, enabled[points % n], -1, 0, 0};
        sim_exec_apply(g_run, &c);
        points++;
        sim_thread *t = &g_run->thread[c.thread];
        if (t->state == SIM_T_DONE || t->state == SIM_T_FREE) continue;
        unsigned char *sp = sim_fiber_saved_sp(&t->fiber), *low = (unsigned char *)t->fiber.stack;
        if (sp - low > 4096) low = sp - 4096;
        sim_fiber_expose(&t->fiber, low);
        for (unsigned char *p = low; p < sp; p++)
            dirty += *p != 0;
    }
    g_run->host.clear_below = 0;
    sim_exec_teardown(g_run);
    return dirty;
}
#endif

static void test_dead_stack_bytes_cleared(void **state) {
    (void)state;
#ifndef RACEBED_HAVE_LUA
    skip(); /* fair_queue's lock is Lua scripts */
#else
    sim_config cfg;
    static const reduce_case fair = {"fair_queue", "core", {NULL}, -1, 0};
    case_config(&fair, &cfg);
    assert_int_equal(dead_bytes_after_steps(&cfg, 4096), 0);
    assert_true(dead_bytes_after_steps(&cfg, 0) > 0); /* the check can fail */
#endif
}

/* The naive search meets a livelock as the step bound; the search over states sees the state repeat (a cycle on
 * its path) and reports the same oracle, without running to the bound. */
static void test_cycle_is_a_livelock(void **state) {
    (void)state;
    sim_config cfg;
    sim_config_defaults(&cfg, &cycle_scenario, 0);
    char err[256];
    assert_int_equal(sim_config_set(&cfg, "steps_max", 50, err, sizeof(err)), 0);
    for (int reduce = SIM_REDUCE_NONE; reduce <= SIM_REDUCE_HASH + 1; reduce++) { /* + 1: hash with 2 workers */
        sim_exhaust_opts o = opts_of(reduce > SIM_REDUCE_HASH ? SIM_REDUCE_HASH : (sim_reduce)reduce, 1000);
        o.jobs = reduce > SIM_REDUCE_HASH ? 2 : 1;
        sim_exhaust_result r;
        sim_schedule first;
        sim_schedule_init(&first);
        sim_exhaust(g_run, &cfg, &o, &r, &first);
        assert_true(r.violations > 0);
        assert_string_equal(r.first.oracle, "step_bound");
        if (reduce >= SIM_REDUCE_HASH) {
            assert_true(r.steps < 50 * o.jobs); /* found at the repeat, not the bound */
            /* written as the prefix to the repeated state plus the cycle, which strict replay repeats to the bound */
            assert_true(first.repeat > 0 && first.repeat <= first.decision_count && first.decision_count < 50);
            assert_int_equal(first.expect, SIM_EXPECT_VIOLATION);
            assert_string_equal(first.expect_oracle, "step_bound");
            size_t len = 0;
            char *text = sim_schedule_text(&first, NULL, &len);
            assert_non_null(text);
            assert_non_null(strstr(text, "\nrepeat "));
            sim_schedule back;
            sim_schedule_init(&back);
            assert_int_equal(sim_schedule_parse_buffer(&back, text, len, err, sizeof(err)), 0);
            assert_int_equal(back.repeat, first.repeat);
            free(text);
            sim_replay_opts ro = {0, 0, NULL, NULL, NULL, NULL, NULL};
            sim_replay_result rr;
            sim_replay(g_run, &cfg, &back, &ro, &rr);
            assert_false(rr.diverged);
            assert_int_equal(rr.end, SIM_END_VIOLATION);
            assert_string_equal(rr.outcome.violation.oracle, "step_bound");
            sim_schedule_free(&back);
        }
        sim_schedule_free(&first);
    }
}

/* ---- no option is dropped: nine key deadlines, the ninth reached with one advance ------------------------------- */

enum { NINE_KEYS = 9 };

/* Sets k1..k9 with TTLs of 100..900 ms, then reads k9: it is gone only if one advance went past its deadline. */
static void nine_keys(sim_thread *self, void *arg) {
    (void)arg;
    const lk_env *env = sim_env(self);
    lk_store_reply reply;
    char key[8];
    for (int i = 1; i <= NINE_KEYS; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        lk_store_op set = {.kind = LK_OP_SET, .key = key, .value = "v", .ttl_ms = 100 * i};
        lk_env_store_exec(env, &set, &reply);
    }
    lk_store_op get = {.kind = LK_OP_GET, .key = "k9"};
    if (lk_env_store_exec(env, &get, &reply) == LK_OK && reply.outcome != LK_FOUND)
        sim_violation(sim_thread_run(self), "ninth_deadline_reached", "k9 expired after one advance");
}

static int nine_setup(sim_run *run) {
    int p = sim_process_new(run, "p1");
    return p < 0 ? -1 : sim_thread_new(run, p, "c1", 0, nine_keys, NULL) < 0 ? -1 : 0;
}

static const sim_variant_def nine_variants[] = {{"core", "nine keys with nine deadlines"}};
static const sim_param_override nine_overrides[] = {{"advances_max", 1}};
static const sim_scenario nine_scenario = {
    .name = "nine",
    .description = "nine deadlines",
    .variants = nine_variants,
    .variant_count = 1,
    .setup = nine_setup,
    .overrides = nine_overrides,
    .override_count = 1,
    .expectations = "ninth_deadline_reached",
};

/* Every mode offers an advance to each of the nine deadlines (the next wake-up and every live key's deadline are
 * options, none dropped by a table size), so each finds the state where the ninth key expired. */
static void test_no_advance_target_dropped(void **state) {
    (void)state;
    sim_config cfg;
    sim_config_defaults(&cfg, &nine_scenario, 0);
    for (int reduce = SIM_REDUCE_NONE; reduce <= SIM_REDUCE_HASH; reduce++) {
        sim_exhaust_opts o = opts_of((sim_reduce)reduce, 100000);
        sim_exhaust_result r;
        sim_exhaust(g_run, &cfg, &o, &r, NULL);
        assert_int_equal(r.violations, 1);
        assert_string_equal(r.first.oracle, "ninth_deadline_reached");
    }
}

/* ---- an expectation the scenario does not declare ends the run with a setup error, not a verdict ----------------- */

static void raise_undeclared(sim_thread *self, void *arg) {
    (void)arg;
    lk_env_yield(sim_env(self), "x");
    sim_violation(sim_thread_run(self), "expect_typo", "a name the scenario never declared");
}

static int undeclared_setup(sim_run *run) {
    int p = sim_process_new(run, "p1");
    return p < 0 ? -1 : sim_thread_new(run, p, "c1", 0, raise_undeclared, NULL) < 0 ? -1 : 0;
}

static const sim_variant_def undeclared_variants[] = {{"core", "raises an expectation it does not declare"}};
static const sim_scenario undeclared_scenario = {
    .name = "undeclared",
    .description = "a typo",
    .variants = undeclared_variants,
    .variant_count = 1,
    .setup = undeclared_setup,
    .expectations = "expect_declared",
};

static void test_undeclared_expectation_is_a_setup_error(void **state) {
    (void)state;
    sim_config cfg;
    sim_config_defaults(&cfg, &undeclared_scenario, 0);
    sim_exhaust_opts o = opts_of(SIM_REDUCE_NONE, 100);
    sim_exhaust_result r;
    sim_exhaust(g_run, &cfg, &o, &r, NULL);
    assert_int_equal(r.violations, 0);
    assert_true(r.setup_failed);
    assert_non_null(strstr(r.setup_error, "raised 'expect_typo', which it does not declare"));
    assert_true(sim_oracle_known(&undeclared_scenario, "expect_declared"));
    assert_true(sim_oracle_known(&undeclared_scenario, "lease_safety"));
    assert_false(sim_oracle_known(&undeclared_scenario, "expect_typo"));
}

/* ---- start_yield: code before a thread's first visible op interleaves only when the scenario asks for it; a
 * violation raised in a thread names it and its own step ------------------------------------------------------------ */

static void starter(sim_thread *self, void *arg) {
    (void)arg;
    sim_violation(sim_thread_run(self), "expect_started", "the body ran");
}

static int starter_setup(sim_run *run) {
    int p = sim_process_new(run, "p1");
    return p < 0 ? -1 : sim_thread_new(run, p, "c1", 0, starter, NULL) < 0 ? -1 : 0;
}

static const sim_variant_def starter_variants[] = {{"core", "a body that ends at once"}};

static void test_start_yield_is_opt_in(void **state) {
    (void)state;
    for (int opt_in = 0; opt_in <= 1; opt_in++) {
        const sim_scenario sc = {.name = "starter",
                                 .description = "start",
                                 .variants = starter_variants,
                                 .variant_count = 1,
                                 .setup = starter_setup,
                                 .expectations = "expect_started",
                                 .start_yield = opt_in};
        sim_config cfg;
        sim_config_defaults(&cfg, &sc, 0);
        sim_exhaust_opts o = opts_of(SIM_REDUCE_NONE, 10);
        sim_exhaust_result r;
        sim_schedule first;
        sim_schedule_init(&first);
        sim_exhaust(g_run, &cfg, &o, &r, &first);
        assert_int_equal(r.violations, 1);
        assert_int_equal(first.decision_count, opt_in); /* with it, one decision: c1's "yield start" */
        /* raised in c1's body: named with c1 and the step of c1's own last op */
        assert_non_null(strstr(r.first.msg, "raised by c1"));
        assert_int_equal(r.first.step, opt_in);
        if (opt_in) {
            assert_string_equal(first.decisions[0].op, "yield");
            assert_string_equal(first.decisions[0].key, "start");
        }
        sim_schedule_free(&first);
    }
}

/* ---- the stack size is a parameter: a 300 KiB local array overflows a 64 KiB stack (diagnosed) and fits in 2 MiB -- */

static void big_local(sim_thread *self, void *arg) {
    (void)arg;
    lk_env_yield(sim_env(self), "before");
    volatile char buf[300 << 10];
    for (size_t i = 0; i < sizeof(buf); i += 512)
        buf[i] = (char)i;
    lk_env_yield(sim_env(self), buf[4096] ? "after" : "after0");
}

static int big_setup(sim_run *run) {
    int p = sim_process_new(run, "p1");
    return p < 0 ? -1 : sim_thread_new(run, p, "c1", 0, big_local, NULL) < 0 ? -1 : 0;
}

static const sim_variant_def big_variants[] = {{"core", "a large local array"}};
static const sim_scenario big_scenario = {
    .name = "big",
    .description = "stack",
    .variants = big_variants,
    .variant_count = 1,
    .setup = big_setup,
};

static void test_stack_size_is_a_parameter(void **state) {
    (void)state;
    sim_guard_reinstall(); /* cmocka installs its own signal handlers for each test */
    for (int kib = 64; kib <= 2048; kib *= 32) {
        sim_config cfg;
        sim_config_defaults(&cfg, &big_scenario, 0);
        char err[256], text[32];
        snprintf(text, sizeof(text), "stack_kib=%d", kib);
        assert_int_equal(sim_config_set_text(&cfg, text, err, sizeof(err)), 0);
        sim_exhaust_opts o = opts_of(SIM_REDUCE_NONE, 10);
        sim_exhaust_result r;
        sim_exhaust(g_run, &cfg, &o, &r, NULL);
        assert_false(r.setup_failed);
        assert_int_equal(r.violations, kib == 64 ? 1 : 0);
        if (kib == 64) {
            assert_string_equal(r.first.oracle, "scenario_crash");
            assert_non_null(strstr(r.first.msg, "overflowing its fiber stack"));
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reductions_agree_with_naive),
        cmocka_unit_test(test_dpor_orders_fault_count_reads),
        cmocka_unit_test(test_workers_and_shards_agree),
        cmocka_unit_test(test_snapshot_restore_roundtrip),
        cmocka_unit_test(test_restore_brings_back_tables),
        cmocka_unit_test(test_incremental_fingerprints),
        cmocka_unit_test(test_census_classes),
        cmocka_unit_test(test_dead_stack_bytes_cleared),
        cmocka_unit_test(test_visited_set),
        cmocka_unit_test(test_visited_set_grows_large),
        cmocka_unit_test(test_shortest_counterexample),
        cmocka_unit_test(test_cycle_is_a_livelock),
        cmocka_unit_test(test_hash_counts_do_not_depend_on_history),
        cmocka_unit_test(test_no_advance_target_dropped),
        cmocka_unit_test(test_undeclared_expectation_is_a_setup_error),
        cmocka_unit_test(test_start_yield_is_opt_in),
        cmocka_unit_test(test_stack_size_is_a_parameter),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
