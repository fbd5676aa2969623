/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sim_cmd_list.c: proves that the model Redis's list commands (sim/model/sim_cmd_list.c: LPUSH, RPUSH, LPOP,
 * RPOP, LLEN, LRANGE, LINDEX, LREM, LTRIM, LPOS) reply as Redis 7.0 does and keep the list encoding of
 * sim_keyspace.h canonical.
 *
 * How: each test runs command lines on a fresh malloc'ed key space through redis_expect (sim_redis_test.h) and
 * compares the reply, formatted redis-cli style, with the reply a real redis-server 7.0.15 gave for the same
 * sequence: element order of the pushes and pops, counts of 0, negative counts and indexes, every option of LPOS
 * and its reply shapes with and without COUNT, the error texts and the order in which Redis checks arguments
 * against the key (an argument error wins over WRONGTYPE for LPOP/RPOP count, LRANGE, LREM, LTRIM and LPOS, the key
 * wins for LINDEX), missing keys, binary-safe elements, and that a list emptied by any command loses its key. A
 * string key for WRONGTYPE is made through the key space API (SET is not this family's). After edits, the value's
 * bytes are compared with an encoding built by the test (u32 count, then u32 length + bytes per element, head
 * first), so a count off by one or a stray byte shows. Finally a fixed-seed run of a few thousand pushes, pops,
 * removals and trims on two interleaved lists of a few hundred elements (their blobs grow past each other, move
 * and are compacted) is checked step by step against a plain array model of the lists kept by the test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_redis_test.h"

#define T0 INT64_C(1700000000000) /* an arbitrary server wall instant, ms */

#define RANK_ZERO_ERR                                                                                                  \
    "(error) ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to "   \
    "start from the end of the list"
#define WRONGTYPE_ERR "(error) WRONGTYPE Operation against a key holding the wrong kind of value"
#define NOT_INT_ERR "(error) ERR value is not an integer or out of range"
#define POSITIVE_ERR "(error) ERR value is out of range, must be positive"

/* ---- helpers ------------------------------------------------------------------------------------------------- */

/* Creates the string key 'key' holding "v" through the key space API. */
static void make_string(sim_keyspace *ks, const char *key) {
    int slot;
    assert_int_equal(sim_ks_create(ks, key, (uint32_t)strlen(key), SIM_KS_STRING, 1, &slot), LK_OK);
    uint32_t n;
    sim_ks_value(ks, slot, &n)[0] = 'v';
}

/* 1 if 'key' exists (live at T0) in the key space. */
static int key_exists(sim_keyspace *ks, const char *key) {
    return sim_ks_peek(ks, key, (uint32_t)strlen(key), T0) >= 0;
}

/* Builds the list encoding of the 'n' elements 'elem' (lengths 'len') into 'out'; returns its length. */
static uint32_t encode_list(unsigned char *out, const char *const *elem, const uint32_t *len, uint32_t n) {
    uint32_t off = 4;
    memcpy(out, &n, 4);
    for (uint32_t i = 0; i < n; i++) {
        memcpy(out + off, &len[i], 4);
        memcpy(out + off + 4, elem[i], len[i]);
        off += 4 + len[i];
    }
    return off;
}

/* Asserts that 'key' is a list whose value is exactly the encoding of the NUL-terminated strings 'elem'. */
static void assert_list_bytes(sim_keyspace *ks, const char *key, const char *const *elem, uint32_t n) {
    static unsigned char want[SIM_KS_VALUE_BYTES_MAX];
    uint32_t len[64];
    assert_true(n <= 64);
    for (uint32_t i = 0; i < n; i++)
        len[i] = (uint32_t)strlen(elem[i]);
    uint32_t want_len = encode_list(want, elem, len, n);
    int slot = sim_ks_peek(ks, key, (uint32_t)strlen(key), T0);
    assert_true(slot >= 0);
    assert_int_equal(ks->entry[slot].type, SIM_KS_LIST);
    uint32_t got_len;
    const unsigned char *got = sim_ks_value_const(ks, slot, &got_len);
    assert_int_equal(got_len, want_len);
    assert_memory_equal(got, want, want_len);
}

/* ---- LPUSH / RPUSH --------------------------------------------------------------------------------------------- */

static void test_sim_cmd_list_push_order_and_length(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "LPUSH l a b c", "(integer) 3");
    redis_expect(ks, T0, "LRANGE l 0 -1", "[\"c\", \"b\", \"a\"]");
    redis_expect(ks, T0, "RPUSH l d e", "(integer) 5");
    redis_expect(ks, T0, "LRANGE l 0 -1", "[\"c\", \"b\", \"a\", \"d\", \"e\"]");
    assert_list_bytes(ks, "l", (const char *const[]){"c", "b", "a", "d", "e"}, 5);
    redis_expect(ks, T0, "lpush l x", "(integer) 6");
    redis_expect(ks, T0, "rpush r 1", "(integer) 1");
    redis_expect(ks, T0, "LRANGE r 0 -1", "[\"1\"]");
    redis_expect(ks, T0, "LPUSH l", "(error) ERR wrong number of arguments for 'lpush' command");
    redis_expect(ks, T0, "RPUSH l", "(error) ERR wrong number of arguments for 'rpush' command");
}

