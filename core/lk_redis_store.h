/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lk_redis_store.h: the store on a real Redis, through hiredis (the 0.14 API subset, so it builds on Debian 12's
 * libhiredis-dev 0.14.1 and on 1.x). Every op of the lk_env.h table is one Redis command or one Lua script run by
 * EVALSHA (with a NOSCRIPT fallback to EVAL), so each stays one atomic step with the model store's semantics.
 *
 * Connection: redis://[:password@]host:port[/db], with AUTH and SELECT. After any I/O error or timeout a hiredis
 * 0.14 context is dead (a late reply would be read as the next command's answer): the store frees it, reconnects,
 * re-applies the timeouts, AUTH and SELECT on the next op, and reports the in-flight op as LK_ESTORE_MAYBE (a
 * timeout) or LK_ESTORE_DOWN (it was not sent). Every reply's type is checked; anything unexpected is
 * LK_ESTORE_PROTO, never a crash. The password never appears in any message.
 *
 * Guarded by: an internal mutex: threads sharing a store (a holder and its renewal task) take turns, one command
 * at a time; for parallel clients open one store each.
 */
#ifndef RACEBED_CORE_LK_REDIS_STORE_H
#define RACEBED_CORE_LK_REDIS_STORE_H

#include "core/lk_env.h"

enum {
    LK_REDIS_HOST_MAX = 256,
    LK_REDIS_PASSWORD_MAX = 256,
    LK_REDIS_EVAL_BODIES = 32, /* callers' EVAL scripts a store sends as EVALSHA (more go out as EVAL) */
};

/* A parsed connection URL. */
typedef struct lk_redis_url {
    char host[LK_REDIS_HOST_MAX];         /* host name or address */
    int port;                             /* 1..65535, default 6379 */
    char password[LK_REDIS_PASSWORD_MAX]; /* "" for none */
    int db;                               /* 0..15 by default config; >= 0 */
} lk_redis_url;

/* Parses "redis://[:password@]host[:port][/db]". Pure. Returns 0, or -1 with a message in 'err' naming the bad
 * part (never the password). */
int lk_redis_url_parse(const char *url, lk_redis_url *out, char *err, size_t cap);

typedef struct lk_redis_opts {
    int64_t connect_timeout_ms; /* 0 = 1000 */
    int64_t command_timeout_ms; /* 0 = 1000; a command that takes longer is LK_ESTORE_MAYBE */
    int pubsub;                 /* 1: one client's pub/sub connection: SUBSCRIBE and UNSUBSCRIBE are sent (the pushed
                                   records are read with lk_redis_store_receive); 0: they are refused */
} lk_redis_opts;

typedef struct lk_redis_store lk_redis_store; /* opaque */

/* Connects to 'url' (copied). Returns LK_OK with '*out', or LK_EINVAL (bad URL), LK_ESTORE_DOWN (cannot connect,
 * AUTH or SELECT failed), LK_ENOMEM; then '*out' is NULL and 'err' says why. */
lk_rc lk_redis_store_open(const char *url, const lk_redis_opts *opts, lk_redis_store **out, char *err, size_t cap);
/* Disconnects and frees. Accepts NULL. */
void lk_redis_store_close(lk_redis_store *s);
/* The lk_store to put in an lk_env: valid until lk_redis_store_close. */
lk_store lk_redis_store_iface(lk_redis_store *s);
/* Drops the connection; the next op reconnects (after the server was restarted). */
void lk_redis_store_disconnect(lk_redis_store *s);
/* Detail of the last error (no password): valid until the next call on 's'. */
const char *lk_redis_store_errmsg(const lk_redis_store *s);
/* Runs one raw command (for fixtures and admin: FLUSHALL, DEBUG SET-ACTIVE-EXPIRE 0, PING) and copies a status,
 * string or integer reply as text into 'reply' (may be NULL). Returns LK_OK, LK_ESTORE_PROTO for an error reply
 * (its text in 'reply'), or a connection error. */
lk_rc lk_redis_store_command(lk_redis_store *s, int argc, const char **argv, char *reply, size_t cap);

/* Sends one command of the table without waiting for its reply (a blocking command whose reply comes when another
 * client serves it), then lk_redis_store_receive reads it. Returns LK_OK when it was written, else a connection error
 * (the connection is dropped). */
lk_rc lk_redis_store_send(lk_redis_store *s, int argc, const char *const *argv, const size_t *argv_len);
/* Reads the next reply on the connection into 'reply' (cleared first), waiting at most 'wait_ms' real ms (0: only
 * what has arrived). Returns LK_OK, LK_ETIMEDOUT when nothing came (the connection stays usable), LK_ELIMIT when the
 * reply does not fit, or a connection error (the connection is dropped). */
lk_rc lk_redis_store_receive(lk_redis_store *s, lk_reply *reply, int64_t wait_ms);

#endif
