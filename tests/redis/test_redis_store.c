/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_redis_store.c: proves that the hiredis store (core/lk_redis_store.c) keeps lk_redis_store.h's contract
 * against a real, test-owned redis-server (tests/redis/sim/sim_redis_server.h), on the real clock.
 *
 * What: URL parsing (good and bad URLs; a password never appears in a message); a closed port is LK_ESTORE_DOWN with
 * a message that names it; a server killed mid-run makes the next op LK_ESTORE_DOWN or LK_ESTORE_MAYBE, and after a
 * restart the store reconnects by itself, with AUTH and SELECT re-applied (a --requirepass server, db 3) and its
 * scripts reloaded; a command stuck behind `CLIENT PAUSE 1500` with a 200 ms command timeout is LK_ESTORE_MAYBE and
 * the next command gets its own reply, never the late one; an unexpected reply type (GET of a list) is
 * LK_ESTORE_PROTO and the store stays usable; and the lock core (lk_mutex on lk_posix_env over this store) reaches
 * every outcome: ACQUIRED, LOCKED, ALREADY_MINE (a retry after an acquire that timed out but was applied, made real
 * with DEBUG SLEEP), RELEASED, NOT_OWNER, ABSENT, EXTENDED, and a blocking acquire that waits out a holder's TTL or
 * times out.
 * How: one shared plain server for most tests (FLUSHALL before each), and a password server for the reconnect test.
 * TTLs are real: a lease of 100 ms is waited out with a 250 ms sleep. Without redis-server every test skips
 * (RACEBED_REQUIRE_REDIS=1 makes that a failure).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/lk_mutex.h"
#include "core/lk_posix_env.h"
#include "core/lk_redis_store.h"
#include "tests/redis/redis_test_server.h"

static const char PASSWORD[] = "s3cret-Pw";

