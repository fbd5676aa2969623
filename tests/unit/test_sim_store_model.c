/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sim_store_model.c: proves that the model store (sim/sim_store_model.c) answers like Redis
 * for the racebed op set. Each op is driven directly through sim_store_model_exec() with an
 * explicit server wall clock, so expiry is checked at the exact millisecond: a key with deadline D
 * is present at D and absent at D + 1 (Redis keyIsExpired: now > when). The lock composites are
 * checked for their outcomes, fence numbers, stored values and TTLs; lazy expiry is checked across
 * a backward wall step (an untouched key comes back, a touched one does not). The open-addressing
 * table is filled to its limit, and a fixed-seed random run of several thousand ops is compared
 * reply by reply against a plain array that implements the same semantics with linear search, so
 * that any key lost by backward-shift deletion shows up as a differing reply; the table's own
 * invariants (used bitmap, zeroed free slots) are checked along the way, and reset must give back
 * the bytes of a fresh store. Finally lk_store_op_keys() is checked for the key sets the explorer
 * relies on. Clear's ops are checked last: SCAN walks the live keys of a prefix in strictly
 * increasing key order, each once even when keys are deleted or added between calls, skipping and
 * removing expired ones; REVOKE deletes only a lock whose fence is below the floor; ACQUIRE with an
 * epoch key makes fence (epoch << 32) + counter and refuses a non-integer epoch without changing a
 * byte; and a key of any valid length is walked without a reply overrunning lk_store_reply.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/model/sim_store_model.h"

enum { KEYS_MAX = SIM_STORE_SLOTS / 4 * 3 }; /* the documented capacity */

#define T0 INT64_C(1700000000000) /* an arbitrary server wall instant, ms */

/* ---- helpers --------------------------------------------------------------------------------- */

static int store_setup(void **state) {
    sim_store_model *s = malloc(sizeof(*s));
    if (s == NULL) return -1;
    sim_store_model_init(s);
    *state = s;
    return 0;
}

static int store_teardown(void **state) {
    free(*state);
    return 0;
}

/* Runs one op and returns the rc; the reply goes to '*r'. */
static lk_rc run_op(sim_store_model *s, lk_wall_ms now_ms, lk_op_kind kind, const char *key,
                    const char *value, int64_t ttl_ms, unsigned flags, lk_store_reply *r) {
    lk_store_op op = {.kind = kind, .key = key, .value = value, .ttl_ms = ttl_ms, .flags = flags};
    return sim_store_model_exec(s, now_ms, &op, r);
}

static lk_rc run_acquire(sim_store_model *s, lk_wall_ms now_ms, const char *key, const char *fence,
                         const char *token, int64_t ttl_ms, lk_store_reply *r) {
    lk_store_op op = {
        .kind = LK_OP_ACQUIRE, .key = key, .aux_key = fence, .value = token, .ttl_ms = ttl_ms};
    return sim_store_model_exec(s, now_ms, &op, r);
}

/* SET that must succeed with STORED. */
static void set_ok(sim_store_model *s, lk_wall_ms now_ms, const char *key, const char *value,
                   int64_t ttl_ms) {
    lk_store_reply r;
    assert_int_equal(run_op(s, now_ms, LK_OP_SET, key, value, ttl_ms, 0, &r), LK_OK);
    assert_int_equal(r.outcome, LK_STORED);
}

/* GET: returns 1 and copies the value when found, 0 when absent. */
static int get_val(sim_store_model *s, lk_wall_ms now_ms, const char *key, char *out) {
    lk_store_reply r;
    assert_int_equal(run_op(s, now_ms, LK_OP_GET, key, NULL, 0, 0, &r), LK_OK);
    if (r.outcome == LK_ABSENT) {
        assert_string_equal(r.value, "");
        return 0;
    }
    assert_int_equal(r.outcome, LK_FOUND);
    if (out) strcpy(out, r.value);
    return 1;
}

static int64_t pttl(sim_store_model *s, lk_wall_ms now_ms, const char *key) {
    lk_store_reply r;
    assert_int_equal(run_op(s, now_ms, LK_OP_PTTL, key, NULL, 0, 0, &r), LK_OK);
    assert_int_equal(r.outcome, LK_COUNT);
    return r.num;
}

/* The table's own invariants (sim_ks_check: the used bitmap mirrors the slots, an unused slot is all zero bytes,
 * every key owns one blob, freed heap bytes are zero; sim_store_model_reset relies on them), and 'count' is the
 * number of used slots. */
static void check_layout(const sim_store_model *s) {
    const char *broken = sim_ks_check(&s->ks);
    if (broken) fail_msg("key space: %s", broken);
    int used = 0;
    for (int i = 0; i < SIM_STORE_SLOTS; i++)
        used += s->ks.entry[i].type != SIM_KS_NONE;
    assert_int_equal(used, (int)s->ks.count);
}

/* ---- primitives ------------------------------------------------------------------------------ */

static void test_sim_store_model_get_set(void **state) {
    sim_store_model *s = *state;
    char v[LK_VALUE_MAX];
    assert_int_equal(get_val(s, T0, "k", v), 0);
    set_ok(s, T0, "k", "v1", 0);
    assert_int_equal(get_val(s, T0, "k", v), 1);
    assert_string_equal(v, "v1");
    set_ok(s, T0 + 1, "k", "v2", 0);
    assert_int_equal(get_val(s, T0 + 1, "k", v), 1);
    assert_string_equal(v, "v2");
    set_ok(s, T0, "", "empty-key", 0); /* the empty key is a key like any other */
    assert_int_equal(get_val(s, T0, "", v), 1);
    assert_string_equal(v, "empty-key");
    assert_int_equal(s->ks.count, 2);
    /* A negative TTL on SET is refused. */
    lk_store_reply r;
    assert_int_equal(run_op(s, T0, LK_OP_SET, "k", "x", -1, 0, &r), LK_EINVAL);
    assert_int_equal(get_val(s, T0, "k", v), 1);
    assert_string_equal(v, "v2");
}

static void test_sim_store_model_set_nx(void **state) {
    sim_store_model *s = *state;
    lk_store_reply r;
    char v[LK_VALUE_MAX];
    assert_int_equal(run_op(s, T0, LK_OP_SET, "k", "first", 100, LK_SET_NX, &r), LK_OK);
    assert_int_equal(r.outcome, LK_STORED);
    assert_int_equal(run_op(s, T0 + 100, LK_OP_SET, "k", "second", 0, LK_SET_NX, &r), LK_OK);
    assert_int_equal(r.outcome, LK_NOT_STORED);
    assert_int_equal(get_val(s, T0 + 100, "k", v), 1);
    assert_string_equal(v, "first");
    assert_int_equal(pttl(s, T0 + 100, "k"), 0); /* the failed NX left the TTL alone */
    /* At deadline + 1 the key is expired, so NX stores. */
    assert_int_equal(run_op(s, T0 + 101, LK_OP_SET, "k", "third", 0, LK_SET_NX, &r), LK_OK);
    assert_int_equal(r.outcome, LK_STORED);
    assert_int_equal(get_val(s, T0 + 5000, "k", v), 1);
    assert_string_equal(v, "third");
    assert_int_equal(s->ks.count, 1);
}

static void test_sim_store_model_set_xx(void **state) {
    sim_store_model *s = *state;
    lk_store_reply r;
    char v[LK_VALUE_MAX];
    assert_int_equal(run_op(s, T0, LK_OP_SET, "k", "x", 0, LK_SET_XX, &r), LK_OK);
    assert_int_equal(r.outcome, LK_NOT_STORED);
    assert_int_equal(get_val(s, T0, "k", v), 0);
    assert_int_equal(s->ks.count, 0);
    set_ok(s, T0, "k", "a", 50);
    assert_int_equal(run_op(s, T0 + 50, LK_OP_SET, "k", "b", 0, LK_SET_XX, &r), LK_OK);
    assert_int_equal(r.outcome, LK_STORED);
    assert_int_equal(get_val(s, T0 + 50, "k", v), 1);
    assert_string_equal(v, "b");
    assert_int_equal(pttl(s, T0 + 50, "k"), -1);
    /* XX on an expired key does not store. */
    set_ok(s, T0, "e", "a", 10);
    assert_int_equal(run_op(s, T0 + 11, LK_OP_SET, "e", "b", 0, LK_SET_XX, &r), LK_OK);
    assert_int_equal(r.outcome, LK_NOT_STORED);
    assert_int_equal(get_val(s, T0 + 11, "e", v), 0);
}

static void test_sim_store_model_set_px_deadline(void **state) {
    sim_store_model *s = *state;
    set_ok(s, T0, "k", "v", 100);
    assert_int_equal(pttl(s, T0, "k"), 100);
    assert_int_equal(pttl(s, T0 + 99, "k"), 1);
    assert_int_equal(get_val(s, T0 + 100, "k", NULL), 1); /* now == deadline: still present */
    assert_int_equal(pttl(s, T0 + 100, "k"), 0);
    assert_int_equal(get_val(s, T0 + 101, "k", NULL), 0); /* now > deadline: gone */
    assert_int_equal(pttl(s, T0 + 101, "k"), -2);
    assert_int_equal(s->ks.count, 0); /* the touch removed it */
    /* PX 1: present for exactly one more millisecond. */
    set_ok(s, T0, "one", "v", 1);
    assert_int_equal(get_val(s, T0 + 1, "one", NULL), 1);
    assert_int_equal(get_val(s, T0 + 2, "one", NULL), 0);
}

static void test_sim_store_model_set_clears_ttl(void **state) {
    sim_store_model *s = *state;
    set_ok(s, T0, "k", "v", 100);
    set_ok(s, T0 + 10, "k", "w", 0);
    assert_int_equal(pttl(s, T0 + 10, "k"), -1);
    assert_int_equal(get_val(s, T0 + 100000, "k", NULL), 1);
}

