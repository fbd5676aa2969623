/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sim_cmd_zset.c: proves that the model's sorted-set commands (sim/model/sim_cmd_zset.c: ZADD, ZREM, ZSCORE,
 * ZRANK, ZCARD, ZRANGE, ZRANGEBYSCORE, ZREMRANGEBYSCORE, ZSCAN) reply as Redis 7.0 does, and keep the zset encoding
 * of sim_keyspace.h exact.
 *
 * How: each test runs command lines on a fresh malloc'ed key space with redis_expect and compares the replies with
 * the ones a real redis-server 7.0.15 gave for the same sequence (a string key, made there with SET, is made here
 * through the key space API since SET belongs to another family). That the last member's removal deletes the key is
 * checked on the key space itself. The heap-growth test fills two interleaved sets with a few hundred members,
 * rescoring and removing some, and compares the replies and the raw value bytes with an expectation computed
 * independently (an array sorted with qsort).
 */
#include "tests/unit/sim_redis_test.h"

#include "sim/model/sim_keyspace.h"

/* Makes 'key' a string key holding 'value' (SET belongs to another family). */
static void zset_test_string(sim_keyspace *ks, const char *key, const char *value) {
    int slot;
    uint32_t n;
    assert_int_equal(sim_ks_create(ks, key, (uint32_t)strlen(key), SIM_KS_STRING, (uint32_t)strlen(value), &slot),
                     LK_OK);
    memcpy(sim_ks_value(ks, slot, &n), value, strlen(value));
}

/* 1 when 'key' exists in the key space. */
static int zset_test_exists(sim_keyspace *ks, const char *key) {
    return sim_ks_find(ks, key, (uint32_t)strlen(key), 0) >= 0;
}

/* ZADD adds, counts only new members (CH: changed ones too), applies repeated members in order, sorts by score. */
static void test_sim_cmd_zset_zadd_basic(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, 0, "ZADD z 1 a", "(integer) 1");
    redis_expect(ks, 0, "ZADD z 1 a", "(integer) 0");
    redis_expect(ks, 0, "ZADD z 2 b 3 c 1 a", "(integer) 2");
    redis_expect(ks, 0, "ZADD z 5 a", "(integer) 0");
    redis_expect(ks, 0, "ZRANGE z 0 -1 WITHSCORES", "[\"b\", \"2\", \"c\", \"3\", \"a\", \"5\"]");
    redis_expect(ks, 0, "ZADD d 1 x 2 x", "(integer) 1");
    redis_expect(ks, 0, "ZSCORE d x", "\"2\"");
    redis_expect(ks, 0, "ZADD d CH 3 x 3 x 4 x", "(integer) 2");
    redis_expect(ks, 0, "ZADD d ch ch 4 x 5 y", "(integer) 1");
    redis_expect(ks, 0, "ZADD d CH 9 x 0 y 1 n", "(integer) 3");
    redis_expect(ks, 0, "ZRANGE d 0 -1 WITHSCORES", "[\"y\", \"0\", \"n\", \"1\", \"x\", \"9\"]");
    redis_expect(ks, 0, "ZCARD d", "(integer) 3");
    redis_expect(ks, 0, "ZADD d 1 \"with space\"", "(integer) 1");
    redis_expect(ks, 0, "ZRANGE d 0 -1", "[\"y\", \"n\", \"with space\", \"x\"]");
}

/* NX, XX, GT, LT and CH, alone and combined; XX on a missing key creates nothing. */
static void test_sim_cmd_zset_zadd_options(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, 0, "ZADD z XX 1 a", "(integer) 0");
    redis_expect(ks, 0, "ZCARD z", "(integer) 0");
    assert_false(zset_test_exists(ks, "z"));
    redis_expect(ks, 0, "ZADD z NX 1 a 2 b", "(integer) 2");
    redis_expect(ks, 0, "ZADD z NX 5 a 3 c", "(integer) 1");
    redis_expect(ks, 0, "ZADD z nx ch 5 a 6 d", "(integer) 1");
    redis_expect(ks, 0, "ZADD z XX 7 a 8 e", "(integer) 0");
    redis_expect(ks, 0, "ZADD z XX CH 7 a 8 e", "(integer) 0");
    redis_expect(ks, 0, "ZADD z XX CH 9 a 8 e", "(integer) 1");
    redis_expect(ks, 0, "ZSCORE z e", "(nil)");
    redis_expect(ks, 0, "ZADD z GT CH 1 a 10 b 4 f", "(integer) 2");
    redis_expect(ks, 0, "ZADD z LT CH 20 b 0 c 3 g", "(integer) 2");
    redis_expect(ks, 0, "ZADD z XX GT CH 1 a 10 d 1 zz", "(integer) 1");
    redis_expect(ks, 0, "ZADD z XX LT CH 1 a 100 d", "(integer) 1");
    redis_expect(ks, 0, "ZADD z GT CH 1 a", "(integer) 0");
    redis_expect(ks, 0, "ZRANGE z 0 -1 WITHSCORES",
                 "[\"c\", \"0\", \"a\", \"1\", \"g\", \"3\", \"f\", \"4\", \"b\", \"10\", \"d\", \"10\"]");
}

