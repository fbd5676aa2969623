/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli_junit.c: the JUnit XML report (contract in cli_junit.h). The format is the one JUnit's Ant task wrote and CI
 * servers read: <testsuite tests failures errors skipped time>, one <testcase classname name time> each, with a
 * <failure message>, <error message> or <skipped message> child when it did not pass.
 */
#include "sim/cli/cli_junit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void cli_junit_init(cli_junit *j) {
    memset(j, 0, sizeof(*j));
    sim_text_init(&j->cases);
}

void cli_junit_fini(cli_junit *j) {
    if (j == NULL) return;
    sim_text_free(&j->cases);
}

/* The length of the UTF-8 sequence at 'p' (1..4), or 0 if the bytes there do not make one. */
static size_t junit_utf8_len(const unsigned char *p) {
    size_t n = p[0] >= 0xF0 && p[0] <= 0xF4 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 && p[0] <= 0xDF ? 2 : 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80) return 0;
    return n;
}

/* Appends 'text' escaped for an attribute value or element text. */
static void junit_escape(sim_text *t, const char *text) {
    for (const unsigned char *p = (const unsigned char *)text; *p;) {
        size_t n = 1;
        switch (*p) {
        case '&': sim_text_add(t, "&amp;"); break;
        case '<': sim_text_add(t, "&lt;"); break;
        case '>': sim_text_add(t, "&gt;"); break;
        case '"': sim_text_add(t, "&quot;"); break;
        case '\'': sim_text_add(t, "&apos;"); break;
        case '\n': sim_text_add(t, "&#10;"); break;
        case '\t': sim_text_add(t, "&#9;"); break;
        default:
            if (*p < 0x20 || *p == 0x7F) {
                sim_text_add(t, "?");
            } else if (*p < 0x80) {
                sim_text_addn(t, (const char *)p, 1);
            } else if ((n = junit_utf8_len(p)) > 0) {
                sim_text_addn(t, (const char *)p, n);
            } else {
                sim_text_add(t, "?");
                n = 1;
            }
        }
        p += n;
    }
}

void cli_junit_add(cli_junit *j, const char *classname, const char *name, double seconds, cli_junit_outcome outcome,
                   const char *message, const char *detail) {
    static const char *const tags[] = {NULL, "failure", "error", "skipped"};
    sim_text *t = &j->cases;
    j->tests++;
    j->failures += outcome == CLI_JUNIT_FAILURE;
    j->errors += outcome == CLI_JUNIT_ERROR;
    j->skipped += outcome == CLI_JUNIT_SKIPPED;
    j->seconds += seconds;
    sim_text_add(t, "    <testcase classname=\"");
    junit_escape(t, classname);
    sim_text_add(t, "\" name=\"");
    junit_escape(t, name);
    sim_text_add(t, "\" time=\"%.3f\"", seconds);
    if (outcome == CLI_JUNIT_PASSED) {
        sim_text_add(t, "/>\n");
        return;
    }
    sim_text_add(t, ">\n      <%s message=\"", tags[outcome]);
    junit_escape(t, message ? message : "");
    if (detail == NULL) {
        sim_text_add(t, "\"/>\n    </testcase>\n");
        return;
    }
    sim_text_add(t, "\">");
    junit_escape(t, detail);
    sim_text_add(t, "</%s>\n    </testcase>\n", tags[outcome]);
}

char *cli_junit_text(const cli_junit *j, const char *suite, size_t *len) {
    sim_text t;
    sim_text_init(&t);
    sim_text_add(&t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"");
    junit_escape(&t, suite);
    sim_text_add(&t, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%.3f\">\n", j->tests,
                 j->failures, j->errors, j->skipped, j->seconds);
    sim_text_add(&t, "  <testsuite name=\"");
    junit_escape(&t, suite);
    sim_text_add(&t, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%.3f\">\n", j->tests,
                 j->failures, j->errors, j->skipped, j->seconds);
    if (!j->cases.ok) { /* a case was lost: no document rather than a wrong one */
        sim_text_free(&t);
        return NULL;
    }
    if (j->cases.len > 0) sim_text_addn(&t, j->cases.buf, j->cases.len);
    sim_text_add(&t, "  </testsuite>\n</testsuites>\n");
    return sim_text_take(&t, len);
}
