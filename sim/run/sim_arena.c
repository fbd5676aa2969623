/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_arena.c: the fixed-address run arena and its heap (contract in sim_arena.h).
 *
 * Heap: power-of-two size classes from SIM_HEAP_MIN bytes; each block has a 16-byte header holding its class; freed
 * blocks go on their class's free list (offsets, so no pointer leaves the arena). Memory is zeroed on allocation,
 * so no earlier execution's bytes can leak into this one. Layout: [sim_run][heap][guard|stack] x SIM_THREADS_MAX.
 */
#define _GNU_SOURCE
#include "sim/run/sim_arena.h"

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_STACK_SIZE (512u * 1024u) /* the default; ASan frames are several times larger */
#else
#define ARENA_STACK_SIZE (128u * 1024u)
#endif
#define ARENA_SLOT_SIZE ((size_t)SIM_STACK_KIB_MAX * 1024u) /* room for the largest stack a run may ask for */
#define ARENA_HEAP_SIZE (8u * 1024u * 1024u)
#define ARENA_PAGE 4096u

static size_t arena_round(size_t n) {
    return (n + ARENA_PAGE - 1) & ~(size_t)(ARENA_PAGE - 1);
}

static size_t arena_total(void) {
    return arena_round(sizeof(sim_run)) + ARENA_HEAP_SIZE + (size_t)SIM_THREADS_MAX * (ARENA_PAGE + ARENA_SLOT_SIZE);
}

/* The top of thread slot 'i''s stack area (stacks grow down from here). */
static unsigned char *arena_slot_top(unsigned char *stacks, int i) {
    return stacks + (size_t)(i + 1) * (ARENA_PAGE + ARENA_SLOT_SIZE);
}

/* Makes the page below each stack of 'size' bytes the guard (PROT_NONE), and the one below 'old' bytes (0: none)
 * ordinary memory again. Returns 0 or -1. */
static int arena_guard(unsigned char *stacks, size_t old, size_t size) {
    for (int i = 0; i < SIM_THREADS_MAX; i++) {
        unsigned char *top = arena_slot_top(stacks, i);
        if (old && mprotect(top - old - ARENA_PAGE, ARENA_PAGE, PROT_READ | PROT_WRITE) != 0) return -1;
        if (mprotect(top - size - ARENA_PAGE, ARENA_PAGE, PROT_NONE) != 0) return -1;
    }
    return 0;
}

sim_run *sim_arena_map(char *err, size_t cap) {
    size_t total = arena_total();
    void *p = mmap((void *)SIM_ARENA_BASE, total, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED || (uintptr_t)p != SIM_ARENA_BASE) {
        snprintf(err, cap, "cannot map the run arena (%zu bytes) at 0x%llx: %s", total,
                 (unsigned long long)SIM_ARENA_BASE, p == MAP_FAILED ? strerror(errno) : "address taken");
        if (p != MAP_FAILED) munmap(p, total);
        return NULL;
    }
    sim_run *run = p;
    unsigned char *stacks = (unsigned char *)p + arena_round(sizeof(sim_run)) + ARENA_HEAP_SIZE;
    if (arena_guard(stacks, 0, ARENA_STACK_SIZE) != 0) {
        snprintf(err, cap, "cannot protect a stack guard page: %s", strerror(errno));
        munmap(p, total);
        return NULL;
    }
    run->guarded_stack_size = ARENA_STACK_SIZE;
    for (uint32_t i = 0; i < 2 * SIM_THREADS_MAX; i++) /* connection i has id i in every execution (it is hashed) */
        sim_redis_client_init(&run->client[i], i);
    sim_arena_reset(run);
    return run;
}

void sim_arena_unmap(sim_run *run) {
    if (run) munmap(run, arena_total());
}

/* Returns the run to all zeroes at the cost of what the last execution used, not of the struct's size (most of it is
 * tables an execution barely touches): the scalars are zeroed whole, each table up to its last count (entries
 * beyond it are still zero: they were cleared when last used, or never used), the store by its used-slot bitmap,
 * and the op log is left (entries beyond log_count are never read). */
