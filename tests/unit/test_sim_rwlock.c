/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sim_rwlock.c: proves the reader-writer lock (core/lk_rwlock.h) on the simulator with the model store's Lua:
 * readers share it, a writer excludes everyone, a waiting writer keeps new readers out (writer preference), a
 * crashed reader's lease ends by itself, a writer's fencing number grows and a reader carries the write epoch, and
 * the naive search, DPOR and the search over states agree on every outcome.
 *
 * How: an inline scenario, "rw", where clients hold the lock in a mode each for 'work_ms' and record, at each grant,
 * who else holds it by their own account. They start 'gap_ms' apart in the order r1, w1..wM, r2..rN. finish() raises
 * "exclusion" when a writer was granted beside another holder or a reader beside a writer, or a fencing number or
 * epoch went backwards; "preference" when a reader that arrived after a writer was granted before it; "liveness"
 * when a client never got the lock (each checked when nothing delayed a holder past its lease or failed: no time
 * advances, pauses, wall steps, restarts, crashes or store faults), and records the probe "shared" (two readers at
 * once). Built without Lua the model refuses the scripts by name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/lk_renewal.h"
#include "core/lk_rwlock.h"
#include "sim/explore/sim_config.h"
#include "sim/explore/sim_explore.h"
#include "sim/explore/sim_faults.h"
#include "sim/run/sim_verdict.h"
#include "sim_test_modes.h"

#define MS INT64_C(1000000)

enum { RW_CLIENTS_MAX = 4 };

typedef struct rw_state {
    int readers, writers;                     /* holding now, by the clients' own account */
    int granted[RW_CLIENTS_MAX * 2];          /* 1 once the client got the lock */
    int done[RW_CLIENTS_MAX * 2];             /* 1 once it returned (a crashed client never does) */
    int64_t fence[RW_CLIENTS_MAX * 2];        /* what it got: a writer's fencing number, a reader's epoch */
    int64_t last_write_fence;                 /* the highest fencing number a writer got so far */
    int bad_epoch;                            /* a reader's epoch below a write fence granted before its read */
    char overlap[160];                        /* the first overlap seen, or "" */
    int shared;                               /* two readers held at once */
    int seq, granted_seq[RW_CLIENTS_MAX * 2]; /* the order of the grants, 1-based; 0 never */
    int64_t freed_ns;                         /* when the last holder released, 0 before */
    char slow[160];                           /* a writer that got a free lock late, or "" */
    char invalid[160];                        /* a writer that believed it held a lock the store no longer gave it */
} rw_state;

