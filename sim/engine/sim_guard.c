/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_guard.c: the guard around scenario code (contract in sim_guard.h).
 *
 * Mechanism. Before a guarded slice, sigsetjmp marks the scheduler's frame and the guard is armed. The handlers of
 * the fatal signals run on an alternate stack (a stack overflow leaves none on the fiber), and when armed they
 * siglongjmp back to that frame, abandoning the fiber: its frames are never returned to. The busy-loop watch is a
 * process-CPU interval timer (ITIMER_VIRTUAL) that ticks every GUARD_TICK_MS while the process runs; a tick that
 * finds the same guarded slice still running after busy_ms of ticks jumps out the same way. The timer costs nothing
 * on the step loop: a slice only bumps a counter.
 * Never: run anything but the jump in a handler, or leave the guard armed across an unguarded call.
 */
#define _GNU_SOURCE
#include "sim/engine/sim_guard.h"

#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/time.h>

enum {
    GUARD_ALTSTACK = 64 * 1024, /* bytes of the alternate signal stack */
    GUARD_TICK_MS = 100,        /* CPU time between two busy-loop checks */
};

static const int guard_signals[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};

/* The process state a handler needs. Written only by the thread that runs the simulator. */
static sigjmp_buf guard_jump;                 /* the guarded slice's frame */
static volatile sig_atomic_t guard_armed;     /* 1 while a guarded slice runs */
static volatile sig_atomic_t guard_signal;    /* the signal that ended it (or SIGVTALRM for a busy loop) */
static volatile sig_atomic_t guard_overflow;  /* 1 if the fault hit the fiber's guard page */
static volatile sig_atomic_t guard_ticks;     /* busy-loop ticks the current slice has run */
static volatile sig_atomic_t guard_ticks_max; /* ticks that make a busy loop, 0 for none */
static const void *volatile guard_stack;      /* the running fiber's stack (lowest usable address), or NULL */
static sim_fiber_host *volatile guard_host;   /* the host a fiber slice returns to, or NULL (a call on the host) */
static volatile sig_atomic_t guard_interrupt; /* 1 once SIGINT asked the run to stop */
static int guard_installed;
static unsigned char guard_altstack[GUARD_ALTSTACK];

static void guard_on_signal(int sig, siginfo_t *info, void *uctx) {
    (void)uctx;
    if (!guard_armed) { /* not scenario code: die as before */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    const char *addr = info ? (const char *)info->si_addr : NULL;
    const char *stack = guard_stack;
    guard_overflow = sig == SIGSEGV && stack && addr && addr < stack && addr >= stack - 4096 * 16;
    guard_signal = sig;
    guard_armed = 0;
    if (guard_host) sim_fiber_abandon_begin(guard_host);
    siglongjmp(guard_jump, 1);
}

static void guard_on_tick(int sig) {
    (void)sig;
    if (!guard_armed || guard_ticks_max == 0) return;
    if (++guard_ticks < guard_ticks_max) return;
    guard_signal = SIGVTALRM;
    guard_armed = 0;
    if (guard_host) sim_fiber_abandon_begin(guard_host);
    siglongjmp(guard_jump, 1);
}

void sim_guard_reinstall(void) {
    guard_installed = 0;
}

static void guard_install(void) {
    if (guard_installed) return;
    guard_installed = 1;
    stack_t ss = {.ss_sp = guard_altstack, .ss_size = sizeof(guard_altstack), .ss_flags = 0};
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = guard_on_signal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER; /* the jump skips the return that would unblock it */
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(guard_signals) / sizeof(guard_signals[0]); i++)
        sigaction(guard_signals[i], &sa, NULL);
    struct sigaction tick;
    memset(&tick, 0, sizeof(tick));
    tick.sa_handler = guard_on_tick;
    tick.sa_flags = SA_RESTART | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&tick.sa_mask);
    sigaction(SIGVTALRM, &tick, NULL);
    struct itimerval it = {{0, GUARD_TICK_MS * 1000}, {0, GUARD_TICK_MS * 1000}};
    setitimer(ITIMER_VIRTUAL, &it, NULL);
}

static sim_guard_report guard_report(void) {
    sim_guard_report r = {SIM_GUARD_SIGNAL, guard_signal, guard_overflow};
    if (guard_signal == SIGVTALRM) r = (sim_guard_report){SIM_GUARD_BUSY, 0, 0};
    return r;
}

static void guard_arm(sim_fiber_host *host, const void *stack, int64_t busy_ms) {
    guard_install();
    guard_host = host;
    guard_stack = stack;
    guard_ticks = 0;
    guard_ticks_max = busy_ms > 0 ? (sig_atomic_t)((busy_ms + GUARD_TICK_MS - 1) / GUARD_TICK_MS) : 0;
    guard_signal = 0;
    guard_overflow = 0;
    guard_armed = 1;
}

sim_guard_report sim_guard_resume(sim_fiber_host *host, sim_fiber *f, int64_t busy_ms) {
    if (sigsetjmp(guard_jump, 0) != 0) { /* back from a handler: the fiber is abandoned */
        sim_fiber_abandoned(host);
        return guard_report();
    }
    guard_arm(host, f->stack, busy_ms);
    sim_fiber_resume(host, f);
    guard_armed = 0;
    return (sim_guard_report){SIM_GUARD_OK, 0, 0};
}

sim_guard_report sim_guard_call(void (*fn)(void *arg), void *arg, int64_t busy_ms) {
    if (sigsetjmp(guard_jump, 0) != 0) return guard_report();
    guard_arm(NULL, NULL, busy_ms);
    fn(arg);
    guard_armed = 0;
    return (sim_guard_report){SIM_GUARD_OK, 0, 0};
}

static void guard_on_interrupt(int sig) {
    guard_interrupt = 1;
    signal(sig, SIG_DFL); /* a second one stops the process */
}

void sim_guard_catch_interrupt(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = guard_on_interrupt;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}

int sim_guard_interrupted(void) {
    return guard_interrupt != 0;
}

const char *sim_guard_signal_text(int sig) {
    switch (sig) {
    case SIGSEGV: return "SIGSEGV (segmentation fault: an invalid memory access)";
    case SIGBUS: return "SIGBUS (bus error: an invalid memory access)";
    case SIGABRT: return "SIGABRT (abort: abort() or a failed assert())";
    case SIGFPE: return "SIGFPE (arithmetic exception: a division by zero?)";
    case SIGILL: return "SIGILL (illegal instruction)";
    default: return "a fatal signal";
    }
}

#if defined(__SANITIZE_ADDRESS__)
/* The sanitizer build lets the guard's handlers diagnose a crash in scenario code instead of its own report. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) {
    return "allow_user_segv_handler=1:handle_abort=0";
}
#endif
