/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * store_restart: the store restarts (losing its keys, or its last writes) or its wall clock steps while a client
 * holds the lock (design.md §6, "store restart and clock steps"). Two clients each take the lock and do one
 * read-modify-write step on a guarded counter. This scenario injects restarts and server wall steps by default.
 *
 * What the lock alone cannot do: a restart that loses the key, or a forward step of the server's clock, ends the
 * holder's lease early and lets the other client in while the first still works; no lock protocol can see that in
 * time. With fencing the resource stays safe: it refuses a fencing number below the highest it has seen, or the same
 * number from another holder (a restart that loses the fence counter hands numbers out again: then new holders are
 * refused until the numbers pass the mark; safety holds, progress waits). Mutant no_fencing: the resource trusts the
 * lock, and the second holder's update is lost.
 */
#include "core/lk_mutex.h"
#include "sim/sim_scenario.h"

typedef struct restart_state {
    int res;
} restart_state;

static const sim_param_def restart_params[] = {
    {"threads", 2, 2, 8, "clients, one process each"},
    {"ttl_ms", 1000, 10, 86400000, "lock TTL, ms"},
    {"step_ms", 400, 0, 86400000, "the read-modify-write step's work, ms (below the TTL)"},
    {"deadline_ms", 10000, 1, 86400000, "acquire deadline, ms"},
};

static const sim_variant_def restart_variants[] = {
    {"core", "fencing numbers carried to the resource, which refuses stale or reused ones"},
    {"mutant:no_fencing", "the same lock, but the resource trusts it: a lost lease loses an update"},
};

static void restart_client(sim_thread *self, void *arg) {
    restart_state *st = arg;
    sim_run *run = sim_thread_run(self);
    const lk_env *env = sim_env(self);
    lk_mutex m;
    lk_mutex_opts opts = {.ttl_ms = sim_param(run, "ttl_ms")};
    lk_outcome out;
    if (lk_mutex_init(&m, env, "lk:report", &opts) != LK_OK) return;
    if (lk_mutex_acquire(&m, lk_env_mono_ns(env) + sim_param(run, "deadline_ms") * 1000000, &out) == LK_OK) {
        sim_resource_increment(self, st->res, m.fence, sim_param(run, "step_ms") * 1000000);
        lk_mutex_release(&m, &out);
    }
    lk_mutex_fini(&m);
}

static int restart_setup(sim_run *run) {
    restart_state *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL) return -1;
    sim_state_set(run, st);
    if (sim_lock_key(run, "lk:report") != 0) return -1;
    if ((st->res = sim_resource_new(run, "report.db", "lk:report", sim_variant(run) == 0)) < 0) return -1;
    return sim_clients_new(run, (int)sim_param(run, "threads"), 0, restart_client, st);
}

static const sim_param_override restart_overrides[] = {
    {"wall_steps_max", 1}, /* exhaustive search bound: a server wall step during a hold */
    {"restarts_max", 1},   /* exhaustive search bound: a restart that loses the lock (and the fence counter) */
};

SIM_SCENARIO_DEFINE(store_restart) = {
    .name = "store_restart",
    .description = "the store restarts or its wall clock steps while a client holds the lock",
    .params = restart_params,
    .param_count = sizeof(restart_params) / sizeof(restart_params[0]),
    .variants = restart_variants,
    .variant_count = sizeof(restart_variants) / sizeof(restart_variants[0]),
    .setup = restart_setup,
    .finish = NULL,
    .faults = "restart,wall-step",
    .overrides = restart_overrides,
    .override_count = sizeof(restart_overrides) / sizeof(restart_overrides[0]),
    .probes = "wall_step_during_hold,fence_refused",
    .canaries = "no_fencing=resource_lost_update",
};
