/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_store_model.h: the model store, an in-memory Redis subset with the lock composites of design.md §3.
 *
 * It is pure state plus one function: the caller passes the server's wall clock for every op (the simulator reads
 * it at the op's apply instant, send + RTT/2). Keys expire by that clock at millisecond resolution, expired when
 * now > deadline (Redis keyIsExpired), and lazily: an expired key is removed when an op touches it, otherwise it
 * stays, so after a backward wall step an untouched key comes back, as on a Redis with active expiry off.
 *
 * Invariant: the table is a fixed-size open-addressing hash (linear probing, backward-shift deletion, no
 * tombstones) inside the struct: no pointers, so it lives in the run arena and can be hashed or copied as bytes.
 * The layout is a function of the op sequence alone. Never: fault injection in here (faults are shims).
 * Guarded by: the simulator's single OS thread.
 */
#ifndef RACEBED_SIM_SIM_STORE_MODEL_H
#define RACEBED_SIM_SIM_STORE_MODEL_H

#include "core/lk_env.h"

enum { SIM_STORE_SLOTS = 256 }; /* key capacity is 3/4 of this: a power of two, so probing can mask */

typedef struct sim_store_slot {
    int64_t deadline_ms;      /* server wall ms after which the key is gone; 0 = no TTL */
    unsigned char used;       /* 1 if the slot holds a key */
    char key[LK_KEY_MAX];     /* NUL-terminated */
    char value[LK_VALUE_MAX]; /* NUL-terminated */
} sim_store_slot;

typedef struct sim_store_model {
    int count;                                /* keys held, expired-but-untouched ones included */
    uint64_t used_bits[SIM_STORE_SLOTS / 64]; /* bit i set iff slot[i].used: lets init clear only what is used */
    sim_store_slot slot[SIM_STORE_SLOTS];     /* the table; an unused slot is all zero bytes */
} sim_store_model;

/* Empties the store, whatever the memory held before. */
void sim_store_model_init(sim_store_model *s);
/* Empties a store that was initialized before: clears only the used slots, so it costs what the last execution
 * used, not the table size (the run arena calls it for every execution). */
void sim_store_model_reset(sim_store_model *s);

/* Applies 'op' atomically at server wall time 'now_ms' and fills 'reply'. Returns LK_OK, LK_EINVAL (a key or
 * value too long, a negative TTL on SET, an empty token or one with ':' or too long for ":fence"), or LK_ELIMIT
 * (the table is full: more than 3/4 of SIM_STORE_SLOTS keys; an op that fails so changes nothing). */
lk_rc sim_store_model_exec(sim_store_model *s, lk_wall_ms now_ms, const lk_store_op *op, lk_store_reply *reply);

/* Calls fn(arg, key, deadline_ms) for each live key at 'now_ms' in slot order, without expiring anything (for the
 * time-advance targets and reports; not an op). */
void sim_store_model_each(const sim_store_model *s, lk_wall_ms now_ms,
                          void (*fn)(void *arg, const char *key, int64_t deadline_ms), void *arg);

/* Copies the value of 'key' if it is live at 'now_ms' into 'value' (LK_VALUE_MAX bytes) and returns 1, else 0.
 * Not an op: it never expires or changes anything (for end-of-run checks and reports). */
int sim_store_model_peek(const sim_store_model *s, lk_wall_ms now_ms, const char *key, char *value);

/* 1 if 'value' is a lock value written for 'token' (the token, optionally followed by ':' and the fence number). */
int sim_store_value_has_token(const char *value, const char *token);

#endif
