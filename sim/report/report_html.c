/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * report_html.c: the timeline page (contract in report_html.h).
 *
 * The x axis is the order of steps, not time: each step is one column (a time jump a narrow one), so a run with
 * long sleeps and a burst of racing ops stays readable; the ruler prints each column's virtual time and the server's
 * clock is in every mark's hover text. Leases come from the events' lease lists: a lease opens at the first step
 * after which it is listed and ends at the first step after which it is not; it ended by its TTL when that step's
 * server clock is past its deadline, else by that step's op. A scripted lock's holder is a token: its thread is the
 * first thread that sent that token in a store op's arguments.
 */
#include "sim/report/report_html.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum {
    HTML_LANES_MAX = 64, /* thread lanes and lock lanes each; more share the last one */
    HTML_ROWS_MAX = 6,   /* stacked lease rows in one lock lane */
    HTML_COL_W = 36,     /* a step's column, px */
    HTML_JUMP_W = 10,    /* a time jump's column, px */
    HTML_RULER_H = 64,   /* the ruler: step numbers and times */
    HTML_THREAD_H = 44,  /* a thread lane */
    HTML_SERVER_H = 34,  /* the server lane and the decisions lane */
    HTML_ROW_H = 18,     /* one lease row of a lock lane */
    HTML_LABEL_W = 170,  /* the fixed label column */
};

static const char *const html_palette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#b07aa1",
                                           "#76b7b2", "#c9a227", "#9c755f", "#ff9da7"};

typedef struct html_lease {
    int key; /* lock lane */
    char holder[SIM_SCHEMA_MEMBER_MAX];
    int shared, scripted;
    int queued;                /* its place when it started waiting in a declared queue (not a holder); 0: a lease */
    int start, end;            /* columns: listed after step 'start' up to (not after) step 'end' (count: open) */
    int64_t deadline_ms;       /* its latest deadline (-1: none) */
    int64_t first_deadline_ms; /* its deadline when it opened */
    int renewals;              /* deadline changes while it lived */
    char fence[32];            /* "fence=N" of the op that opened it, "" unknown */
    int expired;               /* 1: ended by its TTL */
    int row;                   /* lease row in its lane */
} html_lease;

typedef struct html_page {
    const report_timeline *t;
    const report_meta *m;
    sim_text *out;
    char thread[HTML_LANES_MAX][SIM_NAME_MAX]; /* thread lanes, by first appearance */
    int thread_count;
    char key[HTML_LANES_MAX][LK_KEY_MAX]; /* lock lanes */
    int key_count;
    int key_rows[HTML_LANES_MAX]; /* lease rows each lock lane uses */
    int *col_x;                   /* each step's column start, px; col_x[count] is the width */
    html_lease *lease;
    int lease_count, lease_cap;
    int violation_col; /* -1 none */
    int failed;
} html_page;

/* ---- text --------------------------------------------------------------------------------------------------- */

static void html_puts(sim_text *o, const char *s) {
    sim_text_addn(o, s, strlen(s));
}

/* Appends at most 'n' bytes of 's' ((size_t)-1: up to its NUL), escaped for HTML text and attribute values. */
static void html_escape(sim_text *o, const char *s, size_t n) {
    size_t run = 0; /* bytes not yet appended that need no escape */
    size_t i = 0;
    for (; i < n && s[i] != '\0'; i++) {
        const char *e = s[i] == '&'    ? "&amp;"
                        : s[i] == '<'  ? "&lt;"
                        : s[i] == '>'  ? "&gt;"
                        : s[i] == '"'  ? "&quot;"
                        : s[i] == '\'' ? "&#39;"
                                       : NULL;
        if (e == NULL) {
            run++;
            continue;
        }
        sim_text_addn(o, s + i - run, run);
        run = 0;
        html_puts(o, e);
    }
    sim_text_addn(o, s + i - run, run);
}

/* ---- lanes and columns ----------------------------------------------------------------------------------------- */

/* The lane of 'name' in a table of 'count' names 'size' bytes apart, added if new (the last lane takes the rest). */
static int html_lane_of(char *names, size_t size, int *count, const char *name) {
    for (int i = 0; i < *count; i++)
        if (strcmp(names + (size_t)i * size, name) == 0) return i;
    if (*count == HTML_LANES_MAX) return HTML_LANES_MAX - 1;
    lk_copy_str(names + (size_t)*count * size, size, name);
    return (*count)++;
}

static int html_key_lane(html_page *p, const char *key) {
    return html_lane_of(&p->key[0][0], sizeof(p->key[0]), &p->key_count, key);
}

static int html_thread_lane(html_page *p, const char *name) {
    return html_lane_of(&p->thread[0][0], sizeof(p->thread[0]), &p->thread_count, name);
}

/* The thread whose store op first sent the token of 'holder' (a scripted lease's stored "token[:more]") as one of
 * its arguments, alone or followed by ':', or NULL. */
