/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lk_posix_env.c: the real adapters (contract in lk_posix_env.h).
 *
 * Never: read the wall clock for a deadline; deadlines and lease validity use CLOCK_MONOTONIC only.
 */
#define _GNU_SOURCE
#include "core/lk_posix_env.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* The latest reading is loaded BEFORE the clock is read: any reading published by then happened before ours, so
 * ours can never be smaller (asserted), whatever other threads do meanwhile. */
static lk_mono_ns posix_mono_ns(void *ctx) {
    lk_posix_env *pe = ctx;
    int64_t last = __atomic_load_n(&pe->last_mono_ns, __ATOMIC_ACQUIRE);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    assert(now >= last);
    while (now > last &&
           !__atomic_compare_exchange_n(&pe->last_mono_ns, &last, now, 1, __ATOMIC_RELEASE, __ATOMIC_ACQUIRE)) {
    }
    return now;
}

static lk_wall_ms posix_wall_ms(void *ctx) {
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static lk_rc posix_sleep_ns(void *ctx, int64_t ns) {
    (void)ctx;
    struct timespec ts = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
    return LK_OK;
}

static lk_rc posix_entropy(void *ctx, void *buf, size_t len) {
    (void)ctx;
    unsigned char *p = buf;
    for (int tries = 0; len > 0 && tries < 64; tries++) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return LK_EENTROPY;
        p += n;
        len -= (size_t)n;
    }
    return len == 0 ? LK_OK : LK_EENTROPY;
}

/* A pthread mutex plus its owner, so held() can answer for asserts. */
typedef struct posix_mutex {
    pthread_mutex_t mu;
    pthread_t owner; /* valid while locked */
    int locked;      /* 1 while some thread holds mu */
} posix_mutex;

