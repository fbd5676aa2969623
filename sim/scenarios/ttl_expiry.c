/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ttl_expiry: the holder's work outlasts the lock's TTL (source case 1, 3.3: "cannot dump to unlocked db"). Client
 * c1 takes the lock and does 'work_ms' of read-modify-write steps on a guarded counter, then hangs for 'hang_ms'
 * (stuck I/O) before releasing; client c2 arrives a little later and waits with a long deadline, then does one
 * update of its own.
 *
 * The core renews the lease on a background task (bounded: renewals_max), checks the lost-lock signal before each
 * step, and carries its fencing number to the resource, which refuses stale ones. Expectation (liveness, design.md
 * §7): with no faults, once the holder stops renewing the key frees within TTL, so the waiter, whose deadline lies
 * beyond TTL + the renewal budget, must acquire.
 * Mutants: no_renewal (no renewal, and the resource trusts the lock: the lease expires mid-work and two clients
 * update at once); unbounded_renewal (renews for as long as the holder lives: a hung holder keeps the lock forever
 * and the waiter times out).
 */
#include "core/lk_renewal.h"
#include "sim/sim_scenario.h"

typedef struct ttl_protocol {
    int renew;     /* 1: start auto-renewal */
    int unbounded; /* 1: renew with no budget */
    int fencing;   /* 1: the resource checks fencing numbers */
} ttl_protocol;

static const ttl_protocol ttl_protocols[] = {{1, 0, 1}, {0, 0, 0}, {1, 1, 1}};

typedef struct ttl_state {
    int res;              /* the guarded counter */
    int waiter_acquired;  /* c2 got the lock */
    int waiter_timed_out; /* c2's deadline passed */
    const ttl_protocol *proto;
} ttl_state;

static const sim_param_def ttl_params[] = {
    {"ttl_ms", 1000, 10, 86400000, "lock TTL, ms"},
    {"work_ms", 3000, 0, 86400000, "holder's work, in steps of step_ms, ms (longer than the TTL)"},
    {"step_ms", 500, 1, 86400000, "one read-modify-write step of the work, ms"},
    {"hang_ms", 30000, 0, 86400000, "the holder then hangs this long before releasing, ms"},
    {"renewals_max", 10, 1, 1000000, "renewal budget of the core"},
    {"wait_deadline_ms", 20000, 1, 86400000, "waiter's acquire deadline, ms"},
};

static const sim_variant_def ttl_variants[] = {
    {"core", "bounded auto-renewal, lost-lock checks, fencing numbers refused when stale"},
    {"mutant:no_renewal", "no renewal and a resource that trusts the lock: the lease expires mid-work"},
    {"mutant:unbounded_renewal", "renewal with no budget: a hung holder keeps the lock forever"},
};

/* Both clients: the lock on "lk:climate" with the scenario's TTL, taken with a blocking acquire. Returns the
 * acquire's result; 'm' is initialized either way (fini it). */
static lk_rc ttl_acquire(sim_thread *self, lk_mutex *m, int64_t deadline_ms) {
    const lk_env *env = sim_env(self);
    lk_mutex_opts opts = {.ttl_ms = sim_param(sim_thread_run(self), "ttl_ms")};
    lk_outcome out;
    lk_rc rc = lk_mutex_init(m, env, "lk:climate", &opts);
    return rc != LK_OK ? rc : lk_mutex_acquire(m, lk_env_mono_ns(env) + deadline_ms * 1000000, &out);
}

