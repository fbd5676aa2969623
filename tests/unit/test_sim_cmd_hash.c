/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sim_cmd_hash.c: proves that the model's hash commands (sim/model/sim_cmd_hash.c) answer as Redis 7.0.15
 * does. Each command line runs through sim_redis_exec on a fresh key space and its reply, formatted redis-cli style,
 * is compared with the reply a real redis-server 7.0.15 gave for the same line (small hashes, so listpack-encoded in
 * Redis, whose order is insertion order as the model's): every command, every HSCAN option and cursor form, the
 * argument and value errors with their exact texts, WRONGTYPE, absent keys, binary-safe fields, the in-place
 * replacement that keeps a field's position, lazy expiry, and the key's deletion with its last field. A fixed-seed
 * run of a few thousand HSET/HDEL/HINCRBY calls over a few hundred fields, interleaved with other keys so the hash's
 * blob moves and the heap compacts, is compared call by call with a plain array that implements the same semantics
 * independently; its full HGETALL is compared with the array and its encoding is checked to be canonical (count
 * exact, no byte past the last entry). A value beyond the model's limit is refused with LK_ELIMIT and leaves no key.
 */
#include "tests/unit/sim_redis_test.h"

#include "sim/model/sim_keyspace.h"

#define T0 INT64_C(1700000000000) /* an arbitrary server wall instant, ms */

/* ---- helpers --------------------------------------------------------------------------------------------------- */

/* Stores the string 'value' under 'key' through the key space API (SET is another family's). */
static void put_string(sim_keyspace *ks, const char *key, const char *value) {
    int slot;
    uint32_t n;
    assert_int_equal(sim_ks_create(ks, key, (uint32_t)strlen(key), SIM_KS_STRING, (uint32_t)strlen(value), &slot),
                     LK_OK);
    memcpy(sim_ks_value(ks, slot, &n), value, strlen(value));
}

/* Checks that the hash under 'key' is canonical: its count is the number of entries and the last one ends the
 * value exactly. Returns the count. */
static uint32_t check_hash_encoding(sim_keyspace *ks, const char *key) {
    int slot = sim_ks_peek(ks, key, (uint32_t)strlen(key), T0);
    assert_true(slot >= 0);
    assert_int_equal(ks->entry[slot].type, SIM_KS_HASH);
    uint32_t n, off = 4, count;
    const unsigned char *v = sim_ks_value_const(ks, slot, &n);
    assert_true(n >= 4);
    memcpy(&count, v, 4);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t flen, vlen;
        assert_true(off + 4 <= n);
        memcpy(&flen, v + off, 4);
        assert_true(off + 8 + flen <= n);
        memcpy(&vlen, v + off + 4 + flen, 4);
        off += 8 + flen + vlen;
        assert_true(off <= n);
    }
    assert_int_equal(off, n);
    return count;
}

static int key_exists(sim_keyspace *ks, const char *key) {
    return sim_ks_peek(ks, key, (uint32_t)strlen(key), T0) >= 0;
}

/* ---- HSET, HSETNX ---------------------------------------------------------------------------------------------- */

static void test_sim_cmd_hash_hset_counts_new_fields(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "HSET h a 1 b 2 a 3", "(integer) 2");
    redis_expect(ks, T0, "HGETALL h", "[\"a\", \"3\", \"b\", \"2\"]");
    redis_expect(ks, T0, "HSET h c 4 a 9", "(integer) 1");
    redis_expect(ks, T0, "HGETALL h", "[\"a\", \"9\", \"b\", \"2\", \"c\", \"4\"]");
    redis_expect(ks, T0, "hset h b 2", "(integer) 0");
    assert_int_equal(check_hash_encoding(ks, "h"), 3);
}

