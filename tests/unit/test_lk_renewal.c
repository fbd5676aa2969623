/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_lk_renewal.c: proves that bounded auto-renewal (core/lk_renewal.c) keeps the contract of
 * lk_renewal.h. The renewal task loops, so the behaviour tests run it on the simulator, where it is
 * a real virtual thread: a small scenario defined here (holder c1, waiter c2, admin deleter c3,
 * each in its own process) runs once with sim_execute() under a chooser written here that always
 * runs the lowest enabled thread, logs every store op it executes (thread, op, send instant,
 * outcome) and can fail every extend of the renewal task with a connection error. The holder
 * records what the API told it at fixed check points (lost signal, renewal count, whether the key
 * still holds its token); the test then checks those records against the op log and the run's
 * metrics, and the lease, leak and client-validity oracles watch the run. Proved: the key outlives
 * its TTL while the budget lasts, with renewals every TTL/3; the task stops after renewals_max
 * renewals and after total_ms_max, the lease then expires and another client acquires; the lost
 * signal turns true when an extend finds no key or another owner and exactly when the local
 * validity passes; lk_renewal_stop joins the task and, when lost, leaves the mutex not held so its
 * release reports ABSENT or NOT_OWNER without touching a successor's key; the extend metrics count.
 * Argument checks (not held, bad options, allocation and task failures) and the metric count of a
 * whole renewal run use test_env.h, whose tasks run inline at start.
 * Thread bodies never call cmocka asserts (they run on fiber stacks): they record, the test checks.
 */
#include "test_env.h"

#include "core/lk_renewal.h"
#include "sim/run/sim_arena.h"
#include "sim_test_arena.h"
#include "sim/explore/sim_explore.h"
#include "sim/engine/sim_sched.h"

static const char KEY[] = "lk:renew";

/* ---- the chooser: lowest enabled thread, a store-op log, optional extend faults -------------- */

enum { OPS_MAX = 1024 };

typedef struct op_rec {
    int thread;         /* who sent it */
    lk_op_kind kind;    /* the op */
    int64_t sent_ns;    /* virtual send instant */
    lk_rc rc;           /* what the sender got */
    lk_outcome outcome; /* the reply's outcome (NONE on error) */
} op_rec;

typedef struct rn_chooser {
    int fault_task_extends; /* 1: every EXTEND of a task thread fails with a connection error */
    int faults;             /* fault decisions taken */
    int n;                  /* ops logged */
    op_rec ops[OPS_MAX];
} rn_chooser;

static int rn_decide(void *ctx, sim_run *run, const int *enabled, int n, sim_choice *out) {
    rn_chooser *ch = ctx;
    (void)n;
    const sim_thread *t = &run->thread[enabled[0]];
    out->kind = SIM_DEC_RUN;
    out->thread = enabled[0];
    if (ch->fault_task_extends && t->parent >= 0 && t->pend.vop == SIM_VOP_STORE && t->pend.op.kind == LK_OP_EXTEND) {
        out->kind = SIM_DEC_FAULT;
        out->variant = SIM_FAULT_CONN_ERROR;
        ch->faults++;
    }
    return 0;
}

static void rn_after(void *ctx, sim_run *run, const sim_choice *c, const sim_pending *done) {
    rn_chooser *ch = ctx;
    if (done == NULL || done->vop != SIM_VOP_STORE || ch->n == OPS_MAX) return;
    op_rec *o = &ch->ops[ch->n++];
    o->thread = c->thread;
    o->kind = done->op.kind;
    o->sent_ns = run->now_ns; /* the scheduler performs the op at its send instant */
    o->rc = done->rc;
    o->outcome = done->rc == LK_OK ? done->reply->outcome : LK_NONE;
}

/* ---- the scenario ---------------------------------------------------------------------------- */

enum { CHECKS_MAX = 40 };

/* What one run does (test-process state, set before each run). */
typedef struct rn_config {
    int64_t ttl_ms;      /* the lock's TTL */
    lk_renewal_opts ro;  /* renewal options */
    int checks;          /* holder check points */
    int64_t check_ms;    /* holder sleeps this long before each check */
    int c2;              /* 1: the waiter runs */
    int64_t c2_start_ms; /* when it starts */
    int64_t c2_wait_ms;  /* its acquire deadline, from its start */
    int64_t c2_hold_ms;  /* how long it holds before checking its key and releasing */
    int64_t c2_ttl_ms;   /* its lock TTL (long enough to outlast its hold) */
    int64_t del_at_ms;   /* > 0: admin c3 DELs the key then */
} rn_config;

static rn_config g_cfg;

