/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_stress.c: stress mode (contract in sim_stress.h). Each client thread has its own Redis connection and its own
 * POSIX env (hiredis contexts are not thread-safe). Critical sections are recorded as [start, end] monotonic
 * intervals; after the run every pair of different clients is checked for overlap, and the guarded counter is
 * compared with the number of completed sections.
 */
#define _GNU_SOURCE
#include "sim/real/sim_stress.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/mutants/mut_lock.h"

int sim_stress_supported(const char *scenario, const char *variant) {
    if (strcmp(scenario, "thundering_herd") == 0 || strcmp(scenario, "rapid_sequential") == 0)
        return strcmp(variant, "core") == 0 || strcmp(variant, "mutant:check_then_set") == 0;
    if (strcmp(scenario, "ttl_expiry") == 0)
        return strcmp(variant, "core") == 0 || strcmp(variant, "mutant:no_renewal") == 0;
    return 0;
}

#ifdef RACEBED_HAVE_HIREDIS
#include "core/lk_posix_env.h"
#include "core/lk_redis_store.h"
#include "core/lk_renewal.h"

enum { STRESS_THREADS_MAX = 64, STRESS_SECTIONS_MAX = 200000 };

typedef struct stress_section {
    int client;
    int64_t start_ns, end_ns;
} stress_section;

typedef struct stress_shared {
    const sim_stress_opts *o;
    const mut_protocol *proto;
    int renew;                 /* ttl_expiry core: renew and check the lost-lock signal */
    pthread_barrier_t barrier; /* herd: everyone starts each round together */
    pthread_mutex_t mu;        /* guards everything below */
    stress_section *sections;
    int64_t section_count;
    int64_t trials, completed, not_acquired, errors;
    int64_t increments; /* counter increments made under the lock */
    double deadline_s;  /* monotonic seconds */
    int stop;
    char err[256];
} stress_shared;

static double stress_now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t stress_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

typedef struct stress_client {
    stress_shared *sh;
    int idx;
    lk_redis_store *store;
    lk_posix_env pe;
} stress_client;

/* Records a critical section and the counter increments it completed. */
static void stress_record(stress_shared *sh, int client, int64_t start, int64_t end, int increments) {
    pthread_mutex_lock(&sh->mu);
    if (sh->section_count < STRESS_SECTIONS_MAX)
        sh->sections[sh->section_count++] = (stress_section){client, start, end};
    sh->completed += increments > 0;
    sh->increments += increments;
    pthread_mutex_unlock(&sh->mu);
}

static void stress_count(stress_shared *sh, int64_t *field) {
    pthread_mutex_lock(&sh->mu);
    (*field)++;
    pthread_mutex_unlock(&sh->mu);
}

/* The guarded counter: GET, work, SET + 1. Returns 0 or -1 on a store error. */
static int stress_counter_step(stress_client *c, int64_t work_ns) {
    lk_store_reply r;
    lk_store_op get = {.kind = LK_OP_GET, .key = "racebed:stress:counter"};
    if (lk_env_store_exec(&c->pe.env, &get, &r) != LK_OK) return -1;
    long long v = r.outcome == LK_FOUND ? atoll(r.value) : 0;
    lk_env_sleep_ns(&c->pe.env, work_ns);
    char text[32];
    snprintf(text, sizeof(text), "%lld", v + 1);
    lk_store_op set = {.kind = LK_OP_SET, .key = "racebed:stress:counter", .value = text};
    return lk_env_store_exec(&c->pe.env, &set, &r) == LK_OK ? 0 : -1;
}

/* One critical section attempt by client 'c'. */
static void stress_section_run(stress_client *c, int blocking) {
    stress_shared *sh = c->sh;
    const lk_env *env = &c->pe.env;
    lk_mutex m;
    lk_mutex_opts mo = {.ttl_ms = sh->o->ttl_ms};
    if (lk_mutex_init(&m, env, "racebed:stress:lock", &mo) != LK_OK) return;
    stress_count(sh, &sh->trials);
    lk_outcome out = LK_NONE;
    lk_rc rc = blocking ? sh->proto->acquire(&m, lk_env_mono_ns(env) + (int64_t)60 * 1000000000, &out)
                        : sh->proto->try_acquire(&m, &out);
    if (rc != LK_OK || (out != LK_ACQUIRED && out != LK_ALREADY_MINE)) {
        stress_count(sh, rc == LK_OK || rc == LK_ETIMEDOUT ? &sh->not_acquired : &sh->errors);
        if (m.maybe_held) lk_mutex_release(&m, &out);
        return;
    }
    int64_t start = stress_now_ns(), end = start;
    int64_t work_ns = sh->o->work_ms * 1000000;
    int increments = 0;
    if (sh->renew) { /* ttl_expiry core: steps of TTL/4, each only while the lock is provably held */
        lk_renewal r;
        int renewing = lk_renewal_start(&r, &m, NULL) == LK_OK;
        int64_t step = sh->o->ttl_ms * 1000000 / 4;
        for (int64_t done = 0; done < work_ns && renewing && !lk_renewal_lost(&r); done += step) {
            if (stress_counter_step(c, step) != 0) break;
            end = stress_now_ns();
            increments++;
        }
        if (renewing) lk_renewal_stop(&r);
    } else {
        increments = stress_counter_step(c, work_ns) == 0;
        end = stress_now_ns();
    }
    stress_record(sh, c->idx, start, end, increments);
    sh->proto->release(&m, &out);
    lk_mutex_fini(&m);
}

