/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli_run.c: `racebed run` and `racebed sweep`: the random and PCT strategies, the exhaustive search and the crash
 * sweep of one scenario, and the schedule file of what they found.
 *
 * Invariant: every schedule this writes was re-recorded from the execution it describes and replays to the verdict
 * printed (a re-run that disagrees is reported as nondeterminism, never written).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "sim/cli/cli_options.h"
#include "sim/cli/cli_report.h"
#include "sim/cli/cli_report_search.h"
#include "sim/engine/sim_guard.h"
#include "sim/explore/sim_faults.h"
#include "sim/explore/sim_progress.h"
#include "sim/explore/sim_shrink.h"
#include "sim/search/sim_census.h"
#include "sim/search/sim_shorter.h"
#include "sim/real/sim_redis_backend.h"
#include "sim/run/sim_arena.h"
#include "sim/run/sim_text.h"
#include "sim/run/sim_verdict.h"

static const char *const run_reduce_names[] = {"none", "dpor", "hash"};

/* The variant's name without "mutant:", for file names. */
static const char *run_variant_short(const sim_config *cfg) {
    const char *v = cfg->scenario->variants[cfg->variant].name;
    return strncmp(v, "mutant:", 7) == 0 ? v + 7 : v;
}

/* ---- arguments -------------------------------------------------------------------------------------------------- */

/* "all", "race" or a comma list of names: probes (built-in or the scenario's own) into 'probes', expectations (whose
 * check is then required) into 'checked'. Returns 0, or prints the error and returns -1. */
static int run_parse_probes(const sim_scenario *sc, const char *text, unsigned *probes, unsigned *checked) {
    char name[SIM_NAME_MAX];
    *probes = *checked = 0;
    if (strcmp(text, "all") == 0) {
        *probes = (1u << sim_probe_count(sc)) - 1;
        return 0;
    }
    if (strcmp(text, "race") == 0) { /* the scenario's own list */
        if (sc->probes == NULL) return 0;
        text = sc->probes;
    }
    for (int k = 0; sim__list_item(text, k, name, sizeof(name)) == 0; k++) {
        int found = -1;
        char probe[SIM_NAME_MAX];
        for (int b = 0; sim_probe_name_of(sc, b, probe, sizeof(probe)) == 0 && found < 0; b++)
            if (strcmp(probe, name) == 0) found = b;
        int e = sim__list_index(sc->expectations, name);
        if (found >= 0) {
            *probes |= 1u << found;
        } else if (e >= 0 && e < SIM_EXPECTATIONS_MAX) {
            *checked |= 1u << e;
        } else {
            char known[768];
            int n = snprintf(known, sizeof(known), "all, race");
            for (int b = 0; sim_probe_name_of(sc, b, probe, sizeof(probe)) == 0 && n > 0 && (size_t)n < sizeof(known);
                 b++)
                n += snprintf(known + n, sizeof(known) - (size_t)n, ", %s", probe);
            if (sc->expectations && n > 0 && (size_t)n < sizeof(known))
                snprintf(known + n, sizeof(known) - (size_t)n, "; expectations: %s", sc->expectations);
            cli_report_usage_error("run", "unknown probe '%s' (known: %s)", name, known);
            return -1;
        }
    }
    return 0;
}

/* Applies the scenario parameters given as --param KEY=VALUE or --KEY VALUE. Returns 0 or prints why not. */
static int run_apply_params(cli_args *a) {
    char text[SIM_NAME_MAX + 64], err[512];
    for (int i = 0; i < a->param_count; i++) {
        const cli_param_given *g = &a->param[i];
        if (g->name == NULL) {
            snprintf(text, sizeof(text), "%s", g->value);
        } else {
            char name[SIM_NAME_MAX];
            int bad = snprintf(name, sizeof(name), "%s", g->name + 2) >= (int)sizeof(name);
            for (char *p = name; *p; p++)
                if (*p == '-') *p = '_';
            if (bad || sim_param_index(a->cfg.scenario, name) < 0) {
                cli_report_usage_error("run",
                                       "unknown option '%s' (see racebed run --help; parameters of %s: "
                                       "racebed list -v)",
                                       g->name, a->cfg.scenario->name);
                return -1;
            }
            snprintf(text, sizeof(text), "%s=%.40s", name, g->value);
        }
        if (sim_config_set_text(&a->cfg, text, err, sizeof(err)) != 0) {
            cli_report_usage_error("run", "%s", err);
            return -1;
        }
    }
    return 0;
}

