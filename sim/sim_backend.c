/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_backend.c: owned and external Redis backends for simulated runs (contract in sim_backend.h).
 *
 * An owned server: a free port is found by binding port 0 on 127.0.0.1 (never 6379), redis-server is exec'd with
 * LD_PRELOAD=<dir of racebed>/racebed_time_shim.so and RACEBED_TIME_FILE=<a page in a private temp dir>, PING is
 * polled until it answers, then DEBUG SET-ACTIVE-EXPIRE 0. Before every op the scheduler writes the server's
 * simulated wall clock to the page. The process is stopped by its PID (TERM, then KILL) and reaped.
 * Never: signal a process racebed did not start, or connect anywhere but loopback.
 */
#define _GNU_SOURCE
#include "sim_backend.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef RACEBED_HAVE_HIREDIS
#include "../core/lk_redis_store.h"
#include "../shim/racebed_time_ctl.h"

struct sim_backend_handle {
    sim_backend backend;   /* what the scheduler calls */
    lk_redis_store *store; /* the connection */
    int owned;             /* 1: we started the server */
    pid_t pid;             /* the owned server, 0 if none */
    int port;
    char dir[256];    /* private temp dir of an owned server */
    char shim[1024];  /* path of racebed_time_shim.so */
    rb_time_ctl time; /* the owned server's time page */
    char describe[160];
    char url[600]; /* for more connections */
};

static void backend_sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* A free loopback port (the kernel's pick for port 0), or -1. */
static int backend_free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = 0};
    socklen_t len = sizeof(a);
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port == 6379 ? -1 : port;
}

static void backend_stop_server(sim_backend_handle *h) {
    if (h->pid <= 0) return;
    kill(h->pid, SIGTERM);
    for (int i = 0; i < 200; i++) { /* up to 2 s */
        if (waitpid(h->pid, NULL, WNOHANG) == h->pid) {
            h->pid = 0;
            return;
        }
        backend_sleep_ms(10);
    }
    kill(h->pid, SIGKILL);
    waitpid(h->pid, NULL, 0);
    h->pid = 0;
}

/* Starts redis-server on h->port with the shim; returns 0 or -1 with 'err'. */
static int backend_start_server(sim_backend_handle *h, char *err, size_t cap) {
    char port[16], logfile[400], env_pre[1100], env_time[600];
    snprintf(port, sizeof(port), "%d", h->port);
    snprintf(logfile, sizeof(logfile), "%s/redis.log", h->dir);
    snprintf(env_pre, sizeof(env_pre), "LD_PRELOAD=%s", h->shim);
    snprintf(env_time, sizeof(env_time), "RACEBED_TIME_FILE=%s", h->time.path);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, cap, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* if racebed dies (killed, crashed), its server goes with it */
        char *envp[] = {env_pre, env_time, "LC_ALL=C", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
        char *argv[] = {"redis-server", "--port",      port,    "--bind",
                        "127.0.0.1",    "--save",      "",      "--appendonly",
                        "no",           "--daemonize", "no",    "--enable-debug-command",
                        "local",        "--logfile",   logfile, "--dir",
                        h->dir,         NULL};
        execvpe("redis-server", argv, envp);
        _exit(127);
    }
    h->pid = pid;
    return 0;
}

/* Connects to the owned server, polling PING for up to 5 s; turns active expiry off. */
static int backend_connect_owned(sim_backend_handle *h, char *err, size_t cap) {
    char url[64], reply[64];
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d", h->port);
    for (int i = 0; i < 250; i++) {
        int status;
        if (waitpid(h->pid, &status, WNOHANG) == h->pid) {
            h->pid = 0;
            snprintf(err, cap,
                     "redis-server exited at start (see %s/redis.log; is redis-server installed? "
                     "sudo apt-get install redis-server)",
                     h->dir);
            return -1;
        }
        lk_redis_opts o = {.connect_timeout_ms = 200, .command_timeout_ms = 2000};
        char e[256];
        if (h->store == NULL && lk_redis_store_open(url, &o, &h->store, e, sizeof(e)) != LK_OK) {
            backend_sleep_ms(20);
            continue;
        }
        const char *ping[] = {"PING"}, *expire[] = {"DEBUG", "SET-ACTIVE-EXPIRE", "0"};
        if (lk_redis_store_command(h->store, 1, ping, reply, sizeof(reply)) != LK_OK) {
            backend_sleep_ms(20);
            continue;
        }
        if (lk_redis_store_command(h->store, 3, expire, reply, sizeof(reply)) != LK_OK) {
            snprintf(err, cap, "DEBUG SET-ACTIVE-EXPIRE 0 failed: %s", reply);
            return -1;
        }
        return 0;
    }
    snprintf(err, cap, "redis-server on 127.0.0.1:%d did not answer PING within 5 s", h->port);
    return -1;
}

