/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * report_buf.c: the report room's growable text buffer (contract in report_buf.h).
 */
#include "sim/report/report_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Makes room for 'more' bytes and the NUL. Returns 0, or -1 (and 'failed') when it cannot. */
static int buf_reserve(report_buf *b, size_t more) {
    if (b->failed) return -1;
    if (b->len + more + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *t = realloc(b->text, cap);
    if (t == NULL) {
        b->failed = 1;
        return -1;
    }
    b->text = t;
    b->cap = cap;
    return 0;
}

void report_buf_printf(report_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || buf_reserve(b, (size_t)n) != 0) return;
    va_start(ap, fmt);
    vsnprintf(b->text + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void report_buf_puts(report_buf *b, const char *s) {
    size_t n = strlen(s);
    if (buf_reserve(b, n) != 0) return;
    memcpy(b->text + b->len, s, n + 1);
    b->len += n;
}

void report_buf_html(report_buf *b, const char *s, size_t n) {
    for (size_t i = 0; i < n && s[i] != '\0'; i++) {
        const char *esc = NULL;
        switch (s[i]) {
        case '&': esc = "&amp;"; break;
        case '<': esc = "&lt;"; break;
        case '>': esc = "&gt;"; break;
        case '"': esc = "&quot;"; break;
        case '\'': esc = "&#39;"; break;
        default: break;
        }
        if (esc) {
            report_buf_puts(b, esc);
        } else if (buf_reserve(b, 1) == 0) {
            b->text[b->len++] = s[i];
            b->text[b->len] = '\0';
        }
    }
}

void report_buf_free(report_buf *b) {
    free(b->text);
    memset(b, 0, sizeof(*b));
}