static void test_sim_cmd_list_binary_safe_elements(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "RPUSH b a\\x00b \"\" a a\\x00c \"\"", "(integer) 5");
    redis_expect(ks, T0, "LPOS b a\\x00b", "(integer) 0");
    redis_expect(ks, T0, "LPOS b \"\" COUNT 0", "[(integer) 1, (integer) 4]");
    redis_expect(ks, T0, "LRANGE b 0 -1", "[\"a\\x00b\", \"\", \"a\", \"a\\x00c\", \"\"]");
    redis_expect(ks, T0, "LREM b 0 \"\"", "(integer) 2");
    redis_expect(ks, T0, "LRANGE b 0 -1", "[\"a\\x00b\", \"a\", \"a\\x00c\"]");
    redis_expect(ks, T0, "LINDEX b -1", "\"a\\x00c\"");
    redis_expect(ks, T0, "LPUSH b \\xff\\x01", "(integer) 4");
    redis_expect(ks, T0, "LPOP b", "\"\\xff\\x01\"");
    int slot = sim_ks_peek(ks, "b", 1, T0);
    uint32_t n;
    const unsigned char *v = sim_ks_value_const(ks, slot, &n);
    static const unsigned char want[] = {3, 0, 0, 0, 3, 0, 0, 0, 'a', 0, 'b', 1, 0, 0, 0, 'a', 3, 0, 0, 0, 'a', 0, 'c'};
    assert_int_equal(n, sizeof(want));
    assert_memory_equal(v, want, sizeof(want));
}

/* ---- LPOP / RPOP ------------------------------------------------------------------------------------------------ */

static void test_sim_cmd_list_pop_without_count(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "LPOP nokey", "(nil)");
    redis_expect(ks, T0, "RPOP nokey", "(nil)");
    redis_expect(ks, T0, "RPUSH l a b c", "(integer) 3");
    redis_expect(ks, T0, "LPOP l", "\"a\"");
    redis_expect(ks, T0, "RPOP l", "\"c\"");
    assert_list_bytes(ks, "l", (const char *const[]){"b"}, 1);
    redis_expect(ks, T0, "RPOP l", "\"b\"");
    assert_false(key_exists(ks, "l"));
    redis_expect(ks, T0, "LPOP l", "(nil)");
    redis_expect(ks, T0, "RPUSH l a", "(integer) 1");
    redis_expect(ks, T0, "LPOP l", "\"a\"");
    assert_false(key_exists(ks, "l"));
}

static void test_sim_cmd_list_pop_with_count(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "RPUSH l a b c d e", "(integer) 5");
    redis_expect(ks, T0, "LPOP l 0", "[]");
    redis_expect(ks, T0, "RPOP l 0", "[]");
    redis_expect(ks, T0, "LPOP l 2", "[\"a\", \"b\"]");
    redis_expect(ks, T0, "RPOP l 2", "[\"e\", \"d\"]");
    redis_expect(ks, T0, "LRANGE l 0 -1", "[\"c\"]");
    redis_expect(ks, T0, "RPOP l 1", "[\"c\"]");
    assert_false(key_exists(ks, "l"));
    redis_expect(ks, T0, "RPUSH l a b c d", "(integer) 4");
    redis_expect(ks, T0, "RPOP l 3", "[\"d\", \"c\", \"b\"]");
    redis_expect(ks, T0, "RPUSH l b c d", "(integer) 4");
    assert_list_bytes(ks, "l", (const char *const[]){"a", "b", "c", "d"}, 4);
    redis_expect(ks, T0, "LPOP l 100", "[\"a\", \"b\", \"c\", \"d\"]");
    assert_false(key_exists(ks, "l"));
    redis_expect(ks, T0, "RPUSH l a b", "(integer) 2");
    redis_expect(ks, T0, "RPOP l 9223372036854775807", "[\"b\", \"a\"]");
    assert_false(key_exists(ks, "l"));
    /* a missing key is a nil (null array) whatever the count, 0 included */
    redis_expect(ks, T0, "LPOP nokey 0", "(nil)");
    redis_expect(ks, T0, "LPOP nokey 2", "(nil)");
    redis_expect(ks, T0, "RPOP nokey 0", "(nil)");
}

