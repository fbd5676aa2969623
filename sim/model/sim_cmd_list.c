/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_cmd_list.c: the list commands of the model Redis (LPUSH, RPUSH, LPOP, RPOP, LLEN, LRANGE, LINDEX, LREM, LTRIM,
 * LPOS, BLPOP, BRPOP), with Redis 7.0's replies, error texts and argument checking order.
 *
 * A list is the encoding of sim_keyspace.h: u32 count, then count x (u32 length, element bytes), head first. The
 * encoding is only walked head to tail, so whatever Redis replies tail first (RPOP with a count, LPOS with a
 * negative RANK) is gathered in chunks of LIST_CHUNK positions, each chunk by one walk from the head, and replied in
 * reverse: no allocation, O(n) per chunk. A command that empties a list deletes its key, as Redis does. Every edit
 * is one or two splices of the value, re-fetching the value pointer after each.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "sim/model/sim_cmd.h"

enum { LIST_CHUNK = 256 }; /* positions gathered per walk for a tail-first reply */

#define LIST_ERR_POSITIVE "ERR value is out of range, must be positive"
#define LIST_ERR_RANK_ZERO                                                                                             \
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start "     \
    "from the end of the list"
#define LIST_ERR_COUNT_NEG "ERR COUNT can't be negative"
#define LIST_ERR_MAXLEN_NEG "ERR MAXLEN can't be negative"

/* Byte offset in the list value 'v' of element 'index' (index == count gives the end of the value). */
static uint32_t list_seek(const unsigned char *v, uint32_t index) {
    uint32_t off = 4;
    for (uint32_t i = 0; i < index; i++)
        off += 4 + sim__get32(v + off);
    return off;
}

/* Replies elements [from, to] (inclusive, from <= to < count) of the list value 'v' as bulk strings, head to tail,
 * or tail to head when 'reverse'. The caller opened the array. */
static void list_reply_range(lk_reply *r, const unsigned char *v, uint32_t from, uint32_t to, int reverse) {
    if (!reverse) {
        uint32_t off = list_seek(v, from);
        for (uint32_t i = from; i <= to; i++) {
            uint32_t n = sim__get32(v + off);
            lk_reply_bulk(r, v + off + 4, n);
            off += 4 + n;
        }
        return;
    }
    uint32_t offs[LIST_CHUNK];
    for (uint32_t hi = to + 1; hi > from;) { /* this chunk: [lo, hi) */
        uint32_t lo = hi - from > LIST_CHUNK ? hi - LIST_CHUNK : from;
        uint32_t off = list_seek(v, lo);
        for (uint32_t i = lo; i < hi; i++) {
            offs[i - lo] = off;
            off += 4 + sim__get32(v + off);
        }
        for (uint32_t i = hi; i > lo; i--)
            lk_reply_bulk(r, v + offs[i - 1 - lo] + 4, sim__get32(v + offs[i - 1 - lo]));
        hi = lo;
    }
}

/* Walks list indexes [first, end) of 'v' for the elements equal to ('ele', 'ele_len'), numbering the matches from 1
 * head to tail. Writes to 'out' the indexes of the matches numbered lo..hi (out may be NULL when lo > hi) and
 * returns the number of all matches in the window. */
static int64_t list_matches(const unsigned char *v, uint32_t first, uint32_t end, const void *ele, size_t ele_len,
                            int64_t lo, int64_t hi, uint32_t *out) {
    int64_t matches = 0;
    uint32_t off = list_seek(v, first);
    for (uint32_t i = first; i < end; i++) {
        uint32_t n = sim__get32(v + off);
        if (n == ele_len && memcmp(v + off + 4, ele, n) == 0) {
            matches++;
            if (matches >= lo && matches <= hi) out[matches - lo] = i;
        }
        off += 4 + n;
    }
    return matches;
}

/* LPUSH (at_tail 0) and RPUSH (at_tail 1): pushes argv[2..] one by one at the head or the tail, creating the list;
 * replies the new length. One create or one splice: a model limit leaves the key space unchanged. */
