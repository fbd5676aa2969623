/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli_merge.c: `racebed merge`: the checkpoints of an exhaustive search's shards combined into one verdict.
 *
 * Invariant: a merge is a verdict only when the files are the shards 0..N-1 of one search, each exactly once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/cli_report.h"
#include "sim/cli/cli_report_search.h"

enum { MERGE_SHARDS_MAX = 1024 }; /* shards one merge takes */

/* 1 if checkpoint 'st' belongs to the same search as 'first'. */
static int merge_same_search(const sim_exhaust_state *st, const sim_exhaust_state *first) {
    return strcmp(st->scenario, first->scenario) == 0 && strcmp(st->variant, first->variant) == 0 &&
           st->seed == first->seed && st->config == first->config && st->preemptions_max == first->preemptions_max &&
           st->hash == first->hash && st->shards == first->shards && st->shards <= MERGE_SHARDS_MAX && st->shard >= 0 &&
           st->shard < st->shards && strcmp(st->symmetric, first->symmetric) == 0;
}

int cli_cmd_merge(cli_args *a) {
    sim_exhaust_state first, st;
    cli_merge_totals t = {0, 0, 0, 0, 0, 1};
    int seen[MERGE_SHARDS_MAX] = {0}, code = EXIT_PASS, loaded = 0;
    char report[SIM_NAME_MAX + SIM_MSG_MAX + 32] = "";
    for (int i = 0; i < a->positional_count && code == EXIT_PASS; i++) {
        const char *path = a->positional[i];
        char err[512] = "";
        size_t len = 0;
        char *buf = cli_read_file(path, &len, err, sizeof(err));
        if (buf == NULL || sim_exhaust_state_parse(buf, &st, err, sizeof(err)) != 0) {
            cli_report_usage_error("merge", "%s: %s", path, err);
            free(buf);
            code = EXIT_USAGE;
            break;
        }
        free(buf);
        if (i == 0) first = st;
        loaded = 1;
        int same = merge_same_search(&st, &first);
        if (!same || seen[st.shard]++) {
            cli_report_usage_error("merge", "%s: %s", path,
                                   !same ? "a different search (scenario, variant, seed, parameters, bounds, shard "
                                           "count or --reduce)"
                                         : "this shard was given twice");
            code = EXIT_USAGE;
        }
        t.execs += st.execs;
        t.steps += st.steps;
        t.violations += st.violations;
        t.states += st.states;
        t.naive += st.naive;
        t.complete &= st.complete;
        if (st.violations && report[0] == '\0') snprintf(report, sizeof(report), "%s (shard %d)", st.first, st.shard);
        if (i > 0) sim_exhaust_state_free(&st);
    }
    if (code == EXIT_PASS)
        for (int s = 0; s < first.shards; s++)
            if (!seen[s]) {
                cli_report_usage_error("merge", "shard %d/%d is missing", s, first.shards);
                code = EXIT_USAGE;
            }
    if (code == EXIT_PASS) {
        cli_report_merged(a, a->positional_count, &first, &t, report);
        code = t.violations ? EXIT_VIOLATION : t.complete ? EXIT_PASS : EXIT_INCOMPLETE;
    }
    if (loaded) sim_exhaust_state_free(&first);
    return code;
}
