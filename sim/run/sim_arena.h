/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_arena.h: the run arena, one mapping at a fixed address that holds all per-run state: the sim_run struct, the
 * heap that core allocates from through the env, and the virtual threads' stacks (a PROT_NONE guard page under each).
 *
 * Fixed address: pointers inside the arena mean the same thing in every process and every run, so a run is a pure
 * function of its inputs and can be hashed or copied as bytes. The address lies above AddressSanitizer's shadow.
 * Invariant: sim_arena_reset() returns the run part to all zeroes and the heap to empty; stacks are rebuilt by the
 * scheduler for each execution.
 */
#ifndef RACEBED_SIM_SIM_ARENA_H
#define RACEBED_SIM_SIM_ARENA_H

#include <stddef.h>

#include "sim/run/sim_run.h"

#define SIM_ARENA_BASE ((uintptr_t)0x300000000000ULL)

/* Maps the arena (once per OS process). Returns the run at SIM_ARENA_BASE, or NULL with a message in 'err' when the
 * address is taken or memory is short (an environment error). */
sim_run *sim_arena_map(char *err, size_t cap);
/* Unmaps it. Accepts NULL. */
void sim_arena_unmap(sim_run *run);
/* Zeroes the run and empties the heap, keeping the region layout. */
void sim_arena_reset(sim_run *run);
/* Sets the virtual threads' stack size for the next execution: 'kib' KiB (0: the build's default, 128 KiB, 512 KiB
 * under ASan), at most SIM_STACK_KIB_MAX, with the guard page right below each. Returns 0, or -1 for a size out of
 * range or a guard page that cannot move. */
int sim_arena_set_stack_kib(sim_run *run, int64_t kib);
/* Lowest usable address of thread slot 'i''s stack (16-byte aligned, run->stack_size bytes). */
void *sim_arena_stack(sim_run *run, int i);
/* Returns every thread stack to zero pages (madvise), so what earlier executions left in them cannot reach a search
 * that hashes stacks: its state counts then do not depend on what the process ran before. Returns 0 or -1. */
int sim_arena_zero_stacks(sim_run *run);

/* The heap inside the arena, which core allocates from through a simulated env (power-of-two size classes with free
 * lists of offsets). NULL when the heap is full or at the run's injected allocation failure. */
void *sim__heap_alloc(sim_run *run, size_t size);
void sim__heap_free(sim_run *run, void *p);

#endif