static void list_push(sim_cmd *c, int at_tail) {
    int slot;
    int found = sim__cmd_key(c, 1, SIM_KS_LIST, &slot);
    if (found < 0) return;
    uint64_t ins = 0;
    for (int i = 2; i < c->argc; i++)
        ins += 4 + (uint64_t)c->len[i];
    uint32_t value_len = 4, n = 0;
    unsigned char *v = NULL;
    if (found) {
        v = sim_ks_value(c->ks, slot, &value_len);
        n = sim__get32(v);
    }
    if (ins + value_len > SIM_KS_VALUE_BYTES_MAX) {
        sim__cmd_limit(c, "a value too long");
        return;
    }
    uint32_t off = at_tail ? value_len : 4;
    if (found) {
        v = sim__cmd_splice(c, slot, off, 0, (uint32_t)ins);
    } else {
        slot = sim__cmd_create(c, 1, SIM_KS_LIST, 4 + (uint32_t)ins);
        v = slot < 0 ? NULL : sim_ks_value(c->ks, slot, &value_len);
    }
    if (v == NULL) return;
    for (int k = 2; k < c->argc; k++) {
        int i = at_tail ? k : c->argc + 1 - k; /* LPUSH a b c leaves c b a at the head */
        sim__put32(v + off, (uint32_t)c->len[i]);
        if (c->len[i] > 0) memcpy(v + off + 4, c->argv[i], c->len[i]);
        off += 4 + (uint32_t)c->len[i];
    }
    n += (uint32_t)(c->argc - 2);
    sim__put32(v, n);
    lk_reply_int(c->r, n);
}

/* Removes the 'k' (0 < k <= n) elements at the head (from_tail 0) or the tail of the list in 'slot' holding 'n':
 * deletes the key when it empties. */
static void list_drop_ends(sim_cmd *c, int slot, uint32_t n, uint32_t k, int from_tail) {
    if (k == n) {
        sim_ks_delete(c->ks, slot);
        return;
    }
    uint32_t value_len;
    unsigned char *v = sim_ks_value(c->ks, slot, &value_len);
    uint32_t cut = list_seek(v, from_tail ? n - k : k);
    v = from_tail ? sim__cmd_splice(c, slot, cut, value_len - cut, 0) : sim__cmd_splice(c, slot, 4, cut - 4, 0);
    if (v != NULL) sim__put32(v, n - k);
}

/* LPOP and RPOP: key [count]. Without a count: the element or nil; with one: an array of up to count elements in
 * pop order, nil for a missing key. The count is checked before the key, as Redis does. */
static void list_pop(sim_cmd *c, int from_tail) {
    int64_t count = 1;
    int has_count = c->argc == 3;
    if (c->argc > 3) {
        lk_reply_error(c->r, "ERR wrong number of arguments for '%s' command", c->row->name);
        return;
    }
    if (has_count && (sim__parse_int(c->argv[2], c->len[2], &count) != 0 || count < 0)) {
        lk_reply_error(c->r, LIST_ERR_POSITIVE);
        return;
    }
    int slot;
    int found = sim__cmd_key(c, 1, SIM_KS_LIST, &slot);
    if (found < 0) return;
    if (found == 0) {
        lk_reply_nil(c->r);
        return;
    }
    uint32_t value_len;
    const unsigned char *v = sim_ks_value(c->ks, slot, &value_len);
    uint32_t n = sim__get32(v);
    uint32_t k = count > (int64_t)n ? n : (uint32_t)count;
    if (has_count) {
        lk_reply_array(c->r, k);
        if (k == 0) return;
        list_reply_range(c->r, v, from_tail ? n - k : 0, from_tail ? n - 1 : k - 1, from_tail);
    } else {
        uint32_t off = list_seek(v, from_tail ? n - 1 : 0);
        lk_reply_bulk(c->r, v + off + 4, sim__get32(v + off));
    }
    list_drop_ends(c, slot, n, k, from_tail);
}

