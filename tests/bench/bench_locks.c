/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_locks.c: the fair lock and the reader-writer lock on a real redis-server, next to minimal hand-written hiredis
 * loops that send the same scripts. Measures and prints; asserts nothing. Every figure is the median of 5 runs of a
 * fixed count, the runs of the compared loops are interleaved, and each ratio is taken within this one run.
 *
 *   4. Fair lock under contention: N = 4 and 16 pthreads, each with its own connection, take one lock, write the
 *      resource once (INCR) and release it, LOCKS locks per run. Variants:
 *        lk_fair     the core (lk_fair_acquire, lk_fair_release through lk_redis_store and lk_posix_env);
 *        minimal     a hand-written hiredis handoff loop sending the same commands: EVALSHA of lk_fair's TRY, BLPOP
 *                    on the waiter's list, EVALSHA of RELEASE and, when it named a waiter, of WAKE;
 *        lk_mutex    today's barging blocking acquire (default backoff);
 *        naive spin  SET NX PX until stored, INCR, DEL;
 *        redis-py    Debian's python3-redis Lock (its defaults: blocking, sleep 0.1 s between tries), N threads in
 *                    one python3 process (tests/bench/bench_locks_py.py), fewer locks per run.
 *      Figures: handoffs/s; lk_fair / minimal (goal >= 0.9); handoffs per PING round trip (context: one handoff
 *      costs at least the release's and the wake-up's round trips); per-thread max/min acquisitions, worst run (goal
 *      <= 1.5); the p99 wait of every acquire over all runs against 1.5 x (N + 1) lk_fair handoff times.
 *   5. Reader-writer lock, one connection, no contention: read cycles/s (read acquire + release) and write cycles/s,
 *      lk_rwlock vs a minimal hiredis loop sending EVALSHA of the same scripts (goal >= 0.9).
 *
 * Usage: bench_locks [redis://HOST:PORT[/DB]]. Without a URL it starts and owns a redis-server (stopped by PID). It
 * writes only keys under "racebed:bench:" and deletes them at the end.
 */
#define _GNU_SOURCE
#include <hiredis/hiredis.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/lk_fair.h"
#include "core/lk_posix_env.h"
#include "core/lk_redis_store.h"
#include "core/lk_rwlock.h"
#include "sim/real/sim_redis_backend.h"
#include "tests/bench/bench_util.h"

enum {
    RUNS = 5,         /* repeats of every measurement; figures are medians */
    LOCKS = 2000,     /* locks per contention run, all threads together */
    PY_LOCKS = 100,   /* per redis-py run (it sleeps 0.1 s between tries) */
    CYCLES = 2000,    /* cycles per single-connection run */
    THREADS_MAX = 16, /* the largest N */
    TTL_MS = 3000,    /* lease of every lock taken here: never expires during a cycle */
    SPIN_TRIES_MAX = 1 << 24,
    WAIT_POOL = RUNS * (LOCKS + THREADS_MAX) /* > every run's acquires: a run ends fewer than N past the count */
};
static const double GOAL_CORE_VS_MINIMAL = 0.9;
static const double GOAL_SPREAD_MAX = 1.5;
static const double GOAL_P99_HANDOFFS = 1.5; /* p99 wait <= 1.5 x (N + 1) handoff times */

#define KEY_PREFIX "racebed:bench:"
#define FAIR_NAME KEY_PREFIX "{fair}"
#define TTL_TEXT "3000"
#define WAIT_TEXT "1.000" /* the minimal waiter's BLPOP timeout: lk_fair's TTL/3 */

/* ---- a bare hiredis connection ------------------------------------------------------------------------------------ */

static redisContext *raw_open(const lk_redis_url *u) {
    redisContext *c = redisConnect(u->host, u->port);
    if (c == NULL || c->err) {
        if (c) redisFree(c);
        return NULL;
    }
    char db[16];
    snprintf(db, sizeof(db), "%d", u->db);
    const char *auth[] = {"AUTH", u->password}, *select[] = {"SELECT", db};
    redisReply *r;
    if (u->password[0] && (r = redisCommandArgv(c, 2, auth, NULL)) != NULL) freeReplyObject(r);
    if (u->db != 0 && (r = redisCommandArgv(c, 2, select, NULL)) != NULL) freeReplyObject(r);
    return c;
}

/* SCRIPT LOAD of 'body' into 'sha' (41 bytes). Returns 0 or -1. */
static int raw_load(redisContext *c, const char *body, char *sha) {
    const char *argv[] = {"SCRIPT", "LOAD", body};
    redisReply *r = redisCommandArgv(c, 3, argv, NULL);
    int ok = r && r->type == REDIS_REPLY_STRING && r->len == 40;
    if (ok) memcpy(sha, r->str, 41);
    if (r) freeReplyObject(r);
    return ok ? 0 : -1;
}

/* The integer of a reply, or of element 'k' of an array reply; -1 when absent. */
static long long reply_int(const redisReply *r, int k) {
    if (r == NULL) return -1;
    if (k < 0) return r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (r->type != REDIS_REPLY_ARRAY || (size_t)k >= r->elements) return -1;
    const redisReply *e = r->element[k];
    if (e->type == REDIS_REPLY_INTEGER) return e->integer;
    if (e->type == REDIS_REPLY_STRING) return atoll(e->str);
    return -1;
}

/* ---- 4. the fair lock under contention ---------------------------------------------------------------------------- */

typedef enum { V_FAIR, V_MINIMAL, V_MUTEX, V_SPIN, V_PY, VARIANTS_ } variant;
static const char *const variant_name[VARIANTS_] = {"lk_fair", "minimal", "lk_mutex", "naive spin", "redis-py"};

typedef struct contend_run {
    const char *url;
    lk_redis_url u;
    int threads;
    variant v;
    int64_t completed; /* atomic */
    int stop;          /* atomic */
    int64_t end_ns;    /* when 'completed' reached LOCKS */
    pthread_barrier_t ready;
} contend_run;

typedef struct worker {
    contend_run *run;
    int index;
    pthread_t thread;
    int64_t acquired;
    int64_t *wait_ns; /* LOCKS slots, touched before the run */
    int64_t waits;
    char errmsg[200];
} worker;

static int going(contend_run *run) {
    return !__atomic_load_n(&run->stop, __ATOMIC_RELAXED) && __atomic_load_n(&run->completed, __ATOMIC_RELAXED) < LOCKS;
}

static void acquired(worker *w, int64_t t0) {
    if (w->waits < LOCKS) w->wait_ns[w->waits++] = bench_now_ns() - t0;
}

static void done_one(worker *w) {
    w->acquired++;
    if (__atomic_add_fetch(&w->run->completed, 1, __ATOMIC_RELAXED) == LOCKS) w->run->end_ns = bench_now_ns();
}

static lk_rc write_resource(const lk_env *env) {
    lk_store_op op = {.kind = LK_OP_INCR, .key = KEY_PREFIX "fair:res"};
    lk_store_reply reply;
    return lk_env_store_exec(env, &op, &reply);
}

static int loop_fair(worker *w, const lk_env *env) {
    lk_fair f;
    lk_fair_opts o = {.ttl_ms = TTL_MS};
    int ok = lk_fair_init(&f, env, FAIR_NAME, &o) == LK_OK;
    while (ok && going(w->run)) {
        lk_outcome out;
        int64_t t0 = bench_now_ns();
        lk_rc rc = lk_fair_acquire(&f, lk_env_mono_ns(env) + INT64_C(30000000000), &out);
        if (rc == LK_OK) acquired(w, t0);
        if (rc == LK_OK) rc = write_resource(env);
        if (rc == LK_OK) rc = lk_fair_release(&f, &out);
        ok = rc == LK_OK && out == LK_RELEASED;
        if (ok) done_one(w);
    }
    if (!ok) snprintf(w->errmsg, sizeof(w->errmsg), "lk_fair: %s", lk_fair_errmsg(&f));
    lk_fair_fini(&f);
    return ok;
}

static int loop_mutex(worker *w, const lk_env *env) {
    lk_mutex m;
    lk_mutex_opts o = {.ttl_ms = TTL_MS};
    int ok = lk_mutex_init(&m, env, KEY_PREFIX "mutex", &o) == LK_OK;
    while (ok && going(w->run)) {
        lk_outcome out;
        int64_t t0 = bench_now_ns();
        lk_rc rc = lk_mutex_acquire(&m, lk_env_mono_ns(env) + INT64_C(30000000000), &out);
        if (rc == LK_OK) acquired(w, t0);
        if (rc == LK_OK) rc = write_resource(env);
        if (rc == LK_OK) rc = lk_mutex_release(&m, &out);
        ok = rc == LK_OK && out == LK_RELEASED;
        if (ok) done_one(w);
    }
    if (!ok) snprintf(w->errmsg, sizeof(w->errmsg), "lk_mutex: %s", lk_mutex_errmsg(&m));
    lk_mutex_fini(&m);
    return ok;
}

static int loop_spin(worker *w, const lk_env *env) {
    char token[32];
    snprintf(token, sizeof(token), "spin-%d", w->index);
    lk_store_op set = {
        .kind = LK_OP_SET, .key = KEY_PREFIX "spin", .value = token, .ttl_ms = TTL_MS, .flags = LK_SET_NX};
    lk_store_op del = {.kind = LK_OP_DEL, .key = KEY_PREFIX "spin"};
    lk_store_reply reply;
    lk_rc rc = LK_OK;
    while (rc == LK_OK && going(w->run)) {
        int tries = 0;
        int64_t t0 = bench_now_ns();
        while ((rc = lk_env_store_exec(env, &set, &reply)) == LK_OK && reply.outcome != LK_STORED) {
            if (!going(w->run)) return 1;
            if (++tries == SPIN_TRIES_MAX) rc = LK_ELIMIT;
        }
        if (rc == LK_OK) acquired(w, t0);
        if (rc == LK_OK) rc = write_resource(env);
        if (rc == LK_OK) rc = lk_env_store_exec(env, &del, &reply);
        if (rc == LK_OK) done_one(w);
    }
    if (rc != LK_OK) snprintf(w->errmsg, sizeof(w->errmsg), "spin: %s", lk_rc_name(rc));
    return rc == LK_OK;
}

/* The minimal handoff loop: lk_fair's commands and nothing else (tokens from a counter, no env, no metrics). */
static int loop_minimal(worker *w) {
    redisContext *c = raw_open(&w->run->u);
    char sha_try[41], sha_rel[41], sha_wake[41];
    if (c == NULL || raw_load(c, lk_fair_script_text(LK_FAIR_TRY), sha_try) != 0 ||
        raw_load(c, lk_fair_script_text(LK_FAIR_RELEASE), sha_rel) != 0 ||
        raw_load(c, lk_fair_script_text(LK_FAIR_WAKE), sha_wake) != 0) {
        snprintf(w->errmsg, sizeof(w->errmsg), "minimal: connect or SCRIPT LOAD failed");
        if (c) redisFree(c);
        return 0;
    }
    const char *k_owner = FAIR_NAME ":owner", *k_q = FAIR_NAME ":q", *k_qt = FAIR_NAME ":qt", *k_seq = FAIR_NAME ":seq",
               *k_fence = FAIR_NAME ":fence";
    unsigned long long seq = 0;
    int ok = 1;
    while (ok && going(w->run)) {
        char token[33], wake[LK_KEY_MAX];
        snprintf(token, sizeof(token), "%016llx%016llx", 0xbe0c0000ULL + (unsigned long long)w->index, ++seq);
        snprintf(wake, sizeof(wake), FAIR_NAME ":wake:%s", token);
        int64_t t0 = bench_now_ns();
        long long seen = 0;
        int held = 0;
        while (ok && !held) {
            const char *try[] = {"EVALSHA", sha_try, "6",  k_owner, k_q,      k_qt,
                                 k_seq,     k_fence, wake, token,   TTL_TEXT, TTL_TEXT};
            redisReply *r = redisCommandArgv(c, 12, try, NULL);
            long long code = reply_int(r, 0);
            seen = reply_int(r, 1);
            if (r) freeReplyObject(r);
            if (code == 1 || code == 2) {
                held = 1;
                break;
            }
            ok = code == 0;
            const char *blpop[] = {"BLPOP", wake, WAIT_TEXT};
            r = ok ? redisCommandArgv(c, 3, blpop, NULL) : NULL;
            if (r && r->type == REDIS_REPLY_ARRAY && reply_int(r, 1) > seen) held = 1;
            if (r) freeReplyObject(r);
        }
        if (!ok) break;
        acquired(w, t0);
        const char *incr[] = {"INCR", KEY_PREFIX "fair:res"};
        redisReply *r = redisCommandArgv(c, 2, incr, NULL);
        ok = r && r->type == REDIS_REPLY_INTEGER;
        if (r) freeReplyObject(r);
        const char *rel[] = {"EVALSHA", sha_rel, "5", k_owner, k_q, k_qt, k_seq, k_fence, token, TTL_TEXT};
        r = ok ? redisCommandArgv(c, 10, rel, NULL) : NULL;
        ok = reply_int(r, 0) == 1;
        if (ok && r->elements == 3 && r->element[2]->type == REDIS_REPLY_STRING && r->element[2]->len > 33) {
            char next[LK_KEY_MAX], fence[24];
            snprintf(next, sizeof(next), FAIR_NAME ":wake:%.32s", r->element[2]->str);
            snprintf(fence, sizeof(fence), "%lld", reply_int(r, 1));
            const char *wk[] = {"EVALSHA", sha_wake, "1", next, fence, r->element[2]->str + 33};
            redisReply *r2 = redisCommandArgv(c, 6, wk, NULL);
            if (r2) freeReplyObject(r2);
        }
        if (r) freeReplyObject(r);
        if (ok) done_one(w);
    }
    if (!ok) snprintf(w->errmsg, sizeof(w->errmsg), "minimal: a reply it does not expect");
    redisFree(c);
    return ok;
}

static void *worker_main(void *arg) {
    worker *w = arg;
    contend_run *run = w->run;
    lk_redis_store *store = NULL;
    lk_posix_env pe;
    int pe_ready = 0;
    if (run->v != V_MINIMAL && lk_redis_store_open(run->url, NULL, &store, w->errmsg, sizeof(w->errmsg)) == LK_OK)
        pe_ready = lk_posix_env_init(&pe, lk_redis_store_iface(store)) == LK_OK;
    pthread_barrier_wait(&run->ready);
    int ok = run->v == V_MINIMAL ? loop_minimal(w)
             : !pe_ready         ? 0
             : run->v == V_FAIR  ? loop_fair(w, &pe.env)
             : run->v == V_MUTEX ? loop_mutex(w, &pe.env)
                                 : loop_spin(w, &pe.env);
    if (!ok) __atomic_store_n(&run->stop, 1, __ATOMIC_RELAXED);
    if (pe_ready) lk_posix_env_fini(&pe);
    lk_redis_store_close(store);
    return NULL;
}

/* One variant's totals over its runs. */
typedef struct result {
    double rate[RUNS];   /* handoffs/s of each run */
    double spread[RUNS]; /* busiest thread's locks / least busy one's (INFINITY: one got none) */
    int64_t *wait_ns;    /* every acquire's wait, all runs */
    int64_t waits;
    int runs; /* runs measured (redis-py may be skipped) */
    char note[160];
} result;

/* Deletes every key under the bench prefix (between runs: a fresh queue and counters). */
static void flush_keys(const lk_redis_url *u) {
    redisContext *c = raw_open(u);
    if (c == NULL) return;
    const char *argv[] = {"EVAL",
                          "local n = 0 for _, k in ipairs(redis.call('KEYS', ARGV[1])) do n = n + redis.call('DEL', k) "
                          "end return n",
                          "0", KEY_PREFIX "*"};
    redisReply *r = redisCommandArgv(c, 4, argv, NULL);
    if (r) freeReplyObject(r);
    redisFree(c);
}

static int run_once(const char *url, const lk_redis_url *u, int n, variant v, result *res) {
    flush_keys(u);
    contend_run run = {.url = url, .u = *u, .threads = n, .v = v};
    worker w[THREADS_MAX];
    for (int i = 0; i < n; i++) {
        w[i] = (worker){.run = &run, .index = i, .wait_ns = calloc(LOCKS, sizeof(int64_t))};
        if (w[i].wait_ns == NULL) return -1;
    }
    pthread_barrier_init(&run.ready, NULL, (unsigned)n + 1);
    for (int i = 0; i < n; i++)
        if (pthread_create(&w[i].thread, NULL, worker_main, &w[i]) != 0) exit(4);
    pthread_barrier_wait(&run.ready);
    int64_t t0 = bench_now_ns();
    for (int i = 0; i < n; i++)
        pthread_join(w[i].thread, NULL);
    pthread_barrier_destroy(&run.ready);
    int64_t most = 0, least = INT64_MAX;
    int bad = -1;
    for (int i = 0; i < n; i++) {
        if (w[i].acquired > most) most = w[i].acquired;
        if (w[i].acquired < least) least = w[i].acquired;
        for (int64_t k = 0; k < w[i].waits && res->waits < WAIT_POOL; k++)
            res->wait_ns[res->waits++] = w[i].wait_ns[k];
        free(w[i].wait_ns);
        if (w[i].errmsg[0] && bad < 0) bad = i;
    }
    if (bad >= 0 || run.end_ns == 0) {
        fprintf(stderr, "bench_locks: %s worker %d: %s\n", variant_name[v], bad,
                bad >= 0 ? w[bad].errmsg : "unfinished");
        return -1;
    }
    res->spread[res->runs] = least > 0 ? (double)most / (double)least : INFINITY;
    res->rate[res->runs++] = LOCKS / ((double)(run.end_ns - t0) / 1e9);
    return 0;
}

/* redis-py: one run of tests/bench/bench_locks_py.py with N threads; parses "locks/s X spread Y" and the waits. */
static void run_py(const lk_redis_url *u, int n, result *res) {
    const char *py = getenv("BENCH_PYTHON");
    if (py == NULL || py[0] == '\0') py = "python3";
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "%s tests/bench/bench_locks_py.py %s %d %d %d %d 2>&1", py, u->host, u->port, u->db, n,
             PY_LOCKS);
    flush_keys(u);
    FILE *p = popen(cmd, "r");
    if (p == NULL) return;
    char line[256];
    double rate = 0, spread = 0;
    while (fgets(line, sizeof(line), p)) {
        long long wait_us;
        if (sscanf(line, "locks/s %lf spread %lf", &rate, &spread) == 2) continue;
        if (sscanf(line, "wait_us %lld", &wait_us) == 1 && res->waits < WAIT_POOL) {
            res->wait_ns[res->waits++] = wait_us * 1000;
            continue;
        }
        if (strncmp(line, "skip:", 5) == 0 || res->note[0] == '\0') {
            line[strcspn(line, "\n")] = '\0';
            snprintf(res->note, sizeof(res->note), "%s", line);
        }
    }
    int st = pclose(p);
    if (st == 0 && rate > 0) {
        res->spread[res->runs] = spread <= 0 ? INFINITY : spread;
        res->rate[res->runs++] = rate;
        res->note[0] = '\0';
    }
}

