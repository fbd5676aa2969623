/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_visited.c: the visited set (contract in sim_visited.h): open addressing over 16-byte slots, 108 bits of the
 * fingerprint and 20 of depth, doubling at 3/4 full. A shared set keeps its header and its table in shared mappings
 * made before the workers fork, and serializes every call with a spin lock: a call is a probe of a few slots, far
 * shorter than the step of a simulated execution between two calls, so one lock does not make workers wait long.
 */
#define _GNU_SOURCE
#include "sim/search/sim_visited.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

enum { VISITED_HUGE_PAGE = 2 << 20 };

/* Zeroed memory for a private table of 'bytes', or NULL. A probe is a random access, and with 4 KiB pages most
 * probes of a large table miss the TLB too: a table of 2 MiB or more gets a mapping of its own aligned to 2 MiB,
 * which the kernel may back with huge pages (best effort: madvise may be refused). */
static void *visited_table_alloc(size_t bytes) {
    if (bytes < VISITED_HUGE_PAGE) return calloc(1, bytes);
    size_t span = bytes + VISITED_HUGE_PAGE;
    unsigned char *p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    size_t lead = (VISITED_HUGE_PAGE - (size_t)((uintptr_t)p & (VISITED_HUGE_PAGE - 1))) & (VISITED_HUGE_PAGE - 1);
    if (lead > 0) munmap(p, lead);
    munmap(p + lead + bytes, span - lead - bytes);
    (void)madvise(p + lead, bytes, MADV_HUGEPAGE);
    return p + lead;
}

static void visited_table_free(void *p, size_t bytes) {
    if (bytes < VISITED_HUGE_PAGE)
        free(p);
    else if (p != NULL)
        munmap(p, bytes);
}

void sim_visited_init(sim_visited *v, size_t max) {
    memset(v, 0, sizeof(*v));
    v->max = max;
}

void sim_visited_free(sim_visited *v) {
    if (v->shared) return; /* sim_visited_free_shared */
    visited_table_free(v->slot, v->cap * sizeof(sim_fp));
    visited_table_free(v->value, v->with_values ? v->cap * sizeof(uint64_t) : 0);
    memset(v, 0, sizeof(*v));
}

static void visited_lock(sim_visited *v) {
    if (!v->shared) return;
    for (int spins = 0; __atomic_exchange_n(&v->lock, 1, __ATOMIC_ACQUIRE); spins++)
        if (spins > 64) sched_yield(); /* the holder may be descheduled: give it the CPU */
}

static void visited_unlock(sim_visited *v) {
    if (v->shared) __atomic_store_n(&v->lock, 0, __ATOMIC_RELEASE);
}

static size_t visited_entry_bytes(const sim_visited *v) {
    return sizeof(sim_fp) + (v->with_values ? sizeof(uint64_t) : 0);
}

size_t sim_visited_bytes(const sim_visited *v) {
    return v->cap * visited_entry_bytes(v);
}

size_t sim_visited_count(sim_visited *v) {
    visited_lock(v);
    size_t n = v->count;
    visited_unlock(v);
    return n;
}

/* The capacity a set of 'max' states reaches at most (at most 3/4 full). */
static size_t visited_cap_max(size_t max) {
    size_t cap = 1024;
    while ((max + 1) * 4 > cap * 3 && cap < ((size_t)1 << 40))
        cap *= 2;
    return cap;
}

