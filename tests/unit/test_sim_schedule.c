/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sim_schedule.c: proves that the schedule file parser and writer (sim/sim_schedule.c) keep
 * their contract. A schedule holding every decision kind and every header line is written to a
 * memory stream, parsed back and compared field by field, and written again byte for byte. Tables
 * feed each malformed line to the parser and compare the whole message, "line N: " included.
 * Durations, seeds and params are checked at their limits, and bytes from a fixed-seed LCG (pure
 * noise, and lines made of grammar words) must either fail with a located message or read back
 * unchanged, never crash (this binary runs under ASan and UBSan).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_schedule.h"

enum { ERR_CAP = 256 };

/* Four header lines; the first line after them is line 5. */
#define HDR "racebed-schedule 1\nscenario stale_token\nvariant core\nseed 42\n"

/* Parses 'len' bytes of 'text' into a fresh schedule, frees it, and returns the result. */
static int parse_len(const char *text, size_t len, char *err) {
    sim_schedule s;
    sim_schedule_init(&s);
    err[0] = '\0';
    int rc = sim_schedule_parse_buffer(&s, text, len, err, ERR_CAP);
    sim_schedule_free(&s);
    return rc;
}

static int parse_str(const char *text, char *err) {
    return parse_len(text, strlen(text), err);
}

/* Formats 's'; returns the malloc'd text (the caller frees it; "" when refused) and the result (0 or -1). */
static char *write_text(const sim_schedule *s, const char *comment, int *rc) {
    size_t len = 0;
    char *buf = sim_schedule_text(s, comment, &len);
    *rc = buf ? 0 : -1;
    if (buf) assert_int_equal(strlen(buf), len);
    if (buf == NULL) buf = strdup("");
    assert_non_null(buf);
    return buf;
}

static void assert_decision_equal(const sim_decision *a, const sim_decision *b) {
    assert_int_equal(a->kind, b->kind);
    assert_string_equal(a->name, b->name);
    assert_string_equal(a->op, b->op);
    assert_string_equal(a->key, b->key);
    assert_int_equal(a->duration_ns, b->duration_ns);
    assert_int_equal(a->variant, b->variant);
}

/* Compares every field but the version and the line numbers. */
static void assert_schedule_equal(const sim_schedule *a, const sim_schedule *b) {
    assert_string_equal(a->tool, b->tool);
    assert_string_equal(a->scenario, b->scenario);
    assert_string_equal(a->variant, b->variant);
    assert_int_equal(a->param_count, b->param_count);
    for (int i = 0; i < a->param_count; i++) {
        assert_string_equal(a->param_key[i], b->param_key[i]);
        assert_int_equal(a->param_value[i], b->param_value[i]);
    }
    assert_int_equal(a->has_seed, b->has_seed);
    assert_int_equal(a->seed, b->seed);
    assert_string_equal(a->strategy, b->strategy);
    assert_int_equal(a->model_only, b->model_only);
    assert_int_equal(a->expect, b->expect);
    assert_string_equal(a->expect_oracle, b->expect_oracle);
    assert_int_equal(a->decision_count, b->decision_count);
    for (int i = 0; i < a->decision_count; i++) {
        assert_decision_equal(&a->decisions[i], &b->decisions[i]);
    }
}

static sim_decision decision(sim_decision_kind kind, const char *name, const char *op, const char *key, int64_t ns,
                             int variant) {
    sim_decision d;
    memset(&d, 0, sizeof(d));
    d.kind = kind;
    snprintf(d.name, sizeof(d.name), "%s", name);
    snprintf(d.op, sizeof(d.op), "%s", op);
    snprintf(d.key, sizeof(d.key), "%s", key);
    d.duration_ns = ns;
    d.variant = variant;
    return d;
}

/* Fills 's' with every header line and every decision kind (and both forms of each variant). */
static void build_full(sim_schedule *s) {
    sim_schedule_init(s);
    snprintf(s->tool, sizeof(s->tool), "racebed 0.1.0");
    snprintf(s->scenario, sizeof(s->scenario), "stale_token");
    snprintf(s->variant, sizeof(s->variant), "mutant:no_fence");
    assert_int_equal(sim_schedule_set_param(s, "ttl_ms", 1500), 0);
    assert_int_equal(sim_schedule_set_param(s, "skew", -3), 0);
    assert_int_equal(sim_schedule_set_param(s, "floor", INT64_MIN), 0);
    s->has_seed = 1;
    s->seed = UINT64_MAX;
    snprintf(s->strategy, sizeof(s->strategy), "pct depth=3  buckets=2");
    s->model_only = 1;
    const sim_decision ds[] = {
        decision(SIM_DEC_RUN, "c1", "acquire", "lk:res", 0, 0),
        decision(SIM_DEC_RUN, "c2", "sleep", "", 0, 0),
        decision(SIM_DEC_ADVANCE, "", "", "", 1500000000, 0),
        decision(SIM_DEC_ADVANCE, "", "", "", 0, 0),
        decision(SIM_DEC_WALL, "server", "", "", 2000000000, 0),
        decision(SIM_DEC_WALL, "c1", "", "", -250000, 0),
        decision(SIM_DEC_PAUSE, "c2", "", "", 7, 0),
        decision(SIM_DEC_CRASH, "c1", "", "", 0, 0),
        decision(SIM_DEC_FAULT, "c2", "", "", 0, SIM_FAULT_REPLY_LOST),
        decision(SIM_DEC_FAULT, "c1", "", "", 0, SIM_FAULT_CONN_ERROR),
        decision(SIM_DEC_RESTART, "server", "", "", 0, SIM_RESTART_LOSE_ALL),
        decision(SIM_DEC_RESTART, "server", "", "", 1000000000, SIM_RESTART_LOSE_LAST),
        decision(SIM_DEC_RUN, "c2", "del", "lk:res", 0, 0),
    };
    for (size_t i = 0; i < sizeof(ds) / sizeof(ds[0]); i++) {
        assert_int_equal(sim_schedule_append(s, &ds[i]), 0);
    }
    s->expect = SIM_EXPECT_VIOLATION;
    snprintf(s->expect_oracle, sizeof(s->expect_oracle), "mutual_exclusion");
}

