/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_text.h: a growing text buffer for the pure formatters (schedule files, checkpoints): they build their text
 * here, and whoever owns the file or the terminal writes it out.
 *
 * Invariant: 'buf' is always NUL-terminated while 'ok'; after a failed allocation 'ok' is 0, every later add is a
 * no-op, and sim_text_take returns NULL.
 */
#ifndef RACEBED_SIM_RUN_SIM_TEXT_H
#define RACEBED_SIM_RUN_SIM_TEXT_H

#include <stddef.h>

typedef struct sim_text {
    char *buf;  /* malloc'd */
    size_t len; /* bytes without the NUL */
    size_t cap; /* bytes allocated */
    int ok;     /* 0 once an allocation failed */
} sim_text;

/* Starts an empty text ('ok' 0 if even that failed). */
void sim_text_init(sim_text *t);
/* Appends printf-style text. */
void sim_text_add(sim_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends 'n' bytes of 's'. */
void sim_text_addn(sim_text *t, const char *s, size_t n);
/* The text (the caller frees it) and its length in '*len' (may be NULL); NULL if an allocation failed. 't' is empty
 * afterwards. */
char *sim_text_take(sim_text *t, size_t *len);
/* Frees the text. */
void sim_text_free(sim_text *t);

#endif
