/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_test_arena.h: the run arena for simulator unit tests. The arena is a fixed-address mapping, so a test binary
 * maps it once (cmocka group setup) and every test runs its executions on it.
 */
#ifndef RACEBED_TESTS_SIM_TEST_ARENA_H
#define RACEBED_TESTS_SIM_TEST_ARENA_H

#include <stdio.h>

#include "sim/run/sim_arena.h"

#define MS INT64_C(1000000) /* ns per ms */

static sim_run *g_run; /* the run arena, mapped once per process */

static int group_setup(void **state) {
    (void)state;
    char err[256];
    g_run = sim_arena_map(err, sizeof(err));
    if (g_run == NULL) fprintf(stderr, "%s\n", err);
    return g_run ? 0 : -1;
}

static int group_teardown(void **state) {
    (void)state;
    sim_arena_unmap(g_run);
    g_run = NULL;
    return 0;
}

#endif
