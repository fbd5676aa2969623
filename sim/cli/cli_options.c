/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli_options.c: the option table, the parser that reads argv by it, and the help texts it generates (contract in
 * cli_options.h). To add an option: add its field to cli_args (cli.h) and one row here; parsing, its errors and
 * the help of every command that takes it follow.
 */
#include "sim/cli/cli_options.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli_report.h"
#include "sim/explore/sim_faults.h"
#include "sim/run/sim_text.h"

enum {
    HELP_WIDTH = 114, /* columns of a help line */
    HELP_COLUMN = 31, /* where an option's help text starts */
};

#define RUNS (CLI_RUN | CLI_SWEEP)
#define S_RANDOM CLI_STRATEGY_RANDOM
#define S_SWEEP CLI_STRATEGY_SWEEP
#define S_NAIVE CLI_STRATEGY_NAIVE
#define S_HASH CLI_STRATEGY_HASH
#define S_EXH (CLI_STRATEGY_NAIVE | CLI_STRATEGY_DPOR | CLI_STRATEGY_HASH)
#define F(member) offsetof(cli_args, member)

/* ---- custom readers --------------------------------------------------------------------------------------------- */

static int opt_i64(const char *s, int64_t *out) {
    if (s == NULL || *s == '\0') return -1;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0') return -1;
    *out = v;
    return 0;
}

static int opt_strategy(cli_args *a, const char *v, char *err, size_t cap) {
    int64_t d = 0;
    if (strcmp(v, "random") == 0)
        a->opts.pct_depth = 0;
    else if (strcmp(v, "exhaustive") == 0)
        a->exhaustive = 1;
    else if (strncmp(v, "pct:", 4) == 0 && opt_i64(v + 4, &d) == 0 && d >= 1 && d <= SIM_PCT_DEPTH_MAX)
        a->opts.pct_depth = (int)d;
    else {
        snprintf(err, cap, "--strategy must be random, exhaustive or pct:D with D in 1..%d", SIM_PCT_DEPTH_MAX);
        return -1;
    }
    return 0;
}

static int opt_reduce(cli_args *a, const char *v, char *err, size_t cap) {
    if (strcmp(v, "none") == 0)
        a->reduce = SIM_REDUCE_NONE;
    else if (strcmp(v, "dpor") == 0)
        a->reduce = SIM_REDUCE_DPOR;
    else if (strcmp(v, "hash") == 0)
        a->reduce = SIM_REDUCE_HASH;
    else {
        snprintf(err, cap, "--reduce must be none, dpor or hash (got '%s')", v);
        return -1;
    }
    a->exhaustive = 1;
    return 0;
}

static int opt_shortest(cli_args *a, const char *v, char *err, size_t cap) {
    (void)v, (void)err, (void)cap;
    a->shortest = a->exhaustive = 1;
    return 0;
}

static int opt_symmetry(cli_args *a, const char *v, char *err, size_t cap) {
    if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0) {
        snprintf(err, cap, "--symmetry must be on or off (got '%s')", v);
        return -1;
    }
    a->symmetry = strcmp(v, "on") == 0;
    return 0;
}

static int opt_oracle(cli_args *a, const char *v, char *err, size_t cap) {
    (void)err, (void)cap;
    a->oracle = v;
    a->exhaustive = 1;
    return 0;
}

static int opt_shard(cli_args *a, const char *v, char *err, size_t cap) {
    int si = 0, sn = 0;
    char tail = 0;
    if (sscanf(v, "%d/%d%c", &si, &sn, &tail) != 2 || sn < 1 || sn > 100000 || si < 0 || si >= sn) {
        snprintf(err, cap, "--shard needs i/N with 0 <= i < N (got '%s')", v);
        return -1;
    }
    a->shard = si;
    a->shards = sn;
    return 0;
}