/* Checks the combination of exhaustive options; returns 0 or prints why not and returns -1. */
static int run_exhaustive_check(cli_args *a) {
    if (a->reduce == SIM_REDUCE_DPOR) {
        if (a->preemptions_given && a->preemptions_max >= 0) {
            cli_report_usage_error("run", "--reduce dpor explores every preemption: bounding them with DPOR needs "
                                          "extra conservative branches it does not add, so it would be unsound; "
                                          "drop --preemptions-max (or use --reduce none or hash with a bound)");
            return -1;
        }
        a->preemptions_max = -1;
    }
    /* Over states, a preemption bound costs more than it saves: the bound's own state (the last thread, the count)
     * splits equal states (clear_vs_holders, 3 threads: 22.8 M states bounded at 2, 9.8 M unbounded). */
    if (a->reduce == SIM_REDUCE_HASH && !a->preemptions_given) a->preemptions_max = -1;
    if (a->reduce == SIM_REDUCE_DPOR && (a->shards > 1 || a->checkpoint)) {
        cli_report_usage_error("run", "--shard and --checkpoint work with --reduce none or hash (DPOR's state is its "
                                      "sleep sets and backtrack sets along the path, which a shard boundary would "
                                      "cut unsoundly)");
        return -1;
    }
    if (a->shortest && (a->shards > 1 || a->checkpoint)) {
        cli_report_usage_error("run", "--shortest deepens from depth 1; it cannot be sharded or checkpointed");
        return -1;
    }
    if (a->census && a->jobs > 1) {
        cli_report_usage_error("run", "--census counts the states of one process's search: drop --jobs (or use "
                                      "--jobs 1)");
        return -1;
    }
    int entropy = sim_param_index(a->cfg.scenario, "entropy");
    if (a->symmetry && a->cfg.param[entropy] != SIM_ENTROPY_IDS) { /* ids, unless the user asked otherwise */
        for (int i = 0; i < a->param_count; i++) {
            const cli_param_given *g = &a->param[i];
            if ((g->name && strcmp(g->name, "--entropy") == 0) || (!g->name && strncmp(g->value, "entropy=", 8) == 0)) {
                cli_report_usage_error("run", "--symmetry on draws ids (entropy=ids): tokens must name their thread "
                                              "to be renamed with it; drop entropy=seeded");
                return -1;
            }
        }
        a->cfg.param[entropy] = SIM_ENTROPY_IDS;
    }
    if (a->symmetry && a->oracle) {
        cli_report_usage_error("run", "--symmetry on cannot look for one oracle alone: which violation ends a run "
                                      "first can follow the threads' index order, which a renaming does not (drop "
                                      "--oracle or --symmetry)");
        return -1;
    }
    if (a->symmetry && a->preemptions_max >= 0) {
        cli_report_usage_error("run", "--symmetry needs unbounded preemptions: the bound's state names the last "
                                      "thread, which a renaming would have to follow (drop --preemptions-max)");
        return -1;
    }
    if (a->reduce == SIM_REDUCE_HASH && a->store) {
        cli_report_usage_error("run", "--reduce hash snapshots the model store; a real store cannot be restored: "
                                      "use --reduce none or dpor with --store");
        return -1;
    }
    return 0;
}

