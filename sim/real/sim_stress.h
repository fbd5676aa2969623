/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_stress.h: stress mode, what users run today and racebed's side-by-side baseline: the lock core (or a mutant)
 * on real pthreads, the real clock and a real Redis, for the trigger scenarios of source case 1 (thundering herd,
 * rapid sequential, TTL expiration). No scheduler: the OS interleaves, so a race shows up only by luck.
 *
 * Oracles decided from real intervals only, so only certain violations are reported: a holder certainly holds from
 * the moment its acquire reply arrived (or its lost-lock check passed) until it sends its release; two such
 * intervals of different clients that overlap on the monotonic clock are a certain double grant. A guarded counter
 * (GET, work, SET under the lock) must end equal to the number of completed critical sections.
 */
#ifndef RACEBED_SIM_SIM_STRESS_H
#define RACEBED_SIM_SIM_STRESS_H

#include <stddef.h>
#include <stdint.h>

typedef struct sim_stress_opts {
    const char *scenario; /* thundering_herd, rapid_sequential or ttl_expiry */
    const char *variant;  /* "core" or "mutant:NAME" */
    const char *url;      /* the Redis server */
    int threads;          /* clients */
    int64_t iterations;   /* rounds (0 = until the duration) */
    double duration_s;    /* stop after this long (0 = until the iterations) */
    int64_t ttl_ms;
    int64_t work_ms;
} sim_stress_opts;

typedef struct sim_stress_result {
    int64_t trials;       /* critical sections attempted */
    int64_t completed;    /* critical sections completed */
    int64_t not_acquired; /* acquires that found the lock held (try) or timed out */
    int64_t errors;       /* store errors */
    int violated;         /* 1 if a certain violation was seen */
    char violation[256];  /* which, and the evidence */
    double seconds;
} sim_stress_result;

/* 1 if stress mode runs this scenario and variant. */
int sim_stress_supported(const char *scenario, const char *variant);

/* Runs it. Returns 0, or -1 with 'err' (unknown scenario, cannot connect). */
int sim_stress_run(const sim_stress_opts *o, sim_stress_result *res, char *err, size_t cap);

#endif