static double ping_us(const lk_redis_url *u) {
    redisContext *c = raw_open(u);
    if (c == NULL) return 0;
    double rate[RUNS];
    const char *ping[] = {"PING"};
    for (int r = 0; r < RUNS; r++) {
        int64_t t0 = bench_now_ns();
        for (int i = 0; i < CYCLES; i++) {
            redisReply *rep = redisCommandArgv(c, 1, ping, NULL);
            if (rep) freeReplyObject(rep);
        }
        rate[r] = (double)(bench_now_ns() - t0) / 1e3 / CYCLES;
    }
    redisFree(c);
    return bench_median(rate, RUNS);
}

static void report_row(variant v, result *res, double fair_rate, double minimal_rate, double ping, int n) {
    if (res->runs == 0) {
        printf("  %3d  %-11s %s\n", n, variant_name[v], res->note[0] ? res->note : "not measured");
        return;
    }
    double rate = bench_median(res->rate, res->runs), worst = res->spread[0];
    for (int r = 1; r < res->runs; r++)
        if (res->spread[r] > worst) worst = res->spread[r];
    double handoff_us = 1e6 / fair_rate, bound_us = GOAL_P99_HANDOFFS * (n + 1) * handoff_us;
    qsort(res->wait_ns, (size_t)res->waits, sizeof(int64_t), bench_cmp_i64);
    int64_t k = res->waits > 0 ? (99 * res->waits + 99) / 100 - 1 : 0;
    double p99 = res->waits > 0 ? (double)res->wait_ns[k] / 1e3 : NAN;
    char ratio[32] = "", spread[16];
    if (v == V_FAIR)
        snprintf(ratio, sizeof(ratio), "%.2fx %s", rate / minimal_rate,
                 rate / minimal_rate >= GOAL_CORE_VS_MINIMAL ? "met" : "below");
    snprintf(spread, sizeof(spread), isinf(worst) ? "inf" : "%.2f", worst);
    printf("  %3d  %-11s %10.0f  %-11s %8.2f  %7s %-5s %10.0f %6.2fx %s\n", n, variant_name[v], rate, ratio,
           rate * ping / 1e6, spread, worst <= GOAL_SPREAD_MAX ? "met" : "below", p99, p99 / bound_us,
           p99 <= bound_us ? "met" : "below");
}