static void rw_client(sim_thread *self, void *arg) {
    rw_state *st = arg;
    sim_run *run = sim_thread_run(self);
    const lk_env *env = sim_env(self);
    const char *name = sim_thread_name(self);
    int me = self->idx, writer = name[0] == 'w';
    lk_rwlock rw;
    lk_rwlock_opts opts = {
        .ttl_ms = sim_param(run, "ttl_ms"), .backoff_cap_ms = sim_param(run, "backoff_cap_ms"), .kind = "memory"};
    if (lk_rwlock_init(&rw, env, "rag:{u1}:memory", &opts) != LK_OK) return;
    lk_outcome out;
    lk_rc rc = lk_rwlock_acquire(&rw, writer ? LK_RW_WRITE : LK_RW_READ,
                                 lk_env_mono_ns(env) + sim_param(run, "deadline_ms") * MS, &out);
    if (rc == LK_OK) {
        st->granted[me] = 1;
        st->granted_seq[me] = ++st->seq;
        st->fence[me] = lk_rwlock_fence(&rw);
        int crashed = sim_crashes(run) != 0; /* a crashed holder's count stays: its lease ends by itself */
        if (!crashed && ((writer && (st->readers > 0 || st->writers > 0)) || (!writer && st->writers > 0))) {
            if (st->overlap[0] == '\0')
                snprintf(st->overlap, sizeof(st->overlap), "%s got it with %d reader(s) and %d writer(s) holding", name,
                         st->readers, st->writers);
        }
        int64_t late_ns = (sim_param(run, "backoff_cap_ms") + 10) * MS; /* one backoff and a few round trips */
        if (writer && st->freed_ns > 0 && sim_now_ns(run) - st->freed_ns > late_ns && st->slow[0] == '\0')
            snprintf(st->slow, sizeof(st->slow), "%s got the lock %lld ms after it was free", name,
                     (long long)((sim_now_ns(run) - st->freed_ns) / MS));
        if (writer) {
            if (st->fence[me] <= st->last_write_fence) st->bad_epoch = 1; /* fences must grow */
            st->last_write_fence = st->fence[me];
            st->writers++;
        } else {
            if (st->fence[me] < st->last_write_fence) st->bad_epoch = 1; /* the epoch is the last write's */
            st->readers++;
            if (st->readers >= 2) st->shared = 1;
        }
        lk_renewal ren;
        int renewing = sim_param(run, "renew") && lk_renewal_start_rw(&ren, &rw, NULL) == LK_OK;
        lk_env_sleep_ns(env, sim_param(run, "work_ms") * MS);
        if (renewing) {
            if (sim_crashes(run) == 0 && lk_renewal_lost(&ren) && st->invalid[0] == '\0')
                snprintf(st->invalid, sizeof(st->invalid), "%s lost its renewed lock with nothing to take it", name);
            lk_renewal_stop(&ren);
        }
        char held[LK_VALUE_MAX];
        if (writer && lk_rwlock_holds(&rw) && st->invalid[0] == '\0' &&
            (!sim_store_peek(run, "rag:{u1}:memory:w", held) || strcmp(held, rw.token) != 0))
            snprintf(st->invalid, sizeof(st->invalid), "%s believes it holds the write lock, which the store gave %s",
                     name, sim_store_peek(run, "rag:{u1}:memory:w", held) ? "to another" : "up");
        if (writer)
            st->writers--;
        else
            st->readers--;
        if (st->readers == 0 && st->writers == 0) st->freed_ns = sim_now_ns(run);
        lk_rwlock_release(&rw, &out);
    }
    lk_rwlock_fini(&rw);
    st->done[me] = 1;
}

static int rw_setup(sim_run *run) {
    rw_state *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL) return -1;
    sim_state_set(run, st);
    int readers = (int)sim_param(run, "readers"), writers = (int)sim_param(run, "writers");
    int64_t gap = sim_param(run, "gap_ms") * MS;
    for (int i = 0; i < readers + writers; i++) { /* r1, w1..wM, r2..rN */
        char name[8];
        if (i == 0 && readers > 0)
            snprintf(name, sizeof(name), "r1");
        else if (i - (readers > 0) < writers)
            snprintf(name, sizeof(name), "w%d", i - (readers > 0) + 1);
        else
            snprintf(name, sizeof(name), "r%d", i - writers + 1);
        int p = sim_process_new(run, name);
        if (p < 0 || sim_thread_new(run, p, name, i * gap, rw_client, st) < 0) return -1;
    }
    return 0;
}

