/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_params.c: the built-in parameter table and the combined parameter list (contract in sim_params.h).
 */
#include "sim/run/sim_params.h"

#include <assert.h>
#include <string.h>

const sim_param_def sim_builtin_params[SIM_BUILTIN_PARAMS] = {
    {"rtt_us", 1000, 1, 10000000, "virtual round-trip time of one store op, us (applied at RTT/2)"},
    {"steps_max", 20000, 10, 100000000, "decisions per execution before it is reported as a livelock"},
    {"advances_max", 2, 0, 1000, "time-advance decisions a strategy may take per execution"},
    {"faults_max", 2, 0, 1000,
     "fault decisions (wall, pause, crash, fault, restart) a strategy may take per execution"},
    {"timeout_ms", 50, 1, 3600000, "a client's command timeout: a lost reply surfaces this long after the send, ms"},
    {"pause_ms", 2500, 1, 86400000, "length of a pause decision (a GC pause, SIGSTOP), ms"},
    {"wall_step_ms", 1500, 1, 86400000, "size of a wall-clock step decision, forwards or back, ms"},
    {"restart_loss_ms", 1000, 0, 86400000, "a lose-last restart loses the store ops of this last window, ms"},
    {"drift_ppm", 0, -500000, 500000, "monotonic drift: odd processes run this many ppm fast, even ones as slow"},
    {"crashes_max", 0, 0, 1000, "crash decisions (of a scenario thread) an exhaustive search branches on per execution"},
    {"wall_steps_max", 0, 0, 1000,
     "forward steps of the server's wall clock by wall_step_ms an exhaustive search branches on per execution"},
    {"pauses_max", 0, 0, 1000, "pauses (of a scenario thread, pause_ms long) an exhaustive search branches on per execution"},
    {"restarts_max", 0, 0, 1000, "store restarts that lose every key an exhaustive search branches on per execution"},
};

int sim_param_count(const sim_scenario *sc) {
    return sc->param_count + SIM_BUILTIN_PARAMS;
}

const sim_param_def *sim_param_def_at(const sim_scenario *sc, int i) {
    assert(i >= 0 && i < sim_param_count(sc));
    return i < sc->param_count ? &sc->params[i] : &sim_builtin_params[i - sc->param_count];
}

int sim_param_index(const sim_scenario *sc, const char *name) {
    for (int i = 0; i < sim_param_count(sc); i++)
        if (strcmp(sim_param_def_at(sc, i)->name, name) == 0) return i;
    return -1;
}