static int fair_measure(const char *url, const lk_redis_url *u) {
    double ping = ping_us(u);
    printf("4. fair lock under contention: N threads, one connection each, one lock guarding one INCR\n");
    printf("   median of %d runs of %d locks (redis-py: %d); PING round trip %.1f us\n", RUNS, LOCKS, PY_LOCKS, ping);
    printf("  %3s  %-11s %10s  %-11s %8s  %7s %-5s %10s %7s\n", "N", "variant", "handoffs/s", "vs minimal", "per PING",
           "max/min", "<=1.5", "p99 wait us", "/bound");
    const int ns[] = {4, THREADS_MAX};
    for (int i = 0; i < 2; i++) {
        result res[VARIANTS_];
        memset(res, 0, sizeof(res));
        for (int v = 0; v < VARIANTS_; v++)
            if ((res[v].wait_ns = malloc(sizeof(int64_t) * WAIT_POOL)) == NULL) return -1;
        int rc = 0;
        for (int r = 0; r < RUNS && rc == 0; r++)
            for (int v = 0; v < VARIANTS_ && rc == 0; v++) {
                if (v == V_PY)
                    run_py(u, ns[i], &res[v]);
                else
                    rc = run_once(url, u, ns[i], (variant)v, &res[v]);
            }
        if (rc == 0) {
            double fair = bench_median(res[V_FAIR].rate, res[V_FAIR].runs),
                   minimal = bench_median(res[V_MINIMAL].rate, RUNS);
            for (int v = 0; v < VARIANTS_; v++)
                report_row((variant)v, &res[v], fair, minimal, ping, ns[i]);
            printf("       bound = %.1f x (N + 1) lk_fair handoff times = %.0f us\n", GOAL_P99_HANDOFFS,
                   GOAL_P99_HANDOFFS * (ns[i] + 1) * 1e6 / fair);
        }
        for (int v = 0; v < VARIANTS_; v++)
            free(res[v].wait_ns);
        if (rc != 0) return -1;
    }
    printf("\n");
    return 0;
}

