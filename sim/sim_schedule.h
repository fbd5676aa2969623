/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_schedule.h: the schedule file (design.md §5): parse and write. Pure: it is fed bytes or lines and returns
 * values; reading and writing files happens elsewhere (the CLI), so the parser is fuzzable.
 *
 * Format, line based, '#' starts a comment (a whole line, or after whitespace at the end of a line):
 *   racebed-schedule 1                     format version; the first non-comment line
 *   tool racebed VERSION                   header lines, in any order, before the first decision
 *   scenario NAME
 *   variant core|mutant:NAME
 *   param KEY=VALUE                        one per parameter; VALUE a signed decimal integer
 *   seed N                                 unsigned decimal, 64-bit
 *   strategy TEXT...                       free text to the end of the line
 *   model-only yes|no
 *   run THREAD OP [KEY]                    decisions, one per line
 *   advance DURATION
 *   wall CLOCK +DURATION|-DURATION         CLOCK: "server" or a process name
 *   pause THREAD DURATION
 *   crash THREAD|PROCESS
 *   fault THREAD reply-lost|conn-error|late-timeout
 *   restart server lose-all|lose-last DURATION
 *   repeat N                               after the decisions: the last N recur until the run ends (a livelock's
 *                                          cycle: its schedule is the prefix to a repeated state plus the cycle)
 *   expect pass | expect violation ORACLE  the result line; at most one, after the decisions
 * DURATION: a non-negative integer with a unit: ns, us, ms, s (e.g. 1500ms, 2s, 250us); at most 1e6 s.
 * Names (THREAD, OP, KEY, CLOCK, ORACLE, scenario, variant, param keys) are 1..limit printable non-space bytes.
 *
 * Invariant: sim_schedule_text() of a parsed schedule parses back to an equal schedule (comments aside).
 */
#ifndef RACEBED_SIM_SIM_SCHEDULE_H
#define RACEBED_SIM_SIM_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include "core/lk_env.h"
#include "sim/run/sim_decision.h"

enum {
    SIM_SCHEDULE_VERSION = 1,
    SIM_LINE_MAX = 1024,         /* longest line, bytes without the newline */
    SIM_DECISIONS_MAX = 4000000, /* decisions in one file */
    SIM_STRATEGY_MAX = 128,      /* the strategy text with the NUL */
};

typedef enum sim_expect_kind { SIM_EXPECT_NONE = 0, SIM_EXPECT_PASS = 1, SIM_EXPECT_VIOLATION = 2 } sim_expect_kind;

/* One decision of the stream. Unused fields are zero / "". */
typedef struct sim_decision {
    sim_decision_kind kind;
    int line;                /* 1-based line in the source text; 0 when not parsed from text */
    char name[SIM_NAME_MAX]; /* RUN, PAUSE, FAULT: thread; CRASH: thread or process; WALL: clock; RESTART: "server" */
    char op[SIM_NAME_MAX];   /* RUN: the op label the thread is expected to perform next */
    char key[LK_KEY_MAX];    /* RUN: the expected key or object, "" when omitted */
    int64_t duration_ns;     /* ADVANCE, PAUSE, RESTART lose-last: >= 0; WALL: signed step */
    int variant;             /* FAULT: sim_fault_kind; RESTART: sim_restart_kind */
} sim_decision;

typedef struct sim_schedule {
    int version;                 /* 0 until the version line was read */
    char tool[SIM_NAME_MAX];     /* "racebed 0.1.0"; "" if absent */
    char scenario[SIM_NAME_MAX]; /* required */
    char variant[SIM_NAME_MAX];  /* required */
    int param_count;
    char param_key[SIM_PARAMS_MAX][SIM_NAME_MAX];
    int64_t param_value[SIM_PARAMS_MAX];
    int has_seed; /* required */
    uint64_t seed;
    char strategy[SIM_STRATEGY_MAX]; /* "" if absent */
    int model_only;                  /* 1 for "model-only yes" */
    sim_expect_kind expect;
    char expect_oracle[SIM_NAME_MAX]; /* with SIM_EXPECT_VIOLATION */
    int expect_line;                  /* line of the expect line, 0 if none */
    int repeat;                       /* > 0: after the decisions, the last 'repeat' of them recur until the run ends */
    int repeat_line;                  /* line of the repeat line, 0 if none */
    int script_count;                 /* the scenario's script files ("script PATH SHA1" header lines) */
    char script_path[SIM_SCRIPTS_MAX][SIM_SCRIPT_PATH_MAX]; /* as the scenario named them */
    char script_sha[SIM_SCRIPTS_MAX][41];                   /* SHA-1 of the file when recorded, lower-case hex */
    int script_line[SIM_SCRIPTS_MAX];                       /* their lines, 0 when not parsed from text */
    int decision_count;
    int decision_cap;
    sim_decision *decisions; /* malloc'd, owned; freed by sim_schedule_free */
} sim_schedule;

/* Zeroes 's' (no allocation). */
void sim_schedule_init(sim_schedule *s);
/* Frees the decisions; 's' is zeroed and may be reused. Accepts NULL. */
void sim_schedule_free(sim_schedule *s);

/* Parses one line ('len' bytes, no newline; NUL bytes are an error) numbered 'lineno'. Returns 0, or -1 with a
 * message "line N: ..." in 'err' (cap bytes) naming the problem; 's' then holds what was parsed before. */
int sim_schedule_parse_line(sim_schedule *s, const char *line, size_t len, int lineno, char *err, size_t cap);
/* Checks what only the whole file can tell (version line, scenario, variant and seed present). Returns 0 or -1. */
int sim_schedule_parse_finish(const sim_schedule *s, char *err, size_t cap);
/* Parses a whole text: splits at '\n' (a '\r' before it is dropped), feeds each line, then finishes. */
int sim_schedule_parse_buffer(sim_schedule *s, const char *buf, size_t len, char *err, size_t cap);

/* Appends a copy of 'd'. Returns 0, or -1 at SIM_DECISIONS_MAX or when out of memory. */
int sim_schedule_append(sim_schedule *s, const sim_decision *d);
/* Sets or adds parameter 'key'. Returns 0, or -1 at SIM_PARAMS_MAX or for a key too long. */
int sim_schedule_set_param(sim_schedule *s, const char *key, int64_t value);

/* Formats 'd' as one line without the newline ("run c1 acquire lk:res", "advance 1500ms"). Returns the length, or
 * -1 if it did not fit in 'cap'. */
int sim_decision_format(const sim_decision *d, char *buf, size_t cap);
/* The whole schedule as text: header, decisions, the expect line; 'comment' (may be NULL) follows as '# ' lines, one
 * per '\n'-separated line. Returns the text (malloc'd; the caller frees it) with its length in '*len' (may be NULL),
 * or NULL when the schedule would not read back (a name with a space, a line too long) or memory ran out. */
char *sim_schedule_text(const sim_schedule *s, const char *comment, size_t *len);

/* Parses "1500ms"; returns 0 or -1. Accepts ns, us, ms, s; at most 1e6 s. */
int sim_duration_parse(const char *text, int64_t *ns);
/* Formats 'ns' with the largest unit that divides it exactly ("2s", "1500ms", "250us", "7ns"; "0ms" for zero);
 * negative values get a '-'. Returns the length or -1. */
int sim_duration_format(int64_t ns, char *buf, size_t cap);

#endif
