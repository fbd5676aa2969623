/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_exhaust.c: the exhaustive search's entry: picks the mode (sim_search_modes.h) and runs iterative deepening for
 * --shortest where the mode cannot bound its own depth (contract in sim_exhaust.h).
 */
#include "sim/search/sim_exhaust.h"
#include "sim/search/sim_search_base.h"

#include <stdio.h>
#include <string.h>

#include "sim/explore/sim_faults.h"
#include "sim/search/sim_search_modes.h"

/* A bound parameter's value: N when set (>= 0), else 1 if a kind in 'kinds' is explored, else 0. */
static int64_t exhaust_bound(const sim_config *cfg, int param, unsigned faults, unsigned kinds) {
    int64_t v = cfg->param[cfg->scenario->param_count + param];
    return v >= 0 ? v : (faults & kinds) ? 1 : 0;
}

void sim_bounds_resolve(const sim_config *cfg, unsigned faults, int preemptions_max, sim_bounds *b) {
    const int64_t *p = &cfg->param[cfg->scenario->param_count];
    unsigned store_kinds =
        1u << SIM_FAULT_BIT_REPLY_LOST | 1u << SIM_FAULT_BIT_CONN_ERROR | 1u << SIM_FAULT_BIT_LATE_TIMEOUT;
    memset(b, 0, sizeof(*b));
    b->preemptions_max = preemptions_max;
    b->advances = p[SIM_PARAM_ADVANCES_MAX];
    b->store_faults = exhaust_bound(cfg, SIM_PARAM_STORE_FAULTS_MAX, faults, store_kinds);
    if (faults >> SIM_FAULT_BIT_REPLY_LOST & 1u) b->store_fault_kinds |= 1u << SIM_FAULT_REPLY_LOST;
    if (faults >> SIM_FAULT_BIT_CONN_ERROR & 1u) b->store_fault_kinds |= 1u << SIM_FAULT_CONN_ERROR;
    if (faults >> SIM_FAULT_BIT_LATE_TIMEOUT & 1u) b->store_fault_kinds |= 1u << SIM_FAULT_LATE_TIMEOUT;
    if (b->store_fault_kinds == 0) /* a bound set with neither kind named: both */
        b->store_fault_kinds = 1u << SIM_FAULT_REPLY_LOST | 1u << SIM_FAULT_CONN_ERROR;
    b->timeout_ms = p[SIM_PARAM_TIMEOUT_MS];
    b->wall_steps = exhaust_bound(cfg, SIM_PARAM_WALL_STEPS_MAX, faults, 1u << SIM_FAULT_BIT_WALL);
    b->wall_clocks = (int)p[SIM_PARAM_WALL_STEP_CLOCKS];
    b->wall_signs = (int)p[SIM_PARAM_WALL_STEP_SIGNS];
    b->wall_step_ms = p[SIM_PARAM_WALL_STEP_MS];
    b->restarts = exhaust_bound(cfg, SIM_PARAM_RESTARTS_MAX, faults, 1u << SIM_FAULT_BIT_RESTART);
    b->crashes = exhaust_bound(cfg, SIM_PARAM_CRASHES_MAX, faults, 1u << SIM_FAULT_BIT_CRASH);
    b->pauses = exhaust_bound(cfg, SIM_PARAM_PAUSES_MAX, faults, 1u << SIM_FAULT_BIT_PAUSE);
    b->pause_ms = p[SIM_PARAM_PAUSE_MS];
}

static void exhaust_mode(sim_run *run, const sim_config *cfg, const sim_exhaust_opts *o, sim_exhaust_result *res,
                         sim_schedule *first) {
    sim_bounds_resolve(cfg, o->faults, o->preemptions_max, &res->bounds);
    if (o->reduce == SIM_REDUCE_HASH)
        sim__exhaust_hash(run, cfg, o, res, first);
    else if (o->reduce == SIM_REDUCE_DPOR)
        sim__exhaust_dpor(run, cfg, o, res, first);
    else
        sim__exhaust_naive(run, cfg, o, res, first);
}

static void exhaust_deepening(sim_run *run, const sim_config *cfg, const sim_exhaust_opts *o, sim_exhaust_result *res,
                              sim_schedule *first);

void sim_exhaust(sim_run *run, const sim_config *cfg, const sim_exhaust_opts *o, sim_exhaust_result *res,
                 sim_schedule *first) {
    memset(res, 0, sizeof(*res));
    if (!o->shortest || (o->reduce == SIM_REDUCE_HASH && o->jobs <= 1 && o->shards <= 1))
        exhaust_mode(run, cfg, o, res, first); /* a search over states alone finds a shortest by itself */
    else
        exhaust_deepening(run, cfg, o, res, first);
    if (res->setup_failed)
        snprintf(res->setup_error, sizeof(res->setup_error), "%s%s", run->setup_error, run->backend_error);
    else if (res->threads[0] == '\0') /* workers of a parallel search name them: this process ran none */
        sim__exhaust_thread_names(run, 0, run->thread_count, res->threads, sizeof(res->threads));
}

/* Iterative deepening: a complete search to depth D finds no violation before the one at depth D + 1 does, so the
 * first violation found is a shortest one. Counts add up over the iterations. */
static void exhaust_deepening(sim_run *run, const sim_config *cfg, const sim_exhaust_opts *o, sim_exhaust_result *res,
                              sim_schedule *first) {
    int steps_max = (int)cfg->param[sim_param_index(cfg->scenario, "steps_max")];
    sim_exhaust_opts od = *o;
    od.shortest = 0;
    od.keep_going = 0;
    sim_exhaust_result total = *res;
    int deepest = o->depth_limit > 0 && o->depth_limit < steps_max ? o->depth_limit : steps_max;
    for (int d = 1; d <= deepest; d++) {
        od.depth_limit = d;
        od.execs_max = o->execs_max - total.execs; /* one budget for all the iterations */
        sim_exhaust_result r;
        memset(&r, 0, sizeof(r));
        exhaust_mode(run, cfg, &od, &r, first);
        total.execs += r.execs;
        total.steps += r.steps;
        total.states += r.states;
        if (r.states > total.states_round_max) total.states_round_max = r.states;
        total.revisits += r.revisits;
        total.sleep_blocked += r.sleep_blocked;
        total.outcomes += r.outcomes; /* new to the shared set in this iteration */
        total.memory_bytes = r.memory_bytes > total.memory_bytes ? r.memory_bytes : total.memory_bytes;
        total.depth_reached = d;
        for (int p = 0; p < SIM_PROBES_MAX; p++)
            total.probe_execs[p] += r.probe_execs[p];
        for (int e = 0; e < SIM_EXPECTATIONS_MAX; e++)
            total.unchecked_execs[e] += r.unchecked_execs[e];
        total.setup_failed = r.setup_failed;
        total.bounds = r.bounds;
        total.points += r.points;
        total.options_sum += r.options_sum;
        if (r.options_max > total.options_max) total.options_max = r.options_max;
        total.stopped = r.stopped;
        if (r.violations || r.setup_failed || r.stopped || total.execs >= o->execs_max) {
            total.violations = r.violations;
            total.first = r.first;
            total.violated_count = r.violated_count;
            memcpy(total.violated, r.violated, sizeof(r.violated));
            /* complete only if this depth held the whole space; a budget stop inside a round is not a proof */
            total.complete = r.complete && !r.cut_by_depth && r.violations == 0;
            break;
        }
        if (r.complete && !r.cut_by_depth) {
            total.complete = 1; /* the whole space is shallower than d: nothing deeper exists */
            break;
        }
    }
    *res = total;
}
