/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sim_faults.c: proves that the fault decisions and the fault-era oracles keep the contracts
 * of sim_sched.h, sim_faults.h, sim_oracle.h and design.md §4-§7.
 *
 * How: each test describes a tiny world in this file (processes, virtual threads, lock keys,
 * guarded resources, env mutexes) whose threads run small op programs (GET, SET, sleep, lock,
 * resource read, "believes" event, ...) read by one interpreter that records every result (rc,
 * outcome, value, the virtual time and the process's clocks after the op) in the run arena. The
 * world runs once with sim_execute() on the run arena (mapped once for the binary) under a scripted
 * chooser: a list of sim_choice values, each optionally guarded by "THREAD OP" (taken only when
 * that thread is stopped at that op), falling back to the lowest enabled thread. The chooser checks
 * every scripted choice with sim_choice_valid, logs what it was offered, snapshots the run after
 * each scripted decision, and may call a probe that checks choices against the live state. Thread
 * bodies never call cmocka asserts (they run on fiber stacks): they record, the test checks.
 *
 * Covered: the model semantics of each fault (server and process wall steps, pause, crash of a
 * thread and of a process, reply-lost and conn-error faults, lose-all and lose-last restarts);
 * sim_choice_valid's refusals; choice -> decision -> schedule line -> decision -> choice round
 * trips and refusals of unknown names; sim_faults_parse/format; and the oracles
 * resource_lost_update, client_validity and revoked_write, each firing in a scenario built for it
 * and quiet in a control, plus fencing rules and the cap on allowed-by-design notes.
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

#include "sim/engine/sim_pending.h"
#include "sim/run/sim_rng.h"
#include "sim/run/sim_arena.h"
#include "sim_test_arena.h"
#include "sim/explore/sim_explore.h"
#include "sim/explore/sim_faults.h"
#include "sim/engine/sim_sched.h"

/* ---- thread programs ------------------------------------------------------------------------ */

enum { T_MAX = 8, OPS_MAX = 16 };

enum pcode {
    P_END = 0,
    P_GET,     /* GET key */
    P_SET,     /* SET key <thread name> PX a (0: no TTL) with flags b */
    P_DEL,     /* DEL key */
    P_SLEEP,   /* sleep a ms */
    P_YIELD,   /* yield on ghost object "y" */
    P_LOCK,    /* lock env mutex a */
    P_UNLOCK,  /* unlock env mutex a */
    P_HELD,    /* record lk_env_mutex_held(mutex a) in num (not a visible op) */
    P_TASK,    /* start the world's task program as task "w" */
    P_JOIN,    /* join that task */
    P_LOOP,    /* a times: sleep 1 ms, then count a loop */
    P_READ,    /* read resource a with fence b; num = the value */
    P_WRITE,   /* write resource a with fence b: the last value read + 1 */
    P_FLOOR,   /* raise resource a's fence floor to b */
    P_BELIEVE, /* sim_belief(key) about (last lease send + its TTL + a ms) on the monotonic clock */
    P_MARK,    /* record the clocks only (not a visible op) */
};

typedef struct pop {
    int code; /* P_* */
    const char *key;
    int64_t a;
    int64_t b;
} pop;

/* clang-format off */
#define O_GET(k)                {P_GET, k, 0, 0}
#define O_SET(k, ttl_ms, flags) {P_SET, k, ttl_ms, flags}
#define O_DEL(k)                {P_DEL, k, 0, 0}
#define O_SLEEP(ms)             {P_SLEEP, NULL, ms, 0}
#define O_YIELD                 {P_YIELD, NULL, 0, 0}
#define O_LOCK(m)               {P_LOCK, NULL, m, 0}
#define O_UNLOCK(m)             {P_UNLOCK, NULL, m, 0}
#define O_HELD(m)               {P_HELD, NULL, m, 0}
#define O_TASK                  {P_TASK, NULL, 0, 0}
#define O_JOIN                  {P_JOIN, NULL, 0, 0}
#define O_LOOP(n)               {P_LOOP, NULL, n, 0}
#define O_READ(r, fence)        {P_READ, NULL, r, fence}
#define O_WRITE(r, fence)       {P_WRITE, NULL, r, fence}
#define O_FLOOR(r, fence)       {P_FLOOR, NULL, r, fence}
#define O_BELIEVE(k, past_ms)   {P_BELIEVE, k, past_ms, 0}
#define O_MARK                  {P_MARK, NULL, 0, 0}
#define O_END                   {P_END, NULL, 0, 0}
/* clang-format on */

/* What one op of one thread left behind. */
typedef struct rec {
    lk_rc rc;           /* the op's result */
    lk_outcome outcome; /* store ops: the reply's outcome */
    int64_t num;        /* store ops: reply num; P_READ: the value; P_HELD: held() */
    int64_t vt_ns;      /* virtual time after the op */
    int64_t mono_ns;    /* the process's monotonic clock after the op */
    int64_t wall_ms;    /* the process's wall clock after the op */
    char val[16];       /* P_GET: the value found */
} rec;

/* The world's shared state; lives in the run arena (sim_state_alloc). */
typedef struct wstate {
    rec r[T_MAX][OPS_MAX];    /* per thread index, per op */
    int ops_done[T_MAX];      /* ops each thread completed */
    int64_t last_read[T_MAX]; /* the value each thread last read from a resource */
    int64_t send_mono[T_MAX]; /* monotonic instant each thread sent its last SET with a TTL */
    int64_t ttl_ms[T_MAX];    /* and that TTL */
    int64_t loops[T_MAX];     /* P_LOOP iterations completed */
    void *mu[2];              /* env mutexes of process 0 */
    void *task;               /* the handle P_TASK got */
    int res[2];               /* resource indices */
} wstate;

typedef struct tdef {
    const char *name;
    int proc; /* index into world.procs */
    int64_t start_ms;
    const pop *prog; /* ends with O_END */
    int admin;       /* 1: sim_thread_admin */
} tdef;

typedef struct rdef {
    const char *name;
    const char *lock_key;
    int fencing;
} rdef;

/* A test world. Unset arrays end at the first NULL name. */
typedef struct world {
    const char *procs[4]; /* process names; none: one process "p1" */
    tdef threads[T_MAX];
    const char *lock_keys[4]; /* watched by the lease oracle */
    rdef res[2];
    int mutexes;          /* env mutexes "m0", "m1" in process 0 */
    const pop *task_prog; /* what P_TASK runs */
} world;

static const world *g_world; /* the world the next run builds (test-process state) */

static void prog_run(sim_thread *self, const pop *prog);

static void world_task(void *arg) {
    prog_run(&g_run->thread[g_run->current], arg);
}

/* The interpreter: runs 'prog' on thread 'self', recording each op's result. */
static void prog_run(sim_thread *self, const pop *prog) {
    sim_run *run = sim_thread_run(self);
    wstate *st = sim_state(run);
    const lk_env *env = sim_env(self);
    int me = self->idx;
    for (int k = 0; k < OPS_MAX && prog[k].code != P_END; k++) {
        const pop *o = &prog[k];
        rec *out = &st->r[me][k];
        lk_store_reply reply;
        memset(&reply, 0, sizeof(reply));
        lk_store_op op = {.kind = LK_OP_GET, .key = o->key};
        int store = 0;
        switch (o->code) {
        case P_GET: store = 1; break;
        case P_SET:
            op.kind = LK_OP_SET;
            op.value = self->name;
            op.ttl_ms = o->a;
            op.flags = (unsigned)o->b;
            if (o->a > 0) {
                st->send_mono[me] = lk_env_mono_ns(env);
                st->ttl_ms[me] = o->a;
            }
            store = 1;
            break;
        case P_DEL:
            op.kind = LK_OP_DEL;
            store = 1;
            break;
        case P_SLEEP: out->rc = lk_env_sleep_ns(env, o->a * MS); break;
        case P_YIELD: lk_env_yield(env, "y"); break;
        case P_LOCK: out->rc = lk_env_mutex_lock(env, st->mu[o->a]); break;
        case P_UNLOCK: lk_env_mutex_unlock(env, st->mu[o->a]); break;
        case P_HELD: out->num = lk_env_mutex_held(env, st->mu[o->a]); break;
        case P_TASK: out->rc = lk_env_task_start(env, "w", world_task, (void *)g_world->task_prog, &st->task); break;
        case P_JOIN: out->rc = lk_env_task_join(env, st->task); break;
        case P_LOOP:
            for (int64_t i = 0; i < o->a; i++) {
                lk_env_sleep_ns(env, MS);
                st->loops[me]++;
            }
            break;
        case P_READ: out->rc = sim_resource_read(self, st->res[o->a], o->b, &out->num); break;
        case P_WRITE: out->rc = sim_resource_write(self, st->res[o->a], o->b, st->last_read[me] + 1); break;
        case P_FLOOR: sim_resource_floor(self, st->res[o->a], o->b); break;
        case P_BELIEVE: sim_belief(self, o->key, st->send_mono[me] + st->ttl_ms[me] * MS + o->a * MS); break;
        default: break; /* P_MARK */
        }
        if (store) {
            out->rc = lk_env_store_exec(env, &op, &reply);
            out->outcome = reply.outcome;
            out->num = reply.num;
            snprintf(out->val, sizeof(out->val), "%s", reply.value);
        }
        if (o->code == P_READ && out->rc == LK_OK) st->last_read[me] = out->num;
        out->vt_ns = run->now_ns;
        out->mono_ns = lk_env_mono_ns(env);
        out->wall_ms = lk_env_wall_ms(env);
        st->ops_done[me] = k + 1;
    }
}

static void world_thread(sim_thread *self, void *arg) {
    prog_run(self, arg);
}

static int world_setup(sim_run *run) {
    const world *w = g_world;
    wstate *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL) {
        sim_setup_error(run, "no memory for the test state");
        return -1;
    }
    sim_state_set(run, st);
    if (w->procs[0] == NULL) {
        if (sim_process_new(run, "p1") < 0) return -1;
    }
    for (int i = 0; i < 4 && w->procs[i]; i++)
        if (sim_process_new(run, w->procs[i]) < 0) return -1;
    for (int i = 0; i < w->mutexes; i++) {
        const char *name = i == 0 ? "m0" : "m1";
        if (lk_env_mutex_new(sim_process_env(run, 0), name, &st->mu[i]) != LK_OK) return -1;
    }
    for (int i = 0; i < 4 && w->lock_keys[i]; i++)
        if (sim_lock_key(run, w->lock_keys[i]) != 0) return -1;
    for (int i = 0; i < 2 && w->res[i].name; i++) {
        st->res[i] = sim_resource_new(run, w->res[i].name, w->res[i].lock_key, w->res[i].fencing);
        if (st->res[i] < 0) return -1;
    }
    for (int i = 0; i < T_MAX && w->threads[i].name; i++) {
        const tdef *t = &w->threads[i];
        int idx = sim_thread_new(run, t->proc, t->name, t->start_ms * MS, world_thread, (void *)t->prog);
        if (idx < 0) return -1;
        if (t->admin) sim_thread_admin(run, idx);
    }
    return 0;
}

