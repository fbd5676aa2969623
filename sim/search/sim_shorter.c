/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_shorter.c: a shorter schedule of the same race by a shortest-first search (contract in sim_shorter.h).
 */
#include "sim/search/sim_shorter.h"

#include <string.h>

int sim_search_shorter(sim_run *run, const sim_config *cfg, sim_schedule *s, const char *oracle, unsigned faults,
                       int64_t execs_max) {
    if (cfg->backend != NULL || s->decision_count < 2) return 0;
    sim_exhaust_opts o;
    memset(&o, 0, sizeof(o));
    o.seed = s->seed;
    o.preemptions_max = -1;
    o.faults = faults;
    o.execs_max = execs_max;
    o.reduce = SIM_REDUCE_HASH;
    o.shortest = 1;
    o.depth_limit = s->decision_count - 1; /* only a shorter one is worth the search */
    o.oracle = oracle;
    sim_exhaust_result r;
    sim_schedule found;
    sim_schedule_init(&found);
    sim_exhaust(run, cfg, &o, &r, &found);
    if (r.violations > 0 && strcmp(r.first.oracle, oracle) == 0 && found.decision_count > 0 &&
        found.decision_count < s->decision_count && found.expect == SIM_EXPECT_VIOLATION &&
        strcmp(found.expect_oracle, oracle) == 0) {
        sim_schedule_free(s);
        *s = found;
        return 1;
    }
    sim_schedule_free(&found);
    return 0;
}
