/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * racebed_time_ctl.h: the controller side of the server time page (racebed_time.h): creates the page file that a
 * racebed-owned redis-server maps through racebed_time_shim.so, and sets the absolute time that server sees.
 *
 * Guarded by: one controller per page file; the caller serializes calls on one rb_time_ctl.
 */
#ifndef RACEBED_SHIM_RACEBED_TIME_CTL_H
#define RACEBED_SHIM_RACEBED_TIME_CTL_H

#include <stdint.h>

#include "shim/racebed_time.h"

enum { RB_TIME_PATH_MAX = 512 };

typedef struct rb_time_ctl {
    int fd;                      /* the page file, open read-write; -1 when closed */
    rb_time_page *page;          /* the shared mapping, or NULL when closed */
    char path[RB_TIME_PATH_MAX]; /* the file's path, for RACEBED_TIME_FILE */
} rb_time_ctl;

/* Creates or truncates 'path' (copied) to one page, maps it shared read-write and writes the magic with now_us = 0
 * (the server runs on the real time until the first rb_time_set_us). Returns 0, or -1 with errno set and 'out'
 * closed (fd -1, page NULL). */
int rb_time_open(const char *path, rb_time_ctl *out);
/* Makes the server see 'now_us' (absolute Unix microseconds; <= 0 returns it to the real time) from its next
 * gettimeofday on: an atomic store of now_us, then a bump of seq. */
void rb_time_set_us(rb_time_ctl *ctl, int64_t now_us);
/* The last time set (0: real time). */
int64_t rb_time_get_us(const rb_time_ctl *ctl);
/* Unmaps and closes; the file stays (a server may still map it). Accepts a closed ctl. */
void rb_time_close(rb_time_ctl *ctl);

#endif