static const char *html_token_thread(const report_timeline *t, const char *holder) {
    size_t n = strcspn(holder, ":");
    if (n == 0) return NULL;
    char token[SIM_SCHEMA_MEMBER_MAX];
    snprintf(token, sizeof(token), "%.*s", (int)n, holder);
    for (int i = 0; i < t->count; i++) {
        const report_step *s = &t->step[i];
        if (!s->store || s->thread < 0) continue;
        for (const char *a = strstr(s->args, token); a; a = strstr(a + 1, token))
            if ((a == s->args || a[-1] == ' ') && (a[n] == '\0' || a[n] == ' ' || a[n] == ':')) return s->who;
    }
    return NULL;
}

/* The name a lease's holder shows: a thread's name, or for a token "c1 (token ab12)". */
static void html_holder(const report_timeline *t, const html_lease *l, char *buf, size_t cap) {
    if (!l->scripted) {
        snprintf(buf, cap, "%s", l->holder);
        return;
    }
    const char *who = html_token_thread(t, l->holder);
    int n = (int)strcspn(l->holder, ":");
    snprintf(buf, cap, "%s (token %.*s)", who ? who : "?", n > 12 ? 12 : n, l->holder);
}

static int html_columns(html_page *p) {
    const report_timeline *t = p->t;
    p->col_x = malloc(sizeof(int) * (size_t)(t->count + 1));
    if (p->col_x == NULL) return -1;
    int x = 0;
    p->violation_col = -1;
    for (int i = 0; i < t->count; i++) {
        const report_step *s = &t->step[i];
        p->col_x[i] = x;
        x += s->kind == SIM_TRACE_JUMP ? HTML_JUMP_W : HTML_COL_W;
        if (s->kind != SIM_TRACE_JUMP && s->thread >= 0) html_thread_lane(p, s->who);
        if (p->m->violation_step > 0 && s->kind != SIM_TRACE_JUMP && s->step == p->m->violation_step)
            p->violation_col = i;
    }
    p->col_x[t->count] = x;
    /* lanes in thread order (c1, c2, ..., c10), not in order of first appearance */
    char seen[HTML_LANES_MAX][SIM_NAME_MAX];
    int seen_idx[HTML_LANES_MAX], n = p->thread_count;
    memcpy(seen, p->thread, sizeof(seen));
    for (int l = 0; l < n; l++) {
        seen_idx[l] = INT32_MAX;
        for (int i = 0; i < t->count && seen_idx[l] == INT32_MAX; i++)
            if (t->step[i].kind == SIM_TRACE_OP && strcmp(t->step[i].who, seen[l]) == 0)
                seen_idx[l] = t->step[i].thread;
    }
    for (int k = 0; k < n; k++) { /* selection by (thread index, first appearance): a stable order */
        int best = -1;
        for (int l = 0; l < n; l++)
            if (seen_idx[l] != INT32_MIN && (best < 0 || seen_idx[l] < seen_idx[best])) best = l;
        lk_copy_str(p->thread[k], SIM_NAME_MAX, seen[best]);
        seen_idx[best] = INT32_MIN;
    }
    return 0;
}

/* ---- leases ---------------------------------------------------------------------------------------------------- */

static int html_same_lease(const html_lease *l, int key, const sim_trace_lease *e) {
    return l->key == key && l->shared == e->shared && (l->queued > 0) == (e->queued > 0) &&
           strcmp(l->holder, e->holder) == 0;
}

static html_lease *html_open_lease(html_page *p, int key, const sim_trace_lease *e, int col) {
    if (p->lease_count == p->lease_cap) {
        int n = p->lease_cap ? p->lease_cap * 2 : 64;
        html_lease *l = realloc(p->lease, sizeof(*l) * (size_t)n);
        if (l == NULL) return NULL;
        p->lease = l;
        p->lease_cap = n;
    }
    html_lease *l = &p->lease[p->lease_count++];
    memset(l, 0, sizeof(*l));
    l->key = key;
    lk_copy_str(l->holder, sizeof(l->holder), e->holder);
    l->shared = e->shared;
    l->scripted = e->scripted;
    l->queued = e->queued;
    l->start = col;
    l->end = p->t->count;
    l->deadline_ms = l->first_deadline_ms = e->deadline_ms;
    const report_step *s = &p->t->step[col];
    const char *f = strstr(s->result, "fence=");
    /* the fence its holder's own acquire answered (a lease handed over by another's step shows none) */
    if (f && s->kind == SIM_TRACE_OP && !e->scripted && strcmp(s->who, e->holder) == 0)
        snprintf(l->fence, sizeof(l->fence), "%.*s", (int)strcspn(f, " ,"), f);
    /* the lowest lease row of its lane that is free from 'col' on */
    int used[HTML_ROWS_MAX] = {0};
    for (int i = 0; i < p->lease_count - 1; i++)
        if (p->lease[i].key == key && p->lease[i].end > col) used[p->lease[i].row] = 1;
    while (l->row < HTML_ROWS_MAX - 1 && used[l->row])
        l->row++;
    if (l->row + 1 > p->key_rows[key]) p->key_rows[key] = l->row + 1;
    return l;
}

