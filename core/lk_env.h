/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lk_env.h: the environment, the only way core/ reaches the world (as sqlite3_vfs is for SQLite).
 *
 * One lk_env per process, real or simulated, passed to every core object. It is a struct of eight interfaces, each a
 * 'ctx' plus verbs that take 'ctx' first. Every verb is required: lk_env_check() names the first missing one.
 * Core calls the verbs only through the wrappers declared at the end of this header (lk_env.c), never directly.
 *
 * Visibility: store ops, sync lock/unlock/once, sleep, task start/join and yield are VISIBLE operations. In the
 * simulator each one is a scheduling point. Clock reads, entropy, alloc and metrics are not, so adding a metric or an
 * assert never changes a schedule.
 *
 * Invariant: core keeps no mutable global state; everything hangs off an lk_env or an object that holds one.
 */
#ifndef RACEBED_CORE_LK_ENV_H
#define RACEBED_CORE_LK_ENV_H

#include <stddef.h>
#include <stdint.h>

#include <string.h>

#include "core/lk_rc.h"
#include "core/lk_reply.h"

typedef int64_t lk_mono_ns; /* monotonic clock, nanoseconds; never decreases */
typedef int64_t lk_wall_ms; /* wall clock, milliseconds since the Unix epoch; may step either way */

enum {
    LK_KEY_MAX = 128,   /* longest store key, bytes including the NUL */
    LK_VALUE_MAX = 160, /* longest value a store op reads or writes, bytes including the NUL; room for a key (SCAN
                           returns keys as values) */
};

/* ----------------------------------------------------------------------------------------------------------------
 * clock
 */
typedef struct lk_clock {
    void *ctx;
    lk_mono_ns (*mono_ns)(void *ctx);         /* never decreases; not a scheduling point */
    lk_wall_ms (*wall_ms)(void *ctx);         /* may step either way; not a scheduling point */
    lk_rc (*sleep_ns)(void *ctx, int64_t ns); /* visible; LK_OK, or LK_ECRASHED in the simulator */
} lk_clock;

/* ----------------------------------------------------------------------------------------------------------------
 * store: the atomic operations of design.md §3. Each op is one atomic step (one command or one script on Redis).
 *
 * The op table: NAME, label (used in traces and schedule files), what the op does. The key set each op reads and
 * writes is derived by lk_store_op_keys() from this table, script-internal keys (the fence counter) included.
 */
#define LK_OP_MAP(X)                                                                                                   \
    X(GET, "get", "GET key: value or absent")                                                                          \
    X(SET, "set", "SET key value [NX|XX] [PX ttl]: stored or not stored")                                              \
    X(DEL, "del", "DEL key: number of keys removed (0 or 1)")                                                          \
    X(PEXPIRE, "pexpire", "PEXPIRE key ttl: extended or absent")                                                       \
    X(PTTL, "pttl", "PTTL key: ms left, -1 no TTL, -2 absent")                                                         \
    X(INCR, "incr", "INCR key: the new value, or wrong type")                                                          \
    X(SCAN_DEL, "scan_del", "SCAN MATCH prefix* + DEL of each: number of keys removed")                                \
    X(SCAN, "scan", "the next live key with the prefix after 'value' in key order: found, or absent at the end")       \
    X(ACQUIRE, "acquire",                                                                                              \
      "set-if-absent with TTL + fence INCR (epoch < 2^21, counter < 2^32: fence < 2^53); or already mine; or locked "  \
      "+ PTTL")                                                                                                        \
    X(RELEASE, "release", "compare-and-delete: released, not owner, or absent")                                        \
    X(EXTEND, "extend", "compare-and-pexpire: extended, not owner, or absent")                                         \
    X(REVOKE, "revoke", "delete the lock if its fencing number is below 'num': released, not owner (newer), absent")   \
    X(COMMAND, "command", "any command of core/lk_command.h: argv in, a RESP-shaped reply out (lk_reply)")             \
    X(READ, "read",                                                                                                    \
      "the next reply the server pushed on the caller's connection (pub/sub), waiting at most ttl_ms (0: forever)")

typedef enum lk_op_kind {
#define LK_OP_ENUM(name, label, doc) LK_OP_##name,
    LK_OP_MAP(LK_OP_ENUM)
#undef LK_OP_ENUM
        LK_OP_COUNT_
} lk_op_kind;

