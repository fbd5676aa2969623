/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_sched.c: the step loop of one execution (contract in sim_sched.h).
 *
 * Mechanism. A virtual thread runs until it stops at a visible op (sim_env.c). The scheduler then owns the world:
 * it performs the chosen thread's op here, on the thread's behalf, with the oracles watching, and puts the thread
 * back to WAITING with the instant its result is available (now + RTT for a store op, now + d for a sleep, now for
 * a sync op). Between decisions, every thread whose wait is over is resumed, in index order, until it stops again;
 * that code is invisible to other threads, so running it eagerly loses no interleaving.
 *
 * Invariant: only PENDING threads whose op can proceed are offered to the chooser; virtual time never goes back.
 */
#include "sim/engine/sim_sched.h"

#include "core/lk_command.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/sim_env.h"
#include "sim/engine/sim_guard.h"
#include "sim/engine/sim_pending.h"
#include "sim/run/sim_arena.h"
#include "sim/run/sim_hash.h"
#include "sim/run/sim_rng.h"
#include "sim/run/sim_verdict.h"
#include "sim/model/sim_sha1.h"
#include "sim/oracles/sim_oracle.h"

/* ---- threads ---------------------------------------------------------------------------------------------------- */

static void sched_thread_entry(void *arg) {
    sim_thread *t = arg;
    sim_fiber_started(&t->run->host);
    if (t->fn)
        t->fn(t, t->arg);
    else
        t->task_fn(t->arg);
    t->state = SIM_T_DONE;
    sim_fiber_exit(&t->run->host, &t->fiber);
}

static int sched_thread_create(sim_run *run, int proc, const char *name, int64_t start_ns) {
    if (run->thread_count == SIM_THREADS_MAX) {
        sim_setup_error(run, "more than %d threads", SIM_THREADS_MAX);
        return -1;
    }
    if (proc < 0 || proc >= run->proc_count) {
        sim_setup_error(run, "thread '%s': no process %d", name, proc);
        return -1;
    }
    int i = run->thread_count;
    sim_thread *t = &run->thread[i];
    memset(t, 0, sizeof(*t));
    if (lk_copy_str(t->name, sizeof(t->name), name) != LK_OK) {
        sim_setup_error(run, "thread name too long");
        return -1;
    }
    t->run = run;
    t->idx = i;
    t->proc = proc;
    t->owner = i;
    t->parent = -1;
    t->acquire_start_mono_ns = -1;
    t->state = SIM_T_WAITING;
    t->wake_ns = start_ns;
    if (sim__builtin(run, SIM_PARAM_ENTROPY) != SIM_ENTROPY_IDS) /* with ids: a count from 0 (sim_ids.h) */
        sim__rng_seed(t->rng, run->seed ^ (0x9E3779B97F4A7C15ull * (uint64_t)(i + 1)));
    sim_fiber_init(&t->fiber, sim_arena_stack(run, i), run->stack_size, sched_thread_entry, t);
    run->thread_count++;
    return i;
}

int sim__thread_new(sim_run *run, int proc, const char *name, int64_t start_ns, sim_thread_fn fn, void *arg) {
    for (int i = 0; i < run->thread_count; i++)
        if (strcmp(run->thread[i].name, name) == 0) {
            sim_setup_error(run, "two threads named '%s'", name);
            return -1;
        }
    int i = sched_thread_create(run, proc, name, start_ns < 0 ? 0 : start_ns);
    if (i >= 0) {
        run->thread[i].fn = fn;
        run->thread[i].arg = arg;
    }
    return i;
}

int sim__task_thread_new(sim_run *run, int parent, const char *name, void (*fn)(void *), void *arg) {
    char full[SIM_NAME_MAX];
    int n = 0;
    for (int i = 0; i < run->thread_count; i++)
        n += run->thread[i].parent == parent;
    snprintf(full, sizeof(full), "%.40s.%.12s%d", run->thread[parent].name, name, (n + 1) % 1000);
    int i = sched_thread_create(run, run->thread[parent].proc, full, run->now_ns);
    if (i >= 0) {
        run->thread[i].task_fn = fn;
        run->thread[i].arg = arg;
        run->thread[i].owner = run->thread[parent].owner;
        run->thread[i].parent = parent;
    }
    return i;
}

int sim_thread_enabled(const sim_run *run, int i) {
    const sim_thread *t = &run->thread[i];
    if (t->state != SIM_T_PENDING || t->paused_until_ns > run->now_ns) return 0;
    switch (t->pend.vop) {
    case SIM_VOP_LOCK: return run->mutex[t->pend.obj].holder < 0;
    case SIM_VOP_ONCE: return *t->pend.flag != 2;
    case SIM_VOP_TASK_JOIN:
        return run->thread[t->pend.obj].state == SIM_T_DONE || run->thread[t->pend.obj].state == SIM_T_CRASHED;
    default: return 1;
    }
}

/* Scenario code of thread 't' crashed or spun (sim_guard.h): the thread is abandoned where it stood and the
 * execution ends with the diagnosis as its verdict. */
static void sched_scenario_fault(sim_run *run, sim_thread *t, const sim_guard_report *g) {
    t->state = SIM_T_CRASHED;
    t->wake_ns = 0;
    if (g->end == SIM_GUARD_BUSY)
        sim__violation(run, "busy_loop",
                       "%s ran %lld ms of CPU after step %d without reaching a visible op: a busy loop? (a thread "
                       "that waits for another must wait through the env: a store op, a sleep, lk_env_yield)",
                       t->name, (long long)sim__builtin(run, SIM_PARAM_BUSY_MS), run->step);
    else
        sim__violation(run, "scenario_crash",
                       "%s crashed after step %d with %s in scenario code%s: a bug in the scenario or the code it "
                       "calls, not a race verdict (replay the schedule under gdb to see where)",
                       t->name, run->step, sim_guard_signal_text(g->signal),
                       g->stack_overflow ? ", by overflowing its fiber stack (keep large arrays off the stack)" : "");
}

static void sched_block_end(sim_run *run, sim_thread *t, lk_rc rc);
static void sched_read_end(sim_run *run, sim_thread *t);
static int sched_is_reading(const sim_thread *t);
static void sched_backend_timeouts_until(sim_run *run, lk_wall_ms server_ms);
static void sched_late_close(sim_run *run, lk_wall_ms server_ms, int64_t reply_ns);
static void sched_backend_blocked_reply(sim_run *run, int i, const lk_reply *model, const char *why);

/* Metric agreement: an op that belongs to an acquire (a typed ACQUIRE, or a command a scripted lock marked). */
static int sched_acquire_op(const lk_store_op *op) {
    return op->kind == LK_OP_ACQUIRE ||
           (op->kind == LK_OP_COMMAND &&
            (op->flags & (LK_CMD_ACQUIRE_STEP | LK_CMD_ACQUIRE_TRY | LK_CMD_ACQUIRE_WAKE)) != 0);
}

/* A marked try's reply read as lk_env.h says: an integer, or an array whose first element is one: 0 refused, 1
 * acquired, 2 already mine; anything else, LK_NONE (the try failed). */
static int sched_try_outcome(const lk_reply *r) {
    const lk_reply_node *n = lk_reply_ok(r) ? lk_reply_at(r, 0) : NULL;
    if (n != NULL && n->type == LK_REPLY_ARRAY && n->len >= 1) n = lk_reply_at(r, 1);
    if (n == NULL || n->type != LK_REPLY_INTEGER) return LK_NONE;
    return n->integer == 0 ? LK_LOCKED : n->integer == 1 ? LK_ACQUIRED : n->integer == 2 ? LK_ALREADY_MINE : LK_NONE;
}

/* Resumes every thread whose wait is over, in index order, until none is left (a resumed thread may start a task
 * that is due at once). Returns 0, or -1 when scenario code crashed or spun (the run ends). */
static int sched_resume_due(sim_run *run) {
    for (int again = 1; again;) {
        again = 0;
        for (int i = 0; i < run->thread_count; i++) {
            if (run->violation.set || run->setup_error[0] != '\0') return 0; /* the run ends: nothing more runs */
            sim_thread *t = &run->thread[i];
            if (t->state != SIM_T_WAITING || t->wake_ns > run->now_ns || t->paused_until_ns > run->now_ns) continue;
            if (run->client[i].flags & SIM_CLIENT_BLOCKED) { /* its timeout; in lockstep, the server's too */
                int lockstep = run->backend && !run->backend_failed;
                lk_wall_ms at_ms = sim_redis_timeout_ms(&run->client[i]) + 1;
                sched_late_close(run, at_ms, run->now_ns); /* the check that timed it out times out the late too */
                if (lockstep) sched_backend_timeouts_until(run, at_ms);
                sched_block_end(run, t, LK_OK);
                if (lockstep)
                    sched_backend_blocked_reply(run, i, t->pend.lost ? NULL : t->pend.reply->resp, "timed out");
            }
            if (sched_is_reading(t)) sched_read_end(run, t);
            t->state = SIM_T_RUNNING;
            t->wake_ns = 0; /* read only while waiting: cleared, equal states are equal bytes (sim_state.h) */
            run->current = i;
            sim_guard_report g = sim_guard_resume(&run->host, &t->fiber, sim__builtin(run, SIM_PARAM_BUSY_MS));
            run->current = -1;
            if (g.end != SIM_GUARD_OK) {
                sched_scenario_fault(run, t, &g);
                return -1;
            }
            if (t->state == SIM_T_PENDING && t->pend.vop == SIM_VOP_STORE && sched_acquire_op(&t->pend.op) &&
                t->acquire_start_mono_ns < 0) /* metric agreement: an acquire's first op, sent now */
                t->acquire_start_mono_ns = sim__proc_mono_ns(&run->proc[t->proc]);
            assert(t->state == SIM_T_PENDING || t->state == SIM_T_DONE);
            again = 1;
        }
    }
    return 0;
}

/* ---- performing one op ------------------------------------------------------------------------------------------ */

/* Formats a store result for a mismatch message. */
static void sched_result_text(lk_rc rc, const lk_store_reply *r, char *buf, size_t cap) {
    if (rc != LK_OK)
        snprintf(buf, cap, "%s", lk_rc_name(rc));
    else
        snprintf(buf, cap, "%s num=%lld value=\"%.40s\"", lk_outcome_label(r->outcome), (long long)r->num, r->value);
}

