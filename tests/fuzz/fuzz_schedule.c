/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_schedule.c: libFuzzer target for the schedule file parser and writer (sim/sim_schedule.c).
 *
 * Feeds the input to sim_schedule_parse_buffer(). When it parses, the schedule is written with
 * sim_schedule_text(), parsed again and compared field by field (line numbers
 * aside), then written again and compared byte for byte. Any difference aborts: it breaks the
 * header's invariant that a written schedule reads back equal. Crashes and leaks are left to the
 * sanitizers.
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -I. \
 *            tests/fuzz/fuzz_schedule.c sim/sim_schedule.c sim/run/sim_text.c -o /tmp/fz
 * Run:   /tmp/fz -max_len=4096 tests/fuzz/corpus/schedule
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_schedule.h"

enum { FUZZ_ERR_CAP = 256 };

/* Aborts with 'what' when 'ok' is false; libFuzzer keeps the input that got here. */
static void fuzz_check(int ok, const char *what) {
    if (ok) return;
    fprintf(stderr, "fuzz_schedule: %s\n", what);
    abort();
}

static int fuzz_decision_equal(const sim_decision *a, const sim_decision *b) {
    return a->kind == b->kind && strcmp(a->name, b->name) == 0 && strcmp(a->op, b->op) == 0 &&
           strcmp(a->key, b->key) == 0 && a->duration_ns == b->duration_ns &&
           a->variant == b->variant;
}

/* Compares every field of two parsed schedules except the line numbers. */
static void fuzz_compare(const sim_schedule *a, const sim_schedule *b) {
    fuzz_check(a->version == b->version, "version differs");
    fuzz_check(strcmp(a->tool, b->tool) == 0, "tool differs");
    fuzz_check(strcmp(a->scenario, b->scenario) == 0, "scenario differs");
    fuzz_check(strcmp(a->variant, b->variant) == 0, "variant differs");
    fuzz_check(a->param_count == b->param_count, "param_count differs");
    for (int i = 0; i < a->param_count; i++) {
        fuzz_check(strcmp(a->param_key[i], b->param_key[i]) == 0, "param key differs");
        fuzz_check(a->param_value[i] == b->param_value[i], "param value differs");
    }
    fuzz_check(a->has_seed == b->has_seed && a->seed == b->seed, "seed differs");
    fuzz_check(strcmp(a->strategy, b->strategy) == 0, "strategy differs");
    fuzz_check(a->model_only == b->model_only, "model_only differs");
    fuzz_check(a->expect == b->expect, "expect differs");
    fuzz_check(strcmp(a->expect_oracle, b->expect_oracle) == 0, "expect oracle differs");
    fuzz_check((a->expect_line != 0) == (b->expect_line != 0), "expect_line differs");
    fuzz_check(a->repeat == b->repeat, "repeat differs");
    fuzz_check(a->decision_count == b->decision_count, "decision_count differs");
    for (int i = 0; i < a->decision_count; i++) {
        fuzz_check(fuzz_decision_equal(&a->decisions[i], &b->decisions[i]), "decision differs");
    }
}

/* Writes 's' to a malloc'd buffer (the caller frees it); aborts if the writer refuses. */
static char *fuzz_write(const sim_schedule *s, size_t *len) {
    char *buf = sim_schedule_text(s, "fuzz\nround trip", len);
    fuzz_check(buf != NULL, "sim_schedule_text refused a parsed schedule");
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[FUZZ_ERR_CAP];
    sim_schedule first, second;
    sim_schedule_init(&first);
    sim_schedule_init(&second);
    if (sim_schedule_parse_buffer(&first, (const char *)data, size, err, sizeof(err)) != 0) {
        fuzz_check(strncmp(err, "line ", 5) == 0 || strncmp(err, "end of file: ", 13) == 0,
                   "error message without its place");
        sim_schedule_free(&first);
        return 0;
    }
    size_t len = 0, len2 = 0;
    char *text = fuzz_write(&first, &len);
    if (sim_schedule_parse_buffer(&second, text, len, err, sizeof(err)) != 0) {
        fprintf(stderr, "fuzz_schedule: reparse: %s\n--\n%s--\n", err, text);
        abort();
    }
    fuzz_compare(&first, &second);
    char *text2 = fuzz_write(&second, &len2);
    fuzz_check(len == len2 && memcmp(text, text2, len) == 0, "second write differs");
    free(text);
    free(text2);
    sim_schedule_free(&first);
    sim_schedule_free(&second);
    return 0;
}
