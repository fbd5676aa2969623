/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_env.h: the lk_env of a simulated process: every verb that stops a virtual thread at a visible op, and the
 * verbs that return at once (clock reads, entropy, alloc, metrics).
 *
 * Invariant: a visible verb runs on a virtual thread and returns only after the scheduler performed its op.
 */
#ifndef RACEBED_SIM_ENGINE_SIM_ENV_H
#define RACEBED_SIM_ENGINE_SIM_ENV_H

#include "sim/run/sim_run.h"

/* A thread body that stops at a visible op ("yield start") before running the thread's own body (self->body): a
 * scenario's start_yield. */
void sim__thread_start_yield(sim_thread *self, void *arg);
/* Fills each env of a new process 'p' (p->run and p->idx set). */
void sim__process_env_init(sim_process *p);
/* Process 'p''s monotonic clock now: virtual time, drifting by its ppm. */
lk_mono_ns sim__proc_mono_ns(const sim_process *p);

#endif
