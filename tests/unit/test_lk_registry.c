/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_lk_registry.c: proves that the singleton registry (core/lk_registry.c) keeps its contract on
 * test_env.h's single-threaded env. A counting constructor loads each object's state with a store
 * GET and allocates it through the env; the tests check that each key gets exactly one object
 * however often it is asked for, that different keys get different objects, that the constructor
 * (and its GET, per the store call log) runs with the registry mutex held, that the miss yields
 * once with label "registry" under that mutex, that a full registry says LK_ELIMIT and a failing
 * constructor inserts nothing, and, by failing the Nth allocation for N = 1, 2, ... until a run
 * needs fewer than N, that every out-of-memory path returns LK_ENOMEM and leaks nothing.
 */
#include "test_env.h"

#include "core/lk_registry.h"

enum { SWEEP_RUNS_MAX = 64 }; /* bound on the allocation sweep */

/* What the constructor counts. Guarded by: the single test thread. */
typedef struct ctor_ctx {
    test_env *te;    /* to read the mutex state during the call */
    int calls;       /* constructor invocations */
    int built;       /* objects returned */
    int freed;       /* objects destroyed by the dtor */
    int held_during; /* invocations made with a test mutex held */
    lk_rc fail_rc;   /* if not LK_OK, the next invocation returns it after its GET */
} ctor_ctx;

/* One registry object: the state loaded for its key. */
typedef struct reg_obj {
    ctor_ctx *ctx;             /* for the dtor's count */
    int serial;                /* ctor_ctx.built when it was made */
    int found;                 /* 1 if the GET found the key */
    char key[LK_KEY_MAX];      /* the key it was built for */
    char loaded[LK_VALUE_MAX]; /* the value the GET returned */
} reg_obj;

static lk_rc reg_ctor(const lk_env *env, const char *key, void *arg, void **out) {
    ctor_ctx *c = arg;
    c->calls++;
    if (c->te->mutexes_held > 0) c->held_during++;
    lk_store_op op = {.kind = LK_OP_GET, .key = key};
    lk_store_reply reply;
    lk_rc rc = lk_env_store_exec(env, &op, &reply);
    if (rc != LK_OK) return rc;
    if (c->fail_rc != LK_OK) {
        rc = c->fail_rc;
        c->fail_rc = LK_OK;
        return rc;
    }
    reg_obj *o = lk_env_alloc(env, sizeof(*o));
    if (o == NULL) return LK_ENOMEM;
    o->ctx = c;
    o->serial = ++c->built;
    o->found = reply.outcome == LK_FOUND;
    snprintf(o->key, sizeof(o->key), "%s", key);
    snprintf(o->loaded, sizeof(o->loaded), "%s", reply.value);
    *out = o;
    return LK_OK;
}

static void reg_dtor(const lk_env *env, void *obj) {
    reg_obj *o = obj;
    o->ctx->freed++;
    lk_env_free(env, o);
}

/* lk_registry_get that must succeed; returns the object. */
static reg_obj *get_ok(lk_registry *r, ctor_ctx *c, const char *key, int want_created) {
    void *out = NULL;
    int created = -1;
    assert_int_equal(lk_registry_get(r, key, reg_ctor, c, &out, &created), LK_OK);
    assert_non_null(out);
    assert_int_equal(created, want_created);
    assert_string_equal(((reg_obj *)out)->key, key);
    return out;
}

