/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_hash_jobs.c: the entry of the search over states (sim__exhaust_hash: a checkpoint it can report, the search
 * alone or with workers, the checkpoint saved), and the search on several cores (contract in sim_hash_search.h):
 * o->jobs worker processes, forked after the shared visited set and control are mapped, each searching from the root in its own
 * option order; each sends its result back through a pipe, and this process combines them.
 *
 * Combining: the space is complete when one worker finished the root. States are the shared set's count; executions, revisits and probes are summed over the workers (paths
 * two workers both explored count twice: 'duplicated' says how many states that was). The violation reported is the
 * first any worker found (which one can differ between runs; the verdict cannot, and every schedule replays).
 * Outcome fingerprints are sent back and merged into the caller's set.
 *
 * Wire format of a worker's report, in this process's own layout (the workers are forks of it): the result struct,
 * the violation path's length, cycle depth and options, then the outcome count and fingerprints.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/engine/sim_guard.h"
#include "sim/search/sim_hash_search.h"
#include "sim/search/sim_search_base.h"
#include "sim/search/sim_search_modes.h"

enum {
    HASH_JOBS_MAX = 64,
    JOBS_FP_BATCH = 4096, /* outcome fingerprints a worker writes, and this process reads, at once (64 KiB) */
};

static int jobs_write(int fd, const void *p, size_t n) {
    const unsigned char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads n bytes from a worker; 'ctl' is told to stop the workers when a SIGINT reached this process alone (not its
 * group). */
static int jobs_read(int fd, void *p, size_t n, sim_hash_control *ctl) {
    unsigned char *c = p;
    while (n > 0) {
        struct pollfd pf = {fd, POLLIN, 0};
        if (poll(&pf, 1, 200) <= 0) { /* nothing yet: pass a SIGINT on to the workers, then wait again */
            if (sim_guard_interrupted()) __atomic_store_n(&ctl->stop, 1, __ATOMIC_SEQ_CST);
            continue;
        }
        ssize_t r = read(fd, c, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        c += r;
        n -= (size_t)r;
    }
    return 0;
}

/* A worker: searches, reports on 'fd', never returns. */
static void jobs_worker(sim_run *run, const sim_config *cfg, const sim_exhaust_opts *o, const sim_bounds *bounds,
                        const sim_hash_worker *w, int fd) {
    sim_exhaust_opts wo = *o;
    sim_visited outcomes;
    sim_visited_init(&outcomes, o->outcomes ? o->outcomes->max : 0);
    wo.outcomes = o->outcomes ? &outcomes : NULL;
    wo.census = NULL; /* a census counts one process's states (the caller refuses it with workers) */
    sim_exhaust_result res;
    memset(&res, 0, sizeof(res));
    res.bounds = *bounds;
    sim_hash_found found = {NULL, 0, -1};
    sim__hash_search(run, cfg, &wo, &res, w, &found);
    if (res.setup_failed) /* the setup's error text lives in this process's arena */
        snprintf(res.setup_error, sizeof(res.setup_error), "%s%s", run->setup_error, run->backend_error);
    else
        sim__exhaust_thread_names(run, 0, run->thread_count, res.threads, sizeof(res.threads));
    uint64_t n = outcomes.count;
    int ok = jobs_write(fd, &res, sizeof(res)) == 0 && jobs_write(fd, &found.len, sizeof(found.len)) == 0 &&
             jobs_write(fd, &found.cycle, sizeof(found.cycle)) == 0 &&
             (found.path == NULL || jobs_write(fd, found.path, sizeof(int32_t) * (size_t)found.len) == 0) &&
             jobs_write(fd, &n, sizeof(n)) == 0;
    sim_fp batch[JOBS_FP_BATCH];
    size_t b = 0;
    for (size_t i = 0; ok && i < outcomes.cap; i++) {
        if ((outcomes.slot[i].lo | outcomes.slot[i].hi) == 0) continue;
        batch[b++] = outcomes.slot[i];
        if (b == JOBS_FP_BATCH) {
            ok = jobs_write(fd, batch, sizeof(batch)) == 0;
            b = 0;
        }
    }
    ok = ok && (b == 0 || jobs_write(fd, batch, b * sizeof(sim_fp)) == 0);
    _exit(ok ? 0 : 3);
}

/* Reads worker 'i''s report into 'r' and 'found', its outcomes into 'outcomes'; 0, or -1 if it ended without one. */
static int jobs_collect(int fd, sim_hash_control *ctl, sim_exhaust_result *r, sim_hash_found *found,
                        sim_visited *outcomes, int64_t *new_outcomes) {
    found->path = NULL;
    if (jobs_read(fd, r, sizeof(*r), ctl) != 0 || jobs_read(fd, &found->len, sizeof(found->len), ctl) != 0 ||
        jobs_read(fd, &found->cycle, sizeof(found->cycle), ctl) != 0)
        return -1;
    if (found->len > 0 || r->violations > 0) {
        found->path = calloc((size_t)found->len + 1, sizeof(int32_t));
        if (found->path == NULL || jobs_read(fd, found->path, sizeof(int32_t) * (size_t)found->len, ctl) != 0)
            return -1;
    }
    uint64_t n;
    if (jobs_read(fd, &n, sizeof(n), ctl) != 0) return -1;
    sim_fp batch[JOBS_FP_BATCH];
    for (uint64_t k = 0; k < n;) {
        size_t b = n - k < JOBS_FP_BATCH ? (size_t)(n - k) : JOBS_FP_BATCH;
        if (jobs_read(fd, batch, b * sizeof(sim_fp), ctl) != 0) return -1;
        for (size_t i = 0; i < b; i++)
            if (outcomes && sim_visited_add(outcomes, batch[i], 0) > 0) (*new_outcomes)++;
        k += b;
    }
    return 0;
}

/* Adds worker result 'r' into the combined 'res'. */
static void jobs_combine(sim_exhaust_result *res, const sim_exhaust_opts *o, const sim_exhaust_result *r) {
    res->execs += r->execs;
    res->steps += r->steps;
    res->violations += r->violations;
    res->revisits += r->revisits;
    res->duplicated += r->duplicated;
    for (size_t k = 0; k < sizeof(res->sym_states) / sizeof(res->sym_states[0]); k++)
        res->sym_states[k] += r->sym_states[k];
    res->points += r->points;
    res->options_sum += r->options_sum;
    if (r->options_max > res->options_max) res->options_max = r->options_max;
    res->memory_bytes += r->memory_bytes;
    res->cut_by_depth |= r->cut_by_depth;
    for (int p = 0; p < SIM_PROBES_MAX; p++)
        res->probe_execs[p] += r->probe_execs[p];
    for (int e = 0; e < SIM_EXPECTATIONS_MAX; e++)
        res->unchecked_execs[e] += r->unchecked_execs[e];
    for (int v = 0; v < r->violated_count; v++)
        sim__exhaust_violated(res, o, r->violated[v]);
    if (r->complete) {
        res->complete = 1;
        res->naive_execs = r->naive_execs;
    }
}

static void hash_jobs(sim_run *run, const sim_config *cfg, const sim_exhaust_opts *o, sim_exhaust_result *res,
                      sim_schedule *first) {
    int jobs = o->jobs > HASH_JOBS_MAX ? HASH_JOBS_MAX : o->jobs;
    char err[256];
    sim_visited *seen = sim_visited_new_shared(sim_exhaust_states_max(o), 1, err, sizeof(err));
    sim_hash_control *ctl = mmap(NULL, sizeof(*ctl), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (seen == NULL || ctl == MAP_FAILED) {
        res->stopped = "cannot map the shared visited set (lower --states-max, or --jobs 1)";
        sim_visited_free_shared(seen);
        if (ctl != MAP_FAILED) munmap(ctl, sizeof(*ctl));
        return;
    }
    ctl->winner = -1;
    sim_hash_worker w[HASH_JOBS_MAX];
    pid_t pid[HASH_JOBS_MAX];
    int fd[HASH_JOBS_MAX];
    int started = 0;
    fflush(NULL); /* nothing buffered may be written twice */
    pid_t parent = getpid();
    for (; started < jobs; started++) {
        int p[2];
        if (pipe(p) != 0) break;
        w[started] = (sim_hash_worker){started, jobs, seen, ctl};
        pid[started] = fork();
        if (pid[started] < 0) {
            close(p[0]);
            close(p[1]);
            break;
        }
        if (pid[started] == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL); /* a worker never outlives the search it works for */
            if (getppid() != parent) _exit(3);
            close(p[0]);
            for (int k = 0; k < started; k++)
                close(fd[k]);
            jobs_worker(run, cfg, o, &res->bounds, &w[started], p[1]);
        }
        close(p[1]);
        fd[started] = p[0];
    }
    if (started < jobs) __atomic_store_n(&ctl->stop, 1, __ATOMIC_SEQ_CST); /* cannot start them all: stop those */
    sim_hash_found found[HASH_JOBS_MAX];
    sim_verdict first_of[HASH_JOBS_MAX];
    sim_exhaust_result r;
    int died = -1, status = 0;
    const char *stopped = started < jobs ? "cannot start the workers (fork or pipe failed)" : NULL;
    for (int k = 0; k < started; k++) {
        memset(&r, 0, sizeof(r));
        int got = jobs_collect(fd[k], ctl, &r, &found[k], o->outcomes, &res->outcomes) == 0;
        close(fd[k]);
        while (waitpid(pid[k], &status, 0) < 0 && errno == EINTR) {
        }
        if (!got) {
            died = k;
            __atomic_store_n(&ctl->stop, 1, __ATOMIC_SEQ_CST);
            continue;
        }
        if (r.setup_failed) {
            res->setup_failed = 1;
            memcpy(res->setup_error, r.setup_error, sizeof(res->setup_error));
        }
        first_of[k] = r.first;
        if (res->threads[0] == '\0') memcpy(res->threads, r.threads, sizeof(res->threads));
        if (res->symmetric[0] == '\0') memcpy(res->symmetric, r.symmetric, sizeof(res->symmetric));
        if (r.stopped && strcmp(r.stopped, "another worker ended the search") != 0 && stopped == NULL)
            stopped = r.stopped;
        jobs_combine(res, o, &r);
    }
    res->jobs = started;
    res->states = (int64_t)sim_visited_count(seen);
    res->memory_bytes += sim_visited_bytes(seen);
    if (died >= 0) {
        snprintf(res->why, sizeof(res->why), "worker %d ended without a report (%s %d)", died,
                 WIFSIGNALED(status) ? "signal" : "exit status",
                 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        res->complete = 0;
        stopped = res->why;
    }
    if (!res->complete) res->stopped = sim_guard_interrupted() ? "interrupted (SIGINT)" : stopped;
    int winner = ctl->winner >= 0 && ctl->winner < started ? ctl->winner : -1;
    for (int k = 0; winner < 0 && k < started; k++) /* keep_going: the violation of the lowest worker that found one */
        if (died != k && found[k].path) winner = k;
    if (winner >= 0 && died != winner) {
        res->first = first_of[winner];
        sim__hash_found_record(run, cfg, o, res, &found[winner], first);
    }
    for (int k = 0; k < started; k++)
        free(found[k].path);
    sim_visited_free_shared(seen);
    munmap(ctl, sizeof(*ctl));
}

/* A checkpoint of this search that holds its completed, passing result: the search is not repeated. One that holds
 * it incomplete (or with a violation, whose schedule it does not keep) is started over. */
static int hash_resume(const sim_config *cfg, const sim_exhaust_opts *o, sim_exhaust_result *res) {
    sim_exhaust_state st;
    if (o->checkpoint == NULL || !sim__exhaust_load(o, cfg, res, &st)) return 0;
    int done = st.complete && st.violations == 0;
    if (done)
        sim__exhaust_resumed(&st, res);
    else
        res->restarted = 1;
    sim_exhaust_state_free(&st);
    return done;
}

void sim__exhaust_hash(sim_run *run, const sim_config *cfg, const sim_exhaust_opts *o, sim_exhaust_result *res,
                       sim_schedule *first) {
    if (hash_resume(cfg, o, res)) return;
    if (o->jobs > 1) {
        hash_jobs(run, cfg, o, res, first);
    } else {
        sim_hash_found found = {NULL, 0, -1};
        sim__hash_search(run, cfg, o, res, NULL, &found);
        sim__hash_found_record(run, cfg, o, res, &found, first);
        free(found.path);
    }
    if (o->checkpoint && !res->setup_failed && sim__exhaust_save(run, o, cfg, res, NULL, NULL, 0) != 0 &&
        !res->complete)
        res->stopped = res->checkpoint_error;
}
