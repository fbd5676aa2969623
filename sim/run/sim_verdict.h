/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_verdict.h: where every layer records what it found in an execution: a violation (the first one wins), an
 * allowed-by-design note, a setup error, and the names of the coverage probes (SIM_PROBE_MAP in sim_run.h).
 *
 * Invariant: the first violation of an execution is never overwritten; while the store is rebuilt from its log
 * (run->oracle_silent) nothing is recorded. Messages are truncated to their fixed buffers, never allocated.
 */
#ifndef RACEBED_SIM_RUN_SIM_VERDICT_H
#define RACEBED_SIM_RUN_SIM_VERDICT_H

#include "sim/run/sim_run.h"

/* The built-in oracles: NAME, name, what fires it. A scenario's own expectations are declared in its table entry
 * (sim_scenario.expectations); together they are every name a verdict can carry. */
#define SIM_ORACLE_MAP(X)                                                                                              \
    X(LEASE_SAFETY, "lease_safety", "two live leases on one lock key at once")                                         \
    X(NO_FOREIGN_DELETE, "no_foreign_delete", "a lock key deleted by a thread that does not own its live lease")       \
    X(NO_FOREIGN_EXTEND, "no_foreign_extend", "a live lease's TTL changed by a thread that does not own it")           \
    X(SINGLETON_UNIQUE, "singleton_unique", "two different instances returned for one (process, key)")                 \
    X(NO_LEAKED_KEY, "no_leaked_key", "a lock key still held after every thread ended (crash-free runs)")              \
    X(RESOURCE_LOST_UPDATE, "resource_lost_update", "a guarded resource accepted a write based on an overtaken read")  \
    X(RESOURCE_FENCE_ORDER, "resource_fence_order", "a guarded resource accepted writes out of fencing order")         \
    X(REVOKED_WRITE, "revoked_write", "a guarded resource accepted a write from a holder a clear had revoked")         \
    X(CLIENT_VALIDITY, "client_validity", "a holder was told it holds the lock past its lease bound")                  \
    X(SCRIPTED_LEASE, "scripted_lease",                                                                                \
      "a scripted lock's store (its declared lease schema) shows an exclusive holder beside a live shared one, or a "  \
      "live lease ended by a step that does not carry its holder's token")                                             \
    X(METRIC_AGREEMENT, "metric_agreement",                                                                            \
      "a lock metric disagrees with what the store answered or the clock measured")                                    \
    X(DEADLOCK, "deadlock", "every live thread waits on a sync object")                                                \
    X(STEP_BOUND, "step_bound", "a livelock: steps_max decisions without the run ending, or a repeated state")         \
    X(LIMIT, "limit", "a run table of the simulator overflowed")                                                       \
    X(SCENARIO_CRASH, "scenario_crash", "scenario code crashed (a signal, a stack overflow): a bug in the scenario")   \
    X(BUSY_LOOP, "busy_loop", "a thread ran busy_ms of CPU without a visible op: a busy loop in scenario code")

/* 1 if 'name' is a built-in oracle or an expectation scenario 'sc' declares (sc may be NULL: built-ins only). */
int sim_oracle_known(const sim_scenario *sc, const char *name);
/* The oracle scenario 'sc' declares mutant 'variant' ("mutant:NAME" or "NAME") must be killed by (sc->canaries), into
 * 'oracle'. Returns 0, or -1 when it declares none. */
int sim_canary_of(const sim_scenario *sc, const char *variant, char *oracle, size_t cap);
/* What fires built-in oracle 'name' (static), or NULL for a scenario's expectation or an unknown name. */
const char *sim_oracle_doc(const char *name);
/* Writes every valid name for 'sc' as "a, b, c" into 'buf' (truncated to 'cap'). */
void sim_oracle_names(const sim_scenario *sc, char *buf, size_t cap);

/* Records an allowed-by-design note (kept up to SIM_NOTES_MAX, then counted). */
void sim__note(sim_run *run, const char *oracle, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Records a violation unless one is already set. */
void sim__violation(sim_run *run, const char *oracle, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Comma lists of names (a scenario's expectations and own probes): the index of 'name' in 'list' (may be NULL) or
 * -1; the number of items; item 'k' copied into 'buf' (0, or -1 past the end). */
int sim__list_index(const char *list, const char *name);
int sim__list_count(const char *list);
int sim__list_item(const char *list, int k, char *buf, size_t cap);
/* Probes of scenario 'sc': the built-in ones, then its own. How many, and the name of probe 'p' into 'buf' (0, or -1
 * past them). */
int sim_probe_count(const sim_scenario *sc);
int sim_probe_name_of(const sim_scenario *sc, int p, char *buf, size_t cap);
/* The probe's name and description: static; "?" for an unknown index. */
const char *sim_probe_name(int p);
const char *sim_probe_doc(int p);

#endif
