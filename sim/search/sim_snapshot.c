/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_snapshot.c: fingerprint, snapshot and restore of a run's state (contract in sim_snapshot.h).
 *
 * One walk lists the state's regions in a fixed order; each region's address and size depend only on regions listed
 * before it (the counts in the header, each thread's saved sp), so a restore can copy them back in the same order
 * and find every next region in the bytes it has just written. The fingerprint walks the same regions, masking the
 * fields that describe the past.
 *
 * Hash: four 64-bit lanes take one word each per 32-byte block; each lane step s = (s ^ w) * odd, s ^= s >> 31 is
 * a bijection of s for a fixed w and of w for a fixed s, so one changed word always changes its lane. The lanes
 * fold into 128 bits at the end. Not keyed: the inputs are not adversarial.
 */
#define _POSIX_C_SOURCE 200809L
#include "sim/search/sim_snapshot.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sim/run/sim_fiber.h"

/* ---- the hash ------------------------------------------------------------------------------------------------- */

typedef struct fp_acc {
    uint64_t l[4];
    uint64_t len;
} fp_acc;

static const uint64_t fp_mul[4] = {UINT64_C(0x9E3779B97F4A7C15), UINT64_C(0xC2B2AE3D27D4EB4F),
                                   UINT64_C(0x165667B19E3779F9), UINT64_C(0xD6E8FEB86659FD93)};

static inline uint64_t fp_step(uint64_t s, uint64_t w, uint64_t m) {
    s = (s ^ w) * m;
    return s ^ (s >> 31);
}

static void fp_init(fp_acc *h) {
    h->l[0] = UINT64_C(0x243F6A8885A308D3);
    h->l[1] = UINT64_C(0x13198A2E03707344);
    h->l[2] = UINT64_C(0xA4093822299F31D0);
    h->l[3] = UINT64_C(0x082EFA98EC4E6C89);
    h->len = 0;
}

/* Scalar on purpose: vectorized, the 64-bit multiplies become three 32-bit ones each (x86-64 SSE2), 2x slower. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-vectorize")))
#endif
static void
fp_bytes(fp_acc *h, const void *p, size_t n) {
    const unsigned char *c = p;
    h->len += n;
    uint64_t w[4], l0 = h->l[0], l1 = h->l[1], l2 = h->l[2], l3 = h->l[3];
#if defined(__clang__)
#pragma clang loop vectorize(disable) interleave(disable)
#endif
    for (; n >= 32; c += 32, n -= 32) {
        memcpy(w, c, 32);
        l0 = fp_step(l0, w[0], fp_mul[0]);
        l1 = fp_step(l1, w[1], fp_mul[1]);
        l2 = fp_step(l2, w[2], fp_mul[2]);
        l3 = fp_step(l3, w[3], fp_mul[3]);
    }
    h->l[0] = l0;
    h->l[1] = l1;
    h->l[2] = l2;
    h->l[3] = l3;
    if (n > 0) {
        memset(w, 0, sizeof(w));
        memcpy(w, c, n);
        for (int i = 0; i < 4; i++)
            h->l[i] = fp_step(h->l[i], w[i] ^ (uint64_t)n, fp_mul[i]);
    }
}

static void fp_u64(fp_acc *h, uint64_t v) {
    fp_bytes(h, &v, sizeof(v));
}

static uint64_t fp_fmix(uint64_t k) {
    k ^= k >> 33;
    k *= UINT64_C(0xFF51AFD7ED558CCD);
    k ^= k >> 33;
    k *= UINT64_C(0xC4CEB9FE1A85EC53);
    return k ^ (k >> 33);
}

static sim_fp fp_final(const fp_acc *h) {
    sim_fp f;
    f.lo = fp_fmix(h->l[0] ^ fp_fmix(h->l[2] + h->len));
    f.hi = fp_fmix(h->l[1] ^ fp_fmix(h->l[3] ^ f.lo));
    if (f.lo == 0 && f.hi == 0) f.hi = 1;
    return f;
}

/* ---- the regions ---------------------------------------------------------------------------------------------- */

typedef void (*region_fn)(void *ctx, void *p, size_t n);

static unsigned char *state_stack_top(const sim_thread *t) {
    return (unsigned char *)t->fiber.stack + t->fiber.stack_size;
}

/* 1 if the thread's stack is state: a thread that returned has only dead frames (nothing may point into them), so
 * its leftover bytes must not make two otherwise equal states differ. A crashed thread's frames stay: another
 * thread of its process may still hold a pointer into them. */
static int state_stack_live(const sim_thread *t) {
    return t->state != SIM_T_FREE && t->state != SIM_T_DONE;
}

/* The tables after the header, up to their counts, in a fixed order (each count is visited before its rows). */
static void state_tables(sim_run *run, region_fn fn, void *ctx) {
    for (int i = 0; i < run->proc_count; i++) { /* a process up to its metric rows, then the rows in use */
        sim_process *p = &run->proc[i];
        fn(ctx, p, offsetof(sim_process, metrics.row));
        fn(ctx, p->metrics.row, sizeof(p->metrics.row[0]) * (size_t)p->metrics.row_count);
    }
    fn(ctx, run->mutex, sizeof(run->mutex[0]) * (size_t)run->mutex_count);
    sim_oracle_state *o = &run->oracle;
    fn(ctx, &o->lock_key_count, sizeof(o->lock_key_count));
    fn(ctx, o->lock_key, sizeof(o->lock_key[0]) * (size_t)o->lock_key_count);
    fn(ctx, o->lease, sizeof(o->lease[0]) * (size_t)o->lock_key_count);
    fn(ctx, &o->instance_count, sizeof(o->instance_count));
    fn(ctx, o->instance, sizeof(o->instance[0]) * (size_t)o->instance_count);
    fn(ctx, run->resource, sizeof(run->resource[0]) * (size_t)run->resource_count);
}

/* The key space: its scalars and used bits, the watches in use, the used table entries, the heap up to its top. */
static void state_store(sim_run *run, region_fn fn, void *ctx) {
    sim_keyspace *ks = &run->store.ks;
    fn(ctx, ks, offsetof(sim_keyspace, watch));
    fn(ctx, ks->watch, sizeof(ks->watch[0]) * ks->watch_count);
    fn(ctx, ks->channel, sizeof(ks->channel[0]) * ks->channel_count);
    for (int w = 0; w < SIM_KS_SLOTS / 64; w++)
        for (uint64_t bits = ks->used_bits[w]; bits; bits &= bits - 1)
            fn(ctx, &ks->entry[w * 64 + __builtin_ctzll(bits)], sizeof(sim_ks_entry));
    fn(ctx, ks->heap, ks->heap_top);
    fn(ctx, ks->scripts, ks->script_bytes);
    for (int i = 0; i < run->thread_count; i++) { /* each thread's connections: MULTI and its queue, the inbox */
        for (int k = i; k <= SIM_PUBSUB_CONN(i); k += SIM_THREADS_MAX) {
            fn(ctx, &run->client[k], offsetof(sim_redis_client, queue));
            fn(ctx, run->client[k].queue, run->client[k].queue_len);
        }
    }
}

/* Every region, for save and restore. */
static void state_regions(sim_run *run, region_fn fn, void *ctx) {
    fn(ctx, run, offsetof(sim_run, thread));
    fn(ctx, run->thread, sizeof(run->thread[0]) * (size_t)run->thread_count);
    state_tables(run, fn, ctx);
    fn(ctx, run->note, sizeof(run->note[0]) * (size_t)run->note_count);
    state_store(run, fn, ctx);
    fn(ctx, run->log, sizeof(run->log[0]) * (size_t)run->log_count);
    fn(ctx, &run->cmd_log_len, sizeof(run->cmd_log_len));
    fn(ctx, run->cmd_log, run->cmd_log_len);
    fn(ctx, run->heap, run->heap_used);
    for (int i = 0; i < run->thread_count; i++) {
        sim_thread *t = &run->thread[i];
        if (!state_stack_live(t)) continue;
        unsigned char *sp = sim_fiber_saved_sp(&t->fiber);
        sim_fiber_expose(&t->fiber, sp); /* a restore writes here, and the old frames' redzones differ */
        fn(ctx, sp, (size_t)(state_stack_top(t) - sp));
    }
}

/* ---- fingerprint ---------------------------------------------------------------------------------------------- */

/* A byte range a fingerprint leaves out. */
typedef struct fp_skip {
    size_t off, len;
} fp_skip;

#define FP_SKIP(type, field)                                                                                           \
    { offsetof(type, field), sizeof(((type *)0)->field) }

/* Hashes [base, base + size) but the ranges in 'skip' (sorted by offset, disjoint). */
static void fp_gaps(fp_acc *h, const void *base, size_t size, const fp_skip *skip, size_t n) {
    const unsigned char *b = base;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        fp_bytes(h, b + at, skip[i].off - at);
        at = skip[i].off + skip[i].len;
    }
    fp_bytes(h, b + at, size - at);
}