static void rw_finish(sim_run *run) {
    const rw_state *st = sim_state(run);
    if (st->shared) sim_probe(run, "shared");
    int delayed = sim_advances(run) != 0 || sim_fault_count(run, "pause") != 0 ||
                  sim_fault_count(run, "wall-step") != 0 || sim_fault_count(run, "restart") != 0;
    if (!delayed && st->overlap[0]) sim_violation(run, "exclusion", "%s", st->overlap);
    if (!delayed && st->bad_epoch) sim_violation(run, "exclusion", "a fencing number or epoch went backwards");
    /* the holder's belief (its send + TTL - margin) never outlives the store's lease: any fault but a clock step or
     * a restart, which end leases by design */
    if (sim_fault_count(run, "wall-step") == 0 && sim_fault_count(run, "restart") == 0 && st->invalid[0])
        sim_violation(run, "validity", "%s", st->invalid);
    if (!delayed && sim_faults(run) == 0 && st->slow[0]) sim_violation(run, "prompt", "%s", st->slow);
    int readers = (int)sim_param(run, "readers"), writers = (int)sim_param(run, "writers"), n = readers + writers;
    if (delayed || sim_faults(run) != sim_crashes(run)) return; /* a store fault may make a client give up */
    for (int i = 0; i < n; i++) /* a crashed holder's lease ends with its TTL: everyone else gets in */
        if (st->done[i] && !st->granted[i])
            sim_violation(run, "liveness", "client %d gave up without the lock (%d crash(es))", i + 1,
                          sim_crashes(run));
    int first_late_reader = 1 + writers; /* r2.. arrived after every writer */
    for (int r = first_late_reader; r < n && sim_param(run, "gap_ms") > 0 && sim_crashes(run) == 0; r++)
        for (int w = 1; w <= writers; w++)
            if (st->granted_seq[r] < st->granted_seq[w])
                sim_violation(run, "preference", "a reader that came after a writer got the lock before it");
}

static const sim_param_def rw_params[] = {
    {"readers", 2, 0, RW_CLIENTS_MAX, "reader clients"},
    {"writers", 1, 0, RW_CLIENTS_MAX, "writer clients"},
    {"ttl_ms", 1000, 1, 60000, "each hold's lease, ms"},
    {"work_ms", 50, 0, 60000, "how long a holder holds, ms"},
    {"deadline_ms", 3000, 1, 600000, "a client's acquire deadline, ms"},
    {"gap_ms", 0, 0, 60000, "client i starts at i x gap_ms"},
    {"backoff_cap_ms", 200, 1, 60000, "the lock's largest backoff, ms"},
    {"renew", 0, 0, 1, "1: each holder renews its lease while it works (lk_renewal_start_rw)"},
};
static const sim_variant_def rw_variants[] = {{"core", "lk_rwlock"}};
static const sim_scenario rw_scenario = {
    .name = "rw",
    .description = "readers and writers on one lk_rwlock",
    .params = rw_params,
    .param_count = sizeof(rw_params) / sizeof(rw_params[0]),
    .variants = rw_variants,
    .variant_count = 1,
    .setup = rw_setup,
    .finish = rw_finish,
    .expectations = "exclusion,liveness,preference,prompt,validity",
    .own_probes = "shared",
};

#ifdef RACEBED_HAVE_LUA
/* Every mode finds the same outcomes and no violation: 2 readers and a writer, with a crash, or with a time
 * advance. */
static void test_rwlock_modes_agree(void **state) {
    (void)state;
    sim_config cfg;
    config_with(&cfg, &rw_scenario, 0, "crashes_max=1 advances_max=0");
    assert_int_equal(modes_agree_on(&cfg, "rw 2 readers 1 writer, a crash", 2), 0);
    config_with(&cfg, &rw_scenario, 0, "crashes_max=0 advances_max=1");
    assert_int_equal(modes_agree_on(&cfg, "rw 2 readers 1 writer, a time advance", 2), 0);
}

/* A run of the scenario with 'settings' under the random strategy: its result. */
static sim_random_result rw_random(const char *settings, int64_t execs) {
    sim_config cfg;
    config_with(&cfg, &rw_scenario, 0, settings);
    sim_random_opts o = {.seed = 1, .execs_max = execs};
    sim_random_result res;
    memset(&res, 0, sizeof(res));
    assert_int_equal(sim_explore_random(g_run, &cfg, &o, &res), 0);
    if (res.setup_failed) fail_msg("setup: %s", res.setup_error);
    return res;
}

/* Readers share it: two readers that start together both hold it at once, in every execution. */
static void test_rwlock_readers_share(void **state) {
    (void)state;
    sim_random_result res = rw_random("readers=2 writers=0 advances_max=0", 200);
    assert_int_equal(res.violations, 0);
    char name[64];
    int shared = -1;
    for (int p = 0; p < sim_probe_count(&rw_scenario); p++)
        if (sim_probe_name_of(&rw_scenario, p, name, sizeof(name)) == 0 && strcmp(name, "shared") == 0) shared = p;
    assert_true(shared >= 0);
    assert_int_equal(res.probe_execs[shared], res.execs);
}

