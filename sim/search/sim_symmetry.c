/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_symmetry.c: the fingerprint of a state up to symmetry (contract in sim_symmetry.h).
 *
 * Two phases. First each client's block is rendered as if it were client 0: its own indexes and pointers renamed to
 * client 0's, another client's index or token masked (and noted: the block "crosses"), a pointer into another
 * client's block a reason to fall back. Its fingerprint K is the block's key; sigma ranks the blocks by (K, index).
 * Then the state is hashed as R_sigma(s), part by part (a sum per 64-bit half, as sim_snapshot.c does): block k goes
 * in at place sigma(k) as the hash of (place, K) when it crosses no other client (its rendering as client 0 and as
 * client sigma(k) say the same), else rendered again with sigma; every other part rendered with sigma.
 *
 * Rendering copies a piece and renames in the copy, by the piece's kind: fields that hold indexes (a thread row's,
 * a lease's owner, ...), aligned 8-byte words that point into a client's block (relocated), and tokens (sim_ids.h).
 * Each part keeps the raw bytes it had when last hashed, and the renaming it was hashed with: the same bytes and
 * renaming give the same hash without rendering again.
 */
#define _POSIX_C_SOURCE 200809L
#include "sim/search/sim_symmetry.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/run/sim_arena.h"
#include "sim/run/sim_ids.h"
#include "sim/run/sim_params.h"
#include "sim/search/sim_fp_stream.h"
#include "sim/search/sim_snapshot.h"

enum {
    SYM_OTHER = -2,        /* phase 1: the index of another client */
    SYM_OTHER_BYTE = 0xee, /* phase 1: the thread byte of another client's token */
};
#define SYM_TIME_MAX (INT64_C(1) << 44) /* virtual ns: beyond, an integer could be taken for an arena pointer */
/* A parameter's largest value: a parameter in ms or us, taken to ns and added to a time below SYM_TIME_MAX, stays
 * below 2^45, under the arena (SIM_ARENA_BASE, about 2^45.4). */
#define SYM_PARAM_MAX (((INT64_C(1) << 43) / 1000000) + 1)
_Static_assert((INT64_C(1) << 45) < (int64_t)SIM_ARENA_BASE, "the arena must lie above the times symmetry allows");

/* ---- where the clients' blocks lie ------------------------------------------------------------------------ */

enum { RG_ROW, RG_STACK, RG_PROC, RG_CONN, RG_SLOT, RG_KINDS = RG_SLOT + SIM_SYM_SLOTS_MAX };

typedef struct sym_region {
    uintptr_t lo, hi; /* [lo, hi), or [lo, hi] for a stack (its top is a frame's base) */
    int client, kind;
} sym_region;

typedef struct sym_layout {
    int n, first;                                  /* clients: threads first .. first + n - 1 */
    int proc[SIM_THREADS_MAX];                     /* client -> its process */
    int client_of_thread[SIM_THREADS_MAX];         /* -1: not a client */
    int client_of_proc[SIM_PROCS_MAX];             /* -1: not a client's */
    uintptr_t base[SIM_THREADS_MAX][RG_KINDS];     /* client, region kind -> its lowest address */
    sym_region region[SIM_THREADS_MAX * RG_KINDS]; /* sorted by lo */
    int regions;
    uintptr_t lo, hi; /* the span of every region */
    struct {
        size_t off, len;                         /* in the heap */
    } slot[SIM_THREADS_MAX * SIM_SYM_SLOTS_MAX]; /* every client's slots, sorted by offset */
    int slots;
    sim_symmetry decl; /* what it was built from */
    size_t stack_size;
} sym_layout;

static void layout_add(sym_layout *l, int client, int kind, uintptr_t lo, size_t len) {
    sym_region g = {lo, lo + len, client, kind};
    int i = l->regions++;
    while (i > 0 && l->region[i - 1].lo > lo) { /* insertion: a few dozen regions */
        l->region[i] = l->region[i - 1];
        i--;
    }
    l->region[i] = g;
    l->base[client][kind] = lo;
}

static void layout_build(sym_layout *l, const sim_run *run) {
    memset(l, 0, sizeof(*l));
    const sim_symmetry *y = &run->symmetry;
    l->decl = *y;
    l->stack_size = run->stack_size;
    l->n = y->count;
    l->first = y->first;
    for (int i = 0; i < SIM_THREADS_MAX; i++)
        l->client_of_thread[i] = -1;
    for (int i = 0; i < SIM_PROCS_MAX; i++)
        l->client_of_proc[i] = -1;
    for (int k = 0; k < l->n; k++) {
        int t = l->first + k, p = run->thread[t].proc;
        l->proc[k] = p;
        l->client_of_thread[t] = k;
        l->client_of_proc[p] = k;
        layout_add(l, k, RG_ROW, (uintptr_t)&run->thread[t], sizeof(sim_thread));
        layout_add(l, k, RG_STACK, (uintptr_t)sim_arena_stack((sim_run *)run, t), run->stack_size);
        layout_add(l, k, RG_PROC, (uintptr_t)&run->proc[p], sizeof(sim_process));
        layout_add(l, k, RG_CONN, (uintptr_t)&run->client[t], sizeof(sim_redis_client));
        for (int s = 0; s < y->slot_count; s++) {
            uintptr_t lo = (uintptr_t)(y->slot[s].base + (size_t)k * y->slot[s].stride);
            layout_add(l, k, RG_SLOT + s, lo, y->slot[s].size);
            int i = l->slots++;
            size_t off = (size_t)(y->slot[s].base - run->heap) + (size_t)k * y->slot[s].stride;
            while (i > 0 && l->slot[i - 1].off > off) {
                l->slot[i] = l->slot[i - 1];
                i--;
            }
            l->slot[i].off = off;
            l->slot[i].len = y->slot[s].size;
        }
    }
    l->lo = l->region[0].lo;
    for (int i = 0; i < l->regions; i++) {
        if (l->region[i].kind == RG_STACK) l->region[i].hi++; /* the top too */
        if (l->region[i].hi > l->hi) l->hi = l->region[i].hi;
    }
}