/* Pops one element of the list in 'slot' (the key of argument 'key_arg') from the head or the tail and replies
 * [key, element], as BLPOP and BRPOP do. */
static void list_pop_one(sim_cmd *c, int key_arg, int slot, int from_tail) {
    uint32_t value_len;
    const unsigned char *v = sim_ks_value(c->ks, slot, &value_len);
    uint32_t n = sim__get32(v);
    uint32_t off = list_seek(v, from_tail ? n - 1 : 0);
    lk_reply_array(c->r, 2);
    lk_reply_bulk(c->r, c->argv[key_arg], c->len[key_arg]);
    lk_reply_bulk(c->r, v + off + 4, sim__get32(v + off));
    list_drop_ends(c, slot, n, 1, from_tail);
}

int sim_redis_block_timeout(const char *arg, size_t n, int64_t *ms) {
    char buf[5 * 1024]; /* Redis's MAX_LONG_DOUBLE_CHARS */
    if (n == 0 || n >= sizeof(buf)) return -1;
    memcpy(buf, arg, n);
    buf[n] = '\0';
    char *end;
    errno = 0;
    long double s = strtold(buf, &end);
    if (isspace((unsigned char)buf[0]) || (size_t)(end - buf) != n || isnan(s) ||
        (errno == ERANGE && (s == HUGE_VALL || s == -HUGE_VALL || s == 0)))
        return -1;
    long double t = ceill(s * 1000.0L);
    if (t < 0 || !(t < 9223372036854775808.0L)) return -2;
    *ms = (int64_t)t;
    return 0;
}

/* The timeout of argument 'i' (sim_redis_block_timeout) as a deadline in server wall ms (0: none; one past the
 * int64 range saturates, never reached). Returns 0, or -1 after replying Redis's error. */
static int list_timeout(sim_cmd *c, int i, int64_t *deadline_ms) {
    int64_t t = 0;
    int bad = sim_redis_block_timeout(c->argv[i], c->len[i], &t);
    if (bad) {
        lk_reply_error(c->r, bad == -1 ? "ERR timeout is not a float or out of range" : "ERR timeout is negative");
        return -1;
    }
    *deadline_ms = t == 0 ? 0 : t > INT64_MAX - c->now_ms ? INT64_MAX : c->now_ms + t;
    return 0;
}

/* BLPOP and BRPOP: key [key ...] timeout. The timeout is checked first, then the keys in order: the first that
 * exists is popped ([key, element]) or, when it is not a list, WRONGTYPE. With every key absent, a connection outside
 * MULTI blocks (sim_redis.h); inside EXEC, or without a connection, the reply is nil, as Redis replies
 * to a client that may not block. */
static void list_bpop(sim_cmd *c, int from_tail) {
    int64_t deadline_ms;
    if (list_timeout(c, c->argc - 1, &deadline_ms) != 0) return;
    for (int i = 1; i < c->argc - 1; i++) {
        int slot;
        int found = sim__cmd_key(c, i, SIM_KS_LIST, &slot);
        if (found < 0) return;
        if (found) {
            list_pop_one(c, i, slot, from_tail);
            return;
        }
    }
    if (c->client == NULL || c->nested)
        lk_reply_nil(c->r);
    else
        sim__cmd_block(c, deadline_ms);
}

int sim__list_serve(sim_cmd *c, uint32_t key_hash) {
    int from_tail = c->row->id == LK_CMD_BRPOP;
    for (int i = 1; i < c->argc - 1; i++) {
        if (sim_ks_key_hash(c->argv[i], (uint32_t)c->len[i]) != key_hash) continue;
        int slot = sim_ks_find(c->ks, c->argv[i], (uint32_t)c->len[i], c->now_ms);
        if (slot >= 0 && c->ks->entry[slot].type == SIM_KS_LIST) {
            list_pop_one(c, i, slot, from_tail);
            return 1;
        }
    }
    return 0;
}

