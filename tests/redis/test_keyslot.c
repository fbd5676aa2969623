/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_keyslot.c: lk_key_slot (core/lk_scope.h) agrees with a real redis-server's CLUSTER KEYSLOT on 3000 keys drawn
 * to hit the hash-tag rules (braces anywhere, empty tags, nested and repeated ones), and on every per-scope key name
 * a lock uses (the lock, its fence counter, the scope's epoch). How: one test-owned redis-server with cluster support
 * and no slots assigned (sim/real/sim_redis_server.h); without redis-server the test skips unless it is required.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lk_scope.h"
#include "tests/redis/redis_test_server.h"

static unsigned server_slot(rb_redis *r, const char *key) {
    char reply[64];
    const char *argv[] = {"CLUSTER", "KEYSLOT", key};
    if (rb_redis_admin(r, 0, reply, sizeof(reply), 3, argv) != 0) fail_msg("CLUSTER KEYSLOT %s: %s", key, reply);
    return (unsigned)strtoul(reply, NULL, 10);
}

static void expect_same(rb_redis *r, const char *key) {
    unsigned want = server_slot(r, key), got = lk_key_slot(key, strlen(key));
    if (want != got) fail_msg("key '%s': redis says slot %u, lk_key_slot %u", key, want, got);
}

static void test_keyslot_random_keys(void **state) {
    redis_test_server *f = redis_test_server_ready(state);
    static const char alphabet[] = "ab{}:z{}0";
    uint64_t s = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 3000; i++) {
        char key[24];
        s ^= s << 13, s ^= s >> 7, s ^= s << 17; /* xorshift64: a fixed, repeatable draw */
        int len = 1 + (int)(s % 20);
        for (int j = 0; j < len; j++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            key[j] = alphabet[s % (sizeof(alphabet) - 1)];
        }
        key[len] = '\0';
        expect_same(&f->redis, key);
    }
}

static void test_keyslot_scope_keys(void **state) {
    redis_test_server *f = redis_test_server_ready(state);
    const char *scopes[] = {"user:1", "user:42", "collection:docs", "u", "a:b:c"};
    for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
        char key[128], fence[160], epoch[128];
        assert_int_equal(lk_scope_key(key, sizeof(key), "rag", scopes[i], "memory"), LK_OK);
        assert_int_equal(lk_scope_epoch_key(epoch, sizeof(epoch), "rag", scopes[i]), LK_OK);
        snprintf(fence, sizeof(fence), "%s:fence", key);
        expect_same(&f->redis, key);
        unsigned slot = server_slot(&f->redis, key);
        assert_int_equal(server_slot(&f->redis, fence), slot);
        assert_int_equal(server_slot(&f->redis, epoch), slot);
    }
}

static int group_setup(void **state) {
    rb_redis_opts o = {.cluster = 1};
    return redis_test_server_setup(state, "test_keyslot", &o);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keyslot_random_keys),
        cmocka_unit_test(test_keyslot_scope_keys),
    };
    return cmocka_run_group_tests(tests, group_setup, redis_test_server_teardown);
}
