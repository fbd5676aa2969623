/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_fiber.c: fiber switching with sanitizer and valgrind annotations (contract in sim_fiber.h).
 *
 * ASan protocol: before a switch, __sanitizer_start_switch_fiber names the stack we go to (a NULL save slot when the
 * current fiber will never run again); right after control arrives, __sanitizer_finish_switch_fiber completes it.
 */
#include "sim/run/sim_fiber.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>

#if defined(__SANITIZE_ADDRESS__)
#define SIM_FIBER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIM_FIBER_ASAN 1
#endif
#endif

#ifdef SIM_FIBER_ASAN
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom, size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save, const void **bottom_old, size_t *size_old);
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
/* A fiber abandoned mid-run (the execution stopped at a violation) leaves its frames' redzones poisoned; a stack
 * is reused by the next execution, so it is unpoisoned whenever a fiber is set up on it. */
#define ASAN_UNPOISON(addr, size) __asan_unpoison_memory_region((addr), (size))
#define ASAN_START(save, bottom, size) __sanitizer_start_switch_fiber((save), (bottom), (size))
#define ASAN_FINISH(save, bottom_old, size_old) __sanitizer_finish_switch_fiber((save), (bottom_old), (size_old))
#else
#define ASAN_UNPOISON(addr, size) ((void)(addr), (void)(size))
#define ASAN_START(save, bottom, size) ((void)(save), (void)(bottom), (void)(size))
#define ASAN_FINISH(save, bottom_old, size_old) ((void)(save), (void)(bottom_old), (void)(size_old))
#endif

#if defined(__x86_64__)
void sim__fiber_switch(void **save_sp, void *load_sp);
void sim__fiber_trampoline(void);

void sim_fiber_init(sim_fiber *f, void *stack, size_t size, void (*entry)(void *arg), void *arg) {
    assert(((uintptr_t)stack & 15) == 0 && size >= 4096);
    ASAN_UNPOISON(stack, size);
    memset(f, 0, sizeof(*f));
    f->stack = stack;
    f->stack_size = size;
    uintptr_t top = ((uintptr_t)stack + size) & ~(uintptr_t)15;
    uintptr_t x = top - 16;
    void **slot = (void **)(x - 56);
    slot[0] = NULL;                          /* r15 */
    slot[1] = NULL;                          /* r14 */
    slot[2] = (void *)entry;                 /* r13: called by the trampoline */
    slot[3] = arg;                           /* r12: its argument */
    slot[4] = NULL;                          /* rbx */
    slot[5] = NULL;                          /* rbp */
    slot[6] = (void *)sim__fiber_trampoline; /* return address of the first switch */
    f->sp = slot;
    f->valgrind_id = VALGRIND_STACK_REGISTER(stack, (char *)stack + size);
}

void sim_fiber_resume(sim_fiber_host *host, sim_fiber *f) {
    ASAN_START(&host->asan_fake_stack, f->stack, f->stack_size);
    sim__fiber_switch(&host->sp, f->sp);
    ASAN_FINISH(host->asan_fake_stack, NULL, NULL);
    if (host->clear_below > 0) { /* dead bytes: nothing lives below a suspended fiber's sp */
        unsigned char *sp = f->sp, *low = (size_t)(sp - (unsigned char *)f->stack) > host->clear_below
                                              ? sp - host->clear_below
                                              : (unsigned char *)f->stack;
        ASAN_UNPOISON(low, (size_t)(sp - low));
        (void)VALGRIND_MAKE_MEM_UNDEFINED(low, (size_t)(sp - low)); /* memcheck: below sp is no man's land... */
        memset(low, 0, (size_t)(sp - low));
        (void)VALGRIND_MAKE_MEM_NOACCESS(low, (size_t)(sp - low)); /* ...and stays so for the fiber */
    }
}

void sim_fiber_suspend(sim_fiber_host *host, sim_fiber *f) {
    ASAN_START(&f->asan_fake_stack, host->stack_bottom, host->stack_size);
    sim__fiber_switch(&f->sp, host->sp);
    ASAN_FINISH(f->asan_fake_stack, &host->stack_bottom, &host->stack_size);
}

void sim_fiber_exit(sim_fiber_host *host, sim_fiber *f) {
    ASAN_START(NULL, host->stack_bottom, host->stack_size);
    sim__fiber_switch(&f->sp, host->sp);
    __builtin_unreachable();
}

#else /* ucontext fallback */

void sim_fiber_init(sim_fiber *f, void *stack, size_t size, void (*entry)(void *arg), void *arg) {
    ASAN_UNPOISON(stack, size);
    memset(f, 0, sizeof(*f));
    f->stack = stack;
    f->stack_size = size;
    getcontext(&f->uc);
    f->uc.uc_stack.ss_sp = stack;
    f->uc.uc_stack.ss_size = size;
    f->uc.uc_link = NULL;
    makecontext(&f->uc, (void (*)(void))entry, 1, arg);
    f->valgrind_id = VALGRIND_STACK_REGISTER(stack, (char *)stack + size);
}

void sim_fiber_resume(sim_fiber_host *host, sim_fiber *f) {
    ASAN_START(&host->asan_fake_stack, f->stack, f->stack_size);
    swapcontext(&host->uc, &f->uc);
    ASAN_FINISH(host->asan_fake_stack, NULL, NULL);
}

void sim_fiber_suspend(sim_fiber_host *host, sim_fiber *f) {
    ASAN_START(&f->asan_fake_stack, host->stack_bottom, host->stack_size);
    swapcontext(&f->uc, &host->uc);
    ASAN_FINISH(f->asan_fake_stack, &host->stack_bottom, &host->stack_size);
}

void sim_fiber_exit(sim_fiber_host *host, sim_fiber *f) {
    ASAN_START(NULL, host->stack_bottom, host->stack_size);
    swapcontext(&f->uc, &host->uc);
    __builtin_unreachable();
}
#endif

void sim_fiber_abandon_begin(sim_fiber_host *host) {
    ASAN_START(NULL, host->stack_bottom, host->stack_size);
    (void)host;
}

void sim_fiber_abandoned(sim_fiber_host *host) {
    ASAN_FINISH(host->asan_fake_stack, NULL, NULL);
    (void)host;
}

void sim_fiber_started(sim_fiber_host *host) {
    ASAN_FINISH(NULL, &host->stack_bottom, &host->stack_size);
    (void)host;
}

void sim_fiber_fini(sim_fiber *f) {
    if (f->valgrind_id) VALGRIND_STACK_DEREGISTER(f->valgrind_id);
    f->valgrind_id = 0;
}

void *sim_fiber_saved_sp(const sim_fiber *f) {
#if defined(__x86_64__)
    return f->sp;
#else
    (void)f;
    return NULL;
#endif
}

void sim_fiber_restored(sim_fiber *f) {
    ASAN_UNPOISON(f->stack, f->stack_size);
}

void sim_fiber_expose(sim_fiber *f, const void *from) {
    size_t n = (size_t)((const char *)f->stack + f->stack_size - (const char *)from);
    ASAN_UNPOISON(from, n);
    /* Slots no frame has written yet (padding, locals not yet set) hold bytes left by earlier frames or zeroed by a
     * restore: deterministic, but undefined to memcheck, which would flag the fingerprint that reads them. */
    (void)VALGRIND_MAKE_MEM_DEFINED(from, n);
}
