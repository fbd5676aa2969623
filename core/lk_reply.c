/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lk_reply.c: RESP-shaped replies in caller memory (contract in lk_reply.h).
 */
#include "core/lk_reply.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void lk_reply_init(lk_reply *r, lk_reply_node *node, uint32_t node_cap, char *bytes, uint32_t bytes_cap) {
    assert(r != NULL && node != NULL && bytes != NULL);
    r->node = node;
    r->bytes = bytes;
    r->node_cap = node_cap;
    r->bytes_cap = bytes_cap;
    lk_reply_clear(r);
}

void lk_reply_clear(lk_reply *r) {
    r->node_count = 0;
    r->bytes_len = 0;
    r->overflow = 0;
}

/* The number of nodes the tree at 'i' still lacks, or 0 when complete; walks the counts. */
static uint32_t reply_missing(const lk_reply *r, uint32_t i, uint32_t *end) {
    if (i >= r->node_count) return 1;
    const lk_reply_node *n = &r->node[i];
    uint32_t j = i + 1;
    if (n->type == LK_REPLY_ARRAY) {
        for (uint32_t k = 0; k < n->len; k++) {
            if (reply_missing(r, j, &j) != 0) return 1;
        }
    }
    *end = j;
    return 0;
}

int lk_reply_ok(const lk_reply *r) {
    uint32_t end = 0;
    return !r->overflow && r->node_count > 0 && reply_missing(r, 0, &end) == 0 && end == r->node_count;
}

static lk_reply_node *reply_push(lk_reply *r, lk_reply_type type) {
    if (r->overflow || r->node_count >= r->node_cap) {
        r->overflow = 1;
        return NULL;
    }
    lk_reply_node *n = &r->node[r->node_count++];
    memset(n, 0, sizeof(*n));
    n->type = type;
    return n;
}

static void reply_text(lk_reply *r, lk_reply_type type, const void *p, size_t n) {
    if (r->overflow || (size_t)r->bytes_len + n + 1 > r->bytes_cap) {
        r->overflow = 1;
        return;
    }
    lk_reply_node *node = reply_push(r, type);
    if (node == NULL) return;
    node->off = r->bytes_len;
    node->len = (uint32_t)n;
    if (n > 0) memcpy(r->bytes + r->bytes_len, p, n);
    r->bytes[r->bytes_len + n] = '\0';
    r->bytes_len += (uint32_t)n + 1;
}

void lk_reply_nil(lk_reply *r) {
    reply_push(r, LK_REPLY_NIL);
}

void lk_reply_int(lk_reply *r, int64_t v) {
    lk_reply_node *n = reply_push(r, LK_REPLY_INTEGER);
    if (n) n->integer = v;
}

void lk_reply_bulk(lk_reply *r, const void *p, size_t n) {
    reply_text(r, LK_REPLY_STRING, p, n);
}

void lk_reply_bulk_str(lk_reply *r, const char *s) {
    reply_text(r, LK_REPLY_STRING, s, strlen(s));
}

void lk_reply_status(lk_reply *r, const char *s) {
    reply_text(r, LK_REPLY_STATUS, s, strlen(s));
}

void lk_reply_error(lk_reply *r, const char *fmt, ...) {
    char text[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    if ((size_t)n >= sizeof(text)) n = (int)sizeof(text) - 1;
    reply_text(r, LK_REPLY_ERROR, text, (size_t)n);
}

uint32_t lk_reply_array(lk_reply *r, uint32_t elements) {
    uint32_t at = r->node_count;
    lk_reply_node *n = reply_push(r, LK_REPLY_ARRAY);
    if (n) n->len = elements;
    return at;
}

void lk_reply_set_len(lk_reply *r, uint32_t array_index, uint32_t elements) {
    if (array_index >= r->node_count) return; /* the array itself overflowed */
    assert(r->node[array_index].type == LK_REPLY_ARRAY);
    r->node[array_index].len = elements;
}

void lk_reply_truncate(lk_reply *r, uint32_t node_index) {
    if (node_index >= r->node_count) return;
    uint32_t bytes = r->bytes_len;
    for (uint32_t i = node_index; i < r->node_count; i++) {
        uint32_t t = r->node[i].type;
        if ((t == LK_REPLY_STRING || t == LK_REPLY_STATUS || t == LK_REPLY_ERROR) && r->node[i].off < bytes)
            bytes = r->node[i].off;
    }
    r->node_count = node_index;
    r->bytes_len = bytes;
    r->overflow = 0;
}

uint32_t lk_reply_next(const lk_reply *r, uint32_t i) {
    assert(i < r->node_count);
    uint32_t j = i + 1;
    if (r->node[i].type == LK_REPLY_ARRAY) {
        for (uint32_t k = 0; k < r->node[i].len && j < r->node_count; k++)
            j = lk_reply_next(r, j);
    }
    return j;
}

uint32_t lk_reply_child(const lk_reply *r, uint32_t i, uint32_t k) {
    assert(r->node[i].type == LK_REPLY_ARRAY && k < r->node[i].len);
    uint32_t j = i + 1;
    while (k-- > 0)
        j = lk_reply_next(r, j);
    return j;
}

int lk_reply_equal(const lk_reply *a, uint32_t ai, const lk_reply *b, uint32_t bi) {
    const lk_reply_node *x = &a->node[ai], *y = &b->node[bi];
    if (x->type != y->type) return 0;
    switch (x->type) {
    case LK_REPLY_NIL: return 1;
    case LK_REPLY_INTEGER: return x->integer == y->integer;
    case LK_REPLY_ARRAY:
        if (x->len != y->len) return 0;
        for (uint32_t k = 0, i = ai + 1, j = bi + 1; k < x->len; k++) {
            if (!lk_reply_equal(a, i, b, j)) return 0;
            i = lk_reply_next(a, i);
            j = lk_reply_next(b, j);
        }
        return 1;
    default: return x->len == y->len && memcmp(lk_reply_str(a, ai), lk_reply_str(b, bi), x->len) == 0;
    }
}

typedef struct reply_out {
    char *buf;
    size_t cap, len;
    int cut;
} reply_out;

static void out_put(reply_out *o, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (o->len + 4 >= o->cap) {
            o->cut = 1;
            return;
        }
        o->buf[o->len++] = s[i];
    }
}