/* A command's reply for a mismatch message, or its error code when 'rc' says there is none. Returns 'buf'. */
static const char *sched_reply_text(const lk_reply *r, lk_rc rc, char *buf, size_t cap) {
    if (rc == LK_OK)
        lk_reply_format(r, 0, buf, cap);
    else
        snprintf(buf, cap, "%s", lk_rc_name(rc));
    return buf;
}

/* Why an external server's reply may differ from the model's beyond the tolerance below, and what to do. */
#define SCHED_EXTERNAL_CLOCK                                                                                           \
    " (an external server keeps its own clock: simulated time passed a TTL or a clock decision changed the reply; "    \
    "--store redis follows simulated time)"

/* How far a time-derived reply (ms left on a key) of an external server may be from the model's. The model's clock
 * and the server's both start at the execution's reset; a key's ms left differ by (model time since it was set) -
 * (real time since it was set), so by at most the larger of the two elapsed times (the server clock's wall-step
 * offset added: it moves the model's). 0 when the server follows simulated time: then replies are equal exactly. */
static int64_t sched_time_tolerance_ms(const sim_run *run) {
    const sim_backend *b = run->backend;
    if (b->set_time != NULL || b->real_ms_since_reset == NULL) return 0;
    int64_t offset = run->server_wall_offset_ms < 0 ? -run->server_wall_offset_ms : run->server_wall_offset_ms;
    int64_t model_ms = run->now_ns / 1000000 + offset + 1;
    int64_t real_ms = b->real_ms_since_reset(b->ctx);
    return model_ms > real_ms ? model_ms : real_ms;
}

/* 1 if two time-derived numbers (ms or s left, never -1/-2, the "no TTL" and "absent" codes) are within 'tol_ms'. */
static int sched_time_close(int64_t real, int64_t model, int64_t tol_ms, int64_t unit_ms) {
    if (real < 0 || model < 0) return real == model;
    int64_t d = real > model ? real - model : model - real;
    return d * unit_ms <= tol_ms + unit_ms; /* + one unit: TTL rounds its seconds */
}

/* lk_reply_equal, with integers compared as time-derived (sched_time_close: ms, never the -1/-2 codes) within
 * 'tol_ms'. */
static int sched_reply_close(const lk_reply *a, uint32_t ai, const lk_reply *b, uint32_t bi, int64_t tol_ms) {
    const lk_reply_node *x = &a->node[ai], *y = &b->node[bi];
    if (x->type == LK_REPLY_INTEGER && y->type == LK_REPLY_INTEGER)
        return sched_time_close(x->integer, y->integer, tol_ms, 1);
    if (x->type != LK_REPLY_ARRAY || y->type != LK_REPLY_ARRAY) return lk_reply_equal(a, ai, b, bi);
    if (x->len != y->len) return 0;
    for (uint32_t k = 0, i = ai + 1, j = bi + 1; k < x->len; k++) {
        if (!sched_reply_close(a, i, b, j, tol_ms)) return 0;
        i = lk_reply_next(a, i);
        j = lk_reply_next(b, j);
    }
    return 1;
}

/* 1 if the script an EVAL or EVALSHA runs may read the server's clock: its text names "ttl" or "time" in any case
 * (PTTL, TTL, TIME, PEXPIRETIME: the lock scripts that reply with the ms left on a held lock). A guess from the text,
 * used only to widen an external server's comparison. */
static int sched_script_reads_clock(const sim_run *run, const lk_command *row, const lk_store_op *op) {
    size_t n = op->argv_len ? op->argv_len[1] : strlen(op->argv[1]);
    const unsigned char *body = (const unsigned char *)op->argv[1];
    uint32_t len = (uint32_t)n;
    char sha[41];
    if (row->id == LK_CMD_EVALSHA)
        body = sim_sha1_name(op->argv[1], n, sha) ? sim_ks_script_find(&run->store.ks, sha, &len) : NULL;
    static const char *const words[] = {"ttl", "time"};
    for (uint32_t i = 0; body != NULL && i < len; i++)
        for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
            size_t k = 0;
            while (words[w][k] && i + k < len && (body[i + k] | 0x20) == words[w][k])
                k++;
            if (words[w][k] == '\0') return 1;
        }
    return 0;
}

/* Sends the op to the real store too and compares; on a difference or an error the execution ends. PTTL and a locked
 * acquire's ms left are compared within sched_time_tolerance_ms. */
/* Sets the real server's clock to 'server_ms' and makes it look at its blocked clients' timeouts (it checks between
 * events: a PING is one). */
static void sched_backend_poke(sim_run *run, lk_wall_ms server_ms) {
    const sim_backend *b = run->backend;
    b->set_time(b->ctx, server_ms);
    const char *ping[] = {"PING"};
    lk_reply_node nodes[2];
    char bytes[64];
    lk_reply pong;
    lk_reply_init(&pong, nodes, 2, bytes, sizeof(bytes));
    lk_store_op op = {.kind = LK_OP_COMMAND, .key = "", .argc = 1, .argv = ping};
    lk_store_reply r = {.resp = &pong};
    b->store.exec(b->store.ctx, &op, &r);
}

/* Makes the real server look at its blocked clients' timeouts up to 'server_ms' as the model's server does, at
 * once: for each deadline passed (earliest first), its clock is set 1 ms past it and a PING makes it check (Redis
 * checks between events, so a later command could otherwise still serve a client the model timed out). */
static void sched_backend_timeouts_until(sim_run *run, lk_wall_ms server_ms) {
    const sim_backend *b = run->backend;
    if (run->blocked_clients == 0 || b->send == NULL || b->set_time == NULL) return;
    for (;;) {
        lk_wall_ms next = 0;
        for (int i = 0; i < run->thread_count; i++) {
            int64_t d = sim_redis_timeout_ms(&run->client[i]);
            if ((run->client[i].flags & SIM_CLIENT_BLOCKED) && d != 0 && d < server_ms &&
                d > run->backend_timeouts_ms && (next == 0 || d < next))
                next = d;
        }
        if (next == 0) return;
        sched_backend_poke(run, next + 1);
        run->backend_timeouts_ms = next;
    }
}

static void sched_backend_op(sim_run *run, const sim_thread *t, const lk_store_op *op, lk_wall_ms server_ms,
                             lk_rc model_rc, const lk_store_reply *model) {
    const sim_backend *b = run->backend;
    sched_backend_timeouts_until(run, server_ms);
    if (b->set_time) b->set_time(b->ctx, server_ms);
    lk_store_reply real;
    memset(&real, 0, sizeof(real));
    lk_rc rc = b->store.exec(b->store.ctx, op, &real);
    int time_derived = op->kind == LK_OP_PTTL || (op->kind == LK_OP_ACQUIRE && model->outcome == LK_LOCKED);
    int64_t tol = time_derived ? sched_time_tolerance_ms(run) : 0;
    if (rc == model_rc &&
        (rc != LK_OK || (real.outcome == model->outcome && strcmp(real.value, model->value) == 0 &&
                         (real.num == model->num || (tol > 0 && sched_time_close(real.num, model->num, tol, 1))))))
        return;
    char want[128], got[128];
    sched_result_text(model_rc, model, want, sizeof(want));
    sched_result_text(rc, &real, got, sizeof(got));
    run->backend_failed = 1;
    snprintf(run->backend_error, sizeof(run->backend_error),
             "step %d: %s %s %s at server %lldms: the real store "
             "answered %s, the model %s%s",
             run->step, t->name, lk_op_label(op->kind), op->key, (long long)(server_ms - SIM_EPOCH_WALL_MS), got, want,
             rc == LK_ESTORE_MAYBE || rc == LK_ESTORE_DOWN ? " (a real timeout or connection error: an environment "
                                                             "problem, not a simulated fault)"
             : b->set_time                                 ? ""
                                                           : SCHED_EXTERNAL_CLOCK);
}

/* Remembers an applied store op for a lose-last restart (only when the run may need it). */
static void sched_log(sim_run *run, const sim_thread *t, const lk_store_op *op, lk_wall_ms server_ms) {
    if (!run->log_ops) return;
    if (op->kind == LK_OP_COMMAND) return; /* sched_command logs what it applied */
    if (run->log_count == SIM_LOG_MAX) {
        run->log_overflow = 1;
        return;
    }
    sim_log_entry *e = &run->log[run->log_count++];
    e->apply_ns = run->now_ns + run->rtt_ns / 2;
    e->server_ms = server_ms;
    e->thread = t->idx;
    e->kind = op->kind;
    e->ttl_ms = op->ttl_ms;
    e->flags = op->flags;
    lk_copy_str(e->key, sizeof(e->key), op->key);
    e->has_aux = op->aux_key != NULL;
    e->has_value = op->value != NULL;
    lk_copy_str(e->aux_key, sizeof(e->aux_key), op->aux_key ? op->aux_key : "");
    lk_copy_str(e->value, sizeof(e->value), op->value ? op->value : "");
    e->has_epoch = op->epoch_key != NULL;
    lk_copy_str(e->epoch_key, sizeof(e->epoch_key), op->epoch_key ? op->epoch_key : "");
    e->num = op->num;
}

/* ---- commands ----------------------------------------------------------------------------------------------- */

enum { SCHED_CMD_NODES = 512, SCHED_CMD_BYTES = 1 << 15 }; /* the real store's reply to one command (host stack) */

/* The state of one lock key the lease oracle watches, to see whether a command changed it. */
typedef struct sched_lock_state {
    int slot;            /* -1: absent */
    int64_t deadline_ms; /* its deadline */
    uint64_t value_hash; /* FNV-1a of its type and value */
} sched_lock_state;

static void sched_lock_read(const sim_run *run, int i, sched_lock_state *st) {
    const sim_keyspace *ks = &run->store.ks;
    const char *key = run->oracle.lock_key[i];
    st->slot = sim_ks_peek(ks, key, (uint32_t)strlen(key), INT64_MIN);
    st->deadline_ms = st->slot >= 0 ? ks->entry[st->slot].deadline_ms : 0;
    st->value_hash = 0;
    if (st->slot < 0) return;
    uint32_t n;
    const unsigned char *v = sim_ks_value_const(ks, st->slot, &n);
    st->value_hash = sim_hash_bytes(ks->entry[st->slot].type, v, n);
}

/* A command may read a key the lease oracle watches, never write it (the oracle follows lock keys through the lk
 * ops; a command that changed one would leave its ghost leases wrong): a change is a setup error. A lease whose key
 * the command removed because it was expired ends, as after a fixed op's lazy expiry. */
