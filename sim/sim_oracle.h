/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_oracle.h: the safety oracles (design.md §7), checked as the run goes. Each observes ghost state that the
 * simulator feeds it at visible operations; none knows which protocol (core or otherwise) produced the operations.
 *
 *   lease_safety       two live leases on one lock key at once (an overwrite of a live lease)
 *   no_foreign_delete  a lock key deleted by a thread that does not own its live lease
 *   no_foreign_extend  a live lease's TTL changed by a thread that does not own it
 *   singleton_unique   two different instances returned for one (process, key)
 *   no_leaked_key      a lock key still held after every thread ended (crash-free runs)
 * The scheduler adds: deadlock (every live thread waits on a sync object) and step_bound (livelock).
 */
#ifndef RACEBED_SIM_SIM_ORACLE_H
#define RACEBED_SIM_SIM_ORACLE_H

#include "sim_run.h"

/* After store op 'op' by thread 't', sent at virtual time 'sent_ns', was applied at server time 'server_ms' with
 * result 'rc' and 'reply'. */
void sim__oracle_lease_store(sim_run *run, const sim_thread *t, const lk_store_op *op, lk_rc rc,
                             const lk_store_reply *reply, lk_wall_ms server_ms, int64_t sent_ns);
/* 1 if watched key 'i''s lease is live at server time 'server_ms'. */
int sim__oracle_lease_alive(const sim_run *run, int i, lk_wall_ms server_ms);
/* At an oracle event of thread 't'. */
void sim__oracle_singleton_event(sim_run *run, const sim_thread *t, const char *name, const char *key, int64_t num);
/* When every thread has ended without a violation. */
void sim__oracle_leak_finish(sim_run *run);

#endif