static const sim_variant_def world_variants[] = {
    {"core", "the only variant: the world is described by the test"},
};

static const sim_scenario world_sc = {
    .name = "faults_world",
    .description = "test_sim_faults: a world of op programs",
    .params = NULL,
    .param_count = 0,
    .variants = world_variants,
    .variant_count = 1,
    .setup = world_setup,
};

static wstate *W(void) {
    return sim_state(g_run);
}

/* ---- the scripted chooser -------------------------------------------------------------------- */

/* One scripted decision: taken at the first decision where 'at' holds ("c1 sleep": thread c1 is
 * stopped at a sleep; NULL: the next decision). A RUN with thread -1 runs the lowest enabled one.
 */
typedef struct step {
    const char *at;
    sim_choice c;
} step;

/* clang-format off */
#define C_RUN(t)       {.kind = SIM_DEC_RUN, .thread = (t), .proc = -1}
#define C_ADV(ns)      {.kind = SIM_DEC_ADVANCE, .thread = -1, .proc = -1, .duration_ns = (ns)}
#define C_WALL(p, ms)  {.kind = SIM_DEC_WALL, .thread = -1, .proc = (p), .duration_ns = (ms) * MS}
#define C_PAUSE(t, ms) {.kind = SIM_DEC_PAUSE, .thread = (t), .proc = -1, .duration_ns = (ms) * MS}
#define C_CRASH_T(t)   {.kind = SIM_DEC_CRASH, .thread = (t), .proc = -1}
#define C_CRASH_P(p)   {.kind = SIM_DEC_CRASH, .thread = -1, .proc = (p)}
#define C_FAULT(t, v)  {.kind = SIM_DEC_FAULT, .thread = (t), .proc = -1, .variant = (v)}
#define C_RESTART(v, ms) \
    {.kind = SIM_DEC_RESTART, .thread = -1, .proc = -1, .duration_ns = (ms) * MS, .variant = (v)}
/* clang-format on */

enum { OFFERS_MAX = 512, SCRIPT_MAX = 16, JUMPS_MAX = 32, FAILS_MAX = 4 };

/* The run right after a scripted decision was executed. */
typedef struct snap {
    int64_t now_ns;
    int store_count; /* keys in the model store */
    int log_count;   /* op log entries */
    int ops_done[T_MAX];
    int64_t loops[T_MAX];
    int mutex_holder; /* holder of mutex 0 */
} snap;

typedef struct fchooser fchooser;
typedef void (*probe_fn)(fchooser *tc, sim_run *run, const int *enabled, int n);

struct fchooser {
    const step *script;
    int script_len;
    int used;                /* scripted decisions taken */
    int step_of[SCRIPT_MAX]; /* run->step (decisions before it) when entry i was taken */
    snap snap[SCRIPT_MAX];   /* the run after entry i */
    int pending_snap;        /* entry to snapshot in 'after', -1 none */
    int aborted;             /* 1: a scripted choice was not valid */
    char why[SIM_MSG_MAX];   /* why it was not */
    probe_fn probe;          /* called at every decision before choosing; may be NULL */
    int offer_n;
    struct {
        int64_t now_ns;
        int step;
        unsigned mask; /* bit i: thread i was enabled */
    } offer[OFFERS_MAX];
    int jump_n;
    int64_t jump_ns[JUMPS_MAX];
    int fails;                         /* probe checks that failed */
    char fail[FAILS_MAX][SIM_MSG_MAX]; /* the first ones */
    int64_t x[16];                     /* probe scratch */
};

static fchooser g_tc; /* static storage: it is large */

/* Records a failed probe check (asserted after the run, outside the scheduler). */
static void probe_fail(fchooser *tc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void probe_fail(fchooser *tc, const char *fmt, ...) {
    if (tc->fails < FAILS_MAX) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(tc->fail[tc->fails], SIM_MSG_MAX, fmt, ap);
        va_end(ap);
    }
    tc->fails++;
}

static int find_thread(const sim_run *run, const char *name, size_t len) {
    for (int i = 0; i < run->thread_count; i++)
        if (strlen(run->thread[i].name) == len && strncmp(run->thread[i].name, name, len) == 0) return i;
    return -1;
}

/* 1 if guard 'at' ("c1 sleep") holds now. */
static int guard_holds(const sim_run *run, const char *at) {
    if (at == NULL) return 1;
    const char *sp = strchr(at, ' ');
    int i = find_thread(run, at, sp ? (size_t)(sp - at) : strlen(at));
    if (i < 0 || run->thread[i].state != SIM_T_PENDING) return 0;
    return sp == NULL || strcmp(sim__pending_label(&run->thread[i].pend), sp + 1) == 0;
}

static int chooser_decide(void *ctx, sim_run *run, const int *enabled, int n, sim_choice *out) {
    fchooser *tc = ctx;
    if (tc->offer_n < OFFERS_MAX) {
        unsigned mask = 0;
        for (int i = 0; i < n; i++)
            mask |= 1u << enabled[i];
        tc->offer[tc->offer_n].now_ns = run->now_ns;
        tc->offer[tc->offer_n].step = run->step;
        tc->offer[tc->offer_n].mask = mask;
        tc->offer_n++;
    }
    if (tc->probe) tc->probe(tc, run, enabled, n);
    tc->pending_snap = -1;
    if (tc->used < tc->script_len && guard_holds(run, tc->script[tc->used].at)) {
        *out = tc->script[tc->used].c;
        if (out->kind == SIM_DEC_RUN && out->thread < 0) out->thread = enabled[0];
        if (!sim_choice_valid(run, out, tc->why, sizeof(tc->why))) {
            tc->aborted = 1;
            return -1;
        }
        tc->step_of[tc->used] = run->step;
        tc->pending_snap = tc->used++;
        return 0;
    }
    memset(out, 0, sizeof(*out));
    out->kind = SIM_DEC_RUN;
    out->thread = enabled[0];
    out->proc = -1;
    return 0;
}

static void chooser_after(void *ctx, sim_run *run, const sim_choice *c, const sim_pending *done) {
    (void)c;
    (void)done;
    fchooser *tc = ctx;
    if (tc->pending_snap < 0) return;
    snap *s = &tc->snap[tc->pending_snap];
    const wstate *st = sim_state(run);
    s->now_ns = run->now_ns;
    s->store_count = (int)run->store.ks.count;
    s->log_count = run->log_count;
    memcpy(s->ops_done, st->ops_done, sizeof(s->ops_done));
    memcpy(s->loops, st->loops, sizeof(s->loops));
    s->mutex_holder = run->mutex_count > 0 ? run->mutex[0].holder : -2;
    tc->pending_snap = -1;
}

static void chooser_jump(void *ctx, sim_run *run, int64_t to_ns) {
    (void)run;
    fchooser *tc = ctx;
    if (tc->jump_n < JUMPS_MAX) tc->jump_ns[tc->jump_n] = to_ns;
    tc->jump_n++;
}

typedef struct override {
    const char *name;
    int64_t value;
} override;

/* Runs world 'w' once under 'script' ('len' entries), parameter overrides 'ov' (NULL-name ended,
 * or NULL), the op log on or off, and 'probe'. */
static sim_end run_world(const world *w, const step *script, int len, const override *ov, int log_ops, probe_fn probe) {
    assert_true(len <= SCRIPT_MAX);
    g_world = w;
    fchooser *tc = &g_tc;
    memset(tc, 0, sizeof(*tc));
    tc->script = script;
    tc->script_len = len;
    tc->probe = probe;
    tc->pending_snap = -1;
    sim_config cfg;
    char err[256];
    sim_config_defaults(&cfg, &world_sc, 0);
    for (int i = 0; ov && ov[i].name; i++)
        if (sim_config_set(&cfg, ov[i].name, ov[i].value, err, sizeof(err)) != 0) fail_msg("%s", err);
    sim_exec_args a = {
        .scenario = &world_sc, .variant = 0, .param = cfg.param, .seed = 1, .alloc_fail_at = 0, .log_ops = log_ops};
    sim_chooser ch = {tc, chooser_decide, chooser_after, chooser_jump};
    sim_end end = sim_execute(g_run, &a, &ch);
    if (end == SIM_END_SETUP) fail_msg("setup failed: %s", g_run->setup_error);
    return end;
}

/* Every scripted decision was valid and taken; no probe check failed. */
static void assert_script_done(void) {
    if (g_tc.aborted) fail_msg("scripted decision %d refused: %s", g_tc.used, g_tc.why);
    assert_int_equal(g_tc.used, g_tc.script_len);
    for (int i = 0; i < g_tc.fails && i < FAILS_MAX; i++)
        print_error("probe: %s\n", g_tc.fail[i]);
    assert_int_equal(g_tc.fails, 0);
}

static sim_end run_ok(const world *w, const step *script, int len, const override *ov, int log_ops, probe_fn probe) {
    sim_end end = run_world(w, script, len, ov, log_ops, probe);
    assert_script_done();
    return end;
}

static void assert_verdict(const char *oracle) {
    assert_true(g_run->violation.set);
    assert_string_equal(g_run->violation.oracle, oracle);
}

static void assert_no_violation(void) {
    if (g_run->violation.set) fail_msg("unexpected %s: %s", g_run->violation.oracle, g_run->violation.msg);
}

