/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli_report.c: the lines of racebed's output (contract in cli_report.h). Output carries no addresses, timestamps or
 * other run-to-run noise, except lines starting "[timing]" and the "N.N MiB" of an exhaustive summary.
 */
#include "sim/cli/cli_report.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim/cli/cli_json.h"
#include "sim/explore/sim_faults.h"
#include "sim/run/sim_text.h"
#include "sim/run/sim_verdict.h"

static const char *const report_reduce_names[] = {"none", "dpor", "hash"};

/* ---- plain text and errors ----------------------------------------------------------------------------------- */

void cli_report_text(const char *text, int to_stderr) {
    fputs(text, to_stderr ? stderr : stdout);
}

void cli_report_usage_error(const char *cmd, const char *fmt, ...) {
    fprintf(stderr, "racebed %s: ", cmd);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void cli_report_error(const char *fmt, ...) {
    fputs("racebed: ", stderr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ---- run and sweep ----------------------------------------------------------------------------------------------- */

/* The header's values: what ran, with which parameters. */
static void report_json_header(const cli_args *a, int sweep, const char *faults) {
    const sim_config *c = &a->cfg;
    cli_jnode root = cli_json_root(a->doc);
    cli_json_set_str(root, "scenario", c->scenario->name);
    cli_json_set_str(root, "variant", c->scenario->variants[c->variant].name);
    cli_json_set_int(root, "seed", (int64_t)a->opts.seed);
    cli_json_set_str(root, "strategy",
                     sweep               ? "crash sweep"
                     : a->exhaustive     ? "exhaustive"
                     : a->opts.pct_depth ? "pct"
                                         : "random");
    if (a->exhaustive && !sweep)
        cli_json_set_str(root, "reduce", report_reduce_names[a->reduce]);
    else
        cli_json_set_str(root, "faults", faults);
    if (sweep) cli_json_set_str(root, "crash_kind", a->opts.crash_process ? "process" : "thread");
    cli_jnode params = cli_json_object(root, "params");
    for (int i = 0; i < sim_param_count(c->scenario); i++)
        cli_json_set_int(params, sim_param_def_at(c->scenario, i)->name, c->param[i]);
}

void cli_report_run_header(const cli_args *a, int sweep) {
    const sim_config *c = &a->cfg;
    char faults[128];
    sim_faults_format(a->opts.faults, faults, sizeof(faults));
    if (a->doc) {
        report_json_header(a, sweep, faults);
        return;
    }
    if (a->exhaustive && !sweep)
        printf("scenario %s, variant %s, seed %" PRIu64 " (every execution), strategy exhaustive, reduce %s\n",
               c->scenario->name, c->scenario->variants[c->variant].name, a->opts.seed, report_reduce_names[a->reduce]);
    else
        printf("scenario %s, variant %s, seed %" PRIu64 " (execution i uses seed %" PRIu64 "+i), strategy %s, "
               "faults %s\n",
               c->scenario->name, c->scenario->variants[c->variant].name, a->opts.seed, a->opts.seed,
               sweep               ? "crash sweep"
               : a->opts.pct_depth ? "pct"
                                   : "random",
               faults);
    printf("params:");
    for (int i = 0; i < sim_param_count(c->scenario); i++)
        printf(" %s=%lld", sim_param_def_at(c->scenario, i)->name, (long long)c->param[i]);
    printf("\n");
}

void cli_report_store(const cli_args *a, const char *description) {
    if (a->doc)
        cli_json_set_str(cli_json_root(a->doc), "store", description);
    else
        printf("store: %s\n", description);
}

/* Appends 'word' to 't' so that a POSIX shell reads it back as one word: as is when it holds only safe bytes, else in
 * single quotes (a quote inside written as '\''). */
static void report_shell_word(sim_text *t, const char *word) {
    if (word[0] != '\0' &&
        strspn(word, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._-+:=,@%") == strlen(word)) {
        sim_text_add(t, "%s", word);
        return;
    }
    sim_text_add(t, "'");
    for (const char *p = word; *p; p++)
        if (*p == '\'')
            sim_text_add(t, "'\\''");
        else
            sim_text_addn(t, p, 1);
    sim_text_add(t, "'");
}

void cli_report_nondeterminism(const cli_args *a, uint64_t seed, const char *where) {
    const char *scenario = a->cfg.scenario->name;
    if (a->doc) {
        cli_jnode root = cli_json_root(a->doc), n = cli_json_object(root, "nondeterministic");
        cli_json_set_str(root, "verdict", "NONDETERMINISTIC");
        cli_json_set_int(n, "seed", (int64_t)seed);
        cli_json_set_str(n, "where", where);
        return;
    }
    printf("NONDETERMINISTIC scenario %s: execution seed %" PRIu64 " does not repeat: %s. A run must be a pure "
           "function of its seed and decisions: the scenario keeps state outside the run arena (a static or global "
           "variable), or reads real time or rand(); keep its state in sim_state_alloc() memory\n",
           scenario, seed, where);
}

void cli_report_schedule_written(const cli_args *a, const char *path, int decisions) {
    sim_text cmd;
    sim_text_init(&cmd);
    report_shell_word(&cmd, a->self);
    sim_text_add(&cmd, " replay ");
    report_shell_word(&cmd, path);
    if (a->doc) {
        cli_jnode s = cli_json_object(cli_json_root(a->doc), "schedule");
        cli_json_set_str(s, "path", path);
        cli_json_set_int(s, "decisions", decisions);
        cli_json_set_str(s, "replay", cmd.ok ? cmd.buf : NULL);
    } else {
        printf("schedule: %s (%d decisions)\nreplay:   %s\n", path, decisions, cmd.ok ? cmd.buf : "?");
    }
    sim_text_free(&cmd);
}

/* The random strategy's counts, and its verdict unless it is a violation (recorded with its schedule). */
static void report_json_random(const cli_args *a, const sim_random_result *res) {
    cli_jnode root = cli_json_root(a->doc);
    cli_json_set_int(root, "executions", res->execs);
    cli_json_set_int(root, "decisions", res->steps);
    cli_json_set_bool(root, "interrupted", res->interrupted);
    if (res->backend_failed) {
        cli_jnode e = cli_json_object(root, "store_error");
        cli_json_set_str(root, "verdict", "STORE ERROR");
        cli_json_set_int(e, "execution", res->first_exec);
        cli_json_set_int(e, "seed", (int64_t)(a->opts.seed + (uint64_t)res->first_exec));
        cli_json_set_str(e, "message", res->backend_error);
    } else if (res->violations == 0) {
        cli_json_set_str(root, "verdict", "PASS");
    }
}

void cli_report_random(const cli_args *a, const sim_random_result *res) {
    if (a->doc) {
        report_json_random(a, res);
    } else if (res->backend_failed) {
        printf("STORE ERROR at execution %lld (seed %" PRIu64 "): %s\n", (long long)res->first_exec,
               a->opts.seed + (uint64_t)res->first_exec, res->backend_error);
    } else if (res->violations > 0) {
        /* printed with the schedule it is written to (cli_report_random_violation) */
    } else {
        printf("PASS: no violation in %lld executions (%lld decisions; not a proof)%s\n", (long long)res->execs,
               (long long)res->steps, res->interrupted ? " (interrupted: SIGINT)" : "");
    }
}

void cli_report_random_violation(const cli_args *a, const sim_random_result *res, const sim_verdict *v) {
    if (a->doc) {
        cli_jnode root = cli_json_root(a->doc), j = cli_json_object(root, "violation");
        cli_json_set_str(root, "verdict", "VIOLATION");
        cli_json_set_str(j, "oracle", v->oracle);
        cli_json_set_str(j, "message", v->msg);
        cli_json_set_int(j, "step", v->step);
        cli_json_set_int(j, "execution", res->first_exec);
        cli_json_set_int(j, "seed", (int64_t)(a->opts.seed + (uint64_t)res->first_exec));
        if (a->opts.keep_going) cli_json_set_int(root, "violating_executions", res->violations);
        return;
    }
    printf("VIOLATION %s at execution %lld (seed %" PRIu64 "), step %d: %s\n", v->oracle, (long long)res->first_exec,
           a->opts.seed + (uint64_t)res->first_exec, v->step, v->msg);
    if (a->opts.keep_going)
        printf("%lld of %lld executions violated\n", (long long)res->violations, (long long)res->execs);
}

/* PCT's guarantee (ASPLOS 2010): a bug of depth d is found by one execution with probability >= 1/(n k^(d-1)). */
void cli_report_pct_bound(const cli_args *a, int threads, int64_t execs) {
    int n = threads > 0 ? threads : 1;
    double k = (double)a->opts.pct_steps, p = 1.0 / n;
    for (int i = 1; i < a->opts.pct_depth; i++)
        p /= k;
    double miss = 1.0;
    for (int64_t i = 0; i < execs && miss > 1e-300; i++)
        miss *= 1.0 - p;
    if (a->doc) {
        cli_jnode j = cli_json_object(cli_json_root(a->doc), "pct");
        cli_json_set_int(j, "depth", a->opts.pct_depth);
        cli_json_set_int(j, "threads", n);
        cli_json_set_int(j, "k", a->opts.pct_steps);
        cli_json_set_real(j, "p_execution", p);
        cli_json_set_real(j, "p_run", 1.0 - miss);
        return;
    }
    printf("pct: depth %d, n=%d threads, k=%lld decisions: each execution finds a depth-%d bug with probability "
           ">= %.3g; %lld executions: >= %.4f (covers thread order only: time and fault decisions are drawn as in "
           "the random strategy, not counted in the bound)\n",
           a->opts.pct_depth, n, (long long)a->opts.pct_steps, a->opts.pct_depth, p, (long long)execs, 1.0 - miss);
}

/* The probes line: every probe's count (JSON: always; text: unless --quiet without --require-probes). */
static void report_probe_counts(const cli_args *a, const int64_t *probe_execs, const char *unit) {
    const sim_scenario *sc = a->cfg.scenario;
    char name[SIM_NAME_MAX];
    if (a->doc) {
        cli_jnode j = cli_json_object(cli_json_root(a->doc), "probes");
        cli_json_set_str(j, "unit", unit);
        cli_jnode reached = cli_json_object(j, "reached");
        for (int p = 0; sim_probe_name_of(sc, p, name, sizeof(name)) == 0; p++)
            cli_json_set_int(reached, name, probe_execs[p]);
    } else if (!a->quiet || a->require_probes) {
        printf("probes (%s that reached each):", unit);
        for (int p = 0; sim_probe_name_of(sc, p, name, sizeof(name)) == 0; p++)
            printf(" %s=%lld", name, (long long)probe_execs[p]);
        printf("\n");
    }
}

int cli_report_probes(const cli_args *a, const int64_t *probe_execs, const int64_t *unchecked, int64_t execs, int check,
                      int paths) {
    const sim_scenario *sc = a->cfg.scenario;
    const char *unit = paths ? "paths" : "executions";
    char name[SIM_NAME_MAX];
    report_probe_counts(a, probe_execs, unit);
    cli_jnode probes = cli_json_object(cli_json_root(a->doc), "probes"); /* a->doc NULL: a node that does nothing */
    int missed = 0;
    for (int e = 0; sim__list_item(sc->expectations, e, name, sizeof(name)) == 0 && e < SIM_EXPECTATIONS_MAX; e++) {
        int64_t checked = execs - unchecked[e];
        if (unchecked[e] > 0 && a->doc) /* an expectation that was not always checked */
            cli_json_set_int(cli_json_object(probes, "expectations_checked"), name, checked);
        else if (unchecked[e] > 0 && (!a->quiet || a->require_checked))
            printf("%s checked in %lld of %lld %s\n", name, (long long)checked, (long long)execs, unit);
        if ((a->require_checked >> e & 1u) && checked <= 0 && check) {
            if (a->doc)
                cli_json_push_str(cli_json_array(probes, "expectations_not_checked"), name);
            else
                printf("EXPECTATION NOT CHECKED %s in %lld %s: no execution could check it\n", name, (long long)execs,
                       unit);
            missed = 1;
        }
    }
    for (int p = 0; sim_probe_name_of(sc, p, name, sizeof(name)) == 0; p++)
        if ((a->require_probes >> p & 1u) && probe_execs[p] == 0 && check) {
            if (a->doc)
                cli_json_push_str(cli_json_array(probes, "not_reached"), name);
            else
                printf("PROBE NOT REACHED %s (%s) in %lld %s: the run did not exercise this race\n", name,
                       p < SIM_PROBE_COUNT_ ? sim_probe_doc(p) : "the scenario's own probe", (long long)execs, unit);
            missed = 1;
        }
    return missed;
}

void cli_report_hash(const cli_args *a, uint64_t stream, uint64_t trace) {
    if (a->doc) {
        char hex[24];
        cli_jnode j = cli_json_object(cli_json_root(a->doc), "hash");
        snprintf(hex, sizeof(hex), "%016" PRIx64, stream);
        cli_json_set_str(j, "stream", hex);
        snprintf(hex, sizeof(hex), "%016" PRIx64, trace);
        cli_json_set_str(j, "trace", hex);
        return;
    }
    printf("hash: stream %016" PRIx64 " trace %016" PRIx64 "\n", stream, trace);
}

void cli_report_timing(const cli_args *a, int64_t execs, int64_t steps, double seconds) {
    if (a->doc) {
        cli_json_set_real(cli_json_root(a->doc), "search_s", seconds);
        return;
    }
    printf("[timing] %lld executions, %lld decisions in %.3f s (%.0f decisions/s)\n", (long long)execs,
           (long long)steps, seconds, seconds > 0 ? (double)steps / seconds : 0.0);
}

/* The sweep's values and verdict word. */
static void report_json_sweep(const cli_args *a, const sim_sweep_result *sw) {
    cli_jnode root = cli_json_root(a->doc);
    cli_json_set_str(root, "verdict", sw->violations ? "VIOLATION" : "PASS");
    cli_json_set_int(root, "crash_points", sw->points);
    cli_json_set_int(root, "decisions", sw->steps);
    if (sw->violations == 0) return;
    cli_jnode v = cli_json_object(root, "violation");
    cli_json_set_str(v, "oracle", sw->first.oracle);
    cli_json_set_str(v, "message", sw->first.msg);
    cli_json_set_int(v, "crash_point", sw->first_at);
    cli_json_set_bool(v, "before_crash", sw->before_crash);
    if (!sw->before_crash) cli_json_set_int(root, "violating_crash_points", sw->violations);
}

void cli_report_sweep(const cli_args *a, const sim_sweep_result *sw) {
    if (a->doc)
        report_json_sweep(a, sw);
    else if (sw->violations == 0)
        printf("PASS: crash sweep of %d crash points (%s crashes), no violation (%lld decisions)\n", sw->points,
               a->opts.crash_process ? "process" : "thread", (long long)sw->steps);
    else if (sw->before_crash)
        printf("VIOLATION %s without a crash, before crash point %d (after %d crash points swept): %s\n",
               sw->first.oracle, sw->first_at, sw->points, sw->first.msg);
    else
        printf("VIOLATION %s with a crash at operation %d: %s\n%d of %d crash points violated\n", sw->first.oracle,
               sw->first_at, sw->first.msg, sw->violations, sw->points);
}

/* ---- replay, check, shrink, merge, stress -------------------------------------------------------------------- */

void cli_report_replay_header(const cli_args *a, const char *path, const sim_schedule *s, int trace) {
    if (a->doc) {
        cli_jnode root = cli_json_root(a->doc);
        cli_json_set_str(root, "path", path);
        cli_json_set_str(root, "scenario", s->scenario);
        cli_json_set_str(root, "variant", s->variant);
        cli_json_set_int(root, "seed", (int64_t)s->seed);
        cli_json_set_bool(root, "lenient", a->lenient);
        return;
    }
    printf("replay %s: scenario %s, variant %s, seed %" PRIu64 "%s\n", path, s->scenario, s->variant, s->seed,
           a->lenient ? " (lenient)" : "");
    if (trace) printf(" step  time        thread op       object           -> result  |leases after the step\n");
}

void cli_report_trace_line(const char *line) {
    printf("%s\n", line);
}

/* "violation lease_safety" / "pass" for messages. */
static void report_expect_text(const sim_schedule *s, char *buf, size_t cap) {
    if (s->expect == SIM_EXPECT_VIOLATION)
        snprintf(buf, cap, "violation %s", s->expect_oracle);
    else if (s->expect == SIM_EXPECT_PASS)
        snprintf(buf, cap, "pass");
    else
        snprintf(buf, cap, "(no expect line)");
}

static void report_got_text(const sim_replay_result *r, char *buf, size_t cap) {
    if (r->end == SIM_END_VIOLATION)
        snprintf(buf, cap, "violation %s", r->outcome.violation.oracle);
    else if (r->end == SIM_END_PASS)
        snprintf(buf, cap, "pass");
    else
        snprintf(buf, cap, "no verdict");
}

/* A replay's verdict that ends it early, in the document: 'word' and what the text line says after it. */
static void report_json_verdict(const cli_args *a, const char *word, const char *key, const char *text) {
    cli_jnode root = cli_json_root(a->doc);
    cli_json_set_str(root, "verdict", word);
    if (key) cli_json_set_str(root, key, text);
}

/* The replay's notes and expect line, in the document. */
static void report_json_replay_tail(const cli_args *a, const sim_schedule *s, const sim_replay_result *r,
                                    const char *expect, const char *got) {
    const sim_outcome *out = &r->outcome;
    cli_jnode root = cli_json_root(a->doc), notes = cli_json_array(root, "notes");
    cli_json_set_int(root, "steps", r->steps);
    for (int i = 0; i < out->note_count; i++) {
        cli_jnode n = cli_json_push_object(notes);
        cli_json_set_str(n, "oracle", out->note[i].oracle);
        cli_json_set_int(n, "step", out->note[i].step);
        cli_json_set_str(n, "message", out->note[i].msg);
    }
    cli_json_set_int(root, "notes_dropped", out->notes_dropped);
    if (s->expect == SIM_EXPECT_NONE) return;
    cli_jnode e = cli_json_object(root, "expect");
    cli_json_set_str(e, "expected", expect);
    cli_json_set_str(e, "got", got);
    cli_json_set_bool(e, "matches", strcmp(expect, got) == 0);
}

int cli_report_replay_verdict(const cli_args *a, const sim_schedule *s, const sim_replay_result *r) {
    const sim_outcome *out = &r->outcome;
    char expect[96], got[96], line[SIM_MSG_MAX + 128], expect_line[200];
    report_expect_text(s, expect, sizeof(expect));
    report_got_text(r, got, sizeof(got));
    const char *word = cli_report_replay_words(s, r, a->lenient, line, sizeof(line), expect_line, sizeof(expect_line));
    int code = r->end == SIM_END_SETUP       ? EXIT_USAGE
               : r->end == SIM_END_BACKEND   ? EXIT_ENV
               : r->diverged && !a->lenient  ? EXIT_DIVERGED
               : r->end == SIM_END_VIOLATION ? EXIT_VIOLATION
                                             : EXIT_PASS;
    if (r->end == SIM_END_SETUP) {
        cli_report_usage_error("replay", "%s", line);
        return code;
    }
    int final = r->end == SIM_END_PASS || r->end == SIM_END_VIOLATION; /* a verdict with notes and an expect line */
    if (code == EXIT_DIVERGED || !final) {
        if (!a->doc) {
            printf("%s\n", line);
        } else if (r->end == SIM_END_BACKEND) {
            report_json_verdict(a, word, "store_error", out->backend_error);
        } else if (code == EXIT_DIVERGED) {
            report_json_verdict(a, word, "diverged", r->diverge_msg);
        } else {
            report_json_verdict(a, word, NULL, NULL);
            cli_json_set_int(cli_json_root(a->doc), "steps", r->steps);
        }
        return code;
    }
    if (a->doc) {
        cli_jnode root = cli_json_root(a->doc);
        if (r->diverged) cli_json_set_str(root, "left_schedule_at", r->diverge_msg);
        cli_json_set_str(root, "verdict", word);
        if (r->end == SIM_END_VIOLATION) {
            cli_jnode v = cli_json_object(root, "violation");
            cli_json_set_str(v, "oracle", out->violation.oracle);
            cli_json_set_str(v, "message", out->violation.msg);
            cli_json_set_int(v, "step", out->violation.step);
        }
        report_json_replay_tail(a, s, r, expect, got);
        return code;
    }
    if (r->diverged)
        printf("note: the run left the schedule at %s; it went on with the seeded default\n", r->diverge_msg);
    printf("%s\n", line);
    for (int i = 0; i < out->note_count; i++)
        printf("allowed by design (%s, step %d): %s\n", out->note[i].oracle, out->note[i].step, out->note[i].msg);
    if (out->notes_dropped) printf("(%d more allowed-by-design notes)\n", out->notes_dropped);
    if (expect_line[0]) printf("%s\n", expect_line);
    return code;
}

int cli_report_check_status(const sim_schedule *s, const sim_replay_result *r, char *why, size_t cap) {
    char expect[96], got[96];
    report_expect_text(s, expect, sizeof(expect));
    report_got_text(r, got, sizeof(got));
    if (r->end == SIM_END_BACKEND)
        snprintf(why, cap, "store error: %s", r->outcome.backend_error);
    else if (r->diverged)
        snprintf(why, cap, "diverged: %s", r->diverge_msg);
    else if (s->expect == SIM_EXPECT_NONE || strcmp(expect, got) != 0)
        snprintf(why, cap, "expected %s, got %s", expect, got);
    else {
        snprintf(why, cap, "%s", got);
        return 1;
    }
    return 0;
}

/* One schedule's entry in the document's "schedules" ('s' NULL: it could not be read). */
static void report_json_check(const cli_args *a, const char *path, const sim_schedule *s, const char *status,
                              const char *reason, int steps, double seconds) {
    cli_jnode e = cli_json_push_object(cli_json_array(cli_json_root(a->doc), "schedules"));
    cli_json_set_str(e, "path", path);
    cli_json_set_str(e, "scenario", s ? s->scenario : NULL);
    cli_json_set_str(e, "variant", s ? s->variant : NULL);
    cli_json_set_str(e, "status", status);
    if (s && s->expect != SIM_EXPECT_NONE) {
        char expect[96];
        report_expect_text(s, expect, sizeof(expect));
        cli_json_set_str(e, "expected", expect);
    }
    cli_json_set_str(e, strcmp(status, "ok") == 0 ? "got" : "reason", reason);
    if (steps >= 0) cli_json_set_int(e, "steps", steps);
    cli_json_set_real(e, "elapsed_s", seconds);
}

int cli_report_check_one(const cli_args *a, const char *path, const sim_schedule *s, const sim_replay_result *r,
                         double seconds) {
    char why[SIM_MSG_MAX + 64];
    int ok = cli_report_check_status(s, r, why, sizeof(why));
    if (a->doc)
        report_json_check(a, path, s, ok ? "ok" : "FAIL", why, r->steps, seconds);
    else if (ok)
        printf("ok   %s (%s, %d steps)\n", path, why, r->steps);
    else
        printf("FAIL %s: %s\n", path, why);
    return ok;
}

void cli_report_check_unreadable(const cli_args *a, const char *path, const char *err) {
    cli_report_error("%s", err);
    if (a->doc) report_json_check(a, path, NULL, "FAIL", err, -1, 0.0);
}

void cli_report_check_skipped(const cli_args *a, const char *path, const sim_schedule *s) {
    if (a->doc)
        report_json_check(
            a, path, s, "skip",
            "model-only: a real Redis cannot lose only its last writes or notice a timeout late on demand", -1, 0.0);
    else
        printf(
            "skip %s (model-only: a real Redis cannot lose only its last writes or notice a timeout late on demand)\n",
            path);
}

void cli_report_check_summary(const cli_args *a, int ok, int bad, int skipped) {
    if (a->doc) {
        cli_jnode t = cli_json_object(cli_json_root(a->doc), "totals");
        cli_json_set_int(t, "schedules", ok + bad + skipped);
        cli_json_set_int(t, "matched", ok);
        cli_json_set_int(t, "failed", bad);
        cli_json_set_int(t, "skipped", skipped);
        return;
    }
    printf("%d schedule(s) matched, %d did not%s\n", ok, bad, skipped ? " (some skipped as model-only)" : "");
}

void cli_report_shrunk(const char *path, const char *dst, const char *oracle, int before, int after, int replays) {
    printf("shrunk %s: %d -> %d decisions (%d replays), violation %s kept\nwritten: %s\n", path, before, after, replays,
           oracle, dst);
}

void cli_report_shrink_failed(const char *path, const char *oracle) {
    printf("%s does not reproduce 'violation %s' (even leniently): nothing written\n", path, oracle);
}

void cli_report_stress_header(const sim_stress_opts *o, const char *store) {
    printf("stress %s %s on %s (real threads, real clock): %d threads, %lld iterations%s, TTL %lldms, work %lldms\n",
           o->scenario, o->variant, store, o->threads, (long long)o->iterations,
           o->duration_s > 0 ? " or the duration" : "", (long long)o->ttl_ms, (long long)o->work_ms);
}

void cli_report_stress(const sim_stress_result *res) {
    if (res->violated)
        printf("VIOLATION %s\n", res->violation);
    else
        printf("no violation seen\n");
    printf("%lld trials: %lld critical sections completed, %lld not acquired, %lld store errors\n",
           (long long)res->trials, (long long)res->completed, (long long)res->not_acquired, (long long)res->errors);
    printf("[timing] %.3f s\n", res->seconds);
}

/* ---- list ------------------------------------------------------------------------------------------------------- */

void cli_report_scenario(const sim_scenario *sc, int verbose) {
    for (int v = 0; v < sc->variant_count; v++)
        printf("%-18s %-26s %s\n", sc->name, sc->variants[v].name, sc->variants[v].description);
    if (!verbose) return;
    printf("  %s%s%s%s%s\n", sc->description, sc->faults ? "; default faults: " : "", sc->faults ? sc->faults : "",
           sc->probes ? "; race probes: " : "", sc->probes ? sc->probes : "");
    sim_config cfg;
    sim_config_defaults(&cfg, sc, 0); /* the defaults as this scenario sets them */
    for (int p = 0; p < sim_param_count(sc); p++) {
        const sim_param_def *d = sim_param_def_at(sc, p);
        if (p >= sc->param_count && cfg.param[p] == d->def) continue; /* a built-in it leaves alone: listed once */
        printf("    --%-18s default %-8lld [%lld, %lld]  %s\n", d->name, (long long)cfg.param[p], (long long)d->min,
               (long long)d->max, d->help);
    }
}

void cli_report_builtin_params(void) {
    printf("built-in parameters of every scenario (a scenario's own defaults for them are listed above):\n");
    for (int b = 0; b < SIM_BUILTIN_PARAMS; b++) {
        const sim_param_def *d = &sim_builtin_params[b];
        printf("    --%-18s default %-8lld [%lld, %lld]  %s\n", d->name, (long long)d->def, (long long)d->min,
               (long long)d->max, d->help);
    }
}

/* ---- timelines ------------------------------------------------------------------------------------------------ */

void cli_report_timeline_written(const cli_args *a, const char *path) {
    if (a->doc)
        cli_json_set_str(cli_json_object(cli_json_root(a->doc), "schedule"), "timeline", path);
    else if (!a->quiet)
        printf("timeline: %s\n", path);
}

const char *cli_report_replay_words(const sim_schedule *s, const sim_replay_result *r, int lenient, char *line,
                                    size_t cap, char *expect_line, size_t ecap) {
    const sim_outcome *out = &r->outcome;
    char expect[96], got[96];
    report_expect_text(s, expect, sizeof(expect));
    report_got_text(r, got, sizeof(got));
    expect_line[0] = '\0';
    if (s->expect != SIM_EXPECT_NONE && r->end != SIM_END_SETUP && r->end != SIM_END_BACKEND &&
        r->end != SIM_END_ABORTED && !(r->diverged && !lenient))
        snprintf(expect_line, ecap, "the schedule expects %s: %s", expect,
                 strcmp(expect, got) == 0 ? "matches" : "DOES NOT MATCH");
    if (r->end == SIM_END_SETUP) {
        snprintf(line, cap, "scenario setup failed: %s", out->setup_error);
        return "SETUP ERROR";
    }
    if (r->end == SIM_END_BACKEND) {
        snprintf(line, cap, "STORE ERROR %s", out->backend_error);
        return "STORE ERROR";
    }
    if (r->diverged && !lenient) {
        snprintf(line, cap, "DIVERGED %s", r->diverge_msg);
        return "DIVERGED";
    }
    if (r->end == SIM_END_ABORTED) {
        snprintf(line, cap, "stopped after step %d (--until)", r->steps);
        return "STOPPED";
    }
    if (r->end == SIM_END_VIOLATION) {
        snprintf(line, cap, "VIOLATION %s at step %d: %s", out->violation.oracle, out->violation.step,
                 out->violation.msg);
        return "VIOLATION";
    }
    snprintf(line, cap, "PASS: no violation in %d steps", r->steps);
    return "PASS";
}
