/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_shorter.c: a shorter schedule of the same race by a shortest-first search (contract in sim_shorter.h).
 */
#include "sim/search/sim_shorter.h"

#include <string.h>

void sim_search_shorter(sim_run *run, const sim_config *cfg, const sim_schedule *in, const char *oracle,
                        unsigned faults, int64_t execs_max, sim_schedule *out, sim_shorter_result *res) {
    memset(res, 0, sizeof(*res));
    if (cfg->backend != NULL || in->decision_count < 2) return;
    sim_exhaust_opts o;
    memset(&o, 0, sizeof(o));
    o.seed = in->seed;
    o.preemptions_max = -1;
    o.faults = faults;
    o.execs_max = execs_max;
    o.reduce = SIM_REDUCE_HASH;
    o.shortest = 1;
    o.depth_limit = in->decision_count - 1; /* only a shorter one is worth the search */
    o.oracle = oracle;
    sim_exhaust_result r;
    sim_schedule found;
    sim_schedule_init(&found);
    sim_exhaust(run, cfg, &o, &r, &found);
    res->execs = r.execs;
    res->complete = r.complete;
    if (r.violations > 0 && strcmp(r.first.oracle, oracle) == 0 && found.decision_count > 0 &&
        found.decision_count < in->decision_count && found.expect == SIM_EXPECT_VIOLATION &&
        strcmp(found.expect_oracle, oracle) == 0) {
        sim_schedule_free(out);
        *out = found;
        res->found = 1;
        return;
    }
    sim_schedule_free(&found);
}
