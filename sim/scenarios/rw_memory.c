/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rw_memory: memory reads and writes under a reader-writer lock (source case 2: "concurrent read and write, writes
 * serialized, write lock timeout, concurrent reads allowed"), on lk_rwlock (core/lk_rwlock.h: Lua scripts, so it
 * needs racebed built with Lua 5.1).
 *
 * Readers r1..rN read a user's memory 'rounds' times back to back, each read holding the read lock 'work_ms'; they
 * start 'stagger_ms' apart (default 1 ms: their first tries race, and their holds overlap, so the memory is never
 * free of readers while they read). Writers
 * w1..wM arrive at 'writer_at_ms' and save once (a fenced write to the memory, a guarded resource) within their
 * write-lock timeout 'deadline_ms'. Every client runs in its own process, on the per-scope lock rag:{user:1}:memory.
 *
 * Expectations, checked when nothing delayed a holder past its lease or failed (no time advances, pauses, wall
 * steps, restarts, crashes or store faults): no writer holds beside another holder (expect_rw_exclusion: writes
 * serialized, no read during a write); every writer saves before its timeout although readers keep coming
 * (expect_writer_served: writer preference). Probe reads_shared: two readers held it at once (concurrent reads).
 * A writer that times out while a reader that crashed holding the lock is still counted waits once more, the TTL
 * and its timeout: expect_no_pinning (checked when that happened and nothing else delayed or failed) says it then
 * gets in, the crashed reader's own lease having ended. Probe reader_crashed_holding: that case was reached.
 * Mutants: count_get_set (the reader count read and written in two steps: a writer gets in beside a reader),
 * no_writer_preference (new readers pass a waiting writer, which times out) and reader_pins (no per-reader lease: a
 * crashed reader keeps the writer out).
 */
#include <stdio.h>

#include "core/lk_rwlock.h"
#include "sim/mutants/mut_rwlock.h"
#include "sim/sim_scenario.h"

enum { RWM_CLIENTS_MAX = 8 };

typedef struct rwm_state {
    const mut_rw_protocol *proto;
    int memory;           /* the guarded resource */
    int readers, writers; /* holding now, by the clients' own account */
    int shared;           /* two readers held at once */
    char overlap[160];    /* the first overlap seen, or "" */
    char unserved[160];   /* the first writer that gave up, or "" */
    int crashed_reader;   /* a writer timed out while a crashed reader held the lock */
    char pinned[200];     /* a writer that waited out the crashed reader's lease in vain, or "" */
} rwm_state;

static const sim_param_def rwm_params[] = {
    {"readers", 2, 1, RWM_CLIENTS_MAX / 2, "reader clients"},
    {"writers", 1, 1, RWM_CLIENTS_MAX / 2, "writer clients"},
    {"rounds", 4, 1, 100, "reads of each reader, back to back"},
    {"ttl_ms", 1000, 1, 86400000, "each hold's lease, ms"},
    {"work_ms", 50, 1, 86400000, "a read's or a write's hold, ms"},
    {"stagger_ms", 1, 0, 86400000, "reader i starts at (i-1) x stagger_ms (1: their tries race, their holds overlap)"},
    {"writer_at_ms", 5, 0, 86400000, "when the writers arrive, ms"},
    {"deadline_ms", 150, 1, 86400000, "a writer's write-lock timeout, ms"},
};

static const sim_variant_def rwm_variants[] = {
    {"core", "lk_rwlock: per-reader leases, a waiting writer keeps new readers out"},
    {"mutant:count_get_set", "readers counted with GET then SET: a writer gets in beside a reader"},
    {"mutant:no_writer_preference", "new readers pass a waiting writer: overlapping readers starve it"},
    {"mutant:reader_pins", "a reader has no lease of its own: one that crashed while holding keeps writers out"},
};
static const mut_rw_protocol *const rwm_protos[] = {&mut_rw_core, &mut_rw_count_get_set, &mut_rw_no_writer_preference,
                                                    &mut_rw_reader_pins};

static const sim_param_override rwm_overrides[] = {
    {"advances_max", 1},
    {"crashes_max", 1},
};

static int rwm_delayed(sim_run *run) {
    return sim_advances(run) != 0 || sim_fault_count(run, "pause") != 0 || sim_fault_count(run, "wall-step") != 0 ||
           sim_fault_count(run, "restart") != 0;
}

/* Holds the lock in 'mode' for work_ms, keeping the holder counts; a writer writes the memory. */
static void rwm_hold(sim_thread *self, rwm_state *st, lk_rwlock *rw, lk_rw_mode mode) {
    sim_run *run = sim_thread_run(self);
    int writer = mode == LK_RW_WRITE;
    if (!rwm_delayed(run) && sim_crashes(run) == 0 && st->overlap[0] == '\0' &&
        (st->writers > 0 || (writer && st->readers > 0)))
        snprintf(st->overlap, sizeof(st->overlap), "%s got the %s lock while %d reader(s) and %d writer(s) held it",
                 sim_thread_name(self), writer ? "write" : "read", st->readers, st->writers);
    if (writer) {
        st->writers++;
        sim_resource_write(self, st->memory, lk_rwlock_fence(rw), sim_now_ns(run));
    } else {
        st->readers++;
        if (st->readers >= 2) st->shared = 1;
    }
    lk_env_sleep_ns(sim_env(self), sim_param(run, "work_ms") * 1000000);
    if (writer)
        st->writers--;
    else
        st->readers--;
}

