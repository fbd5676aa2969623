/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * per_key_timeout: per-user locks with an acquire timeout (source case 2: "memory save" locks per user, a lock
 * timeout, timeouts counted). Users u1..uN each get 'requests' requests, one process each; the first request of u1
 * is slow (it holds its lock for 'hang_ms'), so u1's other requests are contended while the other users' are not.
 *
 * Expectations (with no faults): every waiter acquires or times out by its deadline plus a small bound (liveness);
 * requests of other users are not held up by u1 (per-key independence); the timeout metric agrees with the
 * timeouts the requests saw. Mutant unbounded_wait: acquire with no deadline, so u1's waiters sit behind the slow
 * holder until its TTL runs out.
 */
#include <stdio.h>

#include "core/lk_mutex.h"
#include "sim/sim_scenario.h"

enum { PK_REQUESTS_MAX = 64 };

typedef struct pk_request {
    int user;         /* 1-based */
    int slow;         /* the slow holder */
    int64_t start_ns; /* when it arrived */
    int64_t done_ns;  /* when its acquire returned */
    int acquired;
    int timed_out;
    int proc;
} pk_request;

typedef struct pk_state {
    int count;
    pk_request req[PK_REQUESTS_MAX];
} pk_state;

static const sim_param_def pk_params[] = {
    {"users", 3, 1, 8, "users, one lock each"},
    {"requests", 2, 1, 8, "requests per user"},
    {"ttl_ms", 30000, 10, 86400000, "lock TTL, ms"},
    {"work_ms", 200, 0, 86400000, "work of a normal request, ms"},
    {"hang_ms", 20000, 0, 86400000, "how long u1's first request holds its lock, ms"},
    {"acquire_timeout_ms", 2000, 1, 86400000, "acquire timeout of every request, ms"},
    {"gap_ms", 5, 0, 86400000, "time between a user's requests, ms"},
};

static const sim_variant_def pk_variants[] = {
    {"core", "blocking acquire with a deadline: a waiter times out, and it is counted"},
    {"mutant:unbounded_wait", "blocking acquire with no deadline: waiters sit behind a slow holder"},
};

static const sim_param_override pk_overrides[] = {
    {"advances_max", 0}, /* the race needs no time decisions; the expectations hold without them */
    {"crashes_max", 1},  /* exhaustive search bound: one crash, of any client (the wait_on_crashed_holder race) */
};

static void pk_request_run(sim_thread *self, void *arg) {
    pk_request *r = arg;
    sim_run *run = sim_thread_run(self);
    const lk_env *env = sim_env(self);
    char key[32];
    snprintf(key, sizeof(key), "lk:user:u%d", r->user);
    lk_mutex m;
    lk_mutex_opts opts = {.ttl_ms = sim_param(run, "ttl_ms"), .kind = "memory"}; /* source case 2's memory saves */
    if (lk_mutex_init(&m, env, key, &opts) != LK_OK) return;
    lk_mono_ns deadline =
        sim_variant(run) == 0 ? lk_env_mono_ns(env) + sim_param(run, "acquire_timeout_ms") * 1000000 : INT64_MAX;
    lk_outcome out;
    lk_rc rc = lk_mutex_acquire(&m, deadline, &out);
    r->done_ns = sim_now_ns(run);
    if (rc == LK_OK) {
        r->acquired = 1;
        lk_env_sleep_ns(env, (r->slow ? sim_param(run, "hang_ms") : sim_param(run, "work_ms")) * 1000000);
        lk_mutex_release(&m, &out);
    } else if (rc == LK_ETIMEDOUT) {
        r->timed_out = 1;
    }
    lk_mutex_fini(&m);
}

static int pk_setup(sim_run *run) {
    pk_state *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL) return -1;
    sim_state_set(run, st);
    int users = (int)sim_param(run, "users"), requests = (int)sim_param(run, "requests");
    for (int u = 1; u <= users; u++) {
        char key[32];
        snprintf(key, sizeof(key), "lk:user:u%d", u);
        if (sim_lock_key(run, key) != 0) return -1;
        for (int q = 1; q <= requests; q++) {
            pk_request *r = &st->req[st->count++];
            char name[16];
            snprintf(name, sizeof(name), "u%dr%d", u, q);
            r->user = u;
            r->slow = u == 1 && q == 1;
            r->start_ns = (int64_t)(q - 1) * sim_param(run, "gap_ms") * 1000000;
            if ((r->proc = sim_process_new(run, name)) < 0) return -1;
            if (sim_thread_new(run, r->proc, name, r->start_ns, pk_request_run, r) < 0) return -1;
        }
    }
    return 0;
}

static void pk_finish(sim_run *run) {
    pk_state *st = sim_state(run);
    if (sim_faults(run) != 0 || sim_advances(run) != 0) return;
    int64_t timeout_ns = sim_param(run, "acquire_timeout_ms") * 1000000;
    int64_t slack_ns = 200 * 1000000 + 4 * sim_param(run, "rtt_us") * 1000; /* a backoff cap and a few RTTs */
    int64_t timeouts = 0, counted = 0;
    for (int i = 0; i < st->count; i++) {
        const pk_request *r = &st->req[i];
        timeouts += r->timed_out;
        counted += sim_metric(run, r->proc, LK_METRIC_ACQUIRE_TIMEOUT);
        if (r->done_ns - r->start_ns > timeout_ns + slack_ns) {
            sim_violation(run, "liveness",
                          "request u%d waited %lldms for lk:user:u%d, past its %lldms acquire "
                          "timeout",
                          r->user, (long long)((r->done_ns - r->start_ns) / 1000000), r->user,
                          (long long)(timeout_ns / 1000000));
            return;
        }
        if (r->user != 1 && !r->acquired) {
            sim_violation(run, "expect_independent_keys",
                          "a request of u%d did not get its own, uncontended "
                          "lock",
                          r->user);
            return;
        }
    }
    if (timeouts != counted)
        sim_violation(run, "metrics_agree", "%lld acquire timeouts happened, the metric counted %lld",
                      (long long)timeouts, (long long)counted);
}

SIM_SCENARIO_DEFINE(per_key_timeout) = {
    .name = "per_key_timeout",
    .description = "per-user locks with an acquire timeout; one user's holder is slow",
    .params = pk_params,
    .param_count = sizeof(pk_params) / sizeof(pk_params[0]),
    .variants = pk_variants,
    .variant_count = sizeof(pk_variants) / sizeof(pk_variants[0]),
    .expectations = "expect_independent_keys,liveness,metrics_agree",
    .setup = pk_setup,
    .finish = pk_finish,
    .reads_metrics = 1,
    .faults = NULL,
    .overrides = pk_overrides,
    .override_count = sizeof(pk_overrides) / sizeof(pk_overrides[0]),
    .probes = "wait_on_crashed_holder",
    .canaries = "unbounded_wait=liveness",
};
