/* SPDX-License-Identifier: BSD-3-Clause */
/* lk_internal.c: the error-message setter shared by core modules. */
#include "core/lk_internal.h"

#include <stdarg.h>
#include <stdio.h>

lk_rc lk__set_error(char *errmsg, size_t cap, lk_rc rc, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errmsg, cap, fmt, ap);
    va_end(ap);
    return rc;
}
