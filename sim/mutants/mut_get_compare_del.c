/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mut_get_compare_del.c: release by GET, compare the token in the client, then DEL: two store ops. If the lease
 * expires between them and another client acquires, the DEL removes the other client's lock.
 */
#include "sim/mutants/mut_lock.h"

#include <string.h>

static int gcd_has_token(const char *value, const char *token) {
    size_t n = strlen(token);
    return strncmp(value, token, n) == 0 && (value[n] == '\0' || value[n] == ':');
}

static lk_rc gcd_release(lk_mutex *m, lk_outcome *out) {
    lk_store_op get = {.kind = LK_OP_GET, .key = m->key};
    lk_store_reply reply;
    m->held = 0;
    lk_rc rc = lk_env_store_exec(m->env, &get, &reply);
    if (rc != LK_OK) return rc;
    if (reply.outcome != LK_FOUND) {
        *out = LK_ABSENT;
        return LK_OK;
    }
    if (!gcd_has_token(reply.value, m->token)) {
        *out = LK_NOT_OWNER;
        return LK_OK;
    }
    lk_store_op del = {.kind = LK_OP_DEL, .key = m->key};
    if ((rc = lk_env_store_exec(m->env, &del, &reply)) != LK_OK) return rc;
    *out = reply.num > 0 ? LK_RELEASED : LK_ABSENT;
    return LK_OK;
}

const mut_protocol mut_get_compare_del = {"get_compare_del", lk_mutex_try_acquire, lk_mutex_acquire, gcd_release};