/* Builds the lease intervals from the steps' lease lists. Returns 0 or -1 (memory). */
static int html_leases(html_page *p) {
    const report_timeline *t = p->t;
    int open_first = 0; /* leases before this index are closed */
    for (int i = 0; i < t->count; i++) {
        const report_step *s = &t->step[i];
        const sim_trace_lease *ls = &t->lease[s->lease_first];
        for (int k = open_first; k < p->lease_count; k++) { /* close the open leases this step no longer lists */
            html_lease *l = &p->lease[k];
            if (l->end != t->count) continue;
            int listed = 0;
            for (int e = 0; e < s->lease_count && !listed; e++)
                listed = html_same_lease(l, l->key, &ls[e]) && strcmp(p->key[l->key], ls[e].key) == 0;
            if (listed) continue;
            l->end = i;
            l->expired = l->deadline_ms >= 0 && s->server_ms > l->deadline_ms;
        }
        for (int e = 0; e < s->lease_count; e++) {
            int key = html_key_lane(p, ls[e].key);
            html_lease *l = NULL;
            for (int k = open_first; k < p->lease_count && !l; k++)
                if (p->lease[k].end == t->count && html_same_lease(&p->lease[k], key, &ls[e])) l = &p->lease[k];
            if (l == NULL) {
                if ((l = html_open_lease(p, key, &ls[e], i)) == NULL) return -1;
            } else if (l->deadline_ms != ls[e].deadline_ms) {
                l->deadline_ms = ls[e].deadline_ms;
                l->renewals++;
            }
        }
        while (open_first < p->lease_count && p->lease[open_first].end != t->count)
            open_first++;
    }
    return 0;
}

/* ---- SVG ------------------------------------------------------------------------------------------------------- */

static void html_ms(char *buf, size_t cap, int64_t ns) {
    snprintf(buf, cap, "%" PRId64 ".%03" PRId64, ns / 1000000, (ns % 1000000) / 1000);
}

/* The hover text of step 's': its trace words in full. */
static void html_step_title(html_page *p, const report_step *s) {
    sim_text *o = p->out;
    char t[40];
    html_ms(t, sizeof(t), s->time_ns);
    sim_text_add(o, "<title>");
    if (s->kind == SIM_TRACE_JUMP) {
        sim_text_add(o, "time jumps to %sms: every thread waits (server %" PRId64 "ms)</title>", t, s->server_ms);
        return;
    }
    sim_text_add(o, "step %d at %sms", s->step, t);
    if (s->line) sim_text_add(o, " (schedule line %d)", s->line);
    html_puts(o, "\n");
    if (s->kind == SIM_TRACE_DECISION) {
        html_escape(o, s->decision, (size_t)-1);
    } else {
        html_escape(o, s->who, (size_t)-1);
        html_puts(o, " ");
        html_escape(o, s->op, (size_t)-1);
        html_puts(o, " ");
        html_escape(o, s->object, (size_t)-1);
        if (s->args[0]) {
            html_puts(o, "\nsent: ");
            html_escape(o, s->args, (size_t)-1);
        }
        html_puts(o, "\nresult: ");
        html_escape(o, s->result, (size_t)-1);
        if (s->store) sim_text_add(o, "\nserver clock at apply: %" PRId64 "ms", s->server_ms);
        if (s->fault[0]) sim_text_add(o, "\nstore fault: %s", s->fault);
    }
    html_puts(o, "</title>");
}

/* The CSS class of an op mark: what kind of step it was. */
static const char *html_op_class(const report_step *s) {
    if (s->fault[0]) return "op fault";
    if (strncmp(s->result, "acquired", 8) == 0 || strcmp(s->result, "held") == 0) return "op acq";
    if (strncmp(s->result, "locked", 6) == 0 || strstr(s->result, "NOT_OWNER") || strstr(s->result, "not_owner"))
        return "op busy";
    if (strncmp(s->op, "release", 7) == 0 || strcmp(s->op, "unlock") == 0) return "op rel";
    if (strncmp(s->op, "res_", 4) == 0) return "op res";
    if (strcmp(s->op, "sleep") == 0 || strcmp(s->op, "wait") == 0) return "op idle";
    if (strncmp(s->result, "LK_E", 4) == 0) return "op err";
    return s->store ? "op store" : "op other";
}

/* The few letters an op's mark shows (its full words are in the hover text and the table). */
static void html_short_label(sim_text *o, const report_step *s) {
    static const char *const names[][2] = {{"res_write", "write"}, {"res_read", "read"}, {"res_floor", "floor"},
                                           {"acquire", "acq"},     {"release", "rel"},   {"extend", "ext"},
                                           {"task_start", "task"}, {"task_join", "join"}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(s->op, names[i][0]) == 0) {
            html_puts(o, names[i][1]);
            return;
        }
    html_escape(o, s->op, 5);
}

static int html_lanes_y(const html_page *p, int lane_kind, int index) {
    int y = HTML_RULER_H + HTML_SERVER_H; /* the ruler, then the decisions lane */
    if (lane_kind == 0) return y + index * HTML_THREAD_H;
    y += p->thread_count * HTML_THREAD_H;
    if (lane_kind == 1) return y;
    y += HTML_SERVER_H;
    for (int k = 0; k < index; k++)
        y += 12 + (p->key_rows[k] ? p->key_rows[k] : 1) * HTML_ROW_H;
    return y;
}

static int html_height(const html_page *p) {
    return html_lanes_y(p, 2, p->key_count) + 8;
}

