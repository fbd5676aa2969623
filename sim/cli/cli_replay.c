/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli_replay.c: the commands over schedule files: `racebed replay` (one file, step by step), `racebed check` (the
 * corpus: each file's verdict against its expect line) and `racebed shrink`.
 *
 * Invariant: a schedule is replayed strictly unless --lenient says otherwise; a model-only schedule never goes to a
 * real store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/cli_junit.h"
#include "sim/cli/cli_report.h"
#include "sim/explore/sim_faults.h"
#include "sim/explore/sim_progress.h"
#include "sim/explore/sim_shrink.h"
#include "sim/search/sim_shorter.h"
#include "sim/real/sim_redis_backend.h"
#include "sim/run/sim_arena.h"

static void replay_trace(void *ctx, const char *line) {
    (void)ctx;
    cli_report_trace_line(line);
}

int cli_cmd_replay(cli_args *a) {
    const char *path = a->positional[0];
    sim_schedule s;
    sim_config cfg;
    int rc = cli_load_schedule(path, &s, &cfg);
    if (rc != 0) return rc;
    if (a->store && strcmp(a->store, "model") != 0 && s.model_only) {
        cli_report_usage_error("replay",
                               "%s is model-only (it restarts the store losing only its last writes, or has "
                               "the server notice a timeout late, which a real Redis cannot do on demand): replay it "
                               "on the model store",
                               path);
        sim_schedule_free(&s);
        return EXIT_ENV;
    }
    sim_backend_handle *backend = NULL;
    if ((rc = cli_open_store(a->command->name, a->store, &backend)) != 0) {
        sim_schedule_free(&s);
        return rc;
    }
    cfg.backend = sim_backend_get(backend);
    sim_run *run = cli_arena();
    if (run == NULL) {
        sim_schedule_free(&s);
        sim_backend_close(backend);
        return EXIT_ENV;
    }
    if (backend) cli_report_store(a, sim_backend_describe(backend));
    sim_replay_opts o = {a->lenient, a->until_step, a->quiet || a->doc ? NULL : replay_trace, NULL, NULL, NULL, NULL};
    cli_report_replay_header(a, path, &s, o.trace != NULL);
    sim_replay_result r;
    sim_run_keep_metrics(run, a->metrics != NULL);
    sim_replay(run, &cfg, &s, &o, &r);
    int code = cli_report_replay_verdict(a, &s, &r);
    if (a->metrics) {
        int mrc = cli_write_metrics(run, a->metrics);
        if (mrc != 0 && code == EXIT_PASS) code = mrc;
    }
    if (a->opts.hash) cli_report_hash(a, r.stream_hash, r.trace_hash);
    sim_schedule_free(&s);
    sim_arena_unmap(run);
    sim_backend_close(backend);
    return code;
}

/* One schedule of `racebed check`: replays 'path' and reports it (text or document, and a JUnit case in 'junit' if
 * not NULL). Returns 1 matched, 0 did not, -1 skipped; '*code' becomes the exit code it asks for (2 unreadable, 4
 * the store failed, 1 no match) unless an earlier schedule asked for one already. */
static int check_one(const cli_args *a, sim_run *run, sim_backend_handle *backend, const char *path, cli_junit *junit,
                     int *code) {
    sim_schedule s;
    sim_config cfg;
    char err[CLI_PATH_MAX + 600], why[SIM_MSG_MAX + 64];
    if (cli_load_schedule_err(path, &s, &cfg, err, sizeof(err)) != 0) {
        cli_report_check_unreadable(a, path, err);
        if (junit) cli_junit_add(junit, "(unreadable)", path, 0.0, CLI_JUNIT_ERROR, err, NULL);
        *code = EXIT_USAGE;
        return 0;
    }
    if (backend && s.model_only) {
        cli_report_check_skipped(a, path, &s);
        if (junit) cli_junit_add(junit, s.scenario, path, 0.0, CLI_JUNIT_SKIPPED, "model-only", NULL);
        sim_schedule_free(&s);
        return -1;
    }
    cfg.backend = sim_backend_get(backend);
    sim_replay_opts o = {0, 0, NULL, NULL, NULL, NULL, NULL};
    sim_replay_result r;
    double t0_s = sim_real_clock_s();
    sim_replay(run, &cfg, &s, &o, &r);
    double seconds = sim_real_clock_s() - t0_s;
    int ok = cli_report_check_one(a, path, &s, &r, seconds);
    if (junit) {
        cli_report_check_status(&s, &r, why, sizeof(why));
        cli_junit_outcome outcome = ok                         ? CLI_JUNIT_PASSED
                                    : r.end == SIM_END_BACKEND ? CLI_JUNIT_ERROR
                                                               : CLI_JUNIT_FAILURE;
        snprintf(err, sizeof(err), "%s\nschedule: %s\nreplay: racebed replay %s", why, path, path);
        cli_junit_add(junit, s.scenario, path, seconds, outcome, why, ok ? NULL : err);
    }
    if (!ok && r.end == SIM_END_BACKEND)
        *code = EXIT_ENV;
    else if (!ok && *code == EXIT_PASS)
        *code = EXIT_VIOLATION;
    sim_schedule_free(&s);
    return ok;
}

/* Writes the JUnit report of `check --junit FILE`. Returns 0, or EXIT_ENV with the error printed. */
static int check_write_junit(const cli_args *a, const cli_junit *junit) {
    size_t len = 0;
    char err[CLI_PATH_MAX + 128];
    char *text = cli_junit_text(junit, "racebed check", &len);
    if (text == NULL) {
        cli_report_usage_error("check", "--junit %s: out of memory", a->junit);
        return EXIT_ENV;
    }
    int rc = cli_write_file(a->junit, text, len, err, sizeof(err));
    free(text);
    if (rc != 0) {
        cli_report_usage_error("check", "--junit: %s", err);
        return EXIT_ENV;
    }
    return 0;
}

int cli_cmd_check(cli_args *a) {
    char err[CLI_PATH_MAX + 128];
    if (a->junit && cli_check_writable(a->junit, err, sizeof(err)) != 0) { /* at start, not after the replays */
        cli_report_usage_error("check", "--junit: %s", err);
        return EXIT_ENV;
    }
    sim_backend_handle *backend = NULL;
    int code = cli_open_store(a->command->name, a->store, &backend);
    if (code != 0) return code;
    sim_run *run = cli_arena();
    if (run == NULL) {
        sim_backend_close(backend);
        return EXIT_ENV;
    }
    if (backend) cli_report_store(a, sim_backend_describe(backend));
    cli_junit junit;
    cli_junit_init(&junit);
    int ok = 0, bad = 0, skipped = 0;
    for (int i = 0; i < a->positional_count; i++) {
        int one = check_one(a, run, backend, a->positional[i], a->junit ? &junit : NULL, &code);
        ok += one == 1;
        bad += one == 0;
        skipped += one < 0;
    }
    cli_report_check_summary(a, ok, bad, skipped);
    if (a->junit) {
        int jrc = check_write_junit(a, &junit);
        if (jrc != 0 && code == EXIT_PASS) code = jrc;
    }
    cli_junit_fini(&junit);
    sim_arena_unmap(run);
    sim_backend_close(backend);
    return code;
}

/* Where a shrunk schedule goes: --out, or FILE with .sched replaced by .shrunk.sched. */
static void shrink_destination(const cli_args *a, const char *path, char *dst, size_t cap) {
    size_t n = strlen(path);
    if (a->out)
        snprintf(dst, cap, "%s", a->out);
    else if (n > 6 && strcmp(path + n - 6, ".sched") == 0)
        snprintf(dst, cap, "%.*s.shrunk.sched", (int)(n - 6), path);
    else
        snprintf(dst, cap, "%s.shrunk.sched", path);
}

/* The fault kinds a search for a shorter 's' explores: the scenario's declared ones and those 's' uses. */
static unsigned shrink_faults_of(const sim_config *cfg, const sim_schedule *s) {
    char err[256];
    unsigned mask = 0;
    if (cfg->scenario->faults) sim_faults_parse(cfg->scenario->faults, &mask, err, sizeof(err));
    for (int i = 0; i < s->decision_count; i++) {
        const sim_decision *d = &s->decisions[i];
        switch (d->kind) {
        case SIM_DEC_CRASH: mask |= 1u << SIM_FAULT_BIT_CRASH; break;
        case SIM_DEC_PAUSE: mask |= 1u << SIM_FAULT_BIT_PAUSE; break;
        case SIM_DEC_WALL: mask |= 1u << SIM_FAULT_BIT_WALL; break;
        case SIM_DEC_RESTART: mask |= 1u << SIM_FAULT_BIT_RESTART; break;
        case SIM_DEC_FAULT:
            mask |= 1u << (d->variant == SIM_FAULT_REPLY_LOST   ? SIM_FAULT_BIT_REPLY_LOST
                           : d->variant == SIM_FAULT_CONN_ERROR ? SIM_FAULT_BIT_CONN_ERROR
                                                                : SIM_FAULT_BIT_LATE_TIMEOUT);
            break;
        default: break;
        }
    }
    return mask;
}

int cli_cmd_shrink(cli_args *a) {
    const char *path = a->positional[0];
    sim_schedule s, shrunk;
    sim_config cfg;
    int rc = cli_load_schedule(path, &s, &cfg);
    if (rc != 0) return rc;
    if (s.expect != SIM_EXPECT_VIOLATION) {
        cli_report_usage_error("shrink", "%s has no 'expect violation ORACLE' line: nothing to keep", path);
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
    if (sim_shrink(run, &cfg, &s, s.expect_oracle, (int)a->replays_max, &shrunk, &sr) != 0) {
        cli_report_shrink_failed(path, s.expect_oracle);
        code = EXIT_VIOLATION;
    } else {
        char dst[CLI_PATH_MAX], comment[200], err[CLI_PATH_MAX + 128];
        /* then a search for a shorter one, exploring the faults the schedule uses */
        if (a->shrink_execs > 0 &&
            sim_search_shorter(run, &cfg, &shrunk, s.expect_oracle, shrink_faults_of(&cfg, &s), a->shrink_execs))
            sr.after = shrunk.decision_count;
        shrink_destination(a, path, dst, sizeof(dst));
        lk_copy_str(shrunk.strategy, sizeof(shrunk.strategy), s.strategy);
        snprintf(comment, sizeof(comment),
                 "shrunk from %d to %d decisions (%d replays)\nreplay: racebed replay "
                 "THIS_FILE",
                 sr.before, sr.after, sr.replays);
        if (cli_save_schedule(NULL, dst, &shrunk, comment, err, sizeof(err)) != 0) {
            cli_report_usage_error("shrink", "%s", err);
            code = EXIT_ENV;
        } else {
            cli_report_shrunk(path, dst, s.expect_oracle, sr.before, sr.after, sr.replays);
        }
    }
    sim_schedule_free(&s);
    sim_schedule_free(&shrunk);
    sim_arena_unmap(run);
    return code;
}
