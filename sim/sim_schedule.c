/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_schedule.c: the schedule file (design.md §5, grammar in sim_schedule.h): a line parser, a
 * whole-buffer parser on top of it, and the writer.
 *
 * Mechanism: each line is checked for length and binary bytes, copied and cut into tokens at spaces
 * and tabs (a token that begins with '#' ends the line), then looked up in one keyword table that
 * gives its arity, whether it is a header line, and its handler. Every error is "line N: " plus the
 * problem and the offending token, quoted with non-printable bytes shown as '?'.
 *
 * Invariant: everything the parser accepts, the writer writes back as text that parses to an equal
 * schedule; the writer refuses (returns -1) a value the parser could not read back.
 * Never: read or write a file by name, keep state outside the sim_schedule, or accept a byte the
 * writer could not reproduce.
 */
#include "sim/sim_schedule.h"

#include "sim/run/sim_text.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    SCHEDULE_TOKENS_MAX = 8,        /* tokens kept per line; the longest line form has 4 */
    SCHEDULE_QUOTE_MAX = 48,        /* a quoted token in a message, with "..." and the NUL */
    SCHEDULE_DECISIONS_FIRST = 16,  /* first capacity of the decision array */
    SCHEDULE_DURATION_TEXT_MAX = 32 /* "-9223372036854775808ns" with the NUL fits */
};

static const int64_t SCHEDULE_DURATION_NS_MAX = INT64_C(1000000000000000); /* 1e6 s */

/* One line cut into tokens, on the stack of one sim_schedule_parse_line() call (no sharing).
 * 'buf' is a copy of the line with a NUL after each token. */
typedef struct schedule_line {
    int lineno;                           /* 1-based */
    const char *text;                     /* the raw line, not NUL-terminated */
    int count;                            /* tokens before any comment, all counted */
    const char *tok[SCHEDULE_TOKENS_MAX]; /* the first tokens, NUL-terminated in 'buf' */
    size_t tok_off[SCHEDULE_TOKENS_MAX];  /* where each kept token starts in 'text' */
    size_t end;                           /* offset just past the last token */
    char buf[SIM_LINE_MAX + 1];           /* the copy that 'tok' points into */
} schedule_line;

typedef int (*schedule_handler)(sim_schedule *s, const schedule_line *ln, char *err, size_t cap);

/* One keyword: its arguments (args_max -1: free text to the end of the line) and its handler. */
typedef struct schedule_keyword {
    const char *word;
    int is_header;     /* 1: allowed only before the first decision */
    int args_min;      /* tokens after the keyword */
    int args_max;      /* -1: any number (free text) */
    const char *usage; /* the line form, for messages */
    schedule_handler parse;
} schedule_keyword;

static int schedule_parse_version(sim_schedule *s, const schedule_line *ln, char *err, size_t cap);
static int schedule_parse_tool(sim_schedule *s, const schedule_line *ln, char *err, size_t cap);
static int schedule_parse_scenario(sim_schedule *s, const schedule_line *ln, char *err, size_t cap);
static int schedule_parse_variant(sim_schedule *s, const schedule_line *ln, char *err, size_t cap);
static int schedule_parse_param(sim_schedule *s, const schedule_line *ln, char *err, size_t cap);
static int schedule_parse_seed(sim_schedule *s, const schedule_line *ln, char *err, size_t cap);
static int schedule_parse_strategy(sim_schedule *s, const schedule_line *ln, char *err, size_t cap);
static int schedule_parse_model_only(sim_schedule *s, const schedule_line *ln, char *err, size_t cap);
static int schedule_parse_run(sim_schedule *s, const schedule_line *ln, char *err, size_t cap);
static int schedule_parse_advance(sim_schedule *s, const schedule_line *ln, char *err, size_t cap);
static int schedule_parse_wall(sim_schedule *s, const schedule_line *ln, char *err, size_t cap);
static int schedule_parse_pause(sim_schedule *s, const schedule_line *ln, char *err, size_t cap);
static int schedule_parse_crash(sim_schedule *s, const schedule_line *ln, char *err, size_t cap);
static int schedule_parse_fault(sim_schedule *s, const schedule_line *ln, char *err, size_t cap);
static int schedule_parse_restart(sim_schedule *s, const schedule_line *ln, char *err, size_t cap);
static int schedule_parse_expect(sim_schedule *s, const schedule_line *ln, char *err, size_t cap);
static int schedule_parse_repeat(sim_schedule *s, const schedule_line *ln, char *err, size_t cap);
static int schedule_parse_script(sim_schedule *s, const schedule_line *ln, char *err, size_t cap);

static const schedule_keyword schedule_keywords[] = {
    {"racebed-schedule", 1, 1, 1, "racebed-schedule 1", schedule_parse_version},
    {"tool", 1, 1, -1, "tool racebed VERSION", schedule_parse_tool},
    {"scenario", 1, 1, 1, "scenario NAME", schedule_parse_scenario},
    {"variant", 1, 1, 1, "variant core|mutant:NAME", schedule_parse_variant},
    {"param", 1, 1, 1, "param KEY=VALUE", schedule_parse_param},
    {"seed", 1, 1, 1, "seed N", schedule_parse_seed},
    {"strategy", 1, 1, -1, "strategy TEXT", schedule_parse_strategy},
    {"model-only", 1, 1, 1, "model-only yes|no", schedule_parse_model_only},
    {"script", 1, 2, 2, "script PATH SHA1", schedule_parse_script},
    {"run", 0, 2, 3, "run THREAD OP [KEY]", schedule_parse_run},
    {"advance", 0, 1, 1, "advance DURATION", schedule_parse_advance},
    {"wall", 0, 2, 2, "wall CLOCK +DURATION|-DURATION", schedule_parse_wall},
    {"pause", 0, 2, 2, "pause THREAD DURATION", schedule_parse_pause},
    {"crash", 0, 1, 1, "crash THREAD|PROCESS", schedule_parse_crash},
    {"fault", 0, 2, 2, "fault THREAD reply-lost|conn-error|late-timeout", schedule_parse_fault},
    {"restart", 0, 2, 3, "restart server lose-all|lose-last DURATION", schedule_parse_restart},
    {"repeat", 0, 1, 1, "repeat N", schedule_parse_repeat},
    {"expect", 0, 1, 2, "expect pass | expect violation ORACLE", schedule_parse_expect},
};

