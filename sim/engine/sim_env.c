/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_env.c: the lk_env of a simulated process, and the thread half of the scenario API (sim_scenario.h): the calls
 * a thread body makes that are scheduling points. The setup half is sim_world.c.
 *
 * Each visible verb fills the calling thread's pending op and suspends its fiber; the scheduler performs the op when
 * it picks the thread and resumes it with the result in place (sim_sched.c). Clock reads, entropy, alloc and metrics
 * return at once and are never scheduling points.
 * Invariant: a verb runs on a virtual thread (run->current >= 0), except alloc, entropy and clock reads, which
 * setup may call too. Never: touch memory outside the arena, or read real time.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/sim_env.h"

#include "sim/engine/sim_sched.h"
#include "sim/run/sim_arena.h"
#include "sim/run/sim_ids.h"
#include "sim/run/sim_params.h"
#include "sim/run/sim_rng.h"
#include "sim/run/sim_verdict.h"

/* ---- verbs ------------------------------------------------------------------------------------------------------ */

static sim_thread *env_self(sim_process *p) {
    sim_run *run = p->run;
    assert(run->current >= 0 && run->thread[run->current].proc == p->idx);
    return &run->thread[run->current];
}

/* Stops the calling thread at the op in t->pend; returns its result once the scheduler performed it. */
static lk_rc env_stop(sim_thread *t) {
    t->state = SIM_T_PENDING;
    sim_fiber_suspend(&t->run->host, &t->fiber);
    assert(t->state == SIM_T_RUNNING);
    return t->pend.rc;
}

static sim_thread *env_begin(sim_process *p, sim_vop vop) {
    sim_thread *t = env_self(p);
    memset(&t->pend, 0, sizeof(t->pend));
    t->pend.vop = vop;
    return t;
}

/* Virtual time, drifting by the process's ppm (integer math: exact and the same on every machine). */
lk_mono_ns sim__proc_mono_ns(const sim_process *p) {
    int64_t t = p->run->now_ns;
    return p->drift_ppm == 0 ? t : t + (t / 1000000) * p->drift_ppm + (t % 1000000) * p->drift_ppm / 1000000;
}

static lk_mono_ns env_mono_ns(void *ctx) {
    return sim__proc_mono_ns(ctx);
}

static lk_wall_ms env_wall_ms(void *ctx) {
    sim_process *p = ctx;
    return SIM_EPOCH_WALL_MS + p->run->now_ns / 1000000 + p->wall_offset_ms;
}

static lk_rc env_sleep_ns(void *ctx, int64_t ns) {
    sim_thread *t = env_begin(ctx, SIM_VOP_SLEEP);
    t->pend.ns = ns;
    return env_stop(t);
}

static lk_rc env_store_exec(void *ctx, const lk_store_op *op, lk_store_reply *reply) {
    sim_thread *t = env_begin(ctx, SIM_VOP_STORE);
    t->pend.op = *op;
    t->pend.reply = reply;
    return env_stop(t); /* the scheduler keeps the metric agreement's record of an ACQUIRE (sim_sched.c) */
}

static lk_rc env_entropy(void *ctx, void *buf, size_t len) {
    sim_process *p = ctx;
    sim_run *run = p->run;
    uint64_t *s = run->current >= 0 ? run->thread[run->current].rng : run->rng;
    if (sim__builtin(run, SIM_PARAM_ENTROPY) == SIM_ENTROPY_IDS) /* the stream is a count (sim_ids.h) */
        return sim__ids_fill(buf, len, run->current >= 0 ? (unsigned)run->current : SIM_ID_SETUP, &s[0]) == 0
                   ? LK_OK
                   : LK_EENTROPY;
    unsigned char *out = buf;
    while (len > 0) {
        uint64_t r = sim__rng_next(s);
        size_t n = len < 8 ? len : 8;
        memcpy(out, &r, n);
        out += n;
        len -= n;
    }
    return LK_OK;
}

static lk_rc env_sync_new(sim_process *p, const char *name, int is_wake, void **out) {
    sim_run *run = p->run;
    if (run->mutex_count == SIM_MUTEXES_MAX) return LK_ENOMEM;
    sim_mutex *m = &run->mutex[run->mutex_count++];
    m->proc = p->idx;
    m->holder = -1;
    m->is_wake = is_wake;
    const char *fallback = is_wake ? "wake" : "mutex";
    if (lk_copy_str(m->name, sizeof(m->name), name ? name : fallback) != LK_OK)
        lk_copy_str(m->name, sizeof(m->name), fallback);
    *out = m;
    return LK_OK;
}

static lk_rc env_mutex_new(void *ctx, const char *name, void **out) {
    return env_sync_new(ctx, name, 0, out);
}

static void env_mutex_free(void *ctx, void *mu) {
    (void)ctx;
    (void)mu; /* slots live until the execution ends */
}

static lk_rc env_mutex_op(void *ctx, void *mu, sim_vop vop) {
    sim_process *p = ctx;
    sim_thread *t = env_begin(p, vop);
    t->pend.obj = (int)((sim_mutex *)mu - p->run->mutex);
    return env_stop(t);
}

