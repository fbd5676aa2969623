/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * watch_counter: an example of a user's scenario written with Redis commands (lk_env_command), built in with
 *     make SCENARIO=examples/watch_counter.c
 *
 * Clients add 1 to a counter with optimistic locking, the way clients did before SET NX and Lua: WATCH the key, GET
 * it, then MULTI, SET it to the value plus one, EXEC; EXEC answers nil when another client changed the key after the
 * WATCH, and the client tries again. The mutant no_watch leaves WATCH out, so two clients can both read v and both
 * write v+1; the mutant get_set drops the transaction too (GET, then SET), the same race with plain commands. Both
 * run in lockstep with a real Redis too (`--store redis`: each client's commands on its own connection).
 * The expectation: the counter is never below the number of increments EXEC confirmed (a lost reply can hide an
 * applied one, never invent one). A store restart that loses every key loses the counter by design, so an execution
 * with a restart does not check it and says so (sim_expect_unchecked).
 *
 * Each thread's commands go over its own connection: MULTI, the queue and WATCH are per thread, and a crashed
 * thread's connection closes (its transaction and watches end), as with Redis.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/lk_env.h"
#include "sim/sim_scenario.h"

typedef struct wc_state {
    int confirmed; /* increments EXEC confirmed */
} wc_state;

static const sim_param_def wc_params[] = {
    {"clients", 2, 1, 8, "clients, one process each"},
    {"attempts", 3, 1, 16, "tries per client before it gives up"},
};

static const sim_variant_def wc_variants[] = {
    {"core", "WATCH, GET, MULTI, SET, EXEC: a change after the WATCH aborts the EXEC, the client tries again"},
    {"mutant:no_watch", "GET, MULTI, SET, EXEC with no WATCH: two clients write the same v+1"},
    {"mutant:get_set", "GET then SET, no transaction: the same race with plain commands"},
};

/* One command; its reply stays in 'r'. */
static lk_rc wc_cmd(sim_thread *self, lk_reply *r, int argc, const char *const *argv) {
    return lk_env_command(sim_env(self), r, argc, argv, NULL);
}

/* One optimistic increment: 1 when EXEC (or the plain SET) confirmed it, 0 when EXEC aborted, -1 on a store
 * error. 'variant': 0 WATCH and a transaction, 1 a transaction, 2 neither. */
static int wc_try(sim_thread *self, int variant, lk_reply *r) {
    const char *w[] = {"WATCH", "counter"}, *g[] = {"GET", "counter"}, *m[] = {"MULTI"}, *e[] = {"EXEC"};
    if (variant == 0 && wc_cmd(self, r, 2, w) != LK_OK) return -1;
    if (wc_cmd(self, r, 2, g) != LK_OK) return -1;
    int64_t v = 0; /* nil (no counter yet) reads as 0; the bytes of a reply are not NUL-terminated */
    if (!lk_reply_int_at(r, 0, &v)) v = 0;
    char next[32];
    snprintf(next, sizeof(next), "%lld", (long long)(v + 1));
    const char *s[] = {"SET", "counter", next};
    if (variant == 2) return wc_cmd(self, r, 3, s) == LK_OK && r->node[0].type == LK_REPLY_STATUS ? 1 : -1;
    if (wc_cmd(self, r, 1, m) != LK_OK || wc_cmd(self, r, 3, s) != LK_OK || wc_cmd(self, r, 1, e) != LK_OK) return -1;
    return r->node[0].type == LK_REPLY_ARRAY;
}

static void wc_client(sim_thread *self, void *arg) {
    wc_state *st = arg;
    sim_run *run = sim_thread_run(self);
    lk_reply_node nodes[8];
    char bytes[128];
    lk_reply r;
    lk_reply_init(&r, nodes, 8, bytes, sizeof(bytes));
    for (int i = 0; i < sim_param(run, "attempts"); i++) {
        int done = wc_try(self, sim_variant(run), &r);
        if (done != 0) {
            st->confirmed += done > 0;
            return;
        }
        sim_probe(run, "exec_aborted");
    }
}

static int wc_setup(sim_run *run) {
    wc_state *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL) return -1;
    sim_state_set(run, st);
    return sim_clients_new(run, (int)sim_param(run, "clients"), 0, wc_client, st);
}

static void wc_finish(sim_run *run) {
    const wc_state *st = sim_state(run);
    if (sim_fault_count(run, "restart") > 0) {
        sim_expect_unchecked(run, "expect_no_lost_update");
        return;
    }
    int64_t counter = sim_store_peek_int(run, "counter");
    if (counter < st->confirmed)
        sim_violation(run, "expect_no_lost_update",
                      "the clients saw %d increments confirmed, but the counter is %" PRId64, st->confirmed, counter);
}

SIM_SCENARIO_DEFINE(watch_counter) = {
    .name = "watch_counter",
    .description = "optimistic increments with WATCH, MULTI and EXEC",
    .params = wc_params,
    .param_count = sizeof(wc_params) / sizeof(wc_params[0]),
    .variants = wc_variants,
    .variant_count = sizeof(wc_variants) / sizeof(wc_variants[0]),
    .expectations = "expect_no_lost_update",
    .own_probes = "exec_aborted",
    .setup = wc_setup,
    .finish = wc_finish,
};
