/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_store_model.c: the model store (contract in sim_store_model.h): the fixed ops of lk_env.h on the typed key
 * space, and the command table on the same keys.
 *
 * Lock composites, as the Redis scripts of the real adapter do them (one atomic step each):
 *   ACQUIRE key fence token ttl: absent -> fence = INCR fence; SET key "token:fence" PX ttl; ACQUIRED fence.
 *                                holds "token:N" -> PEXPIRE key ttl; ALREADY_MINE N (the lease counts from now).
 *                                else -> LOCKED, num = PTTL key.
 *   RELEASE key token: absent -> ABSENT; our token -> DEL, RELEASED; else NOT_OWNER.
 *   EXTEND key token ttl: absent -> ABSENT; our token -> PEXPIRE, EXTENDED; else NOT_OWNER.
 *   ACQUIRE with an epoch key: the fence is (epoch << 32) + the counter, so every grant after a clear's epoch bump
 *                                outnumbers every grant before it.
 *   REVOKE key floor: absent -> ABSENT; fence < floor -> DEL, RELEASED; else NOT_OWNER (granted after the bump).
 *
 * A string is written in place (a splice of its bytes), so a key keeps its slot as long as it lives, as it did in
 * the fixed table this store replaced: the slot layout, and so every order derived from it, is unchanged.
 */
#include "sim/model/sim_store_model.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/model/sim_cmd.h"

void sim_store_model_init(sim_store_model *s) {
    sim_ks_init(&s->ks);
}

void sim_store_model_reset(sim_store_model *s) {
    sim_ks_reset(&s->ks);
}

lk_rc sim_store_model_command(sim_store_model *s, sim_redis_client *cl, lk_wall_ms now_ms, int argc,
                              const char *const *argv, const size_t *argv_len, lk_reply *reply) {
    return sim_redis_exec_client(&s->ks, cl, now_ms, argc, argv, argv_len, reply);
}

/* The live key 'key' (a C string), or -1; expired keys met are removed (lazy expiry). */
static int store_find(sim_store_model *s, const char *key, lk_wall_ms now_ms) {
    return sim_ks_find(&s->ks, key, (uint32_t)strlen(key), now_ms);
}

/* The string value of 'slot' as a C string in 'buf' (LK_VALUE_MAX bytes): 0, or -1 when the key is not a string
 * or its value does not fit a lock value (only a command can write such a value). */
static int store_string(const sim_store_model *s, int slot, char *buf) {
    uint32_t n;
    if (s->ks.entry[slot].type != SIM_KS_STRING) return -1;
    const unsigned char *v = sim_ks_value_const(&s->ks, slot, &n);
    if (n >= LK_VALUE_MAX || memchr(v, '\0', n) != NULL) return -1;
    memcpy(buf, v, n);
    buf[n] = '\0';
    return 0;
}

/* Writes the string 'value' to 'key' (live in 'slot', or -1 for absent): in place when the key holds a string, so
 * it keeps its slot; a key of another type is replaced. The deadline is left as it was (a new key has none).
 * Returns the slot, or -1 when the table or heap is full (LK_ELIMIT; nothing changed). */
static int store_write(sim_store_model *s, int slot, const char *key, const char *value) {
    uint32_t n = (uint32_t)strlen(value), old;
    if (slot >= 0 && s->ks.entry[slot].type != SIM_KS_STRING) {
        sim_ks_delete(&s->ks, slot);
        slot = -1;
    }
    if (slot < 0) {
        if (sim_ks_create(&s->ks, key, (uint32_t)strlen(key), SIM_KS_STRING, n, &slot) != LK_OK) return -1;
        memcpy(sim_ks_value(&s->ks, slot, &old), value, n);
        return slot;
    }
    sim_ks_value(&s->ks, slot, &old);
    unsigned char *v = sim_ks_splice(&s->ks, slot, 0, old, n);
    if (v == NULL) return -1;
    memcpy(v, value, n);
    return slot;
}

int sim_store_value_has_token(const char *value, const char *token) {
    size_t n = strlen(token);
    return n > 0 && strncmp(value, token, n) == 0 && (value[n] == '\0' || value[n] == ':');
}

static int64_t store_pttl(const sim_store_model *s, int slot, lk_wall_ms now_ms) {
    if (slot < 0) return -2;
    int64_t d = s->ks.entry[slot].deadline_ms;
    if (d == 0) return -1;
    return d > now_ms ? d - now_ms : 0;
}

