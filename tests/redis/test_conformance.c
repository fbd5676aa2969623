/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_conformance.c: proves design.md §3's promise that the model store (sim/sim_store_model.c) and the Redis
 * adapter (core/lk_redis_store.c) give identical replies to identical op sequences, including TTL arithmetic and
 * lazy expiry when the server's wall clock jumps forward and steps back.
 *
 * How: one test-owned redis-server runs under racebed's gettimeofday shim with active expiry off (sim/sim_redis_server.h).
 * For each of CONF_SEQUENCES fixed-seed sequences the test empties both stores and applies CONF_OPS random ops over a
 * small key space (every primitive and composite of lk_env.h: GET, SET NX/XX/PX, DEL, PEXPIRE, PTTL, INCR, SCAN_DEL,
 * SCAN with a cursor, ACQUIRE with and without an epoch key, RELEASE, EXTEND, REVOKE; tokens without ':'; TTLs of
 * 1..300 ms). Before each op the server clock moves forward by 0..200 ms, lands exactly on a live key's deadline or
 * one ms past it, or steps back by up to 400 ms; the op goes to the model at that time and to Redis after the time
 * page says the same (COMMAND, any command of the table, and READ, a read of what the server pushed to a connection,
 * are not drawn: test_command_conformance.c compares them). rc, outcome, num and value must be identical. A mismatch
 * names the sequence (and the RACEBED_CONFORMANCE_SEQ that replays it), the op index, the op and both replies, and
 * prints the sequence's ops so far; the sequence stops there (the stores have diverged) and the others still run, so
 * one report lists every kind of divergence. A second random test does the same with odd values (integers at the
 * edges of INCR, non-canonical numbers, empty strings, fences that are not integers, epochs out of range), where
 * Lua's number conversions (doubles, tonumber) could drift from the model's exact int64 parsing.
 * Scripted tests pin single facts: the shim drives expiry at the millisecond boundary, lazily, across a step back;
 * SCAN expires the same keys on both sides; fences above 2^53 stay exact; each odd epoch, fence counter and lock
 * value gets the same reply (each run separately, so all divergences are listed).
 *
 * RACEBED_CONFORMANCE_SEQ=N runs sequence N of each test only; RACEBED_CONFORMANCE_VERBOSE=1 prints every op.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lk_redis_store.h"
#include "sim/model/sim_store_model.h"
#include "sim/real/sim_redis_server.h"

enum {
    CONF_SEQUENCES = 200,      /* sequences of the main test */
    CONF_EDGE_SEQUENCES = 100, /* sequences of the odd-values test */
    CONF_OPS = 60,             /* ops per sequence */
    CONF_HISTORY_PRINTS = 3,   /* mismatches printed with their full op history */
    CONF_DESC_MAX = 320,       /* one op or reply described, bytes */
    CONF_DEADLINES_MAX = 64,   /* live deadlines collected for a time jump */
};

static const uint64_t CONF_SEED = UINT64_C(0x726163656265642d);      /* "racebed-" */
static const uint64_t CONF_EDGE_SEED = UINT64_C(0x656467652d76616c); /* "edge-val" */
static const lk_wall_ms CONF_WALL_START_MS = 1700000000000;          /* 2023-11-14, ms since the epoch */

/* The fixture: guarded by the test's main thread. */
typedef struct conf_fixture {
    rb_redis redis;         /* the owned server, under the shim */
    lk_redis_store *store;  /* the adapter under test */
    sim_store_model *model; /* the reference */
    int skip;               /* 1: redis-server is missing and not required */
    char why[768];          /* why the fixture could not start, or "" */
} conf_fixture;

/* splitmix64: a fixed generator, so each sequence is a function of its seed alone. */
typedef struct conf_rng {
    uint64_t state; /* advanced by every draw */
} conf_rng;

