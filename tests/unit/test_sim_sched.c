/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sim_sched.c: proves that the simulator core (sim/engine/sim_sched.c, sim/engine/sim_env.c, the oracles and
 * the fibers) keeps the contract of sim_sched.h and design.md §2-§5. Each test defines a tiny
 * scenario in this file (not in the catalog) whose virtual threads drive the process env, runs it
 * once with sim_execute() on the run arena (mapped once for the whole binary) under a chooser
 * written here (lowest or highest enabled thread, or a scripted list, plus an optional hook), and
 * checks what the threads recorded (virtual instants, rcs, entropy bytes), what the chooser was
 * offered, and the run state left behind (store, verdict, step count). Covered: time jumps to the
 * earliest wake-up and no real time passes; a store op is applied at send + RTT/2 and returns at
 * send + RTT; only enabled threads are offered; deadlock and step-bound verdicts; determinism of
 * the per-thread entropy streams and of the run state; advance targets and advance decisions;
 * tasks, once and allocation failure through the env; the lease, leak and singleton oracles (each
 * with a passing control run, so a verdict is caused by the op under test); deep recursion on fiber
 * stacks. Thread bodies never call cmocka asserts (they run on fiber stacks): they record, the test
 * checks.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/run/sim_arena.h"
#include "sim_test_arena.h"
#include "sim/explore/sim_explore.h"
#include "sim/engine/sim_sched.h"

#define SEC INT64_C(1000000000)


/* ---- the chooser ----------------------------------------------------------------------------- */

enum { LOG_MAX = 512, JUMPS_MAX = 64 };
enum { CHOOSE_LOWEST, CHOOSE_HIGHEST, CHOOSE_SCRIPT };

typedef struct test_chooser test_chooser;
/* Returns 1 if it filled 'out' itself, 0 to let the mode decide. */
typedef int (*chooser_hook)(test_chooser *tc, sim_run *run, const int *enabled, int n,
                            sim_choice *out);

typedef struct offer {
    int n;                        /* threads offered */
    int enabled[SIM_THREADS_MAX]; /* their indices, as offered */
    int pick;                     /* the thread run, -1 for an advance */
    int64_t now_ns;               /* virtual time of the decision */
} offer;

struct test_chooser {
    int mode;          /* CHOOSE_* */
    const int *script; /* CHOOSE_SCRIPT: thread indices; after the script: lowest */
    int script_len;
    chooser_hook hook;  /* may be NULL */
    int decides;        /* decide calls */
    int bad_offers;     /* offers that were not ascending, empty, or held a thread not enabled */
    int aborted;        /* 1 if a scripted thread was not enabled */
    int afters;         /* after calls */
    int afters_advance; /* of those, for an advance (done == NULL) */
    int afters_bad;     /* RUN afters with a NULL 'done', jumps not to the new time */
    int jump_n;
    int64_t jump_ns[JUMPS_MAX]; /* 'to' of each jump */
    offer log[LOG_MAX];         /* the first decisions */
    int64_t x[16];              /* hook scratch */
};

static int chooser_decide(void *ctx, sim_run *run, const int *enabled, int n, sim_choice *out) {
    test_chooser *tc = ctx;
    int idx = tc->decides++;
    if (n < 1) tc->bad_offers++;
    for (int i = 0; i < n; i++) {
        if (i > 0 && enabled[i] <= enabled[i - 1]) tc->bad_offers++;
        if (run->thread[enabled[i]].state != SIM_T_PENDING) tc->bad_offers++;
    }
    offer *o = idx < LOG_MAX ? &tc->log[idx] : NULL;
    if (o) {
        o->n = n;
        memcpy(o->enabled, enabled, sizeof(int) * (size_t)n);
        o->now_ns = run->now_ns;
    }
    if (tc->hook && tc->hook(tc, run, enabled, n, out)) {
        if (o) o->pick = out->kind == SIM_DEC_RUN ? out->thread : -1;
        return 0;
    }
    out->kind = SIM_DEC_RUN;
    if (tc->mode == CHOOSE_SCRIPT && idx < tc->script_len) {
        int want = tc->script[idx], ok = 0;
        for (int i = 0; i < n; i++)
            ok |= enabled[i] == want;
        if (!ok) {
            tc->aborted = 1;
            return -1;
        }
        out->thread = want;
    } else {
        out->thread = tc->mode == CHOOSE_HIGHEST ? enabled[n - 1] : enabled[0];
    }
    if (o) o->pick = out->thread;
    return 0;
}

static void chooser_after(void *ctx, sim_run *run, const sim_choice *c, const sim_pending *done) {
    (void)run;
    test_chooser *tc = ctx;
    tc->afters++;
    if (c->kind == SIM_DEC_ADVANCE)
        tc->afters_advance += done == NULL;
    else
        tc->afters_bad += done == NULL;
}

static void chooser_jump(void *ctx, sim_run *run, int64_t to_ns) {
    test_chooser *tc = ctx;
    if (to_ns != run->now_ns) tc->afters_bad++;
    if (tc->jump_n < JUMPS_MAX) tc->jump_ns[tc->jump_n] = to_ns;
    tc->jump_n++;
}

/* A zeroed chooser (static storage: it is large). */
static test_chooser *chooser_new(int mode) {
    static test_chooser tc;
    memset(&tc, 0, sizeof(tc));
    tc.mode = mode;
    return &tc;
}

typedef struct override {
    const char *name;
    int64_t value;
} override;

/* Runs 'sc' once on the arena with 'seed' under 'tc'; 'ov' ends with a NULL name (or is NULL). */
static sim_end run_sc(const sim_scenario *sc, uint64_t seed, const override *ov, test_chooser *tc,
                      int64_t alloc_fail_at) {
    sim_config cfg;
    char err[256];
    sim_config_defaults(&cfg, sc, 0);
    for (int i = 0; ov && ov[i].name; i++) {
        if (sim_config_set(&cfg, ov[i].name, ov[i].value, err, sizeof(err)) != 0)
            fail_msg("%s", err);
    }
    sim_exec_args a = {sc, 0, cfg.param, seed, alloc_fail_at, 0, NULL, NULL};
    sim_chooser ch = {tc, chooser_decide, chooser_after, chooser_jump};
    sim_end end = sim_execute(g_run, &a, &ch);
    assert_int_equal(tc->bad_offers, 0);
    assert_int_equal(tc->afters_bad, 0);
    return end;
}

static void assert_verdict(const char *oracle) {
    assert_true(g_run->violation.set);
    assert_string_equal(g_run->violation.oracle, oracle);
}

/* ---- the scenarios --------------------------------------------------------------------------- */

