/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sim_blocking.c: proves the blocking pops (BLPOP, BRPOP) of the model Redis and of the simulator: a client
 * that finds every key empty blocks on the server; a later command, script or transaction serves the blocked
 * clients from its final state, key by key in the order it created them, each key's clients first come, first
 * served; a timeout runs on the server's wall clock; a blocked thread is a visible wait that every search mode
 * explores alike.
 *
 * How, on the model (sim/model/sim_redis.h), with four connections on one key space: FIFO serving of one push to
 * two waiters, BRPOP from the tail, the final state of a transaction and of a script, Redis's ready-key order when a
 * script makes two keys ready, a waiter whose timeout passed is skipped, ranks close up after an unblock, no
 * blocking inside MULTI (and Redis 7's refusal in a script), and the timeout's argument errors. The expected replies are Redis 7.0.15's
 * (tests/redis/test_command_conformance.c runs the same kinds of sequences against a real server).
 * How, in the simulator: an inline scenario, "pop_queue", where a producer pushes items one RPUSH at a time and
 * consumers pop them with BLPOP and a timeout; finish() raises "lost_item" when an item is neither popped nor left
 * in the list (a lost reply aside), "double_pop" when two consumers got the same one, and "early_maybe" when a
 * consumer learnt of a lost reply before its own timer (the longer of its command timeout and its block) ran out. The naive search, DPOR and
 * the search over states must complete and agree on the distinct outcomes, with time advances and crashes, with
 * lost replies, with a server wall step, and with a store restart. A lone consumer times out exactly at the server
 * deadline + 1 ms + RTT/2; under a late-timeout fault, timeout_lag_ms later, or at the first command after the
 * deadline (a push then finds it gone); a consumer without a timeout and no producer is a deadlock naming its BLPOP.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/explore/sim_config.h"
#include "sim/explore/sim_explore.h"
#include "sim/explore/sim_faults.h"
#include "sim/model/sim_redis.h"
#include "sim/run/sim_run.h"
#include "sim_test_modes.h"

#define T0 INT64_C(1700000000000) /* an arbitrary server wall instant, ms */

/* ---- the model: four connections on one key space ------------------------------------------------------------- */

enum { CONNS = 4 };

typedef struct model {
    sim_keyspace ks;
    sim_redis_client cl[CONNS];
    lk_reply_node nodes[CONNS][16];
    char bytes[CONNS][256];
    lk_reply reply[CONNS]; /* each connection's last reply (a blocked one stays empty until served) */
    int served[CONNS];     /* times each was served */
} model;

static lk_reply *model_reply_of(void *arg, int i) {
    return &((model *)arg)->reply[i];
}

static void model_served(void *arg, int i, lk_rc rc) {
    assert_int_equal(rc, LK_OK);
    ((model *)arg)->served[i]++;
}

static int model_setup(void **state) {
    model *m = calloc(1, sizeof(*m));
    if (m == NULL) return -1;
    sim_ks_init(&m->ks);
    for (int i = 0; i < CONNS; i++) {
        sim_redis_client_init(&m->cl[i], (uint32_t)i);
        lk_reply_init(&m->reply[i], m->nodes[i], 16, m->bytes[i], sizeof(m->bytes[i]));
    }
    *state = m;
    return 0;
}

static int model_teardown(void **state) {
    free(*state);
    return 0;
}

/* Runs 'line' (words split on spaces, "..." quotes one) on connection 'i' at 'now_ms' as the simulator does: the
 * command, then its block registered or the blocked others served. */
static void model_run(model *m, int i, lk_wall_ms now_ms, const char *line) {
    static char words[16][256];
    const char *argv[16];
    size_t len[16];
    int argc = 0;
    for (const char *p = line; *p;) {
        while (*p == ' ')
            p++;
        if (*p == '\0') break;
        int quoted = *p == '"';
        p += quoted;
        size_t k = 0;
        while (*p && (quoted ? *p != '"' : *p != ' '))
            words[argc][k++] = *p++;
        p += quoted && *p == '"';
        words[argc][k] = '\0';
        argv[argc] = words[argc];
        len[argc++] = k;
    }
    assert_int_equal(sim_redis_exec_client(&m->ks, &m->cl[i], now_ms, argc, argv, len, &m->reply[i]), LK_OK);
    if (m->cl[i].flags & SIM_CLIENT_BLOCKED) {
        assert_int_equal(m->reply[i].node_count, 0);
        sim_redis_block_order(m->cl, CONNS, i);
        return;
    }
    sim_redis_waker w = {m, model_reply_of, model_served};
    sim_redis_serve_blocked(&m->ks, m->cl, CONNS, now_ms, &w);
}

/* Asserts connection 'i''s last reply, redis-cli style ("" when it is still blocked). */
static void model_expect(model *m, int i, const char *want) {
    char got[512] = "";
    if (m->reply[i].node_count > 0) lk_reply_format(&m->reply[i], 0, got, sizeof(got));
    if (strcmp(got, want) != 0) fail_msg("connection %d\n   got: %s\nwanted: %s", i, got, want);
}

static void test_blocking_fifo_and_tail(void **state) {
    model *m = *state;
    model_run(m, 0, T0, "BLPOP q 0");
    model_run(m, 1, T0, "BRPOP q 0");
    model_expect(m, 0, "");
    assert_int_equal(m->cl[0].block_rank, 1);
    assert_int_equal(m->cl[1].block_rank, 2);
    model_run(m, 2, T0 + 1, "RPUSH q x y z");
    model_expect(m, 2, "(integer) 3");
    model_expect(m, 0, "[\"q\", \"x\"]"); /* first come: the head */
    model_expect(m, 1, "[\"q\", \"z\"]"); /* BRPOP: the tail */
    assert_int_equal(m->cl[0].flags | m->cl[1].flags, 0);
    model_run(m, 2, T0 + 1, "LRANGE q 0 -1");
    model_expect(m, 2, "[\"y\"]");
}

static void test_blocking_serves_the_final_state(void **state) {
    model *m = *state;
    model_run(m, 0, T0, "BLPOP q 5");
    model_run(m, 1, T0, "MULTI");
    model_run(m, 1, T0, "LPUSH q a");
    model_run(m, 1, T0, "DEL q");
    model_run(m, 1, T0, "EXEC");
    model_expect(m, 1, "[(integer) 1, (integer) 1]");
    model_expect(m, 0, ""); /* the list the transaction made is gone by its end */
    model_run(m, 1, T0, "SET q str");
    model_expect(m, 0, ""); /* not a list */
    model_run(m, 1, T0, "DEL q");
#ifdef RACEBED_HAVE_LUA
    model_run(m, 1, T0, "EVAL \"redis.call('rpush', KEYS[1], 'a', 'b') redis.call('lpop', KEYS[1]) return 1\" 1 q");
    model_expect(m, 0, "[\"q\", \"b\"]");
#else
    model_run(m, 1, T0, "RPUSH q b");
    model_expect(m, 0, "[\"q\", \"b\"]");
#endif
    assert_int_equal(m->served[0], 1);
}

static void test_blocking_ready_keys_in_creation_order(void **state) {
    model *m = *state;
    model_run(m, 0, T0, "BLPOP k1 k2 0");
    model_run(m, 1, T0, "BLPOP k2 0");
    /* one transaction creates k2 then k1: k2's waiters first (connection 0 pops k2, as Redis does), then k1's */
    model_run(m, 2, T0, "MULTI");
    model_run(m, 2, T0, "RPUSH k2 x");
    model_run(m, 2, T0, "RPUSH k1 y");
    model_run(m, 2, T0, "EXEC");
    model_expect(m, 0, "[\"k2\", \"x\"]");
    model_expect(m, 1, "");
    assert_int_equal(m->cl[1].block_rank, 1); /* ranks close up */
    model_run(m, 2, T0, "LRANGE k1 0 -1");
    model_expect(m, 2, "[\"y\"]");
}

static void test_blocking_timeouts(void **state) {
    model *m = *state;
    model_run(m, 0, T0, "BLPOP q 0.1"); /* deadline T0 + 100 */
    model_run(m, 1, T0, "BLPOP q 0.2");
    assert_int_equal(m->cl[0].block_deadline_ms, T0 + 100);
    model_run(m, 2, T0 + 101, "RPUSH q a"); /* connection 0 timed out on the server: skipped */
    model_expect(m, 1, "[\"q\", \"a\"]");
    model_expect(m, 0, "");
    sim_redis_unblock(m->cl, CONNS, 0); /* the simulator ends its wait with nil at its timeout */
    assert_int_equal(m->cl[0].flags, 0);
    model_run(m, 3, T0, "BLPOP q -0.0001"); /* rounds up to 0: no timeout */
    assert_int_equal(m->cl[3].block_deadline_ms, 0);
    assert_int_equal(m->cl[3].block_rank, 1);
    static const char *const bad[][2] = {
        {"BLPOP q x", "(error) ERR timeout is not a float or out of range"},
        {"BLPOP q \" 1\"", "(error) ERR timeout is not a float or out of range"},
        {"BLPOP q 1e-5000", "(error) ERR timeout is not a float or out of range"},
        {"BLPOP q -1", "(error) ERR timeout is negative"},
        {"BLPOP q inf", "(error) ERR timeout is negative"},
        {"BLPOP q 1e308", "(error) ERR timeout is negative"},
    };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        model_run(m, 2, T0, bad[k][0]);
        model_expect(m, 2, bad[k][1]);
    }
}

