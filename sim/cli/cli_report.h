/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli_report.h: every line of racebed's output that tools or tests parse, worded in one place: verdict lines
 * (PASS, VIOLATION, INCOMPLETE, FAIL, DIVERGED, STORE ERROR), the run header, the probes, the hashes,
 * "schedule:"/"replay:", the check summary, the [timing] lines; and the error messages. The exhaustive search's
 * summary and verdict, and merge's, are in cli_report_search.h.
 *
 * With --json (a->doc set) each function that takes 'a' puts the same values, and the same verdict words, into the
 * document (cli_json.h) instead of printing them; errors still go to stderr.
 * Invariant: a format tools/ or tests/ read with sed or grep is written here and nowhere else; the command modules
 * pass values, never text to print.
 */
#ifndef RACEBED_SIM_CLI_CLI_REPORT_H
#define RACEBED_SIM_CLI_CLI_REPORT_H

#include "sim/cli/cli.h"
#include "sim/real/sim_stress.h"

/* ---- plain text and errors ----------------------------------------------------------------------------------- */

/* Writes 'text' as is to stdout (or stderr). */
void cli_report_text(const char *text, int to_stderr);
/* "racebed CMD: message" on stderr (a usage or input error). */
void cli_report_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "racebed: message" on stderr (an environment error or one not tied to a command). */
void cli_report_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- run and sweep ----------------------------------------------------------------------------------------------- */

/* "scenario S, variant V, seed N ..., strategy ..." and "params: k=v ...". */
void cli_report_run_header(const cli_args *a, int sweep);
/* "store: DESCRIPTION". */
void cli_report_store(const cli_args *a, const char *description);
/* "NONDETERMINISTIC scenario S: ...": a re-run of execution 'seed' did not repeat it ('where' says how). */
void cli_report_nondeterminism(const cli_args *a, uint64_t seed, const char *where);
/* "schedule: PATH (N decisions)" and "replay:   SELF replay PATH", a command that runs as printed from where racebed
 * was started (SELF is how racebed was invoked, a->self; both quoted for the shell where needed). */
void cli_report_schedule_written(const cli_args *a, const char *path, int decisions);
/* "timeline: PATH": the HTML timeline written beside a schedule (unless --quiet; with --json: schedule.timeline). */
void cli_report_timeline_written(const cli_args *a, const char *path);
/* The random strategy's verdict line when it found no violation (STORE ERROR, PASS); a violation is printed with
 * its schedule. */
void cli_report_random(const cli_args *a, const sim_random_result *res);
/* "VIOLATION ORACLE at execution N (seed S), step K: what" with 'v' as the schedule written has it, and "N of M
 * executions violated" with --runs. */
void cli_report_random_violation(const cli_args *a, const sim_random_result *res, const sim_verdict *v);
/* PCT's probability bound for 'threads' threads over 'execs' executions. */
void cli_report_pct_bound(const cli_args *a, int threads, int64_t execs);
/* "probes (executions that reached each): name=count ..." (built-in and the scenario's own probes; "paths" with
 * 'paths', a search over states), "NAME checked in N of M executions" for each expectation some execution left
 * unchecked, and, with 'check', a PROBE NOT REACHED or EXPECTATION NOT CHECKED line per requirement not met.
 * Returns 1 if one was not met. */
int cli_report_probes(const cli_args *a, const int64_t *probe_execs, const int64_t *unchecked, int64_t execs, int check,
                      int paths);
/* "hash: stream X trace Y". */
void cli_report_hash(const cli_args *a, uint64_t stream, uint64_t trace);
/* "[timing] N executions, M decisions in S s (R decisions/s)". */
void cli_report_timing(const cli_args *a, int64_t execs, int64_t steps, double seconds);
/* The crash sweep's verdict: PASS or VIOLATION with the crash point and the count. */
void cli_report_sweep(const cli_args *a, const sim_sweep_result *sw);
/* ---- replay, check, shrink, merge, stress -------------------------------------------------------------------- */

/* "replay PATH: scenario S, variant V, seed N" (with a->lenient: "(lenient)") and, with 'trace', the trace's column
 * header. */
void cli_report_replay_header(const cli_args *a, const char *path, const sim_schedule *s, int trace);
/* One trace line. */
void cli_report_trace_line(const char *line);
/* The replay's verdict (DIVERGED, stopped, VIOLATION, PASS, notes, the expect match). Returns the exit code. */
int cli_report_replay_verdict(const cli_args *a, const sim_schedule *s, const sim_replay_result *r);
/* A replay's verdict as words, for reports: returns the verdict word (PASS, VIOLATION, DIVERGED, STOPPED, STORE
 * ERROR, SETUP ERROR); 'line' gets the verdict line replay prints, 'expect_line' the expect comparison ("" none). */
const char *cli_report_replay_words(const sim_schedule *s, const sim_replay_result *r, int lenient, char *line,
                                    size_t cap, char *expect_line, size_t ecap);
/* Whether schedule 's', replayed as 'r', matched its expect line: 1 with what it got ("pass", "violation ORACLE") in
 * 'why', or 0 with why not ("expected pass, got violation ORACLE", "diverged: ...", "store error: ...").  Pure. */
int cli_report_check_status(const sim_schedule *s, const sim_replay_result *r, char *why, size_t cap);
/* One schedule's line of `racebed check`: "ok   PATH (...)", "FAIL PATH: ...", "skip PATH (...)" ('seconds': its
 * replay's real time, for the document). Returns 1 if it matched. */
int cli_report_check_one(const cli_args *a, const char *path, const sim_schedule *s, const sim_replay_result *r,
                         double seconds);
void cli_report_check_skipped(const cli_args *a, const char *path, const sim_schedule *s);
/* A schedule that could not be read: 'err' (naming it) on stderr, and a FAIL entry in the document. */
void cli_report_check_unreadable(const cli_args *a, const char *path, const char *err);
/* "N schedule(s) matched, M did not". */
void cli_report_check_summary(const cli_args *a, int ok, int bad, int skipped);
/* "shrunk PATH: N -> M decisions ..." and "written: DST", or that it does not reproduce. */
void cli_report_shrunk(const char *path, const char *dst, const char *oracle, int before, int after, int replays);
void cli_report_shrink_failed(const char *path, const char *oracle);
/* Stress mode's header, verdict and counts. */
void cli_report_stress_header(const sim_stress_opts *o, const char *store);
void cli_report_stress(const sim_stress_result *res);

/* ---- list ------------------------------------------------------------------------------------------------------- */

/* One scenario's lines of `racebed list` (with its parameters when 'verbose'). */
void cli_report_scenario(const sim_scenario *sc, int verbose);
/* run --check-determinism: DETERMINISTIC with what was compared ('at' 0), or NONDETERMINISTIC naming line 'at' of
 * the stream and both processes' words for it. */
void cli_report_determinism(const cli_args *a, const char *binary, int at, int lines, const char *here,
                            const char *there);
/* list --oracles: each oracle (built-in, then the scenarios' expectations) with the mutants declared to kill it
 * (sim_scenario.canaries) and their scenarios' race probes, then the oracles no mutant kills and the mutants with no
 * declared oracle. Returns 1 if some mutant declares none, else 0. */
int cli_report_oracles(void);
/* The built-in parameters, once (list -v). */
void cli_report_builtin_params(void);

#endif
