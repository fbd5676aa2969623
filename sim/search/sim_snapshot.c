/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_snapshot.c: fingerprint, snapshot and restore of a run's state (contract in sim_snapshot.h).
 *
 * One walk lists the state's regions in a fixed order; each region's address and size depend only on regions listed
 * before it (the counts in the header, each thread's saved sp), so a restore can copy them back in the same order
 * and find every next region in the bytes it has just written. The fingerprint walks the same regions, masking the
 * fields that describe the past. The hash stream is sim_fp_stream.h's.
 */
#define _POSIX_C_SOURCE 200809L
#include "sim/search/sim_snapshot.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sim/run/sim_fiber.h"
#include "sim/search/sim_fp_stream.h"

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

/* Thread 'i''s live stack [sp, top), exposed to the sanitizers for reading (and a restore's writing); its length in
 * '*len'. NULL when it has none. */
static inline unsigned char *state_live_stack(const sim_run *run, int i, size_t *len) {
    *len = 0;
    if (i < 0 || i >= run->thread_count || !state_stack_live(&run->thread[i])) return NULL;
    sim_thread *t = (sim_thread *)&run->thread[i];
    unsigned char *sp = sim_fiber_saved_sp(&t->fiber);
    sim_fiber_expose(&t->fiber, sp); /* a restore writes here, and the old frames' redzones differ */
    *len = (size_t)(state_stack_top(t) - sp);
    return sp;
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
    fn(ctx, &o->schema_count, sizeof(o->schema_count));
    fn(ctx, o->schema, sizeof(o->schema[0]) * (size_t)o->schema_count);
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
        size_t len;
        unsigned char *sp = state_live_stack(run, i, &len);
        if (sp != NULL) fn(ctx, sp, len);
    }
}

/* ---- fingerprint ---------------------------------------------------------------------------------------------- */

static int fp_skip_sorted(const fp_skip *skip, size_t n) {
    for (size_t i = 1; i < n; i++)
        if (skip[i].off < skip[i - 1].off + skip[i - 1].len) return 0;
    return 1;
}

/* The store as a set of (key, type, value, deadline): a sum of per-key fingerprints (per 64-bit half, never a XOR:
 * equal parts must not cancel), whatever the slot order or heap layout. Watches and transactions' dirty marks are
 * state too. */
static void fp_store(fp_acc *h, const sim_keyspace *ks) {
    uint64_t lo = 0, hi = 0;
    for (int w = 0; w < SIM_KS_SLOTS / 64; w++)
        for (uint64_t bits = ks->used_bits[w]; bits; bits &= bits - 1) {
            int i = w * 64 + __builtin_ctzll(bits);
            const sim_ks_entry *e = &ks->entry[i];
            if (e->type == SIM_KS_NONE) continue;
            uint32_t klen, vlen;
            const unsigned char *key = sim_ks_key(ks, i, &klen);
            const unsigned char *value = sim_ks_value_const(ks, i, &vlen);
            sim_fp f = fp_store_key(e, key, klen, value, vlen);
            lo += f.lo;
            hi += f.hi;
        }
    fp_u64(h, (uint64_t)ks->count);
    fp_u64(h, lo);
    fp_u64(h, hi);
    fp_sized(h, ks->scripts, ks->script_bytes); /* the script cache (EVALSHA finds a script or not) */
    fp_bytes(h, &ks->cjson, sizeof(ks->cjson)); /* the cjson settings scripts left, kept until SCRIPT FLUSH */
    if (ks->channel_count > 0) {                /* the pub/sub registry */
        fp_sized(h, ks->channel, sizeof(ks->channel[0]) * ks->channel_count);
    }
    if (ks->watch_count == 0 && ks->dirty_clients == 0) return;
    fp_u64(h, ks->dirty_clients);
    fp_sized(h, ks->watch, sizeof(ks->watch[0]) * ks->watch_count);
}

typedef void (*piece_fn)(void *ctx, const void *p, size_t n);