/* The region holding address 'v', or NULL. */
static const sym_region *layout_find(const sym_layout *l, uintptr_t v) {
    int lo = 0, hi = l->regions; /* the last region whose lo <= v */
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (l->region[mid].lo <= v)
            lo = mid;
        else
            hi = mid;
    }
    const sym_region *g = &l->region[lo];
    return v >= g->lo && v < g->hi ? g : NULL;
}

/* ---- renaming ---------------------------------------------------------------------------------------------- */

typedef struct sym_map {
    int thread[SIM_THREADS_MAX]; /* thread index -> the index it is renamed to, or SYM_OTHER */
    int proc[SIM_PROCS_MAX];
    int client[SIM_THREADS_MAX]; /* client number -> client number, or SYM_OTHER */
} sym_map;

typedef struct sym_rename {
    const sym_layout *lay;
    const sym_map *map;
    int cross; /* an index or token of another client was masked */
    int bad;   /* why the rendering is not a renaming (a SIM_SYM_FALLBACK_*), or 0 */
    int uses;  /* something that names a client was met: the rendering depends on the renaming */
} sym_rename;

static void map_identity(sym_map *m) {
    for (int i = 0; i < SIM_THREADS_MAX; i++) {
        m->thread[i] = i;
        m->client[i] = i;
    }
    for (int i = 0; i < SIM_PROCS_MAX; i++)
        m->proc[i] = i;
}

/* Client 'k' as client 0, every other client masked. */
static void map_as_first(sym_map *m, const sym_layout *l, int k) {
    map_identity(m);
    for (int j = 0; j < l->n; j++) {
        m->thread[l->first + j] = j == k ? l->first : SYM_OTHER;
        m->proc[l->proc[j]] = j == k ? l->proc[0] : SYM_OTHER;
        m->client[j] = j == k ? 0 : SYM_OTHER;
    }
}

/* Client k as client sigma[k]. */
static void map_sigma(sym_map *m, const sym_layout *l, const int *sigma) {
    map_identity(m);
    for (int k = 0; k < l->n; k++) {
        m->thread[l->first + k] = l->first + sigma[k];
        m->proc[l->proc[k]] = l->proc[sigma[k]];
        m->client[k] = sigma[k];
    }
}

/* 'map' is one of r->map's: thread, proc or client. */
static int rename_index(sym_rename *r, const int *map, int size, int v) {
    if (v < 0 || v >= size) return v;
    const sym_layout *l = r->lay;
    if (map == r->map->thread ? l->client_of_thread[v] >= 0
        : map == r->map->proc ? l->client_of_proc[v] >= 0
                              : v < l->n)
        r->uses = 1; /* a client's: another renaming renders it otherwise */
    if (map[v] == SYM_OTHER) r->cross = 1;
    return map[v];
}

static void rename_int_at(sym_rename *r, unsigned char *out, size_t off, const int *map, int size) {
    int v;
    memcpy(&v, out + off, sizeof(v));
    v = rename_index(r, map, size, v);
    memcpy(out + off, &v, sizeof(v));
}

/* Relocates every aligned word of 'out' (a copy of the bytes at 'orig') that points into a client's block. */
static void rename_words(sym_rename *r, unsigned char *out, const void *orig, size_t n) {
    const sym_layout *l = r->lay;
    size_t i = (8 - ((uintptr_t)orig & 7)) & 7;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, out + i, 8);
        if (v < l->lo || v >= l->hi) continue;
        const sym_region *g = layout_find(l, (uintptr_t)v);
        if (g == NULL) continue;
        r->uses = 1;
        int to = r->map->client[g->client];
        if (to == SYM_OTHER) { /* masked: which region, where in it, not whose */
            r->bad = SIM_SYM_FALLBACK_POINTER;
            uint64_t masked = UINT64_C(0xee) << 56 | (uint64_t)g->kind << 48 | (v - g->lo);
            memcpy(out + i, &masked, 8);
            continue;
        }
        uint64_t w = l->base[to][g->kind] + (v - g->lo);
        memcpy(out + i, &w, 8);
    }
}

