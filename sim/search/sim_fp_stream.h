/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_fp_stream.h: the hash stream that state fingerprints are made of, and the spans of the run's structs they
 * leave out; shared by the plain fingerprint (sim_snapshot.c) and the canonical one up to symmetry (sim_symmetry.c),
 * so both read a state's bytes the same way. Internal to sim/search.
 *
 * Hash: a stream of bytes in 32-byte blocks; four 64-bit lanes take one word each per block; each lane step
 * s = (s ^ w) * odd, s ^= s >> 31 is a bijection of s for a fixed w and of w for a fixed s, so one changed word
 * always changes its lane. The last block is zero-padded and the length mixed in; the lanes fold into 128 bits at
 * the end. Every part whose length the stream did not fix before it goes in with its length first (fp_sized), so
 * the stream parses one way only. Not keyed: the inputs are not adversarial.
 */
#ifndef RACEBED_SIM_SEARCH_SIM_FP_STREAM_H
#define RACEBED_SIM_SEARCH_SIM_FP_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sim/run/sim_run.h"
#include "sim/search/sim_visited.h"

typedef struct fp_acc {
    uint64_t l[4];
    uint64_t len;           /* bytes taken so far */
    unsigned char tail[32]; /* the bytes of an unfinished block, 'len' % 32 of them */
} fp_acc;

static const uint64_t fp_mul[4] = {UINT64_C(0x9E3779B97F4A7C15), UINT64_C(0xC2B2AE3D27D4EB4F),
                                   UINT64_C(0x165667B19E3779F9), UINT64_C(0xD6E8FEB86659FD93)};

static inline uint64_t fp_step(uint64_t s, uint64_t w, uint64_t m) {
    s = (s ^ w) * m;
    return s ^ (s >> 31);
}

static inline void fp_init(fp_acc *h) {
    h->l[0] = UINT64_C(0x243F6A8885A308D3);
    h->l[1] = UINT64_C(0x13198A2E03707344);
    h->l[2] = UINT64_C(0xA4093822299F31D0);
    h->l[3] = UINT64_C(0x082EFA98EC4E6C89);
    h->len = 0;
}

static inline void fp_block(fp_acc *h, const unsigned char *c) {
    uint64_t w[4];
    memcpy(w, c, 32);
    for (int i = 0; i < 4; i++)
        h->l[i] = fp_step(h->l[i], w[i], fp_mul[i]);
}

/* A stream: the hash is of the bytes taken, in order, whatever the calls that took them (a variable-length part
 * is preceded by its length, fp_sized). Scalar on purpose: vectorized, the 64-bit multiplies become three 32-bit
 * ones each (x86-64 SSE2), 2x slower. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-vectorize")))
#endif
static inline void
fp_bytes(fp_acc *h, const void *p, size_t n) {
    if (n == 0) return; /* an empty part may have no address at all */
    const unsigned char *c = p;
    size_t fill = (size_t)(h->len & 31);
    h->len += n;
    if (fill > 0) { /* finish the block under way first */
        size_t take = 32 - fill < n ? 32 - fill : n;
        memcpy(h->tail + fill, c, take);
        if (fill + take < 32) return;
        fp_block(h, h->tail);
        c += take;
        n -= take;
    }
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
    if (n > 0) memcpy(h->tail, c, n);
}

static inline void fp_u64(fp_acc *h, uint64_t v) {
    size_t fill = (size_t)(h->len & 31);
    if (fill <= 24) { /* the common case: room in the block under way */
        memcpy(h->tail + fill, &v, 8);
        h->len += 8;
        if (fill == 24) fp_block(h, h->tail);
        return;
    }
    fp_bytes(h, &v, sizeof(v));
}

/* A part whose length is not fixed by what the stream took before it: its length, then its bytes. */
static inline void fp_sized(fp_acc *h, const void *p, size_t n) {
    fp_u64(h, n);
    fp_bytes(h, p, n);
}

