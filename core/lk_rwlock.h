/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lk_rwlock.h: a distributed reader-writer lock on one name: many readers or one writer, each with a lease of its
 * own, writer preference, fencing numbers for writers and the write epoch for readers.
 *
 * Keys (all "<name>:..." so a per-scope name, lk_scope.h, keeps them in one cluster slot):
 *   <name>:w      the writer: its token, with the write lease as the key's TTL;
 *   <name>:r      the readers: a sorted set of reader tokens scored by their lease deadline (server ms, TIME);
 *   <name>:wq     a waiting writer: its token, set by each try of a blocking write acquire that finds the lock
 *                 taken, for the TTL plus one backoff cap (so it outlives the gap to the next try);
 *   <name>:fence  the write epoch: INCR at every write grant.
 * Protocol (each operation one Lua script, the same text on Redis and on the model store):
 *   read acquire:  drop readers whose lease ended; refused while a writer holds or waits (writer preference: a
 *                  steady stream of readers cannot starve a writer); else add the reader with deadline now + TTL.
 *                  Granted readers carry the write epoch (the fence counter), so a guarded resource can refuse a
 *                  reader that started before a newer writer's write.
 *   write acquire: drop ended readers; refused while a writer holds or a live reader remains, and then a blocking
 *                  acquire marks itself waiting (<name>:wq, refreshed at every try, so a crashed waiter's mark ends
 *                  with its TTL; a lone try leaves none); granted when none remain: SET <name>:w token PX ttl,
 *                  INCR the fence. A retry that finds its own lock (its earlier try's reply was lost) renews its
 *                  lease, so the lease it then believes in is the server's.
 *   release:       a reader removes its entry; a writer compare-and-deletes <name>:w (and its waiting mark).
 *   extend:        a reader moves its deadline if its lease is still live; a writer compare-and-pexpires.
 * A reader that crashed stops extending, and its entry ends with its own lease: it never pins the lock past TTL.
 * A blocking acquire retries with jittered exponential backoff and makes a last try at its deadline; a writer that
 * gives up (timeout, or any error but a crash) drops its waiting mark.
 *
 * The scripts call TIME: Redis 7 replicates a script's effects, so that is allowed; the lock needs a server with
 * scripting (Lua 5.1), which racebed's model store has when built with Lua.
 *
 * Invariant: every write to the lock's keys compares the caller's token (or is made on its own entry), so a holder
 * whose lease ended never removes or extends another's hold.
 * Guarded by: the owning thread only.
 */
#ifndef RACEBED_CORE_LK_RWLOCK_H
#define RACEBED_CORE_LK_RWLOCK_H

#include "core/lk_mutex.h"

typedef enum lk_rw_mode { LK_RW_NONE = 0, LK_RW_READ = 1, LK_RW_WRITE = 2 } lk_rw_mode;

typedef struct lk_rwlock_opts {
    int64_t ttl_ms;             /* each hold's lease, ms, > 0 */
    int64_t backoff_base_ms;    /* first backoff of a blocking acquire, ms; 0 = default 10 */
    int64_t backoff_cap_ms;     /* largest backoff, ms; 0 = default 200 */
    int64_t drift_margin_ms;    /* subtracted from the lease when the holder asks if it still holds; <0 = default */
    int64_t acquire_timeout_ms; /* the longest lk_rwlock_acquire_timed waits, ms, >= 0; 0 = none set */
    const char *kind;           /* the metrics' kind label (lk_mutex_opts.kind), NULL = "lock"; copied */
} lk_rwlock_opts;

typedef struct lk_rwlock {
    const lk_env *env;
    char key[4][LK_KEY_MAX];        /* <name>:w, <name>:r, <name>:wq, <name>:fence */
    lk_rwlock_opts opts;            /* defaults filled in */
    char kind[LK_METRIC_KIND_LEN];  /* the metrics' kind label */
    char token[LK_TOKEN_HEX];       /* token of the current or last attempt */
    lk_rw_mode mode;                /* the mode held, LK_RW_NONE when not held */
    lk_rw_mode maybe;               /* an attempt in this mode may have been applied (a store error): its retry
                                     * keeps the token, and release cleans it up */
    int waiting;                    /* a write attempt found it taken and marked itself waiting: the retries keep
                                     * the token, so they find their own mark */
    int64_t fence;                  /* a writer's fencing number, a reader's write epoch; 0 when not held */
    lk_mono_ns sent_mono_ns;        /* when the granting acquire (or last extend) was sent */
    lk_mono_ns valid_until_mono_ns; /* the holder may believe it holds until then */
    char errmsg[160];
} lk_rwlock;

/* Prepares 'rw' on 'env' for the lock 'name' (copied). Returns LK_EINVAL for a name that leaves no room for the
 * suffixes, a TTL <= 0, a negative timeout or an invalid kind; LK_EMISUSE if 'env' lacks a verb. */
lk_rc lk_rwlock_init(lk_rwlock *rw, const lk_env *env, const char *name, const lk_rwlock_opts *opts);
void lk_rwlock_fini(lk_rwlock *rw);

/* One attempt in 'mode' (LK_RW_READ or LK_RW_WRITE). '*out': LK_ACQUIRED, LK_ALREADY_MINE (a retry found the
 * earlier attempt applied) or LK_LOCKED. Returns LK_OK, a store error (the lock is then maybe held: retry, or
 * release), LK_ESTORE_PROTO for a reply the scripts never give, or LK_EMISUSE if held. */
lk_rc lk_rwlock_try_acquire(lk_rwlock *rw, lk_rw_mode mode, lk_outcome *out);
/* Blocks until acquired in 'mode' or 'deadline_mono_ns' passes (a last try is made at the deadline). Returns LK_OK
 * ('*out' LK_ACQUIRED or LK_ALREADY_MINE), LK_ETIMEDOUT (a maybe-applied try is given back, and a writer's waiting
 * mark dropped), LK_ELIMIT, LK_ECRASHED or LK_EMISUSE. Store errors are retried until the deadline. */
lk_rc lk_rwlock_acquire(lk_rwlock *rw, lk_rw_mode mode, lk_mono_ns deadline_mono_ns, lk_outcome *out);
/* lk_rwlock_acquire with the lock's own timeout (opts.acquire_timeout_ms; LK_EMISUSE if none). */
lk_rc lk_rwlock_acquire_timed(lk_rwlock *rw, lk_rw_mode mode, lk_outcome *out);
/* Releases the hold (or cleans up a maybe-applied attempt). '*out': LK_RELEASED, LK_NOT_OWNER (a writer found another
 * writer: its lease had ended) or LK_ABSENT (its lease had ended). Not held afterwards unless a store error
 * leaves it maybe held (release again). */
lk_rc lk_rwlock_release(lk_rwlock *rw, lk_outcome *out);
/* Extends the hold to 'ttl_ms' from now. '*out': LK_EXTENDED, or LK_ABSENT when the lease had already ended (the
 * hold is lost and no longer held). */
lk_rc lk_rwlock_extend(lk_rwlock *rw, int64_t ttl_ms, lk_outcome *out);
/* 1 if held and the lease is still valid by the local monotonic clock (send time + TTL - drift margin). */
int lk_rwlock_holds(const lk_rwlock *rw);
/* The mode held (LK_RW_NONE when not held). */
lk_rw_mode lk_rwlock_mode(const lk_rwlock *rw);
/* A writer's fencing number, or a reader's write epoch (the fencing number of the last write grant before its read
 * grant); 0 when not held. */
int64_t lk_rwlock_fence(const lk_rwlock *rw);
const char *lk_rwlock_errmsg(const lk_rwlock *rw);

/* The protocol's scripts, for a client that sends the same commands in a loop of its own (a benchmark's minimal
 * loop). KEYS and ARGV as lk_rwlock sends them:
 *   READ           KEYS w r wq fence  ARGV token ttl_ms            -> {1 | 2 mine, epoch} or {0, ms to wait}
 *   WRITE          KEYS w r wq fence  ARGV token ttl_ms mark_ms    -> {1 | 2 mine, fence} or {0, ms to wait}
 *   RELEASE_READ   KEYS r             ARGV token                   -> 1 released, 0 absent
 *   RELEASE_WRITE  KEYS w wq          ARGV token                   -> 1 released, 0 absent, -1 another writer
 *   EXTEND_READ    KEYS r             ARGV token ttl_ms            -> 1 extended, 0 the lease had ended
 *   EXTEND_WRITE   KEYS w             ARGV token ttl_ms            -> 1 extended, 0 absent, -1 another writer */
typedef enum lk_rwlock_script {
    LK_RW_SCRIPT_READ,
    LK_RW_SCRIPT_WRITE,
    LK_RW_SCRIPT_RELEASE_READ,
    LK_RW_SCRIPT_RELEASE_WRITE,
    LK_RW_SCRIPT_EXTEND_READ,
    LK_RW_SCRIPT_EXTEND_WRITE
} lk_rwlock_script;
/* The script's text: static storage, never NULL. */
const char *lk_rwlock_script_text(lk_rwlock_script which);

#endif
