/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli_report_search.h: the lines of an exhaustive search's report (its summary, its verdict) and of `racebed merge`,
 * worded in one place like the rest of cli_report.h; with --json (a->doc set) their values go into the document.
 *
 * Invariant: the verdict's exit code is decided here, once, for the text and the document alike.
 */
#ifndef RACEBED_SIM_CLI_CLI_REPORT_SEARCH_H
#define RACEBED_SIM_CLI_CLI_REPORT_SEARCH_H

#include "sim/cli/cli.h"

/* The exhaustive search's summary line ("exhaustive (reduce R): ..."), the oracle filter's and the shortest
 * search's lines. */
void cli_report_exhaustive(const cli_args *a, const sim_exhaust_opts *o, const sim_exhaust_result *res);
/* Its verdict: VIOLATION (and the counts with --runs); INCOMPLETE (exit 5) when it stopped before its space did, by
 * a budget or a limit; FAIL (another oracle fired); or PROVED with exactly what it covered and what it did not.
 * Returns the exit code the verdict means (the schedule is written by the caller). */
int cli_report_exhaustive_verdict(const cli_args *a, const sim_exhaust_opts *o, const sim_exhaust_result *res);
/* "merged N shard(s) of S V: ..." and the verdict of the whole: VIOLATION ('violation': "ORACLE: message (shard
 * i)"), PROVED, or INCOMPLETE. */
/* What the shards of a merge add up to. */
typedef struct cli_merge_totals {
    int64_t execs, steps, violations;
    int64_t states, naive; /* searches over states: states stored (summed), naive executions (complete only) */
    int complete;
} cli_merge_totals;
void cli_report_merged(const cli_args *a, int shards, const sim_exhaust_state *first, const cli_merge_totals *t,
                       const char *violation);

#endif