static void test_sim_cmd_hash_hset_replaces_in_place(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "HSET h f v g w", "(integer) 2");
    redis_expect(ks, T0, "HSET h f longer", "(integer) 0");
    redis_expect(ks, T0, "HGETALL h", "[\"f\", \"longer\", \"g\", \"w\"]");
    redis_expect(ks, T0, "HSET h f s", "(integer) 0");
    redis_expect(ks, T0, "HSET h f \"\"", "(integer) 0");
    redis_expect(ks, T0, "HGETALL h", "[\"f\", \"\", \"g\", \"w\"]");
    assert_int_equal(check_hash_encoding(ks, "h"), 2);
}

static void test_sim_cmd_hash_hset_arity(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "HSET h a", "(error) ERR wrong number of arguments for 'hset' command");
    redis_expect(ks, T0, "HSET h a 1 b", "(error) ERR wrong number of arguments for 'hset' command");
    assert_false(key_exists(ks, "h"));
    put_string(ks, "s", "v");
    redis_expect(ks, T0, "HSET s a 1 b", "(error) ERR wrong number of arguments for 'hset' command");
    redis_expect(ks, T0, "HSETNX h a", "(error) ERR wrong number of arguments for 'hsetnx' command");
}

static void test_sim_cmd_hash_hsetnx(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "HSETNX h z x", "(integer) 1");
    redis_expect(ks, T0, "HSETNX h z y", "(integer) 0");
    redis_expect(ks, T0, "HGET h z", "\"x\"");
    redis_expect(ks, T0, "HSETNX h a b", "(integer) 1");
    redis_expect(ks, T0, "HGETALL h", "[\"z\", \"x\", \"a\", \"b\"]");
}

/* ---- HGET, HMGET, HEXISTS, HLEN -------------------------------------------------------------------------------- */

static void test_sim_cmd_hash_hget_hmget(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "HGET nokey a", "(nil)");
    redis_expect(ks, T0, "HMGET nokey a b", "[(nil), (nil)]");
    redis_expect(ks, T0, "HSET h a 9 b 2", "(integer) 2");
    redis_expect(ks, T0, "HGET h a", "\"9\"");
    redis_expect(ks, T0, "HGET h nope", "(nil)");
    redis_expect(ks, T0, "HMGET h a nope b", "[\"9\", (nil), \"2\"]");
    redis_expect(ks, T0, "HMGET h a a", "[\"9\", \"9\"]");
    redis_expect(ks, T0, "HGET h", "(error) ERR wrong number of arguments for 'hget' command");
    redis_expect(ks, T0, "HMGET h", "(error) ERR wrong number of arguments for 'hmget' command");
}

static void test_sim_cmd_hash_hexists_hlen(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "HEXISTS nokey a", "(integer) 0");
    redis_expect(ks, T0, "HLEN nokey", "(integer) 0");
    redis_expect(ks, T0, "HSET h a 1 b 2 c 3", "(integer) 3");
    redis_expect(ks, T0, "HEXISTS h b", "(integer) 1");
    redis_expect(ks, T0, "HEXISTS h B", "(integer) 0");
    redis_expect(ks, T0, "HLEN h", "(integer) 3");
}

/* Fields are compared as bytes: case, NUL bytes and prefixes make different fields; the empty field is one. */
static void test_sim_cmd_hash_binary_safe_fields(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "HSET h \"\" empty A upper a lower a\\x00b nul", "(integer) 4");
    redis_expect(ks, T0, "HGET h \"\"", "\"empty\"");
    redis_expect(ks, T0, "HGET h A", "\"upper\"");
    redis_expect(ks, T0, "HGET h a", "\"lower\"");
    redis_expect(ks, T0, "HGET h a\\x00b", "\"nul\"");
    redis_expect(ks, T0, "HGET h a\\x00", "(nil)");
    redis_expect(ks, T0, "HKEYS h", "[\"\", \"A\", \"a\", \"a\\x00b\"]");
    redis_expect(ks, T0, "HSET h k \\x01\\xff", "(integer) 1");
    redis_expect(ks, T0, "HGET h k", "\"\\x01\\xff\"");
}

/* ---- HDEL ------------------------------------------------------------------------------------------------------ */

