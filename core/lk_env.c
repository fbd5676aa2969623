/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lk_env.c: the wrappers through which core calls its environment, and the op, outcome and metric tables.
 *
 * Invariant: every call from core to the world passes through one function in this file, so asserts and checks
 * live in one place. Nothing here is a scheduling point by itself; the env's verbs decide that.
 */
#include "core/lk_env.h"
#include "core/lk_command.h"

#include <assert.h>
#include <string.h>

static const char *const op_labels[] = {
#define X(name, label, doc) label,
    LK_OP_MAP(X)
#undef X
};
static const char *const op_docs[] = {
#define X(name, label, doc) doc,
    LK_OP_MAP(X)
#undef X
};
static const char *const outcome_labels[] = {
#define X(name, label) label,
    LK_OUTCOME_MAP(X)
#undef X
};
static const struct {
    const char *name, *type, *help;
    int labels;
} family_table[] = {
#define X(name, prom, type, labels, help) {prom, type, help, labels},
    LK_FAMILY_MAP(X)
#undef X
};
static const struct {
    lk_family family;
    const char *result;
} metric_table[] = {
#define X(name, family, result) {LK_FAMILY_##family, result},
    LK_METRIC_MAP(X)
#undef X
};

const char *lk_op_label(lk_op_kind kind) {
    return (unsigned)kind < LK_OP_COUNT_ ? op_labels[kind] : "?";
}
const char *lk_op_doc(lk_op_kind kind) {
    return (unsigned)kind < LK_OP_COUNT_ ? op_docs[kind] : "?";
}
const char *lk_outcome_label(lk_outcome outcome) {
    return (unsigned)outcome < LK_OUTCOME_COUNT_ ? outcome_labels[outcome] : "?";
}
lk_family lk_metric_family(lk_metric metric) {
    assert((unsigned)metric < LK_METRIC_COUNT_);
    return metric_table[metric].family;
}
const char *lk_metric_result(lk_metric metric) {
    return (unsigned)metric < LK_METRIC_COUNT_ ? metric_table[metric].result : "?";
}
const char *lk_family_name(lk_family family) {
    return (unsigned)family < LK_FAMILY_COUNT_ ? family_table[family].name : "?";
}
const char *lk_family_type(lk_family family) {
    return (unsigned)family < LK_FAMILY_COUNT_ ? family_table[family].type : "?";
}
int lk_family_labels(lk_family family) {
    return (unsigned)family < LK_FAMILY_COUNT_ ? family_table[family].labels : 0;
}
const char *lk_family_help(lk_family family) {
    return (unsigned)family < LK_FAMILY_COUNT_ ? family_table[family].help : "?";
}

int lk_metric_kind_valid(const char *kind) {
    if (kind == NULL || !(kind[0] >= 'a' && kind[0] <= 'z')) return 0;
    size_t n = 0;
    for (; kind[n] != '\0'; n++) {
        char c = kind[n];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return 0;
    }
    return n < LK_METRIC_KIND_LEN;
}

/* Which keys each op reads and writes. The fence counter (aux key) is written by ACQUIRE only. */
void lk_store_op_keys(const lk_store_op *op, lk_key_set *set) {
    assert(op != NULL && set != NULL);
    memset(set, 0, sizeof(*set));
    set->keys[0] = op->key;
    set->count = 1;
    switch (op->kind) {
    case LK_OP_GET:
    case LK_OP_PTTL: set->writes[0] = 0; break;
    case LK_OP_SCAN_DEL:
        set->writes[0] = 1;
        set->is_prefix = 1;
        break;
    case LK_OP_SCAN: set->is_prefix = 1; break;
    case LK_OP_READ:    /* the caller's connection only, but what others published: every key, as a write */
    case LK_OP_COMMAND: /* any keys: every key, as a write (the explorer derives finer footprints from the table) */
        set->keys[0] = "";
        set->writes[0] = 1;
        set->is_prefix = 1;
        break;
    case LK_OP_ACQUIRE:
        set->writes[0] = 1;
        set->keys[1] = op->aux_key;
        set->writes[1] = 1;
        set->count = 2;
        if (op->epoch_key) set->keys[set->count++] = op->epoch_key; /* read only */
        break;
    default: set->writes[0] = 1; break;
    }
}

