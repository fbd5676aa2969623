/* SPDX-License-Identifier: BSD-3-Clause */
/* lk_internal.h: helpers shared by core modules, not part of the public API. */
#ifndef RACEBED_CORE_LK_INTERNAL_H
#define RACEBED_CORE_LK_INTERNAL_H

#include <stddef.h>

#include "core/lk_env.h"
#include "core/lk_rc.h"

enum { LK__NS_PER_MS = 1000000 };

/* Formats an error into 'errmsg' (cap bytes, truncating) and returns 'rc'; the one way errmsg fields are set. */
lk_rc lk__set_error(char *errmsg, size_t cap, lk_rc rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The options every lock kind shares: the lease and its drift margin, the acquire timeout, the backoff, the kind. */
typedef struct lk__lock_timing {
    int64_t ttl_ms, acquire_timeout_ms, backoff_base_ms, backoff_cap_ms, drift_margin_ms;
} lk__lock_timing;

/* Checks 't' (a TTL > 0, a timeout >= 0), fills in its defaults (backoff 10 to 200 ms, cap >= base; a drift margin
 * of TTL/100 + 1 when negative or not below the TTL), and validates 'kind' (NULL: "lock") into 'kind_out'. Returns
 * LK_OK, or LK_EINVAL with the reason in 'errmsg' (cap bytes). */
lk_rc lk__lock_timing_check(lk__lock_timing *t, const char *kind, char kind_out[LK_METRIC_KIND_LEN], char *errmsg,
                            size_t cap);

/* The backoff before try 'attempt' (0-based) of a blocking acquire: uniform in [b/2, b] with
 * b = min(cap_ms, base_ms * 2^attempt), in ns, drawn from the env's entropy. Returns LK_OK or LK_EENTROPY. */
lk_rc lk__backoff_ns(const lk_env *env, int64_t base_ms, int64_t cap_ms, int attempt, int64_t *sleep_ns);

/* Counts the end of a blocking acquire of a lock of 'kind' that started at 'start' and returns 'rc': its wait
 * observed by the acquire-wait histogram, then its result (acquired, timeout or error). A crashed caller counts
 * nothing. */
lk_rc lk__acquire_counted(const lk_env *env, const char *kind, lk_mono_ns start, lk_rc rc);

#endif