static void test_sim_cmd_hash_hdel(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "HDEL nokey a", "(integer) 0");
    redis_expect(ks, T0, "HSET h a 1 b 2 c 3 d 4", "(integer) 4");
    redis_expect(ks, T0, "HDEL h b nope b", "(integer) 1");
    redis_expect(ks, T0, "HGETALL h", "[\"a\", \"1\", \"c\", \"3\", \"d\", \"4\"]");
    redis_expect(ks, T0, "HDEL h a", "(integer) 1");
    redis_expect(ks, T0, "HGETALL h", "[\"c\", \"3\", \"d\", \"4\"]");
    assert_int_equal(check_hash_encoding(ks, "h"), 2);
    redis_expect(ks, T0, "HDEL h", "(error) ERR wrong number of arguments for 'hdel' command");
}

static void test_sim_cmd_hash_deleted_when_emptied(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "HSET h x 1", "(integer) 1");
    redis_expect(ks, T0, "HDEL h x x", "(integer) 1");
    assert_false(key_exists(ks, "h"));
    assert_int_equal(ks->count, 0);
    redis_expect(ks, T0, "HSET h \"\" e A u a l", "(integer) 3");
    redis_expect(ks, T0, "HDEL h A a \"\" more", "(integer) 3");
    assert_false(key_exists(ks, "h"));
    redis_expect(ks, T0, "HLEN h", "(integer) 0");
    redis_expect(ks, T0, "HGETALL h", "[]");
    assert_int_equal(ks->heap_top, 0);
}

/* ---- HINCRBY --------------------------------------------------------------------------------------------------- */

static void test_sim_cmd_hash_hincrby(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "HINCRBY nokey a 5", "(integer) 5");
    redis_expect(ks, T0, "HINCRBY nokey a -7", "(integer) -2");
    redis_expect(ks, T0, "HGET nokey a", "\"-2\"");
    redis_expect(ks, T0, "HSET h n 10 m x", "(integer) 2");
    redis_expect(ks, T0, "HINCRBY h n 0", "(integer) 10");
    redis_expect(ks, T0, "HINCRBY h n -15", "(integer) -5");
    redis_expect(ks, T0, "HINCRBY h new 7", "(integer) 7");
    redis_expect(ks, T0, "HGETALL h", "[\"n\", \"-5\", \"m\", \"x\", \"new\", \"7\"]");
    redis_expect(ks, T0, "HINCRBY h n 1000", "(integer) 995");
    redis_expect(ks, T0, "HGETALL h", "[\"n\", \"995\", \"m\", \"x\", \"new\", \"7\"]");
    assert_int_equal(check_hash_encoding(ks, "h"), 3);
}

/* A stored value must be a canonical 64-bit integer; the increment must be one too, checked before the key. */
static void test_sim_cmd_hash_hincrby_errors(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "HSET h sp \" 5\" lz 007 plus +5 neg0 -0 empty \"\" f 1.5 tr \"5 \" n 10", "(integer) 8");
    static const char *const bad[] = {"sp", "lz", "plus", "neg0", "empty", "f", "tr"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char line[64];
        snprintf(line, sizeof(line), "HINCRBY h %s 1", bad[i]);
        redis_expect(ks, T0, line, "(error) ERR hash value is not an integer");
    }
    redis_expect(ks, T0, "HINCRBY h m", "(error) ERR wrong number of arguments for 'hincrby' command");
    redis_expect(ks, T0, "HINCRBY h n x", "(error) ERR value is not an integer or out of range");
    redis_expect(ks, T0, "HINCRBY h n 1.0", "(error) ERR value is not an integer or out of range");
    redis_expect(ks, T0, "HINCRBY h n \" 1\"", "(error) ERR value is not an integer or out of range");
    redis_expect(ks, T0, "HINCRBY h n 01", "(error) ERR value is not an integer or out of range");
    redis_expect(ks, T0, "HINCRBY h n 9223372036854775808", "(error) ERR value is not an integer or out of range");
    redis_expect(ks, T0, "HINCRBY h sp x", "(error) ERR value is not an integer or out of range");
    redis_expect(ks, T0, "HINCRBY nokey2 a x", "(error) ERR value is not an integer or out of range");
    assert_false(key_exists(ks, "nokey2"));
    redis_expect(ks, T0, "HGET h sp", "\" 5\"");
    redis_expect(ks, T0, "HGET h n", "\"10\"");
    put_string(ks, "s", "v");
    redis_expect(ks, T0, "HINCRBY s a x", "(error) ERR value is not an integer or out of range");
    redis_expect(ks, T0, "HINCRBY s a 1", "(error) WRONGTYPE Operation against a key holding the wrong kind of value");
}

