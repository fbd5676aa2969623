/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_lk_posix_env.c: the real environment (CLOCK_MONOTONIC, getrandom, pthreads, malloc) and the lock core on real
 * threads. The store is the model store behind a pthread mutex, applied at the real wall clock, so each op stays one
 * atomic step. Proves: the env is complete; the monotonic clock never goes back; entropy differs between calls;
 * once runs its function exactly once under contention; a task runs and joins; and 4 real threads contending for one
 * lock never overlap in the critical section, each acquire succeeding before its deadline.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/lk_mutex.h"
#include "core/lk_posix_env.h"
#include "sim/model/sim_store_model.h"

typedef struct locked_store {
    pthread_mutex_t mu;
    sim_store_model *model;
    lk_posix_env *pe; /* for the wall clock */
} locked_store;

static lk_rc locked_exec(void *ctx, const lk_store_op *op, lk_store_reply *reply) {
    locked_store *ls = ctx;
    pthread_mutex_lock(&ls->mu);
    lk_rc rc = sim_store_model_exec(ls->model, lk_env_wall_ms(&ls->pe->env), op, reply);
    pthread_mutex_unlock(&ls->mu);
    return rc;
}

typedef struct fixture {
    lk_posix_env pe;
    locked_store ls;
} fixture;

static int fixture_setup(void **state) {
    fixture *f = calloc(1, sizeof(*f));
    f->ls.model = calloc(1, sizeof(sim_store_model));
    sim_store_model_init(f->ls.model);
    pthread_mutex_init(&f->ls.mu, NULL);
    f->ls.pe = &f->pe;
    lk_store store = {&f->ls, locked_exec};
    assert_int_equal(lk_posix_env_init(&f->pe, store), LK_OK);
    *state = f;
    return 0;
}

static int fixture_teardown(void **state) {
    fixture *f = *state;
    lk_posix_env_fini(&f->pe);
    pthread_mutex_destroy(&f->ls.mu);
    free(f->ls.model);
    free(f);
    return 0;
}

static void test_lk_posix_env_complete_and_clock(void **state) {
    fixture *f = *state;
    const char *missing = "x";
    assert_int_equal(lk_env_check(&f->pe.env, &missing), LK_OK);
    assert_null(missing);
    lk_mono_ns a = lk_env_mono_ns(&f->pe.env);
    assert_int_equal(lk_env_sleep_ns(&f->pe.env, 2000000), LK_OK);
    lk_mono_ns b = lk_env_mono_ns(&f->pe.env);
    assert_true(b - a >= 2000000);
    assert_true(lk_env_wall_ms(&f->pe.env) > INT64_C(1600000000000));
    lk_store empty = {NULL, NULL};
    lk_posix_env pe2;
    assert_int_equal(lk_posix_env_init(&pe2, empty), LK_EMISUSE);
}

static void test_lk_posix_env_entropy_differs(void **state) {
    fixture *f = *state;
    unsigned char x[16], y[16];
    assert_int_equal(lk_env_entropy(&f->pe.env, x, sizeof(x)), LK_OK);
    assert_int_equal(lk_env_entropy(&f->pe.env, y, sizeof(y)), LK_OK);
    assert_memory_not_equal(x, y, sizeof(x));
}

typedef struct once_arg {
    fixture *f;
    int flag;
    int calls; /* atomic */
} once_arg;

static void once_fn(void *p) {
    once_arg *o = p;
    __atomic_fetch_add(&o->calls, 1, __ATOMIC_RELAXED);
}

static void *once_thread(void *p) {
    once_arg *o = p;
    for (int i = 0; i < 1000; i++)
        lk_env_once(&o->f->pe.env, &o->flag, once_fn, o);
    return NULL;
}

static void test_lk_posix_env_once_runs_once(void **state) {
    once_arg o = {*state, 0, 0};
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, once_thread, &o);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.flag, 1);
}

static void task_fn(void *p) {
    *(int *)p = 42;
}

static void test_lk_posix_env_task_runs_and_joins(void **state) {
    fixture *f = *state;
    int v = 0;
    void *task = NULL;
    assert_int_equal(lk_env_task_start(&f->pe.env, "t", task_fn, &v, &task), LK_OK);
    assert_non_null(task);
    assert_int_equal(lk_env_task_join(&f->pe.env, task), LK_OK);
    assert_int_equal(v, 42);
}

typedef struct wake_arg {
    fixture *f;
    void *w;
    lk_rc rc;
} wake_arg;

static void waiter_fn(void *p) {
    wake_arg *a = p;
    a->rc = lk_env_wait(&a->f->pe.env, a->w, INT64_C(600) * 1000000000); /* ten minutes: only a wake ends it */
}