static int opt_preemptions(cli_args *a, const char *v, char *err, size_t cap) {
    int64_t n = -1;
    if (strcmp(v, "none") != 0 && (opt_i64(v, &n) != 0 || n < 0 || n > 1000)) {
        snprintf(err, cap, "bad value '%s' for --preemptions-max", v);
        return -1;
    }
    a->preemptions_max = (int)n;
    a->preemptions_given = 1;
    return 0;
}

static int opt_runs(cli_args *a, const char *v, char *err, size_t cap) {
    int64_t n = 0;
    if (opt_i64(v, &n) != 0 || n < 1) {
        snprintf(err, cap, "bad value '%s' for --runs", v);
        return -1;
    }
    a->opts.execs_max = n;
    a->opts.keep_going = 1;
    return 0;
}

static int opt_faults(cli_args *a, const char *v, char *err, size_t cap) {
    char why[512];
    a->faults_given = 1;
    if (sim_faults_parse(v, &a->opts.faults, why, sizeof(why)) != 0) {
        snprintf(err, cap, "--faults: %s", why);
        return -1;
    }
    return 0;
}

static int opt_param(cli_args *a, const char *v, char *err, size_t cap) {
    if (strchr(v, '=') == NULL) {
        snprintf(err, cap, "--param needs KEY=VALUE");
        return -1;
    }
    if (a->param_count == CLI_PARAMS_GIVEN_MAX) {
        snprintf(err, cap, "more than %d parameters given", CLI_PARAMS_GIVEN_MAX);
        return -1;
    }
    a->param[a->param_count++] = (cli_param_given){NULL, v};
    return 0;
}

static int opt_iterations(cli_args *a, const char *v, char *err, size_t cap) {
    int64_t n = 0;
    if (opt_i64(v, &n) != 0 || n < 0) {
        snprintf(err, cap, "bad value '%s' for --iterations", v);
        return -1;
    }
    a->iterations = n;
    a->iterations_given = 1;
    return 0;
}

/* ---- the table -------------------------------------------------------------------------------------------------- */

