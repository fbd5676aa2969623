/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * redis_test_server.h: the group fixture of a test that needs one test-owned redis-server (sim/real/
 * sim_redis_server.h): started by the group setup, stopped by its teardown. Without redis-server the tests skip,
 * unless it is required (rb_redis_required); a server that fails to start fails each test with the reason.
 */
#ifndef RACEBED_TESTS_REDIS_TEST_SERVER_H
#define RACEBED_TESTS_REDIS_TEST_SERVER_H

#include <stdio.h>
#include <stdlib.h>

#include "sim/real/sim_redis_server.h"

typedef struct redis_test_server {
    rb_redis redis;
    int skip;      /* 1: redis-server is missing and not required */
    char why[768]; /* why the server could not start, or "" */
} redis_test_server;

/* The group setup: '*state' becomes the fixture; 'o' may be NULL (a plain server). */
static inline int redis_test_server_setup(void **state, const char *test, const rb_redis_opts *o) {
    redis_test_server *f = calloc(1, sizeof(*f));
    if (f == NULL) return -1;
    *state = f;
    if (rb_redis_start(&f->redis, o, f->why, sizeof(f->why)) == RB_REDIS_MISSING && !rb_redis_required()) {
        fprintf(stderr, "%s: skipped: %s\n", test, f->why);
        f->skip = 1;
    }
    return 0;
}

static inline int redis_test_server_teardown(void **state) {
    redis_test_server *f = *state;
    if (f == NULL) return 0;
    rb_redis_stop(&f->redis);
    free(f);
    return 0;
}

/* The fixture, empty (FLUSHALL); skips the test or fails it with the reason the server did not start. */
static inline redis_test_server *redis_test_server_ready(void **state) {
    redis_test_server *f = *state;
    if (f->skip) skip();
    if (f->redis.pid == 0) fail_msg("%s", f->why);
    assert_int_equal(rb_redis_flushall(&f->redis), 0);
    return f;
}

#endif
