/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_oracle_schema.c: the lease oracle of scripted locks. A generic script's reply says nothing the oracle can read
 * as a grant, so a lock kind declares where its leases live (sim_lease_schema: an exclusive key whose value is the
 * holder's token and whose TTL is its lease; a sorted set of shared holders scored by their lease's end) and this
 * oracle re-reads them from the model store before and after every store op of the run: an oracle read, never a
 * scheduling point, and nothing expires by it.
 * Checked after each op: no exclusive holder beside a live shared one; a lease live before the op and gone after it
 * was ended by an op that carries that holder's token among its arguments (its own release, or a handoff inside its
 * release), never by another's. A lease that ran out by the server's clock is not live, so its end is nobody's.
 */
#include <stdio.h>
#include <string.h>

#include "sim/oracles/sim_oracle.h"

/* The view of schema 'i' at 'server_ms'. */
static void schema_read(const sim_run *run, int i, lk_wall_ms server_ms, sim_schema_view *v) {
    v->exclusive_live = run->oracle.schema[i].exclusive[0] != '\0' &&
                        sim_store_model_peek(&run->store, server_ms, run->oracle.schema[i].exclusive, v->exclusive);
    v->shared_count = 0;
    if (run->oracle.schema[i].shared[0] == '\0') return;
    char member[SIM_SCHEMA_MEMBER_MAX];
    double score;
    for (int k = 0;; k++) {
        int got = sim_store_model_peek_zset(&run->store, server_ms, run->oracle.schema[i].shared, k, &score, member,
                                            sizeof(member));
        if (got == 0) return;
        if (got < 0) { /* a member the table cannot hold: say so, never skip it */
            v->shared_count = -1;
            return;
        }
        if (score < (double)server_ms) continue; /* its lease has ended (live through its deadline) */
        if (v->shared_count == SIM_SCHEMA_SHARED_MAX) {
            v->shared_count = -1;
            return;
        }
        memcpy(v->shared[v->shared_count++], member, sizeof(member));
    }
}

void sim__oracle_schema_before(const sim_run *run, lk_wall_ms server_ms, sim_schema_view *views) {
    for (int i = 0; i < run->oracle.schema_count; i++)
        schema_read(run, i, server_ms, &views[i]);
}

/* 1 if 'arg' ('n' bytes) is 'token' or starts with "token:" (a member that carries a TTL or a fence). */
static int carries_one(const char *arg, size_t n, const char *token) {
    size_t t = strlen(token);
    return t > 0 && n >= t && memcmp(arg, token, t) == 0 && (n == t || arg[t] == ':');
}

/* 1 if op 'op' carries 'token' among its arguments (a command's argv, a fixed op's value). */
static int op_carries(const lk_store_op *op, const char *token) {
    if (op->kind == LK_OP_COMMAND) {
        for (int a = 1; a < op->argc; a++)
            if (carries_one(op->argv[a], op->argv_len ? op->argv_len[a] : strlen(op->argv[a]), token)) return 1;
        return 0;
    }
    return op->value != NULL && carries_one(op->value, strlen(op->value), token);
}

static int view_has_shared(const sim_schema_view *v, const char *member) {
    for (int k = 0; k < v->shared_count; k++)
        if (strcmp(v->shared[k], member) == 0) return 1;
    return 0;
}

void sim__oracle_schema_after(sim_run *run, const sim_thread *t, const lk_store_op *op, lk_wall_ms server_ms,
                              const sim_schema_view *before) {
    lk_wall_ms at = server_ms - SIM_EPOCH_WALL_MS;
    for (int i = 0; i < run->oracle.schema_count; i++) {
        const char *ek = run->oracle.schema[i].exclusive, *sk = run->oracle.schema[i].shared;
        sim_schema_view after;
        schema_read(run, i, server_ms, &after);
        if (after.shared_count < 0 || before[i].shared_count < 0) {
            sim__violation(run, "scripted_lease",
                           "%s holds more than %d live shared leases, or a member longer than %d bytes: the lease "
                           "schema oracle cannot check it (a limit of racebed's, not a bug of the lock)",
                           sk, SIM_SCHEMA_SHARED_MAX, SIM_SCHEMA_MEMBER_MAX - 1);
            return;
        }
        if (after.exclusive_live && after.shared_count > 0) {
            sim__violation(
                run, "scripted_lease",
                "after %s's step at server %lldms, %.8s... holds %s (exclusive) while %d shared holder(s) of "
                "%s are live, first %.8s...",
                t->name, (long long)at, after.exclusive, ek, after.shared_count, sk, after.shared[0]);
            return;
        }
        if (before[i].exclusive_live && (!after.exclusive_live || strcmp(after.exclusive, before[i].exclusive) != 0) &&
            !op_carries(op, before[i].exclusive)) {
            sim__violation(run, "scripted_lease",
                           "%s's step at server %lldms %s %.8s...'s live lease on %s without carrying its token",
                           t->name, (long long)at, after.exclusive_live ? "replaced" : "ended", before[i].exclusive,
                           ek);
            return;
        }
        for (int k = 0; k < before[i].shared_count; k++) {
            if (view_has_shared(&after, before[i].shared[k]) || op_carries(op, before[i].shared[k])) continue;
            sim__violation(run, "scripted_lease",
                           "%s's step at server %lldms ended %.8s...'s live shared lease in %s without carrying its "
                           "token",
                           t->name, (long long)at, before[i].shared[k], sk);
            return;
        }
    }
}
