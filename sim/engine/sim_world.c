/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_world.c: the setup half of the scenario API (sim_scenario.h): parameters, processes, threads, lock keys and
 * guarded resources a scenario's setup creates, and the read-only queries its finish() makes. None of it runs on a
 * virtual thread or is a scheduling point; the thread half is engine/sim_env.c.
 *
 * Invariant: setup fills the run's tables only up to their limits; an overflow is a setup error, never a write past
 * a table.
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/sim_env.h"
#include "sim/engine/sim_sched.h"
#include "sim/oracles/sim_oracle.h"
#include "sim/model/sim_sha1.h"
#include "sim/model/sim_store_model.h"
#include "sim/run/sim_arena.h"
#include "sim/run/sim_params.h"
#include "sim/run/sim_verdict.h"

int64_t sim_param(const sim_run *run, const char *name) {
    int i = sim_param_index(run->scenario, name);
    assert(i >= 0 && "the scenario must declare every parameter it reads");
    return i >= 0 ? run->param[i] : 0;
}

int sim_variant(const sim_run *run) {
    return run->variant;
}

const char *sim_variant_name(const sim_run *run) {
    return run->scenario->variants[run->variant].name;
}

void *sim_state_alloc(sim_run *run, size_t size) {
    return sim__heap_alloc(run, size);
}

void sim_state_set(sim_run *run, void *state) {
    run->scenario_state = state;
}

void *sim_state(const sim_run *run) {
    return run->scenario_state;
}

int sim_process_new(sim_run *run, const char *name) {
    if (run->proc_count == SIM_PROCS_MAX) {
        sim_setup_error(run, "more than %d processes", SIM_PROCS_MAX);
        return -1;
    }
    sim_process *p = &run->proc[run->proc_count];
    p->run = run;
    p->idx = run->proc_count;
    if (lk_copy_str(p->name, sizeof(p->name), name) != LK_OK) {
        sim_setup_error(run, "process name too long");
        return -1;
    }
    sim__process_env_init(p);
    int64_t drift = sim__builtin(run, SIM_PARAM_DRIFT_PPM);
    p->drift_ppm = p->idx % 2 == 0 ? drift : -drift; /* p1 (index 0) fast, p2 slow, ... */
    return run->proc_count++;
}

const lk_env *sim_process_env(sim_run *run, int proc) {
    assert(proc >= 0 && proc < run->proc_count);
    return &run->proc[proc].env;
}

/* 'prefix' followed by the decimal 'i' (>= 0) in 'buf' (16 bytes): what snprintf("%c%d") writes, without its cost
 * (this runs once per client per execution, which made it a tenth of a small scenario's instructions). */
static void world_index_name(char buf[16], char prefix, int i) {
    char digits[12];
    int n = 0;
    do {
        digits[n++] = (char)('0' + i % 10);
        i /= 10;
    } while (i > 0 && n < (int)sizeof(digits));
    buf[0] = prefix;
    for (int k = 0; k < n; k++)
        buf[1 + k] = digits[n - 1 - k];
    buf[1 + n] = '\0';
}

int sim_clients_new(sim_run *run, int n, int64_t start_gap_ns, sim_thread_fn fn, void *arg) {
    for (int i = 1; i <= n; i++) {
        char pname[16], tname[16];
        world_index_name(pname, 'p', i);
        world_index_name(tname, 'c', i);
        int p = sim_process_new(run, pname);
        if (p < 0 || sim_thread_new(run, p, tname, (int64_t)(i - 1) * start_gap_ns, fn, arg) < 0) return -1;
    }
    return 0;
}

int sim_symmetric(sim_run *run, int first, int count) {
    sim_symmetry *y = &run->symmetry;
    if (y->count != 0) {
        sim_setup_error(run, "sim_symmetric: symmetric threads declared twice");
        return -1;
    }
    if (count < 2 || first < 0 || first + count > run->thread_count) {
        sim_setup_error(run, "sim_symmetric: threads %d..%d: need at least 2 of the %d created", first,
                        first + count - 1, run->thread_count);
        return -1;
    }
    for (int i = first; i < first + count; i++) {
        const sim_thread *t = &run->thread[i];
        for (int j = 0; j < run->thread_count; j++)
            if (j != i && run->thread[j].proc == t->proc) {
                sim_setup_error(run,
                                "sim_symmetric: %s shares its process with %s (each symmetric thread "
                                "needs a process of its own)",
                                t->name, run->thread[j].name);
                return -1;
            }
        if (t->parent != -1) {
            sim_setup_error(run, "sim_symmetric: %s is a task", t->name);
            return -1;
        }
    }
    y->first = first;
    y->count = count;
    return 0;
}

