/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sim_commands.c: proves that scenario threads can send any command of the command table through their env
 * (lk_env_command) and that the simulator explores them as it explores the fixed ops: each thread has its own
 * connection (MULTI, WATCH), a command is one visible op whose footprint comes from the table, and every search mode
 * agrees on what can happen.
 *
 * How: an inline scenario, "watch_counter": clients increment one counter key with optimistic locking (WATCH n, GET
 * n, MULTI, SET n v+1, EXEC, retrying while EXEC says nil); its mutant leaves WATCH out. Its finish() raises
 * "lost_update" when the counter is below the increments that EXEC confirmed. The naive search, DPOR and the search
 * over states must all complete, agree on the set of distinct outcomes and on the violated oracles, prove the core
 * and find the mutant's lost update; a search with crashes must agree too (a crashed client's connection drops its
 * transaction and watches). A lose-last restart replays the logged commands (EXEC's one by one) up to its cutoff and
 * drops every connection's transaction; a snapshot taken inside a transaction restores the queue and the watches.
 * Then the guards: a command that changes a key the lease oracle follows is a setup error naming the key, and a
 * command's reply larger than the thread's buffers is a setup error, not a verdict.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/engine/sim_sched.h"
#include "sim/engine/sim_pending.h"
#include "sim/run/sim_verdict.h"
#include "sim/search/sim_exhaust.h"
#include "sim/search/sim_snapshot.h"
#include "sim_test_modes.h"

/* ---- the scenario ----------------------------------------------------------------------------------------------- */

typedef struct counter_state {
    int confirmed; /* increments EXEC confirmed */
} counter_state;

/* One command with the thread's reply buffers; returns the rc and leaves the reply in 'r'. */
static lk_rc counter_cmd(const lk_env *env, lk_reply *r, int argc, const char *const *argv) {
    return lk_env_command(env, r, argc, argv, NULL);
}

static void counter_client(sim_thread *self, void *arg) {
    counter_state *st = arg;
    sim_run *run = sim_thread_run(self);
    const lk_env *env = sim_env(self);
    lk_reply_node nodes[8];
    char bytes[128];
    lk_reply r;
    lk_reply_init(&r, nodes, 8, bytes, sizeof(bytes));
    int watch = sim_variant(run) == 0;
    for (int attempt = 0; attempt < (int)sim_param(run, "retries"); attempt++) {
        const char *w[] = {"WATCH", "n"}, *g[] = {"GET", "n"}, *m[] = {"MULTI"}, *e[] = {"EXEC"};
        if (watch && counter_cmd(env, &r, 2, w) != LK_OK) return;
        if (counter_cmd(env, &r, 2, g) != LK_OK) return;
        long v = r.node[0].type == LK_REPLY_STRING ? strtol(lk_reply_str(&r, 0), NULL, 10) : 0;
        char next[24];
        snprintf(next, sizeof(next), "%ld", v + 1);
        const char *set[] = {"SET", "n", next};
        if (counter_cmd(env, &r, 1, m) != LK_OK || counter_cmd(env, &r, 3, set) != LK_OK) return;
        if (counter_cmd(env, &r, 1, e) != LK_OK) return;
        if (r.node[0].type == LK_REPLY_ARRAY) {
            st->confirmed++;
            return;
        }
    }
}

static void counter_finish(sim_run *run) {
    const counter_state *st = sim_state(run);
    int64_t n = sim_store_peek_int(run, "n");
    if (n < st->confirmed)
        sim_violation(run, "lost_update", "counter %lld after %d confirmed increments", (long long)n, st->confirmed);
}

static int counter_setup(sim_run *run) {
    counter_state *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL) return -1;
    sim_state_set(run, st);
    return sim_clients_new(run, (int)sim_param(run, "threads"), 0, counter_client, st);
}

