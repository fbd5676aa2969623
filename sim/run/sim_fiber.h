/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_fiber.h: stackful coroutines for virtual threads, all on one OS thread.
 *
 * On x86-64 a hand-written switch saves the callee-saved registers and the stack pointer (about 20x cheaper than
 * glibc's swapcontext, which makes a sigprocmask system call per switch); elsewhere ucontext is the fallback.
 * Switches are annotated for AddressSanitizer (start/finish_switch_fiber) and every stack is registered with
 * valgrind, so the sanitizer and memcheck runs see the right stack.
 *
 * Invariant: a fiber runs only between sim_fiber_resume() and its next sim_fiber_suspend(); the scheduler is the
 * only code that resumes fibers. Never: return from a fiber's entry function (it must end with sim_fiber_exit).
 */
#ifndef RACEBED_SIM_SIM_FIBER_H
#define RACEBED_SIM_SIM_FIBER_H

#include <stddef.h>

#if !defined(__x86_64__)
#include <ucontext.h>
#endif

/* A fiber's saved context. Lives in the run arena; 'stack' points at memory the caller owns. */
typedef struct sim_fiber {
#if defined(__x86_64__)
    void *sp; /* saved stack pointer while suspended */
#else
    ucontext_t uc; /* saved context while suspended */
#endif
    void *stack;           /* lowest address of the usable stack */
    size_t stack_size;     /* bytes */
    void *asan_fake_stack; /* ASan bookkeeping across a switch */
    unsigned valgrind_id;  /* valgrind stack registration, 0 if none */
} sim_fiber;

/* The scheduler's side: where a suspended fiber returns to. One per simulator, lives with the run. */
typedef struct sim_fiber_host {
#if defined(__x86_64__)
    void *sp; /* the scheduler's stack pointer while a fiber runs */
#else
    ucontext_t uc;
#endif
    void *asan_fake_stack;    /* ASan bookkeeping for the host stack */
    const void *stack_bottom; /* host stack bounds, learned at the first switch back (ASan) */
    size_t stack_size;
    size_t clear_below; /* x86-64: zero this many bytes below a fiber's sp each time it suspends (0: none) */
} sim_fiber_host;

/* Prepares 'f' to run entry(arg) on 'stack' ('size' bytes, 16-byte aligned) at its first resume. */
void sim_fiber_init(sim_fiber *f, void *stack, size_t size, void (*entry)(void *arg), void *arg);
/* Must be the first call of a fiber's entry function: completes the switch that started it. */
void sim_fiber_started(sim_fiber_host *host);
/* Drops the valgrind registration of 'f'. The stack memory stays the caller's. */
void sim_fiber_fini(sim_fiber *f);
/* Runs 'f' until it suspends or exits. Called by the scheduler only. With host->clear_below, then zeroes that many
 * bytes below the fiber's saved sp, which nothing reads (the search over states keeps dead bytes out of later
 * frames' unset slots). */
void sim_fiber_resume(sim_fiber_host *host, sim_fiber *f);
/* Leaving a fiber for good without its switch (a jump out of a signal handler): 'begin' just before the jump,
 * 'abandoned' on the host after it, so the sanitizer sees the switch back to the host's stack. */
void sim_fiber_abandon_begin(sim_fiber_host *host);
void sim_fiber_abandoned(sim_fiber_host *host);
/* Returns control from the running fiber 'f' to the host; returns when the host resumes 'f' again. */
void sim_fiber_suspend(sim_fiber_host *host, sim_fiber *f);
/* The saved stack pointer of a suspended fiber (the live stack is [sp, stack + stack_size)), or NULL where it is
 * not known (the ucontext fallback): state snapshots need it. */
void *sim_fiber_saved_sp(const sim_fiber *f);
/* After a snapshot restore rewrote the fiber's stack: drops sanitizer poisoning left by frames that no longer exist. */
void sim_fiber_restored(sim_fiber *f);
/* Before reading a suspended fiber's live stack [from, top) as bytes (hashing, snapshots): drops the sanitizer's
 * poisoning of its frames' redzones there, which such reads would trip, and marks the bytes defined for memcheck
 * (slots no frame wrote hold deterministic leftovers; a search that hashes them must not be reported for it). */
void sim_fiber_expose(sim_fiber *f, const void *from);
/* Ends the running fiber 'f' for good: switches to the host and never returns. */
void sim_fiber_exit(sim_fiber_host *host, sim_fiber *f) __attribute__((noreturn));

#endif
