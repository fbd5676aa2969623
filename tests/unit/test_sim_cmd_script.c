/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sim_cmd_script.c: proves the model runs Lua scripts as Redis 7.0 does (EVAL, EVALSHA, SCRIPT LOAD, EXISTS,
 * FLUSH): redis.call and redis.pcall, the conversions both ways, Redis's error texts and their " script: SHA, on
 * @user_script:LINE." suffix, read-only globals, the script cache, the bit and struct libraries (every function, their
 * edge values and their errors), cjson (its settings as server state) and cmsgpack; and that it refuses, as a model
 * limit and not as an answer, what it cannot model (an undeclared key, SCAN inside a script, a script that never ends).
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
    redis_expect(ks, T0, "EVAL \"return {1,2,'a',false,3}\" 0",
                 "[(integer) 1, (integer) 2, \"a\", (nil), (integer) 3]");
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
    /* A returned table is read raw, as Redis reads it: _G's __index raises for a missing global, and the reply is
     * built outside the protected call, where a raise would end the process. */
    redis_expect(ks, T0, "EVAL \"return {_G}\" 0", "[[]]");
    redis_expect(ks, T0, "EVAL \"return setmetatable({}, {__index = function() error('x') end})\" 0", "[]");
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

/* bit: arguments modulo 2^32 as LuaBitOp takes them (2^32 is 0, 2.5 rounds to 2, 2^31 is -2^31, the encoding
 * bits of huge numbers), signed 32-bit results, shift counts masked to 5 bits, tohex's digit counts and case, and
 * the order pairs() walks the table in. */
static void test_sim_cmd_script_bit(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0,
                 "EVAL \"return {bit.tobit(0x7fffffff), bit.tobit(0x80000000), bit.tobit(-1), bit.tobit(2^32), "
                 "bit.tobit(2^32+5), bit.tobit(1.5), bit.tobit(2.5), bit.tobit(-2.5), bit.tobit('0x10')}\" 0",
                 "[(integer) 2147483647, (integer) -2147483648, (integer) -1, (integer) 0, (integer) 5, (integer) 2, "
                 "(integer) 2, (integer) -2, (integer) 16]");
    redis_expect(ks, T0,
                 "EVAL \"return {bit.tobit(2^52+3), bit.tobit(-2^53-3), bit.tobit(1e300), bit.tobit(1/0), "
                 "bit.tobit(0/0), bit.tobit(-0.5)}\" 0",
                 "[(integer) 2, (integer) 8, (integer) -2013235812, (integer) 0, (integer) 0, (integer) 0]");
    redis_expect(ks, T0,
                 "EVAL \"return {bit.bnot(0), bit.bnot(0x7fffffff), bit.band(0xff, 0x0f), bit.band(-1, 0x80000000), "
                 "bit.band(7), bit.bor(1, 2, 4, 8), bit.bor(0x80000000, 0x7fffffff), bit.bxor(0xff, 0x0f, 1), "
                 "bit.bxor(-1, 1)}\" 0",
                 "[(integer) -1, (integer) -2147483648, (integer) 15, (integer) -2147483648, (integer) 7, (integer) "
                 "15, (integer) -1, (integer) 241, (integer) -2]");
    redis_expect(
        ks, T0,
        "EVAL \"return {bit.lshift(1, 31), bit.lshift(1, 32), bit.lshift(1, 33), bit.lshift(1, -1), bit.rshift(-1, "
        "28), bit.rshift(-1, 32), bit.arshift(-256, 4), bit.arshift(0x80000000, 31), bit.arshift(0x7fffffff, 31)}\" 0",
        "[(integer) -2147483648, (integer) 1, (integer) 2, (integer) -2147483648, (integer) 15, (integer) -1, "
        "(integer) -16, (integer) -1, (integer) 0]");
    redis_expect(
        ks, T0,
        "EVAL \"return {bit.rol(0x12345678, 4), bit.rol(0x12345678, 32), bit.rol(0x80000000, 1), bit.ror(0x12345678, "
        "4), bit.ror(1, 1), bit.ror(0x12345678, 0), bit.bswap(0x12345678), bit.bswap(0x80)}\" 0",
        "[(integer) 591751041, (integer) 305419896, (integer) 1, (integer) -2128394905, (integer) -2147483648, "
        "(integer) 305419896, (integer) 2018915346, (integer) -2147483648]");
    redis_expect(
        ks, T0,
        "EVAL \"return {bit.tohex(0xabcdef12), bit.tohex(-1), bit.tohex(0xabcdef12, -4), bit.tohex(0xabcdef12, 4), "
        "bit.tohex(1, 0), bit.tohex(1, 9), bit.tohex(0xabcdef12, -2^31), bit.tohex(0xabcdef12, 2^32-1)}\" 0",
        "[\"abcdef12\", \"ffffffff\", \"EF12\", \"ef12\", \"\", \"00000001\", \"ABCDEF12\", \"2\"]");
    redis_expect(ks, T0, "EVAL \"local t = {} for k in pairs(bit) do t[#t+1] = k end return t\" 0",
                 "[\"band\", \"rshift\", \"bor\", \"bnot\", \"bswap\", \"bxor\", \"tobit\", \"ror\", \"lshift\", "
                 "\"tohex\", \"rol\", \"arshift\"]");
    redis_expect(ks, T0, "EVAL \"return rawequal(bit, bit) and bit.band == bit.band\" 0", "(integer) 1");
}