/* The ruler: each column's step number and virtual time (ms) where it changed. */
static void html_ruler(html_page *p) {
    sim_text *o = p->out;
    int64_t last = -1;
    sim_text_add(o, "<g class=\"ruler\">");
    for (int i = 0; i < p->t->count; i++) {
        const report_step *s = &p->t->step[i];
        int x = p->col_x[i];
        if (s->kind != SIM_TRACE_JUMP)
            sim_text_add(o, "<text class=\"stepno\" x=\"%d\" y=\"12\">%d</text>", x + HTML_COL_W / 2, s->step);
        if (s->time_ns != last) {
            char t[40];
            html_ms(t, sizeof(t), s->time_ns);
            sim_text_add(o, "<text class=\"time\" transform=\"translate(%d,60) rotate(-90)\">%s</text>",
                         x + (s->kind == SIM_TRACE_JUMP ? HTML_JUMP_W : HTML_COL_W) / 2 + 3, t);
            last = s->time_ns;
        }
    }
    sim_text_add(o, "</g>");
}

/* A marker (a decision or a jump) at column 'i' in the lane starting at 'y': a symbol and a short label. */
static void html_marker(html_page *p, int i, int y, const char *kind, const char *symbol) {
    const report_step *s = &p->t->step[i];
    int x = p->col_x[i];
    sim_text_add(p->out, "<a href=\"#s%d\"><g class=\"mark %s\" data-kind=\"%s\">", s->step, kind, kind);
    html_step_title(p, s);
    sim_text_add(p->out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"22\" rx=\"4\"/>", x + 2, y + 4, HTML_COL_W - 4);
    sim_text_add(p->out, "<text x=\"%d\" y=\"%d\">%s</text></g></a>", x + HTML_COL_W / 2, y + 19, symbol);
}

static void html_steps(html_page *p) {
    sim_text *o = p->out;
    int server_y = html_lanes_y(p, 1, 0), dec_y = HTML_RULER_H;
    for (int i = 0; i < p->t->count; i++) {
        const report_step *s = &p->t->step[i];
        int x = p->col_x[i];
        if (s->kind == SIM_TRACE_JUMP) {
            sim_text_add(o, "<g class=\"mark jump\" data-kind=\"jump\">");
            html_step_title(p, s);
            sim_text_add(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/></g>", x + HTML_JUMP_W / 2, HTML_RULER_H,
                         x + HTML_JUMP_W / 2, html_height(p));
            continue;
        }
        int lane = s->thread >= 0 ? html_thread_lane(p, s->who) : -1;
        int y = lane >= 0 ? html_lanes_y(p, 0, lane) : dec_y;
        if (s->kind == SIM_TRACE_DECISION) {
            if (strcmp(s->op, "crash") == 0) {
                html_marker(p, i, y, "crash", "&#x2715;");
            } else if (strcmp(s->op, "pause") == 0) {
                html_marker(p, i, y, "pause", "&#x2016;");
            } else if (strcmp(s->op, "restart") == 0) {
                html_marker(p, i, server_y, "restart", "&#x27f2;");
            } else if (strcmp(s->op, "wall") == 0) {
                html_marker(p, i, strcmp(s->who, "server") == 0 ? server_y : y, "wall", "&#x00b1;");
            } else {
                html_marker(p, i, y, "advance", "&#x21e5;");
            }
            continue;
        }
        sim_text_add(o, "<a href=\"#s%d\"><g class=\"%s%s\" data-step=\"%d\">", s->step, html_op_class(s),
                     i == p->violation_col ? " violating" : "", s->step);
        html_step_title(p, s);
        sim_text_add(o, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"24\" rx=\"4\"/>", x + 2, y + 4, HTML_COL_W - 4);
        sim_text_add(o, "<text x=\"%d\" y=\"%d\">", x + HTML_COL_W / 2, y + 20);
        html_short_label(o, s);
        sim_text_add(o, "</text></g></a>");
        if (s->fault[0])
            html_marker(p, i, server_y, "fault", "&#x26a1;");
        else if (s->store)
            sim_text_add(o,
                         "<a href=\"#s%d\"><circle class=\"srv\" cx=\"%d\" cy=\"%d\" r=\"4\">"
                         "<title>server applies step %d at %" PRId64 "ms</title></circle></a>",
                         s->step, x + HTML_COL_W / 2, server_y + HTML_SERVER_H / 2, s->step, s->server_ms);
    }
}

