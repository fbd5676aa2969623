/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_cmd.c: what the model's command families share: argument parsing with Redis's error replies, typed key
 * lookup, limits, ranges and glob matching (contract in sim_cmd.h).
 */
#include "sim/model/sim_cmd.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int sim__cmd_arg_is(const sim_cmd *c, int i, const char *word) {
    size_t n = strlen(word);
    if (c->len[i] != n) return 0;
    for (size_t k = 0; k < n; k++) {
        char a = c->argv[i][k], b = word[k];
        if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = (char)(b - 'A' + 'a');
        if (a != b) return 0;
    }
    return 1;
}

int sim__parse_int(const char *p, size_t n, int64_t *out) {
    if (n == 0 || n > 20) return -1;
    size_t i = 0;
    int neg = p[0] == '-';
    if (neg) i++;
    if (i == n || p[i] < '0' || p[i] > '9') return -1;
    if (p[i] == '0') {
        if (i + 1 != n || neg) return -1; /* "0" only: no leading zero, no "-0" */
        *out = 0;
        return 0;
    }
    uint64_t x = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return -1;
        uint64_t d = (uint64_t)(p[i] - '0');
        if (x > (limit - d) / 10) return -1;
        x = x * 10 + d;
    }
    *out = neg ? (int64_t)(0 - x) : (int64_t)x;
    return 0;
}

int sim__cmd_int(sim_cmd *c, int i, int64_t *v) {
    if (sim__parse_int(c->argv[i], c->len[i], v) == 0) return 0;
    lk_reply_error(c->r, SIM_ERR_NOT_INT);
    return -1;
}

int sim__parse_double(const char *p, size_t n, double *v) {
    char buf[256];
    if (n == 0 || n >= sizeof(buf) || p[0] == ' ' || (p[0] >= '\t' && p[0] <= '\r')) return -1;
    memcpy(buf, p, n);
    buf[n] = '\0';
    if (memchr(buf, '\0', n) != NULL) return -1;
    char *end;
    errno = 0;
    double d = strtod(buf, &end);
    if ((size_t)(end - buf) != n || isnan(d)) return -1;
    if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL || fpclassify(d) == FP_ZERO)) return -1;
    *v = d;
    return 0;
}

int sim__cmd_double(sim_cmd *c, int i, double *v) {
    if (sim__parse_double(c->argv[i], c->len[i], v) == 0) return 0;
    lk_reply_error(c->r, SIM_ERR_NOT_FLOAT);
    return -1;
}

void sim__reply_double(lk_reply *r, double d) {
    char buf[64];
    if (isinf(d)) {
        lk_reply_bulk_str(r, d > 0 ? "inf" : "-inf");
        return;
    }
    int n = snprintf(buf, sizeof(buf), "%.17g", d);
    lk_reply_bulk(r, buf, (size_t)n);
}

