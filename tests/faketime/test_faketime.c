/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_faketime.c: the core's real-clock paths (acquire deadlines, client lease validity) under
 * libfaketime with wall-clock jumps of +1 h and -1 h. Run by tools/faketime_tests.sh as
 *
 *     LD_PRELOAD=.../libfaketime.so.1 FAKETIME_TIMESTAMP_FILE=<file> FAKETIME_NO_CACHE=1 \
 *     FAKETIME_DONT_FAKE_MONOTONIC=1 build/faketime/test_faketime
 *
 * The env is the real one (core/lk_posix_env.c). The store is the model store behind a pthread
 * mutex, applied at the wall clock read through that env, so a jump changes what the store sees, as
 * for a Redis on the same host. The test moves the wall clock by rewriting the timestamp file
 * ("+0", "+3600", "-3600"; libfaketime re-reads it on every call with FAKETIME_NO_CACHE=1).
 * CLOCK_MONOTONIC_RAW, read straight from the kernel by syscall(2) where libfaketime cannot reach,
 * is the independent witness of real elapsed time.
 *
 * Proves, in this order:
 *
 * Check 3 (preload): the wall clock read through the env jumps by +3600 s and -3600 s when the file
 * says so (else "libfaketime not active"), while CLOCK_MONOTONIC does not move with it (else
 * FAKETIME_DONT_FAKE_MONOTONIC=1 is not in effect). If libc's CLOCK_MONOTONIC_RAW disagrees with
 * the kernel's, this libfaketime fakes it and the run is skipped (exit 77).
 *
 * Check 1 (deadline): a blocking acquire with a 300 ms deadline against a held lock returns
 * LK_ETIMEDOUT after 300 ms of real time (env mono and kernel RAW), not earlier and not much later,
 * when the wall clock jumps +1 h, -1 h, or both during the wait. The holder's TTL (3 h) outlasts
 * any jump, so only the deadline can end the wait; the store must have seen the jumped wall clock.
 *
 * Check 2 (lease): after an acquire with TTL 500 ms and margin 50 ms, a jump of +1 h or -1 h does
 * not change lk_mutex_holds: it is 1 until send + 450 ms on the monotonic clock and 0 from then on,
 * never longer than the lease by the kernel RAW clock either. The store must have seen the jump
 * (after +1 h it has expired the key and a second client takes it; after -1 h it still holds it).
 *
 * Exit 0 on success, 1 with a "FAIL check N" line naming the failed check, 77 when skipped.
 * Never: build it with ASan: the sanitizer runtime must be the first library loaded, and LD_PRELOAD
 * puts libfaketime ahead of it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/lk_mutex.h"
#include "core/lk_posix_env.h"
#include "sim/model/sim_store_model.h"

enum {
    EXIT_SKIP = 77,              /* automake's "skipped" exit code */
    JUMP_MS = 3600 * 1000,       /* the size of every wall jump, ms */
    JUMP_SEEN_MS = JUMP_MS / 2,  /* a wall offset beyond this counts as jumped, ms */
    WALL_TOL_MS = 1000,          /* allowed error of a measured wall offset, ms */
    MONO_TOL_MS = 50,            /* allowed CLOCK_MONOTONIC vs kernel RAW disagreement, ms */
    RAW_AGREE_NS = 1000000,      /* libc RAW vs kernel RAW read back to back, ns */
    RAW_RATE_TOL_NS = 2000000,   /* MONOTONIC vs RAW rate difference (NTP slew) over < 1 s, ns */
    WAIT_DEADLINE_MS = 300,      /* check 1: the acquire deadline, ms */
    WAIT_SLACK_MS = 250,         /* check 1: scheduling latency allowed past the deadline, ms */
    WAIT_JUMP_EVERY_MS = 75,     /* check 1: spacing of the planned jumps inside the wait, ms */
    HOLDER_TTL_MS = 3 * JUMP_MS, /* check 1: the holder's TTL, longer than any jump, ms */
    LEASE_TTL_MS = 500,          /* check 2: the lease, ms */
    LEASE_MARGIN_MS = 50,        /* check 2: the drift margin, ms */
    LEASE_JUMP_AFTER_MS = 100,   /* check 2: when the jump comes after the send, ms */
    LEASE_WATCH_AFTER_MS = 150,  /* check 2: how long holds() is watched past the lease end, ms */
    LEASE_POLL_NS = 1000000,     /* check 2: poll period, ns */
    LEASE_POLLS_MAX = 100000,    /* check 2: bound on the poll loop */
    PLAN_JUMPS_MAX = 4,          /* bound on planned jumps per wait */
};