/* A waiter's time in a declared queue: an outlined bar in the queue's lane and a dashed band in its thread's lane. */
static void html_queue_bar(html_page *p, const html_lease *l, const char *thread, int x0, int x1, int y,
                           const char *color) {
    sim_text *o = p->out;
    sim_text_add(o, "<g class=\"lease queued\" data-key=\"");
    html_escape(o, p->key[l->key], (size_t)-1);
    html_puts(o, "\" data-holder=\"");
    html_escape(o, thread ? thread : l->holder, (size_t)-1);
    html_puts(o, "\"><title>waits in ");
    html_escape(o, p->key[l->key], (size_t)-1);
    html_puts(o, "\nwaiter: ");
    html_escape(o, thread ? thread : "?", (size_t)-1);
    html_puts(o, " (member ");
    html_escape(o, l->holder, (size_t)-1);
    sim_text_add(o, ")\nqueued from step %d, place %d then", p->t->step[l->start].step, l->queued);
    if (l->end < p->t->count)
        sim_text_add(o, ", to step %d (left the queue)", p->t->step[l->end].step);
    else
        html_puts(o, " (still waiting at the end)");
    sim_text_add(o,
                 "</title><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"14\" rx=\"3\" stroke=\"%s\"/>"
                 "<text x=\"%d\" y=\"%d\" fill=\"%s\">",
                 x0, y, x1 - x0, color, x0 + 4, y + 11, color);
    html_escape(o, thread ? thread : l->holder, 16);
    sim_text_add(o, " waits (#%d)</text></g>", l->queued);
    if (thread)
        sim_text_add(o, "<rect class=\"wait\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"3\" fill=\"%s\"/>", x0,
                     html_lanes_y(p, 0, html_thread_lane(p, thread)) + HTML_THREAD_H - 4, x1 - x0, color);
}

static void html_lease_bars(html_page *p) {
    sim_text *o = p->out;
    for (int k = 0; k < p->lease_count; k++) {
        const html_lease *l = &p->lease[k];
        char holder[SIM_NAME_MAX + SIM_SCHEMA_MEMBER_MAX + 16];
        html_holder(p->t, l, holder, sizeof(holder));
        int color = 0;
        const char *thread = l->scripted ? html_token_thread(p->t, l->holder) : l->holder;
        if (thread) color = html_thread_lane(p, thread) % (int)(sizeof(html_palette) / sizeof(html_palette[0]));
        int x0 = p->col_x[l->start] + HTML_COL_W / 2, x1 = p->col_x[l->end];
        if (l->end < p->t->count) x1 += HTML_COL_W / 2;
        if (x1 < x0 + 6) x1 = x0 + 6;
        int y = html_lanes_y(p, 2, l->key) + 10 + l->row * HTML_ROW_H;
        if (l->queued) {
            html_queue_bar(p, l, thread, x0, x1, y, html_palette[color]);
            continue;
        }
        const char *how = l->end == p->t->count ? "still held at the end"
                          : l->expired          ? "its TTL ran out"
                                                : "ended by the step";
        sim_text_add(o, "<g class=\"lease%s%s\" data-key=\"", l->shared ? " shared" : "", l->expired ? " expired" : "");
        html_escape(o, p->key[l->key], (size_t)-1);
        html_puts(o, "\" data-holder=\"");
        html_escape(o, thread ? thread : l->holder, (size_t)-1);
        sim_text_add(o, "\"><title>%s lease on ", l->shared ? "shared" : "exclusive");
        html_escape(o, p->key[l->key], (size_t)-1);
        html_puts(o, "\nholder: ");
        html_escape(o, holder, (size_t)-1);
        if (l->fence[0]) sim_text_add(o, " (%s)", l->fence);
        sim_text_add(o, "\nfrom step %d", p->t->step[l->start].step);
        if (l->end < p->t->count)
            sim_text_add(o, " to step %d (%s)", p->t->step[l->end].step, how);
        else
            sim_text_add(o, " (%s)", how);
        if (l->first_deadline_ms >= 0)
            sim_text_add(o, "\nTTL deadline by the server's clock: %" PRId64 "ms", l->first_deadline_ms);
        if (l->renewals)
            sim_text_add(o, "; renewed %d time%s, last to %" PRId64 "ms", l->renewals, l->renewals == 1 ? "" : "s",
                         l->deadline_ms);
        sim_text_add(o, "</title><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"14\" rx=\"3\" fill=\"%s\"/>", x0, y,
                     x1 - x0, html_palette[color]);
        sim_text_add(o, "<text x=\"%d\" y=\"%d\">", x0 + 4, y + 11);
        html_escape(o, thread ? thread : l->holder, 16);
        if (l->fence[0]) sim_text_add(o, " %s", l->fence);
        if (l->deadline_ms >= 0) sim_text_add(o, " &#x2192;%" PRId64 "ms", l->deadline_ms);
        if (l->renewals) sim_text_add(o, " (&#x21bb;%d)", l->renewals);
        html_puts(o, "</text>");
        if (l->expired) sim_text_add(o, "<text class=\"ttl\" x=\"%d\" y=\"%d\">TTL</text>", x1 + 2, y + 11);
        html_puts(o, "</g>");
        if (thread) { /* the holder's own lane gets a band where it holds a lease */
            int ty = html_lanes_y(p, 0, html_thread_lane(p, thread)) + HTML_THREAD_H - 10;
            sim_text_add(o,
                         "<rect class=\"hold%s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"5\" fill=\"%s\">"
                         "<title>",
                         l->shared ? " shared" : "", x0, ty + (l->shared ? 2 : 0), x1 - x0, html_palette[color]);
            html_escape(o, thread, (size_t)-1);
            html_puts(o, l->shared ? " holds a shared lease on " : " holds ");
            html_escape(o, p->key[l->key], (size_t)-1);
            html_puts(o, "</title></rect>");
        }
    }
}