static void test_sim_store_model_del_count(void **state) {
    sim_store_model *s = *state;
    lk_store_reply r;
    assert_int_equal(run_op(s, T0, LK_OP_DEL, "k", NULL, 0, 0, &r), LK_OK);
    assert_int_equal(r.outcome, LK_COUNT);
    assert_int_equal(r.num, 0);
    set_ok(s, T0, "k", "v", 0);
    assert_int_equal(run_op(s, T0, LK_OP_DEL, "k", NULL, 0, 0, &r), LK_OK);
    assert_int_equal(r.num, 1);
    assert_int_equal(get_val(s, T0, "k", NULL), 0);
    assert_int_equal(run_op(s, T0, LK_OP_DEL, "k", NULL, 0, 0, &r), LK_OK);
    assert_int_equal(r.num, 0);
    set_ok(s, T0, "e", "v", 5); /* expired keys do not count */
    assert_int_equal(run_op(s, T0 + 6, LK_OP_DEL, "e", NULL, 0, 0, &r), LK_OK);
    assert_int_equal(r.num, 0);
    assert_int_equal(s->ks.count, 0);
}

static void test_sim_store_model_pexpire(void **state) {
    sim_store_model *s = *state;
    lk_store_reply r;
    set_ok(s, T0, "k", "v", 100);
    assert_int_equal(run_op(s, T0 + 50, LK_OP_PEXPIRE, "k", NULL, 500, 0, &r), LK_OK);
    assert_int_equal(r.outcome, LK_EXTENDED);
    assert_int_equal(pttl(s, T0 + 50, "k"), 500);
    assert_int_equal(get_val(s, T0 + 550, "k", NULL), 1);
    assert_int_equal(get_val(s, T0 + 551, "k", NULL), 0);
    /* Absent (never set, or expired) -> ABSENT, nothing created. */
    assert_int_equal(run_op(s, T0, LK_OP_PEXPIRE, "none", NULL, 500, 0, &r), LK_OK);
    assert_int_equal(r.outcome, LK_ABSENT);
    assert_int_equal(get_val(s, T0, "none", NULL), 0);
    /* On a key without TTL it sets one. */
    set_ok(s, T0, "p", "v", 0);
    assert_int_equal(run_op(s, T0, LK_OP_PEXPIRE, "p", NULL, 20, 0, &r), LK_OK);
    assert_int_equal(r.outcome, LK_EXTENDED);
    assert_int_equal(pttl(s, T0, "p"), 20);
    /* ttl <= 0 deletes. */
    assert_int_equal(run_op(s, T0, LK_OP_PEXPIRE, "p", NULL, 0, 0, &r), LK_OK);
    assert_int_equal(get_val(s, T0, "p", NULL), 0);
    set_ok(s, T0, "q", "v", 0);
    assert_int_equal(run_op(s, T0, LK_OP_PEXPIRE, "q", NULL, -7, 0, &r), LK_OK);
    assert_int_equal(get_val(s, T0, "q", NULL), 0);
    assert_int_equal(s->ks.count, 0);
}

static void test_sim_store_model_pttl(void **state) {
    sim_store_model *s = *state;
    assert_int_equal(pttl(s, T0, "k"), -2);
    set_ok(s, T0, "k", "v", 0);
    assert_int_equal(pttl(s, T0, "k"), -1);
    set_ok(s, T0, "t", "v", 1234);
    assert_int_equal(pttl(s, T0 + 34, "t"), 1200);
    assert_int_equal(pttl(s, T0 + 1235, "t"), -2);
}

static void test_sim_store_model_incr(void **state) {
    sim_store_model *s = *state;
    lk_store_reply r;
    char v[LK_VALUE_MAX];
    assert_int_equal(run_op(s, T0, LK_OP_INCR, "n", NULL, 0, 0, &r), LK_OK);
    assert_int_equal(r.outcome, LK_COUNT);
    assert_int_equal(r.num, 1);
    assert_int_equal(run_op(s, T0, LK_OP_INCR, "n", NULL, 0, 0, &r), LK_OK);
    assert_int_equal(r.num, 2);
    assert_int_equal(get_val(s, T0, "n", v), 1);
    assert_string_equal(v, "2");
    assert_int_equal(pttl(s, T0, "n"), -1);
    /* INCR keeps the TTL (Redis keeps it for every command that does not overwrite the key). */
    set_ok(s, T0, "t", "41", 100);
    assert_int_equal(run_op(s, T0 + 40, LK_OP_INCR, "t", NULL, 0, 0, &r), LK_OK);
    assert_int_equal(r.num, 42);
    assert_int_equal(pttl(s, T0 + 40, "t"), 60);
    assert_int_equal(get_val(s, T0 + 101, "t", NULL), 0);
    /* Negative numbers count up. */
    set_ok(s, T0, "neg", "-5", 0);
    assert_int_equal(run_op(s, T0, LK_OP_INCR, "neg", NULL, 0, 0, &r), LK_OK);
    assert_int_equal(r.num, -4);
    /* Not an integer: WRONG_TYPE, value untouched. */
    static const char *const bad[] = {"abc", "12x", "", "1.5", "9223372036854775807"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        set_ok(s, T0, "w", bad[i], 0);
        assert_int_equal(run_op(s, T0, LK_OP_INCR, "w", NULL, 0, 0, &r), LK_OK);
        assert_int_equal(r.outcome, LK_WRONG_TYPE);
        assert_int_equal(get_val(s, T0, "w", v), 1);
        assert_string_equal(v, bad[i]);
    }
    /* An expired counter starts again at 1. */
    set_ok(s, T0, "x", "10", 5);
    assert_int_equal(run_op(s, T0 + 6, LK_OP_INCR, "x", NULL, 0, 0, &r), LK_OK);
    assert_int_equal(r.num, 1);
    assert_int_equal(pttl(s, T0 + 6, "x"), -1);
}

/* Redis parses INCR's operand with string2ll: no spaces, no '+', no leading zeroes. The model's own
 * comment (store_parse_int) promises "whole string, no spaces". */
static void test_sim_store_model_incr_strict_integer(void **state) {
    sim_store_model *s = *state;
    lk_store_reply r;
    static const char *const bad[] = {" 7", "\t7", "+7", "007"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        set_ok(s, T0, "w", bad[i], 0);
        assert_int_equal(run_op(s, T0, LK_OP_INCR, "w", NULL, 0, 0, &r), LK_OK);
        if (r.outcome != LK_WRONG_TYPE)
            fail_msg("INCR on \"%s\" gave %s %lld, Redis replies 'not an integer'", bad[i],
                     lk_outcome_label(r.outcome), (long long)r.num);
    }
}

static void test_sim_store_model_scan_del(void **state) {
    sim_store_model *s = *state;
    lk_store_reply r;
    set_ok(s, T0, "lk:{a}:1", "v", 0);
    set_ok(s, T0, "lk:{a}:2", "v", 10); /* expired at the scan: removed, not counted */
    set_ok(s, T0, "lk:{a}:3", "v", 1000);
    set_ok(s, T0, "lk:{b}:1", "v", 0);
    set_ok(s, T0, "lk:{a", "v", 0); /* shorter than the prefix: kept */
    set_ok(s, T0, "other", "v", 0);
    assert_int_equal(run_op(s, T0 + 20, LK_OP_SCAN_DEL, "lk:{a}:", NULL, 0, 0, &r), LK_OK);
    assert_int_equal(r.outcome, LK_COUNT);
    assert_int_equal(r.num, 2);
    assert_int_equal(s->ks.count, 3);
    assert_int_equal(get_val(s, T0 + 20, "lk:{a}:1", NULL), 0);
    assert_int_equal(get_val(s, T0 + 20, "lk:{a}:3", NULL), 0);
    assert_int_equal(get_val(s, T0 + 20, "lk:{b}:1", NULL), 1);
    assert_int_equal(get_val(s, T0 + 20, "lk:{a", NULL), 1);
    assert_int_equal(get_val(s, T0 + 20, "other", NULL), 1);
    /* Nothing matches: count 0, nothing removed. */
    assert_int_equal(run_op(s, T0 + 20, LK_OP_SCAN_DEL, "zz", NULL, 0, 0, &r), LK_OK);
    assert_int_equal(r.num, 0);
    assert_int_equal(s->ks.count, 3);
}

/* Many interleaved keys, so deleting during the scan shifts keys into slots the scan already
 * passed. */
static void test_sim_store_model_scan_del_dense(void **state) {
    sim_store_model *s = *state;
    lk_store_reply r;
    char key[32];
    for (int i = 0; i < KEYS_MAX; i++) {
        snprintf(key, sizeof(key), "%s%d", i % 3 == 0 ? "keep:" : "drop:", i);
        set_ok(s, T0, key, "v", i % 7 == 0 ? 5 : 0);
    }
    int live_drop = 0;
    for (int i = 0; i < KEYS_MAX; i++)
        live_drop += i % 3 != 0 && i % 7 != 0;
    assert_int_equal(run_op(s, T0 + 10, LK_OP_SCAN_DEL, "drop:", NULL, 0, 0, &r), LK_OK);
    assert_int_equal(r.num, live_drop);
    for (int i = 0; i < KEYS_MAX; i++) {
        snprintf(key, sizeof(key), "%s%d", i % 3 == 0 ? "keep:" : "drop:", i);
        int want = i % 3 == 0 && i % 7 != 0;
        if (get_val(s, T0 + 10, key, NULL) != want) fail_msg("key %s: want present=%d", key, want);
    }
}

/* ---- lock composites ------------------------------------------------------------------------- */