static void rwm_client(sim_thread *self, void *arg) {
    rwm_state *st = arg;
    sim_run *run = sim_thread_run(self);
    const lk_env *env = sim_env(self);
    int writer = sim_thread_name(self)[0] == 'w';
    lk_rwlock rw;
    lk_rwlock_opts opts = {.ttl_ms = sim_param(run, "ttl_ms"), .kind = "memory"};
    if (lk_rwlock_init(&rw, env, "rag:{user:1}:memory", &opts) != LK_OK) return;
    lk_outcome out;
    if (writer) {
        lk_mono_ns deadline = lk_env_mono_ns(env) + sim_param(run, "deadline_ms") * 1000000;
        lk_rc rc = st->proto->acquire(&rw, LK_RW_WRITE, deadline, &out);
        if (rc == LK_ETIMEDOUT && sim_crashes(run) != 0 && st->readers > 0) {
            /* a reader crashed while it held the lock: its lease must end within the TTL; wait that out once */
            st->crashed_reader = 1;
            int64_t wait_ms = sim_param(run, "ttl_ms") + sim_param(run, "deadline_ms");
            rc = st->proto->acquire(&rw, LK_RW_WRITE, lk_env_mono_ns(env) + wait_ms * 1000000, &out);
            if (rc == LK_ETIMEDOUT)
                snprintf(st->pinned, sizeof(st->pinned),
                         "%s still waits %lld ms after a reader crashed holding the lock: the crashed reader pins it "
                         "past its %lld ms lease",
                         sim_thread_name(self), (long long)wait_ms, (long long)sim_param(run, "ttl_ms"));
        }
        if (rc == LK_OK) {
            rwm_hold(self, st, &rw, LK_RW_WRITE);
            st->proto->release(&rw, &out);
        } else if (rc == LK_ETIMEDOUT && st->unserved[0] == '\0') {
            snprintf(st->unserved, sizeof(st->unserved), "%s timed out after %lld ms while readers came and went",
                     sim_thread_name(self), (long long)sim_param(run, "deadline_ms"));
        }
    } else {
        for (int i = 0; i < sim_param(run, "rounds"); i++) {
            lk_mono_ns deadline = lk_env_mono_ns(env) + 10 * sim_param(run, "ttl_ms") * 1000000;
            if (st->proto->acquire(&rw, LK_RW_READ, deadline, &out) != LK_OK) break;
            rwm_hold(self, st, &rw, LK_RW_READ);
            st->proto->release(&rw, &out);
        }
    }
    lk_rwlock_fini(&rw);
}

static int rwm_setup(sim_run *run) {
#ifndef RACEBED_HAVE_LUA
    sim_setup_error(run, "scenario rw_memory runs lk_rwlock's Lua scripts: this racebed was built without Lua 5.1 "
                         "(install it with sudo make deps, then make)");
    return -1;
#endif
    rwm_state *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL) return -1;
    st->proto = rwm_protos[sim_variant(run)];
    sim_state_set(run, st);
    const char *key = "rag:{user:1}:memory:w";
    if ((st->memory = sim_resource_new(run, "memory", key, 1)) < 0) return -1;
    if (sim_lease_schema(run, key, "rag:{user:1}:memory:r") != 0) return -1; /* lk_rwlock's writer and readers */
    int readers = (int)sim_param(run, "readers"), writers = (int)sim_param(run, "writers");
    for (int i = 0; i < readers + writers; i++) {
        char name[8];
        int writer = i >= readers;
        snprintf(name, sizeof(name), "%c%d", writer ? 'w' : 'r', writer ? i - readers + 1 : i + 1);
        int64_t at = writer ? sim_param(run, "writer_at_ms") : i * sim_param(run, "stagger_ms");
        int p = sim_process_new(run, name);
        if (p < 0 || sim_thread_new(run, p, name, at * 1000000, rwm_client, st) < 0) return -1;
    }
    /* The readers are interchangeable (--symmetry on): threads 0 .. readers - 1, one process each. */
    if (readers >= 2 && sim_symmetric(run, 0, readers) != 0) return -1;
    return 0;
}

static void rwm_finish(sim_run *run) {
    const rwm_state *st = sim_state(run);
    if (st->shared) sim_probe(run, "reads_shared");
    if (st->crashed_reader) sim_probe(run, "reader_crashed_holding");
    if (!st->crashed_reader || rwm_delayed(run) || sim_faults(run) != sim_crashes(run))
        sim_expect_unchecked(run, "expect_no_pinning");
    else if (st->pinned[0]) {
        sim_violation(run, "expect_no_pinning", "%s", st->pinned);
        return;
    }
    if (rwm_delayed(run) || sim_faults(run) != sim_crashes(run)) {
        sim_expect_unchecked(run, "expect_rw_exclusion");
        sim_expect_unchecked(run, "expect_writer_served");
        return;
    }
    if (st->overlap[0]) {
        sim_violation(run, "expect_rw_exclusion", "%s", st->overlap);
        return;
    }
    if (sim_crashes(run) == 0 && st->unserved[0]) sim_violation(run, "expect_writer_served", "%s", st->unserved);
}

SIM_SCENARIO_DEFINE(rw_memory) = {
    .name = "rw_memory",
    .description = "readers and a writer share a user's memory under lk_rwlock (needs Lua)",
    .params = rwm_params,
    .param_count = sizeof(rwm_params) / sizeof(rwm_params[0]),
    .variants = rwm_variants,
    .variant_count = sizeof(rwm_variants) / sizeof(rwm_variants[0]),
    .setup = rwm_setup,
    .finish = rwm_finish,
    .expectations = "expect_rw_exclusion,expect_writer_served,expect_no_pinning",
    .own_probes = "reads_shared,reader_crashed_holding",
    .faults = "crash",
    .probes = "reads_shared",
    .overrides = rwm_overrides,
    .override_count = sizeof(rwm_overrides) / sizeof(rwm_overrides[0]),
    .canaries =
        "count_get_set=expect_rw_exclusion,no_writer_preference=expect_writer_served,reader_pins=expect_no_pinning",
};
