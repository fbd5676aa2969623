/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_cli.c: the `racebed` command line: list, run, replay, check.
 *
 * Exit codes: 0 no violation, 1 violation, 2 usage or input error, 3 replay diverged from the file, 4 environment
 * error. Output carries no addresses, timestamps or other run-to-run noise, except lines starting "[timing]".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/run/sim_verdict.h"
#include "sim/run/sim_arena.h"
#include "sim/real/sim_redis_backend.h"
#include "sim/search/sim_exhaust.h"
#include "sim/explore/sim_explore.h"
#include "sim/explore/sim_shrink.h"
#include "sim/real/sim_stress.h"
#include "sim/explore/sim_faults.h"

enum { EXIT_PASS = 0, EXIT_VIOLATION = 1, EXIT_USAGE = 2, EXIT_DIVERGED = 3, EXIT_ENV = 4 };
enum { CLI_FILE_MAX = 64 * 1024 * 1024 }; /* largest schedule file read */

static const char *const cli_usage =
    "usage: racebed COMMAND [ARGS]\n"
    "\n"
    "Deterministic simulation of Redis-style distributed locks: the lock core runs on virtual threads under a\n"
    "seeded scheduler, with virtual time and a model store; oracles check every step.\n"
    "\n"
    "commands:\n"
    "  list [-v]                    scenarios and variants (-v: with their parameters)\n"
    "  run SCENARIO [options]       explore executions with the seeded random strategy\n"
    "  replay FILE [options]        replay a schedule file step by step\n"
    "  check FILE...                replay schedule files and assert each recorded verdict (the CI corpus)\n"
    "  sweep SCENARIO [options]     crash sweep: crash at visible operation N for N = 1, 2, ... (run's options)\n"
    "  stress SCENARIO [options]    real pthreads, real clock, real Redis: what a stress test sees (a baseline)\n"
    "  shrink FILE [--out FILE]     shrink a failing schedule: fewer decisions, same oracle, strict replay\n"
    "  merge CHECKPOINT...          combine the shards of an exhaustive search into one verdict\n"
    "  help [COMMAND]               this text, or a command's options\n"
    "\n"
    "exit codes: 0 no violation, 1 violation, 2 usage or input error, 3 replay diverged, 4 environment error\n";

static const char *const cli_run_usage =
    "usage: racebed run SCENARIO [options]\n"
    "\n"
    "Runs executions of SCENARIO under the seeded random strategy until a violation or the budget. Execution i\n"
    "(0-based) uses seed SEED+i. On a violation, writes the schedule file under --out and prints the command that\n"
    "replays it.\n"
    "\n"
    "options:\n"
    "  --variant core|mutant:NAME   protocol to run (default core; see `racebed list`)\n"
    "  --strategy random|pct:D|exhaustive\n"
    "                               uniform random thread choice (default); PCT with depth D (priorities and D-1\n"
    "                               change points; prints its probability bound); or every execution within\n"
    "                               the bounds, depth first, a proof within them when it completes. Bounds:\n"
    "                               --preemptions-max N (default 2 with --reduce none, no bound with dpor and\n"
    "                               hash; 'none' for no bound), and the scenario parameters advances_max (time\n"
    "                               advances), wall_steps_max (forward server wall steps), restarts_max\n"
    "                               (lose-all restarts), crashes_max and pauses_max, which each scenario sets\n"
    "                               in its own table (racebed list -v)\n"
    "  --reduce none|dpor|hash      with exhaustive (implies it): none enumerates every path by replay (default;\n"
    "                               shards and checkpoints need it); dpor: source-DPOR with sleep sets over the\n"
    "                               ops' footprints, every preemption explored; hash: depth first over states,\n"
    "                               a 128-bit fingerprint of the whole simulated state per decision point, a\n"
    "                               visited set, snapshot and restore (model store only). Each finds the same\n"
    "                               terminal outcomes and violations as none, in fewer executions\n"
    "  --shortest                   with exhaustive: iterative deepening (depth 1, 2, ...): the violation found is\n"
    "                               a shortest one in decisions\n"
    "  --oracle NAME                with exhaustive: only violations of this oracle count and stop the search;\n"
    "                               others end their paths (with --shortest: a shortest run to that race)\n"
    "  --states-max N               with --reduce hash: visited-set capacity (default 67108864 states, 24 bytes\n"
    "                               each, up to 3/4 full); a full set ends the search INCOMPLETE (exit 4)\n"
    "  --shard i/N                  with exhaustive: search only shard i of N (0-based); the N shards' union is the\n"
    "                               whole search, with no execution in two (run them on many cores or hosts)\n"
    "  --checkpoint FILE            with exhaustive: resume from FILE if it holds this search, and save progress\n"
    "                               to it (every 1000 executions and at the end); racebed merge combines shards'\n"
    "                               checkpoints into one verdict\n"
    "  --seed N                     first execution's seed (default 1)\n"
    "  --budget-execs N             at most N executions (default 100000)\n"
    "  --runs N                     run exactly N executions, counting every violation (no stop at the first)\n"
    "  --budget SECONDS             also stop after this much real time (interactive use; CI should use execs)\n"
    "  --out DIR                    where schedule files go (default racebed-out)\n"
    "  --store model|redis|URL      where store ops go: the model (default); redis: a redis-server racebed starts\n"
    "                               and owns, on the simulated clock; redis://127.0.0.1:PORT[/DB]: an external one\n"
    "                               (an empty db; real clock). The model runs in lockstep; a different reply or a\n"
    "                               real timeout stops the run with exit 4\n"
    "  --advance-permille N         chance of a time-advance decision per step, per mille (default 50)\n"
    "  --faults LIST                inject faults: all, none, or a comma list of crash, pause, wall-step, restart,\n"
    "                               reply-lost, conn-error (at most --faults-max per execution, default 2)\n"
    "  --fault-permille N           chance of a fault decision per step, per mille (default 30)\n"
    "  --param KEY=VALUE            set a scenario parameter; also --KEY VALUE (dashes or underscores)\n"
    "  --save-pass                  with no violation, write the last execution's schedule ('expect pass')\n"
    "  --no-shrink                  write the failing execution as found (default: shrunk, see racebed shrink)\n"
    "  --require-probes LIST|all|race\n"
    "                               fail (exit 1) if a coverage probe was never reached: ttl_expired_in_cs,\n"
    "                               stale_release, clear_while_held, wall_step_during_hold, wait_on_crashed_holder,\n"
    "                               renewal_racing_expiry, fence_refused; race: the ones the scenario declares\n"
    "                               for its race class (racebed list -v)\n"
    "  --hash                       print hashes of the decision stream and the trace (determinism checks)\n"
    "  --quiet                      print only the verdict line\n"
    "\n"
    "racebed sweep SCENARIO takes the same options and runs the crash sweep: execution SEED with the thread about\n"
    "to perform visible operation N crashed instead, for N = 1, 2, ... until an execution ends before N; every\n"
    "oracle is checked in each. --process crashes the whole process; --points-max N bounds the sweep.\n";

static const char *const cli_replay_usage =
    "usage: racebed replay FILE [--until STEP] [--lenient] [--quiet] [--hash] [--store model|redis|URL]\n"
    "\n"
    "Replays a schedule file and prints each step: step, virtual time, thread, op, object, result, the server's\n"
    "clock, and the lease of each lock key. Exit 1 if an oracle fires (it is named), 0 if none, 3 if the run\n"
    "diverges from the file (the line is named), 2 if the file is malformed.\n"
    "\n"
    "options:\n"
    "  --until STEP   stop after STEP decisions\n"
    "  --lenient      on a decision that does not fit the run, go on with a seeded default; the exit code is the\n"
    "                 verdict's\n"
    "  --quiet        no step trace\n"
    "  --hash         print the decision-stream and trace hashes (equal to `run --hash` of that one execution)\n"
    "  --store S      send the store ops to a real Redis too (see racebed run --help); exit 4 if it answers\n"
    "                 otherwise than the model, times out, or the schedule is model-only\n";

