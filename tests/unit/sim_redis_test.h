/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_redis_test.h: a one-line way to drive the model Redis (sim/model/sim_redis.h) in unit tests.
 *
 * redis_expect(ks, now_ms, "HSET h a 1", "(integer) 1") splits the command line on spaces ("..." quotes a word with
 * spaces, \xHH a byte), runs it on the key space and asserts the reply formatted by lk_reply_format, redis-cli style:
 * (nil), (integer) 5, "bytes", OK, (error) ERR ..., [a, b]. The expected replies are Redis 7.0's, checked against a
 * real redis-server.
 */
#ifndef RACEBED_TESTS_UNIT_SIM_REDIS_TEST_H
#define RACEBED_TESTS_UNIT_SIM_REDIS_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/model/sim_redis.h"

enum { REDIS_TEST_WORDS = 64, REDIS_TEST_BYTES = 4096 };

/* cmocka group fixtures: a fresh malloc'ed key space (it is about 70 KB) in '*state'. */
__attribute__((unused)) static int ks_setup(void **state) {
    sim_keyspace *ks = malloc(sizeof(*ks));
    if (ks == NULL) return -1;
    sim_ks_init(ks);
    *state = ks;
    return 0;
}

__attribute__((unused)) static int ks_teardown(void **state) {
    free(*state);
    return 0;
}

/* Splits 'line' into words in 'store'; returns the count. */
static int redis_test_split(const char *line, char store[REDIS_TEST_WORDS][256], size_t *len) {
    int n = 0;
    const char *p = line;
    while (*p) {
        while (*p == ' ')
            p++;
        if (*p == '\0') break;
        assert_true(n < REDIS_TEST_WORDS);
        size_t k = 0;
        int quoted = *p == '"';
        if (quoted) p++;
        while (*p && (quoted ? *p != '"' : *p != ' ')) {
            assert_true(k < 255);
            if (p[0] == '\\' && p[1] == 'x') {
                char hex[3] = {p[2], p[3], 0};
                store[n][k++] = (char)strtol(hex, NULL, 16);
                p += 4;
            } else {
                store[n][k++] = *p++;
            }
        }
        if (quoted && *p == '"') p++;
        store[n][k] = '\0';
        len[n++] = k;
    }
    return n;
}

/* Runs 'line' on connection 'cl' (NULL: none) with its reply into 'r' (initialized by the caller); returns the rc. */
__attribute__((unused)) static lk_rc redis_run_into(sim_keyspace *ks, sim_redis_client *cl, lk_wall_ms now_ms,
                                                    const char *line, lk_reply *r) {
    static char words[REDIS_TEST_WORDS][256];
    size_t len[REDIS_TEST_WORDS];
    const char *argv[REDIS_TEST_WORDS];
    int argc = redis_test_split(line, words, len);
    for (int i = 0; i < argc; i++)
        argv[i] = words[i];
    lk_rc rc = sim_redis_exec_client(ks, cl, now_ms, argc, argv, len, r);
    if (rc == LK_OK) assert_true(lk_reply_ok(r));
    return rc;
}

/* Runs 'line' on connection 'cl' (NULL: none) and returns the rc; the formatted reply goes to 'out'. */
static lk_rc redis_run_client(sim_keyspace *ks, sim_redis_client *cl, lk_wall_ms now_ms, const char *line, char *out,
                              size_t cap) {
    lk_reply_node nodes[512];
    char bytes[REDIS_TEST_BYTES];
    lk_reply r;
    lk_reply_init(&r, nodes, 512, bytes, sizeof(bytes));
    lk_rc rc = redis_run_into(ks, cl, now_ms, line, &r);
    lk_reply_format(&r, 0, out, cap);
    return rc;
}

static lk_rc redis_run(sim_keyspace *ks, lk_wall_ms now_ms, const char *line, char *out, size_t cap) {
    return redis_run_client(ks, NULL, now_ms, line, out, cap);
}

#define redis_expect(ks, now_ms, line, expected)                                                                       \
    do {                                                                                                               \
        char got_[2048];                                                                                               \
        assert_int_equal(redis_run((ks), (now_ms), (line), got_, sizeof(got_)), LK_OK);                                \
        if (strcmp(got_, (expected)) != 0) fail_msg("%s\n   got: %s\nwanted: %s", (line), got_, (expected));           \
    } while (0)

/* As redis_expect, on connection 'cl'. */
#define redis_expect_client(ks, cl, now_ms, line, expected)                                                            \
    do {                                                                                                               \
        char got_[2048];                                                                                               \
        assert_int_equal(redis_run_client((ks), (cl), (now_ms), (line), got_, sizeof(got_)), LK_OK);                   \
        if (strcmp(got_, (expected)) != 0) fail_msg("%s\n   got: %s\nwanted: %s", (line), got_, (expected));           \
    } while (0)

#endif
