/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_redis.c: the Redis half of `make bench`: what racebed's core costs on a real redis-server, next to the least
 * a client can do. Measures and prints; asserts nothing. Machines are noisy, so every figure is the median of 5 runs
 * of a fixed count, the runs of the compared loops are interleaved, and each ratio is taken within this one run, so
 * both sides saw the same machine, server and CPU placement.
 *
 *   1. One connection, no contention, cycles/s: the core's lock cycle (lk_mutex_acquire + lk_mutex_release through
 *      lk_redis_store and lk_posix_env) vs a minimal hand-written hiredis cycle doing the same protocol work
 *      (EVALSHA of SET NX PX + fence INCR, then EVALSHA of compare-and-delete) vs raw PING (one round trip: the
 *      floor). The round trip is the cost, so the cycle is about 2 PINGs.
 *   2. The same cycle through Debian's python3-redis (redis.lock.Lock), from tests/bench/bench_redis_py.py run by
 *      python3 through popen; skipped with a message when `import redis` fails there.
 *   2b. The model Redis (sim/model/sim_redis.h) next to the server, command for command: the model's ns per call,
 *      the server's own usec_per_call from INFO commandstats (execution only, no I/O) and the round trip.
 *   1c. Metrics overhead: the events a core cycle counts (checked against the count section 1 saw), sent through the
 *      POSIX env's sink in a loop; their ns per cycle next to the core cycle, goal under 1%.
 *   3. Contention: N = 4 and 16 pthreads, each with its own lk_redis_store connection and lk_posix_env, take a lock,
 *      write the resource once (INCR) and release it, all on ONE key vs each on its OWN key; the core's blocking
 *      acquire (default backoff) vs a naive spin (SET NX PX until it succeeds, INCR, DEL). Locks/s is measured from
 *      the start until the fixed count of locks is done (later cycles of threads still waiting are not timed); failed
 *      SETs per acquired lock count every attempt that found the key taken. Per configuration (N, variant, one key or
 *      own keys), from the same runs: each run's per-thread max/min acquisitions (busiest thread's locks over the least
 *      busy one's; "inf" when a thread got none), goal <= 2 (no barging starvation) judged on the worst run; and the
 *      wait of every acquire (the acquire call to its return, CLOCK_MONOTONIC, into a per-thread array allocated
 *      before the run), merged and sorted over all runs: p50 and p99, goal p99 <= 4 x N x section 1's core cycle.
 *
 * Usage: bench_redis [redis://HOST:PORT[/DB]]. Without a URL it starts and owns a redis-server (sim_backend "redis",
 * stopped by PID at the end). tools/bench_redis.sh runs it twice, pinned with taskset: client and server on one CPU,
 * then on two. It writes only keys under "racebed:bench:" and deletes them at the end.
 */
#define _GNU_SOURCE
#include <hiredis/hiredis.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/lk_mutex.h"
#include "core/lk_posix_env.h"
#include "core/lk_redis_store.h"
#include "sim/model/sim_redis.h"
#include "sim/real/sim_redis_backend.h"
#include "tests/bench/bench_util.h"

enum {
    RUNS = 5,                /* repeats of every measurement; figures are medians */
    CYCLES = 2000,           /* lock cycles (or PINGs) per single-connection run */
    WARMUP_CYCLES = 200,     /* untimed cycles first: scripts loaded, connections warm */
    CONTEND_LOCKS = 2000,    /* locks per contention run, all threads together */
    THREADS_MAX = 16,        /* the largest N */
    LOCK_TTL_MS = 10000,     /* lease of every lock taken here, ms: never expires during a cycle */
    SPIN_TRIES_MAX = 1 << 24 /* bound on one naive acquire's SET attempts */
};
static const int64_t ACQUIRE_WAIT_NS = 10LL * 1000000000; /* deadline of one blocking acquire */
static const double GOAL_CORE_VS_MINIMAL = 0.9;           /* core >= 0.9x the minimal cycle */
static const double GOAL_CONTENDED_VS_OWN = 0.67;         /* one key >= 0.67x own keys */
static const double GOAL_SPREAD_MAX = 2;                  /* per-thread max/min acquisitions <= 2 */
static const double GOAL_P99_WAIT_CYCLES = 4;             /* p99 wait <= 4 x N x the uncontended core cycle */

#define KEY_PREFIX "racebed:bench:"
#define TTL_TEXT "10000" /* LOCK_TTL_MS as the minimal cycle sends it */

/* The minimal cycle's two scripts: the same protocol work as the core's acquire (set-if-absent with a TTL and the
 * fence INCR in one atomic step, or the holder's PTTL) and release (compare-and-delete), nothing more. */
static const char MINIMAL_ACQUIRE_LUA[] =
    "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1, redis.call('INCR', KEYS[2])} end "
    "return {3, redis.call('PTTL', KEYS[1])}";
