/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_lk_mutex_fault.c: proves that the distributed mutex (core/lk_mutex.c) survives each store
 * error kind at each store call, in the manner of SQLite's *fault.test: for N = 1, 2, ... and each
 * kind (a timeout after the op was applied, a timeout before it was, the store down), test_env.h's
 * fault hook fails store call N (or call N and every later one) of an acquire + extend + release
 * cycle, until a run makes fewer than N calls. Every run must return only LK_OK or the injected
 * error, give only outcomes possible for a lone client, leak nothing (checked by test_env_fini) and
 * leave the lock key either absent or holding this mutex's own token, with the fence counter never
 * past 1: a retry after an ambiguous timeout reuses its token instead of taking a second grant or
 * waiting on its own lock. A blocking acquire must retry store errors until its deadline, and win a
 * lock freed by TTL expiry whatever single call fails. A final test shows the store's "effect
 * unknown" protocol error is not yet treated as maybe-applied (a bug in core, marked there).
 */
#include "test_env.h"

#include "core/lk_mutex.h"

enum {
    RUNS_MAX = 64, /* bound on the N sweep of one kind: a cycle makes far fewer store calls */
    CYCLE_TTL_MS = 1000,
};

static const char KEY[] = "lock:fault";
static const char FENCE_KEY[] = "lock:fault:fence";

/* One store error kind: what the hook returns and whether the op ran first. */
typedef struct fault_kind {
    const char *name; /* for failure messages */
    lk_rc rc;         /* returned by the failed call */
    int apply;        /* 1: the op was applied and only the reply was lost */
} fault_kind;

static const fault_kind FAULT_KINDS[] = {
    {"maybe-applied", LK_ESTORE_MAYBE, 1},
    {"maybe-not-applied", LK_ESTORE_MAYBE, 0},
    {"down", LK_ESTORE_DOWN, 0},
};
enum { FAULT_KIND_COUNT = sizeof(FAULT_KINDS) / sizeof(FAULT_KINDS[0]) };

/* What one cycle did: whether it held, extended and released the lock. */
typedef struct cycle_result {
    int held;        /* 1 if an acquire (or its retry) got the lock */
    int extended;    /* 1 if the extend returned LK_OK */
    int released_ok; /* 1 if a release ran and returned LK_OK */
    int release_ran; /* 1 if a release was sent */
} cycle_result;

static void expect_rc(lk_rc rc, lk_rc injected, const char *step, const fault_kind *k, int64_t n) {
    if (rc != LK_OK && rc != injected)
        fail_msg("%s (fault %s at call %lld): got %s", step, k->name, (long long)n, lk_rc_name(rc));
}

/* One careful client: try_acquire (retried once after an error, as a caller would), extend,
 * release; after an acquire error that left the mutex maybe-held, a release to clean up. Asserts
 * each step's rc and outcome. */
static void fault_cycle(test_env *te, lk_mutex *m, const fault_kind *k, int64_t n, cycle_result *res) {
    memset(res, 0, sizeof(*res));
    lk_outcome out = LK_NONE;
    lk_rc rc = LK_ESTORE_DOWN;
    for (int attempt = 0; attempt < 2 && rc != LK_OK; attempt++) {
        rc = lk_mutex_try_acquire(m, &out);
        expect_rc(rc, k->rc, "try_acquire", k, n);
        if (rc != LK_OK) {
            assert_int_equal(out, LK_NONE);
            assert_int_equal(lk_mutex_fence(m), 0);
        }
        test_env_advance_ms(te, 10);
    }
    if (rc == LK_OK) {
        /* A lone client can never find the lock taken: LOCKED would mean it waits on its own token.
         */
        if (out != LK_ACQUIRED && out != LK_ALREADY_MINE)
            fail_msg("acquire (fault %s at call %lld): outcome %s", k->name, (long long)n, lk_outcome_label(out));
        assert_int_equal(lk_mutex_fence(m), 1);
        res->held = 1;
        rc = lk_mutex_extend(m, CYCLE_TTL_MS, &out);
        expect_rc(rc, k->rc, "extend", k, n);
        if (rc == LK_OK)
            assert_int_equal(out, LK_EXTENDED); /* no time passed the TTL: never lost */
        else
            assert_int_equal(lk_mutex_fence(m), 1); /* an extend error keeps the hold */
        res->extended = rc == LK_OK;
        test_env_advance_ms(te, 10);
    }
    if (m->held || m->maybe_held) {
        res->release_ran = 1;
        rc = lk_mutex_release(m, &out);
        expect_rc(rc, k->rc, "release", k, n);
        if (rc == LK_OK && out != LK_RELEASED && out != LK_ABSENT)
            fail_msg("release (fault %s at call %lld): outcome %s", k->name, (long long)n, lk_outcome_label(out));
        res->released_ok = rc == LK_OK;
        assert_int_equal(lk_mutex_fence(m), 0);
        assert_false(lk_mutex_holds(m));
    }
}