const cli_option cli_options[] = {
    {"--variant", "core|mutant:NAME", CLI_TEXT, RUNS | CLI_STRESS, 0, 0, F(variant), 0, 0, NULL,
     "protocol to run (default core; see `racebed list`)"},
    {"--strategy", "random|pct:D|exhaustive", CLI_CUSTOM, RUNS, 0, 0, 0, 0, 0, opt_strategy,
     "uniform random thread choice (default); PCT with depth D (priorities and D-1 change points; prints its "
     "probability bound); or every execution within the bounds, depth first, a proof within them when it completes. "
     "Bounds: --preemptions-max, and the scenario parameters advances_max (time advances), wall_steps_max (forward "
     "server wall steps), restarts_max (lose-all restarts), crashes_max and pauses_max, which each scenario sets in "
     "its own table (racebed list -v)"},
    {"--reduce", "none|dpor|hash", CLI_CUSTOM, RUNS, 0, S_EXH, 0, 0, 0, opt_reduce,
     "with exhaustive (implies it): none enumerates every path by replay (default; shards and checkpoints need it); "
     "dpor: source-DPOR with sleep sets over the ops' footprints, every preemption explored; hash: depth first over "
     "states, a 128-bit fingerprint of the whole simulated state per decision point, a visited set, snapshot and "
     "restore (model store only). Each finds the same terminal outcomes and violations as none, in fewer executions"},
    {"--preemptions-max", "N|none", CLI_CUSTOM, RUNS, 0, S_EXH, 0, 0, 0, opt_preemptions,
     "with exhaustive: at most N preemptions (running another thread while the last one could go on) per execution "
     "(default 2 with --reduce none, no bound with dpor and hash; 'none' for no bound)"},
    {"--shortest", NULL, CLI_CUSTOM, RUNS, 0, S_EXH, 0, 0, 0, opt_shortest,
     "with exhaustive (implies it): the violation reported is a shortest one in decisions. --reduce hash: one search "
     "over states that lowers its depth bound below each violation it finds (a search that stops early reports the "
     "shortest found so far, not proved shortest); none, dpor, or hash with --jobs: iterative deepening (depth 1, "
     "2, ...)"},
    {"--oracle", "NAME", CLI_CUSTOM, RUNS, 0, S_EXH, 0, 0, 0, opt_oracle,
     "with exhaustive (implies it): only violations of this oracle count and stop the search; others end their "
     "paths (with --shortest: a shortest run to that race)"},
    {"--states-max", "N", CLI_I64, RUNS, 0, S_HASH, F(states_max), 1, INT64_C(1) << 34, NULL,
     "with --reduce hash: visited-set capacity (default 67108864 states, 24 bytes each, up to 3/4 full); a full set "
     "ends the search INCOMPLETE (exit 5)"},
    {"--jobs", "N", CLI_I64, RUNS, 0, S_HASH, F(jobs), 1, 64, NULL,
     "with --reduce hash: N worker processes on this host share one visited set (default 1); the verdict and the "
     "state count are a search's alone, the counterexample reported is the first any worker found"},
    {"--symmetry", "on|off", CLI_CUSTOM, RUNS, 0, S_HASH, 0, 0, 0, opt_symmetry,
     "with --reduce hash: on stores a state once for all the renamings of the clients the scenario declares "
     "interchangeable (spin_anchor's c1..cN), so the search visits up to N! times fewer states; it draws ids "
     "(entropy=ids: tokens name their thread, jitter fixed), and the verdict says \"up to symmetry of c1..cN "
     "(declared)\". A state holding what is not renamed (a task, an env mutex, a WATCH, ...) is stored plainly. "
     "Default off"},
    {"--census", NULL, CLI_FLAG, RUNS, 0, S_HASH, F(census), 0, 0, NULL,
     "with --reduce hash (one worker): after the search, what tells its states apart: for each class of the state "
     "(time, bound counts, entropy, heap allocator, thread rows, pending ops, oracle tables, store, connections, op "
     "log, heap, stacks, ...) the states left if that class were ignored, and the stack words that differed most "
     "between states equal but for their stacks (thread, distance from the top, two values, the frame's caller). A "
     "measurement for choosing the next reduction, not a reduction: the search and its verdict are unchanged; a few "
     "times slower, 24 bytes a state per class"},
    {"--shard", "i/N", CLI_CUSTOM, RUNS, 0, S_NAIVE | S_HASH, 0, 0, 0, opt_shard,
     "with exhaustive (none or hash): search only shard i of N (0-based): the paths whose first options hash to i; "
     "the N shards' union is the whole search (run them on many hosts; with hash, shards store states twice where "
     "their paths meet, and merge reports by how much)"},
    {"--checkpoint", "FILE", CLI_TEXT, RUNS, 0, S_NAIVE | S_HASH, F(checkpoint), 0, 0, NULL,
     "with exhaustive (none or hash): save progress to FILE (every 1000 executions and at the end, by a temporary "
     "file and a rename); none resumes from it; hash reports a completed search it holds and otherwise starts over "
     "(its visited set is not saved); racebed merge combines shards' files into one verdict"},
    {"--seed", "N", CLI_U64, RUNS, 0, 0, F(opts.seed), 0, 0, NULL, "first execution's seed (default 1)"},
    {"--budget-execs", "N", CLI_I64, RUNS, 0, 0, F(opts.execs_max), 1, INT64_MAX, NULL,
     "at most N executions (default 100000)"},
    {"--runs", "N", CLI_CUSTOM, RUNS, 0, 0, 0, 0, 0, opt_runs,
     "run exactly N executions, counting every violation (no stop at the first)"},
    {"--budget", "SECONDS", CLI_SECONDS, RUNS, 0, 0, F(opts.seconds_max), 0, 0, NULL,
     "also stop after this much real time, any strategy (an exhaustive search then says INCOMPLETE; interactive "
     "use: CI should use execs)"},
    {"--out", "DIR", CLI_TEXT, RUNS, 0, 0, F(out), 0, 0, NULL, "where schedule files go (default racebed-out)"},
    {"--store", "model|redis|URL", CLI_TEXT, RUNS, 0, 0, F(store), 0, 0, NULL,
     "where store ops go: the model (default); redis: a redis-server racebed starts and owns, on the simulated "
     "clock; redis://127.0.0.1:PORT[/DB]: an external one (an empty db; its own clock: TTLs left are compared within "
     "the clocks' drift, and a lease that runs out in simulated time only is a difference). The model runs in "
     "lockstep, each thread's commands on its own connection; a different reply or a real timeout stops the run "
     "with exit 4"},
    {"--advance-permille", "N", CLI_INT, RUNS, 0, S_RANDOM | S_SWEEP, F(opts.advance_permille), 0, 1000, NULL,
     "chance of a time-advance decision per step, per mille (default 50)"},
    {"--faults", "LIST", CLI_CUSTOM, RUNS, 0, 0, 0, 0, 0, opt_faults,
     "inject faults: all, none, or a comma list of crash, pause, wall-step, restart, reply-lost, conn-error, "
     "late-timeout (at "
     "most --faults-max per execution, default 2)"},
    {"--fault-permille", "N", CLI_INT, RUNS, 0, S_RANDOM | S_SWEEP, F(opts.fault_permille), 0, 1000, NULL,
     "chance of a fault decision per step, per mille (default 30)"},
    {"--param", "KEY=VALUE", CLI_CUSTOM, RUNS, 0, 0, 0, 0, 0, opt_param,
     "set a scenario parameter; also --KEY VALUE (dashes or underscores)"},
    {"--check-determinism", "N", CLI_I64, RUNS, 0, S_RANDOM, F(check_determinism), 1, 100000, NULL,
     "re-run executions SEED..SEED+N-1 in a fresh process and compare every decision and trace line (exit 1 on the "
     "first difference, named)"},
    {"--asan-build", NULL, CLI_FLAG, RUNS, 0, S_RANDOM, F(asan_build), 0, 0, NULL,
     "with --check-determinism: the fresh process is the sanitizer build (build-asan/racebed)"},
    {"--save-pass", NULL, CLI_FLAG, RUNS, 0, S_RANDOM, F(save_pass), 0, 0, NULL,
     "with no violation, write the last execution's schedule ('expect pass')"},
    {"--no-shrink", NULL, CLI_FLAG, RUNS, 0, S_RANDOM | S_SWEEP, F(no_shrink), 0, 0, NULL,
     "write the failing execution as found (default: shrunk, see racebed shrink)"},
    {"--shrink-execs", "N", CLI_I64, RUNS | CLI_SHRINK, 0, S_RANDOM | S_SWEEP, F(shrink_execs), 0, INT64_C(1) << 40,
     NULL,
     "after deleting decisions, the shrinker searches for a shorter schedule of the same oracle (shortest first, "
     "over states, model store only) within N executions (default 100000; 0: no search)"},
    {"--require-probes", "LIST|all|race", CLI_TEXT, RUNS, 0, 0, F(require_probes_text), 0, 0, NULL,
     "fail (exit 1) if a coverage probe was never reached: ttl_expired_in_cs, stale_release, clear_while_held, "
     "wall_step_during_hold, wait_on_crashed_holder, renewal_racing_expiry, fence_refused; race: the ones the "
     "scenario declares for its race class (racebed list -v); a scenario's own probes too; an expectation's name: some "
     "execution must have checked it"},
    {"--ignore-oracle", "LIST", CLI_TEXT, RUNS, 0, 0, F(ignore_oracles), 0, 0, NULL,
     "violations of these oracles (a comma list) become notes and the run goes on: to look past one bug for its "
     "consequences. After an ignored lease_safety event the ghost lease is the newer grant's"},
    {"--process", NULL, CLI_FLAG, RUNS, CLI_RUN, S_SWEEP, F(opts.crash_process), 0, 0, NULL,
     "crash the whole process of the thread instead of the thread"},
    {"--points-max", "N", CLI_INT, RUNS, CLI_RUN, S_SWEEP, F(points_max), 1, 100000000, NULL,
     "at most N crash points (default: steps_max)"},
    {"--hash", NULL, CLI_FLAG, RUNS, 0, S_RANDOM | S_SWEEP, F(opts.hash), 0, 0, NULL,
     "print hashes of the decision stream and the trace (determinism checks)"},
    {"--quiet", NULL, CLI_FLAG, RUNS, 0, 0, F(quiet), 0, 0, NULL, "print only the verdict line"},
    {"--metrics", "FILE", CLI_TEXT, RUNS, 0, S_RANDOM | S_SWEEP, F(metrics), 0, 0, NULL,
     "write the lock metrics of the reported execution (the one whose schedule is written; with none written, the "
     "last one run), every process summed, to FILE in the Prometheus text format"},
    {"--until", "STEP", CLI_INT, CLI_REPLAY, 0, 0, F(until_step), 1, INT32_MAX, NULL, "stop after STEP decisions"},
    {"--out", "FILE", CLI_TEXT, CLI_REPORT, 0, 0, F(out), 0, 0, NULL,
     "where the page goes (one schedule file only; default FILE.html beside FILE.sched)"},
    {"-o", "FILE", CLI_TEXT, CLI_REPORT, 0, 0, F(out), 0, 0, NULL, "the same as --out"},
    {"--lenient", NULL, CLI_FLAG, CLI_REPORT, 0, 0, F(lenient), 0, 0, NULL,
     "an invalid decision falls back to the seeded default (as replay --lenient)"},
    {"--lenient", NULL, CLI_FLAG, CLI_REPLAY, 0, 0, F(lenient), 0, 0, NULL,
     "on a decision that does not fit the run, go on with a seeded default; the exit code is the verdict's"},
    {"--quiet", NULL, CLI_FLAG, CLI_REPLAY, 0, 0, F(quiet), 0, 0, NULL, "no step trace"},
    {"--metrics", "FILE", CLI_TEXT, CLI_REPLAY, 0, 0, F(metrics), 0, 0, NULL,
     "write the lock metrics of the replayed execution, every process summed, to FILE in the Prometheus text format"},
    {"--hash", NULL, CLI_FLAG, CLI_REPLAY, 0, 0, F(opts.hash), 0, 0, NULL,
     "print the decision-stream and trace hashes (equal to `run --hash` of that one execution)"},
    {"--store", "model|redis|URL", CLI_TEXT, CLI_REPLAY | CLI_CHECK, 0, 0, F(store), 0, 0, NULL,
     "send the store ops to a real Redis too (see racebed run --help); exit 4 if it answers otherwise than the "
     "model, times out, or the schedule is model-only (check skips model-only schedules)"},
    {"--out", "FILE", CLI_TEXT, CLI_SHRINK, 0, 0, F(out), 0, 0, NULL,
     "where the shrunk schedule goes (default: FILE with .sched replaced by .shrunk.sched)"},
    {"--replays-max", "N", CLI_I64, CLI_SHRINK, 0, 0, F(replays_max), 1, 1000000, NULL,
     "at most N candidate replays (default 500)"},
    {"--store", "redis|URL", CLI_TEXT, CLI_STRESS, 0, 0, F(store), 0, 0, NULL,
     "redis (default): a redis-server racebed starts and owns; redis://127.0.0.1:PORT[/DB]: an external one"},
    {"--threads", "N", CLI_INT, CLI_STRESS, 0, 0, F(threads), 1, 1000, NULL, "clients (default 5; ttl_expiry 3)"},
    {"--iterations", "N", CLI_CUSTOM, CLI_STRESS, 0, 0, 0, 0, 0, opt_iterations,
     "rounds (default 20; ttl_expiry 4); 0 with --duration: until the duration"},
    {"--duration", "SECONDS", CLI_SECONDS, CLI_STRESS, 0, 0, F(duration_s), 0, 0, NULL,
     "stop after this much real time (alone: instead of the iterations)"},
    {"--ttl-ms", "N", CLI_I64, CLI_STRESS, 0, 0, F(ttl_ms), 1, 86400000, NULL,
     "the lock's TTL, ms (default 2000; ttl_expiry 300)"},
    {"--work-ms", "N", CLI_I64, CLI_STRESS, 0, 0, F(work_ms), 0, 86400000, NULL,
     "work in the critical section, ms (default 20; ttl_expiry 600)"},
    {"-v", NULL, CLI_FLAG, CLI_LIST, 0, 0, F(verbose), 0, 0, NULL, "with each scenario's parameters and defaults"},
    {"--oracles", NULL, CLI_FLAG, CLI_LIST, 0, 0, F(oracles), 0, 0, NULL,
     "each oracle with the mutants that kill it and the probes that show its race ran"},
    {"--json", NULL, CLI_FLAG, RUNS | CLI_REPLAY | CLI_CHECK | CLI_MERGE, 0, 0, F(json), 0, 0, NULL,
     "write one JSON document to stdout instead of the text: the verdict (the text's word), what was run, the counts, "
     "the violation and the schedule written, the probes, the exit code and the elapsed seconds (replay: no step "
     "trace; schema: reports/schema/racebed-result.schema.json); errors stay on stderr"},
    {"--junit", "FILE", CLI_TEXT, CLI_CHECK, 0, 0, F(junit), 0, 0, NULL,
     "also write a JUnit XML report to FILE: one testcase per schedule (classname: its scenario), a failure when its "
     "verdict does not match its expect line, an error when it cannot be read, skipped when model-only (exit 4 if FILE "
     "cannot be written)"},
    {NULL, NULL, CLI_FLAG, 0, 0, 0, 0, 0, 0, NULL, NULL},
};

