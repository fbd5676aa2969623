/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lk_scripts.c: the lock composites' Lua scripts (contract in lk_scripts.h).
 */
#include "core/lk_scripts.h"

#include <assert.h>

static const char *const lk_script_texts[] = {
#define X(name, text) text,
    LK_SCRIPT_MAP(X)
#undef X
};

const char *lk_script_text(lk_script which) {
    assert(which >= 0 && which < LK_SCRIPT_COUNT_);
    return lk_script_texts[which];
}