typedef redis_test_server store_fixture; /* the shared fixture, guarded by the test's main thread */

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms) {
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* The shared server after FLUSHALL; skips or fails when it could not start. */
static store_fixture *fixture_ready(void **state) {
    return redis_test_server_ready(state);
}

/* Opens a store on 'url' with 'command_timeout_ms' (0: default); fails the test with the message otherwise. */
static lk_redis_store *store_open(const char *url, int64_t command_timeout_ms) {
    lk_redis_opts opts = {.connect_timeout_ms = 500, .command_timeout_ms = command_timeout_ms};
    lk_redis_store *s = NULL;
    char err[256];
    lk_rc rc = lk_redis_store_open(url, &opts, &s, err, sizeof(err));
    if (rc != LK_OK) fail_msg("lk_redis_store_open: %s: %s", lk_rc_name(rc), err);
    return s;
}

/* One op through the store's lk_store; returns its rc and fills 'reply'. */
static lk_rc store_exec(lk_redis_store *s, const lk_store_op *op, lk_store_reply *reply) {
    lk_store st = lk_redis_store_iface(s);
    return st.exec(st.ctx, op, reply);
}

/* One op that must succeed with 'want'; returns the reply's num. */
static int64_t store_expect(lk_redis_store *s, const lk_store_op *op, lk_outcome want) {
    lk_store_reply reply;
    lk_rc rc = store_exec(s, op, &reply);
    if (rc != LK_OK)
        fail_msg("%s %s: %s: %s", lk_op_label(op->kind), op->key, lk_rc_name(rc), lk_redis_store_errmsg(s));
    assert_string_equal(lk_outcome_label(reply.outcome), lk_outcome_label(want));
    return reply.num;
}

static void store_set(lk_redis_store *s, const char *key, const char *value) {
    lk_store_op op = {.kind = LK_OP_SET, .key = key, .value = value};
    store_expect(s, &op, LK_STORED);
}

/* GET that must find 'want'. */
static void store_get_expect(lk_redis_store *s, const char *key, const char *want) {
    lk_store_op op = {.kind = LK_OP_GET, .key = key};
    lk_store_reply reply;
    lk_rc rc = store_exec(s, &op, &reply);
    if (rc != LK_OK) fail_msg("GET %s: %s: %s", key, lk_rc_name(rc), lk_redis_store_errmsg(s));
    assert_int_equal(reply.outcome, LK_FOUND);
    assert_string_equal(reply.value, want);
}

/* ---- URLs ------------------------------------------------------------------------------------------------------ */

static void test_redis_store_url_parse_good(void **state) {
    (void)state;
    const struct {
        const char *url, *host, *password;
        int port, db;
    } cases[] = {
        {"redis://127.0.0.1:6380/3", "127.0.0.1", "", 6380, 3},
        {"redis://localhost", "localhost", "", 6379, 0},
        {"redis://localhost/2", "localhost", "", 6379, 2},
        {"redis://h.example:7000/", "h.example", "", 7000, 0},
        {"redis://:s3cret@10.0.0.1:6379/15", "10.0.0.1", "s3cret", 6379, 15},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        lk_redis_url u;
        char err[256] = "";
        if (lk_redis_url_parse(cases[i].url, &u, err, sizeof(err)) != 0) fail_msg("%s: %s", cases[i].url, err);
        assert_string_equal(u.host, cases[i].host);
        assert_string_equal(u.password, cases[i].password);
        assert_int_equal(u.port, cases[i].port);
        assert_int_equal(u.db, cases[i].db);
    }
}

static void test_redis_store_url_parse_bad(void **state) {
    (void)state;
    const char *bad[] = {"",
                         "http://h:1",
                         "redis://",
                         "redis://:6379",
                         "redis://h:0",
                         "redis://h:65536",
                         "redis://h:12x",
                         "redis://h:1/x",
                         "redis://h:1/-1",
                         "redis://h:1/2/3",
                         "redis://user:hunter2@h:1",
                         "redis://:hunter2@h:bad",
                         "redis://:hunter2@",
                         "redis://:hunter2@h:1/db"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        lk_redis_url u;
        char err[256] = "";
        if (lk_redis_url_parse(bad[i], &u, err, sizeof(err)) != -1) fail_msg("accepted '%s'", bad[i]);
        if (err[0] == '\0') fail_msg("no message for '%s'", bad[i]);
        if (strstr(err, "hunter2") != NULL) fail_msg("'%s': the message shows the password: %s", bad[i], err);
        lk_redis_store *s = (lk_redis_store *)&u; /* must be set to NULL */
        char oerr[256] = "";
        assert_int_equal(lk_redis_store_open(bad[i], NULL, &s, oerr, sizeof(oerr)), LK_EINVAL);
        assert_null(s);
        assert_null(strstr(oerr, "hunter2"));
    }
}

/* A port nothing listens on: LK_ESTORE_DOWN at once, with host and port in the message and no password. */
static void test_redis_store_connect_refused(void **state) {
    (void)state;
    int port = rb_redis_free_port();
    assert_true(port > 0);
    char url[128], want[64], err[256] = "";
    snprintf(url, sizeof(url), "redis://:%s@127.0.0.1:%d/1", PASSWORD, port);
    snprintf(want, sizeof(want), "127.0.0.1:%d", port);
    lk_redis_store *s = (lk_redis_store *)url;
    int64_t t0 = now_ms();
    assert_int_equal(lk_redis_store_open(url, NULL, &s, err, sizeof(err)), LK_ESTORE_DOWN);
    assert_true(now_ms() - t0 < 1000);
    assert_null(s);
    if (strstr(err, want) == NULL) fail_msg("the message does not name %s: %s", want, err);
    if (strstr(err, PASSWORD) != NULL) fail_msg("the message shows the password: %s", err);
}

/* ---- primitives and protocol errors --------------------------------------------------------------------------- */

/* Each primitive once, checked against the server through the fixture's own connection. */
static void test_redis_store_primitives(void **state) {
    store_fixture *f = fixture_ready(state);
    lk_redis_store *s = store_open(rb_redis_url(&f->redis), 0);
    store_set(s, "p:a", "hello");
    store_get_expect(s, "p:a", "hello");
    char reply[128];
    const char *get[] = {"GET", "p:a"};
    assert_int_equal(rb_redis_admin(&f->redis, 0, reply, sizeof(reply), 2, get), 0);
    assert_string_equal(reply, "hello");
    lk_store_op nx = {.kind = LK_OP_SET, .key = "p:a", .value = "x", .flags = LK_SET_NX, .ttl_ms = 10000};
    store_expect(s, &nx, LK_NOT_STORED);
    lk_store_op xx = {.kind = LK_OP_SET, .key = "p:a", .value = "y", .flags = LK_SET_XX, .ttl_ms = 10000};
    store_expect(s, &xx, LK_STORED);
    lk_store_op pttl = {.kind = LK_OP_PTTL, .key = "p:a"};
    int64_t left = store_expect(s, &pttl, LK_COUNT);
    assert_true(left > 9000 && left <= 10000);
    lk_store_op incr = {.kind = LK_OP_INCR, .key = "p:n"};
    assert_int_equal(store_expect(s, &incr, LK_COUNT), 1);
    assert_int_equal(store_expect(s, &incr, LK_COUNT), 2);
    lk_store_op incr_bad = {.kind = LK_OP_INCR, .key = "p:a"};
    store_expect(s, &incr_bad, LK_WRONG_TYPE);
    lk_store_op scan = {.kind = LK_OP_SCAN, .key = "p:", .value = ""};
    store_expect(s, &scan, LK_FOUND);
    lk_store_op del = {.kind = LK_OP_DEL, .key = "p:a"};
    assert_int_equal(store_expect(s, &del, LK_COUNT), 1);
    lk_store_op sdel = {.kind = LK_OP_SCAN_DEL, .key = "p:"};
    assert_int_equal(store_expect(s, &sdel, LK_COUNT), 1);
    lk_store_op bad = {.kind = LK_OP_ACQUIRE, .key = "p:l", .aux_key = "p:l:fence", .value = "to:ken", .ttl_ms = 5};
    lk_store_reply r;
    assert_int_equal(store_exec(s, &bad, &r), LK_EINVAL);
    assert_int_equal(r.outcome, LK_NONE);
    lk_redis_store_close(s);
}

/* Any command of the table: Redis's reply, error replies included, in the caller's buffers; binary arguments; a
 * reply that does not fit is LK_ELIMIT with the reply cleared, and the connection stays usable. */
static void test_redis_store_commands(void **state) {
    store_fixture *f = fixture_ready(state);
    lk_redis_store *s = store_open(rb_redis_url(&f->redis), 0);
    lk_store st = lk_redis_store_iface(s);
    lk_reply_node nodes[8];
    char bytes[256], text[256];
    lk_reply r;
    lk_reply_init(&r, nodes, 8, bytes, sizeof(bytes));
    const struct {
        int argc;
        const char *argv[6];
        const char *want;
    } steps[] = {
        {4, {"HSET", "c:h", "f", "v"}, "(integer) 1"},
        {3, {"HGET", "c:h", "f"}, "\"v\""},
        {3, {"HGET", "c:h", "nope"}, "(nil)"},
        {2, {"GET", "c:h"}, "(error) WRONGTYPE Operation against a key holding the wrong kind of value"},
        {5, {"RPUSH", "c:l", "a", "b", "c"}, "(integer) 3"},
        {4, {"LRANGE", "c:l", "0", "-1"}, "[\"a\", \"b\", \"c\"]"},
        {1, {"MULTI"}, "OK"},
        {2, {"INCR", "c:n"}, "QUEUED"},
        {1, {"EXEC"}, "[(integer) 1]"},
    };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        lk_store_op op = {.kind = LK_OP_COMMAND, .key = "", .argc = steps[i].argc, .argv = steps[i].argv};
        lk_store_reply rep;
        memset(&rep, 0, sizeof(rep));
        rep.resp = &r;
        lk_rc rc = st.exec(st.ctx, &op, &rep);
        if (rc != LK_OK) fail_msg("%s: %s: %s", steps[i].argv[0], lk_rc_name(rc), lk_redis_store_errmsg(s));
        assert_string_equal(lk_reply_format(&r, 0, text, sizeof(text)), steps[i].want);
    }
    const char bin[] = {'a', 0, 'b'};
    const char *set[] = {"SET", "c:bin", bin}, *get[] = {"GET", "c:bin"};
    const size_t set_len[] = {3, 5, 3}, get_len[] = {3, 5};
    lk_store_op op = {.kind = LK_OP_COMMAND, .key = "", .argc = 3, .argv = set, .argv_len = set_len};
    lk_store_reply rep;
    memset(&rep, 0, sizeof(rep));
    rep.resp = &r;
    assert_int_equal(st.exec(st.ctx, &op, &rep), LK_OK);
    lk_store_op op2 = {.kind = LK_OP_COMMAND, .key = "", .argc = 2, .argv = get, .argv_len = get_len};
    assert_int_equal(st.exec(st.ctx, &op2, &rep), LK_OK);
    assert_int_equal(r.node[0].len, 3);
    assert_memory_equal(lk_reply_str(&r, 0), bin, 3);
    lk_reply_node few[2];
    lk_reply small;
    lk_reply_init(&small, few, 2, bytes, sizeof(bytes));
    rep.resp = &small;
    const char *range[] = {"LRANGE", "c:l", "0", "-1"};
    lk_store_op op3 = {.kind = LK_OP_COMMAND, .key = "", .argc = 4, .argv = range};
    assert_int_equal(st.exec(st.ctx, &op3, &rep), LK_ELIMIT);
    assert_int_equal(small.node_count, 0);
    rep.resp = &r;
    assert_int_equal(st.exec(st.ctx, &op2, &rep), LK_OK); /* still usable */
    lk_redis_store_close(s);
}

