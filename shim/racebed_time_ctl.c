/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * racebed_time_ctl.c: the controller side of the server time page (contract in racebed_time_ctl.h).
 *
 * Invariant: the page's magic is stored last at creation, with release order, so a shim that sees the magic sees a
 * zeroed now_us first; afterwards each set is one atomic 64-bit store, so the shim never reads a torn value.
 * Never: allocate, or keep state outside the rb_time_ctl.
 */
#define _POSIX_C_SOURCE 200809L
#include "shim/racebed_time_ctl.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int rb_time_open(const char *path, rb_time_ctl *out) {
    assert(path != NULL && out != NULL);
    out->fd = -1;
    out->page = NULL;
    out->path[0] = '\0';
    if (strlen(path) >= sizeof(out->path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    void *p = MAP_FAILED;
    if (ftruncate(fd, RB_TIME_FILE_SIZE) == 0)
        p = mmap(NULL, RB_TIME_FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    rb_time_page *page = p;
    __atomic_store_n(&page->now_us, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&page->seq, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&page->magic, RB_TIME_MAGIC, __ATOMIC_RELEASE);
    out->fd = fd;
    out->page = page;
    memcpy(out->path, path, strlen(path) + 1);
    return 0;
}

void rb_time_set_us(rb_time_ctl *ctl, int64_t now_us) {
    assert(ctl != NULL && ctl->page != NULL);
    __atomic_store_n(&ctl->page->now_us, now_us, __ATOMIC_RELEASE);
    __atomic_add_fetch(&ctl->page->seq, 1, __ATOMIC_RELEASE);
}

int64_t rb_time_get_us(const rb_time_ctl *ctl) {
    assert(ctl != NULL && ctl->page != NULL);
    return __atomic_load_n(&ctl->page->now_us, __ATOMIC_ACQUIRE);
}

void rb_time_close(rb_time_ctl *ctl) {
    if (ctl == NULL) return;
    if (ctl->page != NULL) munmap(ctl->page, RB_TIME_FILE_SIZE);
    if (ctl->fd >= 0) close(ctl->fd);
    ctl->page = NULL;
    ctl->fd = -1;
}
