/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_pending.h: the names of a pending visible op, as schedule files and traces write them: its label ("acquire",
 * "lock", "res_write") and its object ("lk:res", "500ms", a mutex or thread name).
 *
 * Invariant: a label and an object are pure functions of the pending op and the run's tables, so a replay can check
 * them against the file.
 */
#ifndef RACEBED_SIM_ENGINE_SIM_PENDING_H
#define RACEBED_SIM_ENGINE_SIM_PENDING_H

#include <stddef.h>

#include "sim/run/sim_run.h"

/* The op's label: static or borrowed from the op (valid while the thread is stopped). */
const char *sim__pending_label(const sim_pending *p);
/* Writes the op's object into 'buf' ('cap' bytes, truncated). */
void sim__pending_object(const sim_run *run, const sim_pending *p, char *buf, size_t cap);

#endif