/* Every byte fp_store reads, as pieces, in slot order (what a cache compares: equal pieces, equal fp_store; a slot
 * order that changed only misses the cache). */
static void store_pieces(const sim_keyspace *ks, piece_fn fn, void *ctx) {
    for (int w = 0; w < SIM_KS_SLOTS / 64; w++)
        for (uint64_t bits = ks->used_bits[w]; bits; bits &= bits - 1) {
            int i = w * 64 + __builtin_ctzll(bits);
            const sim_ks_entry *e = &ks->entry[i];
            uint32_t klen, vlen;
            const unsigned char *key = sim_ks_key(ks, i, &klen);
            const unsigned char *value = sim_ks_value_const(ks, i, &vlen);
            uint64_t head[5] = {(uint64_t)i, (uint64_t)e->deadline_ms, e->type, klen, vlen};
            fn(ctx, head, sizeof(head));
            fn(ctx, key, klen);
            fn(ctx, value, vlen);
        }
    uint64_t tail[5] = {UINT64_MAX, (uint64_t)ks->count, ks->script_bytes, ks->channel_count, ks->watch_count};
    fn(ctx, tail, sizeof(tail));
    fn(ctx, ks->scripts, ks->script_bytes);
    fn(ctx, &ks->cjson, sizeof(ks->cjson));
    fn(ctx, ks->channel, sizeof(ks->channel[0]) * ks->channel_count);
    fn(ctx, &ks->dirty_clients, sizeof(ks->dirty_clients));
    fn(ctx, ks->watch, sizeof(ks->watch[0]) * ks->watch_count);
}

/* ---- the state in parts -------------------------------------------------------------------------------------
 * The fingerprint is the sum, per 64-bit half, of one fingerprint per part of the state (never a XOR: equal parts
 * must not cancel), each of its part number and its bytes. A part is a list of pieces; a step changes a few parts
 * (the running thread's row and stack, the store, the oracles' tables), so each part's bytes are compared with the
 * bytes it had the last time this process hashed that part, and only a part that changed is hashed again. The
 * comparison reads the bytes themselves: nothing is assumed about what a step may write (the renewal task writes
 * into its holder's frame; threads share heap objects). */

enum {
    FP_PART_HEADER,
    FP_PART_PROCS,
    FP_PART_TABLES,
    FP_PART_RESOURCES,
    FP_PART_STORE,
    FP_PART_CLIENTS,
    FP_PART_LOG,
    FP_PART_HEAP,
    FP_PART_THREAD,                                   /* + thread index: its row */
    FP_PART_STACK = FP_PART_THREAD + SIM_THREADS_MAX, /* + thread index: its live stack */
    FP_PARTS = FP_PART_STACK + SIM_THREADS_MAX,
};

/* What part 'part' of the state is, piece by piece ('outcome': the parts of a run's end, sim_state_outcome). The
 * length of every piece is fixed by the part's earlier pieces or by the header (hashed as part 0). */
typedef struct fp_walk {
    const sim_run *run;
    uint64_t extra;
    int outcome;
} fp_walk;

static void part_gaps(piece_fn fn, void *ctx, const void *base, size_t size, const fp_skip *skip, size_t n) {
    const unsigned char *b = base;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        fn(ctx, b + at, skip[i].off - at);
        at = skip[i].off + skip[i].len;
    }
    fn(ctx, b + at, size - at);
}

static void part_sized(piece_fn fn, void *ctx, const void *p, size_t n) {
    uint64_t len = n;
    fn(ctx, &len, sizeof(len));
    if (n > 0) fn(ctx, p, n);
}