/* ZADD INCR: the new score, nil when NX/XX/GT/LT stops it, inf arithmetic, NaN refused, -0 replied then stored 0. */
static void test_sim_cmd_zset_zadd_incr(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, 0, "ZADD z INCR 1.5 a", "\"1.5\"");
    redis_expect(ks, 0, "ZADD z incr 1 a", "\"2.5\"");
    redis_expect(ks, 0, "ZADD z INCR 0 a", "\"2.5\"");
    redis_expect(ks, 0, "ZADD z GT INCR 0 a", "(nil)");
    redis_expect(ks, 0, "ZADD z GT INCR -1 a", "(nil)");
    redis_expect(ks, 0, "ZADD z GT INCR 1 a", "\"3.5\"");
    redis_expect(ks, 0, "ZADD z LT INCR -1 a", "\"2.5\"");
    redis_expect(ks, 0, "ZADD z LT INCR 1 a", "(nil)");
    redis_expect(ks, 0, "ZADD z NX INCR 1 a", "(nil)");
    redis_expect(ks, 0, "ZADD z XX INCR 1 b", "(nil)");
    redis_expect(ks, 0, "ZADD z XX CH INCR 1 a", "\"3.5\"");
    redis_expect(ks, 0, "ZADD z GT INCR 5 new", "\"5\"");
    redis_expect(ks, 0, "ZADD missing XX INCR 1 a", "(nil)");
    assert_false(zset_test_exists(ks, "missing"));
    redis_expect(ks, 0, "ZADD z INCR inf a", "\"inf\"");
    redis_expect(ks, 0, "ZADD z INCR -inf a", "(error) ERR resulting score is not a number (NaN)");
    redis_expect(ks, 0, "ZSCORE z a", "\"inf\"");
    redis_expect(ks, 0, "ZADD z CH -inf a", "(integer) 1");
    redis_expect(ks, 0, "ZADD z INCR +inf a", "(error) ERR resulting score is not a number (NaN)");
    redis_expect(ks, 0, "ZADD z INCR -0.0 m", "\"-0\"");
    redis_expect(ks, 0, "ZSCORE z m", "\"0\"");
    redis_expect(ks, 0, "ZADD z INCR -0.0 m", "\"0\"");
    redis_expect(ks, 0, "ZRANGE z 0 -1 WITHSCORES", "[\"a\", \"-inf\", \"m\", \"0\", \"new\", \"5\"]");
}

/* ZADD's errors in Redis's order: arity, syntax, option conflicts, INCR pairs, floats, then WRONGTYPE; a bad score
 * anywhere adds nothing. */
static void test_sim_cmd_zset_zadd_errors(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, 0, "ZADD z 1", "(error) ERR wrong number of arguments for 'zadd' command");
    redis_expect(ks, 0, "ZADD z NX", "(error) ERR wrong number of arguments for 'zadd' command");
    redis_expect(ks, 0, "ZADD z 1 a 2", "(error) ERR syntax error");
    redis_expect(ks, 0, "ZADD z NX XX", "(error) ERR syntax error");
    redis_expect(ks, 0, "ZADD z NX XX 1", "(error) ERR syntax error");
    redis_expect(ks, 0, "ZADD z NX XX 1 a", "(error) ERR XX and NX options at the same time are not compatible");
    redis_expect(ks, 0, "ZADD z GT LT 1 a",
                 "(error) ERR GT, LT, and/or NX options at the same time are not compatible");
    redis_expect(ks, 0, "ZADD z NX GT 1 a",
                 "(error) ERR GT, LT, and/or NX options at the same time are not compatible");
    redis_expect(ks, 0, "ZADD z LT NX 1 a",
                 "(error) ERR GT, LT, and/or NX options at the same time are not compatible");
    redis_expect(ks, 0, "ZADD z INCR 1 a 2 b", "(error) ERR INCR option supports a single increment-element pair");
    redis_expect(ks, 0, "ZADD z NX XX GT 1 a 2 b", "(error) ERR XX and NX options at the same time are not compatible");
    redis_expect(ks, 0, "ZADD z foo a", "(error) ERR value is not a valid float");
    redis_expect(ks, 0, "ZADD z nan a", "(error) ERR value is not a valid float");
    redis_expect(ks, 0, "ZADD z \"\" a", "(error) ERR value is not a valid float");
    redis_expect(ks, 0, "ZADD z \" 1\" a", "(error) ERR value is not a valid float");
    redis_expect(ks, 0, "ZADD z \"1 \" a", "(error) ERR value is not a valid float");
    redis_expect(ks, 0, "ZADD z 1e400 a", "(error) ERR value is not a valid float");
    redis_expect(ks, 0, "ZADD z 1e-400 a", "(error) ERR value is not a valid float");
    redis_expect(ks, 0, "ZADD z 1 a foo b", "(error) ERR value is not a valid float");
    assert_false(zset_test_exists(ks, "z")); /* nothing was added before the bad score was seen */
    zset_test_string(ks, "s", "v");
    redis_expect(ks, 0, "ZADD s foo a", "(error) ERR value is not a valid float");
    redis_expect(ks, 0, "ZADD s NX XX 1 a", "(error) ERR XX and NX options at the same time are not compatible");
    redis_expect(ks, 0, "ZADD s 1 a", "(error) WRONGTYPE Operation against a key holding the wrong kind of value");
    redis_expect(ks, 0, "ZADD s XX INCR 1 a",
                 "(error) WRONGTYPE Operation against a key holding the wrong kind of value");
}

/* Scores reply as Redis 7.0 formats doubles ("%.17g", inf); ZSCAN shows them as the listpack holds them. */
static void test_sim_cmd_zset_score_format(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, 0, "ZADD z 1e17 a 0.1 b inf c -inf d 123456789012 e 2.5e-5 f -0.0 g 1e16 h", "(integer) 8");
    redis_expect(ks, 0, "ZSCORE z b", "\"0.10000000000000001\"");
    redis_expect(ks, 0, "ZSCORE z a", "\"1e+17\"");
    redis_expect(ks, 0, "ZSCORE z g", "\"0\"");
    redis_expect(ks, 0, "ZRANGE z 0 -1 WITHSCORES",
                 "[\"d\", \"-inf\", \"g\", \"0\", \"f\", \"2.5000000000000001e-05\", \"b\", \"0.10000000000000001\", "
                 "\"e\", \"123456789012\", \"h\", \"10000000000000000\", \"a\", \"1e+17\", \"c\", \"inf\"]");
    redis_expect(ks, 0, "ZSCAN z 0",
                 "[\"0\", [\"d\", \"-inf\", \"g\", \"0\", \"f\", \"2.5000000000000001e-05\", \"b\", "
                 "\"0.10000000000000001\", \"e\", \"123456789012\", \"h\", \"10000000000000000\", \"a\", "
                 "\"100000000000000000\", \"c\", \"inf\"]]");
    redis_expect(ks, 0, "ZADD y 4611686018427387904 a 9223372036854775808 b -4611686018427387905 c 1e20 d 0x10 e",
                 "(integer) 5");
    redis_expect(ks, 0, "ZSCAN y 0",
                 "[\"0\", [\"c\", \"-4611686018427387904\", \"e\", \"16\", \"a\", \"4611686018427387904\", \"b\", "
                 "\"9.2233720368547758e+18\", \"d\", \"1e+20\"]]");
    redis_expect(ks, 0, "ZRANGE y 0 0 WITHSCORES", "[\"c\", \"-4.6116860184273879e+18\"]");
    redis_expect(ks, 0, "ZADD y 1e300 big", "(integer) 1");
    redis_expect(ks, 0, "ZSCORE y big", "\"1.0000000000000001e+300\"");
    redis_expect(ks, 0, "ZADD y +inf pinf infinity pinf2", "(integer) 2");
    redis_expect(ks, 0, "ZSCORE y pinf2", "\"inf\"");
}