static void test_sim_cmd_hash_hincrby_overflow(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "HSET h big 9223372036854775807 small -9223372036854775808", "(integer) 2");
    redis_expect(ks, T0, "HINCRBY h big 1", "(error) ERR increment or decrement would overflow");
    redis_expect(ks, T0, "HINCRBY h big 0", "(integer) 9223372036854775807");
    redis_expect(ks, T0, "HINCRBY h big -1", "(integer) 9223372036854775806");
    redis_expect(ks, T0, "HINCRBY h small -1", "(error) ERR increment or decrement would overflow");
    redis_expect(ks, T0, "HINCRBY h small 1", "(integer) -9223372036854775807");
    redis_expect(ks, T0, "HGETALL h", "[\"big\", \"9223372036854775806\", \"small\", \"-9223372036854775807\"]");
    redis_expect(ks, T0, "HINCRBY k a -9223372036854775808", "(integer) -9223372036854775808");
    redis_expect(ks, T0, "HINCRBY k a -1", "(error) ERR increment or decrement would overflow");
    redis_expect(ks, T0, "HINCRBY k a 0", "(integer) -9223372036854775808");
    redis_expect(ks, T0, "HINCRBY k a 9223372036854775807", "(integer) -1");
    redis_expect(ks, T0, "HGET k a", "\"-1\"");
}

/* ---- HKEYS, HVALS, HGETALL ------------------------------------------------------------------------------------- */

static void test_sim_cmd_hash_hkeys_hvals_hgetall(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "HKEYS nokey", "[]");
    redis_expect(ks, T0, "HVALS nokey", "[]");
    redis_expect(ks, T0, "HGETALL nokey", "[]");
    redis_expect(ks, T0, "HSET h b 2 c 4 z x", "(integer) 3");
    redis_expect(ks, T0, "HKEYS h", "[\"b\", \"c\", \"z\"]");
    redis_expect(ks, T0, "HVALS h", "[\"2\", \"4\", \"x\"]");
    redis_expect(ks, T0, "HGETALL h", "[\"b\", \"2\", \"c\", \"4\", \"z\", \"x\"]");
    redis_expect(ks, T0, "HKEYS h extra", "(error) ERR wrong number of arguments for 'hkeys' command");
}

/* ---- HSCAN ----------------------------------------------------------------------------------------------------- */

static void test_sim_cmd_hash_hscan_cursor(void **state) {
    sim_keyspace *ks = *state;
    const char *all = "[\"0\", [\"a\", \"1\", \"b\", \"2\"]]";
    redis_expect(ks, T0, "HSET h a 1 b 2", "(integer) 2");
    /* any cursor strtoul takes: the whole small hash and cursor 0, as Redis answers a listpack hash */
    static const char *const ok[] = {"0",
                                     "5",
                                     "18446744073709551615",
                                     "-1",
                                     "+3",
                                     "007",
                                     "\"\"",
                                     "-18446744073709551615",
                                     "00000000000000000000000000000000000001",
                                     "1\\x00x",
                                     "\\x00x"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        char line[96];
        snprintf(line, sizeof(line), "HSCAN h %s", ok[i]);
        redis_expect(ks, T0, line, all);
    }
    static const char *const bad[] = {"18446744073709551616",
                                      "-18446744073709551616",
                                      "\" 1\"",
                                      "\"1 \"",
                                      "1x",
                                      "-",
                                      "+",
                                      "0x10",
                                      "\" \"",
                                      "\\x091",
                                      "+-1",
                                      "+\\x00"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char line[96];
        snprintf(line, sizeof(line), "HSCAN h %s", bad[i]);
        redis_expect(ks, T0, line, "(error) ERR invalid cursor");
    }
    redis_expect(ks, T0, "HSCAN nokey 0", "[\"0\", []]");
    redis_expect(ks, T0, "HSCAN nokey x", "(error) ERR invalid cursor");
    redis_expect(ks, T0, "HSCAN h", "(error) ERR wrong number of arguments for 'hscan' command");
}