/* bit's type errors name the argument Redis names: argument 1 first, then band's others from the last down. */
static void test_sim_cmd_script_bit_errors(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "EVAL \"return bit.band(1, 'x', 'y')\" 0",
                 "(error) ERR user_script:1: bad argument #3 to 'band' (number expected, got string) script: "
                 "63bd78740cd64d67afe474d2997255cd018d4206, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return bit.bor('x', 'y')\" 0",
                 "(error) ERR user_script:1: bad argument #1 to 'bor' (number expected, got string) script: "
                 "df50af0eee03dcaeefe3365c2753d52291502a5a, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return bit.tobit()\" 0",
                 "(error) ERR user_script:1: bad argument #1 to 'tobit' (number expected, got no value) script: "
                 "6058df6fbdf91c1b96015f209fb1a490233f2272, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return bit.tohex(1, nil)\" 0",
                 "(error) ERR user_script:1: bad argument #2 to 'tohex' (number expected, got nil) script: "
                 "a371c52406761939e731eaf561be8634ccb2af98, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return bit.lshift(1)\" 0",
                 "(error) ERR user_script:1: bad argument #2 to 'lshift' (number expected, got no value) script: "
                 "96ef0de5140ab932215a1863ca1373f10f03b7a6, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return bit.rol({}, 1)\" 0",
                 "(error) ERR user_script:1: bad argument #1 to 'rol' (number expected, got table) script: "
                 "608c66b9b434b115c3cecb988828cf606820ff7a, on @user_script:1.");
}

/* struct.pack: each item's bytes in either order, Redis's x86-64 conversions of numbers an integer cannot hold,
 * integers past 8 bytes, floats, alignment under '!', strings. */