/* Equal scores order by member bytes (binary-safe, shorter first); a rescored member moves to its new rank. */
static void test_sim_cmd_zset_member_order(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, 0, "ZADD z 1 b 1 B 1 ba 1 \"\" 1 A 1 a\\x00 1 a 1 \\xff 0 zero", "(integer) 9");
    redis_expect(ks, 0, "ZRANGE z 0 -1", "[\"zero\", \"\", \"A\", \"B\", \"a\", \"a\\x00\", \"b\", \"ba\", \"\\xff\"]");
    redis_expect(ks, 0, "ZRANK z \"\"", "(integer) 1");
    redis_expect(ks, 0, "ZRANK z a\\x00", "(integer) 5");
    redis_expect(ks, 0, "ZRANK z \\xff", "(integer) 8");
    redis_expect(ks, 0, "ZSCORE z a\\x00", "\"1\"");
    redis_expect(ks, 0, "ZADD z CH 0.5 ba 2 zero -1 \\xff", "(integer) 3");
    redis_expect(ks, 0, "ZRANGE z 0 -1", "[\"\\xff\", \"ba\", \"\", \"A\", \"B\", \"a\", \"a\\x00\", \"b\", \"zero\"]");
    redis_expect(ks, 0, "ZADD z 1 ba 1 \\xff", "(integer) 0");
    redis_expect(ks, 0, "ZRANGE z 0 -1", "[\"\", \"A\", \"B\", \"a\", \"a\\x00\", \"b\", \"ba\", \"\\xff\", \"zero\"]");
    redis_expect(ks, 0, "ZADD z 1 zero", "(integer) 0");
    redis_expect(ks, 0, "ZRANK z zero", "(integer) 7");
    redis_expect(ks, 0, "ZADD z 1 aa", "(integer) 1");
    redis_expect(ks, 0, "ZRANK z aa", "(integer) 5");
    redis_expect(ks, 0, "ZREM z a\\x00 a", "(integer) 2");
    redis_expect(ks, 0, "ZRANGE z 0 -1", "[\"\", \"A\", \"B\", \"aa\", \"b\", \"ba\", \"zero\", \"\\xff\"]");
}

/* ZREM counts the members removed and deletes the key with its last member. */
static void test_sim_cmd_zset_zrem(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, 0, "ZREM z a", "(integer) 0");
    redis_expect(ks, 0, "ZADD z 1 a 2 b 3 c 1.5 ab", "(integer) 4");
    redis_expect(ks, 0, "ZREM z a nope a", "(integer) 1");
    redis_expect(ks, 0, "ZREM z nope", "(integer) 0");
    redis_expect(ks, 0, "ZRANGE z 0 -1 WITHSCORES", "[\"ab\", \"1.5\", \"b\", \"2\", \"c\", \"3\"]");
    redis_expect(ks, 0, "ZREM z", "(error) ERR wrong number of arguments for 'zrem' command");
    assert_true(zset_test_exists(ks, "z"));
    redis_expect(ks, 0, "ZREM z b c ab x", "(integer) 3");
    assert_false(zset_test_exists(ks, "z"));
    assert_int_equal(ks->count, 0);
    redis_expect(ks, 0, "ZCARD z", "(integer) 0");
    zset_test_string(ks, "s", "v");
    redis_expect(ks, 0, "ZREM s a", "(error) WRONGTYPE Operation against a key holding the wrong kind of value");
}

/* ZSCORE, ZRANK and ZCARD on present and missing keys and members, arity and WRONGTYPE. */
static void test_sim_cmd_zset_zscore_zrank_zcard(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, 0, "ZSCORE z a", "(nil)");
    redis_expect(ks, 0, "ZRANK z a", "(nil)");
    redis_expect(ks, 0, "ZCARD z", "(integer) 0");
    redis_expect(ks, 0, "ZADD z 3 c 1 a 2 b", "(integer) 3");
    redis_expect(ks, 0, "ZSCORE z b", "\"2\"");
    redis_expect(ks, 0, "ZSCORE z nope", "(nil)");
    redis_expect(ks, 0, "ZRANK z a", "(integer) 0");
    redis_expect(ks, 0, "ZRANK z c", "(integer) 2");
    redis_expect(ks, 0, "ZRANK z nope", "(nil)");
    redis_expect(ks, 0, "ZCARD z", "(integer) 3");
    redis_expect(ks, 0, "ZRANK z a WITHSCORE", "(error) ERR wrong number of arguments for 'zrank' command");
    redis_expect(ks, 0, "ZSCORE z", "(error) ERR wrong number of arguments for 'zscore' command");
    redis_expect(ks, 0, "ZCARD z x", "(error) ERR wrong number of arguments for 'zcard' command");
    zset_test_string(ks, "s", "v");
    redis_expect(ks, 0, "ZSCORE s a", "(error) WRONGTYPE Operation against a key holding the wrong kind of value");
    redis_expect(ks, 0, "ZRANK s a", "(error) WRONGTYPE Operation against a key holding the wrong kind of value");
    redis_expect(ks, 0, "ZCARD s", "(error) WRONGTYPE Operation against a key holding the wrong kind of value");
}

