/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_checkpoint.c: the checkpoint format, its parser, and its file I/O (contract in sim_checkpoint.h).
 */
#define _GNU_SOURCE
#include "sim/search/sim_checkpoint.h"
#include "sim/search/sim_exhaust.h"

#include "sim/run/sim_text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t hash_i64(uint64_t h, int64_t v) {
    for (int b = 0; b < 8; b++)
        h = (h ^ (uint64_t)((v >> (8 * b)) & 0xff)) * UINT64_C(1099511628211);
    return h;
}

static uint64_t hash_text(uint64_t h, const char *text) {
    for (const char *p = text ? text : ""; *p; p++)
        h = (h ^ (unsigned char)*p) * UINT64_C(1099511628211);
    return (h ^ 0xff) * UINT64_C(1099511628211); /* an end mark: "a" then "b" differs from "ab" then "" */
}

uint64_t sim_exhaust_config_hash(const sim_config *cfg, const sim_bounds *b, const char *oracle) {
    uint64_t h = UINT64_C(14695981039346656037);
    h = hash_text(h, oracle);              /* --oracle: other oracles' violations end paths uncounted */
    h = hash_text(h, cfg->ignore_oracles); /* --ignore-oracle: these violations are notes */
    for (int i = 0; i < sim_param_count(cfg->scenario); i++)
        h = hash_i64(h, cfg->param[i]);
    /* the resolved bounds: the fault kinds explored change them though no parameter changes (-1: from --faults) */
    const int64_t bound[] = {b->preemptions_max, b->advances,    b->store_faults, b->store_fault_kinds, b->timeout_ms,
                             b->wall_steps,      b->wall_clocks, b->wall_signs,   b->wall_step_ms,      b->restarts,
                             b->crashes,         b->pauses,      b->pause_ms};
    for (size_t i = 0; i < sizeof(bound) / sizeof(bound[0]); i++)
        h = hash_i64(h, bound[i]);
    return h;
}

void sim_exhaust_state_free(sim_exhaust_state *st) {
    if (st == NULL) return;
    free(st->choice);
    free(st->count);
    st->choice = st->count = NULL;
}

/* Parses the 13 numbers of a "bounds" line in the order sim_exhaust_state_text writes them. Returns 0 or -1. */
static int checkpoint_bounds(const char *p, sim_bounds *b) {
    long long v[13];
    int n = 0, used = 0;
    for (; n < 13 && sscanf(p, " %lld%n", &v[n], &used) == 1; n++)
        p += used;
    while (*p == ' ')
        p++;
    if (n != 13 || *p != '\0') return -1;
    if (v[0] < -1 || v[0] > 1000000 || v[3] < 0 || v[3] > 255 || v[6] < 0 || v[6] > 3 || v[7] < 0 || v[7] > 3)
        return -1;
    b->preemptions_max = (int)v[0];
    b->advances = v[1];
    b->store_faults = v[2];
    b->store_fault_kinds = (unsigned)v[3];
    b->timeout_ms = v[4];
    b->wall_steps = v[5];
    b->wall_clocks = (int)v[6];
    b->wall_signs = (int)v[7];
    b->wall_step_ms = v[8];
    b->restarts = v[9];
    b->crashes = v[10];
    b->pauses = v[11];
    b->pause_ms = v[12];
    return 0;
}