static void ttl_holder(sim_thread *self, void *arg) {
    ttl_state *st = arg;
    sim_run *run = sim_thread_run(self);
    const lk_env *env = sim_env(self);
    lk_mutex m;
    lk_outcome out;
    if (ttl_acquire(self, &m, 10000) != LK_OK) {
        lk_mutex_fini(&m);
        return;
    }
    lk_renewal r;
    lk_renewal_opts ro = {.renewals_max = st->proto->unbounded ? 1000000 : (int)sim_param(run, "renewals_max")};
    int renewing = st->proto->renew && lk_renewal_start(&r, &m, &ro) == LK_OK;
    int64_t steps = sim_param(run, "work_ms") / sim_param(run, "step_ms");
    for (int64_t i = 0; i < steps; i++) {
        if (renewing) { /* the core: ask before each step, and say what it answered */
            if (lk_renewal_lost(&r)) break;
            sim_belief(self, m.key, r.checked_mono_ns);
        }
        if (sim_resource_increment(self, st->res, m.fence, sim_param(run, "step_ms") * 1000000) != LK_OK) break;
    }
    lk_env_sleep_ns(env, sim_param(run, "hang_ms") * 1000000);
    if (renewing) lk_renewal_stop(&r);
    lk_mutex_release(&m, &out);
    lk_mutex_fini(&m);
}

static void ttl_waiter(sim_thread *self, void *arg) {
    ttl_state *st = arg;
    sim_run *run = sim_thread_run(self);
    lk_mutex m;
    lk_outcome out;
    lk_rc rc = ttl_acquire(self, &m, sim_param(run, "wait_deadline_ms"));
    if (rc == LK_OK) {
        st->waiter_acquired = 1;
        sim_resource_increment(self, st->res, m.fence, sim_param(run, "step_ms") * 1000000);
        lk_mutex_release(&m, &out);
    } else if (rc == LK_ETIMEDOUT) {
        st->waiter_timed_out = 1;
    }
    lk_mutex_fini(&m);
}

static int ttl_setup(sim_run *run) {
    ttl_state *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL) return -1;
    st->proto = &ttl_protocols[sim_variant(run)];
    sim_state_set(run, st);
    if (sim_lock_key(run, "lk:climate") != 0) return -1;
    if ((st->res = sim_resource_new(run, "climate.db", "lk:climate", st->proto->fencing)) < 0) return -1;
    int p1 = sim_process_new(run, "p1"), p2 = sim_process_new(run, "p2");
    if (p1 < 0 || p2 < 0) return -1;
    if (sim_thread_new(run, p1, "c1", 0, ttl_holder, st) < 0) return -1;
    return sim_thread_new(run, p2, "c2", 10 * 1000000, ttl_waiter, st) < 0 ? -1 : 0;
}

/* Liveness: the key frees within TTL + the renewal budget once the holder stops; a waiter whose deadline lies
 * beyond that must acquire. */
static void ttl_finish(sim_run *run) {
    ttl_state *st = sim_state(run);
    int64_t ttl = sim_param(run, "ttl_ms");
    int64_t budget_ms = ttl + sim_param(run, "renewals_max") * (ttl / 3) + 1000;
    if (sim_faults(run) != 0) return; /* advances only bring the key's expiry closer: no condition on them */
    if (!st->waiter_acquired && sim_param(run, "wait_deadline_ms") > budget_ms)
        sim_violation(run, "liveness",
                      "the waiter %s its %lldms deadline; the key should have freed within "
                      "%lldms (TTL + renewal budget) of the holder's start",
                      st->waiter_timed_out ? "timed out at" : "never acquired before",
                      (long long)sim_param(run, "wait_deadline_ms"), (long long)budget_ms);
}

SIM_SCENARIO_DEFINE(ttl_expiry) = {
    .name = "ttl_expiry",
    .description = "the holder's work outlasts the TTL; a waiter arrives; the holder then hangs",
    .params = ttl_params,
    .param_count = sizeof(ttl_params) / sizeof(ttl_params[0]),
    .variants = ttl_variants,
    .variant_count = sizeof(ttl_variants) / sizeof(ttl_variants[0]),
    .expectations = "liveness",
    .setup = ttl_setup,
    .finish = ttl_finish,
    .faults = NULL,
    .probes = "ttl_expired_in_cs,renewal_racing_expiry,fence_refused",
    .canaries = "no_renewal=resource_lost_update,unbounded_renewal=liveness",
};
