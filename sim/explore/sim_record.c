/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_record.c: choices as schedule decisions and back, and schedule headers (contract in sim_record.h).
 */
#include "sim/explore/sim_record.h"

#include <stdio.h>
#include <string.h>

#include "sim/engine/sim_pending.h"

void sim_choice_to_decision(const sim_run *run, const sim_choice *c, sim_decision *d) {
    memset(d, 0, sizeof(*d));
    d->kind = c->kind;
    d->duration_ns = c->duration_ns;
    d->variant = c->variant;
    const sim_thread *t = c->thread >= 0 ? &run->thread[c->thread] : NULL;
    switch (c->kind) {
    case SIM_DEC_RUN:
        lk_copy_str(d->name, sizeof(d->name), t->name);
        lk_copy_str(d->op, sizeof(d->op), sim__pending_label(&t->pend));
        sim__pending_object(run, &t->pend, d->key, sizeof(d->key));
        break;
    case SIM_DEC_PAUSE:
    case SIM_DEC_FAULT: lk_copy_str(d->name, sizeof(d->name), t->name); break;
    case SIM_DEC_CRASH: lk_copy_str(d->name, sizeof(d->name), c->proc >= 0 ? run->proc[c->proc].name : t->name); break;
    case SIM_DEC_WALL: lk_copy_str(d->name, sizeof(d->name), c->proc >= 0 ? run->proc[c->proc].name : "server"); break;
    case SIM_DEC_RESTART: lk_copy_str(d->name, sizeof(d->name), "server"); break;
    default: break;
    }
}

static int faults_find_thread(const sim_run *run, const char *name) {
    for (int i = 0; i < run->thread_count; i++)
        if (strcmp(run->thread[i].name, name) == 0) return i;
    return -1;
}

static int faults_find_proc(const sim_run *run, const char *name) {
    for (int i = 0; i < run->proc_count; i++)
        if (strcmp(run->proc[i].name, name) == 0) return i;
    return -1;
}

/* RUN: the thread must exist, be stopped at the expected op and object, and be able to proceed. */
static int faults_check_run(const sim_run *run, const sim_decision *d, int i, char *why, size_t cap) {
    const sim_thread *t = &run->thread[i];
    if (t->state != SIM_T_PENDING) {
        snprintf(why, cap, "%s is not at a visible op (it %s)", t->name,
                 t->state == SIM_T_DONE      ? "has ended"
                 : t->state == SIM_T_CRASHED ? "crashed"
                                             : "is waiting");
        return 0;
    }
    char obj[LK_KEY_MAX];
    sim__pending_object(run, &t->pend, obj, sizeof(obj));
    if (strcmp(sim__pending_label(&t->pend), d->op) != 0 || (d->key[0] && strcmp(obj, d->key) != 0)) {
        snprintf(why, cap, "%s is at '%s %s'", t->name, sim__pending_label(&t->pend), obj);
        return 0;
    }
    if (!sim_thread_enabled(run, i)) {
        snprintf(why, cap, "%s cannot proceed now ('%s %s' is blocked or paused)", t->name, d->op, obj);
        return 0;
    }
    return 1;
}

int sim_decision_to_choice(const sim_run *run, const sim_decision *d, sim_choice *out, char *why, size_t cap) {
    memset(out, 0, sizeof(*out));
    out->kind = d->kind;
    out->thread = -1;
    out->proc = -1;
    out->duration_ns = d->duration_ns;
    out->variant = d->variant;
    switch (d->kind) {
    case SIM_DEC_RUN:
    case SIM_DEC_PAUSE:
    case SIM_DEC_FAULT:
        if ((out->thread = faults_find_thread(run, d->name)) < 0) {
            snprintf(why, cap, "no thread named '%s' in this run", d->name);
            return 0;
        }
        if (d->kind == SIM_DEC_RUN) return faults_check_run(run, d, out->thread, why, cap);
        break;
    case SIM_DEC_CRASH:
        if ((out->thread = faults_find_thread(run, d->name)) < 0 && (out->proc = faults_find_proc(run, d->name)) < 0) {
            snprintf(why, cap, "no thread or process named '%s' in this run", d->name);
            return 0;
        }
        break;
    case SIM_DEC_WALL:
        if (strcmp(d->name, "server") != 0 && (out->proc = faults_find_proc(run, d->name)) < 0) {
            snprintf(why, cap, "no clock named '%s' (use 'server' or a process name)", d->name);
            return 0;
        }
        break;
    default: break;
    }
    return sim_choice_valid(run, out, why, cap);
}

void sim_schedule_capture(sim_schedule *cap, const sim_run *run, const sim_choice *c) {
    sim_decision d;
    sim_choice_to_decision(run, c, &d);
    if ((d.kind == SIM_DEC_RESTART && d.variant == SIM_RESTART_LOSE_LAST) ||
        (d.kind == SIM_DEC_FAULT && d.variant == SIM_FAULT_LATE_TIMEOUT))
        cap->model_only = 1;
    sim_schedule_append(cap, &d);
}

void sim_schedule_header(sim_schedule *s, const sim_config *cfg, uint64_t seed, const char *strategy) {
    s->version = SIM_SCHEDULE_VERSION;
    lk_copy_str(s->tool, sizeof(s->tool), "racebed " RACEBED_VERSION);
    lk_copy_str(s->scenario, sizeof(s->scenario), cfg->scenario->name);
    lk_copy_str(s->variant, sizeof(s->variant), cfg->scenario->variants[cfg->variant].name);
    for (int i = 0; i < sim_param_count(cfg->scenario); i++)
        sim_schedule_set_param(s, sim_param_def_at(cfg->scenario, i)->name, cfg->param[i]);
    s->has_seed = 1;
    s->seed = seed;
    if (strategy) lk_copy_str(s->strategy, sizeof(s->strategy), strategy);
}

void sim_schedule_scripts(sim_schedule *s, const sim_run *run) {
    for (int i = 0; i < run->script_file_count && s->script_count < SIM_SCRIPTS_MAX; i++) {
        int known = 0;
        for (int k = 0; k < s->script_count; k++)
            known |= strcmp(s->script_path[k], run->script_file[i].path) == 0;
        if (known) continue;
        lk_copy_str(s->script_path[s->script_count], SIM_SCRIPT_PATH_MAX, run->script_file[i].path);
        memcpy(s->script_sha[s->script_count], run->script_file[i].sha, 41);
        s->script_line[s->script_count++] = 0;
    }
}
