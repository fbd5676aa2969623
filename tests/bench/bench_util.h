/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_util.h: what every bench binary measures with: the real monotonic clock, and medians and sorting of its
 * samples. Benches only: real time never reaches a simulated run.
 */
#ifndef RACEBED_TESTS_BENCH_UTIL_H
#define RACEBED_TESTS_BENCH_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/* Real monotonic time, s and ns. */
__attribute__((unused)) static double bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((unused)) static int64_t bench_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* qsort comparators of doubles and of int64s. */
__attribute__((unused)) static int bench_cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

__attribute__((unused)) static int bench_cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The median of 'v' (n >= 1), sorting it. */
__attribute__((unused)) static double bench_median(double *v, int n) {
    qsort(v, (size_t)n, sizeof(double), bench_cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif
