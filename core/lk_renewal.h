/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lk_renewal.h: bounded auto-renewal of a held lock (an lk_mutex, either mode of an lk_rwlock, or an lk_fair), on
 * the env's task, with a lost-lock signal.
 *
 * A background task extends the lease every 'interval_ms' (default TTL/3) by compare-and-pexpire with the
 * holder's token (a scripted lock: its own extend script, a reader's on its own entry) (lk_renewal_stop wakes it, so it never outlives the holder's work by an interval), and stops after 'renewals_max' renewals or 'total_ms_max' of renewing, whichever comes first: a
 * holder that hangs cannot keep the lock forever. The holder checks lk_renewal_lost() before each step of its work
 * (and carries the fencing number to the resource it writes): the lock counts as lost when an extend found another
 * owner or no key, or when the local lease validity (last successful send + TTL - drift margin) has passed.
 *
 * Invariant: the task touches only the key holding the holder's token (every op compares it), and the shared fields
 * below change only under the renewal's env mutex. Guarded by: 'mu' for stop, lost, renewals, valid_until_mono_ns;
 * the lock itself is not touched by the task and must not be used by the holder until lk_renewal_stop.
 */
#ifndef RACEBED_CORE_LK_RENEWAL_H
#define RACEBED_CORE_LK_RENEWAL_H

#include "core/lk_fair.h"
#include "core/lk_mutex.h"
#include "core/lk_rwlock.h"

enum { LK_RENEWALS_MAX_DEFAULT = 10 };

typedef struct lk_renewal_opts {
    int64_t interval_ms;  /* time between renewals, ms, below the TTL; 0 = TTL/3 */
    int renewals_max;     /* renewals before the task gives up, > 0; 0 = LK_RENEWALS_MAX_DEFAULT */
    int64_t total_ms_max; /* renewing stops this long after start, ms; 0 = no time bound (renewals_max bounds) */
} lk_renewal_opts;

typedef struct lk_renewal {
    const lk_env *env;
    lk_mutex *m; /* the held lock, one of the three (not touched by the task) */
    lk_rwlock *rw;
    lk_fair *f;
    const char *script;   /* the extend script of a scripted lock (one key, ARGV token ttl_ms: 1 extended, else
                           * lost), NULL for the mutex's EXTEND op */
    char key[LK_KEY_MAX]; /* copies of what the task needs */
    char token[LK_TOKEN_HEX];
    char kind[LK_METRIC_KIND_LEN];
    int64_t ttl_ms;
    int64_t margin_ms;
    lk_renewal_opts opts; /* defaults filled in */
    lk_mono_ns start_mono_ns;
    void *wake;                     /* ends the task's wait between renewals (lk_renewal_stop) */
    void *mu;                       /* env mutex guarding the next four */
    int stop;                       /* the holder asked the task to end */
    int lost;                       /* an extend found another owner or no key */
    int renewals;                   /* successful extends */
    lk_mono_ns valid_until_mono_ns; /* the holder may trust the lock until then */
    int ended;                      /* the task returned (budget spent, lost, or stopped) */
    lk_mono_ns checked_mono_ns;     /* the instant the last lk_renewal_lost answer was about */
    void *task;                     /* env task handle */
    char errmsg[128];
} lk_renewal;

/* Starts renewing 'm', which must be held. Returns LK_OK, LK_EMISUSE (not held), LK_EINVAL (bad opts),
 * LK_ENOMEM or LK_ETASK; on failure nothing is left running and lk_renewal_stop is a no-op. */
lk_rc lk_renewal_start(lk_renewal *r, lk_mutex *m, const lk_renewal_opts *opts);
/* The same for a reader-writer lock held in either mode (a reader extends its own lease) and for a fair lock. */
lk_rc lk_renewal_start_rw(lk_renewal *r, lk_rwlock *rw, const lk_renewal_opts *opts);
lk_rc lk_renewal_start_fair(lk_renewal *r, lk_fair *f, const lk_renewal_opts *opts);

/* The lost-lock signal: 1 if the holder must stop trusting the lock (an extend found it gone or taken, or the
 * local validity passed because renewals stopped or failed). Reads the clock and takes the renewal mutex. */
int lk_renewal_lost(lk_renewal *r);

/* Successful renewals so far (under the mutex). */
int lk_renewal_count(lk_renewal *r);

/* Stops the task, waits for it, and hands the lease state back to the lock: if the lock was lost, or its local
 * validity has passed, the lock is no longer held but maybe-held (a release then compares the token: released if
 * the key is still ours, else not-owner or absent, never touching another's key). Accepts a renewal whose
 * start failed. Returns LK_OK or the env's join error. */
lk_rc lk_renewal_stop(lk_renewal *r);

#endif