/* Runs one command on 's' into 'r'; returns its reply as text. */
static const char *command_text(lk_redis_store *s, lk_reply *r, int argc, const char **argv, char *text, size_t cap) {
    lk_store st = lk_redis_store_iface(s);
    lk_store_op op = {.kind = LK_OP_COMMAND, .key = "", .argc = argc, .argv = argv};
    lk_store_reply rep;
    memset(&rep, 0, sizeof(rep));
    rep.resp = r;
    lk_rc rc = st.exec(st.ctx, &op, &rep);
    if (rc != LK_OK) fail_msg("%s: %s: %s", argv[0], lk_rc_name(rc), lk_redis_store_errmsg(s));
    return lk_reply_format(r, 0, text, cap);
}

/* The server's count of calls of 'cmd' ("eval", "evalsha") since CONFIG RESETSTAT. */
static long stat_calls(lk_redis_store *s, lk_reply *r, const char *cmd) {
    const char *info[] = {"INFO", "commandstats"};
    char text[4096], want[64];
    command_text(s, r, 2, info, text, sizeof(text));
    snprintf(want, sizeof(want), "cmdstat_%s:calls=", cmd);
    const char *at = strstr(text, want);
    return at ? strtol(at + strlen(want), NULL, 10) : 0;
}

/* An EVAL goes out as EVALSHA once its body is loaded, with EVAL's reply: again after SCRIPT FLUSH (reloaded); inside
 * MULTI and for a body that does not compile, as EVAL itself. */
