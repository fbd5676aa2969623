/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lk_clear.h: clear every lock of a namespace while holders may be running (source case 1, 3.5).
 *
 * Clear REVOKES live holders by design, and makes the revocation safe:
 *   1. it bumps the namespace's epoch (INCR epoch_key); every later acquire in the namespace (lk_mutex_opts
 *      .epoch_key) gets a fencing number (epoch << 32) + counter, above every earlier one;
 *   2. it hands the new fence floor (epoch << 32) to the caller's 'publish' callback BEFORE deleting anything, so
 *      the guarded resources refuse a revoked holder's writes from then on;
 *   3. it walks the namespace SCAN-style (cursor by key, never KEYS) and REVOKEs each lock key: a compare-and-delete
 *      that removes a lock granted below the floor and keeps one granted after the bump.
 * A revoked holder learns it at its next extend or release (not-owner or absent), and since both compare its token
 * it never touches a successor's lock.
 *
 * What it guarantees if a store restart loses the epoch key: the epoch restarts at 0 and fencing numbers fall back
 * to the counter alone; a resource that saw the higher numbers refuses new holders until the numbers pass its mark
 * (safety holds, progress waits). If the restart loses the fence counters too, the same holds per key.
 */
#ifndef RACEBED_CORE_LK_CLEAR_H
#define RACEBED_CORE_LK_CLEAR_H

#include "core/lk_env.h"

enum { LK_CLEAR_KEYS_MAX = 100000 }; /* bound on the SCAN steps of one clear (every key it visits, + 1) */

typedef struct lk_clear_result {
    int64_t epoch;       /* the new epoch */
    int64_t fence_floor; /* epoch << 32: fences below it belong to revoked holders */
    int64_t revoked;     /* locks deleted */
    int64_t kept;        /* locks granted after the bump, left alone */
} lk_clear_result;

/* Clears the locks whose keys start with 'prefix' (fence counters, "<key>:fence", and 'epoch_key' are skipped).
 * 'publish' (may be NULL) is called once with the fence floor before the first delete. Returns LK_OK, a store error
 * after bounded retries (the epoch may already be bumped: calling clear again is safe), or LK_ELIMIT after
 * LK_CLEAR_KEYS_MAX keys. '*out' is filled as far as the clear got. */
lk_rc lk_clear(const lk_env *env, const char *prefix, const char *epoch_key,
               void (*publish)(void *arg, int64_t fence_floor), void *arg, lk_clear_result *out);

#endif
