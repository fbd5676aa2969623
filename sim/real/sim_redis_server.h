/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_redis_server.h: a redis-server owned by this process (hiredis's test.sh, in C), for `racebed run --store redis`
 * and the Redis tests alike: started on a free 127.0.0.1 port in
 * its own temporary directory, with no persistence and with active expiry off (`DEBUG SET-ACTIVE-EXPIRE 0`), so keys
 * expire lazily, as in the model store (design.md §3); optionally under racebed's gettimeofday shim, so the test sets
 * the server's wall clock (design.md §8, shim/racebed_time.h).
 *
 * Invariant: every server this process started is in a fixed-size table until it is reaped; an atexit handler and
 * SIGINT/SIGTERM/SIGHUP/SIGPIPE handlers stop them, by PID, so a failing or interrupted test leaves none behind.
 * Never: signal a process this process did not start, or use port 6379.
 * Guarded by: the process's main thread (start, stop and restart fork and reap; the table is a process global, as
 * hiredis's test.sh keeps its server's PID in a shell variable). Built only with hiredis (RACEBED_HAVE_HIREDIS).
 */
#ifndef RACEBED_SIM_SIM_REDIS_SERVER_H
#define RACEBED_SIM_SIM_REDIS_SERVER_H

#include <stddef.h>
#include <sys/types.h>

#include "shim/racebed_time_ctl.h"

enum {
    RB_REDIS_MAX = 8,          /* servers one process may run at once */
    RB_REDIS_PATH_MAX = 256,   /* longest directory or shim path, bytes with the NUL */
    RB_REDIS_MISSING = 1,      /* rb_redis_start: redis-server is not installed (the test should skip) */
    RB_REDIS_START_TRIES = 20, /* ports tried before start gives up */
};

typedef struct rb_redis_opts {
    int time_shim;         /* 1: preload the gettimeofday shim; the test sets the server time via rb_redis_time() */
    const char *shim_path; /* the shim; NULL: $RACEBED_TIME_SHIM, else build/racebed_time_shim.so; copied */
    const char *password;  /* --requirepass, or NULL; copied */
    int cluster;           /* 1: --cluster-enabled yes (no slots assigned: for CLUSTER KEYSLOT and the like) */
} rb_redis_opts;

/* One server. Guarded by: the test's main thread. Must not be copied while running. */
typedef struct rb_redis {
    pid_t pid;                         /* the server process; 0 when not running */
    int port;                          /* its 127.0.0.1 port; kept across rb_redis_kill and restart */
    int slot;                          /* index in the process table; -1 when not registered */
    char dir[RB_REDIS_PATH_MAX];       /* temporary directory: redis.log, redis.stderr, the time page */
    char url[64];                      /* "redis://127.0.0.1:P", no password */
    char password[128];                /* --requirepass, "" for none */
    int time_shim;                     /* 1: started under the shim */
    int cluster;                       /* 1: started with cluster support */
    char shim_path[RB_REDIS_PATH_MAX]; /* absolute path of the shim */
    rb_time_ctl time;                  /* the server's time page (time_shim only; fd -1 otherwise) */
    void *admin;                       /* the fixture's own hiredis connection (db 0), or NULL */
} rb_redis;

/* Starts a fresh server with options 'o' (NULL: defaults) on a free port, waits up to 5 s until it answers PING as
 * this very process (INFO's process_id), verifies the time shim when asked for, and turns active expiry off.
 * Returns 0; RB_REDIS_MISSING when redis-server is not installed (or not at $RACEBED_REDIS_SERVER); -1 otherwise.
 * On failure 'err' says why (with the tail of the server's log) and nothing is left running. */
int rb_redis_start(rb_redis *r, const rb_redis_opts *o, char *err, size_t cap);
/* Stops the server (SIGTERM, up to 2 s, then SIGKILL), reaps it and removes its directory (kept when
 * $RACEBED_KEEP_REDIS_DIR is set). Accepts a stopped or never-started 'r' (zeroed). */
void rb_redis_stop(rb_redis *r);
/* Kills the server with SIGKILL and reaps it, keeping its port, directory and time page, to simulate a crash. */
void rb_redis_kill(rb_redis *r);
/* Stops the server if it runs and starts a fresh, empty one on the same port with the same options. Returns 0 or -1
 * with 'err' set. */
int rb_redis_restart(rb_redis *r, char *err, size_t cap);
/* FLUSHALL on the fixture's connection. Returns 0 or -1. */
int rb_redis_flushall(rb_redis *r);
/* Runs one command on the fixture's connection after SELECT 'db' and copies the reply as text to 'reply' (may be
 * NULL): a status, string or integer as is, nil as "(nil)", an array as "(array N)". Returns 0, or -1 for an error
 * reply (its text in 'reply') or a connection error. */
int rb_redis_admin(rb_redis *r, int db, char *reply, size_t cap, int argc, const char **argv);
/* "redis://127.0.0.1:P": valid while 'r' lives. */
const char *rb_redis_url(const rb_redis *r);
/* The server's time page (started with time_shim), or NULL. */
rb_time_ctl *rb_redis_time(rb_redis *r);
/* A 127.0.0.1 port nothing listens on right now (never 6379), or -1: for "connection refused" tests. */
int rb_redis_free_port(void);
/* 1 if $RACEBED_REQUIRE_REDIS=1: a missing redis-server fails the tests instead of skipping them. */
int rb_redis_required(void);

#endif