static void sched_command_locks(sim_run *run, const sim_thread *t, const sched_lock_state *before,
                                lk_wall_ms server_ms) {
    for (int i = 0; i < run->oracle.lock_key_count; i++) {
        sched_lock_state after;
        sched_lock_read(run, i, &after);
        int expired = before[i].slot >= 0 && before[i].deadline_ms != 0 && server_ms > before[i].deadline_ms;
        if (after.slot < 0 && expired) {
            if (run->oracle.lease[i].live && !sim__oracle_lease_alive(run, i, server_ms)) run->oracle.lease[i].live = 0;
            continue;
        }
        if ((after.slot < 0) == (before[i].slot < 0) && after.deadline_ms == before[i].deadline_ms &&
            after.value_hash == before[i].value_hash)
            continue;
        sim_setup_error(run,
                        "step %d: %s's command %s changed the lock key %s, which the lease oracle follows "
                        "through the lk_ ops: change lock keys with lk_mutex (or the fixed ops), not commands",
                        run->step, t->name, sim__pending_label(&t->pend), run->oracle.lock_key[i]);
        return;
    }
}

/* Sends the command ('row' its table row, or NULL for an unknown one) to the real store too and compares the replies
 * (whole trees; for a command that reads the whole key space, SCAN, only the shape: its cursor is the model's own). */
static void sched_backend_command(sim_run *run, const sim_thread *t, int conn, const lk_store_op *op,
                                  const lk_command *row, lk_wall_ms server_ms, lk_rc model_rc, const lk_reply *model) {
    const sim_backend *b = run->backend;
    char want[256], got[256];
    const lk_store *store = &b->store; /* the thread's own connection when the backend has them */
    sched_backend_timeouts_until(run, server_ms);
    int blocking = row != NULL && (row->flags & LK_CMDF_BLOCKING);
    int pubsub = row != NULL && (row->flags & LK_CMDF_PUBSUB);
    if ((pubsub && (b->connection == NULL || b->receive == NULL)) ||
        (blocking && (b->send == NULL || b->set_time == NULL))) {
        run->backend_failed = 1;
        snprintf(run->backend_error, sizeof(run->backend_error), "step %d: %s sent %s: %s; run it on the model store%s",
                 run->step, t->name, row->name,
                 blocking ? "a blocking command needs a server on the simulated clock (--store redis), whose "
                            "timeouts racebed moves"
                          : "pub/sub needs a connection per thread that racebed can read pushed messages from",
                 blocking ? " or with --store redis" : " or with --store redis");
        return;
    }
    if (blocking && (run->client[t->idx].flags & SIM_CLIENT_BLOCKED) && model->node_count == 0) {
        b->set_time(b->ctx, server_ms); /* the model blocked: so must the server, its reply comes when served */
        lk_rc rc = b->send(b->ctx, t->idx, op->argc, op->argv, op->argv_len);
        if (rc != LK_OK) {
            run->backend_failed = 1;
            snprintf(run->backend_error, sizeof(run->backend_error),
                     "step %d: cannot send %s's %s to the real store (%s): an environment problem", run->step, t->name,
                     row->name, lk_rc_name(rc));
        }
        return;
    }
    if (b->connection != NULL) {
        store = b->connection(b->ctx, conn);
        if (store == NULL) {
            run->backend_failed = 1;
            snprintf(run->backend_error, sizeof(run->backend_error),
                     "step %d: cannot open %s's own connection to the real store (a real connection error: an "
                     "environment problem, not a simulated fault)",
                     run->step, t->name);
            return;
        }
    } else if (row != NULL && (row->flags & LK_CMDF_TX)) {
        run->backend_failed = 1;
        snprintf(run->backend_error, sizeof(run->backend_error),
                 "step %d: %s sent %s: transactions need a connection per thread, which this real store does not "
                 "open; run them on the model store",
                 run->step, t->name, row->name);
        return;
    }
    if (b->set_time) b->set_time(b->ctx, server_ms);
    lk_reply_node nodes[SCHED_CMD_NODES]; /* the scheduler runs on the host stack, never on a fiber's */
    char bytes[SCHED_CMD_BYTES];
    lk_reply real;
    lk_reply_init(&real, nodes, SCHED_CMD_NODES, bytes, SCHED_CMD_BYTES);
    lk_store_reply rr;
    memset(&rr, 0, sizeof(rr));
    rr.resp = &real;
    lk_rc rc = store->exec(store->ctx, op, &rr);
    /* SCAN's pages, and UNSUBSCRIBE of every channel (Redis walks a dict), are in an order of each server's own */
    int shape_only =
        row != NULL && ((row->flags & LK_CMDF_KEYSPACE) || (row->id == LK_CMD_UNSUBSCRIBE && op->argc == 1));
    if (rc == model_rc &&
        (rc != LK_OK || (shape_only ? real.node[0].type == model->node[0].type : lk_reply_equal(&real, 0, model, 0))))
        return;
    if (rc == model_rc && rc == LK_OK && row != NULL && (row->flags & LK_CMDF_TIME) &&
        real.node[0].type == LK_REPLY_INTEGER && model->node[0].type == LK_REPLY_INTEGER) {
        int64_t tol = sched_time_tolerance_ms(run); /* PTTL in ms, TTL in s */
        int64_t unit = row->id == LK_CMD_TTL ? 1000 : 1;
        if (tol > 0 && sched_time_close(real.node[0].integer, model->node[0].integer, tol, unit)) return;
    }
    if (rc == model_rc && rc == LK_OK && row != NULL && (row->id == LK_CMD_EVAL || row->id == LK_CMD_EVALSHA) &&
        op->argc >= 2 && sched_script_reads_clock(run, row, op)) { /* a lock script's ms left, say */
        int64_t tol = sched_time_tolerance_ms(run);
        if (tol > 0 && sched_reply_close(&real, 0, model, 0, tol)) return;
    }
    sched_reply_text(model, model_rc, want, sizeof(want));
    sched_reply_text(&real, rc, got, sizeof(got));
    run->backend_failed = 1;
    snprintf(run->backend_error, sizeof(run->backend_error),
             "step %d: %s %s at server %lldms: the real store answered %s, the model %s%s", run->step, t->name,
             sim__pending_label(&t->pend), (long long)(server_ms - SIM_EPOCH_WALL_MS), got, want,
             b->set_time ? "" : SCHED_EXTERNAL_CLOCK);
}

/* Remembers one applied command for a lose-last restart: its argv in run->cmd_log, an entry in run->log. */
static void sched_log_command(sim_run *run, const sim_thread *t, int argc, const char *const *argv,
                              const size_t *argv_len, lk_wall_ms server_ms) {
    if (!run->log_ops || run->log_overflow) return;
    uint64_t need = 4;
    for (int i = 0; i < argc; i++)
        need += 4 + (uint64_t)argv_len[i];
    if (run->log_count == SIM_LOG_MAX || need > SIM_CMD_LOG_BYTES - run->cmd_log_len) {
        run->log_overflow = 1;
        return;
    }
    sim_log_entry *e = &run->log[run->log_count++];
    memset(e, 0, sizeof(*e));
    e->apply_ns = run->now_ns + run->rtt_ns / 2;
    e->server_ms = server_ms;
    e->thread = t->idx;
    e->kind = LK_OP_COMMAND;
    e->cmd_off = run->cmd_log_len;
    e->cmd_len = (uint32_t)need;
    unsigned char *p = run->cmd_log + run->cmd_log_len;
    uint32_t n = (uint32_t)argc;
    memcpy(p, &n, 4);
    p += 4;
    for (int i = 0; i < argc; i++) {
        n = (uint32_t)argv_len[i];
        memcpy(p, &n, 4);
        memcpy(p + 4, argv[i], argv_len[i]);
        p += 4 + argv_len[i];
    }
    run->cmd_log_len += (uint32_t)need;
}

/* Logs the commands a successful EXEC ran: the queue (u32 id, u32 argc, argc x (u32 length, bytes)) of 'count'. */
static void sched_log_queue(sim_run *run, const sim_thread *t, const unsigned char *q, uint32_t count,
                            lk_wall_ms server_ms) {
    const char *argv[SIM_REDIS_QUEUE_BYTES / 4];
    size_t len[SIM_REDIS_QUEUE_BYTES / 4];
    for (uint32_t k = 0; k < count; k++) {
        uint32_t argc;
        memcpy(&argc, q + 4, 4);
        q += 8;
        for (uint32_t i = 0; i < argc; i++) {
            uint32_t n;
            memcpy(&n, q, 4);
            len[i] = n;
            argv[i] = (const char *)q + 4;
            q += 4 + n;
        }
        sched_log_command(run, t, (int)argc, argv, len, server_ms);
    }
}

/* ---- blocked connections (BLPOP, BRPOP) -------------------------------------------------------------------------
 * A thread whose command blocked on the server is WAITING: its wake-up is its timeout (the first instant the server's
 * clock is past the deadline, + RTT/2 for the nil reply to arrive) or INT64_MAX when it has none. A later command,
 * script or EXEC of another thread serves it from the store's final state (its reply then arrives RTT/2 after that
 * command was applied); a restart ends the wait with a connection error; a crash of its thread closes it. */

/* The instant blocked thread 't''s wait ends by its timeout (see above). */
static int64_t sched_block_wake(const sim_run *run, const sim_thread *t) {
    int64_t deadline_ms = sim_redis_timeout_ms(&run->client[t->idx]);
    int64_t ms = deadline_ms + 1 - SIM_EPOCH_WALL_MS - run->server_wall_offset_ms; /* virtual ms of the timeout */
    if (deadline_ms == 0 || deadline_ms > INT64_MAX / 2 || ms > INT64_MAX / 1000000 - 1) return INT64_MAX;
    int64_t at = ms * 1000000 < run->now_ns ? run->now_ns : ms * 1000000;
    return at + run->rtt_ns / 2;
}

static int sched_is_blocked(const sim_run *run, const sim_thread *t) {
    return t->state == SIM_T_WAITING && (run->client[t->idx].flags & SIM_CLIENT_BLOCKED);
}

/* A server event at server wall ms 'server_ms' (a command applied, a blocked client timed out on time): Redis
 * checks blocked clients' timeouts around it (beforeSleep), so each late-timeout window whose deadline it passed
 * closes there, and that client's nil reply arrives at 'reply_ns' (virtual). */
