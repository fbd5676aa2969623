/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_lk_clear.c: proves that clear (core/lk_clear.c) keeps the contract of lk_clear.h against the
 * model store, one thread, no scheduler. Each test builds holders with lk_mutex on test_env.h's
 * env, whose store verb is wrapped here by a recording shim: it logs every op clear sends (kind,
 * key, cursor, floor, outcome, reply) and hands the model a reply buffer with a guard zone behind
 * it, so a reply that overruns lk_store_reply is caught (and reaches core as LK_ESTORE_PROTO, never
 * as an unterminated value). The publish callback records when it ran (as an index into that log)
 * and can act as a concurrent client that acquires between the epoch bump and the walk. Proved:
 * clear bumps the epoch with INCR and publishes floor = epoch << 32 exactly once, after the bump
 * and before any delete; every lock granted before the bump is revoked and one granted after it
 * (fence >= floor) is kept; fence counters and the epoch key are visited but never deleted; keys
 * outside the prefix are untouched; a later acquire with the epoch key outnumbers the floor; a
 * revoked holder's release reports ABSENT, or NOT_OWNER when a successor holds the key, and never
 * deletes the successor's key; each store fault (maybe-applied, applied or not, and connection
 * errors) at each of clear's calls is retried and the clear completes, while a persistent fault
 * makes it fail after bounded retries and a second clear then completes; a non-integer epoch stops
 * it before anything is published or deleted; 100 keys are walked without reaching
 * LK_CLEAR_KEYS_MAX; and a lock key long enough that it or its fence counter no longer fits a reply
 * value (still a valid lk_mutex key) is cleared like any other.
 */
#include "test_env.h"

#include "core/lk_clear.h"
#include "core/lk_mutex.h"

#define PREFIX "lk:app:"
#define EPOCH "lkepoch:app"

enum { OPS_MAX = 1024, GUARD_BYTES = 64 };

static const int64_t FLOOR_1 = INT64_C(1) << 32;

/* One op as the shim saw it. */
typedef struct rec_op {
    lk_op_kind kind;
    char key[LK_KEY_MAX];         /* the key or prefix */
    char value[LK_VALUE_MAX];     /* SCAN: the cursor; else the value or "" */
    int64_t num;                  /* REVOKE: the floor */
    lk_rc rc;                     /* what the store returned */
    lk_outcome outcome;           /* reply outcome */
    int64_t reply_num;            /* reply num */
    char reply_value[LK_KEY_MAX]; /* reply value (SCAN: the key found) */
} rec_op;

typedef struct fixture fixture;

/* Guarded by: the single test thread. Allocated (it holds a test_env), never moved after init. */
struct fixture {
    test_env te;
    int n;                          /* ops logged */
    rec_op ops[OPS_MAX];            /* the first ops */
    int overflows;                  /* replies that wrote past lk_store_reply */
    int publish_calls;              /* publish callbacks */
    int publish_at;                 /* ops logged when publish ran */
    int64_t publish_floor;          /* the floor it was given */
    void (*on_publish)(fixture *f); /* runs inside publish, may be NULL */
    lk_mutex late;                  /* a mutex on_publish may acquire */
    const char *late_key;           /* its key */
    const char *late_epoch;         /* its epoch key, or NULL */
};

/* The store verb: the test_env verb (hook and log) behind a guarded reply buffer and the op log. */
static lk_rc shim_exec(void *ctx, const lk_store_op *op, lk_store_reply *reply) {
    fixture *f = ctx;
    struct {
        lk_store_reply r;
        unsigned char guard[GUARD_BYTES];
    } pad;
    memset(&pad, 0, sizeof(pad.r));
    memset(pad.guard, 0xa5, sizeof(pad.guard));
    lk_rc rc = test_env_store_exec(&f->te, op, &pad.r);
    int overrun = 0;
    for (int i = 0; i < GUARD_BYTES; i++)
        overrun |= pad.guard[i] != 0xa5;
    /* Undecodable, as an adapter would find it: never hand core an unterminated value. */
    if (overrun) {
        f->overflows++;
        memset(&pad.r, 0, sizeof(pad.r));
        rc = LK_ESTORE_PROTO;
    }
    memcpy(reply, &pad.r, sizeof(*reply));
    if (f->n < OPS_MAX) {
        rec_op *o = &f->ops[f->n];
        memset(o, 0, sizeof(*o));
        o->kind = op->kind;
        snprintf(o->key, sizeof(o->key), "%s", op->key);
        snprintf(o->value, sizeof(o->value), "%s", op->value ? op->value : "");
        o->num = op->num;
        o->rc = rc;
        o->outcome = pad.r.outcome;
        o->reply_num = pad.r.num;
        snprintf(o->reply_value, sizeof(o->reply_value), "%.*s", LK_VALUE_MAX - 1, pad.r.value);
    }
    f->n++;
    return rc;
}

