/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * clear_vs_holders: an administrator clears every lock of a namespace while holders are working (source case 1,
 * 3.5: "operations fail with 'cannot dump to unlocked db'"). Two clients each do 'rounds' of acquire, one
 * read-modify-write step on a guarded counter, release; the admin clears at 'clear_at_ms'.
 *
 * The core's clear revokes the holders by design, and makes that safe: it bumps the namespace epoch, publishes the
 * new fence floor to the resource before deleting anything, and deletes only locks granted before the bump. The
 * revoked holder's next write is refused and its release reports not-owner or absent.
 * Mutant del_all: DEL of every key, nothing else; the revoked holder's write is still accepted (revoked_write).
 */
#include "sim/mutants/mut_lock.h"
#include "sim/sim_scenario.h"

#define CLEAR_PREFIX "lk:app:"
#define CLEAR_EPOCH "lkepoch:app"
#define CLEAR_KEY CLEAR_PREFIX "climate"

typedef struct clear_state {
    int res;
} clear_state;

typedef struct clear_publish_arg {
    sim_thread *self;
    int res;
} clear_publish_arg;

static const sim_param_def clear_params[] = {
    {"threads", 2, 1, 8, "holders, one process each"},
    {"rounds", 2, 1, 100, "lock cycles per holder"},
    {"ttl_ms", 2000, 10, 86400000, "lock TTL, ms"},
    {"step_ms", 300, 0, 86400000, "the read-modify-write step's work, ms"},
    {"clear_at_ms", 150, 0, 86400000, "when the admin clears, ms"},
};

static const sim_variant_def clear_variants[] = {
    {"core", "epoch bump, fence floor published first, compare-and-delete of older grants"},
    {"mutant:del_all", "DEL every lock key: a revoked holder's write is still accepted"},
};

static void clear_holder(sim_thread *self, void *arg) {
    clear_state *st = arg;
    sim_run *run = sim_thread_run(self);
    const lk_env *env = sim_env(self);
    lk_mutex m;
    lk_mutex_opts opts = {.ttl_ms = sim_param(run, "ttl_ms"), .epoch_key = CLEAR_EPOCH};
    if (lk_mutex_init(&m, env, CLEAR_KEY, &opts) != LK_OK) return;
    for (int64_t round = 0; round < sim_param(run, "rounds"); round++) {
        lk_outcome out;
        if (lk_mutex_acquire(&m, lk_env_mono_ns(env) + INT64_C(10000000000), &out) != LK_OK) break;
        sim_resource_increment(self, st->res, m.fence, sim_param(run, "step_ms") * 1000000);
        lk_mutex_release(&m, &out);
    }
    lk_mutex_fini(&m);
}

static void clear_publish(void *arg, int64_t fence_floor) {
    clear_publish_arg *a = arg;
    sim_resource_floor(a->self, a->res, fence_floor);
}

static void clear_admin(sim_thread *self, void *arg) {
    clear_state *st = arg;
    clear_publish_arg pa = {self, st->res};
    lk_clear_result res;
    if (sim_variant(sim_thread_run(self)) == 0)
        lk_clear(sim_env(self), CLEAR_PREFIX, CLEAR_EPOCH, clear_publish, &pa, &res);
    else
        mut_clear_del_all(sim_env(self), CLEAR_PREFIX, CLEAR_EPOCH, clear_publish, &pa, &res);
}

static int clear_setup(sim_run *run) {
    clear_state *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL) return -1;
    sim_state_set(run, st);
    if (sim_lock_key(run, CLEAR_KEY) != 0) return -1;
    if ((st->res = sim_resource_new(run, "climate.db", CLEAR_KEY, 1)) < 0) return -1;
    int n = (int)sim_param(run, "threads");
    if (sim_clients_new(run, n, 0, clear_holder, st) != 0) return -1;
    if (n >= 2 && sim_symmetric(run, 0, n) != 0) return -1; /* the holders are interchangeable (--symmetry on) */
    int p = sim_process_new(run, "padmin");
    int t = p < 0 ? -1 : sim_thread_new(run, p, "admin", sim_param(run, "clear_at_ms") * 1000000, clear_admin, st);
    if (t < 0) return -1;
    sim_thread_admin(run, t);
    return 0;
}

SIM_SCENARIO_DEFINE(clear_vs_holders) = {
    .name = "clear_vs_holders",
    .description = "an admin clears every lock while holders work",
    .params = clear_params,
    .param_count = sizeof(clear_params) / sizeof(clear_params[0]),
    .variants = clear_variants,
    .variant_count = sizeof(clear_variants) / sizeof(clear_variants[0]),
    .setup = clear_setup,
    .finish = NULL,
    .faults = NULL,
    .probes = "clear_while_held,fence_refused",
    .canaries = "del_all=revoked_write",
};