static void test_sim_cmd_list_pop_errors(void **state) {
    sim_keyspace *ks = *state;
    make_string(ks, "s");
    redis_expect(ks, T0, "RPUSH l a b", "(integer) 2");
    redis_expect(ks, T0, "LPOP l -1", POSITIVE_ERR);
    redis_expect(ks, T0, "RPOP l -1", POSITIVE_ERR);
    redis_expect(ks, T0, "LPOP l x", POSITIVE_ERR);
    redis_expect(ks, T0, "LPOP l 01", POSITIVE_ERR);
    redis_expect(ks, T0, "LPOP l +1", POSITIVE_ERR);
    redis_expect(ks, T0, "LPOP l -0", POSITIVE_ERR);
    redis_expect(ks, T0, "LPOP l \" 1\"", POSITIVE_ERR);
    redis_expect(ks, T0, "LPOP nokey 9223372036854775808", POSITIVE_ERR);
    redis_expect(ks, T0, "LPOP nokey -1", POSITIVE_ERR);
    redis_expect(ks, T0, "LPOP l 1 2", "(error) ERR wrong number of arguments for 'lpop' command");
    redis_expect(ks, T0, "RPOP l 1 2", "(error) ERR wrong number of arguments for 'rpop' command");
    redis_expect(ks, T0, "LPOP", "(error) ERR wrong number of arguments for 'lpop' command");
    /* the count is checked before the key's type */
    redis_expect(ks, T0, "LPOP s -1", POSITIVE_ERR);
    redis_expect(ks, T0, "RPOP s x", POSITIVE_ERR);
    redis_expect(ks, T0, "LPOP s", WRONGTYPE_ERR);
    redis_expect(ks, T0, "RPOP s", WRONGTYPE_ERR);
    redis_expect(ks, T0, "LPOP s 0", WRONGTYPE_ERR);
    redis_expect(ks, T0, "LRANGE l 0 -1", "[\"a\", \"b\"]");
}

/* ---- LLEN / LRANGE / LINDEX -------------------------------------------------------------------------------------- */

static void test_sim_cmd_list_llen(void **state) {
    sim_keyspace *ks = *state;
    make_string(ks, "s");
    redis_expect(ks, T0, "LLEN nokey", "(integer) 0");
    redis_expect(ks, T0, "RPUSH l a b c d e", "(integer) 5");
    redis_expect(ks, T0, "LLEN l", "(integer) 5");
    redis_expect(ks, T0, "LLEN s", WRONGTYPE_ERR);
}

static void test_sim_cmd_list_lrange_indexes(void **state) {
    sim_keyspace *ks = *state;
    make_string(ks, "s");
    redis_expect(ks, T0, "RPUSH l a b c d e", "(integer) 5");
    redis_expect(ks, T0, "LRANGE l 0 -1", "[\"a\", \"b\", \"c\", \"d\", \"e\"]");
    redis_expect(ks, T0, "LRANGE l -2 -1", "[\"d\", \"e\"]");
    redis_expect(ks, T0, "LRANGE l -100 1", "[\"a\", \"b\"]");
    redis_expect(ks, T0, "LRANGE l 3 1", "[]");
    redis_expect(ks, T0, "LRANGE l 5 10", "[]");
    redis_expect(ks, T0, "LRANGE l 1 100", "[\"b\", \"c\", \"d\", \"e\"]");
    redis_expect(ks, T0, "LRANGE l 2 2", "[\"c\"]");
    redis_expect(ks, T0, "LRANGE l -9223372036854775808 9223372036854775807", "[\"a\", \"b\", \"c\", \"d\", \"e\"]");
    redis_expect(ks, T0, "LRANGE nokey 0 -1", "[]");
    redis_expect(ks, T0, "LRANGE l x 1", NOT_INT_ERR);
    redis_expect(ks, T0, "LRANGE l 0 x", NOT_INT_ERR);
    redis_expect(ks, T0, "LRANGE nokey x 1", NOT_INT_ERR);
    redis_expect(ks, T0, "LRANGE s x 1", NOT_INT_ERR);
    redis_expect(ks, T0, "LRANGE s 0 1", WRONGTYPE_ERR);
}

static void test_sim_cmd_list_lindex(void **state) {
    sim_keyspace *ks = *state;
    make_string(ks, "s");
    redis_expect(ks, T0, "RPUSH l a b c d e", "(integer) 5");
    redis_expect(ks, T0, "LINDEX l 0", "\"a\"");
    redis_expect(ks, T0, "LINDEX l 4", "\"e\"");
    redis_expect(ks, T0, "LINDEX l -1", "\"e\"");
    redis_expect(ks, T0, "LINDEX l -5", "\"a\"");
    redis_expect(ks, T0, "LINDEX l -6", "(nil)");
    redis_expect(ks, T0, "LINDEX l 5", "(nil)");
    redis_expect(ks, T0, "LINDEX l -9223372036854775808", "(nil)");
    redis_expect(ks, T0, "LINDEX l x", NOT_INT_ERR);
    redis_expect(ks, T0, "LINDEX nokey 0", "(nil)");
    /* the key is looked up before the index is parsed */
    redis_expect(ks, T0, "LINDEX nokey x", "(nil)");
    redis_expect(ks, T0, "LINDEX s x", WRONGTYPE_ERR);
}

/* ---- LREM ----------------------------------------------------------------------------------------------------- */

