/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_cmd_hash.c: the model's hash commands (HSET, HSETNX, HGET, HMGET, HDEL, HEXISTS, HINCRBY, HLEN, HKEYS, HVALS,
 * HGETALL, HSCAN), as Redis 7.0 answers them for a hash it keeps as a listpack.
 *
 * Encoding (sim_keyspace.h): u32 count, then count x (u32 field length, field, u32 value length, value) in
 * insertion order. A field is compared byte for byte. Setting an existing field replaces its value in place (the
 * entry keeps its position, as listpack's replace does); deleting one closes the gap; the key goes with its last
 * field. HSCAN returns every matching pair in one call with the next cursor "0", as Redis does for a listpack hash.
 * Offsets, never pointers, are kept across a splice: a splice may move the value in the heap.
 */
#include "sim/model/sim_cmd.h"

enum {
    HASH_HEAD = 4,  /* the u32 count */
    HASH_WORDS = 8, /* the two u32 lengths of an entry */
};

/* The number of fields of the hash value 'v'. */
static uint32_t hash_count(const unsigned char *v) {
    return sim__get32(v);
}

/* The bytes of the entry at offset 'off' of 'v': both lengths, the field and the value. */
static uint32_t hash_entry_size(const unsigned char *v, uint32_t off) {
    uint32_t flen = sim__get32(v + off);
    return HASH_WORDS + flen + sim__get32(v + off + 4 + flen);
}

/* The value of the entry at offset 'off' of 'v', its length in '*vlen'. */
static const unsigned char *hash_entry_value(const unsigned char *v, uint32_t off, uint32_t *vlen) {
    uint32_t flen = sim__get32(v + off);
    *vlen = sim__get32(v + off + 4 + flen);
    return v + off + HASH_WORDS + flen;
}

/* The offset of the entry whose field is the 'flen' bytes at 'field' in the hash of 'slot', or -1 when absent. */
static int64_t hash_find(const sim_keyspace *ks, int slot, const char *field, size_t flen) {
    uint32_t n;
    const unsigned char *v = sim_ks_value_const(ks, slot, &n);
    uint32_t count = hash_count(v), off = HASH_HEAD;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t len = sim__get32(v + off);
        if (len == flen && memcmp(v + off + 4, field, flen) == 0) return off;
        off += hash_entry_size(v, off);
    }
    return -1;
}

/* Looks up the hash in argument 1: 1 and its slot when present, 0 (slot -1) when absent, -1 after replying
 * WRONGTYPE. */
static int hash_lookup(sim_cmd *c, int *slot) {
    return sim__cmd_key(c, 1, SIM_KS_HASH, slot);
}

/* Looks up the hash in argument 1, creating it empty (count 0) when absent: the caller adds a field at once, or
 * deletes it through hash_drop_if_empty. Returns its slot, or -1 after replying (WRONGTYPE or a model limit). */
static int hash_open(sim_cmd *c) {
    int slot;
    int found = hash_lookup(c, &slot);
    if (found < 0) return -1;
    if (found > 0) return slot;
    return sim__cmd_create(c, 1, SIM_KS_HASH, HASH_HEAD);
}

/* Deletes the hash in 'slot' when it holds no field (a model limit stopped the command that created it, or its
 * last field went): Redis keeps no empty collection. */
static void hash_drop_if_empty(sim_keyspace *ks, int slot) {
    uint32_t n;
    if (hash_count(sim_ks_value_const(ks, slot, &n)) == 0) sim_ks_delete(ks, slot);
}

/* Sets 'field' to 'value' in the hash of 'slot': an existing field's value is replaced in place, a new field is
 * appended. Returns 1 for a new field, 0 for a replaced one, -1 after sim__cmd_limit (the hash is unchanged). */
static int hash_set(sim_cmd *c, int slot, const char *field, size_t flen, const char *value, size_t vlen) {
    uint32_t n;
    if ((uint64_t)flen + vlen + HASH_WORDS > SIM_KS_VALUE_BYTES_MAX) {
        sim__cmd_limit(c, "a value too long");
        return -1;
    }
    int64_t at = hash_find(c->ks, slot, field, flen);
    if (at >= 0) {
        uint32_t old_len, voff = (uint32_t)at + HASH_WORDS + (uint32_t)flen;
        hash_entry_value(sim_ks_value_const(c->ks, slot, &n), (uint32_t)at, &old_len);
        unsigned char *v = sim__cmd_splice(c, slot, voff, old_len, (uint32_t)vlen);
        if (v == NULL) return -1;
        sim__put32(v + voff - 4, (uint32_t)vlen);
        if (vlen > 0) memcpy(v + voff, value, vlen);
        return 0;
    }
    sim_ks_value_const(c->ks, slot, &n);
    unsigned char *v = sim__cmd_splice(c, slot, n, 0, HASH_WORDS + (uint32_t)flen + (uint32_t)vlen);
    if (v == NULL) return -1;
    sim__put32(v + n, (uint32_t)flen);
    if (flen > 0) memcpy(v + n + 4, field, flen);
    sim__put32(v + n + 4 + flen, (uint32_t)vlen);
    if (vlen > 0) memcpy(v + n + HASH_WORDS + flen, value, vlen);
    sim__put32(v, hash_count(v) + 1);
    return 1;
}