/* Parses a decimal int64 as Redis's string2ll does for INCR (no spaces, no '+', no leading zero, no overflow). */
static int store_parse_int(const char *v, int64_t *out) {
    return sim__parse_int(v, strlen(v), out);
}

static lk_rc store_set(sim_store_model *s, lk_wall_ms now_ms, const lk_store_op *op, lk_store_reply *r) {
    if (op->ttl_ms < 0 || op->value == NULL) return LK_EINVAL;
    int slot = store_find(s, op->key, now_ms);
    if (((op->flags & LK_SET_NX) && slot >= 0) || ((op->flags & LK_SET_XX) && slot < 0)) {
        r->outcome = LK_NOT_STORED;
        return LK_OK;
    }
    if ((slot = store_write(s, slot, op->key, op->value)) < 0) return LK_ELIMIT;
    sim_ks_set_deadline(&s->ks, slot, op->ttl_ms > 0 ? now_ms + op->ttl_ms : 0);
    r->outcome = LK_STORED;
    return LK_OK;
}

static lk_rc store_incr(sim_store_model *s, lk_wall_ms now_ms, const char *key, lk_store_reply *r) {
    int slot = store_find(s, key, now_ms);
    int64_t v = 0;
    char buf[LK_VALUE_MAX];
    if (slot >= 0 && (store_string(s, slot, buf) != 0 || store_parse_int(buf, &v) != 0 || v == INT64_MAX)) {
        r->outcome = LK_WRONG_TYPE;
        return LK_OK;
    }
    sim__fmt_int(buf, v + 1);
    if (store_write(s, slot, key, buf) < 0) return LK_ELIMIT;
    r->outcome = LK_COUNT;
    r->num = v + 1;
    return LK_OK;
}

/* PEXPIRE semantics: a TTL <= 0 deletes the key, as Redis does. */
static void store_pexpire(sim_store_model *s, int slot, lk_wall_ms now_ms, int64_t ttl_ms) {
    if (ttl_ms <= 0)
        sim_ks_delete(&s->ks, slot);
    else
        sim_ks_set_deadline(&s->ks, slot, now_ms + ttl_ms);
}

/* A fence number read back from a lock value: 0 when malformed or outside 0..2^53 (the Redis scripts compute with
 * Lua doubles, exact up to 2^53, and refuse epochs and counters that could take a fence past it). */
static int64_t store_fence(const char *text) {
    int64_t f = 0;
    if (text == NULL || store_parse_int(text, &f) != 0 || f < 0 || f > (INT64_C(1) << 53)) return 0;
    return f;
}

/* Reads the integer string at 'key' into '*v' (absent: 0). Returns 0, or -1 when it is not a string or an
 * integer in [0, max]. */
static int store_counter(sim_store_model *s, const char *key, lk_wall_ms now_ms, int64_t max, int64_t *v) {
    char buf[LK_VALUE_MAX];
    int slot = store_find(s, key, now_ms);
    *v = 0;
    if (slot < 0) return 0;
    if (store_string(s, slot, buf) != 0 || store_parse_int(buf, v) != 0 || *v < 0 || *v > max) return -1;
    return 0;
}

