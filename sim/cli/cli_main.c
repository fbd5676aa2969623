/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli_main.c: `racebed`'s entry: the defaults of every command's arguments, and dispatch through the command table
 * (cli_commands.c) after the option table (cli_options.c) has read argv.
 *
 * Invariant: a command runs only with arguments its table rows accept; usage errors exit 2 before anything runs.
 */
#include <stdio.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/cli_json.h"
#include "sim/cli/cli_options.h"
#include "sim/cli/cli_report.h"
#include "sim/explore/sim_progress.h"

/* Every command's defaults, before its options are read. */
static void main_defaults(cli_args *a, const cli_command *c) {
    memset(a, 0, sizeof(*a));
    a->command = c;
    a->opts =
        (sim_random_opts){.seed = 1, .execs_max = 100000, .advance_permille = 50, .fault_permille = 30, .progress = 1};
    a->preemptions_max = 2;
    a->out = c->bit & (CLI_RUN | CLI_SWEEP) ? "racebed-out" : NULL;
    a->replays_max = 500;
    a->shrink_execs = 100000;
    a->work_ms = -1; /* stress: the scenario's default */
}

/* What each exit code means (cli.h), for the --json document. */
static const char *main_exit_meaning(int code) {
    static const char *const meaning[] = {"no violation",    "violation",         "usage or input error",
                                          "replay diverged", "environment error", "incomplete: no proof"};
    return code >= 0 && code < (int)(sizeof(meaning) / sizeof(meaning[0])) ? meaning[code] : "unknown";
}

/* Runs the command with --json: its report functions fill one document instead of printing, and the document is
 * written when it ends, with its exit code (unchanged, unless the document cannot be written: then 4). */
static int main_json(cli_args *a) {
    double t0_s = sim_real_clock_s();
    a->doc = cli_json_new(a->command->name);
    int rc = a->doc ? a->command->handler(a) : EXIT_ENV;
    if (cli_json_write(a->doc, rc, main_exit_meaning(rc), sim_real_clock_s() - t0_s) != 0 && rc == EXIT_PASS)
        rc = EXIT_ENV;
    cli_json_free(a->doc);
    a->doc = NULL;
    return rc;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0); /* a verdict reaches a pipe or a file as soon as it is printed */
    if (argc < 2) {
        cli_help_overview(cli_commands, 1);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) name = "help";
    if (strcmp(name, "--version") == 0) {
        cli_report_text("racebed " RACEBED_VERSION "\n", 0);
        return EXIT_PASS;
    }
    const cli_command *c = cli_command_find(name);
    if (c == NULL) {
        cli_report_error("unknown command '%s'\n", name);
        cli_help_overview(cli_commands, 1);
        return EXIT_USAGE;
    }
    cli_args a; /* about 40 KiB, on main's stack */
    main_defaults(&a, c);
    a.self = argv[0];
    a.argv = argv;
    int rc = cli_parse(&a, argc - 2, argv + 2);
    if (rc != 0) return rc == 1 ? EXIT_PASS : rc;
    return a.json ? main_json(&a) : c->handler(&a);
}