/* The lane backgrounds and the fixed label column (a second SVG beside the scrolling one). */
/* One lane's background (and, in the label column, its name) from 'y', 'h' px high, 'w' wide. */
static void html_lane_rect(sim_text *o, int labels, int w, int y, int h, const char *kind, const char *name,
                           const char *sub) {
    sim_text_add(o, "<g class=\"lane\" data-lane=\"%s\" data-name=\"", kind);
    html_escape(o, name, (size_t)-1);
    sim_text_add(o, "\"><rect class=\"lanebg %s\" x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\"/>", kind, y, w, h);
    if (labels) {
        sim_text_add(o, "<text class=\"lname\" x=\"8\" y=\"%d\">", y + 17);
        html_escape(o, name, 22);
        sim_text_add(o, "</text><text class=\"lsub\" x=\"8\" y=\"%d\">%s</text>", y + 30, sub);
    }
    html_puts(o, "</g>");
}

/* The lane backgrounds, in the scrolling SVG, or with their names in the fixed label column ('labels'). */
static void html_lane_rects(html_page *p, int labels) {
    sim_text *o = p->out;
    int w = labels ? HTML_LABEL_W : p->col_x[p->t->count] + 40;
    if (labels) {
        sim_text_add(o, "<text class=\"lsub\" x=\"8\" y=\"14\">step</text>");
        sim_text_add(o, "<text class=\"lsub\" x=\"8\" y=\"56\">virtual time (ms)</text>");
    }
    html_lane_rect(o, labels, w, HTML_RULER_H, HTML_SERVER_H, "decisions", "decisions", "advance, wall, crash");
    for (int i = 0; i < p->thread_count; i++)
        html_lane_rect(o, labels, w, html_lanes_y(p, 0, i), HTML_THREAD_H, "thread", p->thread[i], "virtual thread");
    html_lane_rect(o, labels, w, html_lanes_y(p, 1, 0), HTML_SERVER_H, "server", "store server",
                   "apply instants, restarts");
    for (int k = 0; k < p->key_count; k++)
        html_lane_rect(o, labels, w, html_lanes_y(p, 2, k), 12 + (p->key_rows[k] ? p->key_rows[k] : 1) * HTML_ROW_H,
                       "lock", p->key[k], "lock key: leases");
}

static void html_svg(html_page *p) {
    sim_text *o = p->out;
    int h = html_height(p), w = p->col_x[p->t->count] + 40;
    sim_text_add(o, "<div class=\"chart\"><svg class=\"labels\" width=\"%d\" height=\"%d\">", HTML_LABEL_W, h);
    html_lane_rects(p, 1);
    sim_text_add(o, "</svg><div class=\"scroll\"><svg id=\"lanes\" width=\"%d\" height=\"%d\">", w, h);
    html_lane_rects(p, 0);
    if (p->violation_col >= 0) {
        int x = p->col_x[p->violation_col];
        sim_text_add(o, "<g id=\"violation\"><rect x=\"%d\" y=\"0\" width=\"%d\" height=\"%d\"/><title>", x, HTML_COL_W,
                     h);
        html_escape(o, p->m->verdict_text ? p->m->verdict_text : "", (size_t)-1);
        html_puts(o, "</title></g>");
    }
    html_ruler(p);
    html_lease_bars(p);
    html_steps(p);
    html_puts(o, "</svg></div></div>\n");
}

/* ---- the page ---------------------------------------------------------------------------------------------------- */