static lk_rc store_acquire(sim_store_model *s, lk_wall_ms now_ms, const lk_store_op *op, lk_store_reply *r) {
    if (op->aux_key == NULL || op->value == NULL || op->ttl_ms <= 0) return LK_EINVAL;
    char value[LK_VALUE_MAX];
    int slot = store_find(s, op->key, now_ms);
    if (slot >= 0 && store_string(s, slot, value) != 0) return LK_ESTORE_PROTO;
    if (slot >= 0 && sim_store_value_has_token(value, op->value)) {
        /* ours; a value written without a fence (by a primitive SET) reports fence 0 */
        const char *colon = strchr(value, ':');
        r->num = store_fence(colon ? colon + 1 : NULL);
        r->outcome = LK_ALREADY_MINE;
        sim_ks_set_deadline(&s->ks, slot, now_ms + op->ttl_ms);
        return LK_OK;
    }
    if (slot >= 0) {
        r->outcome = LK_LOCKED;
        r->num = store_pttl(s, slot, now_ms);
        return LK_OK;
    }
    /* fence = epoch << 32 + counter stays below 2^53: epoch < 2^21, counter < 2^32 - 1 before the INCR. The keys
     * are looked at in the script's order (lock, epoch, counter): a lookup expires a key, so the order shows after
     * a backward wall step */
    int64_t epoch = 0, counter = 0;
    if (op->epoch_key && store_counter(s, op->epoch_key, now_ms, 2097151, &epoch) != 0) return LK_ESTORE_PROTO;
    if (store_counter(s, op->aux_key, now_ms, INT64_C(4294967294), &counter) != 0) return LK_ESTORE_PROTO;
    /* all or nothing: make sure both keys fit before the fence counter moves */
    int fence_absent = store_find(s, op->aux_key, now_ms) < 0;
    if (s->ks.count + 1 + (uint32_t)fence_absent > SIM_KS_KEYS_MAX) return LK_ELIMIT;
    lk_store_reply fence;
    memset(&fence, 0, sizeof(fence));
    lk_rc rc = store_incr(s, now_ms, op->aux_key, &fence);
    if (rc != LK_OK) return rc;
    if (fence.outcome != LK_COUNT) return LK_ESTORE_PROTO;
    fence.num += epoch << 32;
    size_t token_len = strlen(op->value); /* < LK_VALUE_MAX - 21 (lk_store_op_check): ":" and any int64 fit */
    memcpy(value, op->value, token_len);
    value[token_len] = ':';
    sim__fmt_int(value + token_len + 1, fence.num);
    if ((slot = store_write(s, -1, op->key, value)) < 0) return LK_ELIMIT;
    sim_ks_set_deadline(&s->ks, slot, now_ms + op->ttl_ms);
    r->outcome = LK_ACQUIRED;
    r->num = fence.num;
    return LK_OK;
}

static lk_rc store_compare(sim_store_model *s, lk_wall_ms now_ms, const lk_store_op *op, lk_store_reply *r) {
    if (op->value == NULL) return LK_EINVAL;
    char value[LK_VALUE_MAX];
    int slot = store_find(s, op->key, now_ms);
    if (slot < 0) {
        r->outcome = LK_ABSENT;
        return LK_OK;
    }
    if (store_string(s, slot, value) != 0) return LK_ESTORE_PROTO;
    if (!sim_store_value_has_token(value, op->value)) {
        r->outcome = LK_NOT_OWNER;
        return LK_OK;
    }
    if (op->kind == LK_OP_RELEASE) {
        sim_ks_delete(&s->ks, slot);
        r->outcome = LK_RELEASED;
    } else {
        if (op->ttl_ms <= 0) return LK_EINVAL;
        store_pexpire(s, slot, now_ms, op->ttl_ms);
        r->outcome = LK_EXTENDED;
    }
    return LK_OK;
}

/* 1 if the key in 'slot' starts with the C string 'prefix' ('n' bytes). */
static int store_has_prefix(const sim_store_model *s, int slot, const char *prefix, size_t n) {
    uint32_t len;
    const unsigned char *k = sim_ks_key(&s->ks, slot, &len);
    return len >= n && memcmp(k, prefix, n) == 0;
}

/* Key order of SCAN: bytes compared as unsigned, a prefix first (strcmp's order for keys without NUL bytes). */
static int store_key_cmp(const unsigned char *a, uint32_t an, const unsigned char *b, uint32_t bn) {
    int d = memcmp(a, b, an < bn ? an : bn);
    return d != 0 ? d : (an > bn) - (an < bn);
}

/* SCAN by key order: the smallest live key with the prefix that sorts after the cursor. Every expired key with
 * the prefix is removed on the way: on Redis this op is a script that walks the whole SCAN, and SCAN expires the
 * keys it visits (the oracles assume the same rule). */
static lk_rc store_scan(sim_store_model *s, lk_wall_ms now_ms, const char *prefix, const char *after,
                        lk_store_reply *r) {
    size_t n = strlen(prefix), after_len = strlen(after);
    sim_keyspace *ks = &s->ks;
    for (int i = 0; i < SIM_KS_SLOTS;) {
        const sim_ks_entry *e = &ks->entry[i];
        if (e->type != SIM_KS_NONE && e->deadline_ms != 0 && now_ms > e->deadline_ms && store_has_prefix(s, i, prefix, n))
            sim_ks_delete(ks, i); /* a later key may shift into slot i: look at it again */
        else
            i++;
    }
    int best = -1;
    uint32_t best_len = 0, len;
    const unsigned char *best_key = NULL;
    for (int i = 0; i < SIM_KS_SLOTS; i++) {
        if (ks->entry[i].type == SIM_KS_NONE || !store_has_prefix(s, i, prefix, n)) continue;
        const unsigned char *k = sim_ks_key(ks, i, &len);
        if (store_key_cmp(k, len, (const unsigned char *)after, (uint32_t)after_len) <= 0) continue;
        if (best < 0 || store_key_cmp(k, len, best_key, best_len) < 0) {
            best = i;
            best_key = k;
            best_len = len;
        }
    }
    if (best >= 0 && (best_len >= LK_VALUE_MAX || memchr(best_key, '\0', best_len) != NULL))
        return LK_ESTORE_PROTO; /* a key only a command could make: it does not fit the reply */
    r->outcome = best >= 0 ? LK_FOUND : LK_ABSENT;
    if (best >= 0) {
        memcpy(r->value, best_key, best_len);
        r->value[best_len] = '\0';
    }
    return LK_OK;
}

