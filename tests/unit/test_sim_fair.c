/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sim_fair.c: proves the fair lock (core/lk_fair.h) on the simulator with the model store's Lua: waiters are
 * served in arrival order with the lock handed over inside the release, a crashed holder or waiter never stalls the
 * queue, a holder's belief never outlives the store's lease (stale wake-ups included), the naive search, DPOR and the
 * search over states agree, and each of the three mutants is found by the search over states.
 *
 * How: the built-in scenario fair_queue (sim/scenarios/fair_queue.c, its expectations exclusion, valid belief, FIFO,
 * service, prompt handoff) for the proofs and the mutants; an inline scenario, "fair_api", for the API's edges: one
 * client holds for 'hold_ms', past its TTL by renewal (lk_renewal_start_fair), while a second waits (blocking) and a third tries once and then waits with a short
 * deadline. finish() raises "api" naming the first thing that went wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/lk_fair.h"
#include "core/lk_renewal.h"
#include "sim/explore/sim_config.h"
#include "sim/explore/sim_explore.h"
#include "sim/explore/sim_faults.h"
#include "sim/run/sim_verdict.h"
#include "sim_test_modes.h"

#define MS INT64_C(1000000)

extern const sim_scenario sim_scenario_fair_queue;

/* ---- the API's edges ------------------------------------------------------------------------------------------ */

typedef struct api_state {
    char bad[200];        /* the first failure, or "" */
    int64_t holder_fence; /* c1's fencing number */
    int handed;           /* c2 got it by the handoff */
} api_state;

#define API_EXPECT(st, cond, ...)                                                                                      \
    do {                                                                                                               \
        if (!(cond) && (st)->bad[0] == '\0') snprintf((st)->bad, sizeof((st)->bad), __VA_ARGS__);                      \
    } while (0)

