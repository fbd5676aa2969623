/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_rwlock_redis.c: the reader-writer lock's scripts (core/lk_rwlock.c) on a real redis-server 7.0, through
 * lk_redis_store and lk_posix_env, on the real clock: readers share it; a writer waits on readers and, while it
 * waits, new readers are refused (writer preference); a writer's fencing number grows and a later reader carries
 * it as its epoch; extend and release compare the token; a reader that stops extending loses its lease after its
 * TTL and no longer holds the writer off. TTLs are real: a 150 ms lease is waited out with a 400 ms sleep. Without
 * redis-server the tests skip unless it is required (sim/real/sim_redis_server.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/lk_posix_env.h"
#include "core/lk_redis_store.h"
#include "core/lk_rwlock.h"
#include "tests/redis/redis_test_server.h"

/* One client: its own connection and env, and one lock handle on "rw:{t}:doc". */
typedef struct rw_client {
    lk_redis_store *store;
    lk_posix_env pe;
    lk_rwlock rw;
} rw_client;

static void client_open(rw_client *c, redis_test_server *f, int64_t ttl_ms) {
    memset(c, 0, sizeof(*c));
    char err[256];
    if (lk_redis_store_open(f->redis.url, NULL, &c->store, err, sizeof(err)) != LK_OK) fail_msg("open: %s", err);
    assert_int_equal(lk_posix_env_init(&c->pe, lk_redis_store_iface(c->store)), LK_OK);
    lk_rwlock_opts o = {.ttl_ms = ttl_ms, .kind = "memory"};
    assert_int_equal(lk_rwlock_init(&c->rw, &c->pe.env, "rw:{t}:doc", &o), LK_OK);
}

static void client_close(rw_client *c) {
    lk_rwlock_fini(&c->rw);
    lk_posix_env_fini(&c->pe);
    lk_redis_store_close(c->store);
}

static void try_expect(rw_client *c, lk_rw_mode mode, lk_outcome want) {
    lk_outcome out = LK_NONE;
    lk_rc rc = lk_rwlock_try_acquire(&c->rw, mode, &out);
    if (rc != LK_OK) fail_msg("try_acquire: %s: %s", lk_rc_name(rc), lk_rwlock_errmsg(&c->rw));
    if (out != want)
        fail_msg("try_acquire %s: got %s, want %s", mode == LK_RW_READ ? "read" : "write", lk_outcome_label(out),
                 lk_outcome_label(want));
}

static void release_expect(rw_client *c, lk_outcome want) {
    lk_outcome out = LK_NONE;
    assert_int_equal(lk_rwlock_release(&c->rw, &out), LK_OK);
    assert_int_equal(out, want);
}

static void sleep_ms(int64_t ms) {
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* A writer's blocking acquire on its own thread (2 s deadline). */
static void *writer_main(void *arg) {
    rw_client *w = arg;
    lk_outcome out;
    lk_rc rc = lk_rwlock_acquire(&w->rw, LK_RW_WRITE, lk_env_mono_ns(&w->pe.env) + INT64_C(2000000000), &out);
    return (void *)(intptr_t)(rc == LK_OK && out == LK_ACQUIRED);
}

static void test_rwlock_redis_modes(void **state) {
    redis_test_server *f = redis_test_server_ready(state);
    rw_client a, b, w, late;
    client_open(&a, f, 10000);
    client_open(&b, f, 10000);
    client_open(&w, f, 10000);
    client_open(&late, f, 10000);
    try_expect(&a, LK_RW_READ, LK_ACQUIRED);
    try_expect(&b, LK_RW_READ, LK_ACQUIRED);     /* readers share */
    assert_int_equal(lk_rwlock_fence(&a.rw), 0); /* no write yet: epoch 0 */
    try_expect(&w, LK_RW_WRITE, LK_LOCKED);      /* a writer's lone try finds readers */
    pthread_t wt;
    assert_int_equal(pthread_create(&wt, NULL, writer_main, &w), 0); /* a writer that waits on them */
    sleep_ms(100);                                                   /* its first tries have marked it waiting */
    try_expect(&late, LK_RW_READ, LK_LOCKED);                        /* and keep new readers out */
    lk_outcome out;
    assert_int_equal(lk_rwlock_extend(&a.rw, 10000, &out), LK_OK);
    assert_int_equal(out, LK_EXTENDED);
    release_expect(&a, LK_RELEASED);
    release_expect(&b, LK_RELEASED);
    void *got = NULL;
    assert_int_equal(pthread_join(wt, &got), 0);
    assert_true(got != NULL); /* the writer got it once the readers left */
    assert_int_equal(lk_rwlock_fence(&w.rw), 1);
    try_expect(&a, LK_RW_READ, LK_LOCKED);
    assert_int_equal(lk_rwlock_extend(&w.rw, 10000, &out), LK_OK);
    assert_int_equal(out, LK_EXTENDED);
    release_expect(&w, LK_RELEASED);
    try_expect(&late, LK_RW_READ, LK_ACQUIRED);
    assert_int_equal(lk_rwlock_fence(&late.rw), 1); /* the reader carries the write epoch */
    release_expect(&late, LK_RELEASED);
    try_expect(&w, LK_RW_WRITE, LK_ACQUIRED);
    assert_int_equal(lk_rwlock_fence(&w.rw), 2); /* fences grow */
    release_expect(&w, LK_RELEASED);
    assert_int_equal(lk_rwlock_release(&w.rw, &out), LK_EMISUSE); /* not held: misuse, not a release */
    client_close(&a);
    client_close(&b);
    client_close(&w);
    client_close(&late);
}

/* A lone write try that finds readers leaves no waiting mark: once they release, new readers get in at once; and a
 * blocking write acquire that times out takes its mark back with it. */
static void test_rwlock_redis_no_stale_mark(void **state) {
    redis_test_server *f = redis_test_server_ready(state);
    rw_client r, w, r2;
    client_open(&r, f, 10000);
    client_open(&w, f, 10000);
    client_open(&r2, f, 10000);
    try_expect(&r, LK_RW_READ, LK_ACQUIRED);
    try_expect(&w, LK_RW_WRITE, LK_LOCKED);
    try_expect(&r2, LK_RW_READ, LK_ACQUIRED); /* a try is not a waiting writer */
    release_expect(&r2, LK_RELEASED);
    lk_outcome out;
    assert_int_equal(lk_rwlock_acquire(&w.rw, LK_RW_WRITE, lk_env_mono_ns(&w.pe.env) + 30 * 1000000, &out),
                     LK_ETIMEDOUT);
    try_expect(&r2, LK_RW_READ, LK_ACQUIRED); /* its mark went with it */
    release_expect(&r2, LK_RELEASED);
    release_expect(&r, LK_RELEASED);
    client_close(&r);
    client_close(&w);
    client_close(&r2);
}

/* A reader that stops extending: its lease ends after its TTL and the writer gets in; its late release finds
 * nothing of it, and a late extend says the lease is gone. */
static void test_rwlock_redis_reader_lease_ends(void **state) {
    redis_test_server *f = redis_test_server_ready(state);
    rw_client r, w;
    client_open(&r, f, 150);
    client_open(&w, f, 10000);
    try_expect(&r, LK_RW_READ, LK_ACQUIRED);
    try_expect(&w, LK_RW_WRITE, LK_LOCKED);
    sleep_ms(400);
    try_expect(&w, LK_RW_WRITE, LK_ACQUIRED);
    lk_outcome out;
    assert_int_equal(lk_rwlock_extend(&r.rw, 150, &out), LK_OK);
    assert_int_equal(out, LK_ABSENT);
    assert_int_equal(lk_rwlock_mode(&r.rw), LK_RW_NONE);
    release_expect(&w, LK_RELEASED);
    client_close(&r);
    client_close(&w);
}

static int group_setup(void **state) {
    return redis_test_server_setup(state, "test_rwlock_redis", NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rwlock_redis_modes),
        cmocka_unit_test(test_rwlock_redis_no_stale_mark),
        cmocka_unit_test(test_rwlock_redis_reader_lease_ends),
    };
    return cmocka_run_group_tests(tests, group_setup, redis_test_server_teardown);
}