static fixture *fixture_new(void) {
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    test_env_init(&f->te, 42);
    f->te.env.store = (lk_store){f, shim_exec};
    assert_int_equal(lk_env_check(&f->te.env, NULL), LK_OK);
    return f;
}

static void fixture_free(fixture *f) {
    test_env_fini(&f->te);
    free(f);
}

static void on_publish(void *arg, int64_t fence_floor) {
    fixture *f = arg;
    f->publish_calls++;
    f->publish_at = f->n;
    f->publish_floor = fence_floor;
    if (f->on_publish) f->on_publish(f);
}

/* Inits 'm' for 'key' in the namespace ('epoch' NULL: without the epoch) and acquires it. */
static void holder_acquire(fixture *f, lk_mutex *m, const char *key, const char *epoch) {
    lk_mutex_opts mo = {.ttl_ms = 60000, .epoch_key = epoch};
    lk_outcome out = LK_NONE;
    assert_int_equal(lk_mutex_init(m, &f->te.env, key, &mo), LK_OK);
    assert_int_equal(lk_mutex_try_acquire(m, &out), LK_OK);
    assert_int_equal(out, LK_ACQUIRED);
}

static lk_rc clear_run(fixture *f, lk_clear_result *res) {
    return lk_clear(&f->te.env, PREFIX, EPOCH, on_publish, f, res);
}

/* 1 if 'key' exists in the model; its value goes to 'value' (may be NULL). */
static int present(fixture *f, const char *key, char *value) {
    return test_env_store_get(&f->te, key, value);
}

static int holds_token(fixture *f, const lk_mutex *m) {
    char v[LK_VALUE_MAX];
    return present(f, m->key, v) && sim_store_value_has_token(v, m->token);
}

static int ends_with_fence(const char *key) {
    size_t n = strlen(key), f = strlen(":fence");
    return n >= f && strcmp(key + n - f, ":fence") == 0;
}

/* Ops of 'kind' logged from index 'from' on. */
static int ops_of(const fixture *f, int from, lk_op_kind kind) {
    int n = 0;
    for (int i = from; i < f->n && i < OPS_MAX; i++)
        n += f->ops[i].kind == kind;
    return n;
}

/* Fails the test if any logged op from 'from' on deleted (or tried to) a key that is not a lock key
 * of the prefix: a fence counter, the epoch key, or a key outside the prefix. */
static void assert_deletes_only_locks(const fixture *f, int from) {
    for (int i = from; i < f->n && i < OPS_MAX; i++) {
        const rec_op *o = &f->ops[i];
        if (o->kind != LK_OP_REVOKE && o->kind != LK_OP_DEL && o->kind != LK_OP_SCAN_DEL && o->kind != LK_OP_RELEASE)
            continue;
        if (strncmp(o->key, PREFIX, strlen(PREFIX)) != 0 || ends_with_fence(o->key) || strcmp(o->key, EPOCH) == 0)
            fail_msg("op %d: %s of '%s'", i, lk_op_label(o->kind), o->key);
        if (o->kind == LK_OP_DEL || o->kind == LK_OP_SCAN_DEL)
            fail_msg("op %d: clear sent %s of '%s'", i, lk_op_label(o->kind), o->key);
    }
}

/* ---- epoch and publish ----------------------------------------------------------------------- */