/* Left out of the header: what describes the past (the violation text, probes and unchecked expectations, notes,
 * counts of store faults by kind (the bounds read each thread's own count), the number of decisions: a search
 * compares depths itself, sim_visited_add), what belongs to the host process (its context, the backend), what is
 * constant through a search (the parameters), and the allocation count unless a test fails one by number. */
static const fp_skip header_skip[] = {
    FP_SKIP(sim_run, host),         FP_SKIP(sim_run, param),         FP_SKIP(sim_run, step),
    FP_SKIP(sim_run, store_faults), FP_SKIP(sim_run, violation),     FP_SKIP(sim_run, probe),
    FP_SKIP(sim_run, unchecked),    FP_SKIP(sim_run, reply_losts),   FP_SKIP(sim_run, conn_errors),
    FP_SKIP(sim_run, note_count),   FP_SKIP(sim_run, notes_dropped), FP_SKIP(sim_run, setup_error),
    FP_SKIP(sim_run, backend),      FP_SKIP(sim_run, backend_error), FP_SKIP(sim_run, alloc_count),
};
/* Left out of a thread: its name (fixed at creation), the step of its last op (the past), and sanitizer and
 * valgrind bookkeeping. */
static const fp_skip thread_skip[] = {
    FP_SKIP(sim_thread, fiber.asan_fake_stack),
    FP_SKIP(sim_thread, fiber.valgrind_id),
    FP_SKIP(sim_thread, name),
    FP_SKIP(sim_thread, last_step),
};
/* Left out of a process: its name and its env's function table (fixed at creation), and its metrics (unless the
 * scenario reads them: sim_scenario.reads_metrics), which no lock decision reads. */
