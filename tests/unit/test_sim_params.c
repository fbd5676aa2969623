/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sim_params.c: proves that what a scenario declares is checked where it is declared (sim_scenario_check in
 * sim/run/sim_params.h), before any run uses it: a scenario with more parameters than fit beside the built-ins
 * (SIM_PARAMS_MAX), a name clash with a built-in or with itself, a default outside its bounds, a first variant that
 * is not "core", and an override of a parameter that is not a built-in each get a clear error naming the scenario
 * and the problem; every scenario of the catalog passes. Each failing case is built from a passing one by one
 * change, so the error is caused by that change.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sim/explore/sim_config.h"
#include "sim/run/sim_params.h"
#include "sim/run/sim_verdict.h"

enum { MANY = SIM_PARAMS_MAX }; /* more parameters than fit beside the built-ins */

static sim_param_def many_params[MANY];
static char many_names[MANY][16];
static const sim_variant_def core_only[] = {{"core", "the protocol"}};
static const sim_variant_def mutant_first[] = {{"mutant:x", "a mutant"}, {"core", "the protocol"}};

static int no_setup(sim_run *run) {
    (void)run;
    return -1;
}

/* A valid scenario with 'n' parameters p0..p(n-1). */
static sim_scenario make_scenario(int n) {
    for (int i = 0; i < MANY; i++) {
        snprintf(many_names[i], sizeof(many_names[i]), "p%d", i);
        many_params[i] = (sim_param_def){many_names[i], 1, 0, 10, "a parameter"};
    }
    sim_scenario sc = {.name = "declared",
                       .description = "a test scenario",
                       .params = many_params,
                       .param_count = n,
                       .variants = core_only,
                       .variant_count = 1,
                       .setup = no_setup};
    return sc;
}

static void expect_error(const sim_scenario *sc, const char *words) {
    char err[512] = "";
    assert_int_equal(sim_scenario_check(sc, err, sizeof(err)), -1);
    if (strstr(err, words) == NULL || strstr(err, "scenario declared") == NULL) print_error("got: %s\n", err);
    assert_non_null(strstr(err, words));
    assert_non_null(strstr(err, "scenario declared"));
}

static void test_sim_params_limit(void **state) {
    (void)state;
    char err[512];
    sim_scenario fits = make_scenario(SIM_PARAMS_MAX - SIM_BUILTIN_PARAMS);
    assert_int_equal(sim_scenario_check(&fits, err, sizeof(err)), 0);
    sim_scenario over = make_scenario(SIM_PARAMS_MAX - SIM_BUILTIN_PARAMS + 1);
    char words[64];
    snprintf(words, sizeof(words), "declares %d parameters: at most %d fit", SIM_PARAMS_MAX - SIM_BUILTIN_PARAMS + 1,
             SIM_PARAMS_MAX - SIM_BUILTIN_PARAMS);
    expect_error(&over, words);
}

static void test_sim_params_names_and_bounds(void **state) {
    (void)state;
    sim_scenario sc = make_scenario(3);
    many_params[1].name = "p0";
    expect_error(&sc, "parameter p0 is declared twice");
    sc = make_scenario(3);
    many_params[2].name = "steps_max";
    expect_error(&sc, "it is a built-in parameter");
    sc = make_scenario(3);
    many_params[0].def = 11;
    expect_error(&sc, "has default 11 outside [0, 10]");
    sc = make_scenario(3);
    many_params[0].name = "";
    expect_error(&sc, "has no name");
}

static void test_sim_params_variants_and_overrides(void **state) {
    (void)state;
    sim_scenario sc = make_scenario(1);
    sc.variants = mutant_first;
    sc.variant_count = 2;
    expect_error(&sc, "first variant must be \"core\"");
    static const sim_param_override own = {"p0", 2}, builtin_ok = {"advances_max", 0}, too_big = {"crashes_max", 5000};
    char err[512];
    sc = make_scenario(1);
    sc.overrides = &builtin_ok;
    sc.override_count = 1;
    assert_int_equal(sim_scenario_check(&sc, err, sizeof(err)), 0);
    sc.overrides = &own;
    expect_error(&sc, "override p0=2 is not a built-in parameter");
    sc.overrides = &too_big;
    expect_error(&sc, "override crashes_max=5000");
}

/* A canary names one of the scenario's mutants and an oracle it can raise; the lookup finds it by either name. */
static void test_sim_params_canaries(void **state) {
    (void)state;
    static const sim_variant_def with_mutant[] = {{"core", "the protocol"}, {"mutant:x", "a mutant"}};
    char err[512], oracle[SIM_NAME_MAX];
    sim_scenario sc = make_scenario(1);
    sc.variants = with_mutant;
    sc.variant_count = 2;
    sc.canaries = "x=lease_safety";
    assert_int_equal(sim_scenario_check(&sc, err, sizeof(err)), 0);
    assert_int_equal(sim_canary_of(&sc, "mutant:x", oracle, sizeof(oracle)), 0);
    assert_string_equal(oracle, "lease_safety");
    assert_int_equal(sim_canary_of(&sc, "x", oracle, sizeof(oracle)), 0);
    assert_int_equal(sim_canary_of(&sc, "mutant:y", oracle, sizeof(oracle)), -1);
    sc.canaries = "x=no_such_oracle";
    expect_error(&sc, "canary x=no_such_oracle names no oracle");
    sc.canaries = "y=lease_safety";
    expect_error(&sc, "canary 'y=lease_safety' is not MUTANT=ORACLE for one of its mutants");
    sc.canaries = "x";
    expect_error(&sc, "canary 'x' is not MUTANT=ORACLE");
    sc.expectations = "expect_mine";
    sc.canaries = "x=expect_mine";
    assert_int_equal(sim_scenario_check(&sc, err, sizeof(err)), 0);
}

static void test_sim_params_catalog_passes(void **state) {
    (void)state;
    int n = 0;
    for (int i = 0; sim_scenarios[i]; i++, n++) {
        char err[512] = "";
        if (sim_scenario_check(sim_scenarios[i], err, sizeof(err)) != 0) print_error("%s\n", err);
        assert_int_equal(sim_scenario_check(sim_scenarios[i], err, sizeof(err)), 0);
    }
    assert_true(n >= 10);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_params_limit),
        cmocka_unit_test(test_sim_params_names_and_bounds),
        cmocka_unit_test(test_sim_params_variants_and_overrides),
        cmocka_unit_test(test_sim_params_canaries),
        cmocka_unit_test(test_sim_params_catalog_passes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
