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
enum {
    SIM_CLIENT_MULTI = 1u,
    SIM_CLIENT_DIRTY_EXEC = 2u,
    SIM_CLIENT_BLOCKED = 4u,
    SIM_CLIENT_PUBSUB = 8u,
    SIM_CLIENT_DROPPED =
        16u, /* the caller's mark: a restart closed this subscribed connection (the model ignores it) */
};

/* One connection's server-side state: its transaction (MULTI queue and errors) or its blocked command. Its watches
 * live in the key space (sim_keyspace.h), under its id. Plain bytes, so it can live in the run arena.
 * Invariant: among the connections of one key space, the blocked ones have ranks 1..k with no gap (the order they
 * blocked in: Redis serves blocked clients first come, first served), so equal server states are equal bytes.
 * Guarded by: the simulator's thread. */
typedef struct sim_redis_client {
    uint32_t id;               /* 0 .. SIM_KS_CLIENTS_MAX - 1, unique among the key space's connections */
    uint32_t flags;            /* SIM_CLIENT_MULTI, SIM_CLIENT_DIRTY_EXEC (a command was refused while queuing),
                           SIM_CLIENT_BLOCKED (a blocking command waits for a list), SIM_CLIENT_PUBSUB (subscribed) */
    uint32_t queued;           /* commands queued since MULTI */
    uint32_t queue_len;        /* bytes of 'queue' used */
    uint32_t block_rank;       /* BLOCKED: its place among the blocked connections, from 1; else 0 */
    uint32_t inbox_count;      /* unread records the server pushed (pub/sub): then 'queue' is the inbox */
    int64_t block_deadline_ms; /* BLOCKED: server wall ms after which it times out (now > deadline); 0 = never */
    int64_t late_until_ms;     /* BLOCKED under a late-timeout fault, while no server event came after its deadline:
                                  its nil reply leaves only past this instant (sim_redis_timeout_ms); 0 = on time */
    unsigned char queue[SIM_REDIS_QUEUE_BYTES]; /* MULTI: the queued commands; BLOCKED: the blocked command alone;
                                                   each u32 command id, u32 argc, argc x (u32 length, bytes).
                                                   Else the inbox, oldest first: each i64 stamp, u32 kind, u32
                                                   channel length (UINT32_MAX: nil), i64 count, u32 payload
                                                   length, channel, payload */
} sim_redis_client;

/* The server wall ms after which the server replies nil to blocked connection 'cl': its deadline, or under a
 * late-timeout fault whose window is still open, the window's end. Redis notices timeouts between events
 * (beforeSleep), at least hz times a second, so with no command after the deadline the nil leaves up to 1000/hz ms
 * late. Either way nothing serves it past its deadline (in lockstep runs against redis-server 7.0.15 with late
 * windows open, a command after the deadline always found the client timed out). */
static inline int64_t sim_redis_timeout_ms(const sim_redis_client *cl) {
    return cl->late_until_ms != 0 ? cl->late_until_ms : cl->block_deadline_ms;
}

/* A connection 'id' with no transaction, whatever the memory held before (the whole struct is written). */
void sim_redis_client_init(sim_redis_client *cl, uint32_t id);
/* The same for a connection initialized before: clears only the queue bytes it used (the simulator's hot path). */
void sim_redis_client_clear(sim_redis_client *cl, uint32_t id);
/* Ends the connection's transaction and watches, as a closed connection does (and a restart's lost ones). A
 * blocked connection is unblocked first with sim_redis_unblock (the others' ranks must close the gap). */
void sim_redis_client_reset(sim_keyspace *ks, sim_redis_client *cl);

/* ---- blocked connections (BLPOP, BRPOP) ------------------------------------------------------------------------
 * A blocking command that finds every key absent on a connection outside MULTI and scripts blocks it: its reply is
 * left empty (no node), SIM_CLIENT_BLOCKED is set and the command is kept in the queue. The caller, who holds every
 * connection of the key space in one array, then gives it its place (sim_redis_block_order); after each later
 * command, script or EXEC of any connection it serves the blocked ones from the key space's final state
 * (sim_redis_serve_blocked), and it ends a wait whose timeout passed or whose connection closed (sim_redis_unblock). */

/* Reads a blocking command's timeout argument ('n' bytes) as Redis 7.0.15's getTimeoutFromObjectOrReply does in
 * seconds: strtold ("0x10", "1e-400" and "1e4000" are numbers; a leading space, trailing bytes, NaN, an underflow to
 * zero or an overflow to infinity are not), times 1000, rounded up. Returns 0 and the milliseconds (0: no timeout),
 * -1 when it is not a number ("timeout is not a float or out of range"), -2 when the result is negative or past the
 * int64 range, which Redis casts to a negative number ("timeout is negative"). */
