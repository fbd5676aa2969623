/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_store_model.h: the model store, an in-memory Redis subset with the lock composites of design.md §3.
 *
 * It is pure state plus one function: the caller passes the server's wall clock for every op (the simulator reads
 * it at the op's apply instant, send + RTT/2). Keys expire by that clock at millisecond resolution, expired when
 * now > deadline (Redis keyIsExpired), and lazily: an expired key is removed when an op touches it, otherwise it
 * stays, so after a backward wall step an untouched key comes back, as on a Redis with active expiry off.
 *
 * The data is the model Redis's typed key space (sim_keyspace.h): the fixed ops of lk_env.h run on it directly (the
 * simulator's hot path), and every command of the command table runs on the same keys (sim_store_model_command), so
 * a scenario can mix them as a client mixes commands and scripts. A fixed op meets only strings; one that meets a
 * key of another type answers as the Redis adapter's script would: an unexpected reply (LK_ESTORE_PROTO), except
 * SET, DEL, PEXPIRE and PTTL, which act on any type as Redis does, and INCR (wrong type).
 *
 * Invariant: the layout is a function of the op sequence alone (the table places keys exactly as the fixed store it
 * replaced did: FNV-1a, 256 slots, linear probing, backward-shift deletion). Never: fault injection in here (faults
 * are shims). Guarded by: the simulator's single OS thread.
 */
#ifndef RACEBED_SIM_SIM_STORE_MODEL_H
#define RACEBED_SIM_SIM_STORE_MODEL_H

#include "core/lk_env.h"
#include "sim/model/sim_redis.h"

enum { SIM_STORE_SLOTS = SIM_KS_SLOTS }; /* key capacity is 3/4 of this */

typedef struct sim_store_model {
    sim_keyspace ks; /* the keys, of every type */
} sim_store_model;

/* Empties the store, whatever the memory held before. */
void sim_store_model_init(sim_store_model *s);
/* Empties a store that was initialized before: clears only the used slots, so it costs what the last execution
 * used, not the table size (the run arena calls it for every execution). */
void sim_store_model_reset(sim_store_model *s);

/* Applies 'op' atomically at server wall time 'now_ms' and fills 'reply'. Returns LK_OK, LK_EINVAL (a key or
 * value too long, a negative TTL on SET, an empty token or one with ':' or too long for ":fence"), LK_ELIMIT
 * (the table or heap is full: more than 3/4 of SIM_STORE_SLOTS keys; an op that fails so changes nothing), or
 * LK_ESTORE_PROTO (the op met a key of another type, or a value or key only a command could write, that does not
 * fit lk_store_reply). On an error 'reply' holds outcome NONE. */
lk_rc sim_store_model_exec(sim_store_model *s, lk_wall_ms now_ms, const lk_store_op *op, lk_store_reply *reply);

/* Runs one command of the command table (core/lk_command.h) on the same keys, as connection 'cl' (NULL: one that
 * never uses transactions); see sim_redis_exec_client. */
lk_rc sim_store_model_command(sim_store_model *s, sim_redis_client *cl, lk_wall_ms now_ms, int argc,
                              const char *const *argv, const size_t *argv_len, lk_reply *reply);

/* Calls fn(arg, key, deadline_ms) for each live key at 'now_ms' in slot order, without expiring anything (for the
 * time-advance targets and reports; not an op). 'key' is NUL-terminated (cut at a NUL byte or LK_KEY_MAX - 1). */
void sim_store_model_each(const sim_store_model *s, lk_wall_ms now_ms,
                          void (*fn)(void *arg, const char *key, int64_t deadline_ms), void *arg);

/* Copies the value of 'key' if it is a live string of less than LK_VALUE_MAX bytes at 'now_ms' into 'value'
 * (LK_VALUE_MAX bytes, NUL-terminated) and returns 1, else 0.
 * Not an op: it never expires or changes anything (for end-of-run checks and reports). */
int sim_store_model_peek(const sim_store_model *s, lk_wall_ms now_ms, const char *key, char *value);
/* As sim_store_model_peek, and '*deadline_ms' the key's deadline (server wall ms; 0: no TTL). */
int sim_store_model_peek_ttl(const sim_store_model *s, lk_wall_ms now_ms, const char *key, char *value,
                             int64_t *deadline_ms);
/* Reads member 'i' (0-based, in score order) of the sorted set 'key' as it is at 'now_ms', without an op: 1 with its
 * score and its member in 'member' ('cap' bytes with the NUL), 0 when the key is absent, expired or not a sorted set,
 * or has no member 'i'; -1 when the member does not fit 'cap' or holds a NUL. Changes nothing. */
int sim_store_model_peek_zset(const sim_store_model *s, lk_wall_ms now_ms, const char *key, int i, double *score,
                              char *member, size_t cap);

/* 1 if 'value' is a lock value written for 'token' (the token, optionally followed by ':' and the fence number). */
int sim_store_value_has_token(const char *value, const char *token);

#endif