static const char *const cli_stress_usage =
    "usage: racebed stress SCENARIO [--variant V] [--store redis|URL] [--threads N] [--iterations N]\n"
    "                      [--duration S] [--ttl-ms N] [--work-ms N]\n"
    "\n"
    "Runs the lock core (or a mutant) on real pthreads against a real Redis with the real clock, as a stress test\n"
    "does: thundering_herd and rapid_sequential (core, mutant:check_then_set), ttl_expiry (core,\n"
    "mutant:no_renewal). Only certain violations are reported: two clients between acquire reply and release send\n"
    "at once, or a guarded counter that lost an update. Prints the first violation seen, or none, and the trials.\n"
    "--store redis (default) starts and owns a redis-server; redis://127.0.0.1:PORT[/DB] uses an external one.\n"
    "Defaults: 5 threads, 20 iterations, TTL 2000 ms, work 20 ms (ttl_expiry: 3 threads, 4 iterations, TTL 300 ms,\n"
    "work 600 ms).\n"
    "Exit codes: 0 none seen, 1 violation, 2 usage, 4 environment (no Redis).\n";

static const char *const cli_check_usage =
    "usage: racebed check [--store model|redis|URL] FILE...\n"
    "\n"
    "Replays each schedule file strictly and checks that the verdict matches its 'expect' line. Exit 0 if every\n"
    "file matches, 1 if any does not (or diverges), 2 if a file cannot be read or parsed, 4 if the real store\n"
    "(--store) failed or answered otherwise than the model. Model-only schedules are skipped on a real store.\n";

/* ---- helpers ---------------------------------------------------------------------------------------------------- */

static int cli_parse_i64(const char *s, int64_t *out) {
    if (s == NULL || *s == '\0') return -1;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0') return -1;
    *out = v;
    return 0;
}

static int cli_parse_u64(const char *s, uint64_t *out) {
    if (s == NULL || *s == '\0' || *s == '-') return -1;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0') return -1;
    *out = v;
    return 0;
}

/* Writes schedule 's' (with 'comment') to 'f': 0, or -1 when it would not read back or the write failed. */
static int cli_schedule_fwrite(FILE *f, const sim_schedule *s, const char *comment) {
    size_t len = 0;
    char *text = sim_schedule_text(s, comment, &len);
    if (text == NULL) return -1;
    int bad = fwrite(text, 1, len, f) != len;
    free(text);
    return bad ? -1 : 0;
}

static int cli_mkdir_p(const char *path) {
    char buf[1024];
    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) return -1;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

/* Reads a whole file; returns a malloc'd buffer (NUL-terminated) or NULL with a message. */
static char *cli_read_file(const char *path, size_t *len, char *err, size_t cap) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, cap, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t size = 0, alloc = 4096;
    char *buf = malloc(alloc);
    while (buf != NULL) {
        size_t n = fread(buf + size, 1, alloc - size - 1, f);
        size += n;
        if (n == 0) break;
        if (size + 1 == alloc) {
            if (alloc >= CLI_FILE_MAX) {
                snprintf(err, cap, "%s is larger than %d bytes", path, CLI_FILE_MAX);
                free(buf);
                buf = NULL;
                break;
            }
            char *nb = realloc(buf, alloc * 2);
            if (nb == NULL) free(buf);
            buf = nb;
            alloc *= 2;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (buf == NULL) {
        if (err[0] == '\0') snprintf(err, cap, "out of memory reading %s", path);
        return NULL;
    }
    if (bad) {
        snprintf(err, cap, "error reading %s", path);
        free(buf);
        return NULL;
    }
    buf[size] = '\0';
    *len = size;
    return buf;
}

static sim_run *cli_arena(void) {
    char err[256];
    sim_run *run = sim_arena_map(err, sizeof(err));
    if (run == NULL) fprintf(stderr, "racebed: %s\n", err);
    return run;
}

/* Loads and resolves a schedule file. Returns 0, or the exit code with the message printed. */
static int cli_load_schedule(const char *path, sim_schedule *s, sim_config *cfg) {
    char err[512] = "";
    size_t len = 0;
    char *buf = cli_read_file(path, &len, err, sizeof(err));
    if (buf == NULL) {
        fprintf(stderr, "racebed: %s\n", err);
        return EXIT_USAGE;
    }
    sim_schedule_init(s);
    int rc = sim_schedule_parse_buffer(s, buf, len, err, sizeof(err));
    free(buf);
    if (rc != 0) {
        fprintf(stderr, "racebed: %s: %s\n", path, err);
        sim_schedule_free(s);
        return EXIT_USAGE;
    }
    if (sim_config_from_schedule(cfg, s, err, sizeof(err)) != 0) {
        fprintf(stderr, "racebed: %s: %s\n", path, err);
        sim_schedule_free(s);
        return EXIT_USAGE;
    }
    return 0;
}

/* ---- list ------------------------------------------------------------------------------------------------------- */

static int cli_list(int argc, char **argv) {
    int verbose = argc > 0 && strcmp(argv[0], "-v") == 0;
    for (int i = 0; sim_scenarios[i]; i++) {
        const sim_scenario *sc = sim_scenarios[i];
        for (int v = 0; v < sc->variant_count; v++)
            printf("%-18s %-26s %s\n", sc->name, sc->variants[v].name, sc->variants[v].description);
        if (!verbose) continue;
        printf("  %s%s%s%s%s\n", sc->description, sc->faults ? "; default faults: " : "", sc->faults ? sc->faults : "",
               sc->probes ? "; race probes: " : "", sc->probes ? sc->probes : "");
        sim_config cfg;
        sim_config_defaults(&cfg, sc, 0); /* the defaults as this scenario sets them */
        for (int p = 0; p < sim_param_count(sc); p++) {
            const sim_param_def *d = sim_param_def_at(sc, p);
            printf("    --%-18s default %-8lld [%lld, %lld]  %s\n", d->name, (long long)cfg.param[p], (long long)d->min,
                   (long long)d->max, d->help);
        }
    }
    return EXIT_PASS;
}

/* ---- run -------------------------------------------------------------------------------------------------------- */

typedef struct run_args {
    sim_config cfg;
    sim_random_opts opts;
    const char *out_dir;
    const char *variant;
    int quiet;
    int save_pass;
    int faults_given;
    int no_shrink;           /* --no-shrink */
    unsigned require_probes; /* --require-probes: bit per sim_probe */
    int exhaustive;          /* --strategy exhaustive */
    int shard, shards;       /* --shard i/N */
    const char *checkpoint;  /* --checkpoint FILE */
    int preemptions_max;     /* its bound; -1 none */
    int preemptions_given;   /* --preemptions-max was given */
    sim_reduce reduce;       /* --reduce */
    int shortest;            /* --shortest */
    int64_t states_max;      /* --states-max */
    const char *oracle;      /* --oracle */
    const char *store;       /* --store */
    int sweep;               /* racebed sweep */
    int points_max;          /* sweep bound */
} run_args;

/* Parses a scenario parameter given as --param K=V or --K V. Returns 1 if consumed (and how many argv entries), 0
 * if not a parameter, -1 on error (printed). */
static int cli_run_param(run_args *ra, const char *opt, const char *next, int *used) {
    char text[SIM_NAME_MAX + 64], err[512];
    *used = 2;
    if (strcmp(opt, "--param") == 0) {
        if (next == NULL || strchr(next, '=') == NULL) {
            fprintf(stderr, "racebed run: --param needs KEY=VALUE\n");
            return -1;
        }
        snprintf(text, sizeof(text), "%s", next);
    } else {
        char name[SIM_NAME_MAX];
        if (snprintf(name, sizeof(name), "%s", opt + 2) >= (int)sizeof(name)) return 0;
        for (char *p = name; *p; p++)
            if (*p == '-') *p = '_';
        if (sim_param_index(ra->cfg.scenario, name) < 0) return 0;
        snprintf(text, sizeof(text), "%s=%.40s", name, next ? next : "");
    }
    if (sim_config_set_text(&ra->cfg, text, err, sizeof(err)) != 0) {
        fprintf(stderr, "racebed run: %s\n", err);
        return -1;
    }
    return 1;
}

/* "all" or a comma list of probe names into a bit mask; prints the error. */
static int cli_parse_probes(const sim_scenario *sc, const char *text, unsigned *mask) {
    *mask = 0;
    if (strcmp(text, "all") == 0) {
        *mask = (1u << SIM_PROBE_COUNT_) - 1;
        return 0;
    }
    if (strcmp(text, "race") == 0) { /* the scenario's own list */
        if (sc->probes == NULL) return 0;
        text = sc->probes;
    }
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, ",");
        int found = -1;
        for (int b = 0; b < SIM_PROBE_COUNT_; b++)
            if (strlen(sim_probe_name(b)) == n && strncmp(p, sim_probe_name(b), n) == 0) found = b;
        if (found < 0) {
            fprintf(stderr, "racebed run: unknown probe '%.*s' (known: all", (int)n, p);
            for (int b = 0; b < SIM_PROBE_COUNT_; b++)
                fprintf(stderr, ", %s", sim_probe_name(b));
            fprintf(stderr, ")\n");
            return -1;
        }
        *mask |= 1u << found;
        p += n + (p[n] == ',');
    }
    return 0;
}

