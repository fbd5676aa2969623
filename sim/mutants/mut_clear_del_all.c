/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mut_clear_del_all.c: clear_locks() as "DEL every lock key" (source case 1, 3.5): no epoch bump and no fence floor
 * published, so a revoked holder never learns it in time and the resource still accepts its writes.
 */
#include <string.h>

#include "sim/mutants/mut_lock.h"

lk_rc mut_clear_del_all(const lk_env *env, const char *prefix, const char *epoch_key,
                        void (*publish)(void *arg, int64_t fence_floor), void *arg, lk_clear_result *out) {
    (void)epoch_key;
    (void)publish;
    (void)arg;
    memset(out, 0, sizeof(*out));
    char cursor[LK_KEY_MAX] = "";
    for (int64_t walked = 0; walked < LK_CLEAR_KEYS_MAX; walked++) {
        lk_store_reply reply;
        lk_store_op scan = {.kind = LK_OP_SCAN, .key = prefix, .value = cursor};
        lk_rc rc = lk_env_store_exec(env, &scan, &reply);
        if (rc != LK_OK) return rc;
        if (reply.outcome != LK_FOUND) break;
        lk_copy_str(cursor, sizeof(cursor), reply.value);
        lk_store_op del = {.kind = LK_OP_DEL, .key = cursor};
        if ((rc = lk_env_store_exec(env, &del, &reply)) != LK_OK) return rc;
        out->revoked += reply.num;
    }
    return LK_OK;
}
