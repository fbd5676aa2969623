/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lk_mutex.h: a distributed mutex on one store key, with a TTL, a random 128-bit token and a fencing number.
 *
 * Protocol (each step one atomic store op, design.md §3):
 *   acquire: set-if-absent(key, token, PX ttl) and INCR of the fence counter in one script; if the key already holds
 *            this caller's token (a retry after a timeout that may have been applied) the reply is "already mine"
 *            with the same fencing number; otherwise "locked" with the holder's remaining TTL.
 *   release: compare-and-delete: released / not-owner (another token: our lease expired) / absent.
 *   extend:  compare-and-pexpire: extended / not-owner / absent.
 * A blocking acquire retries with jittered exponential backoff, capped independently of the holder's TTL, and makes
 * a last try at its deadline.
 *
 * Invariant: a key's token never changes while the key exists; release and extend compare it atomically, so a
 * holder whose lease expired can never delete or extend a successor's lock.
 * Guarded by: the owning thread only; an lk_mutex is not shared between threads.
 */
#ifndef RACEBED_CORE_LK_MUTEX_H
#define RACEBED_CORE_LK_MUTEX_H

#include "core/lk_env.h"

enum {
    LK_TOKEN_BYTES = 16,                   /* 128-bit token */
    LK_TOKEN_HEX = 2 * LK_TOKEN_BYTES + 1, /* its hex text with the NUL */
    LK_ACQUIRE_ATTEMPTS_MAX = 1 << 20,     /* bound on one blocking acquire's tries */
    LK_RELEASE_RETRIES_MAX = 3,            /* bound on release/extend retries after a timeout or conn error */
};

typedef struct lk_mutex_opts {
    int64_t ttl_ms;             /* lease length, ms, > 0 */
    int64_t backoff_base_ms;    /* first backoff of a blocking acquire, ms; 0 = default 10 */
    int64_t backoff_cap_ms;     /* largest backoff, ms, independent of the TTL; 0 = default 200 */
    int64_t drift_margin_ms;    /* subtracted from the lease when the holder asks if it still holds; <0 = default */
    const char *epoch_key;      /* the clear epoch of this lock's namespace (lk_clear.h), or NULL for none; copied */
    int64_t acquire_timeout_ms; /* the longest lk_mutex_acquire_timed waits, ms, >= 0; 0 = none set */
    const char *kind; /* the metrics' kind label ("memory", "collection"), NULL = "lock"; copied. One of a small
                              * fixed set per service, never a user or resource id (lk_metric_kind_valid) */
} lk_mutex_opts;

typedef struct lk_mutex {
    const lk_env *env;
    char key[LK_KEY_MAX];           /* the lock key */
    char fence_key[LK_KEY_MAX];     /* the fence counter: key + ":fence" */
    char epoch_key[LK_KEY_MAX];     /* the clear epoch key, "" for none */
    char kind[LK_METRIC_KIND_LEN];  /* the metrics' kind label */
    lk_mutex_opts opts;             /* defaults filled in */
    char token[LK_TOKEN_HEX];       /* token of the current hold, or of an attempt the key may hold (maybe_held),
                                     * hex; "" otherwise */
    int held;                       /* 1 from a successful acquire until release or a lost extend */
    int maybe_held;                 /* 1 if an acquire timed out ambiguously: the store may hold our token */
    int64_t fence;                  /* fencing number of the current hold, 0 when not held */
    lk_mono_ns sent_mono_ns;        /* monotonic time the winning acquire (or last extend) was sent; 0 when not held */
    lk_mono_ns valid_until_mono_ns; /* the holder may believe it holds the lock until this instant; 0 when not held */
    char errmsg[128];               /* detail of the last error, set by lk__set_error */
} lk_mutex;

/* Draws a fresh 128-bit token from the env's entropy into 'token' as 32 lowercase hex digits (for protocols written
 * on the store primitives). Returns LK_OK or LK_EENTROPY; not a scheduling point. */
lk_rc lk_token_new(const lk_env *env, char token[LK_TOKEN_HEX]);

/* Prepares 'm' on 'env' for the lock 'key' (copied). Returns LK_EINVAL if 'key' is too long, opts->ttl_ms <= 0 or
 * opts->kind is not a valid kind label,
 * LK_EMISUSE if 'env' lacks a verb. Allocates nothing; lk_mutex_fini is still the pair. */
lk_rc lk_mutex_init(lk_mutex *m, const lk_env *env, const char *key, const lk_mutex_opts *opts);
/* Forgets 'm'. Does not release a held lock (its TTL will). Accepts NULL. */
void lk_mutex_fini(lk_mutex *m);

/* One attempt, without waiting or resending. '*out': LK_ACQUIRED, LK_ALREADY_MINE or LK_LOCKED (another holder).
 * Returns LK_OK, a store error, or LK_EMISUSE if held. LK_ESTORE_MAYBE and LK_ESTORE_PROTO leave 'm' maybe-held:
 * the next try_acquire carries the same token (and gets LK_ALREADY_MINE if the first was applied), and
 * lk_mutex_release cleans up safely; a caller that gives up must do one of the two, or the key waits out its TTL. */
lk_rc lk_mutex_try_acquire(lk_mutex *m, lk_outcome *out);

/* Blocks until acquired or 'deadline_mono_ns' passes (a last try is made at the deadline). '*out' is LK_ACQUIRED or
 * LK_ALREADY_MINE on LK_OK. If the deadline passes while a timed-out try may have taken the key, the key is given
 * back (compare-and-delete) before LK_ETIMEDOUT is returned. Returns LK_ETIMEDOUT when the deadline passed, LK_ELIMIT after
 * LK_ACQUIRE_ATTEMPTS_MAX tries, LK_ECRASHED, or LK_EMISUSE if held. Store errors are retried until the deadline. */
lk_rc lk_mutex_acquire(lk_mutex *m, lk_mono_ns deadline_mono_ns, lk_outcome *out);

/* lk_mutex_acquire with the lock's own timeout: the deadline is now + opts.acquire_timeout_ms. LK_EMISUSE if the
 * lock has none. */
lk_rc lk_mutex_acquire_timed(lk_mutex *m, lk_outcome *out);
/* Compare-and-delete. '*out': LK_RELEASED, LK_NOT_OWNER (another token holds the key) or LK_ABSENT. The mutex is
 * not held afterwards whatever the outcome. A maybe-applied timeout is retried (a retry stays safe); if the release
 * still fails with a store error, 'm' stays maybe-held, so release may be called again (or a later acquire finds
 * its own token as "already mine"). */
lk_rc lk_mutex_release(lk_mutex *m, lk_outcome *out);

/* Compare-and-pexpire to 'ttl_ms' from now. '*out': LK_EXTENDED, LK_NOT_OWNER or LK_ABSENT; on the last two the
 * lock is lost and 'm' is no longer held. */
lk_rc lk_mutex_extend(lk_mutex *m, int64_t ttl_ms, lk_outcome *out);

/* 1 if 'm' is held and its lease is still valid by the local monotonic clock (send time + TTL - drift margin). Reads
 * the clock; not a scheduling point. */
int lk_mutex_holds(const lk_mutex *m);
/* Fencing number of the current hold (increases with every grant on the key), 0 when not held. */
int64_t lk_mutex_fence(const lk_mutex *m);
/* Detail of the last error: valid until the next call on 'm'. */
const char *lk_mutex_errmsg(const lk_mutex *m);

#endif