static lk_rc env_mutex_lock(void *ctx, void *mu) {
    return env_mutex_op(ctx, mu, SIM_VOP_LOCK);
}

static void env_mutex_unlock(void *ctx, void *mu) {
    env_mutex_op(ctx, mu, SIM_VOP_UNLOCK);
}

static int env_mutex_held(void *ctx, void *mu) {
    sim_process *p = ctx;
    return p->run->current >= 0 && ((sim_mutex *)mu)->holder == p->run->current;
}

static lk_rc env_wake_new(void *ctx, const char *name, void **out) {
    return env_sync_new(ctx, name, 1, out);
}

/* The scheduler performs the wait: at once when a wake is kept, else it waits to the timeout unless a wake op of
 * another thread ends it first (sim_sched.c). */
static lk_rc env_wait(void *ctx, void *w, int64_t timeout_ns) {
    sim_process *p = ctx;
    sim_thread *t = env_begin(p, SIM_VOP_WAIT);
    t->pend.obj = (int)((sim_mutex *)w - p->run->mutex);
    t->pend.ns = timeout_ns;
    return env_stop(t);
}

static void env_wake(void *ctx, void *w) {
    env_mutex_op(ctx, w, SIM_VOP_WAKE);
}

/* The scheduler sets pend.out = 1 when this caller must run fn (it marked *flag as running, 2). */
static lk_rc env_once(void *ctx, int *flag, void (*fn)(void *), void *arg) {
    sim_thread *t = env_begin(ctx, SIM_VOP_ONCE);
    t->pend.flag = flag;
    lk_rc rc = env_stop(t);
    if (rc == LK_OK && t->pend.out == 1) {
        fn(arg);
        *flag = 1;
        t->once_running = NULL;
    }
    return rc;
}

static void *env_alloc(void *ctx, size_t size) {
    sim_process *p = ctx;
    return sim__heap_alloc(p->run, size);
}

static void env_free(void *ctx, void *ptr) {
    sim_process *p = ctx;
    sim__heap_free(p->run, ptr);
}

static lk_rc env_task_start(void *ctx, const char *name, void (*fn)(void *), void *arg, void **out) {
    sim_process *p = ctx;
    sim_thread *t = env_begin(p, SIM_VOP_TASK_START);
    t->pend.label = name ? name : "task";
    t->pend.task_fn = fn;
    t->pend.task_arg = arg;
    lk_rc rc = env_stop(t);
    if (rc == LK_OK) *out = &p->run->thread[t->pend.out];
    return rc;
}

static lk_rc env_task_join(void *ctx, void *task) {
    sim_process *p = ctx;
    sim_thread *t = env_begin(p, SIM_VOP_TASK_JOIN);
    t->pend.obj = ((sim_thread *)task)->idx;
    return env_stop(t);
}

static void env_yield(void *ctx, const char *label) {
    sim_thread *t = env_begin(ctx, SIM_VOP_YIELD);
    t->pend.label = label;
    env_stop(t);
}

/* metric_agreement: a lock metric must say what the thread's store ops and clock say. Its open acquire began with
 * the first op of an acquire it sent since its last acquire result was counted (an ACQUIRE, or a command a scripted
 * lock marked LK_CMD_ACQUIRE_*); a wait observation must equal the local clock's time since that send, and a result
 * must match the latest try's reply. A wake-up that came (LK_CMD_ACQUIRE_WAKE) may hand the lock over or be stale:
 * the lock decides, so either is accepted until its next try. */