static int hex_value(unsigned char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Renames the thread of every hex token in 'out' (sim_ids.h). */
static void rename_tokens(sym_rename *r, unsigned char *out, size_t n) {
    static const char hex[] = "0123456789abcdef";
    enum { TOKEN_HEAD = SIM_ID_MAGIC_HEX_LEN + 2 };
    size_t i = 0;
    while (i + TOKEN_HEAD <= n) {
        unsigned char *q = memchr(out + i, SIM_ID_MAGIC_HEX[0], n - TOKEN_HEAD + 1 - i);
        if (q == NULL) return;
        i = (size_t)(q - out) + 1;
        if (memcmp(q, SIM_ID_MAGIC_HEX, SIM_ID_MAGIC_HEX_LEN) != 0) continue;
        int h = hex_value(q[SIM_ID_MAGIC_HEX_LEN]), lo = hex_value(q[SIM_ID_MAGIC_HEX_LEN + 1]);
        if (h < 0 || lo < 0) continue;
        int t = h * 16 + lo;
        if (t >= SIM_THREADS_MAX || r->lay->client_of_thread[t] < 0) continue;
        r->uses = 1;
        int to = r->map->thread[t];
        if (to == SYM_OTHER) {
            r->cross = 1;
            to = SYM_OTHER_BYTE;
        }
        q[SIM_ID_MAGIC_HEX_LEN] = (unsigned char)hex[to >> 4];
        q[SIM_ID_MAGIC_HEX_LEN + 1] = (unsigned char)hex[to & 15];
        i = (size_t)(q - out) + TOKEN_HEAD;
    }
}

/* What a piece is, so a rendering knows what in it to rename. */
enum {
    K_PLAIN,     /* nothing (counts, lengths, numbers) */
    K_RAW,       /* pointers and tokens (stacks, the heap) */
    K_TEXT,      /* tokens (store data, queues, names) */
    K_THREAD,    /* a thread row */
    K_PROC,      /* a process up to its name */
    K_CONN,      /* a connection up to its queue */
    K_LEASES,    /* the leases */
    K_SCHEMAS,   /* the lease schemas */
    K_RESOURCES, /* the guarded resources */
    K_SLOT,      /* + declaration: a client's slot */
};

static void zero_spans(unsigned char *out, const fp_skip *skip, size_t n) {
    for (size_t i = 0; i < n; i++)
        memset(out + skip[i].off, 0, skip[i].len);
}

/* Renders piece [p, p + n) of kind 'kind' into 'out'. */
static void render(sym_rename *r, const sim_run *run, int kind, const void *p, size_t n, unsigned char *out) {
    memcpy(out, p, n);
    const sym_map *m = r->map;
    switch (kind) {
    case K_PLAIN: return;
    case K_THREAD:
        zero_spans(out, thread_skip, sizeof(thread_skip) / sizeof(thread_skip[0]));
        rename_int_at(r, out, offsetof(sim_thread, idx), m->thread, SIM_THREADS_MAX);
        rename_int_at(r, out, offsetof(sim_thread, proc), m->proc, SIM_PROCS_MAX);
        rename_int_at(r, out, offsetof(sim_thread, owner), m->thread, SIM_THREADS_MAX);
        rename_int_at(r, out, offsetof(sim_thread, parent), m->thread, SIM_THREADS_MAX);
        break;
    case K_PROC: rename_int_at(r, out, offsetof(sim_process, idx), m->proc, SIM_PROCS_MAX); break;
    case K_CONN: {
        uint32_t id;
        memcpy(&id, out + offsetof(sim_redis_client, id), sizeof(id));
        int pubsub = id >= SIM_THREADS_MAX, t = rename_index(r, m->thread, SIM_THREADS_MAX, (int)id % SIM_THREADS_MAX);
        id = t < 0 ? UINT32_MAX : (uint32_t)(pubsub ? SIM_PUBSUB_CONN(t) : t);
        memcpy(out + offsetof(sim_redis_client, id), &id, sizeof(id));
        return;
    }
    case K_LEASES: /* an owner is read only while its lease is live (sim_oracle_lease.c): else it says nothing */
        for (size_t at = 0; at + sizeof(sim_lease) <= n; at += sizeof(sim_lease))
            if (((const sim_lease *)((const unsigned char *)p + at))->live)
                rename_int_at(r, out, at + offsetof(sim_lease, owner), m->thread, SIM_THREADS_MAX);
            else
                memset(out + at + offsetof(sim_lease, owner), 0xff, sizeof(int));
        return;
    case K_SCHEMAS: {
        const size_t size = sizeof(run->oracle.schema[0]),
                     owner = offsetof(sim_oracle_state, schema[0].owner) - offsetof(sim_oracle_state, schema[0]);
        for (size_t at = 0; at + size <= n; at += size) { /* the owner is a thread index + 1 */
            int v;
            memcpy(&v, out + at + owner, sizeof(v));
            if (v > 0) v = rename_index(r, m->thread, SIM_THREADS_MAX, v - 1) + 1;
            memcpy(out + at + owner, &v, sizeof(v));
        }
        break;
    }
    case K_RESOURCES:
        for (size_t at = 0; at + sizeof(sim_resource) <= n; at += sizeof(sim_resource)) {
            const sim_resource *src = (const sim_resource *)((const unsigned char *)p + at);
            if (src->fence_max > 0) /* read only then, and set with it (sim_oracle_resource.c) */
                rename_int_at(r, out, at + offsetof(sim_resource, fence_owner), m->thread, SIM_THREADS_MAX);
            else
                memset(out + at + offsetof(sim_resource, fence_owner), 0xff, sizeof(int));
            for (int t = 0; t < SIM_THREADS_MAX; t++) { /* read_version[] is indexed by thread */
                int to = m->thread[t] == SYM_OTHER ? t : m->thread[t];
                r->uses |= r->lay->client_of_thread[t] >= 0;
                memcpy(out + at + offsetof(sim_resource, read_version) + sizeof(int64_t) * (size_t)to,
                       &src->read_version[t], sizeof(int64_t));
            }
        }
        break;
    default: { /* K_SLOT + s */
        int s = kind - K_SLOT, off = r->lay->decl.slot[s].idx_off;
        if (off >= 0) rename_int_at(r, out, (size_t)off, m->client, SIM_THREADS_MAX);
        break;
    }
    case K_RAW: break;
    case K_TEXT: rename_tokens(r, out, n); return;
    }
    if (kind != K_SCHEMAS && kind != K_RESOURCES) rename_words(r, out, p, n);
    rename_tokens(r, out, n);
}

/* ---- the parts ------------------------------------------------------------------------------------------------ */

enum {
    P_HEADER,
    P_PROCS,
    P_TABLES,
    P_RESOURCES,
    P_STORE,
    P_CONNS,
    P_HEAP,
    P_THREAD,                             /* + thread index: a thread not declared, its row and stack */
    P_BLOCK = P_THREAD + SIM_THREADS_MAX, /* + client number: its block, as client 0 */
    P_COUNT = P_BLOCK + SIM_THREADS_MAX,
};

typedef void (*sym_piece_fn)(void *ctx, const void *p, size_t n, int kind);

typedef struct sym_walk {
    const sim_run *run;
    const sym_layout *lay;
    uint64_t extra;
    int outcome;
} sym_walk;

static void walk_sized(sym_piece_fn fn, void *ctx, const void *p, size_t n, int kind) {
    uint64_t len = n;
    fn(ctx, &len, sizeof(len), K_PLAIN);
    if (n > 0) fn(ctx, p, n, kind);
}

static void walk_thread(const sym_walk *w, int t, sym_piece_fn fn, void *ctx) {
    const sim_run *run = w->run;
    fn(ctx, &run->thread[t], sizeof(sim_thread), K_THREAD);
    if (w->outcome) return;
    size_t len;
    const unsigned char *sp = sim_state_stack(run, t, &len);
    walk_sized(fn, ctx, sp, sp ? len : 0, K_RAW);
}

static void walk_proc(const sym_walk *w, int p, sym_piece_fn fn, void *ctx) {
    const sim_process *pr = &w->run->proc[p];
    fn(ctx, pr, offsetof(sim_process, name), K_PROC);
    if (w->run->scenario->reads_metrics)
        walk_sized(fn, ctx, pr->metrics.row, sizeof(pr->metrics.row[0]) * (size_t)pr->metrics.row_count, K_PLAIN);
}

static void walk_conn(const sim_redis_client *cl, sym_piece_fn fn, void *ctx) {
    fn(ctx, cl, offsetof(sim_redis_client, queue), K_CONN);
    walk_sized(fn, ctx, cl->queue, cl->queue_len, K_TEXT);
}

/* Part 'part''s pieces; 0 if it is absent. */
static int walk_part(const sym_walk *w, int part, sym_piece_fn fn, void *ctx) {
    const sim_run *run = w->run;
    const sym_layout *l = w->lay;
    const sim_oracle_state *o = &run->oracle;
    if (part >= P_BLOCK) {
        int k = part - P_BLOCK, t = l->first + k;
        walk_thread(w, t, fn, ctx);
        walk_proc(w, l->proc[k], fn, ctx);
        walk_conn(&run->client[t], fn, ctx);
        for (int s = 0; s < l->decl.slot_count; s++)
            fn(ctx, l->decl.slot[s].base + (size_t)k * l->decl.slot[s].stride, l->decl.slot[s].size, K_SLOT + s);
        return 1;
    }
    if (part >= P_THREAD) {
        int t = part - P_THREAD;
        if (t >= run->thread_count || l->client_of_thread[t] >= 0) return 0;
        walk_thread(w, t, fn, ctx);
        return 1;
    }
    switch (part) {
    case P_HEADER: {
        /* the run's scalars but its left-out span (one, sim_fp_stream.h) */
        const unsigned char *b = (const unsigned char *)run;
        fn(ctx, b, header_skip[0].off, K_PLAIN);
        fn(ctx, b + header_skip[0].off + header_skip[0].len,
           offsetof(sim_run, thread) - header_skip[0].off - header_skip[0].len, K_PLAIN);
        uint64_t head[3] = {w->extra, (uint64_t)run->violation.set,
                            run->alloc_fail_at != 0 ? (uint64_t)run->alloc_count : 0};
        fn(ctx, head, sizeof(head), K_PLAIN);
        if (w->outcome)
            walk_sized(fn, ctx, run->violation.oracle, strnlen(run->violation.oracle, SIM_NAME_MAX), K_PLAIN);
        return 1;
    }
    case P_PROCS:
        for (int p = 0; p < run->proc_count; p++)
            if (l->client_of_proc[p] < 0) walk_proc(w, p, fn, ctx);
        return 1;
    case P_TABLES: /* no mutex or instance names a client here (sym_fallback) */
        walk_sized(fn, ctx, run->mutex, sizeof(run->mutex[0]) * (size_t)run->mutex_count, K_PLAIN);
        walk_sized(fn, ctx, o->lease, sizeof(o->lease[0]) * (size_t)o->lock_key_count, K_LEASES);
        walk_sized(fn, ctx, o->schema, sizeof(o->schema[0]) * (size_t)o->schema_count, K_SCHEMAS);
        walk_sized(fn, ctx, o->instance, sizeof(o->instance[0]) * (size_t)o->instance_count, K_PLAIN);
        return 1;
    case P_RESOURCES:
        walk_sized(fn, ctx, run->resource, sizeof(run->resource[0]) * (size_t)run->resource_count, K_RESOURCES);
        return 1;
    case P_CONNS: /* no client's pub/sub connection is in use (sym_fallback) */
        for (int t = 0; t < run->thread_count; t++) {
            if (l->client_of_thread[t] < 0) walk_conn(&run->client[t], fn, ctx);
            const sim_redis_client *ps = &run->client[SIM_PUBSUB_CONN(t)];
            uint64_t in_use = (ps->flags | ps->inbox_count) != 0;
            fn(ctx, &in_use, sizeof(in_use), K_PLAIN);
            if (in_use) walk_conn(ps, fn, ctx);
        }
        return 1;
    case P_HEAP: { /* the heap but the clients' slots (in their blocks) */
        size_t at = 0;
        for (int i = 0; i < l->slots; i++) {
            if (l->slot[i].off >= run->heap_used) break;
            if (l->slot[i].off > at) fn(ctx, run->heap + at, l->slot[i].off - at, K_RAW);
            at = l->slot[i].off + l->slot[i].len;
        }
        if (run->heap_used > at) fn(ctx, run->heap + at, run->heap_used - at, K_RAW);
        uint64_t used = run->heap_used;
        fn(ctx, &used, sizeof(used), K_PLAIN);
        return 1;
    }
    case P_STORE: { /* the raw pieces (for the cache); hashed as a set by store_fp */
        const sim_keyspace *ks = &run->store.ks;
        for (int wd = 0; wd < SIM_KS_SLOTS / 64; wd++)
            for (uint64_t bits = ks->used_bits[wd]; bits; bits &= bits - 1) {
                int i = wd * 64 + __builtin_ctzll(bits);
                const sim_ks_entry *e = &ks->entry[i];
                uint32_t klen, vlen;
                const unsigned char *key = sim_ks_key(ks, i, &klen);
                const unsigned char *value = sim_ks_value_const(ks, i, &vlen);
                uint64_t head[5] = {(uint64_t)i, (uint64_t)e->deadline_ms, e->type, klen, vlen};
                fn(ctx, head, sizeof(head), K_PLAIN);
                fn(ctx, key, klen, K_TEXT);
                fn(ctx, value, vlen, K_TEXT);
            }
        uint64_t tail[3] = {UINT64_MAX, (uint64_t)ks->count, ks->script_bytes};
        fn(ctx, tail, sizeof(tail), K_PLAIN);
        fn(ctx, ks->scripts, ks->script_bytes, K_PLAIN);
        fn(ctx, &ks->cjson, sizeof(ks->cjson), K_PLAIN);
        return 1;
    }
    default: return 0;
    }
}

/* ---- consumers of pieces: compare, gather, render ------------------------------------------------------------ */

typedef struct sym_buf {
    unsigned char *b;
    size_t len, cap;
    int failed;
} sym_buf;

static unsigned char *buf_room(sym_buf *g, size_t n) {
    if (g->failed) return NULL;
    if (g->len + n > g->cap) {
        size_t cap = g->cap ? g->cap : 4096;
        while (cap < g->len + n)
            cap *= 2;
        unsigned char *b = realloc(g->b, cap);
        if (b == NULL) {
            g->failed = 1;
            return NULL;
        }
        g->b = b;
        g->cap = cap;
    }
    unsigned char *at = g->b + g->len;
    g->len += n;
    return at;
}

static void piece_gather(void *ctx, const void *p, size_t n, int kind) {
    (void)kind;
    unsigned char *at = n ? buf_room(ctx, n) : NULL;
    if (at) memcpy(at, p, n);
}

typedef struct sym_compare {
    const unsigned char *kept;
    size_t len, at;
    int differ;
} sym_compare;

static void piece_compare(void *ctx, const void *p, size_t n, int kind) {
    (void)kind;
    sym_compare *k = ctx;
    if (k->differ || n == 0) return;
    if (n > k->len - k->at || memcmp(k->kept + k->at, p, n) != 0)
        k->differ = 1;
    else
        k->at += n;
}

typedef struct sym_render_ctx {
    sym_buf *out;
    sym_rename *r;
    const sim_run *run;
} sym_render_ctx;

static void piece_render(void *ctx, const void *p, size_t n, int kind) {
    sym_render_ctx *c = ctx;
    unsigned char *at = n ? buf_room(c->out, n) : NULL;
    if (at) render(c->r, c->run, kind, p, n, at);
}

/* ---- the store, as a set ---------------------------------------------------------------------------------------- */

/* The store's part: a sum of one fingerprint per key of its renamed key, value, type and deadline (fp_store's, in
 * sim_snapshot.c, on renamed bytes), then its count, script cache and cjson settings. */
static sim_fp store_fp(sym_rename *r, const sim_run *run, sym_buf *scratch) {
    const sim_keyspace *ks = &run->store.ks;
    uint64_t lo = 0, hi = 0;
    for (int wd = 0; wd < SIM_KS_SLOTS / 64; wd++)
        for (uint64_t bits = ks->used_bits[wd]; bits; bits &= bits - 1) {
            int i = wd * 64 + __builtin_ctzll(bits);
            const sim_ks_entry *e = &ks->entry[i];
            if (e->type == SIM_KS_NONE) continue;
            uint32_t klen, vlen;
            const unsigned char *key = sim_ks_key(ks, i, &klen);
            const unsigned char *value = sim_ks_value_const(ks, i, &vlen);
            scratch->len = 0;
            unsigned char *kb = buf_room(scratch, (size_t)klen + vlen + 1);
            if (kb == NULL) { /* out of memory: the state is fingerprinted plainly */
                r->bad = SIM_SYM_FALLBACK_MEMORY;
                return (sim_fp){1, 1};
            }
            int uses = r->uses;
            r->uses = 0;
            render(r, run, K_TEXT, key, klen, kb);
            if (r->uses) r->bad = SIM_SYM_FALLBACK_KEY; /* SCAN's order follows the key's bytes, not the renaming */
            r->uses |= uses;
            render(r, run, K_TEXT, value, vlen, kb + klen);
            sim_fp f = fp_store_key(e, kb, klen, kb + klen, vlen);
            lo += f.lo;
            hi += f.hi;
        }
    fp_acc h;
    fp_init(&h);
    fp_u64(&h, P_STORE);
    fp_u64(&h, (uint64_t)ks->count);
    fp_u64(&h, lo);
    fp_u64(&h, hi);
    fp_sized(&h, ks->scripts, ks->script_bytes);
    fp_bytes(&h, &ks->cjson, sizeof(ks->cjson));
    return fp_final(&h);
}

/* ---- the cache -------------------------------------------------------------------------------------------------- */

typedef struct sym_part_cache {
    sym_buf raw; /* the part's bytes when last hashed */
    int valid;
    signed char sig[SIM_THREADS_MAX]; /* the clients' renaming it was hashed with */
    sim_fp hash;
    int cross, bad;
    int uses; /* the rendering named a client: valid for 'sig' only (else for any renaming) */
} sym_part_cache;

struct sim_sym_cache {
    sym_part_cache part[P_COUNT];
    sym_part_cache *mark; /* [global part][client]: the global parts as client k sees them (sym_refine), or NULL */
    sym_buf scratch, raw; /* a part's rendering; its raw bytes being gathered */
    sym_layout lay;
    int lay_valid;
    sim_fp_cache *plain; /* for the states fingerprinted plainly */
    sim_sym_stats stats;
};

sim_sym_cache *sim_sym_cache_new(void) {
    sim_sym_cache *c = calloc(1, sizeof(*c));
    if (c == NULL) return NULL;
    c->plain = sim_fp_cache_new();
    if (c->plain == NULL) {
        free(c);
        return NULL;
    }
    return c;
}

void sim_sym_cache_free(sim_sym_cache *c) {
    if (c == NULL) return;
    for (int i = 0; i < P_COUNT; i++)
        free(c->part[i].raw.b);
    for (int i = 0; c->mark && i < P_BLOCK * SIM_THREADS_MAX; i++)
        free(c->mark[i].raw.b);
    free(c->mark);
    free(c->scratch.b);
    free(c->raw.b);
    sim_fp_cache_free(c->plain);
    free(c);
}

sim_sym_stats sim_sym_cache_stats(const sim_sym_cache *c) {
    sim_sym_stats none;
    memset(&none, 0, sizeof(none));
    return c ? c->stats : none;
}

const char *sim_sym_fallback_text(int reason) {
    static const char *const text[] = {"canonical",
#define SIM_SYM_FALLBACK_TEXT(name, t) t,
                                       SIM_SYM_FALLBACKS(SIM_SYM_FALLBACK_TEXT)
#undef SIM_SYM_FALLBACK_TEXT
    };
    return reason >= 0 && reason < SIM_SYM_FALLBACK_COUNT_ ? text[reason] : "?";
}

/* The hash of part 'part' renamed by 'map' (whose clients' renaming is 'sig'), from the cache when its bytes and
 * renaming did not change. Sets *cross and *bad as the rendering did. */
static sim_fp part_fp(sim_sym_cache *c, sym_part_cache *pc, const sym_walk *w, int part, const sym_map *map,
                      const signed char *sig, int *cross, int *bad, int *uses, sym_buf *scratch) {
    int n = w->lay->n;
    if (pc && pc->valid && (!pc->uses || memcmp(pc->sig, sig, (size_t)n) == 0)) {
        sym_compare k = {pc->raw.b, pc->raw.len, 0, 0};
        walk_part(w, part, piece_compare, &k);
        if (!k.differ && k.at == pc->raw.len) {
            *cross = pc->cross;
            *bad = pc->bad;
            *uses = pc->uses;
            return pc->hash;
        }
    }
    sym_rename r = {w->lay, map, 0, 0, 0};
    sim_fp f;
    if (part == P_STORE) {
        f = store_fp(&r, w->run, scratch);
    } else {
        scratch->len = 0;
        scratch->failed = 0;
        sym_render_ctx rc = {scratch, &r, w->run};
        walk_part(w, part, piece_render, &rc);
        if (scratch->failed) { /* out of memory: the state is fingerprinted plainly */
            *cross = 0;
            *bad = SIM_SYM_FALLBACK_MEMORY;
            *uses = 1;
            return (sim_fp){1, 1};
        }
        fp_acc h;
        fp_init(&h);
        fp_u64(&h, (uint64_t)(part >= P_BLOCK ? P_BLOCK : part)); /* a block's key does not say whose it is */
        fp_bytes(&h, scratch->b, scratch->len);
        f = fp_final(&h);
    }
    *cross = r.cross;
    *bad = r.bad;
    *uses = r.uses;
    if (pc) { /* keep the raw bytes: gathered into the spare buffer, then swapped in */
        c->raw.len = 0;
        c->raw.failed = 0;
        walk_part(w, part, piece_gather, &c->raw);
        pc->valid = !c->raw.failed;
        sym_buf t = pc->raw;
        pc->raw = c->raw;
        c->raw = t;
        memcpy(pc->sig, sig, (size_t)n);
        pc->hash = f;
        pc->cross = r.cross;
        pc->bad = r.bad;
        pc->uses = r.uses;
    }
    return f;
}

/* ---- the state ---------------------------------------------------------------------------------------------- */

int sim_sym_unsupported(const sim_run *run, char *why, size_t cap) {
    const char *fixed = NULL;
    if (run->symmetry.count < 2)
        fixed = "the scenario declares no symmetric threads (a scenario does in its setup, with sim_symmetric, as "
                "spin_anchor does): drop --symmetry";
    else if (sim__builtin(run, SIM_PARAM_ENTROPY) != SIM_ENTROPY_IDS)
        fixed = "symmetry needs entropy=ids (tokens that name their thread)";
    else if (run->alloc_fail_at != 0)
        fixed = "symmetry cannot follow an injected allocation failure (it fails by count)";
    if (fixed) {
        snprintf(why, cap, "%s", fixed);
        return 1;
    }
    for (int i = 0; i < sim_param_count(run->scenario); i++)
        if (run->param[i] >= SYM_PARAM_MAX) { /* as ms, in ns it could reach the arena: a time read as a pointer */
            snprintf(why, cap,
                     "%s=%lld: symmetry needs every parameter below %lld (as ms, a time that large in ns could be "
                     "taken for a pointer into the run arena and renamed): lower it",
                     sim_param_def_at(run->scenario, i)->name, (long long)run->param[i], (long long)SYM_PARAM_MAX);
            return 1;
        }
    return 0;
}

/* Why the state cannot be fingerprinted up to symmetry here, or SIM_SYM_CANONICAL. */
static int sym_fallback(const sim_run *run, const sym_layout *l) {
    if (run->now_ns >= SYM_TIME_MAX) return SIM_SYM_FALLBACK_TIME;
    for (int t = 0; t < run->thread_count; t++) {
        const sim_thread *th = &run->thread[t];
        int client = l->client_of_thread[t] >= 0;
        if ((th->wake_ns >= SYM_TIME_MAX && th->wake_ns != INT64_MAX) || th->paused_until_ns >= SYM_TIME_MAX)
            return SIM_SYM_FALLBACK_TIME;
        if (client ? th->parent != -1 || th->owner != t
                   : l->client_of_proc[th->proc] >= 0 || (th->owner >= 0 && l->client_of_thread[th->owner] >= 0) ||
                         (th->parent >= 0 && l->client_of_thread[th->parent] >= 0))
            return SIM_SYM_FALLBACK_TASK;
        if (!client) continue;
        if (th->once_running != NULL || /* at or waiting out a sync op: a wake goes to the lowest index */
            ((th->state == SIM_T_PENDING || th->state == SIM_T_WAITING) && th->pend.vop != SIM_VOP_STORE &&
             th->pend.vop != SIM_VOP_SLEEP && th->pend.vop != SIM_VOP_YIELD && th->pend.vop != SIM_VOP_EVENT &&
             th->pend.vop != SIM_VOP_RESOURCE))
            return SIM_SYM_FALLBACK_SYNC;
        const sim_redis_client *ps = &run->client[SIM_PUBSUB_CONN(t)];
        if ((ps->flags | ps->inbox_count) != 0 || (run->client[t].flags & SIM_CLIENT_BLOCKED))
            return SIM_SYM_FALLBACK_SERVER;
    }
    for (int i = 0; i < run->mutex_count; i++)
        if (l->client_of_proc[run->mutex[i].proc] >= 0 ||
            (run->mutex[i].holder >= 0 && l->client_of_thread[run->mutex[i].holder] >= 0))
            return SIM_SYM_FALLBACK_MUTEX;
    for (int i = 0; i < run->oracle.instance_count; i++)
        if (l->client_of_proc[run->oracle.instance[i].proc] >= 0) return SIM_SYM_FALLBACK_MUTEX;
    if (run->log_count > 0 || run->cmd_log_len > 0) return SIM_SYM_FALLBACK_LOG;
    const sim_keyspace *ks = &run->store.ks;
    if (ks->watch_count || ks->dirty_clients || ks->channel_count || run->blocked_clients)
        return SIM_SYM_FALLBACK_SERVER;
    return SIM_SYM_CANONICAL;
}

/* Loops 'part' over the global parts this state has, in order. */
#define FOR_GLOBAL_PARTS(run, lay, part)                                                                               \
    for (int part = 0; part < P_BLOCK && !(part >= P_THREAD && part - P_THREAD >= (run)->thread_count); part++)        \
        if (part < P_THREAD || (lay)->client_of_thread[part - P_THREAD] < 0)

/* The keys that rank the clients: a client whose block's key 'key' no other client shares ranks by it alone; a
 * client that shares it with another also by how the global parts name it (each rendered as client k would see
 * itself, as client 0, with every other client masked), so that, say, the holder of a lease ranks apart from an
 * identical waiter in every renaming. Clients tied even so keep their index order (a renaming of such a state may
 * then be stored apart: less reduction, never less soundness). */
static void sym_refine(sim_sym_cache *c, const sym_walk *w, const sim_fp *key, sim_fp *rank, sym_buf *scratch) {
    const sym_layout *lay = w->lay;
    if (c && c->mark == NULL) c->mark = calloc((size_t)P_BLOCK * SIM_THREADS_MAX, sizeof(sym_part_cache));
    signed char none[SIM_THREADS_MAX];
    memset(none, -1, sizeof(none));
    int tied[SIM_THREADS_MAX], ties = 0;
    fp_acc h[SIM_THREADS_MAX];
    for (int k = 0; k < lay->n; k++) {
        rank[k] = key[k];
        tied[k] = 0;
        for (int j = 0; j < lay->n && !tied[k]; j++)
            tied[k] = j != k && key[j].lo == key[k].lo && key[j].hi == key[k].hi;
        if (!tied[k]) continue;
        ties++;
        fp_init(&h[k]);
        fp_u64(&h[k], key[k].lo);
        fp_u64(&h[k], key[k].hi);
    }
    if (ties == 0) return;
    FOR_GLOBAL_PARTS(w->run, lay, part) {
        for (int k = 0; k < lay->n; k++) {
            if (!tied[k]) continue;
            sym_map m;
            map_as_first(&m, lay, k);
            int x, b, uses;
            sym_part_cache *pc = c && c->mark ? &c->mark[part * SIM_THREADS_MAX + k] : NULL;
            sim_fp f = part_fp(c, pc, w, part, &m, none, &x, &b, &uses, scratch);
            if (!uses) break; /* it names no client: every client sees it alike, and it ranks none */
            fp_u64(&h[k], f.lo);
            fp_u64(&h[k], f.hi);
        }
    }
    for (int k = 0; k < lay->n; k++)
        if (tied[k]) rank[k] = fp_final(&h[k]);
}

/* Sum of part hashes, per 64-bit half. */
static void sum_add(sim_fp *sum, sim_fp f) {
    sum->lo += f.lo;
    sum->hi += f.hi;
}

/* The state fingerprinted plainly, in a domain of its own (never equal to a canonical fingerprint but by chance). */
static sim_fp sym_plain(const sim_run *run, uint64_t extra, int outcome, sim_sym_cache *c, int reason) {
    if (c) c->stats.plain[reason]++;
    sim_fp f = outcome ? (c ? sim_state_outcome_cached(run, c->plain) : sim_state_outcome(run))
                       : (c ? sim_state_fingerprint_cached(run, extra, c->plain) : sim_state_fingerprint(run, extra));
    f.lo ^= UINT64_C(0x5bd1e9955bd1e995);
    if (f.lo == 0 && f.hi == 0) f.hi = 1;
    return f;
}

/* sigma: clients by (rank key, index), insertion (a few clients); sig is sigma as bytes. */
static void sym_sort(const sim_fp *rank, int n, int *sigma, signed char *sig) {
    int order[SIM_THREADS_MAX];
    for (int k = 0; k < n; k++) {
        int i = k;
        while (i > 0) {
            const sim_fp *a = &rank[order[i - 1]], *b = &rank[k];
            if (a->hi < b->hi || (a->hi == b->hi && a->lo <= b->lo)) break;
            order[i] = order[i - 1];
            i--;
        }
        order[i] = k;
    }
    for (int m = 0; m < n; m++) {
        sigma[order[m]] = m;
        sig[order[m]] = (signed char)m;
    }
}

/* Phase 2: the sum of the parts of R_sigma(s). Returns 0, or a SIM_SYM_FALLBACK_* when a part is not renamed. */
static int sym_sum(sim_sym_cache *c, const sym_walk *w, const sim_fp *key, const int *cross, const int *sigma,
                   const signed char *sig, sym_buf *scratch, sim_fp *sum) {
    const sym_layout *lay = w->lay;
    sym_map map;
    map_sigma(&map, lay, sigma);
    for (int k = 0; k < lay->n; k++) { /* block k at place sigma[k] */
        fp_acc h;
        fp_init(&h);
        if (!cross[k]) {
            fp_u64(&h, (uint64_t)(P_BLOCK + sigma[k]));
            fp_u64(&h, key[k].lo);
            fp_u64(&h, key[k].hi);
            sum_add(sum, fp_final(&h));
            continue;
        }
        sym_rename r = {lay, &map, 0, 0, 0}; /* it names another client: rendered with sigma */
        scratch->len = 0;
        scratch->failed = 0;
        sym_render_ctx rc = {scratch, &r, w->run};
        walk_part(w, P_BLOCK + k, piece_render, &rc);
        if (scratch->failed) return SIM_SYM_FALLBACK_MEMORY;
        if (r.bad) return r.bad;
        fp_u64(&h, (uint64_t)(P_COUNT + sigma[k]));
        fp_bytes(&h, scratch->b, scratch->len);
        sum_add(sum, fp_final(&h));
    }
    FOR_GLOBAL_PARTS(w->run, lay, part) {
        int x, bad, uses;
        sim_fp f = part_fp(c, c ? &c->part[part] : NULL, w, part, &map, sig, &x, &bad, &uses, scratch);
        if (bad) return bad;
        sum_add(sum, f);
    }
    return SIM_SYM_CANONICAL;
}

static sim_fp sym_fp(const sim_run *run, uint64_t extra, int outcome, sim_sym_cache *c, int *perm) {
    sym_layout local_lay, *lay = c ? &c->lay : &local_lay;
    if (!c || !c->lay_valid || memcmp(&c->lay.decl, &run->symmetry, sizeof(run->symmetry)) != 0 ||
        c->lay.stack_size != run->stack_size) {
        layout_build(lay, run);
        if (c) c->lay_valid = 1;
    }
    sym_buf local_scratch = {NULL, 0, 0, 0}, *scratch = c ? &c->scratch : &local_scratch;
    sym_walk w = {run, lay, extra, outcome};
    int n = lay->n, reason = sym_fallback(run, lay);
    sim_fp key[SIM_THREADS_MAX], rank[SIM_THREADS_MAX], sum = {0, 0};
    int cross[SIM_THREADS_MAX], sigma[SIM_THREADS_MAX];
    signed char none[SIM_THREADS_MAX], sig[SIM_THREADS_MAX];
    memset(none, -1, sizeof(none));
    for (int k = 0; k < n && reason == SIM_SYM_CANONICAL; k++) { /* phase 1: each block as client 0 */
        sym_map m;
        map_as_first(&m, lay, k);
        int uses, bad;
        sym_part_cache *pc = c ? &c->part[P_BLOCK + k] : NULL;
        key[k] = part_fp(c, pc, &w, P_BLOCK + k, &m, none, &cross[k], &bad, &uses, scratch);
        reason = bad;
    }
    if (reason == SIM_SYM_CANONICAL) {
        sym_refine(c, &w, key, rank, scratch);
        sym_sort(rank, n, sigma, sig);
        reason = sym_sum(c, &w, key, cross, sigma, sig, scratch, &sum);
    }
    if (!c) free(local_scratch.b);
    for (int t = 0; perm && t < SIM_THREADS_MAX; t++)
        perm[t] = t;
    if (reason != SIM_SYM_CANONICAL) return sym_plain(run, extra, outcome, c, reason);
    if (c) c->stats.canonical++;
    for (int k = 0; perm && k < n; k++)
        perm[lay->first + k] = lay->first + sigma[k];
    sim_fp f = {fp_fmix(sum.lo ^ fp_fmix(sum.hi ^ UINT64_C(0x27d4eb2f165667c5))),
                fp_fmix(sum.hi + UINT64_C(0x9E3779B97F4A7C15) + (uint64_t)n)};
    if (f.lo == 0 && f.hi == 0) f.hi = 1;
    return f;
}

sim_fp sim_state_fingerprint_sym(const sim_run *run, uint64_t extra, sim_sym_cache *c, int perm[SIM_THREADS_MAX]) {
    return sym_fp(run, extra, 0, c, perm);
}

sim_fp sim_state_outcome_sym(const sim_run *run, sim_sym_cache *c) {
    return sym_fp(run, 0, 1, c, NULL);
}