/* Shared state in the run arena: what the threads recorded. */
typedef struct rn_state {
    lk_rc rc_acq; /* c1's try_acquire */
    lk_outcome acq_out;
    int64_t acq_valid_ns;        /* c1's mutex validity right after the acquire */
    lk_rc rc_start;              /* lk_renewal_start */
    int64_t start_ns;            /* instant start returned */
    int task_idx;                /* thread index of the renewal task */
    int64_t chk_t[CHECKS_MAX];   /* instant of each check (the lost signal's own instant) */
    int chk_lost[CHECKS_MAX];    /* lk_renewal_lost */
    int chk_count[CHECKS_MAX];   /* lk_renewal_count */
    int chk_present[CHECKS_MAX]; /* the key held c1's token (a GET right after) */
    int ended_before_stop;       /* r.ended just before lk_renewal_stop */
    int64_t stop_call_ns;        /* instant lk_renewal_stop was called */
    int64_t stop_ret_ns;         /* instant it returned */
    lk_rc rc_stop;
    int task_done_at_stop;    /* the task thread had ended when stop returned */
    int renewals;             /* r.renewals after stop */
    int lost_flag;            /* r.lost after stop */
    int64_t valid_after_ns;   /* r.valid_until_mono_ns after stop */
    int held_after_stop;      /* m.held */
    int maybe_after_stop;     /* m.maybe_held */
    int holds_after_stop;     /* lk_mutex_holds */
    int64_t fence_after_stop; /* lk_mutex_fence */
    lk_rc rc_rel;             /* c1's release */
    lk_outcome rel_out;
    lk_rc c2_rc;       /* c2's blocking acquire */
    int64_t c2_acq_ns; /* instant it returned */
    int c2_present;    /* after its hold, the key still held c2's token */
    lk_outcome c2_rel_out;
    int64_t del_num; /* keys c3's DEL removed */
} rn_state;

static int store_get_token(const lk_env *env, const char *token) {
    lk_store_op op = {.kind = LK_OP_GET, .key = KEY};
    lk_store_reply r;
    if (lk_env_store_exec(env, &op, &r) != LK_OK) return -1;
    return r.outcome == LK_FOUND && sim_store_value_has_token(r.value, token);
}

static void rn_holder(sim_thread *self, void *arg) {
    rn_state *st = arg;
    sim_run *run = sim_thread_run(self);
    const lk_env *env = sim_env(self);
    lk_mutex m;
    lk_mutex_opts mo = {.ttl_ms = g_cfg.ttl_ms, .drift_margin_ms = -1};
    lk_outcome out = LK_NONE;
    if (lk_mutex_init(&m, env, KEY, &mo) != LK_OK) return;
    st->rc_acq = lk_mutex_try_acquire(&m, &out);
    st->acq_out = out;
    st->acq_valid_ns = m.valid_until_mono_ns;
    if (st->rc_acq != LK_OK || out != LK_ACQUIRED) return;
    lk_renewal r;
    st->rc_start = lk_renewal_start(&r, &m, &g_cfg.ro);
    st->start_ns = lk_env_mono_ns(env);
    if (st->rc_start != LK_OK) return;
    st->task_idx = ((sim_thread *)r.task)->idx;
    for (int k = 0; k < g_cfg.checks && k < CHECKS_MAX; k++) {
        lk_env_sleep_ns(env, g_cfg.check_ms * MS);
        st->chk_lost[k] = lk_renewal_lost(&r);
        st->chk_t[k] = r.checked_mono_ns;
        st->chk_count[k] = lk_renewal_count(&r);
        if (!st->chk_lost[k]) sim_belief(self, KEY, r.checked_mono_ns); /* the validity oracle */
        st->chk_present[k] = store_get_token(env, m.token);
    }
    st->ended_before_stop = r.ended;
    st->stop_call_ns = lk_env_mono_ns(env);
    st->rc_stop = lk_renewal_stop(&r);
    st->stop_ret_ns = lk_env_mono_ns(env);
    st->task_done_at_stop = run->thread[st->task_idx].state == SIM_T_DONE;
    st->renewals = r.renewals;
    st->lost_flag = r.lost;
    st->valid_after_ns = r.valid_until_mono_ns;
    st->held_after_stop = m.held;
    st->maybe_after_stop = m.maybe_held;
    st->holds_after_stop = lk_mutex_holds(&m);
    st->fence_after_stop = lk_mutex_fence(&m);
    st->rc_rel = lk_mutex_release(&m, &out);
    st->rel_out = out;
    lk_mutex_fini(&m);
}

static void rn_waiter(sim_thread *self, void *arg) {
    rn_state *st = arg;
    const lk_env *env = sim_env(self);
    lk_mutex m;
    lk_mutex_opts mo = {.ttl_ms = g_cfg.c2_ttl_ms, .drift_margin_ms = -1};
    lk_outcome out = LK_NONE;
    if (lk_mutex_init(&m, env, KEY, &mo) != LK_OK) return;
    st->c2_rc = lk_mutex_acquire(&m, lk_env_mono_ns(env) + g_cfg.c2_wait_ms * MS, &out);
    st->c2_acq_ns = lk_env_mono_ns(env);
    if (st->c2_rc == LK_OK) {
        lk_env_sleep_ns(env, g_cfg.c2_hold_ms * MS);
        st->c2_present = store_get_token(env, m.token);
        lk_mutex_release(&m, &out);
        st->c2_rel_out = out;
    }
    lk_mutex_fini(&m);
}

