/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_commands.c: libFuzzer target for the model Redis's command layer (sim/model/sim_redis.h).
 *
 * The input is a list of commands, one per line; a line's words are split on spaces (bytes are taken as they are:
 * NULs, any case, any length); a first byte '!' sends the line on the second of two connections (transactions and
 * WATCH need two), and a first byte that is a digit moves the server clock by that many hundred ms forward (1-5) or
 * back (6-9) before the command. The whole input runs twice on one key space (emptied between, so the Lua scratch
 * is at the same address, as the run arena's is): the replies (hashed in order) and the final key space must be
 * identical byte for byte (no nondeterminism, no uninitialized memory), every reply must be one complete tree, and the
 * key space's invariants (sim_ks_check) must hold after every command, LK_ELIMIT included. The two connections are
 * driven as the simulator drives them: a command that blocked (BLPOP, BRPOP) gets its place among the blocked; after
 * every other command the blocked ones are served and what was published is delivered and read (those replies are
 * hashed too); a command for a connection still blocked first ends its wait, as its timeout would. ASan and UBSan
 * catch the rest.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/model/sim_redis.h"

enum { FUZZ_ARGS = 64, FUZZ_NODES = 2048, FUZZ_BYTES = 1 << 17 };

static lk_reply_node fuzz_nodes[FUZZ_NODES];
static char fuzz_bytes[FUZZ_BYTES];

static void fuzz_fail(const char *what) {
    fprintf(stderr, "fuzz_commands: %s\n", what);
    abort();
}

static uint64_t fuzz_hash(uint64_t h, const void *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        h = (h ^ ((const unsigned char *)p)[i]) * UINT64_C(1099511628211);
    return h;
}

typedef struct fuzz_served {
    lk_reply *reply[2]; /* each connection's buffer for a serving */
    uint64_t h;         /* the hash the served replies go into */
} fuzz_served;

static lk_reply *fuzz_reply_of(void *arg, int i) {
    return ((fuzz_served *)arg)->reply[i];
}

static void fuzz_served_one(void *arg, int i, lk_rc rc) {
    fuzz_served *f = arg;
    if (rc != LK_OK || !lk_reply_ok(f->reply[i])) fuzz_fail("a blocked connection was served a broken reply");
    f->h = fuzz_hash(f->h, &i, sizeof(i));
    f->h = fuzz_hash(f->h, f->reply[i]->node, sizeof(f->reply[i]->node[0]) * f->reply[i]->node_count);
}

/* After a command of connection 'who': its block gets a place, or the blocked are served; publications are
 * delivered and every connection's inbox is read. Returns the hash 'h' with what was served and read. */
static uint64_t fuzz_after(sim_keyspace *ks, sim_redis_client *cl, int who, lk_wall_ms now_ms, uint64_t h) {
    static lk_reply_node nodes[2][64];
    static char bytes[2][4096];
    lk_reply r[2];
    for (int i = 0; i < 2; i++)
        lk_reply_init(&r[i], nodes[i], 64, bytes[i], sizeof(bytes[i]));
    if ((cl[who].flags & SIM_CLIENT_BLOCKED) && cl[who].block_rank == 0) {
        sim_redis_block_order(cl, 2, who);
        return h;
    }
    fuzz_served f = {{&r[0], &r[1]}, h};
    sim_redis_waker w = {&f, fuzz_reply_of, fuzz_served_one};
    sim_redis_serve_blocked(ks, cl, 2, now_ms, &w);
    uint64_t got;
    if (sim_redis_deliver(ks, cl, 2, who, 1, &got) != LK_OK) return f.h; /* an inbox is full: a named limit */
    for (int i = 0; i < 2; i++)
        while (sim_redis_inbox_next(&cl[i]) >= 0) {
            if (sim_redis_inbox_take(&cl[i], &r[i]) != LK_OK) break; /* a record too large for the buffer: stays */
            f.h = fuzz_hash(f.h, r[i].node, sizeof(r[i].node[0]) * r[i].node_count);
        }
    return f.h;
}

/* Runs the input once on 'ks' and returns the hash of every reply and code, in order. */
static uint64_t fuzz_pass(sim_keyspace *ks, sim_redis_client *cl, const uint8_t *data, size_t size) {
    sim_ks_init(ks);
    sim_redis_client_init(&cl[0], 0);
    sim_redis_client_init(&cl[1], 1);
    lk_wall_ms now_ms = 1700000000000;
    uint64_t h = UINT64_C(14695981039346656037);
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
        lk_reply r;
        lk_reply_init(&r, fuzz_nodes, FUZZ_NODES, fuzz_bytes, FUZZ_BYTES);
        if (cl[who].flags & SIM_CLIENT_BLOCKED) sim_redis_unblock(cl, 2, who); /* its timeout, first */
        lk_rc rc = sim_redis_exec_client(ks, &cl[who], now_ms, argc, argv, len, &r);
        const char *broken = sim_ks_check(ks);
        if (broken) fuzz_fail(broken);
        if (rc != LK_OK && rc != LK_ELIMIT) fuzz_fail("unexpected return code");
        int blocked = rc == LK_OK && (cl[who].flags & SIM_CLIENT_BLOCKED) && r.node_count == 0;
        if (!blocked && !lk_reply_ok(&r)) fuzz_fail("an incomplete reply");
        if (rc == LK_OK) h = fuzz_after(ks, cl, who, now_ms, h);
        h = fuzz_hash(h, &rc, sizeof(rc));
        h = fuzz_hash(h, r.node, sizeof(r.node[0]) * r.node_count);
        h = fuzz_hash(h, r.bytes, r.bytes_len);
        if (rc == LK_ELIMIT) break; /* the key space may hold part of the command: stop using it */
    }
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static sim_keyspace *ks;
    static unsigned char *first;
    static sim_redis_client cl[2][2];
    if (ks == NULL && ((ks = malloc(sizeof(sim_keyspace))) == NULL || (first = malloc(SIM_KS_STATE_BYTES)) == NULL))
        return 0;
    uint64_t h1 = fuzz_pass(ks, cl[0], data, size);
    memcpy(first, ks, SIM_KS_STATE_BYTES);
    uint64_t h2 = fuzz_pass(ks, cl[1], data, size);
    if (h1 != h2) fuzz_fail("two runs replied differently");
    if (memcmp(first, ks, SIM_KS_STATE_BYTES) != 0) fuzz_fail("two runs ended in different key spaces");
    if (memcmp(cl[0], cl[1], sizeof(cl[0])) != 0) fuzz_fail("two runs ended in different connection states");
    return 0;
}
