/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lk_fair.h: a fair distributed lock: waiters queue in arrival order and a release hands the lock to the head
 * waiter inside the release script, so nobody barges past a waiter.
 *
 * Keys (all "<name>:..." so a per-scope name, lk_scope.h, keeps them in one cluster slot):
 *   <name>:owner        the holder's token, with its lease as the key's TTL;
 *   <name>:q            the queue: a sorted set of waiters ("token:ttl_ms") scored by their ticket;
 *   <name>:qt           each waiter's queue lease: the same members scored by the server ms it lasts until;
 *   <name>:seq          the ticket counter: INCR at each acquire's first try (its arrival, in server order);
 *   <name>:fence        the fencing number: INCR at every grant (a handoff included);
 *   <name>:wake:<token> one waiter's wake-up list: its handoff's fencing number, RPUSHed by the releaser.
 * Protocol (each step one Lua script, the same text on Redis and on the model store):
 *   try:     drop waiters whose queue lease ended (a crashed or paused waiter is skipped, never waited for); if
 *            this token owns the lock, renew it ("already mine": a handoff this waiter had not heard of yet);
 *            granted if the lock is free and the queue is empty or headed by this token; otherwise a blocking
 *            acquire joins the queue (a ticket on its first try) or renews its queue lease (the TTL), and learns
 *            the fence counter. Every try empties the waiter's wake-up list.
 *   wake-up: a handoff's fencing number. One not above the counter the latest try saw is stale (its handoff came
 *            before that try, which found the handed lease already ended: the releaser's push is a step of its
 *            own and can land late) and is ignored.
 *   wait:    BLPOP on the wake-up list for at most wait_ms (TTL/3 by default), then try again: the tries keep
 *            the queue lease alive and take a lock whose holder crashed (its lease ended, nobody released).
 *   release: compare the token; hand the lock to the live head waiter (SET owner head PX its TTL, INCR fence) or,
 *            with nobody waiting, delete it; then, as its own step, push the wake-up to that waiter. A releaser that
 *            dies between the two costs the new holder at most one wait_ms: its next try answers "already mine".
 *   extend:  compare-and-pexpire.
 * Client validity of a handed-over lease: the handoff happened after the new holder's latest try that answered
 * "not yours" was applied, so the holder counts its lease from that try's send (lk_fair.sent_mono_ns) + TTL -
 * drift margin. Tries come at least every wait_ms <= TTL/3, so at the wake-up at least about TTL/3 of it is left.
 * All clients of one lock may use different TTLs: a waiter's member carries its own.
 *
 * Invariant: the owner key only changes to a token by that token's own try or by a handoff to the live head of
 * the queue; every write compares the caller's token, so a holder whose lease ended never removes or extends
 * another's hold. A token is never reused across blocking acquires, and a wake-up is believed only when it numbers
 * above what the latest try saw, so a holder never counts a lease from before the handoff.
 * Guarded by: the owning thread only.
 */
#ifndef RACEBED_CORE_LK_FAIR_H
#define RACEBED_CORE_LK_FAIR_H

#include "core/lk_mutex.h"

enum {
    LK_FAIR_NAME_MAX = LK_KEY_MAX - 7 - LK_TOKEN_HEX, /* longest lock name, bytes with the NUL (":wake:" + token) */
};

typedef struct lk_fair_opts {
    int64_t ttl_ms;             /* each hold's lease and each waiter's queue lease, ms, > 0 */
    int64_t wait_ms;            /* longest wait on the wake-up list between tries, ms; 0 = TTL/3; <= TTL/3 */
    int64_t drift_margin_ms;    /* subtracted from the lease when the holder asks if it still holds; <0 = default */
    int64_t acquire_timeout_ms; /* the longest lk_fair_acquire_timed waits, ms, >= 0; 0 = none set */
    const char *kind;           /* the metrics' kind label (lk_mutex_opts.kind), NULL = "lock"; copied */
} lk_fair_opts;

enum { LK_FAIR_KEYS = 5 }; /* owner, q, qt, seq, fence */

typedef struct lk_fair {
    const lk_env *env;
    char key[LK_FAIR_KEYS][LK_KEY_MAX]; /* <name>:owner, :q, :qt, :seq, :fence */
    char wake_key[LK_KEY_MAX];          /* <name>:wake:<token> of the current attempt */
    char name[LK_FAIR_NAME_MAX];
    lk_fair_opts opts;              /* defaults filled in */
    char kind[LK_METRIC_KIND_LEN];  /* the metrics' kind label */
    char token[LK_TOKEN_HEX];       /* token of the current or last attempt */
    int held;                       /* 1 from a grant until release or a lost extend */
    int maybe;                      /* a try or release may have been applied (a store error): the token may
                                         * own the lock or sit in the queue; the next attempt gives it back first */
    int64_t ticket;                 /* the current acquire's ticket (arrival number), 0 before it has one */
    int64_t seen_fence;             /* the fence counter at the latest refusing try: a wake-up numbered
                                         * at or below it announces an ended handoff */
    int64_t fence;                  /* the hold's fencing number, 0 when not held */
    lk_mono_ns sent_mono_ns;        /* what the lease counts from: the granting try (or the last extend), or
                                         * for a handoff the latest try that answered "not yours" */
    lk_mono_ns valid_until_mono_ns; /* the holder may believe it holds until then */
    char errmsg[160];
} lk_fair;