static void test_blocking_never_blocks_inside_multi_or_scripts(void **state) {
    model *m = *state;
    model_run(m, 0, T0, "MULTI");
    model_run(m, 0, T0, "BLPOP q 0");
    model_run(m, 0, T0, "EXEC");
    model_expect(m, 0, "[(nil)]");
#ifdef RACEBED_HAVE_LUA /* Redis 7 refuses BLPOP in a script (noscript) */
    model_run(m, 0, T0, "EVAL \"return redis.call('blpop', KEYS[1], 0)\" 1 q");
    model_expect(m, 0,
                 "(error) ERR This Redis command is not allowed from script script: "
                 "4bec37c9115f995bf276f7704a7ed879c6c262a9, on @user_script:1.");
#endif
    model_run(m, 1, T0, "SET s v");
    model_run(m, 0, T0, "BLPOP none s 0"); /* the first key that exists decides */
    model_expect(m, 0, "(error) WRONGTYPE Operation against a key holding the wrong kind of value");
    assert_int_equal(m->cl[0].flags, 0);
}

/* ---- the simulator: pop_queue ---------------------------------------------------------------------------------- */

static uint32_t sim__get32_le(const unsigned char *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

typedef struct queue_state {
    int popped[4];      /* per item: consumers that got it */
    int64_t nil_at_ns;  /* when a consumer's BLPOP last answered nil (its timeout) */
    int64_t sent_at_ns; /* when that consumer sent it */
    int early_maybe;    /* a consumer learnt of a lost reply before its own timer could have told it */
} queue_state;

static const char *const queue_names[] = {"q0", "q1"};

static void queue_producer(sim_thread *self, void *arg) {
    (void)arg;
    sim_run *run = sim_thread_run(self);
    lk_reply_node nodes[4];
    char bytes[64];
    lk_reply r;
    lk_reply_init(&r, nodes, 4, bytes, sizeof(bytes));
    static const char *const items[] = {"0", "1", "2", "3"};
    int64_t poke_ms = sim_param(run, "poke_at_ms"), push_ms = sim_param(run, "push_at_ms");
    if (poke_ms > 0 && poke_ms < push_ms) { /* an unrelated command first: a server event */
        lk_env_sleep_ns(sim_env(self), poke_ms * MS);
        const char *set[] = {"SET", "poke", "1"};
        lk_env_command(sim_env(self), &r, 3, set, NULL);
        push_ms -= poke_ms;
    }
    if (push_ms > 0) lk_env_sleep_ns(sim_env(self), push_ms * MS);
    for (int i = 0; i < sim_param(run, "items"); i++) {
        const char *push[] = {"RPUSH", queue_names[i % sim_param(run, "queues")], items[i]};
        lk_env_command(sim_env(self), &r, 3, push, NULL);
    }
}

static void queue_consumer(sim_thread *self, void *arg) {
    queue_state *st = arg;
    sim_run *run = sim_thread_run(self);
    lk_reply_node nodes[4];
    char bytes[64];
    lk_reply r;
    lk_reply_init(&r, nodes, 4, bytes, sizeof(bytes));
    char timeout[32];
    snprintf(timeout, sizeof(timeout), "%.3f", (double)sim_param(run, "block_ms") / 1000.0);
    for (int k = 0; k <= sim_param(run, "items"); k++) { /* one pop more than there are items */
        const char *pop[] = {"BLPOP", queue_names[(atoi(sim_thread_name(self) + 1) - 1) % sim_param(run, "queues")],
                             timeout};
        int64_t sent = sim_now_ns(run);
        lk_rc rc = lk_env_command(sim_env(self), &r, 3, pop, NULL);
        int64_t own_ms = sim_param(run, "timeout_ms") > sim_param(run, "block_ms") ? sim_param(run, "timeout_ms")
                                                                                   : sim_param(run, "block_ms");
        if (rc == LK_ESTORE_MAYBE && sim_now_ns(run) - sent < own_ms * MS) /* a lost reply: learnt by its own timer */
            st->early_maybe = 1;
        if (rc != LK_OK) continue;
        if (r.node[0].type != LK_REPLY_ARRAY) {
            st->nil_at_ns = sim_now_ns(run);
            st->sent_at_ns = sent;
            return;
        }
        st->popped[atoi(lk_reply_str(&r, 2))]++;
    }
}

static void queue_finish(sim_run *run) {
    const queue_state *st = sim_state(run);
    int items = (int)sim_param(run, "items"), got = 0;
    if (st->early_maybe) sim_violation(run, "early_maybe", "a consumer saw its lost reply before its own timer");
    for (int i = 0; i < items; i++) {
        if (st->popped[i] > 1) sim_violation(run, "double_pop", "item %d popped %d times", i, st->popped[i]);
        got += st->popped[i];
    }
    int64_t left = 0; /* the lists' lengths, read from the model's key space (not an op) */
    for (int q = 0; q < sim_param(run, "queues"); q++) {
        int slot = sim_ks_peek(&run->store.ks, queue_names[q], 2, sim__server_ms(run, run->now_ns));
        uint32_t n;
        if (slot >= 0 && run->store.ks.entry[slot].type == SIM_KS_LIST)
            left += sim__get32_le(sim_ks_value_const(&run->store.ks, slot, &n));
    }
    int64_t lost_by_faults = sim_fault_count(run, "reply-lost") + sim_fault_count(run, "conn-error");
    if (sim_fault_count(run, "restart") == 0 && got + left < items - lost_by_faults)
        sim_violation(run, "lost_item", "%d popped and %lld left of %d items", got, (long long)left, items);
}

static int queue_setup(sim_run *run) {
    queue_state *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL) return -1;
    sim_state_set(run, st);
    int proc = sim_param(run, "items") > 0 ? sim_process_new(run, "producer") : 0;
    if (proc < 0 || (sim_param(run, "items") > 0 && sim_thread_new(run, proc, "p", 0, queue_producer, st) < 0))
        return -1;
    return sim_clients_new(run, (int)sim_param(run, "consumers"), 0, queue_consumer, st);
}

