/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli_html.c: HTML timelines of schedule files: `racebed report FILE...` and the timeline written beside every
 * schedule a failing run writes. The replay feeds the report room's timeline (sim/report/), the report room builds
 * the page in memory, and this module writes it: only cli/ writes files.
 *
 * Invariant: a page is written whole or not at all (a temporary file renamed into place), and a failure to write it
 * is an error naming the path, never silence.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/cli_report.h"
#include "sim/report/report_html.h"
#include "sim/run/sim_arena.h"
#include "sim/run/sim_verdict.h"

/* Writes 'len' bytes of 'text' to 'path' through 'path'.tmp. Returns 0, or -1 with 'err'. */
static int html_write_file(const char *path, const char *text, size_t len, char *err, size_t cap) {
    char tmp[CLI_PATH_MAX + 8];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        snprintf(err, cap, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    int bad = fwrite(text, 1, len, f) != len;
    bad |= fclose(f) != 0;
    if (!bad && rename(tmp, path) != 0) bad = 1;
    if (bad) {
        snprintf(err, cap, "error writing %s: %s", path, strerror(errno));
        remove(tmp);
    }
    return bad ? -1 : 0;
}

/* Where the page of schedule 'path' goes by default: .sched replaced by .html (or .html appended). */
static void html_default_path(const char *path, char *dst, size_t cap) {
    size_t n = strlen(path);
    if (n > 6 && strcmp(path + n - 6, ".sched") == 0)
        snprintf(dst, cap, "%.*s.html", (int)(n - 6), path);
    else
        snprintf(dst, cap, "%s.html", path);
}

int cli_html_write(sim_run *run, const char *sched_path, const sim_schedule *s, const sim_config *cfg, int lenient,
                   const char *html_path, char *err, size_t cap) {
    report_timeline t = {0};
    sim_replay_opts o = {lenient, 0, NULL, NULL, NULL, report_timeline_add, &t};
    sim_replay_result r;
    sim_replay(run, cfg, s, &o, &r);
    char line[SIM_MSG_MAX + 128], expect[160];
    size_t text_len = 0;
    char *text = cli_read_file(sched_path, &text_len, err, cap); /* listed with its line anchors */
    report_meta m = {0};
    m.schedule_path = sched_path;
    m.schedule_text = text;
    m.scenario = cfg->scenario->name;
    m.variant = cfg->scenario->variants[cfg->variant].name;
    m.seed = s->seed;
    m.verdict = cli_report_replay_words(s, &r, lenient, line, sizeof(line), expect, sizeof(expect));
    m.verdict_text = line;
    m.expect_text = expect[0] ? expect : NULL;
    if (r.end == SIM_END_VIOLATION) {
        m.oracle = r.outcome.violation.oracle;
        m.oracle_doc = sim_oracle_doc(m.oracle);
        m.violation_step = r.outcome.violation.step;
    }
    sim_text page;
    sim_text_init(&page);
    int rc = report_html(&t, &m, &page);
    if (rc != 0)
        snprintf(err, cap, "out of memory building the timeline of %s", sched_path);
    else
        rc = html_write_file(html_path, page.buf, page.len, err, cap);
    sim_text_free(&page);
    report_timeline_free(&t);
    free(text);
    return rc;
}

int cli_html_beside(sim_run *run, const cli_args *a, const char *sched_path) {
    char html[CLI_PATH_MAX + 8], err[CLI_PATH_MAX + 160];
    sim_schedule s;
    sim_config cfg;
    /* read back as written: the page links each step to the file's lines */
    if (cli_load_schedule(sched_path, &s, &cfg) != 0) return EXIT_ENV;
    html_default_path(sched_path, html, sizeof(html));
    int rc = cli_html_write(run, sched_path, &s, &cfg, 0, html, err, sizeof(err));
    sim_schedule_free(&s);
    if (rc != 0) {
        cli_report_error("%s", err);
        return EXIT_ENV;
    }
    cli_report_timeline_written(a, html);
    return 0;
}

int cli_cmd_report(cli_args *a) {
    if (a->out && a->positional_count > 1) {
        cli_report_usage_error("report", "--out names one page: give one schedule file with it, or none");
        return EXIT_USAGE;
    }
    sim_run *run = cli_arena();
    if (run == NULL) return EXIT_ENV;
    int code = EXIT_PASS;
    for (int i = 0; i < a->positional_count; i++) {
        const char *path = a->positional[i];
        sim_schedule s;
        sim_config cfg;
        if (cli_load_schedule(path, &s, &cfg) != 0) {
            code = EXIT_USAGE;
            continue;
        }
        char html[CLI_PATH_MAX + 8], err[CLI_PATH_MAX + 160];
        if (a->out)
            snprintf(html, sizeof(html), "%s", a->out);
        else
            html_default_path(path, html, sizeof(html));
        if (cli_html_write(run, path, &s, &cfg, a->lenient, html, err, sizeof(err)) != 0) {
            cli_report_error("%s", err);
            code = EXIT_ENV;
        } else {
            cli_report_timeline_written(a, html);
        }
        sim_schedule_free(&s);
    }
    sim_arena_unmap(run);
    return code;
}
