/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_census.c: what tells a search's states apart (contract in sim_census.h).
 */
#include "sim/search/sim_census.h"

#include <stdlib.h>
#include <string.h>

/* A kept state's stacks, back to back, each thread's length (0: none). */
typedef struct sim_census_sample {
    sim_fp key; /* the fingerprint without stacks; {0, 0}: a free slot */
    unsigned char *bytes;
    uint32_t len[SIM_THREADS_MAX];
} sim_census_sample;

void sim_census_init(sim_census *c, size_t states_max) {
    memset(c, 0, sizeof(*c));
    for (int k = 0; k < SIM_STATE_CLASS_COUNT; k++)
        sim_visited_init(&c->without[k], states_max);
    sim_visited_init(&c->all, states_max);
    c->sample = calloc(SIM_CENSUS_SAMPLES, sizeof(sim_census_sample));
    c->word = calloc(SIM_CENSUS_WORDS, sizeof(sim_census_word));
    if (c->sample == NULL || c->word == NULL) { /* no sampling: the counts stay */
        free(c->sample);
        free(c->word);
        c->sample = NULL;
        c->word = NULL;
    }
}

void sim_census_free(sim_census *c) {
    for (int k = 0; k < SIM_STATE_CLASS_COUNT; k++)
        sim_visited_free(&c->without[k]);
    sim_visited_free(&c->all);
    for (int i = 0; c->sample && i < SIM_CENSUS_SAMPLES; i++)
        free(c->sample[i].bytes);
    free(c->sample);
    free(c->word);
}

/* The code address nearest above the word 'from_top' bytes below 'top' (its frame's return address, or a caller's),
 * as an offset into the executable; 0 if none is found within 4 KiB. */
extern const char __executable_start[], etext[];
static uint64_t census_frame(const unsigned char *top, uint32_t from_top) {
    for (uint32_t off = from_top - 8; off >= 8 && from_top - off <= 4096; off -= 8) {
        uint64_t v;
        memcpy(&v, top - off, 8);
        if (v > (uint64_t)(uintptr_t)__executable_start && v < (uint64_t)(uintptr_t)etext)
            return v - (uint64_t)(uintptr_t)__executable_start;
    }
    return 0;
}

/* Counts a differing word of thread 't' at 'from_top' bytes from its stack's top, values 'a' and 'b'. */
static void census_word(sim_census *c, int t, uint32_t from_top, uint64_t a, uint64_t b, const unsigned char *top) {
    uint64_t h = ((uint64_t)(uint32_t)t << 32 | from_top) * UINT64_C(0x9E3779B97F4A7C15);
    for (size_t probe = 0; probe < 64; probe++) {
        sim_census_word *w = &c->word[((h >> 40) + probe) & (SIM_CENSUS_WORDS - 1)];
        if (w->count == 0) {
            *w = (sim_census_word){t, from_top, 1, a, b, census_frame(top, from_top)};
            return;
        }
        if (w->thread == t && w->from_top == from_top) {
            w->count++;
            return;
        }
    }
    c->words_elsewhere++;
}

/* Keeps the stacks of the first state of its class ('key': without stacks), or compares a later one's with them. */
static void census_sample(sim_census *c, const sim_run *run, sim_fp key) {
    size_t i = (size_t)(key.lo * UINT64_C(0x9E3779B97F4A7C15) >> 52) & (SIM_CENSUS_SAMPLES - 1);
    sim_census_sample *s = &c->sample[i];
    if (s->key.lo == 0 && s->key.hi == 0) { /* keep this one */
        size_t total = 0, len;
        for (int t = 0; t < run->thread_count; t++) {
            sim_state_stack(run, t, &len);
            total += len;
        }
        if (total == 0 || c->sample_bytes + total > SIM_CENSUS_SAMPLE_BYTES || (s->bytes = malloc(total)) == NULL)
            return;
        size_t at = 0;
        for (int t = 0; t < run->thread_count; t++) {
            const unsigned char *p = sim_state_stack(run, t, &len);
            if (p != NULL) memcpy(s->bytes + at, p, len);
            memcpy(c->thread_name[t], run->thread[t].name, SIM_NAME_MAX);
            c->thread_name[t][SIM_NAME_MAX - 1] = 0;
            s->len[t] = (uint32_t)len;
            at += len;
        }
        s->key = key;
        c->sample_bytes += total;
        return;
    }
    if (s->key.lo != key.lo || s->key.hi != key.hi) return; /* the slot holds another class */
    c->pairs++;
    size_t at = 0, len;
    for (int t = 0; t < run->thread_count; t++) { /* equal but for the stacks: the same threads are live */
        sim_state_stack(run, t, &len);
        if (len != s->len[t]) {
            c->depth_differs++;
            return;
        }
    }
    for (int t = 0; t < run->thread_count; t++) {
        const unsigned char *p = sim_state_stack(run, t, &len), *q = s->bytes + at;
        for (size_t off = 0; p != NULL && off + 8 <= len; off += 8) { /* the stack top is 16-byte aligned */
            uint64_t a, b;
            memcpy(&a, q + len - off - 8, 8);
            memcpy(&b, p + len - off - 8, 8);
            if (a != b) census_word(c, t, (uint32_t)(off + 8), a, b, q + len);
        }
        at += len;
    }
}