static const char MINIMAL_RELEASE_LUA[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";


static const char *bench_goal(double ratio, double goal) {
    return ratio >= goal ? "goal met" : "below goal";
}

/* ---- the minimal hiredis client ---------------------------------------------------------------------------------- */

/* A bare hiredis connection with the two scripts loaded. Guarded by: the main thread only. */
typedef struct minimal_conn {
    redisContext *c;        /* NULL before open */
    char sha_acquire[41];   /* SCRIPT LOAD digest of MINIMAL_ACQUIRE_LUA */
    char sha_release[41];   /* SCRIPT LOAD digest of MINIMAL_RELEASE_LUA */
    unsigned long long seq; /* makes each cycle's token unique */
    char token[33];         /* the current cycle's token, 32 hex digits like the core's */
} minimal_conn;

/* Runs a command that must answer a status or a 40-byte digest; copies the digest to 'sha' when not NULL. */
static int minimal_setup(minimal_conn *mc, int argc, const char **argv, char *sha, char *err, size_t cap) {
    redisReply *r = redisCommandArgv(mc->c, argc, argv, NULL);
    int ok = r && (sha ? r->type == REDIS_REPLY_STRING && r->len == 40 : r->type == REDIS_REPLY_STATUS);
    if (ok && sha) memcpy(sha, r->str, 41);
    if (!ok) snprintf(err, cap, "%s: %s", argv[0], r && r->type == REDIS_REPLY_ERROR ? r->str : mc->c->errstr);
    if (r) freeReplyObject(r);
    return ok ? 0 : -1;
}

/* Connects to 'u' (AUTH and SELECT if it says so) and loads the scripts. Returns 0, or -1 with 'err'. */
static int minimal_open(minimal_conn *mc, const lk_redis_url *u, char *err, size_t cap) {
    memset(mc, 0, sizeof(*mc));
    mc->c = redisConnect(u->host, u->port);
    if (mc->c == NULL || mc->c->err) {
        snprintf(err, cap, "hiredis connect %s:%d: %s", u->host, u->port, mc->c ? mc->c->errstr : "no memory");
        return -1;
    }
    char db[16];
    snprintf(db, sizeof(db), "%d", u->db);
    const char *auth[] = {"AUTH", u->password}, *select[] = {"SELECT", db};
    const char *load_a[] = {"SCRIPT", "LOAD", MINIMAL_ACQUIRE_LUA}, *load_r[] = {"SCRIPT", "LOAD", MINIMAL_RELEASE_LUA};
    if (u->password[0] && minimal_setup(mc, 2, auth, NULL, err, cap) != 0) return -1;
    if (u->db != 0 && minimal_setup(mc, 2, select, NULL, err, cap) != 0) return -1;
    if (minimal_setup(mc, 3, load_a, mc->sha_acquire, err, cap) != 0) return -1;
    return minimal_setup(mc, 3, load_r, mc->sha_release, err, cap);
}

static void minimal_close(minimal_conn *mc) {
    if (mc->c) redisFree(mc->c);
    mc->c = NULL;
}

/* One lock cycle: acquire must answer {1, fence}, release must delete. Returns 0 or -1. */
static int minimal_cycle(minimal_conn *mc) {
    snprintf(mc->token, sizeof(mc->token), "%016llx%016llx", 0x5eedULL, ++mc->seq);
    const char *acq[] = {"EVALSHA", mc->sha_acquire, "2", KEY_PREFIX "min", KEY_PREFIX "min:fence",
                         mc->token, TTL_TEXT};
    redisReply *r = redisCommandArgv(mc->c, 7, acq, NULL);
    int ok = r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[0]->type == REDIS_REPLY_INTEGER &&
             r->element[0]->integer == 1;
    if (r) freeReplyObject(r);
    if (!ok) return -1;
    const char *rel[] = {"EVALSHA", mc->sha_release, "1", KEY_PREFIX "min", mc->token};
    r = redisCommandArgv(mc->c, 5, rel, NULL);
    ok = r && r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    if (r) freeReplyObject(r);
    return ok ? 0 : -1;
}

static int minimal_ping(minimal_conn *mc) {
    const char *ping[] = {"PING"};
    redisReply *r = redisCommandArgv(mc->c, 1, ping, NULL);
    int ok = r && r->type == REDIS_REPLY_STATUS;
    if (r) freeReplyObject(r);
    return ok ? 0 : -1;
}

/* ---- the core on one connection ---------------------------------------------------------------------------------- */

/* The core's single-connection client. Guarded by: the main thread only; never copied after init (pe holds a mutex). */
typedef struct core_conn {
    lk_redis_store *store; /* the connection */
    lk_posix_env pe;       /* the real env around it */
    int pe_ready;          /* 1 after lk_posix_env_init */
    lk_mutex m;            /* the lock KEY_PREFIX "core" */
} core_conn;

static int core_open(core_conn *cc, const char *url, char *err, size_t cap) {
    memset(cc, 0, sizeof(*cc));
    if (lk_redis_store_open(url, NULL, &cc->store, err, cap) != LK_OK) return -1;
    if (lk_posix_env_init(&cc->pe, lk_redis_store_iface(cc->store)) != LK_OK) {
        snprintf(err, cap, "lk_posix_env_init failed");
        return -1;
    }
    cc->pe_ready = 1;
    lk_mutex_opts o = {.ttl_ms = LOCK_TTL_MS};
    if (lk_mutex_init(&cc->m, &cc->pe.env, KEY_PREFIX "core", &o) != LK_OK) {
        snprintf(err, cap, "lk_mutex_init: %s", lk_mutex_errmsg(&cc->m));
        return -1;
    }
    return 0;
}

static void core_close(core_conn *cc) {
    lk_mutex_fini(&cc->m);
    if (cc->pe_ready) lk_posix_env_fini(&cc->pe);
    lk_redis_store_close(cc->store);
    memset(cc, 0, sizeof(*cc));
}

/* One lock cycle through the public API. Returns 0, or -1 after printing why. */
static int core_cycle(core_conn *cc) {
    lk_outcome out;
    lk_rc rc = lk_mutex_acquire(&cc->m, lk_env_mono_ns(&cc->pe.env) + ACQUIRE_WAIT_NS, &out);
    if (rc == LK_OK && out == LK_ACQUIRED) rc = lk_mutex_release(&cc->m, &out);
    if (rc == LK_OK && out == LK_RELEASED) return 0;
    fprintf(stderr, "bench_redis: core cycle: %s (outcome %s)\n", lk_mutex_errmsg(&cc->m), lk_outcome_label(out));
    return -1;
}

/* ---- 1 and 2: single-connection cycles --------------------------------------------------------------------------- */

/* The loops of sections 1-2; the first CYCLE_C_COUNT_ run in this process. */
typedef enum cycle_kind {
    CYCLE_CORE,
    CYCLE_MINIMAL,
    CYCLE_PING,
    CYCLE_C_COUNT_,
    CYCLE_PYTHON = CYCLE_C_COUNT_,
    CYCLE_KIND_COUNT_
} cycle_kind;

/* What sections 1-2 measured. */
typedef struct cycle_figures {
    double rate[CYCLE_KIND_COUNT_];      /* median cycles/s; CYCLE_PYTHON 0 when skipped */
    double server_us[CYCLE_KIND_COUNT_]; /* server time per cycle, us (INFO commandstats); < 0 unknown */
    char py_note[512];                   /* "redis-py VERSION", or why redis-py was skipped */
} cycle_figures;

/* Microseconds the server has spent executing commands so far (INFO commandstats, the INFO calls themselves left
 * out), or -1. Read around a run, it splits a cycle's time into the server's part and the rest. */
static double server_busy_us(minimal_conn *mc) {
    redisReply *r = redisCommand(mc->c, "INFO commandstats");
    double total = -1;
    if (r && r->type == REDIS_REPLY_STRING) {
        total = 0;
        for (const char *p = strstr(r->str, "cmdstat_"); p; p = strstr(p + 1, "cmdstat_")) {
            const char *u = strstr(p, "usec=");
            if (u && strncmp(p, "cmdstat_info:", 13) != 0) total += strtod(u + 5, NULL);
        }
    }
    if (r) freeReplyObject(r);
    return total;
}

/* Cycles/s of 'n' cycles of 'kind', or -1 if one failed. */
static double cycle_rate(cycle_kind kind, core_conn *cc, minimal_conn *mc, int n) {
    double t0 = bench_now();
    for (int i = 0; i < n; i++) {
        int rc = kind == CYCLE_CORE ? core_cycle(cc) : kind == CYCLE_MINIMAL ? minimal_cycle(mc) : minimal_ping(mc);
        if (rc != 0) {
            if (kind != CYCLE_CORE)
                fprintf(stderr, "bench_redis: hiredis %s failed: %s\n", kind == CYCLE_PING ? "PING" : "cycle",
                        mc->c->errstr);
            return -1;
        }
    }
    return n / (bench_now() - t0);
}

/* Medians over RUNS interleaved runs of the C loops into 'fig', with the server's time per cycle. Returns 0 or -1. */
static int cycles_measure(core_conn *cc, minimal_conn *mc, cycle_figures *fig) {
    double v[CYCLE_C_COUNT_][RUNS], busy[CYCLE_C_COUNT_] = {0};
    for (int k = 0; k < CYCLE_C_COUNT_; k++)
        if (cycle_rate((cycle_kind)k, cc, mc, WARMUP_CYCLES) < 0) return -1;
    for (int r = 0; r < RUNS; r++)
        for (int k = 0; k < CYCLE_C_COUNT_; k++) {
            double before = server_busy_us(mc);
            if ((v[k][r] = cycle_rate((cycle_kind)k, cc, mc, CYCLES)) < 0) return -1;
            double after = server_busy_us(mc);
            busy[k] = before < 0 || after < 0 || busy[k] < 0 ? -1 : busy[k] + after - before;
        }
    for (int k = 0; k < CYCLE_C_COUNT_; k++) {
        fig->rate[k] = bench_median(v[k], RUNS);
        fig->server_us[k] = busy[k] < 0 ? -1 : busy[k] / (RUNS * CYCLES);
    }
    return 0;
}

/* The path of bench_redis_py.py: beside the sources, found from this binary's directory (build/), else the cwd. */
static void python_script_path(char *out, size_t cap) {
    char exe[900];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) *slash = '\0';
        snprintf(out, cap, "%s/../tests/bench/bench_redis_py.py", exe);
        if (access(out, R_OK) == 0) return;
    }
    snprintf(out, cap, "tests/bench/bench_redis_py.py");
}