static const fp_skip proc_skip[] = {
    FP_SKIP(sim_process, name),
    FP_SKIP(sim_process, env),
    FP_SKIP(sim_process, metrics),
};

static int fp_skip_sorted(const fp_skip *skip, size_t n) {
    for (size_t i = 1; i < n; i++)
        if (skip[i].off < skip[i - 1].off + skip[i - 1].len) return 0;
    return 1;
}

static void fp_header(fp_acc *h, const sim_run *run, int keep_violation) {
    fp_gaps(h, run, offsetof(sim_run, thread), header_skip, sizeof(header_skip) / sizeof(header_skip[0]));
    if (run->alloc_fail_at != 0) fp_u64(h, (uint64_t)run->alloc_count);
    if (keep_violation) fp_bytes(h, run->violation.oracle, strnlen(run->violation.oracle, SIM_NAME_MAX));
}

/* The store as a set of (key, type, value, deadline): a sum of per-key fingerprints, whatever the slot order or heap
 * layout. A string hashes as the fixed store it replaced hashed it (deadline, key and NUL, value), so the states of
 * lock scenarios fingerprint as before; other types add their type and encoded value. Watches and transactions'
 * dirty marks are state too. */
static void fp_store(fp_acc *h, const sim_keyspace *ks) {
    uint64_t lo = 0, hi = 0;
    for (int i = 0; i < SIM_KS_SLOTS; i++) {
        const sim_ks_entry *e = &ks->entry[i];
        if (e->type == SIM_KS_NONE) continue;
        uint32_t klen, vlen;
        const unsigned char *key = sim_ks_key(ks, i, &klen);
        const unsigned char *value = sim_ks_value_const(ks, i, &vlen);
        fp_acc k;
        fp_init(&k);
        fp_u64(&k, (uint64_t)e->deadline_ms);
        fp_bytes(&k, key, klen);
        fp_bytes(&k, "", 1);
        if (e->type != SIM_KS_STRING) fp_u64(&k, e->type);
        fp_bytes(&k, value, vlen);
        sim_fp f = fp_final(&k);
        lo += f.lo;
        hi += f.hi;
    }
    fp_u64(h, (uint64_t)ks->count);
    fp_u64(h, lo);
    fp_u64(h, hi);
    fp_bytes(h, ks->scripts, ks->script_bytes); /* the script cache (EVALSHA finds a script or not) */
    if (ks->channel_count > 0) {                /* the pub/sub registry */
        fp_u64(h, ks->channel_count);
        fp_bytes(h, ks->channel, sizeof(ks->channel[0]) * ks->channel_count);
    }
    if (ks->watch_count == 0 && ks->dirty_clients == 0) return;
    fp_u64(h, ks->dirty_clients);
    fp_bytes(h, ks->watch, sizeof(ks->watch[0]) * ks->watch_count);
}