static const sim_param_def counter_params[] = {
    {"threads", 2, 1, 4, "clients"},
    {"retries", 2, 1, 8, "attempts per client"},
};
static const sim_variant_def counter_variants[] = {
    {"core", "WATCH, GET, MULTI, SET, EXEC: a concurrent change aborts the EXEC"},
    {"mutant:no_watch", "GET, MULTI, SET, EXEC without WATCH: two clients can both write v+1"},
};
static const sim_param_override counter_overrides[] = {{"advances_max", 0}};
static const sim_scenario counter_scenario = {
    .name = "watch_counter",
    .description = "optimistic increments with WATCH/MULTI/EXEC",
    .params = counter_params,
    .param_count = 2,
    .variants = counter_variants,
    .variant_count = 2,
    .setup = counter_setup,
    .finish = counter_finish,
    .expectations = "lost_update",
    .overrides = counter_overrides,
    .override_count = 1,
};

/* ---- searches --------------------------------------------------------------------------------------------------- */

static void test_sim_commands_watch_counter_modes_agree(void **state) {
    (void)state;
    sim_config cfg;
    sim_config_defaults(&cfg, &counter_scenario, 0);
    assert_int_equal(modes_agree_on(&cfg, "watch_counter core", 1), 0);
    sim_config_defaults(&cfg, &counter_scenario, 1);
    assert_true(modes_agree_on(&cfg, "watch_counter mutant:no_watch", 1) > 0);
}

static void test_sim_commands_crashes_drop_transactions(void **state) {
    (void)state;
    sim_config cfg;
    char err[256];
    sim_config_defaults(&cfg, &counter_scenario, 0);
    assert_int_equal(sim_config_set_text(&cfg, "crashes_max=1", err, sizeof(err)), 0);
    assert_int_equal(modes_agree_on(&cfg, "watch_counter core, one crash", 1), 0);
}

/* ---- a lock written as Lua scripts -------------------------------------------------------------------------------- */

#ifdef RACEBED_HAVE_LUA
/* Acquire (SET NX PX), a guarded INCR, release by compare-and-delete: three EVALs per client; the mutant releases
 * with a script that deletes without comparing. With a time advance the lease can expire mid-work, another client
 * acquires, and the mutant's release deletes that client's lock. Both release scripts reply {value before, deleted},
 * so the client sees whose lock went; finish() raises "released_other" when a client deleted a lock not its own. */
typedef struct script_state {
    int released_other; /* releases that deleted another client's lock */
} script_state;

static void script_client(sim_thread *self, void *arg) {
    script_state *st = arg;
    sim_run *run = sim_thread_run(self);
    const lk_env *env = sim_env(self);
    lk_reply_node nodes[8];
    char bytes[256];
    lk_reply r;
    lk_reply_init(&r, nodes, 8, bytes, sizeof(bytes));
    const char *token = sim_thread_name(self);
    const char *acq[] = {"EVAL", "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', 100) then return 1 end return 0",
                         "1", "lock", token};
    const char *work[] = {"EVAL", "return redis.call('INCR', KEYS[1])", "1", "n"};
    const char *rel_core[] = {"EVAL",
                              "local v = redis.call('GET', KEYS[1]) "
                              "if v == ARGV[1] then return {v, redis.call('DEL', KEYS[1])} end return {v or '', 0}",
                              "1", "lock", token};
    const char *rel_mut[] = {"EVAL", "local v = redis.call('GET', KEYS[1]) return {v or '', redis.call('DEL', KEYS[1])}",
                             "1", "lock", token};
    if (lk_env_command(env, &r, 5, acq, NULL) != LK_OK || r.node[0].integer != 1) return;
    lk_env_command(env, &r, 4, work, NULL);
    if (lk_env_command(env, &r, 5, sim_variant(run) == 0 ? rel_core : rel_mut, NULL) != LK_OK) return;
    if (r.node[0].type == LK_REPLY_ARRAY && r.node[0].len == 2 && r.node[2].integer == 1 &&
        strcmp(lk_reply_str(&r, 1), token) != 0)
        st->released_other++;
}

