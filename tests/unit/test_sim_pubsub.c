/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sim_pubsub.c: proves pub/sub in the model Redis and in the simulator: SUBSCRIBE, UNSUBSCRIBE and PUBLISH with
 * Redis 7.0's replies; the subscribed mode's command restriction and PING; confirmations after the first and
 * messages waiting in the connection's inbox; a message published while nobody is subscribed is lost; a closed
 * connection leaves the registry; a thread's read (lk_env_command_next) is a visible wait that a publication ends
 * RTT/2 after it was applied, or its timeout; every search mode explores it alike.
 *
 * How, on the model (sim/model/sim_redis.h), two connections on one key space, replies compared with what a real
 * redis-server 7.0.15 answered to the same sequence (see the header of tests/unit/test_sim_blocking.c for the
 * command-line helper's conventions). How, in the simulator: an inline scenario, "wake_up", where a waiter
 * subscribes to a channel and reads with a timeout while a notifier publishes once; its mutant publishes before
 * the waiter can have subscribed (the lost wake-up of a pub/sub lock). finish() raises "missed" when the waiter
 * timed out although the notifier's PUBLISH was applied (without time advances and faults that explain it). The naive search,
 * DPOR and the search over states agree on the outcomes (with time advances, a crash, lost replies, a restart);
 * the core is clean and the mutant misses; a read with no timeout and no publisher is a deadlock naming it; the
 * message arrives exactly at the publish's send + RTT.
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
#include "sim/model/sim_redis.h"
#include "sim_test_modes.h"

#define T0 INT64_C(1700000000000) /* an arbitrary server wall instant, ms */

/* ---- the model ------------------------------------------------------------------------------------------------ */

enum { CONNS = 3 };

typedef struct model {
    sim_keyspace ks;
    sim_redis_client cl[CONNS];
    lk_reply_node nodes[64];
    char bytes[1024];
    lk_reply reply;
    int64_t stamp; /* what the next delivery stamps records with */
} model;

static int model_setup(void **state) {
    model *m = calloc(1, sizeof(*m));
    if (m == NULL) return -1;
    sim_ks_init(&m->ks);
    for (int i = 0; i < CONNS; i++)
        sim_redis_client_init(&m->cl[i], (uint32_t)i);
    lk_reply_init(&m->reply, m->nodes, 64, m->bytes, sizeof(m->bytes));
    *state = m;
    return 0;
}

static int model_teardown(void **state) {
    free(*state);
    return 0;
}

/* Runs 'line' on connection 'i' (then delivers, as the simulator does) and asserts the reply redis-cli style. */
static void model_expect(model *m, int i, const char *line, const char *want) {
    static char words[16][256];
    const char *argv[16];
    size_t len[16];
    int argc = 0;
    for (const char *p = line; *p;) {
        while (*p == ' ')
            p++;
        if (*p == '\0') break;
        size_t k = 0;
        while (*p && *p != ' ')
            words[argc][k++] = *p++;
        words[argc][k] = '\0';
        argv[argc] = words[argc];
        len[argc++] = k;
    }
    assert_int_equal(sim_redis_exec_client(&m->ks, &m->cl[i], T0, argc, argv, len, &m->reply), LK_OK);
    char got[1024];
    lk_reply_format(&m->reply, 0, got, sizeof(got));
    if (strcmp(got, want) != 0) fail_msg("%s\n   got: %s\nwanted: %s", line, got, want);
    uint64_t received;
    assert_int_equal(sim_redis_deliver(&m->ks, m->cl, CONNS, i, ++m->stamp, &received), LK_OK);
}

/* Asserts the next inbox record of connection 'i' ("" when there is none). */
static void inbox_expect(model *m, int i, const char *want) {
    char got[1024] = "";
    if (sim_redis_inbox_next(&m->cl[i]) >= 0) {
        assert_int_equal(sim_redis_inbox_take(&m->cl[i], &m->reply), LK_OK);
        lk_reply_format(&m->reply, 0, got, sizeof(got));
    }
    if (strcmp(got, want) != 0) fail_msg("inbox of %d\n   got: %s\nwanted: %s", i, got, want);
}

static void test_pubsub_subscribe_publish_unsubscribe(void **state) {
    model *m = *state;
    model_expect(m, 0, "UNSUBSCRIBE", "[\"unsubscribe\", (nil), (integer) 0]");
    model_expect(m, 1, "PUBLISH c1 early", "(integer) 0"); /* nobody subscribed: lost */
    model_expect(m, 0, "SUBSCRIBE c1 c2 c1", "[\"subscribe\", \"c1\", (integer) 1]");
    inbox_expect(m, 0, "[\"subscribe\", \"c2\", (integer) 2]");
    inbox_expect(m, 0, "[\"subscribe\", \"c1\", (integer) 2]");
    inbox_expect(m, 0, "");
    model_expect(m, 0, "PING", "[\"pong\", \"\"]");
    model_expect(m, 0, "PING hi", "[\"pong\", \"hi\"]");
    model_expect(m, 0, "GET k",
                 "(error) ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
                 "allowed in this context");
    model_expect(m, 2, "SUBSCRIBE c1", "[\"subscribe\", \"c1\", (integer) 1]");
    model_expect(m, 1, "PUBLISH c1 m1", "(integer) 2");
    assert_int_equal(sim_redis_inbox_next(&m->cl[0]), m->stamp); /* stamped by that command's delivery */
    model_expect(m, 1, "PUBLISH nobody m2", "(integer) 0");
    inbox_expect(m, 0, "[\"message\", \"c1\", \"m1\"]");
    inbox_expect(m, 2, "[\"message\", \"c1\", \"m1\"]");
    model_expect(m, 0, "UNSUBSCRIBE c2 zz", "[\"unsubscribe\", \"c2\", (integer) 1]");
    inbox_expect(m, 0, "[\"unsubscribe\", \"zz\", (integer) 1]");
    model_expect(m, 0, "UNSUBSCRIBE", "[\"unsubscribe\", \"c1\", (integer) 0]");
    assert_int_equal(m->cl[0].flags & SIM_CLIENT_PUBSUB, 0);
    model_expect(m, 0, "GET k", "(nil)"); /* out of subscribed mode */
    assert_int_equal(m->ks.channel_count, 1); /* c1 keeps connection 2 */
    sim_redis_client_reset(&m->ks, &m->cl[2]); /* connection 2 closes */
    assert_int_equal(m->ks.channel_count, 0);
    model_expect(m, 1, "PUBLISH c1 m3", "(integer) 0");
}

static void test_pubsub_from_scripts_and_transactions(void **state) {
    model *m = *state;
    model_expect(m, 0, "SUBSCRIBE ch", "[\"subscribe\", \"ch\", (integer) 1]");
#ifdef RACEBED_HAVE_LUA
    model_expect(m, 1, "EVAL return(redis.call('publish','ch','s')) 0", "(integer) 1");
    inbox_expect(m, 0, "[\"message\", \"ch\", \"s\"]");
    model_expect(m, 1, "EVAL return(redis.call('subscribe','x')) 0",
                 "(error) ERR This Redis command is not allowed from script script: "
                 "496b37cb5e70fb79964d169dab8ab67e8bd1f55a, on @user_script:1.");
#endif
    model_expect(m, 1, "MULTI", "OK");
    model_expect(m, 1, "PUBLISH ch t1", "QUEUED");
    model_expect(m, 1, "PUBLISH ch t2", "QUEUED");
    model_expect(m, 1, "EXEC", "[(integer) 1, (integer) 1]");
    inbox_expect(m, 0, "[\"message\", \"ch\", \"t1\"]");
    inbox_expect(m, 0, "[\"message\", \"ch\", \"t2\"]");
    model_expect(m, 1, "MULTI", "OK");
    model_expect(m, 1, "SUBSCRIBE y", "QUEUED");
    static const char *const exec[] = {"EXEC"};
    size_t len = 4;
    assert_int_equal(sim_redis_exec_client(&m->ks, &m->cl[1], T0, 1, exec, &len, &m->reply), LK_ELIMIT);
}

/* ---- the simulator: wake_up ------------------------------------------------------------------------------------ */

typedef struct wake_state {
    int confirmed;        /* the waiter's SUBSCRIBE was confirmed */
    int published;        /* the notifier's PUBLISH was applied and confirmed */
    int woken;            /* the waiter read the message */
    int64_t published_ns; /* when the notifier sent PUBLISH */
    int64_t woken_ns;     /* when the waiter's read returned it */
    int64_t read_ns;      /* when the waiter started that read */
} wake_state;

static void wake_waiter(sim_thread *self, void *arg) {
    wake_state *st = arg;
    sim_run *run = sim_thread_run(self);
    const lk_env *env = sim_env(self);
    lk_reply_node nodes[8];
    char bytes[128];
    lk_reply r;
    lk_reply_init(&r, nodes, 8, bytes, sizeof(bytes));
    const char *sub[] = {"SUBSCRIBE", "wake"};
    if (lk_env_command(env, &r, 2, sub, NULL) != LK_OK) return;
    st->confirmed = 1;
    for (;;) {
        st->read_ns = sim_now_ns(run);
        lk_rc rc = lk_env_command_next(env, &r, sim_param(run, "wait_ms"));
        if (rc != LK_OK) return; /* timed out, or the connection dropped */
        if (r.node[0].type == LK_REPLY_ARRAY && strcmp(lk_reply_str(&r, 1), "message") == 0) {
            st->woken = 1;
            st->woken_ns = sim_now_ns(run);
            return;
        }
    }
}

static void wake_notifier(sim_thread *self, void *arg) {
    wake_state *st = arg;
    sim_run *run = sim_thread_run(self);
    const lk_env *env = sim_env(self);
    lk_reply_node nodes[4];
    char bytes[64];
    lk_reply r;
    lk_reply_init(&r, nodes, 4, bytes, sizeof(bytes));
    if (sim_variant(run) == 0) { /* core: publish once the waiter is known to listen (a flag it set) */
        for (int i = 0; i < 3 && !st->confirmed; i++)
            lk_env_sleep_ns(env, 10 * MS);
    }
    const char *pub[] = {"PUBLISH", "wake", "go"};
    st->published_ns = sim_now_ns(run);
    if (lk_env_command(env, &r, 3, pub, NULL) == LK_OK) st->published = 1;
}

static void wake_finish(sim_run *run) {
    const wake_state *st = sim_state(run);
    if (sim_crashes(run) == 0 && sim_fault_count(run, "restart") == 0 && sim_fault_count(run, "conn-error") == 0 &&
        sim_fault_count(run, "pause") == 0 && sim_advances(run) == 0 && st->confirmed && st->published && !st->woken)
        sim_violation(run, "missed", "the waiter timed out although the notifier published its message");
    int64_t arrives = st->published_ns + sim_param(run, "rtt_us") * 1000; /* applied at +RTT/2, then RTT/2 back */
    if (st->woken && sim_advances(run) == 0 && st->woken_ns != (arrives > st->read_ns ? arrives : st->read_ns))
        sim_violation(run, "late", "the message was read at %lld ns, published at %lld, the read began at %lld",
                      (long long)st->woken_ns, (long long)st->published_ns, (long long)st->read_ns);
}

static int wake_setup(sim_run *run) {
    wake_state *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL) return -1;
    sim_state_set(run, st);
    int a = sim_process_new(run, "a"), b = sim_process_new(run, "b");
    if (a < 0 || b < 0 || sim_thread_new(run, a, "w", 0, wake_waiter, st) < 0) return -1;
    return sim_param(run, "notifier") && sim_thread_new(run, b, "n", 0, wake_notifier, st) < 0 ? -1 : 0;
}