/* Returns 0 if part 'part' is absent from this state. */
static int part_pieces(const fp_walk *w, int part, piece_fn fn, void *ctx) {
    sim_run *run = (sim_run *)w->run; /* the walk only reads (and exposes stacks to the sanitizer) */
    if (part >= FP_PART_STACK) {
        size_t len;
        unsigned char *sp = w->outcome ? NULL : state_live_stack(run, part - FP_PART_STACK, &len);
        if (sp == NULL) return 0;
        fn(ctx, sp, len);
        return 1;
    }
    if (part >= FP_PART_THREAD) {
        if (part - FP_PART_THREAD >= run->thread_count) return 0;
        part_gaps(fn, ctx, &run->thread[part - FP_PART_THREAD], sizeof(sim_thread), thread_skip,
                  sizeof(thread_skip) / sizeof(thread_skip[0]));
        return 1;
    }
    const sim_oracle_state *o = &run->oracle;
    switch (part) {
    case FP_PART_HEADER:
        fn(ctx, &w->extra, sizeof(w->extra));
        part_gaps(fn, ctx, run, offsetof(sim_run, thread), header_skip, sizeof(header_skip) / sizeof(header_skip[0]));
        fn(ctx, &run->violation.set, sizeof(run->violation.set)); /* never set at a decision point: checked anyway */
        if (run->alloc_fail_at != 0) fn(ctx, &run->alloc_count, sizeof(run->alloc_count));
        if (w->outcome) part_sized(fn, ctx, run->violation.oracle, strnlen(run->violation.oracle, SIM_NAME_MAX));
        return 1;
    case FP_PART_PROCS:
        for (int i = 0; i < run->proc_count; i++) {
            const sim_process *p = &run->proc[i];
            part_gaps(fn, ctx, p, sizeof(sim_process), proc_skip, sizeof(proc_skip) / sizeof(proc_skip[0]));
            if (run->scenario->reads_metrics)
                part_sized(fn, ctx, p->metrics.row, sizeof(p->metrics.row[0]) * (size_t)p->metrics.row_count);
        }
        return 1;
    case FP_PART_TABLES: /* the watched keys are fixed at setup: their leases change, and the schemas' owners */
        fn(ctx, run->mutex, sizeof(run->mutex[0]) * (size_t)run->mutex_count);
        part_sized(fn, ctx, o->lease, sizeof(o->lease[0]) * (size_t)o->lock_key_count);
        part_sized(fn, ctx, o->schema, sizeof(o->schema[0]) * (size_t)o->schema_count);
        part_sized(fn, ctx, o->instance, sizeof(o->instance[0]) * (size_t)o->instance_count);
        return 1;
    case FP_PART_RESOURCES: fn(ctx, run->resource, sizeof(run->resource[0]) * (size_t)run->resource_count); return 1;
    case FP_PART_CLIENTS:
        for (int i = 0; i < run->thread_count; i++) {
            fn(ctx, &run->client[i], offsetof(sim_redis_client, queue));
            fn(ctx, run->client[i].queue, run->client[i].queue_len);
            const sim_redis_client *ps = &run->client[SIM_PUBSUB_CONN(i)];
            uint64_t in_use = (ps->flags | ps->inbox_count) != 0; /* a pub/sub connection in use */
            fn(ctx, &in_use, sizeof(in_use));
            if (in_use) {
                fn(ctx, ps, offsetof(sim_redis_client, queue));
                fn(ctx, ps->queue, ps->queue_len);
            }
        }
        return 1;
    case FP_PART_LOG:
        fn(ctx, run->log, sizeof(run->log[0]) * (size_t)run->log_count);
        part_sized(fn, ctx, run->cmd_log, run->cmd_log_len);
        return 1;
    case FP_PART_HEAP: fn(ctx, run->heap, run->heap_used); return 1;
    case FP_PART_STORE: store_pieces(&run->store.ks, fn, ctx); return 1;
    default: return 0;
    }
}

/* The bytes a part had when this process last hashed it, and their hash. */
typedef struct fp_part_cache {
    unsigned char *bytes;
    size_t len, cap;
    int valid;
    sim_fp hash;
} fp_part_cache;

/* The bytes of the part being fingerprinted, gathered from its pieces. */
typedef struct fp_gather {
    unsigned char *buf;
    size_t len, cap;
    int failed; /* it could not grow */
} fp_gather;

