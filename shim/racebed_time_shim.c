/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * racebed_time_shim.c: an LD_PRELOAD library that makes a racebed-owned redis-server read its wall clock from a
 * shared page (racebed_time.h) instead of the kernel, so Redis key expiry follows the simulator's server clock.
 *
 * Why: Redis expires keys by gettimeofday (ustime/mstime; research anchors_locks.md §8.1). libfaketime cannot be
 * used: it also hooks clock_gettime, which jemalloc (linked into Debian's redis-server) calls during its own init,
 * and the server hangs at start-up (§8.3). This shim therefore overrides gettimeofday ONLY; clock_gettime, time()
 * and the event loop's monotonic clock stay real.
 *
 * Mechanism: the first call (or the library constructor, whichever comes first) opens the file named by
 * RACEBED_TIME_FILE, maps it shared read-only and resolves the real gettimeofday with dlsym(RTLD_NEXT). Afterwards
 * every call is one atomic 64-bit load: if the page's magic matches and now_us > 0 it returns now_us, else the real
 * time. Without RACEBED_TIME_FILE, or if the file cannot be mapped, the shim is the real gettimeofday.
 *
 * Invariant: after init nothing allocates or takes a lock, so gettimeofday stays async-signal tolerant; a call that
 * races with init (another thread, or a recursive call from inside dlsym/open) gets the real time from
 * clock_gettime(CLOCK_REALTIME) instead of waiting.
 * This file is the one place in racebed with mutable process globals (design.md §1): a preloaded library has
 * nowhere else to keep its state.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "shim/racebed_time.h"

typedef int (*shim_gettimeofday_fn)(struct timeval *tv, void *tz);

enum { SHIM_UNINIT = 0, SHIM_INITIALIZING = 1, SHIM_READY = 2 };

static int shim_state;                              /* SHIM_*, changed only with __atomic operations */
static const volatile rb_time_page *shim_page;      /* the mapped page, or NULL: real time */
static shim_gettimeofday_fn shim_real_gettimeofday; /* the next gettimeofday, or NULL: clock_gettime */

/* Writes 'msg' to stderr without stdio (no allocation). */
static void shim_warn(const char *msg) {
    ssize_t n = write(2, msg, strlen(msg));
    (void)n;
}

/* Maps the page named by RACEBED_TIME_FILE; leaves shim_page NULL when unset or unusable. */
static void shim_map_page(void) {
    const char *path = getenv(RB_TIME_FILE_ENV);
    if (path == NULL || path[0] == '\0') return;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        shim_warn("racebed_time_shim: cannot open RACEBED_TIME_FILE; using the real time\n");
        return;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_size >= (off_t)sizeof(rb_time_page)) {
        void *p = mmap(NULL, sizeof(rb_time_page), PROT_READ, MAP_SHARED, fd, 0);
        if (p != MAP_FAILED) shim_page = p;
    }
    if (shim_page == NULL) shim_warn("racebed_time_shim: cannot map RACEBED_TIME_FILE; using the real time\n");
    close(fd); /* the mapping stays valid */
}

/* One-time init; only the thread that wins the state change does it. */
static void shim_init(void) {
    int expected = SHIM_UNINIT;
    if (!__atomic_compare_exchange_n(&shim_state, &expected, SHIM_INITIALIZING, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return;
    shim_real_gettimeofday = (shim_gettimeofday_fn)dlsym(RTLD_NEXT, "gettimeofday");
    shim_map_page();
    __atomic_store_n(&shim_state, SHIM_READY, __ATOMIC_RELEASE);
}

__attribute__((constructor)) static void shim_constructor(void) {
    shim_init();
}

/* The real time, before the real gettimeofday is known or when it is missing. */
static int shim_fallback(struct timeval *tv) {
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return -1;
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = (suseconds_t)(ts.tv_nsec / 1000);
    return 0;
}

/* The override. 'tv' is never NULL (glibc declares it nonnull); 'tz' is obsolete and passed through to the real
 * call (glibc zeroes it). */
int gettimeofday(struct timeval *restrict tv, void *restrict tz) {
    int state = __atomic_load_n(&shim_state, __ATOMIC_ACQUIRE);
    if (state == SHIM_UNINIT) {
        shim_init();
        state = __atomic_load_n(&shim_state, __ATOMIC_ACQUIRE);
    }
    if (state != SHIM_READY) return shim_fallback(tv);
    const volatile rb_time_page *page = shim_page;
    if (page != NULL && page->magic == RB_TIME_MAGIC) {
        int64_t now_us = __atomic_load_n(&page->now_us, __ATOMIC_ACQUIRE);
        if (now_us > 0) {
            tv->tv_sec = (time_t)(now_us / 1000000);
            tv->tv_usec = (suseconds_t)(now_us % 1000000);
            if (tz != NULL) memset(tz, 0, 2 * sizeof(int)); /* struct timezone: two ints */
            return 0;
        }
    }
    if (shim_real_gettimeofday != NULL) return shim_real_gettimeofday(tv, tz);
    return shim_fallback(tv);
}