static void api_client(sim_thread *self, void *arg) {
    api_state *st = arg;
    sim_run *run = sim_thread_run(self);
    const lk_env *env = sim_env(self);
    const char *name = sim_thread_name(self);
    lk_fair f;
    lk_fair_opts opts = {.ttl_ms = 1000, .kind = "memory"};
    lk_outcome out = LK_NONE;
    if (name[1] == '1') {
        lk_fair_opts bad = {.ttl_ms = 300, .wait_ms = 101};
        API_EXPECT(st, lk_fair_init(&f, env, "x", &bad) == LK_EINVAL, "a wait_ms above TTL/3 was accepted");
        char long_name[LK_FAIR_NAME_MAX + 1];
        memset(long_name, 'n', sizeof(long_name) - 1);
        long_name[sizeof(long_name) - 1] = '\0';
        API_EXPECT(st, lk_fair_init(&f, env, long_name, &opts) == LK_EINVAL,
                   "a name past LK_FAIR_NAME_MAX was accepted");
        API_EXPECT(st, lk_fair_init(&f, env, "q:{a}", &opts) == LK_OK, "init: %s", lk_fair_errmsg(&f));
        API_EXPECT(st, lk_fair_release(&f, &out) == LK_EMISUSE, "release of a lock not held was not misuse");
        API_EXPECT(st, lk_fair_try_acquire(&f, &out) == LK_OK && out == LK_ACQUIRED, "c1's try on a free lock: %s",
                   lk_outcome_label(out));
        API_EXPECT(st, lk_fair_ticket(&f) == 1 && lk_fair_fence(&f) == 1, "c1: ticket %lld fence %lld",
                   (long long)lk_fair_ticket(&f), (long long)lk_fair_fence(&f));
        API_EXPECT(st, lk_fair_try_acquire(&f, &out) == LK_EMISUSE, "a second acquire while held was not misuse");
        st->holder_fence = lk_fair_fence(&f);
        lk_renewal ren; /* the hold outlasts the 1000 ms lease: renewal keeps it */
        API_EXPECT(st, lk_renewal_start_fair(&ren, &f, NULL) == LK_OK, "renewal start: %s", ren.errmsg);
        lk_env_sleep_ns(env, sim_param(run, "hold_ms") * MS);
        API_EXPECT(st, !lk_renewal_lost(&ren) && lk_renewal_count(&ren) >= 2, "c1's renewal lost it (%d renewals)",
                   lk_renewal_count(&ren));
        lk_renewal_stop(&ren);
        API_EXPECT(st, lk_fair_extend(&f, 1000, &out) == LK_OK && out == LK_EXTENDED, "c1's extend: %s",
                   lk_outcome_label(out));
        API_EXPECT(st, lk_fair_holds(&f), "c1 does not believe it holds after its extend");
        API_EXPECT(st, lk_fair_release(&f, &out) == LK_OK && out == LK_RELEASED, "c1's release: %s",
                   lk_outcome_label(out));
        API_EXPECT(st, !lk_fair_holds(&f) && lk_fair_fence(&f) == 0, "c1 still holds after its release");
    } else if (name[1] == '2') {
        API_EXPECT(st, lk_fair_init(&f, env, "q:{a}", &opts) == LK_OK, "init: %s", lk_fair_errmsg(&f));
        lk_rc rc = lk_fair_acquire(&f, lk_env_mono_ns(env) + 3000 * MS, &out);
        API_EXPECT(st, rc == LK_OK && out == LK_ACQUIRED, "c2's acquire: %s, %s", lk_rc_name(rc),
                   lk_outcome_label(out));
        API_EXPECT(st, lk_fair_fence(&f) == st->holder_fence + 1, "c2's fence %lld after c1's %lld",
                   (long long)lk_fair_fence(&f), (long long)st->holder_fence);
        API_EXPECT(st, lk_fair_ticket(&f) == 2, "c2's ticket %lld, want 2 (it came second)",
                   (long long)lk_fair_ticket(&f));
        char owner[LK_VALUE_MAX] = "";
        API_EXPECT(st, sim_store_peek(run, "q:{a}:owner", owner) && strcmp(owner, f.token) == 0,
                   "the store's owner is not c2 after the handoff");
        st->handed = 1;
        lk_fair_release(&f, &out);
    } else {
        API_EXPECT(st, lk_fair_init(&f, env, "q:{a}", &opts) == LK_OK, "init: %s", lk_fair_errmsg(&f));
        API_EXPECT(st, lk_fair_try_acquire(&f, &out) == LK_OK && out == LK_LOCKED && lk_fair_ticket(&f) == 0,
                   "c3's lone try on a held lock: %s, ticket %lld (a lone try never queues)", lk_outcome_label(out),
                   (long long)lk_fair_ticket(&f));
        lk_rc rc = lk_fair_acquire(&f, lk_env_mono_ns(env) + 50 * MS, &out);
        API_EXPECT(st, rc == LK_ETIMEDOUT && !lk_fair_holds(&f), "c3's short acquire: %s", lk_rc_name(rc));
        char ticket[LK_VALUE_MAX] = "";
        API_EXPECT(st, sim_store_peek(run, "q:{a}:seq", ticket) && strcmp(ticket, "3") == 0,
                   "the ticket counter is %s after three arrivals", ticket);
    }
    lk_fair_fini(&f);
}

static int api_setup(sim_run *run) {
    api_state *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL) return -1;
    sim_state_set(run, st);
    static const char *const names[] = {"c1", "c2", "c3"};
    for (int i = 0; i < 3; i++) {
        int p = sim_process_new(run, names[i]);
        if (p < 0 || sim_thread_new(run, p, names[i], i * 5 * MS, api_client, st) < 0) return -1;
    }
    return 0;
}

static void api_finish(sim_run *run) {
    const api_state *st = sim_state(run);
    if (st->bad[0])
        sim_violation(run, "api", "%s", st->bad);
    else if (!st->handed)
        sim_violation(run, "api", "c2 never got the lock");
}

static const sim_param_def api_params[] = {{"hold_ms", 2500, 1, 60000, "c1's hold, ms (renewed past its TTL)"}};
static const sim_variant_def api_variants[] = {{"core", "lk_fair"}};
static const sim_scenario api_scenario = {
    .name = "fair_api",
    .description = "lk_fair's API edges",
    .params = api_params,
    .param_count = 1,
    .variants = api_variants,
    .variant_count = 1,
    .setup = api_setup,
    .finish = api_finish,
    .expectations = "api",
};

#ifdef RACEBED_HAVE_LUA
/* The API edges, in every interleaving of the three clients (no faults). */
static void test_fair_api(void **state) {
    (void)state;
    sim_config cfg;
    config_with(&cfg, &api_scenario, 0, "advances_max=0");
    assert_proved(&cfg, 1000000);
}

/* The three search modes agree on fair_queue's outcomes: 3 clients, one turn each, with a crash; then with a time
 * advance. */
