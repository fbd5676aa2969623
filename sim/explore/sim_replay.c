/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_replay.c: schedule replay (contract in sim_replay.h).
 */
#include "sim/explore/sim_replay.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/model/sim_sha1.h"
#include "sim/engine/sim_pending.h"
#include "sim/explore/sim_record.h"
#include "sim/explore/sim_trace.h"
#include "sim/run/sim_rng.h"

typedef struct replay_ctx {
    const sim_schedule *s;
    const sim_replay_opts *o;
    sim_replay_result *res;
    int pos;              /* next decision in s */
    uint64_t rng[4];      /* the lenient default */
    uint64_t stream_hash; /* this execution's decision stream */
    uint64_t trace_hash;  /* and trace */
    int line;             /* the schedule line of the decision being executed (0: a lenient default) */
    sim_trace_event *ev;  /* when o->event is set: the event being built (allocated: it is large) */
} replay_ctx;

static void replay_diverge(replay_ctx *r, int line, const char *fmt, const char *a, const char *b) {
    if (r->res->diverged) return;
    r->res->diverged = 1;
    r->res->diverge_line = line;
    snprintf(r->res->diverge_msg, sizeof(r->res->diverge_msg), fmt, line, a, b);
}

static int replay_decide_file(replay_ctx *r, sim_run *run, const int *enabled, int n, sim_choice *out);

/* The replay chooser: the file's next decision (or the lenient default), captured if asked. */
static int replay_decide(void *ctx, sim_run *run, const int *enabled, int n, sim_choice *out) {
    replay_ctx *r = ctx;
    int rc = replay_decide_file(r, run, enabled, n, out);
    if (rc == 0 && r->o->capture) sim_schedule_capture(r->o->capture, run, out);
    return rc;
}

/* Takes the file's next decision: 0 with 'out' filled, -1 to abort (strict replay diverged), or 1 when it did not
 * fit and was skipped (lenient replay of a decision other than run). */
static int replay_next_decision(replay_ctx *r, sim_run *run, const int *enabled, int n, sim_choice *out) {
    char why[SIM_MSG_MAX - 96], text[160];
    const sim_decision *d = &r->s->decisions[r->pos++];
    r->line = d->line;
    if (sim_decision_to_choice(run, d, out, why, sizeof(why))) return 0;
    sim_decision_format(d, text, sizeof(text));
    replay_diverge(r, d->line, "line %d: expected '%s', but %s", text, why);
    if (!r->o->lenient) return -1;
    if (d->kind == SIM_DEC_RUN) { /* the named thread if it can run, else a seeded one */
        memset(out, 0, sizeof(*out));
        out->kind = SIM_DEC_RUN;
        out->proc = -1;
        out->thread = out->thread >= 0 && sim_thread_enabled(run, out->thread)
                          ? out->thread
                          : enabled[sim__rng_next(r->rng) % (uint64_t)n];
        for (int i = 0; i < run->thread_count; i++)
            if (strcmp(run->thread[i].name, d->name) == 0 && sim_thread_enabled(run, i)) out->thread = i;
        return 0;
    }
    /* any other decision that does not fit is skipped */
    return 1;
}

static int replay_decide_file(replay_ctx *r, sim_run *run, const int *enabled, int n, sim_choice *out) {
    if (r->o->until_step > 0 && run->step >= r->o->until_step) return -1;
    char text[160];
    r->line = 0;
    /* a 'repeat N' line: the last N decisions recur until the run ends (twice around with none fitting: the end) */
    for (int wraps = 0;;) {
        if (r->pos == r->s->decision_count && r->s->repeat > 0 && wraps++ < 2) r->pos -= r->s->repeat;
        if (r->pos >= r->s->decision_count) break;
        int rc = replay_next_decision(r, run, enabled, n, out);
        if (rc != 1) return rc;
    }
    if (!r->o->lenient) {
        snprintf(text, sizeof(text), "%s is at '%s'", run->thread[enabled[0]].name,
                 sim__pending_label(&run->thread[enabled[0]].pend));
        replay_diverge(r, r->s->decision_count ? r->s->decisions[r->s->decision_count - 1].line : 0,
                       "line %d: the schedule ends here but the run goes on (%s)%s", text, "");
        return -1;
    }
    memset(out, 0, sizeof(*out));
    out->kind = SIM_DEC_RUN;
    out->proc = -1;
    out->thread = enabled[sim__rng_next(r->rng) % (uint64_t)n];
    return 0;
}

static void replay_after(void *ctx, sim_run *run, const sim_choice *c, const sim_pending *done) {
    replay_ctx *r = ctx;
    char line[512];
    sim_trace_hash_step(&r->stream_hash, &r->trace_hash, run, c, done, line, sizeof(line));
    if (r->o->trace) r->o->trace(r->o->trace_ctx, line);
    if (r->ev) {
        sim_trace_event_step(run, c, done, r->line, r->ev);
        r->ev->text = line;
        r->o->event(r->o->event_ctx, r->ev);
    }
}