static void sched_late_close(sim_run *run, lk_wall_ms server_ms, int64_t reply_ns) {
    for (int i = 0; i < run->thread_count && run->blocked_clients > 0; i++) {
        sim_redis_client *cl = &run->client[i];
        if (!(cl->flags & SIM_CLIENT_BLOCKED) || cl->late_until_ms == 0 || cl->block_deadline_ms >= server_ms) continue;
        cl->late_until_ms = 0;
        if (sched_is_blocked(run, &run->thread[i]) && !run->thread[i].pend.lost && run->thread[i].wake_ns > reply_ns)
            run->thread[i].wake_ns = reply_ns;
    }
}

/* Before a command applied at server wall ms 'server_ms': the timeouts that passed before it (another blocked
 * client's, at its timeout + 1 ms) were server events too, each closing the late windows whose deadline it passed:
 * those clients' nil replies left at that event, not at this command. */
static void sched_late_close_before(sim_run *run, lk_wall_ms server_ms) {
    for (int i = 0; i < run->thread_count; i++) {
        const sim_redis_client *cl = &run->client[i];
        if (!(cl->flags & SIM_CLIENT_BLOCKED) || cl->late_until_ms == 0 || cl->block_deadline_ms >= server_ms) continue;
        lk_wall_ms first = 0; /* the earliest timeout check after its deadline, before the command */
        for (int j = 0; j < run->thread_count; j++) {
            const sim_redis_client *o = &run->client[j];
            lk_wall_ms at = sim_redis_timeout_ms(o) + 1;
            if (j != i && (o->flags & SIM_CLIENT_BLOCKED) && o->block_deadline_ms != 0 && at > cl->block_deadline_ms &&
                at < server_ms && (first == 0 || at < first))
                first = at;
        }
        if (first == 0) continue;
        int64_t event_ns = (first - SIM_EPOCH_WALL_MS - run->server_wall_offset_ms) * 1000000;
        sched_late_close(run, first, (event_ns > run->now_ns ? event_ns : run->now_ns) + run->rtt_ns / 2);
    }
}

/* Ends blocked thread 't''s wait without a pop: its reply becomes 'rc' (LK_OK: nil, the timeout's reply). */
static void sched_block_end(sim_run *run, sim_thread *t, lk_rc rc) {
    sim_redis_unblock(run->client, run->thread_count, t->idx);
    run->blocked_clients--;
    lk_store_reply_reset(t->pend.reply);
    if (rc == LK_OK && t->pend.lost) rc = LK_ESTORE_MAYBE;
    if (rc == LK_OK) lk_reply_nil(t->pend.reply->resp);
    t->pend.rc = rc;
}

typedef struct sched_serving {
    sim_run *run;
    lk_wall_ms server_ms;
    uint64_t served; /* bit i: thread i was served */
} sched_serving;

static lk_reply *sched_served_reply(void *arg, int i) {
    sched_serving *sv = arg;
    return sv->run->thread[i].pend.reply->resp;
}

/* Thread 'i' was served (its reply [key, element] written): it wakes when the reply arrives; the pop is logged as
 * the LPOP or RPOP it was, for a lose-last rebuild. */
static void sched_served(void *arg, int i, lk_rc rc) {
    sched_serving *sv = arg;
    sim_run *run = sv->run;
    sim_thread *w = &run->thread[i];
    run->blocked_clients--;
    sv->served |= UINT64_C(1) << i;
    const lk_reply *r = w->pend.reply->resp;
    if (rc == LK_OK) {
        const char *argv[2] = {strcmp(sim__pending_label(&w->pend), "brpop") == 0 ? "RPOP" : "LPOP",
                               lk_reply_str(r, 1)};
        size_t len[2] = {4, r->node[1].len};
        sched_log_command(run, w, 2, argv, len, sv->server_ms);
    } else {
        sim_setup_error(run, "step %d: %s's %s was served a reply too large for its reply buffer", run->step, w->name,
                        sim__pending_label(&w->pend));
    }
    w->pend.rc = rc;
    if (w->pend.lost) { /* the popped element is lost: the client still waits for its own timer */
        lk_store_reply_reset(w->pend.reply);
        w->pend.rc = LK_ESTORE_MAYBE;
        return;
    }
    w->wake_ns = run->now_ns + run->rtt_ns; /* the serving command was applied at now + RTT/2 */
    if (rc == LK_OK && (w->pend.op.flags & LK_CMD_ACQUIRE_WAKE)) w->acquire_last = SIM_ACQ_WOKEN; /* the lock decides */
}

/* 1 if thread 't' waits in a read for what the server pushes on its connection (LK_OP_READ), nothing taken yet. */
static int sched_is_reading(const sim_thread *t) {
    return t->state == SIM_T_WAITING && t->pend.vop == SIM_VOP_STORE && t->pend.op.kind == LK_OP_READ &&
           t->pend.out == 0 && t->pend.rc == LK_OK;
}

/* Delivers what thread 't''s command on connection 'conn' published (and stamps the confirmations it queued there):
 * a message arrives RTT/2 after the command was applied, and wakes a subscriber waiting in a read then. */
static void sched_deliver(sim_run *run, sim_thread *t, int conn) {
    uint64_t received;
    int64_t stamp = run->now_ns + run->rtt_ns;
    int n = SIM_PUBSUB_CONN(run->thread_count); /* the pub/sub connections in use are the last of these */
    if (sim_redis_deliver(&run->store.ks, run->client, n, conn, stamp, &received) != LK_OK) {
        sim_setup_error(run,
                        "step %d: %s's %s filled a subscriber's inbox (%d bytes of unread messages): its thread "
                        "must read them (lk_env_command_next)",
                        run->step, t->name, sim__pending_label(&t->pend), SIM_REDIS_QUEUE_BYTES);
        return;
    }
    for (int i = 0; i < run->thread_count && received; i++) {
        sim_thread *w = &run->thread[i];
        if (((received >> SIM_PUBSUB_CONN(i)) & 1u) && sched_is_reading(w) && w->wake_ns > stamp) w->wake_ns = stamp;
    }
}

/* After thread 't''s command on connection 'conn': delivers its publications; registers its own block, or serves
 * the blocked others from the final state. Returns the threads served (bit i: thread i). */
static uint64_t sched_after_command(sim_run *run, sim_thread *t, int conn, lk_wall_ms server_ms) {
    sim_redis_client *cl = &run->client[t->idx];
    if (run->store.ks.outbox_len > 0 || run->client[conn].inbox_count > 0) sched_deliver(run, t, conn);
    if ((cl->flags & SIM_CLIENT_BLOCKED) && cl->block_rank == 0) {
        sim_redis_block_order(run->client, run->thread_count, t->idx);
        run->blocked_clients++;
        return 0;
    }
    if (run->blocked_clients == 0 || t->pend.rc != LK_OK) return 0;
    sched_serving sv = {run, server_ms, 0};
    sim_redis_waker w = {&sv, sched_served_reply, sched_served};
    if (sim_redis_serve_blocked(&run->store.ks, run->client, run->thread_count, server_ms, &w) < 0)
        sim_setup_error(run,
                        "step %d: %s's %s created more than %d lists in one command while clients were blocked: "
                        "a limit of the model (the order Redis would serve them in is not kept)",
                        run->step, t->name, sim__pending_label(&t->pend), SIM_KS_READY_MAX);
    return sv.served;
}

/* The connection thread 't''s command 'row' goes on: SUBSCRIBE and UNSUBSCRIBE on its pub/sub connection, the rest on
 * its command connection (sim_run.client). */
static int sched_connection(const sim_thread *t, const lk_command *row) {
    return row != NULL && (row->id == LK_CMD_SUBSCRIBE || row->id == LK_CMD_UNSUBSCRIBE) ? SIM_PUBSUB_CONN(t->idx)
                                                                                         : t->idx;
}

/* Reads blocked thread 'i''s reply from the real store (it came, as the model says) and compares it with the
 * model's 'model' (NULL: the reply was lost, only drained). */
static void sched_backend_blocked_reply(sim_run *run, int i, const lk_reply *model, const char *why) {
    const sim_backend *b = run->backend;
    lk_reply_node nodes[SCHED_CMD_NODES];
    char bytes[SCHED_CMD_BYTES];
    lk_reply real;
    lk_reply_init(&real, nodes, SCHED_CMD_NODES, bytes, SCHED_CMD_BYTES);
    lk_rc rc = b->receive(b->ctx, i, &real, 2000);
    if (rc == LK_OK && (model == NULL || lk_reply_equal(&real, 0, model, 0))) return;
    char want[256], got[256];
    if (model)
        lk_reply_format(model, 0, want, sizeof(want));
    else
        snprintf(want, sizeof(want), "a reply (lost)");
    sched_reply_text(&real, rc, got, sizeof(got));
    run->backend_failed = 1;
    snprintf(run->backend_error, sizeof(run->backend_error),
             "step %d: %s's %s (%s): the real store answered %s, the model %s", run->step, run->thread[i].name,
             sim__pending_label(&run->thread[i].pend), why, rc == LK_ETIMEDOUT ? "nothing within 2 s" : got, want);
}

/* After a command in lockstep: every thread the model served got its reply from the real store too, and no thread
 * still blocked in the model got one. */
static void sched_backend_served(sim_run *run, uint64_t served) {
    for (int i = 0; i < run->thread_count && !run->backend_failed; i++) {
        sim_thread *w = &run->thread[i];
        if ((served >> i) & 1u) {
            sched_backend_blocked_reply(run, i, w->pend.lost ? NULL : w->pend.reply->resp, "served");
        } else if (sched_is_blocked(run, w) && !(run->client[i].block_deadline_ms != 0 &&
                                                 run->client[i].block_deadline_ms <= run->backend_timeouts_ms)) {
            lk_reply_node nodes[8];
            char bytes[256];
            lk_reply real;
            lk_reply_init(&real, nodes, 8, bytes, sizeof(bytes));
            lk_rc rc = run->backend->receive(run->backend->ctx, i, &real, 0);
            if (rc == LK_ETIMEDOUT) continue;
            char got[200];
            sched_reply_text(&real, rc, got, sizeof(got));
            run->backend_failed = 1;
            snprintf(run->backend_error, sizeof(run->backend_error),
                     "step %d: the real store answered %s's blocked %s with %s; in the model it still waits", run->step,
                     w->name, sim__pending_label(&w->pend), got);
        }
    }
}

/* After a command in lockstep: every record the model's server pushed to a thread's pub/sub connection in this
 * step (messages, confirmations after the first) came from the real server too, in the same order; nothing else
 * came. 'unordered': the step was an UNSUBSCRIBE of every channel, whose confirmations each server lists in an
 * order of its own: only their number and kind are compared. */
