/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_dpor.c: source-DPOR with sleep sets (Abdulla, Aronis, Jonsson, Sagonas, POPL 2014), by replay from the root
 * (the SIM_REDUCE_DPOR mode of sim_exhaust.h).
 *
 * An event is one decision: a thread's visible op together with the invisible code that follows it, or an
 * environment decision (a time advance, a wall step, a crash). Each event has a footprint: the objects it reads and
 * writes (store keys, the fence and epoch keys, a resource and the lock key guarding it, an env mutex, a once flag,
 * a yield's ghost object) as a 64-bit Bloom mask, its process, and a global flag. Two events are dependent if either
 * is global, they belong to one process (threads of a process share memory the simulator does not see: a renewal
 * task and its holder), or one writes an object the other touches. A Bloom collision only adds dependence.
 *
 * A store fault (reply-lost, conn-error) of thread T's op is an event of T, one of T's variants of its next event:
 * exploring T at a point explores its plain op and then each faulted one there, and T's footprint there covers them
 * all (the op's keys, each written: a fault's oracle bookkeeping writes the key's lease record). A fault changes
 * only T, the op's keys and the fault counts; T's store-fault bound is T's own. Code that reads the fault counts
 * (sim_faults, sim_fault_count) makes its event global, so a read never commutes with a fault it could see.
 *
 * Global, i.e. dependent with everything: environment decisions, oracle events (design.md §7), task start and
 * join, a SCAN, an event that ended the run with a violation, an event whose code read the fault counts, and an
 * event after which virtual time jumped because no thread was enabled (the jump changes what every thread reads
 * next). An event that ended the run with a
 * violation disabled every other thread, whose next events are in no trace: each races with it, so every thread
 * enabled at its point is added there (the terminal states of violating runs then match the naive search's).
 *
 * After each execution, every reversible race (two dependent events of different threads with no event between
 * them in happens-before) adds an initial of the reversed sequence to the backtrack set of the point before the
 * first event, unless one is there already; if no initial is enabled there, every enabled thread is added
 * (Flanagan and Godefroid's fallback). Environment options (time advances, wall steps, restarts, crashes, pauses)
 * are always explored in full, at every point. A thread
 * explored from a point is put to sleep for its later siblings and stays asleep below them while the events taken
 * are independent of its next one; a point where every enabled thread sleeps and no environment option is left
 * ends the execution (counted as sleep-set blocked: an equivalent one was explored).
 *
 * Preemption bounds are not applied (with DPOR they need extra conservative branches, Coons et al. OOPSLA 2013):
 * the CLI refuses --preemptions-max with --reduce dpor. Invariant (soundness): every terminal outcome and every
 * violation of the naive enumeration is reached; tests/unit/test_sim_reduce.c checks it.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lk_command.h"
#include "sim/model/sim_sha1.h"

#include "sim/engine/sim_guard.h"
#include "sim/search/sim_search_base.h"
#include "sim/search/sim_search_modes.h"

enum { DPOR_ENV = SIM_THREADS_MAX }; /* the pseudo-thread of environment decisions */
_Static_assert(SIM_OPTIONS_MAX <= INT16_MAX, "dpor_node.var_first holds an option index");

typedef struct dpor_fp {
    uint64_t rd, wr; /* Bloom masks of the objects read and written */
    uint64_t block;  /* LOCK, ONCE: the object it may wait for (0: none) */
    int proc;        /* owning process, -1 for the environment */
    int global;      /* 1: dependent with every event */
} dpor_fp;

typedef struct dpor_node {
    uint32_t enabled;                   /* threads enabled here */
    uint32_t sleep;                     /* threads asleep on entry */
    uint32_t backtrack;                 /* threads to explore from here */
    uint32_t done;                      /* threads explored (or being explored) from here */
    int env_count;                      /* environment options here (after the threads; store faults not counted) */
    int env_next;                       /* next environment option to explore */
    int var_actor;                      /* the thread whose store-fault variants are being explored here, or -1 */
    int var_next;                       /* its next variant to explore */
    int16_t var_first[SIM_THREADS_MAX]; /* each thread's store-fault options here: the first one's index, */
    uint8_t var_count[SIM_THREADS_MAX]; /* and how many (they follow one another) */
    int chosen;                         /* option index taken in the current execution */
    int actor;                          /* its thread, or DPOR_ENV */
    int64_t now_ns;                     /* virtual time when it was taken */
    dpor_fp ev;                         /* the footprint of the event taken (global bits added after it ran) */
    dpor_fp next[SIM_THREADS_MAX];      /* the next event of each enabled thread */
} dpor_node;

typedef struct dpor_ctx {
    dpor_node *node;
    int cap;   /* nodes allocated */
    int len;   /* nodes of the path to replay (the last one's 'chosen' is new) */
    int depth; /* nodes reached in this execution */
    int depth_max;
    int blocked;                 /* 1: this execution ended sleep-set blocked */
    int failed;                  /* out of memory */
    const sim_bounds *bounds;    /* the search's bounds (no preemption bound: DPOR explores every preemption) */
    int64_t points, options_sum; /* new points met, and their options summed */
    int options_max;
} dpor_ctx;

static uint64_t dpor_bit(const char *tag, const void *obj, size_t n) {
    uint64_t h = UINT64_C(14695981039346656037);
    for (const char *p = tag; *p; p++)
        h = (h ^ (unsigned char)*p) * UINT64_C(1099511628211);
    for (size_t i = 0; i < n; i++)
        h = (h ^ ((const unsigned char *)obj)[i]) * UINT64_C(1099511628211);
    return UINT64_C(1) << ((h ^ (h >> 29)) & 63);
}

static uint64_t dpor_key(const char *key) {
    return key ? dpor_bit("k", key, strlen(key)) : 0;
}

/* 1 if the script an EVAL or EVALSHA runs may publish (its text says so: lk_script_may_publish); an EVALSHA of a
 * script not in the cache runs nothing. */
static int dpor_script_publishes(const sim_run *run, const lk_command *row, const lk_store_op *op) {
    size_t n = op->argv_len ? op->argv_len[1] : strlen(op->argv[1]);
    if (row->id == LK_CMD_EVAL) return lk_script_may_publish(op->argv[1], n);
    char sha[41];
    uint32_t body_len;
    const unsigned char *body =
        sim_sha1_name(op->argv[1], n, sha) ? sim_ks_script_find(&run->store.ks, sha, &body_len) : NULL;
    return body != NULL && lk_script_may_publish((const char *)body, body_len);
}

/* The footprint of a command, from the command table: its keys, read (READONLY) or written; a command that reads
 * the whole key space (SCAN), one that acts on connection and watch state (MULTI, EXEC, WATCH, ...: EXEC's keys are
 * its queue's), pub/sub (channels, subscribed connections: SUBSCRIBE, PUBLISH, a script whose text may publish),
 * one with more keys than the footprint has bits for, or one the table does not know, is global. */
static void dpor_command(const sim_run *run, const sim_pending *p, dpor_fp *f) {
    const lk_store_op *op = &p->op;
    const lk_command *row =
        op->argc >= 1 ? lk_command_lookup(op->argv[0], op->argv_len ? op->argv_len[0] : strlen(op->argv[0])) : NULL;
    int pos[16];
    if (row == NULL || (row->flags & (LK_CMDF_KEYSPACE | LK_CMDF_TX | LK_CMDF_PUBSUB)) || row->id == LK_CMD_SCRIPT ||
        !lk_command_arity_ok(row, op->argc) ||
        ((row->id == LK_CMD_EVAL || row->id == LK_CMD_EVALSHA) && dpor_script_publishes(run, row, op))) {
        f->global = 1; /* an arity error touches nothing, but is cheap to treat as global */
        return;
    }
    int n = lk_command_keys(row, op->argc, op->argv, op->argv_len, pos, 16);
    if (n < 0 || n == 16) {
        f->global = 1;
        return;
    }
    uint64_t keys = 0;
    for (int i = 0; i < n; i++) {
        size_t len = op->argv_len ? op->argv_len[pos[i]] : strlen(op->argv[pos[i]]);
        keys |= dpor_bit("k", op->argv[pos[i]], len); /* the same bit as dpor_key gives the fixed ops' keys */
    }
    if (row->flags & LK_CMDF_READONLY)
        f->rd = keys;
    else
        f->wr = keys;
    if (row->id == LK_CMD_EVAL || row->id == LK_CMD_EVALSHA) {
        /* the script cache: EVAL adds its script (a write of its name), EVALSHA finds it or not (a read); a script
         * touches only the keys it declares (the model stops a run whose script does otherwise) */
        char sha[41];
        size_t n = op->argv_len ? op->argv_len[1] : strlen(op->argv[1]);
        if (row->id == LK_CMD_EVAL) {
            sim_sha1_hex(op->argv[1], n, sha);
            f->wr |= dpor_bit("s", sha, 40);
        } else {
            if (!sim_sha1_name(op->argv[1], n, sha)) memset(sha, 0, sizeof(sha)); /* no script has that name */
            f->rd |= dpor_bit("s", sha, 40);
        }
    }
}

/* 1 while a late-timeout window is open: then any command the server applies ends it (its timeout check comes
 * after the command), so every store op touches every late client. */
static int dpor_late_window_open(const sim_run *run) {
    for (int i = 0; i < run->thread_count && run->blocked_clients > 0; i++)
        if ((run->client[i].flags & SIM_CLIENT_BLOCKED) && run->client[i].late_until_ms != 0) return 1;
    return 0;
}

/* The footprint of the op thread 't' is stopped at (before it runs). */
static dpor_fp dpor_footprint(const sim_run *run, const sim_thread *t) {
    dpor_fp f = {0, 0, 0, t->proc, 0};
    const sim_pending *p = &t->pend;
    switch (p->vop) {
    case SIM_VOP_STORE:
        if (p->op.kind != LK_OP_READ && dpor_late_window_open(run)) {
            f.global = 1;
        } else if (p->op.kind == LK_OP_COMMAND) {
            dpor_command(run, p, &f);
        } else if (p->op.kind == LK_OP_READ) {
            f.global = 1; /* what it takes depends on every publisher */
        } else if (p->op.kind == LK_OP_SCAN || p->op.kind == LK_OP_SCAN_DEL) {
            f.global = 1;
        } else if (p->op.kind == LK_OP_GET || p->op.kind == LK_OP_PTTL) {
            f.rd = dpor_key(p->op.key);
        } else {
            f.wr = dpor_key(p->op.key) | dpor_key(p->op.aux_key) | dpor_key(p->op.epoch_key);
        }
        break;
    case SIM_VOP_SLEEP: break; /* only its own wake-up time */
    case SIM_VOP_LOCK: f.block = f.wr = dpor_bit("m", &p->obj, sizeof(p->obj)); break;
    case SIM_VOP_UNLOCK:
    case SIM_VOP_WAIT: /* a wake object is a mutex slot: a wait and a wake on it conflict */
    case SIM_VOP_WAKE: f.wr = dpor_bit("m", &p->obj, sizeof(p->obj)); break;
    case SIM_VOP_ONCE: f.block = f.wr = dpor_bit("o", &p->flag, sizeof(p->flag)); break;
    case SIM_VOP_YIELD: f.wr = p->label ? dpor_bit("y", p->label, strlen(p->label)) : 0; break;
    case SIM_VOP_RESOURCE:
        f.wr = dpor_bit("r", &p->obj, sizeof(p->obj));
        f.rd = dpor_key(run->resource[p->obj].lock_key); /* its oracles read the lease of the guarding lock */
        break;
    default: f.global = 1; break; /* EVENT, TASK_START, TASK_JOIN */
    }
    return f;
}

static int dpor_dependent(const dpor_fp *a, const dpor_fp *b) {
    return a->global || b->global || a->proc == b->proc || (a->wr & (b->wr | b->rd)) || (b->wr & a->rd);
}

/* The event taken at 'v' turned out to be global when it ran. So is the same thread's next event there for its
 * siblings' sleep sets: it must not stay asleep past an event it would have ended the run or moved time for. */
static void dpor_made_global(dpor_node *v) {
    v->ev.global = 1;
    if (v->actor != DPOR_ENV) v->next[v->actor].global = 1;
}

static int dpor_grow(dpor_ctx *x, int need) {
    if (need <= x->cap) return 0;
    int cap = x->cap ? x->cap * 2 : 64;
    while (cap < need)
        cap *= 2;
    dpor_node *n = realloc(x->node, sizeof(dpor_node) * (size_t)cap);
    if (n == NULL) return -1;
    x->node = n;
    x->cap = cap;
    return 0;
}

static int dpor_decide(void *ctx, sim_run *run, const int *enabled, int n, sim_choice *out) {
    dpor_ctx *x = ctx;
    int d = run->step;
    if (d >= x->depth_max) return -1;
    if (d > 0 && (run->now_ns != x->node[d - 1].now_ns || run->fault_counts_read)) /* time jumped, or it read */
        dpor_made_global(&x->node[d - 1]);
    run->fault_counts_read = 0;
    sim_option opt[SIM_OPTIONS_MAX];
    int k = sim_exhaust_options(run, enabled, n, -1, 0, x->bounds, opt);
    if (d >= x->len) { /* a new point */
        if (dpor_grow(x, d + 1) != 0) {
            x->failed = 1;
            return -1;
        }
        dpor_node *v = &x->node[d];
        memset(v, 0, sizeof(*v));
        for (int i = 0; i < n; i++) {
            v->enabled |= UINT32_C(1) << enabled[i];
            v->next[enabled[i]] = dpor_footprint(run, &run->thread[enabled[i]]);
        }
        int env_end = k;
        for (int j = k - 1; j >= n && opt[j].kind == SIM_DEC_FAULT; j--) { /* store faults come last */
            int t = opt[j].thread;
            v->var_first[t] = (int16_t)j;
            v->var_count[t]++;
            v->next[t].wr |= v->next[t].rd; /* the group's footprint */
            env_end = j;
        }
        v->env_count = env_end - n;
        v->var_actor = -1;
        x->points++;
        x->options_sum += k;
        if (k > x->options_max) x->options_max = k;
        if (d > 0) { /* sleepers stay asleep while the event taken above is independent of their next one */
            const dpor_node *u = &x->node[d - 1];
            uint32_t cand = (u->sleep | u->done) & ~(u->actor == DPOR_ENV ? 0 : UINT32_C(1) << u->actor);
            for (uint32_t m = cand; m; m &= m - 1) {
                int q = __builtin_ctz(m);
                if (!dpor_dependent(&u->next[q], &u->ev)) v->sleep |= UINT32_C(1) << q;
            }
        }
        uint32_t awake = v->enabled & ~v->sleep;
        if (awake) {
            int p = __builtin_ctz(awake);
            v->backtrack = v->done = UINT32_C(1) << p;
            v->var_actor = p;
            for (int i = 0; i < n; i++)
                if (enabled[i] == p) v->chosen = i;
        } else if (v->env_count > 0) {
            v->chosen = n;
            v->env_next = 1;
        } else {
            x->blocked = 1;
            return -1;
        }
        x->len = d + 1;
    }
    dpor_node *v = &x->node[d];
    if (v->chosen >= k) return -1; /* cannot happen: the run is a pure function of the path */
    int last = -1, pre = 0;
    sim_option_choice(&opt[v->chosen], enabled, n, &last, &pre, out);
    v->actor =
        opt[v->chosen].kind == SIM_DEC_RUN || opt[v->chosen].kind == SIM_DEC_FAULT ? opt[v->chosen].thread : DPOR_ENV;
    v->ev = v->actor == DPOR_ENV ? (dpor_fp){0, 0, 0, -1, 1} : v->next[v->actor];
    v->now_ns = run->now_ns;
    x->depth = d + 1;
    return 0;
}

#define HB(j) (hb + (size_t)(j) * (size_t)words)
#define HAS(set, i) (((set)[(i) / 64] >> ((i) % 64)) & 1)

/* Reverses the race of events i < j: an initial of v (the events after i that do not happen after it, then e_j)
 * goes into the backtrack set before i, unless one is there or asleep; every enabled thread if none is enabled. */
static void dpor_reverse(dpor_ctx *x, const uint64_t *hb, int words, int i, int j) {
    dpor_node *ei = &x->node[i];
    uint32_t init = 0;
    int env_initial = 0;
    for (int k = i + 1; k <= j; k++) {
        if (k < j && HAS(HB(k), i)) continue;
        int first = 1;
        for (int m = i + 1; m < k && first; m++)
            if (!(m < j && HAS(HB(m), i)) && HAS(HB(k), m)) first = 0;
        if (!first) continue;
        if (x->node[k].actor == DPOR_ENV)
            env_initial = 1;
        else
            init |= UINT32_C(1) << x->node[k].actor;
    }
    if (env_initial && ei->env_count > 0) return; /* environment options are all explored anyway */
    if (init & (ei->backtrack | ei->sleep)) return;
    uint32_t can = init & ei->enabled;
    if (can)
        ei->backtrack |= can & -can;
    else
        ei->backtrack |= ei->enabled; /* not reversible as such: explore every thread here */
}

/* Race detection over the events of the execution just run (x->depth of them): see the file comment. A LOCK (or
 * ONCE) also races with the previous one on its object by another thread, though the release between them orders
 * the two in happens-before: reversing them is the other thread taking the lock first, which no adjacent pair of
 * events can show, since the later LOCK is disabled until the release (Abdulla et al. treat lock acquisitions so). */
static void dpor_races(dpor_ctx *x) {
    int n = x->depth, words = (n + 63) / 64;
    if (n < 2) return;
    uint64_t *hb = calloc((size_t)n * (size_t)words, sizeof(uint64_t)); /* hb[j]: events before j in happens-before */
    uint64_t *un = calloc((size_t)words, sizeof(uint64_t));
    if (hb == NULL || un == NULL) {
        x->failed = 1;
        free(hb);
        free(un);
        return;
    }
    for (int j = 0; j < n; j++) {
        const dpor_node *ej = &x->node[j];
        memset(un, 0, sizeof(uint64_t) * (size_t)words);
        for (int i = 0; i < j; i++) { /* direct predecessors: same thread or dependent */
            const dpor_node *ei = &x->node[i];
            if (ei->actor != ej->actor && !dpor_dependent(&ei->ev, &ej->ev)) continue;
            for (int w = 0; w < words; w++)
                HB(j)[w] |= HB(i)[w];
            HB(j)[i / 64] |= UINT64_C(1) << (i % 64);
            for (int w = 0; w < words; w++)
                un[w] |= HB(i)[w];
        }
        for (int i = 0; i < j; i++)
            if (x->node[i].actor != ej->actor && HAS(HB(j), i) && !HAS(un, i)) dpor_reverse(x, hb, words, i, j);
        if (ej->ev.block)
            for (int i = j - 1; i >= 0; i--)
                if (x->node[i].ev.block == ej->ev.block) {
                    if (x->node[i].actor != ej->actor) dpor_reverse(x, hb, words, i, j);
                    break;
                }
    }
    free(hb);
    free(un);
}
#undef HB
#undef HAS

/* Moves to the deepest point with something left to explore; returns 0 when there is none. */
static int dpor_backtrack(dpor_ctx *x) {
    for (int d = x->depth - 1; d >= 0; d--) {
        dpor_node *v = &x->node[d];
        uint32_t left = v->backtrack & v->enabled & ~v->done & ~v->sleep;
        int n = __builtin_popcount(v->enabled);
        if (v->var_actor >= 0 && v->var_next < v->var_count[v->var_actor]) { /* the thread's faulted ops, in turn */
            v->chosen = v->var_first[v->var_actor] + v->var_next++;
        } else if (left) {
            int p = __builtin_ctz(left);
            v->done |= UINT32_C(1) << p;
            v->var_actor = p;
            v->var_next = 0;
            v->chosen = __builtin_popcount(v->enabled & ((UINT32_C(1) << p) - 1)); /* threads come first, by index */
        } else if (v->env_next < v->env_count) {
            v->chosen = n + v->env_next++;
        } else {
            continue;
        }
        x->len = d + 1;
        return 1;
    }
    return 0;
}

/* After one execution ended (how: 'end'; sleep-set blocked or cut when aborted): the counts, the outcome, the first
 * violation's path (copied to first_path/first_len), the races. */
static void dpor_account(dpor_ctx *x, sim_run *run, const sim_exhaust_opts *o, sim_exhaust_result *res, sim_end end,
                         int32_t **first_path, int *first_len) {
    res->execs++;
    res->steps += run->step;
    sim__exhaust_probes(res, run);
    if (x->depth > 0 && run->fault_counts_read) dpor_made_global(&x->node[x->depth - 1]); /* the last event read */
    run->fault_counts_read = 0;
    if (x->blocked) {
        res->sleep_blocked++;
    } else if (end == SIM_END_ABORTED) {
        res->cut_by_depth = 1;
    } else {
        if (end == SIM_END_VIOLATION && x->depth > 0) {
            /* the event that violated ended the run: it disabled every other thread, whose next events are in no
             * trace yet. Each of them races with it, and reversing puts that thread first at its point. */
            dpor_made_global(&x->node[x->depth - 1]);
            x->node[x->depth - 1].backtrack |= x->node[x->depth - 1].enabled;
        }
        if (o->outcomes && sim_visited_add(o->outcomes, sim_state_outcome(run), 0) > 0) res->outcomes++;
    }
    if (end == SIM_END_VIOLATION && sim__exhaust_violated(res, o, run->violation.oracle) && res->violations++ == 0) {
        res->first = run->violation;
        free(*first_path);
        if ((*first_path = calloc((size_t)x->depth + 1, sizeof(int32_t))) != NULL) {
            for (int i = 0; i < x->depth; i++)
                (*first_path)[i] = x->node[i].chosen;
            *first_len = x->depth;
        }
    }
    dpor_races(x);
}

static void dpor_progress(const dpor_ctx *x, const sim_exhaust_result *res, sim_progress *pr) {
    int32_t *count = calloc((size_t)x->depth + 1, sizeof(int32_t) * 2);
    if (count == NULL) return;
    int32_t *path = count + x->depth + 1;
    for (int i = 0; i < x->depth; i++) {
        const dpor_node *v = &x->node[i];
        int vars = 0;
        for (int t = 0; t < SIM_THREADS_MAX; t++)
            vars += v->var_count[t];
        path[i] = __builtin_popcount(v->done) - 1 + v->env_next;
        count[i] = __builtin_popcount(v->backtrack | v->done) + v->env_count + vars;
    }
    sim__exhaust_progress(pr, res->execs, -1, sim_exhaust_fraction(path, count, x->depth), x->depth, res->violations);
    free(count);
}

/* The search with a snapshot at every point of the current path: a backtrack restores the point's state instead of
 * replaying from the root. Returns 0, or -1 if snapshots are not available here (the caller replays). */
static int dpor_with_snapshots(dpor_ctx *x, sim_run *run, const sim_exec_args *a, const sim_exhaust_opts *o,
                               sim_exhaust_result *res, int32_t **first_path, int *first_len, sim_progress *pr) {
    if (a->backend != NULL) return -1;
    sim_end end = sim_exec_begin(run, a);
    if (end != SIM_END_PASS) {
        res->setup_failed = 1;
        return 0;
    }
    if (!sim_state_supported(run)) {
        sim_exec_teardown(run);
        return -1;
    }
    sim_snapshots snaps;
    sim_snapshots_init(&snaps, (size_t)1 << 30);
    int64_t *at = NULL, *upto = NULL; /* each point's snapshot: where it starts, where it ends */
    int at_cap = 0;
    const sim_chooser no_chooser = {NULL, NULL, NULL, NULL};
    int enabled[SIM_THREADS_MAX];
    for (;;) {
        if (res->execs >= o->execs_max) break;
        if (sim__exhaust_must_stop(o, res)) break; /* SIGINT or --budget: the verdict says INCOMPLETE */
        x->blocked = 0;
        for (;;) {
            int n = sim_exec_until_decision(run, &no_chooser, enabled);
            if (n == 0) {
                end = sim_exec_finish(run);
                break;
            }
            int d = run->step;
            if (d >= x->len && d < x->depth_max) { /* a new point: keep its state for a later backtrack */
                if (d >= at_cap) {
                    int cap = at_cap ? at_cap * 2 : 256;
                    while (cap <= d)
                        cap *= 2;
                    int64_t *na = realloc(at, sizeof(int64_t) * (size_t)cap);
                    if (na) at = na;
                    int64_t *nu = na ? realloc(upto, sizeof(int64_t) * (size_t)cap) : NULL;
                    if (nu) upto = nu;
                    if (na == NULL || nu == NULL) {
                        x->failed = 1;
                        break;
                    }
                    at_cap = cap;
                }
                at[d] = sim_state_save(run, &snaps);
                upto[d] = (int64_t)snaps.len;
                if (at[d] < 0) {
                    x->failed = 1;
                    break;
                }
            }
            sim_choice c;
            if (dpor_decide(x, run, enabled, n, &c) != 0) {
                end = SIM_END_ABORTED;
                break;
            }
            sim_exec_apply(run, &c);
        }
        if (x->failed) {
            res->stopped = "out of memory (DPOR's snapshots)";
            break;
        }
        dpor_account(x, run, o, res, end, first_path, first_len);
        if (pr->on && (res->execs & 63) == 0) dpor_progress(x, res, pr);
        if (res->violations && !o->keep_going) break;
        if (!dpor_backtrack(x)) {
            res->complete = !x->failed;
            break;
        }
        int d = x->len - 1; /* the point whose next option is to be taken */
        sim_state_restore(run, &snaps, at[d]);
        sim_snapshots_truncate(&snaps, upto[d]);
    }
    sim_exec_teardown(run);
    if ((size_t)snaps.cap > res->memory_bytes) res->memory_bytes = snaps.cap;
    sim_snapshots_free(&snaps);
    free(at);
    free(upto);
    return 0;
}

void sim__exhaust_dpor(sim_run *run, const sim_config *cfg, const sim_exhaust_opts *o, sim_exhaust_result *res,
                       sim_schedule *first) {
    dpor_ctx x;
    memset(&x, 0, sizeof(x));
    res->bounds.preemptions_max = -1; /* every preemption: a bound would need extra branches DPOR does not add */
    x.bounds = &res->bounds;
    int steps_max = (int)cfg->param[sim_param_index(cfg->scenario, "steps_max")];
    x.depth_max = o->depth_limit > 0 && o->depth_limit < steps_max ? o->depth_limit : steps_max;
    int32_t *first_path = NULL;
    int first_len = -1;
    sim_progress pr;
    sim_progress_init(&pr, o->progress); /* real time for the progress line only */
    sim_exec_args a = {cfg->scenario, cfg->variant, cfg->param, o->seed, 0, 0, cfg->backend, cfg->ignore_oracles};
    if (dpor_with_snapshots(&x, run, &a, o, res, &first_path, &first_len, &pr) != 0) {
        sim_chooser ch = {&x, dpor_decide, NULL, NULL}; /* a real store cannot be restored: replay from the root */
        for (;;) {
            if (res->execs >= o->execs_max) break;
            if (sim__exhaust_must_stop(o, res)) break; /* SIGINT or --budget: the verdict says INCOMPLETE */
            x.depth = 0;
            x.blocked = 0;
            sim_end end = sim_execute(run, &a, &ch);
            if (x.failed) {
                res->stopped = "out of memory";
                break;
            }
            if (end == SIM_END_SETUP || end == SIM_END_BACKEND) {
                res->setup_failed = 1;
                break;
            }
            dpor_account(&x, run, o, res, end, &first_path, &first_len);
            if (pr.on && (res->execs & 63) == 0) dpor_progress(&x, res, &pr);
            if (res->violations && !o->keep_going) break;
            if (!dpor_backtrack(&x)) {
                res->complete = !x.failed;
                break;
            }
        }
    }
    sim_progress_done(&pr);
    if (first && first_path && first_len >= 0)
        sim_exhaust_record(run, cfg, o->seed, x.bounds, first_path, first_len, first);
    res->memory_bytes += sizeof(dpor_node) * (size_t)x.cap;
    res->points = x.points;
    res->options_sum = x.options_sum;
    res->options_max = x.options_max;
    free(first_path);
    free(x.node);
}
