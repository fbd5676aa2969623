/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_redis_server.c: a redis-server this process owns (contract in sim_redis_server.h).
 *
 * Start: pick a port by binding a socket to 127.0.0.1:0 (the kernel's ephemeral range never holds 6379), fork and
 * exec redis-server with no persistence, `--enable-debug-command local` and its log in a fresh mkdtemp directory,
 * with LD_PRELOAD and RACEBED_TIME_FILE added to its environment for the time shim. Then poll: a child that exits
 * because its port was taken in the meantime is retried on another port (RB_REDIS_START_TRIES); a server that
 * answers PING must also report our child's PID in INFO (so the fixture never talks to someone else's server); with the
 * shim, TIME must return a probe time written to the page. Last, `DEBUG SET-ACTIVE-EXPIRE 0`.
 *
 * Cleanup: every started PID sits in rb_table until reaped. atexit stops them all gracefully; SIGINT, SIGTERM,
 * SIGHUP and SIGPIPE handlers SIGKILL them and remove their directories (kill, waitpid, unlink and rmdir are
 * async-signal-safe; the file paths are built at start), then re-raise the signal with its default action. The child
 * also gets PR_SET_PDEATHSIG, so even a SIGKILLed test leaves no server running (only its directory).
 * Never: signal a PID that is not in the table.
 */
#define _GNU_SOURCE
#include "sim/real/sim_redis_server.h"

#ifdef RACEBED_HAVE_HIREDIS

#include <arpa/inet.h>
#include <dirent.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

extern char **environ;

enum {
    RB_READY_WAIT_MS = 5000, /* how long a new server has to answer PING */
    RB_STOP_WAIT_MS = 2000,  /* how long SIGTERM has before SIGKILL */
    RB_POLL_MS = 20,         /* poll interval of both waits */
    RB_ENV_EXTRA = 3,        /* environment entries the fixture adds, NULL included */
    RB_ARGV_MAX = 24,        /* redis-server argv entries, NULL included */
    RB_LOG_TAIL = 400,       /* bytes of the log quoted in an error */
};

static const int64_t RB_TIME_PROBE_US = INT64_C(1000000000123456); /* 2001-09-09 01:46:40.123456 UTC */

/* ---- the process table and its handlers --------------------------------------------------------------------- */

/* The files a server directory can hold, so a signal handler can remove them without readdir or snprintf. */
static const char *const RB_DIR_FILES[] = {"redis.log", "redis.stderr", "time", "dump.rdb"};
enum { RB_DIR_FILE_COUNT = sizeof(RB_DIR_FILES) / sizeof(RB_DIR_FILES[0]) };

typedef struct rb_entry {
    volatile pid_t pid;                                    /* 0: free */
    char dir[RB_REDIS_PATH_MAX];                           /* removed by the handlers */
    char files[RB_DIR_FILE_COUNT][RB_REDIS_PATH_MAX + 16]; /* dir + "/" + RB_DIR_FILES[i], built at register time */
} rb_entry;

static rb_entry rb_table[RB_REDIS_MAX];
static int rb_handlers_installed;