static void test_sim_store_model_acquire(void **state) {
    sim_store_model *s = *state;
    lk_store_reply r;
    char v[LK_VALUE_MAX];
    assert_int_equal(run_acquire(s, T0, "lk", "fence", "tokA", 1000, &r), LK_OK);
    assert_int_equal(r.outcome, LK_ACQUIRED);
    assert_int_equal(r.num, 1);
    assert_int_equal(get_val(s, T0, "lk", v), 1);
    assert_string_equal(v, "tokA:1");
    assert_int_equal(pttl(s, T0, "lk"), 1000);
    assert_int_equal(get_val(s, T0, "fence", v), 1);
    assert_string_equal(v, "1");
    assert_int_equal(pttl(s, T0, "fence"), -1);
    /* Own token: ALREADY_MINE, same fence, TTL counted again from now. */
    assert_int_equal(run_acquire(s, T0 + 600, "lk", "fence", "tokA", 1000, &r), LK_OK);
    assert_int_equal(r.outcome, LK_ALREADY_MINE);
    assert_int_equal(r.num, 1);
    assert_int_equal(pttl(s, T0 + 600, "lk"), 1000);
    assert_int_equal(get_val(s, T0 + 1600, "lk", v), 1);
    assert_string_equal(v, "tokA:1");
    assert_int_equal(get_val(s, T0 + 600, "fence", v), 1);
    assert_string_equal(v, "1"); /* no INCR on a re-acquire */
    /* Another token: LOCKED with the holder's PTTL; nothing changes. */
    assert_int_equal(run_acquire(s, T0 + 700, "lk", "fence", "tokB", 5000, &r), LK_OK);
    assert_int_equal(r.outcome, LK_LOCKED);
    assert_int_equal(r.num, 900);
    assert_int_equal(get_val(s, T0 + 700, "lk", v), 1);
    assert_string_equal(v, "tokA:1");
    assert_int_equal(pttl(s, T0 + 700, "lk"), 900);
    /* After expiry the next holder gets fence 2, then 3. */
    assert_int_equal(run_acquire(s, T0 + 1601, "lk", "fence", "tokB", 100, &r), LK_OK);
    assert_int_equal(r.outcome, LK_ACQUIRED);
    assert_int_equal(r.num, 2);
    assert_int_equal(get_val(s, T0 + 1601, "lk", v), 1);
    assert_string_equal(v, "tokB:2");
    assert_int_equal(run_acquire(s, T0 + 1702, "lk", "fence", "tokC", 100, &r), LK_OK);
    assert_int_equal(r.outcome, LK_ACQUIRED);
    assert_int_equal(r.num, 3);
    /* ttl <= 0 or a missing token or fence key is refused. */
    assert_int_equal(run_acquire(s, T0, "lk2", "fence", "tok", 0, &r), LK_EINVAL);
    assert_int_equal(run_acquire(s, T0, "lk2", NULL, "tok", 10, &r), LK_EINVAL);
    assert_int_equal(run_acquire(s, T0, "lk2", "fence", NULL, 10, &r), LK_EINVAL);
    assert_int_equal(get_val(s, T0, "lk2", NULL), 0);
}

static void test_sim_store_model_release(void **state) {
    sim_store_model *s = *state;
    lk_store_reply r;
    char v[LK_VALUE_MAX];
    assert_int_equal(run_op(s, T0, LK_OP_RELEASE, "lk", "tokA", 0, 0, &r), LK_OK);
    assert_int_equal(r.outcome, LK_ABSENT);
    assert_int_equal(run_acquire(s, T0, "lk", "fence", "tokA", 1000, &r), LK_OK);
    assert_int_equal(run_op(s, T0, LK_OP_RELEASE, "lk", "tokB", 0, 0, &r), LK_OK);
    assert_int_equal(r.outcome, LK_NOT_OWNER);
    assert_int_equal(get_val(s, T0, "lk", v), 1);
    assert_string_equal(v, "tokA:1");
    assert_int_equal(run_op(s, T0, LK_OP_RELEASE, "lk", "tokA", 0, 0, &r), LK_OK);
    assert_int_equal(r.outcome, LK_RELEASED);
    assert_int_equal(get_val(s, T0, "lk", NULL), 0);
    assert_int_equal(run_op(s, T0, LK_OP_RELEASE, "lk", "tokA", 0, 0, &r), LK_OK);
    assert_int_equal(r.outcome, LK_ABSENT);
    /* An expired lease is absent to its owner. */
    assert_int_equal(run_acquire(s, T0, "lk", "fence", "tokA", 10, &r), LK_OK);
    assert_int_equal(run_op(s, T0 + 11, LK_OP_RELEASE, "lk", "tokA", 0, 0, &r), LK_OK);
    assert_int_equal(r.outcome, LK_ABSENT);
}

/* A token that is a prefix of the holder's token (or the other way round) is another owner. */
static void test_sim_store_model_release_prefix_token(void **state) {
    sim_store_model *s = *state;
    lk_store_reply r;
    assert_int_equal(run_acquire(s, T0, "lk", "fence", "abcd", 1000, &r), LK_OK);
    assert_int_equal(r.outcome, LK_ACQUIRED);
    assert_int_equal(run_op(s, T0, LK_OP_RELEASE, "lk", "abc", 0, 0, &r), LK_OK);
    assert_int_equal(r.outcome, LK_NOT_OWNER);
    assert_int_equal(run_op(s, T0, LK_OP_EXTEND, "lk", "abc", 5000, 0, &r), LK_OK);
    assert_int_equal(r.outcome, LK_NOT_OWNER);
    assert_int_equal(run_acquire(s, T0, "lk", "fence", "abc", 1000, &r), LK_OK);
    assert_int_equal(r.outcome, LK_LOCKED);
    assert_int_equal(run_op(s, T0, LK_OP_RELEASE, "lk", "abcde", 0, 0, &r), LK_OK);
    assert_int_equal(r.outcome, LK_NOT_OWNER);
    /* An empty token, or one with ':' (the fence separator), is refused: it could match another's value. */
    assert_int_equal(run_op(s, T0, LK_OP_RELEASE, "lk", "", 0, 0, &r), LK_EINVAL);
    assert_int_equal(run_op(s, T0, LK_OP_RELEASE, "lk", "abcd:1", 0, 0, &r), LK_EINVAL);
    assert_int_equal(pttl(s, T0, "lk"), 1000);
    /* The value of a plain SET equal to the token (no fence) is the token's. */
    set_ok(s, T0, "plain", "abc", 0);
    assert_int_equal(run_op(s, T0, LK_OP_RELEASE, "plain", "ab", 0, 0, &r), LK_OK);
    assert_int_equal(r.outcome, LK_NOT_OWNER);
    assert_int_equal(run_op(s, T0, LK_OP_RELEASE, "plain", "abc", 0, 0, &r), LK_OK);
    assert_int_equal(r.outcome, LK_RELEASED);
    assert_int_equal(sim_store_value_has_token("abcd:1", "abc"), 0);
    assert_int_equal(sim_store_value_has_token("abc:1", "abc"), 1);
    assert_int_equal(sim_store_value_has_token("abc", "abc"), 1);
    assert_int_equal(sim_store_value_has_token("abc", ""), 0);
}

static void test_sim_store_model_extend(void **state) {
    sim_store_model *s = *state;
    lk_store_reply r;
    assert_int_equal(run_op(s, T0, LK_OP_EXTEND, "lk", "tokA", 100, 0, &r), LK_OK);
    assert_int_equal(r.outcome, LK_ABSENT);
    assert_int_equal(get_val(s, T0, "lk", NULL), 0);
    assert_int_equal(run_acquire(s, T0, "lk", "fence", "tokA", 100, &r), LK_OK);
    assert_int_equal(run_op(s, T0 + 80, LK_OP_EXTEND, "lk", "tokA", 300, 0, &r), LK_OK);
    assert_int_equal(r.outcome, LK_EXTENDED);
    assert_int_equal(pttl(s, T0 + 80, "lk"), 300);
    assert_int_equal(get_val(s, T0 + 380, "lk", NULL), 1);
    assert_int_equal(run_op(s, T0 + 100, LK_OP_EXTEND, "lk", "tokB", 9000, 0, &r), LK_OK);
    assert_int_equal(r.outcome, LK_NOT_OWNER);
    assert_int_equal(pttl(s, T0 + 100, "lk"), 280);
    assert_int_equal(run_op(s, T0 + 381, LK_OP_EXTEND, "lk", "tokA", 300, 0, &r), LK_OK);
    assert_int_equal(r.outcome, LK_ABSENT); /* too late: expired */
    assert_int_equal(get_val(s, T0 + 381, "lk", NULL), 0);
}

/* ---- lazy expiry ----------------------------------------------------------------------------- */

static void count_live(void *arg, const char *key, int64_t deadline_ms) {
    (void)key;
    assert_int_equal(deadline_ms, T0 + 100);
    (*(int *)arg)++;
}

/* Both keys expire at T0 + 100. At T0 + 200 only 'touched' is read (and so removed); after the wall
 * steps back to T0 + 50, 'untouched' is live again, 'touched' is gone for good. */
static void test_sim_store_model_lazy_expiry_backward_step(void **state) {
    sim_store_model *s = *state;
    char v[LK_VALUE_MAX];
    set_ok(s, T0, "untouched", "u", 100);
    set_ok(s, T0, "touched", "t", 100);
    assert_int_equal(get_val(s, T0 + 200, "touched", NULL), 0);
    assert_int_equal(s->ks.count, 1);
    /* each() does not expire anything (it is not an op): it skips the key, the count stays. */
    int live = 0;
    sim_store_model_each(s, T0 + 200, count_live, &live);
    assert_int_equal(live, 0);
    assert_int_equal(s->ks.count, 1);
    sim_store_model_each(s, T0 + 100, count_live, &live);
    assert_int_equal(live, 1);
    /* peek is not an op either: it reports the key by the clock it is given and removes nothing. */
    assert_int_equal(sim_store_model_peek(s, T0 + 200, "untouched", v), 0);
    assert_int_equal(s->ks.count, 1);
    assert_int_equal(sim_store_model_peek(s, T0 + 100, "untouched", v), 1);
    assert_string_equal(v, "u");
    assert_int_equal(sim_store_model_peek(s, T0 + 100, "touched", v), 0);
    assert_int_equal(get_val(s, T0 + 50, "untouched", v), 1);
    assert_string_equal(v, "u");
    assert_int_equal(pttl(s, T0 + 50, "untouched"), 50);
    assert_int_equal(get_val(s, T0 + 50, "touched", NULL), 0);
}

/* ---- capacity, reference model --------------------------------------------------------------- */

