/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_keyspace.c: the typed key space (contract and heap layout in sim_keyspace.h).
 */
#include "sim/model/sim_keyspace.h"

#include <assert.h>
#include <string.h>

enum {
    KS_HDR = 8,            /* blob header: u32 capacity, u32 owner */
    KS_META = 8,           /* payload head: u32 key length, u32 value length */
    KS_FREE = 0xFFFFFFFFu, /* owner of a freed blob */
    KS_MASK = SIM_KS_SLOTS - 1,
};

static uint32_t ks_get32(const unsigned char *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static void ks_put32(unsigned char *p, uint32_t v) {
    memcpy(p, &v, 4);
}

static uint32_t ks_round8(uint32_t n) {
    return (n + 7u) & ~7u;
}

/* FNV-1a: fixed and seedless, so the layout never depends on the process. */
static uint32_t ks_hash(const unsigned char *p, uint32_t n) {
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static void ks_mark(sim_keyspace *ks, uint32_t i, int used) {
    if (used)
        ks->used_bits[i / 64] |= UINT64_C(1) << (i % 64);
    else
        ks->used_bits[i / 64] &= ~(UINT64_C(1) << (i % 64));
}

void sim_ks_init(sim_keyspace *ks) {
    memset(ks, 0, SIM_KS_STATE_BYTES); /* the outbox and the Lua scratch are not state: only their heads are cleared */
    ks->outbox_len = 0;
    memset(ks->lua_heap, 0, 64);
}

void sim_ks_reset(sim_keyspace *ks) {
    for (uint32_t w = 0; w < SIM_KS_SLOTS / 64; w++) {
        for (uint64_t bits = ks->used_bits[w]; bits; bits &= bits - 1)
            memset(&ks->entry[w * 64 + (uint32_t)__builtin_ctzll(bits)], 0, sizeof(sim_ks_entry));
        ks->used_bits[w] = 0;
    }
    memset(ks->heap, 0, ks->heap_top);
    memset(ks->watch, 0, sizeof(ks->watch[0]) * ks->watch_count);
    ks->heap_top = 0;
    ks->count = 0;
    ks->watch_count = 0;
    ks->dirty_clients = 0;
    memset(ks->channel, 0, sizeof(ks->channel[0]) * ks->channel_count);
    ks->channel_count = 0;
    ks->outbox_len = 0;
    sim_ks_ready_clear(ks);
    sim_ks_script_flush(ks);
}

const char *sim_ks_type_name(uint32_t type) {
    static const char *const names[] = {
#define SIM_KS_TYPE_NAME(name, label) label,
        SIM_KS_TYPE_MAP(SIM_KS_TYPE_NAME)
#undef SIM_KS_TYPE_NAME
    };
    return type < SIM_KS_TYPE_COUNT_ ? names[type] : "unknown";
}

/* ---------------------------------------------------------------------------------------------------------------
 * The heap: blobs at increasing offsets up to heap_top, each [cap][owner][key_len][value_len][key][value][pad].
 */

static uint32_t ks_cap(const sim_keyspace *ks, uint32_t blob) {
    return ks_get32(ks->heap + blob);
}

/* Slides every live blob down over the freed ones, in heap order; their slots follow. */
static void ks_compact(sim_keyspace *ks) {
    uint32_t dst = 0;
    for (uint32_t off = 0; off < ks->heap_top;) {
        uint32_t total = KS_HDR + ks_cap(ks, off);
        uint32_t owner = ks_get32(ks->heap + off + 4);
        if (owner != KS_FREE) {
            if (dst != off) memmove(ks->heap + dst, ks->heap + off, total);
            ks->entry[owner].blob = dst;
            dst += total;
        }
        off += total;
    }
    memset(ks->heap + dst, 0, ks->heap_top - dst);
    ks->heap_top = dst;
}

/* A new blob of payload capacity round8('need') owned by 'slot', zeroed; compacts when the top is reached.
 * Returns its offset or KS_FREE when even a compacted heap has no room (blob offsets may have moved). */
static uint32_t ks_alloc(sim_keyspace *ks, uint32_t need, uint32_t slot) {
    uint32_t total = KS_HDR + ks_round8(need);
    if (total > SIM_KS_HEAP_BYTES - ks->heap_top) ks_compact(ks);
    if (total > SIM_KS_HEAP_BYTES - ks->heap_top) return KS_FREE;
    uint32_t blob = ks->heap_top;
    ks->heap_top += total;
    ks_put32(ks->heap + blob, total - KS_HDR);
    ks_put32(ks->heap + blob + 4, slot);
    return blob;
}

/* Frees a blob: its payload becomes zeros, and a blob at the top gives its bytes back at once. */
static void ks_free(sim_keyspace *ks, uint32_t blob) {
    uint32_t cap = ks_cap(ks, blob);
    if (blob + KS_HDR + cap == ks->heap_top) {
        memset(ks->heap + blob, 0, KS_HDR + cap);
        ks->heap_top = blob;
        return;
    }
    ks_put32(ks->heap + blob + 4, KS_FREE);
    memset(ks->heap + blob + KS_HDR, 0, cap);
}

uint32_t sim_ks_heap_live(const sim_keyspace *ks) {
    uint32_t live = 0;
    for (uint32_t off = 0; off < ks->heap_top; off += KS_HDR + ks_cap(ks, off))
        if (ks_get32(ks->heap + off + 4) != KS_FREE) live += KS_HDR + ks_cap(ks, off);
    return live;
}

const unsigned char *sim_ks_key(const sim_keyspace *ks, int slot, uint32_t *key_len) {
    assert(slot >= 0 && slot < SIM_KS_SLOTS && ks->entry[slot].type != SIM_KS_NONE);
    const unsigned char *p = ks->heap + ks->entry[slot].blob + KS_HDR;
    *key_len = ks_get32(p);
    return p + KS_META;
}

const unsigned char *sim_ks_value_const(const sim_keyspace *ks, int slot, uint32_t *value_len) {
    assert(slot >= 0 && slot < SIM_KS_SLOTS && ks->entry[slot].type != SIM_KS_NONE);
    const unsigned char *p = ks->heap + ks->entry[slot].blob + KS_HDR;
    *value_len = ks_get32(p + 4);
    return p + KS_META + ks_get32(p);
}

unsigned char *sim_ks_value(sim_keyspace *ks, int slot, uint32_t *value_len) {
    return (unsigned char *)sim_ks_value_const(ks, slot, value_len);
}

/* ---------------------------------------------------------------------------------------------------------------
 * WATCH.
 */

static int ks_probe(const sim_keyspace *ks, const void *key, uint32_t key_len);

/* The change of 'key' (made already) aborts the transactions of the clients watching it. */
static void ks_touch_key(sim_keyspace *ks, const void *key, uint32_t key_len, uint32_t h) {
    for (uint32_t w = 0; w < ks->watch_count; w++) {
        sim_ks_watch *x = &ks->watch[w];
        if (x->key_hash != h || x->key_len != key_len || memcmp(x->key, key, key_len) != 0) continue;
        uint32_t gone = ks_probe(ks, key, key_len) < 0 ? x->expired : 0; /* expired when watched, deleted now */
        x->expired &= ~gone;
        ks->dirty_clients |= x->clients & ~gone;
    }
}

static void ks_touch_slot(sim_keyspace *ks, int slot) {
    if (ks->watch_count == 0) return;
    uint32_t n;
    const unsigned char *k = sim_ks_key(ks, slot, &n);
    unsigned char copy[SIM_KS_WATCH_KEY_MAX];
    if (n > SIM_KS_WATCH_KEY_MAX) return; /* longer keys cannot be watched */
    memcpy(copy, k, n);
    ks_touch_key(ks, copy, n, ks->entry[slot].key_hash);
}

void sim_ks_touch(sim_keyspace *ks, int slot) {
    ks_touch_slot(ks, slot);
}

void sim_ks_set_deadline(sim_keyspace *ks, int slot, int64_t deadline_ms) {
    ks->entry[slot].deadline_ms = deadline_ms;
    ks_touch_slot(ks, slot);
}

lk_rc sim_ks_watch_key(sim_keyspace *ks, uint32_t client, const void *key, uint32_t key_len, lk_wall_ms now_ms) {
    if (client >= SIM_KS_CLIENTS_MAX || key_len > SIM_KS_WATCH_KEY_MAX) return LK_ELIMIT;
    uint32_t h = ks_hash(key, key_len), w = 0, bit = UINT32_C(1) << client;
    while (w < ks->watch_count &&
           !(ks->watch[w].key_hash == h && ks->watch[w].key_len == key_len && memcmp(ks->watch[w].key, key, key_len) == 0))
        w++;
    if (w == ks->watch_count) {
        if (w == SIM_KS_WATCH_MAX) return LK_ELIMIT;
        sim_ks_watch *x = &ks->watch[ks->watch_count++];
        x->key_hash = h;
        x->key_len = key_len;
        if (key_len > 0) memcpy(x->key, key, key_len);
    }
    sim_ks_watch *x = &ks->watch[w];
    if (x->clients & bit) return LK_OK; /* watched already: Redis keeps the first watch */
    int slot = ks_probe(ks, key, key_len);
    x->clients |= bit;
    if (slot >= 0 && ks->entry[slot].deadline_ms != 0 && now_ms > ks->entry[slot].deadline_ms) x->expired |= bit;
    return LK_OK;
}

void sim_ks_unwatch_all(sim_keyspace *ks, uint32_t client) {
    if (client >= SIM_KS_CLIENTS_MAX) return; /* a connection that cannot watch (a thread's pub/sub connection) */
    uint32_t bit = UINT32_C(1) << client, kept = 0;
    for (uint32_t w = 0; w < ks->watch_count; w++) {
        ks->watch[w].clients &= ~bit;
        ks->watch[w].expired &= ~bit;
        if (ks->watch[w].clients == 0) continue;
        if (kept != w) ks->watch[kept] = ks->watch[w];
        kept++;
    }
    memset(&ks->watch[kept], 0, sizeof(ks->watch[0]) * (ks->watch_count - kept));
    ks->watch_count = kept;
    ks->dirty_clients &= ~bit;
}

int sim_ks_watch_dirty(const sim_keyspace *ks, uint32_t client, lk_wall_ms now_ms) {
    if (client >= SIM_KS_CLIENTS_MAX) return 0;
    uint32_t bit = UINT32_C(1) << client;
    if (ks->dirty_clients & bit) return 1;
    for (uint32_t w = 0; w < ks->watch_count; w++) {
        const sim_ks_watch *x = &ks->watch[w];
        if (!(x->clients & bit) || (x->expired & bit)) continue;
        int slot = ks_probe(ks, x->key, x->key_len);
        if (slot >= 0 && ks->entry[slot].deadline_ms != 0 && now_ms > ks->entry[slot].deadline_ms) return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------------------------
 * The table.
 */

static int ks_expired(const sim_ks_entry *e, lk_wall_ms now_ms) {
    return e->deadline_ms != 0 && now_ms > e->deadline_ms;
}

static int ks_same_key(const sim_keyspace *ks, uint32_t i, const void *key, uint32_t key_len, uint32_t h) {
    if (ks->entry[i].key_hash != h) return 0;
    uint32_t n;
    const unsigned char *k = sim_ks_key(ks, (int)i, &n);
    return n == key_len && memcmp(k, key, n) == 0;
}

/* The slot holding 'key', expired or not, or -1. */
static int ks_probe(const sim_keyspace *ks, const void *key, uint32_t key_len) {
    uint32_t h = ks_hash(key, key_len);
    for (uint32_t i = h & KS_MASK, n = 0; ks->entry[i].type != SIM_KS_NONE && n < SIM_KS_SLOTS;
         i = (i + 1) & KS_MASK, n++)
        if (ks_same_key(ks, i, key, key_len, h)) return (int)i;
    return -1;
}

int sim_ks_peek(const sim_keyspace *ks, const void *key, uint32_t key_len, lk_wall_ms now_ms) {
    int i = ks_probe(ks, key, key_len);
    return i >= 0 && !ks_expired(&ks->entry[i], now_ms) ? i : -1;
}

int sim_ks_find(sim_keyspace *ks, const void *key, uint32_t key_len, lk_wall_ms now_ms) {
    int i = ks_probe(ks, key, key_len);
    if (i < 0 || !ks_expired(&ks->entry[i], now_ms)) return i;
    sim_ks_delete(ks, i);
    return -1;
}

/* Moves entry 'from' to the empty slot 'to'; its blob's owner follows. */
static void ks_move_entry(sim_keyspace *ks, uint32_t from, uint32_t to) {
    ks->entry[to] = ks->entry[from];
    ks_put32(ks->heap + ks->entry[to].blob + 4, to);
    memset(&ks->entry[from], 0, sizeof(sim_ks_entry));
    ks_mark(ks, to, 1);
    ks_mark(ks, from, 0);
}

void sim_ks_delete(sim_keyspace *ks, int slot) {
    assert(slot >= 0 && slot < SIM_KS_SLOTS && ks->entry[slot].type != SIM_KS_NONE);
    unsigned char key[SIM_KS_WATCH_KEY_MAX];
    uint32_t key_len = 0, h = ks->entry[slot].key_hash;
    int watched = ks->watch_count > 0;
    if (watched) {
        const unsigned char *k = sim_ks_key(ks, slot, &key_len);
        watched = key_len <= SIM_KS_WATCH_KEY_MAX;
        if (watched) memcpy(key, k, key_len);
    }
    ks_free(ks, ks->entry[slot].blob);
    memset(&ks->entry[slot], 0, sizeof(sim_ks_entry));
    ks_mark(ks, (uint32_t)slot, 0);
    ks->count--;
    /* backward shift: a later member of the probe run moves into the hole unless its home is in (hole, j] */
    uint32_t hole = (uint32_t)slot;
    for (uint32_t j = (hole + 1) & KS_MASK; ks->entry[j].type != SIM_KS_NONE; j = (j + 1) & KS_MASK) {
        uint32_t home = ks->entry[j].key_hash & KS_MASK;
        int stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (stays) continue;
        ks_move_entry(ks, j, hole);
        hole = j;
    }
    if (watched) ks_touch_key(ks, key, key_len, h);
}

uint32_t sim_ks_key_hash(const void *key, uint32_t key_len) {
    return ks_hash(key, key_len);
}

void sim_ks_ready_clear(sim_keyspace *ks) {
    memset(ks->ready_hash, 0, sizeof(ks->ready_hash[0]) * ks->ready_count);
    ks->ready_count = 0;
    ks->ready_overflow = 0;
}

/* Remembers that a list key with hash 'h' was created (once per hash). */
static void ks_ready_add(sim_keyspace *ks, uint32_t h) {
    for (uint32_t r = 0; r < ks->ready_count; r++)
        if (ks->ready_hash[r] == h) return;
    if (ks->ready_count == SIM_KS_READY_MAX)
        ks->ready_overflow = 1;
    else
        ks->ready_hash[ks->ready_count++] = h;
}

lk_rc sim_ks_create(sim_keyspace *ks, const void *key, uint32_t key_len, uint32_t type, uint32_t value_len, int *slot) {
    assert(type != SIM_KS_NONE && type < SIM_KS_TYPE_COUNT_);
    *slot = -1;
    if (ks->count >= SIM_KS_KEYS_MAX || key_len > SIM_KS_KEY_BYTES_MAX || value_len > SIM_KS_VALUE_BYTES_MAX)
        return LK_ELIMIT;
    uint32_t h = ks_hash(key, key_len);
    uint32_t i = h & KS_MASK;
    while (ks->entry[i].type != SIM_KS_NONE)
        i = (i + 1) & KS_MASK;
    uint32_t blob = ks_alloc(ks, KS_META + key_len + value_len, i);
    if (blob == KS_FREE) return LK_ELIMIT;
    unsigned char *p = ks->heap + blob + KS_HDR;
    ks_put32(p, key_len);
    ks_put32(p + 4, value_len);
    if (key_len > 0) memcpy(p + KS_META, key, key_len);
    sim_ks_entry *e = &ks->entry[i];
    e->deadline_ms = 0;
    e->blob = blob;
    e->key_hash = h;
    e->type = type;
    ks_mark(ks, i, 1);
    ks->count++;
    *slot = (int)i;
    if (ks->watch_count > 0) ks_touch_key(ks, key, key_len, h);
    if (type == SIM_KS_LIST) ks_ready_add(ks, h);
    return LK_OK;
}

unsigned char *sim_ks_splice(sim_keyspace *ks, int slot, uint32_t off, uint32_t del, uint32_t ins) {
    uint32_t key_len, value_len;
    sim_ks_key(ks, slot, &key_len);
    sim_ks_value(ks, slot, &value_len);
    assert(off <= value_len && del <= value_len - off);
    uint32_t new_len = value_len - del + ins;
    if (new_len > SIM_KS_VALUE_BYTES_MAX) return NULL;
    uint32_t need = KS_META + key_len + new_len;
    uint32_t blob = ks->entry[slot].blob, cap = ks_cap(ks, blob);
    if (need > cap && blob + KS_HDR + cap == ks->heap_top && blob + KS_HDR + ks_round8(need) <= SIM_KS_HEAP_BYTES) {
        /* the last blob grows in place */
        ks->heap_top = blob + KS_HDR + ks_round8(need);
        ks_put32(ks->heap + blob, ks_round8(need));
        cap = ks_round8(need);
    }
    if (need > cap) {
        uint32_t moved = ks_alloc(ks, need, (uint32_t)slot);
        if (moved == KS_FREE) return NULL;
        blob = ks->entry[slot].blob; /* the allocation may have compacted the heap */
        memcpy(ks->heap + moved + KS_HDR, ks->heap + blob + KS_HDR, KS_META + key_len + value_len);
        ks_free(ks, blob);
        ks->entry[slot].blob = moved;
        blob = moved;
    }
    unsigned char *value = ks->heap + blob + KS_HDR + KS_META + key_len;
    memmove(value + off + ins, value + off + del, value_len - off - del);
    memset(value + off, 0, ins);
    if (new_len < value_len) memset(value + new_len, 0, value_len - new_len);
    ks_put32(ks->heap + blob + KS_HDR + 4, new_len);
    ks_touch_slot(ks, slot);
    return ks->heap + ks->entry[slot].blob + KS_HDR + KS_META + key_len;
}

const char *sim_ks_check(const sim_keyspace *ks) {
    uint32_t used = 0, blobs = 0, off = 0;
    for (uint32_t i = 0; i < SIM_KS_SLOTS; i++) {
        int bit = (int)((ks->used_bits[i / 64] >> (i % 64)) & 1);
        if (bit != (ks->entry[i].type != SIM_KS_NONE)) return "a used bit disagrees with its entry";
        if (ks->entry[i].type >= SIM_KS_TYPE_COUNT_) return "an entry has an unknown type";
        used += (uint32_t)bit;
    }
    if (used != ks->count) return "count is not the number of used entries";
    while (off < ks->heap_top) {
        uint32_t cap = ks_cap(ks, off), owner = ks_get32(ks->heap + off + 4);
        if (cap % 8 != 0 || cap > ks->heap_top - off - KS_HDR) return "a blob runs past heap_top";
        if (owner == KS_FREE) {
            for (uint32_t k = 0; k < cap; k++)
                if (ks->heap[off + KS_HDR + k] != 0) return "a freed blob is not zeroed";
        } else {
            if (owner >= SIM_KS_SLOTS || ks->entry[owner].type == SIM_KS_NONE || ks->entry[owner].blob != off)
                return "a blob's owner does not point back at it";
            const unsigned char *p = ks->heap + off + KS_HDR;
            if ((uint64_t)KS_META + ks_get32(p) + ks_get32(p + 4) > cap) return "a key and value overflow their blob";
            blobs++;
        }
        off += KS_HDR + cap;
    }
    if (blobs != ks->count) return "not every key owns exactly one blob";
    for (uint32_t k = ks->heap_top; k < SIM_KS_HEAP_BYTES; k++)
        if (ks->heap[k] != 0) return "a heap byte past heap_top is not zero";
    return NULL;
}

/* ---------------------------------------------------------------------------------------------------------------
 * The script cache: entries [sha (40)][u32 body length][body], in the order loaded.
 */

const unsigned char *sim_ks_script_find(const sim_keyspace *ks, const char *sha, uint32_t *body_len) {
    for (uint32_t off = 0; off < ks->script_bytes;) {
        uint32_t n = ks_get32(ks->scripts + off + 40);
        if (memcmp(ks->scripts + off, sha, 40) == 0) {
            *body_len = n;
            return ks->scripts + off + 44;
        }
        off += 44 + n;
    }
    return NULL;
}

lk_rc sim_ks_script_add(sim_keyspace *ks, const char *sha, const void *body, uint32_t body_len) {
    if (body_len > SIM_KS_SCRIPT_BYTES - 44 || ks->script_bytes > SIM_KS_SCRIPT_BYTES - 44 - body_len)
        return LK_ELIMIT;
    unsigned char *p = ks->scripts + ks->script_bytes;
    memcpy(p, sha, 40);
    ks_put32(p + 40, body_len);
    if (body_len > 0) memcpy(p + 44, body, body_len);
    ks->script_bytes += 44 + body_len;
    ks->script_count++;
    return LK_OK;
}

void sim_ks_script_flush(sim_keyspace *ks) {
    memset(ks->scripts, 0, ks->script_bytes);
    ks->script_bytes = 0;
    ks->script_count = 0;
    memset(&ks->cjson, 0, sizeof(ks->cjson)); /* Redis builds a new Lua state: cjson's settings are the defaults */
}