static void rn_deleter(sim_thread *self, void *arg) {
    rn_state *st = arg;
    lk_store_op op = {.kind = LK_OP_DEL, .key = KEY};
    lk_store_reply r;
    if (lk_env_store_exec(sim_env(self), &op, &r) == LK_OK) st->del_num = r.num;
}

static int rn_setup(sim_run *run) {
    rn_state *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL) {
        sim_setup_error(run, "no memory for the test state");
        return -1;
    }
    sim_state_set(run, st);
    if (sim_lock_key(run, KEY) != 0) return -1;
    int p1 = sim_process_new(run, "p1"), p2 = sim_process_new(run, "p2");
    int p3 = sim_process_new(run, "p3");
    if (p1 < 0 || p2 < 0 || p3 < 0) return -1;
    if (sim_thread_new(run, p1, "c1", 0, rn_holder, st) != 0) return -1;
    if (g_cfg.c2 && sim_thread_new(run, p2, "c2", g_cfg.c2_start_ms * MS, rn_waiter, st) < 0) return -1;
    if (g_cfg.del_at_ms > 0) {
        int t = sim_thread_new(run, p3, "c3", g_cfg.del_at_ms * MS, rn_deleter, st);
        if (t < 0) return -1;
        sim_thread_admin(run, t); /* its DEL of c1's lock stands for a clear: by design */
    }
    return 0;
}

static const sim_variant_def rn_variants[] = {
    {"core", "the only variant: the scenario exercises lk_renewal"},
};

static const sim_scenario rn_scenario = {
    .name = "renewal_test",
    .description = "test_lk_renewal: a holder renews, a waiter waits, an admin may delete",
    .params = NULL,
    .param_count = 0,
    .variants = rn_variants,
    .variant_count = 1,
    .setup = rn_setup,
    .finish = NULL,
    .reads_metrics = 1, /* the cases read each process's metrics */
};

/* The defaults every case starts from: TTL 300 ms, default interval (100 ms), 1 ms RTT. */
static rn_config config_default(void) {
    rn_config c;
    memset(&c, 0, sizeof(c));
    c.ttl_ms = 300;
    c.checks = 0;
    c.check_ms = 100;
    c.c2_ttl_ms = 5000;
    return c;
}

static rn_chooser *chooser_new(void) {
    static rn_chooser ch;
    memset(&ch, 0, sizeof(ch));
    return &ch;
}

/* Runs the scenario once under 'ch' and fails the test unless the run passed every oracle. */
static rn_state *run_case(const rn_config *cfg, rn_chooser *ch) {
    g_cfg = *cfg;
    sim_config sc;
    sim_config_defaults(&sc, &rn_scenario, 0);
    sim_exec_args a = {&rn_scenario, 0, sc.param, 1, 0, 0, NULL, NULL};
    sim_chooser chooser = {ch, rn_decide, rn_after, NULL};
    sim_end end = sim_execute(g_run, &a, &chooser);
    if (end != SIM_END_PASS)
        fail_msg("run ended %d: %s: %s %s", (int)end, g_run->violation.oracle, g_run->violation.msg,
                 g_run->setup_error);
    assert_true(ch->n < OPS_MAX);
    rn_state *st = sim_state(g_run);
    assert_int_equal(st->rc_acq, LK_OK);
    assert_int_equal(st->acq_out, LK_ACQUIRED);
    assert_int_equal(st->rc_start, LK_OK);
    return st;
}

/* Number of logged ops of 'kind' sent by thread 'thread' with outcome 'outcome' (LK_NONE: any). */
static int ops_count(const rn_chooser *ch, int thread, lk_op_kind kind, lk_outcome outcome) {
    int n = 0;
    for (int i = 0; i < ch->n; i++)
        if (ch->ops[i].thread == thread && ch->ops[i].kind == kind &&
            (outcome == LK_NONE || ch->ops[i].outcome == outcome))
            n++;
    return n;
}

/* The i-th (0-based) logged op of 'kind' by 'thread', or fails the test. */
static const op_rec *op_nth(const rn_chooser *ch, int thread, lk_op_kind kind, int i) {
    for (int j = 0; j < ch->n; j++)
        if (ch->ops[j].thread == thread && ch->ops[j].kind == kind && i-- == 0) return &ch->ops[j];
    fail_msg("no op %s number %d by thread %d", lk_op_label(kind), i, thread);
    return NULL;
}

