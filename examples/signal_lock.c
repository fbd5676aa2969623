/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * signal_lock: an example of a lock whose waiters sleep in BLPOP on a signal list, in the style of
 * python-redis-lock, built in with
 *     make SCENARIO=examples/signal_lock.c
 *
 * A client tries SET lock token NX PX ttl; when that fails it blocks in BLPOP on the signal list for at most the
 * TTL, then tries again. Release is a script (examples/signal_lock_release.lua, read with sim_script(): run from
 * the repository's root): if the lock is the caller's, it replaces the signal list by one element with an expiry
 * and deletes the lock, all in one step. A waiter that reaches its BLPOP after the release still finds the signal,
 * so a released lock never leaves a waiter asleep; a holder that crashed wakes nobody, and its waiters sleep until
 * their BLPOP times out, when the lock's TTL has run out too.
 *
 * The mutants are two ways to lose that wake-up:
 *   mutant:drain_first       the waiter deletes leftover signals before it blocks, so that a stale one cannot wake
 *                            it: a release between its failed SET and that DEL loses its signal;
 *   mutant:signal_before_del the release is two commands, LPUSH the signal, then DEL the lock: a waiter woken in
 *                            between finds the lock still held and blocks again, and the DEL signals nobody.
 * Either way a waiter sleeps its whole BLPOP timeout although the lock was released after its failed try, before
 * its BLPOP timed out on the server, and nobody has taken it since (expect_no_lost_wakeup). With param timeout 0 (python-redis-lock with no expire: no TTL,
 * BLPOP without a timeout) the waiter sleeps forever, which racebed reports as a deadlock; run that with --faults
 * none, as a crashed holder then wedges every waiter by design, and even so a waiter slowed past the signal's
 * expiry (signal_ms) sleeps forever: why python-redis-lock bounds BLPOP by the lock's expire.
 * Expectations, while nothing advanced time, paused a client, stepped a wall clock or restarted the store (a slowed
 * client may outlive its lease or its signal, a stepped clock ends a lease early, and a lost write can bring a
 * released lock back, by design; such an execution says it checked neither): no lost wake-up, and no two holders at once (expect_mutual_exclusion). A release leaves one
 * signal, which wakes one waiter: when that waiter crashes before it takes the lock, or its BLPOP's reply is lost
 * (the signal popped, nobody told), the others sleep until their timeout, by design, so a timeout after a crash that
 * followed the release, or in an execution with a lost reply, is not judged (the execution says so).
 * Probe: woken (a BLPOP served by a release).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lk_env.h"
#include "sim/sim_scenario.h"

static const char SIGNAL_RELEASE_FILE[] = "examples/signal_lock_release.lua";

typedef struct signal_state {
    const char *release_script; /* its body, valid for the process */
    int holder;                 /* the client that believes it holds the lock, -1 none */
    int64_t holder_since_ns;    /* when it got it (its lease lasts ttl_ms: a crashed holder's runs out) */
    int releases;               /* releases done so far */
    int free_after;             /* 'releases' at the last release if nobody took the lock since, else 0 */
    int crashes_at_release;     /* crashes before the last release */
    int64_t released_ns;        /* when the last release was applied (sent + RTT/2) */
    int overlap;                /* 1 once a client got the lock while another believed it held it */
    int wakeup_unchecked;       /* 1 once a timeout could not be judged: a crash after the release (see below) */
} signal_state;

static const sim_param_def signal_params[] = {
    {"clients", 3, 2, 8, "clients, one process each"},
    {"ttl_ms", 500, 1, 60000, "lock TTL, ms; a waiter's BLPOP waits at most this long"},
    {"work_ms", 0, 0, 60000, "time a holder keeps the lock, ms"},
    {"signal_ms", 1000, 1, 60000, "a release's signal lasts this long, ms"},
    {"attempts", 2, 1, 16, "SET tries per client before it gives up (it waits between two tries)"},
    {"timeout", 1, 0, 1, "1: BLPOP waits at most ttl_ms; 0: the lock has no TTL and BLPOP waits forever"},
};

static const sim_variant_def signal_variants[] = {
    {"core", "the release leaves one signal in the list, in the same script that deletes the lock"},
    {"mutant:drain_first", "the waiter deletes leftover signals before it blocks: a release just before is lost"},
    {"mutant:signal_before_del", "the release signals, then deletes the lock: an early waiter blocks again"},
};

/* One command; its reply stays in 'r'. */
static lk_rc signal_cmd(sim_thread *self, lk_reply *r, int argc, const char *const *argv) {
    return lk_env_command(sim_env(self), r, argc, argv, NULL);
}

/* 1 when the expectations can be checked now: nothing slowed a client or lost a write (see the header). */
static int signal_checkable(sim_run *run) {
    return sim_advances(run) == 0 && sim_fault_count(run, "pause") == 0 && sim_fault_count(run, "restart") == 0 &&
           sim_fault_count(run, "wall-step") == 0;
}

static void signal_release(sim_thread *self, signal_state *st, lk_reply *r) {
    sim_run *run = sim_thread_run(self);
    const char *token = sim_thread_name(self);
    char signal_ms[24];
    snprintf(signal_ms, sizeof(signal_ms), "%" PRId64, sim_param(run, "signal_ms"));
    st->holder = -1;
    int64_t applied_ns = sim_now_ns(run) + sim_param(run, "rtt_us") * 500; /* its (last) command is applied then */
    int crashes = sim_crashes(run); /* before it was applied: a crash after it may have taken its signal */
    if (sim_variant(run) == 2) {
        const char *push[] = {"LPUSH", "signal", "1"}, *del[] = {"DEL", "lock"};
        if (signal_cmd(self, r, 3, push) != LK_OK) return;
        applied_ns = sim_now_ns(run) + sim_param(run, "rtt_us") * 500;
        crashes = sim_crashes(run);
        if (signal_cmd(self, r, 2, del) != LK_OK) return;
    } else {
        const char *eval[] = {"EVAL", st->release_script, "2", "lock", "signal", token, signal_ms};
        if (signal_cmd(self, r, 7, eval) != LK_OK || r->node[0].type != LK_REPLY_INTEGER || r->node[0].integer != 0)
            return;
    }
    st->releases++;
    st->free_after = st->releases;
    st->released_ns = applied_ns;
    st->crashes_at_release = crashes;
}

static void signal_client(sim_thread *self, void *arg) {
    signal_state *st = arg;
    sim_run *run = sim_thread_run(self);
    const char *token = sim_thread_name(self);
    int me = atoi(token + 1) - 1;
    lk_reply_node nodes[8];
    char bytes[256];
    lk_reply r;
    lk_reply_init(&r, nodes, 8, bytes, sizeof(bytes));
    char ttl[24], timeout[32];
    int64_t ttl_ms = sim_param(run, "ttl_ms");
    snprintf(ttl, sizeof(ttl), "%" PRId64, ttl_ms);
    if (sim_param(run, "timeout"))
        snprintf(timeout, sizeof(timeout), "%" PRId64 ".%03" PRId64, ttl_ms / 1000, ttl_ms % 1000);
    else
        snprintf(timeout, sizeof(timeout), "0");
    for (int i = 0; i < sim_param(run, "attempts"); i++) {
        const char *set[] = {"SET", "lock", token, "NX", "PX", ttl};
        lk_rc rc = signal_cmd(self, &r, sim_param(run, "timeout") ? 6 : 4, set); /* timeout 0: no expiry either */
        if (rc != LK_OK) st->free_after = 0; /* the SET may have been applied: someone may hold the lock */
        if (rc == LK_OK && r.node[0].type == LK_REPLY_STATUS) {
            int64_t now = sim_now_ns(run);
            if (st->holder >= 0 && now - st->holder_since_ns < ttl_ms * 1000000 && signal_checkable(run))
                st->overlap = 1;
            st->holder = me;
            st->holder_since_ns = now;
            st->free_after = 0;
            lk_env_sleep_ns(sim_env(self), sim_param(run, "work_ms") * 1000000);
            signal_release(self, st, &r);
            return;
        }
        if (i + 1 == sim_param(run, "attempts")) return; /* gives up; a waiter woken by a signal always tries again */
        int seen = st->releases; /* releases before this failed try */
        if (sim_variant(run) == 1) {
            const char *drain[] = {"DEL", "signal"};
            if (signal_cmd(self, &r, 2, drain) != LK_OK) continue;
        }
        const char *wait[] = {"BLPOP", "signal", timeout};
        int64_t deadline_ns = sim_now_ns(run) + sim_param(run, "rtt_us") * 500 + ttl_ms * 1000000; /* on the server */
        if (signal_cmd(self, &r, 3, wait) != LK_OK) continue; /* a store error: try again */
        if (r.node[0].type == LK_REPLY_ARRAY) {
            sim_probe(run, "woken");
        } else if (st->free_after > seen &&
                   (sim_crashes(run) > st->crashes_at_release || sim_fault_count(run, "reply-lost") > 0)) {
            st->wakeup_unchecked = 1; /* the one signal may have gone to a waiter that crashed or never heard */
        } else if (st->free_after > seen && st->released_ns <= deadline_ns && signal_checkable(run)) {
            sim_violation(run, "expect_no_lost_wakeup",
                          "%s slept its whole BLPOP timeout (%s s), but the lock was released after its failed try "
                          "(release %d) and nobody has taken it since: a lost wake-up",
                          token, timeout, st->free_after);
            return;
        }
    }
}

static int signal_setup(sim_run *run) {
    signal_state *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL) return -1;
    sim_state_set(run, st);
    st->holder = -1;
    st->release_script = sim_script(run, SIGNAL_RELEASE_FILE);
    if (st->release_script == NULL) return -1;
    return sim_clients_new(run, (int)sim_param(run, "clients"), 0, signal_client, st);
}

static void signal_finish(sim_run *run) {
    const signal_state *st = sim_state(run);
    if (st->wakeup_unchecked) sim_expect_unchecked(run, "expect_no_lost_wakeup");
    if (!signal_checkable(run)) {
        sim_expect_unchecked(run, "expect_no_lost_wakeup");
        sim_expect_unchecked(run, "expect_mutual_exclusion");
        return;
    }
    if (st->overlap) sim_violation(run, "expect_mutual_exclusion", "two clients held the signal lock at once");
}

SIM_SCENARIO_DEFINE(signal_lock) = {
    .name = "signal_lock",
    .description = "a lock whose waiters sleep in BLPOP on a signal list (python-redis-lock): the lost wake-up",
    .params = signal_params,
    .param_count = sizeof(signal_params) / sizeof(signal_params[0]),
    .variants = signal_variants,
    .variant_count = sizeof(signal_variants) / sizeof(signal_variants[0]),
    .faults = "crash,reply-lost",
    .expectations = "expect_no_lost_wakeup,expect_mutual_exclusion",
    .own_probes = "woken",
    .setup = signal_setup,
    .finish = signal_finish,
};