static void replay_jump(void *ctx, sim_run *run, int64_t to_ns) {
    replay_ctx *r = ctx;
    char line[512];
    sim_trace_hash_jump(&r->trace_hash, run, to_ns, line, sizeof(line));
    if (r->o->trace) r->o->trace(r->o->trace_ctx, line);
    if (r->ev) {
        sim_trace_event_jump(run, to_ns, r->ev);
        r->ev->text = line;
        r->o->event(r->o->event_ctx, r->ev);
    }
}

/* The SHA-1 of the file at 'path' into 'sha', or a reason it cannot be read into 'why'. Returns 0 or -1. */
static int replay_file_sha(const char *path, char sha[41], char *why, size_t cap) {
    char *body = malloc(SIM_SCRIPT_FILE_MAX);
    FILE *in = body ? fopen(path, "rb") : NULL;
    if (in == NULL) {
        snprintf(why, cap, "cannot be read (%s)", body ? strerror(errno) : "out of memory");
        free(body);
        return -1;
    }
    size_t n = fread(body, 1, SIM_SCRIPT_FILE_MAX, in);
    int failed = ferror(in) || n == SIM_SCRIPT_FILE_MAX;
    fclose(in);
    if (!failed) sim_sha1_hex(body, n, sha);
    free(body);
    if (failed) snprintf(why, cap, "cannot be read whole (at most 16 KiB)");
    return failed ? -1 : 0;
}

/* A script file the schedule names must still have the bytes it was recorded with: else the run cannot be the
 * recorded one, and the replay stops as a divergence naming the file. Returns 0, or -1 after diverging. */
static int replay_scripts(replay_ctx *r, const sim_schedule *s) {
    for (int i = 0; i < s->script_count; i++) {
        char sha[41], why[160], what[SIM_SCRIPT_PATH_MAX + 200];
        int read = replay_file_sha(s->script_path[i], sha, why, sizeof(why)) == 0;
        if (read && strcmp(sha, s->script_sha[i]) == 0) continue;
        if (read)
            snprintf(why, sizeof(why), "changed since the schedule was recorded (SHA-1 %.40s then, %.40s now)",
                     s->script_sha[i], sha);
        snprintf(what, sizeof(what), "%s %s", s->script_path[i], why);
        replay_diverge(r, s->script_line[i], "line %d: script file %s%s", what, "");
        return -1;
    }
    return 0;
}

void sim_replay(sim_run *run, const sim_config *cfg, const sim_schedule *s, const sim_replay_opts *o,
                sim_replay_result *res) {
    memset(res, 0, sizeof(*res));
    replay_ctx r = {s, o, res, 0, {0}, SIM_HASH_INIT, SIM_HASH_INIT, 0, NULL};
    if (o->event && (r.ev = malloc(sizeof(*r.ev))) == NULL) {
        snprintf(res->diverge_msg, sizeof(res->diverge_msg), "out of memory for the step events");
        res->end = SIM_END_ABORTED;
        return;
    }
    if (replay_scripts(&r, s) != 0) {
        free(r.ev);
        res->end = SIM_END_ABORTED;
        return;
    }
    sim__rng_seed(r.rng, s->seed ^ 0x1EAD1E47ull);
    sim_chooser ch = {&r, replay_decide, replay_after, replay_jump};
    int log_ops = 0;
    for (int i = 0; i < s->decision_count; i++)
        log_ops |= s->decisions[i].kind == SIM_DEC_RESTART && s->decisions[i].variant == SIM_RESTART_LOSE_LAST;
    sim_exec_args a = sim_config_args(cfg, s->seed, log_ops);
    res->end = sim_execute(run, &a, &ch);
    res->steps = run->step;
    sim_outcome_take(&res->outcome, run, res->end);
    /* folded once more, as sim_explore_random folds each execution's hashes into its totals */
    res->stream_hash = sim_hash_bytes(SIM_HASH_INIT, &r.stream_hash, sizeof(r.stream_hash));
    res->trace_hash = sim_hash_bytes(SIM_HASH_INIT, &r.trace_hash, sizeof(r.trace_hash));
    free(r.ev);
    if (res->end != SIM_END_ABORTED && !o->lenient && s->repeat == 0 && r.pos < s->decision_count) {
        char text[160], more[32];
        sim_decision_format(&s->decisions[r.pos], text, sizeof(text));
        snprintf(more, sizeof(more), "%d", s->decision_count - r.pos);
        replay_diverge(&r, s->decisions[r.pos].line, "line %d: the run ended before '%s' (%s decision(s) left)", text,
                       more);
    }
}