static int cli_run_option(run_args *ra, int argc, char **argv, int *i) {
    const char *opt = argv[*i], *next = *i + 1 < argc ? argv[*i + 1] : NULL;
    int64_t v = 0;
    int used = 2;
    if (strcmp(opt, "--quiet") == 0) return ra->quiet = 1, *i += 1, 0;
    if (strcmp(opt, "--hash") == 0) return ra->opts.hash = 1, *i += 1, 0;
    if (strcmp(opt, "--save-pass") == 0) return ra->save_pass = 1, *i += 1, 0;
    if (strcmp(opt, "--process") == 0) return ra->opts.crash_process = 1, *i += 1, 0;
    if (strcmp(opt, "--no-shrink") == 0) return ra->no_shrink = 1, *i += 1, 0;
    if (strcmp(opt, "--shortest") == 0) return ra->shortest = ra->exhaustive = 1, *i += 1, 0;
    if (next == NULL) {
        fprintf(stderr, "racebed run: %s needs a value (see racebed run --help)\n", opt);
        return -1;
    }
    if (strcmp(opt, "--variant") == 0)
        ra->variant = next;
    else if (strcmp(opt, "--store") == 0)
        ra->store = next;
    else if (strcmp(opt, "--out") == 0)
        ra->out_dir = next;
    else if (strcmp(opt, "--seed") == 0) {
        if (cli_parse_u64(next, &ra->opts.seed) != 0) goto bad;
    } else if (strcmp(opt, "--budget-execs") == 0 || strcmp(opt, "--runs") == 0) {
        if (cli_parse_i64(next, &v) != 0 || v < 1) goto bad;
        ra->opts.execs_max = v;
        if (opt[2] == 'r') ra->opts.keep_going = 1;
    } else if (strcmp(opt, "--budget") == 0) {
        char *end = NULL;
        ra->opts.seconds_max = strtod(next, &end);
        if (*end != '\0' || ra->opts.seconds_max <= 0) goto bad;
    } else if (strcmp(opt, "--advance-permille") == 0) {
        if (cli_parse_i64(next, &v) != 0 || v < 0 || v > 1000) goto bad;
        ra->opts.advance_permille = (int)v;
    } else if (strcmp(opt, "--require-probes") == 0) {
        if (cli_parse_probes(ra->cfg.scenario, next, &ra->require_probes) != 0) return -1;
    } else if (strcmp(opt, "--strategy") == 0) {
        if (strcmp(next, "random") == 0)
            ra->opts.pct_depth = 0;
        else if (strcmp(next, "exhaustive") == 0)
            ra->exhaustive = 1;
        else if (strncmp(next, "pct:", 4) == 0 && cli_parse_i64(next + 4, &v) == 0 && v >= 1 && v <= SIM_PCT_DEPTH_MAX)
            ra->opts.pct_depth = (int)v;
        else {
            fprintf(stderr, "racebed run: --strategy must be random, exhaustive or pct:D with D in 1..%d\n",
                    SIM_PCT_DEPTH_MAX);
            return -1;
        }
    } else if (strcmp(opt, "--checkpoint") == 0) {
        ra->checkpoint = next;
    } else if (strcmp(opt, "--shard") == 0) {
        int si = 0, sn = 0;
        char tail = 0;
        if (sscanf(next, "%d/%d%c", &si, &sn, &tail) != 2 || sn < 1 || sn > 100000 || si < 0 || si >= sn) {
            fprintf(stderr, "racebed run: --shard needs i/N with 0 <= i < N (got '%s')\n", next);
            return -1;
        }
        ra->shard = si;
        ra->shards = sn;
    } else if (strcmp(opt, "--preemptions-max") == 0) {
        if (strcmp(next, "none") == 0)
            v = -1;
        else if (cli_parse_i64(next, &v) != 0 || v < 0 || v > 1000)
            goto bad;
        ra->preemptions_max = (int)v;
        ra->preemptions_given = 1;
    } else if (strcmp(opt, "--reduce") == 0) {
        if (strcmp(next, "none") == 0)
            ra->reduce = SIM_REDUCE_NONE;
        else if (strcmp(next, "dpor") == 0)
            ra->reduce = SIM_REDUCE_DPOR;
        else if (strcmp(next, "hash") == 0)
            ra->reduce = SIM_REDUCE_HASH;
        else {
            fprintf(stderr, "racebed run: --reduce must be none, dpor or hash (got '%s')\n", next);
            return -1;
        }
        ra->exhaustive = 1;
    } else if (strcmp(opt, "--oracle") == 0) {
        ra->oracle = next;
        ra->exhaustive = 1;
    } else if (strcmp(opt, "--states-max") == 0) {
        if (cli_parse_i64(next, &v) != 0 || v < 1 || v > (INT64_C(1) << 34)) goto bad;
        ra->states_max = v;
    } else if (strcmp(opt, "--points-max") == 0) {
        if (cli_parse_i64(next, &v) != 0 || v < 1 || v > 100000000) goto bad;
        ra->points_max = (int)v;
    } else if (strcmp(opt, "--fault-permille") == 0) {
        if (cli_parse_i64(next, &v) != 0 || v < 0 || v > 1000) goto bad;
        ra->opts.fault_permille = (int)v;
    } else if (strcmp(opt, "--faults") == 0) {
        char err[512];
        ra->faults_given = 1;
        if (sim_faults_parse(next, &ra->opts.faults, err, sizeof(err)) != 0) {
            fprintf(stderr, "racebed run: --faults: %s\n", err);
            return -1;
        }
    } else {
        int r = cli_run_param(ra, opt, next, &used);
        if (r < 0) return -1;
        if (r == 0) {
            fprintf(stderr,
                    "racebed run: unknown option '%s' (see racebed run --help; parameters of %s: racebed "
                    "list -v)\n",
                    opt, ra->cfg.scenario->name);
            return -1;
        }
    }
    *i += used;
    return 0;
bad:
    fprintf(stderr, "racebed run: bad value '%s' for %s\n", next, opt);
    return -1;
}

/* Writes the schedule of execution 'exec' (the first violating one, or with --save-pass the last passing one);
 * prints where. Returns 0 or the exit code. */
