/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mut_plain_del.c: release by a plain DEL (source case 1, 3.4). If the holder's lease expired and another client
 * acquired the key, the old holder's DEL removes the new holder's lock.
 */
#include "sim/mutants/mut_lock.h"

static lk_rc plain_del_release(lk_mutex *m, lk_outcome *out) {
    lk_store_op del = {.kind = LK_OP_DEL, .key = m->key};
    lk_store_reply reply;
    m->held = 0;
    lk_rc rc = lk_env_store_exec(m->env, &del, &reply);
    if (rc != LK_OK) return rc;
    *out = reply.num > 0 ? LK_RELEASED : LK_ABSENT;
    return LK_OK;
}

const mut_protocol mut_plain_del = {"plain_del", lk_mutex_try_acquire, lk_mutex_acquire, plain_del_release};