static void rb_sleep_ms(int64_t ms) {
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static int64_t rb_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void rb_err(char *err, size_t cap, const char *fmt, ...) {
    if (err == NULL || cap == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
}

/* Removes every file in 'dir' and the directory, unless $RACEBED_KEEP_REDIS_DIR is set (then it stays, as
 * $TMPDIR/racebed-redis-XXXXXX, for a post-mortem; this module prints nothing, cli/ does). */
static void rb_remove_dir(const char *dir) {
    if (dir[0] == '\0') return;
    if (getenv("RACEBED_KEEP_REDIS_DIR") != NULL) return;
    DIR *d = opendir(dir);
    if (d != NULL) {
        char path[RB_REDIS_PATH_MAX + 64];
        for (struct dirent *e; (e = readdir(d)) != NULL;) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* SIGTERM, up to RB_STOP_WAIT_MS, then SIGKILL; always reaps 'pid'. */
static void rb_terminate(pid_t pid) {
    if (pid <= 0) return;
    kill(pid, SIGTERM);
    for (int64_t t0 = rb_now_ms(); rb_now_ms() - t0 < RB_STOP_WAIT_MS; rb_sleep_ms(RB_POLL_MS)) {
        pid_t w = waitpid(pid, NULL, WNOHANG);
        if (w == pid || (w < 0 && errno == ECHILD)) return;
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
}

static void rb_atexit(void) {
    for (int i = 0; i < RB_REDIS_MAX; i++) {
        pid_t pid = rb_table[i].pid;
        if (pid <= 0) continue;
        rb_terminate(pid);
        rb_table[i].pid = 0;
        rb_remove_dir(rb_table[i].dir);
    }
}

/* Async-signal-safe: kill, waitpid, unlink, rmdir and getenv-free. */
static void rb_on_signal(int sig) {
    for (int i = 0; i < RB_REDIS_MAX; i++) {
        pid_t pid = rb_table[i].pid;
        if (pid <= 0) continue;
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        rb_table[i].pid = 0;
        for (int k = 0; k < RB_DIR_FILE_COUNT; k++)
            unlink(rb_table[i].files[k]);
        rmdir(rb_table[i].dir);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void rb_install_handlers(void) {
    if (rb_handlers_installed) return;
    rb_handlers_installed = 1;
    atexit(rb_atexit);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = rb_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGPIPE, &sa, NULL); /* e.g. the test's output piped into `head`: still clean up, then die */
}

/* Puts 'r' in the table (its directory included). Returns 0, or -1 when RB_REDIS_MAX servers run. */
static int rb_register(rb_redis *r) {
    for (int i = 0; i < RB_REDIS_MAX; i++) {
        if (rb_table[i].pid != 0) continue;
        memcpy(rb_table[i].dir, r->dir, sizeof(r->dir));
        for (int k = 0; k < RB_DIR_FILE_COUNT; k++)
            snprintf(rb_table[i].files[k], sizeof(rb_table[i].files[k]), "%s/%s", r->dir, RB_DIR_FILES[k]);
        rb_table[i].pid = r->pid;
        r->slot = i;
        return 0;
    }
    return -1;
}

static void rb_unregister(rb_redis *r) {
    if (r->pid > 0 && r->slot >= 0 && r->slot < RB_REDIS_MAX && rb_table[r->slot].pid == r->pid)
        rb_table[r->slot].pid = 0;
    r->slot = -1;
}

/* ---- locating the binaries ---------------------------------------------------------------------------------- */

/* Finds redis-server: $RACEBED_REDIS_SERVER, else the first executable on $PATH. Returns 0 or -1. */
static int rb_find_server(char *out, size_t cap) {
    const char *env = getenv("RACEBED_REDIS_SERVER");
    if (env != NULL && env[0] != '\0') {
        snprintf(out, cap, "%s", env);
        return access(out, X_OK) == 0 ? 0 : -1;
    }
    const char *path = getenv("PATH");
    if (path == NULL) path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        snprintf(out, cap, "%.*s/redis-server", (int)n, path);
        if (n > 0 && access(out, X_OK) == 0) return 0;
        path += n + (path[n] == ':');
    }
    return -1;
}

/* Resolves the shim path to an absolute one in r->shim_path. Returns 0 or -1 with 'err'. */
static int rb_find_shim(rb_redis *r, const char *want, char *err, size_t cap) {
    if (want == NULL) want = getenv("RACEBED_TIME_SHIM");
    if (want == NULL || want[0] == '\0') want = "build/racebed_time_shim.so";
    char resolved[PATH_MAX];
    if (realpath(want, resolved) == NULL || strlen(resolved) >= sizeof(r->shim_path)) {
        rb_err(err, cap,
               "time shim %s not found (build it: make build/racebed_time_shim.so, or set "
               "RACEBED_TIME_SHIM)",
               want);
        return -1;
    }
    memcpy(r->shim_path, resolved, strlen(resolved) + 1);
    return 0;
}

/* ---- talking to the server ---------------------------------------------------------------------------------- */

static void rb_reply_text(const redisReply *rep, char *out, size_t cap) {
    if (out == NULL || cap == 0) return;
    switch (rep->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR: snprintf(out, cap, "%.*s", (int)rep->len, rep->str); break;
    case REDIS_REPLY_INTEGER: snprintf(out, cap, "%lld", rep->integer); break;
    case REDIS_REPLY_NIL: snprintf(out, cap, "(nil)"); break;
    case REDIS_REPLY_ARRAY: snprintf(out, cap, "(array %zu)", rep->elements); break;
    default: snprintf(out, cap, "(type %d)", rep->type); break;
    }
}

/* One command on 'c'. Returns 0, or -1 for an error reply or a connection error (text in 'out'). */
static int rb_command(redisContext *c, char *out, size_t cap, int argc, const char **argv) {
    redisReply *rep = redisCommandArgv(c, argc, argv, NULL);
    if (rep == NULL) {
        if (out != NULL && cap > 0) snprintf(out, cap, "connection error: %s", c->errstr);
        return -1;
    }
    rb_reply_text(rep, out, cap);
    int rc = rep->type == REDIS_REPLY_ERROR ? -1 : 0;
    freeReplyObject(rep);
    return rc;
}

/* Connects to the server and authenticates. Returns the context or NULL. */
static redisContext *rb_connect(const rb_redis *r) {
    struct timeval tv = {.tv_sec = 0, .tv_usec = 200000};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", r->port, tv);
    if (c == NULL) return NULL;
    struct timeval cmd_tv = {.tv_sec = 2, .tv_usec = 0};
    if (c->err || redisSetTimeout(c, cmd_tv) != REDIS_OK) goto fail;
    if (r->password[0] != '\0') {
        const char *argv[] = {"AUTH", r->password};
        if (rb_command(c, NULL, 0, 2, argv) != 0) goto fail;
    }
    return c;
fail:
    redisFree(c);
    return NULL;
}

/* 1 if the server on r->port answers PING and is our child (INFO server's process_id), 0 if it is another process,
 * -1 if nothing answers yet. On 1, '*out' is the connection. */
static int rb_is_ours(const rb_redis *r, redisContext **out) {
    redisContext *c = rb_connect(r);
    if (c == NULL) return -1;
    char pong[16] = "";
    const char *ping[] = {"PING"};
    if (rb_command(c, pong, sizeof(pong), 1, ping) != 0 || strcmp(pong, "PONG") != 0) {
        redisFree(c);
        return -1;
    }
    redisReply *rep = redisCommand(c, "INFO server");
    int ours = -1;
    if (rep != NULL && rep->type == REDIS_REPLY_STRING) {
        const char *p = strstr(rep->str, "process_id:");
        ours = p != NULL && strtol(p + strlen("process_id:"), NULL, 10) == (long)r->pid;
    }
    if (rep != NULL) freeReplyObject(rep);
    if (ours == 1)
        *out = c;
    else
        redisFree(c);
    return ours;
}

/* Copies the last RB_LOG_TAIL bytes of the server's log and stderr into 'out'. */
static void rb_log_tail(const rb_redis *r, char *out, size_t cap) {
    out[0] = '\0';
    const char *names[] = {"redis.log", "redis.stderr"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char path[RB_REDIS_PATH_MAX + 32];
        snprintf(path, sizeof(path), "%s/%s", r->dir, names[i]);
        FILE *f = fopen(path, "r");
        if (f == NULL) continue;
        char buf[RB_LOG_TAIL + 1];
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        fseek(f, size > RB_LOG_TAIL ? size - RB_LOG_TAIL : 0, SEEK_SET);
        size_t n = fread(buf, 1, RB_LOG_TAIL, f);
        buf[n] = '\0';
        fclose(f);
        size_t used = strlen(out);
        if (n > 0) snprintf(out + used, cap - used, "[%s] %s", names[i], buf);
    }
}

/* ---- starting ----------------------------------------------------------------------------------------------- */

/* Binds 127.0.0.1:'want' (0: the kernel's choice) and returns the port it got, or -1. */
static int rb_bind_port(int want) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)want);
    socklen_t len = sizeof(a);
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* Picks a free port: the kernel's choice for 127.0.0.1:0 (ephemeral range, never 6379). Returns it or -1. */
static int rb_free_port(void) {
    int port = rb_bind_port(0);
    return port == 6379 ? -1 : port;
}

/* A free port for a server with cluster support, which also listens on port + 10000 (its bus): at most 55535, with
 * that one free too. Returns it or -1 after a bounded number of the kernel's choices. */
static int rb_free_cluster_port(void) {
    for (int i = 0; i < 64; i++) {
        int port = rb_free_port();
        if (port > 0 && port <= 55535 && rb_bind_port(port + 10000) == port + 10000) return port;
    }
    return -1;
}

/* Builds the child's environment: ours minus LD_PRELOAD and RACEBED_TIME_FILE, plus the shim's when asked for.
 * Returns a malloc'ed array (strings in 'pre' and 'tf' or borrowed from environ), or NULL. */
static char **rb_child_env(const rb_redis *r, char *pre, size_t pre_cap, char *tf, size_t tf_cap) {
    size_t n = 0;
    while (environ[n] != NULL)
        n++;
    char **envp = calloc(n + RB_ENV_EXTRA, sizeof(char *));
    if (envp == NULL) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(environ[i], "LD_PRELOAD=", 11) == 0) continue;
        if (strncmp(environ[i], RB_TIME_FILE_ENV "=", strlen(RB_TIME_FILE_ENV) + 1) == 0) continue;
        envp[k++] = environ[i];
    }
    if (r->time_shim) {
        snprintf(pre, pre_cap, "LD_PRELOAD=%s", r->shim_path);
        snprintf(tf, tf_cap, "%s=%s", RB_TIME_FILE_ENV, r->time.path);
        envp[k++] = pre;
        envp[k++] = tf;
    }
    envp[k] = NULL;
    return envp;
}

/* In the child: stdio to /dev/null and redis.stderr, no inherited descriptors, die with the parent, exec. */
static void rb_child_exec(const char *server, char **argv, char **envp, const char *errpath) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int in = open("/dev/null", O_RDONLY);
    int out = open(errpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (in >= 0) dup2(in, 0);
    if (out >= 0) {
        dup2(out, 1);
        dup2(out, 2);
    }
    for (int fd = 3; fd < 1024; fd++)
        close(fd);
    execve(server, argv, envp);
    _exit(127);
}

/* Forks and execs redis-server on r->port. Returns 0 or -1 with 'err'. */
static int rb_spawn(rb_redis *r, const char *server, char *err, size_t cap) {
    char port[16], logfile[RB_REDIS_PATH_MAX + 16], errpath[RB_REDIS_PATH_MAX + 16];
    char pre[RB_REDIS_PATH_MAX + 16], tf[RB_TIME_PATH_MAX + 32], nodes[RB_REDIS_PATH_MAX + 16];
    snprintf(port, sizeof(port), "%d", r->port);
    snprintf(logfile, sizeof(logfile), "%s/redis.log", r->dir);
    snprintf(errpath, sizeof(errpath), "%s/redis.stderr", r->dir);
    unlink(logfile); /* so a failure quotes this try's log only */
    unlink(errpath);
    const char *args[RB_ARGV_MAX] = {
        server,  "--port",       port,    "--bind",      "127.0.0.1", "--save",
        "",      "--appendonly", "no",    "--daemonize", "no",        "--enable-debug-command",
        "local", "--logfile",    logfile, "--dir",       r->dir};
    int argc = 17;
    if (r->password[0] != '\0') {
        args[argc++] = "--requirepass";
        args[argc++] = r->password;
    }
    if (r->cluster) {
        snprintf(nodes, sizeof(nodes), "%s/nodes.conf", r->dir);
        args[argc++] = "--cluster-enabled";
        args[argc++] = "yes";
        args[argc++] = "--cluster-config-file";
        args[argc++] = nodes;
    }
    assert(argc < RB_ARGV_MAX);
    args[argc] = NULL;
    char **envp = rb_child_env(r, pre, sizeof(pre), tf, sizeof(tf));
    if (envp == NULL) {
        rb_err(err, cap, "out of memory");
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) rb_child_exec(server, (char **)args, envp, errpath);
    free(envp);
    if (pid < 0) {
        rb_err(err, cap, "fork: %s", strerror(errno));
        return -1;
    }
    r->pid = pid;
    if (rb_register(r) != 0) {
        rb_terminate(pid);
        r->pid = 0;
        rb_err(err, cap, "more than %d servers", RB_REDIS_MAX);
        return -1;
    }
    return 0;
}

/* Checks that the shim drives the server's clock: TIME must return a probe time. Restores the page after. */
static int rb_check_shim(rb_redis *r, redisContext *c, char *err, size_t cap) {
    int64_t saved_us = rb_time_get_us(&r->time);
    rb_time_set_us(&r->time, RB_TIME_PROBE_US);
    redisReply *rep = redisCommand(c, "TIME");
    int ok = rep != NULL && rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 &&
             rep->element[0]->type == REDIS_REPLY_STRING &&
             strtoll(rep->element[0]->str, NULL, 10) == RB_TIME_PROBE_US / 1000000 &&
             strtoll(rep->element[1]->str, NULL, 10) == RB_TIME_PROBE_US % 1000000;
    if (rep != NULL) freeReplyObject(rep);
    rb_time_set_us(&r->time, saved_us);
    if (!ok) rb_err(err, cap, "the time shim %s is not in effect: TIME did not return the page's time", r->shim_path);
    return ok ? 0 : -1;
}

/* Waits until our child answers. Returns 0 (ready, r->admin set), 1 (it exited: port taken; retry), -1 (error). */
static int rb_wait_ready(rb_redis *r, char *err, size_t cap) {
    for (int64_t t0 = rb_now_ms(); rb_now_ms() - t0 < RB_READY_WAIT_MS; rb_sleep_ms(RB_POLL_MS)) {
        int status = 0;
        if (waitpid(r->pid, &status, WNOHANG) == r->pid) {
            rb_unregister(r);
            r->pid = 0;
            char tail[2 * RB_LOG_TAIL + 32];
            rb_log_tail(r, tail, sizeof(tail));
            if (strstr(tail, "in use") != NULL) return 1;
            rb_err(err, cap, "redis-server exited (status %d) on port %d: %s", status, r->port, tail);
            return -1;
        }
        redisContext *c = NULL;
        if (rb_is_ours(r, &c) == 1) {
            r->admin = c;
            return 0;
        }
    }
    char tail[2 * RB_LOG_TAIL + 32];
    rb_log_tail(r, tail, sizeof(tail));
    rb_err(err, cap, "redis-server on port %d did not answer within %d ms: %s", r->port, RB_READY_WAIT_MS, tail);
    return -1;
}

/* Spawns on r->port (a fresh free port each try unless 'fixed_port') until the server is ready. */
static int rb_launch(rb_redis *r, int fixed_port, char *err, size_t cap) {
    char server[RB_REDIS_PATH_MAX];
    if (rb_find_server(server, sizeof(server)) != 0) {
        rb_err(err, cap,
               "redis-server not found (install it, e.g. apt-get install redis-server, or set "
               "RACEBED_REDIS_SERVER=/path/to/redis-server)");
        return RB_REDIS_MISSING;
    }
    for (int attempt = 0; attempt < RB_REDIS_START_TRIES; attempt++) {
        if (!fixed_port && (r->port = r->cluster ? rb_free_cluster_port() : rb_free_port()) < 0) continue;
        snprintf(r->url, sizeof(r->url), "redis://127.0.0.1:%d", r->port);
        if (rb_spawn(r, server, err, cap) != 0) return -1;
        int ready = rb_wait_ready(r, err, cap);
        if (ready == 1) {
            if (fixed_port) rb_sleep_ms(100);
            continue;
        }
        if (ready == 0 && r->time_shim) ready = rb_check_shim(r, r->admin, err, cap);
        if (ready == 0) {
            const char *argv[] = {"DEBUG", "SET-ACTIVE-EXPIRE", "0"};
            char reply[128];
            if (rb_command(r->admin, reply, sizeof(reply), 3, argv) == 0) return 0;
            rb_err(err, cap, "DEBUG SET-ACTIVE-EXPIRE 0 failed: %s", reply);
        }
        return -1;
    }
    rb_err(err, cap, "no free port after %d tries", RB_REDIS_START_TRIES);
    return -1;
}

/* Terminates and reaps the server and drops the fixture's connection; keeps port, directory and time page. */
static void rb_halt(rb_redis *r, int hard) {
    if (r->admin != NULL) redisFree(r->admin);
    r->admin = NULL;
    if (r->pid > 0) {
        if (hard) {
            kill(r->pid, SIGKILL);
            while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR) {
            }
        } else {
            rb_terminate(r->pid);
        }
    }
    rb_unregister(r);
    r->pid = 0;
}