static void test_sim_cmd_list_lrem_directions(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "RPUSH l a b a c a d a", "(integer) 7");
    redis_expect(ks, T0, "LREM l 2 a", "(integer) 2");
    redis_expect(ks, T0, "LRANGE l 0 -1", "[\"b\", \"c\", \"a\", \"d\", \"a\"]");
    redis_expect(ks, T0, "LREM l -1 a", "(integer) 1");
    redis_expect(ks, T0, "LRANGE l 0 -1", "[\"b\", \"c\", \"a\", \"d\"]");
    redis_expect(ks, T0, "LREM l 0 a", "(integer) 1");
    assert_list_bytes(ks, "l", (const char *const[]){"b", "c", "d"}, 3);
    redis_expect(ks, T0, "LREM l 0 zz", "(integer) 0");
    redis_expect(ks, T0, "LREM l 0 b", "(integer) 1");
    redis_expect(ks, T0, "LREM l 5 c", "(integer) 1");
    redis_expect(ks, T0, "LREM l -5 d", "(integer) 1");
    assert_false(key_exists(ks, "l"));
    redis_expect(ks, T0, "RPUSH l a b a c a d a", "(integer) 7");
    redis_expect(ks, T0, "LREM l -2 a", "(integer) 2");
    redis_expect(ks, T0, "LRANGE l 0 -1", "[\"a\", \"b\", \"a\", \"c\", \"d\"]");
    assert_list_bytes(ks, "l", (const char *const[]){"a", "b", "a", "c", "d"}, 5);
    redis_expect(ks, T0, "LTRIM l 1 0", "OK");
    redis_expect(ks, T0, "RPUSH l a b a c a d a", "(integer) 7");
    /* Redis negates a negative count: INT64_MIN stays negative and every match goes */
    redis_expect(ks, T0, "LREM l -9223372036854775808 a", "(integer) 4");
    redis_expect(ks, T0, "LRANGE l 0 -1", "[\"b\", \"c\", \"d\"]");
    redis_expect(ks, T0, "RPUSH m x x x", "(integer) 3");
    redis_expect(ks, T0, "LREM m 0 x", "(integer) 3");
    assert_false(key_exists(ks, "m"));
}

static void test_sim_cmd_list_lrem_errors_and_missing(void **state) {
    sim_keyspace *ks = *state;
    make_string(ks, "s");
    redis_expect(ks, T0, "LREM nokey 0 a", "(integer) 0");
    redis_expect(ks, T0, "LREM nokey -3 a", "(integer) 0");
    redis_expect(ks, T0, "LREM nokey x a", NOT_INT_ERR);
    redis_expect(ks, T0, "LREM s x a", NOT_INT_ERR);
    redis_expect(ks, T0, "LREM s 0 a", WRONGTYPE_ERR);
}

/* ---- LTRIM ---------------------------------------------------------------------------------------------------- */

static void test_sim_cmd_list_ltrim(void **state) {
    sim_keyspace *ks = *state;
    make_string(ks, "s");
    redis_expect(ks, T0, "LTRIM nokey 0 1", "OK");
    assert_false(key_exists(ks, "nokey"));
    redis_expect(ks, T0, "LTRIM nokey x 1", NOT_INT_ERR);
    redis_expect(ks, T0, "LTRIM s x 1", NOT_INT_ERR);
    redis_expect(ks, T0, "LTRIM s 0 1", WRONGTYPE_ERR);
    redis_expect(ks, T0, "RPUSH l a b a c d", "(integer) 5");
    redis_expect(ks, T0, "LTRIM l 0 x", NOT_INT_ERR);
    redis_expect(ks, T0, "LTRIM l 1 -2", "OK");
    redis_expect(ks, T0, "LRANGE l 0 -1", "[\"b\", \"a\", \"c\"]");
    assert_list_bytes(ks, "l", (const char *const[]){"b", "a", "c"}, 3);
    redis_expect(ks, T0, "LTRIM l -2 -1", "OK");
    redis_expect(ks, T0, "LRANGE l 0 -1", "[\"a\", \"c\"]");
    redis_expect(ks, T0, "LTRIM l 5 10", "OK");
    assert_false(key_exists(ks, "l"));
    redis_expect(ks, T0, "LLEN l", "(integer) 0");
    redis_expect(ks, T0, "RPUSH l a b c", "(integer) 3");
    redis_expect(ks, T0, "LTRIM l 2 1", "OK");
    assert_false(key_exists(ks, "l"));
    redis_expect(ks, T0, "RPUSH l a b c", "(integer) 3");
    redis_expect(ks, T0, "LTRIM l -100 100", "OK");
    redis_expect(ks, T0, "LRANGE l 0 -1", "[\"a\", \"b\", \"c\"]");
    redis_expect(ks, T0, "LTRIM l 0 0", "OK");
    redis_expect(ks, T0, "LRANGE l 0 -1", "[\"a\"]");
    assert_list_bytes(ks, "l", (const char *const[]){"a"}, 1);
}

/* ---- LPOS ----------------------------------------------------------------------------------------------------- */