/* Outcomes of store ops and of the lock API. They are results, not errors. */
#define LK_OUTCOME_MAP(X)                                                                                              \
    X(NONE, "none")                                                                                                    \
    X(FOUND, "found")                                                                                                  \
    X(ABSENT, "absent")                                                                                                \
    X(STORED, "stored")                                                                                                \
    X(NOT_STORED, "not-stored")                                                                                        \
    X(COUNT, "count")                                                                                                  \
    X(WRONG_TYPE, "wrong-type")                                                                                        \
    X(ACQUIRED, "acquired")                                                                                            \
    X(ALREADY_MINE, "already-mine")                                                                                    \
    X(LOCKED, "locked")                                                                                                \
    X(RELEASED, "released")                                                                                            \
    X(NOT_OWNER, "not-owner")                                                                                          \
    X(EXTENDED, "extended")

typedef enum lk_outcome {
#define LK_OUTCOME_ENUM(name, label) LK_##name,
    LK_OUTCOME_MAP(LK_OUTCOME_ENUM)
#undef LK_OUTCOME_ENUM
        LK_OUTCOME_COUNT_
} lk_outcome;

enum { LK_SET_NX = 1u, LK_SET_XX = 2u };
/* COMMAND flags: what a command is to the acquire that sends it, for an observer that checks a lock's metrics against
 * its ops (the simulator's metric_agreement); stores ignore them. A lock written as scripts marks its acquires' ops:
 *   LK_CMD_ACQUIRE_STEP  an op of an acquire (a give-back of an earlier attempt's leftovers, say): the acquire's first
 *                        op, of any of these kinds, starts its wait;
 *   LK_CMD_ACQUIRE_TRY   a try: its reply is an integer, or an array whose first element is one: 0 refused, 1
 *                        acquired, 2 already mine (anything else: the try failed);
 *   LK_CMD_ACQUIRE_WAKE  a wait whose non-nil reply may hand the lock over (the lock decides: a stale one is not). */
enum { LK_CMD_ACQUIRE_STEP = 4u, LK_CMD_ACQUIRE_TRY = 8u, LK_CMD_ACQUIRE_WAKE = 16u };

/* One store operation. Strings are borrowed: valid for the duration of the exec call only. */
typedef struct lk_store_op {
    lk_op_kind kind;
    const char *key;         /* the key (SCAN_DEL: the prefix) */
    const char *aux_key;     /* ACQUIRE: the fence counter key; NULL for every other op */
    const char *value;       /* SET: the value; ACQUIRE/RELEASE/EXTEND: the caller's token; SCAN: the cursor (the
                            last key returned, "" to start); else NULL */
    int64_t ttl_ms;          /* SET (0 = no TTL), PEXPIRE, ACQUIRE, EXTEND: time to live, ms; READ: the wait, ms */
    unsigned flags;          /* SET: LK_SET_NX or LK_SET_XX; COMMAND: LK_CMD_ACQUIRE_*; or 0 */
    const char *epoch_key;   /* ACQUIRE: the clear epoch (read; fence = epoch << 32 | counter), or NULL */
    int64_t num;             /* REVOKE: the fence floor */
    int argc;                /* COMMAND: arguments, the name included (1 .. LK_COMMAND_ARGS_MAX) */
    const char *const *argv; /* COMMAND: the arguments */
    const size_t *argv_len;  /* COMMAND: their lengths (binary-safe), or NULL when each is a C string */
} lk_store_op;

/* The reply to one store operation; filled by the store when exec returns LK_OK. */
typedef struct lk_store_reply {
    lk_outcome outcome;       /* GET: FOUND/ABSENT; SET: STORED/NOT_STORED; DEL, SCAN_DEL, PTTL, INCR: COUNT
                                 (INCR: WRONG_TYPE); PEXPIRE: EXTENDED/ABSENT; ACQUIRE: ACQUIRED/ALREADY_MINE/LOCKED;
                                 RELEASE: RELEASED/NOT_OWNER/ABSENT; EXTEND: EXTENDED/NOT_OWNER/ABSENT */
    int64_t num;              /* DEL/SCAN_DEL: keys removed; PTTL: ms, -1, -2; INCR: new value; ACQUIRE: fence
                                 number (ACQUIRED, ALREADY_MINE) or the holder's PTTL in ms (LOCKED) */
    char value[LK_VALUE_MAX]; /* GET (FOUND): the value, NUL-terminated; else "" */
    lk_reply *resp;           /* COMMAND, READ: the caller's reply (its buffers are the caller's), filled on LK_OK with
                                 Redis's reply, error replies included; the store never changes the pointer */
} lk_store_reply;

