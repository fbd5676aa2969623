/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lk_mutex.c: the distributed mutex (protocol in lk_mutex.h).
 *
 * Invariant: 'held' is 1 only after the store answered ACQUIRED or ALREADY_MINE for our current token; every store
 * op that could touch the key names that token, so nothing here can delete or extend another holder's lock.
 * Never: generate a new token while the previous attempt may have been applied (maybe_held), or sleep past the
 * caller's deadline.
 */
#include "core/lk_mutex.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/lk_internal.h"

#define MUTEX_ERR(m, rc, ...) lk__set_error((m)->errmsg, sizeof((m)->errmsg), (rc), __VA_ARGS__)

static const int64_t NS_PER_MS = 1000000;

lk_rc lk_mutex_init(lk_mutex *m, const lk_env *env, const char *key, const lk_mutex_opts *opts) {
    assert(m != NULL);
    memset(m, 0, sizeof(*m));
    m->env = env;
    const char *missing = NULL;
    if (lk_env_check(env, &missing) != LK_OK) return MUTEX_ERR(m, LK_EMISUSE, "env lacks %s", missing);
    if (opts == NULL) return MUTEX_ERR(m, LK_EINVAL, "ttl_ms must be > 0");
    if (key == NULL || key[0] == '\0' || strlen(key) + sizeof(":fence") > LK_KEY_MAX)
        return MUTEX_ERR(m, LK_EINVAL, "lock key must be 1..%d bytes", (int)(LK_KEY_MAX - sizeof(":fence")));
    size_t n = strlen(key), f = sizeof(":fence") - 1;
    if (n >= f && strcmp(key + n - f, ":fence") == 0)
        return MUTEX_ERR(m, LK_EINVAL, "lock key %s ends in ':fence', the suffix of fence counters", key);
    lk_copy_str(m->key, sizeof(m->key), key);
    snprintf(m->fence_key, sizeof(m->fence_key), "%s:fence", key);
    m->opts = *opts;
    if (opts->epoch_key && lk_copy_str(m->epoch_key, sizeof(m->epoch_key), opts->epoch_key) != LK_OK)
        return MUTEX_ERR(m, LK_EINVAL, "epoch key too long");
    m->opts.epoch_key = NULL; /* the copy above is the one used */
    lk__lock_timing t = {opts->ttl_ms, opts->acquire_timeout_ms, opts->backoff_base_ms, opts->backoff_cap_ms,
                         opts->drift_margin_ms};
    lk_rc rc = lk__lock_timing_check(&t, opts->kind, m->kind, m->errmsg, sizeof(m->errmsg));
    if (rc != LK_OK) return rc;
    m->opts.kind = NULL; /* m->kind is the one used */
    m->opts.backoff_base_ms = t.backoff_base_ms;
    m->opts.backoff_cap_ms = t.backoff_cap_ms;
    m->opts.drift_margin_ms = t.drift_margin_ms;
    return LK_OK;
}

void lk_mutex_fini(lk_mutex *m) {
    if (m == NULL) return;
    memset(m, 0, sizeof(*m));
}

lk_rc lk_token_new(const lk_env *env, char token[LK_TOKEN_HEX]) {
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[LK_TOKEN_BYTES];
    lk_rc rc = lk_env_entropy(env, raw, sizeof(raw));
    if (rc != LK_OK) return rc;
    for (int i = 0; i < LK_TOKEN_BYTES; i++) {
        token[2 * i] = hex[raw[i] >> 4];
        token[2 * i + 1] = hex[raw[i] & 15];
    }
    token[LK_TOKEN_HEX - 1] = '\0';
    return LK_OK;
}

/* The hold is over: what described it goes, so a mutex that does not hold is the same bytes whatever it held
 * before (the search over states then meets it as one state, not one per past lease). The token stays while the
 * key may still hold it. */
static void mutex_forget_hold(lk_mutex *m) {
    m->held = 0;
    m->fence = 0;
    m->sent_mono_ns = 0;
    m->valid_until_mono_ns = 0;
    if (!m->maybe_held) memset(m->token, 0, sizeof(m->token));
}

