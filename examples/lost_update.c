/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lost_update: an example of a user's own scenario, built into racebed with
 *     make SCENARIO=examples/lost_update.c
 *
 * Two (or more) workers each add 1 to a counter kept in the store, as GET then SET: a read-modify-write that is only
 * safe under the lock. The core variant wraps it in lk_mutex acquire/release; the "no_lock" mutant skips the lock.
 * The scenario's expectation: after every worker is done, the counter equals the number of workers (no lost update).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/lk_mutex.h"
#include "sim/sim_scenario.h"

typedef struct lu_state {
    int done;        /* workers that finished their update */
    int read_count;  /* counter reads so far */
    long long read[8]; /* the value each read saw */
} lu_state;

static const sim_param_def lu_params[] = {
    {"workers", 2, 2, 8, "workers adding 1 to the counter, one process each"},
    {"ttl_ms", 1000, 1, 60000, "lock TTL, ms"},
};

static const sim_variant_def lu_variants[] = {
    {"core", "GET then SET of the counter under the lock"},
    {"mutant:no_lock", "GET then SET with no lock: two workers read the same value"},
};

/* Reads the counter, then writes it back plus one: two store ops. Two reads of the same value are the race's rare
 * state, a probe of the scenario's own. */
static lk_rc lu_increment(sim_thread *self, lu_state *st) {
    const lk_env *env = sim_env(self);
    lk_store_op get = {.kind = LK_OP_GET, .key = "counter"};
    lk_store_reply reply;
    lk_rc rc = lk_env_store_exec(env, &get, &reply);
    if (rc != LK_OK) return rc;
    long long v = reply.outcome == LK_FOUND ? atoll(reply.value) : 0;
    for (int i = 0; i < st->read_count; i++)
        if (st->read[i] == v) sim_probe(sim_thread_run(self), "same_read");
    if (st->read_count < 8) st->read[st->read_count++] = v;
    char text[32];
    snprintf(text, sizeof(text), "%lld", v + 1);
    lk_store_op set = {.kind = LK_OP_SET, .key = "counter", .value = text};
    return lk_env_store_exec(env, &set, &reply);
}

static void lu_worker(sim_thread *self, void *arg) {
    lu_state *st = arg;
    sim_run *run = sim_thread_run(self);
    const lk_env *env = sim_env(self);
    if (sim_variant(run) == 1) {
        if (lu_increment(self, st) == LK_OK) st->done++;
        return;
    }
    lk_mutex m;
    lk_mutex_opts opts = {.ttl_ms = sim_param(run, "ttl_ms")};
    lk_outcome out;
    if (lk_mutex_init(&m, env, "lk:counter", &opts) != LK_OK) return;
    if (lk_mutex_acquire(&m, lk_env_mono_ns(env) + 10 * 1000000000LL, &out) == LK_OK) {
        if (lu_increment(self, st) == LK_OK) st->done++;
        lk_mutex_release(&m, &out);
    }
    lk_mutex_fini(&m);
}

static int lu_setup(sim_run *run) {
    lu_state *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL || sim_lock_key(run, "lk:counter") != 0) return -1;
    sim_state_set(run, st);
    for (int i = 1; i <= sim_param(run, "workers"); i++) {
        char name[16];
        snprintf(name, sizeof(name), "w%d", i);
        int p = sim_process_new(run, name);
        if (p < 0 || sim_thread_new(run, p, name, 0, lu_worker, st) < 0) return -1;
    }
    return 0;
}

/* The expectation: the counter equals the number of workers that finished their update. Its condition: no
 * time-advance or fault decision. An advance can let a holder's lease expire between its GET and its SET; then a
 * second worker holds the lock too, and only a fencing number checked by the store (not this plain SET) would
 * refuse the stale write. An execution outside the condition says so (sim_expect_unchecked), so a run reports how
 * many executions checked it instead of passing ones that checked nothing. */
static void lu_finish(sim_run *run) {
    lu_state *st = sim_state(run);
    if (sim_advances(run) != 0 || sim_faults(run) != 0) {
        sim_expect_unchecked(run, "expect_no_lost_update");
        return;
    }
    int64_t counter = sim_store_peek_int(run, "counter");
    if (counter != st->done)
        sim_violation(run, "expect_no_lost_update", "%d workers added 1 each, but the counter is %" PRId64, st->done,
                      counter);
}

SIM_SCENARIO_DEFINE(lost_update) = {
    .name = "lost_update",
    .description = "workers add 1 to a store counter with GET then SET",
    .params = lu_params,
    .param_count = sizeof(lu_params) / sizeof(lu_params[0]),
    .variants = lu_variants,
    .variant_count = sizeof(lu_variants) / sizeof(lu_variants[0]),
    .expectations = "expect_no_lost_update",
    .own_probes = "same_read",
    .setup = lu_setup,
    .finish = lu_finish,
};
