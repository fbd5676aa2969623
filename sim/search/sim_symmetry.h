/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_symmetry.h: the fingerprint of a state up to a renaming of the threads a scenario declares interchangeable
 * (sim_symmetric), for the search over states with --symmetry on.
 *
 * The canonical form of a state s is R_sigma(s): the declared clients' blocks put in the order sigma, and every
 * reference to a client renamed through sigma. A client's block is its thread row, its live stack, its process, its
 * connection and its declared slots; references are thread and process indexes in the run's tables (lease owners,
 * fence owners, schema owners, the per-thread read versions), pointers into a block (relocated to the same offset in
 * the block it is renamed to), the client numbers in declared slots, and the thread byte of every token (entropy=ids,
 * sim_ids.h). sigma sorts the blocks by a fingerprint of each as if it were client 0 (references to other clients
 * masked), ties by index.
 *
 * Soundness: R_sigma(s) = R_sigma'(s') only when s' is a renaming of s, whatever sigma is, so a bad sigma costs
 * reduction, never soundness; what soundness needs is that a renaming of a reachable state behaves as the state
 * does, renamed: the scenario's contract (sim_symmetric) and the renaming being complete. Where a state holds what
 * this file does not rename (a task, an env mutex or once of a client's process, a sync op pending, the op log, a
 * WATCH, a blocked or subscribed connection, a pointer from one client's block into another's, a virtual time past
 * 2^44 ns that a pointer test could mistake), it is fingerprinted plainly, in a domain of its own (never equal to a
 * canonical one): stored once per renaming, as without symmetry.
 *
 * Not renamed: tokens' raw bytes before core hex-encodes them (only in dead frames, which the search clears), and
 * integers equal to an index (a client's own index spilled into its frame stays: it only keeps renamings apart).
 */
#ifndef RACEBED_SIM_SEARCH_SIM_SYMMETRY_H
#define RACEBED_SIM_SEARCH_SIM_SYMMETRY_H

#include <stddef.h>
#include <stdint.h>

#include "sim/run/sim_run.h"
#include "sim/search/sim_visited.h"

/* Why a state was fingerprinted plainly (NAME, text); SIM_SYM_CANONICAL (0) when it was not. */
#define SIM_SYM_FALLBACKS(X)                                                                                           \
    X(TASK, "a task, or a thread in a client's process")                                                               \
    X(SYNC, "a client at a sync op (env mutex, once, wait, task)")                                                     \
    X(MUTEX, "an env mutex or singleton instance of a client's process")                                               \
    X(LOG, "the op log of a lose-last restart")                                                                        \
    X(SERVER, "a WATCH, a blocked connection or a pub/sub subscription")                                               \
    X(TIME, "a virtual time past 2^44 ns")                                                                             \
    X(POINTER, "a pointer from one client's block into another's")                                                    \
    X(KEY, "a store key holding a client's token (keys are walked in the order of their bytes)")                      \
    X(MEMORY, "out of memory while renaming")

typedef enum sim_sym_fallback {
    SIM_SYM_CANONICAL = 0,
#define SIM_SYM_FALLBACK_ENUM(name, text) SIM_SYM_FALLBACK_##name,
    SIM_SYM_FALLBACKS(SIM_SYM_FALLBACK_ENUM)
#undef SIM_SYM_FALLBACK_ENUM
        SIM_SYM_FALLBACK_COUNT_
} sim_sym_fallback;

/* What a search keeps to fingerprint states up to symmetry incrementally (each part's bytes when last hashed), and
 * the counts of states fingerprinted canonically and plainly. */
typedef struct sim_sym_cache sim_sym_cache;

typedef struct sim_sym_stats {
    int64_t canonical;                      /* states fingerprinted up to symmetry */
    int64_t plain[SIM_SYM_FALLBACK_COUNT_]; /* and plainly, by reason */
} sim_sym_stats;

/* A new cache, or NULL when out of memory. */
sim_sym_cache *sim_sym_cache_new(void);
void sim_sym_cache_free(sim_sym_cache *c);
/* The counts so far. */
sim_sym_stats sim_sym_cache_stats(const sim_sym_cache *c);
/* Text of a fallback reason. */
const char *sim_sym_fallback_text(int reason);

/* 0 if 'run' (set up) can be fingerprinted up to symmetry: it declares symmetric threads, draws ids (entropy=ids),
 * fails no allocation by count, and no parameter could make a time look like an arena address; else 1, with what
 * is wrong and what to do in 'why'. */
int sim_sym_unsupported(const sim_run *run, char *why, size_t cap);

/* The fingerprint of the current state up to symmetry, mixed with 'extra' (the search's own state; it must hold no
 * thread index). Call at a decision point. 'c' may be NULL (every part hashed; no counts). If 'perm' is not NULL it
 * gets the renaming: perm[t] is the index thread t is renamed to (t itself for threads not declared, and for every
 * thread when the state was fingerprinted plainly). */
sim_fp sim_state_fingerprint_sym(const sim_run *run, uint64_t extra, sim_sym_cache *c, int perm[SIM_THREADS_MAX]);
/* The same for how a run ended (sim_state_outcome's parts, up to symmetry); use a cache of its own. */
sim_fp sim_state_outcome_sym(const sim_run *run, sim_sym_cache *c);

#endif
