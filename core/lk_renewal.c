/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lk_renewal.c: the renewal task (contract in lk_renewal.h).
 *
 * The loop: sleep one interval; stop if asked, if the budget is spent, or if the lock is known lost; otherwise
 * extend with our token and, on success, move the validity to (send + TTL - margin). A store error leaves the
 * validity where it was, so the holder's lost-lock signal fires on its own if errors persist past it.
 * Never: extend without comparing the token, or renew past the budget.
 */
#include "core/lk_renewal.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/lk_internal.h"
#include "core/lk_reply.h"

#define RENEW_ERR(r, rc, ...) lk__set_error((r)->errmsg, sizeof((r)->errmsg), (rc), __VA_ARGS__)

static const int64_t NS_PER_MS = 1000000;

/* Whether the task should go on, read under the mutex. */
static int renewal_should_continue(lk_renewal *r, lk_mono_ns now) {
    int go = 1;
    lk_env_mutex_lock(r->env, r->mu);
    if (r->stop || r->lost || r->renewals >= r->opts.renewals_max) go = 0;
    if (r->opts.total_ms_max > 0 && now - r->start_mono_ns >= r->opts.total_ms_max * NS_PER_MS) go = 0;
    lk_env_mutex_unlock(r->env, r->mu);
    return go;
}

/* One extend with the holder's token: the mutex's EXTEND op, or the scripted lock's extend script. '*extended' 1 on
 * success, 0 when the lease was found gone or taken. Returns LK_OK or a store error (LK_ESTORE_PROTO for a script
 * reply that is not an integer). */
static lk_rc renewal_extend(lk_renewal *r, int *extended) {
    if (r->script == NULL) {
        lk_store_op op = {.kind = LK_OP_EXTEND, .key = r->key, .value = r->token, .ttl_ms = r->ttl_ms};
        lk_store_reply reply;
        lk_rc rc = lk_env_store_exec(r->env, &op, &reply);
        *extended = rc == LK_OK && reply.outcome == LK_EXTENDED;
        return rc;
    }
    char ttl[24];
    snprintf(ttl, sizeof(ttl), "%lld", (long long)r->ttl_ms);
    const char *argv[] = {"EVAL", r->script, "1", r->key, r->token, ttl};
    lk_reply_node nodes[2] = {{0}}; /* zeroed: leftovers of earlier frames would tell simulated states apart */
    char bytes[128] = {0};
    lk_reply reply;
    lk_reply_init(&reply, nodes, 2, bytes, sizeof(bytes));
    lk_rc rc = lk_env_command(r->env, &reply, 6, argv, NULL);
    if (rc != LK_OK) return rc;
    if (!lk_reply_ok(&reply) || lk_reply_at(&reply, 0)->type != LK_REPLY_INTEGER) return LK_ESTORE_PROTO;
    *extended = lk_reply_at(&reply, 0)->integer == 1;
    return LK_OK;
}

static void renewal_task(void *arg) {
    lk_renewal *r = arg;
    for (int i = 0; i <= r->opts.renewals_max; i++) {
        lk_rc w = lk_env_wait(r->env, r->wake, r->opts.interval_ms * NS_PER_MS); /* lk_renewal_stop ends it early */
        if (w != LK_OK && w != LK_ETIMEDOUT) break;
        lk_mono_ns sent = lk_env_mono_ns(r->env);
        if (!renewal_should_continue(r, sent)) break;
        int extended = 0;
        lk_rc rc = renewal_extend(r, &extended);
        lk_env_mutex_lock(r->env, r->mu);
        if (rc == LK_OK && extended) {
            r->renewals++;
            r->valid_until_mono_ns = sent + (r->ttl_ms - r->margin_ms) * NS_PER_MS;
            lk_env_metric(r->env, LK_METRIC_EXTEND_EXTENDED, r->kind, 1);
        } else if (rc == LK_OK) {
            r->lost = 1;
            lk_env_metric(r->env, LK_METRIC_EXTEND_LOST, r->kind, 1);
            lk_env_metric(r->env, LK_METRIC_LOST, r->kind, 1);
        } else if (rc != LK_ECRASHED) {
            lk_env_metric(r->env, LK_METRIC_EXTEND_ERROR, r->kind, 1);
        }
        lk_env_mutex_unlock(r->env, r->mu);
    }
    lk_env_mutex_lock(r->env, r->mu);
    r->ended = 1;
    lk_env_mutex_unlock(r->env, r->mu);
}