/* Index of the first note of 'oracle' whose message holds every one of 'a', 'b' (NULL: any), or
 * -1. */
static int find_note(const char *oracle, const char *a, const char *b) {
    for (int i = 0; i < g_run->note_count; i++) {
        const sim_note *n = &g_run->note[i];
        if (strcmp(n->oracle, oracle) != 0) continue;
        if (a && !strstr(n->msg, a)) continue;
        if (b && !strstr(n->msg, b)) continue;
        return i;
    }
    return -1;
}

static int count_notes(const char *oracle) {
    int c = 0;
    for (int i = 0; i < g_run->note_count; i++)
        c += strcmp(g_run->note[i].oracle, oracle) == 0;
    return c;
}

static int peek(const char *key, char *value) {
    return sim_store_peek(g_run, key, value);
}

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- wall steps ------------------------------------------------------------------------------ */

/* c1: SET k PX 1000 at t=0, sleep 9 ms, GET k at t=10 ms. */
static const pop wall_server_c1[] = {O_SET("k", 1000, 0), O_SLEEP(9), O_GET("k"), O_END};
static const world wall_server_world = {
    .threads = {{"c1", 0, 0, wall_server_c1, 0}},
};

static void test_sim_faults_wall_server_moves_expiry(void **state) {
    (void)state;
    /* +1500 ms on the server: the GET applied at virtual 10.5 ms reads server 1510 ms > 1000. */
    static const step plus1500[] = {{"c1 sleep", C_WALL(-1, 1500)}};
    assert_int_equal(run_ok(&wall_server_world, plus1500, 1, NULL, 0, NULL), SIM_END_PASS);
    wstate *st = W();
    assert_int_equal(st->r[0][0].outcome, LK_STORED);
    assert_int_equal(st->r[0][1].vt_ns, 10 * MS);
    assert_int_equal(st->r[0][2].rc, LK_OK);
    assert_int_equal(st->r[0][2].outcome, LK_ABSENT);
    assert_int_equal(g_run->server_wall_offset_ms, 1500);
    /* The server's clock is not the client's: c1's process wall clock did not move. */
    assert_int_equal(st->r[0][2].wall_ms, SIM_EPOCH_WALL_MS + 11);
    assert_int_equal(st->r[0][2].mono_ns, 11 * MS);
    assert_int_equal(sim_faults(g_run), 1);

    /* Controls: no step, and a step too small to pass the deadline, leave the key there. */
    assert_int_equal(run_ok(&wall_server_world, NULL, 0, NULL, 0, NULL), SIM_END_PASS);
    assert_int_equal(W()->r[0][2].outcome, LK_FOUND);
    assert_string_equal(W()->r[0][2].val, "c1");
    static const step plus500[] = {{"c1 sleep", C_WALL(-1, 500)}};
    assert_int_equal(run_ok(&wall_server_world, plus500, 1, NULL, 0, NULL), SIM_END_PASS);
    assert_int_equal(W()->r[0][2].outcome, LK_FOUND);
}

/* c1 (p1), c2 (p2): clocks, sleep 5 ms, clocks. c1 then SETs k PX 1000 and GETs it 990 ms later. */
static const pop wall_proc_c1[] = {O_MARK, O_SLEEP(5), O_SET("k", 1000, 0), O_SLEEP(990), O_GET("k"), O_END};
static const pop wall_proc_c2[] = {O_MARK, O_SLEEP(5), O_END};
static const world wall_proc_world = {
    .procs = {"p1", "p2"},
    .threads = {{"c1", 0, 0, wall_proc_c1, 0}, {"c2", 1, 0, wall_proc_c2, 0}},
};

static void test_sim_faults_wall_process_clock_only(void **state) {
    (void)state;
    static const step script[] = {{"c1 sleep", C_WALL(0, 1500)}, {"c2 sleep", C_WALL(1, -700)}};
    assert_int_equal(run_ok(&wall_proc_world, script, 2, NULL, 0, NULL), SIM_END_PASS);
    wstate *st = W();
    /* Before the steps: every clock at the epoch. */
    assert_int_equal(st->r[0][0].wall_ms, SIM_EPOCH_WALL_MS);
    assert_int_equal(st->r[1][0].wall_ms, SIM_EPOCH_WALL_MS);
    /* p1's wall clock moved +1500 ms, p2's -700 ms; each monotonic clock just followed time. */
    assert_int_equal(st->r[0][1].wall_ms, SIM_EPOCH_WALL_MS + 5 + 1500);
    assert_int_equal(st->r[0][1].mono_ns, 5 * MS);
    assert_int_equal(st->r[1][1].wall_ms, SIM_EPOCH_WALL_MS + 5 - 700);
    assert_int_equal(st->r[1][1].mono_ns, 5 * MS);
    assert_int_equal(g_run->proc[0].wall_offset_ms, 1500);
    assert_int_equal(g_run->proc[1].wall_offset_ms, -700);
    /* The server clock did not move: k (PX 1000 from 5 ms) is still there at 996 ms. */
    assert_int_equal(g_run->server_wall_offset_ms, 0);
    assert_int_equal(st->r[0][4].vt_ns, 997 * MS);
    assert_int_equal(st->r[0][4].outcome, LK_FOUND);
}

/* ---- pause ----------------------------------------------------------------------------------- */

/* c1: sleep 10 ms, yield. c2: five GETs (one RTT each), sleep 8 ms, three GETs (13 to 16 ms). */
static const pop pause_c1[] = {O_SLEEP(10), O_YIELD, O_END};
static const pop pause_c2[] = {O_GET("x"), O_GET("x"), O_GET("x"), O_GET("x"), O_GET("x"),
                               O_SLEEP(8), O_GET("x"), O_GET("x"), O_GET("x"), O_END};
static const world pause_world = {
    .threads = {{"c1", 0, 0, pause_c1, 0}, {"c2", 0, 0, pause_c2, 0}},
};

/* While c1 is paused, RUN c1 must be refused. */
static void pause_probe(fchooser *tc, sim_run *run, const int *enabled, int n) {
    (void)enabled;
    (void)n;
    const sim_thread *c1 = &run->thread[0];
    if (c1->paused_until_ns <= run->now_ns || c1->state != SIM_T_PENDING) return;
    sim_choice c = C_RUN(0);
    if (sim_choice_valid(run, &c, NULL, 0)) probe_fail(tc, "RUN of paused c1 accepted");
    tc->x[0]++;
}

/* Offers of 'thread' after decision 'after_step' and before 'until_ns'. */
static int offered_between(int thread, int after_step, int64_t until_ns) {
    int count = 0;
    for (int i = 0; i < g_tc.offer_n; i++)
        if (g_tc.offer[i].step > after_step && g_tc.offer[i].now_ns < until_ns && (g_tc.offer[i].mask & (1u << thread)))
            count++;
    return count;
}

static int jumped_to(int64_t ns) {
    for (int i = 0; i < g_tc.jump_n && i < JUMPS_MAX; i++)
        if (g_tc.jump_ns[i] == ns) return 1;
    return 0;
}

static void test_sim_faults_pause(void **state) {
    (void)state;
    /* c1 paused at its sleep for 100 ms: c2 runs all its GETs meanwhile, c1 is never offered, and
     * once c2 is done time jumps to the pause end. */
    static const step pending[] = {{"c1 sleep", C_PAUSE(0, 100)}};
    assert_int_equal(run_ok(&pause_world, pending, 1, NULL, 0, pause_probe), SIM_END_PASS);
    wstate *st = W();
    assert_true(g_tc.x[0] >= 8); /* the probe ran at c2's decisions */
    for (int k = 0; k < 5; k++)
        assert_int_equal(st->r[1][k].vt_ns, (k + 1) * MS);
    assert_int_equal(g_tc.step_of[0], 0);
    assert_int_equal(offered_between(0, 0, 100 * MS), 0);
    assert_true(jumped_to(100 * MS));
    assert_int_equal(st->r[0][0].vt_ns, 110 * MS); /* the sleep was performed at 100 ms */
    assert_int_equal(st->ops_done[0], 2);
    assert_int_equal(g_run->thread[0].paused_since_grant, 1);

    /* c1 paused while it sleeps (waiting until 10 ms): it does not resume before 50 ms. */
    static const step waiting[] = {{"c1 sleep", C_RUN(0)}, {NULL, C_PAUSE(0, 50)}};
    assert_int_equal(run_ok(&pause_world, waiting, 2, NULL, 0, NULL), SIM_END_PASS);
    st = W();
    assert_int_equal(g_tc.step_of[1], 1);
    assert_int_equal(st->r[1][8].vt_ns, 16 * MS); /* c2 ran on past c1's wake-up instant */
    assert_int_equal(offered_between(0, 1, 50 * MS), 0);
    assert_true(jumped_to(50 * MS));
    assert_false(jumped_to(10 * MS));
    assert_int_equal(st->r[0][0].vt_ns, 50 * MS);

    /* Control: no pause, the sleep ends at 10 ms. */
    assert_int_equal(run_ok(&pause_world, NULL, 0, NULL, 0, NULL), SIM_END_PASS);
    assert_int_equal(W()->r[0][0].vt_ns, 10 * MS);
}

/* ---- crash ----------------------------------------------------------------------------------- */

/* c1: lock m0, SET lk:a PX 1000, start a task that loops on 1 ms sleeps, sleep 5 ms, yield (crashed
 * here), then clocks and unlock. c2: sleep 10 ms, lock m0, held?, join c1's task, GET lk:a, sleep
 * 2 s, GET lk:a, unlock. */
static const pop crash_c1[] = {O_LOCK(0), O_SET("lk:a", 1000, 0), O_TASK, O_SLEEP(5), O_YIELD, O_MARK, O_UNLOCK(0),
                               O_END};
static const pop crash_c2[] = {O_SLEEP(10),   O_LOCK(0),     O_HELD(0),   O_JOIN, O_GET("lk:a"),
                               O_SLEEP(2000), O_GET("lk:a"), O_UNLOCK(0), O_END};