static void test_lk_clear_bumps_epoch(void **state) {
    (void)state;
    fixture *f = fixture_new();
    lk_clear_result res;
    assert_int_equal(clear_run(f, &res), LK_OK);
    assert_int_equal(res.epoch, 1);
    assert_int_equal(res.fence_floor, FLOOR_1);
    assert_int_equal(res.revoked, 0);
    assert_int_equal(res.kept, 0);
    assert_int_equal(f->ops[0].kind, LK_OP_INCR);
    assert_string_equal(f->ops[0].key, EPOCH);
    char v[LK_VALUE_MAX];
    assert_int_equal(present(f, EPOCH, v), 1);
    assert_string_equal(v, "1");
    /* The walk of an empty namespace is one SCAN from "" that finds nothing. */
    assert_int_equal(f->n, 2);
    assert_int_equal(f->ops[1].kind, LK_OP_SCAN);
    assert_string_equal(f->ops[1].key, PREFIX);
    assert_string_equal(f->ops[1].value, "");
    assert_int_equal(f->ops[1].outcome, LK_ABSENT);
    /* The floor is published even when nothing is to be revoked: the resources need it. */
    assert_int_equal(f->publish_calls, 1);
    assert_int_equal(f->publish_floor, FLOOR_1);
    /* A second clear bumps again; a preset epoch continues from its value. */
    assert_int_equal(clear_run(f, &res), LK_OK);
    assert_int_equal(res.epoch, 2);
    assert_int_equal(res.fence_floor, 2 * FLOOR_1);
    assert_int_equal(f->publish_calls, 2);
    test_env_store_set(&f->te, EPOCH, "41", 0);
    assert_int_equal(clear_run(f, &res), LK_OK);
    assert_int_equal(res.epoch, 42);
    assert_int_equal(res.fence_floor, INT64_C(42) << 32);
    assert_int_equal(f->publish_floor, INT64_C(42) << 32);
    fixture_free(f);
}

static void test_lk_clear_publishes_once_before_any_delete(void **state) {
    (void)state;
    fixture *f = fixture_new();
    lk_mutex a, b, c;
    holder_acquire(f, &a, PREFIX "a", EPOCH);
    holder_acquire(f, &b, PREFIX "b", EPOCH);
    holder_acquire(f, &c, PREFIX "c", EPOCH);
    int from = f->n;
    lk_clear_result res;
    assert_int_equal(clear_run(f, &res), LK_OK);
    assert_int_equal(f->publish_calls, 1);
    assert_int_equal(f->publish_floor, res.fence_floor);
    /* Exactly the INCR came before publish; every delete after it. */
    assert_int_equal(f->publish_at, from + 1);
    assert_int_equal(f->ops[from].kind, LK_OP_INCR);
    assert_int_equal(ops_of(f, f->publish_at, LK_OP_INCR), 0);
    assert_int_equal(ops_of(f, f->publish_at, LK_OP_REVOKE), 3);
    for (int i = f->publish_at; i < f->n; i++)
        if (f->ops[i].kind == LK_OP_REVOKE) assert_int_equal(f->ops[i].num, res.fence_floor);
    assert_int_equal(res.revoked, 3);
    assert_deletes_only_locks(f, from);
    lk_mutex_fini(&a);
    lk_mutex_fini(&b);
    lk_mutex_fini(&c);
    fixture_free(f);
}

/* ---- what is revoked and what is kept -------------------------------------------------------- */

/* A client that acquires between the epoch bump and the walk (publish runs there). */
static void late_acquire(fixture *f) {
    holder_acquire(f, &f->late, f->late_key, f->late_epoch);
}

static void test_lk_clear_revokes_older_keeps_newer(void **state) {
    (void)state;
    fixture *f = fixture_new();
    lk_mutex a, b;
    holder_acquire(f, &a, PREFIX "a", EPOCH);
    holder_acquire(f, &b, PREFIX "b", NULL); /* not in the epoch scheme: still a namespace lock */
    f->on_publish = late_acquire;
    f->late_key = PREFIX "late";
    f->late_epoch = EPOCH;
    lk_clear_result res;
    assert_int_equal(clear_run(f, &res), LK_OK);
    /* The late lock was granted after the bump: its fence is (1 << 32) + its counter. */
    assert_int_equal(lk_mutex_fence(&f->late), FLOOR_1 + 1);
    assert_true(lk_mutex_fence(&f->late) >= res.fence_floor);
    assert_int_equal(res.revoked, 2);
    assert_int_equal(res.kept, 1);
    assert_int_equal(lk_metric_total(&f->te.metrics, LK_METRIC_CLEAR_REVOKED), 2);
    assert_int_equal(present(f, a.key, NULL), 0);
    assert_int_equal(present(f, b.key, NULL), 0);
    assert_int_equal(holds_token(f, &f->late), 1);
    /* Its REVOKE was answered NOT_OWNER (newer), the others RELEASED. */
    for (int i = f->publish_at; i < f->n; i++) {
        const rec_op *o = &f->ops[i];
        if (o->kind != LK_OP_REVOKE) continue;
        lk_outcome want = strcmp(o->key, f->late.key) == 0 ? LK_NOT_OWNER : LK_RELEASED;
        assert_int_equal(o->outcome, want);
    }
    /* The late holder goes on undisturbed. */
    lk_outcome out = LK_NONE;
    assert_int_equal(lk_mutex_extend(&f->late, 60000, &out), LK_OK);
    assert_int_equal(out, LK_EXTENDED);
    assert_int_equal(lk_mutex_release(&f->late, &out), LK_OK);
    assert_int_equal(out, LK_RELEASED);
    lk_mutex_fini(&a);
    lk_mutex_fini(&b);
    fixture_free(f);
}

