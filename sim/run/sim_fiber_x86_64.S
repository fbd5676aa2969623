/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_fiber_x86_64.S: the context switch of sim_fiber.c for x86-64 System V.
 *
 * sim__fiber_switch(void **save_sp, void *load_sp): pushes the callee-saved registers, stores the stack pointer to
 * *save_sp, loads load_sp, pops the other side's registers and returns into it. Nothing else is saved: the ABI makes
 * every other register caller-saved, and no racebed code changes the FPU control words.
 * sim__fiber_trampoline: the first return address of a new fiber; calls r13(r12) with an aligned stack.
 */
#if defined(__x86_64__)
    .text
    .globl sim__fiber_switch
    .type sim__fiber_switch, @function
sim__fiber_switch:
    .cfi_startproc
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .cfi_endproc
    .size sim__fiber_switch, .-sim__fiber_switch

    .globl sim__fiber_trampoline
    .type sim__fiber_trampoline, @function
sim__fiber_trampoline:
    .cfi_startproc
    .cfi_undefined rip
    movq %r12, %rdi
    callq *%r13
    ud2
    .cfi_endproc
    .size sim__fiber_trampoline, .-sim__fiber_trampoline
#endif
    .section .note.GNU-stack,"",@progbits