/* ZRANGE by index: negative and out-of-range indexes, REV, WITHSCORES, and its errors. */
static void test_sim_cmd_zset_zrange_rank(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, 0, "ZRANGE z 0 -1", "[]");
    redis_expect(ks, 0, "ZADD z 1 a 2 b 3 c 4 d 5 e", "(integer) 5");
    redis_expect(ks, 0, "ZRANGE z 0 -1", "[\"a\", \"b\", \"c\", \"d\", \"e\"]");
    redis_expect(ks, 0, "ZRANGE z -2 -1 WITHSCORES", "[\"d\", \"4\", \"e\", \"5\"]");
    redis_expect(ks, 0, "ZRANGE z 3 1", "[]");
    redis_expect(ks, 0, "ZRANGE z 10 20", "[]");
    redis_expect(ks, 0, "ZRANGE z -100 1", "[\"a\", \"b\"]");
    redis_expect(ks, 0, "ZRANGE z 3 100", "[\"d\", \"e\"]");
    redis_expect(ks, 0, "ZRANGE z -1 -2", "[]");
    redis_expect(ks, 0, "ZRANGE z 0 -1 REV", "[\"e\", \"d\", \"c\", \"b\", \"a\"]");
    redis_expect(ks, 0, "ZRANGE z 0 1 rev withscores", "[\"e\", \"5\", \"d\", \"4\"]");
    redis_expect(ks, 0, "ZRANGE z -2 -1 REV", "[\"b\", \"a\"]");
    redis_expect(ks, 0, "ZRANGE z 0 1 WITHSCORES WITHSCORES", "[\"a\", \"1\", \"b\", \"2\"]");
    redis_expect(ks, 0, "ZRANGE z 0 -1 LIMIT 0 1",
                 "(error) ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    redis_expect(ks, 0, "ZRANGE z 1 2 LIMIT 5 -1", "[\"b\", \"c\"]");
    redis_expect(ks, 0, "ZRANGE z a b", "(error) ERR value is not an integer or out of range");
    redis_expect(ks, 0, "ZRANGE z 0 x", "(error) ERR value is not an integer or out of range");
    redis_expect(ks, 0, "ZRANGE z 0 1.0", "(error) ERR value is not an integer or out of range");
    redis_expect(ks, 0, "ZRANGE z 0", "(error) ERR wrong number of arguments for 'zrange' command");
    redis_expect(ks, 0, "ZRANGE nokey a b", "(error) ERR value is not an integer or out of range");
    zset_test_string(ks, "s", "v");
    redis_expect(ks, 0, "ZRANGE s 0 -1", "(error) WRONGTYPE Operation against a key holding the wrong kind of value");
    redis_expect(ks, 0, "ZRANGE s a b", "(error) ERR value is not an integer or out of range");
    redis_expect(ks, 0, "ZRANGE s 0 -1 foo", "(error) ERR syntax error");
}

/* ZRANGE BYSCORE: inclusive and exclusive bounds, infinities, REV (max first), LIMIT offsets and counts. */
static void test_sim_cmd_zset_zrange_byscore(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, 0, "ZRANGE z 0 1 BYSCORE", "[]");
    redis_expect(ks, 0, "ZADD z 1 a 2 b 3 c 4 d 5 e", "(integer) 5");
    redis_expect(ks, 0, "ZRANGE z 0 1 BYSCORE", "[\"a\"]");
    redis_expect(ks, 0, "ZRANGE z 2 4 byscore withscores", "[\"b\", \"2\", \"c\", \"3\", \"d\", \"4\"]");
    redis_expect(ks, 0, "ZRANGE z 4 2 BYSCORE REV", "[\"d\", \"c\", \"b\"]");
    redis_expect(ks, 0, "ZRANGE z 2 4 BYSCORE REV", "[]");
    redis_expect(ks, 0, "ZRANGE z (1 (4 BYSCORE LIMIT 1 5 WITHSCORES", "[\"c\", \"3\"]");
    redis_expect(ks, 0, "ZRANGE z -inf +inf BYSCORE LIMIT 1 2", "[\"b\", \"c\"]");
    redis_expect(ks, 0, "ZRANGE z +inf -inf BYSCORE LIMIT 1 2 REV WITHSCORES", "[\"d\", \"4\", \"c\", \"3\"]");
    redis_expect(ks, 0, "ZRANGE z -inf +inf BYSCORE LIMIT 1 2 REV", "[]");
    redis_expect(ks, 0, "ZRANGE z (5 (1 BYSCORE REV", "[\"d\", \"c\", \"b\"]");
    redis_expect(ks, 0, "ZRANGE z 0 10 BYSCORE LIMIT -1 2", "[]");
    redis_expect(ks, 0, "ZRANGE z 0 10 BYSCORE LIMIT 0 -1", "[\"a\", \"b\", \"c\", \"d\", \"e\"]");
    redis_expect(ks, 0, "ZRANGE z 0 10 BYSCORE LIMIT 3 -5", "[\"d\", \"e\"]");
    redis_expect(ks, 0, "ZRANGE z 0 10 BYSCORE LIMIT 0 0", "[]");
    redis_expect(ks, 0, "ZRANGE z 0 10 BYSCORE LIMIT 5 1", "[]");
    redis_expect(ks, 0, "ZRANGE z 10 0 BYSCORE REV LIMIT 4 9", "[\"a\"]");
    redis_expect(ks, 0, "ZRANGE z (3 3 BYSCORE", "[]");
    redis_expect(ks, 0, "ZRANGE z 3 3 BYSCORE", "[\"c\"]");
    redis_expect(ks, 0, "ZRANGE z 6 +inf BYSCORE", "[]");
    redis_expect(ks, 0, "ZRANGE z -inf 0.5 BYSCORE", "[]");
    redis_expect(ks, 0, "ZRANGE z a b BYSCORE", "(error) ERR min or max is not a float");
    redis_expect(ks, 0, "ZRANGE z 0 1 BYSCORE LIMIT x 1", "(error) ERR value is not an integer or out of range");
    redis_expect(ks, 0, "ZRANGE z 0 1 BYSCORE LIMIT 0 x", "(error) ERR value is not an integer or out of range");
    redis_expect(ks, 0, "ZRANGE z 0 1 BYSCORE LIMIT 1", "(error) ERR syntax error");
    redis_expect(ks, 0, "ZRANGE nokey a b BYSCORE", "(error) ERR min or max is not a float");
}

