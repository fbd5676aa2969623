/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stale_token: two clients take turns on one key; a holder's lease can expire while it works (a time-advance
 * decision models the slow holder), the other client acquires, and then the old holder releases (source case 1,
 * 3.4: "unlock() called with non-matching token").
 *
 * The core releases by compare-and-delete in one atomic op: the old holder gets "not owner" and the new holder's
 * lock stays. Mutants: plain_del (DEL without a compare) and get_compare_del (GET, compare, DEL: two ops, so the
 * lock can change hands between them).
 */

#include "sim/mutants/mut_lock.h"
#include "sim/sim_scenario.h"

typedef struct stale_state {
    int not_owner; /* releases that found another holder */
    const mut_protocol *proto;
} stale_state;

static const sim_param_def stale_params[] = {
    {"threads", 2, 2, 16, "clients, one process each"},
    {"ttl_ms", 1000, 1, 86400000, "lock TTL, ms"},
    {"work_ms", 800, 0, 86400000, "critical-section work, ms (below the TTL: only a delay makes it stale)"},
    {"deadline_ms", 10000, 1, 86400000, "blocking acquire deadline, ms"},
};

static const sim_variant_def stale_variants[] = {
    {"core", "compare-and-delete in one atomic op: a stale holder gets 'not owner'"},
    {"mutant:plain_del", "release by DEL without comparing the token"},
    {"mutant:get_compare_del", "release by GET, compare, then DEL in a second op"},
};

static const mut_protocol *const stale_protos[] = {&mut_core, &mut_plain_del, &mut_get_compare_del};

static void stale_client(sim_thread *self, void *arg) {
    stale_state *st = arg;
    sim_run *run = sim_thread_run(self);
    const lk_env *env = sim_env(self);
    lk_mutex m;
    lk_mutex_opts opts = {.ttl_ms = sim_param(run, "ttl_ms")};
    if (lk_mutex_init(&m, env, "lk:run1", &opts) != LK_OK) return;
    lk_outcome out = LK_NONE;
    lk_mono_ns deadline = lk_env_mono_ns(env) + sim_param(run, "deadline_ms") * 1000000;
    if (st->proto->acquire(&m, deadline, &out) == LK_OK) {
        lk_env_sleep_ns(env, sim_param(run, "work_ms") * 1000000);
        if (st->proto->release(&m, &out) == LK_OK && out == LK_NOT_OWNER) st->not_owner++;
    }
    lk_mutex_fini(&m);
}

static int stale_setup(sim_run *run) {
    stale_state *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL) return -1;
    st->proto = stale_protos[sim_variant(run)];
    sim_state_set(run, st);
    if (sim_lock_key(run, "lk:run1") != 0) return -1;
    return sim_clients_new(run, (int)sim_param(run, "threads"), 0, stale_client, st);
}

SIM_SCENARIO_DEFINE(stale_token) = {
    .name = "stale_token",
    .description = "a holder's lease expires mid-work, another acquires, the old holder releases",
    .params = stale_params,
    .param_count = sizeof(stale_params) / sizeof(stale_params[0]),
    .variants = stale_variants,
    .variant_count = sizeof(stale_variants) / sizeof(stale_variants[0]),
    .setup = stale_setup,
    .finish = NULL,
    .probes = "stale_release",
    .canaries = "plain_del=no_foreign_delete,get_compare_del=no_foreign_delete",
};
