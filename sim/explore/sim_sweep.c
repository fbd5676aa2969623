/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_sweep.c: the crash sweep (contract in sim_explore.h): one execution of the random strategy per crash point.
 */
#include <string.h>

#include "sim/explore/sim_explore.h"

void sim_explore_sweep(sim_run *run, const sim_config *cfg, const sim_random_opts *o, int points_max,
                       sim_sweep_result *res) {
    memset(res, 0, sizeof(*res));
    sim_random_opts so = *o;
    so.execs_max = 1;
    so.keep_going = 0;
    for (int n = 1; n <= points_max; n++) {
        so.crash_at = n;
        sim_random_result one;
        sim_explore_random(run, cfg, &so, &one);
        if (one.setup_failed) { /* not a sweep of zero points: an error */
            res->setup_failed = 1;
            memcpy(res->setup_error, one.setup_error, sizeof(res->setup_error));
            break;
        }
        res->steps += one.steps;
        if (one.violations > 0 && one.first_steps < n) { /* the run fails before any crash: report it once */
            res->violations++;
            res->first_at = n;
            res->before_crash = 1;
            res->first = one.first;
            break;
        }
        if (one.steps < n) break; /* the execution ended before operation n: the sweep is complete */
        res->points = n;
        if (one.violations > 0) {
            if (res->violations++ == 0) {
                res->first_at = n;
                res->first = one.first;
            }
        }
    }
}