/* ---- parsing ---------------------------------------------------------------------------------------------------- */

static const cli_option *options_find(const char *name, unsigned command) {
    for (const cli_option *o = cli_options; o->name; o++)
        if ((o->commands & command) && strcmp(o->name, name) == 0) return o;
    return NULL;
}

/* Reads 'value' into the row's field. Returns 0, or -1 with the message in 'err'. */
static int options_apply(cli_args *a, const cli_option *o, const char *value, char *err, size_t cap) {
    char *field = (char *)a + o->field;
    int64_t n = 0;
    switch (o->kind) {
    case CLI_FLAG: *(int *)field = 1; return 0;
    case CLI_TEXT: *(const char **)field = value; return 0;
    case CLI_CUSTOM: return o->parse(a, value, err, cap);
    case CLI_INT:
    case CLI_I64:
        if (opt_i64(value, &n) != 0 || n < o->min || n > o->max) break;
        if (o->kind == CLI_INT)
            *(int *)field = (int)n;
        else
            *(int64_t *)field = n;
        return 0;
    case CLI_U64: {
        char *end = NULL;
        errno = 0;
        unsigned long long u = value[0] == '-' ? 0 : strtoull(value, &end, 10);
        if (value[0] == '\0' || value[0] == '-' || errno != 0 || *end != '\0') break;
        *(uint64_t *)field = u;
        return 0;
    }
    case CLI_SECONDS: {
        char *end = NULL;
        double d = strtod(value, &end);
        if (value[0] == '\0' || *end != '\0' || !(d > 0)) break;
        *(double *)field = d;
        return 0;
    }
    }
    snprintf(err, cap, "bad value '%s' for %s", value, o->name);
    return -1;
}