lk_rc lk_store_op_check(const lk_store_op *op) {
    if (op->key == NULL || strlen(op->key) >= LK_KEY_MAX) return LK_EINVAL;
    if (op->kind == LK_OP_READ) return op->ttl_ms >= 0 ? LK_OK : LK_EINVAL;
    if (op->kind == LK_OP_COMMAND) {
        if (op->argc < 1 || op->argc > LK_COMMAND_ARGS_MAX || op->argv == NULL) return LK_EINVAL;
        for (int i = 0; i < op->argc; i++)
            if (op->argv[i] == NULL) return LK_EINVAL;
        return LK_OK;
    }
    if ((op->aux_key && strlen(op->aux_key) >= LK_KEY_MAX) || (op->epoch_key && strlen(op->epoch_key) >= LK_KEY_MAX))
        return LK_EINVAL;
    if (op->kind == LK_OP_SET && (op->ttl_ms < 0 || op->value == NULL)) return LK_EINVAL;
    if (op->value == NULL) return LK_OK;
    int token = op->kind == LK_OP_ACQUIRE || op->kind == LK_OP_RELEASE || op->kind == LK_OP_EXTEND;
    if (!token) return strlen(op->value) < LK_VALUE_MAX ? LK_OK : LK_EINVAL;
    if (op->value[0] == '\0' || strlen(op->value) >= LK_VALUE_MAX - 21 || strchr(op->value, ':') != NULL)
        return LK_EINVAL;
    return LK_OK;
}

lk_rc lk_env_check(const lk_env *env, const char **missing) {
    const char *m = NULL;
    if (env == NULL)
        m = "env";
    else if (!env->clock.mono_ns)
        m = "clock.mono_ns";
    else if (!env->clock.wall_ms)
        m = "clock.wall_ms";
    else if (!env->clock.sleep_ns)
        m = "clock.sleep_ns";
    else if (!env->store.exec)
        m = "store.exec";
    else if (!env->entropy.fill)
        m = "entropy.fill";
    else if (!env->sync.mutex_new)
        m = "sync.mutex_new";
    else if (!env->sync.mutex_free)
        m = "sync.mutex_free";
    else if (!env->sync.mutex_lock)
        m = "sync.mutex_lock";
    else if (!env->sync.mutex_unlock)
        m = "sync.mutex_unlock";
    else if (!env->sync.mutex_held)
        m = "sync.mutex_held";
    else if (!env->sync.once)
        m = "sync.once";
    else if (!env->sync.wake_new)
        m = "sync.wake_new";
    else if (!env->sync.wake_free)
        m = "sync.wake_free";
    else if (!env->sync.wait)
        m = "sync.wait";
    else if (!env->sync.wake)
        m = "sync.wake";
    else if (!env->alloc.alloc)
        m = "alloc.alloc";
    else if (!env->alloc.free)
        m = "alloc.free";
    else if (!env->task.start)
        m = "task.start";
    else if (!env->task.join)
        m = "task.join";
    else if (!env->yield.yield)
        m = "yield.yield";
    else if (!env->metrics.add)
        m = "metrics.add";
    if (missing) *missing = m;
    return m ? LK_EMISUSE : LK_OK;
}

lk_mono_ns lk_env_mono_ns(const lk_env *env) {
    return env->clock.mono_ns(env->clock.ctx);
}
lk_wall_ms lk_env_wall_ms(const lk_env *env) {
    return env->clock.wall_ms(env->clock.ctx);
}
lk_rc lk_env_sleep_ns(const lk_env *env, int64_t ns) {
    assert(ns >= 0);
    return env->clock.sleep_ns(env->clock.ctx, ns);
}

lk_rc lk_env_store_exec(const lk_env *env, const lk_store_op *op, lk_store_reply *reply) {
    assert(op != NULL && reply != NULL);
    assert((unsigned)op->kind < LK_OP_COUNT_ && op->key != NULL);
    int resp = op->kind == LK_OP_COMMAND || op->kind == LK_OP_READ; /* a RESP-shaped reply */
    assert(!resp || reply->resp != NULL);
    if (!resp) reply->resp = NULL; /* a fixed op's caller may leave the reply uninitialized */
    lk_store_reply_reset(reply);
    lk_rc rc = env->store.exec(env->store.ctx, op, reply);
    if (rc != LK_OK) lk_store_reply_reset(reply);
    assert(rc != LK_OK || reply->outcome != LK_NONE || resp);
    return rc;
}

lk_rc lk_env_command_next(const lk_env *env, lk_reply *reply, int64_t timeout_ms) {
    assert(reply != NULL);
    lk_reply_clear(reply);
    if (timeout_ms < 0) return LK_EINVAL;
    lk_store_op op;
    memset(&op, 0, sizeof(op));
    op.kind = LK_OP_READ;
    op.key = "";
    op.ttl_ms = timeout_ms;
    lk_store_reply r;
    memset(&r, 0, sizeof(r));
    r.resp = reply;
    return lk_env_store_exec(env, &op, &r);
}