/* What a start needs of the held lock: its env, key (the extend's key), token, kind, TTL, margin and validity. */
typedef struct renewal_hold {
    const lk_env *env;
    const char *key, *token, *kind;
    int64_t ttl_ms, margin_ms;
    lk_mono_ns valid_until_mono_ns;
} renewal_hold;

/* Starts renewing the hold 'h' (held: checked by the caller). */
static lk_rc renewal_begin(lk_renewal *r, const renewal_hold *h, const lk_renewal_opts *opts) {
    lk_renewal_opts o = opts ? *opts : (lk_renewal_opts){0};
    if (o.interval_ms < 0 || o.renewals_max < 0 || o.total_ms_max < 0)
        return RENEW_ERR(r, LK_EINVAL, "renewal options must be >= 0");
    if (o.interval_ms == 0) o.interval_ms = h->ttl_ms / 3 > 0 ? h->ttl_ms / 3 : 1;
    if (o.interval_ms >= h->ttl_ms)
        return RENEW_ERR(r, LK_EINVAL, "renewal interval %lldms must be below the TTL %lldms", (long long)o.interval_ms,
                         (long long)h->ttl_ms);
    if (o.renewals_max == 0) o.renewals_max = LK_RENEWALS_MAX_DEFAULT;
    r->opts = o;
    lk_copy_str(r->key, sizeof(r->key), h->key);
    lk_copy_str(r->token, sizeof(r->token), h->token);
    lk_copy_str(r->kind, sizeof(r->kind), h->kind);
    r->ttl_ms = h->ttl_ms;
    r->margin_ms = h->margin_ms;
    r->valid_until_mono_ns = h->valid_until_mono_ns;
    r->start_mono_ns = lk_env_mono_ns(r->env);
    lk_rc rc = lk_env_mutex_new(r->env, "renewal", &r->mu);
    if (rc != LK_OK) return RENEW_ERR(r, rc, "renewal mutex: %s", lk_strerror(rc));
    rc = lk_env_wake_new(r->env, "renewal", &r->wake);
    if (rc == LK_OK) rc = lk_env_task_start(r->env, "renew", renewal_task, r, &r->task);
    if (rc != LK_OK) {
        lk_env_wake_free(r->env, r->wake);
        lk_env_mutex_free(r->env, r->mu);
        r->mu = r->wake = NULL;
        return RENEW_ERR(r, rc, "renewal task: %s", lk_strerror(rc));
    }
    return LK_OK;
}

lk_rc lk_renewal_start(lk_renewal *r, lk_mutex *m, const lk_renewal_opts *opts) {
    assert(r != NULL && m != NULL);
    memset(r, 0, sizeof(*r));
    r->env = m->env;
    r->m = m;
    if (!m->held) return RENEW_ERR(r, LK_EMISUSE, "renewal of %s, which is not held", m->key);
    renewal_hold h = {
        m->env, m->key, m->token, m->kind, m->opts.ttl_ms, m->opts.drift_margin_ms, m->valid_until_mono_ns};
    return renewal_begin(r, &h, opts);
}

