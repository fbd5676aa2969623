/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_census.c: what tells a search's states apart (contract in sim_census.h).
 */
#include "sim/search/sim_census.h"

#include <string.h>

void sim_census_init(sim_census *c, size_t states_max) {
    memset(c, 0, sizeof(*c));
    for (int k = 0; k < SIM_STATE_CLASS_COUNT; k++)
        sim_visited_init(&c->without[k], states_max);
    sim_visited_init(&c->all, states_max);
}

void sim_census_free(sim_census *c) {
    for (int k = 0; k < SIM_STATE_CLASS_COUNT; k++)
        sim_visited_free(&c->without[k]);
    sim_visited_free(&c->all);
}

void sim_census_add(sim_census *c, const sim_run *run, uint64_t extra) {
    if (c->full) return;
    sim_fp cls[SIM_STATE_CLASS_COUNT], all = {0, 0};
    sim_state_class_fps(run, extra, cls);
    for (int k = 0; k < SIM_STATE_CLASS_COUNT; k++) {
        all.lo += cls[k].lo;
        all.hi += cls[k].hi;
    }
    if (all.lo == 0 && all.hi == 0) all.hi = 1;
    int added = sim_visited_add(&c->all, all, 0);
    if (added < 0) {
        c->full = 1;
        return;
    }
    if (added == 0) return; /* counted before (the search explores it again from a shallower depth) */
    for (int k = 0; k < SIM_STATE_CLASS_COUNT; k++) {
        sim_fp rest = {all.lo - cls[k].lo, all.hi - cls[k].hi};
        if (rest.lo == 0 && rest.hi == 0) rest.hi = 1; /* a set's empty slot */
        if (sim_visited_add(&c->without[k], rest, 0) < 0) {
            c->full = 1; /* this state is not counted (the sets before k may hold it: sim_census_without clamps) */
            return;
        }
    }
    c->states++;
}

int64_t sim_census_without(sim_census *c, int cls) {
    if (cls < 0 || cls >= SIM_STATE_CLASS_COUNT) return 0;
    int64_t n = (int64_t)sim_visited_count(&c->without[cls]);
    return n < c->states ? n : c->states;
}

size_t sim_census_bytes(const sim_census *c) {
    size_t n = sim_visited_bytes(&c->all);
    for (int k = 0; k < SIM_STATE_CLASS_COUNT; k++)
        n += sim_visited_bytes(&c->without[k]);
    return n;
}