static const sim_param_def queue_params[] = {
    {"consumers", 2, 1, 3, "consumers, one process each"},
    {"items", 2, 0, 4, "items the producer pushes, one RPUSH each"},
    {"block_ms", 100, 0, 10000, "a consumer's BLPOP timeout, ms (0: none)"},
    {"queues", 1, 1, 2, "lists: item k goes to list k % queues, consumer ci pops list (i - 1) % queues"},
    {"push_at_ms", 0, 0, 10000, "the producer sleeps this long before its first push, ms"},
    {"poke_at_ms", 0, 0, 10000, "before that, at this instant, the producer sets another key (0: it does not)"},
};
static const sim_variant_def queue_variants[] = {{"core", "RPUSH and BLPOP"}};
static const sim_scenario queue_scenario = {
    .name = "pop_queue",
    .description = "a producer and consumers that block in BLPOP",
    .params = queue_params,
    .param_count = 6,
    .variants = queue_variants,
    .variant_count = 1,
    .faults = "crash,reply-lost,late-timeout",
    .setup = queue_setup,
    .finish = queue_finish,
    .expectations = "lost_item,double_pop,early_maybe",
};

/* The three modes on 'settings' (NAME=VALUE ...): the same outcomes, no violation. */
static void queue_modes_agree(const char *settings) {
    sim_config cfg;
    config_with(&cfg, &queue_scenario, 0, settings);
    char what[128];
    snprintf(what, sizeof(what), "pop_queue %s", settings);
    assert_int_equal(modes_agree_on(&cfg, what, 2), 0);
}

