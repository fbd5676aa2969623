/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lk_registry.c: get-or-create under the env mutex (contract in lk_registry.h).
 *
 * The yield between the lookup miss and the construction is deliberate: it is where a real thread could be preempted,
 * so the simulator explores the other threads' get calls right there. Under the mutex they must wait.
 */
#include "core/lk_registry.h"

#include <assert.h>
#include <string.h>

#include "core/lk_internal.h"

#define REG_ERR(r, rc, ...) lk__set_error((r)->errmsg, sizeof((r)->errmsg), (rc), __VA_ARGS__)

lk_rc lk_registry_init(lk_registry *r, const lk_env *env, int capacity, lk_registry_dtor dtor) {
    assert(r != NULL);
    memset(r, 0, sizeof(*r));
    r->env = env;
    const char *missing = NULL;
    if (lk_env_check(env, &missing) != LK_OK) return REG_ERR(r, LK_EMISUSE, "env lacks %s", missing);
    if (capacity < 1) return REG_ERR(r, LK_EINVAL, "capacity must be >= 1");
    lk_rc rc = lk_env_mutex_new(env, "registry", &r->mu);
    if (rc != LK_OK) return REG_ERR(r, rc, "registry mutex: %s", lk_strerror(rc));
    r->entries = lk_env_alloc(env, sizeof(lk_registry_entry) * (size_t)capacity);
    if (r->entries == NULL) {
        lk_env_mutex_free(env, r->mu);
        r->mu = NULL;
        return REG_ERR(r, LK_ENOMEM, "registry of %d entries", capacity);
    }
    r->capacity = capacity;
    r->dtor = dtor;
    return LK_OK;
}

void lk_registry_fini(lk_registry *r) {
    if (r == NULL || r->entries == NULL) return;
    for (int i = 0; i < r->count; i++)
        if (r->dtor) r->dtor(r->env, r->entries[i].obj);
    lk_env_free(r->env, r->entries);
    lk_env_mutex_free(r->env, r->mu);
    memset(r, 0, sizeof(*r));
}

/* Linear lookup: registries hold a handful of keys per process. */
static lk_registry_entry *registry_find(lk_registry *r, const char *key) {
    for (int i = 0; i < r->count; i++)
        if (strcmp(r->entries[i].key, key) == 0) return &r->entries[i];
    return NULL;
}

lk_rc lk_registry_get(lk_registry *r, const char *key, lk_registry_ctor ctor, void *arg, void **out, int *created) {
    assert(r != NULL && out != NULL && ctor != NULL);
    *out = NULL;
    if (created) *created = 0;
    if (r->entries == NULL) return REG_ERR(r, LK_EMISUSE, "registry not initialized");
    if (key == NULL || strlen(key) >= LK_KEY_MAX) return REG_ERR(r, LK_EINVAL, "key too long");
    lk_rc rc = lk_env_mutex_lock(r->env, r->mu);
    if (rc != LK_OK) return rc;
    lk_registry_entry *e = registry_find(r, key);
    if (e != NULL) {
        *out = e->obj;
        goto done;
    }
    lk_env_yield(r->env, "registry");
    if (r->count == r->capacity) {
        rc = REG_ERR(r, LK_ELIMIT, "registry full (%d keys)", r->capacity);
        goto done;
    }
    void *obj = NULL;
    rc = ctor(r->env, key, arg, &obj);
    if (rc != LK_OK) {
        REG_ERR(r, rc, "constructor for %s: %s", key, lk_strerror(rc));
        goto done;
    }
    assert(obj != NULL);
    e = &r->entries[r->count++];
    lk_copy_str(e->key, sizeof(e->key), key);
    e->obj = obj;
    *out = obj;
    if (created) *created = 1;
    lk_env_metric(r->env, LK_METRIC_REGISTRY_CREATED, NULL, 1);
done:
    lk_env_mutex_unlock(r->env, r->mu);
    return rc;
}
