/* SPDX-License-Identifier: BSD-3-Clause */
/* lk_rc.c: names and messages of the LK_RC_MAP table. Pure, no state. */
#include "core/lk_rc.h"

const char *lk_strerror(lk_rc rc) {
    switch (rc) {
#define LK_RC_MSG(name, msg)                                                                                           \
    case LK_##name: return msg;
        LK_RC_MAP(LK_RC_MSG)
#undef LK_RC_MSG
    default: return "unknown return code";
    }
}

const char *lk_rc_name(lk_rc rc) {
    switch (rc) {
#define LK_RC_NAME(name, msg)                                                                                          \
    case LK_##name: return "LK_" #name;
        LK_RC_MAP(LK_RC_NAME)
#undef LK_RC_NAME
    default: return "LK_UNKNOWN";
    }
}
