/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_commands.c: libFuzzer target for the model Redis's command layer (sim/model/sim_redis.h).
 *
 * The input is a list of commands, one per line; a line's words are split on spaces (bytes are taken as they are:
 * NULs, any case, any length); a first byte '!' sends the line on the second of two connections (transactions and
 * WATCH need two), and a first byte that is a digit moves the server clock by that many hundred ms forward (1-5) or
 * back (6-9) before the command. Each command runs on two key spaces fed the same input: the
 * replies and the final key spaces must be identical byte for byte (no nondeterminism, no uninitialized memory),
 * every reply must be one complete tree, and the key space's invariants (sim_ks_check) must hold after every
 * command, LK_ELIMIT included. ASan and UBSan catch the rest.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/model/sim_redis.h"

enum { FUZZ_ARGS = 64, FUZZ_NODES = 2048, FUZZ_BYTES = 1 << 17 };

static lk_reply_node fuzz_nodes[2][FUZZ_NODES];
static char fuzz_bytes[2][FUZZ_BYTES];

static void fuzz_fail(const char *what) {
    fprintf(stderr, "fuzz_commands: %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static sim_keyspace *ks[2];
    static sim_redis_client cl[2][2];
    if (ks[0] == NULL &&
        ((ks[0] = malloc(sizeof(sim_keyspace))) == NULL || (ks[1] = malloc(sizeof(sim_keyspace))) == NULL))
        return 0;
    sim_ks_init(ks[0]);
    sim_ks_init(ks[1]);
    for (int k = 0; k < 2; k++)
        for (int c = 0; c < 2; c++)
            sim_redis_client_init(&cl[k][c], (uint32_t)c);
    lk_wall_ms now_ms = 1700000000000;
    for (size_t at = 0; at < size;) {
        const uint8_t *nl = memchr(data + at, '\n', size - at);
        size_t end = nl ? (size_t)(nl - data) : size;
        const char *argv[FUZZ_ARGS];
        size_t len[FUZZ_ARGS];
        int argc = 0;
        size_t p = at;
        int who = p < end && data[p] == '!';
        p += (size_t)who;
        if (p < end && data[p] >= '1' && data[p] <= '9') {
            now_ms += data[p] <= '5' ? (data[p] - '0') * 100 : -(data[p] - '5') * 100;
            p++;
        }
        while (p < end && argc < FUZZ_ARGS) {
            size_t q = p;
            while (q < end && data[q] != ' ')
                q++;
            argv[argc] = (const char *)data + p;
            len[argc++] = q - p;
            p = q + 1;
        }
        at = end + 1;
        if (argc == 0) continue;
        lk_reply r[2];
        lk_rc rc[2];
        for (int k = 0; k < 2; k++) {
            lk_reply_init(&r[k], fuzz_nodes[k], FUZZ_NODES, fuzz_bytes[k], FUZZ_BYTES);
            rc[k] = sim_redis_exec_client(ks[k], &cl[k][who], now_ms, argc, argv, len, &r[k]);
        }
        const char *broken = sim_ks_check(ks[0]); /* the second run is compared byte for byte at the end */
        if (broken) fuzz_fail(broken);
        if (rc[0] != rc[1]) fuzz_fail("two runs returned different codes");
        if (rc[0] != LK_OK && rc[0] != LK_ELIMIT) fuzz_fail("unexpected return code");
        if (!lk_reply_ok(&r[0])) fuzz_fail("an incomplete reply");
        if (!lk_reply_equal(&r[0], 0, &r[1], 0)) fuzz_fail("two runs replied differently");
        if (rc[0] == LK_ELIMIT) break; /* the key space may hold part of the command: stop using it */
    }
    if (memcmp(ks[0], ks[1], SIM_KS_STATE_BYTES) != 0) fuzz_fail("two runs ended in different key spaces");
    if (memcmp(cl[0], cl[1], sizeof(cl[0])) != 0) fuzz_fail("two runs ended in different connection states");
    return 0;
}