static void test_redis_store_eval_as_evalsha(void **state) {
    store_fixture *f = fixture_ready(state);
    lk_redis_store *s = store_open(rb_redis_url(&f->redis), 0);
    lk_reply_node nodes[8];
    char bytes[4096], text[512];
    lk_reply r;
    lk_reply_init(&r, nodes, 8, bytes, sizeof(bytes));
    const char *reset[] = {"CONFIG", "RESETSTAT"}, *flush[] = {"SCRIPT", "FLUSH"}, *multi[] = {"MULTI"},
               *exec[] = {"EXEC"};
    const char *eval[] = {"EVAL", "return ARGV[1]", "0", "x"}, *bad[] = {"EVAL", "return (", "0"};
    assert_string_equal(command_text(s, &r, 2, reset, text, sizeof(text)), "OK");
    for (int i = 0; i < 2; i++)
        assert_string_equal(command_text(s, &r, 4, eval, text, sizeof(text)), "\"x\"");
    assert_int_equal(stat_calls(s, &r, "evalsha"), 2);
    assert_int_equal(stat_calls(s, &r, "eval"), 0);
    assert_string_equal(command_text(s, &r, 2, flush, text, sizeof(text)), "OK");
    assert_string_equal(command_text(s, &r, 4, eval, text, sizeof(text)), "\"x\""); /* NOSCRIPT, loaded again */
    assert_string_equal(command_text(s, &r, 1, multi, text, sizeof(text)), "OK");
    assert_string_equal(command_text(s, &r, 4, eval, text, sizeof(text)), "QUEUED");
    assert_string_equal(command_text(s, &r, 1, exec, text, sizeof(text)), "[\"x\"]");
    command_text(s, &r, 3, bad, text, sizeof(text));
    assert_non_null(strstr(text, "(error) ERR Error compiling script (new function): user_script:1:"));
    assert_int_equal(stat_calls(s, &r, "eval"), 2);    /* the one in MULTI and the one that does not compile */
    assert_int_equal(stat_calls(s, &r, "evalsha"), 4); /* one answered NOSCRIPT */
    lk_redis_store_close(s);
}

/* A list where a string is expected: WRONGTYPE is LK_ESTORE_PROTO, outcome NONE, and the connection stays usable. */
static void test_redis_store_wrong_type_is_proto(void **state) {
    store_fixture *f = fixture_ready(state);
    lk_redis_store *s = store_open(rb_redis_url(&f->redis), 0);
    char reply[128];
    const char *rpush[] = {"RPUSH", "w:list", "x"};
    assert_int_equal(lk_redis_store_command(s, 3, rpush, reply, sizeof(reply)), LK_OK);
    assert_string_equal(reply, "1");
    const struct {
        lk_store_op op;
    } ops[] = {
        {{.kind = LK_OP_GET, .key = "w:list"}},
        {{.kind = LK_OP_ACQUIRE, .key = "w:list", .aux_key = "w:list:fence", .value = "tok", .ttl_ms = 1000}},
        {{.kind = LK_OP_RELEASE, .key = "w:list", .value = "tok"}},
    };
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        lk_store_reply r;
        lk_rc rc = store_exec(s, &ops[i].op, &r);
        if (rc != LK_ESTORE_PROTO)
            fail_msg("%s on a list: %s (want LK_ESTORE_PROTO): %s", lk_op_label(ops[i].op.kind), lk_rc_name(rc),
                     lk_redis_store_errmsg(s));
        assert_int_equal(r.outcome, LK_NONE);
        assert_int_equal(r.num, 0);
        if (strstr(lk_redis_store_errmsg(s), "WRONGTYPE") == NULL)
            fail_msg("%s: the message does not say WRONGTYPE: %s", lk_op_label(ops[i].op.kind),
                     lk_redis_store_errmsg(s));
    }
    store_set(s, "w:str", "fine"); /* same connection, still in sync */
    store_get_expect(s, "w:str", "fine");
    const char *unknown[] = {"NO-SUCH-COMMAND"};
    assert_int_equal(lk_redis_store_command(s, 1, unknown, reply, sizeof(reply)), LK_ESTORE_PROTO);
    assert_non_null(strstr(reply, "unknown command"));
    store_get_expect(s, "w:str", "fine");
    lk_redis_store_close(s);
}

/* ---- timeouts -------------------------------------------------------------------------------------------------- */

/* CLIENT PAUSE 1500 stalls the server; a 200 ms command timeout makes the GET LK_ESTORE_MAYBE within about 200 ms.
 * After the pause the late reply ("A") must not be taken as the next GET's answer ("B"). */
