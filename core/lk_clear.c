/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lk_clear.c: epoch bump, publish, SCAN-and-REVOKE (contract in lk_clear.h).
 *
 * Invariant: no lock is deleted before the floor is published, and no lock granted after the epoch bump is deleted.
 */
#include "core/lk_clear.h"

#include <assert.h>
#include <string.h>

enum { CLEAR_RETRIES_MAX = 3 };

/* One store op, resent after a timeout or a connection error: INCR (the epoch only has to grow), SCAN and REVOKE
 * are all safe to repeat. */
static lk_rc clear_exec(const lk_env *env, const lk_store_op *op, lk_store_reply *reply) {
    lk_rc rc = LK_OK;
    for (int i = 0; i <= CLEAR_RETRIES_MAX; i++) {
        rc = lk_env_store_exec(env, op, reply);
        if (rc != LK_ESTORE_MAYBE && rc != LK_ESTORE_DOWN) break;
    }
    return rc;
}

static int clear_is_lock_key(const char *key, const char *epoch_key) {
    size_t n = strlen(key), f = sizeof(":fence") - 1;
    if (strcmp(key, epoch_key) == 0) return 0;
    return !(n >= f && strcmp(key + n - f, ":fence") == 0);
}

lk_rc lk_clear(const lk_env *env, const char *prefix, const char *epoch_key,
               void (*publish)(void *arg, int64_t fence_floor), void *arg, lk_clear_result *out) {
    assert(env != NULL && prefix != NULL && epoch_key != NULL && out != NULL);
    memset(out, 0, sizeof(*out));
    lk_store_reply reply;
    lk_store_op incr = {.kind = LK_OP_INCR, .key = epoch_key};
    lk_rc rc = clear_exec(env, &incr, &reply);
    if (rc != LK_OK) return rc;
    if (reply.outcome != LK_COUNT || reply.num < 0 || reply.num > 2097151) return LK_ESTORE_PROTO; /* fence < 2^53 */
    out->epoch = reply.num;
    out->fence_floor = reply.num << 32;
    if (publish) publish(arg, out->fence_floor);
    char cursor[LK_KEY_MAX] = "";
    for (int64_t walked = 0;; walked++) {
        if (walked == LK_CLEAR_KEYS_MAX) return LK_ELIMIT;
        lk_store_op scan = {.kind = LK_OP_SCAN, .key = prefix, .value = cursor};
        if ((rc = clear_exec(env, &scan, &reply)) != LK_OK) return rc;
        if (reply.outcome != LK_FOUND) break;
        if (lk_copy_str(cursor, sizeof(cursor), reply.value) != LK_OK) return LK_ESTORE_PROTO;
        if (!clear_is_lock_key(cursor, epoch_key)) continue;
        lk_store_op revoke = {.kind = LK_OP_REVOKE, .key = cursor, .num = out->fence_floor};
        if ((rc = clear_exec(env, &revoke, &reply)) != LK_OK) return rc;
        if (reply.outcome == LK_RELEASED) {
            out->revoked++;
            lk_env_metric(env, LK_METRIC_CLEAR_REVOKED, NULL, 1);
        } else if (reply.outcome == LK_NOT_OWNER) {
            out->kept++;
        }
    }
    return LK_OK;
}
