/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_oracle_lease.c: lease safety, no foreign delete, no foreign extend, over ghost leases.
 *
 * A ghost lease is created when a store op writes a watched lock key that was free (SET stored, ACQUIRE acquired);
 * it ends by expiry on the server's wall clock (now > deadline, as the store decides), by its owner's delete, or by
 * a prefix delete (clear: revocation by design). The oracle reads only ops and replies, never the store, and never
 * which protocol is running: a protocol is judged by what it did.
 * Checked: at most one live lease per key; only the owner deletes or extends a live lease.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim/oracles/sim_oracle.h"

static int lease_index(const sim_run *run, const char *key) {
    for (int i = 0; i < run->oracle.lock_key_count; i++)
        if (strcmp(run->oracle.lock_key[i], key) == 0) return i;
    return -1;
}

int sim__oracle_lease_alive(const sim_run *run, int i, lk_wall_ms server_ms) {
    const sim_lease *l = &run->oracle.lease[i];
    return l->live && (l->deadline_ms == 0 || server_ms <= l->deadline_ms);
}

static void lease_describe(const sim_run *run, int i, char *buf, size_t cap) {
    const sim_lease *l = &run->oracle.lease[i];
    if (l->deadline_ms == 0)
        snprintf(buf, cap, "%s's lease (granted at server %lldms, no TTL)", run->thread[l->owner].name,
                 (long long)(l->granted_ms - SIM_EPOCH_WALL_MS));
    else
        snprintf(buf, cap, "%s's lease (granted at server %lldms, until %lldms)", run->thread[l->owner].name,
                 (long long)(l->granted_ms - SIM_EPOCH_WALL_MS), (long long)(l->deadline_ms - SIM_EPOCH_WALL_MS));
}

/* A grant by 'owner': violation if another owner's lease is live. */
static void lease_grant(sim_run *run, int i, const sim_thread *t, lk_wall_ms server_ms, int64_t ttl_ms) {
    sim_lease *l = &run->oracle.lease[i];
    if (sim__oracle_lease_alive(run, i, server_ms) && l->owner != t->owner) {
        char held[160];
        lease_describe(run, i, held, sizeof(held));
        sim__violation(run, "lease_safety", "%s was granted %s at server %lldms while %s is live: two holders", t->name,
                       run->oracle.lock_key[i], (long long)(server_ms - SIM_EPOCH_WALL_MS), held);
    }
    l->live = 1;
    l->owner = t->owner;
    l->disturbed = 0;
    l->granted_ms = server_ms;
    l->deadline_ms = ttl_ms > 0 ? server_ms + ttl_ms : 0;
}

/* Ends lease 'i' by thread 't''s op. An admin's end of another's live lease is a revocation of the grants whose
 * fencing numbers are below 'below' (a REVOKE's floor; INT64_MAX for a plain DEL: every grant). */
static void lease_end(sim_run *run, int i, const sim_thread *t, lk_wall_ms server_ms, const char *how,
                      int64_t below) {
    sim_lease *l = &run->oracle.lease[i];
    if (sim__oracle_lease_alive(run, i, server_ms) && l->owner != t->owner && t->admin) {
        if (!run->oracle_silent) { /* what the holder's history is, not a rebuild */
            run->thread[l->owner].revoked = 1;
            run->thread[l->owner].revoked_below = below;
        }
        sim__probe(run, SIM_PROBE_CLEAR_WHILE_HELD);
        sim__note(run, "lease_safety", "%s revoked %s's lease on %s (a clear): by design", t->name,
                  run->thread[l->owner].name, run->oracle.lock_key[i]);
    } else if (sim__oracle_lease_alive(run, i, server_ms) && l->owner != t->owner) {
        char held[160];
        lease_describe(run, i, held, sizeof(held));
        sim__violation(run, "no_foreign_delete", "%s %s %s at server %lldms, but it belongs to %s", t->name, how,
                       run->oracle.lock_key[i], (long long)(server_ms - SIM_EPOCH_WALL_MS), held);
    }
    l->live = 0;
}

static void lease_extend(sim_run *run, int i, const sim_thread *t, lk_wall_ms server_ms, int64_t ttl_ms) {
    sim_lease *l = &run->oracle.lease[i];
    if (!sim__oracle_lease_alive(run, i, server_ms)) return; /* the key held something not granted as a lease */
    if (l->owner != t->owner) {
        char held[160];
        lease_describe(run, i, held, sizeof(held));
        sim__violation(run, "no_foreign_extend", "%s changed the TTL of %s at server %lldms, but it belongs to %s",
                       t->name, run->oracle.lock_key[i], (long long)(server_ms - SIM_EPOCH_WALL_MS), held);
    }
    if (ttl_ms <= 0)
        l->live = 0;
    else
        l->deadline_ms = server_ms + ttl_ms;
}

