/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sim_fastpath.c: proves the model store's C fast path for the lock composites (sim/model/sim_store_model.c)
 * equal to the Lua scripts the Redis store sends (core/lk_scripts.h): one source of truth.
 *
 * How: two key spaces start equal. A fixed-seed random walk applies, at each step, the same store history to both
 * (SETs of odd values too: fences that are not numbers, epochs at and past 2^21 - 1, counters at 2^32 - 1, foreign
 * tokens, TTLs), then one composite (ACQUIRE with and without an epoch key, RELEASE, EXTEND, REVOKE) through the
 * fast path on one and as EVAL of its script on the other, with the keys and arguments the Redis store passes; the
 * script's reply is mapped as the Redis store maps it. The return code, outcome and number must be equal, and so must
 * the two key spaces, compared key by key (type, value, deadline: the layouts may differ, a script writes by DEL and
 * SET). Time moves forward and back between steps, so expiry and PTTL are compared too. The two SCAN composites run
 * SCAN inside a script, which the model refuses (a script's keys must be known before it runs); the conformance test
 * against a real Redis covers them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lk_scripts.h"
#include "sim/model/sim_store_model.h"

#ifdef RACEBED_HAVE_LUA

enum { STEPS = 20000 };

static uint64_t rng_state = 7;

static uint64_t rnd(uint64_t n) {
    uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return (z ^ (z >> 31)) % n;
}

#define PICK(arr) ((arr)[rnd(sizeof(arr) / sizeof((arr)[0]))])

static const char *const LOCKS[] = {"lk:a", "lk:b"};
static const char *const TOKENS[] = {"tA", "tB", "tAB"};
static const char *const ODD[] = {"tA", "tA:7", "tB:x", "tA:", "tAB:9007199254740993", "0", "7", "2097150",
                                  "2097151", "2097152", "-1", "4294967294", "4294967295", "abc", "007", ""};

/* The whole key space as text, key by key in key order: "key type deadline value;". */
static void dump(const sim_store_model *s, char *out, size_t cap) {
    const sim_keyspace *ks = &s->ks;
    int order[SIM_KS_SLOTS], n = 0;
    for (int i = 0; i < SIM_KS_SLOTS; i++)
        if (ks->entry[i].type != SIM_KS_NONE) order[n++] = i;
    for (int a = 1; a < n; a++) /* insertion sort by key bytes */
        for (int b = a; b > 0; b--) {
            uint32_t la, lb;
            const unsigned char *ka = sim_ks_key(ks, order[b - 1], &la), *kb = sim_ks_key(ks, order[b], &lb);
            int d = memcmp(ka, kb, la < lb ? la : lb);
            if (d < 0 || (d == 0 && la <= lb)) break;
            int t = order[b];
            order[b] = order[b - 1];
            order[b - 1] = t;
        }
    size_t used = 0;
    out[0] = '\0';
    for (int k = 0; k < n && used < cap; k++) {
        uint32_t kl, vl;
        const unsigned char *key = sim_ks_key(ks, order[k], &kl);
        const unsigned char *v = sim_ks_value_const(ks, order[k], &vl);
        used += (size_t)snprintf(out + used, cap - used, "%.*s %u %" PRId64 " %.*s; ", (int)kl, (const char *)key,
                                 ks->entry[order[k]].type, ks->entry[order[k]].deadline_ms, (int)vl, (const char *)v);
    }
}

/* The composite as the Redis store runs it: EVAL of its script on 'm', the reply mapped to rc, outcome and num. */
static lk_rc via_script(sim_store_model *m, lk_wall_ms now_ms, const lk_store_op *op, lk_store_reply *r) {
    static const lk_outcome acquire_o[3] = {LK_ACQUIRED, LK_ALREADY_MINE, LK_LOCKED};
    static const lk_outcome release_o[3] = {LK_RELEASED, LK_NOT_OWNER, LK_ABSENT};
    static const lk_outcome extend_o[3] = {LK_EXTENDED, LK_NOT_OWNER, LK_ABSENT};
    char ttl[24], num[24];
    snprintf(ttl, sizeof(ttl), "%" PRId64, op->ttl_ms);
    snprintf(num, sizeof(num), "%" PRId64, op->num);
    const char *argv[8];
    int argc = 0;
    const lk_outcome *pair;
    switch (op->kind) {
    case LK_OP_ACQUIRE:
        argv[argc++] = lk_script_text(LK_SCRIPT_ACQUIRE);
        argv[argc++] = op->epoch_key ? "3" : "2";
        argv[argc++] = op->key;
        argv[argc++] = op->aux_key;
        if (op->epoch_key) argv[argc++] = op->epoch_key;
        argv[argc++] = op->value;
        argv[argc++] = ttl;
        pair = acquire_o;
        break;
    case LK_OP_RELEASE:
    case LK_OP_EXTEND: {
        const char *a[] = {lk_script_text(op->kind == LK_OP_RELEASE ? LK_SCRIPT_RELEASE : LK_SCRIPT_EXTEND), "1",
                           op->key, op->value, ttl};
        argc = op->kind == LK_OP_RELEASE ? 4 : 5;
        memcpy(argv, a, sizeof(a));
        pair = op->kind == LK_OP_RELEASE ? release_o : extend_o;
        break;
    }
    default: {
        const char *a[] = {lk_script_text(LK_SCRIPT_REVOKE), "1", op->key, num};
        argc = 4;
        memcpy(argv, a, sizeof(a));
        pair = release_o;
    }
    }
    const char *full[9] = {"EVAL"};
    size_t len[9];
    for (int i = 0; i < argc; i++)
        full[i + 1] = argv[i];
    for (int i = 0; i <= argc; i++)
        len[i] = strlen(full[i]);
    lk_reply_node nodes[8];
    char bytes[512];
    lk_reply rep;
    lk_reply_init(&rep, nodes, 8, bytes, sizeof(bytes));
    memset(r, 0, sizeof(*r));
    lk_rc rc = sim_store_model_command(m, NULL, now_ms, argc + 1, full, len, &rep);
    if (rc != LK_OK) fail_msg("EVAL of the %s script: %s", lk_op_label(op->kind), lk_rc_name(rc));
    if (rep.node[0].type == LK_REPLY_ERROR) return LK_ESTORE_PROTO; /* as the Redis store maps a script error */
    assert_int_equal(rep.node[0].type, LK_REPLY_ARRAY);
    assert_int_equal(rep.node[0].len, 2); /* {code, number} */
    int64_t code = rep.node[1].integer;
    assert_true(code >= 1 && code <= 3);
    r->outcome = pair[code - 1];
    r->num = rep.node[2].integer;
    return LK_OK;
}

/* Applies the same plain op to both. */
static void both(sim_store_model *a, sim_store_model *b, lk_wall_ms now_ms, const lk_store_op *op) {
    lk_store_reply r;
    lk_rc ra = sim_store_model_exec(a, now_ms, op, &r);
    lk_rc rb = sim_store_model_exec(b, now_ms, op, &r);
    assert_int_equal(ra, rb);
}

static void random_history(sim_store_model *a, sim_store_model *b, lk_wall_ms now_ms) {
    static const char *const KEYS_ALL[] = {"lk:a", "lk:b", "lk:a:fence", "lk:b:fence", "ep"};
    if (rnd(3) == 0) {
        lk_store_op set = {.kind = LK_OP_SET, .key = PICK(KEYS_ALL), .value = PICK(ODD), .ttl_ms = (int64_t)rnd(3) * 50};
        both(a, b, now_ms, &set);
    }
    if (rnd(8) == 0) {
        lk_store_op del = {.kind = LK_OP_DEL, .key = PICK(KEYS_ALL)};
        both(a, b, now_ms, &del);
    }
}

static void test_sim_fastpath_equals_scripts(void **state) {
    (void)state;
    sim_store_model *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
    assert_true(a && b);
    sim_store_model_init(a);
    sim_store_model_init(b);
    static char da[8192], db[8192];
    lk_wall_ms now_ms = 1700000000000;
    int per_kind[LK_OP_COUNT_] = {0}, proto = 0;
    for (int step = 0; step < STEPS; step++) {
        now_ms += (int64_t)rnd(120) - (rnd(10) == 0 ? 200 : 0);
        random_history(a, b, now_ms);
        const char *lock = PICK(LOCKS);
        char fence[32];
        snprintf(fence, sizeof(fence), "%s:fence", lock);
        static const lk_op_kind kinds[] = {LK_OP_ACQUIRE, LK_OP_ACQUIRE, LK_OP_RELEASE, LK_OP_EXTEND, LK_OP_REVOKE};
        lk_store_op op = {.kind = PICK(kinds), .key = lock, .value = PICK(TOKENS), .ttl_ms = 1 + (int64_t)rnd(200)};
        if (op.kind == LK_OP_ACQUIRE) {
            op.aux_key = fence;
            op.epoch_key = rnd(2) ? "ep" : NULL;
        }
        if (op.kind == LK_OP_REVOKE) {
            op.value = NULL;
            op.num = (int64_t)rnd(4) << (rnd(2) ? 32 : 0);
        }
        lk_store_reply fast, slow;
        lk_rc rf = sim_store_model_exec(a, now_ms, &op, &fast);
        lk_rc rs = via_script(b, now_ms, &op, &slow);
        if (rf != rs || (rf == LK_OK && (fast.outcome != slow.outcome || fast.num != slow.num)))
            fail_msg("step %d: %s %s: fast path %s %s %" PRId64 ", script %s %s %" PRId64, step, lk_op_label(op.kind),
                     op.key, lk_rc_name(rf), lk_outcome_label(fast.outcome), fast.num, lk_rc_name(rs),
                     lk_outcome_label(slow.outcome), slow.num);
        dump(a, da, sizeof(da));
        dump(b, db, sizeof(db));
        if (strcmp(da, db) != 0) fail_msg("step %d: %s: the stores differ\n fast:   %s\n script: %s", step,
                                          lk_op_label(op.kind), da, db);
        per_kind[op.kind]++;
        proto += rf == LK_ESTORE_PROTO;
    }
    fprintf(stderr, "fast path = scripts: %d steps (acquire %d, release %d, extend %d, revoke %d; %d script errors)\n",
            STEPS, per_kind[LK_OP_ACQUIRE], per_kind[LK_OP_RELEASE], per_kind[LK_OP_EXTEND], per_kind[LK_OP_REVOKE],
            proto);
    assert_true(proto > 0); /* the odd values reached the error paths */
    free(a);
    free(b);
}

#else

static void test_sim_fastpath_equals_scripts(void **state) {
    (void)state;
    skip(); /* racebed built without Lua: the scripts cannot run on the model */
}

#endif

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_fastpath_equals_scripts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
