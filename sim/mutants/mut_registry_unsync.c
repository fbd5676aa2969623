/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mut_registry_unsync.c: getInstance with an unsynchronized check-then-insert (source case 1, 3.2). Two threads
 * both miss the cache, both construct, and each gets its own instance of what must be a singleton. The yield marks
 * the point where a real thread can be preempted between the check and the insert.
 */
#include <string.h>

#include "sim/mutants/mut_lock.h"

lk_rc mut_registry_unsync_get(lk_registry *r, const char *key, lk_registry_ctor ctor, void *arg, void **out,
                              int *created) {
    *out = NULL;
    if (created) *created = 0;
    for (int i = 0; i < r->count; i++)
        if (strcmp(r->entries[i].key, key) == 0) {
            *out = r->entries[i].obj;
            return LK_OK;
        }
    lk_env_yield(r->env, "registry");
    if (r->count == r->capacity) return LK_ELIMIT;
    void *obj = NULL;
    lk_rc rc = ctor(r->env, key, arg, &obj);
    if (rc != LK_OK) return rc;
    lk_copy_str(r->entries[r->count].key, LK_KEY_MAX, key);
    r->entries[r->count++].obj = obj;
    *out = obj;
    if (created) *created = 1;
    return LK_OK;
}