void sim__oracle_lease_store(sim_run *run, const sim_thread *t, const lk_store_op *op, lk_rc rc,
                             const lk_store_reply *r, lk_wall_ms server_ms, int64_t sent_ns) {
    if (rc != LK_OK) return;
    if (op->kind == LK_OP_SCAN) { /* the store removed every expired key with the prefix */
        size_t n = strlen(op->key);
        for (int i = 0; i < run->oracle.lock_key_count; i++)
            if (strncmp(run->oracle.lock_key[i], op->key, n) == 0 && run->oracle.lease[i].live &&
                !sim__oracle_lease_alive(run, i, server_ms))
                run->oracle.lease[i].live = 0;
        return;
    }
    if (op->kind == LK_OP_SCAN_DEL) {
        size_t n = strlen(op->key);
        for (int i = 0; i < run->oracle.lock_key_count; i++)
            if (strncmp(run->oracle.lock_key[i], op->key, n) == 0 && run->oracle.lease[i].live)
                lease_end(run, i, t, server_ms, "deleted (prefix)", INT64_MAX);
        return;
    }
    int i = lease_index(run, op->key);
    if (i < 0) return;
    sim_lease *l = &run->oracle.lease[i];
    /* the store just looked at the key: if it was expired, the store removed it for good (lazy expiry), and a later
     * backward step of the server clock will not bring it back; the ghost lease ends the same way */
    if (l->live && !sim__oracle_lease_alive(run, i, server_ms)) l->live = 0;
    switch (op->kind) {
    case LK_OP_SET:
        if (r->outcome == LK_STORED) lease_grant(run, i, t, server_ms, op->ttl_ms);
        break;
    case LK_OP_ACQUIRE:
        if (r->outcome == LK_LOCKED && l->live && run->thread[l->owner].state == SIM_T_CRASHED)
            sim__probe(run, SIM_PROBE_WAIT_ON_CRASHED_HOLDER);
        if (r->outcome == LK_ACQUIRED)
            lease_grant(run, i, t, server_ms, op->ttl_ms);
        else if (r->outcome == LK_ALREADY_MINE)
            lease_extend(run, i, t, server_ms, op->ttl_ms);
        break;
    case LK_OP_DEL:
        if (r->num > 0) lease_end(run, i, t, server_ms, "deleted", INT64_MAX);
        break;
    case LK_OP_RELEASE:
        if (r->outcome == LK_RELEASED) lease_end(run, i, t, server_ms, "released", INT64_MAX);
        if (r->outcome == LK_NOT_OWNER) sim__probe(run, SIM_PROBE_STALE_RELEASE);
        break;
    case LK_OP_REVOKE:
        if (r->outcome == LK_RELEASED) lease_end(run, i, t, server_ms, "revoked", op->num);
        break;
    case LK_OP_PEXPIRE:
    case LK_OP_EXTEND:
        if (r->outcome == LK_EXTENDED)
            lease_extend(run, i, t, server_ms, op->ttl_ms);
        else if (op->kind == LK_OP_EXTEND)
            sim__probe(run, SIM_PROBE_RENEWAL_RACING_EXPIRY);
        break;
    default: break;
    }
    int renewed = (op->kind == LK_OP_SET && r->outcome == LK_STORED) ||
                  (op->kind == LK_OP_ACQUIRE && (r->outcome == LK_ACQUIRED || r->outcome == LK_ALREADY_MINE)) ||
                  ((op->kind == LK_OP_EXTEND || op->kind == LK_OP_PEXPIRE) && r->outcome == LK_EXTENDED);
    if (renewed && l->live && l->owner == t->owner) {
        l->owner_saw_error = 0; /* it has it back in hand */
        l->sent_ns = sent_ns;
        l->ttl_ms = op->ttl_ms;
        sim_thread *holder = &run->thread[t->owner];
        if (!run->oracle_silent) { /* what the client learned; a rebuild after a restart does not unlearn it */
            holder->lease_sent_ns = sent_ns;
            holder->lease_ttl_ms = op->ttl_ms;
        }
        if (op->kind != LK_OP_EXTEND && op->kind != LK_OP_PEXPIRE) {
            l->disturbed = 0;
            holder->paused_since_grant = 0;
            holder->revoked = 0;
        }
    }
}

void sim__oracle_lease_client_error(sim_run *run, const sim_thread *t, const lk_store_op *op) {
    int i = lease_index(run, op->key);
    if (i < 0 || run->oracle_silent) return;
    sim_lease *l = &run->oracle.lease[i];
    if (l->live && l->owner == t->owner) l->owner_saw_error = 1;
}

/* ---- the server's own faults: restarts and wall steps --------------------------------------------------------------- */

void sim__oracle_lease_wall_step(sim_run *run) {
    for (int i = 0; i < run->oracle.lock_key_count; i++)
        if (sim__oracle_lease_alive(run, i, sim__server_ms(run, run->now_ns)))
            sim__probe(run, SIM_PROBE_WALL_STEP_DURING_HOLD);
    for (int i = 0; i < run->oracle.lock_key_count; i++)
        run->oracle.lease[i].disturbed = 1;
}

void sim__oracle_lease_restart(sim_run *run) {
    lk_wall_ms server_ms = sim__server_ms(run, run->now_ns);
    for (int i = 0; i < run->oracle.lock_key_count; i++) {
        if (sim__oracle_lease_alive(run, i, server_ms)) {
            sim__note(run, "lease_safety",
                      "restart lost %s's lease on %s: allowed by design, only fencing "
                      "protects the resource",
                      run->thread[run->oracle.lease[i].owner].name, run->oracle.lock_key[i]);
            run->oracle.lease[i].disturbed = 1; /* its holder may still believe in it: by design */
        }
        run->oracle.lease[i].live = 0;
    }
}

void sim__oracle_lease_rebuild_begin(sim_run *run, sim_lease *saved) {
    memcpy(saved, run->oracle.lease, sizeof(run->oracle.lease));
    for (int i = 0; i < run->oracle.lock_key_count; i++)
        run->oracle.lease[i].live = 0;
}

void sim__oracle_lease_rebuild_end(sim_run *run, const sim_lease *saved) {
    for (int i = 0; i < run->oracle.lock_key_count; i++) {
        run->oracle.lease[i].disturbed = 1;
        if (saved[i].live && !run->oracle.lease[i].live)
            sim__note(run, "lease_safety",
                      "restart lost %s's lease on %s (a lost write): allowed by design, "
                      "only fencing protects the resource",
                      run->thread[saved[i].owner].name, run->oracle.lock_key[i]);
    }
}