static int64_t metric(int proc, lk_metric m) {
    return lk_metric_total(&g_run->proc[proc].metrics, m);
}

static int64_t margin_ms(int64_t ttl_ms) {
    return ttl_ms / 100 + 1; /* lk_mutex's default drift margin */
}

/* ---- simulator tests ------------------------------------------------------------------------- */

/* With budget to spare the key holds c1's token long past its TTL; renewals come every TTL/3 (+ one
 * RTT for the extend itself); a waiter whose deadline is two TTLs away times out; the extend metric
 * counts every renewal; stop joins a task that was still running, and the release finds the key. */
static void test_lk_renewal_keeps_lock_past_ttl(void **state) {
    (void)state;
    rn_config cfg = config_default();
    cfg.checks = 4;
    cfg.check_ms = 200; /* checks at ~200, ~400, ~600, ~800 ms: up to 2.6 TTLs */
    cfg.c2 = 1;
    cfg.c2_start_ms = 50;
    cfg.c2_wait_ms = 600;
    rn_chooser *ch = chooser_new();
    rn_state *st = run_case(&cfg, ch);
    int task = st->task_idx;
    for (int k = 0; k < cfg.checks; k++) {
        assert_int_equal(st->chk_lost[k], 0);
        assert_int_equal(st->chk_present[k], 1);
        if (k > 0) assert_true(st->chk_count[k] > st->chk_count[k - 1]);
    }
    assert_true(st->chk_t[cfg.checks - 1] > 2 * cfg.ttl_ms * MS);
    /* Renewals every interval (default TTL/3 = 100 ms) plus the extend's own RTT. */
    int ext = ops_count(ch, task, LK_OP_EXTEND, LK_NONE);
    assert_true(ext >= 7);
    assert_int_equal(ops_count(ch, task, LK_OP_EXTEND, LK_EXTENDED), ext);
    for (int i = 1; i < ext; i++)
        assert_int_equal(op_nth(ch, task, LK_OP_EXTEND, i)->sent_ns - op_nth(ch, task, LK_OP_EXTEND, i - 1)->sent_ns,
                         100 * MS + 1 * MS);
    assert_int_equal(op_nth(ch, task, LK_OP_EXTEND, 0)->sent_ns, st->start_ns + 100 * MS);
    /* The waiter never got in. */
    assert_int_equal(st->c2_rc, LK_ETIMEDOUT);
    assert_int_equal(ops_count(ch, 1, LK_OP_ACQUIRE, LK_ACQUIRED), 0);
    /* stop joined a live task: no extend was sent after stop was called. */
    assert_int_equal(st->ended_before_stop, 0);
    assert_int_equal(st->rc_stop, LK_OK);
    assert_int_equal(st->task_done_at_stop, 1);
    assert_true(st->stop_ret_ns >= st->stop_call_ns);
    const op_rec *last = op_nth(ch, task, LK_OP_EXTEND, ext - 1);
    assert_true(last->sent_ns < st->stop_call_ns);
    assert_int_equal(st->stop_ret_ns, st->stop_call_ns); /* stop wakes the task: no interval's wait left */
    assert_int_equal(st->renewals, ext);
    assert_int_equal(st->lost_flag, 0);
    assert_int_equal(st->held_after_stop, 1);
    assert_int_equal(st->holds_after_stop, 1);
    /* The validity handed back to the mutex is the last renewal's. */
    assert_int_equal(st->valid_after_ns, last->sent_ns + (cfg.ttl_ms - margin_ms(cfg.ttl_ms)) * MS);
    assert_int_equal(st->rc_rel, LK_OK);
    assert_int_equal(st->rel_out, LK_RELEASED);
    /* Metrics of c1's process: one EXTEND_EXTENDED per renewal, no loss. */
    assert_int_equal(metric(0, LK_METRIC_EXTEND_EXTENDED), ext);
    assert_int_equal(metric(0, LK_METRIC_EXTEND_LOST), 0);
}

/* renewals_max = 3: exactly three extends, then the task ends by itself; the lost signal turns true
 * exactly when the last renewal's validity passes; the key expires one TTL after the last renewal
 * and the waiter acquires then; c1's release finds the waiter's token and leaves it alone. */