int sim_symmetric_slots(sim_run *run, void *base, size_t stride, size_t size, int idx_off) {
    sim_symmetry *y = &run->symmetry;
    unsigned char *b = base;
    if (y->count == 0) {
        sim_setup_error(run, "sim_symmetric_slots: call sim_symmetric first");
        return -1;
    }
    if (y->slot_count == SIM_SYM_SLOTS_MAX) {
        sim_setup_error(run, "sim_symmetric_slots: more than %d declarations", SIM_SYM_SLOTS_MAX);
        return -1;
    }
    size_t span = stride * (size_t)(y->count - 1) + size;
    if (size == 0 || size > stride || b < run->heap || b > run->heap + run->heap_used ||
        span > (size_t)(run->heap + run->heap_used - b)) {
        sim_setup_error(run,
                        "sim_symmetric_slots: %zu slots of %zu bytes %zu apart are not all in "
                        "sim_state_alloc memory",
                        (size_t)y->count, size, stride);
        return -1;
    }
    if (idx_off >= 0 && (size_t)idx_off + sizeof(int) > size) {
        sim_setup_error(run, "sim_symmetric_slots: the index at offset %d is outside a %zu-byte slot", idx_off, size);
        return -1;
    }
    for (int k = 0; k < y->slot_count; k++) { /* every slot of one declaration apart from every other's */
        const unsigned char *o = y->slot[k].base;
        size_t ospan = y->slot[k].stride * (size_t)(y->count - 1) + y->slot[k].size;
        if (b < o + ospan && o < b + span) {
            sim_setup_error(run, "sim_symmetric_slots: declaration %d overlaps declaration %d", y->slot_count + 1,
                            k + 1);
            return -1;
        }
    }
    y->slot[y->slot_count].base = b;
    y->slot[y->slot_count].stride = stride;
    y->slot[y->slot_count].size = size;
    y->slot[y->slot_count].idx_off = idx_off;
    y->slot_count++;
    return 0;
}

void sim_thread_admin(sim_run *run, int thread) {
    assert(thread >= 0 && thread < run->thread_count);
    run->thread[thread].admin = 1;
}

int sim_lock_key(sim_run *run, const char *key) {
    sim_oracle_state *o = &run->oracle;
    for (int i = 0; i < o->lock_key_count; i++)
        if (strcmp(o->lock_key[i], key) == 0) return 0;
    if (o->lock_key_count == SIM_LOCK_KEYS_MAX || strlen(key) >= LK_KEY_MAX) {
        sim_setup_error(run, "too many lock keys (at most %d) or key too long", SIM_LOCK_KEYS_MAX);
        return -1;
    }
    lk_copy_str(o->lock_key[o->lock_key_count++], LK_KEY_MAX, key);
    return 0;
}

int sim_lease_schema(sim_run *run, const char *exclusive_key, const char *shared_key) {
    sim_oracle_state *o = &run->oracle;
    const char *e = exclusive_key ? exclusive_key : "", *sh = shared_key ? shared_key : "";
    if (o->schema_count == SIM_SCHEMAS_MAX || strlen(e) >= LK_KEY_MAX || strlen(sh) >= LK_KEY_MAX ||
        (e[0] == '\0' && sh[0] == '\0')) {
        sim_setup_error(run, "lease schema: at most %d, each with a key (shorter than %d bytes)", SIM_SCHEMAS_MAX,
                        LK_KEY_MAX);
        return -1;
    }
    lk_copy_str(o->schema[o->schema_count].exclusive, LK_KEY_MAX, e);
    lk_copy_str(o->schema[o->schema_count].shared, LK_KEY_MAX, sh);
    o->schema_count++;
    return 0;
}