static sim_fp state_fp(const sim_run *crun, uint64_t extra, int outcome) {
    sim_run *run = (sim_run *)crun; /* the walk only reads (and exposes stacks to the sanitizer) */
    fp_acc h;
    fp_init(&h);
    fp_u64(&h, extra);
    fp_header(&h, run, outcome);
    for (int i = 0; i < run->thread_count; i++)
        fp_gaps(&h, &run->thread[i], sizeof(sim_thread), thread_skip, sizeof(thread_skip) / sizeof(thread_skip[0]));
    for (int i = 0; i < run->proc_count; i++) {
        const sim_process *p = &run->proc[i];
        fp_gaps(&h, p, sizeof(sim_process), proc_skip, sizeof(proc_skip) / sizeof(proc_skip[0]));
        if (run->scenario->reads_metrics)
            fp_bytes(&h, p->metrics.row, sizeof(p->metrics.row[0]) * (size_t)p->metrics.row_count);
    }
    fp_bytes(&h, run->mutex, sizeof(run->mutex[0]) * (size_t)run->mutex_count);
    const sim_oracle_state *o = &run->oracle; /* the watched keys are fixed at setup: their leases change */
    fp_bytes(&h, o->lease, sizeof(o->lease[0]) * (size_t)o->lock_key_count);
    fp_bytes(&h, o->instance, sizeof(o->instance[0]) * (size_t)o->instance_count);
    fp_bytes(&h, run->resource, sizeof(run->resource[0]) * (size_t)run->resource_count);
    fp_store(&h, &run->store.ks);
    for (int i = 0; i < run->thread_count; i++) {
        fp_bytes(&h, &run->client[i], offsetof(sim_redis_client, queue));
        fp_bytes(&h, run->client[i].queue, run->client[i].queue_len);
        const sim_redis_client *ps = &run->client[SIM_PUBSUB_CONN(i)];
        if (ps->flags | ps->inbox_count) { /* a pub/sub connection in use */
            fp_bytes(&h, ps, offsetof(sim_redis_client, queue));
            fp_bytes(&h, ps->queue, ps->queue_len);
        }
    }
    fp_bytes(&h, run->log, sizeof(run->log[0]) * (size_t)run->log_count);
    fp_bytes(&h, run->cmd_log, run->cmd_log_len);
    fp_bytes(&h, run->heap, run->heap_used);
    for (int i = 0; i < run->thread_count && !outcome; i++) {
        sim_thread *t = &run->thread[i];
        if (!state_stack_live(t)) continue;
        unsigned char *sp = sim_fiber_saved_sp(&t->fiber);
        sim_fiber_expose(&t->fiber, sp);
        fp_bytes(&h, sp, (size_t)(state_stack_top(t) - sp));
    }
    return fp_final(&h);
}