void sim_arena_reset(sim_run *run) {
    int threads = run->thread_count, procs = run->proc_count, mutexes = run->mutex_count;
    int notes = run->note_count, resources = run->resource_count;
    int keys = run->oracle.lock_key_count, instances = run->oracle.instance_count, schemas = run->oracle.schema_count;
    memset(run, 0, offsetof(sim_run, thread));
    memset(run->thread, 0, sizeof(run->thread[0]) * (size_t)threads);
    for (int i = 0; i < procs; i++) /* metric rows past row_count are never read: lk_metrics zeroes a row it adds */
        memset(&run->proc[i], 0, offsetof(sim_process, metrics.row));
    memset(run->mutex, 0, sizeof(run->mutex[0]) * (size_t)mutexes);
    memset(run->oracle.lock_key, 0, sizeof(run->oracle.lock_key[0]) * (size_t)keys);
    memset(run->oracle.lease, 0, sizeof(run->oracle.lease[0]) * (size_t)keys);
    memset(run->oracle.instance, 0, sizeof(run->oracle.instance[0]) * (size_t)instances);
    memset(run->oracle.schema, 0, sizeof(run->oracle.schema[0]) * (size_t)schemas);
    run->oracle.lock_key_count = 0;
    run->oracle.instance_count = 0;
    run->oracle.schema_count = 0;
    memset(run->note, 0, sizeof(run->note[0]) * (size_t)notes);
    memset(run->resource, 0, sizeof(run->resource[0]) * (size_t)resources);
    sim_store_model_reset(&run->store);
    memset(run->cmd_log, 0, run->cmd_log_len);
    run->cmd_log_len = 0;
    for (int i = 0; i < threads; i++) { /* what the last execution's connections queued (the rest are clear) */
        sim_redis_client_clear(&run->client[i], (uint32_t)i);
        sim_redis_client_clear(&run->client[SIM_PUBSUB_CONN(i)], (uint32_t)SIM_PUBSUB_CONN(i));
    }
    run->heap = (unsigned char *)run + arena_round(sizeof(sim_run));
    run->heap_size = ARENA_HEAP_SIZE;
    run->stacks = run->heap + ARENA_HEAP_SIZE;
    run->stack_size = run->guarded_stack_size;
    run->current = -1;
}

int sim_arena_set_stack_kib(sim_run *run, int64_t kib) {
    size_t size = kib > 0 ? (size_t)kib * 1024u : ARENA_STACK_SIZE;
    if (size > ARENA_SLOT_SIZE || size < 4 * ARENA_PAGE) return -1;
    if (size != run->guarded_stack_size) {
        if (arena_guard(run->stacks, run->guarded_stack_size, size) != 0) return -1;
        run->guarded_stack_size = size;
    }
    run->stack_size = size;
    return 0;
}

void *sim_arena_stack(sim_run *run, int i) {
    assert(i >= 0 && i < SIM_THREADS_MAX);
    return arena_slot_top(run->stacks, i) - run->stack_size;
}

enum { HEAP_HEADER = 16 };

void *sim__heap_alloc(sim_run *run, size_t size) {
    run->alloc_count++;
    if (run->alloc_fail_at != 0 && run->alloc_count == run->alloc_fail_at) return NULL;
    int cls = 0;
    size_t block = SIM_HEAP_MIN;
    while (block < size + HEAP_HEADER && cls < SIM_HEAP_CLASSES - 1) {
        block *= 2;
        cls++;
    }
    if (block < size + HEAP_HEADER) return NULL; /* larger than the biggest class */
    unsigned char *b;
    if (run->heap_free[cls] != 0) {
        b = run->heap + run->heap_free[cls] - 1;
        memcpy(&run->heap_free[cls], b + 8, sizeof(size_t));
    } else {
        if (run->heap_used + block > run->heap_size) return NULL;
        b = run->heap + run->heap_used;
        run->heap_used += block;
    }
    memset(b, 0, block);
    b[0] = (unsigned char)cls;
    return b + HEAP_HEADER;
}

void sim__heap_free(sim_run *run, void *p) {
    if (p == NULL) return;
    unsigned char *b = (unsigned char *)p - HEAP_HEADER;
    assert(b >= run->heap && b < run->heap + run->heap_used);
    int cls = b[0];
    assert(cls < SIM_HEAP_CLASSES);
    memset(b + HEAP_HEADER, 0, ((size_t)SIM_HEAP_MIN << cls) - HEAP_HEADER); /* dead bytes never reach a hash */
    memcpy(b + 8, &run->heap_free[cls], sizeof(size_t));
    run->heap_free[cls] = (size_t)(b - run->heap) + 1;
}

int sim_arena_zero_stacks(sim_run *run) {
    for (int i = 0; i < SIM_THREADS_MAX; i++) /* the stack part of each slot: the guard page stays as it is */
        if (madvise(arena_slot_top(run->stacks, i) - run->stack_size, run->stack_size, MADV_DONTNEED) != 0) return -1;
    return 0;
}