/* Empties 'r' for a new op or after an error: every field zero, except that a COMMAND's 'resp' pointer is kept and
 * its reply cleared (stores call this instead of memset). */
static inline void lk_store_reply_reset(lk_store_reply *r) {
    lk_reply *resp = r->resp;
    memset(r, 0, sizeof(*r));
    r->resp = resp;
    if (resp) lk_reply_clear(resp);
}

/* Key set of one op: at most three keys (key, fence, epoch); a prefix op touches every key with the prefix. */
typedef struct lk_key_set {
    const char *keys[3];     /* borrowed from the op */
    unsigned char writes[3]; /* 1 if the op may write keys[i] */
    int count;               /* number of keys in 'keys' */
    int is_prefix;           /* 1: keys[0] is a prefix; the op touches every key that starts with it */
} lk_key_set;

typedef struct lk_store {
    void *ctx;
    /* Executes 'op' as ONE atomic step and fills 'reply'. Returns LK_OK (reply valid), LK_ESTORE_MAYBE (timeout:
     * the op may have been applied), LK_ESTORE_DOWN (not applied), LK_ESTORE_PROTO (unexpected reply), LK_EINVAL (a
     * key or value too long) or LK_ECRASHED (simulator). On any error 'reply' holds outcome NONE. Visible. */
    lk_rc (*exec)(void *ctx, const lk_store_op *op, lk_store_reply *reply);
} lk_store;

/* ----------------------------------------------------------------------------------------------------------------
 * entropy
 */
typedef struct lk_entropy {
    void *ctx;
    lk_rc (*fill)(void *ctx, void *buf, size_t len); /* LK_OK or LK_EENTROPY; not a scheduling point */
} lk_entropy;

/* ----------------------------------------------------------------------------------------------------------------
 * sync: process-local mutual exclusion, for process-local state such as the singleton registry, and wake-ups: one
 * thread of the process ends another's timed wait (a renewal told to stop ends its wait at once, not at its next
 * interval).
 */
typedef struct lk_sync {
    void *ctx;
    lk_rc (*mutex_new)(void *ctx, const char *name, void **out); /* *out NULL on failure; 'name' is copied */
    void (*mutex_free)(void *ctx, void *mu);                     /* accepts NULL */
    lk_rc (*mutex_lock)(void *ctx, void *mu);                    /* visible; LK_OK or LK_ECRASHED */
    void (*mutex_unlock)(void *ctx, void *mu);                   /* visible; the caller holds 'mu' */
    int (*mutex_held)(void *ctx, void *mu);                      /* 1 if the calling thread holds it; asserts only */
    /* Runs fn(arg) exactly once per '*flag' (0 before, 1 after) in this process, all callers waiting for it. */
    lk_rc (*once)(void *ctx, int *flag, void (*fn)(void *arg), void *arg); /* visible */
    lk_rc (*wake_new)(void *ctx, const char *name, void **out);            /* *out NULL on failure; name copied */
    void (*wake_free)(void *ctx, void *w);                                 /* accepts NULL */
    /* Waits until 'w' is woken or 'timeout_ns' (>= 0) passed: LK_OK (woken; the wake is used up), LK_ETIMEDOUT or
     * LK_ECRASHED. A wake given while nobody waited is kept for the next wait. Visible. */
    lk_rc (*wait)(void *ctx, void *w, int64_t timeout_ns);
    void (*wake)(void *ctx, void *w); /* ends one wait on 'w', or is kept for the next; visible */
} lk_sync;

/* ----------------------------------------------------------------------------------------------------------------
 * alloc: every core allocation. Not a scheduling point.
 */
typedef struct lk_alloc {
    void *ctx;
    void *(*alloc)(void *ctx, size_t size); /* zeroed memory, or NULL */
    void (*free)(void *ctx, void *p);       /* accepts NULL */
} lk_alloc;

/* ----------------------------------------------------------------------------------------------------------------
 * task: a background activity (the auto-renewal watchdog). A pthread for real, a virtual thread in the simulator.
 */