/* Writer preference, proved: r1 holds for 200 ms, w1 arrives at 10 ms and waits, r2 arrives at 20 ms: r2 gets in
 * only after w1, whatever the order of their retries (every interleaving, with time advances and a crash). */
static void test_rwlock_writer_preference(void **state) {
    (void)state;
    sim_config cfg;
    config_with(&cfg, &rw_scenario, 0, "readers=2 writers=1 work_ms=200 gap_ms=10 crashes_max=1 advances_max=1");
    fprintf(stderr, "writer preference: %lld states, proved\n", (long long)assert_proved(&cfg, 5000000));
}

/* Renewal in both modes, proved: r1 reads for 700 ms and w1 then writes for 700 ms, each renewing its 300 ms lease
 * (a reader extends its own entry, a writer its key), while r2 waits behind w1: nobody gets in beside a holder, and
 * no holder's renewal loses the lock (every interleaving, with a crash). Without renewal the same run breaks
 * exclusion: the reader's lease ends mid-work and the writer gets in. */
static void test_rwlock_renewal_both_modes(void **state) {
    (void)state;
    sim_config cfg;
    config_with(&cfg, &rw_scenario, 0,
                "readers=2 writers=1 ttl_ms=300 work_ms=700 gap_ms=10 renew=1 crashes_max=1 advances_max=0");
    assert_proved(&cfg, 5000000);
    config_with(&cfg, &rw_scenario, 0,
                "readers=2 writers=1 ttl_ms=300 work_ms=700 gap_ms=10 renew=0 crashes_max=0 advances_max=0");
    mode_result m;
    run_mode(&cfg, SIM_REDUCE_HASH, -1, 5000000, &m);
    free(m.outcome);
    assert_true(m.res.violations > 0);
    assert_string_equal(m.res.first.oracle, "exclusion");
}

/* A lost reply makes a writer's retry find its own lock ("already mine"): the retry renews the lease it then
 * believes in. Random executions with lost replies and connection errors on every third op, and time advances. */
static void test_rwlock_validity_under_lost_replies(void **state) {
    (void)state;
    sim_config cfg;
    config_with(&cfg, &rw_scenario, 0, "readers=1 writers=2 ttl_ms=100 work_ms=80 crashes_max=0");
    sim_random_opts o = {.seed = 1, .execs_max = 3000, .fault_permille = 300, .advance_permille = 100};
    char err[128];
    assert_int_equal(sim_faults_parse("reply-lost,conn-error", &o.faults, err, sizeof(err)), 0);
    sim_random_result res;
    memset(&res, 0, sizeof(res));
    assert_int_equal(sim_explore_random(g_run, &cfg, &o, &res), 0);
    if (res.violations) fail_msg("%s: %s", res.first.oracle, res.first.msg);
}
#endif

static void test_rwlock_without_lua(void **state) {
    (void)state;
#ifdef RACEBED_HAVE_LUA
    skip();
#else
    sim_random_result res;
    sim_config cfg;
    config_with(&cfg, &rw_scenario, 0, "readers=1 writers=0");
    sim_random_opts o = {.seed = 1, .execs_max = 1};
    memset(&res, 0, sizeof(res));
    sim_explore_random(g_run, &cfg, &o, &res);
    assert_true(res.violations > 0 || res.setup_failed); /* the model refuses scripts by name */
#endif
}

int main(void) {
    const struct CMUnitTest tests[] = {
#ifdef RACEBED_HAVE_LUA
        cmocka_unit_test(test_rwlock_modes_agree),        cmocka_unit_test(test_rwlock_readers_share),
        cmocka_unit_test(test_rwlock_writer_preference),  cmocka_unit_test(test_rwlock_validity_under_lost_replies),
        cmocka_unit_test(test_rwlock_renewal_both_modes),
#endif
        cmocka_unit_test(test_rwlock_without_lua),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