int sim_state_supported(const sim_run *run) {
    if (!fp_skip_sorted(header_skip, sizeof(header_skip) / sizeof(header_skip[0])) ||
        !fp_skip_sorted(thread_skip, sizeof(thread_skip) / sizeof(thread_skip[0])) ||
        !fp_skip_sorted(proc_skip, sizeof(proc_skip) / sizeof(proc_skip[0])))
        return 0; /* a field moved: the skip tables must follow the structs' order */
    return run->backend == NULL && sim_fiber_saved_sp(&run->thread[0].fiber) != NULL;
}

sim_fp sim_state_fingerprint(const sim_run *run, uint64_t extra) {
    return state_fp(run, extra, 0);
}

sim_fp sim_state_outcome(const sim_run *run) {
    return state_fp(run, 0, 1);
}

/* ---- snapshots ------------------------------------------------------------------------------------------------ */

void sim_snapshots_init(sim_snapshots *s, size_t limit) {
    memset(s, 0, sizeof(*s));
    s->limit = limit;
}

void sim_snapshots_free(sim_snapshots *s) {
    free(s->buf);
    memset(s, 0, sizeof(*s));
}

void sim_snapshots_truncate(sim_snapshots *s, int64_t offset) {
    if (offset >= 0 && (size_t)offset <= s->len) s->len = (size_t)offset;
}

typedef struct save_ctx {
    sim_snapshots *s;
    int failed;
} save_ctx;

