/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mut_fair.h: fair lock protocols as data, so one scenario runs lk_fair or a known-bad queue on the same lk_fair
 * object and env (its keys, token and wake-up list). Mutants are canaries: the simulator must keep finding each one's
 * race.
 *
 *   core        lk_fair
 *   barging     the lock is granted to any try that finds it free; a release deletes it and wakes the head waiter,
 *               which must take it on its own try: a newcomer, or a releaser coming back, takes it first
 *   lost_wakeup lk_fair's scripts, but the waiter empties its wake-up list with a command of its own after a try
 *               that found the lock taken (a late subscribe): a handoff in between is lost, and the new holder
 *               learns of its lock only at its next try, the wait later
 *   dead_head   a release deletes the lock and wakes the head waiter, and no try drops a waiter whose queue lease
 *               ended: a crashed head never takes the lock, and every waiter behind it times out
 */
#ifndef RACEBED_SIM_MUT_FAIR_H
#define RACEBED_SIM_MUT_FAIR_H

#include "core/lk_fair.h"

typedef struct mut_fair_protocol {
    const char *name;
    lk_rc (*acquire)(lk_fair *f, lk_mono_ns deadline_mono_ns, lk_outcome *out);
    lk_rc (*release)(lk_fair *f, lk_outcome *out);
} mut_fair_protocol;

extern const mut_fair_protocol mut_fair_core;
extern const mut_fair_protocol mut_fair_barging;
extern const mut_fair_protocol mut_fair_lost_wakeup;
extern const mut_fair_protocol mut_fair_dead_head;

#endif