lk_rc lk_renewal_start_rw(lk_renewal *r, lk_rwlock *rw, const lk_renewal_opts *opts) {
    assert(r != NULL && rw != NULL);
    memset(r, 0, sizeof(*r));
    r->env = rw->env;
    r->rw = rw;
    int reader = rw->mode == LK_RW_READ;
    if (rw->mode == LK_RW_NONE) return RENEW_ERR(r, LK_EMISUSE, "renewal of %s, which is not held", rw->key[0]);
    r->script = lk_rwlock_script_text(reader ? LK_RW_SCRIPT_EXTEND_READ : LK_RW_SCRIPT_EXTEND_WRITE);
    renewal_hold h = {rw->env,
                      reader ? rw->key[1] : rw->key[0],
                      rw->token,
                      rw->kind,
                      rw->opts.ttl_ms,
                      rw->opts.drift_margin_ms,
                      rw->valid_until_mono_ns};
    return renewal_begin(r, &h, opts);
}

lk_rc lk_renewal_start_fair(lk_renewal *r, lk_fair *f, const lk_renewal_opts *opts) {
    assert(r != NULL && f != NULL);
    memset(r, 0, sizeof(*r));
    r->env = f->env;
    r->f = f;
    if (!f->held) return RENEW_ERR(r, LK_EMISUSE, "renewal of %s, which is not held", f->name);
    r->script = lk_fair_script_text(LK_FAIR_EXTEND);
    renewal_hold h = {
        f->env, f->key[0], f->token, f->kind, f->opts.ttl_ms, f->opts.drift_margin_ms, f->valid_until_mono_ns};
    return renewal_begin(r, &h, opts);
}

/* 1 if the lock still believes it holds (a renewal whose start failed asks the lock itself). */
static int renewal_lock_holds(const lk_renewal *r) {
    if (r->m != NULL) return lk_mutex_holds(r->m);
    if (r->rw != NULL) return lk_rwlock_holds(r->rw);
    return r->f != NULL && lk_fair_holds(r->f);
}

int lk_renewal_lost(lk_renewal *r) {
    if (r->mu == NULL) return !renewal_lock_holds(r);
    lk_env_mutex_lock(r->env, r->mu);
    lk_mono_ns now = lk_env_mono_ns(r->env); /* read after the lock: the answer is about this instant */
    r->checked_mono_ns = now;
    int lost = r->lost || now >= r->valid_until_mono_ns;
    lk_env_mutex_unlock(r->env, r->mu);
    return lost;
}

int lk_renewal_count(lk_renewal *r) {
    if (r->mu == NULL) return 0;
    lk_env_mutex_lock(r->env, r->mu);
    int n = r->renewals;
    lk_env_mutex_unlock(r->env, r->mu);
    return n;
}

lk_rc lk_renewal_stop(lk_renewal *r) {
    if (r == NULL || r->mu == NULL) return LK_OK;
    lk_env_mutex_lock(r->env, r->mu);
    r->stop = 1;
    lk_env_mutex_unlock(r->env, r->mu);
    lk_env_wake(r->env, r->wake); /* the task ends now, not at its next interval: the lock is freed at once */
    lk_rc rc = lk_env_task_join(r->env, r->task);
    r->task = NULL;
    /* the task has ended: the fields are ours alone now. Lost, or no longer provably ours: the lock is not held
     * but maybe held, so a release compares the token (released, not-owner or absent) and a new acquire may start */
    int gone = r->lost || lk_env_mono_ns(r->env) >= r->valid_until_mono_ns;
    if (r->m != NULL) {
        r->m->valid_until_mono_ns = r->valid_until_mono_ns;
        if (gone) {
            r->m->held = 0;
            r->m->maybe_held = 1;
            r->m->fence = 0;
        }
    } else if (r->rw != NULL) {
        r->rw->valid_until_mono_ns = r->valid_until_mono_ns;
        if (gone) {
            r->rw->maybe = r->rw->mode;
            r->rw->mode = LK_RW_NONE;
            r->rw->fence = 0;
        }
    } else {
        r->f->valid_until_mono_ns = r->valid_until_mono_ns;
        if (gone) {
            r->f->held = 0;
            r->f->maybe = 1;
            r->f->fence = 0;
        }
    }
    lk_env_wake_free(r->env, r->wake);
    lk_env_mutex_free(r->env, r->mu);
    r->mu = r->wake = NULL;
    return rc;
}
