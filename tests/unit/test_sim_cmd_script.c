/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sim_cmd_script.c: proves the model runs Lua scripts as Redis 7.0 does (EVAL, EVALSHA, SCRIPT LOAD, EXISTS,
 * FLUSH): redis.call and redis.pcall, the conversions both ways, Redis's error texts and their " script: SHA, on
 * @user_script:LINE." suffix, read-only globals, the script cache; and that it refuses, as a model limit and not as
 * an answer, what it cannot model (an undeclared key, SCAN inside a script, a script that never ends).
 *
 * How: each expected reply is the one redis-server 7.0.15 gives (checked by hand; the random conformance test in
 * tests/redis/ compares scripts against a real server too). A script's runs are deterministic: the same script on
 * two key spaces gives the same replies and leaves the same bytes, tostring({}) and math.random included.
 */
#include "tests/unit/sim_redis_test.h"

#define T0 INT64_C(1700000000000)

#ifdef RACEBED_HAVE_LUA

static void test_sim_cmd_script_calls_and_conversions(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "EVAL \"return redis.call('SET', KEYS[1], ARGV[1])\" 1 k v", "OK");
    redis_expect(ks, T0, "EVAL \"return redis.call('GET', KEYS[1])\" 1 k", "\"v\"");
    redis_expect(ks, T0, "EVAL \"return redis.call('LPUSH', KEYS[1], 'x')\" 1 k",
                 "(error) WRONGTYPE Operation against a key holding the wrong kind of value script: "
                 "c0f4e07d13acc8c1c810243d737b96cf873d836e, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return redis.pcall('LPUSH', KEYS[1], 'x')\" 1 k",
                 "(error) WRONGTYPE Operation against a key holding the wrong kind of value");
    redis_expect(ks, T0, "EVAL \"return {1,2,'a',false,3}\" 0", "[(integer) 1, (integer) 2, \"a\", (nil), (integer) 3]");
    redis_expect(ks, T0, "EVAL \"return {1,2,nil,3}\" 0", "[(integer) 1, (integer) 2]");
    redis_expect(ks, T0, "EVAL \"return 3.99\" 0", "(integer) 3");
    redis_expect(ks, T0, "EVAL \"return 1e20\" 0", "(integer) -9223372036854775808");
    redis_expect(ks, T0, "EVAL \"return {ok='fine'}\" 0", "fine");
    redis_expect(ks, T0, "EVAL \"return {err='bad thing'}\" 0", "(error) bad thing");
    redis_expect(ks, T0, "EVAL \"return redis.error_reply('noprefix')\" 0", "(error) ERR noprefix");
    redis_expect(ks, T0, "EVAL \"return redis.error_reply('MY err')\" 0", "(error) MY err");
    redis_expect(ks, T0, "EVAL \"return redis.sha1hex('abc')\" 0", "\"a9993e364706816aba3e25717850c26c9cd0d89d\"");
    redis_expect(ks, T0, "EVAL \"redis.call('SET', KEYS[1], 0.1) return redis.call('GET', KEYS[1])\" 1 n",
                 "\"0.10000000000000001\"");
    redis_expect(ks, T0, "EVAL \"return {KEYS[1], ARGV[2], #ARGV}\" 1 a b c", "[\"a\", \"c\", (integer) 2]");
}

static void test_sim_cmd_script_errors(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "EVAL \"return redis.call('NOSUCH')\" 0",
                 "(error) ERR Unknown Redis command called from script script: "
                 "7ae0187b9ac91447963709e3bfd83c5935fec648, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return nil + 1\" 0",
                 "(error) ERR user_script:1: attempt to perform arithmetic on a nil value script: "
                 "d13bc48d895ba57f297c4db70c1d256548a54e2d, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"retur 1\" 0",
                 "(error) ERR Error compiling script (new function): user_script:1: '=' expected near '1'");
    redis_expect(ks, T0, "EVAL \"x = 1\" 0",
                 "(error) ERR user_script:1: Attempt to modify a readonly table script: "
                 "34bce5f775de97f557a34088509c8bfe1ea17e52, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return y\" 0",
                 "(error) ERR user_script:1: Script attempted to access nonexistent global variable 'y' script: "
                 "e278681ed961e2fb52881313e5c90fdd93749940, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"error({err='TABLE err'})\" 0",
                 "(error) TABLE err script: a36d1d33e14efb60b3d312ec97dd5e17bdd16bed, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return redis.call('MULTI')\" 0",
                 "(error) ERR This Redis command is not allowed from script script: "
                 "ba922d924f6e7808414359ed93c37767dd0532ce, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return 1\" x", "(error) ERR value is not an integer or out of range");
    redis_expect(ks, T0, "EVAL \"return 1\" 2 a", "(error) ERR Number of keys can't be greater than number of args");
    redis_expect(ks, T0, "EVAL \"return 1\" -1", "(error) ERR Number of keys can't be negative");
}

