/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_test_modes.h: runs one exhaustive search to completion and keeps the distinct outcomes it found, sorted, so
 * that tests can compare the search modes (naive, DPOR, state hashing) of one configuration. Outcomes are
 * fingerprints taken in this one process: they compare only within it.
 */
#ifndef RACEBED_TESTS_SIM_TEST_MODES_H
#define RACEBED_TESTS_SIM_TEST_MODES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/explore/sim_config.h"
#include "sim/search/sim_exhaust.h"
#include "sim_test_arena.h"

typedef struct mode_result {
    sim_exhaust_result res;
    sim_fp *outcome; /* sorted; malloc'd */
    size_t n;
} mode_result;

__attribute__((unused)) static int fp_cmp(const void *a, const void *b) {
    const sim_fp *x = a, *y = b;
    if (x->lo != y->lo) return x->lo < y->lo ? -1 : 1;
    return x->hi < y->hi ? -1 : x->hi > y->hi;
}

static int mode_name_cmp(const void *a, const void *b) {
    return strcmp(a, b);
}

/* Runs 'cfg' exhaustively with 'reduce' (seed 1, keep going past violations) and fills 'm': the search must
 * complete without a setup error. */
/* Runs 'cfg' exhaustively with the options 'base' (keep going, outcomes collected) into 'm', as run_mode. */
__attribute__((unused)) static void run_search(const sim_config *cfg, const sim_exhaust_opts *base, mode_result *m) {
    sim_visited outcomes;
    sim_visited_init(&outcomes, (size_t)1 << 24);
    sim_exhaust_opts o = *base;
    o.keep_going = 1;
    o.outcomes = &outcomes;
    sim_exhaust(g_run, cfg, &o, &m->res, NULL);
    if (m->res.setup_failed) fail_msg("setup failed: %s", m->res.setup_error);
    assert_true(m->res.complete);
    m->outcome = malloc(sizeof(sim_fp) * (outcomes.count + 1));
    assert_non_null(m->outcome);
    m->n = 0;
    for (size_t i = 0; i < outcomes.cap; i++)
        if (outcomes.slot[i].lo | outcomes.slot[i].hi) m->outcome[m->n++] = outcomes.slot[i];
    assert_int_equal(m->n, outcomes.count);
    assert_int_equal((int64_t)m->n, m->res.outcomes);
    qsort(m->outcome, m->n, sizeof(sim_fp), fp_cmp);
    qsort(m->res.violated, (size_t)m->res.violated_count, SIM_NAME_MAX, mode_name_cmp);
    sim_visited_free(&outcomes);
}

__attribute__((unused)) static void run_mode(const sim_config *cfg, sim_reduce reduce, int preemptions_max,
                                             int64_t execs_max, mode_result *m) {
    sim_exhaust_opts o;
    memset(&o, 0, sizeof(o));
    o.seed = 1;
    o.preemptions_max = preemptions_max;
    o.execs_max = execs_max;
    o.reduce = reduce;
    run_search(cfg, &o, m);
}

/* Runs 'cfg' to the end with the search over states (at most 'execs_max' executions, which must suffice): a
 * violation fails the test. Returns the states it stored. */
__attribute__((unused)) static int64_t assert_proved(const sim_config *cfg, int64_t execs_max) {
    mode_result m;
    run_mode(cfg, SIM_REDUCE_HASH, -1, execs_max, &m);
    free(m.outcome);
    if (m.res.violations) fail_msg("%s: %s", m.res.first.oracle, m.res.first.msg);
    return m.res.states;
}

/* Defaults of 'sc''s 'variant' with 'settings' applied: "NAME=VALUE NAME=VALUE ..." (a bad one fails the test). */
__attribute__((unused)) static void config_with(sim_config *cfg, const sim_scenario *sc, int variant,
                                                const char *settings) {
    char err[256], item[64];
    sim_config_defaults(cfg, sc, variant);
    for (const char *p = settings; *p;) {
        size_t n = strcspn(p, " ");
        snprintf(item, sizeof(item), "%.*s", (int)n, p);
        if (sim_config_set_text(cfg, item, err, sizeof(err)) != 0) fail_msg("%s", err);
        p += n + (p[n] == ' ');
    }
}

/* Runs the naive search, DPOR and the search over states on 'cfg' to the end: they must find the same distinct
 * outcomes (at least 'min_outcomes') and the same number of violated oracles, and DPOR no more executions than the naive
 * search. Prints one line named 'what'; returns the
 * naive search's violating executions. */
__attribute__((unused)) static int64_t modes_agree_on(const sim_config *cfg, const char *what, size_t min_outcomes) {
    mode_result m[3];
    for (int k = 0; k < 3; k++)
        run_mode(cfg, (sim_reduce)k, -1, 5000000, &m[k]);
    for (int k = 1; k < 3; k++) {
        if (m[k].n != m[0].n || memcmp(m[k].outcome, m[0].outcome, sizeof(sim_fp) * m[0].n) != 0)
            fail_msg("%s: mode %d finds %zu distinct outcomes, naive %zu (or other ones)", what, k, m[k].n, m[0].n);
        assert_int_equal(m[k].res.violated_count, m[0].res.violated_count);
        assert_int_equal(m[k].res.violations > 0, m[0].res.violations > 0);
    }
    assert_true(m[1].res.execs <= m[0].res.execs); /* DPOR never explores more than the naive search */
    assert_true(m[0].n >= min_outcomes);
    fprintf(stderr, "%s: naive %lld executions, dpor %lld, hash %lld states; %zu outcomes, %lld violating%s%s%s\n",
            what, (long long)m[0].res.execs, (long long)m[1].res.execs, (long long)m[2].res.states, m[0].n,
            (long long)m[0].res.violations, m[0].res.violations ? " (first: " : "", m[0].res.first.oracle,
            m[0].res.violations ? ")" : "");
    int64_t v = m[0].res.violations;
    for (int k = 0; k < 3; k++)
        free(m[k].outcome);
    return v;
}

#endif
