/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_faults.c: the fault table and random fault picking (see sim_faults.h).
 *
 * Picking: a kind is drawn uniformly from the mask; its target is drawn uniformly from the threads (or processes,
 * or clocks) it can apply to now. Durations come from the built-in parameters (pause_ms, wall_step_ms,
 * restart_loss_ms), so a strategy's branching stays small and a schedule stays readable.
 */
#include "sim/engine/sim_pending.h"
#include "sim/run/sim_rng.h"
#include "sim/explore/sim_faults.h"

#include <stdio.h>
#include <string.h>

static const char *const fault_words[] = {
#define X(name, word, doc) word,
    SIM_FAULT_KIND_MAP(X)
#undef X
};
static const char *const fault_docs[] = {
#define X(name, word, doc) doc,
    SIM_FAULT_KIND_MAP(X)
#undef X
};

const char *sim_fault_word(int b) {
    return b >= 0 && b < SIM_FAULT_BIT_COUNT_ ? fault_words[b] : "?";
}
const char *sim_fault_doc(int b) {
    return b >= 0 && b < SIM_FAULT_BIT_COUNT_ ? fault_docs[b] : "?";
}

int sim_faults_parse(const char *text, unsigned *mask, char *err, size_t cap) {
    *mask = 0;
    if (strcmp(text, "none") == 0) return 0;
    if (strcmp(text, "all") == 0) {
        *mask = (1u << SIM_FAULT_BIT_COUNT_) - 1;
        return 0;
    }
    const char *p = text;
    while (*p) {
        size_t n = strcspn(p, ",");
        int found = -1;
        for (int b = 0; b < SIM_FAULT_BIT_COUNT_; b++)
            if (strlen(fault_words[b]) == n && strncmp(p, fault_words[b], n) == 0) found = b;
        if (found < 0) {
            int m = snprintf(err, cap, "unknown fault '%.*s' (known: all, none", (int)n, p);
            for (int b = 0; b < SIM_FAULT_BIT_COUNT_ && m > 0 && (size_t)m < cap; b++)
                m += snprintf(err + m, cap - (size_t)m, ", %s", fault_words[b]);
            if (m > 0 && (size_t)m < cap) snprintf(err + m, cap - (size_t)m, ")");
            return -1;
        }
        *mask |= 1u << found;
        p += n;
        if (*p == ',') p++;
    }
    return 0;
}

void sim_faults_format(unsigned mask, char *buf, size_t cap) {
    size_t used = 0;
    buf[0] = '\0';
    for (int b = 0; b < SIM_FAULT_BIT_COUNT_; b++) {
        if (!(mask & (1u << b))) continue;
        int n = snprintf(buf + used, cap - used, "%s%s", used ? "," : "", fault_words[b]);
        if (n < 0 || (size_t)n >= cap - used) break;
        used += (size_t)n;
    }
    if (used == 0) snprintf(buf, cap, "none");
}

static int faults_live(const sim_thread *t) {
    return t->state == SIM_T_WAITING || t->state == SIM_T_PENDING || t->state == SIM_T_RUNNING;
}

/* A uniformly drawn live thread, or -1. */
static int faults_live_thread(const sim_run *run, uint64_t rng[4]) {
    int live[SIM_THREADS_MAX], n = 0;
    for (int i = 0; i < run->thread_count; i++)
        if (faults_live(&run->thread[i])) live[n++] = i;
    return n ? live[sim__rng_next(rng) % (uint64_t)n] : -1;
}

int sim_faults_pick(sim_run *run, unsigned mask, uint64_t rng[4], const int *enabled, int n, sim_choice *out) {
    int kinds[SIM_FAULT_BIT_COUNT_], k = 0;
    for (int b = 0; b < SIM_FAULT_BIT_COUNT_; b++)
        if (mask & (1u << b)) kinds[k++] = b;
    if (k == 0) return 0;
    memset(out, 0, sizeof(*out));
    out->thread = -1;
    out->proc = -1;
    int t, kind = kinds[sim__rng_next(rng) % (uint64_t)k];
    switch (kind) {
    case SIM_FAULT_BIT_CRASH:
        if ((t = faults_live_thread(run, rng)) < 0) return 0;
        out->kind = SIM_DEC_CRASH;
        if (sim__rng_next(rng) & 1)
            out->proc = run->thread[t].proc;
        else
            out->thread = t;
        break;
    case SIM_FAULT_BIT_PAUSE:
        if ((t = faults_live_thread(run, rng)) < 0) return 0;
        out->kind = SIM_DEC_PAUSE;
        out->thread = t;
        out->duration_ns = sim__builtin(run, SIM_PARAM_PAUSE_MS) * 1000000;
        break;
    case SIM_FAULT_BIT_WALL:
        out->kind = SIM_DEC_WALL;
        out->proc = (int)(sim__rng_next(rng) % (uint64_t)(run->proc_count + 1)) - 1;
        out->duration_ns = sim__builtin(run, SIM_PARAM_WALL_STEP_MS) * 1000000 * ((sim__rng_next(rng) & 1) ? 1 : -1);
        break;
    case SIM_FAULT_BIT_RESTART:
        out->kind = SIM_DEC_RESTART;
        out->variant = run->log_ops && (sim__rng_next(rng) & 1) ? SIM_RESTART_LOSE_LAST : SIM_RESTART_LOSE_ALL;
        if (out->variant == SIM_RESTART_LOSE_LAST)
            out->duration_ns = sim__builtin(run, SIM_PARAM_RESTART_LOSS_MS) * 1000000;
        break;
    default: { /* reply-lost, conn-error: a thread about to send a store op; late-timeout: a blocking pop */
        int senders[SIM_THREADS_MAX], m = 0;
        int variant = kind == SIM_FAULT_BIT_REPLY_LOST   ? SIM_FAULT_REPLY_LOST
                      : kind == SIM_FAULT_BIT_CONN_ERROR ? SIM_FAULT_CONN_ERROR
                                                         : SIM_FAULT_LATE_TIMEOUT;
        for (int i = 0; i < n; i++)
            if (sim_store_fault_applies(run, &run->thread[enabled[i]].pend, variant)) senders[m++] = enabled[i];
        if (m == 0) return 0;
        out->kind = SIM_DEC_FAULT;
        out->thread = senders[sim__rng_next(rng) % (uint64_t)m];
        out->variant = variant;
        break;
    }
    }
    return sim_choice_valid(run, out, NULL, 0);
}
