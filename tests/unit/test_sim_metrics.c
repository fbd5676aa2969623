/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sim_metrics.c: proves the simulator's side of lock metrics: the metric_agreement oracle fires on a metric
 * that disagrees with the store's replies or the clock (a timeout counted after a grant; a wait observed in ms
 * instead of ns) and stays quiet for the core and for correct metrics from non-core code; a scenario that reads
 * metrics declares it, and gets the metrics of each execution right after every snapshot restore of every search
 * mode; the metrics of a scenario that does not read them stay out of the fingerprint.
 *
 * How: an inline scenario, "meter", where clients of kind "memory" contend for one lock with an acquire deadline.
 * Its variants: the core (lk_mutex_acquire); "timeout_on_success" counts a timeout after the core's grant;
 * "raw_wait_ns" and "wait_in_ms" acquire with raw store ops and observe the wait themselves, right and wrong.
 * "meter_reads" is the same scenario with reads_metrics set and a finish() that compares each process's metric
 * totals with what its client saw.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/lk_mutex.h"
#include "sim/explore/sim_config.h"
#include "sim/explore/sim_explore.h"
#include "sim_test_modes.h"

#define MS INT64_C(1000000)

enum { METER_CLIENTS_MAX = 4 };

typedef struct meter_state {
    int acquired[METER_CLIENTS_MAX], timeouts[METER_CLIENTS_MAX], proc[METER_CLIENTS_MAX];
} meter_state;

enum { V_CORE, V_TIMEOUT_ON_SUCCESS, V_RAW_WAIT_NS, V_WAIT_IN_MS, V_SCRIPTED, V_SCRIPTED_LIES };

/* Acquires "lk:meter" with raw ACQUIRE ops every 5 ms (at most 8 tries) and counts the result and the wait itself,
 * in ns or, wrongly, in ms. Returns 1 if it got the lock. */
static int raw_acquire(const lk_env *env, int in_ms) {
    char token[LK_TOKEN_HEX];
    if (lk_token_new(env, token) != LK_OK) return 0;
    lk_store_op op = {
        .kind = LK_OP_ACQUIRE, .key = "lk:meter", .aux_key = "lk:meter:fence", .value = token, .ttl_ms = 1000};
    lk_mono_ns start = lk_env_mono_ns(env);
    int got = 0;
    for (int i = 0; i < 8 && !got; i++) {
        lk_store_reply reply;
        if (i > 0) lk_env_sleep_ns(env, 5 * MS);
        got = lk_env_store_exec(env, &op, &reply) == LK_OK && reply.outcome == LK_ACQUIRED;
    }
    int64_t waited = lk_env_mono_ns(env) - start;
    lk_env_metric(env, got ? LK_METRIC_ACQUIRE_WAIT_ACQUIRED : LK_METRIC_ACQUIRE_WAIT_TIMEOUT, "memory",
                  in_ms ? waited / MS : waited);
    lk_env_metric(env, got ? LK_METRIC_ACQUIRE_ACQUIRED : LK_METRIC_ACQUIRE_TIMEOUT, "memory", 1);
    if (got) {
        lk_store_op del = {.kind = LK_OP_RELEASE, .key = "lk:meter", .value = token};
        lk_store_reply reply;
        lk_env_store_exec(env, &del, &reply);
    }
    return got;
}

/* Acquires "lk:meter" the way a lock written as commands does, its ops marked (core/lk_env.h): a give-back step
 * first (LK_CMD_ACQUIRE_STEP, which starts the wait), then SETNX tries (LK_CMD_ACQUIRE_TRY: 1 acquired, 0 refused)
 * every 5 ms, at most 8. It counts each try and the result itself, truthfully or ('lie') each try as the other
 * answer. Returns 1 if it got the lock. */
static int scripted_acquire(const lk_env *env, int lie) {
    lk_reply_node nodes[2];
    char bytes[64];
    lk_reply r;
    lk_reply_init(&r, nodes, 2, bytes, sizeof(bytes));
    lk_mono_ns start = lk_env_mono_ns(env);
    const char *give_back[] = {"DEL", "lk:meter:leftover"};
    lk_env_command_as(env, LK_CMD_ACQUIRE_STEP, &r, 2, give_back, NULL);
    int got = 0;
    for (int i = 0; i < 8 && !got; i++) {
        if (i > 0) lk_env_sleep_ns(env, 5 * MS);
        const char *setnx[] = {"SETNX", "lk:meter", "holder"};
        if (lk_env_command_as(env, LK_CMD_ACQUIRE_TRY, &r, 3, setnx, NULL) != LK_OK || !lk_reply_ok(&r) ||
            lk_reply_at(&r, 0)->type != LK_REPLY_INTEGER)
            continue;
        got = lk_reply_at(&r, 0)->integer == 1;
        lk_env_metric(env, got != lie ? LK_METRIC_ATTEMPT_ACQUIRED : LK_METRIC_ATTEMPT_BUSY, "memory", 1);
    }
    lk_env_metric(env, got ? LK_METRIC_ACQUIRE_WAIT_ACQUIRED : LK_METRIC_ACQUIRE_WAIT_TIMEOUT, "memory",
                  lk_env_mono_ns(env) - start);
    lk_env_metric(env, got ? LK_METRIC_ACQUIRE_ACQUIRED : LK_METRIC_ACQUIRE_TIMEOUT, "memory", 1);
    if (got) {
        const char *del[] = {"DEL", "lk:meter"};
        lk_env_command(env, &r, 2, del, NULL);
    }
    return got;
}