/* ---- 5. reader-writer cycles -------------------------------------------------------------------------------------- */

static double rw_core_rate(lk_rwlock *rw, lk_rw_mode mode) {
    int64_t t0 = bench_now_ns();
    for (int i = 0; i < CYCLES; i++) {
        lk_outcome out;
        if (lk_rwlock_acquire(rw, mode, lk_env_mono_ns(rw->env) + INT64_C(10000000000), &out) != LK_OK) return 0;
        if (lk_rwlock_release(rw, &out) != LK_OK || out != LK_RELEASED) return 0;
    }
    return CYCLES / ((double)(bench_now_ns() - t0) / 1e9);
}

static double rw_minimal_rate(redisContext *c, const char *sha_acq, const char *sha_rel, int write) {
    const char *w = KEY_PREFIX "{rw}:w", *r = KEY_PREFIX "{rw}:r", *wq = KEY_PREFIX "{rw}:wq",
               *fence = KEY_PREFIX "{rw}:fence";
    int64_t t0 = bench_now_ns();
    for (int i = 0; i < CYCLES; i++) {
        char token[33];
        snprintf(token, sizeof(token), "%016llx%016llx", 0x7700ULL, (unsigned long long)i + 1);
        const char *acq[] = {"EVALSHA", sha_acq, "4", w, r, wq, fence, token, TTL_TEXT, "3200"};
        redisReply *rep = redisCommandArgv(c, write ? 10 : 9, acq, NULL);
        long long code = reply_int(rep, 0);
        if (rep) freeReplyObject(rep);
        if (code != 1) return 0;
        const char *rel_r[] = {"EVALSHA", sha_rel, "1", r, token}, *rel_w[] = {"EVALSHA", sha_rel, "2", w, wq, token};
        rep = write ? redisCommandArgv(c, 6, rel_w, NULL) : redisCommandArgv(c, 5, rel_r, NULL);
        code = reply_int(rep, -1);
        if (rep) freeReplyObject(rep);
        if (code != 1) return 0;
    }
    return CYCLES / ((double)(bench_now_ns() - t0) / 1e9);
}

