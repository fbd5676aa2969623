/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sim_symmetry.c: the search over states up to symmetry (--symmetry on, sim_symmetry.h) is sound: on every
 * configuration below (spin_anchor's clients, rw_memory's readers), with and without mutants, it finds the same violated oracles, the same distinct outcomes up
 * to a renaming of the clients and the same naive execution count as the search without it (and, on the small ones,
 * as the naive enumeration with no state hashing at all); it stores fewer states; renamings of one state share its
 * fingerprint and other states do not.
 *
 * Outcomes are compared as sets of fingerprints up to symmetry taken in this one process (they hold code addresses).
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

#include "sim/engine/sim_sched.h"
#include "sim/search/sim_exhaust.h"
#include "sim/search/sim_snapshot.h"
#include "sim/search/sim_symmetry.h"
#include "sim_test_modes.h"

/* Under AddressSanitizer a frame holds pointers into the sanitizer's own per-thread memory, outside the run arena,
 * which no renaming can relocate: two clients' frames never match, so the search stores about as many states with
 * symmetry as without. The soundness checks (the same oracles, outcomes and naive counts) still run there; the
 * checks that it reduces run in the plain build. */
#if defined(__SANITIZE_ADDRESS__)
#define SYM_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SYM_TEST_ASAN 1
#endif
#endif
#ifdef SYM_TEST_ASAN
enum { SYM_REDUCES = 0 };
#else
enum { SYM_REDUCES = 1 };
#endif

typedef struct sym_case {
    const char *scenario, *variant, *settings;
    int naive; /* 1: also against the naive enumeration (small spaces only); -1: a large space, skipped under the
                  sanitizer (its checks run in the plain build) */
} sym_case;

/* spin_anchor's core and its three mutants, P1 checked, the core with its administrator (lk_clear), two and three
 * clients; rw_memory's core and two mutants: entropy=ids in every one, since tokens must name their thread. */
static const sym_case cases[] = {
    {"spin_anchor", "core", "n=2 check_p1=1 admin=1 entropy=ids", -1},
    {"spin_anchor", "core", "n=2 retries=0 check_p1=1 entropy=ids", 1},
    {"spin_anchor", "mutant:check_then_set", "n=2 check_p1=1 entropy=ids", 1},
    {"spin_anchor", "mutant:plain_del", "n=2 check_p1=1 entropy=ids", 1},
    {"spin_anchor", "mutant:admin_del", "n=2 check_p1=1 entropy=ids", 1},
    {"spin_anchor", "core", "n=3 retries=0 check_p1=1 admin=1 entropy=ids", -1},
    {"spin_anchor", "mutant:check_then_set", "n=3 check_p1=1 entropy=ids", 0},
    {"spin_anchor", "mutant:plain_del", "n=3 check_p1=1 entropy=ids", 0},
    {"spin_anchor", "mutant:admin_del", "n=3 retries=0 check_p1=1 entropy=ids", -1},
    {"spin_anchor", "core", "n=3 retries=0 crashes_max=0 store_faults_max=1 entropy=ids", -1}, /* store faults */
    /* a reader-writer lock (lk_rwlock's Lua scripts, a schema's owner): its readers are interchangeable */
    {"rw_memory", "core", "readers=3 rounds=1 stagger_ms=0 entropy=ids", 0},
    {"rw_memory", "mutant:no_writer_preference", "readers=3 rounds=1 stagger_ms=0 entropy=ids", 0},
    {"rw_memory", "mutant:count_get_set", "readers=2 rounds=1 stagger_ms=0 entropy=ids", 0},
};

static void case_config(const sym_case *c, sim_config *cfg) {
    const sim_scenario *sc = sim_scenario_find(c->scenario);
    assert_non_null(sc);
    int v = sim_variant_find(sc, c->variant);
    assert_true(v >= 0);
    config_with(cfg, sc, v, c->settings);
}

