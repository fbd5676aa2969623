/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_pending.c: how a pending visible op is named in traces and schedule files (contract in sim_pending.h).
 */
#include "sim/engine/sim_pending.h"

#include <stdio.h>

#include "sim/sim_schedule.h"

static const char *const vop_labels[] = {
#define X(name, label) label,
    SIM_VOP_MAP(X)
#undef X
};

const char *sim__pending_label(const sim_pending *p) {
    if (p->vop == SIM_VOP_STORE) return lk_op_label(p->op.kind);
    if (p->vop == SIM_VOP_EVENT) return p->label;
    if (p->vop == SIM_VOP_RESOURCE)
        return p->res_op == SIM_RES_READ ? "res_read" : p->res_op == SIM_RES_WRITE ? "res_write" : "res_floor";
    return vop_labels[p->vop];
}

void sim__pending_object(const sim_run *run, const sim_pending *p, char *buf, size_t cap) {
    switch (p->vop) {
    case SIM_VOP_STORE: snprintf(buf, cap, "%s", p->op.key); break;
    case SIM_VOP_SLEEP: sim_duration_format(p->ns, buf, cap); break;
    case SIM_VOP_LOCK:
    case SIM_VOP_UNLOCK: snprintf(buf, cap, "%s", run->mutex[p->obj].name); break;
    case SIM_VOP_TASK_JOIN: snprintf(buf, cap, "%s", run->thread[p->obj].name); break;
    case SIM_VOP_RESOURCE: snprintf(buf, cap, "%s", run->resource[p->obj].name); break;
    case SIM_VOP_YIELD:
    case SIM_VOP_TASK_START: snprintf(buf, cap, "%s", p->label); break;
    case SIM_VOP_EVENT: snprintf(buf, cap, "%s", p->key ? p->key : "-"); break;
    default: snprintf(buf, cap, "-"); break;
    }
}

