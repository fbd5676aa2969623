/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sim_schema.c: proves the lease oracle of scripted locks (sim/oracles/sim_oracle_schema.c, declared with
 * sim_lease_schema): an exclusive holder set beside a live shared one is a violation; a live lease deleted,
 * overwritten or cut short by a client that does not carry its token is one; the holder's own release (a script
 * sending its token while "token:fence" is stored, or a MULTI/EXEC that sends none), a handoff inside its release,
 * and a lease that ran out by the server's clock are not. In every interleaving (the search over states).
 *
 * How: an inline scenario, "schema", whose two clients send raw commands on the keys "s:{x}:w" (exclusive) and
 * "s:{x}:r" (shared); each variant is one protocol, the first three broken, the last three sound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/lk_reply.h"
#include "sim/explore/sim_config.h"
#include "sim/explore/sim_explore.h"
#include "sim/run/sim_verdict.h"
#include "sim_test_modes.h"

#define MS INT64_C(1000000)

enum {
    V_WRITER_BESIDE_READER,
    V_FOREIGN_DEL,
    V_FOREIGN_SET,
    V_FOREIGN_PEXPIRE,
    V_OWN_RELEASE,
    V_HANDOFF,
    V_EXPIRED,
    V_FENCED_OWN,
    V_OWN_TRANSACTION
};

static void cmd(sim_thread *self, int argc, const char **argv) {
    lk_reply_node nodes[4];
    char bytes[128];
    lk_reply r;
    lk_reply_init(&r, nodes, 4, bytes, sizeof(bytes));
    lk_env_command(sim_env(self), &r, argc, argv, NULL);
}

static const char READ_LUA[] = "local t = redis.call('TIME') "
                               "redis.call('ZADD', KEYS[1], t[1] * 1000 + math.floor(t[2] / 1000) + 1000, ARGV[1]) "
                               "return 1";
static const char RELEASE_LUA[] = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end "
                                  "return 0";
static const char FENCED_RELEASE_LUA[] = "local v = redis.call('GET', KEYS[1]) "
                                         "if v and string.find(v, ARGV[1] .. ':', 1, true) == 1 then "
                                         "return redis.call('DEL', KEYS[1]) end return 0";
static const char HANDOFF_LUA[] = "if redis.call('GET', KEYS[1]) == ARGV[1] then "
                                  "redis.call('SET', KEYS[1], ARGV[2], 'PX', 1000) return 1 end return 0";

static void first(sim_thread *self, void *arg) {
    (void)arg;
    int v = sim_variant(sim_thread_run(self));
    if (v == V_WRITER_BESIDE_READER) {
        const char *read[] = {"EVAL", READ_LUA, "1", "s:{x}:r", "tok1"};
        cmd(self, 5, read);
        return;
    }
    const char *set[] = {"SET", "s:{x}:w", v == V_FENCED_OWN ? "tok1:7" : "tok1", "PX", v == V_EXPIRED ? "50" : "1000"};
    cmd(self, 5, set);
    lk_env_sleep_ns(sim_env(self), 20 * MS);
    if (v == V_FENCED_OWN) { /* "token:fence" stored, the token alone sent */
        const char *rel[] = {"EVAL", FENCED_RELEASE_LUA, "1", "s:{x}:w", "tok1"};
        cmd(self, 5, rel);
    } else if (v == V_OWN_TRANSACTION) { /* no token sent at all: the thread that took it ends it */
        const char *multi[] = {"MULTI"}, *del[] = {"DEL", "s:{x}:w"}, *exec[] = {"EXEC"};
        cmd(self, 1, multi);
        cmd(self, 2, del);
        cmd(self, 1, exec);
    } else if (v == V_OWN_RELEASE) {
        const char *rel[] = {"EVAL", RELEASE_LUA, "1", "s:{x}:w", "tok1"};
        cmd(self, 5, rel);
    } else if (v == V_HANDOFF) {
        const char *hand[] = {"EVAL", HANDOFF_LUA, "1", "s:{x}:w", "tok1", "tok2"};
        cmd(self, 6, hand);
    }
}

static void second(sim_thread *self, void *arg) {
    (void)arg;
    int v = sim_variant(sim_thread_run(self));
    if (v == V_WRITER_BESIDE_READER || v == V_FOREIGN_SET || v == V_EXPIRED) {
        const char *set[] = {"SET", "s:{x}:w", "tok2", "PX", "1000"};
        cmd(self, 5, set);
    } else if (v == V_FOREIGN_PEXPIRE) {
        const char *cut[] = {"PEXPIRE", "s:{x}:w", "1"};
        cmd(self, 3, cut);
    } else if (v == V_FOREIGN_DEL) {
        const char *del[] = {"DEL", "s:{x}:w"};
        cmd(self, 2, del);
    } else {
        const char *get[] = {"GET", "s:{x}:w"};
        cmd(self, 2, get);
    }
}