/* The state a cycle may leave: the key absent or holding this mutex's token; at most one grant ever
 * made. */
static void check_store_after(test_env *te, const lk_mutex *m, const cycle_result *res, const fault_kind *k,
                              int64_t n) {
    char value[LK_VALUE_MAX];
    if (test_env_store_get(te, KEY, value) && !sim_store_value_has_token(value, m->token))
        fail_msg("fault %s at call %lld: key holds '%s', not this mutex's token %s", k->name, (long long)n, value,
                 m->token);
    char fence[LK_VALUE_MAX];
    if (test_env_store_get(te, FENCE_KEY, fence) && strcmp(fence, "1") != 0)
        fail_msg("fault %s at call %lld: fence counter %s, a second grant", k->name, (long long)n, fence);
    if (res->released_ok) assert_false(test_env_store_get(te, KEY, NULL));
}

/* The sweep: for N = 1, 2, ... fail call N (and later ones if 'persistent') until a cycle completes
 * before N. */
static void fault_sweep(const fault_kind *k, int persistent) {
    int64_t n = 1;
    for (; n <= RUNS_MAX; n++) {
        test_env te;
        test_env_init(&te, 1000 + (uint64_t)n);
        lk_mutex m;
        lk_mutex_opts opts = {.ttl_ms = CYCLE_TTL_MS, .drift_margin_ms = -1};
        assert_int_equal(lk_mutex_init(&m, &te.env, KEY, &opts), LK_OK);
        test_env_store_fault(&te, n, k->rc, k->apply, persistent);
        cycle_result res;
        fault_cycle(&te, &m, k, n, &res);
        check_store_after(&te, &m, &res, k, n);
        assert_true(te.store_call_count <= 2 + 2 * (1 + LK_RELEASE_RETRIES_MAX));
        int injected = te.fault.injected;
        if (!injected) {
            /* The run finished before call N: the clean cycle, op for op. */
            assert_true(res.held && res.extended && res.released_ok);
            assert_int_equal(te.store_call_count, 3);
            assert_int_equal(te.calls[0].kind, LK_OP_ACQUIRE);
            assert_int_equal(te.calls[1].kind, LK_OP_EXTEND);
            assert_int_equal(te.calls[2].kind, LK_OP_RELEASE);
        }
        lk_mutex_fini(&m);
        test_env_fini(&te);
        if (!injected) break;
    }
    assert_true(n <= RUNS_MAX);
    assert_int_equal(n, 4); /* each of the clean cycle's three calls was failed once */
}

static void test_lk_mutex_fault_cycle_transient(void **state) {
    (void)state;
    for (int i = 0; i < FAULT_KIND_COUNT; i++)
        fault_sweep(&FAULT_KINDS[i], 0);
}

static void test_lk_mutex_fault_cycle_persistent(void **state) {
    (void)state;
    for (int i = 0; i < FAULT_KIND_COUNT; i++)
        fault_sweep(&FAULT_KINDS[i], 1);
}

/* A transient fault is recovered inside the cycle: the lock is released in the end whatever the kind
 * and the call. Spelled out per kind and call, so a regression names its case. */
static void test_lk_mutex_fault_cycle_transient_outcomes(void **state) {
    (void)state;
    for (int i = 0; i < FAULT_KIND_COUNT; i++) {
        const fault_kind *k = &FAULT_KINDS[i];
        for (int64_t n = 1; n <= 3; n++) {
            test_env te;
            test_env_init(&te, 2000 + (uint64_t)n);
            lk_mutex m;
            lk_mutex_opts opts = {.ttl_ms = CYCLE_TTL_MS};
            assert_int_equal(lk_mutex_init(&m, &te.env, KEY, &opts), LK_OK);
            test_env_store_fault(&te, n, k->rc, k->apply, 0);
            cycle_result res;
            fault_cycle(&te, &m, k, n, &res);
            assert_int_equal(te.fault.injected, 1);
            assert_true(res.held); /* the acquire retry always wins the lone lock */
            assert_true(res.release_ran);
            /* Release and extend retry a maybe-applied timeout and a connection error themselves (both
             * compare the token, so a repeat is safe): one transient fault never leaves the key behind. */
            assert_true(res.extended);
            assert_true(res.released_ok);
            assert_int_equal(test_env_store_get(&te, KEY, NULL), 0);
            lk_mutex_fini(&m);
            test_env_fini(&te);
        }
    }
}