typedef struct lk_task {
    void *ctx;
    /* Starts fn(arg) in the background; *out is the handle for join, NULL on failure. 'name' is copied. Visible. */
    lk_rc (*start)(void *ctx, const char *name, void (*fn)(void *arg), void *arg, void **out);
    /* Waits until the task has returned and frees its handle. Visible. */
    lk_rc (*join)(void *ctx, void *task);
} lk_task;

/* ----------------------------------------------------------------------------------------------------------------
 * yield: an explicit scheduling point for races in process memory that touch no store. 'label' names a
 * process-local ghost object: a yield depends on sync ops and on yields on the same label in the same process.
 */
typedef struct lk_yield {
    void *ctx;
    void (*yield)(void *ctx, const char *label); /* visible; a no-op for real threads */
} lk_yield;

/* ----------------------------------------------------------------------------------------------------------------
 * metrics sink. Metrics are exported as Prometheus families (base units, `_total` on counters) whose labels come
 * from small fixed sets: `kind` is a lock's kind (lk_mutex_opts.kind: "memory", "collection"; never a user, session
 * or resource id) and `result` a fixed outcome. The family table: NAME, Prometheus name, type, labels (0 none,
 * 1 kind, 2 kind and result), help.
 */
#define LK_FAMILY_MAP(X)                                                                                               \
    X(ACQUIRES, "racebed_lock_acquires_total", "counter", 2,                                                           \
      "Lock acquire calls by lock kind and result (a try that found another holder: busy).")                           \
    X(ATTEMPTS, "racebed_lock_acquire_attempts_total", "counter", 2,                                                   \
      "Acquire round trips to the store by lock kind and result (already_mine: a retry after a maybe-applied "         \
      "timeout).")                                                                                                     \
    X(ACQUIRE_WAIT, "racebed_lock_acquire_wait_seconds", "histogram", 2,                                               \
      "Time a blocking acquire waited, from its first try to its return, by lock kind and result (monotonic clock).")  \
    X(RELEASES, "racebed_lock_releases_total", "counter", 2,                                                           \
      "Lock releases by lock kind and result (not_owner: the lease had expired and another holds the key).")           \
    X(EXTENDS, "racebed_lock_extends_total", "counter", 2,                                                             \
      "Lease extensions (renewals included) by lock kind and result (lost: the key was gone or taken).")               \
    X(LOST, "racebed_lock_lost_total", "counter", 1,                                                                   \
      "Holds that ended without the holder's own release: an extend or release found the key gone or taken.")          \
    X(CLEAR_REVOCATIONS, "racebed_lock_clear_revocations_total", "counter", 0, "Locks revoked by a clear.")            \
    X(CONSISTENCY_ERRORS, "racebed_cache_db_consistency_errors_total", "counter", 1,                                   \
      "Cache entries found to disagree with the database, by lock kind (reported by the service).")                    \
    X(REGISTRY_CREATED, "racebed_registry_created_total", "counter", 0, "Singleton instances constructed.")

typedef enum lk_family {
#define LK_FAMILY_ENUM(name, prom, type, labels, help) LK_FAMILY_##name,
    LK_FAMILY_MAP(LK_FAMILY_ENUM)
#undef LK_FAMILY_ENUM
        LK_FAMILY_COUNT_
} lk_family;

/* The metric table: one row per series of a kind (a family and its result label, "" for none). A counter's event
 * adds its value; a histogram's (ACQUIRE_WAIT_*) observes its value, a duration in ns. */