static void test_sim_cmd_list_lpos_rank_and_count(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "RPUSH l a b c 1 2 3 c c", "(integer) 8");
    redis_expect(ks, T0, "LPOS l c", "(integer) 2");
    redis_expect(ks, T0, "LPOS l 1", "(integer) 3");
    redis_expect(ks, T0, "LPOS l zz", "(nil)");
    redis_expect(ks, T0, "LPOS l zz COUNT 0", "[]");
    redis_expect(ks, T0, "LPOS l c COUNT 0", "[(integer) 2, (integer) 6, (integer) 7]");
    redis_expect(ks, T0, "LPOS l c COUNT 1", "[(integer) 2]");
    redis_expect(ks, T0, "LPOS l c COUNT 2", "[(integer) 2, (integer) 6]");
    redis_expect(ks, T0, "LPOS l c COUNT 9223372036854775807", "[(integer) 2, (integer) 6, (integer) 7]");
    redis_expect(ks, T0, "LPOS l c RANK 2", "(integer) 6");
    redis_expect(ks, T0, "LPOS l c RANK 4", "(nil)");
    redis_expect(ks, T0, "LPOS l c RANK -1", "(integer) 7");
    redis_expect(ks, T0, "LPOS l c RANK -2 COUNT 0", "[(integer) 6, (integer) 2]");
    redis_expect(ks, T0, "LPOS l c RANK 3 COUNT 5", "[(integer) 7]");
    redis_expect(ks, T0, "LPOS l c RANK -3 COUNT 5", "[(integer) 2]");
    redis_expect(ks, T0, "LPOS l c RaNk 2 CoUnT 1", "[(integer) 6]");
    redis_expect(ks, T0, "LPOS l c RANK 1 RANK 2", "(integer) 6");
    redis_expect(ks, T0, "LPOS l c RANK 9223372036854775807", "(nil)");
    redis_expect(ks, T0, "LPOS l c RANK -9223372036854775807", "(nil)");
    /* Redis negates RANK INT64_MIN to itself: the first match from the tail, and with COUNT every match */
    redis_expect(ks, T0, "LPOS l c RANK -9223372036854775808", "(integer) 7");
    redis_expect(ks, T0, "LPOS l c RANK -9223372036854775808 COUNT 1", "[(integer) 7, (integer) 6, (integer) 2]");
    redis_expect(ks, T0, "LPOS l c RANK -9223372036854775808 COUNT 0", "[(integer) 7, (integer) 6, (integer) 2]");
}

static void test_sim_cmd_list_lpos_maxlen(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "RPUSH l a b c 1 2 3 c c", "(integer) 8");
    redis_expect(ks, T0, "LPOS l c MAXLEN 0", "(integer) 2");
    redis_expect(ks, T0, "LPOS l c MAXLEN 2", "(nil)");
    redis_expect(ks, T0, "LPOS l c MAXLEN 3", "(integer) 2");
    redis_expect(ks, T0, "LPOS l c MAXLEN 3 COUNT 0", "[(integer) 2]");
    redis_expect(ks, T0, "LPOS l c MAXLEN 100 COUNT 100", "[(integer) 2, (integer) 6, (integer) 7]");
    redis_expect(ks, T0, "LPOS l c RANK -1 MAXLEN 2", "(integer) 7");
    redis_expect(ks, T0, "LPOS l c RANK -1 MAXLEN 1 COUNT 0", "[(integer) 7]");
    redis_expect(ks, T0, "LPOS l c RANK -3 MAXLEN 5", "(nil)");
    redis_expect(ks, T0, "LPOS l c RANK -9223372036854775808 MAXLEN 1 COUNT 5", "[(integer) 7]");
}

static void test_sim_cmd_list_lpos_errors_and_missing(void **state) {
    sim_keyspace *ks = *state;
    make_string(ks, "s");
    redis_expect(ks, T0, "LPOS nokey c", "(nil)");
    redis_expect(ks, T0, "LPOS nokey c COUNT 0", "[]");
    redis_expect(ks, T0, "LPOS nokey c RANK -1 COUNT 3", "[]");
    redis_expect(ks, T0, "RPUSH l a b c", "(integer) 3");
    redis_expect(ks, T0, "LPOS l c RANK 0", RANK_ZERO_ERR);
    redis_expect(ks, T0, "LPOS l c RANK x", NOT_INT_ERR);
    redis_expect(ks, T0, "LPOS l c COUNT -1", "(error) ERR COUNT can't be negative");
    redis_expect(ks, T0, "LPOS l c COUNT x", "(error) ERR COUNT can't be negative");
    redis_expect(ks, T0, "LPOS l c COUNT 9223372036854775808", "(error) ERR COUNT can't be negative");
    redis_expect(ks, T0, "LPOS l c COUNT 1 COUNT -1", "(error) ERR COUNT can't be negative");
    redis_expect(ks, T0, "LPOS l c MAXLEN -1", "(error) ERR MAXLEN can't be negative");
    redis_expect(ks, T0, "LPOS l c MAXLEN x", "(error) ERR MAXLEN can't be negative");
    redis_expect(ks, T0, "LPOS l c COUNT 0 RANK 0", RANK_ZERO_ERR);
    redis_expect(ks, T0, "LPOS l c foo", "(error) ERR syntax error");
    redis_expect(ks, T0, "LPOS l c RANK", "(error) ERR syntax error");
    redis_expect(ks, T0, "LPOS l c COUNT", "(error) ERR syntax error");
    redis_expect(ks, T0, "LPOS l c MAXLEN", "(error) ERR syntax error");
    redis_expect(ks, T0, "LPOS l", "(error) ERR wrong number of arguments for 'lpos' command");
    /* options are checked before the key */
    redis_expect(ks, T0, "LPOS s c", WRONGTYPE_ERR);
    redis_expect(ks, T0, "LPOS s c RANK 0", RANK_ZERO_ERR);
    redis_expect(ks, T0, "LPOS s c foo", "(error) ERR syntax error");
    redis_expect(ks, T0, "LPOS nokey c RANK 0", RANK_ZERO_ERR);
    redis_expect(ks, T0, "LPOS nokey c foo", "(error) ERR syntax error");
}