/* A kept wake ends the next wait at once and is used up; a timed wait without one times out after its timeout (by
 * the monotonic clock); a wake from another thread ends a long wait (if it did not, the wait would time out). */
static void test_lk_posix_env_wake_ends_a_wait(void **state) {
    fixture *f = *state;
    const lk_env *env = &f->pe.env;
    void *w = NULL;
    assert_int_equal(lk_env_wake_new(env, "w", &w), LK_OK);
    lk_env_wake(env, w);
    assert_int_equal(lk_env_wait(env, w, INT64_C(600) * 1000000000), LK_OK);
    lk_mono_ns t0 = lk_env_mono_ns(env);
    assert_int_equal(lk_env_wait(env, w, 3000000), LK_ETIMEDOUT); /* the kept wake was used up */
    assert_true(lk_env_mono_ns(env) - t0 >= 3000000);
    assert_int_equal(lk_env_wait(env, w, 0), LK_ETIMEDOUT);
    wake_arg a = {f, w, LK_EINVAL};
    void *task = NULL;
    assert_int_equal(lk_env_task_start(env, "waiter", waiter_fn, &a, &task), LK_OK);
    lk_env_wake(env, w); /* before or after the waiter starts waiting: kept either way */
    assert_int_equal(lk_env_task_join(env, task), LK_OK);
    assert_int_equal(a.rc, LK_OK);
    lk_env_wake_free(env, w);
}

enum { CONTENDERS = 4, CYCLES = 150 };

typedef struct contend {
    fixture *f;
    int in_cs;    /* atomic: threads inside the critical section */
    int overlaps; /* atomic: times a thread found another inside */
    int acquired; /* atomic */
    int failures; /* atomic */
    int64_t fences[CONTENDERS * CYCLES];
    int fence_count; /* atomic index */
} contend;

static void *contend_thread(void *p) {
    contend *c = p;
    const lk_env *env = &c->f->pe.env;
    lk_mutex m;
    lk_mutex_opts opts = {.ttl_ms = 10000, .backoff_base_ms = 1, .backoff_cap_ms = 2};
    if (lk_mutex_init(&m, env, "lk:posix", &opts) != LK_OK) return NULL;
    for (int i = 0; i < CYCLES; i++) {
        lk_outcome out;
        if (lk_mutex_acquire(&m, lk_env_mono_ns(env) + INT64_C(20000000000), &out) != LK_OK) {
            __atomic_fetch_add(&c->failures, 1, __ATOMIC_RELAXED);
            continue;
        }
        if (__atomic_fetch_add(&c->in_cs, 1, __ATOMIC_ACQ_REL) != 0)
            __atomic_fetch_add(&c->overlaps, 1, __ATOMIC_RELAXED);
        c->fences[__atomic_fetch_add(&c->fence_count, 1, __ATOMIC_RELAXED)] = lk_mutex_fence(&m);
        __atomic_fetch_sub(&c->in_cs, 1, __ATOMIC_ACQ_REL);
        __atomic_fetch_add(&c->acquired, 1, __ATOMIC_RELAXED);
        lk_mutex_release(&m, &out);
        if (out != LK_RELEASED) __atomic_fetch_add(&c->failures, 1, __ATOMIC_RELAXED);
    }
    lk_mutex_fini(&m);
    return NULL;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void test_lk_posix_env_mutex_excludes_real_threads(void **state) {
    contend *c = calloc(1, sizeof(*c));
    c->f = *state;
    pthread_t t[CONTENDERS];
    for (int i = 0; i < CONTENDERS; i++)
        pthread_create(&t[i], NULL, contend_thread, c);
    for (int i = 0; i < CONTENDERS; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(c->overlaps, 0);
    assert_int_equal(c->failures, 0);
    assert_int_equal(c->acquired, CONTENDERS * CYCLES);
    qsort(c->fences, (size_t)c->fence_count, sizeof(int64_t), cmp_i64);
    for (int i = 1; i < c->fence_count; i++)
        assert_true(c->fences[i] > c->fences[i - 1]); /* each grant unique */
    assert_int_equal(lk_metric_total(&c->f->pe.metrics, LK_METRIC_ATTEMPT_ACQUIRED), CONTENDERS * CYCLES);
    free(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lk_posix_env_complete_and_clock, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_lk_posix_env_entropy_differs, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_lk_posix_env_once_runs_once, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_lk_posix_env_task_runs_and_joins, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_lk_posix_env_wake_ends_a_wait, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_lk_posix_env_mutex_excludes_real_threads, fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