/* The keyword of each sim_decision_kind, in enum order. */
static const char *const schedule_kind_words[] = {"run", "advance", "wall", "pause", "crash", "fault", "restart"};

/* ----------------------------------------------------------------------------------------------
 * Messages
 */

/* Writes "line N: " (or "end of file: " for 'lineno' 0) and the message to 'err'; returns -1. */
__attribute__((format(printf, 4, 5))) static int schedule_fail(char *err, size_t cap, int lineno, const char *fmt,
                                                               ...) {
    if (err == NULL || cap == 0) return -1;
    int n = lineno > 0 ? snprintf(err, cap, "line %d: ", lineno) : snprintf(err, cap, "end of file: ");
    if (n < 0 || (size_t)n >= cap) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, cap - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* Copies 'len' bytes of 'p' into 'q' (SCHEDULE_QUOTE_MAX bytes) for a message: bytes outside
 * 0x20..0x7e become '?', and a long text is cut with "...". Returns 'q'. */
static const char *schedule_quote(const char *p, size_t len, char *q) {
    size_t keep = SCHEDULE_QUOTE_MAX - 4;
    size_t n = len < keep ? len : keep;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        q[i] = (c >= 0x20 && c <= 0x7e) ? (char)c : '?';
    }
    if (len > keep) {
        memcpy(q + n, "...", 3);
        n += 3;
    }
    q[n] = '\0';
    return q;
}

/* ----------------------------------------------------------------------------------------------
 * Lexing: lines, tokens, names, numbers, durations
 */