static int census_word_cmp(const void *x, const void *y) {
    const sim_census_word *a = x, *b = y;
    if (a->count != b->count) return a->count > b->count ? -1 : 1;
    if (a->thread != b->thread) return a->thread < b->thread ? -1 : 1;
    return a->from_top < b->from_top ? -1 : a->from_top > b->from_top;
}

int sim_census_top_words(const sim_census *c, sim_census_word *out, int n) {
    if (c->word == NULL || n <= 0) return 0;
    sim_census_word *all = malloc(sizeof(sim_census_word) * SIM_CENSUS_WORDS);
    if (all == NULL) return 0;
    int m = 0;
    for (int i = 0; i < SIM_CENSUS_WORDS; i++)
        if (c->word[i].count > 0) all[m++] = c->word[i];
    qsort(all, (size_t)m, sizeof(all[0]), census_word_cmp);
    if (m > n) m = n;
    memcpy(out, all, sizeof(all[0]) * (size_t)m);
    free(all);
    return m;
}

void sim_census_add(sim_census *c, const sim_run *run, uint64_t extra) {
    if (c->full) return;
    sim_fp cls[SIM_STATE_CLASS_COUNT], all = {0, 0};
    sim_state_class_fps(run, extra, cls);
    for (int k = 0; k < SIM_STATE_CLASS_COUNT; k++) {
        all.lo += cls[k].lo;
        all.hi += cls[k].hi;
    }
    if (all.lo == 0 && all.hi == 0) all.hi = 1;
    int added = sim_visited_add(&c->all, all, 0);
    if (added < 0) {
        c->full = 1;
        return;
    }
    if (added == 0) return; /* counted before (the search explores it again from a shallower depth) */
    for (int k = 0; k < SIM_STATE_CLASS_COUNT; k++) {
        sim_fp rest = {all.lo - cls[k].lo, all.hi - cls[k].hi};
        if (rest.lo == 0 && rest.hi == 0) rest.hi = 1; /* a set's empty slot */
        if (sim_visited_add(&c->without[k], rest, 0) < 0) {
            c->full = 1; /* this state is not counted (the sets before k may hold it: sim_census_without clamps) */
            return;
        }
    }
    c->states++;
    if (c->sample != NULL) {
        sim_fp key = {all.lo - cls[SIM_STATE_CLASS_STACKS].lo, all.hi - cls[SIM_STATE_CLASS_STACKS].hi};
        if (key.lo == 0 && key.hi == 0) key.hi = 1;
        census_sample(c, run, key);
    }
}

int64_t sim_census_without(sim_census *c, int cls) {
    if (cls < 0 || cls >= SIM_STATE_CLASS_COUNT) return 0;
    int64_t n = (int64_t)sim_visited_count(&c->without[cls]);
    return n < c->states ? n : c->states;
}

size_t sim_census_bytes(const sim_census *c) {
    size_t n = sim_visited_bytes(&c->all) + c->sample_bytes;
    for (int k = 0; k < SIM_STATE_CLASS_COUNT; k++)
        n += sim_visited_bytes(&c->without[k]);
    return n;
}
