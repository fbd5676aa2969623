/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_redis.c: the model Redis's dispatch: the table row, the arity check, the family's handler (contract in
 * sim_redis.h).
 */
#include "sim/model/sim_redis.h"

#include <assert.h>
#include <stdio.h>

#include "sim/model/sim_cmd.h"

typedef void (*sim_cmd_fn)(sim_cmd *c);

static const sim_cmd_fn redis_handlers[LK_CMD_COUNT_] = {
#define SIM_CMD_HANDLER(NAME, name, arity, flags, first, last, step) [LK_CMD_##NAME] = sim__cmd_##name,
    LK_COMMAND_MAP(SIM_CMD_HANDLER)
#undef SIM_CMD_HANDLER
};

/* Unknown command: Redis's reply shape, saying the model implements the table only. */
static void redis_unknown(lk_reply *r, int argc, const char *const *argv, const size_t *argv_len) {
    char args[160];
    size_t used = 0;
    args[0] = '\0';
    for (int i = 1; i < argc && used < 128; i++) {
        int n = snprintf(args + used, sizeof(args) - used, "'%.*s' ", (int)(argv_len[i] < 128 ? argv_len[i] : 128),
                         argv[i]);
        if (n < 0 || (size_t)n >= sizeof(args) - used) break;
        used += (size_t)n;
    }
    lk_reply_error(r,
                   "ERR unknown command '%.*s' (racebed's model knows the commands of core/lk_command.h), with "
                   "args beginning with: %s",
                   (int)(argv_len[0] < 128 ? argv_len[0] : 128), argv[0], args);
}

lk_rc sim_redis_exec_command(sim_keyspace *ks, lk_wall_ms now_ms, const lk_command *cmd, int argc,
                             const char *const *argv, const size_t *argv_len, lk_reply *reply) {
    assert(ks != NULL && cmd != NULL && reply != NULL);
    lk_reply_clear(reply);
    if (argc <= 0 || argc > LK_COMMAND_ARGS_MAX) return LK_EINVAL;
    if (!lk_command_arity_ok(cmd, argc)) {
        lk_reply_error(reply, "ERR wrong number of arguments for '%s' command", cmd->name);
        return LK_OK;
    }
    sim_cmd c = {ks, now_ms, cmd, argc, argv, argv_len, reply, LK_OK};
    redis_handlers[cmd->id](&c);
    if (c.rc == LK_OK && !lk_reply_ok(reply)) sim__cmd_limit(&c, "the reply buffer is too small for this reply");
    assert(c.rc != LK_OK || lk_reply_ok(reply));
    return c.rc;
}

lk_rc sim_redis_exec(sim_keyspace *ks, lk_wall_ms now_ms, int argc, const char *const *argv, const size_t *argv_len,
                     lk_reply *reply) {
    lk_reply_clear(reply);
    if (argc <= 0 || argc > LK_COMMAND_ARGS_MAX) return LK_EINVAL;
    const lk_command *cmd = lk_command_lookup(argv[0], argv_len[0]);
    if (cmd == NULL) {
        redis_unknown(reply, argc, argv, argv_len);
        return LK_OK;
    }
    return sim_redis_exec_command(ks, now_ms, cmd, argc, argv, argv_len, reply);
}
