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

/* The backoff before try 'attempt' (0-based) of a blocking acquire: uniform in [b/2, b] with
 * b = min(cap_ms, base_ms * 2^attempt), in ns, drawn from the env's entropy. Returns LK_OK or LK_EENTROPY. */
lk_rc lk__backoff_ns(const lk_env *env, int64_t base_ms, int64_t cap_ms, int attempt, int64_t *sleep_ns);

/* Counts the end of a blocking acquire of a lock of 'kind' that started at 'start' and returns 'rc': its wait
 * observed by the acquire-wait histogram, then its result (acquired, timeout or error). A crashed caller counts
 * nothing. */
lk_rc lk__acquire_counted(const lk_env *env, const char *kind, lk_mono_ns start, lk_rc rc);

#endif