static void test_redis_store_timeout_is_maybe_and_resyncs(void **state) {
    store_fixture *f = fixture_ready(state);
    lk_redis_store *s = store_open(rb_redis_url(&f->redis), 200);
    store_set(s, "t:a", "A");
    store_set(s, "t:b", "B");
    char reply[128];
    const char *pause[] = {"CLIENT", "PAUSE", "1500"};
    assert_int_equal(rb_redis_admin(&f->redis, 0, reply, sizeof(reply), 3, pause), 0);
    int64_t t0 = now_ms();
    lk_store_op get_a = {.kind = LK_OP_GET, .key = "t:a"};
    lk_store_reply r;
    lk_rc rc = store_exec(s, &get_a, &r);
    int64_t waited_ms = now_ms() - t0;
    if (rc != LK_ESTORE_MAYBE) fail_msg("GET during CLIENT PAUSE: %s (want LK_ESTORE_MAYBE)", lk_rc_name(rc));
    assert_int_equal(r.outcome, LK_NONE);
    assert_string_equal(r.value, "");
    if (waited_ms < 150 || waited_ms > 1000) fail_msg("the 200 ms timeout fired after %lld ms", (long long)waited_ms);
    sleep_ms(1700 - (now_ms() - t0)); /* the pause is over; the late "A" has been written to the old connection */
    store_get_expect(s, "t:b", "B");
    store_get_expect(s, "t:a", "A");
    lk_redis_store_close(s);
}

/* ---- crash and restart ----------------------------------------------------------------------------------------- */

/* Opens a store on a --requirepass server, db 3. */
static lk_redis_store *store_open_auth(const rb_redis *r, int64_t command_timeout_ms) {
    char url[160];
    snprintf(url, sizeof(url), "redis://:%s@127.0.0.1:%d/3", PASSWORD, r->port);
    return store_open(url, command_timeout_ms);
}

/* 'key' in db 'db' as the fixture's connection sees it ("(nil)" if absent). */
static void admin_get_expect(rb_redis *r, int db, const char *key, const char *want) {
    char reply[128];
    const char *get[] = {"GET", key};
    assert_int_equal(rb_redis_admin(r, db, reply, sizeof(reply), 2, get), 0);
    assert_string_equal(reply, want);
}

static void test_redis_store_auth_select_and_reconnect(void **state) {
    store_fixture *shared = *state;
    if (shared->skip) skip();
    rb_redis r;
    char err[768];
    rb_redis_opts o = {.password = PASSWORD};
    if (rb_redis_start(&r, &o, err, sizeof(err)) != 0) fail_msg("%s", err);
    /* a wrong password is refused, and neither password is shown */
    char url[160], oerr[256] = "";
    snprintf(url, sizeof(url), "redis://:wrong-Pw@127.0.0.1:%d/3", r.port);
    lk_redis_store *bad = NULL;
    assert_int_equal(lk_redis_store_open(url, NULL, &bad, oerr, sizeof(oerr)), LK_ESTORE_DOWN);
    assert_null(bad);
    assert_null(strstr(oerr, "wrong-Pw"));
    assert_null(strstr(oerr, PASSWORD));
    /* AUTH and SELECT 3 applied: the key lands in db 3 only */
    lk_redis_store *s = store_open_auth(&r, 500);
    store_set(s, "r:k", "v1");
    admin_get_expect(&r, 3, "r:k", "v1");
    admin_get_expect(&r, 0, "r:k", "(nil)");
    lk_store_op acq = {
        .kind = LK_OP_ACQUIRE, .key = "r:lock", .aux_key = "r:lock:fence", .value = "tok", .ttl_ms = 5000};
    assert_int_equal(store_expect(s, &acq, LK_ACQUIRED), 1);
    /* crash: the next op is not applied or maybe applied, and says so without the password */
    rb_redis_kill(&r);
    lk_store_op get = {.kind = LK_OP_GET, .key = "r:k"};
    lk_store_reply reply;
    lk_rc rc = store_exec(s, &get, &reply);
    if (rc != LK_ESTORE_DOWN && rc != LK_ESTORE_MAYBE) fail_msg("GET on a killed server: %s", lk_rc_name(rc));
    assert_int_equal(reply.outcome, LK_NONE);
    assert_null(strstr(lk_redis_store_errmsg(s), PASSWORD));
    rc = store_exec(s, &get, &reply); /* still down: the reconnect is refused */
    assert_int_equal(rc, LK_ESTORE_DOWN);
    assert_null(strstr(lk_redis_store_errmsg(s), PASSWORD));
    /* restart (empty): the next op reconnects with AUTH and SELECT 3; the scripts are reloaded after NOSCRIPT */
    if (rb_redis_restart(&r, err, sizeof(err)) != 0) fail_msg("restart: %s", err);
    store_set(s, "r:k2", "v2");
    admin_get_expect(&r, 3, "r:k2", "v2");
    admin_get_expect(&r, 0, "r:k2", "(nil)");
    admin_get_expect(&r, 3, "r:k", "(nil)");
    assert_int_equal(store_expect(s, &acq, LK_ACQUIRED), 1);
    lk_store_op rel = {.kind = LK_OP_RELEASE, .key = "r:lock", .value = "tok"};
    store_expect(s, &rel, LK_RELEASED);
    lk_redis_store_close(s);
    rb_redis_stop(&r);
}

