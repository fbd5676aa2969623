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

/* Executes the command 'argv'[0..'argc') ('argv_len' bytes each) at server wall time 'now_ms' and writes its reply
 * into 'reply' (cleared first). Returns LK_OK with any Redis reply, error replies included; LK_EINVAL when argc is
 * 0 or above LK_COMMAND_ARGS_MAX (no reply); LK_ELIMIT when a limit of the model was hit (keys, key or value bytes,
 * heap: sim_keyspace.h; or the reply's buffers): the reply is an error naming the limit, and the key space may hold
 * part of the command's effect, so the caller must stop using it (the simulator ends the run with a setup error). */
lk_rc sim_redis_exec(sim_keyspace *ks, lk_wall_ms now_ms, int argc, const char *const *argv, const size_t *argv_len,
                     lk_reply *reply);

/* The same with a command already looked up (the simulator's hot path: the table row is resolved once). */
lk_rc sim_redis_exec_command(sim_keyspace *ks, lk_wall_ms now_ms, const lk_command *cmd, int argc,
                             const char *const *argv, const size_t *argv_len, lk_reply *reply);

#endif