sim_visited *sim_visited_new_shared(size_t max, int with_values, char *err, size_t cap) {
    sim_visited *v = mmap(NULL, sizeof(*v), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (v == MAP_FAILED) {
        snprintf(err, cap, "cannot map a shared visited set: %m");
        return NULL;
    }
    sim_visited_init(v, max);
    v->with_values = with_values;
    v->shared = 1;
    v->half_bytes = visited_cap_max(max) * visited_entry_bytes(v);
    void *r = mmap(NULL, 2 * v->half_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED) {
        snprintf(err, cap, "cannot reserve %zu MiB of shared memory for %zu states: %m (lower --states-max)",
                 (2 * v->half_bytes) >> 20, max);
        munmap(v, sizeof(*v));
        return NULL;
    }
    v->region = r;
    v->half_zero[0] = v->half_zero[1] = 1;
    return v;
}

void sim_visited_free_shared(sim_visited *v) {
    if (v == NULL) return;
    munmap(v->region, 2 * v->half_bytes);
    munmap(v, sizeof(*v));
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

/* The slot of 'fp' if it is in the set, else -1. */
static long visited_slot_of(const sim_visited *v, sim_fp fp) {
    if (v->cap == 0 || !v->with_values) return -1;
    size_t i = visited_find(v, visited_key(fp, 0));
    return v->slot[i].lo | v->slot[i].hi ? (long)i : -1;
}

int sim_visited_get(sim_visited *v, sim_fp fp, uint64_t *value) {
    visited_lock(v);
    long i = visited_slot_of(v, fp);
    if (i >= 0) *value = v->value[i];
    visited_unlock(v);
    return i >= 0;
}

int sim_visited_set(sim_visited *v, sim_fp fp, int depth, uint64_t value) {
    uint64_t d = depth < 0 ? 0 : depth > SIM_VISITED_DEPTH_MAX ? SIM_VISITED_DEPTH_MAX : (uint64_t)depth;
    visited_lock(v);
    long i = visited_slot_of(v, fp);
    int kept = i >= 0 && (v->slot[i].hi & SIM_VISITED_DEPTH_MAX) == d;
    if (kept) v->value[i] = value;
    visited_unlock(v);
    return kept;
}

enum { VISITED_CHUNK_SLOTS = 1 << 18 }; /* 4 MiB of slots, 2 MiB of values: whole huge pages of both */

/* Moves the entries into a table of 'cap' slots at 'slot' and 'value' (zeroed). A large old table (a mapping of
 * its own: visited_table_alloc, or a shared half) gives its pages back chunk by chunk as they are emptied: an entry
 * lands near its old index or that plus the old capacity, so the new table's pages fill as fast as the old one's
 * are freed, and growing to 'cap' slots never holds much more than the new table (12.1 M states of spin_anchor: a
 * 384 MiB table, 404 MiB peak RSS; 588 MiB with both tables whole). */
static void visited_rehash(sim_visited *v, size_t cap, sim_fp *slot, uint64_t *value) {
    sim_visited n = *v;
    n.cap = cap;
    n.slot = slot;
    n.value = value;
    int release = v->cap >= VISITED_CHUNK_SLOTS; /* then a multiple of it */
    for (size_t i = 0; i < v->cap; i++) {
        if (v->slot[i].lo | v->slot[i].hi) {
            size_t j = visited_find(&n, v->slot[i]);
            n.slot[j] = v->slot[i];
            if (v->with_values) n.value[j] = v->value[i];
        }
        if (release && (i + 1) % VISITED_CHUNK_SLOTS == 0) { /* best effort: madvise may be refused */
            size_t from = i + 1 - VISITED_CHUNK_SLOTS;
            int how = v->shared ? MADV_REMOVE : MADV_DONTNEED;
            (void)madvise(&v->slot[from], VISITED_CHUNK_SLOTS * sizeof(sim_fp), how);
            if (v->with_values) (void)madvise(&v->value[from], VISITED_CHUNK_SLOTS * sizeof(uint64_t), how);
        }
    }
    v->cap = cap;
    v->slot = slot;
    v->value = value;
}

/* A shared set grows into the other half of its region, then gives the old half's pages back. */
static int visited_grow_shared(sim_visited *v) {
    size_t cap = v->cap ? v->cap * 2 : 1024;
    if (cap * visited_entry_bytes(v) > v->half_bytes) return -1;
    unsigned char *old = (unsigned char *)v->slot;
    size_t old_bytes = sim_visited_bytes(v);
    int half = v->cap ? !v->half : 0;
    unsigned char *base = v->region + (size_t)half * v->half_bytes;
    /* Zeroed here only if its pages may still hold entries: a memset would touch the whole new table at once, and
     * the old one is still whole then (R=2 spin_anchor on 2 workers: an 18.1 GiB peak for a 12.0 GiB table). */
    if (!v->half_zero[half]) memset(base, 0, cap * visited_entry_bytes(v));
    v->half_zero[half] = 0;
    visited_rehash(v, cap, (sim_fp *)base, v->with_values ? (uint64_t *)(base + cap * sizeof(sim_fp)) : NULL);
    v->half = half;
    if (old != NULL) /* best effort: a half whose pages were not all given back is zeroed before its next use */
        v->half_zero[!half] = madvise(old, old_bytes, MADV_REMOVE) == 0;
    return 0;
}

static int visited_grow(sim_visited *v) {
    if (v->shared) return visited_grow_shared(v);
    size_t cap = v->cap ? v->cap * 2 : 1024, old_cap = v->cap;
    size_t value_bytes = v->with_values ? cap * sizeof(uint64_t) : 0;
    sim_fp *slot = visited_table_alloc(cap * sizeof(sim_fp));
    uint64_t *value = value_bytes ? visited_table_alloc(value_bytes) : NULL;
    if (slot == NULL || (v->with_values && value == NULL)) {
        visited_table_free(slot, cap * sizeof(sim_fp));
        visited_table_free(value, value_bytes);
        return -1;
    }
    sim_fp *old_slot = v->slot;
    uint64_t *old_value = v->value;
    visited_rehash(v, cap, slot, value);
    visited_table_free(old_slot, old_cap * sizeof(sim_fp));
    visited_table_free(old_value, v->with_values ? old_cap * sizeof(uint64_t) : 0);
    return 0;
}

static int visited_add_locked(sim_visited *v, sim_fp fp, uint64_t d) {
    fp = visited_key(fp, d);
    if (v->cap > 0) {
        size_t i = visited_find(v, fp);
        if (v->slot[i].lo | v->slot[i].hi) {
            if ((v->slot[i].hi & SIM_VISITED_DEPTH_MAX) <= d) return 0;
            v->slot[i].hi = fp.hi; /* seen deeper before: its subtree had less budget left; explore again */
            if (v->with_values) v->value[i] = 0;
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

int sim_visited_add(sim_visited *v, sim_fp fp, int depth) {
    uint64_t d = depth < 0 ? 0 : depth > SIM_VISITED_DEPTH_MAX ? SIM_VISITED_DEPTH_MAX : (uint64_t)depth;
    visited_lock(v);
    int r = visited_add_locked(v, fp, d);
    visited_unlock(v);
    return r;
}