/* Draws a fresh token into m->token. */
static lk_rc mutex_new_token(lk_mutex *m) {
    lk_rc rc = lk_token_new(m->env, m->token);
    return rc == LK_OK ? LK_OK : MUTEX_ERR(m, rc, "entropy failed for the lock token");
}

/* Sends one acquire script with the current token and records the hold on success. */
static lk_rc mutex_attempt(lk_mutex *m, lk_outcome *out) {
    lk_store_op op = {.kind = LK_OP_ACQUIRE,
                      .key = m->key,
                      .aux_key = m->fence_key,
                      .value = m->token,
                      .ttl_ms = m->opts.ttl_ms,
                      .epoch_key = m->epoch_key[0] ? m->epoch_key : NULL};
    lk_store_reply reply;
    lk_mono_ns sent = lk_env_mono_ns(m->env);
    lk_rc rc = lk_env_store_exec(m->env, &op, &reply);
    if (rc != LK_OK) {
        /* timeout and protocol error: the script may have run, so the key may hold our token */
        if (rc == LK_ESTORE_MAYBE || rc == LK_ESTORE_PROTO) m->maybe_held = 1;
        lk_env_metric(m->env, LK_METRIC_ATTEMPT_ERROR, m->kind, 1);
        return MUTEX_ERR(m, rc, "acquire %s: %s", m->key, lk_strerror(rc));
    }
    *out = reply.outcome;
    switch (reply.outcome) {
    case LK_ACQUIRED:
    case LK_ALREADY_MINE:
        m->held = 1;
        m->maybe_held = 0;
        m->fence = reply.num;
        m->sent_mono_ns = sent;
        m->valid_until_mono_ns = sent + (m->opts.ttl_ms - m->opts.drift_margin_ms) * NS_PER_MS;
        lk_env_metric(m->env,
                      reply.outcome == LK_ACQUIRED ? LK_METRIC_ATTEMPT_ACQUIRED : LK_METRIC_ATTEMPT_ALREADY_MINE,
                      m->kind, 1);
        return LK_OK;
    case LK_LOCKED:
        mutex_forget_hold(m); /* the token was not taken: the next try draws another */
        lk_env_metric(m->env, LK_METRIC_ATTEMPT_BUSY, m->kind, 1);
        return LK_OK;
    default:
        m->maybe_held = 1;
        lk_env_metric(m->env, LK_METRIC_ATTEMPT_ERROR, m->kind, 1);
        return MUTEX_ERR(m, LK_ESTORE_PROTO, "acquire %s: unexpected outcome %s", m->key,
                         lk_outcome_label(reply.outcome));
    }
}

/* A new token unless the previous attempt may have been applied: then the retry must carry the same token, so a
 * key set by that attempt answers "already mine" instead of making us wait on our own lock. */
static lk_rc mutex_prepare_token(lk_mutex *m) {
    if (m->maybe_held && m->token[0] != '\0') return LK_OK;
    return mutex_new_token(m);
}

lk_rc lk_mutex_try_acquire(lk_mutex *m, lk_outcome *out) {
    assert(m != NULL && out != NULL);
    *out = LK_NONE;
    if (m->held) return MUTEX_ERR(m, LK_EMISUSE, "try_acquire on %s while already held", m->key);
    lk_rc rc = mutex_prepare_token(m);
    if (rc == LK_OK) rc = mutex_attempt(m, out);
    if (rc == LK_ECRASHED) return rc; /* the process is gone: nothing to count */
    lk_env_metric(m->env,
                  rc != LK_OK ? LK_METRIC_ACQUIRE_ERROR
                  : m->held   ? LK_METRIC_ACQUIRE_ACQUIRED
                              : LK_METRIC_ACQUIRE_BUSY,
                  m->kind, 1);
    return rc;
}

/* The end of a blocking acquire that started at 'start': its result and its wait, counted together. */
static lk_rc acquire_done(lk_mutex *m, lk_mono_ns start, lk_rc rc) {
    return lk__acquire_counted(m->env, m->kind, start, rc);
}

static lk_rc acquire_backoff(lk_mutex *m, int attempt, int64_t *sleep_ns) {
    lk_rc rc = lk__backoff_ns(m->env, m->opts.backoff_base_ms, m->opts.backoff_cap_ms, attempt, sleep_ns);
    return rc == LK_OK ? LK_OK : MUTEX_ERR(m, rc, "entropy failed for backoff jitter");
}