void sim__cmd_blpop(sim_cmd *c) {
    list_bpop(c, 0);
}

void sim__cmd_brpop(sim_cmd *c) {
    list_bpop(c, 1);
}

void sim__cmd_lpush(sim_cmd *c) {
    list_push(c, 0);
}

void sim__cmd_rpush(sim_cmd *c) {
    list_push(c, 1);
}

void sim__cmd_lpop(sim_cmd *c) {
    list_pop(c, 0);
}

void sim__cmd_rpop(sim_cmd *c) {
    list_pop(c, 1);
}

/* LLEN key: the length, 0 for a missing key. */
void sim__cmd_llen(sim_cmd *c) {
    int slot;
    int found = sim__cmd_key(c, 1, SIM_KS_LIST, &slot);
    if (found < 0) return;
    uint32_t value_len;
    lk_reply_int(c->r, found ? sim__get32(sim_ks_value(c->ks, slot, &value_len)) : 0);
}

/* LRANGE key start stop: the elements of the normalized range head to tail ([] when empty or missing). The indexes
 * are parsed before the key is looked up. */
void sim__cmd_lrange(sim_cmd *c) {
    int64_t start, stop, from, to;
    if (sim__cmd_int(c, 2, &start) != 0 || sim__cmd_int(c, 3, &stop) != 0) return;
    int slot;
    int found = sim__cmd_key(c, 1, SIM_KS_LIST, &slot);
    if (found < 0) return;
    if (found == 0) {
        lk_reply_array(c->r, 0);
        return;
    }
    uint32_t value_len;
    const unsigned char *v = sim_ks_value(c->ks, slot, &value_len);
    if (sim__range(start, stop, sim__get32(v), &from, &to) != 0) {
        lk_reply_array(c->r, 0);
        return;
    }
    lk_reply_array(c->r, (uint32_t)(to - from + 1));
    list_reply_range(c->r, v, (uint32_t)from, (uint32_t)to, 0);
}

/* LINDEX key index: the element (negative counts from the tail) or nil. The key is looked up before the index is
 * parsed (a missing key is nil whatever the index), as Redis does. */
void sim__cmd_lindex(sim_cmd *c) {
    int slot;
    int found = sim__cmd_key(c, 1, SIM_KS_LIST, &slot);
    if (found < 0) return;
    if (found == 0) {
        lk_reply_nil(c->r);
        return;
    }
    int64_t index;
    if (sim__cmd_int(c, 2, &index) != 0) return;
    uint32_t value_len;
    const unsigned char *v = sim_ks_value(c->ks, slot, &value_len);
    int64_t n = sim__get32(v);
    if (index < 0) index += n;
    if (index < 0 || index >= n) {
        lk_reply_nil(c->r);
        return;
    }
    uint32_t off = list_seek(v, (uint32_t)index);
    lk_reply_bulk(c->r, v + off + 4, sim__get32(v + off));
}

/* Removes from the list in 'slot' the matches of argv[3] numbered lo..hi head to tail (1 <= lo <= hi), moving the
 * kept elements down in place and cutting the freed tail; deletes the key when it empties. */
static void list_remove_matches(sim_cmd *c, int slot, int64_t lo, int64_t hi) {
    uint32_t value_len;
    unsigned char *v = sim_ks_value(c->ks, slot, &value_len);
    uint32_t n = sim__get32(v), rd = 4, wr = 4;
    if (hi - lo + 1 == (int64_t)n) {
        sim_ks_delete(c->ks, slot);
        return;
    }
    int64_t matches = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len = sim__get32(v + rd);
        int match = len == c->len[3] && memcmp(v + rd + 4, c->argv[3], len) == 0;
        if (match) matches++;
        if (!match || matches < lo || matches > hi) {
            if (wr != rd) memmove(v + wr, v + rd, 4 + len);
            wr += 4 + len;
        }
        rd += 4 + len;
    }
    v = sim__cmd_splice(c, slot, wr, value_len - wr, 0);
    if (v != NULL) sim__put32(v, n - (uint32_t)(hi - lo + 1));
}

