/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rw_lock: an example of a reader-writer lock written as Lua scripts over a hash, with per-reader lease keys and a
 * pub/sub wake-up, in the style of Redisson's RReadWriteLock, built in with
 *     make SCENARIO=examples/rw_lock.c
 *
 * The lock is a hash: "mode" (read or write), and per client "<name>:r" and "<name>:w", its read and write holds.
 * Many readers or one writer hold it; the writer may also take read holds (a downgrade). A reader also keeps a lease
 * key of its own. Each operation is one script from a file (examples/rw_lock_*.lua, read with sim_script(): run
 * from the repository's root). A client that finds the lock held waits for a message on the lock's channel, at most
 * for the ms the lock has left, and tries again; it subscribes (on its pub/sub connection) before its first try, so
 * a release between a failed try and the wait still wakes it. The last release deletes the lock and publishes.
 *
 * Clients: c1 takes the write lock, then a read hold on top of it, drops the read hold and keeps writing a little
 * longer before it drops the write hold; c2 writes; c3 reads. The mutant is Redisson issue #891: the read release
 * counts only the read holds that are left, so when c1 drops its read hold the whole lock is deleted while c1 still
 * writes, and c2 takes the write lock beside it (or c3 a read hold). Expectations, while nothing advanced time,
 * paused a client, stepped a wall clock or restarted the store (a slowed holder may outlive its lease, and a lost write can undo a
 * release, by design; such an execution says it checked neither): no writer beside another holder
 * (expect_rw_exclusion), and every client that did not crash gets its lock (expect_all_served). Probe: woken (a
 * waiter's wait ended by a message).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lk_env.h"
#include "sim/sim_scenario.h"

enum { RW_CLIENTS = 3, RW_READ = 0, RW_WRITE = 1 };

static const char *const RW_FILES[] = {"examples/rw_lock_read.lua", "examples/rw_lock_write.lua",
                                       "examples/rw_lock_unlock_read.lua", "examples/rw_lock_unlock_write.lua",
                                       "examples/rw_lock_unlock_read_891.lua"};
enum { RW_LOCK_READ, RW_LOCK_WRITE, RW_UNLOCK_READ, RW_UNLOCK_WRITE, RW_UNLOCK_READ_891, RW_SCRIPTS };

typedef struct rw_state {
    const char *script[RW_SCRIPTS]; /* the bodies, valid for the process */
    int holds[RW_CLIENTS][2];       /* per client: the read and write holds it believes it has */
    int64_t since_ns[RW_CLIENTS];   /* when it sent the acquire of its first hold (its lease runs ttl_ms from there) */
    int served[RW_CLIENTS];         /* 1 once it got what it came for */
    int gave_up[RW_CLIENTS];        /* 1 when it stopped waiting without it (its deadline, or a store error) */
    char overlap[200];              /* the first overlap seen, or "" */
} rw_state;

static const sim_param_def rw_params[] = {
    {"ttl_ms", 500, 1, 60000, "lock and reader-lease TTL, ms"},
    {"work_ms", 50, 0, 60000, "time a holder keeps the lock, ms"},
    {"deadline_ms", 2000, 1, 600000, "a client gives up waiting after this long, ms"},
};

static const sim_variant_def rw_variants[] = {
    {"core", "a read release deletes the lock only when no hold of anyone is left"},
    {"mutant:891", "it counts only read holds: the writer's own read release deletes the lock under its write"},
};

/* 1 when the expectations can be checked: nothing slowed a client or lost a write. */
static int rw_checkable(sim_run *run) {
    return sim_advances(run) == 0 && sim_fault_count(run, "pause") == 0 && sim_fault_count(run, "restart") == 0 &&
           sim_fault_count(run, "wall-step") == 0;
}

/* Runs script 'which' on the lock (and, for reads, the caller's lease key); its reply stays in 'r'. */
static lk_rc rw_eval(sim_thread *self, rw_state *st, int which, lk_reply *r) {
    sim_run *run = sim_thread_run(self);
    const char *name = sim_thread_name(self);
    char lease[32], ttl[24];
    snprintf(lease, sizeof(lease), "rw:lease:%s", name);
    snprintf(ttl, sizeof(ttl), "%" PRId64, sim_param(run, "ttl_ms"));
    int read_keys = which == RW_LOCK_READ || which == RW_UNLOCK_READ || which == RW_UNLOCK_READ_891;
    const char *argv[8] = {"EVAL", st->script[which], read_keys ? "2" : "1", "rw", read_keys ? lease : NULL};
    int argc = read_keys ? 5 : 4;
    if (which == RW_LOCK_READ || which == RW_LOCK_WRITE) {
        argv[argc++] = ttl;
        argv[argc++] = name;
    } else {
        argv[argc++] = name;
        argv[argc++] = "rw:chan";
    }
    return lk_env_command(sim_env(self), r, argc, argv, NULL);
}

/* Records a grant of 'mode' to client 'me', whose acquire was sent at 'sent_ns', and checks it against the others'
 * live holds (a lease lasts ttl_ms from its acquire's send: a crashed holder's runs out). */
static void rw_granted(sim_thread *self, rw_state *st, int me, int mode, int64_t sent_ns) {
    sim_run *run = sim_thread_run(self);
    int64_t now = sim_now_ns(run), ttl_ns = sim_param(run, "ttl_ms") * 1000000;
    for (int j = 0; j < RW_CLIENTS && rw_checkable(run) && st->overlap[0] == '\0'; j++) {
        int live = now - st->since_ns[j] < ttl_ns;
        if (j == me || !live || !(st->holds[j][RW_WRITE] || (mode == RW_WRITE && st->holds[j][RW_READ]))) continue;
        snprintf(st->overlap, sizeof(st->overlap), "c%d got a %s hold while c%d held a %s hold", me + 1,
                 mode == RW_WRITE ? "write" : "read", j + 1, st->holds[j][RW_WRITE] ? "write" : "read");
    }
    if (st->holds[me][RW_READ] + st->holds[me][RW_WRITE] == 0) st->since_ns[me] = sent_ns;
    st->holds[me][mode]++;
}

/* Takes 'mode', waiting on the channel while the lock is held. Returns 1 when held, 0 when the deadline passed or
 * the store failed. */
static int rw_acquire(sim_thread *self, rw_state *st, int me, int mode) {
    sim_run *run = sim_thread_run(self);
    const lk_env *env = sim_env(self);
    lk_reply_node nodes[8];
    char bytes[256];
    lk_reply r;
    lk_reply_init(&r, nodes, 8, bytes, sizeof(bytes));
    const char *sub[] = {"SUBSCRIBE", "rw:chan"}, *unsub[] = {"UNSUBSCRIBE", "rw:chan"};
    lk_env_command(env, &r, 2, sub, NULL); /* if it failed, the waits below end by their timeouts alone */
    lk_mono_ns give_up = lk_env_mono_ns(env) + sim_param(run, "deadline_ms") * 1000000;
    int got = 0;
    int64_t sent_ns = 0;
    while (lk_env_mono_ns(env) < give_up) {
        sent_ns = sim_now_ns(run);
        lk_rc rc = rw_eval(self, st, mode == RW_WRITE ? RW_LOCK_WRITE : RW_LOCK_READ, &r);
        if (rc == LK_OK && r.node[0].type == LK_REPLY_NIL) {
            got = 1;
            rw_granted(self, st, me, mode, sent_ns); /* it holds it from now on, before it unsubscribes */
            break;
        }
        if (rc != LK_OK) continue; /* maybe applied: try again at once (a hold taken twice is reentrant) */
        int64_t wait_ms = (give_up - lk_env_mono_ns(env)) / 1000000;
        if (r.node[0].type == LK_REPLY_INTEGER && r.node[0].integer > 0 && r.node[0].integer < wait_ms)
            wait_ms = r.node[0].integer;
        if (wait_ms <= 0) break;
        rc = lk_env_command_next(env, &r, wait_ms); /* a release's message, or the lock's time is up */
        if (rc == LK_OK) sim_probe(run, "woken");
        if (rc != LK_OK && rc != LK_ETIMEDOUT) break;
    }
    lk_env_command(env, &r, 2, unsub, NULL);
    if (!got) st->gave_up[me] = 1;
    return got;
}

static void rw_release(sim_thread *self, rw_state *st, int me, int mode) {
    sim_run *run = sim_thread_run(self);
    lk_reply_node nodes[4];
    char bytes[64];
    lk_reply r;
    lk_reply_init(&r, nodes, 4, bytes, sizeof(bytes));
    st->holds[me][mode]--; /* its belief ends when it lets go */
    int unlock_read = sim_variant(run) == 1 ? RW_UNLOCK_READ_891 : RW_UNLOCK_READ;
    rw_eval(self, st, mode == RW_WRITE ? RW_UNLOCK_WRITE : unlock_read, &r);
}

static void rw_client(sim_thread *self, void *arg) {
    rw_state *st = arg;
    sim_run *run = sim_thread_run(self);
    const lk_env *env = sim_env(self);
    int me = atoi(sim_thread_name(self) + 1) - 1;
    int64_t work_ns = sim_param(run, "work_ms") * 1000000;
    if (me == 0) { /* the writer that takes a read hold on top of its write hold, and drops it first */
        if (!rw_acquire(self, st, me, RW_WRITE)) return;
        lk_env_sleep_ns(env, work_ns / 2);
        if (rw_acquire(self, st, me, RW_READ)) rw_release(self, st, me, RW_READ);
        lk_env_sleep_ns(env, work_ns / 2); /* still writing */
        rw_release(self, st, me, RW_WRITE);
        st->served[me] = 1;
        return;
    }
    int mode = me == 1 ? RW_WRITE : RW_READ;
    if (!rw_acquire(self, st, me, mode)) return;
    st->served[me] = 1;
    lk_env_sleep_ns(env, work_ns);
    rw_release(self, st, me, mode);
}

static int rw_setup(sim_run *run) {
    rw_state *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL) return -1;
    sim_state_set(run, st);
    for (int i = 0; i < RW_SCRIPTS; i++)
        if ((st->script[i] = sim_script(run, RW_FILES[i])) == NULL) return -1;
    return sim_clients_new(run, RW_CLIENTS, 0, rw_client, st);
}

static void rw_finish(sim_run *run) {
    const rw_state *st = sim_state(run);
    if (!rw_checkable(run)) {
        sim_expect_unchecked(run, "expect_rw_exclusion");
        sim_expect_unchecked(run, "expect_all_served");
        return;
    }
    if (st->overlap[0]) sim_violation(run, "expect_rw_exclusion", "%s", st->overlap);
    for (int i = 0; i < RW_CLIENTS; i++) /* a crashed client never gives up: it just stops */
        if (st->gave_up[i])
            sim_violation(run, "expect_all_served", "c%d gave up waiting for its lock (%lld ms)", i + 1,
                          (long long)sim_param(run, "deadline_ms"));
}

SIM_SCENARIO_DEFINE(rw_lock) = {
    .name = "rw_lock",
    .description = "a reader-writer lock as Lua scripts with pub/sub wake-ups (Redisson's): issue #891",
    .params = rw_params,
    .param_count = sizeof(rw_params) / sizeof(rw_params[0]),
    .variants = rw_variants,
    .variant_count = sizeof(rw_variants) / sizeof(rw_variants[0]),
    .faults = "crash", /* with reply-lost too, --reduce hash passes 22 million states (6 min) without finishing */
    .expectations = "expect_rw_exclusion,expect_all_served",
    .own_probes = "woken",
    .setup = rw_setup,
    .finish = rw_finish,
};
