/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_lua.h: runs one Lua script as Redis 7.0 runs it (EVAL, EVALSHA), on the embedded Lua 5.1 Redis embeds.
 * Internal to sim/model/.
 *
 * Each call gets a fresh Lua state whose every allocation comes from the key space's Lua scratch (a bump allocator over
 * SIM_KS_LUA_HEAP_BYTES at a fixed address in the run arena): nothing survives a call, the state starts from the same
 * bytes every time, and pointer-keyed tables, tostring({}) and the garbage collector behave alike in every run and
 * process. The state has Redis 7.0's library set: base (no dofile, loadfile, print), table, string, math (math.random
 * deterministic, restarted each call), bit, struct, cjson and cmsgpack (sim_lua_libs.h; built on a script's first read
 * of their global, so a script that uses none pays nothing for them; cjson's settings are server state, kept in the key
 * space from one call to the next as Redis keeps them), and the redis table: call, pcall, error_reply, status_reply,
 * sha1hex, log, setresp (RESP2 only), set_repl and replicate_commands (no-ops), and the LOG_* and REDIS_VERSION
 * constants. Globals are read-only and reading an undefined one is an error, with Redis's texts. KEYS and ARGV hold the
 * call's keys and arguments.
 *
 * redis.call and redis.pcall run commands of the table through the dispatcher (sim_cmd.run) on the same key space
 * at the same server time, so the whole script is one atomic step. Conversions both ways are Redis's: numbers
 * truncate to integers, false is nil, a table is an array up to its first nil, {err=...} and {ok=...} are error and
 * status replies. Error replies carry Redis's " script: SHA, on @user_script:LINE." suffix.
 *
 * What the model refuses, stopping the run with a limit error (sim__cmd_limit: LK_ELIMIT) instead of answering
 * otherwise than Redis: a command on a key the script did not declare in KEYS (the explorer must know a script's
 * keys before it runs), a command that reads the whole key space (SCAN), more than SIM_LUA_STEPS_MAX Lua
 * instructions, or more memory than the scratch holds.
 */
#ifndef RACEBED_SIM_MODEL_SIM_LUA_H
#define RACEBED_SIM_MODEL_SIM_LUA_H

#include "sim/model/sim_cmd.h"

enum { SIM_LUA_STEPS_MAX = 10000000 }; /* Lua VM instructions of one script call */

/* Runs the script 'body' ('body_len' bytes, named 'sha') for the EVAL or EVALSHA call 'c': its numkeys (already
 * checked) keys follow argv[2], its arguments follow them. Writes exactly one reply. */
void sim__lua_run(sim_cmd *c, const char *sha, const unsigned char *body, uint32_t body_len, int numkeys);
/* Compiles 'body' without running it (SCRIPT LOAD). Returns 1, or 0 after replying Redis's compile error. */
int sim__lua_check(sim_cmd *c, const unsigned char *body, uint32_t body_len);

#endif