static void test_sim_cmd_script_struct_pack(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(
        ks, T0,
        "EVAL \"return {struct.pack('>i', 1), struct.pack('<i', -2), struct.pack('>bBhH', -1, 255, -2, 65535), "
        "struct.pack('>i3', 0x123456), struct.pack('<i10', -1), struct.pack('>I9', 2^63)}\" 0",
        "[\"\\x00\\x00\\x00\\x01\", \"\\xfe\\xff\\xff\\xff\", \"\\xff\\xff\\xff\\xfe\\xff\\xff\", \"\\x124V\", "
        "\"\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\", \"\\x00\\x80\\x00\\x00\\x00\\x00\\x00\\x00\\x00\"]");
    redis_expect(ks, T0,
                 "EVAL \"return {struct.pack('<lLT', -3, 7, 9), struct.pack('>f', 1.5), struct.pack('<d', 0.1), "
                 "struct.pack('>d', -1/0), struct.pack('f', 1e300), struct.pack('i0', 5)}\" 0",
                 "[\"\\xfd\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x07\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x09\\x00\\x00\\x"
                 "00\\x00\\x00\\x00\\x00\", \"?\\xc0\\x00\\x00\", \"\\x9a\\x99\\x99\\x99\\x99\\x99\\xb9?\", "
                 "\"\\xff\\xf0\\x00\\x00\\x00\\x00\\x00\\x00\", \"\\x00\\x00\\x80\\x7f\", \"\"]");
    redis_expect(ks, T0,
                 "EVAL \"return {struct.pack('>l', 0/0), struct.pack('>L', 2^64), struct.pack('>l', -1/0), "
                 "struct.pack('<I2', -1.5), struct.pack('<I2', 1.5), struct.pack('<L', 2^63 + 2048)}\" 0",
                 "[\"\\x80\\x00\\x00\\x00\\x00\\x00\\x00\\x00\", \"\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\", "
                 "\"\\x80\\x00\\x00\\x00\\x00\\x00\\x00\\x00\", \"\\xff\\xff\", \"\\x01\\x00\", "
                 "\"\\x00\\x08\\x00\\x00\\x00\\x00\\x00\\x80\"]");
    redis_expect(
        ks, T0,
        "EVAL \"return {struct.pack('!bd', 1, 1.5) == struct.pack('bxxxxxxxd', 1, 1.5), struct.pack('!4bd', 1, 2), "
        "struct.pack('!2bi', 1, 2), struct.pack('!8bi3', 1, 2), struct.pack('!8bc3i', 1, 'abc', 2)}\" 0",
        "[(integer) 1, \"\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00@\", "
        "\"\\x01\\x00\\x02\\x00\\x00\\x00\", \"\\x01\\x00\\x00\\x02\\x00\\x00\", \"\\x01abc\\x02\\x00\\x00\\x00\"]");
    redis_expect(ks, T0, "EVAL \"return {struct.pack('!bhbi3bi5', 1, 2, 3, 4, 5, 6), struct.pack(' < > !b', 7)}\" 0",
                 "[\"\\x01\\x00\\x02\\x00\\x03\\x00\\x00\\x04\\x00\\x00\\x05\\x00\\x00\\x00\\x00\\x06\\x00\\x00\\x00\\x"
                 "00\", \"\\x07\"]");
    redis_expect(ks, T0,
                 "EVAL \"return {struct.pack('s', 'a\\0b'), struct.pack('c0', 'ab'), struct.pack('c3', 'abcd'), "
                 "struct.pack('xbx', 9), struct.pack('c', 12)}\" 0",
                 "[\"a\\x00b\\x00\", \"ab\", \"abc\", \"\\x00\\x09\\x00\", \"1\"]");
}

/* struct.unpack and struct.size: round trips, sign extension (wide items included), c0 sized by the previous
 * result, the start position and the next one, and size's count of a format. */
static void test_sim_cmd_script_struct_unpack(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(
        ks, T0,
        "EVAL \"local s = struct.pack('>i<I!4bhd', -5, 4000000000, -1, 300, 0.25) local a, b, c, d, e, n = "
        "struct.unpack('>i<I!4bhd', s) return {a, b, c, d, e == 0.25, n, #s}\" 0",
        "[(integer) -5, (integer) 4000000000, (integer) -1, (integer) 300, (integer) 1, (integer) 21, (integer) 20]");
    redis_expect(ks, T0,
                 "EVAL \"local s = struct.pack('>f<fsc0', 0.1, -2.5, 'hi', 'end') local a, b, c, d, n = "
                 "struct.unpack('>f<fsc3', s) return {a == 0.1, a == struct.unpack('f', struct.pack('f', 0.1)), b == "
                 "-2.5, c, d, n}\" 0",
                 "[(nil), (integer) 1, (integer) 1, \"hi\", \"end\", (integer) 15]");
    redis_expect(
        ks, T0,
        "EVAL \"local u = struct.unpack return {u('<i', '\\255\\255\\255\\255'), u('<I', '\\255\\255\\255\\255'), "
        "u('<i3', '\\255\\255\\128'), u('>h', '\\128\\0'), u('i0', '')}\" 0",
        "[(integer) -1, (integer) 4294967295, (integer) -8323073, (integer) -32768, (integer) 0, (integer) 1]");
    redis_expect(ks, T0,
                 "EVAL \"local u = struct.unpack return {u('<i9', '\\128\\0\\0\\0\\0\\0\\0\\0\\1'), u('>i9', "
                 "'\\128\\0\\0\\0\\0\\0\\0\\0\\1'), u('<i12', '\\0\\0\\0\\128\\0\\0\\0\\0\\0\\0\\0\\0'), u('<I16', "
                 "string.rep('\\255', 16)), u('<i16', string.rep('\\255', 16))}\" 0",
                 "[(integer) -128, (integer) 1, (integer) -2147483648, (integer) -9223372036854775808, (integer) -1, "
                 "(integer) 17]");
    redis_expect(ks, T0,
                 "EVAL \"local u = struct.unpack return {u('<l', '\\255\\255\\255\\255\\255\\255\\255\\127'), u('<L', "
                 "string.rep('\\255', 8)), u('<T', '\\1\\0\\0\\0\\0\\0\\0\\0'), u('d', struct.pack('d', 1/0))}\" 0",
                 "[(integer) -9223372036854775808, (integer) -9223372036854775808, (integer) 1, (integer) "
                 "-9223372036854775808, (integer) 9]");
    redis_expect(ks, T0, "EVAL \"return {struct.unpack('bc0s', '\\3abcxy\\0z')}\" 0", "[\"abc\", \"xy\", (integer) 8]");
    redis_expect(ks, T0, "EVAL \"return {struct.unpack('sc0', '2\\0abc')}\" 0", "[\"ab\", (integer) 5]");
    redis_expect(ks, T0, "EVAL \"return {struct.unpack('xxb', '\\1\\2\\3')}\" 0", "[(integer) 3, (integer) 4]");
    redis_expect(ks, T0, "EVAL \"return {struct.unpack('!4bi', '\\1\\0\\0\\0\\2\\0\\0\\0')}\" 0",
                 "[(integer) 1, (integer) 2, (integer) 9]");
    redis_expect(ks, T0, "EVAL \"return {struct.unpack('c2', 'abcdef', 3)}\" 0", "[\"cd\", (integer) 5]");
    redis_expect(ks, T0, "EVAL \"return {struct.unpack('c2', 'abcdef', '2')}\" 0", "[\"bc\", (integer) 4]");
    redis_expect(ks, T0, "EVAL \"return {struct.unpack('', 'abcdef', 100)}\" 0", "[(integer) 100]");
    redis_expect(ks, T0, "EVAL \"return {struct.unpack('', 'abcdef', -1)}\" 0", "[(integer) -1]");
    redis_expect(ks, T0, "EVAL \"return {struct.unpack('!8i8', '12345678', -1)}\" 0",
                 "(error) ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: "
                 "d264cf89094dcbd2aac4c99c6894e0af14b08bed, on @user_script:1.");
    redis_expect(
        ks, T0,
        "EVAL \"return {struct.size('i'), struct.size('bBhHlLTfdx'), struct.size('!bd'), struct.size('!4bd'), "
        "struct.size('c10'), struct.size('z'), struct.size('!8bi3i5'), struct.size('b12'), struct.size('')}\" 0",
        "[(integer) 4, (integer) 43, (integer) 16, (integer) 12, (integer) 10, (integer) 0, (integer) 11, (integer) 1, "
        "(integer) 0]");
}

