/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lk_command.h: the table of Redis commands racebed's stores speak, as Redis's own command table describes them.
 *
 * One row per command: its name, arity (n > 0: exactly n arguments counting the name; n < 0: at least -n), flags,
 * and key positions (first, last, step; last -1 means the last argument, 0 0 0 means no keys). From the row come
 * every store's arity check, the keys a command touches (DPOR's footprints: lk_command_keys), and what a comparison
 * of two stores' replies must allow for (time-derived replies, orders Redis leaves unspecified). The model store
 * (sim/model/) implements each row; a unit test fails on a row without an implementation.
 *
 * Argument strings are binary-safe: (pointer, length) pairs. Limits: LK_COMMAND_ARGS_MAX arguments.
 */
#ifndef RACEBED_CORE_LK_COMMAND_H
#define RACEBED_CORE_LK_COMMAND_H

#include <stddef.h>
#include <stdint.h>

enum {
    LK_CMDF_WRITE = 1u << 0,     /* may change the key space */
    LK_CMDF_READONLY = 1u << 1,  /* never changes the key space (lazy expiry aside, which Redis also does) */
    LK_CMDF_TIME = 1u << 2,      /* the reply is derived from the server clock (PTTL, TTL): compare with a tolerance */
    LK_CMDF_UNORDERED = 1u << 3, /* Redis leaves the reply's order unspecified: compare as a set */
    LK_CMDF_KEYSPACE = 1u << 4,  /* reads the whole key space (SCAN): its footprint is every key */
    LK_CMDF_FAST = 1u << 5,      /* O(1) or O(log n) in Redis */
    LK_CMDF_TX = 1u << 6,        /* transaction control: needs a connection's state (EXEC's keys are its queue's) */
    LK_CMDF_SCRIPT = 1u << 7,    /* runs or manages Lua scripts: not allowed from a script */
    LK_CMDF_NUMKEYS = 1u << 8,   /* keys from numkeys: argv[2] is the key count, the keys follow (EVAL, EVALSHA) */
    LK_CMDF_BLOCKING = 1u << 9,  /* may block the connection until another client's command serves it or its timeout
                                    passes (BLPOP, BRPOP); inside MULTI it never blocks; Redis 7 refuses it in
                                    scripts (NOSCRIPT) */
    LK_CMDF_PUBSUB = 1u << 10,   /* pub/sub: acts on channels and subscribed connections, not on keys */
    LK_CMDF_NOSCRIPT = 1u << 11, /* not allowed from a script (SUBSCRIBE, UNSUBSCRIBE) */
};

enum { LK_COMMAND_ARGS_MAX = 1024 }; /* arguments of one command, its name included */

/* NAME, name (an identifier: the model's handler is sim__cmd_<name>), arity, flags, first key, last key, key step.
 * The order is the enum's and nothing else. */