static uint64_t conf_next(conf_rng *g) {
    uint64_t z = (g->state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* A draw in [0, n). */
static int64_t conf_below(conf_rng *g, int64_t n) {
    return (int64_t)(conf_next(g) % (uint64_t)n);
}

#define CONF_PICK(g, arr) ((arr)[conf_below((g), (int64_t)(sizeof(arr) / sizeof((arr)[0])))])

/* ---- the op space --------------------------------------------------------------------------------------------- */

static const char *const CONF_KEYS[] = {"lk:a",        "lk:b",     "lk:ab", "lk:a:fence", "lk:b:fence",
                                        "lk:ab:fence", "lk:epoch", "q:x",   "q:y"};
static const char *const CONF_LOCK_KEYS[] = {"lk:a", "lk:b", "lk:ab"};
static const char *const CONF_TOKENS[] = {"tA", "tB", "tC"};
static const char *const CONF_SCAN_PREFIXES[] = {"lk:", "lk:a", "q:", ""};
static const char *const CONF_DEL_PREFIXES[] = {"lk:a", "q:", "q:", "lk:ab", "lk:", ""};
/* Values the lock protocol and counters write. */
static const char *const CONF_VALUES[] = {"tA", "tB", "tA:1", "tB:2", "tC:7", "0", "1", "41", "-3", "x"};
/* Odd values for the edge test. */
static const char *const CONF_EDGE_VALUES[] = {"9223372036854775807",
                                               "9223372036854775806",
                                               "-9223372036854775808",
                                               "007",
                                               "-0",
                                               "1.5",
                                               "0x10",
                                               "1e3",
                                               " 5",
                                               "5 ",
                                               "+5",
                                               "",
                                               "2147483647",
                                               "2147483648",
                                               "4294967296",
                                               "tA:007",
                                               "tA:1.5",
                                               "tA:",
                                               "tA:x",
                                               "tA:-4",
                                               "tA:9007199254740993",
                                               "tB:4294967297",
                                               "tA",
                                               "3",
                                               "0"};

/* One generated op with the storage its strings point into. */
typedef struct conf_op {
    lk_store_op op;           /* points into the arrays below or at static strings */
    char aux[LK_KEY_MAX];     /* ACQUIRE: key + ":fence" */
    char value[LK_VALUE_MAX]; /* SCAN: the cursor */
} conf_op;

/* Per-sequence generator state. */
typedef struct conf_gen {
    conf_rng rng;                 /* the sequence's stream */
    int edge;                     /* 1: draw SET values from CONF_EDGE_VALUES too */
    char last_scan[LK_VALUE_MAX]; /* the last key a SCAN returned, "" for none */
} conf_gen;

static void conf_gen_op(conf_gen *g, conf_op *c) {
    static const lk_op_kind kinds[] = {LK_OP_GET,     LK_OP_GET,     LK_OP_SET,      LK_OP_SET,     LK_OP_SET,
                                       LK_OP_DEL,     LK_OP_PEXPIRE, LK_OP_PEXPIRE,  LK_OP_PTTL,    LK_OP_PTTL,
                                       LK_OP_INCR,    LK_OP_INCR,    LK_OP_SCAN_DEL, LK_OP_SCAN,    LK_OP_SCAN,
                                       LK_OP_ACQUIRE, LK_OP_ACQUIRE, LK_OP_ACQUIRE,  LK_OP_ACQUIRE, LK_OP_RELEASE,
                                       LK_OP_RELEASE, LK_OP_EXTEND,  LK_OP_EXTEND,   LK_OP_REVOKE};
    memset(c, 0, sizeof(*c));
    lk_store_op *op = &c->op;
    op->kind = CONF_PICK(&g->rng, kinds);
    op->key = CONF_PICK(&g->rng, CONF_KEYS);
    int64_t ttl_ms = 1 + conf_below(&g->rng, 300);
    switch (op->kind) {
    case LK_OP_SET:
        op->value =
            g->edge && conf_below(&g->rng, 2) ? CONF_PICK(&g->rng, CONF_EDGE_VALUES) : CONF_PICK(&g->rng, CONF_VALUES);
        op->flags = (unsigned)CONF_PICK(&g->rng, ((const int[]){0, 0, LK_SET_NX, LK_SET_XX}));
        op->ttl_ms = conf_below(&g->rng, 5) < 2 ? 0 : ttl_ms;
        break;
    case LK_OP_PEXPIRE: op->ttl_ms = ttl_ms; break;
    case LK_OP_INCR:
        if (conf_below(&g->rng, 2)) op->key = CONF_PICK(&g->rng, ((const char *const[]){"lk:a:fence", "lk:epoch"}));
        break;
    case LK_OP_SCAN_DEL: op->key = CONF_PICK(&g->rng, CONF_DEL_PREFIXES); break;
    case LK_OP_SCAN: {
        op->key = CONF_PICK(&g->rng, CONF_SCAN_PREFIXES);
        int64_t p = conf_below(&g->rng, 10);
        const char *cursor = p < 4 ? "" : p < 8 ? g->last_scan : CONF_PICK(&g->rng, CONF_KEYS);
        snprintf(c->value, sizeof(c->value), "%s", cursor);
        op->value = c->value;
        break;
    }
    case LK_OP_ACQUIRE:
        op->key = CONF_PICK(&g->rng, CONF_LOCK_KEYS);
        snprintf(c->aux, sizeof(c->aux), "%s:fence", op->key);
        op->aux_key = c->aux;
        op->value = CONF_PICK(&g->rng, CONF_TOKENS);
        op->ttl_ms = ttl_ms;
        op->epoch_key = conf_below(&g->rng, 2) ? "lk:epoch" : NULL;
        break;
    case LK_OP_RELEASE:
    case LK_OP_EXTEND:
        op->key = CONF_PICK(&g->rng, CONF_LOCK_KEYS);
        op->value = CONF_PICK(&g->rng, CONF_TOKENS);
        op->ttl_ms = op->kind == LK_OP_EXTEND ? ttl_ms : 0;
        break;
    case LK_OP_REVOKE:
        op->key = CONF_PICK(&g->rng, CONF_LOCK_KEYS);
        op->num = conf_below(&g->rng, 5) < 3 ? conf_below(&g->rng, 5) : (INT64_C(1) << 32) + conf_below(&g->rng, 3);
        break;
    default: break; /* GET, DEL, PTTL: the key only */
    }
}

/* ---- the server clock ------------------------------------------------------------------------------------------ */

typedef struct conf_deadlines {
    int64_t ms[CONF_DEADLINES_MAX]; /* live keys' deadlines, server wall ms */
    int count;                      /* entries in 'ms' */
} conf_deadlines;

static void conf_collect_deadline(void *arg, const char *key, int64_t deadline_ms) {
    conf_deadlines *d = arg;
    (void)key;
    if (deadline_ms != 0 && d->count < CONF_DEADLINES_MAX) d->ms[d->count++] = deadline_ms;
}

/* The server time of the next op: mostly forward by 0..200 ms; sometimes exactly a live key's deadline or one ms
 * past it (the expiry boundary, now > deadline); sometimes back by 1..400 ms (a wall-clock step). */
static lk_wall_ms conf_next_time(conf_gen *g, const sim_store_model *model, lk_wall_ms now_ms) {
    int64_t p = conf_below(&g->rng, 100);
    if (p < 8) return now_ms - 1 - conf_below(&g->rng, 400);
    if (p < 20) {
        conf_deadlines d = {.count = 0};
        sim_store_model_each(model, now_ms, conf_collect_deadline, &d);
        if (d.count > 0) return d.ms[conf_below(&g->rng, d.count)] + conf_below(&g->rng, 2);
    }
    return now_ms + conf_below(&g->rng, 201);
}

/* ---- describing ------------------------------------------------------------------------------------------------ */

static void conf_describe_op(const lk_store_op *op, lk_wall_ms now_ms, char *out, size_t cap) {
    int n = snprintf(out, cap, "%s key='%s'", lk_op_label(op->kind), op->key);
    if (op->aux_key) n += snprintf(out + n, cap - (size_t)n, " aux='%s'", op->aux_key);
    if (op->epoch_key) n += snprintf(out + n, cap - (size_t)n, " epoch='%s'", op->epoch_key);
    if (op->value) n += snprintf(out + n, cap - (size_t)n, " value='%s'", op->value);
    if (op->ttl_ms) n += snprintf(out + n, cap - (size_t)n, " ttl_ms=%" PRId64, op->ttl_ms);
    if (op->flags) n += snprintf(out + n, cap - (size_t)n, " %s", op->flags & LK_SET_NX ? "NX" : "XX");
    if (op->kind == LK_OP_REVOKE) n += snprintf(out + n, cap - (size_t)n, " num=%" PRId64, op->num);
    snprintf(out + n, cap - (size_t)n, " @server_ms=%" PRId64 " (start+%" PRId64 ")", now_ms,
             now_ms - CONF_WALL_START_MS);
}

static void conf_describe_reply(lk_rc rc, const lk_store_reply *r, char *out, size_t cap) {
    snprintf(out, cap, "rc=%s outcome=%s num=%" PRId64 " value='%s'", lk_rc_name(rc), lk_outcome_label(r->outcome),
             r->num, r->value);
}

static int conf_env_int(const char *name, int fallback) {
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? atoi(v) : fallback;
}

/* ---- one sequence --------------------------------------------------------------------------------------------- */

typedef struct conf_stats {
    int sequences;              /* sequences run */
    int ops;                    /* ops compared */
    int mismatches;             /* sequences that diverged */
    int per_kind[LK_OP_COUNT_]; /* ops compared, by kind */
} conf_stats;

/* Runs sequence 'index' of a test seeded 'seed'. Returns 1 if the stores agreed on every op, 0 after printing the
 * first mismatch. */
static int conf_run_sequence(conf_fixture *f, uint64_t seed, int index, int edge, conf_stats *st) {
    static char history[CONF_OPS][CONF_DESC_MAX];
    conf_gen g = {.rng = {.state = seed ^ ((uint64_t)index * UINT64_C(0x100000001b3))}, .edge = edge};
    int verbose = conf_env_int("RACEBED_CONFORMANCE_VERBOSE", 0);
    sim_store_model_init(f->model);
    assert_int_equal(rb_redis_flushall(&f->redis), 0);
    lk_store store = lk_redis_store_iface(f->store);
    lk_wall_ms now_ms = CONF_WALL_START_MS;
    for (int i = 0; i < CONF_OPS; i++) {
        if (i > 0) now_ms = conf_next_time(&g, f->model, now_ms);
        conf_op c;
        conf_gen_op(&g, &c);
        conf_describe_op(&c.op, now_ms, history[i], sizeof(history[i]));
        lk_store_reply mr, rr;
        lk_rc mrc = sim_store_model_exec(f->model, now_ms, &c.op, &mr);
        rb_time_set_us(rb_redis_time(&f->redis), now_ms * 1000);
        lk_rc rrc = store.exec(store.ctx, &c.op, &rr);
        st->ops++;
        st->per_kind[c.op.kind]++;
        char mdesc[CONF_DESC_MAX], rdesc[CONF_DESC_MAX];
        conf_describe_reply(mrc, &mr, mdesc, sizeof(mdesc));
        conf_describe_reply(rrc, &rr, rdesc, sizeof(rdesc));
        if (verbose) fprintf(stderr, "  seq %d op %d: %s -> model %s | redis %s\n", index, i, history[i], mdesc, rdesc);
        if (mrc == rrc && mr.outcome == rr.outcome && mr.num == rr.num && strcmp(mr.value, rr.value) == 0) {
            if (c.op.kind == LK_OP_SCAN) snprintf(g.last_scan, sizeof(g.last_scan), "%s", mr.value);
            continue;
        }
        st->mismatches++;
        fprintf(stderr,
                "MISMATCH %s sequence %d (RACEBED_CONFORMANCE_SEQ=%d) op %d: %s\n  model: %s\n  redis: %s%s%s\n",
                edge ? "edge" : "main", index, index, i, history[i], mdesc, rdesc, rrc != LK_OK ? " errmsg: " : "",
                rrc != LK_OK ? lk_redis_store_errmsg(f->store) : "");
        if (st->mismatches <= CONF_HISTORY_PRINTS)
            for (int k = 0; k < i; k++)
                fprintf(stderr, "    op %2d: %s\n", k, history[k]);
        return 0;
    }
    return 1;
}

/* Skips without redis-server; fails if the fixture could not start. */
static void conf_check_fixture(conf_fixture *f) {
    if (f->skip) skip();
    if (f->why[0] != '\0') fail_msg("%s", f->why);
}

static void conf_run(void **state, uint64_t seed, int sequences, int edge) {
    conf_fixture *f = *state;
    conf_check_fixture(f);
    conf_stats st;
    memset(&st, 0, sizeof(st));
    int only = conf_env_int("RACEBED_CONFORMANCE_SEQ", -1);
    for (int s = 0; s < sequences; s++) {
        if (only >= 0 && s != only) continue;
        st.sequences++;
        conf_run_sequence(f, seed, s, edge, &st);
    }
    char kinds[512];
    int n = 0;
    for (int k = 0; k < LK_OP_COUNT_; k++)
        n += snprintf(kinds + n, sizeof(kinds) - (size_t)n, " %s=%d", lk_op_label((lk_op_kind)k), st.per_kind[k]);
    fprintf(stderr, "conformance (%s): %d sequences, %d ops compared (%s ), %d sequences diverged\n",
            edge ? "edge values" : "main", st.sequences, st.ops, kinds + 1, st.mismatches);
    /* every fixed op was covered (COMMAND, the command table, has its own test: test_command_conformance.c; READ,
     * the simulator's read of what the server pushed to a connection, is not a store op a sequence can draw: pub/sub
     * is compared there too) */
    for (int k = 0; k < LK_OP_COUNT_ && only < 0; k++)
        assert_true(k == LK_OP_COMMAND || k == LK_OP_READ || st.per_kind[k] > 0);
    if (st.mismatches > 0) fail_msg("%d of %d sequences diverged (see MISMATCH lines)", st.mismatches, st.sequences);
}

/* ---- tests ---------------------------------------------------------------------------------------------------- */

/* One scripted step: an op at a server time relative to CONF_WALL_START_MS, and the reply both stores must give
 * (outcome and num; 'check' 0: only that they agree). */
typedef struct conf_step {
    int64_t at_ms;      /* server time, ms after CONF_WALL_START_MS */
    lk_store_op op;     /* the op */
    int check;          /* 1: both must also give 'outcome' and 'num' */
    lk_outcome outcome; /* expected outcome when 'check' */
    int64_t num;        /* expected num when 'check' */
} conf_step;

/* Applies 'steps' to both emptied stores. Returns 1, or 0 after printing the first step where they disagree or
 * give another reply than expected (then the rest is skipped: the stores have diverged). */
static int conf_try_steps(conf_fixture *f, const char *name, const conf_step *steps, size_t count) {
    sim_store_model_init(f->model);
    assert_int_equal(rb_redis_flushall(&f->redis), 0);
    lk_store store = lk_redis_store_iface(f->store);
    for (size_t i = 0; i < count; i++) {
        lk_wall_ms now_ms = CONF_WALL_START_MS + steps[i].at_ms;
        lk_store_reply mr, rr;
        lk_rc mrc = sim_store_model_exec(f->model, now_ms, &steps[i].op, &mr);
        rb_time_set_us(rb_redis_time(&f->redis), now_ms * 1000);
        lk_rc rrc = store.exec(store.ctx, &steps[i].op, &rr);
        int agree = mrc == rrc && mr.outcome == rr.outcome && mr.num == rr.num && strcmp(mr.value, rr.value) == 0;
        int right = !steps[i].check || (mrc == LK_OK && mr.outcome == steps[i].outcome && mr.num == steps[i].num);
        if (agree && right) continue;
        char odesc[CONF_DESC_MAX], mdesc[CONF_DESC_MAX], rdesc[CONF_DESC_MAX];
        conf_describe_op(&steps[i].op, now_ms, odesc, sizeof(odesc));
        conf_describe_reply(mrc, &mr, mdesc, sizeof(mdesc));
        conf_describe_reply(rrc, &rr, rdesc, sizeof(rdesc));
        fprintf(stderr, "MISMATCH %s step %zu: %s\n  model: %s\n  redis: %s%s%s%s\n", name, i, odesc, mdesc, rdesc,
                rrc != LK_OK ? " errmsg: " : "", rrc != LK_OK ? lk_redis_store_errmsg(f->store) : "",
                right ? "" : "\n  (and the model's reply is not the expected one)");
        return 0;
    }
    return 1;
}

static void conf_run_steps(conf_fixture *f, const char *name, const conf_step *steps, size_t count) {
    if (!conf_try_steps(f, name, steps, count)) fail_msg("%s: the stores disagree (see MISMATCH)", name);
}

/* The shim really drives expiry, on both sides, at the millisecond boundary (expired when now > deadline), and
 * lazily: after a step back, a key touched after its deadline stays gone and an untouched one is back. */
static void test_conformance_shim_drives_expiry(void **state) {
    conf_fixture *f = *state;
    conf_check_fixture(f);
    const conf_step steps[] = {
        {0, {.kind = LK_OP_SET, .key = "k", .value = "v", .ttl_ms = 100}, 1, LK_STORED, 0},
        {40, {.kind = LK_OP_PTTL, .key = "k"}, 1, LK_COUNT, 60},
        {100, {.kind = LK_OP_PTTL, .key = "k"}, 1, LK_COUNT, 0},
        {100, {.kind = LK_OP_GET, .key = "k"}, 1, LK_FOUND, 0},
        {101, {.kind = LK_OP_GET, .key = "k"}, 1, LK_ABSENT, 0},
        {50, {.kind = LK_OP_GET, .key = "k"}, 1, LK_ABSENT, 0},
        {50, {.kind = LK_OP_SET, .key = "j", .value = "w", .ttl_ms = 10}, 1, LK_STORED, 0},
        {5000, {.kind = LK_OP_SET, .key = "other", .value = "x"}, 1, LK_STORED, 0},
        {55, {.kind = LK_OP_PTTL, .key = "j"}, 1, LK_COUNT, 5},
    };
    conf_run_steps(f, "shim_drives_expiry", steps, sizeof(steps) / sizeof(steps[0]));
}

/* SCAN removes expired keys with the prefix; the model removes only those after the cursor (sim_store_model.c).
 * A step back then shows whether a key before the cursor was removed: it must be the same on both sides. */
static void test_conformance_scan_expiry_before_cursor(void **state) {
    conf_fixture *f = *state;
    conf_check_fixture(f);
    const conf_step steps[] = {
        {0, {.kind = LK_OP_SET, .key = "q:a", .value = "1", .ttl_ms = 10}, 1, LK_STORED, 0},
        {0, {.kind = LK_OP_SET, .key = "q:b", .value = "2"}, 1, LK_STORED, 0},
        {20, {.kind = LK_OP_SCAN, .key = "q:", .value = "q:a"}, 0, LK_NONE, 0},
        {5, {.kind = LK_OP_GET, .key = "q:a"}, 0, LK_NONE, 0},
    };
    conf_run_steps(f, "scan_expiry_before_cursor", steps, sizeof(steps) / sizeof(steps[0]));
}

/* The same for a key with another prefix: SCAN MATCH must not expire it on either side. */
static void test_conformance_scan_expiry_other_prefix(void **state) {
    conf_fixture *f = *state;
    conf_check_fixture(f);
    const conf_step steps[] = {
        {0, {.kind = LK_OP_SET, .key = "lk:a", .value = "1", .ttl_ms = 10}, 1, LK_STORED, 0},
        {0, {.kind = LK_OP_SET, .key = "q:b", .value = "2"}, 1, LK_STORED, 0},
        {20, {.kind = LK_OP_SCAN, .key = "q:", .value = ""}, 1, LK_FOUND, 0},
        {20, {.kind = LK_OP_SCAN_DEL, .key = "q:"}, 1, LK_COUNT, 1},
        {5, {.kind = LK_OP_GET, .key = "lk:a"}, 1, LK_FOUND, 0},
    };
    conf_run_steps(f, "scan_expiry_other_prefix", steps, sizeof(steps) / sizeof(steps[0]));
}

/* Fences above 2^53 stay exact: with epoch 2^21 every grant's fence is 2^53 + the counter, distinct and growing.
 * (A script that computes the fence in Lua numbers, which are doubles, rounds them and repeats them.) */
static void test_conformance_fence_exact_above_2p53(void **state) {
    conf_fixture *f = *state;
    conf_check_fixture(f);
    const lk_store_op acquire = {.kind = LK_OP_ACQUIRE,
                                 .key = "lk:a",
                                 .aux_key = "lk:a:fence",
                                 .epoch_key = "lk:epoch",
                                 .value = "tA",
                                 .ttl_ms = 100};
    const lk_store_op release = {.kind = LK_OP_RELEASE, .key = "lk:a", .value = "tA"};
    /* the largest epoch, 2^21 - 1: fences just below 2^53 stay exact and distinct; 2^21 is refused on both sides */
    const int64_t base = INT64_C(2097151) << 32;
    const conf_step steps[] = {
        {0, {.kind = LK_OP_SET, .key = "lk:epoch", .value = "2097151"}, 1, LK_STORED, 0},
        {0, acquire, 1, LK_ACQUIRED, base + 1},
        {0, release, 1, LK_RELEASED, 0},
        {0, acquire, 1, LK_ACQUIRED, base + 2},
        {0, release, 1, LK_RELEASED, 0},
        {0, acquire, 1, LK_ACQUIRED, base + 3},
        {0, release, 1, LK_RELEASED, 0},
        {0, {.kind = LK_OP_SET, .key = "lk:epoch", .value = "2097152"}, 1, LK_STORED, 0},
        {0, acquire, 0, LK_NONE, 0},
    };
    conf_run_steps(f, "fence_exact_above_2p53", steps, sizeof(steps) / sizeof(steps[0]));
}

/* The epoch must be a canonical integer in 0..2^21-1 (the model's rule, so fences stay below 2^53), or the acquire is LK_ESTORE_PROTO and
 * changes nothing; the fence counter's INCR overflow is WRONG_TYPE on both sides. Each value is its own run, so
 * every divergence is listed. */
static void test_conformance_epoch_and_fence_values(void **state) {
    conf_fixture *f = *state;
    conf_check_fixture(f);
    static const char *const epochs[] = {"0",  "7",  "2147483647", "2147483648", "4294967296", "-1", "-0", "5 ",
                                         " 5", "+5", "1.5",        "0x10",       "1e3",        "",   "x"};
    int failed = 0;
    for (size_t i = 0; i < sizeof(epochs) / sizeof(epochs[0]); i++) {
        const conf_step steps[] = {
            {0, {.kind = LK_OP_SET, .key = "lk:epoch", .value = epochs[i]}, 1, LK_STORED, 0},
            {0,
             {.kind = LK_OP_ACQUIRE,
              .key = "lk:a",
              .aux_key = "lk:a:fence",
              .epoch_key = "lk:epoch",
              .value = "tA",
              .ttl_ms = 100},
             0,
             LK_NONE,
             0},
            {0, {.kind = LK_OP_GET, .key = "lk:a"}, 0, LK_NONE, 0},
            {0, {.kind = LK_OP_GET, .key = "lk:a:fence"}, 0, LK_NONE, 0},
        };
        char name[64];
        snprintf(name, sizeof(name), "epoch '%s'", epochs[i]);
        failed += !conf_try_steps(f, name, steps, sizeof(steps) / sizeof(steps[0]));
    }
    static const char *const counters[] = {"9007199254740992", "9223372036854775806", "9223372036854775807",
                                           "-9223372036854775808", "-2"};
    for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
        const conf_step steps[] = {
            {0, {.kind = LK_OP_SET, .key = "lk:a:fence", .value = counters[i]}, 1, LK_STORED, 0},
            {0,
             {.kind = LK_OP_ACQUIRE, .key = "lk:a", .aux_key = "lk:a:fence", .value = "tA", .ttl_ms = 100},
             0,
             LK_NONE,
             0},
            {0, {.kind = LK_OP_GET, .key = "lk:a"}, 0, LK_NONE, 0},
        };
        char name[64];
        snprintf(name, sizeof(name), "fence counter '%s'", counters[i]);
        failed += !conf_try_steps(f, name, steps, sizeof(steps) / sizeof(steps[0]));
    }
    /* a lock value's fence is read as the model reads it: a non-canonical number counts as 0 */
    static const char *const values[] = {"tA:7", "tA:007", "tA:1.5", "tA:0x10", "tA: 7", "tA:", "tA:x"};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        const conf_step set = {
            0, {.kind = LK_OP_SET, .key = "lk:a", .value = values[i], .ttl_ms = 1000}, 1, LK_STORED, 0};
        const conf_step acquire[] = {
            set,
            {0,
             {.kind = LK_OP_ACQUIRE, .key = "lk:a", .aux_key = "lk:a:fence", .value = "tA", .ttl_ms = 100},
             0,
             LK_NONE,
             0}};
        const conf_step revoke[] = {set, {0, {.kind = LK_OP_REVOKE, .key = "lk:a", .num = 5}, 0, LK_NONE, 0}};
        char name[64];
        snprintf(name, sizeof(name), "lock value '%s' then acquire", values[i]);
        failed += !conf_try_steps(f, name, acquire, sizeof(acquire) / sizeof(acquire[0]));
        snprintf(name, sizeof(name), "lock value '%s' then revoke", values[i]);
        failed += !conf_try_steps(f, name, revoke, sizeof(revoke) / sizeof(revoke[0]));
    }
    if (failed) fail_msg("%d value runs diverged (see MISMATCH)", failed);
}