/* A lock taken after the bump WITHOUT the epoch key has a counter-only fence, below the floor: it
 * is revoked like an old one (the namespace's locks must carry the epoch to survive a clear). */
static void test_lk_clear_revokes_late_lock_without_epoch(void **state) {
    (void)state;
    fixture *f = fixture_new();
    f->on_publish = late_acquire;
    f->late_key = PREFIX "late";
    f->late_epoch = NULL;
    lk_clear_result res;
    assert_int_equal(clear_run(f, &res), LK_OK);
    assert_int_equal(res.revoked, 1);
    assert_int_equal(res.kept, 0);
    assert_int_equal(present(f, f->late_key, NULL), 0);
    fixture_free(f);
}

static void test_lk_clear_never_deletes_fence_or_epoch_keys(void **state) {
    (void)state;
    fixture *f = fixture_new();
    static const char epoch_in_prefix[] = PREFIX "epoch";
    lk_mutex a, b;
    lk_mutex_opts mo = {.ttl_ms = 60000, .epoch_key = epoch_in_prefix};
    lk_outcome out = LK_NONE;
    for (int i = 0; i < 2; i++) {
        lk_mutex *m = i == 0 ? &a : &b;
        assert_int_equal(lk_mutex_init(m, &f->te.env, i == 0 ? PREFIX "a" : PREFIX "b", &mo), LK_OK);
        assert_int_equal(lk_mutex_try_acquire(m, &out), LK_OK);
    }
    /* a is re-granted once so its counter reads 2. */
    assert_int_equal(lk_mutex_release(&a, &out), LK_OK);
    assert_int_equal(lk_mutex_try_acquire(&a, &out), LK_OK);
    test_env_store_set(&f->te, epoch_in_prefix, "5", 0);
    int from = f->n;
    lk_clear_result res;
    assert_int_equal(lk_clear(&f->te.env, PREFIX, epoch_in_prefix, on_publish, f, &res), LK_OK);
    assert_int_equal(res.epoch, 6);
    assert_int_equal(res.revoked, 2);
    /* The walk visited the counters and the epoch key, and skipped them. */
    int seen_fence = 0, seen_epoch = 0;
    for (int i = from; i < f->n; i++) {
        const rec_op *o = &f->ops[i];
        if (o->kind != LK_OP_SCAN || o->outcome != LK_FOUND) continue;
        seen_fence += ends_with_fence(o->reply_value);
        seen_epoch += strcmp(o->reply_value, epoch_in_prefix) == 0;
    }
    assert_int_equal(seen_fence, 2);
    assert_int_equal(seen_epoch, 1);
    for (int i = from; i < f->n; i++) {
        const rec_op *o = &f->ops[i];
        if (o->kind == LK_OP_REVOKE || o->kind == LK_OP_DEL || o->kind == LK_OP_SCAN_DEL) {
            assert_false(ends_with_fence(o->key));
            assert_string_not_equal(o->key, epoch_in_prefix);
        }
    }
    char v[LK_VALUE_MAX];
    assert_int_equal(present(f, PREFIX "a:fence", v), 1);
    assert_string_equal(v, "2");
    assert_int_equal(present(f, PREFIX "b:fence", v), 1);
    assert_string_equal(v, "1");
    assert_int_equal(present(f, epoch_in_prefix, v), 1);
    assert_string_equal(v, "6");
    lk_mutex_fini(&a);
    lk_mutex_fini(&b);
    fixture_free(f);
}