static void save_region(void *ctx, void *p, size_t n) {
    save_ctx *c = ctx;
    sim_snapshots *s = c->s;
    if (c->failed || n == 0) return;
    if (s->len + n > s->cap) {
        size_t cap = s->cap ? s->cap : (size_t)1 << 20;
        while (cap < s->len + n)
            cap *= 2;
        if (cap > s->limit && s->len + n <= s->limit) cap = s->limit;
        unsigned char *b = s->len + n <= s->limit ? realloc(s->buf, cap) : NULL;
        if (b == NULL) {
            c->failed = 1;
            return;
        }
        s->buf = b;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
}

int64_t sim_state_save(const sim_run *run, sim_snapshots *s) {
    size_t start = s->len;
    save_ctx c = {s, 0};
    state_regions((sim_run *)run, save_region, &c);
    if (c.failed) {
        s->len = start;
        return -1;
    }
    return (int64_t)start;
}

typedef struct restore_ctx {
    const unsigned char *p;
} restore_ctx;

static void restore_region(void *ctx, void *p, size_t n) {
    restore_ctx *c = ctx;
    memcpy(p, c->p, n);
    c->p += n;
}

/* What the current branch holds that a restore must clean up or keep. */
typedef struct state_before {
    int threads, procs, mutexes, keys, instances, notes, resources;
    size_t heap_used;
    uint64_t used_bits[SIM_KS_SLOTS / 64];
    uint32_t heap_top, watch_count, channel_count, script_bytes;
    sim_fiber_host host;
    struct {
        unsigned char *sp;
        unsigned valgrind_id;
        void *asan_fake_stack;
        sim_tstate state;
    } t[SIM_THREADS_MAX];
} state_before;

#define ZERO_ROWS(arr, from, to)                                                                                       \
    do {                                                                                                               \
        if ((to) > (from)) memset(&(arr)[from], 0, sizeof((arr)[0]) * (size_t)((to) - (from)));                        \
    } while (0)

void sim_state_restore(sim_run *run, const sim_snapshots *s, int64_t offset) {
    state_before b;
    b.threads = run->thread_count;
    b.procs = run->proc_count;
    b.mutexes = run->mutex_count;
    b.keys = run->oracle.lock_key_count;
    b.instances = run->oracle.instance_count;
    b.notes = run->note_count;
    b.resources = run->resource_count;
    b.heap_used = run->heap_used;
    memcpy(b.used_bits, run->store.ks.used_bits, sizeof(b.used_bits));
    b.heap_top = run->store.ks.heap_top;
    b.watch_count = run->store.ks.watch_count;
    b.channel_count = run->store.ks.channel_count;
    b.script_bytes = run->store.ks.script_bytes;
    b.host = run->host;
    for (int i = 0; i < b.threads; i++) {
        b.t[i].sp = sim_fiber_saved_sp(&run->thread[i].fiber);
        b.t[i].valgrind_id = run->thread[i].fiber.valgrind_id;
        b.t[i].asan_fake_stack = run->thread[i].fiber.asan_fake_stack;
        b.t[i].state = run->thread[i].state;
    }
    /* Threads the snapshot does not have: drop their registrations and their stacks' bytes. */
    int snap_threads;
    memcpy(&snap_threads, s->buf + offset + offsetof(sim_run, thread_count), sizeof(snap_threads));
    for (int i = snap_threads; i < b.threads; i++) {
        sim_thread *t = &run->thread[i];
        sim_fiber_fini(&t->fiber);
        sim_fiber_restored(&t->fiber);
        if (b.t[i].state != SIM_T_FREE) memset(b.t[i].sp, 0, (size_t)(state_stack_top(t) - b.t[i].sp));
    }
    restore_ctx c = {s->buf + offset};
    state_regions(run, restore_region, &c);
    run->host = b.host;
    for (int i = 0; i < run->thread_count && i < b.threads; i++) {
        sim_thread *t = &run->thread[i];
        t->fiber.valgrind_id = b.t[i].valgrind_id;
        t->fiber.asan_fake_stack = b.t[i].asan_fake_stack;
        unsigned char *sp = sim_fiber_saved_sp(&t->fiber);
        sim_fiber_restored(&t->fiber);
        if (b.t[i].state != SIM_T_FREE && b.t[i].sp < sp) memset(b.t[i].sp, 0, (size_t)(sp - b.t[i].sp));
    }
    ZERO_ROWS(run->thread, run->thread_count, b.threads);
    ZERO_ROWS(run->proc, run->proc_count, b.procs);
    ZERO_ROWS(run->mutex, run->mutex_count, b.mutexes);
    ZERO_ROWS(run->oracle.lock_key, run->oracle.lock_key_count, b.keys);
    ZERO_ROWS(run->oracle.lease, run->oracle.lock_key_count, b.keys);
    ZERO_ROWS(run->oracle.instance, run->oracle.instance_count, b.instances);
    ZERO_ROWS(run->note, run->note_count, b.notes);
    ZERO_ROWS(run->resource, run->resource_count, b.resources);
    sim_keyspace *ks = &run->store.ks;
    for (int w = 0; w < SIM_KS_SLOTS / 64; w++)
        for (uint64_t gone = b.used_bits[w] & ~ks->used_bits[w]; gone; gone &= gone - 1)
            memset(&ks->entry[w * 64 + __builtin_ctzll(gone)], 0, sizeof(sim_ks_entry));
    if (b.heap_top > ks->heap_top) memset(ks->heap + ks->heap_top, 0, b.heap_top - ks->heap_top);
    ZERO_ROWS(ks->watch, ks->watch_count, b.watch_count);
    ZERO_ROWS(ks->scripts, ks->script_bytes, b.script_bytes);
    ZERO_ROWS(ks->channel, ks->channel_count, b.channel_count);
    for (int i = run->thread_count; i < b.threads; i++) { /* connections of threads the snapshot does not have */
        sim_redis_client_clear(&run->client[i], (uint32_t)i);
        sim_redis_client_clear(&run->client[SIM_PUBSUB_CONN(i)], (uint32_t)SIM_PUBSUB_CONN(i));
    }
    if (b.heap_used > run->heap_used) memset(run->heap + run->heap_used, 0, b.heap_used - run->heap_used);
}