static void test_lk_renewal_stops_after_renewals_max(void **state) {
    (void)state;
    rn_config cfg = config_default();
    cfg.ro.renewals_max = 3;
    cfg.checks = 30;
    cfg.check_ms = 50; /* the holder hangs ~1.5 s */
    cfg.c2 = 1;
    cfg.c2_start_ms = 20;
    cfg.c2_wait_ms = 3000;
    cfg.c2_hold_ms = 2000; /* still holding when c1 releases */
    rn_chooser *ch = chooser_new();
    rn_state *st = run_case(&cfg, ch);
    int task = st->task_idx;
    assert_int_equal(ops_count(ch, task, LK_OP_EXTEND, LK_NONE), 3);
    assert_int_equal(ops_count(ch, task, LK_OP_EXTEND, LK_EXTENDED), 3);
    assert_int_equal(st->renewals, 3);
    assert_int_equal(st->chk_count[cfg.checks - 1], 3);
    assert_int_equal(st->ended_before_stop, 1);
    int64_t last_ns = op_nth(ch, task, LK_OP_EXTEND, 2)->sent_ns;
    int64_t valid_ns = last_ns + (cfg.ttl_ms - margin_ms(cfg.ttl_ms)) * MS;
    int saw_lost = 0, saw_held = 0;
    for (int k = 0; k < cfg.checks; k++) {
        if (st->chk_lost[k] != (st->chk_t[k] >= valid_ns))
            fail_msg("check %d at %lld ns: lost %d, validity until %lld ns", k, (long long)st->chk_t[k],
                     st->chk_lost[k], (long long)valid_ns);
        saw_lost |= st->chk_lost[k];
        saw_held |= !st->chk_lost[k];
    }
    assert_true(saw_lost && saw_held);
    /* The waiter's winning acquire came once the key had expired (server > deadline) and within
     * one backoff cap (200 ms) of it. */
    assert_int_equal(st->c2_rc, LK_OK);
    const op_rec *won = op_nth(ch, 1, LK_OP_ACQUIRE, ops_count(ch, 1, LK_OP_ACQUIRE, LK_NONE) - 1);
    assert_int_equal(won->outcome, LK_ACQUIRED);
    assert_true(won->sent_ns > last_ns + (cfg.ttl_ms - 1) * MS);
    assert_true(won->sent_ns <= last_ns + (cfg.ttl_ms + 200 + 2) * MS);
    /* c1: the renewal handed back a passed validity; its release finds c2's token. */
    assert_int_equal(st->rc_stop, LK_OK);
    assert_int_equal(st->valid_after_ns, valid_ns);
    assert_int_equal(st->holds_after_stop, 0);
    assert_int_equal(st->rc_rel, LK_OK);
    assert_int_equal(st->rel_out, LK_NOT_OWNER);
    assert_int_equal(ops_count(ch, 0, LK_OP_RELEASE, LK_NOT_OWNER), 1);
    assert_int_equal(st->c2_present, 1);
    assert_int_equal(st->c2_rel_out, LK_RELEASED);
    assert_int_equal(metric(0, LK_METRIC_EXTEND_EXTENDED), 3);
    assert_int_equal(metric(0, LK_METRIC_EXTEND_LOST), 0);
}

/* total_ms_max = 350 with a large renewals_max: only the extends due before start + 350 ms are sent
 * (at ~100, ~200, ~300 ms), then the task ends, the lease runs out and the waiter acquires. */
static void test_lk_renewal_stops_after_total_ms_max(void **state) {
    (void)state;
    rn_config cfg = config_default();
    cfg.ro.renewals_max = 100;
    cfg.ro.total_ms_max = 350;
    cfg.checks = 20;
    cfg.check_ms = 60;
    cfg.c2 = 1;
    cfg.c2_start_ms = 20;
    cfg.c2_wait_ms = 3000;
    cfg.c2_hold_ms = 10;
    rn_chooser *ch = chooser_new();
    rn_state *st = run_case(&cfg, ch);
    int task = st->task_idx;
    int ext = ops_count(ch, task, LK_OP_EXTEND, LK_NONE);
    assert_int_equal(ext, 3);
    assert_int_equal(st->renewals, 3);
    for (int i = 0; i < ext; i++)
        assert_true(op_nth(ch, task, LK_OP_EXTEND, i)->sent_ns < st->start_ns + 350 * MS);
    assert_int_equal(st->ended_before_stop, 1);
    int64_t last_ns = op_nth(ch, task, LK_OP_EXTEND, ext - 1)->sent_ns;
    assert_int_equal(st->c2_rc, LK_OK);
    const op_rec *won = op_nth(ch, 1, LK_OP_ACQUIRE, ops_count(ch, 1, LK_OP_ACQUIRE, LK_NONE) - 1);
    assert_int_equal(won->outcome, LK_ACQUIRED);
    assert_true(won->sent_ns > last_ns + (cfg.ttl_ms - 1) * MS);
    assert_true(won->sent_ns <= last_ns + (cfg.ttl_ms + 200 + 2) * MS);
    /* The lost signal turned true once the last validity passed, and stayed so. */
    assert_int_equal(st->chk_lost[cfg.checks - 1], 1);
    assert_int_equal(st->holds_after_stop, 0);
    assert_int_equal(st->rc_rel, LK_OK);
    assert_true(st->rel_out == LK_ABSENT || st->rel_out == LK_NOT_OWNER);
    assert_int_equal(ops_count(ch, 0, LK_OP_RELEASE, LK_RELEASED), 0);
    assert_int_equal(metric(0, LK_METRIC_EXTEND_EXTENDED), 3);
}