static void test_lk_clear_leaves_keys_outside_prefix(void **state) {
    (void)state;
    fixture *f = fixture_new();
    static const char *const outside[] = {"lk:app", "lk:ap", "lk:appx:y", "a", "zz", "lk:APP:x"};
    enum { OUTSIDE_N = sizeof(outside) / sizeof(outside[0]) };
    for (int i = 0; i < OUTSIDE_N; i++)
        test_env_store_set(&f->te, outside[i], "tok:1", 60000);
    lk_mutex other, in;
    holder_acquire(f, &other, "lk:other:x", EPOCH);
    holder_acquire(f, &in, PREFIX "x", EPOCH);
    int from = f->n;
    lk_clear_result res;
    assert_int_equal(clear_run(f, &res), LK_OK);
    assert_int_equal(res.revoked, 1);
    assert_int_equal(present(f, in.key, NULL), 0);
    for (int i = 0; i < OUTSIDE_N; i++) {
        char v[LK_VALUE_MAX];
        assert_int_equal(present(f, outside[i], v), 1);
        assert_string_equal(v, "tok:1");
    }
    assert_int_equal(holds_token(f, &other), 1);
    assert_int_equal(present(f, "lk:other:x:fence", NULL), 1);
    for (int i = from; i < f->n; i++) {
        const rec_op *o = &f->ops[i];
        if (o->kind == LK_OP_SCAN && o->outcome == LK_FOUND)
            assert_int_equal(strncmp(o->reply_value, PREFIX, strlen(PREFIX)), 0);
    }
    assert_deletes_only_locks(f, from);
    lk_mutex_fini(&other);
    lk_mutex_fini(&in);
    fixture_free(f);
}

/* An expired lock is not counted as revoked: the walk skips it (and the store drops it). */
static void test_lk_clear_skips_expired_locks(void **state) {
    (void)state;
    fixture *f = fixture_new();
    test_env_store_set(&f->te, PREFIX "old", "tok:1", 10);
    lk_mutex a;
    holder_acquire(f, &a, PREFIX "a", EPOCH);
    test_env_advance_ms(&f->te, 11);
    lk_clear_result res;
    assert_int_equal(clear_run(f, &res), LK_OK);
    assert_int_equal(res.revoked, 1);
    assert_int_equal(f->te.store->ks.count, 2); /* a's fence counter and the epoch key */
    lk_mutex_fini(&a);
    fixture_free(f);
}

/* ---- after a clear --------------------------------------------------------------------------- */

static void test_lk_clear_new_acquire_fence_above_floor(void **state) {
    (void)state;
    fixture *f = fixture_new();
    lk_mutex a;
    holder_acquire(f, &a, PREFIX "a", EPOCH);
    assert_int_equal(lk_mutex_fence(&a), 1); /* no epoch yet: epoch 0 */
    lk_clear_result res;
    assert_int_equal(clear_run(f, &res), LK_OK);
    lk_mutex a2;
    holder_acquire(f, &a2, PREFIX "a", EPOCH);
    assert_true(lk_mutex_fence(&a2) > res.fence_floor);
    assert_int_equal(lk_mutex_fence(&a2), res.fence_floor + 2); /* the counter went on */
    /* The next clear's floor is above it again, so a2 is revoked then. */
    lk_clear_result res2;
    assert_int_equal(clear_run(f, &res2), LK_OK);
    assert_true(res2.fence_floor > lk_mutex_fence(&a2));
    assert_int_equal(res2.revoked, 1);
    assert_int_equal(present(f, a2.key, NULL), 0);
    lk_mutex_fini(&a);
    lk_mutex_fini(&a2);
    fixture_free(f);
}