struct sim_fp_cache {
    fp_part_cache part[FP_PARTS];
    fp_gather scratch;
};

static void piece_gather(void *ctx, const void *p, size_t n) {
    fp_gather *g = ctx;
    if (g->failed || n == 0) return;
    if (g->len + n > g->cap) {
        size_t cap = g->cap ? g->cap : 4096;
        while (cap < g->len + n)
            cap *= 2;
        unsigned char *b = realloc(g->buf, cap);
        if (b == NULL) {
            g->failed = 1;
            return;
        }
        g->buf = b;
        g->cap = cap;
    }
    if (n == 8) /* a length or a field: copied inline, not by a call */
        memcpy(g->buf + g->len, p, 8);
    else
        memcpy(g->buf + g->len, p, n);
    g->len += n;
}

/* Compares a part's pieces, in place, with the bytes a cache kept. */
typedef struct fp_compare {
    const unsigned char *kept;
    size_t len, at;
    int differ;
} fp_compare;

static void piece_compare(void *ctx, const void *p, size_t n) {
    fp_compare *k = ctx;
    if (k->differ || n == 0) return;
    if (n > k->len - k->at) {
        k->differ = 1;
        return;
    }
    int same;
    if (n == 8) { /* a length or a field: compared inline, not by a call */
        uint64_t a, b;
        memcpy(&a, k->kept + k->at, 8);
        memcpy(&b, p, 8);
        same = a == b;
    } else {
        same = memcmp(k->kept + k->at, p, n) == 0;
    }
    if (same)
        k->at += n;
    else
        k->differ = 1;
}

static void piece_hash(void *ctx, const void *p, size_t n) {
    fp_bytes(ctx, p, n);
}

/* Keeps 'hash' in 'c' with the bytes gathered in 'scratch' (the cache takes them, the scratch its old buffer: no
 * copy); after a gathering that ran out of memory it keeps nothing. */
static void part_keep(fp_part_cache *c, fp_gather *scratch, sim_fp hash) {
    if (scratch->failed) {
        c->valid = 0;
        return;
    }
    unsigned char *old = c->bytes;
    size_t cap = c->cap;
    c->bytes = scratch->buf;
    c->cap = scratch->cap;
    c->len = scratch->len;
    scratch->buf = old;
    scratch->cap = cap;
    c->hash = hash;
    c->valid = 1;
}

/* The hash of part 'part' whose bytes are [p, p + n). */
static sim_fp part_hash(int part, const unsigned char *p, size_t n) {
    fp_acc h;
    fp_init(&h);
    fp_u64(&h, (uint64_t)part);
    fp_bytes(&h, p, n);
    return fp_final(&h);
}

/* The fingerprint of part 'part' whose bytes are [p, p + n) in place, from the cache when they did not change (and
 * then kept in it). */
static sim_fp part_fp_in_place(fp_part_cache *c, int part, const unsigned char *p, size_t n) {
    if (c == NULL) return part_hash(part, p, n);
    if (c->valid && c->len == n && (n == 0 || memcmp(c->bytes, p, n) == 0)) return c->hash;
    c->hash = part_hash(part, p, n);
    if (n > c->cap) {
        unsigned char *b = realloc(c->bytes, n);
        if (b == NULL) {
            c->valid = 0;
            return c->hash;
        }
        c->bytes = b;
        c->cap = n;
    }
    if (n > 0) memcpy(c->bytes, p, n);
    c->len = n;
    c->valid = 1;
    return c->hash;
}