static const char html_style[] =
    "body{font:13px/1.4 system-ui,sans-serif;margin:16px;color:#222;background:#fafafa}"
    "h1{font-size:18px;margin:0 0 6px}code,pre,td.mono{font-family:ui-monospace,monospace;font-size:12px}"
    ".verdict{padding:8px 12px;border-radius:6px;margin:8px 0;font-weight:600}"
    ".verdict.VIOLATION,.verdict.DIVERGED,.verdict.STORE{background:#fde2e2;border:1px solid #e15759}"
    ".verdict.PASS{background:#e3f4e1;border:1px solid #59a14f}.verdict.STOPPED{background:#eee;border:1px solid #999}"
    ".chart{display:flex;border:1px solid #ccc;background:#fff}.scroll{overflow-x:auto;flex:1}"
    ".lanebg{fill:#fff;stroke:#e4e4e4}.lanebg.thread{fill:#f7f9fc}.lanebg.server{fill:#f4f4ef}"
    ".lanebg.lock{fill:#fbf7f2}.lanebg.decisions{fill:#f6f6f6}"
    ".lname{font-weight:600;font-size:12px}.lsub{fill:#777;font-size:10px}"
    ".stepno{font-size:9px;fill:#666;text-anchor:middle}.time{font-size:9px;fill:#333}"
    ".op rect{stroke:#333;stroke-width:.5}.op text,.mark text{font-size:9px;text-anchor:middle;pointer-events:none}"
    ".op.acq rect{fill:#8fd18a}.op.busy rect{fill:#d8d8d8}.op.rel rect{fill:#9cc3e6}.op.res rect{fill:#f6c177}"
    ".op.idle rect{fill:#f1f1f1}.op.err rect{fill:#f4a6a6}.op.store rect{fill:#cfe0f3}.op.other rect{fill:#e9e1f3}"
    ".op.fault rect{fill:#ffd6d6;stroke:#e15759;stroke-width:2}"
    ".mark rect{fill:#fff;stroke:#555}.mark.crash rect{fill:#e15759}.mark.crash text{fill:#fff;font-size:13px}"
    ".mark.pause rect{fill:#edc948}.mark.fault rect{fill:#ffb000}.mark.restart rect{fill:#b07aa1}"
    ".mark.wall rect{fill:#76b7b2}.mark.advance rect{fill:#ddd}.mark text{font-size:12px}"
    ".jump line{stroke:#aaa;stroke-dasharray:3 3}.srv{fill:#666}"
    ".lease text{font-size:10px;fill:#fff;pointer-events:none}.lease.expired rect{stroke:#e15759;stroke-width:2}"
    ".lease.queued rect{fill:#fff;stroke-width:1.5;stroke-dasharray:4 2}.lease.queued text{font-size:10px;fill:#333}"
    ".wait{opacity:.5}.lease.shared rect{opacity:.75}.ttl{fill:#e15759!important;font-weight:700}"
    "#violation rect{fill:#e15759;opacity:.18}.op.violating rect{stroke:#e15759;stroke-width:3}"
    "td.mono{word-break:break-all;max-width:32em}"
    "a:hover rect{stroke-width:2;stroke:#000}"
    "table{border-collapse:collapse;margin-top:12px;background:#fff}td,th{border:1px solid #ddd;padding:2px 6px;"
    "vertical-align:top;text-align:left}tr.jump td{color:#888}tr.viol td{background:#fde2e2}"
    "tr.hl td{outline:2px solid #4e79a7}pre.sched span.ln{display:block}pre.sched span.ln.hl{background:#fff3b0}"
    "#detail{position:sticky;top:0;background:#fffbe6;border:1px solid #e0c872;padding:4px 8px;min-height:1.4em;"
    "white-space:pre-wrap;font-family:ui-monospace,monospace;font-size:12px;z-index:1}";

/* The script: hover details in a sticky panel, the linked row and schedule line highlighted, and the drawn-page
 * check a browser test reads (body data-ok="1" once lanes and step rows exist; data-error on any script error). */
static const char html_script[] =
    "window.onerror=function(m){document.body.setAttribute('data-error',String(m));};"
    "(function(){var d=document.getElementById('detail');"
    "var marks=document.querySelectorAll('#lanes a > g, #lanes g.lease, #lanes g.jump');"
    "marks.forEach(function(g){g.addEventListener('mouseenter',function(){var t=g.querySelector('title');"
    "d.textContent=t?t.textContent:'';});});"
    "function hl(){document.querySelectorAll('.hl').forEach(function(e){e.classList.remove('hl');});"
    "var id=location.hash.slice(1);if(!id)return;var e=document.getElementById(id);if(!e)return;"
    "e.classList.add('hl');var ln=e.getAttribute('data-line');"
    "if(ln){var l=document.getElementById('L'+ln);if(l)l.classList.add('hl');}}"
    "window.addEventListener('hashchange',hl);hl();"
    "var lanes=document.querySelectorAll('#lanes .lane').length,rows=document.querySelectorAll('#steps tr[id]').length;"
    "document.body.setAttribute('data-lanes',String(lanes));document.body.setAttribute('data-steps',String(rows));"
    "document.body.setAttribute('data-leases',String(document.querySelectorAll('#lanes g.lease').length));"
    "document.body.setAttribute('data-marks',String(document.querySelectorAll('#lanes g.mark').length));"
    "document.body.setAttribute('data-ok',lanes>0&&rows>0?'1':'0');})();";

