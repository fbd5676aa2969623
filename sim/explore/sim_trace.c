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
        snprintf(res + n, sizeof(res) - n,
                 c->variant == SIM_FAULT_REPLY_LOST ? " [fault reply-lost: applied (%s), the reply is lost]"
                                                    : " [fault conn-error: not applied]",
                 lk_rc_name(done->applied_rc));
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