/* Part 'part''s fingerprint (through 'cache' if not NULL); {0, 0} when it is absent. */
static sim_fp part_fp(const fp_walk *w, int part, sim_fp_cache *cache) {
    fp_part_cache *c = cache ? &cache->part[part] : NULL;
    const sim_run *run = w->run;
    if (part >= FP_PART_STACK) { /* one piece: compared and hashed where it is */
        size_t len;
        unsigned char *sp = w->outcome ? NULL : state_live_stack(run, part - FP_PART_STACK, &len);
        if (sp == NULL) return (sim_fp){0, 0};
        return part_fp_in_place(c, part, sp, len);
    }
    if (c != NULL && c->valid) { /* most parts did not change: compared piece by piece where they are, no copy */
        fp_compare k = {c->bytes, c->len, 0, 0};
        if (part_pieces(w, part, piece_compare, &k) && !k.differ && k.at == c->len) return c->hash;
    }
    if (cache != NULL) { /* gathered, then hashed and kept */
        cache->scratch.len = 0;
        cache->scratch.failed = 0;
        if (!part_pieces(w, part, piece_gather, &cache->scratch)) return (sim_fp){0, 0};
    }
    sim_fp f;
    if (part == FP_PART_STORE) { /* a sum over its keys (a set), not a hash of its pieces */
        fp_acc h;
        fp_init(&h);
        fp_u64(&h, (uint64_t)part);
        fp_store(&h, &run->store.ks);
        f = fp_final(&h);
    } else if (cache != NULL && !cache->scratch.failed) {
        f = part_hash(part, cache->scratch.buf, cache->scratch.len);
    } else { /* no cache, or out of memory for the gathered bytes: hashed piece by piece */
        fp_acc h;
        fp_init(&h);
        fp_u64(&h, (uint64_t)part);
        if (!part_pieces(w, part, piece_hash, &h)) return (sim_fp){0, 0};
        f = fp_final(&h);
    }
    if (c != NULL) part_keep(c, &cache->scratch, f);
    return f;
}

sim_fp_cache *sim_fp_cache_new(void) {
    return calloc(1, sizeof(sim_fp_cache));
}

void sim_fp_cache_free(sim_fp_cache *c) {
    if (c == NULL) return;
    for (int part = 0; part < FP_PARTS; part++)
        free(c->part[part].bytes);
    free(c->scratch.buf);
    free(c);
}

static sim_fp state_fp(const sim_run *run, uint64_t extra, int outcome, sim_fp_cache *cache) {
    fp_walk w = {run, extra, outcome};
    int parts = outcome ? FP_PART_THREAD + run->thread_count : FP_PART_STACK + run->thread_count;
    uint64_t lo = 0, hi = 0;
    for (int part = 0; part < parts; part++) {
        if (part == FP_PART_THREAD + run->thread_count && !outcome) part = FP_PART_STACK;
        sim_fp f = part_fp(&w, part, cache);
        lo += f.lo;
        hi += f.hi;
    }
    sim_fp f = {fp_fmix(lo ^ fp_fmix(hi)), fp_fmix(hi + UINT64_C(0x9E3779B97F4A7C15))};
    if (f.lo == 0 && f.hi == 0) f.hi = 1;
    return f;
}

int sim_state_supported(const sim_run *run) {
    if (!fp_skip_sorted(header_skip, sizeof(header_skip) / sizeof(header_skip[0])) ||
        !fp_skip_sorted(thread_skip, sizeof(thread_skip) / sizeof(thread_skip[0])) ||
        !fp_skip_sorted(proc_skip, sizeof(proc_skip) / sizeof(proc_skip[0])))
        return 0; /* a field moved: the skip tables must follow the structs' order */
    return run->backend == NULL && sim_fiber_saved_sp(&run->thread[0].fiber) != NULL;
}

sim_fp sim_state_fingerprint(const sim_run *run, uint64_t extra) {
    return state_fp(run, extra, 0, NULL);
}

sim_fp sim_state_fingerprint_cached(const sim_run *run, uint64_t extra, sim_fp_cache *c) {
    return state_fp(run, extra, 0, c);
}

sim_fp sim_state_outcome(const sim_run *run) {
    return state_fp(run, 0, 1, NULL);
}

sim_fp sim_state_outcome_cached(const sim_run *run, sim_fp_cache *c) {
    return state_fp(run, 0, 1, c);
}