static void test_lk_clear_revoked_release_spares_successor(void **state) {
    (void)state;
    fixture *f = fixture_new();
    lk_mutex a, b, succ;
    holder_acquire(f, &a, PREFIX "a", EPOCH);
    holder_acquire(f, &b, PREFIX "b", EPOCH);
    lk_clear_result res;
    assert_int_equal(clear_run(f, &res), LK_OK);
    assert_int_equal(res.revoked, 2);
    holder_acquire(f, &succ, PREFIX "a", EPOCH); /* a successor takes a's key */
    int from = f->n;
    lk_outcome out = LK_NONE;
    assert_int_equal(lk_mutex_release(&a, &out), LK_OK);
    assert_int_equal(out, LK_NOT_OWNER);
    assert_int_equal(lk_mutex_fence(&a), 0);
    assert_int_equal(holds_token(f, &succ), 1);
    assert_int_equal(lk_mutex_release(&b, &out), LK_OK);
    assert_int_equal(out, LK_ABSENT);
    assert_int_equal(ops_of(f, from, LK_OP_DEL), 0);
    assert_int_equal(lk_metric_total(&f->te.metrics, LK_METRIC_RELEASE_NOT_OWNER), 1);
    assert_int_equal(lk_metric_total(&f->te.metrics, LK_METRIC_RELEASE_ABSENT), 1);
    assert_int_equal(lk_mutex_release(&succ, &out), LK_OK); /* the successor's key was intact */
    assert_int_equal(out, LK_RELEASED);
    /* A revoked holder's extend learns it too, and touches nothing. */
    lk_mutex c;
    holder_acquire(f, &c, PREFIX "c", EPOCH);
    assert_int_equal(clear_run(f, &res), LK_OK);
    lk_mutex c2;
    holder_acquire(f, &c2, PREFIX "c", EPOCH);
    int64_t pttl_before = 0;
    {
        lk_store_op op = {.kind = LK_OP_PTTL, .key = c2.key};
        lk_store_reply r;
        assert_int_equal(sim_store_model_exec(f->te.store, test_env_wall_ms(&f->te), &op, &r), LK_OK);
        pttl_before = r.num;
    }
    assert_int_equal(lk_mutex_extend(&c, 120000, &out), LK_OK);
    assert_int_equal(out, LK_NOT_OWNER);
    assert_int_equal(c.held, 0);
    {
        lk_store_op op = {.kind = LK_OP_PTTL, .key = c2.key};
        lk_store_reply r;
        assert_int_equal(sim_store_model_exec(f->te.store, test_env_wall_ms(&f->te), &op, &r), LK_OK);
        assert_true(r.num <= pttl_before); /* not lengthened to 120 s */
    }
    assert_int_equal(lk_mutex_release(&c2, &out), LK_OK);
    assert_int_equal(out, LK_RELEASED);
    lk_mutex_fini(&a);
    lk_mutex_fini(&b);
    lk_mutex_fini(&c);
    lk_mutex_fini(&c2);
    lk_mutex_fini(&succ);
    fixture_free(f);
}

/* ---- store faults ---------------------------------------------------------------------------- */

typedef struct fault_case {
    lk_rc rc;
    int apply;
} fault_case;

static const fault_case FAULTS[] = {
    {LK_ESTORE_MAYBE, 0},
    {LK_ESTORE_MAYBE, 1},
    {LK_ESTORE_DOWN, 0},
};

/* Three old holders in the prefix, one lock outside it. */
static void fault_world(fixture *f, lk_mutex m[4]) {
    holder_acquire(f, &m[0], PREFIX "a", EPOCH);
    holder_acquire(f, &m[1], PREFIX "b", EPOCH);
    holder_acquire(f, &m[2], PREFIX "c", EPOCH);
    holder_acquire(f, &m[3], "lk:other:z", EPOCH);
}

static void fault_world_fini(lk_mutex m[4]) {
    for (int i = 0; i < 4; i++)
        lk_mutex_fini(&m[i]);
}

/* The number of store calls a fault-free clear of fault_world makes. */
static int clear_call_count(void) {
    fixture *f = fixture_new();
    lk_mutex m[4];
    fault_world(f, m);
    int64_t before = f->te.store_call_count;
    lk_clear_result res;
    assert_int_equal(clear_run(f, &res), LK_OK);
    int calls = (int)(f->te.store_call_count - before);
    fault_world_fini(m);
    fixture_free(f);
    return calls;
}

/* Each fault kind at each of clear's store calls, once: the call is resent and the clear completes
 * with every old lock gone and everything else in place. */
