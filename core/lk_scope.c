/* SPDX-License-Identifier: BSD-3-Clause */
/* lk_scope.c: per-scope key names and the cluster hash slot. Pure. */
#include "core/lk_scope.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int scope_valid(const char *prefix, const char *scope) {
    if (prefix == NULL || prefix[0] == '\0' || scope == NULL || scope[0] == '\0') return 0;
    size_t n = strlen(scope);
    return n <= LK_SCOPE_MAX && strpbrk(scope, "{}") == NULL;
}

/* "prefix:{scope}:tail" (tail non-empty) or "prefix:{scope}:" (tail ""). */
static lk_rc scope_format(char *out, size_t cap, const char *prefix, const char *scope, const char *tail) {
    if (cap > 0) out[0] = '\0';
    if (!scope_valid(prefix, scope) || tail == NULL) return LK_EINVAL;
    int n = snprintf(out, cap, "%s:{%s}:%s", prefix, scope, tail);
    if (n < 0 || (size_t)n >= cap) {
        if (cap > 0) out[0] = '\0';
        return LK_EINVAL;
    }
    return LK_OK;
}

lk_rc lk_scope_key(char *out, size_t cap, const char *prefix, const char *scope, const char *name) {
    if (name == NULL || name[0] == '\0') {
        if (cap > 0) out[0] = '\0';
        return LK_EINVAL;
    }
    return scope_format(out, cap, prefix, scope, name);
}

lk_rc lk_scope_epoch_key(char *out, size_t cap, const char *prefix, const char *scope) {
    return scope_format(out, cap, prefix, scope, "epoch");
}

lk_rc lk_scope_prefix(char *out, size_t cap, const char *prefix, const char *scope) {
    return scope_format(out, cap, prefix, scope, "");
}

/* CRC16-CCITT, XMODEM variant: polynomial 0x1021, initial value 0, no reflection (the Cluster specification's). */
static uint16_t crc16(const unsigned char *p, size_t len) {
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)(p[i] << 8);
        for (int b = 0; b < 8; b++)
            crc = (uint16_t)(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    return crc;
}

unsigned lk_key_slot(const char *key, size_t len) {
    const char *open = memchr(key, '{', len);
    if (open != NULL) {
        size_t at = (size_t)(open - key) + 1;
        const char *close = memchr(key + at, '}', len - at);
        if (close != NULL && close > key + at) /* a non-empty tag: only it is hashed */
            return crc16((const unsigned char *)key + at, (size_t)(close - (key + at))) % LK_CLUSTER_SLOTS;
    }
    return crc16((const unsigned char *)key, len) % LK_CLUSTER_SLOTS;
}
