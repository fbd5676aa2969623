/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fair_lock: an example of a lock written as Lua scripts over a list and a sorted set, in the style of Redisson's
 * fair lock, built in with
 *     make SCENARIO=examples/fair_lock.c
 *
 * The scripts are files, as a team would deploy them (examples/fair_lock_try.lua, examples/fair_lock_release.lua),
 * read with sim_script(): run from the repository's root. Waiters queue in arrival order: KEYS[2] is the queue (a list of tokens), KEYS[3] a sorted set of each waiter's
 * deadline (the client's wall clock plus wait_ms, refreshed at every poll). A client's try script first drops the
 * waiters at the head whose deadline passed (a waiter that crashed stops refreshing its deadline), then takes the
 * lock (SET PX) when it is free and the client is first in line, else queues the client. Release is a
 * compare-and-delete. Clients poll every poll_ms until their own deadline.
 *
 * The mutant leaves out the dropping of expired head waiters: a waiter that crashed while first in line stays there
 * forever, and everyone queued behind it times out (the race: a crashed waiter at the head stalls the queue).
 * Expectations, while nothing advanced time or paused a thread (a slowed client may outlive its lease or its wait,
 * by design; such an execution says it checked neither): every client that did not crash gets the lock
 * (expect_queue_moves), and no two clients hold it at once (expect_mutual_exclusion). Probe: skipped_dead_waiter.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lk_env.h"
#include "sim/sim_scenario.h"

/* The try script. ARGV: token, ttl_ms, now_ms (the client's wall clock), wait_ms, skip (1: drop dead head waiters).
 * Returns 1 acquired (or already mine), 0 queued, 2 acquired after dropping a dead waiter at the head. */


/* The scripts, as deployed: read from their files (sim_script), named with their SHA-1 in every schedule. */
static const char FAIR_TRY_FILE[] = "examples/fair_lock_try.lua";
static const char FAIR_RELEASE_FILE[] = "examples/fair_lock_release.lua";

typedef struct fair_state {
    const char *try_script;     /* the bodies, valid for the process */
    const char *release_script;
    int acquired[8];          /* per client: 1 once it held the lock */
    int64_t holding_ns[8];    /* per client: virtual time it got the lock, 0 when not holding (a crash leaves it) */
    int overlap;              /* 1 once a client got the lock while another's lease could still be valid */
} fair_state;

static const sim_param_def fair_params[] = {
    {"clients", 3, 2, 8, "clients, one process each"},
    {"ttl_ms", 500, 1, 60000, "lock TTL, ms"},
    {"work_ms", 50, 0, 60000, "time a holder keeps the lock, ms"},
    {"poll_ms", 100, 1, 60000, "a waiter polls this often, ms"},
    {"wait_ms", 250, 1, 60000, "a waiter's place in the queue lasts this long after its last poll, ms"},
    {"deadline_ms", 1000, 1, 600000, "a client gives up after this long, ms"},
};

static const sim_variant_def fair_variants[] = {
    {"core", "the try script drops waiters at the head whose deadline passed"},
    {"mutant:no_skip", "it does not: a crashed waiter at the head stalls the queue"},
};

/* EVAL of 'script' with the three keys and 'argc' arguments; the integer it returns, or -1 on an error. */
static int64_t fair_eval(sim_thread *self, const char *script, int nargs, const char *const *args) {
    const char *argv[10] = {"EVAL", script, "3", "fair:lock", "fair:queue", "fair:timeouts"};
    for (int i = 0; i < nargs; i++)
        argv[6 + i] = args[i];
    lk_reply_node nodes[4];
    char bytes[256];
    lk_reply r;
    lk_reply_init(&r, nodes, 4, bytes, sizeof(bytes));
    if (lk_env_command(sim_env(self), &r, 6 + nargs, argv, NULL) != LK_OK || r.node[0].type != LK_REPLY_INTEGER)
        return -1;
    return r.node[0].integer;
}

static void fair_client(sim_thread *self, void *arg) {
    fair_state *st = arg;
    sim_run *run = sim_thread_run(self);
    const lk_env *env = sim_env(self);
    const char *token = sim_thread_name(self);
    int me = atoi(token + 1) - 1;
    char ttl[24], wait[24], now[24];
    snprintf(ttl, sizeof(ttl), "%" PRId64, sim_param(run, "ttl_ms"));
    snprintf(wait, sizeof(wait), "%" PRId64, sim_param(run, "wait_ms"));
    lk_mono_ns give_up = lk_env_mono_ns(env) + sim_param(run, "deadline_ms") * 1000000;
    while (lk_env_mono_ns(env) < give_up) {
        snprintf(now, sizeof(now), "%" PRId64, (int64_t)lk_env_wall_ms(env));
        const char *args[] = {token, ttl, now, wait, sim_variant(run) == 0 ? "1" : "0"};
        int64_t got = fair_eval(self, st->try_script, 5, args);
        if (got == 2) sim_probe(run, "skipped_dead_waiter");
        if (got >= 1) {
            int64_t t = sim_now_ns(run), ttl_ns = sim_param(run, "ttl_ms") * 1000000;
            for (int j = 0; j < sim_param(run, "clients"); j++) /* a crashed holder's lease ends with its TTL */
                if (j != me && st->holding_ns[j] != 0 && t - st->holding_ns[j] < ttl_ns) st->overlap = 1;
            st->acquired[me] = 1;
            st->holding_ns[me] = t;
            lk_env_sleep_ns(env, sim_param(run, "work_ms") * 1000000);
            st->holding_ns[me] = 0;
            const char *rel[] = {token};
            fair_eval(self, st->release_script, 1, rel);
            return;
        }
        if (lk_env_sleep_ns(env, sim_param(run, "poll_ms") * 1000000) != LK_OK) return;
    }
}

static int fair_setup(sim_run *run) {
    fair_state *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL) return -1;
    sim_state_set(run, st);
    st->try_script = sim_script(run, FAIR_TRY_FILE);
    st->release_script = sim_script(run, FAIR_RELEASE_FILE);
    if (st->try_script == NULL || st->release_script == NULL) return -1;
    return sim_clients_new(run, (int)sim_param(run, "clients"), 0, fair_client, st);
}

