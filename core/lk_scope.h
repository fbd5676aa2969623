/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lk_scope.h: key names for per-scope locks (one lock per user, per collection, ...): "prefix:{scope}:name".
 *
 * Redis Cluster hashes only the text between a key's first '{' and the next '}' (its hash tag) when that text is not
 * empty, so every key of one scope lives in one hash slot: its locks, their fence counters (lk_mutex appends
 * ":fence"), and the scope's clear epoch "prefix:{scope}:epoch" (lk_mutex_opts.epoch_key). A script over them is
 * then valid in a cluster, and clearing a scope (lk_clear with lk_scope_prefix and lk_scope_epoch_key) bumps that
 * scope's epoch alone. Scopes are data (user or collection ids are fine here: they name keys, not metric labels).
 *
 * Invariant: a scope is 1..LK_SCOPE_MAX bytes without '{', '}' or NUL, so the hash tag is exactly the scope.
 */
#ifndef RACEBED_CORE_LK_SCOPE_H
#define RACEBED_CORE_LK_SCOPE_H

#include <stddef.h>

#include "core/lk_rc.h"

enum { LK_SCOPE_MAX = 64, LK_CLUSTER_SLOTS = 16384 };

/* "prefix:{scope}:name" into 'out' of 'cap' bytes. Returns LK_OK, or LK_EINVAL (empty prefix or name, a scope that
 * is empty, too long or has a brace, or a result that does not fit) with out = "". */
lk_rc lk_scope_key(char *out, size_t cap, const char *prefix, const char *scope, const char *name);
/* The scope's clear epoch key, "prefix:{scope}:epoch" (LK_EINVAL as above). */
lk_rc lk_scope_epoch_key(char *out, size_t cap, const char *prefix, const char *scope);
/* The prefix of every key of the scope, "prefix:{scope}:", for lk_clear (LK_EINVAL as above). */
lk_rc lk_scope_prefix(char *out, size_t cap, const char *prefix, const char *scope);

/* The Redis Cluster hash slot of the 'len' bytes of 'key': CRC16 (XMODEM) of its hash tag, or of the whole key when
 * it has none, modulo LK_CLUSTER_SLOTS. */
unsigned lk_key_slot(const char *key, size_t len);

#endif