static const int64_t NS_PER_MS = 1000000;

/* Wall jumps the store makes at planned instants of one wait: jump k is written by the first store
 * op at least (k+1) * WAIT_JUMP_EVERY_MS after the plan starts, so each lands between two tries of
 * the acquire loop. Guarded by: locked_store.mu. */
typedef struct jump_plan {
    const char *offset[PLAN_JUMPS_MAX]; /* timestamp-file contents, in order; NULL ends the plan */
    int64_t start_raw_ns;               /* kernel RAW time the plan started, ns */
    int done;                           /* jumps written so far */
} jump_plan;

/* The model store applied at the env's wall clock, one op at a time. Guarded by: mu, for every
 * field. */
typedef struct locked_store {
    pthread_mutex_t mu;
    sim_store_model *model;
    struct ft *f;     /* for the env (its wall clock) and the timestamp file */
    jump_plan plan;   /* jumps to make during the current wait, if any */
    int ops_forward;  /* ops applied at a wall clock jumped forward */
    int ops_backward; /* ops applied at a wall clock jumped backward */
} locked_store;

/* The whole test's state. Guarded by: the main thread only (the store has its own mutex). */
typedef struct ft {
    const char *ts_path;     /* FAKETIME_TIMESTAMP_FILE; static (the environment) */
    char tmp_path[4096];     /* ts_path + ".tmp", for atomic rewrites */
    lk_posix_env pe;         /* the real env */
    locked_store ls;         /* its store */
    lk_wall_ms base_wall_ms; /* env wall clock at base_raw_ns, read with the file at "+0" */
    int64_t base_raw_ns;     /* kernel RAW time of base_wall_ms, ns */
} ft;

