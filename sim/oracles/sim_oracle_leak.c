/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_oracle_leak.c: no leaked lock key. When every thread of a crash-free run has ended, no watched lock key may
 * still hold a live lease (fence counters are not lock keys and are never watched).
 */
#include "sim/oracles/sim_oracle.h"

void sim__oracle_leak_finish(sim_run *run) {
    lk_wall_ms server_ms = sim__server_ms(run, run->now_ns);
    for (int i = 0; i < run->oracle.lock_key_count; i++) {
        if (!sim__oracle_lease_alive(run, i, server_ms)) continue;
        const sim_lease *l = &run->oracle.lease[i];
        sim__violation(run, "no_leaked_key", "%s is still held by %s (until server %lldms) after every thread ended",
                       run->oracle.lock_key[i], run->thread[l->owner].name,
                       (long long)(l->deadline_ms - SIM_EPOCH_WALL_MS));
        return;
    }
}