static void sched_backend_pushed(sim_run *run, const uint32_t *inbox_before, int unordered) {
    const sim_backend *b = run->backend;
    for (int i = 0; i < run->thread_count && !run->backend_failed; i++) {
        const sim_redis_client *ps = &run->client[SIM_PUBSUB_CONN(i)];
        lk_reply_node mnodes[8], rnodes[8];
        char mbytes[512], rbytes[512], want[256], got[256];
        lk_reply m, r;
        lk_reply_init(&m, mnodes, 8, mbytes, sizeof(mbytes));
        lk_reply_init(&r, rnodes, 8, rbytes, sizeof(rbytes));
        uint32_t k = inbox_before[i];
        for (; k < ps->inbox_count; k++) {
            lk_rc rc = b->receive(b->ctx, SIM_PUBSUB_CONN(i), &r, 2000);
            sim_redis_inbox_peek(ps, k, &m);
            int same = rc == LK_OK && (unordered ? r.node[0].type == m.node[0].type && r.node_count == m.node_count
                                                 : lk_reply_equal(&r, 0, &m, 0));
            if (same) continue;
            lk_reply_format(&m, 0, want, sizeof(want));
            if (rc == LK_ETIMEDOUT)
                snprintf(got, sizeof(got), "nothing within 2 s");
            else
                sched_reply_text(&r, rc, got, sizeof(got));
            break;
        }
        if (k == ps->inbox_count) {                                               /* nothing more may have come */
            if (b->receive(b->ctx, SIM_PUBSUB_CONN(i), &r, 0) != LK_OK) continue; /* (no connection: nothing) */
            snprintf(want, sizeof(want), "nothing more");
            lk_reply_format(&r, 0, got, sizeof(got));
        }
        run->backend_failed = 1;
        snprintf(run->backend_error, sizeof(run->backend_error),
                 "step %d: the real store pushed %s to %s's pub/sub connection, the model %s", run->step, got,
                 run->thread[i].name, want);
    }
}

/* Thread 't''s command, on its own connection: applied to the model, compared with a real store in lockstep. */
static void sched_command(sim_run *run, sim_thread *t, lk_wall_ms server_ms) {
    sim_pending *p = &t->pend;
    size_t lens[LK_COMMAND_ARGS_MAX]; /* the host stack */
    const size_t *argv_len = p->op.argv_len;
    if (argv_len == NULL && p->op.argc >= 1 && p->op.argc <= LK_COMMAND_ARGS_MAX && p->op.argv != NULL) {
        for (int i = 0; i < p->op.argc; i++)
            lens[i] = p->op.argv[i] ? strlen(p->op.argv[i]) : 0;
        argv_len = lens;
    }
    if (lk_store_op_check(&p->op) != LK_OK) {
        p->rc = LK_EINVAL;
        return;
    }
    sched_lock_state before[SIM_LOCK_KEYS_MAX];
    for (int i = 0; i < run->oracle.lock_key_count; i++)
        sched_lock_read(run, i, &before[i]);
    const lk_command *row = lk_command_lookup(p->op.argv[0], argv_len[0]);
    int conn = sched_connection(t, row);
    sim_redis_client *cl = &run->client[conn];
    cl->flags &= ~SIM_CLIENT_DROPPED; /* subscribing again: the drop is known */
    cl->id = (uint32_t)conn;          /* connection i has id i (a fresh arena's are all zero) */
    int queued_before = (cl->flags & SIM_CLIENT_MULTI) != 0;
    unsigned char queue[SIM_REDIS_QUEUE_BYTES]; /* EXEC's queue, to log the commands it runs */
    uint32_t queue_count = cl->queued;
    if (run->log_ops && row != NULL && row->id == LK_CMD_EXEC) memcpy(queue, cl->queue, cl->queue_len);
    uint32_t inbox_before[SIM_THREADS_MAX]; /* lockstep: what each pub/sub connection held before the command */
    for (int i = 0; run->backend && i < run->thread_count; i++)
        inbox_before[i] = run->client[SIM_PUBSUB_CONN(i)].inbox_count;
    p->rc = sim_store_model_command(&run->store, cl, server_ms, p->op.argc, p->op.argv, argv_len, p->reply->resp);
    if (run->log_ops && p->rc == LK_OK && row != NULL) {
        if (row->id == LK_CMD_EXEC && p->reply->resp->node[0].type == LK_REPLY_ARRAY)
            sched_log_queue(run, t, queue, queue_count, server_ms);
        else if (!(row->flags & LK_CMDF_TX) && !queued_before)
            sched_log_command(run, t, p->op.argc, p->op.argv, argv_len, server_ms);
    }
    if (p->rc == LK_ELIMIT && !lk_reply_ok(p->reply->resp)) {
        /* the model reached a limit: the run cannot go on with a store that may hold part of the command */
        sim_setup_error(run, "step %d: %s's command %s hit a limit of the model store", run->step, t->name,
                        sim__pending_label(p));
    } else if (p->rc == LK_ELIMIT) {
        char text[200];
        sim_setup_error(run, "step %d: %s's command %s: %s", run->step, t->name, sim__pending_label(p),
                        lk_reply_format(p->reply->resp, 0, text, sizeof(text)));
    }
    uint64_t served = sched_after_command(run, t, conn, server_ms);
    int inbox_grew = 0;
    for (int i = 0; run->backend && i < run->thread_count; i++)
        inbox_grew |= run->client[SIM_PUBSUB_CONN(i)].inbox_count > inbox_before[i];
    sched_command_locks(run, t, before, server_ms);
    if (run->backend && run->setup_error[0] == '\0') {
        lk_store_op op = p->op;
        op.argv_len = argv_len;
        sched_backend_command(run, t, conn, &op, row, server_ms, p->rc, p->reply->resp);
        if (run->blocked_clients > 0 || served) sched_backend_served(run, served);
        if (!run->backend_failed && run->store.ks.channel_count + inbox_grew > 0)
            sched_backend_pushed(run, inbox_before, row != NULL && row->id == LK_CMD_UNSUBSCRIBE && p->op.argc == 1);
    }
}

/* Takes the oldest record of thread 't''s inbox as its read's reply. */
static void sched_read_take(sim_run *run, sim_thread *t) {
    t->pend.out = 1;
    t->pend.rc = sim_redis_inbox_take(&run->client[SIM_PUBSUB_CONN(t->idx)], t->pend.reply->resp);
    if (t->pend.rc == LK_ELIMIT)
        sim_setup_error(run, "step %d: a pub/sub message for %s does not fit its reply buffer", run->step, t->name);
}

/* Thread 't''s read of what the server pushed on its connection: at once when a record has arrived, else a wait
 * until one arrives (sched_deliver moves it earlier) or the timeout passes. Never a store fault: nothing is sent. */
static int64_t sched_read(sim_run *run, sim_thread *t) {
    sim_pending *p = &t->pend;
    p->out = 0;
    if (lk_store_op_check(&p->op) != LK_OK || p->reply->resp == NULL) {
        p->rc = LK_EINVAL;
        return run->now_ns;
    }
    sim_redis_client *ps = &run->client[SIM_PUBSUB_CONN(t->idx)];
    if (ps->flags & SIM_CLIENT_DROPPED) { /* a restart closed the subscribed connection while it was not reading */
        ps->flags &= ~SIM_CLIENT_DROPPED;
        p->rc = LK_ESTORE_DOWN;
        return run->now_ns;
    }
    int64_t next = sim_redis_inbox_next(ps);
    if (next >= 0 && next <= run->now_ns) {
        sched_read_take(run, t);
        return run->now_ns;
    }
    int64_t limit_ms = (INT64_MAX - run->now_ns) / 1000000;
    int64_t until = p->op.ttl_ms == 0 || p->op.ttl_ms >= limit_ms ? INT64_MAX : run->now_ns + p->op.ttl_ms * 1000000;
    return next >= 0 && next < until ? next : until;
}

/* How long the client of op 'p' waits for a reply before it gives up: its command timeout (timeout_ms), and for a
 * blocking command the longer of that and the block it asked for plus a round trip (INT64_MAX: a block with no
 * timeout, it waits for good). */
static int64_t sched_own_timer_ns(const sim_run *run, const sim_pending *p) {
    int64_t timeout_ns = sim__builtin(run, SIM_PARAM_TIMEOUT_MS) * 1000000;
    if (p->op.kind != LK_OP_COMMAND || p->op.argc < 3) return timeout_ns;
    const lk_command *row =
        lk_command_lookup(p->op.argv[0], p->op.argv_len ? p->op.argv_len[0] : strlen(p->op.argv[0]));
    if (row == NULL || !(row->flags & LK_CMDF_BLOCKING)) return timeout_ns;
    size_t n = p->op.argv_len ? p->op.argv_len[p->op.argc - 1] : strlen(p->op.argv[p->op.argc - 1]);
    int64_t block_ms;
    if (sim_redis_block_timeout(p->op.argv[p->op.argc - 1], n, &block_ms) != 0) return timeout_ns; /* an error reply */
    if (block_ms == 0 || block_ms > (INT64_MAX - run->rtt_ns) / 1000000) return INT64_MAX;
    int64_t block_ns = block_ms * 1000000 + run->rtt_ns;
    return block_ns > timeout_ns ? block_ns : timeout_ns;
}

/* A waiting read's time is up: a record arrived, or its timeout passed (LK_ETIMEDOUT). */
static void sched_read_end(sim_run *run, sim_thread *t) {
    int64_t next = sim_redis_inbox_next(&run->client[SIM_PUBSUB_CONN(t->idx)]);
    if (next >= 0 && next <= run->now_ns)
        sched_read_take(run, t);
    else
        t->pend.rc = LK_ETIMEDOUT;
}

/* Applies thread 't''s store op at server time 'server_ms' (the model, and the lockstep server if any). */
static void sched_store_exec(sim_run *run, sim_thread *t, lk_wall_ms server_ms) {
    sim_pending *p = &t->pend;
    if (p->op.kind == LK_OP_COMMAND) {
        sched_command(run, t, server_ms);
    } else {
        p->rc = sim_store_model_exec(&run->store, server_ms, &p->op, p->reply);
        if (run->backend) sched_backend_op(run, t, &p->op, server_ms, p->rc, p->reply);
    }
}

/* sched_store_exec with the scripted locks' lease schemas read before and judged after (their views are kilobytes
 * of stack: kept off the common path, which stays small enough to inline). */