/* Prints "FAIL check <check>: <message>" and ends the run with exit status 1. */
static void fail(const char *check, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fflush(stdout);
    fprintf(stderr, "FAIL check %s: ", check);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

/* CLOCK_MONOTONIC_RAW straight from the kernel: syscall(2) bypasses libc and with it any LD_PRELOAD
 * wrapper. */
static int64_t kernel_raw_ns(void) {
    struct timespec ts;
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC_RAW, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A clock read through libc, where libfaketime interposes. */
static int64_t libc_clock_ns(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Rewrites the timestamp file to 'offset' ("+3600") by write-and-rename, so libfaketime, which
 * re-reads it on every clock call, sees the old or the new contents and never an empty file. */
static void set_offset(ft *f, const char *offset) {
    FILE *fp = fopen(f->tmp_path, "w");
    if (fp == NULL) fail("setup", "cannot write %s: %s", f->tmp_path, strerror(errno));
    int bad = fprintf(fp, "%s\n", offset) < 0;
    bad |= fclose(fp) != 0;
    if (bad || rename(f->tmp_path, f->ts_path) != 0)
        fail("setup", "cannot replace %s: %s", f->ts_path, strerror(errno));
}

/* How far the env's wall clock is from where real time (kernel RAW since the base) puts it, ms. */
static int64_t wall_offset_ms(ft *f, lk_wall_ms wall_ms) {
    return wall_ms - f->base_wall_ms - (kernel_raw_ns() - f->base_raw_ns) / NS_PER_MS;
}

/* Writes the planned jumps that are due (the caller holds ls->mu). */
static void plan_step(locked_store *ls) {
    jump_plan *p = &ls->plan;
    while (p->done < PLAN_JUMPS_MAX && p->offset[p->done] != NULL &&
           kernel_raw_ns() - p->start_raw_ns >=
               (int64_t)(p->done + 1) * WAIT_JUMP_EVERY_MS * NS_PER_MS) {
        set_offset(ls->f, p->offset[p->done]);
        p->done++;
    }
}

static lk_rc locked_exec(void *ctx, const lk_store_op *op, lk_store_reply *reply) {
    locked_store *ls = ctx;
    pthread_mutex_lock(&ls->mu);
    plan_step(ls);
    lk_wall_ms wall_ms = lk_env_wall_ms(&ls->f->pe.env);
    int64_t off_ms = wall_offset_ms(ls->f, wall_ms);
    ls->ops_forward += off_ms > JUMP_SEEN_MS;
    ls->ops_backward += off_ms < -JUMP_SEEN_MS;
    lk_rc rc = sim_store_model_exec(ls->model, wall_ms, op, reply);
    pthread_mutex_unlock(&ls->mu);
    return rc;
}

/* Installs 'offsets' (NULL-terminated, at most PLAN_JUMPS_MAX) as the jumps of the next wait and
 * zeroes the store's jump counters. */
static void plan_start(ft *f, const char *const *offsets) {
    pthread_mutex_lock(&f->ls.mu);
    memset(&f->ls.plan, 0, sizeof(f->ls.plan));
    for (int i = 0; i < PLAN_JUMPS_MAX && offsets[i] != NULL; i++)
        f->ls.plan.offset[i] = offsets[i];
    f->ls.plan.start_raw_ns = kernel_raw_ns();
    f->ls.ops_forward = f->ls.ops_backward = 0;
    pthread_mutex_unlock(&f->ls.mu);
}

/* Ends the current plan, leaving later jumps unwritten, and returns the store's jump counters. */
static void plan_stop(ft *f, int *ops_forward, int *ops_backward) {
    pthread_mutex_lock(&f->ls.mu);
    f->ls.plan.offset[0] = NULL;
    f->ls.plan.done = 0;
    *ops_forward = f->ls.ops_forward;
    *ops_backward = f->ls.ops_backward;
    pthread_mutex_unlock(&f->ls.mu);
}

/* One reading of every clock involved, for check 3. */
typedef struct clock_snap {
    lk_wall_ms wall_ms; /* env wall clock (libc CLOCK_REALTIME), ms */
    int64_t mono_ns;    /* libc CLOCK_MONOTONIC (what the env's mono_ns reads), ns */
    int64_t raw_ns;     /* libc CLOCK_MONOTONIC_RAW, ns */
    int64_t kraw_ns;    /* kernel CLOCK_MONOTONIC_RAW, ns */
} clock_snap;

/* Writes 'offset' and reads every clock. CLOCK_MONOTONIC is read with libc rather than the env, so
 * a faked, backward-stepping monotonic clock is reported here instead of tripping the env's
 * never-backwards assert. */
static clock_snap probe_snap(ft *f, const char *offset) {
    set_offset(f, offset);
    clock_snap s;
    s.kraw_ns = kernel_raw_ns();
    s.raw_ns = libc_clock_ns(CLOCK_MONOTONIC_RAW);
    s.mono_ns = libc_clock_ns(CLOCK_MONOTONIC);
    s.wall_ms = lk_env_wall_ms(&f->pe.env);
    return s;
}

/* Check 3 and the preconditions of checks 1 and 2: the preload is active (the wall clock jumps with
 * the file), CLOCK_MONOTONIC is real, and libc's CLOCK_MONOTONIC_RAW is the kernel's (else skip).
 * Leaves the file at "+0" and sets the base that wall offsets are measured from. */
static void check_preload(ft *f) {
    static const char *const offsets[] = {"+0", "+3600", "-3600", "+0"};
    static const int64_t want_ms[] = {0, JUMP_MS, -JUMP_MS, 0};
    clock_snap s[4];
    for (int i = 0; i < 4; i++)
        s[i] = probe_snap(f, offsets[i]);
    for (int i = 1; i < 4; i++) {
        int64_t mono_vs_raw_ms =
            ((s[i].mono_ns - s[0].mono_ns) - (s[i].kraw_ns - s[0].kraw_ns)) / NS_PER_MS;
        if (llabs(mono_vs_raw_ms) > MONO_TOL_MS)
            fail("3 (preload)",
                 "CLOCK_MONOTONIC moved %+" PRId64 " ms against the kernel's RAW clock after "
                 "writing %s: the monotonic clock is faked (FAKETIME_DONT_FAKE_MONOTONIC=1 not in "
                 "effect)",
                 mono_vs_raw_ms, offsets[i]);
    }
    for (int i = 1; i < 4; i++) {
        int64_t got_ms = (s[i].wall_ms - s[0].wall_ms) - (s[i].kraw_ns - s[0].kraw_ns) / NS_PER_MS;
        if (i == 1 && llabs(got_ms) <= WALL_TOL_MS)
            fail("3 (preload)",
                 "libfaketime not active: the wall clock read through the env did not jump "
                 "after writing +3600 to %s (need LD_PRELOAD=libfaketime.so.1, "
                 "FAKETIME_TIMESTAMP_FILE and FAKETIME_NO_CACHE=1)",
                 f->ts_path);
        if (llabs(got_ms - want_ms[i]) > WALL_TOL_MS)
            fail("3 (preload)",
                 "after writing %s the env's wall clock is %+" PRId64 " ms off, want %+" PRId64,
                 offsets[i], got_ms, want_ms[i]);
    }
    for (int i = 0; i < 4; i++) {
        if (llabs(s[i].raw_ns - s[i].kraw_ns) > RAW_AGREE_NS) {
            printf("skipped: this libfaketime fakes CLOCK_MONOTONIC_RAW (libc %+" PRId64
                   " ms from the kernel after writing %s), so no independent clock is left to "
                   "measure real time\n",
                   (s[i].raw_ns - s[i].kraw_ns) / NS_PER_MS, offsets[i]);
            exit(EXIT_SKIP);
        }
    }
    f->base_raw_ns = kernel_raw_ns();
    f->base_wall_ms = lk_env_wall_ms(&f->pe.env);
    printf("ok   check 3 (preload): the env's wall clock jumped %+" PRId64 " and %+" PRId64
           " ms; CLOCK_MONOTONIC and CLOCK_MONOTONIC_RAW stayed real\n",
           (s[1].wall_ms - s[0].wall_ms) - (s[1].kraw_ns - s[0].kraw_ns) / NS_PER_MS,
           (s[2].wall_ms - s[0].wall_ms) - (s[2].kraw_ns - s[0].kraw_ns) / NS_PER_MS);
}

/* Inits 'm' on the env for 'key' with 'ttl_ms', 'margin_ms' (-1: default) and fast backoff. */
static void mutex_init_or_fail(ft *f, lk_mutex *m, const char *key, int64_t ttl_ms,
                               int64_t margin_ms) {
    lk_mutex_opts opts = {
        .ttl_ms = ttl_ms, .backoff_base_ms = 2, .backoff_cap_ms = 20, .drift_margin_ms = margin_ms};
    lk_rc rc = lk_mutex_init(m, &f->pe.env, key, &opts);
    if (rc != LK_OK) fail("setup", "lk_mutex_init %s: %s", key, lk_mutex_errmsg(m));
}

/* One try_acquire of 'm' that must give 'want'. */
static void try_acquire_expect(lk_mutex *m, lk_outcome want, const char *check) {
    lk_outcome out = LK_NONE;
    lk_rc rc = lk_mutex_try_acquire(m, &out);
    if (rc != LK_OK || out != want)
        fail(check, "try_acquire %s: %s / %s, want LK_OK / %s", m->key, lk_rc_name(rc),
             lk_outcome_label(out), lk_outcome_label(want));
}

/* Check 1 for one jump sequence 'jumps' (NULL-terminated), named 'name'. */
static void check_deadline(ft *f, const char *name, const char *const *jumps, int want_fwd,
                           int want_back) {
    char check[64], key[32];
    snprintf(check, sizeof(check), "1 (deadline, %s)", name);
    snprintf(key, sizeof(key), "ft:wait:%s", name);
    lk_mutex holder, waiter;
    mutex_init_or_fail(f, &holder, key, HOLDER_TTL_MS, -1);
    mutex_init_or_fail(f, &waiter, key, 1000, -1);
    try_acquire_expect(&holder, LK_ACQUIRED, check);

    plan_start(f, jumps);
    int64_t raw0 = kernel_raw_ns();
    lk_mono_ns mono0 = lk_env_mono_ns(&f->pe.env);
    lk_outcome out = LK_NONE;
    lk_rc rc = lk_mutex_acquire(&waiter, mono0 + WAIT_DEADLINE_MS * NS_PER_MS, &out);
    int64_t mono_ms = (lk_env_mono_ns(&f->pe.env) - mono0) / NS_PER_MS;
    int64_t raw_ms = (kernel_raw_ns() - raw0) / NS_PER_MS;
    int ops_fwd = 0, ops_back = 0;
    plan_stop(f, &ops_fwd, &ops_back);
    set_offset(f, "+0");

    if (rc != LK_ETIMEDOUT || out != LK_NONE || waiter.held)
        fail(check, "acquire returned %s / %s (held %d), want LK_ETIMEDOUT / none", lk_rc_name(rc),
             lk_outcome_label(out), waiter.held);
    if (mono_ms < WAIT_DEADLINE_MS || mono_ms > WAIT_DEADLINE_MS + WAIT_SLACK_MS)
        fail(check, "timed out after %" PRId64 " ms of env monotonic time, want %d..%d", mono_ms,
             WAIT_DEADLINE_MS, WAIT_DEADLINE_MS + WAIT_SLACK_MS);
    if (raw_ms < WAIT_DEADLINE_MS - 1 || raw_ms > WAIT_DEADLINE_MS + WAIT_SLACK_MS)
        fail(check, "timed out after %" PRId64 " ms of kernel RAW time, want %d..%d", raw_ms,
             WAIT_DEADLINE_MS - 1, WAIT_DEADLINE_MS + WAIT_SLACK_MS);
    if ((want_fwd && ops_fwd == 0) || (want_back && ops_back == 0))
        fail(check,
             "the store saw no jumped wall clock during the wait (%d ops at +1 h, %d at -1 h)",
             ops_fwd, ops_back);
    lk_outcome rel = LK_NONE;
    if (lk_mutex_release(&holder, &rel) != LK_OK || rel != LK_RELEASED)
        fail(check, "the holder's release gave %s, want released", lk_outcome_label(rel));
    printf("ok   check 1 (deadline, %s): LK_ETIMEDOUT after %" PRId64 " ms (env mono), %" PRId64
           " ms (kernel RAW); store ops at +1 h: %d, at -1 h: %d\n",
           name, mono_ms, raw_ms, ops_fwd, ops_back);
    lk_mutex_fini(&holder);
    lk_mutex_fini(&waiter);
}

/* What one watch of lk_mutex_holds saw (check 2). */
typedef struct lease_watch {
    int polls;                 /* holds() calls made */
    int held_after_jump;       /* holds() == 1 answers after the jump */
    int64_t last_held_raw_ms;  /* kernel RAW before the last holds() == 1, ms after the send */
    int64_t first_lost_raw_ms; /* kernel RAW after the first holds() == 0, ms after it; -1: none */
} lease_watch;

/* Calls lk_mutex_holds every ms until LEASE_WATCH_AFTER_MS past 'valid_until', writing 'jump' once
 * LEASE_JUMP_AFTER_MS has passed since 'sent' (then 'on_jump' runs). Fails 'check' as soon as
 * holds() answers 1 at or after 'valid_until' or 0 before it, on the env's monotonic clock read
 * around the call. */
static lease_watch lease_watch_run(ft *f, lk_mutex *m, int64_t raw_sent_ns, const char *jump,
                                   const char *check,
                                   void (*on_jump)(ft *f, lk_mutex *m, const char *check)) {
    lease_watch w = {0, 0, -1, -1};
    lk_mono_ns sent = m->sent_mono_ns, until = m->valid_until_mono_ns;
    int jumped = 0;
    for (; w.polls < LEASE_POLLS_MAX; w.polls++) {
        int64_t raw_before = kernel_raw_ns();
        lk_mono_ns before = lk_env_mono_ns(&f->pe.env);
        int holds = lk_mutex_holds(m);
        lk_mono_ns after = lk_env_mono_ns(&f->pe.env);
        int64_t raw_after = kernel_raw_ns();
        if (holds && before >= until)
            fail(check,
                 "holds() = 1 at %+" PRId64 " us past send + TTL - margin (after the jump: %d)",
                 (before - until) / 1000, jumped);
        if (!holds && after < until)
            fail(check, "holds() = 0 %" PRId64 " us before send + TTL - margin",
                 (until - after) / 1000);
        if (holds) w.last_held_raw_ms = (raw_before - raw_sent_ns) / NS_PER_MS;
        if (holds && jumped) w.held_after_jump++;
        if (!holds && w.first_lost_raw_ms < 0)
            w.first_lost_raw_ms = (raw_after - raw_sent_ns) / NS_PER_MS;
        if (after >= until + LEASE_WATCH_AFTER_MS * NS_PER_MS) break;
        if (!jumped && after - sent >= LEASE_JUMP_AFTER_MS * NS_PER_MS) {
            set_offset(f, jump);
            jumped = 1;
            on_jump(f, m, check);
        }
        lk_env_sleep_ns(&f->pe.env, LEASE_POLL_NS);
    }
    return w;
}

/* Right after the jump: the env's wall clock moved, and the store on it now sees the key as expired
 * (+1 h: a second client takes it) or as live (-1 h: LOCKED). Either way the holder's own view must
 * not change. */
static void lease_on_jump(ft *f, lk_mutex *m, const char *check) {
    int64_t off_ms = wall_offset_ms(f, lk_env_wall_ms(&f->pe.env));
    if (llabs(off_ms) < JUMP_SEEN_MS)
        fail(check, "the wall clock did not jump (offset %+" PRId64 " ms)", off_ms);
    lk_mutex other;
    mutex_init_or_fail(f, &other, m->key, LEASE_TTL_MS, -1);
    try_acquire_expect(&other, off_ms > 0 ? LK_ACQUIRED : LK_LOCKED, check);
    lk_mutex_fini(&other); /* its lease, if any, ends with the wall clock back at +0 */
}

/* Check 2 for the wall jump 'jump' ("+3600" or "-3600"). */
static void check_lease(ft *f, const char *jump) {
    char check[64], key[32];
    snprintf(check, sizeof(check), "2 (lease, %s)", jump);
    snprintf(key, sizeof(key), "ft:lease:%s", jump);
    lk_mutex m;
    mutex_init_or_fail(f, &m, key, LEASE_TTL_MS, LEASE_MARGIN_MS);
    int64_t raw_a = kernel_raw_ns();
    lk_mono_ns mono_a = lk_env_mono_ns(&f->pe.env);
    try_acquire_expect(&m, LK_ACQUIRED, check);
    lk_mono_ns mono_b = lk_env_mono_ns(&f->pe.env);
    if (m.sent_mono_ns < mono_a || m.sent_mono_ns > mono_b ||
        m.valid_until_mono_ns != m.sent_mono_ns + (LEASE_TTL_MS - LEASE_MARGIN_MS) * NS_PER_MS)
        fail(check,
             "lease bounds: sent %+" PRId64 " ns, valid until sent %+" PRId64
             " ms, want 0..%" PRId64 " ns and %d ms",
             m.sent_mono_ns - mono_a, (m.valid_until_mono_ns - m.sent_mono_ns) / NS_PER_MS,
             mono_b - mono_a, LEASE_TTL_MS - LEASE_MARGIN_MS);

    lease_watch w = lease_watch_run(f, &m, raw_a, jump, check, lease_on_jump);
    set_offset(f, "+0");
    const int64_t lease_ms = LEASE_TTL_MS - LEASE_MARGIN_MS, tol_ms = RAW_RATE_TOL_NS / NS_PER_MS;
    if (w.held_after_jump == 0 || w.first_lost_raw_ms < 0)
        fail(check, "holds() was 1 %d times after the jump and never 0 in %d polls",
             w.held_after_jump, w.polls);
    if (w.last_held_raw_ms > lease_ms + tol_ms)
        fail(check,
             "holds() = 1 at %" PRId64 " ms of kernel RAW time after the send, past the %" PRId64
             " ms lease",
             w.last_held_raw_ms, lease_ms);
    if (w.first_lost_raw_ms < lease_ms - tol_ms)
        fail(check,
             "holds() = 0 at %" PRId64 " ms of kernel RAW time after the send, before the %" PRId64
             " ms lease ended",
             w.first_lost_raw_ms, lease_ms);
    /* NOT_OWNER after +1 h (the second client took the key), else RELEASED or ABSENT */
    lk_outcome rel = LK_NONE;
    lk_mutex_release(&m, &rel);
    printf("ok   check 2 (lease, %s): holds() 1 until %" PRId64 " ms, 0 from %" PRId64
           " ms after the send (kernel RAW; lease %" PRId64 " ms); the store saw the jump; "
           "release: %s\n",
           jump, w.last_held_raw_ms, w.first_lost_raw_ms, lease_ms, lk_outcome_label(rel));
    lk_mutex_fini(&m);
}

/* Builds the env over the locked model store. */
static void ft_init(ft *f) {
    memset(f, 0, sizeof(*f));
    f->ts_path = getenv("FAKETIME_TIMESTAMP_FILE");
    if (f->ts_path == NULL || f->ts_path[0] == '\0')
        fail("3 (preload)", "libfaketime not active: FAKETIME_TIMESTAMP_FILE is not set (run "
                            "tools/faketime_tests.sh)");
    if ((size_t)snprintf(f->tmp_path, sizeof(f->tmp_path), "%s.tmp", f->ts_path) >=
        sizeof(f->tmp_path))
        fail("setup", "FAKETIME_TIMESTAMP_FILE is too long");
    f->ls.model = calloc(1, sizeof(sim_store_model));
    if (f->ls.model == NULL) fail("setup", "out of memory");
    sim_store_model_init(f->ls.model);
    pthread_mutex_init(&f->ls.mu, NULL);
    f->ls.f = f;
    lk_store store = {&f->ls, locked_exec};
    if (lk_posix_env_init(&f->pe, store) != LK_OK) fail("setup", "lk_posix_env_init failed");
}

static void ft_fini(ft *f) {
    lk_posix_env_fini(&f->pe);
    pthread_mutex_destroy(&f->ls.mu);
    free(f->ls.model);
}

int main(void) {
    static ft f; /* large (a path buffer and the env); static keeps it off the stack */
    ft_init(&f);
    check_preload(&f);
    static const char *const fwd[] = {"+3600", NULL}, *const back[] = {"-3600", NULL},
                             *const both[] = {"+3600", "-3600", "+3600", NULL};
    check_deadline(&f, "+3600", fwd, 1, 0);
    check_deadline(&f, "-3600", back, 0, 1);
    check_deadline(&f, "+3600,-3600,+3600", both, 1, 1);
    check_lease(&f, "+3600");
    check_lease(&f, "-3600");
    set_offset(&f, "+0");
    ft_fini(&f);
    printf("ok   all faketime checks passed\n");
    return 0;
}