static void script_finish(sim_run *run) {
    const script_state *st = sim_state(run);
    if (st->released_other > 0) sim_violation(run, "released_other", "a client deleted a lock it did not hold");
}

static int script_setup(sim_run *run) {
    script_state *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL) return -1;
    sim_state_set(run, st);
    return sim_clients_new(run, 2, 0, script_client, st);
}

static const sim_variant_def script_variants[] = {{"core", "compare-and-delete"}, {"mutant:del", "plain DEL"}};
static const sim_param_override script_overrides[] = {{"advances_max", 1}};
static const sim_scenario script_scenario = {
    .name = "script_lock", .description = "a lock as three Lua scripts", .variants = script_variants,
    .variant_count = 2, .setup = script_setup, .finish = script_finish, .expectations = "released_other",
    .overrides = script_overrides, .override_count = 1,
};

static void test_sim_commands_scripts_modes_agree(void **state) {
    (void)state;
    sim_config cfg;
    char err[256];
    for (int v = 0; v < 2; v++) {
        sim_config_defaults(&cfg, &script_scenario, v);
        assert_int_equal(sim_config_set_text(&cfg, "crashes_max=1", err, sizeof(err)), 0);
        const char *what = v ? "script_lock mutant:del, one crash" : "script_lock core, one crash";
        int64_t violations = modes_agree_on(&cfg, what, 1);
        if (v == 0)
            assert_int_equal(violations, 0); /* compare-and-delete never deletes another's lock */
        else
            assert_true(violations > 0); /* a plain DEL after the lease ran out does */
    }
}
#endif

/* ---- guards ----------------------------------------------------------------------------------------------------- */

static void lock_writer(sim_thread *self, void *arg) {
    (void)arg;
    lk_reply_node nodes[4];
    char bytes[64];
    lk_reply r;
    lk_reply_init(&r, nodes, 4, bytes, sizeof(bytes));
    const char *set[] = {"SET", "lk:res", "mine"};
    lk_env_command(sim_env(self), &r, 3, set, NULL);
}

static int lock_writer_setup(sim_run *run) {
    if (sim_lock_key(run, "lk:res") != 0) return -1;
    return sim_clients_new(run, 1, 0, lock_writer, NULL);
}

static const sim_variant_def one_variant[] = {{"core", "one"}};
static const sim_scenario lock_writer_scenario = {
    .name = "lock_writer", .description = "a command writes a lock key", .variants = one_variant,
    .variant_count = 1, .setup = lock_writer_setup,
};

static void big_reply(sim_thread *self, void *arg) {
    (void)arg;
    lk_reply_node nodes[2]; /* too few for LRANGE's reply: the caller's buffers, not a model limit */
    char bytes[64];
    lk_reply r;
    lk_reply_init(&r, nodes, 2, bytes, sizeof(bytes));
    const char *push[] = {"RPUSH", "l", "a", "b", "c"}, *range[] = {"LRANGE", "l", "0", "-1"};
    lk_env_command(sim_env(self), &r, 5, push, NULL);
    lk_env_command(sim_env(self), &r, 4, range, NULL);
}

static int big_reply_setup(sim_run *run) {
    return sim_clients_new(run, 1, 0, big_reply, NULL);
}

static const sim_scenario big_reply_scenario = {
    .name = "big_reply", .description = "a reply larger than its buffers", .variants = one_variant,
    .variant_count = 1, .setup = big_reply_setup,
};

static void expect_setup_error(const sim_scenario *sc, const char *needle) {
    sim_config cfg;
    sim_config_defaults(&cfg, sc, 0);
    sim_exhaust_opts o;
    memset(&o, 0, sizeof(o));
    o.seed = 1;
    o.preemptions_max = -1;
    o.execs_max = 100;
    sim_exhaust_result r;
    sim_exhaust(g_run, &cfg, &o, &r, NULL);
    assert_true(r.setup_failed);
    if (strstr(r.setup_error, needle) == NULL) fail_msg("setup error '%s' lacks '%s'", r.setup_error, needle);
}

