/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_trace.c: trace lines. A RUN line shows: step, virtual time at send, thread, op, key, the result, the
 * server's clock at the apply instant (ms since the run's epoch), and the lease of every watched lock key after the
 * step. Times print relative to the run's start so lines carry no run-to-run noise.
 */
#include "sim/explore/sim_record.h"
#include "sim/engine/sim_pending.h"
#include "sim/run/sim_rng.h"
#include "sim/explore/sim_trace.h"

#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "sim/explore/sim_faults.h"
#include "sim/oracles/sim_oracle.h"

void sim_trace_time(int64_t ns, char *buf, size_t cap) {
    snprintf(buf, cap, "%" PRId64 ".%06" PRId64 "s", ns / 1000000000, (ns % 1000000000) / 1000);
}

/* The result of a performed op, e.g. "acquired fence=3", "locked pttl=1200ms", "found \"ab12:3\"". */
static void trace_result(const sim_run *run, const sim_pending *p, char *buf, size_t cap) {
    if (p->vop == SIM_VOP_WAIT) { /* traced when it starts: a wake op may still end it early */
        if (p->rc == LK_OK)
            snprintf(buf, cap, "woken (a wake was kept)");
        else
            snprintf(buf, cap, "waits up to +%" PRId64 "ms for %s", p->ns / 1000000, run->mutex[p->obj].name);
        return;
    }
    if (p->rc != LK_OK) {
        snprintf(buf, cap, "%s", lk_rc_name(p->rc));
        return;
    }
    if (p->vop != SIM_VOP_STORE) {
        switch (p->vop) {
        case SIM_VOP_SLEEP: snprintf(buf, cap, "wakes +%" PRId64 "ms", p->ns / 1000000); break;
        case SIM_VOP_LOCK: snprintf(buf, cap, "held"); break;
        case SIM_VOP_UNLOCK: snprintf(buf, cap, "free"); break;
        case SIM_VOP_ONCE: snprintf(buf, cap, p->out ? "runs it" : "already done"); break;
        case SIM_VOP_TASK_START: snprintf(buf, cap, "started %s", run->thread[p->out].name); break;
        case SIM_VOP_EVENT: snprintf(buf, cap, "%" PRId64, p->num); break;
        case SIM_VOP_RESOURCE:
            if (p->res_op == SIM_RES_FLOOR)
                snprintf(buf, cap, "floor=%" PRId64, p->num);
            else
                snprintf(buf, cap, "%s %" PRId64 " fence=%" PRId64, p->res_op == SIM_RES_READ ? "read" : "wrote",
                         p->res_value, p->num);
            break;
        default: snprintf(buf, cap, "ok"); break;
        }
        return;
    }
    const lk_store_reply *r = p->reply;
    const char *o = lk_outcome_label(r->outcome);
    int resp = p->op.kind == LK_OP_COMMAND || p->op.kind == LK_OP_READ;
    if (resp && r->resp->node_count == 0) { /* a blocking command waits on the server; a read for a message */
        snprintf(buf, cap, p->op.kind == LK_OP_READ ? "waits" : "blocked");
        return;
    } else if (resp) { /* Redis's reply, redis-cli style on one line */
        lk_reply_format(r->resp, 0, buf, cap);
        return;
    }
    switch (p->op.kind) {
    case LK_OP_GET:
        if (r->outcome == LK_FOUND)
            snprintf(buf, cap, "found \"%.40s\"", r->value);
        else
            snprintf(buf, cap, "%s", o);
        break;
    case LK_OP_ACQUIRE:
        if (r->outcome == LK_LOCKED)
            snprintf(buf, cap, "locked pttl=%" PRId64 "ms", r->num);
        else
            snprintf(buf, cap, "%s fence=%" PRId64, o, r->num);
        break;
    case LK_OP_DEL:
    case LK_OP_SCAN_DEL:
    case LK_OP_INCR:
    case LK_OP_PTTL: snprintf(buf, cap, "%s=%" PRId64, o, r->num); break;
    default: snprintf(buf, cap, "%s", o); break;
    }
}

