/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_backend.h: the lockstep-store interface: a real store that the scheduler sends every store op to, beside the
 * model (design.md §8). real/sim_redis_backend.h implements it for Redis; the engine knows only this struct.
 *
 * Invariant: the model's reply is the run's reply; the real store only confirms it.
 */
#ifndef RACEBED_SIM_ENGINE_SIM_BACKEND_H
#define RACEBED_SIM_ENGINE_SIM_BACKEND_H

#include "core/lk_env.h"

/* A real store the scheduler sends every store op to, in lockstep with the model (design.md §8). The model's reply
 * must equal the real one: the first difference ends the execution (SIM_END_BACKEND), naming the op. */
typedef struct sim_backend {
    void *ctx;
    lk_store store;                                    /* the real store (the Redis adapter) */
    void (*set_time)(void *ctx, lk_wall_ms server_ms); /* make the server see this wall instant; NULL: it cannot */
    lk_rc (*restart)(void *ctx);                       /* restart it empty (lose-all); NULL: it cannot */
    lk_rc (*reset)(void *ctx);                         /* empty it before an execution */
    /* An external server runs on its own clock (set_time NULL): the real milliseconds since the last reset, which
     * bound how far its time-derived replies (PTTL, a locked acquire's ms left) may differ from the model's. */
    int64_t (*real_ms_since_reset)(void *ctx);
    /* Connection 'thread' of the model's run->client[] (a thread's command connection, or SIM_PUBSUB_CONN of it: MULTI,
     * WATCH, EXEC and subscriptions are a connection's state): opened at its first command, closed by 'disconnect'
     * (a crash) and by 'reset' and 'restart' (every connection). NULL: every command shares 'store', and
     * transactions and pub/sub are refused. */
    const lk_store *(*connection)(void *ctx, int thread);
    void (*disconnect)(void *ctx, int thread);
    /* A blocking command on thread 'thread''s connection: written without waiting (send), its reply read when the
     * model says it came (receive: at most 'wait_ms' real ms; LK_ETIMEDOUT when nothing came). NULL: blocking
     * commands are refused in lockstep. */
    lk_rc (*send)(void *ctx, int thread, int argc, const char *const *argv, const size_t *argv_len);
    lk_rc (*receive)(void *ctx, int thread, lk_reply *reply, int64_t wait_ms);
} sim_backend;

#endif