static void out_text(reply_out *o, const char *s) {
    out_put(o, s, strlen(s));
}

static void out_quoted(reply_out *o, const unsigned char *p, uint32_t n) {
    out_put(o, "\"", 1);
    for (uint32_t i = 0; i < n && !o->cut; i++) {
        char esc[8];
        if (p[i] == '"' || p[i] == '\\') {
            esc[0] = '\\';
            esc[1] = (char)p[i];
            out_put(o, esc, 2);
        } else if (p[i] < 0x20 || p[i] >= 0x7f) {
            snprintf(esc, sizeof(esc), "\\x%02x", p[i]);
            out_text(o, esc);
        } else {
            out_put(o, (const char *)&p[i], 1);
        }
    }
    out_put(o, "\"", 1);
}

static void reply_format_at(const lk_reply *r, uint32_t i, reply_out *o) {
    const lk_reply_node *n = &r->node[i];
    char num[32];
    switch (n->type) {
    case LK_REPLY_NIL: out_text(o, "(nil)"); return;
    case LK_REPLY_INTEGER:
        snprintf(num, sizeof(num), "(integer) %lld", (long long)n->integer);
        out_text(o, num);
        return;
    case LK_REPLY_STRING: out_quoted(o, (const unsigned char *)lk_reply_str(r, i), n->len); return;
    case LK_REPLY_STATUS: out_put(o, lk_reply_str(r, i), n->len); return;
    case LK_REPLY_ERROR:
        out_text(o, "(error) ");
        out_put(o, lk_reply_str(r, i), n->len);
        return;
    default:
        out_text(o, "[");
        for (uint32_t k = 0, j = i + 1; k < n->len && !o->cut && j < r->node_count; k++) {
            if (k > 0) out_text(o, ", ");
            reply_format_at(r, j, o);
            j = lk_reply_next(r, j);
        }
        out_text(o, "]");
    }
}

char *lk_reply_format(const lk_reply *r, uint32_t i, char *buf, size_t cap) {
    assert(cap >= 8);
    reply_out o = {buf, cap, 0, 0};
    if (i < r->node_count)
        reply_format_at(r, i, &o);
    else
        out_text(&o, "(incomplete)");
    if (o.cut) {
        memcpy(o.buf + o.len, "...", 3);
        o.len += 3;
    }
    buf[o.len] = '\0';
    return buf;
}

int lk_reply_int_at(const lk_reply *r, uint32_t i, int64_t *v) {
    const lk_reply_node *n = &r->node[i];
    if (n->type == LK_REPLY_INTEGER) {
        *v = n->integer;
        return 1;
    }
    if (n->type != LK_REPLY_STRING) return 0;
    const char *s = r->bytes + n->off;
    uint32_t len = n->len, k = len > 0 && s[0] == '-';
    if (len == k || len - k > 19) return 0;
    uint64_t acc = 0;
    for (uint32_t j = k; j < len; j++) {
        if (s[j] < '0' || s[j] > '9') return 0;
        acc = acc * 10 + (uint64_t)(s[j] - '0');
    }
    if (acc > (uint64_t)INT64_MAX + (uint64_t)k) return 0;
    *v = k ? (int64_t)(0 - acc) : (int64_t)acc;
    return 1;
}

const char *lk_reply_type_name(uint32_t type) {
    static const char *const names[] = {
#define LK_REPLY_TYPE_NAME(name, label) label,
        LK_REPLY_TYPE_MAP(LK_REPLY_TYPE_NAME)
#undef LK_REPLY_TYPE_NAME
    };
    return type < LK_REPLY_TYPE_COUNT_ ? names[type] : "unknown";
}