static void test_sim_commands_guards(void **state) {
    (void)state;
    expect_setup_error(&lock_writer_scenario, "changed the lock key lk:res");
    expect_setup_error(&big_reply_scenario, "lrange");
}

/* ---- a lose-last restart and a snapshot with commands ---------------------------------------------------------- */

/* SET a, then 10 ms later a transaction (HSET h, RPUSH l) in MULTI/EXEC, then 10 ms later GET a. */
static void timeline_client(sim_thread *self, void *arg) {
    (void)arg;
    const lk_env *env = sim_env(self);
    lk_reply_node nodes[8];
    char bytes[128];
    lk_reply r;
    lk_reply_init(&r, nodes, 8, bytes, sizeof(bytes));
    const char *set[] = {"SET", "a", "1"}, *m[] = {"MULTI"}, *h[] = {"HSET", "h", "f", "v"}, *l[] = {"RPUSH", "l", "x"},
               *e[] = {"EXEC"}, *get[] = {"GET", "a"};
#ifdef RACEBED_HAVE_LUA
    /* the SET as a script that also changes a cjson setting: the script cache and the setting are server state */
    const char *eval[] = {"EVAL", "cjson.encode_max_depth(5) return redis.call('SET', KEYS[1], '1')", "1", "a"};
    lk_env_command(env, &r, 4, eval, NULL);
    (void)set;
#else
    lk_env_command(env, &r, 3, set, NULL);
#endif
    lk_env_sleep_ns(env, 10 * MS);
    lk_env_command(env, &r, 1, m, NULL);
    lk_env_command(env, &r, 4, h, NULL);
    lk_env_command(env, &r, 3, l, NULL);
    lk_env_command(env, &r, 1, e, NULL);
    lk_env_sleep_ns(env, 10 * MS);
    lk_env_command(env, &r, 2, get, NULL);
}

static int timeline_setup(sim_run *run) {
    return sim_clients_new(run, 1, 0, timeline_client, NULL);
}

static const sim_scenario timeline_scenario = {
    .name = "timeline", .description = "commands over time", .variants = one_variant, .variant_count = 1,
    .setup = timeline_setup,
};

/* Runs the only thread until its pending op is 'label' (or it ends); returns the number enabled. */
static int run_until(const char *label) {
    const sim_chooser none = {NULL, NULL, NULL, NULL};
    int enabled[SIM_THREADS_MAX];
    int n;
    while ((n = sim_exec_until_decision(g_run, &none, enabled)) > 0) {
        if (strcmp(sim__pending_label(&g_run->thread[enabled[0]].pend), label) == 0) return n;
        sim_choice c = {SIM_DEC_RUN, enabled[0], -1, 0, 0};
        sim_exec_apply(g_run, &c);
    }
    return n;
}

static int key_exists(const char *key) {
    return sim_ks_peek(&g_run->store.ks, key, (uint32_t)strlen(key), INT64_MAX / 2) >= 0;
}