/* An admin deletes the key at 150 ms, between the renewals at ~100 and ~200 ms: the next extend
 * finds no key, the lost signal turns true although the local validity has not passed, the task
 * stops extending, EXTEND_LOST counts it, and after stop the mutex is not held and its release
 * reports ABSENT. */
static void test_lk_renewal_lost_when_key_deleted(void **state) {
    (void)state;
    rn_config cfg = config_default();
    cfg.checks = 4;
    cfg.check_ms = 120; /* ~120 (before the DEL), ~240, ~360, ~480 ms */
    cfg.del_at_ms = 150;
    rn_chooser *ch = chooser_new();
    rn_state *st = run_case(&cfg, ch);
    int task = st->task_idx;
    assert_int_equal(st->del_num, 1);
    assert_int_equal(ops_count(ch, task, LK_OP_EXTEND, LK_EXTENDED), 1);
    assert_int_equal(ops_count(ch, task, LK_OP_EXTEND, LK_ABSENT), 1);
    assert_int_equal(ops_count(ch, task, LK_OP_EXTEND, LK_NONE), 2); /* none after the loss */
    const op_rec *gone = op_nth(ch, task, LK_OP_EXTEND, 1);
    assert_int_equal(gone->outcome, LK_ABSENT);
    assert_int_equal(st->chk_lost[0], 0);
    assert_int_equal(st->chk_present[0], 1);
    assert_true(st->chk_t[0] < gone->sent_ns);
    for (int k = 1; k < cfg.checks; k++) {
        assert_true(st->chk_t[k] > gone->sent_ns);
        assert_int_equal(st->chk_lost[k], 1);
        assert_int_equal(st->chk_present[k], 0);
    }
    /* Lost by the extend, not by the clock: the first lost check came before the validity passed.
     */
    assert_true(st->chk_t[1] < op_nth(ch, task, LK_OP_EXTEND, 0)->sent_ns + (cfg.ttl_ms - margin_ms(cfg.ttl_ms)) * MS);
    assert_int_equal(st->rc_stop, LK_OK);
    assert_int_equal(st->lost_flag, 1);
    assert_int_equal(st->held_after_stop, 0);
    assert_int_equal(st->holds_after_stop, 0);
    assert_int_equal(st->fence_after_stop, 0);
    assert_int_equal(st->rc_rel, LK_OK);
    assert_int_equal(st->rel_out, LK_ABSENT);
    assert_int_equal(metric(0, LK_METRIC_EXTEND_EXTENDED), 1);
    assert_int_equal(metric(0, LK_METRIC_EXTEND_LOST), 1);
    assert_int_equal(metric(0, LK_METRIC_RELEASE_ABSENT), 1);
}

/* The key is deleted at 150 ms and the waiter acquires it at once: the next extend finds another
 * owner, the lost signal turns true, and c1's release (while c2 still holds) reports NOT_OWNER and
 * leaves c2's key in place for c2 to release. */
static void test_lk_renewal_lost_to_another_owner(void **state) {
    (void)state;
    rn_config cfg = config_default();
    cfg.checks = 3;
    cfg.check_ms = 120;
    cfg.del_at_ms = 150;
    cfg.c2 = 1;
    cfg.c2_start_ms = 160;
    cfg.c2_wait_ms = 1000;
    cfg.c2_hold_ms = 800;
    rn_chooser *ch = chooser_new();
    rn_state *st = run_case(&cfg, ch);
    int task = st->task_idx;
    assert_int_equal(st->c2_rc, LK_OK);
    assert_int_equal(st->c2_acq_ns, 161 * MS); /* first try, right after the DEL */
    assert_int_equal(ops_count(ch, task, LK_OP_EXTEND, LK_NOT_OWNER), 1);
    assert_int_equal(ops_count(ch, task, LK_OP_EXTEND, LK_NONE), 2);
    const op_rec *taken = op_nth(ch, task, LK_OP_EXTEND, 1);
    assert_int_equal(taken->outcome, LK_NOT_OWNER);
    assert_int_equal(st->chk_lost[0], 0);
    for (int k = 1; k < cfg.checks; k++)
        assert_int_equal(st->chk_lost[k], 1);
    assert_int_equal(st->lost_flag, 1);
    assert_int_equal(st->held_after_stop, 0);
    assert_int_equal(st->maybe_after_stop, 1); /* a release may still run, comparing the token */
    assert_int_equal(st->rc_rel, LK_OK);
    assert_int_equal(st->rel_out, LK_NOT_OWNER);
    assert_true(op_nth(ch, 0, LK_OP_RELEASE, 0)->sent_ns < st->c2_acq_ns + cfg.c2_hold_ms * MS);
    assert_int_equal(st->c2_present, 1);
    assert_int_equal(st->c2_rel_out, LK_RELEASED);
    assert_int_equal(metric(0, LK_METRIC_EXTEND_LOST), 1);
    assert_int_equal(metric(0, LK_METRIC_RELEASE_NOT_OWNER), 1);
    assert_int_equal(metric(1, LK_METRIC_RELEASE_RELEASED), 1);
}

