/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_redis.h: the model Redis: executes one command of core/lk_command.h on a typed key space, as Redis 7 does.
 *
 * A command is an argv of binary-safe strings; it runs as one atomic step at the server wall time the caller passes
 * (the simulator reads it at the command's apply instant). Its reply is RESP-shaped (core/lk_reply.h): Redis's own
 * error replies (wrong arity, WRONGTYPE, not an integer, syntax) are replies, not failures, with Redis's texts.
 * Where Redis leaves an order unspecified (SCAN, HSCAN, ZSCAN and HGETALL of large hashes) the model fixes its own
 * deterministic one: SCAN walks keys by key hash (a key present for a whole scan is returned exactly once), HSCAN
 * and ZSCAN return everything in one call as Redis does for small collections; hashes keep insertion order.
 *
 * Never: fault injection (faults are shims), real time, allocation.
 * Guarded by: the simulator's single OS thread.
 */
#ifndef RACEBED_SIM_MODEL_SIM_REDIS_H
#define RACEBED_SIM_MODEL_SIM_REDIS_H

#include <stddef.h>

#include "core/lk_command.h"
#include "core/lk_env.h"
#include "core/lk_reply.h"
#include "sim/model/sim_keyspace.h"

enum { SIM_REDIS_QUEUE_BYTES = 4096 }; /* bytes of the commands one MULTI may queue (4 + 8 + 4 per argument) */
enum { SIM_CLIENT_MULTI = 1u, SIM_CLIENT_DIRTY_EXEC = 2u };

/* One connection's server-side state: its transaction (MULTI queue and errors). Its watches live in the key space
 * (sim_keyspace.h), under its id. Plain bytes, so it can live in the run arena. Guarded by: the simulator's thread. */
typedef struct sim_redis_client {
    uint32_t id;        /* 0 .. SIM_KS_CLIENTS_MAX - 1, unique among the key space's connections */
    uint32_t flags;     /* SIM_CLIENT_MULTI, SIM_CLIENT_DIRTY_EXEC (a command was refused while queuing) */
    uint32_t queued;    /* commands queued since MULTI */
    uint32_t queue_len; /* bytes of 'queue' used */
    unsigned char queue[SIM_REDIS_QUEUE_BYTES]; /* each: u32 command id, u32 argc, argc x (u32 length, bytes) */
} sim_redis_client;

/* A connection 'id' with no transaction, whatever the memory held before (the whole struct is written). */
void sim_redis_client_init(sim_redis_client *cl, uint32_t id);
/* The same for a connection initialized before: clears only the queue bytes it used (the simulator's hot path). */
void sim_redis_client_clear(sim_redis_client *cl, uint32_t id);
/* Ends the connection's transaction and watches, as a closed connection does (and a restart's lost ones). */
void sim_redis_client_reset(sim_keyspace *ks, sim_redis_client *cl);

/* Executes one command of connection 'cl' as Redis does: inside MULTI a command is queued ("QUEUED"; one refused by
 * arity or name marks the transaction, which EXEC then discards with EXECABORT); EXEC runs the queue as one atomic
 * step unless a watched key was touched (nil); WATCH, UNWATCH, DISCARD as Redis. Otherwise as sim_redis_exec. */
lk_rc sim_redis_exec_client(sim_keyspace *ks, sim_redis_client *cl, lk_wall_ms now_ms, int argc,
                            const char *const *argv, const size_t *argv_len, lk_reply *reply);

/* Executes the command 'argv'[0..'argc') ('argv_len' bytes each) at server wall time 'now_ms' and writes its reply
 * into 'reply' (cleared first). Returns LK_OK with any Redis reply, error replies included; LK_EINVAL when argc is
 * 0 or above LK_COMMAND_ARGS_MAX (no reply); LK_ELIMIT when a limit of the model was hit (keys, key or value bytes,
 * heap: sim_keyspace.h; or the reply's buffers): the reply is an error naming the limit, and the key space may hold
 * part of the command's effect, so the caller must stop using it (the simulator ends the run with a setup error). */
lk_rc sim_redis_exec(sim_keyspace *ks, lk_wall_ms now_ms, int argc, const char *const *argv, const size_t *argv_len,
                     lk_reply *reply);

/* The same with a command already looked up (the simulator's hot path: the table row is resolved once); 'cl' may be
 * NULL (a connection that never uses transactions: MULTI, EXEC, WATCH and friends then reply an error). */
lk_rc sim_redis_exec_command(sim_keyspace *ks, sim_redis_client *cl, lk_wall_ms now_ms, const lk_command *cmd,
                             int argc, const char *const *argv, const size_t *argv_len, lk_reply *reply);

#endif