static lk_rc posix_mutex_new(void *ctx, const char *name, void **out) {
    (void)ctx;
    (void)name;
    posix_mutex *m = calloc(1, sizeof(*m));
    if (m == NULL) return LK_ENOMEM;
    pthread_mutex_init(&m->mu, NULL);
    *out = m;
    return LK_OK;
}
static void posix_mutex_free(void *ctx, void *mu) {
    (void)ctx;
    if (mu == NULL) return;
    pthread_mutex_destroy(&((posix_mutex *)mu)->mu);
    free(mu);
}
static lk_rc posix_mutex_lock(void *ctx, void *mu) {
    (void)ctx;
    posix_mutex *m = mu;
    pthread_mutex_lock(&m->mu);
    m->owner = pthread_self();
    __atomic_store_n(&m->locked, 1, __ATOMIC_RELAXED);
    return LK_OK;
}
static void posix_mutex_unlock(void *ctx, void *mu) {
    (void)ctx;
    posix_mutex *m = mu;
    __atomic_store_n(&m->locked, 0, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&m->mu);
}
static int posix_mutex_held(void *ctx, void *mu) {
    (void)ctx;
    posix_mutex *m = mu;
    return __atomic_load_n(&m->locked, __ATOMIC_RELAXED) && pthread_equal(m->owner, pthread_self());
}
static lk_rc posix_once(void *ctx, int *flag, void (*fn)(void *), void *arg) {
    lk_posix_env *pe = ctx;
    if (__atomic_load_n(flag, __ATOMIC_ACQUIRE)) return LK_OK;
    pthread_mutex_lock(&pe->once_mu);
    if (!*flag) {
        fn(arg);
        __atomic_store_n(flag, 1, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&pe->once_mu);
    return LK_OK;
}

/* A wake: a flag under a mutex, and a condition on the monotonic clock that a wait sleeps on. */
typedef struct posix_wake_obj {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int woken; /* a wake not yet used by a wait */
} posix_wake_obj;

static lk_rc posix_wake_new(void *ctx, const char *name, void **out) {
    (void)ctx;
    (void)name;
    posix_wake_obj *w = calloc(1, sizeof(*w));
    if (w == NULL) return LK_ENOMEM;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC); /* a wall clock step must not stretch or cut a wait */
    pthread_cond_init(&w->cv, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&w->mu, NULL);
    *out = w;
    return LK_OK;
}
static void posix_wake_free(void *ctx, void *p) {
    (void)ctx;
    posix_wake_obj *w = p;
    if (w == NULL) return;
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}
static lk_rc posix_wait(void *ctx, void *p, int64_t timeout_ns) {
    (void)ctx;
    posix_wake_obj *w = p;
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    int64_t ns = (int64_t)until.tv_nsec + timeout_ns % 1000000000;
    until.tv_sec += (time_t)(timeout_ns / 1000000000 + ns / 1000000000);
    until.tv_nsec = (long)(ns % 1000000000);
    pthread_mutex_lock(&w->mu);
    int rc = 0;
    while (!w->woken && rc != ETIMEDOUT) /* spurious wake-ups loop */
        rc = pthread_cond_timedwait(&w->cv, &w->mu, &until);
    int woken = w->woken;
    w->woken = 0;
    pthread_mutex_unlock(&w->mu);
    return woken ? LK_OK : LK_ETIMEDOUT;
}
static void posix_wake(void *ctx, void *p) {
    (void)ctx;
    posix_wake_obj *w = p;
    pthread_mutex_lock(&w->mu);
    w->woken = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static void *posix_alloc(void *ctx, size_t size) {
    (void)ctx;
    return calloc(1, size);
}
static void posix_free(void *ctx, void *p) {
    (void)ctx;
    free(p);
}

/* A started pthread and what it runs. */
typedef struct posix_task {
    pthread_t thread;
    void (*fn)(void *);
    void *arg;
} posix_task;

static void *posix_task_main(void *p) {
    posix_task *t = p;
    t->fn(t->arg);
    return NULL;
}
static lk_rc posix_task_start(void *ctx, const char *name, void (*fn)(void *), void *arg, void **out) {
    (void)ctx;
    (void)name;
    posix_task *t = calloc(1, sizeof(*t));
    if (t == NULL) return LK_ENOMEM;
    t->fn = fn;
    t->arg = arg;
    if (pthread_create(&t->thread, NULL, posix_task_main, t) != 0) {
        free(t);
        return LK_ETASK;
    }
    *out = t;
    return LK_OK;
}
static lk_rc posix_task_join(void *ctx, void *task) {
    (void)ctx;
    posix_task *t = task;
    pthread_join(t->thread, NULL);
    free(t);
    return LK_OK;
}

static void posix_yield(void *ctx, const char *label) {
    (void)ctx;
    (void)label;
}

static void posix_metric_add(void *ctx, lk_metric metric, const char *kind, int64_t value) {
    lk_posix_env *pe = ctx;
    pthread_mutex_lock(&pe->metrics_mu);
    lk_metric_set_add(&pe->metrics, metric, kind, value);
    pthread_mutex_unlock(&pe->metrics_mu);
}

size_t lk_posix_env_metrics(lk_posix_env *pe, char *buf, size_t cap) {
    pthread_mutex_lock(&pe->metrics_mu);
    size_t n = lk_metrics_format(&pe->metrics, buf, cap);
    pthread_mutex_unlock(&pe->metrics_mu);
    return n;
}

lk_rc lk_posix_env_init(lk_posix_env *pe, lk_store store) {
    assert(pe != NULL);
    memset(pe, 0, sizeof(*pe));
    if (store.exec == NULL) return LK_EMISUSE;
    pthread_mutex_init(&pe->once_mu, NULL);
    pthread_mutex_init(&pe->metrics_mu, NULL);
    pe->env.clock = (lk_clock){pe, posix_mono_ns, posix_wall_ms, posix_sleep_ns};
    pe->env.store = store;
    pe->env.entropy = (lk_entropy){pe, posix_entropy};
    pe->env.sync =
        (lk_sync){pe,         posix_mutex_new, posix_mutex_free, posix_mutex_lock, posix_mutex_unlock, posix_mutex_held,
                  posix_once, posix_wake_new,  posix_wake_free,  posix_wait,       posix_wake};
    pe->env.alloc = (lk_alloc){pe, posix_alloc, posix_free};
    pe->env.task = (lk_task){pe, posix_task_start, posix_task_join};
    pe->env.yield = (lk_yield){pe, posix_yield};
    pe->env.metrics = (lk_metrics){pe, posix_metric_add};
    return lk_env_check(&pe->env, NULL);
}

void lk_posix_env_fini(lk_posix_env *pe) {
    if (pe == NULL) return;
    pthread_mutex_destroy(&pe->once_mu);
    pthread_mutex_destroy(&pe->metrics_mu);
}