/* An option not in the table: for run and sweep, "--KEY VALUE" may be a scenario parameter (checked once the
 * scenario is known). Returns 1 if taken. */
static int options_maybe_param(cli_args *a, const char *name, const char *value) {
    if (!(a->command->bit & RUNS) || name[1] != '-' || value == NULL) return 0;
    if (a->param_count == CLI_PARAMS_GIVEN_MAX) return 0;
    a->param[a->param_count++] = (cli_param_given){name, value};
    return 1;
}

int cli_parse(cli_args *a, int argc, char **argv) {
    const cli_command *c = a->command;
    assert(sizeof(cli_options) / sizeof(cli_options[0]) <= 64 && "cli_args.given has a bit per row");
    char err[600];
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            cli_help_command(c, 0);
            return 1;
        }
        if (arg[0] != '-' || arg[1] == '\0') {
            if (a->positional_count == CLI_POSITIONAL_MAX) {
                cli_report_usage_error(c->name, "more than %d arguments", CLI_POSITIONAL_MAX);
                return EXIT_USAGE;
            }
            a->positional[a->positional_count++] = arg;
            continue;
        }
        const cli_option *o = options_find(arg, c->bit);
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (o == NULL) {
            if (options_maybe_param(a, arg, value)) {
                i++;
                continue;
            }
            cli_report_usage_error(c->name, "unknown option '%s' (see racebed %s --help%s)", arg, c->name,
                                   c->bit & RUNS ? "; a scenario's parameters: racebed list -v" : "");
            return EXIT_USAGE;
        }
        if (o->kind != CLI_FLAG && !(o->kind == CLI_CUSTOM && o->arg == NULL)) {
            if (value == NULL) {
                cli_report_usage_error(c->name, "%s needs a value (see racebed %s --help)", arg, c->name);
                return EXIT_USAGE;
            }
            i++;
        } else {
            value = NULL;
        }
        if (options_apply(a, o, value, err, sizeof(err)) != 0) {
            cli_report_usage_error(c->name, "%s", err);
            return EXIT_USAGE;
        }
        a->given |= UINT64_C(1) << (o - cli_options);
    }
    if (a->positional_count < c->positional_min) {
        cli_help_command(c, 1);
        return EXIT_USAGE;
    }
    if (c->positional_max >= 0 && a->positional_count > c->positional_max) {
        cli_report_usage_error(c->name, "unexpected argument '%s' (see racebed %s --help)",
                               a->positional[c->positional_max], c->name);
        return EXIT_USAGE;
    }
    return 0;
}