/* Runs the Python bench with interpreter 'py'. Returns the median cycles/s, 0 if the interpreter cannot import
 * redis (its message in 'note'), or -1 on another failure (in 'note'). */
static double python_run(const char *py, const char *script, const lk_redis_url *u, char *note, size_t cap) {
    char cmd[2048], line[512];
    snprintf(cmd, sizeof(cmd), "'%s' '%s' '%s' %d %d %d %d %d 2>&1", py, script, u->host, u->port, CYCLES, RUNS, u->db,
             WARMUP_CYCLES);
    FILE *f = popen(cmd, "r");
    if (f == NULL) {
        snprintf(note, cap, "popen %s failed", py);
        return -1;
    }
    double v[RUNS];
    int got = 0;
    note[0] = '\0';
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        double x;
        if (sscanf(line, "cycles/s %lf", &x) == 1 && got < RUNS)
            v[got++] = x;
        else if (strncmp(line, "cycles/s", 8) != 0 && note[0] == '\0')
            snprintf(note, cap, "%s", strncmp(line, "skip: ", 6) == 0 ? line + 6 : line);
    }
    int status = pclose(f);
    int code = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code == 2) return 0;
    if (code != 0 || got == 0) {
        if (note[0] == '\0') snprintf(note, cap, "%s exited with status %d", py, code);
        return -1;
    }
    return bench_median(v, got);
}

/* The redis-py figure into 'fig': tries $BENCH_PYTHON, python3, /usr/bin/python3 in turn (Debian's python3-redis
 * is for the system python3, which may not be the first on PATH). Leaves the rate 0, with why in py_note, when none
 * can run it. */
static void python_measure(minimal_conn *mc, const lk_redis_url *u, cycle_figures *fig) {
    char script[1024];
    python_script_path(script, sizeof(script));
    if (u->password[0]) setenv("RACEBED_BENCH_REDIS_PASSWORD", u->password, 1); /* never on a command line */
    const char *env = getenv("BENCH_PYTHON");
    const char *cands[] = {env && env[0] ? env : NULL, "python3", "/usr/bin/python3"};
    snprintf(fig->py_note, sizeof(fig->py_note), "no python3 found");
    fig->rate[CYCLE_PYTHON] = 0;
    fig->server_us[CYCLE_PYTHON] = -1;
    for (int i = 0; i < 3; i++) {
        if (cands[i] == NULL || (i == 2 && cands[0] && strcmp(cands[0], cands[2]) == 0)) continue;
        double before = server_busy_us(mc);
        double rate = python_run(cands[i], script, u, fig->py_note, sizeof(fig->py_note));
        double after = server_busy_us(mc);
        if (rate == 0) continue; /* this interpreter lacks redis: try the next */
        if (rate > 0) fig->rate[CYCLE_PYTHON] = rate;
        if (rate > 0 && before >= 0 && after >= 0)
            fig->server_us[CYCLE_PYTHON] = (after - before) / (WARMUP_CYCLES + RUNS * CYCLES);
        return;
    }
}

static void cycles_row(const char *label, const cycle_figures *fig, cycle_kind k) {
    char server[16] = "-";
    if (fig->server_us[k] >= 0) snprintf(server, sizeof(server), "%.1f", fig->server_us[k]);
    printf("  %-50s %10.0f %9.1f %10s\n", label, fig->rate[k], 1e6 / fig->rate[k], server);
}

