/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_search_modes.h: the three exhaustive modes, called by sim_exhaust() only. Each explores the bounded space of
 * 'cfg' with options 'o' into 'res' (zeroed by the caller) and, on the first violation, records its schedule into
 * 'first' (may be NULL). Each calls down into sim_search_base.h.
 */
#ifndef RACEBED_SIM_SEARCH_SIM_SEARCH_MODES_H
#define RACEBED_SIM_SEARCH_SIM_SEARCH_MODES_H

#include "sim/search/sim_exhaust.h"

/* Every path, replayed from the root (sim_naive.c). */
void sim__exhaust_naive(sim_run *run, const sim_config *cfg, const sim_exhaust_opts *o, sim_exhaust_result *res,
                        sim_schedule *first);
/* Source-DPOR with sleep sets (sim_dpor.c). */
void sim__exhaust_dpor(sim_run *run, const sim_config *cfg, const sim_exhaust_opts *o, sim_exhaust_result *res,
                       sim_schedule *first);
/* Depth first over states (sim_hash_search.c). */
void sim__exhaust_hash(sim_run *run, const sim_config *cfg, const sim_exhaust_opts *o, sim_exhaust_result *res,
                       sim_schedule *first);

#endif