/* Options: seed 1, every preemption, mode 'reduce', up to symmetry or not, outcomes up to symmetry either way. */
static sim_exhaust_opts sym_opts(sim_reduce reduce, int symmetry) {
    sim_exhaust_opts o;
    memset(&o, 0, sizeof(o));
    o.seed = 1;
    o.preemptions_max = -1;
    o.execs_max = 50000000;
    o.reduce = reduce;
    o.symmetry = symmetry;
    o.outcomes_sym = 1;
    return o;
}

static void search(const sim_config *cfg, sim_reduce reduce, int symmetry, mode_result *m) {
    sim_exhaust_opts o = sym_opts(reduce, symmetry);
    run_search(cfg, &o, m);
}

static void assert_agree(const sym_case *c, const char *what, const mode_result *a, const mode_result *b) {
    if (a->n != b->n || memcmp(a->outcome, b->outcome, sizeof(sim_fp) * a->n) != 0)
        fail_msg("%s %s %s: %s finds %zu distinct outcomes up to symmetry, without it %zu (or other ones)", c->scenario,
                 c->variant, c->settings, what, b->n, a->n);
    assert_int_equal(a->res.violated_count, b->res.violated_count);
    for (int i = 0; i < a->res.violated_count; i++)
        assert_string_equal(a->res.violated[i], b->res.violated[i]);
    assert_int_equal(a->res.violations > 0, b->res.violations > 0);
}

static void test_symmetry_agrees_without_it(void **state) {
    (void)state;
    int64_t off_states = 0, on_states = 0;
    int violating = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const sym_case *c = &cases[i];
        if (!SYM_REDUCES && c->naive < 0) continue;
        sim_config cfg;
        case_config(c, &cfg);
        mode_result off, on;
        search(&cfg, SIM_REDUCE_HASH, 0, &off);
        search(&cfg, SIM_REDUCE_HASH, 1, &on);
        assert_agree(c, "--symmetry on", &off, &on);
        assert_int_equal(on.res.naive_execs, off.res.naive_execs); /* the paths below a state and its renamings */
        assert_true(on.res.states <= off.res.states);
        assert_true(on.res.sym_states[0] > 0); /* it did fingerprint states up to symmetry */
        if (c->naive > 0) {
            mode_result naive;
            search(&cfg, SIM_REDUCE_NONE, 0, &naive);
            assert_agree(c, "--symmetry on against the naive search", &naive, &on);
            assert_int_equal(naive.res.execs, on.res.naive_execs);
            free(naive.outcome);
        }
        fprintf(stderr, "%s %s %s: %lld states without symmetry, %lld with; %zu outcomes up to it%s%s\n", c->scenario,
                c->variant, c->settings, (long long)off.res.states, (long long)on.res.states, on.n,
                on.res.violations ? ", violated: " : "", on.res.violations ? on.res.violated[0] : "");
        off_states += off.res.states;
        on_states += on.res.states;
        violating += on.res.violations > 0;
        free(off.outcome);
        free(on.outcome);
    }
    assert_true(violating >= 3);                              /* the mutants are caught */
    if (SYM_REDUCES) assert_true(on_states * 3 < off_states); /* it reduces */
}

/* The state after "run c1" and the state after "run c2" from spin_anchor's first point are renamings of each other:
 * one fingerprint up to symmetry, two plain ones. Their futures differ from the state before. */