/* Resolves what the options name once the scenario is known. Returns 0 or the exit code (printed). */
static int run_resolve(cli_args *a) {
    const sim_scenario *sc = sim_scenario_find(a->positional[0]);
    if (sc == NULL) {
        cli_report_usage_error("run", "unknown scenario '%s' (see racebed list)", a->positional[0]);
        return EXIT_USAGE;
    }
    char err[512];
    if (sim_scenario_check(sc, err, sizeof(err)) != 0) {
        cli_report_usage_error("run", "%s", err);
        return EXIT_USAGE;
    }
    sim_config_defaults(&a->cfg, sc, 0);
    if (run_apply_params(a) != 0) return EXIT_USAGE;
    if (a->require_probes_text &&
        run_parse_probes(sc, a->require_probes_text, &a->require_probes, &a->require_checked) != 0)
        return EXIT_USAGE;
    for (int k = 0; a->ignore_oracles && k < SIM_IGNORED_MAX + 1; k++) {
        char name[SIM_NAME_MAX];
        if (sim__list_item(a->ignore_oracles, k, name, sizeof(name)) != 0) break;
        if (k == SIM_IGNORED_MAX || !sim_oracle_known(sc, name)) {
            char names[1024];
            sim_oracle_names(sc, names, sizeof(names));
            cli_report_usage_error("run", "--ignore-oracle: %s '%s' (at most %d; valid: %s)",
                                   k == SIM_IGNORED_MAX ? "too many oracles at" : "unknown oracle", name,
                                   SIM_IGNORED_MAX, names);
            return EXIT_USAGE;
        }
    }
    a->cfg.ignore_oracles = a->ignore_oracles;
    if (!a->faults_given && sc->faults != NULL) {
        if (sim_faults_parse(sc->faults, &a->opts.faults, err, sizeof(err)) != 0) {
            cli_report_usage_error("run", "scenario %s declares bad default faults: %s", sc->name, err);
            return EXIT_USAGE;
        }
    }
    if (a->variant && (a->cfg.variant = sim_variant_find(sc, a->variant)) < 0) {
        cli_report_usage_error("run", "scenario %s has no variant '%s' (see racebed list)", sc->name, a->variant);
        return EXIT_USAGE;
    }
    if (a->oracle && !sim_oracle_known(sc, a->oracle)) {
        char names[1024];
        sim_oracle_names(sc, names, sizeof(names));
        cli_report_usage_error("run", "unknown oracle '%s' for scenario %s (valid: %s)", a->oracle, sc->name, names);
        return EXIT_USAGE;
    }
    int sweep = a->command->bit == CLI_SWEEP;
    if (sweep && a->exhaustive) {
        cli_report_usage_error("sweep", "a crash sweep runs one execution per crash point with the random strategy: "
                                        "--strategy exhaustive and its options do not apply (use racebed run)");
        return EXIT_USAGE;
    }
    unsigned strategy = sweep                          ? CLI_STRATEGY_SWEEP
                        : !a->exhaustive               ? CLI_STRATEGY_RANDOM
                        : a->reduce == SIM_REDUCE_DPOR ? CLI_STRATEGY_DPOR
                        : a->reduce == SIM_REDUCE_HASH ? CLI_STRATEGY_HASH
                                                       : CLI_STRATEGY_NAIVE;
    if (cli_check_applies(a, strategy) != 0) return EXIT_USAGE;
    if (a->exhaustive && run_exhaustive_check(a) != 0) return EXIT_USAGE;
    char werr[CLI_PATH_MAX + 128];
    if (a->checkpoint && cli_check_writable(a->checkpoint, werr, sizeof(werr)) != 0) { /* at start, not at the end */
        cli_report_usage_error("run", "--checkpoint: %s", werr);
        return EXIT_ENV;
    }
    if (a->metrics && cli_check_writable(a->metrics, werr, sizeof(werr)) != 0) {
        cli_report_usage_error("run", "--metrics: %s", werr);
        return EXIT_ENV;
    }
    return 0;
}

/* ---- writing what was found ----------------------------------------------------------------------------------- */

/* Shrinks the recorded schedule 's' in place when that makes it shorter: decisions deleted first, then a search for
 * a shorter schedule of the same oracle; '*out' becomes the outcome of the schedule kept. */
static void run_shrink(sim_run *run, const cli_args *a, sim_schedule *s, const char *oracle, const char *strategy,
                       sim_outcome *out) {
    sim_schedule shrunk;
    sim_schedule_init(&shrunk);
    sim_shrink_result sr;
    int changed = 0;
    if (sim_shrink(run, &a->cfg, s, oracle, 300, &shrunk, &sr) == 0 && sr.after < s->decision_count) {
        sim_schedule_free(s);
        *s = shrunk;
        changed = 1;
    } else {
        sim_schedule_free(&shrunk);
    }
    if (a->shrink_execs > 0 && sim_search_shorter(run, &a->cfg, s, oracle, a->opts.faults, a->shrink_execs))
        changed = 1;
    if (!changed) return;
    lk_copy_str(s->strategy, sizeof(s->strategy), strategy);
    sim_replay_opts o = {0, 0, NULL, NULL, NULL, NULL, NULL};
    sim_replay_result rr;
    sim_replay(run, &a->cfg, s, &o, &rr); /* for the violation's step and message */
    *out = rr.outcome;
}