/* REVOKE: delete a lock granted below the fence floor; a value without a fence counts as fence 0. */
static lk_rc store_revoke(sim_store_model *s, lk_wall_ms now_ms, const lk_store_op *op, lk_store_reply *r) {
    char value[LK_VALUE_MAX];
    int slot = store_find(s, op->key, now_ms);
    if (slot < 0) {
        r->outcome = LK_ABSENT;
        return LK_OK;
    }
    if (store_string(s, slot, value) != 0) return LK_ESTORE_PROTO;
    const char *colon = strchr(value, ':');
    int64_t fence = store_fence(colon ? colon + 1 : NULL);
    r->num = fence;
    if (fence >= op->num) {
        r->outcome = LK_NOT_OWNER;
        return LK_OK;
    }
    sim_ks_delete(&s->ks, slot);
    r->outcome = LK_RELEASED;
    return LK_OK;
}

/* Deletes every key starting with the prefix, in slot order (expired ones count as absent). */
static lk_rc store_scan_del(sim_store_model *s, lk_wall_ms now_ms, const char *prefix, lk_store_reply *r) {
    size_t n = strlen(prefix);
    int64_t removed = 0;
    for (int i = 0; i < SIM_KS_SLOTS;) {
        const sim_ks_entry *e = &s->ks.entry[i];
        if (e->type == SIM_KS_NONE || !store_has_prefix(s, i, prefix, n)) {
            i++;
            continue;
        }
        if (e->deadline_ms == 0 || now_ms <= e->deadline_ms) removed++;
        sim_ks_delete(&s->ks, i); /* a later key may shift into slot i: look at it again */
    }
    r->outcome = LK_COUNT;
    r->num = removed;
    return LK_OK;
}

static lk_rc store_get(sim_store_model *s, lk_wall_ms now_ms, const char *key, lk_store_reply *r) {
    int slot = store_find(s, key, now_ms);
    r->outcome = slot >= 0 ? LK_FOUND : LK_ABSENT;
    if (slot >= 0 && store_string(s, slot, r->value) != 0) return LK_ESTORE_PROTO;
    return LK_OK;
}

/* A command sent as a store op with no connection (a test env's store): no transactions. */
static lk_rc store_command_op(sim_store_model *s, lk_wall_ms now_ms, const lk_store_op *op, lk_store_reply *r) {
    lk_store_reply_reset(r);
    if (lk_store_op_check(op) != LK_OK || r->resp == NULL) return LK_EINVAL;
    size_t lens[LK_COMMAND_ARGS_MAX];
    for (int i = 0; i < op->argc; i++)
        lens[i] = op->argv_len ? op->argv_len[i] : strlen(op->argv[i]);
    return sim_redis_exec_client(&s->ks, NULL, now_ms, op->argc, op->argv, lens, r->resp);
}