static const pop crash_task[] = {O_LOOP(1000), O_END};
static const world crash_world = {
    .threads = {{"c1", 0, 0, crash_c1, 0}, {"c2", 0, 0, crash_c2, 0}},
    .mutexes = 1,
    .task_prog = crash_task,
};

static void test_sim_faults_crash_thread(void **state) {
    (void)state;
    static const step script[] = {{"c1 yield", C_CRASH_T(0)}};
    /* PASS, not deadlock: the mutex c1 held was freed by its crash. */
    assert_int_equal(run_ok(&crash_world, script, 1, NULL, 0, NULL), SIM_END_PASS);
    wstate *st = W();
    const snap *at = &g_tc.snap[0];
    assert_int_equal(g_run->thread_count, 3);
    assert_string_equal(g_run->thread[2].name, "c1.w1");
    /* c1 never ran again: it completed lock, SET, task start and sleep, not the yield. */
    assert_int_equal(g_run->thread[0].state, SIM_T_CRASHED);
    assert_int_equal(st->ops_done[0], 4);
    assert_int_equal(at->ops_done[0], 4);
    assert_int_equal(st->r[0][0].rc, LK_OK); /* c1 held m0 when it crashed ... */
    assert_int_equal(at->mutex_holder, -1);  /* ... and the crash freed it */
    /* Its task crashed with it, after a few loops, and never looped again. */
    assert_int_equal(g_run->thread[2].state, SIM_T_CRASHED);
    assert_true(at->loops[2] >= 3);
    assert_int_equal(st->loops[2], at->loops[2]);
    int crash_step = g_tc.step_of[0];
    for (int i = 0; i < g_tc.offer_n; i++)
        if (g_tc.offer[i].step > crash_step && (g_tc.offer[i].mask & 0x5u))
            fail_msg("a crashed thread was offered at decision %d", g_tc.offer[i].step);
    /* c2 took the freed mutex, and its join of the crashed task says so. */
    assert_int_equal(g_run->thread[1].state, SIM_T_DONE);
    assert_int_equal(st->r[1][1].rc, LK_OK);
    assert_int_equal(st->r[1][2].num, 1);
    assert_int_equal(st->r[1][3].rc, LK_ECRASHED);
    /* The crashed thread's key stays until its TTL. */
    assert_int_equal(st->r[1][4].outcome, LK_FOUND);
    assert_string_equal(st->r[1][4].val, "c1");
    assert_int_equal(st->r[1][6].outcome, LK_ABSENT);
    assert_int_equal(g_run->crashes, 1);

    /* Control: no crash, c2's join waits for the task and returns LK_OK. */
    assert_int_equal(run_ok(&crash_world, NULL, 0, NULL, 0, NULL), SIM_END_PASS);
    st = W();
    assert_int_equal(st->ops_done[0], 7);
    assert_int_equal(st->loops[2], 1000);
    assert_int_equal(st->r[1][3].rc, LK_OK);
}

/* p1: c1, c2; p2: c3. Each does five GETs. */
static const pop five_gets[] = {O_GET("k"), O_GET("k"), O_GET("k"), O_GET("k"), O_GET("k"), O_END};
static const world crash_proc_world = {
    .procs = {"p1", "p2"},
    .threads = {{"c1", 0, 0, five_gets, 0}, {"c2", 0, 0, five_gets, 0}, {"c3", 1, 0, five_gets, 0}},
};

/* After the process crash: crashing p1 again, or c1, or running c1 is refused. */
static void crash_proc_probe(fchooser *tc, sim_run *run, const int *enabled, int n) {
    (void)enabled;
    (void)n;
    if (run->crashes != 1 || tc->x[0]) return;
    tc->x[0] = 1;
    const sim_choice again = C_CRASH_P(0), thread = C_CRASH_T(0), runc1 = C_RUN(0), p2 = C_CRASH_P(1);
    char why[128] = "";
    if (sim_choice_valid(run, &again, why, sizeof(why)) || !strstr(why, "no live process"))
        probe_fail(tc, "second crash of p1: '%s'", why);
    if (sim_choice_valid(run, &thread, NULL, 0)) probe_fail(tc, "crash of crashed c1 accepted");
    if (sim_choice_valid(run, &runc1, NULL, 0)) probe_fail(tc, "run of crashed c1 accepted");
    if (!sim_choice_valid(run, &p2, NULL, 0)) probe_fail(tc, "crash of live p2 refused");
}

static void test_sim_faults_crash_process(void **state) {
    (void)state;
    /* All three send their first GET; at 1 ms p1 crashes. */
    static const step script[] = {{NULL, C_RUN(0)}, {NULL, C_RUN(1)}, {NULL, C_RUN(2)}, {NULL, C_CRASH_P(0)}};
    assert_int_equal(run_ok(&crash_proc_world, script, 4, NULL, 0, crash_proc_probe), SIM_END_PASS);
    assert_int_equal(g_tc.x[0], 1);
    wstate *st = W();
    assert_int_equal(g_tc.snap[3].now_ns, 1 * MS);
    assert_int_equal(st->ops_done[0], 1);
    assert_int_equal(st->ops_done[1], 1);
    assert_int_equal(st->ops_done[2], 5);
    assert_int_equal(st->r[2][4].vt_ns, 5 * MS);
    assert_int_equal(g_run->thread[0].state, SIM_T_CRASHED);
    assert_int_equal(g_run->thread[1].state, SIM_T_CRASHED);
    assert_int_equal(g_run->thread[2].state, SIM_T_DONE);
    assert_int_equal(g_run->proc[0].crashed, 1);
    assert_int_equal(g_run->proc[1].crashed, 0);
    assert_int_equal(g_run->crashes, 1);
}

/* ---- store faults ---------------------------------------------------------------------------- */

/* c1: SET k NX (no TTL), GET k, SET k NX again. */
static const pop store_fault_c1[] = {O_SET("k", 0, LK_SET_NX), O_GET("k"), O_SET("k", 0, LK_SET_NX), O_END};
static const world store_fault_world = {
    .threads = {{"c1", 0, 0, store_fault_c1, 0}},
};

static void test_sim_faults_fault_reply_lost(void **state) {
    (void)state;
    static const step script[] = {{"c1 set", C_FAULT(0, SIM_FAULT_REPLY_LOST)}};
    const override ov[] = {{"timeout_ms", 70}, {NULL, 0}};
    assert_int_equal(run_ok(&store_fault_world, script, 1, ov, 0, NULL), SIM_END_PASS);
    wstate *st = W();
    /* The client saw "maybe applied" after timeout_ms, with an empty reply ... */
    assert_int_equal(st->r[0][0].rc, LK_ESTORE_MAYBE);
    assert_int_equal(st->r[0][0].outcome, LK_NONE);
    assert_int_equal(st->r[0][0].vt_ns, 70 * MS);
    /* ... but the SET was applied: the GET finds it and a retry is not stored. */
    assert_int_equal(st->r[0][1].outcome, LK_FOUND);
    assert_string_equal(st->r[0][1].val, "c1");
    assert_int_equal(st->r[0][2].outcome, LK_NOT_STORED);
    char v[LK_VALUE_MAX];
    assert_int_equal(peek("k", v), 1);
    assert_int_equal(sim_faults(g_run), 1);
}

static void test_sim_faults_fault_conn_error(void **state) {
    (void)state;
    static const step script[] = {{"c1 set", C_FAULT(0, SIM_FAULT_CONN_ERROR)}};
    const override ov[] = {{"timeout_ms", 70}, {"rtt_us", 4000}, {NULL, 0}};
    assert_int_equal(run_ok(&store_fault_world, script, 1, ov, 0, NULL), SIM_END_PASS);
    wstate *st = W();
    /* Not applied, and the client learns it after one RTT, not after the timeout. */
    assert_int_equal(st->r[0][0].rc, LK_ESTORE_DOWN);
    assert_int_equal(st->r[0][0].outcome, LK_NONE);
    assert_int_equal(st->r[0][0].vt_ns, 4 * MS);
    assert_int_equal(st->r[0][1].outcome, LK_ABSENT);
    assert_int_equal(st->r[0][2].outcome, LK_STORED);
    assert_int_equal(sim_faults(g_run), 1);
}

/* ---- restarts -------------------------------------------------------------------------------- */

/* c1 (p1): SET data, SET lk:res NX PX ttl (applied at 1.5 ms), sleep 10 ms, yield, GET data, GET
 * lk:res. c2 (p2, from 5 ms): SET lk:res NX PX 10 s, sleep 100 ms, DEL lk:res. */
#define RESTART_C1(ttl)                                                                                                \
    {                                                                                                                  \
        O_SET("data", 0, 0), O_SET("lk:res", ttl, LK_SET_NX), O_SLEEP(10), O_YIELD, O_GET("data"), O_GET("lk:res"),    \
            O_END                                                                                                      \
    }
static const pop restart_c1_long[] = RESTART_C1(50);
static const pop restart_c1_short[] = RESTART_C1(5);
static const pop restart_c2[] = {O_SET("lk:res", 10000, LK_SET_NX), O_SLEEP(100), O_DEL("lk:res"), O_END};
static const world restart_world = {
    .procs = {"p1", "p2"},
    .threads = {{"c1", 0, 0, restart_c1_long, 0}, {"c2", 1, 5, restart_c2, 0}},
    .lock_keys = {"lk:res"},
};
static const world restart_expired_world = {
    .procs = {"p1", "p2"},
    .threads = {{"c1", 0, 0, restart_c1_short, 0}, {"c2", 1, 5, restart_c2, 0}},
    .lock_keys = {"lk:res"},
};

