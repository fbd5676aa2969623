/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_env.c: the lk_env of a simulated process, and the scenario API (sim_scenario.h).
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

#include "sim/engine/sim_sched.h"

/* ---- entropy: xoshiro256** seeded by splitmix64 ----------------------------------------------------------------- */

static uint64_t env_rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

uint64_t sim__rng_next(uint64_t s[4]) {
    uint64_t r = env_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = env_rotl(s[3], 45);
    return r;
}

void sim__rng_seed(uint64_t s[4], uint64_t seed) {
    for (int i = 0; i < 4; i++) {
        uint64_t z = (seed += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        s[i] = z ^ (z >> 31);
    }
}

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
static lk_mono_ns env_mono_ns(void *ctx) {
    sim_process *p = ctx;
    int64_t t = p->run->now_ns;
    return p->drift_ppm == 0 ? t : t + (t / 1000000) * p->drift_ppm + (t % 1000000) * p->drift_ppm / 1000000;
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
    return env_stop(t);
}

static lk_rc env_entropy(void *ctx, void *buf, size_t len) {
    sim_process *p = ctx;
    sim_run *run = p->run;
    uint64_t *s = run->current >= 0 ? run->thread[run->current].rng : run->rng;
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

static lk_rc env_mutex_new(void *ctx, const char *name, void **out) {
    sim_process *p = ctx;
    sim_run *run = p->run;
    if (run->mutex_count == SIM_MUTEXES_MAX) return LK_ENOMEM;
    sim_mutex *m = &run->mutex[run->mutex_count++];
    m->proc = p->idx;
    m->holder = -1;
    if (lk__copy_str(m->name, sizeof(m->name), name ? name : "mutex") != LK_OK)
        lk__copy_str(m->name, sizeof(m->name), "mutex");
    *out = m;
    return LK_OK;
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

static void env_metric_add(void *ctx, lk_metric metric, int64_t delta) {
    sim_process *p = ctx;
    p->metrics.value[metric] += delta;
}

void sim__process_env_init(sim_process *p) {
    p->env.clock = (lk_clock){p, env_mono_ns, env_wall_ms, env_sleep_ns};
    p->env.store = (lk_store){p, env_store_exec};
    p->env.entropy = (lk_entropy){p, env_entropy};
    p->env.sync =
        (lk_sync){p, env_mutex_new, env_mutex_free, env_mutex_lock, env_mutex_unlock, env_mutex_held, env_once};
    p->env.alloc = (lk_alloc){p, env_alloc, env_free};
    p->env.task = (lk_task){p, env_task_start, env_task_join};
    p->env.yield = (lk_yield){p, env_yield};
    p->env.metrics = (lk_metrics){p, env_metric_add};
}

/* ---- scenario API ----------------------------------------------------------------------------------------------- */

int64_t sim_param(const sim_run *run, const char *name) {
    int i = sim_param_index(run->scenario, name);
    assert(i >= 0 && "the scenario must declare every parameter it reads");
    return i >= 0 ? run->param[i] : 0;
}

int sim_variant(const sim_run *run) {
    return run->variant;
}

const char *sim_variant_name(const sim_run *run) {
    return run->scenario->variants[run->variant].name;
}

void *sim_state_alloc(sim_run *run, size_t size) {
    return sim__heap_alloc(run, size);
}

void sim_state_set(sim_run *run, void *state) {
    run->scenario_state = state;
}

void *sim_state(const sim_run *run) {
    return run->scenario_state;
}

int sim_process_new(sim_run *run, const char *name) {
    if (run->proc_count == SIM_PROCS_MAX) {
        sim_setup_error(run, "more than %d processes", SIM_PROCS_MAX);
        return -1;
    }
    sim_process *p = &run->proc[run->proc_count];
    p->run = run;
    p->idx = run->proc_count;
    if (lk__copy_str(p->name, sizeof(p->name), name) != LK_OK) {
        sim_setup_error(run, "process name too long");
        return -1;
    }
    sim__process_env_init(p);
    int64_t drift = sim__builtin(run, SIM_PARAM_DRIFT_PPM);
    p->drift_ppm = p->idx % 2 == 0 ? drift : -drift; /* p1 (index 0) fast, p2 slow, ... */
    return run->proc_count++;
}

const lk_env *sim_process_env(sim_run *run, int proc) {
    assert(proc >= 0 && proc < run->proc_count);
    return &run->proc[proc].env;
}

int sim_clients_new(sim_run *run, int n, int64_t start_gap_ns, sim_thread_fn fn, void *arg) {
    for (int i = 1; i <= n; i++) {
        char pname[16], tname[16];
        snprintf(pname, sizeof(pname), "p%d", i);
        snprintf(tname, sizeof(tname), "c%d", i);
        int p = sim_process_new(run, pname);
        if (p < 0 || sim_thread_new(run, p, tname, (int64_t)(i - 1) * start_gap_ns, fn, arg) < 0) return -1;
    }
    return 0;
}

void sim_thread_admin(sim_run *run, int thread) {
    assert(thread >= 0 && thread < run->thread_count);
    run->thread[thread].admin = 1;
}

int sim_lock_key(sim_run *run, const char *key) {
    sim_oracle_state *o = &run->oracle;
    for (int i = 0; i < o->lock_key_count; i++)
        if (strcmp(o->lock_key[i], key) == 0) return 0;
    if (o->lock_key_count == SIM_LOCK_KEYS_MAX || strlen(key) >= LK_KEY_MAX) {
        sim_setup_error(run, "too many lock keys (at most %d) or key too long", SIM_LOCK_KEYS_MAX);
        return -1;
    }
    lk__copy_str(o->lock_key[o->lock_key_count++], LK_KEY_MAX, key);
    return 0;
}

void sim_setup_error(sim_run *run, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(run->setup_error, sizeof(run->setup_error), fmt, ap);
    va_end(ap);
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

int sim_resource_new(sim_run *run, const char *name, const char *lock_key, int fencing) {
    if (run->resource_count == SIM_RESOURCES_MAX) {
        sim_setup_error(run, "more than %d resources", SIM_RESOURCES_MAX);
        return -1;
    }
    sim_resource *r = &run->resource[run->resource_count];
    if (lk__copy_str(r->name, sizeof(r->name), name) != LK_OK ||
        lk__copy_str(r->lock_key, sizeof(r->lock_key), lock_key) != LK_OK) {
        sim_setup_error(run, "resource or lock key name too long");
        return -1;
    }
    r->fencing = fencing;
    for (int i = 0; i < SIM_THREADS_MAX; i++)
        r->read_version[i] = -1;
    return run->resource_count++;
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

int64_t sim_resource_value(const sim_run *run, int res) {
    return run->resource[res].value;
}

int64_t sim_resource_writes(const sim_run *run, int res) {
    return run->resource[res].version;
}

int sim_resource_refused(const sim_run *run, int res) {
    return run->resource[res].refused;
}

void sim_belief(sim_thread *self, const char *key, lk_mono_ns checked_mono_ns) {
    sim_event(self, "believes", key, checked_mono_ns);
}

int sim_advances(const sim_run *run) {
    return run->advances;
}

int64_t sim_metric(const sim_run *run, int proc, lk_metric m) {
    assert(proc >= 0 && proc < run->proc_count && (unsigned)m < LK_METRIC_COUNT_);
    return run->proc[proc].metrics.value[m];
}

int sim_crashes(const sim_run *run) {
    return run->crashes;
}

int sim_faults(const sim_run *run) {
    return run->faults;
}

int64_t sim_now_ns(const sim_run *run) {
    return run->now_ns;
}

static const char *const probe_names[] = {
#define X(name, label, doc) label,
    SIM_PROBE_MAP(X)
#undef X
};
static const char *const probe_docs[] = {
#define X(name, label, doc) doc,
    SIM_PROBE_MAP(X)
#undef X
};

const char *sim_probe_name(int p) {
    return p >= 0 && p < SIM_PROBE_COUNT_ ? probe_names[p] : "?";
}

const char *sim_probe_doc(int p) {
    return p >= 0 && p < SIM_PROBE_COUNT_ ? probe_docs[p] : "?";
}

int sim_store_peek(const sim_run *run, const char *key, char *value) {
    return sim_store_model_peek(&run->store, sim__server_ms(run, run->now_ns), key, value);
}

int64_t sim_store_peek_int(const sim_run *run, const char *key) {
    char v[LK_VALUE_MAX];
    if (!sim_store_peek(run, key, v)) return 0;
    char *end = NULL;
    long long x = strtoll(v, &end, 10);
    return *end == '\0' ? x : 0;
}

void sim__note(sim_run *run, const char *oracle, const char *fmt, ...) {
    if (run->oracle_silent) return;
    if (run->note_count == SIM_NOTES_MAX) {
        run->notes_dropped++;
        return;
    }
    sim_note *n = &run->note[run->note_count++];
    n->step = run->step;
    lk__copy_str(n->oracle, sizeof(n->oracle), oracle);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(n->msg, sizeof(n->msg), fmt, ap);
    va_end(ap);
}

void sim__violation(sim_run *run, const char *oracle, const char *fmt, ...) {
    if (run->violation.set || run->oracle_silent) return;
    run->violation.set = 1;
    run->violation.step = run->step;
    lk__copy_str(run->violation.oracle, sizeof(run->violation.oracle), oracle);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(run->violation.msg, sizeof(run->violation.msg), fmt, ap);
    va_end(ap);
}

void sim_violation(sim_run *run, const char *oracle, const char *fmt, ...) {
    if (run->violation.set) return;
    char msg[SIM_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    sim__violation(run, oracle, "%s", msg);
}
