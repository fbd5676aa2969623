/* SPDX-License-Identifier: BSD-3-Clause */
/* lk_metrics.c: a metric set and its Prometheus text exposition (format 0.0.4). Pure. */
#include "core/lk_metrics.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Bucket bounds for lock waits: 1 ms (a free lock on a LAN) to 30 s (an acquire deadline), about 2.5x apart. */
static const struct {
    int64_t ns;
    const char *le;
} wait_buckets[LK_WAIT_BUCKETS] = {
    {1000000, "0.001"},  {2500000, "0.0025"}, {5000000, "0.005"},  {10000000, "0.01"},  {25000000, "0.025"},
    {50000000, "0.05"},  {100000000, "0.1"},  {250000000, "0.25"}, {500000000, "0.5"},  {1000000000, "1"},
    {2500000000, "2.5"}, {5000000000, "5"},   {10000000000, "10"}, {30000000000, "30"},
};

int64_t lk_wait_bucket_ns(int i) {
    assert(i >= 0 && i < LK_WAIT_BUCKETS);
    return wait_buckets[i].ns;
}
const char *lk_wait_bucket_le(int i) {
    assert(i >= 0 && i < LK_WAIT_BUCKETS);
    return wait_buckets[i].le;
}

static const char other_kind[] = "other";

static lk_metric_row *row_find(const lk_metric_set *set, const char *kind) {
    for (int i = 0; i < set->row_count; i++)
        if (strcmp(set->row[i].kind, kind) == 0) return (lk_metric_row *)&set->row[i];
    return NULL;
}

/* The row of 'kind': found, or added while a row is free ("other" keeps the last one). */
static lk_metric_row *row_for(lk_metric_set *set, const char *kind) {
    lk_metric_row *r = row_find(set, kind);
    if (r != NULL) return r;
    int named =
        0; /* rows of named kinds: at most LK_METRIC_KINDS_MAX - 2 (the label-less row and "other" keep theirs) */
    for (int i = 0; i < set->row_count; i++)
        named += set->row[i].kind[0] != '\0' && strcmp(set->row[i].kind, other_kind) != 0;
    if (kind[0] != '\0' && named >= LK_METRIC_KINDS_MAX - 2) {
        if ((r = row_find(set, other_kind)) != NULL) return r;
        kind = other_kind;
    }
    assert(set->row_count < LK_METRIC_KINDS_MAX);
    r = &set->row[set->row_count++];
    memset(r, 0, sizeof(*r));
    for (size_t n = 0; n + 1 < sizeof(r->kind) && kind[n] != '\0'; n++) /* NUL-terminated by the memset */
        r->kind[n] = kind[n];
    return r;
}

void lk_metric_set_add(lk_metric_set *set, lk_metric metric, const char *kind, int64_t value) {
    assert(set != NULL && (unsigned)metric < LK_METRIC_COUNT_);
    lk_family f = lk_metric_family(metric);
    if (lk_family_labels(f) == 0 || kind == NULL) kind = "";
    lk_metric_row *r = row_for(set, kind);
    if (f != LK_FAMILY_ACQUIRE_WAIT) {
        r->count[metric] += value;
        return;
    }
    int s = metric - LK_METRIC_ACQUIRE_WAIT_ACQUIRED;
    if (value < 0) value = 0; /* a monotonic clock never runs back; a broken one must not break the histogram */
    r->count[metric]++;
    r->wait_sum_ns[s] += value;
    for (int b = 0; b < LK_WAIT_BUCKETS; b++)
        if (value <= wait_buckets[b].ns) {
            r->wait_bucket[s][b]++;
            break;
        }
}

void lk_metric_set_merge(lk_metric_set *dst, const lk_metric_set *src) {
    for (int i = 0; i < src->row_count; i++) {
        const lk_metric_row *s = &src->row[i];
        lk_metric_row *d = row_for(dst, s->kind);
        for (int m = 0; m < LK_METRIC_COUNT_; m++)
            d->count[m] += s->count[m];
        for (int w = 0; w < LK_WAIT_SERIES; w++) {
            d->wait_sum_ns[w] += s->wait_sum_ns[w];
            for (int b = 0; b < LK_WAIT_BUCKETS; b++)
                d->wait_bucket[w][b] += s->wait_bucket[w][b];
        }
    }
}

int64_t lk_metric_total(const lk_metric_set *set, lk_metric metric) {
    assert((unsigned)metric < LK_METRIC_COUNT_);
    int64_t sum = 0;
    for (int i = 0; i < set->row_count; i++)
        sum += set->row[i].count[metric];
    return sum;
}

int64_t lk_metric_of(const lk_metric_set *set, lk_metric metric, const char *kind) {
    assert((unsigned)metric < LK_METRIC_COUNT_);
    const lk_metric_row *r = row_find(set, kind ? kind : "");
    return r ? r->count[metric] : 0;
}

/* ---- exposition ----------------------------------------------------------------------------------------------- */

/* An appender that counts what it could not write. */
typedef struct out {
    char *buf;
    size_t cap, used;
} out;