static int schema_setup(sim_run *run) {
    if (sim_lease_schema(run, "s:{x}:w", "s:{x}:r") != 0) return -1;
    int p1 = sim_process_new(run, "c1"), p2 = sim_process_new(run, "c2");
    int64_t late = sim_variant(run) == V_EXPIRED ? 100 * MS : 5 * MS; /* after the 50 ms lease, or within any */
    if (p1 < 0 || p2 < 0 || sim_thread_new(run, p1, "c1", 0, first, NULL) < 0 ||
        sim_thread_new(run, p2, "c2", late, second, NULL) < 0)
        return -1;
    return 0;
}

static const sim_variant_def schema_variants[] = {
    {"core", "a writer SETs the exclusive key beside a live reader"}, /* the first variant must be named core */
    {"mutant:foreign_del", "another client DELs a live exclusive lease"},
    {"mutant:foreign_set", "another client overwrites a live exclusive lease"},
    {"mutant:foreign_pexpire", "another client cuts a live exclusive lease short"},
    {"mutant:own_release", "the holder compare-and-deletes its own lease"},
    {"mutant:handoff", "the holder hands its lease over inside its own script"},
    {"mutant:expired", "another client SETs the key after the lease ran out"},
    {"mutant:fenced_own", "the holder stores token:fence and releases with its token"},
    {"mutant:own_transaction", "the holder deletes its lease in MULTI/EXEC, sending no token"},
};
static const sim_scenario schema_scenario = {
    .name = "schema",
    .description = "raw commands on a declared lease schema",
    .variants = schema_variants,
    .variant_count = sizeof(schema_variants) / sizeof(schema_variants[0]),
    .setup = schema_setup,
};

/* Variant 'v' searched to the end: 1 if scripted_lease fired on some path, with its message in 'msg'. */
static int fires(int v, char *msg, size_t cap) {
    sim_config cfg;
    config_with(&cfg, &schema_scenario, v, "advances_max=0");
    mode_result m;
    run_mode(&cfg, SIM_REDUCE_HASH, -1, 100000, &m);
    free(m.outcome);
    snprintf(msg, cap, "%s", m.res.violations ? m.res.first.msg : "");
    for (int k = 0; k < m.res.violated_count; k++)
        if (strcmp(m.res.violated[k], "scripted_lease") == 0) return 1;
    if (m.res.violations) fail_msg("variant %d: another oracle fired: %s: %s", v, m.res.first.oracle, m.res.first.msg);
    return 0;
}

static void test_schema_breaks_found(void **state) {
    (void)state;
    char msg[256];
#ifdef RACEBED_HAVE_LUA /* the reader's entry is a script's */
    assert_true(fires(V_WRITER_BESIDE_READER, msg, sizeof(msg)));
    assert_non_null(strstr(msg, "shared holder(s) of s:{x}:r are live"));
#endif
    assert_true(fires(V_FOREIGN_DEL, msg, sizeof(msg)));
    assert_non_null(strstr(msg, "ended tok1's live lease on s:{x}:w without carrying its token"));
    assert_true(fires(V_FOREIGN_SET, msg, sizeof(msg)));
    assert_non_null(strstr(msg, "replaced tok1"));
    assert_true(fires(V_FOREIGN_PEXPIRE, msg, sizeof(msg)));
    assert_non_null(strstr(msg, "changed the deadline of tok1"));
}

static void test_schema_sound_protocols_pass(void **state) {
    (void)state;
    char msg[256];
#ifdef RACEBED_HAVE_LUA /* a compare-and-delete and a handoff are scripts */
    assert_false(fires(V_OWN_RELEASE, msg, sizeof(msg)));
    assert_false(fires(V_HANDOFF, msg, sizeof(msg)));
#endif
    assert_false(fires(V_EXPIRED, msg, sizeof(msg)));
    assert_false(fires(V_OWN_TRANSACTION, msg, sizeof(msg)));
#ifdef RACEBED_HAVE_LUA
    assert_false(fires(V_FENCED_OWN, msg, sizeof(msg)));
#endif
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_breaks_found),
        cmocka_unit_test(test_schema_sound_protocols_pass),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
