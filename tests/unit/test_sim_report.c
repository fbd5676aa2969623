/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sim_report.c: proves the timeline page (sim/report/) draws what its steps say and nothing else. Step events
 * are built by hand, so each assertion follows from the events: a string from the run that looks like markup is
 * escaped; a lease listed over steps 1..2 is one bar that ends by its TTL when the ending step's server clock is past
 * its deadline, and by the step otherwise; two holders at once are two bars; a changed deadline is a renewal; a
 * scripted lease's token is named after the thread that sent it; the violating step is highlighted; a timeline past
 * its step limit says how many steps it left out. The browser test (tests/browser/) loads real pages.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/report/report_html.h"

static sim_trace_event *ev_new(void) {
    sim_trace_event *ev = calloc(1, sizeof(*ev));
    assert_non_null(ev);
    return ev;
}

/* An op step by thread 'who' (index 'thread') with its result and arguments, at server time 'server_ms'. */
static void ev_op(sim_trace_event *ev, int step, int thread, const char *who, const char *op, const char *args,
                  const char *result, int64_t server_ms) {
    memset(ev, 0, sizeof(*ev));
    ev->kind = SIM_TRACE_OP;
    ev->step = step;
    ev->line = 10 + step;
    ev->time_ns = server_ms * 1000000;
    ev->server_ms = server_ms;
    ev->thread = thread;
    ev->store = 1;
    snprintf(ev->who, sizeof(ev->who), "%s", who);
    snprintf(ev->op, sizeof(ev->op), "%s", op);
    snprintf(ev->object, sizeof(ev->object), "lk:a");
    snprintf(ev->args, sizeof(ev->args), "%s", args);
    snprintf(ev->result, sizeof(ev->result), "%s", result);
    ev->text = "trace line";
}

static void ev_lease(sim_trace_event *ev, const char *key, const char *holder, int64_t deadline_ms, int scripted) {
    sim_trace_lease *l = &ev->lease[ev->lease_count++];
    memset(l, 0, sizeof(*l));
    snprintf(l->key, sizeof(l->key), "%s", key);
    snprintf(l->holder, sizeof(l->holder), "%s", holder);
    l->deadline_ms = deadline_ms;
    l->scripted = scripted;
}

static char *page_of(report_timeline *t, int violation_step) {
    report_meta m = {"x.sched",
                     "line one\n<b>line two</b>\n",
                     "scen",
                     "core",
                     7,
                     violation_step ? "VIOLATION" : "PASS",
                     violation_step ? "VIOLATION lease_safety at step 3: two holders" : "PASS: no violation",
                     violation_step ? "lease_safety" : NULL,
                     NULL,
                     violation_step,
                     NULL};
    sim_text b;
    sim_text_init(&b);
    assert_int_equal(report_html(t, &m, &b), 0);
    return sim_text_take(&b, NULL);
}

static int count(const char *hay, const char *needle) {
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_sim_report_escapes(void **state) {
    (void)state;
    report_timeline t = {0};
    sim_trace_event *ev = ev_new();
    ev_op(ev, 1, 0, "c1", "set", "SET k <script>alert(1)</script>", "OK \"quoted\" & more", 0);
    report_timeline_add(&t, ev);
    char *page = page_of(&t, 0);
    assert_null(strstr(page, "<script>alert"));
    assert_non_null(strstr(page, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(page, "OK &quot;quoted&quot; &amp; more"));
    assert_non_null(strstr(page, "&lt;b&gt;line two&lt;/b&gt;")); /* the listed schedule too */
    assert_int_equal(count(page, "<script>"), 1);                 /* the page's own script only */
    assert_null(strstr(page, "http"));                            /* self-contained */
    free(page);
    report_timeline_free(&t);
    free(ev);
}

static void test_sim_report_leases(void **state) {
    (void)state;
    report_timeline t = {0};
    sim_trace_event *ev = ev_new();
    ev_op(ev, 1, 0, "c1", "acquire", "lk:a tok1", "acquired fence=1", 0);
    ev_lease(ev, "lk:a", "c1", 1000, 0);
    report_timeline_add(&t, ev);
    ev_op(ev, 2, 0, "c1", "extend", "lk:a tok1", "extended", 500); /* a renewal: the deadline moves */
    ev_lease(ev, "lk:a", "c1", 1500, 0);
    report_timeline_add(&t, ev);
    ev_op(ev, 3, 1, "c2", "acquire", "lk:a tok2", "acquired fence=2", 1600); /* c1's lease ran out at 1500 */
    ev_lease(ev, "lk:a", "c2", 2600, 0);
    ev_lease(ev, "lk:a", "c3", 2700, 0); /* and a second holder at once */
    report_timeline_add(&t, ev);
    ev_op(ev, 4, 1, "c2", "release", "lk:a tok2", "released", 1700); /* c2's ends by the step, c3's stays */
    ev_lease(ev, "lk:a", "c3", 2700, 0);
    report_timeline_add(&t, ev);
    char *page = page_of(&t, 3);
    assert_int_equal(count(page, "<g class=\"lease"), 3);
    assert_int_equal(count(page, "<g class=\"lease expired\""), 1); /* c1's, by its TTL */
    assert_non_null(strstr(page, "renewed 1 time, last to 1500ms"));
    assert_non_null(strstr(page, "to step 4 (ended by the step)"));
    assert_non_null(strstr(page, "(still held at the end)"));
    assert_non_null(strstr(page, "c1 fence=1"));
    assert_non_null(strstr(page, "id=\"violation\""));
    assert_int_equal(count(page, "violating\""), 1);
    assert_non_null(strstr(page, "<tr id=\"s3\" class=\"viol\""));
    assert_non_null(strstr(page, "<a href=\"#L13\">13</a>")); /* step 3's schedule line */
    free(page);
    report_timeline_free(&t);
    free(ev);
}

static void test_sim_report_scripted_holder(void **state) {
    (void)state;
    report_timeline t = {0};
    sim_trace_event *ev = ev_new();
    ev_op(ev, 1, 2, "w1", "command", "EVAL script 1 lk:owner abcd1234", "(integer) 1", 0);
    ev_lease(ev, "lk:owner", "abcd1234:7", 1000, 1);
    report_timeline_add(&t, ev);
    char *page = page_of(&t, 0);
    assert_non_null(strstr(page, "data-holder=\"w1\""));
    assert_non_null(strstr(page, "holder: w1 (token abcd1234)"));
    free(page);
    report_timeline_free(&t);
    free(ev);
}

static void test_sim_report_says_what_it_dropped(void **state) {
    (void)state;
    report_timeline t = {0};
    sim_trace_event *ev = ev_new();
    for (int i = 1; i <= REPORT_STEPS_MAX + 5; i++) {
        ev_op(ev, i, 0, "c1", "get", "GET k", "nil", i);
        report_timeline_add(&t, ev);
    }
    assert_int_equal(t.count, REPORT_STEPS_MAX);
    assert_int_equal(t.dropped, 5);
    char *page = page_of(&t, 0);
    assert_non_null(strstr(page, "5 further steps are not drawn"));
    free(page);
    report_timeline_free(&t);
    free(ev);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_report_escapes),
        cmocka_unit_test(test_sim_report_leases),
        cmocka_unit_test(test_sim_report_scripted_holder),
        cmocka_unit_test(test_sim_report_says_what_it_dropped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
