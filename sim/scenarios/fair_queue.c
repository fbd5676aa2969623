/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fair_queue: clients take turns on one fair lock (core/lk_fair.h: a queue in arrival order, the lock handed to the
 * head waiter inside the release script, the waiter woken by its own list). Lua scripts and BLPOP: it needs racebed
 * built with Lua 5.1.
 *
 * Clients c1..cN, each in its own process, start 'stagger_ms' apart and take the lock 'rounds' times back to back
 * (the per-user save of source case 2: "concurrent save for the same user", "save lock timeout"), each hold writing
 * the user's memory (a guarded resource, fenced) for 'work_ms', each acquire within 'deadline_ms'.
 *
 * Expectations:
 *   expect_exclusion   no two clients hold at once (checked without delays, crashes or restarts: a holder paused
 *                      past its lease is fenced, not excluded);
 *   expect_valid_belief  a client that the lock says holds it (lk_fair_holds, at the start of its hold) is the
 *                      store's owner (checked without wall steps or restarts, which end leases early by design);
 *   expect_fifo        grants follow arrival: no acquire is overtaken by more than 'overtake_max' later arrivals
 *                      (tickets are the server's arrival order, fencing numbers its grant order; checked without
 *                      restarts, which reset both counters, and when every grant's ticket is known: a lost reply
 *                      can hide one);
 *   expect_served      every client that did not crash gets every turn before its deadline, a crashed holder or
 *                      waiter included (checked without delays: a pause or a jump past the leases reorders turns; nor
 *                      with store faults when timeout_ms is a third of the TTL or more: a lost reply is then a delay);
 * exclusion, FIFO and service are unchecked when a hold outlives the lease (work_ms + 2 >= ttl_ms), by design.
 *   expect_prompt_handoff  a client that waited for a release learns it holds within 'handoff_ms' of that release
 *                      beginning (checked without delays, crashes or store faults: a lost reply costs one wait).
 * Probes: handed_over (a client that waited got the lock at a release), crashed_waiter (a client crashed inside
 * its acquire).
 * Mutants: barging (release frees the lock and wakes the head; whoever tries first takes it), lost_wakeup (the
 * waiter empties its wake-up list after a refused try, losing a handoff in between), dead_head (release frees and
 * wakes the head, and a crashed head is never skipped).
 */
#include <stdio.h>
#include <string.h>

#include "sim/mutants/mut_fair.h"
#include "sim/sim_scenario.h"

enum { FQ_CLIENTS_MAX = 6, FQ_ROUNDS_MAX = 10, FQ_GRANTS_MAX = FQ_CLIENTS_MAX * FQ_ROUNDS_MAX };

typedef struct fq_grant {
    int client;
    int64_t ticket, fence; /* the server's arrival and grant order (0: not known to the client) */
} fq_grant;

typedef struct fq_state {
    const mut_fair_protocol *proto;
    int memory; /* the guarded resource */
    int holders;
    int waiting; /* clients inside an acquire: one left at the end crashed while it waited */
    int grants;
    fq_grant grant[FQ_GRANTS_MAX];
    int64_t last_release_ns; /* when the latest release began (virtual ns), -1 before any: under exclusion, the
                              * release that handed the lock to the next holder */
    int handed;
    char overlap[160], unserved[160], slow[200], belief[200];
} fq_state;

static const sim_param_def fq_params[] = {
    {"clients", 3, 2, FQ_CLIENTS_MAX, "clients, one process each"},
    {"rounds", 2, 1, FQ_ROUNDS_MAX, "turns of each client, back to back"},
    {"ttl_ms", 1000, 3, 86400000, "each hold's lease and each waiter's queue lease, ms"},
    {"work_ms", 20, 1, 86400000, "a hold, ms"},
    {"stagger_ms", 21, 0, 86400000, "client i starts at (i-1) x stagger_ms (21: as the one before releases)"},
    {"deadline_ms", 3000, 1, 86400000, "each acquire's timeout, ms"},
    {"overtake_max", 0, 0, FQ_GRANTS_MAX, "later arrivals allowed to be granted before an acquire"},
    {"handoff_ms", 10, 0, 86400000, "longest time from a release to the next holder knowing, ms"},
};

static const sim_variant_def fq_variants[] = {
    {"core", "lk_fair: a queue, handoff inside the release, a wake-up list per waiter"},
    {"mutant:barging", "release frees the lock and wakes the head: whoever tries first takes it"},
    {"mutant:lost_wakeup", "the waiter empties its wake-up list after a refused try: a handoff in between is lost"},
    {"mutant:dead_head", "release frees and wakes the head, and a crashed head waiter is never skipped"},
};
static const mut_fair_protocol *const fq_protos[] = {&mut_fair_core, &mut_fair_barging, &mut_fair_lost_wakeup,
                                                     &mut_fair_dead_head};

