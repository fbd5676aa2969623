/* SPDX-License-Identifier: BSD-3-Clause */
/* lk_internal.c: what the core's lock modules share: error messages, the acquire backoff, the acquire's metrics. */
#include "core/lk_internal.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>

lk_rc lk__set_error(char *errmsg, size_t cap, lk_rc rc, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errmsg, cap, fmt, ap);
    va_end(ap);
    return rc;
}

lk_rc lk__backoff_ns(const lk_env *env, int64_t base_ms, int64_t cap_ms, int attempt, int64_t *sleep_ns) {
    int64_t b = base_ms;
    for (int i = 0; i < attempt && b < cap_ms; i++)
        b *= 2;
    if (b > cap_ms) b = cap_ms;
    uint64_t r = 0; /* 64 bits: a 32-bit draw could not cover half-ranges above 4.29 s */
    lk_rc rc = lk_env_entropy(env, &r, sizeof(r));
    if (rc != LK_OK) return rc;
    int64_t half_ns = b * LK__NS_PER_MS / 2;
    *sleep_ns = half_ns + (int64_t)(r % (uint64_t)(half_ns + 1));
    assert(*sleep_ns >= half_ns && *sleep_ns <= b * LK__NS_PER_MS);
    return LK_OK;
}

lk_rc lk__acquire_counted(const lk_env *env, const char *kind, lk_mono_ns start, lk_rc rc) {
    if (rc == LK_ECRASHED) return rc;
    int64_t waited = lk_env_mono_ns(env) - start;
    lk_metric result = rc == LK_OK          ? LK_METRIC_ACQUIRE_ACQUIRED
                       : rc == LK_ETIMEDOUT ? LK_METRIC_ACQUIRE_TIMEOUT
                                            : LK_METRIC_ACQUIRE_ERROR;
    lk_metric wait = rc == LK_OK          ? LK_METRIC_ACQUIRE_WAIT_ACQUIRED
                     : rc == LK_ETIMEDOUT ? LK_METRIC_ACQUIRE_WAIT_TIMEOUT
                                          : LK_METRIC_ACQUIRE_WAIT_ERROR;
    lk_env_metric(env, wait, kind, waited);
    lk_env_metric(env, result, kind, 1);
    return rc;
}
