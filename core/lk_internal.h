/* SPDX-License-Identifier: BSD-3-Clause */
/* lk_internal.h: helpers shared by core modules, not part of the public API. */
#ifndef RACEBED_CORE_LK_INTERNAL_H
#define RACEBED_CORE_LK_INTERNAL_H

#include <stddef.h>

#include "core/lk_rc.h"

/* Formats an error into 'errmsg' (cap bytes, truncating) and returns 'rc'; the one way errmsg fields are set. */
lk_rc lk__set_error(char *errmsg, size_t cap, lk_rc rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
