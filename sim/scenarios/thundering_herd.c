/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * thundering_herd: N clients, each in its own process, try-acquire one key at the same instant (source case 1,
 * 3.1: many workers hit the same SET NX window). The winner works for work_ms and releases.
 *
 * Expectation (source case 1's test_thundering_herd_lock_acquisition), under its conditions (work shorter than the
 * TTL, no time-advance decisions): exactly 1 winner and N-1 "already locked".
 * Mutant check_then_set: GET then plain SET; two clients both see the key free and both win.
 */
#include "sim/mutants/mut_lock.h"
#include "sim/sim_scenario.h"

typedef struct herd_state {
    int winners; /* acquires that got the lock */
    int locked;  /* try-acquires that found it held */
    int errors;  /* anything else */
    const mut_protocol *proto;
} herd_state;

static const sim_param_def herd_params[] = {
    {"threads", 5, 2, 16, "clients racing for the key, one process each"},
    {"ttl_ms", 2000, 1, 86400000, "lock TTL, ms"},
    {"work_ms", 500, 0, 86400000, "critical-section work of the winner, ms"},
};

static const sim_variant_def herd_variants[] = {
    {"core", "atomic set-if-absent acquire: one winner, the rest see 'locked'"},
    {"mutant:check_then_set", "GET then SET without NX: two clients can both win"},
};

static const mut_protocol *const herd_protos[] = {&mut_core, &mut_check_then_set};

static void herd_client(sim_thread *self, void *arg) {
    herd_state *st = arg;
    sim_run *run = sim_thread_run(self);
    lk_mutex m;
    lk_mutex_opts opts = {.ttl_ms = sim_param(run, "ttl_ms")};
    if (lk_mutex_init(&m, sim_env(self), "lk:herd", &opts) != LK_OK) {
        st->errors++;
        return;
    }
    lk_outcome out = LK_NONE;
    lk_rc rc = st->proto->try_acquire(&m, &out);
    if (rc == LK_OK && (out == LK_ACQUIRED || out == LK_ALREADY_MINE)) {
        st->winners++;
        lk_env_sleep_ns(sim_env(self), sim_param(run, "work_ms") * 1000000);
        st->proto->release(&m, &out);
    } else if (rc == LK_OK && out == LK_LOCKED) {
        st->locked++;
    } else {
        st->errors++;
        if (m.maybe_held) st->proto->release(&m, &out); /* the attempt may have been applied: clean up */
    }
    lk_mutex_fini(&m);
}

static int herd_setup(sim_run *run) {
    herd_state *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL) return -1;
    st->proto = herd_protos[sim_variant(run)];
    sim_state_set(run, st);
    if (sim_lock_key(run, "lk:herd") != 0) return -1;
    return sim_clients_new(run, (int)sim_param(run, "threads"), 0, herd_client, st);
}

static void herd_finish(sim_run *run) {
    herd_state *st = sim_state(run);
    int n = (int)sim_param(run, "threads");
    if (sim_advances(run) != 0 || sim_faults(run) != 0 || sim_param(run, "work_ms") >= sim_param(run, "ttl_ms")) return;
    if (st->winners != 1 || st->locked != n - 1)
        sim_violation(run, "expect_one_winner",
                      "a herd of %d resolved to %d winner(s), %d 'already locked' and %d "
                      "error(s); expected exactly 1 winner and %d 'already locked'",
                      n, st->winners, st->locked, st->errors, n - 1);
}

static const sim_param_override herd_overrides[] = {
    {"crashes_max", 1}, /* exhaustive search bound: one crash, of any client (the wait_on_crashed_holder race) */
};

SIM_SCENARIO_DEFINE(thundering_herd) = {
    .name = "thundering_herd",
    .description = "N clients try-acquire one key at the same instant",
    .params = herd_params,
    .param_count = sizeof(herd_params) / sizeof(herd_params[0]),
    .variants = herd_variants,
    .variant_count = sizeof(herd_variants) / sizeof(herd_variants[0]),
    .expectations = "expect_one_winner",
    .setup = herd_setup,
    .finish = herd_finish,
    .overrides = herd_overrides,
    .override_count = sizeof(herd_overrides) / sizeof(herd_overrides[0]),
    .probes = "wait_on_crashed_holder",
    .canaries = "check_then_set=lease_safety",
};