/* ZRANGE BYLEX: -, +, [ and ( bounds, REV, LIMIT, its errors, and Redis's walk over mixed scores. */
static void test_sim_cmd_zset_zrange_bylex(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, 0, "ZRANGE z - + BYLEX", "[]");
    redis_expect(ks, 0, "ZADD z 0 a 0 b 0 c 0 d 0 e 0 ba 0 \"\"", "(integer) 7");
    redis_expect(ks, 0, "ZRANGE z - + BYLEX", "[\"\", \"a\", \"b\", \"ba\", \"c\", \"d\", \"e\"]");
    redis_expect(ks, 0, "ZRANGE z [b (d BYLEX", "[\"b\", \"ba\", \"c\"]");
    redis_expect(ks, 0, "ZRANGE z (b [d bylex", "[\"ba\", \"c\", \"d\"]");
    redis_expect(ks, 0, "ZRANGE z [b (c BYLEX LIMIT 1 1", "[\"ba\"]");
    redis_expect(ks, 0, "ZRANGE z + - BYLEX REV", "[\"e\", \"d\", \"c\", \"ba\", \"b\", \"a\", \"\"]");
    redis_expect(ks, 0, "ZRANGE z [d [b BYLEX REV LIMIT 1 2", "[\"c\", \"ba\"]");
    redis_expect(ks, 0, "ZRANGE z ( + BYLEX LIMIT 0 2", "[\"a\", \"b\"]");
    redis_expect(ks, 0, "ZRANGE z [ [ BYLEX", "[\"\"]");
    redis_expect(ks, 0, "ZRANGE z + - BYLEX", "[]");
    redis_expect(ks, 0, "ZRANGE z - - BYLEX", "[]");
    redis_expect(ks, 0, "ZRANGE z + + BYLEX", "[]");
    redis_expect(ks, 0, "ZRANGE z [b [b BYLEX", "[\"b\"]");
    redis_expect(ks, 0, "ZRANGE z (b (b BYLEX", "[]");
    redis_expect(ks, 0, "ZRANGE z [c [a BYLEX", "[]");
    redis_expect(ks, 0, "ZRANGE z - [a BYLEX LIMIT -1 5", "[]");
    redis_expect(ks, 0, "ZRANGE z [f + BYLEX", "[]");
    redis_expect(ks, 0, "ZRANGE z - + BYLEX WITHSCORES",
                 "(error) ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    redis_expect(ks, 0, "ZRANGE z a b BYLEX", "(error) ERR min or max not valid string range item");
    redis_expect(ks, 0, "ZRANGE z + +a BYLEX", "(error) ERR min or max not valid string range item");
    redis_expect(ks, 0, "ZRANGE z \"\" + BYLEX", "(error) ERR min or max not valid string range item");
    /* mixed scores: Redis walks the score order, checking the ends first */
    redis_expect(ks, 0, "ZADD m 1 B 1 b 1 ba 1 \"\" 1 A -1 a 3 new 2 new2", "(integer) 8");
    redis_expect(ks, 0, "ZRANGE m - + BYLEX", "[\"a\", \"\", \"A\", \"B\", \"b\", \"ba\", \"new2\", \"new\"]");
    redis_expect(ks, 0, "ZRANGE m [ [ BYLEX", "[]");
    redis_expect(ks, 0, "ZRANGE m [c [a BYLEX REV", "[\"ba\", \"b\"]");
    redis_expect(ks, 0, "ZRANGE m [a [c BYLEX", "[\"a\", \"\", \"A\", \"B\", \"b\", \"ba\"]");
    redis_expect(ks, 0, "ZRANGE m (a [o BYLEX", "[\"b\", \"ba\", \"new2\", \"new\"]");
}

/* ZRANGE's option parsing: repeated or conflicting options, and parse errors before the key lookup. */
static void test_sim_cmd_zset_zrange_syntax(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, 0, "ZADD z 1 a 2 b", "(integer) 2");
    redis_expect(ks, 0, "ZRANGE z 0 -1 foo", "(error) ERR syntax error");
    redis_expect(ks, 0, "ZRANGE z 0 -1 BYSCORE BYSCORE", "(error) ERR syntax error");
    redis_expect(ks, 0, "ZRANGE z 0 -1 REV REV", "(error) ERR syntax error");
    redis_expect(ks, 0, "ZRANGE z 0 -1 BYSCORE BYLEX", "(error) ERR syntax error");
    redis_expect(ks, 0, "ZRANGE z 0 1 LIMIT 1", "(error) ERR syntax error");
    redis_expect(ks, 0, "ZRANGE z 0 1 LIMIT 0 1 BYSCORE", "[\"a\"]");
    redis_expect(ks, 0, "ZRANGE z 0 -1 LIMIT x 1", "(error) ERR value is not an integer or out of range");
    redis_expect(ks, 0, "ZRANGE z 0 -1 foo LIMIT x 1", "(error) ERR syntax error");
    redis_expect(ks, 0, "ZRANGE z a b foo", "(error) ERR syntax error");
    redis_expect(ks, 0, "ZRANGE nokey 0 -1 BYLEX", "(error) ERR min or max not valid string range item");
    redis_expect(ks, 0, "ZRANGE nokey - + BYLEX WITHSCORES",
                 "(error) ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    redis_expect(ks, 0, "ZRANGE nokey - + BYLEX", "[]");
    redis_expect(ks, 0, "ZRANGE nokey 0 1 BYSCORE REV LIMIT 0 1 WITHSCORES", "[]");
}