static void backend_set_time(void *ctx, lk_wall_ms server_ms) {
    sim_backend_handle *h = ctx;
    rb_time_set_us(&h->time, server_ms * 1000);
}

static lk_rc backend_flush(void *ctx) {
    sim_backend_handle *h = ctx;
    const char *argv[] = {h->owned ? "FLUSHALL" : "FLUSHDB"};
    return lk_redis_store_command(h->store, 1, argv, NULL, 0);
}

static lk_rc backend_restart(void *ctx) {
    sim_backend_handle *h = ctx;
    char err[256];
    backend_stop_server(h);
    lk_redis_store_disconnect(h->store);
    if (backend_start_server(h, err, sizeof(err)) != 0 || backend_connect_owned(h, err, sizeof(err)) != 0)
        return LK_ESTORE_DOWN;
    return LK_OK;
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
    snprintf(h->dir, sizeof(h->dir), "/tmp/racebed-redis-XXXXXX");
    if (mkdtemp(h->dir) == NULL) {
        snprintf(err, cap, "mkdtemp: %s", strerror(errno));
        return -1;
    }
    char page[400];
    snprintf(page, sizeof(page), "%s/time", h->dir);
    if (rb_time_open(page, &h->time) != 0) {
        snprintf(err, cap, "cannot create the time page %s: %s", page, strerror(errno));
        return -1;
    }
    for (int attempt = 0; attempt < 10; attempt++) { /* a port can be taken between the probe and the bind */
        if ((h->port = backend_free_port()) < 0) continue;
        if (backend_start_server(h, err, cap) != 0) return -1;
        if (backend_connect_owned(h, err, cap) == 0) {
            snprintf(h->describe, sizeof(h->describe), "owned redis-server on 127.0.0.1:%d (simulated clock)", h->port);
            snprintf(h->url, sizeof(h->url), "redis://127.0.0.1:%d", h->port);
            h->backend =
                (sim_backend){h, lk_redis_store_iface(h->store), backend_set_time, backend_restart, backend_flush};
            return 0;
        }
        backend_stop_server(h);
    }
    return -1;
}

static int backend_open_external(sim_backend_handle *h, const char *url, char *err, size_t cap) {
    lk_redis_url u;
    if (lk_redis_url_parse(url, &u, err, cap) != 0) return -1;
    if (strcmp(u.host, "127.0.0.1") != 0 && strcmp(u.host, "localhost") != 0 && strcmp(u.host, "::1") != 0) {
        snprintf(err, cap, "racebed only talks to loopback servers (got host %s)", u.host);
        return -1;
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
    h->backend = (sim_backend){h, lk_redis_store_iface(h->store), NULL, NULL, backend_flush};
    return 0;
}

int sim_backend_open(const char *spec, sim_backend_handle **out, char *err, size_t cap) {
    *out = NULL;
    if (strcmp(spec, "model") == 0) return 0;
    if (strcmp(spec, "redis") != 0 && strncmp(spec, "redis://", 8) != 0) {
        snprintf(err, cap, "unknown store '%s' (use model, redis, or redis://127.0.0.1:PORT[/DB])", spec);
        return -1;
    }
    sim_backend_handle *h = calloc(1, sizeof(*h));
    if (h == NULL) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    h->time.fd = -1;
    int rc = strcmp(spec, "redis") == 0 ? backend_open_owned(h, err, cap) : backend_open_external(h, spec, err, cap);
    if (rc != 0) {
        sim_backend_close(h);
        return -1;
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
    lk_redis_store_close(h->store);
    backend_stop_server(h);
    if (h->time.fd >= 0) {
        unlink(h->time.path);
        rb_time_close(&h->time);
    }
    if (h->owned && h->dir[0]) {
        char log[400];
        snprintf(log, sizeof(log), "%s/redis.log", h->dir);
        unlink(log);
        rmdir(h->dir);
    }
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