static void *stress_thread(void *arg) {
    stress_client *c = arg;
    stress_shared *sh = c->sh;
    int herd = strcmp(sh->o->scenario, "thundering_herd") == 0;
    for (int64_t i = 0; sh->o->iterations == 0 || i < sh->o->iterations; i++) {
        if (herd) pthread_barrier_wait(&sh->barrier);
        if (sh->o->duration_s > 0 && stress_now_s() >= sh->deadline_s) break;
        stress_section_run(c, !herd);
    }
    return NULL;
}


/* Certain violations from the recorded intervals and the counter. */
static void stress_judge(stress_shared *sh, stress_client *c0, sim_stress_result *res) {
    for (int64_t i = 0; i < sh->section_count && !res->violated; i++)
        for (int64_t j = i + 1; j < sh->section_count; j++) {
            const stress_section *a = &sh->sections[i], *b = &sh->sections[j];
            if (a->client == b->client || a->start_ns >= b->end_ns || b->start_ns >= a->end_ns) continue;
            res->violated = 1;
            snprintf(res->violation, sizeof(res->violation),
                     "lease_safety: clients %d and %d held the lock at the "
                     "same time for %.3f ms (certain: between acquire reply and release send)",
                     a->client + 1, b->client + 1,
                     (double)((a->end_ns < b->end_ns ? a->end_ns : b->end_ns) -
                              (a->start_ns > b->start_ns ? a->start_ns : b->start_ns)) /
                         1e6);
            break;
        }
    lk_store_reply r;
    lk_store_op get = {.kind = LK_OP_GET, .key = "racebed:stress:counter"};
    if (!res->violated && lk_env_store_exec(&c0->pe.env, &get, &r) == LK_OK) {
        long long v = r.outcome == LK_FOUND ? atoll(r.value) : 0;
        if (v != sh->increments) {
            res->violated = 1;
            snprintf(res->violation, sizeof(res->violation),
                     "resource_lost_update: %lld increments were made "
                     "under the lock but the guarded counter is %lld",
                     (long long)sh->increments, v);
        }
    }
}

int sim_stress_run(const sim_stress_opts *o, sim_stress_result *res, char *err, size_t cap) {
    memset(res, 0, sizeof(*res));
    if (!sim_stress_supported(o->scenario, o->variant)) {
        snprintf(err, cap,
                 "stress mode runs thundering_herd and rapid_sequential (core, mutant:check_then_set) "
                 "and ttl_expiry (core, mutant:no_renewal); not %s %s",
                 o->scenario, o->variant);
        return -1;
    }
    if (o->threads < 1 || o->threads > STRESS_THREADS_MAX) {
        snprintf(err, cap, "--threads must be 1..%d", STRESS_THREADS_MAX);
        return -1;
    }
    stress_shared sh;
    memset(&sh, 0, sizeof(sh));
    sh.o = o;
    sh.proto = strcmp(o->variant, "mutant:check_then_set") == 0 ? &mut_check_then_set : &mut_core;
    sh.renew = strcmp(o->scenario, "ttl_expiry") == 0 && strcmp(o->variant, "core") == 0;
    sh.sections = calloc(STRESS_SECTIONS_MAX, sizeof(stress_section));
    stress_client *cl = calloc((size_t)o->threads, sizeof(stress_client));
    int rc = -1, opened = 0;
    if (sh.sections == NULL || cl == NULL) {
        snprintf(err, cap, "out of memory");
        goto done;
    }
    for (; opened < o->threads; opened++) {
        cl[opened].sh = &sh;
        cl[opened].idx = opened;
        if (lk_redis_store_open(o->url, NULL, &cl[opened].store, err, cap) != LK_OK) goto done;
        lk_posix_env_init(&cl[opened].pe, lk_redis_store_iface(cl[opened].store));
    }
    const char *del[] = {"DEL", "racebed:stress:counter", "racebed:stress:lock", "racebed:stress:lock:fence"};
    lk_redis_store_command(cl[0].store, 4, del, NULL, 0);
    pthread_mutex_init(&sh.mu, NULL);
    pthread_barrier_init(&sh.barrier, NULL, (unsigned)o->threads);
    double t0 = stress_now_s();
    sh.deadline_s = t0 + o->duration_s;
    pthread_t th[STRESS_THREADS_MAX];
    for (int i = 0; i < o->threads; i++)
        pthread_create(&th[i], NULL, stress_thread, &cl[i]);
    for (int i = 0; i < o->threads; i++)
        pthread_join(th[i], NULL);
    res->seconds = stress_now_s() - t0;
    stress_judge(&sh, &cl[0], res);
    res->trials = sh.trials;
    res->completed = sh.completed;
    res->not_acquired = sh.not_acquired;
    res->errors = sh.errors;
    pthread_barrier_destroy(&sh.barrier);
    pthread_mutex_destroy(&sh.mu);
    rc = 0;
done:
    for (int i = 0; i < opened; i++) {
        lk_posix_env_fini(&cl[i].pe);
        lk_redis_store_close(cl[i].store);
    }
    free(cl);
    free(sh.sections);
    return rc;
}

#else

int sim_stress_run(const sim_stress_opts *o, sim_stress_result *res, char *err, size_t cap) {
    (void)o;
    memset(res, 0, sizeof(*res));
    snprintf(err, cap, "this racebed was built without hiredis: install libhiredis-dev and rebuild");
    return -1;
}
#endif