int sim_redis_block_timeout(const char *arg, size_t n, int64_t *ms);
/* Gives connection 'i' of 'cl'[0..n), just blocked, the last place among the blocked ones. */
void sim_redis_block_order(sim_redis_client *cl, int n, int i);
/* Ends connection 'i''s blocked wait (its timeout passed, it closed): the ranks after it move up. */
void sim_redis_unblock(sim_redis_client *cl, int n, int i);

/* ---- pub/sub ----------------------------------------------------------------------------------------------------
 * SUBSCRIBE puts a connection in Redis's subscribed mode (SIM_CLIENT_PUBSUB): then only SUBSCRIBE, UNSUBSCRIBE and
 * PING (which replies ["pong", argument]) are allowed, with Redis's error for the others. The channels live in the
 * key space's registry (sim_keyspace.h). What the server pushes to a connection waits in its inbox until read
 * (sim_redis_inbox_take): messages ["message", channel, payload] and, as on the wire, every confirmation of a
 * SUBSCRIBE or UNSUBSCRIBE after the first (the first is the command's reply). PUBLISH, from a command, a script or
 * EXEC, replies the number of subscribers and leaves the publication in the key space's outbox, which the caller
 * delivers after the whole command (sim_redis_deliver); a message published while nobody is subscribed is lost, as
 * in Redis. Each inbox record carries a stamp: the caller's instant it arrives at. SUBSCRIBE and UNSUBSCRIBE inside
 * MULTI are a limit (not modelled); a command other than those on a connection that left subscribed mode with
 * unread records is a limit too (a real client would take a record for the command's reply). */

#define SIM_REDIS_STAMP_REPLY INT64_MIN /* an inbox record that arrives with the reply of the command that made it */

/* Delivers the publications of the command just run to the subscribed connections of 'cl'[0..n), stamped 'stamp',
 * and stamps the records connection 'self' (-1: none) queued with its own reply (SIM_REDIS_STAMP_REPLY). Writes to
 * '*received' a mask of the connections (indexes into 'cl', n <= 64) that received a message. Returns LK_OK, or LK_ELIMIT when an inbox is full
 * (SIM_REDIS_QUEUE_BYTES; the run must stop: nothing is dropped silently). */
lk_rc sim_redis_deliver(sim_keyspace *ks, sim_redis_client *cl, int n, int self, int64_t stamp, uint64_t *received);
/* The stamp of the connection's oldest unread inbox record, or -1 when there is none. */
int64_t sim_redis_inbox_next(const sim_redis_client *cl);
/* Writes unread record 'k' (0: the oldest) into 'reply' (cleared first) without taking it. Returns LK_OK, LK_EINVAL
 * when there are not that many, or LK_ELIMIT when it does not fit. */
lk_rc sim_redis_inbox_peek(const sim_redis_client *cl, uint32_t k, lk_reply *reply);
/* Moves the oldest unread record into 'reply' (cleared first). Returns LK_OK, LK_EINVAL when the inbox is empty, or
 * LK_ELIMIT when the record does not fit 'reply''s buffers (it stays unread). */
lk_rc sim_redis_inbox_take(sim_redis_client *cl, lk_reply *reply);

/* Where a served connection's reply goes, and who is told. */
typedef struct sim_redis_waker {
    void *arg;
    lk_reply *(*reply_of)(void *arg, int i);    /* the buffer for connection i's reply */
    void (*served)(void *arg, int i, lk_rc rc); /* after connection i was served and unblocked; rc: LK_OK, or
                                                    LK_ELIMIT when the reply did not fit its buffer */
} sim_redis_waker;

/* Serves the blocked connections of 'cl'[0..n) after a command, as Redis's handleClientsBlockedOnKeys does: for each
 * list key the command created, in the order it did (the key space's ready list), the connections blocked on that
 * key in rank order whose timeout has not passed at 'now_ms' pop from it while it holds elements, reply [key,
 * element] and are unblocked; the rest stay blocked. Returns how many were served, or -1 (a limit: the caller stops
 * the run) when the command created more than SIM_KS_READY_MAX list keys, whose order is not kept. Clears the ready
 * list. The ready list holds key hashes: two keys with one 32-bit hash made ready by one command are served as one.
 * A connection whose deadline passed is not served: the model's server checks timeouts at once, where Redis may
 * still serve it until its next check (the search does not explore that lag). */
int sim_redis_serve_blocked(sim_keyspace *ks, sim_redis_client *cl, int n, lk_wall_ms now_ms, const sim_redis_waker *w);

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
lk_rc sim_redis_exec_command(sim_keyspace *ks, sim_redis_client *cl, lk_wall_ms now_ms, const lk_command *cmd, int argc,
                             const char *const *argv, const size_t *argv_len, lk_reply *reply);

#endif
