/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * racebed_time.h: the shared time page between racebed (the controller, racebed_time_ctl.c) and the gettimeofday
 * LD_PRELOAD shim inside a racebed-owned redis-server (racebed_time_shim.c), design.md §8.
 *
 * The page is a small file mapped MAP_SHARED by both sides. The controller writes the ABSOLUTE Unix time the server
 * must see, in microseconds, then bumps 'seq'; the shim returns it from every gettimeofday call. now_us == 0 (or a
 * wrong magic) means "use the real time", so a server started before the first set runs on the real clock.
 *
 * Invariant: 'magic' is written last when the page is created and never changes afterwards; every field is an
 * aligned 64-bit word, read and written with single atomic accesses, so the shim never sees a torn time.
 * Never: a pointer or a variable-length field in here (both sides may be different builds).
 */
#ifndef RACEBED_SHIM_RACEBED_TIME_H
#define RACEBED_SHIM_RACEBED_TIME_H

#include <stdint.h>

#define RB_TIME_MAGIC UINT64_C(0x52424454494d4531) /* "RBDTIME1" */
#define RB_TIME_FILE_ENV "RACEBED_TIME_FILE"       /* the env variable that names the page's file */

enum { RB_TIME_FILE_SIZE = 4096 }; /* the file is one page, so a mapping never reaches past its end */

/* The page. Written only by the controller; read by the shim. */
typedef struct rb_time_page {
    uint64_t magic; /* RB_TIME_MAGIC once the page is ready */
    int64_t now_us; /* absolute Unix microseconds the server sees; <= 0: the real time */
    uint64_t seq;   /* bumped after every now_us write (for observers; the shim needs only now_us) */
} rb_time_page;

#endif