int sim_lease_queue(sim_run *run, const char *exclusive_key, const char *queue_key) {
    sim_oracle_state *o = &run->oracle;
    for (int i = 0; i < o->schema_count; i++)
        if (exclusive_key && strcmp(o->schema[i].exclusive, exclusive_key) == 0) {
            if (queue_key == NULL || lk_copy_str(o->schema[i].queue, LK_KEY_MAX, queue_key) != LK_OK) break;
            return 0;
        }
    sim_setup_error(run,
                    "lease queue %s: declare the lease schema of %s first (sim_lease_schema), and a queue key "
                    "shorter than %d bytes",
                    queue_key ? queue_key : "(null)", exclusive_key ? exclusive_key : "(null)", LK_KEY_MAX);
    return -1;
}

int sim_resource_new(sim_run *run, const char *name, const char *lock_key, int fencing) {
    if (run->resource_count == SIM_RESOURCES_MAX) {
        sim_setup_error(run, "more than %d resources", SIM_RESOURCES_MAX);
        return -1;
    }
    sim_resource *r = &run->resource[run->resource_count];
    if (lk_copy_str(r->name, sizeof(r->name), name) != LK_OK ||
        lk_copy_str(r->lock_key, sizeof(r->lock_key), lock_key) != LK_OK) {
        sim_setup_error(run, "resource or lock key name too long");
        return -1;
    }
    r->fencing = fencing;
    for (int i = 0; i < SIM_THREADS_MAX; i++)
        r->read_version[i] = -1;
    return run->resource_count++;
}

int64_t sim_resource_value(const sim_run *run, int res) {
    return run->resource[res].value;
}

int64_t sim_resource_writes(const sim_run *run, int res) {
    return run->resource[res].version;
}

int sim_resource_refused(const sim_run *run, int res) {
    return run->resource[res].refused;
}

int sim_advances(const sim_run *run) {
    return run->advances;
}

int64_t sim_metric(const sim_run *run, int proc, lk_metric m) {
    assert(proc >= 0 && proc < run->proc_count && (unsigned)m < LK_METRIC_COUNT_);
    if (!run->scenario->reads_metrics) { /* undeclared, a hash-mode search would merge states it tells apart */
        sim_setup_error((sim_run *)run, "scenario %s reads sim_metric but does not declare .reads_metrics = 1",
                        run->scenario->name);
        return 0;
    }
    return lk_metric_total(&run->proc[proc].metrics, m);
}

void sim_run_metrics(const sim_run *run, lk_metric_set *out) {
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < run->proc_count; i++)
        lk_metric_set_merge(out, &run->proc[i].metrics);
}

void sim_run_keep_metrics(sim_run *run, int on) {
    run->keep_metrics = on;
}

int sim_crashes(const sim_run *run) {
    return run->crashes;
}

/* A thread that reads the fault counts reads what every thread's store-fault event writes (DPOR encodes those as
 * the faulted thread's own events): it says so (the run is the arena's, never const memory). */
static void world_fault_counts_read(const sim_run *run) {
    if (run->current >= 0) ((sim_run *)run)->fault_counts_read = 1;
}

int sim_faults(const sim_run *run) {
    world_fault_counts_read(run);
    return run->faults;
}

int64_t sim_now_ns(const sim_run *run) {
    return run->now_ns;
}

int sim_thread_new(sim_run *run, int proc, const char *name, int64_t start_ns, sim_thread_fn fn, void *arg) {
    if (!run->scenario->start_yield || fn == NULL) return sim__thread_new(run, proc, name, start_ns, fn, arg);
    int i = sim__thread_new(run, proc, name, start_ns, sim__thread_start_yield, arg);
    if (i >= 0) run->thread[i].body = fn;
    return i;
}

int sim_fault_count(const sim_run *run, const char *kind) {
    world_fault_counts_read(run);
    static const struct {
        const char *word;
        size_t field;
    } kinds[] = {
        {"crash", offsetof(sim_run, crashes)},
        {"pause", offsetof(sim_run, pauses)},
        {"wall-step", offsetof(sim_run, wall_steps)},
        {"restart", offsetof(sim_run, restarts)},
        {"reply-lost", offsetof(sim_run, reply_losts)},
        {"conn-error", offsetof(sim_run, conn_errors)},
        {"late-timeout", offsetof(sim_run, late_timeouts)},
    };
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kinds[i].word, kind) == 0) return *(const int *)((const char *)run + kinds[i].field);
    return -1;
}