static void test_renamings_share_a_fingerprint(void **state) {
    (void)state;
    if (!SYM_REDUCES) skip(); /* frames differ by the sanitizer's pointers (above) */
    static const sym_case c = {"spin_anchor", "core", "n=3 entropy=ids", 0};
    sim_config cfg;
    case_config(&c, &cfg);
    sim_exec_args a = {cfg.scenario, cfg.variant, cfg.param, 1, 0, 0, NULL, NULL};
    assert_int_equal(sim_exec_begin(g_run, &a), SIM_END_PASS);
    char why[320];
    assert_int_equal(sim_sym_unsupported(g_run, why, sizeof(why)), 0);
    const sim_chooser none = {NULL, NULL, NULL, NULL};
    int enabled[SIM_THREADS_MAX];
    int n = sim_exec_until_decision(g_run, &none, enabled);
    assert_int_equal(n, 3);
    sim_snapshots snaps;
    sim_snapshots_init(&snaps, (size_t)64 << 20);
    int64_t at = sim_state_save(g_run, &snaps);
    sim_fp root = sim_state_fingerprint_sym(g_run, 0, NULL, NULL);
    sim_fp sym[3], plain[3];
    for (int k = 0; k < 3; k++) {
        sim_state_restore(g_run, &snaps, at);
        assert_int_equal(sim_exec_until_decision(g_run, &none, enabled), 3);
        sim_choice ch = {SIM_DEC_RUN, enabled[k], -1, 0, 0};
        sim_exec_apply(g_run, &ch);
        assert_true(sim_exec_until_decision(g_run, &none, enabled) > 0);
        int perm[SIM_THREADS_MAX];
        sym[k] = sim_state_fingerprint_sym(g_run, 0, NULL, perm);
        plain[k] = sim_state_fingerprint(g_run, 0);
        assert_false(fp_cmp(&sym[k], &root) == 0);
    }
    for (int k = 1; k < 3; k++) {
        assert_int_equal(fp_cmp(&sym[0], &sym[k]), 0);
        assert_false(fp_cmp(&plain[0], &plain[k]) == 0);
    }
    sim_exec_teardown(g_run);
    sim_snapshots_free(&snaps);
}

/* The shards of a search up to symmetry (--shard i/N) union to the whole: their naive counts add up to the whole
 * search's, and their outcomes up to symmetry together are the whole search's. */
static void test_shards_union_to_the_whole(void **state) {
    (void)state;
    static const sym_case c = {"spin_anchor", "core", "n=3 retries=0 check_p1=1 entropy=ids", 0};
    sim_config cfg;
    case_config(&c, &cfg);
    mode_result whole;
    search(&cfg, SIM_REDUCE_HASH, 1, &whole);
    enum { SHARDS = 3 };
    int64_t naive = 0;
    sim_fp *all = malloc(sizeof(sim_fp) * (whole.n * SHARDS + 1));
    assert_non_null(all);
    size_t n = 0;
    for (int i = 0; i < SHARDS; i++) {
        sim_exhaust_opts o = sym_opts(SIM_REDUCE_HASH, 1);
        o.shard = i;
        o.shards = SHARDS;
        mode_result part;
        run_search(&cfg, &o, &part);
        naive += part.res.naive_execs;
        assert_true(part.n <= whole.n);
        memcpy(all + n, part.outcome, sizeof(sim_fp) * part.n);
        n += part.n;
        free(part.outcome);
    }
    assert_int_equal(naive, whole.res.naive_execs);
    qsort(all, n, sizeof(sim_fp), fp_cmp);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || fp_cmp(&all[u - 1], &all[i]) != 0) all[u++] = all[i];
    assert_int_equal(u, whole.n);
    assert_memory_equal(all, whole.outcome, sizeof(sim_fp) * u);
    free(all);
    free(whole.outcome);
}

/* A scenario that declares no symmetric threads, or draws seeded entropy, is refused by name. */
static void test_unsupported_is_named(void **state) {
    (void)state;
    static const sym_case undeclared = {"thundering_herd", "core", "threads=2 entropy=ids", 0};
    static const sym_case seeded = {"spin_anchor", "core", "n=2", 0};
    const sym_case *cs[2] = {&undeclared, &seeded};
    const char *want[2] = {"declares no symmetric threads", "entropy=ids"};
    for (int i = 0; i < 2; i++) {
        sim_config cfg;
        case_config(cs[i], &cfg);
        sim_exhaust_opts o = sym_opts(SIM_REDUCE_HASH, 1);
        o.execs_max = 10;
        sim_exhaust_result r;
        sim_exhaust(g_run, &cfg, &o, &r, NULL);
        assert_true(r.setup_failed);
        if (strstr(r.setup_error, want[i]) == NULL) fail_msg("'%s' does not say '%s'", r.setup_error, want[i]);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_renamings_share_a_fingerprint),
        cmocka_unit_test(test_unsupported_is_named),
        cmocka_unit_test(test_shards_union_to_the_whole),
        cmocka_unit_test(test_symmetry_agrees_without_it),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