lk_rc sim_store_model_exec(sim_store_model *s, lk_wall_ms now_ms, const lk_store_op *op, lk_store_reply *r) {
    assert(s != NULL && op != NULL && r != NULL && op->key != NULL);
    if (op->kind == LK_OP_COMMAND) return store_command_op(s, now_ms, op, r);
    if (op->kind == LK_OP_READ) return LK_EMISUSE; /* a read is the simulator's (sim_sched.c): it waits on a connection */
    memset(r, 0, sizeof(*r));
    if (lk_store_op_check(op) != LK_OK) return LK_EINVAL;
    int slot;
    lk_rc rc;
    switch (op->kind) {
    case LK_OP_GET: rc = store_get(s, now_ms, op->key, r); break;
    case LK_OP_SET: rc = store_set(s, now_ms, op, r); break;
    case LK_OP_DEL:
        slot = store_find(s, op->key, now_ms);
        if (slot >= 0) sim_ks_delete(&s->ks, slot);
        r->outcome = LK_COUNT;
        r->num = slot >= 0 ? 1 : 0;
        return LK_OK;
    case LK_OP_PEXPIRE:
        slot = store_find(s, op->key, now_ms);
        if (slot >= 0) store_pexpire(s, slot, now_ms, op->ttl_ms);
        r->outcome = slot >= 0 ? LK_EXTENDED : LK_ABSENT;
        return LK_OK;
    case LK_OP_PTTL:
        r->outcome = LK_COUNT;
        r->num = store_pttl(s, store_find(s, op->key, now_ms), now_ms);
        return LK_OK;
    case LK_OP_INCR: rc = store_incr(s, now_ms, op->key, r); break;
    case LK_OP_SCAN_DEL: rc = store_scan_del(s, now_ms, op->key, r); break;
    case LK_OP_SCAN: rc = store_scan(s, now_ms, op->key, op->value ? op->value : "", r); break;
    case LK_OP_REVOKE: rc = store_revoke(s, now_ms, op, r); break;
    case LK_OP_ACQUIRE: rc = store_acquire(s, now_ms, op, r); break;
    case LK_OP_RELEASE:
    case LK_OP_EXTEND: rc = store_compare(s, now_ms, op, r); break;
    default: return LK_EINVAL;
    }
    if (rc != LK_OK) memset(r, 0, sizeof(*r)); /* on an error the reply holds outcome NONE */
    return rc;
}

/* Copies the key of 'slot' as a C string (cut at a NUL byte or LK_KEY_MAX - 1 bytes). */
static void store_key_text(const sim_store_model *s, int slot, char *buf) {
    uint32_t n;
    const unsigned char *k = sim_ks_key(&s->ks, slot, &n);
    if (n >= LK_KEY_MAX) n = LK_KEY_MAX - 1;
    memcpy(buf, k, n);
    buf[n] = '\0';
}

void sim_store_model_each(const sim_store_model *s, lk_wall_ms now_ms,
                          void (*fn)(void *arg, const char *key, int64_t deadline_ms), void *arg) {
    char key[LK_KEY_MAX];
    for (int w = 0; w < SIM_KS_SLOTS / 64; w++) { /* only the slots in use (their bitmap), in slot order */
        for (uint64_t bits = s->ks.used_bits[w]; bits; bits &= bits - 1) {
            int i = w * 64 + __builtin_ctzll(bits);
            const sim_ks_entry *e = &s->ks.entry[i];
            if (e->deadline_ms != 0 && now_ms > e->deadline_ms) continue;
            store_key_text(s, i, key);
            fn(arg, key, e->deadline_ms);
        }
    }
}

int sim_store_model_peek(const sim_store_model *s, lk_wall_ms now_ms, const char *key, char *value) {
    int slot = sim_ks_peek(&s->ks, key, (uint32_t)strlen(key), now_ms);
    return slot >= 0 && store_string(s, slot, value) == 0;
}

int sim_store_model_peek_ttl(const sim_store_model *s, lk_wall_ms now_ms, const char *key, char *value,
                             int64_t *deadline_ms) {
    int slot = sim_ks_peek(&s->ks, key, (uint32_t)strlen(key), now_ms);
    *deadline_ms = slot >= 0 ? s->ks.entry[slot].deadline_ms : 0;
    return slot >= 0 && store_string(s, slot, value) == 0;
}

int sim_store_model_peek_zset(const sim_store_model *s, lk_wall_ms now_ms, const char *key, int i, double *score,
                              char *member, size_t cap) {
    int slot = sim_ks_peek(&s->ks, key, (uint32_t)strlen(key), now_ms);
    if (slot < 0 || s->ks.entry[slot].type != SIM_KS_ZSET || i < 0) return 0;
    uint32_t n;
    const unsigned char *v = sim_ks_value_const(&s->ks, slot, &n);
    uint32_t count, off = 4; /* u32 count, then count x (f64 score, u32 length, member) */
    memcpy(&count, v, 4);
    if ((uint32_t)i >= count) return 0;
    for (int k = 0;; k++) {
        uint32_t len;
        memcpy(&len, v + off + 8, 4);
        if (k == i) {
            memcpy(score, v + off, 8);
            if (len >= cap || memchr(v + off + 12, '\0', len) != NULL) return -1;
            memcpy(member, v + off + 12, len);
            member[len] = '\0';
            return 1;
        }
        off += 12 + len;
    }
}
