/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli.h: what the `racebed` command line's modules share: the exit codes, the parsed arguments of any command
 * (cli_args, filled from the option table in cli_options.c), the command table, and the file helpers (reading
 * schedule files, the one schedule writer).
 *
 * Invariant: cli/ is the only room that prints (layout.md), and of cli/, cli_report.c prints every line that tools
 * or tests parse; the command modules decide, the report module words.
 * Exit codes: 0 no violation (an exhaustive search: PROVED within its bounds), 1 violation, 2 usage or input error,
 * 3 replay diverged from the file, 4 environment error, 5 an exhaustive search stopped before it covered its bounds
 * (INCOMPLETE: never a proof).
 */
#ifndef RACEBED_SIM_CLI_CLI_H
#define RACEBED_SIM_CLI_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "sim/explore/sim_explore.h"
#include "sim/search/sim_exhaust.h"

enum { EXIT_PASS = 0, EXIT_VIOLATION = 1, EXIT_USAGE = 2, EXIT_DIVERGED = 3, EXIT_ENV = 4, EXIT_INCOMPLETE = 5 };

enum {
    CLI_FILE_MAX = 64 * 1024 * 1024, /* largest schedule or checkpoint file read, bytes */
    CLI_POSITIONAL_MAX = 4096,       /* file or scenario arguments of one command */
    CLI_PARAMS_GIVEN_MAX = 64,       /* scenario parameters given on one command line */
    CLI_PATH_MAX = 1200,             /* longest path racebed builds (under --out), bytes with the NUL */
};

/* The commands, as bits: which commands take an option (cli_option.commands). */
enum {
    CLI_LIST = 1u << 0,
    CLI_RUN = 1u << 1,
    CLI_SWEEP = 1u << 2,
    CLI_REPLAY = 1u << 3,
    CLI_CHECK = 1u << 4,
    CLI_STRESS = 1u << 5,
    CLI_SHRINK = 1u << 6,
    CLI_MERGE = 1u << 7,
    CLI_HELP = 1u << 8,
    CLI_REPORT = 1u << 9,
};

/* A scenario parameter as given: "--param KEY=VALUE" (name NULL) or "--KEY VALUE" (name "--KEY"). */
typedef struct cli_param_given {
    const char *name;
    const char *value;
} cli_param_given;

/* Every command's arguments, in one struct the option table writes into (fields by offset). Strings point into
 * argv. Guarded by: main's thread. */
typedef struct cli_args {
    const struct cli_command *command;
    const char *self;                           /* how racebed was invoked (argv[0]), for commands it prints */
    const char *positional[CLI_POSITIONAL_MAX]; /* arguments that are not options, in order */
    uint64_t given;                             /* bit i: row i of the option table was given */
    int positional_count;
    /* run, sweep */
    sim_config cfg;                  /* the scenario (first positional) and its parameters */
    sim_random_opts opts;            /* the random strategy's options */
    const char *out;                 /* run: --out DIR; shrink: --out FILE */
    const char *variant;             /* --variant */
    int quiet;                       /* --quiet */
    int save_pass;                   /* --save-pass */
    int faults_given;                /* --faults was given */
    int no_shrink;                   /* --no-shrink */
    const char *require_probes_text; /* --require-probes, resolved once the scenario is known */
    unsigned require_probes;         /* its bits, one per probe (built-in, then the scenario's own) */
    unsigned require_checked;        /* its expectations, whose check is required: bit k for the scenario's k-th */
    const char *ignore_oracles;      /* --ignore-oracle LIST */
    int exhaustive;                  /* --strategy exhaustive, or an option that implies it */
    int shard, shards;               /* --shard i/N */
    const char *checkpoint;          /* --checkpoint FILE */
    int preemptions_max;             /* --preemptions-max; -1 none */
    int preemptions_given;           /* it was given */
    sim_reduce reduce;               /* --reduce */
    int shortest;                    /* --shortest */
    int64_t states_max;              /* --states-max */
    int64_t jobs;                    /* --jobs */
    int census;                      /* --census */
    int symmetry;                    /* --symmetry on */
    const char *oracle;              /* --oracle */
    const char *metrics;             /* --metrics FILE (run, sweep, replay) */
    const char *store;               /* --store */
    int points_max;                  /* sweep: --points-max */
    cli_param_given param[CLI_PARAMS_GIVEN_MAX];
    int param_count;
    /* replay */
    int lenient;    /* --lenient */
    int until_step; /* --until */
    /* shrink */
    int64_t replays_max;  /* --replays-max */
    int64_t shrink_execs; /* --shrink-execs: the shrinker's search for a shorter schedule (0: none) */
    /* stress */
    int threads;        /* --threads */
    int64_t iterations; /* --iterations */
    int iterations_given;
    double duration_s;       /* --duration */
    int64_t ttl_ms, work_ms; /* --ttl-ms, --work-ms */
    /* list */
    int verbose;               /* -v */
    int oracles;               /* list --oracles */
    int64_t check_determinism; /* run --check-determinism N (0: off) */
    int asan_build;            /* --asan-build */
    char **argv;               /* the whole command line (a fresh process of --check-determinism gets it again) */
    /* reports */
    int json;             /* --json (run, sweep, replay, check, merge) */
    const char *junit;    /* check: --junit FILE */
    struct cli_json *doc; /* with --json: the document the report functions fill instead of printing (cli_json.h) */
} cli_args;

