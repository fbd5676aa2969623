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

void cli_report_run_header(const cli_args *a, int sweep) {
    const sim_config *c = &a->cfg;
    char faults[128];
    sim_faults_format(a->opts.faults, faults, sizeof(faults));
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

void cli_report_store(const char *description) {
    printf("store: %s\n", description);
}

/* Prints 'word' so that a POSIX shell reads it back as one word: as is when it holds only safe bytes, else in single
 * quotes (a quote inside written as '\''). */
static void report_shell_word(const char *word) {
    if (word[0] != '\0' &&
        strspn(word, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._-+:=,@%") == strlen(word)) {
        fputs(word, stdout);
        return;
    }
    putchar('\'');
    for (const char *p = word; *p; p++)
        if (*p == '\'')
            fputs("'\\''", stdout);
        else
            putchar(*p);
    putchar('\'');
}

void cli_report_nondeterminism(const char *scenario, uint64_t seed, const char *where) {
    printf("NONDETERMINISTIC scenario %s: execution seed %" PRIu64 " does not repeat: %s. A run must be a pure "
           "function of its seed and decisions: the scenario keeps state outside the run arena (a static or global "
           "variable), or reads real time or rand(); keep its state in sim_state_alloc() memory\n",
           scenario, seed, where);
}

void cli_report_timeline_written(const char *path) {
    printf("timeline: %s\n", path);
}

void cli_report_schedule_written(const char *self, const char *path, int decisions) {
    printf("schedule: %s (%d decisions)\nreplay:   ", path, decisions);
    report_shell_word(self);
    fputs(" replay ", stdout);
    report_shell_word(path);
    putchar('\n');
}

void cli_report_random(const cli_args *a, const sim_random_result *res) {
    if (res->backend_failed) {
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
    printf("pct: depth %d, n=%d threads, k=%lld decisions: each execution finds a depth-%d bug with probability "
           ">= %.3g; %lld executions: >= %.4f (covers thread order only: time and fault decisions are drawn as in "
           "the random strategy, not counted in the bound)\n",
           a->opts.pct_depth, n, (long long)a->opts.pct_steps, a->opts.pct_depth, p, (long long)execs, 1.0 - miss);
}

int cli_report_probes(const cli_args *a, const int64_t *probe_execs, const int64_t *unchecked, int64_t execs, int check,
                      int paths) {
    const sim_scenario *sc = a->cfg.scenario;
    const char *unit = paths ? "paths" : "executions";
    char name[SIM_NAME_MAX];
    if (!a->quiet || a->require_probes) {
        printf("probes (%s that reached each):", unit);
        for (int p = 0; sim_probe_name_of(sc, p, name, sizeof(name)) == 0; p++)
            printf(" %s=%lld", name, (long long)probe_execs[p]);
        printf("\n");
    }
    int missed = 0;
    for (int e = 0; sim__list_item(sc->expectations, e, name, sizeof(name)) == 0 && e < SIM_EXPECTATIONS_MAX; e++) {
        int64_t checked = execs - unchecked[e];
        if (unchecked[e] > 0 && (!a->quiet || a->require_checked)) /* an expectation that was not always checked */
            printf("%s checked in %lld of %lld %s\n", name, (long long)checked, (long long)execs, unit);
        if ((a->require_checked >> e & 1u) && checked <= 0 && check) {
            printf("EXPECTATION NOT CHECKED %s in %lld %s: no execution could check it\n", name, (long long)execs,
                   unit);
            missed = 1;
        }
    }
    for (int p = 0; sim_probe_name_of(sc, p, name, sizeof(name)) == 0; p++)
        if ((a->require_probes >> p & 1u) && probe_execs[p] == 0 && check) {
            printf("PROBE NOT REACHED %s (%s) in %lld %s: the run did not exercise this race\n", name,
                   p < SIM_PROBE_COUNT_ ? sim_probe_doc(p) : "the scenario's own probe", (long long)execs, unit);
            missed = 1;
        }
    return missed;
}

void cli_report_hash(uint64_t stream, uint64_t trace) {
    printf("hash: stream %016" PRIx64 " trace %016" PRIx64 "\n", stream, trace);
}

void cli_report_timing(int64_t execs, int64_t steps, double seconds) {
    printf("[timing] %lld executions, %lld decisions in %.3f s (%.0f decisions/s)\n", (long long)execs,
           (long long)steps, seconds, seconds > 0 ? (double)steps / seconds : 0.0);
}

void cli_report_sweep(const cli_args *a, const sim_sweep_result *sw) {
    if (sw->violations == 0)
        printf("PASS: crash sweep of %d crash points (%s crashes), no violation (%lld decisions)\n", sw->points,
               a->opts.crash_process ? "process" : "thread", (long long)sw->steps);
    else if (sw->before_crash)
        printf("VIOLATION %s without a crash, before crash point %d (after %d crash points swept): %s\n",
               sw->first.oracle, sw->first_at, sw->points, sw->first.msg);
    else
        printf("VIOLATION %s with a crash at operation %d: %s\n%d of %d crash points violated\n", sw->first.oracle,
               sw->first_at, sw->first.msg, sw->violations, sw->points);
}

/* The bounds of an exhaustive search, as its summary line names them. */
static void report_bounds(const sim_exhaust_opts *o, const sim_bounds *b) {
    char bound[32];
    if (b->preemptions_max < 0)
        snprintf(bound, sizeof(bound), "unbounded");
    else
        snprintf(bound, sizeof(bound), "<= %d", b->preemptions_max);
    printf(" (preemptions %s, advances <= %lld, store faults <= %lld a thread, wall steps <= %lld, restarts <= %lld, "
           "crashes "
           "<= %lld, pauses <= %lld, seed %" PRIu64 ")",
           bound, (long long)b->advances, (long long)b->store_faults, (long long)b->wall_steps, (long long)b->restarts,
           (long long)b->crashes, (long long)b->pauses, o->seed);
}

void cli_report_exhaustive(const sim_exhaust_opts *o, const sim_exhaust_result *res) {
    if (res->resumed) printf("resumed from %s\n", o->checkpoint);
    if (o->shards > 1) printf("shard %d/%d: ", o->shard, o->shards);
    printf("exhaustive (reduce %s%s): %lld executions, %lld decisions", report_reduce_names[o->reduce],
           o->shortest ? ", shortest first" : "", (long long)res->execs, (long long)res->steps);
    if (o->reduce == SIM_REDUCE_HASH)
        printf(", %lld states stored, %lld revisits, %.1f MiB", (long long)res->states, (long long)res->revisits,
               (double)res->memory_bytes / 1048576.0);
    if (o->reduce == SIM_REDUCE_HASH && res->complete && !o->shortest)
        printf(", the naive search: %lld executions", (long long)res->naive_execs);
    if (o->reduce == SIM_REDUCE_DPOR) printf(", %lld sleep-set blocked", (long long)res->sleep_blocked);
    if (o->shards <= 1 && !o->checkpoint) printf(", %lld distinct outcomes", (long long)res->outcomes);
    if (res->points > 0 && o->shards <= 1 && !o->checkpoint) /* a resumed or sharded search saw part of them */
        printf(", %.1f options a point (max %d)", (double)res->options_sum / (double)res->points, res->options_max);
    report_bounds(o, &res->bounds);
    printf(": %s\n", res->complete                       ? "the whole bounded space"
                     : res->violations && !o->keep_going ? "stopped at the first violation"
                     : res->stopped                      ? res->stopped
                                                         : "stopped by the budget, the bounded space is larger");
    if (o->oracle && res->violations == 0) {
        printf("no violation of %s;", o->oracle);
        if (res->violated_count == 0)
            printf(" no other oracle fired either (is the name right? see the violations a random run reports)");
        for (int i = 0; i < res->violated_count; i++)
            printf(" %s%s", i ? "" : "other oracles that fired: ", res->violated[i]);
        printf("\n");
    }
    if (o->shortest && res->violations)
        printf("shortest: no violation within %d decisions; one at %d\n", res->depth_reached - 1, res->depth_reached);
}

/* Appends one explored kind ("crashes <= 1 (thread)") or, with a zero bound, its name to the not-explored list. */
static void report_kind(sim_text *within, sim_text *missing, int64_t bound, const char *explored, const char *name) {
    if (bound > 0)
        sim_text_add(within, "; %s", explored);
    else
        sim_text_add(missing, "%s%s", missing->len ? ", " : "", name);
}

/* The wall steps explored, "+-1500 ms (server, p1..p3)". */
static void report_wall_text(const sim_bounds *b, char *buf, size_t cap) {
    const char *sign = b->wall_signs == SIM_WALL_SIGNS_BOTH       ? "+-"
                       : b->wall_signs == SIM_WALL_SIGNS_BACKWARD ? "-"
                                                                  : "+";
    const char *clocks = b->wall_clocks == SIM_WALL_CLOCKS_ALL       ? "server and every process"
                         : b->wall_clocks == SIM_WALL_CLOCKS_CLIENTS ? "every process"
                                                                     : "server";
    snprintf(buf, cap, "wall steps <= %lld of %s%lld ms (%s)", (long long)b->wall_steps, sign,
             (long long)b->wall_step_ms, clocks);
}

/* What a completed exhaustive search covered, exactly: its threads and bounds, the kinds of decision it branched
 * on, and, after "not explored:", every kind of fault or timing it did not. */
static void report_proved_within(uint64_t seed, const char *threads, const sim_bounds *b, const char *shard) {
    sim_text within, missing;
    sim_text_init(&within);
    sim_text_init(&missing);
    char text[200];
    sim_text_add(&within, "threads %s", threads[0] ? threads : "(not recorded)");
    if (b->preemptions_max < 0)
        sim_text_add(&within, "; preemptions unbounded");
    else
        sim_text_add(&within, "; preemptions <= %d", b->preemptions_max);
    snprintf(text, sizeof(text), "advances <= %lld (to wake-ups and key deadlines + 1 ms)", (long long)b->advances);
    report_kind(&within, &missing, b->advances, text, "time advances");
    int lost = b->store_fault_kinds >> SIM_FAULT_REPLY_LOST & 1u,
        down = b->store_fault_kinds >> SIM_FAULT_CONN_ERROR & 1u;
    char lost_text[64];
    snprintf(lost_text, sizeof(lost_text), "reply-lost surfacing after %lld ms", (long long)b->timeout_ms);
    snprintf(text, sizeof(text), "store faults <= %lld per thread (%s%s%s)", (long long)b->store_faults,
             lost ? lost_text : "", lost && down ? ", " : "", down ? "conn-error" : "");
    report_kind(&within, &missing, b->store_faults, text, "store faults (reply-lost, conn-error)");
    if (b->store_faults > 0 && !(lost && down))
        sim_text_add(&missing, "%s%s", missing.len ? ", " : "", lost ? "conn-error" : "reply-lost");
    report_wall_text(b, text, sizeof(text));
    report_kind(&within, &missing, b->wall_steps, text, "wall steps");
    if (b->wall_steps > 0 && b->wall_clocks != SIM_WALL_CLOCKS_ALL)
        sim_text_add(&missing, "%s%s wall steps", missing.len ? ", " : "",
                     b->wall_clocks == SIM_WALL_CLOCKS_SERVER ? "process" : "server");
    if (b->wall_steps > 0 && b->wall_signs != SIM_WALL_SIGNS_BOTH)
        sim_text_add(&missing, "%s%s wall steps", missing.len ? ", " : "",
                     b->wall_signs == SIM_WALL_SIGNS_FORWARD ? "backward" : "forward");
    snprintf(text, sizeof(text), "restarts <= %lld (lose-all)", (long long)b->restarts);
    report_kind(&within, &missing, b->restarts, text, "lose-all restarts");
    snprintf(text, sizeof(text), "crashes <= %lld (thread or process)", (long long)b->crashes);
    report_kind(&within, &missing, b->crashes, text, "crashes");
    snprintf(text, sizeof(text), "pauses <= %lld of %lld ms", (long long)b->pauses, (long long)b->pause_ms);
    report_kind(&within, &missing, b->pauses, text, "pauses");
    sim_text_add(&within, "; entropy: seed %" PRIu64 " (tokens and jitter fixed)", seed);
    sim_text_add(&missing,
                 "%slose-last restarts, clock drift, other step sizes, late wake-ups, a BLPOP served after its "
                 "timeout (Redis checks timeouts late)",
                 missing.len ? ", " : "");
    printf("PROVED%s within: %s; not explored: %s\n", shard, within.ok ? within.buf : "?",
           missing.ok ? missing.buf : "?");
    sim_text_free(&within);
    sim_text_free(&missing);
}

static void report_proved(const sim_exhaust_opts *o, const sim_exhaust_result *res) {
    char shard[96] = "";
    if (o->shards > 1)
        snprintf(shard, sizeof(shard), " (shard %d/%d only: racebed merge of every shard proves the whole)", o->shard,
                 o->shards);
    report_proved_within(o->seed, res->threads, &res->bounds, shard);
}

int cli_report_exhaustive_verdict(const sim_exhaust_opts *o, const sim_exhaust_result *res) {
    if (res->violations) {
        printf("VIOLATION %s: %s\n", res->first.oracle, res->first.msg);
        if (o->keep_going) {
            printf("%lld of %lld executions violated\nviolated oracles:", (long long)res->violations,
                   (long long)res->execs);
            for (int i = 0; i < res->violated_count; i++)
                printf(" %s", res->violated[i]);
            printf("\n");
        }
        return EXIT_VIOLATION;
    }
    if (!res->complete) {
        if (res->stopped)
            printf("INCOMPLETE: %s\n", res->stopped);
        else
            printf("INCOMPLETE: the budget of %lld executions ran out before the bounded space did (raise "
                   "--budget-execs): no violation in what was explored, which proves nothing\n",
                   (long long)o->execs_max);
        return EXIT_INCOMPLETE;
    }
    if (o->oracle && res->violated_count > 0) {
        printf("FAIL: no violation of %s, but other oracles fired (see above)\n", o->oracle);
        return EXIT_VIOLATION;
    }
    report_proved(o, res);
    return EXIT_PASS;
}

/* ---- replay, check, shrink, merge, stress -------------------------------------------------------------------- */

void cli_report_replay_header(const char *path, const sim_schedule *s, int lenient, int trace) {
    printf("replay %s: scenario %s, variant %s, seed %" PRIu64 "%s\n", path, s->scenario, s->variant, s->seed,
           lenient ? " (lenient)" : "");
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

int cli_report_replay_verdict(const cli_args *a, const sim_schedule *s, const sim_replay_result *r) {
    const sim_outcome *out = &r->outcome;
    char line[SIM_MSG_MAX + 128], expect[160];
    const char *word = cli_report_replay_words(s, r, a->lenient, line, sizeof(line), expect, sizeof(expect));
    if (r->end == SIM_END_SETUP) {
        cli_report_usage_error("replay", "%s", line);
        return EXIT_USAGE;
    }
    if (strcmp(word, "PASS") != 0 && strcmp(word, "VIOLATION") != 0) {
        printf("%s\n", line);
        return r->end == SIM_END_BACKEND ? EXIT_ENV : r->diverged && !a->lenient ? EXIT_DIVERGED : EXIT_PASS;
    }
    if (r->diverged)
        printf("note: the run left the schedule at %s; it went on with the seeded default\n", r->diverge_msg);
    printf("%s\n", line);
    for (int i = 0; i < out->note_count; i++)
        printf("allowed by design (%s, step %d): %s\n", out->note[i].oracle, out->note[i].step, out->note[i].msg);
    if (out->notes_dropped) printf("(%d more allowed-by-design notes)\n", out->notes_dropped);
    if (expect[0]) printf("%s\n", expect);
    return r->end == SIM_END_VIOLATION ? EXIT_VIOLATION : EXIT_PASS;
}

int cli_report_check_one(const char *path, const sim_schedule *s, const sim_replay_result *r) {
    char expect[96], got[96];
    report_expect_text(s, expect, sizeof(expect));
    report_got_text(r, got, sizeof(got));
    if (r->end == SIM_END_BACKEND) {
        printf("FAIL %s: store error: %s\n", path, r->outcome.backend_error);
    } else if (r->diverged) {
        printf("FAIL %s: diverged: %s\n", path, r->diverge_msg);
    } else if (s->expect == SIM_EXPECT_NONE || strcmp(expect, got) != 0) {
        printf("FAIL %s: expected %s, got %s\n", path, expect, got);
    } else {
        printf("ok   %s (%s, %d steps)\n", path, got, r->steps);
        return 1;
    }
    return 0;
}

void cli_report_check_skipped(const char *path) {
    printf("skip %s (model-only: a real Redis cannot lose only its last writes)\n", path);
}

void cli_report_check_summary(int ok, int bad, int skipped) {
    printf("%d schedule(s) matched, %d did not%s\n", ok, bad, skipped ? " (some skipped as model-only)" : "");
}

void cli_report_shrunk(const char *path, const char *dst, const char *oracle, int before, int after, int replays) {
    printf("shrunk %s: %d -> %d decisions (%d replays), violation %s kept\nwritten: %s\n", path, before, after, replays,
           oracle, dst);
}

void cli_report_shrink_failed(const char *path, const char *oracle) {
    printf("%s does not reproduce 'violation %s' (even leniently): nothing written\n", path, oracle);
}

void cli_report_merged(int shards, const sim_exhaust_state *first, int64_t execs, int64_t steps, int64_t violations,
                       int complete, const char *violation) {
    printf("merged %d shard(s) of %s %s: %lld executions, %lld decisions, %lld violating, %s\n", shards,
           first->scenario, first->variant, (long long)execs, (long long)steps, (long long)violations,
           complete ? "the whole bounded space" : "some shard stopped early (resume it)");
    if (violations)
        printf("VIOLATION %s\n", violation);
    else if (complete && first->has_bounds) {
        char shard[64];
        snprintf(shard, sizeof(shard), " (all %d shards merged)", first->shards);
        report_proved_within(first->seed, first->threads, &first->bounds, shard);
    } else if (complete)
        printf("PROVED within the bounds of each shard's search (merged %d of %d shards; these checkpoints predate "
               "saved bounds, so they are not listed)\n",
               shards, first->shards);
    else
        printf("INCOMPLETE: no violation so far, but a shard stopped before its space did (resume it with its "
               "--checkpoint)\n");
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

/* ---- run --check-determinism ------------------------------------------------------------------------------------ */

void cli_report_determinism(const cli_args *a, const char *binary, int at, int lines, const char *here,
                            const char *there) {
    uint64_t last = a->opts.seed + (uint64_t)a->check_determinism - 1;
    if (at == 0) {
        printf("DETERMINISTIC: %lld executions of %s (seeds %" PRIu64 "..%" PRIu64 "), %d lines of decisions and "
               "trace identical in a fresh process (%s)\n",
               (long long)a->check_determinism, a->cfg.scenario->name, a->opts.seed, last, lines, binary);
        return;
    }
    printf("NONDETERMINISTIC: %s differs from a fresh process (%s) at line %d of the decision and trace stream, "
           "after %d identical lines\n  this process:  %s\n  fresh process: %s\n",
           a->cfg.scenario->name, binary, at, lines, here, there);
    printf("(each line names its execution (seed %" PRIu64 "+execution), and a trace line its step and thread: "
           "replay that seed's schedule in both to see the rest)\n",
           a->opts.seed);
}

/* ---- list --oracles: each oracle's canaries ------------------------------------------------------------------- */

/* Appends "a, b" style item 'item' to 'buf' unless already there. */
static void report_list_add(char *buf, size_t cap, const char *item) {
    size_t n = strlen(item);
    for (const char *p = buf; (p = strstr(p, item)) != NULL; p += n)
        if ((p == buf || p[-1] == ' ') && (p[n] == '\0' || p[n] == ',')) return;
    size_t used = strlen(buf);
    snprintf(buf + used, cap - used, "%s%s", used ? ", " : "", item);
}

/* One oracle's line: the mutants declared to kill it and the race probes of their scenarios. Returns 1 if none
 * kills it. */
static int report_oracle_line(const char *oracle) {
    char killers[2048] = "", probes[1024] = "", item[2 * SIM_NAME_MAX + 2], canary[SIM_NAME_MAX];
    for (int i = 0; sim_scenarios[i]; i++) {
        const sim_scenario *sc = sim_scenarios[i];
        for (int v = 1; v < sc->variant_count; v++) {
            if (sim_canary_of(sc, sc->variants[v].name, canary, sizeof(canary)) != 0 || strcmp(canary, oracle) != 0)
                continue;
            snprintf(item, sizeof(item), "%s/%s", sc->name, sc->variants[v].name + 7);
            report_list_add(killers, sizeof(killers), item);
            for (int k = 0; sc->probes && sim__list_item(sc->probes, k, item, sizeof(item)) == 0; k++)
                report_list_add(probes, sizeof(probes), item);
        }
    }
    printf("%-32s killed by: %s; race probes: %s\n", oracle, killers[0] ? killers : "NONE (no mutant kills it)",
           probes[0] ? probes : "-");
    return killers[0] == '\0';
}

int cli_report_oracles(void) {
    char names[4096], name[SIM_NAME_MAX], seen[8192] = "", uncovered[4096] = "", undeclared[4096] = "";
    int count = 0, none = 0;
    sim_oracle_names(NULL, names, sizeof(names));
    for (const char *p = names; *p;) { /* the built-in ones ("a, b, c"), then each scenario's expectations */
        size_t k = strcspn(p, ",");
        snprintf(name, sizeof(name), "%.*s", (int)k, p);
        p += k;
        while (*p == ',' || *p == ' ')
            p++;
        report_list_add(seen, sizeof(seen), name);
    }
    for (int i = 0; sim_scenarios[i]; i++)
        for (int k = 0; sim__list_item(sim_scenarios[i]->expectations, k, name, sizeof(name)) == 0; k++)
            report_list_add(seen, sizeof(seen), name);
    for (const char *p = seen; *p;) {
        size_t k = strcspn(p, ",");
        snprintf(name, sizeof(name), "%.*s", (int)k, p);
        p += k;
        while (*p == ',' || *p == ' ')
            p++;
        count++;
        if (report_oracle_line(name)) {
            none++;
            report_list_add(uncovered, sizeof(uncovered), name);
        }
    }
    for (int i = 0; sim_scenarios[i]; i++)
        for (int v = 1; v < sim_scenarios[i]->variant_count; v++) {
            char item[2 * SIM_NAME_MAX + 2];
            if (sim_canary_of(sim_scenarios[i], sim_scenarios[i]->variants[v].name, name, sizeof(name)) == 0) continue;
            snprintf(item, sizeof(item), "%s/%s", sim_scenarios[i]->name, sim_scenarios[i]->variants[v].name);
            report_list_add(undeclared, sizeof(undeclared), item);
        }
    printf("%d oracles; %d with no mutant that kills it%s%s\n", count, none, none ? ": " : "", uncovered);
    if (undeclared[0]) printf("mutants with no declared canary oracle: %s\n", undeclared);
    return undeclared[0] ? 1 : 0;
}

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