static void test_sim_cmd_hash_hscan_options(void **state) {
    sim_keyspace *ks = *state;
    const char *all = "[\"0\", [\"a\", \"1\", \"b\", \"2\", \"c\", \"3\", \"ab\", \"4\"]]";
    redis_expect(ks, T0, "HSET h a 1 b 2 c 3 ab 4", "(integer) 4");
    redis_expect(ks, T0, "HSCAN h 0 match a*", "[\"0\", [\"a\", \"1\", \"ab\", \"4\"]]");
    redis_expect(ks, T0, "HSCAN h 0 MATCH a* match b*", "[\"0\", [\"b\", \"2\"]]");
    redis_expect(ks, T0, "HSCAN h 0 match zz", "[\"0\", []]");
    redis_expect(ks, T0, "HSCAN h 0 match *", all);
    redis_expect(ks, T0, "HSCAN h 0 match [a-b]", "[\"0\", [\"a\", \"1\", \"b\", \"2\"]]");
    redis_expect(ks, T0, "HSCAN h 0 MATCH ?b COUNT 10", "[\"0\", [\"ab\", \"4\"]]");
    redis_expect(ks, T0, "HSCAN h 0 count 1", all);
    redis_expect(ks, T0, "HSCAN h 0 CoUnT 9223372036854775807", all);
    redis_expect(ks, T0, "HSCAN h 0 count 0", "(error) ERR syntax error");
    redis_expect(ks, T0, "HSCAN h 0 count -1", "(error) ERR syntax error");
    redis_expect(ks, T0, "HSCAN h 0 count 0 match a*", "(error) ERR syntax error");
    redis_expect(ks, T0, "HSCAN h 0 count x", "(error) ERR value is not an integer or out of range");
    redis_expect(ks, T0, "HSCAN h 0 count 9223372036854775808", "(error) ERR value is not an integer or out of range");
    redis_expect(ks, T0, "HSCAN h 0 count x count 0", "(error) ERR value is not an integer or out of range");
    redis_expect(ks, T0, "HSCAN h 0 count", "(error) ERR syntax error");
    redis_expect(ks, T0, "HSCAN h 0 match", "(error) ERR syntax error");
    redis_expect(ks, T0, "HSCAN h 0 match a* count", "(error) ERR syntax error");
    redis_expect(ks, T0, "HSCAN h 0 type string", "(error) ERR syntax error");
    redis_expect(ks, T0, "HSCAN h 0 foo bar", "(error) ERR syntax error");
    /* an absent key replies before the options are read */
    redis_expect(ks, T0, "HSCAN nokey 0 foo bar", "[\"0\", []]");
    redis_expect(ks, T0, "HSCAN nokey 0 count 0", "[\"0\", []]");
}

/* ---- types and expiry ------------------------------------------------------------------------------------------ */

static void test_sim_cmd_hash_wrongtype(void **state) {
    sim_keyspace *ks = *state;
    const char *wt = "(error) WRONGTYPE Operation against a key holding the wrong kind of value";
    put_string(ks, "s", "v");
    static const char *const lines[] = {"HSET s a 1",  "HSETNX s a 1",  "HGET s a",         "HMGET s a", "HDEL s a",
                                        "HEXISTS s a", "HINCRBY s a 1", "HLEN s",           "HKEYS s",   "HVALS s",
                                        "HGETALL s",   "HSCAN s 0",     "HSCAN s 0 count 0"};
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        redis_expect(ks, T0, lines[i], wt);
    redis_expect(ks, T0, "HSCAN s x", "(error) ERR invalid cursor");
    int slot = sim_ks_peek(ks, "s", 1, T0);
    uint32_t n;
    assert_int_equal(ks->entry[slot].type, SIM_KS_STRING);
    assert_memory_equal(sim_ks_value_const(ks, slot, &n), "v", 1);
    assert_int_equal(n, 1);
}