static void html_header(html_page *p) {
    sim_text *o = p->out;
    const report_meta *m = p->m;
    html_puts(o, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>racebed: ");
    html_escape(o, m->schedule_path, (size_t)-1);
    sim_text_add(o, "</title><style>%s</style></head>\n<body>\n<h1>", html_style);
    html_escape(o, m->scenario, (size_t)-1);
    html_puts(o, " &#xb7; ");
    html_escape(o, m->variant, (size_t)-1);
    sim_text_add(o, " &#xb7; seed %" PRIu64 "</h1>\n<div>schedule <code>", m->seed);
    html_escape(o, m->schedule_path, (size_t)-1);
    int steps = 0;
    for (int i = 0; i < p->t->count; i++)
        steps += p->t->step[i].kind != SIM_TRACE_JUMP;
    sim_text_add(o, "</code>: %d steps", steps);
    html_puts(o, " &#xb7; replay: <code>racebed replay ");
    html_escape(o, m->schedule_path, (size_t)-1);
    html_puts(o, "</code></div>\n<div class=\"verdict ");
    html_escape(o, m->verdict, strcspn(m->verdict, " "));
    html_puts(o, "\">");
    html_escape(o, m->verdict_text ? m->verdict_text : m->verdict, (size_t)-1);
    if (m->violation_step > 0)
        sim_text_add(o, " &#xb7; <a href=\"#s%d\">go to step %d</a>", m->violation_step, m->violation_step);
    if (m->oracle_doc) {
        html_puts(o, "<br><small>");
        html_escape(o, m->oracle, (size_t)-1);
        html_puts(o, ": ");
        html_escape(o, m->oracle_doc, (size_t)-1);
        html_puts(o, "</small>");
    }
    if (m->expect_text) {
        html_puts(o, "<br><small>");
        html_escape(o, m->expect_text, (size_t)-1);
        html_puts(o, "</small>");
    }
    html_puts(o, "</div>\n");
    if (p->t->dropped)
        sim_text_add(o,
                     "<div class=\"verdict STOPPED\">%d further steps are not drawn (a report keeps %d steps "
                     "and %d lease rows): the table ends early too</div>\n",
                     p->t->dropped, REPORT_STEPS_MAX, REPORT_LEASES_MAX);
    html_puts(o, "<div id=\"detail\">hover over a mark for its details; click it for its row</div>\n");
}

static void html_table(html_page *p) {
    sim_text *o = p->out;
    html_puts(o, "<table id=\"steps\"><tr><th>step</th><th>time (ms)</th><th>server (ms)</th><th>thread</th>"
                 "<th>op</th><th>object</th><th>sent</th><th>result</th><th>leases after</th><th>line</th></tr>\n");
    for (int i = 0; i < p->t->count; i++) {
        const report_step *s = &p->t->step[i];
        char t[40];
        html_ms(t, sizeof(t), s->time_ns);
        if (s->kind == SIM_TRACE_JUMP) {
            sim_text_add(o,
                         "<tr class=\"jump\"><td></td><td>%s</td><td>%" PRId64
                         "</td><td colspan=\"7\">every thread waits: time jumps</td></tr>\n",
                         t, s->server_ms);
            continue;
        }
        int viol = p->m->violation_step > 0 && s->step == p->m->violation_step;
        sim_text_add(o, "<tr id=\"s%d\"%s data-line=\"%d\"><td>%d</td><td>%s</td><td>%" PRId64 "</td><td>", s->step,
                     viol ? " class=\"viol\"" : "", s->line, s->step, t, s->server_ms);
        html_escape(o, s->who, (size_t)-1);
        html_puts(o, "</td><td>");
        html_escape(o, s->kind == SIM_TRACE_DECISION ? s->decision : s->op, (size_t)-1);
        html_puts(o, "</td><td class=\"mono\">");
        html_escape(o, s->object, (size_t)-1);
        html_puts(o, "</td><td class=\"mono\">");
        html_escape(o, s->args, (size_t)-1);
        html_puts(o, "</td><td class=\"mono\">");
        html_escape(o, s->result, (size_t)-1);
        if (s->fault[0]) sim_text_add(o, " [fault %s]", s->fault);
        if (viol && p->m->verdict_text) {
            html_puts(o, "<br><b>");
            html_escape(o, p->m->verdict_text, (size_t)-1);
            html_puts(o, "</b>");
        }
        html_puts(o, "</td><td class=\"mono\">");
        for (int e = 0; e < s->lease_count; e++) {
            const sim_trace_lease *l = &p->t->lease[s->lease_first + e];
            html_escape(o, l->key, (size_t)-1);
            if (l->queued)
                sim_text_add(o, " waiter #%d: ", l->queued);
            else
                html_puts(o, l->shared ? "&#x2287;" : "=");
            html_escape(o, l->holder, (size_t)-1);
            if (l->deadline_ms >= 0) sim_text_add(o, "..%" PRId64 "ms", l->deadline_ms);
            html_puts(o, "<br>");
        }
        if (s->line)
            sim_text_add(o, "</td><td><a href=\"#L%d\">%d</a></td></tr>\n", s->line, s->line);
        else
            html_puts(o, "</td><td></td></tr>\n");
    }
    html_puts(o, "</table>\n");
}

static void html_listing(html_page *p) {
    sim_text *o = p->out;
    if (p->m->schedule_text == NULL) return;
    html_puts(o, "<h2>");
    html_escape(o, p->m->schedule_path, (size_t)-1);
    html_puts(o, "</h2>\n<pre class=\"sched\">");
    const char *s = p->m->schedule_text;
    for (int line = 1; *s; line++) {
        size_t n = strcspn(s, "\n");
        sim_text_add(o, "<span class=\"ln\" id=\"L%d\">%4d  ", line, line);
        html_escape(o, s, n);
        html_puts(o, "</span>");
        s += n;
        if (*s == '\n') s++;
    }
    html_puts(o, "</pre>\n");
}

int report_html(const report_timeline *t, const report_meta *m, sim_text *out) {
    html_page *p = calloc(1, sizeof(*p));
    if (p == NULL) return -1;
    int failed = 0;
    p->t = t;
    p->m = m;
    p->out = out;
    if (html_columns(p) != 0 || html_leases(p) != 0) {
        failed = 1;
    } else {
        html_header(p);
        if (t->failed)
            html_puts(out, "<div class=\"verdict STOPPED\">memory ran out while the steps were kept: this "
                           "timeline is incomplete</div>\n");
        html_svg(p);
        html_table(p);
        html_listing(p);
        sim_text_add(out, "<script>%s</script>\n</body></html>\n", html_script);
    }
    free(p->col_x);
    free(p->lease);
    free(p);
    return failed || !out->ok ? -1 : 0;
}