/* struct's errors, with the argument numbers and texts of Redis (c's "string too short" names the argument after
 * the string, as Redis does). */
static void test_sim_cmd_script_struct_errors(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "EVAL \"return struct.pack('i')\" 0",
                 "(error) ERR user_script:1: bad argument #2 to 'pack' (number expected, got nil) script: "
                 "63b299178a495d059d925846f3a5f58587cb30c9, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return struct.pack('ii', 1)\" 0",
                 "(error) ERR user_script:1: bad argument #3 to 'pack' (number expected, got nil) script: "
                 "2c85861ffbe8a6c7335e4a3239f2eafc62283cea, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return struct.pack('i', 'x')\" 0",
                 "(error) ERR user_script:1: bad argument #2 to 'pack' (number expected, got string) script: "
                 "72d01f23645269179316b093775c7fa64478554a, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return struct.pack('c5', 'ab')\" 0",
                 "(error) ERR user_script:1: bad argument #3 to 'pack' (string too short) script: "
                 "cec53901ab5000b5eccda51f64e59e716bdfd4ba, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return struct.pack('bc5', 1, 'ab')\" 0",
                 "(error) ERR user_script:1: bad argument #4 to 'pack' (string too short) script: "
                 "a52af14a8791d84ca73f46282ce25f618ce05687, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return struct.pack('z', 1)\" 0",
                 "(error) ERR user_script:1: bad argument #1 to 'pack' (invalid format option 'z') script: "
                 "b1a49a62278d772f47cfca6a679bc33c0fa64430, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return struct.pack('3', 1)\" 0",
                 "(error) ERR user_script:1: bad argument #1 to 'pack' (invalid format option '3') script: "
                 "7452bddc7afaf0aba5448b383743faeb6041cd2c, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return struct.pack('i33', 1)\" 0",
                 "(error) ERR user_script:1: integral size 33 is larger than limit of 32 script: "
                 "0a76c071d82805e752befa6958961c98c39f358f, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return struct.pack('i99999999999', 1)\" 0",
                 "(error) ERR user_script:1: integral size overflow script: 55da9dc87c031781cab77cd7caa7180a2f334e7e, "
                 "on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return struct.pack('!3i', 1)\" 0",
                 "(error) ERR user_script:1: alignment 3 is not a power of 2 script: "
                 "9c4f4d70ace09806881a064330127afb155d9415, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return struct.pack('!0i', 1)\" 0",
                 "(error) ERR user_script:1: alignment 0 is not a power of 2 script: "
                 "5aaeba7ecb91bf11e09bf9b28d712bc9b72cb2f5, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return struct.pack()\" 0",
                 "(error) ERR user_script:1: bad argument #1 to 'pack' (string expected, got no value) script: "
                 "c9b8aed4f0633591e6252db264bf8b86b82828d5, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return struct.unpack('<i', 'abc')\" 0",
                 "(error) ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: "
                 "edf7af20573101326dc921ca9b2bdc8a4a792d3c, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return struct.unpack('!4bi', '\\1\\0\\0\\0\\2\\0\\0')\" 0",
                 "(error) ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: "
                 "746f3a3d666988b59d1d7e9081ffba6bca7463ad, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return struct.unpack('c2', 'abc', 0)\" 0",
                 "(error) ERR user_script:1: bad argument #3 to 'unpack' (offset must be 1 or greater) script: "
                 "fb4d247c3cc97459e81be4126ca0f29af95f7a11, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return struct.unpack('c2', 'abc', 'x')\" 0",
                 "(error) ERR user_script:1: bad argument #3 to 'unpack' (number expected, got string) script: "
                 "1a490fb68c8f6a48f886efe726fc6be5eccfc45e, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return struct.unpack('c0', 'abc')\" 0",
                 "(error) ERR user_script:1: format 'c0' needs a previous size script: "
                 "6f6b6ad3f7dd0c62f022bfe2dfdbbc810ab64756, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return struct.unpack('sc0', 'x\\0abc')\" 0",
                 "(error) ERR user_script:1: format 'c0' needs a previous size script: "
                 "5ca983832aecfea57e2991e7c3a2a4e871deca1e, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return struct.unpack('bc0', '\\9abc')\" 0",
                 "(error) ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: "
                 "6570022133045e0fdcc473200a9a1a3cbef0d8c8, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return struct.unpack('s', 'abc')\" 0",
                 "(error) ERR user_script:1: unfinished string in data script: "
                 "3c8c11118da3ea1fd285856434f3f28c04cc4a2a, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return struct.unpack('b')\" 0",
                 "(error) ERR user_script:1: bad argument #2 to 'unpack' (string expected, got no value) script: "
                 "8c477a7a8092b99b128ce33cc36d749bac3bfeae, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return struct.size('s')\" 0",
                 "(error) ERR user_script:1: bad argument #1 to 'size' (option 's' has no fixed size) script: "
                 "a2a0525826ab7939ccd3f54427a862205642f28f, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return struct.size('bc0')\" 0",
                 "(error) ERR user_script:1: bad argument #1 to 'size' (option 'c0' has no fixed size) script: "
                 "74dacd14324ad3d69ac5e1b860ef3e1e5692a275, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return struct.size('?')\" 0",
                 "(error) ERR user_script:1: bad argument #1 to 'size' (invalid format option '?') script: "
                 "7bbb71570e714600c71d9cc568bccd7730051b1f, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return struct.size('i40')\" 0",
                 "(error) ERR user_script:1: integral size 40 is larger than limit of 32 script: "
                 "3e540f3a08223d82bf92ec251944ff434d9bae0b, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"local t = {struct.unpack(string.rep('b', 8000), string.rep('a', 8000))} return #t\" 0",
                 "(error) ERR user_script:1: stack overflow (too many results) script: "
                 "2f678012a3227f853d9acefff8668a92b79800b7, on @user_script:1.");
}

