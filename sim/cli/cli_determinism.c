/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli_determinism.c: `racebed run SCENARIO ... --check-determinism N`: racebed's determinism promise checked across
 * processes (and, with --asan-build, across builds). This process records executions SEED .. SEED+N-1 and replays
 * each, writing every decision and trace line; a fresh process (this binary, or the sanitizer build) started with
 * the same arguments writes the same lines; the first line that differs names the execution, its seed, the step and
 * the thread (a trace line carries them), in both processes' words.
 *
 * Invariant: the check never passes on less than it compared: a child that fails, or writes fewer lines, is a
 * failure naming why. The child is this module too: the environment variable RACEBED_DETERMINISM_CHILD makes it
 * write its lines to stdout instead of comparing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "sim/cli/cli_report.h"
#include "sim/explore/sim_record.h"
#include "sim/explore/sim_replay.h"

#define DET_CHILD_ENV "RACEBED_DETERMINISM_CHILD"
enum { DET_OUTPUT_MAX = 512 * 1024 * 1024 }; /* largest line stream read from the fresh process, bytes */

typedef struct det_trace {
    FILE *f;
    int64_t exec;
} det_trace;

static void det_trace_line(void *ctx, const char *line) {
    det_trace *t = ctx;
    fprintf(t->f, "execution %" PRId64 ": %s\n", t->exec, line);
}

/* Writes the line stream of executions SEED .. SEED+N-1 to 'f': each one's decisions as its schedule would say them,
 * its trace, and its end. Returns 0, or -1 when an execution could not run (its setup error in 'err', and in the
 * stream). */
static int det_write(sim_run *run, const cli_args *a, FILE *f, char *err, size_t cap) {
    char strategy[SIM_STRATEGY_MAX], text[200];
    cli_run_strategy_text(a, strategy, sizeof(strategy));
    for (int64_t i = 0; i < a->check_determinism; i++) {
        uint64_t seed = a->opts.seed + (uint64_t)i;
        sim_schedule s;
        sim_schedule_init(&s);
        sim_outcome out;
        sim_end end = sim_explore_record(run, &a->cfg, seed, &a->opts, strategy, &s, &out);
        fprintf(f, "execution %" PRId64 ": seed %" PRIu64 "\n", i, seed);
        for (int d = 0; d < s.decision_count; d++) {
            if (sim_decision_format(&s.decisions[d], text, sizeof(text)) < 0) snprintf(text, sizeof(text), "?");
            fprintf(f, "execution %" PRId64 ": decision %d: %s\n", i, d + 1, text);
        }
        det_trace t = {f, i};
        sim_replay_opts o = {0, 0, det_trace_line, &t, NULL, NULL, NULL};
        sim_replay_result r;
        sim_replay(run, &a->cfg, &s, &o, &r);
        if (end == SIM_END_VIOLATION)
            fprintf(f, "execution %" PRId64 ": end VIOLATION %s at step %d\n", i, out.violation.oracle,
                    out.violation.step);
        else
            fprintf(f, "execution %" PRId64 ": end %s after %d steps\n", i,
                    end == SIM_END_PASS    ? "PASS"
                    : end == SIM_END_SETUP ? "SETUP ERROR"
                                           : "ABORTED",
                    out.steps);
        if (r.diverged) fprintf(f, "execution %" PRId64 ": its replay diverged: %s\n", i, r.diverge_msg);
        sim_schedule_free(&s);
        if (end == SIM_END_SETUP) {
            fprintf(f, "execution %" PRId64 ": setup error: %s\n", i, out.setup_error);
            snprintf(err, cap, "%s", out.setup_error);
            return -1;
        }
    }
    return 0;
}

/* The binary of the fresh process: this one, or with --asan-build the sanitizer build beside it
 * (build/racebed -> build-asan/racebed). Returns 0, or -1 with 'err'. */
static int det_binary(const cli_args *a, char *path, size_t cap, char *err, size_t ecap) {
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) {
        snprintf(err, ecap, "cannot find this binary (/proc/self/exe: %s)", strerror(errno));
        return -1;
    }
    self[n] = '\0';
    if (!a->asan_build) {
        snprintf(path, cap, "%s", self);
        return 0;
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", self);
    snprintf(path, cap, "%s/../build-asan/racebed", dirname(dir));
    if (access(path, X_OK) != 0) {
        snprintf(err, ecap, "no sanitizer build at %s: build it with 'make asan'", path);
        return -1;
    }
    return 0;
}

/* Runs 'binary' with this command line and the child variable set; its stdout into '*out' ('*len' bytes). Returns 0,
 * or -1 with 'err' (it could not start, failed, or wrote too much). */