__attribute__((noinline)) static void sched_store_exec_schemas(sim_run *run, sim_thread *t, lk_wall_ms server_ms) {
    sim_schema_view before[SIM_SCHEMAS_MAX];
    sim__oracle_schema_before(run, server_ms, before);
    sched_store_exec(run, t, server_ms);
    sim__oracle_schema_after(run, t, &t->pend.op, server_ms, before);
}

/* The store op of thread 't', with an injected fault or none ('fault' 0). reply-lost: applied, the client sees a
 * timeout (maybe applied) after timeout_ms; conn-error: not applied, the client learns it after one RTT;
 * late-timeout: a blocking pop that blocks gets its nil at the server's first event after its deadline, or
 * timeout_lag_ms after it. */
static int64_t sched_store_op(sim_run *run, sim_thread *t, int fault) {
    sim_pending *p = &t->pend;
    if (p->op.kind == LK_OP_READ) return sched_read(run, t);
    lk_wall_ms server_ms = sim__server_ms(run, run->now_ns + run->rtt_ns / 2);
    if (fault == SIM_FAULT_CONN_ERROR) {
        lk_store_reply_reset(p->reply);
        p->rc = LK_ESTORE_DOWN;
        sim__oracle_lease_client_error(run, t, &p->op);
        return run->now_ns + run->rtt_ns;
    }
    if (run->blocked_clients > 0) sched_late_close_before(run, server_ms);
    if (run->oracle.schema_count > 0 && !run->oracle_silent)
        sched_store_exec_schemas(run, t, server_ms);
    else
        sched_store_exec(run, t, server_ms);
    sched_log(run, t, &p->op, server_ms);
    sim__oracle_lease_store(run, t, &p->op, p->rc, p->reply, server_ms, run->now_ns);
    sched_late_close(run, server_ms, run->now_ns + run->rtt_ns); /* this command's event */
    int blocked = p->op.kind == LK_OP_COMMAND && (run->client[t->idx].flags & SIM_CLIENT_BLOCKED);
    if (blocked && fault == SIM_FAULT_LATE_TIMEOUT && run->client[t->idx].block_deadline_ms != 0) /* noticed late */
        run->client[t->idx].late_until_ms =
            run->client[t->idx].block_deadline_ms + sim__builtin(run, SIM_PARAM_TIMEOUT_LAG_MS);
    if (blocked && fault != SIM_FAULT_REPLY_LOST) return sched_block_wake(run, t);
    if (fault == SIM_FAULT_REPLY_LOST) { /* applied; the client learns nothing until its own timer (none: never) */
        p->lost = 1;                     /* if it blocked, a later serving pops an element nobody receives */
        if (!blocked) {
            sim__oracle_lease_client_error(run, t, &p->op);
            p->applied_rc = p->rc;
            lk_store_reply_reset(p->reply);
            p->rc = LK_ESTORE_MAYBE;
        }
        int64_t own_ns = sched_own_timer_ns(run, p);
        return own_ns == INT64_MAX ? INT64_MAX : run->now_ns + own_ns;
    }
    return run->now_ns + run->rtt_ns;
}

/* A wake op on wake 'w': the waiting thread of the lowest index resumes now, woken; with none it is kept. */
static void sched_wake(sim_run *run, int w) {
    for (int i = 0; i < run->thread_count; i++) {
        sim_thread *u = &run->thread[i];
        if (u->state == SIM_T_WAITING && u->pend.vop == SIM_VOP_WAIT && u->pend.obj == w && u->pend.rc != LK_OK) {
            u->pend.rc = LK_OK;
            u->wake_ns = run->now_ns;
            return;
        }
    }
    run->mutex[w].woken = 1;
}

static void sched_perform(sim_run *run, sim_thread *t, int fault) {
    sim_pending *p = &t->pend;
    int64_t resume_ns = run->now_ns;
    p->rc = LK_OK;
    switch (p->vop) {
    case SIM_VOP_STORE:
        resume_ns = sched_store_op(run, t, fault);
        if (p->op.kind == LK_OP_ACQUIRE)
            t->acquire_last = p->rc == LK_OK ? (int)p->reply->outcome : LK_NONE;
        else if (p->op.kind == LK_OP_COMMAND && (p->op.flags & LK_CMD_ACQUIRE_TRY))
            t->acquire_last = p->rc == LK_OK ? sched_try_outcome(p->reply->resp) : LK_NONE;
        else if (p->op.kind == LK_OP_COMMAND && (p->op.flags & LK_CMD_ACQUIRE_WAKE)) {
            const lk_reply_node *n0 =
                p->rc == LK_OK && lk_reply_ok(p->reply->resp) ? lk_reply_at(p->reply->resp, 0) : NULL;
            if (n0 != NULL && n0->type != LK_REPLY_NIL) t->acquire_last = SIM_ACQ_WOKEN; /* the lock decides */
        } else if (p->op.kind == LK_OP_COMMAND && !(p->op.flags & LK_CMD_ACQUIRE_STEP) && t->acquire_start_mono_ns < 0)
            t->acquire_last = SIM_ACQ_UNSEEN;
        break;
    case SIM_VOP_SLEEP: resume_ns = run->now_ns + p->ns; break;
    case SIM_VOP_LOCK: run->mutex[p->obj].holder = t->idx; break;
    case SIM_VOP_UNLOCK: run->mutex[p->obj].holder = -1; break;
    case SIM_VOP_ONCE:
        p->out = *p->flag == 0;
        if (p->out) {
            *p->flag = 2;
            t->once_running = p->flag;
        }
        break;
    case SIM_VOP_TASK_START:
        p->out = sim__task_thread_new(run, t->idx, p->label, p->task_fn, p->task_arg);
        p->rc = p->out >= 0 ? LK_OK : LK_ETASK;
        break;
    case SIM_VOP_EVENT:
        sim__oracle_singleton_event(run, t, p->label, p->key, p->num);
        sim__oracle_belief_event(run, t, p->label, p->key, p->num);
        break;
    case SIM_VOP_RESOURCE: p->rc = sim__resource_op(run, t, p); break;
    case SIM_VOP_WAIT: /* a kept wake ends it now; else it times out unless a wake op ends it (below) */
        if (run->mutex[p->obj].woken) {
            run->mutex[p->obj].woken = 0;
        } else {
            p->rc = LK_ETIMEDOUT;
            resume_ns = run->now_ns + p->ns;
        }
        break;
    case SIM_VOP_WAKE: sched_wake(run, p->obj); break;
    case SIM_VOP_TASK_JOIN: p->rc = run->thread[p->obj].state == SIM_T_CRASHED ? LK_ECRASHED : LK_OK; break;
    default: break; /* YIELD: nothing to do but let others run first */
    }
    t->state = SIM_T_WAITING;
    t->wake_ns = resume_ns;
}

/* ---- decisions other than run ------------------------------------------------------------------------------- */

static int sched_alive(const sim_thread *t) {
    return t->state != SIM_T_FREE && t->state != SIM_T_DONE && t->state != SIM_T_CRASHED;
}

/* Crashes thread 'i' and every task it started (a renewal task dies with its holder). What it wrote to the store
 * stays. Process-local state is unwound as a dying thread's runtime would: the env mutexes it held are freed and a
 * once it was running is reset, so the rest of the process is not wedged by the crash itself. */
static void sched_crash_thread(sim_run *run, int i) {
    sim_thread *t = &run->thread[i];
    if (sched_alive(t)) {
        t->state = SIM_T_CRASHED;
        t->wake_ns = 0; /* it never waits again */
        for (int m = 0; m < run->mutex_count; m++)
            if (run->mutex[m].holder == i) run->mutex[m].holder = -1;
        if (t->once_running) *t->once_running = 0;
        run->client[i].id = (uint32_t)i;
        if (run->client[i].flags & SIM_CLIENT_BLOCKED) {
            sim_redis_unblock(run->client, run->thread_count, i);
            run->blocked_clients--;
        }
        sim_redis_client_reset(&run->store.ks, &run->client[i]); /* its connections close: MULTI and WATCH end */
        run->client[SIM_PUBSUB_CONN(i)].id = (uint32_t)SIM_PUBSUB_CONN(i);
        sim_redis_client_reset(&run->store.ks, &run->client[SIM_PUBSUB_CONN(i)]); /* and its subscriptions */
        if (run->backend != NULL && run->backend->disconnect != NULL) {
            run->backend->disconnect(run->backend->ctx, i);
            run->backend->disconnect(run->backend->ctx, SIM_PUBSUB_CONN(i));
        }
    }
    for (int j = 0; j < run->thread_count; j++)
        if (run->thread[j].parent == i) sched_crash_thread(run, j);
}

/* Applies a logged command again (a lose-last rebuild): no connection (EXEC's commands were logged one by one). */
static void sched_replay_command(sim_run *run, const sim_log_entry *e) {
    const char *argv[SIM_CMD_LOG_BYTES / 4 < LK_COMMAND_ARGS_MAX ? SIM_CMD_LOG_BYTES / 4 : LK_COMMAND_ARGS_MAX];
    size_t len[sizeof(argv) / sizeof(argv[0])];
    const unsigned char *p = run->cmd_log + e->cmd_off;
    uint32_t argc;
    memcpy(&argc, p, 4);
    p += 4;
    for (uint32_t i = 0; i < argc && i < sizeof(argv) / sizeof(argv[0]); i++) {
        uint32_t n;
        memcpy(&n, p, 4);
        len[i] = n;
        argv[i] = (const char *)p + 4;
        p += 4 + n;
    }
    lk_reply_node nodes[SCHED_CMD_NODES];
    char bytes[SCHED_CMD_BYTES];
    lk_reply reply; /* not looked at: the command ran before; a reply too large for these buffers changes nothing */
    lk_reply_init(&reply, nodes, SCHED_CMD_NODES, bytes, SCHED_CMD_BYTES);
    sim_store_model_command(&run->store, NULL, e->server_ms, (int)argc, argv, len, &reply);
}

/* Rebuilds the store from the ops applied up to 'cutoff_ns' (a lose-last restart), oracles silent; the lease oracle
 * then ends every ghost lease the rebuilt store no longer backs. */