static void test_conformance_random_sequences(void **state) {
    conf_run(state, CONF_SEED, CONF_SEQUENCES, 0);
}

static void test_conformance_edge_values(void **state) {
    conf_run(state, CONF_EDGE_SEED, CONF_EDGE_SEQUENCES, 1);
}

static int conf_setup(void **state) {
    conf_fixture *f = calloc(1, sizeof(*f));
    if (f == NULL || (f->model = calloc(1, sizeof(*f->model))) == NULL) return -1;
    *state = f;
    rb_redis_opts o = {.time_shim = 1};
    int rc = rb_redis_start(&f->redis, &o, f->why, sizeof(f->why));
    if (rc == RB_REDIS_MISSING && !rb_redis_required()) {
        fprintf(stderr, "test_conformance: skipped: %s\n", f->why);
        f->skip = 1;
        return 0;
    }
    if (rc != 0) return 0; /* each test fails with f->why */
    char err[256];
    lk_rc lrc = lk_redis_store_open(rb_redis_url(&f->redis), NULL, &f->store, err, sizeof(err));
    if (lrc != LK_OK)
        snprintf(f->why, sizeof(f->why), "lk_redis_store_open: %s: %s", lk_rc_name(lrc), err);
    else
        f->why[0] = '\0';
    return 0;
}

static int conf_teardown(void **state) {
    conf_fixture *f = *state;
    if (f == NULL) return 0;
    lk_redis_store_close(f->store);
    rb_redis_stop(&f->redis);
    free(f->model);
    free(f);
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conformance_shim_drives_expiry),
        cmocka_unit_test(test_conformance_scan_expiry_before_cursor),
        cmocka_unit_test(test_conformance_scan_expiry_other_prefix),
        cmocka_unit_test(test_conformance_fence_exact_above_2p53),
        cmocka_unit_test(test_conformance_epoch_and_fence_values),
        cmocka_unit_test(test_conformance_random_sequences),
        cmocka_unit_test(test_conformance_edge_values),
    };
    return cmocka_run_group_tests(tests, conf_setup, conf_teardown);
}