/* Runs a token-compare op (release or extend), retrying a bounded number of times after a maybe-applied timeout
 * or a connection error (after one backoff base, for the connection to come back): both ops compare our token,
 * so a repeat is safe whatever the first attempt did. */
static lk_rc mutex_compare_op(lk_mutex *m, lk_op_kind kind, int64_t ttl_ms, lk_store_reply *reply) {
    lk_store_op op = {.kind = kind, .key = m->key, .value = m->token, .ttl_ms = ttl_ms};
    lk_rc rc = LK_OK;
    for (int i = 0; i <= LK_RELEASE_RETRIES_MAX; i++) {
        rc = lk_env_store_exec(m->env, &op, reply);
        if (rc != LK_ESTORE_MAYBE && rc != LK_ESTORE_DOWN) break;
        if (rc == LK_ESTORE_DOWN && i < LK_RELEASE_RETRIES_MAX) {
            lk_rc src = lk_env_sleep_ns(m->env, m->opts.backoff_base_ms * NS_PER_MS);
            if (src != LK_OK) return src;
        }
    }
    if (rc != LK_OK) return MUTEX_ERR(m, rc, "%s %s: %s", lk_op_label(kind), m->key, lk_strerror(rc));
    return LK_OK;
}

lk_rc lk_mutex_acquire(lk_mutex *m, lk_mono_ns deadline_mono_ns, lk_outcome *out) {
    assert(m != NULL && out != NULL);
    *out = LK_NONE;
    if (m->held) return MUTEX_ERR(m, LK_EMISUSE, "acquire on %s while already held", m->key);
    lk_mono_ns start = lk_env_mono_ns(m->env);
    lk_rc rc = LK_OK;
    for (int attempt = 0;; attempt++) {
        rc = mutex_prepare_token(m);
        if (rc != LK_OK) return acquire_done(m, start, rc);
        rc = mutex_attempt(m, out);
        if (rc == LK_ECRASHED) return rc;
        if (rc == LK_OK && m->held) return acquire_done(m, start, LK_OK);
        *out = LK_NONE;
        lk_mono_ns now = lk_env_mono_ns(m->env);
        if (now >= deadline_mono_ns) break; /* that was the last try, at or after the deadline */
        if (attempt + 1 == LK_ACQUIRE_ATTEMPTS_MAX) {
            rc = MUTEX_ERR(m, LK_ELIMIT, "acquire %s: %d tries before the deadline", m->key, LK_ACQUIRE_ATTEMPTS_MAX);
            return acquire_done(m, start, rc);
        }
        int64_t sleep_ns = 0;
        rc = acquire_backoff(m, attempt, &sleep_ns);
        if (rc != LK_OK) return acquire_done(m, start, rc);
        if (now + sleep_ns > deadline_mono_ns) sleep_ns = deadline_mono_ns - now; /* last try at the deadline */
        rc = lk_env_sleep_ns(m->env, sleep_ns);
        if (rc != LK_OK) return acquire_done(m, start, rc);
    }
    if (m->maybe_held) { /* the last try may have taken the key: give it back, so nothing waits out our TTL (not a
                          * release of a hold the caller had: not counted as one) */
        lk_store_reply reply;
        if (mutex_compare_op(m, LK_OP_RELEASE, 0, &reply) == LK_OK) m->maybe_held = 0;
    }
    lk_rc last = rc;
    rc = MUTEX_ERR(m, LK_ETIMEDOUT, "acquire %s: deadline passed (last result: %s)", m->key, lk_rc_name(last));
    return acquire_done(m, start, rc);
}

lk_rc lk_mutex_acquire_timed(lk_mutex *m, lk_outcome *out) {
    assert(m != NULL && out != NULL);
    *out = LK_NONE;
    if (m->opts.acquire_timeout_ms <= 0)
        return MUTEX_ERR(m, LK_EMISUSE, "acquire_timed on %s, which has no acquire_timeout_ms", m->key);
    return lk_mutex_acquire(m, lk_env_mono_ns(m->env) + m->opts.acquire_timeout_ms * NS_PER_MS, out);
}

