/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sim_keyspace.c: proves the typed key space (sim/model/sim_keyspace.h) keeps every key's bytes and its own
 * invariants while blobs grow, shrink, move and the heap compacts.
 *
 * How: a fixed-seed random walk of creates, deletes, splices (grow, shrink, replace in the middle) and expiries over
 * 300 key names, mirrored in a plain reference (one malloc'ed buffer per key), is checked after every step: each
 * reference key is found with the same type and bytes, no other key exists, and the invariants of the header hold
 * (the used bitmap matches the entries, every live blob names its slot, the blobs tile the heap up to heap_top, the
 * bytes past heap_top and the payloads of freed blobs are zero, live bytes fit the heap). Limits are hit on purpose:
 * the key count, a key too long, a value too long and a full heap each give LK_ELIMIT and change nothing. Reset
 * must give back the bytes of a fresh key space, and lazy expiry must remove a key at deadline + 1 ms, not before.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/model/sim_keyspace.h"

enum { NAMES = 300, STEPS = 20000, REF_BYTES_MAX = 3000 };

typedef struct ref_key {
    int live;
    uint32_t type;
    unsigned char *bytes;
    uint32_t len;
} ref_key;

static uint64_t rng_state;

static uint64_t rng_next(void) {
    uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint32_t rng_below(uint32_t n) {
    return (uint32_t)(rng_next() % n);
}

static void key_name(int i, char *buf, uint32_t *len) {
    *len = (uint32_t)snprintf(buf, 32, "key:%d%s", i, i % 7 == 0 ? ":with-a-longer-tail" : "");
}

/* The header's invariants, checked from the outside. */
static void check_invariants(const sim_keyspace *ks) {
    uint32_t used = 0;
    for (uint32_t i = 0; i < SIM_KS_SLOTS; i++) {
        int bit = (ks->used_bits[i / 64] >> (i % 64)) & 1;
        assert_int_equal(bit, ks->entry[i].type != SIM_KS_NONE);
        used += (uint32_t)bit;
    }
    assert_int_equal(used, ks->count);
    uint32_t blobs = 0, off = 0;
    while (off < ks->heap_top) {
        uint32_t cap, owner;
        memcpy(&cap, ks->heap + off, 4);
        memcpy(&owner, ks->heap + off + 4, 4);
        assert_true(cap % 8 == 0 && off + 8 + cap <= ks->heap_top);
        if (owner == 0xFFFFFFFFu) {
            for (uint32_t k = 0; k < cap; k++)
                assert_int_equal(ks->heap[off + 8 + k], 0);
        } else {
            assert_true(owner < SIM_KS_SLOTS && ks->entry[owner].type != SIM_KS_NONE);
            assert_int_equal(ks->entry[owner].blob, off);
            blobs++;
        }
        off += 8 + cap;
    }
    assert_int_equal(off, ks->heap_top);
    assert_int_equal(blobs, ks->count);
    for (uint32_t k = ks->heap_top; k < SIM_KS_HEAP_BYTES; k++)
        if (ks->heap[k] != 0) fail_msg("heap byte %u past the top %u is not zero", k, ks->heap_top);
}

static void check_against(sim_keyspace *ks, const ref_key *ref) {
    uint32_t live = 0;
    for (int i = 0; i < NAMES; i++) {
        char name[32];
        uint32_t n;
        key_name(i, name, &n);
        int slot = sim_ks_peek(ks, name, n, 0);
        if (!ref[i].live) {
            assert_int_equal(slot, -1);
            continue;
        }
        live++;
        assert_true(slot >= 0);
        assert_int_equal(ks->entry[slot].type, ref[i].type);
        uint32_t vlen, klen;
        const unsigned char *v = sim_ks_value_const(ks, slot, &vlen);
        const unsigned char *k = sim_ks_key(ks, slot, &klen);
        assert_int_equal(klen, n);
        assert_memory_equal(k, name, n);
        assert_int_equal(vlen, ref[i].len);
        if (vlen) assert_memory_equal(v, ref[i].bytes, vlen);
    }
    assert_int_equal(live, ks->count);
}

static void step_create(sim_keyspace *ks, ref_key *r, int i) {
    char name[32];
    uint32_t n;
    key_name(i, name, &n);
    uint32_t len = rng_below(4) == 0 ? rng_below(REF_BYTES_MAX) : rng_below(64);
    uint32_t type = 1 + rng_below(SIM_KS_TYPE_COUNT_ - 1);
    int slot;
    lk_rc rc = sim_ks_create(ks, name, n, type, len, &slot);
    if (rc != LK_OK) {
        assert_int_equal(rc, LK_ELIMIT);
        return;
    }
    uint32_t vlen;
    unsigned char *v = sim_ks_value(ks, slot, &vlen);
    assert_int_equal(vlen, len);
    r->bytes = realloc(r->bytes, len + 1);
    for (uint32_t k = 0; k < len; k++) {
        assert_int_equal(v[k], 0);
        v[k] = r->bytes[k] = (unsigned char)rng_next();
    }
    r->live = 1;
    r->type = type;
    r->len = len;
}

static void step_splice(sim_keyspace *ks, ref_key *r, int slot) {
    uint32_t off = rng_below(r->len + 1), del = rng_below(r->len - off + 1);
    uint32_t ins = rng_below(3) == 0 ? rng_below(REF_BYTES_MAX) : rng_below(32);
    unsigned char *v = sim_ks_splice(ks, slot, off, del, ins);
    if (v == NULL) return; /* heap full: nothing changed, checked by the caller */
    unsigned char *nb = malloc(r->len - del + ins + 1);
    memcpy(nb, r->bytes, off);
    for (uint32_t k = 0; k < ins; k++) {
        assert_int_equal(v[off + k], 0);
        v[off + k] = nb[off + k] = (unsigned char)rng_next();
    }
    memcpy(nb + off + ins, r->bytes + off + del, r->len - off - del);
    free(r->bytes);
    r->bytes = nb;
    r->len = r->len - del + ins;
}

static void test_sim_keyspace_random_walk(void **state) {
    (void)state;
    sim_keyspace *ks = malloc(sizeof(*ks));
    ref_key *ref = calloc(NAMES, sizeof(*ref));
    assert_non_null(ks);
    sim_ks_init(ks);
    rng_state = 42;
    int limits = 0;
    for (int s = 0; s < STEPS; s++) {
        int i = (int)rng_below(NAMES);
        char name[32];
        uint32_t n;
        key_name(i, name, &n);
        int slot = sim_ks_find(ks, name, n, 0);
        assert_int_equal(slot >= 0, ref[i].live);
        uint32_t before = ks->count;
        if (slot < 0) {
            step_create(ks, &ref[i], i);
            limits += !ref[i].live;
            if (!ref[i].live) assert_int_equal(ks->count, before);
        } else if (rng_below(4) == 0) {
            sim_ks_delete(ks, slot);
            ref[i].live = 0;
        } else {
            step_splice(ks, &ref[i], slot);
        }
        check_invariants(ks);
        check_against(ks, ref);
    }
    assert_true(limits > 0); /* the walk reached the limits, so their paths ran */
    sim_ks_reset(ks);
    sim_keyspace *fresh = calloc(1, sizeof(*fresh));
    assert_memory_equal(ks, fresh, SIM_KS_STATE_BYTES); /* the Lua scratch is not state */
    for (int i = 0; i < NAMES; i++)
        free(ref[i].bytes);
    free(ref);
    free(fresh);
    free(ks);
}

static void test_sim_keyspace_limits(void **state) {
    (void)state;
    sim_keyspace *ks = malloc(sizeof(*ks));
    sim_ks_init(ks);
    int slot;
    char key[SIM_KS_KEY_BYTES_MAX + 1];
    memset(key, 'k', sizeof(key));
    assert_int_equal(sim_ks_create(ks, key, SIM_KS_KEY_BYTES_MAX + 1, SIM_KS_STRING, 1, &slot), LK_ELIMIT);
    assert_int_equal(sim_ks_create(ks, "v", 1, SIM_KS_STRING, SIM_KS_VALUE_BYTES_MAX + 1, &slot), LK_ELIMIT);
    assert_int_equal(sim_ks_create(ks, key, SIM_KS_KEY_BYTES_MAX, SIM_KS_STRING, 1, &slot), LK_OK);
    assert_int_equal(ks->count, 1);
    for (int i = 1; i < SIM_KS_KEYS_MAX; i++) {
        char name[16];
        int n = snprintf(name, sizeof(name), "n%d", i);
        assert_int_equal(sim_ks_create(ks, name, (uint32_t)n, SIM_KS_STRING, 8, &slot), LK_OK);
    }
    assert_int_equal(sim_ks_create(ks, "one-more", 8, SIM_KS_STRING, 8, &slot), LK_ELIMIT);
    assert_int_equal(slot, -1);
    check_invariants(ks);
    /* a full heap: grow one value until it does not fit, then nothing changed */
    slot = sim_ks_find(ks, "n1", 2, 0);
    uint32_t len;
    while (sim_ks_splice(ks, slot, 0, 0, 1000) != NULL)
        ;
    sim_ks_value(ks, slot, &len);
    assert_true(len + 1000 > SIM_KS_VALUE_BYTES_MAX || ks->heap_top + 1100 > SIM_KS_HEAP_BYTES);
    check_invariants(ks);
    free(ks);
}

static void test_sim_keyspace_lazy_expiry(void **state) {
    (void)state;
    sim_keyspace *ks = malloc(sizeof(*ks));
    sim_ks_init(ks);
    int slot;
    assert_int_equal(sim_ks_create(ks, "k", 1, SIM_KS_LIST, 4, &slot), LK_OK);
    ks->entry[slot].deadline_ms = 1000;
    assert_int_equal(sim_ks_find(ks, "k", 1, 1000), slot); /* at the deadline: still live (now > when) */
    assert_int_equal(sim_ks_peek(ks, "k", 1, 1001), -1);   /* peek: gone, but not removed */
    assert_int_equal(ks->count, 1);
    assert_int_equal(sim_ks_find(ks, "k", 1, 999), slot); /* a backward step brings an untouched key back */
    assert_int_equal(sim_ks_find(ks, "k", 1, 1001), -1);  /* find removes it */
    assert_int_equal(ks->count, 0);
    assert_int_equal(sim_ks_find(ks, "k", 1, 999), -1);
    check_invariants(ks);
    assert_string_equal(sim_ks_type_name(SIM_KS_ZSET), "zset");
    free(ks);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_keyspace_random_walk),
        cmocka_unit_test(test_sim_keyspace_limits),
        cmocka_unit_test(test_sim_keyspace_lazy_expiry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