static void outf(out *o, const char *fmt, ...) {
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    assert(n >= 0 && (size_t)n < sizeof(line));
    if (o->cap > 0 && o->used < o->cap - 1) snprintf(o->buf + o->used, o->cap - o->used, "%s", line);
    o->used += (size_t)n;
}

/* 'in' escaped as the format wants: a label value escapes \, " and newline; HELP text \ and newline. */
static const char *escape(char *dst, size_t cap, const char *in, int label) {
    size_t n = 0;
    for (; *in && n + 3 < cap; in++) {
        if (*in == '\\' || (*in == '"' && label)) dst[n++] = '\\';
        if (*in == '\n') {
            dst[n++] = '\\';
            dst[n++] = 'n';
            continue;
        }
        dst[n++] = *in;
    }
    dst[n] = '\0';
    return dst;
}

/* Rows with a kind, by kind name (a stable exposition whatever the order of first use). */
static int kind_order(const lk_metric_set *set, int *idx) {
    int n = 0;
    for (int i = 0; i < set->row_count; i++) {
        if (set->row[i].kind[0] == '\0') continue;
        int j = n++;
        for (; j > 0 && strcmp(set->row[idx[j - 1]].kind, set->row[i].kind) > 0; j--)
            idx[j] = idx[j - 1];
        idx[j] = i;
    }
    return n;
}

/* Seconds from ns, exactly ("1.5", "0.000250001", "0"). */
static const char *seconds(char *dst, size_t cap, int64_t ns) {
    int len = snprintf(dst, cap, "%" PRId64 ".%09" PRId64, ns / 1000000000, ns % 1000000000);
    while (len > 0 && dst[len - 1] == '0')
        dst[--len] = '\0';
    if (len > 0 && dst[len - 1] == '.') dst[--len] = '\0';
    return dst;
}

static void format_histogram(out *o, const char *name, const lk_metric_row *r, const char *kind) {
    for (int s = 0; s < LK_WAIT_SERIES; s++) {
        const char *result = lk_metric_result(LK_METRIC_ACQUIRE_WAIT_ACQUIRED + s);
        int64_t cum = 0;
        for (int b = 0; b < LK_WAIT_BUCKETS; b++) {
            cum += r->wait_bucket[s][b];
            outf(o, "%s_bucket{kind=\"%s\",result=\"%s\",le=\"%s\"} %" PRId64 "\n", name, kind, result,
                 wait_buckets[b].le, cum);
        }
        int64_t count = r->count[LK_METRIC_ACQUIRE_WAIT_ACQUIRED + s];
        char sec[48];
        outf(o, "%s_bucket{kind=\"%s\",result=\"%s\",le=\"+Inf\"} %" PRId64 "\n", name, kind, result, count);
        outf(o, "%s_sum{kind=\"%s\",result=\"%s\"} %s\n", name, kind, result,
             seconds(sec, sizeof(sec), r->wait_sum_ns[s]));
        outf(o, "%s_count{kind=\"%s\",result=\"%s\"} %" PRId64 "\n", name, kind, result, count);
    }
}

size_t lk_metrics_format(const lk_metric_set *set, char *buf, size_t cap) {
    out o = {buf, cap, 0};
    int idx[LK_METRIC_KINDS_MAX];
    int kinds = kind_order(set, idx);
    for (int f = 0; f < LK_FAMILY_COUNT_; f++) {
        const char *name = lk_family_name(f);
        char help[512];
        outf(&o, "# HELP %s %s\n# TYPE %s %s\n", name, escape(help, sizeof(help), lk_family_help(f), 0), name,
             lk_family_type(f));
        int labels = lk_family_labels(f);
        if (labels == 0) {
            int64_t v = 0;
            for (int m = 0; m < LK_METRIC_COUNT_; m++)
                if (lk_metric_family(m) == (lk_family)f) v += lk_metric_total(set, m);
            outf(&o, "%s %" PRId64 "\n", name, v);
            continue;
        }
        for (int k = 0; k < kinds; k++) {
            const lk_metric_row *r = &set->row[idx[k]];
            char kind[3 * LK_METRIC_KIND_LEN];
            escape(kind, sizeof(kind), r->kind, 1);
            if (f == LK_FAMILY_ACQUIRE_WAIT) {
                format_histogram(&o, name, r, kind);
                continue;
            }
            for (int m = 0; m < LK_METRIC_COUNT_; m++) {
                if (lk_metric_family(m) != (lk_family)f) continue;
                if (labels == 1)
                    outf(&o, "%s{kind=\"%s\"} %" PRId64 "\n", name, kind, r->count[m]);
                else
                    outf(&o, "%s{kind=\"%s\",result=\"%s\"} %" PRId64 "\n", name, kind, lk_metric_result(m),
                         r->count[m]);
            }
        }
    }
    if (cap > 0 && o.used >= cap) buf[cap - 1] = '\0';
    if (cap > 0 && o.used == 0) buf[0] = '\0';
    return o.used;
}
