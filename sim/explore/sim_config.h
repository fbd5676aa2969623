/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_config.h: what a run is a function of besides its seed and decisions (scenario, variant, parameters, the real
 * store if any), the scenario catalog, and the tool's version.
 *
 * Invariant: a config's parameters are always within their declared bounds.
 */
#ifndef RACEBED_SIM_EXPLORE_SIM_CONFIG_H
#define RACEBED_SIM_EXPLORE_SIM_CONFIG_H

#include "sim/engine/sim_sched.h"
#include "sim/sim_schedule.h"

#define RACEBED_VERSION "0.1.0"

/* What a run is a function of, besides its seed and decisions. */
typedef struct sim_config {
    const sim_scenario *scenario;
    int variant;
    int64_t param[SIM_PARAMS_MAX]; /* sim_param_count(scenario) values */
    const sim_backend *backend;    /* a real store in lockstep with the model, or NULL */
    const char *ignore_oracles;    /* oracles whose violations become notes (--ignore-oracle), a comma list, or NULL */
} sim_config;

/* Fills cfg->param with the defaults. */
void sim_config_defaults(sim_config *cfg, const sim_scenario *sc, int variant);
/* Sets a parameter by name with bounds checking; 0, or -1 with a message naming the parameter and its range. */
int sim_config_set(sim_config *cfg, const char *name, int64_t value, char *err, size_t cap);
/* The same from text "NAME=VALUE" (VALUE a decimal integer). Returns 0, or -1 with the reason in 'err'. */
int sim_config_set_text(sim_config *cfg, const char *name_value, char *err, size_t cap);

/* Resolves a parsed schedule's header to a config: scenario, variant and params. 0, or -1 with a message. */
int sim_config_from_schedule(sim_config *cfg, const sim_schedule *s, char *err, size_t cap);
/* What an ended execution reports, copied out of its run (sim_run.h is not an API): how it ended, the violation,
 * the notes, and why setup or the real store failed. */
typedef struct sim_outcome {
    sim_end end;
    int steps;                      /* decisions executed */
    int threads;                    /* virtual threads it had */
    sim_verdict violation;          /* with SIM_END_VIOLATION */
    char setup_error[SIM_MSG_MAX];  /* with SIM_END_SETUP */
    char backend_error[SIM_MSG_MAX]; /* with SIM_END_BACKEND */
    int note_count;                 /* allowed-by-design notes kept */
    int notes_dropped;              /* and dropped beyond SIM_NOTES_MAX */
    sim_note note[SIM_NOTES_MAX];
} sim_outcome;

/* Copies what 'run', ended as 'end', reports into 'out'. */
void sim_outcome_take(sim_outcome *out, const sim_run *run, sim_end end);

/* The arguments of one execution of 'cfg' with entropy seed 'seed'; 'log_ops' 1 keeps the op log a lose-last restart
 * needs (never with a real store, which cannot lose its last writes on demand). */
sim_exec_args sim_config_args(const sim_config *cfg, uint64_t seed, int log_ops);

/* The scenario catalog (generated at build time from the scenario files). */
extern const sim_scenario *const sim_scenarios[];
const sim_scenario *sim_scenario_find(const char *name);
/* Index of variant 'name' in 'sc', or -1. */
int sim_variant_find(const sim_scenario *sc, const char *name);

#endif