/* LREM key count element: removes the first count matches (count > 0), the last -count (count < 0) or all (0);
 * replies how many went. The count is parsed before the key is looked up. */
void sim__cmd_lrem(sim_cmd *c) {
    int64_t count;
    if (sim__cmd_int(c, 2, &count) != 0) return;
    int slot;
    int found = sim__cmd_key(c, 1, SIM_KS_LIST, &slot);
    if (found < 0) return;
    if (found == 0) {
        lk_reply_int(c->r, 0);
        return;
    }
    uint32_t value_len;
    const unsigned char *v = sim_ks_value(c->ks, slot, &value_len);
    int64_t m = list_matches(v, 0, sim__get32(v), c->argv[3], c->len[3], 1, 0, NULL);
    int64_t lo = 1, hi = m;
    if (count > 0 && count < m) hi = count;
    /* Redis negates a negative count: INT64_MIN stays negative there and removes every match, as here */
    if (count < 0 && count != INT64_MIN && -count < m) lo = m + count + 1;
    if (hi >= lo) list_remove_matches(c, slot, lo, hi);
    lk_reply_int(c->r, hi >= lo ? hi - lo + 1 : 0);
}

/* LTRIM key start stop: keeps the normalized range, deleting the key when it is empty; replies OK (also for a
 * missing key). The indexes are parsed before the key is looked up. */
void sim__cmd_ltrim(sim_cmd *c) {
    int64_t start, stop, from, to;
    if (sim__cmd_int(c, 2, &start) != 0 || sim__cmd_int(c, 3, &stop) != 0) return;
    int slot;
    int found = sim__cmd_key(c, 1, SIM_KS_LIST, &slot);
    if (found < 0) return;
    if (found) {
        uint32_t value_len;
        unsigned char *v = sim_ks_value(c->ks, slot, &value_len);
        uint32_t n = sim__get32(v);
        if (sim__range(start, stop, n, &from, &to) != 0) {
            sim_ks_delete(c->ks, slot);
        } else if (from > 0 || to < (int64_t)n - 1) {
            uint32_t end = list_seek(v, (uint32_t)to + 1);
            v = sim__cmd_splice(c, slot, end, value_len - end, 0);
            if (v == NULL) return;
            v = sim__cmd_splice(c, slot, 4, list_seek(v, (uint32_t)from) - 4, 0);
            if (v == NULL) return;
            sim__put32(v, (uint32_t)(to - from + 1));
        } else {
            sim_ks_touch(c->ks, slot); /* nothing trimmed: Redis still signals the key as modified */
        }
    }
    lk_reply_status(c->r, "OK");
}

/* The options of LPOS: rank (never 0), count (-1 when not given) and maxlen (0: no limit). */
typedef struct list_pos_opts {
    int64_t rank, count, maxlen;
} list_pos_opts;

/* Parses LPOS's options from argv[3] on, in Redis's order of checks (each option when met, the last one given
 * wins). Returns 0, or -1 after replying the error. */
static int list_pos_parse(sim_cmd *c, list_pos_opts *o) {
    o->rank = 1;
    o->count = -1;
    o->maxlen = 0;
    for (int j = 3; j < c->argc; j++) {
        int more = j + 1 < c->argc;
        if (more && sim__cmd_arg_is(c, j, "RANK")) {
            if (sim__cmd_int(c, ++j, &o->rank) != 0) return -1;
            if (o->rank == 0) {
                lk_reply_error(c->r, LIST_ERR_RANK_ZERO);
                return -1;
            }
        } else if (more && (sim__cmd_arg_is(c, j, "COUNT") || sim__cmd_arg_is(c, j, "MAXLEN"))) {
            int is_count = sim__cmd_arg_is(c, j, "COUNT");
            int64_t *dst = is_count ? &o->count : &o->maxlen;
            j++;
            if (sim__parse_int(c->argv[j], c->len[j], dst) != 0 || *dst < 0) {
                lk_reply_error(c->r, is_count ? LIST_ERR_COUNT_NEG : LIST_ERR_MAXLEN_NEG);
                return -1;
            }
        } else {
            sim__cmd_syntax(c);
            return -1;
        }
    }
    return 0;
}