/* ZRANGEBYSCORE: bounds as Redis's strtod reads them, WITHSCORES and LIMIT, refused ZRANGE-only options. */
static void test_sim_cmd_zset_zrangebyscore(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, 0, "ZRANGEBYSCORE z -inf +inf", "[]");
    redis_expect(ks, 0, "ZADD z 1 a 2 b 3 c 4 d 5 e", "(integer) 5");
    redis_expect(ks, 0, "ZRANGEBYSCORE z -inf +inf", "[\"a\", \"b\", \"c\", \"d\", \"e\"]");
    redis_expect(ks, 0, "ZRANGEBYSCORE z 2 4 WITHSCORES", "[\"b\", \"2\", \"c\", \"3\", \"d\", \"4\"]");
    redis_expect(ks, 0, "ZRANGEBYSCORE z (2 (4", "[\"c\"]");
    redis_expect(ks, 0, "ZRANGEBYSCORE z (2 (2", "[]");
    redis_expect(ks, 0, "ZRANGEBYSCORE z 2 2", "[\"b\"]");
    redis_expect(ks, 0, "ZRANGEBYSCORE z 4 2", "[]");
    redis_expect(ks, 0, "ZRANGEBYSCORE z -inf +inf LIMIT 1 2 WITHSCORES", "[\"b\", \"2\", \"c\", \"3\"]");
    redis_expect(ks, 0, "ZRANGEBYSCORE z 1 5 LIMIT 0 2 LIMIT 2 2", "[\"c\", \"d\"]");
    redis_expect(ks, 0, "ZRANGEBYSCORE z 1 5 withscores withscores limit 4 10", "[\"e\", \"5\"]");
    redis_expect(ks, 0, "ZRANGEBYSCORE z -inf +inf REV", "(error) ERR syntax error");
    redis_expect(ks, 0, "ZRANGEBYSCORE z -inf +inf BYSCORE", "(error) ERR syntax error");
    redis_expect(ks, 0, "ZRANGEBYSCORE z -inf +inf LIMIT 1", "(error) ERR syntax error");
    redis_expect(ks, 0, "ZRANGEBYSCORE z x 1", "(error) ERR min or max is not a float");
    redis_expect(ks, 0, "ZRANGEBYSCORE z 1 ((2", "(error) ERR min or max is not a float");
    redis_expect(ks, 0, "ZRANGEBYSCORE z nan 3", "(error) ERR min or max is not a float");
    redis_expect(ks, 0, "ZRANGEBYSCORE z (nan 3", "(error) ERR min or max is not a float");
    redis_expect(ks, 0, "ZRANGEBYSCORE z \"2 \" 3", "(error) ERR min or max is not a float");
    redis_expect(ks, 0, "ZRANGEBYSCORE z \"\" \"\"", "[]");
    redis_expect(ks, 0, "ZRANGEBYSCORE z ( 5", "[\"a\", \"b\", \"c\", \"d\", \"e\"]");
    redis_expect(ks, 0, "ZRANGEBYSCORE z \" 2\" \" 3\"", "[\"b\", \"c\"]");
    redis_expect(ks, 0, "ZRANGEBYSCORE z 0x2 3", "[\"b\", \"c\"]");
    redis_expect(ks, 0, "ZRANGEBYSCORE z -infinity 1e400", "[\"a\", \"b\", \"c\", \"d\", \"e\"]");
    redis_expect(ks, 0, "ZRANGEBYSCORE z -inf inf", "[\"a\", \"b\", \"c\", \"d\", \"e\"]");
    redis_expect(ks, 0, "ZRANGEBYSCORE z 4\\x00junk 9", "[\"d\", \"e\"]");
    redis_expect(ks, 0, "ZRANGEBYSCORE z 1", "(error) ERR wrong number of arguments for 'zrangebyscore' command");
    redis_expect(ks, 0, "ZRANGEBYSCORE nokey 1 x", "(error) ERR min or max is not a float");
    redis_expect(ks, 0, "ZRANGEBYSCORE nokey 1 2 foo", "(error) ERR syntax error");
    zset_test_string(ks, "s", "v");
    redis_expect(ks, 0, "ZRANGEBYSCORE s 1 2",
                 "(error) WRONGTYPE Operation against a key holding the wrong kind of value");
    redis_expect(ks, 0, "ZRANGEBYSCORE s 1 2 foo", "(error) ERR syntax error");
}

/* ZREMRANGEBYSCORE removes the score range, 0 on a missing key, and deletes the emptied key. */
static void test_sim_cmd_zset_zremrangebyscore(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, 0, "ZREMRANGEBYSCORE z 1 2", "(integer) 0");
    redis_expect(ks, 0, "ZREMRANGEBYSCORE z x 2", "(error) ERR min or max is not a float");
    redis_expect(ks, 0, "ZADD z 1 a 2 b 3 c 4 d 5 e 1 a2", "(integer) 6");
    redis_expect(ks, 0, "ZREMRANGEBYSCORE z (1 2", "(integer) 1");
    redis_expect(ks, 0, "ZRANGE z 0 -1", "[\"a\", \"a2\", \"c\", \"d\", \"e\"]");
    redis_expect(ks, 0, "ZREMRANGEBYSCORE z 5 1", "(integer) 0");
    redis_expect(ks, 0, "ZREMRANGEBYSCORE z (3 (3", "(integer) 0");
    redis_expect(ks, 0, "ZREMRANGEBYSCORE z 10 +inf", "(integer) 0");
    redis_expect(ks, 0, "ZREMRANGEBYSCORE z -inf 1", "(integer) 2");
    redis_expect(ks, 0, "ZREMRANGEBYSCORE z 4 +inf", "(integer) 2");
    redis_expect(ks, 0, "ZRANGE z 0 -1 WITHSCORES", "[\"c\", \"3\"]");
    redis_expect(ks, 0, "ZREMRANGEBYSCORE z x 1", "(error) ERR min or max is not a float");
    redis_expect(ks, 0, "ZREMRANGEBYSCORE z 1", "(error) ERR wrong number of arguments for 'zremrangebyscore' command");
    redis_expect(ks, 0, "ZADD z 6 f 7 g", "(integer) 2");
    redis_expect(ks, 0, "ZREMRANGEBYSCORE z -inf +inf", "(integer) 3");
    assert_false(zset_test_exists(ks, "z"));
    assert_int_equal(ks->count, 0);
    zset_test_string(ks, "s", "v");
    redis_expect(ks, 0, "ZREMRANGEBYSCORE s 1 2",
                 "(error) WRONGTYPE Operation against a key holding the wrong kind of value");
    redis_expect(ks, 0, "ZREMRANGEBYSCORE s x 2", "(error) ERR min or max is not a float");
}

