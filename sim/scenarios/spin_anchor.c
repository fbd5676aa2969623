/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spin_anchor: the lock protocol of the SPIN anchor (../shared/anchors/spin/redlock.pml), on the real core, with the
 * same bounds, so `tools/bench_spin.sh` can set racebed's exhaustive search beside SPIN's on one table.
 *
 * 'n' clients, each in its own process, take one key with try-acquire (SET NX PX and the fencing INCR in one
 * script) and, after a refusal, try again at once up to 'retries' times (no sleep). A winner does 'cs_writes' writes
 * to a guarded resource, each carrying its fencing number ('fence' 1: the resource refuses a stale number; 0: it
 * trusts the lock), stops at the first refusal, and releases. Every visible op is one SPIN action: a store op, a
 * resource write; time advances, the server wall step (SPIN's JUMP) and crashes are the exhaustive search's
 * decisions (advances_max, wall_steps_max with wall_step_ms, crashes_max), never the scenario's.
 *
 * Oracles. SPIN's P1' (no foreign delete) and P2 (the resource never accepts a number below one it accepted) are
 * racebed's no_foreign_delete and resource_fence_order; two holders of one live lease is lease_safety. SPIN's P1
 * (never two clients inside their critical sections) is stronger than lease safety: a lease lost to expiry or a
 * wall step breaks it by design (only fencing protects the resource then), so it is checked only with 'check_p1' 1,
 * as SPIN checks it only with CHK_P1. A client is inside from its acquire's reply until it sends its release, and
 * P1 is checked while no crash has happened (a crashed holder's flag cannot be told from a live one's).
 *
 * Variants: core; check_then_set (SPIN B1: GET, then SET without NX); plain_del (B2: release by DEL); admin_del
 * (B3: an administrator DELs the lock key while it is held, one store op, with no epoch bump and no fence floor; it
 * is marked an administrator as in clear_vs_holders, so its delete is a revocation and the revoked holder's
 * accepted write is the violation). 'admin' 1 gives the core an administrator too, which clears properly (lk_clear).
 */
#include <stddef.h>
#include <stdio.h>

#include "sim/mutants/mut_lock.h"
#include "sim/sim_scenario.h"

#define SPIN_PREFIX "lk:spin:"
#define SPIN_KEY SPIN_PREFIX "lock"
#define SPIN_EPOCH "lkepoch:spin"

enum { SPIN_CLIENTS_MAX = 16, SPIN_VARIANT_ADMIN_DEL = 3 };

/* The scenario's shared state (run arena). The clients' threads share it; each touches it only between its visible
 * ops, and one virtual thread runs at a time, so it needs no lock. */
typedef struct spin_state {
    const mut_protocol *proto;   /* the variant's acquire and release */
    int res;                     /* the guarded resource */
    int in_cs[SPIN_CLIENTS_MAX]; /* 1 from a client's acquire reply until it sends its release */
    const char *epoch_key;       /* SPIN_EPOCH when the core's clear runs, else NULL */
} spin_state;

/* One client's argument (run arena): its 0-based index and the shared state. Guarded by: the owning thread only. */
typedef struct spin_client_arg {
    spin_state *st;
    int idx;
} spin_client_arg;

typedef struct spin_publish_arg {
    sim_thread *self;
    int res;
} spin_publish_arg;

static const sim_param_def spin_params[] = {
    {"n", 2, 1, SPIN_CLIENTS_MAX, "clients, one process each (SPIN N)"},
    {"retries", 1, 0, 64, "immediate tries again after a refused try-acquire, no sleep (SPIN R)"},
    {"ttl_ms", 2000, 1, 86400000, "lock TTL, ms (SPIN TTL, one tick = 1000 ms in tools/bench_spin.sh)"},
    {"cs_writes", 2, 1, 64, "fenced writes to the guarded resource per critical section (SPIN CSMAX)"},
    {"fence", 1, 0, 1, "1: the resource refuses stale fencing numbers; 0: it trusts the lock (SPIN FENCE)"},
    {"check_p1", 0, 0, 1,
     "1: no two clients inside their critical sections at once, even after a lease loss (SPIN CHK_P1)"},
    {"admin", 0, 0, 1, "1: an administrator clears the lock (core: lk_clear; mutant:admin_del always has one)"},
    {"admin_at_us", 1000, 0, 86400000000, "when the administrator acts, us (default: one RTT, the first CS)"},
};

static const sim_variant_def spin_variants[] = {
    {"core", "SET NX PX + fencing INCR in one script, compare-and-delete release (SPIN VARIANT 0)"},
    {"mutant:check_then_set", "GET, then SET without NX: two clients can both win (SPIN B1)"},
    {"mutant:plain_del", "release by DEL without comparing the token (SPIN B2)"},
    {"mutant:admin_del", "an admin DELs the lock key during a hold, no epoch or fence floor (SPIN B3)"},
};

static const mut_protocol *const spin_protos[] = {&mut_core, &mut_check_then_set, &mut_plain_del, &mut_core};

/* Small bounds for the exhaustive search: two time advances (a key's expiry, and a lag: an enabled thread acts
 * before time moves, so a stale holder acting after its successor's reply needs an advance to the next wake-up),
 * one crash, one forward step of the server's wall clock by 3 s (SPIN's JUMP of TTL + 1 ticks at the default TTL). */
static const sim_param_override spin_overrides[] = {
    {"advances_max", 2},
    {"crashes_max", 1},
    {"wall_steps_max", 1},
    {"wall_step_clocks", SIM_WALL_CLOCKS_SERVER}, /* SPIN's model steps the server's clock only, */
    {"wall_step_signs", SIM_WALL_SIGNS_FORWARD},  /* and forwards only: the same space */
    {"wall_step_ms", 3000},
};

/* SPIN's P1, checked when client 'idx' enters its critical section. */
static void spin_check_p1(sim_run *run, const spin_state *st, int idx) {
    if (sim_param(run, "check_p1") == 0 || sim_crashes(run) != 0) return;
    for (int j = 0; j < (int)sim_param(run, "n"); j++)
        if (j != idx && st->in_cs[j])
            sim_violation(run, "expect_mutual_exclusion",
                          "c%d entered its critical section while c%d is in its own (SPIN's P1; a lease lost to "
                          "expiry or a wall step breaks it by design, and fencing must protect the resource)",
                          idx + 1, j + 1);
}

/* The first try and 'retries' more at once; returns 1 if the lock is held. */
static int spin_acquire(const spin_state *st, lk_mutex *m, int64_t retries) {
    for (int64_t i = 0; i <= retries; i++) {
        lk_outcome out = LK_NONE;
        lk_rc rc = st->proto->try_acquire(m, &out);
        if (rc == LK_OK && (out == LK_ACQUIRED || out == LK_ALREADY_MINE)) return 1;
    }
    return 0;
}

static void spin_client(sim_thread *self, void *arg) {
    spin_client_arg *a = arg;
    spin_state *st = a->st;
    sim_run *run = sim_thread_run(self);
    lk_mutex m;
    lk_mutex_opts opts = {.ttl_ms = sim_param(run, "ttl_ms"), .epoch_key = st->epoch_key};
    if (lk_mutex_init(&m, sim_env(self), SPIN_KEY, &opts) != LK_OK) return;
    int held = spin_acquire(st, &m, sim_param(run, "retries"));
    if (held) {
        st->in_cs[a->idx] = 1;
        spin_check_p1(run, st, a->idx);
        for (int64_t w = 0; w < sim_param(run, "cs_writes"); w++)
            if (sim_resource_write(self, st->res, m.fence, m.fence) != LK_OK) break; /* refused: the lock is lost */
        st->in_cs[a->idx] = 0;
    }
    if (held || m.maybe_held) { /* a maybe-applied try under a fault may hold the key: give it back */
        lk_outcome out;
        st->proto->release(&m, &out);
    }
    lk_mutex_fini(&m);
}

static void spin_publish(void *arg, int64_t fence_floor) {
    spin_publish_arg *pa = arg;
    sim_resource_floor(pa->self, pa->res, fence_floor);
}

/* The core's administrator clears properly; B3's deletes the lock key, one store op and nothing else. */
static void spin_admin(sim_thread *self, void *arg) {
    spin_state *st = arg;
    if (sim_variant(sim_thread_run(self)) == SPIN_VARIANT_ADMIN_DEL) {
        lk_store_op del = {.kind = LK_OP_DEL, .key = SPIN_KEY};
        lk_store_reply reply;
        lk_env_store_exec(sim_env(self), &del, &reply);
        return;
    }
    spin_publish_arg pa = {self, st->res};
    lk_clear_result res;
    lk_clear(sim_env(self), SPIN_PREFIX, SPIN_EPOCH, spin_publish, &pa, &res);
}

static int spin_setup(sim_run *run) {
    spin_state *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL) return -1;
    int variant = sim_variant(run);
    int admin = variant == SPIN_VARIANT_ADMIN_DEL || sim_param(run, "admin") != 0;
    st->proto = spin_protos[variant];
    st->epoch_key = admin && variant == 0 ? SPIN_EPOCH : NULL;
    sim_state_set(run, st);
    if (sim_lock_key(run, SPIN_KEY) != 0) return -1;
    if ((st->res = sim_resource_new(run, "spin.db", SPIN_KEY, (int)sim_param(run, "fence"))) < 0) return -1;
    int n = (int)sim_param(run, "n");
    spin_client_arg *args = sim_state_alloc(run, sizeof(*args) * (size_t)n);
    if (args == NULL) return -1;
    for (int i = 0; i < n; i++) {
        args[i].st = st;
        args[i].idx = i;
        char pname[16], tname[16];
        snprintf(pname, sizeof(pname), "p%d", i + 1);
        snprintf(tname, sizeof(tname), "c%d", i + 1);
        int p = sim_process_new(run, pname);
        if (p < 0 || sim_thread_new(run, p, tname, 0, spin_client, &args[i]) != i) return -1;
    }
    /* The clients are interchangeable: each knows itself by its argument and its in_cs flag, renamed with it. */
    if (n >= 2 && (sim_symmetric(run, 0, n) != 0 ||
                   sim_symmetric_slots(run, args, sizeof(*args), sizeof(*args), offsetof(spin_client_arg, idx)) != 0 ||
                   sim_symmetric_slots(run, st->in_cs, sizeof(st->in_cs[0]), sizeof(st->in_cs[0]), -1) != 0))
        return -1;
    if (!admin) return 0;
    int p = sim_process_new(run, "padmin");
    int t = p < 0 ? -1 : sim_thread_new(run, p, "admin", sim_param(run, "admin_at_us") * 1000, spin_admin, st);
    if (t < 0) return -1;
    sim_thread_admin(run, t);
    return 0;
}

SIM_SCENARIO_DEFINE(spin_anchor) = {
    .name = "spin_anchor",
    .description = "the SPIN anchor's lock protocol and bounds (redlock.pml) on the real core",
    .params = spin_params,
    .param_count = sizeof(spin_params) / sizeof(spin_params[0]),
    .variants = spin_variants,
    .variant_count = sizeof(spin_variants) / sizeof(spin_variants[0]),
    .expectations = "expect_mutual_exclusion",
    .setup = spin_setup,
    .finish = NULL,
    .faults = NULL,
    .overrides = spin_overrides,
    .override_count = sizeof(spin_overrides) / sizeof(spin_overrides[0]),
    .probes = "ttl_expired_in_cs,wall_step_during_hold,wait_on_crashed_holder,fence_refused",
    .canaries = "check_then_set=lease_safety,plain_del=no_foreign_delete,admin_del=revoked_write",
};