/* The strategies named in 'bits', for a message. */
static void options_strategies_text(unsigned bits, char *buf, size_t cap) {
    static const char *const names[] = {"the random strategy", "a crash sweep", "--strategy exhaustive --reduce none",
                                        "--strategy exhaustive --reduce dpor", "--strategy exhaustive --reduce hash"};
    size_t n = 0;
    buf[0] = '\0';
    if ((bits & S_EXH) == S_EXH) {
        n += (size_t)snprintf(buf, cap, "--strategy exhaustive");
        bits &= ~(unsigned)S_EXH;
    }
    for (int i = 0; i < 5 && n < cap; i++)
        if (bits >> i & 1u) n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? " or " : "", names[i]);
}

int cli_check_applies(const cli_args *a, unsigned strategy) {
    for (const cli_option *o = cli_options; o->name; o++) {
        if (!(a->given >> (o - cli_options) & 1u) || o->applies == 0 || (o->applies & strategy)) continue;
        char with[160], here[160];
        options_strategies_text(o->applies, with, sizeof(with));
        options_strategies_text(strategy, here, sizeof(here));
        cli_report_usage_error(a->command->name, "%s means nothing to %s: it works with %s only", o->name, here, with);
        return EXIT_USAGE;
    }
    return 0;
}

/* ---- help ------------------------------------------------------------------------------------------------------- */

