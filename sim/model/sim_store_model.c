/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_store_model.c: the model store (contract in sim_store_model.h).
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
 */
#include "sim/model/sim_store_model.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { STORE_KEYS_MAX = SIM_STORE_SLOTS / 4 * 3 };

static void store_mark(sim_store_model *s, uint32_t i, int used) {
    if (used)
        s->used_bits[i / 64] |= UINT64_C(1) << (i % 64);
    else
        s->used_bits[i / 64] &= ~(UINT64_C(1) << (i % 64));
}

void sim_store_model_init(sim_store_model *s) {
    memset(s, 0, sizeof(*s));
}

void sim_store_model_reset(sim_store_model *s) {
    for (uint32_t w = 0; w < SIM_STORE_SLOTS / 64; w++) {
        for (uint64_t bits = s->used_bits[w]; bits; bits &= bits - 1)
            memset(&s->slot[w * 64 + (uint32_t)__builtin_ctzll(bits)], 0, sizeof(sim_store_slot));
        s->used_bits[w] = 0;
    }
    s->count = 0;
}

/* FNV-1a: fixed, seedless, so the layout never depends on the process. */
static uint32_t store_hash(const char *key) {
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h;
}

static int store_expired(const sim_store_slot *e, lk_wall_ms now_ms) {
    return e->deadline_ms != 0 && now_ms > e->deadline_ms;
}

/* Removes slot 'i' and shifts later members of its probe run back, so lookups never need tombstones. */
static void store_remove(sim_store_model *s, uint32_t i) {
    const uint32_t mask = SIM_STORE_SLOTS - 1;
    s->slot[i].used = 0;
    s->count--;
    store_mark(s, i, 0);
    uint32_t hole = i;
    for (uint32_t j = (i + 1) & mask; s->slot[j].used; j = (j + 1) & mask) {
        uint32_t home = store_hash(s->slot[j].key) & mask;
        /* j may move into the hole iff its home is not in (hole, j] cyclically */
        int stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (stays) continue;
        s->slot[hole] = s->slot[j];
        store_mark(s, hole, 1);
        s->slot[j].used = 0;
        store_mark(s, j, 0);
        hole = j;
    }
    memset(&s->slot[hole], 0, sizeof(s->slot[hole]));
}

/* Finds 'key'; an expired key is removed (lazy expiry) and reported absent. Returns the slot or NULL. */
static sim_store_slot *store_lookup(sim_store_model *s, const char *key, lk_wall_ms now_ms) {
    const uint32_t mask = SIM_STORE_SLOTS - 1;
    for (uint32_t i = store_hash(key) & mask, n = 0; s->slot[i].used && n < SIM_STORE_SLOTS; i = (i + 1) & mask, n++) {
        if (strcmp(s->slot[i].key, key) != 0) continue;
        if (!store_expired(&s->slot[i], now_ms)) return &s->slot[i];
        store_remove(s, i);
        return NULL;
    }
    return NULL;
}

/* Inserts 'key' (known absent). Returns the new slot or NULL when the table is full. */
static sim_store_slot *store_insert(sim_store_model *s, const char *key) {
    if (s->count >= STORE_KEYS_MAX) return NULL;
    const uint32_t mask = SIM_STORE_SLOTS - 1;
    uint32_t i = store_hash(key) & mask;
    while (s->slot[i].used)
        i = (i + 1) & mask;
    sim_store_slot *e = &s->slot[i];
    memset(e, 0, sizeof(*e));
    e->used = 1;
    store_mark(s, i, 1);
    memcpy(e->key, key, strlen(key) + 1);
    s->count++;
    return e;
}

static void store_delete(sim_store_model *s, sim_store_slot *e) {
    store_remove(s, (uint32_t)(e - s->slot));
}

int sim_store_value_has_token(const char *value, const char *token) {
    size_t n = strlen(token);
    return n > 0 && strncmp(value, token, n) == 0 && (value[n] == '\0' || value[n] == ':');
}

static int64_t store_pttl(const sim_store_slot *e, lk_wall_ms now_ms) {
    if (e == NULL) return -2;
    if (e->deadline_ms == 0) return -1;
    return e->deadline_ms > now_ms ? e->deadline_ms - now_ms : 0;
}