/* ---- blocking acquire ------------------------------------------------------------------------ */

static void test_lk_mutex_fault_acquire_retries_until_deadline(void **state) {
    (void)state;
    for (int i = 0; i < FAULT_KIND_COUNT; i++) {
        const fault_kind *k = &FAULT_KINDS[i];
        test_env te;
        test_env_init(&te, 3000 + (uint64_t)i);
        lk_mutex m;
        lk_mutex_opts opts = {.ttl_ms = CYCLE_TTL_MS};
        assert_int_equal(lk_mutex_init(&m, &te.env, KEY, &opts), LK_OK);
        test_env_store_fault(&te, 1, k->rc, k->apply, 1);
        lk_mono_ns deadline = te.mono_ns + 500 * TEST_NS_PER_MS;
        lk_outcome out = LK_ACQUIRED;
        assert_int_equal(lk_mutex_acquire(&m, deadline, &out), LK_ETIMEDOUT);
        assert_int_equal(out, LK_NONE);
        int acquires = test_env_store_calls_of(&te, LK_OP_ACQUIRE);
        int releases = test_env_store_calls_of(&te, LK_OP_RELEASE);
        assert_true(acquires >= 5); /* it kept trying */
        assert_int_equal(te.fault.injected, te.store_call_count);
        /* at the deadline, a try that may have taken the key is given back (compare-and-delete, which fails
         * here too); nothing else is sent */
        assert_int_equal(acquires + releases, te.store_call_count);
        assert_int_equal(releases > 0, k->rc != LK_ESTORE_DOWN); /* a timeout leaves it maybe-held */
        int last_acquire = -1;
        for (int c = 0; c < te.store_call_count; c++)
            if (te.calls[c].kind == LK_OP_ACQUIRE) last_acquire = c;
        assert_int_equal(te.calls[last_acquire].mono_ns, deadline);
        assert_int_equal(te.mono_ns, deadline);
        assert_int_equal(lk_metric_total(&te.metrics, LK_METRIC_ATTEMPT_ERROR), acquires);
        assert_int_equal(lk_metric_total(&te.metrics, LK_METRIC_ACQUIRE_TIMEOUT), 1);
        assert_non_null(strstr(lk_mutex_errmsg(&m), lk_rc_name(k->rc)));
        /* Every retry after a maybe-applied timeout carried the same token: one grant at most. */
        char fence[LK_VALUE_MAX];
        if (k->apply) {
            assert_true(test_env_store_get(&te, FENCE_KEY, fence));
            assert_string_equal(fence, "1");
            assert_true(m.maybe_held);
        } else {
            assert_false(test_env_store_get(&te, FENCE_KEY, NULL));
        }
        /* The store comes back: the caller can clean up or finish. */
        test_env_store_fault(&te, 0, LK_OK, 0, 0);
        if (m.maybe_held) {
            lk_outcome rel = LK_NONE;
            assert_int_equal(lk_mutex_release(&m, &rel), LK_OK);
            /* the give-back at the deadline was applied too (its reply was lost): the key is already gone */
            assert_int_equal(rel, LK_ABSENT);
        }
        assert_false(test_env_store_get(&te, KEY, NULL));
        lk_mutex_fini(&m);
        test_env_fini(&te);
    }
}

/* A holder's lock expires while 'b' waits; whichever of b's calls fails, b gets the lock once it is
 * free, with the next fence number and without waiting on its own token. */
