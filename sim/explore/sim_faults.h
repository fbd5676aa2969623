/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_faults.h: faults as data. The fault kinds a strategy may inject (one table) and how a random strategy picks
 * one.
 *
 * Invariant: a choice built here is valid in the state it was built for (sim_choice_valid).
 */
#ifndef RACEBED_SIM_SIM_FAULTS_H
#define RACEBED_SIM_SIM_FAULTS_H

#include "sim/engine/sim_sched.h"
#include "sim/sim_schedule.h"

/* NAME, --faults word, what it does. */
#define SIM_FAULT_KIND_MAP(X)                                                                                          \
    X(CRASH, "crash", "crash a thread, or its whole process; its keys stay until their TTL")                           \
    X(PAUSE, "pause", "stop one thread for pause_ms while the rest goes on (GC pause, SIGSTOP)")                       \
    X(WALL, "wall-step", "step the server's or a process's wall clock by +-wall_step_ms")                              \
    X(RESTART, "restart", "restart the store: lose everything, or the ops of the last restart_loss_ms")                \
    X(REPLY_LOST, "reply-lost", "a store op is applied but its reply is lost: the client times out")                   \
    X(CONN_ERROR, "conn-error", "a store op is not applied: the client gets a connection error")                       \
    X(LATE_TIMEOUT, "late-timeout",                                                                                    \
      "a blocking pop's nil comes at the server's next event after its deadline, or timeout_lag_ms after it")

typedef enum sim_fault_bit {
#define SIM_FAULT_BIT_ENUM(name, word, doc) SIM_FAULT_BIT_##name,
    SIM_FAULT_KIND_MAP(SIM_FAULT_BIT_ENUM)
#undef SIM_FAULT_BIT_ENUM
        SIM_FAULT_BIT_COUNT_
} sim_fault_bit;

/* Parses "crash,pause,..." or "all" or "none" into a bit mask. Returns 0, or -1 naming the bad word in 'err'. */
int sim_faults_parse(const char *text, unsigned *mask, char *err, size_t cap);
/* Writes the mask as "crash,pause" ("none" if empty). */
void sim_faults_format(unsigned mask, char *buf, size_t cap);
/* The table's word and description for bit 'b'. */
const char *sim_fault_word(int b);
const char *sim_fault_doc(int b);

/* Picks a fault from 'mask' that is valid now, with 'rng'; fills 'out' and returns 1, or returns 0 if none
 * applies (e.g. reply-lost with no thread about to send). 'enabled' as for a chooser. */
int sim_faults_pick(sim_run *run, unsigned mask, uint64_t rng[4], const int *enabled, int n, sim_choice *out);

#endif