static void test_lk_registry_one_instance_per_key(void **state) {
    (void)state;
    test_env te;
    test_env_init(&te, 1);
    ctor_ctx c = {.te = &te};
    lk_registry r;
    assert_int_equal(lk_registry_init(&r, &te.env, 4, reg_dtor), LK_OK);
    reg_obj *first = get_ok(&r, &c, "user:1", 1);
    for (int i = 0; i < 5; i++)
        assert_ptr_equal(get_ok(&r, &c, "user:1", 0), first);
    void *out = NULL;
    assert_int_equal(lk_registry_get(&r, "user:1", reg_ctor, &c, &out, NULL), LK_OK); /* 'created' may be NULL */
    assert_ptr_equal(out, first);
    assert_int_equal(c.calls, 1);
    assert_int_equal(first->serial, 1);
    assert_int_equal(r.count, 1);
    assert_int_equal(lk_metric_total(&te.metrics, LK_METRIC_REGISTRY_CREATED), 1);
    assert_int_equal(test_env_store_calls_of(&te, LK_OP_GET), 1); /* state loaded once */
    lk_registry_fini(&r);
    assert_int_equal(c.freed, 1);
    test_env_fini(&te);
}

static void test_lk_registry_different_keys_different_objects(void **state) {
    (void)state;
    test_env te;
    test_env_init(&te, 2);
    ctor_ctx c = {.te = &te};
    lk_registry r;
    assert_int_equal(lk_registry_init(&r, &te.env, 3, reg_dtor), LK_OK);
    const char *keys[] = {"a", "b", "ab"};
    reg_obj *objs[3];
    for (int i = 0; i < 3; i++) {
        objs[i] = get_ok(&r, &c, keys[i], 1);
        for (int j = 0; j < i; j++)
            assert_ptr_not_equal(objs[i], objs[j]);
    }
    for (int i = 2; i >= 0; i--)
        assert_ptr_equal(get_ok(&r, &c, keys[i], 0), objs[i]);
    assert_int_equal(c.calls, 3);
    assert_int_equal(lk_metric_total(&te.metrics, LK_METRIC_REGISTRY_CREATED), 3);
    lk_registry_fini(&r);
    assert_int_equal(c.freed, 3);
    test_env_fini(&te);
}

static void test_lk_registry_ctor_runs_under_mutex(void **state) {
    (void)state;
    test_env te;
    test_env_init(&te, 3);
    test_env_store_set(&te, "cfg:1", "v1", 0);
    ctor_ctx c = {.te = &te};
    lk_registry r;
    assert_int_equal(lk_registry_init(&r, &te.env, 2, reg_dtor), LK_OK);
    assert_int_equal(te.mutexes_held, 0);
    reg_obj *o = get_ok(&r, &c, "cfg:1", 1);
    assert_true(o->found);
    assert_string_equal(o->loaded, "v1");
    assert_int_equal(c.held_during, 1);
    assert_int_equal(te.store_call_count, 1);
    assert_int_equal(te.calls[0].kind, LK_OP_GET);
    assert_int_equal(te.calls[0].mutexes_held, 1); /* the store GET ran inside the critical section */
    assert_int_equal(te.mutexes_held, 0);          /* and the mutex was released after */
    reg_obj *o2 = get_ok(&r, &c, "cfg:2", 1);
    assert_false(o2->found);
    assert_string_equal(o2->loaded, "");
    assert_int_equal(te.calls[1].mutexes_held, 1);
    assert_int_equal(c.held_during, 2);
    lk_registry_fini(&r);
    test_env_fini(&te);
}

static void test_lk_registry_yield_at_miss(void **state) {
    (void)state;
    test_env te;
    test_env_init(&te, 4);
    ctor_ctx c = {.te = &te};
    lk_registry r;
    assert_int_equal(lk_registry_init(&r, &te.env, 4, reg_dtor), LK_OK);
    assert_int_equal(test_env_yield_count(&te, "registry"), 0);
    get_ok(&r, &c, "x", 1);
    assert_int_equal(test_env_yield_count(&te, "registry"), 1);
    get_ok(&r, &c, "x", 0); /* a hit does not yield */
    get_ok(&r, &c, "x", 0);
    assert_int_equal(test_env_yield_count(&te, "registry"), 1);
    get_ok(&r, &c, "y", 1);
    assert_int_equal(test_env_yield_count(&te, "registry"), 2);
    assert_int_equal(test_env_yield_held_count(&te, "registry"), 2); /* both under the registry mutex */
    assert_int_equal(te.label_count, 1);
    lk_registry_fini(&r);
    test_env_fini(&te);
}

