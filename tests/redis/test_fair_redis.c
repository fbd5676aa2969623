/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_fair_redis.c: the fair lock's scripts (core/lk_fair.c) on a real redis-server 7.0, through lk_redis_store and
 * lk_posix_env, on the real clock, with real threads: waiters are served in arrival order, each by the handoff inside
 * the release (fencing numbers and tickets in order); a waiter that stopped trying (its queue lease ended) is skipped
 * at the release; a lock handed to a waiter that never wakes ends with its lease and the next waiter takes it; a
 * waiter that times out gives its place back. Dead waiters are written with lk_fair's own TRY script and a token of
 * their own, as a crashed process leaves them. Without redis-server the tests skip unless it is required.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/lk_fair.h"
#include "core/lk_posix_env.h"
#include "core/lk_redis_store.h"
#include "core/lk_reply.h"
#include "tests/redis/redis_test_server.h"

#define NAME "fair:{t}:doc"

/* One client: its own connection and env, and one lock handle on NAME. */
typedef struct fair_client {
    lk_redis_store *store;
    lk_posix_env pe;
    lk_fair f;
    int order;      /* its place in the grant order, 1-based (waiter threads) */
    int64_t fence;  /* what it got */
    lk_rc rc;       /* its acquire's result */
    lk_outcome out; /* and outcome */
} fair_client;

static pthread_mutex_t order_mu = PTHREAD_MUTEX_INITIALIZER;
static int order_next;

static void client_open(fair_client *c, redis_test_server *f, int64_t ttl_ms) {
    memset(c, 0, sizeof(*c));
    char err[256];
    if (lk_redis_store_open(f->redis.url, NULL, &c->store, err, sizeof(err)) != LK_OK) fail_msg("open: %s", err);
    assert_int_equal(lk_posix_env_init(&c->pe, lk_redis_store_iface(c->store)), LK_OK);
    lk_fair_opts o = {.ttl_ms = ttl_ms, .kind = "memory"};
    assert_int_equal(lk_fair_init(&c->f, &c->pe.env, NAME, &o), LK_OK);
}

static void client_close(fair_client *c) {
    lk_fair_fini(&c->f);
    lk_posix_env_fini(&c->pe);
    lk_redis_store_close(c->store);
}

static void sleep_ms(int64_t ms) {
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* An integer command's reply on 'c''s connection (ZCARD, EXISTS). */
static int64_t int_command(fair_client *c, int argc, const char **argv) {
    lk_reply_node nodes[4];
    char bytes[128];
    lk_reply r;
    lk_reply_init(&r, nodes, 4, bytes, sizeof(bytes));
    assert_int_equal(lk_env_command(&c->pe.env, &r, argc, argv, NULL), LK_OK);
    int64_t v = -1;
    assert_true(lk_reply_int_at(&r, 0, &v));
    return v;
}

/* A waiter that tried once with 'token' (a queue lease of 'lease_ms', a hold TTL of 'ttl') and then died. */
static void dead_waiter(fair_client *c, const char *token, const char *ttl, const char *lease_ms) {
    char wake[LK_KEY_MAX];
    snprintf(wake, sizeof(wake), "%s:wake:%s", NAME, token);
    const char *argv[] = {"EVAL",      lk_fair_script_text(LK_FAIR_TRY),
                          "6",         c->f.key[0],
                          c->f.key[1], c->f.key[2],
                          c->f.key[3], c->f.key[4],
                          wake,        token,
                          ttl,         lease_ms};
    lk_reply_node nodes[6];
    char bytes[128];
    lk_reply r;
    lk_reply_init(&r, nodes, 6, bytes, sizeof(bytes));
    assert_int_equal(lk_env_command(&c->pe.env, &r, 12, argv, NULL), LK_OK);
    assert_int_equal(lk_reply_at(&r, 0)->type, LK_REPLY_ARRAY);
    assert_int_equal(lk_reply_at(&r, 1)->integer, 0); /* queued, not granted */
}

/* A waiter's blocking acquire on its own thread (5 s deadline): its place in the grant order and its fence. */
static void *waiter_main(void *arg) {
    fair_client *c = arg;
    c->rc = lk_fair_acquire(&c->f, lk_env_mono_ns(&c->pe.env) + INT64_C(5000000000), &c->out);
    if (c->rc == LK_OK) {
        pthread_mutex_lock(&order_mu);
        c->order = ++order_next;
        pthread_mutex_unlock(&order_mu);
        c->fence = lk_fair_fence(&c->f);
        sleep_ms(20); /* hold a little, so a barging next waiter would show */
        lk_outcome out;
        lk_fair_release(&c->f, &out);
    }
    return NULL;
}

static void try_expect(fair_client *c, lk_outcome want) {
    lk_outcome out = LK_NONE;
    lk_rc rc = lk_fair_try_acquire(&c->f, &out);
    if (rc != LK_OK) fail_msg("try_acquire: %s: %s", lk_rc_name(rc), lk_fair_errmsg(&c->f));
    if (out != want) fail_msg("try_acquire: got %s, want %s", lk_outcome_label(out), lk_outcome_label(want));
}

/* Three waiters arrive 40 ms apart behind a holder: they are served in arrival order, each by a handoff (fencing
 * numbers 2, 3, 4; tickets 2, 3, 4), and a lone try meanwhile never barges. */
static void test_fair_redis_fifo(void **state) {
    redis_test_server *f = redis_test_server_ready(state);
    fair_client holder, lone, w[3];
    client_open(&holder, f, 10000);
    client_open(&lone, f, 10000);
    try_expect(&holder, LK_ACQUIRED);
    assert_int_equal(lk_fair_fence(&holder.f), 1);
    order_next = 0;
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        client_open(&w[i], f, 10000);
        assert_int_equal(pthread_create(&t[i], NULL, waiter_main, &w[i]), 0);
        sleep_ms(40);
    }
    lk_outcome out;
    assert_int_equal(lk_fair_release(&holder.f, &out), LK_OK);
    assert_int_equal(out, LK_RELEASED);
    try_expect(&lone, LK_LOCKED); /* handed over already, or queued behind: never free for a newcomer */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        if (w[i].rc != LK_OK) fail_msg("waiter %d: %s: %s", i + 1, lk_rc_name(w[i].rc), lk_fair_errmsg(&w[i].f));
        assert_int_equal(w[i].order, i + 1);
        assert_int_equal(w[i].fence, i + 2);
        assert_int_equal(lk_fair_ticket(&w[i].f), i + 2);
    }
    try_expect(&lone, LK_ACQUIRED); /* the queue is empty again */
    assert_int_equal(lk_fair_release(&lone.f, &out), LK_OK);
    for (int i = 0; i < 3; i++)
        client_close(&w[i]);
    client_close(&holder);
    client_close(&lone);
}