/* cjson: encode and decode as Redis's Lua CJSON 2.1.0 does (escapes, null, arrays with holes, nesting errors), and
 * its settings as server state: they outlive the script that set them, SCRIPT FLUSH restores the defaults, and a
 * server whose settings are back at their defaults holds the same bytes as one never configured. */
static void test_sim_cmd_script_cjson(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "EVAL \"return cjson.encode({a={1,2,{b=cjson.null}},s='x/y'})\" 0",
                 "\"{\\\"a\\\":[1,2,{\\\"b\\\":null}],\\\"s\\\":\\\"x\\\\/y\\\"}\"");
    redis_expect(ks, T0,
                 "EVAL \"return cjson.decode((('[1,@a@,null,2.9,true,false,{}]'):gsub('@', string.char(34))))\" 0",
                 "[(integer) 1, \"a\", (nil), (integer) 2, (integer) 1, (nil), []]");
    redis_expect(ks, T0, "EVAL \"return cjson.decode('[1,]')\" 0",
                 "(error) ERR user_script:1: Expected value but found T_ARR_END at character 4 script: "
                 "d31ab1dd313d99d4ad3dac6e48cdff283bea270c, on @user_script:1.");
    sim_keyspace *fresh = malloc(SIM_KS_STATE_BYTES);
    assert_non_null(fresh);
    memcpy(fresh, ks, SIM_KS_STATE_BYTES);
    redis_expect(ks, T0, "EVAL \"return cjson.encode_max_depth(3)\" 0", "(integer) 3");
    redis_expect(ks, T0, "EVAL \"return cjson.encode({{{{1}}}})\" 0",
                 "(error) ERR user_script:1: Cannot serialise, excessive nesting (4) script: "
                 "94379f9734f7358ed6aaa39bc0ec86ab3003b453, on @user_script:1.");
    redis_expect(ks, T0, "SCRIPT FLUSH", "OK");
    redis_expect(ks, T0, "EVAL \"return cjson.encode({{{{1}}}})\" 0", "\"[[[[1]]]]\"");
    redis_expect(ks, T0, "EVAL \"return cjson.encode_number_precision(5)\" 0", "(integer) 5");
    assert_memory_not_equal(fresh->cjson.setting, ks->cjson.setting, sizeof(ks->cjson.setting));
    redis_expect(ks, T0, "EVAL \"return cjson.encode_number_precision(14)\" 0", "(integer) 14");
    assert_memory_equal(fresh->cjson.setting, ks->cjson.setting, sizeof(ks->cjson.setting));
    free(fresh);
}