/* 1 for a byte no schedule line may hold: a control byte other than tab, or DEL. */
static int schedule_byte_is_binary(unsigned char c) {
    return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* Rejects a line that is too long or holds binary bytes. Returns 0 or -1 with a message. */
static int schedule_line_check(const char *line, size_t len, int lineno, char *err, size_t cap) {
    char q[SCHEDULE_QUOTE_MAX];
    if (len > SIM_LINE_MAX) {
        return schedule_fail(err, cap, lineno, "line too long (%zu bytes, at most %d): '%s'", len, (int)SIM_LINE_MAX,
                             schedule_quote(line, len, q));
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        if (schedule_byte_is_binary(c)) {
            return schedule_fail(err, cap, lineno, "binary data (byte 0x%02x at column %zu): not a schedule file", c,
                                 i + 1);
        }
    }
    return 0;
}

/* Cuts 'text' ('len' <= SIM_LINE_MAX bytes) into 'ln': tokens end at a space or tab, and a token
 * that begins with '#' starts a comment that runs to the end of the line. */
static void schedule_line_split(schedule_line *ln, const char *text, size_t len, int lineno) {
    assert(len <= SIM_LINE_MAX);
    ln->lineno = lineno;
    ln->text = text;
    ln->count = 0;
    ln->end = 0;
    memcpy(ln->buf, text, len);
    ln->buf[len] = '\0';
    size_t i = 0;
    while (i < len) {
        if (text[i] == ' ' || text[i] == '\t') {
            i++;
            continue;
        }
        if (text[i] == '#') break;
        size_t start = i;
        while (i < len && text[i] != ' ' && text[i] != '\t')
            i++;
        ln->buf[i] = '\0';
        if (ln->count < SCHEDULE_TOKENS_MAX) {
            ln->tok[ln->count] = ln->buf + start;
            ln->tok_off[ln->count] = start;
        }
        ln->count++;
        ln->end = i;
    }
}

/* 1 if 'text' is a name that fits 'cap' bytes with its NUL: printable ASCII without spaces
 * (0x21..0x7e), not starting with '#' (that would read back as a comment). */
static int schedule_name_ok(const char *text, size_t cap) {
    size_t n = 0;
    for (; n < cap && text[n] != '\0'; n++) {
        unsigned char c = (unsigned char)text[n];
        if (c < 0x21 || c > 0x7e) return 0;
    }
    return n > 0 && n < cap && text[0] != '#';
}

/* 1 if 'text' is free text (tool, strategy) that fits 'cap' bytes and reads back unchanged: no
 * binary bytes, no space or tab at either end, no token beginning with '#'. */
static int schedule_text_ok(const char *text, size_t cap) {
    size_t n = 0;
    while (n < cap && text[n] != '\0')
        n++;
    if (n == 0 || n >= cap) return 0;
    if (text[0] == ' ' || text[0] == '\t' || text[n - 1] == ' ' || text[n - 1] == '\t') return 0;
    for (size_t i = 0; i < n; i++) {
        if (schedule_byte_is_binary((unsigned char)text[i])) return 0;
        if (text[i] == '#' && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t')) return 0;
    }
    return 1;
}

/* Copies name token 'tok' (the 'what' of the line) into 'dst' of 'dst_cap' bytes, or fails. */
static int schedule_copy_name(char *dst, size_t dst_cap, const char *tok, const char *what, int lineno, char *err,
                              size_t cap) {
    char q[SCHEDULE_QUOTE_MAX];
    if (!schedule_name_ok(tok, dst_cap)) {
        return schedule_fail(err, cap, lineno, "bad %s '%s' (1..%zu printable ASCII bytes)", what,
                             schedule_quote(tok, strlen(tok), q), dst_cap - 1);
    }
    memcpy(dst, tok, strlen(tok) + 1);
    return 0;
}

/* Reads unsigned decimal 'text' (digits only). Returns 0, -1 for junk, -2 over UINT64_MAX. */
static int schedule_scan_u64(const char *text, uint64_t *out) {
    uint64_t v = 0;
    size_t i = 0;
    for (; text[i] >= '0' && text[i] <= '9'; i++) {
        unsigned d = (unsigned)(text[i] - '0');
        if (v > (UINT64_MAX - d) / 10) {
            while (text[i] >= '0' && text[i] <= '9')
                i++;
            return text[i] == '\0' ? -2 : -1;
        }
        v = v * 10 + d;
    }
    if (i == 0 || text[i] != '\0') return -1;
    *out = v;
    return 0;
}

/* Reads signed decimal 'text' ('+' or '-', then digits). Returns 0, -1 junk, -2 out of range. */
static int schedule_scan_i64(const char *text, int64_t *out) {
    int negative = text[0] == '-';
    const char *digits = (text[0] == '-' || text[0] == '+') ? text + 1 : text;
    uint64_t mag = 0;
    if (digits[0] < '0' || digits[0] > '9') return -1;
    int rc = schedule_scan_u64(digits, &mag);
    if (rc != 0) return rc;
    uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    if (mag > limit) return -2;
    if (negative) {
        *out = mag == limit ? INT64_MIN : -(int64_t)mag;
    } else {
        *out = (int64_t)mag;
    }
    return 0;
}

/* Reads "1500ms" into nanoseconds. Returns 0, -1 for a malformed text, -2 over 1e6 s. */
static int schedule_duration_scan(const char *text, int64_t *ns) {
    static const struct {
        const char *unit;
        int64_t ns;
    } units[] = {{"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000}};
    uint64_t v = 0;
    int big = 0;
    size_t i = 0;
    for (; text[i] >= '0' && text[i] <= '9'; i++) {
        if (v > (uint64_t)SCHEDULE_DURATION_NS_MAX) big = 1;
        if (!big) v = v * 10 + (uint64_t)(text[i] - '0');
    }
    if (i == 0) return -1;
    for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
        if (strcmp(text + i, units[u].unit) != 0) continue;
        if (big || v > (uint64_t)(SCHEDULE_DURATION_NS_MAX / units[u].ns)) return -2;
        *ns = (int64_t)v * units[u].ns;
        return 0;
    }
    return -1;
}

/* Reads duration token 'tok' of line 'lineno', or fails with a message that names it. */
static int schedule_read_duration(const char *tok, int64_t *ns, int lineno, char *err, size_t cap) {
    char q[SCHEDULE_QUOTE_MAX];
    int rc = schedule_duration_scan(tok, ns);
    if (rc == -2) {
        return schedule_fail(err, cap, lineno, "duration '%s' is over the limit of 1000000s",
                             schedule_quote(tok, strlen(tok), q));
    }
    if (rc != 0) {
        return schedule_fail(err, cap, lineno, "bad duration '%s' (use e.g. 1500ms, 2s, 250us)",
                             schedule_quote(tok, strlen(tok), q));
    }
    return 0;
}

/* ----------------------------------------------------------------------------------------------
 * Header lines
 */

/* Fails for a header line whose field 'already' is set: every header line appears at most once. */
static int schedule_duplicate(int already, const schedule_line *ln, char *err, size_t cap) {
    if (!already) return 0;
    return schedule_fail(err, cap, ln->lineno, "duplicate header line '%s'", ln->tok[0]);
}

static int schedule_parse_version(sim_schedule *s, const schedule_line *ln, char *err, size_t cap) {
    char q[SCHEDULE_QUOTE_MAX];
    const char *v = ln->tok[1];
    if (schedule_duplicate(s->version != 0, ln, err, cap) != 0) return -1;
    if (v[strspn(v, "0123456789")] != '\0') {
        return schedule_fail(err, cap, ln->lineno, "bad schedule version '%s' (expected %s)",
                             schedule_quote(v, strlen(v), q), "racebed-schedule 1");
    }
    if (strcmp(v, "1") != 0) {
        return schedule_fail(err, cap, ln->lineno, "unsupported schedule version %s (this racebed reads version %d)",
                             schedule_quote(v, strlen(v), q), (int)SIM_SCHEDULE_VERSION);
    }
    s->version = SIM_SCHEDULE_VERSION;
    return 0;
}

/* Copies the free text after the keyword (tokens 1.., comment cut, inner blanks kept). */
static int schedule_copy_text(char *dst, size_t dst_cap, const schedule_line *ln, char *err, size_t cap) {
    size_t start = ln->tok_off[1];
    size_t n = ln->end - start;
    if (n >= dst_cap) {
        return schedule_fail(err, cap, ln->lineno, "%s text too long (%zu bytes, at most %zu)", ln->tok[0], n,
                             dst_cap - 1);
    }
    memcpy(dst, ln->text + start, n);
    dst[n] = '\0';
    return 0;
}

static int schedule_parse_tool(sim_schedule *s, const schedule_line *ln, char *err, size_t cap) {
    if (schedule_duplicate(s->tool[0] != '\0', ln, err, cap) != 0) return -1;
    return schedule_copy_text(s->tool, sizeof(s->tool), ln, err, cap);
}

static int schedule_parse_strategy(sim_schedule *s, const schedule_line *ln, char *err, size_t cap) {
    if (schedule_duplicate(s->strategy[0] != '\0', ln, err, cap) != 0) return -1;
    return schedule_copy_text(s->strategy, sizeof(s->strategy), ln, err, cap);
}

/* 1 if 'h' is 40 lower-case hex digits. */
static int schedule_sha_ok(const char *h) {
    size_t n = 0;
    for (; h[n] != '\0'; n++)
        if (!((h[n] >= '0' && h[n] <= '9') || (h[n] >= 'a' && h[n] <= 'f'))) return 0;
    return n == 40;
}

static int schedule_parse_script(sim_schedule *s, const schedule_line *ln, char *err, size_t cap) {
    char q[SCHEDULE_QUOTE_MAX];
    const char *path = ln->tok[1], *sha = ln->tok[2];
    if (!schedule_name_ok(path, SIM_SCRIPT_PATH_MAX))
        return schedule_fail(err, cap, ln->lineno, "bad script path '%s' (1..%d printable bytes, no spaces)",
                             schedule_quote(path, strlen(path), q), (int)SIM_SCRIPT_PATH_MAX - 1);
    if (!schedule_sha_ok(sha))
        return schedule_fail(err, cap, ln->lineno, "bad script SHA-1 '%s' (40 lower-case hex digits)",
                             schedule_quote(sha, strlen(sha), q));
    for (int i = 0; i < s->script_count; i++)
        if (strcmp(s->script_path[i], path) == 0)
            return schedule_fail(err, cap, ln->lineno, "duplicate script '%s'", schedule_quote(path, strlen(path), q));
    if (s->script_count >= SIM_SCRIPTS_MAX)
        return schedule_fail(err, cap, ln->lineno, "too many script lines (at most %d)", (int)SIM_SCRIPTS_MAX);
    memcpy(s->script_path[s->script_count], path, strlen(path) + 1);
    memcpy(s->script_sha[s->script_count], sha, 41);
    s->script_line[s->script_count++] = ln->lineno;
    return 0;
}

static int schedule_parse_scenario(sim_schedule *s, const schedule_line *ln, char *err, size_t cap) {
    if (schedule_duplicate(s->scenario[0] != '\0', ln, err, cap) != 0) return -1;
    return schedule_copy_name(s->scenario, sizeof(s->scenario), ln->tok[1], "scenario name", ln->lineno, err, cap);
}

/* 1 if 'v' is "core" or "mutant:NAME" and fits SIM_NAME_MAX. */
static int schedule_variant_ok(const char *v) {
    if (!schedule_name_ok(v, SIM_NAME_MAX)) return 0;
    return strcmp(v, "core") == 0 || (strncmp(v, "mutant:", 7) == 0 && v[7] != '\0');
}

static int schedule_parse_variant(sim_schedule *s, const schedule_line *ln, char *err, size_t cap) {
    char q[SCHEDULE_QUOTE_MAX];
    const char *v = ln->tok[1];
    if (schedule_duplicate(s->variant[0] != '\0', ln, err, cap) != 0) return -1;
    if (!schedule_variant_ok(v)) {
        return schedule_fail(err, cap, ln->lineno, "bad variant '%s' (expected core or mutant:NAME, at most %d bytes)",
                             schedule_quote(v, strlen(v), q), (int)SIM_NAME_MAX - 1);
    }
    memcpy(s->variant, v, strlen(v) + 1);
    return 0;
}

/* Returns the index of parameter 'key' in 's', or -1. */
static int schedule_param_find(const sim_schedule *s, const char *key) {
    for (int i = 0; i < s->param_count; i++) {
        if (strcmp(s->param_key[i], key) == 0) return i;
    }
    return -1;
}

static int schedule_parse_param(sim_schedule *s, const schedule_line *ln, char *err, size_t cap) {
    char q[SCHEDULE_QUOTE_MAX];
    char key[SIM_LINE_MAX + 1];
    const char *tok = ln->tok[1];
    const char *eq = strchr(tok, '=');
    if (eq == NULL || eq == tok) {
        return schedule_fail(err, cap, ln->lineno, "bad param '%s' (expected param KEY=VALUE)",
                             schedule_quote(tok, strlen(tok), q));
    }
    memcpy(key, tok, (size_t)(eq - tok));
    key[eq - tok] = '\0';
    if (!schedule_name_ok(key, SIM_NAME_MAX)) {
        return schedule_fail(err, cap, ln->lineno, "bad param key '%s' (1..%d printable bytes)",
                             schedule_quote(key, strlen(key), q), (int)SIM_NAME_MAX - 1);
    }
    int64_t value = 0;
    int rc = schedule_scan_i64(eq + 1, &value);
    if (rc != 0) {
        return schedule_fail(err, cap, ln->lineno, "%s param value '%s' for '%s' (%s)",
                             rc == -2 ? "out of range" : "bad", schedule_quote(eq + 1, strlen(eq + 1), q), key,
                             "a signed decimal 64-bit integer");
    }
    if (schedule_param_find(s, key) >= 0) {
        return schedule_fail(err, cap, ln->lineno, "duplicate param '%s'", key);
    }
    if (s->param_count >= SIM_PARAMS_MAX) {
        return schedule_fail(err, cap, ln->lineno, "too many params at '%s' (at most %d)", key, (int)SIM_PARAMS_MAX);
    }
    memcpy(s->param_key[s->param_count], key, strlen(key) + 1);
    s->param_value[s->param_count] = value;
    s->param_count++;
    return 0;
}

static int schedule_parse_seed(sim_schedule *s, const schedule_line *ln, char *err, size_t cap) {
    char q[SCHEDULE_QUOTE_MAX];
    const char *tok = ln->tok[1];
    if (schedule_duplicate(s->has_seed, ln, err, cap) != 0) return -1;
    int rc = schedule_scan_u64(tok, &s->seed);
    if (rc == -2) {
        return schedule_fail(err, cap, ln->lineno, "seed '%s' out of range (at most %" PRIu64 ")",
                             schedule_quote(tok, strlen(tok), q), UINT64_MAX);
    }
    if (rc != 0) {
        return schedule_fail(err, cap, ln->lineno, "bad seed '%s' (an unsigned decimal integer)",
                             schedule_quote(tok, strlen(tok), q));
    }
    s->has_seed = 1;
    return 0;
}

/* "model-only no" leaves no trace in the struct, so only a repeat after "yes" is caught. */
static int schedule_parse_model_only(sim_schedule *s, const schedule_line *ln, char *err, size_t cap) {
    char q[SCHEDULE_QUOTE_MAX];
    const char *tok = ln->tok[1];
    if (schedule_duplicate(s->model_only != 0, ln, err, cap) != 0) return -1;
    if (strcmp(tok, "yes") != 0 && strcmp(tok, "no") != 0) {
        return schedule_fail(err, cap, ln->lineno, "bad model-only value '%s' (expected yes or no)",
                             schedule_quote(tok, strlen(tok), q));
    }
    s->model_only = strcmp(tok, "yes") == 0;
    return 0;
}

/* ----------------------------------------------------------------------------------------------
 * Decision lines
 */

/* Appends 'd' for line 'lineno', or fails naming the limit or the allocation. */
static int schedule_add(sim_schedule *s, const sim_decision *d, int lineno, char *err, size_t cap) {
    if (s->decision_count >= SIM_DECISIONS_MAX) {
        return schedule_fail(err, cap, lineno, "too many decisions at '%s' (at most %d)", schedule_kind_words[d->kind],
                             (int)SIM_DECISIONS_MAX);
    }
    if (sim_schedule_append(s, d) != 0) {
        return schedule_fail(err, cap, lineno, "out of memory storing decision %d", s->decision_count + 1);
    }
    return 0;
}

/* Starts decision 'd' of 'kind' from line 'ln' and copies its first name (tok[1]) as 'what'. */
static int schedule_decision_start(sim_decision *d, sim_decision_kind kind, const schedule_line *ln, const char *what,
                                   char *err, size_t cap) {
    memset(d, 0, sizeof(*d));
    d->kind = kind;
    d->line = ln->lineno;
    if (what == NULL) return 0;
    return schedule_copy_name(d->name, sizeof(d->name), ln->tok[1], what, ln->lineno, err, cap);
}

static int schedule_parse_run(sim_schedule *s, const schedule_line *ln, char *err, size_t cap) {
    sim_decision d;
    if (schedule_decision_start(&d, SIM_DEC_RUN, ln, "thread name", err, cap) != 0) return -1;
    if (schedule_copy_name(d.op, sizeof(d.op), ln->tok[2], "op label", ln->lineno, err, cap) != 0) {
        return -1;
    }
    if (ln->count == 4 && schedule_copy_name(d.key, sizeof(d.key), ln->tok[3], "key", ln->lineno, err, cap) != 0) {
        return -1;
    }
    return schedule_add(s, &d, ln->lineno, err, cap);
}

static int schedule_parse_advance(sim_schedule *s, const schedule_line *ln, char *err, size_t cap) {
    sim_decision d;
    schedule_decision_start(&d, SIM_DEC_ADVANCE, ln, NULL, err, cap);
    if (schedule_read_duration(ln->tok[1], &d.duration_ns, ln->lineno, err, cap) != 0) return -1;
    return schedule_add(s, &d, ln->lineno, err, cap);
}

static int schedule_parse_wall(sim_schedule *s, const schedule_line *ln, char *err, size_t cap) {
    char q[SCHEDULE_QUOTE_MAX];
    sim_decision d;
    const char *step = ln->tok[2];
    if (schedule_decision_start(&d, SIM_DEC_WALL, ln, "clock name", err, cap) != 0) return -1;
    if (step[0] != '+' && step[0] != '-') {
        return schedule_fail(err, cap, ln->lineno, "wall step '%s' needs a sign (e.g. +1500ms or -2s)",
                             schedule_quote(step, strlen(step), q));
    }
    if (schedule_read_duration(step + 1, &d.duration_ns, ln->lineno, err, cap) != 0) return -1;
    if (step[0] == '-') d.duration_ns = -d.duration_ns;
    return schedule_add(s, &d, ln->lineno, err, cap);
}

static int schedule_parse_pause(sim_schedule *s, const schedule_line *ln, char *err, size_t cap) {
    sim_decision d;
    if (schedule_decision_start(&d, SIM_DEC_PAUSE, ln, "thread name", err, cap) != 0) return -1;
    if (schedule_read_duration(ln->tok[2], &d.duration_ns, ln->lineno, err, cap) != 0) return -1;
    return schedule_add(s, &d, ln->lineno, err, cap);
}

static int schedule_parse_crash(sim_schedule *s, const schedule_line *ln, char *err, size_t cap) {
    sim_decision d;
    if (schedule_decision_start(&d, SIM_DEC_CRASH, ln, "thread or process name", err, cap) != 0) {
        return -1;
    }
    return schedule_add(s, &d, ln->lineno, err, cap);
}

static int schedule_parse_fault(sim_schedule *s, const schedule_line *ln, char *err, size_t cap) {
    char q[SCHEDULE_QUOTE_MAX];
    sim_decision d;
    const char *what = ln->tok[2];
    if (schedule_decision_start(&d, SIM_DEC_FAULT, ln, "thread name", err, cap) != 0) return -1;
    d.variant = 0;
    for (int v = 1; v <= SIM_FAULT_KIND_LAST && d.variant == 0; v++)
        if (strcmp(what, sim_store_fault_word(v)) == 0) d.variant = v;
    if (d.variant == 0)
        return schedule_fail(err, cap, ln->lineno,
                             "unknown fault '%s' (expected reply-lost, conn-error or late-timeout)",
                             schedule_quote(what, strlen(what), q));
    return schedule_add(s, &d, ln->lineno, err, cap);
}

static int schedule_parse_restart(sim_schedule *s, const schedule_line *ln, char *err, size_t cap) {
    char q[SCHEDULE_QUOTE_MAX];
    sim_decision d;
    const char *how = ln->tok[2];
    schedule_decision_start(&d, SIM_DEC_RESTART, ln, NULL, err, cap);
    if (strcmp(ln->tok[1], "server") != 0) {
        return schedule_fail(err, cap, ln->lineno, "restart of '%s' (only 'server' restarts)",
                             schedule_quote(ln->tok[1], strlen(ln->tok[1]), q));
    }
    memcpy(d.name, "server", sizeof("server"));
    if (strcmp(how, "lose-all") == 0 && ln->count == 3) {
        d.variant = SIM_RESTART_LOSE_ALL;
    } else if (strcmp(how, "lose-last") == 0 && ln->count == 4) {
        d.variant = SIM_RESTART_LOSE_LAST;
        if (schedule_read_duration(ln->tok[3], &d.duration_ns, ln->lineno, err, cap) != 0) {
            return -1;
        }
    } else {
        return schedule_fail(err, cap, ln->lineno,
                             "bad restart '%s' (expected restart server lose-all or "
                             "restart server lose-last DURATION)",
                             schedule_quote(how, strlen(how), q));
    }
    return schedule_add(s, &d, ln->lineno, err, cap);
}

static int schedule_parse_repeat(sim_schedule *s, const schedule_line *ln, char *err, size_t cap) {
    char q[SCHEDULE_QUOTE_MAX];
    const char *n = ln->tok[1];
    char *end = NULL;
    errno = 0;
    long v = strtol(n, &end, 10);
    if (s->repeat_line != 0)
        return schedule_fail(err, cap, ln->lineno, "second 'repeat' line (the first is line %d)", s->repeat_line);
    if (*n == '\0' || *end != '\0' || errno != 0 || v < 1 || v > s->decision_count)
        return schedule_fail(err, cap, ln->lineno, "bad repeat '%s' (expected 1..%d, the decisions above)",
                             schedule_quote(n, strlen(n), q), s->decision_count);
    s->repeat = (int)v;
    s->repeat_line = ln->lineno;
    return 0;
}

static int schedule_parse_expect(sim_schedule *s, const schedule_line *ln, char *err, size_t cap) {
    char q[SCHEDULE_QUOTE_MAX];
    const char *what = ln->tok[1];
    if (s->expect_line != 0) {
        return schedule_fail(err, cap, ln->lineno, "second 'expect' line (the first is line %d)", s->expect_line);
    }
    if (strcmp(what, "pass") == 0 && ln->count == 2) {
        s->expect = SIM_EXPECT_PASS;
    } else if (strcmp(what, "violation") == 0 && ln->count == 3) {
        if (schedule_copy_name(s->expect_oracle, sizeof(s->expect_oracle), ln->tok[2], "oracle name", ln->lineno, err,
                               cap) != 0) {
            return -1;
        }
        s->expect = SIM_EXPECT_VIOLATION;
    } else {
        return schedule_fail(err, cap, ln->lineno, "bad expect '%s' (expected expect pass or expect violation ORACLE)",
                             schedule_quote(what, strlen(what), q));
    }
    s->expect_line = ln->lineno;
    return 0;
}

/* ----------------------------------------------------------------------------------------------
 * Lines and buffers
 */

void sim_schedule_init(sim_schedule *s) {
    assert(s != NULL);
    memset(s, 0, sizeof(*s));
}

void sim_schedule_free(sim_schedule *s) {
    if (s == NULL) return;
    free(s->decisions);
    memset(s, 0, sizeof(*s));
}

/* Returns the keyword entry for 'word', or NULL. */
static const schedule_keyword *schedule_keyword_find(const char *word) {
    for (size_t i = 0; i < sizeof(schedule_keywords) / sizeof(schedule_keywords[0]); i++) {
        if (strcmp(schedule_keywords[i].word, word) == 0) return &schedule_keywords[i];
    }
    return NULL;
}

/* Checks the place of line 'ln' (keyword 'kw'): version first, headers before the decisions,
 * nothing but comments after the expect line; then its token count. Returns 0 or -1. */
static int schedule_line_place(const sim_schedule *s, const schedule_keyword *kw, const schedule_line *ln, char *err,
                               size_t cap) {
    char q[SCHEDULE_QUOTE_MAX];
    const char *word = ln->tok[0];
    int args = ln->count - 1;
    if (s->version == 0 && (kw == NULL || kw->parse != schedule_parse_version)) {
        return schedule_fail(err, cap, ln->lineno, "expected 'racebed-schedule 1' as the first line (got '%s')",
                             schedule_quote(word, strlen(word), q));
    }
    if (kw == NULL) {
        return schedule_fail(err, cap, ln->lineno,
                             "unknown keyword '%s' (expected run, advance, wall, pause, crash, "
                             "fault, restart, repeat, expect, or a header line)",
                             schedule_quote(word, strlen(word), q));
    }
    if (kw->is_header && s->decision_count > 0) {
        return schedule_fail(err, cap, ln->lineno, "header line '%s' after the first decision (line %d)", word,
                             s->decisions[0].line);
    }
    if (s->repeat_line != 0 && kw->parse != schedule_parse_expect) {
        return schedule_fail(err, cap, ln->lineno, "'%s' after the repeat line (line %d): only expect may follow", word,
                             s->repeat_line);
    }
    if (s->expect_line != 0 && kw->parse != schedule_parse_expect) {
        return schedule_fail(err, cap, ln->lineno, "%s '%s' after the expect line (line %d)",
                             kw->is_header ? "header line" : "decision", word, s->expect_line);
    }
    if (args < kw->args_min) {
        return schedule_fail(err, cap, ln->lineno, "missing argument after '%s' (expected %s)", word, kw->usage);
    }
    if (kw->args_max >= 0 && args > kw->args_max) {
        const char *extra = ln->tok[kw->args_max + 1];
        return schedule_fail(err, cap, ln->lineno, "too many tokens: unexpected '%s' (expected %s)",
                             schedule_quote(extra, strlen(extra), q), kw->usage);
    }
    return 0;
}

int sim_schedule_parse_line(sim_schedule *s, const char *line, size_t len, int lineno, char *err, size_t cap) {
    assert(s != NULL);
    assert(line != NULL || len == 0);
    schedule_line ln;
    if (schedule_line_check(line, len, lineno, err, cap) != 0) return -1;
    schedule_line_split(&ln, len == 0 ? "" : line, len, lineno);
    if (ln.count == 0) return 0;
    const schedule_keyword *kw = schedule_keyword_find(ln.tok[0]);
    if (schedule_line_place(s, kw, &ln, err, cap) != 0) return -1;
    return kw->parse(s, &ln, err, cap);
}

/* The whole file is read by now and no line is to blame, so messages start "end of file: ". All
 * missing header lines are named in one message. */
int sim_schedule_parse_finish(const sim_schedule *s, char *err, size_t cap) {
    assert(s != NULL);
    if (s->version == 0) {
        return schedule_fail(err, cap, 0, "no 'racebed-schedule 1' line: not a schedule file");
    }
    char list[64] = "";
    int n = 0;
    const char *names[3] = {"scenario", "variant", "seed"};
    int absent[3] = {s->scenario[0] == '\0', s->variant[0] == '\0', !s->has_seed};
    for (int i = 0; i < 3; i++) {
        if (!absent[i]) continue;
        size_t used = strlen(list);
        snprintf(list + used, sizeof(list) - used, "%s'%s'", n > 0 ? ", " : "", names[i]);
        n++;
    }
    if (n == 0) return 0;
    return schedule_fail(err, cap, 0, "missing header line%s %s", n > 1 ? "s" : "", list);
}

/* 's' must be initialised (sim_schedule_init); the lines are added to it, not to a fresh copy. A
 * last line without '\n' is parsed; a '\r' is dropped only before a '\n'. */
int sim_schedule_parse_buffer(sim_schedule *s, const char *buf, size_t len, char *err, size_t cap) {
    assert(s != NULL);
    assert(buf != NULL || len == 0);
    size_t pos = 0;
    int lineno = 0;
    while (pos < len) {
        if (lineno == INT_MAX) return schedule_fail(err, cap, lineno, "too many lines");
        lineno++;
        const char *start = buf + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - start) : len - pos;
        pos += n + (nl != NULL);
        if (nl != NULL && n > 0 && start[n - 1] == '\r') n--;
        if (sim_schedule_parse_line(s, start, n, lineno, err, cap) != 0) return -1;
    }
    return sim_schedule_parse_finish(s, err, cap);
}

/* ----------------------------------------------------------------------------------------------
 * Building
 */

int sim_schedule_append(sim_schedule *s, const sim_decision *d) {
    assert(s != NULL);
    assert(d != NULL);
    if (s->decision_count >= SIM_DECISIONS_MAX) return -1;
    if (s->decision_count == s->decision_cap) {
        size_t cap = s->decision_cap == 0 ? SCHEDULE_DECISIONS_FIRST : (size_t)s->decision_cap * 2;
        if (cap > SIM_DECISIONS_MAX) cap = SIM_DECISIONS_MAX;
        if (cap > SIZE_MAX / sizeof(sim_decision)) return -1;
        sim_decision *grown = realloc(s->decisions, cap * sizeof(sim_decision));
        if (grown == NULL) return -1;
        s->decisions = grown;
        s->decision_cap = (int)cap;
    }
    s->decisions[s->decision_count++] = *d;
    return 0;
}

int sim_schedule_set_param(sim_schedule *s, const char *key, int64_t value) {
    assert(s != NULL);
    assert(key != NULL);
    if (!schedule_name_ok(key, SIM_NAME_MAX) || strchr(key, '=') != NULL) return -1;
    int i = schedule_param_find(s, key);
    if (i < 0) {
        if (s->param_count >= SIM_PARAMS_MAX) return -1;
        i = s->param_count++;
        memcpy(s->param_key[i], key, strlen(key) + 1);
    }
    s->param_value[i] = value;
    return 0;
}

/* ----------------------------------------------------------------------------------------------
 * Durations and writing
 */

int sim_duration_parse(const char *text, int64_t *ns) {
    assert(text != NULL);
    assert(ns != NULL);
    int64_t v = 0;
    if (schedule_duration_scan(text, &v) != 0) return -1;
    *ns = v;
    return 0;
}

int sim_duration_format(int64_t ns, char *buf, size_t cap) {
    assert(buf != NULL || cap == 0);
    uint64_t mag = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    const char *unit = "ns";
    if (mag == 0) {
        unit = "ms";
    } else if (mag % 1000000000u == 0) {
        mag /= 1000000000u;
        unit = "s";
    } else if (mag % 1000000u == 0) {
        mag /= 1000000u;
        unit = "ms";
    } else if (mag % 1000u == 0) {
        mag /= 1000u;
        unit = "us";
    }
    if (cap == 0) return -1;
    int n = snprintf(buf, cap, "%s%" PRIu64 "%s", ns < 0 ? "-" : "", mag, unit);
    return (n < 0 || (size_t)n >= cap) ? -1 : n;
}

/* Formats a duration that must lie in ['min_ns', 1e6 s] (so it reads back), with a '+' for a
 * non-negative wall step when 'plus'. Returns the length or -1. */
static int schedule_format_duration(int64_t ns, int64_t min_ns, int plus, char *buf, size_t cap) {
    if (ns < min_ns || ns > SCHEDULE_DURATION_NS_MAX || cap < 2) return -1;
    if (plus && ns >= 0) {
        buf[0] = '+';
        int n = sim_duration_format(ns, buf + 1, cap - 1);
        return n < 0 ? -1 : n + 1;
    }
    return sim_duration_format(ns, buf, cap);
}

/* Checks that 'd' would read back unchanged and formats its duration, if it has one, into 'dur'
 * ("" otherwise). Returns 0 or -1. */
static int schedule_decision_check(const sim_decision *d, char *dur, size_t dur_cap) {
    int64_t min_ns = 0;
    int needs_name = 1;
    int has_duration = 1;
    dur[0] = '\0';
    switch (d->kind) {
    case SIM_DEC_RUN:
        has_duration = 0;
        if (!schedule_name_ok(d->op, sizeof(d->op))) return -1;
        if (d->key[0] != '\0' && !schedule_name_ok(d->key, sizeof(d->key))) return -1;
        break;
    case SIM_DEC_ADVANCE: needs_name = 0; break;
    case SIM_DEC_WALL: min_ns = -SCHEDULE_DURATION_NS_MAX; break;
    case SIM_DEC_PAUSE: break;
    case SIM_DEC_CRASH: has_duration = 0; break;
    case SIM_DEC_FAULT:
        has_duration = 0;
        if (sim_store_fault_word(d->variant) == NULL) return -1;
        break;
    case SIM_DEC_RESTART:
        needs_name = 0;
        if (d->name[0] != '\0' && strcmp(d->name, "server") != 0) return -1;
        if (d->variant != SIM_RESTART_LOSE_ALL && d->variant != SIM_RESTART_LOSE_LAST) return -1;
        has_duration = d->variant == SIM_RESTART_LOSE_LAST;
        break;
    default: return -1;
    }
    if (needs_name && !schedule_name_ok(d->name, sizeof(d->name))) return -1;
    if (has_duration) {
        return schedule_format_duration(d->duration_ns, min_ns, d->kind == SIM_DEC_WALL, dur, dur_cap) < 0 ? -1 : 0;
    }
    return 0;
}

/* Returns -1 for a decision that would not read back unchanged ('name' and 'op' must be names, a
 * duration within its range, a variant one of its enum) as well as for one that does not fit. */
int sim_decision_format(const sim_decision *d, char *buf, size_t cap) {
    assert(d != NULL);
    assert(buf != NULL || cap == 0);
    char dur[SCHEDULE_DURATION_TEXT_MAX];
    int n = -1;
    if (schedule_decision_check(d, dur, sizeof(dur)) != 0 || cap == 0) return -1;
    switch (d->kind) {
    case SIM_DEC_RUN: n = snprintf(buf, cap, "run %s %s%s%s", d->name, d->op, d->key[0] ? " " : "", d->key); break;
    case SIM_DEC_ADVANCE: n = snprintf(buf, cap, "advance %s", dur); break;
    case SIM_DEC_WALL: n = snprintf(buf, cap, "wall %s %s", d->name, dur); break;
    case SIM_DEC_PAUSE: n = snprintf(buf, cap, "pause %s %s", d->name, dur); break;
    case SIM_DEC_CRASH: n = snprintf(buf, cap, "crash %s", d->name); break;
    case SIM_DEC_FAULT: n = snprintf(buf, cap, "fault %s %s", d->name, sim_store_fault_word(d->variant)); break;
    case SIM_DEC_RESTART:
        n = snprintf(buf, cap, "restart server %s%s%s", d->variant == SIM_RESTART_LOSE_ALL ? "lose-all" : "lose-last",
                     dur[0] ? " " : "", dur);
        break;
    }
    return (n < 0 || (size_t)n >= cap) ? -1 : n;
}

/* Checks that the header fields of 's' and 'comment' would read back unchanged. Returns 0 or -1. */
static int schedule_write_check(const sim_schedule *s, const char *comment) {
    if (s->tool[0] != '\0' && !schedule_text_ok(s->tool, sizeof(s->tool))) return -1;
    if (s->strategy[0] != '\0' && !schedule_text_ok(s->strategy, sizeof(s->strategy))) return -1;
    if (!schedule_name_ok(s->scenario, sizeof(s->scenario))) return -1;
    if (!schedule_variant_ok(s->variant)) return -1;
    if (s->param_count < 0 || s->param_count > SIM_PARAMS_MAX) return -1;
    for (int i = 0; i < s->param_count; i++) {
        if (!schedule_name_ok(s->param_key[i], SIM_NAME_MAX)) return -1;
        if (strchr(s->param_key[i], '=') != NULL) return -1;
    }
    if (s->expect == SIM_EXPECT_VIOLATION && !schedule_name_ok(s->expect_oracle, sizeof(s->expect_oracle))) {
        return -1;
    }
    if (s->expect != SIM_EXPECT_NONE && s->expect != SIM_EXPECT_PASS && s->expect != SIM_EXPECT_VIOLATION) {
        return -1;
    }
    if (s->repeat < 0 || s->repeat > s->decision_count) return -1;
    if (s->script_count < 0 || s->script_count > SIM_SCRIPTS_MAX) return -1;
    for (int i = 0; i < s->script_count; i++)
        if (!schedule_name_ok(s->script_path[i], SIM_SCRIPT_PATH_MAX) || !schedule_sha_ok(s->script_sha[i])) return -1;
    size_t run = 0; /* bytes of the current comment line */
    for (const char *p = comment; p != NULL && *p != '\0'; p++) {
        run = *p == '\n' ? 0 : run + 1;
        if (*p != '\n' && schedule_byte_is_binary((unsigned char)*p)) return -1;
        if (run + 2 > SIM_LINE_MAX) return -1;
    }
    return 0;
}

/* Appends the header lines of 's' and the blank line after them. */
static void schedule_text_header(sim_text *t, const sim_schedule *s) {
    sim_text_add(t, "racebed-schedule %d\n", (int)SIM_SCHEDULE_VERSION);
    if (s->tool[0] != '\0') sim_text_add(t, "tool %s\n", s->tool);
    sim_text_add(t, "scenario %s\nvariant %s\n", s->scenario, s->variant);
    for (int i = 0; i < s->param_count; i++)
        sim_text_add(t, "param %s=%" PRId64 "\n", s->param_key[i], s->param_value[i]);
    if (s->has_seed) sim_text_add(t, "seed %" PRIu64 "\n", s->seed);
    if (s->strategy[0] != '\0') sim_text_add(t, "strategy %s\n", s->strategy);
    if (s->model_only) sim_text_add(t, "model-only yes\n");
    for (int i = 0; i < s->script_count; i++)
        sim_text_add(t, "script %s %s\n", s->script_path[i], s->script_sha[i]);
    sim_text_add(t, "\n");
}

/* Appends 'comment' as "# " lines; an empty line becomes "#", a final '\n' adds no line. */
static void schedule_text_comment(sim_text *t, const char *comment) {
    const char *p = comment;
    while (p != NULL && *p != '\0') {
        size_t n = strcspn(p, "\n");
        if (n == 0)
            sim_text_add(t, "#\n");
        else
            sim_text_add(t, "# %.*s\n", (int)n, p);
        p += n + (p[n] == '\n');
    }
}

char *sim_schedule_text(const sim_schedule *s, const char *comment, size_t *len) {
    assert(s != NULL);
    char line[SIM_LINE_MAX + 1];
    if (schedule_write_check(s, comment) != 0) return NULL;
    sim_text t;
    sim_text_init(&t);
    schedule_text_header(&t, s);
    for (int i = 0; i < s->decision_count; i++) {
        if (sim_decision_format(&s->decisions[i], line, sizeof(line)) < 0) {
            sim_text_free(&t);
            return NULL;
        }
        sim_text_add(&t, "%s\n", line);
    }
    if (s->repeat > 0) sim_text_add(&t, "repeat %d\n", s->repeat);
    if (s->expect == SIM_EXPECT_PASS) sim_text_add(&t, "expect pass\n");
    if (s->expect == SIM_EXPECT_VIOLATION) sim_text_add(&t, "expect violation %s\n", s->expect_oracle);
    schedule_text_comment(&t, comment);
    return sim_text_take(&t, len);
}