static const sim_param_override fq_overrides[] = {
    {"advances_max", 1},
    {"crashes_max", 1},
};

static int fq_delayed(sim_run *run) {
    return sim_advances(run) != 0 || sim_fault_count(run, "pause") != 0 || sim_fault_count(run, "wall-step") != 0 ||
           sim_fault_count(run, "restart") != 0;
}

static int fq_store_faults(sim_run *run) {
    return sim_fault_count(run, "reply-lost") != 0 || sim_fault_count(run, "conn-error") != 0;
}

/* The hold: exclusion by the clients' own account, the grant logged, the fenced write, the work. */
static void fq_hold(sim_thread *self, fq_state *st, lk_fair *f, int client, lk_mono_ns started_ns) {
    sim_run *run = sim_thread_run(self);
    int64_t now = sim_now_ns(run);
    if (st->holders > 0 && st->overlap[0] == '\0' && !fq_delayed(run) && sim_crashes(run) == 0)
        snprintf(st->overlap, sizeof(st->overlap), "%s got the lock at %lld us while another client held it",
                 sim_thread_name(self), (long long)(now / 1000));
    if (st->last_release_ns >= 0 && started_ns <= st->last_release_ns) {
        st->handed = 1;
        int64_t gap = now - st->last_release_ns;
        if (gap > sim_param(run, "handoff_ms") * 1000000 && st->slow[0] == '\0')
            snprintf(st->slow, sizeof(st->slow),
                     "%s waited for the lock and learned it holds %lld us after the release it waited for began "
                     "(bound %lld ms)",
                     sim_thread_name(self), (long long)(gap / 1000), (long long)sim_param(run, "handoff_ms"));
    }
    char owner[LK_VALUE_MAX] = "";
    if (lk_fair_holds(f) && st->belief[0] == '\0' && sim_fault_count(run, "wall-step") == 0 &&
        sim_fault_count(run, "restart") == 0 &&
        (!sim_store_peek(run, "rag:{user:1}:save:owner", owner) || strcmp(owner, f->token) != 0))
        snprintf(st->belief, sizeof(st->belief),
                 "%s believes it holds the lock (fencing number %lld) but the store's "
                 "owner is %s",
                 sim_thread_name(self), (long long)lk_fair_fence(f), owner[0] ? "another client" : "nobody");
    if (st->grants < FQ_GRANTS_MAX) st->grant[st->grants++] = (fq_grant){client, lk_fair_ticket(f), lk_fair_fence(f)};
    st->holders++;
    sim_resource_write(self, st->memory, lk_fair_fence(f), client + 1);
    lk_env_sleep_ns(sim_env(self), sim_param(run, "work_ms") * 1000000);
    st->holders--;
}

static void fq_client(sim_thread *self, void *arg) {
    fq_state *st = arg;
    sim_run *run = sim_thread_run(self);
    const lk_env *env = sim_env(self);
    int client = 0;
    sscanf(sim_thread_name(self), "c%d", &client);
    lk_fair f;
    lk_fair_opts opts = {.ttl_ms = sim_param(run, "ttl_ms"), .kind = "memory"};
    if (lk_fair_init(&f, env, "rag:{user:1}:save", &opts) != LK_OK) return;
    for (int i = 0; i < sim_param(run, "rounds"); i++) {
        lk_outcome out;
        int64_t started = sim_now_ns(run);
        st->waiting++;
        lk_rc rc = st->proto->acquire(&f, lk_env_mono_ns(env) + sim_param(run, "deadline_ms") * 1000000, &out);
        st->waiting--;
        if (rc != LK_OK) {
            if (st->unserved[0] == '\0')
                snprintf(st->unserved, sizeof(st->unserved), "%s gave up its turn %d after %lld ms: %s",
                         sim_thread_name(self), i + 1, (long long)sim_param(run, "deadline_ms"), lk_rc_name(rc));
            break;
        }
        fq_hold(self, st, &f, client, started);
        st->last_release_ns = sim_now_ns(run);
        st->proto->release(&f, &out);
    }
    lk_fair_fini(&f);
}

static int fq_setup(sim_run *run) {
#ifndef RACEBED_HAVE_LUA
    sim_setup_error(run, "scenario fair_queue runs lk_fair's Lua scripts: this racebed was built without Lua 5.1 "
                         "(install it with sudo make deps, then make)");
    return -1;
#endif
    fq_state *st = sim_state_alloc(run, sizeof(*st));
    if (st == NULL) return -1;
    st->proto = fq_protos[sim_variant(run)];
    st->last_release_ns = -1;
    sim_state_set(run, st);
    if ((st->memory = sim_resource_new(run, "memory", "rag:{user:1}:save:owner", 1)) < 0) return -1;
    if (sim_lease_schema(run, "rag:{user:1}:save:owner", NULL) != 0) return -1;                 /* lk_fair's holder */
    if (sim_lease_queue(run, "rag:{user:1}:save:owner", "rag:{user:1}:save:q") != 0) return -1; /* its waiters */
    int clients = (int)sim_param(run, "clients");
    for (int i = 0; i < clients; i++) {
        char name[8];
        snprintf(name, sizeof(name), "c%d", i + 1);
        int p = sim_process_new(run, name);
        if (p < 0 || sim_thread_new(run, p, name, i * sim_param(run, "stagger_ms") * 1000000, fq_client, st) < 0)
            return -1;
    }
    return 0;
}

