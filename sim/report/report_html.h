/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * report_html.h: one replayed execution as a self-contained HTML page (no network, no external assets): an SVG
 * swimlane per virtual thread, one for the store server and one per lock key, with lease bars by holder (fencing
 * number, TTL deadline, renewals, how each lease ended), fault and time markers, the violating step highlighted with
 * the oracle's words; below it every step as a table row (arguments and replies in full) linked to its line in the
 * listed schedule file. Marks link to their rows and carry their details as hover text.
 *
 * Invariant: the page is a pure function of the timeline and the meta: no time, no addresses. Every string from the
 * run is HTML-escaped. A timeline that dropped steps or ran out of memory says so on the page.
 */
#ifndef RACEBED_SIM_REPORT_REPORT_HTML_H
#define RACEBED_SIM_REPORT_REPORT_HTML_H

#include <stdint.h>

#include "sim/run/sim_text.h"
#include "sim/report/report_timeline.h"

typedef struct report_meta {
    const char *schedule_path; /* the schedule file the run replays */
    const char *schedule_text; /* its text, listed with a line anchor per line (NULL: not listed) */
    const char *scenario;      /* scenario and variant names */
    const char *variant;
    uint64_t seed;
    const char *verdict;      /* the verdict word: VIOLATION, PASS, DIVERGED, STORE ERROR, STOPPED */
    const char *verdict_text; /* the verdict line as the CLI prints it */
    const char *oracle;       /* VIOLATION: the oracle's name, else NULL */
    const char *oracle_doc;   /* what fires it, or NULL */
    int violation_step;       /* VIOLATION: its step, else 0 */
    const char *expect_text;  /* "the schedule expects ...: matches", or NULL */
} report_meta;

/* Appends the page for 't' and 'm' to 'out' (sim_text_init'ed). Returns 0, or -1 when memory ran out. */
int report_html(const report_timeline *t, const report_meta *m, sim_text *out);

#endif
