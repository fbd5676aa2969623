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
    if (sim__cmd_keep(c, "the MULTI queue is full") != 0) return -1;
    c->client->queued++;
    return 0;
}

/* 1 if 'row' runs at once even inside MULTI, as in Redis's processCommand. */
static int redis_runs_in_multi(const lk_command *row) {
    return row->id == LK_CMD_EXEC || row->id == LK_CMD_DISCARD || row->id == LK_CMD_MULTI || row->id == LK_CMD_WATCH;
}

/* sim_cmd.run: one command of EXEC's queue. */
static void redis_run(sim_cmd *c, const lk_command *row, int argc, const char *const *argv, const size_t *argv_len) {
    sim_cmd sub = {c->ks, c->now_ms, row, argc, argv, argv_len, c->r, c->client, redis_run, LK_OK, 1};
    if (!lk_command_arity_ok(row, argc))
        lk_reply_error(c->r, "ERR wrong number of arguments for '%s' command", row->name);
    else
        redis_handlers[row->id](&sub);
    if (sub.rc != LK_OK) c->rc = sub.rc;
}

/* Refuses a command on a subscribed connection as Redis's processCommand does: a subcommand is resolved first (an
 * unknown SCRIPT subcommand gets that error) and named "script|load"; a refused EXEC aborts the transaction and its
 * watches (execCommandAbort). */
static void redis_refuse_subscribed(sim_cmd *c) {
    char name[48];
    if (c->row->id == LK_CMD_SCRIPT) {
        if (sim__cmd_script_check(c) != 0) return;
        size_t n = c->len[1] < 16 ? c->len[1] : 16;
        snprintf(name, sizeof(name), "script|%.*s", (int)n, c->argv[1]);
        for (size_t i = 7; name[i]; i++)
            if (name[i] >= 'A' && name[i] <= 'Z') name[i] = (char)(name[i] - 'A' + 'a');
    } else {
        snprintf(name, sizeof(name), "%s", c->row->name);
    }
    static const char only[] =
        "only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";
    if (c->row->id == LK_CMD_EXEC) {
        lk_reply_error(c->r, "EXECABORT Transaction discarded because of: Can't execute '%s': %s", name, only);
        sim_ks_unwatch_all(c->ks, c->client->id); /* no MULTI here: the queue bytes are the inbox */
    } else {
        lk_reply_error(c->r, "ERR Can't execute '%s': %s", name, only);
    }
}

/* A top-level command starts: the lists it creates and what it publishes are its own (sim_keyspace.h). */
static void redis_command_start(sim_keyspace *ks) {
    if (ks->ready_count != 0 || ks->ready_overflow) sim_ks_ready_clear(ks);
    if (ks->outbox_len != 0) {
        memset(ks->outbox, 0, ks->outbox_len);
        ks->outbox_len = 0;
    }
}

/* ---- blocked connections ---------------------------------------------------------------------------------------- */

void sim_redis_block_order(sim_redis_client *cl, int n, int i) {
    uint32_t rank = 0;
    for (int k = 0; k < n; k++)
        if (k != i && cl[k].block_rank > rank) rank = cl[k].block_rank;
    cl[i].block_rank = rank + 1;
}

void sim_redis_unblock(sim_redis_client *cl, int n, int i) {
    uint32_t rank = cl[i].block_rank;
    for (int k = 0; k < n; k++)
        if (rank != 0 && cl[k].block_rank > rank) cl[k].block_rank--;
    memset(cl[i].queue, 0, cl[i].queue_len);
    cl[i].queue_len = 0;
    cl[i].flags &= ~SIM_CLIENT_BLOCKED;
    cl[i].block_rank = 0;
    cl[i].block_deadline_ms = 0;
    cl[i].late_until_ms = 0;
}

/* Tries to serve blocked connection 'i' from the key space at 'now_ms', from its key with hash 'key_hash'. Returns 1
 * when served (and unblocked). */
static int redis_serve_one(sim_keyspace *ks, sim_redis_client *cl, int n, int i, lk_wall_ms now_ms,
                           const sim_redis_waker *w, uint32_t key_hash) {
    const char *argv[SIM_REDIS_QUEUE_BYTES / 4];
    size_t len[SIM_REDIS_QUEUE_BYTES / 4];
    const unsigned char *p = cl[i].queue;
    const lk_command *row = lk_command_get((lk_command_id)sim__get32(p));
    uint32_t argc = sim__get32(p + 4);
    assert(argc <= sizeof(argv) / sizeof(argv[0]));
    p += 8;
    for (uint32_t k = 0; k < argc; k++) {
        len[k] = sim__get32(p);
        argv[k] = (const char *)p + 4;
        p += 4 + len[k];
    }
    lk_reply *r = w->reply_of(w->arg, i);
    lk_reply_clear(r);
    sim_cmd c = {ks, now_ms, row, (int)argc, argv, len, r, &cl[i], redis_run, LK_OK, 1};
    if (!sim__list_serve(&c, key_hash)) return 0;
    if (c.rc == LK_OK && !lk_reply_ok(r)) c.rc = LK_ELIMIT;
    sim_redis_unblock(cl, n, i);
    w->served(w->arg, i, c.rc);
    return 1;
}

