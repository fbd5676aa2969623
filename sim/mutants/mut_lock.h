/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mut_lock.h: lock protocols as data, so one scenario runs the core or a known-bad protocol ("mutant") on the same
 * lk_mutex object and the same env. Mutants are canaries: the simulator must keep finding each one's race.
 *
 *   core             the real lk_mutex protocol
 *   check_then_set   GET, then a plain SET (no NX): two clients both see "free" and both write
 *   plain_del        release by DEL without comparing the token: deletes a successor's lock
 *   get_compare_del  release by GET, compare, then DEL in a second step: the lock can change hands in between
 */
#ifndef RACEBED_SIM_MUT_LOCK_H
#define RACEBED_SIM_MUT_LOCK_H

#include "core/lk_mutex.h"
#include "core/lk_clear.h"
#include "core/lk_registry.h"

typedef struct mut_protocol {
    const char *name; /* "core" or the mutant's name */
    lk_rc (*try_acquire)(lk_mutex *m, lk_outcome *out);
    lk_rc (*acquire)(lk_mutex *m, lk_mono_ns deadline_mono_ns, lk_outcome *out);
    lk_rc (*release)(lk_mutex *m, lk_outcome *out);
} mut_protocol;

extern const mut_protocol mut_core;
extern const mut_protocol mut_check_then_set;
extern const mut_protocol mut_plain_del;
extern const mut_protocol mut_get_compare_del;

/* The unsynchronized getInstance: lookup, yield, construct, insert, with no mutex (same contract as
 * lk_registry_get otherwise). */
lk_rc mut_registry_unsync_get(lk_registry *r, const char *key, lk_registry_ctor ctor, void *arg, void **out,
                              int *created);

/* clear_locks as DEL of every key under the prefix: no epoch, no fence floor (same contract as lk_clear). */
lk_rc mut_clear_del_all(const lk_env *env, const char *prefix, const char *epoch_key,
                        void (*publish)(void *arg, int64_t fence_floor), void *arg, lk_clear_result *out);


#endif