/* A hash whose deadline passed is gone for every command, and HSET then starts a new one. */
static void test_sim_cmd_hash_lazy_expiry(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "HSET h a 1", "(integer) 1");
    ks->entry[sim_ks_peek(ks, "h", 1, T0)].deadline_ms = T0 + 10;
    redis_expect(ks, T0 + 10, "HGET h a", "\"1\"");
    redis_expect(ks, T0 + 11, "HLEN h", "(integer) 0");
    redis_expect(ks, T0 + 11, "HSET h b 2", "(integer) 1");
    redis_expect(ks, T0 + 11, "HGETALL h", "[\"b\", \"2\"]");
    assert_int_equal(ks->entry[sim_ks_peek(ks, "h", 1, T0 + 11)].deadline_ms, 0);
}

/* ---- limits ---------------------------------------------------------------------------------------------------- */

/* Runs argv on the key space with a reply buffer of any size; returns the rc. */
static lk_rc run_argv(sim_keyspace *ks, int argc, const char **argv, const size_t *len, lk_reply *r) {
    return sim_redis_exec(ks, T0, argc, argv, len, r);
}

/* A value the model cannot hold is LK_ELIMIT: no empty key is left behind, an existing hash keeps its fields. */
static void test_sim_cmd_hash_value_limit(void **state) {
    sim_keyspace *ks = *state;
    size_t big = SIM_KS_VALUE_BYTES_MAX;
    char *value = calloc(1, big);
    assert_non_null(value);
    memset(value, 'v', big);
    lk_reply_node nodes[8];
    char bytes[512];
    lk_reply r;
    lk_reply_init(&r, nodes, 8, bytes, sizeof(bytes));
    const char *hset[] = {"HSET", "h", "f", value};
    size_t hset_len[] = {4, 1, 1, big};
    assert_int_equal(run_argv(ks, 4, hset, hset_len, &r), LK_ELIMIT);
    assert_int_equal(lk_reply_at(&r, 0)->type, LK_REPLY_ERROR);
    assert_false(key_exists(ks, "h"));
    const char *hsetnx[] = {"HSETNX", "h", "f", value};
    size_t hsetnx_len[] = {6, 1, 1, big};
    assert_int_equal(run_argv(ks, 4, hsetnx, hsetnx_len, &r), LK_ELIMIT);
    assert_false(key_exists(ks, "h"));
    redis_expect(ks, T0, "HSET h a 1", "(integer) 1");
    hset_len[3] = big - 20;
    assert_int_equal(run_argv(ks, 4, hset, hset_len, &r), LK_ELIMIT);
    redis_expect(ks, T0, "HGETALL h", "[\"a\", \"1\"]");
    hset_len[3] = 1000;
    assert_int_equal(run_argv(ks, 4, hset, hset_len, &r), LK_OK);
    redis_expect(ks, T0, "HLEN h", "(integer) 2");
    assert_int_equal(check_hash_encoding(ks, "h"), 2);
    free(value);
}

/* ---- a large hash against an independent reference ------------------------------------------------------------- */

enum { REF_FIELDS = 400, REF_OPS = 6000 };

typedef struct ref_hash {
    int count;
    int order[REF_FIELDS];      /* field ids in insertion order */
    char value[REF_FIELDS][24]; /* by field id */
    int present[REF_FIELDS];
} ref_hash;

typedef struct big_reply {
    lk_reply_node nodes[2 * REF_FIELDS + 8];
    char bytes[64 * 1024];
    lk_reply r;
} big_reply;

static uint64_t lcg(uint64_t *s) {
    *s = *s * 6364136223846793005u + 1442695040888963407u;
    return *s >> 33;
}