static void test_lk_registry_full_is_elimit(void **state) {
    (void)state;
    test_env te;
    test_env_init(&te, 5);
    ctor_ctx c = {.te = &te};
    lk_registry r;
    assert_int_equal(lk_registry_init(&r, &te.env, 2, reg_dtor), LK_OK);
    reg_obj *a = get_ok(&r, &c, "a", 1);
    get_ok(&r, &c, "b", 1);
    void *out = &c;
    int created = -1;
    assert_int_equal(lk_registry_get(&r, "c", reg_ctor, &c, &out, &created), LK_ELIMIT);
    assert_null(out);
    assert_int_equal(created, 0);
    assert_int_equal(c.calls, 2); /* nothing was built for the key that did not fit */
    assert_int_equal(r.count, 2);
    assert_non_null(strstr(r.errmsg, "full"));
    assert_int_equal(te.mutexes_held, 0);
    assert_ptr_equal(get_ok(&r, &c, "a", 0), a); /* existing keys still answer */
    assert_int_equal(lk_metric_total(&te.metrics, LK_METRIC_REGISTRY_CREATED), 2);
    lk_registry_fini(&r);
    assert_int_equal(c.freed, 2);
    test_env_fini(&te);
}

static void test_lk_registry_ctor_error_inserts_nothing(void **state) {
    (void)state;
    test_env te;
    test_env_init(&te, 6);
    ctor_ctx c = {.te = &te, .fail_rc = LK_EINVAL};
    lk_registry r;
    assert_int_equal(lk_registry_init(&r, &te.env, 2, reg_dtor), LK_OK);
    void *out = &c;
    int created = -1;
    assert_int_equal(lk_registry_get(&r, "k", reg_ctor, &c, &out, &created), LK_EINVAL);
    assert_null(out);
    assert_int_equal(created, 0);
    assert_int_equal(r.count, 0);
    assert_non_null(strstr(r.errmsg, "k"));
    assert_int_equal(te.mutexes_held, 0);

    /* A store error inside the constructor (its GET) is returned the same way. */
    test_env_store_fault(&te, te.store_call_count + 1, LK_ESTORE_DOWN, 0, 0);
    assert_int_equal(lk_registry_get(&r, "k", reg_ctor, &c, &out, &created), LK_ESTORE_DOWN);
    assert_null(out);
    assert_int_equal(r.count, 0);
    assert_int_equal(lk_metric_total(&te.metrics, LK_METRIC_REGISTRY_CREATED), 0);

    /* The next get builds it: the failures left no entry behind, neither a half-built one. */
    reg_obj *o = get_ok(&r, &c, "k", 1);
    assert_int_equal(c.calls, 3);
    assert_int_equal(c.built, 1);
    assert_ptr_equal(get_ok(&r, &c, "k", 0), o);
    assert_int_equal(r.count, 1);
    lk_registry_fini(&r);
    assert_int_equal(c.freed, 1);
    test_env_fini(&te);
}