/* Parses a decimal int64 as Redis's string2ll does for INCR: an optional '-', then digits with no leading zero
 * (except "0" itself), no spaces, no '+', no overflow. */
static int store_parse_int(const char *v, int64_t *out) {
    const char *p = v;
    int neg = *p == '-';
    if (neg) p++;
    if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] != '\0') || (neg && p[0] == '0')) return -1;
    uint64_t x = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        uint64_t d = (uint64_t)(*p - '0');
        if (x > (limit - d) / 10) return -1;
        x = x * 10 + d;
    }
    *out = neg ? (int64_t)(0 - x) : (int64_t)x;
    return 0;
}

static lk_rc store_set(sim_store_model *s, lk_wall_ms now_ms, const lk_store_op *op, lk_store_reply *r) {
    if (op->ttl_ms < 0 || op->value == NULL) return LK_EINVAL;
    sim_store_slot *e = store_lookup(s, op->key, now_ms);
    if (((op->flags & LK_SET_NX) && e) || ((op->flags & LK_SET_XX) && !e)) {
        r->outcome = LK_NOT_STORED;
        return LK_OK;
    }
    if (e == NULL && (e = store_insert(s, op->key)) == NULL) return LK_ELIMIT;
    memcpy(e->value, op->value, strlen(op->value) + 1);
    e->deadline_ms = op->ttl_ms > 0 ? now_ms + op->ttl_ms : 0;
    r->outcome = LK_STORED;
    return LK_OK;
}

static lk_rc store_incr(sim_store_model *s, lk_wall_ms now_ms, const char *key, lk_store_reply *r) {
    sim_store_slot *e = store_lookup(s, key, now_ms);
    int64_t v = 0;
    if (e && (store_parse_int(e->value, &v) != 0 || v == INT64_MAX)) {
        r->outcome = LK_WRONG_TYPE;
        return LK_OK;
    }
    if (e == NULL && (e = store_insert(s, key)) == NULL) return LK_ELIMIT;
    snprintf(e->value, sizeof(e->value), "%" PRId64, v + 1);
    r->outcome = LK_COUNT;
    r->num = v + 1;
    return LK_OK;
}

/* PEXPIRE semantics: a TTL <= 0 deletes the key, as Redis does. */
static void store_pexpire(sim_store_model *s, sim_store_slot *e, lk_wall_ms now_ms, int64_t ttl_ms) {
    if (ttl_ms <= 0)
        store_delete(s, e);
    else
        e->deadline_ms = now_ms + ttl_ms;
}

/* A fence number read back from a lock value: 0 when malformed or outside 0..2^53 (the Redis scripts compute with
 * Lua doubles, exact up to 2^53, and refuse epochs and counters that could take a fence past it). */
static int64_t store_fence(const char *text) {
    int64_t f = 0;
    if (text == NULL || store_parse_int(text, &f) != 0 || f < 0 || f > (INT64_C(1) << 53)) return 0;
    return f;
}

