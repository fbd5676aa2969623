/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_cmd.h: what the model's command families share (sim_cmd_*.c): the call being executed, argument parsing with
 * Redis's error replies, typed key lookup, and one handler per row of core/lk_command.h, named sim__cmd_<name>.
 * Internal to sim/model/.
 *
 * A handler reads its arguments from the call, writes exactly one reply tree, and sets 'rc' to LK_ELIMIT (through
 * sim__cmd_limit) when a model limit stops it. Arity is checked before a handler runs.
 */
#ifndef RACEBED_SIM_MODEL_SIM_CMD_H
#define RACEBED_SIM_MODEL_SIM_CMD_H

#include <stdint.h>
#include <string.h>

#include "sim/model/sim_redis.h"

typedef struct sim_cmd {
    sim_keyspace *ks;
    lk_wall_ms now_ms;       /* the server's wall clock for the whole command (Redis freezes it per command) */
    const lk_command *row;   /* the table row */
    int argc;                /* arguments, the name included */
    const char *const *argv; /* borrowed for the call */
    const size_t *len;       /* bytes of each argument */
    lk_reply *r;             /* the reply being built */
    sim_redis_client *client; /* the connection, or NULL */
    /* Runs one more command (arity checked there, never queued), appending its reply: EXEC's body. The dispatcher
     * (sim_redis.c) sets it, so the families never call up into the dispatch table. */
    void (*run)(struct sim_cmd *c, const lk_command *row, int argc, const char *const *argv, const size_t *argv_len);
    lk_rc rc;                /* LK_OK, or LK_ELIMIT once a model limit was hit */
    int nested;              /* 1 inside EXEC's body or a script: a blocking command must not block (Redis's
                                CLIENT_DENY_BLOCKING) */
} sim_cmd;

#define SIM_CMD_DECLARE(NAME, name, arity, flags, first, last, step) void sim__cmd_##name(sim_cmd *c);
LK_COMMAND_MAP(SIM_CMD_DECLARE)
#undef SIM_CMD_DECLARE

/* Appends the command of 'c' to its connection's queue in the queue's form (sim_redis.h). Returns 0, or -1 after
 * sim__cmd_limit naming 'full'. */
int sim__cmd_keep(sim_cmd *c, const char *full);
/* Blocks the connection of 'c' (a blocking command outside MULTI and scripts that found every key absent): keeps
 * the command in its queue, sets SIM_CLIENT_BLOCKED and the deadline (server wall ms, 0: none); no reply. A command
 * longer than the queue is a limit (sim__cmd_limit). */
void sim__cmd_block(sim_cmd *c, int64_t deadline_ms);
/* Serves the blocked command in c->argv (BLPOP or BRPOP, its timeout last) from the key space as it is now: pops
 * from its key with hash 'key_hash' if it holds a list and replies [key, element]. Returns 1 when served, 0 when no
 * such key holds a list (nothing replied). */
int sim__list_serve(sim_cmd *c, uint32_t key_hash);

/* Ends the connection's transaction (Redis's discardTransaction): the queue, MULTI and its errors, and the watches. */
void sim__tx_discard(sim_keyspace *ks, sim_redis_client *cl);
/* Ends every subscription of a closing connection and drops its unread inbox (sim_cmd_pubsub.c). */
void sim__pubsub_close(sim_keyspace *ks, sim_redis_client *cl);

/* SCRIPT's subcommand and its arity, checked as Redis does when a command arrives (so also before it is queued in
 * MULTI). Returns 0, or -1 after replying the error. */
int sim__cmd_script_check(sim_cmd *c);

/* Redis's error texts. */
#define SIM_ERR_WRONGTYPE "WRONGTYPE Operation against a key holding the wrong kind of value"
#define SIM_ERR_NOT_INT "ERR value is not an integer or out of range"
#define SIM_ERR_NOT_FLOAT "ERR value is not a valid float"
#define SIM_ERR_SYNTAX "ERR syntax error"
#define SIM_ERR_OVERFLOW "ERR increment or decrement would overflow"

/* 1 if argument 'i' equals 'word' ignoring ASCII case (option names). */
int sim__cmd_arg_is(const sim_cmd *c, int i, const char *word);
/* Parses argument 'i' as Redis's string2ll does (optional '-', digits, no leading zero, no space, no overflow).
 * Returns 0, or -1 after replying SIM_ERR_NOT_INT. */
