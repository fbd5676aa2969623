/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_lk_reply.c: proves the RESP-shaped reply (core/lk_reply.h) builds nested replies in fixed buffers, never
 * writes past them, and reads, compares and formats what it built.
 *
 * How: a nested reply (SCAN's shape, an error, binary bytes) is built and walked with lk_reply_child/next; equal
 * and unequal trees are compared; the formatter's one-line text is checked, including escapes and the cut at the
 * buffer's size; every buffer size from 0 up is tried for the same reply, and each either fits exactly or reports
 * overflow without touching a byte past the buffers (guard bytes); truncate undoes a partly built reply; and the
 * command table's lookup, arity and key positions are checked on rows with each shape (one key, every argument a
 * key, no keys).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/lk_command.h"
#include "core/lk_reply.h"

static void build_scan_like(lk_reply *r) {
    lk_reply_array(r, 3);
    lk_reply_bulk_str(r, "17");
    uint32_t keys = lk_reply_array(r, 0);
    lk_reply_bulk(r, "a\0b", 3);
    lk_reply_bulk_str(r, "q\"x");
    lk_reply_set_len(r, keys, 2);
    lk_reply_array(r, 3);
    lk_reply_int(r, -5);
    lk_reply_nil(r);
    lk_reply_error(r, "ERR %s", "bad");
}

static void test_lk_reply_build_and_read(void **state) {
    (void)state;
    lk_reply_node nodes[16];
    char bytes[64];
    lk_reply r;
    lk_reply_init(&r, nodes, 16, bytes, sizeof(bytes));
    build_scan_like(&r);
    assert_true(lk_reply_ok(&r));
    assert_int_equal(r.node[0].type, LK_REPLY_ARRAY);
    uint32_t keys = lk_reply_child(&r, 0, 1);
    assert_int_equal(r.node[keys].len, 2);
    uint32_t k0 = lk_reply_child(&r, keys, 0);
    assert_int_equal(r.node[k0].len, 3);
    assert_memory_equal(lk_reply_str(&r, k0), "a\0b", 3);
    uint32_t last = lk_reply_child(&r, 0, 2);
    assert_int_equal(lk_reply_next(&r, 0), r.node_count);
    assert_int_equal(r.node[lk_reply_child(&r, last, 2)].type, LK_REPLY_ERROR);
    char text[128];
    lk_reply_format(&r, 0, text, sizeof(text));
    assert_string_equal(text, "[\"17\", [\"a\\x00b\", \"q\\\"x\"], [(integer) -5, (nil), (error) ERR bad]]");
    lk_reply_format(&r, 0, text, 16);
    assert_int_equal(strlen(text), 15);
    assert_string_equal(text + 12, "...");
    assert_string_equal(lk_reply_type_name(LK_REPLY_STATUS), "status");
    assert_string_equal(lk_reply_type_name(99), "unknown");
}

/* Integers as GET returns them (strings) and as INCR does (integers); anything else is not one. */
static void test_lk_reply_int_at(void **state) {
    (void)state;
    lk_reply_node nodes[16];
    char bytes[256];
    lk_reply r;
    lk_reply_init(&r, nodes, 16, bytes, sizeof(bytes));
    const char *good[] = {"0", "-12", "9223372036854775807", "-9223372036854775808"};
    const int64_t want[] = {0, -12, INT64_MAX, INT64_MIN};
    const char *bad[] = {"", "-", "1.5", " 1", "1 ", "+1", "9223372036854775808", "-9223372036854775809", "abc"};
    int64_t v = 0;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        lk_reply_clear(&r);
        lk_reply_bulk_str(&r, good[i]);
        assert_int_equal(lk_reply_int_at(&r, 0, &v), 1);
        assert_true(v == want[i]);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        lk_reply_clear(&r);
        lk_reply_bulk_str(&r, bad[i]);
        if (lk_reply_int_at(&r, 0, &v) != 0) fail_msg("'%s' read as %lld", bad[i], (long long)v);
    }
    lk_reply_clear(&r);
    lk_reply_int(&r, -7);
    assert_int_equal(lk_reply_int_at(&r, 0, &v), 1);
    assert_int_equal(v, -7);
    lk_reply_clear(&r);
    lk_reply_nil(&r);
    assert_int_equal(lk_reply_int_at(&r, 0, &v), 0);
}