static void test_sim_commands_lose_last_replays_commands(void **state) {
    (void)state;
    sim_config cfg;
    sim_config_defaults(&cfg, &timeline_scenario, 0);
    for (int cut = 0; cut < 2; cut++) {
        sim_exec_args a = {cfg.scenario, cfg.variant, cfg.param, 1, 0, 1, NULL, NULL};
        assert_int_equal(sim_exec_begin(g_run, &a), SIM_END_PASS);
        assert_true(run_until("get") > 0); /* SET at ~0.5 ms, the transaction at ~11 ms, now ~21 ms */
        assert_true(key_exists("a") && key_exists("h") && key_exists("l"));
        assert_int_equal(g_run->log_count, 3); /* SET, then EXEC's HSET and RPUSH (MULTI and EXEC themselves not) */
        /* lose the last 5 ms: everything stays; lose the last 15 ms: the transaction goes, as a whole */
        sim_choice r = {SIM_DEC_RESTART, -1, -1, (cut ? 15 : 5) * MS, SIM_RESTART_LOSE_LAST};
#ifdef RACEBED_HAVE_LUA
        assert_int_equal(g_run->store.ks.script_count, 1); /* the EVAL's script, and the setting it changed */
        int64_t set_bits = 0;
        for (int i = 0; i < SIM_KS_CJSON_SETTINGS; i++)
            set_bits |= g_run->store.ks.cjson.setting[i];
        assert_true(set_bits != 0);
#endif
        char why[128];
        assert_int_equal(sim_choice_valid(g_run, &r, why, sizeof(why)), 1);
        sim_exec_apply(g_run, &r);
        assert_true(key_exists("a"));
        assert_int_equal(key_exists("h"), !cut);
        assert_int_equal(key_exists("l"), !cut);
        assert_int_equal(g_run->log_count, cut ? 1 : 3);
        /* neither outlives the restart, though the replay runs the EVAL again: Redis 7 persists no script, and its
         * Lua state is new */
        sim_ks_cjson defaults = {{0}};
        assert_int_equal(g_run->store.ks.script_count, 0);
        assert_memory_equal(&g_run->store.ks.cjson, &defaults, sizeof(defaults));
        assert_null(sim_ks_check(&g_run->store.ks));
        while (run_until("-") > 0) {
        }
        assert_int_equal(sim_exec_finish(g_run), SIM_END_PASS);
        sim_exec_teardown(g_run);
    }
}

static void test_sim_commands_snapshot_inside_transaction(void **state) {
    (void)state;
    sim_config cfg;
    sim_config_defaults(&cfg, &timeline_scenario, 0);
    sim_exec_args a = {cfg.scenario, cfg.variant, cfg.param, 1, 0, 0, NULL, NULL};
    assert_int_equal(sim_exec_begin(g_run, &a), SIM_END_PASS);
    assert_true(run_until("exec") > 0); /* MULTI, HSET, RPUSH queued */
    assert_int_equal(g_run->client[0].queued, 2);
    sim_fp before = sim_state_fingerprint(g_run, 0);
    sim_snapshots snaps;
    sim_snapshots_init(&snaps, (size_t)16 << 20);
    int64_t off = sim_state_save(g_run, &snaps);
    assert_true(off >= 0);
    assert_true(run_until("get") > 0); /* EXEC ran: the queue is gone, the keys exist */
    assert_int_equal(g_run->client[0].queued, 0);
    assert_true(key_exists("h"));
    sim_state_restore(g_run, &snaps, off);
    sim_fp after = sim_state_fingerprint(g_run, 0);
    assert_true(before.lo == after.lo && before.hi == after.hi);
    assert_int_equal(g_run->client[0].queued, 2);
    assert_int_equal(g_run->client[0].flags & SIM_CLIENT_MULTI, SIM_CLIENT_MULTI);
    assert_false(key_exists("h"));
    assert_true(run_until("get") > 0);
    assert_true(key_exists("h") && key_exists("l"));
    while (run_until("-") > 0) {
    }
    assert_int_equal(sim_exec_finish(g_run), SIM_END_PASS);
    sim_exec_teardown(g_run);
    sim_snapshots_free(&snaps);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_commands_watch_counter_modes_agree),
        cmocka_unit_test(test_sim_commands_crashes_drop_transactions),
        cmocka_unit_test(test_sim_commands_guards),
#ifdef RACEBED_HAVE_LUA
        cmocka_unit_test(test_sim_commands_scripts_modes_agree),
#endif
        cmocka_unit_test(test_sim_commands_lose_last_replays_commands),
        cmocka_unit_test(test_sim_commands_snapshot_inside_transaction),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
