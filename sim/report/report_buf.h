/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * report_buf.h: a growable text buffer the report room writes its documents into (the CLI writes them to files:
 * only the CLI prints).
 *
 * Invariant: 'text' is always NUL-terminated and 'len' bytes long. An allocation failure sets 'failed', keeps what was
 * written and makes every later append a no-op, so a writer checks once at the end and never half-writes silently.
 */
#ifndef RACEBED_SIM_REPORT_REPORT_BUF_H
#define RACEBED_SIM_REPORT_REPORT_BUF_H

#include <stddef.h>

typedef struct report_buf {
    char *text; /* the document so far (NULL before the first append) */
    size_t len; /* bytes, without the NUL */
    size_t cap; /* bytes allocated */
    int failed; /* 1 after an allocation failed */
} report_buf;

/* Appends formatted text. */
void report_buf_printf(report_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends 'n' bytes of 's' (n = (size_t)-1: up to its NUL) escaped for HTML text and attribute values. */
void report_buf_html(report_buf *b, const char *s, size_t n);
/* Appends 's' as it is. */
void report_buf_puts(report_buf *b, const char *s);
/* Frees the text; the buffer is empty again. */
void report_buf_free(report_buf *b);

#endif