int sim__cmd_int(sim_cmd *c, int i, int64_t *v);
/* The same without replying. */
int sim__parse_int(const char *p, size_t n, int64_t *v);
/* Parses argument 'i' as a double as Redis's string2d does ("inf", "-inf" accepted; NaN, spaces, trailing bytes
 * refused). Returns 0, or -1 after replying SIM_ERR_NOT_FLOAT. */
int sim__cmd_double(sim_cmd *c, int i, double *v);
int sim__parse_double(const char *p, size_t n, double *v);
/* Replies a double as Redis 7.0 does in RESP2: a bulk string, "%.17g", "inf" or "-inf". */
void sim__reply_double(lk_reply *r, double d);
/* Formats 'v' in decimal into 'buf' (at least 21 bytes); returns the length. */
uint32_t sim__fmt_int(char *buf, int64_t v);

/* Looks up the key in argument 'i'. Returns 1 and its slot when it is live and of 'type' (SIM_KS_NONE: any type),
 * 0 (slot -1) when absent, -1 after replying WRONGTYPE when it holds another type. */
int sim__cmd_key(sim_cmd *c, int i, uint32_t type, int *slot);
/* Creates the key of argument 'i' with 'type' and a zeroed value of 'value_len' bytes. Returns its slot, or -1
 * after sim__cmd_limit. */
int sim__cmd_create(sim_cmd *c, int i, uint32_t type, uint32_t value_len);
/* Replaces value bytes as sim_ks_splice does; NULL after sim__cmd_limit when the heap is full. */
unsigned char *sim__cmd_splice(sim_cmd *c, int slot, uint32_t off, uint32_t del, uint32_t ins);
/* Records that a model limit stopped the command: rc = LK_ELIMIT, the reply becomes an error naming 'what' and the
 * key space's limits. */
void sim__cmd_limit(sim_cmd *c, const char *what);
/* The same for a limit that is not the key space's (scripts): the reply names 'what' alone. */
void sim__cmd_limit_text(sim_cmd *c, const char *what);
/* Replies "ERR syntax error". */
void sim__cmd_syntax(sim_cmd *c);

/* Redis's glob-style pattern match (stringmatchlen): *, ?, [set], [^set], [a-z], \x. 1 on a match. As in Redis's
 * SCAN family, the pattern "*" alone matches everything, the empty string too (stringmatchlen itself does not). */
int sim__glob_match(const char *pat, size_t pat_len, const char *s, size_t s_len);

/* Parses a SCAN-family cursor as Redis's parseScanCursorOrReply does: strtoul(s, &end, 10) over the argument as a C
 * string, so bytes from a NUL on are ignored, "" reads 0, a sign is allowed ('-' wraps), a leading space, trailing
 * bytes or an overflow of 64 bits are refused. Returns 0, or -1 after replying "ERR invalid cursor". */
int sim__cmd_cursor(sim_cmd *c, int i, uint64_t *cursor);

/* The options of SCAN, HSCAN and ZSCAN. */
typedef struct sim_scan_opts {
    int64_t count;     /* COUNT, 10 when not given */
    const char *match; /* MATCH's pattern, or NULL */
    size_t match_len;
    const char *type; /* SCAN's TYPE, or NULL */
    size_t type_len;
} sim_scan_opts;

/* Parses [MATCH p] [COUNT n] (and [TYPE t] when 'with_type') from argument 'from' on, in any order, the last of a
 * kind winning: COUNT not an integer is the not-an-integer error, below 1 a syntax error, and anything else (an
 * option without its argument included) a syntax error. Returns 0, or -1 after replying. */
int sim__cmd_scan_opts(sim_cmd *c, int from, int with_type, sim_scan_opts *o);

/* Little helpers for the encodings of sim_keyspace.h. */
static inline uint32_t sim__get32(const unsigned char *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static inline void sim__put32(unsigned char *p, uint32_t v) {
    memcpy(p, &v, 4);
}

/* Normalizes a Redis range [start, stop] (negative counts from the end) over 'n' elements. Returns 0 and the
 * inclusive range when it is not empty, -1 when it is. */
int sim__range(int64_t start, int64_t stop, int64_t n, int64_t *from, int64_t *to);

#endif