static void test_sim_store_model_capacity(void **state) {
    sim_store_model *s = *state;
    lk_store_reply r;
    char key[32];
    for (int i = 0; i < KEYS_MAX; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        set_ok(s, T0, key, "v", 0);
    }
    assert_int_equal(s->ks.count, KEYS_MAX);
    assert_int_equal(run_op(s, T0, LK_OP_SET, "one-too-many", "v", 0, 0, &r), LK_ELIMIT);
    assert_int_equal(run_op(s, T0, LK_OP_INCR, "one-too-many", NULL, 0, 0, &r), LK_ELIMIT);
    assert_int_equal(get_val(s, T0, "one-too-many", NULL), 0);
    assert_int_equal(s->ks.count, KEYS_MAX);
    /* Overwriting an existing key still works at the limit. */
    set_ok(s, T0, "k7", "w", 0);
    /* Free one slot: the new key fits, every old key is still there. */
    assert_int_equal(run_op(s, T0, LK_OP_DEL, "k3", NULL, 0, 0, &r), LK_OK);
    assert_int_equal(r.num, 1);
    set_ok(s, T0, "one-too-many", "v", 0);
    for (int i = 0; i < KEYS_MAX; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        assert_int_equal(get_val(s, T0, key, NULL), i != 3);
    }
}

/* The slot 'key' lands in when the table is empty: its home slot. The table is left empty. */
static int home_slot(sim_store_model *s, const char *key) {
    lk_store_reply r;
    set_ok(s, T0, key, "v", 0);
    int home = -1;
    for (int i = 0; i < SIM_STORE_SLOTS; i++)
        if (s->ks.entry[i].type != SIM_KS_NONE) home = i;
    assert_int_equal(run_op(s, T0, LK_OP_DEL, key, NULL, 0, 0, &r), LK_OK);
    assert_int_equal(s->ks.count, 0);
    return home;
}

/* A probe run that wraps from the last slot to slot 0: keys with homes 253, 254, 254, 255, 255, 0,
 * 0, 1 fill slots 253..255 and 0..4. Deleting any one of them (and then any second one) must leave
 * every other key findable: backward shift has to treat a home "before" the hole cyclically. */
static void test_sim_store_model_delete_wrapped_run(void **state) {
    sim_store_model *s = *state;
    static const int homes[] = {253, 254, 254, 255, 255, 0, 0, 1};
    enum { N = sizeof(homes) / sizeof(homes[0]) };
    char keys[N][16];
    int taken[N] = {0};
    for (int c = 0, found = 0; found < N; c++) {
        assert_true(c < 100000);
        char name[16];
        snprintf(name, sizeof(name), "w%d", c);
        int h = home_slot(s, name);
        for (int i = 0; i < N; i++) {
            if (taken[i] || homes[i] != h) continue;
            taken[i] = 1;
            strcpy(keys[i], name);
            found++;
            break;
        }
    }
    for (int a = 0; a < N; a++) {
        for (int b = -1; b < N; b++) {
            if (b == a) continue;
            lk_store_reply r;
            sim_store_model_init(s);
            for (int i = 0; i < N; i++)
                set_ok(s, T0, keys[i], keys[i], 0);
            assert_int_equal(run_op(s, T0, LK_OP_DEL, keys[a], NULL, 0, 0, &r), LK_OK);
            assert_int_equal(r.num, 1);
            if (b >= 0) {
                assert_int_equal(run_op(s, T0, LK_OP_DEL, keys[b], NULL, 0, 0, &r), LK_OK);
                assert_int_equal(r.num, 1);
            }
            check_layout(s);
            for (int i = 0; i < N; i++) {
                char v[LK_VALUE_MAX] = "";
                int want = i != a && i != b;
                if (get_val(s, T0, keys[i], v) != want)
                    fail_msg("after deleting %s (home %d) and %s: %s (home %d) present=%d", keys[a],
                             homes[a], b >= 0 ? keys[b] : "-", keys[i], homes[i], !want);
                if (want) assert_string_equal(v, keys[i]);
            }
        }
    }
}

/* The reference: an unordered array with the same semantics, by linear search. */
typedef struct ref_entry {
    char key[16];
    char value[LK_VALUE_MAX];
    int64_t deadline_ms;
} ref_entry;

typedef struct ref_store {
    int count;
    ref_entry e[KEYS_MAX];
} ref_store;

static int ref_find(ref_store *rs, const char *key, lk_wall_ms now_ms) {
    for (int i = 0; i < rs->count; i++) {
        if (strcmp(rs->e[i].key, key) != 0) continue;
        if (rs->e[i].deadline_ms == 0 || now_ms <= rs->e[i].deadline_ms) return i;
        rs->e[i] = rs->e[--rs->count];
        return -1;
    }
    return -1;
}

static void ref_remove(ref_store *rs, int i) {
    rs->e[i] = rs->e[--rs->count];
}

static int ref_insert(ref_store *rs, const char *key) {
    if (rs->count == KEYS_MAX) return -1;
    ref_entry *e = &rs->e[rs->count];
    memset(e, 0, sizeof(*e));
    strcpy(e->key, key);
    return rs->count++;
}

/* INCR in the reference; returns the rc and fills 'r'. */
static lk_rc ref_incr(ref_store *rs, lk_wall_ms now_ms, const char *key, lk_store_reply *r) {
    int i = ref_find(rs, key, now_ms);
    long long v = 0;
    if (i >= 0) {
        char *end = NULL;
        v = strtoll(rs->e[i].value, &end, 10);
        if (rs->e[i].value[0] == '\0' || *end != '\0' || v == INT64_MAX) {
            r->outcome = LK_WRONG_TYPE;
            return LK_OK;
        }
    }
    if (i < 0 && (i = ref_insert(rs, key)) < 0) return LK_ELIMIT;
    snprintf(rs->e[i].value, sizeof(rs->e[i].value), "%lld", v + 1);
    r->outcome = LK_COUNT;
    r->num = v + 1;
    return LK_OK;
}

static int ref_owned(const char *value, const char *token) {
    size_t n = strlen(token);
    return strncmp(value, token, n) == 0 && (value[n] == '\0' || value[n] == ':');
}

static lk_rc ref_acquire(ref_store *rs, lk_wall_ms now_ms, const lk_store_op *op,
                         lk_store_reply *r) {
    int i = ref_find(rs, op->key, now_ms);
    if (i >= 0 && ref_owned(rs->e[i].value, op->value)) {
        r->outcome = LK_ALREADY_MINE;
        const char *colon = strchr(rs->e[i].value, ':');
        r->num = colon ? strtoll(colon + 1, NULL, 10) : 0;
        rs->e[i].deadline_ms = now_ms + op->ttl_ms;
        return LK_OK;
    }
    if (i >= 0) {
        r->outcome = LK_LOCKED;
        r->num = rs->e[i].deadline_ms == 0 ? -1 : rs->e[i].deadline_ms - now_ms;
        return LK_OK;
    }
    /* all or nothing: both keys must fit before the fence counter moves */
    if (rs->count + 1 + (ref_find(rs, op->aux_key, now_ms) < 0) > KEYS_MAX) return LK_ELIMIT;
    lk_store_reply f;
    memset(&f, 0, sizeof(f));
    lk_rc rc = ref_incr(rs, now_ms, op->aux_key, &f);
    if (rc != LK_OK) return rc;
    if (f.outcome != LK_COUNT) return LK_ESTORE_PROTO;
    if ((i = ref_insert(rs, op->key)) < 0) return LK_ELIMIT;
    snprintf(rs->e[i].value, sizeof(rs->e[i].value), "%s:%lld", op->value, (long long)f.num);
    rs->e[i].deadline_ms = now_ms + op->ttl_ms;
    r->outcome = LK_ACQUIRED;
    r->num = f.num;
    return LK_OK;
}

static lk_rc ref_exec(ref_store *rs, lk_wall_ms now_ms, const lk_store_op *op, lk_store_reply *r) {
    memset(r, 0, sizeof(*r));
    int i;
    switch (op->kind) {
    case LK_OP_GET:
        i = ref_find(rs, op->key, now_ms);
        r->outcome = i >= 0 ? LK_FOUND : LK_ABSENT;
        if (i >= 0) strcpy(r->value, rs->e[i].value);
        return LK_OK;
    case LK_OP_SET:
        i = ref_find(rs, op->key, now_ms);
        if (((op->flags & LK_SET_NX) && i >= 0) || ((op->flags & LK_SET_XX) && i < 0)) {
            r->outcome = LK_NOT_STORED;
            return LK_OK;
        }
        if (i < 0 && (i = ref_insert(rs, op->key)) < 0) return LK_ELIMIT;
        strcpy(rs->e[i].value, op->value);
        rs->e[i].deadline_ms = op->ttl_ms > 0 ? now_ms + op->ttl_ms : 0;
        r->outcome = LK_STORED;
        return LK_OK;
    case LK_OP_DEL:
        i = ref_find(rs, op->key, now_ms);
        if (i >= 0) ref_remove(rs, i);
        r->outcome = LK_COUNT;
        r->num = i >= 0;
        return LK_OK;
    case LK_OP_PEXPIRE:
        i = ref_find(rs, op->key, now_ms);
        r->outcome = i >= 0 ? LK_EXTENDED : LK_ABSENT;
        if (i >= 0 && op->ttl_ms <= 0)
            ref_remove(rs, i);
        else if (i >= 0)
            rs->e[i].deadline_ms = now_ms + op->ttl_ms;
        return LK_OK;
    case LK_OP_PTTL:
        i = ref_find(rs, op->key, now_ms);
        r->outcome = LK_COUNT;
        r->num = i < 0 ? -2 : rs->e[i].deadline_ms == 0 ? -1 : rs->e[i].deadline_ms - now_ms;
        return LK_OK;
    case LK_OP_INCR: return ref_incr(rs, now_ms, op->key, r);
    case LK_OP_SCAN_DEL:
        r->outcome = LK_COUNT;
        for (i = 0; i < rs->count;) {
            if (strncmp(rs->e[i].key, op->key, strlen(op->key)) != 0) {
                i++;
                continue;
            }
            r->num += rs->e[i].deadline_ms == 0 || now_ms <= rs->e[i].deadline_ms;
            ref_remove(rs, i);
        }
        return LK_OK;
    case LK_OP_ACQUIRE: return ref_acquire(rs, now_ms, op, r);
    case LK_OP_RELEASE:
    case LK_OP_EXTEND:
        i = ref_find(rs, op->key, now_ms);
        if (i < 0)
            r->outcome = LK_ABSENT;
        else if (!ref_owned(rs->e[i].value, op->value))
            r->outcome = LK_NOT_OWNER;
        else if (op->kind == LK_OP_RELEASE) {
            ref_remove(rs, i);
            r->outcome = LK_RELEASED;
        } else {
            rs->e[i].deadline_ms = now_ms + op->ttl_ms;
            r->outcome = LK_EXTENDED;
        }
        return LK_OK;
    default: return LK_EINVAL;
    }
}

