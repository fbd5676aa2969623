/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_oracle_schema.c: the lease oracle of scripted locks. A generic script's reply says nothing the oracle can read
 * as a grant, so a lock kind declares where its leases live (sim_lease_schema: an exclusive key whose value is the
 * holder's token and whose TTL is its lease; a sorted set of shared holders scored by their lease's end) and this
 * oracle re-reads them from the model store before and after every store op of the run: an oracle read, never a
 * scheduling point, and nothing expires by it.
 * Checked after each op: no exclusive holder beside a live shared one; a lease live before the op that ended,
 * changed hands or changed its deadline after it did so by an op that carries that holder's token among its
 * arguments (its own release or extend, or a handoff inside its release) or by the thread that took it (its own
 * transaction: WATCH, MULTI, DEL, EXEC sends no token), never by another's. A stored "token:fence" or "token:ttl"
 * counts as its token. A lease that ran out by the server's clock is not live, so its end is nobody's.
 */
#include <stdio.h>
#include <string.h>

#include "sim/oracles/sim_oracle.h"

/* The view of schema 'i' at 'server_ms'. Returns 0, or -1 when a live shared lease does not fit the view (more
 * than SIM_SCHEMA_SHARED_MAX, or a member of SIM_SCHEMA_MEMBER_MAX bytes or more). */
static int schema_read(const sim_run *run, int i, lk_wall_ms server_ms, sim_schema_view *v) {
    v->exclusive_live = run->oracle.schema[i].exclusive[0] != '\0' &&
                        sim_store_model_peek_ttl(&run->store, server_ms, run->oracle.schema[i].exclusive, v->exclusive,
                                                 &v->exclusive_deadline_ms);
    v->shared_count = 0;
    if (run->oracle.schema[i].shared[0] == '\0') return 0;
    char member[SIM_SCHEMA_MEMBER_MAX];
    double score;
    for (int k = 0;; k++) {
        int got = sim_store_model_peek_zset(&run->store, server_ms, run->oracle.schema[i].shared, k, &score, member,
                                            sizeof(member));
        if (got == 0) return 0;
        if (score < (double)server_ms) continue; /* its lease has ended (live through its deadline) */
        if (got < 0 || v->shared_count == SIM_SCHEMA_SHARED_MAX) return v->shared_count = -1;
        memcpy(v->shared[v->shared_count++], member, strlen(member) + 1);
    }
}

void sim__oracle_schema_before(const sim_run *run, lk_wall_ms server_ms, sim_schema_view *views) {
    for (int i = 0; i < run->oracle.schema_count; i++)
        schema_read(run, i, server_ms, &views[i]);
}

/* The token of a stored holder: the value up to its first ':' ("token:fence", "token:ttl" or "token"). */
static size_t token_len(const char *held) {
    return strcspn(held, ":");
}

/* 1 if argument 'arg' ('n' bytes) is the holder's token, alone or followed by ':' and more. */
static int carries_one(const char *arg, size_t n, const char *held) {
    size_t t = token_len(held);
    return t > 0 && n >= t && memcmp(arg, held, t) == 0 && (n == t || arg[t] == ':');
}

/* 1 if op 'op' carries the token of 'held' among its arguments (a command's argv, a fixed op's value). */
static int op_carries(const lk_store_op *op, const char *held) {
    if (op->kind == LK_OP_COMMAND) {
        for (int a = 1; a < op->argc; a++)
            if (carries_one(op->argv[a], op->argv_len ? op->argv_len[a] : strlen(op->argv[a]), held)) return 1;
        return 0;
    }
    return op->value != NULL && carries_one(op->value, strlen(op->value), held);
}

static int view_has_shared(const sim_schema_view *v, const char *member) {
    for (int k = 0; k < v->shared_count; k++)
        if (strcmp(v->shared[k], member) == 0) return 1;
    return 0;
}

/* The exclusive lease of schema 'i': 'before' and 'after' the op of 't'. A live lease may end, change hands or change
 * its deadline only by an op that carries its token or by the thread that took it. Returns 1 after a violation. */
static int schema_exclusive(sim_run *run, int i, const sim_thread *t, const lk_store_op *op, lk_wall_ms at,
                            const sim_schema_view *before, const sim_schema_view *after) {
    const char *ek = run->oracle.schema[i].exclusive;
    int same = after->exclusive_live && before->exclusive_live && strcmp(after->exclusive, before->exclusive) == 0;
    if (before->exclusive_live && (!same || after->exclusive_deadline_ms != before->exclusive_deadline_ms) &&
        !op_carries(op, before->exclusive) && run->oracle.schema[i].owner != t->idx + 1) {
        sim__violation(run, "scripted_lease",
                       "%s's step at server %lldms %s %.*s's live lease on %s without carrying its token", t->name,
                       (long long)at,
                       !after->exclusive_live ? "ended"
                       : same                 ? "changed the deadline of"
                                              : "replaced",
                       (int)token_len(before->exclusive), before->exclusive, ek);
        return 1;
    }
    if (after->exclusive_live && !same) /* a new holder: the thread that took it, if it was its own op */
        run->oracle.schema[i].owner = op_carries(op, after->exclusive) ? t->idx + 1 : 0;
    return 0;
}

void sim__oracle_schema_after(sim_run *run, const sim_thread *t, const lk_store_op *op, lk_wall_ms server_ms,
                              const sim_schema_view *before) {
    lk_wall_ms at = server_ms - SIM_EPOCH_WALL_MS;
    for (int i = 0; i < run->oracle.schema_count; i++) {
        const char *ek = run->oracle.schema[i].exclusive, *sk = run->oracle.schema[i].shared;
        sim_schema_view after;
        if (schema_read(run, i, server_ms, &after) != 0 || before[i].shared_count < 0) {
            sim__violation(run, "limit",
                           "%s holds more than %d live shared leases, or one of %d bytes or more: the scripted_lease "
                           "oracle cannot follow it (a limit of racebed's, not a bug of the lock)",
                           sk, SIM_SCHEMA_SHARED_MAX, SIM_SCHEMA_MEMBER_MAX);
            return;
        }
        if (after.exclusive_live && after.shared_count > 0) {
            sim__violation(run, "scripted_lease",
                           "after %s's step at server %lldms, %.*s holds %s (exclusive) while %d shared holder(s) of "
                           "%s are live, first %.*s",
                           t->name, (long long)at, (int)token_len(after.exclusive), after.exclusive, ek,
                           after.shared_count, sk, (int)token_len(after.shared[0]), after.shared[0]);
            return;
        }
        if (schema_exclusive(run, i, t, op, at, &before[i], &after)) return;
        for (int k = 0; k < before[i].shared_count; k++) {
            if (view_has_shared(&after, before[i].shared[k]) || op_carries(op, before[i].shared[k])) continue;
            sim__violation(run, "scripted_lease",
                           "%s's step at server %lldms ended %.*s's live shared lease in %s without carrying its token",
                           t->name, (long long)at, (int)token_len(before[i].shared[k]), before[i].shared[k], sk);
            return;
        }
    }
}