/* ---- classes, for a census ----------------------------------------------------------------------------------
 * The same bytes as a fingerprint's, sorted into classes: the header, the thread rows and the processes field by
 * field through the tables below (a field not named is its struct's "other" class), every other part whole. */

#define SIM_STATE_CLASS_NAME(id, name, what) name,
#define SIM_STATE_CLASS_WHAT(id, name, what) what,
static const char *const class_name[] = {SIM_STATE_CLASSES(SIM_STATE_CLASS_NAME)};
static const char *const class_what[] = {SIM_STATE_CLASSES(SIM_STATE_CLASS_WHAT)};
#undef SIM_STATE_CLASS_NAME
#undef SIM_STATE_CLASS_WHAT

const char *sim_state_class_name(int c) {
    return c >= 0 && c < SIM_STATE_CLASS_COUNT ? class_name[c] : "?";
}

const char *sim_state_class_what(int c) {
    return c >= 0 && c < SIM_STATE_CLASS_COUNT ? class_what[c] : "?";
}

typedef struct class_field {
    int cls;
    size_t off, len;
} class_field;

#define CLASS_FIELD(cls, type, field)                                                                                  \
    { SIM_STATE_CLASS_##cls, offsetof(type, field), sizeof(((type *)0)->field) }

static const class_field run_fields[] = {
    CLASS_FIELD(TIME, sim_run, now_ns),     CLASS_FIELD(TIME, sim_run, server_wall_offset_ms),
    CLASS_FIELD(BOUNDS, sim_run, advances), CLASS_FIELD(BOUNDS, sim_run, faults),
    CLASS_FIELD(BOUNDS, sim_run, crashes),  CLASS_FIELD(BOUNDS, sim_run, wall_steps),
    CLASS_FIELD(BOUNDS, sim_run, pauses),   CLASS_FIELD(BOUNDS, sim_run, restarts),
    CLASS_FIELD(ENTROPY, sim_run, rng),     CLASS_FIELD(ALLOC, sim_run, heap_used),
    CLASS_FIELD(ALLOC, sim_run, heap_free),
};
static const class_field thread_fields[] = {
    CLASS_FIELD(TIME, sim_thread, wake_ns),        CLASS_FIELD(TIME, sim_thread, paused_until_ns),
    CLASS_FIELD(TIME, sim_thread, lease_sent_ns),  CLASS_FIELD(TIME, sim_thread, acquire_start_mono_ns),
    CLASS_FIELD(BOUNDS, sim_thread, store_faults), CLASS_FIELD(ENTROPY, sim_thread, rng),
    CLASS_FIELD(PENDING, sim_thread, pend),
};
static const class_field proc_fields[] = {CLASS_FIELD(TIME, sim_process, wall_offset_ms)};

/* Adds the hash of 'tag' and [p, p + n) to class 'cls''s sum. */
static void class_add(sim_fp *sum, int cls, uint64_t tag, const void *p, size_t n) {
    fp_acc h;
    fp_init(&h);
    fp_u64(&h, tag);
    fp_sized(&h, p, n);
    sim_fp f = fp_final(&h);
    sum[cls].lo += f.lo;
    sum[cls].hi += f.hi;
}

/* A struct at 'base': its skipped spans zeroed, each named field into its class, the rest into 'rest'. 'copy' holds
 * 'size' bytes. */
static void class_struct(sim_fp *sum, int rest, uint64_t tag, const void *base, size_t size, const fp_skip *skip,
                         size_t nskip, const class_field *field, size_t nfield, unsigned char *copy) {
    memcpy(copy, base, size);
    for (size_t i = 0; i < nskip; i++)
        memset(copy + skip[i].off, 0, skip[i].len);
    for (size_t i = 0; i < nfield; i++) {
        class_add(sum, field[i].cls, tag * 256 + i + 1, copy + field[i].off, field[i].len);
        memset(copy + field[i].off, 0, field[i].len);
    }
    class_add(sum, rest, tag * 256, copy, size);
}

static void piece_hash_into(void *ctx, const void *p, size_t n) {
    fp_bytes(ctx, p, n);
}

/* A part hashed whole (its pieces in order) into class 'cls'. */
static void class_part(sim_fp *sum, int cls, const fp_walk *w, int part) {
    fp_acc h;
    fp_init(&h);
    fp_u64(&h, (uint64_t)part << 8);
    if (part == FP_PART_STORE)
        fp_store(&h, &w->run->store.ks);
    else if (!part_pieces(w, part, piece_hash_into, &h))
        return;
    sim_fp f = fp_final(&h);
    sum[cls].lo += f.lo;
    sum[cls].hi += f.hi;
}

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

const unsigned char *sim_state_stack(const sim_run *run, int t, size_t *len) {
    return state_live_stack(run, t, len);
}

void sim_state_class_fps(const sim_run *run, uint64_t extra, sim_fp out[SIM_STATE_CLASS_COUNT]) {
    memset(out, 0, sizeof(sim_fp) * SIM_STATE_CLASS_COUNT);
    size_t size = offsetof(sim_run, thread);
    if (sizeof(sim_thread) > size) size = sizeof(sim_thread);
    if (sizeof(sim_process) > size) size = sizeof(sim_process);
    unsigned char *copy = malloc(size);
    if (copy == NULL) return; /* every class the same: the census then counts nothing apart (sim_census.h) */
    fp_walk w = {run, extra, 0};
    uint64_t head[3] = {extra, (uint64_t)run->violation.set, run->alloc_fail_at != 0 ? (uint64_t)run->alloc_count : 0};
    class_add(out, SIM_STATE_CLASS_RUN, FP_PART_HEADER, head, sizeof(head));
    class_struct(out, SIM_STATE_CLASS_RUN, FP_PART_HEADER + 1, run, offsetof(sim_run, thread), header_skip,
                 COUNT_OF(header_skip), run_fields, COUNT_OF(run_fields), copy);
    for (int i = 0; i < run->proc_count; i++) {
        const sim_process *p = &run->proc[i];
        class_struct(out, SIM_STATE_CLASS_PROCS, ((uint64_t)FP_PARTS + (uint64_t)i) << 8, p, sizeof(sim_process),
                     proc_skip, COUNT_OF(proc_skip), proc_fields, COUNT_OF(proc_fields), copy);
        if (run->scenario->reads_metrics)
            class_add(out, SIM_STATE_CLASS_PROCS, ((uint64_t)FP_PARTS + (uint64_t)i) << 8 | 255, p->metrics.row,
                      sizeof(p->metrics.row[0]) * (size_t)p->metrics.row_count);
    }
    for (int i = 0; i < run->thread_count; i++) {
        class_struct(out, SIM_STATE_CLASS_THREADS, FP_PART_THREAD + (uint64_t)i, &run->thread[i], sizeof(sim_thread),
                     thread_skip, COUNT_OF(thread_skip), thread_fields, COUNT_OF(thread_fields), copy);
        class_part(out, SIM_STATE_CLASS_STACKS, &w, FP_PART_STACK + i);
    }
    free(copy);
    class_part(out, SIM_STATE_CLASS_ORACLES, &w, FP_PART_TABLES);
    class_part(out, SIM_STATE_CLASS_RESOURCES, &w, FP_PART_RESOURCES);
    class_part(out, SIM_STATE_CLASS_STORE, &w, FP_PART_STORE);
    class_part(out, SIM_STATE_CLASS_CLIENTS, &w, FP_PART_CLIENTS);
    class_part(out, SIM_STATE_CLASS_LOG, &w, FP_PART_LOG);
    class_part(out, SIM_STATE_CLASS_HEAP, &w, FP_PART_HEAP);
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
    int threads, procs, mutexes, keys, schemas, instances, notes, resources;
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
    b.schemas = run->oracle.schema_count;
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
    ZERO_ROWS(run->oracle.schema, run->oracle.schema_count, b.schemas);
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