static void meter_client(sim_thread *self, void *arg) {
    meter_state *st = arg;
    const lk_env *env = sim_env(self);
    int me = self->idx;
    st->proc[me] = self->proc;
    int variant = sim_variant(sim_thread_run(self));
    if (variant == V_SCRIPTED || variant == V_SCRIPTED_LIES) {
        if (scripted_acquire(env, variant == V_SCRIPTED_LIES))
            st->acquired[me]++;
        else
            st->timeouts[me]++;
        return;
    }
    if (variant == V_RAW_WAIT_NS || variant == V_WAIT_IN_MS) {
        if (raw_acquire(env, variant == V_WAIT_IN_MS))
            st->acquired[me]++;
        else
            st->timeouts[me]++;
        return;
    }
    lk_mutex m;
    lk_mutex_opts opts = {.ttl_ms = 1000, .kind = "memory", .backoff_base_ms = 5, .backoff_cap_ms = 10};
    if (lk_mutex_init(&m, env, "lk:meter", &opts) != LK_OK) return;
    lk_outcome out;
    lk_rc rc = lk_mutex_acquire(&m, lk_env_mono_ns(env) + sim_param(sim_thread_run(self), "deadline_ms") * MS, &out);
    if (rc == LK_OK) {
        st->acquired[me]++;
        if (variant == V_TIMEOUT_ON_SUCCESS) lk_env_metric(env, LK_METRIC_ACQUIRE_TIMEOUT, "memory", 1);
        lk_env_sleep_ns(env, 10 * MS);
        lk_mutex_release(&m, &out);
    } else if (rc == LK_ETIMEDOUT) {
        st->timeouts[me]++;
    }
    lk_mutex_fini(&m);
}

static int meter_setup(sim_run *run) {
    meter_state *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL) return -1;
    sim_state_set(run, st);
    return sim_clients_new(run, (int)sim_param(run, "clients"), 0, meter_client, st);
}

/* meter_reads: each process's metrics say what its client saw. */
static void meter_finish(sim_run *run) {
    const meter_state *st = sim_state(run);
    for (int i = 0; i < (int)sim_param(run, "clients"); i++) {
        int64_t acq = sim_metric(run, st->proc[i], LK_METRIC_ACQUIRE_ACQUIRED);
        int64_t tmo = sim_metric(run, st->proc[i], LK_METRIC_ACQUIRE_TIMEOUT);
        int64_t waits = sim_metric(run, st->proc[i], LK_METRIC_ACQUIRE_WAIT_ACQUIRED) +
                        sim_metric(run, st->proc[i], LK_METRIC_ACQUIRE_WAIT_TIMEOUT);
        if (acq != st->acquired[i] || tmo != st->timeouts[i] || waits != acq + tmo)
            sim_violation(run, "metrics_disagree",
                          "client %d: acquired %d, timed out %d; metrics %lld, %lld, %lld waits", i, st->acquired[i],
                          st->timeouts[i], (long long)acq, (long long)tmo, (long long)waits);
    }
}

static const sim_param_def meter_params[] = {
    {"clients", 2, 1, METER_CLIENTS_MAX, "contending clients"},
    {"deadline_ms", 30, 1, 10000, "acquire deadline, ms"},
};
static const sim_variant_def meter_variants[] = {
    {"core", "lk_mutex_acquire with a deadline"},
    {"mutant:timeout_on_success", "counts a timeout after the core's grant"},
    {"raw_wait_ns", "raw ACQUIRE ops; the wait observed in ns"},
    {"mutant:wait_in_ms", "raw ACQUIRE ops; the wait observed in ms"},
    {"scripted", "marked SETNX tries after a marked give-back; true counts"},
    {"mutant:scripted_lies", "marked SETNX tries; each try counted as the other answer"},
};
static const sim_scenario meter_scenario = {
    .name = "meter",
    .description = "clients of kind memory contend with a deadline",
    .params = meter_params,
    .param_count = 2,
    .variants = meter_variants,
    .variant_count = 6,
    .setup = meter_setup,
};
static const sim_scenario meter_reads_scenario = {
    .name = "meter_reads",
    .description = "meter, whose finish() reads the metrics",
    .params = meter_params,
    .param_count = 2,
    .variants = meter_variants,
    .variant_count = 6,
    .setup = meter_setup,
    .finish = meter_finish,
    .expectations = "metrics_disagree",
    .reads_metrics = 1,
};
static const sim_scenario meter_undeclared_scenario = {
    .name = "meter_undeclared",
    .description = "meter, whose finish() reads the metrics without declaring it",
    .params = meter_params,
    .param_count = 2,
    .variants = meter_variants,
    .variant_count = 6,
    .setup = meter_setup,
    .finish = meter_finish,
    .expectations = "metrics_disagree",
};