static void sched_rebuild_store(sim_run *run, int64_t cutoff_ns) {
    sim_store_model_init(&run->store);
    sim_lease saved[SIM_LOCK_KEYS_MAX];
    sim__oracle_lease_rebuild_begin(run, saved);
    int kept = 0;
    uint32_t cmd_end = 0;
    run->oracle_silent = 1;
    for (int i = 0; i < run->log_count && run->log[i].apply_ns <= cutoff_ns; i++, kept++) {
        const sim_log_entry *e = &run->log[i];
        lk_store_op op = {.kind = e->kind,
                          .key = e->key,
                          .aux_key = e->has_aux ? e->aux_key : NULL,
                          .value = e->has_value ? e->value : NULL,
                          .ttl_ms = e->ttl_ms,
                          .flags = e->flags,
                          .epoch_key = e->has_epoch ? e->epoch_key : NULL,
                          .num = e->num};
        if (e->kind == LK_OP_COMMAND) {
            sched_replay_command(run, e);
            cmd_end = e->cmd_off + e->cmd_len;
            continue;
        }
        lk_store_reply reply;
        lk_rc rc = sim_store_model_exec(&run->store, e->server_ms, &op, &reply);
        sim__oracle_lease_store(run, &run->thread[e->thread], &op, rc, &reply, e->server_ms, e->apply_ns);
    }
    run->oracle_silent = 0;
    /* The replay rebuilt the data and, through its EVALs, a script cache and cjson settings; a restarted Redis 7
     * has neither (scripts are not persisted; its Lua state is new). */
    sim_ks_script_flush(&run->store.ks);
    run->log_count = kept;
    memset(run->cmd_log + cmd_end, 0, run->cmd_log_len - cmd_end);
    run->cmd_log_len = cmd_end;
    sim__oracle_lease_rebuild_end(run, saved);
}

static void sched_restart(sim_run *run, const sim_choice *c) {
    run->restarts++;
    if (run->backend) { /* a real server follows lose-all only; lose-last is refused before the run (model-only) */
        lk_rc rc = run->backend->restart ? run->backend->restart(run->backend->ctx) : LK_EMISUSE;
        if (rc != LK_OK) {
            run->backend_failed = 1;
            snprintf(run->backend_error, sizeof(run->backend_error), "step %d: cannot restart the real store (%s)%s",
                     run->step, lk_rc_name(rc),
                     run->backend->restart ? ""
                                           : ": an external server cannot be "
                                             "restarted by racebed; use --store redis to let racebed own one");
        }
    }
    if (c->variant == SIM_RESTART_LOSE_LAST) {
        sched_rebuild_store(run, run->now_ns - c->duration_ns);
    } else {
        sim__oracle_lease_restart(run);
        sim_store_model_init(&run->store);
        run->log_count = 0;
        memset(run->cmd_log, 0, run->cmd_log_len);
        run->cmd_log_len = 0;
    }
    for (int i = 0; i < run->thread_count && run->blocked_clients > 0; i++) { /* a blocked wait ends: not applied */
        if (!sched_is_blocked(run, &run->thread[i])) continue;
        sched_block_end(run, &run->thread[i], LK_ESTORE_DOWN);
        run->thread[i].wake_ns = run->now_ns + run->rtt_ns / 2;
    }
    for (int i = 0; i < run->thread_count; i++) { /* a read on a dropped connection ends with an error */
        if (!sched_is_reading(&run->thread[i])) continue;
        run->thread[i].pend.rc = LK_ESTORE_DOWN;
        run->thread[i].wake_ns = run->now_ns + run->rtt_ns / 2;
    }
    for (int i = 0; i < run->thread_count; i++) { /* a restarted server has no connection state left */
        sim_redis_client *ps = &run->client[SIM_PUBSUB_CONN(i)];
        int subscribed = (ps->flags & SIM_CLIENT_PUBSUB) != 0;
        sim_redis_client_clear(&run->client[i], (uint32_t)i);
        sim_redis_client_clear(ps, (uint32_t)SIM_PUBSUB_CONN(i));
        const sim_thread *t = &run->thread[i];
        int waits_in_read = t->state == SIM_T_WAITING && t->pend.vop == SIM_VOP_STORE && t->pend.op.kind == LK_OP_READ;
        if (subscribed && !waits_in_read) ps->flags = SIM_CLIENT_DROPPED; /* its next read learns it */
    }
}

int sim_store_fault_applies(const sim_run *run, const sim_pending *p, int variant) {
    if (!sim__pending_sends(p)) return 0;
    if (variant != SIM_FAULT_LATE_TIMEOUT) return 1;
    if (run->backend != NULL) return 0; /* a real server checks timeouts on its own timer: not on demand */
    const lk_store_op *op = &p->op;
    if (op->kind != LK_OP_COMMAND || op->argc < 3) return 0;
    const lk_command *row = lk_command_lookup(op->argv[0], op->argv_len ? op->argv_len[0] : strlen(op->argv[0]));
    if (row == NULL || !(row->flags & LK_CMDF_BLOCKING)) return 0;
    char text[32]; /* the timeout, seconds: the last argument */
    size_t n = op->argv_len ? op->argv_len[op->argc - 1] : strlen(op->argv[op->argc - 1]);
    if (n == 0 || n >= sizeof(text)) return 0;
    memcpy(text, op->argv[op->argc - 1], n);
    text[n] = '\0';
    char *end;
    double s = strtod(text, &end);
    return *end == '\0' && s > 0;
}

int sim_choice_valid(const sim_run *run, const sim_choice *c, char *why, size_t cap) {
    const char *bad = NULL;
    const sim_thread *t = c->thread >= 0 && c->thread < run->thread_count ? &run->thread[c->thread] : NULL;
    switch (c->kind) {
    case SIM_DEC_RUN:
        if (!t || !sim_thread_enabled(run, c->thread)) bad = "the thread cannot run now";
        break;
    case SIM_DEC_ADVANCE:
        if (c->duration_ns <= 0) bad = "an advance must be > 0";
        break;
    case SIM_DEC_WALL:
        if (c->proc < -1 || c->proc >= run->proc_count)
            bad = "no such clock";
        else if (c->duration_ns == 0 || c->duration_ns % 1000000 != 0)
            bad = "a wall step is a nonzero whole ms";
        break;
    case SIM_DEC_PAUSE:
        if (!t || !sched_alive(t) || c->duration_ns <= 0) bad = "the thread has ended";
        break;
    case SIM_DEC_CRASH:
        if (c->proc >= 0)
            bad = c->proc < run->proc_count && !run->proc[c->proc].crashed ? NULL : "no live process";
        else if (!t || !sched_alive(t))
            bad = "the thread has ended";
        break;
    case SIM_DEC_FAULT:
        if (sim_store_fault_word(c->variant) == NULL)
            bad = "unknown fault kind";
        else if (!t || !sim_thread_enabled(run, c->thread) || !sim_store_fault_applies(run, &t->pend, c->variant))
            bad = c->variant != SIM_FAULT_LATE_TIMEOUT ? "the thread is not about to send a store op"
                  : run->backend ? "a real server notices timeouts on its own timer: late-timeout is model-only"
                                 : "the thread is not about to send a blocking pop with a timeout";
        break;
    case SIM_DEC_RESTART:
        if (c->variant != SIM_RESTART_LOSE_ALL && c->variant != SIM_RESTART_LOSE_LAST)
            bad = "unknown restart kind";
        else if (c->variant == SIM_RESTART_LOSE_LAST && c->duration_ns < 0)
            bad = "a negative loss window";
        else if (c->variant == SIM_RESTART_LOSE_LAST && (!run->log_ops || run->log_overflow))
            bad = run->log_overflow ? "the op log overflowed (SIM_LOG_MAX ops)" : "lose-last needs the op log";
        break;
    default: bad = "unknown decision";
    }
    if (bad && why) snprintf(why, cap, "%s", bad);
    return bad == NULL;
}

/* Executes a decision; returns the op performed (RUN, FAULT) for the trace, or NULL. */
static const sim_pending *sched_apply(sim_run *run, const sim_choice *c) {
    if (c->kind == SIM_DEC_RUN || c->kind == SIM_DEC_FAULT) {
        sim_thread *t = &run->thread[c->thread];
        t->last_step = run->step;
        run->faults += c->kind == SIM_DEC_FAULT;
        run->store_faults += c->kind == SIM_DEC_FAULT;
        t->store_faults += c->kind == SIM_DEC_FAULT;
        run->reply_losts += c->kind == SIM_DEC_FAULT && c->variant == SIM_FAULT_REPLY_LOST;
        run->conn_errors += c->kind == SIM_DEC_FAULT && c->variant == SIM_FAULT_CONN_ERROR;
        run->late_timeouts += c->kind == SIM_DEC_FAULT && c->variant == SIM_FAULT_LATE_TIMEOUT;
        sched_perform(run, t, c->kind == SIM_DEC_FAULT ? c->variant : 0);
        return &t->pend;
    }
    if (c->kind == SIM_DEC_ADVANCE) {
        run->now_ns += c->duration_ns;
        run->advances++;
        return NULL;
    }
    run->faults++;
    switch (c->kind) {
    case SIM_DEC_WALL:
        if (c->proc < 0) {
            sim__oracle_lease_wall_step(run);
            run->server_wall_offset_ms += c->duration_ns / 1000000;
            run->wall_steps++;
            for (int i = 0; i < run->thread_count && run->blocked_clients > 0; i++) /* timeouts follow the clock */
                if (sched_is_blocked(run, &run->thread[i]) &&
                    !run->thread[i].pend.lost) /* (not a client's own timer) */
                    run->thread[i].wake_ns = sched_block_wake(run, &run->thread[i]);
        } else {
            run->proc[c->proc].wall_offset_ms += c->duration_ns / 1000000;
            run->wall_steps++;
        }
        break;
    case SIM_DEC_PAUSE:
        run->pauses++;
        run->thread[c->thread].paused_until_ns = run->now_ns + c->duration_ns;
        run->thread[c->thread].paused_since_grant = 1;
        break;
    case SIM_DEC_CRASH:
        run->crashes++;
        if (c->proc >= 0) {
            run->proc[c->proc].crashed = 1;
            for (int i = 0; i < run->thread_count; i++)
                if (run->thread[i].proc == c->proc) sched_crash_thread(run, i);
        } else {
            sched_crash_thread(run, c->thread);
        }
        break;
    case SIM_DEC_RESTART: sched_restart(run, c); break;
    default: break;
    }
    return NULL;
}

/* ---- the loop --------------------------------------------------------------------------------------------------- */

