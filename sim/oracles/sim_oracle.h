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
 *   resource_lost_update  a guarded resource accepted a write based on a read another accepted write overtook
 *   resource_fence_order  a guarded resource accepted writes out of fencing order
 *   revoked_write      a guarded resource accepted a write from a holder a clear had revoked
 *   client_validity    the core told a holder it holds the lock about an instant past its lease bound (last
 *                      send + TTL), with no clock drift to excuse it (a "believes" event)
 *   scripted_lease     a scripted lock's declared lease schema, re-read from the store around each op: an exclusive
 *                      holder beside a live shared one, or a live lease ended by an op without its holder's token
 * The scheduler adds: deadlock (every live thread waits on a sync object) and step_bound (livelock).
 */
#ifndef RACEBED_SIM_SIM_ORACLE_H
#define RACEBED_SIM_SIM_ORACLE_H

#include "sim/run/sim_run.h"
#include "sim/run/sim_verdict.h"

/* After store op 'op' by thread 't', sent at virtual time 'sent_ns', was applied at server time 'server_ms' with
 * result 'rc' and 'reply'. */
void sim__oracle_lease_store(sim_run *run, const sim_thread *t, const lk_store_op *op, lk_rc rc,
                             const lk_store_reply *reply, lk_wall_ms server_ms, int64_t sent_ns);
/* Thread 't''s store op 'op' ended in a store error for the client (a lost reply, a connection error): if 't' owns
 * the lease on its key, its release may never come, and a key left behind is then the TTL's to free. */
void sim__oracle_lease_client_error(sim_run *run, const sim_thread *t, const lk_store_op *op);
/* 1 if watched key 'i''s lease is live at server time 'server_ms'. */
int sim__oracle_lease_alive(const sim_run *run, int i, lk_wall_ms server_ms);
/* Before the server's wall clock steps: every live lease is disturbed (an early end is by design). */
void sim__oracle_lease_wall_step(sim_run *run);
/* At a lose-all restart, before the store is emptied: every lease ends, a live one with a note. */
void sim__oracle_lease_restart(sim_run *run);
/* Around a lose-last restart's rebuild from the op log: 'begin' saves every lease into 'saved' (SIM_LOCK_KEYS_MAX
 * rows) and ends them; the rebuild's store ops revive what the kept log backs; 'end' notes each lease that did not
 * come back. */
void sim__oracle_lease_rebuild_begin(sim_run *run, sim_lease *saved);
void sim__oracle_lease_rebuild_end(sim_run *run, const sim_lease *saved);
/* At an oracle event of thread 't'. */
void sim__oracle_singleton_event(sim_run *run, const sim_thread *t, const char *name, const char *key, int64_t num);
/* Performs a resource op of thread 't' (pending 'p') and checks guarded-resource safety and client validity.
 * Returns LK_OK or LK_EFENCED. */
lk_rc sim__resource_op(sim_run *run, const sim_thread *t, sim_pending *p);
/* At a "believes" event: the core told thread 't' it holds 'key' as of its local monotonic 'checked_mono_ns'. */
void sim__oracle_belief_event(sim_run *run, const sim_thread *t, const char *name, const char *key,
                              int64_t checked_mono_ns);
/* A scripted lock's leases as the store holds them at one instant (sim_oracle_schema.c). */
enum { SIM_SCHEMA_SHARED_MAX = 16, SIM_SCHEMA_MEMBER_MAX = 72 };
typedef struct sim_schema_view {
    int exclusive_live;                                           /* the exclusive key holds a live lease */
    char exclusive[LK_VALUE_MAX];                                 /* its value: the holder's token[:more] */
    int64_t exclusive_deadline_ms;                                /* its lease's end, server ms (0: none) */
    int shared_count;                                             /* live shared holders; -1: more than the table */
    char shared[SIM_SCHEMA_SHARED_MAX][SIM_SCHEMA_MEMBER_MAX];    /* their members */
} sim_schema_view;
/* Before store op of a run with lease schemas: each schema's view at server time 'server_ms' into 'views'
 * (SIM_SCHEMAS_MAX rows). An oracle read of the model store: no scheduling point, nothing expires. */
void sim__oracle_schema_before(const sim_run *run, lk_wall_ms server_ms, sim_schema_view *views);
/* After thread 't''s op 'op' was applied at 'server_ms': the schemas' views again, judged against 'before'. The
 * thread that took each exclusive lease by an op of its own is remembered (run->oracle.schema[i].owner), so its
 * own transaction (WATCH, MULTI, DEL, EXEC: no token sent) may end it. */
void sim__oracle_schema_after(sim_run *run, const sim_thread *t, const lk_store_op *op, lk_wall_ms server_ms,
                              const sim_schema_view *before);
/* When every thread has ended without a violation. */
void sim__oracle_leak_finish(sim_run *run);

#endif