/* " lk:res=c2..1500ms" for each watched key ("lk:res=free" when no live lease). */
static void trace_leases(const sim_run *run, char *buf, size_t cap) {
    lk_wall_ms server_ms = sim__server_ms(run, run->now_ns);
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < run->oracle.lock_key_count && used < cap; i++) {
        const sim_lease *l = &run->oracle.lease[i];
        int n;
        if (!sim__oracle_lease_alive(run, i, server_ms))
            n = snprintf(buf + used, cap - used, " %s=free", run->oracle.lock_key[i]);
        else if (l->deadline_ms == 0)
            n = snprintf(buf + used, cap - used, " %s=%s", run->oracle.lock_key[i], run->thread[l->owner].name);
        else
            n = snprintf(buf + used, cap - used, " %s=%s..%" PRId64 "ms", run->oracle.lock_key[i],
                         run->thread[l->owner].name, l->deadline_ms - SIM_EPOCH_WALL_MS);
        if (n < 0) break;
        used += (size_t)n;
    }
}

/* A decision that is not an op: "advance 2s", "crash c1", "wall server +1500ms", ... */
static int trace_decision(const sim_run *run, const sim_choice *c, char *buf, size_t cap) {
    sim_decision d;
    sim_choice_to_decision(run, c, &d);
    char text[160];
    if (sim_decision_format(&d, text, sizeof(text)) < 0) snprintf(text, sizeof(text), "?");
    return snprintf(buf, cap, "%s (decision)", text);
}

int sim_trace_step(const sim_run *run, const sim_choice *c, const sim_pending *done, char *buf, size_t cap) {
    char t[32], leases[256];
    sim_trace_time(run->now_ns, t, sizeof(t));
    trace_leases(run, leases, sizeof(leases));
    if (done == NULL) {
        char what[200];
        trace_decision(run, c, what, sizeof(what));
        return snprintf(buf, cap, "%5d  %-11s %s  |%s", run->step, t, what, leases);
    }
    char obj[LK_KEY_MAX], res[128];
    sim__pending_object(run, done, obj, sizeof(obj));
    trace_result(run, done, res, sizeof(res));
    if (c->kind == SIM_DEC_FAULT) {
        size_t n = strlen(res);
        if (c->variant == SIM_FAULT_REPLY_LOST)
            snprintf(res + n, sizeof(res) - n, " [fault reply-lost: applied (%s), the reply is lost]",
                     lk_rc_name(done->applied_rc));
        else if (c->variant == SIM_FAULT_CONN_ERROR)
            snprintf(res + n, sizeof(res) - n, " [fault conn-error: not applied]");
        else
            snprintf(res + n, sizeof(res) - n,
                     " [fault late-timeout: its timeout is noticed at the next event, or timeout_lag_ms late]");
    }
    char server[48] = "";
    if (done->vop == SIM_VOP_STORE)
        snprintf(server, sizeof(server), "  server=%" PRId64 "ms",
                 sim__server_ms(run, run->now_ns + run->rtt_ns / 2) - SIM_EPOCH_WALL_MS);
    return snprintf(buf, cap, "%5d  %-11s %-6s %-8s %-16s -> %s%s  |%s", run->step, t, run->thread[c->thread].name,
                    sim__pending_label(done), obj, res, server, leases);
}

int sim_trace_jump(const sim_run *run, int64_t to_ns, char *buf, size_t cap) {
    (void)run;
    char t[32];
    sim_trace_time(to_ns, t, sizeof(t));
    return snprintf(buf, cap, "       %-11s (every thread waits: time jumps)", t);
}

void sim_trace_hash_step(uint64_t *stream, uint64_t *trace, const sim_run *run, const sim_choice *c,
                         const sim_pending *done, char *line, size_t cap) {
    int64_t rec[3] = {c->kind, c->kind == SIM_DEC_RUN ? c->thread : -1, c->duration_ns};
    *stream = sim_hash_bytes(*stream, rec, sizeof(rec));
    if (sim_trace_step(run, c, done, line, cap) > 0) *trace = sim_hash_bytes(*trace, line, strlen(line));
}

void sim_trace_hash_jump(uint64_t *trace, const sim_run *run, int64_t to_ns, char *line, size_t cap) {
    if (sim_trace_jump(run, to_ns, line, cap) > 0) *trace = sim_hash_bytes(*trace, line, strlen(line));
}