/* ---- WRONGTYPE and expiry ------------------------------------------------------------------------------------ */

static void test_sim_cmd_list_wrongtype_writes_nothing(void **state) {
    sim_keyspace *ks = *state;
    make_string(ks, "s");
    redis_expect(ks, T0, "LPUSH s x", WRONGTYPE_ERR);
    redis_expect(ks, T0, "RPUSH s x", WRONGTYPE_ERR);
    int slot = sim_ks_peek(ks, "s", 1, T0);
    assert_int_equal(ks->entry[slot].type, SIM_KS_STRING);
    uint32_t n;
    const unsigned char *v = sim_ks_value_const(ks, slot, &n);
    assert_int_equal(n, 1);
    assert_int_equal(v[0], 'v');
}

static void test_sim_cmd_list_expired_key_is_missing(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "RPUSH l a b", "(integer) 2");
    int slot = sim_ks_peek(ks, "l", 1, T0);
    ks->entry[slot].deadline_ms = T0 + 10;
    redis_expect(ks, T0 + 10, "LLEN l", "(integer) 2");
    redis_expect(ks, T0 + 11, "LLEN l", "(integer) 0");
    redis_expect(ks, T0 + 11, "LPOP l", "(nil)");
    redis_expect(ks, T0 + 11, "RPUSH l c", "(integer) 1");
    redis_expect(ks, T0 + 11, "LRANGE l 0 -1", "[\"c\"]");
}

/* ---- many elements against an independent model ---------------------------------------------------------------- */

enum { BIG_MAX = 1200, BIG_ELEM = 32 };

/* A plain array model of one list. */
typedef struct big_list {
    char elem[BIG_MAX][BIG_ELEM];
    uint32_t n;
} big_list;

