/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lk_scripts.h: the Lua scripts of the lock composites (design.md §3): what the Redis store sends with EVALSHA, and
 * what the model store's fast path must equal (tests/unit/test_sim_fastpath.c runs each script on the model and
 * compares it with the fast path over random stores).
 *
 * Each script's keys and arguments, as the Redis store passes them, and its reply:
 *   ACQUIRE  KEYS lock, fence [, epoch]  ARGV token, ttl_ms  -> {1, fence} acquired, {2, fence} already mine,
 *            {3, pttl} locked; error EPOCH (epoch not an integer in 0..2^21-1), FENCE (counter past 2^32-1)
 *   RELEASE  KEYS lock  ARGV token          -> {1, 0} released, {2, 0} not owner, {3, 0} absent
 *   EXTEND   KEYS lock  ARGV token, ttl_ms  -> {1, 0} extended, {2, 0} not owner, {3, 0} absent
 *   REVOKE   KEYS lock  ARGV fence_floor    -> {1, fence} revoked, {2, fence} newer (kept), {3, 0} absent
 *   SCAN_DEL KEYS -  ARGV match            -> keys deleted
 *   SCAN     KEYS -  ARGV match, after     -> the smallest matching key after 'after', or nil
 */
#ifndef RACEBED_CORE_LK_SCRIPTS_H
#define RACEBED_CORE_LK_SCRIPTS_H

/* Lua helpers, the model's rules exactly: owned(v, t): does value v belong to token t ("t" or "t:fence")? int(s):
 * a strict decimal integer (Redis's string2ll: "0" or -?[1-9][0-9]*) of at most 16 characters that a Lua double holds
 * exactly (2^53 + 1 does not: it would round to 2^53), else nil. fence(v, t): the fence after "t:" in v, 0 when malformed or outside 0..2^53. */
#define LK_LUA_OWNED                                                                                                      \
    "local function owned(v, t) local n = string.len(t) "                                                              \
    "return string.sub(v, 1, n) == t and (string.len(v) == n or string.sub(v, n + 1, n + 1) == ':') end "
#define LK_LUA_INT                                                                                                        \
    "local function int(s) if s == '0' then return 0 end "                                                             \
    "if string.len(s) <= 16 and string.match(s, '^%-?[1-9]%d*$') then local n = tonumber(s) "                          \
    "  if string.format('%.0f', n) == s then return n end end return nil end "                                         \
    "local function fence(s) local f = int(s) if f == nil or f < 0 or f > 9007199254740992 then return 0 end "         \
    "return f end "

#define LK_SCRIPT_MAP(X)                                                                                            \
    X(ACQUIRE, LK_LUA_OWNED LK_LUA_INT                                                                                       \
      "local v = redis.call('GET', KEYS[1]) "                                                                          \
      "if v then "                                                                                                     \
      "  if owned(v, ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) "                                           \
      "    return {2, fence(string.sub(v, string.len(ARGV[1]) + 2))} end "                                             \
      "  return {3, redis.call('PTTL', KEYS[1])} end "                                                                 \
      "local e = 0 "                                                                                                   \
      "if #KEYS >= 3 then local ev = redis.call('GET', KEYS[3]) "                                                      \
      "  if ev then e = int(ev) if e == nil or e < 0 or e > 2097151 then return redis.error_reply('EPOCH') end end "   \
      "end "                                                                                                           \
      "local c = redis.call('INCR', KEYS[2]) "                                                                         \
      "if c < 1 or c > 4294967295 then redis.call('DECR', KEYS[2]) return redis.error_reply('FENCE') end "             \
      "local f = e * 4294967296 + c "                                                                                  \
      "redis.call('SET', KEYS[1], ARGV[1] .. ':' .. string.format('%.0f', f), 'PX', ARGV[2]) "                         \
      "return {1, f}")                                                                                                 \
    X(RELEASE, LK_LUA_OWNED "local v = redis.call('GET', KEYS[1]) "                                                       \
                         "if not v then return {3, 0} end "                                                            \
                         "if owned(v, ARGV[1]) then redis.call('DEL', KEYS[1]) return {1, 0} end "                     \
                         "return {2, 0}")                                                                              \
    X(EXTEND, LK_LUA_OWNED "local v = redis.call('GET', KEYS[1]) "                                                        \
                        "if not v then return {3, 0} end "                                                             \
                        "if owned(v, ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return {1, 0} end "         \
                        "return {2, 0}")                                                                               \
    X(REVOKE, LK_LUA_INT "local v = redis.call('GET', KEYS[1]) "                                                          \
                      "if not v then return {3, 0} end "                                                               \
                      "local c = string.find(v, ':', 1, true) "                                                        \
                      "local f = c and fence(string.sub(v, c + 1)) or 0 "                                              \
                      "if f >= tonumber(ARGV[1]) then return {2, f} end "                                              \
                      "redis.call('DEL', KEYS[1]) return {1, f}")                                                      \
    X(SCAN_DEL, "local cursor, n = '0', 0 "                                                                            \
                "repeat local r = redis.call('SCAN', cursor, 'MATCH', ARGV[1], 'COUNT', 100) cursor = r[1] "           \
                "  for _, k in ipairs(r[2]) do n = n + redis.call('DEL', k) end "                                      \
                "until cursor == '0' return n")                                                                        \
    X(SCAN, "local cursor, best = '0', false "                                                                         \
            "repeat local r = redis.call('SCAN', cursor, 'MATCH', ARGV[1], 'COUNT', 100) cursor = r[1] "               \
            "  for _, k in ipairs(r[2]) do if k > ARGV[2] and (not best or k < best) then best = k end end "           \
            "until cursor == '0' return best")

typedef enum lk_script {
#define X(name, text) LK_SCRIPT_##name,
    LK_SCRIPT_MAP(X)
#undef X
        LK_SCRIPT_COUNT_
} lk_script;

/* The script's text: static storage, never NULL. */
const char *lk_script_text(lk_script which);

#endif