/* ---- the lock core on Redis ------------------------------------------------------------------------------------ */

/* A store and a POSIX env on it. */
typedef struct lock_env {
    lk_redis_store *store; /* owned */
    lk_posix_env pe;       /* on 'store' */
} lock_env;

static void lock_env_open(lock_env *le, const rb_redis *r, int64_t command_timeout_ms) {
    le->store = store_open(rb_redis_url(r), command_timeout_ms);
    assert_int_equal(lk_posix_env_init(&le->pe, lk_redis_store_iface(le->store)), LK_OK);
}

static void lock_env_close(lock_env *le) {
    lk_posix_env_fini(&le->pe);
    lk_redis_store_close(le->store);
}

static void mutex_open(lk_mutex *m, lock_env *le, const char *key, int64_t ttl_ms) {
    lk_mutex_opts opts = {.ttl_ms = ttl_ms, .drift_margin_ms = -1};
    assert_int_equal(lk_mutex_init(m, &le->pe.env, key, &opts), LK_OK);
}

static void try_acquire_expect(lk_mutex *m, lk_outcome want) {
    lk_outcome out = LK_NONE;
    lk_rc rc = lk_mutex_try_acquire(m, &out);
    if (rc != LK_OK) fail_msg("try_acquire %s: %s: %s", m->key, lk_rc_name(rc), lk_mutex_errmsg(m));
    assert_string_equal(lk_outcome_label(out), lk_outcome_label(want));
}

static void release_expect(lk_mutex *m, lk_outcome want) {
    lk_outcome out = LK_NONE;
    lk_rc rc = lk_mutex_release(m, &out);
    if (rc != LK_OK) fail_msg("release %s: %s: %s", m->key, lk_rc_name(rc), lk_mutex_errmsg(m));
    assert_string_equal(lk_outcome_label(out), lk_outcome_label(want));
    assert_false(m->held);
}

static void extend_expect(lk_mutex *m, int64_t ttl_ms, lk_outcome want) {
    lk_outcome out = LK_NONE;
    lk_rc rc = lk_mutex_extend(m, ttl_ms, &out);
    if (rc != LK_OK) fail_msg("extend %s: %s: %s", m->key, lk_rc_name(rc), lk_mutex_errmsg(m));
    assert_string_equal(lk_outcome_label(out), lk_outcome_label(want));
}

static int64_t lock_pttl(lock_env *le, const char *key) {
    lk_store_op op = {.kind = LK_OP_PTTL, .key = key};
    return store_expect(le->store, &op, LK_COUNT);
}

/* ACQUIRED, LOCKED, EXTENDED (the TTL really grows), RELEASED, and the fence growing with every grant. */
static void test_redis_store_mutex_acquire_extend_release(void **state) {
    store_fixture *f = fixture_ready(state);
    lock_env le;
    lock_env_open(&le, &f->redis, 0);
    lk_mutex a, b;
    mutex_open(&a, &le, "m:basic", 1000);
    mutex_open(&b, &le, "m:basic", 1000);
    try_acquire_expect(&a, LK_ACQUIRED);
    assert_int_equal(lk_mutex_fence(&a), 1);
    assert_true(lk_mutex_holds(&a));
    try_acquire_expect(&b, LK_LOCKED);
    assert_false(b.held);
    int64_t before = lock_pttl(&le, "m:basic");
    assert_true(before > 0 && before <= 1000);
    extend_expect(&a, 10000, LK_EXTENDED);
    assert_true(lock_pttl(&le, "m:basic") > 9000);
    release_expect(&a, LK_RELEASED);
    assert_int_equal(lock_pttl(&le, "m:basic"), -2);
    try_acquire_expect(&b, LK_ACQUIRED);
    assert_int_equal(lk_mutex_fence(&b), 2);
    release_expect(&b, LK_RELEASED);
    assert_int_equal(lk_metric_total(&le.pe.metrics, LK_METRIC_ATTEMPT_ACQUIRED), 2);
    assert_int_equal(lk_metric_total(&le.pe.metrics, LK_METRIC_ATTEMPT_BUSY), 1);
    assert_int_equal(lk_metric_total(&le.pe.metrics, LK_METRIC_RELEASE_RELEASED), 2);
    assert_int_equal(lk_metric_total(&le.pe.metrics, LK_METRIC_EXTEND_EXTENDED), 1);
    lk_mutex_fini(&a);
    lk_mutex_fini(&b);
    lock_env_close(&le);
}

/* A lease that ran out: release and extend find ABSENT (nobody took it) or NOT_OWNER (a successor holds it), and
 * the successor's lock survives both. */