lk_rc lk_mutex_release(lk_mutex *m, lk_outcome *out) {
    assert(m != NULL && out != NULL);
    *out = LK_NONE;
    if (!m->held && !m->maybe_held) return MUTEX_ERR(m, LK_EMISUSE, "release of %s, which is not held", m->key);
    lk_store_reply reply;
    lk_rc rc = mutex_compare_op(m, LK_OP_RELEASE, 0, &reply);
    int was_held = m->held || m->maybe_held, surely_held = m->held;
    if (rc != LK_OK) {
        /* the key may still hold our token: keep it, so a retried release (or acquire) can find it */
        m->maybe_held = was_held;
        mutex_forget_hold(m);
        if (rc != LK_ECRASHED) lk_env_metric(m->env, LK_METRIC_RELEASE_ERROR, m->kind, 1);
        return rc;
    }
    m->maybe_held = 0;
    mutex_forget_hold(m);
    *out = reply.outcome;
    switch (reply.outcome) {
    case LK_RELEASED: lk_env_metric(m->env, LK_METRIC_RELEASE_RELEASED, m->kind, 1); break;
    case LK_NOT_OWNER:
    case LK_ABSENT:
        lk_env_metric(m->env, reply.outcome == LK_ABSENT ? LK_METRIC_RELEASE_ABSENT : LK_METRIC_RELEASE_NOT_OWNER,
                      m->kind, 1);
        if (surely_held) lk_env_metric(m->env, LK_METRIC_LOST, m->kind, 1); /* the lease ran out while held */
        break;
    default:
        lk_env_metric(m->env, LK_METRIC_RELEASE_ERROR, m->kind, 1);
        return MUTEX_ERR(m, LK_ESTORE_PROTO, "release %s: unexpected outcome %s", m->key,
                         lk_outcome_label(reply.outcome));
    }
    return LK_OK;
}

lk_rc lk_mutex_extend(lk_mutex *m, int64_t ttl_ms, lk_outcome *out) {
    assert(m != NULL && out != NULL);
    *out = LK_NONE;
    if (!m->held) return MUTEX_ERR(m, LK_EMISUSE, "extend of %s, which is not held", m->key);
    if (ttl_ms <= 0) return MUTEX_ERR(m, LK_EINVAL, "extend ttl_ms must be > 0");
    lk_store_reply reply;
    lk_mono_ns sent = lk_env_mono_ns(m->env);
    lk_rc rc = mutex_compare_op(m, LK_OP_EXTEND, ttl_ms, &reply);
    if (rc != LK_OK) {
        if (rc != LK_ECRASHED) lk_env_metric(m->env, LK_METRIC_EXTEND_ERROR, m->kind, 1);
        return rc;
    }
    *out = reply.outcome;
    if (reply.outcome == LK_EXTENDED) {
        m->sent_mono_ns = sent;
        m->valid_until_mono_ns = sent + (ttl_ms - m->opts.drift_margin_ms) * NS_PER_MS;
        lk_env_metric(m->env, LK_METRIC_EXTEND_EXTENDED, m->kind, 1);
        return LK_OK;
    }
    if (reply.outcome != LK_NOT_OWNER && reply.outcome != LK_ABSENT) {
        lk_env_metric(m->env, LK_METRIC_EXTEND_ERROR, m->kind, 1);
        return MUTEX_ERR(m, LK_ESTORE_PROTO, "extend %s: unexpected outcome %s", m->key,
                         lk_outcome_label(reply.outcome));
    }
    mutex_forget_hold(m);
    lk_env_metric(m->env, LK_METRIC_EXTEND_LOST, m->kind, 1);
    lk_env_metric(m->env, LK_METRIC_LOST, m->kind, 1);
    return LK_OK;
}

int lk_mutex_holds(const lk_mutex *m) {
    return m->held && lk_env_mono_ns(m->env) < m->valid_until_mono_ns;
}

int64_t lk_mutex_fence(const lk_mutex *m) {
    return m->held ? m->fence : 0;
}

const char *lk_mutex_errmsg(const lk_mutex *m) {
    return m->errmsg;
}
