/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lk_registry.h: a per-process singleton registry (get-or-create by key), the race-free getInstance.
 *
 * Invariant: for each key at most one object is ever constructed per registry: the lookup, the construction (which
 * may load state from the store, a visible op) and the insert all happen under the registry's env mutex.
 * Guarded by: env->sync (the registry mutex); any thread of the process may call lk_registry_get.
 */
#ifndef RACEBED_CORE_LK_REGISTRY_H
#define RACEBED_CORE_LK_REGISTRY_H

#include "core/lk_env.h"

/* Builds the object for 'key' (e.g. loads its state from the store). Writes it to '*out' and returns LK_OK, or
 * returns an error with '*out' NULL. Called with the registry mutex held. */
typedef lk_rc (*lk_registry_ctor)(const lk_env *env, const char *key, void *arg, void **out);
/* Frees an object built by the ctor; called by lk_registry_fini. */
typedef void (*lk_registry_dtor)(const lk_env *env, void *obj);

typedef struct lk_registry_entry {
    char key[LK_KEY_MAX]; /* the key, copied */
    void *obj;            /* owned by the registry; freed with its dtor at fini */
} lk_registry_entry;

typedef struct lk_registry {
    const lk_env *env;
    void *mu;                   /* env mutex guarding everything below */
    int capacity;               /* entries allocated, fixed at init */
    int count;                  /* entries in use */
    lk_registry_entry *entries; /* from env alloc, 'capacity' long */
    lk_registry_dtor dtor;      /* may be NULL */
    char errmsg[128];           /* detail of the last error */
} lk_registry;

/* Prepares 'r' for up to 'capacity' keys. Returns LK_ENOMEM (nothing allocated is left behind), LK_EINVAL for a
 * capacity < 1, or LK_EMISUSE for an incomplete env. */
lk_rc lk_registry_init(lk_registry *r, const lk_env *env, int capacity, lk_registry_dtor dtor);
/* Frees every object (dtor) and the registry's memory. Accepts NULL and a registry whose init failed. */
void lk_registry_fini(lk_registry *r);

/* Returns the one object for 'key', constructing it with ctor(env, key, arg) the first time. '*out' is valid until
 * lk_registry_fini; '*created' (may be NULL) is 1 if this call built it. On failure '*out' is NULL and nothing was
 * inserted: LK_ELIMIT when the registry is full, LK_EINVAL for a key too long, or the ctor's error. */
lk_rc lk_registry_get(lk_registry *r, const char *key, lk_registry_ctor ctor, void *arg, void **out, int *created);

#endif