/* Appends 'text' wrapped at HELP_WIDTH, every line indented by 'indent' columns except the first, which continues
 * at column 'at' (<= indent: padded to indent; past it: a new line first). */
static void help_wrap(sim_text *t, const char *text, int at, int indent) {
    int col = at;
    if (col > indent) {
        sim_text_add(t, "\n");
        col = 0;
    }
    sim_text_add(t, "%*s", indent - col, "");
    col = indent;
    int line_empty = 1;
    for (const char *p = text; *p;) {
        if (*p == '\n') { /* a paragraph break kept as written */
            sim_text_add(t, "\n");
            p++;
            if (*p == '\n') {
                sim_text_add(t, "\n");
                p++;
            }
            sim_text_add(t, "%*s", indent, "");
            col = indent;
            line_empty = 1;
            continue;
        }
        size_t n = strcspn(p, " \n");
        if (!line_empty && col + 1 + (int)n > HELP_WIDTH) {
            sim_text_add(t, "\n%*s", indent, "");
            col = indent;
            line_empty = 1;
        }
        if (!line_empty) {
            sim_text_add(t, " ");
            col++;
        }
        sim_text_addn(t, p, n);
        col += (int)n;
        line_empty = 0;
        p += n;
        while (*p == ' ')
            p++;
    }
    sim_text_add(t, "\n");
}

