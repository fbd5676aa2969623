/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_decision.h: the vocabulary every layer of the simulator shares: the kinds of decision a run is made of (design.md
 * §5), the fault and restart kinds, a decision resolved to indices (sim_choice), and the limits on names and
 * parameters. The schedule file writes decisions down by name (sim/sim_schedule.h); the scheduler executes choices.
 *
 * Invariant: a kind's number never changes meaning; the schedule file's keywords map onto these kinds one to one.
 */
#ifndef RACEBED_SIM_RUN_SIM_DECISION_H
#define RACEBED_SIM_RUN_SIM_DECISION_H

#include <stdint.h>

enum {
    SIM_NAME_MAX = 64,           /* longest name (thread, op, oracle, scenario, ...) with the NUL */
    SIM_PARAMS_MAX = 64,         /* parameters of one run: a scenario's own and the built-ins (sim_scenario_check) */
    SIM_SCRIPTS_MAX = 8,         /* script files of one process (sim_script), and of one schedule */
    SIM_SCRIPT_PATH_MAX = 256,   /* a script file's path with the NUL */
    SIM_SCRIPT_FILE_MAX = 16384, /* a script file's bytes */
};

typedef enum sim_decision_kind {
    SIM_DEC_RUN,     /* run THREAD OP [KEY] */
    SIM_DEC_ADVANCE, /* advance DURATION */
    SIM_DEC_WALL,    /* wall CLOCK +-DURATION */
    SIM_DEC_PAUSE,   /* pause THREAD DURATION */
    SIM_DEC_CRASH,   /* crash THREAD|PROCESS */
    SIM_DEC_FAULT,   /* fault THREAD reply-lost|conn-error|late-timeout */
    SIM_DEC_RESTART, /* restart server lose-all|lose-last DURATION */
} sim_decision_kind;

/* The faults of one thread's store op: NAME, number (never 0), the schedule file's word. */
#define SIM_STORE_FAULT_MAP(X)                                                                                         \
    X(REPLY_LOST, 1, "reply-lost")                                                                                     \
    X(CONN_ERROR, 2, "conn-error")                                                                                     \
    X(LATE_TIMEOUT, 3, "late-timeout")

typedef enum sim_fault_kind {
#define SIM_STORE_FAULT_ENUM(name, num, word) SIM_FAULT_##name = num,
    SIM_STORE_FAULT_MAP(SIM_STORE_FAULT_ENUM)
#undef SIM_STORE_FAULT_ENUM
        SIM_FAULT_KIND_LAST = SIM_FAULT_LATE_TIMEOUT
} sim_fault_kind;

/* The word of store fault 'variant' (a sim_fault_kind), or NULL for another number. */
static inline const char *sim_store_fault_word(int variant) {
#define SIM_STORE_FAULT_WORD(name, num, word)                                                                          \
    if (variant == num) return word;
    SIM_STORE_FAULT_MAP(SIM_STORE_FAULT_WORD)
#undef SIM_STORE_FAULT_WORD
    return NULL;
}
typedef enum sim_restart_kind { SIM_RESTART_LOSE_ALL = 1, SIM_RESTART_LOSE_LAST = 2 } sim_restart_kind;

/* One decision as the scheduler executes it (the schedule file's decision, resolved to indices). */
typedef struct sim_choice {
    sim_decision_kind kind; /* any SIM_DEC_* */
    int thread;             /* RUN, PAUSE, FAULT, CRASH of a thread: thread index; else -1 */
    int proc;               /* CRASH of a process: its index; WALL: the process whose clock steps, -1 = server */
    int64_t duration_ns;    /* ADVANCE, PAUSE: > 0; WALL: signed, whole ms; RESTART lose-last: >= 0 */
    int variant;            /* FAULT: sim_fault_kind; RESTART: sim_restart_kind */
} sim_choice;

#endif