static void test_blocking_modes_agree(void **state) {
    (void)state;
    queue_modes_agree("store_faults_max=0");
    queue_modes_agree("crashes_max=0 store_faults_max=1");
    queue_modes_agree("consumers=1 items=1 wall_steps_max=1 crashes_max=0 store_faults_max=0");
    queue_modes_agree("consumers=1 items=1 restarts_max=1 crashes_max=0 store_faults_max=0");
    queue_modes_agree("queues=2 store_faults_max=0"); /* two lists: DPOR reduces across them */
    /* a push 50 ms after the consumer's deadline: under a late timeout, the event that times it out */
    queue_modes_agree("consumers=1 items=1 push_at_ms=150 advances_max=0 crashes_max=0 store_faults_max=1");
    queue_modes_agree("consumers=1 items=1 poke_at_ms=120 push_at_ms=150 advances_max=0 crashes_max=0 "
                      "store_faults_max=1");
}

/* One random execution of 'settings'; returns its result. */
static void queue_once(const char *settings, sim_random_result *res) {
    sim_config cfg;
    config_with(&cfg, &queue_scenario, 0, settings);
    sim_random_opts o = {.seed = 1, .execs_max = 1};
    memset(res, 0, sizeof(*res));
    assert_int_equal(sim_explore_random(g_run, &cfg, &o, res), 0);
}

