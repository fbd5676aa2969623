/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * faulty: a scenario with bugs of its own, one per mode, for the test that scenario code failures are diagnosed
 * (tools/check.sh, stage scenario-faults): the client that finds the lock taken calls abort() (mode 0), overflows
 * its fiber stack with a large local array (mode 1), or spins without a visible op (mode 2); in mode 3 the scenario
 * keeps state in a static variable, outside the run arena, so an execution does not repeat; in mode 4 its path
 * depends on the process environment, which only run --check-determinism (another process) can see.
 */
#include <string.h>
#include <stdlib.h>

#include "core/lk_mutex.h"
#include "sim/sim_scenario.h"

static int faulty_runs; /* mode 3's bug: survives from one execution to the next */

static const sim_param_def faulty_params[] = {
    {"mode", 0, 0, 4, "0 abort(), 1 stack overflow, 2 busy loop, 3 state outside the arena, 4 reads its environment"},
};
static const sim_variant_def faulty_variants[] = {{"core", "try-acquire; the loser misbehaves"}};

static __attribute__((noinline)) void faulty_overflow(volatile char *sink) {
    char big[4 << 20]; /* 4 MiB: larger than any fiber stack */
    memset(big, 1, sizeof(big));
    *sink = big[sizeof(big) - 1];
}

static void faulty_client(sim_thread *self, void *arg) {
    volatile int *spin = arg;
    sim_run *run = sim_thread_run(self);
    const lk_env *env = sim_env(self);
    int64_t mode = sim_param(run, "mode");
    lk_mutex m;
    lk_mutex_opts opts = {.ttl_ms = 1000};
    lk_outcome out = LK_NONE;
    if (lk_mutex_init(&m, env, "lk:faulty", &opts) != LK_OK) return;
    if (mode == 3 && faulty_runs++ % 3 == 1) lk_env_yield(env, "extra"); /* a different path every third run */
    /* mode 4: a path that depends on the process's environment, the same in every run of one process: only a
     * comparison with another process (run --check-determinism) can see it */
    if (mode == 4 && getenv("RACEBED_DETERMINISM_CHILD") != NULL) lk_env_yield(env, "extra");
    if (lk_mutex_try_acquire(&m, &out) == LK_OK && out == LK_LOCKED) {
        volatile char sink;
        if (mode == 0) abort();
        if (mode == 1) faulty_overflow(&sink);
        while (mode == 2 && *spin == 0) {
        }
    }
    if (out == LK_ACQUIRED && !(mode == 3 && faulty_runs % 5 == 2)) lk_mutex_release(&m, &out);
    lk_mutex_fini(&m);
}

static int faulty_setup(sim_run *run) {
    int *spin = sim_state_alloc(run, sizeof(int));
    if (spin == NULL || sim_lock_key(run, "lk:faulty") != 0) return -1;
    return sim_clients_new(run, 2, 0, faulty_client, spin);
}

SIM_SCENARIO_DEFINE(faulty) = {
    .name = "faulty",
    .description = "scenario code that crashes, spins or keeps state outside the arena",
    .params = faulty_params,
    .param_count = 1,
    .variants = faulty_variants,
    .variant_count = 1,
    .setup = faulty_setup,
};