static void test_sim_faults_restart_lose_all(void **state) {
    (void)state;
    /* At 2 ms, while c1's lease (until 51 ms) is live. */
    static const step script[] = {{"c1 sleep", C_RESTART(SIM_RESTART_LOSE_ALL, 0)}};
    assert_int_equal(run_ok(&restart_world, script, 1, NULL, 0, NULL), SIM_END_PASS);
    wstate *st = W();
    assert_int_equal(g_tc.snap[0].now_ns, 2 * MS);
    assert_int_equal(g_tc.snap[0].store_count, 0); /* empty right after the restart */
    assert_int_equal(g_run->restarts, 1);
    assert_int_equal(st->r[0][4].outcome, LK_ABSENT); /* data is gone */
    assert_int_equal(st->r[1][0].outcome, LK_STORED); /* c2 got the lock c1 still believes in */
    assert_int_equal(st->r[0][5].outcome, LK_FOUND);
    assert_string_equal(st->r[0][5].val, "c2");
    /* ... which the lease oracle notes as allowed by design, not as two holders. */
    assert_no_violation();
    int i = find_note("lease_safety", "restart lost c1's lease", "lk:res");
    if (i < 0) fail_msg("no restart note (%d notes)", g_run->note_count);
    assert_int_equal(g_run->note[i].step, g_tc.step_of[0] + 1);

    /* Control: no restart, c2 is refused and data survives; nothing to note. */
    assert_int_equal(run_ok(&restart_world, NULL, 0, NULL, 0, NULL), SIM_END_PASS);
    st = W();
    assert_int_equal(st->r[1][0].outcome, LK_NOT_STORED);
    assert_int_equal(st->r[0][4].outcome, LK_FOUND);
    assert_int_equal(g_run->note_count, 0);

    /* Control: a restart after the lease expired (PX 5, restart at 12 ms) loses no lease. */
    static const step late[] = {{"c1 yield", C_RESTART(SIM_RESTART_LOSE_ALL, 0)}};
    assert_int_equal(run_ok(&restart_expired_world, late, 1, NULL, 0, NULL), SIM_END_PASS);
    assert_int_equal(g_tc.snap[0].now_ns, 12 * MS);
    assert_int_equal(W()->r[0][4].outcome, LK_ABSENT);
    assert_int_equal(count_notes("lease_safety"), 0);
    assert_no_violation();
}

/* c1: SET a (applied 0.5 ms), sleep 100 ms, SET lk:b NX PX 60 s (applied 101.5 ms), SET c (applied
 * 102.5 ms), sleep 10 ms (the restart comes at 103 ms), GET a, GET lk:b, GET c, DEL lk:b. */
static const pop lose_last_c1[] = {O_SET("a", 0, 0),
                                   O_SLEEP(100),
                                   O_SET("lk:b", 60000, LK_SET_NX),
                                   O_SET("c", 0, 0),
                                   O_SLEEP(10),
                                   O_GET("a"),
                                   O_GET("lk:b"),
                                   O_GET("c"),
                                   O_DEL("lk:b"),
                                   O_END};
static const world lose_last_world = {
    .threads = {{"c1", 0, 0, lose_last_c1, 0}},
    .lock_keys = {"lk:b"},
};

/* At the first decision: is lose-last (x[0]) and lose-all (x[1]) valid, and why not (fail[]). */
static void lose_last_probe(fchooser *tc, sim_run *run, const int *enabled, int n) {
    (void)enabled;
    (void)n;
    if (run->step != 0) return;
    const sim_choice last = C_RESTART(SIM_RESTART_LOSE_LAST, 5), all = C_RESTART(SIM_RESTART_LOSE_ALL, 0);
    char why[128] = "";
    tc->x[0] = sim_choice_valid(run, &last, why, sizeof(why));
    tc->x[1] = sim_choice_valid(run, &all, NULL, 0);
    if (!tc->x[0] && !strstr(why, "op log")) probe_fail(tc, "lose-last refused for '%s'", why);
}

static void test_sim_faults_restart_lose_last(void **state) {
    (void)state;
    char v[LK_VALUE_MAX];
    /* Lose the last 5 ms (cutoff 98 ms): a stays, lk:b and c are undone. */
    static const step five[] = {{"c1 sleep", C_RUN(0)}, {"c1 sleep", C_RESTART(SIM_RESTART_LOSE_LAST, 5)}};
    assert_int_equal(run_ok(&lose_last_world, five, 2, NULL, 1, lose_last_probe), SIM_END_PASS);
    assert_int_equal(g_tc.x[0], 1); /* valid with the op log */
    wstate *st = W();
    assert_int_equal(g_tc.snap[1].now_ns, 103 * MS);
    assert_int_equal(g_tc.snap[1].store_count, 1);
    assert_int_equal(g_tc.snap[1].log_count, 1);
    assert_int_equal(st->r[0][5].outcome, LK_FOUND);
    assert_int_equal(st->r[0][6].outcome, LK_ABSENT);
    assert_int_equal(st->r[0][7].outcome, LK_ABSENT);
    assert_int_equal(peek("a", v), 1);
    assert_int_equal(peek("c", v), 0);
    /* The lost lease is noted, not a violation. */
    assert_no_violation();
    if (find_note("lease_safety", "restart lost c1's lease", "lk:b") < 0)
        fail_msg("no note for the lease the restart undid (%d notes)", g_run->note_count);

    /* Lose the last 1 ms (cutoff 102 ms): lk:b (101.5 ms) stays, c (102.5 ms) is undone. */
    static const step one[] = {{"c1 sleep", C_RUN(0)}, {"c1 sleep", C_RESTART(SIM_RESTART_LOSE_LAST, 1)}};
    assert_int_equal(run_ok(&lose_last_world, one, 2, NULL, 1, NULL), SIM_END_PASS);
    st = W();
    assert_int_equal(st->r[0][5].outcome, LK_FOUND);
    assert_int_equal(st->r[0][6].outcome, LK_FOUND);
    assert_string_equal(st->r[0][6].val, "c1");
    assert_int_equal(st->r[0][7].outcome, LK_ABSENT);
    assert_int_equal(count_notes("lease_safety"), 0);
    assert_no_violation();

    /* Lose the last 0 ms: nothing is undone. */
    static const step zero[] = {{"c1 sleep", C_RUN(0)}, {"c1 sleep", C_RESTART(SIM_RESTART_LOSE_LAST, 0)}};
    assert_int_equal(run_ok(&lose_last_world, zero, 2, NULL, 1, NULL), SIM_END_PASS);
    st = W();
    for (int k = 5; k <= 7; k++)
        assert_int_equal(st->r[0][k].outcome, LK_FOUND);

    /* Without the op log, lose-last is refused (lose-all is not). */
    assert_int_equal(run_ok(&lose_last_world, NULL, 0, NULL, 0, lose_last_probe), SIM_END_PASS);
    assert_int_equal(g_tc.x[0], 0);
    assert_int_equal(g_tc.x[1], 1);
}

/* ---- decision validity ----------------------------------------------------------------------- */

/* c1: lock m0, GET k, unlock. c2: lock m0, unlock. c3: nothing. c4: yields (crashed). c5: yields.
 */
static const pop valid_c1[] = {O_LOCK(0), O_GET("k"), O_UNLOCK(0), O_END};
static const pop valid_c2[] = {O_LOCK(0), O_UNLOCK(0), O_END};
static const pop valid_c3[] = {O_END};
static const pop valid_yields[] = {O_YIELD, O_YIELD, O_YIELD, O_END};
static const world valid_world = {
    .threads = {{"c1", 0, 0, valid_c1, 0},
                {"c2", 0, 0, valid_c2, 0},
                {"c3", 0, 0, valid_c3, 0},
                {"c4", 0, 0, valid_yields, 0},
                {"c5", 0, 0, valid_yields, 0}},
    .mutexes = 1,
};

typedef struct vprobe {
    const char *label;
    sim_choice c;
    int want;            /* expected sim_choice_valid */
    const char *why_has; /* with want 0: a substring of the reason, or NULL */
} vprobe;

static const vprobe vprobes[] = {
    {"run c2 (blocked on m0)", C_RUN(1), 0, "cannot run"},
    {"run c3 (ended)", C_RUN(2), 0, "cannot run"},
    {"run c4 (crashed)", C_RUN(3), 0, "cannot run"},
    {"run thread 17 (none)", C_RUN(17), 0, NULL},
    {"run c1 (at get)", C_RUN(0), 1, NULL},
    {"run c5 (at yield)", C_RUN(4), 1, NULL},
    {"fault c5 (at a yield)", C_FAULT(4, SIM_FAULT_REPLY_LOST), 0, "store op"},
    {"fault c2 (at a lock)", C_FAULT(1, SIM_FAULT_CONN_ERROR), 0, "store op"},
    {"fault c3 (ended)", C_FAULT(2, SIM_FAULT_REPLY_LOST), 0, "store op"},
    {"fault c1 reply-lost", C_FAULT(0, SIM_FAULT_REPLY_LOST), 1, NULL},
    {"fault c1 conn-error", C_FAULT(0, SIM_FAULT_CONN_ERROR), 1, NULL},
    {"crash c3 (ended)", C_CRASH_T(2), 0, "ended"},
    {"crash c4 (crashed)", C_CRASH_T(3), 0, "ended"},
    {"crash thread 20 (none)", C_CRASH_T(20), 0, NULL},
    {"crash c2 (blocked)", C_CRASH_T(1), 1, NULL},
    {"crash process 1 (none)", C_CRASH_P(1), 0, "no live process"},
    {"crash process p1", C_CRASH_P(0), 1, NULL},
    {"pause c4 (crashed)", C_PAUSE(3, 100), 0, "ended"},
    {"pause c3 (ended)", C_PAUSE(2, 100), 0, NULL},
    {"pause c5 for 0 ms", C_PAUSE(4, 0), 0, NULL},
    {"pause c5", C_PAUSE(4, 100), 1, NULL},
    {"pause c2 (blocked)", C_PAUSE(1, 100), 1, NULL},
    {"wall process 1 (none)", C_WALL(1, 1500), 0, "no such clock"},
    {"wall process 9 (none)", C_WALL(9, 1500), 0, "no such clock"},
    {"wall process -2 (none)", C_WALL(-2, 1500), 0, "no such clock"},
    {"wall server by 0", C_WALL(-1, 0), 0, NULL},
    {"wall p1", C_WALL(0, 1500), 1, NULL},
    {"wall server back", C_WALL(-1, -1500), 1, NULL},
    {"advance 0", C_ADV(0), 0, NULL},
    {"advance 1 ms", C_ADV(MS), 1, NULL},
    {"restart lose-all", C_RESTART(SIM_RESTART_LOSE_ALL, 0), 1, NULL},
    {"restart lose-last 5 ms", C_RESTART(SIM_RESTART_LOSE_LAST, 5), 1, NULL},
    /* the field contract of sim_choice (sim_sched.h): WALL whole ms, lose-last >= 0, a known
     * fault kind */
    {"wall server by 0.5 ms", {.kind = SIM_DEC_WALL, .thread = -1, .proc = -1, .duration_ns = MS / 2}, 0, NULL},
    {"restart lose-last -5 ms", C_RESTART(SIM_RESTART_LOSE_LAST, -5), 0, NULL},
    {"fault c1 of no kind", C_FAULT(0, 0), 0, NULL},
    {"unknown kind", {.kind = (sim_decision_kind)42, .thread = -1, .proc = -1}, 0, "unknown"},
};

