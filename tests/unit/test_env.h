/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_env.h: a single-threaded lk_env for cmocka unit tests of core/ against the model store, with
 * no simulator.
 *
 * Every verb is deterministic and inspectable: a manual virtual clock (sleep advances it; the
 * store's server wall time is the wall clock, so TTLs expire as the test sleeps or advances time),
 * a seedable splitmix64 entropy, a trivial mutex whose held flag a test can read (locking a held
 * mutex fails the test: with one thread it would be a deadlock), calloc with a "fail the Nth
 * allocation" counter and a live-allocation count, tasks that run inline, yields counted per label,
 * metrics summed into an lk_metric_set, and a store fault hook that makes the Nth store call (or
 * the Nth and every later one) return a chosen lk_rc, applying the op first or not. Every store
 * call is logged with its op kind, the clock at send and whether a test mutex was held.
 *
 * Invariant: test_env_fini fails the test if an allocation or a mutex lock is still outstanding.
 * Never: fault injection inside the model store; the hook here wraps it, as SQLite's test VFS wraps
 * the real one. Guarded by: the single test thread. The struct must not move after test_env_init
 * (its verbs point at it).
 */
#ifndef RACEBED_TESTS_UNIT_TEST_ENV_H
#define RACEBED_TESTS_UNIT_TEST_ENV_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lk_env.h"
#include "core/lk_metrics.h"
#include "sim/model/sim_store_model.h"

enum {
    TEST_ENV_CALLS_MAX = 4096,  /* store calls kept in the log; later calls are only counted */
    TEST_ENV_SLEEPS_MAX = 4096, /* sleep durations kept; later sleeps are only counted */
    TEST_ENV_LABELS_MAX = 8,    /* distinct yield labels counted */
    TEST_ENV_NAME_MAX = 32,     /* longest yield label or mutex name kept, bytes with the NUL */
};

static const int64_t TEST_NS_PER_MS = 1000000;
static const lk_mono_ns TEST_ENV_MONO_START_NS = 1000000000;    /* 1 s, so 0 never looks valid */
static const lk_wall_ms TEST_ENV_WALL_START_MS = 1700000000000; /* 2023-11-14, ms since the epoch */

/* One logged store call. */
typedef struct test_store_call {
    lk_op_kind kind;    /* the op */
    lk_mono_ns mono_ns; /* the monotonic clock when the call was sent */
    lk_wall_ms wall_ms; /* the server wall time the op was (or would have been) applied at */
    lk_rc rc;           /* what exec returned */
    lk_outcome outcome; /* the reply's outcome (NONE on error) */
    int mutexes_held;   /* test mutexes held during the call */
    int faulted;        /* 1 if the fault hook chose the result */
} test_store_call;

/* The store fault hook: a count-down over store calls, as SQLite's TestFaultInject. */
typedef struct test_store_fault {
    int64_t at;     /* 1-based store call index to fail; 0 = never */
    lk_rc rc;       /* what the failed call returns */
    int apply;      /* 1: apply the op to the model first (a reply lost after the store ran it) */
    int persistent; /* 1: call 'at' and every later call fail; 0: only call 'at' */
    int injected;   /* number of calls failed so far */
} test_store_fault;

/* The trivial mutex handed out by sync.mutex_new. */
typedef struct test_mutex {
    int held;                     /* 1 while locked */
    char name[TEST_ENV_NAME_MAX]; /* copied from mutex_new */
} test_mutex;

/* A task handle: the task already ran inline when start returned. */
typedef struct test_task {
    int ran; /* 1 once fn(arg) returned */
} test_task;

/* Guarded by: the single test thread. */
typedef struct test_env {
    lk_env env;             /* pass &te->env to core objects */
    sim_store_model *store; /* the model store, from calloc (~60 KB), not a core allocation */
    /* clock */
    lk_mono_ns mono_ns;                    /* the virtual monotonic clock, ns */
    lk_wall_ms wall_offset_ms;             /* wall ms = wall_offset_ms + mono_ns / 1e6 */
    int64_t store_rtt_ns;                  /* store round trip, ns: exec moves the clock half before, half after */
    int64_t sleep_count;                   /* sleep_ns calls */
    int64_t sleep_ns[TEST_ENV_SLEEPS_MAX]; /* durations of the first sleeps, ns */
    /* entropy */
    uint64_t prng_state; /* splitmix64 state */
    /* store */
    test_store_fault fault;                    /* the fault hook */
    int64_t store_call_count;                  /* store calls made, faulted ones included */
    test_store_call calls[TEST_ENV_CALLS_MAX]; /* the first store calls */
    /* sync */
    int mutexes_held; /* test mutexes currently held */
    int once_calls;   /* sync.once calls */
    /* alloc */
    int64_t alloc_count;   /* allocation attempts, failed ones included */
    int64_t alloc_fail_at; /* 1-based allocation attempt to fail; 0 = never */
    int64_t alloc_failed;  /* allocations failed so far */
    int64_t alloc_live;    /* allocations not yet freed */
    /* task */
    int task_starts; /* task.start calls that ran their fn */
    /* wake */
    int64_t waits, waits_woken; /* sync.wait calls, and those a kept wake ended at once */
    /* yield */
    int label_count;                                     /* distinct labels seen */
    char labels[TEST_ENV_LABELS_MAX][TEST_ENV_NAME_MAX]; /* the labels */
    int yields[TEST_ENV_LABELS_MAX];                     /* yields per label */
    int yields_held[TEST_ENV_LABELS_MAX];                /* of those, yields made with a test mutex held */
    /* metrics */
    lk_metric_set metrics; /* summed by metrics.add */
} test_env;

/* ---- clock ----------------------------------------------------------------------------------- */

static inline lk_mono_ns test_env_mono_ns(void *ctx) {
    return ((test_env *)ctx)->mono_ns;
}

static inline lk_wall_ms test_env_wall_ms(void *ctx) {
    test_env *te = ctx;
    return te->wall_offset_ms + te->mono_ns / TEST_NS_PER_MS;
}

/* Advances the virtual clock by 'ns' (>= 0). */
static inline void test_env_advance_ns(test_env *te, int64_t ns) {
    assert_true(ns >= 0);
    te->mono_ns += ns;
}

static inline void test_env_advance_ms(test_env *te, int64_t ms) {
    test_env_advance_ns(te, ms * TEST_NS_PER_MS);
}

/* Steps the wall clock alone by 'delta_ms' (either way); the monotonic clock does not move. */
static inline void test_env_step_wall_ms(test_env *te, int64_t delta_ms) {
    te->wall_offset_ms += delta_ms;
}

static inline lk_rc test_env_sleep_ns(void *ctx, int64_t ns) {
    test_env *te = ctx;
    assert_true(ns >= 0);
    if (te->sleep_count < TEST_ENV_SLEEPS_MAX) te->sleep_ns[te->sleep_count] = ns;
    te->sleep_count++;
    te->mono_ns += ns;
    return LK_OK;
}

/* ---- entropy --------------------------------------------------------------------------------- */

/* splitmix64: a fixed, seedable stream; the same seed gives the same tokens and backoffs. */
static inline uint64_t test_env_prng_next(test_env *te) {
    uint64_t z = (te->prng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline lk_rc test_env_entropy_fill(void *ctx, void *buf, size_t len) {
    test_env *te = ctx;
    unsigned char *p = buf;
    while (len > 0) {
        uint64_t x = test_env_prng_next(te);
        size_t n = len < sizeof(x) ? len : sizeof(x);
        memcpy(p, &x, n);
        p += n;
        len -= n;
    }
    return LK_OK;
}

/* ---- alloc ----------------------------------------------------------------------------------- */

/* Zeroed memory from calloc, or NULL when this is attempt number 'alloc_fail_at'. */
static inline void *test_env_alloc(void *ctx, size_t size) {
    test_env *te = ctx;
    te->alloc_count++;
    if (te->alloc_fail_at != 0 && te->alloc_count == te->alloc_fail_at) {
        te->alloc_failed++;
        return NULL;
    }
    void *p = calloc(1, size);
    assert_non_null(p);
    te->alloc_live++;
    return p;
}

static inline void test_env_free(void *ctx, void *p) {
    test_env *te = ctx;
    if (p == NULL) return;
    assert_true(te->alloc_live > 0);
    te->alloc_live--;
    free(p);
}

/* ---- sync ------------------------------------------------------------------------------------ */

/* Allocates through the counted allocator, so an allocation sweep reaches mutex creation too. */
static inline lk_rc test_env_mutex_new(void *ctx, const char *name, void **out) {
    test_mutex *mu = test_env_alloc(ctx, sizeof(*mu));
    *out = mu;
    if (mu == NULL) return LK_ENOMEM;
    snprintf(mu->name, sizeof(mu->name), "%s", name ? name : "");
    return LK_OK;
}

static inline void test_env_mutex_free(void *ctx, void *p) {
    test_mutex *mu = p;
    if (mu != NULL && mu->held) fail_msg("mutex '%s' freed while held", mu->name);
    test_env_free(ctx, mu);
}

/* With one thread, locking a held mutex can only deadlock: the test fails instead. */
static inline lk_rc test_env_mutex_lock(void *ctx, void *p) {
    test_env *te = ctx;
    test_mutex *mu = p;
    if (mu->held) fail_msg("lock of mutex '%s', which is already held", mu->name);
    mu->held = 1;
    te->mutexes_held++;
    return LK_OK;
}

static inline void test_env_mutex_unlock(void *ctx, void *p) {
    test_env *te = ctx;
    test_mutex *mu = p;
    if (!mu->held) fail_msg("unlock of mutex '%s', which is not held", mu->name);
    mu->held = 0;
    te->mutexes_held--;
}

static inline int test_env_mutex_held(void *ctx, void *p) {
    (void)ctx;
    return ((test_mutex *)p)->held;
}

/* A wake: with one thread, a wait ends at once on a kept wake, or else lets its whole timeout pass. */
typedef struct test_wake {
    int woken;
} test_wake;

static inline lk_rc test_env_wake_new(void *ctx, const char *name, void **out) {
    (void)name;
    *out = test_env_alloc(ctx, sizeof(test_wake));
    return *out ? LK_OK : LK_ENOMEM;
}

static inline void test_env_wake_free(void *ctx, void *w) {
    test_env_free(ctx, w);
}

static inline lk_rc test_env_wait(void *ctx, void *p, int64_t timeout_ns) {
    test_env *te = ctx;
    test_wake *w = p;
    te->waits++;
    if (w->woken) {
        w->woken = 0;
        te->waits_woken++;
        return LK_OK;
    }
    test_env_advance_ns(te, timeout_ns);
    return LK_ETIMEDOUT;
}

static inline void test_env_wake(void *ctx, void *p) {
    (void)ctx;
    ((test_wake *)p)->woken = 1;
}

static inline lk_rc test_env_once(void *ctx, int *flag, void (*fn)(void *arg), void *arg) {
    test_env *te = ctx;
    te->once_calls++;
    if (*flag == 0) {
        fn(arg);
        *flag = 1;
    }
    return LK_OK;
}

/* ---- task ------------------------------------------------------------------------------------ */

/* Runs fn(arg) to completion before returning; the handle only records that it ran. */
static inline lk_rc test_env_task_start(void *ctx, const char *name, void (*fn)(void *arg), void *arg, void **out) {
    test_env *te = ctx;
    (void)name;
    test_task *t = test_env_alloc(ctx, sizeof(*t));
    *out = t;
    if (t == NULL) return LK_ETASK;
    fn(arg);
    t->ran = 1;
    te->task_starts++;
    return LK_OK;
}

static inline lk_rc test_env_task_join(void *ctx, void *task) {
    test_task *t = task;
    assert_true(t->ran);
    test_env_free(ctx, t);
    return LK_OK;
}

/* ---- yield ----------------------------------------------------------------------------------- */

static inline void test_env_yield(void *ctx, const char *label) {
    test_env *te = ctx;
    int i = 0;
    while (i < te->label_count && strcmp(te->labels[i], label) != 0)
        i++;
    if (i == te->label_count) {
        assert_true(te->label_count < TEST_ENV_LABELS_MAX);
        snprintf(te->labels[i], sizeof(te->labels[i]), "%s", label);
        te->label_count++;
    }
    te->yields[i]++;
    if (te->mutexes_held > 0) te->yields_held[i]++;
}

/* Yields made so far with 'label'. */
static inline int test_env_yield_count(const test_env *te, const char *label) {
    for (int i = 0; i < te->label_count; i++)
        if (strcmp(te->labels[i], label) == 0) return te->yields[i];
    return 0;
}

/* Yields made so far with 'label' while a test mutex was held. */
static inline int test_env_yield_held_count(const test_env *te, const char *label) {
    for (int i = 0; i < te->label_count; i++)
        if (strcmp(te->labels[i], label) == 0) return te->yields_held[i];
    return 0;
}

/* ---- metrics --------------------------------------------------------------------------------- */

static inline void test_env_metric_add(void *ctx, lk_metric metric, const char *kind, int64_t value) {
    test_env *te = ctx;
    assert_true((unsigned)metric < LK_METRIC_COUNT_);
    lk_metric_set_add(&te->metrics, metric, kind, value);
}

/* ---- store ----------------------------------------------------------------------------------- */

/* Arms the fault hook: store call number 'at' (1-based; 0 disarms) returns 'rc', after applying the
 * op when 'apply' is 1; with 'persistent' every later call fails the same way. Resets the injected
 * count. */
static inline void test_env_store_fault(test_env *te, int64_t at, lk_rc rc, int apply, int persistent) {
    te->fault.at = at;
    te->fault.rc = rc;
    te->fault.apply = apply;
    te->fault.persistent = persistent;
    te->fault.injected = 0;
}

static inline int test_env_fault_due(const test_env *te, int64_t call) {
    const test_store_fault *f = &te->fault;
    if (f->at == 0) return 0;
    return f->persistent ? call >= f->at : call == f->at;
}

/* The store verb: the model at the current wall time, behind the fault hook and the call log. */
static inline lk_rc test_env_store_exec(void *ctx, const lk_store_op *op, lk_store_reply *reply) {
    test_env *te = ctx;
    int64_t call = ++te->store_call_count;
    test_store_call rec = {.kind = op->kind, .mono_ns = te->mono_ns, .mutexes_held = te->mutexes_held};
    te->mono_ns += te->store_rtt_ns / 2;
    rec.wall_ms = test_env_wall_ms(te);
    lk_rc rc;
    if (test_env_fault_due(te, call)) {
        rc = LK_OK;
        if (te->fault.apply) rc = sim_store_model_exec(te->store, rec.wall_ms, op, reply);
        /* A fault on an op the model rejected would hide a real error: keep the model's answer. */
        if (rc == LK_OK) {
            rc = te->fault.rc;
            rec.faulted = 1;
            te->fault.injected++;
        }
    } else {
        rc = sim_store_model_exec(te->store, rec.wall_ms, op, reply);
    }
    if (rc != LK_OK) memset(reply, 0, sizeof(*reply));
    te->mono_ns += te->store_rtt_ns - te->store_rtt_ns / 2;
    rec.rc = rc;
    rec.outcome = reply->outcome;
    if (call <= TEST_ENV_CALLS_MAX) te->calls[call - 1] = rec;
    return rc;
}

/* Number of logged store calls of 'kind'. */
static inline int test_env_store_calls_of(const test_env *te, lk_op_kind kind) {
    int n = 0;
    int64_t logged = te->store_call_count < TEST_ENV_CALLS_MAX ? te->store_call_count : TEST_ENV_CALLS_MAX;
    for (int64_t i = 0; i < logged; i++)
        if (te->calls[i].kind == kind) n++;
    return n;
}

/* The last logged store call; fails the test if there was none or it was not logged. */
static inline const test_store_call *test_env_last_call(const test_env *te) {
    assert_true(te->store_call_count > 0 && te->store_call_count <= TEST_ENV_CALLS_MAX);
    return &te->calls[te->store_call_count - 1];
}

/* Reads 'key' straight from the model (no hook, no log) at the current wall time. Returns 1 and
 * copies the value into 'value' (LK_VALUE_MAX bytes, may be NULL) if the key exists, else 0. */
static inline int test_env_store_get(test_env *te, const char *key, char *value) {
    lk_store_op op = {.kind = LK_OP_GET, .key = key};
    lk_store_reply reply;
    assert_int_equal(sim_store_model_exec(te->store, test_env_wall_ms(te), &op, &reply), LK_OK);
    if (value != NULL) memcpy(value, reply.value, sizeof(reply.value));
    return reply.outcome == LK_FOUND;
}

/* Writes 'key' = 'value' straight into the model with 'ttl_ms' (0 = none). */
static inline void test_env_store_set(test_env *te, const char *key, const char *value, int64_t ttl_ms) {
    lk_store_op op = {.kind = LK_OP_SET, .key = key, .value = value, .ttl_ms = ttl_ms};
    lk_store_reply reply;
    assert_int_equal(sim_store_model_exec(te->store, test_env_wall_ms(te), &op, &reply), LK_OK);
    assert_int_equal(reply.outcome, LK_STORED);
}

/* ---- life cycle ------------------------------------------------------------------------------ */

/* Fills 'te' with every verb, an empty store, the clock at its start and the entropy seeded with
 * 'seed'. */
static inline void test_env_init(test_env *te, uint64_t seed) {
    memset(te, 0, sizeof(*te));
    te->store = calloc(1, sizeof(*te->store));
    assert_non_null(te->store);
    sim_store_model_init(te->store);
    te->mono_ns = TEST_ENV_MONO_START_NS;
    te->wall_offset_ms = TEST_ENV_WALL_START_MS;
    te->prng_state = seed;
    lk_env *e = &te->env;
    e->clock = (lk_clock){te, test_env_mono_ns, test_env_wall_ms, test_env_sleep_ns};
    e->store = (lk_store){te, test_env_store_exec};
    e->entropy = (lk_entropy){te, test_env_entropy_fill};
    e->sync = (lk_sync){te,
                        test_env_mutex_new,
                        test_env_mutex_free,
                        test_env_mutex_lock,
                        test_env_mutex_unlock,
                        test_env_mutex_held,
                        test_env_once,
                        test_env_wake_new,
                        test_env_wake_free,
                        test_env_wait,
                        test_env_wake};
    e->alloc = (lk_alloc){te, test_env_alloc, test_env_free};
    e->task = (lk_task){te, test_env_task_start, test_env_task_join};
    e->yield = (lk_yield){te, test_env_yield};
    e->metrics = (lk_metrics){te, test_env_metric_add};
    assert_int_equal(lk_env_check(e, NULL), LK_OK);
}

/* Frees the store; fails the test if core leaked an allocation or left a mutex locked. */
static inline void test_env_fini(test_env *te) {
    free(te->store);
    te->store = NULL;
    assert_int_equal(te->mutexes_held, 0);
    assert_int_equal(te->alloc_live, 0);
}

#endif
