/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli_junit.h: a JUnit XML report (`racebed check --junit FILE`): test cases collected one by one, then the whole
 * document as text. Pure: the caller writes the text (cli_write_file).
 *
 * Invariant: every attribute and text value is escaped for XML 1.0 (markup characters as entities; control bytes
 * and bytes that do not make UTF-8 as '?'), so the document always parses; the suite's counts are the cases'.
 */
#ifndef RACEBED_SIM_CLI_CLI_JUNIT_H
#define RACEBED_SIM_CLI_CLI_JUNIT_H

#include <stddef.h>

#include "sim/run/sim_text.h"

typedef enum cli_junit_outcome {
    CLI_JUNIT_PASSED,
    CLI_JUNIT_FAILURE, /* the test ran and did not match: <failure> */
    CLI_JUNIT_ERROR,   /* the test could not run as asked (unreadable, the store failed): <error> */
    CLI_JUNIT_SKIPPED, /* <skipped> */
} cli_junit_outcome;

/* The cases so far. Guarded by: main's thread. */
typedef struct cli_junit {
    sim_text cases; /* the <testcase> elements, in order */
    int tests, failures, errors, skipped;
    double seconds; /* the cases' times, summed, s */
} cli_junit;

void cli_junit_init(cli_junit *j);
void cli_junit_fini(cli_junit *j);
/* Adds a test case 'classname'.'name' that took 'seconds'. With an outcome other than passed, 'message' (one line)
 * goes into the element's message attribute and 'detail' (may be NULL) into its text. Strings are copied. */
void cli_junit_add(cli_junit *j, const char *classname, const char *name, double seconds, cli_junit_outcome outcome,
                   const char *message, const char *detail);
/* The document: <testsuites> holding one <testsuite name='suite'> with the cases. Malloc'd, NUL-terminated, length
 * in 'len' (the caller frees it); NULL when out of memory. */
char *cli_junit_text(const cli_junit *j, const char *suite, size_t *len);

#endif