static uint64_t rnd_next(uint64_t *x) {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

typedef struct live_set {
    int n;
    char key[KEYS_MAX][16];
    int64_t deadline_ms[KEYS_MAX];
} live_set;

static void live_collect(void *arg, const char *key, int64_t deadline_ms) {
    live_set *ls = arg;
    assert_true(ls->n < KEYS_MAX);
    strcpy(ls->key[ls->n], key);
    ls->deadline_ms[ls->n++] = deadline_ms;
}

/* Every live key of the model (by each()) is live in the reference with the same deadline, and the
 * numbers agree, without touching either store. */
static void compare_live(const sim_store_model *s, ref_store *rs, lk_wall_ms now_ms) {
    static live_set ls;
    ls.n = 0;
    sim_store_model_each(s, now_ms, live_collect, &ls);
    int ref_live = 0;
    for (int i = 0; i < rs->count; i++) {
        const ref_entry *e = &rs->e[i];
        if (e->deadline_ms != 0 && now_ms > e->deadline_ms) continue;
        ref_live++;
        int found = 0;
        for (int j = 0; j < ls.n && !found; j++)
            found = strcmp(ls.key[j], e->key) == 0 && ls.deadline_ms[j] == e->deadline_ms;
        if (!found) fail_msg("key %s live in the reference, not in the model", e->key);
    }
    assert_int_equal(ls.n, ref_live);
    assert_int_equal(s->ks.count, rs->count);
    check_layout(s);
}

static void test_sim_store_model_random_vs_reference(void **state) {
    sim_store_model *s = *state;
    static ref_store rs;
    memset(&rs, 0, sizeof(rs));
    uint64_t x = 0x2545F4914F6CDD1Dull;
    lk_wall_ms now_ms = T0;
    static const char *const tokens[] = {"t1", "t2", "t22"};
    int limit_hits = 0, deletes = 0;
    for (int step = 0; step < 20000; step++) {
        uint64_t a = rnd_next(&x);
        /* Time mostly moves forward; now and then the wall steps back. */
        if (a % 50 == 0)
            now_ms -= (int64_t)(rnd_next(&x) % 200);
        else
            now_ms += (int64_t)(rnd_next(&x) % 4);
        char key[16], aux[16], value[24];
        snprintf(key, sizeof(key), "k%u", (unsigned)(rnd_next(&x) % 260));
        snprintf(aux, sizeof(aux), "f%u", (unsigned)(rnd_next(&x) % 4));
        lk_store_op op = {.key = key};
        uint64_t kind = rnd_next(&x) % 100;
        /* Phases of 2500 ops: filling (SETs crowd out deletes, up to the limit), then mixed. */
        int filling = (step / 2500) % 2 == 0;
        if (filling && kind < 70) kind %= 35;
        int64_t ttl = (int64_t)(rnd_next(&x) % 60);
        const char *token = tokens[rnd_next(&x) % 3];
        if (kind < 35) {
            op.kind = LK_OP_SET;
            snprintf(value, sizeof(value), "%u", (unsigned)(rnd_next(&x) % 1000));
            op.value = rnd_next(&x) % 4 == 0 ? "str" : value;
            op.ttl_ms = ttl % 3 == 0 || filling ? 0 : ttl;
            op.flags = (unsigned)(rnd_next(&x) % 3);
        } else if (kind < 50) {
            op.kind = LK_OP_GET;
        } else if (kind < 62) {
            op.kind = LK_OP_DEL;
        } else if (kind < 67) {
            op.kind = LK_OP_PEXPIRE;
            op.ttl_ms = ttl - 5;
        } else if (kind < 72) {
            op.kind = LK_OP_PTTL;
        } else if (kind < 77) {
            op.kind = LK_OP_INCR;
        } else if (kind < 78) {
            op.kind = LK_OP_SCAN_DEL;
            snprintf(key, sizeof(key), "k%u", (unsigned)(rnd_next(&x) % 30));
        } else if (kind < 88) {
            op.kind = LK_OP_ACQUIRE;
            op.aux_key = aux;
            op.value = token;
            op.ttl_ms = ttl + 1;
        } else if (kind < 95) {
            op.kind = LK_OP_RELEASE;
            op.value = token;
        } else {
            op.kind = LK_OP_EXTEND;
            op.value = token;
            op.ttl_ms = ttl + 1;
        }
        lk_store_reply got, want;
        memset(&got, 0x5a, sizeof(got));
        lk_rc rc_got = sim_store_model_exec(s, now_ms, &op, &got);
        lk_rc rc_want = ref_exec(&rs, now_ms, &op, &want);
        if (rc_got != rc_want ||
            (rc_got == LK_OK && (got.outcome != want.outcome || got.num != want.num ||
                                 strcmp(got.value, want.value) != 0)))
            fail_msg(
                "step %d: %s %s at %lld: model rc %s %s %lld '%s', reference rc %s %s %lld '%s'",
                step, lk_op_label(op.kind), key, (long long)(now_ms - T0), lk_rc_name(rc_got),
                lk_outcome_label(got.outcome), (long long)got.num, got.value, lk_rc_name(rc_want),
                lk_outcome_label(want.outcome), (long long)want.num, want.value);
        limit_hits += rc_got == LK_ELIMIT;
        deletes += rc_got == LK_OK && (op.kind == LK_OP_DEL || op.kind == LK_OP_RELEASE) &&
                   (got.num == 1 || got.outcome == LK_RELEASED);
        if (step % 97 == 0) compare_live(s, &rs, now_ms);
    }
    compare_live(s, &rs, now_ms);
    /* The run must have exercised the full table and many deletions to prove anything. */
    assert_true(limit_hits > 0);
    assert_true(deletes > 500);
}

/* After any history, reset leaves the same bytes as init, and the store works again. */
static void test_sim_store_model_reset(void **state) {
    sim_store_model *s = *state;
    lk_store_reply r;
    char key[32];
    for (int i = 0; i < 150; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        set_ok(s, T0, key, "value", i % 2 ? 10 : 0);
    }
    for (int i = 0; i < 150; i += 3) {
        snprintf(key, sizeof(key), "k%d", i);
        assert_int_equal(run_op(s, T0 + 20, LK_OP_DEL, key, NULL, 0, 0, &r), LK_OK);
    }
    assert_int_equal(run_acquire(s, T0, "lk", "fence", "tok", 100, &r), LK_OK);
    check_layout(s);
    sim_store_model_reset(s);
    sim_store_model *fresh = calloc(1, sizeof(*fresh));
    assert_non_null(fresh);
    sim_store_model_init(fresh);
    int same = memcmp(s, fresh, sizeof(*s)) == 0;
    free(fresh);
    assert_true(same);
    assert_int_equal(get_val(s, T0, "k1", NULL), 0);
    set_ok(s, T0, "k1", "again", 0);
    assert_int_equal(get_val(s, T0, "k1", NULL), 1);
    assert_int_equal(s->ks.count, 1);
}

/* ---- limits ---------------------------------------------------------------------------------- */

static void test_sim_store_model_too_long(void **state) {
    sim_store_model *s = *state;
    lk_store_reply r;
    char key[LK_KEY_MAX + 1], value[LK_VALUE_MAX + 1];
    memset(key, 'k', sizeof(key));
    key[LK_KEY_MAX - 1] = '\0'; /* 127 bytes: the longest key */
    set_ok(s, T0, key, "v", 0);
    assert_int_equal(get_val(s, T0, key, NULL), 1);
    key[LK_KEY_MAX - 1] = 'k';
    key[LK_KEY_MAX] = '\0'; /* 128 bytes: too long */
    assert_int_equal(run_op(s, T0, LK_OP_SET, key, "v", 0, 0, &r), LK_EINVAL);
    assert_int_equal(r.outcome, LK_NONE);
    assert_int_equal(run_op(s, T0, LK_OP_GET, key, NULL, 0, 0, &r), LK_EINVAL);
    assert_int_equal(run_acquire(s, T0, "lk", key, "tok", 100, &r), LK_EINVAL); /* the fence key */
    assert_int_equal(get_val(s, T0, "lk", NULL), 0);
    /* A token must leave room for ":" and a 20-digit fence in a value. */
    memset(value, 't', sizeof(value));
    value[LK_VALUE_MAX - 22] = '\0'; /* 74 bytes */
    assert_int_equal(run_acquire(s, T0, "lk", "fence", value, 100, &r), LK_OK);
    assert_int_equal(r.outcome, LK_ACQUIRED);
    value[LK_VALUE_MAX - 22] = 't';
    value[LK_VALUE_MAX - 21] = '\0'; /* 75 bytes */
    assert_int_equal(run_acquire(s, T0, "lk2", "fence", value, 100, &r), LK_EINVAL);
    assert_int_equal(get_val(s, T0, "lk2", NULL), 0);
    assert_int_equal(s->ks.count, 3);
    /* A SET value is too long at LK_VALUE_MAX bytes without the NUL (lk_env.h: LK_VALUE_MAX is the
     * longest value an op reads or writes, NUL included). */
    memset(value, 'v', sizeof(value));
    value[LK_VALUE_MAX] = '\0';
    assert_int_equal(run_op(s, T0, LK_OP_SET, "big", value, 0, 0, &r), LK_EINVAL);
    assert_int_equal(get_val(s, T0, "big", NULL), 0);
}

/* lk_env.h: LK_VALUE_MAX (96) is the longest value a store op reads or writes, NUL included, so a
 * SET of a 95-byte value is valid, as it is on Redis, and GET returns it whole. */
static void test_sim_store_model_set_longest_value(void **state) {
    sim_store_model *s = *state;
    lk_store_reply r;
    char value[LK_VALUE_MAX], got[LK_VALUE_MAX];
    memset(value, 'v', sizeof(value));
    value[LK_VALUE_MAX - 1] = '\0';
    lk_rc rc = run_op(s, T0, LK_OP_SET, "big", value, 0, 0, &r);
    if (rc != LK_OK)
        fail_msg("SET of a %d-byte value returned %s; lk_env.h allows values up to %d bytes",
                 LK_VALUE_MAX - 1, lk_rc_name(rc), LK_VALUE_MAX - 1);
    assert_int_equal(get_val(s, T0, "big", got), 1);
    assert_string_equal(got, value);
}

/* ---- key sets -------------------------------------------------------------------------------- */

static void test_sim_store_model_op_keys(void **state) {
    (void)state;
    lk_key_set ks;
    lk_store_op acq = {
        .kind = LK_OP_ACQUIRE, .key = "lk", .aux_key = "fence", .value = "t", .ttl_ms = 1};
    lk_store_op_keys(&acq, &ks);
    assert_int_equal(ks.count, 2);
    assert_ptr_equal(ks.keys[0], acq.key);
    assert_ptr_equal(ks.keys[1], acq.aux_key);
    assert_int_equal(ks.writes[0], 1);
    assert_int_equal(ks.writes[1], 1);
    assert_int_equal(ks.is_prefix, 0);

    static const lk_op_kind reads[] = {LK_OP_GET, LK_OP_PTTL};
    for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
        lk_store_op op = {.kind = reads[i], .key = "k"};
        lk_store_op_keys(&op, &ks);
        assert_int_equal(ks.count, 1);
        assert_ptr_equal(ks.keys[0], op.key);
        assert_int_equal(ks.writes[0], 0);
        assert_int_equal(ks.is_prefix, 0);
    }
    static const lk_op_kind writes[] = {LK_OP_SET,  LK_OP_DEL,     LK_OP_PEXPIRE,
                                        LK_OP_INCR, LK_OP_RELEASE, LK_OP_EXTEND};
    for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
        lk_store_op op = {.kind = writes[i], .key = "k", .value = "t"};
        lk_store_op_keys(&op, &ks);
        assert_int_equal(ks.count, 1);
        assert_ptr_equal(ks.keys[0], op.key);
        assert_int_equal(ks.writes[0], 1);
        assert_int_equal(ks.is_prefix, 0);
    }
    lk_store_op scan = {.kind = LK_OP_SCAN_DEL, .key = "lk:{run1}:"};
    lk_store_op_keys(&scan, &ks);
    assert_int_equal(ks.count, 1);
    assert_ptr_equal(ks.keys[0], scan.key);
    assert_int_equal(ks.is_prefix, 1);
    assert_int_equal(ks.writes[0], 1);
}