/* The first acquire overtaken by more than overtake_max later arrivals (granted with a smaller fencing number
 * though its ticket is larger), described into 'why'; 0 if none. */
static int fq_overtaken(const fq_state *st, int64_t overtake_max, char *why, size_t cap) {
    for (int i = 0; i < st->grants; i++) {
        const fq_grant *a = &st->grant[i];
        int n = 0, first = -1;
        for (int j = 0; j < st->grants; j++) {
            const fq_grant *b = &st->grant[j];
            if (b->ticket > a->ticket && b->fence < a->fence) {
                if (first < 0) first = j;
                n++;
            }
        }
        if (n > overtake_max) {
            const fq_grant *b = &st->grant[first];
            snprintf(why, cap,
                     "c%d's turn (arrival %lld) was granted as fencing number %lld, after %d later arrival(s), "
                     "first c%d's (arrival %lld, fencing number %lld); at most %lld allowed",
                     a->client, (long long)a->ticket, (long long)a->fence, n, b->client, (long long)b->ticket,
                     (long long)b->fence, (long long)overtake_max);
            return 1;
        }
    }
    return 0;
}

static void fq_finish(sim_run *run) {
    const fq_state *st = sim_state(run);
    if (st->handed) sim_probe(run, "handed_over");
    if (st->waiting > 0) sim_probe(run, "crashed_waiter");
    char why[240];
    int delayed = fq_delayed(run);
    /* a hold longer than the lease ends it mid-hold by design (the fenced write is what is safe then) */
    int outlives = sim_param(run, "work_ms") + 2 >= sim_param(run, "ttl_ms");
    if (delayed || sim_crashes(run) != 0 || outlives)
        sim_expect_unchecked(run, "expect_exclusion");
    else if (st->overlap[0]) {
        sim_violation(run, "expect_exclusion", "%s", st->overlap);
        return;
    }
    if (sim_fault_count(run, "wall-step") != 0 || sim_fault_count(run, "restart") != 0)
        sim_expect_unchecked(run, "expect_valid_belief");
    else if (st->belief[0]) {
        sim_violation(run, "expect_valid_belief", "%s", st->belief);
        return;
    }
    int unknown_ticket = 0; /* a grant whose ticket a lost reply hid: it cannot be placed in the order */
    for (int i = 0; i < st->grants; i++)
        unknown_ticket |= st->grant[i].ticket == 0;
    if (sim_fault_count(run, "restart") != 0 || unknown_ticket || outlives)
        sim_expect_unchecked(run, "expect_fifo");
    else if (fq_overtaken(st, sim_param(run, "overtake_max"), why, sizeof(why))) {
        sim_violation(run, "expect_fifo", "%s", why);
        return;
    }
    /* a lost reply costs its client timeout_ms: a third of the TTL or more is a delay like a pause */
    int slow_faults = fq_store_faults(run) && sim_param(run, "timeout_ms") * 3 >= sim_param(run, "ttl_ms");
    if (delayed || slow_faults || outlives)
        sim_expect_unchecked(run, "expect_served");
    else if (st->unserved[0]) {
        sim_violation(run, "expect_served", "%s", st->unserved);
        return;
    }
    if (delayed || sim_crashes(run) != 0 || fq_store_faults(run))
        sim_expect_unchecked(run, "expect_prompt_handoff");
    else if (st->slow[0])
        sim_violation(run, "expect_prompt_handoff", "%s", st->slow);
}

SIM_SCENARIO_DEFINE(fair_queue) = {
    .name = "fair_queue",
    .description = "clients take turns on a fair lock with queued handoff (needs Lua)",
    .params = fq_params,
    .param_count = sizeof(fq_params) / sizeof(fq_params[0]),
    .variants = fq_variants,
    .variant_count = sizeof(fq_variants) / sizeof(fq_variants[0]),
    .setup = fq_setup,
    .finish = fq_finish,
    .expectations = "expect_exclusion,expect_valid_belief,expect_fifo,expect_served,expect_prompt_handoff",
    .own_probes = "handed_over,crashed_waiter",
    .faults = "crash",
    .probes = "handed_over",
    .overrides = fq_overrides,
    .override_count = sizeof(fq_overrides) / sizeof(fq_overrides[0]),
    .canaries = "barging=expect_fifo,lost_wakeup=expect_prompt_handoff,dead_head=expect_served",
};