/* Serves, in rank order, the blocked connections that wait on the key with hash 'key_hash' and whose timeout has not
 * passed at 'now_ms'. Returns how many were served. */
static int redis_serve_key(sim_keyspace *ks, sim_redis_client *cl, int n, lk_wall_ms now_ms, const sim_redis_waker *w,
                           uint32_t key_hash) {
    int served = 0;
    for (uint32_t rank = 1;; rank++) {
        int i = 0;
        while (i < n && cl[i].block_rank != rank)
            i++;
        if (i == n) return served;
        if (cl[i].block_deadline_ms != 0 && now_ms > cl[i].block_deadline_ms) continue; /* timed out already */
        if (redis_serve_one(ks, cl, n, i, now_ms, w, key_hash)) {
            served++;
            rank--; /* the ranks after it moved up */
        }
    }
}

int sim_redis_serve_blocked(sim_keyspace *ks, sim_redis_client *cl, int n, lk_wall_ms now_ms,
                            const sim_redis_waker *w) {
    if (ks->ready_overflow) { /* the creation order is not known past SIM_KS_READY_MAX: a limit, not a guess */
        sim_ks_ready_clear(ks);
        return -1;
    }
    int served = 0;
    for (uint32_t r = 0; r < ks->ready_count; r++)
        served += redis_serve_key(ks, cl, n, now_ms, w, ks->ready_hash[r]);
    sim_ks_ready_clear(ks);
    return served;
}

lk_rc sim_redis_exec_command(sim_keyspace *ks, sim_redis_client *cl, lk_wall_ms now_ms, const lk_command *cmd, int argc,
                             const char *const *argv, const size_t *argv_len, lk_reply *reply) {
    assert(ks != NULL && cmd != NULL && reply != NULL);
    lk_reply_clear(reply);
    if (argc <= 0 || argc > LK_COMMAND_ARGS_MAX) return LK_EINVAL;
    redis_command_start(ks);
    int in_multi = cl != NULL && (cl->flags & SIM_CLIENT_MULTI);
    if (!lk_command_arity_ok(cmd, argc)) {
        if (cmd->id == LK_CMD_EXEC) { /* Redis's execCommandAbort, in MULTI or not: the transaction and watches end */
            lk_reply_error(reply, "EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' "
                                  "command");
            if (cl != NULL && cl->inbox_count == 0) sim__tx_discard(ks, cl);
            return LK_OK;
        }
        lk_reply_error(reply, "ERR wrong number of arguments for '%s' command", cmd->name);
        if (in_multi) cl->flags |= SIM_CLIENT_DIRTY_EXEC; /* Redis's rejectCommand flags the transaction */
        return LK_OK;
    }
    sim_cmd c = {ks, now_ms, cmd, argc, argv, argv_len, reply, cl, redis_run, LK_OK, 0};
    if (cl != NULL && (cl->flags & SIM_CLIENT_PUBSUB) && cmd->id != LK_CMD_SUBSCRIBE && cmd->id != LK_CMD_UNSUBSCRIBE &&
        cmd->id != LK_CMD_PING) {
        redis_refuse_subscribed(&c);
        return LK_OK;
    }
    if (cl != NULL && cl->inbox_count > 0 && !(cl->flags & SIM_CLIENT_PUBSUB) && cmd->id != LK_CMD_SUBSCRIBE &&
        cmd->id != LK_CMD_UNSUBSCRIBE) { /* a pub/sub client pairs those with their confirmations, not the inbox */
        sim__cmd_limit_text(&c, "pub/sub records wait unread on this connection: read them before sending a command "
                                "(a real client would take one for this command's reply)");
        return c.rc;
    }
    if (in_multi && cmd->id == LK_CMD_SCRIPT && sim__cmd_script_check(&c) != 0) {
        cl->flags |= SIM_CLIENT_DIRTY_EXEC; /* a subcommand Redis's table refuses, as an unknown command */
    } else if (in_multi && !redis_runs_in_multi(cmd)) {
        if (redis_queue(&c) == 0) lk_reply_status(reply, "QUEUED");
    } else {
        redis_handlers[cmd->id](&c);
    }
    int blocked = cl != NULL && (cl->flags & SIM_CLIENT_BLOCKED) != 0; /* no reply until served */
    if (c.rc == LK_OK && !blocked && !lk_reply_ok(reply))
        sim__cmd_limit(&c, "the reply buffer is too small for this reply");
    assert(c.rc != LK_OK || blocked || lk_reply_ok(reply));
    return c.rc;
}

lk_rc sim_redis_exec_client(sim_keyspace *ks, sim_redis_client *cl, lk_wall_ms now_ms, int argc,
                            const char *const *argv, const size_t *argv_len, lk_reply *reply) {
    lk_reply_clear(reply);
    if (argc <= 0 || argc > LK_COMMAND_ARGS_MAX) return LK_EINVAL;
    const lk_command *cmd = lk_command_lookup(argv[0], argv_len[0]);
    if (cmd == NULL) {
        redis_command_start(ks); /* (sim_redis_exec_command starts the others) */
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