lk_rc lk_env_command(const lk_env *env, lk_reply *reply, int argc, const char *const *argv, const size_t *argv_len) {
    return lk_env_command_as(env, 0, reply, argc, argv, argv_len);
}

lk_rc lk_env_command_as(const lk_env *env, unsigned flags, lk_reply *reply, int argc, const char *const *argv,
                        const size_t *argv_len) {
    assert(reply != NULL);
    lk_reply_clear(reply);
    if (argc < 1 || argc > LK_COMMAND_ARGS_MAX || argv == NULL) return LK_EINVAL;
    lk_store_op op;
    memset(&op, 0, sizeof(op));
    op.kind = LK_OP_COMMAND;
    op.key = "";
    op.flags = flags;
    op.argc = argc;
    op.argv = argv;
    op.argv_len = argv_len;
    lk_store_reply r;
    memset(&r, 0, sizeof(r));
    r.resp = reply;
    return lk_env_store_exec(env, &op, &r);
}

lk_rc lk_env_entropy(const lk_env *env, void *buf, size_t len) {
    return env->entropy.fill(env->entropy.ctx, buf, len);
}

lk_rc lk_env_mutex_new(const lk_env *env, const char *name, void **out) {
    *out = NULL;
    return env->sync.mutex_new(env->sync.ctx, name, out);
}
void lk_env_mutex_free(const lk_env *env, void *mu) {
    env->sync.mutex_free(env->sync.ctx, mu);
}
lk_rc lk_env_mutex_lock(const lk_env *env, void *mu) {
    assert(mu != NULL);
    return env->sync.mutex_lock(env->sync.ctx, mu);
}
void lk_env_mutex_unlock(const lk_env *env, void *mu) {
    assert(env->sync.mutex_held(env->sync.ctx, mu));
    env->sync.mutex_unlock(env->sync.ctx, mu);
}
int lk_env_mutex_held(const lk_env *env, void *mu) {
    return env->sync.mutex_held(env->sync.ctx, mu);
}
lk_rc lk_env_once(const lk_env *env, int *flag, void (*fn)(void *arg), void *arg) {
    assert(flag != NULL && fn != NULL);
    return env->sync.once(env->sync.ctx, flag, fn, arg);
}

lk_rc lk_env_wake_new(const lk_env *env, const char *name, void **out) {
    assert(out != NULL);
    *out = NULL;
    return env->sync.wake_new(env->sync.ctx, name, out);
}
void lk_env_wake_free(const lk_env *env, void *w) {
    env->sync.wake_free(env->sync.ctx, w);
}
lk_rc lk_env_wait(const lk_env *env, void *w, int64_t timeout_ns) {
    assert(w != NULL && timeout_ns >= 0);
    return env->sync.wait(env->sync.ctx, w, timeout_ns);
}
void lk_env_wake(const lk_env *env, void *w) {
    assert(w != NULL);
    env->sync.wake(env->sync.ctx, w);
}

lk_rc lk_env_task_start(const lk_env *env, const char *name, void (*fn)(void *), void *arg, void **out) {
    assert(fn != NULL && out != NULL);
    *out = NULL;
    return env->task.start(env->task.ctx, name, fn, arg, out);
}
lk_rc lk_env_task_join(const lk_env *env, void *task) {
    assert(task != NULL);
    return env->task.join(env->task.ctx, task);
}

void lk_env_yield(const lk_env *env, const char *label) {
    assert(label != NULL);
    env->yield.yield(env->yield.ctx, label);
}

void lk_env_metric(const lk_env *env, lk_metric metric, const char *kind, int64_t value) {
    assert((unsigned)metric < LK_METRIC_COUNT_);
    assert(lk_family_labels(lk_metric_family(metric)) == 0 || kind != NULL); /* lk_mutex_init validated its kind */
    env->metrics.add(env->metrics.ctx, metric, kind, value);
}

void *lk_env_alloc(const lk_env *env, size_t size) {
    assert(size > 0);
    return env->alloc.alloc(env->alloc.ctx, size);
}
void lk_env_free(const lk_env *env, void *p) {
    if (p) env->alloc.free(env->alloc.ctx, p);
}

lk_rc lk_copy_str(char *dst, size_t cap, const char *src) {
    assert(dst != NULL && cap > 0);
    size_t n = src ? strlen(src) : 0;
    if (src == NULL || n >= cap) {
        dst[0] = '\0';
        return LK_EINVAL;
    }
    memcpy(dst, src, n + 1);
    return LK_OK;
}