#define LK_METRIC_MAP(X)                                                                                               \
    X(ACQUIRE_ACQUIRED, ACQUIRES, "acquired")                                                                          \
    X(ACQUIRE_BUSY, ACQUIRES, "busy")                                                                                  \
    X(ACQUIRE_TIMEOUT, ACQUIRES, "timeout")                                                                            \
    X(ACQUIRE_ERROR, ACQUIRES, "error")                                                                                \
    X(ATTEMPT_ACQUIRED, ATTEMPTS, "acquired")                                                                          \
    X(ATTEMPT_ALREADY_MINE, ATTEMPTS, "already_mine")                                                                  \
    X(ATTEMPT_BUSY, ATTEMPTS, "busy")                                                                                  \
    X(ATTEMPT_ERROR, ATTEMPTS, "error")                                                                                \
    X(ACQUIRE_WAIT_ACQUIRED, ACQUIRE_WAIT, "acquired")                                                                 \
    X(ACQUIRE_WAIT_TIMEOUT, ACQUIRE_WAIT, "timeout")                                                                   \
    X(ACQUIRE_WAIT_ERROR, ACQUIRE_WAIT, "error")                                                                       \
    X(RELEASE_RELEASED, RELEASES, "released")                                                                          \
    X(RELEASE_NOT_OWNER, RELEASES, "not_owner")                                                                        \
    X(RELEASE_ABSENT, RELEASES, "absent")                                                                              \
    X(RELEASE_ERROR, RELEASES, "error")                                                                                \
    X(EXTEND_EXTENDED, EXTENDS, "extended")                                                                            \
    X(EXTEND_LOST, EXTENDS, "lost")                                                                                    \
    X(EXTEND_ERROR, EXTENDS, "error")                                                                                  \
    X(LOST, LOST, "")                                                                                                  \
    X(CLEAR_REVOKED, CLEAR_REVOCATIONS, "")                                                                            \
    X(CONSISTENCY_ERROR, CONSISTENCY_ERRORS, "")                                                                       \
    X(REGISTRY_CREATED, REGISTRY_CREATED, "")

typedef enum lk_metric {
#define LK_METRIC_ENUM(name, family, result) LK_METRIC_##name,
    LK_METRIC_MAP(LK_METRIC_ENUM)
#undef LK_METRIC_ENUM
        LK_METRIC_COUNT_
} lk_metric;

enum { LK_METRIC_KIND_LEN = 32 }; /* a kind label's longest text, with the NUL */

typedef struct lk_metrics {
    void *ctx;
    /* Counts one event of 'metric' for lock kind 'kind' (valid by lk_metric_kind_valid; ignored by families without
     * labels): a counter adds 'value', a histogram observes 'value' ns. Not a scheduling point; never fails. */
    void (*add)(void *ctx, lk_metric metric, const char *kind, int64_t value);
} lk_metrics;

/* ----------------------------------------------------------------------------------------------------------------
 * The environment.
 */
typedef struct lk_env {
    lk_clock clock;
    lk_store store;
    lk_entropy entropy;
    lk_sync sync;
    lk_alloc alloc;
    lk_task task;
    lk_yield yield;
    lk_metrics metrics;
} lk_env;

/* Returns LK_OK if every verb of 'env' is set, else LK_EMISUSE and writes the first missing verb's name
 * ("store.exec") to '*missing' (static storage) when 'missing' is not NULL. */
lk_rc lk_env_check(const lk_env *env, const char **missing);

/* The op's label ("acquire"), its description, and the outcome's label ("already-mine"): static, never NULL. */
const char *lk_op_label(lk_op_kind kind);
const char *lk_op_doc(lk_op_kind kind);
const char *lk_outcome_label(lk_outcome outcome);
/* A metric's family, and its result label ("" for none): static, never NULL. */
lk_family lk_metric_family(lk_metric metric);
const char *lk_metric_result(lk_metric metric);
/* A family's Prometheus name, type ("counter", "histogram"), label count (0, 1: kind, 2: kind and result) and help:
 * static, never NULL. */
const char *lk_family_name(lk_family family);
const char *lk_family_type(lk_family family);
int lk_family_labels(lk_family family);
const char *lk_family_help(lk_family family);
/* 1 if 'kind' may be a kind label: 1 to LK_METRIC_KIND_LEN - 1 characters of [a-z0-9_], starting with a letter. */
int lk_metric_kind_valid(const char *kind);

/* LK_OK if 'op''s arguments fit every store: keys shorter than LK_KEY_MAX, values than LK_VALUE_MAX, a token (ACQUIRE,
 * RELEASE, EXTEND) non-empty, without ':' (the fence separator) and with room for ":fence"; a SET TTL >= 0. Else
 * LK_EINVAL. Both the model store and the Redis store check ops with it. */
lk_rc lk_store_op_check(const lk_store_op *op);

/* Fills '*set' with the keys 'op' reads and writes (borrowed from 'op'). */
void lk_store_op_keys(const lk_store_op *op, lk_key_set *set);

/* ----------------------------------------------------------------------------------------------------------------
 * Wrappers: the one place core calls the env's verbs (as SQLite's os.c wraps the VFS).
 */
