/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_lk_scope.c: per-scope lock keys (core/lk_scope.h): the names, their hash tag (every key of a scope in one
 * cluster slot: the lock, its fence counter, the scope's epoch), the slot function against the Cluster
 * specification's test vector and hash-tag rules, bad scopes refused, and a lock's own acquire timeout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/lk_mutex.h"
#include "core/lk_scope.h"
#include "test_env.h"

static unsigned slot(const char *key) {
    return lk_key_slot(key, strlen(key));
}

static void test_lk_scope_slot_rules(void **state) {
    (void)state;
    assert_int_equal(slot("123456789"), 0x31C3); /* the specification's CRC16 test vector (below 16384) */
    assert_int_equal(slot("{user1000}.following"), slot("{user1000}.followers"));
    assert_int_equal(slot("{user1000}.following"), slot("user1000"));
    assert_int_equal(slot("foo{}{bar}"), lk_key_slot("foo{}{bar}", 10)); /* empty first tag: the whole key */
    assert_true(slot("foo{}{bar}") != slot("bar"));
    assert_int_equal(slot("foo{{bar}}zap"), slot("{bar")); /* the tag ends at the first '}' */
    assert_int_equal(slot("foo{bar}{zap}"), slot("bar"));  /* only the first tag counts */
    assert_int_equal(slot("no tag {"), lk_key_slot("no tag {", 8));
    for (int i = 0; i < 1000; i++) {
        char k[32];
        snprintf(k, sizeof(k), "key:%d", i);
        assert_true(slot(k) < LK_CLUSTER_SLOTS);
    }
}

static void test_lk_scope_keys_share_a_slot(void **state) {
    (void)state;
    char key[LK_KEY_MAX], fence[LK_KEY_MAX], epoch[LK_KEY_MAX], prefix[LK_KEY_MAX];
    assert_int_equal(lk_scope_key(key, sizeof(key), "rag", "user:42", "memory"), LK_OK);
    assert_string_equal(key, "rag:{user:42}:memory");
    assert_int_equal(lk_scope_epoch_key(epoch, sizeof(epoch), "rag", "user:42"), LK_OK);
    assert_string_equal(epoch, "rag:{user:42}:epoch");
    assert_int_equal(lk_scope_prefix(prefix, sizeof(prefix), "rag", "user:42"), LK_OK);
    assert_string_equal(prefix, "rag:{user:42}:");
    assert_int_equal(strncmp(key, prefix, strlen(prefix)), 0); /* a scope's clear walks its locks */
    /* the lock's fence counter is what lk_mutex names it: the same slot as the lock and the epoch */
    test_env te;
    test_env_init(&te, 3);
    lk_mutex m;
    lk_mutex_opts opts = {.ttl_ms = 100, .epoch_key = epoch};
    assert_int_equal(lk_mutex_init(&m, &te.env, key, &opts), LK_OK);
    snprintf(fence, sizeof(fence), "%s", m.fence_key);
    assert_int_equal(slot(fence), slot(key));
    assert_int_equal(slot(epoch), slot(key));
    assert_int_equal(slot(key), slot("user:42"));
    lk_mutex_fini(&m);
    test_env_fini(&te);
    /* other scopes hash elsewhere (for these two) */
    char other[LK_KEY_MAX];
    assert_int_equal(lk_scope_key(other, sizeof(other), "rag", "user:43", "memory"), LK_OK);
    assert_true(slot(other) != slot(key));
}

static void test_lk_scope_bad_input(void **state) {
    (void)state;
    char out[64], big[LK_SCOPE_MAX + 2];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    const char *scopes[] = {"", "a{b", "a}b", big, NULL};
    for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
        memset(out, 'X', sizeof(out));
        assert_int_equal(lk_scope_key(out, sizeof(out), "rag", scopes[i], "memory"), LK_EINVAL);
        assert_string_equal(out, "");
    }
    assert_int_equal(lk_scope_key(out, sizeof(out), "", "u1", "memory"), LK_EINVAL);
    assert_int_equal(lk_scope_key(out, sizeof(out), "rag", "u1", ""), LK_EINVAL);
    assert_int_equal(lk_scope_key(out, 12, "rag", "u1", "memory"), LK_EINVAL); /* does not fit */
    assert_string_equal(out, "");
    assert_int_equal(lk_scope_key(out, 17, "rag", "u1", "memory"), LK_OK); /* exactly fits: 16 + NUL */
}

static void test_lk_mutex_acquire_timed(void **state) {
    (void)state;
    test_env te;
    test_env_init(&te, 5);
    lk_mutex a, b, c;
    lk_mutex_opts holder = {.ttl_ms = 60000}, waiter = {.ttl_ms = 100, .acquire_timeout_ms = 50};
    assert_int_equal(lk_mutex_init(&a, &te.env, "k", &holder), LK_OK);
    assert_int_equal(lk_mutex_init(&b, &te.env, "k", &waiter), LK_OK);
    lk_outcome out;
    assert_int_equal(lk_mutex_try_acquire(&a, &out), LK_OK);
    assert_int_equal(out, LK_ACQUIRED);
    lk_mono_ns t0 = te.mono_ns;
    assert_int_equal(lk_mutex_acquire_timed(&b, &out), LK_ETIMEDOUT);
    assert_int_equal(te.mono_ns, t0 + 50 * TEST_NS_PER_MS);         /* its own timeout, a last try at the deadline */
    assert_int_equal(lk_mutex_acquire_timed(&a, &out), LK_EMISUSE); /* no timeout set (and held) */
    lk_mutex_opts negative = {.ttl_ms = 100, .acquire_timeout_ms = -1};
    assert_int_equal(lk_mutex_init(&c, &te.env, "k", &negative), LK_EINVAL);
    lk_mutex_fini(&a);
    lk_mutex_fini(&b);
    test_env_fini(&te);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lk_scope_slot_rules),
        cmocka_unit_test(test_lk_scope_keys_share_a_slot),
        cmocka_unit_test(test_lk_scope_bad_input),
        cmocka_unit_test(test_lk_mutex_acquire_timed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
