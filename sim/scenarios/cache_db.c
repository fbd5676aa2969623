/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cache_db: a cache kept consistent with a database under a per-scope lock (source case 2: "cache/DB consistency",
 * counted by racebed_cache_db_consistency_errors_total and alerted on by CacheDBConsistencyErrors).
 *
 * Writers w1..wN each save a value for one session: under the session's lock (rag:{session:s1}:lock, a per-scope
 * key, with its own acquire timeout) they drop the cache entry (a Redis string in the same hash slot), write the
 * database (a guarded resource, fenced), build the cache entry (w1 in 'work_ms', later writers faster) and set it,
 * and release. The cache is
 * consistent when it is absent (a miss reads the database) or equal to the database, so a writer that crashes at any
 * point leaves it consistent. A reader, later, takes the same lock, reads both and counts a consistency error (the
 * metric, kind "cache") when they differ, as the source case's service does.
 *
 * Expectation expect_cache_consistent, checked when nothing delayed a holder past its lease or lost a write (no time
 * advances, pauses, wall steps or restarts; crashes are fine): the reader found the cache consistent, and it is at
 * the end. Mutant cache_after_release: the writer releases before it builds and sets the cache entry, so another
 * writer's database write lands in between and the stale entry overwrites the cache.
 */
#include <stdio.h>

#include "core/lk_mutex.h"
#include "core/lk_reply.h"
#include "core/lk_scope.h"
#include "sim/sim_scenario.h"

typedef struct cache_state {
    int db; /* the guarded resource */
    char lock_key[LK_KEY_MAX];
    char cache_key[LK_KEY_MAX];
    int reader_checked;  /* the reader compared the two */
    int reader_mismatch; /* and they differed */
    int64_t reader_db, reader_cache;
} cache_state;

static const sim_param_def cache_params[] = {
    {"writers", 2, 1, 8, "writers of the session, one process each"},
    {"ttl_ms", 1000, 1, 86400000, "lock TTL, ms"},
    {"work_ms", 20, 0, 86400000, "time w1 takes to build its cache entry, ms (w2 half of it, w3 a third, ...)"},
    {"acquire_timeout_ms", 5000, 1, 86400000, "every client's acquire timeout, ms"},
    {"reader_at_ms", 50, 0, 86400000, "when the reader starts, ms"},
};

static const sim_variant_def cache_variants[] = {
    {"core", "database, then cache, both under the lock"},
    {"mutant:cache_after_release", "the cache entry is built and set after the release: a stale one can land"},
};

static const sim_param_override cache_overrides[] = {
    {"crashes_max", 1},
};

/* SET the entry to 'value', or DEL it when 'value' is 0. */
static lk_rc cache_put(const lk_env *env, const char *key, int64_t value) {
    char text[24];
    snprintf(text, sizeof(text), "%lld", (long long)value);
    lk_reply_node nodes[2];
    char bytes[64];
    lk_reply r;
    lk_reply_init(&r, nodes, 2, bytes, sizeof(bytes));
    const char *set[] = {"SET", key, text}, *del[] = {"DEL", key};
    return value ? lk_env_command(env, &r, 3, set, NULL) : lk_env_command(env, &r, 2, del, NULL);
}

/* The entry's value: 0 when absent (or unreadable). */
static int64_t cache_get(const lk_env *env, const char *key) {
    lk_reply_node nodes[2];
    char bytes[64];
    lk_reply r;
    lk_reply_init(&r, nodes, 2, bytes, sizeof(bytes));
    const char *argv[] = {"GET", key};
    int64_t v = 0;
    return lk_env_command(env, &r, 2, argv, NULL) == LK_OK && lk_reply_ok(&r) && lk_reply_int_at(&r, 0, &v) ? v : 0;
}

static int cache_lock(sim_thread *self, const cache_state *st, lk_mutex *m) {
    sim_run *run = sim_thread_run(self);
    lk_mutex_opts opts = {.ttl_ms = sim_param(run, "ttl_ms"),
                          .acquire_timeout_ms = sim_param(run, "acquire_timeout_ms"),
                          .kind = "cache"};
    if (lk_mutex_init(m, sim_env(self), st->lock_key, &opts) != LK_OK) return 0;
    lk_outcome out;
    return lk_mutex_acquire_timed(m, &out) == LK_OK;
}