/* ---- SCAN, REVOKE, ACQUIRE with an epoch (clear's ops) --------------------------------------- */

/* One SCAN after 'cursor' (NULL: no cursor) over 'prefix'; returns the outcome and the key. */
static lk_outcome scan_next(sim_store_model *s, lk_wall_ms now_ms, const char *prefix,
                            const char *cursor, char *key) {
    lk_store_reply r;
    assert_int_equal(run_op(s, now_ms, LK_OP_SCAN, prefix, cursor, 0, 0, &r), LK_OK);
    if (r.outcome == LK_ABSENT) {
        assert_string_equal(r.value, "");
    } else {
        assert_int_equal(r.outcome, LK_FOUND);
        assert_int_equal(strncmp(r.value, prefix, strlen(prefix)), 0);
    }
    strcpy(key, r.value);
    return r.outcome;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A walk from "" returns every live key with the prefix once, in strictly increasing key order,
 * whatever the slot order; keys outside the prefix never; then absent, and absent again. */
static void test_sim_store_model_scan_order(void **state) {
    sim_store_model *s = *state;
    static const char *const in[] = {"p:m", "p:",  "p:zz", "p:a", "p:b",  "p:ab",
                                     "p:A", "p:0", "p:z",  "p:~", "p:aa", "p:m1"};
    enum { IN_N = sizeof(in) / sizeof(in[0]) };
    static const char *const out[] = {"p", "o:a", "q:", "a", "P:a", "pp:a"};
    for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++)
        set_ok(s, T0, out[i], "v", 0);
    for (int i = 0; i < IN_N; i++)
        set_ok(s, T0, in[i], "v", i % 2 ? 1000 : 0);
    const char *want[IN_N];
    memcpy(want, in, sizeof(want));
    qsort(want, IN_N, sizeof(want[0]), cmp_str);
    char cursor[LK_KEY_MAX] = "", key[LK_KEY_MAX];
    for (int i = 0; i < IN_N; i++) {
        assert_int_equal(scan_next(s, T0, "p:", cursor, key), LK_FOUND);
        assert_string_equal(key, want[i]);
        assert_true(strcmp(key, cursor) > 0);
        strcpy(cursor, key);
    }
    assert_int_equal(scan_next(s, T0, "p:", cursor, key), LK_ABSENT);
    assert_int_equal(scan_next(s, T0, "p:", cursor, key), LK_ABSENT);
    /* No cursor (NULL) starts like ""; a cursor between keys resumes after it; the empty prefix
     * matches every key. */
    assert_int_equal(scan_next(s, T0, "p:", NULL, key), LK_FOUND);
    assert_string_equal(key, want[0]);
    assert_int_equal(scan_next(s, T0, "p:", "p:ab0", key), LK_FOUND);
    assert_string_equal(key, "p:b");
    assert_int_equal(scan_next(s, T0, "", NULL, key), LK_FOUND);
    assert_string_equal(key, "P:a");
    assert_int_equal(scan_next(s, T0, "", "P:a", key), LK_FOUND);
    assert_string_equal(key, "a");
    assert_int_equal(scan_next(s, T0, "nope:", "", key), LK_ABSENT);
    /* SCAN reads: nothing was removed or changed. */
    assert_int_equal(s->ks.count, IN_N + (int)(sizeof(out) / sizeof(out[0])));
    check_layout(s);
}

/* The walk below: even keys at the start; visiting key i deletes i + 4 when i % 6 == 0 and adds
 * i + 1 when i % 4 == 0. Returns 1 if key 'i' must be returned (once), 0 if never. */
static int scan_walk_deleted_ahead(int i) {
    return i % 2 == 0 && i >= 4 && (i - 4) % 6 == 0;
}

static int scan_walk_visits(int i) {
    if (i % 2 == 0) return !scan_walk_deleted_ahead(i);
    return (i - 1) % 4 == 0 && !scan_walk_deleted_ahead(i - 1);
}

/* Clear's walk: between calls the returned key is deleted, keys ahead are deleted or added, a key
 * behind the cursor is added. Every key live when the walk passes its place is returned exactly
 * once, a deleted one never, an added one behind the cursor never, in increasing order. */
static void test_sim_store_model_scan_stable_under_deletes(void **state) {
    sim_store_model *s = *state;
    lk_store_reply r;
    char key[LK_KEY_MAX], cursor[LK_KEY_MAX] = "";
    enum { N = 60 };
    int seen[N + 1] = {0};
    for (int i = 0; i < N; i += 2) { /* even keys now, odd ones added ahead during the walk */
        snprintf(key, sizeof(key), "w:%03d", i);
        set_ok(s, T0, key, "v", 0);
    }
    int steps = 0;
    while (scan_next(s, T0, "w:", cursor, key) == LK_FOUND) {
        assert_true(strcmp(key, cursor) > 0);
        int i = atoi(key + 2);
        assert_true(i >= 0 && i < N);
        seen[i]++;
        strcpy(cursor, key);
        assert_int_equal(run_op(s, T0, LK_OP_DEL, key, NULL, 0, 0, &r), LK_OK); /* the revoke */
        assert_int_equal(r.num, 1);
        char other[LK_KEY_MAX];
        if (i % 6 == 0 && i + 4 < N) { /* delete a key two places ahead */
            snprintf(other, sizeof(other), "w:%03d", i + 4);
            assert_int_equal(run_op(s, T0, LK_OP_DEL, other, NULL, 0, 0, &r), LK_OK);
        }
        if (i % 4 == 0 && i + 1 < N) { /* add a key just ahead */
            snprintf(other, sizeof(other), "w:%03d", i + 1);
            set_ok(s, T0, other, "v", 0);
        }
        if (i >= 2) { /* add a key behind the cursor */
            snprintf(other, sizeof(other), "w:%03d", i - 1);
            if (get_val(s, T0, other, NULL) == 0) set_ok(s, T0, other, "behind", 0);
        }
        check_layout(s);
        assert_true(++steps <= N);
    }
    for (int i = 0; i < N; i++) {
        int want = scan_walk_visits(i);
        if (seen[i] != want) fail_msg("w:%03d returned %d times, want %d", i, seen[i], want);
    }
}

/* Expired keys are skipped, and every expired key with the prefix is removed on the way (on Redis
 * the op walks the whole SCAN, which expires the keys it visits): after the wall steps back they do
 * not come back, while an expired key outside the prefix stays in the table. A key is returned at
 * its deadline and skipped one ms later. */
static void test_sim_store_model_scan_skips_expired(void **state) {
    sim_store_model *s = *state;
    char key[LK_KEY_MAX], v[LK_VALUE_MAX];
    set_ok(s, T0, "e:a", "v", 10);
    set_ok(s, T0, "e:b", "v", 0);
    set_ok(s, T0, "e:c", "v", 10);
    set_ok(s, T0, "e:d", "v", 100);
    set_ok(s, T0, "f:x", "v", 10); /* outside the prefix */
    assert_int_equal(scan_next(s, T0 + 10, "e:", "", key), LK_FOUND);
    assert_string_equal(key, "e:a"); /* at its deadline: still live */
    assert_int_equal(s->ks.count, 5);
    /* From e:a 1 ms later: e:a and e:c (expired, with the prefix) are both removed, whatever the cursor. */
    assert_int_equal(scan_next(s, T0 + 11, "e:", "e:a", key), LK_FOUND);
    assert_string_equal(key, "e:b");
    assert_int_equal(s->ks.count, 3);
    assert_int_equal(sim_store_model_peek(s, T0 + 5, "e:a", v), 0);
    assert_int_equal(sim_store_model_peek(s, T0 + 5, "e:c", v), 0);
    /* From the start: e:b again. */
    assert_int_equal(scan_next(s, T0 + 11, "e:", "", key), LK_FOUND);
    assert_string_equal(key, "e:b");
    assert_int_equal(s->ks.count, 3);
    assert_int_equal(scan_next(s, T0 + 11, "e:", "e:b", key), LK_FOUND);
    assert_string_equal(key, "e:d");
    assert_int_equal(scan_next(s, T0 + 101, "e:", "e:b", key), LK_ABSENT);
    assert_int_equal(s->ks.count, 2); /* e:d removed */
    check_layout(s);
    /* Back in time: the removed ones are gone for good; the one outside the prefix is back. */
    assert_int_equal(get_val(s, T0 + 5, "e:a", NULL), 0);
    assert_int_equal(get_val(s, T0 + 5, "e:c", NULL), 0);
    assert_int_equal(get_val(s, T0 + 5, "e:d", NULL), 0);
    assert_int_equal(get_val(s, T0 + 5, "e:b", NULL), 1);
    assert_int_equal(get_val(s, T0 + 5, "f:x", NULL), 1);
}