static void test_lk_clear_retries_each_fault(void **state) {
    (void)state;
    int calls = clear_call_count();
    assert_int_equal(calls, 1 + 7 + 3); /* INCR; SCAN over 6 keys + the end; 3 REVOKEs */
    for (size_t k = 0; k < sizeof(FAULTS) / sizeof(FAULTS[0]); k++) {
        for (int at = 1; at <= calls; at++) {
            fixture *f = fixture_new();
            lk_mutex m[4];
            fault_world(f, m);
            int from = f->n;
            test_env_store_fault(&f->te, f->te.store_call_count + at, FAULTS[k].rc, FAULTS[k].apply, 0);
            lk_clear_result res;
            lk_rc rc = clear_run(f, &res);
            if (rc != LK_OK)
                fail_msg("%s (apply %d) at clear call %d: clear returned %s", lk_rc_name(FAULTS[k].rc), FAULTS[k].apply,
                         at, lk_rc_name(rc));
            assert_int_equal(f->te.fault.injected, 1);
            const rec_op *hit = &f->ops[from + at - 1];
            const rec_op *next = &f->ops[from + at];
            assert_int_equal(hit->rc, FAULTS[k].rc);
            /* resent as is */
            assert_int_equal(next->kind, hit->kind);
            assert_string_equal(next->key, hit->key);
            assert_string_equal(next->value, hit->value);
            assert_int_equal(next->num, hit->num);
            int incr_twice = hit->kind == LK_OP_INCR && FAULTS[k].apply;
            assert_int_equal(res.epoch, incr_twice ? 2 : 1);
            assert_int_equal(res.fence_floor, res.epoch << 32);
            assert_int_equal(f->publish_calls, 1);
            assert_int_equal(f->publish_floor, res.fence_floor);
            /* A revoke that was applied but whose reply was lost comes back ABSENT on the resend:
             * the lock is gone all the same, the count cannot know it was this clear. */
            int revoke_lost = hit->kind == LK_OP_REVOKE && FAULTS[k].apply;
            assert_int_equal(res.revoked, 3 - revoke_lost);
            for (int i = 0; i < 3; i++) {
                assert_int_equal(present(f, m[i].key, NULL), 0);
                char fence_key[LK_KEY_MAX];
                snprintf(fence_key, sizeof(fence_key), "%s:fence", m[i].key);
                assert_int_equal(present(f, fence_key, NULL), 1);
            }
            assert_int_equal(holds_token(f, &m[3]), 1);
            assert_deletes_only_locks(f, from);
            fault_world_fini(m);
            fixture_free(f);
        }
    }
}

/* A fault that persists from one of clear's calls on: clear gives up after a bounded number of
 * resends with that error, and a clear run after the store recovers completes the job. */
static void test_lk_clear_persistent_fault_then_retry(void **state) {
    (void)state;
    int calls = clear_call_count();
    for (size_t k = 0; k < sizeof(FAULTS) / sizeof(FAULTS[0]); k++) {
        for (int at = 1; at <= calls; at++) {
            fixture *f = fixture_new();
            lk_mutex m[4];
            fault_world(f, m);
            int64_t first = f->te.store_call_count + at;
            test_env_store_fault(&f->te, first, FAULTS[k].rc, FAULTS[k].apply, 1);
            lk_clear_result res;
            assert_int_equal(clear_run(f, &res), FAULTS[k].rc);
            int tries = f->te.fault.injected;
            assert_true(tries >= 2 && tries <= 8);                       /* resent, but not forever */
            assert_int_equal(f->te.store_call_count, first + tries - 1); /* then it stopped */
            assert_true(f->publish_calls <= 1);
            if (f->publish_calls == 0) assert_int_equal(res.revoked, 0);
            test_env_store_fault(&f->te, 0, LK_OK, 0, 0);
            assert_int_equal(clear_run(f, &res), LK_OK);
            for (int i = 0; i < 3; i++)
                assert_int_equal(present(f, m[i].key, NULL), 0);
            assert_int_equal(holds_token(f, &m[3]), 1);
            assert_deletes_only_locks(f, 0);
            fault_world_fini(m);
            fixture_free(f);
        }
    }
}

/* An epoch key that is not an integer: clear stops before publishing or deleting anything. */
static void test_lk_clear_bad_epoch_changes_nothing(void **state) {
    (void)state;
    fixture *f = fixture_new();
    lk_mutex a;
    holder_acquire(f, &a, PREFIX "a", NULL);
    test_env_store_set(&f->te, EPOCH, "not-a-number", 0);
    int from = f->n;
    lk_clear_result res;
    assert_int_equal(clear_run(f, &res), LK_ESTORE_PROTO);
    assert_int_equal(f->publish_calls, 0);
    assert_int_equal(f->n - from, 1); /* the INCR only */
    assert_int_equal(res.revoked, 0);
    assert_int_equal(holds_token(f, &a), 1);
    lk_mutex_fini(&a);
    fixture_free(f);
}