static void test_metrics_core_agrees(void **state) {
    (void)state;
    sim_config cfg;
    config_with(&cfg, &meter_scenario, V_CORE, "advances_max=1 crashes_max=0");
    assert_int_equal(modes_agree_on(&cfg, "meter core", 2), 0);
    config_with(&cfg, &meter_scenario, V_RAW_WAIT_NS, "advances_max=1 crashes_max=0");
    assert_int_equal(modes_agree_on(&cfg, "meter raw_wait_ns", 2), 0);
    /* a lock written as commands, its ops marked: checked, and true (the give-back step starts the wait) */
    config_with(&cfg, &meter_scenario, V_SCRIPTED, "advances_max=1 crashes_max=0");
    assert_int_equal(modes_agree_on(&cfg, "meter scripted", 2), 0);
    /* every mode restores snapshots: the metrics each execution ends with are its own */
    config_with(&cfg, &meter_reads_scenario, V_CORE, "advances_max=1 crashes_max=1 store_faults_max=1");
    assert_int_equal(modes_agree_on(&cfg, "meter_reads core", 2), 0);
}

/* The naive search over 'variant' finds a metric_agreement violation whose message has 'needle'. */
static void expect_disagreement(int variant, const char *needle) {
    sim_config cfg;
    config_with(&cfg, &meter_scenario, variant, "crashes_max=0");
    mode_result m;
    run_mode(&cfg, SIM_REDUCE_NONE, -1, 1000000, &m);
    free(m.outcome);
    assert_true(m.res.violations > 0);
    assert_string_equal(m.res.first.oracle, "metric_agreement");
    if (strstr(m.res.first.msg, needle) == NULL) fail_msg("'%s' lacks '%s'", m.res.first.msg, needle);
}

static void test_metrics_lies_are_found(void **state) {
    (void)state;
    expect_disagreement(V_TIMEOUT_ON_SUCCESS, "counted racebed_lock_acquires_total=\"timeout\"");
    expect_disagreement(V_WAIT_IN_MS, "(result acquired), but 1000000ns passed on its clock"); /* 1 (ms) observed */
    expect_disagreement(V_SCRIPTED_LIES, "but its latest acquire try "); /* a marked try read from its reply */
}

/* Metrics of a scenario that does not read them do not split states: its search over states stores fewer states
 * than the same scenario that reads them (where the retries a client made tell states and outcomes apart), and
 * neither finds a violation. */
static void test_metrics_out_of_fingerprint(void **state) {
    (void)state;
    sim_config plain, reads;
    config_with(&plain, &meter_scenario, V_CORE, "clients=3 advances_max=1 crashes_max=0");
    config_with(&reads, &meter_reads_scenario, V_CORE, "clients=3 advances_max=1 crashes_max=0");
    mode_result p, r;
    run_mode(&plain, SIM_REDUCE_HASH, -1, 5000000, &p);
    run_mode(&reads, SIM_REDUCE_HASH, -1, 5000000, &r);
    fprintf(stderr, "meter clients=3: %lld states without metrics, %lld with\n", (long long)p.res.states,
            (long long)r.res.states);
    assert_true(p.res.states < r.res.states);
    assert_true(p.n < r.n);
    assert_int_equal(p.res.violations + r.res.violations, 0);
    free(p.outcome);
    free(r.outcome);
}

static void test_metrics_undeclared_read(void **state) {
    (void)state;
    sim_config cfg;
    sim_config_defaults(&cfg, &meter_undeclared_scenario, 0);
    sim_random_opts o = {.seed = 1, .execs_max = 1};
    sim_random_result res;
    memset(&res, 0, sizeof(res));
    sim_explore_random(g_run, &cfg, &o, &res);
    assert_true(res.setup_failed);
    if (strstr(res.setup_error, "reads_metrics") == NULL) fail_msg("setup error: %s", res.setup_error);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics_core_agrees),
        cmocka_unit_test(test_metrics_lies_are_found),
        cmocka_unit_test(test_metrics_out_of_fingerprint),
        cmocka_unit_test(test_metrics_undeclared_read),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