/* run_shrink in a forked child, for a run whose scenario code crashed: a candidate replay may crash it again in a
 * way the guard cannot undo (a corrupted heap), so the candidates run in a copy of the process. The child sends the
 * schedule it kept back as text; a child that dies leaves 's' as it was. */
static void run_shrink_isolated(sim_run *run, const cli_args *a, sim_schedule *s, const char *oracle,
                                const char *strategy, sim_outcome *out) {
    int fds[2];
    if (pipe(fds) != 0) return;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) { /* the child: shrink, send the result, leave without running the parent's exit handlers */
        close(fds[0]);
        sim_outcome ignored;
        run_shrink(run, a, s, oracle, strategy, &ignored);
        size_t len = 0;
        char *text = sim_schedule_text(s, NULL, &len);
        for (size_t done = 0; text && done < len;) {
            ssize_t n = write(fds[1], text + done, len - done);
            if (n <= 0) break;
            done += (size_t)n;
        }
        _exit(text ? 0 : 1);
    }
    close(fds[1]);
    sim_text t;
    sim_text_init(&t);
    char buf[4096];
    for (ssize_t n; (n = read(fds[0], buf, sizeof(buf))) > 0;)
        sim_text_addn(&t, buf, (size_t)n);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    sim_schedule shrunk;
    sim_schedule_init(&shrunk);
    char err[256];
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && t.ok && t.len > 0 &&
        sim_schedule_parse_buffer(&shrunk, t.buf, t.len, err, sizeof(err)) == 0 &&
        shrunk.decision_count < s->decision_count) {
        sim_schedule_free(s);
        *s = shrunk;
        sim_replay_opts o = {0, 0, NULL, NULL, NULL, NULL, NULL};
        sim_replay_result rr;
        sim_replay(run, &a->cfg, s, &o, &rr); /* once, for the verdict's step and message */
        *out = rr.outcome;
    } else {
        sim_schedule_free(&shrunk);
    }
    sim_text_free(&t);
}

/* The first decision (1-based) at which schedules 'x' and 'y' differ, or 0 if they do not. */
static int run_first_difference(const sim_schedule *x, const sim_schedule *y) {
    char lx[SIM_LINE_MAX + 1], ly[SIM_LINE_MAX + 1];
    int n = x->decision_count < y->decision_count ? x->decision_count : y->decision_count;
    for (int i = 0; i < n; i++) {
        sim_decision_format(&x->decisions[i], lx, sizeof(lx));
        sim_decision_format(&y->decisions[i], ly, sizeof(ly));
        if (strcmp(lx, ly) != 0) return i + 1;
    }
    return x->decision_count == y->decision_count ? 0 : n + 1;
}

/* A re-run of execution 'seed' did not reproduce what the run saw: the scenario is not a pure function of its seed
 * and decisions (state kept outside the run arena). Re-records it once more, names the first step at which the two
 * re-runs differ, writes the first one's schedule, and blames the scenario. Returns the exit code. */
static int run_nondeterminism(sim_run *run, const cli_args *a, uint64_t seed, const sim_random_result *res,
                              const sim_schedule *first, const sim_outcome *first_out) {
    char strategy[SIM_STRATEGY_MAX], path[CLI_PATH_MAX], err[CLI_PATH_MAX + 128], comment[512], where[160];
    cli_run_strategy_text(a, strategy, sizeof(strategy));
    sim_schedule again;
    sim_schedule_init(&again);
    sim_outcome out;
    sim_explore_record(run, &a->cfg, seed, &a->opts, strategy, &again, &out);
    int step = run_first_difference(first, &again);
    if (step > 0)
        snprintf(where, sizeof(where), "two re-runs of it diverge at step %d", step);
    else
        snprintf(where, sizeof(where), "the run %s at step %d; its re-runs %s", res->violations ? "violated" : "passed",
                 (int)res->first_steps, first_out->end == SIM_END_VIOLATION ? "violate otherwise" : "do not");
    sim_schedule_free(&again);
    snprintf(path, sizeof(path), "%s/%s-%s-seed%" PRIu64 "-nondeterministic.sched", a->out, a->cfg.scenario->name,
             run_variant_short(&a->cfg), seed);
    snprintf(comment, sizeof(comment),
             "scenario %s is not deterministic: %s (state kept outside the run arena?)\nreplay: racebed replay "
             "THIS_FILE",
             a->cfg.scenario->name, where);
    cli_report_nondeterminism(a, seed, where);
    if (cli_save_schedule(a->out, path, first, comment, err, sizeof(err)) != 0)
        cli_report_error("%s", err);
    else
        cli_report_schedule_written(a, path, first->decision_count);
    return EXIT_USAGE;
}