static int cli_run_write(sim_run *run, const run_args *ra, const sim_random_result *res, int64_t exec) {
    uint64_t seed = ra->opts.seed + (uint64_t)exec;
    int want_violation = res->violations > 0;
    char strategy[SIM_STRATEGY_MAX];
    char faults[128], base[48];
    sim_faults_format(ra->opts.faults, faults, sizeof(faults));
    if (ra->opts.pct_depth)
        snprintf(base, sizeof(base), "pct:%d k=%lld", ra->opts.pct_depth, (long long)ra->opts.pct_steps);
    else
        snprintf(base, sizeof(base), "random");
    if (ra->opts.faults)
        snprintf(strategy, sizeof(strategy), "%s advance-permille=%d faults=%s fault-permille=%d", base,
                 ra->opts.advance_permille, faults, ra->opts.fault_permille);
    else
        snprintf(strategy, sizeof(strategy), "%s advance-permille=%d", base, ra->opts.advance_permille);
    sim_schedule s;
    sim_schedule_init(&s);
    sim_end end = sim_explore_record(run, &ra->cfg, seed, &ra->opts, strategy, &s);
    if (want_violation ? end != SIM_END_VIOLATION || strcmp(run->violation.oracle, res->first.oracle) != 0
                       : end != SIM_END_PASS) {
        fprintf(stderr,
                "racebed: internal error: re-running execution seed %" PRIu64 " did not reproduce the "
                "violation (nondeterminism)\n",
                seed);
        sim_schedule_free(&s);
        return EXIT_ENV;
    }
    int found_len = s.decision_count;
    if (want_violation && !ra->no_shrink) { /* the shrunk schedule is the one worth keeping */
        sim_schedule shrunk;
        sim_schedule_init(&shrunk);
        sim_shrink_result sr;
        if (sim_shrink(run, &ra->cfg, &s, res->first.oracle, 300, &shrunk, &sr) == 0 && sr.after < found_len) {
            lk_copy_str(shrunk.strategy, sizeof(shrunk.strategy), strategy);
            sim_schedule_free(&s);
            s = shrunk;
            sim_replay_opts o = {0, 0, NULL, NULL, NULL};
            sim_replay_result rr;
            sim_replay(run, &ra->cfg, &s, &o, &rr); /* for the violation's step and message */
        } else {
            sim_schedule_free(&shrunk);
        }
    }
    const char *vname = ra->cfg.scenario->variants[ra->cfg.variant].name;
    const char *vshort = strncmp(vname, "mutant:", 7) == 0 ? vname + 7 : vname;
    char path[1200], comment[2048];
    snprintf(path, sizeof(path), "%s/%s-%s-seed%" PRIu64 ".sched", ra->out_dir, ra->cfg.scenario->name, vshort, seed);
    char verdict[SIM_MSG_MAX + 32];
    if (want_violation)
        snprintf(verdict, sizeof(verdict), "violated at step %d: %s", run->violation.step, run->violation.msg);
    else
        snprintf(verdict, sizeof(verdict), "passed: %d decisions, no oracle fired", run->step);
    char shrunk_note[96] = "";
    if (s.decision_count < found_len)
        snprintf(shrunk_note, sizeof(shrunk_note), "\nshrunk from %d to %d decisions", found_len, s.decision_count);
    snprintf(comment, sizeof(comment),
             "%s\nfound by: racebed run %s --variant %s --seed %" PRIu64 " (execution %lld of seed %" PRIu64
             ")%s\nreplay: racebed replay THIS_FILE",
             verdict, ra->cfg.scenario->name, vname, seed, (long long)exec, ra->opts.seed, shrunk_note);
    FILE *f = NULL;
    if (cli_mkdir_p(ra->out_dir) != 0 || (f = fopen(path, "w")) == NULL) {
        fprintf(stderr, "racebed: cannot write %s: %s\n", path, strerror(errno));
        sim_schedule_free(&s);
        return EXIT_ENV;
    }
    int bad = cli_schedule_fwrite(f, &s, comment) != 0;
    bad |= fclose(f) != 0;
    if (bad)
        fprintf(stderr, "racebed: error writing %s\n", path);
    else if (!ra->quiet)
        printf("schedule: %s (%d decisions)\nreplay:   racebed replay %s\n", path, s.decision_count, path);
    sim_schedule_free(&s);
    return bad ? EXIT_ENV : 0;
}

/* Prints the probe counts (unless quiet) and checks --require-probes ('check' 0: a violation already decided the
 * run). Returns 1 if a required probe was never reached. */
static int cli_probes_report(const run_args *ra, const int64_t *probe_execs, int64_t execs, int check) {
    if (!ra->quiet || ra->require_probes) {
        printf("probes (executions that reached each):");
        for (int p = 0; p < SIM_PROBE_COUNT_; p++)
            printf(" %s=%lld", sim_probe_name(p), (long long)probe_execs[p]);
        printf("\n");
    }
    int missed = 0;
    for (int p = 0; p < SIM_PROBE_COUNT_; p++)
        if ((ra->require_probes >> p & 1u) && probe_execs[p] == 0 && check) {
            printf("PROBE NOT REACHED %s (%s) in %lld executions: the run did not exercise this race\n",
                   sim_probe_name(p), sim_probe_doc(p), (long long)execs);
            missed = 1;
        }
    return missed;
}

static const char *const cli_reduce_names[] = {"none", "dpor", "hash"};

/* Checks the combination of exhaustive options; returns 0 or prints why not and returns -1. */
static int cli_exhaustive_check(run_args *ra) {
    if (ra->reduce == SIM_REDUCE_DPOR) {
        if (ra->preemptions_given && ra->preemptions_max >= 0) {
            fprintf(stderr, "racebed run: --reduce dpor explores every preemption: bounding them with DPOR needs "
                            "extra conservative branches it does not add, so it would be unsound; drop "
                            "--preemptions-max (or use --reduce none or hash with a bound)\n");
            return -1;
        }
        ra->preemptions_max = -1;
    }
    /* Over states, a preemption bound costs more than it saves: the bound's own state (the last thread, the count)
     * splits equal states (clear_vs_holders, 3 threads: 22.8 M states bounded at 2, 9.8 M unbounded). */
    if (ra->reduce == SIM_REDUCE_HASH && !ra->preemptions_given) ra->preemptions_max = -1;
    if (ra->reduce != SIM_REDUCE_NONE && (ra->shards > 1 || ra->checkpoint)) {
        fprintf(stderr, "racebed run: --shard and --checkpoint work with --reduce none only (a reduced search's "
                        "state is its visited set or its sleep sets, not a path)\n");
        return -1;
    }
    if (ra->shortest && (ra->shards > 1 || ra->checkpoint)) {
        fprintf(stderr, "racebed run: --shortest deepens from depth 1; it cannot be sharded or checkpointed\n");
        return -1;
    }
    if (ra->reduce == SIM_REDUCE_HASH && ra->store) {
        fprintf(stderr, "racebed run: --reduce hash snapshots the model store; a real store cannot be restored: use "
                        "--reduce none or dpor with --store\n");
        return -1;
    }
    return 0;
}

static void cli_run_header(const run_args *ra) {
    const sim_config *c = &ra->cfg;
    char faults[128];
    sim_faults_format(ra->opts.faults, faults, sizeof(faults));
    if (ra->exhaustive)
        printf("scenario %s, variant %s, seed %" PRIu64 " (every execution), strategy exhaustive, reduce %s\n",
               c->scenario->name, c->scenario->variants[c->variant].name, ra->opts.seed,
               ra->reduce == SIM_REDUCE_DPOR ? "dpor" : ra->reduce == SIM_REDUCE_HASH ? "hash" : "none");
    else
        printf("scenario %s, variant %s, seed %" PRIu64 " (execution i uses seed %" PRIu64 "+i), strategy %s, "
               "faults %s\n",
               c->scenario->name, c->scenario->variants[c->variant].name, ra->opts.seed, ra->opts.seed,
               ra->sweep ? "crash sweep" : ra->opts.pct_depth ? "pct" : "random", faults);
    printf("params:");
    for (int i = 0; i < sim_param_count(c->scenario); i++)
        printf(" %s=%lld", sim_param_def_at(c->scenario, i)->name, (long long)c->param[i]);
    printf("\n");
}

/* The crash sweep's report; writes the first failing schedule. Returns the exit code. */
static int cli_sweep_report(sim_run *run, run_args *ra) {
    sim_sweep_result sw;
    sim_explore_sweep(run, &ra->cfg, &ra->opts, ra->points_max, &sw);
    if (sw.violations == 0) {
        printf("PASS: crash sweep of %d crash points (%s crashes), no violation (%lld decisions)\n", sw.points,
               ra->opts.crash_process ? "process" : "thread", (long long)sw.steps);
        return EXIT_PASS;
    }
    printf("VIOLATION %s with a crash at operation %d: %s\n%d of %d crash points violated\n", sw.first.oracle,
           sw.first_at, sw.first.msg, sw.violations, sw.points);
    ra->opts.crash_at = sw.first_at;
    sim_random_result res = {.violations = 1, .first_exec = 0, .first = sw.first};
    int wrc = cli_run_write(run, ra, &res, 0);
    return wrc != 0 ? wrc : EXIT_VIOLATION;
}

static int cli_run_explore(sim_run *run, run_args *ra_in);