static void test_redis_store_mutex_lost_lease(void **state) {
    store_fixture *f = fixture_ready(state);
    lock_env le;
    lock_env_open(&le, &f->redis, 0);
    lk_mutex a, b;
    mutex_open(&a, &le, "m:lost", 100);
    mutex_open(&b, &le, "m:lost", 5000);
    try_acquire_expect(&a, LK_ACQUIRED);
    sleep_ms(250);
    assert_false(lk_mutex_holds(&a));
    release_expect(&a, LK_ABSENT);
    try_acquire_expect(&a, LK_ACQUIRED);
    sleep_ms(250);
    extend_expect(&a, 1000, LK_ABSENT);
    assert_false(a.held);
    try_acquire_expect(&a, LK_ACQUIRED);
    sleep_ms(250);
    try_acquire_expect(&b, LK_ACQUIRED); /* the successor */
    extend_expect(&a, 1000, LK_NOT_OWNER);
    assert_false(a.held);
    try_acquire_expect(&a, LK_LOCKED);
    assert_true(b.held);
    lk_mutex c;
    mutex_open(&c, &le, "m:lost", 100);
    try_acquire_expect(&c, LK_LOCKED);
    release_expect(&b, LK_RELEASED);
    try_acquire_expect(&c, LK_ACQUIRED);
    sleep_ms(250);
    try_acquire_expect(&b, LK_ACQUIRED);
    release_expect(&c, LK_NOT_OWNER);
    assert_true(lock_pttl(&le, "m:lost") > 1000); /* b's lock untouched */
    release_expect(&b, LK_RELEASED);
    assert_true(lk_metric_total(&le.pe.metrics, LK_METRIC_RELEASE_ABSENT) == 1);
    assert_true(lk_metric_total(&le.pe.metrics, LK_METRIC_RELEASE_NOT_OWNER) == 1);
    assert_true(lk_metric_total(&le.pe.metrics, LK_METRIC_EXTEND_LOST) == 2);
    lk_mutex_fini(&a);
    lk_mutex_fini(&b);
    lk_mutex_fini(&c);
    lock_env_close(&le);
}

/* A blocking acquire waits out a 300 ms holder, and one with a short deadline times out. */
static void test_redis_store_mutex_blocking_acquire(void **state) {
    store_fixture *f = fixture_ready(state);
    lock_env le;
    lock_env_open(&le, &f->redis, 0);
    lk_mutex a, b;
    mutex_open(&a, &le, "m:block", 300);
    mutex_open(&b, &le, "m:block", 5000);
    try_acquire_expect(&a, LK_ACQUIRED);
    int64_t t0 = now_ms();
    lk_outcome out = LK_NONE;
    lk_rc rc = lk_mutex_acquire(&b, lk_env_mono_ns(&le.pe.env) + INT64_C(3000) * 1000000, &out);
    if (rc != LK_OK) fail_msg("blocking acquire: %s: %s", lk_rc_name(rc), lk_mutex_errmsg(&b));
    assert_int_equal(out, LK_ACQUIRED);
    int64_t waited_ms = now_ms() - t0;
    if (waited_ms < 200 || waited_ms > 2000) fail_msg("acquired after %lld ms (holder TTL 300)", (long long)waited_ms);
    assert_int_equal(lk_mutex_fence(&b), 2);
    release_expect(&a, LK_NOT_OWNER); /* a's lease ran out; b holds the key now */
    t0 = now_ms();
    rc = lk_mutex_acquire(&a, lk_env_mono_ns(&le.pe.env) + INT64_C(300) * 1000000, &out);
    assert_int_equal(rc, LK_ETIMEDOUT);
    waited_ms = now_ms() - t0;
    assert_true(waited_ms >= 250 && waited_ms < 2000);
    assert_false(a.held);
    release_expect(&b, LK_RELEASED);
    lk_mutex_fini(&a);
    lk_mutex_fini(&b);
    lock_env_close(&le);
}

/* The fixture's connection runs DEBUG SLEEP in a thread, so the server stalls while the main thread sends. */
typedef struct sleeper {
    rb_redis *redis; /* the server */
    int rc;          /* rb_redis_admin's result */
} sleeper;

static void *sleeper_main(void *arg) {
    sleeper *sl = arg;
    const char *argv[] = {"DEBUG", "SLEEP", "0.6"};
    sl->rc = rb_redis_admin(sl->redis, 0, NULL, 0, 3, argv);
    return NULL;
}

/* An acquire that times out while the server is stalled is LK_ESTORE_MAYBE and leaves the mutex maybe-held; the
 * server then runs it, so the retry, with the same token, is ALREADY_MINE with the fence of that grant. */
