/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_snapshot.h: the complete state of a simulated execution as data: a 128-bit fingerprint, a snapshot, a restore.
 *
 * The state is the run arena's live part (sim_run.h): the run's scalars, its tables up to their counts, the model
 * store's used slots, the op log, the heap up to its bump pointer, and each virtual thread's saved registers and live
 * stack [sp, top). Restoring a snapshot taken at a decision point puts the world back exactly: the scheduler then
 * continues from there as if it had never left, so a search pays about one step per transition, not a replay.
 *
 * The fingerprint is a sum of one fingerprint per part of the state (the header, the processes, the tables, the
 * store, the connections, the logs, the heap, each thread's row and each live stack); a part whose bytes equal those
 * it had when a search's cache last hashed it is not hashed again (its bytes are compared, never assumed
 * unchanged).
 *
 * The fingerprint covers what can change the future and leaves out what describes the past: not the notes, the
 * probes, the violation text, the scheduler's own stack pointer, sanitizer and valgrind bookkeeping. The store is
 * hashed as a set (equal contents in another slot order hash the same). Pitfalls designed out: code addresses on
 * the stacks (return addresses, under PIE) are the same within one process, and fingerprints never leave it (they
 * are not written to schedule files or checkpoints); a freed heap block is zeroed; a restore zeroes what the
 * abandoned branch used beyond the snapshot (table rows, heap, stack below the restored sp), so dead bytes of one
 * branch cannot make equal states differ. Equal states may still hash differently (a dead stack slot): that costs
 * pruning, never soundness; two different states hashing the same (probability about n^2 / 2^129) would.
 *
 * Only with the model store: a real store's state is outside the arena.
 */
#ifndef RACEBED_SIM_SEARCH_SIM_SNAPSHOT_H
#define RACEBED_SIM_SEARCH_SIM_SNAPSHOT_H

#include "sim/run/sim_run.h"
#include "sim/search/sim_visited.h"

/* 1 if this build can snapshot a run (the x86-64 fiber switch; not the ucontext fallback). */
int sim_state_supported(const sim_run *run);

/* Fingerprint of the current state, mixed with 'extra' (a search's own state, e.g. the preemptions used), without
 * the number of decisions taken (see sim_visited_add). Call at a decision point (no thread running). */
sim_fp sim_state_fingerprint(const sim_run *run, uint64_t extra);
/* What a search keeps to fingerprint states incrementally: each part's bytes and fingerprint when last hashed. */
typedef struct sim_fp_cache sim_fp_cache;
/* A new cache, or NULL when out of memory (sim_state_fingerprint_cached then hashes every part). */
sim_fp_cache *sim_fp_cache_new(void);
void sim_fp_cache_free(sim_fp_cache *c);
/* sim_state_fingerprint, hashing again only the parts whose bytes differ from those 'c' kept (then kept instead):
 * always equal to sim_state_fingerprint of the same state (tests/unit/test_sim_reduce.c compares them). */
sim_fp sim_state_fingerprint_cached(const sim_run *run, uint64_t extra, sim_fp_cache *c);
/* Fingerprint of how a run ended, for comparing searches: the final state (not how many decisions led there, nor
 * the violation's text), with the violated oracle's name and without the threads' dead stacks. */
sim_fp sim_state_outcome(const sim_run *run);
/* sim_state_outcome through a cache of its own (not one sim_state_fingerprint_cached uses: the parts differ). */
sim_fp sim_state_outcome_cached(const sim_run *run, sim_fp_cache *c);

/* What a state is made of, class by class, for a census of what tells a search's states apart (sim_census.h): name,
 * then what it holds. Every byte a fingerprint reads is in exactly one class. */
#define SIM_STATE_CLASSES(X)                                                                                           \
    X(TIME, "time",                                                                                                    \
      "virtual time and clock readings: now, the server's and processes' wall offsets, threads' "                      \
      "wake, pause and lease instants")                                                                                \
    X(BOUNDS, "bound counts",                                                                                          \
      "decisions of each bounded kind taken so far: advances, faults, crashes, wall steps, "                           \
      "pauses, restarts, each thread's store faults")                                                                  \
    X(ENTROPY, "entropy", "the run's and each thread's random stream")                                                 \
    X(ALLOC, "heap allocator", "the heap's bump offset and free lists")                                                \
    X(RUN, "run, other", "the run's other fields: counts, the running thread, the search's extra")                     \
    X(PROCS, "processes, other", "each process's crash flag and drift")                                                \
    X(THREADS, "threads, other", "each thread's state, ids, parents, flags")                                           \
    X(PENDING, "pending ops", "each thread's op in flight")                                                            \
    X(ORACLES, "oracle tables", "mutexes, leases, lock instances")                                                     \
    X(RESOURCES, "resources", "guarded resources")                                                                     \
    X(STORE, "store", "the model store: keys, types, values, deadlines, scripts, channels, watches")                   \
    X(CLIENTS, "connections", "each thread's connections: transactions, queues, inboxes")                              \
    X(LOG, "op log", "applied store ops a lose-last restart may drop")                                                 \
    X(HEAP, "heap", "the simulated heap's bytes (lock objects, scenario data)")                                        \
    X(STACKS, "stacks", "each live thread's stack: its frames' bytes, live and dead locals alike")

#define SIM_STATE_CLASS_ENUM(id, name, what) SIM_STATE_CLASS_##id,
enum { SIM_STATE_CLASSES(SIM_STATE_CLASS_ENUM) SIM_STATE_CLASS_COUNT };
#undef SIM_STATE_CLASS_ENUM
/* Class 'c''s name and what it holds. */
const char *sim_state_class_name(int c);
const char *sim_state_class_what(int c);
/* One fingerprint per class of the current state (mixed with 'extra' in SIM_STATE_CLASS_RUN): two states whose
 * fingerprints differ in one class only differ in that class's bytes only. Summed per 64-bit half they make a
 * fingerprint of the whole state (not equal to sim_state_fingerprint's). Slow: for a census, not a search. */
void sim_state_class_fps(const sim_run *run, uint64_t extra, sim_fp out[SIM_STATE_CLASS_COUNT]);
/* Thread 't''s live stack as the fingerprint reads it, [sp, top), its length in '*len'; NULL when it has none. */
const unsigned char *sim_state_stack(const sim_run *run, int t, size_t *len);

/* Snapshots go into one growing byte stack, so a depth-first search keeps its path's snapshots back to back. */
typedef struct sim_snapshots {
    unsigned char *buf;
    size_t len, cap;
    size_t limit; /* bytes it may grow to */
} sim_snapshots;

void sim_snapshots_init(sim_snapshots *s, size_t limit);
void sim_snapshots_free(sim_snapshots *s);
/* Appends a snapshot of 'run' (at a decision point); returns its offset, or -1 past 'limit' or out of memory. */
int64_t sim_state_save(const sim_run *run, sim_snapshots *s);
/* Puts 'run' back into the state saved at 'offset'. Threads created after the snapshot are torn down first. */
void sim_state_restore(sim_run *run, const sim_snapshots *s, int64_t offset);
/* Drops every snapshot from 'offset' on. */
void sim_snapshots_truncate(sim_snapshots *s, int64_t offset);

#endif