static void test_lk_registry_init_and_key_errors(void **state) {
    (void)state;
    test_env te;
    test_env_init(&te, 7);
    ctor_ctx c = {.te = &te};
    lk_registry r;
    assert_int_equal(lk_registry_init(&r, &te.env, 0, reg_dtor), LK_EINVAL);
    void *out = &c;
    assert_int_equal(lk_registry_get(&r, "a", reg_ctor, &c, &out, NULL), LK_EMISUSE);
    assert_null(out);
    lk_registry_fini(&r); /* a registry whose init failed */
    lk_env bad = te.env;
    bad.sync.mutex_lock = NULL;
    assert_int_equal(lk_registry_init(&r, &bad, 4, reg_dtor), LK_EMISUSE);
    assert_non_null(strstr(r.errmsg, "sync.mutex_lock"));
    lk_registry_fini(&r);
    lk_registry_fini(NULL);
    assert_int_equal(te.alloc_live, 0);

    assert_int_equal(lk_registry_init(&r, &te.env, 1, NULL), LK_OK); /* no dtor: objects are the caller's */
    char key[LK_KEY_MAX + 1];
    memset(key, 'k', sizeof(key));
    key[LK_KEY_MAX] = '\0';
    assert_int_equal(lk_registry_get(&r, key, reg_ctor, &c, &out, NULL), LK_EINVAL);
    key[LK_KEY_MAX - 1] = '\0'; /* the longest key fits */
    reg_obj *o = get_ok(&r, &c, key, 1);
    assert_int_equal(c.calls, 1);
    lk_registry_fini(&r);
    assert_int_equal(c.freed, 0);
    lk_env_free(&te.env, o);
    test_env_fini(&te);
}

/* One run of the sweep: init + three gets (two keys, one repeated) + fini with allocation 'n'
 * failing. Returns the number of allocations failed and writes how many allocations the run
 * attempted. */
static int64_t alloc_sweep_run(int64_t n, int64_t *allocs) {
    test_env te;
    test_env_init(&te, 100 + (uint64_t)n);
    te.alloc_fail_at = n;
    ctor_ctx c = {.te = &te};
    lk_registry r;
    lk_rc rc = lk_registry_init(&r, &te.env, 4, reg_dtor);
    if (rc != LK_OK) {
        assert_int_equal(rc, LK_ENOMEM);
        assert_null(r.entries);
        assert_int_equal(te.alloc_live, 0); /* nothing allocated is left behind */
    } else {
        const char *keys[] = {"a", "b", "a"};
        void *got[3] = {NULL, NULL, NULL};
        for (int i = 0; i < 3; i++) {
            int created = -1;
            rc = lk_registry_get(&r, keys[i], reg_ctor, &c, &got[i], &created);
            if (rc != LK_OK) {
                assert_int_equal(rc, LK_ENOMEM);
                assert_null(got[i]);
                assert_int_equal(created, 0);
            }
        }
        if (got[0] != NULL) assert_ptr_equal(got[2], got[0]); /* one instance even around a failure */
        assert_int_equal(r.count, c.built);
        assert_int_equal(te.mutexes_held, 0);
    }
    lk_registry_fini(&r);
    assert_int_equal(c.freed, c.built);
    int64_t failed = te.alloc_failed;
    *allocs = te.alloc_count;
    test_env_fini(&te); /* asserts no live allocation */
    return failed;
}

static void test_lk_registry_alloc_failure_sweep(void **state) {
    (void)state;
    int64_t n = 1, allocs = 0;
    for (; n <= SWEEP_RUNS_MAX; n++) {
        int64_t failed = alloc_sweep_run(n, &allocs);
        if (failed == 0) break;
        assert_int_equal(failed, 1);
    }
    assert_true(n <= SWEEP_RUNS_MAX);
    /* The clean run made n - 1 allocations (mutex, entries, "a", "b"), and each was failed once. */
    assert_int_equal(allocs, n - 1);
    assert_true(allocs >= 4);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lk_registry_one_instance_per_key),
        cmocka_unit_test(test_lk_registry_different_keys_different_objects),
        cmocka_unit_test(test_lk_registry_ctor_runs_under_mutex),
        cmocka_unit_test(test_lk_registry_yield_at_miss),
        cmocka_unit_test(test_lk_registry_full_is_elimit),
        cmocka_unit_test(test_lk_registry_ctor_error_inserts_nothing),
        cmocka_unit_test(test_lk_registry_init_and_key_errors),
        cmocka_unit_test(test_lk_registry_alloc_failure_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