/* After c1 took m0 and c4 crashed: c1 at GET, c2 blocked at lock, c3 ended, c5 at a yield. */
static void valid_probe(fchooser *tc, sim_run *run, const int *enabled, int n) {
    (void)enabled;
    (void)n;
    if (run->step != 2) return;
    tc->x[0] = 1;
    for (int i = 0; i < COUNT(vprobes); i++) {
        const vprobe *p = &vprobes[i];
        char why[128] = "";
        int got = sim_choice_valid(run, &p->c, why, sizeof(why));
        if (got != p->want)
            probe_fail(tc, "%s: valid=%d, want %d (%s)", p->label, got, p->want, why);
        else if (!got && why[0] == '\0')
            probe_fail(tc, "%s: refused without a reason", p->label);
        else if (!got && p->why_has && !strstr(why, p->why_has))
            probe_fail(tc, "%s: reason '%s' lacks '%s'", p->label, why, p->why_has);
    }
}

static void test_sim_faults_choice_valid(void **state) {
    (void)state;
    static const step script[] = {{"c1 lock", C_RUN(0)}, {NULL, C_CRASH_T(3)}};
    assert_int_equal(run_ok(&valid_world, script, 2, NULL, 1, valid_probe), SIM_END_PASS);
    assert_int_equal(g_tc.x[0], 1); /* the probe ran, in the state it expects: */
    assert_int_equal(g_run->thread[2].state, SIM_T_DONE);
    assert_int_equal(g_run->thread[3].state, SIM_T_CRASHED);
    assert_int_equal(W()->ops_done[1], 2); /* c2 got m0 later */
}

/* ---- choice <-> decision round trip ---------------------------------------------------------- */

/* c1 (p1): GET k. c2 (p2): yield. */
static const pop rt_c1[] = {O_GET("k"), O_END};
static const pop rt_c2[] = {O_YIELD, O_END};
static const world rt_world = {
    .procs = {"p1", "p2"},
    .threads = {{"c1", 0, 0, rt_c1, 0}, {"c2", 1, 0, rt_c2, 0}},
};

typedef struct rtcase {
    sim_choice c;
    const char *name; /* the decision's name */
    const char *line; /* the schedule line */
} rtcase;

static const rtcase rtcases[] = {
    {C_RUN(0), "c1", "run c1 get k"},
    {C_RUN(1), "c2", "run c2 yield y"},
    {C_ADV(7 * MS), "", "advance 7ms"},
    {C_WALL(-1, 1500), "server", "wall server +1500ms"},
    {C_WALL(-1, -1500), "server", "wall server -1500ms"},
    {C_WALL(1, 250), "p2", "wall p2 +250ms"},
    {C_PAUSE(1, 2500), "c2", "pause c2 2500ms"},
    {C_CRASH_T(0), "c1", "crash c1"},
    {C_CRASH_P(1), "p2", "crash p2"},
    {C_FAULT(0, SIM_FAULT_REPLY_LOST), "c1", "fault c1 reply-lost"},
    {C_FAULT(0, SIM_FAULT_CONN_ERROR), "c1", "fault c1 conn-error"},
    {C_RESTART(SIM_RESTART_LOSE_ALL, 0), "server", "restart server lose-all"},
    {C_RESTART(SIM_RESTART_LOSE_LAST, 1000), "server", "restart server lose-last 1s"},
};

static int choice_equal(const sim_choice *a, const sim_choice *b) {
    return a->kind == b->kind && a->thread == b->thread && a->proc == b->proc && a->duration_ns == b->duration_ns &&
           a->variant == b->variant;
}

static void choice_text(const sim_choice *c, char *buf, size_t cap) {
    snprintf(buf, cap, "{kind %d thread %d proc %d dur %lld variant %d}", (int)c->kind, c->thread, c->proc,
             (long long)c->duration_ns, c->variant);
}

/* choice -> decision -> choice, and decision -> line -> parsed decision -> choice. */
static void rt_one(fchooser *tc, sim_run *run, const sim_choice *c, const char *name, const char *line) {
    char want[128], got[128], why[SIM_MSG_MAX] = "";
    choice_text(c, want, sizeof(want));
    if (!sim_choice_valid(run, c, why, sizeof(why))) {
        probe_fail(tc, "%s: not valid (%s)", want, why);
        return;
    }
    sim_decision d;
    sim_choice back;
    sim_choice_to_decision(run, c, &d);
    if (name && strcmp(d.name, name) != 0) probe_fail(tc, "%s: name '%s', want '%s'", want, d.name, name);
    if (!sim_decision_to_choice(run, &d, &back, why, sizeof(why)) || !choice_equal(c, &back)) {
        choice_text(&back, got, sizeof(got));
        probe_fail(tc, "%s: came back as %s (%s)", want, got, why);
    }
    char text[SIM_LINE_MAX];
    if (sim_decision_format(&d, text, sizeof(text)) < 0) {
        probe_fail(tc, "%s: cannot format", want);
        return;
    }
    if (line && strcmp(text, line) != 0) probe_fail(tc, "%s: line '%s', want '%s'", want, text, line);
    sim_schedule s;
    sim_schedule_init(&s);
    char err[256];
    static const char version[] = "racebed-schedule 1";
    if (sim_schedule_parse_line(&s, version, strlen(version), 1, err, sizeof(err)) != 0 ||
        sim_schedule_parse_line(&s, text, strlen(text), 2, err, sizeof(err)) != 0 || s.decision_count != 1) {
        probe_fail(tc, "'%s' does not parse: %s", text, err);
    } else if (!sim_decision_to_choice(run, &s.decisions[0], &back, why, sizeof(why)) || !choice_equal(c, &back)) {
        choice_text(&back, got, sizeof(got));
        probe_fail(tc, "'%s' parsed back as %s (%s)", text, got, why);
    }
    sim_schedule_free(&s);
}

typedef struct badname {
    sim_decision d;
    const char *why_has;
} badname;

static const badname badnames[] = {
    {{.kind = SIM_DEC_RUN, .name = "zz", .op = "get"}, "zz"},
    {{.kind = SIM_DEC_PAUSE, .name = "ghost", .duration_ns = 1000 * MS}, "ghost"},
    {{.kind = SIM_DEC_FAULT, .name = "nobody", .variant = SIM_FAULT_REPLY_LOST}, "nobody"},
    {{.kind = SIM_DEC_CRASH, .name = "p9"}, "p9"},
    {{.kind = SIM_DEC_WALL, .name = "mars", .duration_ns = 1000 * MS}, "mars"},
    /* known thread, wrong op or key: the reason names what it is at */
    {{.kind = SIM_DEC_RUN, .name = "c1", .op = "set", .key = "k"}, "get k"},
    {{.kind = SIM_DEC_RUN, .name = "c1", .op = "get", .key = "other"}, "get k"},
};

static void rt_probe(fchooser *tc, sim_run *run, const int *enabled, int n) {
    if (run->step != 0) return;
    tc->x[0] = 1;
    for (int i = 0; i < COUNT(rtcases); i++)
        rt_one(tc, run, &rtcases[i].c, rtcases[i].name, rtcases[i].line);
    for (int i = 0; i < COUNT(badnames); i++) {
        sim_choice c;
        char why[SIM_MSG_MAX] = "";
        if (sim_decision_to_choice(run, &badnames[i].d, &c, why, sizeof(why)))
            probe_fail(tc, "decision naming '%s' accepted", badnames[i].d.name);
        else if (!strstr(why, badnames[i].why_has))
            probe_fail(tc, "reason '%s' does not name '%s'", why, badnames[i].why_has);
    }
    /* A randomly picked fault of each kind is valid now and round-trips too. */
    uint64_t rng[4];
    sim__rng_seed(rng, 7);
    static const int want_kind[SIM_FAULT_BIT_COUNT_] = {
        [SIM_FAULT_BIT_CRASH] = SIM_DEC_CRASH,      [SIM_FAULT_BIT_PAUSE] = SIM_DEC_PAUSE,
        [SIM_FAULT_BIT_WALL] = SIM_DEC_WALL,        [SIM_FAULT_BIT_RESTART] = SIM_DEC_RESTART,
        [SIM_FAULT_BIT_REPLY_LOST] = SIM_DEC_FAULT, [SIM_FAULT_BIT_CONN_ERROR] = SIM_DEC_FAULT,
    };
    for (int b = 0; b < SIM_FAULT_BIT_COUNT_; b++) {
        if (b == SIM_FAULT_BIT_LATE_TIMEOUT) { /* no blocking pop in this world: none applies (test_sim_blocking) */
            sim_choice c;
            if (sim_faults_pick(run, 1u << b, rng, enabled, n, &c))
                probe_fail(tc, "a late-timeout picked for thread %d, which is not at a blocking pop", c.thread);
            continue;
        }
        for (int k = 0; k < 8; k++) {
            sim_choice c;
            if (!sim_faults_pick(run, 1u << b, rng, enabled, n, &c)) {
                probe_fail(tc, "no %s fault picked", sim_fault_word(b));
                break;
            }
            if ((int)c.kind != want_kind[b]) probe_fail(tc, "%s picked kind %d", sim_fault_word(b), c.kind);
            if (b == SIM_FAULT_BIT_REPLY_LOST && c.variant != SIM_FAULT_REPLY_LOST)
                probe_fail(tc, "reply-lost picked variant %d", c.variant);
            if (b == SIM_FAULT_BIT_CONN_ERROR && (c.variant != SIM_FAULT_CONN_ERROR || c.thread != 0))
                probe_fail(tc, "conn-error picked variant %d thread %d", c.variant, c.thread);
            rt_one(tc, run, &c, NULL, NULL);
        }
    }
}