static void test_lk_reply_equal(void **state) {
    (void)state;
    lk_reply_node na[16], nb[16];
    char ba[64], bb[64];
    lk_reply a, b;
    lk_reply_init(&a, na, 16, ba, sizeof(ba));
    lk_reply_init(&b, nb, 16, bb, sizeof(bb));
    build_scan_like(&a);
    build_scan_like(&b);
    assert_true(lk_reply_equal(&a, 0, &b, 0));
    lk_reply_clear(&b);
    build_scan_like(&b);
    b.node[lk_reply_child(&b, lk_reply_child(&b, 0, 2), 0)].integer = -6;
    assert_false(lk_reply_equal(&a, 0, &b, 0));
    lk_reply_clear(&b);
    lk_reply_status(&b, "OK");
    lk_reply_clear(&a);
    lk_reply_bulk_str(&a, "OK");
    assert_false(lk_reply_equal(&a, 0, &b, 0)); /* same bytes, other type */
}

static void test_lk_reply_overflow_never_writes_past(void **state) {
    (void)state;
    for (uint32_t ncap = 0; ncap <= 9; ncap++) {
        for (uint32_t bcap = 0; bcap <= 20; bcap++) {
            lk_reply_node nodes[10];
            char bytes[24];
            memset(nodes, 0xAB, sizeof(nodes));
            memset(bytes, 0xCD, sizeof(bytes));
            lk_reply r;
            lk_reply_init(&r, nodes, ncap, bytes, bcap);
            build_scan_like(&r);
            int fits = ncap >= 9 && bcap >= 3 + 4 + 4 + 8; /* each string and its NUL */
            assert_int_equal(lk_reply_ok(&r), fits);
            for (uint32_t k = ncap; k < 10; k++)
                assert_int_equal(((unsigned char *)&nodes[k])[0], 0xAB);
            for (uint32_t k = bcap; k < sizeof(bytes); k++)
                assert_int_equal((unsigned char)bytes[k], 0xCD);
        }
    }
}

static void test_lk_reply_truncate(void **state) {
    (void)state;
    lk_reply_node nodes[4];
    char bytes[16];
    lk_reply r;
    lk_reply_init(&r, nodes, 4, bytes, sizeof(bytes));
    lk_reply_array(&r, 1);
    lk_reply_bulk_str(&r, "0123456789");
    lk_reply_bulk_str(&r, "more bytes"); /* does not fit */
    assert_false(lk_reply_ok(&r));
    lk_reply_truncate(&r, 0);
    assert_int_equal(r.node_count, 0);
    assert_int_equal(r.bytes_len, 0);
    lk_reply_error(&r, "ERR limit");
    assert_true(lk_reply_ok(&r));
}

static void test_lk_reply_command_table(void **state) {
    (void)state;
    const lk_command *get = lk_command_lookup("GeT", 3);
    assert_non_null(get);
    assert_int_equal(get->id, LK_CMD_GET);
    assert_string_equal(get->name, "get");
    assert_null(lk_command_lookup("ge", 2));
    assert_null(lk_command_lookup("gets", 4));
    assert_true(lk_command_arity_ok(get, 2));
    assert_false(lk_command_arity_ok(get, 3));
    const lk_command *del = lk_command_get(LK_CMD_DEL);
    assert_false(lk_command_arity_ok(del, 1));
    assert_true(lk_command_arity_ok(del, 5));
    int pos[8];
    assert_int_equal(lk_command_keys(del, 4, NULL, NULL, pos, 8), 3);
    assert_int_equal(pos[0], 1);
    assert_int_equal(pos[2], 3);
    assert_int_equal(lk_command_keys(lk_command_get(LK_CMD_HSET), 6, NULL, NULL, pos, 8), 1);
    assert_int_equal(lk_command_keys(lk_command_get(LK_CMD_SCAN), 2, NULL, NULL, pos, 8), 0);
    assert_true(lk_command_get(LK_CMD_SCAN)->flags & LK_CMDF_KEYSPACE);
    const char *eval[] = {"EVAL", "return 1", "2", "k1", "k2", "a"};
    assert_int_equal(lk_command_keys(lk_command_get(LK_CMD_EVAL), 6, eval, NULL, pos, 8), 2);
    assert_int_equal(pos[0], 3);
    assert_int_equal(pos[1], 4);
    const char *bad[] = {"EVAL", "return 1", "4", "k1"};
    assert_int_equal(lk_command_keys(lk_command_get(LK_CMD_EVAL), 4, bad, NULL, pos, 8), -1);
    for (int id = 0; id < LK_CMD_COUNT_; id++) {
        const lk_command *c = lk_command_get((lk_command_id)id);
        assert_ptr_equal(lk_command_lookup(c->name, strlen(c->name)), c);
        assert_int_equal(!!(c->flags & LK_CMDF_WRITE) + !!(c->flags & LK_CMDF_READONLY) <= 1, 1);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lk_reply_build_and_read), cmocka_unit_test(test_lk_reply_equal),
        cmocka_unit_test(test_lk_reply_int_at),         cmocka_unit_test(test_lk_reply_overflow_never_writes_past),
        cmocka_unit_test(test_lk_reply_truncate),       cmocka_unit_test(test_lk_reply_command_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