static inline uint64_t fp_fmix(uint64_t k) {
    k ^= k >> 33;
    k *= UINT64_C(0xFF51AFD7ED558CCD);
    k ^= k >> 33;
    k *= UINT64_C(0xC4CEB9FE1A85EC53);
    return k ^ (k >> 33);
}

static inline sim_fp fp_final(fp_acc *h) {
    size_t fill = (size_t)(h->len & 31);
    if (fill > 0) { /* the last block, zero-padded: the length mixed in below tells the padding apart */
        memset(h->tail + fill, 0, 32 - fill);
        fp_block(h, h->tail);
    }
    sim_fp f;
    f.lo = fp_fmix(h->l[0] ^ fp_fmix(h->l[2] + h->len));
    f.hi = fp_fmix(h->l[1] ^ fp_fmix(h->l[3] ^ f.lo));
    if (f.lo == 0 && f.hi == 0) f.hi = 1;
    return f;
}

/* One key of the store as the store's set hash takes it (its fingerprint is summed over the keys): its deadline,
 * type, key and value. */
static inline sim_fp fp_store_key(const sim_ks_entry *e, const void *key, uint32_t klen, const void *value,
                                  uint32_t vlen) {
    fp_acc k;
    fp_init(&k);
    fp_u64(&k, (uint64_t)e->deadline_ms);
    fp_u64(&k, e->type);
    fp_sized(&k, key, klen);
    fp_sized(&k, value, vlen);
    return fp_final(&k);
}

/* A byte range a fingerprint leaves out. */
typedef struct fp_skip {
    size_t off, len;
} fp_skip;

#define FP_SKIP(type, field)                                                                                           \
    { offsetof(type, field), sizeof(((type *)0)->field) }

/* A span of fields, 'first' to 'last' and the padding between them, all left out. */
#define FP_SPAN(type, first, last)                                                                                     \
    { offsetof(type, first), offsetof(type, last) + sizeof(((type *)0)->last) - offsetof(type, first) }

/* Left out of the header, one span at its start (sim_run.h groups them): the host's context; what describes the
 * past (the violation text, probes and unchecked expectations, notes, counts of store faults by kind (the bounds
 * read each thread's own count), the number of decisions: a search compares depths itself, sim_visited_add); what
 * belongs to the host process (the backend); what is constant through a search (the parameters, the ignored
 * oracles); and the allocation count unless a test fails one by number. */
static const fp_skip header_skip[] = {FP_SPAN(sim_run, host, alloc_count)};
/* Left out of a thread, one span: sanitizer and valgrind bookkeeping, its name (fixed at creation), the step of its
 * last op (the past). */
static const fp_skip thread_skip[] = {FP_SPAN(sim_thread, fiber.asan_fake_stack, last_step)};
/* Left out of a process, one span at its end: its name and its env's function table (fixed at creation), and its
 * metrics (unless the scenario reads them: sim_scenario.reads_metrics), which no lock decision reads. */
static const fp_skip proc_skip[] = {FP_SPAN(sim_process, name, metrics)};

/* The spans hold only the fields named above: sim_run.h keeps them together, and these checks fail when a field
 * moves out of (or a new one lands inside) a span's order. */
_Static_assert(offsetof(sim_run, host) == 0 && offsetof(sim_run, param) > offsetof(sim_run, host) &&
                   offsetof(sim_run, scenario) > offsetof(sim_run, alloc_count),
               "sim_run: the fields left out of fingerprints must stay one block from host to alloc_count");
_Static_assert(offsetof(sim_thread, name) > offsetof(sim_thread, fiber) &&
                   offsetof(sim_thread, last_step) > offsetof(sim_thread, name) &&
                   offsetof(sim_thread, run) > offsetof(sim_thread, last_step),
               "sim_thread: fiber's bookkeeping, name and last_step must stay one block");
_Static_assert(offsetof(sim_process, name) > offsetof(sim_process, crashed) &&
                   offsetof(sim_process, metrics) > offsetof(sim_process, env),
               "sim_process: name, env and metrics must stay last");

#endif