/* Removes the entry at offset 'off' from the hash of 'slot' and deletes the key when it was the last one. Returns
 * 1 when the key is gone. */
static int hash_remove_at(sim_cmd *c, int slot, uint32_t off) {
    uint32_t n;
    const unsigned char *old = sim_ks_value_const(c->ks, slot, &n);
    /* a shrinking splice never allocates, so it cannot fail */
    unsigned char *v = sim_ks_splice(c->ks, slot, off, hash_entry_size(old, off), 0);
    sim__put32(v, hash_count(v) - 1);
    if (hash_count(v) > 0) return 0;
    sim_ks_delete(c->ks, slot);
    return 1;
}

/* HSET key field value [field value ...]: sets each pair in order; replies the number of fields that were new. */
void sim__cmd_hset(sim_cmd *c) {
    if (c->argc % 2 == 1) {
        lk_reply_error(c->r, "ERR wrong number of arguments for '%s' command", c->row->name);
        return;
    }
    int slot = hash_open(c);
    if (slot < 0) return;
    int64_t added = 0;
    for (int i = 2; i < c->argc; i += 2) {
        int rc = hash_set(c, slot, c->argv[i], c->len[i], c->argv[i + 1], c->len[i + 1]);
        if (rc < 0) {
            hash_drop_if_empty(c->ks, slot);
            return;
        }
        added += rc;
    }
    lk_reply_int(c->r, added);
}

/* HSETNX key field value: sets the field only when it is absent; replies 1 when it did, else 0. */
void sim__cmd_hsetnx(sim_cmd *c) {
    int slot = hash_open(c);
    if (slot < 0) return;
    if (hash_find(c->ks, slot, c->argv[2], c->len[2]) >= 0) {
        lk_reply_int(c->r, 0);
        return;
    }
    if (hash_set(c, slot, c->argv[2], c->len[2], c->argv[3], c->len[3]) < 0) {
        hash_drop_if_empty(c->ks, slot);
        return;
    }
    lk_reply_int(c->r, 1);
}

/* Replies the value of the field in argument 'i' of the hash in 'slot' (-1: no key), or nil. */
static void hash_reply_value(sim_cmd *c, int slot, int i) {
    int64_t at = slot < 0 ? -1 : hash_find(c->ks, slot, c->argv[i], c->len[i]);
    if (at < 0) {
        lk_reply_nil(c->r);
        return;
    }
    uint32_t n, vlen;
    const unsigned char *value = hash_entry_value(sim_ks_value_const(c->ks, slot, &n), (uint32_t)at, &vlen);
    lk_reply_bulk(c->r, value, vlen);
}

/* HGET key field: the field's value, or nil when the field or the key is absent. */
void sim__cmd_hget(sim_cmd *c) {
    int slot;
    if (hash_lookup(c, &slot) < 0) return;
    hash_reply_value(c, slot, 2);
}

/* HMGET key field [field ...]: an array of each field's value or nil (all nil for an absent key). */
void sim__cmd_hmget(sim_cmd *c) {
    int slot;
    if (hash_lookup(c, &slot) < 0) return;
    lk_reply_array(c->r, (uint32_t)(c->argc - 2));
    for (int i = 2; i < c->argc; i++)
        hash_reply_value(c, slot, i);
}

/* HDEL key field [field ...]: removes the fields present; replies how many went. The key goes with its last field. */
void sim__cmd_hdel(sim_cmd *c) {
    int slot;
    int found = hash_lookup(c, &slot);
    if (found < 0) return;
    int64_t removed = 0;
    for (int i = 2; found > 0 && i < c->argc; i++) {
        int64_t at = hash_find(c->ks, slot, c->argv[i], c->len[i]);
        if (at < 0) continue;
        removed++;
        if (hash_remove_at(c, slot, (uint32_t)at)) found = 0;
    }
    lk_reply_int(c->r, removed);
}

/* HEXISTS key field: 1 when the field is present, else 0. */
void sim__cmd_hexists(sim_cmd *c) {
    int slot;
    int found = hash_lookup(c, &slot);
    if (found < 0) return;
    lk_reply_int(c->r, found > 0 && hash_find(c->ks, slot, c->argv[2], c->len[2]) >= 0);
}

/* HINCRBY key field increment: adds the increment (checked first, as Redis does, before the key's type) to the
 * field's integer value (0 when absent; the key is created when absent); replies the new value. A value that is not
 * a canonical 64-bit integer (spaces, leading zeros, '+') and a result out of range are errors that change nothing. */
