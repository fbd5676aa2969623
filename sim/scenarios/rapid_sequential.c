/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rapid_sequential: N requests arrive gap_ms apart (a profile playback firing build_climate back to back, source
 * case 1, 3.1); each does a blocking acquire with a deadline, works for work_ms and releases.
 *
 * Expectations (source case 1's test_regression_rapid_sequential_all_succeed and its "< 15 s" criterion), under
 * their conditions (each deadline longer than N x (work + TTL), no time-advance decisions): every request succeeds,
 * and all of them finish within finish_within_ms of simulated time.
 * Mutant check_then_set: a polling acquire made of GET then plain SET; two waiters can take the lock at once.
 */

#include "sim/mutants/mut_lock.h"
#include "sim/sim_scenario.h"

typedef struct rapid_state {
    int succeeded;        /* requests that acquired and released */
    int failed;           /* requests whose acquire failed or timed out */
    int64_t last_done_ns; /* virtual time the last request finished */
    const mut_protocol *proto;
} rapid_state;

static const sim_param_def rapid_params[] = {
    {"requests", 10, 2, 16, "requests, one process each"},
    {"ttl_ms", 2000, 1, 86400000, "lock TTL, ms"},
    {"work_ms", 500, 0, 86400000, "work per request, ms"},
    {"gap_ms", 50, 0, 86400000, "time between request arrivals, ms"},
    {"finish_within_ms", 15000, 1, 86400000, "all requests must finish within this much simulated time, ms"},
};

static const sim_variant_def rapid_variants[] = {
    {"core", "blocking acquire with deadline and jittered backoff: every request succeeds"},
    {"mutant:check_then_set", "polling GET then SET without NX: two waiters can take the lock at once"},
};

static const mut_protocol *const rapid_protos[] = {&mut_core, &mut_check_then_set};

static int64_t rapid_deadline_ms(sim_run *run) {
    return sim_param(run, "requests") * (sim_param(run, "work_ms") + sim_param(run, "ttl_ms")) + 1000;
}

static void rapid_request(sim_thread *self, void *arg) {
    rapid_state *st = arg;
    sim_run *run = sim_thread_run(self);
    const lk_env *env = sim_env(self);
    lk_mutex m;
    lk_mutex_opts opts = {.ttl_ms = sim_param(run, "ttl_ms")};
    if (lk_mutex_init(&m, env, "lk:climate", &opts) != LK_OK) {
        st->failed++;
        return;
    }
    lk_outcome out = LK_NONE;
    lk_mono_ns deadline = lk_env_mono_ns(env) + rapid_deadline_ms(run) * 1000000;
    lk_rc rc = st->proto->acquire(&m, deadline, &out);
    if (rc != LK_OK) {
        st->failed++;
        lk_mutex_fini(&m);
        return;
    }
    lk_env_sleep_ns(env, sim_param(run, "work_ms") * 1000000);
    st->proto->release(&m, &out);
    st->succeeded++;
    st->last_done_ns = sim_now_ns(run);
    lk_mutex_fini(&m);
}

static int rapid_setup(sim_run *run) {
    rapid_state *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL) return -1;
    st->proto = rapid_protos[sim_variant(run)];
    sim_state_set(run, st);
    if (sim_lock_key(run, "lk:climate") != 0) return -1;
    return sim_clients_new(run, (int)sim_param(run, "requests"), sim_param(run, "gap_ms") * 1000000, rapid_request, st);
}

static void rapid_finish(sim_run *run) {
    rapid_state *st = sim_state(run);
    int n = (int)sim_param(run, "requests");
    if (sim_advances(run) != 0 || sim_faults(run) != 0) return;
    if (st->succeeded != n)
        sim_violation(run, "expect_all_succeed",
                      "%d of %d rapid sequential requests succeeded (%d failed); with "
                      "deadlines of %lldms every one must",
                      st->succeeded, n, st->failed, (long long)rapid_deadline_ms(run));
    else if (st->last_done_ns > sim_param(run, "finish_within_ms") * 1000000)
        sim_violation(run, "expect_finish_within", "%d requests took %lldms of simulated time, more than %lldms", n,
                      (long long)(st->last_done_ns / 1000000), (long long)sim_param(run, "finish_within_ms"));
}

static const sim_param_override rapid_overrides[] = {
    {"crashes_max", 1}, /* exhaustive search bound: one crash, of any client (the wait_on_crashed_holder race) */
};

SIM_SCENARIO_DEFINE(rapid_sequential) = {
    .name = "rapid_sequential",
    .description = "N requests arrive back to back; blocking acquire, work, release",
    .params = rapid_params,
    .param_count = sizeof(rapid_params) / sizeof(rapid_params[0]),
    .variants = rapid_variants,
    .variant_count = sizeof(rapid_variants) / sizeof(rapid_variants[0]),
    .expectations = "expect_all_succeed,expect_finish_within",
    .setup = rapid_setup,
    .finish = rapid_finish,
    .overrides = rapid_overrides,
    .override_count = sizeof(rapid_overrides) / sizeof(rapid_overrides[0]),
    .probes = "stale_release,wait_on_crashed_holder",
    .canaries = "check_then_set=lease_safety",
};