/* Shared state of every test scenario; lives in the run arena (sim_state_alloc). */
typedef struct sched_state {
    void *mu[2];                /* env mutexes */
    void *task[2];              /* task handles */
    int flag;                   /* an lk_env_once flag */
    int once_calls;             /* runs of the once function */
    int once_done;              /* 1 when the once function returned */
    int holds;                  /* 1 while c1 holds mu[0] (mutex test) */
    int task_done;              /* tasks that returned */
    int64_t t[16];              /* instants threads recorded, virtual ns */
    int64_t v[16];              /* values threads recorded */
    lk_rc rc[16];               /* results threads recorded */
    void *ptr[8];               /* allocations */
    unsigned char bytes[4][32]; /* entropy each thread drew */
    char name[4][SIM_NAME_MAX]; /* thread names seen inside tasks */
    int depth_errors;           /* fiber recursion: frames whose bytes changed */
    int64_t depth_sum[2];       /* fiber recursion: the sums */
} sched_state;

static const sim_param_def sched_params[] = {
    {"ttl_ms", 10000, 1, 600000, "lease TTL of the oracle tests, ms"},
    {"sleep_ms", 5000, 0, 600000, "how long the sleeping thread sleeps, ms"},
};

static const sim_variant_def sched_variants[] = {
    {"core", "the only variant: each scenario tests one simulator mechanism"},
};

#define SCHED_SCENARIO(id, setup_fn)                                                               \
    static const sim_scenario sched_sc_##id = {                                                    \
        .name = "sched_" #id,                                                                      \
        .description = "test_sim_sched: " #id,                                                     \
        .params = sched_params,                                                                    \
        .param_count = sizeof(sched_params) / sizeof(sched_params[0]),                             \
        .variants = sched_variants,                                                                \
        .variant_count = sizeof(sched_variants) / sizeof(sched_variants[0]),                       \
        .setup = setup_fn,                                                                         \
        .finish = sched_finish,                                                                    \
    }

static int finish_calls; /* sched_finish runs; test-process state, not run state */

static void sched_finish(sim_run *run) {
    (void)run;
    finish_calls++;
}

static sched_state *state_new(sim_run *run) {
    sched_state *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL) {
        sim_setup_error(run, "no memory for the test state");
        return NULL;
    }
    sim_state_set(run, st);
    return st;
}

static sched_state *self_state(sim_thread *self) {
    return sim_state(sim_thread_run(self));
}

/* Creates process "p1" and threads named 'names' (NULL-terminated) running 'fn', all at 'start_ns'.
 */
static int setup_threads(sim_run *run, const char *const *names, sim_thread_fn fn,
                         int64_t start_ns) {
    sched_state *st = state_new(run);
    int p = sim_process_new(run, "p1");
    if (st == NULL || p < 0) return -1;
    for (int i = 0; names[i]; i++)
        if (sim_thread_new(run, p, names[i], start_ns, fn, st) < 0) return -1;
    return 0;
}

static lk_rc store_get(const lk_env *env, const char *key, lk_store_reply *r) {
    lk_store_op op = {.kind = LK_OP_GET, .key = key};
    return lk_env_store_exec(env, &op, r);
}

static lk_rc store_set(const lk_env *env, const char *key, const char *value, int64_t ttl_ms,
                       unsigned flags, lk_store_reply *r) {
    lk_store_op op = {
        .kind = LK_OP_SET, .key = key, .value = value, .ttl_ms = ttl_ms, .flags = flags};
    return lk_env_store_exec(env, &op, r);
}

static lk_rc store_del(const lk_env *env, const char *key, lk_store_reply *r) {
    lk_store_op op = {.kind = LK_OP_DEL, .key = key};
    return lk_env_store_exec(env, &op, r);
}

/* ---- virtual time ---------------------------------------------------------------------------- */

/* c1: GET, sleep sleep_ms, GET. c2: sleep 2 s. Each records its instants. */
static void sleeper_thread(sim_thread *self, void *arg) {
    sched_state *st = arg;
    const lk_env *env = sim_env(self);
    lk_store_reply r;
    if (self->idx == 0) {
        st->t[0] = lk_env_mono_ns(env);
        st->rc[0] = store_get(env, "k", &r);
        st->t[1] = lk_env_mono_ns(env);
        st->rc[1] = lk_env_sleep_ns(env, sim_param(sim_thread_run(self), "sleep_ms") * MS);
        st->t[2] = lk_env_mono_ns(env);
        st->rc[2] = store_get(env, "k", &r);
        st->t[3] = lk_env_mono_ns(env);
    } else {
        st->rc[4] = lk_env_sleep_ns(env, 2 * SEC);
        st->t[4] = lk_env_mono_ns(env);
    }
}

static int sleeper_setup(sim_run *run) {
    static const char *const names[] = {"c1", "c2", NULL};
    return setup_threads(run, names, sleeper_thread, 0);
}
SCHED_SCENARIO(sleeper, sleeper_setup);