/* One random execution of 'settings' with every decision that can be a late-timeout fault one. */
static void queue_once_late(const char *settings, sim_random_result *res) {
    sim_config cfg;
    config_with(&cfg, &queue_scenario, 0, settings);
    sim_random_opts o = {.seed = 1, .execs_max = 1, .fault_permille = 1000};
    o.faults = 1u << SIM_FAULT_BIT_LATE_TIMEOUT;
    memset(res, 0, sizeof(*res));
    assert_int_equal(sim_explore_random(g_run, &cfg, &o, res), 0);
}

/* late-timeout: with no other command, the server notices the timeout timeout_lag_ms after the deadline; the first
 * command after the deadline (a push too: it never serves the late consumer) is the event that times it out. */
static void test_blocking_late_timeout(void **state) {
    (void)state;
    sim_random_result res;
    queue_once_late("consumers=1 items=0 block_ms=100", &res);
    assert_int_equal(res.violations, 0);
    assert_int_equal(sim_fault_count(g_run, "late-timeout"), 1);
    const queue_state *st = sim_state(g_run);
    assert_int_equal(st->nil_at_ns, (101 + 100) * MS + 500000); /* the default timeout_lag_ms, 100 */
    queue_once_late("consumers=1 items=0 block_ms=100 timeout_lag_ms=30", &res);
    assert_int_equal(st->nil_at_ns, (101 + 30) * MS + 500000);
    queue_once_late("consumers=1 items=1 block_ms=100 push_at_ms=150", &res);
    assert_int_equal(st->popped[0], 0);                 /* never served past its deadline: */
    assert_int_equal(st->nil_at_ns, 150 * MS + 1 * MS); /* the push is the event that times it out */
    /* another command after the deadline is a server event: the timeout is noticed after it, and the push finds
     * the consumer gone (its nil came one RTT after that command was sent) */
    queue_once_late("consumers=1 items=1 block_ms=100 poke_at_ms=120 push_at_ms=150", &res);
    assert_int_equal(st->popped[0], 0);
    assert_int_equal(st->nil_at_ns, 120 * MS + 1 * MS);
    queue_once("consumers=1 items=1 block_ms=100 push_at_ms=150 advances_max=0", &res);
    assert_int_equal(st->popped[0], 0); /* on time: it had timed out; the item stays */
    assert_int_equal(st->nil_at_ns, 101 * MS + 500000);
}

static void test_blocking_timeout_instant_and_deadlock(void **state) {
    (void)state;
    sim_random_result res;
    queue_once("consumers=1 items=0 block_ms=100", &res);
    assert_int_equal(res.violations, 0);
    const queue_state *st = sim_state(g_run);
    /* sent at 0, applied at 0.5 ms (server ms T), deadline T + 100; the server times it out once its clock is past
     * that, at 101 ms, and the nil arrives RTT/2 later */
    assert_int_equal(st->sent_at_ns, 0);
    assert_int_equal(st->nil_at_ns, 101 * MS + 500000);
    queue_once("consumers=1 items=0 block_ms=0", &res);
    assert_int_equal(res.violations, 1);
    assert_string_equal(res.first.oracle, "deadlock");
    assert_non_null(strstr(res.first.msg, "c1 blocks on blpop q0 on the server"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_blocking_fifo_and_tail, model_setup, model_teardown),
        cmocka_unit_test_setup_teardown(test_blocking_serves_the_final_state, model_setup, model_teardown),
        cmocka_unit_test_setup_teardown(test_blocking_ready_keys_in_creation_order, model_setup, model_teardown),
        cmocka_unit_test_setup_teardown(test_blocking_timeouts, model_setup, model_teardown),
        cmocka_unit_test_setup_teardown(test_blocking_never_blocks_inside_multi_or_scripts, model_setup,
                                        model_teardown),
        cmocka_unit_test(test_blocking_modes_agree),
        cmocka_unit_test(test_blocking_timeout_instant_and_deadlock),
        cmocka_unit_test(test_blocking_late_timeout),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