/* Both expectations hold only when nothing slowed a client down: a time advance or a pause can take a holder past
 * its TTL (two holders) or a waiter past its deadline (it gives up), by design. Such an execution says so. */
static void fair_finish(sim_run *run) {
    const fair_state *st = sim_state(run);
    if (sim_advances(run) != 0 || sim_fault_count(run, "pause") != 0) {
        sim_expect_unchecked(run, "expect_mutual_exclusion");
        sim_expect_unchecked(run, "expect_queue_moves");
        return;
    }
    if (st->overlap) sim_violation(run, "expect_mutual_exclusion", "two clients held the fair lock at once");
    int missing = 0, crashes = sim_crashes(run);
    for (int i = 0; i < sim_param(run, "clients"); i++)
        missing += !st->acquired[i];
    if (missing > crashes) /* every client that did not crash gets the lock */
        sim_violation(run, "expect_queue_moves", "%d of %d clients never got the lock, %d crashed", missing,
                      (int)sim_param(run, "clients"), crashes);
}

SIM_SCENARIO_DEFINE(fair_lock) = {
    .name = "fair_lock",
    .description = "a fair lock as Lua scripts over a list and a sorted set: a crashed waiter at the head",
    .params = fair_params,
    .param_count = sizeof(fair_params) / sizeof(fair_params[0]),
    .variants = fair_variants,
    .variant_count = sizeof(fair_variants) / sizeof(fair_variants[0]),
    .faults = "crash",
    .expectations = "expect_queue_moves,expect_mutual_exclusion",
    .own_probes = "skipped_dead_waiter",
    .setup = fair_setup,
    .finish = fair_finish,
};