/* Prepares 'f' on 'env' for the fair lock 'name' (copied). Returns LK_EINVAL for a name longer than
 * LK_FAIR_NAME_MAX - 1 or empty, a TTL <= 0, a wait_ms outside 0..TTL/3, a negative timeout or an invalid kind;
 * LK_EMISUSE if 'env' lacks a verb. */
lk_rc lk_fair_init(lk_fair *f, const lk_env *env, const char *name, const lk_fair_opts *opts);
void lk_fair_fini(lk_fair *f);

/* One try that never queues: '*out' LK_ACQUIRED (the lock was free and nobody waited) or LK_LOCKED. Returns LK_OK,
 * a store error (the try may have been applied: the next attempt or a release gives it back), LK_ESTORE_PROTO for
 * a reply the scripts never give, or LK_EMISUSE if held. */
lk_rc lk_fair_try_acquire(lk_fair *f, lk_outcome *out);
/* Queues and waits until the lock is handed over or taken, or 'deadline_mono_ns' passes (a last try is made at the
 * deadline). Returns LK_OK ('*out' LK_ACQUIRED; LK_ALREADY_MINE when a handoff was found by a try instead of the
 * wake-up), LK_ETIMEDOUT (the queue place is given up, and a lock handed over meanwhile is passed on), LK_ELIMIT,
 * LK_ECRASHED or LK_EMISUSE. Store errors are retried until the deadline. */
lk_rc lk_fair_acquire(lk_fair *f, lk_mono_ns deadline_mono_ns, lk_outcome *out);
/* lk_fair_acquire with the lock's own timeout (opts.acquire_timeout_ms; LK_EMISUSE if none). */
lk_rc lk_fair_acquire_timed(lk_fair *f, lk_outcome *out);
/* Releases, handing the lock to the head waiter and waking it. '*out': LK_RELEASED, LK_NOT_OWNER (another holds
 * it: our lease had ended) or LK_ABSENT. Not held afterwards; a store error leaves it maybe held (release again). */
lk_rc lk_fair_release(lk_fair *f, lk_outcome *out);
/* Extends the hold to 'ttl_ms' from now. '*out': LK_EXTENDED, or LK_NOT_OWNER / LK_ABSENT when the lease had ended
 * (the hold is lost and no longer held). */
lk_rc lk_fair_extend(lk_fair *f, int64_t ttl_ms, lk_outcome *out);
/* 1 if held and the lease is still valid by the local monotonic clock (sent_mono_ns + TTL - drift margin). */
int lk_fair_holds(const lk_fair *f);
/* The hold's fencing number, 0 when not held. */
int64_t lk_fair_fence(const lk_fair *f);
/* The current (or last) acquire's ticket: its arrival number in server order (a waiter skipped because its queue
 * lease ended arrives anew at its next try), 0 when not known (before a try answered, or after a try's reply was
 * lost). */
int64_t lk_fair_ticket(const lk_fair *f);
const char *lk_fair_errmsg(const lk_fair *f);

/* The protocol's scripts, for clients that run the same commands in a loop of their own (a benchmark's hand-written
 * loop, a mutant). KEYS and ARGV as lk_fair sends them:
 *   TRY      KEYS owner q qt seq fence wake  ARGV token ttl_ms wait_lease_ms ('0': never queue)
 *            -> {1 granted | 2 already mine | 0 not yours, fence (not yours: the counter now), ticket}
 *   RELEASE  KEYS owner q qt seq fence       ARGV token ttl_ms  -> {1 | 0 absent | -1 another holds, the new
 *            holder's fence, its member "token:ttl_ms" or ''}; then WAKE the member's list when one was named
 *   EXTEND   KEYS owner  ARGV token ttl_ms  -> 1 extended, 0 absent, -1 another holds
 *   WAKE     KEYS <name>:wake:<token>  ARGV fence ttl_ms  -> 1
 * and the wait is BLPOP <name>:wake:<token> <seconds>. */
typedef enum lk_fair_script { LK_FAIR_TRY, LK_FAIR_RELEASE, LK_FAIR_EXTEND, LK_FAIR_WAKE } lk_fair_script;
/* The script's text: static storage, never NULL. */
const char *lk_fair_script_text(lk_fair_script which);

#endif