static void metric_agreement(sim_run *run, sim_thread *t, sim_process *p, lk_metric metric, int64_t value) {
    int last = t->acquire_last, open = t->acquire_start_mono_ns >= 0;
    if (!open && last == SIM_ACQ_UNSEEN) return; /* a scripted acquire whose ops are not marked: nothing to read */
    const char *want = NULL;
    switch (metric) {
    case LK_METRIC_ACQUIRE_WAIT_ACQUIRED:
    case LK_METRIC_ACQUIRE_WAIT_TIMEOUT:
    case LK_METRIC_ACQUIRE_WAIT_ERROR: {
        int64_t waited = open ? sim__proc_mono_ns(p) - t->acquire_start_mono_ns : 0;
        if (value != waited)
            sim__violation(run, "metric_agreement",
                           "%s observed an acquire wait of %lldns (result %s), but %lldns passed on its clock since "
                           "the acquire's first try",
                           t->name, (long long)value, lk_metric_result(metric), (long long)waited);
        return;
    }
    case LK_METRIC_ATTEMPT_ACQUIRED:
        want = last == LK_ACQUIRED || last == SIM_ACQ_WOKEN ? NULL : "a try answered acquired, or a wake-up";
        break;
    case LK_METRIC_ATTEMPT_ALREADY_MINE: want = last == LK_ALREADY_MINE ? NULL : "a try answered already-mine"; break;
    case LK_METRIC_ATTEMPT_BUSY:
    case LK_METRIC_ACQUIRE_BUSY: want = last == LK_LOCKED ? NULL : "a try answered locked"; break;
    case LK_METRIC_ACQUIRE_ACQUIRED:
        want =
            last == LK_ACQUIRED || last == LK_ALREADY_MINE || last == SIM_ACQ_WOKEN ? NULL : "a try that got the lock";
        break;
    case LK_METRIC_ACQUIRE_TIMEOUT:
        want = open && last != LK_ACQUIRED && last != LK_ALREADY_MINE ? NULL : "a try, none of which got the lock";
        break;
    case LK_METRIC_ACQUIRE_ERROR: break; /* any try, or none (the token's entropy failed) */
    default: return;
    }
    if (want != NULL)
        sim__violation(run, "metric_agreement", "%s counted %s=\"%s\", but its latest acquire try %s (wanted %s)",
                       t->name, lk_family_name(lk_metric_family(metric)), lk_metric_result(metric),
                       !open                    ? "was never sent (or was counted already)"
                       : last == LK_NONE        ? "ended in a store error"
                       : last == SIM_ACQ_WOKEN  ? "was a wake-up"
                       : last == SIM_ACQ_UNSEEN ? "was a script the lock did not mark"
                                                : lk_outcome_label((lk_outcome)last),
                       want);
    if (lk_metric_family(metric) == LK_FAMILY_ACQUIRES) { /* the acquire is over */
        t->acquire_start_mono_ns = -1;
        t->acquire_last = SIM_ACQ_COUNTED;
    }
}

static void env_metric_add(void *ctx, lk_metric metric, const char *kind, int64_t value) {
    sim_process *p = ctx;
    if (p->run->keep_metrics || p->run->scenario->reads_metrics) /* nobody else reads them: searches skip the work */
        lk_metric_set_add(&p->metrics, metric, kind, value);
    if (p->run->current >= 0) metric_agreement(p->run, &p->run->thread[p->run->current], p, metric, value);
}

void sim__process_env_init(sim_process *p) {
    p->env.clock = (lk_clock){p, env_mono_ns, env_wall_ms, env_sleep_ns};
    p->env.store = (lk_store){p, env_store_exec};
    p->env.entropy = (lk_entropy){p, env_entropy};
    p->env.sync = (lk_sync){p,        env_mutex_new, env_mutex_free, env_mutex_lock, env_mutex_unlock, env_mutex_held,
                            env_once, env_wake_new,  env_mutex_free, env_wait,       env_wake};
    p->env.alloc = (lk_alloc){p, env_alloc, env_free};
    p->env.task = (lk_task){p, env_task_start, env_task_join};
    p->env.yield = (lk_yield){p, env_yield};
    p->env.metrics = (lk_metrics){p, env_metric_add};
}

const lk_env *sim_env(const sim_thread *self) {
    return &self->run->proc[self->proc].env;
}

sim_run *sim_thread_run(const sim_thread *self) {
    return self->run;
}

void sim_event(sim_thread *self, const char *name, const char *key, int64_t num) {
    sim_thread *t = env_begin(&self->run->proc[self->proc], SIM_VOP_EVENT);
    t->pend.label = name;
    t->pend.key = key;
    t->pend.num = num;
    env_stop(t);
}

static lk_rc env_resource_op(sim_thread *self, int res, int op, int64_t fence, int64_t *value) {
    assert(res >= 0 && res < self->run->resource_count);
    sim_thread *t = env_begin(&self->run->proc[self->proc], SIM_VOP_RESOURCE);
    t->pend.obj = res;
    t->pend.res_op = op;
    t->pend.num = fence;
    t->pend.res_value = *value;
    lk_rc rc = env_stop(t);
    *value = t->pend.res_value;
    return rc;
}

lk_rc sim_resource_read(sim_thread *self, int res, int64_t fence, int64_t *value) {
    *value = 0;
    return env_resource_op(self, res, SIM_RES_READ, fence, value);
}

lk_rc sim_resource_write(sim_thread *self, int res, int64_t fence, int64_t value) {
    return env_resource_op(self, res, SIM_RES_WRITE, fence, &value);
}

lk_rc sim_resource_increment(sim_thread *self, int res, int64_t fence, int64_t work_ns) {
    int64_t v = 0;
    lk_rc rc = sim_resource_read(self, res, fence, &v);
    if (rc != LK_OK) return rc;
    lk_env_sleep_ns(sim_env(self), work_ns);
    return sim_resource_write(self, res, fence, v + 1);
}

void sim_resource_floor(sim_thread *self, int res, int64_t floor) {
    int64_t unused = 0;
    env_resource_op(self, res, SIM_RES_FLOOR, floor, &unused);
}

void sim_belief(sim_thread *self, const char *key, lk_mono_ns checked_mono_ns) {
    sim_event(self, "believes", key, checked_mono_ns);
}

void sim__thread_start_yield(sim_thread *self, void *arg) {
    lk_env_yield(sim_env(self), "start");
    self->body(self, arg);
}