static lk_rc store_acquire(sim_store_model *s, lk_wall_ms now_ms, const lk_store_op *op, lk_store_reply *r) {
    if (op->aux_key == NULL || op->value == NULL || op->ttl_ms <= 0) return LK_EINVAL;
    sim_store_slot *e = store_lookup(s, op->key, now_ms);
    if (e && sim_store_value_has_token(e->value, op->value)) {
        /* ours; a value written without a fence (by a primitive SET) reports fence 0 */
        const char *colon = strchr(e->value, ':');
        r->num = store_fence(colon ? colon + 1 : NULL);
        r->outcome = LK_ALREADY_MINE;
        e->deadline_ms = now_ms + op->ttl_ms;
        return LK_OK;
    }
    if (e) {
        r->outcome = LK_LOCKED;
        r->num = store_pttl(e, now_ms);
        return LK_OK;
    }
    /* all or nothing: make sure both keys fit before the fence counter moves */
    int fence_absent = store_lookup(s, op->aux_key, now_ms) == NULL;
    if (s->count + 1 + fence_absent > STORE_KEYS_MAX) return LK_ELIMIT;
    /* fence = epoch << 32 + counter stays below 2^53: epoch < 2^21, counter < 2^32 - 1 before the INCR */
    int64_t epoch = 0, counter = 0;
    if (op->epoch_key) {
        sim_store_slot *ep = store_lookup(s, op->epoch_key, now_ms);
        if (ep && (store_parse_int(ep->value, &epoch) != 0 || epoch < 0 || epoch > 2097151)) return LK_ESTORE_PROTO;
    }
    sim_store_slot *fc = store_lookup(s, op->aux_key, now_ms);
    if (fc && (store_parse_int(fc->value, &counter) != 0 || counter < 0 || counter >= INT64_C(4294967295)))
        return LK_ESTORE_PROTO;
    lk_store_reply fence;
    memset(&fence, 0, sizeof(fence));
    lk_rc rc = store_incr(s, now_ms, op->aux_key, &fence);
    if (rc != LK_OK) return rc;
    if (fence.outcome != LK_COUNT) return LK_ESTORE_PROTO;
    fence.num += epoch << 32;
    if ((e = store_insert(s, op->key)) == NULL) return LK_ELIMIT;
    snprintf(e->value, sizeof(e->value), "%s:%" PRId64, op->value, fence.num);
    e->deadline_ms = now_ms + op->ttl_ms;
    r->outcome = LK_ACQUIRED;
    r->num = fence.num;
    return LK_OK;
}

static lk_rc store_compare(sim_store_model *s, lk_wall_ms now_ms, const lk_store_op *op, lk_store_reply *r) {
    if (op->value == NULL) return LK_EINVAL;
    sim_store_slot *e = store_lookup(s, op->key, now_ms);
    if (e == NULL) {
        r->outcome = LK_ABSENT;
        return LK_OK;
    }
    if (!sim_store_value_has_token(e->value, op->value)) {
        r->outcome = LK_NOT_OWNER;
        return LK_OK;
    }
    if (op->kind == LK_OP_RELEASE) {
        store_delete(s, e);
        r->outcome = LK_RELEASED;
    } else {
        if (op->ttl_ms <= 0) return LK_EINVAL;
        store_pexpire(s, e, now_ms, op->ttl_ms);
        r->outcome = LK_EXTENDED;
    }
    return LK_OK;
}

/* SCAN by key order: the smallest live key with the prefix that sorts after the cursor. Every expired key with
 * the prefix is removed on the way: on Redis this op is a script that walks the whole SCAN, and SCAN expires the
 * keys it visits (the oracles assume the same rule). */
static lk_rc store_scan(sim_store_model *s, lk_wall_ms now_ms, const char *prefix, const char *after,
                        lk_store_reply *r) {
    size_t n = strlen(prefix);
    for (uint32_t i = 0; i < SIM_STORE_SLOTS;) {
        const sim_store_slot *e = &s->slot[i];
        if (e->used && store_expired(e, now_ms) && strncmp(e->key, prefix, n) == 0)
            store_remove(s, i); /* a later key may shift into slot i: look at it again */
        else
            i++;
    }
    int best = -1;
    for (uint32_t i = 0; i < SIM_STORE_SLOTS; i++) {
        const sim_store_slot *e = &s->slot[i];
        if (!e->used || strncmp(e->key, prefix, n) != 0 || strcmp(e->key, after) <= 0) continue;
        if (best < 0 || strcmp(e->key, s->slot[best].key) < 0) best = (int)i;
    }
    r->outcome = best >= 0 ? LK_FOUND : LK_ABSENT;
    if (best >= 0) memcpy(r->value, s->slot[best].key, strlen(s->slot[best].key) + 1);
    return LK_OK;
}

/* REVOKE: delete a lock granted below the fence floor; a value without a fence counts as fence 0. */
static lk_rc store_revoke(sim_store_model *s, lk_wall_ms now_ms, const lk_store_op *op, lk_store_reply *r) {
    sim_store_slot *e = store_lookup(s, op->key, now_ms);
    if (e == NULL) {
        r->outcome = LK_ABSENT;
        return LK_OK;
    }
    const char *colon = strchr(e->value, ':');
    int64_t fence = store_fence(colon ? colon + 1 : NULL);
    r->num = fence;
    if (fence >= op->num) {
        r->outcome = LK_NOT_OWNER;
        return LK_OK;
    }
    store_delete(s, e);
    r->outcome = LK_RELEASED;
    return LK_OK;
}