/* ---- trace events ---------------------------------------------------------------------------------------------- */

/* Appends 'n' bytes of 'arg' to 'buf' as a readable word: printable bytes as they are, others as \xNN, each argument
 * cut at 80 bytes ("..."). Returns the new length; a list that does not fit ends with "...". */
static size_t event_arg(char *buf, size_t used, size_t cap, const char *arg, size_t n) {
    char word[4 * 80 + 8];
    size_t w = 0;
    for (size_t i = 0; i < n && i < 80; i++) {
        unsigned char ch = (unsigned char)arg[i];
        if (ch >= 0x20 && ch < 0x7f && ch != '\\')
            word[w++] = (char)ch;
        else
            w += (size_t)snprintf(word + w, sizeof(word) - w, "\\x%02x", ch);
    }
    if (n > 80) w += (size_t)snprintf(word + w, sizeof(word) - w, "...");
    word[w] = '\0';
    if (used + w + 5 >= cap) { /* room for " ..." and the NUL: the list is cut, and says so */
        if (used + 5 < cap) used += (size_t)snprintf(buf + used, cap - used, " ...");
        return cap;
    }
    return used + (size_t)snprintf(buf + used, cap - used, "%s%s", used ? " " : "", word);
}

/* A store op's arguments: a command's argv, or a fixed op's key, value and TTL. */
static void event_args(const lk_store_op *op, char *buf, size_t cap) {
    size_t used = 0;
    buf[0] = '\0';
    if (op->kind == LK_OP_COMMAND) {
        for (int a = 0; a < op->argc && used < cap; a++)
            used = event_arg(buf, used, cap, op->argv[a], op->argv_len ? op->argv_len[a] : strlen(op->argv[a]));
        return;
    }
    char num[48];
    const char *words[6];
    int w = 0;
    if (op->key) words[w++] = op->key;
    if (op->aux_key) words[w++] = op->aux_key;
    if (op->epoch_key) words[w++] = op->epoch_key;
    if (op->value) words[w++] = op->value;
    if (op->flags & LK_SET_NX) words[w++] = "NX";
    if (op->flags & LK_SET_XX) words[w++] = "XX";
    for (int i = 0; i < w && used < cap; i++)
        used = event_arg(buf, used, cap, words[i], strlen(words[i]));
    if (op->ttl_ms > 0 && used < cap) {
        snprintf(num, sizeof(num), "%s=%" PRId64 "ms", op->kind == LK_OP_READ ? "wait" : "ttl", op->ttl_ms);
        event_arg(buf, used, cap, num, strlen(num));
    }
}

static sim_trace_lease *event_lease(sim_trace_event *ev, const char *key, const char *holder, int64_t deadline_ms) {
    if (ev->lease_count == SIM_TRACE_LEASES_MAX) return NULL;
    sim_trace_lease *l = &ev->lease[ev->lease_count++];
    memset(l, 0, sizeof(*l));
    lk_copy_str(l->key, sizeof(l->key), key);
    lk_copy_str(l->holder, sizeof(l->holder), holder);
    l->deadline_ms = deadline_ms == 0 ? -1 : deadline_ms - SIM_EPOCH_WALL_MS;
    return l;
}