/* Writes the schedule of execution 'exec' (the first violating one, or with --save-pass the last passing one);
 * prints where, and with 'announce' first the VIOLATION line, as the schedule written has it (its step, after
 * shrinking). Returns 0 or the exit code. */
static int run_write(sim_run *run, const cli_args *a, const sim_random_result *res, int64_t exec, int announce) {
    uint64_t seed = a->opts.seed + (uint64_t)exec;
    int want_violation = res->violations > 0;
    char strategy[SIM_STRATEGY_MAX];
    cli_run_strategy_text(a, strategy, sizeof(strategy));
    sim_schedule s;
    sim_schedule_init(&s);
    sim_outcome out;
    sim_end end = sim_explore_record(run, &a->cfg, seed, &a->opts, strategy, &s, &out);
    if (want_violation ? end != SIM_END_VIOLATION || strcmp(out.violation.oracle, res->first.oracle) != 0
                       : end != SIM_END_PASS) {
        if (announce) cli_report_random_violation(a, res, &res->first);
        int rc = run_nondeterminism(run, a, seed, res, &s, &out);
        sim_schedule_free(&s);
        return rc;
    }
    int found_len = s.decision_count;
    /* a busy loop is measured in CPU time, outside the determinism contract: it is written as found */
    if (want_violation && !a->no_shrink && strcmp(res->first.oracle, "scenario_crash") == 0)
        run_shrink_isolated(run, a, &s, res->first.oracle, strategy, &out);
    else if (want_violation && !a->no_shrink && strcmp(res->first.oracle, "busy_loop") != 0)
        run_shrink(run, a, &s, res->first.oracle, strategy, &out);
    const char *vname = a->cfg.scenario->variants[a->cfg.variant].name;
    char path[CLI_PATH_MAX], comment[2048], verdict[SIM_MSG_MAX + 32], shrunk_note[96] = "";
    snprintf(path, sizeof(path), "%s/%s-%s-seed%" PRIu64 ".sched", a->out, a->cfg.scenario->name,
             run_variant_short(&a->cfg), seed);
    if (want_violation)
        snprintf(verdict, sizeof(verdict), "violated at step %d: %s", out.violation.step, out.violation.msg);
    else
        snprintf(verdict, sizeof(verdict), "passed: %d decisions, no oracle fired", out.steps);
    if (s.decision_count < found_len)
        snprintf(shrunk_note, sizeof(shrunk_note), "\nshrunk from %d to %d decisions", found_len, s.decision_count);
    snprintf(comment, sizeof(comment),
             "%s\nfound by: racebed run %s --variant %s --seed %" PRIu64 " (execution %lld of seed %" PRIu64
             ")%s\nreplay: racebed replay THIS_FILE",
             verdict, a->cfg.scenario->name, vname, seed, (long long)exec, a->opts.seed, shrunk_note);
    char err[CLI_PATH_MAX + 128];
    if (announce) cli_report_random_violation(a, res, &out.violation); /* as the schedule written has it */
    int rc = cli_save_schedule(a->out, path, &s, comment, err, sizeof(err));
    if (rc != 0)
        cli_report_error("%s", err);
    else if (!a->quiet || a->doc)
        cli_report_schedule_written(a, path, s.decision_count);
    if (rc == 0 && want_violation) rc = cli_html_beside(run, a, path);
    int mrc = 0;
    if (a->metrics) { /* the execution the schedule describes: shrinking ran others since */
        sim_replay_opts o = {0, 0, NULL, NULL, NULL, NULL, NULL};
        sim_replay_result rr;
        sim_run_keep_metrics(run, 1);
        sim_replay(run, &a->cfg, &s, &o, &rr);
        mrc = cli_write_metrics(run, a->metrics);
    }
    sim_schedule_free(&s);
    return rc != 0 ? EXIT_ENV : mrc;
}