static void cycles_report(const cycle_figures *fig) {
    double core = fig->rate[CYCLE_CORE], min = fig->rate[CYCLE_MINIMAL], ping = fig->rate[CYCLE_PING];
    double py = fig->rate[CYCLE_PYTHON];
    char py_label[96];
    snprintf(py_label, sizeof(py_label), "%.20s: redis.lock.Lock acquire + release", fig->py_note);
    printf("1-2. one connection, no contention (median of %d runs x %d cycles)\n", RUNS, CYCLES);
    printf("  %-50s %10s %9s %10s\n", "loop", "cycles/s", "us/cycle", "server us");
    cycles_row("core: lk_mutex_acquire + lk_mutex_release", fig, CYCLE_CORE);
    cycles_row("minimal hiredis: EVALSHA acquire + release", fig, CYCLE_MINIMAL);
    cycles_row("raw PING (one round trip)", fig, CYCLE_PING);
    if (py > 0) cycles_row(py_label, fig, CYCLE_PYTHON);
    printf("  ratio core / minimal            %6.2fx   %s (goal >= %.2fx)\n", core / min,
           bench_goal(core / min, GOAL_CORE_VS_MINIMAL), GOAL_CORE_VS_MINIMAL);
    if (fig->server_us[CYCLE_CORE] >= 0 && fig->server_us[CYCLE_MINIMAL] >= 0) {
        double extra = 1e6 / core - 1e6 / min, in_server = fig->server_us[CYCLE_CORE] - fig->server_us[CYCLE_MINIMAL];
        if (extra >= in_server)
            printf("    the core's extra %.1f us/cycle: %.1f us running its scripts in the server, %.1f us elsewhere\n",
                   extra, in_server, extra - in_server);
        else /* the difference of two medians, each over round trips that vary by more than that */
            printf("    the core's extra %.1f us/cycle is within round-trip noise; its scripts take %.1f us more in "
                   "the server\n",
                   extra, in_server);
    }
    printf("  ratio core / PING               %6.2fx   (a cycle is 2 round trips: 0.50x is the floor's pace)\n",
           core / ping);
    printf("  ratio minimal / PING            %6.2fx\n", min / ping);
    if (py > 0) {
        double want = GOAL_CORE_VS_MINIMAL * (min / py);
        printf("  ratio minimal / redis-py        %6.2fx\n", min / py);
        printf("  ratio core / redis-py           %6.2fx   %s (goal >= 0.9 x minimal/redis-py = %.2fx)\n", core / py,
               bench_goal(core / py, want), want);
    } else {
        printf("  redis-py: skipped: %s\n", fig->py_note);
    }
    printf("  server us: time the server spent executing the cycle's commands (INFO commandstats deltas)\n\n");
}

/* ---- 1c. metrics overhead ---------------------------------------------------------------------------------------- */

static const double GOAL_METRICS_SHARE = 0.01; /* the metrics of a cycle cost < 1% of the cycle */

/* Metric events the core counted over everything cc's env has done so far (a histogram observation is one). */
static int64_t metric_events(core_conn *cc) {
    pthread_mutex_lock(&cc->pe.metrics_mu);
    int64_t n = 0;
    for (int m = 0; m < LK_METRIC_COUNT_; m++)
        n += lk_metric_total(&cc->pe.metrics, (lk_metric)m);
    pthread_mutex_unlock(&cc->pe.metrics_mu);
    return n;
}

/* The events an uncontended core cycle counts (a try, its wait observation, the acquire, the release), sent through
 * the POSIX env's sink in a loop: ns per cycle, median of RUNS. */
static double metrics_ns_per_cycle(core_conn *cc) {
    static const lk_metric cycle[] = {LK_METRIC_ATTEMPT_ACQUIRED, LK_METRIC_ACQUIRE_WAIT_ACQUIRED,
                                      LK_METRIC_ACQUIRE_ACQUIRED, LK_METRIC_RELEASE_RELEASED};
    enum { LOOPS = 200000 };
    double v[RUNS];
    for (int r = 0; r < RUNS; r++) {
        double t0 = bench_now();
        for (int i = 0; i < LOOPS; i++)
            for (size_t k = 0; k < sizeof(cycle) / sizeof(cycle[0]); k++)
                lk_env_metric(&cc->pe.env, cycle[k], cc->m.kind, 1234);
        v[r] = (bench_now() - t0) / LOOPS * 1e9;
    }
    return bench_median(v, RUNS);
}

static void metrics_report(core_conn *cc, const cycle_figures *fig, double events_per_cycle) {
    double ns = metrics_ns_per_cycle(cc), cycle_ns = 1e9 / fig->rate[CYCLE_CORE], share = ns / cycle_ns;
    printf("1c. metrics overhead (the POSIX env's sink: a mutex and the set's row lookup per event)\n");
    printf("  events per core cycle (counted during section 1)  %6.2f\n", events_per_cycle);
    printf(
        "  their cost, ns per cycle (median of %d x 200000)  %6.0f   %.3f%% of the core cycle   %s (goal < %.0f%%)\n\n",
        RUNS, ns, 100 * share, share < GOAL_METRICS_SHARE ? "met" : "MISSED", 100 * GOAL_METRICS_SHARE);
}

/* ---- 3. contention ----------------------------------------------------------------------------------------------- */

/* One contention run, shared by its workers. Guarded by: atomics for 'completed' and 'stop'; 'end_s' is written
 * once by the worker that completes the count and read by the main thread after joining. */
typedef struct contend_run {
    const char *url;         /* where every worker connects */
    int threads;             /* N */
    int one_key;             /* 1: all on one lock key; 0: each its own */
    int naive;               /* 1: the naive spin; 0: the core */
    int64_t completed;       /* locks done so far (atomic) */
    int stop;                /* 1 after a worker failed (atomic) */
    double end_s;            /* bench_now() when 'completed' reached CONTEND_LOCKS, 0 before */
    pthread_barrier_t ready; /* workers connected: the clock starts */
} contend_run;

/* One worker thread. Guarded by: its thread until joined. */
typedef struct contend_worker {
    contend_run *run;
    int index; /* 0..threads-1 */
    pthread_t thread;
    int64_t acquired; /* locks it took */
    int64_t failed;   /* attempts that found the lock taken */
    int64_t *wait_ns; /* each acquisition's wait, ns: CONTEND_LOCKS slots, allocated and touched before the run */
    int64_t waits;    /* slots used */
    char errmsg[256]; /* why it failed, "" if it did not */
} contend_worker;

static int contend_going(contend_run *run) {
    return !__atomic_load_n(&run->stop, __ATOMIC_RELAXED) &&
           __atomic_load_n(&run->completed, __ATOMIC_RELAXED) < CONTEND_LOCKS;
}

/* Records one acquisition's wait, from the start of the acquire to its return. A thread acquires only while fewer
 * than CONTEND_LOCKS locks are done, each of its own counted, so it never takes more than CONTEND_LOCKS. */
static void contend_waited(contend_worker *w, int64_t t0_ns) {
    int64_t t1_ns = bench_now_ns();
    if (w->waits < CONTEND_LOCKS) w->wait_ns[w->waits++] = t1_ns - t0_ns;
}

static void contend_done(contend_worker *w) {
    w->acquired++;
    if (__atomic_add_fetch(&w->run->completed, 1, __ATOMIC_RELAXED) == CONTEND_LOCKS) w->run->end_s = bench_now();
}

/* The critical section: one write to the resource. */
static lk_rc contend_write(const lk_env *env, const char *res_key) {
    lk_store_op op = {.kind = LK_OP_INCR, .key = res_key};
    lk_store_reply reply;
    return lk_env_store_exec(env, &op, &reply);
}

