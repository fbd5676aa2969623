/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * collection_ingest: document ingestion under per-collection locks with an acquire timeout (source case 2: the
 * collection locks, alerted on by CollectionLockTimeouts and CriticalCollectionLockTimeouts).
 *
 * Collections k1..kN each get 'uploaders' uploads, one process each, 'gap_ms' apart. Each upload takes its
 * collection's lock, a per-scope key (lk_scope: rag:{collection:kI}:ingest, one cluster slot per collection) of
 * kind "collection" with the lock's own timeout (lk_mutex_opts.acquire_timeout_ms, lk_mutex_acquire_timed), and
 * ingests for 'ingest_ms'; k1's first upload is slow ('slow_ms'), so k1's later uploads time out.
 *
 * Expectations (checked without faults or time advances): expect_independent_collections, an upload to another
 * collection never waits for k1's slow one (it gets its lock within one backoff and a few round trips of arriving);
 * expect_timeouts_counted, the metric racebed_lock_acquires_total{kind="collection",result="timeout"} counts exactly
 * the timeouts the uploads saw, and at least one happened. Same-collection uploads are serialized by the lease
 * oracles (the lock keys are watched). Mutant one_lock: the scope left out of the key, so every collection shares
 * one lock and k2's uploads time out behind k1's slow one.
 */
#include <stdio.h>

#include "core/lk_mutex.h"
#include "core/lk_scope.h"
#include "sim/sim_scenario.h"

enum { CI_UPLOADS_MAX = 16 };

typedef struct ci_upload {
    int collection;   /* 1-based */
    int order;        /* its place among its collection's uploads, 0-based */
    int slow;         /* k1's first upload */
    int proc;         /* its process */
    int64_t start_ns; /* when it arrived */
    int64_t got_ns;   /* when its acquire returned with the lock, -1 if it did not */
    int timed_out;
} ci_upload;

typedef struct ci_state {
    int count;
    ci_upload up[CI_UPLOADS_MAX];
} ci_state;

static const sim_param_def ci_params[] = {
    {"collections", 2, 1, 4, "collections, one lock each"},
    {"uploaders", 2, 1, 4, "uploads per collection, one process each"},
    {"ttl_ms", 30000, 10, 86400000, "lock TTL, ms"},
    {"ingest_ms", 100, 0, 86400000, "an upload's ingestion under the lock, ms"},
    {"slow_ms", 5000, 0, 86400000, "k1's first upload's ingestion, ms"},
    {"acquire_timeout_ms", 1000, 1, 86400000, "each lock's acquire timeout, ms"},
    {"gap_ms", 5, 0, 86400000, "time between a collection's uploads, ms"},
};

static const sim_variant_def ci_variants[] = {
    {"core", "one lock per collection (rag:{collection:kI}:ingest) with its own acquire timeout"},
    {"mutant:one_lock", "the scope left out of the key: every collection waits on one lock"},
};

static const sim_param_override ci_overrides[] = {
    {"advances_max", 0},
    {"crashes_max", 1},
};

static void ci_key(const sim_run *run, int collection, char *key, size_t cap) {
    char scope[32];
    snprintf(scope, sizeof(scope), "collection:k%d", sim_variant(run) == 0 ? collection : 1);
    if (lk_scope_key(key, cap, "rag", scope, "ingest") != LK_OK) key[0] = '\0';
}

static void ci_upload_run(sim_thread *self, void *arg) {
    ci_upload *u = arg;
    sim_run *run = sim_thread_run(self);
    const lk_env *env = sim_env(self);
    char key[LK_KEY_MAX];
    ci_key(run, u->collection, key, sizeof(key));
    lk_mutex m;
    lk_mutex_opts opts = {.ttl_ms = sim_param(run, "ttl_ms"),
                          .acquire_timeout_ms = sim_param(run, "acquire_timeout_ms"),
                          .kind = "collection"};
    if (lk_mutex_init(&m, env, key, &opts) != LK_OK) return;
    lk_outcome out;
    lk_rc rc = lk_mutex_acquire_timed(&m, &out);
    if (rc == LK_OK) {
        u->got_ns = sim_now_ns(run);
        lk_env_sleep_ns(env, (u->slow ? sim_param(run, "slow_ms") : sim_param(run, "ingest_ms")) * 1000000);
        lk_mutex_release(&m, &out);
    } else if (rc == LK_ETIMEDOUT) {
        u->timed_out = 1;
    }
    lk_mutex_fini(&m);
}