static int cli_run(int argc, char **argv, int sweep) {
    if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        fputs(cli_run_usage, argc < 1 ? stderr : stdout);
        return argc < 1 ? EXIT_USAGE : EXIT_PASS;
    }
    run_args ra;
    memset(&ra, 0, sizeof(ra));
    const sim_scenario *sc = sim_scenario_find(argv[0]);
    if (sc == NULL) {
        fprintf(stderr, "racebed run: unknown scenario '%s' (see racebed list)\n", argv[0]);
        return EXIT_USAGE;
    }
    sim_config_defaults(&ra.cfg, sc, 0);
    ra.sweep = sweep;
    ra.opts =
        (sim_random_opts){.seed = 1, .execs_max = 100000, .advance_permille = 50, .fault_permille = 30, .progress = 1};
    ra.preemptions_max = 2;
    ra.out_dir = "racebed-out";
    for (int i = 1; i < argc;) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(cli_run_usage, stdout);
            return EXIT_PASS;
        }
        if (cli_run_option(&ra, argc, argv, &i) != 0) return EXIT_USAGE;
    }
    if (!ra.faults_given && sc->faults != NULL) {
        char err[512];
        if (sim_faults_parse(sc->faults, &ra.opts.faults, err, sizeof(err)) != 0) {
            fprintf(stderr, "racebed run: scenario %s declares bad default faults: %s\n", sc->name, err);
            return EXIT_USAGE;
        }
    }
    if (ra.variant && (ra.cfg.variant = sim_variant_find(sc, ra.variant)) < 0) {
        fprintf(stderr, "racebed run: scenario %s has no variant '%s' (see racebed list)\n", sc->name, ra.variant);
        return EXIT_USAGE;
    }
    if (ra.exhaustive && !ra.sweep && cli_exhaustive_check(&ra) != 0) return EXIT_USAGE;
    sim_run *run = cli_arena();
    if (run == NULL) return EXIT_ENV;
    sim_backend_handle *backend = NULL;
    char berr[512];
    if (ra.store && sim_backend_open(ra.store, &backend, berr, sizeof(berr)) != 0) {
        fprintf(stderr, "racebed run: --store %s: %s\n", ra.store, berr);
        sim_arena_unmap(run);
        return EXIT_ENV;
    }
    ra.cfg.backend = sim_backend_get(backend);
    if (!ra.quiet) cli_run_header(&ra);
    if (!ra.quiet && backend) printf("store: %s\n", sim_backend_describe(backend));
    int code = cli_run_explore(run, &ra);
    sim_backend_close(backend);
    sim_arena_unmap(run);
    return code;
}

/* PCT's guarantee (ASPLOS 2010): a bug of depth d is found by one execution with probability >= 1/(n k^(d-1)). */
static void cli_pct_bound(const run_args *ra, const sim_run *run, const sim_random_result *res) {
    int n = run->thread_count > 0 ? run->thread_count : 1;
    double k = (double)ra->opts.pct_steps, p = 1.0 / n;
    for (int i = 1; i < ra->opts.pct_depth; i++)
        p /= k;
    double miss = 1.0;
    for (int64_t i = 0; i < res->execs && miss > 1e-300; i++)
        miss *= 1.0 - p;
    printf("pct: depth %d, n=%d threads, k=%lld decisions: each execution finds a depth-%d bug with probability "
           ">= %.3g; %lld executions: >= %.4f (covers thread order only: time and fault decisions are drawn as in "
           "the random strategy, not counted in the bound)\n",
           ra->opts.pct_depth, n, (long long)ra->opts.pct_steps, ra->opts.pct_depth, p, (long long)res->execs,
           1.0 - miss);
}

/* Writes an already recorded schedule 's' under --out; returns 0 or the exit code. */
static int cli_write_schedule(const run_args *ra, const sim_schedule *s, const char *comment) {
    const char *vname = ra->cfg.scenario->variants[ra->cfg.variant].name;
    char path[1200];
    snprintf(path, sizeof(path), "%s/%s-%s-exhaustive-seed%" PRIu64 ".sched", ra->out_dir, ra->cfg.scenario->name,
             strncmp(vname, "mutant:", 7) == 0 ? vname + 7 : vname, ra->opts.seed);
    FILE *f = NULL;
    if (cli_mkdir_p(ra->out_dir) != 0 || (f = fopen(path, "w")) == NULL) {
        fprintf(stderr, "racebed: cannot write %s: %s\n", path, strerror(errno));
        return EXIT_ENV;
    }
    int bad = cli_schedule_fwrite(f, s, comment) != 0;
    bad |= fclose(f) != 0;
    if (!bad) printf("schedule: %s (%d decisions)\nreplay:   racebed replay %s\n", path, s->decision_count, path);
    return bad ? EXIT_ENV : 0;
}

static int cli_exhaustive(sim_run *run, run_args *ra) {
    sim_exhaust_opts o = {ra->opts.seed,    ra->preemptions_max, ra->opts.execs_max, ra->opts.keep_going, ra->shard,
                          ra->shards,       ra->checkpoint,      1000,               ra->opts.progress,   ra->reduce,
                          0,                ra->shortest,        (size_t)ra->states_max, NULL, NULL};
    sim_visited outcomes;
    sim_visited_init(&outcomes, (size_t)1 << 26);
    o.outcomes = &outcomes;
    o.oracle = ra->oracle;
    sim_exhaust_result res;
    sim_schedule first;
    sim_schedule_init(&first);
    sim_exhaust(run, &ra->cfg, &o, &res, &first);
    sim_visited_free(&outcomes);
    if (res.resumed) printf("resumed from %s\n", o.checkpoint);
    if (o.shards > 1) printf("shard %d/%d: ", o.shard, o.shards);
    char bound[32];
    if (o.preemptions_max < 0)
        snprintf(bound, sizeof(bound), "unbounded");
    else
        snprintf(bound, sizeof(bound), "<= %d", o.preemptions_max);
    const sim_scenario *sc = ra->cfg.scenario;
    printf("exhaustive (reduce %s%s): %lld executions, %lld decisions", cli_reduce_names[o.reduce],
           o.shortest ? ", shortest first" : "", (long long)res.execs, (long long)res.steps);
    if (o.reduce == SIM_REDUCE_HASH)
        printf(", %lld states stored, %lld revisits, %.1f MiB", (long long)res.states, (long long)res.revisits,
               (double)res.memory_bytes / 1048576.0);
    if (o.reduce == SIM_REDUCE_HASH && res.complete && !o.shortest)
        printf(", the naive search: %lld executions", (long long)res.naive_execs);
    if (o.reduce == SIM_REDUCE_DPOR) printf(", %lld sleep-set blocked", (long long)res.sleep_blocked);
    if (o.shards <= 1 && !o.checkpoint) printf(", %lld distinct outcomes", (long long)res.outcomes);
    printf(" (preemptions %s, advances <= %lld, wall steps <= %lld, restarts <= %lld, crashes <= %lld, pauses <= %lld, "
           "seed %" PRIu64 "): %s\n",
           bound, (long long)ra->cfg.param[sc->param_count + SIM_PARAM_ADVANCES_MAX],
           (long long)ra->cfg.param[sc->param_count + SIM_PARAM_WALL_STEPS_MAX],
           (long long)ra->cfg.param[sc->param_count + SIM_PARAM_RESTARTS_MAX],
           (long long)ra->cfg.param[sc->param_count + SIM_PARAM_CRASHES_MAX],
           (long long)ra->cfg.param[sc->param_count + SIM_PARAM_PAUSES_MAX], o.seed,
           res.complete                      ? "the whole bounded space"
           : res.violations && !o.keep_going ? "stopped at the first violation"
           : res.stopped                     ? res.stopped
                                             : "budget reached, the bounded space is larger");
    if (o.oracle && res.violations == 0) {
        printf("no violation of %s;", o.oracle);
        if (res.violated_count == 0) printf(" no other oracle fired either (is the name right? see the violations a "
                                            "random run reports)");
        for (int i = 0; i < res.violated_count; i++) printf(" %s%s", i ? "" : "other oracles that fired: ", res.violated[i]);
        printf("\n");
    }
    if (o.shortest && res.violations) printf("shortest: no violation within %d decisions; one at %d\n",
                                             res.depth_reached - 1, res.depth_reached);
    int code = EXIT_PASS;
    if (res.setup_failed) {
        fprintf(stderr, "racebed run: setup or store failed: %s%s\n", run->setup_error, run->backend_error);
        code = EXIT_USAGE;
    } else if (res.violations) {
        printf("VIOLATION %s: %s\n", res.first.oracle, res.first.msg);
        if (o.keep_going) {
            printf("%lld of %lld executions violated\nviolated oracles:", (long long)res.violations,
                   (long long)res.execs);
            for (int i = 0; i < res.violated_count; i++) printf(" %s", res.violated[i]);
            printf("\n");
        }
        char comment[SIM_MSG_MAX + 200];
        snprintf(comment, sizeof(comment),
                 "violated: %s\nfound by: racebed run %s --variant %s --strategy "
                 "exhaustive --reduce %s%s --preemptions-max %s --seed %" PRIu64 "\nreplay: racebed replay THIS_FILE",
                 res.first.msg, ra->cfg.scenario->name, ra->cfg.scenario->variants[ra->cfg.variant].name,
                 cli_reduce_names[o.reduce], o.shortest ? " --shortest" : "", o.preemptions_max < 0 ? "none" : bound + 3,
                 o.seed);
        int w = cli_write_schedule(ra, &first, comment);
        code = w ? w : EXIT_VIOLATION;
    } else if (res.stopped && !res.complete) {
        printf("INCOMPLETE: %s\n", res.stopped);
        code = EXIT_ENV;
    } else if (o.oracle && res.violated_count > 0) {
        printf("FAIL: no violation of %s, but other oracles fired (see above)\n", o.oracle);
        code = EXIT_VIOLATION;
    } else {
        printf(res.complete
                   ? "PASS: no violation in the bounded space\n"
                   : "PASS: no violation in the %lld executions explored (not a proof: raise --budget-execs)\n",
               (long long)res.execs);
    }
    if (code == EXIT_PASS && cli_probes_report(ra, res.probe_execs, res.execs, 1)) code = EXIT_VIOLATION;
    sim_schedule_free(&first);
    return code;
}