static int contend_core(contend_worker *w, lk_posix_env *pe, const char *lock_key, const char *res_key) {
    lk_mutex m;
    lk_mutex_opts o = {.ttl_ms = LOCK_TTL_MS};
    int ok = lk_mutex_init(&m, &pe->env, lock_key, &o) == LK_OK;
    while (ok && contend_going(w->run)) {
        lk_outcome out;
        int64_t t0_ns = bench_now_ns();
        lk_rc rc = lk_mutex_acquire(&m, lk_env_mono_ns(&pe->env) + ACQUIRE_WAIT_NS, &out);
        if (rc == LK_OK) contend_waited(w, t0_ns);
        if (rc == LK_OK) rc = contend_write(&pe->env, res_key);
        if (rc == LK_OK) rc = lk_mutex_release(&m, &out);
        ok = rc == LK_OK && out == LK_RELEASED;
        if (ok) contend_done(w);
    }
    if (!ok) snprintf(w->errmsg, sizeof(w->errmsg), "core: %s", lk_mutex_errmsg(&m));
    pthread_mutex_lock(&pe->metrics_mu);
    w->failed = lk_metric_total(&pe->metrics, LK_METRIC_ATTEMPT_BUSY);
    pthread_mutex_unlock(&pe->metrics_mu);
    lk_mutex_fini(&m);
    return ok;
}

static int contend_naive(contend_worker *w, const lk_env *env, const char *lock_key, const char *res_key) {
    char token[32];
    snprintf(token, sizeof(token), "naive-%d", w->index);
    lk_store_op set = {.kind = LK_OP_SET, .key = lock_key, .value = token, .ttl_ms = LOCK_TTL_MS, .flags = LK_SET_NX};
    lk_store_op del = {.kind = LK_OP_DEL, .key = lock_key};
    lk_store_reply reply;
    lk_rc rc = LK_OK;
    while (rc == LK_OK && contend_going(w->run)) {
        int tries = 0;
        int64_t t0_ns = bench_now_ns();
        while ((rc = lk_env_store_exec(env, &set, &reply)) == LK_OK && reply.outcome != LK_STORED) {
            w->failed++;
            if (!contend_going(w->run)) return 1; /* the count is done: leave without the lock */
            if (++tries == SPIN_TRIES_MAX) rc = LK_ELIMIT;
            if (rc != LK_OK) break;
        }
        if (rc == LK_OK) contend_waited(w, t0_ns);
        if (rc == LK_OK) rc = contend_write(env, res_key);
        if (rc == LK_OK) rc = lk_env_store_exec(env, &del, &reply);
        if (rc == LK_OK) contend_done(w);
    }
    if (rc != LK_OK) snprintf(w->errmsg, sizeof(w->errmsg), "naive: %s", lk_rc_name(rc));
    return rc == LK_OK;
}

static void *contend_main(void *arg) {
    contend_worker *w = arg;
    contend_run *run = w->run;
    lk_redis_store *store = NULL;
    lk_posix_env pe;
    int pe_ready = 0;
    char lock_key[LK_KEY_MAX], res_key[LK_KEY_MAX];
    if (run->one_key) {
        snprintf(lock_key, sizeof(lock_key), KEY_PREFIX "contend:lock");
        snprintf(res_key, sizeof(res_key), KEY_PREFIX "contend:res");
    } else {
        snprintf(lock_key, sizeof(lock_key), KEY_PREFIX "contend:lock:%d", w->index);
        snprintf(res_key, sizeof(res_key), KEY_PREFIX "contend:res:%d", w->index);
    }
    if (lk_redis_store_open(run->url, NULL, &store, w->errmsg, sizeof(w->errmsg)) == LK_OK)
        pe_ready = lk_posix_env_init(&pe, lk_redis_store_iface(store)) == LK_OK;
    pthread_barrier_wait(&run->ready); /* always: the main thread and the other workers wait here */
    int ok = pe_ready &&
             (run->naive ? contend_naive(w, &pe.env, lock_key, res_key) : contend_core(w, &pe, lock_key, res_key));
    if (!ok) __atomic_store_n(&run->stop, 1, __ATOMIC_RELAXED);
    if (pe_ready) lk_posix_env_fini(&pe);
    lk_redis_store_close(store);
    return NULL;
}

/* Totals of one configuration over its runs. */
typedef struct contend_result {
    double rate[RUNS];   /* locks/s of each run */
    int64_t acquired;    /* locks taken, all runs */
    int64_t failed;      /* failed SETs, all runs */
    int64_t busiest;     /* locks of each run's busiest thread, summed over the runs */
    double spread[RUNS]; /* each run's busiest thread's locks / least busy thread's; INFINITY if one got none */
    int64_t *wait_ns;    /* every acquisition's wait over the runs, ns; WAIT_POOL_CAP slots, NULL before allocated */
    int64_t waits;       /* slots used */
} contend_result;

enum {
    WAIT_POOL_CAP = RUNS * (CONTEND_LOCKS + THREADS_MAX)
}; /* > all runs' acquisitions: one run's exceed the
                                                                  count by less than the number of threads */

/* One run of one configuration; adds to 'res'. Returns 0, or -1 after printing why. */
static int contend_once(const char *url, int threads, int one_key, int naive, int r, contend_result *res) {
    contend_run run = {.url = url, .threads = threads, .one_key = one_key, .naive = naive};
    contend_worker w[THREADS_MAX];
    for (int i = 0; i < threads; i++) {
        w[i] = (contend_worker){.run = &run, .index = i, .wait_ns = malloc(CONTEND_LOCKS * sizeof(int64_t))};
        if (w[i].wait_ns == NULL) {
            fprintf(stderr, "bench_redis: out of memory\n");
            exit(4);
        }
        memset(w[i].wait_ns, 0, CONTEND_LOCKS * sizeof(int64_t)); /* touched now: no page faults while timed */
    }
    pthread_barrier_init(&run.ready, NULL, (unsigned)threads + 1);
    int started = 0;
    for (; started < threads; started++) {
        if (pthread_create(&w[started].thread, NULL, contend_main, &w[started]) != 0) break;
    }
    if (started < threads) { /* cannot happen on a sane machine; the barrier would never open */
        fprintf(stderr, "bench_redis: pthread_create failed\n");
        exit(4);
    }
    pthread_barrier_wait(&run.ready);
    double t0 = bench_now();
    for (int i = 0; i < threads; i++)
        pthread_join(w[i].thread, NULL);
    pthread_barrier_destroy(&run.ready);
    int64_t busiest = 0, least = INT64_MAX;
    int failed_worker = -1;
    for (int i = 0; i < threads; i++) {
        res->acquired += w[i].acquired;
        res->failed += w[i].failed;
        if (w[i].acquired > busiest) busiest = w[i].acquired;
        if (w[i].acquired < least) least = w[i].acquired;
        for (int64_t k = 0; k < w[i].waits && res->waits < WAIT_POOL_CAP; k++)
            res->wait_ns[res->waits++] = w[i].wait_ns[k];
        free(w[i].wait_ns);
        if (w[i].errmsg[0] && failed_worker < 0) failed_worker = i;
    }
    if (failed_worker >= 0) {
        fprintf(stderr, "bench_redis: contention worker %d: %s\n", failed_worker, w[failed_worker].errmsg);
        return -1;
    }
    res->busiest += busiest;
    res->spread[r] = least > 0 ? (double)busiest / (double)least : INFINITY;
    if (run.end_s == 0) return -1;
    res->rate[r] = CONTEND_LOCKS / (run.end_s - t0);
    return 0;
}

