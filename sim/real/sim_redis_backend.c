/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_redis_backend.c: owned and external Redis backends for simulated runs (contract in sim_redis_backend.h).
 *
 * An owned server is started by the launcher the Redis tests use (sim_redis_server.h): a free 127.0.0.1 port, a
 * private directory, racebed's gettimeofday shim (found next to the racebed binary) preloaded, active expiry off, and
 * cleanup by PID at exit or on a signal. Before every op the scheduler writes the server's simulated wall clock to
 * the shim's time page. A restart is the launcher's restart: a fresh, empty server on the same port.
 * Never: signal a process racebed did not start, or connect anywhere but loopback.
 */
#define _GNU_SOURCE
#include "sim/real/sim_redis_backend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef RACEBED_HAVE_HIREDIS
#include "core/lk_redis_store.h"
#include "sim/run/sim_run.h"
#include "sim/real/sim_redis_server.h"

struct sim_backend_handle {
    sim_backend backend;   /* what the scheduler calls */
    lk_redis_store *store; /* the connection */
    int owned;             /* 1: we started the server */
    rb_redis server;       /* the owned server (pid 0 if none) */
    char shim[1024];       /* path of racebed_time_shim.so */
    char describe[160];
    char url[600]; /* for more connections */
    int64_t reset_ms; /* CLOCK_MONOTONIC at the last reset (an external server's executions start there) */
    lk_redis_store *conn[2 * SIM_THREADS_MAX]; /* the connections of sim_run.client[], NULL until first used */
    lk_store conn_iface[2 * SIM_THREADS_MAX];
};

static int64_t backend_real_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Closes every thread's connection: a fresh execution, or a restarted server, starts with none. */
static void backend_close_connections(sim_backend_handle *h) {
    for (int i = 0; i < 2 * SIM_THREADS_MAX; i++) {
        lk_redis_store_close(h->conn[i]);
        h->conn[i] = NULL;
    }
}

static const lk_store *backend_connection(void *ctx, int thread) {
    sim_backend_handle *h = ctx;
    if (thread < 0 || thread >= 2 * SIM_THREADS_MAX) return NULL;
    if (h->conn[thread] == NULL) {
        char err[256];
        lk_redis_opts ro = {.connect_timeout_ms = 1000, .command_timeout_ms = 2000, .pubsub = thread >= SIM_THREADS_MAX};
        if (lk_redis_store_open(h->url, &ro, &h->conn[thread], err, sizeof(err)) != LK_OK) return NULL;
        h->conn_iface[thread] = lk_redis_store_iface(h->conn[thread]);
    }
    return &h->conn_iface[thread];
}

/* A crashed client's connection closes: the server drops its transaction and its watches. */
static void backend_disconnect(void *ctx, int thread) {
    sim_backend_handle *h = ctx;
    if (thread < 0 || thread >= 2 * SIM_THREADS_MAX) return;
    lk_redis_store_close(h->conn[thread]);
    h->conn[thread] = NULL;
}

/* Sends a blocking command and waits (up to 2 s of real time) until the server lists the connection as blocked:
 * the server computes the block's deadline from its clock when it runs the command, so the clock must not move
 * before it did. LK_ETIMEDOUT: it did not block (it answered, or it is stuck). */
static lk_rc backend_send(void *ctx, int thread, int argc, const char *const *argv, const size_t *argv_len) {
    sim_backend_handle *h = ctx;
    if (backend_connection(ctx, thread) == NULL) return LK_ESTORE_DOWN;
    const char *client_id[] = {"CLIENT", "ID"};
    char id[32], list[1024];
    lk_rc rc = lk_redis_store_command(h->conn[thread], 2, client_id, id, sizeof(id));
    if (rc == LK_OK) rc = lk_redis_store_send(h->conn[thread], argc, argv, argv_len);
    const char *client_list[] = {"CLIENT", "LIST", "ID", id};
    for (int64_t start = backend_real_ms(); rc == LK_OK;) {
        rc = lk_redis_store_command(h->store, 4, client_list, list, sizeof(list));
        const char *flags = strstr(list, " flags=");
        if (rc == LK_OK && flags && strchr(flags + 7, 'b') && strchr(flags + 7, 'b') < strchr(flags + 7, ' ')) break;
        if (backend_real_ms() - start > 2000) rc = LK_ETIMEDOUT;
        struct timespec pause = {0, 200000};
        nanosleep(&pause, NULL);
    }
    return rc;
}

