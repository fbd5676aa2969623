/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_guard.h: scenario code that crashes or spins is diagnosed, never lost. A virtual thread runs under the guard:
 * a fatal signal in it (SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL; a stack overflow into its guard page, caught on an
 * alternate signal stack) or a stretch of more than 'busy_ms' of CPU time without a visible op ends its run slice
 * there, and the scheduler, back on its own stack (never in the handler), records what happened as the
 * execution's verdict. The same holds for the scenario's setup() and finish(), which run on the scheduler's stack.
 *
 * This is the one engine module with process state (layout.md's named exception): a signal handler cannot be handed
 * a context, so the jump target, the armed flag, the busy-loop watch and the interrupt request live here. One
 * simulator per process thread.
 * Invariant: outside a guarded call a fatal signal kills the process as before (default action, re-raised), so a bug
 * in racebed itself is never mistaken for one in the scenario.
 */
#ifndef RACEBED_SIM_ENGINE_SIM_GUARD_H
#define RACEBED_SIM_ENGINE_SIM_GUARD_H

#include <stdint.h>

#include "sim/run/sim_fiber.h"

/* How a guarded slice ended. */
typedef enum sim_guard_end {
    SIM_GUARD_OK = 0,    /* it returned (the fiber suspended or exited) */
    SIM_GUARD_SIGNAL,    /* a fatal signal: 'signal', and whether it hit the stack's guard page */
    SIM_GUARD_BUSY,      /* more than busy_ms of CPU time without returning */
} sim_guard_end;

typedef struct sim_guard_report {
    sim_guard_end end;
    int signal;          /* SIM_GUARD_SIGNAL: its number */
    int stack_overflow;  /* SIM_GUARD_SIGNAL: 1 if the faulting address was in the fiber's guard page */
} sim_guard_report;

/* Resumes fiber 'f' under the guard (as sim_fiber_resume) with a busy-loop limit of 'busy_ms' of CPU time (0:
 * none). Returns how the slice ended; after a signal or a busy loop the fiber is abandoned (never resume it). */
sim_guard_report sim_guard_resume(sim_fiber_host *host, sim_fiber *f, int64_t busy_ms);
/* Calls fn(arg) (a scenario's setup or finish, on the scheduler's stack) under the guard. */
sim_guard_report sim_guard_call(void (*fn)(void *arg), void *arg, int64_t busy_ms);
/* Turns SIGINT into a stop request for the run in progress (the first one; a second one kills as before): long
 * searches and strategies poll sim_guard_interrupted() between executions, stop, report INCOMPLETE and save their
 * checkpoint. Called by the command line before a run. */
void sim_guard_catch_interrupt(void);
/* 1 once SIGINT was received after sim_guard_catch_interrupt(). */
int sim_guard_interrupted(void);

/* Installs the guard's handlers again (they are installed once, at the first guarded slice): for a host that
 * replaced them since, such as a test runner that catches signals per test. */
void sim_guard_reinstall(void);

/* "SIGSEGV (segmentation fault)" for signal 'sig': static. */
const char *sim_guard_signal_text(int sig);

#endif
