/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim_ids.h: draws under entropy=ids: identifiers that name the thread that drew them, so the search up to symmetry
 * can rename a token with its thread (sim_symmetry.c).
 *
 * Each 8 bytes of a draw are SIM_ID_MAGIC's 4 bytes, the drawing thread's index (SIM_ID_SETUP outside any thread),
 * and a 24-bit count of the stream's earlier chunks, big-endian: unique per stream, so tokens stay unique. A draw of
 * exactly 8 bytes is jitter (lk__backoff_ns): it is SIM_ID_JITTER every time, the same for every thread. core
 * hex-encodes a token's bytes (lk_token_new), so a token in the store, a reply or a frame reads "d53a7e91" + two
 * hex digits of the thread + six of the count, per 8 bytes.
 *
 * Invariant: no thread's stream passes 2^24 chunks (a draw past it fails with LK_EENTROPY, never wraps).
 */
#ifndef RACEBED_SIM_RUN_SIM_IDS_H
#define RACEBED_SIM_RUN_SIM_IDS_H

#include <stdint.h>
#include <string.h>

#define SIM_ID_MAGIC_HEX "d53a7e91"
enum {
    SIM_ID_MAGIC_HEX_LEN = 8,
    SIM_ID_SETUP = 0xff,        /* the thread byte of a draw outside any thread */
    SIM_ID_COUNT_MAX = 1 << 24, /* chunks a stream can draw */
};
static const unsigned char sim_id_magic[4] = {0xd5, 0x3a, 0x7e, 0x91};
/* The jitter draw: the magic, then 0xfe and zeroes (no thread's index). */
static const unsigned char sim_id_jitter[8] = {0xd5, 0x3a, 0x7e, 0x91, 0xfe, 0, 0, 0};

/* Fills 'len' bytes of identifiers for thread byte 'thread' from the count at '*count'. Returns 0, or -1 when the
 * stream is spent. */
static inline int sim__ids_fill(unsigned char *out, size_t len, unsigned thread, uint64_t *count) {
    if (len == 8) {
        memcpy(out, sim_id_jitter, 8);
        return 0;
    }
    while (len > 0) {
        if (*count >= SIM_ID_COUNT_MAX) return -1;
        unsigned char chunk[8] = {sim_id_magic[0],
                                  sim_id_magic[1],
                                  sim_id_magic[2],
                                  sim_id_magic[3],
                                  (unsigned char)thread,
                                  (unsigned char)(*count >> 16),
                                  (unsigned char)(*count >> 8),
                                  (unsigned char)*count};
        size_t n = len < 8 ? len : 8;
        memcpy(out, chunk, n);
        (*count)++;
        out += n;
        len -= n;
    }
    return 0;
}

#endif