static const char FULL_TEXT[] = "racebed-schedule 1\n"
                                "tool racebed 0.1.0\n"
                                "scenario stale_token\n"
                                "variant mutant:no_fence\n"
                                "param ttl_ms=1500\n"
                                "param skew=-3\n"
                                "param floor=-9223372036854775808\n"
                                "seed 18446744073709551615\n"
                                "strategy pct depth=3  buckets=2\n"
                                "model-only yes\n"
                                "\n"
                                "run c1 acquire lk:res\n"
                                "run c2 sleep\n"
                                "advance 1500ms\n"
                                "advance 0ms\n"
                                "wall server +2s\n"
                                "wall c1 -250us\n"
                                "pause c2 7ns\n"
                                "crash c1\n"
                                "fault c2 reply-lost\n"
                                "fault c1 conn-error\n"
                                "restart server lose-all\n"
                                "restart server lose-last 1s\n"
                                "run c2 del lk:res\n"
                                "expect violation mutual_exclusion\n"
                                "# found by pct\n"
                                "#\n"
                                "# shrunk from 40 decisions\n";

static void test_sim_schedule_round_trip(void **state) {
    (void)state;
    sim_schedule built, parsed, again;
    char err[ERR_CAP] = "";
    int rc = -1;
    build_full(&built);
    char *text = write_text(&built, "found by pct\n\nshrunk from 40 decisions\n", &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(text, FULL_TEXT);

    sim_schedule_init(&parsed);
    rc = sim_schedule_parse_buffer(&parsed, text, strlen(text), err, sizeof(err));
    assert_int_equal(rc, 0);
    assert_string_equal(err, "");
    assert_int_equal(parsed.version, SIM_SCHEDULE_VERSION);
    assert_schedule_equal(&built, &parsed);
    for (int i = 0; i < parsed.decision_count; i++) {
        assert_int_equal(parsed.decisions[i].line, 12 + i);
    }
    assert_int_equal(parsed.expect_line, 12 + parsed.decision_count);

    char *text2 = write_text(&parsed, "found by pct\n\nshrunk from 40 decisions\n", &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(text2, text);

    sim_schedule_init(&again);
    assert_int_equal(sim_schedule_parse_buffer(&again, text2, strlen(text2), err, sizeof(err)), 0);
    assert_schedule_equal(&parsed, &again);
    free(text);
    free(text2);
    sim_schedule_free(&built);
    sim_schedule_free(&parsed);
    sim_schedule_free(&again);
}

/* The store faults' words read back to their kinds and write back unchanged, late-timeout included. */
static void test_sim_schedule_fault_words(void **state) {
    (void)state;
    static const char text_in[] = HDR "fault c1 reply-lost\nfault c1 conn-error\nfault c2 late-timeout\nexpect pass";
    sim_schedule s;
    char err[ERR_CAP];
    int rc = -1;
    sim_schedule_init(&s);
    assert_int_equal(sim_schedule_parse_buffer(&s, text_in, strlen(text_in), err, sizeof(err)), 0);
    assert_int_equal(s.decision_count, 3);
    assert_int_equal(s.decisions[0].variant, SIM_FAULT_REPLY_LOST);
    assert_int_equal(s.decisions[1].variant, SIM_FAULT_CONN_ERROR);
    assert_int_equal(s.decisions[2].variant, SIM_FAULT_LATE_TIMEOUT);
    char *text = write_text(&s, NULL, &rc);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(text, "fault c2 late-timeout\n"));
    free(text);
    sim_schedule_free(&s);
}

static void test_sim_schedule_round_trip_minimal(void **state) {
    (void)state;
    sim_schedule s;
    char err[ERR_CAP];
    int rc = -1;
    sim_schedule_init(&s);
    static const char text_in[] = HDR "expect pass";
    assert_int_equal(sim_schedule_parse_buffer(&s, text_in, strlen(text_in), err, sizeof(err)), 0);
    assert_int_equal(s.expect, SIM_EXPECT_PASS);
    assert_int_equal(s.expect_line, 5);
    assert_int_equal(s.decision_count, 0);
    char *text = write_text(&s, NULL, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(text, HDR "\nexpect pass\n");
    free(text);
    sim_schedule_free(&s);
}

/* Comments, tabs, CRLF, blank lines and a last line without a newline, read by hand. */
static void test_sim_schedule_parse_layout(void **state) {
    (void)state;
    static const char text[] = "# a stale token race\r\n"
                               "\r\n"
                               "racebed-schedule 1   # version\r\n"
                               "scenario\tstale_token\n"
                               "  variant core\n"
                               "param ttl_ms=+40\n"
                               "seed 007\n"
                               "strategy  random   walk  # not part of it\n"
                               "model-only no\n"
                               "run c1 acquire lk:res#1\n"
                               "\t run c2 get # lk:res is a comment\n"
                               "#\n"
                               "expect violation fencing";
    sim_schedule s;
    char err[ERR_CAP] = "";
    sim_schedule_init(&s);
    assert_int_equal(sim_schedule_parse_buffer(&s, text, strlen(text), err, sizeof(err)), 0);
    assert_string_equal(s.scenario, "stale_token");
    assert_string_equal(s.variant, "core");
    assert_int_equal(s.param_count, 1);
    assert_int_equal(s.param_value[0], 40);
    assert_int_equal(s.seed, 7);
    assert_string_equal(s.strategy, "random   walk");
    assert_int_equal(s.model_only, 0);
    assert_int_equal(s.decision_count, 2);
    assert_string_equal(s.decisions[0].key, "lk:res#1");
    assert_int_equal(s.decisions[0].line, 10);
    assert_string_equal(s.decisions[1].op, "get");
    assert_string_equal(s.decisions[1].key, "");
    assert_int_equal(s.expect, SIM_EXPECT_VIOLATION);
    assert_string_equal(s.expect_oracle, "fencing");
    assert_int_equal(s.expect_line, 13);
    sim_schedule_free(&s);
}

typedef struct error_case {
    const char *text;
    const char *err;
} error_case;

static void check_error_cases(const error_case *cases, size_t n) {
    char err[ERR_CAP];
    for (size_t i = 0; i < n; i++) {
        int rc = parse_str(cases[i].text, err);
        if (rc != -1 || strcmp(err, cases[i].err) != 0) {
            print_error("case %zu: input \"%s\"\n", i, cases[i].text);
        }
        assert_int_equal(rc, -1);
        assert_string_equal(err, cases[i].err);
    }
}

static void test_sim_schedule_errors_structure(void **state) {
    (void)state;
    static const error_case cases[] = {
        {HDR "\nbogus x\n", "line 6: unknown keyword 'bogus' (expected run, advance, wall, pause, crash, fault, "
                            "restart, repeat, expect, or a header line)"},
        {"scenario s\n", "line 1: expected 'racebed-schedule 1' as the first line (got 'scenario')"},
        {"# c\n\n  run c1 acquire\n", "line 3: expected 'racebed-schedule 1' as the first line (got 'run')"},
        {"# a\n# b\nracebed-schedule 7\n", "line 3: unsupported schedule version 7 (this racebed reads version 1)"},
        {"racebed-schedule one\n", "line 1: bad schedule version 'one' (expected racebed-schedule 1)"},
        {"racebed-schedule\n", "line 1: missing argument after 'racebed-schedule' (expected racebed-schedule 1)"},
        {"racebed-schedule 1 2\n", "line 1: too many tokens: unexpected '2' (expected racebed-schedule 1)"},
        {HDR "run c1 acquire\nseed 9\n", "line 6: header line 'seed' after the first decision (line 5)"},
        {HDR "\n\nadvance 1s\n\n# x\nparam a=1\n", "line 10: header line 'param' after the first decision (line 7)"},
        {HDR "expect pass\nrun c1 acquire\n", "line 6: decision 'run' after the expect line (line 5)"},
        {HDR "expect pass\nstrategy dfs\n", "line 6: header line 'strategy' after the expect line (line 5)"},
        {HDR "expect pass\nexpect violation fencing\n", "line 6: second 'expect' line (the first is line 5)"},
        {HDR "expect maybe\n", "line 5: bad expect 'maybe' (expected expect pass or expect violation ORACLE)"},
        {HDR "expect violation\n", "line 5: bad expect 'violation' (expected expect pass or expect violation ORACLE)"},
        {HDR "expect pass now\n", "line 5: bad expect 'pass' (expected expect pass or expect violation ORACLE)"},
    };
    check_error_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_sim_schedule_errors_duplicate_headers(void **state) {
    (void)state;
    static const error_case cases[] = {
        {HDR "racebed-schedule 1\n", "line 5: duplicate header line 'racebed-schedule'"},
        {HDR "scenario other\n", "line 5: duplicate header line 'scenario'"},
        {HDR "variant mutant:x\n", "line 5: duplicate header line 'variant'"},
        {HDR "seed 42\n", "line 5: duplicate header line 'seed'"},
        {HDR "tool racebed 1\ntool racebed 2\n", "line 6: duplicate header line 'tool'"},
        {HDR "strategy a\nstrategy a\n", "line 6: duplicate header line 'strategy'"},
        {HDR "model-only yes\nmodel-only yes\n", "line 6: duplicate header line 'model-only'"},
        {HDR "model-only yes\nmodel-only no\n", "line 6: duplicate header line 'model-only'"},
        {HDR "param ttl=1\nparam ttl=1\n", "line 6: duplicate param 'ttl'"},
        {HDR "script a.lua 98647f7b3061653463319db2ad7221f78a6d3e2f\nscript a.lua "
             "98647f7b3061653463319db2ad7221f78a6d3e2f\n",
         "line 6: duplicate script 'a.lua'"},
        {HDR "script a.lua 98647F7B3061653463319DB2AD7221F78A6D3E2F\n",
         "line 5: bad script SHA-1 '98647F7B3061653463319DB2AD7221F78A6D3E2F' (40 lower-case hex digits)"},
        {HDR "script a.lua abc\n", "line 5: bad script SHA-1 'abc' (40 lower-case hex digits)"},
        {HDR "script a.lua\n", "line 5: missing argument after 'script' (expected script PATH SHA1)"},
    };
    check_error_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* A script line reads back and writes out unchanged; a schedule names at most SIM_SCRIPTS_MAX files. */
static void test_sim_schedule_script_lines(void **state) {
    (void)state;
    const char *text = HDR "script examples/x.lua 98647f7b3061653463319db2ad7221f78a6d3e2f\n"
                           "script y.lua bdcc15a67eafcfababbad7d3f4cc6fc9fa01792c\n\nrun c1 eval lk\n";
    sim_schedule s;
    sim_schedule_init(&s);
    char err[256];
    assert_int_equal(sim_schedule_parse_buffer(&s, text, strlen(text), err, sizeof(err)), 0);
    assert_int_equal(s.script_count, 2);
    assert_string_equal(s.script_path[0], "examples/x.lua");
    assert_string_equal(s.script_sha[1], "bdcc15a67eafcfababbad7d3f4cc6fc9fa01792c");
    assert_int_equal(s.script_line[1], 6);
    size_t len = 0;
    char *out = sim_schedule_text(&s, NULL, &len);
    assert_non_null(out);
    assert_non_null(strstr(out, "\nscript examples/x.lua 98647f7b3061653463319db2ad7221f78a6d3e2f\n"));
    assert_non_null(strstr(out, "\nscript y.lua bdcc15a67eafcfababbad7d3f4cc6fc9fa01792c\n"));
    free(out);
    sim_schedule_free(&s);
    char many[4096];
    size_t used = (size_t)snprintf(many, sizeof(many), "%s", HDR);
    for (int i = 0; i <= SIM_SCRIPTS_MAX; i++)
        used += (size_t)snprintf(many + used, sizeof(many) - used,
                                 "script f%d.lua 98647f7b3061653463319db2ad7221f78a6d3e2f\n", i);
    sim_schedule_init(&s);
    assert_int_equal(sim_schedule_parse_buffer(&s, many, used, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "too many script lines"));
    sim_schedule_free(&s);
}

static void test_sim_schedule_errors_decisions(void **state) {
    (void)state;
    static const error_case cases[] = {
        {HDR "advance 15x\n", "line 5: bad duration '15x' (use e.g. 1500ms, 2s, 250us)"},
        {HDR "advance -1ms\n", "line 5: bad duration '-1ms' (use e.g. 1500ms, 2s, 250us)"},
        {HDR "pause c1 1.5s\n", "line 5: bad duration '1.5s' (use e.g. 1500ms, 2s, 250us)"},
        {HDR "advance 1000001s\n", "line 5: duration '1000001s' is over the limit of 1000000s"},
        {HDR "advance 1s 2s\n", "line 5: too many tokens: unexpected '2s' (expected advance DURATION)"},
        {HDR "run c1 acquire lk:res extra\n",
         "line 5: too many tokens: unexpected 'extra' (expected run THREAD OP [KEY])"},
        {HDR "pause c1\n", "line 5: missing argument after 'pause' (expected pause THREAD DURATION)"},
        {HDR "run c1 # acquire\n", "line 5: missing argument after 'run' (expected run THREAD OP [KEY])"},
        {HDR "wall server 1s\n", "line 5: wall step '1s' needs a sign (e.g. +1500ms or -2s)"},
        {HDR "wall server +1x\n", "line 5: bad duration '1x' (use e.g. 1500ms, 2s, 250us)"},
        {HDR "wall server --1s\n", "line 5: bad duration '-1s' (use e.g. 1500ms, 2s, 250us)"},
        {HDR "fault c1 timeout\n", "line 5: unknown fault 'timeout' (expected reply-lost, conn-error or late-timeout)"},
        {HDR "restart client lose-all\n", "line 5: restart of 'client' (only 'server' restarts)"},
        {HDR "restart server lose-last\n",
         "line 5: bad restart 'lose-last' (expected restart server lose-all or restart server "
         "lose-last DURATION)"},
        {HDR "restart server lose-all 1s\n",
         "line 5: bad restart 'lose-all' (expected restart server lose-all or restart server "
         "lose-last DURATION)"},
        {HDR "restart server lose-last 1q\n", "line 5: bad duration '1q' (use e.g. 1500ms, 2s, 250us)"},
        {HDR "crash c1 c2\n", "line 5: too many tokens: unexpected 'c2' (expected crash "
                              "THREAD|PROCESS)"},
    };
    check_error_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_sim_schedule_errors_names(void **state) {
    (void)state;
    char text[1024];
    char err[ERR_CAP];
    char name64[65], key128[129];
    memset(name64, 'a', 64);
    name64[64] = '\0';
    memset(key128, 'k', 128);
    key128[128] = '\0';

    snprintf(text, sizeof(text), HDR "run %s acquire\n", name64);
    assert_int_equal(parse_str(text, err), -1);
    assert_string_equal(err, "line 5: bad thread name "
                             "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' (1..63 printable "
                             "ASCII bytes)");
    snprintf(text, sizeof(text), HDR "run c1 acquire %s\n", key128);
    assert_int_equal(parse_str(text, err), -1);
    assert_non_null(strstr(err, "line 5: bad key 'kkkk"));
    assert_non_null(strstr(err, "(1..127 printable ASCII bytes)"));
    key128[127] = '\0'; /* 127 bytes fit */
    snprintf(text, sizeof(text), HDR "run c1 acquire %s\n", key128);
    assert_int_equal(parse_str(text, err), 0);
    name64[63] = '\0';
    snprintf(text, sizeof(text), HDR "crash %s\n", name64);
    assert_int_equal(parse_str(text, err), 0);

    static const error_case cases[] = {
        {HDR "crash c\xc3\xa9\n", "line 5: bad thread or process name 'c?\?' (1..63 printable ASCII bytes)"},
        {HDR "expect violation or\xff\n", "line 5: bad oracle name 'or?' (1..63 printable ASCII bytes)"},
        {"racebed-schedule 1\nscenario \x80\n", "line 2: bad scenario name '?' (1..63 printable ASCII bytes)"},
        {"racebed-schedule 1\nvariant mutant:\n",
         "line 2: bad variant 'mutant:' (expected core or mutant:NAME, at most 63 bytes)"},
        {"racebed-schedule 1\nvariant prod\n",
         "line 2: bad variant 'prod' (expected core or mutant:NAME, at most 63 bytes)"},
        {"racebed-schedule 1\nmodel-only maybe\n", "line 2: bad model-only value 'maybe' (expected yes or no)"},
    };
    check_error_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_sim_schedule_errors_bytes(void **state) {
    (void)state;
    char err[ERR_CAP];
    static const char nul[] = HDR "run c1\0acquire\n";
    assert_int_equal(parse_len(nul, sizeof(nul) - 1, err), -1);
    assert_string_equal(err, "line 5: binary data (byte 0x00 at column 7): not a schedule file");
    assert_int_equal(parse_str(HDR "# \x1b[31m\n", err), -1);
    assert_string_equal(err, "line 5: binary data (byte 0x1b at column 3): not a schedule file");
    assert_int_equal(parse_str(HDR "crash c1\x7f\n", err), -1);
    assert_string_equal(err, "line 5: binary data (byte 0x7f at column 9): not a schedule file");
    assert_int_equal(parse_str(HDR "crash c1\r\r\n", err), -1); /* only one '\r' is dropped */
    assert_string_equal(err, "line 5: binary data (byte 0x0d at column 9): not a schedule file");
    assert_int_equal(parse_str(HDR "expect pass\r", err), -1); /* no '\n' after it */
    assert_string_equal(err, "line 5: binary data (byte 0x0d at column 12): not a schedule file");

    char line[2 * SIM_LINE_MAX];
    memset(line, 0, sizeof(line));
    memcpy(line, HDR "#", strlen(HDR) + 1);
    memset(line + strlen(HDR) + 1, 'x', SIM_LINE_MAX - 1); /* exactly SIM_LINE_MAX bytes */
    assert_int_equal(parse_str(line, err), 0);
    strcat(line, "y\n");
    assert_int_equal(parse_str(line, err), -1);
    assert_string_equal(err, "line 5: line too long (1025 bytes, at most 1024): "
                             "'#xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'");
}

static void test_sim_schedule_bad_seeds_and_params(void **state) {
    (void)state;
    static const error_case cases[] = {
        {"racebed-schedule 1\nseed -1\n", "line 2: bad seed '-1' (an unsigned decimal integer)"},
        {"racebed-schedule 1\nseed +1\n", "line 2: bad seed '+1' (an unsigned decimal integer)"},
        {"racebed-schedule 1\nseed 0x10\n", "line 2: bad seed '0x10' (an unsigned decimal integer)"},
        {"racebed-schedule 1\nseed 18446744073709551616\n",
         "line 2: seed '18446744073709551616' out of range (at most 18446744073709551615)"},
        {"racebed-schedule 1\nseed 99999999999999999999x\n",
         "line 2: bad seed '99999999999999999999x' (an unsigned decimal integer)"},
        {"racebed-schedule 1\nseed\n", "line 2: missing argument after 'seed' (expected seed N)"},
        {"racebed-schedule 1\nparam ttl\n", "line 2: bad param 'ttl' (expected param KEY=VALUE)"},
        {"racebed-schedule 1\nparam =5\n", "line 2: bad param '=5' (expected param KEY=VALUE)"},
        {"racebed-schedule 1\nparam ttl=\n", "line 2: bad param value '' for 'ttl' (a signed decimal 64-bit integer)"},
        {"racebed-schedule 1\nparam ttl=12x\n",
         "line 2: bad param value '12x' for 'ttl' (a signed decimal 64-bit integer)"},
        {"racebed-schedule 1\nparam ttl=-\n",
         "line 2: bad param value '-' for 'ttl' (a signed decimal 64-bit integer)"},
        {"racebed-schedule 1\nparam ttl=9223372036854775808\n",
         "line 2: out of range param value '9223372036854775808' for 'ttl' (a signed decimal "
         "64-bit integer)"},
        {"racebed-schedule 1\nparam ttl=-9223372036854775809\n",
         "line 2: out of range param value '-9223372036854775809' for 'ttl' (a signed decimal "
         "64-bit integer)"},
    };
    check_error_cases(cases, sizeof(cases) / sizeof(cases[0]));

    sim_schedule s;
    char err[ERR_CAP];
    sim_schedule_init(&s);
    static const char limits[] = HDR "param a=9223372036854775807\n"
                                     "param b=-9223372036854775808\n"
                                     "param c=a=1\n";
    assert_int_equal(sim_schedule_parse_buffer(&s, limits, strlen(limits), err, sizeof(err)), -1);
    assert_string_equal(err, "line 7: bad param value 'a=1' for 'c' (a signed decimal 64-bit "
                             "integer)");
    assert_int_equal(s.param_value[0], INT64_MAX);
    assert_int_equal(s.param_value[1], INT64_MIN);
    assert_int_equal(s.seed, 42);
    sim_schedule_free(&s);

    char text[4096] = "racebed-schedule 1\n";
    for (int i = 0; i <= SIM_PARAMS_MAX; i++) {
        snprintf(text + strlen(text), sizeof(text) - strlen(text), "param p%d=%d\n", i, i);
    }
    assert_int_equal(parse_str(text, err), -1);
    char want[128];
    snprintf(want, sizeof(want), "line %d: too many params at 'p%d' (at most %d)", SIM_PARAMS_MAX + 2, SIM_PARAMS_MAX,
             SIM_PARAMS_MAX);
    assert_string_equal(err, want);
    sim_schedule_init(&s);
    static const char top[] = "racebed-schedule 1\nseed 18446744073709551615\nscenario x\n"
                              "variant core";
    assert_int_equal(sim_schedule_parse_buffer(&s, top, strlen(top), err, sizeof(err)), 0);
    assert_int_equal(s.seed, UINT64_MAX);
    sim_schedule_free(&s);
}

/* 'repeat N' follows the decisions (the last N recur: a livelock's cycle), reads back, and is refused out of place. */
static void test_sim_schedule_repeat(void **state) {
    (void)state;
    char err[ERR_CAP];
    static const char ok[] = HDR "run c1 yield spin\nrun c2 yield spin\nrepeat 2\nexpect violation step_bound\n";
    sim_schedule s;
    sim_schedule_init(&s);
    assert_int_equal(sim_schedule_parse_buffer(&s, ok, strlen(ok), err, sizeof(err)), 0);
    assert_int_equal(s.repeat, 2);
    assert_int_equal(s.repeat_line, 7);
    size_t len = 0;
    char *text = sim_schedule_text(&s, NULL, &len);
    assert_non_null(text);
    assert_non_null(strstr(text, "run c2 yield spin\nrepeat 2\nexpect violation step_bound\n"));
    free(text);
    sim_schedule_free(&s);
    assert_int_equal(parse_str(HDR "run c1 yield spin\nrepeat 0\n", err), -1);
    assert_string_equal(err, "line 6: bad repeat '0' (expected 1..1, the decisions above)");
    assert_int_equal(parse_str(HDR "run c1 yield spin\nrepeat 2\n", err), -1);
    assert_string_equal(err, "line 6: bad repeat '2' (expected 1..1, the decisions above)");
    assert_int_equal(parse_str(HDR "run c1 yield spin\nrepeat 1\nrun c2 yield spin\n", err), -1);
    assert_string_equal(err, "line 7: 'run' after the repeat line (line 6): only expect may follow");
    assert_int_equal(parse_str(HDR "run c1 yield spin\nrepeat 1\nrepeat 1\n", err), -1);
    assert_string_equal(err, "line 7: 'repeat' after the repeat line (line 6): only expect may follow");
}

static void test_sim_schedule_empty_file(void **state) {
    (void)state;
    char err[ERR_CAP];
    static const char *const texts[] = {"", "\n", "# only a comment\n\n   \t\n", "  # x"};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        assert_int_equal(parse_str(texts[i], err), -1);
        assert_string_equal(err, "end of file: no 'racebed-schedule 1' line: not a schedule file");
    }
    assert_int_equal(parse_len(NULL, 0, err), -1);
    assert_string_equal(err, "end of file: no 'racebed-schedule 1' line: not a schedule file");
}

static void test_sim_schedule_missing_headers(void **state) {
    (void)state;
    static const error_case cases[] = {
        {"racebed-schedule 1\n", "end of file: missing header lines 'scenario', 'variant', 'seed'"},
        {"racebed-schedule 1\nvariant core\nseed 1\nrun c1 acquire\n", "end of file: missing header line 'scenario'"},
        {"racebed-schedule 1\nscenario s\nseed 1\n", "end of file: missing header line 'variant'"},
        {"racebed-schedule 1\nscenario s\nvariant core\nexpect pass\n", "end of file: missing header line 'seed'"},
        {"racebed-schedule 1\nvariant core\n", "end of file: missing header lines 'scenario', 'seed'"},
    };
    check_error_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* On an error, the schedule keeps what the lines before it gave; a short 'err' is cut safely. */
static void test_sim_schedule_partial_and_short_err(void **state) {
    (void)state;
    sim_schedule s;
    char err[12];
    memset(err, 'z', sizeof(err));
    sim_schedule_init(&s);
    static const char text[] = HDR "run c1 acquire lk:res\nadvance 2s\nadvance soon\n";
    assert_int_equal(sim_schedule_parse_buffer(&s, text, strlen(text), err, sizeof(err)), -1);
    assert_string_equal(err, "line 7: bad");
    assert_int_equal(s.decision_count, 2);
    assert_int_equal(s.decisions[1].duration_ns, 2000000000);
    assert_int_equal(sim_schedule_parse_line(&s, "advance x", 9, 8, NULL, 0), -1);
    assert_int_equal(sim_schedule_parse_line(&s, "", 0, 9, err, sizeof(err)), 0);
    sim_schedule_free(&s);
    assert_int_equal(s.decision_count, 0);
    assert_null(s.decisions);
    sim_schedule_free(NULL);
}

static void test_sim_schedule_duration_table(void **state) {
    (void)state;
    static const struct {
        const char *text;
        int64_t ns;
    } good[] = {
        {"0ns", 0},
        {"0ms", 0},
        {"0s", 0},
        {"7ns", 7},
        {"250us", 250000},
        {"1500ms", 1500000000},
        {"2s", 2000000000},
        {"0002s", 2000000000},
        {"1000000s", INT64_C(1000000000000000)},
        {"1000000000ms", INT64_C(1000000000000000)},
        {"1000000000000000ns", INT64_C(1000000000000000)},
    };
    static const char *const bad[] = {
        "",      "s",        "ms",           "1",
        "1.5s",  "-1s",      "+1s",          "1 s",
        "1S",    "1sec",     "1m",           "1h",
        "1e3",   "1000001s", "1000000001ms", "1000000000000001ns",
        "1e3ms", "ms1",      "1nss",         "99999999999999999999999s",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        int64_t ns = -1;
        assert_int_equal(sim_duration_parse(good[i].text, &ns), 0);
        assert_int_equal(ns, good[i].ns);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t ns = 12345;
        if (sim_duration_parse(bad[i], &ns) != -1) print_error("accepted '%s'\n", bad[i]);
        assert_int_equal(sim_duration_parse(bad[i], &ns), -1);
        assert_int_equal(ns, 12345);
    }
}

static void test_sim_schedule_duration_format(void **state) {
    (void)state;
    static const struct {
        int64_t ns;
        const char *text;
    } table[] = {
        {0, "0ms"},
        {7, "7ns"},
        {1001, "1001ns"},
        {250000, "250us"},
        {1500000000, "1500ms"},
        {2000000000, "2s"},
        {1000001000, "1000001us"},
        {INT64_C(1000000000000000), "1000000s"},
        {-2000000000, "-2s"},
        {-250000, "-250us"},
        {INT64_MIN, "-9223372036854775808ns"},
        {INT64_MAX, "9223372036854775807ns"},
    };
    char buf[64];
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        int n = sim_duration_format(table[i].ns, buf, sizeof(buf));
        assert_string_equal(buf, table[i].text);
        assert_int_equal(n, (int)strlen(table[i].text));
        int64_t back = -1;
        if (table[i].ns >= 0 && table[i].ns <= INT64_C(1000000000000000)) {
            assert_int_equal(sim_duration_parse(buf, &back), 0);
            assert_int_equal(back, table[i].ns);
        }
    }
    assert_int_equal(sim_duration_format(1500000000, buf, 7), 6); /* "1500ms" and its NUL */
    assert_int_equal(sim_duration_format(1500000000, buf, 6), -1);
    assert_int_equal(sim_duration_format(0, buf, 0), -1);
}

static void test_sim_schedule_decision_format(void **state) {
    (void)state;
    char buf[SIM_LINE_MAX];
    sim_decision d = decision(SIM_DEC_RUN, "c1", "acquire", "lk:res", 0, 0);
    assert_int_equal(sim_decision_format(&d, buf, sizeof(buf)), 21);
    assert_string_equal(buf, "run c1 acquire lk:res");
    assert_int_equal(sim_decision_format(&d, buf, 21), -1);
    d = decision(SIM_DEC_WALL, "server", "", "", 0, 0);
    assert_true(sim_decision_format(&d, buf, sizeof(buf)) > 0);
    assert_string_equal(buf, "wall server +0ms");
    d = decision(SIM_DEC_RESTART, "", "", "", 30000000, SIM_RESTART_LOSE_LAST);
    assert_true(sim_decision_format(&d, buf, sizeof(buf)) > 0);
    assert_string_equal(buf, "restart server lose-last 30ms");

    /* Decisions that would not read back unchanged are refused. */
    const sim_decision refused[] = {
        decision(SIM_DEC_ADVANCE, "", "", "", -1, 0),
        decision(SIM_DEC_PAUSE, "c1", "", "", INT64_C(1000000000000001), 0),
        decision(SIM_DEC_WALL, "server", "", "", -INT64_C(1000000000000001), 0),
        decision(SIM_DEC_RUN, "c 1", "acquire", "", 0, 0),
        decision(SIM_DEC_RUN, "c1", "", "", 0, 0),
        decision(SIM_DEC_RUN, "#c1", "acquire", "", 0, 0),
        decision(SIM_DEC_CRASH, "", "", "", 0, 0),
        decision(SIM_DEC_FAULT, "c1", "", "", 0, 0),
        decision(SIM_DEC_RESTART, "server", "", "", 0, 3),
        decision(SIM_DEC_RESTART, "redis2", "", "", 0, SIM_RESTART_LOSE_ALL),
        decision((sim_decision_kind)99, "c1", "", "", 0, 0),
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        if (sim_decision_format(&refused[i], buf, sizeof(buf)) != -1) print_error("case %zu\n", i);
        assert_int_equal(sim_decision_format(&refused[i], buf, sizeof(buf)), -1);
    }
}

/* The writer refuses, before writing a byte, a header or comment that would not read back. */
static void test_sim_schedule_write_refuses(void **state) {
    (void)state;
    sim_schedule s;
    int rc = 0;
    for (int k = 0; k < 8; k++) {
        build_full(&s);
        const char *comment = NULL;
        switch (k) {
        case 0: s.scenario[0] = '\0'; break;
        case 1: snprintf(s.variant, sizeof(s.variant), "mutant"); break;
        case 2: snprintf(s.param_key[0], sizeof(s.param_key[0]), "a=b"); break;
        case 3: snprintf(s.strategy, sizeof(s.strategy), "dfs #2"); break;
        case 4: snprintf(s.tool, sizeof(s.tool), "racebed "); break;
        case 5: comment = "ok\nnot\rok"; break;
        case 6: s.expect_oracle[0] = '\0'; break;
        default: s.expect = (sim_expect_kind)7; break;
        }
        char *text = write_text(&s, comment, &rc);
        if (rc != -1) print_error("case %d\n", k);
        assert_int_equal(rc, -1);
        assert_string_equal(text, "");
        free(text);
        sim_schedule_free(&s);
    }
}

static void test_sim_schedule_set_param_and_append(void **state) {
    (void)state;
    sim_schedule s;
    char key[SIM_NAME_MAX + 1];
    sim_schedule_init(&s);
    assert_int_equal(sim_schedule_set_param(&s, "ttl_ms", 10), 0);
    assert_int_equal(sim_schedule_set_param(&s, "ttl_ms", -20), 0);
    assert_int_equal(s.param_count, 1);
    assert_int_equal(s.param_value[0], -20);
    assert_int_equal(sim_schedule_set_param(&s, "", 1), -1);
    assert_int_equal(sim_schedule_set_param(&s, "a=b", 1), -1);
    memset(key, 'k', SIM_NAME_MAX);
    key[SIM_NAME_MAX] = '\0';
    assert_int_equal(sim_schedule_set_param(&s, key, 1), -1);
    key[SIM_NAME_MAX - 1] = '\0';
    assert_int_equal(sim_schedule_set_param(&s, key, 1), 0);
    for (int i = 2; i < SIM_PARAMS_MAX; i++) {
        snprintf(key, sizeof(key), "p%d", i);
        assert_int_equal(sim_schedule_set_param(&s, key, i), 0);
    }
    assert_int_equal(s.param_count, SIM_PARAMS_MAX);
    assert_int_equal(sim_schedule_set_param(&s, "one_more", 1), -1);
    assert_int_equal(sim_schedule_set_param(&s, "ttl_ms", 5), 0);

    sim_decision d = decision(SIM_DEC_CRASH, "c1", "", "", 0, 0);
    for (int i = 0; i < 17; i++)
        assert_int_equal(sim_schedule_append(&s, &d), 0);
    assert_int_equal(s.decision_count, 17);
    assert_int_equal(s.decision_cap, 32);
    assert_string_equal(s.decisions[16].name, "c1");
    int saved = s.decision_count;
    char err[ERR_CAP];
    s.version = SIM_SCHEDULE_VERSION;
    s.decision_count = SIM_DECISIONS_MAX; /* the cap is checked before any allocation */
    assert_int_equal(sim_schedule_append(&s, &d), -1);
    assert_int_equal(sim_schedule_parse_line(&s, "advance 1s", 10, 99, err, sizeof(err)), -1);
    assert_string_equal(err, "line 99: too many decisions at 'advance' (at most 4000000)");
    s.decision_count = saved;
    sim_schedule_free(&s);
}

/* A 64-bit LCG (Knuth's MMIX constants); 'state' is the whole generator. */
static uint32_t lcg_next(uint64_t *state) {
    *state = *state * 6364136223846793005u + 1442695040888963407u;
    return (uint32_t)(*state >> 33);
}

static int err_is_located(const char *err) {
    return strncmp(err, "line ", 5) == 0 || strncmp(err, "end of file: ", 13) == 0;
}

static void test_sim_schedule_garbage_bytes(void **state) {
    (void)state;
    uint64_t rng = 20240611;
    char buf[600];
    char err[ERR_CAP];
    for (int round = 0; round < 3000; round++) {
        size_t prefix = round % 2 ? strlen(HDR) : 0;
        size_t len = prefix + 64 + lcg_next(&rng) % 400;
        memcpy(buf, HDR, prefix);
        for (size_t i = prefix; i < len; i++)
            buf[i] = (char)(lcg_next(&rng) & 0xff);
        assert_int_equal(parse_len(buf, len, err), -1);
        assert_true(err_is_located(err));
    }
}

/* Near-valid lines: a valid line with one word swapped for a grammar word, or one word added.
 * Whatever parses must write and read back unchanged; whatever does not names its line. */
static size_t garbage_line(uint64_t *rng, char *out, size_t cap) {
    static const char *const lines[] = {
        "run c1 acquire lk:res",
        "run c2 release",
        "advance 1500ms",
        "wall server -250us",
        "pause c1 0ms",
        "crash c2",
        "fault c1 reply-lost",
        "restart server lose-last 2s",
        "restart server lose-all",
        "expect pass",
        "expect violation fencing",
        "param k=-5",
        "strategy pct  depth=3",
        "tool racebed 0.1.0",
        "model-only yes",
        "# comment",
    };
    static const char *const words[] = {
        "run",        "advance", "wall",      "pause",  "crash",    "fault",     "restart",
        "expect",     "pass",    "violation", "server", "lose-all", "lose-last", "reply-lost",
        "conn-error", "c1",      "get",       "lk:res", "1500ms",   "+2s",       "-250us",
        "0ms",        "2x",      "seed",      "k=7",    "#",        "\t",        "",
    };
    char line[128];
    const char *word[8];
    size_t n = 0;
    snprintf(line, sizeof(line), "%s", lines[lcg_next(rng) % (sizeof(lines) / sizeof(lines[0]))]);
    for (char *t = strtok(line, " "); t != NULL && n < 7; t = strtok(NULL, " "))
        word[n++] = t;
    uint32_t mutate = lcg_next(rng) % 6;
    const char *other = words[lcg_next(rng) % (sizeof(words) / sizeof(words[0]))];
    if (mutate < 2) word[lcg_next(rng) % n] = other;
    if (mutate == 2) word[n++] = other;
    size_t len = 0;
    for (size_t w = 0; w < n; w++) {
        len += (size_t)snprintf(out + len, cap - len, "%s%s", w ? " " : "", word[w]);
    }
    out[len++] = '\n';
    return len;
}

static void test_sim_schedule_garbage_words(void **state) {
    (void)state;
    uint64_t rng = 7;
    char text[2048];
    char err[ERR_CAP];
    int parsed = 0;
    int failed = 0;
    for (int round = 0; round < 4000; round++) {
        size_t len = (size_t)snprintf(text, sizeof(text), "%s", HDR);
        int lines = 1 + (int)(lcg_next(&rng) % 6);
        for (int l = 0; l < lines; l++)
            len += garbage_line(&rng, text + len, sizeof(text) - len);
        sim_schedule a, b;
        sim_schedule_init(&a);
        sim_schedule_init(&b);
        if (sim_schedule_parse_buffer(&a, text, len, err, sizeof(err)) != 0) {
            assert_true(err_is_located(err));
            failed++;
        } else {
            int rc = -1;
            char *out = write_text(&a, "fuzzed", &rc);
            assert_int_equal(rc, 0);
            assert_int_equal(sim_schedule_parse_buffer(&b, out, strlen(out), err, sizeof(err)), 0);
            assert_schedule_equal(&a, &b);
            free(out);
            parsed++;
        }
        sim_schedule_free(&a);
        sim_schedule_free(&b);
    }
    print_message("garbage words: %d parsed, %d refused\n", parsed, failed);
    assert_true(parsed > 400); /* both paths were exercised, not only one */
    assert_true(failed > 400);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_schedule_round_trip),
        cmocka_unit_test(test_sim_schedule_round_trip_minimal),
        cmocka_unit_test(test_sim_schedule_fault_words),
        cmocka_unit_test(test_sim_schedule_parse_layout),
        cmocka_unit_test(test_sim_schedule_errors_structure),
        cmocka_unit_test(test_sim_schedule_errors_duplicate_headers),
        cmocka_unit_test(test_sim_schedule_errors_decisions),
        cmocka_unit_test(test_sim_schedule_errors_names),
        cmocka_unit_test(test_sim_schedule_errors_bytes),
        cmocka_unit_test(test_sim_schedule_bad_seeds_and_params),
        cmocka_unit_test(test_sim_schedule_empty_file),
        cmocka_unit_test(test_sim_schedule_missing_headers),
        cmocka_unit_test(test_sim_schedule_partial_and_short_err),
        cmocka_unit_test(test_sim_schedule_duration_table),
        cmocka_unit_test(test_sim_schedule_duration_format),
        cmocka_unit_test(test_sim_schedule_decision_format),
        cmocka_unit_test(test_sim_schedule_write_refuses),
        cmocka_unit_test(test_sim_schedule_set_param_and_append),
        cmocka_unit_test(test_sim_schedule_garbage_bytes),
        cmocka_unit_test(test_sim_schedule_repeat),
        cmocka_unit_test(test_sim_schedule_garbage_words),
        cmocka_unit_test(test_sim_schedule_script_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