void sim__cmd_hincrby(sim_cmd *c) {
    int64_t incr, value = 0;
    if (sim__cmd_int(c, 3, &incr) < 0) return;
    int slot;
    int found = hash_lookup(c, &slot);
    if (found < 0) return;
    int64_t at = found > 0 ? hash_find(c->ks, slot, c->argv[2], c->len[2]) : -1;
    if (at >= 0) {
        uint32_t n, vlen;
        const unsigned char *old = hash_entry_value(sim_ks_value_const(c->ks, slot, &n), (uint32_t)at, &vlen);
        if (sim__parse_int((const char *)old, vlen, &value) < 0) {
            lk_reply_error(c->r, "ERR hash value is not an integer");
            return;
        }
    }
    if ((incr < 0 && value < 0 && incr < INT64_MIN - value) || (incr > 0 && value > 0 && incr > INT64_MAX - value)) {
        lk_reply_error(c->r, SIM_ERR_OVERFLOW);
        return;
    }
    value += incr;
    char buf[24];
    uint32_t len = sim__fmt_int(buf, value);
    if (found == 0 && (slot = sim__cmd_create(c, 1, SIM_KS_HASH, HASH_HEAD)) < 0) return;
    if (hash_set(c, slot, c->argv[2], c->len[2], buf, len) < 0) {
        hash_drop_if_empty(c->ks, slot);
        return;
    }
    lk_reply_int(c->r, value);
}

/* HLEN key: the number of fields, 0 for an absent key. */
void sim__cmd_hlen(sim_cmd *c) {
    int slot;
    int found = hash_lookup(c, &slot);
    if (found < 0) return;
    uint32_t n;
    lk_reply_int(c->r, found > 0 ? hash_count(sim_ks_value_const(c->ks, slot, &n)) : 0);
}

/* Replies an array of the hash's fields ('fields'), values ('values') or both interleaved, in insertion order; an
 * empty array for an absent key. */
static void hash_reply_all(sim_cmd *c, int fields, int values) {
    int slot;
    int found = hash_lookup(c, &slot);
    if (found < 0) return;
    if (found == 0) {
        lk_reply_array(c->r, 0);
        return;
    }
    uint32_t n;
    const unsigned char *v = sim_ks_value_const(c->ks, slot, &n);
    uint32_t count = hash_count(v), off = HASH_HEAD;
    lk_reply_array(c->r, count * (uint32_t)(fields + values));
    for (uint32_t i = 0; i < count; i++) {
        uint32_t vlen;
        const unsigned char *value = hash_entry_value(v, off, &vlen);
        if (fields) lk_reply_bulk(c->r, v + off + 4, sim__get32(v + off));
        if (values) lk_reply_bulk(c->r, value, vlen);
        off += hash_entry_size(v, off);
    }
}

/* HKEYS key: the fields. */
void sim__cmd_hkeys(sim_cmd *c) {
    hash_reply_all(c, 1, 0);
}

/* HVALS key: the values. */
void sim__cmd_hvals(sim_cmd *c) {
    hash_reply_all(c, 0, 1);
}

/* HGETALL key: field, value, field, value... */
void sim__cmd_hgetall(sim_cmd *c) {
    hash_reply_all(c, 1, 1);
}

/* HSCAN key cursor [MATCH pattern] [COUNT count]: ["0", [field, value, ...]] with every pair whose field matches
 * the pattern (the last MATCH given wins). As in Redis, the cursor is checked first, then the key (an absent key
 * replies ["0", []] without reading the options), then the options: COUNT must be an integer (else the not-an-integer
 * error) of at least 1 (else a syntax error), and anything else, an option without its argument included, is a
 * syntax error. */
void sim__cmd_hscan(sim_cmd *c) {
    uint64_t cursor;
    if (sim__cmd_cursor(c, 2, &cursor) < 0) return;
    int slot;
    int found = hash_lookup(c, &slot);
    if (found < 0) return;
    sim_scan_opts o = {10, NULL, 0, NULL, 0};
    if (found > 0 && sim__cmd_scan_opts(c, 3, 0, &o) < 0) return;
    const char *pat = o.match;
    size_t pat_len = o.match_len;
    lk_reply_array(c->r, 2);
    lk_reply_bulk_str(c->r, "0");
    uint32_t list = lk_reply_array(c->r, 0), elements = 0;
    if (found == 0) return;
    uint32_t n;
    const unsigned char *v = sim_ks_value_const(c->ks, slot, &n);
    uint32_t count = hash_count(v), off = HASH_HEAD;
    for (uint32_t i = 0; i < count; i++, off += hash_entry_size(v, off)) {
        uint32_t flen = sim__get32(v + off), vlen;
        const unsigned char *value = hash_entry_value(v, off, &vlen);
        if (pat != NULL && !sim__glob_match(pat, pat_len, (const char *)v + off + 4, flen)) continue;
        lk_reply_bulk(c->r, v + off + 4, flen);
        lk_reply_bulk(c->r, value, vlen);
        elements += 2;
    }
    lk_reply_set_len(c->r, list, elements);
}