/* The run proper, once the arena and the store are ready. */
static int cli_run_explore(sim_run *run, run_args *ra_in) {
    run_args ra = *ra_in;
    if (ra.sweep) {
        if (ra.points_max == 0) ra.points_max = (int)ra.cfg.param[sim_param_index(ra.cfg.scenario, "steps_max")];
        return cli_sweep_report(run, &ra);
    }
    if (ra.exhaustive) return cli_exhaustive(run, &ra);
    if (ra.opts.pct_depth) ra.opts.pct_steps = sim_explore_pct_steps(run, &ra.cfg, &ra.opts);
    sim_random_result res;
    sim_explore_random(run, &ra.cfg, &ra.opts, &res);
    int code = EXIT_PASS;
    if (ra.opts.pct_depth) cli_pct_bound(&ra, run, &res);

    if (res.setup_failed) {
        fprintf(stderr, "racebed run: scenario setup failed: %s\n", run->setup_error);
        code = EXIT_USAGE;
    } else if (res.backend_failed) {
        printf("STORE ERROR at execution %lld (seed %" PRIu64 "): %s\n", (long long)res.first_exec,
               ra.opts.seed + (uint64_t)res.first_exec, res.backend_error);
        code = EXIT_ENV;
    } else if (res.violations > 0) {
        printf("VIOLATION %s at execution %lld (seed %" PRIu64 "), step %d: %s\n", res.first.oracle,
               (long long)res.first_exec, ra.opts.seed + (uint64_t)res.first_exec, res.first.step, res.first.msg);
        if (ra.opts.keep_going)
            printf("%lld of %lld executions violated\n", (long long)res.violations, (long long)res.execs);
        code = EXIT_VIOLATION;
        int wrc = cli_run_write(run, &ra, &res, res.first_exec);
        if (wrc != 0) code = wrc;
    } else {
        printf("PASS: no violation in %lld executions (%lld decisions)\n", (long long)res.execs, (long long)res.steps);
        if (ra.save_pass && res.execs > 0) {
            int wrc = cli_run_write(run, &ra, &res, res.execs - 1);
            if (wrc != 0) code = wrc;
        }
    }
    if (cli_probes_report(&ra, res.probe_execs, res.execs, res.violations == 0 && !res.backend_failed) != 0)
        code = EXIT_VIOLATION;
    if (ra.opts.hash) printf("hash: stream %016" PRIx64 " trace %016" PRIx64 "\n", res.stream_hash, res.trace_hash);
    if (!ra.quiet)
        printf("[timing] %lld executions, %lld decisions in %.3f s (%.0f decisions/s)\n", (long long)res.execs,
               (long long)res.steps, res.seconds, res.seconds > 0 ? (double)res.steps / res.seconds : 0.0);
    return code;
}

/* ---- replay and check ------------------------------------------------------------------------------------------- */

/* "violation lease_safety" / "pass" for messages. */
static void cli_expect_text(const sim_schedule *s, char *buf, size_t cap) {
    if (s->expect == SIM_EXPECT_VIOLATION)
        snprintf(buf, cap, "violation %s", s->expect_oracle);
    else if (s->expect == SIM_EXPECT_PASS)
        snprintf(buf, cap, "pass");
    else
        snprintf(buf, cap, "(no expect line)");
}

static void cli_got_text(const sim_run *run, const sim_replay_result *r, char *buf, size_t cap) {
    if (r->end == SIM_END_VIOLATION)
        snprintf(buf, cap, "violation %s", run->violation.oracle);
    else if (r->end == SIM_END_PASS)
        snprintf(buf, cap, "pass");
    else
        snprintf(buf, cap, "no verdict");
}

/* A replay's trace line, printed. */
static void cli_trace_line(void *ctx, const char *line) {
    (void)ctx;
    printf("%s\n", line);
}

static int cli_replay(int argc, char **argv) {
    const char *path = NULL;
    sim_replay_opts o = {0, 0, cli_trace_line, NULL, NULL};
    int hash = 0;
    const char *store = NULL;
    for (int i = 0; i < argc; i++) {
        int64_t v;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(cli_replay_usage, stdout);
            return EXIT_PASS;
        } else if (strcmp(argv[i], "--lenient") == 0) {
            o.lenient = 1;
        } else if (strcmp(argv[i], "--quiet") == 0) {
            o.trace = NULL;
        } else if (strcmp(argv[i], "--hash") == 0) {
            hash = 1;
        } else if (strcmp(argv[i], "--store") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "racebed replay: --store needs model, redis or a redis:// URL\n");
                return EXIT_USAGE;
            }
            store = argv[++i];
        } else if (strcmp(argv[i], "--until") == 0) {
            if (i + 1 >= argc || cli_parse_i64(argv[i + 1], &v) != 0 || v < 1 || v > INT32_MAX) {
                fprintf(stderr, "racebed replay: --until needs a step number >= 1\n");
                return EXIT_USAGE;
            }
            o.until_step = (int)v;
            i++;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "racebed replay: unknown option '%s' (see racebed replay --help)\n", argv[i]);
            return EXIT_USAGE;
        } else if (path != NULL) {
            fprintf(stderr, "racebed replay: one schedule file at a time (got '%s' and '%s')\n", path, argv[i]);
            return EXIT_USAGE;
        } else {
            path = argv[i];
        }
    }
    if (path == NULL) {
        fputs(cli_replay_usage, stderr);
        return EXIT_USAGE;
    }
    sim_schedule s;
    sim_config cfg;
    int rc = cli_load_schedule(path, &s, &cfg);
    if (rc != 0) return rc;
    if (store && strcmp(store, "model") != 0 && s.model_only) {
        fprintf(stderr,
                "racebed replay: %s is model-only (it restarts the store losing only its last writes, which "
                "a real Redis cannot do on demand): replay it on the model store\n",
                path);
        sim_schedule_free(&s);
        return EXIT_ENV;
    }
    sim_backend_handle *backend = NULL;
    char berr[512];
    if (store && sim_backend_open(store, &backend, berr, sizeof(berr)) != 0) {
        fprintf(stderr, "racebed replay: --store %s: %s\n", store, berr);
        sim_schedule_free(&s);
        return EXIT_ENV;
    }
    cfg.backend = sim_backend_get(backend);
    sim_run *run = cli_arena();
    if (run == NULL) {
        sim_schedule_free(&s);
        sim_backend_close(backend);
        return EXIT_ENV;
    }
    if (backend) printf("store: %s\n", sim_backend_describe(backend));
    printf("replay %s: scenario %s, variant %s, seed %" PRIu64 "%s\n", path, s.scenario, s.variant, s.seed,
           o.lenient ? " (lenient)" : "");
    if (o.trace) printf(" step  time        thread op       object           -> result  |leases after the step\n");
    sim_replay_result r;
    sim_replay(run, &cfg, &s, &o, &r);
    char expect[96], got[96];
    cli_expect_text(&s, expect, sizeof(expect));
    cli_got_text(run, &r, got, sizeof(got));
    int code;
    if (r.end == SIM_END_SETUP) {
        fprintf(stderr, "racebed replay: scenario setup failed: %s\n", run->setup_error);
        code = EXIT_USAGE;
    } else if (r.end == SIM_END_BACKEND) {
        printf("STORE ERROR %s\n", run->backend_error);
        code = EXIT_ENV;
    } else if (r.diverged && !o.lenient) {
        printf("DIVERGED %s\n", r.diverge_msg);
        code = EXIT_DIVERGED;
    } else if (r.end == SIM_END_ABORTED) {
        printf("stopped after step %d (--until)\n", r.steps);
        code = EXIT_PASS;
    } else {
        if (r.diverged)
            printf("note: the run left the schedule at %s; it went on with the seeded default\n", r.diverge_msg);
        if (r.end == SIM_END_VIOLATION)
            printf("VIOLATION %s at step %d: %s\n", run->violation.oracle, run->violation.step, run->violation.msg);
        else
            printf("PASS: no violation in %d steps\n", r.steps);
        for (int i = 0; i < run->note_count; i++)
            printf("allowed by design (%s, step %d): %s\n", run->note[i].oracle, run->note[i].step, run->note[i].msg);
        if (run->notes_dropped) printf("(%d more allowed-by-design notes)\n", run->notes_dropped);
        if (s.expect != SIM_EXPECT_NONE)
            printf("the schedule expects %s: %s\n", expect, strcmp(expect, got) == 0 ? "matches" : "DOES NOT MATCH");
        code = r.end == SIM_END_VIOLATION ? EXIT_VIOLATION : EXIT_PASS;
    }
    if (hash) printf("hash: stream %016" PRIx64 " trace %016" PRIx64 "\n", r.stream_hash, r.trace_hash);
    sim_schedule_free(&s);
    sim_arena_unmap(run);
    sim_backend_close(backend);
    return code;
}