/* The reference's integer check: a value is an integer when strtoll reads it all and prints it back the same. */
static int ref_is_int(const char *s, long long *v) {
    char *end, back[32];
    *v = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0') return 0;
    snprintf(back, sizeof(back), "%lld", *v);
    return strcmp(back, s) == 0;
}

/* Runs the command of 'argc' words (NUL-terminated strings) and returns the reply's first node. */
static const lk_reply_node *big_run(sim_keyspace *ks, big_reply *b, int argc, const char **argv) {
    size_t len[8];
    for (int i = 0; i < argc; i++)
        len[i] = strlen(argv[i]);
    lk_reply_init(&b->r, b->nodes, sizeof(b->nodes) / sizeof(b->nodes[0]), b->bytes, sizeof(b->bytes));
    assert_int_equal(run_argv(ks, argc, argv, len, &b->r), LK_OK);
    return lk_reply_at(&b->r, 0);
}

/* Compares HGETALL big and HLEN big with the reference, and the key's existence and encoding. */
static void big_compare(sim_keyspace *ks, big_reply *b, const ref_hash *ref) {
    const char *getall[] = {"HGETALL", "big"};
    const lk_reply_node *top = big_run(ks, b, 2, getall);
    assert_int_equal(top->type, LK_REPLY_ARRAY);
    assert_int_equal(top->len, 2 * ref->count);
    for (int i = 0; i < ref->count; i++) {
        char field[16];
        int id = ref->order[i];
        snprintf(field, sizeof(field), "f%d", id);
        uint32_t fi = lk_reply_child(&b->r, 0, 2 * (uint32_t)i), vi = lk_reply_child(&b->r, 0, 2 * (uint32_t)i + 1);
        assert_int_equal(lk_reply_at(&b->r, fi)->len, strlen(field));
        assert_memory_equal(lk_reply_str(&b->r, fi), field, strlen(field));
        assert_int_equal(lk_reply_at(&b->r, vi)->len, strlen(ref->value[id]));
        assert_memory_equal(lk_reply_str(&b->r, vi), ref->value[id], strlen(ref->value[id]));
    }
    if (ref->count == 0)
        assert_false(key_exists(ks, "big"));
    else
        assert_int_equal(check_hash_encoding(ks, "big"), ref->count);
}

/* One random HSET, HDEL or HINCRBY on the big hash, checked against the reference, which it updates. */
static void big_step(sim_keyspace *ks, big_reply *b, ref_hash *ref, uint64_t *seed) {
    int id = (int)(lcg(seed) % REF_FIELDS), op = (int)(lcg(seed) % 10);
    char field[16], arg[24];
    snprintf(field, sizeof(field), "f%d", id);
    if (op < 6) { /* HSET: a text value of random length, or an integer */
        if (lcg(seed) % 3 == 0)
            snprintf(arg, sizeof(arg), "%d", (int)(lcg(seed) % 2001) - 1000);
        else
            snprintf(arg, sizeof(arg), "v%.*s", (int)(lcg(seed) % 20), "abcdefghijklmnopqrstuvwxyz");
        const char *argv[] = {"HSET", "big", field, arg};
        assert_int_equal(big_run(ks, b, 4, argv)->integer, !ref->present[id]);
        if (!ref->present[id]) ref->order[ref->count++] = id;
        ref->present[id] = 1;
        strcpy(ref->value[id], arg);
    } else if (op < 8) { /* HDEL */
        const char *argv[] = {"HDEL", "big", field};
        assert_int_equal(big_run(ks, b, 3, argv)->integer, ref->present[id]);
        if (!ref->present[id]) return;
        int k = 0;
        while (ref->order[k] != id)
            k++;
        memmove(&ref->order[k], &ref->order[k + 1], sizeof(int) * (size_t)(ref->count - k - 1));
        ref->count--;
        ref->present[id] = 0;
    } else { /* HINCRBY */
        long long old = 0, incr = (long long)(lcg(seed) % 201) - 100;
        snprintf(arg, sizeof(arg), "%lld", incr);
        const char *argv[] = {"HINCRBY", "big", field, arg};
        const lk_reply_node *n = big_run(ks, b, 4, argv);
        if (ref->present[id] && !ref_is_int(ref->value[id], &old)) {
            assert_int_equal(n->type, LK_REPLY_ERROR);
            return;
        }
        assert_int_equal(n->type, LK_REPLY_INTEGER);
        assert_int_equal(n->integer, old + incr);
        if (!ref->present[id]) ref->order[ref->count++] = id;
        ref->present[id] = 1;
        snprintf(ref->value[id], sizeof(ref->value[id]), "%lld", old + incr);
    }
}