/* ZSCAN: everything in one call with cursor "0", MATCH, COUNT, the cursor forms Redis accepts, and its errors. */
static void test_sim_cmd_zset_zscan(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, 0, "ZSCAN z 0", "[\"0\", []]");
    redis_expect(ks, 0, "ZSCAN z 0 COUNT 0", "[\"0\", []]");
    redis_expect(ks, 0, "ZSCAN z x", "(error) ERR invalid cursor");
    redis_expect(ks, 0, "ZADD z 1 a 2 b 3 c 1.5 ab", "(integer) 4");
    redis_expect(ks, 0, "ZSCAN z 0", "[\"0\", [\"a\", \"1\", \"ab\", \"1.5\", \"b\", \"2\", \"c\", \"3\"]]");
    redis_expect(ks, 0, "ZSCAN z 0 MATCH a*", "[\"0\", [\"a\", \"1\", \"ab\", \"1.5\"]]");
    redis_expect(ks, 0, "ZSCAN z 0 match x*", "[\"0\", []]");
    redis_expect(ks, 0, "ZSCAN z 0 MATCH * COUNT 10 MATCH ?b", "[\"0\", [\"ab\", \"1.5\"]]");
    redis_expect(ks, 0, "ZSCAN z 0 COUNT 1", "[\"0\", [\"a\", \"1\", \"ab\", \"1.5\", \"b\", \"2\", \"c\", \"3\"]]");
    redis_expect(ks, 0, "ZSCAN z 5 MATCH c", "[\"0\", [\"c\", \"3\"]]");
    redis_expect(ks, 0, "ZSCAN z -1 MATCH c", "[\"0\", [\"c\", \"3\"]]");
    redis_expect(ks, 0, "ZSCAN z +3 MATCH c", "[\"0\", [\"c\", \"3\"]]");
    redis_expect(ks, 0, "ZSCAN z \"\" MATCH c", "[\"0\", [\"c\", \"3\"]]");
    redis_expect(ks, 0, "ZSCAN z 18446744073709551615 MATCH c", "[\"0\", [\"c\", \"3\"]]");
    redis_expect(ks, 0, "ZSCAN z 18446744073709551616", "(error) ERR invalid cursor");
    redis_expect(ks, 0, "ZSCAN z \" 1\"", "(error) ERR invalid cursor");
    redis_expect(ks, 0, "ZSCAN z 1x", "(error) ERR invalid cursor");
    redis_expect(ks, 0, "ZSCAN z -", "(error) ERR invalid cursor");
    redis_expect(ks, 0, "ZSCAN z 0 COUNT 0", "(error) ERR syntax error");
    redis_expect(ks, 0, "ZSCAN z 0 COUNT -1", "(error) ERR syntax error");
    redis_expect(ks, 0, "ZSCAN z 0 COUNT x", "(error) ERR value is not an integer or out of range");
    redis_expect(ks, 0, "ZSCAN z 0 MATCH", "(error) ERR syntax error");
    redis_expect(ks, 0, "ZSCAN z 0 foo bar", "(error) ERR syntax error");
    redis_expect(ks, 0, "ZSCAN z 0 TYPE string", "(error) ERR syntax error");
    redis_expect(ks, 0, "ZSCAN z", "(error) ERR wrong number of arguments for 'zscan' command");
    zset_test_string(ks, "s", "v");
    redis_expect(ks, 0, "ZSCAN s 0 COUNT 0",
                 "(error) WRONGTYPE Operation against a key holding the wrong kind of value");
    redis_expect(ks, 0, "ZSCAN s x", "(error) ERR invalid cursor");
}

/* ---------------------------------------------------------------------------------------------------------------
 * Heap growth: a few hundred members, checked against an independent expectation.
 */

enum { ZT_MEMBERS = 300, ZT_REPLY_NODES = 4096, ZT_REPLY_BYTES = 64 * 1024 };

typedef struct zt_member {
    double score;
    char name[16];
    uint32_t len;
    int live;
} zt_member;

/* The order of sim_keyspace.h's zset encoding, computed here on its own: score, then bytes, the shorter first. */
static int zt_cmp(const void *pa, const void *pb) {
    const zt_member *a = pa, *b = pb;
    if (a->score != b->score) return a->score < b->score ? -1 : 1;
    int cmp = memcmp(a->name, b->name, a->len < b->len ? a->len : b->len);
    if (cmp != 0) return cmp;
    return a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
}

/* Runs argv on the model with large reply buffers; returns the reply (static storage). */
static const lk_reply *zt_exec(sim_keyspace *ks, int argc, const char *const *argv) {
    static lk_reply_node nodes[ZT_REPLY_NODES];
    static char bytes[ZT_REPLY_BYTES];
    static lk_reply r;
    size_t len[8];
    for (int i = 0; i < argc; i++)
        len[i] = strlen(argv[i]);
    lk_reply_init(&r, nodes, ZT_REPLY_NODES, bytes, ZT_REPLY_BYTES);
    assert_int_equal(sim_redis_exec(ks, 0, argc, argv, len, &r), LK_OK);
    assert_true(lk_reply_ok(&r));
    return &r;
}