#define LK_COMMAND_MAP(X)                                                                                              \
    /* strings */                                                                                                      \
    X(GET, get, 2, LK_CMDF_READONLY | LK_CMDF_FAST, 1, 1, 1)                                                           \
    X(SET, set, -3, LK_CMDF_WRITE, 1, 1, 1)                                                                            \
    X(SETNX, setnx, 3, LK_CMDF_WRITE | LK_CMDF_FAST, 1, 1, 1)                                                          \
    X(GETDEL, getdel, 2, LK_CMDF_WRITE | LK_CMDF_FAST, 1, 1, 1)                                                        \
    X(INCR, incr, 2, LK_CMDF_WRITE | LK_CMDF_FAST, 1, 1, 1)                                                            \
    X(INCRBY, incrby, 3, LK_CMDF_WRITE | LK_CMDF_FAST, 1, 1, 1)                                                        \
    X(DECR, decr, 2, LK_CMDF_WRITE | LK_CMDF_FAST, 1, 1, 1)                                                            \
    X(DECRBY, decrby, 3, LK_CMDF_WRITE | LK_CMDF_FAST, 1, 1, 1)                                                        \
    /* keys and expiry */                                                                                              \
    X(DEL, del, -2, LK_CMDF_WRITE, 1, -1, 1)                                                                           \
    X(UNLINK, unlink, -2, LK_CMDF_WRITE | LK_CMDF_FAST, 1, -1, 1)                                                      \
    X(EXISTS, exists, -2, LK_CMDF_READONLY | LK_CMDF_FAST, 1, -1, 1)                                                   \
    X(TYPE, type, 2, LK_CMDF_READONLY | LK_CMDF_FAST, 1, 1, 1)                                                         \
    X(EXPIRE, expire, -3, LK_CMDF_WRITE | LK_CMDF_FAST, 1, 1, 1)                                                       \
    X(PEXPIRE, pexpire, -3, LK_CMDF_WRITE | LK_CMDF_FAST, 1, 1, 1)                                                     \
    X(EXPIREAT, expireat, -3, LK_CMDF_WRITE | LK_CMDF_FAST, 1, 1, 1)                                                   \
    X(PEXPIREAT, pexpireat, -3, LK_CMDF_WRITE | LK_CMDF_FAST, 1, 1, 1)                                                 \
    X(TTL, ttl, 2, LK_CMDF_READONLY | LK_CMDF_FAST | LK_CMDF_TIME, 1, 1, 1)                                            \
    X(PTTL, pttl, 2, LK_CMDF_READONLY | LK_CMDF_FAST | LK_CMDF_TIME, 1, 1, 1)                                          \
    X(PERSIST, persist, 2, LK_CMDF_WRITE | LK_CMDF_FAST, 1, 1, 1)                                                      \
    X(SCAN, scan, -2, LK_CMDF_READONLY | LK_CMDF_UNORDERED | LK_CMDF_KEYSPACE, 0, 0, 0)                                \
    /* hashes */                                                                                                       \
    X(HSET, hset, -4, LK_CMDF_WRITE | LK_CMDF_FAST, 1, 1, 1)                                                           \
    X(HSETNX, hsetnx, 4, LK_CMDF_WRITE | LK_CMDF_FAST, 1, 1, 1)                                                        \
    X(HGET, hget, 3, LK_CMDF_READONLY | LK_CMDF_FAST, 1, 1, 1)                                                         \
    X(HMGET, hmget, -3, LK_CMDF_READONLY | LK_CMDF_FAST, 1, 1, 1)                                                      \
    X(HDEL, hdel, -3, LK_CMDF_WRITE | LK_CMDF_FAST, 1, 1, 1)                                                           \
    X(HEXISTS, hexists, 3, LK_CMDF_READONLY | LK_CMDF_FAST, 1, 1, 1)                                                   \
    X(HINCRBY, hincrby, 4, LK_CMDF_WRITE | LK_CMDF_FAST, 1, 1, 1)                                                      \
    X(HLEN, hlen, 2, LK_CMDF_READONLY | LK_CMDF_FAST, 1, 1, 1)                                                         \
    X(HKEYS, hkeys, 2, LK_CMDF_READONLY | LK_CMDF_UNORDERED, 1, 1, 1)                                                  \
    X(HVALS, hvals, 2, LK_CMDF_READONLY | LK_CMDF_UNORDERED, 1, 1, 1)                                                  \
    X(HGETALL, hgetall, 2, LK_CMDF_READONLY | LK_CMDF_UNORDERED, 1, 1, 1)                                              \
    X(HSCAN, hscan, -3, LK_CMDF_READONLY | LK_CMDF_UNORDERED, 1, 1, 1)                                                 \
    /* lists */                                                                                                        \
    X(LPUSH, lpush, -3, LK_CMDF_WRITE | LK_CMDF_FAST, 1, 1, 1)                                                         \
    X(RPUSH, rpush, -3, LK_CMDF_WRITE | LK_CMDF_FAST, 1, 1, 1)                                                         \
    X(LPOP, lpop, -2, LK_CMDF_WRITE | LK_CMDF_FAST, 1, 1, 1)                                                           \
    X(RPOP, rpop, -2, LK_CMDF_WRITE | LK_CMDF_FAST, 1, 1, 1)                                                           \
    X(LLEN, llen, 2, LK_CMDF_READONLY | LK_CMDF_FAST, 1, 1, 1)                                                         \
    X(LRANGE, lrange, 4, LK_CMDF_READONLY, 1, 1, 1)                                                                    \
    X(LINDEX, lindex, 3, LK_CMDF_READONLY, 1, 1, 1)                                                                    \
    X(LREM, lrem, 4, LK_CMDF_WRITE, 1, 1, 1)                                                                           \
    X(LTRIM, ltrim, 4, LK_CMDF_WRITE, 1, 1, 1)                                                                         \
    X(LPOS, lpos, -3, LK_CMDF_READONLY, 1, 1, 1)                                                                       \
    X(BLPOP, blpop, -3, LK_CMDF_WRITE | LK_CMDF_BLOCKING | LK_CMDF_NOSCRIPT, 1, -2, 1)                                 \
    X(BRPOP, brpop, -3, LK_CMDF_WRITE | LK_CMDF_BLOCKING | LK_CMDF_NOSCRIPT, 1, -2, 1)                                 \
    /* sorted sets */                                                                                                  \
    X(ZADD, zadd, -4, LK_CMDF_WRITE | LK_CMDF_FAST, 1, 1, 1)                                                           \
    X(ZREM, zrem, -3, LK_CMDF_WRITE | LK_CMDF_FAST, 1, 1, 1)                                                           \
    X(ZSCORE, zscore, 3, LK_CMDF_READONLY | LK_CMDF_FAST, 1, 1, 1)                                                     \
    X(ZRANK, zrank, 3, LK_CMDF_READONLY | LK_CMDF_FAST, 1, 1, 1)                                                       \
    X(ZCARD, zcard, 2, LK_CMDF_READONLY | LK_CMDF_FAST, 1, 1, 1)                                                       \
    X(ZRANGE, zrange, -4, LK_CMDF_READONLY, 1, 1, 1)                                                                   \
    X(ZRANGEBYSCORE, zrangebyscore, -4, LK_CMDF_READONLY, 1, 1, 1)                                                     \
    X(ZREMRANGEBYSCORE, zremrangebyscore, 4, LK_CMDF_WRITE, 1, 1, 1)                                                   \
    X(ZSCAN, zscan, -3, LK_CMDF_READONLY | LK_CMDF_UNORDERED, 1, 1, 1)                                                 \
    /* transactions */                                                                                                 \
    X(MULTI, multi, 1, LK_CMDF_TX | LK_CMDF_FAST, 0, 0, 0)                                                             \
    X(EXEC, exec, 1, LK_CMDF_TX, 0, 0, 0)                                                                              \
    X(DISCARD, discard, 1, LK_CMDF_TX | LK_CMDF_FAST, 0, 0, 0)                                                         \
    X(WATCH, watch, -2, LK_CMDF_TX | LK_CMDF_FAST, 1, -1, 1)                                                           \
    X(UNWATCH, unwatch, 1, LK_CMDF_TX | LK_CMDF_FAST, 0, 0, 0)                                                         \
    /* scripts */                                                                                                      \
    X(EVAL, eval, -3, LK_CMDF_SCRIPT | LK_CMDF_NUMKEYS, 3, 0, 1)                                                       \
    X(EVALSHA, evalsha, -3, LK_CMDF_SCRIPT | LK_CMDF_NUMKEYS, 3, 0, 1)                                                 \
    X(SCRIPT, script, -2, LK_CMDF_SCRIPT, 0, 0, 0)                                                                     \
    /* pub/sub */                                                                                                      \
    X(SUBSCRIBE, subscribe, -2, LK_CMDF_PUBSUB | LK_CMDF_NOSCRIPT, 0, 0, 0)                                            \
    X(UNSUBSCRIBE, unsubscribe, -1, LK_CMDF_PUBSUB | LK_CMDF_NOSCRIPT, 0, 0, 0)                                        \
    X(PUBLISH, publish, 3, LK_CMDF_PUBSUB | LK_CMDF_FAST, 0, 0, 0)                                                     \
    /* connection */                                                                                                   \
    X(PING, ping, -1, LK_CMDF_FAST, 0, 0, 0)                                                                           \
    X(ECHO, echo, 2, LK_CMDF_FAST, 0, 0, 0)                                                                            \
    /* server */                                                                                                       \
    X(TIME, time, 1, LK_CMDF_READONLY | LK_CMDF_FAST | LK_CMDF_TIME, 0, 0, 0)