const char *sim_thread_name(const sim_thread *self) {
    return self->name;
}

int sim_lock_held(const sim_run *run, const char *key) {
    for (int i = 0; i < run->oracle.lock_key_count; i++)
        if (strcmp(run->oracle.lock_key[i], key) == 0)
            return sim__oracle_lease_alive(run, i, sim__server_ms(run, run->now_ns));
    return 0;
}

void sim_probe(sim_run *run, const char *name) {
    int k = sim__list_index(run->scenario->own_probes, name);
    if (k < 0 || k >= SIM_OWN_PROBES_MAX) {
        sim_setup_error(run, "scenario %s reached probe '%s', which it does not declare: add it to .own_probes",
                        run->scenario->name, name);
        return;
    }
    if (!run->oracle_silent) run->probe[SIM_PROBE_COUNT_ + k] = 1;
}

void sim_expect_unchecked(sim_run *run, const char *name) {
    int k = sim__list_index(run->scenario->expectations, name);
    if (k < 0 || k >= SIM_EXPECTATIONS_MAX) {
        sim_setup_error(run, "scenario %s marked '%s' unchecked, which it does not declare: add it to .expectations",
                        run->scenario->name, name);
        return;
    }
    run->unchecked |= UINT32_C(1) << k;
}

int sim_store_peek(const sim_run *run, const char *key, char *value) {
    return sim_store_model_peek(&run->store, sim__server_ms(run, run->now_ns), key, value);
}

int64_t sim_store_peek_int(const sim_run *run, const char *key) {
    char v[LK_VALUE_MAX];
    if (!sim_store_peek(run, key, v)) return 0;
    char *end = NULL;
    long long x = strtoll(v, &end, 10);
    return *end == '\0' ? x : 0;
}

/* ---- script files ----------------------------------------------------------------------------------------------- */

static const struct sim_script_file *world_script_find(const sim_run *run, const char *path) {
    for (int i = 0; i < run->script_file_count; i++)
        if (strcmp(run->script_file[i].path, path) == 0) return &run->script_file[i];
    return NULL;
}

const char *sim_script(sim_run *run, const char *path) {
    const struct sim_script_file *f = world_script_find(run, path);
    if (f != NULL) return f->body;
    if (strlen(path) >= SIM_SCRIPT_PATH_MAX || strchr(path, ' ') != NULL || path[0] == '\0') {
        sim_setup_error(run, "script file '%.80s': the path must be 1..%d bytes without spaces", path,
                        SIM_SCRIPT_PATH_MAX - 1);
        return NULL;
    }
    if (run->script_file_count == SIM_SCRIPTS_MAX) {
        sim_setup_error(run, "script file '%s': at most %d script files", path, SIM_SCRIPTS_MAX);
        return NULL;
    }
    struct sim_script_file *nf = &run->script_file[run->script_file_count];
    FILE *in = fopen(path, "rb");
    if (in == NULL) {
        sim_setup_error(run, "script file '%s': %s", path, strerror(errno));
        return NULL;
    }
    size_t n = fread(nf->body, 1, sizeof(nf->body), in);
    int too_long = n == sizeof(nf->body), failed = ferror(in);
    fclose(in);
    if (too_long || failed) {
        sim_setup_error(run, "script file '%s': %s", path,
                        failed ? "cannot be read" : "longer than 16 KiB (SIM_SCRIPT_FILE_MAX)");
        return NULL;
    }
    nf->body[n] = '\0';
    nf->len = (uint32_t)n;
    lk_copy_str(nf->path, sizeof(nf->path), path);
    sim_sha1_hex(nf->body, n, nf->sha);
    run->script_file_count++;
    return nf->body;
}

const char *sim_script_sha(const sim_run *run, const char *path) {
    const struct sim_script_file *f = world_script_find(run, path);
    return f ? f->sha : NULL;
}
