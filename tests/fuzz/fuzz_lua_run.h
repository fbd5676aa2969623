/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_lua_run.h: what the Lua fuzz targets check of one script body (fuzz_lua.c takes raw bytes as the body,
 * fuzz_lua_grammar.c a script its generator wrote): the body runs as EVAL body 2 k1 k2 a b twice on one key space
 * (emptied between, so the Lua scratch sits at the same address, as the run arena's does), after a few keys of every
 * type were set. The two replies and the two key spaces must be identical byte for byte (a script's run is a
 * function of the script and the store: no pointer order, time or memory garbage may leak in), the reply must be one
 * complete tree, the invariants of the key space must hold, and a script may only end in a reply or a named model
 * limit. ASan and UBSan catch the rest; a script that loops is stopped by the instruction limit.
 */
#ifndef RACEBED_TESTS_FUZZ_FUZZ_LUA_RUN_H
#define RACEBED_TESTS_FUZZ_FUZZ_LUA_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/model/sim_redis.h"

static lk_reply_node fuzz_nodes[2][4096];
static char fuzz_bytes[2][1 << 17];

static void fuzz_fail(const char *what) {
    fprintf(stderr, "fuzz_lua: %s\n", what);
    abort();
}

/* Runs one command line on 'ks' into reply 'k''s buffers. */
static lk_rc fuzz_run(sim_keyspace *ks, int k, int argc, const char **argv, const size_t *len, lk_reply *r) {
    lk_reply_init(r, fuzz_nodes[k], 4096, fuzz_bytes[k], sizeof(fuzz_bytes[k]));
    return sim_redis_exec(ks, 1700000000000, argc, argv, len, r);
}

/* Runs 'body' ('size' bytes) as described above and aborts on any difference; returns the reply's code (and its
 * first node's type in '*type', for a target's counts). */
static lk_rc fuzz_lua_check(const char *body, size_t size, uint32_t *type) {
    static sim_keyspace *ks;
    static unsigned char *first;
    if (ks == NULL && ((ks = malloc(sizeof(sim_keyspace))) == NULL || (first = malloc(SIM_KS_STATE_BYTES)) == NULL))
        fuzz_fail("out of memory");
    static const char *const setup[][5] = {
        {"SET", "k1", "10"}, {"HSET", "k2", "f", "v"}, {"RPUSH", "l", "a"}, {"ZADD", "z", "1", "m"}};
    lk_reply r[2];
    lk_rc rc[2];
    for (int k = 0; k < 2; k++) {
        sim_ks_init(ks);
        for (size_t i = 0; i < sizeof(setup) / sizeof(setup[0]); i++) {
            int argc = 0;
            size_t len[5];
            while (argc < 5 && setup[i][argc]) {
                len[argc] = strlen(setup[i][argc]);
                argc++;
            }
            fuzz_run(ks, k, argc, (const char **)setup[i], len, &r[k]);
        }
        const char *argv[] = {"EVAL", body, "2", "k1", "k2", "a", "b"};
        size_t len[] = {4, size, 1, 2, 2, 1, 1};
        rc[k] = fuzz_run(ks, k, 7, argv, len, &r[k]);
        const char *broken = sim_ks_check(ks);
        if (broken) fuzz_fail(broken);
        if (k == 0) memcpy(first, ks, SIM_KS_STATE_BYTES);
    }
    if (rc[0] != rc[1]) fuzz_fail("two runs returned different codes");
    if (rc[0] != LK_OK && rc[0] != LK_ELIMIT) fuzz_fail("a script ended other than in a reply or a model limit");
    if (!lk_reply_ok(&r[0])) fuzz_fail("an incomplete reply");
    if (!lk_reply_equal(&r[0], 0, &r[1], 0)) fuzz_fail("two runs replied differently");
    if (memcmp(first, ks, SIM_KS_STATE_BYTES) != 0) fuzz_fail("two runs left different key spaces");
    if (type) *type = r[0].node_count > 0 ? r[0].node[0].type : LK_REPLY_TYPE_COUNT_;
    return rc[0];
}

#endif