/* Deletes every key starting with the prefix, in slot order (expired ones count as absent). */
static lk_rc store_scan_del(sim_store_model *s, lk_wall_ms now_ms, const char *prefix, lk_store_reply *r) {
    size_t n = strlen(prefix);
    int64_t removed = 0;
    for (uint32_t i = 0; i < SIM_STORE_SLOTS;) {
        sim_store_slot *e = &s->slot[i];
        if (!e->used || strncmp(e->key, prefix, n) != 0) {
            i++;
            continue;
        }
        if (!store_expired(e, now_ms)) removed++;
        store_remove(s, i); /* a later key may shift into slot i: look at it again */
    }
    r->outcome = LK_COUNT;
    r->num = removed;
    return LK_OK;
}

lk_rc sim_store_model_exec(sim_store_model *s, lk_wall_ms now_ms, const lk_store_op *op, lk_store_reply *r) {
    assert(s != NULL && op != NULL && r != NULL && op->key != NULL);
    memset(r, 0, sizeof(*r));
    if (lk_store_op_check(op) != LK_OK) return LK_EINVAL;
    sim_store_slot *e;
    switch (op->kind) {
    case LK_OP_GET:
        e = store_lookup(s, op->key, now_ms);
        r->outcome = e ? LK_FOUND : LK_ABSENT;
        if (e) memcpy(r->value, e->value, strlen(e->value) + 1);
        return LK_OK;
    case LK_OP_SET: return store_set(s, now_ms, op, r);
    case LK_OP_DEL:
        e = store_lookup(s, op->key, now_ms);
        if (e) store_delete(s, e);
        r->outcome = LK_COUNT;
        r->num = e ? 1 : 0;
        return LK_OK;
    case LK_OP_PEXPIRE:
        e = store_lookup(s, op->key, now_ms);
        if (e) store_pexpire(s, e, now_ms, op->ttl_ms);
        r->outcome = e ? LK_EXTENDED : LK_ABSENT;
        return LK_OK;
    case LK_OP_PTTL:
        r->outcome = LK_COUNT;
        r->num = store_pttl(store_lookup(s, op->key, now_ms), now_ms);
        return LK_OK;
    case LK_OP_INCR: return store_incr(s, now_ms, op->key, r);
    case LK_OP_SCAN_DEL: return store_scan_del(s, now_ms, op->key, r);
    case LK_OP_SCAN: return store_scan(s, now_ms, op->key, op->value ? op->value : "", r);
    case LK_OP_REVOKE: return store_revoke(s, now_ms, op, r);
    case LK_OP_ACQUIRE: return store_acquire(s, now_ms, op, r);
    case LK_OP_RELEASE:
    case LK_OP_EXTEND: return store_compare(s, now_ms, op, r);
    default: return LK_EINVAL;
    }
}

void sim_store_model_each(const sim_store_model *s, lk_wall_ms now_ms,
                          void (*fn)(void *arg, const char *key, int64_t deadline_ms), void *arg) {
    for (uint32_t i = 0; i < SIM_STORE_SLOTS; i++) {
        const sim_store_slot *e = &s->slot[i];
        if (e->used && !store_expired(e, now_ms)) fn(arg, e->key, e->deadline_ms);
    }
}

int sim_store_model_peek(const sim_store_model *s, lk_wall_ms now_ms, const char *key, char *value) {
    const uint32_t mask = SIM_STORE_SLOTS - 1;
    for (uint32_t i = store_hash(key) & mask, n = 0; s->slot[i].used && n < SIM_STORE_SLOTS; i = (i + 1) & mask, n++) {
        if (strcmp(s->slot[i].key, key) != 0) continue;
        if (store_expired(&s->slot[i], now_ms)) return 0;
        memcpy(value, s->slot[i].value, strlen(s->slot[i].value) + 1);
        return 1;
    }
    return 0;
}
