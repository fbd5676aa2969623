/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sim_lockstep.c: proves how the scheduler compares the model with a real store that keeps its own clock (an
 * external `--store redis://` server): time-derived replies (a locked acquire's ms left) agree within the time the
 * two clocks can have drifted apart, and no further; a reply that simulated time changed (a lease that ran out in
 * simulated time only) still ends the execution, naming the way out.
 *
 * How: a fake external store, a second model store on a clock of its own (1 ms per op, while simulated time jumps),
 * in lockstep with the run. The herd's clients meet locked replies whose ms left differ between the two
 * clocks by the simulated work done so far: with the tolerance the run completes; a backend without the real clock
 * the tolerance needs (the comparison as before) stops at the first locked reply; a fake that skews every locked
 * reply beyond the bound stops too. stale_token's lease runs out in simulated time only: the run stops with the hint.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sim_test_arena.h"
#include "sim/explore/sim_config.h"
#include "sim/explore/sim_explore.h"
#include "sim/model/sim_store_model.h"

/* The fake external server: its own key space, on its own clock, which moves 1 ms per op from the execution's start
 * (a real server's clock moves a little while the simulation's may jump). */
typedef struct fake_server {
    sim_store_model model;
    int64_t elapsed_ms;     /* the server clock since the last reset */
    int64_t skew_locked_ms; /* added to every locked acquire's ms left (0: an honest server) */
    sim_backend backend;
} fake_server;

static lk_rc fake_exec(void *ctx, const lk_store_op *op, lk_store_reply *reply) {
    fake_server *f = ctx;
    if (op->kind == LK_OP_COMMAND) return LK_EMISUSE; /* the scenarios here send only the fixed ops */
    lk_rc rc = sim_store_model_exec(&f->model, SIM_EPOCH_WALL_MS + f->elapsed_ms++, op, reply);
    if (rc == LK_OK && op->kind == LK_OP_ACQUIRE && reply->outcome == LK_LOCKED) reply->num += f->skew_locked_ms;
    return rc;
}

static lk_rc fake_reset(void *ctx) {
    fake_server *f = ctx;
    sim_store_model_reset(&f->model);
    f->elapsed_ms = 0;
    return LK_OK;
}

static int64_t fake_real_ms(void *ctx) {
    return ((fake_server *)ctx)->elapsed_ms + 1; /* rounded up, as the real backend does */
}

static fake_server *fake_new(int with_real_clock, int64_t skew_ms) {
    fake_server *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    sim_store_model_init(&f->model);
    f->skew_locked_ms = skew_ms;
    f->backend = (sim_backend){f,    {f, fake_exec}, NULL, NULL, fake_reset, with_real_clock ? fake_real_ms : NULL,
                               NULL, NULL, NULL, NULL}; /* one shared connection: commands only, no transactions */
    return f;
}

/* Runs 'execs' random executions of 'scenario' (advances off unless 'advances') in lockstep with 'f'. */
static void run_lockstep(fake_server *f, const char *scenario, int advances, int64_t execs, sim_random_result *res) {
    const sim_scenario *sc = sim_scenario_find(scenario);
    assert_non_null(sc);
    sim_config cfg;
    char err[256];
    sim_config_defaults(&cfg, sc, 0);
    if (!advances) assert_int_equal(sim_config_set_text(&cfg, "advances_max=0", err, sizeof(err)), 0);
    cfg.backend = &f->backend;
    sim_random_opts o = {.seed = 1, .execs_max = execs, .advance_permille = advances ? 50 : 0};
    memset(res, 0, sizeof(*res));
    assert_int_equal(sim_explore_random(g_run, &cfg, &o, res), 0);
}

static void test_locked_replies_within_the_clocks_drift(void **state) {
    (void)state;
    fake_server *f = fake_new(1, 0);
    sim_random_result res;
    run_lockstep(f, "thundering_herd", 0, 300, &res);
    assert_int_equal(res.backend_failed, 0);
    assert_int_equal(res.execs, 300);
    assert_int_equal(res.violations, 0);
    free(f);
}

static void test_without_the_real_clock_replies_compare_exactly(void **state) {
    (void)state;
    fake_server *f = fake_new(0, 0);
    sim_random_result res;
    run_lockstep(f, "thundering_herd", 0, 300, &res);
    assert_int_equal(res.backend_failed, 1);
    assert_non_null(strstr(res.backend_error, "acquire"));
    assert_non_null(strstr(res.backend_error, "locked"));
    free(f);
}

static void test_a_skew_beyond_the_bound_is_a_difference(void **state) {
    (void)state;
    fake_server *f = fake_new(1, -100000); /* 100 s: far more than any herd execution's simulated time */
    sim_random_result res;
    run_lockstep(f, "thundering_herd", 0, 300, &res);
    assert_int_equal(res.backend_failed, 1);
    assert_non_null(strstr(res.backend_error, "the real store answered locked"));
    free(f);
}

static void test_a_lease_that_ran_out_in_simulated_time_only(void **state) {
    (void)state;
    fake_server *f = fake_new(1, 0);
    sim_random_result res;
    run_lockstep(f, "stale_token", 1, 300, &res);
    assert_int_equal(res.backend_failed, 1);
    assert_non_null(strstr(res.backend_error, "--store redis follows simulated time"));
    free(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_locked_replies_within_the_clocks_drift),
        cmocka_unit_test(test_without_the_real_clock_replies_compare_exactly),
        cmocka_unit_test(test_a_skew_beyond_the_bound_is_a_difference),
        cmocka_unit_test(test_a_lease_that_ran_out_in_simulated_time_only),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