static int cli_check(int argc, char **argv) {
    const char *store = NULL;
    if (argc >= 2 && strcmp(argv[0], "--store") == 0) {
        store = argv[1];
        argc -= 2;
        argv += 2;
    }
    if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        fputs(cli_check_usage, argc < 1 ? stderr : stdout);
        return argc < 1 ? EXIT_USAGE : EXIT_PASS;
    }
    sim_backend_handle *backend = NULL;
    char berr[512];
    if (store && sim_backend_open(store, &backend, berr, sizeof(berr)) != 0) {
        fprintf(stderr, "racebed check: --store %s: %s\n", store, berr);
        return EXIT_ENV;
    }
    sim_run *run = cli_arena();
    if (run == NULL) {
        sim_backend_close(backend);
        return EXIT_ENV;
    }
    if (backend) printf("store: %s\n", sim_backend_describe(backend));
    int code = EXIT_PASS, ok = 0, bad = 0, skipped = 0;
    for (int i = 0; i < argc; i++) {
        sim_schedule s;
        sim_config cfg;
        int rc = cli_load_schedule(argv[i], &s, &cfg);
        if (rc != 0) {
            code = EXIT_USAGE;
            bad++;
            continue;
        }
        if (backend && s.model_only) {
            printf("skip %s (model-only: a real Redis cannot lose only its last writes)\n", argv[i]);
            skipped++;
            sim_schedule_free(&s);
            continue;
        }
        cfg.backend = sim_backend_get(backend);
        sim_replay_opts o = {0, 0, NULL, NULL, NULL};
        sim_replay_result r;
        sim_replay(run, &cfg, &s, &o, &r);
        char expect[96], got[96];
        cli_expect_text(&s, expect, sizeof(expect));
        cli_got_text(run, &r, got, sizeof(got));
        if (r.end == SIM_END_BACKEND) {
            printf("FAIL %s: store error: %s\n", argv[i], run->backend_error);
            code = EXIT_ENV;
        } else if (r.diverged) {
            printf("FAIL %s: diverged: %s\n", argv[i], r.diverge_msg);
        } else if (s.expect == SIM_EXPECT_NONE || strcmp(expect, got) != 0) {
            printf("FAIL %s: expected %s, got %s\n", argv[i], expect, got);
        } else {
            printf("ok   %s (%s, %d steps)\n", argv[i], got, r.steps);
            ok++;
            sim_schedule_free(&s);
            continue;
        }
        bad++;
        if (code == EXIT_PASS) code = EXIT_VIOLATION;
        sim_schedule_free(&s);
    }
    printf("%d schedule(s) matched, %d did not%s\n", ok, bad, skipped ? " (some skipped as model-only)" : "");
    sim_arena_unmap(run);
    sim_backend_close(backend);
    return code;
}

static const char *const cli_shrink_usage =
    "usage: racebed shrink FILE [--out FILE] [--replays-max N]\n"
    "\n"
    "Shrinks a failing schedule: deletes time and fault decisions one by one, then runs of decisions in halving\n"
    "chunks, replays each candidate leniently, and keeps it when the same oracle fires and the execution, re-recorded\n"
    "as a strict schedule, is shorter. The result never grows, keeps the thread names, and replays strictly.\n"
    "Writes FILE with .sched replaced by .shrunk.sched unless --out is given. Exit 0 when written, 1 if FILE does\n"
    "not reproduce its violation, 2 on bad input.\n";

static int cli_shrink(int argc, char **argv) {
    const char *path = NULL, *out = NULL;
    int64_t replays = 500;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(cli_shrink_usage, stdout);
            return EXIT_PASS;
        } else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (strcmp(argv[i], "--replays-max") == 0 && i + 1 < argc) {
            if (cli_parse_i64(argv[++i], &replays) != 0 || replays < 1 || replays > 1000000) {
                fprintf(stderr, "racebed shrink: --replays-max needs 1..1000000\n");
                return EXIT_USAGE;
            }
        } else if (argv[i][0] == '-' || path) {
            fprintf(stderr, "racebed shrink: unexpected '%s' (see racebed shrink --help)\n", argv[i]);
            return EXIT_USAGE;
        } else {
            path = argv[i];
        }
    }
    if (path == NULL) {
        fputs(cli_shrink_usage, stderr);
        return EXIT_USAGE;
    }
    sim_schedule s, shrunk;
    sim_config cfg;
    int rc = cli_load_schedule(path, &s, &cfg);
    if (rc != 0) return rc;
    if (s.expect != SIM_EXPECT_VIOLATION) {
        fprintf(stderr, "racebed shrink: %s has no 'expect violation ORACLE' line: nothing to keep\n", path);
        sim_schedule_free(&s);
        return EXIT_USAGE;
    }
    sim_run *run = cli_arena();
    if (run == NULL) {
        sim_schedule_free(&s);
        return EXIT_ENV;
    }
    sim_schedule_init(&shrunk);
    sim_shrink_result sr;
    int code = EXIT_PASS;
    if (sim_shrink(run, &cfg, &s, s.expect_oracle, (int)replays, &shrunk, &sr) != 0) {
        printf("%s does not reproduce 'violation %s' (even leniently): nothing written\n", path, s.expect_oracle);
        code = EXIT_VIOLATION;
    } else {
        char dst[1200];
        size_t n = strlen(path);
        if (out)
            snprintf(dst, sizeof(dst), "%s", out);
        else if (n > 6 && strcmp(path + n - 6, ".sched") == 0)
            snprintf(dst, sizeof(dst), "%.*s.shrunk.sched", (int)(n - 6), path);
        else
            snprintf(dst, sizeof(dst), "%s.shrunk.sched", path);
        lk_copy_str(shrunk.strategy, sizeof(shrunk.strategy), s.strategy);
        char comment[200];
        snprintf(comment, sizeof(comment),
                 "shrunk from %d to %d decisions (%d replays)\nreplay: racebed replay "
                 "THIS_FILE",
                 sr.before, sr.after, sr.replays);
        FILE *f = fopen(dst, "w");
        if (f == NULL || cli_schedule_fwrite(f, &shrunk, comment) != 0) {
            fprintf(stderr, "racebed shrink: cannot write %s: %s\n", dst, strerror(errno));
            code = EXIT_ENV;
        } else {
            printf("shrunk %s: %d -> %d decisions (%d replays), violation %s kept\nwritten: %s\n", path, sr.before,
                   sr.after, sr.replays, s.expect_oracle, dst);
        }
        if (f) fclose(f);
    }
    sim_schedule_free(&s);
    sim_schedule_free(&shrunk);
    sim_arena_unmap(run);
    return code;
}

