/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lk_posix_env.h: the real environment: CLOCK_MONOTONIC and CLOCK_REALTIME, getrandom(2), pthread mutexes and
 * threads, malloc, a metric set under a mutex. The store is injected (the hiredis adapter, or a test store).
 *
 * Invariant: the monotonic clock never goes back (asserted). Guarded by: the struct is shared by all threads of the
 * process; its verbs are thread-safe.
 */
#ifndef RACEBED_CORE_LK_POSIX_ENV_H
#define RACEBED_CORE_LK_POSIX_ENV_H

#include <pthread.h>

#include "core/lk_env.h"
#include "core/lk_metrics.h"

typedef struct lk_posix_env {
    lk_env env;                 /* pass &pe->env to core objects */
    pthread_mutex_t once_mu;    /* serializes once() calls */
    pthread_mutex_t metrics_mu; /* guards 'metrics' */
    lk_metric_set metrics;      /* every metric event of the process's locks */
    int64_t last_mono_ns;       /* latest monotonic reading, for the never-backwards assert */
} lk_posix_env;

/* Fills 'pe' with the real verbs and 'store'. Returns LK_OK or LK_EMISUSE if 'store' has no exec. */
lk_rc lk_posix_env_init(lk_posix_env *pe, lk_store store);
void lk_posix_env_fini(lk_posix_env *pe);

/* The process's metrics in the Prometheus text format, for a /metrics endpoint (lk_metrics_format's contract, taken
 * under the metrics mutex). */
size_t lk_posix_env_metrics(lk_posix_env *pe, char *buf, size_t cap);

#endif