/* A waiter that died (its queue lease of 100 ms ended) is skipped at the release: the live waiter behind it is
 * handed the lock at once. */
static void test_fair_redis_dead_waiter_skipped(void **state) {
    redis_test_server *f = redis_test_server_ready(state);
    fair_client holder, live;
    client_open(&holder, f, 10000);
    client_open(&live, f, 10000);
    try_expect(&holder, LK_ACQUIRED);
    dead_waiter(&holder, "0123456789abcdef0123456789abcdef", "10000", "100");
    pthread_t t;
    order_next = 0;
    assert_int_equal(pthread_create(&t, NULL, waiter_main, &live), 0);
    sleep_ms(300); /* the dead one's queue lease has ended; the live one keeps its own */
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    lk_outcome out;
    assert_int_equal(lk_fair_release(&holder.f, &out), LK_OK);
    assert_int_equal(pthread_join(t, NULL), 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    if (live.rc != LK_OK) fail_msg("live waiter: %s", lk_rc_name(live.rc));
    assert_int_equal(live.out, LK_ACQUIRED); /* by the wake-up, not by a later try */
    assert_int_equal(live.fence, 2);
    int64_t ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    assert_true(ms < 2000); /* the 20 ms hold and the handoff, not a wait out of anyone's lease */
    client_close(&holder);
    client_close(&live);
}

/* A lock handed to a waiter that never wakes (dead, its queue lease still live) ends with that waiter's 300 ms
 * lease; the next waiter's try then takes it. */
static void test_fair_redis_handed_to_dead(void **state) {
    redis_test_server *f = redis_test_server_ready(state);
    fair_client holder, live;
    client_open(&holder, f, 10000);
    client_open(&live, f, 900); /* tries every 300 ms */
    try_expect(&holder, LK_ACQUIRED);
    dead_waiter(&holder, "fedcba9876543210fedcba9876543210", "300", "60000");
    pthread_t t;
    order_next = 0;
    assert_int_equal(pthread_create(&t, NULL, waiter_main, &live), 0);
    sleep_ms(50);
    lk_outcome out;
    assert_int_equal(lk_fair_release(&holder.f, &out), LK_OK); /* hands it to the dead one */
    assert_int_equal(pthread_join(t, NULL), 0);
    if (live.rc != LK_OK) fail_msg("live waiter: %s", lk_rc_name(live.rc));
    assert_int_equal(live.fence, 3); /* after the holder's 1 and the dead one's 2 */
    client_close(&holder);
    client_close(&live);
}

/* A waiter whose deadline passes gives its place back: the queue is empty, and a newcomer takes the freed lock. */
static void test_fair_redis_timeout_leaves_queue(void **state) {
    redis_test_server *f = redis_test_server_ready(state);
    fair_client holder, w, late;
    client_open(&holder, f, 10000);
    client_open(&w, f, 10000);
    client_open(&late, f, 10000);
    try_expect(&holder, LK_ACQUIRED);
    lk_outcome out;
    assert_int_equal(lk_fair_acquire(&w.f, lk_env_mono_ns(&w.pe.env) + 50 * 1000000, &out), LK_ETIMEDOUT);
    const char *zcard[] = {"ZCARD", holder.f.key[1]};
    assert_int_equal(int_command(&holder, 2, zcard), 0);
    assert_int_equal(lk_fair_release(&holder.f, &out), LK_OK);
    assert_int_equal(out, LK_RELEASED);
    const char *exists[] = {"EXISTS", holder.f.key[0]};
    assert_int_equal(int_command(&holder, 2, exists), 0); /* nobody to hand it to: deleted */
    try_expect(&late, LK_ACQUIRED);
    assert_int_equal(lk_fair_extend(&late.f, 5000, &out), LK_OK);
    assert_int_equal(out, LK_EXTENDED);
    assert_int_equal(lk_fair_release(&late.f, &out), LK_OK);
    assert_int_equal(lk_fair_release(&late.f, &out), LK_EMISUSE);
    client_close(&holder);
    client_close(&w);
    client_close(&late);
}

static int group_setup(void **state) {
    return redis_test_server_setup(state, "test_fair_redis", NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fair_redis_fifo),
        cmocka_unit_test(test_fair_redis_dead_waiter_skipped),
        cmocka_unit_test(test_fair_redis_handed_to_dead),
        cmocka_unit_test(test_fair_redis_timeout_leaves_queue),
    };
    return cmocka_run_group_tests(tests, group_setup, redis_test_server_teardown);
}
