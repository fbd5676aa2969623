/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * old_names: a user's scenario written against the names scenarios used before core's internals left the public
 * headers: lk__alloc, lk__free and lk__copy_str (now lk_env_alloc, lk_env_free and lk_copy_str), and includes
 * relative to core/ and sim/. It must keep building, with a deprecation warning for each old name, and running:
 * `make check` builds it with `make SCENARIO=tests/compat/old_names.c` and runs it.
 *
 * Each worker copies its name into memory from the env's allocator with the old names and writes it to the store
 * under its own key; finish() checks every key holds its worker's name.
 */
#include <stdio.h>
#include <string.h>

#include "lk_env.h"
#include "sim_scenario.h"

static const sim_param_def old_params[] = {
    {"workers", 2, 1, 4, "workers, one process each"},
};

static const sim_variant_def old_variants[] = {
    {"core", "each worker writes its name with memory from the old lk__ names"},
};

static void old_worker(sim_thread *self, void *arg) {
    (void)arg;
    const lk_env *env = sim_env(self);
    char *name = lk__alloc(env, 16);
    if (name == NULL) return;
    char key[32];
    snprintf(key, sizeof(key), "w:%d", (int)(sim_now_ns(sim_thread_run(self)) / 1000000)); /* it starts at i ms */
    if (lk__copy_str(name, 16, key) == LK_OK) {
        lk_store_op set = {.kind = LK_OP_SET, .key = name, .value = name};
        lk_store_reply reply;
        lk_env_store_exec(env, &set, &reply);
    }
    lk__free(env, name);
}

static int old_setup(sim_run *run) {
    for (int i = 1; i <= sim_param(run, "workers"); i++) {
        char name[16];
        snprintf(name, sizeof(name), "w%d", i);
        int p = sim_process_new(run, name);
        if (p < 0 || sim_thread_new(run, p, name, (int64_t)i * 1000000, old_worker, NULL) < 0) return -1;
    }
    return 0;
}

static void old_finish(sim_run *run) {
    for (int i = 1; i <= sim_param(run, "workers"); i++) {
        char key[32], value[LK_VALUE_MAX];
        snprintf(key, sizeof(key), "w:%d", i);
        if (!sim_store_peek(run, key, value) || strcmp(value, key) != 0)
            sim_violation(run, "expect_names_written", "worker %d's key %s does not hold its name", i, key);
    }
}

SIM_SCENARIO_DEFINE(old_names) = {
    .name = "old_names",
    .description = "a scenario written against the deprecated lk__ names",
    .params = old_params,
    .param_count = sizeof(old_params) / sizeof(old_params[0]),
    .variants = old_variants,
    .variant_count = sizeof(old_variants) / sizeof(old_variants[0]),
    .expectations = "expect_names_written",
    .setup = old_setup,
    .finish = old_finish,
};