static void test_fair_modes_agree(void **state) {
    (void)state;
    sim_config cfg;
    config_with(&cfg, &sim_scenario_fair_queue, 0, "rounds=1 crashes_max=1 advances_max=0");
    assert_int_equal(modes_agree_on(&cfg, "fair_queue 3 clients, a crash", 2), 0);
    config_with(&cfg, &sim_scenario_fair_queue, 0, "rounds=1 crashes_max=0 advances_max=1");
    assert_int_equal(modes_agree_on(&cfg, "fair_queue 3 clients, a time advance", 2), 0);
}

/* Proved: 3 clients, two turns each (so a releaser comes back and must queue behind the others), one crash (thread
 * or process) and one time advance: exclusion, valid belief, FIFO, service and prompt handoff, every path. */
static void test_fair_core_proved(void **state) {
    (void)state;
    sim_config cfg;
    config_with(&cfg, &sim_scenario_fair_queue, 0, "rounds=2 crashes_max=1 advances_max=1");
    fprintf(stderr, "fair_queue core: %lld states, proved\n", (long long)assert_proved(&cfg, 50000000));
}

/* Each mutant is found by the search over states, by the expectation its flaw breaks. */
static void test_fair_mutants_found(void **state) {
    (void)state;
    static const struct {
        const char *variant, *oracle;
    } want[] = {
        {"mutant:barging", "expect_fifo"},
        {"mutant:lost_wakeup", "expect_prompt_handoff"},
        {"mutant:dead_head", "expect_served"},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        int variant = -1;
        for (int v = 0; v < sim_scenario_fair_queue.variant_count; v++)
            if (strcmp(sim_scenario_fair_queue.variants[v].name, want[i].variant) == 0) variant = v;
        assert_true(variant > 0);
        sim_config cfg;
        config_with(&cfg, &sim_scenario_fair_queue, variant, "rounds=2 crashes_max=1 advances_max=0");
        mode_result m;
        run_mode(&cfg, SIM_REDUCE_HASH, -1, 50000000, &m);
        free(m.outcome);
        int found = 0;
        for (int k = 0; k < m.res.violated_count; k++)
            if (strcmp(m.res.violated[k], want[i].oracle) == 0) found = 1;
        if (!found) fail_msg("%s: %s not found", want[i].variant, want[i].oracle);
    }
}

/* Lost replies and connection errors on many ops, with time advances and pauses: a try whose reply is lost keeps
 * its queue place, a lost wake-up costs one wait, and a stale wake-up is never believed (expect_valid_belief). */
static void test_fair_store_faults(void **state) {
    (void)state;
    sim_config cfg;
    config_with(&cfg, &sim_scenario_fair_queue, 0, "rounds=2 crashes_max=0");
    sim_random_opts o = {.seed = 1, .execs_max = 3000, .fault_permille = 300, .advance_permille = 100};
    char err[128];
    assert_int_equal(sim_faults_parse("reply-lost,conn-error,pause", &o.faults, err, sizeof(err)), 0);
    sim_random_result res;
    memset(&res, 0, sizeof(res));
    assert_int_equal(sim_explore_random(g_run, &cfg, &o, &res), 0);
    if (res.setup_failed) fail_msg("setup: %s", res.setup_error);
    if (res.violations) fail_msg("%s: %s", res.first.oracle, res.first.msg);
}
#endif

static void test_fair_without_lua(void **state) {
    (void)state;
#ifdef RACEBED_HAVE_LUA
    skip();
#else
    sim_random_result res;
    sim_config cfg;
    config_with(&cfg, &api_scenario, 0, "hold_ms=10");
    sim_random_opts o = {.seed = 1, .execs_max = 1};
    memset(&res, 0, sizeof(res));
    sim_explore_random(g_run, &cfg, &o, &res);
    assert_true(res.violations > 0 || res.setup_failed); /* the model refuses scripts by name */
#endif
}

int main(void) {
    const struct CMUnitTest tests[] = {
#ifdef RACEBED_HAVE_LUA
        cmocka_unit_test(test_fair_api),          cmocka_unit_test(test_fair_modes_agree),
        cmocka_unit_test(test_fair_core_proved),  cmocka_unit_test(test_fair_mutants_found),
        cmocka_unit_test(test_fair_store_faults),
#endif
        cmocka_unit_test(test_fair_without_lua),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
