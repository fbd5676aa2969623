/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_params.h: a run's parameters: the scenario's own (sim_scenario.h), then the built-in ones every scenario has,
 * in one combined list that the CLI, schedule headers and the run itself index.
 *
 * Invariant: a combined index means the same parameter for a given scenario in every layer; run->param holds
 * sim_param_count(scenario) <= SIM_PARAMS_MAX values.
 */
#ifndef RACEBED_SIM_RUN_SIM_PARAMS_H
#define RACEBED_SIM_RUN_SIM_PARAMS_H

#include "sim/run/sim_run.h"

/* Built-in parameters every scenario has, after its own, in this order (index = scenario->param_count + SIM_PARAM_*).
 * crashes_max, wall_steps_max, pauses_max and restarts_max bound the crash, server wall-step, pause and (lose-all)
 * restart decisions an exhaustive search branches on. */
enum {
    SIM_PARAM_RTT_US,
    SIM_PARAM_STEPS_MAX,
    SIM_PARAM_ADVANCES_MAX,
    SIM_PARAM_FAULTS_MAX,
    SIM_PARAM_TIMEOUT_MS,
    SIM_PARAM_PAUSE_MS,
    SIM_PARAM_WALL_STEP_MS,
    SIM_PARAM_RESTART_LOSS_MS,
    SIM_PARAM_DRIFT_PPM,
    SIM_PARAM_CRASHES_MAX,
    SIM_PARAM_WALL_STEPS_MAX,
    SIM_PARAM_PAUSES_MAX,
    SIM_PARAM_RESTARTS_MAX,
    SIM_PARAM_STORE_FAULTS_MAX,
    SIM_PARAM_WALL_STEP_CLOCKS,
    SIM_PARAM_WALL_STEP_SIGNS,
    SIM_PARAM_BUSY_MS,
    SIM_PARAM_STACK_KIB,
    SIM_PARAM_TIMEOUT_LAG_MS,
    SIM_PARAM_ENTROPY,
    SIM_BUILTIN_PARAMS
};
/* The value of a parameter given by a word ("wall_step_clocks=server", "wall_step_signs=+-"): 0 with '*value', or -1
 * if the parameter has no words or this is not one of them. */
int sim_param_word(const char *param, const char *word, int64_t *value);

/* Value of built-in parameter 'b' (SIM_PARAM_*) in this execution. */
#define sim__builtin(run, b) ((run)->param[(run)->scenario->param_count + (b)])
extern const sim_param_def sim_builtin_params[SIM_BUILTIN_PARAMS];

/* Index of parameter 'name' in the combined list (scenario's, then built-ins), or -1. */
int sim_param_index(const sim_scenario *sc, const char *name);
/* Definition of combined parameter 'i'. */
const sim_param_def *sim_param_def_at(const sim_scenario *sc, int i);
/* Total number of parameters of 'sc' (its own + built-ins). */
int sim_param_count(const sim_scenario *sc);

/* Checks what a scenario declares (its table entry): a name; its parameters fit SIM_PARAMS_MAX together with the
 * SIM_BUILTIN_PARAMS built-ins, each has a name of at most SIM_NAME_MAX - 1 bytes that no other parameter (its own
 * or a built-in) has, and a default within [min, max]; its variants exist, the first being "core"; each override
 * names a built-in parameter and stays within its bounds. Returns 0, or -1 with what is wrong (naming the
 * scenario) in 'err'. */
int sim_scenario_check(const sim_scenario *sc, char *err, size_t cap);

#endif
