/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_record.h: a run written down: the translation between a scheduler choice (indices) and a schedule-file
 * decision (stable names, the expected op), and a schedule's header from a config.
 *
 * Invariant: decision -> choice -> decision gives back the same line; a choice resolved here is valid in the state
 * it was resolved in.
 */
#ifndef RACEBED_SIM_EXPLORE_SIM_RECORD_H
#define RACEBED_SIM_EXPLORE_SIM_RECORD_H

#include "sim/explore/sim_config.h"

/* Writes choice 'c', taken in the current state, as a schedule decision (names, expected op). */
void sim_choice_to_decision(const sim_run *run, const sim_choice *c, sim_decision *d);
/* Resolves decision 'd' against the run. Returns 1 with 'out' filled if it names existing threads, processes or
 * clocks and is valid now; else 0 with the reason in 'why'. RUN also checks the expected op and key. */
int sim_decision_to_choice(const sim_run *run, const sim_decision *d, sim_choice *out, char *why, size_t cap);

/* Appends the labelled form of choice 'c', made in the current state of 'run', to 'cap' (sets model-only for a
 * lose-last restart). */
void sim_schedule_capture(sim_schedule *cap, const sim_run *run, const sim_choice *c);

/* Fills the header lines of 's' (version, tool, scenario, variant, every param, seed, strategy) from 'cfg'. */
void sim_schedule_header(sim_schedule *s, const sim_config *cfg, uint64_t seed, const char *strategy);
/* Adds the script files the process has read (sim_script) to the header of 's', with their SHA-1: call it after the
 * execution that 's' records (its setup read them). */
void sim_schedule_scripts(sim_schedule *s, const sim_run *run);

#endif
