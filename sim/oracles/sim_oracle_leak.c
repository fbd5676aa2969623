/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_oracle_leak.c: no leaked lock key. When every thread of a crash-free run has ended, no watched lock key may
 * still hold a live lease (fence counters are not lock keys and are never watched). Allowed by design, as a note: a
 * key whose owner's last op on it ended in a store error (its release, or the acquire it gave back, failed after the
 * core's bounded retries): the TTL frees it. A key its owner never released, released with another token or lost
 * its token for is still a leak.
 */
#include "sim/oracles/sim_oracle.h"

void sim__oracle_leak_finish(sim_run *run) {
    lk_wall_ms server_ms = sim__server_ms(run, run->now_ns);
    for (int i = 0; i < run->oracle.lock_key_count; i++) {
        if (!sim__oracle_lease_alive(run, i, server_ms)) continue;
        const sim_lease *l = &run->oracle.lease[i];
        if (l->owner_saw_error) {
            sim__note(run, "no_leaked_key",
                      "%s is still held by %s after every thread ended, whose last op on it ended in a store error: "
                      "allowed by design, the TTL frees it",
                      run->oracle.lock_key[i], run->thread[l->owner].name);
            continue;
        }
        sim__violation(run, "no_leaked_key", "%s is still held by %s (until server %lldms) after every thread ended",
                       run->oracle.lock_key[i], run->thread[l->owner].name,
                       (long long)(l->deadline_ms - SIM_EPOCH_WALL_MS));
        return;
    }
}