static void test_redis_store_mutex_already_mine_after_timeout(void **state) {
    store_fixture *f = fixture_ready(state);
    lock_env le;
    lock_env_open(&le, &f->redis, 200);
    lk_mutex warm, m;
    mutex_open(&warm, &le, "m:warm", 5000);
    try_acquire_expect(&warm, LK_ACQUIRED); /* loads the acquire script, so the stalled op is the EVALSHA itself */
    mutex_open(&m, &le, "m:amb", 5000);
    sleeper sl = {.redis = &f->redis, .rc = -1};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, sleeper_main, &sl), 0);
    sleep_ms(100); /* DEBUG SLEEP has reached the server */
    lk_outcome out = LK_NONE;
    lk_rc rc = lk_mutex_try_acquire(&m, &out);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(sl.rc, 0);
    if (rc != LK_ESTORE_MAYBE) fail_msg("try_acquire on a stalled server: %s (want LK_ESTORE_MAYBE)", lk_rc_name(rc));
    assert_true(m.maybe_held);
    assert_false(m.held);
    char token[LK_TOKEN_HEX];
    memcpy(token, m.token, sizeof(token));
    try_acquire_expect(&m, LK_ALREADY_MINE);
    assert_string_equal(m.token, token);
    assert_int_equal(lk_mutex_fence(&m), 1);
    assert_true(m.held);
    assert_int_equal(lk_metric_total(&le.pe.metrics, LK_METRIC_ATTEMPT_ALREADY_MINE), 1);
    assert_int_equal(lk_metric_total(&le.pe.metrics, LK_METRIC_ATTEMPT_ERROR), 1);
    release_expect(&m, LK_RELEASED);
    release_expect(&warm, LK_RELEASED);
    lk_mutex_fini(&warm);
    lk_mutex_fini(&m);
    lock_env_close(&le);
}

/* ---- main ------------------------------------------------------------------------------------------------------ */

/* A blocking command sent without waiting: nothing to receive while it blocks, its reply once another client
 * pushes, and the connection usable afterwards; SUBSCRIBE and reads are refused (one connection per process). */
static void test_redis_store_send_receive_blocking(void **state) {
    store_fixture *f = fixture_ready(state);
    lk_redis_store *waiter = store_open(rb_redis_url(&f->redis), 0), *pusher = store_open(rb_redis_url(&f->redis), 0);
    lk_reply_node nodes[8];
    char bytes[256], text[256];
    lk_reply r;
    lk_reply_init(&r, nodes, 8, bytes, sizeof(bytes));
    const char *blpop[] = {"BLPOP", "b:q", "0"};
    assert_int_equal(lk_redis_store_send(waiter, 3, blpop, NULL), LK_OK);
    assert_int_equal(lk_redis_store_receive(waiter, &r, 50), LK_ETIMEDOUT); /* it blocks */
    const char *push[] = {"RPUSH", "b:q", "x"};
    assert_int_equal(lk_redis_store_command(pusher, 3, push, text, sizeof(text)), LK_OK);
    assert_int_equal(lk_redis_store_receive(waiter, &r, 2000), LK_OK);
    assert_string_equal(lk_reply_format(&r, 0, text, sizeof(text)), "[\"b:q\", \"x\"]");
    const char *ping[] = {"PING"};
    assert_int_equal(lk_redis_store_command(waiter, 1, ping, text, sizeof(text)), LK_OK); /* still in step */
    assert_string_equal(text, "PONG");
    lk_store st = lk_redis_store_iface(waiter);
    const char *sub[] = {"SUBSCRIBE", "b:c"};
    lk_store_op op = {.kind = LK_OP_COMMAND, .key = "", .argc = 2, .argv = sub};
    lk_store_reply reply = {.resp = &r};
    assert_int_equal(st.exec(st.ctx, &op, &reply), LK_EMISUSE);
    lk_store_op read = {.kind = LK_OP_READ, .key = "", .ttl_ms = 10};
    assert_int_equal(st.exec(st.ctx, &read, &reply), LK_EMISUSE);
    lk_redis_store_close(waiter);
    lk_redis_store_close(pusher);
}

static int group_setup(void **state) {
    return redis_test_server_setup(state, "test_redis_store", NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redis_store_url_parse_good),
        cmocka_unit_test(test_redis_store_url_parse_bad),
        cmocka_unit_test(test_redis_store_connect_refused),
        cmocka_unit_test(test_redis_store_primitives),
        cmocka_unit_test(test_redis_store_wrong_type_is_proto),
        cmocka_unit_test(test_redis_store_commands),
        cmocka_unit_test(test_redis_store_eval_as_evalsha),
        cmocka_unit_test(test_redis_store_send_receive_blocking),
        cmocka_unit_test(test_redis_store_timeout_is_maybe_and_resyncs),
        cmocka_unit_test(test_redis_store_auth_select_and_reconnect),
        cmocka_unit_test(test_redis_store_mutex_acquire_extend_release),
        cmocka_unit_test(test_redis_store_mutex_lost_lease),
        cmocka_unit_test(test_redis_store_mutex_blocking_acquire),
        cmocka_unit_test(test_redis_store_mutex_already_mine_after_timeout),
    };
    return cmocka_run_group_tests(tests, group_setup, redis_test_server_teardown);
}