static void contend_report_row(int n, const char *variant, contend_result *one, contend_result *own, int goal) {
    double a = bench_median(one->rate, RUNS), b = bench_median(own->rate, RUNS), ratio = a / b;
    double fail_one = (double)one->failed / (double)one->acquired;
    double fail_own = (double)own->failed / (double)own->acquired;
    char verdict[64];
    if (goal)
        snprintf(verdict, sizeof(verdict), "%s", bench_goal(ratio, GOAL_CONTENDED_VS_OWN));
    else
        snprintf(verdict, sizeof(verdict), "(reference)");
    printf("  %3d  %-11s %10.0f %11.0f %7.2fx  %-11s %13.2f %9.2f %13.2f\n", n, variant, a, b, ratio, verdict, fail_one,
           fail_one + 1, fail_own);
}


/* The nearest-rank 'pct' percentile (1..100) of the sorted 'v' (n >= 1), in us. */
static double wait_percentile_us(const int64_t *v, int64_t n, int pct) {
    int64_t k = (pct * n + 99) / 100 - 1; /* ceil(pct/100 * n) - 1 */
    return (double)v[k < 0 ? 0 : k] / 1e3;
}

static void spread_text(double x, char *out, size_t cap) {
    if (isinf(x))
        snprintf(out, cap, "inf");
    else
        snprintf(out, cap, "%.2f", x);
}

/* One row of the fairness and wait table: sorts 'res' waits. 'bound_us' is the p99 goal. */
static void contend_report_fair_row(const char *variant, const char *keys, contend_result *res, double bound_us) {
    double worst = res->spread[0];
    for (int r = 1; r < RUNS; r++)
        if (res->spread[r] > worst) worst = res->spread[r];
    char med_text[16], worst_text[16];
    spread_text(bench_median(res->spread, RUNS), med_text, sizeof(med_text));
    spread_text(worst, worst_text, sizeof(worst_text));
    const char *spread_verdict = worst <= GOAL_SPREAD_MAX ? "goal met" : "below goal";
    if (res->waits == 0) {
        printf("       %-11s %-4s %8s %8s  %-11s %9s %9s  -\n", variant, keys, med_text, worst_text, spread_verdict,
               "-", "-");
        return;
    }
    qsort(res->wait_ns, (size_t)res->waits, sizeof(int64_t), bench_cmp_i64);
    double p50 = wait_percentile_us(res->wait_ns, res->waits, 50);
    double p99 = wait_percentile_us(res->wait_ns, res->waits, 99);
    printf("       %-11s %-4s %8s %8s  %-11s %9.1f %9.1f  %s (%.2fx the bound)\n", variant, keys, med_text, worst_text,
           spread_verdict, p50, p99, p99 <= bound_us ? "goal met" : "below goal", p99 / bound_us);
}

/* Section 3's fairness and wait figures for one N, under its rows. 'cycle_us' is section 1's core cycle. */
static void contend_report_fair(int n, double cycle_us, contend_result res[2][2]) {
    double bound_us = GOAL_P99_WAIT_CYCLES * n * cycle_us;
    printf("       per-thread max/min acquisitions: median and worst of the %d runs; goal <= %.0f (no barging "
           "starvation) on the worst\n",
           RUNS, GOAL_SPREAD_MAX);
    printf("       acquire wait, all runs' acquisitions: goal p99 <= %.0f x N x uncontended core cycle = "
           "%.0f x %d x %.1f us = %.0f us\n",
           GOAL_P99_WAIT_CYCLES, GOAL_P99_WAIT_CYCLES, n, cycle_us, bound_us);
    printf("       %-11s %-4s %8s %8s  %-11s %9s %9s  %s\n", "variant", "keys", "max/min", "worst", "goal<=2", "p50 us",
           "p99 us", "p99 goal");
    contend_report_fair_row("core", "one", &res[0][1], bound_us);
    contend_report_fair_row("core", "own", &res[0][0], bound_us);
    contend_report_fair_row("naive spin", "one", &res[1][1], bound_us);
    contend_report_fair_row("naive spin", "own", &res[1][0], bound_us);
}

/* All of section 3: N in {4, 16}; runs interleaved across the four loops of each N. 'cycle_us' is section 1's
 * uncontended core cycle, us, for the wait goal. Returns 0 or -1. */
static int contend_measure(const char *url, double cycle_us) {
    printf("3. contention: N threads, one connection each; a lock guards one INCR (median of %d runs of %d locks)\n",
           RUNS, CONTEND_LOCKS);
    printf("   core = lk_mutex_acquire with default backoff; naive spin = SET NX PX until stored, INCR, DEL\n");
    printf("  %3s  %-11s %10s %11s %8s  %-11s %13s %9s %13s\n", "N", "variant", "one key/s", "own keys/s", "one/own",
           "goal>=0.67", "failed/lock", "tries", "failed (own)");
    const int ns[] = {4, THREADS_MAX};
    for (int i = 0; i < 2; i++) {
        contend_result res[2][2]; /* [naive][one_key] */
        memset(res, 0, sizeof(res));
        int rc = 0;
        for (int naive = 0; naive < 2; naive++)
            for (int one = 0; one < 2; one++)
                if ((res[naive][one].wait_ns = malloc(WAIT_POOL_CAP * sizeof(int64_t))) == NULL) rc = -1;
        if (rc != 0) fprintf(stderr, "bench_redis: out of memory\n");
        for (int r = 0; r < RUNS && rc == 0; r++)
            for (int naive = 0; naive < 2 && rc == 0; naive++)
                for (int one = 1; one >= 0 && rc == 0; one--)
                    rc = contend_once(url, ns[i], one, naive, r, &res[naive][one]);
        if (rc != 0) {
            for (int naive = 0; naive < 2; naive++)
                for (int one = 0; one < 2; one++)
                    free(res[naive][one].wait_ns);
            return -1;
        }
        contend_report_row(ns[i], "core", &res[0][1], &res[0][0], 1);
        contend_report_row(ns[i], "naive spin", &res[1][1], &res[1][0], 0);
        double fc = (double)res[0][1].failed / (double)res[0][1].acquired;
        double fn = (double)res[1][1].failed / (double)res[1][1].acquired;
        char cmp[64];
        if (fc > 0)
            snprintf(cmp, sizeof(cmp), "%.1fx fewer with the core", fn / fc);
        else
            snprintf(cmp, sizeof(cmp), "the core had none");
        printf("       failed SETs per lock on one key: naive spin %.2f, core %.2f (%s)\n", fn, fc, cmp);
        printf("       busiest thread's share of the one-key locks: core %.0f%%, naive spin %.0f%% (fair: %.0f%%)\n",
               100.0 * (double)res[0][1].busiest / (double)res[0][1].acquired,
               100.0 * (double)res[1][1].busiest / (double)res[1][1].acquired, 100.0 / ns[i]);
        contend_report_fair(ns[i], cycle_us, res);
        for (int naive = 0; naive < 2; naive++)
            for (int one = 0; one < 2; one++)
                free(res[naive][one].wait_ns);
    }
    printf("\n");
    return 0;
}