/* A u32 of the encoding. */
static uint32_t zt_get32(const unsigned char *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Sorts the live members of 'm' into 'out'; returns how many. */
static int zt_expected(const zt_member *m, zt_member *out) {
    int n = 0;
    for (int i = 0; i < ZT_MEMBERS; i++)
        if (m[i].live) out[n++] = m[i];
    qsort(out, (size_t)n, sizeof(*out), zt_cmp);
    return n;
}

/* Checks ZRANGE key 0 -1 WITHSCORES, ZCARD and the raw value bytes of 'key' against the expectation. */
static void zt_check(sim_keyspace *ks, const char *key, const zt_member *m) {
    static zt_member sorted[ZT_MEMBERS];
    int n = zt_expected(m, sorted);
    const char *range[] = {"ZRANGE", key, "0", "-1", "WITHSCORES"};
    const lk_reply *r = zt_exec(ks, 5, range);
    assert_int_equal(lk_reply_at(r, 0)->type, LK_REPLY_ARRAY);
    assert_int_equal(lk_reply_at(r, 0)->len, 2 * n);
    for (int i = 0; i < n; i++) {
        char score[64];
        snprintf(score, sizeof(score), "%.17g", sorted[i].score);
        assert_int_equal(lk_reply_at(r, 1 + 2 * i)->len, sorted[i].len);
        assert_memory_equal(lk_reply_str(r, 1 + 2 * i), sorted[i].name, sorted[i].len);
        assert_string_equal(lk_reply_str(r, 2 + 2 * i), score);
    }
    int slot = sim_ks_find(ks, key, (uint32_t)strlen(key), 0);
    assert_true(slot >= 0);
    uint32_t vlen, off = 4;
    const unsigned char *v = sim_ks_value(ks, slot, &vlen);
    assert_int_equal(zt_get32(v), n);
    for (int i = 0; i < n; i++) {
        assert_memory_equal(v + off, &sorted[i].score, 8);
        assert_int_equal(zt_get32(v + off + 8), sorted[i].len);
        assert_memory_equal(v + off + 12, sorted[i].name, sorted[i].len);
        off += 12 + sorted[i].len;
    }
    assert_int_equal(off, vlen);
    const char *card[] = {"ZCARD", key};
    assert_int_equal(lk_reply_at(zt_exec(ks, 2, card), 0)->integer, n);
}

/* ZADD key score member on the model and in the expectation 'm[i]'. */
static void zt_add(sim_keyspace *ks, const char *key, zt_member *m, int i, double score) {
    char text[64];
    snprintf(text, sizeof(text), "%.17g", score);
    const char *argv[] = {"ZADD", key, text, m[i].name};
    const lk_reply *r = zt_exec(ks, 4, argv);
    assert_int_equal(r->node[0].type, LK_REPLY_INTEGER);
    assert_int_equal(r->node[0].integer, m[i].live ? 0 : 1);
    m[i].score = score;
    m[i].live = 1;
}

/* Two interleaved sets of 300 members (blobs move as they grow), rescored and cut down, match an independent
 * expectation in their replies and their encoded bytes. */
static void test_sim_cmd_zset_heap_growth(void **state) {
    sim_keyspace *ks = *state;
    static zt_member a[ZT_MEMBERS], b[ZT_MEMBERS];
    uint64_t x = 12345;
    for (int i = 0; i < ZT_MEMBERS; i++) {
        a[i].len = (uint32_t)snprintf(a[i].name, sizeof(a[i].name), "m%d", (i * 7919) % 1000);
        b[i].len = (uint32_t)snprintf(b[i].name, sizeof(b[i].name), "member-%03d", i);
        a[i].live = b[i].live = 0;
    }
    for (int i = 0; i < ZT_MEMBERS; i++) { /* the two keys grow in turn, so their blobs keep moving */
        x = x * 6364136223846793005u + 1442695040888963407u;
        zt_add(ks, "za", a, i, (double)((int)(x >> 33) % 50) - 25.0);
        zt_add(ks, "zb", b, i, (double)(x >> 40) / 1024.0);
    }
    zt_check(ks, "za", a);
    zt_check(ks, "zb", b);
    for (int i = 0; i < ZT_MEMBERS; i += 3) { /* rescore a third: members move */
        x = x * 6364136223846793005u + 1442695040888963407u;
        zt_add(ks, "za", a, i, (double)((int)(x >> 33) % 50) - 25.5);
    }
    zt_check(ks, "za", a);
    for (int i = 0; i < ZT_MEMBERS; i += 2) { /* remove half of zb */
        const char *argv[] = {"ZREM", "zb", b[i].name};
        assert_int_equal(zt_exec(ks, 3, argv)->node[0].integer, 1);
        b[i].live = 0;
    }
    zt_check(ks, "zb", b);
    int below = 0;
    for (int i = 0; i < ZT_MEMBERS; i++)
        if (a[i].score < 0) below += 1;
    const char *rem[] = {"ZREMRANGEBYSCORE", "za", "-inf", "(0"};
    assert_int_equal(zt_exec(ks, 4, rem)->node[0].integer, below);
    for (int i = 0; i < ZT_MEMBERS; i++)
        if (a[i].score < 0) a[i].live = 0;
    zt_check(ks, "za", a);
    const char *all[] = {"ZREMRANGEBYSCORE", "zb", "-inf", "+inf"};
    assert_int_equal(zt_exec(ks, 4, all)->node[0].integer, ZT_MEMBERS / 2);
    assert_false(zset_test_exists(ks, "zb"));
    assert_int_equal(ks->count, 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sim_cmd_zset_zadd_basic, ks_setup, ks_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_zset_zadd_options, ks_setup, ks_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_zset_zadd_incr, ks_setup, ks_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_zset_zadd_errors, ks_setup, ks_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_zset_score_format, ks_setup, ks_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_zset_member_order, ks_setup, ks_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_zset_zrem, ks_setup, ks_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_zset_zscore_zrank_zcard, ks_setup, ks_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_zset_zrange_rank, ks_setup, ks_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_zset_zrange_byscore, ks_setup, ks_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_zset_zrange_bylex, ks_setup, ks_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_zset_zrange_syntax, ks_setup, ks_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_zset_zrangebyscore, ks_setup, ks_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_zset_zremrangebyscore, ks_setup, ks_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_zset_zscan, ks_setup, ks_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_zset_heap_growth, ks_setup, ks_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
