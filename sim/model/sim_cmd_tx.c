/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_cmd_tx.c: the model's transactions, as Redis 7.0's multi.c runs them: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
 *
 * A connection in MULTI queues its commands (sim_redis.c); EXEC runs the queue as one atomic step at EXEC's server
 * time and replies the array of their replies, unless a command was refused while queuing (EXECABORT) or a watched
 * key was touched or expired since the WATCH (a nil reply). Either way the transaction and every watch of the
 * connection end. The watches themselves are the key space's (sim_keyspace.h), so a change by any connection, the
 * watcher's own included, and a lazy expiry reach them.
 */
#include <assert.h>

#include "sim/model/sim_cmd.h"

void sim_redis_client_init(sim_redis_client *cl, uint32_t id) {
    memset(cl, 0, sizeof(*cl));
    cl->id = id;
}

void sim_redis_client_clear(sim_redis_client *cl, uint32_t id) {
    memset(cl->queue, 0, cl->queue_len);
    cl->id = id;
    cl->flags = 0;
    cl->queued = 0;
    cl->queue_len = 0;
    cl->block_rank = 0;
    cl->block_deadline_ms = 0;
    cl->late_until_ms = 0;
    cl->inbox_count = 0;
}

/* Ends the transaction (Redis's discardTransaction): the queue, MULTI and its errors, and the watches. */
void sim__tx_discard(sim_keyspace *ks, sim_redis_client *cl) {
    memset(cl->queue, 0, cl->queue_len);
    cl->queue_len = 0;
    cl->queued = 0;
    cl->flags &= ~(SIM_CLIENT_MULTI | SIM_CLIENT_DIRTY_EXEC);
    sim_ks_unwatch_all(ks, cl->id);
}

void sim_redis_client_reset(sim_keyspace *ks, sim_redis_client *cl) {
    assert(!(cl->flags & SIM_CLIENT_BLOCKED)); /* sim_redis_unblock first */
    if (cl->flags & SIM_CLIENT_MULTI) sim__tx_discard(ks, cl);
    sim_ks_unwatch_all(ks, cl->id);
    sim__pubsub_close(ks, cl);
}

/* 1 when the call has a connection; else replies an error (a model call without one cannot hold a transaction). */
static int tx_client(sim_cmd *c) {
    if (c->client != NULL) return 1;
    lk_reply_error(c->r, "ERR racebed model: %s needs a connection (sim_redis_exec_client)", c->row->name);
    return 0;
}

void sim__cmd_multi(sim_cmd *c) {
    if (!tx_client(c)) return;
    if (c->client->flags & SIM_CLIENT_MULTI) {
        lk_reply_error(c->r, "ERR MULTI calls can not be nested");
        return;
    }
    c->client->flags |= SIM_CLIENT_MULTI;
    lk_reply_status(c->r, "OK");
}

void sim__cmd_discard(sim_cmd *c) {
    if (!tx_client(c)) return;
    if (!(c->client->flags & SIM_CLIENT_MULTI)) {
        lk_reply_error(c->r, "ERR DISCARD without MULTI");
        return;
    }
    sim__tx_discard(c->ks, c->client);
    lk_reply_status(c->r, "OK");
}

/* Runs the queued commands in order, each appending its reply. */
static void tx_run_queue(sim_cmd *c) {
    sim_redis_client *cl = c->client;
    const char *argv[SIM_REDIS_QUEUE_BYTES / 4];
    size_t len[SIM_REDIS_QUEUE_BYTES / 4];
    const unsigned char *p = cl->queue;
    for (uint32_t k = 0; k < cl->queued && c->rc == LK_OK; k++) {
        const lk_command *row = lk_command_get((lk_command_id)sim__get32(p));
        int argc = (int)sim__get32(p + 4);
        p += 8;
        for (int i = 0; i < argc; i++) {
            len[i] = sim__get32(p);
            argv[i] = (const char *)p + 4;
            p += 4 + len[i];
        }
        c->run(c, row, argc, argv, len);
    }
}

void sim__cmd_exec(sim_cmd *c) {
    if (!tx_client(c)) return;
    sim_redis_client *cl = c->client;
    if (!(cl->flags & SIM_CLIENT_MULTI)) {
        lk_reply_error(c->r, "ERR EXEC without MULTI");
        return;
    }
    if (cl->flags & SIM_CLIENT_DIRTY_EXEC) {
        lk_reply_error(c->r, "EXECABORT Transaction discarded because of previous errors.");
    } else if (sim_ks_watch_dirty(c->ks, cl->id, c->now_ms)) {
        lk_reply_nil(c->r);
    } else {
        sim_ks_unwatch_all(c->ks, cl->id);
        cl->flags &= ~SIM_CLIENT_MULTI; /* the queued commands run as plain commands */
        lk_reply_array(c->r, cl->queued);
        tx_run_queue(c);
    }
    sim__tx_discard(c->ks, cl);
}

void sim__cmd_watch(sim_cmd *c) {
    if (!tx_client(c)) return;
    if (c->client->flags & SIM_CLIENT_MULTI) {
        lk_reply_error(c->r, "ERR WATCH inside MULTI is not allowed");
        return;
    }
    for (int i = 1; i < c->argc; i++) {
        if (sim_ks_watch_key(c->ks, c->client->id, c->argv[i], (uint32_t)c->len[i], c->now_ms) != LK_OK) {
            sim__cmd_limit(c, "too many watched keys, or a watched key longer than 128 bytes");
            return;
        }
    }
    lk_reply_status(c->r, "OK");
}

void sim__cmd_unwatch(sim_cmd *c) {
    if (!tx_client(c)) return;
    sim_ks_unwatch_all(c->ks, c->client->id);
    lk_reply_status(c->r, "OK");
}