/* A command: one row of the command table (cli_main.c). */
typedef struct cli_command {
    const char *name;        /* "run" */
    unsigned bit;            /* CLI_RUN */
    const char *args;        /* what follows the name in the synopsis: "SCENARIO [options]" */
    const char *summary;     /* one line for `racebed help` */
    const char *description; /* the paragraph of `racebed help NAME` */
    const char *epilog;      /* printed after the options, or NULL */
    int positional_min;      /* arguments that are not options */
    int positional_max;      /* -1: any number */
    int (*handler)(cli_args *a);
} cli_command;

/* The command table, NULL-terminated, and a lookup by name (NULL if none). */
extern const cli_command cli_commands[];
const cli_command *cli_command_find(const char *name);

/* The command handlers (one file per family). */
int cli_cmd_list(cli_args *a);
int cli_cmd_run(cli_args *a);
int cli_cmd_replay(cli_args *a);
int cli_cmd_check(cli_args *a);
int cli_cmd_shrink(cli_args *a);
int cli_cmd_merge(cli_args *a);
int cli_cmd_stress(cli_args *a);
int cli_cmd_help(cli_args *a);
int cli_cmd_report(cli_args *a);
/* run --check-determinism N: compares this process's executions with a fresh process's, line by line. Returns the
 * exit code. */
int cli_check_determinism(sim_run *run, cli_args *a);
/* The strategy text a schedule header records for 'a''s random run. */
void cli_run_strategy_text(const cli_args *a, char *buf, size_t cap);
/* Replays schedule 'sched_path' ('s' and 'cfg' parsed from it) on 'run' and writes its HTML timeline to 'html_path'.
 * Returns 0, or -1 with a message naming the path in 'err'. */
int cli_html_write(sim_run *run, const char *sched_path, const sim_schedule *s, const sim_config *cfg, int lenient,
                   const char *html_path, char *err, size_t cap);
/* The timeline beside a schedule file a run wrote (FILE.sched -> FILE.html), announced as the run's options say (text
 * unless --quiet; --json: schedule.timeline). Returns 0, or EXIT_ENV after reporting why it could not be written. */
int cli_html_beside(sim_run *run, const cli_args *a, const char *sched_path);

/* ---- files (cli_files.c) ------------------------------------------------------------------------------------ */

/* Reads a whole file into a malloc'd NUL-terminated buffer (at most CLI_FILE_MAX bytes); NULL with 'err' set. */
char *cli_read_file(const char *path, size_t *len, char *err, size_t cap);
/* Loads and resolves a schedule file. Returns 0, or the exit code with the message printed. */
int cli_load_schedule(const char *path, sim_schedule *s, sim_config *cfg);
/* The same, with the message (naming the file) in 'err' instead of printed. */
int cli_load_schedule_err(const char *path, sim_schedule *s, sim_config *cfg, char *err, size_t cap);
/* The one schedule writer: creates directory 'dir' (and its parents) first unless it is NULL, then writes 's' with
 * 'comment' to 'path'. Returns 0, or -1 with "cannot write PATH: why" in 'err'. */
int cli_save_schedule(const char *dir, const char *path, const sim_schedule *s, const char *comment, char *err,
                      size_t cap);
/* 0 if file 'path' can be written the way checkpoints are (through 'path'.tmp and a rename), else -1 with the
 * reason, naming the path, in 'err'. Leaves nothing behind. */
int cli_check_writable(const char *path, char *err, size_t cap);
/* Writes 'len' bytes of 'text' to 'path' through 'path'.tmp and a rename. Returns 0, or -1 with "cannot write PATH:
 * why" in 'err' (nothing left behind). */
int cli_write_file(const char *path, const char *text, size_t len, char *err, size_t cap);
/* Writes the metrics of the execution in 'run' (every process merged) to 'path' in the Prometheus text format,
 * through 'path'.tmp and a rename. Returns 0, or EXIT_ENV with the error printed. */
struct sim_run;
int cli_write_metrics(const struct sim_run *run, const char *path);
/* 'spec' as it may be shown: a redis:// URL's password replaced by "***" ("redis://:***@127.0.0.1:6380/1"). */
void cli_store_redact(const char *spec, char *buf, size_t cap);
/* Opens the --store 'spec' (NULL: none) for command 'cmd'. Returns 0; or, with the message printed (the password
 * never), EXIT_USAGE when 'spec' is wrong and EXIT_ENV when the environment failed. */
struct sim_backend_handle;
int cli_open_store(const char *cmd, const char *spec, struct sim_backend_handle **backend);
/* Maps the run arena; NULL with the message printed. */
sim_run *cli_arena(void);

#endif