lk_mono_ns lk_env_mono_ns(const lk_env *env);
lk_wall_ms lk_env_wall_ms(const lk_env *env);
lk_rc lk_env_sleep_ns(const lk_env *env, int64_t ns);
lk_rc lk_env_store_exec(const lk_env *env, const lk_store_op *op, lk_store_reply *reply);
/* Runs one command of core/lk_command.h (argv_len NULL: C strings) as ONE atomic step and writes Redis's reply to
 * 'reply' (cleared first; caller's buffers). Returns LK_OK with any reply, error replies included; a store error
 * (LK_ESTORE_MAYBE: it may have run; LK_ESTORE_DOWN: it did not), LK_EINVAL (argc out of range) or LK_ELIMIT (the
 * reply does not fit 'reply''s buffers, or a limit of the model store). Visible. A blocking command (BLPOP, BRPOP)
 * returns when the server served it or its timeout passed, as on Redis. */
lk_rc lk_env_command(const lk_env *env, lk_reply *reply, int argc, const char *const *argv, const size_t *argv_len);
/* lk_env_command with the op's COMMAND flags (LK_CMD_ACQUIRE_*). */
lk_rc lk_env_command_as(const lk_env *env, unsigned flags, lk_reply *reply, int argc, const char *const *argv,
                        const size_t *argv_len);
/* Waits at most 'timeout_ms' (0: forever) for the next reply the server pushes on the caller's connection: a pub/sub
 * message ["message", channel, payload], or a confirmation of a SUBSCRIBE or UNSUBSCRIBE of several channels after
 * the first. Returns LK_OK with it in 'reply' (cleared first), LK_ETIMEDOUT when none arrived in time, a store error
 * (LK_ESTORE_DOWN: the connection closed), or LK_EMISUSE on a store that keeps no connection per caller. Visible. */
lk_rc lk_env_command_next(const lk_env *env, lk_reply *reply, int64_t timeout_ms);
lk_rc lk_env_entropy(const lk_env *env, void *buf, size_t len);
lk_rc lk_env_mutex_new(const lk_env *env, const char *name, void **out);
void lk_env_mutex_free(const lk_env *env, void *mu);
lk_rc lk_env_mutex_lock(const lk_env *env, void *mu);
void lk_env_mutex_unlock(const lk_env *env, void *mu);
int lk_env_mutex_held(const lk_env *env, void *mu);
lk_rc lk_env_once(const lk_env *env, int *flag, void (*fn)(void *arg), void *arg);
lk_rc lk_env_wake_new(const lk_env *env, const char *name, void **out);
void lk_env_wake_free(const lk_env *env, void *w);
lk_rc lk_env_wait(const lk_env *env, void *w, int64_t timeout_ns);
void lk_env_wake(const lk_env *env, void *w);
lk_rc lk_env_task_start(const lk_env *env, const char *name, void (*fn)(void *), void *arg, void **out);
lk_rc lk_env_task_join(const lk_env *env, void *task);
void lk_env_yield(const lk_env *env, const char *label);
/* Counts one event of 'metric' for lock kind 'kind' (see lk_metrics.add); a service reports its own events
 * (LK_METRIC_CONSISTENCY_ERROR) the same way. */
void lk_env_metric(const lk_env *env, lk_metric metric, const char *kind, int64_t value);
/* Memory from the env's allocator (every core allocation, and a scenario's own objects): NULL when it fails. Free
 * with lk_env_free (accepts NULL). */
void *lk_env_alloc(const lk_env *env, size_t size);
void lk_env_free(const lk_env *env, void *p);

/* Copies 'src' into 'dst' of 'cap' bytes; returns LK_EINVAL (dst = "") when it does not fit. */
lk_rc lk_copy_str(char *dst, size_t cap, const char *src);

/* Deprecated names of the three above, from when they were core internals; scenarios written against them keep
 * compiling (with a warning) for now. */
__attribute__((deprecated("use lk_env_alloc"))) static inline void *lk__alloc(const lk_env *env, size_t size) {
    return lk_env_alloc(env, size);
}
__attribute__((deprecated("use lk_env_free"))) static inline void lk__free(const lk_env *env, void *p) {
    lk_env_free(env, p);
}
__attribute__((deprecated("use lk_copy_str"))) static inline lk_rc lk__copy_str(char *dst, size_t cap,
                                                                                const char *src) {
    return lk_copy_str(dst, cap, src);
}

#endif