static void test_sim_faults_decision_round_trip(void **state) {
    (void)state;
    assert_int_equal(run_ok(&rt_world, NULL, 0, NULL, 1, rt_probe), SIM_END_PASS);
    assert_int_equal(g_tc.x[0], 1);
}

/* ---- --faults words -------------------------------------------------------------------------- */

static void test_sim_faults_parse_format(void **state) {
    (void)state;
    unsigned all = (1u << SIM_FAULT_BIT_COUNT_) - 1, mask = 99;
    char err[256] = "", buf[256];
    assert_int_equal(sim_faults_parse("all", &mask, err, sizeof(err)), 0);
    assert_int_equal(mask, all);
    assert_int_equal(sim_faults_parse("none", &mask, err, sizeof(err)), 0);
    assert_int_equal(mask, 0);
    assert_int_equal(sim_faults_parse("restart,pause", &mask, err, sizeof(err)), 0);
    assert_int_equal(mask, (1u << SIM_FAULT_BIT_PAUSE) | (1u << SIM_FAULT_BIT_RESTART));
    assert_int_equal(sim_faults_parse("conn-error,crash,wall-step,reply-lost", &mask, err, sizeof(err)), 0);
    assert_int_equal(mask, (1u << SIM_FAULT_BIT_CONN_ERROR) | (1u << SIM_FAULT_BIT_CRASH) | (1u << SIM_FAULT_BIT_WALL) |
                               (1u << SIM_FAULT_BIT_REPLY_LOST));
    /* Unknown words are refused by name; a prefix of a word is not the word. */
    assert_int_equal(sim_faults_parse("crash,bogus,pause", &mask, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "'bogus'"));
    assert_int_equal(sim_faults_parse("wall", &mask, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "'wall'"));
    assert_non_null(strstr(err, "wall-step")); /* and the known words are listed */
    /* Format. */
    sim_faults_format(0, buf, sizeof(buf));
    assert_string_equal(buf, "none");
    sim_faults_format(all, buf, sizeof(buf));
    assert_string_equal(buf, "crash,pause,wall-step,restart,reply-lost,conn-error,late-timeout");
    sim_faults_format((1u << SIM_FAULT_BIT_RESTART) | (1u << SIM_FAULT_BIT_CRASH), buf, sizeof(buf));
    assert_string_equal(buf, "crash,restart");
    /* Every mask survives format then parse. */
    for (unsigned m = 0; m <= all; m++) {
        sim_faults_format(m, buf, sizeof(buf));
        if (sim_faults_parse(buf, &mask, err, sizeof(err)) != 0 || mask != m)
            fail_msg("mask %u -> '%s' -> %u (%s)", m, buf, mask, err);
    }
    for (int b = 0; b < SIM_FAULT_BIT_COUNT_; b++) {
        assert_true(strlen(sim_fault_word(b)) > 0 && strcmp(sim_fault_word(b), "?") != 0);
        assert_true(strlen(sim_fault_doc(b)) > 10);
    }
    assert_string_equal(sim_fault_word(SIM_FAULT_BIT_COUNT_), "?");
    assert_string_equal(sim_fault_word(-1), "?");
}

/* ---- guarded resource: lost update and fencing ----------------------------------------------- */

/* c1 reads and writes R with fence 1, c2 with fence 2. */
static const pop rmw_c1[] = {O_READ(0, 1), O_WRITE(0, 1), O_END};
static const pop rmw_c2[] = {O_READ(0, 2), O_WRITE(0, 2), O_END};
static const world rmw_world = {
    .threads = {{"c1", 0, 0, rmw_c1, 0}, {"c2", 0, 0, rmw_c2, 0}},
    .res = {{"R", "lk:res", 0}},
};
static const world rmw_fenced_world = {
    .threads = {{"c1", 0, 0, rmw_c1, 0}, {"c2", 0, 0, rmw_c2, 0}},
    .res = {{"R", "lk:res", 1}},
};
static const step rmw_interleaved[] = {{NULL, C_RUN(0)}, {NULL, C_RUN(1)}, {NULL, C_RUN(0)}, {NULL, C_RUN(1)}};
static const step rmw_sequential[] = {{NULL, C_RUN(0)}, {NULL, C_RUN(0)}, {NULL, C_RUN(1)}, {NULL, C_RUN(1)}};

static void test_sim_faults_oracle_resource_lost_update(void **state) {
    (void)state;
    /* Both read 0, both write 1: c2's write is based on a version c1's write overtook. */
    assert_int_equal(run_ok(&rmw_world, rmw_interleaved, 4, NULL, 0, NULL), SIM_END_VIOLATION);
    assert_verdict("resource_lost_update");
    assert_int_equal(g_run->violation.step, 4);
    assert_non_null(strstr(g_run->violation.msg, "c2"));
    /* Control: one after the other, no update lost. */
    assert_int_equal(run_ok(&rmw_world, rmw_sequential, 4, NULL, 0, NULL), SIM_END_PASS);
    assert_no_violation();
    assert_int_equal(sim_resource_value(g_run, 0), 2);
    assert_int_equal(sim_resource_writes(g_run, 0), 2);
}

static void test_sim_faults_fencing_prevents_lost_update(void **state) {
    (void)state;
    /* Same interleaving, fencing on: c1's write (fence 1 < 2) is refused, nothing is lost. */
    assert_int_equal(run_ok(&rmw_fenced_world, rmw_interleaved, 4, NULL, 0, NULL), SIM_END_PASS);
    assert_no_violation();
    wstate *st = W();
    assert_int_equal(st->r[0][0].rc, LK_OK);
    assert_int_equal(st->r[1][0].rc, LK_OK);
    assert_int_equal(st->r[0][1].rc, LK_EFENCED);
    assert_int_equal(st->r[1][1].rc, LK_OK);
    assert_int_equal(sim_resource_value(g_run, 0), 1);
    assert_int_equal(sim_resource_writes(g_run, 0), 1);
    assert_int_equal(sim_resource_refused(g_run, 0), 1);
}

/* c1: read 5, write 5, read 5 (its own fence again). c2 (from 1 ms): read 5, read 6, write 6. */
static const pop fence_c1[] = {O_READ(0, 5), O_WRITE(0, 5), O_READ(0, 5), O_END};
static const pop fence_c2[] = {O_READ(0, 5), O_READ(0, 6), O_WRITE(0, 6), O_END};
static const world fence_world = {
    .threads = {{"c1", 0, 0, fence_c1, 0}, {"c2", 0, 1, fence_c2, 0}},
    .res = {{"R", "lk:res", 1}},
};

static void test_sim_faults_fence_same_number_other_owner(void **state) {
    (void)state;
    assert_int_equal(run_ok(&fence_world, NULL, 0, NULL, 0, NULL), SIM_END_PASS);
    wstate *st = W();
    for (int k = 0; k < 3; k++)
        assert_int_equal(st->r[0][k].rc, LK_OK);  /* the owner may reuse its fence */
    assert_int_equal(st->r[1][0].rc, LK_EFENCED); /* the same number from another owner */
    assert_int_equal(st->r[1][1].rc, LK_OK);
    assert_int_equal(st->r[1][2].rc, LK_OK);
    assert_int_equal(sim_resource_refused(g_run, 0), 1);
    assert_int_equal(sim_resource_value(g_run, 0), 2);
    assert_no_violation();
}

/* c1: read 3, floor 10, read 9, read 10, write 10. */
static const pop floor_c1[] = {O_READ(0, 3), O_FLOOR(0, 10), O_READ(0, 9), O_READ(0, 10), O_WRITE(0, 10), O_END};
static const world floor_world = {
    .threads = {{"c1", 0, 0, floor_c1, 0}},
    .res = {{"R", "lk:res", 1}},
};
static const world floor_trusting_world = {
    .threads = {{"c1", 0, 0, floor_c1, 0}},
    .res = {{"R", "lk:res", 0}},
};

static void test_sim_faults_fence_floor(void **state) {
    (void)state;
    assert_int_equal(run_ok(&floor_world, NULL, 0, NULL, 0, NULL), SIM_END_PASS);
    wstate *st = W();
    assert_int_equal(st->r[0][0].rc, LK_OK);
    assert_int_equal(st->r[0][2].rc, LK_EFENCED); /* 9 < floor 10, though above 3 */
    assert_int_equal(st->r[0][3].rc, LK_OK);      /* the floor itself is allowed */
    assert_int_equal(st->r[0][4].rc, LK_OK);
    assert_int_equal(sim_resource_refused(g_run, 0), 1);
    assert_true(find_note("resource", "below the floor", "c1") >= 0);
    assert_no_violation();
    /* Control: a resource without fencing trusts the lock and ignores the floor. */
    assert_int_equal(run_ok(&floor_trusting_world, NULL, 0, NULL, 0, NULL), SIM_END_PASS);
    assert_int_equal(W()->r[0][2].rc, LK_OK);
    assert_int_equal(sim_resource_refused(g_run, 0), 0);
}

/* ---- client validity ------------------------------------------------------------------------- */

/* c1: SET lk:res NX PX 100 (sent at 0), sleep 5 ms, "believes" about 100 + past ms, DEL lk:res. */
#define BELIEF_C1(past)                                                                                                \
    { O_SET("lk:res", 100, LK_SET_NX), O_SLEEP(5), O_BELIEVE("lk:res", past), O_DEL("lk:res"), O_END }
static const pop belief_past[] = BELIEF_C1(1);
static const pop belief_edge[] = BELIEF_C1(0);
static const world belief_world = {
    .threads = {{"c1", 0, 0, belief_past, 0}},
    .lock_keys = {"lk:res"},
};
static const world belief_edge_world = {
    .threads = {{"c1", 0, 0, belief_edge, 0}},
    .lock_keys = {"lk:res"},
};