static double real_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_sim_sched_time_jumps_to_earliest_wake(void **state) {
    (void)state;
    test_chooser *tc = chooser_new(CHOOSE_LOWEST);
    finish_calls = 0;
    double t0 = real_seconds();
    assert_int_equal(run_sc(&sched_sc_sleeper, 1, NULL, tc, 0), SIM_END_PASS);
    double elapsed = real_seconds() - t0;
    assert_true(elapsed < 1.0); /* a 5 s sleep took no real time */
    assert_int_equal(finish_calls, 1);
    sched_state *st = sim_state(g_run);
    const int64_t rtt = 1 * MS; /* rtt_us default 1000 */
    for (int i = 0; i <= 4; i++)
        assert_int_equal(st->rc[i], LK_OK);
    assert_int_equal(st->t[0], 0);
    assert_int_equal(st->t[1], rtt);
    assert_int_equal(st->t[2], 5 * SEC + rtt);
    assert_int_equal(st->t[3], 5 * SEC + 2 * rtt);
    assert_int_equal(st->t[4], 2 * SEC);
    assert_int_equal(g_run->now_ns, 5 * SEC + 2 * rtt);
    /* Every jump went to the earliest pending wake-up, in order: c1's reply, c2's wake, c1's wake,
     * c1's reply. */
    static const int64_t want[] = {1 * MS, 2 * SEC, 5 * SEC + 1 * MS, 5 * SEC + 2 * MS};
    assert_int_equal(tc->jump_n, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(tc->jump_ns[i], want[i]);
    /* Four decisions: c1 GET, c2 sleep, c1 sleep, c1 GET. */
    assert_int_equal(g_run->step, 4);
    assert_int_equal(tc->decides, 4);
    assert_int_equal(tc->afters, 4);
    assert_int_equal(sim_advances(g_run), 0);
}

/* c1 starts at 3 ms: SET k PX 1000, then PTTL k, recording the clocks around each op. */
static void timing_thread(sim_thread *self, void *arg) {
    sched_state *st = arg;
    const lk_env *env = sim_env(self);
    lk_store_reply r;
    st->t[0] = lk_env_mono_ns(env);
    st->v[0] = lk_env_wall_ms(env);
    st->rc[0] = store_set(env, "k", "v", 1000, 0, &r);
    st->t[1] = lk_env_mono_ns(env);
    st->v[1] = lk_env_wall_ms(env);
    lk_store_op op = {.kind = LK_OP_PTTL, .key = "k"};
    st->rc[1] = lk_env_store_exec(env, &op, &r);
    st->v[2] = r.num;
    st->t[2] = lk_env_mono_ns(env);
}

static int timing_setup(sim_run *run) {
    static const char *const names[] = {"c1", NULL};
    return setup_threads(run, names, timing_thread, 3 * MS);
}
SCHED_SCENARIO(timing, timing_setup);

static void find_deadline(void *arg, const char *key, int64_t deadline_ms) {
    if (strcmp(key, "k") == 0) *(int64_t *)arg = deadline_ms;
}

static void test_sim_sched_store_op_timing(void **state) {
    (void)state;
    test_chooser *tc = chooser_new(CHOOSE_LOWEST);
    const override ov[] = {{"rtt_us", 10000}, {NULL, 0}}; /* RTT 10 ms: RTT/2 is a whole 5 ms */
    assert_int_equal(run_sc(&sched_sc_timing, 1, ov, tc, 0), SIM_END_PASS);
    sched_state *st = sim_state(g_run);
    assert_int_equal(st->rc[0], LK_OK);
    assert_int_equal(st->rc[1], LK_OK);
    assert_int_equal(st->t[0], 3 * MS);
    assert_int_equal(st->v[0], SIM_EPOCH_WALL_MS + 3);
    assert_int_equal(st->t[1], 13 * MS); /* send + RTT */
    assert_int_equal(st->v[1], SIM_EPOCH_WALL_MS + 13);
    assert_int_equal(st->t[2], 23 * MS);
    /* Applied at send + RTT/2 = 8 ms on the server: deadline 1008 ms; the PTTL applied at 18 ms. */
    int64_t deadline_ms = -1;
    sim_store_model_each(&g_run->store, SIM_EPOCH_WALL_MS, find_deadline, &deadline_ms);
    assert_int_equal(deadline_ms, SIM_EPOCH_WALL_MS + 1008);
    assert_int_equal(st->v[2], 1008 - 18);
}

/* ---- enabled threads, deadlock, step bound --------------------------------------------------- */

/* c1 holds mu[0] across a GET and a sleep; c2 wants mu[0]; c3 does GETs meanwhile, so decisions
 * happen while c2 is blocked. */
static void mutex_thread(sim_thread *self, void *arg) {
    sched_state *st = arg;
    const lk_env *env = sim_env(self);
    lk_store_reply r;
    if (self->idx == 0) {
        st->rc[0] = lk_env_mutex_lock(env, st->mu[0]);
        st->holds = 1;
        st->t[0] = lk_env_mono_ns(env);
        store_get(env, "a", &r);
        lk_env_sleep_ns(env, 10 * MS);
        st->holds = 0;
        st->t[1] = lk_env_mono_ns(env);
        lk_env_mutex_unlock(env, st->mu[0]);
    } else if (self->idx == 1) {
        st->rc[1] = lk_env_mutex_lock(env, st->mu[0]);
        st->t[2] = lk_env_mono_ns(env);
        st->v[0] = st->holds;
        st->v[1] = lk_env_mutex_held(env, st->mu[0]);
        lk_env_mutex_unlock(env, st->mu[0]);
        st->v[2] = lk_env_mutex_held(env, st->mu[0]);
    } else {
        for (int i = 0; i < 5; i++)
            store_get(env, "b", &r);
    }
}

static int mutex_setup(sim_run *run) {
    static const char *const names[] = {"c1", "c2", "c3", NULL};
    if (setup_threads(run, names, mutex_thread, 0) != 0) return -1;
    sched_state *st = sim_state(run);
    if (lk_env_mutex_new(sim_process_env(run, 0), "m0", &st->mu[0]) != LK_OK) return -1;
    return lk_env_mutex_new(sim_process_env(run, 0), "m1", &st->mu[1]) == LK_OK ? 0 : -1;
}
SCHED_SCENARIO(mutex, mutex_setup);

/* x[0]: decisions while c1 held the mutex; x[1]: of those, offers that included c2; x[2]: offers of
 * c2 at its lock. */
static int mutex_hook(test_chooser *tc, sim_run *run, const int *enabled, int n, sim_choice *out) {
    (void)out;
    sched_state *st = sim_state(run);
    int c2 = 0;
    for (int i = 0; i < n; i++)
        c2 |= enabled[i] == 1;
    tc->x[0] += st->holds;
    tc->x[1] += st->holds && c2;
    tc->x[2] += c2 && run->thread[1].pend.vop == SIM_VOP_LOCK;
    return 0;
}

static void test_sim_sched_offers_only_enabled(void **state) {
    (void)state;
    test_chooser *tc = chooser_new(CHOOSE_LOWEST);
    tc->hook = mutex_hook;
    assert_int_equal(run_sc(&sched_sc_mutex, 1, NULL, tc, 0), SIM_END_PASS);
    sched_state *st = sim_state(g_run);
    assert_int_equal(st->rc[0], LK_OK);
    assert_int_equal(st->rc[1], LK_OK);
    assert_true(tc->x[0] >= 3);    /* the check ran while the mutex was held */
    assert_int_equal(tc->x[1], 0); /* c2 was never offered then */
    assert_true(tc->x[2] >= 1);    /* c2 was offered once the mutex was free */
    assert_true(st->t[2] >= st->t[1]);
    assert_int_equal(st->v[0], 0);
    assert_int_equal(st->v[1], 1); /* held() is true for the holder ... */
    assert_int_equal(st->v[2], 0); /* ... and false after unlock */
    assert_int_equal(g_run->mutex[0].holder, -1);
    /* The first offer, at time 0, held all three threads, each stopped at its first op. */
    assert_int_equal(tc->log[0].n, 3);
    assert_int_equal(tc->log[0].now_ns, 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(tc->log[0].enabled[i], i);
    assert_int_equal(tc->log[0].pick, 0);
}

/* c1 locks mu[0] then mu[1]; c2 locks mu[1] then mu[0]. */
static void deadlock_thread(sim_thread *self, void *arg) {
    sched_state *st = arg;
    const lk_env *env = sim_env(self);
    void *first = st->mu[self->idx], *second = st->mu[1 - self->idx];
    lk_env_mutex_lock(env, first);
    lk_env_mutex_lock(env, second);
    st->v[self->idx] = 1;
    lk_env_mutex_unlock(env, second);
    lk_env_mutex_unlock(env, first);
}

static int deadlock_setup(sim_run *run) {
    static const char *const names[] = {"c1", "c2", NULL};
    if (setup_threads(run, names, deadlock_thread, 0) != 0) return -1;
    sched_state *st = sim_state(run);
    if (lk_env_mutex_new(sim_process_env(run, 0), "m0", &st->mu[0]) != LK_OK) return -1;
    return lk_env_mutex_new(sim_process_env(run, 0), "m1", &st->mu[1]) == LK_OK ? 0 : -1;
}
SCHED_SCENARIO(deadlock, deadlock_setup);

static void test_sim_sched_deadlock(void **state) {
    (void)state;
    static const int script[] = {0, 1}; /* each thread takes its first mutex */
    test_chooser *tc = chooser_new(CHOOSE_SCRIPT);
    tc->script = script;
    tc->script_len = 2;
    finish_calls = 0;
    assert_int_equal(run_sc(&sched_sc_deadlock, 1, NULL, tc, 0), SIM_END_VIOLATION);
    assert_int_equal(tc->aborted, 0);
    assert_verdict("deadlock");
    assert_int_equal(g_run->step, 2);
    assert_int_equal(g_run->violation.step, 2);
    assert_non_null(strstr(g_run->violation.msg, "lock"));
    assert_int_equal(finish_calls, 0); /* finish runs only after a clean end */
    sched_state *st = sim_state(g_run);
    assert_int_equal(st->v[0] + st->v[1], 0);

    /* Control: c1 runs first through both locks; no deadlock. */
    tc = chooser_new(CHOOSE_LOWEST);
    assert_int_equal(run_sc(&sched_sc_deadlock, 1, NULL, tc, 0), SIM_END_PASS);
    st = sim_state(g_run);
    assert_int_equal(st->v[0] + st->v[1], 2);
    assert_false(g_run->violation.set);
}

static void spin_thread(sim_thread *self, void *arg) {
    sched_state *st = arg;
    for (;;) {
        lk_env_yield(sim_env(self), "spin");
        st->v[0]++;
    }
}

static int spin_setup(sim_run *run) {
    static const char *const names[] = {"c1", NULL};
    return setup_threads(run, names, spin_thread, 0);
}
SCHED_SCENARIO(spin, spin_setup);

static void test_sim_sched_step_bound(void **state) {
    (void)state;
    test_chooser *tc = chooser_new(CHOOSE_LOWEST);
    const override ov[] = {{"steps_max", 50}, {NULL, 0}};
    assert_int_equal(run_sc(&sched_sc_spin, 1, ov, tc, 0), SIM_END_VIOLATION);
    assert_verdict("step_bound");
    assert_int_equal(tc->decides, 50);
    assert_int_equal(g_run->step, 50);
    assert_int_equal(g_run->violation.step, 50);
    sched_state *st = sim_state(g_run);
    assert_int_equal(st->v[0], 50); /* each decision completed one yield */
}

/* ---- determinism ----------------------------------------------------------------------------- */

/* Each thread draws 16 bytes, sleeps a jitter from them, GETs, draws 16 more and writes a token. */
static void entropy_thread(sim_thread *self, void *arg) {
    sched_state *st = arg;
    const lk_env *env = sim_env(self);
    unsigned char *b = st->bytes[self->idx];
    lk_store_reply r;
    lk_env_entropy(env, b, 16);
    lk_env_sleep_ns(env, (1 + b[0] % 7) * MS);
    store_get(env, "shared", &r);
    lk_env_entropy(env, b + 16, 16);
    char key[16], token[40];
    snprintf(key, sizeof(key), "tok:%s", self->name);
    for (int i = 0; i < 16; i++)
        snprintf(token + 2 * i, 3, "%02x", b[16 + i]);
    store_set(env, key, token, 0, 0, &r);
    void *p = lk_env_alloc(env, 24 + (size_t)b[1]);
    memcpy(p, token, 8);
}

static int entropy_setup(sim_run *run) {
    static const char *const names[] = {"c1", "c2", "c3", NULL};
    return setup_threads(run, names, entropy_thread, 0);
}
SCHED_SCENARIO(entropy, entropy_setup);

/* What a run leaves behind that must be a function of its inputs. */
typedef struct snapshot {
    int64_t now_ns;
    int step;
    int thread_count;
    struct {
        sim_tstate state;
        int64_t wake_ns;
        uint64_t rng[4];
        char name[SIM_NAME_MAX];
    } thread[SIM_THREADS_MAX];
    sim_store_model store;
    sim_oracle_state oracle;
    sim_verdict violation;
    size_t heap_used;
    unsigned char *heap; /* malloc'd copy of the used heap */
    unsigned char bytes[4][32];
} snapshot;

static snapshot *snapshot_take(const sim_run *run) {
    snapshot *s = calloc(1, sizeof(*s));
    assert_non_null(s);
    s->now_ns = run->now_ns;
    s->step = run->step;
    s->thread_count = run->thread_count;
    for (int i = 0; i < run->thread_count; i++) {
        s->thread[i].state = run->thread[i].state;
        s->thread[i].wake_ns = run->thread[i].wake_ns;
        memcpy(s->thread[i].rng, run->thread[i].rng, sizeof(s->thread[i].rng));
        memcpy(s->thread[i].name, run->thread[i].name, SIM_NAME_MAX);
    }
    memcpy(&s->store, &run->store, sizeof(s->store));
    memcpy(&s->oracle, &run->oracle, sizeof(s->oracle));
    memcpy(&s->violation, &run->violation, sizeof(s->violation));
    s->heap_used = run->heap_used;
    s->heap = malloc(run->heap_used);
    assert_non_null(s->heap);
    memcpy(s->heap, run->heap, run->heap_used);
    memcpy(s->bytes, ((sched_state *)sim_state(run))->bytes, sizeof(s->bytes));
    return s;
}

static void snapshot_free(snapshot *s) {
    free(s->heap);
    free(s);
}

static void assert_snapshot_equal(const snapshot *a, const snapshot *b) {
    assert_int_equal(a->now_ns, b->now_ns);
    assert_int_equal(a->step, b->step);
    assert_int_equal(a->thread_count, b->thread_count);
    assert_memory_equal(a->thread, b->thread, sizeof(a->thread));
    assert_memory_equal(&a->store, &b->store, sizeof(a->store));
    assert_memory_equal(&a->oracle, &b->oracle, sizeof(a->oracle));
    assert_memory_equal(&a->violation, &b->violation, sizeof(a->violation));
    assert_int_equal(a->heap_used, b->heap_used);
    assert_memory_equal(a->heap, b->heap, a->heap_used);
    assert_memory_equal(a->bytes, b->bytes, sizeof(a->bytes));
}

static void test_sim_sched_same_seed_same_run(void **state) {
    (void)state;
    test_chooser *tc = chooser_new(CHOOSE_LOWEST);
    assert_int_equal(run_sc(&sched_sc_entropy, 42, NULL, tc, 0), SIM_END_PASS);
    snapshot *a = snapshot_take(g_run);
    assert_true(a->heap_used > 0);
    /* Three different streams in one run. */
    assert_memory_not_equal(a->bytes[0], a->bytes[1], 32);
    assert_memory_not_equal(a->bytes[0], a->bytes[2], 32);
    assert_memory_not_equal(a->bytes[1], a->bytes[2], 32);

    tc = chooser_new(CHOOSE_LOWEST);
    assert_int_equal(run_sc(&sched_sc_entropy, 42, NULL, tc, 0), SIM_END_PASS);
    snapshot *b = snapshot_take(g_run);
    assert_snapshot_equal(a, b);

    /* Another interleaving, same seed: each thread still sees the same bytes (per-thread streams).
     */
    tc = chooser_new(CHOOSE_HIGHEST);
    assert_int_equal(run_sc(&sched_sc_entropy, 42, NULL, tc, 0), SIM_END_PASS);
    snapshot *c = snapshot_take(g_run);
    assert_memory_equal(a->bytes, c->bytes, sizeof(a->bytes));

    /* Another seed: every thread's token differs. */
    tc = chooser_new(CHOOSE_LOWEST);
    assert_int_equal(run_sc(&sched_sc_entropy, 43, NULL, tc, 0), SIM_END_PASS);
    snapshot *d = snapshot_take(g_run);
    for (int i = 0; i < 3; i++)
        assert_memory_not_equal(a->bytes[i] + 16, d->bytes[i] + 16, 16);
    char v1[LK_VALUE_MAX], v2[LK_VALUE_MAX];
    assert_int_equal(sim_store_model_peek(&a->store, SIM_EPOCH_WALL_MS, "tok:c1", v1), 1);
    assert_int_equal(sim_store_model_peek(&d->store, SIM_EPOCH_WALL_MS, "tok:c1", v2), 1);
    assert_string_not_equal(v1, v2);
    snapshot_free(a);
    snapshot_free(b);
    snapshot_free(c);
    snapshot_free(d);
}

/* ---- advance targets ------------------------------------------------------------------------- */

/* c1: SET k1 PX 100, SET k2 PX 50, SET k3 (no TTL), sleep 1 s. c2: sleep 200 ms. c3: SET k4 PX 100.
 */
static void advance_thread(sim_thread *self, void *arg) {
    sched_state *st = arg;
    const lk_env *env = sim_env(self);
    lk_store_reply r;
    if (self->idx == 0) {
        store_set(env, "k1", "v", 100, 0, &r);
        store_set(env, "k2", "v", 50, 0, &r);
        store_set(env, "k3", "v", 0, 0, &r);
        st->t[0] = lk_env_mono_ns(env);
        lk_env_sleep_ns(env, 1 * SEC);
        st->t[1] = lk_env_mono_ns(env);
    } else if (self->idx == 1) {
        lk_env_sleep_ns(env, 200 * MS);
    } else {
        store_set(env, "k4", "v", 100, 0, &r);
    }
}

static int advance_setup(sim_run *run) {
    static const char *const names[] = {"c1", "c2", "c3", NULL};
    return setup_threads(run, names, advance_thread, 0);
}
SCHED_SCENARIO(advance, advance_setup);

/* At c1's sleep: x[0] = now, x[1..3] = targets, x[4] = count, x[5..6] = targets with max 2, x[7] =
 * that count, x[8] = k2 live for an op sent 1 ns before the first target, x[9] = at it; then
 * advance by the first target. At the next decision x[10] = now. */
static int advance_hook(test_chooser *tc, sim_run *run, const int *enabled, int n,
                        sim_choice *out) {
    (void)enabled;
    (void)n;
    const sim_thread *c1 = &run->thread[0];
    if (tc->x[15] == 1) {
        tc->x[10] = run->now_ns;
        tc->x[15] = 2;
        return 0;
    }
    if (tc->x[15] != 0 || c1->state != SIM_T_PENDING || c1->pend.vop != SIM_VOP_SLEEP) return 0;
    int64_t out4[4] = {0}, out2[2] = {0};
    tc->x[0] = run->now_ns;
    tc->x[4] = sim_advance_targets(run, out4, 4);
    for (int i = 0; i < 3; i++)
        tc->x[1 + i] = out4[i];
    tc->x[7] = sim_advance_targets(run, out2, 2);
    tc->x[5] = out2[0];
    tc->x[6] = out2[1];
    char v[LK_VALUE_MAX];
    int64_t half = run->rtt_ns / 2, at = run->now_ns + out4[0];
    tc->x[8] = sim_store_model_peek(&run->store, sim__server_ms(run, at - 1 * MS + half), "k2", v);
    tc->x[9] = sim_store_model_peek(&run->store, sim__server_ms(run, at + half), "k2", v);
    out->kind = SIM_DEC_ADVANCE;
    out->duration_ns = out4[0];
    tc->x[15] = 1;
    return 1;
}

static void test_sim_sched_advance_targets(void **state) {
    (void)state;
    test_chooser *tc = chooser_new(CHOOSE_LOWEST);
    tc->hook = advance_hook;
    const override ov[] = {{"rtt_us", 10000}, {NULL, 0}};
    assert_int_equal(run_sc(&sched_sc_advance, 1, ov, tc, 0), SIM_END_PASS);
    assert_int_equal(tc->x[15], 2);
    assert_int_equal(tc->x[0], 30 * MS); /* c1's three SETs took 3 RTTs */
    /* k2: applied at 15 ms, deadline 65 ms; an op sent at 61 ms is applied at 66 ms and sees it
     * gone: 31 ms. k1 and k4: deadline 105 ms -> 101 ms -> 71 ms (one target for both). c2 wakes at
     * 200 ms: 170 ms. */
    assert_int_equal(tc->x[4], 3);
    assert_int_equal(tc->x[1], 31 * MS);
    assert_int_equal(tc->x[2], 71 * MS);
    assert_int_equal(tc->x[3], 170 * MS);
    assert_int_equal(tc->x[7], 2); /* at most 'max', the smallest kept */
    assert_int_equal(tc->x[5], 31 * MS);
    assert_int_equal(tc->x[6], 71 * MS);
    assert_int_equal(tc->x[8], 1);
    assert_int_equal(tc->x[9], 0);
    /* The advance moved time: c1's sleep began at 61 ms. */
    assert_int_equal(tc->x[10], 61 * MS);
    assert_int_equal(sim_advances(g_run), 1);
    assert_int_equal(tc->afters_advance, 1);
    sched_state *st = sim_state(g_run);
    assert_int_equal(st->t[0], 30 * MS);
    assert_int_equal(st->t[1], 61 * MS + 1 * SEC);
}

/* ---- tasks, once, alloc ---------------------------------------------------------------------- */

static void task_body(void *arg) {
    sched_state *st = arg;
    sim_run *run = g_run;
    const sim_thread *t = &run->thread[run->current];
    const lk_env *env = sim_process_env(run, t->proc);
    int k = st->task_done;
    snprintf(st->name[k], SIM_NAME_MAX, "%s", t->name);
    lk_env_sleep_ns(env, 100 * MS);
    st->t[4 + k] = lk_env_mono_ns(env);
    st->task_done++;
}

/* c1 starts task "watchdog", joins it, and does it again. */
static void task_thread(sim_thread *self, void *arg) {
    sched_state *st = arg;
    const lk_env *env = sim_env(self);
    for (int k = 0; k < 2; k++) {
        st->rc[2 * k] = lk_env_task_start(env, "watchdog", task_body, st, &st->task[k]);
        if (st->rc[2 * k] != LK_OK) return;
        st->rc[2 * k + 1] = lk_env_task_join(env, st->task[k]);
        st->t[k] = lk_env_mono_ns(env);
        st->v[k] = st->task_done;
    }
}

static int task_setup(sim_run *run) {
    static const char *const names[] = {"c1", NULL};
    return setup_threads(run, names, task_thread, 0);
}
SCHED_SCENARIO(task, task_setup);

static void test_sim_sched_task_start_join(void **state) {
    (void)state;
    test_chooser *tc = chooser_new(CHOOSE_LOWEST);
    assert_int_equal(run_sc(&sched_sc_task, 1, NULL, tc, 0), SIM_END_PASS);
    sched_state *st = sim_state(g_run);
    for (int i = 0; i < 4; i++)
        assert_int_equal(st->rc[i], LK_OK);
    assert_int_equal(st->task_done, 2);
    assert_string_equal(st->name[0], "c1.watchdog1");
    assert_string_equal(st->name[1], "c1.watchdog2");
    assert_int_equal(g_run->thread_count, 3);
    assert_string_equal(g_run->thread[1].name, "c1.watchdog1");
    assert_int_equal(g_run->thread[1].owner, 0); /* a task's leases belong to its starter */
    assert_int_equal(g_run->thread[1].state, SIM_T_DONE);
    /* join returned only after the task ended: the task's 100 ms sleep is behind each join. */
    assert_int_equal(st->v[0], 1);
    assert_int_equal(st->v[1], 2);
    assert_int_equal(st->t[4], 100 * MS);
    assert_true(st->t[0] >= st->t[4]);
    assert_true(st->t[1] >= st->t[5]);
    assert_int_equal(st->t[5], st->t[0] + 100 * MS);
}

/* A task that starts two sub-tasks of the same name and joins them. */
static void subtask_body(void *arg) {
    (void)arg;
}

static void nested_task_body(void *arg) {
    sched_state *st = arg;
    const lk_env *env = sim_process_env(g_run, 0);
    for (int k = 0; k < 2; k++) {
        void *h = NULL;
        st->rc[4 + k] = lk_env_task_start(env, "sub", subtask_body, st, &h);
        if (st->rc[4 + k] == LK_OK) lk_env_task_join(env, h);
    }
}

static void nested_thread(sim_thread *self, void *arg) {
    sched_state *st = arg;
    const lk_env *env = sim_env(self);
    st->rc[0] = lk_env_task_start(env, "w", nested_task_body, st, &st->task[0]);
    if (st->rc[0] == LK_OK) st->rc[1] = lk_env_task_join(env, st->task[0]);
}

static int nested_setup(sim_run *run) {
    static const char *const names[] = {"c1", NULL};
    return setup_threads(run, names, nested_thread, 0);
}
SCHED_SCENARIO(nested, nested_setup);

/* Thread names identify threads in schedule files ("run c1.w1.sub1 ..."), so no two may be equal,
 * tasks of tasks included (sim_thread_new refuses duplicates for scenario threads). */
static void test_sim_sched_task_names_unique(void **state) {
    (void)state;
    test_chooser *tc = chooser_new(CHOOSE_LOWEST);
    assert_int_equal(run_sc(&sched_sc_nested, 1, NULL, tc, 0), SIM_END_PASS);
    sched_state *st = sim_state(g_run);
    assert_int_equal(st->rc[0], LK_OK);
    assert_int_equal(st->rc[4], LK_OK);
    assert_int_equal(st->rc[5], LK_OK);
    assert_int_equal(g_run->thread_count, 4);
    assert_string_equal(g_run->thread[1].name, "c1.w1");
    for (int i = 0; i < g_run->thread_count; i++)
        for (int j = i + 1; j < g_run->thread_count; j++)
            if (strcmp(g_run->thread[i].name, g_run->thread[j].name) == 0)
                fail_msg("threads %d and %d are both named '%s'", i, j, g_run->thread[i].name);
}

static void once_body(void *arg) {
    sched_state *st = arg;
    lk_store_reply r;
    st->once_calls++;
    /* A visible op inside: other callers run meanwhile and must wait for the end. */
    store_get(sim_process_env(g_run, 0), "once", &r);
    st->once_done = 1;
}

static void once_thread(sim_thread *self, void *arg) {
    sched_state *st = arg;
    st->rc[self->idx] = lk_env_once(sim_env(self), &st->flag, once_body, st);
    st->v[self->idx] = st->once_done;
    st->t[self->idx] = lk_env_mono_ns(sim_env(self));
}

static int once_setup(sim_run *run) {
    static const char *const names[] = {"c1", "c2", "c3", NULL};
    return setup_threads(run, names, once_thread, 0);
}
SCHED_SCENARIO(once, once_setup);

static void test_sim_sched_once(void **state) {
    (void)state;
    for (int mode = CHOOSE_LOWEST; mode <= CHOOSE_HIGHEST; mode++) {
        test_chooser *tc = chooser_new(mode);
        assert_int_equal(run_sc(&sched_sc_once, 1, NULL, tc, 0), SIM_END_PASS);
        sched_state *st = sim_state(g_run);
        assert_int_equal(st->once_calls, 1);
        assert_int_equal(st->flag, 1);
        for (int i = 0; i < 3; i++) {
            assert_int_equal(st->rc[i], LK_OK);
            assert_int_equal(st->v[i], 1); /* every caller returned after the function ended */
            assert_true(st->t[i] >= 1 * MS);
        }
    }
}

/* c1 makes three allocations through the env. */
static void alloc_thread(sim_thread *self, void *arg) {
    sched_state *st = arg;
    const lk_env *env = sim_env(self);
    for (int i = 0; i < 3; i++) {
        unsigned char *p = lk_env_alloc(env, 100);
        st->ptr[i] = p;
        int zero = 1;
        for (int j = 0; p && j < 100; j++)
            zero &= p[j] == 0;
        st->v[i] = zero;
        if (p) memset(p, 0xab, 100);
    }
    lk_store_reply r;
    store_get(env, "k", &r);
    for (int i = 0; i < 3; i++)
        lk_env_free(env, st->ptr[i]);
}

static int alloc_setup(sim_run *run) {
    static const char *const names[] = {"c1", NULL};
    return setup_threads(run, names, alloc_thread, 0); /* the state is allocation 1 */
}
SCHED_SCENARIO(alloc, alloc_setup);

static void test_sim_sched_alloc_fail_at(void **state) {
    (void)state;
    for (int64_t n = 0; n <= 5; n++) {
        test_chooser *tc = chooser_new(CHOOSE_LOWEST);
        sim_end end = run_sc(&sched_sc_alloc, 1, NULL, tc, n);
        if (n == 1) {
            assert_int_equal(end, SIM_END_SETUP);
            assert_non_null(strstr(g_run->setup_error, "no memory"));
            continue;
        }
        assert_int_equal(end, SIM_END_PASS);
        assert_int_equal(g_run->alloc_count, 4);
        sched_state *st = sim_state(g_run);
        for (int i = 0; i < 3; i++) {
            int want_null = n == 2 + i;
            if ((st->ptr[i] == NULL) != want_null)
                fail_msg("alloc_fail_at=%lld: allocation %d is %s", (long long)n, i + 2,
                         st->ptr[i] ? "not NULL" : "NULL");
            if (!want_null) assert_int_equal(st->v[i], 1); /* zeroed */
        }
    }
}

/* ---- oracles --------------------------------------------------------------------------------- */

enum {
    LEASE_OVERWRITE,
    LEASE_NX,
    LEASE_AFTER_EXPIRY,
    FOREIGN_DEL,
    DEL_AFTER_EXPIRY,
    LEAK,
    NO_LEAK
};

static int lease_case; /* which oracle case the lease scenario plays (test-process state) */

static void lease_thread(sim_thread *self, void *arg) {
    sched_state *st = arg;
    const lk_env *env = sim_env(self);
    int64_t ttl_ms = sim_param(sim_thread_run(self), "ttl_ms");
    lk_store_reply r;
    int c1 = self->idx == 0;
    switch (lease_case) {
    case LEASE_OVERWRITE: /* both SET without NX */
        st->rc[self->idx] = store_set(env, "lk:res", self->name, ttl_ms, 0, &r);
        break;
    case LEASE_NX:           /* both SET NX; the winner deletes its own lease */
    case LEASE_AFTER_EXPIRY: /* c2 starts after c1's lease expired, and deletes its own */
        st->rc[self->idx] = store_set(env, "lk:res", self->name, ttl_ms, LK_SET_NX, &r);
        st->v[self->idx] = r.outcome;
        if (lease_case == LEASE_AFTER_EXPIRY && c1) break;
        if (r.outcome == LK_STORED) store_del(env, "lk:res", &r);
        break;
    case FOREIGN_DEL: /* c1 holds, c2 deletes it */
    case DEL_AFTER_EXPIRY:
        if (c1)
            st->rc[0] = store_set(env, "lk:res", "c1", ttl_ms, LK_SET_NX, &r);
        else
            st->rc[1] = store_del(env, "lk:res", &r);
        break;
    case LEAK:
    case NO_LEAK: { /* c1 acquires and never releases */
        lk_store_op op = {.kind = LK_OP_ACQUIRE,
                          .key = "lk:res",
                          .aux_key = "lk:res:fence",
                          .value = "tok",
                          .ttl_ms = ttl_ms};
        st->rc[0] = lk_env_store_exec(env, &op, &r);
        st->v[0] = r.outcome;
        if (lease_case == NO_LEAK) lk_env_sleep_ns(env, 100 * MS);
        break;
    }
    default: break;
    }
}

static int lease_setup(sim_run *run) {
    sched_state *st = state_new(run);
    int p = sim_process_new(run, "p1");
    if (st == NULL || p < 0 || sim_lock_key(run, "lk:res") != 0) return -1;
    if (sim_thread_new(run, p, "c1", 0, lease_thread, st) < 0) return -1;
    if (lease_case == LEAK || lease_case == NO_LEAK) return 0;
    int64_t c2_start = lease_case == LEASE_AFTER_EXPIRY || lease_case == DEL_AFTER_EXPIRY ||
                               lease_case == FOREIGN_DEL
                           ? 50 * MS
                           : 0;
    return sim_thread_new(run, p, "c2", c2_start, lease_thread, st) < 0 ? -1 : 0;
}
SCHED_SCENARIO(lease, lease_setup);

static sim_end run_lease(int which, int64_t ttl_ms) {
    lease_case = which;
    const override ov[] = {{"ttl_ms", ttl_ms}, {NULL, 0}};
    return run_sc(&sched_sc_lease, 1, ov, chooser_new(CHOOSE_LOWEST), 0);
}

static void test_sim_sched_oracle_lease_safety(void **state) {
    (void)state;
    assert_int_equal(run_lease(LEASE_OVERWRITE, 10000), SIM_END_VIOLATION);
    assert_verdict("lease_safety");
    assert_int_equal(g_run->violation.step, 2); /* at c2's SET */
    assert_non_null(strstr(g_run->violation.msg, "c2"));
    /* Controls: NX lets one writer in; a SET after the holder's lease expired is a new lease. */
    assert_int_equal(run_lease(LEASE_NX, 10000), SIM_END_PASS);
    sched_state *st = sim_state(g_run);
    assert_int_equal(st->v[0], LK_STORED);
    assert_int_equal(st->v[1], LK_NOT_STORED);
    assert_int_equal(run_lease(LEASE_AFTER_EXPIRY, 5), SIM_END_PASS);
    st = sim_state(g_run);
    assert_int_equal(st->v[0], LK_STORED);
    assert_int_equal(st->v[1], LK_STORED);
}

static void test_sim_sched_oracle_no_foreign_delete(void **state) {
    (void)state;
    assert_int_equal(run_lease(FOREIGN_DEL, 10000), SIM_END_VIOLATION);
    assert_verdict("no_foreign_delete");
    assert_non_null(strstr(g_run->violation.msg, "c2"));
    /* Control: the same DEL after the lease expired finds nothing and breaks nothing. */
    assert_int_equal(run_lease(DEL_AFTER_EXPIRY, 5), SIM_END_PASS);
    sched_state *st = sim_state(g_run);
    assert_int_equal(st->rc[0], LK_OK);
    assert_int_equal(st->rc[1], LK_OK);
}

static void test_sim_sched_oracle_no_leaked_key(void **state) {
    (void)state;
    finish_calls = 0;
    assert_int_equal(run_lease(LEAK, 60000), SIM_END_VIOLATION);
    assert_verdict("no_leaked_key");
    assert_non_null(strstr(g_run->violation.msg, "lk:res"));
    assert_int_equal(finish_calls, 0);
    sched_state *st = sim_state(g_run);
    assert_int_equal(st->v[0], LK_ACQUIRED);
    /* Control: a lease that expires before the run ends is not a leak. */
    assert_int_equal(run_lease(NO_LEAK, 5), SIM_END_PASS);
    assert_int_equal(finish_calls, 1);
}

static int64_t singleton_ids[3]; /* instance ids of c1, c2, c3 (test-process state) */
static int singleton_two_procs;  /* 1: c3 lives in a second process */

static void singleton_thread(sim_thread *self, void *arg) {
    (void)arg;
    sim_event(self, "instance", "climate", singleton_ids[self->idx]);
    sim_event(self, "other-event", "climate", 1000 + self->idx); /* ignored by the oracle */
}

static int singleton_setup(sim_run *run) {
    sched_state *st = state_new(run);
    int p1 = sim_process_new(run, "p1"), p2 = sim_process_new(run, "p2");
    if (st == NULL || p1 < 0 || p2 < 0) return -1;
    if (sim_thread_new(run, p1, "c1", 0, singleton_thread, st) < 0) return -1;
    if (sim_thread_new(run, p1, "c2", 0, singleton_thread, st) < 0) return -1;
    return sim_thread_new(run, singleton_two_procs ? p2 : p1, "c3", 0, singleton_thread, st) < 0
               ? -1
               : 0;
}
SCHED_SCENARIO(singleton, singleton_setup);

static sim_end run_singleton(int64_t a, int64_t b, int64_t c, int two_procs) {
    singleton_ids[0] = a;
    singleton_ids[1] = b;
    singleton_ids[2] = c;
    singleton_two_procs = two_procs;
    return run_sc(&sched_sc_singleton, 1, NULL, chooser_new(CHOOSE_LOWEST), 0);
}

static void test_sim_sched_oracle_singleton(void **state) {
    (void)state;
    assert_int_equal(run_singleton(7, 7, 8, 0), SIM_END_VIOLATION);
    assert_verdict("singleton_unique");
    assert_non_null(strstr(g_run->violation.msg, "c3"));
    /* Controls: one id everywhere; a different id in another process is another singleton. */
    assert_int_equal(run_singleton(7, 7, 7, 0), SIM_END_PASS);
    assert_int_equal(run_singleton(7, 7, 8, 1), SIM_END_PASS);
}

/* ---- fiber stacks ---------------------------------------------------------------------------- */

enum { FRAME_BYTES = 1024, DEPTH = 40 };

/* Recurses 'depth' frames of FRAME_BYTES each, yielding every 8 frames, and checks on the way back
 * that each frame's bytes survived the switches. Returns the sum of the depths. */
static int64_t deep(sim_thread *self, int depth) {
    sched_state *st = self_state(self);
    volatile unsigned char frame[FRAME_BYTES];
    for (int i = 0; i < FRAME_BYTES; i++)
        frame[i] = (unsigned char)(depth * 31 + i + self->idx);
    if (depth % 8 == 0) lk_env_yield(sim_env(self), "deep");
    int64_t below = depth > 1 ? deep(self, depth - 1) : 0;
    for (int i = 0; i < FRAME_BYTES; i++)
        if (frame[i] != (unsigned char)(depth * 31 + i + self->idx)) st->depth_errors++;
    return below + depth;
}

static void deep_thread(sim_thread *self, void *arg) {
    sched_state *st = arg;
    st->depth_sum[self->idx] = deep(self, DEPTH);
}

static int deep_setup(sim_run *run) {
    static const char *const names[] = {"c1", "c2", NULL};
    return setup_threads(run, names, deep_thread, 0);
}
SCHED_SCENARIO(deep, deep_setup);

static void test_sim_sched_fiber_deep_stack(void **state) {
    (void)state;
    /* Alternate the two threads so their deep stacks interleave. */
    static const int script[] = {0, 1, 0, 1, 0, 1, 0, 1, 0, 1};
    test_chooser *tc = chooser_new(CHOOSE_SCRIPT);
    tc->script = script;
    tc->script_len = 10;
    assert_int_equal(run_sc(&sched_sc_deep, 1, NULL, tc, 0), SIM_END_PASS);
    assert_int_equal(tc->aborted, 0);
    sched_state *st = sim_state(g_run);
    assert_int_equal(st->depth_errors, 0);
    assert_int_equal(st->depth_sum[0], DEPTH * (DEPTH + 1) / 2);
    assert_int_equal(st->depth_sum[1], DEPTH * (DEPTH + 1) / 2);
    assert_int_equal(g_run->step, 10); /* 5 yields each: depths 40, 32, 24, 16, 8 */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_sched_time_jumps_to_earliest_wake),
        cmocka_unit_test(test_sim_sched_store_op_timing),
        cmocka_unit_test(test_sim_sched_offers_only_enabled),
        cmocka_unit_test(test_sim_sched_deadlock),
        cmocka_unit_test(test_sim_sched_step_bound),
        cmocka_unit_test(test_sim_sched_same_seed_same_run),
        cmocka_unit_test(test_sim_sched_advance_targets),
        cmocka_unit_test(test_sim_sched_task_start_join),
        cmocka_unit_test(test_sim_sched_task_names_unique),
        cmocka_unit_test(test_sim_sched_once),
        cmocka_unit_test(test_sim_sched_alloc_fail_at),
        cmocka_unit_test(test_sim_sched_oracle_lease_safety),
        cmocka_unit_test(test_sim_sched_oracle_no_foreign_delete),
        cmocka_unit_test(test_sim_sched_oracle_no_leaked_key),
        cmocka_unit_test(test_sim_sched_oracle_singleton),
        cmocka_unit_test(test_sim_sched_fiber_deep_stack),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