/* ---- placement, setup, main -------------------------------------------------------------------------------------- */

/* Parses a kernel CPU list ("0", "0-1", "0,2-3") into 'set'. */
static void cpus_parse(const char *s, cpu_set_t *set) {
    CPU_ZERO(set);
    while (*s >= '0' && *s <= '9') {
        char *end;
        long a = strtol(s, &end, 10), b = a;
        if (*end == '-') b = strtol(end + 1, &end, 10);
        for (long c = a; c <= b && c < CPU_SETSIZE; c++)
            CPU_SET((int)c, set);
        s = *end == ',' ? end + 1 : end;
    }
}

static void cpus_text(const cpu_set_t *set, char *out, size_t cap) {
    size_t len = 0;
    out[0] = '\0';
    for (int c = 0; c < CPU_SETSIZE && len + 8 < cap; c++)
        if (CPU_ISSET(c, set)) len += (size_t)snprintf(out + len, cap - len, "%s%d", len ? "," : "", c);
}

/* The server's allowed CPUs from /proc, if 'pid' is a local redis-server. Returns 0 or -1. */
static int server_cpus(long pid, cpu_set_t *set) {
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
    FILE *f = fopen(path, "r");
    int is_redis = f && fgets(line, sizeof(line), f) && strncmp(line, "redis-server", 12) == 0;
    if (f) fclose(f);
    if (!is_redis) return -1;
    snprintf(path, sizeof(path), "/proc/%ld/status", pid);
    if ((f = fopen(path, "r")) == NULL) return -1;
    int found = 0;
    while (!found && fgets(line, sizeof(line), f))
        if (strncmp(line, "Cpus_allowed_list:", 18) == 0) {
            cpus_parse(line + 18 + strspn(line + 18, " \t"), set);
            found = 1;
        }
    fclose(f);
    return found ? 0 : -1;
}

/* Prints the server's version and where client and server may run (the figures depend on it). */
static void placement_report(minimal_conn *mc, const char *describe) {
    char version[32] = "?", cli[256], srv[256] = "unknown (not a local redis-server)";
    long pid = 0;
    redisReply *r = redisCommand(mc->c, "INFO server");
    if (r && r->type == REDIS_REPLY_STRING) {
        const char *v = strstr(r->str, "redis_version:"), *p = strstr(r->str, "process_id:");
        if (v) sscanf(v + 14, "%31[^\r\n]", version);
        if (p) pid = strtol(p + 11, NULL, 10);
    }
    if (r) freeReplyObject(r);
    cpu_set_t mine, theirs;
    sched_getaffinity(0, sizeof(mine), &mine);
    cpus_text(&mine, cli, sizeof(cli));
    const char *verdict = "unknown";
    if (pid > 0 && server_cpus(pid, &theirs) == 0) {
        cpus_text(&theirs, srv, sizeof(srv));
        cpu_set_t both;
        CPU_AND(&both, &mine, &theirs);
        verdict = CPU_COUNT(&both) == 0                                ? "different CPUs"
                  : CPU_EQUAL(&mine, &theirs) && CPU_COUNT(&mine) == 1 ? "the same CPU"
                                                                       : "shared CPUs, placed by the scheduler";
    }
    printf("server: redis %s, %s (pid %ld)\n", version, describe, pid);
    printf("placement: client on CPU %s, server on CPU %s: %s (%ld CPUs online)\n\n", cli, srv, verdict,
           sysconf(_SC_NPROCESSORS_ONLN));
}

/* Deletes every key this bench wrote (fence counters and resources; the locks were released). */
static void bench_cleanup(core_conn *cc) {
    lk_store_op op = {.kind = LK_OP_SCAN_DEL, .key = KEY_PREFIX};
    lk_store_reply reply;
    if (lk_env_store_exec(&cc->pe.env, &op, &reply) != LK_OK)
        fprintf(stderr, "bench_redis: could not delete the %s* keys\n", KEY_PREFIX);
}

/* Runs sections 1-3 on 'url'. Returns 0, or 4 after printing why. */
/* ---- the model Redis next to the server, command for command ---------------------------------------------------- */

enum { MODEL_CMDS = 20000 };

typedef struct model_cmd_line {
    const char *names[2];   /* the commands as INFO commandstats counts them; the second may be NULL */
    const char *argv[2][8]; /* one or two commands run in turn, so a collection does not grow; NULL ends each */
} model_cmd_line;

/* The server's own usec_per_call for 'name' in INFO commandstats, or -1. */
static double model_server_usec(redisContext *c, const char *name) {
    redisReply *r = redisCommand(c, "INFO commandstats");
    double usec = -1;
    char field[64];
    snprintf(field, sizeof(field), "cmdstat_%s:", name);
    if (r && r->type == REDIS_REPLY_STRING) {
        const char *p = strstr(r->str, field);
        const char *q = p ? strstr(p, "usec_per_call=") : NULL;
        if (q) usec = atof(q + strlen("usec_per_call="));
    }
    if (r) freeReplyObject(r);
    return usec;
}

typedef struct model_argv {
    int argc[2], count;
    const char *argv[2][8]; /* hiredis 0.14 takes a non-const array */
    size_t len[2][8];
} model_argv;

static void model_argv_init(const model_cmd_line *l, model_argv *a) {
    memset(a, 0, sizeof(*a));
    for (a->count = 0; a->count < 2 && l->argv[a->count][0]; a->count++)
        for (int k = 0; k < 8 && l->argv[a->count][k]; k++) {
            a->argv[a->count][k] = l->argv[a->count][k];
            a->len[a->count][k] = strlen(l->argv[a->count][k]);
            a->argc[a->count]++;
        }
}

