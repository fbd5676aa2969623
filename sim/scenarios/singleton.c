/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * singleton: N threads of one process call getInstance for the same key at once (source case 1, 3.2). The
 * constructor loads the controller's state from the store (a GET), so construction takes a round trip and other
 * threads can run meanwhile.
 *
 * Expectation (source case 1's test_concurrent_getinstance_calls): every thread gets the same instance, checked
 * by the singleton_unique oracle from the "instance" events. The core registry holds the env mutex across lookup,
 * construction and insert. Mutant unsync_registry: check, yield, construct, insert, with no mutex.
 */
#include <stdio.h>

#include "sim/mutants/mut_lock.h"
#include "sim/sim_scenario.h"

typedef struct singleton_obj {
    int64_t id;               /* construction serial, 1-based */
    char state[LK_VALUE_MAX]; /* what the constructor loaded */
} singleton_obj;

typedef struct singleton_state {
    lk_registry registry; /* the process's registry */
    int64_t constructed;  /* objects built so far */
    int errors;
} singleton_state;

static const sim_param_def singleton_params[] = {
    {"threads", 4, 2, 16, "threads calling getInstance in one process"},
};

static const sim_variant_def singleton_variants[] = {
    {"core", "registry guarded by the env mutex: one instance per key"},
    {"mutant:unsync_registry", "check-then-insert with no mutex and a preemption point between"},
};

/* The constructor: loads the state from the store, then allocates the object. */
static lk_rc singleton_ctor(const lk_env *env, const char *key, void *arg, void **out) {
    singleton_state *st = arg;
    char state_key[LK_KEY_MAX];
    snprintf(state_key, sizeof(state_key), "state:%.100s", key);
    lk_store_op get = {.kind = LK_OP_GET, .key = state_key};
    lk_store_reply reply;
    lk_rc rc = lk_env_store_exec(env, &get, &reply);
    if (rc != LK_OK) return rc;
    singleton_obj *o = lk_env_alloc(env, sizeof(*o));
    if (o == NULL) return LK_ENOMEM;
    o->id = ++st->constructed;
    lk_copy_str(o->state, sizeof(o->state), reply.value);
    *out = o;
    return LK_OK;
}

static void singleton_dtor(const lk_env *env, void *obj) {
    lk_env_free(env, obj);
}

static void singleton_thread(sim_thread *self, void *arg) {
    singleton_state *st = arg;
    sim_run *run = sim_thread_run(self);
    void *obj = NULL;
    lk_rc rc = sim_variant(run) == 0
                   ? lk_registry_get(&st->registry, "climate", singleton_ctor, st, &obj, NULL)
                   : mut_registry_unsync_get(&st->registry, "climate", singleton_ctor, st, &obj, NULL);
    if (rc != LK_OK) {
        st->errors++;
        return;
    }
    sim_event(self, "instance", "climate", ((singleton_obj *)obj)->id);
}

static int singleton_setup(sim_run *run) {
    singleton_state *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL) return -1;
    sim_state_set(run, st);
    int p = sim_process_new(run, "p1");
    if (p < 0) return -1;
    if (lk_registry_init(&st->registry, sim_process_env(run, p), 8, singleton_dtor) != LK_OK) {
        sim_setup_error(run, "registry: %s", st->registry.errmsg);
        return -1;
    }
    int n = (int)sim_param(run, "threads");
    for (int i = 1; i <= n; i++) {
        char name[16];
        snprintf(name, sizeof(name), "c%d", i);
        if (sim_thread_new(run, p, name, 0, singleton_thread, st) < 0) return -1;
    }
    return 0;
}

static void singleton_finish(sim_run *run) {
    singleton_state *st = sim_state(run);
    /* with store faults a constructor's load can fail, and then getInstance rightly reports it */
    if (st->errors != 0 && sim_faults(run) == 0)
        sim_violation(run, "expect_no_error", "%d getInstance call(s) failed with no fault injected", st->errors);
}

static const sim_param_override singleton_overrides[] = {
    {"crashes_max", 1}, /* exhaustive search bound: a crash inside the once, which must not wedge the registry */
};

SIM_SCENARIO_DEFINE(singleton) = {
    .name = "singleton",
    .description = "N threads of one process call getInstance for one key at once",
    .params = singleton_params,
    .param_count = sizeof(singleton_params) / sizeof(singleton_params[0]),
    .variants = singleton_variants,
    .variant_count = sizeof(singleton_variants) / sizeof(singleton_variants[0]),
    .expectations = "expect_no_error",
    .setup = singleton_setup,
    .finish = singleton_finish,
    .overrides = singleton_overrides,
    .override_count = sizeof(singleton_overrides) / sizeof(singleton_overrides[0]),
    .canaries = "unsync_registry=singleton_unique",
};
