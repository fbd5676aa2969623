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

/* Queues a command of a connection in MULTI (Redis's queueMultiCommand). Returns 0, or -1 after a limit. */
static int redis_queue(sim_cmd *c) {
    sim_redis_client *cl = c->client;
    uint64_t need = 8;
    for (int i = 0; i < c->argc; i++)
        need += 4 + (uint64_t)c->len[i];
    if (need > SIM_REDIS_QUEUE_BYTES - cl->queue_len) {
        sim__cmd_limit(c, "the MULTI queue is full");
        return -1;
    }
    unsigned char *p = cl->queue + cl->queue_len;
    sim__put32(p, (uint32_t)c->row->id);
    sim__put32(p + 4, (uint32_t)c->argc);
    p += 8;
    for (int i = 0; i < c->argc; i++) {
        sim__put32(p, (uint32_t)c->len[i]);
        if (c->len[i] > 0) memcpy(p + 4, c->argv[i], c->len[i]);
        p += 4 + c->len[i];
    }
    cl->queue_len += (uint32_t)need;
    cl->queued++;
    return 0;
}

/* 1 if 'row' runs at once even inside MULTI, as in Redis's processCommand. */
static int redis_runs_in_multi(const lk_command *row) {
    return row->id == LK_CMD_EXEC || row->id == LK_CMD_DISCARD || row->id == LK_CMD_MULTI || row->id == LK_CMD_WATCH;
}

/* sim_cmd.run: one command of EXEC's queue. */
static void redis_run(sim_cmd *c, const lk_command *row, int argc, const char *const *argv, const size_t *argv_len) {
    sim_cmd sub = {c->ks, c->now_ms, row, argc, argv, argv_len, c->r, c->client, redis_run, LK_OK};
    if (!lk_command_arity_ok(row, argc))
        lk_reply_error(c->r, "ERR wrong number of arguments for '%s' command", row->name);
    else
        redis_handlers[row->id](&sub);
    if (sub.rc != LK_OK) c->rc = sub.rc;
}

lk_rc sim_redis_exec_command(sim_keyspace *ks, sim_redis_client *cl, lk_wall_ms now_ms, const lk_command *cmd,
                             int argc, const char *const *argv, const size_t *argv_len, lk_reply *reply) {
    assert(ks != NULL && cmd != NULL && reply != NULL);
    lk_reply_clear(reply);
    if (argc <= 0 || argc > LK_COMMAND_ARGS_MAX) return LK_EINVAL;
    int in_multi = cl != NULL && (cl->flags & SIM_CLIENT_MULTI);
    if (!lk_command_arity_ok(cmd, argc)) {
        if (cmd->id == LK_CMD_EXEC) { /* Redis's execCommandAbort, in MULTI or not: the transaction and watches end */
            lk_reply_error(reply, "EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' "
                                  "command");
            if (cl != NULL) sim_redis_client_reset(ks, cl);
            return LK_OK;
        }
        lk_reply_error(reply, "ERR wrong number of arguments for '%s' command", cmd->name);
        if (in_multi) cl->flags |= SIM_CLIENT_DIRTY_EXEC; /* Redis's rejectCommand flags the transaction */
        return LK_OK;
    }
    sim_cmd c = {ks, now_ms, cmd, argc, argv, argv_len, reply, cl, redis_run, LK_OK};
    if (in_multi && cmd->id == LK_CMD_SCRIPT && sim__cmd_script_check(&c) != 0) {
        cl->flags |= SIM_CLIENT_DIRTY_EXEC; /* a subcommand Redis's table refuses, as an unknown command */
    } else if (in_multi && !redis_runs_in_multi(cmd)) {
        if (redis_queue(&c) == 0) lk_reply_status(reply, "QUEUED");
    } else {
        redis_handlers[cmd->id](&c);
    }
    if (c.rc == LK_OK && !lk_reply_ok(reply)) sim__cmd_limit(&c, "the reply buffer is too small for this reply");
    assert(c.rc != LK_OK || lk_reply_ok(reply));
    return c.rc;
}

lk_rc sim_redis_exec_client(sim_keyspace *ks, sim_redis_client *cl, lk_wall_ms now_ms, int argc,
                            const char *const *argv, const size_t *argv_len, lk_reply *reply) {
    lk_reply_clear(reply);
    if (argc <= 0 || argc > LK_COMMAND_ARGS_MAX) return LK_EINVAL;
    const lk_command *cmd = lk_command_lookup(argv[0], argv_len[0]);
    if (cmd == NULL) {
        redis_unknown(reply, argc, argv, argv_len);
        if (cl != NULL && (cl->flags & SIM_CLIENT_MULTI)) cl->flags |= SIM_CLIENT_DIRTY_EXEC;
        return LK_OK;
    }
    return sim_redis_exec_command(ks, cl, now_ms, cmd, argc, argv, argv_len, reply);
}

lk_rc sim_redis_exec(sim_keyspace *ks, lk_wall_ms now_ms, int argc, const char *const *argv, const size_t *argv_len,
                     lk_reply *reply) {
    return sim_redis_exec_client(ks, NULL, now_ms, argc, argv, argv_len, reply);
}