/* Many expired and live keys in interleaved slots: one SCAN removes every expired key of the prefix
 * (backward shifts move later keys into slots already passed) and still returns the smallest live
 * one; a walk then returns every live key once. */
static void test_sim_store_model_scan_expiry_dense(void **state) {
    sim_store_model *s = *state;
    char key[LK_KEY_MAX], cursor[LK_KEY_MAX] = "";
    for (int i = 0; i < KEYS_MAX; i++) {
        snprintf(key, sizeof(key), "%s%03d", i % 3 == 0 ? "o:" : "d:", i);
        set_ok(s, T0, key, "v", i % 2 == 0 ? 5 : 0);
    }
    int live = 0, first = -1;
    for (int i = 0; i < KEYS_MAX; i++)
        if (i % 3 != 0 && i % 2 == 1) {
            live++;
            if (first < 0) first = i;
        }
    assert_int_equal(scan_next(s, T0 + 10, "d:", "", key), LK_FOUND);
    assert_int_equal(atoi(key + 2), first);
    int expired_outside = 0;
    for (int i = 0; i < KEYS_MAX; i++)
        expired_outside += i % 3 == 0;
    assert_int_equal(s->ks.count, live + expired_outside); /* o: keys untouched, live or not */
    check_layout(s);
    int seen = 0;
    while (scan_next(s, T0 + 10, "d:", cursor, key) == LK_FOUND) {
        assert_true(strcmp(key, cursor) > 0);
        assert_int_equal(atoi(key + 2) % 2, 1);
        strcpy(cursor, key);
        assert_true(++seen <= live);
    }
    assert_int_equal(seen, live);
}

/* REVOKE key floor: absent; fence below the floor -> RELEASED, key gone; fence >= floor ->
 * NOT_OWNER, key and TTL untouched; a value without a (numeric) fence counts as fence 0. */
static void test_sim_store_model_revoke(void **state) {
    sim_store_model *s = *state;
    lk_store_reply r;
    char v[LK_VALUE_MAX];
    lk_store_op op = {.kind = LK_OP_REVOKE, .key = "k", .num = 10};
    assert_int_equal(sim_store_model_exec(s, T0, &op, &r), LK_OK);
    assert_int_equal(r.outcome, LK_ABSENT);
    static const struct {
        const char *value;
        int64_t floor;
        lk_outcome want;
    } cases[] = {
        {"tok:9", 10, LK_RELEASED},
        {"tok:10", 10, LK_NOT_OWNER},
        {"tok:11", 10, LK_NOT_OWNER},
        {"tok", 1, LK_RELEASED},
        {"tok", 0, LK_NOT_OWNER},
        {"tok:abc", 1, LK_RELEASED},
        {"tok:", 1, LK_RELEASED},
        {"tok:4294967297", INT64_C(1) << 32, LK_NOT_OWNER},
        {"tok:4294967295", INT64_C(1) << 32, LK_RELEASED},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        set_ok(s, T0, "k", cases[i].value, 1000);
        op.num = cases[i].floor;
        assert_int_equal(sim_store_model_exec(s, T0 + 100, &op, &r), LK_OK);
        if (r.outcome != cases[i].want)
            fail_msg("REVOKE of '%s' at floor %lld: %s, want %s", cases[i].value,
                     (long long)cases[i].floor, lk_outcome_label(r.outcome),
                     lk_outcome_label(cases[i].want));
        int kept = cases[i].want == LK_NOT_OWNER;
        assert_int_equal(get_val(s, T0 + 100, "k", v), kept);
        if (kept) {
            assert_string_equal(v, cases[i].value);
            assert_int_equal(pttl(s, T0 + 100, "k"), 900);
        }
        check_layout(s);
    }
    /* An expired lock is absent. */
    set_ok(s, T0, "k", "tok:1", 10);
    op.num = 100;
    assert_int_equal(sim_store_model_exec(s, T0 + 11, &op, &r), LK_OK);
    assert_int_equal(r.outcome, LK_ABSENT);
    /* A lock granted with an epoch: kept at its own epoch's floor, revoked at the next. */
    set_ok(s, T0, "ep", "3", 0);
    lk_store_op acq = {.kind = LK_OP_ACQUIRE,
                       .key = "lk",
                       .aux_key = "lk:fence",
                       .value = "tokA",
                       .ttl_ms = 1000,
                       .epoch_key = "ep"};
    assert_int_equal(sim_store_model_exec(s, T0, &acq, &r), LK_OK);
    assert_int_equal(r.outcome, LK_ACQUIRED);
    lk_store_op rev = {.kind = LK_OP_REVOKE, .key = "lk", .num = INT64_C(3) << 32};
    assert_int_equal(sim_store_model_exec(s, T0, &rev, &r), LK_OK);
    assert_int_equal(r.outcome, LK_NOT_OWNER);
    rev.num = INT64_C(4) << 32;
    assert_int_equal(sim_store_model_exec(s, T0, &rev, &r), LK_OK);
    assert_int_equal(r.outcome, LK_RELEASED);
    assert_int_equal(get_val(s, T0, "lk", NULL), 0);
    assert_int_equal(get_val(s, T0, "lk:fence", v), 1); /* the counter stays */
    assert_string_equal(v, "1");
}

static lk_rc run_acquire_epoch(sim_store_model *s, lk_wall_ms now_ms, const char *key,
                               const char *fence, const char *epoch, const char *token,
                               lk_store_reply *r) {
    lk_store_op op = {.kind = LK_OP_ACQUIRE,
                      .key = key,
                      .aux_key = fence,
                      .value = token,
                      .ttl_ms = 1000,
                      .epoch_key = epoch};
    return sim_store_model_exec(s, now_ms, &op, r);
}

/* ACQUIRE with an epoch key: fence = (epoch << 32) + counter; no epoch value is epoch 0 (and the
 * epoch key is only read, never created); a value that is not an integer in [0, INT32_MAX] is a
 * protocol error that changes nothing, byte for byte. */
static void test_sim_store_model_acquire_epoch(void **state) {
    sim_store_model *s = *state;
    lk_store_reply r;
    char v[LK_VALUE_MAX];
    assert_int_equal(run_acquire_epoch(s, T0, "lk", "lk:fence", "ep", "tokA", &r), LK_OK);
    assert_int_equal(r.outcome, LK_ACQUIRED);
    assert_int_equal(r.num, 1);
    assert_int_equal(get_val(s, T0, "ep", NULL), 0);
    assert_int_equal(s->ks.count, 2);
    set_ok(s, T0, "ep", "3", 0);
    assert_int_equal(run_acquire_epoch(s, T0, "lk2", "lk2:fence", "ep", "tokB", &r), LK_OK);
    assert_int_equal(r.outcome, LK_ACQUIRED);
    assert_int_equal(r.num, (INT64_C(3) << 32) + 1);
    assert_int_equal(get_val(s, T0, "lk2", v), 1);
    assert_string_equal(v, "tokB:12884901889");
    /* The counter goes on under the epoch; a re-acquire reports the stored fence, even after the
     * epoch moved. */
    assert_int_equal(run_op(s, T0, LK_OP_RELEASE, "lk", "tokA", 0, 0, &r), LK_OK);
    assert_int_equal(run_acquire_epoch(s, T0, "lk", "lk:fence", "ep", "tokC", &r), LK_OK);
    assert_int_equal(r.num, (INT64_C(3) << 32) + 2);
    set_ok(s, T0, "ep", "4", 0);
    assert_int_equal(run_acquire_epoch(s, T0, "lk", "lk:fence", "ep", "tokC", &r), LK_OK);
    assert_int_equal(r.outcome, LK_ALREADY_MINE);
    assert_int_equal(r.num, (INT64_C(3) << 32) + 2);
    /* The largest epoch is accepted: 2^21 - 1, so every fence stays below 2^53 (exact in Redis's Lua). */
    set_ok(s, T0, "ep", "2097151", 0);
    assert_int_equal(run_acquire_epoch(s, T0, "lk3", "lk3:fence", "ep", "tokD", &r), LK_OK);
    assert_int_equal(r.num, (INT64_C(2097151) << 32) + 1);
    /* Bad epochs: nothing changes. */
    static const char *const bad[] = {"abc", "-1", "2097152", "2147483648", "03", " 3", "3 ", "", "1.5"};
    sim_store_model *before = malloc(sizeof(*before));
    assert_non_null(before);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        set_ok(s, T0, "ep", bad[i], 0);
        memcpy(before, s, sizeof(*s));
        lk_rc rc = run_acquire_epoch(s, T0, "lk4", "lk4:fence", "ep", "tokE", &r);
        if (rc != LK_ESTORE_PROTO)
            fail_msg("epoch '%s': %s, want LK_ESTORE_PROTO", bad[i], lk_rc_name(rc));
        assert_int_equal(r.outcome, LK_NONE);
        assert_int_equal(memcmp(before, s, sizeof(*s)), 0);
    }
    free(before);
    assert_int_equal(get_val(s, T0, "lk4", NULL), 0);
    assert_int_equal(get_val(s, T0, "lk4:fence", NULL), 0);
    /* An expired epoch key is no epoch: 0. */
    set_ok(s, T0, "ep", "7", 10);
    assert_int_equal(run_acquire_epoch(s, T0 + 11, "lk5", "lk5:fence", "ep", "tokF", &r), LK_OK);
    assert_int_equal(r.num, 1);
    check_layout(s);
}

