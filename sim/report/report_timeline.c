/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * report_timeline.c: a replayed execution's steps kept as data (contract in report_timeline.h).
 */
#include "sim/report/report_timeline.h"

#include <stdlib.h>
#include <string.h>

/* Grows '*items' ('*cap' of 'size' bytes) to hold one more than 'count'. Returns 0 or -1. */
static int timeline_grow(void **items, int *cap, int count, size_t size) {
    if (count < *cap) return 0;
    int n = *cap ? *cap * 2 : 256;
    void *p = realloc(*items, (size_t)n * size);
    if (p == NULL) return -1;
    *items = p;
    *cap = n;
    return 0;
}

static char *timeline_dup(const char *s) {
    size_t n = strlen(s ? s : "") + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s ? s : "", n);
    return d;
}

void report_timeline_add(void *ctx, const sim_trace_event *ev) {
    report_timeline *t = ctx;
    if (t->failed || t->count == REPORT_STEPS_MAX || t->lease_count + ev->lease_count > REPORT_LEASES_MAX) {
        t->dropped++;
        return;
    }
    if (timeline_grow((void **)&t->step, &t->cap, t->count, sizeof(*t->step)) != 0 ||
        timeline_grow((void **)&t->lease, &t->lease_cap, t->lease_count + ev->lease_count, sizeof(*t->lease)) != 0) {
        t->failed = 1;
        return;
    }
    while (t->lease_count + ev->lease_count > t->lease_cap) /* one step may bring more leases than one doubling */
        if (timeline_grow((void **)&t->lease, &t->lease_cap, t->lease_cap, sizeof(*t->lease)) != 0) {
            t->failed = 1;
            return;
        }
    report_step *s = &t->step[t->count];
    memset(s, 0, sizeof(*s));
    s->kind = ev->kind;
    s->step = ev->step;
    s->line = ev->line;
    s->time_ns = ev->time_ns;
    s->server_ms = ev->server_ms;
    s->thread = ev->thread;
    s->store = ev->store;
    lk_copy_str(s->who, sizeof(s->who), ev->who);
    lk_copy_str(s->op, sizeof(s->op), ev->op);
    lk_copy_str(s->object, sizeof(s->object), ev->object);
    lk_copy_str(s->fault, sizeof(s->fault), ev->fault);
    s->args = timeline_dup(ev->args);
    s->result = timeline_dup(ev->result);
    s->decision = timeline_dup(ev->decision);
    s->text = timeline_dup(ev->text);
    if (!s->args || !s->result || !s->decision || !s->text) {
        free(s->args);
        free(s->result);
        free(s->decision);
        free(s->text);
        t->failed = 1;
        return;
    }
    s->lease_first = t->lease_count;
    s->lease_count = ev->lease_count;
    memcpy(&t->lease[t->lease_count], ev->lease, (size_t)ev->lease_count * sizeof(*ev->lease));
    t->lease_count += ev->lease_count;
    t->count++;
}

void report_timeline_free(report_timeline *t) {
    for (int i = 0; i < t->count; i++) {
        free(t->step[i].args);
        free(t->step[i].result);
        free(t->step[i].decision);
        free(t->step[i].text);
    }
    free(t->step);
    free(t->lease);
    memset(t, 0, sizeof(*t));
}
