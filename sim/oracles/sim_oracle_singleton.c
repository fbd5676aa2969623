/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_oracle_singleton.c: singleton uniqueness. Every "instance" event names the instance a get-or-create call
 * returned (key, id); within one process a key must always map to the same id.
 */
#include <string.h>

#include "sim/oracles/sim_oracle.h"

void sim__oracle_singleton_event(sim_run *run, const sim_thread *t, const char *name, const char *key, int64_t num) {
    if (strcmp(name, "instance") != 0 || key == NULL) return;
    sim_oracle_state *o = &run->oracle;
    for (int i = 0; i < o->instance_count; i++) {
        if (o->instance[i].proc != t->proc || strcmp(o->instance[i].key, key) != 0) continue;
        if (o->instance[i].id != num)
            sim__violation(run, "singleton_unique",
                           "%s got instance #%lld of '%s' in process %s, another thread "
                           "got #%lld: two instances compete for one lock",
                           t->name, (long long)num, key, run->proc[t->proc].name, (long long)o->instance[i].id);
        return;
    }
    if (o->instance_count == SIM_INSTANCES_MAX) {
        sim__violation(run, "limit", "more than %d singleton keys", SIM_INSTANCES_MAX);
        return;
    }
    o->instance[o->instance_count].proc = t->proc;
    lk_copy_str(o->instance[o->instance_count].key, LK_KEY_MAX, key);
    o->instance[o->instance_count].id = num;
    o->instance_count++;
}