static const char *const cli_merge_usage =
    "usage: racebed merge CHECKPOINT...\n"
    "\n"
    "Combines the checkpoints of the shards of one exhaustive search (run --strategy exhaustive --shard i/N\n"
    "--checkpoint FILE): checks they are the same search and that every shard 0..N-1 is there once, then sums the\n"
    "executions and violations. Exit 0: complete, no violation; 1: a violation; 2: the files do not make one search;\n"
    "3: no violation so far but some shard is incomplete (resume it).\n";

static int cli_merge(int argc, char **argv) {
    if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        fputs(cli_merge_usage, argc < 1 ? stderr : stdout);
        return argc < 1 ? EXIT_USAGE : EXIT_PASS;
    }
    sim_exhaust_state first, st;
    int64_t execs = 0, steps = 0, violations = 0;
    int complete = 1, seen[1024] = {0}, code = EXIT_PASS;
    char report[SIM_MSG_MAX] = "";
    for (int i = 0; i < argc && code == EXIT_PASS; i++) {
        char err[512] = "";
        size_t len = 0;
        char *buf = cli_read_file(argv[i], &len, err, sizeof(err));
        if (buf == NULL || sim_exhaust_state_parse(buf, &st, err, sizeof(err)) != 0) {
            fprintf(stderr, "racebed merge: %s: %s\n", argv[i], err);
            free(buf);
            code = EXIT_USAGE;
            break;
        }
        free(buf);
        if (i == 0) first = st;
        int same = strcmp(st.scenario, first.scenario) == 0 && strcmp(st.variant, first.variant) == 0 &&
                   st.seed == first.seed && st.config == first.config && st.preemptions_max == first.preemptions_max &&
                   st.shards == first.shards && st.shards <= 1024 && st.shard >= 0 && st.shard < st.shards;
        if (!same || seen[st.shard]++) {
            fprintf(stderr, "racebed merge: %s: %s\n", argv[i],
                    !same ? "a different search (scenario, variant, seed, parameters, bounds or shard count)"
                          : "this shard was given twice");
            code = EXIT_USAGE;
        }
        execs += st.execs;
        steps += st.steps;
        violations += st.violations;
        complete &= st.complete;
        if (st.violations && report[0] == '\0') snprintf(report, sizeof(report), "%s (shard %d)", st.first, st.shard);
        if (i > 0) sim_exhaust_state_free(&st);
    }
    if (code == EXIT_PASS)
        for (int s = 0; s < first.shards; s++)
            if (!seen[s]) {
                fprintf(stderr, "racebed merge: shard %d/%d is missing\n", s, first.shards);
                code = EXIT_USAGE;
            }
    if (code == EXIT_PASS) {
        printf("merged %d shard(s) of %s %s: %lld executions, %lld decisions, %lld violating, %s\n", argc,
               first.scenario, first.variant, (long long)execs, (long long)steps, (long long)violations,
               complete ? "the whole bounded space" : "INCOMPLETE (resume the unfinished shards)");
        if (violations) printf("VIOLATION %s\n", report);
        code = violations ? EXIT_VIOLATION : complete ? EXIT_PASS : EXIT_DIVERGED;
    }
    if (argc > 0) sim_exhaust_state_free(&first);
    return code;
}

static int cli_stress(int argc, char **argv) {
    if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        fputs(cli_stress_usage, argc < 1 ? stderr : stdout);
        return argc < 1 ? EXIT_USAGE : EXIT_PASS;
    }
    int ttl = strcmp(argv[0], "ttl_expiry") == 0;
    sim_stress_opts o = {argv[0], "core", NULL, ttl ? 3 : 5, ttl ? 4 : 20, 0, ttl ? 300 : 2000, ttl ? 600 : 20};
    const char *store = "redis";
    for (int i = 1; i < argc; i += 2) {
        const char *opt = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int64_t n = 0;
        if (v == NULL) {
            fprintf(stderr, "racebed stress: %s needs a value (see racebed stress --help)\n", opt);
            return EXIT_USAGE;
        }
        if (strcmp(opt, "--variant") == 0)
            o.variant = v;
        else if (strcmp(opt, "--store") == 0)
            store = v;
        else if (strcmp(opt, "--duration") == 0)
            o.duration_s = strtod(v, NULL);
        else if (cli_parse_i64(v, &n) != 0 || n < 0) {
            fprintf(stderr, "racebed stress: bad value '%s' for %s\n", v, opt);
            return EXIT_USAGE;
        } else if (strcmp(opt, "--threads") == 0)
            o.threads = (int)n;
        else if (strcmp(opt, "--iterations") == 0)
            o.iterations = n;
        else if (strcmp(opt, "--ttl-ms") == 0 && n > 0)
            o.ttl_ms = n;
        else if (strcmp(opt, "--work-ms") == 0)
            o.work_ms = n;
        else {
            fprintf(stderr, "racebed stress: unknown option '%s' (see racebed stress --help)\n", opt);
            return EXIT_USAGE;
        }
    }
    if (o.duration_s > 0 && o.iterations == (ttl ? 4 : 20)) o.iterations = 0; /* a duration alone bounds it */
    if (!sim_stress_supported(o.scenario, o.variant)) {
        fprintf(stderr, "racebed stress: %s %s is not a stress scenario (see racebed stress --help)\n", o.scenario,
                o.variant);
        return EXIT_USAGE;
    }
    sim_backend_handle *backend = NULL;
    char err[512];
    if (strcmp(store, "model") == 0 || sim_backend_open(store, &backend, err, sizeof(err)) != 0) {
        fprintf(stderr, "racebed stress: --store %s: %s\n", store,
                strcmp(store, "model") == 0 ? "stress mode needs a real Redis (redis or a redis:// URL)" : err);
        return EXIT_ENV;
    }
    o.url = sim_backend_url(backend);
    printf("stress %s %s on %s: %d threads, %lld iterations%s, TTL %lldms, work %lldms\n", o.scenario, o.variant,
           sim_backend_describe(backend), o.threads, (long long)o.iterations,
           o.duration_s > 0 ? " or the duration" : "", (long long)o.ttl_ms, (long long)o.work_ms);
    sim_stress_result res;
    int rc = sim_stress_run(&o, &res, err, sizeof(err));
    sim_backend_close(backend);
    if (rc != 0) {
        fprintf(stderr, "racebed stress: %s\n", err);
        return EXIT_ENV;
    }
    if (res.violated)
        printf("VIOLATION %s\n", res.violation);
    else
        printf("no violation seen\n");
    printf("%lld trials: %lld critical sections completed, %lld not acquired, %lld store errors\n",
           (long long)res.trials, (long long)res.completed, (long long)res.not_acquired, (long long)res.errors);
    printf("[timing] %.3f s\n", res.seconds);
    return res.violated ? EXIT_VIOLATION : EXIT_PASS;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fputs(cli_usage, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "list") == 0) return cli_list(argc - 2, argv + 2);
    if (strcmp(cmd, "run") == 0) return cli_run(argc - 2, argv + 2, 0);
    if (strcmp(cmd, "sweep") == 0) return cli_run(argc - 2, argv + 2, 1);
    if (strcmp(cmd, "replay") == 0) return cli_replay(argc - 2, argv + 2);
    if (strcmp(cmd, "check") == 0) return cli_check(argc - 2, argv + 2);
    if (strcmp(cmd, "stress") == 0) return cli_stress(argc - 2, argv + 2);
    if (strcmp(cmd, "shrink") == 0) return cli_shrink(argc - 2, argv + 2);
    if (strcmp(cmd, "merge") == 0) return cli_merge(argc - 2, argv + 2);
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        const char *what = argc > 2 ? argv[2] : "";
        if (strcmp(what, "run") == 0)
            fputs(cli_run_usage, stdout);
        else if (strcmp(what, "replay") == 0)
            fputs(cli_replay_usage, stdout);
        else if (strcmp(what, "check") == 0)
            fputs(cli_check_usage, stdout);
        else if (strcmp(what, "stress") == 0)
            fputs(cli_stress_usage, stdout);
        else if (strcmp(what, "shrink") == 0)
            fputs(cli_shrink_usage, stdout);
        else if (strcmp(what, "merge") == 0)
            fputs(cli_merge_usage, stdout);
        else
            fputs(cli_usage, stdout);
        return EXIT_PASS;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("racebed %s\n", RACEBED_VERSION);
        return EXIT_PASS;
    }
    fprintf(stderr, "racebed: unknown command '%s'\n\n%s", cmd, cli_usage);
    return EXIT_USAGE;
}