/* Every extend fails with a connection error: nothing is renewed, the validity stays the acquire's,
 * the lost signal turns true exactly when it passes, the attempts stay within the budget, and the
 * key expires on its own (the release finds it absent). */
static void test_lk_renewal_lost_when_validity_passes(void **state) {
    (void)state;
    rn_config cfg = config_default();
    cfg.ro.renewals_max = 3;
    cfg.checks = 30;
    cfg.check_ms = 40; /* ~1.2 s: an unbounded retry loop would send ~11 extends */
    rn_chooser *ch = chooser_new();
    ch->fault_task_extends = 1;
    rn_state *st = run_case(&cfg, ch);
    int task = st->task_idx;
    /* Failed extends are not renewals, but they are bounded too: renewals_max + 1 attempts. */
    int attempts = ops_count(ch, task, LK_OP_EXTEND, LK_NONE);
    assert_int_equal(st->ended_before_stop, 1);
    assert_true(attempts >= 1 && attempts <= cfg.ro.renewals_max + 1);
    assert_int_equal(ch->faults, attempts);
    assert_int_equal(ops_count(ch, task, LK_OP_EXTEND, LK_EXTENDED), 0);
    assert_int_equal(st->renewals, 0);
    int saw_lost = 0, saw_held = 0;
    for (int k = 0; k < cfg.checks; k++) {
        if (st->chk_lost[k] != (st->chk_t[k] >= st->acq_valid_ns))
            fail_msg("check %d at %lld ns: lost %d, validity until %lld ns", k, (long long)st->chk_t[k],
                     st->chk_lost[k], (long long)st->acq_valid_ns);
        saw_lost |= st->chk_lost[k];
        saw_held |= !st->chk_lost[k];
        assert_int_equal(st->chk_count[k], 0);
    }
    assert_true(saw_lost && saw_held);
    assert_int_equal(st->valid_after_ns, st->acq_valid_ns);
    assert_int_equal(st->holds_after_stop, 0);
    assert_int_equal(st->rc_rel, LK_OK);
    assert_int_equal(st->rel_out, LK_ABSENT);
    assert_int_equal(metric(0, LK_METRIC_EXTEND_EXTENDED), 0);
    assert_int_equal(metric(0, LK_METRIC_EXTEND_LOST), 0);
}

/* ---- test_env tests (tasks run inline at start) ---------------------------------------------- */

static void mutex_acquired(lk_mutex *m, test_env *te, int64_t ttl_ms) {
    lk_mutex_opts mo = {.ttl_ms = ttl_ms, .drift_margin_ms = -1};
    lk_outcome out = LK_NONE;
    assert_int_equal(lk_mutex_init(m, &te->env, KEY, &mo), LK_OK);
    assert_int_equal(lk_mutex_try_acquire(m, &out), LK_OK);
    assert_int_equal(out, LK_ACQUIRED);
}

/* A failed start leaves nothing behind: no task, no mutex, stop is a no-op. */
static void assert_nothing_started(test_env *te, lk_renewal *r, int64_t calls_before) {
    assert_int_equal(te->task_starts, 0);
    assert_int_equal(te->alloc_live, 0);
    assert_null(r->mu);
    assert_null(r->wake);
    assert_null(r->task);
    assert_int_equal(te->store_call_count, calls_before);
    assert_int_equal(lk_renewal_stop(r), LK_OK);
    assert_int_equal(lk_renewal_count(r), 0);
}

static void test_lk_renewal_start_not_held_is_misuse(void **state) {
    (void)state;
    test_env te;
    test_env_init(&te, 1);
    lk_mutex m;
    lk_mutex_opts mo = {.ttl_ms = 300};
    assert_int_equal(lk_mutex_init(&m, &te.env, KEY, &mo), LK_OK);
    lk_renewal r;
    assert_int_equal(lk_renewal_start(&r, &m, NULL), LK_EMISUSE);
    assert_true(strlen(r.errmsg) > 0);
    assert_nothing_started(&te, &r, 0);
    assert_int_equal(lk_renewal_lost(&r), 1); /* not held: the holder must not trust it */
    /* After a release the mutex is not held either. */
    lk_outcome out = LK_NONE;
    assert_int_equal(lk_mutex_try_acquire(&m, &out), LK_OK);
    assert_int_equal(lk_mutex_release(&m, &out), LK_OK);
    assert_int_equal(out, LK_RELEASED);
    int64_t calls = te.store_call_count;
    assert_int_equal(lk_renewal_start(&r, &m, NULL), LK_EMISUSE);
    assert_nothing_started(&te, &r, calls);
    lk_mutex_fini(&m);
    test_env_fini(&te);
}