static void sched_setup(sim_run *run, const sim_exec_args *a) {
    sim_arena_reset(run);
    run->scenario = a->scenario;
    run->variant = a->variant;
    memcpy(run->param, a->param, sizeof(int64_t) * (size_t)sim_param_count(a->scenario));
    run->rtt_ns = sim__builtin(run, SIM_PARAM_RTT_US) * 1000;
    run->seed = a->seed;
    run->alloc_fail_at = a->alloc_fail_at;
    run->log_ops = a->log_ops;
    run->backend = a->backend;
    if (sim_arena_set_stack_kib(run, sim__builtin(run, SIM_PARAM_STACK_KIB)) != 0)
        sim_setup_error(run, "cannot set a %lld KiB stack (at least 16, at most %d)",
                        (long long)sim__builtin(run, SIM_PARAM_STACK_KIB), SIM_STACK_KIB_MAX);
    for (int i = 0; i < SIM_IGNORED_MAX && a->ignore_oracles &&
                    sim__list_item(a->ignore_oracles, i, run->ignored[i], SIM_NAME_MAX) == 0;
         i++)
        run->ignored_count = i + 1;
    if (sim__builtin(run, SIM_PARAM_ENTROPY) != SIM_ENTROPY_IDS) sim__rng_seed(run->rng, a->seed);
}

/* When thread 't' can next do something without a decision: its wake-up, or the end of its pause; -1 never. */
static int64_t sched_thread_due(const sim_run *run, const sim_thread *t) {
    if (t->state == SIM_T_WAITING && t->wake_ns == INT64_MAX) return -1; /* blocked without a timeout */
    if (t->state == SIM_T_WAITING) return t->wake_ns > t->paused_until_ns ? t->wake_ns : t->paused_until_ns;
    if (t->state == SIM_T_PENDING && t->paused_until_ns > run->now_ns) return t->paused_until_ns;
    return -1;
}

/* Earliest instant a thread is due, or -1 when none is. */
static int64_t sched_next_wake(const sim_run *run) {
    int64_t best = -1;
    for (int i = 0; i < run->thread_count; i++) {
        int64_t due = sched_thread_due(run, &run->thread[i]);
        if (due >= 0 && (best < 0 || due < best)) best = due;
    }
    return best;
}

/* Ends the run when no thread is enabled: returns 1 if the loop should stop (all done, or deadlock). */
static int sched_idle(sim_run *run, const sim_chooser *ch) {
    int64_t wake = sched_next_wake(run);
    if (wake >= 0) {
        assert(wake > run->now_ns);
        run->now_ns = wake;
        if (ch->jump) ch->jump(ch->ctx, run, wake);
        return 0;
    }
    for (int i = 0; i < run->thread_count; i++) {
        const sim_thread *t = &run->thread[i];
        int blocked = sched_is_blocked(run, t), reading = sched_is_reading(t);
        int forever = t->state == SIM_T_WAITING && t->wake_ns == INT64_MAX; /* nothing but another thread ends it */
        if (t->state != SIM_T_PENDING && !forever) continue;
        char obj[LK_KEY_MAX];
        sim__pending_object(run, &t->pend, obj, sizeof(obj));
        sim__violation(run, "deadlock", "every live thread waits: %s blocks on %s %s%s", t->name,
                       sim__pending_label(&t->pend), obj,
                       blocked   ? " on the server, without a timeout, and no thread is left to push to it"
                       : reading ? " (a pub/sub message, without a timeout), and no thread is left to publish one"
                       : forever ? ", whose reply was lost, without a timeout to give up"
                                 : "");
        return 1;
    }
    return 1; /* every thread ended */
}

typedef struct sched_setup_call {
    sim_run *run;
    int rc;
} sched_setup_call;

static void sched_setup_thunk(void *arg) {
    sched_setup_call *s = arg;
    s->rc = s->run->scenario->setup(s->run);
}

static void sched_finish_thunk(void *arg) {
    sim_run *run = arg;
    run->scenario->finish(run);
}

/* The scenario's setup(), guarded: a crash in it is a setup error naming the signal. Returns its result. */
static int sched_setup_guarded(sim_run *run) {
    sched_setup_call s = {run, -1};
    sim_guard_report g = sim_guard_call(sched_setup_thunk, &s, sim__builtin(run, SIM_PARAM_BUSY_MS));
    if (g.end == SIM_GUARD_OK) return s.rc;
    sim_setup_error(run, "scenario %s's setup() %s", run->scenario->name,
                    g.end == SIM_GUARD_BUSY ? "ran too long: a busy loop?" : sim_guard_signal_text(g.signal));
    return -1;
}

/* The scenario's finish(), guarded: a crash in it is the execution's verdict. */
static void sched_finish_guarded(sim_run *run) {
    sim_guard_report g = sim_guard_call(sched_finish_thunk, run, sim__builtin(run, SIM_PARAM_BUSY_MS));
    if (g.end == SIM_GUARD_BUSY)
        sim__violation(run, "busy_loop", "the scenario's finish() ran %lld ms of CPU: a busy loop?",
                       (long long)sim__builtin(run, SIM_PARAM_BUSY_MS));
    else if (g.end == SIM_GUARD_SIGNAL)
        sim__violation(run, "scenario_crash", "the scenario's finish() crashed with %s: a bug in the scenario",
                       sim_guard_signal_text(g.signal));
}

sim_end sim_exec_begin(sim_run *run, const sim_exec_args *a) {
    sched_setup(run, a);
    if (run->backend && run->backend->reset) {
        lk_rc rc = run->backend->reset(run->backend->ctx);
        if (rc != LK_OK) {
            run->backend_failed = 1;
            snprintf(run->backend_error, sizeof(run->backend_error), "cannot empty the real store: %s", lk_rc_name(rc));
            return SIM_END_BACKEND;
        }
    }
    int failed = sched_setup_guarded(run) != 0;
    if (failed || run->thread_count == 0) {
        if (run->setup_error[0] == '\0')
            sim_setup_error(run, failed ? "setup failed without saying why (sim_setup_error names the problem)"
                                        : "setup created no thread");
        sim_exec_teardown(run);
        return SIM_END_SETUP;
    }
    return SIM_END_PASS;
}

int sim_exec_until_decision(sim_run *run, const sim_chooser *ch, int *enabled) {
    int64_t steps_max = sim__builtin(run, SIM_PARAM_STEPS_MAX);
    while (!run->violation.set && !run->backend_failed && run->setup_error[0] == '\0') {
        if (sched_resume_due(run) != 0) return 0;
        /* a resumed thread may have raised a violation: the run ends there, never at a decision point (a search
         * over states would take that point for the same state without the violation, whose future differs) */
        if (run->violation.set || run->backend_failed || run->setup_error[0] != '\0') return 0;
        int n = 0;
        for (int i = 0; i < run->thread_count; i++)
            if (sim_thread_enabled(run, i)) enabled[n++] = i;
        if (n == 0) {
            if (sched_idle(run, ch)) return 0;
            continue;
        }
        if (run->step >= steps_max) {
            sim__violation(run, "step_bound",
                           "livelock: %lld decisions without the run ending (raise "
                           "--steps-max if the scenario needs more)",
                           (long long)steps_max);
            return 0;
        }
        return n;
    }
    return 0;
}

const sim_pending *sim_exec_apply(sim_run *run, const sim_choice *c) {
    assert(sim_choice_valid(run, c, NULL, 0));
    run->step++;
    return sched_apply(run, c);
}

sim_end sim_exec_finish(sim_run *run) {
    if (run->backend_failed) return SIM_END_BACKEND;
    if (!run->violation.set && run->setup_error[0] == '\0') {
        if (run->crashes == 0 && run->restarts == 0) sim__oracle_leak_finish(run);
        if (!run->violation.set && run->scenario->finish) sched_finish_guarded(run);
    }
    if (run->setup_error[0] != '\0') return SIM_END_SETUP; /* the scenario raised an undeclared expectation */
    return run->violation.set ? SIM_END_VIOLATION : SIM_END_PASS;
}

void sim_exec_teardown(sim_run *run) {
    for (int i = 0; i < run->thread_count; i++)
        sim_fiber_fini(&run->thread[i].fiber);
}

sim_end sim_execute(sim_run *run, const sim_exec_args *a, const sim_chooser *ch) {
    sim_end end = sim_exec_begin(run, a);
    if (end != SIM_END_PASS) return end;
    int enabled[SIM_THREADS_MAX];
    for (int n; (n = sim_exec_until_decision(run, ch, enabled)) > 0;) {
        sim_choice c;
        memset(&c, 0, sizeof(c));
        if (ch->decide(ch->ctx, run, enabled, n, &c) != 0) {
            sim_exec_teardown(run);
            return run->backend_failed ? SIM_END_BACKEND : SIM_END_ABORTED;
        }
        const sim_pending *done = sim_exec_apply(run, &c);
        if (ch->after) ch->after(ch->ctx, run, &c, done);
    }
    end = sim_exec_finish(run);
    sim_exec_teardown(run);
    return end;
}

/* ---- time-advance targets --------------------------------------------------------------------------------------- */

typedef struct advance_acc {
    const sim_run *run;
    int64_t *out;
    int n;
    int max;
} advance_acc;

static void advance_add(advance_acc *acc, int64_t d) {
    if (d <= 0) return;
    int i = 0;
    while (i < acc->n && acc->out[i] < d)
        i++;
    if (i < acc->n && acc->out[i] == d) return;
    if (acc->n == acc->max) {
        if (i == acc->n) return;
        acc->n--; /* drop the largest */
    }
    memmove(&acc->out[i + 1], &acc->out[i], sizeof(int64_t) * (size_t)(acc->n - i));
    acc->out[i] = d;
    acc->n++;
}

/* A key with a TTL: the first virtual instant at which an op sent then sees it expired (server > deadline). */
static void advance_key(void *arg, const char *key, int64_t deadline_ms) {
    (void)key;
    advance_acc *acc = arg;
    if (deadline_ms == 0) return;
    const sim_run *run = acc->run;
    int64_t target_ms = deadline_ms + 1 - SIM_EPOCH_WALL_MS - run->server_wall_offset_ms;
    int64_t send_ns = target_ms * 1000000 - run->rtt_ns / 2;
    advance_add(acc, send_ns - run->now_ns);
}

int sim_advance_targets(const sim_run *run, int64_t *out, int max) {
    advance_acc acc = {run, out, 0, max};
    int64_t wake = -1;
    for (int i = 0; i < run->thread_count; i++) {
        int64_t due = sched_thread_due(run, &run->thread[i]);
        if (due > run->now_ns && (wake < 0 || due < wake)) wake = due;
    }
    if (wake > 0) advance_add(&acc, wake - run->now_ns);
    sim_store_model_each(&run->store, sim__server_ms(run, run->now_ns), advance_key, &acc);
    return acc.n;
}