int rb_redis_start(rb_redis *r, const rb_redis_opts *o, char *err, size_t cap) {
    rb_redis_opts defaults = {0};
    if (o == NULL) o = &defaults;
    memset(r, 0, sizeof(*r));
    r->slot = -1;
    r->time.fd = -1;
    if (err != NULL && cap > 0) err[0] = '\0';
    if (o->password != NULL && strlen(o->password) >= sizeof(r->password)) {
        rb_err(err, cap, "password too long");
        return -1;
    }
    if (o->password != NULL) memcpy(r->password, o->password, strlen(o->password) + 1);
    r->time_shim = o->time_shim != 0;
    r->cluster = o->cluster != 0;
    if (r->time_shim && rb_find_shim(r, o->shim_path, err, cap) != 0) return -1;
    rb_install_handlers();
    const char *tmp = getenv("TMPDIR");
    snprintf(r->dir, sizeof(r->dir), "%s/racebed-redis-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (mkdtemp(r->dir) == NULL) {
        rb_err(err, cap, "mkdtemp %s: %s", r->dir, strerror(errno));
        r->dir[0] = '\0';
        return -1;
    }
    char time_path[RB_REDIS_PATH_MAX + 16];
    snprintf(time_path, sizeof(time_path), "%s/time", r->dir);
    if (r->time_shim && rb_time_open(time_path, &r->time) != 0) {
        rb_err(err, cap, "time page %s: %s", time_path, strerror(errno));
        rb_redis_stop(r);
        return -1;
    }
    int rc = rb_launch(r, 0, err, cap);
    if (rc != 0) rb_redis_stop(r);
    return rc;
}