int sim_exhaust_state_parse(const char *text, sim_exhaust_state *st, char *err, size_t cap) {
    memset(st, 0, sizeof(*st));
    int line = 0, have_path = 0;
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        char buf[SIM_MSG_MAX + 64];
        snprintf(buf, sizeof(buf), "%.*s", (int)(n < sizeof(buf) - 1 ? n : sizeof(buf) - 1), p);
        line++;
        unsigned long long u1 = 0, u2 = 0;
        long long l1 = 0, l2 = 0, l3 = 0;
        int i1 = 0, i2 = 0, off = 0;
        if (line == 1 && strcmp(buf, "racebed-checkpoint 1") != 0) {
            snprintf(err, cap, "line 1: not a racebed checkpoint (expected 'racebed-checkpoint 1')");
            return -1;
        } else if (line == 1) {
        } else if (sscanf(buf, "scenario %63s variant %63s", st->scenario, st->variant) == 2) {
        } else if (sscanf(buf, "seed %llu config %llu", &u1, &u2) == 2) {
            st->seed = u1;
            st->config = u2;
        } else if (strncmp(buf, "bounds ", 7) == 0) {
            if (checkpoint_bounds(buf + 7, &st->bounds) != 0) {
                snprintf(err, cap, "line %d: bounds: expected 13 numbers", line);
                return -1;
            }
            st->has_bounds = 1;
        } else if (strncmp(buf, "threads ", 8) == 0) {
            snprintf(st->threads, sizeof(st->threads), "%s", buf + 8);
        } else if (strncmp(buf, "symmetry ", 9) == 0 && buf[9] != '\0') {
            snprintf(st->symmetric, sizeof(st->symmetric), "%s", buf + 9);
        } else if (sscanf(buf, "preemptions %d shard %d/%d", &st->preemptions_max, &i1, &i2) == 3) {
            st->shard = i1;
            st->shards = i2;
        } else if (sscanf(buf, "execs %lld steps %lld violations %lld complete %d", &l1, &l2, &l3, &i1) == 4) {
            st->execs = l1;
            st->steps = l2;
            st->violations = l3;
            st->complete = i1;
        } else if (sscanf(buf, "search hash states %lld naive %lld", &l1, &l2) == 2 && l1 >= 0 && l2 >= 0) {
            st->hash = 1;
            st->states = l1;
            st->naive = l2;
        } else if (strncmp(buf, "first ", 6) == 0) {
            snprintf(st->first, sizeof(st->first), "%s", buf + 6);
        } else if (sscanf(buf, "path %d%n", &i1, &off) == 1 && i1 >= 0 && i1 <= 100000000) {
            st->len = i1;
            st->choice = calloc((size_t)i1 + 1, sizeof(int32_t));
            st->count = calloc((size_t)i1 + 1, sizeof(int32_t));
            if (!st->choice || !st->count) {
                snprintf(err, cap, "line %d: out of memory", line);
                return -1;
            }
            const char *q = p + off;
            for (int k = 0; k < i1; k++) {
                int c = 0, m = 0, used = 0;
                if (sscanf(q, " %d/%d%n", &c, &m, &used) != 2 || c < 0 || m < 1 || c >= m) {
                    snprintf(err, cap, "line %d: bad path entry %d (want CHOICE/COUNT)", line, k + 1);
                    sim_exhaust_state_free(st);
                    return -1;
                }
                st->choice[k] = c;
                st->count[k] = m;
                q += used;
            }
            have_path = 1;
        } else if (buf[0] != '\0' && buf[0] != '#') {
            snprintf(err, cap, "line %d: unknown line '%.60s'", line, buf);
            sim_exhaust_state_free(st);
            return -1;
        }
        p += n + (p[n] == '\n');
    }
    if (line == 0 || !have_path || st->scenario[0] == '\0') {
        snprintf(err, cap, "end of file: incomplete checkpoint (needs racebed-checkpoint, scenario, path)");
        sim_exhaust_state_free(st);
        return -1;
    }
    return 0;
}

char *sim_exhaust_state_text(const sim_exhaust_state *st) {
    sim_text t;
    sim_text_init(&t);
    sim_text_add(&t,
                 "racebed-checkpoint 1\nscenario %s variant %s\nseed %llu config %llu\npreemptions %d shard %d/%d\n"
                 "execs %lld steps %lld violations %lld complete %d\n",
                 st->scenario, st->variant, (unsigned long long)st->seed, (unsigned long long)st->config,
                 st->preemptions_max, st->shard, st->shards, (long long)st->execs, (long long)st->steps,
                 (long long)st->violations, st->complete);
    const sim_bounds *b = &st->bounds;
    if (st->has_bounds)
        sim_text_add(&t, "bounds %d %lld %lld %u %lld %lld %d %d %lld %lld %lld %lld %lld\n", b->preemptions_max,
                     (long long)b->advances, (long long)b->store_faults, b->store_fault_kinds, (long long)b->timeout_ms,
                     (long long)b->wall_steps, b->wall_clocks, b->wall_signs, (long long)b->wall_step_ms,
                     (long long)b->restarts, (long long)b->crashes, (long long)b->pauses, (long long)b->pause_ms);
    if (st->threads[0]) sim_text_add(&t, "threads %s\n", st->threads);
    if (st->symmetric[0]) sim_text_add(&t, "symmetry %s\n", st->symmetric);
    if (st->hash) sim_text_add(&t, "search hash states %lld naive %lld\n", (long long)st->states, (long long)st->naive);
    if (st->violations) sim_text_add(&t, "first %s\n", st->first);
    sim_text_add(&t, "path %d", st->len);
    for (int i = 0; i < st->len; i++)
        sim_text_add(&t, " %d/%d", st->choice[i], st->count[i]);
    sim_text_add(&t, "\n");
    return sim_text_take(&t, NULL);
}

int sim_exhaust_state_save(const char *path, const sim_exhaust_state *st) {
    char tmp[1100];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    char *text = sim_exhaust_state_text(st);
    if (text == NULL) {
        errno = ENOMEM;
        return -1;
    }
    int rc = -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
        size_t len = strlen(text), done = 0;
        while (done < len) {
            ssize_t n = write(fd, text + done, len - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            done += (size_t)n;
        }
        int closed = close(fd);
        if (done == len && closed == 0 && rename(tmp, path) == 0) rc = 0;
    }
    free(text);
    return rc;
}

int sim_exhaust_state_load(const char *path, sim_exhaust_state *st, char *err, size_t cap) {
    enum { CHECKPOINT_MAX = 16 << 20 };
    memset(st, 0, sizeof(*st));
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        if (errno == ENOENT) return 0;
        snprintf(err, cap, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *text = malloc(CHECKPOINT_MAX);
    size_t n = text ? fread(text, 1, CHECKPOINT_MAX - 1, f) : 0;
    fclose(f);
    if (text == NULL) {
        snprintf(err, cap, "%s: out of memory", path);
        return -1;
    }
    text[n] = '\0';
    int parsed = sim_exhaust_state_parse(text, st, err, cap);
    free(text);
    return parsed == 0 ? 1 : -1;
}