static void test_lk_mutex_fault_acquire_sweep(void **state) {
    (void)state;
    for (int i = 0; i < FAULT_KIND_COUNT; i++) {
        const fault_kind *k = &FAULT_KINDS[i];
        int64_t n = 1;
        for (; n <= RUNS_MAX; n++) {
            test_env te;
            test_env_init(&te, 4000 + (uint64_t)n);
            lk_mutex a, b;
            lk_mutex_opts opts = {.ttl_ms = 100, .backoff_base_ms = 5, .backoff_cap_ms = 20};
            assert_int_equal(lk_mutex_init(&a, &te.env, KEY, &opts), LK_OK);
            assert_int_equal(lk_mutex_init(&b, &te.env, KEY, &opts), LK_OK);
            lk_outcome out = LK_NONE;
            assert_int_equal(lk_mutex_try_acquire(&a, &out), LK_OK);
            lk_mono_ns t0 = te.mono_ns;
            test_env_store_fault(&te, 1 + n, k->rc, k->apply, 0); /* b's call n */
            assert_int_equal(lk_mutex_acquire(&b, t0 + 1000 * TEST_NS_PER_MS, &out), LK_OK);
            if (out != LK_ACQUIRED && out != LK_ALREADY_MINE)
                fail_msg("fault %s at b's call %lld: %s", k->name, (long long)n, lk_outcome_label(out));
            assert_int_equal(lk_mutex_fence(&b), 2);
            char value[LK_VALUE_MAX];
            assert_true(test_env_store_get(&te, KEY, value));
            assert_true(sim_store_value_has_token(value, b.token));
            assert_true(test_env_store_get(&te, FENCE_KEY, value));
            assert_string_equal(value, "2");
            /* Free at t0 + 101 ms; at most one failed try and one capped backoff later. */
            assert_true(te.mono_ns <= t0 + 141 * TEST_NS_PER_MS);
            int injected = te.fault.injected;
            lk_mutex_fini(&a);
            lk_mutex_fini(&b);
            test_env_fini(&te);
            if (!injected) break;
        }
        assert_true(n > 3 && n <= RUNS_MAX);
    }
}

/* ---- protocol errors ------------------------------------------------------------------------- */

/*
 * BUG (core/lk_mutex.c, mutex_attempt): lk_rc.h defines LK_ESTORE_PROTO as "unexpected reply, the
 * command's effect is unknown", yet only LK_ESTORE_MAYBE sets 'maybe_held'. After an acquire whose
 * script ran but whose reply was garbled, the retry draws a fresh token and finds the lock LOCKED
 * by its own previous token: the client waits out its own TTL, and the orphaned lock cannot be
 * released (release says LK_EMISUSE). The same holds for the "unexpected outcome" branch. This test
 * fails until a protocol error on acquire keeps the token (maybe-held).
 */
static void test_lk_mutex_fault_proto_error_keeps_token(void **state) {
    (void)state;
    test_env te;
    test_env_init(&te, 5000);
    lk_mutex m;
    lk_mutex_opts opts = {.ttl_ms = CYCLE_TTL_MS};
    assert_int_equal(lk_mutex_init(&m, &te.env, KEY, &opts), LK_OK);
    test_env_store_fault(&te, 1, LK_ESTORE_PROTO, 1, 0);
    lk_outcome out = LK_NONE;
    assert_int_equal(lk_mutex_try_acquire(&m, &out), LK_ESTORE_PROTO);
    char first[LK_TOKEN_HEX];
    memcpy(first, m.token, sizeof(first));
    lk_outcome retry_out = LK_NONE;
    lk_rc rc = lk_mutex_try_acquire(&m, &retry_out);
    int same_token = strcmp(m.token, first) == 0;
    if (m.held || m.maybe_held) assert_int_equal(lk_mutex_release(&m, &out), LK_OK);
    /* Our first token's lock, which nobody can release now. */
    int orphaned = test_env_store_get(&te, KEY, NULL);
    lk_mutex_fini(&m);
    test_env_fini(&te);
    /* Asserted after cleanup, so the expected failure leaks nothing. */
    assert_int_equal(rc, LK_OK);
    assert_true(same_token);
    assert_string_equal(lk_outcome_label(retry_out), lk_outcome_label(LK_ALREADY_MINE));
    assert_false(orphaned);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lk_mutex_fault_cycle_transient),
        cmocka_unit_test(test_lk_mutex_fault_cycle_persistent),
        cmocka_unit_test(test_lk_mutex_fault_cycle_transient_outcomes),
        cmocka_unit_test(test_lk_mutex_fault_acquire_retries_until_deadline),
        cmocka_unit_test(test_lk_mutex_fault_acquire_sweep),
        cmocka_unit_test(test_lk_mutex_fault_proto_error_keeps_token),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