static void test_lk_renewal_bad_opts_einval(void **state) {
    (void)state;
    static const lk_renewal_opts bad[] = {
        {.interval_ms = -1},
        {.renewals_max = -1},
        {.total_ms_max = -1},
        {.interval_ms = INT64_MIN, .renewals_max = 3},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        test_env te;
        test_env_init(&te, 1);
        lk_mutex m;
        mutex_acquired(&m, &te, 300);
        int64_t calls = te.store_call_count;
        lk_renewal r;
        assert_int_equal(lk_renewal_start(&r, &m, &bad[i]), LK_EINVAL);
        assert_true(strlen(r.errmsg) > 0);
        assert_nothing_started(&te, &r, calls);
        assert_int_equal(m.held, 1); /* the mutex is untouched */
        lk_mutex_fini(&m);
        test_env_fini(&te);
    }
}

/* The renewal mutex (allocation 1), its wake (2) or the task handle (3) cannot be had. */
static void test_lk_renewal_start_failure_cleans_up(void **state) {
    (void)state;
    static const lk_rc want[] = {LK_ENOMEM, LK_ENOMEM, LK_ETASK};
    for (int at = 1; at <= 3; at++) {
        test_env te;
        test_env_init(&te, 1);
        lk_mutex m;
        mutex_acquired(&m, &te, 300);
        int64_t calls = te.store_call_count;
        te.alloc_fail_at = te.alloc_count + at;
        lk_renewal r;
        lk_renewal_opts ro = {.renewals_max = 2};
        assert_int_equal(lk_renewal_start(&r, &m, &ro), want[at - 1]);
        assert_int_equal(te.alloc_failed, 1);
        assert_nothing_started(&te, &r, calls);
        lk_mutex_fini(&m);
        test_env_fini(&te);
    }
}

/* With inline tasks the whole renewal runs inside start: exactly renewals_max extends, every one
 * counted by EXTEND_EXTENDED, one interval apart; the key then still holds the token with a full
 * TTL from the last extend, and stop hands that validity back. */
static void test_lk_renewal_metric_counts_extends(void **state) {
    (void)state;
    test_env te;
    test_env_init(&te, 7);
    lk_mutex m;
    mutex_acquired(&m, &te, 300);
    lk_renewal r;
    lk_renewal_opts ro = {.interval_ms = 50, .renewals_max = 4};
    lk_mono_ns t0 = te.mono_ns;
    assert_int_equal(lk_renewal_start(&r, &m, &ro), LK_OK);
    assert_int_equal(te.task_starts, 1);
    assert_int_equal(test_env_store_calls_of(&te, LK_OP_EXTEND), 4);
    assert_int_equal(lk_metric_total(&te.metrics, LK_METRIC_EXTEND_EXTENDED), 4);
    assert_int_equal(lk_metric_total(&te.metrics, LK_METRIC_EXTEND_LOST), 0);
    assert_int_equal(lk_renewal_count(&r), 4);
    assert_int_equal(r.ended, 1);
    assert_int_equal(te.waits, 5); /* 4 renewals, then the wake-up that finds the budget spent */
    assert_int_equal(te.waits_woken, 0);
    assert_int_equal(te.mono_ns - t0, 5 * 50 * MS); /* each wait its whole interval */
    char value[LK_VALUE_MAX];
    assert_int_equal(test_env_store_get(&te, KEY, value), 1);
    assert_true(sim_store_value_has_token(value, m.token));
    assert_int_equal(lk_renewal_lost(&r), 0);
    assert_int_equal(lk_renewal_stop(&r), LK_OK);
    assert_true(m.valid_until_mono_ns > te.mono_ns);
    lk_outcome out = LK_NONE;
    assert_int_equal(lk_mutex_release(&m, &out), LK_OK);
    assert_int_equal(out, LK_RELEASED);
    lk_mutex_fini(&m);
    test_env_fini(&te);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lk_renewal_keeps_lock_past_ttl),
        cmocka_unit_test(test_lk_renewal_stops_after_renewals_max),
        cmocka_unit_test(test_lk_renewal_stops_after_total_ms_max),
        cmocka_unit_test(test_lk_renewal_lost_when_key_deleted),
        cmocka_unit_test(test_lk_renewal_lost_to_another_owner),
        cmocka_unit_test(test_lk_renewal_lost_when_validity_passes),
        cmocka_unit_test(test_lk_renewal_start_not_held_is_misuse),
        cmocka_unit_test(test_lk_renewal_bad_opts_einval),
        cmocka_unit_test(test_lk_renewal_start_failure_cleans_up),
        cmocka_unit_test(test_lk_renewal_metric_counts_extends),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