typedef enum lk_command_id {
#define LK_COMMAND_ENUM(NAME, name, arity, flags, first, last, step) LK_CMD_##NAME,
    LK_COMMAND_MAP(LK_COMMAND_ENUM)
#undef LK_COMMAND_ENUM
        LK_CMD_COUNT_
} lk_command_id;

typedef struct lk_command {
    lk_command_id id;
    const char *name; /* lower case, as Redis names it in errors */
    int arity;        /* > 0: exactly; < 0: at least -arity; the name counts */
    unsigned flags;   /* LK_CMDF_* */
    int first_key;    /* argv index of the first key; 0: no keys */
    int last_key;     /* argv index of the last key; -1: the last argument */
    int key_step;     /* distance between keys */
} lk_command;

/* The row of 'id': static storage. */
const lk_command *lk_command_get(lk_command_id id);
/* The row named 'name' ('len' bytes, any case), or NULL for a command not in the table. */
const lk_command *lk_command_lookup(const char *name, size_t len);
/* 1 if 'argc' arguments (the name included) satisfy the row's arity. */
int lk_command_arity_ok(const lk_command *c, int argc);
/* Writes the argv indexes of the keys of a call with 'argc' arguments into 'pos' (at most 'cap') and returns how
 * many there are, or -1 when a NUMKEYS command's key count is not a valid number for this call; the call's arity
 * must be ok. 'argv' and 'argv_len' (NULL: C strings) are read only by NUMKEYS rows. A KEYSPACE command has no key
 * positions: its footprint is every key. */
int lk_command_keys(const lk_command *c, int argc, const char *const *argv, const size_t *argv_len, int *pos, int cap);

/* 1 if a script's text may publish: it contains "publish" in any case. A script whose text does not can never call
 * PUBLISH (the model refuses it as a limit), so a search may treat its footprint as its keys alone. */
int lk_script_may_publish(const char *body, size_t len);

#endif
