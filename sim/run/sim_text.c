/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_text.c: the growing text buffer (contract in sim_text.h).
 */
#include "sim/run/sim_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Makes room for 'more' bytes and the NUL. */
static int text_reserve(sim_text *t, size_t more) {
    if (!t->ok) return 0;
    if (t->len + more + 1 <= t->cap) return 1;
    size_t cap = t->cap ? t->cap : 256;
    while (cap < t->len + more + 1)
        cap *= 2;
    char *p = realloc(t->buf, cap);
    if (p == NULL) {
        t->ok = 0;
        return 0;
    }
    t->buf = p;
    t->cap = cap;
    return 1;
}

void sim_text_init(sim_text *t) {
    memset(t, 0, sizeof(*t));
    t->ok = 1;
    if (text_reserve(t, 0)) t->buf[0] = '\0';
}

void sim_text_add(sim_text *t, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        t->ok = 0;
        return;
    }
    if (!text_reserve(t, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

void sim_text_addn(sim_text *t, const char *s, size_t n) {
    if (!text_reserve(t, n)) return;
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

char *sim_text_take(sim_text *t, size_t *len) {
    char *out = t->ok ? t->buf : NULL;
    if (len) *len = t->ok ? t->len : 0;
    if (!t->ok) free(t->buf);
    memset(t, 0, sizeof(*t));
    return out;
}

void sim_text_free(sim_text *t) {
    free(t->buf);
    memset(t, 0, sizeof(*t));
}