static void test_sim_cmd_script_cache(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0",
                 "(error) NOSCRIPT No matching script. Please use EVAL.");
    redis_expect(ks, T0, "SCRIPT LOAD \"return 1\"", "\"e0e1f9fabfc9d4800c877a703b823ac0578ff8db\"");
    redis_expect(ks, T0, "EVALSHA E0E1F9FABFC9D4800C877A703B823AC0578FF8DB 0", "(integer) 1");
    redis_expect(ks, T0, "SCRIPT EXISTS e0e1f9fabfc9d4800c877a703b823ac0578ff8db abc", "[(integer) 1, (integer) 0]");
    redis_expect(ks, T0, "EVAL \"return 2\" 0", "(integer) 2"); /* EVAL caches its script too */
    redis_expect(ks, T0, "EVALSHA 7f923f79fe76194c868d7e1d0820de36700eb649 0", "(integer) 2");
    redis_expect(ks, T0, "SCRIPT FLUSH", "OK");
    redis_expect(ks, T0, "EVALSHA 7f923f79fe76194c868d7e1d0820de36700eb649 0",
                 "(error) NOSCRIPT No matching script. Please use EVAL.");
    redis_expect(ks, T0, "SCRIPT LOAD \"retur 1\"",
                 "(error) ERR Error compiling script (new function): user_script:1: '=' expected near '1'");
    assert_int_equal(ks->script_count, 0); /* a script that does not compile is not cached */
}

/* What the model cannot answer as Redis would, it refuses as a limit (the simulator stops the run). */
static void test_sim_cmd_script_limits(void **state) {
    sim_keyspace *ks = *state;
    char out[512];
    assert_int_equal(redis_run(ks, T0, "EVAL \"return redis.call('GET', 'other')\" 0", out, sizeof(out)), LK_ELIMIT);
    assert_non_null(strstr(out, "without declaring it in KEYS"));
    assert_int_equal(redis_run(ks, T0, "EVAL \"return redis.call('SCAN', 0)\" 0", out, sizeof(out)), LK_ELIMIT);
    assert_non_null(strstr(out, "whole key space"));
    assert_int_equal(redis_run(ks, T0, "EVAL \"while true do end\" 0", out, sizeof(out)), LK_ELIMIT);
    assert_non_null(strstr(out, "Lua instructions"));
    assert_int_equal(redis_run(ks, T0, "EVAL \"local t = {} for i = 1, 1e7 do t[i] = i end\" 0", out, sizeof(out)),
                     LK_ELIMIT);
}

/* The same scripts twice from the same start: the same replies and the same bytes (pointer-keyed tables, tostring
 * of a table, math.random, the garbage collector), since every call starts a fresh state on the same scratch, which
 * sits at a fixed address in the run arena. */
static void test_sim_cmd_script_deterministic(void **state) {
    sim_keyspace *ks = *state;
    const char *scripts[] = {
        "EVAL \"local t = {} t[{}] = 1 t[{}] = 2 local s = '' for k, v in pairs(t) do s = s .. v end "
        "redis.call('SET', KEYS[1], s .. tostring(math.random(1000))) return s .. tostring({})\" 1 k",
        "EVAL \"return tostring({}) == tostring({})\" 0",
        "EVAL \"collectgarbage() return redis.call('RPUSH', KEYS[1], math.random(), math.random(5))\" 1 l",
    };
    enum { N = sizeof(scripts) / sizeof(scripts[0]) };
    char first[N][512];
    sim_keyspace *copy = malloc(SIM_KS_STATE_BYTES);
    assert_non_null(copy);
    for (int round = 0; round < 2; round++) {
        sim_ks_reset(ks);
        for (int i = 0; i < N; i++) {
            char out[512];
            assert_int_equal(redis_run(ks, T0, scripts[i], out, sizeof(out)), LK_OK);
            if (round == 0)
                strcpy(first[i], out);
            else
                assert_string_equal(out, first[i]);
        }
        if (round == 0)
            memcpy(copy, ks, SIM_KS_STATE_BYTES);
        else
            assert_memory_equal(copy, ks, SIM_KS_STATE_BYTES);
    }
    free(copy);
}

#else

/* Without Lua the script commands say how to get it. */
static void test_sim_cmd_script_without_lua(void **state) {
    sim_keyspace *ks = *state;
    char out[512];
    assert_int_equal(redis_run(ks, T0, "EVAL \"return 1\" 0", out, sizeof(out)), LK_OK);
    assert_non_null(strstr(out, "built without Lua"));
}

#endif

int main(void) {
    const struct CMUnitTest tests[] = {
#ifdef RACEBED_HAVE_LUA
        cmocka_unit_test_setup_teardown(test_sim_cmd_script_calls_and_conversions, ks_setup, ks_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_script_errors, ks_setup, ks_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_script_cache, ks_setup, ks_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_script_limits, ks_setup, ks_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_script_deterministic, ks_setup, ks_teardown),
#else
        cmocka_unit_test_setup_teardown(test_sim_cmd_script_without_lua, ks_setup, ks_teardown),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
