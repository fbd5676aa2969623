/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_pending.c: how a pending visible op is named in traces and schedule files (contract in sim_pending.h).
 */
#include "sim/engine/sim_pending.h"

#include <stdio.h>
#include <string.h>

#include "core/lk_command.h"

#include "sim/sim_schedule.h"

static const char *const vop_labels[] = {
#define X(name, label) label,
    SIM_VOP_MAP(X)
#undef X
};

/* The table row of a pending command, or NULL (not a command, or a name the table does not have). */
static const lk_command *pending_command(const sim_pending *p) {
    if (p->vop != SIM_VOP_STORE || p->op.kind != LK_OP_COMMAND || p->op.argc < 1 || p->op.argv == NULL ||
        p->op.argv[0] == NULL)
        return NULL;
    return lk_command_lookup(p->op.argv[0], p->op.argv_len ? p->op.argv_len[0] : strlen(p->op.argv[0]));
}

const char *sim__pending_label(const sim_pending *p) {
    if (p->vop == SIM_VOP_STORE && p->op.kind == LK_OP_COMMAND) {
        const lk_command *row = pending_command(p);
        return row ? row->name : "command"; /* the table's name: static, stable across builds */
    }
    if (p->vop == SIM_VOP_STORE) return lk_op_label(p->op.kind);
    if (p->vop == SIM_VOP_EVENT) return p->label;
    if (p->vop == SIM_VOP_RESOURCE)
        return p->res_op == SIM_RES_READ ? "res_read" : p->res_op == SIM_RES_WRITE ? "res_write" : "res_floor";
    return vop_labels[p->vop];
}

void sim__pending_object(const sim_run *run, const sim_pending *p, char *buf, size_t cap) {
    switch (p->vop) {
    case SIM_VOP_STORE:
        if (p->op.kind == LK_OP_COMMAND) {
            const lk_command *row = pending_command(p);
            int k = row && row->first_key > 0 && row->first_key < p->op.argc ? row->first_key : -1;
            if (row && (row->flags & LK_CMDF_PUBSUB) && p->op.argc > 1) k = 1; /* the channel */
            size_t n = k < 0 ? 1 : p->op.argv_len ? p->op.argv_len[k] : strlen(p->op.argv[k]);
            snprintf(buf, cap, "%.*s", (int)(n < 120 ? n : 120), k < 0 ? "-" : p->op.argv[k]);
        } else if (p->op.kind == LK_OP_READ) {
            snprintf(buf, cap, "inbox");
        } else {
            snprintf(buf, cap, "%s", p->op.key);
        }
        break;
    case SIM_VOP_SLEEP: sim_duration_format(p->ns, buf, cap); break;
    case SIM_VOP_LOCK:
    case SIM_VOP_UNLOCK:
    case SIM_VOP_WAKE: snprintf(buf, cap, "%s", run->mutex[p->obj].name); break;
    case SIM_VOP_WAIT: sim_duration_format(p->ns, buf, cap); break;
    case SIM_VOP_TASK_JOIN: snprintf(buf, cap, "%s", run->thread[p->obj].name); break;
    case SIM_VOP_RESOURCE: snprintf(buf, cap, "%s", run->resource[p->obj].name); break;
    case SIM_VOP_YIELD:
    case SIM_VOP_TASK_START: snprintf(buf, cap, "%s", p->label); break;
    case SIM_VOP_EVENT: snprintf(buf, cap, "%s", p->key ? p->key : "-"); break;
    default: snprintf(buf, cap, "-"); break;
    }
}
