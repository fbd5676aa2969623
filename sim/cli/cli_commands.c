/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli_commands.c: the command table (one row per command: its synopsis, summary, description, positional arguments
 * and handler) and the two commands that only read tables, list and help.
 *
 * Invariant: every command is one row here, and `racebed help`, `racebed help CMD` and `racebed CMD --help` are
 * generated from the rows and the option table.
 */
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/cli_options.h"
#include "sim/cli/cli_report.h"

const cli_command cli_commands[] = {
    {"list", CLI_LIST, "[-v] [--oracles]", "scenarios and variants (-v: with their parameters)",
     "Lists every scenario built into this racebed with its variants (core, mutant:NAME) and what each does. With "
     "--oracles: each oracle with the mutants declared to kill it (its canaries) and the race probes that show its "
     "race was exercised; exit 1 if some mutant declares no oracle.",
     NULL, 0, 0, cli_cmd_list},
    {"run", CLI_RUN, "SCENARIO [options]", "explore executions with the seeded random strategy",
     "Runs executions of SCENARIO under the seeded random strategy until a violation or the budget. Execution i "
     "(0-based) uses seed SEED+i. On a violation, writes the schedule file under --out and prints the command that "
     "replays it.",
     "racebed sweep SCENARIO takes the same options and runs the crash sweep (see racebed help sweep).", 1, 1,
     cli_cmd_run},
    {"replay", CLI_REPLAY, "FILE [options]", "replay a schedule file step by step",
     "Replays a schedule file and prints each step: step, virtual time, thread, op, object, result, the server's "
     "clock, and the lease of each lock key. Exit 1 if an oracle fires (it is named), 0 if none, 3 if the run "
     "diverges from the file (the line is named), 2 if the file is malformed.",
     NULL, 1, 1, cli_cmd_replay},
    {"check", CLI_CHECK, "FILE... [options]", "replay schedule files and assert each recorded verdict (the CI corpus)",
     "Replays each schedule file strictly and checks that the verdict matches its 'expect' line. Exit 0 if every "
     "file matches, 1 if any does not (or diverges), 2 if a file cannot be read or parsed, 4 if the real store "
     "(--store) failed or answered otherwise than the model. Model-only schedules are skipped on a real store.",
     NULL, 1, -1, cli_cmd_check},
    {"sweep", CLI_SWEEP, "SCENARIO [options]",
     "crash sweep: crash at visible operation N for N = 1, 2, ... (run's options)",
     "The crash sweep: execution SEED with the thread about to perform visible operation N crashed instead, for N = "
     "1, 2, ... until an execution ends before N; every oracle is checked in each. Takes run's options.",
     NULL, 1, 1, cli_cmd_run},
    {"stress", CLI_STRESS, "SCENARIO [options]",
     "real pthreads, real clock, real Redis: what a stress test sees (a baseline)",
     "Runs the lock core (or a mutant) on real pthreads against a real Redis with the real clock, as a stress test "
     "does: thundering_herd and rapid_sequential (core, mutant:check_then_set), ttl_expiry (core, "
     "mutant:no_renewal). Only certain violations are reported: two clients between acquire reply and release send "
     "at once, or a guarded counter that lost an update. Prints the first violation seen, or none, and the trials.",
     "Exit codes: 0 none seen, 1 violation, 2 usage, 4 environment (no Redis).", 1, 1, cli_cmd_stress},
    {"shrink", CLI_SHRINK, "FILE [options]", "shrink a failing schedule: fewer decisions, same oracle, strict replay",
     "Shrinks a failing schedule: deletes time and fault decisions one by one, then runs of decisions in halving "
     "chunks, replays each candidate leniently, and keeps it when the same oracle fires and the execution, "
     "re-recorded as a strict schedule, is shorter. The result never grows, keeps the thread names, and replays "
     "strictly. Exit 0 when written, 1 if FILE does not reproduce its violation, 2 on bad input.",
     NULL, 1, 1, cli_cmd_shrink},
    {"merge", CLI_MERGE, "CHECKPOINT...", "combine the shards of an exhaustive search into one verdict",
     "Combines the checkpoints of the shards of one exhaustive search (run --strategy exhaustive --shard i/N "
     "--checkpoint FILE): checks they are the same search and that every shard 0..N-1 is there once, then sums the "
     "executions and violations. Exit 0: complete, no violation; 1: a violation; 2: the files do not make one "
     "search; 5: no violation so far but some shard is incomplete (resume it).",
     NULL, 1, -1, cli_cmd_merge},
    {"report", CLI_REPORT, "FILE... [options]", "an HTML timeline of each schedule file (FILE.html)",
     "Replays each schedule file and writes one self-contained HTML page beside it (FILE.sched -> FILE.html, or "
     "--out/-o PATH for one file): a swimlane per virtual thread, the store server and each lock key; lease bars by "
     "the server's clock with fencing numbers, TTL deadlines and renewals; crashes, pauses, wall steps, restarts, "
     "store faults and time jumps as markers; the violating step highlighted with the oracle's words; every step "
     "with its arguments and reply, linked to its schedule line. A failing run writes one beside each schedule. "
     "Exit 0 when every page is written, 2 if a file cannot be read or parsed, 4 if a page cannot be written.",
     NULL, 1, -1, cli_cmd_report},
    {"help", CLI_HELP, "[COMMAND]", "this text, or a command's options",
     "Prints the list of commands, or the options of COMMAND.", NULL, 0, 1, cli_cmd_help},
    {NULL, 0, NULL, NULL, NULL, NULL, 0, 0, NULL},
};

const cli_command *cli_command_find(const char *name) {
    for (const cli_command *c = cli_commands; c->name; c++)
        if (strcmp(c->name, name) == 0) return c;
    return NULL;
}

int cli_cmd_list(cli_args *a) {
    int code = EXIT_PASS;
    if (a->oracles) return cli_report_oracles() ? EXIT_VIOLATION : EXIT_PASS;
    for (int i = 0; sim_scenarios[i]; i++) {
        char err[512];
        if (sim_scenario_check(sim_scenarios[i], err, sizeof(err)) != 0) {
            cli_report_usage_error("list", "%s", err);
            code = EXIT_USAGE;
            continue;
        }
        cli_report_scenario(sim_scenarios[i], a->verbose);
    }
    if (a->verbose) cli_report_builtin_params();
    return code;
}

int cli_cmd_help(cli_args *a) {
    if (a->positional_count == 0) {
        cli_help_overview(cli_commands, 0);
        return EXIT_PASS;
    }
    const cli_command *c = cli_command_find(a->positional[0]);
    if (c == NULL) {
        cli_report_usage_error("help", "unknown command '%s'", a->positional[0]);
        cli_help_overview(cli_commands, 1);
        return EXIT_USAGE;
    }
    cli_help_command(c, 0);
    return EXIT_PASS;
}
