/* SPDX-License-Identifier: BSD-3-Clause */
/* lk_internal.c: what the core's lock modules share: error messages, the acquire backoff, the acquire's metrics. */
#include "core/lk_internal.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

lk_rc lk__lock_timing_check(lk__lock_timing *t, const char *kind, char kind_out[LK_METRIC_KIND_LEN], char *errmsg,
                            size_t cap) {
    if (t->ttl_ms <= 0) return lk__set_error(errmsg, cap, LK_EINVAL, "ttl_ms must be > 0");
    if (t->acquire_timeout_ms < 0) return lk__set_error(errmsg, cap, LK_EINVAL, "acquire_timeout_ms must be >= 0");
    if (kind == NULL) /* the default, without a scan: every lock init of every simulated execution runs this */
        memcpy(kind_out, "lock", sizeof("lock"));
    else if (lk_metric_kind_valid(kind))
        lk_copy_str(kind_out, LK_METRIC_KIND_LEN, kind);
    else
        return lk__set_error(errmsg, cap, LK_EINVAL,
                             "kind '%s' must be 1..%d characters of [a-z0-9_] starting with a letter", kind,
                             LK_METRIC_KIND_LEN - 1);
    if (t->backoff_base_ms <= 0) t->backoff_base_ms = 10;
    if (t->backoff_cap_ms <= 0) t->backoff_cap_ms = 200;
    if (t->backoff_cap_ms < t->backoff_base_ms) t->backoff_cap_ms = t->backoff_base_ms;
    if (t->drift_margin_ms < 0 || t->drift_margin_ms >= t->ttl_ms) t->drift_margin_ms = t->ttl_ms / 100 + 1;
    return LK_OK;
}