static void test_sim_faults_oracle_client_validity(void **state) {
    (void)state;
    /* Told it holds the lock 1 ms past send + TTL, with exact clocks: the core's bug. */
    assert_int_equal(run_ok(&belief_world, NULL, 0, NULL, 0, NULL), SIM_END_VIOLATION);
    assert_verdict("client_validity");
    assert_non_null(strstr(g_run->violation.msg, "c1"));
    assert_non_null(strstr(g_run->violation.msg, "lk:res"));
    /* Control: exactly at the bound is still valid. */
    assert_int_equal(run_ok(&belief_edge_world, NULL, 0, NULL, 0, NULL), SIM_END_PASS);
    assert_int_equal(count_notes("client_validity"), 0);
    /* With clock drift, the same belief is allowed by design: a note. */
    const override drift[] = {{"drift_ppm", 1000}, {NULL, 0}};
    assert_int_equal(run_ok(&belief_world, NULL, 0, drift, 0, NULL), SIM_END_PASS);
    assert_no_violation();
    assert_true(find_note("client_validity", "c1", "drift") >= 0);
    /* After a restart, likewise. */
    static const step restart[] = {{"c1 sleep", C_RESTART(SIM_RESTART_LOSE_ALL, 0)}};
    assert_int_equal(run_ok(&belief_world, restart, 1, NULL, 0, NULL), SIM_END_PASS);
    assert_no_violation();
    assert_true(find_note("client_validity", "c1", "restart") >= 0);
    /* After a server wall step, likewise. */
    static const step wall[] = {{"c1 sleep", C_WALL(-1, 1500)}};
    assert_int_equal(run_ok(&belief_world, wall, 1, NULL, 0, NULL), SIM_END_PASS);
    assert_no_violation();
    assert_true(find_note("client_validity", "c1", "wall step") >= 0);
}

/* c1: sleep 1 ms (a restart comes here), then as belief_past: the lease is granted after it. */
static const pop belief_late_c1[] = {
    O_SLEEP(1), O_SET("lk:res", 100, LK_SET_NX), O_SLEEP(5), O_BELIEVE("lk:res", 1), O_DEL("lk:res"), O_END};
static const world belief_late_world = {
    .threads = {{"c1", 0, 0, belief_late_c1, 0}},
    .lock_keys = {"lk:res"},
};

/* A restart excuses an overlong belief only for a lease it touched (design §7: "a lease lost to a
 * wall step or drift ... is allowed by design"). A lease granted after the restart is undisturbed,
 * so the same overlong belief is the core's bug, as in a run without any restart. */
static void test_sim_faults_oracle_client_validity_restart_before_grant(void **state) {
    (void)state;
    static const step restart[] = {{"c1 sleep", C_RESTART(SIM_RESTART_LOSE_ALL, 0)}};
    sim_end end = run_ok(&belief_late_world, restart, 1, NULL, 0, NULL);
    assert_int_equal(g_tc.snap[0].now_ns, 0);
    assert_int_equal(W()->r[0][1].outcome, LK_STORED); /* granted after the restart */
    if (end != SIM_END_VIOLATION) {
        int i = find_note("client_validity", "c1", NULL);
        fail_msg("no client_validity violation for a lease granted after the restart; noted: %s",
                 i >= 0 ? g_run->note[i].msg : "(nothing)");
    }
    assert_verdict("client_validity");
    /* Control: the same run without the restart fires. */
    assert_int_equal(run_ok(&belief_late_world, NULL, 0, NULL, 0, NULL), SIM_END_VIOLATION);
    assert_verdict("client_validity");
}

/* ---- revoked write --------------------------------------------------------------------------- */

/* c1 (p1): SET lk:res NX PX 10 s, read R (fence 1), sleep 5 ms, write R (fence 1), DEL lk:res.
 * admin (p2): sleep 2 ms, [floor R 2,] DEL lk:res (c1's live lease). */
static const pop revoke_c1[] = {
    O_SET("lk:res", 10000, LK_SET_NX), O_READ(0, 1), O_SLEEP(5), O_WRITE(0, 1), O_DEL("lk:res"), O_END};
static const pop revoke_admin[] = {O_SLEEP(2), O_DEL("lk:res"), O_END};
static const pop revoke_admin_floor[] = {O_SLEEP(2), O_FLOOR(0, 2), O_DEL("lk:res"), O_END};
static const pop revoke_idle[] = {O_SLEEP(2), O_END};
#define REVOKE_WORLD(admin_prog, is_admin, fencing)                                                                    \
    {                                                                                                                  \
        .procs = {"p1", "p2"}, .threads = {{"c1", 0, 0, revoke_c1, 0}, {"admin", 1, 0, admin_prog, is_admin}},         \
        .lock_keys = {"lk:res"}, .res = {{"R", "lk:res", fencing}},                                                    \
    }
static const world revoke_world = REVOKE_WORLD(revoke_admin, 1, 0);
static const world revoke_nonadmin_world = REVOKE_WORLD(revoke_admin, 0, 0);
static const world revoke_fenced_world = REVOKE_WORLD(revoke_admin_floor, 1, 1);
static const world revoke_none_world = REVOKE_WORLD(revoke_idle, 1, 0);

static void test_sim_faults_oracle_revoked_write(void **state) {
    (void)state;
    /* An admin's delete revokes c1; the trusting resource then accepts c1's write. */
    assert_int_equal(run_ok(&revoke_world, NULL, 0, NULL, 0, NULL), SIM_END_VIOLATION);
    assert_verdict("revoked_write");
    assert_non_null(strstr(g_run->violation.msg, "c1"));
    assert_true(find_note("lease_safety", "admin revoked c1's lease", "lk:res") >= 0);
    assert_int_equal(W()->r[1][1].num, 1); /* the admin's DEL removed the key */
    /* The same delete by a thread that is not an admin is a foreign delete. */
    assert_int_equal(run_ok(&revoke_nonadmin_world, NULL, 0, NULL, 0, NULL), SIM_END_VIOLATION);
    assert_verdict("no_foreign_delete");
    assert_non_null(strstr(g_run->violation.msg, "admin"));
    /* Control: with fencing and a published floor, c1's write is refused and nothing fires. */
    assert_int_equal(run_ok(&revoke_fenced_world, NULL, 0, NULL, 0, NULL), SIM_END_PASS);
    assert_no_violation();
    assert_int_equal(W()->r[0][3].rc, LK_EFENCED);
    assert_int_equal(sim_resource_writes(g_run, 0), 0);
    /* Control: no revocation, the write is fine. */
    assert_int_equal(run_ok(&revoke_none_world, NULL, 0, NULL, 0, NULL), SIM_END_PASS);
    assert_no_violation();
    assert_int_equal(W()->r[0][3].rc, LK_OK);
    assert_int_equal(sim_resource_value(g_run, 0), 1);
}

/* ---- notes cap ------------------------------------------------------------------------------- */

/* c1 reads R eleven times without holding lk:res: each read is a stale-use note. */
#define ELEVEN_READS                                                                                                   \
    O_READ(0, 1), O_READ(0, 1), O_READ(0, 1), O_READ(0, 1), O_READ(0, 1), O_READ(0, 1), O_READ(0, 1), O_READ(0, 1),    \
        O_READ(0, 1), O_READ(0, 1), O_READ(0, 1)
static const pop notes_c1[] = {ELEVEN_READS, O_END};
static const pop notes_held_c1[] = {O_SET("lk:res", 10000, LK_SET_NX), ELEVEN_READS, O_DEL("lk:res"), O_END};
static const world notes_world = {
    .threads = {{"c1", 0, 0, notes_c1, 0}},
    .lock_keys = {"lk:res"},
    .res = {{"R", "lk:res", 0}},
};
static const world notes_held_world = {
    .threads = {{"c1", 0, 0, notes_held_c1, 0}},
    .lock_keys = {"lk:res"},
    .res = {{"R", "lk:res", 0}},
};

static void test_sim_faults_notes_capped(void **state) {
    (void)state;
    assert_int_equal(run_ok(&notes_world, NULL, 0, NULL, 0, NULL), SIM_END_PASS);
    assert_no_violation();
    assert_int_equal(W()->ops_done[0], 11);
    assert_int_equal(g_run->note_count, SIM_NOTES_MAX);
    assert_int_equal(g_run->notes_dropped, 11 - SIM_NOTES_MAX);
    for (int i = 0; i < SIM_NOTES_MAX; i++) {
        assert_string_equal(g_run->note[i].oracle, "client_validity");
        assert_int_equal(g_run->note[i].step, i + 1); /* the first ones are kept */
    }
    /* Control: the same reads under a live lease note nothing. */
    assert_int_equal(run_ok(&notes_held_world, NULL, 0, NULL, 0, NULL), SIM_END_PASS);
    assert_int_equal(g_run->note_count, 0);
    assert_int_equal(g_run->notes_dropped, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_faults_wall_server_moves_expiry),
        cmocka_unit_test(test_sim_faults_wall_process_clock_only),
        cmocka_unit_test(test_sim_faults_pause),
        cmocka_unit_test(test_sim_faults_crash_thread),
        cmocka_unit_test(test_sim_faults_crash_process),
        cmocka_unit_test(test_sim_faults_fault_reply_lost),
        cmocka_unit_test(test_sim_faults_fault_conn_error),
        cmocka_unit_test(test_sim_faults_restart_lose_all),
        cmocka_unit_test(test_sim_faults_restart_lose_last),
        cmocka_unit_test(test_sim_faults_choice_valid),
        cmocka_unit_test(test_sim_faults_decision_round_trip),
        cmocka_unit_test(test_sim_faults_parse_format),
        cmocka_unit_test(test_sim_faults_oracle_resource_lost_update),
        cmocka_unit_test(test_sim_faults_fencing_prevents_lost_update),
        cmocka_unit_test(test_sim_faults_fence_same_number_other_owner),
        cmocka_unit_test(test_sim_faults_fence_floor),
        cmocka_unit_test(test_sim_faults_oracle_client_validity),
        cmocka_unit_test(test_sim_faults_oracle_client_validity_restart_before_grant),
        cmocka_unit_test(test_sim_faults_oracle_revoked_write),
        cmocka_unit_test(test_sim_faults_notes_capped),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