static void cache_writer(sim_thread *self, void *arg) {
    cache_state *st = arg;
    sim_run *run = sim_thread_run(self);
    const lk_env *env = sim_env(self);
    int n = sim_thread_name(self)[1] - '0';
    int64_t value = 100 + n; /* w1 saves 101, w2 102, ... */
    lk_mutex m;
    if (!cache_lock(self, st, &m)) {
        lk_mutex_fini(&m);
        return;
    }
    lk_outcome out;
    int after_release = sim_variant(run) == 1;
    if (cache_put(env, st->cache_key, 0) == LK_OK &&
        sim_resource_write(self, st->db, lk_mutex_fence(&m), value) == LK_OK) {
        if (after_release) lk_mutex_release(&m, &out); /* the mutant: the entry is built and set unlocked */
        lk_env_sleep_ns(env, sim_param(run, "work_ms") * 1000000 / n); /* later writers build faster */
        cache_put(env, st->cache_key, value);
    }
    if (!after_release || m.held) lk_mutex_release(&m, &out);
    lk_mutex_fini(&m);
}

static void cache_reader(sim_thread *self, void *arg) {
    cache_state *st = arg;
    const lk_env *env = sim_env(self);
    lk_mutex m;
    if (cache_lock(self, st, &m)) {
        int64_t db = 0;
        if (sim_resource_read(self, st->db, lk_mutex_fence(&m), &db) == LK_OK) {
            int64_t cached = cache_get(env, st->cache_key);
            st->reader_checked = 1;
            st->reader_db = db;
            st->reader_cache = cached;
            if (cached != 0 && cached != db) { /* what the service counts and alerts on */
                st->reader_mismatch = 1;
                lk_env_metric(env, LK_METRIC_CONSISTENCY_ERROR, "cache", 1);
            }
        }
        lk_outcome out;
        lk_mutex_release(&m, &out);
    }
    lk_mutex_fini(&m);
}

static int cache_setup(sim_run *run) {
    cache_state *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL) return -1;
    sim_state_set(run, st);
    if (lk_scope_key(st->lock_key, sizeof(st->lock_key), "rag", "session:s1", "lock") != LK_OK ||
        lk_scope_key(st->cache_key, sizeof(st->cache_key), "rag", "session:s1", "cache") != LK_OK)
        return -1;
    if (sim_lock_key(run, st->lock_key) != 0) return -1;
    if ((st->db = sim_resource_new(run, "db", st->lock_key, 1)) < 0) return -1;
    int writers = (int)sim_param(run, "writers");
    for (int i = 0; i < writers; i++) {
        char name[8];
        snprintf(name, sizeof(name), "w%d", i + 1);
        int p = sim_process_new(run, name);
        if (p < 0 || sim_thread_new(run, p, name, 0, cache_writer, st) < 0) return -1;
    }
    int p = sim_process_new(run, "r");
    return p < 0 || sim_thread_new(run, p, "r", sim_param(run, "reader_at_ms") * 1000000, cache_reader, st) < 0 ? -1
                                                                                                                : 0;
}

static void cache_finish(sim_run *run) {
    const cache_state *st = sim_state(run);
    if (sim_advances(run) != 0 || sim_fault_count(run, "pause") != 0 || sim_fault_count(run, "wall-step") != 0 ||
        sim_fault_count(run, "restart") != 0) {
        sim_expect_unchecked(run, "expect_cache_consistent"); /* a holder past its lease writes by design */
        return;
    }
    if (sim_resource_writes(run, st->db) >= 2) sim_probe(run, "overwritten");
    if (st->reader_mismatch) {
        sim_violation(run, "expect_cache_consistent",
                      "the reader found the cache at %lld and the database at %lld, both read under the lock",
                      (long long)st->reader_cache, (long long)st->reader_db);
        return;
    }
    int64_t db = sim_resource_value(run, st->db), cached = sim_store_peek_int(run, st->cache_key);
    if (cached != 0 && db != cached)
        sim_violation(run, "expect_cache_consistent", "at the end the cache holds %lld and the database %lld",
                      (long long)cached, (long long)db);
}

SIM_SCENARIO_DEFINE(cache_db) = {
    .name = "cache_db",
    .description = "writers save a session to the database and then the cache under its per-scope lock",
    .params = cache_params,
    .param_count = sizeof(cache_params) / sizeof(cache_params[0]),
    .variants = cache_variants,
    .variant_count = sizeof(cache_variants) / sizeof(cache_variants[0]),
    .setup = cache_setup,
    .finish = cache_finish,
    .expectations = "expect_cache_consistent",
    .own_probes = "overwritten",
    .probes = "overwritten",
    .overrides = cache_overrides,
    .override_count = sizeof(cache_overrides) / sizeof(cache_overrides[0]),
    .canaries = "cache_after_release=expect_cache_consistent",
};