/* Thousands of random calls over a few hundred fields, with other keys created and dropped in between so the big
 * hash's blob is not always at the heap top (it moves, the heap compacts); then every field is deleted in batches
 * and the key must go. */
static void test_sim_cmd_hash_large_hash_matches_reference(void **state) {
    sim_keyspace *ks = *state;
    ref_hash *ref = calloc(1, sizeof(*ref));
    big_reply *b = calloc(1, sizeof(*b));
    assert_non_null(ref);
    assert_non_null(b);
    uint64_t seed = 42;
    for (int i = 0; i < REF_OPS; i++) {
        big_step(ks, b, ref, &seed);
        if (i % 50 == 0) {
            char other[16];
            snprintf(other, sizeof(other), "o%d", i % 7);
            const char *set[] = {"HSET", other, "x", "0123456789abcdef"};
            const char *del[] = {"HDEL", other, "x"};
            big_run(ks, b, i % 100 == 0 ? 4 : 3, i % 100 == 0 ? set : del);
        }
        if (i % 500 == 0) big_compare(ks, b, ref);
    }
    big_compare(ks, b, ref);
    assert_true(ref->count > 200);
    while (ref->count > 0) {
        char fields[5][16];
        const char *argv[8] = {"HDEL", "big"};
        int k = 0;
        for (; k < 5 && k < ref->count; k++) {
            snprintf(fields[k], sizeof(fields[k]), "f%d", ref->order[ref->count - 1 - k]);
            argv[2 + k] = fields[k];
        }
        argv[2 + k] = "f-none";
        assert_int_equal(big_run(ks, b, 3 + k, argv)->integer, k);
        ref->count -= k;
        big_compare(ks, b, ref);
    }
    assert_false(key_exists(ks, "big"));
    free(b);
    free(ref);
}

int main(void) {
    const struct CMUnitTest tests[] = {
#define HASH_TEST(name) cmocka_unit_test_setup_teardown(name, ks_setup, ks_teardown)
        HASH_TEST(test_sim_cmd_hash_hset_counts_new_fields),
        HASH_TEST(test_sim_cmd_hash_hset_replaces_in_place),
        HASH_TEST(test_sim_cmd_hash_hset_arity),
        HASH_TEST(test_sim_cmd_hash_hsetnx),
        HASH_TEST(test_sim_cmd_hash_hget_hmget),
        HASH_TEST(test_sim_cmd_hash_hexists_hlen),
        HASH_TEST(test_sim_cmd_hash_binary_safe_fields),
        HASH_TEST(test_sim_cmd_hash_hdel),
        HASH_TEST(test_sim_cmd_hash_deleted_when_emptied),
        HASH_TEST(test_sim_cmd_hash_hincrby),
        HASH_TEST(test_sim_cmd_hash_hincrby_errors),
        HASH_TEST(test_sim_cmd_hash_hincrby_overflow),
        HASH_TEST(test_sim_cmd_hash_hkeys_hvals_hgetall),
        HASH_TEST(test_sim_cmd_hash_hscan_cursor),
        HASH_TEST(test_sim_cmd_hash_hscan_options),
        HASH_TEST(test_sim_cmd_hash_wrongtype),
        HASH_TEST(test_sim_cmd_hash_lazy_expiry),
        HASH_TEST(test_sim_cmd_hash_value_limit),
        HASH_TEST(test_sim_cmd_hash_large_hash_matches_reference),
#undef HASH_TEST
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