/* Every live lease now: the watched keys', then each lease schema's exclusive and shared holders. */
static void event_leases(const sim_run *run, sim_trace_event *ev) {
    lk_wall_ms server_ms = sim__server_ms(run, run->now_ns);
    ev->lease_count = 0;
    for (int i = 0; i < run->oracle.lock_key_count; i++)
        if (sim__oracle_lease_alive(run, i, server_ms))
            event_lease(ev, run->oracle.lock_key[i], run->thread[run->oracle.lease[i].owner].name,
                        run->oracle.lease[i].deadline_ms);
    if (run->oracle.schema_count == 0) return;
    sim_schema_view views[SIM_SCHEMAS_MAX];
    sim__oracle_schema_before(run, server_ms, views);
    for (int i = 0; i < run->oracle.schema_count; i++) {
        sim_trace_lease *l;
        if (views[i].exclusive_live && (l = event_lease(ev, run->oracle.schema[i].exclusive, views[i].exclusive,
                                                        views[i].exclusive_deadline_ms)) != NULL)
            l->scripted = 1;
        for (int k = 0; k < views[i].shared_count; k++) {
            double score = 0;
            char member[SIM_SCHEMA_MEMBER_MAX];
            /* the view keeps live members only; their deadlines are their scores */
            for (int z = 0; sim_store_model_peek_zset(&run->store, server_ms, run->oracle.schema[i].shared, z, &score,
                                                      member, sizeof(member)) > 0;
                 z++)
                if (strcmp(member, views[i].shared[k]) == 0) break;
            if ((l = event_lease(ev, run->oracle.schema[i].shared, views[i].shared[k], (int64_t)score)) != NULL) {
                l->shared = 1;
                l->scripted = 1;
            }
        }
        double ticket;
        char waiter[SIM_SCHEMA_MEMBER_MAX];
        for (int z = 0; run->oracle.schema[i].queue[0] &&
                        sim_store_model_peek_zset(&run->store, server_ms, run->oracle.schema[i].queue, z, &ticket,
                                                  waiter, sizeof(waiter)) > 0;
             z++) {
            sim_trace_lease *q = event_lease(ev, run->oracle.schema[i].queue, waiter, 0);
            if (q == NULL) break;
            q->scripted = 1;
            q->queued = z + 1;
        }
    }
}

void sim_trace_event_step(const sim_run *run, const sim_choice *c, const sim_pending *done, int line,
                          sim_trace_event *ev) {
    ev->kind = done ? SIM_TRACE_OP : SIM_TRACE_DECISION;
    ev->step = run->step;
    ev->line = line;
    ev->time_ns = run->now_ns;
    ev->server_ms = sim__server_ms(run, run->now_ns) - SIM_EPOCH_WALL_MS;
    ev->thread = -1;
    ev->who[0] = ev->op[0] = ev->object[0] = ev->args[0] = ev->result[0] = ev->fault[0] = ev->decision[0] = '\0';
    ev->store = 0;
    if (c->kind != SIM_DEC_RUN) {
        sim_decision d;
        sim_choice_to_decision(run, c, &d);
        if (sim_decision_format(&d, ev->decision, sizeof(ev->decision)) < 0) lk_copy_str(ev->decision, 2, "?");
        lk_copy_str(ev->who, sizeof(ev->who), d.name);
        for (int i = 0; i < run->thread_count; i++)
            if (strcmp(run->thread[i].name, d.name) == 0) ev->thread = i;
        if (done == NULL) snprintf(ev->op, sizeof(ev->op), "%.*s", (int)strcspn(ev->decision, " "), ev->decision);
    }
    if (done != NULL) {
        ev->thread = c->thread;
        lk_copy_str(ev->who, sizeof(ev->who), run->thread[c->thread].name);
        lk_copy_str(ev->op, sizeof(ev->op), sim__pending_label(done));
        sim__pending_object(run, done, ev->object, sizeof(ev->object));
        trace_result(run, done, ev->result, sizeof(ev->result));
        if (done->vop == SIM_VOP_STORE) {
            ev->store = 1;
            ev->server_ms = sim__server_ms(run, run->now_ns + run->rtt_ns / 2) - SIM_EPOCH_WALL_MS;
            event_args(&done->op, ev->args, sizeof(ev->args));
        }
        if (c->kind == SIM_DEC_FAULT) lk_copy_str(ev->fault, sizeof(ev->fault), sim_store_fault_word(c->variant));
    }
    event_leases(run, ev);
    ev->text = NULL;
}

void sim_trace_event_jump(const sim_run *run, int64_t to_ns, sim_trace_event *ev) {
    memset(ev, 0, offsetof(sim_trace_event, lease));
    ev->kind = SIM_TRACE_JUMP;
    ev->time_ns = to_ns;
    ev->server_ms = sim__server_ms(run, to_ns) - SIM_EPOCH_WALL_MS;
    ev->thread = -1;
    lk_copy_str(ev->op, sizeof(ev->op), "jump");
    event_leases(run, ev);
    ev->text = NULL;
}
