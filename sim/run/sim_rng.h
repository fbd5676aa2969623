/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_rng.h: the simulator's pseudo-random streams: xoshiro256**, seeded by splitmix64. Every per-thread entropy
 * stream and every seeded strategy draws from one of these, never from rand() or the OS.
 *
 * Invariant: a stream is a pure function of its seed; its 32 bytes of state live wherever the caller keeps them (a
 * thread's row in the run arena, a strategy's own context). Inline, because entropy is drawn on the virtual threads'
 * stacks and its code must not change their frames.
 */
#ifndef RACEBED_SIM_RUN_SIM_RNG_H
#define RACEBED_SIM_RUN_SIM_RNG_H

#include <stdint.h>

static inline uint64_t sim__rng_rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t sim__rng_next(uint64_t s[4]) {
    uint64_t r = sim__rng_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = sim__rng_rotl(s[3], 45);
    return r;
}

static inline void sim__rng_seed(uint64_t s[4], uint64_t seed) {
    for (int i = 0; i < 4; i++) {
        uint64_t z = (seed += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        s[i] = z ^ (z >> 31);
    }
}

#endif
