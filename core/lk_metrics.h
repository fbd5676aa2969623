/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lk_metrics.h: a metric set for the tables of lk_env.h (counters and the acquire-wait histogram, one row per lock
 * kind), and its Prometheus text exposition (format 0.0.4), for a service's /metrics endpoint.
 *
 * Invariant: counts only grow. A set keeps LK_METRIC_KINDS_MAX rows: one for the families without labels, up to
 * LK_METRIC_KINDS_MAX - 2 named kinds in order of first use, and "other", which takes every kind past those (a sign that the kind label is
 * not the small fixed set it must be). The set itself is not synchronized: the POSIX env adds under its own mutex, the
 * simulator from one OS thread.
 */
#ifndef RACEBED_CORE_LK_METRICS_H
#define RACEBED_CORE_LK_METRICS_H

#include <stddef.h>

#include "core/lk_env.h"

enum {
    LK_METRIC_KINDS_MAX = 10, /* rows: the label-less row, up to 8 kinds, "other" */
    LK_WAIT_SERIES = LK_METRIC_ACQUIRE_WAIT_ERROR - LK_METRIC_ACQUIRE_WAIT_ACQUIRED + 1, /* results of the histogram */
    LK_WAIT_BUCKETS = 14, /* finite buckets of the acquire-wait histogram (lk_wait_bucket_le) */
};

typedef struct lk_metric_row {
    char kind[LK_METRIC_KIND_LEN];                        /* "": the row of the families without labels */
    int64_t count[LK_METRIC_COUNT_];                      /* a counter's value; a histogram series' observations */
    int64_t wait_sum_ns[LK_WAIT_SERIES];                  /* the histogram's sums, ns */
    int64_t wait_bucket[LK_WAIT_SERIES][LK_WAIT_BUCKETS]; /* observations in (le[i-1], le[i]], not cumulative */
} lk_metric_row;

typedef struct lk_metric_set {
    int row_count;                          /* rows in use; the rows come last, so a copy may stop at row_count */
    lk_metric_row row[LK_METRIC_KINDS_MAX]; /* in order of first use */
} lk_metric_set;

/* Counts one event (lk_metrics.add's contract). */
void lk_metric_set_add(lk_metric_set *set, lk_metric metric, const char *kind, int64_t value);

/* Adds every count of 'src' to 'dst', kind by kind (the metrics of several processes as one service's). */
void lk_metric_set_merge(lk_metric_set *dst, const lk_metric_set *src);

/* The value of 'metric' summed over every kind (a histogram series: its observations). */
int64_t lk_metric_total(const lk_metric_set *set, lk_metric metric);
/* The value of 'metric' for 'kind' (0 if the kind has no row). */
int64_t lk_metric_of(const lk_metric_set *set, lk_metric metric, const char *kind);

/* The upper bound of finite bucket 'i' of the acquire-wait histogram, ns, and its `le` label text. */
int64_t lk_wait_bucket_ns(int i);
const char *lk_wait_bucket_le(int i);

/* Writes the set in the Prometheus text format 0.0.4 (# HELP, # TYPE, every family; per kind every result, zeros
 * included; histogram buckets cumulative with +Inf equal to _count, and _sum in seconds) into 'buf' of 'cap' bytes,
 * NUL-terminated. Returns the length the full text needs (excluding the NUL); it was truncated if >= cap. */
size_t lk_metrics_format(const lk_metric_set *set, char *buf, size_t cap);

#endif