void cli_help_command(const cli_command *c, int to_stderr) {
    sim_text t;
    sim_text_init(&t);
    sim_text_add(&t, "usage: racebed %s %s\n\n", c->name, c->args);
    help_wrap(&t, c->description, 0, 0);
    int any = 0;
    for (const cli_option *o = cli_options; o->name; o++) {
        if (!(o->commands & c->bit) || (o->hidden & c->bit)) continue;
        if (!any) sim_text_add(&t, "\noptions:\n");
        any = 1;
        char head[96];
        int n = snprintf(head, sizeof(head), "  %s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        sim_text_add(&t, "%s", head);
        help_wrap(&t, o->help, n + 1 < HELP_COLUMN ? n : HELP_COLUMN + 1, HELP_COLUMN);
    }
    if (c->epilog) {
        sim_text_add(&t, "\n");
        help_wrap(&t, c->epilog, 0, 0);
    }
    cli_report_text(t.buf ? t.buf : "", to_stderr);
    sim_text_free(&t);
}

void cli_help_overview(const cli_command *commands, int to_stderr) {
    sim_text t;
    sim_text_init(&t);
    sim_text_add(&t, "usage: racebed COMMAND [ARGS]\n\n");
    help_wrap(&t,
              "Deterministic simulation of Redis-style distributed locks: the lock core runs on virtual threads "
              "under a seeded scheduler, with virtual time and a model store; oracles check every step.",
              0, 0);
    sim_text_add(&t, "\ncommands:\n");
    for (const cli_command *c = commands; c->name; c++) {
        char head[96];
        int n = snprintf(head, sizeof(head), "  %s %s", c->name, c->args);
        sim_text_add(&t, "%s", head);
        help_wrap(&t, c->summary, n + 1 < HELP_COLUMN ? n : HELP_COLUMN + 1, HELP_COLUMN);
    }
    sim_text_add(&t, "\n");
    help_wrap(&t,
              "exit codes: 0 no violation (an exhaustive search: PROVED within its bounds), 1 violation, 2 usage or "
              "input error, 3 replay diverged, 4 environment error, 5 an exhaustive search stopped early (INCOMPLETE: "
              "no proof)",
              0, 0);
    cli_report_text(t.buf ? t.buf : "", to_stderr);
    sim_text_free(&t);
}

/* The strategy text a schedule header records for a random run (cli.h). */
void cli_run_strategy_text(const cli_args *a, char *buf, size_t cap) {
    char faults[128], base[48];
    sim_faults_format(a->opts.faults, faults, sizeof(faults));
    if (a->opts.pct_depth)
        snprintf(base, sizeof(base), "pct:%d k=%lld", a->opts.pct_depth, (long long)a->opts.pct_steps);
    else
        snprintf(base, sizeof(base), "random");
    if (a->opts.faults)
        snprintf(buf, cap, "%s advance-permille=%d faults=%s fault-permille=%d", base, a->opts.advance_permille, faults,
                 a->opts.fault_permille);
    else
        snprintf(buf, cap, "%s advance-permille=%d", base, a->opts.advance_permille);
}