/* cmsgpack: pack's shortest encodings, unpack_one's offsets, and the errors of lua-cmsgpack 0.4.0. */
static void test_sim_cmd_script_cmsgpack(void **state) {
    sim_keyspace *ks = *state;
    redis_expect(ks, T0, "EVAL \"return cmsgpack.pack({1,2,{a='b'}}, -1, 1.5, 2^40)\" 0",
                 "\"\\x93\\x01\\x02\\x81\\xa1a\\xa1b\\xff\\xca?\\xc0\\x00\\x00\\xcf\\x00\\x00\\x01\\x00\\x00\\x00\\x00"
                 "\\x00\"");
    redis_expect(ks, T0, "EVAL \"return {cmsgpack.unpack_one(cmsgpack.pack(7, 'x'))}\" 0",
                 "[(integer) 1, (integer) 7]");
    redis_expect(ks, T0, "EVAL \"return {cmsgpack.unpack(cmsgpack.pack(1, 'a', {1, {2}}, true))}\" 0",
                 "[(integer) 1, \"a\", [(integer) 1, [(integer) 2]], (integer) 1]");
    redis_expect(ks, T0, "EVAL \"return cmsgpack.unpack('\\193')\" 0",
                 "(error) ERR user_script:1: Bad data format in input. script: "
                 "dc135bd7bc2955014f03280e151acf74360378e7, on @user_script:1.");
    redis_expect(ks, T0, "EVAL \"return cmsgpack.pack()\" 0",
                 "(error) ERR user_script:1: bad argument #0 to 'pack' (MessagePack pack needs input.) script: "
                 "6bc235afa55de88253e203cc5fe5844792e25209, on @user_script:1.");
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
        "EVAL \"return redis.call('SET', KEYS[1], struct.pack('>d!8bi3s', 0.1, 1, bit.tohex(bit.rol(-7, 3)), 'z'))\" 1 "
        "b",
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
        cmocka_unit_test_setup_teardown(test_sim_cmd_script_bit, ks_setup, ks_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_script_bit_errors, ks_setup, ks_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_script_struct_pack, ks_setup, ks_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_script_struct_unpack, ks_setup, ks_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_script_struct_errors, ks_setup, ks_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_script_cjson, ks_setup, ks_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_script_cmsgpack, ks_setup, ks_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_script_limits, ks_setup, ks_teardown),
        cmocka_unit_test_setup_teardown(test_sim_cmd_script_deterministic, ks_setup, ks_teardown),
#else
        cmocka_unit_test_setup_teardown(test_sim_cmd_script_without_lua, ks_setup, ks_teardown),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
