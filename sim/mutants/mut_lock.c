/* SPDX-License-Identifier: BSD-3-Clause */
/* mut_lock.c: the core protocol entry and the token helper shared by mutants. */
#include "mut_lock.h"

const mut_protocol mut_core = {"core", lk_mutex_try_acquire, lk_mutex_acquire, lk_mutex_release};

lk_rc mut__new_token(lk_mutex *m) {
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[LK_TOKEN_BYTES];
    lk_rc rc = lk_env_entropy(m->env, raw, sizeof(raw));
    if (rc != LK_OK) return rc;
    for (int i = 0; i < LK_TOKEN_BYTES; i++) {
        m->token[2 * i] = hex[raw[i] >> 4];
        m->token[2 * i + 1] = hex[raw[i] & 15];
    }
    m->token[LK_TOKEN_HEX - 1] = '\0';
    return LK_OK;
}