static const sim_param_def wake_params[] = {
    {"wait_ms", 100, 0, 10000, "the waiter's read timeout, ms (0: none)"},
    {"notifier", 1, 0, 1, "1: a notifier publishes"},
};
static const sim_variant_def wake_variants[] = {{"core", "publish after the waiter subscribed"},
                                                {"mutant:early", "publish at once: the message may find nobody"}};
static const sim_scenario wake_scenario = {
    .name = "wake_up",
    .description = "a waiter reads a pub/sub message",
    .params = wake_params,
    .param_count = 2,
    .variants = wake_variants,
    .variant_count = 2,
    .faults = "crash,reply-lost",
    .setup = wake_setup,
    .finish = wake_finish,
    .expectations = "missed,late",
};

/* The three modes agree on 'settings' (NAME=VALUE ...); returns the naive search's violating executions. */
static int64_t wake_modes_agree(int variant, const char *settings) {
    sim_config cfg;
    config_with(&cfg, &wake_scenario, variant, settings);
    char what[128];
    snprintf(what, sizeof(what), "wake_up %s %s", wake_variants[variant].name, settings);
    return modes_agree_on(&cfg, what, 2);
}

static void test_pubsub_modes_agree(void **state) {
    (void)state;
    assert_int_equal(wake_modes_agree(0, "store_faults_max=1"), 0);
    assert_true(wake_modes_agree(1, "store_faults_max=0 crashes_max=0") > 0);
    assert_int_equal(wake_modes_agree(0, "restarts_max=1 crashes_max=0 store_faults_max=0"), 0);
}

static void test_pubsub_deadlock(void **state) {
    (void)state;
    sim_config cfg;
    config_with(&cfg, &wake_scenario, 0, "wait_ms=0 notifier=0");
    sim_random_opts o = {.seed = 1, .execs_max = 1};
    sim_random_result res;
    memset(&res, 0, sizeof(res));
    assert_int_equal(sim_explore_random(g_run, &cfg, &o, &res), 0);
    assert_int_equal(res.violations, 1);
    assert_string_equal(res.first.oracle, "deadlock");
    assert_non_null(strstr(res.first.msg, "w blocks on read inbox (a pub/sub message"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pubsub_subscribe_publish_unsubscribe, model_setup, model_teardown),
        cmocka_unit_test_setup_teardown(test_pubsub_from_scripts_and_transactions, model_setup, model_teardown),
        cmocka_unit_test(test_pubsub_modes_agree),
        cmocka_unit_test(test_pubsub_deadlock),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
