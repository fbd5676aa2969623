/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_visited.c: the visited set (contract in sim_visited.h): open addressing over 16-byte slots, 108 bits of the
 * fingerprint and 20 of depth, doubling at 3/4 full.
 */
#include "sim/search/sim_visited.h"

#include <stdlib.h>
#include <string.h>

void sim_visited_init(sim_visited *v, size_t max) {
    memset(v, 0, sizeof(*v));
    v->max = max;
}

void sim_visited_free(sim_visited *v) {
    free(v->slot);
    free(v->value);
    memset(v, 0, sizeof(*v));
}

size_t sim_visited_bytes(const sim_visited *v) {
    return v->cap * (sizeof(sim_fp) + (v->with_values ? sizeof(uint64_t) : 0));
}

/* 'fp' as stored: the low 20 bits of hi hold the depth; never all zero. */
static sim_fp visited_key(sim_fp fp, uint64_t depth) {
    fp.hi = (fp.hi & ~(uint64_t)SIM_VISITED_DEPTH_MAX) | depth;
    if (fp.lo == 0 && (fp.hi >> 20) == 0) fp.lo = 1;
    return fp;
}

/* The slot holding 'fp' (any depth), or the empty slot where it would go. */
static size_t visited_find(const sim_visited *v, sim_fp fp) {
    size_t i = (size_t)fp.lo & (v->cap - 1);
    while ((v->slot[i].lo | v->slot[i].hi) && !(v->slot[i].lo == fp.lo && (v->slot[i].hi >> 20) == (fp.hi >> 20)))
        i = (i + 1) & (v->cap - 1);
    return i;
}

uint64_t *sim_visited_value(sim_visited *v, sim_fp fp) {
    if (v->cap == 0 || !v->with_values) return NULL;
    size_t i = visited_find(v, visited_key(fp, 0));
    return v->slot[i].lo | v->slot[i].hi ? &v->value[i] : NULL;
}

static int visited_grow(sim_visited *v) {
    size_t cap = v->cap ? v->cap * 2 : 1024;
    sim_visited n = *v;
    n.cap = cap;
    n.slot = calloc(cap, sizeof(sim_fp));
    n.value = v->with_values ? calloc(cap, sizeof(uint64_t)) : NULL;
    if (n.slot == NULL || (v->with_values && n.value == NULL)) {
        free(n.slot);
        free(n.value);
        return -1;
    }
    for (size_t i = 0; i < v->cap; i++)
        if (v->slot[i].lo | v->slot[i].hi) {
            size_t j = visited_find(&n, v->slot[i]);
            n.slot[j] = v->slot[i];
            if (v->with_values) n.value[j] = v->value[i];
        }
    free(v->slot);
    free(v->value);
    *v = n;
    return 0;
}

int sim_visited_add(sim_visited *v, sim_fp fp, int depth) {
    uint64_t d = depth < 0 ? 0 : depth > SIM_VISITED_DEPTH_MAX ? SIM_VISITED_DEPTH_MAX : (uint64_t)depth;
    fp = visited_key(fp, d);
    if (v->cap > 0) {
        size_t i = visited_find(v, fp);
        if (v->slot[i].lo | v->slot[i].hi) {
            if ((v->slot[i].hi & SIM_VISITED_DEPTH_MAX) <= d) return 0;
            v->slot[i].hi = fp.hi; /* seen deeper before: its subtree had less budget left; explore again */
            return 1;
        }
    }
    if (v->count >= v->max) return -1;
    if ((v->count + 1) * 4 > v->cap * 3 && visited_grow(v) != 0) return -1; /* at most 3/4 full */
    size_t i = visited_find(v, fp);
    v->slot[i] = fp;
    if (v->with_values) v->value[i] = 0;
    v->count++;
    return 1;
}