static int rw_measure(const char *url, const lk_redis_url *u) {
    lk_redis_store *store = NULL;
    lk_posix_env pe;
    char err[256];
    redisContext *c = raw_open(u);
    char sha[4][41];
    if (c == NULL || lk_redis_store_open(url, NULL, &store, err, sizeof(err)) != LK_OK) return -1;
    for (int s = 0; s < 4; s++)
        if (raw_load(c, lk_rwlock_script_text((lk_rwlock_script)s), sha[s]) != 0) return -1;
    lk_posix_env_init(&pe, lk_redis_store_iface(store));
    lk_rwlock rw;
    lk_rwlock_opts o = {.ttl_ms = TTL_MS};
    lk_rwlock_init(&rw, &pe.env, KEY_PREFIX "{rw}", &o);
    double rate[4][RUNS]; /* core read, minimal read, core write, minimal write */
    for (int r = 0; r < RUNS; r++) {
        rate[0][r] = rw_core_rate(&rw, LK_RW_READ);
        rate[1][r] = rw_minimal_rate(c, sha[0], sha[2], 0);
        rate[2][r] = rw_core_rate(&rw, LK_RW_WRITE);
        rate[3][r] = rw_minimal_rate(c, sha[1], sha[3], 1);
    }
    printf("5. reader-writer lock, one connection, no contention: cycles/s (acquire + release), median of %d runs of "
           "%d\n",
           RUNS, CYCLES);
    printf("  %-6s %12s %12s %10s\n", "mode", "lk_rwlock", "minimal", "ratio");
    for (int m = 0; m < 2; m++) {
        double core = bench_median(rate[2 * m], RUNS), minimal = bench_median(rate[2 * m + 1], RUNS);
        printf("  %-6s %12.0f %12.0f %9.2fx %s\n", m ? "write" : "read", core, minimal, core / minimal,
               core / minimal >= GOAL_CORE_VS_MINIMAL ? "goal met" : "below goal");
    }
    printf("\n");
    lk_rwlock_fini(&rw);
    lk_posix_env_fini(&pe);
    lk_redis_store_close(store);
    redisFree(c);
    return 0;
}

int main(int argc, char **argv) {
    char err[512];
    sim_backend_handle *owned = NULL;
    const char *url = argc > 1 ? argv[1] : NULL;
    if (url == NULL) {
        if (sim_backend_open("redis", &owned, err, sizeof(err)) != 0) {
            printf("bench_locks skipped: %s\n", err);
            return 0;
        }
        url = sim_backend_url(owned);
    }
    lk_redis_url u;
    if (lk_redis_url_parse(url, &u, err, sizeof(err)) != 0) {
        fprintf(stderr, "bench_locks: %s\n", err);
        return 2;
    }
    int rc = fair_measure(url, &u) == 0 && rw_measure(url, &u) == 0 ? 0 : 4;
    flush_keys(&u);
    sim_backend_close(owned);
    return rc;
}