/* ---- bounds ---------------------------------------------------------------------------------- */

static void test_lk_clear_hundred_keys_under_bound(void **state) {
    (void)state;
    fixture *f = fixture_new();
    for (int i = 0; i < 100; i++) {
        char key[32], value[32];
        snprintf(key, sizeof(key), PREFIX "k%03d", i);
        snprintf(value, sizeof(value), "tok%d:%d", i, i + 1);
        test_env_store_set(&f->te, key, value, 60000);
    }
    test_env_store_set(&f->te, "lk:other:k000", "tok:1", 60000);
    int from = f->n;
    lk_clear_result res;
    assert_int_equal(clear_run(f, &res), LK_OK);
    assert_int_equal(res.revoked, 100);
    assert_int_equal(ops_of(f, from, LK_OP_SCAN), 101);
    assert_int_equal(ops_of(f, from, LK_OP_REVOKE), 100);
    /* Walked in key order, each key once. */
    const char *prev = "";
    for (int i = from; i < f->n; i++) {
        const rec_op *o = &f->ops[i];
        if (o->kind != LK_OP_SCAN || o->outcome != LK_FOUND) continue;
        assert_true(strcmp(o->reply_value, prev) > 0);
        prev = o->reply_value;
    }
    assert_int_equal(f->te.store->ks.count, 2); /* the epoch key and the outside key */
    assert_int_equal(present(f, "lk:other:k000", NULL), 1);
    assert_int_equal(lk_metric_total(&f->te.metrics, LK_METRIC_CLEAR_REVOKED), 100);
    fixture_free(f);
}

/* lk_mutex accepts lock keys up to LK_KEY_MAX - 7 = 121 bytes, so a namespace may hold a lock key
 * or a fence counter (6 bytes longer) of 96..127 bytes. SCAN reports the key it found in the
 * reply's value and takes its cursor as the op's value, both LK_VALUE_MAX (96) bytes with the NUL.
 * Every valid lock key must still be walked and revoked, without a reply overrunning its buffer.
 * 89 bytes is the control: its fence counter (95 bytes) still fits. */
static void test_lk_clear_long_lock_key(void **state) {
    (void)state;
    static const size_t lens[] = {89, 90, 100, LK_KEY_MAX - 7};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        fixture *f = fixture_new();
        char key[LK_KEY_MAX];
        memset(key, 'x', sizeof(key));
        memcpy(key, PREFIX, strlen(PREFIX));
        key[lens[i]] = '\0';
        lk_mutex a;
        holder_acquire(f, &a, key, EPOCH);
        lk_clear_result res;
        lk_rc rc = clear_run(f, &res);
        int overflows = f->overflows;
        int key_left = present(f, key, NULL);
        lk_mutex_fini(&a);
        fixture_free(f);
        if (overflows != 0 || rc != LK_OK || res.revoked != 1 || key_left)
            fail_msg("clear of a %zu-byte lock key returned %s (revoked %lld, key %s); %d SCAN "
                     "repl%s wrote past lk_store_reply (a key copied into value[%d])",
                     lens[i], lk_rc_name(rc), (long long)res.revoked, key_left ? "left" : "gone", overflows,
                     overflows == 1 ? "y" : "ies", LK_VALUE_MAX);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lk_clear_bumps_epoch),
        cmocka_unit_test(test_lk_clear_publishes_once_before_any_delete),
        cmocka_unit_test(test_lk_clear_revokes_older_keeps_newer),
        cmocka_unit_test(test_lk_clear_revokes_late_lock_without_epoch),
        cmocka_unit_test(test_lk_clear_never_deletes_fence_or_epoch_keys),
        cmocka_unit_test(test_lk_clear_leaves_keys_outside_prefix),
        cmocka_unit_test(test_lk_clear_skips_expired_locks),
        cmocka_unit_test(test_lk_clear_new_acquire_fence_above_floor),
        cmocka_unit_test(test_lk_clear_revoked_release_spares_successor),
        cmocka_unit_test(test_lk_clear_retries_each_fault),
        cmocka_unit_test(test_lk_clear_persistent_fault_then_retry),
        cmocka_unit_test(test_lk_clear_bad_epoch_changes_nothing),
        cmocka_unit_test(test_lk_clear_hundred_keys_under_bound),
        cmocka_unit_test(test_lk_clear_long_lock_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