/* The key sets of clear's ops: ACQUIRE reads its epoch key (third key, read only); SCAN reads
 * every key with its prefix; REVOKE writes its key. */
static void test_sim_store_model_op_keys_epoch_scan_revoke(void **state) {
    (void)state;
    lk_key_set ks;
    lk_store_op acq = {.kind = LK_OP_ACQUIRE,
                       .key = "lk",
                       .aux_key = "lk:fence",
                       .value = "t",
                       .ttl_ms = 1,
                       .epoch_key = "ep"};
    lk_store_op_keys(&acq, &ks);
    assert_int_equal(ks.count, 3);
    assert_ptr_equal(ks.keys[0], acq.key);
    assert_ptr_equal(ks.keys[1], acq.aux_key);
    assert_ptr_equal(ks.keys[2], acq.epoch_key);
    assert_int_equal(ks.writes[0], 1);
    assert_int_equal(ks.writes[1], 1);
    assert_int_equal(ks.writes[2], 0);
    assert_int_equal(ks.is_prefix, 0);
    lk_store_op scan = {.kind = LK_OP_SCAN, .key = "lk:app:", .value = "lk:app:a"};
    lk_store_op_keys(&scan, &ks);
    assert_int_equal(ks.count, 1);
    assert_ptr_equal(ks.keys[0], scan.key);
    assert_int_equal(ks.is_prefix, 1);
    assert_int_equal(ks.writes[0], 0);
    lk_store_op revoke = {.kind = LK_OP_REVOKE, .key = "lk:app:a", .num = 1};
    lk_store_op_keys(&revoke, &ks);
    assert_int_equal(ks.count, 1);
    assert_ptr_equal(ks.keys[0], revoke.key);
    assert_int_equal(ks.writes[0], 1);
    assert_int_equal(ks.is_prefix, 0);
}

/* Keys may be up to LK_KEY_MAX - 1 bytes, but SCAN reports the key it found in the reply's value,
 * LK_VALUE_MAX bytes: the reply must never be written past its end, whatever the key's length.
 * The reply sits in a static struct with a guard zone right behind it. */
static struct {
    lk_store_reply r;
    unsigned char guard[64];
} scan_pad;

static void test_sim_store_model_scan_long_key_reply_in_bounds(void **state) {
    sim_store_model *s = *state;
    char key[LK_KEY_MAX];
    memset(key, 'k', sizeof(key));
    memcpy(key, "long:", 5);
    key[LK_KEY_MAX - 1] = '\0';
    set_ok(s, T0, key, "v", 0);
    memset(scan_pad.guard, 0x5a, sizeof(scan_pad.guard));
    lk_rc rc = run_op(s, T0, LK_OP_SCAN, "long:", "", 0, 0, &scan_pad.r);
    int spilled = 0;
    for (size_t i = 0; i < sizeof(scan_pad.guard); i++)
        spilled += scan_pad.guard[i] != 0x5a;
    if (spilled)
        fail_msg("SCAN of a %d-byte key returned %s and wrote %d byte(s) past lk_store_reply "
                 "(value[%d])",
                 LK_KEY_MAX - 1, lk_rc_name(rc), spilled, LK_VALUE_MAX);
}

/* A walk's cursor is the last key SCAN returned, so any valid key must be accepted as a cursor. */
static void test_sim_store_model_scan_long_cursor_accepted(void **state) {
    sim_store_model *s = *state;
    char key[LK_KEY_MAX], next[LK_KEY_MAX];
    memset(key, 'k', sizeof(key));
    memcpy(key, "long:", 5);
    key[LK_KEY_MAX - 1] = '\0'; /* the longest key */
    set_ok(s, T0, key, "v", 0);
    set_ok(s, T0, "long:z", "v", 0);
    lk_store_reply r;
    lk_rc rc = run_op(s, T0, LK_OP_SCAN, "long:", key, 0, 0, &r);
    if (rc != LK_OK)
        fail_msg("SCAN after a %zu-byte cursor (a valid key) returned %s", strlen(key),
                 lk_rc_name(rc));
    assert_int_equal(r.outcome, LK_FOUND);
    strcpy(next, r.value);
    assert_string_equal(next, "long:z");
}

/* Runs a command on the store's keys (no connection) and returns its reply formatted on one line. */
static const char *store_cmd(sim_store_model *s, lk_wall_ms now_ms, int argc, const char *const *argv) {
    static char text[512];
    size_t len[8];
    for (int i = 0; i < argc; i++)
        len[i] = strlen(argv[i]);
    lk_reply_node nodes[16];
    char bytes[512];
    lk_reply r;
    lk_reply_init(&r, nodes, 16, bytes, sizeof(bytes));
    assert_int_equal(sim_store_model_command(s, NULL, now_ms, argc, argv, len, &r), LK_OK);
    return lk_reply_format(&r, 0, text, sizeof(text));
}

/* Commands and fixed ops share one key space: a lock the composite wrote is a string a command reads and can
 * change; a key of another type that a command made is refused by the fixed ops that need a string (as the Redis
 * scripts would fail on WRONGTYPE) and replaced by SET; DEL, PTTL and PEXPIRE act on any type. */
static void test_sim_store_model_commands_share_keys(void **state) {
    sim_store_model *s = *state;
    lk_store_reply r;
    assert_int_equal(run_acquire(s, T0, "lk:a", "lk:a:fence", "tA", 100, &r), LK_OK);
    assert_int_equal(r.outcome, LK_ACQUIRED);
    const char *get[] = {"GET", "lk:a"}, *pttl_cmd[] = {"PTTL", "lk:a"}, *hget[] = {"HGET", "lk:a", "f"};
    assert_string_equal(store_cmd(s, T0, 2, get), "\"tA:1\"");
    assert_string_equal(store_cmd(s, T0 + 40, 2, pttl_cmd), "(integer) 60");
    assert_string_equal(store_cmd(s, T0, 3, hget),
                        "(error) WRONGTYPE Operation against a key holding the wrong kind of value");
    const char *set[] = {"SET", "lk:a", "tB:9", "PX", "50"};
    assert_string_equal(store_cmd(s, T0, 5, set), "OK");
    assert_int_equal(run_op(s, T0, LK_OP_RELEASE, "lk:a", "tA", 0, 0, &r), LK_OK);
    assert_int_equal(r.outcome, LK_NOT_OWNER);
    const char *hset[] = {"HSET", "h", "mode", "read"};
    assert_string_equal(store_cmd(s, T0, 4, hset), "(integer) 1");
    assert_int_equal(run_op(s, T0, LK_OP_GET, "h", NULL, 0, 0, &r), LK_ESTORE_PROTO);
    assert_int_equal(r.outcome, LK_NONE);
    assert_int_equal(run_acquire(s, T0, "h", "h:fence", "tA", 100, &r), LK_ESTORE_PROTO);
    assert_int_equal(run_op(s, T0, LK_OP_INCR, "h", NULL, 0, 0, &r), LK_OK);
    assert_int_equal(r.outcome, LK_WRONG_TYPE);
    assert_int_equal(pttl(s, T0, "h"), -1);
    assert_int_equal(run_op(s, T0, LK_OP_PEXPIRE, "h", NULL, 30, 0, &r), LK_OK);
    assert_int_equal(pttl(s, T0, "h"), 30);
    set_ok(s, T0, "h", "now a string", 0); /* SET replaces any type, as in Redis */
    const char *type[] = {"TYPE", "h"};
    assert_string_equal(store_cmd(s, T0, 2, type), "string");
    assert_int_equal(pttl(s, T0, "h"), -1);
    check_layout(s);
}

#define STORE_TEST(f) cmocka_unit_test_setup_teardown(f, store_setup, store_teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        STORE_TEST(test_sim_store_model_get_set),
        STORE_TEST(test_sim_store_model_commands_share_keys),
        STORE_TEST(test_sim_store_model_set_nx),
        STORE_TEST(test_sim_store_model_set_xx),
        STORE_TEST(test_sim_store_model_set_px_deadline),
        STORE_TEST(test_sim_store_model_set_clears_ttl),
        STORE_TEST(test_sim_store_model_del_count),
        STORE_TEST(test_sim_store_model_pexpire),
        STORE_TEST(test_sim_store_model_pttl),
        STORE_TEST(test_sim_store_model_incr),
        STORE_TEST(test_sim_store_model_incr_strict_integer),
        STORE_TEST(test_sim_store_model_scan_del),
        STORE_TEST(test_sim_store_model_scan_del_dense),
        STORE_TEST(test_sim_store_model_acquire),
        STORE_TEST(test_sim_store_model_release),
        STORE_TEST(test_sim_store_model_release_prefix_token),
        STORE_TEST(test_sim_store_model_extend),
        STORE_TEST(test_sim_store_model_lazy_expiry_backward_step),
        STORE_TEST(test_sim_store_model_capacity),
        STORE_TEST(test_sim_store_model_delete_wrapped_run),
        STORE_TEST(test_sim_store_model_random_vs_reference),
        STORE_TEST(test_sim_store_model_reset),
        STORE_TEST(test_sim_store_model_too_long),
        STORE_TEST(test_sim_store_model_set_longest_value),
        STORE_TEST(test_sim_store_model_op_keys),
        STORE_TEST(test_sim_store_model_scan_order),
        STORE_TEST(test_sim_store_model_scan_stable_under_deletes),
        STORE_TEST(test_sim_store_model_scan_skips_expired),
        STORE_TEST(test_sim_store_model_scan_expiry_dense),
        STORE_TEST(test_sim_store_model_revoke),
        STORE_TEST(test_sim_store_model_acquire_epoch),
        STORE_TEST(test_sim_store_model_op_keys_epoch_scan_revoke),
        STORE_TEST(test_sim_store_model_scan_long_key_reply_in_bounds),
        STORE_TEST(test_sim_store_model_scan_long_cursor_accepted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