static int det_child(const cli_args *a, const char *binary, char **out, size_t *len, char *err, size_t ecap) {
    int fd[2];
    if (pipe(fd) != 0) {
        snprintf(err, ecap, "pipe: %s", strerror(errno));
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, ecap, "fork: %s", strerror(errno));
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(fd[1], STDOUT_FILENO);
        close(fd[0]);
        close(fd[1]);
        setenv(DET_CHILD_ENV, "1", 1);
        execv(binary, a->argv);
        fprintf(stderr, "racebed: cannot run %s: %s\n", binary, strerror(errno));
        _exit(127);
    }
    close(fd[1]);
    size_t cap = 1 << 20, used = 0;
    char *buf = malloc(cap);
    int too_big = 0;
    for (ssize_t got = 1; buf && got > 0;) {
        if (used + 1 == cap) {
            char *b = cap * 2 <= DET_OUTPUT_MAX ? realloc(buf, cap * 2) : NULL;
            if (b == NULL) {
                too_big = 1;
                break;
            }
            buf = b;
            cap *= 2;
        }
        got = read(fd[0], buf + used, cap - 1 - used);
        if (got > 0) used += (size_t)got;
        if (got < 0 && errno == EINTR) got = 1;
    }
    close(fd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (buf == NULL || too_big) {
        snprintf(err, ecap, "the fresh process wrote more than %d MiB of lines (fewer executions?)",
                 DET_OUTPUT_MAX >> 20);
        free(buf);
        return -1;
    }
    buf[used] = '\0';
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (WIFSIGNALED(status))
            snprintf(err, ecap, "the fresh process (%s) died of signal %d", binary, WTERMSIG(status));
        else
            snprintf(err, ecap, "the fresh process (%s) failed with exit %d", binary, WEXITSTATUS(status));
        free(buf);
        return -1;
    }
    *out = buf;
    *len = used;
    return 0;
}

/* The first line at which 'here' and 'there' differ: 0 when identical, else its 1-based number, with both lines
 * (either may be "(no more lines)") copied out. */
static int det_compare(const char *here, const char *there, char *a, char *b, size_t cap, int *lines) {
    int line = 1;
    for (;; line++) {
        size_t n = strcspn(here, "\n"), m = strcspn(there, "\n");
        if (*here == '\0' && *there == '\0') break;
        if (n != m || memcmp(here, there, n) != 0) {
            snprintf(a, cap, "%.*s", (int)n, here);
            snprintf(b, cap, "%.*s", (int)m, there);
            if (*here == '\0') snprintf(a, cap, "(no more lines)");
            if (*there == '\0') snprintf(b, cap, "(no more lines)");
            *lines = line - 1;
            return line;
        }
        here += n + (here[n] == '\n');
        there += m + (there[m] == '\n');
    }
    *lines = line - 1;
    return 0;
}

int cli_check_determinism(sim_run *run, cli_args *a) {
    if (a->json) {
        cli_report_usage_error("run", "--check-determinism reports in text only: drop --json");
        return EXIT_USAGE;
    }
    if (a->store && strcmp(a->store, "model") != 0) { /* two processes on one real server would share its keys */
        cli_report_usage_error("run", "--check-determinism runs on the model store: drop --store");
        return EXIT_USAGE;
    }
    char binary[PATH_MAX + 32], err[PATH_MAX + 256];
    if (getenv(DET_CHILD_ENV)) /* the fresh process: its lines go to the parent */
        return det_write(run, a, stdout, err, sizeof(err)) == 0 && fflush(stdout) == 0 ? EXIT_PASS : EXIT_USAGE;
    if (det_binary(a, binary, sizeof(binary), err, sizeof(err)) != 0) {
        cli_report_error("--check-determinism: %s", err);
        return EXIT_ENV;
    }
    char *here = NULL, *there = NULL;
    size_t here_len = 0, there_len = 0;
    FILE *f = open_memstream(&here, &here_len);
    if (f == NULL) {
        cli_report_error("--check-determinism: out of memory");
        return EXIT_ENV;
    }
    int wrote = det_write(run, a, f, err, sizeof(err));
    fclose(f);
    if (wrote != 0) {
        cli_report_error("--check-determinism: the scenario cannot run: %s", err);
        free(here);
        return EXIT_USAGE;
    }
    if (det_child(a, binary, &there, &there_len, err, sizeof(err)) != 0) {
        cli_report_error("--check-determinism: %s", err);
        free(here);
        return EXIT_ENV;
    }
    char mine[1024], theirs[1024];
    int lines = 0, at = det_compare(here, there, mine, theirs, sizeof(mine), &lines);
    cli_report_determinism(a, binary, at, lines, mine, theirs);
    free(here);
    free(there);
    return at ? EXIT_VIOLATION : EXIT_PASS;
}
