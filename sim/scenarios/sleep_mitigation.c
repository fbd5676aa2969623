/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sleep_mitigation: source case 1's "fix" for rapid sequential requests: keep try-acquire (fail at once when the lock
 * is held) and space the requests with a sleep longer than the work (its time.sleep(1.0) in api.py and
 * playback.py). N requests arrive 'spacing_ms' apart, each does 'work_ms' under the lock. This scenario injects
 * pauses by default: a GC pause or a slow operation stretches one request's work past the spacing.
 *
 * Expectation (the source's own, test_rapid_sequential_with_delays: "all requests succeed with delays"), with no
 * crash: every request succeeds. The core keeps it with a blocking acquire and a deadline; the mutant
 * sleep_spacing (try-acquire plus spacing) breaks it as soon as the work outlasts the spacing.
 */
#include "core/lk_mutex.h"
#include "sim/sim_scenario.h"

typedef struct sleep_state {
    int succeeded;
    int failed;
} sleep_state;

static const sim_param_def sleep_params[] = {
    {"requests", 4, 2, 16, "requests, one process each"},
    {"spacing_ms", 1000, 0, 86400000, "the sleep between requests, ms"},
    {"work_ms", 500, 0, 86400000, "work under the lock, ms (shorter than the spacing)"},
    {"ttl_ms", 10000, 10, 86400000, "lock TTL, ms"},
    {"deadline_ms", 20000, 1, 86400000, "the core's acquire deadline, ms"},
};

static const sim_variant_def sleep_variants[] = {
    {"core", "blocking acquire with a deadline: a stretched request delays the next, never fails it"},
    {"mutant:sleep_spacing", "try-acquire with requests spaced by a sleep: a stretched request fails the next"},
};

static const sim_param_override sleep_overrides[] = {
    {"advances_max", 0}, /* the race needs pauses, not time advances (which starve every waiter alike) */
    {"crashes_max", 1},  /* exhaustive search bound: one crash, of any client (the wait_on_crashed_holder race) */
    {"pauses_max", 1},   /* exhaustive search bound: one pause, of any request (the stretched request) */
};

static void sleep_request(sim_thread *self, void *arg) {
    sleep_state *st = arg;
    sim_run *run = sim_thread_run(self);
    const lk_env *env = sim_env(self);
    lk_mutex m;
    lk_mutex_opts opts = {.ttl_ms = sim_param(run, "ttl_ms")};
    if (lk_mutex_init(&m, env, "lk:climate", &opts) != LK_OK) return;
    lk_outcome out = LK_NONE;
    lk_rc rc = sim_variant(run) == 0
                   ? lk_mutex_acquire(&m, lk_env_mono_ns(env) + sim_param(run, "deadline_ms") * 1000000, &out)
                   : lk_mutex_try_acquire(&m, &out);
    if (rc == LK_OK && (out == LK_ACQUIRED || out == LK_ALREADY_MINE)) {
        lk_env_sleep_ns(env, sim_param(run, "work_ms") * 1000000);
        lk_mutex_release(&m, &out);
        st->succeeded++;
    } else {
        st->failed++;
        if (m.maybe_held) lk_mutex_release(&m, &out);
    }
    lk_mutex_fini(&m);
}

static int sleep_setup(sim_run *run) {
    sleep_state *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL || sim_lock_key(run, "lk:climate") != 0) return -1;
    sim_state_set(run, st);
    return sim_clients_new(run, (int)sim_param(run, "requests"), sim_param(run, "spacing_ms") * 1000000, sleep_request,
                           st);
}

static void sleep_finish(sim_run *run) {
    sleep_state *st = sim_state(run);
    if (sim_crashes(run) != 0 || sim_advances(run) != 0) return;
    if (st->failed != 0)
        sim_violation(run, "expect_all_succeed",
                      "%d of %d requests failed ('already locked'); the sleep between "
                      "requests does not help once one request's work is stretched",
                      st->failed, st->failed + st->succeeded);
}

SIM_SCENARIO_DEFINE(sleep_mitigation) = {
    .name = "sleep_mitigation",
    .description = "requests spaced by a sleep instead of a blocking acquire; a pause stretches one",
    .params = sleep_params,
    .param_count = sizeof(sleep_params) / sizeof(sleep_params[0]),
    .variants = sleep_variants,
    .variant_count = sizeof(sleep_variants) / sizeof(sleep_variants[0]),
    .expectations = "expect_all_succeed",
    .setup = sleep_setup,
    .finish = sleep_finish,
    .faults = "pause",
    .overrides = sleep_overrides,
    .override_count = sizeof(sleep_overrides) / sizeof(sleep_overrides[0]),
    .probes = "wait_on_crashed_holder",
    .canaries = "sleep_spacing=expect_all_succeed",
};
