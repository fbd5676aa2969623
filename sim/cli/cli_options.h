/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli_options.h: the option table. Each option is one row (its name, its argument, the commands that take it, the
 * field it fills, its bounds, its help line); parsing, the errors and every command's help text derive from it, as
 * TigerBeetle's flags.parse derives its CLI from a struct.
 *
 * Invariant: an option a command's help lists is an option that command parses, and the reverse (the help of a
 * command is generated from the rows whose 'commands' include it).
 */
#ifndef RACEBED_SIM_CLI_CLI_OPTIONS_H
#define RACEBED_SIM_CLI_CLI_OPTIONS_H

#include "sim/cli/cli.h"

/* What a run or sweep does, as bits: an option that means nothing to it is refused (cli_option.applies). */
enum {
    CLI_STRATEGY_RANDOM = 1u << 0, /* run: the random or PCT strategy */
    CLI_STRATEGY_SWEEP = 1u << 1,  /* sweep */
    CLI_STRATEGY_NAIVE = 1u << 2,  /* run --strategy exhaustive --reduce none */
    CLI_STRATEGY_DPOR = 1u << 3,   /* --reduce dpor */
    CLI_STRATEGY_HASH = 1u << 4,   /* --reduce hash */
};

/* How a row's argument is read into its field. */
typedef enum cli_kind {
    CLI_FLAG,    /* no argument: the int field becomes 1 */
    CLI_INT,     /* a decimal integer in [min, max] into an int field */
    CLI_I64,     /* the same into an int64_t field */
    CLI_U64,     /* an unsigned decimal integer into a uint64_t field */
    CLI_SECONDS, /* a number > 0 into a double field */
    CLI_TEXT,    /* the argument itself into a const char * field */
    CLI_CUSTOM,  /* the row's parse function reads it */
} cli_kind;

typedef struct cli_option {
    const char *name; /* "--seed" */
    const char *arg;  /* the argument in help ("N", "core|mutant:NAME"), NULL for a flag */
    cli_kind kind;
    unsigned commands; /* CLI_* bits of the commands that take it */
    unsigned hidden;   /* CLI_* bits of commands that take it without listing it in their help */
    unsigned applies;  /* CLI_STRATEGY_* bits of the strategies it means something to; 0: all */
    size_t field;      /* offsetof(cli_args, ...) of the field it fills (not CLI_CUSTOM) */
    int64_t min, max;  /* CLI_INT, CLI_I64 bounds, inclusive */
    /* CLI_CUSTOM: reads 'value' into 'a'; returns 0, or -1 with the message (without the command's prefix) in
     * 'err'. */
    int (*parse)(cli_args *a, const char *value, char *err, size_t cap);
    const char *help; /* one paragraph; wrapped when printed */
} cli_option;

/* The table, terminated by a row with a NULL name. */
extern const cli_option cli_options[];

/* Parses argv[0..argc-1] for command 'a->command' into 'a' (already holding the command's defaults): options by the
 * table, "--help"/"-h", and, for run and sweep, scenario parameters as --param KEY=VALUE or --KEY VALUE (resolved
 * later, when the scenario is known). Returns 0; 1 when help was asked for (printed, exit 0); or an exit code with
 * the message printed. */
int cli_parse(cli_args *a, int argc, char **argv);

/* Refuses an option given to a run or sweep whose strategy it means nothing to ('strategy' one CLI_STRATEGY_* bit),
 * naming the option and what it works with. Returns 0, or EXIT_USAGE with the message printed. */
int cli_check_applies(const cli_args *a, unsigned strategy);

/* Writes the help of command 'c' (synopsis, description, its options from the table, epilog) through the report
 * module's help printer. */
void cli_help_command(const cli_command *c, int to_stderr);
/* Writes the overall usage: every command of the table 'commands' (NULL-name terminated) with its summary. */
void cli_help_overview(const cli_command *commands, int to_stderr);

#endif