static lk_rc backend_receive(void *ctx, int thread, lk_reply *reply, int64_t wait_ms) {
    sim_backend_handle *h = ctx;
    if (thread < 0 || thread >= 2 * SIM_THREADS_MAX || h->conn[thread] == NULL) return LK_ESTORE_DOWN;
    return lk_redis_store_receive(h->conn[thread], reply, wait_ms);
}

static void backend_set_time(void *ctx, lk_wall_ms server_ms) {
    sim_backend_handle *h = ctx;
    rb_time_set_us(rb_redis_time(&h->server), server_ms * 1000);
}

static lk_rc backend_flush(void *ctx) {
    sim_backend_handle *h = ctx;
    const char *argv[] = {h->owned ? "FLUSHALL" : "FLUSHDB"};
    lk_rc rc = lk_redis_store_command(h->store, 1, argv, NULL, 0);
    backend_close_connections(h); /* no transaction or watch of the last execution is left */
    h->reset_ms = backend_real_ms(); /* after the flush: no key of this execution is older */
    return rc;
}

static int64_t backend_real_ms_since_reset(void *ctx) {
    const sim_backend_handle *h = ctx;
    return backend_real_ms() - h->reset_ms + 1; /* + 1: PTTL rounds, and the two readings each truncate */
}

static lk_rc backend_restart(void *ctx) {
    sim_backend_handle *h = ctx;
    char err[512];
    lk_redis_store_disconnect(h->store); /* it reconnects at its next command */
    backend_close_connections(h);
    return rb_redis_restart(&h->server, err, sizeof(err)) == 0 ? LK_OK : LK_ESTORE_DOWN;
}

/* The shim lives next to the racebed binary. */
static int backend_find_shim(sim_backend_handle *h, char *err, size_t cap) {
    char exe[900];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) {
        snprintf(err, cap, "cannot find racebed's own path");
        return -1;
    }
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0';
    snprintf(h->shim, sizeof(h->shim), "%s/racebed_time_shim.so", exe);
    if (access(h->shim, R_OK) != 0) {
        snprintf(err, cap, "%s is missing (build it with make)", h->shim);
        return -1;
    }
    return 0;
}

static int backend_open_owned(sim_backend_handle *h, char *err, size_t cap) {
    h->owned = 1;
    if (backend_find_shim(h, err, cap) != 0) return -1;
    rb_redis_opts o = {.time_shim = 1, .shim_path = h->shim, .password = NULL};
    int rc = rb_redis_start(&h->server, &o, err, cap);
    if (rc == RB_REDIS_MISSING) {
        snprintf(err, cap, "redis-server is not installed: sudo apt-get install redis-server (or sudo make deps)");
        return -1;
    }
    if (rc != 0) return -1;
    lk_redis_opts ro = {.connect_timeout_ms = 1000, .command_timeout_ms = 2000};
    char e[256];
    if (lk_redis_store_open(rb_redis_url(&h->server), &ro, &h->store, e, sizeof(e)) != LK_OK) {
        snprintf(err, cap, "cannot connect to the owned redis-server at %s: %s", rb_redis_url(&h->server), e);
        return -1;
    }
    snprintf(h->describe, sizeof(h->describe), "owned redis-server on 127.0.0.1:%d (simulated clock)",
             h->server.port);
    snprintf(h->url, sizeof(h->url), "%s", rb_redis_url(&h->server));
    h->backend = (sim_backend){h,
                               lk_redis_store_iface(h->store),
                               backend_set_time,
                               backend_restart,
                               backend_flush,
                               NULL,
                               backend_connection,
                               backend_disconnect,
                               backend_send,
                               backend_receive};
    return 0;
}