/* Per command: the model's ns per call, the server's own usec_per_call (execution inside Redis, no I/O; the mean of
 * the line's commands), and the client's round trip over one connection. */
static void model_vs_redis(minimal_conn *mc) {
    static const model_cmd_line lines[] = {
        {{"set", "del"}, {{"SET", KEY_PREFIX "m", "tok:1", "NX", "PX", "60000"}, {"DEL", KEY_PREFIX "m"}}},
        {{"get", NULL}, {{"GET", KEY_PREFIX "m"}}},
        {{"incr", NULL}, {{"INCR", KEY_PREFIX "n"}}},
        {{"hset", "hdel"}, {{"HSET", KEY_PREFIX "h", "mode", "read"}, {"HDEL", KEY_PREFIX "h", "mode"}}},
        {{"hincrby", NULL}, {{"HINCRBY", KEY_PREFIX "h", "readers", "1"}}},
        {{"rpush", "lpop"}, {{"RPUSH", KEY_PREFIX "l", "w"}, {"LPOP", KEY_PREFIX "l"}}},
        {{"zadd", "zrem"}, {{"ZADD", KEY_PREFIX "z", "1000", "w1"}, {"ZREM", KEY_PREFIX "z", "w1"}}},
        {{"pttl", NULL}, {{"PTTL", KEY_PREFIX "m"}}},
        {{"eval", NULL},
         {{"EVAL", "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', 1000) then return 1 end return 0", "1",
           KEY_PREFIX "s", "t1"},
          {"EVAL", "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", "1",
           KEY_PREFIX "s", "t1"}}},
    };
    sim_keyspace *ks = malloc(sizeof(*ks));
    if (ks == NULL) return;
    sim_ks_init(ks);
    lk_reply_node nodes[16];
    char bytes[256];
    lk_reply rep;
    lk_reply_init(&rep, nodes, 16, bytes, sizeof(bytes));
    printf("\n2b. the model Redis next to the server, per command (median of %d runs x %d calls)\n", RUNS, MODEL_CMDS);
    printf("  %-14s %10s %16s %14s %13s\n", "commands", "model ns", "server us/call", "round trip us", "server/model");
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        model_argv a;
        model_argv_init(&lines[i], &a);
        double model[RUNS], server[RUNS], rtt[RUNS];
        for (int run = 0; run < RUNS; run++) {
            sim_ks_reset(ks);
            double t0 = bench_now();
            for (int k = 0; k < MODEL_CMDS; k++)
                sim_redis_exec(ks, 1700000000000, a.argc[k % a.count], a.argv[k % a.count], a.len[k % a.count], &rep);
            model[run] = (bench_now() - t0) * 1e9 / MODEL_CMDS;
            redisReply *r = redisCommand(mc->c, "CONFIG RESETSTAT");
            if (r) freeReplyObject(r);
            t0 = bench_now();
            for (int k = 0; k < MODEL_CMDS / 10; k++) {
                r = redisCommandArgv(mc->c, a.argc[k % a.count], a.argv[k % a.count], a.len[k % a.count]);
                if (r) freeReplyObject(r);
            }
            rtt[run] = (bench_now() - t0) * 1e6 / (MODEL_CMDS / 10);
            server[run] = model_server_usec(mc->c, lines[i].names[0]);
            if (lines[i].names[1]) server[run] = (server[run] + model_server_usec(mc->c, lines[i].names[1])) / 2;
        }
        double m = bench_median(model, RUNS), sv = bench_median(server, RUNS), rt = bench_median(rtt, RUNS);
        char label[32];
        snprintf(label, sizeof(label), "%s%s%s", a.argv[0][0], a.count > 1 ? "+" : "", a.count > 1 ? a.argv[1][0] : "");
        printf("  %-14s %10.1f %16.2f %14.1f %12.1fx\n", label, m, sv, rt, sv * 1000 / m);
    }
    redisReply *r = redisCommand(mc->c, "DEL " KEY_PREFIX "m " KEY_PREFIX "n " KEY_PREFIX "h " KEY_PREFIX
                                        "l " KEY_PREFIX "z " KEY_PREFIX "s");
    if (r) freeReplyObject(r);
    free(ks);
}

static int bench_all(const char *url, const char *describe) {
    char err[512];
    lk_redis_url u;
    core_conn cc;
    minimal_conn mc;
    int rc = 4;
    memset(&cc, 0, sizeof(cc));
    memset(&mc, 0, sizeof(mc));
    if (lk_redis_url_parse(url, &u, err, sizeof(err)) != 0 || minimal_open(&mc, &u, err, sizeof(err)) != 0 ||
        core_open(&cc, url, err, sizeof(err)) != 0) {
        fprintf(stderr, "bench_redis: %s\n", err);
        core_close(&cc); /* both accept a zeroed or half-opened connection */
        minimal_close(&mc);
        return 4;
    }
    placement_report(&mc, describe);
    cycle_figures fig;
    int64_t events_before = metric_events(&cc);
    if (cycles_measure(&cc, &mc, &fig) != 0) goto done;
    double events_per_cycle = (double)(metric_events(&cc) - events_before) / ((RUNS + 0.0) * CYCLES + WARMUP_CYCLES);
    python_measure(&mc, &u, &fig);
    cycles_report(&fig);
    metrics_report(&cc, &fig, events_per_cycle);
    model_vs_redis(&mc);
    fflush(stdout);
    if (contend_measure(url, 1e6 / fig.rate[CYCLE_CORE]) != 0) goto done;
    rc = 0;
done:
    bench_cleanup(&cc);
    core_close(&cc);
    minimal_close(&mc);
    return rc;
}

int main(int argc, char **argv) {
    char err[512], describe[256];
    sim_backend_handle *owned = NULL;
    const char *url = argc > 1 ? argv[1] : NULL;
    printf("racebed Redis bench (-O2; hiredis %d.%d.%d; medians of %d runs; prints, asserts nothing)\n", HIREDIS_MAJOR,
           HIREDIS_MINOR, HIREDIS_PATCH, RUNS);
    if (url == NULL) {
        if (system("command -v redis-server >/dev/null 2>&1") != 0) {
            printf("Redis bench skipped: redis-server is not installed (sudo apt-get install redis-server)\n");
            return 0;
        }
        if (sim_backend_open("redis", &owned, err, sizeof(err)) != 0) {
            fprintf(stderr, "bench_redis: cannot start a redis-server: %s\n", err);
            return 4;
        }
        url = sim_backend_url(owned);
        snprintf(describe, sizeof(describe), "%s", sim_backend_describe(owned));
    } else {
        snprintf(describe, sizeof(describe), "at %s", url);
    }
    int rc = bench_all(url, describe);
    sim_backend_close(owned);
    return rc;
}