/* --metrics when no schedule is written: runs execution 'exec' (of a->opts.seed) again, recording metrics, and writes
 * them. Returns 0 or the exit code. */
static int run_metrics_of(sim_run *run, const cli_args *a, int64_t exec) {
    char strategy[SIM_STRATEGY_MAX];
    cli_run_strategy_text(a, strategy, sizeof(strategy));
    sim_schedule s;
    sim_schedule_init(&s);
    sim_outcome out;
    sim_run_keep_metrics(run, 1);
    sim_explore_record(run, &a->cfg, a->opts.seed + (uint64_t)exec, &a->opts, strategy, &s, &out);
    sim_schedule_free(&s);
    return cli_write_metrics(run, a->metrics);
}

/* ---- the strategies ------------------------------------------------------------------------------------------- */

/* The crash sweep and its report; writes the first failing schedule. Returns the exit code. */
static int run_sweep(sim_run *run, cli_args *a) {
    if (a->points_max == 0) a->points_max = (int)a->cfg.param[sim_param_index(a->cfg.scenario, "steps_max")];
    sim_sweep_result sw;
    sim_explore_sweep(run, &a->cfg, &a->opts, a->points_max, &sw);
    if (sw.setup_failed) {
        cli_report_usage_error("sweep", "scenario setup failed: %s", sw.setup_error);
        return EXIT_USAGE;
    }
    cli_report_sweep(a, &sw);
    /* the last execution run: at crash point points + 1, which it ended before */
    if (sw.violations == 0 && a->metrics) {
        a->opts.crash_at = sw.points + 1;
        return run_metrics_of(run, a, 0) != 0 ? EXIT_ENV : EXIT_PASS;
    }
    if (sw.violations == 0) return EXIT_PASS;
    a->opts.crash_at = sw.first_at;
    sim_random_result res = {.violations = 1, .first_exec = 0, .first = sw.first};
    int wrc = run_write(run, a, &res, 0, 0);
    return wrc != 0 ? wrc : EXIT_VIOLATION;
}

/* The exhaustive search and its report; writes the first violation's schedule. Returns the exit code. */
static int run_exhaustive(sim_run *run, cli_args *a) {
    sim_exhaust_opts o = {.seed = a->opts.seed,
                          .preemptions_max = a->preemptions_max,
                          .faults = a->opts.faults,
                          .execs_max = a->opts.execs_max,
                          .deadline_s = a->opts.seconds_max > 0 ? sim_real_clock_s() + a->opts.seconds_max : 0,
                          .keep_going = a->opts.keep_going,
                          .shard = a->shard,
                          .shards = a->shards,
                          .checkpoint = a->checkpoint,
                          .checkpoint_every = 1000,
                          .progress = a->opts.progress,
                          .reduce = a->reduce,
                          .shortest = a->shortest,
                          .states_max = (size_t)a->states_max,
                          .jobs = (int)a->jobs,
                          .symmetry = a->symmetry};
    sim_visited outcomes;
    sim_visited_init(&outcomes, (size_t)1 << 26);
    o.outcomes = &outcomes;
    o.oracle = a->oracle;
    sim_census census;
    if (a->census) {
        sim_census_init(&census, sim_exhaust_states_max(&o));
        o.census = &census;
    }
    sim_exhaust_result res;
    sim_schedule first;
    sim_schedule_init(&first);
    sim_exhaust(run, &a->cfg, &o, &res, &first);
    sim_visited_free(&outcomes);
    cli_report_exhaustive(a, &o, &res);
    if (a->census) sim_census_free(&census);
    int code = EXIT_PASS;
    if (res.setup_failed) {
        cli_report_usage_error("run", "setup or store failed: %s", res.setup_error);
        code = EXIT_USAGE;
    } else {
        code = cli_report_exhaustive_verdict(a, &o, &res);
    }
    if (!res.setup_failed && res.violations) {
        char comment[SIM_MSG_MAX + 200], path[CLI_PATH_MAX], err[CLI_PATH_MAX + 128], bound[16];
        snprintf(bound, sizeof(bound), "%d", o.preemptions_max);
        snprintf(comment, sizeof(comment),
                 "violated: %s\nfound by: racebed run %s --variant %s --strategy "
                 "exhaustive --reduce %s%s%s --preemptions-max %s --seed %" PRIu64 "\nreplay: racebed replay THIS_FILE",
                 res.first.msg, a->cfg.scenario->name, a->cfg.scenario->variants[a->cfg.variant].name,
                 run_reduce_names[o.reduce], o.shortest ? " --shortest" : "", o.symmetry ? " --symmetry on" : "",
                 o.preemptions_max < 0 ? "none" : bound, o.seed);
        snprintf(path, sizeof(path), "%s/%s-%s-exhaustive-seed%" PRIu64 ".sched", a->out, a->cfg.scenario->name,
                 run_variant_short(&a->cfg), a->opts.seed);
        if (cli_save_schedule(a->out, path, &first, comment, err, sizeof(err)) != 0) {
            cli_report_error("%s", err);
            code = EXIT_ENV;
        } else {
            cli_report_schedule_written(a, path, first.decision_count);
            if (cli_html_beside(run, a, path) != 0) code = EXIT_ENV;
        }
    }
    if (code == EXIT_PASS &&
        cli_report_probes(a, res.probe_execs, res.unchecked_execs, res.execs, 1, o.reduce == SIM_REDUCE_HASH))
        code = EXIT_VIOLATION;
    if (res.checkpoint_error[0]) { /* progress that cannot be kept is an error, never silence */
        cli_report_error("%s", res.checkpoint_error);
        if (code != EXIT_VIOLATION) code = EXIT_ENV;
    }
    sim_schedule_free(&first);
    return code;
}