static int ci_setup(sim_run *run) {
    ci_state *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL) return -1;
    sim_state_set(run, st);
    int collections = (int)sim_param(run, "collections"), uploaders = (int)sim_param(run, "uploaders");
    for (int k = 1; k <= collections; k++) {
        char key[LK_KEY_MAX];
        ci_key(run, k, key, sizeof(key));
        if (key[0] == '\0' || sim_lock_key(run, key) != 0) return -1;
        for (int q = 1; q <= uploaders; q++) {
            ci_upload *u = &st->up[st->count++];
            char name[16];
            snprintf(name, sizeof(name), "k%du%d", k, q);
            u->collection = k;
            u->order = q - 1;
            u->slow = k == 1 && q == 1;
            u->got_ns = -1;
            u->start_ns = (int64_t)(q - 1) * sim_param(run, "gap_ms") * 1000000;
            if ((u->proc = sim_process_new(run, name)) < 0) return -1;
            if (sim_thread_new(run, u->proc, name, u->start_ns, ci_upload_run, u) < 0) return -1;
        }
    }
    return 0;
}

static void ci_finish(sim_run *run) {
    const ci_state *st = sim_state(run);
    if (sim_faults(run) != 0 || sim_advances(run) != 0) {
        sim_expect_unchecked(run, "expect_independent_collections");
        sim_expect_unchecked(run, "expect_timeouts_counted");
        return;
    }
    int64_t slack_ns = 200 * 1000000 + 4 * sim_param(run, "rtt_us") * 1000; /* a backoff cap and a few RTTs */
    int64_t timeouts = 0, counted = 0;
    for (int i = 0; i < st->count; i++) {
        const ci_upload *u = &st->up[i];
        timeouts += u->timed_out;
        counted += sim_metric(run, u->proc, LK_METRIC_ACQUIRE_TIMEOUT);
        if (u->collection == 1) continue;
        /* its own collection's earlier uploads may hold it: ingest_ms each, before it */
        int64_t own_ns = u->order * sim_param(run, "ingest_ms") * 1000000;
        if (u->got_ns < 0 || u->got_ns - u->start_ns > own_ns + slack_ns) {
            sim_violation(run, "expect_independent_collections",
                          "an upload to k%d %s (k1's slow upload holds its own collection's lock only)", u->collection,
                          u->got_ns < 0 ? "never got its lock" : "waited past its own collection's turns");
            return;
        }
    }
    if (timeouts != counted || timeouts == 0)
        sim_violation(run, "expect_timeouts_counted",
                      "%lld acquire timeouts happened, racebed_lock_acquires_total{kind=\"collection\","
                      "result=\"timeout\"} counted %lld%s",
                      (long long)timeouts, (long long)counted, timeouts == 0 ? " (a slow upload must cause one)" : "");
}

SIM_SCENARIO_DEFINE(collection_ingest) = {
    .name = "collection_ingest",
    .description = "uploads take per-collection locks with an acquire timeout; one is slow",
    .params = ci_params,
    .param_count = sizeof(ci_params) / sizeof(ci_params[0]),
    .variants = ci_variants,
    .variant_count = sizeof(ci_variants) / sizeof(ci_variants[0]),
    .setup = ci_setup,
    .finish = ci_finish,
    .expectations = "expect_independent_collections,expect_timeouts_counted",
    .reads_metrics = 1,
    .overrides = ci_overrides,
    .override_count = sizeof(ci_overrides) / sizeof(ci_overrides[0]),
    .probes = "wait_on_crashed_holder",
    .canaries = "one_lock=expect_independent_collections",
};
