/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lk_metrics.h: a counter set for the metric table of lk_env.h, and its Prometheus text exposition.
 *
 * Invariant: counters only grow. The set itself is not synchronized: the POSIX env adds with atomics, the simulator
 * from one OS thread.
 */
#ifndef RACEBED_CORE_LK_METRICS_H
#define RACEBED_CORE_LK_METRICS_H

#include <stddef.h>

#include "core/lk_env.h"

typedef struct lk_metric_set {
    int64_t value[LK_METRIC_COUNT_]; /* one counter per lk_metric */
} lk_metric_set;

/* Writes the set in the Prometheus text format (# HELP, # TYPE, one sample per metric) into 'buf' of 'cap' bytes,
 * NUL-terminated. Returns the length the full text needs (excluding the NUL); it was truncated if >= cap. */
size_t lk_metrics_format(const lk_metric_set *set, char *buf, size_t cap);

#endif
