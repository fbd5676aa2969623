/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mut_check_then_set.c: the racy acquire of source case 1 (3.1): "is it locked?" then "lock it", as two store ops.
 * Between the GET that sees the key free and the SET without NX, another client can do the same; both then
 * believe they hold the lock, and the second SET overwrites the first holder's token.
 */
#include "sim/mutants/mut_lock.h"

static lk_rc cts_try_acquire(lk_mutex *m, lk_outcome *out) {
    *out = LK_NONE;
    lk_rc rc = lk_token_new(m->env, m->token);
    if (rc != LK_OK) return rc;
    lk_store_reply reply;
    lk_store_op get = {.kind = LK_OP_GET, .key = m->key};
    if ((rc = lk_env_store_exec(m->env, &get, &reply)) != LK_OK) return rc;
    if (reply.outcome == LK_FOUND) {
        *out = LK_LOCKED;
        return LK_OK;
    }
    lk_store_op set = {.kind = LK_OP_SET, .key = m->key, .value = m->token, .ttl_ms = m->opts.ttl_ms};
    lk_mono_ns sent = lk_env_mono_ns(m->env);
    if ((rc = lk_env_store_exec(m->env, &set, &reply)) != LK_OK) return rc;
    m->held = 1;
    m->fence = 0;
    m->sent_mono_ns = sent;
    m->valid_until_mono_ns = sent + m->opts.ttl_ms * 1000000;
    *out = LK_ACQUIRED;
    return LK_OK;
}

/* Polls with a fixed-range jittered sleep until the deadline. */
static lk_rc cts_acquire(lk_mutex *m, lk_mono_ns deadline_mono_ns, lk_outcome *out) {
    for (int attempt = 0; attempt < LK_ACQUIRE_ATTEMPTS_MAX; attempt++) {
        lk_rc rc = cts_try_acquire(m, out);
        if (rc != LK_OK || *out == LK_ACQUIRED) return rc;
        lk_mono_ns now = lk_env_mono_ns(m->env);
        if (now >= deadline_mono_ns) break;
        uint32_t r = 0;
        lk_env_entropy(m->env, &r, sizeof(r));
        int64_t sleep_ns = (m->opts.backoff_base_ms * 1000000) / 2 + r % (m->opts.backoff_cap_ms * 1000000 / 2 + 1);
        if (now + sleep_ns > deadline_mono_ns) sleep_ns = deadline_mono_ns - now;
        if ((rc = lk_env_sleep_ns(m->env, sleep_ns)) != LK_OK) return rc;
    }
    *out = LK_NONE;
    return LK_ETIMEDOUT;
}

const mut_protocol mut_check_then_set = {"check_then_set", cts_try_acquire, cts_acquire, lk_mutex_release};