void rb_redis_stop(rb_redis *r) {
    if (r == NULL) return;
    rb_halt(r, 0);
    if (r->time_shim) rb_time_close(&r->time);
    rb_remove_dir(r->dir);
    r->dir[0] = '\0';
}

void rb_redis_kill(rb_redis *r) {
    rb_halt(r, 1);
}

int rb_redis_restart(rb_redis *r, char *err, size_t cap) {
    rb_halt(r, 0);
    return rb_launch(r, 1, err, cap) == 0 ? 0 : -1;
}

int rb_redis_admin(rb_redis *r, int db, char *reply, size_t cap, int argc, const char **argv) {
    if (r->admin == NULL && r->pid > 0) r->admin = rb_connect(r);
    if (r->admin == NULL) {
        if (reply != NULL && cap > 0) snprintf(reply, cap, "no connection to the server");
        return -1;
    }
    char dbtext[16];
    snprintf(dbtext, sizeof(dbtext), "%d", db);
    const char *select[] = {"SELECT", dbtext};
    int rc = rb_command(r->admin, reply, cap, 2, select);
    if (rc == 0) rc = rb_command(r->admin, reply, cap, argc, argv);
    if (rc != 0 && ((redisContext *)r->admin)->err) { /* a dead context cannot be reused (hiredis 0.14) */
        redisFree(r->admin);
        r->admin = NULL;
    }
    return rc;
}

int rb_redis_flushall(rb_redis *r) {
    const char *argv[] = {"FLUSHALL"};
    return rb_redis_admin(r, 0, NULL, 0, 1, argv);
}

const char *rb_redis_url(const rb_redis *r) {
    return r->url;
}

rb_time_ctl *rb_redis_time(rb_redis *r) {
    return r->time_shim && r->time.page != NULL ? &r->time : NULL;
}

int rb_redis_free_port(void) {
    return rb_free_port();
}

int rb_redis_required(void) {
    const char *v = getenv("RACEBED_REQUIRE_REDIS");
    return v != NULL && strcmp(v, "1") == 0;
}

#endif /* RACEBED_HAVE_HIREDIS */