uint32_t sim__fmt_int(char *buf, int64_t v) {
    /* what snprintf("%" PRId64) writes, at a tenth of its cost: the fixed ops' fence and INCR values are hot */
    char digits[20];
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int n = 0;
    do {
        digits[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    uint32_t k = 0;
    if (v < 0) buf[k++] = '-';
    while (n > 0)
        buf[k++] = digits[--n];
    buf[k] = '\0';
    return k;
}

int sim__cmd_key(sim_cmd *c, int i, uint32_t type, int *slot) {
    *slot = sim_ks_find(c->ks, c->argv[i], (uint32_t)c->len[i], c->now_ms);
    if (*slot < 0) return 0;
    if (type == SIM_KS_NONE || c->ks->entry[*slot].type == type) return 1;
    lk_reply_error(c->r, SIM_ERR_WRONGTYPE);
    return -1;
}

void sim__cmd_limit(sim_cmd *c, const char *what) {
    c->rc = LK_ELIMIT;
    lk_reply_truncate(c->r, 0);
    lk_reply_error(c->r,
                   "ERR racebed model limit: %s (at most %d keys of %d bytes, %d bytes of values in all, one value "
                   "at most %d bytes)",
                   what, SIM_KS_KEYS_MAX, SIM_KS_KEY_BYTES_MAX, SIM_KS_HEAP_BYTES, SIM_KS_VALUE_BYTES_MAX);
}

void sim__cmd_limit_text(sim_cmd *c, const char *what) {
    c->rc = LK_ELIMIT;
    lk_reply_truncate(c->r, 0);
    lk_reply_error(c->r, "ERR racebed model limit: %s", what);
}

int sim__cmd_create(sim_cmd *c, int i, uint32_t type, uint32_t value_len) {
    int slot;
    if (c->len[i] > SIM_KS_KEY_BYTES_MAX) {
        sim__cmd_limit(c, "key too long");
        return -1;
    }
    if (sim_ks_create(c->ks, c->argv[i], (uint32_t)c->len[i], type, value_len, &slot) != LK_OK) {
        sim__cmd_limit(c, c->ks->count >= SIM_KS_KEYS_MAX ? "too many keys" : "the value heap is full");
        return -1;
    }
    return slot;
}

unsigned char *sim__cmd_splice(sim_cmd *c, int slot, uint32_t off, uint32_t del, uint32_t ins) {
    unsigned char *v = sim_ks_splice(c->ks, slot, off, del, ins);
    if (v == NULL) sim__cmd_limit(c, "the value heap is full or a value too long");
    return v;
}

void sim__cmd_syntax(sim_cmd *c) {
    lk_reply_error(c->r, SIM_ERR_SYNTAX);
}

int sim__range(int64_t start, int64_t stop, int64_t n, int64_t *from, int64_t *to) {
    if (start < 0) start += n;
    if (stop < 0) stop += n;
    if (start < 0) start = 0;
    if (start > stop || start >= n) return -1;
    if (stop >= n) stop = n - 1;
    *from = start;
    *to = stop;
    return 0;
}

/* Redis's stringmatchlen: '*' any run, '?' one byte, "[...]" a set with '^' negation, ranges and '\' escapes,
 * '\x' the byte x. Recursion depth is at most the stars in the pattern. */
static int redis_glob(const char *pat, size_t pat_len, const char *s, size_t s_len);

int sim__glob_match(const char *pat, size_t pat_len, const char *s, size_t s_len) {
    if (pat_len == 1 && pat[0] == '*') return 1; /* the SCAN family's shortcut: "*" matches even "" */
    return redis_glob(pat, pat_len, s, s_len);
}

static int redis_glob(const char *pat, size_t pat_len, const char *s, size_t s_len) {
    while (pat_len > 0 && s_len > 0) {
        switch (pat[0]) {
        case '*':
            while (pat_len > 1 && pat[1] == '*') {
                pat++;
                pat_len--;
            }
            if (pat_len == 1) return 1;
            for (; s_len > 0; s++, s_len--)
                if (redis_glob(pat + 1, pat_len - 1, s, s_len)) return 1;
            return 0;
        case '?': break;
        case '[': {
            pat++;
            pat_len--;
            int negate = pat_len > 0 && pat[0] == '^', match = 0;
            if (negate) {
                pat++;
                pat_len--;
            }
            while (pat_len > 0 && pat[0] != ']') {
                if (pat[0] == '\\' && pat_len >= 2) {
                    pat++;
                    pat_len--;
                    if (pat[0] == s[0]) match = 1;
                } else if (pat_len >= 3 && pat[1] == '-') {
                    unsigned char lo = (unsigned char)pat[0], hi = (unsigned char)pat[2], ch = (unsigned char)s[0];
                    if (lo > hi) {
                        unsigned char t = lo;
                        lo = hi;
                        hi = t;
                    }
                    if (ch >= lo && ch <= hi) match = 1;
                    pat += 2;
                    pat_len -= 2;
                } else if (pat[0] == s[0]) {
                    match = 1;
                }
                pat++;
                pat_len--;
            }
            if (pat_len == 0) { /* unterminated set: Redis treats the end as its close */
                pat--;
                pat_len++;
            }
            if (negate) match = !match;
            if (!match) return 0;
            break;
        }
        case '\\':
            if (pat_len >= 2) {
                pat++;
                pat_len--;
            }
            /* fall through */
        default:
            if (pat[0] != s[0]) return 0;
            break;
        }
        pat++;
        pat_len--;
        s++;
        s_len--;
        if (s_len == 0) {
            while (pat_len > 0 && pat[0] == '*') {
                pat++;
                pat_len--;
            }
            break;
        }
    }
    return pat_len == 0 && s_len == 0;
}

int sim__cmd_cursor(sim_cmd *c, int i, uint64_t *cursor) {
    const char *p = c->argv[i];
    size_t n = c->len[i];
    const char *nul = memchr(p, '\0', n);
    if (nul != NULL) n = (size_t)(nul - p);
    *cursor = 0;
    if (n == 0) return 0;
    size_t k = p[0] == '+' || p[0] == '-';
    int neg = p[0] == '-';
    uint64_t x = 0;
    if (k == n) goto invalid;
    for (; k < n; k++) {
        if (p[k] < '0' || p[k] > '9') goto invalid;
        uint64_t d = (uint64_t)(p[k] - '0');
        if (x > (UINT64_MAX - d) / 10) goto invalid;
        x = x * 10 + d;
    }
    *cursor = neg ? 0 - x : x;
    return 0;
invalid:
    lk_reply_error(c->r, "ERR invalid cursor");
    return -1;
}

int sim__cmd_scan_opts(sim_cmd *c, int from, int with_type, sim_scan_opts *o) {
    o->count = 10;
    o->match = o->type = NULL;
    o->match_len = o->type_len = 0;
    for (int i = from; i < c->argc; i += 2) {
        int has_arg = i + 1 < c->argc;
        if (has_arg && sim__cmd_arg_is(c, i, "count")) {
            if (sim__cmd_int(c, i + 1, &o->count) != 0) return -1;
            if (o->count < 1) goto syntax;
        } else if (has_arg && sim__cmd_arg_is(c, i, "match")) {
            o->match = c->argv[i + 1];
            o->match_len = c->len[i + 1];
        } else if (has_arg && with_type && sim__cmd_arg_is(c, i, "type")) {
            o->type = c->argv[i + 1];
            o->type_len = c->len[i + 1];
        } else {
            goto syntax;
        }
    }
    return 0;
syntax:
    sim__cmd_syntax(c);
    return -1;
}

int sim__cmd_keep(sim_cmd *c, const char *full) {
    sim_redis_client *cl = c->client;
    uint64_t need = 8;
    for (int i = 0; i < c->argc; i++)
        need += 4 + (uint64_t)c->len[i];
    if (need > SIM_REDIS_QUEUE_BYTES - cl->queue_len) {
        sim__cmd_limit(c, full);
        return -1;
    }
    unsigned char *p = cl->queue + cl->queue_len;
    sim__put32(p, (uint32_t)c->row->id);
    sim__put32(p + 4, (uint32_t)c->argc);
    p += 8;
    for (int i = 0; i < c->argc; i++) {
        sim__put32(p, (uint32_t)c->len[i]);
        if (c->len[i] > 0) memcpy(p + 4, c->argv[i], c->len[i]);
        p += 4 + c->len[i];
    }
    cl->queue_len += (uint32_t)need;
    return 0;
}

void sim__cmd_block(sim_cmd *c, int64_t deadline_ms) {
    sim_redis_client *cl = c->client;
    assert(cl != NULL && !c->nested && cl->queue_len == 0 && !(cl->flags & SIM_CLIENT_BLOCKED));
    if (sim__cmd_keep(c, "a blocked command longer than the connection's queue") != 0) return;
    cl->flags |= SIM_CLIENT_BLOCKED;
    cl->block_deadline_ms = deadline_ms;
}