static int backend_open_external(sim_backend_handle *h, const char *url, char *err, size_t cap) {
    lk_redis_url u;
    if (lk_redis_url_parse(url, &u, err, cap) != 0) return -2;
    if (strcmp(u.host, "127.0.0.1") != 0 && strcmp(u.host, "localhost") != 0 && strcmp(u.host, "::1") != 0) {
        snprintf(err, cap, "racebed only talks to loopback servers (got host %s)", u.host);
        return -2;
    }
    if (lk_redis_store_open(url, NULL, &h->store, err, cap) != LK_OK) return -1;
    const char *dbsize[] = {"DBSIZE"};
    char reply[32];
    if (lk_redis_store_command(h->store, 1, dbsize, reply, sizeof(reply)) != LK_OK || strcmp(reply, "0") != 0) {
        snprintf(err, cap,
                 "db %d on %s:%d is not empty (%s keys): racebed empties its db between executions, so "
                 "give it a scratch db (redis://%s:%d/N)",
                 u.db, u.host, u.port, reply, u.host, u.port);
        return -1;
    }
    snprintf(h->describe, sizeof(h->describe), "external redis-server %s:%d db %d (real clock)", u.host, u.port, u.db);
    snprintf(h->url, sizeof(h->url), "%s", url);
    h->backend = (sim_backend){h,    lk_redis_store_iface(h->store), NULL, NULL, backend_flush,
                                backend_real_ms_since_reset, backend_connection, backend_disconnect, NULL,
                                backend_receive}; /* pub/sub (pushed records), not blocking: its clock is its own */
    return 0;
}

int sim_backend_open(const char *spec, sim_backend_handle **out, char *err, size_t cap) {
    *out = NULL;
    if (strcmp(spec, "model") == 0) return 0;
    if (strcmp(spec, "redis") != 0 && strncmp(spec, "redis://", 8) != 0) {
        snprintf(err, cap, "unknown store (use model, redis, or redis://127.0.0.1:PORT[/DB])");
        return -2;
    }
    sim_backend_handle *h = calloc(1, sizeof(*h));
    if (h == NULL) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    int rc = strcmp(spec, "redis") == 0 ? backend_open_owned(h, err, cap) : backend_open_external(h, spec, err, cap);
    if (rc != 0) {
        sim_backend_close(h);
        return rc;
    }
    *out = h;
    return 0;
}

const sim_backend *sim_backend_get(const sim_backend_handle *h) {
    return h ? &h->backend : NULL;
}

const char *sim_backend_describe(const sim_backend_handle *h) {
    return h ? h->describe : "model store";
}

const char *sim_backend_url(const sim_backend_handle *h) {
    return h ? h->url : "";
}

void sim_backend_close(sim_backend_handle *h) {
    if (h == NULL) return;
    if (h->store && !h->owned && h->backend.reset) backend_flush(h); /* the db was empty when we came */
    backend_close_connections(h);
    lk_redis_store_close(h->store);
    rb_redis_stop(&h->server);
    free(h);
}

#else /* built without hiredis */

int sim_backend_open(const char *spec, sim_backend_handle **out, char *err, size_t cap) {
    *out = NULL;
    if (strcmp(spec, "model") == 0) return 0;
    snprintf(err, cap,
             "this racebed was built without hiredis: install libhiredis-dev (sudo make deps) and "
             "rebuild to use --store %s",
             spec);
    return -1;
}
const sim_backend *sim_backend_get(const sim_backend_handle *h) {
    (void)h;
    return NULL;
}
const char *sim_backend_describe(const sim_backend_handle *h) {
    (void)h;
    return "model store";
}
const char *sim_backend_url(const sim_backend_handle *h) {
    (void)h;
    return "";
}
void sim_backend_close(sim_backend_handle *h) {
    (void)h;
}
#endif