static uint64_t big_rng(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Checks the key's encoding byte for byte against the model (absent when the model is empty). */
static void big_check(sim_keyspace *ks, const char *key, const big_list *m) {
    static unsigned char want[SIM_KS_VALUE_BYTES_MAX];
    int slot = sim_ks_peek(ks, key, (uint32_t)strlen(key), T0);
    if (m->n == 0) {
        assert_int_equal(slot, -1);
        return;
    }
    assert_true(slot >= 0);
    uint32_t off = 4;
    memcpy(want, &m->n, 4);
    for (uint32_t i = 0; i < m->n; i++) {
        uint32_t len = (uint32_t)strlen(m->elem[i]);
        memcpy(want + off, &len, 4);
        memcpy(want + off + 4, m->elem[i], len);
        off += 4 + len;
    }
    uint32_t got_len;
    const unsigned char *got = sim_ks_value_const(ks, slot, &got_len);
    assert_int_equal(got_len, off);
    assert_memory_equal(got, want, off);
}

/* Applies one random command to list 'key' and to its model, checking the reply. */
static void big_step(sim_keyspace *ks, const char *key, big_list *m, uint64_t *rng) {
    char line[256], want[2048], val[BIG_ELEM];
    uint64_t op = big_rng(rng) % 100;
    snprintf(val, sizeof(val), "v%u", (unsigned)(big_rng(rng) % 40) * 97u % 1000u);
    if (op < 35 && m->n < BIG_MAX - 1) { /* LPUSH or RPUSH one element */
        int tail = op < 18;
        snprintf(line, sizeof(line), "%s %s %s", tail ? "RPUSH" : "LPUSH", key, val);
        if (!tail) memmove(m->elem[1], m->elem[0], (size_t)m->n * BIG_ELEM);
        memcpy(m->elem[tail ? m->n : 0], val, sizeof(val));
        m->n++;
        snprintf(want, sizeof(want), "(integer) %u", m->n);
    } else if (op < 45) { /* LPOP / RPOP without a count */
        int tail = op < 40;
        snprintf(line, sizeof(line), "%s %s", tail ? "RPOP" : "LPOP", key);
        if (m->n == 0) {
            snprintf(want, sizeof(want), "(nil)");
        } else {
            snprintf(want, sizeof(want), "\"%s\"", m->elem[tail ? m->n - 1 : 0]);
            if (!tail) memmove(m->elem[0], m->elem[1], (size_t)(m->n - 1) * BIG_ELEM);
            m->n--;
        }
    } else if (op < 55) { /* LREM of one value, from either end */
        int64_t count = (int64_t)(big_rng(rng) % 7) - 3, removed = 0;
        snprintf(line, sizeof(line), "LREM %s %lld %s", key, (long long)count, val);
        uint32_t k = 0, matches = 0, total = 0;
        for (uint32_t i = 0; i < m->n; i++)
            total += strcmp(m->elem[i], val) == 0;
        uint32_t limit = count == 0 ? total : (uint32_t)(count < 0 ? -count : count);
        for (uint32_t i = 0; i < m->n; i++) {
            int match = strcmp(m->elem[i], val) == 0;
            matches += (uint32_t)match;
            /* from the head: matches 1..limit; from the tail: the last 'limit' matches */
            int gone = match && (count >= 0 ? matches <= limit : matches + limit > total);
            if (gone)
                removed++;
            else
                memmove(m->elem[k++], m->elem[i], BIG_ELEM);
        }
        m->n = k;
        snprintf(want, sizeof(want), "(integer) %lld", (long long)removed);
    } else if (op < 58) { /* LTRIM keeping most of the list */
        int64_t start = (int64_t)(big_rng(rng) % 5), stop = -1 - (int64_t)(big_rng(rng) % 5);
        snprintf(line, sizeof(line), "LTRIM %s %lld %lld", key, (long long)start, (long long)stop);
        int64_t to = (int64_t)m->n + stop;
        if (start > to || start >= (int64_t)m->n) {
            m->n = 0;
        } else {
            memmove(m->elem[0], m->elem[start], (size_t)(to - start + 1) * BIG_ELEM);
            m->n = (uint32_t)(to - start + 1);
        }
        snprintf(want, sizeof(want), "OK");
    } else { /* LINDEX at a random index, either sign */
        int64_t idx = (int64_t)(big_rng(rng) % (m->n + 2)) - (int64_t)(big_rng(rng) % 2 ? m->n + 1 : 0);
        snprintf(line, sizeof(line), "LINDEX %s %lld", key, (long long)idx);
        int64_t at = idx < 0 ? idx + m->n : idx;
        if (at < 0 || at >= (int64_t)m->n)
            snprintf(want, sizeof(want), "(nil)");
        else
            snprintf(want, sizeof(want), "\"%s\"", m->elem[at]);
    }
    redis_expect(ks, T0, line, want);
}

static void test_sim_cmd_list_many_elements_match_model(void **state) {
    sim_keyspace *ks = *state;
    big_list *m = calloc(2, sizeof(big_list));
    assert_non_null(m);
    const char *keys[2] = {"big:one", "big:two"};
    uint64_t rng = 0x9e3779b97f4a7c15u;
    /* a few hundred elements each, pushed in turn so that the two blobs keep outgrowing each other */
    for (int i = 0; i < 600; i++) {
        big_list *l = &m[i % 2];
        char line[128], want[32], val[BIG_ELEM];
        snprintf(val, sizeof(val), "e%d_%.*s", i, i % 13, "xxxxxxxxxxxxx");
        snprintf(line, sizeof(line), "%s %s %s", i % 3 ? "RPUSH" : "LPUSH", keys[i % 2], val);
        if (i % 3 == 0) memmove(l->elem[1], l->elem[0], (size_t)l->n * BIG_ELEM);
        memcpy(l->elem[i % 3 ? l->n : 0], val, sizeof(val));
        l->n++;
        snprintf(want, sizeof(want), "(integer) %u", l->n);
        redis_expect(ks, T0, line, want);
    }
    big_check(ks, keys[0], &m[0]);
    big_check(ks, keys[1], &m[1]);
    char line[128], want[64];
    redis_expect(ks, T0, "LLEN big:one", "(integer) 300");
    snprintf(want, sizeof(want), "\"%s\"", m[0].elem[0]);
    redis_expect(ks, T0, "LINDEX big:one 0", want);
    snprintf(line, sizeof(line), "LPOS big:two %s RANK -1", m[1].elem[299]);
    redis_expect(ks, T0, line, "(integer) 299");
    for (int step = 0; step < 4000; step++) {
        big_step(ks, keys[step % 2], &m[step % 2], &rng);
        if (step % 97 == 0) {
            big_check(ks, keys[0], &m[0]);
            big_check(ks, keys[1], &m[1]);
        }
    }
    big_check(ks, keys[0], &m[0]);
    big_check(ks, keys[1], &m[1]);
    assert_true(m[0].n > 100 && m[1].n > 100);
    free(m);
}

/* Runs 'line' and leaves its reply in 'r' (buffers 'nodes' and 'bytes' of the caller) for element checks. */
static void run_reply(sim_keyspace *ks, const char *line, lk_reply *r, lk_reply_node *nodes, uint32_t node_cap,
                      char *bytes, uint32_t bytes_cap) {
    lk_reply_init(r, nodes, node_cap, bytes, bytes_cap);
    assert_int_equal(redis_run_into(ks, NULL, T0, line, r), LK_OK);
}

/* A list long enough that tail-first replies (RPOP with a count, LPOS with a negative RANK) take several chunks of
 * the walk; element k is "x1" when k % 3 == 0, else "y0". */
static void test_sim_cmd_list_tail_first_replies_span_chunks(void **state) {
    sim_keyspace *ks = *state;
    static lk_reply_node nodes[1024];
    static char bytes[16384];
    char line[1024], want[32];
    for (int i = 0; i < 600; i += 60) { /* the helper splits at most REDIS_TEST_WORDS words: push in batches */
        int used = snprintf(line, sizeof(line), "RPUSH c");
        for (int k = i; k < i + 60; k++)
            used += snprintf(line + used, sizeof(line) - (size_t)used, " %s", k % 3 ? "y0" : "x1");
        snprintf(want, sizeof(want), "(integer) %d", i + 60);
        redis_expect(ks, T0, line, want);
    }
    lk_reply r;
    run_reply(ks, "LPOS c x1 RANK -1 COUNT 0", &r, nodes, 1024, bytes, sizeof(bytes));
    assert_int_equal(lk_reply_at(&r, 0)->type, LK_REPLY_ARRAY);
    assert_int_equal(lk_reply_at(&r, 0)->len, 200);
    for (uint32_t k = 0; k < 200; k++)
        assert_int_equal(lk_reply_at(&r, lk_reply_child(&r, 0, k))->integer, 597 - 3 * (int64_t)k);
    run_reply(ks, "LPOS c x1 RANK 2 COUNT 0", &r, nodes, 1024, bytes, sizeof(bytes));
    assert_int_equal(lk_reply_at(&r, 0)->len, 199);
    for (uint32_t k = 0; k < 199; k++)
        assert_int_equal(lk_reply_at(&r, lk_reply_child(&r, 0, k))->integer, 3 + 3 * (int64_t)k);
    redis_expect(ks, T0, "LPOS c x1 RANK -200", "(integer) 0");
    redis_expect(ks, T0, "LPOS c x1 RANK -201", "(nil)");
    redis_expect(ks, T0, "LPOS c x1 RANK -199 COUNT 3", "[(integer) 3, (integer) 0]");
    redis_expect(ks, T0, "LPOS c x1 RANK 199 COUNT 3", "[(integer) 594, (integer) 597]");
    redis_expect(ks, T0, "LPOS c x1 RANK -2 MAXLEN 300 COUNT 2", "[(integer) 594, (integer) 591]");
    /* pop 300 from the tail: the reply runs from index 599 down to index 300 */
    run_reply(ks, "RPOP c 300", &r, nodes, 1024, bytes, sizeof(bytes));
    assert_int_equal(lk_reply_at(&r, 0)->len, 300);
    for (uint32_t k = 0; k < 300; k++) {
        uint32_t at = lk_reply_child(&r, 0, k);
        assert_int_equal(lk_reply_at(&r, at)->type, LK_REPLY_STRING);
        assert_string_equal(lk_reply_str(&r, at), (599 - k) % 3 ? "y0" : "x1");
    }
    redis_expect(ks, T0, "LLEN c", "(integer) 300");
    redis_expect(ks, T0, "RPOP c 2", "[\"y0\", \"y0\"]");
    redis_expect(ks, T0, "RPOP c 1", "[\"x1\"]");
    redis_expect(ks, T0, "LINDEX c -1", "\"y0\"");
    redis_expect(ks, T0, "LINDEX c 0", "\"x1\"");
    run_reply(ks, "LPOP c 297", &r, nodes, 1024, bytes, sizeof(bytes));
    assert_int_equal(lk_reply_at(&r, 0)->len, 297);
    for (uint32_t k = 0; k < 297; k++)
        assert_string_equal(lk_reply_str(&r, lk_reply_child(&r, 0, k)), k % 3 ? "y0" : "x1");
    assert_false(key_exists(ks, "c"));
}

#define LIST_TEST(f) cmocka_unit_test_setup_teardown(f, ks_setup, ks_teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        LIST_TEST(test_sim_cmd_list_push_order_and_length),
        LIST_TEST(test_sim_cmd_list_binary_safe_elements),
        LIST_TEST(test_sim_cmd_list_pop_without_count),
        LIST_TEST(test_sim_cmd_list_pop_with_count),
        LIST_TEST(test_sim_cmd_list_pop_errors),
        LIST_TEST(test_sim_cmd_list_llen),
        LIST_TEST(test_sim_cmd_list_lrange_indexes),
        LIST_TEST(test_sim_cmd_list_lindex),
        LIST_TEST(test_sim_cmd_list_lrem_directions),
        LIST_TEST(test_sim_cmd_list_lrem_errors_and_missing),
        LIST_TEST(test_sim_cmd_list_ltrim),
        LIST_TEST(test_sim_cmd_list_lpos_rank_and_count),
        LIST_TEST(test_sim_cmd_list_lpos_maxlen),
        LIST_TEST(test_sim_cmd_list_lpos_errors_and_missing),
        LIST_TEST(test_sim_cmd_list_wrongtype_writes_nothing),
        LIST_TEST(test_sim_cmd_list_expired_key_is_missing),
        LIST_TEST(test_sim_cmd_list_many_elements_match_model),
        LIST_TEST(test_sim_cmd_list_tail_first_replies_span_chunks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
