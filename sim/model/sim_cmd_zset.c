/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_cmd_zset.c: the model's sorted-set commands: ZADD, ZREM, ZSCORE, ZRANK, ZCARD, ZRANGE (by index, BYSCORE,
 * BYLEX, REV, LIMIT, WITHSCORES), ZRANGEBYSCORE, ZREMRANGEBYSCORE and ZSCAN, as Redis 7.0 runs them on a
 * listpack-encoded sorted set.
 *
 * Mechanism. The value is sim_keyspace.h's zset encoding: u32 count, then count x (f64 score, u32 length, member),
 * ordered by score, ties by member bytes (Redis's sdscmp). Lookups walk the entries; ranges are selected with the
 * same steps as Redis's listpack code (zzlIsInRange, zzlFirstInRange / zzlLastInRange, then offset and limit), so
 * even BYLEX over mixed scores picks what Redis picks. Going backwards uses a walk index: the offset of every
 * 'step'-th entry, so reaching entry i costs at most 'step' hops. A score of -0 is stored as 0, as the listpack does
 * (it keeps integral scores as integers); ZADD INCR still replies the score it computed, as Redis does.
 *
 * Never: allocation, state outside the key space.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/model/sim_cmd.h"

enum {
    ZSET_ENTRY_HDR = 12, /* f64 score + u32 member length */
    ZSET_MARKS = 64,     /* walk index checkpoints */
    ZSET_BOUND_BYTES = 512,
};

/* ZADD flags and per-pair outcomes. */
enum { ZSET_NX = 1, ZSET_XX = 2, ZSET_GT = 4, ZSET_LT = 8, ZSET_CH = 16, ZSET_INCR = 32 };
enum { ZSET_OUT_ADDED = 1, ZSET_OUT_UPDATED = 2, ZSET_OUT_NOP = 4, ZSET_OUT_NAN = 8, ZSET_OUT_LIMIT = 16 };

/* Range kinds (ZRANGE's AUTO resolves to RANK) and lex bound kinds. */
enum { ZSET_BY_AUTO, ZSET_BY_RANK, ZSET_BY_SCORE, ZSET_BY_LEX };
enum { ZSET_LEX_STR, ZSET_LEX_MIN, ZSET_LEX_MAX };

typedef struct zset_bound {
    double score;           /* BYSCORE */
    const unsigned char *s; /* BYLEX, ZSET_LEX_STR: the bytes (borrowed from argv) */
    uint32_t n;
    int kind; /* BYLEX: ZSET_LEX_* */
    int ex;   /* exclusive */
} zset_bound;

typedef struct zset_range {
    int lex; /* 1: BYLEX bounds, 0: score bounds */
    zset_bound min, max;
} zset_range;

typedef struct zset_walk {
    const unsigned char *v;
    uint32_t len, count, step;
    uint32_t mark[ZSET_MARKS]; /* mark[k]: offset of entry k * step */
} zset_walk;

/* ---------------------------------------------------------------------------------------------------------------
 * The encoding.
 */

/* Reads the entry at 'off': its score and member. Returns the offset of the next entry. */
static uint32_t zset_entry(const unsigned char *v, uint32_t off, double *score, const unsigned char **m,
                           uint32_t *mlen) {
    memcpy(score, v + off, sizeof(*score));
    *mlen = sim__get32(v + off + 8);
    *m = v + off + ZSET_ENTRY_HDR;
    return off + ZSET_ENTRY_HDR + *mlen;
}

/* Redis's sdscmp: memcmp over the shorter length, then the shorter first. <0, 0 or >0. */
static int zset_cmp_member(const void *a, uint32_t an, const void *b, uint32_t bn) {
    int cmp = memcmp(a, b, an < bn ? an : bn);
    if (cmp != 0) return cmp;
    return an < bn ? -1 : an > bn ? 1 : 0;
}

/* Finds 'm' in the value. Returns 1 with its offset, score and rank, or 0. */
static int zset_find(const unsigned char *v, uint32_t vlen, const void *m, uint32_t mlen, uint32_t *off, double *score,
                     uint32_t *rank) {
    uint32_t at = 4, next, n;
    const unsigned char *em;
    for (uint32_t i = 0; at < vlen; i++, at = next) {
        next = zset_entry(v, at, score, &em, &n);
        if (n == mlen && memcmp(em, m, mlen) == 0) {
            *off = at;
            *rank = i;
            return 1;
        }
    }
    return 0;
}

/* The offset at which (score, m) goes: the first entry other than the one at 'skip' that sorts after it, or 'vlen'.
 * 'skip' is an entry's offset, or 0 (no entry is at 0) to skip none. */
static uint32_t zset_insert_offset(const unsigned char *v, uint32_t vlen, double score, const void *m, uint32_t mlen,
                                   uint32_t skip) {
    uint32_t at = 4, next, n;
    const unsigned char *em;
    double s;
    for (; at < vlen; at = next) {
        next = zset_entry(v, at, &s, &em, &n);
        if (at == skip) continue;
        if (s > score || (s == score && zset_cmp_member(em, n, m, mlen) > 0)) return at;
    }
    return vlen;
}

/* Writes an entry at 'p'. */
static void zset_write_entry(unsigned char *p, double score, const void *m, uint32_t mlen) {
    memcpy(p, &score, sizeof(score));
    sim__put32(p + 8, mlen);
    memcpy(p + ZSET_ENTRY_HDR, m, mlen);
}

/* Inserts the new member 'm' with 'score' (-0 stored as 0). Returns 0, or -1 after sim__cmd_limit. */
static int zset_insert(sim_cmd *c, int slot, double score, const void *m, uint32_t mlen) {
    uint32_t vlen;
    if (score == 0) score = 0; /* the listpack keeps -0 as the integer 0 */
    const unsigned char *v = sim_ks_value(c->ks, slot, &vlen);
    uint32_t at = zset_insert_offset(v, vlen, score, m, mlen, 0);
    unsigned char *w = sim__cmd_splice(c, slot, at, 0, ZSET_ENTRY_HDR + mlen);
    if (w == NULL) return -1;
    zset_write_entry(w + at, score, m, mlen);
    sim__put32(w, sim__get32(w) + 1);
    return 0;
}

/* Gives the entry at 'off' (member 'm') the new 'score' and moves it to its place, in place: the value's length
 * does not change. */
static void zset_rescore(unsigned char *v, uint32_t vlen, uint32_t off, double score, const void *m, uint32_t mlen) {
    uint32_t size = ZSET_ENTRY_HDR + mlen;
    if (score == 0) score = 0;
    uint32_t at = zset_insert_offset(v, vlen, score, m, mlen, off);
    if (at < off) {
        memmove(v + at + size, v + at, off - at);
    } else if (at > off) {
        memmove(v + off, v + off + size, at - off - size);
        at -= size;
    } else {
        at = off;
    }
    zset_write_entry(v + at, score, m, mlen);
}

/* Removes 'n' entries, bytes [from, to) of the value; deletes the key when it is left empty. Returns 1 when the key
 * was deleted, 0 when not, -1 after sim__cmd_limit. */
static int zset_remove(sim_cmd *c, int slot, uint32_t from, uint32_t to, uint32_t n) {
    uint32_t vlen;
    unsigned char *v = sim_ks_value(c->ks, slot, &vlen);
    uint32_t left = sim__get32(v) - n;
    if (left == 0) {
        sim_ks_delete(c->ks, slot);
        return 1;
    }
    v = sim__cmd_splice(c, slot, from, to - from, 0);
    if (v == NULL) return -1;
    sim__put32(v, left);
    return 0;
}

/* Indexes the value of the key in 'slot' for access by rank (valid until the key space changes). */
static void zset_walk_init(zset_walk *w, sim_keyspace *ks, int slot) {
    const unsigned char *v = sim_ks_value(ks, slot, &w->len);
    w->v = v;
    w->count = sim__get32(v);
    w->step = (w->count + ZSET_MARKS - 1) / ZSET_MARKS;
    if (w->step == 0) w->step = 1;
    uint32_t at = 4, n;
    const unsigned char *m;
    double s;
    for (uint32_t i = 0; i < w->count; i++) {
        if (i % w->step == 0) w->mark[i / w->step] = at;
        at = zset_entry(v, at, &s, &m, &n);
    }
}

/* The offset of entry 'i' (< count), or the value's length for i == count. */
static uint32_t zset_walk_at(const zset_walk *w, uint32_t i) {
    if (i >= w->count) return w->len;
    uint32_t at = w->mark[i / w->step], n;
    const unsigned char *m;
    double s;
    for (uint32_t k = i % w->step; k > 0; k--)
        at = zset_entry(w->v, at, &s, &m, &n);
    return at;
}

/* ---------------------------------------------------------------------------------------------------------------
 * Ranges: BYSCORE and BYLEX bounds, Redis's zslParseRange / zslParseLexRange and the listpack range walks.
 */

/* Parses a score bound as zslParseRange: "(" makes it exclusive, then strtod over the C string (so leading spaces,
 * hex, "inf" and "" are accepted; the bytes from a NUL on are ignored) that must be consumed whole and not NaN.
 * Returns 0, or -1 (also for a bound over ZSET_BOUND_BYTES bytes, a model limit). */
static int zset_parse_score_bound(const char *p, size_t n, zset_bound *b) {
    char buf[ZSET_BOUND_BYTES];
    const char *nul = memchr(p, '\0', n);
    if (nul != NULL) n = (size_t)(nul - p);
    b->ex = n > 0 && p[0] == '(';
    if (b->ex) {
        p++;
        n--;
    }
    if (n >= sizeof(buf)) return -1;
    memcpy(buf, p, n);
    buf[n] = '\0';
    char *end;
    b->score = strtod(buf, &end);
    return *end != '\0' || isnan(b->score) ? -1 : 0;
}

/* Parses a lex bound as zslParseLexRangeItem: "-", "+", "(bytes" or "[bytes". Returns 0 or -1. */
static int zset_parse_lex_bound(const char *p, size_t n, zset_bound *b) {
    if (n == 0) return -1;
    b->s = (const unsigned char *)p + 1;
    b->n = (uint32_t)n - 1;
    b->kind = ZSET_LEX_STR;
    switch (p[0]) {
    case '+':
    case '-':
        if (n > 1 && p[1] != '\0') return -1;
        b->kind = p[0] == '+' ? ZSET_LEX_MAX : ZSET_LEX_MIN;
        b->ex = 1;
        return 0;
    case '(': b->ex = 1; return 0;
    case '[': b->ex = 0; return 0;
    default: return -1;
    }
}

/* Redis's sdscmplex with its -/+ sentinels, 'a' and 'b' each a bound or a member (kind ZSET_LEX_STR). */
static int zset_cmp_lex(const zset_bound *a, const zset_bound *b) {
    if (a->kind != ZSET_LEX_STR && a->kind == b->kind) return 0;
    if (a->kind == ZSET_LEX_MIN || b->kind == ZSET_LEX_MAX) return -1;
    if (a->kind == ZSET_LEX_MAX || b->kind == ZSET_LEX_MIN) return 1;
    return zset_cmp_member(a->s, a->n, b->s, b->n);
}

/* 1 when the range can hold nothing whatever the set (min above max, or equal with an exclusive end). */
static int zset_range_empty(const zset_range *rg) {
    if (rg->lex) {
        int cmp = zset_cmp_lex(&rg->min, &rg->max);
        return cmp > 0 || (cmp == 0 && (rg->min.ex || rg->max.ex));
    }
    return rg->min.score > rg->max.score || (rg->min.score == rg->max.score && (rg->min.ex || rg->max.ex));
}

/* 1 when the entry at 'off' is at or above the range's min ('side' 0) or at or below its max ('side' 1). */
static int zset_in_bound(const zset_range *rg, const unsigned char *v, uint32_t off, int side) {
    double s;
    zset_bound e = {0, NULL, 0, ZSET_LEX_STR, 0};
    zset_entry(v, off, &s, &e.s, &e.n);
    const zset_bound *b = side == 0 ? &rg->min : &rg->max;
    if (rg->lex) {
        int cmp = zset_cmp_lex(&e, b);
        if (side == 1) cmp = -cmp;
        return b->ex ? cmp > 0 : cmp >= 0;
    }
    if (side == 0) return b->ex ? s > b->score : s >= b->score;
    return b->ex ? s < b->score : s <= b->score;
}

/* Selects a range as Redis's listpack walk does: nothing if the range is empty, the last entry is below min or the
 * first above max; forward, the first entry >= min (it must be <= max), 'offset' skipped (a negative offset skips
 * everything), then up to 'limit' (negative: all) entries while <= max; 'rev' mirrors it from the last entry <= max.
 * Returns the count and the first rank in '*start' (the next ones go up, or down when 'rev'). */
static uint32_t zset_select(const zset_walk *w, const zset_range *rg, int rev, int64_t offset, int64_t limit,
                            uint32_t *start) {
    if (w->count == 0 || zset_range_empty(rg) || offset < 0) return 0;
    if (!zset_in_bound(rg, w->v, zset_walk_at(w, w->count - 1), 0) || !zset_in_bound(rg, w->v, w->mark[0], 1)) return 0;
    int64_t first = -1, i = 0;
    uint32_t at = 4, n;
    const unsigned char *m;
    double s;
    for (; i < w->count; i++, at = zset_entry(w->v, at, &s, &m, &n)) {
        if (zset_in_bound(rg, w->v, at, rev ? 1 : 0)) {
            first = i;
            if (!rev) break;
        }
    }
    if (first < 0 || !zset_in_bound(rg, w->v, zset_walk_at(w, (uint32_t)first), rev ? 0 : 1)) return 0;
    if (offset >= w->count) return 0;
    first += rev ? -offset : offset;
    if (first < 0 || first >= w->count) return 0;
    uint32_t count = 0;
    for (int64_t k = first; k >= 0 && k < w->count && (limit < 0 || count < limit); k += rev ? -1 : 1, count++)
        if (!zset_in_bound(rg, w->v, zset_walk_at(w, (uint32_t)k), rev ? 0 : 1)) break;
    *start = (uint32_t)first;
    return count;
}

/* ---------------------------------------------------------------------------------------------------------------
 * Replies.
 */

/* Replies 'count' entries from rank 'start' up (down when 'rev'), members, or member and score pairs. */
static void zset_reply_run(sim_cmd *c, const zset_walk *w, uint32_t start, uint32_t count, int rev, int withscores) {
    lk_reply_array(c->r, withscores ? 2 * count : count);
    uint32_t at = zset_walk_at(w, start), n;
    const unsigned char *m;
    double s;
    for (uint32_t k = 0; k < count; k++) {
        if (rev && k > 0) at = zset_walk_at(w, start - k);
        uint32_t next = zset_entry(w->v, at, &s, &m, &n);
        lk_reply_bulk(c->r, m, n);
        if (withscores) sim__reply_double(c->r, s);
        at = next;
    }
}

/* Replies a score as a listpack holds it and ZSCAN shows it: an integral score within +-2^62 as an integer (Redis's
 * double2ll), any other as "%.17g", "inf" or "-inf". */
static void zset_reply_scan_score(lk_reply *r, double d) {
    if (!isinf(d) && d >= -4611686018427387904.0 && d <= 4611686018427387904.0 && (double)(int64_t)d == d) {
        char buf[24];
        uint32_t n = sim__fmt_int(buf, (int64_t)d);
        lk_reply_bulk(r, buf, n);
        return;
    }
    sim__reply_double(r, d);
}

/* ---------------------------------------------------------------------------------------------------------------
 * ZADD.
 */

/* Parses ZADD's flags from argument 2 on into '*flags'. Returns the index of the first score. */
static int zset_zadd_flags(const sim_cmd *c, int *flags) {
    static const char *const words[] = {"nx", "xx", "gt", "lt", "ch", "incr"};
    int i = 2;
    *flags = 0;
    for (; i < c->argc; i++) {
        int k = 0;
        while (k < 6 && !sim__cmd_arg_is(c, i, words[k]))
            k++;
        if (k == 6) break;
        *flags |= 1 << k;
    }
    return i;
}

/* Checks ZADD's shape as Redis does, in its order; replies the first error. Returns 0 or -1. */
static int zset_zadd_check(sim_cmd *c, int flags, int first) {
    int elements = c->argc - first;
    if (elements == 0 || elements % 2 != 0) {
        sim__cmd_syntax(c);
        return -1;
    }
    if ((flags & ZSET_NX) && (flags & ZSET_XX)) {
        lk_reply_error(c->r, "ERR XX and NX options at the same time are not compatible");
        return -1;
    }
    if (((flags & ZSET_NX) && (flags & (ZSET_GT | ZSET_LT))) || ((flags & ZSET_GT) && (flags & ZSET_LT))) {
        lk_reply_error(c->r, "ERR GT, LT, and/or NX options at the same time are not compatible");
        return -1;
    }
    if ((flags & ZSET_INCR) && elements > 2) {
        lk_reply_error(c->r, "ERR INCR option supports a single increment-element pair");
        return -1;
    }
    double d;
    for (int i = first; i < c->argc; i += 2)
        if (sim__cmd_double(c, i, &d) != 0) return -1;
    return 0;
}

/* Redis's zsetAdd for the member in argument 'i' with 'score' (an increment under INCR). Returns ZSET_OUT_* and the
 * resulting score in '*newscore' when neither NOP nor NAN nor LIMIT. */
static int zset_add_one(sim_cmd *c, int slot, int flags, double score, int i, double *newscore) {
    const void *m = c->argv[i];
    uint32_t mlen = (uint32_t)c->len[i], vlen, off, rank;
    double cur;
    unsigned char *v = sim_ks_value(c->ks, slot, &vlen);
    if (!zset_find(v, vlen, m, mlen, &off, &cur, &rank)) {
        if (flags & ZSET_XX) return ZSET_OUT_NOP;
        if (zset_insert(c, slot, score, m, mlen) != 0) return ZSET_OUT_LIMIT;
        *newscore = score;
        return ZSET_OUT_ADDED;
    }
    if (flags & ZSET_NX) return ZSET_OUT_NOP;
    if (flags & ZSET_INCR) {
        score += cur;
        if (isnan(score)) return ZSET_OUT_NAN;
    }
    if (((flags & ZSET_LT) && score >= cur) || ((flags & ZSET_GT) && score <= cur)) return ZSET_OUT_NOP;
    *newscore = score;
    if (score == cur) return 0;
    zset_rescore(v, vlen, off, score, m, mlen);
    sim_ks_touch(c->ks, slot); /* changed in place */
    return ZSET_OUT_UPDATED;
}

/* ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]: the members added (CH: added or changed),
 * or under INCR the new score, nil when NX/XX/GT/LT stopped it. */
void sim__cmd_zadd(sim_cmd *c) {
    int flags, slot, first = zset_zadd_flags(c, &flags);
    if (zset_zadd_check(c, flags, first) != 0) return;
    int found = sim__cmd_key(c, 1, SIM_KS_ZSET, &slot);
    if (found < 0) return;
    int64_t added = 0, updated = 0, processed = 0;
    double score = 0, newscore = 0;
    if (found == 0 && !(flags & ZSET_XX)) {
        slot = sim__cmd_create(c, 1, SIM_KS_ZSET, 4);
        if (slot < 0) return;
        found = 1;
    }
    for (int i = first; found && i < c->argc; i += 2) {
        sim__parse_double(c->argv[i], c->len[i], &score);
        int out = zset_add_one(c, slot, flags, score, i + 1, &newscore);
        if (out & ZSET_OUT_LIMIT) {
            uint32_t vlen;
            if (sim__get32(sim_ks_value(c->ks, slot, &vlen)) == 0) sim_ks_delete(c->ks, slot);
            return;
        }
        if (out & ZSET_OUT_NAN) {
            lk_reply_error(c->r, "ERR resulting score is not a number (NaN)");
            return;
        }
        added += (out & ZSET_OUT_ADDED) != 0;
        updated += (out & ZSET_OUT_UPDATED) != 0;
        processed += (out & ZSET_OUT_NOP) == 0;
    }
    if (!(flags & ZSET_INCR))
        lk_reply_int(c->r, (flags & ZSET_CH) ? added + updated : added);
    else if (processed > 0)
        sim__reply_double(c->r, newscore);
    else
        lk_reply_nil(c->r);
}

/* ---------------------------------------------------------------------------------------------------------------
 * Point commands.
 */

/* ZREM key member [member ...]: the members removed; the key goes with its last member. */
void sim__cmd_zrem(sim_cmd *c) {
    int slot, found = sim__cmd_key(c, 1, SIM_KS_ZSET, &slot);
    if (found < 0) return;
    int64_t removed = 0;
    for (int i = 2; found && i < c->argc; i++) {
        uint32_t vlen, off, rank;
        double s;
        const unsigned char *v = sim_ks_value(c->ks, slot, &vlen);
        if (!zset_find(v, vlen, c->argv[i], (uint32_t)c->len[i], &off, &s, &rank)) continue;
        int gone = zset_remove(c, slot, off, off + ZSET_ENTRY_HDR + (uint32_t)c->len[i], 1);
        if (gone < 0) return;
        removed++;
        found = !gone;
    }
    lk_reply_int(c->r, removed);
}

/* Looks up the member in argument 2 of the sorted set in argument 1. Returns 1 with its score and rank, 0 when the
 * key or the member is missing, -1 after replying WRONGTYPE. */
static int zset_lookup(sim_cmd *c, double *score, uint32_t *rank) {
    int slot, found = sim__cmd_key(c, 1, SIM_KS_ZSET, &slot);
    uint32_t vlen, off;
    if (found <= 0) return found;
    const unsigned char *v = sim_ks_value(c->ks, slot, &vlen);
    return zset_find(v, vlen, c->argv[2], (uint32_t)c->len[2], &off, score, rank);
}

/* ZSCORE key member: the score, or nil. */
void sim__cmd_zscore(sim_cmd *c) {
    double s;
    uint32_t rank;
    int found = zset_lookup(c, &s, &rank);
    if (found > 0) sim__reply_double(c->r, s);
    if (found == 0) lk_reply_nil(c->r);
}

/* ZRANK key member: the member's rank from the lowest score, or nil. */
void sim__cmd_zrank(sim_cmd *c) {
    double s;
    uint32_t rank;
    int found = zset_lookup(c, &s, &rank);
    if (found > 0) lk_reply_int(c->r, rank);
    if (found == 0) lk_reply_nil(c->r);
}

/* ZCARD key: the number of members, 0 for a missing key. */
void sim__cmd_zcard(sim_cmd *c) {
    int slot, found = sim__cmd_key(c, 1, SIM_KS_ZSET, &slot);
    uint32_t vlen;
    if (found < 0) return;
    lk_reply_int(c->r, found ? sim__get32(sim_ks_value(c->ks, slot, &vlen)) : 0);
}

/* ---------------------------------------------------------------------------------------------------------------
 * ZRANGE and ZRANGEBYSCORE: Redis's zrangeGenericCommand.
 */

typedef struct zset_range_opts {
    int by, rev, withscores;
    int64_t offset, limit; /* limit -1: none given (or all) */
} zset_range_opts;

/* Parses the options after key min max, as zrangeGenericCommand's step 1 (BYSCORE/BYLEX only while 'o->by' is AUTO,
 * REV only while 'o->rev' is -1, i.e. for ZRANGE), then resolves the defaults and checks the conflicts. Returns 0,
 * or -1 after replying the error. */
static int zset_range_opts_parse(sim_cmd *c, zset_range_opts *o) {
    for (int j = 4; j < c->argc; j++) {
        if (sim__cmd_arg_is(c, j, "withscores")) {
            o->withscores = 1;
        } else if (sim__cmd_arg_is(c, j, "limit") && c->argc - j - 1 >= 2) {
            if (sim__cmd_int(c, j + 1, &o->offset) != 0 || sim__cmd_int(c, j + 2, &o->limit) != 0) return -1;
            j += 2;
        } else if (o->rev < 0 && sim__cmd_arg_is(c, j, "rev")) {
            o->rev = 1;
        } else if (o->by == ZSET_BY_AUTO && sim__cmd_arg_is(c, j, "bylex")) {
            o->by = ZSET_BY_LEX;
        } else if (o->by == ZSET_BY_AUTO && sim__cmd_arg_is(c, j, "byscore")) {
            o->by = ZSET_BY_SCORE;
        } else {
            sim__cmd_syntax(c);
            return -1;
        }
    }
    if (o->rev < 0) o->rev = 0;
    if (o->by == ZSET_BY_AUTO) o->by = ZSET_BY_RANK;
    if (o->limit != -1 && o->by == ZSET_BY_RANK) {
        lk_reply_error(c->r, "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
        return -1;
    }
    if (o->withscores && o->by == ZSET_BY_LEX) {
        lk_reply_error(c->r, "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
        return -1;
    }
    return 0;
}

/* Parses the range arguments 2 and 3 (max first under REV for BYSCORE/BYLEX) into 'rg' or, for a rank range, into
 * '*start' and '*stop'. Returns 0, or -1 after replying the error. */
static int zset_range_parse(sim_cmd *c, const zset_range_opts *o, zset_range *rg, int64_t *start, int64_t *stop) {
    int lo = 2, hi = 3;
    if (o->by == ZSET_BY_RANK) {
        if (sim__cmd_int(c, 2, start) != 0 || sim__cmd_int(c, 3, stop) != 0) return -1;
        return 0;
    }
    if (o->rev) {
        lo = 3;
        hi = 2;
    }
    rg->lex = o->by == ZSET_BY_LEX;
    if (rg->lex) {
        if (zset_parse_lex_bound(c->argv[lo], c->len[lo], &rg->min) != 0 ||
            zset_parse_lex_bound(c->argv[hi], c->len[hi], &rg->max) != 0) {
            lk_reply_error(c->r, "ERR min or max not valid string range item");
            return -1;
        }
        return 0;
    }
    if (zset_parse_score_bound(c->argv[lo], c->len[lo], &rg->min) != 0 ||
        zset_parse_score_bound(c->argv[hi], c->len[hi], &rg->max) != 0) {
        lk_reply_error(c->r, "ERR min or max is not a float");
        return -1;
    }
    return 0;
}

/* ZRANGE and ZRANGEBYSCORE with the kind 'by' and direction 'rev' preset (AUTO and -1 for ZRANGE). */
static void zset_range_generic(sim_cmd *c, int by, int rev) {
    zset_range_opts o = {by, rev, 0, 0, -1};
    zset_range rg;
    int64_t start = 0, stop = 0, from, to;
    int slot;
    memset(&rg, 0, sizeof(rg));
    if (zset_range_opts_parse(c, &o) != 0 || zset_range_parse(c, &o, &rg, &start, &stop) != 0) return;
    int found = sim__cmd_key(c, 1, SIM_KS_ZSET, &slot);
    if (found < 0) return;
    if (found == 0) {
        lk_reply_array(c->r, 0);
        return;
    }
    uint32_t first = 0, count = 0;
    zset_walk w;
    zset_walk_init(&w, c->ks, slot);
    if (o.by != ZSET_BY_RANK) {
        count = zset_select(&w, &rg, o.rev, o.offset, o.limit, &first);
    } else if (sim__range(start, stop, w.count, &from, &to) == 0) {
        first = o.rev ? w.count - 1 - (uint32_t)from : (uint32_t)from;
        count = (uint32_t)(to - from + 1);
    }
    zset_reply_run(c, &w, first, count, o.rev, o.withscores);
}

/* ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]. */
void sim__cmd_zrange(sim_cmd *c) {
    zset_range_generic(c, ZSET_BY_AUTO, -1);
}

/* ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]. */
void sim__cmd_zrangebyscore(sim_cmd *c) {
    zset_range_generic(c, ZSET_BY_SCORE, 0);
}

/* ZREMRANGEBYSCORE key min max: removes the members in the score range; the count removed. */
void sim__cmd_zremrangebyscore(sim_cmd *c) {
    zset_range rg;
    int slot;
    memset(&rg, 0, sizeof(rg));
    if (zset_parse_score_bound(c->argv[2], c->len[2], &rg.min) != 0 ||
        zset_parse_score_bound(c->argv[3], c->len[3], &rg.max) != 0) {
        lk_reply_error(c->r, "ERR min or max is not a float");
        return;
    }
    int found = sim__cmd_key(c, 1, SIM_KS_ZSET, &slot);
    if (found <= 0) {
        if (found == 0) lk_reply_int(c->r, 0);
        return;
    }
    uint32_t first = 0, count;
    zset_walk w;
    zset_walk_init(&w, c->ks, slot);
    count = zset_select(&w, &rg, 0, 0, -1, &first);
    if (count > 0 && zset_remove(c, slot, zset_walk_at(&w, first), zset_walk_at(&w, first + count), count) < 0) return;
    lk_reply_int(c->r, count);
}

/* ---------------------------------------------------------------------------------------------------------------
 * ZSCAN.
 */

/* ZSCAN key cursor [MATCH pattern] [COUNT count]: everything in one call as Redis does for a listpack, so the next
 * cursor is "0": [cursor, [member, score, ...]]. */
void sim__cmd_zscan(sim_cmd *c) {
    uint64_t cursor;
    int slot;
    if (sim__cmd_cursor(c, 2, &cursor) < 0) return;
    int found = sim__cmd_key(c, 1, SIM_KS_ZSET, &slot);
    if (found < 0) return;
    sim_scan_opts o = {10, NULL, 0, NULL, 0};
    if (found && sim__cmd_scan_opts(c, 3, 0, &o) < 0) return;
    const char *pat = o.match;
    size_t pat_len = o.match_len;
    lk_reply_array(c->r, 2);
    lk_reply_bulk_str(c->r, "0");
    uint32_t arr = lk_reply_array(c->r, 0), vlen = 0, k = 0, at = 4, n;
    const unsigned char *v = found ? sim_ks_value(c->ks, slot, &vlen) : NULL, *m;
    double s;
    while (v != NULL && at < vlen) {
        at = zset_entry(v, at, &s, &m, &n);
        if (pat != NULL && !(pat_len == 1 && pat[0] == '*') && !sim__glob_match(pat, pat_len, (const char *)m, n))
            continue;
        lk_reply_bulk(c->r, m, n);
        zset_reply_scan_score(c->r, s);
        k += 2;
    }
    lk_reply_set_len(c->r, arr, k);
}