/* The random or PCT strategy and its report. Returns the exit code. */
static int run_random(sim_run *run, cli_args *a) {
    if (a->opts.pct_depth) a->opts.pct_steps = sim_explore_pct_steps(run, &a->cfg, &a->opts);
    sim_random_result res;
    sim_explore_random(run, &a->cfg, &a->opts, &res);
    if (a->opts.pct_depth) cli_report_pct_bound(a, res.threads, res.execs);
    int code = EXIT_PASS;
    if (res.setup_failed) {
        cli_report_usage_error("run", "scenario setup failed: %s", res.setup_error);
        code = EXIT_USAGE;
    } else {
        cli_report_random(a, &res);
        if (res.backend_failed) {
            code = EXIT_ENV;
        } else if (res.violations > 0) {
            int wrc = run_write(run, a, &res, res.first_exec, 1);
            code = wrc != 0 ? wrc : EXIT_VIOLATION;
        } else if (a->save_pass && res.execs > 0) {
            int wrc = run_write(run, a, &res, res.execs - 1, 0);
            if (wrc != 0) code = wrc;
        } else if (a->metrics && res.execs > 0) { /* no schedule written: the last execution's */
            int mrc = run_metrics_of(run, a, res.execs - 1);
            if (mrc != 0) code = mrc;
        }
    }
    if (cli_report_probes(a, res.probe_execs, res.unchecked_execs, res.execs,
                          res.violations == 0 && !res.backend_failed, 0) != 0)
        code = EXIT_VIOLATION;
    if (a->opts.hash) cli_report_hash(a, res.stream_hash, res.trace_hash);
    if (!a->quiet || a->doc) cli_report_timing(a, res.execs, res.steps, res.seconds);
    return code;
}

int cli_cmd_run(cli_args *a) {
    int sweep = a->command->bit == CLI_SWEEP;
    int rc = run_resolve(a);
    if (rc != 0) return rc;
    sim_run *run = cli_arena();
    if (run == NULL) return EXIT_ENV;
    sim_guard_catch_interrupt(); /* a first SIGINT stops the run with its summary (and checkpoint) */
    sim_backend_handle *backend = NULL;
    if ((rc = cli_open_store(a->command->name, a->store, &backend)) != 0) {
        sim_arena_unmap(run);
        return rc;
    }
    a->cfg.backend = sim_backend_get(backend);
    if (a->check_determinism) {
        rc = cli_check_determinism(run, a);
        sim_backend_close(backend);
        sim_arena_unmap(run);
        return rc;
    }
    if (!a->quiet || a->doc) cli_report_run_header(a, sweep);
    if ((!a->quiet || a->doc) && backend) cli_report_store(a, sim_backend_describe(backend));
    int code = sweep ? run_sweep(run, a) : a->exhaustive ? run_exhaustive(run, a) : run_random(run, a);
    sim_backend_close(backend);
    sim_arena_unmap(run);
    return code;
}