/* Replies, as integers, the indexes of the matches of argv[2] numbered lo..hi head to tail among list indexes
 * [first, end), ascending, or descending when 'reverse'. The caller opened the array. */
static void list_pos_reply(sim_cmd *c, const unsigned char *v, uint32_t first, uint32_t end, int64_t lo, int64_t hi,
                           int reverse) {
    uint32_t idx[LIST_CHUNK];
    for (int64_t done = 0; done < hi - lo + 1; done += LIST_CHUNK) {
        int64_t a = reverse ? hi - done - LIST_CHUNK + 1 : lo + done;
        int64_t b = reverse ? hi - done : lo + done + LIST_CHUNK - 1;
        if (a < lo) a = lo;
        if (b > hi) b = hi;
        list_matches(v, first, end, c->argv[2], c->len[2], a, b, idx);
        for (int64_t k = 0; k <= b - a; k++)
            lk_reply_int(c->r, idx[reverse ? b - a - k : k]);
    }
}

/* LPOS key element [RANK rank] [COUNT num] [MAXLEN len]: the index of the rank-th match (negative rank: counting
 * from the tail) or nil; with COUNT, an array of up to num matches from there (0: all) in scan order. MAXLEN bounds
 * the elements scanned from the starting end. Options are checked before the key. The matches wanted are mapped to
 * match numbers lo..hi counted head to tail within the scanned window. */
void sim__cmd_lpos(sim_cmd *c) {
    list_pos_opts o;
    if (list_pos_parse(c, &o) != 0) return;
    int reverse = o.rank < 0;
    if (o.rank == INT64_MIN) { /* Redis negates it to INT64_MIN again: every match from the tail counts */
        o.rank = 1;
        if (o.count > 0) o.count = 0;
    } else if (reverse) {
        o.rank = -o.rank;
    }
    int slot;
    int found = sim__cmd_key(c, 1, SIM_KS_LIST, &slot);
    if (found < 0) return;
    int64_t lo = 1, hi = 0; /* empty */
    uint32_t first = 0, end = 0;
    const unsigned char *v = NULL;
    if (found) {
        uint32_t value_len;
        v = sim_ks_value(c->ks, slot, &value_len);
        uint32_t n = sim__get32(v), win = o.maxlen > 0 && o.maxlen < (int64_t)n ? (uint32_t)o.maxlen : n;
        first = reverse ? n - win : 0;
        end = reverse ? n : win;
        int64_t m = list_matches(v, first, end, c->argv[2], c->len[2], 1, 0, NULL);
        int64_t want = o.count > 0 ? o.count : o.count == 0 ? m : 1;
        if (o.rank <= m) {
            lo = reverse ? m - o.rank + 1 - (want < m ? want : m) + 1 : o.rank;
            hi = reverse ? m - o.rank + 1 : o.rank + (want < m ? want : m) - 1;
            if (lo < 1) lo = 1;
            if (hi > m) hi = m;
        }
    }
    if (o.count < 0) {
        uint32_t idx = 0;
        if (hi < lo) {
            lk_reply_nil(c->r);
            return;
        }
        list_matches(v, first, end, c->argv[2], c->len[2], lo, lo, &idx);
        lk_reply_int(c->r, idx);
        return;
    }
    lk_reply_array(c->r, hi >= lo ? (uint32_t)(hi - lo + 1) : 0);
    if (hi >= lo) list_pos_reply(c, v, first, end, lo, hi, reverse);
}
